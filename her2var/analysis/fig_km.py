"""The Kaplan–Meier figure: a curve per group with censor marks, optional confidence bands, median
lines, the log-rank p, and the numbers at risk under the time axis at clinical intervals (every 3,
6 or 12 months, by the time range; the plan's ``km_style`` or ``--km-*`` options change them).

Curves differ by line style as well as colour, so that a grey-scale print still separates them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .figbase import LINESTYLES, PALETTE, fmt_p, label, line_height, new_figure, rc, save, set_title, short, wrapped
from .figdata import at_risk
from .figstyle import FigureStyle, clinical_breaks, group_colours

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure


def y_label(endpoint_label: str) -> str:
    """'Progression-free survival' -> 'Progression-free survival probability'."""
    text = endpoint_label.strip()
    return f"{text} probability" if text else "Survival probability"


def km_ticks(km_set: Any, style: FigureStyle, time_unit: str) -> tuple[list[float], float]:
    """(tick positions, right end of the axis): the style's x range and interval, else clinical
    intervals covering the longest follow-up."""
    t_max = max((float(c.time[-1]) for c in km_set.curves.values() if c is not None and len(c.time)), default=1.0)
    if style.km_x_max is not None:
        ticks = clinical_breaks(style.km_x_max, time_unit, style.km_breaks_every, cover=False)
        return ticks, style.km_x_max
    ticks = clinical_breaks(t_max or 1.0, time_unit, style.km_breaks_every)
    return ticks, ticks[-1]


def km_plot(km_set: Any, *, style: FigureStyle, time_unit: str, method: str, title: str) -> Figure:
    """The figure (not saved); call inside ``rc(style)``."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator

    levels = list(km_set.levels)
    n_rows = len(levels)
    colours = group_colours(style, levels, PALETTE)
    narrow = style.narrow
    plot_h = max(1.9, style.width_in * (0.62 if narrow else 0.42))
    risk_h = line_height(style, n_rows + 2.2) if style.km_risk_table else 0.0
    legend_h = line_height(style, n_rows + 2) if narrow else 0.0
    fig = new_figure(style, plot_h + risk_h + legend_h + line_height(style, 4))
    if style.km_risk_table:
        gs = fig.add_gridspec(2, 1, height_ratios=[plot_h, risk_h])
        ax = fig.add_subplot(gs[0])
        risk = fig.add_subplot(gs[1], sharex=ax)
    else:
        ax = fig.add_subplot(1, 1, 1)
    ticks, x_end = km_ticks(km_set, style, time_unit)
    pad = x_end * 0.02
    handles: list[Artist] = []
    med_max = 0.0
    for i, lv in enumerate(levels):
        c, med = km_set.curves.get(lv), km_set.medians.get(lv)
        col, ls = colours[lv], LINESTYLES[i % len(LINESTYLES)]
        if c is None:
            handles.append(Line2D([], [], color=col, linestyle=ls, label=f"{wrapped(lv)}: no patients"))
            continue
        x = np.concatenate(([0.0], c.time))
        y = np.concatenate(([1.0], c.surv))
        mtext = med.formatted() if med is not None else "NR"
        text = (f"{short(lv, 30)} (n = {c.n}, {c.events} events): median {mtext}" if narrow else
                f"{wrapped(lv)}: n = {c.n}, {c.events} events\n    median {mtext}")
        line = ax.step(x, y, where="post", color=col, linestyle=ls, label=text)[0]
        handles.append(line)
        if style.km_ci_bands:
            lo = np.concatenate(([1.0], np.asarray(c.lower, dtype=float)))
            hi = np.concatenate(([1.0], np.asarray(c.upper, dtype=float)))
            ax.fill_between(x, lo, hi, step="post", color=col, alpha=0.15, linewidth=0)
        cens = c.n_censor > 0
        ax.plot(c.time[cens], c.surv[cens], linestyle="none", marker="|", markersize=style.font_size * 0.8,
                markeredgewidth=0.8, color=col)
        if med is not None and med.median is not None:
            ax.plot([med.median, med.median], [0, 0.5], color=col, linestyle=":", linewidth=0.8)
            med_max = max(med_max, med.median)
    if med_max > 0:
        ax.plot([0, med_max], [0.5, 0.5], color="#666666", linestyle=":", linewidth=0.8)
    handles.append(Line2D([], [], linestyle="none", marker="|", markersize=style.font_size * 0.8,
                          markeredgewidth=0.8, color="#333333", label="censored"))
    if style.km_ci_bands:
        from matplotlib.patches import Patch

        conf = next((c for c in km_set.curves.values() if c is not None), None)
        band = f"pointwise {100 * conf.conf_level:g}% CI ({label(conf.conf_type)})" if conf else "pointwise CI"
        handles.append(Patch(color="#999999", alpha=0.3, linewidth=0, label=band))
    ax.set_ylim(-0.02, 1.02)
    ax.yaxis.set_major_locator(FixedLocator([0.0, 0.2, 0.4, 0.6, 0.8, 1.0]))
    ax.set_xlim(-pad, x_end + pad)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_ylabel(y_label(km_set.endpoint_label))
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    ptext = f"Log-rank {fmt_p(km_set.logrank_p)}" if km_set.logrank_p is not None else \
        (f"Log-rank: {label(km_set.logrank_note)}" if km_set.logrank_note else "")
    if ptext:
        ax.text(0.98, 0.97, wrapped(ptext, 40), transform=ax.transAxes, ha="right", va="top")
    legend_title = f"{wrapped(km_set.group_label)} (median, {label(time_unit)}, 95% CI: {label(method)})"
    if narrow:
        fig.legend(handles=handles, loc="outside lower left", ncols=1, title=legend_title, alignment="left",
                   handlelength=2.4)
    else:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), alignment="left",
                  title=legend_title.replace(" (median", "\n(median"), handlelength=2.4)
    time_label = f"Time since first-line start ({label(time_unit)})"
    if style.km_risk_table:
        ax.tick_params(labelbottom=False)
        risk.set_ylim(-0.5, n_rows - 0.5)
        inside = [t for t in ticks if t <= x_end + 1e-9]
        for i, lv in enumerate(levels):
            yrow = n_rows - 1 - i
            c = km_set.curves.get(lv)
            counts = at_risk(c, inside) if c is not None else [0] * len(inside)
            for t, k in zip(inside, counts, strict=True):
                risk.text(t, yrow, str(k), ha="center", va="center", fontsize=max(style.font_size - 1, 5))
        risk.set_yticks(range(n_rows))
        risk.set_yticklabels([short(lv) for lv in reversed(levels)])
        for tl, lv in zip(risk.get_yticklabels(), reversed(levels), strict=True):
            tl.set_color(colours[lv])
        risk.set_xlabel(time_label)
        risk.set_title("Number at risk", fontsize=style.font_size)
        risk.spines["left"].set_visible(False)
        risk.tick_params(axis="y", length=0, pad=6)
        risk.tick_params(labelbottom=True)
    else:
        ax.set_xlabel(time_label)
    set_title(fig, title, style)
    return fig


def km_figure(km_set: Any, folder: str, stem: str, *, style: FigureStyle, meta: dict[str, str], time_unit: str,
              method: str, title: str) -> dict[str, str]:
    """Draw and write one Kaplan–Meier figure; returns {format: file name}."""
    with rc(style):
        fig = km_plot(km_set, style=style, time_unit=time_unit, method=method, title=title)
        return save(fig, folder, stem, style, meta)
