"""ERBB2 copy number from a study's gene x sample matrices, each value kept for what it is.

- Discrete (cBioPortal ``data_CNA.txt``, COPY_NUMBER_ALTERATION / DISCRETE): a level, not a copy
  number. cBioPortal's documentation: -2 deep loss (possibly a homozygous deletion), -1 single-copy
  loss, 0 diploid, 1 low-level gain, 2 high-level amplification, each as the study's own pipeline
  (GISTIC 2.0, a lab's caller) called it. GENIE's validator also accepts -1.5, -0.5, 0.5 and 1.5,
  and each GENIE value is the submitting centre's own call with its own cut-offs. A level becomes
  a CopyNumber record without a copy number (source_field ``discrete``, cn None); only 2 is an
  amplification, called as the source called it (classify.erbb2.decide_copy_number), never by
  her2var's CN > 4 rule. 1.5 (between gain and high-level amplification in a centre's own scale)
  is recorded and not called.
- Log2 (``data_log2_cna.txt``, LOG2-VALUE): a gene-level log2 copy ratio, converted as every
  log2 source is (copynumber.common.log2_to_cn, with --purity or a pure tumour, said in a note).
- Continuous (``data_linear_cna.txt``, CONTINUOUS): cBioPortal's format does not say what its
  numbers are (GISTIC's "capped relative linear copy-number values" are not copies): not read.

Blank and NA cells are "not measured": that sample's copy number is not assessed from the file.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from ..classify.erbb2 import DISCRETE, DISCRETE_AMPLIFICATION
from ..copynumber.common import OddValue, check_log2, conversion_purity, log2_to_cn
from ..errors import InputError, shown
from ..models import CopyNumber, Region
from .folder import CNA, LOG2, DataFile
from .text import Table, is_missing

LEVELS = {
    -2.0: "deep loss", -1.5: "an intermediate loss level", -1.0: "single-copy loss",
    -0.5: "an intermediate loss level", 0.0: "diploid", 0.5: "an intermediate gain level", 1.0: "low-level gain",
    1.5: "an intermediate level between gain and high-level amplification", 2.0: DISCRETE_AMPLIFICATION,
}
ID_COLUMNS = ("hugo_symbol", "entrez_gene_id", "cytoband")


@dataclass(frozen=True)
class GeneValues:
    """One gene's row of a matrix: its value per sample column (None: blank or NA)."""

    data: DataFile
    header_line: int
    samples: dict[str, int]  # sample -> index into values
    line: int | None  # the gene's row; None when the file has no row for it
    values: list[float | None]

    @property
    def name(self) -> str:
        return os.path.basename(self.data.path)

    def value(self, sample: str) -> float | None:
        i = self.samples.get(sample)
        return None if i is None or self.line is None else self.values[i]


def read_gene_row(data: DataFile, gene: str, entrez: int) -> GeneValues:
    """The matrix's sample columns and ``gene``'s row (by Entrez_Gene_Id where the file gives one,
    else Hugo_Symbol); every row is checked to be as wide as the header."""
    path = data.path
    table = Table(path, "a copy-number matrix", lambda c: bool(c) and c[0].lower() in ID_COLUMNS[:2],
                  "Hugo_Symbol and/or Entrez_Gene_Id, then one column per sample")
    h = table.header
    lead = 0
    while lead < len(h.columns) and h.columns[lead].lower() in ID_COLUMNS:
        lead += 1
    h.twice(("Hugo_Symbol", "Entrez_Gene_Id"))
    samples: dict[str, int] = {}
    for i, s in enumerate(h.columns[lead:]):
        if not s:
            raise InputError(f"{path}:{h.line}: column {lead + i + 1} has no sample id")
        if s in samples:
            raise InputError(f"{path}:{h.line}: sample {shown(s)} has two columns ({lead + samples[s] + 1} and "
                             f"{lead + i + 1}); which one holds its values cannot be told: keep one")
        samples[s] = i
    i_h, i_e = h.index("Hugo_Symbol"), h.index("Entrez_Gene_Id")
    width = len(h.columns)
    found: tuple[int, list[str]] | None = None
    for lineno, line in table.raw_rows():
        if line.count("\t") + 1 != width:
            cells = line.split("\t")
            if len(cells) < width or any(c.strip() for c in cells[width:]):
                raise table.width_error(lineno, line)
        head = [c.strip().strip('"') for c in line.split("\t", lead)[:lead]]
        by_id = head[i_e] if i_e is not None and not is_missing(head[i_e]) else None
        ours = by_id == str(entrez) if by_id is not None else (i_h is not None and head[i_h].upper() == gene)
        if not ours:
            continue
        if found is not None:
            raise InputError(f"{path}:{lineno}: a second {gene} row (the first is line {found[0]}); which one "
                             "holds its values cannot be told: keep one")
        found = (lineno, line.split("\t")[lead:width])
    if found is None:
        return GeneValues(data, h.line, samples, None, [])
    lineno, cells = found
    parse = _level if data.kind == CNA else _log2
    values = [parse(path, lineno, lead + i + 1, s, gene, cells[i]) for s, i in samples.items()]
    return GeneValues(data, h.line, samples, lineno, values)


def _level(path: str, lineno: int, column: int, sample: str, gene: str, cell: str) -> float | None:
    if is_missing(cell):
        return None
    try:
        v = float(cell.strip())
    except ValueError:
        v = math.nan
    if v not in LEVELS:
        raise InputError(f"{path}:{lineno}: {gene} value {shown(cell.strip())} of sample {shown(sample)} (column "
                         f"{column}) is not a discrete copy-number level; expected -2, -1, 0, 1 or 2 (GENIE also "
                         "-1.5, -0.5, 0.5, 1.5), or NA")
    return v


def _log2(path: str, lineno: int, column: int, sample: str, gene: str, cell: str) -> float | None:
    if is_missing(cell):
        return None
    where = f"{path}:{lineno}: {gene} value of sample {shown(sample)} (column {column})"
    try:
        v = float(cell.strip())
        return check_log2(v, cell.strip(), "log2 ratio")
    except ValueError as exc:
        raise InputError(f"{where}: {shown(cell.strip())} is not a number; expected a log2 copy ratio or NA") from exc
    except OddValue as odd:
        raise InputError(f"{where}: {odd.message}") from None


def level_record(row: GeneValues, sample: str, gene: str, region: Region, *, source: str, center: str,
                 threshold: float) -> CopyNumber | None:
    """The sample's discrete level as a CopyNumber without a copy number (module notes), or None."""
    v = row.value(sample)
    if v is None:
        return None
    meaning = LEVELS[v]
    sid = row.data.stable_id
    if source == "genie":
        whose = (f"as called by the submitting centre{f' ({center})' if center else ''} with its own pipeline and "
                 "cut-offs (GENIE collects each centre's call)")
    else:
        described = f", described as {shown(row.data.description, 300)}" if row.data.description else ""
        whose = f"as called by the study's own pipeline (profile {shown(sid, bare=True)}{described})"
    notes = [(f"{row.name} line {row.line}: discrete level {v:g} = {meaning}, {whose}; a level, not a copy number: "
              f"no copy number is given and the CN > {threshold:g} rule is not applied")]
    if v == 1.5:
        notes.append("1.5 lies between gain (1) and high-level amplification (2) on the centre's scale: not "
                     "reported as an amplification; the centre's own definition decides")
    return CopyNumber(sample=sample, gene=gene, chrom=region.chrom, start=region.start, end=region.end,
                      source_caller=source, source_field=DISCRETE, raw_value=v, cn=None, caller_call=meaning,
                      path=row.data.path, line=row.line, notes=notes)


def log2_record(row: GeneValues, sample: str, gene: str, region: Region, *, source: str,
                purity: float | None) -> CopyNumber | None:
    """The sample's gene-level log2 ratio converted to copy number (module notes), or None."""
    v = row.value(sample)
    if v is None:
        return None
    p, notes = conversion_purity(purity)
    return CopyNumber(sample=sample, gene=gene, chrom=region.chrom, start=region.start, end=region.end,
                      source_caller=source, source_field="log2", raw_value=v, cn=log2_to_cn(v, p), purity_used=p,
                      path=row.data.path, line=row.line,
                      notes=[(f"{row.name} line {row.line}: gene-level log2 ratio {v:g} (profile "
                              f"{shown(row.data.stable_id, bare=True)}, LOG2-VALUE)"), *notes])


def level_reason(row: GeneValues, sample: str, gene: str) -> str:
    """Why the sample has no level or ratio in a matrix it is profiled in."""
    if sample not in row.samples:
        return f"no column in {row.name}"
    if row.line is None:
        return f"{row.name} has no {gene} row"
    return f"{gene} is NA (or blank) in {row.name} line {row.line}"


__all__ = ["CNA", "LEVELS", "LOG2", "GeneValues", "level_reason", "level_record", "log2_record", "read_gene_row"]
