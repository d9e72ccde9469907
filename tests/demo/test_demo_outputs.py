"""The demo's outputs as a reader meets them: every report, table, figure and workbook says the
data are SYNTHETIC, and the reports lay out in a real browser (headless Chromium) on a laptop and
on paper: no table clipped or spilling, no number or id broken over two lines, every figure
loaded; report.pdf printed on A4 landscape pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from headless import CHROMIUM, Browser, layout_problems

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, rules) -> Path:
    from her2var.demo.run import run_demo

    out = tmp_path_factory.mktemp("demo") / "run"
    run = run_demo(str(out), rules)
    assert not run.failed and len(run.analysis_dirs) == 2
    return out


def analyses(demo: Path) -> list[Path]:
    return sorted((demo / "analysis").iterdir())


def test_demo_reports_and_results_say_synthetic(demo: Path) -> None:
    for folder in analyses(demo):
        res = json.loads((folder / "results.json").read_text())
        assert res["synthetic"] is True and "no real patient" in res["data_note"]
        html = (folder / "report.html").read_text()
        assert 'class="synthetic-banner"' in html and re.search(r"<title>SYNTHETIC DATA", html)
        headings = re.findall(r"<h[23][^>]*>([^<]*)</h[23]>", html)
        assert all(h.startswith("SYNTHETIC DATA") for h in headings if h not in ("Methods", "Provenance")), headings
        captions = re.findall(r"<figcaption>([^<]*)</figcaption>", html)
        assert len(captions) == len(res["figures"]) > 10
        assert all(c.startswith("SYNTHETIC DATA") for c in captions)


def test_demo_figure_files_say_synthetic_in_their_metadata(demo: Path) -> None:
    from PIL import Image

    for folder in analyses(demo):
        res = json.loads((folder / "results.json").read_text())
        for f in res["figures"]:
            assert f["title"].startswith("SYNTHETIC DATA \u2013 ") and f["synthetic"] is True
            with Image.open(folder / "figures" / f["png"]) as im:
                assert im.text["Description"].startswith("SYNTHETIC DATA. "), f["png"]
            assert "SYNTHETIC DATA. " in (folder / "figures" / f["svg"]).read_text()
            assert b"/Subject (SYNTHETIC DATA. " in (folder / "figures" / f["pdf"]).read_bytes()


def test_demo_tables_and_cohort_say_synthetic(demo: Path) -> None:
    from openpyxl import load_workbook

    for folder in analyses(demo):
        wb = load_workbook(folder / "tables.xlsx")
        assert wb.properties.keywords == "SYNTHETIC"
        titles = {row[1] for row in wb["dictionary"].iter_rows(min_row=2, values_only=True)}
        assert titles and all(t.startswith("SYNTHETIC DATA") for t in titles)
    cohort = load_workbook(demo / "cohort" / "cohort.xlsx")
    assert cohort.sheetnames[-1] == "README" and cohort["README"]["A1"].value.startswith("SYNTHETIC DATA")
    assert cohort.properties.title.startswith("SYNTHETIC DATA")
    assert cohort["cohort"].oddHeader.center.text.startswith("SYNTHETIC DATA")
    assert (demo / "README.txt").read_text().startswith("SYNTHETIC DATA")
    clinical = load_workbook(demo / "inputs" / "clinical.xlsx")
    assert clinical.sheetnames[0].startswith("SYNTHETIC")


@needs_chromium
def test_demo_reports_lay_out_in_chromium_on_screen_and_paper(demo: Path) -> None:
    with Browser(CHROMIUM) as b:
        for folder in analyses(demo):
            res = json.loads((folder / "results.json").read_text())
            for width in (1366, 1280, 1024):  # laptops; a table wider than the page scrolls in its own box
                page = b.open(folder / "report.html", width=width)
                problems = layout_problems(page, ("overflow", "page", "wrapped", "images"))
                assert problems == {"overflow": [], "page": [], "wrapped": [], "images": []}, (folder.name, width)
            assert page.evaluate("[...document.images].filter(i => i.naturalWidth > 0).length") == \
                len(res["figures"])
            assert page.evaluate("getComputedStyle(document.querySelector('td.num')).whiteSpace") == "nowrap"
            page.media("print", 1032)  # A4 landscape less the margins, 96 px per inch
            problems = layout_problems(page, ("overflow", "tables_in_main", "wrapped"))
            assert problems == {"overflow": [], "tables_in_main": [], "wrapped": []}, folder.name
            assert page.evaluate("getComputedStyle(document.querySelector('h2')).breakBefore") == "page"


@needs_chromium
def test_demo_reports_are_printed_to_pdf(demo: Path) -> None:
    for folder in analyses(demo):
        res = json.loads((folder / "results.json").read_text())
        assert res["report_pdf"]["written"] is True
        pdf = (folder / "report.pdf").read_bytes()
        boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        assert len(boxes) > 10 and all(abs(float(w) - 841.9) < 1 and abs(float(h) - 595.3) < 1 for w, h in boxes)


# What the report looked like before: a table in a box that does not scroll, a median range
# broken after its dash, patient ids broken inside (word-break: break-all), a figure that did not load.
BROKEN = """<!DOCTYPE html><html><head><style>
main { width: 300px; } .box { width: 200px; } td.num { white-space: normal; width: 20px; }
.mono { word-break: break-all; width: 60px; display: block; }
</style></head><body><main>
<div class="box"><table><tr><td style="white-space: nowrap">a cell far too wide for the box it sits in, clipped</td>
</tr></table></div>
<table><tr><td class="num">61.0 (36.0&ndash;79.0)</td></tr></table>
<div class="mono"><span class="id">P0000000029</span>, <span class="id">P0000000031</span></div>
<img alt="missing figure" src="data:image/png;base64,AAAA">
</main></body></html>"""


@needs_chromium
def test_layout_checks_find_a_clipped_table_a_broken_number_and_a_missing_figure(tmp_path: Path) -> None:
    html = tmp_path / "broken.html"
    html.write_text(BROKEN)
    with Browser(CHROMIUM) as b:
        page = b.open(html, width=800)
        found = layout_problems(page)
    assert any("DIV.box" in p for p in found["overflow"]), found
    assert any("61.0" in p for p in found["wrapped"]), found
    assert any("P0000000029" in p for p in found["wrapped"]), found
    assert found["tables_in_main"], found
    assert found["images"] == ["missing figure"]


def test_readme_shows_a_km_figure_and_a_forest_plot_drawn_from_the_demo() -> None:
    from PIL import Image

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    for name in ("km.png", "forest.png"):
        assert re.search(rf"!\[[^\]]+\]\(docs/img/{name}\)", readme), name
        path = root / "docs" / "img" / name
        assert path.stat().st_size < 200_000, "keep the README's images small"
        with Image.open(path) as im:
            assert im.format == "PNG" and 600 <= im.width <= 1200
            assert im.text.get("Title", "").startswith("SYNTHETIC DATA")
    assert "scripts/make_readme_figures.py" in readme
