"""report.html read and printed: words written for a reader, numbers and ids never broken,
tables that scroll on screen and fit on paper, report.pdf printed by a headless Chromium (or a
note why not), the synthetic label, and tables.xlsx laid out for a person (frozen header,
filters, widths, a dictionary of every column)."""

from __future__ import annotations

import json
import os
import re
import stat
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from headless import CHROMIUM, Browser, layout_problems

from her2var.analysis.run import analyze
from her2var.errors import Her2varError, UsageError

ROOT = Path(__file__).resolve().parents[2]
COHORT = ROOT / "fixtures" / "analysis" / "cohort.tsv"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plain") / "analysis"
    analyze(str(COHORT), "first-line-regimens", str(out), figures=False)
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "analysis"
    analyze(str(COHORT), "alteration-groups", str(out), figures=False, synthetic=True)
    return out


class _Text(HTMLParser):
    """The page's visible text, and the headings."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self._in: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._in.append(tag)
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data):
        if self._skip:
            return
        self.parts.append(data)
        tag = next((t for t in reversed(self._in) if t in ("h1", "h2", "h3", "h4")), None)
        if tag:
            self.headings.append((tag, data.strip()))


def page_text(html: str) -> _Text:
    p = _Text()
    p.feed(html)
    return p


def test_report_words_read_as_sentences(plain: Path) -> None:
    html = (plain / "report.html").read_text()
    text = " ".join(page_text(html).parts)
    assert "[&#39;" not in html and "['" not in text  # a Python list never reaches the reader
    assert not re.search(r"\b(by|of) [A-Z][a-z]+-[a-z]+ regimen", text), "a capital inside a sentence"
    assert "Table 1: baseline characteristics by first-line regimen" in text
    assert "Patients were compared by first-line regimen" in text
    assert "Progression-free survival by first-line regimen (all patients)" in text
    assert "Progression-free survival by first-line regimen (brain metastases: yes)" in text


def test_numbers_and_ids_are_marked_so_that_they_never_break(plain: Path) -> None:
    html = (plain / "report.html").read_text()
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert re.search(r"td\.num, th\.num \{[^}]*white-space: nowrap", css)
    assert re.search(r"\.id \{[^}]*white-space: nowrap", css)
    assert re.search(r"\.scroll \{[^}]*overflow-x: auto", css)
    assert html.count("<table>") == html.count('<div class="scroll"><table>') == html.count("</table></div>")
    t1 = html.split('id="table1"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<td( class=\"[^\"]*\")?>([^<]*)</td>", t1)
    numbers = [(cls, text) for cls, text in cells if re.fullmatch(r"[\d.]+ \([\d.%\u2013 ]+\)", text)]
    assert numbers and all(cls == ' class="num"' for cls, _ in numbers)
    res = json.loads((plain / "results.json").read_text())
    listed = re.findall(r'<span class="id">([^<]*)</span>', html)
    every = {str(x["patient_id"]) for x in res["exclusions"]}
    assert listed and set(listed) <= every
    assert "more)" in html  # a long list is cut after a dozen, every id whole


def test_print_stylesheet_pages_the_report_and_lets_nothing_be_cut(plain: Path) -> None:
    css = re.search(r"<style>(.*?)</style>", (plain / "report.html").read_text(), re.S).group(1)
    assert re.search(r"@page \{ size: A4 landscape", css)
    media = css.split("@media print", 1)[1]
    for rule in (r"h2 \{ break-before: page", r"thead \{ display: table-header-group", r"\.scroll \{ overflow: visible",
                 r"figure, tr, \.warn \{ break-inside: avoid", r"nav \{ display: none"):
        assert re.search(rule, media), rule


def test_synthetic_report_says_so_on_every_title(synthetic: Path) -> None:
    import base64
    import hashlib

    html = (synthetic / "report.html").read_text()
    parsed = page_text(html)
    assert 'class="synthetic-banner"' in html and "no real patient is described" in html
    assert re.search(r"<title>SYNTHETIC DATA \u2013 ", html)
    titled = [(tag, text) for tag, text in parsed.headings if text and text not in ("Methods", "Provenance")]
    assert titled and all(text.startswith("SYNTHETIC DATA") for _, text in titled), titled
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert '@top-center { content: "SYNTHETIC DATA' in style  # every printed page
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in unescape(html)  # the policy still allows exactly this style block
    res = json.loads((synthetic / "results.json").read_text())
    assert res["synthetic"] is True and res["data_note"].startswith("SYNTHETIC DATA")


def test_a_real_cohort_is_not_labelled_synthetic(plain: Path) -> None:
    html = (plain / "report.html").read_text()
    assert "SYNTHETIC" not in html
    assert json.loads((plain / "results.json").read_text())["synthetic"] is False


# ---------------------------------------------------------------------------------------------
# tables.xlsx
# ---------------------------------------------------------------------------------------------
def test_xlsx_sheets_have_a_frozen_filtered_header_and_fitted_widths(plain: Path) -> None:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    wb = load_workbook(plain / "tables.xlsx")
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        header = [c.value for c in ws[1]]
        if ws.max_row > 1:
            assert ws.auto_filter.ref == f"A1:{get_column_letter(len(header))}{ws.max_row}", ws.title
        for j, name in enumerate(header, start=1):
            width = ws.column_dimensions[get_column_letter(j)].width
            assert width >= min(len(str(name)) + 2, 60), (ws.title, name, width)
        assert ws.oddHeader.center.text  # the table's title on every printed page
        assert ws.sheet_properties.tabColor is None  # only synthetic data get coloured tabs
    assert wb["km"]["A1"].comment.text == "Kaplan-Meier medians"


def test_xlsx_dictionary_describes_every_column_of_every_sheet(plain: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(plain / "tables.xlsx")
    assert wb.sheetnames[-1] == "dictionary"
    rows = list(wb["dictionary"].iter_rows(min_row=2, values_only=True))
    described = {(sheet, column): text for sheet, _, column, text in rows}
    for ws in wb.worksheets[:-1]:
        for c in ws[1]:
            assert described.get((ws.title, c.value)), f"{ws.title}.{c.value} has no description"
    assert len(described) == sum(ws.max_column for ws in wb.worksheets[:-1])


def test_dictionary_knows_every_column_the_tables_can_have() -> None:
    from her2var.analysis import tables
    from her2var.analysis.dictionary import describe

    lists = {name: getattr(tables, name) for name in dir(tables) if name.endswith("_COLUMNS")}
    assert len(lists) >= 10
    missing = [(name, c) for name, cols in lists.items() for c in cols if describe("", c) is None]
    assert missing == []
    assert describe("table1", "C+I (n = 18)").startswith("group C+I (18 patients)")


def test_synthetic_xlsx_says_so(synthetic: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(synthetic / "tables.xlsx")
    assert "SYNTHETIC DATA" in wb.properties.title and wb.properties.keywords == "SYNTHETIC"
    first = next(wb["dictionary"].iter_rows(min_row=2, values_only=True))
    assert first[0] == "(all)" and first[1].startswith("SYNTHETIC DATA")
    for ws in wb.worksheets[:-1]:
        assert ws.oddHeader.center.text.startswith("SYNTHETIC DATA"), ws.title
        assert ws["A1"].comment.text.startswith("SYNTHETIC DATA"), ws.title
        assert ws.sheet_properties.tabColor is not None
    titles = {t for _, t, _, _ in wb["dictionary"].iter_rows(min_row=2, values_only=True)}
    assert all(t.startswith("SYNTHETIC DATA") for t in titles)


# ---------------------------------------------------------------------------------------------
# report.pdf
# ---------------------------------------------------------------------------------------------
def fake_browser(tmp_path: Path, code: int) -> str:
    path = tmp_path / "fake-chromium"
    path.write_text(f"#!/bin/sh\necho 'cannot open display' >&2\nexit {code}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_without_a_browser_the_pdf_is_skipped_with_a_note(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HER2VAR_CHROMIUM", "none")
    res = analyze(str(COHORT), "alteration-groups", str(tmp_path / "a"), figures=False, pdf=None)
    assert not (tmp_path / "a" / "report.pdf").exists() and (tmp_path / "a" / "report.html").exists()
    assert res.results["report_pdf"]["written"] is False
    assert "no headless Chromium found" in res.results["report_pdf"]["note"]
    with pytest.raises(UsageError, match=r"--pdf: report\.pdf not written: no headless Chromium found"):
        analyze(str(COHORT), "alteration-groups", str(tmp_path / "b"), figures=False, pdf=True)
    assert not (tmp_path / "b").exists()


def test_a_browser_that_fails_leaves_the_analysis_and_a_note(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HER2VAR_CHROMIUM", fake_browser(tmp_path, 3))
    res = analyze(str(COHORT), "alteration-groups", str(tmp_path / "a"), figures=False, pdf=None)
    note = res.results["report_pdf"]["note"]
    assert "exited with code 3" in note and "cannot open display" in note
    # figures=False: no figures folder; the manifest lists what was written
    assert sorted(os.listdir(tmp_path / "a")) == [".her2var-outputs.json", "report.html", "results.json", "tables",
                                                  "tables.xlsx"]
    with pytest.raises(Her2varError, match=r"report\.pdf: .*exited with code 3"):
        analyze(str(COHORT), "alteration-groups", str(tmp_path / "b"), figures=False, pdf=True)
    assert not (tmp_path / "b").exists()


def test_the_cli_says_why_there_is_no_pdf(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from her2var.cli import analyze as cmd

    monkeypatch.setenv("HER2VAR_CHROMIUM", "none")
    out = tmp_path / "o"
    res = CliRunner().invoke(cmd.analyze, [str(COHORT), "--plan", "alteration-groups", "-o", str(out), "--no-figures"])
    assert res.exit_code == 0 and "report.pdf not written: no headless Chromium found" in res.stderr
    res = CliRunner().invoke(cmd.analyze, [str(COHORT), "--plan", "alteration-groups", "-o", str(out), "--no-figures",
                                           "--pdf"])
    assert res.exit_code == 2 and "--pdf: report.pdf not written" in res.stderr


def pdf_pages(data: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    return [(float(w), float(h)) for w, h in boxes]


@needs_chromium
def test_report_pdf_is_printed_on_a4_landscape_pages(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HER2VAR_CHROMIUM", CHROMIUM)
    res = analyze(str(COHORT), "first-line-regimens", str(tmp_path / "a"), figures=False, pdf=True)
    pdf = (tmp_path / "a" / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and "report.pdf" in res.files and res.results["report_pdf"]["written"]
    pages = pdf_pages(pdf)
    assert len(pages) >= 8  # a page per section at least
    assert all(abs(w - 841.9) < 1 and abs(h - 595.3) < 1 for w, h in pages), set(pages)


@needs_chromium
def test_report_lays_out_on_laptop_screens_and_on_paper(plain: Path) -> None:
    with Browser(CHROMIUM) as b:
        for width in (1366, 1280):
            page = b.open(plain / "report.html", width=width)
            assert layout_problems(page, ("overflow", "page", "wrapped", "tables_in_main")) == \
                {"overflow": [], "page": [], "wrapped": [], "tables_in_main": []}, width
        page.media("print", 1032)  # A4 landscape less 12 mm margins, at 96 px per inch
        assert layout_problems(page, ("overflow", "tables_in_main", "wrapped")) == \
            {"overflow": [], "tables_in_main": [], "wrapped": []}
