"""Standardised mean differences for Table 1, with the definitions of R's tableone.

Between two groups a and b:

* continuous: |mean_a - mean_b| / sqrt((var_a + var_b) / 2), sample variances (n - 1);
* categorical (Yang & Dalton 2012, SAS Global Forum paper 335): with p_a, p_b the proportions of
  the levels after the first in each group, T = p_a - p_b and S = (V_a + V_b) / 2, where
  V = diag(p) - p p' is a multinomial covariance, SMD = sqrt(T' S^- T). S^- is the Moore-Penrose
  inverse (tableone's MASS::ginv, tolerance sqrt(machine epsilon)), so a level absent from both
  groups adds nothing. With two levels this is |p_a - p_b| / sqrt((p_a(1-p_a) + p_b(1-p_b)) / 2).

With more than two groups tableone prints the mean of the pairwise SMDs; so does ``smd``, and it
keeps every pair. Missing values are left out. An SMD that is undefined (a group with fewer than
two values, or no spread at all in a continuous variable while the means differ) is None (R's NaN or
Inf), and so is the mean over pairs that includes one.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

GINV_TOL = float(np.sqrt(np.finfo(float).eps))


def _pairs(levels: Sequence[str]) -> list[tuple[str, str]]:
    return list(itertools.combinations(levels, 2))


def smd_pair_continuous(a: np.ndarray, b: np.ndarray) -> float | None:
    """tableone's SMD of a continuous variable between two groups' values (no missing values)."""
    if len(a) < 2 or len(b) < 2:
        return None
    diff = abs(float(a.mean()) - float(b.mean()))
    pooled = np.sqrt((float(a.var(ddof=1)) + float(b.var(ddof=1))) / 2.0)
    if pooled == 0:
        return None  # R: 0/0 or x/0, NaN or Inf
    return diff / pooled


def smd_pair_categorical(pa: np.ndarray, pb: np.ndarray) -> float:
    """Yang & Dalton's SMD from two groups' proportions over the same levels (first level first)."""
    ta, tb = pa[1:], pb[1:]
    cov = (np.diag(ta) - np.outer(ta, ta) + np.diag(tb) - np.outer(tb, tb)) / 2.0
    t = ta - tb
    if t.size == 0:
        return 0.0
    inv = _ginv(cov)
    return float(np.sqrt(max(float(t @ inv @ t), 0.0)))


def _ginv(m: np.ndarray) -> np.ndarray:
    """Moore-Penrose inverse with MASS::ginv's rule: singular values below tol * the largest are 0."""
    u, s, vt = np.linalg.svd(m)
    if s.size == 0 or s[0] == 0:
        return np.zeros_like(m.T)
    keep = s > GINV_TOL * s[0]
    return (vt[keep].T / s[keep]) @ u[:, keep].T


def smd(values: Any, groups: Any, levels: Sequence[str], *, kind: str,
        categories: Sequence[str] | None = None) -> dict[str, Any]:
    """SMD of one Table 1 variable across the groups ``levels`` (those with values).

    ``kind`` is "continuous" (values are numbers, NaN missing) or "categorical" (values are level
    texts, None missing; ``categories`` gives their order, the first being the one dropped).
    Returns {"smd": mean over pairs or None, "pairs": [{"group1", "group2", "smd"}]}.
    """
    g = np.asarray(groups, dtype=object)
    pairs: list[dict[str, Any]] = []
    if kind == "continuous":
        x = np.asarray(values, dtype=float)
        ok = np.isfinite(x)
        for a, b in _pairs(levels):
            pairs.append({"group1": a, "group2": b,
                          "smd": smd_pair_continuous(x[ok & (g == a)], x[ok & (g == b)])})
    elif kind == "categorical":
        v = np.asarray(values, dtype=object)
        ok = np.array([x is not None for x in v], dtype=bool)
        cats = list(categories) if categories is not None else sorted(set(v[ok].tolist()))
        props = {}
        for lv in levels:
            inside = v[ok & (g == lv)]
            props[lv] = (np.array([np.sum(inside == c) for c in cats], dtype=float) / len(inside)
                         if len(inside) else None)
        for a, b in _pairs(levels):
            pa, pb = props[a], props[b]
            pairs.append({"group1": a, "group2": b,
                          "smd": None if pa is None or pb is None else smd_pair_categorical(pa, pb)})
    else:
        raise ValueError(f"kind {kind!r}: expected 'continuous' or 'categorical'")
    each: list[float | None] = [p["smd"] for p in pairs]
    known = [s for s in each if s is not None]
    mean = float(np.mean(known)) if known and len(known) == len(each) else None
    return {"smd": mean, "pairs": pairs}
