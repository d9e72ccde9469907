"""classify end to end through the command line's entry point (the TSV contract also through the
installed program in a process of its own): outputs, contract, and bad input."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pytest
from conftest import VCF_HEADER_37, run_cli, run_process, write

from her2var.models import CALL_COLUMNS, SAMPLE_COLUMNS

YVMA_37 = "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n"


def rows(tsv: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(tsv), delimiter="\t"))


def assert_clean_error(proc, *needles, code=1):
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert n in proc.stderr, proc.stderr


@pytest.mark.parametrize("run", [run_cli, pytest.param(run_process, marks=pytest.mark.slow)], ids=["cli", "process"])
def test_tsv_contract_columns_and_values(tmp_path, run):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + YVMA_37)
    proc = run("classify", str(vcf), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    header = proc.stdout.splitlines()[0].split("\t")
    assert header[:20] == ["sample", "gene", "class", "hgvs_p", "hgvs_p3", "hgvs_c", "exon", "domain",
                           "hotspot", "chrom", "pos", "ref", "alt", "depth", "alt_reads", "vaf",
                           "copy_number", "source", "aliases", "notes"]
    assert header == list(CALL_COLUMNS)
    (row,) = rows(proc.stdout)
    assert row["sample"] == "TUMOR" and row["class"] == "exon20_insertion"
    assert row["hgvs_p"] == "p.Y772_A775dup" and row["hgvs_p3"] == "p.Tyr772_Ala775dup"
    assert row["hgvs_c"] == "NM_004448.4:c.2313_2324dup" and row["exon"] == "20"
    assert row["depth"] == "120" and row["alt_reads"] == "40" and row["vaf"] == "0.3333"
    assert "A775_G776insYVMA" in row["aliases"].split(";")


def test_out_dir_json_and_samples(tmp_path):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + YVMA_37)
    out = tmp_path / "res"
    proc = run_cli("classify", str(vcf), "--out", str(out), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (sample,) = rows((out / "samples.tsv").read_text())
    assert list(sample) == list(SAMPLE_COLUMNS)
    assert sample["her2_status"] == "exon20_insertion" and sample["assessed"] == "unknown"
    doc = json.loads((out / "samples" / "TUMOR.json").read_text())
    assert doc["her2_classes"] == ["exon20_insertion"]
    prov = doc["provenance"]
    assert prov["build"] == "GRCh37" and len(prov["input_sha256"]) == 64 and len(prov["rules_checksum"]) == 64
    assert json.loads(proc.stdout)[0]["calls"][0]["hgvs_p"] == "p.Y772_A775dup"
    assert not list(out.rglob(".tmp-*"))


def test_quality_filters_are_counted(tmp_path):
    body = (
        "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:8,2:10\n"  # low depth
        "17\t37880997\t.\tG\tGTCT\t.\tweak_evidence\t.\tGT:AD:DP\t0/1:80,40:120\n"  # filtered
        "17\t37881000\t.\tG\tT\t.\tPASS\t.\tGT:AD:DP\t0/1:1000,5:1005\n"  # low vaf
    )
    header = VCF_HEADER_37.replace("##FORMAT", '##FILTER=<ID=weak_evidence,Description="weak">\n##FORMAT', 1)
    vcf = write(tmp_path, "s.vcf", header + body)
    proc = run_cli("classify", str(vcf), "--format", "json")
    doc = json.loads(proc.stdout)[0]
    assert doc["calls"] == []
    assert doc["qc"]["dropped"] == {"filter": 1, "low_depth": 1, "low_vaf": 1}
    assert doc["her2_status"] == "none" and doc["assessed"] == "unknown"


def test_polymorphism_and_synonymous_not_reported(tmp_path):
    body = ("17\t37879588\t.\tA\tG\t.\tPASS\t.\tGT:AD:DP\t0/1:60,60:120\n"  # I655V
            "17\t37880999\t.\tT\tC\t.\tPASS\t.\tGT:AD:DP\t0/1:60,60:120\n")  # G776 GGT>GGC
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + body)
    doc = json.loads(run_cli("classify", str(vcf), "--format", "json").stdout)[0]
    assert doc["qc"]["dropped"] == {"germline_polymorphism": 1, "synonymous": 1}
    assert doc["calls"] == []


def test_bgzipped_indexed_and_chr_names(tmp_path):
    pysam = pytest.importorskip("pysam")
    header = VCF_HEADER_37.replace("ID=17,length=81195210", "ID=chr17,length=81195210")
    vcf = write(tmp_path, "s.vcf", header + YVMA_37.replace("17\t", "chr17\t", 1))
    gz = pysam.tabix_index(str(vcf), preset="vcf", keep_original=True, force=True)
    proc = run_cli("classify", gz, "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    (row,) = rows(proc.stdout)
    assert row["chrom"] == "chr17" and row["hgvs_p"] == "p.Y772_A775dup"


def test_batch_continues_after_a_bad_file(tmp_path):
    good = write(tmp_path, "good.vcf", VCF_HEADER_37 + YVMA_37)
    bad = write(tmp_path, "bad.vcf", "not a vcf\n")
    out = tmp_path / "res"
    proc = run_cli("classify", str(bad), str(good), "--out", str(out), "--format", "tsv")
    assert_clean_error(proc, "bad.vcf:1", "1 of 2 input(s) failed")
    assert len(rows(proc.stdout)) == 1
    samples = rows((out / "samples.tsv").read_text())
    assert [s["status"] for s in samples] == ["error", "ok"]
    fail_fast = run_cli("classify", str(bad), str(good), "--fail-fast", "--format", "tsv")
    assert fail_fast.returncode == 1 and rows(fail_fast.stdout) == []


def test_parallel_workers_give_the_same_result(tmp_path):
    files = []
    for i in range(4):
        files.append(str(write(tmp_path, f"s{i}.vcf", VCF_HEADER_37.replace("TUMOR", f"T{i}") + YVMA_37)))
    one = run_cli("classify", *files, "--format", "tsv")
    two = run_cli("classify", *files, "--format", "tsv", "-j", "2")
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout


def _truncated_gz(tmp_path):
    data = gzip.compress((VCF_HEADER_37 + YVMA_37 * 200).encode())
    p = tmp_path / "t.vcf.gz"
    p.write_bytes(data[: len(data) // 2])
    return p


BAD = {
    "empty": (lambda t: write(t, "e.vcf", ""), ["e.vcf", "empty"]),
    "not_vcf": (lambda t: write(t, "n.vcf", "hello\tworld\n"), ["n.vcf:1", "##fileformat=VCF"]),
    "no_chrom_line": (lambda t: write(t, "h.vcf", "##fileformat=VCFv4.2\n"), ["h.vcf", "#CHROM"]),
    "truncated_gzip": (_truncated_gz, ["t.vcf.gz", "truncated or corrupt"]),
    "undeclared_info": (lambda t: write(t, "u.vcf", VCF_HEADER_37 + YVMA_37.replace("PASS\t.", "PASS\tXX=1")),
                        ["u.vcf:7", "INFO/XX", "not declared"]),
    "undeclared_format": (lambda t: write(t, "f.vcf", VCF_HEADER_37 + YVMA_37.replace("GT:AD:DP", "GT:AD:ZZ")),
                          ["f.vcf:7", "FORMAT/ZZ"]),
    "wrong_number_r": (lambda t: write(t, "r.vcf", VCF_HEADER_37 + YVMA_37.replace("80,40:", "80:")),
                       ["r.vcf:7", "FORMAT/AD has 1 value(s)", "Number=R"]),
    "too_few_columns": (lambda t: write(t, "c.vcf", VCF_HEADER_37 + "17\t37880981\tA\n"), ["c.vcf:7", "columns"]),
    "non_numeric_pos": (lambda t: write(t, "p.vcf", VCF_HEADER_37 + YVMA_37.replace("37880981", "3788x981")),
                        ["p.vcf:7", "POS"]),
    "build_contradiction": (lambda t: write(t, "b.vcf", VCF_HEADER_37.replace(
        "##contig", "##reference=file:///ref/hg38.fa\n##contig") + YVMA_37), ["b.vcf", "contradicts itself"]),
    "ref_mismatch": (lambda t: write(t, "m.vcf", VCF_HEADER_37 + YVMA_37.replace("\tA\tAGC", "\tT\tTGC")),
                     ["m.vcf:7", "REF T does not match", "genome build"]),
    "unknown_build": (lambda t: write(t, "k.vcf", VCF_HEADER_37.replace("##contig=<ID=17,length=81195210>\n", "") + YVMA_37),
                      ["k.vcf", "--build"]),
    "missing_file": (lambda t: t / "absent.vcf", ["absent.vcf", "no such file"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_a_clean_error(tmp_path, case):
    make, needles = BAD[case]
    path = make(tmp_path)
    out = tmp_path / "out"
    proc = run_cli("classify", str(path), "--out", str(out))
    assert_clean_error(proc, *needles)
    assert not out.exists(), "nothing may be written for a failed input"


def test_sample_not_found_lists_samples(tmp_path):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + YVMA_37)
    proc = run_cli("classify", str(vcf), "--sample", "NOPE")
    assert_clean_error(proc, "sample 'NOPE' not found", "TUMOR")


def test_build_override_contradicting_header(tmp_path):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + YVMA_37)
    proc = run_cli("classify", str(vcf), "--build", "GRCh38")
    assert_clean_error(proc, "--build GRCh38 contradicts the header", "GRCh37")


@pytest.mark.parametrize("args,needle", [
    ([], "give VCF file(s)"),
    (["x.vcf", "--purity", "1.5"], "--purity 1.5"),
    (["x.vcf", "--format", "xml"], "--format"),  # the option named, in whatever words click uses
])
def test_usage_errors_exit_2(args, needle):
    proc = run_cli("classify", *args)
    assert_clean_error(proc, needle, code=2)


def test_version_and_help():
    assert run_cli("--version").stdout.startswith("her2var, version")
    assert "classify" in run_cli("--help").stdout


def test_annotate_vcf_adds_tags_to_reported_alleles(tmp_path):
    pysam = pytest.importorskip("pysam")
    body = YVMA_37 + "17\t37880999\t.\tT\tC\t.\tPASS\t.\tGT:AD:DP\t0/1:60,60:120\n"
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + body)
    out = tmp_path / "annotated.vcf.gz"
    proc = run_cli("classify", str(vcf), "--annotate-vcf", str(out), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    with pysam.VariantFile(str(out)) as vf:
        recs = list(vf)
        assert "HER2_HGVSP" in vf.header.info
    assert recs[0].info["HER2_HGVSP"] == ("p.Y772_A775dup",)
    assert recs[0].info["HER2_CLASS"] == ("exon20_insertion",)
    assert "HER2_CLASS" not in recs[1].info  # synonymous: not reported, not tagged
    assert not list(tmp_path.glob("*.tmp"))
    two = run_cli("classify", str(vcf), str(vcf), "--annotate-vcf", str(out))
    assert_clean_error(two, "exactly one input", code=2)


@pytest.mark.parametrize("bed,assessed,reason", [
    ("17\t37880970\t37881170\n", "yes", "by design, coverage not measured"),
    ("17\t37880970\t37881000\n", "no", "inside the panel targets"),
    ("chr7\t55242400\t55242520\n", "no", "is 0% inside"),
])
def test_targets_bed_decides_assessment_by_design(tmp_path, bed, assessed, reason):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + YVMA_37)
    targets = write(tmp_path, "panel.bed", bed)
    doc = json.loads(run_cli("classify", str(vcf), "--targets", str(targets), "--format", "json").stdout)[0]
    assert doc["assessed"] == assessed
    assert any(reason in r for r in doc["assessed_reasons"])


def test_bad_targets_bed(tmp_path):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + YVMA_37)
    targets = write(tmp_path, "panel.bed", "17\tabc\t37881170\n")
    assert_clean_error(run_cli("classify", str(vcf), "--targets", str(targets)), "panel.bed:1", "not whole numbers")


def test_a_bug_on_one_input_fails_that_sample_and_the_batch_goes_on(tmp_path, monkeypatch):
    """One input that meets a bug (here a planted IndexError) becomes that sample's error: the other
    inputs are classified and written, and the run exits 1 naming the file."""
    import her2var.classify.batch as batch

    good = write(tmp_path, "good.vcf", VCF_HEADER_37 + YVMA_37)
    bad = write(tmp_path, "bad.vcf", VCF_HEADER_37.replace("TUMOR", "T2") + YVMA_37)  # one sample id each
    real = batch.classify_vcf

    def flaky(path, rules, opts):
        if path.endswith("bad.vcf"):
            raise IndexError("string index out of range")
        return real(path, rules, opts)

    monkeypatch.setattr(batch, "classify_vcf", flaky)
    proc = run_cli("classify", str(bad), str(good), "--format", "tsv", "--out", str(tmp_path / "out"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "bad.vcf: internal error" in proc.stderr and "IndexError" in proc.stderr
    assert "p.Y772_A775dup" in proc.stdout
    samples = (tmp_path / "out" / "samples.tsv").read_text()
    assert "\terror\t" in samples and "exon20_insertion" in samples
