"""Reading MAF files: the header, the dialect, and every row checked against the header.

A MAF (Mutation Annotation Format) is a tab-separated table, one row per variant per tumour
sample (``Tumor_Sample_Barcode``), under a header line of column names; ``#`` lines before it
(``#version 2.4``, padded with tabs in some cBioPortal files; GDC's ``#version gdc-1.0.0``,
``#filedate``, ...) are comments. Column names are matched without regard to case (GENIE's
validator upper-cases them; old TCGA files spell ``Start_position``), and their order is free.

Dialects met in public files, told apart by their columns (``dialect``):

- ``genie``: AACR GENIE ``data_mutations_extended.txt`` (a ``Consequence`` column before
  ``Variant_Classification``, ``Annotation_Status``, ``t_depth`` near the end);
- ``vcf2maf``: mskcc/vcf2maf output (100+ columns, ``FILTER``, ``vcf_pos``; unknown counts ``.``);
- ``gdc``: GDC/TCGA MAFs (``#version gdc-...``; MC3 has ``CENTERS``/``NCALLERS``: ``mc3``);
- ``maf``: anything else with the columns needed (cBioPortal ``data_mutations.txt``, minimal MAFs).

Every row is checked where it could be misread: as many cells as the header has columns, a
chromosome in ``Chromosome``, whole numbers in the positions, bases or ``-`` in the alleles, and
no ``Variant_Classification`` value in ``Variant_Type`` (nor the reverse). A file whose rows are
shifted against their header (a real public study has columns 9-14 shifted by one) is an error
naming the row, the column and what the shift looks like, never a silent misread. Rows outside
the regions asked for are checked but not kept, so a million-row MAF streams in one pass.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import zlib
from collections.abc import Collection, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from .. import limits
from ..contigs import contig_key
from ..errors import InputError, plain_int, shown
from ..files import GZIP_MAGIC, Seen, check_unchanged, input_path, text_lines
from .scan import RowScan
from .sniff import looks_like_header, split_header

# Columns a MAF must have (minimal MAF of cBioPortal's docs, plus the sample).
REQUIRED = ("chromosome", "start_position", "reference_allele", "tumor_seq_allele2", "tumor_sample_barcode")
# Columns read from every row when present (maf/scan.py)...
ROW_COLUMNS = ("hugo_symbol", "end_position", "ncbi_build", "variant_classification", "variant_type")
# ...and from the rows kept (maf/events.py, classify/from_maf.py). One of these (or of REQUIRED)
# given twice is an error: which of the two holds the data cannot be told.
READ_COLUMNS = ("tumor_seq_allele1", "t_depth", "t_ref_count", "t_alt_count", "filter", "mutation_status",
                "hgvsp_short", "hgvsp", "hgvsc", "transcript_id", "refseq", "matched_norm_sample_barcode", "n_depth",
                "n_ref_count", "n_alt_count")
# The terms of the two columns a shift mixes up (TCGA/GDC MAF specification; cBioPortal docs).
VARIANT_CLASSIFICATIONS = frozenset(t.lower() for t in (
    "Frame_Shift_Del", "Frame_Shift_Ins", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation",
    "Nonsense_Mutation", "Silent", "Splice_Site", "Translation_Start_Site", "Nonstop_Mutation", "3'UTR",
    "3'Flank", "5'UTR", "5'Flank", "IGR", "Intron", "RNA", "Targeted_Region", "De_novo_Start_InFrame",
    "De_novo_Start_OutOfFrame", "Splice_Region"))
VARIANT_TYPES = frozenset(("snp", "dnp", "tnp", "onp", "ins", "del", "consolidated"))
_ALLELE = re.compile(r"[ACGTNacgtn]+|-")
_CHROM = re.compile(r"(?i)(?:chr)?(?:[1-9]|1[0-9]|2[0-4]|X|Y|M|MT)")
# Unplaced, unlocalised, alternate and decoy contigs as GRC/UCSC/GATK bundles name them.
_CONTIG = re.compile(r"(?i)(?:chr)?(?:(?:Un|GL|KI|JH|KN|KV|KZ|ML|MU|NC_|NT_|NW_|HLA-|hs37d5|EBV)[\w.:*-]*"
                     r"|\w+_(?:random|alt|fix|decoy))")
_X_Y = {"23": "X", "24": "Y"}  # some tools number the sex chromosomes


def _chrom_key(value: str) -> str | None:
    """The contig key of a Chromosome cell ('chr17' -> '17', '23' -> 'X'), None if it is none."""
    if _CHROM.fullmatch(value):
        key = contig_key(value)
        return _X_Y.get(key, key)
    if _CONTIG.fullmatch(value):
        return contig_key(value)
    return None


def _position(value: str) -> int | None:
    """A Start/End_Position cell as a number: plain digits, or a float a spreadsheet or data frame
    wrote ('37880981.0'); None when it is neither."""
    n = plain_int(value)
    if n is not None or "." not in value:
        return n
    whole, _, frac = value.partition(".")
    return int(whole) if plain_int(whole) is not None and (not frac or set(frac) == {"0"}) else None


# What each checked column must hold: (test, what was expected).
def _fits(kind: str, value: str) -> bool:
    if kind == "chrom":
        return _chrom_key(value) is not None
    if kind == "position":
        return _position(value) is not None and not value.startswith("0")
    if kind == "allele":
        return _ALLELE.fullmatch(value) is not None
    if kind == "allele1":
        return value in ("", ".") or _ALLELE.fullmatch(value) is not None
    if kind == "variant_type":
        return value.lower() not in VARIANT_CLASSIFICATIONS and _ALLELE.fullmatch(value) is None
    if kind == "variant_classification":
        return value.lower() not in VARIANT_TYPES and _ALLELE.fullmatch(value) is None
    return True


KINDS = {"chromosome": "chrom", "start_position": "position", "end_position": "position",
         "reference_allele": "allele", "tumor_seq_allele2": "allele", "tumor_seq_allele1": "allele1",
         "variant_type": "variant_type", "variant_classification": "variant_classification"}
EXPECTED = {
    "chrom": "a chromosome (1-22, X, Y or MT, with or without 'chr', or a named contig such as GL000220.1)",
    "position": "a position (a whole number from 1)",
    "allele": "an allele (bases A, C, G, T or N, or '-' for none)",
    "allele1": "an allele (bases A, C, G, T or N, '-' for none, or empty)",
    "variant_type": "a Variant_Type (SNP, DNP, TNP, ONP, INS, DEL), not a Variant_Classification value or bases",
    "variant_classification": "a Variant_Classification (Missense_Mutation, In_Frame_Ins, ...), "
                              "not a Variant_Type value or bases",
}


@dataclass(frozen=True)
class MafHeader:
    path: str
    columns: tuple[str, ...]  # as written
    index: Mapping[str, int]  # lower-case name -> column index
    line: int  # the header line's number
    dialect: str  # genie, vcf2maf, gdc, mc3 or maf
    compressed: bool

    def name(self, i: int) -> str:
        """Column ``i``'s name as a message shows it (a header is the user's text: capped)."""
        return shown(self.columns[i], 60, bare=True)


@dataclass
class MafRow:
    """One row in the regions asked for: its cells, and its place checked and parsed."""

    header: MafHeader
    line: int
    cells: list[str]
    chrom: str  # as written
    key: str  # contig key ('17')
    start: int
    end: int | None  # None without an End_Position column (or cell)

    @property
    def where(self) -> str:
        return f"{self.header.path}:{self.line}"

    def get(self, name: str) -> str:
        """The cell of column ``name`` (lower case), stripped; '' when the file has no such column."""
        i = self.header.index.get(name)
        return self.cells[i].strip() if i is not None and i < len(self.cells) else ""

    def column(self, name: str) -> str:
        """``column N (Name)`` for messages."""
        i = self.header.index[name]
        return f"column {i + 1} ({self.header.name(i)})"

    @property
    def sample(self) -> str:
        return self.cells[self.header.index["tumor_sample_barcode"]]


def _dialect(comments: list[str], names: set[str]) -> str:
    if any(c.lower().startswith("#version gdc") for c in comments):
        return "mc3" if {"centers", "ncallers"} <= names else "gdc"
    if {"centers", "ncallers"} <= names:
        return "mc3"
    if "vcf_pos" in names or "flanking_bps" in names or "vcf_qual" in names:
        return "vcf2maf"
    if "annotation_status" in names or "mutationincis_flag" in names or (
            "consequence" in names and "center" in names and "t_depth" in names and "all_effects" not in names):
        return "genie"
    return "maf"


class MafReader:
    """A MAF file: its header (read at once) and its rows (``rows``, streamed).

    ``samples`` (barcode -> first line) and ``builds`` (NCBI_Build value -> first line) are
    filled from every row as ``rows`` goes, in file order."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        if os.path.isdir(self.path):
            raise InputError(f"{self.path}: is a folder, expected a MAF file")
        self.real = input_path(self.path, what="a MAF file")  # a pipe: its copy
        try:
            self.opened = os.stat(self.real)  # the file as it was when reading began
            with open(self.real, "rb") as fh:
                self.compressed = fh.read(2) == GZIP_MAGIC
        except OSError as exc:
            reason = "no such file" if isinstance(exc, FileNotFoundError) else f"cannot be read ({exc.strerror or exc})"
            raise InputError(f"{self.path}: {reason}") from exc
        self.samples: dict[str, int] = {}
        self.builds: dict[str, int] = {}
        self.header = self._read_header()

    # -- the file ---------------------------------------------------------------------------
    def _raw_lines(self, seen: Seen | None = None) -> Generator[bytes, None, None]:
        """Every line as bytes, without its end (files.text_lines: bounded, any line end)."""
        return text_lines(self.real, compressed=self.compressed, name=self.path, what="a MAF file", seen=seen)

    def _lines(self) -> Generator[tuple[int, str], None, None]:
        """(line number, text without its end) of every line; decoding and decompression errors
        become InputErrors naming the line."""
        lineno = 0
        try:
            with contextlib.closing(self._raw_lines()) as raw_lines:
                for lineno, raw in enumerate(raw_lines, 1):
                    yield lineno, self.text(lineno, raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self.path}:{lineno + 1}: the compressed data is truncated or corrupt "
                             f"({shown(exc, 120, bare=True)})") from exc

    def _read_header(self) -> MafHeader:
        comments: list[str] = []
        with contextlib.closing(self._lines()) as lines:
            return self._header_from(lines, comments)

    def _header_from(self, lines: Iterator[tuple[int, str]], comments: list[str]) -> MafHeader:
        most, size = limits.current().max_header_bytes, 0
        for lineno, line in lines:
            line = line.lstrip("\ufeff") if lineno == 1 else line
            if line.startswith("#"):
                size += len(line) + 1
                if size > most:
                    raise InputError(f"{self.path}:{lineno}: more than {most:,} bytes of '#' lines before the "
                                     f"header line {limits.exceeded('max_header_bytes')}")
                comments.append(line.rstrip("\t"))
                continue
            if not line.strip():
                continue
            cols = split_header(line)
            if not looks_like_header(cols):
                raise InputError(f"{self.path}:{lineno}: not a MAF header line: expected tab-separated column "
                                 "names such as Hugo_Symbol, Chromosome, Start_Position, Tumor_Sample_Barcode")
            return self._header(cols, lineno, comments)
        raise InputError(f"{self.path}: no MAF header line (the file is empty or only comments)")

    def _header(self, cols: list[str], lineno: int, comments: list[str]) -> MafHeader:
        index: dict[str, int] = {}
        for i, c in enumerate(cols):
            key = c.lower()
            if not key:
                continue
            if key in index and (key in REQUIRED or key in ROW_COLUMNS or key in READ_COLUMNS):
                raise InputError(
                    f"{self.path}:{lineno}: column {shown(c, bare=True)} appears twice (columns {index[key] + 1} "
                    f"and {i + 1}); which one holds the data cannot be told: keep one")
            index.setdefault(key, i)
        missing = [m for m in REQUIRED if m not in index]
        if missing:
            spelled = {"chromosome": "Chromosome", "start_position": "Start_Position",
                       "reference_allele": "Reference_Allele", "tumor_seq_allele2": "Tumor_Seq_Allele2",
                       "tumor_sample_barcode": "Tumor_Sample_Barcode"}
            raise InputError(f"{self.path}:{lineno}: the MAF header has no {', '.join(spelled[m] for m in missing)} "
                             f"column; a MAF needs {', '.join(spelled[m] for m in REQUIRED)}")
        return MafHeader(path=self.path, columns=tuple(cols), index=index, line=lineno,
                         dialect=_dialect(comments, set(index)), compressed=self.compressed)

    def first_build(self, rows: int = 1000) -> tuple[str, int] | None:
        """The first non-empty NCBI_Build cell among the first ``rows`` data rows, and its line."""
        i = self.header.index.get("ncbi_build")
        if i is None:
            return None
        seen = 0
        with contextlib.closing(self._lines()) as lines:
            for lineno, line in lines:
                if lineno <= self.header.line or not line or line.startswith("#"):
                    continue
                cells = line.split("\t", i + 1)
                value = cells[i].strip() if i < len(cells) else ""
                if value and value.upper() not in ("NA", "."):
                    return value, lineno
                seen += 1
                if seen >= rows:
                    break
        return None

    # -- rows ---------------------------------------------------------------------------------
    def rows(self, spans: Mapping[str, Sequence[tuple[int, int]]], genes: Collection[str] = ()) -> Iterator[MafRow]:
        """Every row checked (see the module notes); the rows overlapping ``spans`` (contig key ->
        1-based inclusive intervals) or whose Hugo_Symbol is in ``genes`` are yielded, decoded
        (maf/scan.py reads the lines as bytes, for speed)."""
        scan = RowScan(self, spans, genes)
        lineno = self.header.line
        seen = Seen()
        try:
            with contextlib.closing(self._raw_lines(seen)) as raw_lines:
                rest = itertools.islice(raw_lines, self.header.line, None)
                for lineno, line, key in scan.kept(rest, self.header.line + 1):
                    yield self.row(lineno, line, key)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self.path}: the compressed data is truncated or corrupt (after line {lineno}; "
                             f"{shown(exc, 120, bare=True)})") from exc
        # the rows and the result's checksum (taken before them) are of the file as it was opened
        check_unchanged(self.path, self.real, self.opened, seen.raw_bytes)
        for sample, first in scan.samples.items():
            self.samples.setdefault(self.text(first, sample), first)

    def text(self, lineno: int, value: bytes) -> str:
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{self.path}:{lineno}: not UTF-8 text (expected a MAF file; save it as UTF-8)") from exc

    def row(self, lineno: int, line: bytes, key: str) -> MafRow:
        """A kept row, decoded and split whole, its positions parsed."""
        h = self.header
        cells = self.text(lineno, line.rstrip(b"\r\n")).split("\t")[:len(h.columns)]
        i_st, i_e = h.index["start_position"], h.index.get("end_position", -1)
        start = self.position(lineno, line, i_st) or self.fail(lineno, line, i_st)
        return MafRow(header=h, line=lineno, cells=cells, chrom=cells[h.index["chromosome"]].strip(), key=key,
                      start=start, end=self.position(lineno, line, i_e) if i_e >= 0 else None)

    def position(self, lineno: int, line: bytes, i: int) -> int | None:
        """Cell ``i`` of a row as a position (checked), None when it is empty or NA."""
        self.check(lineno, line, i, empty_ok=True)
        return _position(line.rstrip(b"\r\n").split(b"\t")[i].decode().strip())

    def check_signature(self, lineno: int, line: bytes, by_value: tuple[int, ...]) -> str:
        """Check the cells of a row checked by value alone (the first row with these values; the
        chromosome first); return the contig key of its chromosome."""
        i_c = by_value[0]
        cols = self.text(lineno, line.rstrip(b"\r\n")).split("\t")
        key = _chrom_key(cols[i_c].strip()) or self.fail(lineno, line, i_c)
        for i in by_value[1:]:
            self.check(lineno, line, i)
        return key

    # -- errors -------------------------------------------------------------------------------
    def check(self, lineno: int, line: bytes, i: int, *, empty_ok: bool = False) -> None:
        """Raise the InputError of cell ``i`` unless its value fits its column."""
        cells = line.rstrip(b"\r\n").split(b"\t")
        value = cells[i].decode("utf-8", "replace").strip() if i < len(cells) else ""
        if empty_ok and value.upper() in ("", "NA", "."):
            return
        if not _fits(KINDS.get(self.header.columns[i].lower(), ""), value):
            self.fail(lineno, line, i)

    def fail(self, lineno: int, line: bytes | str, i: int, problem: str | None = None) -> NoReturn:
        """Raise the InputError of cell ``i`` of a row (with a hint when the row looks shifted)."""
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        cols = text.rstrip("\r\n").split("\t")
        name = self.header.name(i)
        value = cols[i].strip() if i < len(cols) else ""
        kind = KINDS.get(self.header.columns[i].lower(), "")
        if problem is None:
            problem = f"is {shown(value)}; expected {EXPECTED.get(kind, 'a value')}"
        else:
            problem = f"{shown(value)} {problem}"
        raise InputError(f"{self.path}:{lineno}: column {i + 1} ({name}) {problem}{self._shift_hint(cols)}")

    def _shift_hint(self, cols: list[str]) -> str:
        """'; ... shifted ...' when the checked cells from the first one that does not fit its column
        on (at least two of them) all fit their column one place to the left or right."""
        checked = [(i, KINDS[c.lower()]) for i, c in enumerate(self.header.columns) if c.lower() in KINDS]
        bad = [i for i, k in checked if i < len(cols) and not _fits(k, cols[i].strip())]
        if not bad:
            return ""
        tail = [(i, k) for i, k in checked if i >= bad[0]]
        for offset, side in ((1, "right"), (-1, "left")):
            if len(tail) >= 2 and all(0 <= i + offset < len(cols) and _fits(k, cols[i + offset].strip())
                                      for i, k in tail):
                return (f"; from column {bad[0] + 1} ({self.header.name(bad[0])}) on, the values sit one column "
                        f"to the {side} of their header names: the row does not match the header")
        return ""
