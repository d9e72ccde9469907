"""`her2var demo`: a seeded synthetic batch in several callers' dialects, classified end to end.

All data written here is SYNTHETIC and labelled so in every file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from . import synth
from .rules import Rules
from .synth import Event
from .transcript import WindowSequence

# GRCh37 and GRCh38 placements of recurrent ERBB2 events (from the reference catalog).
EVENTS = {
    "GRCh37": {
        "YVMA_dup_left": ("37880981", "A", "AGCATACGTGATG"),
        "YVMA_dup_shifted": ("37880983", "C", "CATACGTGATGGC"),
        "YVMA_other_dna": ("37880996", "T", "TTATGTAATGGCA"),
        "G776delinsVC": ("37880997", "G", "GTCT"),
        "G778_P780dup": ("37881002", "G", "GGGCTCCCCA"),
        "S310F": ("37868208", "C", "T"),
        "L755S": ("37880220", "T", "C"),
        "V777L": ("37881000", "G", "T"),
        "L755_T759del": ("37880218", "GTTGAGGGAAAACACA", "G"),
        "I655V": ("37879588", "A", "G"),
    },
}
OFFSET_38 = 1_843_747


def _event(build: str, name: str, vaf: float, depth: int = 600) -> Event:
    pos, ref, alt = EVENTS["GRCh37"][name]
    p = int(pos) + (OFFSET_38 if build == "GRCh38" else 0)
    return Event(p, ref, alt, vaf, depth)


@dataclass(frozen=True)
class DemoBatch:
    folder: str
    sheet: str
    n_samples: int


def write_demo_batch(folder: str, rules: Rules, seed: int = 20261122) -> DemoBatch:
    """Write the demo VCFs, a copy-number file and a samples sheet; return where they are."""
    rng = np.random.default_rng(seed)
    gene = rules.index_gene
    os.makedirs(folder, exist_ok=True)
    rows = []

    def put(name: str, text: str) -> str:
        with open(os.path.join(folder, name), "w", encoding="utf-8") as fh:
            fh.write(text)
        return name

    # Mutect2 tumour/normal, GRCh38: the commonest exon 20 insertion.
    rows.append(("DEMO-01", "P001", put("DEMO-01.mutect2.GRCh38.vcf", synth.mutect2(
        "DEMO-01", "DEMO-01-N", "GRCh38", [_event("GRCh38", "YVMA_dup_left", 0.31)], rng)), "", ""))
    # Mutect2, same protein change written in another place of the repeat (GRCh38).
    rows.append(("DEMO-02", "P002", put("DEMO-02.mutect2.GRCh38.vcf", synth.mutect2(
        "DEMO-02", "DEMO-02-N", "GRCh38", [_event("GRCh38", "YVMA_dup_shifted", 0.22)], rng)), "", ""))
    # Strelka2 GRCh37: G778_P780dup and a CNVkit call.cns with amplification (both classes).
    rows.append(("DEMO-03", "P003", put("DEMO-03.strelka2.GRCh37.vcf", synth.strelka2(
        "GRCh37", [_event("GRCh37", "G778_P780dup", 0.18)], rng)),
        put("DEMO-03.call.cns", synth.cnvkit_call_cns(9.0, 0.5, "GRCh37", gene)), "0.5"))
    # Ion Reporter (hg19): hotspot rows across exon 20, a point mutation, an ERBB2 <CNV>.
    hotspots = [(int(p), r, a) for p, r, a in EVENTS["GRCh37"].values() if len(r) == len(a) == 1]
    ref37 = WindowSequence(gene.builds["GRCh37"].windows, "17")
    for g in range(37880985, 37881160, 9):  # hotspot rows across exon 20, real reference bases
        base = ref37.fetch("17", g, g)
        hotspots.append((g, base, "A" if base != "A" else "G"))
    rows.append(("DEMO-04", "P004", put("DEMO-04.ion.hg19.vcf", synth.ion(
        "DEMO-04", [_event("GRCh37", "S310F", 0.12)], hotspots, 11.4, rng)), "", ""))
    # Ion, wild type with good coverage (assessed yes, not altered) plus the I655V polymorphism.
    rows.append(("DEMO-05", "P005", put("DEMO-05.ion.hg19.vcf", synth.ion(
        "DEMO-05", [_event("GRCh37", "I655V", 0.49)], hotspots, 2.1, rng)), "", ""))
    # DRAGEN gVCF GRCh38: V777L (a point mutation in exon 20, not an insertion).
    rows.append(("DEMO-06", "P006", put("DEMO-06.dragen.GRCh38.gvcf", synth.dragen_gvcf(
        "DEMO-06", "GRCh38", gene, [_event("GRCh38", "V777L", 0.27)], rng)), "", ""))
    # DRAGEN gVCF with failed coverage over exon 20: not assessed, never wild type.
    rows.append(("DEMO-07", "P007", put("DEMO-07.dragen.GRCh38.gvcf", synth.dragen_gvcf(
        "DEMO-07", "GRCh38", gene, [], rng, block_depth=40)), "", ""))
    # Mutect2 variant-only VCF with no ERBB2 call: assessed unknown.
    rows.append(("DEMO-08", "P008", put("DEMO-08.mutect2.GRCh37.vcf", synth.mutect2(
        "DEMO-08", "DEMO-08-N", "GRCh37", [], rng, chr_prefix=False)), "", ""))
    # Strelka2 GRCh37: exon 19 in-frame deletion and G776delinsVC.
    rows.append(("DEMO-09", "P009", put("DEMO-09.strelka2.GRCh37.vcf", synth.strelka2(
        "GRCh37", [_event("GRCh37", "L755_T759del", 0.2), _event("GRCh37", "G776delinsVC", 0.15)], rng)), "", ""))
    sheet = os.path.join(folder, "samples.tsv")
    with open(sheet, "w", encoding="utf-8") as fh:
        fh.write("sample\tpatient\tvcf\tcnv\tpurity\n")
        for sample, patient, vcf, cnv, purity in rows:
            fh.write(f"{sample}\t{patient}\t{vcf}\t{cnv}\t{purity}\n")
    return DemoBatch(folder=folder, sheet=sheet, n_samples=len(rows))
