"""Co-driver columns say what was found, "no" (tested, nothing found) or "not tested": classify
records which genes it looked at, by kind, and the cohort never turns "not looked at" into "no"."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import FIXTURES, run_cli, write

from her2var.classify.tested import is_small_variant_vcf
from her2var.cohort.build import build_cohort
from her2var.cohort.calls import SampleCalls, parse_tested
from her2var.cohort.tested import codriver_cell
from her2var.errors import InputError
from her2var.vcf.reader import VcfReader

FUS = FIXTURES / "fusions"
SNV_GENES = ["BRAF", "EGFR", "KRAS", "MET"]
KINASES = ["ALK", "NTRK1", "NTRK2", "NTRK3", "RET", "ROS1"]

HEAD_37 = """\
##fileformat=VCFv4.2
##source=Mutect2
##contig=<ID=7,length=159138663>
##contig=<ID=17,length=81195210>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles in the order listed">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	TUMOR
"""
EGFR_L858R = "7\t55259515\t.\tT\tG\t.\tPASS\t.\tGT:AD:DP\t0/1:60,40:100\n"
# STAR-Fusion run on the sample's RNA that found no kinase fusion (a read-through of two other genes)
STAR_NO_KINASE = ("#FusionName\tJunctionReadCount\tSpanningFragCount\tSpliceType\tLeftGene\tLeftBreakpoint\t"
                  "RightGene\tRightBreakpoint\tLargeAnchorSupport\tFFPM\n"
                  "TMPRSS2--ERG\t12\t4\tONLY_REF_SPLICE\tTMPRSS2^ENSG00000184012.12\tchr21:42880008:-\t"
                  "ERG^ENSG00000157554.19\tchr21:39817544:-\tYES_LDAS\t0.51\n")


def classify(tmp_path, *args) -> dict[str, dict]:
    out = tmp_path / "res"
    proc = run_cli("classify", *map(str, args), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    with open(out / "samples.tsv") as fh:
        rows = {r["sample"]: r for r in csv.DictReader(fh, delimiter="\t")}
    for r in rows.values():
        doc = json.loads(next((out / "samples").glob(f"{r['sample']}*.json")).read_text())
        r["json"] = doc["tested"]
    return rows


@pytest.mark.parametrize("name,text,small,fusion", [
    ("a small-variant VCF reads the co-drivers' exons", HEAD_37 + EGFR_L858R, SNV_GENES, []),
    ("Manta breakends: every kinase, no small variant", (FUS / "manta_eml4_alk_kif5b_ret.GRCh37.vcf").read_text(),
     [], KINASES),
    # Ion writes a record per assay, detected or not (KIF5B-RET with READ_COUNT=0): those kinases only
    ("Ion Reporter RNA fusions: the kinases of its assays", (FUS / "ion_oncomine_fusions.hg19.vcf").read_text(),
     [], ["ALK", "NTRK3", "RET", "ROS1"]),
    ("Ion Reporter RNA that failed its QC tests nothing",
     (FUS / "ion_oncomine_fusions.hg19.vcf").read_text().replace("##FusionSampleQC=PASS", "##FusionSampleQC=FAIL"),
     [], []),
])
def test_classify_records_the_genes_it_looked_at(tmp_path, name, text, small, fusion):
    vcf = write(tmp_path, "in.vcf", text)
    (row,) = classify(tmp_path, vcf).values()
    want = {k: v for k, v in (("small_variants", small), ("fusion", fusion)) if v}
    assert row["json"] == want
    assert parse_tested(row["tested"], "samples.tsv") == {k: tuple(v) for k, v in want.items()}


def test_a_fusion_table_tests_every_kinase_and_a_panel_bed_limits_the_small_variant_genes(tmp_path):
    vcf = write(tmp_path, "in.vcf", HEAD_37)
    star = write(tmp_path, "star.tsv", STAR_NO_KINASE)
    # the panel covers EGFR exon 19 and ERBB2 exon 20 only (BED, 0-based starts)
    bed = write(tmp_path, "panel.bed", "7\t55242400\t55242520\tEGFR_ex19\n17\t37880970\t37881170\tERBB2_ex20\n")
    (row,) = classify(tmp_path, vcf, "--fusions", star, "--targets", bed).values()
    assert row["json"] == {"small_variants": ["EGFR"], "fusion": KINASES}


def test_structural_and_copy_number_vcfs_are_not_small_variant_vcfs(tmp_path):
    cnvkit = write(tmp_path, "cnvkit.vcf", """\
        ##fileformat=VCFv4.2
        ##source=CNVkit v0.9.10
        ##INFO=<ID=END,Number=1,Type=Integer,Description="Ending position">
        ##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">
        ##INFO=<ID=FOLD_CHANGE,Number=1,Type=Float,Description="Fold change">
        ##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
        ##FORMAT=<ID=CN,Number=1,Type=Integer,Description="Copy number genotype for imprecise events">
        #CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	T
        """)
    assert not is_small_variant_vcf(VcfReader(str(cnvkit)).header)
    assert not is_small_variant_vcf(VcfReader(str(FUS / "dragen_sv_somatic.GRCh38.vcf")).header)
    assert is_small_variant_vcf(VcfReader(str(write(tmp_path, "m.vcf", HEAD_37))).header)
    # an Ion DNA file declares SVTYPE for its <CNV> rows and FAO/FDP for its small variants
    assert is_small_variant_vcf(VcfReader(str(FIXTURES / "vcf" / "ion_oca.hg19.vcf")).header)


def test_cohort_columns_from_a_classified_batch_and_from_the_store(tmp_path):
    write(tmp_path, "egfr.vcf", HEAD_37 + EGFR_L858R)
    write(tmp_path, "wt.vcf", HEAD_37)
    write(tmp_path, "star.tsv", STAR_NO_KINASE)
    write(tmp_path, "manta.vcf", (FUS / "manta_eml4_alk_kif5b_ret.GRCh37.vcf").read_text())
    sheet = write(tmp_path, "sheet.tsv", "sample\tpatient\tvcf\tfusions\nS1\tP1\tegfr.vcf\t\n"
                                         "S2\tP2\twt.vcf\tstar.tsv\nS3\tP3\tmanta.vcf\t\n")
    proc = run_cli("classify", "--samples", sheet, "--out", tmp_path / "res", "--store", tmp_path / "h.db")
    assert proc.returncode == 0, proc.stderr
    clin = write(tmp_path, "records.csv", "Patient No.,Gender,First-line therapy\nP1,M,osimertinib\n"
                                          "P2,F,carboplatin + pemetrexed\nP3,F,alectinib\nP4,M,pemetrexed\n")
    regimens = write(tmp_path, "lab_regimens.yaml", "classes:\n  TKI:\n    drugs:\n      alectinib: [alecensa]\n")
    for source in (["--calls", tmp_path / "res"], ["--store", tmp_path / "h.db"]):
        out = tmp_path / "cohort.tsv"
        proc = run_cli("cohort", "--clinical", clin, *source, "--regimens", regimens, "-o", out,
                       "--xlsx", tmp_path / "cohort.xlsx")
        assert proc.returncode == 0, proc.stderr
        with open(out) as fh:
            r = {x["patient_id"]: x for x in csv.DictReader(fh, delimiter="\t")}
        # P1: small variants read, no fusion input: ALK is not tested, never "no"
        assert (r["P1"]["codriver_EGFR"], r["P1"]["codriver_KRAS"], r["P1"]["codriver_ALK"]) == \
            ("p.L858R", "no", "not tested")
        # P2: a fusion caller ran and found no kinase fusion
        assert (r["P2"]["codriver_EGFR"], r["P2"]["codriver_ALK"], r["P2"]["codriver_RET"]) == ("no", "no", "no")
        # P3: a breakend VCF alone: fusions tested (EML4-ALK found), small variants not
        assert (r["P3"]["codriver_ALK"], r["P3"]["codriver_ROS1"], r["P3"]["codriver_EGFR"]) == \
            ("fusion", "no", "not tested")
        # P4: no sample at all
        assert {r["P4"][f"codriver_{g}"] for g in [*SNV_GENES, *KINASES]} == {"not tested"}
        problems = (tmp_path / "cohort.problems.tsv").read_text()
        assert "codrivers_not_recorded" not in problems
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "cohort.xlsx", read_only=True)
    table = [list(row) for row in wb["cohort"].iter_rows(values_only=True)]
    wb.close()
    col = table[0].index("codriver_ALK")
    assert [row[col] for row in table[1:]] == ["not tested", "no", "fusion", "not tested"]


CELLS = [
    ("events found", dict(tested={"small_variants": ("EGFR",)}), "EGFR", ["p.L858R"], ("small_variants",), "p.L858R"),
    ("tested, nothing", dict(tested={"small_variants": ("EGFR",)}), "EGFR", [], ("small_variants",), "no"),
    ("other kind tested only", dict(tested={"small_variants": ("EGFR",)}), "ALK", [], ("fusion",), "not tested"),
    ("testing not recorded", dict(tested=None), "EGFR", [], ("small_variants",), "not tested"),
    ("failed sample", dict(status="error", tested={}), "EGFR", [], ("small_variants",), "not tested"),
    ("a gene reported two ways needs both", dict(tested={"small_variants": ("MET",)}), "MET", [],
     ("small_variants", "fusion"), "not tested"),
]


@pytest.mark.parametrize("case,kw,gene,events,kinds,want", CELLS, ids=[c[0] for c in CELLS])
def test_codriver_cell(case, kw, gene, events, kinds, want):
    s = SampleCalls(sample="S1", patient="P1", status=kw.pop("status", "ok"), **kw)
    assert codriver_cell(s, gene, events, kinds) == want
    assert codriver_cell(None, gene, events, kinds) == "not tested"


def test_a_broken_tested_column_names_the_file_and_row(tmp_path):
    folder = tmp_path / "res"
    folder.mkdir()
    (folder / "samples.tsv").write_text("sample\tpatient\tstatus\ttested\nS1\tP1\tok\tEGFR,KRAS\n")
    clin = write(tmp_path, "c.csv", "patient_id\nP1\n")
    with pytest.raises(InputError, match=r"samples.tsv: row 2: tested 'EGFR,KRAS': expected kind:GENE"):
        build_cohort(str(clin), [str(folder)])
