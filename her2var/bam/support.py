"""Counting reads for and against candidate events (module docstring of ``insertions``, steps
3 and 4): every read goes to its best haplotype among the reference and all candidates, and is
counted at the junctions it covers on that haplotype."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .reads import Event, LocalReference, RegionRead, codes

ANCHOR = 20  # shared bases a read needs on the far side of a junction (a mappable anchor)
PAST = 10  # bases a read needs beyond the first difference
MARGIN = 2  # mismatches by which one haplotype must beat the other
MAX_MISMATCH_FRACTION = 0.1  # a read matching neither haplotype better than this is "other"
MIN_CLIP = 5  # shorter soft clips are ignored (adapter, low-quality ends)


@dataclass
class ReadSupport:
    """Read counts for one event (see module docstring for the junction rule)."""

    alt_reads: int = 0
    ref_reads: int = 0
    other_reads: int = 0
    cigar_reads: int = 0  # alt reads holding the event as a CIGAR insertion
    soft_clipped_reads: int = 0  # alt reads holding it only in a soft clip
    junction_alt: int = 0
    junction_all: int = 0

    @property
    def depth(self) -> int:
        return self.alt_reads + self.ref_reads + self.other_reads

    @property
    def vaf(self) -> float | None:
        return self.junction_alt / self.junction_all if self.junction_all else None


def _mismatches(hap: np.ndarray, t: int, read: np.ndarray) -> int:
    n = read.size
    lo, hi = max(t, 0), min(t + n, hap.size)
    outside = n - max(0, hi - lo)
    if hi <= lo:
        return n
    h = hap[lo:hi]
    q = read[lo - t:hi - t]
    return int(np.count_nonzero((h != q) & (h != 4) & (q != 4))) + outside


@dataclass
class _Hap:
    """An event's haplotype over the local window and its two junction windows."""

    event: Event
    codes: np.ndarray
    delta: int
    left: tuple[int, int]
    right_ref: tuple[int, int]
    right_alt: tuple[int, int]


def _haplotype(ev: Event, local: LocalReference) -> _Hap:
    s, r, a = ev
    ref_text = local.text
    i0 = s - local.w0
    alt_text = ref_text[:i0] + a + ref_text[i0 + len(r):]
    n = min(len(ref_text), len(alt_text))
    p = 0
    while p < n and ref_text[p] == alt_text[p]:
        p += 1
    q = 0
    while q < n and ref_text[-1 - q] == alt_text[-1 - q]:
        q += 1
    return _Hap(ev, codes(alt_text), len(a) - len(r), (p - ANCHOR, p + PAST),
                (len(ref_text) - q - PAST, len(ref_text) - q + ANCHOR),
                (len(alt_text) - q - PAST, len(alt_text) - q + ANCHOR))


def count_support(events: list[Event], reads: list[RegionRead], local: LocalReference) -> list[ReadSupport]:
    """Reads for and against each event, every read given to its best haplotype among the
    reference and all the events (module docstring, steps 3-4). A read matching two events
    equally well goes to the one with more reads of its own."""
    haps = [_haplotype(ev, local) for ev in events]
    out = [ReadSupport() for _ in events]
    ref_h = local.codes
    lo_span = min((ev[0] for ev in events), default=0) - 2 * PAST
    hi_span = max((ev[0] + len(ev[1]) for ev in events), default=0) + 2 * PAST
    ties: list[tuple[RegionRead, list[int], list[int], int]] = []
    for rd in reads:
        if rd.end + rd.trail < lo_span or rd.start - rd.lead > hi_span:
            continue
        n = rd.codes.size
        t_left = rd.start - rd.lead - local.w0
        t_right = rd.end + rd.trail - local.w0 - n
        mm_ref, t_ref = min((_mismatches(ref_h, t, rd.codes), t) for t in sorted({t_left, t_right}))
        alt = []
        for h in haps:
            cands = sorted({t_left, t_left + h.delta, t_right, t_right + h.delta})
            alt.append(min((_mismatches(h.codes, t, rd.codes), t) for t in cands))
        limit = max(3, int(MAX_MISMATCH_FRACTION * n))
        best = min((m for m, _ in alt), default=n + 1)
        if alt and best + MARGIN <= mm_ref and best <= limit:
            winners = [i for i, (m, _) in enumerate(alt) if m == best]
            if len(winners) > 1:
                ties.append((rd, winners, [t for _, t in alt], t_ref))
                continue
            _tally(out, haps, rd, winners[0], [t for _, t in alt], t_ref, n)
        elif mm_ref + MARGIN <= best and mm_ref <= limit:
            _tally(out, haps, rd, -1, [], t_ref, n)
        else:
            _tally(out, haps, rd, -2, [], t_ref, n)
    own = [s.alt_reads for s in out]
    for rd, winners, ts, t_ref in ties:
        k = max(winners, key=lambda i: (own[i], -i))
        _tally(out, haps, rd, k, ts, t_ref, rd.codes.size)
    return out


def _tally(out: list[ReadSupport], haps: list[_Hap], rd: RegionRead, winner: int, ts: list[int],
           t_ref: int, n: int) -> None:
    """Count one read for every event: alt for the winner, ref (-1) or other for the rest."""
    for i, (h, sup) in enumerate(zip(haps, out, strict=True)):
        if i == winner:
            t, right = ts[i], h.right_alt
        else:
            t, right = t_ref, h.right_ref
        hits = sum(1 for w0, w1 in (h.left, right) if t <= w0 and t + n >= w1)
        if not hits:
            continue
        sup.junction_all += hits
        if i == winner:
            sup.alt_reads += 1
            sup.junction_alt += hits
            if any(op == 1 for op, _ in rd.cigar):
                sup.cigar_reads += 1
            elif rd.lead >= MIN_CLIP or rd.trail >= MIN_CLIP:
                sup.soft_clipped_reads += 1
        elif winner == -1:
            sup.ref_reads += 1
        else:
            sup.other_reads += 1
