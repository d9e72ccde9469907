"""Cox proportional hazards models (lifelines' CoxPHFitter, Efron ties as R's coxph default).

Each model reports per term HR, Wald CI and Wald p, plus n and events after dropping rows with a
missing value in any variable of that model (R's na.omit). Categorical covariates become
indicator columns named ``var=level`` against an explicit reference level. A model that cannot
be fitted (a covariate with one level or no variation, no events, a singular or diverging fit)
comes back with ``status="not estimable"`` and a reason instead of an exception or NaN.
Warnings raised while fitting (lifelines' ConvergenceWarning, StatisticalWarning, numpy
overflow...) are kept, as text, on the model they belong to.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import norm

from her2var.errors import InputError
from her2var.stats._checks import check_time_event, is_missing, level_text, merge_near_ties

log = logging.getLogger(__name__)

# Tighter than lifelines' default (1e-7) so that HRs agree with R's coxph to ~1e-8.
FIT_OPTIONS = {"precision": 1e-10, "r_precision": 1e-12, "max_steps": 500}
# |coef| or SE beyond these means the partial likelihood has no finite maximum for the term.
DIVERGED_COEF = 15.0
DIVERGED_SE = 1e3


@dataclass(frozen=True)
class CoxTerm:
    """One model term: a continuous covariate or one non-reference level (``var=level``)."""

    term: str
    coef: float
    se: float
    hr: float | None
    lower: float | None
    upper: float | None
    p: float
    note: str = ""


@dataclass(frozen=True)
class CoxModel:
    """A fitted (or not estimable) Cox model; ``references`` gives each categorical's baseline."""

    covariates: tuple[str, ...]
    status: str  # "ok" or "not estimable"
    n: int
    events: int
    n_dropped: int
    terms: tuple[CoxTerm, ...] = ()
    references: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    reason: str = ""
    ties: str = "efron"
    conf_level: float = 0.95
    kind: str = "multivariable"


def _design(df: Any, covariates: Sequence[str], categorical: Mapping[str, str | None],
            references_all: Mapping[str, str]) -> tuple[dict[str, np.ndarray], dict[str, str], str]:
    """Design columns after row dropping; returns (columns, references, reason-if-not-estimable)."""
    cols: dict[str, np.ndarray] = {}
    refs: dict[str, str] = {}
    for var in covariates:
        if var in categorical:
            values = np.array([level_text(v) for v in df[var]], dtype=object)
            ref = references_all[var]
            levels = sorted(set(values.tolist()))
            if len(levels) < 2:
                return {}, {}, f"covariate {var!r} has one level ({levels[0] if levels else 'none'}) " \
                               "after dropping incomplete rows"
            if ref not in levels:
                return {}, {}, f"reference level {ref!r} of {var!r} has no patients after dropping " \
                               "incomplete rows"
            refs[var] = ref
            for lv in levels:
                if lv != ref:
                    cols[f"{var}={lv}"] = (values == lv).astype(float)
        else:
            x = np.asarray(df[var], dtype=float)
            if np.all(x == x[0]):
                return {}, {}, f"covariate {var!r} does not vary (all {x[0]:g}) after dropping incomplete rows"
            cols[var] = x
    return cols, refs, ""


def _reference_levels(df: Any, categorical: Mapping[str, str | None]) -> dict[str, str]:
    refs = {}
    for var, ref in categorical.items():
        present = sorted({level_text(v) for v in df[var] if not is_missing(v)})
        if ref is None:
            if not present:
                raise InputError(f"categorical covariate {var!r} has no non-missing values")
            refs[var] = present[0]
        elif level_text(ref) not in present:
            raise InputError(f"reference level {ref!r} for {var!r} not found; levels present: {present}")
        else:
            refs[var] = level_text(ref)
    return refs


def _fit(design: dict[str, np.ndarray], t: np.ndarray, e: np.ndarray,
         conf_level: float) -> tuple[list[CoxTerm], list[str], str]:
    import pandas as pd
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError

    frame = pd.DataFrame(design)
    frame["__time"], frame["__event"] = t, e
    kept: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cph = CoxPHFitter().fit(frame, duration_col="__time", event_col="__event",
                                    fit_options=dict(FIT_OPTIONS))
        except (ConvergenceError, np.linalg.LinAlgError, ValueError, ZeroDivisionError) as exc:
            reason = f"fit failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            return [], _warning_texts(caught, kept), reason
    texts = _warning_texts(caught, kept)
    z = float(norm.ppf(1.0 - (1.0 - conf_level) / 2.0))
    summ = cph.summary
    terms = []
    for name in design:
        coef, se, p = (float(summ.loc[name, k]) for k in ("coef", "se(coef)", "p"))
        if not all(np.isfinite([coef, se, p])):
            return [], texts, f"fit gave a non-finite estimate for {name!r} (coef {coef}, se {se})"
        with np.errstate(over="ignore"):
            hr, lo, hi = (float(np.exp(x)) for x in (coef, coef - z * se, coef + z * se))
        note = ""
        if abs(coef) > DIVERGED_COEF or se > DIVERGED_SE or not np.isfinite(hi) or lo == 0.0:
            # What R flags as "coefficient may be infinite": typically a level without events.
            note = "coefficient may be infinite (e.g. a level with no events); HR and CI not usable"
            texts.append(f"term {name!r}: {note} (coef {coef:.3g}, se {se:.3g})")
            hr = lo = hi = None
        terms.append(CoxTerm(name, coef, se, hr, lo, hi, p, note))
    return terms, texts, ""


def _warning_texts(caught: list[warnings.WarningMessage], kept: list[str]) -> list[str]:
    """Statistical warnings as text; library deprecation chatter is logged, not reported."""
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
            log.debug("ignored while fitting Cox model: %s: %s", w.category.__name__, w.message)
            continue
        text = f"{w.category.__name__}: {' '.join(str(w.message).split())}"
        if text not in kept:
            kept.append(text)
    return kept


def cox_fit(data: Any, time: str, event: str, covariates: Sequence[str], *,
            categorical: Mapping[str, str | None] | None = None, conf_level: float = 0.95,
            kind: str = "multivariable") -> CoxModel:
    """One Cox model of ``time``/``event`` on ``covariates`` (R: ``coxph(..., ties="efron")``).

    ``data`` is a pandas DataFrame holding the named columns.

    ``categorical`` maps each categorical covariate to its reference level (None: the first level
    in sorted order); a non-numeric covariate not listed there is an error. Rows with a missing
    value in time, event or any covariate are dropped first and counted in ``n_dropped``.
    """
    categorical = dict(categorical or {})
    covariates = list(covariates)
    if not covariates:
        raise InputError("Cox model: no covariates given; expected at least one")
    missing_cols = [c for c in [time, event, *covariates] if c not in data.columns]
    if missing_cols:
        raise InputError(f"Cox model: column(s) {missing_cols} not in the data; columns are {list(data.columns)}")
    unknown = sorted(set(categorical) - set(covariates))
    if unknown:
        raise InputError(f"categorical covariate(s) {unknown} are not among the covariates {covariates}")
    from pandas.api.types import is_numeric_dtype

    for var in covariates:
        if var not in categorical and not is_numeric_dtype(data[var]):
            raise InputError(f"covariate {var!r} is not numeric; list it in categorical= with its reference level")
    refs_all = _reference_levels(data, {v: r for v, r in categorical.items()})
    sub = data[[time, event, *covariates]]
    complete = ~sub.isna().any(axis=1).to_numpy()
    sub = sub[complete]
    n_dropped = int((~complete).sum())
    base = {"covariates": tuple(covariates), "n_dropped": n_dropped, "conf_level": conf_level, "kind": kind}
    if len(sub) == 0:
        return CoxModel(status="not estimable", n=0, events=0, reason="no complete rows", **base)
    t, e = check_time_event(sub[time].to_numpy(), sub[event].to_numpy())
    n, events = len(t), int(e.sum())
    if events == 0:
        return CoxModel(status="not estimable", n=n, events=0, reason="no events", **base)
    design, refs, reason = _design(sub, covariates, categorical, refs_all)
    if reason:
        return CoxModel(status="not estimable", n=n, events=events, reason=reason, **base)
    terms, texts, reason = _fit(design, merge_near_ties(t), e, conf_level)
    status = "not estimable" if reason else "ok"
    return CoxModel(status=status, n=n, events=events, terms=tuple(terms), references=refs,
                    warnings=tuple(texts), reason=reason, **base)


def cox_univariable(data: Any, time: str, event: str, covariates: Sequence[str], *,
                    categorical: Mapping[str, str | None] | None = None,
                    conf_level: float = 0.95) -> list[CoxModel]:
    """One model per covariate, each with its own complete-case rows (as separate coxph calls)."""
    categorical = dict(categorical or {})
    return [cox_fit(data, time, event, [var], conf_level=conf_level, kind="univariable",
                    categorical={var: categorical[var]} if var in categorical else {})
            for var in covariates]
