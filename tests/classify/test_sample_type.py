"""Thresholds per sample type: a cfDNA (plasma) sample is judged by the rules' cfdna set (calls down
to 0.1% VAF, still min_alt_reads; exon 20 assessed only at cfDNA depth), a tissue or untyped one by
the default set; the set used is recorded on the sample and on each call."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import run_cli, write
from test_batch_merge import strelka_header


def strelka_snv(tumour_alt: int, tumour_ref: int) -> str:
    """Strelka2's L755S (c.2264T>C) record with the tumour's tier-1 C and T counts (AU..TU)."""
    return ("17\t37880220\t.\tT\tC\t.\tPASS\tSOMATIC;QSS=40;TQSS=1;NT=ref;QSS_NT=40;TQSS_NT=1;SGT=TT->CT;"
            f"DP={tumour_alt + tumour_ref + 900};MQ=60.00;MQ0=0;ReadPosRankSum=0.10;SNVSB=0.00;SomaticEVS=9.10\t"
            "DP:FDP:SDP:SUBDP:AU:CU:GU:TU\t900:0:0:0:0,0:0,0:0,0:900,905\t"
            f"{tumour_alt + tumour_ref}:0:0:0:0,0:{tumour_alt},{tumour_alt}:0,0:{tumour_ref},{tumour_ref}\n")


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter="\t"))


def classify_json(*args: str) -> list[dict]:
    proc = run_cli("classify", *args, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_plasma_call_at_0_4_percent_is_kept_and_says_which_thresholds(tmp_path):
    vcf = write(tmp_path, "plasma.snvs.vcf", strelka_header("snvs") + strelka_snv(12, 2988))  # VAF 0.4%
    (tissue,) = classify_json(str(vcf))
    assert tissue["calls"] == [] and tissue["qc"]["dropped"] == {"low_vaf": 1}
    assert tissue["provenance"]["threshold_set"] == "default" and tissue["provenance"]["thresholds"]["min_vaf"] == 0.02
    (plasma,) = classify_json(str(vcf), "--sample-type", "cfDNA")
    (call,) = plasma["calls"]
    assert call["hgvs_p"] == "p.L755S" and call["vaf"] == pytest.approx(0.004)
    assert call["threshold_set"] == "cfdna"
    assert "passes the cfdna thresholds only: VAF 0.004 < min_vaf 0.02 of the default set" in call["notes"]
    prov = plasma["provenance"]
    assert prov["sample_type"] == "cfDNA" and prov["threshold_set"] == "cfdna"
    assert prov["thresholds"]["min_vaf"] == 0.001 and prov["thresholds"]["min_alt_reads"] == 3


def test_cfdna_still_needs_min_alt_reads(tmp_path):
    vcf = write(tmp_path, "plasma.snvs.vcf", strelka_header("snvs") + strelka_snv(2, 998))  # 0.2% from 2 reads
    (doc,) = classify_json(str(vcf), "--sample-type", "plasma")
    assert doc["calls"] == [] and doc["qc"]["dropped"] == {"low_alt_reads": 1}
    (skipped,) = doc["qc"]["skipped_events"]
    assert skipped["detail"] == "alt reads 2 < min_alt_reads 3"


def test_a_call_the_default_set_passes_gets_no_note(tmp_path):
    vcf = write(tmp_path, "plasma.snvs.vcf", strelka_header("snvs") + strelka_snv(300, 700))
    (doc,) = classify_json(str(vcf), "--sample-type", "ctDNA")
    (call,) = doc["calls"]
    assert call["threshold_set"] == "cfdna" and not any("thresholds only" in n for n in call["notes"])


def test_the_samples_sheet_sample_type_column_picks_each_rows_set(tmp_path):
    for name in ("a", "b", "c", "d"):
        write(tmp_path, f"{name}.vcf", strelka_header("snvs") + strelka_snv(12, 2988))
    sheet = write(tmp_path, "sheet.tsv", "sample\tvcf\tsample_type\n"
                  "T_FFPE\ta.vcf\tFFPE\nT_PLASMA\tb.vcf\tCell-free DNA\nT_NONE\tc.vcf\t\nT_UNK\td.vcf\tunknown\n")
    out = tmp_path / "out"
    proc = run_cli("classify", "--samples", str(sheet), "--out", str(out), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    (call,) = rows(proc.stdout)
    assert call["sample"] == "T_PLASMA" and call["threshold_set"] == "cfdna"
    docs = {p.stem: json.loads(p.read_text()) for p in (out / "samples").iterdir()}
    assert {s: d["provenance"]["threshold_set"] for s, d in docs.items()} == {
        "T_FFPE": "tissue", "T_PLASMA": "cfdna", "T_NONE": "default", "T_UNK": "default"}
    # --sample-type is each row's default where the column is empty
    again = run_cli("classify", "--samples", str(sheet), "--sample-type", "plasma", "--format", "tsv")
    assert again.returncode == 0, again.stderr
    assert sorted(r["sample"] for r in rows(again.stdout)) == ["T_NONE", "T_PLASMA"]


def test_an_unknown_sample_type_is_an_error_never_the_default(tmp_path):
    vcf = write(tmp_path, "a.vcf", strelka_header("snvs") + strelka_snv(12, 2988))
    sheet = write(tmp_path, "sheet.tsv", f"sample\tvcf\tsample_type\nS1\t{vcf}\tplasma\nS2\t{vcf}\tplasmaa\n")
    out = tmp_path / "out"
    proc = run_cli("classify", "--samples", str(sheet), "--out", str(out))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{sheet}:3: sample_type 'plasmaa' is not known" in proc.stderr and "cfdna (" in proc.stderr
    assert not out.exists()
    usage = run_cli("classify", str(vcf), "--sample-type", "serum?")
    assert usage.returncode == 2 and "--sample-type 'serum?' is not known" in usage.stderr
    assert "tissue (" in usage.stderr and usage.stdout == ""


def _gvcf(depth: int) -> str:
    return ("##fileformat=VCFv4.2\n"
            '##ALT=<ID=NON_REF,Description="Represents any possible alternative allele not already represented">\n'
            '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">\n'
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            "##GVCFBlock99-100=minGQ=99(inclusive),maxGQ=100(exclusive)\n"
            '##INFO=<ID=END,Number=1,Type=Integer,Description="Stop position of the interval">\n'
            "##contig=<ID=17,length=81195210>\n"
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP1\n"
            f"17\t37880946\t.\tT\t<NON_REF>\t.\t.\tEND=37881200\tGT:DP\t0/0:{depth}\n")


@pytest.mark.parametrize("depth, sample_type, assessed", [
    (500, "tissue", "yes"), (500, "cfdna", "no"), (1500, "cfdna", "yes")])
def test_cfdna_exon20_is_assessed_only_at_cfdna_depth(tmp_path, depth, sample_type, assessed):
    g = write(tmp_path, "p.g.vcf", _gvcf(depth))
    (doc,) = classify_json(str(g), "--sample-type", sample_type)
    assert doc["assessed"] == assessed, doc["assessed_reasons"]
    want = 1000 if sample_type == "cfdna" else 100
    assert any(f">= {want}x" in r for r in doc["assessed_reasons"])


def test_a_lab_rules_file_changes_the_cfdna_set(tmp_path):
    vcf = write(tmp_path, "p.vcf", strelka_header("snvs") + strelka_snv(12, 2988))
    lab = write(tmp_path, "lab.yaml", "thresholds:\n  by_sample_type:\n    cfdna:\n      min_vaf: 0.005\n")
    (doc,) = classify_json(str(vcf), "--sample-type", "plasma", "--rules", str(lab))
    assert doc["calls"] == [] and doc["qc"]["dropped"] == {"low_vaf": 1}
    assert doc["qc"]["skipped_events"][0]["detail"] == "VAF 0.004 < min_vaf 0.005"


def test_the_terminal_summary_names_a_sample_types_thresholds(tmp_path):
    vcf = write(tmp_path, "p.vcf", strelka_header("snvs") + strelka_snv(12, 2988))
    plasma = run_cli("classify", str(vcf), "--sample-type", "plasma", "--format", "text")
    assert plasma.returncode == 0 and "[GRCh37, strelka2, cfdna thresholds]" in plasma.stdout
    assert "passes the cfdna thresholds only" in plasma.stdout
    plain = run_cli("classify", str(vcf), "--format", "text")
    assert plain.returncode == 0 and "[GRCh37, strelka2]" in plain.stdout
