"""Naming is independent of how the caller wrote the event: catalog events in both builds and
several placements, and every alias name of protein_equivalences.tsv built as DNA."""

from __future__ import annotations

import re

import pytest
from conftest import CATALOG

from her2var.genome.naming import describe, trim
from her2var.genome.transcript import CODON_TABLE, TranscriptModel, WindowSequence

BUILDS = ("GRCh37", "GRCh38")


def catalog(build: str) -> list[tuple[int, str, str, str, str, str]]:
    rows = []
    for line in (CATALOG / f"catalog.{build}.vcf").read_text().splitlines():
        if line.startswith("#"):
            continue
        f = line.split("\t")
        info = dict(kv.split("=", 1) for kv in f[7].split(";"))
        rows.append((int(f[1]), f[3], f[4], info["HGVSc"], info["HGVSp"], f[2]))
    return rows


def equivalences() -> list[tuple[str, str]]:
    rows = []
    for line in (CATALOG / "protein_equivalences.tsv").read_text().splitlines():
        if line.startswith("#") or line.startswith("name_as_written"):
            continue
        written, canonical = line.split("\t")
        rows.append((written, canonical))
    return rows


@pytest.fixture(scope="module", params=BUILDS)
def model_seq(request, erbb2):
    m = TranscriptModel(erbb2, request.param)
    return m, WindowSequence(m.windows, m.chrom)


def _in_windows(m, pos, ref, alt):
    return any(w.start + 1 <= pos and pos + len(ref) + 1 <= w.end for w in m.windows)


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("row", range(len(catalog("GRCh37"))))
def test_catalog_event_named(erbb2, build, row):
    rows = catalog(build)
    pos, ref, alt, hgvs_c, hgvs_p, _ = rows[row]
    m = TranscriptModel(erbb2, build)
    n = describe(m, WindowSequence(m.windows, m.chrom), pos, ref, alt)
    assert n.hgvs_c == hgvs_c
    if _in_windows(m, pos, ref, alt) or not n.unknown_reason:
        assert n.hgvs_p == hgvs_p, n.unknown_reason
    else:
        # outside the windows without --reference: classified by position, never guessed
        assert n.hgvs_p == ""
        assert "give --reference" in n.unknown_reason
        assert n.first_residue == int(re.search(r"\d+", hgvs_p).group())


def _placements_of(m, seq, pos, ref, alt):
    """Every placement of a pure indel giving the same haplotype, written VCF-style (padded)."""
    p, r, a = trim(pos, ref, alt)
    k = len(r or a)
    lo, hi = p - 32, p + 40
    whole = seq.fetch(m.chrom, lo, hi)
    target = whole[: p - lo] + a + whole[p - lo + len(r):]
    out = []
    for q in range(p - 18, p + 24):
        i = q - lo
        if r:
            cands = [(whole[i - 1:i + k], whole[i - 1])] if whole[: i] + whole[i + k:] == target else []
        else:
            rotations = {a[j:] + a[:j] for j in range(k)}
            cands = [(whole[i - 1], whole[i - 1] + ins) for ins in rotations
                     if whole[:i] + ins + whole[i:] == target]
        out += [(q - 1, rr, aa) for rr, aa in cands]
    return sorted(set(out))


INDEL_ROWS = [i for i, r in enumerate(catalog("GRCh37")) if len(r[1]) != len(r[2])]


@pytest.mark.parametrize("row", INDEL_ROWS)
def test_catalog_indels_same_name_in_every_placement(model_seq, row):
    m, seq = model_seq
    pos, ref, alt, hgvs_c, hgvs_p, _ = catalog(m.build)[row]
    places = _placements_of(m, seq, pos, ref, alt)
    assert (pos, ref, alt) in places
    if "dup" in hgvs_c:
        assert len(places) >= 2, "a duplication can be written in several places"
    for p, r, a in places:
        n = describe(m, seq, p, r, a)
        assert (n.hgvs_c, n.hgvs_p) == (hgvs_c, hgvs_p), (p, r, a)


def _cds(m, seq, c_from, c_to):
    return m.cds_bases(seq, c_from, c_to)


def _codons(aa: str) -> list[str]:
    return sorted(c for c, x in CODON_TABLE.items() if x == aa)


class BackTranslated:
    """Reference bases for the CDS made by back-translating the protein (first codon each)."""

    label = "back-translated"

    def __init__(self, m):
        self.m = m
        cds = "".join(_codons(a)[0] for a in m.protein)
        self.bases = {m.c_to_g(c): cds[c - 1] for c in range(1, len(cds) + 1)}

    def fetch(self, chrom, start, end):
        out = [self.bases.get(g) for g in range(start, end + 1)]
        return None if None in out else "".join(out)


def _parse(written: str):
    """A protein change as papers write it -> (first, last, inserted, kind)."""
    m = re.fullmatch(r"([A-Z])(\d+)(?:_([A-Z])(\d+))?(dup|del|ins([A-Z]+)|delins([A-Z]+)|([A-Z]))", written)
    assert m, written
    first = int(m.group(2))
    last = int(m.group(4)) if m.group(4) else first
    kind = m.group(5)
    if kind == "dup":
        return first, last, None, "dup"
    if kind == "del":
        return first, last, None, "del"
    if m.group(6):
        return first, last, m.group(6), "ins"
    if m.group(7):
        return first, last, m.group(7), "delins"
    return first, last, m.group(8), "sub"


@pytest.mark.parametrize("choice", [0, -1], ids=["first-codon", "last-codon"])
@pytest.mark.parametrize("written,canonical", equivalences())
def test_alias_written_as_dna_gets_canonical_name(model_seq, written, canonical, choice):
    m, seq = model_seq
    first, last, ins, kind = _parse(written)
    c_first, c_last = 3 * first - 2, 3 * last
    if _cds(m, seq, c_first - 3, c_last + 3) is None:
        # outside the windows: a reference back-translated from NP_004439.2 stands in, since
        # naming depends only on the codons around the change
        seq = BackTranslated(m)
    if kind == "dup":
        new = _cds(m, seq, c_first, c_last)
        c_a, c_b, repl = c_last + 1, c_last, new  # insert a copy after the last residue
    elif kind == "del":
        c_a, c_b, repl = c_first, c_last, ""
    elif kind == "ins":
        c_a, c_b, repl = c_first + 3, c_first + 2, "".join(_codons(x)[choice] for x in ins)
    elif kind == "delins":
        c_a, c_b, repl = c_first, c_last, "".join(_codons(x)[choice] for x in ins)
    else:
        c_a, c_b, repl = c_first, c_last, _codons(ins)[choice]
    g_a = m.c_to_g(c_a) if c_a <= c_b else m.c_to_g(c_b) + 1
    refbases = _cds(m, seq, c_a, c_b) if c_a <= c_b else ""
    pad = seq.fetch(m.chrom, g_a - 1, g_a - 1)
    n = describe(m, seq, g_a - 1, pad + refbases, pad + repl)
    assert n.hgvs_p == canonical, (written, n.hgvs_c)


def test_three_letter_and_c_names(model_seq):
    m, seq = model_seq
    pos, ref, alt = next((p, r, a) for p, r, a, _, hp, _ in catalog(m.build) if hp == "p.Y772_A775dup")
    n = describe(m, seq, pos, ref, alt)
    assert n.hgvs_p3 == "p.Tyr772_Ala775dup"
    assert n.exon == 20 and n.effect == "inframe_insertion"
    assert n.first_residue == 772 and n.last_residue == 775


@pytest.mark.parametrize("c_pos,expected_loc", [(2308, "coding"), (2493, "coding")])
def test_exon20_edges_are_coding(model_seq, c_pos, expected_loc):
    m, seq = model_seq
    g = m.c_to_g(c_pos)
    base = seq.fetch(m.chrom, g, g)
    other = "A" if base != "A" else "C"
    assert describe(m, seq, g, base, other).location == expected_loc


@pytest.mark.parametrize("offset,loc", [(-1, "splice_site"), (-2, "splice_site"), (-5, "splice_region"), (-20, "intronic")])
def test_intronic_positions(model_seq, offset, loc):
    m, seq = model_seq
    g = m.c_to_g(2308) + offset
    base = seq.fetch(m.chrom, g, g)
    other = "A" if base != "A" else "C"
    n = describe(m, seq, g, base, other)
    assert n.location == loc
    assert n.hgvs_c.endswith(f"c.2308{offset}{base}>{other}")


def test_frameshift_and_nonsense(model_seq):
    m, seq = model_seq
    g = m.c_to_g(2314)  # Y772 first base
    base = seq.fetch(m.chrom, g, g)
    # c.2314_2315insA: TAC -> TAA C...: the first new residue is a stop, so nonsense, not fs
    n = describe(m, seq, g, base, base + "A")
    assert n.effect == "nonsense" and n.hgvs_p == "p.Y772*" and n.hgvs_p3 == "p.Tyr772Ter"
    # c.2314_2315insC: TAC -> TCA C..: Y772S and a new frame, named with its new stop's distance
    n = describe(m, seq, g, base, base + "C")
    assert n.effect == "frameshift" and re.fullmatch(r"p\.Y772Sfs\*\d+", n.hgvs_p), n.hgvs_p
    assert n.hgvs_p3.startswith("p.Tyr772SerfsTer")
    # Y772 TAC -> TAA (stop)
    g3 = m.c_to_g(2316)
    assert seq.fetch(m.chrom, g3, g3) == "C"
    n = describe(m, seq, g3, "C", "A")
    assert n.effect == "nonsense" and n.hgvs_p == "p.Y772*"


def test_insertion_without_sequence_is_placed_by_position_only(erbb2):
    m = TranscriptModel(erbb2, "GRCh37")
    n = describe(m, None, 37880981, "A", "AGCATACGTGATG")
    assert n.hgvs_p == "" and n.hgvs_c == ""
    assert "give --reference" in n.unknown_reason
    assert n.location == "coding" and n.dna_delta == 12


def test_reference_mismatch_is_reported(erbb2):
    m = TranscriptModel(erbb2, "GRCh37")

    class Wrong:
        label = "wrong"

        def fetch(self, chrom, start, end):
            return "A" * (end - start + 1)

    n = describe(m, Wrong(), 37880997, "A", "T")
    assert n.effect == "reference_mismatch" and "wrong reference or build" in n.unknown_reason


# -- in-frame events in the last codons of exon 20, next to exon 21 (which the rules do not carry) --
def _with_exon21(model):
    """The rules' windows plus exon 21's first codons, written with codons chosen for the protein."""
    from her2var.genome.transcript import CODON_TABLE, WindowSequence
    from her2var.rules.load import Window

    first = {aa: codon for codon, aa in sorted(CODON_TABLE.items(), reverse=True)}
    start = model.c_to_g(2494)
    codons = "".join(first[aa] for aa in model.protein[831:831 + 10])
    return WindowSequence((*model.windows, Window(start, codons)), model.chrom)


@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
def test_inframe_events_at_the_end_of_exon20_are_named_without_exon21(erbb2, build):
    """Without exon 21's bases the name must equal the name with them (an in-frame event leaves
    the next codon as it is); a split codon's own bases are in the rules' exon 20 window."""
    from her2var.genome.naming import describe
    from her2var.genome.transcript import TranscriptModel, WindowSequence

    model = TranscriptModel(erbb2, build)
    rules_only, full = WindowSequence(model.windows, model.chrom), _with_exon21(model)
    named = 0
    for c in range(2479, 2493):  # after c.2479 ... c.2492: codons 827-831
        pos = model.c_to_g(c)
        base = full.fetch(model.chrom, pos, pos)
        for ins in ("GGC", "TTT", "GCATAC", "AAACCC", "CATGGGAAA", "TAA"):
            a = describe(model, rules_only, pos, base, base + ins)
            b = describe(model, full, pos, base, base + ins)
            assert (a.hgvs_p, a.effect) == (b.hgvs_p, b.effect), (c, ins, a.unknown_reason)
            named += bool(a.hgvs_p)
    for first in range(2482, 2492):  # in-frame deletions of 3 bases ending by c.2493
        pos = model.c_to_g(first) - 1
        ref = full.fetch(model.chrom, pos, pos + 3)
        a = describe(model, rules_only, pos, ref, ref[0])
        b = describe(model, full, pos, ref, ref[0])
        assert (a.hgvs_p, a.effect) == (b.hgvs_p, b.effect), (first, a.unknown_reason)
        named += bool(a.hgvs_p)
    assert named >= 90
