"""Columns a lab declares in --clinical-rules (PD-L1 TPS, TMB, a PD-L1 category) reach cohort.tsv
typed as declared, are validated patient by patient, and can be used by an analysis plan."""

from __future__ import annotations

import csv
import datetime as dt
import json

import openpyxl
import pytest
from conftest import FIXTURES, run_cli, write

from her2var.cohort.build import build_cohort
from her2var.cohort.export import Pseudonymizer, write_cohort
from her2var.cohort.rules import load_clinical_rules
from her2var.errors import RulesError

CLIN = FIXTURES / "clinical"
TODAY = dt.date(2026, 1, 1)

LAB_RULES = """\
columns:
  pdl1_tps:
    type: number
    range: [0, 100]
    synonyms: [PD-L1 TPS, "PD-L1 TPS (%)", PD-L1 22C3 TPS]
    analyses: []
  tmb:
    type: number
    range: [0, 1000]
    synonyms: [TMB, TMB (mut/Mb), tumour mutational burden]
    analyses: [baseline]
  pdl1_group:
    type: category
    values: pdl1
    synonyms: [PD-L1 expression, PD-L1 category]
    analyses: []
  diagnosis_date:
    type: date
    synonyms: [date of diagnosis, diagnosis date]
    analyses: []
values:
  pdl1:
    negative: ["<1%", "< 1 %", negative, neg, "0"]
    low: ["1-49%", "1 - 49 %", low, weak]
    high: [">=50%", "≥50%", "≥ 50 %", high, strong]
"""

# The lab's Excel sheet: its own headers; PD-L1 as written by pathology reports ("45 %", "N.D.",
# "<1%" typed into the number column by mistake), TMB with a decimal comma.
HEADER = ["Patient No.", "Gender", "Age at diagnosis", "Smoking status", "ECOG PS", "Stage", "Histology",
          "Brain metastases", "First-line therapy", "Date of treatment start", "Date of progression",
          "Date of death", "Date of last contact", "Best overall response", "Data cut-off", "PD-L1 TPS (%)",
          "TMB (mut/Mb)", "PD-L1 expression", "Date of diagnosis"]
LAB = {  # patient -> (PD-L1 TPS, TMB, PD-L1 expression)
    "P001": (80, "12,5", "≥50%"), "P002": ("45 %", 3.1, "1-49%"), "P003": ("N.D.", "not done", "not done"),
    "P004": ("<1%", 2, "<1%"), "P005": (0, 7.4, "negative"), "P006": (95, 22, "high"),
    "P007": (10, "1,8", "1-49%"), "P008": (60, 15.5, "≥ 50 %"), "P009": (150, 4, "weird"),
    "P010": (None, None, None), "P011": (30, "5.0", "low"), "P012": (55, 9.9, "strong"),
}


def lab_workbook(tmp_path):
    with open(CLIN / "clean_cohort.csv") as fh:
        recs = list(csv.DictReader(fh))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Patients"
    ws.append(HEADER)
    for r in recs:
        def date(text):
            return dt.datetime.fromisoformat(text) if text else None
        tps, tmb, group = LAB[r["patient_id"]]
        ws.append([r["patient_id"], r["sex"], int(r["age"]), r["smoking"], int(r["ecog"]), r["stage"], r["histology"],
                   r["brain_mets"], r["drugs"], date(r["treatment_start"]), date(r["progression_date"]),
                   date(r["death_date"]), date(r["last_followup"]), r["best_response"], date(r["cutoff"]), tps, tmb,
                   group, dt.datetime(2020, 11, 2)])
    path = tmp_path / "records.xlsx"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    rules = load_clinical_rules(write(tmp, "lab.yaml", LAB_RULES))
    result = build_cohort(str(lab_workbook(tmp)), [str(CLIN / "clean_calls")],
                          samples_sheet=str(CLIN / "clean_samples.tsv"), clinical_rules=rules, today=TODAY)
    return tmp, rules, result


def test_declared_columns_are_carried_typed_after_the_baseline(built):
    _, rules, result = built
    assert rules.extra_columns == ("pdl1_tps", "tmb", "pdl1_group", "diagnosis_date")
    cols = result.columns
    assert cols.index("mets_lymph_node") < cols.index("pdl1_tps") < cols.index("drugs")
    r = {x["patient_id"]: x for x in result.rows}
    assert [r[p]["pdl1_tps"] for p in ("P001", "P002", "P005", "P007")] == [80.0, 45.0, 0.0, 10.0]
    assert (r["P001"]["tmb"], r["P007"]["tmb"], r["P011"]["tmb"]) == (12.5, 1.8, 5.0)
    assert (r["P001"]["pdl1_group"], r["P004"]["pdl1_group"], r["P008"]["pdl1_group"]) == ("high", "negative", "high")
    # the test was not done: "not tested", never a value and never plain missing
    assert (r["P003"]["pdl1_tps"], r["P003"]["tmb"], r["P003"]["pdl1_group"]) == ("not tested",) * 3
    assert (r["P010"]["pdl1_tps"], r["P010"]["tmb"]) == (None, None)
    assert r["P001"]["diagnosis_date"] == dt.date(2020, 11, 2)


def test_values_that_do_not_fit_are_problems_of_their_patient(built):
    _, _, result = built
    found = {(p.patient, p.column): p for p in result.problems if p.kind == "unknown_value"}
    assert set(found) == {("P004", "PD-L1 TPS (%)"), ("P009", "PD-L1 TPS (%)"), ("P009", "PD-L1 expression")}
    assert "not a number" in found[("P004", "PD-L1 TPS (%)")].message
    assert "outside the column's range; accepted 0 to 100" in found[("P009", "PD-L1 TPS (%)")].message
    assert found[("P009", "PD-L1 TPS (%)")].analyses == ()  # analyses: [] -> flagged only
    r = {x["patient_id"]: x for x in result.rows}
    assert r["P004"]["pdl1_tps"] is None and r["P009"]["pdl1_tps"] is None and r["P009"]["in_baseline"] == "yes"


def test_exports_keep_the_types_and_pseudonyms_drop_the_added_dates(built):
    tmp, _, result = built
    out = tmp / "o"
    out.mkdir()
    write_cohort(result, str(out / "cohort.tsv"), xlsx=str(out / "cohort.xlsx"))
    with open(out / "cohort.tsv") as fh:
        rows = {r["patient_id"]: r for r in csv.DictReader(fh, delimiter="\t")}
    assert (rows["P002"]["pdl1_tps"], rows["P003"]["pdl1_tps"], rows["P001"]["tmb"]) == ("45", "not tested", "12.5")
    wb = openpyxl.load_workbook(out / "cohort.xlsx", read_only=True)
    table = [list(x) for x in wb["cohort"].iter_rows(values_only=True)]
    wb.close()
    col = table[0].index("pdl1_tps")
    assert isinstance(table[1][col], (int, float)) and table[1][col] == 80
    key = tmp / "k.key"
    key.write_bytes(b"0123456789abcdef0123456789abcdef")
    write_cohort(result, str(out / "p.tsv"), pseudonymizer=Pseudonymizer.from_file(str(key)))
    text = (out / "p.tsv").read_text()
    assert "diagnosis_date" not in text.splitlines()[0] and "2020-11-02" not in text
    assert "pdl1_tps" in text.splitlines()[0]


def test_an_analysis_plan_uses_the_added_columns(built, tmp_path):
    tmp, _, result = built
    write_cohort(result, str(tmp_path / "cohort.tsv"))
    plan = write(tmp_path, "pdl1.yaml", """\
        version: 1
        name: pdl1
        title: PD-L1 and TMB
        id_column: patient_id
        groupings:
          - {name: regimen_group, column: regimen_group, levels: [single, combination]}
        endpoints:
          - {name: pfs, label: Progression-free survival, time: pfs_months, event: pfs_event, require_yes: [in_pfs]}
        subgroups:
          - {name: pdl1_high, label: PD-L1 TPS, column: pdl1_tps, levels: ["<50%", ">=50%"], breaks: [50]}
        table1:
          variables:
            - {column: pdl1_tps, label: "PD-L1 TPS, %", type: continuous}
            - {column: pdl1_group, label: PD-L1 expression, type: categorical, levels: [negative, low, high]}
            - {column: tmb, label: "TMB >= 10", type: categorical, levels: ["<10", ">=10"], breaks: [10]}
        cox:
          endpoints: [pfs]
          univariable: true
          multivariable: false
          covariates:
            - {column: pdl1_tps, label: PD-L1 TPS (per %), type: continuous}
            - {name: tmb10, column: tmb, label: TMB >= 10, type: categorical, reference: "<10",
               levels: ["<10", ">=10"], breaks: [10]}
        km: {median_ci: log}
        logrank: {pairwise: false, adjust: none}
        """)
    proc = run_cli("analyze", str(tmp_path / "cohort.tsv"), "--plan", str(plan), "-o", str(tmp_path / "a"),
                   "--no-figures")
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "a" / "results.json").read_text())
    t1 = {(r["variable"], r["level"]): r["cells"]["all"] for r in res["table1_rows"]}
    # 12 patients: P003 not tested, P004/P009/P010 without a value
    assert t1[("pdl1_tps", "not tested")] == "1" and t1[("pdl1_tps", "missing")] == "3"
    assert t1[("pdl1_group", "high")] == "4 (36.4%)" and t1[("pdl1_group", "not tested")] == "1"
    # 12.5, 22 and 15.5 of the 11 tested (P010's missing value stays in the denominator, as for any
    # variable; only "not tested" leaves it)
    assert t1[("tmb", ">=10")] == "3 (27.3%)" and t1[("tmb", "missing")] == "1 (9.1%)"
    sub = {r["group"]: r["n"] for r in res["km"] if r["group_by"] == "pdl1_high" and r["subgroup"] is None}
    assert sub == {"<50%": 4, ">=50%": 4}
    cox = {r["term"]: r for r in res["cox"]}
    assert cox["pdl1_tps"]["n"] + cox["pdl1_tps"]["n_dropped"] == res["cohort"]["endpoints"]["pfs"]
    assert cox["pdl1_tps"]["n"] == 8 and "tmb10=>=10" in cox


@pytest.mark.parametrize("text,message", [
    ("columns:\n  PD-L1:\n    type: number\n    synonyms: [pdl1]\n    analyses: []\n", "lower-case letters"),
    ("columns:\n  pdl1:\n    type: drugs\n    synonyms: [pdl1]\n    analyses: []\n", "is one of text, number"),
    ("columns:\n  pdl1:\n    type: text\n    range: [0, 1]\n    synonyms: [pdl1]\n    analyses: []\n",
     "range: only for number columns"),
    ("columns:\n  pdl1:\n    type: number\n    range: [100, 0]\n    synonyms: [pdl1]\n    analyses: []\n",
     "expected [lowest, highest]"),
    ("not_tested: [unknown]\n", "listed under both missing and not_tested"),
])
def test_bad_added_columns_are_rules_errors(tmp_path, text, message):
    with pytest.raises(RulesError, match=message.replace("[", r"\[")):
        load_clinical_rules(write(tmp_path, "lab.yaml", text))


def test_an_added_column_may_not_take_a_cohort_column_name(tmp_path):
    rules = load_clinical_rules(write(tmp_path, "lab.yaml",
                                      "columns:\n  pfs_days:\n    type: number\n    synonyms: [pfs d]\n"
                                      "    analyses: []\n"))
    clin = write(tmp_path, "c.csv", "patient_id,pfs d\nP001,12\n")
    with pytest.raises(RulesError, match="columns.pfs_days: the cohort has a column of that name already"):
        build_cohort(str(clin), [str(CLIN / "clean_calls")], clinical_rules=rules, today=TODAY)


def test_parquet_gets_one_type_per_column(built):
    from her2var.cohort.export import parquet_frame

    _, _, result = built
    frame = parquet_frame(result.columns, result.rows)
    tps = dict(zip(frame["patient_id"], frame["pdl1_tps"], strict=True))
    assert (tps["P001"], tps["P003"], tps["P010"]) == ("80", "not tested", None)  # numbers and a word: text
    assert {type(v) for v in frame["pdl1_tps"] if v is not None} == {str}
    assert frame["pfs_days"].dtype.name == "Int64" and frame["age"].dtype.kind == "f"
