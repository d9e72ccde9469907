"""classify on VCF dialects written the way the real tools write them (fixtures/vcf_dialects, see its
SOURCE.md): Ion TVC output with and without hotspot rows, RADIA's normal and RNA columns, PCGR's
tags, and a file read on the wrong genome build."""

from __future__ import annotations

import logging

import pytest
from conftest import FIXTURES, run_cli, write

from her2var.classify.pipeline import classify_vcf
from her2var.classify.result import ClassifyOptions
from her2var.errors import InputError

DIALECTS = FIXTURES / "vcf_dialects"
ION = DIALECTS / "ion_tvc_variants_only.hg19.vcf"
VARIANT_ONLY = "variant-only VCF: no coverage evidence, absence of a call is not wild type"


def classify(path, **opts):
    return classify_vcf(str(path), load(), ClassifyOptions(**opts))


def load():
    from her2var.rules.load import load_rules

    return load_rules()


def with_rows(tmp_path, rows: list[str]):
    """The TVC variant-only fixture with extra rows written by TVC in hotspot mode."""
    text = ION.read_text()
    return write(tmp_path, "tvc.vcf", text + "".join(r + "\n" for r in rows))


FMT = "GT:GQ:DP:FDP:RO:FRO:AO:FAO:AF"


def hotspot_row(chrom: str, pos: int, ref: str, alt: str, gt: str, depth: int) -> str:
    """A TVC hotspot row at a site with no variant: 0/0 (or ./. when no call), FAO 0, HS flag."""
    info = (f"AF=0;AO=0;DP={depth};FAO=0;FDP={depth};FR=.;FRO={depth};HRUN=1;HS;HS_ONLY=0;LEN=1;"
            f"OALT={alt};OID=COSM0;OMAPALT={alt};OPOS={pos};OREF={ref};RO={depth};TYPE=snp")
    return "\t".join([chrom, str(pos), ".", ref, alt, "0.0", "PASS" if gt == "0/0" else "NOCALL", info, FMT,
                      f"{gt}:99:{depth}:{depth}:{depth}:{depth}:0:0:0"])


# -- 1. Ion: hotspot rows decide whether absence means anything ---------------------------------------
def test_ion_variant_only_output_is_unknown_not_unassessed():
    (r,) = classify(ION)
    assert r.caller == "ion"
    assert (r.assessed, r.assessed_reasons) == ("unknown", [VARIANT_ONLY])
    assert r.her2_status == "none" and [(c.gene, c.hgvs_p) for c in r.calls] == [("EGFR", "p.L858R")]
    # The 0/2 row's first allele is not carried: counted, but it is no hotspot row.
    assert r.dropped["reference_genotype"] == 1


def test_ion_hotspot_rows_only_outside_erbb2_mean_exon_20_is_not_in_the_panel(tmp_path):
    # TVC in hotspot mode writes EGFR and KRAS sites; none in ERBB2 exon 20.
    vcf = with_rows(tmp_path, [hotspot_row("chr7", 55249071, "C", "T", "0/0", 1500),
                               hotspot_row("chr12", 25398285, "C", "A", "./.", 12)])
    (r,) = classify(vcf)
    assert r.assessed == "no" and "no rows in ERBB2 exon 20" in r.assessed_reasons[0]


def test_ion_hotspot_rows_in_exon_20_at_depth_assess_it(tmp_path):
    vcf = with_rows(tmp_path, [hotspot_row("chr17", 37880996, "T", "C", "0/0", 1500),
                               hotspot_row("chr17", 37881000, "G", "T", "0/0", 1400)])
    (r,) = classify(vcf)
    assert r.assessed == "yes" and r.assessed_reasons == ["2 of 2 exon 20 rows at >= 100x"]


# -- 2. sample roles: a normal is never reported as a tumour --------------------------------------------
def test_radia_reports_only_the_dna_tumour():
    results = classify(DIALECTS / "radia_dna_rna.GRCh37.vcf", build="GRCh37")
    assert [r.sample for r in results] == ["DNA_TUMOR"]
    (r,) = results
    assert r.matched_normal
    assert [(c.hgvs_p, c.depth, c.alt_reads) for c in r.calls] == [("p.L755S", 160, 40)]
    # The normal's V777L (lost in the tumour) is not the tumour's; its one read is filtered.
    assert r.dropped["low_alt_reads"] == 1 and r.dropped["germline_polymorphism"] == 1


def test_sample_option_naming_the_normal_is_refused():
    with pytest.raises(InputError) as err:
        classify(DIALECTS / "radia_dna_rna.GRCh37.vcf", build="GRCh37", sample="DNA_NORMAL")
    assert "'DNA_NORMAL' is the normal" in str(err.value)
    (r,) = classify(DIALECTS / "radia_dna_rna.GRCh37.vcf", build="GRCh37", sample="RNA_TUMOR")
    assert r.sample == "RNA_TUMOR" and r.matched_normal  # the user may ask for the RNA explicitly


def test_a_file_holding_only_a_normal_is_an_error(tmp_path):
    text = (DIALECTS / "radia_dna_rna.GRCh37.vcf").read_text().splitlines()
    keep = [line for line in text if not line.startswith("##SAMPLE=<ID=DNA_TUMOR")
            and not line.startswith("##SAMPLE=<ID=RNA_TUMOR")]
    one = ["\t".join(line.split("\t")[:10]) if not line.startswith("##") else line for line in keep]
    vcf = write(tmp_path, "normal_only.vcf", "\n".join(one) + "\n")
    with pytest.raises(InputError) as err:
        classify(vcf, build="GRCh37")
    assert "no tumour sample" in str(err.value) and "DNA_NORMAL" in str(err.value)


def test_contradicting_roles_are_an_error_unless_the_tumour_is_named(tmp_path):
    text = (DIALECTS / "radia_dna_rna.GRCh37.vcf").read_text()
    vcf = write(tmp_path, "c.vcf", text.replace("##SAMPLE=<ID=DNA_NORMAL",
                                                "##tumor_sample=DNA_NORMAL\n##SAMPLE=<ID=DNA_NORMAL"))
    proc = run_cli("classify", str(vcf), "--build", "GRCh37", "--format", "tsv")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "both a tumour and a normal" in proc.stderr and "--sample" in proc.stderr
    proc = run_cli("classify", str(vcf), "--build", "GRCh37", "--format", "tsv", "--sample", "DNA_TUMOR")
    assert proc.returncode == 0, proc.stderr
    assert {line.split("\t")[0] for line in proc.stdout.splitlines()[1:]} == {"DNA_TUMOR"}


# -- 3. a file on another build than the one it is read as --------------------------------------------
@pytest.mark.parametrize("fixture,claimed,actual", [
    ("pcgr_tumor_control.grch38.vcf", "GRCh37", "GRCh38"),
    ("radia_dna_rna.GRCh37.vcf", "GRCh38", "GRCh37"),
])
def test_records_of_another_build_are_an_error_naming_record_and_builds(fixture, claimed, actual):
    proc = run_cli("classify", str(DIALECTS / fixture), "--build", claimed, "--format", "tsv")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert len(proc.stdout.splitlines()) <= 1  # no call rows, at most the header
    message = proc.stderr
    assert f"{fixture}:" in message and f"the file looks like {actual}, not {claimed}" in message
    assert f"--build {actual}" in message and "ERBB2 exon" in message


def test_the_right_build_reads_the_same_file():
    (r,) = classify(DIALECTS / "pcgr_tumor_control.grch38.vcf", build="GRCh38")
    assert r.her2_status == "exon20_insertion;point_mutation"


GRCH38_HEADER = (
    "##fileformat=VCFv4.2\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT\n"
)
S310F_38 = "17\t39711955\t.\tC\tT\t.\tPASS\t.\tGT:AD\t0/1:90,30\n"  # GRCh38 ERBB2 exon 8


def test_one_base_is_only_a_warning(tmp_path, caplog):
    """One SNV agreeing with the other build agrees by chance a quarter of the time: a warning."""
    vcf = write(tmp_path, "one.vcf", GRCH38_HEADER + S310F_38)
    with caplog.at_level(logging.WARNING, logger="her2var"):
        (r,) = classify(vcf, build="GRCh37")
    assert r.her2_status == "none"
    assert "too little to be sure the file is on GRCh38" in caplog.text


def test_a_record_in_the_claimed_region_or_a_disagreeing_one_means_no_error(tmp_path, caplog):
    # The same three GRCh38-looking records, plus one where GRCh37 puts ERBB2 (I655V on GRCh37).
    others = "".join(f"17\t{p}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT:AD\t0/1:90,30\n"
                     for p, ref, alt in ((39724728, "A", "AGCATACGTGATG"), (39724747, "G", "T")))
    vcf = write(tmp_path, "both.vcf", GRCH38_HEADER + S310F_38 + others
                + "17\t37879588\t.\tA\tG\t.\tPASS\t.\tGT:AD\t0/1:90,30\n")
    with caplog.at_level(logging.WARNING, logger="her2var"):
        (r,) = classify(vcf, build="GRCh37")
    assert "looks like" not in caplog.text and "too little" not in caplog.text
    # ...or one of them disagreeing with GRCh38's exonic bases (a GRCh37 file's own records there).
    vcf = write(tmp_path, "disagree.vcf", GRCH38_HEADER + S310F_38 + others
                + "17\t39724750\t.\tC\tA\t.\tPASS\t.\tGT:AD\t0/1:90,30\n")
    (r,) = classify(vcf, build="GRCh37")
    assert r.her2_status == "none"


# -- 4. PCGR's tags: depth and VAF are known, so the filters apply ----------------------------------------
def test_pcgr_tumour_control_input_support_and_filters():
    (r,) = classify(DIALECTS / "pcgr_tumor_control.grch38.vcf", build="GRCh38")
    assert r.sample == "TCGA-00-0001-01A-01D-0000-00_TCGA-00-0001-10A-01D-0000-00"
    assert r.matched_normal  # DPC/ADC: called against a control
    got = {(c.gene, c.hgvs_p): (c.depth, c.alt_reads, c.vaf_method) for c in r.calls}
    assert got == {("KRAS", "p.G12C"): (200, 62, "ADT/DPT"), ("ERBB2", "p.S310F"): (120, 30, "ADT/DPT"),
                   ("ERBB2", "p.Y772_A775dup"): (515, 98, "ADT/DPT")}
    (skipped,) = [e for e in r.skipped_events if e["reason"] == "low_depth"]
    assert (skipped["pos"], skipped["detail"]) == (39724747, "depth 15 < min_depth 20")


def test_pcgr_output_sites_only_support_and_filters():
    (r,) = classify(DIALECTS / "pcgr_output.grch37.vcf", build="GRCh37")
    assert r.sample == "pcgr_output.grch37" and r.matched_normal  # CVAF/CDP: a control was sequenced
    (call,) = r.calls
    assert (call.hgvs_p, call.depth, call.alt_reads, call.vaf, call.vaf_method) == (
        "p.L755S", 210, 38, 0.18, "TVAF/TDP")
    (skipped,) = r.skipped_events
    assert (skipped["reason"], skipped["detail"]) == ("low_vaf", "VAF 0.012 < min_vaf 0.02")


# KRAS exon 2 on GRCh38 (c.38, c.35, c.34: G13D, G12V, G12C), beside an ERBB2 record on GRCh37.
KRAS_38_ROWS = "".join(f"12\t{pos}\t.\tC\t{alt}\t.\tPASS\t.\tGT:AD\t0/1:60,40\n"
                       for pos, alt in ((25245347, "T"), (25245350, "A"), (25245351, "A")))
G776V_37 = "17\t37880998\t.\tG\tT\t.\tPASS\t.\tGT:AD\t0/1:60,40\n"


def test_codriver_records_of_another_build_are_an_error(tmp_path):
    """The build check covers the co-drivers too: three KRAS hotspot records on GRCh38 read as
    GRCh37 would report KRAS as not mutated; ERBB2's own record being right does not hide it."""
    vcf = write(tmp_path, "mixed.vcf", GRCH38_HEADER + KRAS_38_ROWS + G776V_37)
    proc = run_cli("classify", str(vcf), "--build", "GRCh37", "--format", "tsv")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "KRAS exon 2" in proc.stderr and "the file looks like GRCh38, not GRCh37" in proc.stderr
    # the same KRAS records read as GRCh38 are KRAS hotspots
    only_kras = write(tmp_path, "kras.vcf", GRCH38_HEADER + KRAS_38_ROWS)
    (r,) = classify(only_kras, build="GRCh38")
    assert sorted(c.hgvs_p for c in r.calls if c.gene == "KRAS") == ["p.G12C", "p.G12V", "p.G13D"]


def test_a_cpsr_germline_report_is_not_read_as_a_tumour(tmp_path):
    """CPSR classifies a patient's germline variants (INFO CPSR_*): its sample is never a tumour."""
    header = GRCH38_HEADER.replace(
        "##FORMAT", '##INFO=<ID=CPSR_CLASSIFICATION,Number=.,Type=String,Description="CPSR class">\n##FORMAT', 1)
    vcf = write(tmp_path, "P1.cpsr.grch38.vcf", header + S310F_38)
    proc = run_cli("classify", str(vcf), "--build", "GRCh38", "--format", "tsv")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "P1.cpsr.grch38.vcf: the file holds germline variants" in proc.stderr
    assert "CPSR_CLASSIFICATION" in proc.stderr
