"""Cox proportional hazards models (R: ``coxph(..., ties = "efron")`` or ``"breslow"``), fitted by ``_coxph``.

Each model reports per term HR, Wald CI and Wald p, plus n and events after dropping rows with a
missing value in any variable of that model (R's na.omit), and the model's likelihood-ratio and
score tests (R: ``summary(fit)$logtest``, ``$sctest``). Categorical covariates become indicator
columns named ``var=level`` against an explicit reference level. With ``entry`` (delayed entry)
the model is R's ``coxph(Surv(entry, time, event) ~ ...)``.

What R does with a term that cannot be estimated is done here too, term by term:

* a column without variance within the risk sets (a level whose patients are all censored before
  the first event, or one collinear with other columns) is aliased: R reports NA for it and
  estimates the others; so does this module (``status="NA"``, coefficient None);
* a coefficient that tends to infinity (monotone likelihood, also called separation, e.g. a level
  without events) keeps R's finite last iterate, but its HR, CI and Wald p are withheld (the Wald
  test is meaningless there: its SE grows faster than the coefficient) and the likelihood-ratio
  p of dropping that column is given instead (``status="infinite"``, ``p_lr``).

A model that cannot be fitted at all (a covariate with one level or no variation, no events, no
estimable term) comes back with ``status="not estimable"`` and a reason instead of an exception
or NaN. What R warns about while fitting is kept, as text, on the model it belongs to.

With ``firth="always"``, or ``"separation"`` when a term's coefficient tends to infinity, the
model is fitted by Firth's penalised partial likelihood instead (:mod:`her2var.stats.firth`, as
R's coxphf): every estimable term then has a finite HR, a profile penalised likelihood CI and a
penalised likelihood-ratio p (``CoxModel.estimator == "firth"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from her2var.errors import InputError, shown
from her2var.stats._checks import (
    check_entry,
    check_time_event,
    is_missing,
    level_texts,
    merge_near_ties,
    merge_near_ties_entry,
)
from her2var.stats._coxph import ITER_MAX, TIES, TOLER_CHOL, CoxLikelihood, CoxphFit, coxph_fit
from her2var.stats._dist import chi2_sf, norm_ppf, norm_sf
from her2var.stats.firth import firth_fit

# Beyond R's own test: a coefficient per SD of its covariate this large, or an SE per SD this
# large (information ~0), means the partial likelihood has no finite maximum for the term.
DIVERGED_COEF_SD = 10.0
DIVERGED_SE_SD = 100.0
SEPARATION = "monotone likelihood (separation)"
# When Firth's penalised likelihood replaces the partial likelihood: never, for a model with a
# coefficient that tends to infinity, or for every model.
FIRTH: tuple[str, ...] = ("never", "separation", "always")
ESTIMATORS = {"partial": "partial likelihood", "firth": "Firth penalised partial likelihood"}


@dataclass(frozen=True)
class CoxTerm:
    """One model term: a continuous covariate or one non-reference level (``var=level``).

    ``status``: "ok"; "NA" (aliased, R's NA: no coefficient); "infinite" (monotone likelihood:
    ``coef``/``se`` are R's last iterate, HR, CI and Wald ``p`` are None, ``p_lr`` is the
    likelihood-ratio p of dropping the column).
    """

    term: str
    coef: float | None
    se: float | None
    hr: float | None
    lower: float | None
    upper: float | None
    p: float | None
    note: str = ""
    status: str = "ok"
    p_lr: float | None = None


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
    entry: str | None = None  # column of delayed-entry times, if any
    lr_test: tuple[float, int, float] | None = None  # (chisq, df, p): R's summary(fit)$logtest
    score_test: tuple[float, int, float] | None = None  # (chisq, df, p): R's summary(fit)$sctest
    # Proportional hazards check (R: cox.zph(fit)): (covariate, chisq, df, p) per covariate, then
    # ("GLOBAL", ...); empty when it cannot be computed.
    ph_test: tuple[tuple[str, float, int, float], ...] = ()
    # "partial" (coxph) or "firth" (penalised: CIs by profile penalised likelihood, p by penalised
    # likelihood ratio, lr_test the penalised one)
    estimator: str = "partial"


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


@dataclass(frozen=True)
class _Data:
    """One model's rows after dropping incomplete ones, near-ties merged."""

    time: np.ndarray
    event: np.ndarray
    entry: np.ndarray | None
    ties: str


def _aliased_note(fit: CoxphFit, i: int, name: str) -> str:
    """Why R gives NA for column i: no variance within any risk set, or collinearity."""
    info0 = fit.info0_diag
    if info0[i] <= TOLER_CHOL * max(float(np.max(info0)), 1.0):
        why = ("does not vary within any risk set (e.g. its patients are all censored before the first "
               "event, or enter after the last one)")
    else:
        why = "is collinear with the other covariates"
    return f"not estimable, NA as in R: {shown(name)} {why}"


def _separation_note(x: np.ndarray, e: np.ndarray, coef: float, p_lr: float | None) -> str:
    """The note of a term whose coefficient tends to infinity, with its cause when it is plain."""
    sign = "+" if coef > 0 else "-"
    cause = ""
    if np.all(np.isin(x, (0.0, 1.0))):
        level = x == 1.0
        if coef < 0 and not e[level].any():
            cause = ": no events at this level"
        elif coef > 0 and not e[~level].any():
            cause = ": every event is at this level"
    lr = (f"; likelihood-ratio p = {p_lr:.3g} (dropping this term)" if p_lr is not None
          else "; likelihood-ratio p not available")
    return (f"{SEPARATION}{cause}; the partial likelihood keeps rising as the coefficient goes to "
            f"{sign}infinity, so HR, CI and Wald p are not reported{lr}")


def _lr_drop(x: np.ndarray, i: int, d: _Data, fit: CoxphFit) -> float | None:
    """Likelihood-ratio p of dropping column i (R: anova(coxph(without it), coxph(with it)))."""
    rest = np.delete(x, i, axis=1)
    df_full = int((~fit.aliased).sum())
    if rest.shape[1] == 0:
        loglik_reduced, df_reduced = fit.loglik[0], 0
    else:
        reduced = coxph_fit(rest, d.time, d.event, entry=d.entry, ties=d.ties)
        loglik_reduced, df_reduced = reduced.loglik[1], int((~reduced.aliased).sum())
    stat = 2.0 * (fit.loglik[1] - loglik_reduced)
    df = df_full - df_reduced
    if not np.isfinite(stat) or df < 1:
        return None
    return chi2_sf(stat, df)


def _fit(design: dict[str, np.ndarray], d: _Data, conf_level: float) -> tuple[list[CoxTerm], list[str], str, Any]:
    """Terms of one model from the Newton–Raphson fit, with R's warnings as text; also the fit."""
    names = list(design)
    x = np.column_stack([design[k] for k in names])
    fit = coxph_fit(x, d.time, d.event, entry=d.entry, ties=d.ties)
    texts: list[str] = []
    if not fit.converged:
        texts.append(f"did not converge in {ITER_MAX} iterations (R: Ran out of iterations and did not converge)")
    z = norm_ppf(1.0 - (1.0 - conf_level) / 2.0)
    sd = x.std(axis=0)
    terms = []
    for i, name in enumerate(names):
        if fit.aliased[i]:
            note = _aliased_note(fit, i, name)
            texts.append(f"term {shown(name)}: {note}")
            terms.append(CoxTerm(name, None, None, None, None, None, None, note, "NA"))
            continue
        coef = float(fit.coef[i])
        se = float(np.sqrt(fit.var[i, i])) if not fit.singular[i] else float("inf")
        if not np.isfinite(coef):
            return [], texts, f"fit gave a non-finite estimate for {shown(name)} (coef {coef}, se {se})", fit
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            p = 2.0 * norm_sf(abs(coef / se))
            hr, lo, hi = (float(np.exp(v)) for v in (coef, coef - z * se, coef + z * se))
        if (fit.may_be_infinite[i] or fit.singular[i] or abs(coef) * sd[i] > DIVERGED_COEF_SD
                or se * sd[i] > DIVERGED_SE_SD or not np.isfinite(hi) or lo == 0.0):
            # What R flags as "Loglik converged before variable ...; coefficient may be infinite".
            p_lr = _lr_drop(x, i, d, fit)
            note = _separation_note(x[:, i], d.event, coef, p_lr)
            texts.append(f"term {shown(name)}: {note} (last iterate: coef {coef:.3g}, se {se:.3g})")
            terms.append(CoxTerm(name, coef, se, None, None, None, None, note, "infinite", p_lr))
            continue
        terms.append(CoxTerm(name, coef, se, hr, lo, hi, p))
    if all(t.status == "NA" for t in terms):
        return [], texts, "no term can be estimated (R gives NA for every coefficient)", fit
    return terms, texts, "", fit


def _ph_test(design: dict[str, np.ndarray], covariates: Sequence[str], d: _Data,
             fit: CoxphFit) -> tuple[tuple[str, float, int, float], ...]:
    """R's cox.zph(fit) (transform "km", one test per covariate, then GLOBAL): the score test,
    at the fitted coefficients, of adding x·g(t) for each covariate, g(t) = 1 - S(t-) of the
    Kaplan-Meier curve of all patients, centred over the events. Aliased columns are left out.
    """
    from her2var.stats.km import kaplan_meier

    names = list(design)
    keep = ~fit.aliased
    kept = [n for n, k in zip(names, keep, strict=True) if k]
    x = np.column_stack([design[n] for n in kept])
    x = x - x.mean(axis=0)
    beta = fit.coef[keep]
    curve = kaplan_meier(d.time, d.event, entry=d.entry)
    before = np.concatenate(([1.0], curve.surv))[np.searchsorted(curve.time, d.time, side="left")]
    g = 1.0 - before
    g = g - g[d.event == 1].mean()
    lik = CoxLikelihood(x, d.time, d.event, entry=d.entry, ties=d.ties)
    _, _, i11 = lik(beta)
    u2, i12, i22 = lik.time_weighted(beta, g)
    p = len(kept)
    info = np.block([[i11, i12], [i12.T, i22]])
    u = np.concatenate((np.zeros(p), u2))
    out = []
    try:
        for var in covariates:
            cols = [j for j, n in enumerate(kept) if n == var or n.startswith(f"{var}=")]
            if not cols:
                continue
            kk = [*range(p), *(p + j for j in cols)]
            stat = float(u[kk] @ np.linalg.solve(info[np.ix_(kk, kk)], u[kk]))
            out.append((var, stat, len(cols), chi2_sf(stat, len(cols))))
        stat = float(u @ np.linalg.solve(info, u))
    except np.linalg.LinAlgError:
        return ()
    out.append(("GLOBAL", stat, p, chi2_sf(stat, p)))
    return tuple(out)


def _firth(design: dict[str, np.ndarray], d: _Data, fit: CoxphFit, ordinary: list[CoxTerm], texts: list[str],
           conf_level: float) -> tuple[list[CoxTerm], list[str], tuple[float, int, float]]:
    """The model refitted by Firth's penalised likelihood over the columns R does not alias (an
    aliased column stays NA: it has no information, so its penalty is undefined)."""
    names = list(design)
    kept = [i for i in range(len(names)) if not fit.aliased[i]]
    x = np.column_stack([design[names[i]] for i in kept])
    ff = firth_fit(x, d.time, d.event, entry=d.entry, ties=d.ties, conf_level=conf_level)
    texts = list(texts)
    if not ff.converged:
        texts.append(f"Firth's penalised likelihood did not converge in {ff.iterations} iterations")
    terms = []
    for k, i in enumerate(kept):
        coef, se = float(ff.coef[k]), float(ff.se[k])
        lo, hi = (float(np.exp(v)) if np.isfinite(v) else None for v in (ff.lower[k], ff.upper[k]))
        missing = [side for side, v in (("lower", lo), ("upper", hi)) if v is None]
        note = ("Firth: the partial likelihood has no finite maximum for this term (separation); the penalised "
                "one has" if ordinary[i].status == "infinite" else "")
        if missing:
            note = "; ".join(part for part in (note, f"profile CI {' and '.join(missing)} bound not found") if part)
        terms.append(CoxTerm(names[i], coef, se, float(np.exp(coef)), lo, hi, float(ff.p[k]), note, "ok"))
    out = [next((t for t in terms if t.term == names[i]), ordinary[i]) for i in range(len(names))]
    return out, texts, ff.lr_test


def _tests(fit: CoxphFit) -> tuple[tuple[float, int, float], tuple[float, int, float]]:
    """Likelihood-ratio and score tests of the whole model (R: summary(fit)$logtest, $sctest)."""
    df = int((~fit.aliased).sum())
    lr = 2.0 * (fit.loglik[1] - fit.loglik[0])
    return ((float(lr), df, chi2_sf(lr, df)),
            (float(fit.score_test), df, chi2_sf(fit.score_test, df)))


class Columns:
    """Named columns of one length (numpy arrays): a table for ``cox_fit`` without pandas.

    A missing value is NaN in a float column and None or NaN in an object column, as pandas reads
    them; a column is numeric when its dtype is boolean, integer, float or complex (pandas'
    ``is_numeric_dtype``). The analysis hands its models these, so that it never imports pandas.
    """

    def __init__(self, columns: Mapping[str, np.ndarray]) -> None:
        self._cols = {name: np.asarray(col) for name, col in columns.items()}
        lengths = {len(col) for col in self._cols.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self._n = lengths.pop() if lengths else 0

    @property
    def columns(self) -> list[str]:
        return list(self._cols)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, name: str) -> np.ndarray:
        return self._cols[name]

    def is_numeric(self, name: str) -> bool:
        return self._cols[name].dtype.kind in "biufc"

    def missing(self, name: str) -> np.ndarray:
        col = self._cols[name]
        if col.dtype.kind in "fc":
            return np.isnan(col)
        if col.dtype.kind == "O":
            return np.fromiter(map(is_missing, col), dtype=bool, count=len(col))
        return np.zeros(len(col), dtype=bool)

    def rows(self, names: Sequence[str], keep: np.ndarray) -> Columns:
        """The named columns, the rows where ``keep`` is true."""
        return Columns({name: self._cols[name][keep] for name in names})


def _values(column: Any) -> np.ndarray:
    """A column (a numpy array, or a pandas Series) as a numpy array."""
    return column if isinstance(column, np.ndarray) else column.to_numpy()


def _complete_rows(data: Any, names: list[str]) -> tuple[Any, np.ndarray]:
    """The named columns of the rows without a missing value in any of them, and which rows those
    are. ``data``: Columns, or a pandas DataFrame."""
    if isinstance(data, Columns):
        missing = np.zeros(len(data), dtype=bool)
        for name in names:
            missing |= data.missing(name)
        return data.rows(names, ~missing), ~missing
    sub = data[names]
    complete = ~sub.isna().any(axis=1).to_numpy()
    return sub[complete], complete


def _is_numeric(data: Any, name: str) -> bool:
    if isinstance(data, Columns):
        return data.is_numeric(name)
    from pandas.api.types import is_numeric_dtype

    return bool(is_numeric_dtype(data[name]))


def cox_fit(data: Any, time: str, event: str, covariates: Sequence[str], *,
            categorical: Mapping[str, str | None] | None = None, conf_level: float = 0.95,
            kind: str = "multivariable", entry: str | None = None, ties: str = "efron",
            firth: str = "never") -> CoxModel:
    """One Cox model of ``time``/``event`` on ``covariates`` (R: ``coxph(..., ties=ties)``).

    ``data`` is a pandas DataFrame (or Columns) holding the named columns; ``entry`` names a column of
    delayed-entry times (R: ``Surv(entry, time, event)``); ``ties`` is "efron" (R's default) or
    "breslow"; ``firth`` (one of FIRTH) says when Firth's penalised likelihood is used.

    ``categorical`` maps each categorical covariate to its reference level (None: the first level
    in sorted order); a non-numeric covariate not listed there is an error. Rows with a missing
    value in time, event, entry or any covariate are dropped first and counted in ``n_dropped``.
    """
    categorical = dict(categorical or {})
    covariates = list(covariates)
    if ties not in TIES:
        raise InputError(f"Cox model: ties {shown(ties)} is not supported; expected one of {list(TIES)}")
    if firth not in FIRTH:
        raise InputError(f"Cox model: firth {shown(firth)} is not supported; expected one of {list(FIRTH)}")
    if not covariates:
        raise InputError("Cox model: no covariates given; expected at least one")
    timing = [time, event] if entry is None else [entry, time, event]
    missing_cols = [c for c in [*timing, *covariates] if c not in data.columns]
    if missing_cols:
        raise InputError(f"Cox model: column(s) {shown(missing_cols)} not in the data; "
                         f"columns are {shown(list(data.columns), 300)}")
    unknown = sorted(set(categorical) - set(covariates))
    if unknown:
        raise InputError(f"categorical covariate(s) {shown(unknown)} are not among the covariates {shown(covariates)}")
    for var in covariates:
        if var not in categorical and not _is_numeric(data, var):
            raise InputError(f"covariate {shown(var)} is not numeric; list it in categorical= with its reference level")
    refs_all = _reference_levels(data, dict(categorical))
    sub, complete = _complete_rows(data, [*timing, *covariates])
    n_dropped = int((~complete).sum())
    model = partial(CoxModel, covariates=tuple(covariates), n_dropped=n_dropped, conf_level=conf_level, kind=kind,
                    ties=ties, entry=entry)
    if len(sub) == 0:
        return model(status="not estimable", n=0, events=0, reason="no complete rows")
    t, e = check_time_event(_values(sub[time]), _values(sub[event]))
    n, events = len(t), int(e.sum())
    if events == 0:
        return model(status="not estimable", n=n, events=0, reason="no events")
    design, refs, reason = _design(sub, covariates, categorical, refs_all)
    if reason:
        return model(status="not estimable", n=n, events=events, reason=reason)
    if entry is None:
        rows = _Data(merge_near_ties(t), e, None, ties)
    else:
        en, t = merge_near_ties_entry(check_entry(_values(sub[entry]), t), t)
        rows = _Data(t, e, en, ties)
    terms, texts, reason, fit = _fit(design, rows, conf_level)
    if reason:
        return model(status="not estimable", n=n, events=events, references=refs, warnings=tuple(texts),
                     reason=reason)
    lr_test, score_test = _tests(fit)
    if firth == "always" or (firth == "separation" and any(t.status == "infinite" for t in terms)):
        try:
            f_terms, f_texts, f_lr = _firth(design, rows, fit, terms, texts, conf_level)
        except np.linalg.LinAlgError:
            texts.append("Firth's penalised likelihood could not be fitted (singular information at its "
                         "maximum); the partial likelihood fit is reported")
        else:
            return model(status="ok", n=n, events=events, terms=tuple(f_terms), references=refs,
                         warnings=tuple(f_texts), lr_test=f_lr, score_test=score_test, estimator="firth")
    return model(status="ok", n=n, events=events, terms=tuple(terms), references=refs,
                 warnings=tuple(texts), lr_test=lr_test, score_test=score_test,
                 ph_test=_ph_test(design, covariates, rows, fit))


def cox_univariable(data: Any, time: str, event: str, covariates: Sequence[str], *,
                    categorical: Mapping[str, str | None] | None = None, conf_level: float = 0.95,
                    entry: str | None = None, ties: str = "efron", firth: str = "never") -> list[CoxModel]:
    """One model per covariate, each with its own complete-case rows (as separate coxph calls)."""
    categorical = dict(categorical or {})
    return [cox_fit(data, time, event, [var], conf_level=conf_level, kind="univariable",
                    categorical={var: categorical[var]} if var in categorical else {},
                    entry=entry, ties=ties, firth=firth)
            for var in covariates]
