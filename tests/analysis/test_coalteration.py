"""The built-in plan codriver-coalteration end to end: HER2 beside the co-driver groups on a small
cohort built here whose every count is worked out by hand below, the same comparisons stratified
by centre (CMH numbers equal to R's mantelhaen.test on the same tables, tests/golden/
expected_cmh.json), survival by HER2 status within the groups (with and without delayed entry),
and what the plan says when the cohort lacks a column.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

from her2var.analysis.plan import builtin_plans, load_plan
from her2var.analysis.run import analyze
from her2var.errors import InputError, RulesError
from her2var.stats import cmh_test

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden" / "expected_cmh.json").read_text())["cases"]
GENES = ("KRAS", "EGFR", "ALK", "BRAF", "MET", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3")
COLUMNS = ["patient_id", "sex", "age", "smoking", "stage", "os_months", "os_event", "in_os", "n_samples",
           "sample_choice", "her2_status", "her2_altered", "her2_tier", "her2_classes", "assessed", "cn_assessed",
           *[f"codriver_{g}" for g in GENES], "driver_group", "center"]

# HER2 codes: (her2_altered, her2_tier, her2_classes, assessed, cn_assessed)
HER2 = {
    "mut": ("yes", "likely_oncogenic", "point_mutation", "yes", "yes"),
    "ex20": ("yes", "oncogenic", "exon20_insertion", "yes", "yes"),
    "amp": ("yes", "oncogenic", "amplification", "yes", "yes"),
    "both": ("yes", "oncogenic", "exon20_insertion;amplification", "yes", "yes"),
    "vus": ("no", "uncertain only", "", "yes", "yes"),
    "wt": ("no", "none", "", "yes", "yes"),
    "na": ("unknown", "none", "", "unknown", "yes"),  # small variants not assessed
    "amp_partial": ("yes", "oncogenic", "amplification", "unknown", "yes"),  # found, but not fully assessed
}
# co-driver codes: (driver_group, {gene: events})
CODRIVER = {
    "KRAS": ("KRAS", {"KRAS": "p.G12C"}),
    "EGFR": ("EGFR", {"EGFR": "p.L858R"}),
    "ALK": ("ALK", {"ALK": "EML4::ALK"}),
    "BRAF": ("other", {"BRAF": "p.V600E"}),
    "none": ("other", {}),
    "kras_vus": ("other", {"KRAS": "p.A59T"}),  # an event below a driver tier: not the KRAS group
}

# id, HER2, co-driver, genes not tested, centre, OS months, OS event
PATIENTS = [
    ("K1", "mut", "KRAS", (), "A", 3, 1), ("K2", "amp", "KRAS", (), "B", 5, 1), ("K3", "wt", "KRAS", (), "A", 10, 1),
    ("K4", "mut", "KRAS", (), "A", 8, 1), ("K5", "wt", "KRAS", (), "B", 12, 0), ("K6", "wt", "KRAS", (), "B", 20, 1),
    ("E1", "wt", "EGFR", (), "A", 30, 0), ("E2", "wt", "EGFR", (), "A", 14, 1), ("E3", "wt", "EGFR", (), "B", 9, 1),
    ("E4", "ex20", "EGFR", (), "B", 7, 1),
    ("A1", "wt", "ALK", (), "A", 40, 0), ("A2", "vus", "ALK", (), "B", 25, 1),
    ("B1", "both", "BRAF", (), "A", 6, 1), ("B2", "wt", "BRAF", (), "B", 16, 0),
    ("N1", "ex20", "none", (), "A", 11, 1), ("N2", "ex20", "none", (), "B", 13, 0),
    ("N3", "amp", "none", (), "A", 4, 1),
    ("N4", "wt", "none", (), "B", 22, 1), ("N5", "wt", "none", (), "", 18, 0), ("N6", "vus", "none", (), "A", 15, 1),
    ("N7", "wt", "kras_vus", (), "B", 17, 1),
    ("P1", "mut", "none", ("ALK",), "A", 9, 1), ("P2", "wt", "none", ("ALK",), "B", 19, 0),
    ("P3", "wt", "none", ("ALK",), "A", 21, 1),
    ("X1", "na", "KRAS", (), "A", 2, 1), ("X2", "amp_partial", "none", (), "B", 6, 0),
]


def _row(pid: str, her2: str, codriver: str, untested: tuple[str, ...], center: str, os_months: float,
         os_event: int) -> dict[str, str]:
    altered, tier, classes, assessed, cn = HER2[her2]
    group, events = CODRIVER[codriver]
    row = {"patient_id": pid, "sex": "female", "age": "60", "smoking": "never", "stage": "IV",
           "os_months": str(os_months), "os_event": str(os_event), "in_os": "yes", "n_samples": "1",
           "sample_choice": "only sample", "her2_status": classes or "wild_type", "her2_altered": altered,
           "her2_tier": tier, "her2_classes": classes, "assessed": assessed, "cn_assessed": cn,
           "driver_group": group, "center": center}
    for g in GENES:
        row[f"codriver_{g}"] = "not tested" if g in untested else events.get(g, "no")
    return row


def write_cohort(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\t".join(columns) + "\n")
        for r in rows:
            fh.write("\t".join(r.get(c, "") for c in columns) + "\n")
    return path


def plan_copy(tmp_path: Path, **changes) -> Path:
    """The built-in plan with coalteration keys changed (None deletes the key)."""
    tree = yaml.safe_load(builtin_plans()["codriver-coalteration"].read_text())
    for key, value in changes.items():
        if value is None:
            tree["coalteration"].pop(key, None)
        else:
            tree["coalteration"][key] = value
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(tree, sort_keys=False))
    return path


def run(tmp_path: Path, rows: list[dict[str, str]], plan: str | Path = "codriver-coalteration",
        columns: list[str] = COLUMNS, name: str = "out") -> tuple[dict, Path]:
    cohort = write_cohort(tmp_path / f"{name}.tsv", rows, columns)
    out = tmp_path / name
    res = analyze(str(cohort), str(plan), str(out), figures=False)
    return res.results, out


@pytest.fixture(scope="module")
def hand(tmp_path_factory) -> tuple[dict, Path]:
    tmp = tmp_path_factory.mktemp("coalteration")
    return run(tmp, [_row(*p) for p in PATIENTS])


def _test(res: dict, rows: str, comparison: str) -> dict:
    return next(t for t in res["coalteration_tests"] if t["her2_rows"] == rows and t["comparison"] == comparison)


def _counts(res: dict, rows: str, comparison: str) -> dict[tuple[str, str], int]:
    return {(c["column"], c["her2"]): c["n"] for c in res["coalteration_counts"]
            if c["her2_rows"] == rows and c["comparison"] == comparison}


def test_the_plan_is_built_in_and_states_its_rules() -> None:
    plan = load_plan("codriver-coalteration")
    cp = plan.coalteration
    assert cp is not None and cp.stratify == "center" and cp.correct is True
    assert [g.name for g in cp.groups] == ["KRAS-altered", "EGFR-altered", "ALK fusion", "other driver"]
    assert cp.none_group == "none" and cp.her2_rows == ("altered", "type", "tier")
    assert plan.subgroups[0].levels == (*[g.name for g in cp.groups], "none")
    assert "One row (one sample) per patient" in plan.description


def test_derived_groups_and_who_is_counted(hand) -> None:
    res, _ = hand
    p = res["coalteration"]["patients"]
    # X1 (small variants not assessed) and X2 (an amplification found without that assessment) are out
    assert (p["in_population"], p["her2_assessed"], p["her2_not_assessed"]) == (26, 24, 2)
    # N7's KRAS event is below a driver tier: group none; P1-P3 lack ALK testing: group not known
    assert p["by_codriver_group"] == {"KRAS-altered": 7, "EGFR-altered": 4, "ALK fusion": 2, "other driver": 2,
                                      "none": 8}
    assert p["codriver_group_not_known"] == 3
    assert "0 patient(s) had more than one sample" in res["coalteration"]["one_sample_per_patient"]


def test_kras_against_the_rest_counts_by_hand(hand) -> None:
    res, _ = hand
    t = _test(res, "altered", "KRAS-altered")
    # KRAS: altered K1 K2 K4, not K3 K5 K6; rest (KRAS tested, HER2 assessed): altered E4 B1 N1 N2 N3 P1,
    # not altered E1 E2 E3 A1 A2 B2 N4 N5 N6 N7 P2 P3
    assert _counts(res, "altered", "KRAS-altered") == {("KRAS-altered", "altered"): 3, ("rest", "altered"): 6,
                                                        ("KRAS-altered", "not altered"): 3,
                                                        ("rest", "not altered"): 12}
    assert t["column_totals"] == {"KRAS-altered": 6, "rest": 18} and t["n"] == 24
    assert (t["n_not_tested"], t["n_her2_not_assessed"], t["n_her2_unclassified"]) == (0, 2, 0)
    assert t["odds_ratio"] == pytest.approx(3 * 12 / (6 * 3))
    woolf = np.exp(np.sqrt(1 / 3 + 1 / 6 + 1 / 3 + 1 / 12) * stats.norm.ppf(0.975))
    assert (t["or_ci_low"], t["or_ci_high"]) == pytest.approx((2.0 / woolf, 2.0 * woolf), rel=1e-12)
    # expected count 6 * 9 / 24 < 5: Fisher, as Table 1 would choose
    assert t["test"] == "fisher" and t["p"] == pytest.approx(stats.fisher_exact([[3, 6], [3, 12]]).pvalue, rel=1e-9)
    pct = {(c["column"], c["her2"]): c["pct"] for c in res["coalteration_counts"]
           if c["her2_rows"] == "altered" and c["comparison"] == "KRAS-altered"}
    assert pct[("KRAS-altered", "altered")] == 50.0 and pct[("rest", "altered")] == pytest.approx(100 / 3)


def test_type_and_tier_rows_by_hand(hand) -> None:
    res, _ = hand
    assert _counts(res, "type", "KRAS-altered") == {
        ("KRAS-altered", "mutation"): 2, ("KRAS-altered", "amplification"): 1,
        ("KRAS-altered", "mutation and amplification"): 0, ("KRAS-altered", "not altered"): 3,
        ("rest", "mutation"): 4, ("rest", "amplification"): 1, ("rest", "mutation and amplification"): 1,
        ("rest", "not altered"): 12}
    assert _counts(res, "tier", "KRAS-altered") == {
        ("KRAS-altered", "oncogenic"): 3, ("KRAS-altered", "VUS only"): 0, ("KRAS-altered", "not altered"): 3,
        ("rest", "oncogenic"): 6, ("rest", "VUS only"): 2, ("rest", "not altered"): 10}
    t = _test(res, "type", "KRAS-altered")
    assert t["test"] == "fisher" and t["df"] is None and t["odds_ratio"] is None


def test_not_tested_patients_leave_the_comparison_and_are_counted(hand) -> None:
    res, _ = hand
    alk = _test(res, "altered", "ALK fusion")
    assert alk["n_not_tested"] == 3 and alk["n"] == 21  # P1-P3: ALK not tested
    assert _counts(res, "altered", "ALK fusion") == {("ALK fusion", "altered"): 0, ("rest", "altered"): 8,
                                                      ("ALK fusion", "not altered"): 2, ("rest", "not altered"): 11}
    assert alk["odds_ratio"] == 0 and alk["or_ci_low"] is None and "not finite" in alk["note"]
    kras = _test(res, "altered", "KRAS-altered")
    assert kras["n_not_tested"] == 0  # P1-P3 were tested for KRAS: in the rest
    none = _test(res, "altered", "none")
    assert none["column_totals"] == {"none": 7, "rest": 14} and none["n_not_tested"] == 3
    every = _test(res, "altered", "all groups")
    assert every["column_totals"] == {"KRAS-altered": 6, "EGFR-altered": 4, "ALK fusion": 2, "other driver": 2,
                                      "none": 7}
    assert _counts(res, "altered", "all groups")[("none", "altered")] == 3


def test_the_stratified_test_equals_cmh_on_the_table_by_centre(hand) -> None:
    res, _ = hand
    t = _test(res, "altered", "KRAS-altered")
    # centre A: KRAS altered K1 K4, not K3; rest altered B1 N1 N3 P1, not E1 E2 A1 N6 P3
    # centre B: KRAS altered K2, not K5 K6; rest altered E4 N2, not E3 A2 B2 N4 N7 P2; N5 has no centre
    by_hand = np.array([[[2, 1], [4, 2]], [[1, 2], [5, 6]]])
    want = cmh_test(by_hand)
    assert t["stratified_by"] == "center" and t["n_no_stratum"] == 1 and t["cmh_strata"] == 2 and t["cmh_n"] == 23
    assert t["cmh_test"] == want.method and t["cmh_df"] == 1
    assert (t["cmh_statistic"], t["cmh_p"]) == pytest.approx((want.statistic, want.p), rel=1e-12)
    assert (t["mh_odds_ratio"], t["mh_ci_low"], t["mh_ci_high"]) == pytest.approx(
        (want.estimate, want.ci_low, want.ci_high), rel=1e-12)
    gen = _test(res, "type", "KRAS-altered")
    assert gen["cmh_test"] == "Cochran-Mantel-Haenszel test" and gen["mh_odds_ratio"] is None
    assert "dropped 0 all-zero row(s)" not in gen["cmh_note"]


def test_survival_by_her2_status_within_each_group(hand) -> None:
    res, _ = hand
    km = {(r["subgroup"], r["group"]): r for r in res["km"] if r["group_by"] == "her2" and r["endpoint"] == "os"}
    kras_altered = km[("codriver=KRAS-altered", "altered")]
    assert (kras_altered["n"], kras_altered["events"], kras_altered["median"]) == (3, 3, 5.0)  # K1 K2 K4: 3, 5, 8
    kras_not = km[("codriver=KRAS-altered", "not altered")]
    assert (kras_not["n"], kras_not["events"]) == (3, 2)
    lr = next(r for r in res["logrank"] if r["group_by"] == "her2" and r["subgroup"] == "codriver=KRAS-altered")
    assert lr["n"] == 6 and lr["p"] is not None
    # X1's HER2 is unknown: left out of the HER2 grouping, with the reason
    assert any(x["patient_id"] == "X1" and x["reason"] == "her2_group not tested" for x in res["exclusions"])
    assert "no delayed entry: the cohort has no column os_entry_months" in res["coalteration"]["notes"]


def test_delayed_entry_when_the_cohort_has_the_column(tmp_path: Path) -> None:
    rows = [_row(*p) for p in PATIENTS]
    for r in rows:
        r["os_entry_months"] = "4" if r["patient_id"] == "K2" else "0"
    res, _ = run(tmp_path, rows, columns=[*COLUMNS, "os_entry_months"])
    km = {(r["subgroup"], r["group"]): r for r in res["km"] if r["group_by"] == "her2"}
    # K2 enters at 4: at 3 the risk set is K1 and K4 (S = 1/2), at 5 K2 and K4 (S = 1/4): S stays at
    # exactly 0.5 from 3 to 5, so the median is the midpoint, 4 (without entry: 5)
    assert km[("codriver=KRAS-altered", "altered")]["median"] == 4.0
    assert "delayed entry from column os_entry_months" in res["coalteration"]["notes"]
    assert any("Delayed entry" in m["text"] for m in res["methods"])


def test_golden_2x2xk_through_the_plan_equals_r(tmp_path: Path) -> None:
    """The rabbits table of R's help page as HER2 altered x KRAS group x centre: the plan's
    stratified test, with the default continuity correction and without it, is R's."""
    rows = _from_table(np.array(GOLDEN["rabbits/correct"]["table"]), ("ex20", "wt"))
    for name, correct in (("rabbits/correct", True), ("rabbits/uncorrected", False)):
        want = GOLDEN[name]
        res, _ = run(tmp_path, rows, plan_copy(tmp_path, correct=correct), name=name.replace("/", "_"))
        t = _test(res, "altered", "KRAS-altered")
        assert t["cmh_test"] == want["method"]
        for got, key in ((t["cmh_statistic"], "statistic"), (t["cmh_p"], "p"), (t["mh_odds_ratio"], "estimate")):
            assert got == pytest.approx(want[key], rel=1e-9), key
        assert (t["mh_ci_low"], t["mh_ci_high"]) == pytest.approx(tuple(want["ci"]), rel=1e-9)
        assert t["cmh_strata"] == 5 and t["cmh_n"] == int(np.array(want["table"]).sum())


def test_golden_generalized_through_the_plan_equals_r(tmp_path: Path) -> None:
    """A 4 x 2 x 5 table (HER2 type x KRAS group x centre): the generalized CMH statistic is R's."""
    want = GOLDEN["her2_type_4x2x5"]
    table = np.array(want["table"])
    res, _ = run(tmp_path, _from_table(table, ("ex20", "amp", "both", "wt")))
    t = _test(res, "type", "KRAS-altered")
    assert t["cmh_test"] == want["method"] == "Cochran-Mantel-Haenszel test"
    assert (t["cmh_statistic"], t["cmh_p"]) == pytest.approx((want["statistic"], want["p"]), rel=1e-9)
    assert t["cmh_df"] == want["df"] == 3 and t["cmh_n"] == int(table.sum())


def _from_table(table: np.ndarray, her2_codes: tuple[str, ...]) -> list[dict[str, str]]:
    """Patients making up table[her2 level][KRAS group, rest][centre]."""
    rows = []
    for i, code in enumerate(her2_codes):
        for j, codriver in enumerate(("KRAS", "none")):
            for k in range(table.shape[2]):
                for _ in range(int(table[i, j, k])):
                    rows.append(_row(f"P{len(rows) + 1}", code, codriver, (), f"c{k + 1}", 10, 1))
    return rows


def test_without_the_stratify_column_the_stratified_test_is_not_applicable(tmp_path: Path) -> None:
    rows = [_row(*p) for p in PATIENTS]
    res, out = run(tmp_path, rows, columns=[c for c in COLUMNS if c != "center"])
    t = _test(res, "altered", "KRAS-altered")
    assert t["cmh_test"] is None and t["cmh_note"] == "not applicable: the cohort has no column center"
    assert res["coalteration"]["stratify"] == {"column": "center", "applicable": False,
                                               "reason": "not applicable: the cohort has no column center",
                                               "strata": []}
    assert t["p"] is not None  # the test without strata is still there
    html = (out / "report.html").read_text()
    assert "Stratified tests not applicable: the cohort has no column center." in html


def test_the_stratify_column_is_the_plan_s_choice(tmp_path: Path) -> None:
    rows = [_row(*p) for p in PATIENTS]
    for r in rows:
        r["panel"], r["center"] = r["center"], "A"  # one centre, two panels
    res, _ = run(tmp_path, rows, plan_copy(tmp_path, stratify="panel"), [*COLUMNS, "panel"])
    t = _test(res, "altered", "KRAS-altered")
    assert t["stratified_by"] == "panel" and t["cmh_strata"] == 2
    assert t["cmh_statistic"] == pytest.approx(cmh_test(np.array([[[2, 1], [4, 2]], [[1, 2], [5, 6]]])).statistic)


def test_outputs_carry_the_comparisons(hand) -> None:
    res, out = hand
    with open(out / "tables" / "coalteration_tests.tsv", encoding="utf-8") as fh:
        printed = list(csv.DictReader(fh, delimiter="\t"))
    row = next(r for r in printed if r["her2_rows"] == "altered" and r["comparison"] == "KRAS-altered")
    assert row["n"] == "24" and row["n_not_tested"] == "0" and row["test"] == "fisher" and row["odds_ratio"] == "2"
    assert (out / "tables" / "coalteration_counts.tsv").is_file()
    from openpyxl import load_workbook

    wb = load_workbook(out / "tables.xlsx", read_only=True)
    assert {"coalteration_tests", "coalteration_counts"} <= set(wb.sheetnames)
    html = (out / "report.html").read_text()
    assert "HER2 beside the co-driver groups" in html
    assert "HER2 altered by co-driver group" in html and "KRAS-altered (n\u00a0=\u00a06)" in html
    assert "3 (50.0%)" in html
    assert 'id="response"' not in html  # the plan has no response section
    assert any(m["topic"] == "HER2 beside the co-driver groups" for m in res["methods"])


def test_a_cohort_without_the_her2_assessment_columns_is_refused(tmp_path: Path) -> None:
    rows = [_row(*p) for p in PATIENTS]
    with pytest.raises(InputError, match=r"names column\(s\) the cohort lacks: 'cn_assessed' "
                                         r"\(plan: coalteration.her2_assessed\[1\]\)"):
        run(tmp_path, rows, columns=[c for c in COLUMNS if c != "cn_assessed"])
    assert not (tmp_path / "out").exists()


def test_a_cohort_with_a_column_the_plan_derives_is_refused(tmp_path: Path) -> None:
    rows = [dict(_row(*p), codriver_group="x") for p in PATIENTS]
    with pytest.raises(InputError, match="already has column\\(s\\) 'codriver_group'"):
        run(tmp_path, rows, columns=[*COLUMNS, "codriver_group"])


@pytest.mark.parametrize("key,value,message", [
    ("her2_rows", ["altered", "grade"], r"her2_rows\[1\]: 'grade' is not supported"),
    ("her2_rows", [], "her2_rows: expected at least one"),
    ("her2_rows", ["altered", "altered"], "listed twice"),
    ("her2_assessed", [], "her2_assessed: expected at least one condition"),
    ("groups", [{"name": "none", "genes": ["KRAS"]}], "duplicate group name 'none'"),
    ("groups", [{"name": "K", "genes": []}], r"groups\[0\].genes: expected at least one gene"),
    ("groups", [{"name": "K", "genes": ["KRAS"], "driver_group": "KRAS"},
                {"name": "K2", "genes": ["KRAS"], "driver_group": "KRAS"}], "given to both 'K' and 'K2'"),
    ("her2_tier", None, "her2_rows 'tier' needs the column"),
    ("correct", "yes", "correct: expected"),
    ("stratum", "center", "unknown key"),
])
def test_bad_coalteration_sections_are_refused(tmp_path: Path, key: str, value, message: str) -> None:
    tree = yaml.safe_load(builtin_plans()["codriver-coalteration"].read_text())
    if value is None:
        tree["coalteration"].pop(key)
    else:
        tree["coalteration"][key] = value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(tree))
    with pytest.raises(RulesError, match=message):
        load_plan(str(path))
