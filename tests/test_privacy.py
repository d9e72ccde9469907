"""Security and privacy through the real command line: ids turned into file names only after
sanitising, spreadsheet formulas neutralised in exports, and no clinical date in the messages of a
demo run."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from conftest import VCF_HEADER_37, run_cli, write
from hypothesis import given, settings
from hypothesis import strategies as st

from her2var.files import safe_filename
from her2var.models import CALL_COLUMNS, SAMPLE_COLUMNS

YVMA_37 = "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120"
HOSTILE_NAMES = ["../../etc/x", "/abs", "..", ".hidden", "a/../../b", "ctl\x01\x07\x1b[31mred", "C:\\win\\x",
                 "~root", "name with spaces", "\u00e9t\u00e9", "-rf", "=HYPERLINK(1)"]
SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")  # never a leading "-" (read as an option) or "."


# -- file names from ids -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", HOSTILE_NAMES + ["", "." * 5, "x" * 500])
def test_safe_filename_tries_hostile_names(name):
    out = safe_filename(name)
    assert SAFE.fullmatch(out), out
    assert "/" not in out and "\\" not in out and not out.startswith(".") and len(out) <= 120


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text())
def test_safe_filename_any_text(name):
    out = safe_filename(name)
    assert SAFE.fullmatch(out) and len(out) <= 120
    assert out not in (".", "..")


def _vcf_with_samples(tmp_path: Path, names: list[str]) -> Path:
    header = VCF_HEADER_37.rsplit("\t", 1)[0] + "\t" + "\t".join(names) + "\n"
    body = YVMA_37.rsplit("\t", 1)[0] + "".join("\t0/1:80,40:120" for _ in names) + "\n"
    return write(tmp_path, "multi.vcf", header + body)


def test_classify_out_with_hostile_sample_names_stays_inside(tmp_path):
    """Sample names from a VCF header become file names under --out only after sanitising."""
    names = ["../../etc/x", "/abs", "a/../../b", "ctl(x)[31mred", "..", ".hidden", "sub/dir"]  # controls: refused
    work = tmp_path / "work"
    work.mkdir()
    vcf = _vcf_with_samples(work, names)
    out = work / "deep" / "out"
    proc = run_cli("classify", str(vcf), "--out", str(out), "--format", "tsv", cwd=work)
    assert proc.returncode == 0, proc.stderr
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    inside = [p for p in written if p != Path("work/multi.vcf")]
    assert all(p.parts[:3] == ("work", "deep", "out") for p in inside), inside
    jsons = sorted(p.name for p in (out / "samples").iterdir())
    assert len(jsons) == len(names)  # one per sample, none lost to a collision
    for name in jsons:
        assert SAFE.fullmatch(name) and not any(ord(c) < 32 for c in name), name
    assert not (tmp_path / "etc").exists() and not Path("/abs.json").exists()


def test_samples_sheet_hostile_sample_ids_stay_inside(tmp_path):
    vcf = write(tmp_path, "t.vcf", VCF_HEADER_37 + YVMA_37 + "\n")
    sheet = write(tmp_path, "sheet.tsv", "sample\tpatient\tvcf\n../../escape\tP1\tt.vcf\n/tmp/abs\tP2\tt.vcf\n")
    out = tmp_path / "out"
    proc = run_cli("classify", "--samples", str(sheet), "--out", str(out), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["escape.json", "tmp_abs.json"]
    assert not (tmp_path.parent / "escape.json").exists() and not Path("/tmp/abs.json").exists()
    assert vcf.exists()


# -- formula injection ------------------------------------------------------------------------------
FORMULA_START = ("=", "+", "-", "@")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _formula_cells(rows: list[list[str]]) -> list[str]:
    return [c for r in rows for c in r if c.startswith(FORMULA_START) and not _is_number(c)]


def _hostile_cohort(tmp_path: Path) -> tuple[Path, Path]:
    """Clinical records and classify results whose ids and values look like spreadsheet formulas."""
    head = ["patient_id", "sex", "age", "drugs", "treatment_start", "last_followup", "best_response", "histology"]
    rows = [['=HYPERLINK("http://evil.example","click")', "M", "61", "pyrotinib", "2021-03-01", "2022-06-01", "PR",
             "adenocarcinoma"],
            ["@SUM(A1:A9)", "F", "-5", "pyrotinib", "2021-03-01", "2022-06-01", "SD", "+cmd|' /C calc'!A0"],
            ["-2+3+cmd|' /C calc'!A0", "F", "55", "pyrotinib", "2021-03-01", "2022-06-01", "SD", ""],
            ["+44", "F", "55", "pyrotinib", "2021-03-01", "2022-06-01", "SD", ""]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([head, *rows])
    clinical = write(tmp_path, "clinical.csv", buf.getvalue())
    calls = tmp_path / "calls"
    calls.mkdir()
    samples = []
    for sample, patient in (("=S1", rows[0][0]), ("-S2", rows[1][0]), ("@S3", rows[2][0])):
        d = dict.fromkeys(SAMPLE_COLUMNS, "")
        d.update(sample=sample, patient=patient, her2_status="exon20_insertion", assessed="yes", cn_assessed="yes",
                 status="ok")
        samples.append([d[c] for c in SAMPLE_COLUMNS])
    (calls / "samples.tsv").write_text("\t".join(SAMPLE_COLUMNS) + "\n" + "".join("\t".join(r) + "\n" for r in samples))
    call = dict.fromkeys(CALL_COLUMNS, "")
    call.update({"sample": "=S1", "gene": "ERBB2", "class": "exon20_insertion", "hgvs_p": "=1+1", "notes": "@x"})
    (calls / "calls.tsv").write_text("\t".join(CALL_COLUMNS) + "\n" + "\t".join(call[c] for c in CALL_COLUMNS) + "\n")
    return clinical, calls


def test_cohort_exports_neutralise_formulas(tmp_path):
    clinical, calls = _hostile_cohort(tmp_path)
    out = tmp_path / "out"
    proc = run_cli("cohort", "--clinical", str(clinical), "--calls", str(calls), "-o", str(out / "cohort.tsv"),
                   "--xlsx", str(out / "cohort.xlsx"))
    assert proc.returncode == 0, proc.stderr
    tsvs = ["cohort.tsv", "cohort.problems.tsv", "cohort.conflicts.tsv"]
    for name in tsvs:
        rows = list(csv.reader((out / name).read_text(encoding="utf-8").splitlines(), delimiter="\t",
                               quoting=csv.QUOTE_NONE))
        assert not _formula_cells(rows), (name, _formula_cells(rows))
    cohort = (out / "cohort.tsv").read_text()
    assert "'=HYPERLINK(" in cohort and "'@SUM(A1:A9)" in cohort and "'-2+3+cmd" in cohort
    assert "\n+44\t" in cohort  # a number stays a number
    import openpyxl

    wb = openpyxl.load_workbook(out / "cohort.xlsx")  # not data_only: a formula would show as one
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not (c.value.startswith(FORMULA_START) and not _is_number(c.value)), (ws.title, c.value)
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in values


def test_classify_tsv_neutralises_formula_sample_names(tmp_path):
    vcf = _vcf_with_samples(tmp_path, ['=HYPERLINK("http://evil.example")'])
    out = tmp_path / "out"
    proc = run_cli("classify", str(vcf), "--out", str(out), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    for name in ("calls.tsv", "samples.tsv"):
        rows = list(csv.reader((out / name).read_text(encoding="utf-8").splitlines(), delimiter="\t",
                               quoting=csv.QUOTE_NONE))
        assert not _formula_cells(rows), (name, _formula_cells(rows))


# -- no clinical dates in logs and messages ------------------------------------------------------------
def _spellings(d: dt.date) -> set[str]:
    """The ways a date could be printed: ISO and the day/month orders the clinical rules read."""
    return {d.isoformat(), d.strftime("%Y/%m/%d"), d.strftime("%d.%m.%Y"), d.strftime("%d/%m/%Y"),
            d.strftime("%m/%d/%Y"), d.strftime("%d-%b-%Y"), d.strftime("%d %b %Y"), d.strftime("%Y%m%d")}


def _workbook_dates(path: Path) -> set[dt.date]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    found: set[dt.date] = set()
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                for v in row:
                    if isinstance(v, dt.datetime):
                        found.add(v.date())
                    elif isinstance(v, dt.date):
                        found.add(v)
                    elif isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", v.strip()):
                        found.add(dt.date.fromisoformat(v.strip()))
    finally:
        wb.close()
    return found


@pytest.mark.slow
def test_demo_logs_carry_no_clinical_dates(tmp_path):
    out = tmp_path / "demo"
    proc = run_cli("-v", "demo", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "her2var: INFO:" in proc.stderr  # the logs were on
    dates = _workbook_dates(out / "inputs" / "clinical.xlsx")
    assert len(dates) > 100  # the demo's records are full of dates
    messages = proc.stderr + proc.stdout
    logs = [p for p in out.rglob("*.log")]
    messages += "".join(p.read_text(errors="replace") for p in logs)
    leaked = sorted({s for d in dates for s in _spellings(d) if s in messages})
    assert not leaked, leaked[:10]


def test_clinical_errors_do_not_echo_a_birth_date(tmp_path):
    clinical = write(tmp_path, "c.csv", "patient_id,birth_date,treatment_start\nP001,31/02/1957,2021-03-01\n"
                                        "P002,1960-05-02,2021-04-01\n")
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "samples.tsv").write_text("\t".join(SAMPLE_COLUMNS) + "\n")
    proc = run_cli("cohort", "--clinical", str(clinical), "--calls", str(calls), "-o", str(tmp_path / "c.tsv"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "c.csv: row 2, column 'birth_date'" in proc.stderr
    assert "1957" not in proc.stderr and "1960" not in proc.stderr


def test_an_impossible_excel_date_serial_is_not_echoed(tmp_path):
    """openpyxl warns with the cell's value; the value is a date and must not reach the terminal."""
    import shutil

    corpus = Path(__file__).parent / "bad_inputs"
    shutil.copytree(corpus / "shared", tmp_path / "shared")
    shutil.copyfile(corpus / "clinical" / "xlsx_date_out_of_range" / "records.xlsx", tmp_path / "records.xlsx")
    proc = run_cli("cohort", "--clinical", "records.xlsx", "--calls", "shared/calls", "-o", "out/cohort.tsv",
                   cwd=tmp_path)
    assert proc.returncode == 1 and "row 2, column 'treatment_start'" in proc.stderr
    assert "99999999" not in proc.stderr and "Warning" not in proc.stderr
    assert not (tmp_path / "out").exists()
