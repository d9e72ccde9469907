"""results.json holds exactly what her2var.stats gives when called directly on the same patients:
the analysis stage selects and labels, it does not compute statistics of its own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2var.analysis.run import analyze
from her2var.stats import (
    compare_categorical,
    compare_continuous,
    cox_fit,
    kaplan_meier_by_group,
    logrank_test,
    median_follow_up,
    median_survival,
    pairwise_logrank,
    response_rates,
    survival_at,
)

ROOT = Path(__file__).resolve().parents[2]
COHORT = ROOT / "fixtures" / "analysis" / "cohort.tsv"
REGIMENS = ["C", "I", "TKI", "C+I", "C+A", "C+I+A"]


@pytest.fixture(scope="module")
def res(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("stats") / "out"
    analyze(str(COHORT), "first-line-regimens", str(out), figures=False)
    return json.loads((out / "results.json").read_text())


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    d = pd.read_csv(COHORT, sep="\t", dtype=str, keep_default_na=False)
    mutant = d["her2_classes"].str.split(";").apply(
        lambda xs: any(x in ("exon20_insertion", "point_mutation", "inframe_deletion") for x in xs))
    d = d[mutant].copy()
    d["regimen"] = d["regimen"].where(d["regimen"].isin(REGIMENS), "")
    return d


def endpoint(d: pd.DataFrame, ep: str) -> pd.DataFrame:
    keep = d[d[f"in_{ep}"] == "yes"]
    return keep.assign(t=keep[f"{ep}_months"].astype(float), e=keep[f"{ep}_event"].astype(float))


def one(records, **match):
    hits = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    assert len(hits) == 1, (match, len(hits))
    return hits[0]


@pytest.mark.parametrize("ep", ["pfs", "os"])
def test_km_landmarks_and_logrank_by_regimen(res, cohort, ep) -> None:
    d = endpoint(cohort, ep)
    d = d[d["regimen"] != ""]
    levels = [lv for lv in REGIMENS if (d["regimen"] == lv).any()]
    curves = kaplan_meier_by_group(d["t"], d["e"], d["regimen"], levels=levels, conf_type="log")
    for lv, curve in curves.items():
        med = median_survival(curve, "log", rule="print")
        rec = one(res["km"], endpoint=ep, group_by="regimen", subgroup=None, group=lv)
        assert (rec["n"], rec["events"], rec["median"], rec["ci_low"], rec["ci_high"]) == \
            (curve.n, curve.events, med.median, med.lower, med.upper)
        for lm in survival_at(curve, [6, 12, 24]):
            got = one(res["landmarks"], endpoint=ep, group_by="regimen", subgroup=None, group=lv, time=lm.time)
            assert (got["surv"], got["ci_low"], got["ci_high"], got["n_risk"]) == \
                (lm.surv, lm.lower, lm.upper, lm.n_risk)
    lr = logrank_test(d["t"], d["e"], d["regimen"], levels=levels)
    rec = one(res["logrank"], endpoint=ep, group_by="regimen", subgroup=None)
    assert (rec["chisq"], rec["df"], rec["p"]) == (lr.chisq, lr.df, lr.p)
    for pw in pairwise_logrank(d["t"], d["e"], d["regimen"], adjust="holm", levels=levels):
        got = one(res["logrank_pairwise"], endpoint=ep, group_by="regimen", subgroup=None, group1=pw.group1,
                  group2=pw.group2)
        assert (got["p"], got["p_adjusted"]) == (pw.p, pw.p_adjusted)


def test_brain_metastasis_subgroup(res, cohort) -> None:
    d = endpoint(cohort, "pfs")
    d = d[(d["mets_brain"] == "yes") & (d["regimen_group"] != "")]
    lr = logrank_test(d["t"], d["e"], d["regimen_group"], levels=["single", "combination"])
    rec = one(res["logrank"], endpoint="pfs", group_by="regimen_group", subgroup="brain_mets=yes")
    assert (rec["chisq"], rec["p"]) == (lr.chisq, lr.p)


def test_follow_up_by_reverse_km(res, cohort) -> None:
    d = endpoint(cohort, "os")
    m = median_follow_up(d["t"], d["e"], method="log", rule="print")
    rec = one(res["follow_up"], endpoint="os", group_by="all", group="all")
    assert (rec["median"], rec["ci_low"], rec["ci_high"]) == (m.median, m.lower, m.upper)


def test_response_rates_and_table1(res, cohort) -> None:
    d = cohort[(cohort["in_response"] == "yes") & (cohort["best_response"] != "") & (cohort["regimen"] != "")]
    levels = [lv for lv in REGIMENS if (d["regimen"] == lv).any()]
    rates = response_rates(d["best_response"], d["regimen"], denominator="all", levels=levels)
    for g in rates["groups"]:
        rec = one(res["response"], group_by="regimen", subgroup=None, group=g["group"])
        assert (rec["n"], rec["orr"], rec["orr_ci_low"], rec["orr_ci_high"]) == \
            (g["n"], g["orr"]["rate"], g["orr"]["lower"], g["orr"]["upper"])
        assert (rec["dcr"], rec["dcr_ci_low"], rec["dcr_ci_high"]) == \
            (g["dcr"]["rate"], g["dcr"]["lower"], g["dcr"]["upper"])
    t1 = cohort[cohort["regimen"] != ""]
    sex = compare_categorical(t1["sex"].replace("", None), t1["regimen"])
    assert one(res["table1"], variable="sex")["p"] == sex["p"]
    age = compare_continuous(t1["age"].astype(float), t1["regimen"],
                             levels=[lv for lv in REGIMENS if (t1["regimen"] == lv).any()])
    rec = one(res["table1"], variable="age")
    assert (rec["test"], rec["p"]) == (age["test"], age["p"])


def test_multivariable_cox(res, cohort) -> None:
    d = endpoint(cohort, "os")
    frame = pd.DataFrame({
        "_t_": d["t"].to_numpy(), "_e_": d["e"].to_numpy(), "age": d["age"].astype(float).to_numpy(),
        "sex": d["sex"].to_numpy(dtype=object),
        "smoking": np.where(d["smoking"] == "never", "never", "ever").astype(object),
        "ecog": np.where(d["ecog"].isin(["0", "1"]), "0-1", "2-4").astype(object),
        "brain_mets": d["mets_brain"].replace("", None).to_numpy(dtype=object),
        "regimen_group": d["regimen_group"].replace("", None).to_numpy(dtype=object)})
    m = cox_fit(frame, "_t_", "_e_", ["age", "sex", "smoking", "ecog", "brain_mets", "regimen_group"],
                categorical={"sex": "male", "smoking": "never", "ecog": "0-1", "brain_mets": "no",
                             "regimen_group": "single"})
    assert m.status == "ok"
    for t in m.terms:
        rec = one(res["cox"], endpoint="os", model="multivariable", term=t.term)
        assert (rec["hr"], rec["ci_low"], rec["ci_high"], rec["p"], rec["n"], rec["events"]) == \
            (t.hr, t.lower, t.upper, t.p, m.n, m.events)


@pytest.mark.parametrize("denominator,n", [("all", 118), ("evaluable", 108)])
def test_seed_study_orr_denominator(tmp_path: Path, denominator: str, n: int) -> None:
    """The seed study divides by every treated patient: 27/118 = 22.9%; NE left out gives 27/108."""
    from her2var.analysis.plan import load_plan
    from her2var.analysis.synthetic import COLUMNS, synthetic_cohort, write_cohort_tsv
    from her2var.stats import clopper_pearson

    rows = synthetic_cohort(118, 1, nasty=False)
    codes = ["PR"] * 25 + ["CR"] * 2 + ["SD"] * 50 + ["PD"] * 31 + ["NE"] * 10
    for r, code in zip(rows, codes):
        r.update(best_response=code, her2_classes="exon20_insertion", in_response="yes")
    write_cohort_tsv(str(tmp_path / "c.tsv"), rows, COLUMNS)
    plan = load_plan("first-line-regimens").with_overrides(denominator=denominator)
    result = analyze(str(tmp_path / "c.tsv"), plan, str(tmp_path / "o"), figures=False)
    rec = one(result.results["response"], group_by="all", group="all")
    ci = clopper_pearson(27, n)
    assert (rec["n"], rec["orr_x"], rec["orr"], rec["orr_ci_low"], rec["orr_ci_high"]) == \
        (n, 27, ci.rate, ci.lower, ci.upper)
    if denominator == "all":
        assert f"{100 * rec['orr']:.1f}" == "22.9"
