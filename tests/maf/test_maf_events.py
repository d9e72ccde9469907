"""A MAF row as a VCF-style event: the build from NCBI_Build, the allele, the padding base of
indels, read support from t_depth/t_ref_count/t_alt_count, FILTER and the matched normal."""

from __future__ import annotations

import pytest

from her2var.errors import InputError, UsageError
from her2var.maf.events import (
    alleles,
    build_name,
    check_one_build,
    filters,
    has_matched_normal,
    maf_build,
    read_support,
    vcf_form,
)
from her2var.maf.reader import MafHeader, MafRow


def make_row(start: int, end: int | None, **cells: str) -> MafRow:
    names = list(cells)
    header = MafHeader(path="t.maf", columns=tuple(names), index={n.lower(): i for i, n in enumerate(names)}, line=1,
                       dialect="maf", compressed=False)
    return MafRow(header=header, line=7, cells=list(cells.values()), chrom="17", key="17", start=start, end=end)


# -- build ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "build"), [("GRCh37", "GRCh37"), ("37", "GRCh37"), ("hg19", "GRCh37"),
                                               ("GRCh38", "GRCh38"), ("38", "GRCh38"), ("hg38", "GRCh38"),
                                               ("grch38", "GRCh38"), ("", None), ("NA", None)])
def test_build_names(rules, value, build):
    assert build_name(value, rules.builds, "t.maf:2") == build


@pytest.mark.parametrize(("value", "needle"), [("36", "NCBI36/hg18, which her2var does not read"),
                                                ("hg18", "NCBI36/hg18"), ("GRCm38", "not a genome build her2var knows")])
def test_unreadable_builds(rules, value, needle):
    with pytest.raises(InputError, match="t.maf:2: NCBI_Build") as exc:
        build_name(value, rules.builds, "t.maf:2")
    assert needle in str(exc.value)


def test_maf_build_and_override(rules, caplog):
    assert maf_build("t.maf", ("37", 3), rules.builds, None) == ("GRCh37", "NCBI_Build 37 (line 3)")
    assert maf_build("t.maf", ("GRCh38", 3), rules.builds, "GRCh38")[0] == "GRCh38"
    build, evidence = maf_build("t.maf", ("GRCh37", 3), rules.builds, "GRCh38")  # vcf2maf's default, overridden
    assert build == "GRCh38" and "NCBI_Build GRCh37 on line 3 overridden" in evidence
    assert "overrides NCBI_Build" in caplog.text
    with pytest.raises(InputError, match="cannot tell the genome build"):
        maf_build("t.maf", None, rules.builds, None)
    with pytest.raises(UsageError, match="unknown build"):
        maf_build("t.maf", None, rules.builds, "hg17")


def test_one_build_per_file(rules):
    check_one_build("t.maf", {"GRCh37": 2, "37": 9, "": 10}, rules.builds)
    with pytest.raises(InputError, match=r"more than one genome build \(GRCh37 on line 2; GRCh38 on line 40\)"):
        check_one_build("t.maf", {"GRCh37": 2, "GRCh38": 40}, rules.builds)


# -- alleles and padding --------------------------------------------------------------------------------
BASES = {37880981: "A", 37880218: "G", 37880994: "G"}  # what the reference says there (a stub)


def base_at(pos: int) -> str | None:
    return BASES.get(pos)


@pytest.mark.parametrize(("start", "end", "ref", "a1", "a2", "form"), [
    # MAF insertion: Start = the base before, End = Start + 1
    (37880981, 37880982, "-", "-", "GCATACGTGATG", (37880981, "A", "AGCATACGTGATG")),
    # VEP's convention (Start = End + 1) and an End equal to Start name the same base before
    (37880982, 37880981, "-", "", "GCATACGTGATG", (37880981, "A", "AGCATACGTGATG")),
    (37880981, 37880981, "-", "", "GCATACGTGATG", (37880981, "A", "AGCATACGTGATG")),
    # deletion: Start = the first base deleted, the padding base before it
    (37880219, 37880233, "TTGAGGGAAAACACA", "TTGAGGGAAAACACA", "-", (37880218, "GTTGAGGGAAAACACA", "G")),
    # substitution; the variant in Allele1 when Allele2 repeats the reference
    (37881000, 37881000, "G", "G", "T", (37881000, "G", "T")),
    (37881000, 37881000, "G", "T", "G", (37881000, "G", "T")),
    # a padding base the reference does not have: N (naming then trims it)
    (37870001, 37870002, "-", "-", "ACG", (37870001, "N", "NACG")),
])
def test_vcf_form(start, end, ref, a1, a2, form):
    row = make_row(start, end, Reference_Allele=ref, Tumor_Seq_Allele1=a1, Tumor_Seq_Allele2=a2)
    r, a = alleles(row)
    assert vcf_form(row, r, a, base_at) == form


@pytest.mark.parametrize(("start", "end", "ref", "a2", "needle"), [
    (37880981, 37880990, "-", "ACG", "must have End_Position = Start_Position + 1; found 37880981 to 37880990"),
    (37880219, 37880220, "TTGAG", "-", "End_Position 37880220 does not fit Start_Position 37880219 and the 5-base"),
    (37881000, 37881000, "-", "-", "are both '-'"),
])
def test_inconsistent_positions_are_errors(start, end, ref, a2, needle):
    row = make_row(start, end, Reference_Allele=ref, Tumor_Seq_Allele2=a2)
    with pytest.raises(InputError, match="t.maf:7: ") as exc:
        vcf_form(row, *alleles(row), base_at)
    assert needle in str(exc.value)


def test_allele1_is_checked_when_used():
    row = make_row(37881000, 37881000, Reference_Allele="G", Tumor_Seq_Allele1="X", Tumor_Seq_Allele2="G")
    with pytest.raises(InputError, match=r"column 2 \(Tumor_Seq_Allele1\) 'X' is not an allele"):
        alleles(row)


# -- read support ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("depth", "ref_n", "alt_n", "want"), [
    ("200", "150", "50", (200, 50, 0.25, "t_alt_count/t_depth")),
    ("", "150", "50", (200, 50, 0.25, "t_alt_count/(t_ref_count+t_alt_count)")),
    ("NA", "150", "50", (200, 50, 0.25, "t_alt_count/(t_ref_count+t_alt_count)")),
    ("54", ".", "21", (54, 21, 21 / 54, "t_alt_count/t_depth")),  # vcf2maf: '.' when unknown
    ("0", "", "", (None, None, None, "none")),  # cBioPortal study files: 0 for not recorded
    ("0", "0", "0", (None, None, None, "none")),
    ("100.0", "80.0", "20.0", (100, 20, 0.2, "t_alt_count/t_depth")),  # a data frame with NA wrote floats
    ("", "", "7", (None, 7, None, "t_alt_count")),
])
def test_read_support(depth, ref_n, alt_n, want):
    s = read_support(make_row(1, 1, t_depth=depth, t_ref_count=ref_n, t_alt_count=alt_n))
    assert (s.depth, s.alt_reads, s.vaf, s.method) == want


def test_read_support_without_count_columns():
    s = read_support(make_row(1, 1, Reference_Allele="G"))
    assert (s.depth, s.alt_reads, s.vaf) == (None, None, None)


@pytest.mark.parametrize(("cells", "needle"), [
    ({"t_depth": "40", "t_alt_count": "50"}, "t_alt_count 50 is more than the depth 40 (t_depth)"),
    ({"t_depth": "", "t_ref_count": "x", "t_alt_count": "5"}, "column 2 (t_ref_count) 'x' is not a read count"),
    ({"t_depth": "-3", "t_alt_count": "5"}, "column 1 (t_depth) '-3' is not a read count"),
])
def test_bad_counts(cells, needle):
    with pytest.raises(InputError, match="t.maf:7: ") as exc:
        read_support(make_row(1, 1, **cells))
    assert needle in str(exc.value)


@pytest.mark.parametrize(("raw", "want"), [("PASS", ["PASS"]), (".", []), ("", []), ("wga,common_in_exac",
                                           ["wga", "common_in_exac"]), ("PASS;common_variant", ["PASS", "common_variant"])])
def test_filters(raw, want):
    assert filters(make_row(1, 1, FILTER=raw)) == want


@pytest.mark.parametrize(("cells", "matched"), [
    ({"Matched_Norm_Sample_Barcode": "TCGA-05-4001-10A-01D-A000-08"}, True),
    ({"Matched_Norm_Sample_Barcode": "NORMAL", "n_depth": "0", "n_ref_count": "."}, False),  # vcf2maf's default id
    ({"Matched_Norm_Sample_Barcode": "NORMAL", "n_depth": "180"}, True),
    ({"Matched_Norm_Sample_Barcode": ""}, False),
])
def test_matched_normal(cells, matched):
    assert has_matched_normal(make_row(1, 1, **cells)) is matched
