"""Co-driver columns: what was found, ``no`` (looked at, nothing found) or ``not tested``.

A gene counts as tested for a sample only when classify recorded that it looked at it for every
kind the rules report the gene by (classify.tested: EGFR, KRAS, BRAF, MET by small variants; the
fusion kinases ALK, ROS1, RET, NTRK1-3 by fusions). Never "no" by absence of evidence: a sample
classified before testing was recorded, a failed sample and a patient without a sample are
``not tested`` for every gene without a call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..classify.tested import FUSION, SMALL_VARIANTS
from ..models import NOT_TESTED
from ..rules.load import Rules
from .calls import INDEX_GENE, SampleCalls
from .problems import Problem

NONE_FOUND = "no"


def gene_kinds(rules: Rules) -> dict[str, tuple[str, ...]]:
    """Co-driver gene -> the kinds of testing the rules report it by."""
    out: dict[str, list[str]] = {}
    for g in rules.genes.values():
        if g.role == "codriver":
            out.setdefault(g.symbol, []).append(SMALL_VARIANTS)
    if rules.fusions is not None:
        for k in rules.fusions.kinases:
            out.setdefault(k, []).append(FUSION)
    return {g: tuple(k) for g, k in out.items()}


def codriver_genes(kinds: dict[str, tuple[str, ...]], samples: Iterable[SampleCalls]) -> list[str]:
    """Every co-driver gene of the rules, and any other gene a call names, sorted: a gene no sample
    was tested for keeps its column (all ``not tested``) rather than vanishing."""
    found = {k[0] or "" for s in samples for k in s.call_keys()}  # the genes codriver_events names
    found.discard("")
    found.discard(INDEX_GENE)
    return sorted(set(kinds) | found)


def is_tested(s: SampleCalls, gene: str, kinds: tuple[str, ...]) -> bool:
    if s.status != "ok" or s.tested is None:
        return False
    if kinds:
        return all(gene in s.tested.get(k, ()) for k in kinds)
    return any(gene in genes for genes in s.tested.values())


def codriver_cell(s: SampleCalls | None, gene: str, events: list[str], kinds: tuple[str, ...]) -> str:
    """The events (``;``-joined), ``no`` or ``not tested``."""
    if s is not None and s.status == "ok" and events:
        return ";".join(events)
    if s is not None and is_tested(s, gene, kinds):
        return NONE_FOUND
    return NOT_TESTED


def codriver_cells(s: SampleCalls | None, events: Mapping[str, list[str]],
                   genes: Mapping[str, tuple[str, ...]], memo: dict[Any, Any] | None = None) -> dict[str, str]:
    """``codriver_<gene>`` -> :func:`codriver_cell` for every gene (``genes``: gene -> kinds), the
    sample's status and testing record looked at once: a cohort row has ten or more of them.

    ``memo`` (one per ``genes``): the cells of a sample without co-driver events depend only on
    its testing record, which samples share (one per panel; the store gives them one object), so
    they are made once per record and the same dict is returned again: do not change it."""
    if s is None:
        return {f"codriver_{g}": NOT_TESTED for g in genes}
    ok = s.status == "ok"
    tested = s.tested if ok else None
    key = None
    if memo is not None and not (ok and events):
        key = id(tested)
        hit = memo.get(key)
        if hit is not None:
            return hit[1]
    out: dict[str, str] = {}
    for g, kinds in genes.items():
        found = events.get(g) if ok else None
        if found:
            out[f"codriver_{g}"] = ";".join(found)
        elif tested is not None and (all(g in tested.get(k, ()) for k in kinds) if kinds
                                     else any(g in v for v in tested.values())):
            out[f"codriver_{g}"] = NONE_FOUND
        else:
            out[f"codriver_{g}"] = NOT_TESTED
    if memo is not None and key is not None:
        memo[key] = (tested, out)  # the record is kept with its cells: its id is not reused meanwhile
    return out


def untested_problem(samples: Iterable[SampleCalls]) -> list[Problem]:
    """One flag (no patient left out) for classify results that do not say which co-driver genes
    were tested (written before it was recorded, or a calls.tsv without its samples.tsv)."""
    old = sorted({s.sample for s in samples if s.status == "ok" and s.tested is None})
    if not old:
        return []
    return [Problem("codrivers_not_recorded", f"{len(old)} sample(s) do not record which co-driver genes were "
                    "tested (classified before it was recorded, or a calls.tsv without its samples.tsv): their "
                    "co-driver genes without a call are 'not tested'; re-classify them to record it", analyses=())]


__all__ = ["NONE_FOUND", "NOT_TESTED", "codriver_cell", "codriver_cells", "codriver_genes", "gene_kinds",
           "untested_problem"]
