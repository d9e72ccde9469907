"""The flow of patients, STROBE style: from the cohort table to each analysis, with the number
left out at every step and why.

Steps: the patients of the cohort table (one per clinical record) -> with a sample -> HER2
assessed -> in the plan's population -> in each analysis (each grouping, endpoint, the response
table, Table 1 and each Cox model). The first three come from the cohort's own columns (sample,
her2_status, assessed, cn_assessed); a cohort without them (one built elsewhere) skips them with a
note. Each later step counts the patients of the population, and its reasons are those of the
exclusions list, so the numbers add up: left out + kept = the step before.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from .data import Prepared
from .wording import lower_first


def _reasons(prep: Prepared, analysis: str, among: np.ndarray) -> list[dict[str, Any]]:
    """Why the patients of ``among`` were left out of ``analysis``: (reason, n), largest first."""
    rows = set(np.flatnonzero(among).tolist())
    index = {pid: i for i, pid in enumerate(prep.ids.tolist())}
    seen: set[int] = set()
    counts: Counter[str] = Counter()
    for x in prep.exclusions:
        i = index.get(x["patient_id"])
        if x["analysis"] == analysis and i in rows and i not in seen:
            seen.add(i)  # a patient counts once, under the first reason recorded
            counts[x["reason"]] += 1
    return [{"reason": r, "n": n} for r, n in counts.most_common()]


def _step(step: str, label: str, n: int, left_out: list[dict[str, Any]], note: str = "") -> dict[str, Any]:
    return {"step": step, "label": label, "n": n, "left_out": left_out,
            "n_left_out": sum(x["n"] for x in left_out), "note": note}


def _cohort_steps(prep: Prepared) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Cohort table -> with a sample -> HER2 assessed; returns the steps and who passed them."""
    cells = prep.table.cells
    n = prep.table.n
    steps = [_step("cohort", "patients in the cohort table (one per clinical record)", n, [])]
    passed = np.ones(n, dtype=bool)
    if "sample" in cells:
        has = np.array([bool(x) for x in cells["sample"]], dtype=bool)
        steps.append(_step("sample", "with a classified sample", int(has.sum()),
                           [{"reason": "no sample", "n": int((~has).sum())}] if (~has).any() else []))
        passed &= has
    else:
        steps.append(_step("sample", "with a classified sample", n, [],
                           "not recorded: the cohort table has no 'sample' column"))
    if "her2_status" in cells:
        status = cells["her2_status"]
        assessed = passed & np.array([x not in (None, "not_assessed", "no_sample") for x in status], dtype=bool)
        why: Counter[str] = Counter()
        for i in np.flatnonzero(passed & ~assessed).tolist():
            why[_not_assessed(prep, i)] += 1
        steps.append(_step("assessed", "HER2 assessed (small variants and copy number, or an alteration found)",
                           int(assessed.sum()), [{"reason": r, "n": k} for r, k in why.most_common()]))
        passed = assessed
    else:
        steps.append(_step("assessed", "HER2 assessed", int(passed.sum()), [],
                           "not recorded: the cohort table has no 'her2_status' column"))
    return steps, passed


def _not_assessed(prep: Prepared, i: int) -> str:
    cells = prep.table.cells
    if "assessed" in cells and cells["assessed"][i] != "yes":
        return "small variants not assessed"
    if "cn_assessed" in cells and cells["cn_assessed"][i] != "yes":
        return "copy number not assessed"
    return "sample failed classification"


def patient_flow(prep: Prepared, cox_models: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The flow as a list of steps: {step, label, n, left_out: [{reason, n}], n_left_out, note}."""
    plan = prep.plan
    steps, passed = _cohort_steps(prep)
    pop = prep.in_population
    outside = passed & ~pop
    extra = int((pop & ~passed).sum())
    note = (f"includes {extra} patient(s) without a sample or a HER2 assessment: the plan's population does not "
            "require one" if extra else "")
    steps.append(_step("population", "in the plan's population", int(pop.sum()), _reasons(prep, "all", outside), note))

    def analysis(step: str, label: str, kept: np.ndarray, name: str) -> None:
        steps.append(_step(step, label, int((pop & kept).sum()), _reasons(prep, name, pop & ~kept)))

    for g in plan.groupings:
        analysis(f"grouping {g.name}", f"with a level of {lower_first(g.label)}", prep.grouped(g.name),
                 f"grouping {g.name}")
    for ep in plan.endpoints:
        analysis(f"endpoint {ep.name}", ep.label, prep.in_endpoint[ep.name], ep.name)
    if prep.in_response is not None:
        analysis("response", "response table", prep.in_response, "response")
    if prep.in_table1 is not None:
        table1 = prep.in_table1
        left = _reasons(prep, "table1", pop & ~table1)
        ungrouped = int((pop & ~table1).sum()) - sum(x["n"] for x in left)
        if ungrouped:
            left.append({"reason": f"no level of {lower_first(plan.groupings[0].label)} (see grouping "
                                   f"{plan.groupings[0].name})", "n": ungrouped})
        steps.append(_step("table1", "Table 1", int(table1.sum()), left))
    for ep_name, m in cox_models:
        label = f"Cox {m.kind} model ({', '.join(m.covariates)}), {lower_first(plan.endpoint(ep_name).label)}"
        base = int(prep.in_endpoint[ep_name].sum())
        left = []
        if m.status != "ok":
            left.append({"reason": f"model not estimable: {m.reason}", "n": base})
        elif m.n_dropped:
            left.append({"reason": "a covariate value missing (or several levels of an overlapping grouping)",
                         "n": m.n_dropped})
        steps.append(_step(f"cox {ep_name} {m.kind} {','.join(m.covariates)}", label,
                           m.n if m.status == "ok" else 0, left, f"of the {base} patient(s) with this endpoint"))
    return steps
