"""One samples sheet, two readers: classify (sample, patient and the files) and cohort (sample,
patient, collection date) read the same file through samples_sheet.py, so the same sheet gives
the same samples and patients to both, and the same defect the same message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from her2var.classify.batch import read_samples_sheet as classify_sheet
from her2var.cohort.calls import read_samples_sheet as cohort_sheet
from her2var.cohort.rules import load_clinical_rules
from her2var.errors import InputError

# 'Sample ID', 'Patient ID' and 'Collection Date' are the clinical rules' spellings, not the column names
HEADER = ["Sample ID", "Patient ID", "vcf", "Collection Date"]
ROWS = [["S1", "P1", "s1.vcf", "2021-01-05"], ["S2", "P2", "s2.vcf", "2021-02-07"], ["S3", "P1", "s3.vcf", ""]]
EXPECTED = {"S1": "P1", "S2": "P2", "S3": "P1"}


@pytest.fixture(scope="module")
def crules():
    return load_clinical_rules()


def text_sheet(tmp_path: Path, name: str, rows: list[list[str]], *, sep: str, end: str = "\n",
               bom: bool = False) -> Path:
    path = tmp_path / name
    body = end.join(sep.join(r) for r in rows) + end
    path.write_bytes(("\ufeff" if bom else "").encode() + body.encode("utf-8"))
    return path


def xlsx_sheet(tmp_path: Path, name: str, rows: list[list[object]], title: str = "Samples") -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


def both(path: Path, crules) -> tuple[dict[str, str], dict[str, str]]:
    """sample -> patient as classify and as cohort read the sheet."""
    jobs = classify_sheet(str(path))
    by_classify = {j.options.sample_id or "": j.options.patient for j in jobs}
    by_cohort = {s: r.patient for s, r in cohort_sheet(str(path), crules).items()}
    return by_classify, by_cohort


def errors_of(path: Path, crules) -> tuple[str, str]:
    with pytest.raises(InputError) as a:
        classify_sheet(str(path))
    with pytest.raises(InputError) as b:
        cohort_sheet(str(path), crules)
    return str(a.value), str(b.value)


@pytest.mark.parametrize("form", ["tsv-bom-crlf", "tsv-cr-only", "csv", "csv-named-tsv", "xlsx"])
def test_same_sheet_same_samples_and_patients(tmp_path, crules, form):
    rows = [HEADER, *ROWS]
    if form == "tsv-bom-crlf":
        path = text_sheet(tmp_path, "sheet.tsv", rows, sep="\t", end="\r\n", bom=True)
    elif form == "tsv-cr-only":
        path = text_sheet(tmp_path, "sheet.tsv", rows, sep="\t", end="\r")
    elif form == "csv":
        path = text_sheet(tmp_path, "sheet.csv", rows, sep=",")
    elif form == "csv-named-tsv":  # the delimiter comes from the header line, for both readers
        path = text_sheet(tmp_path, "sheet.tsv", rows, sep=",")
    else:
        path = xlsx_sheet(tmp_path, "sheet.xlsx", rows)
    by_classify, by_cohort = both(path, crules)
    assert by_classify == EXPECTED
    assert by_cohort == EXPECTED


def test_classify_reads_files_relative_to_the_sheet_and_cohort_the_dates(tmp_path, crules):
    path = xlsx_sheet(tmp_path, "sheet.xlsx", [["sample", "patient", "vcf", "purity", "collection_date"],
                                               ["S1", "P1", "a.vcf;b.vcf", 0.4, dt.date(2021, 1, 5)],
                                               [1001, "P2", "c.vcf", None, None]])
    jobs = classify_sheet(str(path))
    assert [j.vcfs for j in jobs] == [(str(tmp_path / "a.vcf"), str(tmp_path / "b.vcf")), (str(tmp_path / "c.vcf"),)]
    assert [j.options.purity for j in jobs] == [0.4, None]
    assert [j.options.sample_id for j in jobs] == ["S1", "1001"]  # a number cell read as Excel shows it
    assert [j.label for j in jobs] == [f"{path} [sheet Samples]:2", f"{path} [sheet Samples]:3"]
    rows = cohort_sheet(str(path), crules)
    assert rows["S1"].collection_date == dt.date(2021, 1, 5) and rows["1001"].collection_date is None
    assert sorted(rows) == ["1001", "S1"]


def test_blank_rows_are_skipped_and_rows_keep_their_line(tmp_path, crules):
    text = '\nsample\tpatient\tvcf\n\nS1\tP1\t"a\nb.vcf"\n\t\t\nS1\tP2\tc.vcf\n'
    path = tmp_path / "sheet.tsv"
    path.write_text(text, encoding="utf-8")
    a, b = errors_of(path, crules)
    assert a == b == f"{path}:7: sample 'S1' is listed twice (first on line 4)"


DEFECTS = {
    "duplicate-sample": ([HEADER, ROWS[0], ROWS[1], ["S1", "P9", "x.vcf", ""]],
                         ":4: sample 'S1' is listed twice (first on line 2)"),
    "alias-and-name-twice": ([["Sample ID", "sample", "vcf"], ["S1", "S1", "x.vcf"]],
                             ":1: column(s) sample (as 'Sample ID', 'sample') given twice; keep one"),
    "header-only": ([HEADER], ": no samples: the sheet has its header and no sample rows"),
    "value-under-no-header": ([["sample", "patient", "", "vcf"], ["S1", "P1", "x", "s1.vcf"]],
                              ":2: a value in column 3, which has no header"),
}


@pytest.mark.parametrize("kind", ["tsv", "xlsx"])
@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_same_defect_same_message(tmp_path, crules, defect, kind):
    rows, fragment = DEFECTS[defect]
    if kind == "tsv":
        path, place = text_sheet(tmp_path, "sheet.tsv", rows, sep="\t"), str(tmp_path / "sheet.tsv")
    else:
        path, place = xlsx_sheet(tmp_path, "sheet.xlsx", rows), f"{tmp_path / 'sheet.xlsx'} [sheet Samples]"
    a, b = errors_of(path, crules)
    assert a == b
    assert a.startswith(place + fragment), a


@pytest.mark.parametrize("rows,fragment", [
    ([HEADER, ["S1", "P1", "s1.vcf"]], "sheet.tsv:2: 3 columns, expected 4 (the header on line 1)"),
    ([HEADER, ["S1", "P1", "s1.vcf", "2021-01-05", "x"]], "sheet.tsv:2: 5 columns, expected 4"),
    ([["sample;patient;vcf"], ["S1;P1;a.vcf"]], "sheet.tsv:1: the header is semicolon-separated"),
], ids=["short-row", "long-row", "semicolons"])
def test_same_text_defect_same_message(tmp_path, crules, rows, fragment):
    path = text_sheet(tmp_path, "sheet.tsv", rows, sep="\t")
    a, b = errors_of(path, crules)
    assert a == b
    assert fragment in a


def test_trailing_empty_fields_are_not_a_longer_row(tmp_path, crules):
    path = text_sheet(tmp_path, "sheet.csv", [["sample", "patient", "vcf", ""], ["S1", "P1", "a.vcf", "", ""]],
                      sep=",")
    assert both(path, crules) == ({"S1": "P1"}, {"S1": "P1"})


def test_many_repeated_samples_in_one_message(tmp_path, crules):
    rows = [["sample", "vcf"], *([[f"S{i}", "a.vcf"] for i in range(3)] * 2)]
    path = text_sheet(tmp_path, "sheet.tsv", rows, sep="\t")
    a, b = errors_of(path, crules)
    assert a == b
    assert a.startswith(f"{path}: 3 rows repeat a sample id; keep one row per sample:")
    assert f"{path}:7: sample 'S2' is listed twice (first on line 4)" in a


def test_classify_still_refuses_columns_it_does_not_know(tmp_path):
    path = text_sheet(tmp_path, "sheet.tsv", [["Sample ID", "vcf", "Tumour Type"], ["S1", "a.vcf", "LUAD"]],
                      sep="\t")
    with pytest.raises(InputError, match=r"sheet\.tsv:1: unknown column\(s\) Tumour Type; expected sample"):
        classify_sheet(str(path))


def test_old_excel_is_refused_alike(tmp_path, crules):
    path = tmp_path / "sheet.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    a, b = errors_of(path, crules)
    assert a == b == f"{path}: old binary Excel (.xls) is not read; save the samples sheet as .xlsx, CSV or TSV"


@pytest.mark.parametrize("text", [
    "sample\tpatient\nS1\tP1\nS2\tP2\n",
    "sample,patient\r\nS1,P1\r\n\r\nS2,P2\r\n",
    "sample,patient\rS1,P1\r,\rS2,P2",
    'sample,patient,note\nS1,P1,"two\nlines"\nS2,P2,"a\r\nb"\n',
    "\n\nsample\tpatient\t\nS1\tP1\t\t\nS2\tP2\n",
])
def test_kept_rows_are_the_rows_each_pass_gives(tmp_path, text):
    """The cohort's single pass (rows kept) and a batch's passes (rows parsed again) read alike."""
    from her2var.samples_sheet import read_samples_sheet

    path = tmp_path / ("s.tsv" if "\t" in text else "s.csv")
    path.write_bytes(text.encode())
    kept = read_samples_sheet(str(path), {}, keep_rows=True)
    streamed = read_samples_sheet(str(path), {})
    assert kept.stream is None and streamed.stream is not None
    assert (kept.table.header, kept.table.rows, kept.table.row_numbers) == \
        (streamed.table.header, streamed.table.rows, streamed.table.row_numbers)
    assert list(kept.cells()) == list(streamed.cells()) and kept.header_line == streamed.header_line
