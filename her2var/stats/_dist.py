"""The distribution functions and rank tests the statistics use, from ``scipy.special``.

``scipy.stats`` costs about half a second to import, more than all the statistics of a
10,000-patient analysis; ``scipy.special`` holds the functions its distributions call and imports
in a fraction of that. The functions here are the ones ``scipy.stats`` evaluates for these
distributions (chi-square survival: ``chdtrc``; normal: ``ndtr``, ``ndtri``; beta quantile:
``betaincinv``), so the numbers are the same to the last bit; the tests compare them with
``scipy.stats`` on many values, edge cases included.

The two rank tests (Mann-Whitney U with the normal approximation, Kruskal-Wallis) are the
textbook statistics with the tie correction (Hollander & Wolfe; R's ``wilcox.test(exact = FALSE,
correct = TRUE)`` and ``kruskal.test``), worked out in the order that gives ``scipy.stats`` its
numbers too. The exact Mann-Whitney distribution, and inputs where a statistic is not defined (an
empty group, every value tied), are left to ``scipy.stats`` itself, imported then.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special


def chi2_sf(x: float, df: float) -> float:
    """P(X > x) for X ~ chi-square with ``df`` degrees of freedom."""
    if x < 0:
        return 1.0  # below the support (scipy.stats: 1; chdtrc is not defined there)
    return float(special.chdtrc(df, x))


def norm_cdf(x: float) -> float:
    return float(special.ndtr(x))


def norm_sf(x: float) -> float:
    return float(special.ndtr(-x))


def norm_ppf(q: float) -> float:
    return float(special.ndtri(q))


def beta_ppf(q: float, a: float, b: float) -> float:
    """The ``q`` quantile of the beta(a, b) distribution (a, b > 0; 0 <= q <= 1)."""
    return float(special.betaincinv(a, b, q))


def _ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mid-ranks (ties share the mean of their ranks) and the size of each group of ties."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts = np.diff(np.r_[starts, len(values)])
    mid = starts + (counts + 1) / 2.0  # 0-based start + mean of 1..count
    ranks = np.empty(len(values), dtype=float)
    ranks[order] = np.repeat(mid, counts)
    return ranks, counts.astype(float)


def mann_whitney_normal(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sided Mann-Whitney U of ``a`` against ``b`` (U of ``a``, p) by the normal approximation
    with continuity and tie correction."""
    n1, n2 = len(a), len(b)
    if n1 and n2:
        ranks, ties = _ranks(np.concatenate([a, b]).astype(float))
        u1 = ranks[:n1].sum() - n1 * (n1 + 1) / 2
        u = max(u1, n1 * n2 - u1)
        n = n1 + n2
        spread = np.sqrt(n1 * n2 / 12 * ((n + 1) - (ties ** 3 - ties).sum() / (n * (n - 1))))
        if spread > 0:
            z = (u - n1 * n2 / 2 - 0.5) / spread
            return float(u1), float(min(max(special.ndtr(-z) * 2, 0.0), 1.0))
    return _scipy_mann_whitney(a, b, "asymptotic")


def mann_whitney_exact(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sided Mann-Whitney U of ``a`` against ``b`` (U of ``a``, p), exact distribution."""
    return _scipy_mann_whitney(a, b, "exact")


def _scipy_mann_whitney(a: np.ndarray, b: np.ndarray, method: str) -> tuple[float, float]:
    from scipy import stats

    res = stats.mannwhitneyu(a, b, alternative="two-sided", use_continuity=True, method=method)
    return float(res.statistic), float(res.pvalue)


def kruskal_wallis(samples: list[np.ndarray]) -> tuple[float, float]:
    """Kruskal-Wallis H with the tie correction, and its chi-square p (k - 1 df)."""
    sizes = [len(s) for s in samples]
    if len(samples) >= 2 and all(sizes):
        ranks, ties = _ranks(np.concatenate(samples).astype(float))
        total = sum(sizes)
        correction = 1 - (ties ** 3 - ties).sum() / (total ** 3 - total)
        if correction > 0:
            bounds = np.cumsum([0, *sizes])
            between: Any = sum(ranks[bounds[i]:bounds[i + 1]].sum() ** 2 / sizes[i] for i in range(len(samples)))
            h = (12.0 / (total * (total + 1)) * between - 3 * (total + 1)) / correction
            return float(h), chi2_sf(float(h), len(samples) - 1)
    from scipy import stats

    res = stats.kruskal(*samples)
    return float(res.statistic), float(res.pvalue)
