"""Read depth per target, with the read filters of the rules.

Depth is counted like ``samtools bedcov``: every filtered read adds the reference bases it spans
(aligned and deleted bases) that fall inside the target; the target's mean depth is that sum over
its length. Reads are read in blocks of nearby targets (chunks of CHUNK_TARGETS targets bound the
memory), and only their start and end are kept: the per-target sums then come from sorted starts and
ends with prefix sums (sum over reads of |[s, e) ∩ [a, b)| = G(b) − G(a), G(x) = Σ_{s<x}(x−s) − Σ_{e<x}(x−e)), so the
Python work per read is four attribute reads. Per-base depth (for exon 20) counts aligned bases
only, like ``samtools depth``.
"""

from __future__ import annotations

import array
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..contigs import contig_key
from ..errors import InputError, shown
from ..genome.bed import Target
from .alignments import READ_FILTER_FLAGS, Alignments, filter_reason

MERGE_GAP = 65_536  # targets closer than this are read in one pass of the index
CHUNK_TARGETS = 2_000  # targets whose reads are held in memory at once


@dataclass
class Coverage:
    """Depth sums of one sample over a list of targets (same order)."""

    sums: np.ndarray  # int64: Σ depth over each target's bases
    lengths: np.ndarray  # int64
    reads_used: int
    reads_filtered: dict[str, int] = field(default_factory=dict)
    mean_read_span: float = 0.0  # reference bases spanned per counted read

    @property
    def mean_depth(self) -> np.ndarray:
        return self.sums / self.lengths

    @property
    def total_mean_depth(self) -> float:
        """Mean depth over all target bases: the sample's coverage of the panel."""
        total = int(self.lengths.sum())
        return float(self.sums.sum()) / total if total else 0.0


def _blocks(targets: list[Target], idx: list[int], gap: int) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for i in idx:
        t = targets[i]
        if out and t.start - out[-1][1] <= gap:
            out[-1][1] = max(out[-1][1], t.end)
        else:
            out.append([t.start, t.end])
    return [(a, b) for a, b in out]


def _read_spans(aln: Alignments, contig: str, blocks: list[tuple[int, int]], min_mapq: int,
                counted_to: int, stats: Counter) -> tuple[np.ndarray, np.ndarray]:
    """Starts and (sorted) ends of the filtered reads over the blocks, each read once.

    Reads starting before ``counted_to`` were read for the previous chunk too: they count
    again for this chunk's targets but not again in ``stats``."""
    starts = array.array("q")
    ends = array.array("q")
    add_start, add_end = starts.append, ends.append
    mask = READ_FILTER_FLAGS
    fetch = aln.handle.fetch
    seen_to = -1  # reads starting before this were taken in the previous block
    for a, b in blocks:
        for r in fetch(contig, a, b):
            s = r.reference_start
            if s < seen_to:
                continue
            f = r.flag
            if f & mask:
                if s >= counted_to:
                    stats[filter_reason(f)] += 1
                continue
            if r.mapping_quality < min_mapq:
                if s >= counted_to:
                    stats["low_mapq"] += 1
                continue
            add_start(s)
            add_end(r.reference_end)
        seen_to = b
    s_arr = np.frombuffer(starts, dtype=np.int64) if len(starts) else np.zeros(0, np.int64)
    e_arr = np.frombuffer(ends, dtype=np.int64) if len(ends) else np.zeros(0, np.int64)
    if s_arr.size > 1 and np.any(s_arr[1:] < s_arr[:-1]):
        raise InputError(f"{aln.path}: reads on {shown(contig, bare=True)} are not in coordinate order; "
                         "sort the file (samtools sort)")
    new = s_arr >= counted_to
    stats["_used"] += int(np.count_nonzero(new))
    stats["_span"] += int(e_arr[new].sum() - s_arr[new].sum())
    return s_arr, np.sort(e_arr)


def _interval_sums(starts: np.ndarray, ends_sorted: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Σ over reads of the overlap of [start, end) with each [a, b)."""
    cs = np.concatenate(([0], np.cumsum(starts)))
    ce = np.concatenate(([0], np.cumsum(ends_sorted)))

    def g(x: np.ndarray) -> np.ndarray:
        ns = np.searchsorted(starts, x, side="left")
        ne = np.searchsorted(ends_sorted, x, side="left")
        return (ns * x - cs[ns]) - (ne * x - ce[ne])

    return g(b) - g(a)


def target_coverage(aln: Alignments, targets: list[Target], min_mapq: int,
                    merge_gap: int = MERGE_GAP) -> Coverage:
    """Depth sums per target from reads passing the filters (see module docstring)."""
    sums = np.zeros(len(targets), dtype=np.int64)
    lengths = np.array([t.length for t in targets], dtype=np.int64)
    by_contig: dict[str, list[int]] = {}
    for i, t in enumerate(targets):
        by_contig.setdefault(contig_key(t.chrom), []).append(i)
    stats: Counter = Counter()
    for idx in by_contig.values():
        contig = aln.resolve(targets[idx[0]].chrom)
        if contig is None:
            raise InputError(
                f"{aln.path}: the targets name contig {shown(targets[idx[0]].chrom, bare=True)}, which is not in the "
                "file's @SQ lines; the targets and the alignment do not belong together"
            )
        idx = sorted(idx, key=lambda i: (targets[i].start, targets[i].end))
        counted_to = -1
        # chunks of targets bound the memory held for one pass (a few MB per chunk)
        for k in range(0, len(idx), CHUNK_TARGETS):
            chunk = idx[k:k + CHUNK_TARGETS]
            blocks = _blocks(targets, chunk, merge_gap)
            try:
                starts, ends = _read_spans(aln, contig, blocks, min_mapq, counted_to, stats)
            except OSError as exc:
                raise InputError(f"{aln.path}: reading failed on {shown(contig, bare=True)} ({exc}); the file may be "
                                 "truncated or corrupt") from exc
            counted_to = blocks[-1][1]
            if starts.size:
                a = np.array([targets[i].start for i in chunk], dtype=np.int64)
                b = np.array([targets[i].end for i in chunk], dtype=np.int64)
                sums[chunk] = _interval_sums(starts, ends, a, b)
    used, span = stats.pop("_used", 0), stats.pop("_span", 0)
    return Coverage(sums=sums, lengths=lengths, reads_used=used, reads_filtered=dict(sorted(stats.items())),
                    mean_read_span=span / used if used else 0.0)


def base_depth(aln: Alignments, contig: str, start: int, end: int, min_mapq: int) -> np.ndarray:
    """Depth of aligned bases (no deletions) at each position of [start, end), 0-based."""
    n = end - start
    diff = np.zeros(n + 1, dtype=np.int64)
    mask = READ_FILTER_FLAGS
    try:
        for r in aln.handle.fetch(contig, start, end):
            if r.flag & mask or r.mapping_quality < min_mapq:
                continue
            for bs, be in r.get_blocks():
                lo, hi = max(bs, start), min(be, end)
                if lo < hi:
                    diff[lo - start] += 1
                    diff[hi - start] -= 1
    except OSError as exc:
        raise InputError(f"{aln.path}: reading failed on {shown(contig, bare=True)} ({exc}); the file may be "
                         "truncated or corrupt") from exc
    return np.cumsum(diff[:-1])
