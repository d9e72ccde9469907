"""Clinical records: columns by synonym, spellings, dates, and every problem reported at once."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import FIXTURES, write

from her2var.cohort.clinical import read_clinical
from her2var.cohort.date_checks import check_dates
from her2var.cohort.rules import load_clinical_rules, load_regimen_rules, norm
from her2var.errors import InputError, RulesError

CLIN = FIXTURES / "clinical"
TODAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def crules():
    return load_clinical_rules()


@pytest.fixture(scope="module")
def rrules():
    return load_regimen_rules()


def read(path, crules, rrules, **kw):
    table = read_clinical(str(path), crules, rrules, **kw)
    check_dates(table, crules, today=TODAY, default_cutoff=kw.pop("cutoff", None) if "cutoff" in kw else None)
    return table


def by_kind(table):
    out = {}
    for p in table.problems:
        out.setdefault(p.kind, []).append(p)
    return out


def test_clean_csv_reads_without_problems(crules, rrules):
    t = read(CLIN / "clean_cohort.csv", crules, rrules)
    assert len(t.patients) == 12 and t.problems == [] and t.date_format == "%Y-%m-%d"
    p1 = t.patients[0]
    assert (p1.patient_id, p1.sex, p1.age, p1.smoking, p1.ecog, p1.stage) == ("P001", "male", 47.0, "former", "1", "IV")
    assert p1.drugs == ("carboplatin", "pemetrexed", "pembrolizumab") and p1.drug_classes == {"C", "I"}
    assert p1.mets == {"brain": "yes", "liver": "no", "bone": "no", "adrenal": None, "lung": None,
                       "pleura": None, "lymph_node": None}
    assert p1.treatment_start == dt.date(2021, 10, 6) and p1.cutoff == dt.date(2023, 6, 30)


def test_messy_excel_synonyms_spellings_and_excel_dates(crules, rrules):
    t = read(CLIN / "messy_records.xlsx", crules, rrules)
    assert t.problems == []
    assert t.columns["patient_id"] == "Patient No." and t.columns["birth_date"] == "Date of birth"
    assert "Notes" in t.ignored_columns and t.date_format == "%d/%m/%Y"
    p = {x.patient_id: x for x in t.patients}
    assert set(p) == {"P001", "P002", "P003", "1004"}  # Excel's 1004 is the id "1004", not 1004.0
    assert p["P001"].stage == "IV" and p["P001"].ecog == "1" and p["P001"].smoking == "never"
    assert p["P001"].progression_date == dt.date(2021, 9, 15)  # text d/m/Y beside Excel date cells
    assert p["P001"].age == 60.0  # from the birth date, at the first-line start
    assert p["P001"].mets["brain"] == "yes" and p["P001"].mets["bone"] == "yes" and p["P001"].mets["liver"] == "no"
    assert p["P002"].mets == dict.fromkeys(crules.metastasis_sites, "no")  # "none"
    assert p["P002"].smoking == "former" and p["P002"].best_response == "SD"
    assert p["P003"].drugs == ("carboplatin", "nab-paclitaxel", "atezolizumab", "bevacizumab")
    assert p["P003"].birth_date == dt.date(1951, 3, 2)
    assert p["1004"].drugs == ("trastuzumab deruxtecan",) and p["1004"].stage == "IV"
    assert p["1004"].best_response == "PD"


def test_sheet_choice(tmp_path, crules, rrules):
    with pytest.raises(InputError, match="no sheet 'Missing'; the workbook has: Patients, Notes"):
        read_clinical(str(CLIN / "messy_records.xlsx"), crules, rrules, sheet="Missing")
    with pytest.raises(InputError, match="no column for patient_id"):
        read_clinical(str(CLIN / "messy_records.xlsx"), crules, rrules, sheet="Notes")


@pytest.mark.parametrize("name,needles", [
    ("wrong_delimiter.csv", ["wrong delimiter", "3 semicolon(s)", "comma-separated"]),
    ("missing_column.csv", ["no column for patient_id", "'patient no'", "'name'"]),
    ("mixed_dates.csv", ["mixed date formats", "row 2, column 'treatment_start' (%Y-%m-%d)",
                         "row 3, column 'treatment_start' (%d.%m.%Y)"]),
    ("non_numeric_age.csv", ["row 3, column 'age': the age is not a number",  # the value is not quoted
                             "row 4, column 'age': the age is not a number", "2 unreadable value(s)"]),
    ("encrypted.xlsx", ["encrypted (password-protected)", "save it as .xlsx"]),
    ("not_excel.xlsx", ["not an Excel .xlsx workbook", "renamed"]),
])
def test_bad_input_names_row_and_column(name, needles, crules, rrules):
    with pytest.raises(InputError) as err:
        read_clinical(str(CLIN / name), crules, rrules)
    text = str(err.value)
    for n in needles:
        assert n in text or n in text.lower(), text


def test_missing_required_column_lists_every_synonym(crules, rrules):
    with pytest.raises(InputError) as err:
        read_clinical(str(CLIN / "missing_column.csv"), crules, rrules)
    for synonym in crules.columns["patient_id"].synonyms:
        assert repr(synonym) in str(err.value)


def test_two_columns_meaning_one_field(tmp_path, crules, rrules):
    p = write(tmp_path, "c.csv", "patient_id,ID,age\nP1,P1,50\n")
    with pytest.raises(InputError, match="columns 'patient_id' and 'ID' both mean patient_id"):
        read_clinical(str(p), crules, rrules)


def test_ambiguous_day_month_needs_a_format(tmp_path, crules, rrules):
    p = write(tmp_path, "c.csv", "patient_id,treatment_start\nP1,03/04/2021\nP2,05/06/2021\n")
    with pytest.raises(InputError, match="reads as two different days with %d/%m/%Y and with %m/%d/%Y") as err:
        read_clinical(str(p), crules, rrules)
    assert "03/04/2021" not in str(err.value) and "2021-04-03" not in str(err.value)  # no date is quoted
    t = read_clinical(str(p), crules, rrules, date_format="%m/%d/%Y")
    assert t.patients[0].treatment_start == dt.date(2021, 3, 4)


def test_unreadable_dates_and_numbers_in_date_columns(tmp_path, crules, rrules):
    p = write(tmp_path, "c.csv", "patient_id,treatment_start,last_followup\nP1,2021-03-01,soon\nP2,2021-13-45,2022-01-01\n")
    with pytest.raises(InputError) as err:
        read_clinical(str(p), crules, rrules)
    text = str(err.value)
    assert "row 2, column 'last_followup': the value is not a date" in text
    assert "row 3, column 'treatment_start': the value is not a date" in text
    assert "2021-13-45" not in text and "soon" not in text  # dates are patient data: never echoed


def test_ragged_row_and_non_utf8(tmp_path, crules, rrules):
    p = write(tmp_path, "c.csv", "patient_id,age\nP1,50,extra\n")
    with pytest.raises(InputError, match="row 2: 3 fields but the header"):
        read_clinical(str(p), crules, rrules)
    q = tmp_path / "l.csv"
    q.write_bytes("patient_id,sex\nP1,m\xe4nnlich\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_clinical(str(q), crules, rrules)


def test_unknown_drugs_are_a_problem_of_each_patient_not_of_the_file(tmp_path, crules, rrules):
    p = write(tmp_path, "c.csv", 'patient_id,drugs,regimen\nP1,"carboplatin + wondermab"\nP2,wondermab,C+I\n'
                                 'P3,"foo/pemetrexed"\nP4,pemetrexed\n')
    t = read(p, crules, rrules)  # no error: the file is read
    by = {x.patient: x for x in t.problems}
    assert {pid: (x.kind, x.value, x.row, x.column) for pid, x in by.items()} == {
        "P1": ("unknown_drug", "wondermab", 2, "drugs"), "P2": ("unknown_drug", "wondermab", 3, "drugs"),
        "P3": ("unknown_drug", "foo", 4, "drugs")}
    assert by["P1"].analyses == ("regimen",) and "--regimens" in by["P1"].message
    assert by["P2"].analyses == ()  # the regimen column says C+I: used, flagged only
    p1, p2, p3, p4 = t.patients
    assert p1.unknown_drugs == ("wondermab",) and p1.drugs == ("carboplatin",)
    assert p1.excluded == {"regimen": [by["P1"].message]} and "regimen" not in p2.excluded
    assert p4.unknown_drugs == () and p4.excluded == {}


def test_every_problem_is_reported_at_once(tmp_path, crules, rrules):
    p = write(tmp_path, "c.csv", """\
        patient_id,sex,best_response,treatment_start,progression_date,death_date,last_followup,cutoff
        P1,M,partial remision,2021-01-01,2020-12-01,,2021-06-01,2022-01-01
        P2,X,PR,2021-01-01,2021-05-01,2021-04-01,2021-06-01,2022-01-01
        P3,F,SD,2021-01-01,,2999-01-01,2021-06-01,2022-01-01
        P4,F,SD,2021-01-01,,,2022-03-01,2022-01-01
        P4,F,SD,2021-01-01,,,2021-03-01,2022-01-01
        P5,F,SD,2022-02-01,,,2022-03-01,2022-01-01
        """)
    t = read(p, crules, rrules)
    k = by_kind(t)
    (resp,) = [x for x in k["unknown_value"] if x.column == "best_response"]
    assert (resp.row, resp.value, resp.analyses) == (2, "partial remision", ("response",))
    (sex,) = [x for x in k["unknown_value"] if x.column == "sex"]
    assert sex.row == 3 and sex.analyses == ("baseline",)
    orders = {(x.row, x.column): x for x in k["date_order"]}
    assert "progression before the first-line start" in orders[(2, "progression_date")].message
    assert orders[(2, "progression_date")].analyses == ("pfs",)
    assert orders[(3, "death_date")].analyses == ("pfs", "os")
    (future,) = k["future_date"]
    assert (future.row, future.column, future.analyses) == (4, "death_date", ("pfs", "os"))
    after = {(x.row, x.column): x for x in k["after_cutoff"]}
    assert after[(5, "last_followup")].analyses == ()  # flagged, censored at the cut-off
    assert after[(7, "treatment_start")].analyses == ("pfs", "os")
    assert sorted(x.row for x in k["duplicate_patient"]) == [5, 6]
    assert "P4" not in [x.patient for x in k["duplicate_patient"] if not x.analyses]


def test_problem_describe_names_row_column_value(tmp_path, crules, rrules):
    p = write(tmp_path, "c.csv", "patient_id,best_response\nP1,great\n")
    (pr,) = read(p, crules, rrules).problems
    text = pr.describe("c.csv")
    assert text.startswith("c.csv: row 2, column 'best_response', patient P1: not a known best response")
    assert "(left out of: response)" in text and "great" not in text  # a clinical value is never quoted
    assert pr.value == "great"  # the problems table keeps it


def test_problem_describe_quotes_only_drug_like_names():
    from her2var.cohort.problems import Problem

    def said(value: str) -> bool:
        return repr(value) in Problem("unknown_drug", "unknown drug", 2, "drugs", value, "P1").describe("c.csv")

    assert said("zongertinib") and said("DS-8201a") and said("trastuzumab deruxtecan")
    assert not said("trial drug since 2019-07-01") and not said("per Dr Jones (tel 5550123)")
    assert not said("x" * 60) and not said("12/03")


def test_missing_patient_id_row_is_left_out(tmp_path, crules, rrules):
    p = write(tmp_path, "c.csv", "patient_id,age\n,50\nNA,40\nP3,30\n")
    t = read(p, crules, rrules)
    assert [x.patient_id for x in t.patients] == ["P3"]
    assert [x.row for x in t.problems if x.kind == "missing_patient_id"] == [2, 3]


def test_metastasis_list_and_columns_must_agree(tmp_path, crules, rrules):
    p = write(tmp_path, "c.csv", 'patient_id,brain_mets,metastasis sites\nP1,no,"brain, liver"\nP2,,bone and lung\nP3,yes,spleen\n')
    t = read(p, crules, rrules)
    p1, p2, p3 = t.patients
    assert p1.mets["brain"] == "no" and p1.mets["liver"] == "yes"
    assert [x.kind for x in t.problems if x.patient == "P1"] == ["conflict"]
    assert p2.mets["bone"] == "yes" and p2.mets["lung"] == "yes" and p2.mets["brain"] == "no"
    assert [(x.kind, x.value) for x in t.problems if x.patient == "P3"] == [("unknown_value", "spleen")]


def test_regimen_column_and_drug_disagreement(tmp_path, crules, rrules):
    p = write(tmp_path, "c.csv", 'patient_id,drugs,regimen\nP1,pyrotinib,TKI\nP2,docetaxel,C+I\nP3,,i + c\nP4,,chemo\n')
    t = read(p, crules, rrules)
    p1, p2, p3, p4 = t.patients
    assert p1.regimen_given == "TKI" and p3.regimen_given == "C+I"
    kinds = {x.patient: x.kind for x in t.problems}
    assert kinds == {"P2": "conflict", "P4": "unknown_value"}


# ---------------------------------------------------------------------------------------------
# Rules: every spelling is reachable; bad rules files are fatal
# ---------------------------------------------------------------------------------------------
def test_every_spelling_in_the_rules_maps_to_its_value(crules):
    raw = __import__("yaml").safe_load((__import__("her2var.rules.load", fromlist=["x"]).builtin_rules_dir()
                                        / "clinical.yaml").read_text())
    for vs, table in raw["values"].items():
        for canonical, spellings in table.items():
            for s in (canonical, *spellings):
                assert crules.values[vs][norm(s)] == canonical, (vs, s)


def test_every_drug_of_the_domain_notes_has_a_class(rrules):
    expected = {
        "C": "pemetrexed cisplatin carboplatin docetaxel paclitaxel nab-paclitaxel gemcitabine",
        "I": "pembrolizumab nivolumab atezolizumab durvalumab tislelizumab sintilimab camrelizumab "
             "toripalimab ipilimumab tremelimumab",
        "A": "bevacizumab apatinib endostar",
        "TKI": "afatinib pyrotinib poziotinib dacomitinib erlotinib gefitinib osimertinib crizotinib anlotinib",
    }
    from her2var.cohort.rules import drug_key

    for klass, names in expected.items():
        for name in names.split():
            assert rrules.drugs[drug_key(name)][1] == klass, name
    assert rrules.drugs[drug_key("trastuzumab deruxtecan")][1] == "ADC"
    assert rrules.drugs[drug_key("T-DM1")] == ("trastuzumab emtansine", "ADC")
    assert rrules.class_order == ("C", "I", "A", "TKI", "ADC", "INV")


@pytest.mark.parametrize("written", ["Investigational Drug", "Study drug", "IMP", "study drug (blinded)",
                                     "Investigational medicinal product", "clinical trial"])
def test_unnamed_trial_drugs_are_investigational(written, rrules):
    from her2var.cohort.clinical import parse_drugs

    names, classes, unknown = parse_drugs(f"Carboplatin + {written}", rrules)
    assert (names, classes, unknown) == (("carboplatin", "investigational drug"), {"C", "INV"}, ())


@pytest.mark.parametrize("which,text,message", [
    ("clinical", "columns:\n  sex:\n    synonym: [gender]\n", "columns.sex.synonym: unknown key"),
    ("clinical", "colour: blue\n", "colour: unknown key"),
    ("clinical", "columns:\n  sex:\n    type: colour\n", "type: 'colour' is not one of"),
    ("clinical", "values:\n  sex:\n    male: [f]\n", "the spelling 'f' means both"),
    ("clinical", "sample_selection:\n  prefer: random\n", "sample_selection.prefer: 'random'"),
    ("clinical", "columns:\n  age:\n    analyses: [survival]\n", "'survival' is not one of"),
    ("regimens", "classes:\n  C:\n    drugs:\n      pyrotinib: []\n", "'pyrotinib' names both"),
    ("regimens", "classes:\n  X:\n    name: x\n    drugs: {}\n", "classes.X: not in class_order"),
    ("regimens", "classes: [1, 2]\n", "expected a mapping"),
])
def test_bad_rules_files_are_fatal(tmp_path, which, text, message):
    p = write(tmp_path, "lab.yaml", text)
    loader = load_clinical_rules if which == "clinical" else load_regimen_rules
    with pytest.raises(RulesError, match=message.replace("(", r"\(").replace("[", r"\[")):
        loader(p)


def test_lab_rules_add_a_drug_and_a_synonym(tmp_path, crules):
    r = load_regimen_rules(write(tmp_path, "r.yaml", "classes:\n  TKI:\n    drugs:\n      zongertinib: [bi 1810631]\n"))
    assert r.drugs["zongertinib"] == ("zongertinib", "TKI") and r.drugs["bi1810631"][0] == "zongertinib"
    assert r.drugs["pyrotinib"] == ("pyrotinib", "TKI")  # built-in drugs kept
    c = load_clinical_rules(write(tmp_path, "c.yaml", "columns:\n  patient_id:\n    synonyms: [mrn]\n"))
    assert c.header_index["mrn"] == "patient_id"
