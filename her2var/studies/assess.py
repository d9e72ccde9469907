"""A study's account of how each sample was profiled, turned into classify's own decisions.

- ``assessed`` (ERBB2 small variants, exon 20 insertions above all): ``yes`` only where the study
  says ERBB2 was profiled. A GENIE assay's regions are measured against exon 20's coding bases as a
  panel BED is (classify.erbb2.assess_by_design; hotspot-only assays fall short); an assay that does
  not report small indels cannot have assessed insertions. A cBioPortal gene panel is a gene list:
  ERBB2 on it is ``yes`` by the study's declaration (coverage of exon 20 is not stated), off it
  ``no``; a sample profiled with no panel named counts every gene as profiled, as cBioPortal does.
  A panel named but not defined in the folder leaves it ``unknown``.
- copy number: read from a matrix only for a sample profiled for copy number whose panel holds
  ERBB2 (a panel lacking it makes any value there not an assessment).
- ``tested`` (classify.tested): co-driver genes whose small variants the sample's panel reads (an
  assay's regions over the genes' exons, or the panel's gene list), fusion kinases on the panel of
  its structural variant profile; none where the study does not say.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..classify.erbb2 import assess_by_design
from ..classify.result import SampleResult
from ..classify.tested import panel_genes, tested_kinds
from ..genome.transcript import TranscriptModel
from ..rules.load import Rules
from .panels import Profiling


def assess_erbb2(res: SampleResult, prof: Profiling, model: TranscriptModel, rules: Rules,
                 regions_file: str | None) -> None:
    """Set ``res.assessed`` and its reasons from the sample's mutation profiling."""
    gene = model.gene.symbol
    res.assessed_reasons.append(f"mutations: {prof.basis}")
    if prof.state != "yes":
        res.assessed = prof.state
        return
    p = prof.panel
    if p is None:
        res.assessed = "yes"
        res.assessed_reasons.append("no gene panel named: every gene counted as profiled, as cBioPortal reads it")
        return
    if p.reports is not None and "small_indels" not in p.reports:
        res.assessed = "no"
        res.assessed_reasons.append(f"{p.label} reports no small indels (alteration_types): exon 20 insertions "
                                    "were not assessed")
        return
    if p.targets is not None:
        res.assessed = "unknown"
        label = f"{os.path.basename(regions_file or 'genomic_information.txt')}, assay {p.id}"
        assess_by_design(res, p.targets, model, rules, label.replace("/", "_"))
        if p.coverage:
            res.assessed_reasons.append(f"{p.label} covers {', '.join(p.coverage)} (assay_information.txt)")
        return
    has = p.has(gene)
    if has is None:
        res.assessed = "unknown"
        res.assessed_reasons.append(f"{p.label} is not defined in the study folder (gene_panels/ or "
                                    "data_gene_panel_*.txt): whether it holds ERBB2 is unknown")
    elif has:
        res.assessed = "yes"
        res.assessed_reasons.append(f"{gene} is on {p.label}{p.defined_in}, a gene list: exon 20 coverage is not "
                                    "stated")
    else:
        res.assessed = "no"
        res.assessed_reasons.append(f"{p.label}{p.defined_in} lacks {gene}: not tested, not wild type")


def copy_number_profiled(prof: Profiling, gene: str) -> tuple[bool, str]:
    """Whether the sample's copy number of ``gene`` may be read, and why not."""
    if prof.state != "yes":
        return False, prof.basis
    p = prof.panel
    if p is not None and p.has(gene) is False:
        return False, f"{p.label}{p.defined_in} lacks {gene}"
    return True, prof.basis


def tested_genes(mutations: Profiling, svs: Profiling, codrivers: Sequence[TranscriptModel],
                 rules: Rules) -> dict[str, list[str]]:
    """The sample's ``tested`` record (classify.tested): kind -> genes."""
    symbols = sorted({m.gene.symbol for m in codrivers})
    small: list[str] = []
    if mutations.state == "yes":
        p = mutations.panel
        if p is None:
            small = symbols
        elif p.reports is not None and "small_indels" not in p.reports:
            small = []  # EGFR exon 19 deletions and insertions would go unseen: not a test of the gene
        elif p.targets is not None:
            small = panel_genes(codrivers, dict(p.targets))
        elif p.genes is not None:
            small = [g for g in symbols if g in p.genes]
    kinases = sorted(rules.fusions.kinases) if rules.fusions is not None else []
    fusion: list[str] = []
    if svs.state == "yes":
        p = svs.panel
        if p is None:
            fusion = kinases
        elif p.genes is not None:
            fusion = [k for k in kinases if k in p.genes]
    return tested_kinds(small, fusion)
