"""Median survival (and its 95% CI), median follow-up and a per-group KM summary.

Methods (every result carries its name in ``ci_method``):

* ``log`` / ``log-log`` / ``plain`` — R's rule: the median is where S(t) first falls to 0.5 and
  the CI bounds are where the lower/upper pointwise band (of that conf.type) falls to 0.5.
  ``rule="quantile"`` (default) reproduces ``quantile.survfit``; ``rule="print"`` reproduces the
  table of ``print.survfit``/``summary(fit)$table``. Both treat a value within
  sqrt(machine eps) of 0.5 as equal to it and then return the midpoint of the flat stretch at 0.5
  and the next drop. They differ only when a curve ends flat at exactly 0.5: ``quantile`` returns
  the midpoint of that point and the last follow-up time, ``print`` returns the point itself.
* ``spss`` — median ± 1.96·SE, see :func:`_spss_median`; a lower bound below 0 is reported
  as 0 (a survival time cannot be negative), with a note.

A median or bound that is never reached is None ("NR"), never infinity or the last time.

Restricted mean survival time up to a horizon tau (:func:`restricted_mean`) is the area under the
curve from 0 to tau, with R's standard error (``print(survfit, rmean = tau)``, as survRM2), and
:func:`rmst_difference` compares two groups (difference, its CI and a Wald p, as survRM2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from her2var.errors import InputError, shown
from her2var.stats._checks import check_time_event
from her2var.stats._dist import norm_ppf, norm_sf
from her2var.stats.km import (
    CONF_TYPES,
    KMCurve,
    kaplan_meier,
    kaplan_meier_by_group,
    survival_at,
)

MEDIAN_METHODS: tuple[str, ...] = (*CONF_TYPES, "spss")
RULES: tuple[str, ...] = ("quantile", "print")
# R's tolerance for "this survival value equals the requested quantile".
TOL = float(np.sqrt(np.finfo(float).eps))
SPSS_Z = 1.96
SPSS_EPS = 0.05


@dataclass(frozen=True)
class MedianSurvival:
    """A median with its CI; None means not reached (NR)."""

    label: str
    n: int
    events: int
    median: float | None
    lower: float | None
    upper: float | None
    ci_method: str
    conf_level: float
    rule: str
    se: float | None = None
    note: str = ""

    def formatted(self, digits: int = 1) -> str:
        """``"5.5 (3.2–NR)"``; ``"NR (4.1–NR)"`` when the median is not reached."""
        def f(x: float | None) -> str:
            return "NR" if x is None else f"{x:.{digits}f}"
        return f"{f(self.median)} ({f(self.lower)}\u2013{f(self.upper)})"


def _first_unique(y: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each value, NaN counted as one value (R's duplicated)."""
    seen: set[float] = set()
    seen_nan = False
    keep = []
    for i, v in enumerate(y):
        if np.isnan(v):
            if not seen_nan:
                seen_nan = True
                keep.append(i)
        elif v not in seen:
            seen.add(v)
            keep.append(i)
    return np.asarray(keep, dtype=int)


def _quantile_rule(times: np.ndarray, curve: np.ndarray, p: float = 0.5) -> float | None:
    """Where ``curve`` (S or a band) falls to 1 - p, by the rule of R's ``quantile.survfit``.

    Works on y = 1 - curve with the start (time 0, y 0) prepended. Repeated y values are reduced
    to their first time, so a flat stretch is represented by where it starts. The answer is the
    mean of the first time with y >= p - tol and the first with y > p + tol, which is the
    crossing time, or the midpoint of a stretch lying within tol of p. A stretch at p that runs
    to the end is averaged with the last time instead.
    """
    x = np.concatenate(([0.0], times))
    y = np.concatenate(([0.0], 1.0 - curve))
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return None
    xmax = x[-1]
    keep = _first_unique(y)
    x, y = x[keep], y[keep]
    ok = ~np.isnan(y)
    # Positions (in the de-duplicated arrays) of defined values, ordered by value. The upper
    # band need not be monotone, so ordering matters to reproduce R's approx() lookup.
    pos = np.flatnonzero(ok)
    pos = pos[np.argsort(y[pos], kind="stable")]

    def lookup(shift: float) -> int | None:
        # approx(y + shift, index, p, method="constant", f=1): the exact match if any,
        # else the next larger value; outside the range: NA.
        xs = y[pos] + shift
        if p < xs[0] or p > xs[-1]:
            return None
        return int(pos[np.searchsorted(xs, p, side="left")])

    i1, i2 = lookup(TOL), lookup(-TOL)
    if not np.isnan(y[-1]) and abs(p - y[-1]) < TOL:
        return None if i1 is None else float((x[i1] + xmax) / 2.0)
    if i1 is None or i2 is None:
        return None
    return float((x[i1] + x[i2]) / 2.0)


def _print_rule(times: np.ndarray, curve: np.ndarray) -> float | None:
    """Where ``curve`` falls to 0.5, by the rule of R's ``print.survfit`` (survmean's minmin)."""
    keep = ~np.isnan(curve) & (curve < 0.5 + TOL)
    if not keep.any():
        return None
    x, y = times[keep], curve[keep]
    if abs(y[0] - 0.5) < TOL and (y < y[0]).any():
        return float((x[0] + x[np.flatnonzero(y < y[0])[0]]) / 2.0)
    return float(x[0])


def _spss_median(curve: KMCurve) -> tuple[float | None, float | None, str]:
    """Median and its SE for ``method="spss"``: (median, se, note).

    Median: the smallest event time with S(t) <= 0.5 (within R's tolerance); no midpoint rule.
    SE (Collett 2003, *Modelling Survival Data in Medical Research*, 2nd ed., §2.4; the
    "practical note" of Klein & Moeschberger 2003, §4.5):

        se(t50) = se[S(t50)] / f(t50),   se[S] by Greenwood = S·sqrt(Σ d/(n(n-d))),
        f(t50)  = (S(u) - S(l)) / (l - u),
        u = max{t_j : S(t_j) >= 0.5 + ε},  l = min{t_j : S(t_j) <= 0.5 - ε},  ε = 0.05,

    t_j ranging over 0 and the event times. SPSS documents median ± 1.96·SE but its algorithm
    notes do not spell out the SE; this is the Collett / Klein–Moeschberger formula, not a
    verified copy of SPSS output. The caller clamps a negative lower bound at 0.
    """
    ev = curve.n_event > 0
    t_ev, s_ev = curve.time[ev], curve.surv[ev]
    se_ev = curve.std_err[ev]
    below = np.flatnonzero(s_ev < 0.5 + TOL)
    if len(below) == 0:
        return None, None, "median not reached"
    k = below[0]
    median = float(t_ev[k])
    t0 = np.concatenate(([0.0], t_ev))
    s0 = np.concatenate(([1.0], s_ev))
    upper_side = np.flatnonzero(s0 >= 0.5 + SPSS_EPS - TOL)
    lower_side = np.flatnonzero(s0 <= 0.5 - SPSS_EPS + TOL)
    if len(lower_side) == 0:
        return median, None, "SE not estimable: S(t) never falls to 0.45"
    u, l_ = upper_side[-1], lower_side[0]
    density = (s0[u] - s0[l_]) / (t0[l_] - t0[u])
    se_s = float(se_ev[k])
    if not np.isfinite(se_s):
        return median, None, "SE not estimable: Greenwood SE is infinite at the median (S = 0)"
    return median, se_s / density, ""


def median_survival(curve: KMCurve, method: str = "log", *, conf_level: float | None = None,
                    rule: str = "quantile") -> MedianSurvival:
    """Median survival of a curve with its CI by ``method`` (see module docstring)."""
    if method not in MEDIAN_METHODS:
        raise InputError(f"median method {shown(method)} is not supported; expected one of {list(MEDIAN_METHODS)}")
    if rule not in RULES:
        raise InputError(f"median rule {shown(rule)} is not supported; expected one of {list(RULES)}")
    level = curve.conf_level if conf_level is None else conf_level
    result = partial(MedianSurvival, label=curve.label, n=curve.n, events=curve.events, ci_method=method)
    if method == "spss":
        if level != 0.95:
            raise InputError(f"method 'spss' prints 95% intervals only (z = 1.96); got conf_level {level}")
        med, se, note = _spss_median(curve)
        lo = hi = None
        if med is not None and se is not None:
            lo, hi = med - SPSS_Z * se, med + SPSS_Z * se
            if lo < 0:
                note = f"lower bound {lo:.3g} (median - 1.96 SE) clamped at 0"
                lo = 0.0
        return result(median=med, lower=lo, upper=hi, conf_level=level, rule="spss", se=se, note=note)
    lower, upper = curve.band(method, level)
    if rule == "quantile":
        med = _quantile_rule(curve.time, curve.surv)
        lo = _quantile_rule(curve.time, lower)
        hi = _quantile_rule(curve.time, upper)
    else:
        med = _print_rule(curve.time, curve.surv)
        lo = _print_rule(curve.time, lower)
        hi = _print_rule(curve.time, upper)
    note = "median not reached" if med is None else ""
    return result(median=med, lower=lo, upper=hi, conf_level=level, rule=rule, note=note)


def median_follow_up(time: Any, event: Any, *, entry: Any = None, method: str = "log", rule: str = "quantile",
                     conf_level: float = 0.95) -> MedianSurvival:
    """Median follow-up by reverse Kaplan–Meier: censorings are the events and vice versa.

    R: ``survfit(Surv(time, 1 - event) ~ 1)`` (with ``entry``: ``Surv(entry, time, 1 - event)``);
    same median rules as :func:`median_survival`.
    """
    t, e = check_time_event(time, event)
    ctype = method if method in CONF_TYPES else "plain"
    curve = kaplan_meier(t, 1 - e, entry=entry, conf_type=ctype, conf_level=conf_level,
                         label="follow-up (reverse KM)")
    return median_survival(curve, method, rule=rule)


def km_summary(time: Any, event: Any, group: Any = None, *, entry: Any = None, method: str = "log",
               rule: str = "quantile", landmarks: Sequence[float] = (),
               levels: Sequence[str] | None = None, conf_level: float = 0.95) -> dict[str, Any]:
    """Per-group n, events, median (CI) and landmark survival, as plain data for reports.

    Landmark CIs use ``method``'s band; for ``spss`` (which has no band) the plain band.
    """
    if method not in MEDIAN_METHODS:
        raise InputError(f"median method {shown(method)} is not supported; expected one of {list(MEDIAN_METHODS)}")
    ctype = method if method in CONF_TYPES else "plain"
    if group is None:
        curves = {"all": kaplan_meier(time, event, entry=entry, conf_type=ctype, conf_level=conf_level)}
    else:
        curves = kaplan_meier_by_group(time, event, group, entry=entry, levels=levels, conf_type=ctype,
                                       conf_level=conf_level)
    rows = []
    for label, curve in curves.items():
        med = median_survival(curve, method, rule=rule)
        rows.append({
            "group": label, "n": curve.n, "events": curve.events,
            "median": med.median, "lower": med.lower, "upper": med.upper, "se": med.se,
            "median_text": med.formatted(), "note": med.note,
            "landmarks": [vars(lm) for lm in survival_at(curve, landmarks)],
        })
    return {"ci_method": method, "rule": rule if method != "spss" else "spss",
            "conf_level": conf_level, "groups": rows}


@dataclass(frozen=True)
class RestrictedMean:
    """Restricted mean survival time up to ``tau`` with its SE and CI (R: print(survfit, rmean=tau))."""

    label: str
    tau: float
    rmst: float
    se: float
    lower: float
    upper: float
    conf_level: float
    note: str = ""


def restricted_mean(curve: KMCurve, tau: float, *, conf_level: float = 0.95) -> RestrictedMean:
    """Area under the Kaplan–Meier curve from 0 to ``tau``, SE and Wald CI.

    As R's survmean: the curve is a step function from S(0) = 1; past its last time it stays at
    its last value. var = sum_j A_j^2 d_j / (n_j (n_j - d_j)) over the times t_j <= tau, A_j the
    area from t_j to tau (a time where everyone at risk has the event adds 0).
    """
    if not np.isfinite(tau) or tau <= 0:
        raise InputError(f"RMST horizon {shown(tau)}: expected a time > 0")
    if not 0.0 < conf_level < 1.0:
        raise InputError(f"conf_level {shown(conf_level)}: expected a number strictly between 0 and 1")
    with np.errstate(divide="ignore", invalid="ignore"):
        hh = np.where(curve.n_risk - curve.n_event == 0, 0.0,
                      curve.n_event / (curve.n_risk * (curve.n_risk - curve.n_event)))
    keep = curve.time <= tau
    if keep.any():
        times = np.append(curve.time[keep], tau)
        surv = np.append(curve.surv[keep], curve.surv[keep][-1])
        hh = np.append(hh[keep], 0.0)
    else:
        times, surv, hh = np.array([tau]), np.array([1.0]), np.array([0.0])
    rect = np.diff(np.concatenate(([0.0], times))) * np.concatenate(([1.0], surv[:-1]))
    var = float(np.sum(np.cumsum(rect[1:][::-1]) ** 2 * hh[::-1][1:]))
    rmst, se = float(rect.sum()), float(np.sqrt(var))
    z = norm_ppf(1.0 - (1.0 - conf_level) / 2.0)
    note = f"horizon {tau:g} is beyond the last time ({curve.time[-1]:g}): the curve is carried flat" \
        if tau > curve.time[-1] else ""
    return RestrictedMean(curve.label, float(tau), rmst, se, rmst - z * se, rmst + z * se, conf_level, note)


def rmst_difference(first: RestrictedMean, second: RestrictedMean) -> dict[str, Any]:
    """second - first, with SE sqrt(se1^2 + se2^2), Wald CI and two-sided p (as survRM2)."""
    if first.tau != second.tau or first.conf_level != second.conf_level:
        raise InputError("RMST difference: both groups need the same horizon and confidence level")
    diff = second.rmst - first.rmst
    se = float(np.hypot(first.se, second.se))
    z = norm_ppf(1.0 - (1.0 - first.conf_level) / 2.0)
    p = 2.0 * norm_sf(abs(diff / se)) if se > 0 else None
    return {"group1": first.label, "group2": second.label, "tau": first.tau, "diff": diff, "se": se,
            "lower": diff - z * se, "upper": diff + z * se, "p": p, "conf_level": first.conf_level}
