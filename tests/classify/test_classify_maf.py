"""classify on MAF files: one result per Tumor_Sample_Barcode, each row decided as the same call in
a VCF would be, the MAF's own protein name compared, and the rows that cannot be trusted listed.

A fixture added to fixtures/maf without a row here fails test_every_maf_fixture_has_a_case.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import FIXTURES, VCF_HEADER_37, run_cli, write

from her2var.classify.batch import classify_inputs
from her2var.classify.from_maf import classify_maf
from her2var.classify.pipeline import classify_vcf
from her2var.classify.result import ClassifyOptions
from her2var.errors import InputError

MAF = FIXTURES / "maf"
Y772 = "p.Y772_A775dup"
# fixture -> {sample: (her2_status, sorted events, skipped reasons, caller)}
EXPECTED = {
    "genie_data_mutations_extended.GRCh37.txt": {
        "GENIE-DFCI-000101-1001": ("exon20_insertion", [Y772], [], "maf:genie"),
        "GENIE-DFCI-000102-1002": ("none", ["p.L858R"], ["low_alt_reads"], "maf:genie"),
        "GENIE-DFCI-000103-1003": ("none", ["p.G12C"], [], "maf:genie"),
        "GENIE-DFCI-000104-1004": ("exon20_insertion", ["p.G778_P780dup"], [], "maf:genie"),
        "GENIE-DFCI-000105-1005": ("none", [], [], "maf:genie"),
    },
    "cbioportal_data_mutations.GRCh37.txt": {
        "LUAD-P01-T": ("exon20_insertion", [Y772], [], "maf:maf"),
        "LUAD-P02-T": ("none", ["p.V600E"], ["germline"], "maf:maf"),
        "LUAD-P03-T": ("inframe_deletion", ["p.E746_A750del", "p.L755_T759del"], [], "maf:maf"),
        "LUAD-P04-T": ("none", [], ["off_gene", "off_gene"], "maf:maf"),
        "LUAD-P05-T": ("none", [], ["not_a_mutation"], "maf:maf"),
    },
    "vcf2maf.GRCh38.maf": {
        "TUMOR-A": ("exon20_insertion", [Y772, "p.G12C"], [], "maf:vcf2maf"),
        "TUMOR-B": ("none", ["p.E746_A750del"], ["filter"], "maf:vcf2maf"),
    },
    "gdc_somatic.GRCh38.maf": {
        "TCGA-05-4000-01A-11D-A000-08": ("exon20_insertion", [Y772], [], "maf:gdc"),
        "TCGA-05-4001-01A-11D-A000-08": ("none", ["p.G12C"], [], "maf:gdc"),
    },
    "tcga_mc3.GRCh37.maf": {
        "TCGA-55-0001-01A-11D-A000-08": ("point_mutation", ["p.L755S"], [], "maf:mc3"),
        "TCGA-55-0002-01A-11D-A000-08": ("none", [], ["egfr_filter"], "maf:mc3"),
    },
}
EXPECTED["cbioportal_data_mutations.GRCh37.txt.gz"] = EXPECTED["cbioportal_data_mutations.GRCh37.txt"]
BROKEN = {"shifted_columns.GRCh37.txt"}


def test_every_maf_fixture_has_a_case():
    assert {p.name for p in MAF.iterdir() if p.name != "SOURCE.md"} == set(EXPECTED) | BROKEN


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_classified(rules, name):
    results = classify_maf(str(MAF / name), rules, ClassifyOptions())
    got = {r.sample: (r.her2_status, sorted(c.hgvs_p or c.klass for c in r.calls),
                      sorted(e["reason"] for e in r.skipped_events), r.caller) for r in results}
    want = {s: (st, sorted(ev), sorted(sk), c) for s, (st, ev, sk, c) in EXPECTED[name].items()}
    assert got == want
    assert [r.sample for r in results] == list(EXPECTED[name])  # file order
    assert all(c.source == "maf" for r in results for c in r.calls)
    assert all(r.assessed == "unknown" for r in results)


def test_maf_row_and_vcf_record_are_one_event(rules, tmp_path):
    """The same calls as a VCF and as a MAF ('-' alleles, Start the base before an insertion / the
    first deleted base) give the same (chrom, pos, ref, alt), names, classes and support."""
    vcf = write(tmp_path, "t.vcf", VCF_HEADER_37
                + "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:150,50:200\n"
                + "17\t37880218\t.\tGTTGAGGGAAAACACA\tG\t.\tPASS\t.\tGT:AD:DP\t0/1:150,50:200\n"
                + "7\t55259515\t.\tT\tG\t.\tPASS\t.\tGT:AD:DP\t0/1:150,50:200\n")
    cols = "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tEnd_Position\tReference_Allele\tTumor_Seq_Allele2" \
           "\tTumor_Sample_Barcode\tt_depth\tt_ref_count\tt_alt_count\n"
    maf = write(tmp_path, "t.maf", cols
                + "ERBB2\tGRCh37\t17\t37880981\t37880982\t-\tGCATACGTGATG\tTUMOR\t200\t150\t50\n"
                + "ERBB2\tGRCh37\t17\t37880219\t37880233\tTTGAGGGAAAACACA\t-\tTUMOR\t200\t150\t50\n"
                + "EGFR\tGRCh37\t7\t55259515\t55259515\tT\tG\tTUMOR\t200\t150\t50\n")

    def key(r):
        return [(c.gene, c.klass, c.hgvs_p, c.hgvs_c, c.chrom, c.pos, c.ref, c.alt, c.depth, c.alt_reads, c.vaf,
                 c.oncogenicity) for c in r.calls]

    (from_vcf,) = classify_vcf(str(vcf), rules, ClassifyOptions())
    (from_maf,) = classify_maf(str(maf), rules, ClassifyOptions())
    assert key(from_maf) == key(from_vcf)
    assert [c.hgvs_p for c in from_maf.calls] == [Y772, "p.L755_T759del", "p.L858R"]


def test_3_prime_and_left_written_insertions_are_one_event(rules, tmp_path):
    """GENIE writes the insertion 3'-shifted, vcf2maf where the caller put it: one name, and a
    sample with both rows gets one call (the other listed as a duplicate)."""
    maf = write(tmp_path, "t.maf", "Chromosome\tStart_Position\tEnd_Position\tReference_Allele\tTumor_Seq_Allele2"
                "\tTumor_Sample_Barcode\tNCBI_Build\tt_alt_count\tt_depth\n"
                "17\t37880981\t37880982\t-\tGCATACGTGATG\tS1\t37\t40\t200\n"
                "17\t37880995\t37880996\t-\tATACGTGATGGC\tS1\t37\t30\t200\n")
    (res,) = classify_maf(str(maf), rules, ClassifyOptions())
    assert [(c.hgvs_p, c.alt_reads) for c in res.calls] == [(Y772, 40)]
    assert [e["reason"] for e in res.skipped_events] == ["duplicate_of_another_record"]


def test_maf_annotation_compared(rules, tmp_path):
    maf = write(tmp_path, "t.maf", "Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tReference_Allele"
                "\tTumor_Seq_Allele2\tTumor_Sample_Barcode\tNCBI_Build\tHGVSp_Short\tTranscript_ID\n"
                "ERBB2\t17\t37881000\t37881000\tG\tT\tS1\tGRCh37\tp.V777M\tENST00000269571\n"
                "ERBB2\t17\t37880981\t37880982\t-\tGCATACGTGATG\tS2\tGRCh37\tp.A775_G776insYVMA\tENST00000269571\n"
                "ERBB2\t17\t37868208\t37868208\tC\tT\tS3\tGRCh37\tp.S310F\tENST00000000001\n")
    got = [(r.calls[0].hgvs_p, r.calls[0].annotation, r.calls[0].annotation_agrees)
           for r in classify_maf(str(maf), rules, ClassifyOptions())]
    assert got == [("p.V777L", "MAF:p.V777M", "no"), (Y772, "MAF:p.A775_G776insYVMA", "alias"),
                   ("p.S310F", "MAF ENST00000000001:p.S310F", "yes")]


def test_skipped_rows_are_listed_with_their_reasons(rules):
    results = {r.sample: r for r in classify_maf(str(MAF / "cbioportal_data_mutations.GRCh37.txt"), rules,
                                                 ClassifyOptions())}
    (germline,) = results["LUAD-P02-T"].skipped_events
    assert (germline["gene"], germline["pos"], germline["alt"], germline["source"]) == ("ERBB2", 37881000, "T", "maf")
    assert germline["detail"].startswith("Mutation_Status Germline")
    wrong_build, wrong_gene = results["LUAD-P04-T"].skipped_events
    assert "is not in ERBB2 on GRCh37" in wrong_build["detail"] and "give --build GRCh38" in wrong_build["detail"]
    assert "lies in EGFR on GRCh37, not in ERBB2" in wrong_gene["detail"]
    assert results["LUAD-P04-T"].calls == []  # the row named ERBB2 in EGFR's exon 21 is no EGFR call either


def test_mislabelled_build_is_an_error(rules, tmp_path):
    """Three ERBB2 rows at GRCh38 coordinates, with GRCh38's exonic bases, in a MAF saying GRCh37."""
    maf = write(tmp_path, "t.maf", "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tEnd_Position"
                "\tReference_Allele\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n"
                "ERBB2\tGRCh37\t17\t39724747\t39724747\tG\tT\tS1\n"
                "ERBB2\tGRCh37\t17\t39711955\t39711955\tC\tT\tS2\n"
                "ERBB2\tGRCh37\t17\t39723967\t39723967\tT\tC\tS3\n")
    with pytest.raises(InputError, match="looks like GRCh38, not GRCh37"):
        classify_maf(str(maf), rules, ClassifyOptions())
    results = classify_maf(str(maf), rules, ClassifyOptions(build="GRCh38"))
    assert [c.hgvs_p for r in results for c in r.calls] == ["p.V777L", "p.S310F", "p.L755S"]
    assert "NCBI_Build GRCh37 on line 2 overridden" in results[0].build_evidence


def test_reference_mismatch_in_an_exon_is_an_error(rules, tmp_path):
    maf = write(tmp_path, "t.maf", "Chromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2"
                "\tTumor_Sample_Barcode\tNCBI_Build\n17\t37881000\tC\tT\tS1\tGRCh37\n")
    with pytest.raises(InputError, match=r"t.maf:2: REF C does not match the GRCh37 reference \(G\)"):
        classify_maf(str(maf), rules, ClassifyOptions())


def test_intronic_indel_without_reference_bases_is_listed_not_guessed(rules, tmp_path):
    """Far from any exon the rules hold no base to pad with: the event is named from its own
    bases (intronic) and listed, never given a made-up padding base."""
    maf = write(tmp_path, "t.maf", "Chromosome\tStart_Position\tEnd_Position\tReference_Allele\tTumor_Seq_Allele2"
                "\tTumor_Sample_Barcode\tNCBI_Build\n17\t37870001\t37870003\tACG\t-\tS1\tGRCh37\n")
    (res,) = classify_maf(str(maf), rules, ClassifyOptions())
    (event,) = res.skipped_events
    assert (event["reason"], event["pos"], event["ref"], event["alt"]) == ("intronic", 37870000, "NACG", "N")


def test_samples_and_sheet_ids(rules):
    path = str(MAF / "genie_data_mutations_extended.GRCh37.txt")
    (one,) = classify_maf(path, rules, ClassifyOptions(sample="GENIE-DFCI-000104-1004"))
    assert [c.hgvs_p for c in one.calls] == ["p.G778_P780dup"]
    with pytest.raises(InputError, match="'NOPE' is no Tumor_Sample_Barcode of the MAF; it has: GENIE-DFCI-000101"):
        classify_maf(path, rules, ClassifyOptions(sample="NOPE"))
    (named,) = classify_maf(path, rules, ClassifyOptions(sample_id="GENIE-DFCI-000102-1002"))
    assert named.sample == "GENIE-DFCI-000102-1002"
    with pytest.raises(InputError, match="the samples sheet names sample 'PT1', but the MAF has 5 other"):
        classify_maf(path, rules, ClassifyOptions(sample_id="PT1"))


def test_single_sample_maf_takes_the_sheet_id(rules, tmp_path):
    maf = write(tmp_path, "t.maf", "Chromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2"
                "\tTumor_Sample_Barcode\tNCBI_Build\n17\t37881000\tG\tT\tBARCODE-1\tGRCh37\n")
    (res,) = classify_maf(str(maf), rules, ClassifyOptions(sample_id="PT1"))
    assert res.sample == "PT1" and [c.sample for c in res.calls] == ["PT1"]


def test_targets_make_the_sample_assessed_by_design(rules, tmp_path):
    bed = write(tmp_path, "panel.bed", "17\t37880900\t37881200\n")
    results = classify_maf(str(MAF / "genie_data_mutations_extended.GRCh37.txt"), rules,
                           ClassifyOptions(targets=str(bed)))
    assert {r.assessed for r in results} == {"yes"}
    assert all("by design" in r.assessed_reasons[-1] for r in results)


def test_tumour_only_vaf_gets_the_germline_like_note(rules, tmp_path):
    maf = write(tmp_path, "t.maf", "Chromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2"
                "\tTumor_Sample_Barcode\tNCBI_Build\tt_depth\tt_alt_count\tMatched_Norm_Sample_Barcode\tn_depth\n"
                "17\t37881000\tG\tT\tT1\tGRCh37\t200\t100\t\t\n"
                "17\t37881000\tG\tT\tT2\tGRCh37\t200\t100\tN2\t150\n")
    t1, t2 = classify_maf(str(maf), rules, ClassifyOptions())
    assert (t1.matched_normal, t2.matched_normal) == (False, True)
    assert any("germline-like VAF" in n for n in t1.calls[0].notes)
    assert not any("germline-like VAF" in n for n in t2.calls[0].notes)


def test_bam_is_refused_with_a_maf(rules):
    with pytest.raises(InputError, match="a MAF holds many samples' variants; --bam"):
        classify_maf(str(MAF / "vcf2maf.GRCh38.maf"), rules, ClassifyOptions(bam="t.bam"))


# -- through the command line ---------------------------------------------------------------------
def rows(tsv: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(tsv), delimiter="\t"))


def test_cli_reads_a_gzipped_maf(tmp_path):
    proc = run_cli("classify", str(MAF / "cbioportal_data_mutations.GRCh37.txt.gz"), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    got = [(r["sample"], r["gene"], r["hgvs_p"], r["source"], r["annotation_agrees"]) for r in rows(proc.stdout)]
    assert ("LUAD-P01-T", "ERBB2", Y772, "maf", "alias") in got
    assert len(got) == 4


def test_cli_out_folder_lists_every_sample(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("classify", str(MAF / "genie_data_mutations_extended.GRCh37.txt"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    samples = rows((out / "samples.tsv").read_text())
    assert [s["sample"] for s in samples] == list(EXPECTED["genie_data_mutations_extended.GRCh37.txt"])
    assert {s["assessed"] for s in samples} == {"unknown"}
    doc = json.loads((out / "samples" / "GENIE-DFCI-000102-1002.json").read_text())
    (skipped,) = doc["qc"]["skipped_events"]
    assert skipped["reason"] == "low_alt_reads" and skipped["source"] == "maf"


def test_cli_shifted_maf_is_a_clean_error(tmp_path):
    proc = run_cli("classify", str(MAF / "shifted_columns.GRCh37.txt"), "--format", "tsv")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "shifted_columns.GRCh37.txt:3: column 10 (Variant_Type)" in proc.stderr
    assert "the row does not match the header" in proc.stderr


def test_a_maf_and_a_vcf_in_one_run(rules, tmp_path):
    vcf = write(tmp_path, "t.vcf", VCF_HEADER_37 + "17\t37881000\t.\tG\tT\t.\tPASS\t.\tGT:AD:DP\t0/1:150,50:200\n")
    run = classify_inputs([str(vcf), str(MAF / "gdc_somatic.GRCh38.maf")], rules=rules)
    assert [(r.sample, r.status, r.caller) for r in run.results] == [
        ("TUMOR", "ok", "unknown"), ("TCGA-05-4000-01A-11D-A000-08", "ok", "maf:gdc"),
        ("TCGA-05-4001-01A-11D-A000-08", "ok", "maf:gdc")]


def test_samples_without_rows_are_finished_like_one_another(rules, tmp_path):
    """Samples with no row in the genes read are copies of one finished sample: equal to finishing
    each, and with containers of their own."""
    from her2var.classify.from_maf import _cloner, read_maf
    from her2var.classify.pipeline import finish_sample

    opts = ClassifyOptions(targets=str(write(tmp_path, "panel.bed", "17\t37880900\t37881200\n7\t55259400\t55259600\n")))
    m = read_maf(str(MAF / "genie_data_mutations_extended.GRCh37.txt"), rules, opts)
    one = finish_sample(m.prepare("GENIE-DFCI-000105-1005"), rules, opts)
    like = _cloner(finish_sample(m.blank, rules, opts))
    a, b = like("GENIE-DFCI-000105-1005"), like("OTHER")
    assert vars(a) == vars(one) and one.tested == {"small_variants": ["EGFR"]} and one.assessed == "yes"
    for name, value in vars(a).items():
        if isinstance(value, (list, dict)):
            assert value is not vars(b)[name], name
    a.dropped["x"] += 1
    a.assessed_reasons.append("y")
    a.tested["small_variants"].append("Z")
    assert not b.dropped and b.assessed_reasons == one.assessed_reasons and "Z" not in b.tested["small_variants"]
    results = classify_maf(str(MAF / "genie_data_mutations_extended.GRCh37.txt"), rules, opts)
    assert vars(results[-1]) == vars(one)


def test_collector_state_is_restored(rules):
    import gc

    classify_maf(str(MAF / "tcga_mc3.GRCh37.maf"), rules, ClassifyOptions())
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(InputError):
            classify_maf(str(MAF / "shifted_columns.GRCh37.txt"), rules, ClassifyOptions())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_annotate_vcf_is_refused_for_a_maf(tmp_path):
    proc = run_cli("classify", str(MAF / "vcf2maf.GRCh38.maf"), "--annotate-vcf", str(tmp_path / "o.vcf"))
    assert proc.returncode == 2 and "a MAF is not a VCF" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o.vcf").exists()
