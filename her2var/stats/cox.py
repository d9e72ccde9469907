"""Cox proportional hazards models (R: ``coxph(..., ties = "efron")``), fitted by ``_coxph``.

Each model reports per term HR, Wald CI and Wald p, plus n and events after dropping rows with a
missing value in any variable of that model (R's na.omit). Categorical covariates become
indicator columns named ``var=level`` against an explicit reference level. A model that cannot
be fitted (a covariate with one level or no variation, no events, collinear covariates) comes
back with ``status="not estimable"`` and a reason instead of an exception or NaN. What R warns
about while fitting (no convergence, a coefficient that may be infinite) is kept, as text, on
the model it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from scipy.stats import norm

from her2var.errors import InputError, shown
from her2var.stats._checks import check_time_event, level_texts, merge_near_ties
from her2var.stats._coxph import ITER_MAX, coxph_fit

# Beyond R's own test: a coefficient per SD of its covariate this large, or an SE per SD this
# large (information ~0), means the partial likelihood has no finite maximum for the term.
DIVERGED_COEF_SD = 10.0
DIVERGED_SE_SD = 100.0
INFINITE_NOTE = "coefficient may be infinite (e.g. a level with no events); HR and CI not usable"


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
            values = level_texts(df[var])
            ref = references_all[var]
            levels = sorted(set(values.tolist()))
            if len(levels) < 2:
                one = shown(levels[0], bare=True) if levels else "none"
                return {}, {}, f"covariate {shown(var)} has one level ({one}) after dropping incomplete rows"
            if ref not in levels:
                return {}, {}, (f"reference level {shown(ref)} of {shown(var)} has no patients after dropping "
                                "incomplete rows")
            refs[var] = ref
            for lv in levels:
                if lv != ref:
                    cols[f"{var}={lv}"] = (values == lv).astype(float)
        else:
            x = np.asarray(df[var], dtype=float)
            if np.all(x == x[0]):
                return {}, {}, f"covariate {shown(var)} does not vary (all {x[0]:g}) after dropping incomplete rows"
            cols[var] = x
    return cols, refs, ""


def _reference_levels(df: Any, categorical: Mapping[str, str | None]) -> dict[str, str]:
    refs = {}
    for var, ref in categorical.items():
        present = sorted({v for v in level_texts(df[var]) if v is not None})
        if ref is None:
            if not present:
                raise InputError(f"categorical covariate {shown(var)} has no non-missing values")
            refs[var] = present[0]
        elif level_texts([ref])[0] not in present:
            raise InputError(f"reference level {shown(ref)} for {shown(var)} not found; "
                             f"levels present: {shown(present)}")
        else:
            refs[var] = level_texts([ref])[0]
    return refs


def _fit(design: dict[str, np.ndarray], t: np.ndarray, e: np.ndarray,
         conf_level: float) -> tuple[list[CoxTerm], list[str], str]:
    """Terms of one model from the Newton–Raphson fit, with R's warnings as text."""
    names = list(design)
    x = np.column_stack([design[k] for k in names])
    fit = coxph_fit(x, t, e)
    if fit.singular_at_start.any():
        bad = [names[i] for i in np.flatnonzero(fit.singular_at_start)]
        return [], [], (f"information matrix is singular: {', '.join(shown(b) for b in bad)} "
                        "collinear with other covariates or constant within the risk sets (R gives NA)")
    texts: list[str] = []
    if not fit.converged:
        texts.append(f"did not converge in {ITER_MAX} iterations (R: Ran out of iterations and did not converge)")
    z = float(norm.ppf(1.0 - (1.0 - conf_level) / 2.0))
    sd = x.std(axis=0)
    terms = []
    for i, name in enumerate(names):
        coef = float(fit.coef[i])
        se = float(np.sqrt(fit.var[i, i])) if not fit.singular[i] else float("inf")
        if not np.isfinite(coef):
            return [], texts, f"fit gave a non-finite estimate for {shown(name)} (coef {coef}, se {se})"
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            p = float(2.0 * norm.sf(abs(coef / se)))
            hr: float | None
            lo: float | None
            hi: float | None
            hr, lo, hi = (float(np.exp(v)) for v in (coef, coef - z * se, coef + z * se))
        note = ""
        if (fit.may_be_infinite[i] or fit.singular[i] or abs(coef) * sd[i] > DIVERGED_COEF_SD
                or se * sd[i] > DIVERGED_SE_SD or not np.isfinite(hi) or lo == 0.0):
            # What R flags as "Loglik converged before variable ...; coefficient may be infinite":
            # typically a level without events, where the likelihood keeps rising as |beta| grows.
            note = INFINITE_NOTE
            texts.append(f"term {shown(name)}: {note} (coef {coef:.3g}, se {se:.3g})")
            hr = lo = hi = None
        terms.append(CoxTerm(name, coef, se, hr, lo, hi, p, note))
    return terms, texts, ""


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
        raise InputError(f"Cox model: column(s) {shown(missing_cols)} not in the data; "
                         f"columns are {shown(list(data.columns), 300)}")
    unknown = sorted(set(categorical) - set(covariates))
    if unknown:
        raise InputError(f"categorical covariate(s) {shown(unknown)} are not among the covariates {shown(covariates)}")
    from pandas.api.types import is_numeric_dtype

    for var in covariates:
        if var not in categorical and not is_numeric_dtype(data[var]):
            raise InputError(f"covariate {shown(var)} is not numeric; list it in categorical= with its reference level")
    refs_all = _reference_levels(data, dict(categorical))
    sub = data[[time, event, *covariates]]
    complete = ~sub.isna().any(axis=1).to_numpy()
    sub = sub[complete]
    n_dropped = int((~complete).sum())
    model = partial(CoxModel, covariates=tuple(covariates), n_dropped=n_dropped, conf_level=conf_level, kind=kind)
    if len(sub) == 0:
        return model(status="not estimable", n=0, events=0, reason="no complete rows")
    t, e = check_time_event(sub[time].to_numpy(), sub[event].to_numpy())
    n, events = len(t), int(e.sum())
    if events == 0:
        return model(status="not estimable", n=n, events=0, reason="no events")
    design, refs, reason = _design(sub, covariates, categorical, refs_all)
    if reason:
        return model(status="not estimable", n=n, events=events, reason=reason)
    terms, texts, reason = _fit(design, merge_near_ties(t), e, conf_level)
    status = "not estimable" if reason else "ok"
    return model(status=status, n=n, events=events, terms=tuple(terms), references=refs,
                 warnings=tuple(texts), reason=reason)


def cox_univariable(data: Any, time: str, event: str, covariates: Sequence[str], *,
                    categorical: Mapping[str, str | None] | None = None,
                    conf_level: float = 0.95) -> list[CoxModel]:
    """One model per covariate, each with its own complete-case rows (as separate coxph calls)."""
    categorical = dict(categorical or {})
    return [cox_fit(data, time, event, [var], conf_level=conf_level, kind="univariable",
                    categorical={var: categorical[var]} if var in categorical else {})
            for var in covariates]
