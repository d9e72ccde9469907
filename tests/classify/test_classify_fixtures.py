"""classify on each caller dialect's fixture: the expected result per sample, as a table.

A fixture added to fixtures/vcf without a row here fails test_every_fixture_has_a_case.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from her2var.classify.pipeline import classify_vcf
from her2var.classify.result import ClassifyOptions

Y772 = "p.Y772_A775dup"
# fixture -> {sample: (her2_status, sorted events, assessed, caller)}
EXPECTED = {
    "dragen_tso500.hard-filtered.GRCh38.gvcf": {"PT005_T": ("point_mutation", ["p.V777L"], "yes", "tso500")},
    "haplotypecaller.g.GRCh37.vcf": {"PT006": ("exon20_insertion", ["p.G776delinsVC"], "no", "haplotypecaller")},
    "ion_oca.hg19.vcf": {"PT004_IonXpress_079": ("exon20_insertion;amplification", [Y772, "amplification"], "yes", "ion")},
    "ion_oca.hg19.vcf.gz": {"PT004_IonXpress_079": ("exon20_insertion;amplification", [Y772, "amplification"], "yes", "ion")},
    "multisample_tumours.GRCh37.vcf": {
        "PT009_T": ("exon20_insertion;point_mutation", [Y772, "p.G776C"], "unknown", "mutect2"),
        "PT010_T": ("point_mutation", ["p.V777L"], "unknown", "mutect2"),
        "PT011_T": ("exon20_insertion;point_mutation", ["p.G776delinsVC", "p.L755S"], "unknown", "mutect2"),
    },
    "mutect2_tumor_normal.GRCh38.vcf": {"PT001_T": ("exon20_insertion;point_mutation", [Y772, "p.S310F", "p.L858R"], "unknown", "mutect2")},
    "mutect2_tumor_normal.GRCh38.vcf.gz": {"PT001_T": ("exon20_insertion;point_mutation", [Y772, "p.S310F", "p.L858R"], "unknown", "mutect2")},
    "snpeff_annotated.GRCh37.vcf": {"PT008_T": ("exon20_insertion;point_mutation", [Y772, "p.G776C", "p.G776S", "p.L755S"], "unknown", "vardict")},
    "strelka2_somatic.indels.GRCh37.vcf": {"TUMOR": ("exon20_insertion", ["p.G778_P780dup"], "unknown", "strelka2")},
    "strelka2_somatic.snvs.GRCh37.vcf": {"TUMOR": ("point_mutation", ["p.L755S"], "unknown", "strelka2")},
    "vardict_paired.GRCh37.vcf": {"PT003_T": ("point_mutation", ["p.S310F"], "unknown", "vardict")},
    "vep_annotated.GRCh38.vcf": {"PT007_T": ("exon20_insertion;inframe_deletion", [Y772, "p.L755_T759del"], "unknown", "mutect2")},
    "multisample_tumours.GRCh37.bcf": {
        "PT009_T": ("exon20_insertion;point_mutation", [Y772, "p.G776C"], "unknown", "mutect2"),
        "PT010_T": ("point_mutation", ["p.V777L"], "unknown", "mutect2"),
        "PT011_T": ("exon20_insertion;point_mutation", ["p.G776delinsVC", "p.L755S"], "unknown", "mutect2"),
    },
}


def test_every_fixture_has_a_case():
    files = {p.name for p in (FIXTURES / "vcf").iterdir() if not p.name.endswith((".tbi", ".csi"))}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_classified(rules, name):
    results = classify_vcf(str(FIXTURES / "vcf" / name), rules, ClassifyOptions())
    got = {r.sample: (r.her2_status, sorted(c.hgvs_p or c.klass for c in r.calls), r.assessed, r.caller)
           for r in results}
    want = {s: (st, sorted(ev), a, c) for s, (st, ev, a, c) in EXPECTED[name].items()}
    assert got == want


def test_vep_annotation_compared_not_trusted(rules):
    (r,) = classify_vcf(str(FIXTURES / "vcf" / "vep_annotated.GRCh38.vcf"), rules, ClassifyOptions())
    ins = next(c for c in r.calls if c.hgvs_p == Y772)
    assert ins.annotation == "VEP:p.Y772_A775dup" and ins.annotation_agrees == "yes"


def test_mutect2_normal_sample_not_reported_and_af_kept(rules):
    (r,) = classify_vcf(str(FIXTURES / "vcf" / "mutect2_tumor_normal.GRCh38.vcf"), rules, ClassifyOptions())
    assert r.sample == "PT001_T"
    s310 = next(c for c in r.calls if c.hgvs_p == "p.S310F")
    assert s310.vaf_method.startswith("AD") and any(n.startswith("caller AF") for n in s310.notes)


def test_ion_reference_rows_are_coverage_not_variants(rules):
    (r,) = classify_vcf(str(FIXTURES / "vcf" / "ion_oca.hg19.vcf"), rules, ClassifyOptions())
    assert r.dropped["reference_genotype"] > 0
    assert all(c.vaf_method in ("FAO/FDP", "") for c in r.calls if c.source == "vcf")
