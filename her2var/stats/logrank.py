"""Log-rank test across k groups (R: ``survival::survdiff``) and pairwise with p-value adjustment.

With delayed entry (``entry`` times) the risk set at each event time holds only the patients
already entered (entry < u <= time). R's survdiff refuses such data; the statistic is the same
observed-minus-expected sum with the hypergeometric variance over those risk sets, which on
untied times equals the score test of ``coxph(Surv(entry, time, event) ~ group)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from her2var.errors import InputError, shown
from her2var.stats._checks import (
    check_entry,
    check_time_event,
    group_labels,
    merge_near_ties,
    merge_near_ties_entry,
    ordered_levels,
)
from her2var.stats._dist import chi2_sf

ADJUST_METHODS: tuple[str, ...] = ("holm", "BH", "bonferroni", "none")


@dataclass(frozen=True)
class LogRankResult:
    """k-group log-rank test. ``p`` is None when fewer than two groups could have events."""

    groups: tuple[str, ...]
    n: tuple[int, ...]
    observed: tuple[float, ...]
    expected: tuple[float, ...]
    chisq: float
    df: int
    p: float | None
    test: str = "log-rank"
    note: str = ""


@dataclass(frozen=True)
class PairwiseLogRank:
    """One pair of groups: unadjusted and adjusted p (adjusted over all pairs with a p)."""

    group1: str
    group2: str
    chisq: float
    p: float | None
    p_adjusted: float | None
    adjust: str


def _group_index(g: np.ndarray, levels: list[str]) -> np.ndarray:
    """Position of each label in ``levels`` (labels are already checked against them)."""
    pos = {lv: i for i, lv in enumerate(levels)}
    return np.fromiter((pos[x] for x in g), dtype=np.intp, count=len(g))


def _survdiff(t: np.ndarray, e: np.ndarray, idx: np.ndarray, levels: list[str],
              entry: np.ndarray | None = None) -> LogRankResult:
    """R's ``survdiff`` (rho = 0) on group indices ``idx`` into ``levels``, vectorised over event times.

    At each distinct event time u: deaths d_j and numbers at risk n_j per group, E_j += d n_j / n and
    the hypergeometric variance d (n - d) / (n^2 (n - 1)) (n diag(n_j) - n_j n_l), summed over u.
    """
    k = len(levels)
    ev = e == 1
    times = np.unique(t[ev])  # sorted distinct event times
    m = len(times)
    # Bin every patient by the number of event times <= its own time: it is at risk at event time
    # number g (0-based) exactly when its bin is > g, so a reverse cumulative sum over bins gives n_j(u).
    bins = np.searchsorted(times, t, side="right")
    counts = np.bincount(bins * k + idx, minlength=(m + 1) * k).reshape(m + 1, k)
    at_risk = np.cumsum(counts[::-1], axis=0)[::-1][1:].astype(float)
    if entry is not None:
        # Not yet entered at event time number g: entry >= that time, i.e. bin of entry > g.
        ebins = np.searchsorted(times, entry, side="right")
        later = np.bincount(ebins * k + idx, minlength=(m + 1) * k).reshape(m + 1, k)
        at_risk -= np.cumsum(later[::-1], axis=0)[::-1][1:]
    deaths = np.bincount((bins[ev] - 1) * k + idx[ev], minlength=m * k).reshape(m, k).astype(float)
    n = at_risk.sum(axis=1)
    d = deaths.sum(axis=1)
    observed = deaths.sum(axis=0)
    expected = (d / n) @ at_risk
    # Hypergeometric variance; a time with one patient at risk adds nothing (survdiff skips it).
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(n > 1, d * (n - d) / (n * n * (n - 1)), 0.0)
    var = np.diag((w * n) @ at_risk) - at_risk.T @ (w[:, None] * at_risk)
    n_by = tuple(int(x) for x in np.bincount(idx, minlength=k))
    usable = expected > 0
    df = int(usable.sum()) - 1
    if df < 1:
        return LogRankResult(tuple(levels), n_by, tuple(observed), tuple(expected), 0.0, 0, None,
                             note="fewer than two groups with expected events; no test")
    # As survdiff: drop groups that can have no events, then the first remaining group.
    diff = (observed - expected)[usable][1:]
    v = var[np.ix_(usable, usable)][1:, 1:]
    try:
        stat = float(diff @ np.linalg.solve(v, diff))
    except np.linalg.LinAlgError:
        return LogRankResult(tuple(levels), n_by, tuple(observed), tuple(expected), float("nan"), df,
                             None, note="variance matrix is singular; no test")
    return LogRankResult(tuple(levels), n_by, tuple(observed), tuple(expected), stat, df,
                         chi2_sf(stat, df))


def _merged(t: np.ndarray, entry: Any) -> tuple[np.ndarray, np.ndarray | None]:
    if entry is None:
        return merge_near_ties(t), None
    en, t = merge_near_ties_entry(check_entry(entry, t), t)
    return t, en


def logrank_test(time: Any, event: Any, group: Any, *, entry: Any = None,
                 levels: Sequence[str] | None = None) -> LogRankResult:
    """Log-rank test of equal survival across groups, chi-square with k-1 df (R's survdiff, rho=0).

    Near-tied times are merged as R does. A group with no observations in ``levels`` is an error;
    a single group is an error too (nothing to compare). ``entry``: delayed entry times.
    """
    t, e = check_time_event(time, event)
    g = group_labels(group, len(t))
    lv = ordered_levels(g, levels)
    if len(lv) < 2:
        raise InputError(f"log-rank test needs at least two groups; found {shown(lv)}")
    t, en = _merged(t, entry)
    return _survdiff(t, e, _group_index(g, lv), lv, en)


def p_adjust(p: Sequence[float | None], method: str = "holm") -> list[float | None]:
    """Adjust p-values as R's ``p.adjust`` (holm, BH, bonferroni, none); None stays None.

    As in R, missing p-values do not count towards the number of tests.
    """
    if method not in ADJUST_METHODS:
        raise InputError(f"p-value adjustment {shown(method)} is not supported; expected one of {list(ADJUST_METHODS)}")
    vals = [None if x is None or not np.isfinite(x) else float(x) for x in p]
    present = [i for i, x in enumerate(vals) if x is not None]
    arr = np.array([vals[i] for i in present], dtype=float)
    m = len(arr)
    if m <= 1 or method == "none":
        return vals
    if method == "bonferroni":
        adj = np.minimum(1.0, m * arr)
    elif method == "holm":
        o = np.argsort(arr, kind="stable")
        stepped = np.maximum.accumulate((m - np.arange(m)) * arr[o])
        adj = np.empty(m)
        adj[o] = np.minimum(1.0, stepped)
    else:  # BH
        o = np.argsort(-arr, kind="stable")
        ranks = np.arange(m, 0, -1)
        stepped = np.minimum.accumulate(m / ranks * arr[o])
        adj = np.empty(m)
        adj[o] = np.minimum(1.0, stepped)
    out: list[float | None] = list(vals)
    for j, i in enumerate(present):
        out[i] = float(adj[j])
    return out


def pairwise_logrank(time: Any, event: Any, group: Any, *, adjust: str = "holm", entry: Any = None,
                     levels: Sequence[str] | None = None) -> list[PairwiseLogRank]:
    """Log-rank test for every pair of groups (each on that pair's patients only), adjusted.

    Pairs come in ``levels`` order: (1, 2), (1, 3), ..., (2, 3), ...
    """
    if adjust not in ADJUST_METHODS:
        raise InputError(f"p-value adjustment {shown(adjust)} is not supported; expected one of {list(ADJUST_METHODS)}")
    t, e = check_time_event(time, event)
    g = group_labels(group, len(t))
    lv = ordered_levels(g, levels)
    if len(lv) < 2:
        raise InputError(f"pairwise log-rank needs at least two groups; found {shown(lv)}")
    idx = _group_index(g, lv)
    en_all = None if entry is None else check_entry(entry, t)
    raw = []
    for (i, a), (j, b) in combinations(enumerate(lv), 2):
        keep = (idx == i) | (idx == j)
        # Tie merging runs on the pair's data only, as a survdiff on that subset would.
        pair_idx = (idx[keep] == j).astype(np.intp)
        tp, enp = _merged(t[keep], None if en_all is None else en_all[keep])
        raw.append((a, b, _survdiff(tp, e[keep], pair_idx, [a, b], enp)))
    adjusted = p_adjust([r.p for _, _, r in raw], adjust)
    return [PairwiseLogRank(a, b, r.chisq, r.p, adj, adjust) for (a, b, r), adj in zip(raw, adjusted, strict=True)]
