"""Which figures a plan asks for, drawn from the computed results (see :mod:`.figures`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..models import NOT_TESTED
from . import figdata
from .data import ALL, Prepared, categories, numbers
from .figures import draw_one
from .plan import Plan
from .wording import SYNTHETIC, listing, lower_first, synthetic_title
from .workers import MIN_PARALLEL, FigureWorkers

if TYPE_CHECKING:
    from .compute import Computed
    from .figdata import KMSet

    # the Kaplan-Meier figures handed over (their waiting function) and the names they took
    KMStarted = tuple[Callable[[], list[dict[str, Any]]], "_Names"]


class _Names:
    """File stems made only of [a-z0-9-], unique within the folder (names come from user data)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, *parts: str) -> str:
        base = "_".join(re.sub(r"[^a-z0-9]+", "-", str(p).lower()).strip("-") or "x" for p in parts if p)
        stem, k = base[:100], 2
        while stem in self.used:
            stem, k = f"{base[:100]}-{k}", k + 1
        self.used.add(stem)
        return stem


# Rough relative cost of each kind of figure (CPU seconds at 10,000 patients in PNG, SVG and PDF: a
# swimmer plot 0.75, a Kaplan-Meier or forest plot 0.35-0.5, the bar charts 0.25): the costly ones
# go to the workers first so that no worker is left with a long figure at the end.
_COST = {"swimmer_figure": 3, "km_figure": 2, "forest_figure": 2, "her2_figure": 1, "response_figure": 1}


def draw_figures(plan: Plan, prep: Prepared, comp: Computed, folder: str, *, jobs: int = 1,
                 synthetic: bool = False) -> list[dict[str, Any]]:
    """Draw every figure the plan asks for into ``folder``; ``jobs`` > 1 draws them in that many
    processes (when there are at least MIN_PARALLEL figures). Returns the figure list.
    ``synthetic``: every title and caption (and the files' metadata) say SYNTHETIC DATA."""
    todo = _todo(plan, prep, comp, folder, synthetic)
    if jobs > 1 and len(todo) >= MIN_PARALLEL:
        with FigureWorkers(min(jobs, len(todo))) as workers:
            return _started(todo, workers)()
    return _started(todo, None)()


def start_figures(plan: Plan, prep: Prepared, comp: Computed, folder: str, *, synthetic: bool = False,
                  workers: FigureWorkers | None = None,
                  early: Callable[[], list[dict[str, Any]]] | None = None,
                  km: KMStarted | None = None) -> Callable[[], list[dict[str, Any]]]:
    """Hand every figure of the plan to ``workers`` (costliest first) and return the function that
    waits for them and gives the figure list, in report order; this process can do other work in
    between. Without workers, or with fewer than MIN_PARALLEL figures, that function draws them
    here, one after the other. ``early``: what :func:`start_cohort_figures` returned for the same
    plan, cohort and folder; those figures are not handed over again. ``km``: what
    :func:`start_km_figures` returned (given only with ``early``); the Kaplan-Meier figures are not
    handed over again either."""
    if early is None:
        return _started(_todo(plan, prep, comp, folder, synthetic), workers)
    km_done, names = km if km is not None else (lambda: [], _Names())
    todo = (_model_jobs if km is not None else _stats_jobs)(plan, prep, comp, folder, names)
    rest = _started([_label_synthetic(job) for job in todo] if synthetic else todo, workers, serial_below=0)
    return lambda: km_done() + rest() + early()


def start_km_figures(plan: Plan, km_sets: list[KMSet], folder: str, *, synthetic: bool = False,
                     workers: FigureWorkers | None = None) -> KMStarted | None:
    """Hand the Kaplan-Meier figures to ``workers`` as soon as their curves are computed (compute's
    ``on_survival``), while the other statistics are; pass what this returns to :func:`start_figures`
    as ``km`` (with the ``early`` figures). None (nothing handed over) without workers."""
    if workers is None:
        return None
    names = _Names()  # the other statistics' figures go on with the same names
    todo = _km_jobs(plan, km_sets, folder, names)
    return _started([_label_synthetic(job) for job in todo] if synthetic else todo, workers, serial_below=0), names


def start_cohort_figures(plan: Plan, prep: Prepared, folder: str, *, synthetic: bool = False,
                         workers: FigureWorkers | None = None) -> Callable[[], list[dict[str, Any]]] | None:
    """Hand the figures that need no statistics (swimmer, HER2 classes) to ``workers`` now, so that
    they are drawn while this process computes the statistics; pass what this returns to
    :func:`start_figures` as ``early``. None (nothing handed over) without workers."""
    if workers is None:
        return None
    todo = _cohort_jobs(plan, prep, folder, _Names())
    return _started([_label_synthetic(job) for job in todo] if synthetic else todo, workers, serial_below=0)


def _todo(plan: Plan, prep: Prepared, comp: Computed, folder: str,
          synthetic: bool) -> list[tuple[str, tuple, dict, dict]]:
    todo = figure_jobs(plan, prep, comp, folder)
    return [_label_synthetic(job) for job in todo] if synthetic else todo


def _started(todo: list[tuple[str, tuple, dict, dict]], workers: FigureWorkers | None, *,
             serial_below: int = MIN_PARALLEL) -> Callable[[], list[dict[str, Any]]]:
    metas = [meta for _, _, _, meta in todo]
    calls = [(fn, args, kw) for fn, args, kw, _ in todo]
    if workers is None or len(calls) < serial_below:
        return lambda: [{**meta, **draw_one(call)} for meta, call in zip(metas, calls, strict=True)]
    order = sorted(range(len(calls)), key=lambda i: -_COST.get(calls[i][0], 1))
    futures = {i: workers.submit(draw_one, calls[i]) for i in order}
    return lambda: [{**meta, **futures[i].result()} for i, meta in enumerate(metas)]


# A job as a figure worker runs it (kept under this name for callers of this module).
_draw_one = draw_one


def _label_synthetic(job: tuple[str, tuple, dict, dict]) -> tuple[str, tuple, dict, dict]:
    fn, args, kw, meta = job
    # The title (drawn in the figure, and first in the report's caption) says it; so does the
    # caption in the file's own metadata, which travels without the title.
    title = synthetic_title(meta["title"], True)
    return (fn, args, {**kw, "title": synthetic_title(kw["title"], True),
                       "meta": {"title": title, "description": f"{SYNTHETIC}. {meta['caption']}"}},
            {**meta, "title": title, "synthetic": True})


def _job(fn: str, args: tuple, kw: dict, meta: dict, plan: Plan) -> tuple[str, tuple, dict, dict]:
    """One figure's job: the style and the file metadata (title, caption) added to its arguments."""
    return (fn, args, {**kw, "style": plan.figures.style,
                       "meta": {"title": meta["title"], "description": meta["caption"]}}, meta)


def cox_level_counts(plan: Plan, prep: Prepared, endpoint: str, model: Any) -> dict[str, dict[str, tuple[int, int]]]:
    """Patients and events per level of each categorical covariate of ``model``, over the patients
    the model used (the endpoint's, complete in every covariate of the model), read as the Cox
    step reads them ({} when they do not add up to the model's N, which the figure then shows alone)."""
    if plan.cox is None or model.status != "ok":
        return {}
    pop = prep.in_population
    keep = prep.in_endpoint[endpoint].copy()
    values: dict[str, np.ndarray] = {}
    for cv in plan.cox.covariates:
        if cv.name not in model.covariates:
            continue
        if cv.type == "continuous":
            assert cv.column is not None  # a continuous covariate names its column
            keep &= ~np.isnan(numbers(prep, cv.column, pop))
            continue
        if cv.grouping is not None:
            col = prep.groups[cv.grouping]
        else:
            col, _ = categories(prep, cv.categories)
        keep &= np.array([x is not None for x in col], dtype=bool)
        values[cv.name] = col
    events = prep.events[endpoint]
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for name, col in values.items():
        levels = sorted({str(x) for x in col[keep]})
        out[name] = {lv: (int(((col == lv) & keep).sum()), int(((col == lv) & keep & (events == 1)).sum()))
                     for lv in levels}
        if sum(n for n, _ in out[name].values()) != model.n or sum(e for _, e in out[name].values()) != model.events:
            return {}
    return out


def figure_jobs(plan: Plan, prep: Prepared, comp: Computed, folder: str) -> list[tuple[str, tuple, dict, dict]]:
    """(figures function, args, kwargs, metadata) for every figure, in report order."""
    names = _Names()
    return _stats_jobs(plan, prep, comp, folder, names) + _cohort_jobs(plan, prep, folder, names)


def _stats_jobs(plan: Plan, prep: Prepared, comp: Computed, folder: str,
                names: _Names) -> list[tuple[str, tuple, dict, dict]]:
    """The figures of the statistics (Kaplan-Meier, forest, response), in report order."""
    return _km_jobs(plan, comp.km_sets, folder, names) + _model_jobs(plan, prep, comp, folder, names)


def _km_jobs(plan: Plan, km_sets: list[KMSet], folder: str, names: _Names) -> list[tuple[str, tuple, dict, dict]]:
    """The Kaplan-Meier figures, in report order (the first of the statistics' figures)."""
    out: list[tuple[str, tuple, dict, dict]] = []
    style = plan.figures.style
    unit = plan.km.time_unit
    labels = {g.name: g.label for g in (*plan.groupings, *plan.subgroups)}
    sub_labels = {s.name: s.label for s in plan.subgroups}
    if plan.figures.km:
        bands = ("; shaded: pointwise 95% confidence bands" if style.km_ci_bands else "")
        risk = ("; numbers at risk under the time axis" if style.km_risk_table else "")
        for ks in km_sets:
            where = ""
            if ks.subgroup:
                sname, lv = ks.subgroup.split("=", 1)
                where = f", {lower_first(sub_labels.get(sname, sname))}: {lv}"
            title = f"{ks.endpoint_label} by {lower_first(labels.get(ks.group_by, ks.group_by))}{where}"
            caption = (f"Kaplan-Meier estimate of {lower_first(ks.endpoint_label)}; tick marks are censored patients; "
                       f"dotted lines mark the medians{bands}{risk}; log-rank test across the groups with patients.")
            out.append(_job("km_figure", (figdata.km_set(ks), folder,
                                          names("km", ks.endpoint, ks.group_by, ks.subgroup or "")),
                            {"time_unit": unit, "method": plan.km.median_ci, "title": title},
                            {"kind": "km", "title": title, "endpoint": ks.endpoint, "group_by": ks.group_by,
                             "subgroup": ks.subgroup, "caption": caption}, plan))
    return out


def _model_jobs(plan: Plan, prep: Prepared, comp: Computed, folder: str,
                names: _Names) -> list[tuple[str, tuple, dict, dict]]:
    """The forest and response figures, in report order (after the Kaplan-Meier ones)."""
    out: list[tuple[str, tuple, dict, dict]] = []
    if plan.figures.forest and plan.cox is not None:
        for ep in plan.cox.endpoints:
            models = [m for e, m in comp.cox_models if e == ep]
            ep_label = plan.endpoint(ep).label
            for kind in ("multivariable", "univariable"):
                ms = [m for m in models if m.kind == kind]
                if not ms:
                    continue
                title = f"{ep_label}: {kind} Cox model" + ("s" if kind == "univariable" else "")
                if kind == "multivariable" and ms[0].status == "ok":
                    title += f" (N = {ms[0].n}, {ms[0].events} events)"
                n_text = (f"N = {ms[0].n}, events = {ms[0].events}" if kind == "multivariable"
                          else "each covariate in its own model on its complete cases")
                counts = [cox_level_counts(plan, prep, ep, m) for m in ms]
                out.append(_job("forest_figure", (figdata.models(ms), figdata.covariates(plan.cox.covariates), folder,
                                                  names("forest", ep, kind)),
                                {"title": title, "counts": counts},
                                {"kind": "forest", "title": title, "endpoint": ep, "model": kind,
                                 "caption": f"Hazard ratios with 95% Wald CIs ({plan.cox.ties.capitalize()} ties); "
                                            f"{n_text}; n and events: patients and events of the model at each "
                                            "level."}, plan))
    if plan.figures.response and plan.response is not None:
        for g in plan.groupings:
            recs = [r for r in comp.records["response"] if r["group_by"] == g.name and r["subgroup"] is None]
            title = f"Response by {lower_first(g.label)}"
            out.append(_job("response_figure", (recs, folder, names("response", g.name)),
                            {"title": title, "denominator": plan.response.denominator},
                            {"kind": "response", "title": title, "group_by": g.name,
                             "caption": "Objective response rate (CR+PR) and disease control rate (CR+PR+SD) with "
                                        "Clopper-Pearson 95% CIs."}, plan))
    return out


def _cohort_jobs(plan: Plan, prep: Prepared, folder: str, names: _Names) -> list[tuple[str, tuple, dict, dict]]:
    """The figures drawn from the cohort alone, no statistics (swimmer, HER2 classes), in report
    order; they come after the others. Their file stems cannot clash with the others' (each kind
    of figure has its own first word)."""
    out: list[tuple[str, tuple, dict, dict]] = []
    unit = plan.km.time_unit
    sw = plan.figures.swimmer
    if sw is not None:
        keep = prep.in_endpoint[sw.endpoint]
        g = plan.groupings[0]
        t = prep.times[sw.endpoint][keep]
        if len(t):
            resp = None
            if sw.response is not None:
                resp = np.array([(r or "").strip().upper() for r in prep.table.cells[sw.response][keep]], dtype=object)
            grp = np.array([x if x is not None else "not grouped" for x in prep.groups[g.name][keep]], dtype=object)
            sw_ep = plan.endpoint(sw.endpoint)
            title = f"{sw_ep.label} of each patient, by {lower_first(g.label)}"
            caption = (f"Swimmer plot of {lower_first(sw_ep.label)}: one bar per patient from first-line start to the "
                       "event (end mark) or to censoring (arrow: no event at the last follow-up)"
                       + ("; left column: best overall response (RECIST 1.1)" if sw.response else "") + ".")
            out.append(_job("swimmer_figure", (t, prep.events[sw.endpoint][keep], grp, resp, list(g.levels), folder,
                                               names("swimmer", sw.endpoint)),
                            {"title": title, "time_unit": unit, "max_patients": sw.max_patients,
                             "group_label": g.label, "event_label": f"event ({lower_first(sw_ep.label)})"},
                            {"kind": "swimmer", "title": title, "endpoint": sw.endpoint, "caption": caption}, plan))
    h = plan.figures.her2_classes
    if h is not None:
        out.append(_her2_job(plan, prep, folder, names("her2-classes")))
    return out


def _her2_job(plan: Plan, prep: Prepared, folder: str, stem: str) -> tuple[str, tuple, dict, dict]:
    """The HER2-class figure counts the analysed population, where a patient with two classes
    counts in both; the caption names that population and, when the main grouping reads the same
    column, the group sizes (each patient in one group), so that the two sets of numbers agree."""
    h = plan.figures.her2_classes
    assert h is not None  # called only when the plan asks for the figure
    pop = prep.in_population
    classes: dict[str, int] = {}
    for raw in prep.table.cells[h.column][pop]:
        for c in {t.strip() for t in (raw or "").split(h.split) if t.strip()}:
            classes[c] = classes.get(c, 0) + 1
    codrivers: dict[str, int] = {}
    if h.codriver_prefix:
        for col in prep.table.columns:
            if col.startswith(h.codriver_prefix):
                k = int(sum(v not in (None, "no", NOT_TESTED) for v in prep.table.cells[col][pop]))
                if k:
                    codrivers[col[len(h.codriver_prefix):]] = k
    total = int(pop.sum())
    population = ("Analysed population: " + "; ".join(c.label for c in plan.population)
                  if plan.population else "All patients of the cohort")
    title = "HER2 alteration classes and co-occurring drivers"
    caption = (f"Patients per ERBB2 alteration class and per co-occurring driver gene. {population} (n = {total}); "
               "a patient with two classes counts in both, so the classes may add up to more than n.")
    g = plan.groupings[0]
    if g.column == h.column:
        sizes = [f"{lv} {int(prep.member(g.name, lv).sum())}" for lv in g.levels]
        one = "count a patient in each group they belong to (multiple: all)" if g.name in prep.overlaps else \
            "place each patient in one group only"
        caption += f" The analysis groups ({lower_first(g.label)}) {one}: {listing(sizes)}."
    return _job("her2_figure", (classes, codrivers, total, folder, stem), {"title": title, "population": population},
                {"kind": "her2_classes", "title": title, "population": population, "n": total, "caption": caption},
                plan)


__all__ = ["ALL", "draw_figures", "start_cohort_figures", "start_figures"]
