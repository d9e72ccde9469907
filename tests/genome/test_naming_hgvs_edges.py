"""HGVS names at the edges of the coding sequence, without a FASTA: silent changes, a first new
residue that is a stop, the start codon, the stop codon (extensions with their distance), the
3'UTR just after the stop, and 3'-shifted indels in every exon. Each reproducer is given as the
VCF record a caller wrote (GRCh38), and checked in both builds and in other representations."""

from __future__ import annotations

import pytest

from her2var.classify.erbb2 import erbb2_class
from her2var.classify.pipeline import sequence_source
from her2var.genome.naming import describe
from her2var.genome.transcript import CODON_TABLE, TranscriptModel

GRCH37 = -1_843_747  # ERBB2: GRCh37 = GRCh38 - 1,843,747


@pytest.fixture(scope="module", params=["GRCh38", "GRCh37"])
def model(request, rules):
    m = TranscriptModel(rules.index_gene, request.param)
    return m, sequence_source(m, None), (0 if request.param == "GRCh38" else GRCH37)


def name(model, pos38, ref, alt):
    m, seq, shift = model
    return describe(m, seq, pos38 + shift, ref, alt)


@pytest.mark.parametrize("pos,ref,alt,effect,hgvs_p", [
    # 1. a synonymous change is named at its own codon (was p.I788=)
    (39724779, "C", "A", "synonymous", "p.G787="),
    # 2. the first new residue is a stop: nonsense, whatever the DNA change
    (39723967, "T", "TGTA", "nonsense", "p.R756*"),
    (39724784, "GCCTGAC", "G", "nonsense", "p.C789*"),
    (39724734, "CGTG", "AA", "nonsense", "p.Y772*"),
    # 3. a frameshift in the start codon
    (39700239, "AT", "A", "start_lost", "p.M1?"),
    # 7. an in-frame insertion just before the stop codon extends the protein by one residue
    (39728041, "G", "GAAA", "stop_lost", "p.*1256Kext*1"),
])
def test_issue_reproducers(model, pos, ref, alt, effect, hgvs_p):
    n = name(model, pos, ref, alt)
    assert (n.location, n.effect, n.hgvs_p) == ("coding", effect, hgvs_p), (n.hgvs_c, n.unknown_reason)
    assert not n.unknown_reason


def test_three_letter_forms(model):
    assert name(model, 39724779, "C", "A").hgvs_p3 == "p.Gly787="
    assert name(model, 39723967, "T", "TGTA").hgvs_p3 == "p.Arg756Ter"
    assert name(model, 39700239, "AT", "A").hgvs_p3 == "p.Met1?"
    assert name(model, 39728041, "G", "GAAA").hgvs_p3 == "p.Ter1256LysextTer1"


def _utr_codons_to_stop(model, first_codon: str) -> int:
    """Independent count: residues of the extension up to its new stop (HGVS ext*N)."""
    m, seq, shift = model
    end = m.c_to_g(m.cds_length)
    utr = seq.fetch(m.chrom, end + 1, end + 600)
    codons = [first_codon] + [utr[i:i + 3] for i in range(0, len(utr) - 2, 3)]
    for k, c in enumerate(codons):
        if CODON_TABLE[c] == "*" and k > 0:
            return k
    raise AssertionError("no stop in the first 600 3'UTR bases")


@pytest.mark.parametrize("new_base,aa", [("C", "R"), ("G", "G"), ("A", "R")])
def test_a_stop_codon_substitution_is_an_extension_with_its_distance(model, new_base, aa):
    m, seq, shift = model
    first = m.c_to_g(3766)  # the T of the TGA stop codon
    assert seq.fetch(m.chrom, first, first + 2) == "TGA"
    n = describe(m, seq, first, "T", new_base)
    distance = _utr_codons_to_stop(model, new_base + "GA")
    assert n.effect == "stop_lost" and n.hgvs_p == f"p.*1256{aa}ext*{distance}"
    assert erbb2_class(n, m.gene) == "other"


def test_a_frameshift_in_the_stop_codon_is_an_extension(model):
    m, seq, shift = model
    first = m.c_to_g(3766)
    n = describe(m, seq, first - 1, seq.fetch(m.chrom, first - 1, first), seq.fetch(m.chrom, first - 1, first - 1))
    assert n.effect == "stop_lost" and n.hgvs_p.startswith("p.*1256") and "ext*" in n.hgvs_p
    assert not n.hgvs_p.endswith("ext*?")  # the 3'UTR is in the rules: the new stop is found


def test_a_synonymous_stop_codon_change(model):
    m, seq, shift = model
    first = m.c_to_g(3766)
    n = describe(m, seq, first + 1, "G", "A")  # TGA -> TAA
    assert (n.effect, n.hgvs_p, n.hgvs_p3) == ("synonymous", "p.*1256=", "p.Ter1256=")


@pytest.mark.parametrize("alt", ["ATAA", "AGGC", "ATGA"])
def test_an_insertion_just_after_the_stop_codon_leaves_the_protein_whole(model, alt):
    # 5./6. (AGGC raised IndexError and ended the whole batch; ATAA was classed exon20_insertion)
    n = name(model, 39728044, "A", alt)
    assert n.location == "utr3" and n.hgvs_p == "" and n.effect != "inframe_insertion"
    assert erbb2_class(n, model[0].gene) == "other"


def test_deleting_the_last_codon_with_the_stop_is_a_stop_loss(model):
    # c.3763_3768del: V1255 and the stop codon; translation runs on into the 3'UTR
    n = name(model, 39728038, "AGTGTGA", "A")
    assert n.effect == "stop_lost" and n.hgvs_p.startswith("p.V1255") and "fs*" in n.hgvs_p
    assert erbb2_class(n, model[0].gene) == "other"


def test_an_insertion_before_the_start_codon_is_5utr(model):
    m, seq, shift = model
    g = m.c_to_g(1)
    before = seq.fetch(m.chrom, g - 1, g - 1)
    n = describe(m, seq, g - 1, before, before + "CCC")
    assert n.location == "utr5" and n.hgvs_p == ""


@pytest.mark.parametrize("pos,ref,alt", [
    (39716527, "G", "GTAT"),  # left-aligned, as a caller wrote it (was c.1659_1660insTAT)
    (39716528, "T", "TATT"),  # the same insertion written one base later
    (39716529, "A", "ATTA"),
    (39716530, "T", "TTAT"),  # right-aligned
    (39716527, "GT", "GTATT"),  # padded on both sides
])
def test_indels_outside_exons_19_20_are_3prime_shifted_without_a_reference(model, pos, ref, alt):
    m, seq, shift = model
    assert seq.fetch(m.chrom, pos + shift, pos + shift + len(ref) - 1) == ref
    n = name(model, pos, ref, alt)
    assert n.hgvs_c.endswith("c.1660_1662dup") and n.hgvs_p == "p.Y554dup"


@pytest.mark.parametrize("c_pos,new,expected", [
    (2524, "A", "p.V842I"), (2033, "A", "p.R678Q"), (2198, "T", "p.T733I"),
    (2785, "T", "p.R929W"), (2896, "T", "p.R966W"), (929, "T", "p.S310F"),
    (3508, "G", "p.P1170A"), (1963, "G", "p.I655V"),
])
def test_recurrent_changes_in_every_exon_are_named_without_a_reference(model, c_pos, new, expected):
    m, seq, shift = model
    g = m.c_to_g(c_pos)
    ref = seq.fetch(m.chrom, g, g)
    assert ref is not None
    n = describe(m, seq, g, ref, new)
    assert n.hgvs_p == expected and not n.unknown_reason


def test_every_coding_base_of_erbb2_is_in_the_rules(model):
    m, seq, shift = model
    cds = m.cds_bases(seq, 1, m.cds_length)
    assert cds is not None and len(cds) == 3768
    protein = "".join(CODON_TABLE[cds[i:i + 3]] for i in range(0, len(cds), 3))
    assert protein == m.protein


def test_every_splice_site_base_is_named(model):
    m, seq, shift = model
    for i, (s, e) in enumerate(m.exons):
        for g in ([s - 2, s - 1] if i else []) + ([e + 1, e + 2] if i < len(m.exons) - 1 else []):
            base = seq.fetch(m.chrom, g, g)
            assert base is not None, g
            n = describe(m, seq, g, base, "A" if base != "A" else "C")
            assert n.location == "splice_site" and n.hgvs_c, g


class _GenomeOnly:
    """A FASTA-like source: the genome's bases at the placed exons, nothing from the rules' coding
    sequence (as --reference gives them)."""

    label = "test genome"

    def __init__(self, model):
        self.inner = sequence_source(model, None).sources[0]  # the windows only

    def fetch(self, chrom, start, end):
        return self.inner.fetch(chrom, start, end)


@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
@pytest.mark.parametrize("gene,c_pos,new,expected", [
    ("KRAS", 436, "A", "p.A146T"), ("KRAS", 351, "T", "p.K117N"), ("KRAS", 35, "T", "p.G12V"),
    ("KRAS", 183, "T", "p.Q61H"), ("KRAS", 519, "C", "p.D173="),
    ("MET", 2888, "T", None), ("MET", 3000, "A", None), ("EGFR", 2573, "G", "p.L858R"),
    ("BRAF", 1799, "A", "p.V600E"),
])
def test_codrivers_named_the_same_from_the_genome_and_from_the_rules(rules, build, gene, c_pos, new, expected):
    """KRAS codons >= 97 and MET exon 14 were flagged 'wrong reference or build' with a correct
    --reference, and named with X without one."""
    m = TranscriptModel(rules.genes[gene], build)
    g = m.c_to_g(c_pos)
    names = []
    for seq in (sequence_source(m, None), _GenomeOnly(m)):
        ref = seq.fetch(m.chrom, g, g)
        alt = new if m.strand == "+" else new.translate(str.maketrans("ACGT", "TGCA"))
        if ref == alt:
            pytest.skip("the reference already has this base")
        n = describe(m, seq, g, ref, alt)
        assert n.effect != "reference_mismatch" and "X" not in n.hgvs_p and not n.unknown_reason, n.unknown_reason
        names.append((n.hgvs_c, n.hgvs_p))
    assert names[0] == names[1]
    if expected:
        assert names[0][1] == expected


def test_past_the_last_kras_exon_is_downstream_not_an_intron(rules):
    m = TranscriptModel(rules.genes["KRAS"], "GRCh38")
    n = describe(m, sequence_source(m, None), m.exons[-1][0] - 9, "A", "G")
    assert n.location == "downstream" and "+" not in n.hgvs_c and n.hgvs_c.endswith("c.*5015T>C")
