"""Figures of the analysis, in every format the plan's style asks for: Kaplan–Meier
(:mod:`.fig_km`), forest (:mod:`.fig_forest`), swimmer (:mod:`.fig_swimmer`), and here the response
and HER2-class bar charts. :mod:`.draw` calls them by name, in worker processes when asked.

Shared helpers (palette, safe labels, sizes, saving) are in :mod:`.figbase`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .fig_forest import forest_figure, forest_plot, forest_rows
from .fig_km import km_figure, km_plot
from .fig_swimmer import RESPONSE_MARKERS, swimmer_figure, swimmer_plot
from .figbase import PALETTE, label, line_height, new_figure, rc, save, set_title, wrapped

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .figstyle import FigureStyle

CLASS_NAMES = {"exon20_insertion": "exon 20 insertion", "point_mutation": "point mutation",
               "inframe_deletion": "in-frame deletion", "amplification": "amplification", "other": "other"}


# ---------------------------------------------------------------------------------------------
# Response rates
# ---------------------------------------------------------------------------------------------
def response_plot(records: Sequence[dict[str, Any]], *, style: FigureStyle, title: str, denominator: str) -> Figure:
    """ORR and DCR per group with Clopper–Pearson 95% CIs; the rates are printed under the groups.
    The figure (not saved); call inside ``rc(style)``."""
    groups = list(records)
    x = np.arange(len(groups))
    w = 0.38
    fig = new_figure(style, max(2.4, style.width_in * 0.45) + line_height(style, 8))
    ax = fig.add_subplot(1, 1, 1)
    for j, (key, name) in enumerate((("orr", "ORR (CR+PR)"), ("dcr", "DCR (CR+PR+SD)"))):
        vals = np.array([np.nan if r[key] is None else 100 * r[key] for r in groups])
        lo = np.array([np.nan if r[key] is None else 100 * (r[key] - r[f"{key}_ci_low"]) for r in groups])
        hi = np.array([np.nan if r[key] is None else 100 * (r[f"{key}_ci_high"] - r[key]) for r in groups])
        xs = x + (j - 0.5) * w
        ax.bar(xs, np.nan_to_num(vals), width=w, color=PALETTE[j], label=name,
               hatch=("" if j == 0 else "///"), edgecolor="white", linewidth=0)
        ax.errorbar(xs, np.nan_to_num(vals), yerr=[np.nan_to_num(lo), np.nan_to_num(hi)], fmt="none",
                    ecolor="#333333", elinewidth=0.7, capsize=1.5)

    def pct(r: dict[str, Any], key: str) -> str:
        return "n/a" if r[key] is None else f"{100 * r[key]:.0f}%"
    ax.set_xticks(x)
    per = max(6, int(style.width_in * 72 / max(len(groups), 1) / (0.6 * style.font_size)))
    ax.set_xticklabels([f"{wrapped(r['group'], per)}\n(n = {r['n']})\nORR {pct(r, 'orr')}\nDCR {pct(r, 'dcr')}"
                        for r in groups])
    ax.set_ylim(0, 100)
    ax.set_ylabel("Patients (%), 95% Clopper\u2013Pearson CI")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, borderaxespad=0.2)
    note = ("denominator: all treated patients (NE included)" if denominator == "all"
            else "denominator: evaluable patients (NE left out)")
    ax.set_xlabel(note, fontsize=max(style.font_size - 1, 5), color="#555555", loc="right")
    set_title(fig, title, style)
    return fig


def response_figure(records: Sequence[dict[str, Any]], folder: str, stem: str, *, style: FigureStyle,
                    meta: dict[str, str], title: str, denominator: str) -> dict[str, str]:
    """Draw and write the response figure; returns {format: file name}."""
    with rc(style):
        return save(response_plot(records, style=style, title=title, denominator=denominator), folder, stem,
                    style, meta)


# ---------------------------------------------------------------------------------------------
# HER2 classes and co-drivers
# ---------------------------------------------------------------------------------------------
def her2_plot(classes: dict[str, int], codrivers: dict[str, int], total: int, *, style: FigureStyle, title: str,
              population: str) -> Figure:
    """Patients per HER2 alteration class (a patient with two classes counts in both) and per
    co-driver, in the analysed population (named, with its size, under the title); counts on
    integer ticks. The figure (not saved); call inside ``rc(style)``."""
    from matplotlib.ticker import MaxNLocator

    rows = 1.9 * max(len(classes), len(codrivers), 3) + 6
    if style.narrow:  # one column: the two panels one above the other
        fig = new_figure(style, line_height(style, 2 * rows + 5))
        axes = fig.subplots(2, 1)
    else:
        fig = new_figure(style, line_height(style, rows + 5))
        axes = fig.subplots(1, 2, width_ratios=[1.4, 1])
    for ax, counts, name, col in ((axes[0], classes, "HER2 alteration class", PALETTE[0]),
                                  (axes[1], codrivers, "Co-occurring driver", PALETTE[1])):
        items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if not items:
            ax.text(0.5, 0.5, "none in the population", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
            ax.set_xticks([])
        else:
            # Bars from the top, the same height whatever their number.
            ys = np.arange(len(items))[::-1] + max(len(items), 4) - len(items)
            ax.barh(ys, [v for _, v in items], color=col, height=0.65)
            ax.set_yticks(ys)
            ax.set_yticklabels([label(CLASS_NAMES.get(k, k.replace("_", " "))) for k, _ in items])
            ax.set_ylim(-0.6, max(len(items), 4) - 0.4)
            top = max(v for _, v in items)
            for y, (_, v) in zip(ys, items, strict=True):
                ax.text(v + top * 0.02, y, f"{v} ({100 * v / total:.1f}%)" if total else str(v),
                        va="center", fontsize=max(style.font_size - 1, 5))
            ax.set_xlim(0, top * 1.4)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5 if style.narrow else "auto", integer=True, min_n_ticks=2))
        ax.set_xlabel(f"Patients (of {total})")
        ax.set_title(name)
    set_title(fig, f"{title}\n{population} (n = {total})", style)
    return fig


def her2_figure(classes: dict[str, int], codrivers: dict[str, int], total: int, folder: str, stem: str, *,
                style: FigureStyle, meta: dict[str, str], title: str, population: str) -> dict[str, str]:
    """Draw and write the HER2-class figure; returns {format: file name}."""
    with rc(style):
        return save(her2_plot(classes, codrivers, total, style=style, title=title, population=population), folder,
                    stem, style, meta)


_DRAW = {f.__name__: f for f in (km_figure, forest_figure, response_figure, swimmer_figure, her2_figure)}


def draw_one(job: tuple[str, tuple, dict]) -> dict[str, str]:
    """Draw and write one figure job of :func:`her2var.analysis.draw.figure_jobs`, ``(function
    name, args, kwargs)``; returns {format: file name}. What a figure worker runs: it is here, not
    in :mod:`.draw`, so that the workers import the figure modules only."""
    fn, args, kw = job
    return _DRAW[fn](*args, **kw)


__all__ = ["CLASS_NAMES", "RESPONSE_MARKERS", "draw_one", "forest_figure", "forest_plot", "forest_rows",
           "her2_figure", "her2_plot", "km_figure", "km_plot", "response_figure", "response_plot", "swimmer_figure",
           "swimmer_plot"]
