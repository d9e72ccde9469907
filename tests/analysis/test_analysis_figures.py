"""The figures as a reader sees them: axis names, clinical time ticks, the forest plot's table, the
swimmer plot's response markers, the HER2-class counts and their population, and the files in
every format with their metadata. Figures are drawn in this process and inspected as drawn
(texts, positions, pixels)."""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from her2var.analysis.compute import compute
from her2var.analysis.data import prepare, read_cohort
from her2var.analysis.draw import _label_synthetic, cox_level_counts, figure_jobs
from her2var.analysis.fig_forest import forest_plot
from her2var.analysis.fig_km import km_plot
from her2var.analysis.fig_swimmer import MIN_MARKER, RESPONSE_MARKERS, swimmer_plot
from her2var.analysis.figbase import rc, save
from her2var.analysis.figstyle import FigureStyle, clinical_breaks
from her2var.analysis.figures import her2_plot
from her2var.analysis.plan import load_plan

ROOT = Path(__file__).resolve().parents[2]
COHORT = ROOT / "fixtures" / "analysis" / "cohort.tsv"
WIDE = FigureStyle(dpi=100, formats=("png",))
NARROW = dataclasses.replace(WIDE, width_mm=89.0)


@pytest.fixture(scope="module")
def first_line():
    plan = load_plan("first-line-regimens")
    prep = prepare(read_cohort(str(COHORT)), plan)
    return plan, prep, compute(plan, prep)


@pytest.fixture(scope="module")
def alteration():
    plan = load_plan("alteration-groups")
    prep = prepare(read_cohort(str(COHORT)), plan)
    return plan, prep, compute(plan, prep)


def drawn(make, style: FigureStyle, *args, **kw):
    """A figure drawn (texts laid out) under the style's rc settings."""
    with rc(style):
        fig = make(*args, style=style, **kw)
        fig.canvas.draw()
    return fig


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_visible())]


# ---------------------------------------------------------------------------------------------
# Kaplan-Meier
# ---------------------------------------------------------------------------------------------
def km_set(comp, endpoint: str = "pfs", group_by: str = "regimen"):
    return next(k for k in comp.km_sets if k.endpoint == endpoint and k.group_by == group_by and not k.subgroup)


@pytest.mark.parametrize("endpoint, ylabel", [("pfs", "Progression-free survival probability"),
                                              ("os", "Overall survival probability")])
def test_km_y_axis_names_the_endpoint(first_line, endpoint: str, ylabel: str) -> None:
    _, _, comp = first_line
    fig = drawn(km_plot, WIDE, km_set(comp, endpoint), time_unit="months", method="log", title="t")
    assert fig.axes[0].get_ylabel() == ylabel
    assert "Survival probability" not in texts(fig)


@pytest.mark.parametrize("t_max, step", [(2, 1), (9.5, 1), (13, 3), (24, 3), (30, 3), (30.5, 6), (60, 6), (61, 12),
                                         (118, 12)])
def test_time_ticks_are_clinical_intervals_chosen_by_range(t_max: float, step: int) -> None:
    ticks = clinical_breaks(t_max, "months")
    assert ticks[0] == 0 and np.allclose(np.diff(ticks), step)
    assert ticks[-1] >= t_max > ticks[-1] - step and len(ticks) <= 11  # the axis ends on the first tick after
    cut = clinical_breaks(t_max, "months", cover=False)
    assert cut[-1] <= t_max


@pytest.mark.parametrize("unit, t_max, step", [("days", 700, 90), ("weeks", 100, 13), ("years", 4, 0.5),
                                               ("fortnights", 37, 5)])
def test_time_ticks_of_other_units(unit: str, t_max: float, step: float) -> None:
    assert np.allclose(np.diff(clinical_breaks(t_max, unit)), step)


def test_numbers_at_risk_stand_at_every_clinical_tick(first_line) -> None:
    from her2var.stats import survival_at

    _, _, comp = first_line
    ks = km_set(comp)
    fig = drawn(km_plot, WIDE, ks, time_unit="months", method="log", title="t")
    ax, risk = fig.axes
    ticks = list(ax.get_xticks())
    step = ticks[1] - ticks[0]
    assert step in (3, 6, 12) and np.allclose(np.diff(ticks), step) and ticks[0] == 0
    assert [t.get_text() for t in risk.get_xticklabels()] == [f"{t:g}" for t in ticks]
    for row, level in enumerate(reversed(ks.levels)):
        shown = {round(t.get_position()[0], 6): t.get_text() for t in risk.texts if t.get_position()[1] == row}
        assert sorted(shown) == ticks, level
        expected = [str(lm.n_risk) for lm in survival_at(ks.curves[level], ticks)]
        assert [shown[t] for t in ticks] == expected, level


def test_km_options_cut_the_axis_set_the_interval_and_toggle_bands_and_risk_table(first_line) -> None:
    from matplotlib.collections import PolyCollection

    _, _, comp = first_line
    ks = km_set(comp)
    plain = drawn(km_plot, WIDE, ks, time_unit="months", method="log", title="t")
    assert not plain.axes[0].findobj(PolyCollection)
    style = dataclasses.replace(WIDE, km_x_max=12.0, km_breaks_every=2.0, km_ci_bands=True, km_risk_table=False)
    fig = drawn(km_plot, style, ks, time_unit="months", method="log", title="t")
    assert len(fig.axes) == 1  # no number-at-risk table
    ax = fig.axes[0]
    assert list(ax.get_xticks()) == [0, 2, 4, 6, 8, 10, 12]
    assert 12 <= ax.get_xlim()[1] < 12.5
    with_patients = [lv for lv in ks.levels if ks.curves.get(lv) is not None]
    assert len(ax.findobj(PolyCollection)) == len(with_patients)  # a band per curve
    assert ax.get_xlabel().startswith("Time since first-line start")


def test_km_legend_goes_under_the_plot_in_one_journal_column(first_line) -> None:
    _, _, comp = first_line
    fig = drawn(km_plot, NARROW, km_set(comp), time_unit="months", method="log", title="t")
    assert fig.legends and not fig.axes[0].get_legend()
    width_in = fig.get_size_inches()[0]
    assert abs(width_in * 25.4 - 89) < 0.01
    legend_box = fig.legends[0].get_window_extent()
    assert legend_box.y1 <= fig.axes[1].get_window_extent().y0  # under the risk table
    assert legend_box.x1 <= fig.bbox.x1 + 1  # inside the figure


# ---------------------------------------------------------------------------------------------
# Forest plot
# ---------------------------------------------------------------------------------------------
def forest(first_line, style: FigureStyle, kind: str = "multivariable"):
    plan, prep, comp = first_line
    models = [m for e, m in comp.cox_models if e == "pfs" and m.kind == kind]
    counts = [cox_level_counts(plan, prep, "pfs", m) for m in models]
    return models, counts, drawn(forest_plot, style, models, plan.cox.covariates, title="t", counts=counts)


def test_forest_counts_per_level_add_up_to_each_model(first_line) -> None:
    plan, _, _ = first_line
    models, counts, _ = forest(first_line, WIDE, "univariable")
    categorical = {cv.name for cv in plan.cox.covariates if cv.type == "categorical"}
    assert [bool(c) for c in counts] == [bool(categorical & set(m.covariates)) for m in models]
    for m, c in zip(models, counts, strict=True):
        for levels in c.values():
            assert sum(n for n, _ in levels.values()) == m.n
            assert sum(e for _, e in levels.values()) == m.events


@pytest.mark.parametrize("style", [WIDE, NARROW], ids=["two-column", "one-column"])
def test_forest_table_columns_line_up_under_their_headings_and_never_overlap(first_line, style) -> None:
    models, _, fig = forest(first_line, style)
    renderer = fig.canvas.get_renderer()
    by_gid: dict[str, list] = {}
    for t in fig.axes[1].texts:
        by_gid.setdefault(t.get_gid(), []).append(t)
    keys = [g[5:] for g in by_gid if g.startswith("head-")]
    assert keys[-1] == "p" and "hr" in keys
    assert ("n" in keys and "events" in keys) if style is WIDE else "n_events" in keys
    right_edges = []
    for key in keys:
        (head,) = by_gid[f"head-{key}"]
        cells = by_gid[f"cell-{key}"]
        assert cells, key
        x1 = head.get_window_extent(renderer).x1
        for c in cells:  # right-aligned at the same x as the heading: the "p" heading sits over the p-values
            assert c.get_position()[0] == head.get_position()[0] and c.get_ha() == head.get_ha() == "right"
            assert abs(c.get_window_extent(renderer).x1 - x1) < 1.0
        right_edges.append((min(t.get_window_extent(renderer).x0 for t in [head, *cells]), x1))
    for (_, x1), (x0_next, _) in itertools.pairwise(right_edges):
        assert x1 < x0_next, "two table columns overlap"
    assert right_edges[-1][1] <= fig.bbox.x1 + 1  # nothing cut at the figure's edge
    n_cells = [t.get_text() for t in by_gid["cell-n" if style is WIDE else "cell-n_events"]]
    assert str(models[0].n) in n_cells[0]  # the continuous covariate: the model's N


# ---------------------------------------------------------------------------------------------
# Swimmer plot
# ---------------------------------------------------------------------------------------------
def swimmer_inputs(first_line):
    plan, prep, _ = first_line
    job = next(j for j in figure_jobs(plan, prep, compute(plan, prep), "/nonexistent") if j[0] == "swimmer_figure")
    time, event, group, response, levels = job[1][:5]
    response = response.copy()
    response[np.argmax(time)] = "CR"  # the longest bar: a complete response must show
    return job, (time, event, group, response, levels)


def test_swimmer_title_and_caption_speak_of_the_endpoint_not_time_on_treatment(first_line) -> None:
    job, _ = swimmer_inputs(first_line)
    meta = job[3]
    assert meta["title"] == "Progression-free survival of each patient, by first-line regimen"
    assert "treatment" not in meta["title"].lower() and "Time on" not in meta["caption"]
    assert "best overall response" in meta["caption"]


def test_swimmer_response_markers_are_large_distinct_and_explained(first_line) -> None:
    from matplotlib.colors import to_hex

    job, args = swimmer_inputs(first_line)
    kw = {k: v for k, v in job[2].items() if k not in ("style", "meta")}
    style = dataclasses.replace(WIDE, dpi=150)
    fig = drawn(swimmer_plot, style, *args, **kw)
    resp_ax = fig.axes[0]
    marks = {ln.get_gid()[9:]: ln for ln in resp_ax.lines if (ln.get_gid() or "").startswith("response-")}
    present = {c for c in RESPONSE_MARKERS if (args[3] == c).any()}
    assert set(marks) == present and "CR" in marks
    assert all(ln.get_markersize() >= MIN_MARKER for ln in marks.values())
    assert len({ln.get_marker() for ln in marks.values()}) == len(marks)  # a shape each
    fills = {to_hex(ln.get_markerfacecolor()) for ln in marks.values()}
    assert len(fills) == len(marks) and fills <= {c.lower() for _, c, _ in RESPONSE_MARKERS.values()}
    legend_texts = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    for code in present:
        assert f"{code}: {RESPONSE_MARKERS[code][2]}" in legend_texts
    assert "Best response (RECIST 1.1)" in legend_texts
    # The CR star shows: enough of its colour inside the response column (pixels, as printed).
    box = resp_ax.get_window_extent()
    px = np.asarray(fig.canvas.buffer_rgba())[:, :, :3].astype(int)
    height = px.shape[0]
    region = px[int(height - box.y1):int(height - box.y0), int(box.x0):int(box.x1)]
    star = np.array([int(RESPONSE_MARKERS["CR"][1][i:i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(region - star).sum(axis=2) < 40).sum() >= 40


# ---------------------------------------------------------------------------------------------
# HER2 classes
# ---------------------------------------------------------------------------------------------
def test_her2_classes_name_their_population_and_agree_with_the_groups(alteration) -> None:
    plan, prep, comp = alteration
    job = next(j for j in figure_jobs(plan, prep, comp, "/nonexistent") if j[0] == "her2_figure")
    classes, _, total = job[1][:3]
    meta = job[3]
    sizes = {lv: int((prep.groups["alteration"] == lv).sum()) for lv in plan.groupings[0].levels}
    assert classes["amplification"] > sizes["Amplification"]  # patients with both classes count twice here
    assert f"(n = {total})" in meta["caption"] and "ERBB2 exon 20 insertion or amplification" in meta["caption"]
    assert f"Exon 20 insertion {sizes['Exon 20 insertion']} and Amplification {sizes['Amplification']}" in \
        meta["caption"]
    assert "counts in both" in meta["caption"]
    fig = drawn(her2_plot, WIDE, *job[1][:3], title=job[2]["title"], population=job[2]["population"])
    assert f"n\u00a0=\u00a0{total}" in fig.get_suptitle() and "Analysed population" in fig.get_suptitle()


@pytest.mark.parametrize("counts", [{"EGFR": 1}, {"EGFR": 3, "KRAS": 2}, {"EGFR": 47}])
def test_her2_counts_are_on_integer_ticks(counts: dict[str, int]) -> None:
    fig = drawn(her2_plot, WIDE, {"exon20_insertion": 5}, counts, 60, title="t", population="All")
    for ax in fig.axes:
        ticks = ax.get_xticks()
        assert len(ticks) >= 2 and np.allclose(ticks, np.round(ticks)), ticks
        assert all(re.fullmatch(r"\d+", t.get_text()) for t in ax.get_xticklabels() if t.get_text())


# ---------------------------------------------------------------------------------------------
# Files: formats, size, type, metadata
# ---------------------------------------------------------------------------------------------
def test_every_format_is_written_at_the_size_resolution_and_type_asked(tmp_path: Path) -> None:
    from PIL import Image

    style = FigureStyle(formats=("png", "svg", "pdf", "tiff"), dpi=200, width_mm=89.0, font="DejaVu Serif",
                        font_size=9.0)
    meta = {"title": "HER2 classes", "description": "SYNTHETIC DATA. Patients per class."}
    with rc(style):
        fig = her2_plot({"exon20_insertion": 5, "amplification": 2}, {"EGFR": 1}, 7, style=style, title="T",
                        population="All")
        files = save(fig, str(tmp_path), "h", style, meta)
    assert files == {"png": "h.png", "svg": "h.svg", "pdf": "h.pdf", "tiff": "h.tiff"}
    width_px = round(89 / 25.4 * 200)
    with Image.open(tmp_path / "h.png") as im:
        assert abs(im.width - width_px) <= 1
        assert round(im.info["dpi"][0]) == 200
        assert im.text["Title"] == "HER2 classes" and im.text["Description"] == meta["description"]
    with Image.open(tmp_path / "h.tiff") as im:
        assert im.mode == "RGB" and abs(im.width - width_px) <= 1  # no alpha channel: journals refuse it
        assert im.info["compression"] == "tiff_lzw" and round(im.info["dpi"][0]) == 200
        assert im.tag_v2[270] == meta["description"]  # ImageDescription
    svg = (tmp_path / "h.svg").read_text()
    root = ET.fromstring(svg)
    assert "DejaVu Serif" in svg and "DejaVu Sans" not in svg
    dc = "{http://purl.org/dc/elements/1.1/}"
    assert root.find(f".//{dc}description") is not None and "SYNTHETIC DATA" in svg
    pdf = (tmp_path / "h.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"/FontFile2" in pdf and b"/Subtype /Type3" not in pdf  # TrueType embedded
    assert b"SYNTHETIC DATA" in pdf and b"/Title (HER2 classes)" in pdf


def test_a_redrawn_figure_has_the_same_bytes(tmp_path: Path) -> None:
    style = FigureStyle(formats=("png", "svg", "pdf"), dpi=72)
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        with rc(style):
            save(her2_plot({"point_mutation": 3}, {}, 3, style=style, title="T", population="All"),
                 str(tmp_path / folder), "h", style, {"title": "T", "description": "D"})
    for ext in ("png", "svg", "pdf"):
        assert (tmp_path / "a" / f"h.{ext}").read_bytes() == (tmp_path / "b" / f"h.{ext}").read_bytes(), ext


def test_synthetic_figures_say_so_in_title_caption_and_file(first_line, tmp_path: Path) -> None:
    from PIL import Image

    from her2var.analysis.draw import _draw_one

    plan, prep, comp = first_line
    plan = plan.with_figure_style({"dpi": (72, "test"), "formats": (("png",), "test")})
    jobs = [_label_synthetic(j) for j in figure_jobs(plan, prep, comp, str(tmp_path))]
    for _, _, kw, meta in jobs:
        assert meta["title"].startswith("SYNTHETIC DATA \u2013 ") and kw["title"] == meta["title"]
        assert kw["meta"]["description"].startswith("SYNTHETIC DATA. ")
    fn, args, kw, _ = next(j for j in jobs if j[0] == "her2_figure")
    files = _draw_one((fn, args, kw))
    with Image.open(tmp_path / files["png"]) as im:
        assert im.text["Title"].startswith("SYNTHETIC DATA") and im.text["Description"].startswith("SYNTHETIC DATA")


def test_group_colours_come_from_the_plan_then_the_palette() -> None:
    from her2var.analysis.figbase import PALETTE
    from her2var.analysis.figstyle import group_colours

    style = FigureStyle(colours=(("B", PALETTE[0].lower()),))
    got = group_colours(style, ["A", "B", "C"], PALETTE)
    assert got["B"] == PALETTE[0].lower()
    assert got["A"] == PALETTE[1] and got["C"] == PALETTE[2]  # the plan's colour is not given twice


def test_figures_draw_with_the_plan_colours(first_line) -> None:
    from matplotlib.colors import to_hex

    plan, prep, comp = first_line
    plan = plan.with_figure_style({"colours": ((("C", "#112233"),), "test")})
    job = next(j for j in figure_jobs(plan, prep, comp, "/nonexistent") if j[0] == "km_figure")
    kw = {k: v for k, v in job[2].items() if k not in ("style", "meta")}
    fig = drawn(km_plot, plan.figures.style, job[1][0], **kw)
    first = next(ln for ln in fig.axes[0].lines if ln.get_label().startswith("C:"))
    assert to_hex(first.get_color()) == "#112233"


def test_png_of_the_report_is_the_same_figure_at_any_format_choice(tmp_path: Path) -> None:
    """Asking for PDF only still writes the PNG the report embeds."""
    style = FigureStyle(formats=("pdf",), dpi=72)
    with rc(style):
        files = save(her2_plot({"point_mutation": 3}, {}, 3, style=style, title="T", population="All"),
                     str(tmp_path), "h", style)
    assert set(files) == {"png", "pdf"} and sorted(p.name for p in tmp_path.iterdir()) == ["h.pdf", "h.png"]
    assert io.BytesIO((tmp_path / "h.png").read_bytes()).read(4) == b"\x89PNG"
