"""Oncogenicity rules (rules/oncogenicity.yaml): the tier of each reported event, which tiers make a
tumour HER2-altered or give it a co-driver group, and the germline-like VAF rule for tumour-only
samples. Checked strictly here; applied by classify.tiers."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import RulesError, shown

TIERS: tuple[str, ...] = ("oncogenic", "likely_oncogenic", "uncertain", "likely_benign")
# What an event does to the protein (or where it lies, when it is not coding), as the rules name it.
EFFECTS: tuple[str, ...] = (
    "missense", "nonsense", "frameshift", "inframe_deletion", "inframe_insertion", "substitution",
    "synonymous", "start_lost", "stop_lost", "splice_site", "splice_region", "intronic", "unknown",
)
# Lists of a gene's transcript rules (transcripts.yaml / codrivers.yaml) a tier rule may reuse.
FROM_LISTS: tuple[str, ...] = ("polymorphisms", "recurrent", "hotspots")


@dataclass(frozen=True)
class TierRule:
    name: str
    genes: tuple[str, ...]
    tier: str
    source: str
    classes: tuple[str, ...] = ()
    hgvs_p: frozenset[str] = frozenset()  # canonical one-letter names (aliases resolved on loading)
    effect: tuple[str, ...] = ()
    residues: tuple[int, int] | None = None
    from_list: str = ""


@dataclass(frozen=True)
class GermlineLike:
    vaf_ranges: tuple[tuple[float, float], ...]
    keep_tiers: tuple[str, ...]
    cap: str
    source: str

    def looks_germline(self, vaf: float | None) -> bool:
        return vaf is not None and any(lo <= vaf <= hi for lo, hi in self.vaf_ranges)


@dataclass(frozen=True)
class OncogenicityRules:
    altered_tiers: tuple[str, ...]
    driver_tiers: tuple[str, ...]
    default_tier: str
    germline_like: GermlineLike
    rules: tuple[TierRule, ...]

    def for_gene(self, gene: str) -> tuple[TierRule, ...]:
        return tuple(r for r in self.rules if gene in r.genes)


def canonical_protein(name: str, aliases: Mapping[str, tuple[str, ...]]) -> str:
    """The canonical one-letter name of a protein change written canonically or as one of its
    published aliases (transcripts.yaml `aliases`: canonical -> names without 'p.')."""
    bare = name.removeprefix("p.")
    if f"p.{bare}" in aliases:
        return f"p.{bare}"
    for canonical, names in aliases.items():
        if bare in names:
            return canonical
    return f"p.{bare}"


def _tier(value: str, where: str) -> str:
    if value not in TIERS:
        raise RulesError(f"{where}: {shown(value)} is not a tier (expected one of: {', '.join(TIERS)})")
    return value


def oncogenicity_from_tree(tree: dict[str, Any], where: str, *, genes: Mapping[str, Any],
                           other_genes: Collection[str], classes: Collection[str]) -> OncogenicityRules:
    """Build the checked ``oncogenicity`` section. ``genes`` are the transcript rules (GeneRules by
    symbol: their aliases and lists are reused), ``other_genes`` further symbols events may carry
    (fusion kinases), ``classes`` every call class."""
    altered = tuple(_tier(t, f"{where}.altered_tiers") for t in tree["altered_tiers"])
    drivers = tuple(_tier(t, f"{where}.driver_tiers") for t in tree["driver_tiers"])
    if not altered or not drivers:
        raise RulesError(f"{where}: altered_tiers and driver_tiers each need at least one tier")
    default = _tier(tree["default_tier"], f"{where}.default_tier")
    g = tree["germline_like"]
    gw = f"{where}.germline_like"
    ranges = []
    for i, pair in enumerate(g["vaf_ranges"]):
        if len(pair) != 2 or not 0 <= pair[0] <= pair[1] <= 1:
            raise RulesError(f"{gw}.vaf_ranges[{i}]: expected [low, high] with 0 <= low <= high <= 1, "
                             f"found {shown(pair)}")
        ranges.append((float(pair[0]), float(pair[1])))
    germline = GermlineLike(tuple(ranges), tuple(_tier(t, f"{gw}.keep_tiers") for t in g["keep_tiers"]),
                            _tier(g["cap"], f"{gw}.cap"), g["source"])
    known_genes = set(genes) | set(other_genes)
    rules = []
    for i, r in enumerate(tree["rules"]):
        rw = f"{where}.rules[{i}]"
        for symbol in r["genes"]:
            if symbol not in known_genes:
                raise RulesError(f"{rw}.genes: {shown(symbol)} is not a gene of these rules "
                                 f"(genes: {shown(', '.join(sorted(known_genes)), bare=True)})")
        for k in r.get("classes", []):
            if k not in classes:
                raise RulesError(f"{rw}.classes: {shown(k)} is not a call class (expected one of: "
                                 f"{', '.join(sorted(classes))})")
        for e in r.get("effect", []):
            if e not in EFFECTS:
                raise RulesError(f"{rw}.effect: {shown(e)} is not an effect (expected one of: {', '.join(EFFECTS)})")
        if "from" in r and r["from"] not in FROM_LISTS:
            raise RulesError(f"{rw}.from: {shown(r['from'])} is not a list (expected one of: {', '.join(FROM_LISTS)})")
        residues = None
        if "residues" in r:
            pair = r["residues"]
            if len(pair) != 2 or not 1 <= pair[0] <= pair[1]:
                raise RulesError(f"{rw}.residues: expected [first, last] with 1 <= first <= last, found {shown(pair)}")
            residues = (pair[0], pair[1])
        names = set()
        for name in r.get("hgvs_p", []):
            if not name.startswith("p.") or len(name) < 4:
                raise RulesError(f"{rw}.hgvs_p: {shown(name)} is not a one-letter protein name like p.L755S")
            for symbol in r["genes"]:  # an alias names the canonical event of each gene listed
                gene = genes.get(symbol)
                names.add(canonical_protein(name, gene.aliases) if gene is not None else name)
        rules.append(TierRule(
            name=r["name"], genes=tuple(r["genes"]), tier=_tier(r["tier"], f"{rw}.tier"), source=r["source"],
            classes=tuple(r.get("classes", [])), hgvs_p=frozenset(names), effect=tuple(r.get("effect", [])),
            residues=residues, from_list=r.get("from", "")))
    return OncogenicityRules(altered_tiers=altered, driver_tiers=drivers, default_tier=default,
                             germline_like=germline, rules=tuple(rules))
