"""Response rates with exact CIs, Table 1 group comparisons and Table 1 cell text.

R equivalents: ``binom.test(x, n)$conf.int`` (Clopper–Pearson), ``chisq.test(correct=FALSE)``,
``fisher.test`` (exact r×c, see :mod:`her2var.stats.fisher`), ``wilcox.test`` and
``kruskal.test``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from her2var.errors import InputError, shown
from her2var.stats._checks import (
    as_float_array,
    group_labels,
    is_missing,
    level_texts,
    ordered_levels,
)
from her2var.stats._dist import beta_ppf, chi2_sf, kruskal_wallis, mann_whitney_exact, mann_whitney_normal
from her2var.stats.fisher import FisherTooLarge, check_table, fisher_exact_rxc

RESPONSES: tuple[str, ...] = ("CR", "PR", "SD", "PD", "NE")
DENOMINATORS: tuple[str, ...] = ("all", "evaluable")


@dataclass(frozen=True)
class Proportion:
    """x of n with its exact (Clopper–Pearson) CI."""

    x: int
    n: int
    rate: float
    lower: float
    upper: float
    conf_level: float = 0.95
    ci_method: str = "clopper-pearson"


def clopper_pearson(x: int, n: int, conf_level: float = 0.95) -> Proportion:
    """Exact binomial CI (R: ``binom.test(x, n, conf.level=...)$conf.int``); 0/n and n/n handled."""
    if isinstance(x, bool) or isinstance(n, bool) or int(x) != x or int(n) != n:
        raise InputError(f"proportion {x}/{n}: expected whole numbers")
    x, n = int(x), int(n)
    if n <= 0 or x < 0 or x > n:
        raise InputError(f"proportion {x}/{n}: expected 0 <= x <= n and n >= 1")
    if not 0.0 < conf_level < 1.0:
        raise InputError(f"conf_level {shown(conf_level)}: expected a number strictly between 0 and 1")
    alpha = 1.0 - conf_level
    lower = 0.0 if x == 0 else beta_ppf(alpha / 2.0, x, n - x + 1)
    upper = 1.0 if x == n else beta_ppf(1.0 - alpha / 2.0, x + 1, n - x)
    return Proportion(x, n, x / n, lower, upper, conf_level)


def _responses(best_response: Any) -> np.ndarray:
    vals = np.asarray(best_response, dtype=object)
    out = np.empty(len(vals), dtype=object)
    for i, v in enumerate(vals):
        code = "" if is_missing(v) else str(v).strip().upper()
        if code not in RESPONSES:
            raise InputError(f"best_response[{i}] = {shown(v)}: expected one of {list(RESPONSES)} "
                             "(code a patient without an assessable response as NE)")
        out[i] = code
    return out


def response_rates(best_response: Any, group: Any = None, *, denominator: str = "all",
                   levels: Sequence[str] | None = None, conf_level: float = 0.95) -> dict[str, Any]:
    """ORR = (CR+PR)/N and DCR = (CR+PR+SD)/N per group, with Clopper–Pearson CIs.

    ``denominator="all"`` (default, as the seed study: 27/118) divides by every treated patient,
    NE included; ``"evaluable"`` leaves NE out. A group with no evaluable patient gets rates None.
    """
    if denominator not in DENOMINATORS:
        raise InputError(f"denominator {shown(denominator)}: expected one of {list(DENOMINATORS)}")
    codes = _responses(best_response)
    if len(codes) == 0:
        raise InputError("best_response: no patients; expected at least one")
    if group is None:
        labels = np.full(len(codes), "all", dtype=object)
        lv = ["all"]
    else:
        labels = group_labels(group, len(codes))
        lv = ordered_levels(labels, levels)
    rows = []
    for name in lv:
        c = codes[labels == name]
        counts = {r: int((c == r).sum()) for r in RESPONSES}
        n = len(c) if denominator == "all" else len(c) - counts["NE"]
        row: dict[str, Any] = {"group": name, "n_treated": len(c), "n": n, "counts": counts}
        for key, hits in (("orr", counts["CR"] + counts["PR"]),
                          ("dcr", counts["CR"] + counts["PR"] + counts["SD"])):
            row[key] = vars(clopper_pearson(hits, n, conf_level)) if n > 0 else None
        rows.append(row)
    return {"denominator": denominator, "ci_method": "clopper-pearson", "conf_level": conf_level,
            "groups": rows}


def _crosstab(values: Any, group: Any) -> tuple[np.ndarray, list[str], list[str], int]:
    """Counts with variable levels as rows and groups as columns; missing values are dropped."""
    vals = np.asarray(values, dtype=object)
    grp = np.asarray(group, dtype=object)
    if len(vals) != len(grp):
        raise InputError(f"variable and group differ in length: {len(vals)} values, {len(grp)} labels")

    vt, gt = level_texts(vals), level_texts(grp)
    keep = np.array([a is not None and b is not None for a, b in zip(vt, gt, strict=True)], dtype=bool)
    v, g = vt[keep], gt[keep]
    rows, cols = sorted(set(v.tolist())), sorted(set(g.tolist()))
    # One pass: each value's row and column index, then counts of the (row, column) pairs.
    ri = {r: i for i, r in enumerate(rows)}
    ci = {c: i for i, c in enumerate(cols)}
    cell = np.fromiter((ri[a] * len(cols) + ci[b] for a, b in zip(v, g, strict=True)), dtype=np.int64, count=len(v))
    table = np.bincount(cell, minlength=len(rows) * len(cols)).astype(np.int64)
    return table.reshape(len(rows), len(cols)), rows, cols, int((~keep).sum())


def compare_table(table: Any) -> dict[str, Any]:
    """Chi-square without continuity correction if every expected count is >= 5, else Fisher.

    All-zero rows and columns are dropped first (they change neither test but would make
    expected counts 0); the note says so. ``p`` is None when fewer than two rows or columns
    remain, or when the exact test is too large to enumerate (the note says which).
    """
    t = check_table(table)
    notes = []
    keep_r, keep_c = t.sum(axis=1) > 0, t.sum(axis=0) > 0
    if not keep_r.all() or not keep_c.all():
        notes.append(f"dropped {int((~keep_r).sum())} all-zero row(s) and {int((~keep_c).sum())} "
                     "all-zero column(s)")
        t = t[keep_r][:, keep_c]
    out: dict[str, Any] = {"test": None, "statistic": None, "df": None, "p": None,
                           "expected_min": None, "table": t.tolist()}
    if t.shape[0] < 2 or t.shape[1] < 2:
        notes.append(f"no test: a {t.shape[0]}x{t.shape[1]} table has nothing to compare")
        return {**out, "note": "; ".join(notes)}
    expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()
    out["expected_min"] = float(expected.min())
    if expected.min() >= 5:
        stat = float(((t - expected) ** 2 / expected).sum())
        df = (t.shape[0] - 1) * (t.shape[1] - 1)
        out.update(test="chi-square", statistic=stat, df=df, p=chi2_sf(stat, df))
    else:
        out["test"] = "fisher"
        try:
            out["p"] = fisher_exact_rxc(t)
        except FisherTooLarge as exc:
            notes.append(str(exc))
    return {**out, "note": "; ".join(notes)}


def compare_categorical(values: Any, group: Any) -> dict[str, Any]:
    """Table 1 test for a categorical variable across groups (see :func:`compare_table`).

    Rows of the table are the variable's levels, columns the groups (both sorted); patients with
    a missing value or group are left out and counted in ``n_missing``.
    """
    table, rows, cols, n_missing = _crosstab(values, group)
    out = compare_table(table) if table.size else {
        "test": None, "statistic": None, "df": None, "p": None, "expected_min": None,
        "table": [], "note": "no test: no non-missing values"}
    return {**out, "levels": rows, "groups": cols, "n_missing": n_missing}


def compare_continuous(values: Any, group: Any, *, exact: bool | None = None,
                       levels: Sequence[str] | None = None) -> dict[str, Any]:
    """Mann–Whitney U for two groups, Kruskal–Wallis for more (R's wilcox.test / kruskal.test).

    ``exact=None`` follows R's default: the exact Mann–Whitney distribution when both groups
    have fewer than 50 values and there are no ties, else the normal approximation with
    continuity and tie correction (= ``wilcox.test(exact=FALSE, correct=TRUE)``). Kruskal–Wallis
    is always the tie-corrected chi-square approximation, as in R. Missing values are dropped.
    """
    x = as_float_array(values, "values")
    g = group_labels(group, len(x))
    keep = np.isfinite(x)
    x, g = x[keep], g[keep]
    lv = ordered_levels(g, levels)
    samples = [x[g == name] for name in lv]
    if len(samples) < 2:
        raise InputError(f"comparing a continuous variable needs at least two groups; found {shown(lv)}")
    n_missing = int((~keep).sum())
    if len(samples) == 2:
        a, b = samples
        ties = len(np.unique(x)) < len(x)
        use_exact = (len(a) < 50 and len(b) < 50 and not ties) if exact is None else exact
        if use_exact and ties:
            raise InputError("exact Mann-Whitney p-value requested but the values have ties; "
                             "use exact=False (R falls back to the normal approximation too)")
        u, p = mann_whitney_exact(a, b) if use_exact else mann_whitney_normal(a, b)
        name = "Mann-Whitney U (exact)" if use_exact else \
            "Mann-Whitney U (normal approximation, continuity correction)"
        return {"test": name, "statistic": u, "df": None, "p": p,
                "groups": lv, "n": [len(a), len(b)], "n_missing": n_missing}
    h, p = kruskal_wallis(samples)
    return {"test": "Kruskal-Wallis", "statistic": h, "df": len(samples) - 1,
            "p": p, "groups": lv, "n": [len(s) for s in samples], "n_missing": n_missing}


def n_percent(count: int, total: int, digits: int = 1) -> str:
    """Table 1 cell ``"12 (34.5%)"``; a zero total gives ``"0 (NA)"``."""
    if count < 0 or total < 0 or count > total:
        raise InputError(f"n (%) cell {count}/{total}: expected 0 <= count <= total")
    if total == 0:
        return f"{count} (NA)"
    return f"{count} ({100.0 * count / total:.{digits}f}%)"


def median_range(values: Any, digits: int = 1) -> str:
    """Table 1 cell ``"62.0 (45.0\u201378.0)"`` over the non-missing values; ``"NA"`` if none."""
    x = as_float_array(values, "values")
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return "NA"
    return f"{np.median(x):.{digits}f} ({x.min():.{digits}f}\u2013{x.max():.{digits}f})"
