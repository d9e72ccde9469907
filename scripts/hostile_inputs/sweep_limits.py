"""Cases for hangs, unbounded memory, limits and reader-level misreads: pipes and devices given as
inputs, lines, headers and workbooks too large to be genuine, sample and row counts beyond the
limits of rules/limits.yaml, CR-only line ends and Unicode line separators, hidden and chart
sheets, workbook XML that does not parse, YAML integers of thousands of digits, stores changed by
another program, and a #CHROM line with an empty sample name.

Named pipes and symbolic links to devices cannot be committed: the ``setup`` steps make them in the
scratch folder (tests/test_bad_inputs.py). A named pipe nobody writes to is waited on for
limits.pipe_writer_wait_seconds; most cases lower that wait to 1 s with a --rules file (which
also tests that a lab's limits are obeyed), a few keep the built-in wait.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
import zlib

import numpy as np

from her2var.store import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

from .build import (
    CHROM_LINE,
    CLIN_HEAD,
    CLIN_ROWS,
    COHORT_OUTPUTS,
    HEADER37,
    YVMA,
    YVMA_NAME,
    Case,
    bgzip,
    classify,
    csv_text,
    fixed_zip,
    gzip_bytes,
    sqlite_bytes,
    tsv,
    vcf,
    xlsx,
)
from .mafs import TP53_ROW, YVMA_ROW, maf

SHARED_CALLS = ["calls/samples.tsv", "calls/calls.tsv"]
FAST_PIPE = "limits:\n  pipe_writer_wait_seconds: 1\n"  # a lab's limit, in force for the run
MB = 1 << 20


def _gzip_stream(*parts: tuple[bytes, int]) -> bytes:
    """gzip of each (bytes, times) repeated, without building the whole text (a bomb of a few MB
    compressed is hundreds of MB of text)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)  # a gzip header with a zero timestamp: the same bytes each run
    out = []
    for data, times in parts:
        for _ in range(times):
            out.append(c.compress(data))
    out.append(c.flush())
    return b"".join(out)


def _store(*extra: str) -> bytes:
    """A current, empty her2var store (its migrations run by hand), then ``extra`` statements."""
    statements = [s for step in MIGRATIONS for s in step if isinstance(s, str)]  # Python steps fill rows: none here
    statements += ["CREATE TABLE schema_version (version INTEGER NOT NULL)",
                   f"INSERT INTO schema_version (version) VALUES ({SCHEMA_VERSION})",
                   f"PRAGMA application_id = {APPLICATION_ID}", *extra]
    return sqlite_bytes(statements)


def _stored_row(doc: str) -> str:
    """An INSERT of one current result whose document is ``doc``, its checksum matching."""
    digest = hashlib.sha256(doc.encode()).hexdigest()
    return ("INSERT INTO results (sample, patient, input_sha256, rules_checksum, is_current, her2_status, "
            "her2_classes, assessed, cn_assessed, copy_number, n_events, her2var_version, recorded_at, calls, doc, "
            f"doc_sha256) VALUES ('S001', 'P001', 'abc', 'def', 1, 'none', '', 'yes', 'no', NULL, 0, '1', "
            f"'2020-01-01T00:00:00+00:00', '[]', '{doc}', '{digest}')")


def _zip_with(base: bytes, name: str, body: bytes | None = None, *, stream: tuple[bytes, int] | None = None) -> bytes:
    """The workbook ``base`` with its part ``name`` replaced by ``body``, or by ``stream`` (bytes,
    times: written a piece at a time, for a part of hundreds of MB), timestamps fixed."""
    src = zipfile.ZipFile(io.BytesIO(base))
    names = [i.filename for i in src.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for part in names + ([] if name in names else [name]):  # a new part goes last
            fixed = zipfile.ZipInfo(part, date_time=(2020, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            if part != name:
                dst.writestr(fixed, src.read(part))
            elif stream is None:
                dst.writestr(fixed, body if body is not None else src.read(name))
            else:
                with dst.open(fixed, "w", force_zip64=True) as fh:
                    data, times = stream
                    for _ in range(times):
                        fh.write(data)
    return out.getvalue()


def _chartsheet_workbook(rows: list[list[object]], *, keep_worksheet: bool) -> bytes:
    """A workbook with a chart sheet 'Chart' after the data sheet 'Patients' (or only the chart)."""
    import openpyxl
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Patients"
    for r in rows:
        ws.append(r)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=len(rows)), titles_from_data=True)
    cs = wb.create_chartsheet("Chart")
    cs.add_chart(chart)
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if not keep_worksheet:  # drop the worksheet from the workbook: only the chart sheet is left
        z = zipfile.ZipFile(io.BytesIO(data))
        wbxml = z.read("xl/workbook.xml").decode()
        start = wbxml.index("<sheet ")
        end = wbxml.index("/>", start) + 2
        data = _zip_with(data, "xl/workbook.xml", (wbxml[:start] + wbxml[end:]).encode())
    return fixed_zip(data)


def sweep_limits_cases(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    d = dt.date
    good_vcf = vcf(YVMA)
    good_clin = csv_text([CLIN_HEAD, *CLIN_ROWS])
    xrows = [CLIN_HEAD, ["P001", "M", 61, "carboplatin + pemetrexed", d(2021, 3, 1), d(2021, 9, 15), d(2022, 6, 1),
                         "PR"],
             ["P002", "F", 55, "pyrotinib", d(2021, 4, 10), None, d(2022, 1, 5), "SD"]]
    sheet_head = ["sample", "patient", "vcf"]

    def case(cid: str, reader: str, files: dict, args: list[str], code: int, expect: list[str], why: str, *,
             shared: list[str] | None = None, outputs: list[str] | None = None, setup: list[str] | None = None,
             stdout: list[str] | None = None, expect_files: dict[str, list[str]] | None = None) -> None:
        cases.append(Case(cid, reader, files, args, code, expect, why, shared=shared or [], outputs=outputs or [],
                          setup=setup or [], stdout=stdout or [], expect_files=expect_files or {}))

    def cohort_args(clinical: str, *extra: str) -> list[str]:
        return ["cohort", "--clinical", clinical, "--calls", "shared/calls", "-o", "out/cohort.tsv", *extra]

    # -- pipes: never a hang ------------------------------------------------------------------
    fifo_why = "a named pipe nobody writes to: refused after the wait, never a hang"
    args, outs = classify("in.vcf")
    case("sweep_fifo_vcf", "vcf", {}, args, 1, ["in.vcf: a named pipe that no program opened for writing",
                                                "pipe_writer_wait_seconds"],
         fifo_why + " (the built-in wait)", outputs=outs, setup=["fifo in.vcf"])
    args, outs = classify("in.vcf", "--rules", "fast.yaml")
    case("sweep_fifo_vcf_lab_wait", "vcf", {"fast.yaml": FAST_PIPE}, args, 1,
         ["in.vcf: a named pipe that no program opened for writing within 1 s"],
         fifo_why + " (a lab's wait of 1 s, from --rules)", outputs=outs, setup=["fifo in.vcf"])
    case("sweep_fifo_samples_sheet", "samples", {"fast.yaml": FAST_PIPE},
         ["classify", "--samples", "sheet.tsv", "--rules", "fast.yaml", "--out", "out", "--format", "tsv"], 1,
         ["sheet.tsv: a named pipe"], fifo_why, outputs=["out"], setup=["fifo sheet.tsv"])
    case("sweep_fifo_sheet_entry", "samples",
         {"fast.yaml": FAST_PIPE, "sheet.tsv": tsv(sheet_head, ["S1", "P1", "in.vcf"])},
         ["classify", "--samples", "sheet.tsv", "--rules", "fast.yaml", "--out", "out", "--format", "tsv"], 1,
         ["in.vcf: a named pipe"], "a samples-sheet row naming a named pipe", outputs=["out"], setup=["fifo in.vcf"])
    for opt, name, reader in (("--targets", "panel.bed", "targets"), ("--cnv", "cn.cns", "cnv"),
                              ("--fusions", "fusions.tsv", "fusions")):
        args, outs = classify("shared/good.vcf", opt, name, "--rules", "fast.yaml")
        case(f"sweep_fifo_{opt[2:]}", reader, {"fast.yaml": FAST_PIPE}, args, 1, [f"{name}: a named pipe"],
             f"{opt} a named pipe nobody writes to", shared=["good.vcf"], outputs=outs, setup=[f"fifo {name}"])
    for opt, name, what in (("--reference", "ref.fa", "reference FASTA"), ("--bam", "t.bam", "BAM/CRAM")):
        args, outs = classify("shared/good.vcf", opt, name) if opt == "--reference" else (
            ["classify", "--bam", name, "--out", "out", "--format", "tsv"], ["out"])
        case(f"sweep_fifo_{opt[2:]}", "bam", {}, args, 1, [f"{name}: is a pipe", "seeking"],
             f"a {what} is read through its index: a pipe is refused at once", shared=["good.vcf"], outputs=outs,
             setup=[f"fifo {name}"])
    case("sweep_fifo_pon_normal", "bam", {"t.bed": "17\t37880000\t37881000\n"},
         ["pon", "build", "n1.bam", "n2.bam", "--targets", "t.bed", "-o", "out/pon.tsv"], 1,
         ["n1.bam: is a pipe"], "pon build refuses a pipe as a normal BAM", outputs=["out"],
         setup=["fifo n1.bam", "fifo n2.bam"])
    case("sweep_fifo_store", "store", {}, ["classify", "shared/good.vcf", "--store", "results.db", "--out", "out",
                                          "--format", "tsv"], 1, ["results.db: is a pipe"],
         "an SQLite store on a pipe would hang SQLite", shared=["good.vcf"], outputs=["out"], setup=["fifo results.db"])
    case("sweep_fifo_clinical", "clinical", {"fast.yaml": FAST_PIPE},
         cohort_args("records.csv", "--rules", "fast.yaml"), 1, ["records.csv: a named pipe"], fifo_why,
         shared=SHARED_CALLS, outputs=COHORT_OUTPUTS, setup=["fifo records.csv"])
    case("sweep_fifo_rules", "rules", {}, ["rules", "check", "lab.yaml"], 1, ["lab.yaml: a named pipe"],
         fifo_why + " (a rules file)", setup=["fifo lab.yaml"])
    case("sweep_fifo_cohort_table", "plan", {}, ["analyze", "cohort.tsv", "--plan", "first-line-regimens", "-o", "out"],
         1, ["cohort.tsv: a named pipe"], fifo_why + " (analyze's cohort table)", outputs=["out"],
         setup=["fifo cohort.tsv"])
    case("sweep_fifo_pseudonym_key", "clinical", {"fast.yaml": FAST_PIPE},
         cohort_args("shared/clinical.csv", "--pseudonymize", "cohort.key", "--rules", "fast.yaml"), 1,
         ["cohort.key: a named pipe"], fifo_why + " (a pseudonymisation key)",
         shared=["clinical.csv", *SHARED_CALLS], outputs=COHORT_OUTPUTS, setup=["fifo cohort.key"])

    # -- devices: their data never ends ----------------------------------------------------
    dev_why = "a link to a device that never ends: refused before anything is read"
    args, outs = classify("in.vcf")
    case("sweep_dev_zero_vcf", "vcf", {}, args, 1, ["in.vcf: is a character device (/dev/zero)"], dev_why,
         outputs=outs, setup=["link in.vcf /dev/zero"])
    args, outs = classify("in.vcf")
    case("sweep_dev_urandom_vcf", "vcf", {}, args, 1, ["in.vcf: is a character device (/dev/urandom)"], dev_why,
         outputs=outs, setup=["link in.vcf /dev/urandom"])
    args, outs = classify("shared/good.vcf", "--cnv", "cn.cns")
    case("sweep_dev_zero_cnv", "cnv", {}, args, 1, ["cn.cns: is a character device"], dev_why, shared=["good.vcf"],
         outputs=outs, setup=["link cn.cns /dev/zero"])
    case("sweep_dev_zero_clinical", "clinical", {}, cohort_args("records.csv"), 1,
         ["records.csv: is a character device"], dev_why, shared=SHARED_CALLS, outputs=COHORT_OUTPUTS,
         setup=["link records.csv /dev/zero"])
    case("sweep_dev_zero_clinical_xlsx", "clinical", {}, cohort_args("records.xlsx"), 1,
         ["records.xlsx: is a character device"], dev_why + " (a workbook)", shared=SHARED_CALLS,
         outputs=COHORT_OUTPUTS, setup=["link records.xlsx /dev/zero"])
    case("sweep_dev_zero_rules", "rules", {}, ["rules", "check", "lab.yaml"], 1, ["lab.yaml: is a character device"],
         dev_why + " (the size check once saw 0 bytes)", setup=["link lab.yaml /dev/zero"])
    args, outs = classify("shared/good.vcf", "--rules", "lab.yaml")
    case("sweep_dev_urandom_rules_classify", "rules", {}, args, 1, ["lab.yaml: is a character device"], dev_why,
         shared=["good.vcf"], outputs=outs, setup=["link lab.yaml /dev/urandom"])
    case("sweep_dev_zero_cohort_table", "plan", {},
         ["analyze", "cohort.tsv", "--plan", "first-line-regimens", "-o", "out"], 1,
         ["cohort.tsv: is a character device"], dev_why, outputs=["out"], setup=["link cohort.tsv /dev/zero"])
    case("sweep_dev_zero_calls", "clinical", {}, ["cohort", "--clinical", "shared/clinical.csv", "--calls",
                                                 "calls.tsv", "-o", "out/cohort.tsv"], 1,
         ["calls.tsv: is a character device"], dev_why + " (cohort --calls)", shared=["clinical.csv"],
         outputs=COHORT_OUTPUTS, setup=["link calls.tsv /dev/zero"])
    case("sweep_dev_zero_pseudonym_key", "clinical", {},
         cohort_args("shared/clinical.csv", "--pseudonymize", "k.key"), 1,
         ["k.key: is a character device (/dev/zero)"], dev_why + " (a pseudonymisation key)",
         shared=["clinical.csv", *SHARED_CALLS], outputs=COHORT_OUTPUTS, setup=["link k.key /dev/zero"])
    case("sweep_dev_zero_samples_sheet", "samples", {}, ["classify", "--samples", "sheet.tsv", "--out", "out",
                                                        "--format", "tsv"], 1, ["sheet.tsv: is a character device"],
         dev_why, outputs=["out"], setup=["link sheet.tsv /dev/zero"])
    case("sweep_dev_zero_vcf_index", "vcf", {"in.vcf.gz": bgzip(good_vcf)}, ["classify", "in.vcf.gz", "--format",
                                                                                "tsv"], 0, [],
         "a .tbi beside the VCF that links to /dev/zero is no index: the file is read whole", stdout=[YVMA_NAME],
         setup=["link in.vcf.gz.tbi /dev/zero"])
    args, outs = classify("in.vcf")
    case("sweep_dangling_link_vcf", "vcf", {}, args, 1, ["in.vcf: no such file: a symbolic link to", "gone.vcf"],
         "a symbolic link to a file that does not exist", outputs=outs, setup=["link in.vcf gone.vcf"])

    # -- lines, headers, samples beyond the limits -----------------------------------------
    head = "\n".join(HEADER37).encode() + b"\n"
    args, outs = classify("in.vcf.gz")
    case("sweep_vcf_header_line_40mb", "vcf",
         {"in.vcf.gz": _gzip_stream((b"##fileformat=VCFv4.2\n##note=", 1), (b"A" * MB, 40),
                                    (b"\n" + CHROM_LINE.encode() + b"\n", 1))}, args, 1,
         ["in.vcf.gz:2: a line longer than 33,554,432 bytes", "max_line_bytes"],
         "a 40 MB header line (40 kB compressed): refused at the limit, not read whole", outputs=outs)
    args, outs = classify("in.vcf.gz")
    case("sweep_vcf_record_line_40mb", "vcf",
         {"in.vcf.gz": _gzip_stream((head + CHROM_LINE.encode() + b"\n17\t37880981\t.\tA\t", 1), (b"C" * MB, 40))},
         args, 1, ["in.vcf.gz:9: a line longer than", "max_line_bytes"],
         "a record line of 40 MB without a line end", outputs=outs)
    args, outs = classify("in.vcf.gz")
    case("sweep_vcf_header_20mb", "vcf",
         {"in.vcf.gz": _gzip_stream((head, 1), (b"##note=" + b"A" * 1000 + b"\n", 20_000),
                                    (CHROM_LINE.encode() + b"\n", 1))}, args, 1,
         ["in.vcf.gz:", "the header (## lines and #CHROM) is longer than 16,777,216 bytes", "max_header_bytes"],
         "20,000 header lines of 1 kB: the header is bounded as a whole", outputs=outs)
    many = "\t".join(f"S{i:06d}" for i in range(100_000))
    args, outs = classify("in.vcf.gz")
    case("sweep_vcf_100000_samples", "vcf",
         {"in.vcf.gz": gzip_bytes(vcf(header=HEADER37, chrom_line=CHROM_LINE.rsplit("\t", 1)[0] + "\t" + many)
                                  .encode())}, args, 1,
         ["in.vcf.gz:8: 100,000 sample columns, more than 10,000", "max_vcf_samples"],
         "100,000 samples (the duplicate check was quadratic: 3 minutes)", outputs=outs)
    args, outs = classify("in.vcf", "--rules", "lab.yaml")
    case("sweep_vcf_samples_lab_limit", "vcf",
         {"in.vcf": vcf(header=HEADER37, chrom_line=CHROM_LINE + "\tT2\tT3"),
          "lab.yaml": "limits:\n  max_vcf_samples: 2\n"}, args, 1,
         ["in.vcf:8: 3 sample columns, more than 2", "limits: {max_vcf_samples: N}"],
         "a lab's lower limit from --rules is obeyed and named", outputs=outs)
    args, outs = classify("in.vcf")
    case("sweep_vcf_empty_sample_name", "vcf", {"in.vcf": vcf(YVMA.replace("0/1:80,40:120", "0/1:80,40:120\t0/0:9,0:9"),
                                                            chrom_line=CHROM_LINE.replace("TUMOR", "TUMOR\t"))},
         args, 1, ["in.vcf:8: column 11 of the #CHROM line has no sample name"],
         "an empty sample name (two tabs in a row) was accepted as a sample called ''", outputs=outs)
    bcf_bomb = _gzip_stream((b"BCF\x02\x02" + (0xFFFFFFF0).to_bytes(4, "little") + b"##fileformat=VCFv4.2\n", 1),
                            (b"##note=" + b"A" * (MB - 8) + b"\n", 17))
    args, outs = classify("in.bcf")
    case("sweep_bcf_header_4gb", "bcf", {"in.bcf": bcf_bomb}, args, 1,
         ["in.bcf: the BCF header declares 4,294,967,280 bytes, more than 16,777,216", "max_header_bytes"],
         "a BCF header declaring 4 GB, with 17 MB of it there (htslib would allocate it all)", outputs=outs)

    # -- CR-only line ends and Unicode line separators: read, never nothing -------------------
    case("sweep_cr_only_vcf", "vcf", {"in.vcf": good_vcf.replace("\n", "\r")},
         ["classify", "in.vcf", "--format", "tsv"], 0, [],
         "an old Mac export (CR line ends): its record was once never read (exit 0, no call)",
         stdout=[YVMA_NAME])
    case("sweep_cr_only_vcf_gz", "vcf", {"in.vcf.gz": gzip_bytes(good_vcf.replace("\n", "\r").encode())},
         ["classify", "in.vcf.gz", "--format", "tsv"], 0, [], "CR line ends, gzipped", stdout=[YVMA_NAME])
    case("sweep_cr_only_samples_sheet", "samples",
         {"sheet.tsv": tsv(sheet_head, ["S1", "P1", "shared/good.vcf"]).replace("\n", "\r")},
         ["classify", "--samples", "sheet.tsv", "--format", "tsv"], 0, [], "a samples sheet with CR line ends",
         shared=["good.vcf"], stdout=["S1\tERBB2\texon20_insertion"])
    case("sweep_cr_only_maf", "maf", {"in.maf": maf(YVMA_ROW, TP53_ROW, eol="\r")},
         ["classify", "in.maf", "--format", "tsv"], 0, [], "a MAF with CR line ends: its rows were never read",
         stdout=["p.Y772_A775dup"])
    case("sweep_cr_only_clinical", "clinical", {"records.csv": good_clin.replace("\n", "\r")},
         cohort_args("records.csv"), 0, ["cohort: 2 patients"], "a clinical CSV with CR line ends",
         shared=SHARED_CALLS, outputs=["out/cohort.tsv"], expect_files={"out/cohort.tsv": ["P001", "P002"]})
    for sep, label in (("\u2028", "U+2028"), ("\u0085", "U+0085"), ("\u2029", "U+2029"), ("\x1e", "U+001E")):
        rows = [list(r) for r in CLIN_ROWS]
        rows[0][3] = f"carboplatin{sep}+ pemetrexed"
        case(f"sweep_clinical_{label.replace('+', '').lower()}_in_cell", "clinical",
             {"records.csv": csv_text([CLIN_HEAD, *rows])}, cohort_args("records.csv"), 0, ["cohort: 2 patients"],
             f"{label} inside a cell ends no line (str.splitlines made a phantom patient of it)",
             shared=SHARED_CALLS, outputs=["out/cohort.tsv"], expect_files={"out/cohort.tsv": ["P001", "P002"]})
    case("sweep_samples_u2028_in_cell", "samples",
         {"sheet.tsv": tsv([*sheet_head, "notes"], ["S1", "P1", "shared/good.vcf", "see\u2028below"])},
         ["classify", "--samples", "sheet.tsv", "--format", "tsv"], 0, [],
         "U+2028 in a samples-sheet cell: one row, not a short row", shared=["good.vcf"],
         stdout=["S1\tERBB2\texon20_insertion"])

    # -- workbooks: sheets, XML, bombs -----------------------------------------------------
    def clinical_xlsx(cid: str, content: bytes, code: int, expect: list[str], why: str, *extra: str) -> None:
        case(cid, "clinical", {"records.xlsx": content}, cohort_args("records.xlsx", *extra), code, expect, why,
             shared=SHARED_CALLS, outputs=COHORT_OUTPUTS if code else ["out/cohort.tsv"],
             expect_files={"out/cohort.tsv": ["P001", "P002"]} if code == 0 else None)

    old = [["patient", "note"], ["P999", "an old copy"]]

    def hide_first(ws) -> None:
        ws.sheet_state = "hidden"
        ws.parent.active = 1

    hidden_first = xlsx(old, extra_sheets={"Patients": xrows}, first_title="Old", edit=hide_first)
    clinical_xlsx("sweep_xlsx_hidden_first_sheet", hidden_first, 0, ["read sheet 'Patients'", "1 hidden: Old"],
                  "a hidden first sheet was read silently instead of the visible, active one")
    clinical_xlsx("sweep_xlsx_sheet_option_hidden", xlsx(xrows, extra_sheets={"Visible": old}, first_title="Kept",
                                                          edit=hide_first), 0,
                  ["sheet 'Kept' is hidden", "read because --sheet names it"],
                  "--sheet naming a hidden sheet reads it and says so", "--sheet", "Kept")
    all_hidden = xlsx(xrows)  # openpyxl will not save a workbook whose only worksheet is hidden: Excel does
    wbxml = zipfile.ZipFile(io.BytesIO(all_hidden)).read("xl/workbook.xml").decode()
    all_hidden = _zip_with(all_hidden, "xl/workbook.xml",
                           wbxml.replace('state="visible"', 'state="hidden"', 1).encode())
    clinical_xlsx("sweep_xlsx_all_hidden", all_hidden, 1,
                  ["records.xlsx: every worksheet is hidden", "--sheet"], "no visible worksheet")
    clinical_xlsx("sweep_xlsx_chartsheet_option", _chartsheet_workbook(xrows, keep_worksheet=True), 1,
                  ["records.xlsx: sheet 'Chart' is a chart sheet"], "--sheet naming a chart sheet", "--sheet", "Chart")
    clinical_xlsx("sweep_xlsx_chartsheet_only", _chartsheet_workbook(xrows, keep_worksheet=False), 1,
                  ["records.xlsx: the workbook has no worksheet"], "a chart sheet as the only sheet")
    base = xlsx(xrows)
    sheet_xml = zipfile.ZipFile(io.BytesIO(base)).read("xl/worksheets/sheet1.xml").decode()
    body = sheet_xml[sheet_xml.index("<worksheet"):]
    clinical_xlsx("sweep_xlsx_malformed_xml", _zip_with(base, "xl/worksheets/sheet1.xml",
                                                        sheet_xml.replace("</row>", "</rowx>", 1).encode()), 1,
                  ["records.xlsx [sheet Patients]: cannot be read as an Excel workbook", "malformed"],
                  "sheet XML that does not parse")
    bomb = ('<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True))
            + "]>" + body.replace("<sheetData>", "<sheetData>&i;", 1))
    clinical_xlsx("sweep_xlsx_entity_bomb", _zip_with(base, "xl/worksheets/sheet1.xml", bomb.encode()), 1,
                  ["records.xlsx", "cannot be read as an Excel workbook", "malformed or unsafe"],
                  "an entity expansion bomb in the sheet XML (expat refuses it; the refusal was not caught)")
    xxe = ('<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
           + body.replace("<sheetData>", "<sheetData>&x;", 1))
    clinical_xlsx("sweep_xlsx_external_entity", _zip_with(base, "xl/worksheets/sheet1.xml", xxe.encode()), 1,
                  ["records.xlsx", "cannot be read as an Excel workbook"], "an external entity (XXE) is never read")
    # openpyxl writes text inline; a shared-strings part (as Excel writes) is added for these two
    types = zipfile.ZipFile(io.BytesIO(base)).read("[Content_Types].xml").decode()
    types = types.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                          'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    with_strings = _zip_with(base, "[Content_Types].xml", types.encode())
    sst = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
           "<si><t>&i;</t></si></sst>")
    strings_bomb = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
                    + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi",
                                                                                         strict=True))
                    + "]>" + sst)
    clinical_xlsx("sweep_xlsx_shared_strings_bomb", _zip_with(with_strings, "xl/sharedStrings.xml",
                                                              strings_bomb.encode()), 1,
                  ["records.xlsx", "cannot be read as an Excel workbook"],
                  "an entity bomb in the shared strings, parsed when the workbook opens")
    out_of_range = sheet_xml.replace('<c r="A2" t="inlineStr"><is><t>P001</t></is></c>',
                                     '<c r="A2" t="s"><v>99999</v></c>')
    assert out_of_range != sheet_xml
    clinical_xlsx("sweep_xlsx_shared_string_out_of_range", _zip_with(base, "xl/worksheets/sheet1.xml",
                                                                     out_of_range.encode()), 1,
                  ["records.xlsx [sheet Patients]", "a cell refers to a shared string the workbook does not hold"],
                  "a shared-string index beyond the table")
    clinical_xlsx("sweep_xlsx_zip_bomb", _zip_with(base, "xl/worksheets/sheet1.xml", stream=(b" " * MB, 300)), 1,
                  ["records.xlsx: the workbook unpacks to more than 268,435,456 bytes", "max_workbook_bytes"],
                  "a part of 300 MB packed into 300 kB: refused from the zip directory, nothing unpacked")
    clinical_xlsx("sweep_xlsx_part_ratio", _zip_with(base, "xl/worksheets/sheet1.xml",
                                                     stream=(b" " * MB, 60)), 1,
                  ["records.xlsx: the part xl/worksheets/sheet1.xml unpacks", "max_workbook_ratio"],
                  "a part that inflates a thousandfold")
    wide = sheet_xml.replace("</sheetData>", "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>'
                                                     for r in range(10, 260)) + "</sheetData>", 1)
    clinical_xlsx("sweep_xlsx_cells_limit", _zip_with(base, "xl/worksheets/sheet1.xml", wide.encode()), 1,
                  ["records.xlsx [sheet Patients]: row", "more than 4,000,000 cells", "max_workbook_cells"],
                  "250 rows reaching column XFD: 4 million cells from a 20 kB workbook")
    beyond = sheet_xml.replace("</sheetData>", '<row r="1048577"><c r="A1048577"><v>1</v></c></row></sheetData>', 1)
    clinical_xlsx("sweep_xlsx_row_beyond_excel", _zip_with(base, "xl/worksheets/sheet1.xml", beyond.encode()), 1,
                  ["records.xlsx [sheet Patients]: a row numbered beyond Excel's last row"],
                  "a row number no spreadsheet writes (and a million empty rows before it)")
    bogus_dimension = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', sheet_xml, count=1)
    assert bogus_dimension != sheet_xml
    clinical_xlsx("sweep_xlsx_dimension_bomb", _zip_with(base, "xl/worksheets/sheet1.xml", bogus_dimension.encode()),
                  0, ["cohort: 2 patients"], "a declared range of the whole sheet pads nothing: read as stored")
    case("sweep_table_rows_lab_limit", "clinical", {"lab.yaml": "limits:\n  max_table_rows: 1\n"},
         cohort_args("shared/clinical.csv", "--rules", "lab.yaml"), 1,
         ["clinical.csv: row 3: more than 1 rows", "max_table_rows"], "a lab's row limit is obeyed and named",
         shared=["clinical.csv", *SHARED_CALLS], outputs=COHORT_OUTPUTS)
    ctl = [list(r) for r in CLIN_ROWS]
    ctl[0][3] = "carboplatin + pemetrexed\x07"
    ctl[1][7] = "S\x01D"
    case("sweep_xlsx_output_control_character", "clinical", {"records.csv": csv_text([CLIN_HEAD, *ctl])},
         cohort_args("records.csv", "--xlsx", "out/cohort.xlsx"), 0,
         ["control characters a workbook cannot store", "U+FFFD"],
         "a control character in a clinical value: openpyxl refused it with a traceback (and the value)",
         shared=SHARED_CALLS, outputs=["out/cohort.tsv", "out/cohort.xlsx"],
         expect_files={"out/cohort.tsv": ["P001", "P002"]})

    # -- YAML: integers of thousands of digits, depth, size -------------------------------
    huge_hex = "0x" + "f" * 5000
    for cid, opt, content, why in (
        ("sweep_yaml_hex_int_rules", None, f"thresholds:\n  min_depth: {huge_hex}\n", "rules check"),
        ("sweep_yaml_decimal_int_rules", None, "thresholds:\n  min_depth: " + "9" * 5000 + "\n", "rules check"),
        ("sweep_yaml_hex_int_clinical_rules", "--clinical-rules", f"columns: {{x: {huge_hex}}}\n", "--clinical-rules"),
        ("sweep_yaml_hex_int_regimens", "--regimens", f"classes: {{x: {huge_hex}}}\n", "--regimens"),
    ):
        if opt is None:
            args, shared, outs = ["rules", "check", "lab.yaml"], [], []
        else:
            args = cohort_args("shared/clinical.csv", opt, "lab.yaml")
            shared, outs = ["clinical.csv", *SHARED_CALLS], COHORT_OUTPUTS
        case(cid, "rules", {"lab.yaml": content}, args, 1, ["lab.yaml:", "is too large"],
             f"an integer of 5,000 digits ({why}): Python refuses to write it later, with a traceback",
             shared=shared, outputs=outs)
    case("sweep_yaml_hex_int_plan", "plan", {"plan.yaml": f"version: {huge_hex}\n"},
         ["analyze", "shared/calls/samples.tsv", "--plan", "plan.yaml", "-o", "out"], 1,
         ["plan.yaml:1: the integer", "is too large"], "an analysis plan with an integer of 5,000 hex digits",
         shared=SHARED_CALLS, outputs=["out"])
    case("sweep_yaml_depth", "rules", {"lab.yaml": "thresholds: " + "[" * 100 + "]" * 100 + "\n"},
         ["rules", "check", "lab.yaml"], 1, ["lab.yaml:1: nested more than 64 levels deep", "max_yaml_depth"],
         "100 nested lists")
    case("sweep_yaml_6mb_gzipped", "rules", {"lab.yaml": _gzip_stream((b"# " + b"x" * 98 + b"\n", 60_000))},
         ["rules", "check", "lab.yaml"], 1, ["lab.yaml: more than 5,000,000 bytes of YAML", "max_yaml_bytes"],
         "6 MB of YAML in a 20 kB gzip (the size check saw the compressed size)")

    # -- stores changed by another program ------------------------------------------------
    def store(cid: str, content: bytes, expect: list[str], why: str, *, cohort: bool = False) -> None:
        if cohort:
            args, shared = ["cohort", "--clinical", "shared/clinical.csv", "--store", "results.db", "-o",
                            "out/cohort.tsv"], ["clinical.csv"]
        else:
            args, shared = ["classify", "shared/good.vcf", "--store", "results.db", "--out", "out", "--format",
                            "tsv"], ["good.vcf"]
        case(cid, "store", {"results.db": content}, args, 1, ["results.db:", *expect], why, shared=shared,
             outputs=["out"])

    store("sweep_store_text_version", _store("UPDATE schema_version SET version = 'one'"),
          ["schema version is 'one', not a version number"], "a word as the schema version")
    store("sweep_store_missing_column",
          _store("ALTER TABLE results RENAME COLUMN doc_sha256 TO checksum"),
          ["not the schema of a her2var store", "lacks column(s) doc_sha256"], "a column renamed by another program")
    store("sweep_store_trigger_aborts",
          _store("CREATE TRIGGER refuse BEFORE INSERT ON results BEGIN SELECT RAISE(ABORT, 'read only'); END"),
          ["not the schema of a her2var store", "refuse not made by her2var"], "a trigger that aborts every insert")
    store("sweep_store_not_json", _store(_stored_row("not json at all")), ["the store cannot be read"],
          "a stored result that is not JSON, with a checksum that matches it", cohort=True)
    case("sweep_store_show_not_json", "store", {"results.db": _store(_stored_row("not json at all"))},
         ["store", "show", "S001", "--store", "results.db"], 1, ["results.db: a stored result is not valid JSON"],
         "store show decodes the whole document")
    case("sweep_store_show_json_not_object", "store", {"results.db": _store(_stored_row("[1, 2]"))},
         ["store", "show", "S001", "--store", "results.db"], 1,
         ["results.db: a stored result is not a result document"],
         "a stored result that is JSON but no result document")
    return cases
