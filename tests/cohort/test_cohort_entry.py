"""Delayed entry from the sample date: the cohort's pfs_entry_* / os_entry_* columns, and a plan's
``entry:`` reading them (a patient sequenced after first-line start enters the risk sets then)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from conftest import FIXTURES, write

from her2var.analysis.plan import builtin_plans, plan_from_tree
from her2var.analysis.run import analyze
from her2var.cohort.build import ENTRY_COLUMNS, build_cohort
from her2var.cohort.derive import MONTH_DAYS, sample_entry
from her2var.cohort.export import write_cohort

CLIN = FIXTURES / "clinical"
TODAY = dt.date(2026, 1, 1)


@pytest.mark.parametrize("start, sampled, days", [
    (dt.date(2021, 10, 6), dt.date(2021, 11, 15), 40),  # sequenced after the start: 40 days of immortal time
    (dt.date(2021, 10, 6), dt.date(2021, 10, 6), 0),
    (dt.date(2021, 10, 6), dt.date(2021, 9, 16), 0),  # before the start: at risk from the origin
    (None, dt.date(2021, 9, 16), None),
    (dt.date(2021, 10, 6), None, None),
])
def test_sample_entry(start, sampled, days) -> None:
    assert sample_entry(start, sampled) == days


def sheet_with(tmp_path, changes: dict[str, str]):
    """The fixture samples sheet with some collection dates changed ('' : undated)."""
    lines = (CLIN / "clean_samples.tsv").read_text().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        sample, patient, date = (line.split("\t") + [""])[:3]
        out.append("\t".join((sample, patient, changes.get(sample, date))))
    return write(tmp_path, "samples.tsv", "\n".join(out) + "\n")


@pytest.fixture()
def cohort(tmp_path):
    # P001 starts 2021-10-06, progresses after 74 days (2021-12-19), is last seen after 257 days.
    # S001 now taken 40 days after the start; S002 (P002) undated; S003 (P003) as in the fixture,
    # before its start; S004 (P004, start 2021-07-30, PFS 241 days) taken after its progression.
    sheet = sheet_with(tmp_path, {"S001": "2021-11-15", "S002": "", "S004": "2022-04-01"})
    res = build_cohort(str(CLIN / "clean_cohort.csv"), [str(CLIN / "clean_calls")], samples_sheet=str(sheet),
                       today=TODAY)
    return res, {r["patient_id"]: r for r in res.rows}


def test_cohort_entry_columns_follow_the_sample_date(cohort) -> None:
    res, rows = cohort
    assert all(c in res.columns for c in ENTRY_COLUMNS)
    p1 = rows["P001"]
    assert (p1["pfs_entry_days"], p1["os_entry_days"]) == (40, 40)
    assert p1["pfs_entry_months"] == pytest.approx(40 / MONTH_DAYS)
    assert rows["P002"]["pfs_entry_days"] is None and rows["P002"]["pfs_entry_months"] is None
    assert rows["P003"]["pfs_entry_days"] == 0 and rows["P003"]["os_entry_months"] == 0.0
    assert rows["P004"]["pfs_entry_days"] == (dt.date(2022, 4, 1) - dt.date(2021, 7, 30)).days


def test_a_plan_entry_uses_the_cohort_column(cohort, tmp_path) -> None:
    res, rows = cohort
    tsv = tmp_path / "cohort" / "cohort.tsv"
    write_cohort(res, str(tsv))
    tree = yaml.safe_load(builtin_plans()["first-line-regimens"].read_text())
    for ep in tree["endpoints"]:
        ep["entry"] = f"{ep['name']}_entry_months"
        ep.pop("require_yes", None)
    tree["population"] = []
    tree.pop("subgroups", None)
    tree.pop("cox", None)
    tree["response"]["distribution_test"] = []
    tree["figures"] = {"km": False, "forest": False, "response": False}
    plan = plan_from_tree(tree, "entry.yaml")
    out = tmp_path / "analysis"
    analyze(str(tsv), plan, str(out), figures=False)
    got = json.loads((out / "results.json").read_text())
    why = {(x["patient_id"], x["analysis"]): x["reason"] for x in got["exclusions"]}
    # undated sample: no entry time, so out of both endpoints; sampled after progression: never at
    # risk for PFS after entry, still in OS (alive at 2022-04-01)
    assert "pfs_entry_months is empty" in why[("P002", "pfs")]
    assert "never at risk after entry" in why[("P004", "pfs")]
    assert ("P004", "os") not in why
    overall = next(r for r in got["km"] if r["endpoint"] == "pfs" and r["group_by"] == "all")
    pfs_known = [r for r in rows.values() if r["pfs_days"] is not None]
    assert overall["n"] == len(pfs_known) - 2 and overall["entry"] == "pfs_entry_months"
