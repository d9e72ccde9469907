"""Reads of one region held in memory, and the region's reference bases.

``LocalReference`` takes bases from the sequence source (an indexed FASTA, or the rules' exon
windows) and, where that has none, from the consensus of the aligned read bases, so exon 20 work
needs no FASTA while still seeing whole reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..genome.transcript import SequenceSource
from .alignments import READ_FILTER_FLAGS, Alignments

Event = tuple[int, str, str]  # (0-based first replaced base, replaced ref bases, new bases)

_CODE = np.full(256, 4, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT"):
    _CODE[_b] = _i
    _CODE[_b + 32] = _i


def codes(seq: str) -> np.ndarray:
    return _CODE[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)]


@dataclass
class RegionRead:
    start: int  # 0-based first aligned base
    end: int  # 0-based, exclusive
    seq: str
    codes: np.ndarray
    lead: int  # soft-clipped bases at the start
    trail: int
    cigar: list[tuple[int, int]]

    @property
    def has_indel(self) -> bool:
        return any(op in (1, 2) for op, _ in self.cigar)


class LocalReference:
    """Reference bases of [w0, w1): the sequence source where it has them, else read consensus."""

    def __init__(self, w0: int, w1: int, seq: SequenceSource, chrom: str, reads: list[RegionRead]) -> None:
        self.w0, self.w1 = w0, w1
        n = w1 - w0
        bases = seq.fetch(chrom, w0 + 1, w1)
        if bases is None:
            bases = "".join(seq.fetch(chrom, p, p) or "N" for p in range(w0 + 1, w1 + 1))
        arr = np.frombuffer(bases.upper().encode("ascii"), dtype=np.uint8).copy()
        missing = np.flatnonzero(_CODE[arr] == 4)
        if missing.size:
            counts = np.zeros((n, 5), dtype=np.int64)
            for r in reads:
                for rs, qs, ln in aligned_blocks(r):
                    lo, hi = max(rs, w0), min(rs + ln, w1)
                    if lo < hi:
                        q = r.codes[qs + lo - rs: qs + hi - rs]
                        np.add.at(counts, (np.arange(lo - w0, hi - w0), q), 1)
            best = counts[:, :4].argmax(axis=1)
            has = counts[:, :4].sum(axis=1) > 0
            fill = missing[has[missing]]
            arr[fill] = np.frombuffer(b"ACGT", dtype=np.uint8)[best[fill]]
        self.text = arr.tobytes().decode("ascii")
        self.codes = _CODE[arr]

    def get(self, start: int, end: int) -> str:
        """Bases of [start, end) 0-based; 'N' outside the window."""
        lo, hi = max(start, self.w0), min(end, self.w1)
        core = self.text[lo - self.w0: hi - self.w0] if lo < hi else ""
        return "N" * max(0, min(end, self.w0) - start) + core + "N" * max(0, end - max(start, self.w1))


def aligned_blocks(r: RegionRead) -> Iterable[tuple[int, int, int]]:
    """(ref start, query start, length) of each M/=/X run."""
    rpos, qpos = r.start, 0
    for op, ln in r.cigar:
        if op in (0, 7, 8):
            yield rpos, qpos, ln
            rpos += ln
            qpos += ln
        elif op in (1, 4):
            qpos += ln
        elif op in (2, 3):
            rpos += ln


def fetch_reads(aln: Alignments, contig: str, lo: int, hi: int, min_mapq: int) -> list[RegionRead]:
    reads = []
    try:
        for r in aln.handle.fetch(contig, lo, hi):
            if r.flag & READ_FILTER_FLAGS or r.mapping_quality < min_mapq:
                continue
            seq = r.query_sequence
            cig = r.cigartuples
            if not seq or not cig:
                continue
            lead = cig[0][1] if cig[0][0] == 4 else 0
            trail = cig[-1][1] if cig[-1][0] == 4 else 0
            reads.append(RegionRead(r.reference_start, r.reference_end, seq.upper(), codes(seq.upper()),
                               lead, trail, list(cig)))
    except OSError as exc:
        raise InputError(f"{aln.path}: reading failed near exon 20 ({exc}); the file may be truncated") from exc
    return reads
