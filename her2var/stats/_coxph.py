"""Newton–Raphson fit of the Cox partial likelihood, Efron or Breslow ties (R: survival's ``coxph.fit``
and, with delayed entry, ``agreg.fit``).

Right-censored data follow survival's C routine ``coxfit6``: covariates that are not all -1/0/1 are
centred and scaled (coxph's ``nocenter``), Newton steps start from beta = 0, a step that lowers the
log-likelihood (or gives a non-finite one) is pulled back towards the last good beta, and the fit
stops when |1 - loglik_old / loglik_new| <= eps (``coxph.control``: eps 1e-9, iter.max 20). The
returned coefficients are those of the last Newton step, with the information at them, as R does.
Counting-process data (an entry time per row: ``Surv(entry, time, event)``) follow ``agfit4``
instead, whose stopping rule also waits for step-halving to end and whose warnings differ slightly;
a row is at risk at event time u when entry < u <= time.
The Cholesky routines behave as survival's ``cholesky2``/``chsolve2``/``chinv2``: a pivot below
``toler.chol`` times the largest diagonal marks its column singular and that column gets a zero
step and zero variance instead of a failure; R then reports that coefficient as NA (``aliased``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-9  # coxph.control(eps)
ITER_MAX = 20  # coxph.control(iter.max)
TOLER_CHOL = float(np.finfo(float).eps) ** 0.75  # coxph.control(toler.chol)
TOLER_INF = float(np.sqrt(EPS))  # coxph.control(toler.inf)


TIES: tuple[str, ...] = ("efron", "breslow")


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
    aliased: np.ndarray  # R reports these coefficients as NA ("X matrix deemed to be singular")
    score_test: float  # R: summary(fit)$sctest, the score test of beta = 0
    info0_diag: np.ndarray  # diagonal of the information at beta = 0 (0: constant within every risk set)


class CoxLikelihood:
    """Log partial likelihood, score and information (coxfit6_iter / agfit4), vectorised.

    Rows are sorted by time once; at each distinct event time the risk-set sums of r = exp(x beta),
    r x and r x x' come from reverse cumulative sums (or, with entry times, from the at-risk
    indicator of each row at each event time), and the d tied events get the Efron denominators
    S - (l / d) A for l = 0..d-1 (A: the sums over the tied events), or S for all of them (Breslow).
    """

    def __init__(self, x: np.ndarray, time: np.ndarray, event: np.ndarray, *,
                 entry: np.ndarray | None = None, ties: str = "efron") -> None:
        if ties not in TIES:
            raise ValueError(f"ties {ties!r}: expected one of {TIES}")
        order = np.argsort(time, kind="stable")
        self.order = order
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
        frac = (np.arange(len(self.ev_rows)) - self.ev_start[self.grp]) / d[self.grp]
        self.frac = frac if ties == "efron" else np.zeros_like(frac)
        self.x_ev_sum = self.x[self.ev_rows].sum(axis=0)
        # With delayed entry, an explicit at-risk matrix (event times by rows): risk-set sums taken
        # as "everyone still followed less those not yet entered" would cancel badly when exp(x beta)
        # spans many orders of magnitude.
        self.at_risk: np.ndarray | None = None
        if entry is not None:
            en = np.asarray(entry, dtype=float)[order]
            self.at_risk = ((en[None, :] < times[:, None]) & (t[None, :] >= times[:, None])).astype(float)

    def __call__(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(loglik, score, information) at ``beta``; non-finite values when exp overflows."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            eta, r, s0, mean = self._event_terms(beta)
            loglik = float(eta[self.ev_rows].sum() - np.log(s0).sum())
            score = self.x_ev_sum - mean.sum(axis=0)
            info = self._information(r, s0, mean, np.ones(len(s0)))
        return loglik, score, info

    def _event_terms(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """eta, exp(eta), and per event term l its denominator s0_l and covariate mean."""
        x, grp, frac, ev_rows = self.x, self.grp, self.frac, self.ev_rows
        eta = x @ beta
        r = np.exp(eta)
        rx = r[:, None] * x
        if self.at_risk is None:
            s0_risk = np.cumsum(r[::-1])[::-1][self.start]
            s1_risk = np.cumsum(rx[::-1], axis=0)[::-1][self.start]
        else:
            s0_risk = self.at_risk @ r
            s1_risk = self.at_risk @ rx
        a0 = np.add.reduceat(r[ev_rows], self.ev_start)
        a1 = np.add.reduceat(rx[ev_rows], self.ev_start, axis=0)
        # One Efron denominator per event: the full risk set less l/d of the tied events.
        s0 = s0_risk[grp] - frac * a0[grp]
        s1 = s1_risk[grp] - frac[:, None] * a1[grp]
        return eta, r, s0, s1 / s0[:, None]

    def _information(self, r: np.ndarray, s0: np.ndarray, mean: np.ndarray, omega: np.ndarray) -> np.ndarray:
        """sum_l omega_l V_l, V_l the covariance of x over event term l's (Efron-weighted) risk set."""
        x, grp, frac, ev_rows = self.x, self.grp, self.frac, self.ev_rows
        # sum_l omega_l s2_l / s0_l = sum_g (S2_g c_g - A2_g cf_g); S2_g is a risk-set sum, so each
        # row enters with the c_g of every event time it is at risk at.
        inv = omega / s0
        c = np.bincount(grp, weights=inv, minlength=self.m)
        cf = np.bincount(grp, weights=frac * inv, minlength=self.m)
        if self.at_risk is None:
            at = np.zeros(self.n)
            at[self.start] = c
            w = r * np.cumsum(at)
        else:
            w = r * (c @ self.at_risk)
        w[ev_rows] -= r[ev_rows] * cf[grp]
        return (x.T * w) @ x - (mean.T * omega) @ mean

    def time_weighted(self, beta: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the score test of x·g(t) terms (R's cox.zph, zph1/zph2): with ``g`` one value per
        row (sorted as given), the score sum_l g_l (x_l - mean_l) and sum_l g_l V_l, sum_l g_l^2 V_l."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            _, r, s0, mean = self._event_terms(beta)
            ge = g[self.order][self.ev_rows]
            score = ((self.x[self.ev_rows] - mean) * ge[:, None]).sum(axis=0)
            return score, self._information(r, s0, mean, ge), self._information(r, s0, mean, ge * ge)


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


def _standardise(x: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """coxph's centring and scaling: every column except those of -1/0/1 only (``nocenter``).

    Mean and scale come from ``rows`` (coxfit6: all rows; agfit4: the rows that span an event
    time). The fit is invariant to it, but it keeps exp() in range and makes the Cholesky
    tolerance scale-free. Returns (scaled x, scale).
    """
    p = x.shape[1]
    scale = np.ones(p)
    xs = x.copy()
    for j in range(p):
        col = x[:, j]
        if not np.all(np.isin(col, (-1.0, 0.0, 1.0))):
            centred = col - col[rows].mean()
            total = np.abs(centred[rows]).sum()
            scale[j] = rows.sum() / total if total > 0 else 1.0
            xs[:, j] = centred * scale[j]
    return xs, scale


def scaled_likelihood(x: np.ndarray, time: np.ndarray, event: np.ndarray, *, entry: np.ndarray | None = None,
                      ties: str = "efron") -> tuple[CoxLikelihood, np.ndarray]:
    """The likelihood of the centred and scaled design, as coxph builds it, and the scale (a
    coefficient on the covariates' own scale is the scaled one times the scale)."""
    x = np.asarray(x, dtype=float)
    time = np.asarray(time, dtype=float)
    if entry is None:
        xs, scale = _standardise(x, np.ones(len(time), dtype=bool))
        return CoxLikelihood(xs, time, event, ties=ties), scale
    entry = np.asarray(entry, dtype=float)
    # agreg.fit leaves out of the centring (and of the fit) rows that span no event time.
    dtimes = np.unique(time[event == 1])
    spans = np.searchsorted(dtimes, entry, side="right") != np.searchsorted(dtimes, time, side="right")
    xs, scale = _standardise(x, spans)
    return CoxLikelihood(xs, time, event, entry=entry, ties=ties), scale


def coxph_fit(x: np.ndarray, time: np.ndarray, event: np.ndarray, *, entry: np.ndarray | None = None,
              ties: str = "efron", eps: float = EPS, iter_max: int = ITER_MAX) -> CoxphFit:
    """Fit as ``coxph(Surv(time, event) ~ x, ties = ties)``, or with ``entry`` as
    ``coxph(Surv(entry, time, event) ~ x, ties = ties)`` (x: n by p design, no intercept)."""
    lik, scale = scaled_likelihood(x, time, event, entry=entry, ties=ties)
    if entry is None:
        return _coxfit6(lik, scale, eps, iter_max)
    return _agfit4(lik, scale, eps, iter_max)


def _finish(lik: CoxLikelihood, scale: np.ndarray, beta: np.ndarray, u: np.ndarray, factor: np.ndarray,
            loglik: tuple[float, float], iterations: int, converged: bool, singular_at_start: np.ndarray,
            singular: np.ndarray, score_test: float, info0: np.ndarray, aliased: np.ndarray,
            infinite_rule: str, eps: float) -> CoxphFit:
    var = chinv2(factor) * np.outer(scale, scale)
    coef = beta * scale
    score = u / scale
    # The Newton step still left at convergence is large next to the coefficient.
    with np.errstate(invalid="ignore"):
        step = np.abs(score @ var)
        if infinite_rule == "coxph.fit":
            infinite = ~np.isfinite(score) | ((step > eps) & (step > TOLER_INF * np.abs(coef)))
        else:  # agreg.fit
            infinite = ~np.isfinite(score) | (step > TOLER_INF * (1.0 + np.abs(coef)))
    return CoxphFit(coef=coef, var=var, score=score, loglik=loglik, iterations=iterations,
                    converged=converged, singular_at_start=singular_at_start, singular=singular,
                    may_be_infinite=infinite, aliased=aliased, score_test=score_test,
                    info0_diag=np.diag(info0) / (scale * scale))


def _coxfit6(lik: CoxLikelihood, scale: np.ndarray, eps: float, iter_max: int) -> CoxphFit:
    """The iteration of survival's coxfit6 (right-censored data)."""
    p = len(scale)
    beta = np.zeros(p)
    loglik0, u, imat = lik(beta)
    info0 = imat
    factor, singular_at_start = cholesky2(imat)
    step0 = chsolve2(factor, u)
    score_test = float(u @ step0)
    best = loglik0
    newbeta = beta + step0
    halving = 0
    converged = False
    iterations = 0
    singular = singular_at_start
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
    # coxph.fit: NA for the columns without variance (rank of the last information short).
    aliased = singular.copy()
    return _finish(lik, scale, beta, u, factor, (loglik0, best), iterations, converged, singular_at_start,
                   singular, score_test, info0, aliased, "coxph.fit", eps)


def _agfit4(lik: CoxLikelihood, scale: np.ndarray, eps: float, iter_max: int) -> CoxphFit:
    """The iteration of survival's agfit4 (counting-process data, here: delayed entry)."""
    p = len(scale)
    beta = np.zeros(p)
    loglik0, u, imat = lik(beta)
    info0 = imat
    factor, singular_at_start = cholesky2(imat)
    rank = int((~singular_at_start).sum())
    step0 = chsolve2(factor, u)
    score_test = float(u @ step0)
    singular = singular_at_start
    best, newlk = loglik0, loglik0
    converged = False
    iterations = 0
    if not np.isfinite(loglik0):
        return _finish(lik, scale, beta, u, factor, (loglik0, loglik0), 0, False, singular_at_start,
                       singular, score_test, info0, singular_at_start.copy(), "agreg.fit", eps)
    oldbeta, beta = beta, beta + step0
    halving = 0
    for iterations in range(1, iter_max + 1):
        newlk, u, imat = lik(beta)
        fail = int((~np.isfinite(np.diag(imat))).sum())
        factor, singular = cholesky2(imat)
        fail += int(not np.isfinite(newlk)) + abs(rank - int((~singular).sum()))
        with np.errstate(divide="ignore", invalid="ignore"):
            if fail == 0 and halving == 0 and abs(1.0 - best / newlk) <= eps:
                converged = True
                break
        if iterations == iter_max:
            if iter_max > 1 and (newlk - best) / abs(best) < -eps:
                # The last try was worse than an earlier one: go back to the last good beta.
                beta = oldbeta
                newlk, u, imat = lik(beta)
                factor, singular = cholesky2(imat)
            break
        if fail > 0 or newlk < best:
            halving += 1
            beta = (oldbeta * halving + beta) / (halving + 1.0)
        else:
            halving = 0
            best = newlk
            oldbeta, beta = beta, beta + chsolve2(factor, u)
    # agreg.fit: NA for the columns without variance when the rank at the start is short.
    aliased = np.diag(chinv2(factor)) == 0 if rank < p else np.zeros(p, dtype=bool)
    return _finish(lik, scale, beta, u, factor, (loglik0, newlk), iterations, converged, singular_at_start,
                   singular, score_test, info0, aliased, "agreg.fit", eps)
