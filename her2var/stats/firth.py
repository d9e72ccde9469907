"""Firth's penalised partial likelihood for Cox models (Heinze & Schemper 2001, Stat Med 20:2777).

When a covariate separates the events (a level without events, or with every event), the partial
likelihood keeps rising as that coefficient goes to infinity and coxph has no estimate. Firth's
penalty l*(beta) = l(beta) + 1/2 log|I(beta)| (I the information) falls to minus infinity there, so
l* has a finite maximum, and its estimates are also less biased in small samples. As in R's
coxphf (the usual implementation):

* the estimate maximises l*, by Newton steps with the modified score
  U*_r = U_r + 1/2 trace(I^-1 dI/dbeta_r) and the information I as the step's metric, halving a
  step that lowers l*;
* the standard error is the root of the diagonal of I(beta)^-1 at the estimate;
* the CI of a coefficient is the profile penalised likelihood interval
  {b : 2 [l*(estimate) - max l* given beta_r = b] <= chi-square(1) quantile}, not Wald;
* the p of a coefficient is the penalised likelihood-ratio test of beta_r = 0;
* the model test is 2 [l*(estimate) - l*(0)] on p degrees of freedom.

The partial likelihood is coxph's (Efron or Breslow ties, delayed entry), built by ``_coxph`` on
the same centred and scaled design; dI/dbeta is the sum over event terms of the third central
moments of x over each (Efron-weighted) risk set, since d/dbeta of a risk-set covariance under
weights r exp(x beta) is that moment (only its contraction with I^-1 is computed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from her2var.stats._coxph import CoxLikelihood, scaled_likelihood

ITER_MAX = 200
STEP_TOL = 1e-10  # largest Newton step (scaled design) at convergence
MAX_STEP = 2.0  # a Newton step is cut to this length first (scaled design): l* is far from quadratic
HALVINGS = 40
BOUND_LIMIT = 40.0  # a profile CI bound is looked for this far from the estimate (scaled design)


@dataclass(frozen=True)
class FirthFit:
    """Estimates on the covariates' own scale; a CI bound not found within reach is NaN."""

    coef: np.ndarray
    se: np.ndarray
    lower: np.ndarray  # profile penalised likelihood CI of the coefficient
    upper: np.ndarray
    p: np.ndarray  # penalised likelihood-ratio p of beta_r = 0
    penalised_loglik: tuple[float, float]  # l* at beta = 0 and at the estimate (up to a constant)
    lr_test: tuple[float, int, float]  # (chisq, df, p): 2 [l*(estimate) - l*(0)]
    iterations: int
    converged: bool


class PenalisedLikelihood:
    """l*(beta), its modified score and the information, on a ``CoxLikelihood``'s design.

    The score needs trace(I^-1 dI/dbeta_c) only, never dI itself: with W = I^-1 and, per event
    term, m and M2 the risk set's first and second moments, sum_ab W_ab T_abc (T the third central
    moment) is E[q (x_c - m_c)] with q = (x - m)' W (x - m), which expands into risk-set sums of
    r x'Wx and r (x'Wx) x: O(n p^2) work instead of O(n p^3).
    """

    def __init__(self, lik: CoxLikelihood) -> None:
        self.lik = lik
        x = lik.x
        n, p = x.shape
        self.p = p
        xx = (x[:, :, None] * x[:, None, :]).reshape(n, p * p)
        self.powers = np.hstack([np.ones((n, 1)), x, xx])  # 1 | x | x x'

    def _risk_sums(self, cols: np.ndarray) -> np.ndarray:
        """Per event term, the (Efron-weighted) risk-set sum of each column."""
        lik = self.lik
        if lik.at_risk is None:
            risk = np.cumsum(cols[::-1], axis=0)[::-1][lik.start]
        else:
            risk = lik.at_risk @ cols
        tied = np.add.reduceat(cols[lik.ev_rows], lik.ev_start, axis=0)
        return risk[lik.grp] - lik.frac[:, None] * tied[lik.grp]

    def __call__(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(l*, U*, I) at ``beta``; l* is -inf where I is not positive definite. exp(x beta) is
        shifted by its maximum, which leaves every event term's ratio unchanged."""
        lik, p, x = self.lik, self.p, self.lik.x
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            eta = x @ beta
            eta = eta - eta.max()
            r = np.exp(eta)
            s = self._risk_sums(self.powers * r[:, None])
            s0 = s[:, 0]
            m1 = s[:, 1:1 + p] / s0[:, None]
            m2 = (s[:, 1 + p:] / s0[:, None]).reshape(-1, p, p)
            loglik = float(eta[lik.ev_rows].sum() - np.log(s0).sum())
            score = x[lik.ev_rows].sum(axis=0) - m1.sum(axis=0)
            info = (m2 - m1[:, :, None] * m1[:, None, :]).sum(axis=0)
        try:
            chol = np.linalg.cholesky(info)
        except np.linalg.LinAlgError:
            return -np.inf, score, info
        w = np.linalg.inv(info)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            q = np.einsum("ia,ab,ib->i", x, w, x)
            t = self._risk_sums(np.column_stack([q, q[:, None] * x]) * r[:, None])
            eq, eqx = t[:, 0] / s0, t[:, 1:] / s0[:, None]
            wm = m1 @ w
            mwm = np.einsum("la,la->l", wm, m1)
            first = eqx - 2.0 * np.einsum("lcb,lb->lc", m2, wm) + mwm[:, None] * m1  # E[q x_c]
            trace = (first - m1 * (eq - mwm)[:, None]).sum(axis=0)
        value = loglik + float(np.log(np.diag(chol)).sum())  # + 1/2 log|I|
        if not (np.isfinite(value) and np.all(np.isfinite(trace))):
            return -np.inf, score, info
        return value, score + 0.5 * trace, info


def _maximise(pl: PenalisedLikelihood, beta: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, float, int, bool]:
    """Maximise l* over the coordinates ``free`` from ``beta`` (the others stay as given)."""
    beta = beta.copy()
    value, score, info = pl(beta)
    if not free.any():
        return beta, value, 0, True
    for it in range(1, ITER_MAX + 1):
        sub = info[np.ix_(free, free)]
        try:
            step = np.linalg.solve(sub, score[free])
        except np.linalg.LinAlgError:
            return beta, value, it, False
        longest = float(np.max(np.abs(step)))
        if longest > MAX_STEP:
            step *= MAX_STEP / longest
        for _ in range(HALVINGS):
            trial = beta.copy()
            trial[free] += step
            t_value, t_score, t_info = pl(trial)
            if t_value >= value - 1e-12 * abs(value):
                break
            step /= 2.0
        else:
            return beta, value, it, float(np.max(np.abs(step))) < STEP_TOL * 1e3
        beta, value, score, info = trial, t_value, t_score, t_info
        if float(np.max(np.abs(step))) < STEP_TOL:
            return beta, value, it, True
    return beta, value, ITER_MAX, False


def _profile_bound(pl: PenalisedLikelihood, best: np.ndarray, j: int, target: float, direction: float,
                   start: float) -> float:
    """Where the profile of l* over beta_j falls to ``target``, on one side of the estimate; NaN if
    it does not within BOUND_LIMIT."""
    free = np.ones(len(best), dtype=bool)
    free[j] = False
    warm = {"beta": best.copy()}

    def gap(b: float) -> float:
        beta = warm["beta"].copy()
        beta[j] = b
        beta, value, _, _ = _maximise(pl, beta, free)
        warm["beta"] = beta
        return value - target

    inner, dist = float(best[j]), max(start, 1e-3)
    while dist <= BOUND_LIMIT:
        outer = float(best[j]) + direction * dist
        if gap(outer) < 0:
            from scipy.optimize import brentq  # only here: scipy.optimize is slow to import

            warm["beta"] = best.copy()
            return float(brentq(gap, inner, outer, xtol=1e-12, rtol=1e-12, maxiter=200))
        inner, dist = outer, dist * 2.0
    return float("nan")


def firth_fit(x: np.ndarray, time: np.ndarray, event: np.ndarray, *, entry: np.ndarray | None = None,
              ties: str = "efron", conf_level: float = 0.95) -> FirthFit:
    """Firth-penalised Cox model of ``time``/``event`` on the columns of ``x`` (n by p, no
    intercept), with Efron or Breslow ties and optional delayed entry, as coxph's likelihood."""
    from scipy.stats import chi2  # only when a model is fitted this way: scipy.stats is slow to import

    lik, scale = scaled_likelihood(x, time, event, entry=entry, ties=ties)
    pl = PenalisedLikelihood(lik)
    p = x.shape[1]
    zero = np.zeros(p)
    value0, _, _ = pl(zero)
    best, value, iterations, converged = _maximise(pl, zero, np.ones(p, dtype=bool))
    _, _, info = pl(best)
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    crit = float(chi2.ppf(conf_level, 1))
    lower, upper, pvals = np.full(p, np.nan), np.full(p, np.nan), np.full(p, np.nan)
    for j in range(p):
        lower[j] = _profile_bound(pl, best, j, value - crit / 2.0, -1.0, 2.0 * se[j])
        upper[j] = _profile_bound(pl, best, j, value - crit / 2.0, 1.0, 2.0 * se[j])
        free = np.ones(p, dtype=bool)
        free[j] = False
        at_zero = best.copy()
        at_zero[j] = 0.0
        _, value_null, _, _ = _maximise(pl, at_zero, free)
        pvals[j] = float(chi2.sf(max(2.0 * (value - value_null), 0.0), 1))
    lr = max(2.0 * (value - value0), 0.0)
    return FirthFit(coef=best * scale, se=se * scale, lower=lower * scale, upper=upper * scale, p=pvals,
                    penalised_loglik=(value0, value), lr_test=(lr, p, float(chi2.sf(lr, p))),
                    iterations=iterations, converged=converged)
