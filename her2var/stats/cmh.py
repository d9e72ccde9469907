"""Cochran–Mantel–Haenszel tests for stratified tables, with the numbers of R's ``mantelhaen.test``.

A table is an I×J×K array of counts: I rows, J columns, K strata (R's ``x[i, j, k]``).

- 2×2×K: the Mantel–Haenszel chi-square with or without the continuity correction (R's
  ``correct = TRUE``, the default, or ``FALSE``), the Mantel–Haenszel common odds ratio and its CI
  from the Robins–Breslow–Greenland variance; or, with ``exact=True``, the exact conditional test
  (the sum of the first cells given every stratum's margins), its conditional maximum-likelihood
  odds ratio and exact CI, found by Brent's root finder as R's ``uniroot`` finds them.
- I×J×K otherwise: the generalized CMH statistic M² on (I−1)(J−1) degrees of freedom (no
  correction, no estimate, as R).

A stratum with fewer than two observations says nothing about association (its variance term is
0/0): R stops there ("sample size in each stratum must be > 1"); here it is left out and counted
in ``strata_dropped``, so the result equals R's on the table without it. Degenerate tables that
give R no number (every stratum with an empty row or column, a singular covariance matrix) are
refused with an InputError saying why.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from her2var.errors import InputError, shown
from her2var.stats._dist import chi2_sf, norm_cdf, norm_ppf, norm_sf

ALTERNATIVES = ("two.sided", "less", "greater")
REL_ERR = 1.0 + 1e-7  # R: tables as likely as the observed one, up to rounding, count in the exact p
UNIROOT_TOL = float(np.finfo(float).eps) ** 0.25  # R's uniroot default tolerance
DBL_EPS = float(np.finfo(float).eps)
MAX_EXACT_SUPPORT = 1_000_000  # values the exact test's statistic can take; past it: refused


@dataclass(frozen=True)
class CMHResult:
    """One test, named and shaped as R's htest: ``statistic`` is X-squared (2×2×K), S (exact) or
    M² (generalized); ``estimate``/``ci_*`` only for 2×2×K (None otherwise); ``df`` None for the
    exact test. ``n`` and ``strata`` count what entered the test, ``strata_dropped`` lists the
    indices (0-based, in the input) of the strata left out for having fewer than 2 observations."""

    method: str
    statistic_name: str
    statistic: float
    df: int | None
    p: float
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    conf_level: float | None
    alternative: str
    correct: bool  # whether the continuity correction was applied (R: |DELTA| >= 0.5 with correct=TRUE)
    exact: bool
    rows: int
    columns: int
    strata: int
    n: int
    strata_dropped: tuple[int, ...] = ()


def check_strata_table(table: Any) -> np.ndarray:
    """A 3-d array of non-negative whole counts (rows × columns × strata)."""
    try:
        arr = np.asarray(table, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"stratified table: expected counts, found non-numeric values "
                         f"({shown(exc, 200, bare=True)})") from exc
    if arr.ndim != 3:
        raise InputError(f"stratified table: expected 3 dimensions (rows x columns x strata), found shape "
                         f"{arr.shape}")
    if not np.all(np.isfinite(arr)) or (arr < 0).any() or (arr != np.round(arr)).any():
        raise InputError("stratified table: expected non-negative whole counts, found negative, fractional or "
                         "missing values")
    i, j, k = arr.shape
    if i < 2 or j < 2:
        raise InputError(f"stratified table: {i} row(s) and {j} column(s); each needs at least 2 levels")
    if k < 1:
        raise InputError("stratified table: no strata")
    return arr


def cmh_test(table: Any, *, correct: bool = True, exact: bool = False, alternative: str = "two.sided",
             conf_level: float = 0.95) -> CMHResult:
    """R's ``mantelhaen.test(table, alternative, correct, exact, conf.level)``; see the module text."""
    x = check_strata_table(table)
    if alternative not in ALTERNATIVES:
        raise InputError(f"alternative {shown(alternative)}: expected one of {list(ALTERNATIVES)}")
    if not (isinstance(conf_level, (int, float)) and 0.0 < conf_level < 1.0):
        raise InputError(f"conf_level {shown(conf_level)}: expected a number strictly between 0 and 1")
    sizes = x.sum(axis=(0, 1))
    dropped = tuple(int(k) for k in np.flatnonzero(sizes < 2))
    x = x[:, :, sizes >= 2]
    if x.shape[2] == 0:
        raise InputError(f"stratified table: none of the {len(sizes)} strata has 2 or more observations; "
                         "nothing to test")
    two_by_two = x.shape[0] == 2 and x.shape[1] == 2
    if exact and not two_by_two:
        raise InputError(f"the exact conditional test is for 2 x 2 x K tables; this one is "
                         f"{x.shape[0]} x {x.shape[1]} x {x.shape[2]}")
    if not two_by_two and alternative != "two.sided":
        raise InputError("a one-sided alternative is for 2 x 2 x K tables only (R ignores it otherwise)")
    if two_by_two:
        res = _exact(x, alternative, conf_level) if exact else _mantel_haenszel(x, correct, alternative, conf_level)
    else:
        res = _generalized(x)
    return CMHResult(**res, alternative=alternative, exact=exact, rows=x.shape[0], columns=x.shape[1],
                     strata=x.shape[2], n=int(x.sum()), strata_dropped=dropped)


# ---------------------------------------------------------------------------------------------
# 2 x 2 x K, asymptotic
# ---------------------------------------------------------------------------------------------
def _mantel_haenszel(x: np.ndarray, correct: bool, alternative: str, conf_level: float) -> dict[str, Any]:
    a, b, c, d = x[0, 0], x[0, 1], x[1, 0], x[1, 1]
    n = x.sum(axis=(0, 1))
    row1, row2 = a + b, c + d
    col1, col2 = a + c, b + d
    delta = float(np.sum(a - row1 * col1 / n))
    variance = float(np.sum(row1 * row2 * col1 * col2 / (n ** 2 * (n - 1))))
    if variance <= 0:
        raise InputError("Mantel-Haenszel test: every stratum has an empty row or column, so the statistic has "
                         "no variance (R returns NaN); nothing to test")
    yates = 0.5 if correct and abs(delta) >= 0.5 else 0.0
    statistic = (abs(delta) - yates) ** 2 / variance
    if alternative == "two.sided":
        p = chi2_sf(statistic, 1)
    else:
        z = math.copysign(1.0, delta) * math.sqrt(statistic) if delta != 0 else 0.0
        p = norm_cdf(z) if alternative == "less" else norm_sf(z)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # IEEE arithmetic as R's: an odds ratio of 0 or Inf (NaN when both sums are 0) when a sum is
        # 0, and then a CI of 0, Inf or NaN.
        s_diag = np.sum(a * d / n)
        s_offd = np.sum(b * c / n)
        estimate = s_diag / s_offd
        sd = np.sqrt(np.sum((a + d) * a * d / n ** 2) / (2 * s_diag ** 2)
                     + np.sum(((a + d) * b * c + (b + c) * a * d) / n ** 2) / (2 * s_diag * s_offd)
                     + np.sum((b + c) * b * c / n ** 2) / (2 * s_offd ** 2))
        if alternative == "two.sided":
            z = norm_ppf((1 - conf_level) / 2)
            lo, hi = estimate * np.exp(z * sd), estimate * np.exp(-z * sd)
        elif alternative == "less":
            lo, hi = np.float64(0.0), estimate * np.exp(norm_ppf(conf_level) * sd)
        else:
            lo, hi = estimate * np.exp(-norm_ppf(conf_level) * sd), np.float64(np.inf)
    method = f"Mantel-Haenszel chi-squared test {'with' if yates else 'without'} continuity correction"
    return {"method": method, "statistic_name": "Mantel-Haenszel X-squared", "statistic": float(statistic), "df": 1,
            "p": p, "estimate": float(estimate), "ci_low": float(lo), "ci_high": float(hi),
            "conf_level": conf_level, "correct": bool(yates)}


# ---------------------------------------------------------------------------------------------
# I x J x K, generalized
# ---------------------------------------------------------------------------------------------
def _generalized(x: np.ndarray) -> dict[str, Any]:
    n_rows, n_cols, n_strata = x.shape
    df = (n_rows - 1) * (n_cols - 1)
    observed = np.zeros(df)
    expected = np.zeros(df)
    cov = np.zeros((df, df))
    for k in range(n_strata):
        f = x[:, :, k]
        total = float(f.sum())
        rows = f.sum(axis=1)[:-1]
        cols = f.sum(axis=0)[:-1]
        # cells (i, j) of the first I-1 rows and J-1 columns, rows varying fastest (R's c(f[-I, -J]))
        observed += f[:-1, :-1].flatten(order="F")
        expected += np.outer(rows, cols).flatten(order="F") / total
        cov += np.kron(np.diag(total * cols) - np.outer(cols, cols),
                       np.diag(total * rows) - np.outer(rows, rows)) / (total ** 2 * (total - 1))
    diff = observed - expected
    if np.linalg.matrix_rank(cov, tol=_rank_tol(cov)) < df:
        raise InputError(f"generalized CMH test: the {n_rows} x {n_cols} x {n_strata} table's covariance matrix is "
                         "singular (a row or column level has no observations in any stratum with more than one "
                         "level, or the levels are confounded with the strata); R stops here too; drop the empty "
                         "levels")
    statistic = float(diff @ np.linalg.solve(cov, diff))
    return {"method": "Cochran-Mantel-Haenszel test", "statistic_name": "Cochran-Mantel-Haenszel M^2",
            "statistic": statistic, "df": df, "p": chi2_sf(statistic, df), "estimate": None,
            "ci_low": None, "ci_high": None, "conf_level": None, "correct": False}


def _rank_tol(m: np.ndarray) -> float:
    """R's qr.solve calls a matrix singular when a pivot falls below 1e-7 of the largest column
    norm (LINPACK dqrdc2); the same relative tolerance on the singular values."""
    if m.size == 0:
        return 0.0
    top = float(np.linalg.norm(m, ord=2))
    return 1e-7 * top if top > 0 else 1.0


# ---------------------------------------------------------------------------------------------
# 2 x 2 x K, exact conditional
# ---------------------------------------------------------------------------------------------
class _Conditional:
    """The distribution of S = sum of the first cells given every stratum's margins, under a
    common odds ratio ``ncp`` (R's dn2x2xk and friends inside mantelhaen.test)."""

    def __init__(self, x: np.ndarray) -> None:
        col1 = x[:, 0, :].sum(axis=0).astype(int)  # m: first-column totals
        col2 = x[:, 1, :].sum(axis=0).astype(int)  # n: second-column totals
        row1 = x[0, :, :].sum(axis=0).astype(int)  # t: first-row totals
        self.s = int(x[0, 0, :].sum())
        self.lo = int(np.maximum(0, row1 - col2).sum())
        self.hi = int(np.minimum(col1, row1).sum())
        if self.hi - self.lo + 1 > MAX_EXACT_SUPPORT:
            raise InputError(f"exact conditional test: the statistic can take {self.hi - self.lo + 1} values "
                             f"(more than {MAX_EXACT_SUPPORT}); use the asymptotic test")
        self.support = np.arange(self.lo, self.hi + 1, dtype=float)
        self.null = self._convolve(col1, col2, row1)
        with np.errstate(divide="ignore"):
            self.log_null = np.log(self.null)

    def _convolve(self, m: np.ndarray, n: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The null distribution: the strata's hypergeometric distributions convolved, normalised."""
        from scipy.stats import hypergeom  # the exact test only: scipy.stats is slow to import

        dist = np.ones(1)
        for mk, nk, tk in zip(m, n, t, strict=True):
            low, high = max(0, tk - nk), min(mk, tk)
            pmf = hypergeom.pmf(np.arange(low, high + 1), mk + nk, mk, tk)
            dist = np.convolve(dist, pmf)
        return dist / dist.sum()

    def density(self, ncp: float) -> np.ndarray:
        if ncp == 1:
            return self.null
        with np.errstate(invalid="ignore", divide="ignore"):
            d = self.log_null + math.log(ncp) * self.support
        d = np.exp(d - d.max())
        return d / d.sum()

    def mean(self, ncp: float) -> float:
        if ncp == 0:
            return float(self.lo)
        if math.isinf(ncp):
            return float(self.hi)
        return float(np.sum(self.support * self.density(ncp)))

    def cdf(self, q: int, ncp: float, upper: bool = False) -> float:
        """P(S <= q) (or P(S >= q) with ``upper``) under ``ncp``."""
        if ncp == 0:
            return float(q <= self.lo if upper else q >= self.lo)
        if math.isinf(ncp):
            return float(q <= self.hi if upper else q >= self.hi)
        d = self.density(ncp)
        return float(np.sum(d[self.support >= q] if upper else d[self.support <= q]))


def _exact(x: np.ndarray, alternative: str, conf_level: float) -> dict[str, Any]:
    dist = _Conditional(x)
    s, lo, hi = dist.s, dist.lo, dist.hi
    if alternative == "less":
        p = dist.cdf(s, 1)
    elif alternative == "greater":
        p = dist.cdf(s, 1, upper=True)
    else:
        d = dist.null
        p = float(np.sum(d[d <= d[s - lo] * REL_ERR]))

    def mle() -> float:
        if s == lo:
            return 0.0
        if s == hi:
            return math.inf
        mu = dist.mean(1)
        if mu > s:
            return uniroot(lambda t: dist.mean(t) - s, 0.0, 1.0)
        if mu < s:
            return 1 / uniroot(lambda t: dist.mean(1 / t) - s, DBL_EPS, 1.0)
        return 1.0

    def upper_limit(alpha: float) -> float:
        if s == hi:
            return math.inf
        p1 = dist.cdf(s, 1)
        if p1 < alpha:
            return uniroot(lambda t: dist.cdf(s, t) - alpha, 0.0, 1.0)
        if p1 > alpha:
            return 1 / uniroot(lambda t: dist.cdf(s, 1 / t) - alpha, DBL_EPS, 1.0)
        return 1.0

    def lower_limit(alpha: float) -> float:
        if s == lo:
            return 0.0
        p1 = dist.cdf(s, 1, upper=True)
        if p1 > alpha:
            return uniroot(lambda t: dist.cdf(s, t, upper=True) - alpha, 0.0, 1.0)
        if p1 < alpha:
            return 1 / uniroot(lambda t: dist.cdf(s, 1 / t, upper=True) - alpha, DBL_EPS, 1.0)
        return 1.0

    if alternative == "less":
        ci = (0.0, upper_limit(1 - conf_level))
    elif alternative == "greater":
        ci = (lower_limit(1 - conf_level), math.inf)
    else:
        alpha = (1 - conf_level) / 2
        ci = (lower_limit(alpha), upper_limit(alpha))
    return {"method": "Exact conditional test of independence in 2 x 2 x k tables", "statistic_name": "S",
            "statistic": float(s), "df": None, "p": p, "estimate": mle(), "ci_low": ci[0], "ci_high": ci[1],
            "conf_level": conf_level, "correct": False}


def uniroot(f: Callable[[float], float], lower: float, upper: float, tol: float = UNIROOT_TOL,
            maxiter: int = 1000) -> float:
    """A root of ``f`` in [lower, upper] by Brent's method (Brent 1973, ch. 4; the ``zeroin`` of
    Forsythe, Malcolm & Moler 1977) with R's ``uniroot`` defaults, step for step as R takes them,
    so that a root found to R's tolerance (about 1.2e-4) is the same number R reports."""
    fa, fb = _finite(f(lower)), _finite(f(upper))
    if fa * fb > 0:
        raise InputError("root finding: the function has the same sign at both ends of the interval")
    a, b = lower, upper
    if fa == 0:
        return a
    if fb == 0:
        return b
    c, fc = a, fa
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):  # b must be the best approximation so far
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * DBL_EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            # interpolation: linear with two distinct points, inverse quadratic with three
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = _finite(f(b))
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    raise InputError(f"root finding did not converge in {maxiter} iterations")


def _finite(v: float) -> float:
    """R's zeroin replaces an infinite function value by the largest finite one of its sign."""
    if math.isnan(v):
        raise InputError("root finding: the function is not defined (NaN) inside the interval")
    if math.isinf(v):
        return math.copysign(float(np.finfo(float).max), v)
    return float(v)
