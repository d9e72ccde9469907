"""Table 1 with SMD, test reasons and missing counts; the patient flow; overlapping groups
(``multiple: all``, the seed study's 22 + 15 = 37 of 36); Firth in an analysis; landmark, pairwise
and response display."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chi2_contingency, fisher_exact

from her2var.analysis.plan import plan_from_tree
from her2var.analysis.run import analyze
from her2var.stats.smd import smd

COLUMNS = ["patient_id", "her2_classes", "regimen", "age", "sex", "smoking", "pfs_months", "pfs_event",
           "best_response", "sample", "her2_status", "assessed", "cn_assessed"]


def seed_like(rng: np.random.Generator, *, amp_events: bool = True) -> list[dict[str, str]]:
    """36 patients: 21 with an exon 20 insertion only, 14 with an amplification only, 1 with both
    (the seed study's 22 + 15). Sex and smoking are fixed counts (see the tests); survival is drawn.
    Every amplification-only patient progresses (their curve falls to 0) unless ``amp_events`` is
    False (then none does: separation in a Cox model)."""
    rows = []
    classes = ["exon20_insertion"] * 21 + ["amplification"] * 14 + ["exon20_insertion;amplification"]
    sex = ["male"] * 12 + ["female"] * 9 + ["male"] * 10 + ["female"] * 4 + ["male"]
    smoking = (["never"] * 15 + ["former"] * 6 + ["never"] * 3 + ["former"] * 8 + ["current"] * 3 + ["former"])
    regimens = ["C", "I", "TKI"] * 12
    responses = ["PR", "SD", "PD", "NE"] * 8 + ["PR", "SD", "PD", "PR"]  # the patient in both groups: PR
    for i in range(36):
        amp_only = classes[i] == "amplification"
        t = float(np.round(rng.uniform(1, 20 if amp_only else 40), 1))
        event = (1 if amp_events else 0) if amp_only else int(rng.random() < 0.6)
        if i < 21 and i % 7 == 0:
            t, event = 45.0, 0  # censored late: the insertion curve ends above 0
        rows.append({"patient_id": f"P{i + 1:02d}", "her2_classes": classes[i], "regimen": regimens[i],
                     "age": str(int(rng.integers(40, 80))) if i != 5 else "", "sex": sex[i], "smoking": smoking[i],
                     "pfs_months": f"{t:g}", "pfs_event": str(event), "best_response": responses[i],
                     "sample": f"S{i + 1:02d}", "her2_status": classes[i], "assessed": "yes", "cn_assessed": "yes"})
    # three patients of the clinical file without a usable sample: the flow's first steps
    rows.append({**rows[0], "patient_id": "Q1", "her2_classes": "", "sample": "", "her2_status": "no_sample"})
    rows.append({**rows[0], "patient_id": "Q2", "her2_classes": "", "her2_status": "not_assessed", "cn_assessed": "no"})
    rows.append({**rows[0], "patient_id": "Q3", "her2_classes": "point_mutation", "her2_status": "point_mutation"})
    return rows


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w") as fh:
        fh.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            fh.write("\t".join(r[c] for c in COLUMNS) + "\n")
    return path


def plan(multiple: str = "all", *, firth: str = "never", smd_column: bool = True, p_values: bool = True):
    tree = {
        "version": 1, "name": "seed-like", "title": "Seed-like", "id_column": "patient_id",
        "population": [{"column": "her2_classes", "split": ";", "values": ["exon20_insertion", "amplification"],
                        "label": "exon 20 insertion or amplification"}],
        "groupings": [
            {"name": "alteration", "label": "HER2 alteration", "column": "her2_classes", "split": ";",
             "multiple": multiple, "levels": ["Exon 20 insertion", "Amplification"],
             "values": {"Exon 20 insertion": ["exon20_insertion"], "Amplification": ["amplification"]}},
            {"name": "regimen", "label": "Regimen", "column": "regimen", "levels": ["C", "I", "TKI"]}],
        "endpoints": [{"name": "pfs", "label": "Progression-free survival", "time": "pfs_months",
                       "event": "pfs_event"}],
        "response": {"column": "best_response", "denominator": "evaluable", "distribution_test": ["alteration"]},
        "table1": {"smd": smd_column, "p_values": p_values, "variables": [
            {"column": "age", "label": "Age", "type": "continuous"},
            {"column": "sex", "label": "Sex", "type": "categorical", "levels": ["male", "female"]},
            {"column": "smoking", "label": "Smoking", "type": "categorical", "levels": ["never", "ever"],
             "values": {"never": ["never"], "ever": ["former", "current"]}}]},
        "cox": {"endpoints": ["pfs"], "univariable": True, "multivariable": True, "firth": firth, "covariates": [
            {"grouping": "alteration", "label": "Amplification", "type": "categorical",
             "reference": "Exon 20 insertion"},
            {"column": "sex", "label": "Sex", "type": "categorical", "reference": "male"}]},
        "km": {"median_ci": "log", "landmarks": [6, 60]},
        "logrank": {"pairwise": True, "adjust": "holm"},
    }
    return plan_from_tree(tree, "seed-like.yaml")


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seed")
    rows = seed_like(np.random.default_rng(20250302))
    cohort = write(tmp / "cohort.tsv", rows)
    out = tmp / "out"
    res = analyze(str(cohort), plan("all"), str(out), figures=False)
    return rows, res.results, out


def tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_multiple_all_counts_a_patient_in_each_of_their_groups(seed) -> None:
    _, res, _ = seed
    assert res["cohort"]["group_sizes"] == {"Exon 20 insertion": 22, "Amplification": 15}
    n = {r["variable"]: r["cells"] for r in res["table1_rows"] if r["level"] == ""}["N"]
    assert (n["Exon 20 insertion"], n["Amplification"], n["all"]) == ("22", "15", "36")
    sex = {r["level"]: r["cells"] for r in res["table1_rows"] if r["variable"] == "sex" and r["level"]}
    assert sex["male"]["Exon 20 insertion"].startswith("13 ") and sex["male"]["Amplification"].startswith("11 ")
    assert sex["male"]["all"].startswith("23 ")


def test_overlapping_groups_give_the_tests_of_the_37_rows(seed) -> None:
    """The seed study's p-values come from the table with the overlapping patient in both groups:
    the same tables here, tested by scipy."""
    _, res, _ = seed
    tests = {t["variable"]: t for t in res["table1"]}
    sex = np.array([[13, 11], [9, 4]])  # male, female x insertion, amplification
    want = chi2_contingency(sex, correction=False)
    assert tests["sex"]["test"] == "chi-square"
    assert tests["sex"]["p"] == pytest.approx(want[1], rel=1e-12)
    assert tests["sex"]["expected_min"] == pytest.approx(want[3].min(), rel=1e-12)
    smoking = np.array([[15, 3], [7, 12]])  # never, ever
    assert tests["smoking"]["p"] == pytest.approx(chi2_contingency(smoking, correction=False)[1], rel=1e-12)


def test_overlapping_groups_in_the_response_tests(seed) -> None:
    """ORR by alteration over the evaluable patients, the overlapping one in both groups; small
    counts: Fisher's exact test, as scipy computes it."""
    rows, res, _ = seed
    table = np.zeros((2, 2), dtype=int)
    for r in rows[:36]:
        if r["best_response"] == "NE":
            continue
        for j, cls in enumerate(("exon20_insertion", "amplification")):
            if cls in r["her2_classes"].split(";"):
                table[0 if r["best_response"] == "PR" else 1, j] += 1
    assert table.sum() == 29  # 28 evaluable patients, one of them in both groups
    orr = next(t for t in res["response_tests"] if t["group_by"] == "alteration" and t["measure"] == "ORR")
    assert orr["test"] == "fisher" and orr["test_reason"].startswith("Fisher's exact test")
    assert orr["p"] == pytest.approx(fisher_exact(table)[1], rel=1e-10)


def test_overlap_warnings_reach_every_output(seed) -> None:
    _, res, out = seed
    (ov,) = res["overlaps"]
    assert (ov["grouping"], ov["patients"], ov["extra_rows"]) == ("alteration", 1, 1)
    assert "22 + 15 = 37 of 36" in ov["note"] and "independent" in ov["note"]
    assert all("groups overlap" in t["note"] for t in res["table1"])
    lr = next(x for x in res["logrank"] if x["group_by"] == "alteration")
    assert "groups overlap" in lr["note"] and lr["n"] == 37
    assert all("groups overlap" in t["note"] for t in res["response_tests"] if t["group_by"] == "alteration")
    assert tsv(out / "tables" / "overlaps.tsv")[0]["patients"] == "1"
    header = (out / "tables" / "table1.tsv").read_text().splitlines()[0]
    assert "Exon 20 insertion (n = 22)" in header
    html = (out / "report.html").read_text()
    assert "22 + 15 = 37 of 36" in html
    # A Cox model needs one level per patient: the overlapping one is left out, and it says so.
    uni = next(m for m in res["cox_models"] if m["model_id"] == "univariable: alteration")
    assert uni["n"] == 35 and any("more than one level" in w for w in uni["warnings"])


def test_table1_smd_reasons_and_missing(seed) -> None:
    rows, res, out = seed
    tests = {t["variable"]: t for t in res["table1"]}
    # SMD over the 37 rows, as the p-values
    ins = [r for r in rows[:36] if "exon20_insertion" in r["her2_classes"]]
    amp = [r for r in rows[:36] if "amplification" in r["her2_classes"]]
    ages = np.array([float(r["age"]) if r["age"] else np.nan for r in ins + amp])
    labels = np.array(["i"] * len(ins) + ["a"] * len(amp), dtype=object)
    assert tests["age"]["smd"] == pytest.approx(smd(ages, labels, ["i", "a"], kind="continuous")["smd"], rel=1e-12)
    assert tests["age"]["n_missing"] == 1
    assert tests["sex"]["test_reason"].startswith("chi-square: every expected count is at least 5")
    printed = {r["variable"]: r for r in tsv(out / "tables" / "table1.tsv") if r["level"] == ""}
    assert printed["Age, median (range)"]["missing"] == "1"
    assert float(printed["Sex, n (%)"]["smd"]) == pytest.approx(tests["sex"]["smd"])
    html = (out / "report.html").read_text()
    assert "SMD" in html and "Sex: chi-square: every expected count is at least 5" in html


def test_p_values_are_an_option(tmp_path) -> None:
    cohort = write(tmp_path / "cohort.tsv", seed_like(np.random.default_rng(1)))
    res = analyze(str(cohort), plan("first", p_values=False, smd_column=True), str(tmp_path / "out"), figures=False)
    header = (tmp_path / "out" / "tables" / "table1.tsv").read_text().splitlines()[0].split("\t")
    assert "smd" in header and "p" not in header and "test" not in header
    assert all("p" in t for t in res.results["table1"])  # still computed, in results.json and table1_tests
    assert "p-values are left out of the printed table" in json.dumps(res.results["methods"])


def test_patient_flow_adds_up(seed) -> None:
    _, res, out = seed
    flow = {s["step"]: s for s in res["flow"]}
    assert [flow[k]["n"] for k in ("cohort", "sample", "assessed", "population")] == [39, 38, 37, 36]
    assert flow["sample"]["left_out"] == [{"reason": "no sample", "n": 1}]
    assert flow["assessed"]["left_out"] == [{"reason": "copy number not assessed", "n": 1}]
    assert flow["population"]["n_left_out"] == 1  # the point mutation
    pop = flow["population"]["n"]
    for st in res["flow"]:
        if st["step"].split()[0] in ("grouping", "endpoint", "response", "table1"):
            assert st["n"] + st["n_left_out"] == pop, st
    evaluable = flow["response"]
    assert evaluable["n"] == pop  # every patient has a best response (NE included)
    rows = tsv(out / "tables" / "flow.tsv")
    assert rows[0]["step"] == "cohort" and rows[0]["n"] == "39"
    assert "Patient flow" in (out / "report.html").read_text()


def test_display_of_landmarks_pairwise_and_denominator(seed) -> None:
    _, res, out = seed
    lm = {(r["group_by"], r["group"], r["time"]): r for r in res["landmarks"] if r["subgroup"] is None}
    fell = lm[("alteration", "Amplification", 60.0)]
    assert fell["surv"] == 0.0 and "fell to 0" in fell["note"]
    ended = lm[("alteration", "Exon 20 insertion", 60.0)]
    assert ended["surv"] is None and "beyond last follow-up" in ended["note"]
    pw = [r for r in res["logrank_pairwise"] if r["group_by"] == "regimen"]
    assert len(pw) == 3 and all(r["n1"] == 12 and r["n2"] == 12 for r in pw)
    html = (out / "report.html").read_text()
    assert "<td class=\"num\">0%</td>" in html and "(beyond follow-up)" in html
    assert "N = evaluable patients (NE left out of the denominator)" in html
    assert f"{pw[0]['n1']} / {pw[0]['events1']} vs {pw[0]['n2']} / {pw[0]['events2']}" in html


def test_firth_when_a_group_has_no_events(tmp_path) -> None:
    cohort = write(tmp_path / "cohort.tsv", seed_like(np.random.default_rng(7), amp_events=False))
    res = analyze(str(cohort), plan("first", firth="separation"), str(tmp_path / "out"), figures=False).results
    models = {m["model_id"]: m for m in res["cox_models"]}
    assert models["univariable: alteration"]["estimator"] == "Firth penalised partial likelihood"
    assert models["univariable: sex"]["estimator"] == "partial likelihood"  # no separation there
    amp = next(t for t in res["cox"] if t["model_id"] == "univariable: alteration")
    assert amp["term_status"] == "ok" and amp["p_method"] == "penalised likelihood ratio"
    assert 0 < amp["ci_low"] < amp["hr"] < 1 and amp["hr"] < amp["ci_high"]
    assert amp["ci_method"] == "profile penalised likelihood"
    html = (tmp_path / "out" / "report.html").read_text()
    assert "(PLR)" in html and "Firth&#39;s penalised likelihood for" in html
