"""her2var.stats against R (survival 3.5, stats): expected values in tests/golden/expected.json.

The JSON is written by tests/golden/make_golden.R from the cohorts that
scripts/make_golden_cohorts.py writes; R is not needed to run these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2var.stats.cox import cox_fit, cox_univariable
from her2var.stats.fisher import fisher_exact_rxc
from her2var.stats.km import kaplan_meier, kaplan_meier_by_group, survival_at
from her2var.stats.logrank import logrank_test, pairwise_logrank
from her2var.stats.quantiles import median_follow_up, median_survival
from her2var.stats.tables import (
    clopper_pearson,
    compare_categorical,
    compare_continuous,
    compare_table,
    response_rates,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
EXPECTED = json.loads((GOLDEN / "expected.json").read_text())
COHORTS = list(EXPECTED["cohorts"])
CONF_TYPES = ["log", "log-log", "plain"]


def cohort(name: str) -> pd.DataFrame:
    d = pd.read_csv(GOLDEN / f"cohort_{name}.csv", dtype={"ecog": "object"})
    d["responder"] = np.where(d["best_response"].isin(["CR", "PR"]), "yes", "no")
    return d


def same(a: float | None, b: float | None, *, rel: float = 0.0, abs_: float = 1e-9) -> bool:
    """Both missing (NR / NA), or both numbers within tolerance."""
    if a is None or b is None:
        return a is None and b is None
    return b == pytest.approx(a, rel=rel, abs=abs_)


def curves(name: str, conf_type: str) -> dict:
    d = cohort(name)
    out = kaplan_meier_by_group(d["time"], d["event"], d["group"], conf_type=conf_type)
    out["all"] = kaplan_meier(d["time"], d["event"], conf_type=conf_type)
    return out


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", COHORTS)
@pytest.mark.parametrize("rule", ["quantile", "print"])
def test_median_and_ci_match_r(name: str, conf_type: str, rule: str) -> None:
    expected = EXPECTED["cohorts"][name]["km"][conf_type]
    got = curves(name, conf_type)
    assert sorted(got) == sorted(expected)
    for group, exp in expected.items():
        med = median_survival(got[group], conf_type, rule=rule)
        want = exp[rule]
        assert (med.n, med.events) == (exp["n"], exp["events"])
        assert med.ci_method == conf_type
        for key in ("median", "lower", "upper"):
            assert same(want[key], getattr(med, key)), (group, key, want[key], getattr(med, key))


def test_golden_cohorts_cover_the_nasty_cases() -> None:
    km = EXPECTED["cohorts"]["km_edge"]["km"]["log"]
    assert km["half"]["quantile"]["median"] == 5.5  # flat at exactly 0.5 over [5, 6)
    assert km["not_reached"]["quantile"]["median"] is None
    assert km["upper_nr"]["quantile"]["upper"] is None and km["upper_nr"]["quantile"]["median"] == 10.5
    assert km["all_censored"]["events"] == 0
    # the two R rules disagree only when the curve ends flat at 0.5
    assert km["ends_half"]["quantile"]["median"] == 7 and km["ends_half"]["print"]["median"] == 5
    tests = [x for c in EXPECTED["cohorts"].values() for x in c["categorical"].values()]
    assert any(min(len(x["rows"]), len(x["cols"])) > 2 and x["expected_min"] < 5 for x in tests)


@pytest.mark.parametrize("name", COHORTS)
def test_survival_table_matches_r(name: str) -> None:
    got = curves(name, "log")
    for group, exp in EXPECTED["cohorts"][name]["tables"].items():
        table = got[group].table()
        for key, want in exp.items():
            want = np.array([np.nan if x is None else x for x in np.atleast_1d(want)], dtype=float)
            np.testing.assert_allclose(table[key], want, rtol=1e-9, atol=1e-12, err_msg=f"{group} {key}")


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", COHORTS)
def test_landmark_survival_matches_r(name: str, conf_type: str) -> None:
    got = curves(name, conf_type)
    for group, exp in EXPECTED["cohorts"][name]["landmarks"][conf_type].items():
        rows = survival_at(got[group], [6, 12, 24])
        reported = [r for r in rows if r.surv is not None]
        # R leaves out landmarks beyond the last follow-up (a curve that fell to 0 stays at 0, R's
        # extend = TRUE); here they come back as None.
        assert [r.time for r in reported] == list(np.atleast_1d(exp["time"]))
        for i, r in enumerate(reported):
            for key, attr in (("surv", "surv"), ("std.err", "std_err"), ("lower", "lower"),
                              ("upper", "upper"), ("n.risk", "n_risk")):
                want = np.atleast_1d(exp[key])[i]
                assert same(want, getattr(r, attr), rel=1e-9), (group, r.time, key)


@pytest.mark.parametrize("name", COHORTS)
def test_reverse_km_follow_up_matches_r(name: str) -> None:
    d = cohort(name)
    exp = EXPECTED["cohorts"][name]["followup"]
    for rule in ("quantile", "print"):
        med = median_follow_up(d["time"], d["event"], rule=rule)
        for key in ("median", "lower", "upper"):
            assert same(exp["all"][rule][key], getattr(med, key)), (rule, key)
        for group, sub in d.groupby("group"):
            med = median_follow_up(sub["time"], sub["event"], rule=rule)
            assert same(exp[group][rule]["median"], med.median), (group, rule)


@pytest.mark.parametrize("name", COHORTS)
def test_logrank_matches_survdiff(name: str) -> None:
    d = cohort(name)
    exp = EXPECTED["cohorts"][name]["logrank"]
    res = logrank_test(d["time"], d["event"], d["group"])
    assert list(res.groups) == exp["groups"]
    assert res.df == exp["df"]
    assert res.chisq == pytest.approx(exp["chisq"], rel=1e-8)
    assert res.p == pytest.approx(exp["p"], rel=1e-8, abs=1e-14)
    np.testing.assert_allclose(res.observed, exp["observed"], rtol=1e-12)
    np.testing.assert_allclose(res.expected, exp["expected"], rtol=1e-9)


@pytest.mark.parametrize("adjust", ["holm", "BH"])
@pytest.mark.parametrize("name", COHORTS)
def test_pairwise_logrank_matches_r(name: str, adjust: str) -> None:
    d = cohort(name)
    exp = EXPECTED["cohorts"][name]["logrank"]["pairwise"]
    got = pairwise_logrank(d["time"], d["event"], d["group"], adjust=adjust)
    assert [(g.group1, g.group2) for g in got] == [(e["group1"], e["group2"]) for e in exp]
    for g, e in zip(got, exp):
        assert g.chisq == pytest.approx(e["chisq"], rel=1e-8)
        assert g.p == pytest.approx(e["p"], rel=1e-8, abs=1e-14)
        assert g.p_adjusted == pytest.approx(e[adjust], rel=1e-8, abs=1e-14)
        assert g.adjust == adjust


COX_COHORTS = [n for n in COHORTS if "cox_multi" in EXPECTED["cohorts"][n]]


def check_cox(model, exp: dict) -> None:
    assert model.status == "ok", model.reason
    assert (model.n, model.events) == (exp["n"], exp["events"])
    assert [t.term for t in model.terms] == [t["term"] for t in exp["terms"]]
    # The Newton–Raphson fit follows coxph's own iteration (same start, steps and stopping rule), so
    # it lands on R's numbers to rounding (~1e-14 on these cases), not merely near R's optimum.
    for t, e in zip(model.terms, exp["terms"]):
        for key in ("hr", "lower", "upper", "se"):
            assert getattr(t, key) == pytest.approx(e[key], rel=1e-10), (t.term, key)
        assert t.coef == pytest.approx(e["coef"], rel=1e-10, abs=1e-14)
        assert t.p == pytest.approx(e["p"], rel=1e-9)


@pytest.mark.parametrize("name", COX_COHORTS)
def test_cox_multivariable_matches_coxph(name: str) -> None:
    exp = EXPECTED["cohorts"][name]["cox_multi"]
    model = cox_fit(cohort(name), "time", "event", exp["covariates"], categorical=exp["references"])
    check_cox(model, exp)
    assert dict(model.references) == exp["references"]


@pytest.mark.parametrize("name", COX_COHORTS)
def test_cox_univariable_matches_coxph(name: str) -> None:
    exps = EXPECTED["cohorts"][name]["cox_uni"]
    refs = {k: v for e in exps for k, v in e["references"].items()}
    models = cox_univariable(cohort(name), "time", "event", [e["covariates"][0] for e in exps],
                             categorical=refs)
    for model, exp in zip(models, exps):
        assert model.kind == "univariable"
        check_cox(model, exp)


@pytest.mark.parametrize("name", COHORTS)
def test_categorical_comparisons_match_r(name: str) -> None:
    d = cohort(name)
    for var, exp in EXPECTED["cohorts"][name]["categorical"].items():
        table = np.array(exp["table"])
        got = compare_categorical(d[var], d["group"])
        assert got["table"] == table.tolist()
        assert got["levels"] == exp["rows"] and got["groups"] == exp["cols"]
        assert got["expected_min"] == pytest.approx(exp["expected_min"], rel=1e-12)
        want_test = "chi-square" if exp["expected_min"] >= 5 else "fisher"
        assert got["test"] == want_test
        if want_test == "fisher":
            assert got["p"] == pytest.approx(exp["fisher_p"], rel=1e-8, abs=1e-12), var
        else:
            assert got["statistic"] == pytest.approx(exp["chisq"], rel=1e-10)
            assert got["df"] == exp["df"]
            assert got["p"] == pytest.approx(exp["chisq_p"], rel=1e-8)
        assert fisher_exact_rxc(table) == pytest.approx(exp["fisher_p"], rel=1e-8, abs=1e-12), var


@pytest.mark.parametrize("case", range(len(EXPECTED["fisher_tables"])))
def test_fixed_tables_match_r(case: int) -> None:
    exp = EXPECTED["fisher_tables"][case]
    table = np.array(exp["table"])
    assert fisher_exact_rxc(table) == pytest.approx(exp["fisher_p"], rel=1e-8, abs=1e-12)
    got = compare_table(table)
    assert got["expected_min"] == pytest.approx(exp["expected_min"], rel=1e-12)
    if got["test"] == "chi-square":
        assert got["statistic"] == pytest.approx(exp["chisq"], rel=1e-10)
        assert got["p"] == pytest.approx(exp["chisq_p"], rel=1e-8)


@pytest.mark.parametrize("case", EXPECTED["binom"], ids=lambda c: f"{c['x']}/{c['n']}")
def test_clopper_pearson_matches_binom_test(case: dict) -> None:
    ci = clopper_pearson(case["x"], case["n"])
    assert ci.lower == pytest.approx(case["lower"], rel=1e-9, abs=1e-15)
    assert ci.upper == pytest.approx(case["upper"], rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("denominator", ["all", "evaluable"])
@pytest.mark.parametrize("name", COHORTS)
def test_response_rates_match_binom_test(name: str, denominator: str) -> None:
    d = cohort(name)
    exp = EXPECTED["cohorts"][name]["orr"][denominator]
    got = {r["group"]: r for r in response_rates(d["best_response"], d["group"], denominator=denominator)["groups"]}
    got["all"] = response_rates(d["best_response"], denominator=denominator)["groups"][0]
    for group, e in exp.items():
        for key in ("orr", "dcr"):
            g = got[group][key]
            assert (g["x"], g["n"]) == (e[key]["x"], e[key]["n"])
            assert g["lower"] == pytest.approx(e[key]["lower"], rel=1e-9, abs=1e-15)
            assert g["upper"] == pytest.approx(e[key]["upper"], rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("name", COHORTS)
def test_continuous_comparison_matches_r(name: str) -> None:
    d = cohort(name)
    exp = EXPECTED["cohorts"][name]["continuous"]
    if exp["test"] == "wilcox":
        approx = compare_continuous(d["age"], d["group"], exact=False)
        assert approx["statistic"] == exp["statistic"]
        assert approx["p"] == pytest.approx(exp["p_approx"], rel=1e-9)
        default = compare_continuous(d["age"], d["group"])
        assert default["p"] == pytest.approx(exp["p_default"], rel=1e-9)
    else:
        got = compare_continuous(d["age"], d["group"])
        assert got["test"] == "Kruskal-Wallis" and got["df"] == exp["df"]
        assert got["statistic"] == pytest.approx(exp["statistic"], rel=1e-9)
        assert got["p"] == pytest.approx(exp["p"], rel=1e-9)


def test_mann_whitney_exact_default_matches_r() -> None:
    exp = EXPECTED["wilcox"]
    group = ["x"] * len(exp["x"]) + ["y"] * len(exp["y"])
    got = compare_continuous(exp["x"] + exp["y"], group)
    assert got["test"] == "Mann-Whitney U (exact)"
    assert got["statistic"] == exp["statistic"]
    assert got["p"] == pytest.approx(exp["p_default"], rel=1e-9)
    approx = compare_continuous(exp["x"] + exp["y"], group, exact=False)
    assert approx["p"] == pytest.approx(exp["p_approx"], rel=1e-9)
