"""Fusions reach classify's output: breakend VCFs, Ion fusion VCFs and --fusions tables."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, VCF_HEADER_37, run_cli, write

from her2var.classify.pipeline import classify_vcf
from her2var.classify.result import ClassifyOptions

F = FIXTURES / "fusions"


@pytest.mark.parametrize("name,sample,expected", [
    ("manta_eml4_alk_kif5b_ret.GRCh37.vcf", "TUMOUR", {"ALK": "EML4-ALK", "RET": "KIF5B-RET"}),
    ("manta_eml4_alk_kif5b_ret.GRCh38.chr.vcf", "TUMOUR", {"ALK": "EML4-ALK", "RET": "KIF5B-RET",
                                                          "NTRK2": "NTRK2 fusion (partner chr22:24334571)"}),
    ("dragen_sv_somatic.GRCh38.vcf", "TUMOUR", {"ALK": "ALK-EML4", "ROS1": "CD74-ROS1"}),
    ("ion_oncomine_fusions.hg19.vcf", "Sample_42_RNA", {"ALK": "EML4-ALK", "ROS1": "CD74-ROS1", "NTRK3": "ETV6-NTRK3"}),
])
def test_fusion_vcfs(rules, name, sample, expected):
    (res,) = classify_vcf(str(F / name), rules, ClassifyOptions())
    assert res.sample == sample  # the normal of a tumour/normal pair is not reported
    fusions = {c.gene: c.notes[0] for c in res.calls if c.klass == "fusion"}
    assert fusions == expected
    if "ALK" in expected:
        assert res.driver_group == "ALK"


def test_fusion_table_joins_a_dna_vcf(tmp_path):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37.replace("length=81195210>", "length=81195210>\n##contig=<ID=2,length=243199373>"))
    star = F / "star_fusion.fusion_predictions.abridged.coding_effect.GRCh37.tsv"
    proc = run_cli("classify", str(vcf), "--fusions", str(star), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (doc,) = json.loads(proc.stdout)
    assert any(c["class"] == "fusion" and c["gene"] == "ALK" for c in doc["calls"])
    assert doc["driver_group"] == "ALK" and "ALK:" in doc["codrivers"]


def test_fusion_table_with_unknown_columns_is_a_clean_error(tmp_path):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37)
    proc = run_cli("classify", str(vcf), "--fusions", str(F / "fusions_unknown_columns.tsv"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "fusions_unknown_columns.tsv" in proc.stderr


def test_samples_sheet_fusions_column_joins_each_rows_vcf(tmp_path):
    """The sheet's 'fusions' column gives each sample its fusion table (a run-wide --fusions cannot)."""
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37.replace("length=81195210>", "length=81195210>\n##contig=<ID=2,length=243199373>"))
    star = F / "star_fusion.fusion_predictions.abridged.coding_effect.GRCh37.tsv"
    sheet = write(tmp_path, "sheet.tsv", f"sample\tpatient\tvcf\tfusions\nS1\tP1\t{vcf.name}\t{star}\nS2\tP2\t{vcf.name}\t\n")
    proc = run_cli("classify", "--samples", str(sheet), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    docs = {d["sample"]: d for d in json.loads(proc.stdout)}
    assert docs["S1"]["driver_group"] == "ALK" and not any(c["class"] == "fusion" for c in docs["S2"]["calls"])


@pytest.mark.parametrize("option", ["--fusions", "--cnv", "--bam", "--sample"])
def test_per_sample_options_with_a_samples_sheet_are_refused_not_ignored(tmp_path, option):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37)
    sheet = write(tmp_path, "sheet.tsv", f"sample\tvcf\nS1\t{vcf.name}\n")
    proc = run_cli("classify", "--samples", str(sheet), option, "x.tsv", "--format", "tsv")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert option in proc.stderr and "--samples" in proc.stderr and proc.stdout == ""
