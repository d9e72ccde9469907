"""classify with --bam: the reads' copy number, coverage and insertions join the VCF's result."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, VCF_HEADER_37, run_cli, write

B = FIXTURES / "bam"


@pytest.fixture(scope="module")
def pon(tmp_path_factory):
    out = tmp_path_factory.mktemp("pon") / "pon.tsv"
    normals = [str(B / f"N{i}.bam") for i in range(1, 6)]
    proc = run_cli("pon", "build", *normals, "--targets", str(B / "targets.bed"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return str(out)


def classify_json(*args):
    proc = run_cli("classify", *args, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_bam_only_amplification(pon):
    (doc,) = classify_json("--bam", str(B / "T1.bam"), "--pon", pon, "--targets", str(B / "targets.bed"),
                           "--purity", "0.5")
    assert doc["her2_classes"] == ["amplification"] and doc["assessed"] == "yes"
    assert abs(doc["copy_number"] - 8) / 8 < 0.1
    assert doc["bam"]["exons"] and doc["calls"][0]["source"] == "bam"


def test_insertion_in_reads_missing_from_the_vcf_is_a_finding(tmp_path, pon):
    vcf = write(tmp_path, "t2.vcf", VCF_HEADER_37)  # the caller missed the YVMA duplication
    (doc,) = classify_json(str(vcf), "--bam", str(B / "T2.bam"), "--pon", pon, "--targets",
                           str(B / "targets.bed"), "--purity", "0.6")
    (ins,) = [c for c in doc["calls"] if c["class"] == "exon20_insertion"]
    assert ins["hgvs_p"] == "p.Y772_A775dup" and ins["source"] == "bam"
    assert any("not in the VCF" in n for n in ins["notes"])


def test_vcf_insertion_not_in_the_reads_is_flagged(tmp_path, pon):
    body = "17\t37881002\t.\tG\tGGGCTCCCCA\t.\tPASS\t.\tGT:AD:DP\t0/1:150,50:200\n"  # G778_P780dup
    vcf = write(tmp_path, "t6.vcf", VCF_HEADER_37 + body)
    (doc,) = classify_json(str(vcf), "--bam", str(B / "T2.bam"), "--pon", pon, "--targets",
                           str(B / "targets.bed"), "--purity", "0.6")
    (dup,) = [c for c in doc["calls"] if c["hgvs_p"] == "p.G778_P780dup"]
    assert any("not supported by the reads" in n for n in dup["notes"])


def test_samples_sheet_with_a_bam_only_row(tmp_path, pon):
    sheet = write(tmp_path, "sheet.tsv", f"sample\tbam\tpurity\nT5\t{B / 'T5.bam'}\t0.3\n")
    docs = classify_json("--samples", str(sheet), "--pon", pon, "--targets", str(B / "targets.bed"))
    assert docs[0]["sample"] == "T5" and "amplification" in docs[0]["her2_classes"]


@pytest.mark.parametrize("args,needle,code", [
    (["--pon", "x.tsv", "a.vcf"], "--pon is used with --bam", 2),
    (["a.vcf", "b.vcf", "--bam", "t.bam"], "--bam goes with one VCF", 2),
])
def test_bam_usage_errors(args, needle, code):
    proc = run_cli("classify", *args)
    assert proc.returncode == code and needle in proc.stderr and "Traceback" not in proc.stderr
