"""One tumour, several VCFs (Strelka2 writes its SNVs and indels to two files, both naming the
tumour TUMOR), and one sample id per result: a samples-sheet row listing the files, or
--merge-same-sample, makes one sample of them; otherwise two inputs reporting one sample, or one
file given twice, are errors naming both."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli, write

STRELKA_SNVS = FIXTURES / "vcf" / "strelka2_somatic.snvs.GRCh37.vcf"
STRELKA_INDELS = FIXTURES / "vcf" / "strelka2_somatic.indels.GRCh37.vcf"


def strelka_header(kind: str) -> str:
    """The header Strelka2 2.9 writes on its somatic.snvs / somatic.indels VCF (NORMAL, TUMOR)."""
    src = STRELKA_SNVS if kind == "snvs" else STRELKA_INDELS
    return "".join(line for line in src.read_text().splitlines(keepends=True) if line.startswith("#"))


# Strelka2 records as it writes them: SNV read counts per base (AU..TU, tiers 1,2), indel counts TAR/TIR.
L755S = ("17\t37880220\t.\tT\tC\t.\tPASS\tSOMATIC;QSS=107;TQSS=1;NT=ref;QSS_NT=107;TQSS_NT=1;SGT=TT->CT;DP=330;"
         "MQ=60.00;MQ0=0;ReadPosRankSum=0.41;SNVSB=0.00;SomaticEVS=19.84\tDP:FDP:SDP:SUBDP:AU:CU:GU:TU\t"
         "88:0:0:0:0,0:0,0:0,0:88,90\t240:1:0:0:0,0:61,66:0,0:178,185\n")
G778_DUP = ("17\t37881002\t.\tG\tGGGCTCCCCA\t.\tPASS\tSOMATIC;QSI=56;TQSI=1;NT=ref;QSI_NT=56;TQSI_NT=1;SGT=ref->het;"
            "MQ=60.00;MQ0=0;RU=GGCTCCCCA;RC=1;IC=2;IHP=3;SomaticEVS=14.62\t"
            "DP:DP2:TAR:TIR:TOR:DP50:FDP50:SUBDP50:BCN50\t75:75:74,76:0,0:1,2:73.40:0.00:0.00:0.00\t"
            "212:212:140,151:52,57:18,20:205.30:0.40:0.00:0.01\n")


def strelka_pair(folder: Path, snvs: str = L755S, indels: str = G778_DUP) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    a = folder / "somatic.snvs.vcf"
    b = folder / "somatic.indels.vcf"
    a.write_text(strelka_header("snvs") + snvs)
    b.write_text(strelka_header("indels") + indels)
    return a, b


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter="\t"))


def assert_clean_error(proc, *needles, code):
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert n in proc.stderr, proc.stderr


def test_a_sheet_row_listing_strelkas_two_vcfs_is_one_sample(tmp_path):
    sheet = write(tmp_path, "sheet.tsv", f"sample\tpatient\tvcf\nPT002_T\tPT002\t{STRELKA_SNVS}; {STRELKA_INDELS}\n")
    out = tmp_path / "out"
    proc = run_cli("classify", "--samples", str(sheet), "--out", str(out), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    calls = rows(proc.stdout)
    assert [(c["sample"], c["hgvs_p"]) for c in calls] == [("PT002_T", "p.L755S"), ("PT002_T", "p.G778_P780dup")]
    assert [c["input"] for c in calls] == [str(STRELKA_SNVS), str(STRELKA_INDELS)]  # each call names its file
    (sample,) = rows((out / "samples.tsv").read_text())
    assert sample["her2_status"] == "exon20_insertion;point_mutation" and sample["status"] == "ok"
    assert sample["dropped"] == "filter=1"  # the SNV file's LowEVS record, counted once
    doc = json.loads((out / "samples" / "PT002_T.json").read_text())
    prov = doc["provenance"]
    assert prov["input"] == f"{STRELKA_SNVS};{STRELKA_INDELS}" and prov["caller"] == "strelka2"
    assert [len(h) for h in prov["input_sha256"].split(";")] == [64, 64]
    assert doc["matched_normal"] is True and doc["assessed"] == "unknown"


def test_merge_same_sample_on_the_command_line(tmp_path):
    a, b = strelka_pair(tmp_path / "PT9")
    merged = run_cli("classify", str(a), str(b), "--merge-same-sample", "--format", "json")
    assert merged.returncode == 0, merged.stderr
    (doc,) = json.loads(merged.stdout)
    assert doc["sample"] == "TUMOR" and doc["her2_classes"] == ["exon20_insertion", "point_mutation"]
    assert doc["qc"]["dropped"] == {}


def test_two_inputs_reporting_one_sample_are_an_error_naming_both(tmp_path):
    a, b = strelka_pair(tmp_path / "PT9")
    out = tmp_path / "out"
    proc = run_cli("classify", str(a), str(b), "--out", str(out), "--format", "tsv")
    assert_clean_error(proc, "sample 'TUMOR' is reported by", str(a), str(b), "--merge-same-sample", code=2)
    assert proc.stdout == "" and not out.exists()


def test_two_sheet_rows_reporting_one_sample_are_an_error_naming_both_rows(tmp_path):
    """Two patients' Strelka2 runs, each a row without a sample id: both would be 'TUMOR'."""
    a, _ = strelka_pair(tmp_path / "PT1")
    c, _ = strelka_pair(tmp_path / "PT2")
    sheet = write(tmp_path, "sheet.tsv", "patient\tvcf\nPT1\tPT1/somatic.snvs.vcf\nPT2\tPT2/somatic.snvs.vcf\n")
    out = tmp_path / "out"
    proc = run_cli("classify", "--samples", str(sheet), "--out", str(out))
    assert_clean_error(proc, "sample 'TUMOR' is reported by", f"{sheet}:2", f"{sheet}:3", str(a), str(c), code=1)
    assert not out.exists()
    named = write(tmp_path, "named.tsv", "sample\tvcf\nPT1_T\tPT1/somatic.snvs.vcf\nPT2_T\tPT2/somatic.snvs.vcf\n")
    ok = run_cli("classify", "--samples", str(named), "--format", "tsv")
    assert ok.returncode == 0, ok.stderr
    assert [r["sample"] for r in rows(ok.stdout)] == ["PT1_T", "PT2_T"]


@pytest.mark.parametrize("how", ["positional", "positional-merge", "sheet-rows", "sheet-row"])
def test_the_same_file_given_twice_is_an_error(tmp_path, how):
    a, _ = strelka_pair(tmp_path / "PT1")
    link = tmp_path / "again.vcf"
    link.symlink_to(a)  # another name for the same file
    if how.startswith("positional"):
        extra = ["--merge-same-sample"] if how == "positional-merge" else []
        proc = run_cli("classify", str(a), str(link), *extra, "--format", "tsv")
        assert_clean_error(proc, "given twice", str(link), code=2)
        return
    body = "again.vcf\nPT1/somatic.snvs.vcf\n" if how == "sheet-rows" else "PT1/somatic.snvs.vcf;again.vcf\n"
    sheet = write(tmp_path, "sheet.tsv", "vcf\n" + body)
    proc = run_cli("classify", "--samples", str(sheet), "--format", "tsv")
    where = f"{sheet}:3" if how == "sheet-rows" else f"{sheet}:2"
    assert_clean_error(proc, where, "twice", code=1)
    assert proc.stdout == ""


def test_a_multi_sample_vcf_may_serve_one_row_per_tumour(tmp_path):
    multi = FIXTURES / "vcf" / "multisample_tumours.GRCh37.vcf"
    header = next(line for line in multi.read_text().splitlines() if line.startswith("#CHROM"))
    tumours = header.split("\t")[9:]
    assert len(tumours) >= 2
    sheet = write(tmp_path, "sheet.tsv", "sample\tvcf\n" + "".join(f"{t}\t{multi}\n" for t in tumours[:2]))
    proc = run_cli("classify", "--samples", str(sheet), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert [d["sample"] for d in json.loads(proc.stdout)] == tumours[:2]


def test_a_record_in_both_files_is_one_call_and_a_counted_duplicate(tmp_path):
    a, b = strelka_pair(tmp_path / "PT1", indels=G778_DUP)
    copy = tmp_path / "PT1" / "rescued.indels.vcf"  # a second file holding the same indel record
    shutil.copy(b, copy)
    sheet = write(tmp_path, "sheet.tsv", f"sample\tvcf\nS1\t{a};{b};{copy}\n")
    proc = run_cli("classify", "--samples", str(sheet), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (doc,) = json.loads(proc.stdout)
    assert [c["hgvs_p"] for c in doc["calls"]] == ["p.L755S", "p.G778_P780dup"]
    assert doc["qc"]["dropped"] == {"duplicate_of_another_record": 1}
    (dup,) = doc["qc"]["skipped_events"]
    assert dup["reason"] == "duplicate_of_another_record" and dup["hgvs_p"] == "p.G778_P780dup"


def _gvcf(depth: int) -> str:
    """A GATK-style gVCF of one tumour: a reference block over ERBB2 exon 20 (GRCh37) at ``depth``."""
    return ("##fileformat=VCFv4.2\n"
            '##ALT=<ID=NON_REF,Description="Represents any possible alternative allele not already represented">\n'
            '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">\n'
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            "##GVCFBlock99-100=minGQ=99(inclusive),maxGQ=100(exclusive)\n"
            '##INFO=<ID=END,Number=1,Type=Integer,Description="Stop position of the interval">\n'
            "##contig=<ID=17,length=81195210>\n"
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tPT1_T\n"
            f"17\t37880946\t.\tT\t<NON_REF>\t.\t.\tEND=37881200\tGT:DP\t0/0:{depth}\n")


def test_assessed_is_the_best_evidence_any_file_gives(tmp_path):
    a, _ = strelka_pair(tmp_path / "PT1")
    g = write(tmp_path, "PT1.g.vcf", _gvcf(500))
    sheet = write(tmp_path, "sheet.tsv", f"sample\tvcf\nS1\t{a};{g}\nS2\t{a.parent / 'somatic.indels.vcf'}\n")
    proc = run_cli("classify", "--samples", str(sheet), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    one, two = json.loads(proc.stdout)
    assert one["assessed"] == "yes", one["assessed_reasons"]  # the gVCF's coverage, not the variant-only file's
    assert not any("variant-only" in r for r in one["assessed_reasons"])
    assert [c["hgvs_p"] for c in one["calls"]] == ["p.L755S"]
    assert two["assessed"] == "unknown"


def test_files_on_two_builds_fail_that_sample_naming_both(tmp_path):
    a, b = strelka_pair(tmp_path / "PT1", indels="")
    # the indel file of a GRCh38 run: its contig lengths say so
    b.write_text("".join(line for line in b.read_text().splitlines(keepends=True)
                         if not line.startswith(("##contig", "##reference")))
                 .replace("##content", "##contig=<ID=17,length=83257441>\n##content"))
    other, _ = strelka_pair(tmp_path / "PT2")
    sheet = write(tmp_path, "sheet.tsv", f"sample\tvcf\nS1\t{a};{b}\nS2\t{other}\n")
    out = tmp_path / "out"
    proc = run_cli("classify", "--samples", str(sheet), "--out", str(out), "--format", "tsv")
    assert_clean_error(proc, str(a), str(b), "GRCh37", "GRCh38", "same genome build", "1 of 2 input(s) failed", code=1)
    samples = {r["sample"]: r for r in rows((out / "samples.tsv").read_text())}
    assert samples["S1"]["status"] == "error" and samples["S2"]["status"] == "ok"
    assert [r["sample"] for r in rows(proc.stdout)] == ["S2"]


def test_the_rows_other_inputs_are_read_once_for_the_merged_sample(tmp_path):
    a, b = strelka_pair(tmp_path / "PT1")
    cns = write(tmp_path, "t.cns", "chromosome\tstart\tend\tgene\tlog2\tcn\n17\t37844167\t37884915\tERBB2\t2.3\t9\n")
    sheet = write(tmp_path, "sheet.tsv", f"sample\tvcf\tcnv\nS1\t{a};{b}\t{cns}\n")
    proc = run_cli("classify", "--samples", str(sheet), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (doc,) = json.loads(proc.stdout)
    assert len(doc["copy_numbers"]) == 1
    assert [c["class"] for c in doc["calls"]].count("amplification") == 1
    assert doc["her2_classes"] == ["exon20_insertion", "point_mutation", "amplification"]


def test_merge_same_sample_keeps_other_samples_apart_and_a_bad_file_alone(tmp_path):
    a, b = strelka_pair(tmp_path / "PT1")
    other = write(tmp_path, "other.vcf", strelka_header("snvs").replace("\tTUMOR", "\tPT2_T")
                  .replace("\tNORMAL", "\tPT2_N") + L755S)
    bad = write(tmp_path, "bad.vcf", "not a vcf\n")
    proc = run_cli("classify", str(a), str(bad), str(other), str(b), "--merge-same-sample", "--format", "json")
    assert_clean_error(proc, "bad.vcf:1", "1 of 3 input(s) failed", code=1)
    docs = {d["sample"]: d for d in json.loads(proc.stdout)}
    assert docs["TUMOR"]["her2_classes"] == ["exon20_insertion", "point_mutation"]
    assert docs["TUMOR"]["provenance"]["input"] == f"{a};{b}"
    assert docs["PT2_T"]["her2_classes"] == ["point_mutation"] and docs["bad.vcf"]["status"] == "error"


def test_merge_same_sample_without_command_line_files_is_a_usage_error(tmp_path):
    sheet = write(tmp_path, "sheet.tsv", f"vcf\n{STRELKA_SNVS}\n")
    proc = run_cli("classify", "--samples", str(sheet), "--merge-same-sample")
    assert_clean_error(proc, "--merge-same-sample", "separated by ';'", code=2)


def test_the_bam_is_compared_with_the_calls_of_every_file(tmp_path):
    """The reads carry the indel file's insertion: it is supported, not 'seen in the reads, not in
    the VCF' as it would be if the BAM met the SNV file alone."""
    bam = FIXTURES / "bam"
    pon = tmp_path / "pon.tsv"
    built = run_cli("pon", "build", *(str(bam / f"N{i}.bam") for i in range(1, 6)), "--targets",
                    str(bam / "targets.bed"), "-o", str(pon))
    assert built.returncode == 0, built.stderr
    a, b = strelka_pair(tmp_path / "PT4")
    sheet = write(tmp_path, "sheet.tsv", f"sample\tvcf\tbam\tpurity\nT4\t{a};{b}\t{bam / 'T4.bam'}\t0.4\n")
    proc = run_cli("classify", "--samples", str(sheet), "--pon", str(pon), "--targets", str(bam / "targets.bed"),
                   "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (doc,) = json.loads(proc.stdout)
    ins = [c for c in doc["calls"] if c["class"] == "exon20_insertion"]
    assert [(c["hgvs_p"], c["source"]) for c in ins] == [("p.G778_P780dup", "vcf")]
    assert any(n.startswith("reads: ") and "support it" in n for n in ins[0]["notes"]), ins[0]["notes"]
    assert doc["assessed"] == "yes" and doc["bam"] is not None


def test_one_single_tumour_vcf_on_two_rows_is_read_for_each_with_a_warning(tmp_path):
    a, _ = strelka_pair(tmp_path / "PT1")
    sheet = write(tmp_path, "sheet.tsv", f"sample\tvcf\nS1\t{a}\nS2\t{a}\n")
    proc = run_cli("classify", "--samples", str(sheet), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    assert [r["sample"] for r in rows(proc.stdout)] == ["S1", "S2"]
    assert f"{sheet}:3: " in proc.stderr and "holds one tumour" in proc.stderr and f"{sheet}:2" in proc.stderr
