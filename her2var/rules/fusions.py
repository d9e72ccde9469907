"""Fusion rules: kinase genes and their partners, spans in both builds, breakpoint introns.

Loaded from the built-in ``rules/fusions.yaml`` (and ``fusion_genes`` sections of a lab's
rules file), checked strictly like every rules file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..contigs import contig_key
from ..errors import InputError, RulesError, shown
from ..models import Region
from .schema import builtin_rules_dir, check, merge_trees, read_yaml
from .spec import FUSION_GENE_SPEC, RULES_SPEC

FUSION_BUILDS = ("GRCh37", "GRCh38")
FUSION_PAD = 1000  # bases read around each gene span: breakend positions carry CIPOS slop
CONFIDENCE = ("high", "medium-high", "medium", "low-medium", "low")

# -- rules ------------------------------------------------------------------------------------
_GENE_SPEC = FUSION_GENE_SPEC

# The other sections of a lab's rules file are checked by rules.load_rules, not here.
FUSION_RULES_SPEC: dict[str, Any] = {
    **{k: v for k, v in RULES_SPEC.items() if k.rstrip("?") != "fusion_genes"},
    "fusion_genes?": ("map", _GENE_SPEC),
}


@dataclass(frozen=True)
class GeneSpan:
    chrom: str  # its contig_key ('17', 'X')
    start: int
    end: int

    def contains(self, chrom: str, pos: int, pad: int = 0) -> bool:
        return contig_key(chrom) == self.chrom and self.start - pad <= pos <= self.end + pad


@dataclass(frozen=True)
class BreakpointIntron:
    name: str
    note: str
    spans: Mapping[str, tuple[int, int]]  # build -> (start, end)


@dataclass(frozen=True)
class FusionGene:
    symbol: str
    role: str  # kinase | partner
    strand: str
    transcript: str
    partner_of: tuple[str, ...]
    confidence: str
    numbering_note: str
    builds: Mapping[str, GeneSpan]
    introns: tuple[BreakpointIntron, ...]


@dataclass(frozen=True)
class FusionRules:
    genes: Mapping[str, FusionGene]
    sources: tuple[str, ...]
    checksum: str

    @property
    def kinases(self) -> tuple[str, ...]:
        return tuple(s for s, g in self.genes.items() if g.role == "kinase")

    def gene_at(self, build: str | None, chrom: str, pos: int | None) -> FusionGene | None:
        """The rules gene whose span holds chrom:pos on ``build`` (kinases first), or None."""
        if build is None or pos is None:
            return None
        hits = [g for g in self.genes.values() if build in g.builds and g.builds[build].contains(chrom, pos)]
        hits.sort(key=lambda g: g.role != "kinase")
        return hits[0] if hits else None

    def describe(self, symbol: str | None, build: str | None, pos: int | None) -> str:
        """' in ALK intron 19' when pos is in a listed intron, ' at the ALK exon junction next to
        intron 19' one base outside it (RNA junctions), else ''."""
        g = self.genes.get(symbol or "")
        if g is None or build is None or pos is None:
            return ""
        for intron in g.introns:
            lo, hi = intron.spans[build]
            if lo <= pos <= hi:
                return f" in {g.symbol} {intron.name}"
            if pos in (lo - 1, hi + 1):
                return f" at the {g.symbol} exon junction next to {intron.name}"
        return ""


def load_fusion_rules(extra: list[str] | None = None) -> FusionRules:
    """Built-in ``rules/fusions.yaml``, then the ``fusion_genes`` of each extra file merged over it."""
    paths = [builtin_rules_dir() / "fusions.yaml", *(Path(p) for p in extra or [])]
    merged: dict[str, Any] = {}
    for path in paths:
        data = read_yaml(path) or {}
        check(data, FUSION_RULES_SPEC, str(path), partial=True)
        merged = merge_trees(merged, {k: v for k, v in data.items() if k in ("version", "fusion_genes")})
    return fusion_rules_from_tree(merged, tuple(str(p) for p in paths))


def fusion_rules_from_tree(tree: dict[str, Any], sources: tuple[str, ...]) -> FusionRules:
    where = "fusion rules (" + ", ".join(Path(s).name for s in sources) + ")"
    check(tree, FUSION_RULES_SPEC, where, partial=False)
    raw = tree.get("fusion_genes") or {}
    genes = {str(s): _build_gene(str(s), g, f"{where}.fusion_genes.{shown(s, bare=True)}") for s, g in raw.items()}
    kinases = {s for s, g in genes.items() if g.role == "kinase"}
    if not kinases:
        raise RulesError(f"{where}.fusion_genes: no gene has role 'kinase'")
    for g in genes.values():
        for k in g.partner_of:
            if k not in kinases:
                raise RulesError(
                    f"{where}.fusion_genes.{shown(g.symbol, bare=True)}.partner_of: {shown(k)} is not a kinase of "
                    f"these rules (kinases: {shown(', '.join(sorted(kinases)), bare=True)})")
    checksum = hashlib.sha256(json.dumps(tree, sort_keys=True).encode()).hexdigest()
    return FusionRules(genes=genes, sources=sources, checksum=checksum)


def _build_gene(symbol: str, g: dict[str, Any], where: str) -> FusionGene:
    for key, allowed in (("role", ("kinase", "partner")), ("strand", ("+", "-")), ("confidence", CONFIDENCE)):
        if g[key] not in allowed:
            raise RulesError(f"{where}.{key}: expected one of {', '.join(allowed)}, found {shown(g[key])}")
    if g["role"] == "kinase" and g.get("partner_of"):
        raise RulesError(f"{where}.partner_of: a kinase has no partner_of (it is the 3' driver)")
    if set(g["builds"]) != set(FUSION_BUILDS):
        raise RulesError(f"{where}.builds: expected exactly {' and '.join(FUSION_BUILDS)}, found "
                         f"{shown(', '.join(map(str, g['builds'])), bare=True) or 'none'}")
    builds = {}
    for b, s in g["builds"].items():
        if not 0 < s["start"] <= s["end"] or not s["chrom"]:
            raise RulesError(f"{where}.builds.{shown(b, bare=True)}: expected chrom and 0 < start <= end, "
                             f"found {shown(s)}")
        builds[b] = GeneSpan(contig_key(s["chrom"]), s["start"], s["end"])
    introns = []
    for i, intr in enumerate(g.get("introns", [])):
        iw = f"{where}.introns[{i}]"
        if set(intr["builds"]) != set(FUSION_BUILDS):
            raise RulesError(f"{iw}.builds: expected exactly {' and '.join(FUSION_BUILDS)}")
        spans = {}
        for b, pair in intr["builds"].items():
            span = builds[b]
            if len(pair) != 2 or not span.start <= pair[0] <= pair[1] <= span.end:
                raise RulesError(f"{iw}.builds.{shown(b, bare=True)}: {shown(pair)} must be [start, end] inside "
                                 f"the gene span {span.start}-{span.end}")
            spans[b] = (pair[0], pair[1])
        introns.append(BreakpointIntron(intr["name"], intr.get("note", ""), spans))
    return FusionGene(
        symbol=symbol, role=g["role"], strand=g["strand"], transcript=g["transcript"],
        partner_of=tuple(g.get("partner_of", [])), confidence=g["confidence"],
        numbering_note=g.get("numbering_note", ""), builds=builds, introns=tuple(introns))


def fusion_regions(rules: FusionRules, build: str, chrom_names: Callable[[str], list[str]],
                   *, pad: int = FUSION_PAD) -> list[Region]:
    """Spans of every kinase and known partner (either mate of a pair may be the one written),
    under each contig spelling ``chrom_names`` gives (e.g. ``lambda c: contig_names(header, c)``)."""
    if build not in FUSION_BUILDS:
        raise InputError(f"build {shown(build)}: the fusion rules have spans for {', '.join(FUSION_BUILDS)} only")
    out = []
    for g in rules.genes.values():
        span = g.builds[build]
        for name in chrom_names(span.chrom):
            out.append(Region(name, max(1, span.start - pad), span.end + pad, f"{g.symbol} fusion"))
    return out


