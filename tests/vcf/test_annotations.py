"""Existing annotations: VEP CSQ, SnpEff ANN, Ion FUNC (her2var.annotations)."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from her2var.errors import InputError
from her2var.models import Record, VcfHeader
from her2var.vcf.annotations import (
    MAX_FUNC_CHARS,
    Annotation,
    annotations,
    parse_func,
    pick_transcript,
    protein_to_one_letter,
)
from her2var.vcf.reader import VcfReader, parse_header_lines, parse_record

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "vcf"
PREFERRED = ("NM_004448.4", "ENST00000269571.10")


def find(name: str, pos: int) -> tuple[VcfHeader, Record]:
    reader = VcfReader(FIXTURES / name)
    for rec in reader.records():
        if rec.pos == pos:
            return reader.header, rec
    raise AssertionError(f"{name}: no record at {pos}")


def inline(header_body: str, line: str) -> tuple[VcfHeader, Record]:
    lines = textwrap.dedent(header_body).strip().splitlines()
    header = parse_header_lines(lines, "inline.vcf")
    return header, parse_record(line, "inline.vcf", len(lines) + 1, len(header.samples))


# -- VEP ------------------------------------------------------------------------------------------------
def test_vep_two_transcripts_pick_mane_and_strip_protein_id():
    header, rec = find("vep_annotated.GRCh38.vcf", 39724728)
    anns = annotations(header, rec, "AGCATACGTGATG")
    assert [a.transcript for a in anns] == ["ENST00000584601.5", "ENST00000269571.10"]
    assert {a.source for a in anns} == {"VEP"}
    assert all(a.allele == "GCATACGTGATG" for a in anns)  # VEP drops the padding base
    assert anns[0].consequence == "inframe_insertion&NMD_transcript_variant"
    best = pick_transcript(anns, "ERBB2", PREFERRED)
    assert best is anns[1]
    assert (best.gene, best.hgvs_c, best.hgvs_p) == ("ERBB2", "c.2313_2324dup", "p.Tyr772_Ala775dup")
    assert protein_to_one_letter(best.hgvs_p) == "p.Y772_A775dup"
    # Without a preference the first ERBB2 entry is taken, whatever it is.
    assert pick_transcript(anns, "ERBB2", ()) is anns[0]


@pytest.mark.parametrize("pos,alt,allele,hgvs_c,hgvs_p", [
    (39723965, "G", "-", "c.2263_2277del", "p.Leu755_Thr759del"),  # VEP writes a deletion as '-'
    (39724743, "C", "C", "c.2325T>C", "p.Ala775="),  # %3D decoded
    (39724744, "GTCT", "TCT", "c.2326_2327insTCT", "p.Gly776delinsValCys"),
    (39724744, "GTGT", "TGT", "c.2326_2327insTGT", "p.Gly776delinsValCys"),
])
def test_vep_alleles_match_without_padding_base(pos, alt, allele, hgvs_c, hgvs_p):
    header, rec = find("vep_annotated.GRCh38.vcf", pos)
    anns = annotations(header, rec, alt)
    assert [(a.allele, a.hgvs_c, a.hgvs_p) for a in anns] == [(allele, hgvs_c, hgvs_p)]


def test_vep_columns_come_from_the_header_not_fixed_positions():
    # Same content, columns reordered (as --merged or another VEP version does).
    header = """
        ##fileformat=VCFv4.2
        ##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Consequence|Feature|Allele|HGVSp|SYMBOL|HGVSc">
        #CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO
    """
    line = ("17\t37880220\t.\tT\tC\t.\tPASS\tCSQ=missense_variant|ENST00000269571.10|C|"
            "ENSP00000269571.5:p.Leu755Ser|ERBB2|ENST00000269571.10:c.2264T>C")
    h, rec = inline(header, line)
    (a,) = annotations(h, rec, "C")
    assert (a.gene, a.transcript, a.consequence, a.hgvs_c, a.hgvs_p) == (
        "ERBB2", "ENST00000269571.10", "missense_variant", "c.2264T>C", "p.Leu755Ser")


VEP_HDR = """
    ##fileformat=VCFv4.2
    ##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL|Feature|HGVSc|HGVSp{extra}">
    #CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO
"""


def test_vep_padding_rule_does_not_confuse_overlapping_alleles():
    # REF A, ALT AA,AAA: VEP writes 'A' and 'AA'; the raw ALT 'AA' must not pick up allele 2.
    line = ("17\t100\t.\tA\tAA,AAA\t.\tPASS\tCSQ=A|inframe_insertion|ERBB2|T1|c.1dupA|p.X,"
            "AA|frameshift_variant|ERBB2|T1|c.1_2dupAA|p.Y")
    h, rec = inline(VEP_HDR.format(extra=""), line)
    assert [a.hgvs_c for a in annotations(h, rec, "AA")] == ["c.1dupA"]
    assert [a.hgvs_c for a in annotations(h, rec, "AAA")] == ["c.1_2dupAA"]


def test_vep_default_spelling_strips_the_shared_first_base_of_all_alleles():
    # Default VEP: AT>A is '-' and AT>ATT is 'TT' (not the per-allele minimal 'T').
    line = "17\t100\t.\tAT\tA,ATT\t.\tPASS\tCSQ=-|frameshift_variant|ERBB2|T1|c.2del|p.X,TT|frameshift_variant|ERBB2|T1|c.2dup|p.Y"
    h, rec = inline(VEP_HDR.format(extra=""), line)
    assert [a.hgvs_c for a in annotations(h, rec, "A")] == ["c.2del"]
    assert [a.hgvs_c for a in annotations(h, rec, "ATT")] == ["c.2dup"]


def test_vep_allele_num_wins_over_spelling():
    line = ("17\t100\t.\tAT\tA,ATT\t.\tPASS\tCSQ=-|frameshift_variant|ERBB2|T1|c.2del|p.X|1,"
            "T|frameshift_variant|ERBB2|T1|c.2dup|p.Y|2")
    h, rec = inline(VEP_HDR.format(extra="|ALLELE_NUM"), line)
    assert [a.hgvs_c for a in annotations(h, rec, "A")] == ["c.2del"]
    assert [a.hgvs_c for a in annotations(h, rec, "ATT")] == ["c.2dup"]


def test_vep_minimal_spelling_is_recognised():
    # --minimal trims each allele on its own: AT>A is '-' and AT>ATT is 'T'.
    line = "17\t100\t.\tAT\tA,ATT\t.\tPASS\tCSQ=-|frameshift_variant|ERBB2|T1|c.2del|p.X,T|frameshift_variant|ERBB2|T1|c.2dup|p.Y"
    h, rec = inline(VEP_HDR.format(extra=""), line)
    assert [a.hgvs_c for a in annotations(h, rec, "ATT")] == ["c.2dup"]


def test_csq_without_format_description_is_an_error():
    header = """
        ##fileformat=VCFv4.2
        ##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations">
        #CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO
    """
    h, rec = inline(header, "17\t100\t.\tG\tA\t.\tPASS\tCSQ=A|missense_variant")
    with pytest.raises(InputError, match=r"^inline\.vcf:\d+: INFO/CSQ .*Format"):
        annotations(h, rec, "A")


def test_csq_entry_longer_than_the_header_list_is_an_error():
    h, rec = inline(VEP_HDR.format(extra=""), "17\t100\t.\tG\tA\t.\tPASS\tCSQ=A|a|b|c|d|e|f|g")
    with pytest.raises(InputError, match="8 '|'-separated fields but the header names 6"):
        annotations(h, rec, "A")


# -- SnpEff -------------------------------------------------------------------------------------------------
def test_snpeff_picks_transcript_version_insensitively():
    header, rec = find("snpeff_annotated.GRCh37.vcf", 37880220)
    anns = annotations(header, rec, "C")
    assert [a.transcript for a in anns] == ["ENST00000584601", "ENST00000269571"]
    best = pick_transcript(anns, "ERBB2", PREFERRED)  # ENST00000269571.10 matches ENST00000269571
    assert (best.source, best.hgvs_c, best.hgvs_p) == ("SnpEff", "c.2264T>C", "p.Leu755Ser")
    assert protein_to_one_letter(best.hgvs_p) == "p.L755S"


@pytest.mark.parametrize("alt,hgvs_p", [("A", "p.Gly776Ser"), ("T", "p.Gly776Cys")])
def test_snpeff_multiallelic_entries_follow_their_allele(alt, hgvs_p):
    header, rec = find("snpeff_annotated.GRCh37.vcf", 37880997)
    assert [a.hgvs_p for a in annotations(header, rec, alt)] == [hgvs_p]


def test_snpeff_insertion_keeps_the_full_allele():
    header, rec = find("snpeff_annotated.GRCh37.vcf", 37880981)
    (a,) = annotations(header, rec, "AGCATACGTGATG")
    assert (a.allele, a.consequence, a.hgvs_p) == (
        "AGCATACGTGATG", "disruptive_inframe_insertion", "p.Tyr772_Ala775dup")


def test_snpeff_without_names_in_header_uses_documented_layout():
    header = """
        ##fileformat=VCFv4.2
        ##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations">
        #CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO
    """
    line = ("17\t37881000\t.\tG\tT\t.\tPASS\tANN=T|missense_variant|MODERATE|ERBB2|ENSG00000141736|"
            "transcript|NM_004448.3|protein_coding|20/27|c.2329G>T|p.Val777Leu|||||,"
            "T-C|missense_variant|MODERATE|ERBB2|ENSG00000141736|transcript|NM_004448.3|protein_coding|"
            "20/27|c.2329G>T|p.Val777Leu|||||")
    h, rec = inline(header, line)
    (a,) = annotations(h, rec, "T")  # the cancer-mode 'T-C' entry is not this allele
    assert (a.transcript, a.hgvs_p) == ("NM_004448.3", "p.Val777Leu")
    assert pick_transcript([a], "ERBB2", PREFERRED) is a  # NM_004448.3 matches NM_004448.4


# -- Ion FUNC -------------------------------------------------------------------------------------------------
def test_ion_func_several_dicts_single_quotes():
    header, rec = find("ion_oca.hg19.vcf", 37880983)
    anns = annotations(header, rec, "CATACGTGATGGC")
    assert [(a.source, a.transcript, a.hgvs_c, a.hgvs_p) for a in anns] == [
        ("Ion", "NM_004448.3", "c.2313_2324dupATACGTGATGGC", "p.Tyr772_Ala775dup"),
        ("Ion", "NM_001005862.2", "c.2223_2234dupATACGTGATGGC", "p.Tyr742_Ala745dup"),
    ]
    assert anns[0].consequence == "nonframeshiftInsertion"
    # A comma inside a quoted value stays inside it (pysam would have split there).
    assert "'CLNSIG1':'Pathogenic,Likely_pathogenic'" in anns[0].raw
    assert anns[0].raw.startswith("{") and anns[0].raw.endswith("}")
    assert pick_transcript(anns, "ERBB2", PREFERRED) is anns[0]


@pytest.mark.parametrize("alt,protein", [("A", "p.Gly776Ser"), ("T", "p.Gly776Cys")])
def test_ion_func_multiallelic_by_orig_alt(alt, protein):
    header, rec = find("ion_oca.hg19.vcf", 37880997)
    assert [a.hgvs_p for a in annotations(header, rec, alt)] == [protein]


def test_ion_cnv_func_gives_the_gene():
    header, rec = find("ion_oca.hg19.vcf", 37845133)
    (a,) = annotations(header, rec, "<CNV>")
    assert (a.gene, a.transcript, a.hgvs_p) == ("ERBB2", "", "")


@pytest.mark.parametrize("text,expected", [
    ("[{'gene':'ERBB2'}]", [{"gene": "ERBB2"}]),
    ("[{'a':1.5,'b':[ 'x' , 'y' ],'c':{'d':None}}]", [{"a": "1.5", "b": ["x", "y"], "c": {"d": "None"}}]),
    ('[{"gene":"ERBB2","note":"it\'s"}]', [{"gene": "ERBB2", "note": "it's"}]),
    ("[{'q':'a\\'b'}]", [{"q": "a'b"}]),
    ("{'gene':'KRAS'}", [{"gene": "KRAS"}]),
    ("[]", []),
])
def test_parse_func_reads_data(text, expected):
    assert [d for d, _raw in parse_func(text, "x.vcf:9")] == expected


HOSTILE = [
    ("deep-lists", "[" * 100_000),
    ("deep-dicts", "[" + "{'a':" * 20_000),
    ("deep-under-cap", "[" * 10_000),
    ("deep-but-short", "[" * 20 + "]" * 20),
    ("long", "[{'gene':'" + "A" * 100_000 + "'}]"),
    ("many-dicts", "[" + "{}," * 40_000 + "]"),
    ("unclosed-quote", "[{'gene':'ERBB2}]"),
    ("unclosed-list", "[{'gene':'ERBB2'}"),
    ("code", "__import__('os').system('true')"),
    ("call-in-list", "[{'gene':open('x')}]"),
    ("missing-colon", "[{'gene' 'ERBB2'}]"),
]


@pytest.mark.parametrize("text", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_func_raises_input_error_fast(text):
    h = parse_header_lines([
        "##fileformat=VCFv4.1",
        '##INFO=<ID=FUNC,Number=.,Type=String,Description="Functional Annotations">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ], "ion.vcf")
    rec = parse_record(f"chr17\t100\t.\tG\tA\t.\tPASS\tFUNC={text}", "ion.vcf", 4, 0)
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"^ion\.vcf:4: INFO/FUNC"):
        annotations(h, rec, "A")
    assert time.perf_counter() - start < 1.0


def test_func_length_cap_is_stated():
    with pytest.raises(InputError, match=str(MAX_FUNC_CHARS)):
        parse_func("[" + " " * MAX_FUNC_CHARS + "]", "x.vcf:1")


# -- choosing and naming ----------------------------------------------------------------------------------
def _ann(gene: str, tx: str) -> Annotation:
    return Annotation("VEP", "A", gene, tx, "missense_variant", "c.1A>G", "p.Met1?", "raw")


@pytest.mark.parametrize("anns,transcripts,expected", [
    ([_ann("ERBB2", "ENST00000584601.5"), _ann("ERBB2", "ENST00000269571.9")], ("ENST00000269571.10",), 1),
    ([_ann("ERBB2", "NM_001005862.2"), _ann("ERBB2", "NM_004448.3")], ("NM_004448.4",), 1),
    ([_ann("ERBB2", "NM_004448.3"), _ann("ERBB2", "ENST00000269571")], ("ENST00000269571.10", "NM_004448.4"), 1),
    ([_ann("PGAP3", "ENST1"), _ann("ERBB2", "ENST2"), _ann("ERBB2", "ENST3")], ("NM_004448.4",), 1),
    ([_ann("PGAP3", "ENST1")], ("NM_004448.4",), None),
    ([_ann("erbb2", "X1")], (), 0),
    ([_ann("ERBB2", "NM_004448")], ("NM_0044",), 0),  # falls back to gene; ids are not prefixes
])
def test_pick_transcript(anns, transcripts, expected):
    got = pick_transcript(anns, "ERBB2", transcripts)
    assert got is (None if expected is None else anns[expected])


@pytest.mark.parametrize("three,one", [
    ("p.Tyr772_Ala775dup", "p.Y772_A775dup"),
    ("p.(Gly776delinsValCys)", "p.G776delinsVC"),
    ("p.Gly778_Pro780dup", "p.G778_P780dup"),
    ("p.Ala775_Gly776insTyrValMetAla", "p.A775_G776insYVMA"),
    ("p.Leu755_Thr759del", "p.L755_T759del"),
    ("p.Arg896Ter", "p.R896*"),
    ("p.Gly776ValfsTer12", "p.G776Vfs*12"),
    ("p.Ter1256GlnextTer?", "p.*1256Qext*?"),
    ("p.Val777Leu", "p.V777L"),
    ("p.=", "p.="),
    ("p.(=)", "p.="),
    ("p.Ala775%3D", "p.A775="),
    ("p.Ala775=", "p.A775="),
    ("p.?", "p.?"),
    ("ENSP00000269571.5:p.Leu755Ser", "p.L755S"),
    ("p.Y772_A775dup", "p.Y772_A775dup"),
    ("p.G776delinsVC", "p.G776delinsVC"),
    ("", ""),
])
def test_protein_to_one_letter(three, one):
    assert protein_to_one_letter(three) == one
