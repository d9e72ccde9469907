"""The small-variant quality rule: which threshold a variant's evidence fails, if any.

One rule for a caller's call (its read support from the VCF, and its FILTER column) and for an
insertion found in the reads (bam/insertions.py): same thresholds (rules/thresholds.yaml), same
order, same reasons. It lives with the thresholds, below both readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..errors import shown
from .spec import Thresholds

QUALITY_REASONS = ("filter", "low_depth", "low_alt_reads", "low_vaf")


class ReadCounts(Protocol):
    """What the rule reads of a variant's support (models.Support, bam.support.ReadSupport)."""

    @property
    def depth(self) -> int | None: ...

    @property
    def alt_reads(self) -> int | None: ...

    @property
    def vaf(self) -> float | None: ...


def quality_reason(t: Thresholds, support: ReadCounts | None, filters: Sequence[str] = ()) -> str:
    """'' when the variant passes, else the first reason it fails, in this order: 'filter' (a
    FILTER other than PASS and the accepted ones), 'low_depth', 'low_alt_reads', 'low_vaf'.

    A count the source does not give (None, or no support at all) is not held against it: a
    caller that writes no depth is judged on what it does write.
    """
    if filters and not all(f in ("PASS", *t.accepted_filters) for f in filters):
        return "filter"
    if support is None:
        return ""
    if support.depth is not None and support.depth < t.min_depth:
        return "low_depth"
    if support.alt_reads is not None and support.alt_reads < t.min_alt_reads:
        return "low_alt_reads"
    if support.vaf is not None and support.vaf < t.min_vaf:
        return "low_vaf"
    return ""


def quality_detail(t: Thresholds, support: ReadCounts | None, filters: Sequence[str] = (),
                   reason: str | None = None) -> str:
    """What ``reason`` (by default quality_reason's) means for this variant, for a reader: the
    threshold and the value against it, e.g. 'alt reads 2 < min_alt_reads 3'. '' when it passes."""
    if reason is None:
        reason = quality_reason(t, support, filters)
    if reason == "filter":
        failed = ";".join(f for f in filters if f not in ("PASS", *t.accepted_filters))
        return (f"FILTER {shown(failed, bare=True)} is not PASS or an accepted filter "
                f"(accepted_filters: {', '.join(t.accepted_filters) or 'none'})")
    if support is None:
        return reason
    if reason == "low_depth":
        return f"depth {support.depth} < min_depth {t.min_depth}"
    if reason == "low_alt_reads":
        return f"alt reads {support.alt_reads} < min_alt_reads {t.min_alt_reads}"
    if reason == "low_vaf" and support.vaf is not None:
        return f"VAF {support.vaf:.4g} < min_vaf {t.min_vaf:g}"
    return reason
