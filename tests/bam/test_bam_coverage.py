"""Depth per target: read filters, the prefix-sum arithmetic against a naive count and against
samtools bedcov, and exon 20 per-base depth."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pysam
import pytest
from test_bam_fixtures import BAM_DIR, bam, rules

from her2var.bam.alignments import open_alignments
from her2var.bam.coverage import base_depth, target_coverage
from her2var.genome.bed import Target, read_targets

GRCH37_17 = 81_195_210


def write_bam(path, reads, *, length=GRCH37_17, chrom="17", index=True):
    """reads: (start, cigar tuples, flag, mapq); sequences are A's of the query length."""
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": chrom, "LN": length}]}
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for k, (start, cigar, flag, mapq) in enumerate(sorted(reads, key=lambda r: r[0])):
            a = pysam.AlignedSegment(out.header)
            a.query_name = f"r{k}"
            a.flag = flag
            a.reference_id = 0
            a.reference_start = start
            a.mapping_quality = mapq
            a.cigartuples = cigar
            a.query_sequence = "A" * sum(n for op, n in cigar if op in (0, 1, 4, 7, 8))
            out.write(a)
    if index:
        pysam.index(str(path))
    return str(path)


def naive_sums(path, targets, min_mapq):
    """Per target: Σ over filtered reads of reference bases spanned inside the target."""
    out = []
    with pysam.AlignmentFile(path) as fh:
        for t in targets:
            total = 0
            for r in fh.fetch(t.chrom, t.start, t.end):
                if r.flag & 0xF04 or r.mapping_quality < min_mapq:
                    continue
                total += max(0, min(r.reference_end, t.end) - max(r.reference_start, t.start))
            out.append(total)
    return out


@pytest.mark.parametrize("flag,mapq,counted,reason", [
    (0, 60, True, ""),
    (0x10, 60, True, ""),
    (0x400, 60, False, "duplicate"),
    (0x100, 60, False, "secondary"),
    (0x800, 60, False, "supplementary"),
    (0x200, 60, False, "qc_fail"),
    (0x4, 60, False, "unmapped"),
    (0, 19, False, "low_mapq"),
    (0, 20, True, ""),
])
def test_read_filters(tmp_path, flag, mapq, counted, reason):
    path = write_bam(tmp_path / "one.bam", [(1000, [(0, 100)], flag, mapq)])
    with open_alignments(path, rules()) as aln:
        cov = target_coverage(aln, [Target("17", 1000, 1100)], rules().thresholds.min_mapq)
    assert int(cov.sums[0]) == (100 if counted else 0)
    assert cov.reads_filtered == ({} if counted else {reason: 1})


def test_deletions_count_as_covered_and_insertions_and_clips_do_not(tmp_path):
    cigar = [(4, 10), (0, 40), (2, 20), (0, 30), (1, 5), (0, 30)]  # spans 120 reference bases
    path = write_bam(tmp_path / "indel.bam", [(1000, cigar, 0, 60)])
    with open_alignments(path, rules()) as aln:
        cov = target_coverage(aln, [Target("17", 900, 1300), Target("17", 1040, 1060)], 20)
        depth = base_depth(aln, "17", 1030, 1070, 20)
    assert cov.sums.tolist() == [120, 20]
    assert depth.tolist() == [1] * 10 + [0] * 20 + [1] * 10  # per-base depth skips the deletion


def test_a_read_spanning_two_read_blocks_is_counted_once(tmp_path):
    # targets 200 kb apart are read in separate blocks; a read with a long deletion touches both
    cigar = [(0, 50), (2, 200_000), (0, 50)]
    path = write_bam(tmp_path / "long.bam", [(10_000, cigar, 0, 60), (10_020, [(0, 100)], 0, 60)])
    targets = [Target("17", 10_000, 10_100), Target("17", 210_000, 210_200)]
    with open_alignments(path, rules()) as aln:
        cov = target_coverage(aln, targets, 20)
    assert cov.sums.tolist() == [100 + 80, 100] and cov.reads_used == 2


@pytest.mark.parametrize("chunk", [2_000, 7])
def test_prefix_sums_equal_a_naive_count_on_a_tumour_with_reads_to_filter(monkeypatch, chunk):
    monkeypatch.setattr("her2var.bam.coverage.CHUNK_TARGETS", chunk)  # reads shared by chunks
    ts = read_targets(str(BAM_DIR / "targets.bed"))
    extra = [Target("17", t.start + 7, t.end - 3) for t in ts.targets[:10]]  # overlapping targets too
    targets = ts.targets + extra
    with open_alignments(bam("T1"), rules()) as aln:
        cov = target_coverage(aln, targets, 20)
    assert cov.sums.tolist() == naive_sums(bam("T1"), targets, 20)
    assert set(cov.reads_filtered) == {"duplicate", "secondary", "supplementary", "qc_fail", "low_mapq"}
    with pysam.AlignmentFile(bam("T1")) as fh:
        kept = [not r.flag & 0xF04 and r.mapping_quality >= 20 for r in fh.fetch(until_eof=True)]
    assert cov.reads_used == sum(kept) and sum(cov.reads_filtered.values()) == len(kept) - sum(kept)


@pytest.mark.skipif(shutil.which("samtools") is None, reason="samtools not installed")
def test_depth_sums_equal_samtools_bedcov_with_the_same_filters():
    bed = str(BAM_DIR / "targets.bed")
    out = subprocess.run(["samtools", "bedcov", "-Q", "20", "-G", "0x800", bed, bam("T1")],
                         capture_output=True, text=True, check=True).stdout
    theirs = [int(line.split("\t")[-1]) for line in out.splitlines()]
    ts = read_targets(bed)
    with open_alignments(bam("T1"), rules()) as aln:
        ours = target_coverage(aln, ts.targets, 20).sums.tolist()
    assert ours == theirs


def test_exon20_base_depth_matches_pysam_count_coverage():
    lo, hi = 37880978, 37881164
    with open_alignments(bam("T2"), rules()) as aln:
        ours = base_depth(aln, "17", lo, hi, 20)
        acgt = aln.handle.count_coverage("17", lo, hi, quality_threshold=0,
                                         read_callback=lambda r: not (r.flag & 0xF04) and r.mapping_quality >= 20)
    assert np.array_equal(ours, np.sum(acgt, axis=0))
