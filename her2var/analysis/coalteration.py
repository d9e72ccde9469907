"""HER2 beside the co-drivers: how often ERBB2 is altered in each co-driver group, compared with the
rest of the patients tested for the group's genes, overall and stratified by centre or panel.

Before the plan reads the cohort, four columns are derived from it (``derive``), so that the
plan's groupings and subgroups can use them like any other column (survival by HER2 status within
each co-driver group is the plan's Kaplan–Meier and log-rank machinery on them):

- ``her2_group``: altered / not altered, from her2_altered;
- ``her2_type``: mutation / amplification / mutation and amplification / not altered, from the
  classes of the ERBB2 events that count (her2_classes);
- ``her2_oncogenicity``: oncogenic (oncogenic or likely oncogenic) / VUS only / not altered,
  from the best tier of the ERBB2 events (her2_tier);
- ``codriver_group``: the plan's co-driver groups, mutually exclusive: the group the cohort's
  driver_group names (it counts only events of a driver tier, in the rules' order), else the
  first group with an event in one of its genes, else the "none" group when every gene of every
  group was tested.

ERBB2 counts as assessed only when the plan's her2_assessed conditions hold (small variants and
copy number both looked at): a positive result from a partial assessment is not counted either,
so that altered and not-altered patients enter on the same terms. A patient without it, or
without a co-driver answer, reads "not tested". In a comparison of a group with the rest, only
patients whose panels assessed ERBB2 and every gene of the group are counted; those left out are
counted in the record.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..errors import InputError, shown
from ..models import NOT_TESTED
from .coalteration_plan import CoalterationPlan
from .data import CohortTable, Prepared
from .plan import Plan

HER2_GROUP = "her2_group"
HER2_TYPE = "her2_type"
HER2_ONCOGENICITY = "her2_oncogenicity"
CODRIVER_GROUP = "codriver_group"
DERIVED = (HER2_GROUP, HER2_TYPE, HER2_ONCOGENICITY, CODRIVER_GROUP)

ALTERED, NOT_ALTERED = "altered", "not altered"
MUTATION, AMPLIFICATION, BOTH = "mutation", "amplification", "mutation and amplification"
ONCOGENIC, VUS = "oncogenic", "VUS only"
# row set -> (derived column, levels, label)
ROW_SETS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "altered": (HER2_GROUP, (ALTERED, NOT_ALTERED), "HER2 altered"),
    "type": (HER2_TYPE, (MUTATION, AMPLIFICATION, BOTH, NOT_ALTERED), "HER2 alteration type"),
    "tier": (HER2_ONCOGENICITY, (ONCOGENIC, VUS, NOT_ALTERED), "HER2 oncogenicity (best tier)"),
}
# her2_tier is the best tier, or "<best tier> only" when no event counts (classify.tiers)
TIER_LEVEL = {"oncogenic": ONCOGENIC, "likely_oncogenic": ONCOGENIC, "uncertain": VUS,
              "likely_benign": NOT_ALTERED, "none": NOT_ALTERED}
ALL_GROUPS = "all groups"
REST = "rest"
NO_EVENT = "no"


def _tested(cells: np.ndarray | None, n: int) -> np.ndarray:
    """A co-driver column read as "was the gene looked at": its events or "no". "not tested", an
    empty cell (a cohort written before testing was recorded) or no column at all: not tested."""
    if cells is None:
        return np.zeros(n, dtype=bool)
    return np.array([c is not None and c != NOT_TESTED for c in cells], dtype=bool)


def _event(cells: np.ndarray | None, n: int) -> np.ndarray:
    if cells is None:
        return np.zeros(n, dtype=bool)
    return np.array([c is not None and c not in (NOT_TESTED, NO_EVENT) for c in cells], dtype=bool)


@dataclasses.dataclass
class Derived:
    """What ``derive`` found: per-patient facts the comparisons need, and notes for the results."""

    assessed: np.ndarray  # ERBB2 assessed (the plan's conditions, and her2_altered yes or no)
    tested: dict[str, np.ndarray]  # gene -> looked at
    notes: list[str]
    missing: dict[str, str]  # optional column -> what is not applicable without it


def _check_inputs(table: CohortTable, plan: Plan, cp: CoalterationPlan) -> None:
    missing = [(c, w) for c, w in cp.required_columns().items() if c not in table.columns]
    if missing:
        named = "; ".join(f"{shown(c)} (plan: {w})" for c, w in missing)
        raise InputError(f"{table.path}: the plan {shown(plan.name)} ({plan.source}) names column(s) the cohort "
                         f"lacks: {named}. The cohort's columns are: "
                         f"{', '.join(shown(c, bare=True) for c in table.columns)}. Fix the column names in a copy "
                         "of the plan (--plan my_plan.yaml) or rebuild the cohort with 'her2var cohort'.")
    taken = [c for c in DERIVED if c in table.columns]
    if taken:
        raise InputError(f"{table.path}: the cohort already has column(s) {', '.join(shown(c) for c in taken)}, which "
                         f"the plan {shown(plan.name)} derives from the HER2 and co-driver columns; rename them in "
                         "the cohort")


def derive(table: CohortTable, plan: Plan) -> tuple[CohortTable, Plan, Derived]:
    """The cohort with the derived columns added, the plan with the delayed entry the cohort allows,
    and what the comparisons need. A plan without a coalteration section is returned unchanged."""
    cp = plan.coalteration
    n = table.n
    if cp is None:
        return table, plan, Derived(np.zeros(n, dtype=bool), {}, [], {})
    _check_inputs(table, plan, cp)
    cells = table.cells
    notes: list[str] = []
    missing: dict[str, str] = {}
    altered = cells[cp.her2_altered]
    assessed = np.array([a in ("yes", "no") for a in altered], dtype=bool)
    for cond in cp.her2_assessed:
        assessed &= np.array([c in cond.values for c in cells[cond.column]], dtype=bool)

    group = np.array([NOT_TESTED if not ok else ALTERED if a == "yes" else NOT_ALTERED
                      for ok, a in zip(assessed, altered, strict=True)], dtype=object)
    new = {HER2_GROUP: group}
    if cp.her2_classes is not None and cp.her2_classes in table.columns:
        new[HER2_TYPE] = np.array([_her2_type(ok, a, c) for ok, a, c in
                                   zip(assessed, altered, cells[cp.her2_classes], strict=True)], dtype=object)
    elif "type" in cp.her2_rows:
        missing["type"] = f"the cohort has no column {shown(cp.her2_classes, bare=True)}"
    if cp.her2_tier is not None and cp.her2_tier in table.columns:
        new[HER2_ONCOGENICITY] = np.array([_her2_tier(ok, t) for ok, t in zip(assessed, cells[cp.her2_tier],
                                                                                  strict=True)], dtype=object)
    elif "tier" in cp.her2_rows:
        missing["tier"] = f"the cohort has no column {shown(cp.her2_tier, bare=True)}"

    genes = cp.genes
    columns = {g: cells.get(f"{cp.codriver_prefix}{g}") for g in genes}
    absent = [shown(f"{cp.codriver_prefix}{g}", bare=True) for g, c in columns.items() if c is None]
    if absent:
        notes.append(f"the cohort has no column {', '.join(absent)}: every patient counts as not tested for "
                     f"{'that gene' if len(absent) == 1 else 'those genes'}")
    tested = {g: _tested(c, n) for g, c in columns.items()}
    events = {g: _event(c, n) for g, c in columns.items()}
    dg = cells.get(cp.driver_group) if cp.driver_group else None
    if cp.driver_group and dg is None:
        notes.append(f"the cohort has no column {shown(cp.driver_group, bare=True)}: a patient's group is the first "
                     "group with an event in one of its genes, whatever the event's oncogenicity tier")
    owners = {g.driver_group: g.name for g in cp.groups if g.driver_group is not None}
    everything = np.logical_and.reduce([tested[g] for g in genes]) if genes else np.ones(n, dtype=bool)
    codriver = np.empty(n, dtype=object)
    for i in range(n):
        codriver[i] = _codriver_group(i, cp, dg, owners, events, bool(everything[i]))
    new[CODRIVER_GROUP] = codriver

    table = dataclasses.replace(table, columns=[*table.columns, *new], cells={**cells, **new})
    plan = _delayed_entry(plan, cp, table, notes)
    return table, plan, Derived(assessed, tested, notes, missing)


def _her2_type(ok: bool, altered: str | None, classes: str | None) -> str:
    if not ok:
        return NOT_TESTED
    if altered != "yes":
        return NOT_ALTERED
    found = {c.strip() for c in (classes or "").split(";") if c.strip()}
    if not found:
        return "no class recorded"
    amp, mut = AMPLIFICATION in found, bool(found - {AMPLIFICATION})
    return BOTH if amp and mut else AMPLIFICATION if amp else MUTATION


def _her2_tier(ok: bool, tier: str | None) -> str:
    if not ok:
        return NOT_TESTED
    base = (tier or "").removesuffix(" only")
    return TIER_LEVEL.get(base, "not tiered")


def _codriver_group(i: int, cp: CoalterationPlan, dg: np.ndarray | None, owners: dict[str, str],
                    events: dict[str, np.ndarray], all_tested: bool) -> str:
    if dg is not None:
        if dg[i] is None:  # no sample, or one that failed: nothing is known
            return NOT_TESTED
        if dg[i] in owners:
            return owners[dg[i]]
    for g in cp.groups:
        if g.driver_group is not None and dg is not None:
            continue  # the cohort's driver_group decides these (an event below a driver tier does not count)
        if any(events[gene][i] for gene in g.genes):
            return g.name
    return cp.none_group if all_tested else NOT_TESTED


def _delayed_entry(plan: Plan, cp: CoalterationPlan, table: CohortTable, notes: list[str]) -> Plan:
    if cp.delayed_entry is None:
        notes.append("no delayed entry: the plan names no entry column (survival from an origin before the sequenced "
                     "sample, as in registry cohorts, overstates survival without it)")
        return plan
    if cp.delayed_entry not in table.columns:
        notes.append(f"no delayed entry: the cohort has no column {shown(cp.delayed_entry, bare=True)}")
        return plan
    notes.append(f"delayed entry from column {shown(cp.delayed_entry, bare=True)}")
    endpoints = tuple(e if e.entry is not None else dataclasses.replace(e, entry=cp.delayed_entry)
                      for e in plan.endpoints)
    return dataclasses.replace(plan, endpoints=endpoints)


# ---------------------------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------------------------
def _f(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def _pct(k: int, total: int) -> float | None:
    return 100.0 * k / total if total else None


def compare(plan: Plan, prep: Prepared, derived: Derived) -> dict[str, Any]:
    """{"tests": [...], "counts": [...], "info": {...}}: one test record per (HER2 row set,
    comparison), the counts behind it, and what the derivation and stratification found."""
    cp = plan.coalteration
    assert cp is not None  # only called for a plan with the section
    cells = prep.table.cells
    pop = prep.in_population
    groups = cells[CODRIVER_GROUP]
    strata, strata_reason = _strata(cp, prep)
    tests: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    for rows in cp.her2_rows:
        column, levels, label = ROW_SETS[rows]
        if rows in derived.missing:
            tests.append({"her2_rows": rows, "comparison": None, "test": None,
                          "note": f"not applicable: {derived.missing[rows]}"})
            continue
        her2 = cells[column]
        known = pop & np.isin(her2, levels)
        base = {"her2_rows": rows, "her2_label": label,
                "n_her2_not_assessed": int((pop & ~derived.assessed).sum()),
                "n_her2_unclassified": int((pop & derived.assessed & ~known).sum())}
        for name, genes in [*((g.name, g.genes) for g in cp.groups), (cp.none_group, cp.genes),
                            (ALL_GROUPS, cp.genes)]:
            tested = np.logical_and.reduce([derived.tested[g] for g in genes])
            inside = known & tested
            rec = {**base, "comparison": name, "genes": list(genes), "n_not_tested": int((known & ~tested).sum())}
            if name == ALL_GROUPS:
                columns = list(cp.group_names)
                col_of = groups
            else:
                columns = [name, REST]
                col_of = np.where(groups == name, name, REST)
            inside &= np.isin(col_of, columns)  # (all groups: every included patient has a group)
            table = np.array([[int((inside & (her2 == lv) & (col_of == c)).sum()) for c in columns] for lv in levels])
            totals = table.sum(axis=0)
            for r, lv in enumerate(levels):
                for j, c in enumerate(columns):
                    counts.append({"her2_rows": rows, "comparison": name, "column": c, "her2": lv,
                                   "n": int(table[r, j]), "total": int(totals[j]),
                                   "pct": _pct(int(table[r, j]), int(totals[j]))})
            rec.update(n=int(table.sum()), columns=columns,
                       column_totals={c: int(t) for c, t in zip(columns, totals, strict=True)})
            rec.update(_unstratified(table, rows, name))
            rec.update(_stratified(cp, table.shape, inside, her2, levels, col_of, columns, strata, strata_reason))
            tests.append(rec)
    info = {
        "derived_columns": {HER2_GROUP: list(ROW_SETS["altered"][1]), HER2_TYPE: list(ROW_SETS["type"][1]),
                            HER2_ONCOGENICITY: list(ROW_SETS["tier"][1]), CODRIVER_GROUP: list(cp.group_names)},
        "her2_assessed": [{"column": a.column, "values": list(a.values)} for a in cp.her2_assessed],
        "groups": [{"name": g.name, "genes": list(g.genes), "driver_group": g.driver_group} for g in cp.groups]
        + [{"name": cp.none_group, "genes": list(cp.genes), "driver_group": None}],
        "patients": {"in_population": int(pop.sum()), "her2_assessed": int((pop & derived.assessed).sum()),
                     "her2_not_assessed": int((pop & ~derived.assessed).sum()),
                     "by_codriver_group": {g: int((pop & (groups == g)).sum()) for g in cp.group_names},
                     "codriver_group_not_known": int((pop & (groups == NOT_TESTED)).sum())},
        "stratify": {"column": cp.stratify, "applicable": strata is not None, "reason": strata_reason,
                     "strata": sorted({s for s in strata[pop] if s is not None}) if strata is not None else []},
        "correct": cp.correct,
        "one_sample_per_patient": _one_sample(prep),
        "notes": derived.notes,
    }
    return {"tests": tests, "counts": counts, "info": info}


def attach(plan: Plan, prep: Prepared, derived: Derived,
           records: dict[str, list[dict[str, Any]]]) -> dict[str, Any] | None:
    """For a plan with a coalteration section: its test and count records added to the analysis
    records (``coalteration_tests``, ``coalteration_counts``), and what results.json says about the
    derivation; None for any other plan."""
    if plan.coalteration is None:
        return None
    found = compare(plan, prep, derived)
    records["coalteration_tests"] = found["tests"]
    records["coalteration_counts"] = found["counts"]
    return found["info"]


def _one_sample(prep: Prepared) -> str:
    several = prep.table.cells.get("n_samples")
    text = ("one row per patient (the cohort's rule: the sample chosen by its sample selection rule, column "
            "sample_choice, stands for the patient)")
    if several is None:
        return text
    k = sum(1 for c, keep in zip(several, prep.in_population, strict=True) if keep and c not in (None, "0", "1"))
    return f"{text}; {k} patient(s) had more than one sample"


def _unstratified(table: np.ndarray, rows: str, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {"test": None, "statistic": None, "df": None, "p": None, "expected_min": None,
                           "odds_ratio": None, "or_ci_low": None, "or_ci_high": None, "note": ""}
    if table.sum() == 0:
        out["note"] = "no test: no patient tested for both ERBB2 and the group's genes"
        return out
    from ..stats import cmh_test, compare_table  # scipy: imported once the cohort's figures are drawing

    res = compare_table(table)
    out.update(test=res["test"], statistic=_f(res["statistic"]), df=res["df"], p=_f(res["p"]),
               expected_min=_f(res["expected_min"]), note=res["note"])
    if rows == "altered" and table.shape == (2, 2):
        # the odds of HER2 alteration in the group against the rest (or the first group against the
        # second): the Mantel-Haenszel estimate on one stratum, with Woolf's CI
        try:
            mh = cmh_test(table[:, :, None])
        except InputError:
            return out
        out.update(odds_ratio=_f(mh.estimate), or_ci_low=_f(mh.ci_low), or_ci_high=_f(mh.ci_high))
        if out["odds_ratio"] is None or out["or_ci_low"] is None or out["or_ci_high"] is None:
            out["note"] = "; ".join(x for x in (out["note"], "odds ratio or its CI not finite (a zero cell)") if x)
    return out


def _strata(cp: CoalterationPlan, prep: Prepared) -> tuple[np.ndarray | None, str]:
    if cp.stratify is None:
        return None, "not applicable: the plan names no column to stratify by"
    cells = prep.table.cells.get(cp.stratify)
    if cells is None:
        return None, f"not applicable: the cohort has no column {shown(cp.stratify, bare=True)}"
    return cells, ""


def _stratified(cp: CoalterationPlan, shape: tuple[int, ...], inside: np.ndarray, her2: np.ndarray,
                levels: tuple[str, ...], col_of: np.ndarray, columns: list[str], strata: np.ndarray | None,
                reason: str) -> dict[str, Any]:
    out: dict[str, Any] = {"stratified_by": cp.stratify, "cmh_test": None, "cmh_statistic": None, "cmh_df": None,
                           "cmh_p": None, "mh_odds_ratio": None, "mh_ci_low": None, "mh_ci_high": None, "cmh_n": None,
                           "cmh_strata": None, "cmh_strata_dropped": None, "n_no_stratum": None, "cmh_note": reason}
    if strata is None:
        return out
    if not inside.any():
        out["cmh_note"] = "no test: no patient in the comparison"
        return out
    has = np.array([s is not None for s in strata], dtype=bool)
    out["n_no_stratum"] = int((inside & ~has).sum())
    use = inside & has
    names = sorted(set(strata[use]))
    if not names:
        out["cmh_note"] = "no test: no patient with a stratum"
        return out
    table = np.zeros((*shape, len(names)), dtype=np.int64)
    for k, s in enumerate(names):
        sel = use & (strata == s)
        for r, lv in enumerate(levels):
            for j, c in enumerate(columns):
                table[r, j, k] = int((sel & (her2 == lv) & (col_of == c)).sum())
    notes = []
    keep_r, keep_c = table.sum(axis=(1, 2)) > 0, table.sum(axis=(0, 2)) > 0
    if not keep_r.all() or not keep_c.all():
        notes.append(f"dropped {int((~keep_r).sum())} all-zero row(s) and {int((~keep_c).sum())} all-zero column(s)")
        table = table[keep_r][:, keep_c]
    if table.shape[0] < 2 or table.shape[1] < 2:
        nothing = f"no test: a {table.shape[0]}x{table.shape[1]} table has nothing to compare"
        out["cmh_note"] = "; ".join([*notes, nothing])
        return out
    from ..stats import cmh_test

    try:
        res = cmh_test(table, correct=cp.correct)
    except InputError as exc:
        out["cmh_note"] = "; ".join([*notes, f"no test: {exc}"])
        return out
    if res.strata_dropped:
        notes.append(f"{len(res.strata_dropped)} stratum/strata with fewer than 2 patients left out")
    if res.strata == 1:
        notes.append("one stratum: the same as the test without strata")
    out.update(cmh_test=res.method, cmh_statistic=_f(res.statistic), cmh_df=res.df, cmh_p=_f(res.p),
               mh_odds_ratio=_f(res.estimate), mh_ci_low=_f(res.ci_low), mh_ci_high=_f(res.ci_high), cmh_n=res.n,
               cmh_strata=res.strata, cmh_strata_dropped=len(res.strata_dropped), cmh_note="; ".join(notes))
    return out
