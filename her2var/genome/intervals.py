"""Panel target files (BED): which bases a panel was designed to sequence."""

from __future__ import annotations

from ..contigs import resolve_contig


def read_bed(path: str) -> dict[str, list[tuple[int, int]]]:
    """Intervals by contig as 1-based inclusive (start+1, end); contig names kept as written."""
    from .bed import read_targets  # the one BED reader (gzip, duplicates, line errors)

    out: dict[str, list[tuple[int, int]]] = {}
    for t in read_targets(path).targets:
        out.setdefault(t.chrom, []).append((t.start + 1, t.end))
    return out


def covered_fraction(bed: dict[str, list[tuple[int, int]]], chrom: str, lo: int, hi: int) -> float:
    """Fraction of [lo, hi] inside the targets, matching chrom with or without 'chr'."""
    name = resolve_contig(chrom, bed)
    spans = bed[name] if name is not None else []
    covered: set[int] = set()
    for s, e in spans:
        if e >= lo and s <= hi:
            covered.update(range(max(s, lo), min(e, hi) + 1))
    return len(covered) / (hi - lo + 1)
