"""Co-occurring drivers (EGFR, KRAS, BRAF, MET, fusions): class of an event by the gene's rules,
and the tumour's driver group."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from ..genome.naming import Naming
from ..models import Call
from ..rules.load import DriverEvent, DriverGroup, GeneRules


def _dna_kind(n: Naming) -> str:
    if n.placement is None:
        return ""
    _, ref, alt = n.placement
    if ref and alt:
        return "substitution"
    return "deletion" if ref else "insertion"


def _matches(e: DriverEvent, n: Naming) -> bool:
    if e.hgvs_p and n.hgvs_p not in e.hgvs_p:
        return False
    if e.effect and n.effect not in e.effect:
        return False
    if e.location and n.location not in e.location:
        return False
    if e.dna and _dna_kind(n) not in e.dna:
        return False
    if e.residues is not None:
        if n.first_residue is None or n.last_residue is None:
            return False
        lo, hi = e.residues
        if not (lo <= n.first_residue and n.last_residue <= hi):
            return False
    if e.c_range is not None:
        if n.c_start is None or n.location != "coding":
            return False
        lo, hi = e.c_range
        c_end = n.c_end if n.c_end is not None else n.c_start
        if not (n.c_start <= hi and c_end >= lo):
            return False
    return True


def driver_class(n: Naming, gene: GeneRules) -> tuple[str, str]:
    """(class, rule name) of a co-driver event: the first matching rule, else point_mutation
    for a missense change and other for anything else coding or at a splice site."""
    for e in gene.driver_events:
        if _matches(e, n):
            return e.klass, e.name
    if n.location == "coding" and n.effect in ("missense", "substitution"):
        return "point_mutation", ""
    return "other", ""


def reportable(n: Naming, gene: GeneRules) -> bool:
    """Whether a co-driver change is worth a row: coding (not synonymous), splice, or a rule hit."""
    if n.location == "unnamed":  # the naming failed: shown, never silently dropped
        return True
    if n.location in ("coding", "splice_site"):
        return n.effect != "synonymous"
    return any(_matches(e, n) for e in gene.driver_events)


def codriver_summary(calls: Iterable[Call], index_gene: str) -> str:
    """`GENE:event` for every co-driver call, ';'-joined (e.g. 'EGFR:p.L858R;KRAS:p.G12C')."""
    out = []
    for c in calls:
        if c.gene != index_gene:
            out.append(f"{c.gene}:{c.hgvs_p or c.hgvs_c.split(':')[-1] or c.klass}")
    return ";".join(out)


def driver_group(calls: Iterable[Call], groups: tuple[DriverGroup, ...], tiers: Collection[str]) -> str:
    """The tumour's driver group by the rules' order; 'other' when none applies. Only events whose
    oncogenicity is one of ``tiers`` (the rules' driver_tiers) count: a silent or uncertain change
    (a KRAS missense at a non-hotspot codon) never makes the tumour KRAS-driven."""
    return driver_group_of(((c.gene, c.klass) for c in calls if c.oncogenicity in tiers), groups)


def driver_group_of(gene_classes: Iterable[tuple[str | None, str | None]], groups: tuple[DriverGroup, ...]) -> str:
    """driver_group for (gene, class) pairs, e.g. read back from calls.tsv or a store (None: not given);
    the caller leaves out events whose tier does not count (see driver_group)."""
    found = set(gene_classes)
    for g in groups:
        if any((g.gene, k) in found for k in g.classes):
            return g.group
    return "other"
