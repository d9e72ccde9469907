"""Kaplan–Meier curves computed the way R's ``survival::survfit`` computes them.

Written directly (not via lifelines) so that every number matches R to rounding: the survival
product is accumulated as ``S *= (n - d) / n``, Greenwood's sum as ``d / (n (n - d))``, near-tied
times are merged as ``aeqSurv`` does, and the pointwise confidence band follows
``survfit_confint`` for conf.type ``log`` (R's default), ``log-log`` (lifelines' band) and
``plain``, including R's NA/NaN where a band is undefined (stored here as NaN).

With delayed entry (left truncation: ``entry`` times, R's ``Surv(entry, time, event)``) a patient
is at risk at time u when entry < u <= time; everything else is computed as above from those risk
sets, as survfit does for counting-process data.

Medians, landmark survival and follow-up live in :mod:`her2var.stats.quantiles`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
from her2var.stats._dist import norm_ppf

CONF_TYPES: tuple[str, ...] = ("log", "log-log", "plain")


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(arr)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class KMCurve:
    """One Kaplan–Meier curve, one row per distinct time (event or censoring), as R's survfit.

    ``std_err_log`` is R's ``fit$std.err`` (Greenwood SE of log S, Inf once S reaches 0);
    ``std_err`` is the SE of S itself, as ``summary(fit)`` prints it. ``lower``/``upper`` are
    the pointwise band of ``conf_type``; NaN where R gives NA.
    """

    label: str
    n: int
    events: int
    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    surv: np.ndarray
    std_err_log: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    conf_type: str
    conf_level: float
    delayed_entry: bool = False

    @property
    def std_err(self) -> np.ndarray:
        """Greenwood SE of S(t) (R: ``summary(fit)$std.err``)."""
        with np.errstate(invalid="ignore"):
            return self.surv * self.std_err_log

    def band(self, conf_type: str, conf_level: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The pointwise band of another conf.type (same estimates, different transform)."""
        level = self.conf_level if conf_level is None else conf_level
        if conf_type == self.conf_type and level == self.conf_level:
            return self.lower, self.upper
        return confidence_band(self.surv, self.std_err_log, conf_type, level)

    def table(self) -> dict[str, list[float]]:
        """The survival table as plain lists (JSON-ready; NaN stays NaN)."""
        return {
            "time": self.time.tolist(), "n.risk": self.n_risk.tolist(),
            "n.event": self.n_event.tolist(), "n.censor": self.n_censor.tolist(),
            "surv": self.surv.tolist(), "std.err": self.std_err.tolist(),
            "lower": self.lower.tolist(), "upper": self.upper.tolist(),
        }


def check_conf(conf_type: str, conf_level: float) -> None:
    """Reject an unknown band transform or a level outside (0, 1)."""
    if conf_type not in CONF_TYPES:
        raise InputError(f"conf_type {shown(conf_type)} is not supported; expected one of {list(CONF_TYPES)}")
    if not 0.0 < conf_level < 1.0:
        raise InputError(f"conf_level {shown(conf_level)}: expected a number strictly between 0 and 1")


def confidence_band(surv: np.ndarray, std_err_log: np.ndarray, conf_type: str,
                    conf_level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise band for S(t) from the Greenwood SE of log S, with R's rules for each transform.

    ``log``: S·exp(±z·se), upper capped at 1, undefined (NaN) where S = 0.
    ``log-log``: exp(-exp(log(-log S) ∓ z·se/log S)), undefined where S is 0 or 1.
    ``plain``: S ± z·se·S, clipped to [0, 1] (NaN where se is infinite and S = 0, as in R).
    """
    check_conf(conf_type, conf_level)
    z = norm_ppf(1.0 - (1.0 - conf_level) / 2.0)
    s = np.asarray(surv, dtype=float)
    se = np.asarray(std_err_log, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = se * s * z
            # np.fmax/fmin would hide NaN; R's pmax/pmin keep it, and so do we.
            lower = np.where(np.isnan(half), np.nan, np.maximum(s - half, 0.0))
            upper = np.where(np.isnan(half), np.nan, np.minimum(s + half, 1.0))
        elif conf_type == "log":
            xx = np.where(s == 0, np.nan, s)
            lower = np.exp(np.log(xx) - z * se)
            upper = np.minimum(np.exp(np.log(xx) + z * se), 1.0)
        else:
            xx = np.where((s == 0) | (s == 1), np.nan, s)
            step = z * se / np.log(xx)
            lower = np.exp(-np.exp(np.log(-np.log(xx)) - step))
            upper = np.exp(-np.exp(np.log(-np.log(xx)) + step))
    return _frozen(lower), _frozen(upper)


def _fit_one(t: np.ndarray, e: np.ndarray, label: str, conf_type: str, conf_level: float,
             entry: np.ndarray | None = None) -> KMCurve:
    order = np.argsort(t, kind="stable")
    t, e = t[order], e[order]
    times, first = np.unique(t, return_index=True)
    n_event = np.add.reduceat(e, first).astype(float)
    n_obs = np.diff(np.append(first, len(t))).astype(float)
    n_censor = n_obs - n_event
    # Everyone whose time is >= this time is at risk: count from the end; with delayed entry,
    # less those who enter at or after it.
    n_risk = len(t) - first.astype(float)
    if entry is not None:
        n_risk -= len(entry) - np.searchsorted(np.sort(entry), times, side="left")
    factor = np.where(n_event > 0, (n_risk - n_event) / n_risk, 1.0)
    surv = np.cumprod(factor)
    with np.errstate(divide="ignore"):
        term = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    std_err_log = np.sqrt(np.cumsum(term))
    lower, upper = confidence_band(surv, std_err_log, conf_type, conf_level)
    return KMCurve(
        label=label, n=len(t), events=int(e.sum()), time=_frozen(times), n_risk=_frozen(n_risk),
        n_event=_frozen(n_event), n_censor=_frozen(n_censor), surv=_frozen(surv),
        std_err_log=_frozen(std_err_log), lower=lower, upper=upper,
        conf_type=conf_type, conf_level=conf_level, delayed_entry=entry is not None,
    )


def kaplan_meier(time: Any, event: Any, *, entry: Any = None, conf_type: str = "log",
                 conf_level: float = 0.95, label: str = "all") -> KMCurve:
    """Kaplan–Meier curve of one group (R: ``survfit(Surv(time, event) ~ 1, conf.type=...)``;
    with ``entry``: ``survfit(Surv(entry, time, event) ~ 1)``).

    Raises InputError for negative or missing times, events other than 0/1, entry times not
    before their time, or no data.
    """
    check_conf(conf_type, conf_level)
    t, e = check_time_event(time, event)
    if entry is None:
        return _fit_one(merge_near_ties(t), e, label, conf_type, conf_level)
    en, t = merge_near_ties_entry(check_entry(entry, t), t)
    return _fit_one(t, e, label, conf_type, conf_level, en)


def kaplan_meier_by_group(time: Any, event: Any, group: Any, *, entry: Any = None,
                          levels: Sequence[str] | None = None, conf_type: str = "log",
                          conf_level: float = 0.95) -> dict[str, KMCurve]:
    """One curve per group, in ``levels`` order (default: sorted labels).

    Near-ties are merged over all groups together before splitting, as R's
    ``survfit(Surv(time, event) ~ group)`` does. A listed level without patients is an error.
    """
    check_conf(conf_type, conf_level)
    t, e = check_time_event(time, event)
    g = group_labels(group, len(t))
    en: np.ndarray | None = None
    if entry is None:
        t = merge_near_ties(t)
    else:
        en, t = merge_near_ties_entry(check_entry(entry, t), t)
    out: dict[str, KMCurve] = {}
    for lv in ordered_levels(g, levels):
        keep = g == lv
        out[lv] = _fit_one(t[keep], e[keep], lv, conf_type, conf_level, None if en is None else en[keep])
    return out


@dataclass(frozen=True)
class LandmarkSurvival:
    """S(t) at a landmark time with its CI (R: ``summary(fit, times=t)``).

    ``surv`` is None when the landmark lies beyond the last follow-up time of a curve that ended
    above 0 (R drops that row unless extend=TRUE); ``note`` then says so. A curve that fell to 0
    stays at 0: S(t) = 0 at every later landmark (with the CI of its last point).
    """

    label: str
    time: float
    surv: float | None
    std_err: float | None
    lower: float | None
    upper: float | None
    n_risk: int
    conf_type: str
    conf_level: float
    note: str = ""


def _num(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def survival_at(curve: KMCurve, times: Sequence[float], *, conf_type: str | None = None,
                conf_level: float | None = None) -> list[LandmarkSurvival]:
    """Survival at each landmark time, CI by ``conf_type`` (default: the curve's own).

    Before the first time S = 1 with SE 0 and the band is [1, 1], as R's survfit0 gives;
    between times the last value carries forward; n_risk is R's: the number at risk at the first
    curve time >= t (with delayed entry it counts patients entering between t and that time).
    """
    ctype = curve.conf_type if conf_type is None else conf_type
    level = curve.conf_level if conf_level is None else conf_level
    lower, upper = curve.band(ctype, level)
    out = []
    for t in times:
        t = float(t)
        if not np.isfinite(t) or t < 0:
            raise InputError(f"landmark time {shown(t)}: expected a finite time >= 0")
        # Number at risk at t: those whose time is >= t (R's left-open findInterval).
        later = np.searchsorted(curve.time, t, side="left")
        n_risk = int(curve.n_risk[later]) if later < len(curve.time) else 0
        if t > curve.time[-1] and curve.surv[-1] == 0:
            out.append(LandmarkSurvival(curve.label, t, 0.0, _num(curve.std_err[-1]), _num(lower[-1]),
                                        _num(upper[-1]), n_risk, ctype, level,
                                        note=f"survival fell to 0 at {curve.time[-1]:g}"))
            continue
        if t > curve.time[-1]:
            out.append(LandmarkSurvival(curve.label, t, None, None, None, None, n_risk, ctype, level,
                                        note=f"beyond last follow-up ({curve.time[-1]:g})"))
            continue
        i = int(np.searchsorted(curve.time, t, side="right")) - 1
        if i < 0:
            out.append(LandmarkSurvival(curve.label, t, 1.0, 0.0, 1.0, 1.0, n_risk, ctype, level))
            continue
        out.append(LandmarkSurvival(
            curve.label, t, float(curve.surv[i]), _num(curve.std_err[i]), _num(lower[i]),
            _num(upper[i]), n_risk, ctype, level))
    return out
