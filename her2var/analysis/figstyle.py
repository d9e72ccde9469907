"""How the figures look: file formats, resolution, width, type, group colours and the Kaplan–Meier axes.

Set in a plan's ``figures:`` block and overridden on the command line (``--figure-format``,
``--dpi``, ``--figure-width``, ...); both are checked here by the same rules, so a typo is an error
naming the key or the option, never a silent default. The defaults suit a journal: 300 dpi raster,
a two-column width (183 mm), 7-point DejaVu Sans (shipped with matplotlib, so a figure looks the same
on every machine). matplotlib is imported only to check that a named font exists.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..errors import RulesError, shown

FIGURE_FORMATS = ("png", "svg", "pdf", "tiff")
FORMAT_ALIASES = {"tif": "tiff", "jpg": None, "jpeg": None, "eps": None}
# Journal column widths (mm): Nature, Cell, Lancet and JCO use about 85-90 mm for one column and
# 170-183 mm for two.
COLUMN_WIDTHS = {"single": 89.0, "one-and-a-half": 120.0, "double": 183.0}
DPI_RANGE = (72, 1200)
WIDTH_RANGE = (50.0, 300.0)
FONT_SIZE_RANGE = (5.0, 14.0)
GENERIC_FONTS = ("sans-serif", "serif", "monospace")
SHIPPED_FONT = "DejaVu Sans"  # in matplotlib's own mpl-data/fonts
HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")

# The plan's keys (inside ``figures:``); see rules/plans/first-line-regimens.yaml.
STYLE_SPEC: dict[str, Any] = {
    "formats?": ("list", str), "dpi?": int, "width_mm?": float, "font?": str, "font_size?": float,
    "colours?": ("map", str),
    "km_style?": {"x_max?": float, "breaks_every?": float, "ci_bands?": bool, "risk_table?": bool},
}


@dataclass(frozen=True)
class FigureStyle:
    """The look of every figure. ``formats``: files written besides the PNG (which the report
    embeds and is always written). ``km_x_max`` cuts the time axis; ``km_breaks_every`` is the
    interval of the time ticks and numbers at risk (None: 3, 6 or 12 months by the time range)."""

    formats: tuple[str, ...] = ("png", "svg", "pdf")
    dpi: int = 300
    width_mm: float = COLUMN_WIDTHS["double"]
    font: str = SHIPPED_FONT
    font_size: float = 7.0
    colours: tuple[tuple[str, str], ...] = ()  # (group level, "#rrggbb")
    km_x_max: float | None = None
    km_breaks_every: float | None = None
    km_ci_bands: bool = False
    km_risk_table: bool = True

    @property
    def width_in(self) -> float:
        return self.width_mm / 25.4

    @property
    def narrow(self) -> bool:
        """Too narrow for a legend beside the plot (one journal column): legends go underneath."""
        return self.width_mm < 130

    def files(self) -> tuple[str, ...]:
        """Every format written, PNG first (the report shows it)."""
        return ("png", *(f for f in self.formats if f != "png"))

    def summary(self) -> dict[str, Any]:
        return {"formats": list(self.files()), "dpi": self.dpi, "width_mm": self.width_mm, "font": self.font,
                "font_size": self.font_size, "colours": dict(self.colours), "km_x_max": self.km_x_max,
                "km_breaks_every": self.km_breaks_every, "km_ci_bands": self.km_ci_bands,
                "km_risk_table": self.km_risk_table}


def parse_formats(text: str, where: str) -> tuple[str, ...]:
    """``pdf,png`` -> ("pdf", "png"), each checked (``tif`` is read as ``tiff``)."""
    return _formats([t.strip() for t in text.split(",") if t.strip()], where)


def parse_width(text: str, where: str) -> float:
    """``single``, ``one-and-a-half``, ``double`` or a width in mm."""
    key = text.strip().lower()
    if key in COLUMN_WIDTHS:
        return COLUMN_WIDTHS[key]
    try:
        value = float(key.removesuffix("mm").strip())
    except ValueError:
        raise RulesError(f"{where}: {shown(text)} is not a width; expected single ({COLUMN_WIDTHS['single']:g} mm), "
                         f"one-and-a-half ({COLUMN_WIDTHS['one-and-a-half']:g} mm), double "
                         f"({COLUMN_WIDTHS['double']:g} mm) or a number of mm") from None
    return value


def _formats(values: list[str], where: str) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        key = v.strip().lower().lstrip(".")
        key = FORMAT_ALIASES.get(key, key) or ""
        if key not in FIGURE_FORMATS:
            raise RulesError(f"{where}: {shown(v)} is not a figure format her2var writes; expected some of "
                             f"{', '.join(FIGURE_FORMATS)}")
        if key in out:
            raise RulesError(f"{where}: {shown(v)} is listed twice")
        out.append(key)
    if not out:
        raise RulesError(f"{where}: expected at least one of {', '.join(FIGURE_FORMATS)}")
    return tuple(out)


def style_from_plan(f: Mapping[str, Any], where: str, levels: Iterable[str]) -> FigureStyle:
    """The plan's ``figures:`` settings (already checked against STYLE_SPEC) as a FigureStyle."""
    changes: dict[str, tuple[Any, str]] = {}
    w = f"{where}.figures"
    if "formats" in f:
        changes["formats"] = (_formats(list(f["formats"]), f"{w}.formats"), f"{w}.formats")
    for key in ("dpi", "width_mm", "font", "font_size"):
        if key in f:
            changes[key] = (f[key], f"{w}.{key}")
    if "colours" in f:
        changes["colours"] = (tuple((str(k), str(v)) for k, v in f["colours"].items()), f"{w}.colours")
    k = f.get("km_style", {})
    for key, name in (("x_max", "km_x_max"), ("breaks_every", "km_breaks_every"), ("ci_bands", "km_ci_bands"),
                      ("risk_table", "km_risk_table")):
        if key in k:
            changes[name] = (k[key], f"{w}.km_style.{key}")
    return restyle(FigureStyle(), changes, levels)


def restyle(style: FigureStyle, changes: Mapping[str, tuple[Any, str]], levels: Iterable[str]) -> FigureStyle:
    """``style`` with ``changes`` ({field: (value, where it was given)}) applied and checked;
    ``levels``: the plan's group levels a colour may be given for."""
    for name, (value, where) in changes.items():
        _check(name, value, where, set(levels))
    return replace(style, **{name: _normal(name, value) for name, (value, _) in changes.items()})


def _normal(name: str, value: Any) -> Any:
    if name in ("width_mm", "font_size", "km_x_max", "km_breaks_every") and value is not None:
        return float(value)
    if name == "colours":
        return tuple((lv, c.lower()) for lv, c in value)
    return value


def _check(name: str, value: Any, where: str, levels: set[str]) -> None:
    def within(lo: float, hi: float, unit: str) -> None:
        if not (math.isfinite(value) and lo <= value <= hi):
            raise RulesError(f"{where}: {_number(value)} is outside {lo:g}-{hi:g} {unit}")

    if name == "dpi":
        within(*DPI_RANGE, "dots per inch")
    elif name == "width_mm":
        within(*WIDTH_RANGE, f"mm (a journal column is {COLUMN_WIDTHS['single']:g} mm, a page "
                             f"{COLUMN_WIDTHS['double']:g} mm)")
    elif name == "font_size":
        within(*FONT_SIZE_RANGE, "points")
    elif name in ("km_x_max", "km_breaks_every"):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise RulesError(f"{where}: {_number(value)}; expected a time above 0")
    elif name == "font":
        _check_font(value, where)
    elif name == "colours":
        for lv, colour in value:
            if lv not in levels:
                raise RulesError(f"{where}.{shown(lv, bare=True)}: not a level of the plan's groupings or "
                                 f"subgroups {shown(sorted(levels))}")
            if not HEX_COLOUR.fullmatch(colour):
                raise RulesError(f"{where}.{shown(lv, bare=True)}: {shown(colour)} is not a colour; expected "
                                 "#rrggbb, e.g. \"#0072B2\"")


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else shown(value)


def _check_font(font: str, where: str) -> None:
    # DejaVu Sans, the default, ships with matplotlib: no need to import it (and load its font
    # list, ~0.3 s) in a process that may leave the drawing to worker processes.
    if font in GENERIC_FONTS or font == SHIPPED_FONT:
        return
    from matplotlib import font_manager

    try:
        font_manager.findfont(font_manager.FontProperties(family=[font]), fallback_to_default=False)
    except ValueError:
        names = sorted({f.name for f in font_manager.fontManager.ttflist})
        raise RulesError(f"{where}: font {shown(font)} is not installed; installed fonts include "
                         f"{', '.join(names[:12])}{', ...' if len(names) > 12 else ''} (or one of "
                         f"{', '.join(GENERIC_FONTS)})") from None


def group_colours(style: FigureStyle, levels: Iterable[str], palette: tuple[str, ...]) -> dict[str, str]:
    """A colour per level: the plan's own, else the palette in level order (skipping the colours
    the plan gave other levels, so that no two groups share one while the palette lasts)."""
    given = dict(style.colours)
    taken = {c.lower() for c in given.values()}
    free = [c for c in palette if c.lower() not in taken] or list(palette)
    out: dict[str, str] = {}
    k = 0
    for lv in levels:
        if lv in given:
            out[lv] = given[lv]
        else:
            out[lv] = free[k % len(free)]
            k += 1
    return out


# Tick intervals a clinical reader expects, per time unit, smallest first; the first one that
# gives at most MAX_BREAKS intervals over the axis is used (months: 3, 6 or 12 for the usual
# follow-up of 1 to 10 years; 1 below 10 months).
CLINICAL_BREAKS = {"months": (1, 3, 6, 12, 24, 60), "weeks": (4, 8, 13, 26, 52, 104),
                   "days": (30, 90, 180, 365, 730), "years": (0.5, 1, 2, 5, 10)}
MAX_BREAKS = 10


def clinical_breaks(t_max: float, unit: str, every: float | None = None, *, cover: bool = True) -> list[float]:
    """Tick positions 0, k, 2k, ...: ``every`` when given, else 3, 6 or 12 months (weeks, days and
    years likewise) so that at most ten intervals are shown. ``cover``: the last tick is at or
    after ``t_max`` (the axis ends on a tick); else at or before it (an axis cut at ``t_max``)."""
    if not (t_max > 0 and math.isfinite(t_max)):
        t_max = 1.0
    if every is None:
        steps = CLINICAL_BREAKS.get(unit.strip().lower())
        if steps is None:  # another unit: a 1-2-5 step
            steps = tuple(m * 10 ** e for e in range(-2, 7) for m in (1, 2, 5))
        every = next((s for s in steps if t_max / s <= MAX_BREAKS), None)
        if every is None:
            every = float(steps[-1]) * math.ceil(t_max / (steps[-1] * MAX_BREAKS))
    ratio = t_max / every
    n = math.ceil(ratio - 1e-9) if cover else math.floor(ratio + 1e-9)
    return [round(i * every, 10) for i in range(max(n, 1) + 1)]
