"""Kinase fusions: a table of breakend cases per naming rule (both builds, chr and no chr), mates
counted once or reported alone, Ion Reporter records, Arriba and STAR-Fusion tables, strict
fusion rules, and errors a person can act on."""

from __future__ import annotations

import gzip
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from her2var.errors import InputError, RulesError
from her2var.fusions.from_vcf import fusions_from_vcf, is_fusion_record, parse_breakend
from her2var.fusions.model import NAMING_RULES, fusion_to_call, merge_fusions
from her2var.fusions.tables import read_fusion_file
from her2var.genome.builds import contig_names
from her2var.models import Region
from her2var.rules.fusions import fusion_regions, load_fusion_rules
from her2var.vcf.reader import VcfReader, parse_header_lines, parse_record, validate

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "fixtures" / "fusions"
BUILDS = ("GRCh37", "GRCh38")


@pytest.fixture(scope="module")
def frules():
    return load_fusion_rules()


# -- in-memory VCFs -----------------------------------------------------------------------------
HEADER = [
    "##fileformat=VCFv4.2",
    '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
    '##INFO=<ID=MATEID,Number=.,Type=String,Description="ID of mate breakend">',
    '##INFO=<ID=EVENT,Number=1,Type=String,Description="Event">',
    '##INFO=<ID=RNA_FIRST,Number=0,Type=Flag,Description="5\' breakend">',
    '##INFO=<ID=CHR2,Number=1,Type=String,Description="Mate chromosome">',
    '##INFO=<ID=POS2,Number=1,Type=Integer,Description="Mate position">',
    '##INFO=<ID=READ_COUNT,Number=1,Type=Integer,Description="Ion reads">',
    '##INFO=<ID=GENE_NAME,Number=.,Type=String,Description="Ion gene">',
    '##FORMAT=<ID=PR,Number=R,Type=Integer,Description="Spanning pairs">',
    '##FORMAT=<ID=SR,Number=R,Type=Integer,Description="Split reads">',
]


def vcf(rows: list[str], samples: tuple[str, ...] = ("TUMOUR",)):
    cols = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO" + ("\tFORMAT\t" + "\t".join(samples) if samples else "")
    header = parse_header_lines([*HEADER, cols], "mem.vcf")
    start = len(HEADER) + 2
    recs = [parse_record(r, "mem.vcf", start + i, len(samples)) for i, r in enumerate(rows)]
    for r in recs:
        validate(r, header)
    return header, recs


# The four breakend forms of VCF 4.2 section 5.4, by (kept side at POS, kept side at the mate).
FORMS = {("left", "right"): "t[p[", ("left", "left"): "t]p]", ("right", "left"): "]p]t", ("right", "right"): "[p[t"}
# Which side of a breakend a gene keeps when it is the 5' or the 3' partner of the product.
KEPT = {("+", "5'"): "left", ("+", "3'"): "right", ("-", "5'"): "right", ("-", "3'"): "left"}


def alt(kept: str, mate: tuple[str, int], mate_kept: str, base: str = "N") -> str:
    form = FORMS[(kept, mate_kept)]
    return form.replace("t", base).replace("p", f"{mate[0]}:{mate[1]}")


def bnd(chrom, pos, rid, alt_, *, mate=None, filt="PASS", fmt="PR:SR\t10,6:12,9", extra=""):
    info = "SVTYPE=BND" + (f";MATEID={mate}" if mate else "") + extra
    return f"{chrom}\t{pos}\t{rid}\tN\t{alt_}\t.\t{filt}\t{info}" + (f"\t{fmt}" if fmt else "")


def pair(a: tuple[str, int, str], b: tuple[str, int, str], *, event="1", **kw) -> list[str]:
    """Both mate records of the junction a = (chrom, pos, kept side) :: b."""
    ida, idb = f"bnd{event}_a", f"bnd{event}_b"
    return [bnd(a[0], a[1], ida, alt(a[2], (b[0], b[1]), b[2]), mate=idb, **kw),
            bnd(b[0], b[1], idb, alt(b[2], (a[0], a[1]), a[2]), mate=ida, **kw)]


# -- the table of breakend cases ----------------------------------------------------------------
def spot(frules, gene: str, build: str) -> int:
    """A breakpoint in the gene: the middle of its first breakpoint intron, else of its span."""
    g = frules.genes[gene]
    lo, hi = g.introns[0].spans[build] if g.introns else (g.builds[build].start, g.builds[build].end)
    return (lo + hi) // 2


@dataclass(frozen=True)
class Case:
    naming: str
    kinase: str
    partner: str | None  # None: the mate is in no gene (22:30,000,000)
    k_role: str  # role the kinase end keeps: decides its kept side from its strand
    p_role: str  # for an unknown partner: the kept side itself ("left"/"right")
    name: str
    five: str | None
    three: str | None

    def ids(self) -> str:
        return f"{self.naming}-{self.name.replace(' ', '_')}"


def _cases() -> list[Case]:
    rules = load_fusion_rules()
    out = []
    for g in rules.genes.values():
        for k in g.partner_of:
            out.append(Case("partner_kinase", k, g.symbol, "3'", "5'", f"{g.symbol}-{k}", g.symbol, k))
    for k in rules.kinases:
        out.append(Case("unknown_partner", k, None, "3'", "left", f"{k} fusion (partner {{p}})", None, k))
    out += [
        Case("reciprocal", "ALK", "EML4", "5'", "3'", "ALK-EML4", "ALK", "EML4"),
        Case("reciprocal", "RET", "KIF5B", "5'", "3'", "RET-KIF5B", "RET", "KIF5B"),
        Case("intragenic", "ALK", "ALK", "3'", "5'", "ALK intragenic rearrangement", "ALK", "ALK"),
        Case("intragenic", "NTRK3", "NTRK3", "3'", "3'", "NTRK3 intragenic rearrangement", "NTRK3", "NTRK3"),
        Case("rearrangement", "ALK", "EML4", "5'", "5'", "ALK rearrangement (partner EML4)", None, None),
        Case("rearrangement", "ROS1", "CD74", "3'", "3'", "ROS1 rearrangement (partner CD74)", None, None),
        Case("rearrangement", "RET", None, "5'", "right", "RET rearrangement (partner {p})", None, None),
    ]
    return out


CASES = _cases()


def test_every_naming_rule_has_a_case():
    assert {c.naming for c in CASES} == set(NAMING_RULES)


def test_every_kinase_and_known_partner_has_a_case(frules):
    assert {c.kinase for c in CASES} == set(frules.kinases)
    partners = {s for s, g in frules.genes.items() if g.role == "partner"}
    assert partners <= {c.partner for c in CASES if c.naming == "partner_kinase"}


def case_records(frules, case: Case, build: str, pre: str, mates: str):
    kg = frules.genes[case.kinase]
    kpos = spot(frules, case.kinase, build)
    k_end = (pre + kg.builds[build].chrom, kpos, KEPT[(kg.strand, case.k_role)])
    if case.partner is None:
        p_end = (pre + "22", 30_000_000, case.p_role)
    elif case.partner == case.kinase:
        p_end = (pre + kg.builds[build].chrom, kpos + 5000, KEPT[(kg.strand, case.p_role)])
    else:
        pg = frules.genes[case.partner]
        p_end = (pre + pg.builds[build].chrom, spot(frules, case.partner, build), KEPT[(pg.strand, case.p_role)])
    both = pair(k_end, p_end)
    rows = {"both": both, "kinase-only": both[:1], "partner-only": both[1:]}[mates]
    return k_end, p_end, rows


# A lone record in no known gene is not a case: classify reads only the fusion genes' regions.
CASE_MATES = [pytest.param(c, m, id=f"{c.ids()}-{m}") for c in CASES
              for m in ("both", "kinase-only", "partner-only") if not (m == "partner-only" and c.partner is None)]


@pytest.mark.parametrize("pre", ["", "chr"], ids=["no-chr", "chr"])
@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("case, mates", CASE_MATES)
def test_breakend_naming(frules, case, build, pre, mates):
    k_end, p_end, rows = case_records(frules, case, build, pre, mates)
    header, recs = vcf(rows)
    dropped = Counter()
    found = fusions_from_vcf(header, recs, sample_index=0, sample="T", build=build, rules=frules, dropped=dropped)
    assert len(found) == 1, found
    f = found[0]
    loc = f"{p_end[0]}:{p_end[1]}"
    assert (f.naming, f.name, f.kinase) == (case.naming, case.name.format(p=loc), case.kinase)
    assert f.partner == case.partner
    if case.five or case.three:
        assert (f.five_prime, f.three_prime) == (case.five, case.three)
    if case.naming != "intragenic":
        assert f.kinase_breakpoint == k_end[:2] and f.partner_breakpoint == p_end[:2]
    assert f.support == {"SR": 9, "PR": 6} and f.reads == 15 and f.source == "vcf-bnd"
    missing = [n for n in f.notes if "is not in the file" in n]
    assert len(missing) == (0 if mates == "both" else 1)
    if case.naming == "partner_kinase":
        # the breakpoint sits in the listed intron of both genes; the note says so
        assert f"in {case.kinase} {frules.genes[case.kinase].introns[0].name}" in f.notes[0] \
            or not frules.genes[case.kinase].introns
        assert f.notes[0].startswith(f"5' {case.partner} {p_end[0]}:{p_end[1]}")
    assert not dropped


# Real GRCh38 breakend records (chrovis/varity fusion_test.clj, FACTS S30), one record each.
@pytest.mark.parametrize("row, name, kbp, intron", [
    ("chr2\t29223826\t.\tG\tG]chr2:42299120]\t.\tPASS\tSVTYPE=BND", "EML4-ALK", ("chr2", 29223826),
     "in ALK intron 19"),
    ("chr10\t32027449\t.\tA\t[chr10:43115670[A\t.\tPASS\tSVTYPE=BND", "KIF5B-RET", ("chr10", 43115670),
     "in RET intron 11"),
], ids=["EML4-ALK", "KIF5B-RET"])
def test_real_breakend_records(frules, row, name, kbp, intron):
    header, recs = vcf([row], samples=())
    [f] = fusions_from_vcf(header, recs, sample_index=-1, sample="S", build="GRCh38", rules=frules)
    assert (f.name, f.kinase_breakpoint) == (name, kbp)
    assert intron in f.notes[0]
    assert any("the mate breakend (no MATEID) is not in the file" in n for n in f.notes)


@pytest.mark.parametrize("alt_, expected", [
    ("G[chr2:100[", ("left", "chr2", 100, "right")),
    ("G]2:100]", ("left", "2", 100, "left")),
    ("]chr2:100]G", ("right", "chr2", 100, "left")),
    ("[HLA-A*01:01:100[G", ("right", "HLA-A*01:01", 100, "right")),
    ("G.", ("left", None, None, None)),
    (".G", ("right", None, None, None)),
    ("G", None), ("<DEL>", None), ("G[chr2:100]", None), ("G[chr2:100[G", None), ("[chr2:x[G", None),
])
def test_parse_breakend(alt_, expected):
    assert parse_breakend(alt_) == expected


# -- mates, duplicates, filters ----------------------------------------------------------------
EML4_ALK_38 = pair(("chr2", 29223826, "left"), ("chr2", 42299120, "left"))


def test_both_mates_and_repeated_records_count_once(frules):
    header, recs = vcf(EML4_ALK_38 + EML4_ALK_38[::-1])
    dropped = Counter()
    found = fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh38", rules=frules,
                             dropped=dropped)
    assert [f.name for f in found] == ["EML4-ALK"] and not dropped
    assert found[0].caller_name == "bnd1_a" and found[0].line == len(HEADER) + 2


def test_missing_mate_outside_regions_read_is_not_news(frules):
    header, recs = vcf(EML4_ALK_38[:1])
    alk_only = [Region("chr2", 29192774, 29921566, "ALK")]
    [f] = fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh38", rules=frules,
                           regions_read=alk_only)
    assert not any("is not in the file" in n for n in f.notes)
    [f] = fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh38", rules=frules)
    assert "breakend mate bnd1_b is not in the file: reported from the chr2:29223826 breakend alone" in f.notes


def test_mates_paired_by_event_without_mateid(frules):
    a = bnd("2", 29223826, "x1", "N]2:42299120]", extra=";EVENT=inv7")
    b = bnd("2", 42299120, "x2", "N]2:29223826]", extra=";EVENT=inv7")
    header, recs = vcf([a, b])
    found = fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh38", rules=frules)
    assert [f.name for f in found] == ["EML4-ALK"]
    assert not any("not in the file" in n for n in found[0].notes)


def test_reciprocal_junction_merges_into_the_fusion(frules):
    recip = pair(("chr2", 29225000, "right"), ("chr2", 42300000, "right"), event="2")
    header, recs = vcf(recip + EML4_ALK_38)
    dropped = Counter()
    [f] = fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh38", rules=frules,
                           dropped=dropped)
    assert f.name == "EML4-ALK"
    assert any(n.startswith("also seen as ALK-EML4 (vcf-bnd, ALK breakpoint chr2:29225000") for n in f.notes)
    assert dropped == Counter(fusion_same_event=1)


@pytest.mark.parametrize("filters, fmt, reason", [
    (("MinQUAL", "MinQUAL"), "PR:SR\t10,6:12,9", "fusion_filter"),
    (("PASS", "MinSomaticScore"), "PR:SR\t10,6:12,9", "fusion_filter"),
    (("PASS", "PASS"), "PR:SR\t10,0:12,0", "fusion_no_sample_support"),
])
def test_dropped_with_a_reason(frules, filters, fmt, reason):
    a, b = pair(("chr2", 29223826, "left"), ("chr2", 42299120, "left"), fmt=fmt)
    a = a.replace("\tPASS\t", f"\t{filters[0]}\t")
    b = b.replace("\tPASS\t", f"\t{filters[1]}\t")
    header, recs = vcf([a, b])
    dropped = Counter()
    assert fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh38", rules=frules,
                            dropped=dropped) == []
    assert dropped == Counter({reason: 1})


def test_not_a_kinase_event_is_counted(frules):
    header, recs = vcf(pair(("4", 70_000_000, "left"), ("21", 20_000_000, "right")))
    dropped = Counter()
    assert fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh37", rules=frules,
                            dropped=dropped) == []
    assert dropped == Counter(fusion_not_kinase=1)


def test_single_breakend_and_symbolic_translocation(frules):
    single = bnd("chr2", 29223826, "s1", "N.")
    tra = "chr10\t43115670\tt1\tN\t<TRA>\t.\tPASS\tSVTYPE=BND;CHR2=chr10;POS2=32027449\tPR:SR\t1,5:1,5"
    header, recs = vcf([single, tra])
    found = {f.kinase: f for f in fusions_from_vcf(header, recs, sample_index=0, sample="T",
                                                   build="GRCh38", rules=frules)}
    assert found["ALK"].name == "ALK fusion (partner unknown position)"
    assert any("single breakend" in n for n in found["ALK"].notes)
    assert found["RET"].name == "RET rearrangement (partner KIF5B)"
    assert "no head-to-tail fusion transcript: 5'/3' orientation unknown" in found["RET"].notes


def test_rna_first_that_contradicts_the_orientation_is_noted(frules):
    a, b = EML4_ALK_38
    header, recs = vcf([a.replace("SVTYPE=BND", "SVTYPE=BND;RNA_FIRST"), b])
    [f] = fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh38", rules=frules)
    assert "the caller marks ALK as 5' (RNA_FIRST); the orientation says EML4" in f.notes


FIRST_LINE = f"mem.vcf:{len(HEADER) + 2}"


@pytest.mark.parametrize("row, message", [
    (bnd("chr2", 29223826, "b1", "N[chr2:42299120]"), "SVTYPE=BND but ALT 'N[chr2:42299120]' is not one breakend"),
    (bnd("chr2", 29223826, "b1", "N]chr2:42299120]", fmt="PR:SR\t10,6:12,x"),
     "FORMAT/SR '12,x' is not a number (expected read counts)"),
], ids=["bad-alt", "bad-count"])
def test_bad_breakend_records(frules, row, message):
    header, recs = vcf([row])
    with pytest.raises(InputError) as exc:
        fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh38", rules=frules)
    assert str(exc.value).startswith(f"{FIRST_LINE}: {message}")


def test_is_fusion_record():
    header, recs = vcf([EML4_ALK_38[0], "chr2\t100\t.\tA\tG\t.\tPASS\t.\tPR:SR\t.:.",
                        "chr2\t200\t.\tA\tA[chr3:5[\t.\tPASS\t.\tPR:SR\t.:."])
    assert [is_fusion_record(header, r) for r in recs] == [True, False, True]


# -- fixtures: Manta, DRAGEN, Ion -----------------------------------------------------------------
def read_vcf_fixture(name: str, frules, build: str, sample_index: int = 0, *, regions: bool = False):
    reader = VcfReader(FIX / name)
    regs = fusion_regions(frules, build, lambda c: contig_names(reader.header, c)) if regions else None
    recs = list(reader.records(regs))
    for r in recs:
        validate(r, reader.header)
    dropped = Counter()
    found = fusions_from_vcf(reader.header, recs, sample_index=sample_index, sample="T", build=build,
                             rules=frules, dropped=dropped, regions_read=regs)
    return {f.name: f for f in found}, dropped


@pytest.mark.parametrize("regions", [False, True], ids=["whole-file", "fusion-regions"])
@pytest.mark.parametrize("name, build, expected, kif5b_ret", [
    ("manta_eml4_alk_kif5b_ret.GRCh38.chr.vcf", "GRCh38",
     {"EML4-ALK": ("chr2", 29223826), "KIF5B-RET": ("chr10", 43115670),
      "NTRK2 fusion (partner chr22:24334571)": ("chr9", 84867241)}, ("chr10", 32027449)),
    ("manta_eml4_alk_kif5b_ret.GRCh37.vcf", "GRCh37",
     {"EML4-ALK": ("2", 29446692), "KIF5B-RET": ("10", 43611118)}, ("10", 32316377)),
])
def test_manta_fixtures(frules, name, build, expected, kif5b_ret, regions):
    found, dropped = read_vcf_fixture(name, frules, build, regions=regions)
    assert {n: f.kinase_breakpoint for n, f in found.items()} == expected
    ret = found["KIF5B-RET"]
    assert ret.partner_breakpoint == kif5b_ret
    assert sum("MantaBND:202:0:1:0:0:0:0 is not in the file" in n for n in ret.notes) == 1
    assert not any("not in the file" in n for n in found["EML4-ALK"].notes)
    assert dropped["fusion_filter"] == 1  # ETV6-NTRK3, MinQUAL
    assert dropped["fusion_not_kinase"] == (0 if regions else 3)


def test_dragen_somatic_fixture(frules):
    found, dropped = read_vcf_fixture("dragen_sv_somatic.GRCh38.vcf", frules, "GRCh38", sample_index=1)
    assert set(found) == {"CD74-ROS1", "ALK-EML4"}
    assert found["CD74-ROS1"].support["SR"] > 0 and found["ALK-EML4"].naming == "reciprocal"
    assert dropped == Counter(fusion_filter=1, fusion_no_sample_support=1)
    normal, _ = read_vcf_fixture("dragen_sv_somatic.GRCh38.vcf", frules, "GRCh38", sample_index=0)
    assert set(normal) == {"TPM3-NTRK1"}


def test_ion_fixture(frules):
    found, dropped = read_vcf_fixture("ion_oncomine_fusions.hg19.vcf", frules, "GRCh37")
    assert {n: (f.kinase_breakpoint, f.partner_breakpoint) for n, f in found.items()} == {
        "EML4-ALK": (("chr2", 29446394), ("chr2", 42522656)),
        "CD74-ROS1": (("chr6", 117645578), ("chr5", 149784243)),
        "ETV6-NTRK3": (("chr15", 88483984), ("chr12", 12022903)),
    }
    assert dropped == Counter(fusion_filter=1, fusion_not_kinase=1)
    ros1 = found["CD74-ROS1"]
    assert ros1.source == "ion" and ros1.caller_name == "CD74-ROS1.C6R34" and ros1.reads == ros1.support["READ_COUNT"]
    assert "CD74 exon 6 :: ROS1 exon 34 (caller's numbering)" in ros1.notes
    assert any("classic NM_002944 numbering" in n and "MANE NM_001378902.1" in n for n in ros1.notes)
    assert "at the ALK exon junction next to intron 19" in found["EML4-ALK"].notes[0]
    assert "the NTRK3 end of ETV6-NTRK3.E5N15 is not in the file: reported from ETV6-NTRK3.E5N15_1 alone" \
        in found["ETV6-NTRK3"].notes
    # exon skipping, expression controls and 5'/3' imbalance are not fusion records
    reader = VcfReader(FIX / "ion_oncomine_fusions.hg19.vcf")
    others = [r.id for r in reader.records() if not is_fusion_record(reader.header, r)]
    assert others == ["ALK.5p3pAssays", "MET-MET.M13M15_1", "ERBB2.ExprControl"]


def ion_rec(chrom, pos, rid, alt_, gene, reads, filt="PASS"):
    return f"{chrom}\t{pos}\t{rid}\tN\t{alt_}\t.\t{filt}\tSVTYPE=Fusion;READ_COUNT={reads};GENE_NAME={gene}\tPR:SR\t.:."


def test_ion_records_in_memory(frules):
    rows = [
        # PASS with no reads: left out
        ion_rec("chr10", 43612032, "KIF5B-RET.K15R12_2", "N[chr10:32317356[", "RET", 0),
        # a name without gene pair: genes from GENE_NAME by the _1/_2 suffix; only the kinase end written
        ion_rec("chr2", 29446394, "Fusion7_2", "N]chr2:42522656]", "ALK", 40),
        # a gene name with a hyphen in the Oncomine name
        ion_rec("chr6", 117645578, "HLA-DRB1-ROS1.H3R34_2", "N[chr5:149784243[", "ROS1", 12),
    ]
    header, recs = vcf(rows)
    dropped = Counter()
    found = fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh37", rules=frules, dropped=dropped)
    assert dropped == Counter(fusion_no_reads=1)
    assert [(f.name, f.kinase_breakpoint, f.partner_breakpoint) for f in found] == [
        ("ALK fusion (partner chr2:42522656)", ("chr2", 29446394), ("chr2", 42522656)),
        ("HLA-DRB1-ROS1", ("chr6", 117645578), ("chr5", 149784243)),
    ]
    assert "the HLA-DRB1 end of HLA-DRB1-ROS1.H3R34 is not in the file: reported from HLA-DRB1-ROS1.H3R34_2 alone" \
        in found[1].notes


def test_fusion_regions(frules):
    header_chr = parse_header_lines(["##fileformat=VCFv4.2", "##contig=<ID=chr2,length=242193529>",
                                     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"], "h.vcf")
    regs = fusion_regions(frules, "GRCh38", lambda c: contig_names(header_chr, c))
    alk = [r for r in regs if r.name == "ALK fusion"]
    assert alk == [Region("chr2", 29192774 - 1000, 29921566 + 1000, "ALK fusion")]
    # a contig the header does not declare: both spellings
    assert [r.chrom for r in regs if r.name == "RET fusion"] == ["10", "chr10"]
    assert len({r.name for r in regs}) == len(frules.genes)
    regs37 = fusion_regions(frules, "GRCh37", lambda c: [c], pad=0)
    assert Region("15", 88418230, 88799999, "NTRK3 fusion") in regs37
    with pytest.raises(InputError, match="GRCh36"):
        fusion_regions(frules, "GRCh36", lambda c: [c])


def test_fusion_to_call(frules):
    header, recs = vcf(EML4_ALK_38)
    [f] = fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh38", rules=frules)
    call = fusion_to_call(f, build="GRCh38", input="x.vcf")
    assert (call.gene, call.klass, call.chrom, call.pos, call.alt_reads) == ("ALK", "fusion", "chr2", 29223826, 15)
    assert call.notes[0] == "EML4-ALK" and call.notes[1].startswith("5' EML4 chr2:42299120")
    assert (call.source, call.filter, call.caller_call, call.input) == ("vcf-bnd", "PASS", "bnd1_a", "x.vcf")


# -- fusion tables -------------------------------------------------------------------------------
def test_arriba_fixture(frules):
    dropped = Counter()
    found = read_fusion_file(str(FIX / "arriba_fusions.GRCh38.tsv"), sample="S1", build="GRCh38",
                             rules=frules, dropped=dropped)
    by = {f.name: f for f in found}
    assert {n: (f.naming, f.kinase_breakpoint) for n, f in by.items()} == {
        "EML4-ALK": ("partner_kinase", ("2", 29223528)),
        "KIF5B-RET": ("partner_kinase", ("10", 43116584)),
        "CD74-ROS1": ("partner_kinase", ("6", 117324415)),
        "ETV6-NTRK3": ("partner_kinase", ("15", 87940753)),
        "RET fusion (partner 10:44021877)": ("unknown_partner", ("10", 43116584)),
        "ALK intragenic rearrangement": ("intragenic", ("2", 29193480)),
    }
    assert dropped == Counter(fusion_low_confidence=1, fusion_not_kinase=1, fusion_same_event=1)
    alk = by["EML4-ALK"]
    assert alk.sample == "S1" and alk.source == "arriba" and alk.line == 2
    assert alk.reads == sum(alk.support[k] for k in ("split_reads1", "split_reads2", "discordant_mates"))
    assert any(n.startswith("also seen as ALK-EML4 (arriba") for n in alk.notes)
    assert "Arriba confidence high, reading_frame in-frame, type inversion, site1 splice-site, site2 splice-site" \
        in alk.notes
    assert any("LINC-A(15234),LINC-B(20011) (intergenic)" in n for n in by["RET fusion (partner 10:44021877)"].notes)


def test_star_fusion_fixture(frules):
    dropped = Counter()
    found = read_fusion_file(str(FIX / "star_fusion.fusion_predictions.abridged.coding_effect.GRCh37.tsv"),
                             sample=None, build="GRCh37", rules=frules, dropped=dropped)
    assert [(f.name, f.kinase_breakpoint, f.partner) for f in found] == [
        ("EML4-ALK", ("chr2", 29446394), "EML4"),
        ("SLC34A2-ROS1", ("chr6", 117645578), "SLC34A2"),  # a partner the rules do not list
        ("TPM3-NTRK1", ("chr1", 156844363), "TPM3"),
    ]
    assert dropped == Counter(fusion_not_kinase=1)
    f = found[0]
    assert f.sample == "star_fusion" and f.source == "star-fusion" and f.caller_name == "EML4--ALK"
    assert set(f.support) == {"JunctionReadCount", "SpanningFragCount", "FFPM"}
    assert f.reads == f.support["JunctionReadCount"] + f.support["SpanningFragCount"]


def test_unknown_columns_fixture_lists_what_was_expected(frules):
    with pytest.raises(InputError) as exc:
        read_fusion_file(str(FIX / "fusions_unknown_columns.tsv"), sample=None, build="GRCh37", rules=frules)
    msg = str(exc.value)
    assert msg.startswith(f"{FIX / 'fusions_unknown_columns.tsv'}:1: unknown fusion table columns: "
                          "Gene_1_symbol(5end_fusion_partner)")
    # every dialect known is listed, with its first columns
    for known in ("Arriba fusions.tsv (gene1, gene2, breakpoint1, …)",
                  "STAR-Fusion star-fusion.fusion_predictions.tsv (FusionName, JunctionReadCount, SpanningFragCount, …)",
                  "TSO500 DNA {Sample}_Fusions.csv (Chr1, Pos1, Chr2, …)", "TSO500 RNA {Sample}_AllFusions.csv (Caller,",
                  "TSO500 CombinedVariantOutput.tsv [Fusions] (Gene Pair,", "PCGR --input_rna_fusion TSV (FusionGene,",
                  "PCGR rna_fusion/fusion_ann.tsv.gz (FUSION_GENE,"):
        assert known in msg


ARRIBA_MIN = "#gene1\tgene2\tbreakpoint1\tbreakpoint2\tsplit_reads1\tsplit_reads2\tdiscordant_mates\tconfidence\n"


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("#gene1\tgene2\tbreakpoint1\tbreakpoint2\tconfidence\nEML4\tALK\t2:1\t2:2\thigh\n",
     ":1: looks like a Arriba fusions.tsv but lacks column(s) split_reads1, split_reads2, discordant_mates"),
    (ARRIBA_MIN + "EML4\tALK\t2:42295516\t2:29223528\t3\t4\n", ":2: 6 tab-separated columns, expected 8"),
    (ARRIBA_MIN + "EML4\tALK\t2-42295516\t2:29223528\t3\t4\t5\thigh\n", ":2: breakpoint1 '2-42295516' is not a breakpoint"),
    (ARRIBA_MIN + "EML4\tALK\t2:42295516\t2:29223528\tmany\t4\t5\thigh\n", ":2: split_reads1 'many' is not a number"),
    # GRCh37 breakpoints given as GRCh38
    (ARRIBA_MIN + "EML4\tALK\t2:42522656\t2:29446394\t3\t4\t5\thigh\n",
     ":2: the EML4 breakpoint 2:42522656 lies outside EML4 on GRCh38 but inside it on GRCh37: is the table "
     "on GRCh37? (give --build GRCh37)"),
    (ARRIBA_MIN + "KIF5B\tRET\t10:32317356\t10:43612032\t3\t4\t5\thigh\n",
     ":2: the RET breakpoint 10:43612032 lies outside RET on GRCh38 but inside it on GRCh37"),
    ("[Fusions]\nGene Pair\tBreakpoint 1\n", (":2: [Fusions] section: looks like a TSO500 "
                                               "CombinedVariantOutput.tsv [Fusions] but lacks column(s) Breakpoint 2, "
                                               "Fusion Supporting Reads")),
], ids=["empty", "lacks-columns", "short-row", "bad-breakpoint", "bad-count", "other-build-partner",
        "other-build-kinase", "tso500-section-lacks-columns"])
def test_bad_tables(frules, tmp_path, text, message):
    p = tmp_path / "fusions.tsv"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_fusion_file(str(p), sample="S", build="GRCh38", rules=frules)
    assert str(exc.value).startswith(str(p)) and message in str(exc.value)


def test_table_edge_cases(frules, tmp_path):
    p = tmp_path / "sample9.fusions.tsv.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(ARRIBA_MIN)
    assert read_fusion_file(str(p), sample=None, build="GRCh38", rules=frules) == []  # header only: no calls
    # a kinase the caller names otherwise is found by position; without a build nothing is checked
    p = tmp_path / "sample9.tsv"
    p.write_text(ARRIBA_MIN + "EML4\tENSG00000171094\t2:42295516\t2:29223528\t3\t4\t5\tmedium\n"
                 "KIF5B\tRET\t10:32028428\t10:43116584\t3\t4\t5\thigh\n")
    [f] = read_fusion_file(str(p), sample=None, build="GRCh38", rules=frules)[:1]
    assert (f.name, f.sample) == ("EML4-ALK", "sample9")
    assert "2:29223528 is in ALK; the caller names it ENSG00000171094" in f.notes
    nobuild = read_fusion_file(str(p), sample="S", build=None, rules=frules)
    assert [f.name for f in nobuild] == ["KIF5B-RET"]  # ALK only by position, which needs a build
    assert "genome build not given: breakpoints not checked against gene spans" in nobuild[0].notes


def test_merge_across_sources_keeps_one_row(frules):
    arriba = read_fusion_file(str(FIX / "arriba_fusions.GRCh38.tsv"), sample="T", build="GRCh38", rules=frules)
    header, recs = vcf(EML4_ALK_38)
    dna = fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh38", rules=frules)
    merged = merge_fusions(dna + arriba)
    alk = [f for f in merged if f.name == "EML4-ALK"]
    # the better supported report is kept (Arriba here), the other named in its notes
    assert len(alk) == 1 and alk[0].source == "arriba"
    assert any(n.startswith("also seen as EML4-ALK (vcf-bnd, ALK breakpoint chr2:29223826, 15 reads)")
               for n in alk[0].notes)
    assert len(merged) == len(arriba)


# -- rules -------------------------------------------------------------------------------------
def test_builtin_rules(frules):
    assert frules.kinases == ("ALK", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3")
    alk = frules.genes["ALK"]
    assert (alk.strand, alk.builds["GRCh37"].start, alk.builds["GRCh38"].end) == ("-", 29415640, 29921566)
    assert frules.genes["NTRK3"].builds["GRCh38"].start == 87859751 and frules.genes["RET"].strand == "+"
    assert frules.genes["EML4"].partner_of == ("ALK",)
    assert frules.gene_at("GRCh38", "chr2", 29223826).symbol == "ALK"
    assert frules.gene_at("GRCh37", "chr2", 29223826) is None


GOOD_GENE = """\
fusion_genes:
  SLC34A2:
    role: partner
    strand: "+"
    transcript: NM_006424
    partner_of: [ROS1]
    confidence: low
    builds:
      GRCh37: {chrom: "4", start: 25657000, end: 25680000}
      GRCh38: {chrom: "4", start: 25655378, end: 25678378}
"""


def test_extra_rules_add_a_partner(frules, tmp_path):
    p = tmp_path / "lab.yaml"
    p.write_text(GOOD_GENE + "thresholds:\n  min_depth: 50\n")  # other sections belong to load_rules
    lab = load_fusion_rules([str(p)])
    assert "SLC34A2" in lab.genes and lab.checksum != frules.checksum
    header, recs = vcf(pair(("6", 117645000, "left"), ("4", 25665950, "left")))
    [f] = fusions_from_vcf(header, recs, sample_index=0, sample="T", build="GRCh37", rules=lab)
    assert f.name == "SLC34A2-ROS1"


@pytest.mark.parametrize("text, message", [
    ("fusion_genes:\n  ALK:\n    strnd: '-'\n", "fusion_genes.ALK.strnd: unknown key"),
    ("fusion_gene: {}\n", ".fusion_gene: unknown key"),
    ("fusion_genes:\n  ALK:\n    strand: x\n", "fusion_genes.ALK.strand: expected one of +, -"),
    ("fusion_genes:\n  ALK:\n    partner_of: [RET]\n", "fusion_genes.ALK.partner_of: a kinase has no partner_of"),
    (GOOD_GENE.replace("[ROS1]", "[EML4]"), "fusion_genes.SLC34A2.partner_of: 'EML4' is not a kinase"),
    (GOOD_GENE.replace('      GRCh38: {chrom: "4", start: 25655378, end: 25678378}\n', ""),
     "fusion_genes.SLC34A2.builds: expected exactly GRCh37 and GRCh38"),
    (GOOD_GENE.replace("start: 25657000", "start: 25690000"), "fusion_genes.SLC34A2.builds.GRCh37: expected chrom"),
    (GOOD_GENE + "    introns:\n      - name: i1\n        builds: {GRCh37: [1, 2], GRCh38: [25655400, 25655500]}\n",
     "fusion_genes.SLC34A2.introns[0].builds.GRCh37: [1, 2] must be [start, end] inside the gene span"),
    (GOOD_GENE.replace("role: partner", "role: partner\n    role: kinase"), "duplicate key 'role'"),
    (GOOD_GENE.replace("confidence: low", "confidence: 3"), "fusion_genes.SLC34A2.confidence: expected a string"),
    (GOOD_GENE.replace("    confidence: low\n", ""), "fusion_genes.SLC34A2: missing key 'confidence'"),
])
def test_rules_are_strict(tmp_path, text, message):
    p = tmp_path / "lab_fusions.yaml"
    p.write_text(text)
    with pytest.raises(RulesError) as exc:
        load_fusion_rules([str(p)])
    assert message in str(exc.value)
    assert "lab_fusions.yaml" in str(exc.value)


# -- fixtures are what the script writes -----------------------------------------------------------
def test_fixtures_are_reproducible(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_fusion_fixtures.py"), str(tmp_path)], check=True)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in FIX.iterdir())
    for name in written:
        assert (tmp_path / name).read_bytes() == (FIX / name).read_bytes(), name


def test_fixture_vcfs_open_in_htslib():
    import pysam

    for name in ("manta_eml4_alk_kif5b_ret.GRCh38.chr.vcf", "manta_eml4_alk_kif5b_ret.GRCh37.vcf",
                 "dragen_sv_somatic.GRCh38.vcf"):
        with pysam.VariantFile(str(FIX / name)) as vf:
            assert sum(1 for _ in vf) >= 8

