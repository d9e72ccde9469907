"""Fusion-caller tables (`classify --fusions`): Arriba fusions.tsv and STAR-Fusion predictions."""

from __future__ import annotations

import math
import os
from collections import Counter

from ..errors import InputError, plain_int, shown
from ..files import read_input
from ..rules.fusions import FUSION_PAD, FusionRules
from .model import FIVE, THREE, End, Fusion, assemble, merge_fusions, support_note

# -- tables -----------------------------------------------------------------------------------
_FORMATS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # required, used when present
    "arriba": (("gene1", "gene2", "breakpoint1", "breakpoint2", "split_reads1", "split_reads2",
                "discordant_mates"), ("site1", "site2", "type", "confidence", "reading_frame")),
    "star-fusion": (("FusionName", "JunctionReadCount", "SpanningFragCount", "LeftGene", "LeftBreakpoint",
                     "RightGene", "RightBreakpoint"), ("SpliceType", "FFPM", "PROT_FUSION_TYPE")),
}
_DESCRIBED = {"arriba": "Arriba fusions.tsv", "star-fusion": "STAR-Fusion star-fusion.fusion_predictions.tsv"}


def _read_lines(path: str) -> list[str]:
    # Bytes that are not UTF-8 are replaced, not refused: the header then says whether this is a
    # fusion table at all, the better message for a file of another kind.
    return read_input(path, what="a fusion table", errors="replace").lines()


def _table_format(path: str, header: list[str]) -> str:
    found = set(header)
    for fmt, (required, _) in _FORMATS.items():
        if set(required) <= found:
            return fmt
    expected = "; ".join(f"{_DESCRIBED[f]}: {' '.join(req)}" for f, (req, _) in _FORMATS.items())
    best = max(_FORMATS, key=lambda f: len(set(_FORMATS[f][0]) & found))
    missing = [c for c in _FORMATS[best][0] if c not in found]
    if len(missing) < len(_FORMATS[best][0]) / 2:
        raise InputError(f"{path}:1: looks like a {_DESCRIBED[best]} but lacks column(s) "
                         f"{', '.join(missing)}; expected header columns: {expected}")
    listed = shown(" ".join(header[:12]), 300, bare=True) + (" ..." if len(header) > 12 else "")
    tso500 = any(h.startswith("[") for h in header)
    hint = " (a TSO500 CombinedVariantOutput is not read here)" if tso500 else ""
    raise InputError(f"{path}:1: unknown fusion table columns: {listed}{hint}; expected the header of one of: "
                     f"{expected}")


def _breakpoint(text: str, where: str, column: str) -> tuple[str, int]:
    parts = text.split(":")
    if len(parts) >= 2 and plain_int(parts[1]) is not None:
        return parts[0], int(parts[1])
    raise InputError(f"{where}: {column} {shown(text)} is not a breakpoint "
                     "(expected chrom:pos, e.g. chr2:29223528)")


def _number(text: str, where: str, column: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise InputError(f"{where}: {column} {shown(text)} is not a number") from exc
    if not math.isfinite(value) or value < 0:  # read counts and FFPM: NaN, inf or < 0 is a broken table
        raise InputError(f"{where}: {column} {shown(text)} is not a count (expected a finite number >= 0)")
    return value


def _table_gene(text: str, rules: FusionRules) -> str | None:
    """A caller's gene cell -> one symbol (a rules gene first among overlapping 'A,B'); None for
    intergenic ('A(123),B(456)') or '.'."""
    if "(" in text or text in (".", ""):
        return None
    names = text.split("^")[0].split(",")
    return next((n for n in names if n in rules.genes), names[0])


def read_fusion_file(path: str, *, sample: str | None, build: str | None, rules: FusionRules,
                     dropped: Counter | None = None) -> list[Fusion]:
    """Kinase fusions from an Arriba or STAR-Fusion table, told apart by the header's column names.

    ``build`` is used to find kinases by position, annotate introns and check that the kinase
    breakpoints fit the build (InputError when they fit only the other one). Arriba rows of
    confidence 'low' are left out (counted as fusion_low_confidence)."""
    path = os.fspath(path)
    dropped = dropped if dropped is not None else Counter()
    lines = [ln for ln in _read_lines(path) if not ln.startswith("##")]
    if not lines or not lines[0].strip():
        raise InputError(f"{path}: the file is empty; expected an Arriba or STAR-Fusion table "
                         "with a header line")
    header = [c.strip() for c in lines[0].lstrip("#").split("\t")]
    fmt = _table_format(path, header)
    col = {name: i for i, name in enumerate(header)}
    if sample is None:
        sample = os.path.basename(path).split(".")[0]
    out = []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        where = f"{path}:{lineno}"
        if len(cells) != len(header):
            raise InputError(f"{where}: {len(cells)} tab-separated columns, expected {len(header)} "
                             "as in the header")
        row = {name: cells[i].strip() for name, i in col.items()}
        f = _table_row(fmt, row, where, path, lineno, sample=sample, build=build, rules=rules,
                       dropped=dropped)
        if f is not None:
            out.append(f)
    return merge_fusions(out, dropped)


def _table_row(fmt: str, row: dict[str, str], where: str, path: str, lineno: int, *, sample: str,
               build: str | None, rules: FusionRules, dropped: Counter) -> Fusion | None:
    notes = []
    if fmt == "arriba":
        genes = (row["gene1"], row["gene2"])
        bps = (_breakpoint(row["breakpoint1"], where, "breakpoint1"),
               _breakpoint(row["breakpoint2"], where, "breakpoint2"))
        support = {k: _number(row[k], where, k) for k in ("split_reads1", "split_reads2", "discordant_mates")}
        caller_name = f"{genes[0]}--{genes[1]}"
        said = [f"{k} {shown(row[k], bare=True)}" for k in ("confidence", "reading_frame", "type", "site1", "site2")
                if row.get(k) not in (None, "", ".")]
        if said:
            notes.append("Arriba " + ", ".join(said))
    else:
        genes = (row["LeftGene"], row["RightGene"])
        bps = (_breakpoint(row["LeftBreakpoint"], where, "LeftBreakpoint"),
               _breakpoint(row["RightBreakpoint"], where, "RightBreakpoint"))
        support = {k: _number(row[k], where, k) for k in ("JunctionReadCount", "SpanningFragCount")}
        if row.get("FFPM") not in (None, "", "."):
            support["FFPM"] = _number(row["FFPM"], where, "FFPM")
        caller_name = row["FusionName"]
        said = [f"{k} {shown(row[k], bare=True)}" for k in ("SpliceType", "PROT_FUSION_TYPE")
                if row.get(k) not in (None, "", ".")]
        if said:
            notes.append("STAR-Fusion " + ", ".join(said))
    ends = []
    for text, (chrom, pos), role in zip(genes, bps, (FIVE, THREE), strict=True):
        gene = _table_gene(text, rules)
        if gene not in rules.kinases and (g := rules.gene_at(build, chrom, pos)) and g.role == "kinase":
            notes.append(f"{shown(chrom, bare=True)}:{pos} is in {g.symbol}; "
                         f"the caller names it {shown(text, bare=True)}")
            gene = g.symbol
        ends.append(End(chrom, pos, gene, role))
    f = assemble(ends[0], ends[1], rules, build, sample=sample, support=support, source=fmt,
                  path=path, line=lineno, caller_name=caller_name, filter="PASS")
    if f is None:
        dropped["fusion_not_kinase"] += 1
        return None
    if fmt == "arriba" and row.get("confidence", "").lower() == "low":
        dropped["fusion_low_confidence"] += 1
        return None
    _check_build(f, build, rules, where)
    for e, text in zip(ends, genes, strict=True):
        if e.gene is None:
            f.notes.append(f"the caller names the partner end {shown(text, bare=True)} (intergenic)")
    f.notes.extend(notes)
    if note := support_note(support):
        f.notes.append(note)
    return f


def _check_build(f: Fusion, build: str | None, rules: FusionRules, where: str) -> None:
    """Breakpoints of rules genes must fit ``build``; fitting only the other build is an error."""
    if build is None:
        f.notes.append("genome build not given: breakpoints not checked against gene spans")
        return
    ends = [(f.kinase, f.kinase_breakpoint)]
    if f.partner is not None and f.partner in rules.genes and f.partner != f.kinase \
            and f.partner_breakpoint is not None:
        ends.append((f.partner, f.partner_breakpoint))
    for gene, (chrom, pos) in ends:
        spans = rules.genes[gene].builds
        if spans[build].contains(chrom, pos, FUSION_PAD):
            continue
        fits = [b for b, s in spans.items() if b != build and s.contains(chrom, pos, FUSION_PAD)]
        if fits:
            raise InputError(f"{where}: the {gene} breakpoint {shown(chrom, bare=True)}:{pos} lies outside {gene} "
                             f"on {build} but inside it on {fits[0]}: is the table on {fits[0]}? "
                             f"(give --build {fits[0]})")
        f.notes.append(f"the {gene} breakpoint {shown(chrom, bare=True)}:{pos} is outside the {gene} span of "
                       f"the rules ({build})")

