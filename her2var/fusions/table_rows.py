"""One reader per fusion-table dialect: a row of named cells -> the junction it reports.

``tables.read_fusion_file`` finds the header, tells the dialect from its column names and hands
each row here; what comes back (a ``Junction``) is named by the fusion rules there. Dialects:

* ``arriba`` — Arriba ``fusions.tsv``: gene1 is the 5' gene; confidence 'low' is left out.
* ``star-fusion`` — STAR-Fusion ``fusion_predictions(.abridged)(.coding_effect).tsv``: LeftGene 5'.
* ``tso500-dna`` — Illumina TSO500 ctDNA / DRAGEN TSO500 ``{Sample}_Fusions.csv`` (DNAFusionFilter
  over Manta): breakend 1 and 2 (Chr1/Pos1, Chr2/Pos2) with a samtools-style ``Direction`` (L1R2,
  L1rL2, L2R1, rR2R1 = the VCF forms t[p[, t]p], ]p]t, [p[t), so 5'/3' comes from the strands of the
  genes the rules know, as for breakend VCFs; Gene1/Gene2 are the genes overlapping each breakend
  (``NonGene`` when none), not a 5'/3' order. Filter other than PASS is left out.
* ``tso500-rna`` — TSO500 RNA ``{Sample}_AllFusions.csv`` (FusionProcessor: DRAGEN, RnaFusionFilter
  and SpliceGirl rows in one file): rows with KeepFusion False are left out (the CombinedVariantOutput
  drops them too); Gene A is 5' only where ``Fusion Directionality Known`` is True; a side may list
  overlapping genes (``ROS1;GOPC``); read counts from Alt Split/Pair Dedup, else Alt Split/Pair.
* ``tso500-cvo`` — the ``[Fusions]`` section of ``{Pair_ID}_CombinedVariantOutput.tsv``: Gene Pair
  ``A-B`` (A 5') or ``A/B`` (the direction is not known), breakpoints in the same order.
* ``pcgr`` — PCGR's ``--input_rna_fusion`` TSV: FusionGene ``A--B`` or ``A::B`` (5' first),
  LeftBreakpoint 5', RightBreakpoint 3', SplitReads, optional Score.
* ``pcgr-output`` — PCGR's fusion tables (``<sample>.pcgr.<build>.rna_fusion.tsv.gz`` and
  ``.fusion_ann.tsv.gz``): FUSION_GENE, BREAKPOINT_5P/3P (no ``chr``), SPLIT_READS; '.' is missing.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..errors import InputError, plain_int, shown
from ..rules.fusions import FusionRules
from .model import FIVE, THREE

MISSING = frozenset({"", ".", "NA", "N/A"})
NO_GENE = MISSING | {"NonGene"}  # TSO500 DNA writes NonGene for a breakend in no gene

# samtools-style join (Illumina's DNA Fusions.csv) -> (kept side at breakend 1, kept side at breakend 2)
DIRECTIONS = {"L1R2": ("left", "right"), "L1rL2": ("left", "left"), "L2R1": ("right", "left"),
              "rR2R1": ("right", "right")}


@dataclass
class Junction:
    """What one table row reports, before the rules name it."""

    genes: tuple[str, str]  # the caller's gene cells as written, first end first
    bps: tuple[tuple[str, int], tuple[str, int]]
    support: dict[str, float]
    caller_name: str
    roles: tuple[str | None, str | None] = (FIVE, THREE)  # None: the table does not say
    kept: tuple[str, str] | None = None  # breakend sides: 5'/3' then come from the genes' strands
    drop: str | None = None  # the caller itself left the row out: the qc.dropped key
    notes: list[str] = field(default_factory=list)
    sample: str | None = None  # the sample the row names, where the table names one


Row = Mapping[str, str]
Reader = Callable[[Row, str, FusionRules], Junction]


@dataclass(frozen=True)
class Dialect:
    key: str  # written as the calls' source
    described: str  # the file as its users know it
    required: tuple[str, ...]
    read: Reader


# -- cells ----------------------------------------------------------------------------------------
def split_cells(line: str, delimiter: str) -> list[str]:
    if delimiter == ",":  # Illumina's CSVs; a spreadsheet may have quoted a cell
        return next(csv.reader([line]), [])
    return line.split("\t")


def breakpoint(text: str, where: str, column: str) -> tuple[str, int]:
    parts = text.split(":")
    if len(parts) >= 2 and parts[0] and plain_int(parts[1]) is not None:
        return parts[0], int(parts[1])
    raise InputError(f"{where}: {column} {shown(text)} is not a breakpoint "
                     "(expected chrom:pos, e.g. chr2:29223528)")


def position(chrom: str, pos: str, where: str, columns: tuple[str, str]) -> tuple[str, int]:
    if not chrom or chrom in MISSING:
        raise InputError(f"{where}: {columns[0]} {shown(chrom)} is not a chromosome")
    if plain_int(pos) is None:
        raise InputError(f"{where}: {columns[1]} {shown(pos)} is not a position (expected a whole number)")
    return chrom, int(pos)


def count(text: str, where: str, column: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise InputError(f"{where}: {column} {shown(text)} is not a number") from exc
    if not math.isfinite(value) or value < 0:  # read counts and FFPM: NaN, inf or < 0 is a broken table
        raise InputError(f"{where}: {column} {shown(text)} is not a count (expected a finite number >= 0)")
    return value


def _counts(row: Row, where: str, columns: tuple[str, ...]) -> dict[str, float]:
    """The columns present and not missing ('N/A', '.'), as counts."""
    return {c: count(row[c], where, c) for c in columns if row.get(c, "") not in MISSING}


def truth(text: str, where: str, column: str) -> bool:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise InputError(f"{where}: {column} {shown(text)} is not True or False")


def _said(label: str, row: Row, columns: tuple[str, ...]) -> list[str]:
    said = [f"{c} {shown(row[c], 80, bare=True)}" for c in columns if row.get(c, "") not in MISSING]
    return [f"{label} " + ", ".join(said)] if said else []


def table_gene(text: str, rules: FusionRules) -> str | None:
    """A caller's gene cell -> one symbol: among overlapping genes ('A,B', 'ROS1;GOPC') a kinase of
    the rules first, then another rules gene; None for intergenic ('A(123),B(456)', NonGene, '.')."""
    if "(" in text or text in NO_GENE:
        return None
    names = [n for n in re.split(r"[,;]", text.split("^")[0]) if n]
    if not names:
        return None
    return next((n for n in names if n in rules.kinases), None) or next(
        (n for n in names if n in rules.genes), names[0])


_SYMBOL = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")


def split_pair(text: str, rules: FusionRules) -> tuple[str, str, bool, bool] | None:
    """TSO500 'Gene Pair' -> (gene 1, gene 2, direction known, other splits possible), or None.

    Illumina joins the genes with '-' when the direction is known and with '/' when it is not
    (the AllFusions row PPARG | AC016683.6;PAX8 with directionality False is written
    'PPARG/AC016683.6;PAX8'); a side lists overlapping genes with ';'. Symbols may hold '-'
    themselves (RP11-458D21.5, HLA-DRB1), so the split that puts a rules gene on a side, then
    the one whose sides all read as symbols, is taken."""
    if "/" in text:
        a, _, b = text.partition("/")
        return (a, b, False, False) if a and b and "/" not in b else None
    scored = []
    for i, ch in enumerate(text):
        a, b = text[:i], text[i + 1:]
        if ch != "-" or not a or not b:
            continue
        sides = (a.split(";"), b.split(";"))
        scored.append(((sum(any(t in rules.kinases for t in s) for s in sides),
                        sum(any(t in rules.genes for t in s) for s in sides),
                        sum(all(_SYMBOL.match(t) for t in s) for s in sides)), a, b))
    if not scored:
        return None
    best = max(s for s, _, _ in scored)
    ties = [(a, b) for s, a, b in scored if s == best]
    return ties[0][0], ties[0][1], True, len(ties) > 1


# -- one reader per dialect -------------------------------------------------------------------------
def _arriba(row: Row, where: str, rules: FusionRules) -> Junction:
    genes = (row["gene1"], row["gene2"])
    return Junction(
        genes=genes,
        bps=(breakpoint(row["breakpoint1"], where, "breakpoint1"),
             breakpoint(row["breakpoint2"], where, "breakpoint2")),
        support={k: count(row[k], where, k) for k in ("split_reads1", "split_reads2", "discordant_mates")},
        caller_name=f"{genes[0]}--{genes[1]}",
        drop="fusion_low_confidence" if row.get("confidence", "").lower() == "low" else None,
        notes=_said("Arriba", row, ("confidence", "reading_frame", "type", "site1", "site2")))


def _star_fusion(row: Row, where: str, rules: FusionRules) -> Junction:
    support = {k: count(row[k], where, k) for k in ("JunctionReadCount", "SpanningFragCount")}
    support.update(_counts(row, where, ("FFPM",)))
    return Junction(
        genes=(row["LeftGene"], row["RightGene"]),
        bps=(breakpoint(row["LeftBreakpoint"], where, "LeftBreakpoint"),
             breakpoint(row["RightBreakpoint"], where, "RightBreakpoint")),
        support=support, caller_name=row["FusionName"],
        notes=_said("STAR-Fusion", row, ("SpliceType", "PROT_FUSION_TYPE")))


def _tso500_dna(row: Row, where: str, rules: FusionRules) -> Junction:
    direction = DIRECTIONS.get(row["Direction"])
    if direction is None:
        raise InputError(f"{where}: Direction {shown(row['Direction'])} is not one of "
                         f"{', '.join(DIRECTIONS)} (how the two breakends are joined)")
    return Junction(
        genes=(row["Gene1"], row["Gene2"]),
        bps=(position(row["Chr1"], row["Pos1"], where, ("Chr1", "Pos1")),
             position(row["Chr2"], row["Pos2"], where, ("Chr2", "Pos2"))),
        support={"Alt_Depth": count(row["Alt_Depth"], where, "Alt_Depth")},
        caller_name=row.get("Name") or f"{row['Gene1']}--{row['Gene2']}",
        roles=(None, None), kept=direction,
        drop=None if row["Filter"] == "PASS" else "fusion_filter",
        notes=_said("TSO500 DNA", row, ("Direction", "VAF", "Total_Depth", "BP1_Depth", "BP2_Depth",
                                        "Is_Cosmic_GenePair", "Fusion Directionality Known")),
        sample=row.get("Sample") or None)


def _tso500_rna(row: Row, where: str, rules: FusionRules) -> Junction:
    known = row.get("Fusion Directionality Known", "") not in MISSING and \
        truth(row["Fusion Directionality Known"], where, "Fusion Directionality Known")
    support = _counts(row, where, ("Alt Split Dedup", "Alt Pair Dedup")) or \
        _counts(row, where, ("Alt Split", "Alt Pair"))
    notes = _said(f"TSO500 {shown(row['Caller'], bare=True)}", row,
                  ("Filter", "Score", "Gene A Location", "Gene B Location", "Ref A Dedup", "Ref B Dedup"))
    if not known:
        why = ("Fusion Directionality Known not True" if "Fusion Directionality Known" in row
               else "no Fusion Directionality Known column, as in TST170's Fusions.csv")
        notes.append(f"the caller does not know the fusion's direction ({why}): Gene A is not taken as 5'")
    return Junction(
        genes=(row["Gene A"], row["Gene B"]),
        bps=(breakpoint(row["Gene A Breakpoint"], where, "Gene A Breakpoint"),
             breakpoint(row["Gene B Breakpoint"], where, "Gene B Breakpoint")),
        support=support, caller_name=f"{row['Gene A']}{'-' if known else '/'}{row['Gene B']}",
        roles=(FIVE, THREE) if known else (None, None),
        drop=None if truth(row["KeepFusion"], where, "KeepFusion") else "fusion_filter",
        notes=notes)


def _tso500_cvo(row: Row, where: str, rules: FusionRules) -> Junction:
    pair = split_pair(row["Gene Pair"], rules)
    if pair is None:
        raise InputError(f"{where}: Gene Pair {shown(row['Gene Pair'])} is not a gene pair (expected GENE1-GENE2, "
                         "or GENE1/GENE2 when the direction is not known)")
    a, b, known, ambiguous = pair
    notes = _said("TSO500", row, ("Gene 1 Reference Reads", "Gene 2 Reference Reads"))
    if not known:
        notes.append("the caller does not know the fusion's direction (Gene Pair written A/B): "
                     "the first gene is not taken as 5'")
    if ambiguous:
        notes.append(f"Gene Pair {shown(row['Gene Pair'], bare=True)} read as {shown(a, bare=True)} :: "
                     f"{shown(b, bare=True)}")
    return Junction(
        genes=(a, b),
        bps=(breakpoint(row["Breakpoint 1"], where, "Breakpoint 1"),
             breakpoint(row["Breakpoint 2"], where, "Breakpoint 2")),
        support={"Fusion Supporting Reads": count(row["Fusion Supporting Reads"], where, "Fusion Supporting Reads")},
        caller_name=row["Gene Pair"], roles=(FIVE, THREE) if known else (None, None), notes=notes)


def _pcgr_genes(text: str, where: str, column: str) -> tuple[str, str]:
    sep = "--" if "--" in text else "::"
    parts = text.split(sep)
    if len(parts) != 2:
        raise InputError(f"{where}: {column} {shown(text)} is not two genes joined by -- or :: "
                         "(expected e.g. EML4--ALK)")
    a, b = ("" if p in ("", "v") else p for p in parts)  # '' or 'v' is PCGR's partner-not-known
    return a, b


def _pcgr(row: Row, where: str, rules: FusionRules) -> Junction:
    genes = _pcgr_genes(row["FusionGene"], where, "FusionGene")
    return Junction(
        genes=genes,
        bps=(breakpoint(row["LeftBreakpoint"], where, "LeftBreakpoint"),
             breakpoint(row["RightBreakpoint"], where, "RightBreakpoint")),
        support={"SplitReads": count(row["SplitReads"], where, "SplitReads")},
        caller_name=row["FusionGene"], notes=_said("PCGR input", row, ("Score",)))


def _pcgr_output(row: Row, where: str, rules: FusionRules) -> Junction:
    genes = _pcgr_genes(row["FUSION_GENE"], where, "FUSION_GENE")
    return Junction(
        genes=genes,
        bps=(breakpoint(row["BREAKPOINT_5P"], where, "BREAKPOINT_5P"),
             breakpoint(row["BREAKPOINT_3P"], where, "BREAKPOINT_3P")),
        support={"SPLIT_READS": count(row["SPLIT_READS"], where, "SPLIT_READS")},
        caller_name=row.get("VAR_ID") or row["FUSION_GENE"],
        notes=_said("PCGR", row, ("SCORE", "FUSION_SCORE", "BIOMARKER_MATCH", "ACTIONABILITY_TIER",
                                  "ONCOGENICITY_OKB", "MUTATION_EFFECT_OKB")),
        sample=row.get("SAMPLE_ID") or None)


# Order matters only for the near-miss message; the required sets do not overlap.
DIALECTS = (
    Dialect("arriba", "Arriba fusions.tsv", ("gene1", "gene2", "breakpoint1", "breakpoint2", "split_reads1",
                                             "split_reads2", "discordant_mates"), _arriba),
    Dialect("star-fusion", "STAR-Fusion star-fusion.fusion_predictions.tsv",
            ("FusionName", "JunctionReadCount", "SpanningFragCount", "LeftGene", "LeftBreakpoint", "RightGene",
             "RightBreakpoint"), _star_fusion),
    Dialect("tso500-dna", "TSO500 DNA {Sample}_Fusions.csv",
            ("Chr1", "Pos1", "Chr2", "Pos2", "Direction", "Alt_Depth", "Gene1", "Gene2", "Filter"), _tso500_dna),
    # TST170's RNA {Sample}_Fusions.csv has the first 20 of these columns (Caller ... KeepFusion).
    Dialect("tso500-rna", "TSO500 RNA {Sample}_AllFusions.csv",
            ("Caller", "Gene A", "Gene B", "Gene A Breakpoint", "Gene B Breakpoint", "KeepFusion"), _tso500_rna),
    Dialect("tso500-cvo", "TSO500 CombinedVariantOutput.tsv [Fusions]",
            ("Gene Pair", "Breakpoint 1", "Breakpoint 2", "Fusion Supporting Reads"), _tso500_cvo),
    Dialect("pcgr", "PCGR --input_rna_fusion TSV", ("FusionGene", "LeftBreakpoint", "RightBreakpoint", "SplitReads"),
            _pcgr),
    Dialect("pcgr-output", "PCGR rna_fusion/fusion_ann.tsv.gz",
            ("FUSION_GENE", "BREAKPOINT_5P", "BREAKPOINT_3P", "SPLIT_READS"), _pcgr_output),
)

# Header names a documented version spells otherwise (Illumina's ctDNA v2.1 help writes 'Chr 2').
HEADER_ALIASES = {"Chr 2": "Chr2", "Chr 1": "Chr1"}
