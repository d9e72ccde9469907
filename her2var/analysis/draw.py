"""Which figures a plan asks for, drawn from the computed results (see :mod:`.figures`)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from . import figures as F
from .compute import ALL, Computed
from .data import Prepared
from .plan import Plan


def _lower_first(text: str) -> str:
    """'First-line regimen' -> 'first-line regimen', but 'HER2 alteration' stays as it is."""
    return text[:1].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


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


def draw_figures(plan: Plan, prep: Prepared, comp: Computed, folder: str, *, jobs: int = 1) -> list[dict[str, Any]]:
    """Draw every figure the plan asks for into ``folder``; ``jobs`` > 1 draws them in that many
    processes (matplotlib's text layout is CPU-bound and holds the GIL). Returns the figure list."""
    todo = figure_jobs(plan, prep, comp, folder)
    if jobs > 1 and len(todo) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # forkserver/spawn: a clean interpreter per worker, never a fork of a process with threads.
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)),
                                 mp_context=multiprocessing.get_context(method)) as pool:
            files = list(pool.map(_draw_one, [(fn, args, kw) for fn, args, kw, _ in todo]))
    else:
        files = [_draw_one((fn, args, kw)) for fn, args, kw, _ in todo]
    return [{**meta, **f} for (_, _, _, meta), f in zip(todo, files, strict=True)]


def _draw_one(job: tuple[str, tuple, dict]) -> dict[str, str]:
    fn, args, kw = job
    return getattr(F, fn)(*args, **kw)


def figure_jobs(plan: Plan, prep: Prepared, comp: Computed, folder: str) -> list[tuple[str, tuple, dict, dict]]:
    """(figures function, args, kwargs, metadata) for every figure, in report order."""
    names = _Names()
    out: list[tuple[str, tuple, dict, dict]] = []
    labels = {g.name: g.label for g in (*plan.groupings, *plan.subgroups)}
    sub_labels = {s.name: s.label for s in plan.subgroups}
    if plan.figures.km:
        for ks in comp.km_sets:
            where = ""
            if ks.subgroup:
                sname, lv = ks.subgroup.split("=", 1)
                where = f", {sub_labels.get(sname, sname)}: {lv}"
            title = f"{ks.endpoint_label} by {_lower_first(labels.get(ks.group_by, ks.group_by))}{where}"
            out.append(("km_figure", (ks, folder, names("km", ks.endpoint, ks.group_by, ks.subgroup or "")),
                        {"time_unit": plan.km.time_unit, "method": plan.km.median_ci, "title": title},
                        {"kind": "km", "title": title, "endpoint": ks.endpoint, "group_by": ks.group_by,
                         "subgroup": ks.subgroup,
                         "caption": "Kaplan-Meier estimate; tick marks are censored patients; dotted lines "
                                    "mark the medians; log-rank test across the groups with patients."}))
    if plan.figures.forest and plan.cox is not None:
        for ep in plan.cox.endpoints:
            models = [m for e, m in comp.cox_models if e == ep]
            label = plan.endpoint(ep).label
            for kind in ("multivariable", "univariable"):
                ms = [m for m in models if m.kind == kind]
                if not ms:
                    continue
                title = f"{label}: {kind} Cox model" + ("s" if kind == "univariable" else "")
                if kind == "multivariable" and ms[0].status == "ok":
                    title += f" (N = {ms[0].n}, {ms[0].events} events)"
                n_text = (f"N = {ms[0].n}, events = {ms[0].events}" if kind == "multivariable"
                          else "each covariate in its own model on its complete cases")
                out.append(("forest_figure", (ms, plan.cox.covariates, folder, names("forest", ep, kind)),
                            {"title": title},
                            {"kind": "forest", "title": title, "endpoint": ep, "model": kind,
                             "caption": f"Hazard ratios with 95% Wald CIs (Efron ties); {n_text}."}))
    if plan.figures.response and plan.response is not None:
        for g in plan.groupings:
            recs = [r for r in comp.records["response"] if r["group_by"] == g.name and r["subgroup"] is None]
            title = f"Response by {_lower_first(g.label)}"
            out.append(("response_figure", (recs, folder, names("response", g.name)),
                        {"title": title, "denominator": plan.response.denominator},
                        {"kind": "response", "title": title, "group_by": g.name,
                         "caption": "Objective response rate (CR+PR) and disease control rate (CR+PR+SD) with "
                                    "Clopper-Pearson 95% CIs."}))
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
            title = f"Time on first-line treatment ({_lower_first(sw_ep.label)})"
            out.append(("swimmer_figure", (t, prep.events[sw.endpoint][keep], grp, resp, list(g.levels), folder,
                                           names("swimmer", sw.endpoint)),
                        {"title": title, "time_unit": plan.km.time_unit, "max_patients": sw.max_patients,
                         "group_label": g.label},
                        {"kind": "swimmer", "title": title, "endpoint": sw.endpoint,
                         "caption": f"One bar per patient from first-line start to {_lower_first(sw_ep.label)} "
                                    "event or censoring; arrows: censored (ongoing); markers left of the bars: best "
                                    "response."}))
    h = plan.figures.her2_classes
    if h is not None:
        pop = prep.in_population
        classes: dict[str, int] = {}
        for raw in prep.table.cells[h.column][pop]:
            for c in {t.strip() for t in (raw or "").split(h.split) if t.strip()}:
                classes[c] = classes.get(c, 0) + 1
        codrivers: dict[str, int] = {}
        if h.codriver_prefix:
            for col in prep.table.columns:
                if col.startswith(h.codriver_prefix):
                    k = int(sum(v is not None for v in prep.table.cells[col][pop]))
                    if k:
                        codrivers[col[len(h.codriver_prefix):]] = k
        title = "HER2 alteration classes and co-occurring drivers"
        out.append(("her2_figure", (classes, codrivers, int(pop.sum()), folder, names("her2-classes")),
                    {"title": title},
                    {"kind": "her2_classes", "title": title,
                     "caption": "Patients in the analysed population per ERBB2 alteration class (a patient with "
                                "two classes counts in both) and per co-occurring driver gene."}))
    return out


__all__ = ["ALL", "draw_figures"]
