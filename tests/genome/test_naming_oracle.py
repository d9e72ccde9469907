"""Seeded random events over every coding exon of ERBB2 and every modelled co-driver exon, named
without a FASTA:

- substitutions against a plain oracle (apply the change to the coding sequence, translate,
  compare residue by residue), which shares nothing with the naming code but the codon table;
- insertions and deletions written in every equivalent way a caller may write them (each place
  in their repeat, with padding on either side) get one name, the same in both builds and the
  same as with a FASTA built from the same bases.
"""

from __future__ import annotations

import random

import pytest

from her2var.classify.pipeline import sequence_source
from her2var.genome.naming import describe
from her2var.genome.transcript import CODON_TABLE, TranscriptModel, revcomp

GENES = ["ERBB2", "KRAS", "EGFR", "BRAF", "MET"]
N_SNV = 120
N_INDEL = 60


def _coding_positions(m: TranscriptModel) -> list[int]:
    """Genomic positions of every placed coding base, with their c. number."""
    out = []
    for s, e in m.exons:
        for g in range(s, e + 1):
            cp = m.g_to_c(g)
            if cp.is_coding:
                out.append(g)
    return out


def _oracle_snv(cds: str, c: int, new_base: str) -> tuple[str, str]:
    """(effect, one-letter name) of a substitution at coding base c, from first principles."""
    k = (c - 1) // 3
    ref_codon = cds[3 * k:3 * k + 3]
    alt_codon = ref_codon[:(c - 1) % 3] + new_base + ref_codon[(c - 1) % 3 + 1:]
    a, b = CODON_TABLE[ref_codon], CODON_TABLE[alt_codon]
    res = k + 1
    if k == 0 and a != b:
        return "start_lost", "p.M1?"
    if a == b:
        return "synonymous", f"p.{a}{res}="
    if a == "*":
        return "stop_lost", f"p.*{res}{b}ext"
    if b == "*":
        return "nonsense", f"p.{a}{res}*"
    return "missense", f"p.{a}{res}{b}"


@pytest.mark.parametrize("gene", GENES)
@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
def test_substitutions_agree_with_a_plain_translation(rules, gene, build):
    m = TranscriptModel(rules.genes[gene], build)
    seq = sequence_source(m, None)
    cds = m.cds_bases(seq, 1, m.cds_length)
    assert cds is not None and "".join(CODON_TABLE[cds[i:i + 3]] for i in range(0, len(cds), 3)) == m.protein
    rng = random.Random(f"{gene}-{build}")
    positions = _coding_positions(m)
    for g in rng.sample(positions, min(N_SNV, len(positions))):
        ref = seq.fetch(m.chrom, g, g)
        new = rng.choice([b for b in "ACGT" if b != ref])
        n = describe(m, seq, g, ref, new)
        c = m.g_to_c(g).base
        tx_new = new if m.strand == "+" else revcomp(new)
        effect, expected = _oracle_snv(cds, c, tx_new)
        assert n.effect == effect, (gene, build, g, ref, new, n.hgvs_p)
        if effect == "stop_lost":
            assert n.hgvs_p.startswith(expected), (g, n.hgvs_p)
        else:
            assert n.hgvs_p == expected, (gene, build, g, ref, new)
        assert "X" not in n.hgvs_p and not n.unknown_reason


def _representations(seq, chrom, pos, ref, alt):
    """Every VCF way of writing one pure insertion/deletion: each place it can slide to, with
    the left padding base, and once with a right padding base too."""
    from her2var.genome.naming import _placements

    placements, _ = _placements(seq, chrom, pos, ref, alt)
    out = []
    for p, r, a in placements:
        pad = seq.fetch(chrom, p - 1, p - 1)
        out.append((p - 1, pad + r, pad + a))
        after = seq.fetch(chrom, p + len(r), p + len(r))
        out.append((p - 1, pad + r + after, pad + a + after))
    return out


@pytest.mark.parametrize("gene", GENES)
def test_indels_have_one_name_in_every_representation_and_build(rules, gene, tmp_path):
    models = {b: TranscriptModel(rules.genes[gene], b) for b in ("GRCh37", "GRCh38")}
    seqs = {b: sequence_source(m, None) for b, m in models.items()}
    m37, m38 = models["GRCh37"], models["GRCh38"]
    rng = random.Random(f"indel-{gene}")
    positions = _coding_positions(m38)
    for _ in range(N_INDEL):
        g38 = rng.choice(positions)
        c = m38.g_to_c(g38).base
        g37 = m37.c_to_g(c)
        size = rng.choice([1, 2, 3, 3, 4, 6, 9])
        if rng.random() < 0.5:  # deletion of `size` bases starting here
            ref = seqs["GRCh38"].fetch(m38.chrom, g38, g38 + size - 1)
            if ref is None:
                continue
            event = (g38, ref, "")
        else:  # insertion before this base: random bases, or a copy of the bases before it
            copy = seqs["GRCh38"].fetch(m38.chrom, g38 - size, g38 - 1)
            ins = copy if copy and rng.random() < 0.5 else "".join(rng.choice("ACGT") for _ in range(size))
            event = (g38, "", ins)
        names = set()
        for build, shift in (("GRCh38", 0), ("GRCh37", g37 - g38 if m38.strand == m37.strand else None)):
            if shift is None:
                continue
            m, seq = models[build], seqs[build]
            for p, r, a in _representations(seq, m.chrom, event[0] + shift, event[1], event[2]):
                if None in (r, a) or seq.fetch(m.chrom, p, p + len(r) - 1) != r:
                    continue
                n = describe(m, seq, p, r, a)
                names.add((n.hgvs_c.split(":")[-1], n.hgvs_p, n.effect))
        assert len(names) == 1, (gene, event, names)
