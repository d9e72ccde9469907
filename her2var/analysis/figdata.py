"""What a figure worker is handed: the fitted curves and models as plain records (numpy and the
standard library only).

The figure workers are forked from a server that imports matplotlib and the figure modules, and
nothing else (see :mod:`.workers`). Unpickling an object imports the module of its class: a
statistics result (``her2var.stats``' KMCurve, MedianSurvival, CoxModel) or a plan's Covariate
would have each worker import scipy, pandas and the plan's parser, about half a second of CPU, to
read a few numbers. So :mod:`.draw` hands over these copies instead, holding only what the figures
read; the figure functions take either kind (they read the same attribute names).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np


@dataclass
class KMSet:
    """One KM figure's worth: curves per level of a grouping, for one endpoint and subgroup."""

    endpoint: str
    endpoint_label: str
    group_by: str
    group_label: str
    subgroup: str | None
    levels: list[str]
    curves: dict[str, Any]
    medians: dict[str, Any]
    logrank_p: float | None
    logrank_note: str


@dataclass(frozen=True, eq=False)
class Curve:
    """The parts of a Kaplan-Meier curve (her2var.stats.km.KMCurve) that the figure draws."""

    label: str
    n: int
    events: int
    time: np.ndarray
    n_risk: np.ndarray
    n_censor: np.ndarray
    surv: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    conf_type: str
    conf_level: float


@dataclass(frozen=True)
class Median:
    """A median survival as the figure prints it: the value (None: not reached) and its text."""

    median: float | None
    text: str

    def formatted(self) -> str:
        return self.text


@dataclass(frozen=True)
class Term:
    """One term of a Cox model (her2var.stats.cox.CoxTerm): what a forest plot row shows."""

    term: str
    hr: float | None
    lower: float | None
    upper: float | None
    p: float | None


@dataclass(frozen=True)
class Model:
    """A Cox model (her2var.stats.cox.CoxModel) as the forest plot reads it."""

    covariates: tuple[str, ...]
    status: str
    n: int
    events: int
    terms: tuple[Term, ...]
    references: Mapping[str, str]
    reason: str


@dataclass(frozen=True)
class Covariate:
    """A covariate of the plan's Cox models (her2var.analysis.plan.Covariate) as the forest plot reads it."""

    name: str
    label: str
    type: str
    reference: str | None


def at_risk(curve: Any, times: Iterable[float]) -> list[int]:
    """Patients at risk at each time: the number at risk at the curve's first time >= t (R's
    left-open findInterval, as :func:`her2var.stats.survival_at` counts them), 0 after the last."""
    out = []
    for t in times:
        later = int(np.searchsorted(curve.time, float(t), side="left"))
        out.append(int(curve.n_risk[later]) if later < len(curve.time) else 0)
    return out


def km_set(ks: KMSet) -> KMSet:
    """``ks`` with its curves and medians as :class:`Curve` and :class:`Median` (the same arrays)."""
    curves = {lv: None if c is None else Curve(c.label, c.n, c.events, c.time, c.n_risk, c.n_censor, c.surv,
                                               c.lower, c.upper, c.conf_type, c.conf_level)
              for lv, c in ks.curves.items()}
    medians = {lv: None if m is None else Median(m.median, m.formatted()) for lv, m in ks.medians.items()}
    return replace(ks, curves=curves, medians=medians)


def models(ms: Sequence[Any]) -> list[Model]:
    """Cox models as :class:`Model` records."""
    return [Model(tuple(m.covariates), m.status, m.n, m.events,
                  tuple(Term(t.term, t.hr, t.lower, t.upper, t.p) for t in m.terms), dict(m.references), m.reason)
            for m in ms]


def covariates(cvs: Sequence[Any]) -> tuple[Covariate, ...]:
    """The plan's Cox covariates as :class:`Covariate` records."""
    return tuple(Covariate(c.name, c.label, c.type, c.reference) for c in cvs)


__all__ = ["Covariate", "Curve", "KMSet", "Median", "Model", "Term", "at_risk", "covariates", "km_set", "models"]
