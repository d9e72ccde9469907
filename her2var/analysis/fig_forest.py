"""The forest plot: hazard ratios with 95% Wald CIs on a log axis, and beside them a table with
one column each for the patients (n), the events, the HR (95% CI) and the p-value, every column's
heading set at the same x and alignment as its values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .figbase import PALETTE, fmt_p, line_height, new_figure, rc, save, set_title, short

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .figstyle import FigureStyle

# Patients and events per level of each categorical covariate of a model ({covariate: {level:
# (n, events)}}); a continuous covariate counts the model's N and events.
LevelCounts = Mapping[str, Mapping[str, tuple[int, int]]]

# The table's columns (key, heading); one journal column has no room for two count columns.
COLUMNS = (("n", "n"), ("events", "Events"), ("hr", "HR (95% CI)"), ("p", "p"))
NARROW_COLUMNS = (("n_events", "n (events)"), ("hr", "HR (95% CI)"), ("p", "p"))
# Width of a character of DejaVu Sans, in ems (digits are 0.64; bold a little wider).
CHAR_EM, BOLD_EM = 0.62, 0.70


def forest_rows(model: Any, covariates: Sequence[Any], counts: LevelCounts | None = None) -> list[dict[str, Any]]:
    """Rows of a forest plot: a heading per categorical covariate, its reference, its levels; each
    with the patients and events it counts (None when not known)."""
    terms = {t.term: t for t in model.terms}
    rows: list[dict[str, Any]] = []

    def count(cv_name: str, level: str) -> tuple[int | None, int | None]:
        c = (counts or {}).get(cv_name, {}).get(level)
        return c if c is not None else (None, None)

    for cv in covariates:
        if cv.name not in model.covariates:
            continue
        if cv.type == "continuous":
            rows.append({"text": cv.label, "term": terms.get(cv.name), "indent": False, "ref": False,
                         "n": model.n, "events": model.events})
            continue
        rows.append({"text": cv.label, "term": None, "indent": False, "ref": False, "heading": True,
                     "n": None, "events": None})
        ref = model.references.get(cv.name, cv.reference)
        n, ev = count(cv.name, ref)
        rows.append({"text": f"{ref} (reference)", "term": None, "indent": True, "ref": True, "n": n, "events": ev})
        for name, t in terms.items():
            if name.startswith(cv.name + "="):
                level = name.split("=", 1)[1]
                n, ev = count(cv.name, level)
                rows.append({"text": level, "term": t, "indent": True, "ref": False, "n": n, "events": ev})
    return rows


def _cells(r: dict[str, Any]) -> dict[str, str]:
    t = r.get("term")
    out = {"n": "" if r.get("n") is None else str(r["n"]),
           "events": "" if r.get("events") is None else str(r["events"]), "hr": "", "p": ""}
    out["n_events"] = f"{out['n']} ({out['events']})" if out["n"] and out["events"] else out["n"]
    if r.get("ref"):
        out["hr"] = "1 (reference)"
    elif "na" in r or (t is not None and t.hr is None):
        out["hr"] = "not estimable"
    elif t is not None:
        out["hr"] = f"{t.hr:.2f} ({t.lower:.2f}\u2013{t.upper:.2f})"
        out["p"] = fmt_p(t.p, prefix=False)
    return out


def forest_plot(models: Sequence[Any], covariates: Sequence[Any], *, style: FigureStyle, title: str,
                counts: Sequence[LevelCounts | None] | None = None) -> Figure:
    """The figure (not saved); call inside ``rc(style)``. ``models``: one multivariable model, or
    the univariable models (one per covariate); ``counts``: each model's patients and events per level."""
    from matplotlib.ticker import FixedLocator, NullLocator

    rows: list[dict[str, Any]] = []
    for k, m in enumerate(models):
        if m.status == "ok":
            rows.extend(forest_rows(m, covariates, counts[k] if counts else None))
        else:
            names = ", ".join(next((c.label for c in covariates if c.name == n), n) for n in m.covariates)
            rows.append({"text": names, "term": None, "indent": False, "ref": False, "na": m.reason,
                         "n": None, "events": None})
    n = max(len(rows), 1)
    small = max(style.font_size - 0.5, 5)
    columns = NARROW_COLUMNS if style.narrow else COLUMNS
    cells = [_cells(r) for r in rows]
    # The table is laid out from its texts' widths (points), so that no two columns overlap at any
    # figure width; the plot gets what the labels and the table leave.
    widths = [max([len(head) * BOLD_EM * small] + [len(c[key]) * CHAR_EM * small for c in cells])
              for key, head in columns]
    gap = 1.2 * small
    table_pt = sum(widths) + gap * len(columns)
    label_chars = 24 if style.narrow else 48
    labels = [("    " if r.get("indent") else "") + short(r["text"], label_chars) for r in rows]
    label_pt = max([len(t) * BOLD_EM * style.font_size for t in labels] or [0.0]) + 6
    plot_pt = max(style.width_in * 72 - table_pt - label_pt - 12, style.width_in * 72 * 0.22)
    fig = new_figure(style, line_height(style, 1.7 * (n + 1) + 6))
    gs = fig.add_gridspec(1, 2, width_ratios=[plot_pt, table_pt], wspace=0.0)
    ax = fig.add_subplot(gs[0])
    tab = fig.add_subplot(gs[1], sharey=ax)
    los, his = [], []
    mark = style.font_size * 0.75
    for i, r in enumerate(rows):
        y = n - 1 - i
        t = r.get("term")
        if r.get("ref"):
            ax.plot([1.0], [y], marker="D", color="#666666", markersize=mark * 0.8)
        elif t is not None and t.hr is not None:
            ax.plot([t.lower, t.upper], [y, y], color=PALETTE[0], linewidth=style.font_size / 6)
            ax.plot([t.hr], [y], marker="s", color=PALETTE[0], markersize=mark)
            los.append(t.lower)
            his.append(t.upper)
    lo = min([*los, 0.5]) / 1.3
    hi = max([*his, 2.0]) * 1.3
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    nice = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo <= t <= hi]
    if len(nice) > 7:
        nice = [t for t in nice if t in (0.01, 0.1, 1, 10, 100)]
    ax.xaxis.set_major_locator(FixedLocator(nice))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{t:g}" for t in nice])
    ax.plot([1.0, 1.0], [-0.6, n - 0.4], color="#666666", linewidth=0.6, linestyle="--")
    ax.set_ylim(-0.8, n + 0.6)  # the top row (y = n) holds the table's headings
    ax.set_yticks([n - 1 - i for i in range(len(rows))])
    ax.set_yticklabels(labels)
    for tl, r in zip(ax.get_yticklabels(), rows, strict=True):
        if r.get("heading") or (not r.get("indent") and r.get("term") is not None):
            tl.set_fontweight("bold")
    ax.set_xlabel("Hazard ratio (95% CI), log scale")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    tab.set_xlim(0, table_pt)
    tab.axis("off")
    x = 0.0
    for (key, heading), width in zip(columns, widths, strict=True):
        x += gap + width  # every column right-aligned at its right edge, its heading too
        tab.text(x, n, heading, ha="right", va="center", fontweight="bold", fontsize=small, gid=f"head-{key}")
        for i, c in enumerate(cells):
            if c[key]:
                tab.text(x, n - 1 - i, c[key], ha="right", va="center", fontsize=small, gid=f"cell-{key}")
    set_title(fig, title, style)
    return fig


def forest_figure(models: Sequence[Any], covariates: Sequence[Any], folder: str, stem: str, *,
                  style: FigureStyle, meta: dict[str, str], title: str,
                  counts: Sequence[LevelCounts | None] | None = None) -> dict[str, str]:
    """Draw and write one forest plot; returns {format: file name}."""
    with rc(style):
        fig = forest_plot(models, covariates, style=style, title=title, counts=counts)
        return save(fig, folder, stem, style, meta)
