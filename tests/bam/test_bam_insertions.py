"""Exon 20 insertions from reads: found from CIGAR insertions and from soft clips alone, named by
the VCF path's naming code, counted at their known VAF; VCF events checked against the reads."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_bam_fixtures import bam, evidence, rules, script_module, truth

from her2var.bam.alignments import open_alignments
from her2var.bam.insertions import scan_exon20
from her2var.bam.softclips import consensus, from_left_clip, from_right_clip, join
from her2var.genome.naming import describe
from her2var.genome.transcript import TranscriptModel, WindowSequence, translate

CATALOG_NAMES = {37880981: "p.Y772_A775dup", 37880997: "p.G776delinsVC", 37881002: "p.G778_P780dup"}
WITH_INSERTION = [s for s, row in truth().items() if row["insertion_pos"]]
WITHOUT = [s for s, row in truth().items() if row["kind"] == "tumour" and not row["insertion_pos"]]


def model():
    return TranscriptModel(rules().index_gene, "GRCh37")


def windows():
    m = model()
    return WindowSequence(m.windows, m.chrom)


def passing(ev):
    return [i for i in ev.insertions if not i.filter_reason]


def vaf_ok(measured, true, depth):
    return abs(measured - true) <= 3 * math.sqrt(true * (1 - true) / depth) + 0.02


@pytest.mark.parametrize("sample", WITH_INSERTION)
def test_insertion_found_named_and_at_its_known_vaf(sample):
    row = truth()[sample]
    found = passing(evidence(sample))
    assert len(found) == 1, [(i.pos, i.alt, i.alt_reads) for i in evidence(sample).insertions]
    ins = found[0]
    assert (ins.pos, ins.ref, ins.alt) == (int(row["insertion_pos"]), row["insertion_ref"], row["insertion_alt"])
    same = describe(model(), windows(), int(row["insertion_pos"]), row["insertion_ref"], row["insertion_alt"])
    assert ins.naming.hgvs_p == same.hgvs_p and ins.naming.hgvs_c == same.hgvs_c
    assert ins.naming.exon == 20 and ins.naming.hgvs_p
    assert vaf_ok(ins.vaf, float(row["vaf"]), ins.depth), (ins.vaf, row["vaf"], ins.depth)
    assert ins.depth >= 100 and ins.alt_reads >= 20


@pytest.mark.parametrize("pos,name", sorted(CATALOG_NAMES.items()))
def test_catalog_insertions_get_their_catalog_names(pos, name):
    sample = next(s for s in WITH_INSERTION if int(truth()[s]["insertion_pos"]) == pos)
    assert passing(evidence(sample))[0].naming.hgvs_p == name


def test_long_insertion_only_in_soft_clips_is_recovered():
    row = truth()["T5"]
    ins = passing(evidence("T5"))[0]
    assert row["mode"] == "clip" and len(row["insertion_alt"]) - 1 == 45
    assert ins.found_by == ("soft_clip",) and ins.recovered_from_clips
    assert ins.cigar_reads == 0 and ins.soft_clipped_reads == ins.alt_reads
    inserted = row["insertion_alt"][1:]
    assert ins.naming.hgvs_p == f"p.L800_M801ins{translate(inserted)}"
    assert any("recovered from" in n for n in ins.notes)


def test_short_insertions_come_from_cigar_reads():
    for sample in ("T2", "T3", "T4"):
        ins = passing(evidence(sample))[0]
        assert "cigar" in ins.found_by and ins.cigar_reads > ins.soft_clipped_reads


@pytest.mark.parametrize("sample", WITHOUT)
def test_no_insertion_where_there_is_none(sample):
    assert passing(evidence(sample)) == []


def scan(path, known=()):
    with open_alignments(path, rules()) as aln:
        return scan_exon20(aln, model(), windows(), min_mapq=20, thresholds=rules().thresholds, known=known)


def test_vcf_events_are_counted_whatever_their_placement():
    left = (37880981, "A", "AGCATACGTGATG")  # left-aligned
    shifted = (37880983, "C", "CATACGTGATGGC")  # the same event written two bases later
    absent = (37880997, "G", "GTGT")  # p.G776delinsVC, not in T2
    result = scan(bam("T2"), known=[left, shifted, absent])
    a, b, c = (result.support[k] for k in (left, shifted, absent))
    found = passing(evidence("T2"))[0]
    assert a.alt_reads == b.alt_reads == found.alt_reads and a.vaf == b.vaf == found.vaf
    assert c.alt_reads == 0 and c.depth > 100 and c.vaf == 0


def test_vcf_event_whose_ref_does_not_match_is_noted():
    result = scan(bam("T2"), known=[(37880981, "G", "GTTT")])
    assert result.support == {}
    assert any("REF does not match" in n for n in result.notes)


def simulated(tmp_path, length, vaf=0.3, seed=3):
    """A BAM of exon 20 only, holding an in-frame insertion of `length` bases only in soft clips."""
    m = script_module()
    panel, seq = m.make_panel(np.random.default_rng(m.SEED))
    i = panel.exon20
    one = m.Panel([panel.targets[i]], panel.efficiency[[i]], panel.gc[[i]], panel.erbb2[[i]], 0)
    rng = np.random.default_rng(seed)
    codons = [c for c in ("GCT", "CAG", "TTC", "AAG", "GGA", "CCT", "ACG", "TGG", "ATC", "GAC")]
    inserted = "".join(codons[k] for k in rng.integers(0, len(codons), length // 3))
    base = chr(seq[m.LONG_AFTER - 1])
    event = (m.LONG_AFTER, base, base + inserted)
    reads = m.simulate_sample(m.Sample("X", "tumour", insertions=[(event, vaf, "clip")], depth=100), one, seq, rng)
    path = tmp_path / f"ins{length}.bam"
    m.write_bam(str(path), "X", reads)
    return str(path), event


@pytest.mark.parametrize("length", [120, 150])
def test_insertion_longer_than_the_reads_is_joined_from_both_sides(tmp_path, length):
    path, event = simulated(tmp_path, length)
    found = [i for i in scan(path).insertions if not i.filter_reason]
    assert [(i.pos, i.ref, i.alt) for i in found] == [event]
    assert vaf_ok(found[0].vaf, 0.3, found[0].depth)


def test_unrecoverable_insertion_is_reported_as_a_note(tmp_path):
    path, _ = simulated(tmp_path, 210)  # longer than the two clip consensuses together
    result = scan(path)
    assert [i for i in result.insertions if not i.filter_reason] == []
    assert any("soft-clipped at 17:3788107" in n and "long insertion" in n for n in result.notes)


def test_scan_is_deterministic():
    a = [i.as_dict() for i in scan(bam("T5")).insertions]
    b = [i.as_dict() for i in scan(bam("T5")).insertions]
    assert a == b and a


# -- soft-clip recovery on hand-made sequences ------------------------------------------------
class FakeLocal:
    def __init__(self, w0, text):
        self.w0, self.text = w0, text

    def get(self, start, end):
        return self.text[start - self.w0:end - self.w0]


REF = "ACGTTGCAAGCTTACGGATCCATGCATGACTGACCAGTTTGCAAAGGCCTTAGGATCCA"


def test_right_clip_consensus_rejoins_the_reference_after_the_insertion():
    local = FakeLocal(100, REF)
    x = 120  # reads aligned up to 119, then the insertion, then REF from 120
    clipped = "GGGAAATTT" + REF[20:45]
    assert from_right_clip(x, clipped, local) == (120, "", "GGGAAATTT")


def test_left_clip_consensus_leaves_the_reference_before_the_insertion():
    local = FakeLocal(100, REF)
    y = 130
    clipped = REF[10:30] + "CCCAAAGGG"
    assert from_left_clip(y, clipped, local) == (130, "", "CCCAAAGGG")


def test_join_of_two_partial_consensuses():
    local = FakeLocal(100, REF)
    inserted = "TTGACCAGGTACCATTGGACGATCGTTAGCAAGTCCGATGCATTGCGACTTAGCCGATAATCGGTACCTGTAGCTAGG"
    right, left = inserted[:50], inserted[35:]
    assert join(120, right, 120, left, local) == (120, "", inserted)


def test_consensus_stops_where_reads_disagree():
    assert consensus(["ACGTAC", "ACGTAC", "ACGTAC", "ACGTTT"], from_end=False) == "ACGTAC"  # 3 of 4 agree
    assert consensus(["ACGTAC", "ACGTTT", "ACGTAC"], from_end=False) == "ACGT"  # 2 of 3 is not enough
    assert consensus(["ACGTAA", "ACGTCC", "ACGTGG"], from_end=False) == "ACGT"
    assert consensus(["TTACGT", "GGACGT"], from_end=True) == "ACGT"
