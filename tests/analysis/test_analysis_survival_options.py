"""Plan options of the survival analyses: delayed entry (``entry:``), Breslow ties (``cox.ties``),
and a Cox reference level nobody in the population has. results.json must hold what her2var.stats
gives on the same patients; the numbers themselves are checked against R in tests/stats."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2var.analysis.plan import load_plan
from her2var.analysis.run import analyze
from her2var.errors import RulesError
from her2var.stats import cox_fit, kaplan_meier_by_group, logrank_test, median_survival

ROOT = Path(__file__).resolve().parents[2]
COHORT = ROOT / "fixtures" / "analysis" / "cohort.tsv"
PLAN = ROOT / "rules" / "plans" / "first-line-regimens.yaml"
REGIMENS = ["C", "I", "TKI", "C+I", "C+A", "C+I+A"]
PFS = "    event: pfs_event\n    require_yes: [in_pfs]\n"
MULTI = "  multivariable: true\n"


def plan_file(tmp: Path, *edits: tuple[str, str]) -> Path:
    text = PLAN.read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp / "plan.yaml"
    path.write_text(text)
    return path


def cohort_with_entry(tmp: Path) -> tuple[Path, str]:
    """The fixture cohort plus pfs_entry: seeded delayed entry for about half the patients; one
    patient enters only when follow-up ends (never at risk). Returns the file and that patient."""
    with open(COHORT, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        cols, rows = list(reader.fieldnames or []), list(reader)
    rng = np.random.default_rng(7)
    late = ""
    for r in rows:
        t = float(r["pfs_months"]) if r["pfs_months"] else None
        entry = 0.0
        if t is not None and rng.random() < 0.5:
            entry = round(float(rng.uniform(0, t)), 4)
            entry = entry if entry < t else 0.0
        r["pfs_entry"] = f"{entry:g}"
        if not late and t is not None and r["in_pfs"] == "yes" and r["regimen"] == "C" and \
                "point_mutation" in r["her2_classes"]:
            r["pfs_entry"], late = r["pfs_months"], r["patient_id"]
    path = tmp / "cohort.tsv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\t".join([*cols, "pfs_entry"]) + "\n")
        for r in rows:
            fh.write("\t".join(r[c] for c in [*cols, "pfs_entry"]) + "\n")
    assert late
    return path, late


@pytest.fixture(scope="module")
def entry_run(tmp_path_factory) -> tuple[dict, pd.DataFrame, str]:
    tmp = tmp_path_factory.mktemp("entry")
    cohort, late = cohort_with_entry(tmp)
    plan = plan_file(tmp, (PFS, PFS + "    entry: pfs_entry\n"), (MULTI, MULTI + "  ties: breslow\n"))
    analyze(str(cohort), str(plan), str(tmp / "out"), figures=False)
    res = json.loads((tmp / "out" / "results.json").read_text())
    d = pd.read_csv(cohort, sep="\t", dtype=str, keep_default_na=False)
    mutant = d["her2_classes"].str.split(";").apply(
        lambda xs: any(x in ("exon20_insertion", "point_mutation", "inframe_deletion") for x in xs))
    d = d[mutant & (d["in_pfs"] == "yes") & (d["pfs_entry"] != d["pfs_months"])]
    d = d.assign(t=d["pfs_months"].astype(float), e=d["pfs_event"].astype(float), en=d["pfs_entry"].astype(float))
    return res, d, late


def one(records, **match):
    hits = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    assert len(hits) == 1, (match, len(hits))
    return hits[0]


def test_delayed_entry_reaches_km_logrank_and_the_exclusions(entry_run) -> None:
    res, d, late = entry_run
    d = d[d["regimen"].isin(REGIMENS)]
    levels = [lv for lv in REGIMENS if (d["regimen"] == lv).any()]
    curves = kaplan_meier_by_group(d["t"], d["e"], d["regimen"], entry=d["en"], levels=levels)
    for lv, curve in curves.items():
        med = median_survival(curve, "log", rule="print")
        rec = one(res["km"], endpoint="pfs", group_by="regimen", subgroup=None, group=lv)
        assert (rec["n"], rec["median"], rec["ci_low"], rec["ci_high"], rec["entry"]) == \
            (curve.n, med.median, med.lower, med.upper, "pfs_entry")
    lr = logrank_test(d["t"], d["e"], d["regimen"], entry=d["en"], levels=levels)
    rec = one(res["logrank"], endpoint="pfs", group_by="regimen", subgroup=None)
    assert (rec["chisq"], rec["p"], rec["entry"]) == (lr.chisq, lr.p, "pfs_entry")
    plain = logrank_test(d["t"], d["e"], d["regimen"], levels=levels)
    assert rec["chisq"] != plain.chisq
    why = [x for x in res["exclusions"] if x["patient_id"] == late and x["analysis"] == "pfs"]
    assert len(why) == 1 and "never at risk after entry" in why[0]["reason"]
    # OS has no entry column: its records say so.
    assert one(res["logrank"], endpoint="os", group_by="regimen", subgroup=None)["entry"] is None


def test_delayed_entry_and_breslow_ties_reach_the_cox_models(entry_run) -> None:
    res, d, _ = entry_run
    frame = pd.DataFrame({
        "_t_": d["t"].to_numpy(), "_e_": d["e"].to_numpy(), "_entry_": d["en"].to_numpy(),
        "age": d["age"].astype(float).to_numpy(), "sex": d["sex"].to_numpy(dtype=object),
        "smoking": np.where(d["smoking"] == "never", "never", "ever").astype(object),
        "ecog": np.where(d["ecog"].isin(["0", "1"]), "0-1", "2-4").astype(object),
        "brain_mets": d["mets_brain"].replace("", None).to_numpy(dtype=object),
        "regimen_group": d["regimen_group"].replace("", None).to_numpy(dtype=object)})
    m = cox_fit(frame, "_t_", "_e_", ["age", "sex", "smoking", "ecog", "brain_mets", "regimen_group"],
                categorical={"sex": "male", "smoking": "never", "ecog": "0-1", "brain_mets": "no",
                             "regimen_group": "single"}, entry="_entry_", ties="breslow")
    assert m.status == "ok"
    for t in m.terms:
        rec = one(res["cox"], endpoint="pfs", model="multivariable", term=t.term)
        assert (rec["hr"], rec["p"], rec["n"], rec["ties"], rec["entry"]) == (t.hr, t.p, m.n, "breslow", "pfs_entry")
    model = one(res["cox_models"], endpoint="pfs", model="multivariable")
    assert model["lr_test"]["df"] == len(m.terms) and model["lr_test"]["p"] == m.lr_test[2]


def test_methods_say_delayed_entry_and_breslow(entry_run) -> None:
    res, *_ = entry_run
    text = " ".join(m["text"] for m in res["methods"])
    assert "Delayed entry (left truncation)" in text and "column pfs_entry" in text
    assert "Breslow's method for ties" in text and "Efron" not in text
    assert "score test of R's coxph on Surv(entry, time, event)" in text


@pytest.mark.parametrize("edit, message", [
    ((MULTI, MULTI + "  ties: exact\n"), "yaml.cox.ties: 'exact' is not supported; expected one of ['efron', 'breslow']"),
    ((PFS, PFS + "    entry: 3\n"), "yaml.endpoints[0].entry: expected a string, found 3"),
])
def test_bad_survival_options_name_the_key(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    with pytest.raises(RulesError, match=re.escape(message)):
        load_plan(plan_file(tmp_path, edit))


def test_entry_column_missing_from_the_cohort_is_named(tmp_path: Path) -> None:
    from her2var.errors import InputError

    plan = plan_file(tmp_path, (PFS, PFS + "    entry: sample_months\n"))
    with pytest.raises(InputError, match=r"'sample_months' \(plan: endpoints.pfs.entry\)"):
        analyze(str(COHORT), str(plan), str(tmp_path / "o"), figures=False)


def test_cox_reference_level_absent_from_population_marks_its_models_not_estimable(tmp_path: Path) -> None:
    old = "    - {column: sex, label: Sex, type: categorical, reference: male}"
    plan = plan_file(tmp_path, (old, old.replace("reference: male", "reference: unknown")))
    result = analyze(str(COHORT), str(plan), str(tmp_path / "o"), figures=False)
    res = result.results
    sex = [m for m in res["cox_models"] if m["model_id"] == "univariable: sex"]
    multi = [m for m in res["cox_models"] if m["model"] == "multivariable"]
    for m in sex + multi:
        assert m["status"] == "not estimable" and "reference level 'unknown' of covariate 'sex'" in m["reason"]
    age = [m for m in res["cox_models"] if m["model_id"] == "univariable: age"]
    assert len(age) == 2 and all(m["status"] == "ok" for m in age)
    assert (tmp_path / "o" / "report.html").exists()


def test_spss_methods_text_states_the_rule_that_is_computed() -> None:
    from her2var.analysis.methods import methods_text

    plan = load_plan("first-line-regimens").with_overrides(median_ci="spss")
    km = next(m["text"] for m in methods_text(plan) if m["topic"] == "Kaplan\u2013Meier")
    assert "first event time with S(t) \u2264 0.5 (no midpoint rule" in km
    assert "midpoint to the next drop" not in km
    assert "a lower bound below 0 is reported as 0" in km


def test_rmst_and_proportional_hazards_reach_results_and_report(tmp_path: Path) -> None:
    from her2var.stats import kaplan_meier_by_group, restricted_mean, rmst_difference

    plan = plan_file(tmp_path, ("  landmarks: [6, 12, 24]\n", "  landmarks: [6, 12, 24]\n  rmst_horizon: 24\n"))
    result = analyze(str(COHORT), str(plan), str(tmp_path / "o"), figures=False)
    res = result.results
    d = pd.read_csv(COHORT, sep="\t", dtype=str, keep_default_na=False)
    mutant = d["her2_classes"].str.split(";").apply(
        lambda xs: any(x in ("exon20_insertion", "point_mutation", "inframe_deletion") for x in xs))
    d = d[mutant & (d["in_os"] == "yes") & (d["regimen_group"].isin(["single", "combination"]))]
    curves = kaplan_meier_by_group(d["os_months"].astype(float), d["os_event"].astype(float), d["regimen_group"],
                                   levels=["single", "combination"])
    got = {lv: restricted_mean(c, 24.0) for lv, c in curves.items()}
    for lv, r in got.items():
        rec = one(res["rmst"], endpoint="os", group_by="regimen_group", subgroup=None, group=lv)
        assert (rec["tau"], rec["rmst"], rec["se"], rec["ci_low"]) == (24.0, r.rmst, r.se, r.lower)
    diff = rmst_difference(got["single"], got["combination"])
    rec = one(res["rmst_diff"], endpoint="os", group_by="regimen_group", subgroup=None)
    assert (rec["group1"], rec["group2"], rec["diff"], rec["p"]) == ("single", "combination", diff["diff"], diff["p"])
    model = one(res["cox_models"], endpoint="os", model="multivariable")
    assert [r["term"] for r in model["ph_test"]][-1] == "GLOBAL" and len(model["ph_test"]) == 7
    html = (tmp_path / "o" / "report.html").read_text()
    assert "Restricted mean survival to 24 months" in html and "R&#39;s cox.zph): global p" in html
    assert (tmp_path / "o" / "tables" / "rmst.tsv").exists()
    text = " ".join(m["text"] for m in res["methods"])
    assert "Restricted mean survival time up to 24 months" in text and "cox.zph" in text


def test_negative_entry_time_names_the_cell(tmp_path: Path) -> None:
    from her2var.errors import InputError

    cohort, _ = cohort_with_entry(tmp_path)
    text = cohort.read_text().splitlines()
    header = text[0].split("\t")
    row = text[1].split("\t")
    row[header.index("pfs_entry")] = "-2"
    (tmp_path / "neg.tsv").write_text("\n".join([text[0], "\t".join(row), *text[2:]]) + "\n")
    plan = plan_file(tmp_path, (PFS, PFS + "    entry: pfs_entry\n"))
    with pytest.raises(InputError, match=r"neg.tsv:2 \(patient .*\), column 'pfs_entry': -2 is negative"):
        analyze(str(tmp_path / "neg.tsv"), str(plan), str(tmp_path / "o"), figures=False)
