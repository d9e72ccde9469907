"""Newton–Raphson fit of the Cox partial likelihood with Efron ties (R: survival's ``coxph.fit``).

The iteration follows survival's C routine ``coxfit6``: covariates that are not all -1/0/1 are
centred and scaled (coxph's ``nocenter``), Newton steps start from beta = 0, a step that lowers the
log-likelihood (or gives a non-finite one) is pulled back towards the last good beta, and the fit
stops when |1 - loglik_old / loglik_new| <= eps (``coxph.control``: eps 1e-9, iter.max 20). The
returned coefficients are those of the last Newton step, with the information at them, as R does.
The Cholesky routines behave as survival's ``cholesky2``/``chsolve2``/``chinv2``: a pivot below
``toler.chol`` times the largest diagonal marks its column singular and that column gets a zero
step and zero variance instead of a failure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-9  # coxph.control(eps)
ITER_MAX = 20  # coxph.control(iter.max)
TOLER_CHOL = float(np.finfo(float).eps) ** 0.75  # coxph.control(toler.chol)
TOLER_INF = float(np.sqrt(EPS))  # coxph.control(toler.inf)


@dataclass(frozen=True)
class CoxphFit:
    """Coefficients and inverse information on the covariates' own scale, as coxph.fit returns them."""

    coef: np.ndarray
    var: np.ndarray  # inverse information; zero row and column for a singular term
    score: np.ndarray  # score vector at coef
    loglik: tuple[float, float]  # at beta = 0 and at coef
    iterations: int
    converged: bool
    singular_at_start: np.ndarray  # zero pivot at beta = 0: collinear or constant within risk sets
    singular: np.ndarray  # zero pivot at coef
    may_be_infinite: np.ndarray  # R: "Loglik converged before variable ...; coefficient may be infinite"


class EfronLikelihood:
    """Log partial likelihood, score and information with Efron ties (coxfit6_iter), vectorised.

    Rows are sorted by time once; at each distinct event time the risk-set sums of r = exp(x beta),
    r x and r x x' come from reverse cumulative sums, and the d tied events get the Efron
    denominators S - (l / d) A for l = 0..d-1 (A: the sums over the tied events).
    """

    def __init__(self, x: np.ndarray, time: np.ndarray, event: np.ndarray) -> None:
        order = np.argsort(time, kind="stable")
        self.x = np.ascontiguousarray(x[order], dtype=float)
        t = time[order]
        ev = event[order] == 1
        times = np.unique(t[ev])
        self.n, self.m = len(t), len(times)
        self.start = np.searchsorted(t, times, side="left")  # first sorted row at risk at each time
        self.ev_rows = np.flatnonzero(ev)  # ascending time, so each tie group is contiguous
        self.grp = np.searchsorted(times, t[self.ev_rows])
        d = np.bincount(self.grp, minlength=self.m)
        self.ev_start = np.concatenate(([0], np.cumsum(d)[:-1]))
        self.frac = (np.arange(len(self.ev_rows)) - self.ev_start[self.grp]) / d[self.grp]
        self.x_ev_sum = self.x[self.ev_rows].sum(axis=0)

    def __call__(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(loglik, score, information) at ``beta``; non-finite values when exp overflows."""
        x, grp, frac, ev_rows = self.x, self.grp, self.frac, self.ev_rows
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            eta = x @ beta
            r = np.exp(eta)
            rx = r[:, None] * x
            s0_all = np.cumsum(r[::-1])[::-1]
            s1_all = np.cumsum(rx[::-1], axis=0)[::-1]
            a0 = np.add.reduceat(r[ev_rows], self.ev_start)
            a1 = np.add.reduceat(rx[ev_rows], self.ev_start, axis=0)
            # One Efron denominator per event: the full risk set less l/d of the tied events.
            s0 = s0_all[self.start][grp] - frac * a0[grp]
            s1 = s1_all[self.start][grp] - frac[:, None] * a1[grp]
            loglik = float(eta[ev_rows].sum() - np.log(s0).sum())
            mean = s1 / s0[:, None]
            score = self.x_ev_sum - mean.sum(axis=0)
            # sum_l s2_l / s0_l = sum_g (S2_g c_g - A2_g cf_g); S2_g is a risk-set sum, so each row
            # enters with the c_g of every event time it is at risk at (a cumulative sum over rows).
            inv = 1.0 / s0
            c = np.bincount(grp, weights=inv, minlength=self.m)
            cf = np.bincount(grp, weights=frac * inv, minlength=self.m)
            at = np.zeros(self.n)
            at[self.start] = c
            w = r * np.cumsum(at)
            w[ev_rows] -= r[ev_rows] * cf[grp]
            info = (x.T * w) @ x - mean.T @ mean
        return loglik, score, info


def cholesky2(a: np.ndarray, toler: float = TOLER_CHOL) -> tuple[np.ndarray, np.ndarray]:
    """LDL' factor of a symmetric matrix as survival's ``cholesky2``; returns (factor, singular).

    The factor holds D on the diagonal and L below it; a pivot that is not finite or is below
    ``toler`` times the largest diagonal element is set to 0 and its column marked singular.
    """
    m = np.array(a, dtype=float)
    p = m.shape[0]
    diag_max = max(float(np.max(np.diag(m), initial=0.0)), 0.0)
    eps = toler if diag_max == 0 else diag_max * toler
    singular = np.zeros(p, dtype=bool)
    for i in range(p):
        pivot = m[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            m[i, i] = 0.0
            m[i + 1:, i] = 0.0  # a singular column takes no part in the solves
            singular[i] = True
            continue
        for j in range(i + 1, p):
            temp = m[j, i] / pivot
            m[j, i] = temp
            m[j, j] -= temp * temp * pivot
            m[j + 1:, j] -= temp * m[j + 1:, i]
    return m, singular


def chsolve2(factor: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve with a ``cholesky2`` factor (survival's ``chsolve2``); singular components are 0."""
    p = len(b)
    y = np.array(b, dtype=float)
    for i in range(p):  # forward: L y = b
        y[i] -= factor[i, :i] @ y[:i]
    for i in range(p - 1, -1, -1):  # D and back: L' x = D^-1 y
        if factor[i, i] == 0:
            y[i] = 0.0
        else:
            y[i] = y[i] / factor[i, i] - factor[i + 1:, i] @ y[i + 1:]
    return y


def chinv2(factor: np.ndarray) -> np.ndarray:
    """Inverse from a ``cholesky2`` factor (survival's ``chinv2``); singular rows/columns are 0."""
    p = factor.shape[0]
    inv = np.column_stack([chsolve2(factor, col) for col in np.eye(p)]) if p else np.zeros((0, 0))
    zero = np.diag(factor) == 0
    inv[zero, :] = 0.0
    inv[:, zero] = 0.0
    return (inv + inv.T) / 2.0


def coxph_fit(x: np.ndarray, time: np.ndarray, event: np.ndarray, *, eps: float = EPS,
              iter_max: int = ITER_MAX) -> CoxphFit:
    """Fit as ``coxph(Surv(time, event) ~ x, ties = "efron")`` (x: n by p design, no intercept)."""
    x = np.asarray(x, dtype=float)
    p = x.shape[1]
    # coxph centres and scales every column except those of -1/0/1 only (nocenter); the fit is
    # invariant to it, but it keeps exp() in range and makes the Cholesky tolerance scale-free.
    scale = np.ones(p)
    xs = x.copy()
    for j in range(p):
        col = x[:, j]
        if not np.all(np.isin(col, (-1.0, 0.0, 1.0))):
            centred = col - col.mean()
            total = np.abs(centred).sum()
            scale[j] = len(col) / total if total > 0 else 1.0
            xs[:, j] = centred * scale[j]
    lik = EfronLikelihood(xs, time, event)

    beta = np.zeros(p)
    loglik0, u, imat = lik(beta)
    factor, singular_at_start = cholesky2(imat)
    best = loglik0
    newbeta = beta + chsolve2(factor, u)
    halving = 0
    converged = False
    iterations = 0
    for iterations in range(1, iter_max + 1):  # noqa: B007 - the count is read after the loop
        newlk, u, imat = lik(newbeta)
        factor, singular = cholesky2(imat)
        finite = np.isfinite(newlk) and np.all(np.isfinite(u)) and np.all(np.isfinite(imat))
        with np.errstate(divide="ignore", invalid="ignore"):
            if finite and abs(1.0 - best / newlk) <= eps:
                beta, best, converged = newbeta, newlk, True
                break
        if not finite or newlk < best:
            # Not improving: move back towards the last good beta, harder each time (coxfit6).
            halving += 1
            newbeta = (newbeta + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = newlk
            beta, newbeta = newbeta, newbeta + chsolve2(factor, u)
    if not converged:
        # Out of iterations: report the last good beta with its own score and information.
        best, u, imat = lik(beta)
        factor, singular = cholesky2(imat)
    var = chinv2(factor) * np.outer(scale, scale)
    coef = beta * scale
    score = u / scale
    # coxph.fit: the Newton step still left at convergence is large next to the coefficient.
    with np.errstate(invalid="ignore"):
        step = np.abs(score @ var)
        infinite = ~np.isfinite(score) | ((step > eps) & (step > TOLER_INF * np.abs(coef)))
    return CoxphFit(coef=coef, var=var, score=score, loglik=(loglik0, best), iterations=iterations,
                    converged=converged, singular_at_start=singular_at_start, singular=singular,
                    may_be_infinite=infinite)
