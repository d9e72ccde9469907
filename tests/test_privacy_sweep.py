"""What reaches a person's terminal or a spreadsheet: no clinical value on stderr (recognisable
values planted in every clinical column, with --strict), no free text in pseudonymised exports,
formulas hidden behind quotes neutralised in every TSV (cBioPortal files too), control characters
escaped where messages are printed, and --annotate-vcf keeping to the VCF encoding."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import VCF_HEADER_37, run_cli, run_process, write

from her2var.errors import terminal_text
from her2var.files import neutralise, tsv_text
from her2var.models import CALL_COLUMNS, SAMPLE_COLUMNS

G776V = "17\t37880998\t.\tG\tT\t.\tPASS\t.\tGT:AD:DP\t0/1:60,40:100"
# Values no message may repeat: each is recognisable wherever it lands.
SENTINELS = {
    "sex": "F (born 1961-04-03)",
    "age": "1961-04-03",
    "drugs": "trial drug 2019-07-01 Mrs Smith",
    "treatment_start": "2031-05-17",  # in the future: a problem under --strict
    "progression_date": "2009-02-11",  # before the start: a date-order problem
    "last_followup": "2032-08-19",
    "best_response": "partial, per Dr Jones 1961",
    "histology": "adeno; lives at 12 Oak Lane",
    "smoking": "ex-smoker since 1987-11-30",
}


@pytest.mark.parametrize("text, expected", [
    ('"=1+1"', '\'"=1+1"'), ('"""@SUM(1)', '\'"""@SUM(1)'), (' =x', "' =x"), ('" -cmd|x"', '\'" -cmd|x"'),
    ('"\t=1"', '\'"\t=1"'), ("-5", "-5"), ('"abc"', '"abc"'), ("'=1", "'=1"), ("", ""),
])
def test_neutralise_looks_past_quotes_and_spaces(text, expected):
    assert neutralise(text) == expected
    assert neutralise(neutralise(text)) == neutralise(text)  # a second pass changes nothing
    assert "\t" not in tsv_text(text) and tsv_text("a\nb") == "a b"


def test_terminal_text_escapes_what_a_terminal_acts_on():
    shown = terminal_text("x\x1b[2J\x07\u202eabc\x9b1m\tok\nnext")
    assert not any(ch in shown for ch in "\x1b\x07\u202e\x9b")
    assert "\\x1b[2J" in shown and "\\u202e" in shown and "\tok\nnext" in shown


def test_error_printing_escapes_control_characters(tmp_path):
    """A message may hold anything a user typed (here a missing file's name): printed escaped."""
    proc = run_cli("classify", "no\x1b]0;owned\x07such\u202e.vcf", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode != 0
    assert not any(ch in proc.stderr for ch in "\x1b\x07\u202e"), proc.stderr
    assert "Traceback" not in proc.stderr


def test_annotate_vcf_encodes_info_values_and_header(tmp_path):
    header = VCF_HEADER_37.rsplit("\t", 1)[0] + "\tT1;EVIL=1,a b%|c\n"
    vcf = write(tmp_path, "t.vcf", header + G776V + "\n")
    out = "ann\nx.vcf"
    proc = run_process("classify", str(vcf), "--out", str(tmp_path / "o"), "--annotate-vcf", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / out).read_text().splitlines()
    assert all(ln.startswith("#") or ln.startswith("17\t") for ln in lines), lines[:40]  # no split header line
    command = [ln for ln in lines if ln.startswith("##her2var_command=")]
    assert len(command) == 1 and "ann%0Ax.vcf" in command[0]
    record = next(ln for ln in lines if ln.startswith("17\t")).split("\t")
    info = dict(kv.split("=", 1) for kv in record[7].split(";"))
    assert info["HER2_SAMPLES"] == "T1%3BEVIL%3D1%2Ca%20b%25%7Cc"
    assert "EVIL" not in info


def _cohort_inputs(tmp_path: Path) -> tuple[Path, Path]:
    head = ["patient_id", *SENTINELS]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([head, ["P001", *SENTINELS.values()],
                                                    ["P002", "M", "55", "pyrotinib", "2021-04-10", "", "2022-01-05",
                                                     "SD", "adenocarcinoma", "never"]])
    clinical = write(tmp_path, "clinical.csv", buf.getvalue())
    calls = tmp_path / "calls"
    calls.mkdir()
    rows = []
    for sample, patient in (("S1", "P001"), ("S2", "P002")):
        d = dict.fromkeys(SAMPLE_COLUMNS, "")
        d.update(sample=sample, patient=patient, her2_status="none", assessed="yes", cn_assessed="yes", status="ok")
        rows.append("\t".join(d[c] for c in SAMPLE_COLUMNS))
    (calls / "samples.tsv").write_text("\t".join(SAMPLE_COLUMNS) + "\n" + "\n".join(rows) + "\n")
    (calls / "calls.tsv").write_text("\t".join(CALL_COLUMNS) + "\n")
    return clinical, calls


def _leaks(text: str) -> list[str]:
    pieces = {"1961", "2031-05-17", "2009-02-11", "2032-08-19", "Smith", "Jones", "Oak Lane", "1987"}
    return sorted(p for p in pieces if p in text)


def test_age_cell_holding_a_birth_date_is_not_echoed(tmp_path):
    clinical, calls = _cohort_inputs(tmp_path)
    proc = run_cli("cohort", "--clinical", str(clinical), "--calls", str(calls), "-o", str(tmp_path / "c.tsv"))
    assert proc.returncode == 1
    assert "row 2, column 'age'" in proc.stderr
    assert not _leaks(proc.stderr), proc.stderr


@pytest.mark.parametrize("strict", [False, True])
def test_no_clinical_value_on_stderr(tmp_path, strict):
    """Sentinels in every clinical column but age (age fails first: see above); with --strict every
    problem is printed, and none may quote its cell."""
    clinical, calls = _cohort_inputs(tmp_path)
    text = clinical.read_text().replace(",1961-04-03,", ",61,")
    clinical.write_text(text)
    args = ["cohort", "--clinical", str(clinical), "--calls", str(calls), "-o", str(tmp_path / "c.tsv"), "-v"]
    proc = run_cli(*args, *(["--strict"] if strict else []))
    assert proc.returncode == (1 if strict else 0), proc.stderr
    if strict:
        assert "row 2" in proc.stderr  # the problems are there, located
    assert not _leaks(proc.stderr), proc.stderr


def test_pseudonymised_problems_carry_no_free_text(tmp_path):
    clinical, calls = _cohort_inputs(tmp_path)
    clinical.write_text(clinical.read_text().replace(",1961-04-03,", ",61,"))
    key = write(tmp_path, "key.txt", "k" * 40)
    out = tmp_path / "out"
    proc = run_cli("cohort", "--clinical", str(clinical), "--calls", str(calls), "-o", str(out / "cohort.tsv"),
                   "--xlsx", str(out / "cohort.xlsx"), "--pseudonymize", str(key))
    assert proc.returncode == 0, proc.stderr
    assert not _leaks(proc.stderr)
    problems = (out / "cohort.problems.tsv").read_text()
    assert "[withheld]" in problems or "[date withheld]" in problems
    assert not _leaks(problems), problems
    assert not _leaks((out / "cohort.tsv").read_text())


def test_analyze_non_number_is_not_echoed():
    """The analysis reads the cohort's numbers; a bad one is located (file, line, patient id,
    column), never quoted."""
    from her2var.analysis.data import _number
    from her2var.errors import InputError

    class Located:
        def where(self, i: int, column: str) -> str:
            return f"c.tsv:{i + 2} (patient P1), column {column!r}"

    with pytest.raises(InputError) as err:
        _number(Located(), 0, "pfs_months", "1961.04.03x")  # type: ignore[arg-type]
    assert "column 'pfs_months'" in str(err.value) and not _leaks(str(err.value))


def test_cbioportal_files_neutralise_hand_edited_calls(tmp_path):
    clinical, calls = _cohort_inputs(tmp_path)
    clinical.write_text(clinical.read_text().replace(",1961-04-03,", ",61,"))
    text = (calls / "samples.tsv").read_text().replace("\tnone\t", "\tpoint_mutation\t", 1)
    (calls / "samples.tsv").write_text(text)
    call = dict.fromkeys(CALL_COLUMNS, "")
    call.update({"sample": "S1", "gene": "ERBB2", "class": "point_mutation", "hgvs_p": '"=HYPERLINK(1)"',
                 "hgvs_c": '"=c.2327G>T"', "chrom": "17", "pos": "37880998", "ref": "G", "alt": "T", "source": "vcf",
                 "build": "GRCh37", "notes": '" @cmd"'})
    (calls / "calls.tsv").write_text("\t".join(CALL_COLUMNS) + "\n" + "\t".join(call[c] for c in CALL_COLUMNS) + "\n")
    study = tmp_path / "study"
    proc = run_cli("cohort", "--clinical", str(clinical), "--calls", str(calls), "-o", str(tmp_path / "c.tsv"),
                   "--cbioportal", str(study))
    assert proc.returncode == 0, proc.stderr
    assert "\t'=c.2327G>T\t" in (study / "data_mutations.txt").read_text()  # the edited cell, neutralised
    for f in sorted(study.rglob("data_*.txt")):
        for line in f.read_text().splitlines():
            for cell in line.split("\t"):
                if cell in ("+", "-"):  # MAF's strand and empty allele: no formula
                    continue
                head = cell.lstrip('" ')[:1]
                assert not (head in ("=", "@", "+") and not cell.startswith("'")), (f.name, cell)
