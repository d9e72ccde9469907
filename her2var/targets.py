"""Panel target files (BED): which bases a panel was designed to sequence."""

from __future__ import annotations

import os

from .errors import InputError


def read_bed(path: str) -> dict[str, list[tuple[int, int]]]:
    """Intervals by contig as 1-based inclusive (start+1, end); contig names kept as written."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file (--targets)")
    out: dict[str, list[tuple[int, int]]] = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            cols = line.rstrip("\r\n").split("\t")
            if len(cols) < 3:
                raise InputError(f"{path}:{lineno}: expected tab-separated chrom, start, end (BED)")
            try:
                start, end = int(cols[1]), int(cols[2])
            except ValueError as exc:
                raise InputError(f"{path}:{lineno}: start/end {cols[1]!r}, {cols[2]!r} are not integers") from exc
            if start < 0 or end <= start:
                raise InputError(f"{path}:{lineno}: interval {start}-{end} is empty or negative (BED is 0-based, half-open)")
            out.setdefault(cols[0], []).append((start + 1, end))
    if not out:
        raise InputError(f"{path}: no intervals (expected a BED file of panel targets)")
    return out


def covered_fraction(bed: dict[str, list[tuple[int, int]]], chrom: str, lo: int, hi: int) -> float:
    """Fraction of [lo, hi] inside the targets, matching chrom with or without 'chr'."""
    spans = []
    for name in (chrom, "chr" + chrom.removeprefix("chr"), chrom.removeprefix("chr")):
        spans = bed.get(name, [])
        if spans:
            break
    covered = set()
    for s, e in spans:
        if e >= lo and s <= hi:
            covered.update(range(max(s, lo), min(e, hi) + 1))
    return len(covered) / (hi - lo + 1)
