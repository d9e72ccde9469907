"""Copy number from every supported dialect, the purity algebra, and errors a person can act on."""

from __future__ import annotations

import gzip
import math
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from her2var.contigs import contig_key
from her2var.copynumber import from_vcf as cn_vcf
from her2var.copynumber import tables as cn_tables
from her2var.copynumber.read import (
    copy_number_from_vcf,
    fold_change_to_cn,
    is_cnv_record,
    log2_to_cn,
    read_copy_number_file,
)
from her2var.errors import InputError
from her2var.models import Region
from her2var.vcf.reader import VcfReader, parse_header_lines, parse_record

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "fixtures" / "cnv"

ERBB2_38 = {"ERBB2": Region("chr17", 39699997, 39728662, "ERBB2")}
ERBB2_37 = {"ERBB2": Region("17", 37856254, 37884915, "ERBB2")}
ERBB2_37_CHR = {"ERBB2": Region("chr17", 37856254, 37884915, "ERBB2")}
ERBB2_38_NOCHR = {"ERBB2": Region("17", 39699997, 39728662, "ERBB2")}
CDKN2A_37 = {"CDKN2A": Region("9", 21967751, 21995300, "CDKN2A")}
MPL_37 = {"MPL": Region("chr1", 43803475, 43820135, "MPL")}

# Weighted mean over ERBB2 GRCh37 (28662 bp): 13747 bp at CN 2 and 14915 bp at CN 8.
SPLIT_CN = (2 * 13747 + 8 * 14915) / 28662


def read(name: str, genes=ERBB2_37_CHR, *, purity=None, sample=None, build=None, scale="log2"):
    # the .seg fixtures hold log2 (scale is given as --cnv-scale would; the other formats name it)
    return read_copy_number_file(
        str(FIX / name), sample=sample, genes=genes, purity=purity, build=build, scale=scale
    )


# fixture, genes, purity, sample, expected attributes of the single CopyNumber returned
CASES = [
    pytest.param("ion_oca_cnv_hg19.vcf", ERBB2_37_CHR, None, None, dict(
        source_caller="ion", source_field="CN", raw_value=8.7, cn=8.7, cn_ci_low=7.91,
        cn_ci_high=9.62, caller_call="Amplification", purity_used=0.6, filter="PASS",
        sample="IonXpress_079", cn_is_integer=False), id="ion-erbb2"),
    # Ion is matched by gene name: a GRCh38 interval still finds the hg19 record.
    pytest.param("ion_oca_cnv_hg19.vcf", ERBB2_38, 0.3, None, dict(
        cn=8.7, purity_used=0.6, caller_call="Amplification"), id="ion-by-name-purity-ignored"),
    pytest.param("ion_oca_cnv_hg19.vcf", MPL_37, None, None, dict(
        cn=2.07, cn_ci_low=1.71, cn_ci_high=2.42, caller_call=""), id="ion-mpl-sd-flag"),
    pytest.param("dragen_cnv_grch38_dup.vcf", ERBB2_38, None, None, dict(
        source_caller="dragen", source_field="CN", raw_value=9.0, cn=9.0, cn_is_integer=True,
        caller_call="<DUP>", purity_used=0.55, cn_ci_low=None, start=39688001, end=39730000),
        id="dragen-dup"),
    pytest.param("dragen_cnv_grch38_neutral.vcf", ERBB2_38, None, None, dict(
        source_caller="dragen", cn=2.0, caller_call="REF", purity_used=None),
        id="dragen-ref-neutral"),
    pytest.param("dragen_cnv_grch38_dup.vcf", ERBB2_38_NOCHR, None, None, dict(cn=9.0),
                 id="dragen-chr-file-nochr-gene"),
    pytest.param("dragen_cnv_grch37_split.vcf", ERBB2_37_CHR, None, None, dict(
        cn=pytest.approx(SPLIT_CN), caller_call="REF,<DUP>", cn_is_integer=False,
        start=37000001, end=37950000), id="dragen-two-segments-weighted"),
    pytest.param("tso500_format_fc_CopyNumberVariants.vcf", ERBB2_37_CHR, 0.3, None, dict(
        source_caller="tso500", source_field="FC", raw_value=2.2, cn=pytest.approx(10.0),
        caller_call="<DUP>", purity_used=0.3, sample="TSO_S1"), id="tso500-format-fc"),
    pytest.param("tso500_format_fc_CopyNumberVariants.vcf", ERBB2_37_CHR, None, None, dict(
        cn=pytest.approx(4.4), purity_used=1.0), id="tso500-no-purity"),
    pytest.param("tso500_info_fc_CopyNumberVariants.vcf", ERBB2_37_CHR, 0.389, "S9", dict(
        source_field="FC", raw_value=1.389, cn=pytest.approx(4.0), purity_used=0.389,
        sample="S9"), id="tso500-info-fc-boundary"),
    pytest.param("tso500_two_samples.cnv.fc.txt", ERBB2_37_CHR, 0.3, "TSO_S2", dict(
        source_caller="tso500", source_field="FC", cn=pytest.approx(10.0), caller_call="DUP",
        line=5, sample="TSO_S2"), id="tso500-fc-txt"),
    pytest.param("cnvkit_export_grch37.vcf", ERBB2_37_CHR, None, None, dict(
        source_caller="cnvkit", source_field="CN", cn=11.0, cn_is_integer=True,
        caller_call="<DUP>", purity_used=None), id="cnvkit-vcf-cipos-parentheses"),
    pytest.param("cnvkit_export_grch37.vcf", CDKN2A_37, None, None, dict(
        source_field="log2", raw_value=-2.0, cn=pytest.approx(0.5), caller_call="<DEL>",
        purity_used=1.0), id="cnvkit-vcf-del-without-cn"),
    pytest.param("cnvkit_grch38.cns", ERBB2_38, None, None, dict(
        source_caller="cnvkit", source_field="log2", raw_value=1.584963,
        cn=pytest.approx(6.0, abs=1e-4), purity_used=1.0, start=39600001, end=39728662,
        sample="cnvkit_grch38"), id="cnvkit-cns"),
    pytest.param("cnvkit_grch38.cns", ERBB2_38, 0.5, "P1", dict(
        cn=pytest.approx(10.0, abs=1e-4), purity_used=0.5, sample="P1"), id="cnvkit-cns-purity"),
    pytest.param("cnvkit_grch38.call.cns", ERBB2_38, None, None, dict(
        source_field="CN", raw_value=6.0, cn=6.0, cn_is_integer=True, purity_used=None),
        id="cnvkit-call-cns"),
    pytest.param("cohort_grch37.seg", ERBB2_37_CHR, None, "S01", dict(
        source_caller="seg", source_field="log2", cn=pytest.approx(4.0), line=4),
        id="seg-log2-1"),
    pytest.param("cohort_grch37.seg", ERBB2_37_CHR, 0.5, "S02", dict(
        cn=pytest.approx(4.0, abs=1e-3), purity_used=0.5), id="seg-log2-0.585-purity-0.5"),
    pytest.param("cohort_grch37.seg", ERBB2_37_CHR, None, "S03", dict(
        cn=pytest.approx(SPLIT_CN)), id="seg-two-segments"),
    pytest.param("gatk_grch38.called.seg", ERBB2_38, None, None, dict(
        source_caller="gatk_seg", source_field="log2", cn=pytest.approx(10.0, abs=1e-4),
        caller_call="+", sample="gatk_tumor"), id="gatk-called-seg"),
    pytest.param("gatk_grch38.called.seg", ERBB2_38, 0.4, None, dict(
        cn=pytest.approx(22.0, abs=1e-4), purity_used=0.4), id="gatk-called-seg-purity"),
    pytest.param("allele_specific_grch38.cna.tsv", ERBB2_38, None, "P2", dict(
        source_caller="allele_specific", source_field="nMajor+nMinor", raw_value=8.0, cn=8.0,
        cn_is_integer=True, purity_used=None, sample="P2"), id="allele-specific"),
    pytest.param("gatk_gcnv_grch38_segments.vcf", ERBB2_38, None, None, dict(
        source_caller="gatk_gcnv", source_field="CN", cn=3.0, caller_call="<DUP>"),
        id="gatk-gcnv"),
]


@pytest.mark.parametrize("name, genes, purity, sample, expected", CASES)
def test_fixture_copy_number(name, genes, purity, sample, expected):
    records = read(name, genes, purity=purity, sample=sample)
    assert len(records) == 1, records
    cn = records[0]
    assert cn.gene == next(iter(genes))
    assert cn.path.endswith(name)
    for attr, value in expected.items():
        assert getattr(cn, attr) == value, attr


def test_every_source_has_a_case():
    covered = {dict(p.values[4]).get("source_caller") for p in CASES}
    wanted = {"ion", "dragen", "tso500", "cnvkit", "gatk_gcnv", "seg", "gatk_seg",
              "allele_specific"}
    assert wanted <= covered
    assert set(cn_tables._SOURCE_CALLER.values()) <= covered
    assert set(cn_vcf._QUANTITY_ORDER) - {"vcf"} <= covered


def test_manta_tandem_dup_is_not_copy_number():
    assert read("manta_dup_tandem_grch38.vcf", ERBB2_38) == []


def test_gene_without_evidence_gives_nothing():
    far = {"KRAS": Region("chr12", 25205246, 25250936, "KRAS")}
    assert read("dragen_cnv_grch38_dup.vcf", far) == []
    # Ion hotspot rows for ERBB2 are not CN; the only CN evidence is the <CNV> record.
    assert [c.line for c in read("ion_oca_cnv_hg19.vcf")] == [45]


def test_notes_say_why():
    (ion,) = read("ion_oca_cnv_hg19.vcf", purity=0.3)
    assert any("RAW_CN 6.02" in n for n in ion.notes)
    assert any("already adjusted for cellularity 0.6" in n for n in ion.notes)
    assert ion.qc["mapd"] == "0.239" and ion.qc["cellularity"] == "0.600000"
    (tso,) = read("tso500_format_fc_CopyNumberVariants.vcf")
    assert any("no purity given" in n for n in tso.notes)
    (gcnv,) = read("gatk_gcnv_grch38_segments.vcf", ERBB2_38)
    assert cn_vcf.GERMLINE_NOTE in gcnv.notes
    (split,) = read("dragen_cnv_grch37_split.vcf")
    assert "2 segments overlap ERBB2; CN is their overlap-weighted mean" in split.notes
    assert any("13747 bp over ERBB2" in n for n in split.notes)
    (dup,) = read("dragen_cnv_grch38_dup.vcf", ERBB2_38)
    assert dup.qc["coverage_uniformity"] == "0.402517"
    assert any("FORMAT/SM 3.48" in n for n in dup.notes)
    (call,) = read("cnvkit_grch38.call.cns", ERBB2_38, purity=0.5)
    assert any("log2 1.58496 (CN 10.00 at purity 0.5)" in n for n in call.notes)


def test_cnvkit_cns_starts_are_zero_based():
    # The next segment starts at 0-based 39728662 = 1-based 39728663, just past ERBB2's end.
    (cn,) = read("cnvkit_grch38.cns", ERBB2_38)
    assert not any("segments overlap" in n for n in cn.notes)


def test_multi_sample_table_without_sample_gives_one_record_each():
    records = read("cohort_grch37.seg")
    assert [r.sample for r in records] == ["S01", "S02", "S03"]
    tso = read("tso500_two_samples.cnv.fc.txt", purity=0.3)
    assert {r.sample: r.cn for r in tso} == pytest.approx(
        {"Horizon_2-000_rep1": (2 * 1.389 - 1.4) / 0.3, "TSO_S2": 10.0})


def test_format_is_detected_from_content(tmp_path):
    for name in ("cohort_grch37.seg", "gatk_grch38.called.seg", "cnvkit_grch38.call.cns",
                 "dragen_cnv_grch38_dup.vcf"):
        plain = tmp_path / f"{name}.txt"
        shutil.copy(FIX / name, plain)
        packed = tmp_path / f"{name}.data.gz"
        packed.write_bytes(gzip.compress((FIX / name).read_bytes()))
        genes = ERBB2_38 if "38" in name else ERBB2_37
        want = [(r.source_caller, r.cn, r.line) for r in read(name, genes)]
        for path in (plain, packed):
            got = read_copy_number_file(str(path), sample=None, genes=genes, purity=None,
                                        build=None, scale="log2")
            assert [(r.source_caller, r.cn, r.line) for r in got] == want


def test_r_write_table_row_names_and_quotes(tmp_path):
    path = tmp_path / "r.seg"
    path.write_text('"ID"\t"chrom"\t"loc.start"\t"loc.end"\t"num.mark"\t"seg.mean"\n'
                    '"1"\t"T1"\t"17"\t3.77e+07\t37900000\t40\t1\n')
    (cn,) = read_copy_number_file(str(path), sample=None, genes=ERBB2_37, purity=None,
                                  build=None, scale="log2")
    assert (cn.sample, cn.start, cn.cn) == ("T1", 37700000, pytest.approx(4.0))


# -- conversion algebra --------------------------------------------------------------------------

@pytest.mark.parametrize("log2, purity, ploidy, expected", [
    (1.0, None, 2.0, 4.0),
    (1.0, 1.0, 2.0, 4.0),
    (0.585, 0.5, 2.0, 4.0),       # CNVkit note: at purity 0.5 log2 > 0.585 already means CN > 4
    (0.0, 0.3, 2.0, 2.0),         # neutral stays neutral at any purity
    (-1.0, None, 2.0, 1.0),
    (math.log2(5), 0.4, 2.0, 22.0),
    (0.0, 1.0, 3.0, 3.0),
    (-5.0, 0.2, 2.0, 0.0),        # below zero copies: clipped
])
def test_log2_to_cn(log2, purity, ploidy, expected):
    assert log2_to_cn(log2, purity, ploidy) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("fc, purity, expected", [
    (2.2, 0.3, 10.0),             # Illumina's worked example (X=30%, Y=2.2 -> n=10)
    (2.0, None, 4.0),
    (1.0, 0.5, 2.0),
    (0.0, 1.0, 0.0),
])
def test_fold_change_to_cn(fc, purity, expected):
    assert fold_change_to_cn(fc, purity) == pytest.approx(expected)


@pytest.mark.parametrize("purity", [0.1, 0.3, 0.55, 1.0])
def test_fc_threshold_is_one_plus_purity(purity):
    assert fold_change_to_cn(1 + purity, purity) == pytest.approx(4.0)
    assert fold_change_to_cn(1.9, purity) == pytest.approx(log2_to_cn(math.log2(1.9), purity))


@pytest.mark.parametrize("purity", [0.0, -0.1, 1.5, float("nan")])
def test_purity_outside_unit_interval(purity):
    with pytest.raises(InputError, match=r"outside \(0, 1\]"):
        log2_to_cn(1.0, purity)
    with pytest.raises(InputError, match=r"outside \(0, 1\]"):
        fold_change_to_cn(2.0, purity)
    with pytest.raises(InputError, match=r"outside \(0, 1\]"):
        read("cohort_grch37.seg", purity=purity)


def test_contig_aliases():
    assert contig_key("chr17") == contig_key("17") == contig_key("CHR17")
    assert contig_key("chrM") == contig_key("MT")
    assert contig_key("chrX") == contig_key("X") != contig_key("chr1")


# -- records -----------------------------------------------------------------------------------

HEADER = parse_header_lines([
    "##fileformat=VCFv4.2",
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS",
], "t.vcf")


@pytest.mark.parametrize("line, expected", [
    ("chr17\t100\t.\tA\tG\t50\tPASS\tDP=10\tGT:AD\t0/1:5,5", False),
    ("chr17\t100\tm\tA\t<DUP:TANDEM>\t50\tPASS\tSVTYPE=DUP;END=900\tGT:PR\t0/1:5,5", False),
    ("chr17\t100\tm\tA\t<DEL>\t50\tPASS\tSVTYPE=DEL;END=900\tGT:PR\t0/1:5,5", False),
    ("chr17\t100\t.\tA\t.\t.\tPASS\tEND=900\tGT:DP\t0/0:300", False),       # gVCF block
    ("chr17\t100\t.\tA\t<NON_REF>\t.\t.\tEND=900\tGT:DP:CN\t0/0:300:2", False),
    ("chr17\t100\t.\tN\t.\t81\tPASS\tEND=900;REFLEN=800\tGT:SM:CN\t./.:1.0:2", True),
    ("chr17\t100\t.\tN\t<DUP>\t88\tPASS\tSVTYPE=CNV;END=900\tGT:SM:CN\t./1:3.1:8", True),
    ("chr17\t100\t.\tN\t<DEL>\t.\t.\tSVTYPE=DEL;END=900;FOLD_CHANGE=0.25\tGT:GQ\t1/1:0", True),
    ("chr17\t100\tERBB2\tG\t<CNV>\t100\tPASS\tSVTYPE=CNV;END=900\tGT:GQ:CN\t./.:0:8.7", True),
    ("chr17\t100\t.\tN\t<DEL>,<DUP>\t.\t.\tEND=900\tGT:CN\t2:3", True),
])
def test_is_cnv_record(line, expected):
    assert is_cnv_record(HEADER, parse_record(line, "t.vcf", 9, 1)) is expected


def _write_vcf(tmp_path: Path, body: str, name: str = "t.vcf") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip().replace("|", "\t"))
    return path


DRAGEN_TWO = """\
    ##fileformat=VCFv4.2
    ##source=DRAGEN_CNV
    ##FORMAT=<ID=CN,Number=1,Type=Integer,Description="Estimated copy number">
    #CHROM|POS|ID|REF|ALT|QUAL|FILTER|INFO|FORMAT|A|B
    chr17|39600000|x|N|<DUP>|88|PASS|SVTYPE=CNV;END=39800000|GT:SM:CN|./1:3.0:{a}|./1:4.1:{b}
"""


def test_copy_number_from_vcf_per_sample(tmp_path):
    path = _write_vcf(tmp_path, DRAGEN_TWO.format(a=7, b=9))
    reader = VcfReader(path)
    records = list(reader.records())
    got = [copy_number_from_vcf(reader.header, records, sample_index=i, sample=s,
                                genes=ERBB2_38, purity=None)[0].cn for i, s in enumerate("AB")]
    assert got == [7.0, 9.0]
    both = read_copy_number_file(str(path), sample=None, genes=ERBB2_38, purity=None, build=None)
    assert [(c.sample, c.cn) for c in both] == [("A", 7.0), ("B", 9.0)]
    (b,) = read_copy_number_file(str(path), sample="B", genes=ERBB2_38, purity=None, build=None)
    assert b.cn == 9.0


def test_missing_sample_value_falls_back_to_sm(tmp_path):
    path = _write_vcf(tmp_path, DRAGEN_TWO.format(a=".", b=9))
    (a,) = read_copy_number_file(str(path), sample="A", genes=ERBB2_38, purity=0.5, build=None)
    assert (a.source_field, a.cn, a.purity_used) == ("SM", pytest.approx(10.0), 0.5)


def test_ion_records_for_one_gene_are_merged_with_ci_extremes(tmp_path):
    path = _write_vcf(tmp_path, """\
        ##fileformat=VCFv4.1
        ##IonReporterExportVersion=0.1.5
        ##CellularityAsAFractionBetween0-1=1.0
        #CHROM|POS|ID|REF|ALT|QUAL|FILTER|INFO|FORMAT|S
        chr17|1001|ERBB2|G|<CNV>|100|PASS|SVTYPE=CNV;END=1100;CI=0.05:5,0.95:7|GT:GQ:CN|./.:0:6
        chr17|2001|ERBB2|G|<CNV>|100|PASS|SVTYPE=CNV;END=2300;CI=0.05:1.5,0.95:2.5|GT:GQ:CN|./.:0:2
    """)
    (cn,) = read_copy_number_file(str(path), sample=None, genes=ERBB2_38, purity=None,
                                  build=None)
    assert cn.cn == pytest.approx((6 * 100 + 2 * 300) / 400)
    assert (cn.cn_ci_low, cn.cn_ci_high, cn.caller_call) == (1.5, 7.0, "")


def test_fixtures_are_reproducible(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_cnv_fixtures.py"),
                    str(tmp_path)], check=True, capture_output=True)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in FIX.iterdir())
    for name in made:
        assert (tmp_path / name).read_bytes() == (FIX / name).read_bytes(), name


# -- bad input: InputError naming file:line and what was expected --------------------------------

SEG_HEAD = "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n"
SEG_OK = "S1\t17\t37700001\t37900000\t40\t1.0\n"


@pytest.mark.parametrize("name, text, message", [
    ("x.seg", SEG_HEAD + SEG_OK + "S1\t17\t1\t100\t4\tabc\n",
     ":3: seg.mean 'abc' is not a number"),
    # odd values are errors on ERBB2 (away from it they are left out: test_odd_rows.py)
    ("x.seg", SEG_HEAD + "S1\t17\t37860001\t37870000\t4\tinf\n",
     ":2: seg.mean 'inf' is not a finite number, in a row over ERBB2"),
    ("x.seg", SEG_HEAD + SEG_OK + "S1\t17\t100\n", ":3: 3 column(s), expected 6"),
    ("x.seg", SEG_HEAD + "S1\t17\t37870000\t37860000\t4\t0.1\n",
     ":2: loc.start 37870000 is after loc.end 37860000, in a row over ERBB2"),
    ("x.seg", SEG_HEAD + "\t17\t1\t100\t4\t0.1\n", ":2: ID is empty"),
    ("x.seg", "ID\tchrom\tloc.start\tnum.mark\tseg.mean\n" + "S1\t17\t1\t4\t0.1\n",
     ":1: .seg header lacks column(s) loc.end or end"),
    ("x.cns", "chromosome\tstart\tend\tgene\tlog2\n" + "chr17\t1.5\t9\t-\t0\n",
     ":2: start '1.5' is not a whole number"),
    ("x.called.seg", "@HD\tVN:1.6\nCONTIG\tSTART\tEND\tMEAN_LOG2_COPY_RATIO\tCALL\n"
     "chr17\t1\t9\tx\t+\n", ":3: MEAN_LOG2_COPY_RATIO 'x' is not a number"),
    ("x.tsv", "Chromosome\tStart\tEnd\tnMajor\tnMinor\n" + "17\t1\t9\t2.5\t1\n",
     ":2: nMajor '2.5' is not a whole number"),
    ("x.cnv.fc.txt", "Sample\tGene\tStatus\tFoldChange\n" + "S\tERBB2\tDUP\t-1\n",
     ":2: FoldChange '-1' must not be negative"),
    ("x.txt", "a\tb\n1\t2\n", ":1: not a recognised copy-number file (header: 'a b')"),
    ("x.txt", "# only a comment\n", ":1: not a recognised copy-number file"),
    ("x.seg", "", ": the file is empty; accepted formats:"),
])
def test_bad_tables(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_copy_number_file(str(path), sample=None, genes=ERBB2_37, purity=None, build=None,
                              scale="log2")
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)


def test_unknown_format_lists_accepted_formats(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("a\tb\n")
    with pytest.raises(InputError) as err:
        read_copy_number_file(str(path), sample=None, genes=ERBB2_37, purity=None, build=None)
    for fmt in ("Sample Gene Status FoldChange", "seg.mean", "MEAN_LOG2_COPY_RATIO",
                "nMajor nMinor", ".call.cns", "Ion Reporter"):
        assert fmt in str(err.value)


ION_HEAD = """\
    ##fileformat=VCFv4.1
    ##IonReporterExportVersion=0.1.5
    ##CellularityAsAFractionBetween0-1={cell}
    #CHROM|POS|ID|REF|ALT|QUAL|FILTER|INFO|FORMAT|S
    chr17|1001|ERBB2|G|<CNV>|100|PASS|SVTYPE=CNV;END=1100;CI={ci}|GT:GQ:CN|./.:0:{cn}
"""


@pytest.mark.parametrize("cell, ci, cn, message", [
    ("0.6", "0.05:5,0.95:7", "abc", "t.vcf:5: FORMAT/CN 'abc' is not a number"),
    ("0.6", "0.05-5", "6", "t.vcf:5: INFO/CI '0.05-5' is not of the form 0.05:low,0.95:high"),
    ("0.6", "0.05:x,0.95:7", "6", "t.vcf:5: INFO/CI value 'x' is not a number"),
    ("1.7", "0.05:5,0.95:7", "6", "t.vcf: ##CellularityAsAFractionBetween0-1: 1.7 is outside"),
])
def test_bad_ion_vcf(tmp_path, cell, ci, cn, message):
    path = _write_vcf(tmp_path, ION_HEAD.format(cell=cell, ci=ci, cn=cn))
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(".", r"\.")):
        read_copy_number_file(str(path), sample=None, genes=ERBB2_38, purity=None, build=None)


def test_bad_dragen_cn(tmp_path):
    path = _write_vcf(tmp_path, DRAGEN_TWO.format(a="x", b=9))
    with pytest.raises(InputError, match=r"t\.vcf:5: FORMAT/CN 'x' is not a number"):
        read_copy_number_file(str(path), sample="A", genes=ERBB2_38, purity=None, build=None)


def test_negative_fold_change_in_vcf(tmp_path):
    path = _write_vcf(tmp_path, """\
        ##fileformat=VCFv4.1
        ##INFO=<ID=FC,Number=1,Type=Float,Description="Fold change">
        #CHROM|POS|ID|REF|ALT|QUAL|FILTER|INFO
        chr17|39600000|ERBB2|N|<DUP>|1|PASS|END=39800000;FC=-2
    """)
    with pytest.raises(InputError, match=r"t\.vcf:4: INFO/FC '-2': fold change"):
        read_copy_number_file(str(path), sample=None, genes=ERBB2_38, purity=None, build=None)


@pytest.mark.parametrize("name, kwargs, message", [
    ("cohort_grch37.seg", dict(sample="S9"),
     "no rows for sample 'S9'; samples in the file: S01, S02, S03"),
    ("tso500_two_samples.cnv.fc.txt", dict(sample="S9"),
     "samples in the file: Horizon_2-000_rep1, TSO_S2"),
    ("dragen_cnv_grch38_dup.vcf", dict(sample="S9"),
     "sample 'S9' is not in the VCF; its samples are TUMOR_01"),
    ("gatk_grch38.called.seg", dict(sample="S9"),
     "the @RG header names sample 'gatk_tumor', not 'S9'"),
    ("dragen_cnv_grch38_dup.vcf", dict(build="GRCh37"),
     "##contig chr17 has length 83257441, which is GRCh38, but build GRCh37 was given"),
    ("dragen_cnv_grch37_split.vcf", dict(build="hg38"), "which is GRCh37, but build hg38"),
])
def test_wrong_sample_or_build(name, kwargs, message):
    with pytest.raises(InputError) as err:
        read(name, ERBB2_38, **kwargs)
    assert str(err.value).startswith(str(FIX / name))
    assert message in str(err.value)


def test_matching_build_and_ion_any_build_are_accepted():
    assert read("dragen_cnv_grch38_dup.vcf", ERBB2_38, build="hg38")[0].cn == 9.0
    assert read("ion_oca_cnv_hg19.vcf", ERBB2_38, build="GRCh38")[0].cn == 8.7


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_copy_number_file(str(tmp_path / "nope.seg"), sample=None, genes=ERBB2_37,
                              purity=None, build=None)
    with pytest.raises(InputError, match="is a folder"):
        read_copy_number_file(str(tmp_path), sample=None, genes=ERBB2_37, purity=None,
                              build=None)
