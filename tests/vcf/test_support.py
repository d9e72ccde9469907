"""Genotypes and read support per allele, per caller dialect (her2var.support)."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from her2var.errors import InputError
from her2var.models import Record, Region, Support, VcfHeader
from her2var.vcf import support
from her2var.vcf.reader import VcfReader, parse_header_lines, parse_record

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "vcf"

ALL_METHODS = {"AD", "AD/DP", "ADT", "ADT/DPT", "TVAF/TDP", "TVAF", "FAO/FDP", "TIR/TAR", "AU..TU", "AO/RO", "FA",
               "DP4", "AF", "none"}


def find(path: Path, pos: int, alt: str) -> tuple[VcfHeader, Record, int]:
    """The record at ``pos`` carrying ALT ``alt``, with that allele's 1-based index."""
    reader = VcfReader(path)
    for rec in reader.records():
        if rec.pos == pos and alt in rec.alts:
            return reader.header, rec, rec.alts.index(alt) + 1
    raise AssertionError(f"{path.name}: no record at {pos} with ALT {alt}")


def inline(header_body: str, line: str) -> tuple[VcfHeader, Record]:
    """A header and one record built from text, for cases no fixture carries."""
    lines = textwrap.dedent(header_body).strip().splitlines()
    header = parse_header_lines(lines, "inline.vcf")
    rec = parse_record(textwrap.dedent(line).strip(), "inline.vcf", len(lines) + 1, len(header.samples))
    return header, rec


# -- per-dialect expectations on the fixtures ----------------------------------------------------
# (fixture, pos, alt, sample, depth, alt_reads, vaf, method, caller_af)
FIXTURE_CASES = [
    # Mutect2: VAF from AD over DP; Mutect2's own AF kept apart and different (gatk#7016).
    ("mutect2_tumor_normal.GRCh38.vcf", 39711955, "T", "PT001_T", 1163, 44, 44 / 1163, "AD/DP", 0.044),
    ("mutect2_tumor_normal.GRCh38.vcf", 39724728, "AGCATACGTGATG", "PT001_T", 515, 96, 96 / 515, "AD/DP", 0.191),
    ("mutect2_tumor_normal.GRCh38.vcf", 39724728, "AGCATACGTGATG", "PT001_N", 204, 0, 0.0, "AD/DP", 0.005),
    # 0/1/2: Number=R AD and Number=A AF indexed per allele.
    ("mutect2_tumor_normal.GRCh38.vcf", 39724744, "GTCT", "PT001_T", 358, 41, 41 / 358, "AD/DP", 0.116),
    ("mutect2_tumor_normal.GRCh38.vcf", 39724744, "T", "PT001_T", 358, 12, 12 / 358, "AD/DP", 0.036),
    ("mutect2_tumor_normal.GRCh38.vcf", 39724747, "T", "PT001_T", 407, 3, 3 / 407, "AD/DP", 0.009),
    # Strelka2: tier-1 counts only (first of each pair), no AF in the file.
    ("strelka2_somatic.indels.GRCh37.vcf", 37881002, "GGGCTCCCCA", "TUMOR", 192, 52, 52 / 192, "TIR/TAR", None),
    ("strelka2_somatic.indels.GRCh37.vcf", 37881002, "GGGCTCCCCA", "NORMAL", 74, 0, 0.0, "TIR/TAR", None),
    ("strelka2_somatic.snvs.GRCh37.vcf", 37880220, "C", "TUMOR", 239, 61, 61 / 239, "AU..TU", None),
    ("strelka2_somatic.snvs.GRCh37.vcf", 37880261, "T", "TUMOR", 154, 4, 4 / 154, "AU..TU", None),
    ("strelka2_somatic.snvs.GRCh37.vcf", 37880220, "C", "NORMAL", 88, 0, 0.0, "AU..TU", None),
    # VarDict: AD with DP; VarDict's AF is VD/DP and agrees.
    ("vardict_paired.GRCh37.vcf", 37868208, "T", "PT003_T", 483, 96, 96 / 483, "AD/DP", 0.1988),
    ("vardict_paired.GRCh37.vcf", 37868208, "T", "PT003_N", 210, 0, 0.0, "AD/DP", 0.0),
    # Ion: flow counts, not read counts (AO=290 reads vs FAO=312 flows).
    ("ion_oca.hg19.vcf", 37880983, "CATACGTGATGGC", "PT004_IonXpress_079", 1480, 312, 312 / 1480, "FAO/FDP", 0.2108),
    ("ion_oca.hg19.vcf", 37880997, "T", "PT004_IonXpress_079", 1497, 0, 0.0, "FAO/FDP", 0.0),
    ("ion_oca.hg19.vcf", 37880220, "C", "PT004_IonXpress_079", 962, 0, 0.0, "FAO/FDP", 0.0),
    ("ion_oca.hg19.vcf", 37881064, "T", "PT004_IonXpress_079", 12, 0, 0.0, "FAO/FDP", 0.0),
    ("ion_oca.hg19.vcf.gz", 37880983, "CATACGTGATGGC", "PT004_IonXpress_079", 1480, 312, 312 / 1480, "FAO/FDP", 0.2108),
    ("dragen_tso500.hard-filtered.GRCh38.gvcf", 39724747, "T", "PT005_T", 1722, 212, 212 / 1722, "AD/DP", 0.123),
    ("haplotypecaller.g.GRCh37.vcf", 37880997, "GTCT", "PT006", 298, 58, 58 / 298, "AD/DP", None),
    ("haplotypecaller.g.GRCh37.vcf", 37880997, "<NON_REF>", "PT006", 298, 0, 0.0, "AD/DP", None),
    ("vep_annotated.GRCh38.vcf", 39723965, "G", "PT007_T", 495, 88, 88 / 495, "AD/DP", 0.181),
    # Multi-sample merge: absent samples and '.' inside AD give no support, not zero.
    ("multisample_tumours.GRCh37.vcf", 37880220, "C", "PT011_T", 228, 45, 45 / 228, "AD/DP", 0.201),
    ("multisample_tumours.GRCh37.vcf", 37880220, "C", "PT009_T", None, None, None, "none", None),
    ("multisample_tumours.GRCh37.vcf", 37880997, "GTCT", "PT009_T", None, None, None, "none", None),
    ("multisample_tumours.GRCh37.vcf", 37880997, "T", "PT009_T", 283, 30, 30 / 283, "AD/DP", 0.107),
    ("multisample_tumours.GRCh37.vcf", 37880997, "GTCT", "PT011_T", 180, 38, 38 / 180, "AD/DP", 0.208),
    ("multisample_tumours.GRCh37.bcf", 37880997, "T", "PT009_T", 283, 30, 30 / 283, "AD/DP", 0.107),
    ("multisample_tumours.GRCh37.bcf", 37881000, "T", "PT010_T", 575, 61, 61 / 575, "AD/DP", 0.104),
]


@pytest.mark.parametrize(
    "fixture,pos,alt,sample,depth,alt_reads,vaf,method,caller_af", FIXTURE_CASES,
    ids=[f"{c[0].split('.')[0]}-{c[1]}-{c[2][:6]}-{c[3]}" for c in FIXTURE_CASES],
)
def test_fixture_support(fixture, pos, alt, sample, depth, alt_reads, vaf, method, caller_af):
    header, rec, allele = find(FIXTURES / fixture, pos, alt)
    got = support.allele_support(header, rec, header.samples.index(sample), allele)
    assert (got.depth, got.alt_reads, got.method) == (depth, alt_reads, method)
    assert got.vaf == (None if vaf is None else pytest.approx(vaf, abs=1e-12))
    assert got.caller_af == (None if caller_af is None else pytest.approx(caller_af))


def test_mutect2_af_differs_from_ad_ratio_and_both_are_kept():
    header, rec, allele = find(FIXTURES / "mutect2_tumor_normal.GRCh38.vcf", 39711955, "T")
    got = support.allele_support(header, rec, header.samples.index("PT001_T"), allele)
    assert got.caller_af == pytest.approx(0.044)
    assert got.vaf == pytest.approx(44 / 1163)
    assert abs(got.vaf - got.caller_af) > 0.005


def test_strelka_tier1_not_tier2():
    header, rec, allele = find(FIXTURES / "strelka2_somatic.snvs.GRCh37.vcf", 37880220, "C")
    got = support.allele_support(header, rec, header.samples.index("TUMOR"), allele)
    # Tier 2 would give CU=66 of 251; tier 1 gives 61 of 239.
    assert (got.alt_reads, got.depth) == (61, 239)
    # Strelka's FORMAT/FDP (filtered base calls) must not be read as Ion's flow depth.
    assert "FDP" in rec.format_keys and got.method == "AU..TU"


def test_ion_multiallelic_rows_index_fao_per_allele():
    header, rec, _ = find(FIXTURES / "ion_oca.hg19.vcf", 37880997, "A")
    assert rec.alts == ["A", "T"] and rec.info["AF"] == "0,0"
    got = [support.allele_support(header, rec, 0, i) for i in (1, 2)]
    assert [(s.depth, s.alt_reads, s.vaf) for s in got] == [(1497, 0, 0.0), (1497, 0, 0.0)]
    assert not any(support.has_alt_support(s) for s in got)


def test_ion_hotspot_rows_are_mostly_reference_calls():
    reader = VcfReader(FIXTURES / "ion_oca.hg19.vcf")
    rows = [r for r in reader.records() if support.real_alts(r)]
    assert len(rows) > 2000
    homref = [r for r in rows if support.genotype(r, 0) == [0, 0]]
    assert len(homref) / len(rows) > 0.99
    supported = [
        r for r in rows for i, _ in support.real_alts(r)
        if support.has_alt_support(support.allele_support(reader.header, r, 0, i))
    ]
    assert [(r.chrom, r.pos) for r in supported] == [("chr17", 37880983)]


def test_indexed_and_bcf_copies_give_the_same_support():
    region = [Region("17", 37880000, 37882000)]
    out = {}
    for name in ("multisample_tumours.GRCh37.vcf", "multisample_tumours.GRCh37.bcf"):
        reader = VcfReader(FIXTURES / name)
        out[name] = [
            (r.pos, a, s, support.allele_support(reader.header, r, si, i))
            for r in reader.records(region) for i, a in support.real_alts(r)
            for si, s in enumerate(reader.header.samples)
        ]
    assert out["multisample_tumours.GRCh37.vcf"] == out["multisample_tumours.GRCh37.bcf"]
    assert len(out["multisample_tumours.GRCh37.vcf"]) == 15
    plain = VcfReader(FIXTURES / "mutect2_tumor_normal.GRCh38.vcf")
    indexed = VcfReader(FIXTURES / "mutect2_tumor_normal.GRCh38.vcf.gz")
    assert indexed.index is not None
    region38 = [Region("chr17", 39724700, 39724800)]
    a = [(r.pos, r.alts, r.sample_values) for r in plain.records(region38)]
    b = [(r.pos, r.alts, r.sample_values) for r in indexed.records(region38)]
    assert a == b and len(a) == 3


# -- rules no fixture carries, built inline ---------------------------------------------------------
HDR = """
    ##fileformat=VCFv4.2
    ##INFO=<ID=DP,Number=1,Type=Integer,Description="depth">
    ##INFO=<ID=DP4,Number=4,Type=Integer,Description="ref-fwd, ref-rev, alt-fwd, alt-rev">
    ##INFO=<ID=AF,Number=A,Type=Float,Description="allele frequency">
    ##INFO=<ID=AO,Number=A,Type=Integer,Description="alt observations">
    ##INFO=<ID=RO,Number=1,Type=Integer,Description="ref observations">
    ##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
    ##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
    ##FORMAT=<ID=ADX,Number=.,Type=Integer,Description="unused">
    ##FORMAT=<ID=DP,Number=1,Type=Integer,Description="depth">
    ##FORMAT=<ID=AO,Number=A,Type=Integer,Description="alt observations">
    ##FORMAT=<ID=RO,Number=1,Type=Integer,Description="ref observations">
    ##FORMAT=<ID=FA,Number=A,Type=Float,Description="Allele fraction (old MuTect)">
    ##FORMAT=<ID=AF,Number=A,Type=Float,Description="allele fraction">
    ##FORMAT=<ID=FAO,Number=A,Type=Integer,Description="flow alt">
    ##FORMAT=<ID=FDP,Number=1,Type=Integer,Description="flow depth">
    ##FORMAT=<ID=TIR,Number=2,Type=Integer,Description="indel reads">
    ##FORMAT=<ID=TAR,Number=2,Type=Integer,Description="other reads">
    #CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	S1
"""
SITES_HDR = "\n".join(textwrap.dedent(HDR).strip().splitlines()[:6]) + "\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"
VARSCAN_HDR = """
    ##fileformat=VCFv4.1
    ##source=VarScan2
    ##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
    ##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">
    ##FORMAT=<ID=RD,Number=1,Type=Integer,Description="Depth of reference-supporting bases (reads1)">
    ##FORMAT=<ID=AD,Number=1,Type=Integer,Description="Depth of variant-supporting bases (reads2)">
    ##FORMAT=<ID=DP4,Number=1,Type=String,Description="Strand read counts: ref/fwd, ref/rev, var/fwd, var/rev">
    #CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	TUMOR
"""

# (id, header, line, allele, expected Support)
INLINE_CASES = [
    ("ad-without-dp", HDR, "17\t100\t.\tG\tA\t.\tPASS\t.\tGT:AD\t0/1:70,30", 1,
     Support(100, 30, 0.3, "AD")),
    # Old GATK filtered DP but not AD: DP below sum(AD) would inflate VAF, so AD's sum is used.
    ("dp-below-ad-sum", HDR, "17\t100\t.\tG\tA\t.\tPASS\t.\tGT:AD:DP\t0/1:70,30:80", 1,
     Support(100, 30, 0.3, "AD")),
    ("ad-dp", HDR, "17\t100\t.\tG\tA,T\t.\tPASS\t.\tGT:AD:DP:AF\t0/2:70,5,25:110:0.05,0.2", 2,
     Support(110, 25, 25 / 110, "AD/DP", 0.2)),
    ("fao-fdp-info", HDR.replace("##FORMAT=<ID=FAO", "##INFO=<ID=FAO,Number=A,Type=Integer,Description=\"f\">\n    ##INFO=<ID=FDP,Number=1,Type=Integer,Description=\"f\">\n    ##FORMAT=<ID=FAO"),
     "17\t100\t.\tG\tA,T\t.\tPASS\tFAO=3,40;FDP=400\tGT\t0/2", 2, Support(400, 40, 0.1, "FAO/FDP")),
    # AD comes first in the table: a file with both AD and FAO/FDP is read by AD.
    ("ad-before-fao", HDR, "17\t100\t.\tG\tA\t.\tPASS\t.\tGT:AD:FAO:FDP\t0/1:80,20:25:100", 1,
     Support(100, 20, 0.2, "AD")),
    ("tir-tar", HDR, "17\t100\t.\tG\tGA\t.\tPASS\t.\tTAR:TIR\t90,95:10,12", 1,
     Support(100, 10, 0.1, "TIR/TAR")),
    ("ao-ro-freebayes", HDR, "17\t100\t.\tG\tA,T\t.\tPASS\t.\tGT:DP:RO:AO\t0/1:100:60:30,10", 1,
     Support(100, 30, 0.3, "AO/RO")),
    ("fa-old-mutect", HDR, "17\t100\t.\tG\tA\t.\tPASS\t.\tGT:FA:DP\t0/1:0.25:200", 1,
     Support(200, 50, 0.25, "FA")),
    ("dp4-info-bcftools", SITES_HDR, "17\t100\t.\tG\tA\t50\tPASS\tDP=100;DP4=40,40,10,10", 1,
     Support(100, 20, 0.2, "DP4")),
    # VarScan's AD is the alt count only (Number=1): not per allele, so DP4 is used instead.
    ("dp4-format-varscan", VARSCAN_HDR, "17\t100\t.\tG\tA\t.\tPASS\t.\tGT:DP:RD:AD:DP4\t0/1:100:75:25:40,35,12,13", 1,
     Support(100, 25, 0.25, "DP4")),
    ("af-format-last-resort", HDR, "17\t100\t.\tG\tA\t.\tPASS\t.\tGT:AF:DP\t0/1:0.12:300", 1,
     Support(300, None, 0.12, "AF", 0.12)),
    ("af-info-sites-only", SITES_HDR, "17\t100\t.\tG\tA,C\t50\tPASS\tDP=80;AF=0.1,0.3", 2,
     Support(80, None, 0.3, "AF", 0.3)),
    ("gt-only", HDR, "17\t100\t.\tG\tA\t.\tPASS\t.\tGT\t0/1", 1, Support(None, None, None, "none")),
    ("ad-missing", HDR, "17\t100\t.\tG\tA\t.\tPASS\tDP=50;AF=0.5\tGT:AD\t0/1:.", 1,
     Support(None, None, None, "none")),
    ("ao-missing", HDR, "17\t100\t.\tG\tA\t.\tPASS\t.\tGT:RO:AO\t0/1:30:.", 1,
     Support(None, None, None, "none")),
]


@pytest.mark.parametrize("hdr,line,allele,expected", [c[1:] for c in INLINE_CASES],
                         ids=[c[0] for c in INLINE_CASES])
def test_inline_support(hdr, line, allele, expected):
    header, rec = inline(hdr, line)
    got = support.allele_support(header, rec, 0, allele)
    assert (got.depth, got.alt_reads, got.method) == (expected.depth, expected.alt_reads, expected.method)
    assert got.vaf == (None if expected.vaf is None else pytest.approx(expected.vaf))
    assert got.caller_af == (None if expected.caller_af is None else pytest.approx(expected.caller_af))


def test_every_method_has_a_case():
    covered = ({c[7] for c in FIXTURE_CASES} | {c[4].method for c in INLINE_CASES}
               | {c[7] for c in DIALECT_CASES} | {c[4].method for c in PCGR_CASES})
    assert covered == ALL_METHODS


@pytest.mark.parametrize("line,field", [
    ("17\t100\t.\tG\tA\t.\tPASS\t.\tGT:AD\t0/1:70,x3", "FORMAT/AD of sample S1"),
    ("17\t100\t.\tG\tA\t.\tPASS\t.\tGT:AD:DP\t0/1:70,30:1e3", "FORMAT/DP of sample S1"),
    ("17\t100\t.\tG\tA\t.\tPASS\t.\tGT:FAO:FDP\t0/1:-4:100", "FORMAT/FAO of sample S1"),
    ("17\t100\t.\tG\tGA\t.\tPASS\t.\tTAR:TIR\t90,95:ten,12", "FORMAT/TIR of sample S1"),
    ("17\t100\t.\tG\tA\t.\tPASS\t.\tGT:AF:DP\t0/1:nan:100", "FORMAT/AF of sample S1"),
    ("17\t100\t.\tG\tA,T\t.\tPASS\t.\tGT:AD\t0/1:70,30", "FORMAT/AD of sample S1"),
    ("17\t100\t.\tG\tA,T\t.\tPASS\t.\tGT:DP:RO:AO\t0/1:100:60:30", "FORMAT/AO of sample S1"),
])
def test_malformed_numbers_name_the_record_and_field(line, field):
    header, rec = inline(HDR, line)
    with pytest.raises(InputError) as err:
        for allele in range(1, len(rec.alts) + 1):
            support.allele_support(header, rec, 0, allele)
    assert str(err.value).startswith(f"{rec.where}:")
    assert field in str(err.value)


def test_allele_index_out_of_range_is_a_programming_error():
    header, rec = inline(HDR, "17\t100\t.\tG\tA\t.\tPASS\t.\tGT:AD\t0/1:70,30")
    with pytest.raises(ValueError):
        support.allele_support(header, rec, 0, 2)
    with pytest.raises(ValueError):
        support.allele_support(header, rec, 0, 0)


# -- genotypes, alleles, blocks --------------------------------------------------------------------
@pytest.mark.parametrize("alt,fmt_,value,expected", [
    ("A,T", "GT", "0/1/2", [0, 1, 2]),
    ("A", "GT", "./.", [None, None]),
    ("A", "GT", "0|1", [0, 1]),
    ("A", "GT", "1", [1]),
    ("A", "GT", ".", [None]),
    ("A", "GT:AD", "./1:3,4", [None, 1]),
    ("A", "AD", "3,4", []),
    (".", "GT", "0/0", [0, 0]),
])
def test_genotype(alt, fmt_, value, expected):
    header, rec = inline(HDR, f"17\t100\t.\tG\t{alt}\t.\tPASS\t.\t{fmt_}\t{value}")
    assert support.genotype(rec, 0) == expected


@pytest.mark.parametrize("value", ["0/3", "0/a", "0/-1"])
def test_bad_genotype_names_the_record(value):
    header, rec = inline(HDR, f"17\t100\t.\tG\tA,T\t.\tPASS\t.\tGT\t{value}")
    with pytest.raises(InputError, match=r"^inline\.vcf:\d+: FORMAT/GT"):
        support.genotype(rec, 0)


@pytest.mark.parametrize("s,expected", [
    (Support(100, 5, 0.05, "AD"), True),
    (Support(100, 0, 0.0, "AD"), False),
    (Support(100, 0, 0.01, "FA"), False),  # counted reads win over a fraction
    (Support(100, None, 0.12, "AF"), True),
    (Support(100, None, 0.0, "AF"), False),
    (Support(None, None, None, "none"), False),
])
def test_has_alt_support(s, expected):
    assert support.has_alt_support(s) is expected


@pytest.mark.parametrize("alt,block,real", [
    (".", True, []),
    ("<NON_REF>", True, []),
    ("<*>", True, []),
    ("GTCT,<NON_REF>", False, [(1, "GTCT")]),
    ("<NON_REF>,A", False, [(2, "A")]),  # <NON_REF> can come first (GLnexus#322)
    ("A,*", False, [(1, "A")]),
    ("<CNV>", False, []),
    ("<DUP:TANDEM>", False, []),
    ("G[17:37880000[", False, []),
    ("A,T", False, [(1, "A"), (2, "T")]),
])
def test_reference_blocks_and_real_alts(alt, block, real):
    header, rec = inline(HDR, f"17\t100\t.\tG\t{alt}\t.\tPASS\t.\tGT\t0/0")
    assert support.is_reference_block(rec) is block
    assert support.real_alts(rec) == real


@pytest.mark.parametrize("fixture,blocks,depths", [
    ("dragen_tso500.hard-filtered.GRCh38.gvcf", 4, [1840, 1720, 640, 1210]),
    ("haplotypecaller.g.GRCh37.vcf", 3, [312, 305, 14]),
])
def test_reference_blocks_in_gvcfs_carry_depth(fixture, blocks, depths):
    reader = VcfReader(FIXTURES / fixture)
    recs = list(reader.records())
    found = [r for r in recs if support.is_reference_block(r)]
    assert len(found) == blocks
    assert [support.site_depth(reader.header, r, 0) for r in found] == depths
    assert all(r.end > r.pos for r in found)
    # Every variant record has exactly one real ALT; blocks have none.
    assert all(len(support.real_alts(r)) == 1 for r in recs if r not in found)


def test_low_depth_block_is_visible_with_its_filter():
    reader = VcfReader(FIXTURES / "dragen_tso500.hard-filtered.GRCh38.gvcf")
    low = [r for r in reader.records() if "low_depth" in r.filters]
    assert [(r.pos, r.end, support.site_depth(reader.header, r, 0)) for r in low] == [
        (39724850, 39724911, 640)
    ]


def test_vaf_is_finite_for_zero_depth():
    header, rec = inline(HDR, "17\t100\t.\tG\tA\t.\tPASS\t.\tGT:AD:DP\t0/0:0,0:0")
    got = support.allele_support(header, rec, 0, 1)
    assert got.depth == 0 and got.alt_reads == 0 and got.vaf is None
    assert not support.has_alt_support(got)
    assert got.vaf is None or math.isfinite(got.vaf)


# -- PCGR's tags, and callers' own read counts in fixtures written as the tools write them ---------------
DIALECTS = FIXTURES.parent / "vcf_dialects"
# (fixture, pos, alt, sample (None: sites-only), depth, alt_reads, vaf, method, caller_af)
DIALECT_CASES = [
    # PCGR's example input: FORMAT ADT ("ref,alt", a String) with DPT; INFO TVAF/TDP say the same.
    ("pcgr_tumor_control.grch38.vcf", 39711955, "T", 0, 120, 30, 0.25, "ADT/DPT", None),
    ("pcgr_tumor_control.grch38.vcf", 39724747, "T", 0, 15, 3, 0.2, "ADT/DPT", None),
    # PCGR's output: no sample columns, the tumour's INFO tags; CVAF/CDP (the control) never read.
    ("pcgr_output.grch37.vcf", 37880220, "C", None, 210, 38, 0.18, "TVAF/TDP", None),
    ("pcgr_output.grch37.vcf", 37881000, "T", None, 400, 5, 0.012, "TVAF/TDP", None),
    # RADIA: AD declared Number=. but per allele, REF first; FORMAT AF (REF first too) is not the caller's AF.
    ("radia_dna_rna.GRCh37.vcf", 37880220, "C", 1, 160, 40, 0.25, "AD/DP", None),
    ("radia_dna_rna.GRCh37.vcf", 37880220, "C", 0, 150, 0, 0.0, "AD/DP", None),
    # TVC variant-only output: flow counts; a 0/2 row's first allele has FAO 0.
    ("ion_tvc_variants_only.hg19.vcf", 37870000, "CTTTTTTTAAAAT", 0, 398, 108, 108 / 398, "FAO/FDP", 0.271357),
    ("ion_tvc_variants_only.hg19.vcf", 37870000, "CTTTTTTAAAAAAT", 0, 398, 0, 0.0, "FAO/FDP", 0.0),
]


@pytest.mark.parametrize("fixture,pos,alt,sample,depth,alt_reads,vaf,method,caller_af", DIALECT_CASES,
                         ids=[f"{c[0].split('.')[0]}-{c[1]}-{c[2][:6]}-{c[3]}" for c in DIALECT_CASES])
def test_dialect_fixture_support(fixture, pos, alt, sample, depth, alt_reads, vaf, method, caller_af):
    header, rec, allele = find(DIALECTS / fixture, pos, alt)
    got = support.allele_support(header, rec, -1 if sample is None else sample, allele)
    assert (got.depth, got.alt_reads, got.method) == (depth, alt_reads, method)
    assert got.vaf == pytest.approx(vaf, abs=1e-12)
    assert got.caller_af == (None if caller_af is None else pytest.approx(caller_af))


PCGR_HDR = """
    ##fileformat=VCFv4.2
    ##INFO=<ID=TVAF,Number=.,Type=Float,Description="Allelic fraction of alternative allele in tumor">
    ##INFO=<ID=TDP,Number=.,Type=Integer,Description="Read depth across variant site in tumor">
    ##INFO=<ID=CVAF,Number=.,Type=Float,Description="Allelic fraction of alternative allele in control">
    ##INFO=<ID=CDP,Number=.,Type=Integer,Description="Read depth across variant site in control">
    ##INFO=<ID=DPT,Number=1,Type=Integer,Description="Sequencing depth at variant position (tumor)">
    ##INFO=<ID=ADT,Number=.,Type=String,Description="Allelic depths for the ref and alt alleles (tumor)">
    ##INFO=<ID=AF,Number=A,Type=Float,Description="allele frequency">
    #CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO
"""
PCGR_CASES = [
    ("tvaf-tdp", PCGR_HDR, "17\t100\t.\tG\tA\t.\tPASS\tTVAF=0.0980392156863;TDP=51", 1,
     Support(51, 5, 0.0980392156863, "TVAF/TDP")),
    # The control's tags are the normal's: a file with only them gives no tumour support.
    ("control-only", PCGR_HDR, "17\t100\t.\tG\tA\t.\tPASS\tCVAF=0.5;CDP=80", 1, Support(None, None, None, "none")),
    ("tvaf-without-tdp", PCGR_HDR, "17\t100\t.\tG\tA\t.\tPASS\tTVAF=0.3;CVAF=0", 1, Support(None, None, 0.3, "TVAF")),
    # TVAF wins over a pooled AF written beside it.
    ("tvaf-before-af", PCGR_HDR, "17\t100\t.\tG\tA\t.\tPASS\tAF=0.5;TVAF=0.12;TDP=300", 1,
     Support(300, 36, 0.12, "TVAF/TDP")),
    # PCGR's own flattening writes the tumour's allelic depths into INFO (sites-only).
    ("adt-info-flattened", PCGR_HDR, "17\t100\t.\tG\tA\t.\tPASS\tDPT=144;ADT=112,32;TVAF=0.222", 1,
     Support(144, 32, 32 / 144, "ADT/DPT")),
    ("adt-without-dpt", PCGR_HDR, "17\t100\t.\tG\tA\t.\tPASS\tADT=90,10", 1, Support(100, 10, 0.1, "ADT")),
]


@pytest.mark.parametrize("hdr,line,allele,expected", [c[1:] for c in PCGR_CASES], ids=[c[0] for c in PCGR_CASES])
def test_pcgr_support(hdr, line, allele, expected):
    header, rec = inline(hdr, line)
    got = support.allele_support(header, rec, -1, allele)
    assert (got.depth, got.alt_reads, got.method) == (expected.depth, expected.alt_reads, expected.method)
    assert got.vaf == (None if expected.vaf is None else pytest.approx(expected.vaf))


@pytest.mark.parametrize("line,field", [
    ("17\t100\t.\tG\tA\t.\tPASS\tTVAF=1.7;TDP=51", "INFO/TVAF"),  # a percentage, not a fraction
    ("17\t100\t.\tG\tA,T\t.\tPASS\tTVAF=0.2;TDP=51", "INFO/TVAF"),  # not decomposed
    ("17\t100\t.\tG\tA\t.\tPASS\tADT=90;DPT=100", "INFO/ADT"),  # the REF count missing
    ("17\t100\t.\tG\tA\t.\tPASS\tTVAF=0.2;TDP=-1", "INFO/TDP"),
])
def test_malformed_pcgr_tags_name_the_record_and_field(line, field):
    header, rec = inline(PCGR_HDR, line)
    with pytest.raises(InputError) as err:
        for allele in range(1, len(rec.alts) + 1):
            support.allele_support(header, rec, -1, allele)
    assert str(err.value).startswith(f"{rec.where}:") and field in str(err.value)


def test_pcgr_tvaf_is_not_read_for_one_column_of_several():
    """TVAF is the tumour's; in a file with a normal column too it is not that column's value."""
    hdr = PCGR_HDR.replace("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
                           "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
                           "    #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tN\tT")
    header, rec = inline(hdr, "17\t100\t.\tG\tA\t.\tPASS\tTVAF=0.3;TDP=100\tGT\t0/0\t0/1")
    assert [support.allele_support(header, rec, i, 1).method for i in (0, 1)] == ["none", "none"]


def test_reference_rows():
    """A row is a panel's reference row when the sample carries no ALT: 0/0 or ./. without reads."""
    header, rec, _ = find(DIALECTS / "ion_tvc_variants_only.hg19.vcf", 37870000, "CTTTTTTTAAAAT")
    assert support.genotype(rec, 0) == [0, 2] and not support.is_reference_row(header, rec, 0)
    for gt, fao, expected in (("0/0", "0", True), ("./.", "0", True), ("./.", "12", False), ("0/1", "0", False)):
        h, r = inline(HDR, f"17\t100\t.\tG\tA\t.\tPASS\t.\tGT:FAO:FDP\t{gt}:{fao}:500")
        assert support.is_reference_row(h, r, 0) is expected, gt
    h, r = inline(SITES_HDR, "17\t100\t.\tG\tA\t50\tPASS\tDP=80")
    assert not support.is_reference_row(h, r, -1)  # sites-only: no genotype, says nothing
