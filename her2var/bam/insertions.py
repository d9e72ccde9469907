"""Exon 20 insertions seen in the reads: found, recovered from soft clips, counted, named.

1. Reads over exon 20 (same filters as coverage) are read once.
2. Candidate events come from CIGAR insertions (an I run, with an adjacent D making a delins) and
   from soft clips: clipped tails that pile up at one position are turned into a consensus, and
   the consensus is matched against the reference beyond the clip point; what comes before the
   match is the inserted sequence. When no read is long enough to hold the whole insertion, the
   right-clipped and left-clipped consensuses are joined by their overlap.
3. Every read is compared, over its full sequence (clips included), with the reference and
   with each candidate's haplotype, at the placements its alignment allows from either end; it
   goes to the best haplotype when that beats the reference by MARGIN mismatches (ties between
   candidates go to the one with more reads of its own). This does not depend on where or how
   the aligner wrote the event. Candidates left with fewer than two reads are dropped and the
   reads counted again; candidates far weaker than a passing one are its sequencing noise.
4. VAF counts reads at the event's two junctions: a read counts at a junction when, on its own
   haplotype, it holds ANCHOR shared bases and PAST bases beyond the first difference. Both
   haplotypes offer the same number of such read positions, so a long insertion is not
   over-counted (it offers more read positions than the reference). alt_reads and depth are
   distinct reads covering either junction; vaf = junction alt / all junction observations.
5. Every event is named by ``naming.describe``, the code that names VCF records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import shown
from ..genome.naming import Naming, describe
from ..genome.transcript import SequenceSource, TranscriptModel, exon20_span
from ..rules.quality import quality_reason
from ..rules.spec import Thresholds
from .alignments import Alignments
from .reads import Event, LocalReference, RegionRead, fetch_reads
from .softclips import (
    MIN_DISCOVERY_READS,
    MIN_MATCH,
    MIN_OVERLAP,
    consensus,
    from_left_clip,
    from_right_clip,
    join,
)
from .support import MIN_CLIP, PAST, ReadSupport, count_support

NOISE_FOLD = 20  # a failing candidate with 20x fewer reads than a passing one is its noise
FLANK = 30  # bases around exon 20 searched for events
FETCH_PAD = 300  # reads fetched this far around the search span


@dataclass
class ReadInsertion:
    """One distinct insertion (or net-gain delins) seen in the reads."""

    pos: int  # VCF style: 1-based, left-aligned, padded with the base before
    ref: str
    alt: str
    naming: Naming
    alt_reads: int
    depth: int
    vaf: float | None
    soft_clipped_reads: int
    cigar_reads: int
    ref_reads: int
    found_by: tuple[str, ...]  # "cigar", "soft_clip"
    recovered_from_clips: bool  # the inserted sequence was read from soft clips
    filter_reason: str = ""  # low_depth / low_alt_reads / low_vaf, or '' when it passes
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "pos": self.pos, "ref": self.ref, "alt": self.alt, "hgvs_c": self.naming.hgvs_c,
            "hgvs_p": self.naming.hgvs_p, "exon": self.naming.exon, "alt_reads": self.alt_reads,
            "depth": self.depth, "vaf": None if self.vaf is None else round(self.vaf, 4),
            "soft_clipped_reads": self.soft_clipped_reads, "cigar_reads": self.cigar_reads,
            "ref_reads": self.ref_reads, "found_by": list(self.found_by),
            "recovered_from_clips": self.recovered_from_clips, "filter_reason": self.filter_reason,
            "notes": list(self.notes),
        }


@dataclass
class InsertionScan:
    insertions: list[ReadInsertion]
    support: dict[tuple[int, str, str], ReadSupport]  # for events given by the caller (VCF)
    notes: list[str]
    reads: int


# -- candidates -------------------------------------------------------------------------------
def _cigar_events(r: RegionRead, local: LocalReference) -> list[Event]:
    out = []
    rpos, qpos = r.start, 0
    ops = r.cigar
    i = 0
    while i < len(ops):
        op, ln = ops[i]
        if op in (1, 2) and i > 0 and ops[i - 1][0] in (0, 7, 8):
            start, ins, dlen = rpos, "", 0
            j = i
            while j < len(ops) and ops[j][0] in (1, 2):
                if ops[j][0] == 1:
                    ins += r.seq[qpos:qpos + ops[j][1]]
                    qpos += ops[j][1]
                else:
                    dlen += ops[j][1]
                    rpos += ops[j][1]
                j += 1
            if ins and j < len(ops) and ops[j][0] in (0, 7, 8):
                out.append((start, local.get(start, start + dlen), ins))
            i = j
            continue
        if op in (0, 7, 8):
            rpos += ln
            qpos += ln
        elif op in (1, 4):
            qpos += ln
        elif op in (2, 3):
            rpos += ln
        i += 1
    return out


def normalise(ev: Event, local: LocalReference) -> Event:
    """Trim shared bases and shift a pure insertion to its leftmost placement."""
    s, r, a = ev
    while r and a and r[-1] == a[-1]:
        r, a = r[:-1], a[:-1]
    k = 0
    while k < len(r) and k < len(a) and r[k] == a[k]:
        k += 1
    s, r, a = s + k, r[k:], a[k:]
    if not r and a:
        while s - 1 >= local.w0 and local.get(s - 1, s) == a[-1]:
            a = a[-1] + a[:-1]
            s -= 1
    return s, r, a


# -- the scan ---------------------------------------------------------------------------------
def scan_exon20(aln: Alignments, model: TranscriptModel, seq: SequenceSource, *, min_mapq: int,
                thresholds: Thresholds, known: Iterable[tuple[int, str, str]] = ()) -> InsertionScan:
    """Find, count and name insertions in exon 20; count support for `known` (VCF) events."""
    g_lo, g_hi = exon20_span(model)
    lo, hi = g_lo - 1 - FLANK, g_hi + FLANK  # 0-based half-open search span
    reads = fetch_reads(aln, aln.chrom, lo - FETCH_PAD, hi + FETCH_PAD, min_mapq)
    known = list(known)
    longest = max([len(rd.seq) for rd in reads] + [len(a) for _, _, a in known] + [0])
    w0 = min([rd.start - rd.lead for rd in reads] + [lo - FETCH_PAD]) - longest - 50
    w1 = max([rd.end + rd.trail for rd in reads] + [hi + FETCH_PAD]) + longest + 50
    local = LocalReference(max(w0, 0), w1, seq, model.chrom, reads)
    notes: list[str] = []
    found: dict[Event, set[str]] = defaultdict(set)
    for ev in _from_cigars(reads, local):
        found[ev].add("cigar")
    from_clips, unresolved = _from_clips(reads, local, lo, hi)
    for ev in from_clips:
        found[ev].add("soft_clip")
    by_hap = _one_per_haplotype(found, from_clips, local, lo, hi)
    # known (VCF) events compete with the found ones for the same reads
    known_events: dict[tuple[int, str, str], Event] = {}
    for pos, ref, alt in known:
        ev = normalise((pos - 1, ref.upper(), alt.upper()), local)
        if not (ev[1] or ev[2]) or local.get(pos - 1, pos - 1 + len(ref)) != ref.upper():
            notes.append(f"{aln.chrom}:{pos} {shown(f'{ref}>{alt}', bare=True)}: "
                         "REF does not match the reference here; not counted")
            continue
        known_events[(pos, ref, alt)] = by_hap.setdefault(_haplotype_text(ev, local), ev)
    supports = _count_with_pruning(sorted(by_hap.values()), set(known_events.values()), reads, local)
    insertions: list[ReadInsertion] = []
    for ev, sup in supports.items():
        s, r, a = ev
        if ev not in found or len(a) <= len(r) or sup.alt_reads < MIN_DISCOVERY_READS:
            continue
        pad = local.get(s - 1, s)
        pos, ref, alt = s, pad + r, pad + a  # 1-based position of the padding base is s
        ins = ReadInsertion(
            pos=pos, ref=ref, alt=alt, naming=describe(model, seq, pos, ref, alt), alt_reads=sup.alt_reads,
            depth=sup.depth, vaf=sup.vaf, soft_clipped_reads=sup.soft_clipped_reads,
            cigar_reads=sup.cigar_reads, ref_reads=sup.ref_reads, found_by=tuple(sorted(found[ev])),
            recovered_from_clips=ev in from_clips and "cigar" not in found[ev],
            filter_reason=quality_reason(thresholds, sup),  # the rule a caller's call meets too
        )
        if ins.recovered_from_clips:
            ins.notes.append(f"inserted sequence recovered from {sup.soft_clipped_reads} soft-clipped reads")
        insertions.append(ins)
    # a handful of reads whose sequencing errors happen to fit a variant of a strong event are
    # noise of that event, not a subclone: keep low-VAF candidates only beside no strong one
    strongest = max((i.alt_reads for i in insertions if not i.filter_reason), default=0)
    insertions = [i for i in insertions
                  if not (i.filter_reason in ("low_vaf", "low_alt_reads") and i.alt_reads * NOISE_FOLD < strongest)]
    explained = {x for i in insertions for x in range(i.pos - 1 - 2 * PAST, i.pos + len(i.alt) + 2 * PAST)}
    for x, n in unresolved:
        if x not in explained and n >= thresholds.min_alt_reads:
            notes.append(
                f"{n} reads are soft-clipped at {aln.chrom}:{x + 1} near exon 20 and their clipped "
                "bases match neither the reference nor a recoverable insertion; a long insertion "
                "or a rearrangement may be there (inspect the reads)"
            )
    support = {key: supports.get(ev, ReadSupport()) for key, ev in known_events.items()}
    return InsertionScan(insertions=insertions, support=support, notes=notes, reads=len(reads))


def _from_cigars(reads: list[RegionRead], local: LocalReference) -> list[Event]:
    """Events written as CIGAR insertions in at least MIN_DISCOVERY_READS reads."""
    count: dict[Event, int] = defaultdict(int)
    for rd in reads:
        if rd.has_indel:
            for ev in _cigar_events(rd, local):
                count[normalise(ev, local)] += 1
    return [ev for ev, n in count.items() if n >= MIN_DISCOVERY_READS]


def _from_clips(reads: list[RegionRead], local: LocalReference, lo: int, hi: int
                ) -> tuple[set[Event], list[tuple[int, int]]]:
    """Events recovered from soft clips, and (position, reads) of clip piles left unexplained."""
    right: dict[int, list[str]] = defaultdict(list)
    left: dict[int, list[str]] = defaultdict(list)
    for rd in reads:
        if rd.trail >= MIN_CLIP and lo <= rd.end <= hi:
            right[rd.end].append(rd.seq[len(rd.seq) - rd.trail:])
        if rd.lead >= MIN_CLIP and lo <= rd.start <= hi:
            left[rd.start].append(rd.seq[:rd.lead])
    events: set[Event] = set()
    partial: dict[int, list[tuple[int, str, int]]] = {0: [], 1: []}
    for side, piles, recover in ((0, right, from_right_clip), (1, left, from_left_clip)):
        for x in sorted(piles):
            if len(piles[x]) < MIN_DISCOVERY_READS:
                continue
            cons = consensus(piles[x], from_end=side == 1)
            ev = recover(x, cons, local) if len(cons) > MIN_MATCH else None
            if ev:
                events.add(normalise(ev, local))
            elif len(cons) >= MIN_OVERLAP:
                partial[side].append((x, cons, len(piles[x])))
    joined: set[tuple[int, int]] = set()
    for x, rc, _ in partial[0]:
        for y, lc, _ in partial[1]:
            if abs(x - y) <= 2 * PAST + FLANK:
                ev = join(x, rc, y, lc, local)
                if ev:
                    events.add(normalise(ev, local))
                    joined.update({(0, x), (1, y)})
    unresolved = [(x, n) for side in (0, 1) for x, _, n in partial[side] if (side, x) not in joined]
    return events, unresolved


def _haplotype_text(ev: Event, local: LocalReference) -> str:
    s, r, a = ev
    return local.text[:s - local.w0] + a + local.text[s - local.w0 + len(r):]


def _one_per_haplotype(found: dict[Event, set[str]], from_clips: set[Event], local: LocalReference,
                       lo: int, hi: int) -> dict[str, Event]:
    """Net gains near exon 20, one per haplotype: the same change can be written two ways (a
    CIGAR delins, a clip-recovered insertion); the simplest spelling is kept."""
    by_hap: dict[str, Event] = {}
    for ev in sorted(found, key=lambda e: (len(e[1]), e)):
        s, r, a = ev
        if len(a) <= len(r) or s + len(r) < lo or s > hi:
            continue
        hap = _haplotype_text(ev, local)
        if hap in by_hap:
            keep = by_hap[hap]
            found[keep] |= found[ev]
            if ev in from_clips:
                from_clips.add(keep)
            continue
        by_hap[hap] = ev
    return by_hap


def _count_with_pruning(events: list[Event], pinned: set[Event], reads: list[RegionRead],
                        local: LocalReference) -> dict[Event, ReadSupport]:
    """Count jointly; drop found candidates with too few reads of their own, count again."""
    counts: list[ReadSupport] = []
    for _ in range(5):
        counts = count_support(events, reads, local) if events else []
        keep = [ev for ev, sup in zip(events, counts, strict=True)
                if ev in pinned or sup.alt_reads >= MIN_DISCOVERY_READS]
        if len(keep) == len(events):
            break
        events = keep
    else:  # still pruning after the last round: count the events that are left
        counts = count_support(events, reads, local) if events else []
    return dict(zip(events, counts, strict=True))
