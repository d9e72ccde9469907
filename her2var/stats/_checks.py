"""Input checks shared by the statistics modules; every failure is an InputError saying what was found."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from her2var.errors import InputError, shown


def as_float_array(values: Any, name: str) -> np.ndarray:
    """1-d float array; raises InputError for non-numeric values."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}: expected numbers, found values that are not numeric "
                         f"({shown(exc, 200, bare=True)})") from exc
    if arr.ndim != 1:
        raise InputError(f"{name}: expected a 1-d sequence, found an array of shape {arr.shape}")
    return arr


def check_time_event(time: Any, event: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate survival data: times finite and >= 0, events 0/1, same length, not empty."""
    t = as_float_array(time, "time")
    e = as_float_array(event, "event")
    if len(t) != len(e):
        raise InputError(f"time and event differ in length: {len(t)} times, {len(e)} event flags")
    if len(t) == 0:
        raise InputError("time/event: no observations; expected at least one")
    bad_t = ~np.isfinite(t) | (t < 0)
    if bad_t.any():
        i = int(np.flatnonzero(bad_t)[0])
        raise InputError(f"time[{i}] = {t[i]:g}: expected a finite time >= 0 "
                         f"({int(bad_t.sum())} bad value(s) in all); drop or fix missing/negative times")
    bad_e = ~np.isin(e, (0.0, 1.0))
    if bad_e.any():
        i = int(np.flatnonzero(bad_e)[0])
        raise InputError(f"event[{i}] = {e[i]:g}: expected 0 (censored) or 1 (event) "
                         f"({int(bad_e.sum())} bad value(s) in all)")
    return t, e.astype(int)


def check_entry(entry: Any, time: np.ndarray) -> np.ndarray:
    """Validate delayed-entry times against exit times: finite, >= 0 and before the exit time.

    R's ``Surv(entry, time, event)`` needs time > entry (a row with time <= entry is never at
    risk; R turns it into NA with a warning). Here it is an error naming the row.
    """
    en = as_float_array(entry, "entry")
    if len(en) != len(time):
        raise InputError(f"entry and time differ in length: {len(en)} entry times, {len(time)} times")
    bad = ~np.isfinite(en) | (en < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"entry[{i}] = {en[i]:g}: expected a finite entry time >= 0 "
                         f"({int(bad.sum())} bad value(s) in all)")
    late = en >= time
    if late.any():
        i = int(np.flatnonzero(late)[0])
        raise InputError(f"entry[{i}] = {en[i]:g} is not before time[{i}] = {time[i]:g} ({int(late.sum())} "
                         "row(s) in all); a patient must enter before the event or censoring time "
                         "(leave such patients out: they are never at risk)")
    return en


def group_labels(group: Any, n: int) -> np.ndarray:
    """Group labels as strings, one per observation; missing labels are an error."""
    labels = np.asarray(group, dtype=object)
    if labels.ndim != 1 or len(labels) != n:
        raise InputError(f"group: expected {n} labels (one per observation), found {labels.size}")
    if all(type(g) is str for g in labels):
        # The common case (labels already text): nothing to convert, nothing missing.
        return labels.copy()
    out = np.empty(n, dtype=object)
    for i, g in enumerate(labels):
        if is_missing(g):
            raise InputError(f"group[{i}] is missing; expected a group label for every observation")
        out[i] = level_text(g)
    return out


def ordered_levels(labels: np.ndarray, levels: Sequence[str] | None) -> list[str]:
    """Group order: the one given (every level must be non-empty) or sorted labels."""
    present = sorted(set(labels.tolist()))
    if levels is None:
        return present
    levels = [str(x) for x in levels]
    unknown = sorted(set(present) - set(levels))
    if unknown:
        raise InputError(f"group labels {shown(unknown)} are not among the levels given {shown(levels)}")
    empty = [lv for lv in levels if lv not in present]
    if empty:
        raise InputError(f"group level(s) {shown(empty)} have no observations; expected every listed group "
                         "to have at least one patient (drop the level or fix the grouping)")
    return levels


def merge_near_ties(time: np.ndarray, tolerance: float = float(np.sqrt(np.finfo(float).eps))) -> np.ndarray:
    """Make times that differ only by floating-point noise equal, as R's survival does (aeqSurv).

    Times computed from dates (days / 30.4375) can differ in the last bits; R treats two times
    as tied when they differ by <= tolerance absolutely or relative to the mean absolute time,
    and replaces each with the smallest time of its run. Doing the same keeps risk sets equal.
    """
    uniq = np.unique(time)
    if len(uniq) < 2:
        return time
    diffs = np.diff(uniq)
    tied = (diffs <= tolerance) | (diffs / np.mean(np.abs(uniq)) <= tolerance)
    if not tied.any():
        return time
    cuts = uniq[np.concatenate(([True], ~tied))]
    return cuts[np.searchsorted(cuts, time, side="right") - 1]


def merge_near_ties_entry(entry: np.ndarray, time: np.ndarray,
                          tolerance: float = float(np.sqrt(np.finfo(float).eps))) -> tuple[np.ndarray, np.ndarray]:
    """``merge_near_ties`` over entry and exit times together, as R's aeqSurv on Surv(entry, time, event).

    An interval that the merging would shrink to nothing is an error, as in R.
    """
    uniq = np.unique(np.concatenate([entry, time]))
    if len(uniq) < 2:
        return entry, time
    diffs = np.diff(uniq)
    tied = (diffs <= tolerance) | (diffs / np.mean(np.abs(uniq)) <= tolerance)
    if not tied.any():
        return entry, time
    cuts = uniq[np.concatenate(([True], ~tied))]
    en = cuts[np.searchsorted(cuts, entry, side="right") - 1]
    t = cuts[np.searchsorted(cuts, time, side="right") - 1]
    zero = np.flatnonzero(en >= t)
    if len(zero):
        i = int(zero[0])
        raise InputError(f"entry[{i}] = {entry[i]!r} and time[{i}] = {time[i]!r} differ only by rounding; "
                         "the interval has no length (R's aeqSurv stops here too)")
    return en, t


def is_missing(value: Any) -> bool:
    """None or a float NaN (pandas reads empty/NA cells as NaN)."""
    return value is None or (isinstance(value, (float, np.floating)) and bool(np.isnan(value)))


def level_text(value: Any) -> str:
    """A category label as text; 1.0 becomes "1" so that a numeric code read as float (because
    its column has missing values) names the same level as the integer code."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def level_texts(values: Any) -> np.ndarray:
    """``level_text`` of each value as an object array, None where the value is missing."""
    return np.array([v if type(v) is str else (None if is_missing(v) else level_text(v)) for v in values],
                    dtype=object)
