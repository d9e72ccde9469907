"""Moving an event between GRCh37 and GRCh38 with the offsets the rules themselves imply.

For each gene the offset is derived from the coordinates the rules give it on both builds: the
exons (or placed exons), CDS and reference windows of the transcript models, and the spans and
breakpoint introns of the fusion genes. It is used only when every one of those pairs differs
by the same number, and only inside the stretch they cover; a gene whose coordinates disagree
(two annotations of its span) is not lifted at all. A lifted REF allele is checked against the
rules' reference bases on both builds where they hold them. Nothing is lifted approximately: an
event that cannot be lifted exactly gets the reason why (``LiftError``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..contigs import contig_key
from ..errors import shown
from ..genome.transcript import WindowSequence
from ..rules.load import GeneBuild, Rules

BUILDS = ("GRCh37", "GRCh38")


class LiftError(Exception):
    """Why an event cannot be placed on the other build exactly."""


@dataclass(frozen=True)
class GeneOffset:
    """One source of a gene's placement on two builds and what it implies."""

    gene: str
    what: str  # "transcript model", "fusion gene span"
    chrom: str  # contig_key on the source build
    target_chrom: str
    lo: int  # the source-build stretch the rules' coordinates cover
    hi: int
    offset: int | None  # None: the pairs do not differ by one number
    detail: str  # the differences found, when they are not one number
    source_ref: WindowSequence | None = None
    target_ref: WindowSequence | None = None


def _windows(b: GeneBuild) -> list[tuple[int, int, str]]:
    return sorted((w.start, w.end, w.sequence) for w in b.windows)


def _transcript_pairs(src: GeneBuild, dst: GeneBuild) -> tuple[list[tuple[int, int]], str]:
    """(source, target) coordinate pairs, and why they cannot be one stretch ('' when they can)."""
    pairs: list[tuple[int, int]] = []
    if src.known_exons or dst.known_exons:
        theirs = {e.number: e for e in dst.known_exons}
        for e in src.known_exons:
            if e.number in theirs:
                pairs += [(e.start, theirs[e.number].start), (e.end, theirs[e.number].end)]
    elif len(src.exons) == len(dst.exons):
        for (a0, a1), (b0, b1) in zip(src.exons, dst.exons, strict=True):
            pairs += [(a0, b0), (a1, b1)]
        if src.cds_start is not None and dst.cds_start is not None and src.cds_end is not None \
                and dst.cds_end is not None:
            pairs += [(src.cds_start, dst.cds_start), (src.cds_end, dst.cds_end)]
    ws, wd = _windows(src), _windows(dst)
    if len(ws) == len(wd):
        for (s0, s1, sseq), (d0, d1, dseq) in zip(ws, wd, strict=True):
            if sseq != dseq:  # not the same stretch of genome: no offset can hold
                return pairs, f"its reference window at {s0} has other bases on the other build"
            pairs += [(s0, d0), (s1, d1)]
    return pairs, ""


def _offset(gene: str, what: str, chrom: str, target_chrom: str, pairs: list[tuple[int, int]],
            mismatch: str = "", **refs: WindowSequence | None) -> GeneOffset | None:
    if not pairs:
        return None
    diffs = sorted({b - a for a, b in pairs})
    lo, hi = min(a for a, _ in pairs), max(a for a, _ in pairs)
    if mismatch:
        return GeneOffset(gene, what, chrom, target_chrom, lo, hi, None, mismatch, **refs)
    if len(diffs) == 1:
        return GeneOffset(gene, what, chrom, target_chrom, lo, hi, diffs[0], "", **refs)
    shown_diffs = ", ".join(f"{d:+,}" for d in diffs[:4]) + (" …" if len(diffs) > 4 else "")
    return GeneOffset(gene, what, chrom, target_chrom, lo, hi, None,
                      f"its {what} coordinates differ between the builds by {shown_diffs}", **refs)


class Liftover:
    """Lifts positions of the rules' genes onto ``target`` (GRCh37 or GRCh38)."""

    def __init__(self, rules: Rules, target: str) -> None:
        if target not in BUILDS:
            raise ValueError(target)
        self.rules = rules
        self.target = target
        self._cache: dict[tuple[str, str], list[GeneOffset]] = {}

    def offsets(self, gene: str, source: str) -> list[GeneOffset]:
        """Every placement of ``gene`` on ``source`` and the target that the rules give."""
        key = (gene, source)
        if key not in self._cache:
            self._cache[key] = self._derive(gene, source)
        return self._cache[key]

    def _derive(self, gene: str, source: str) -> list[GeneOffset]:
        out: list[GeneOffset] = []
        g = self.rules.genes.get(gene)
        if g is not None and source in g.builds and self.target in g.builds:
            src, dst = g.builds[source], g.builds[self.target]
            pairs, mismatch = _transcript_pairs(src, dst)
            o = _offset(gene, "transcript model", contig_key(src.chrom), contig_key(dst.chrom), pairs, mismatch,
                        source_ref=WindowSequence(src.windows, src.chrom) if src.windows else None,
                        target_ref=WindowSequence(dst.windows, dst.chrom) if dst.windows else None)
            if o is not None:
                out.append(o)
        fg = self.rules.fusions.genes.get(gene) if self.rules.fusions is not None else None
        if fg is not None and source in fg.builds and self.target in fg.builds:
            sa, sb = fg.builds[source], fg.builds[self.target]
            pairs = [(sa.start, sb.start), (sa.end, sb.end)]
            pairs += [(i.spans[source][k], i.spans[self.target][k]) for i in fg.introns
                      if source in i.spans and self.target in i.spans for k in (0, 1)]
            o = _offset(gene, "fusion gene span", sa.chrom, sb.chrom, pairs)
            if o is not None:
                out.append(o)
        return out

    def position(self, gene: str, source: str, chrom: str, start: int, end: int | None = None) -> tuple[str, int]:
        """(target chrom, target start) of ``start..end`` on ``source``; LiftError says why not."""
        end = start if end is None else end
        if source == self.target:
            return contig_key(chrom), start
        if source not in BUILDS:
            raise LiftError(f"its build {shown(source)} is neither GRCh37 nor GRCh38")
        found = self.offsets(gene, source)
        if not found:
            raise LiftError(f"the rules do not place {shown(gene, bare=True)} on both {source} and {self.target}")
        key = contig_key(chrom)
        here = [o for o in found if o.chrom == key]
        if not here:
            raise LiftError(f"it is on chromosome {shown(key, bare=True)}, but the rules place "
                            f"{shown(gene, bare=True)} on chromosome {found[0].chrom} in {source}")
        inside = [o for o in here if o.lo <= start and end <= o.hi]
        if not inside:
            spans = ", ".join(f"{o.chrom}:{o.lo}-{o.hi}" for o in here)
            raise LiftError(f"it lies outside the stretch of {shown(gene, bare=True)} whose placement on both "
                            f"builds the rules give ({source} {spans})")
        bad = [o for o in inside if o.offset is None]
        if bad:
            raise LiftError(f"{shown(gene, bare=True)} has no single {source}->{self.target} offset: {bad[0].detail}")
        offsets = {(o.target_chrom, o.offset) for o in inside}
        if len(offsets) > 1:
            raise LiftError(f"the rules' placements of {shown(gene, bare=True)} imply different offsets")
        target_chrom, offset = offsets.pop()
        assert offset is not None
        return target_chrom, start + offset

    def allele(self, gene: str, source: str, chrom: str, pos: int, ref: str) -> tuple[str, int, bool]:
        """(target chrom, target pos, REF checked against the target's reference bases) of a VCF
        record's position and REF allele; LiftError when it cannot be lifted exactly."""
        if source == self.target:
            return contig_key(chrom), pos, False
        end = pos + len(ref) - 1
        target_chrom, new = self.position(gene, source, chrom, pos, end)
        offsets = [o for o in self.offsets(gene, source) if o.chrom == contig_key(chrom) and o.lo <= pos <= o.hi]
        checked = False
        for o in offsets:
            if o.source_ref is not None:
                have = o.source_ref.fetch(chrom, pos, end)
                if have is not None and have != ref:
                    raise LiftError(f"REF {shown(ref)} is not the {source} reference {shown(have)} at "
                                    f"{contig_key(chrom)}:{pos}: the event may not be on {source}")
            if o.target_ref is not None:
                have = o.target_ref.fetch(target_chrom, new, new + len(ref) - 1)
                if have is not None and have != ref:
                    raise LiftError(f"REF {shown(ref)} does not match the {self.target} reference {shown(have)} at "
                                    f"{target_chrom}:{new}")
                checked = checked or have is not None
        return target_chrom, new, checked
