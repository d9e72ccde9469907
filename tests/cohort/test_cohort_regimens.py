"""Regimens: several --regimens files merge (and may not disagree), an unknown drug is one
patient's problem, and unnamed trial drugs have a class of their own."""

from __future__ import annotations

import csv

import pytest
from conftest import FIXTURES, run_cli, write

from her2var.cohort.rules import drug_key, load_regimen_rules
from her2var.errors import RulesError

CLIN = FIXTURES / "clinical"

ZONGERTINIB = "classes:\n  TKI:\n    drugs:\n      zongertinib: [bi 1810631, bi-1810631]\n"
SEVABERTINIB = "classes:\n  TKI:\n    drugs:\n      sevabertinib: [bay 2927088]\n"

# A lab's export: its own headers, drugs as the treating physician wrote them.
RECORDS = """\
Patient No.,Gender,Age,First-line therapy,Date of treatment start,Date of last contact,Best overall response
P001,M,61,Carboplatin/Pemetrexed (AUC5) + Keytruda,2021-03-01,2022-06-01,PR
P002,F,55,Zongertinib,2021-04-10,2022-01-05,SD
P003,F,70,BAY 2927088,2021-05-01,2022-01-05,PR
P004,M,66,Carboplatin + Study drug,2021-06-01,2022-02-01,SD
P005,F,59,Carboplatin + Wondermab,2021-07-01,2022-03-01,PD
P006,M,48,IMP,2021-08-01,2022-03-01,NE
"""


def test_two_lab_files_add_up(tmp_path):
    r = load_regimen_rules([write(tmp_path, "a.yaml", ZONGERTINIB), write(tmp_path, "b.yaml", SEVABERTINIB)])
    assert r.drugs[drug_key("BI 1810631")] == ("zongertinib", "TKI")
    assert r.drugs[drug_key("BAY 2927088")] == ("sevabertinib", "TKI")
    assert r.drugs["pyrotinib"] == ("pyrotinib", "TKI") and r.source.endswith("a.yaml + " + str(tmp_path / "b.yaml"))
    # the same definition twice is not a conflict
    same = load_regimen_rules([write(tmp_path, "c.yaml", ZONGERTINIB), write(tmp_path, "d.yaml", ZONGERTINIB)])
    assert same.drugs["zongertinib"] == ("zongertinib", "TKI")


@pytest.mark.parametrize("first,second,message", [
    (ZONGERTINIB, "classes:\n  ADC:\n    drugs:\n      zongertinib: []\n",
     r"'zongertinib' names both zongertinib \(TKI, in .*a\.yaml\) and zongertinib \(ADC, in .*b\.yaml\)"),
    (ZONGERTINIB, "classes:\n  TKI:\n    drugs:\n      other-tinib: [bi 1810631]\n",
     r"'bi 1810631' names both zongertinib \(TKI, in .*a\.yaml\) and other-tinib \(TKI, in .*b\.yaml\)"),
    ("classes:\n  C:\n    name: chemo\n", "classes:\n  C:\n    name: cytotoxic\n",
     r"b\.yaml: classes\.C\.name 'cytotoxic' differs from 'chemo' in .*a\.yaml"),
    ("class_order: [C, I, A, TKI, ADC, INV]\n", "class_order: [TKI, C, I, A, ADC, INV]\n",
     r"b\.yaml: class_order .* differs from .* in .*a\.yaml"),
])
def test_lab_files_that_disagree_are_an_error_naming_both(tmp_path, first, second, message):
    with pytest.raises(RulesError, match=message):
        load_regimen_rules([write(tmp_path, "a.yaml", first), write(tmp_path, "b.yaml", second)])


def rows(path):
    with open(path) as fh:
        return {r["patient_id"]: r for r in csv.DictReader(fh, delimiter="\t")}


def test_cohort_reads_every_regimens_file_and_lists_unknown_drugs_per_patient(tmp_path):
    clin = write(tmp_path, "records.csv", RECORDS)
    a, b = write(tmp_path, "a.yaml", ZONGERTINIB), write(tmp_path, "b.yaml", SEVABERTINIB)
    out = tmp_path / "cohort.tsv"
    proc = run_cli("cohort", "--clinical", clin, "--calls", CLIN / "clean_calls", "--regimens", a, "--regimens", b,
                   "-o", out)
    assert proc.returncode == 0, proc.stderr
    r = rows(out)
    assert (r["P001"]["regimen"], r["P001"]["drugs"]) == ("C+I", "carboplatin;pemetrexed;pembrolizumab")
    assert (r["P002"]["regimen"], r["P003"]["regimen"]) == ("TKI", "TKI")  # the first file still counts
    assert (r["P004"]["regimen"], r["P004"]["drugs"]) == ("C+INV", "carboplatin;investigational drug")
    assert (r["P006"]["regimen"], r["P006"]["regimen_group"]) == ("INV", "single")
    p5 = r["P005"]
    assert (p5["regimen"], p5["regimen_group"], p5["in_regimen"], p5["drugs"]) == \
        ("unknown", "unknown", "no", "carboplatin;Wondermab")
    assert p5["in_pfs"] == "yes" and p5["in_response"] == "yes"  # only the regimen analyses lose the patient
    with open(tmp_path / "cohort.problems.tsv") as fh:
        problems = list(csv.DictReader(fh, delimiter="\t"))
    (unknown,) = [p for p in problems if p["kind"] == "unknown_drug"]
    assert (unknown["patient_id"], unknown["row"], unknown["column"], unknown["value"], unknown["left_out_of"]) == \
        ("P005", "6", "First-line therapy", "Wondermab", "regimen")
    assert "unknown_drug" in proc.stderr


def test_strict_turns_an_unknown_drug_into_an_error(tmp_path):
    clin = write(tmp_path, "records.csv", RECORDS)
    proc = run_cli("cohort", "--clinical", clin, "--calls", CLIN / "clean_calls", "-o", tmp_path / "c.tsv", "--strict")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "row 3, column 'First-line therapy', patient P002: 'Zongertinib': unknown drug" in proc.stderr
    assert "row 6, column 'First-line therapy', patient P005: 'Wondermab': unknown drug" in proc.stderr
    assert not (tmp_path / "c.tsv").exists()


def test_conflicting_regimens_files_stop_the_command_with_a_clear_error(tmp_path):
    clin = write(tmp_path, "records.csv", RECORDS)
    a = write(tmp_path, "a.yaml", ZONGERTINIB)
    b = write(tmp_path, "b.yaml", "classes:\n  ADC:\n    drugs:\n      zongertinib: []\n")
    proc = run_cli("cohort", "--clinical", clin, "--calls", CLIN / "clean_calls", "--regimens", a, "--regimens", b,
                   "-o", tmp_path / "c.tsv")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "'zongertinib' names both" in proc.stderr and "a.yaml" in proc.stderr and "b.yaml" in proc.stderr
    assert not (tmp_path / "c.tsv").exists()


def test_an_unclosed_quote_is_an_error_not_one_long_unknown_drug(tmp_path):
    """The quote swallows every later row into one drug cell: the file is refused, not read short."""
    clin = write(tmp_path, "records.csv", RECORDS.replace("P002,F,55,Zongertinib", 'P002,F,55,"Zongertinib'))
    proc = run_cli("cohort", "--clinical", clin, "--calls", CLIN / "clean_calls", "-o", tmp_path / "c.tsv")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "records.csv: row 3: a quote opened in this row is never closed" in proc.stderr
    assert not (tmp_path / "c.tsv").exists()
