"""The swimmer plot: one bar per patient (longest first) from first-line start to the endpoint's
event or censoring, coloured by group; a mark at the end for the event, an arrow for a patient
still free of it; the best overall response as a large marker in a column of its own, each
response with its own shape and colour (colour-blind safe, black-edged so that light colours show
on white), explained in a legend of its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .figbase import PALETTE, label, line_height, new_figure, rc, save, set_title, wrapped
from .figstyle import FigureStyle, clinical_breaks, group_colours

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

# RECIST best response: (marker, fill colour from the Okabe–Ito palette, words). Shapes differ so
# that the response reads without colour too.
RESPONSE_MARKERS = {"CR": ("*", "#009E73", "complete response"), "PR": ("^", "#56B4E9", "partial response"),
                    "SD": ("o", "#F0E442", "stable disease"), "PD": ("s", "#D55E00", "progressive disease"),
                    "NE": ("X", "#999999", "not evaluable")}
# Markers at least this big (points), whatever the number of patients.
MIN_MARKER = 6.0


def row_pitch(style: FigureStyle) -> float:
    """Points between two patients' bars: room for a marker of at least MIN_MARKER points."""
    return max(style.font_size, MIN_MARKER * 1.15)


def marker_size(style: FigureStyle) -> float:
    """Points across a best-response marker."""
    return max(MIN_MARKER, row_pitch(style) * 0.9)


def swimmer_plot(time: np.ndarray, event: np.ndarray, group: np.ndarray, response: np.ndarray | None,
                 levels: Sequence[str], *, style: FigureStyle, title: str, time_unit: str, max_patients: int,
                 group_label: str, event_label: str) -> Figure:
    """The figure (not saved); call inside ``rc(style)``."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FixedLocator

    order = np.argsort(-time, kind="stable")
    shown = order[:max_patients]
    n = len(shown)
    pitch = row_pitch(style)
    marker = marker_size(style)
    legend_rows = len(levels) + len(RESPONSE_MARKERS) + 6
    body = max(n, 10) * pitch / 72
    extra = line_height(style, legend_rows) if style.narrow else 0.0
    fig = new_figure(style, body + extra + line_height(style, 6))
    gs = fig.add_gridspec(1, 2, width_ratios=[0.07 if not style.narrow else 0.11, 1.0], wspace=0.01)
    resp_ax = fig.add_subplot(gs[0])
    ax = fig.add_subplot(gs[1], sharey=resp_ax)
    colours = group_colours(style, levels, PALETTE)
    t, e, g = time[shown], event[shown], group[shown]
    ticks = clinical_breaks(float(t.max()) if n else 1.0, time_unit)
    tmax = ticks[-1]
    ys = n - 1 - np.arange(n)
    ax.barh(ys, t, height=0.72, color=[colours.get(x, "#999999") for x in g], linewidth=0)
    ev = e == 1
    end = max(style.font_size * 0.9, marker * 0.9)
    ax.plot(t[ev], ys[ev], linestyle="none", marker="|", color="black", markersize=end, markeredgewidth=1.2)
    ax.plot(t[~ev] + tmax * 0.012, ys[~ev], linestyle="none", marker=">", color="black", markersize=marker * 0.7)
    resp_ax.set_xlim(0, 1)
    if response is not None:
        r = response[shown]
        for code, (mk, mc, _) in RESPONSE_MARKERS.items():
            hit = r == code
            if hit.any():
                size = marker * (1.25 if mk == "*" else 1.0)  # a star's arms are thin: draw it a little bigger
                resp_ax.plot(np.full(int(hit.sum()), 0.5), ys[hit], linestyle="none", marker=mk, color=mc,
                             markersize=size, markeredgecolor="black", markeredgewidth=0.5, gid=f"response-{code}")
        resp_ax.set_title("Best\nresponse", fontsize=max(style.font_size - 1, 5), loc="center")
    resp_ax.set_xticks([])
    for side in ("left", "right", "top", "bottom"):
        resp_ax.spines[side].set_visible(False)
    # One legend in three parts (groups; bar ends; best response), each under a bold heading.
    def heading(text: str) -> Artist:
        return Line2D([], [], linestyle="none", marker="none", label=text, gid="heading")

    handles: list[Artist] = [heading(wrapped(group_label, 28))]
    handles += [Patch(color=colours[lv], label=wrapped(lv)) for lv in levels if (group == lv).any()]
    if not np.isin(g, list(levels)).all():
        handles.append(Patch(color="#999999", label="not in the plan's groups"))
    handles += [heading("Bar ends"),
                Line2D([], [], marker="|", color="black", linestyle="none", markersize=end, markeredgewidth=1.2,
                       label=wrapped(event_label, 30)),
                Line2D([], [], marker=">", color="black", linestyle="none", markersize=marker * 0.7,
                       label="censored (no event at\nthe last follow-up)")]
    if response is not None:
        handles.append(heading("Best response (RECIST 1.1)"))
        for code, (mk, mc, text) in RESPONSE_MARKERS.items():
            if (response[shown] == code).any():
                handles.append(Line2D([], [], marker=mk, color=mc, markeredgecolor="black", markeredgewidth=0.5,
                                      linestyle="none", markersize=marker * (1.25 if mk == "*" else 1.0),
                                      label=f"{code}: {text}", gid=f"legend-{code}"))
    if style.narrow:
        legend = fig.legend(handles=handles, loc="outside lower left", alignment="left")
    else:
        legend = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), alignment="left")
    for h, entry in zip(handles, legend.get_texts(), strict=True):
        if h.get_gid() == "heading":
            entry.set_fontweight("bold")
    ax.set_xlim(0, tmax * 1.04)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticks(ticks, [f"{x:g}" for x in ticks])
    ax.set_ylim(-1, max(n, 1))
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    shown_note = f"{n} patients" if n == len(time) else f"the {n} longest of {len(time)} patients"
    resp_ax.set_ylabel(f"Patients ({shown_note})")
    ax.set_xlabel(f"Time since first-line start ({label(time_unit)})")
    set_title(fig, title, style)
    return fig


def swimmer_figure(time: np.ndarray, event: np.ndarray, group: np.ndarray, response: np.ndarray | None,
                   levels: Sequence[str], folder: str, stem: str, *, style: FigureStyle, meta: dict[str, str],
                   title: str, time_unit: str, max_patients: int, group_label: str,
                   event_label: str = "progression or death") -> dict[str, str]:
    """Draw and write the swimmer plot; returns {format: file name}."""
    with rc(style):
        fig = swimmer_plot(time, event, group, response, levels, style=style, title=title, time_unit=time_unit,
                           max_patients=max_patients, group_label=group_label, event_label=event_label)
        return save(fig, folder, stem, style, meta)
