"""Every number of the analysis, by calling :mod:`her2var.stats` (nothing is re-implemented here).

The result is a dict of lists of flat records (JSON-ready; "not reached" and "no test" are None)
plus, for the figures, the fitted curves and models. Levels listed in the plan without patients
are reported with n = 0 and a note; tests run over the levels that have patients.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from ..errors import InputError, shown
from ..models import NOT_TESTED
from ..stats import (
    compare_categorical,
    compare_continuous,
    compare_table,
    cox_fit,
    cox_univariable,
    kaplan_meier,
    kaplan_meier_by_group,
    logrank_test,
    median_follow_up,
    median_range,
    median_survival,
    n_percent,
    pairwise_logrank,
    response_rates,
    restricted_mean,
    rmst_difference,
    survival_at,
)
from ..stats.cox import ESTIMATORS
from ..stats.smd import smd
from .data import ALL, Prepared, categories, numbers
from .figdata import KMSet  # defined there: the figure workers unpickle it
from .flow import patient_flow
from .plan import Grouping, Plan

log = logging.getLogger(__name__)

RECORD_LISTS = ("km", "landmarks", "rmst", "rmst_diff", "logrank", "logrank_pairwise", "follow_up", "response",
                "response_tests", "table1", "table1_rows", "cox", "cox_models", "flow", "overlaps")


@dataclass
class Computed:
    records: dict[str, list[dict[str, Any]]]
    km_sets: list[KMSet] = field(default_factory=list)
    cox_models: list[tuple[str, Any]] = field(default_factory=list)  # (endpoint, CoxModel)


def _f(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def _nonempty(levels: tuple[str, ...] | list[str], labels: np.ndarray) -> list[str]:
    present = set(labels.tolist())
    return [lv for lv in levels if lv in present]


def _same(g: Grouping, s: Grouping) -> bool:
    """A subgroup that splits patients exactly as a grouping does."""
    return g.categories == s.categories


class _Run:
    def __init__(self, plan: Plan, prep: Prepared) -> None:
        self.plan, self.prep = plan, prep
        self.out: dict[str, list[dict[str, Any]]] = {k: [] for k in RECORD_LISTS}
        self.km_sets: list[KMSet] = []
        self.cox_models: list[tuple[str, Any]] = []
        self.method = plan.km.median_ci
        self.ctype = self.method if self.method != "spss" else "plain"
        self._overlap = ""  # the overlap warning of the comparison being made (multiple: all)
        self._cox_overlap: dict[str, str] = {}  # covariate -> patients left out for being in several levels

    def _entry(self, ep, sel: np.ndarray) -> np.ndarray | None:
        """The endpoint's delayed-entry times of the selected patients (None: no entry column)."""
        return None if ep.entry is None else self.prep.entries[ep.name][sel]

    # -- survival -----------------------------------------------------------------------------
    def survival(self) -> None:
        for ep in self.plan.endpoints:
            keep = self.prep.in_endpoint[ep.name]
            self._km_overall(ep, keep)
            for g in self.plan.groupings:
                self._km_grouping(ep, g, keep, None)
            for s in self.plan.subgroups:
                if not any(_same(g, s) for g in self.plan.groupings):
                    self._km_grouping(ep, s, keep, None)
                for lv in s.levels:
                    inside = keep & self.prep.member(s.name, lv)
                    for g in self.plan.groupings:
                        if _same(g, s):
                            continue  # the grouping is the subgroup itself: one level, nothing to compare
                        self._km_grouping(ep, g, inside, f"{s.name}={lv}")
            if self.plan.follow_up == ep.name:
                self._follow_up(ep, keep)

    def _km_record(self, ep, group_by, subgroup, level, curve, med) -> dict[str, Any]:
        return {"endpoint": ep.name, "group_by": group_by, "subgroup": subgroup, "group": level,
                "n": curve.n if curve is not None else 0, "events": curve.events if curve is not None else 0,
                "median": _f(med.median) if med else None, "ci_low": _f(med.lower) if med else None,
                "ci_high": _f(med.upper) if med else None, "ci_method": self.method,
                "median_rule": med.rule if med else self.plan.km.median_rule,
                "conf_level": self.plan.km.conf_level, "se": _f(med.se) if med else None,
                "note": (med.note if med else "no patients"),
                "median_text": med.formatted() if med else "no patients", "entry": ep.entry}

    def _landmarks(self, ep, group_by, subgroup, level, curve) -> None:
        if not self.plan.km.landmarks:
            return
        for lm in survival_at(curve, self.plan.km.landmarks, conf_type=self.ctype):
            self.out["landmarks"].append({
                "endpoint": ep.name, "group_by": group_by, "subgroup": subgroup, "group": level,
                "time": lm.time, "surv": _f(lm.surv), "ci_low": _f(lm.lower), "ci_high": _f(lm.upper),
                "n_risk": lm.n_risk, "ci_method": f"{lm.conf_type} (pointwise Greenwood band)",
                "note": lm.note})

    def _rmst(self, ep, group_by: str, subgroup: str | None, curves: Mapping[str, Any]) -> None:
        """Restricted mean survival time per group, and each group against the first one."""
        tau = self.plan.km.rmst_horizon
        if tau is None or not curves:
            return
        base = {"endpoint": ep.name, "group_by": group_by, "subgroup": subgroup, "tau": tau,
                "conf_level": self.plan.km.conf_level, "entry": ep.entry,
                "ci_method": "Wald; SE as R's print(survfit, rmean = tau)"}
        got = {lv: restricted_mean(c, tau, conf_level=self.plan.km.conf_level) for lv, c in curves.items()}
        for lv, r in got.items():
            self.out["rmst"].append({**base, "group": lv, "rmst": _f(r.rmst), "se": _f(r.se), "ci_low": _f(r.lower),
                                     "ci_high": _f(r.upper), "note": r.note})
        levels = list(got)
        for lv in levels[1:]:
            d = rmst_difference(got[levels[0]], got[lv])
            self.out["rmst_diff"].append({**base, "group1": levels[0], "group2": lv, "diff": _f(d["diff"]),
                                          "se": _f(d["se"]), "ci_low": _f(d["lower"]), "ci_high": _f(d["upper"]),
                                          "p": _f(d["p"])})

    def _km_overall(self, ep, keep: np.ndarray) -> None:
        if not keep.any():
            self.out["km"].append(self._km_record(ep, ALL, None, ALL, None, None))
            return
        curve = kaplan_meier(self.prep.times[ep.name][keep], self.prep.events[ep.name][keep],
                             entry=self._entry(ep, keep), conf_type=self.ctype,
                             conf_level=self.plan.km.conf_level, label=ALL)
        med = median_survival(curve, self.method, rule=self.plan.km.median_rule)
        self.out["km"].append(self._km_record(ep, ALL, None, ALL, curve, med))
        self._landmarks(ep, ALL, None, ALL, curve)
        self._rmst(ep, ALL, None, {ALL: curve})

    def _overlap_note(self, name: str, sel: np.ndarray) -> str:
        """The warning beside every comparison of overlapping groups (``multiple: all``)."""
        patients, extra = self.prep.overlap_counts(name, sel)
        if not patients:
            return ""
        return (f"groups overlap: {patients} patient(s) counted in more than one group ({extra} extra row(s), "
                "multiple: all); the test assumes independent groups, which these are not")

    def _km_grouping(self, ep, g: Grouping, keep: np.ndarray, subgroup: str | None) -> None:
        sel, labels = self.prep.expand(g.name, keep)  # row indices; a row per level with multiple: all
        levels = list(g.levels)
        present = _nonempty(levels, labels)
        t, e = self.prep.times[ep.name][sel], self.prep.events[ep.name][sel]
        entry = self._entry(ep, sel)
        curves = (kaplan_meier_by_group(t, e, labels, entry=entry, levels=present, conf_type=self.ctype,
                                        conf_level=self.plan.km.conf_level) if present else {})
        medians = {}
        for lv in levels:
            curve = curves.get(lv)
            med = median_survival(curve, self.method, rule=self.plan.km.median_rule) if curve else None
            medians[lv] = med
            self.out["km"].append(self._km_record(ep, g.name, subgroup, lv, curve, med))
            if curve is not None:
                self._landmarks(ep, g.name, subgroup, lv, curve)
        self._rmst(ep, g.name, subgroup, curves)
        p, note = None, ""
        base = {"endpoint": ep.name, "group_by": g.name, "subgroup": subgroup, "test": "log-rank",
                "groups": present, "n": len(sel), "entry": ep.entry}
        empty = [lv for lv in levels if lv not in present]
        overlap = self._overlap_note(g.name, keep)
        if len(present) < 2:
            note = f"no test: {len(present)} group(s) with patients"
            self.out["logrank"].append({**base, "chisq": None, "df": None, "p": None, "note": note})
        else:
            lr = logrank_test(t, e, labels, entry=entry, levels=present)
            note = lr.note
            if empty:
                note = "; ".join(x for x in (note, f"no patients in {', '.join(empty)}") if x)
            note = "; ".join(x for x in (note, overlap) if x)
            p = _f(lr.p)
            self.out["logrank"].append({**base, "chisq": _f(lr.chisq) if lr.p is not None else None,
                                        "df": lr.df if lr.p is not None else None, "p": p, "note": note,
                                        "observed": list(lr.observed), "expected": list(lr.expected)})
            if self.plan.pairwise and len(present) >= 3:
                size = {lv: (int((labels == lv).sum()), int(e[labels == lv].sum())) for lv in present}
                for pw in pairwise_logrank(t, e, labels, adjust=self.plan.adjust, entry=entry, levels=present):
                    self.out["logrank_pairwise"].append({
                        "endpoint": ep.name, "group_by": g.name, "subgroup": subgroup,
                        "group1": pw.group1, "group2": pw.group2, "chisq": _f(pw.chisq) if pw.p is not None else None,
                        "p": _f(pw.p), "p_adjusted": _f(pw.p_adjusted), "adjust": pw.adjust,
                        "n1": size[pw.group1][0], "events1": size[pw.group1][1],
                        "n2": size[pw.group2][0], "events2": size[pw.group2][1]})
        self.km_sets.append(KMSet(ep.name, ep.label, g.name, g.label, subgroup, levels, curves, medians, p, note))

    def _follow_up(self, ep, keep: np.ndarray) -> None:
        t, e = self.prep.times[ep.name], self.prep.events[ep.name]
        sets: list[tuple[str, str, np.ndarray]] = [(ALL, ALL, keep)]
        for g in self.plan.groupings:
            for lv in g.levels:
                sets.append((g.name, lv, keep & self.prep.member(g.name, lv)))
        for group_by, level, sel in sets:
            rec = {"endpoint": ep.name, "group_by": group_by, "group": level, "n": int(sel.sum()),
                   "method": "reverse Kaplan-Meier", "ci_method": self.method}
            if not sel.any():
                self.out["follow_up"].append({**rec, "median": None, "ci_low": None, "ci_high": None,
                                              "note": "no patients"})
                continue
            m = median_follow_up(t[sel], e[sel], entry=self._entry(ep, sel), method=self.method,
                                 rule=self.plan.km.median_rule, conf_level=self.plan.km.conf_level)
            note = m.note if m.median is not None else "median follow-up not reached (fewer than half censored)"
            self.out["follow_up"].append({**rec, "median": _f(m.median), "ci_low": _f(m.lower),
                                          "ci_high": _f(m.upper), "note": note})

    # -- response -----------------------------------------------------------------------------
    def response(self) -> None:
        rp = self.plan.response
        if rp is None:
            return
        keep = self.prep.in_response
        assert keep is not None  # prepare() sets it whenever the plan has a response
        self._response_block(ALL, None, [ALL], keep)
        for g in self.plan.groupings:
            self._response_block(g.name, None, list(g.levels), keep)
        for s in self.plan.subgroups:
            if not any(_same(g, s) for g in self.plan.groupings):
                self._response_block(s.name, None, list(s.levels), keep)
            for lv in s.levels:
                inside = keep & self.prep.member(s.name, lv)
                for g in self.plan.groupings:
                    if _same(g, s):
                        continue
                    self._response_block(g.name, f"{s.name}={lv}", list(g.levels), inside)

    def _response_block(self, group_by: str, subgroup: str | None, levels: list[str], keep: np.ndarray) -> None:
        rp, all_codes = self.plan.response, self.prep.response
        assert rp is not None and all_codes is not None  # only called when the plan has a response
        if group_by == ALL:
            sel, labels = np.flatnonzero(keep), np.full(int(keep.sum()), ALL, dtype=object).astype(str)
        else:
            sel, labels = self.prep.expand(group_by, keep)
        codes = all_codes[sel]
        present = _nonempty(levels, labels)
        rates = {}
        if present:
            res = response_rates(codes, labels, denominator=rp.denominator, levels=present)
            rates = {r["group"]: r for r in res["groups"]}
        for lv in levels:
            r = rates.get(lv)
            rec: dict[str, Any] = {"group_by": group_by, "subgroup": subgroup, "group": lv,
                                   "denominator": rp.denominator, "ci_method": "clopper-pearson"}
            if r is None:
                rec.update(n=0, n_treated=0, **dict.fromkeys(("CR", "PR", "SD", "PD", "NE"), 0), orr=None,
                           orr_ci_low=None, orr_ci_high=None, dcr=None, dcr_ci_low=None, dcr_ci_high=None,
                           orr_x=0, dcr_x=0, note="no patients")
            else:
                rec.update(n=r["n"], n_treated=r["n_treated"], **r["counts"])
                for key in ("orr", "dcr"):
                    p = r[key]
                    rec.update({key: p["rate"] if p else None, f"{key}_x": p["x"] if p else 0,
                                f"{key}_ci_low": p["lower"] if p else None,
                                f"{key}_ci_high": p["upper"] if p else None})
                rec["note"] = "" if r["orr"] else "no evaluable patients"
            self.out["response"].append(rec)
        if group_by == ALL:
            return
        self._overlap = self._overlap_note(group_by, keep)
        # Tests over the patients in the denominator, groups with patients only.
        in_test = np.ones(len(codes), dtype=bool) if rp.denominator == "all" else codes != "NE"
        measures = [("ORR", ("CR", "PR")), ("DCR", ("CR", "PR", "SD"))]
        for measure, hits in measures:
            table = [[int(((labels == lv) & in_test & np.isin(codes, hits)).sum()) for lv in present],
                     [int(((labels == lv) & in_test & ~np.isin(codes, hits)).sum()) for lv in present]]
            self._table_test(group_by, subgroup, measure, table, present)
        if group_by in rp.distribution_test:
            cats = [c for c in ("CR", "PR", "SD", "PD", "NE") if rp.denominator == "all" or c != "NE"]
            table = [[int(((labels == lv) & (codes == c)).sum()) for lv in present] for c in cats]
            self._table_test(group_by, subgroup, "best response (CR/PR/SD/PD/NE)", table, present)

    def _table_test(self, group_by: str, subgroup: str | None, measure: str, table: list[list[int]],
                    present: list[str]) -> None:
        rp = self.plan.response
        assert rp is not None  # only called when the plan has a response
        rec = {"group_by": group_by, "subgroup": subgroup, "measure": measure, "groups": present,
               "denominator": rp.denominator}
        if len(present) < 2 or not any(any(r) for r in table):
            self.out["response_tests"].append({**rec, "test": None, "statistic": None, "df": None, "p": None,
                                               "expected_min": None,
                                               "note": f"no test: {len(present)} group(s) with patients"})
            return
        res = compare_table(table)
        note = "; ".join(x for x in (res["note"], self._overlap) if x)
        self.out["response_tests"].append({**rec, "test": res["test"], "statistic": _f(res["statistic"]),
                                           "df": res["df"], "p": _f(res["p"]),
                                           "expected_min": _f(res["expected_min"]), "note": note,
                                           "test_reason": test_reason(res)})

    # -- Table 1 ------------------------------------------------------------------------------
    def table1(self) -> None:
        g = self.plan.groupings[0]
        keep = self.prep.in_table1
        assert keep is not None  # prepare() always sets it
        # One row per patient and group for the group columns (a patient in two groups of a
        # multiple: all grouping is in both); each patient once for All.
        idx, labels = self.prep.expand(g.name, keep)
        levels = list(g.levels)
        present = _nonempty(levels, labels)
        sizes = {lv: int((labels == lv).sum()) for lv in levels}
        sizes[ALL] = int(keep.sum())
        cols = [*levels, ALL]
        self._overlap = self._overlap_note(g.name, keep)
        self.out["table1_rows"].append({"variable": "N", "label": "Patients", "level": "",
                                        "cells": {c: str(sizes[c]) for c in cols}, "p": None, "test": None,
                                        "smd": None, "missing": None})
        for v in self.plan.table1:
            if v.type == "continuous":
                self._t1_continuous(v, keep, idx, labels, levels, present)
            else:
                self._t1_categorical(v, keep, idx, labels, levels, present, cols, sizes)

    def _t1_record(self, v, n_missing: int, n_not_tested: int, res: dict[str, Any] | None, note: str,
                   smd_res: dict[str, Any]) -> dict[str, Any]:
        rec: dict[str, Any] = {"variable": v.column, "label": v.label, "type": v.type, "n_missing": n_missing,
                               "n_not_tested": n_not_tested, "smd": _f(smd_res["smd"]),
                               "smd_pairs": [{**p, "smd": _f(p["smd"])} for p in smd_res["pairs"]]}
        if res is None or res["test"] is None:
            rec.update(test=None, statistic=None, df=None, p=None, expected_min=None, test_reason="",
                       note=note or (res or {}).get("note") or "no test: no values")
        else:
            rec.update(test=res["test"], statistic=_f(res["statistic"]), df=res["df"], p=_f(res["p"]),
                       expected_min=_f(res.get("expected_min")), test_reason=test_reason(res),
                       note=res.get("note", ""))
        rec["note"] = "; ".join(x for x in (rec["note"], self._overlap) if x)
        return rec

    def _t1_continuous(self, v, keep, idx, labels, levels, present) -> None:
        x_all = numbers(self.prep, v.column, keep)
        untested_all = np.array([c == NOT_TESTED for c in self.prep.table.cells[v.column]], dtype=bool)
        x, untested = x_all[idx], untested_all[idx]
        xa, ua = x_all[keep], untested_all[keep]
        cells = {lv: median_range(x[labels == lv]) if (labels == lv).any() else "NA" for lv in levels}
        cells[ALL] = median_range(xa)
        n_missing = int((np.isnan(xa) & ~ua).sum())
        ok = ~np.isnan(x)
        with_values = _nonempty(present, labels[ok])
        res, note = None, f"no test: {len(with_values)} group(s) with values"
        if len(with_values) >= 2:
            use = ok & np.isin(labels, with_values)
            res = compare_continuous(x[use], labels[use], levels=with_values)
        rec = self._t1_record(v, n_missing, int(ua.sum()), res, note,
                              smd(x, labels, present, kind="continuous"))
        self.out["table1"].append(rec)
        self.out["table1_rows"].append({"variable": v.column, "label": f"{v.label}, median (range)", "level": "",
                                        "cells": cells, "p": rec["p"], "test": rec["test"], "smd": rec["smd"],
                                        "missing": n_missing})
        for level, hit, hit_all in (("missing", np.isnan(x) & ~untested, np.isnan(xa) & ~ua),
                                    (NOT_TESTED, untested, ua)):
            if hit_all.any():
                counts = {lv: str(int((hit & (labels == lv)).sum())) for lv in levels}
                counts[ALL] = str(int(hit_all.sum()))
                self.out["table1_rows"].append({"variable": v.column, "label": v.label, "level": level,
                                                "cells": counts, "p": None, "test": None})

    def _t1_values(self, v, keep) -> tuple[np.ndarray, list[str]]:
        """The variable's value per row (None: missing; NOT_TESTED) and the order of its levels."""
        n = self.prep.table.n
        cells_raw = self.prep.table.cells.get(v.column)
        values = np.full(n, None, dtype=object)
        if v.type == "presence":
            if cells_raw is None:  # the cohort lacks the column: if_missing says what that means
                values[keep] = "no" if v.if_missing == "all_absent" else NOT_TESTED
            else:
                for i in np.flatnonzero(keep).tolist():
                    values[i] = _presence(cells_raw[i])
            return values, ["yes", "no"]
        lv_all, _ = categories(self.prep, v.categories)
        # A value outside the plan's levels is a real value: counted (and tested) as "other";
        # "not tested" is no value at all and is counted apart.
        for i in np.flatnonzero(keep).tolist():
            r = self.prep.table.cells[v.column][i]
            values[i] = lv_all[i] if lv_all[i] is not None else (
                None if r is None else NOT_TESTED if r == NOT_TESTED else "other")
        kept = values[keep]
        order = list(v.categories.levels) or sorted({x for x in kept if x is not None and x != NOT_TESTED})
        if any(x == "other" for x in kept) and "other" not in order:
            order.append("other")
        return values, order

    def _t1_categorical(self, v, keep, idx, labels, levels, present, cols, sizes) -> None:
        values_all, order = self._t1_values(v, keep)
        values, va = values_all[idx], values_all[keep]
        missing = np.array([x is None for x in values], dtype=bool)
        untested = np.array([x == NOT_TESTED and NOT_TESTED not in order for x in values], dtype=bool)
        ma = np.array([x is None for x in va], dtype=bool)
        ua = np.array([x == NOT_TESTED and NOT_TESTED not in order for x in va], dtype=bool)
        tested = ~missing & ~untested & np.isin(labels, present)
        res = compare_categorical(values[tested], labels[tested]) if tested.any() else None
        rec = self._t1_record(v, int(ma.sum()), int(ua.sum()), res, "",
                              smd(np.where(tested, values, None), labels, present, kind="categorical",
                                  categories=order))
        self.out["table1"].append(rec)
        # Percentages are of the patients tested: "not tested" is shown as a count of its own.
        heading = f"{v.label}, n (% of tested)" if ua.any() else f"{v.label}, n (%)"
        self.out["table1_rows"].append({"variable": v.column, "label": heading, "level": "",
                                        "cells": dict.fromkeys(cols, ""), "p": rec["p"], "test": rec["test"],
                                        "smd": rec["smd"], "missing": rec["n_missing"]})
        base = {lv: sizes[lv] - int((untested & (labels == lv)).sum()) for lv in levels}
        base[ALL] = sizes[ALL] - int(ua.sum())
        for level in order + (["missing"] if ma.any() else []):
            hit = missing if level == "missing" else np.array([x == level for x in values], dtype=bool)
            hit_all = ma if level == "missing" else np.array([x == level for x in va], dtype=bool)
            cells = {lv: n_percent(int((hit & (labels == lv)).sum()), base[lv]) for lv in levels}
            cells[ALL] = n_percent(int(hit_all.sum()), base[ALL])
            self.out["table1_rows"].append({"variable": v.column, "label": v.label, "level": level,
                                            "cells": cells, "p": None, "test": None})
        if ua.any():
            counts = {lv: str(int((untested & (labels == lv)).sum())) for lv in levels}
            counts[ALL] = str(int(ua.sum()))
            self.out["table1_rows"].append({"variable": v.column, "label": v.label, "level": NOT_TESTED,
                                            "cells": counts, "p": None, "test": None})

    # -- Cox ----------------------------------------------------------------------------------
    def cox(self) -> None:
        cp = self.plan.cox
        if cp is None:
            return
        from ..stats._checks import is_missing
        from ..stats.cox import Columns

        pop = self.prep.in_population
        columns: dict[str, np.ndarray] = {}
        categorical: dict[str, str | None] = {}
        # A reference level nobody in the population has makes every model with that covariate
        # not estimable (the others are still fitted).
        no_reference: dict[str, str] = {}
        for cv in cp.covariates:
            if cv.type == "continuous":
                assert cv.column is not None  # a continuous covariate has a column (a grouping is categorical)
                columns[cv.name] = numbers(self.prep, cv.column, pop)
                continue
            if cv.grouping is not None:
                values = self.prep.groups[cv.grouping]  # None for a patient in several levels (multiple: all)
                source: str | None = self.plan.grouping(cv.grouping).column
                several, _ = self.prep.overlap_counts(cv.grouping, pop)
                if several:
                    self._cox_overlap[cv.name] = (
                        f"{several} patient(s) in more than one level of {shown(cv.grouping)} (multiple: all) left "
                        "out of the models with this covariate: a Cox model needs one level per patient")
            else:
                values, _ = categories(self.prep, cv.categories)
                values = np.where(pop, values, None)  # type: ignore[call-overload]  # None fill: object array
                source = cv.column
            present = sorted({x for x in values[pop] if x is not None})
            if cv.reference not in present:
                no_reference[cv.name] = (f"reference level {shown(cv.reference)} of covariate {shown(cv.name)} has no "
                                         f"patients in the population (column {shown(source)}; levels present: "
                                         f"{shown(present)}); choose another reference in the plan")
                log.warning("%s: Cox covariate %s (plan %s): %s", self.prep.table.path, shown(cv.name),
                            self.plan.source, no_reference[cv.name])
            columns[cv.name] = values
            categorical[cv.name] = cv.reference
        names = [cv.name for cv in cp.covariates]
        for ep_name in cp.endpoints:
            keep = self.prep.in_endpoint[ep_name]
            table = {name: col[keep] for name, col in columns.items()}
            for name in categorical:  # a level or None
                table[name] = np.array([None if is_missing(v) else v for v in table[name]], dtype=object)
            table["_t_"] = self.prep.times[ep_name][keep]
            table["_e_"] = self.prep.events[ep_name][keep]
            entry = self._entry(self.plan.endpoint(ep_name), keep)
            if entry is not None:
                table["_entry_"] = entry
            frame = Columns(table)
            models = []
            if cp.univariable:
                for name in names:
                    cats = {name: categorical[name]} if name in categorical else {}
                    models.append(self._fit(frame, [name], cats, "univariable", no_reference))
            if cp.multivariable:
                models.append(self._fit(frame, names, categorical, "multivariable", no_reference))
            for m in models:
                self.cox_models.append((ep_name, m))
                self._cox_records(ep_name, m)

    def _fit(self, frame, covariates: list[str], categorical: Mapping[str, str | None], kind: str,
             no_reference: Mapping[str, str]):
        import dataclasses

        model = self._fit_one(frame, covariates, categorical, kind, no_reference)
        overlap = tuple(self._cox_overlap[c] for c in covariates if c in self._cox_overlap)
        return dataclasses.replace(model, warnings=model.warnings + overlap) if overlap else model

    def _fit_one(self, frame, covariates: list[str], categorical: Mapping[str, str | None], kind: str,
                 no_reference: Mapping[str, str]):
        from ..stats.cox import CoxModel

        assert self.plan.cox is not None  # only called for a plan with Cox models
        ties, firth = self.plan.cox.ties, self.plan.cox.firth
        entry = "_entry_" if "_entry_" in frame.columns else None
        failed = partial(CoxModel, covariates=tuple(covariates), status="not estimable", n_dropped=0, kind=kind,
                         ties=ties, entry=entry)
        if len(frame) == 0:
            return failed(n=0, events=0, reason="no patients with this endpoint")
        absent = [no_reference[c] for c in covariates if c in no_reference]
        if absent:
            return failed(n=len(frame), events=int(np.nansum(frame["_e_"])), reason="; ".join(absent))
        try:
            if kind == "univariable":
                return cox_univariable(frame, "_t_", "_e_", covariates, categorical=categorical, entry=entry,
                                       ties=ties, firth=firth)[0]
            return cox_fit(frame, "_t_", "_e_", covariates, categorical=categorical, kind=kind, entry=entry, ties=ties,
                           firth=firth)
        except InputError as exc:
            # e.g. the reference level has no patients with this endpoint: a labelled result.
            return failed(n=0, events=0, reason=str(exc))

    def _cox_records(self, ep_name: str, m) -> None:
        model_id = f"{m.kind}: {', '.join(m.covariates)}" if m.kind == "univariable" else m.kind
        base = {"endpoint": ep_name, "model": m.kind, "model_id": model_id, "covariates": list(m.covariates),
                "n": m.n, "events": m.events, "n_dropped": m.n_dropped, "status": m.status, "ties": m.ties,
                "entry": self.plan.endpoint(ep_name).entry, "references": dict(m.references),
                "warnings": list(m.warnings), "estimator": ESTIMATORS[m.estimator],
                "ci_method": "profile penalised likelihood" if m.estimator == "firth" else "Wald"}

        def test(x: tuple[float, int, float] | None) -> dict[str, Any] | None:
            return None if x is None else {"chisq": _f(x[0]), "df": x[1], "p": _f(x[2])}
        self.out["cox_models"].append({**base, "reason": m.reason, "terms": [t.term for t in m.terms],
                                       "lr_test": test(m.lr_test), "score_test": test(m.score_test),
                                       "ph_test": [{"term": term, "chisq": _f(c), "df": df, "p": _f(p)}
                                                   for term, c, df, p in m.ph_test]})
        if m.status != "ok":
            self.out["cox"].append({**base, "term": ", ".join(m.covariates), "hr": None, "ci_low": None,
                                    "ci_high": None, "p": None, "p_method": None, "coef": None, "se": None,
                                    "term_status": "not estimable", "note": f"not estimable: {m.reason}"})
            return
        for t in m.terms:
            # The p reported is the Wald p, or for a coefficient running off to infinity (whose Wald
            # test means nothing) the likelihood-ratio p of dropping it.
            p, p_method = ((t.p, "penalised likelihood ratio" if m.estimator == "firth" else "Wald")
                           if t.status == "ok" else
                           (t.p_lr, "likelihood ratio") if t.status == "infinite" else (None, None))
            self.out["cox"].append({**base, "term": t.term, "hr": _f(t.hr), "ci_low": _f(t.lower),
                                    "ci_high": _f(t.upper), "p": _f(p), "p_method": p_method if p is not None else None,
                                    "coef": _f(t.coef), "se": _f(t.se), "term_status": t.status, "note": t.note})


def test_reason(res: Mapping[str, Any]) -> str:
    """Why the chi-square or the exact test was used for a table: its smallest expected count."""
    low = res.get("expected_min")
    if res.get("test") not in ("chi-square", "fisher") or low is None:
        return ""
    if res["test"] == "chi-square":
        return f"chi-square: every expected count is at least 5 (smallest {low:.2f})"
    return f"Fisher's exact test: an expected count is below 5 (smallest {low:.2f})"


def _presence(cell: str | None) -> str:
    """A presence cell: "not tested", "no" (written "no", or empty as cohorts wrote "none found"
    before testing was recorded), else "yes" (the events found, or "yes")."""
    if cell == NOT_TESTED:
        return NOT_TESTED
    return "no" if cell is None or cell == "no" else "yes"


def compute(plan: Plan, prep: Prepared, on_survival: Callable[[list[KMSet]], None] | None = None) -> Computed:
    """All statistics of the plan on the prepared cohort. ``on_survival``: given the Kaplan-Meier
    sets as soon as the survival statistics are done, before the others (their figures can start)."""
    run = _Run(plan, prep)
    run.survival()
    if on_survival is not None:
        on_survival(list(run.km_sets))
    run.response()
    run.table1()
    run.cox()
    run.out["flow"] = patient_flow(prep, run.cox_models)
    run.out["overlaps"] = overlaps(plan, prep)
    return Computed(records=run.out, km_sets=run.km_sets, cox_models=run.cox_models)


def overlaps(plan: Plan, prep: Prepared) -> list[dict[str, Any]]:
    """One warning per grouping or subgroup whose groups overlap (``multiple: all``) in the population."""
    out = []
    repeats = [s for s in plan.subgroups if any(_same(g, s) for g in plan.groupings)]  # said once
    for g in (*plan.groupings, *(s for s in plan.subgroups if s not in repeats)):
        patients, extra = prep.overlap_counts(g.name, prep.in_population)
        if patients:
            sizes = {lv: int((prep.in_population & prep.member(g.name, lv)).sum()) for lv in g.levels}
            out.append({"grouping": g.name, "label": g.label, "patients": patients, "extra_rows": extra,
                        "sizes": sizes, "in_population": int(prep.grouped(g.name)[prep.in_population].sum()),
                        "note": (f"{g.label}: the groups overlap ({' + '.join(str(n) for n in sizes.values())} = "
                                 f"{sum(sizes.values())} of {int(prep.grouped(g.name)[prep.in_population].sum())} "
                                 f"patients; {patients} patient(s) counted in more than one group, multiple: all). "
                                 "The tests comparing these groups assume independent groups, which they are "
                                 "not; the All column counts each patient once; Cox models leave out a patient "
                                 "in several groups.")})
    return out
