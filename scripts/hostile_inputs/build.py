"""Building blocks of the hostile-input cases: the Case record, valid inputs to spoil, and
deterministic compressed, binary and spreadsheet bytes."""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

LONG = 100_000  # characters in a "very long line"


@dataclass
class Case:
    id: str
    reader: str
    files: dict[str, bytes | str]  # name inside the case folder -> content (a name ending in '/' is a folder)
    args: list[str]
    exit: int
    expect: list[str]  # fragments of stderr
    why: str
    shared: list[str] = field(default_factory=list)
    stdout: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    expect_files: dict[str, list[str]] = field(default_factory=dict)
    # Things a file cannot hold, made in the scratch folder before the run (tests/test_bad_inputs.py):
    # "fifo NAME" (a named pipe no one writes to), "link NAME TARGET" (a symbolic link, TARGET may be
    # absolute such as /dev/zero, or missing: a dangling link), "chmod MODE NAME" (octal, e.g. 000).
    setup: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return {0: "accept", 1: "reject", 2: "usage"}[self.exit]


# -- building blocks ----------------------------------------------------------------------------
HEADER37 = [
    "##fileformat=VCFv4.2",
    "##contig=<ID=17,length=81195210>",
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
]
CHROM_LINE = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR"
YVMA = "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120"  # p.Y772_A775dup
G776V = "17\t37880998\t.\tG\tT\t.\tPASS\t.\tGT:AD:DP\t0/1:60,40:100"
FIRST_RECORD_LINE = len(HEADER37) + 2
YVMA_NAME = "p.Y772_A775dup"


def vcf(*records: str, header: list[str] | None = None, chrom_line: str = CHROM_LINE, eol: str = "\n") -> str:
    lines = [*(HEADER37 if header is None else header), chrom_line, *records]
    return eol.join(lines) + eol


def tsv(*rows: object) -> str:
    return "".join("\t".join(str(c) for c in r) + "\n" for r in rows)


def rec(pos="37880981", ref="A", alt="AGCATACGTGATG", info=".", fmt="GT:AD:DP", sample="0/1:80,40:120",
        chrom="17", filt="PASS") -> str:
    return "\t".join([chrom, pos, ".", ref, alt, ".", filt, info, fmt, sample])


def bgzip(text: str) -> bytes:
    """BGZF bytes of text (htslib writes no timestamps)."""
    import pysam

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "x.vcf"), os.path.join(tmp, "x.vcf.gz")
        Path(src).write_text(text)
        pysam.tabix_compress(src, dst, force=True)
        return Path(dst).read_bytes()


def bgzip_indexed(text: str) -> tuple[bytes, bytes]:
    import pysam

    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "x.vcf")
        Path(src).write_text(text)
        gz = pysam.tabix_index(src, preset="vcf", force=True, keep_original=True)
        return Path(gz).read_bytes(), Path(gz + ".tbi").read_bytes()


def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def bcf(text: str) -> bytes:
    import pysam

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "x.vcf"), os.path.join(tmp, "x.bcf")
        Path(src).write_text(text)
        with pysam.VariantFile(src) as vin, pysam.VariantFile(dst, "wb", header=vin.header) as out:
            for r in vin:
                out.write(r)
        return Path(dst).read_bytes()


def fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip (an .xlsx) with fixed timestamps so the corpus is byte-for-byte reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2020-01-01T00:00:00Z", body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0)), body)
    return out.getvalue()


def xlsx(rows: list[list[object]], *, extra_sheets: dict[str, list[list[object]]] | None = None,
         first_title: str = "Patients", edit=None, patch=None) -> bytes:
    """An .xlsx from rows; ``edit(ws)`` changes the sheet, ``patch(xml)`` its saved XML."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = first_title
    for r in rows:
        ws.append(r)
    for title, srows in (extra_sheets or {}).items():
        other = wb.create_sheet(title)
        for r in srows:
            other.append(r)
    if edit:
        edit(ws)
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if patch:
        zin = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                body = zin.read(info.filename)
                if info.filename == "xl/worksheets/sheet1.xml":
                    body = patch(body.decode()).encode()
                zout.writestr(info, body)
        data = out.getvalue()
    return fixed_zip(data)


def garbage(rng: np.random.Generator, n: int, prefix: bytes = b"") -> bytes:
    return prefix + rng.integers(0, 256, n, dtype=np.uint8).tobytes()


def corrupt_middle(rng: np.random.Generator, data: bytes, n: int = 16) -> bytes:
    """Overwrite n bytes in the middle of the first BGZF/gzip block's deflate data."""
    b = bytearray(data)
    mid = min(len(b) // 2, 60)
    b[mid:mid + n] = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    return bytes(b)


def classify(name: str, *extra: str, out: bool = True) -> tuple[list[str], list[str]]:
    """classify args with --out inside the scratch folder, and the outputs asked for."""
    args = ["classify", name, *extra]
    if out:
        args += ["--out", "out", "--format", "tsv"]
    return args, ["out"] if out else []


CLIN_HEAD = ["patient_id", "sex", "age", "drugs", "treatment_start", "progression_date", "last_followup",
             "best_response"]
CLIN_ROWS = [["P001", "M", "61", "carboplatin + pemetrexed", "2021-03-01", "2021-09-15", "2022-06-01", "PR"],
             ["P002", "F", "55", "pyrotinib", "2021-04-10", "", "2022-01-05", "SD"]]
COHORT_OUTPUTS = ["out"]  # cohort cases write under out/


def csv_text(rows: list[list[object]], sep: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def corrupt_zip_member(rng: np.random.Generator, data: bytes) -> bytes:
    """Overwrite bytes inside the compressed sheet XML (the zip directory stays intact)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    b = bytearray(data)
    n = min(24, info.compress_size // 2)
    b[start + 4:start + 4 + n] = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    return bytes(b)


def sqlite_bytes(statements: list[str]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.db")
        conn = sqlite3.connect(path)
        for s in statements:
            conn.execute(s)
        conn.commit()
        conn.close()
        return Path(path).read_bytes()
