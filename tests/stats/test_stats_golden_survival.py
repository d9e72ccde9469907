"""Delayed entry, Breslow ties, NA and infinite Cox terms against R (survival 3.5).

Expected values: tests/golden/expected_survival.json, written by tests/golden/make_golden_survival.R
from the cohorts of scripts/make_golden_survival_cohorts.py (tests/golden/survival/) and of
scripts/make_golden_cohorts.py. R is not needed to run these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2var.stats.cox import cox_fit
from her2var.stats.km import kaplan_meier, kaplan_meier_by_group, survival_at
from her2var.stats.logrank import logrank_test, pairwise_logrank
from her2var.stats.quantiles import median_follow_up, median_survival

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
EXPECTED = json.loads((GOLDEN / "expected_survival.json").read_text())
ENTRY_COHORTS = list(EXPECTED["entry"])
CONF_TYPES = ["log", "log-log", "plain"]


def cohort(name: str) -> pd.DataFrame:
    folder = GOLDEN / "survival" if (GOLDEN / "survival" / f"cohort_{name}.csv").exists() else GOLDEN
    return pd.read_csv(folder / f"cohort_{name}.csv", dtype={"ecog": "object"})


def same(want: float | None, got: float | None, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    if want is None or got is None:
        return want is None and got is None
    return got == pytest.approx(want, rel=rel, abs=abs_)


def curves(name: str, conf_type: str) -> dict:
    d = cohort(name)
    out = kaplan_meier_by_group(d["time"], d["event"], d["group"], entry=d["entry"], conf_type=conf_type)
    out["all"] = kaplan_meier(d["time"], d["event"], entry=d["entry"], conf_type=conf_type)
    return out


# --- Kaplan-Meier -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ENTRY_COHORTS)
def test_survival_table_with_delayed_entry_matches_survfit(name: str) -> None:
    got = curves(name, "log")
    for group, exp in EXPECTED["entry"][name]["tables"].items():
        table = got[group].table()
        assert got[group].delayed_entry
        for key, want in exp.items():
            want = np.array([np.nan if x is None else x for x in np.atleast_1d(want)], dtype=float)
            np.testing.assert_allclose(table[key], want, rtol=1e-9, atol=1e-12, err_msg=f"{group} {key}")


def test_delayed_entry_changes_the_risk_sets() -> None:
    # Without the entry times the same patients give another curve: the test data must exercise it.
    d = cohort("entry_ties")
    late = kaplan_meier(d["time"], d["event"], entry=d["entry"])
    naive = kaplan_meier(d["time"], d["event"])
    assert late.n_risk[0] < naive.n_risk[0]
    assert not np.allclose(late.surv, naive.surv)


@pytest.mark.parametrize("rule", ["quantile", "print"])
@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", ENTRY_COHORTS)
def test_median_with_delayed_entry_matches_r(name: str, conf_type: str, rule: str) -> None:
    got = curves(name, conf_type)
    for group, exp in EXPECTED["entry"][name]["medians"][conf_type].items():
        med = median_survival(got[group], conf_type, rule=rule)
        assert (med.n, med.events) == (exp["n"], exp["events"])
        for key in ("median", "lower", "upper"):
            assert same(exp[rule][key], getattr(med, key)), (group, key)


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", ENTRY_COHORTS)
def test_landmarks_with_delayed_entry_match_summary_survfit(name: str, conf_type: str) -> None:
    got = curves(name, conf_type)
    for group, exp in EXPECTED["entry"][name]["landmarks"][conf_type].items():
        rows = [r for r in survival_at(got[group], [3, 6, 12, 24]) if r.surv is not None]
        assert [r.time for r in rows] == list(np.atleast_1d(exp["time"]))
        for i, r in enumerate(rows):
            for key, attr in (("surv", "surv"), ("std.err", "std_err"), ("lower", "lower"),
                              ("upper", "upper"), ("n.risk", "n_risk")):
                assert same(np.atleast_1d(exp[key])[i], getattr(r, attr)), (group, r.time, key)


@pytest.mark.parametrize("name", ENTRY_COHORTS)
def test_reverse_km_follow_up_with_delayed_entry_matches_r(name: str) -> None:
    d = cohort(name)
    exp = EXPECTED["entry"][name]["followup"]
    for rule in ("quantile", "print"):
        med = median_follow_up(d["time"], d["event"], entry=d["entry"], rule=rule)
        for key in ("median", "lower", "upper"):
            assert same(exp[rule][key], getattr(med, key)), (rule, key)


# --- log-rank -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ENTRY_COHORTS)
def test_logrank_over_entered_risk_sets(name: str) -> None:
    d = cohort(name)
    exp = EXPECTED["entry"][name]["logrank"]
    res = logrank_test(d["time"], d["event"], d["group"], entry=d["entry"])
    assert list(res.groups) == exp["groups"] and res.df == exp["df"]
    np.testing.assert_allclose(res.observed, exp["observed"], rtol=1e-12)
    np.testing.assert_allclose(res.expected, exp["expected"], rtol=1e-10)
    assert res.chisq == pytest.approx(exp["chisq"], rel=1e-9)
    assert res.p == pytest.approx(exp["p"], rel=1e-9)
    pairs = pairwise_logrank(d["time"], d["event"], d["group"], entry=d["entry"], adjust="holm")
    for got, want in zip(pairs, exp["pairwise"], strict=True):
        assert (got.group1, got.group2) == (want["group1"], want["group2"])
        assert got.chisq == pytest.approx(want["chisq"], rel=1e-9)
        assert got.p_adjusted == pytest.approx(want["holm"], rel=1e-9)
    plain = logrank_test(d["time"], d["event"], d["group"])
    assert plain.chisq != pytest.approx(res.chisq, rel=1e-3)  # entry times matter in these data


def test_logrank_with_delayed_entry_equals_coxph_score_test_on_untied_times() -> None:
    d = cohort("entry_untied")
    exp = EXPECTED["entry"]["entry_untied"]["logrank"]["coxph_score"]
    res = logrank_test(d["time"], d["event"], d["group"], entry=d["entry"])
    assert (res.chisq, res.df) == (pytest.approx(exp["chisq"], rel=1e-9), exp["df"])
    m = cox_fit(d, "time", "event", ["group"], categorical={"group": "A"}, entry="entry")
    assert m.score_test is not None and m.score_test[0] == pytest.approx(exp["chisq"], rel=1e-9)


# --- Cox ----------------------------------------------------------------------------------------

COX_CASES = [(key, i) for key, models in EXPECTED["cox"].items() for i in range(len(models))]


def r_infinite(term: dict) -> bool:
    """R's CI is degenerate (0 or Inf) for a coefficient that tends to infinity."""
    return term["coef"] is not None and (term["upper"] is None or term["lower"] == 0)


@pytest.mark.parametrize("key, i", COX_CASES, ids=[f"{k}-{i}" for k, i in COX_CASES])
def test_cox_matches_coxph(key: str, i: int) -> None:
    exp = EXPECTED["cox"][key][i]
    m = cox_fit(cohort(key.split("/")[0]), "time", "event", exp["covariates"], categorical=exp["references"],
                entry="entry" if exp["entry"] else None, ties=exp["ties"])
    assert m.status == "ok", m.reason
    assert (m.n, m.events, m.ties) == (exp["n"], exp["events"], exp["ties"])
    assert [t.term for t in m.terms] == [t["term"] for t in exp["terms"]]
    for t, e in zip(m.terms, exp["terms"], strict=True):
        if e["coef"] is None:
            assert t.status == "NA" and t.coef is None and t.hr is None and t.p is None, t.term
            assert "NA as in R" in t.note
            continue
        if r_infinite(e):
            assert t.status == "infinite" and t.hr is None and t.p is None, t.term
            assert t.p_lr == pytest.approx(e["p_lr"], rel=1e-8), t.term
            assert "separation" in t.note
            # The last iterate of a coefficient running off to infinity (exp(coef) ~ 1e8 weights
            # the risk sets) agrees with R's to rounding of that iterate only; it is not reported.
            assert t.coef == pytest.approx(e["coef"], rel=1e-6), t.term
            assert t.se == pytest.approx(e["se"], rel=1e-6), t.term
            continue
        assert t.coef == pytest.approx(e["coef"], rel=1e-9, abs=1e-13), t.term
        assert t.se == pytest.approx(e["se"], rel=1e-8), t.term
        assert t.status == "ok", (t.term, t.note)
        for k in ("hr", "lower", "upper"):
            assert getattr(t, k) == pytest.approx(e[k], rel=1e-9), (t.term, k)
        assert t.p == pytest.approx(e["p"], rel=1e-9), t.term
    for ours, theirs in ((m.lr_test, exp["logtest"]), (m.score_test, exp["sctest"])):
        assert ours is not None
        assert ours[0] == pytest.approx(theirs["chisq"], rel=1e-8, abs=1e-12)
        assert ours[1] == theirs["df"]
        assert ours[2] == pytest.approx(theirs["p"], rel=1e-8)


def test_golden_cases_cover_na_infinite_entry_and_breslow() -> None:
    models = [m for ms in EXPECTED["cox"].values() for m in ms]
    terms = [t for m in models for t in m["terms"]]
    assert any(t["coef"] is None for t in terms)
    assert any(r_infinite(t) and t["coef"] < 0 for t in terms)
    assert any(r_infinite(t) and t["coef"] > 0 for t in terms)
    assert any(m["entry"] and m["ties"] == "breslow" for m in models)
    assert any(m["entry"] and any(t["coef"] is None for t in m["terms"]) for m in models)
    assert any(m["entry"] and any(r_infinite(t) for t in m["terms"]) for m in models)


def test_breslow_differs_from_efron_on_tied_times() -> None:
    d = cohort("ties3")
    efron = cox_fit(d, "time", "event", ["group"], categorical={"group": "B"})
    breslow = cox_fit(d, "time", "event", ["group"], categorical={"group": "B"}, ties="breslow")
    assert efron.terms[0].coef != pytest.approx(breslow.terms[0].coef, rel=1e-4)


# --- proportional hazards (cox.zph) ---------------------------------------------------------------

ZPH_CASES = [(k, i) for k, i in COX_CASES if EXPECTED["cox"][k][i]["zph"]]


@pytest.mark.parametrize("key, i", ZPH_CASES, ids=[f"{k}-{i}" for k, i in ZPH_CASES])
def test_proportional_hazards_test_matches_cox_zph(key: str, i: int) -> None:
    exp = EXPECTED["cox"][key][i]
    m = cox_fit(cohort(key.split("/")[0]), "time", "event", exp["covariates"], categorical=exp["references"],
                entry="entry" if exp["entry"] else None, ties=exp["ties"])
    assert [row[0] for row in m.ph_test] == [z["term"] for z in exp["zph"]]
    # A term running off to infinity makes the test rest on R's last iterate (see above).
    rel = 1e-6 if any(r_infinite(t) for t in exp["terms"]) else 1e-8
    for (term, chisq, df, p), z in zip(m.ph_test, exp["zph"], strict=True):
        assert df == z["df"], term
        assert chisq == pytest.approx(z["chisq"], rel=rel), term
        assert p == pytest.approx(z["p"], rel=rel), term


def test_zph_golden_cases_cover_efron_breslow_entry_and_factors() -> None:
    cases = [EXPECTED["cox"][k][i] for k, i in ZPH_CASES]
    assert {(m["ties"], m["entry"]) for m in cases} >= {("efron", False), ("breslow", False), ("efron", True),
                                                         ("breslow", True)}
    assert any(z["df"] > 1 and z["term"] != "GLOBAL" for m in cases for z in m["zph"])


# --- restricted mean survival time ------------------------------------------------------------------

RMST_CASES = [(name, "entry", tau) for name in ENTRY_COHORTS for tau in EXPECTED["entry"][name]["rmst"]] + \
    [(name, "plain", tau) for name in EXPECTED["rmst"] for tau in EXPECTED["rmst"][name]]


@pytest.mark.parametrize("name, kind, tau", RMST_CASES)
def test_restricted_mean_matches_r(name: str, kind: str, tau: str) -> None:
    from her2var.stats.quantiles import restricted_mean, rmst_difference

    exp = (EXPECTED["entry"][name]["rmst"] if kind == "entry" else EXPECTED["rmst"][name])[tau]
    d = cohort(name)
    entry = d["entry"] if kind == "entry" else None
    curves = kaplan_meier_by_group(d["time"], d["event"], d["group"], entry=entry)
    curves["all"] = kaplan_meier(d["time"], d["event"], entry=entry)
    got = {g: restricted_mean(c, float(tau)) for g, c in curves.items()}
    for g, e in exp["groups"].items():
        assert got[g].rmst == pytest.approx(e["rmst"], rel=1e-10), g
        assert got[g].se == pytest.approx(e["se"], rel=1e-9, abs=1e-14), g
    for e in exp["diffs"]:
        diff = rmst_difference(got[e["group1"]], got[e["group2"]])
        for key in ("diff", "se", "lower", "upper", "p"):
            assert diff[key] == pytest.approx(e[key], rel=1e-9, abs=1e-14), (e["group2"], key)
