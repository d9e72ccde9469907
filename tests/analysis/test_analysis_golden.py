"""results.json of `her2var analyze` on fixtures/analysis/cohort.tsv against R (survival 3.5, stats).

tests/golden/analysis/make_expected.R applies both built-in plans to the same cohort in R and
writes tests/golden/analysis/expected.json; R is not needed to run these tests. Every record R
produced must be in results.json with the same numbers, and every record results.json has must
be in R's output (or be a labelled "no patients" / "beyond follow-up" / "no test" record).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from her2var.analysis.run import analyze

ROOT = Path(__file__).resolve().parents[2]
COHORT = ROOT / "fixtures" / "analysis" / "cohort.tsv"
EXPECTED = json.loads((ROOT / "tests" / "golden" / "analysis" / "expected.json").read_text())
PLANS = list(EXPECTED["plans"])
TEST_NAMES = {"chi-square": "chi-square", "fisher": "fisher", "kruskal": "Kruskal-Wallis", "wilcox": "Mann-Whitney"}


@pytest.fixture(scope="module", params=PLANS)
def run(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("golden") / "out"
    analyze(str(COHORT), request.param, str(out), figures=False)
    return request.param, json.loads((out / "results.json").read_text()), EXPECTED["plans"][request.param]


def same(a, b, *, rel=1e-9, abs_=1e-12) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, rel=rel, abs=abs_)


def index(records, keys):
    out = {}
    for r in records:
        k = tuple(json.dumps(float(v) if isinstance(v, (int, float)) else v)
                  for v in (r.get(key) for key in keys))
        assert k not in out, f"duplicate record {k}"
        out[k] = r
    return out


def test_km_medians_and_cis_match_r(run):
    _, got, exp = run
    keys = ("endpoint", "group_by", "subgroup", "group")
    mine, theirs = index(got["km"], keys), index(exp["km"], keys)
    assert set(theirs) <= set(mine)
    for k, r in mine.items():
        if k not in theirs:
            assert r["n"] == 0 and r["note"] == "no patients", r
            continue
        e = theirs[k]
        assert (r["n"], r["events"]) == (e["n"], e["events"]), k
        for a, b in (("median", "median"), ("ci_low", "lower"), ("ci_high", "upper")):
            assert same(r[a], e[b]), (k, a, r[a], e[b])
        assert r["ci_method"] == "log"


def test_landmark_survival_matches_r(run):
    _, got, exp = run
    keys = ("endpoint", "group_by", "subgroup", "group", "time")
    mine, theirs = index(got["landmarks"], keys), index(exp["landmarks"], keys)
    assert set(theirs) <= set(mine)
    for k, r in mine.items():
        if k not in theirs:
            assert r["surv"] is None and "beyond last follow-up" in r["note"], r
            continue
        e = theirs[k]
        assert r["n_risk"] == e["n_risk"], k
        for a, b in (("surv", "surv"), ("ci_low", "lower"), ("ci_high", "upper")):
            assert same(r[a], e[b], rel=1e-9), (k, a)


def test_logrank_and_pairwise_match_r(run):
    _, got, exp = run
    keys = ("endpoint", "group_by", "subgroup")
    mine, theirs = index(got["logrank"], keys), index(exp["logrank"], keys)
    for k, r in mine.items():
        if k not in theirs:
            assert r["p"] is None and r["note"].startswith("no test"), r
            continue
        e = theirs[k]
        assert same(r["chisq"], e["chisq"], rel=1e-8) and r["df"] == e["df"] and same(r["p"], e["p"], rel=1e-8), k
    assert set(theirs) <= set(mine)
    pkeys = ("endpoint", "group_by", "subgroup", "group1", "group2")
    mine, theirs = index(got["logrank_pairwise"], pkeys), index(exp["pairwise"], pkeys)
    assert set(mine) == set(theirs)
    for k, r in mine.items():
        assert same(r["p"], theirs[k]["p"], rel=1e-8), k
        assert same(r["p_adjusted"], theirs[k]["p_adjusted"], rel=1e-8), k
        assert r["adjust"] == "holm"


def test_median_follow_up_matches_r(run):
    _, got, exp = run
    keys = ("endpoint", "group_by", "group")
    mine, theirs = index(got["follow_up"], keys), index(exp["follow_up"], keys)
    for k, r in mine.items():
        if r["n"] == 0:
            assert k not in theirs and r["median"] is None
            continue
        e = theirs[k]
        for a, b in (("median", "median"), ("ci_low", "lower"), ("ci_high", "upper")):
            assert same(r[a], e[b]), (k, a)
        assert r["method"] == "reverse Kaplan-Meier"


def test_response_rates_and_tests_match_r(run):
    _, got, exp = run
    keys = ("group_by", "subgroup", "group")
    mine, theirs = index(got["response"], keys), index(exp["response"], keys)
    for k, r in mine.items():
        if r["n"] == 0:
            assert k not in theirs and r["orr"] is None
            continue
        e = theirs[k]
        assert r["n"] == e["n"], k
        for a in ("orr", "dcr"):
            assert same(r[a], e[a]) and same(r[f"{a}_ci_low"], e[f"{a}_lower"], rel=1e-9), (k, a)
            assert same(r[f"{a}_ci_high"], e[f"{a}_upper"], rel=1e-9), (k, a)
        assert r["ci_method"] == "clopper-pearson" and r["denominator"] == "all"
    tkeys = ("group_by", "subgroup", "measure")
    mine, theirs = index(got["response_tests"], tkeys), index(exp["response_tests"], tkeys)
    for k, e in theirs.items():
        r = mine[k]
        assert r["test"] == e["test"], k
        assert same(r["p"], e["p"], rel=1e-7), (k, r["p"], e["p"])
    for k, r in mine.items():
        if k not in theirs:
            assert r["p"] is None and r["note"].startswith("no test"), r


def test_table1_tests_match_r(run):
    _, got, exp = run
    mine = {r["variable"]: r for r in got["table1"]}
    for e in exp["table1"]:
        r = mine[e["variable"]]
        if e["test"] is None:
            assert r["test"] is None and r["p"] is None
            continue
        assert r["test"].startswith(TEST_NAMES[e["test"]]), (r["test"], e["test"])
        assert same(r["p"], e["p"], rel=1e-7), (e["variable"], r["p"], e["p"])


def test_cox_models_match_r(run):
    _, got, exp = run
    keys = ("endpoint", "model", "covariates", "term")
    mine, theirs = index(got["cox"], keys), index(exp["cox"], keys)
    assert set(mine) == set(theirs)
    for k, r in mine.items():
        e = theirs[k]
        assert (r["n"], r["events"]) == (e["n"], e["events"]), k
        assert r["status"] == "ok" and r["ties"] == "efron" and r["ci_method"] == "Wald"
        # The fit repeats R's coxph iteration, so it agrees far below the 1e-5.
        for a, b in (("hr", "hr"), ("ci_low", "lower"), ("ci_high", "upper")):
            assert same(r[a], e[b], rel=1e-9), (k, a, r[a], e[b])
        assert same(r["p"], e["p"], rel=1e-8, abs_=1e-12), (k, r["p"], e["p"])
