"""The figures block of a plan and the analyze options that override it: every bad value is an
error naming the key or the option, a good one reaches the files written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from her2var.analysis.figstyle import COLUMN_WIDTHS, FigureStyle, parse_formats, parse_width
from her2var.analysis.plan import builtin_plans, load_plan, plan_from_tree
from her2var.errors import RulesError, UsageError

ROOT = Path(__file__).resolve().parents[2]
COHORT = ROOT / "fixtures" / "analysis" / "cohort.tsv"


def tree_with(**figures) -> dict:
    tree = yaml.safe_load(builtin_plans()["first-line-regimens"].read_text())
    for key, value in figures.items():
        if value is None:
            tree["figures"].pop(key, None)
        else:
            tree["figures"][key] = value
    return tree


def test_builtin_plans_state_the_journal_defaults() -> None:
    for name in builtin_plans():
        style = load_plan(name).figures.style
        assert style == FigureStyle()
        assert style.dpi == 300 and style.width_mm == COLUMN_WIDTHS["double"] and style.font_size == 7
        assert style.files() == ("png", "svg", "pdf")


def test_a_plan_without_style_keys_gets_the_defaults() -> None:
    tree = tree_with(formats=None, dpi=None, width_mm=None, font=None, font_size=None, km_style=None)
    assert plan_from_tree(tree, "p.yaml").figures.style == FigureStyle()


def test_a_plan_sets_every_key() -> None:
    tree = tree_with(formats=["tif", "pdf"], dpi=600, width_mm=89, font="DejaVu Serif", font_size=8,
                     colours={"C": "#112233", "TKI": "#ABC"},
                     km_style={"x_max": 36, "breaks_every": 6, "ci_bands": True, "risk_table": False})
    s = plan_from_tree(tree, "p.yaml").figures.style
    assert s.formats == ("tiff", "pdf") and s.files() == ("png", "tiff", "pdf")
    assert (s.dpi, s.width_mm, s.font, s.font_size) == (600, 89.0, "DejaVu Serif", 8.0)
    assert dict(s.colours) == {"C": "#112233", "TKI": "#abc"}
    assert (s.km_x_max, s.km_breaks_every, s.km_ci_bands, s.km_risk_table) == (36.0, 6.0, True, False)


@pytest.mark.parametrize("key, value, message", [
    ("dpi", 20, r"p\.yaml\.figures\.dpi: 20 is outside 72-1200"),
    ("dpi", "300", r"p\.yaml\.figures\.dpi: expected an integer"),
    ("formats", ["png", "jpeg"], (r"figures\.formats: 'jpeg' is not a figure format her2var writes; expected some "
                                  r"of png, svg, pdf, tiff")),
    ("formats", ["png", "PNG"], r"figures\.formats: 'PNG' is listed twice"),
    ("formats", [], r"figures\.formats: expected at least one of"),
    ("width_mm", 30, r"figures\.width_mm: 30 is outside 50-300 mm \(a journal column is 89 mm"),
    ("font", "No Such Font Family", (r"figures\.font: font 'No Such Font Family' is not installed; installed fonts "
                                     r"include .*DejaVu Sans")),
    ("font_size", 40, r"figures\.font_size: 40 is outside 5-14 points"),
    ("colours", {"C": "blue"}, r"figures\.colours\.C: 'blue' is not a colour; expected #rrggbb"),
    ("colours", {"ADC": "#000000"}, r"figures\.colours\.ADC: not a level of the plan's groupings or subgroups"),
    ("km_style", {"breaks_every": 0}, r"figures\.km_style\.breaks_every: 0; expected a time above 0"),
    ("km_style", {"x_max": -3}, r"figures\.km_style\.x_max: -3; expected a time above 0"),
    ("km_style", {"risk": True}, (r"figures\.km_style\.risk: unknown key \(expected one of: breaks_every, ci_bands, "
                                  r"risk_table, x_max\)")),
    ("colour", {"C": "#000000"}, r"figures\.colour: unknown key"),
])
def test_a_bad_figure_setting_names_the_key(key: str, value, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        plan_from_tree(tree_with(**{key: value}), "p.yaml")


@pytest.mark.parametrize("text, expected", [("pdf,png", ("pdf", "png")), (" tif , SVG ", ("tiff", "svg")),
                                            ("png", ("png",))])
def test_figure_format_option(text: str, expected: tuple[str, ...]) -> None:
    assert parse_formats(text, "--figure-format") == expected


@pytest.mark.parametrize("text, mm", [("single", 89.0), ("double", 183.0), ("one-and-a-half", 120.0), ("140", 140.0),
                                      ("140mm", 140.0)])
def test_figure_width_option(text: str, mm: float) -> None:
    assert parse_width(text, "--figure-width") == mm


def test_an_override_is_checked_like_the_plan_and_is_a_usage_error() -> None:
    plan = load_plan("first-line-regimens")
    with pytest.raises(UsageError, match="--dpi: 5 is outside 72-1200"):
        plan.with_figure_style({"dpi": (5, "--dpi")})
    changed = plan.with_figure_style({"dpi": (150, "--dpi"), "km_ci_bands": (True, "--km-ci")})
    assert changed.figures.style.dpi == 150 and changed.figures.style.km_ci_bands
    assert plan.figures.style.dpi == 300  # the plan itself is unchanged


@pytest.mark.parametrize("args, message", [
    (["--figure-format", "gif"], "--figure-format: 'gif' is not a figure format"),
    (["--figure-width", "wide"], "--figure-width: 'wide' is not a width; expected single (89 mm)"),
    (["--figure-width", "20"], "--figure-width: 20 is outside 50-300 mm"),
    (["--dpi", "5000"], "--dpi: 5000 is outside 72-1200"),
    (["--font", "Comic Nonexistent"], "--font: font 'Comic Nonexistent' is not installed"),
    (["--km-breaks", "-1"], "--km-breaks: -1; expected a time above 0"),
])
def test_bad_figure_options_exit_2_naming_the_option(tmp_path: Path, args: list[str], message: str) -> None:
    from her2var.cli import analyze as cmd

    out = tmp_path / "out"
    res = CliRunner().invoke(cmd.analyze, [str(COHORT), "--plan", "alteration-groups", "-o", str(out), *args])
    assert res.exit_code == 2, res.stderr
    assert message in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()


def test_figure_options_reach_the_files(tmp_path: Path) -> None:
    from PIL import Image

    from her2var.cli import analyze as cmd

    out = tmp_path / "out"
    res = CliRunner().invoke(cmd.analyze, [
        str(COHORT), "--plan", "alteration-groups", "-o", str(out), "--figure-format", "tiff", "--dpi", "100",
        "--figure-width", "single", "--font-size", "8", "--km-ci", "--no-risk-table", "--km-x-max", "24",
        "--km-breaks", "6", "--no-pdf"])
    assert res.exit_code == 0, res.stderr
    results = json.loads((out / "results.json").read_text())
    style = results["plan"]["figure_style"]
    assert style["formats"] == ["png", "tiff"] and style["dpi"] == 100 and style["width_mm"] == 89.0
    assert (style["km_ci_bands"], style["km_risk_table"], style["km_x_max"]) == (True, False, 24.0)
    names = {p.suffix for p in (out / "figures").iterdir()}
    assert names == {".png", ".tiff"}
    km = next(f for f in results["figures"] if f["kind"] == "km")
    with Image.open(out / "figures" / km["tiff"]) as im:
        assert abs(im.width - round(89 / 25.4 * 100)) <= 1 and round(im.info["dpi"][0]) == 100
    assert "report_pdf" not in results and not (out / "report.pdf").exists()
