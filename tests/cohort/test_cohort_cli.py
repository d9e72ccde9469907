"""`her2var cohort` through the command line's entry point: outputs, exit codes, messages, no partial
output. The end-to-end case also runs the installed program in a process of its own."""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import FIXTURES, run_cli, run_process, run_python, write

CLIN = FIXTURES / "clinical"


def run_cohort(*args: str, way: str = "cli") -> subprocess.CompletedProcess:
    return (run_process if way == "process" else run_cli)("cohort", *args)


def assert_clean_error(proc, *needles, code=1):
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert n in proc.stderr, proc.stderr


@pytest.mark.parametrize("way", ["cli", pytest.param("process", marks=pytest.mark.slow)])
def test_cohort_end_to_end(tmp_path, way):
    out = tmp_path / "out"
    proc = run_cohort("--clinical", str(CLIN / "clean_cohort.csv"), "--calls", str(CLIN / "clean_calls"),
                      "--samples", str(CLIN / "clean_samples.tsv"), "-o", str(out / "cohort.tsv"),
                      "--xlsx", str(out / "cohort.xlsx"), "--cbioportal", str(out / "study"), "--strict", way=way)
    assert proc.returncode == 0, proc.stderr
    assert "cohort: 12 patients, 13 samples" in proc.stderr and "conflicting calls" in proc.stderr
    assert sorted(os.listdir(out)) == ["cohort.conflicts.tsv", "cohort.problems.tsv", "cohort.tsv", "cohort.xlsx", "study"]
    header = (out / "cohort.tsv").read_text().splitlines()[0].split("\t")
    assert header[:3] == ["patient_id", "sex", "age"] and "pfs_months" in header and "in_her2" in header


def test_problems_listed_by_default_and_fatal_with_strict(tmp_path):
    clin = write(tmp_path, "c.csv", "patient_id,best_response,treatment_start\nP001,great,2021-01-01\n")
    ok = run_cohort("--clinical", str(clin), "--calls", str(CLIN / "clean_calls"), "-o", str(tmp_path / "a.tsv"))
    assert ok.returncode == 0 and "problem(s)" in ok.stderr
    assert "great" in (tmp_path / "a.problems.tsv").read_text()
    strict = run_cohort("--clinical", str(clin), "--calls", str(CLIN / "clean_calls"), "-o", str(tmp_path / "b.tsv"),
                        "--strict")
    assert_clean_error(strict, "--strict:", "row 2, column 'best_response', patient P001: not a known",
                       "nothing was written")
    assert "great" not in strict.stderr  # a clinical value is never printed
    assert not (tmp_path / "b.tsv").exists() and not (tmp_path / "b.problems.tsv").exists()


@pytest.mark.parametrize("name,needle", [
    ("wrong_delimiter.csv", "wrong delimiter"),
    ("missing_column.csv", "no column for patient_id (required); headers tried:"),
    ("mixed_dates.csv", "mixed date formats"),
    ("non_numeric_age.csv", "row 3, column 'age': the age is not a number"),
    ("encrypted.xlsx", "encrypted (password-protected)"),
    ("not_excel.xlsx", "is not an Excel .xlsx workbook"),
])
def test_bad_input_exit_1_and_no_output(tmp_path, name, needle):
    proc = run_cohort("--clinical", str(CLIN / name), "--calls", str(CLIN / "clean_calls"),
                      "-o", str(tmp_path / "o" / "cohort.tsv"), "--xlsx", str(tmp_path / "o" / "c.xlsx"))
    assert_clean_error(proc, needle)
    assert not (tmp_path / "o").exists() or os.listdir(tmp_path / "o") == []


@pytest.mark.parametrize("extra,needle", [
    ([], "give --calls"),
    (["--calls", str(CLIN / "clean_calls"), "--cutoff", "30/06/2023"], "--cutoff '30/06/2023': write the date as YYYY-MM-DD"),
    (["--calls", str(CLIN / "clean_calls"), "--study-id", "Bad-Id", "--cbioportal", "STUDY"], "--study-id 'Bad-Id'"),
    (["--calls", str(CLIN / "clean_calls"), "--xlsx", "OUT"], "must be different files"),
    (["--calls", str(CLIN / "clean_calls"), "--date-format", "dd/mm/yyyy"], "give a strptime format"),
])
def test_usage_errors_exit_2(tmp_path, extra, needle):
    out = str(tmp_path / "c.tsv")
    extra = [out if x == "OUT" else str(tmp_path / "study") if x == "STUDY" else x for x in extra]
    proc = run_cohort("--clinical", str(CLIN / "clean_cohort.csv"), "-o", out, *extra)
    assert_clean_error(proc, needle, code=2)
    assert not os.path.exists(out)


def test_a_missing_store_is_bad_input_exit_1(tmp_path):
    out = str(tmp_path / "c.tsv")
    proc = run_cohort("--clinical", str(CLIN / "clean_cohort.csv"), "-o", out, "--store", "/nonexistent/her2var.db")
    assert_clean_error(proc, "--store /nonexistent/her2var.db: no such file", code=1)
    assert not os.path.exists(out)


def test_pseudonymize_and_store(tmp_path):
    from her2var.classify.result import SampleResult
    from her2var.models import Call
    from her2var.classify.output import sample_json
    from her2var.store import open_store

    with open_store(str(tmp_path / "h.db")) as store:
        r = SampleResult(sample="S001", patient="P001", assessed="yes", cn_assessed="yes", input_sha256="a" * 64,
                         calls=[Call(sample="S001", gene="ERBB2", klass="exon20_insertion", hgvs_p="p.Y772_A775dup")])
        store.record(sample_json(r, {"her2var_version": "t"}), "r")
    key = tmp_path / "k.key"
    key.write_bytes(os.urandom(32))
    proc = run_cohort("--clinical", str(CLIN / "clean_cohort.csv"), "--store", str(tmp_path / "h.db"),
                      "-o", str(tmp_path / "c.tsv"), "--pseudonymize", str(key))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "c.tsv").read_text()
    assert "P001" not in text and "S001" not in text and "exon20_insertion" in text
    assert "P001" not in proc.stderr


def test_help_lists_options_and_imports_stay_light():
    proc = run_cohort("--help")
    assert proc.returncode == 0
    for opt in ("--clinical", "--calls", "--store", "--samples", "--xlsx", "--parquet", "--cbioportal",
                "--pseudonymize", "--strict", "--sheet", "--cutoff"):
        assert opt in proc.stdout
    # A fresh interpreter: this one has imported them already.
    check = run_python("import sys, her2var.cli.cohort; "
                       "print(sorted(m for m in ('pandas', 'openpyxl', 'numpy') if m in sys.modules))")
    assert check.stdout.strip() == "[]", check.stderr
