"""Figures of the analysis, PNG and SVG: Kaplan–Meier, forest, swimmer, response, HER2 classes.

matplotlib is used through its object API (``Figure`` + the Agg canvas), imported inside the
functions, so no global backend or pyplot state is touched. Colours are the Okabe–Ito palette
(safe for colour-blind readers), and curves also differ by line style so that a grey-scale print
still separates them. Every text that comes from the data or the plan passes through
:func:`label` so that a "$" is printed, not read as mathtext.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # matplotlib itself is imported where a figure is drawn
    from matplotlib.artist import Artist
    from matplotlib.typing import LineStyleType

# Okabe & Ito (2008), in an order that keeps the first colours far apart; yellow last (weak on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
LINESTYLES: tuple[LineStyleType, ...] = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)),
                                         (0, (8, 2)))
# Best-response markers differ by shape and grey level, never by a hue the group colours use.
RESPONSE_MARKERS = {"CR": ("*", "#000000", "complete response"), "PR": ("^", "#000000", "partial response"),
                    "SD": ("o", "#666666", "stable disease"), "PD": ("s", "#666666", "progressive disease"),
                    "NE": ("X", "#aaaaaa", "not evaluable")}
CLASS_NAMES = {"exon20_insertion": "exon 20 insertion", "point_mutation": "point mutation",
               "inframe_deletion": "in-frame deletion", "amplification": "amplification", "other": "other"}
DPI = 150
FONT = 9


def label(text: Any) -> str:
    """User text safe for matplotlib: '$' would start mathtext (an escaped '\\$' prints '$')."""
    return str(text).replace("$", r"\$")


def short(text: Any, width: int = 22) -> str:
    """A label for a narrow place (the number-at-risk rows), cut with an ellipsis."""
    text = str(text)
    return label(text if len(text) <= width else text[:width - 1] + "\u2026")


def wrapped(text: Any, width: int = 32) -> str:
    import textwrap

    return label("\n".join(textwrap.wrap(str(text), width, break_long_words=True)) or str(text))


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def fmt_p(p: float | None) -> str:
    if p is None:
        return "not tested"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.set_layout_engine("constrained")
    return fig


def save(fig: Any, folder: str, stem: str) -> dict[str, str]:
    """Write ``stem.png`` and ``stem.svg``; returns {"png": name, "svg": name}."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    out = {}
    for ext in ("png", "svg"):
        name = f"{stem}.{ext}"
        meta = {"Software": None} if ext == "png" else {"Date": None, "Creator": None}
        fig.savefig(os.path.join(folder, name), format=ext, dpi=DPI, metadata=meta)
        # The layout found for the PNG holds for the SVG too: skip the (slow) second pass.
        fig.set_layout_engine("none")
        out[ext] = name
    return out


def _rc():
    import matplotlib

    return matplotlib.rc_context({"font.size": FONT, "axes.titlesize": FONT + 1, "axes.labelsize": FONT,
                                  "legend.fontsize": FONT - 1, "xtick.labelsize": FONT - 1,
                                  "ytick.labelsize": FONT - 1, "svg.hashsalt": "her2var",
                                  "svg.fonttype": "none", "axes.spines.top": False,
                                  "axes.spines.right": False})


# ---------------------------------------------------------------------------------------------
# Kaplan–Meier
# ---------------------------------------------------------------------------------------------
def km_figure(km_set: Any, folder: str, stem: str, *, time_unit: str, method: str, title: str) -> dict[str, str]:
    """Curves per group with censor marks, numbers at risk under the axis, median lines, log-rank p."""
    from matplotlib.lines import Line2D

    from her2var.stats import survival_at

    levels = km_set.levels
    n_rows = len(levels)
    with _rc():
        fig = _figure(9.0, 4.4 + 0.24 * n_rows)
        gs = fig.add_gridspec(2, 1, height_ratios=[4.0, 0.5 + 0.24 * n_rows])
        ax = fig.add_subplot(gs[0])
        risk = fig.add_subplot(gs[1], sharex=ax)
        tmax = max((float(c.time[-1]) for c in km_set.curves.values()), default=1.0) or 1.0
        med_max = 0.0
        handles = []
        for i, lv in enumerate(levels):
            c, med = km_set.curves.get(lv), km_set.medians.get(lv)
            col, ls = colour(i), LINESTYLES[i % len(LINESTYLES)]
            if c is None:
                handles.append(Line2D([], [], color=col, linestyle=ls, label=f"{wrapped(lv)}: no patients"))
                continue
            x = np.concatenate(([0.0], c.time))
            y = np.concatenate(([1.0], c.surv))
            mtext = med.formatted() if med is not None else "NR"
            line = ax.step(x, y, where="post", color=col, linestyle=ls, linewidth=1.6,
                           label=f"{wrapped(lv)}: n = {c.n}, {c.events} events\n    median {mtext}")[0]
            handles.append(line)
            cens = c.n_censor > 0
            ax.plot(c.time[cens], c.surv[cens], linestyle="none", marker="|", markersize=7,
                    markeredgewidth=1.1, color=col)
            if med is not None and med.median is not None:
                ax.plot([med.median, med.median], [0, 0.5], color=col, linestyle=":", linewidth=1.0)
                med_max = max(med_max, med.median)
        if med_max > 0:
            ax.plot([0, med_max], [0.5, 0.5], color="#666666", linestyle=":", linewidth=1.0)
        handles.append(Line2D([], [], linestyle="none", marker="|", markersize=7, markeredgewidth=1.1,
                              color="#333333", label="censored"))
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlim(-tmax * 0.02, tmax * 1.02)
        ax.set_ylabel("Survival probability")
        ax.set_title(label(title), loc="left")
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ptext = f"Log-rank {fmt_p(km_set.logrank_p)}" if km_set.logrank_p is not None else \
            (f"Log-rank: {label(km_set.logrank_note)}" if km_set.logrank_note else "")
        if ptext:
            ax.text(0.98, 0.97, ptext, transform=ax.transAxes, ha="right", va="top")
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                  title=f"{wrapped(km_set.group_label)}\n(median, {label(time_unit)}, 95% CI: {method})",
                  title_fontsize=FONT - 1, alignment="left")
        ax.tick_params(labelbottom=False)
        # Numbers at risk at the tick positions of the time axis.
        ticks = [t for t in ax.get_xticks() if 0 <= t <= tmax * 1.02]
        risk.set_ylim(-0.5, n_rows - 0.5)
        for i, lv in enumerate(levels):
            yrow = n_rows - 1 - i
            c = km_set.curves.get(lv)
            counts = [lm.n_risk for lm in survival_at(c, ticks)] if c is not None else [0] * len(ticks)
            for t, k in zip(ticks, counts, strict=True):
                risk.text(t, yrow, str(k), ha="center", va="center", fontsize=FONT - 1)
        risk.set_yticks(range(n_rows))
        risk.set_yticklabels([short(lv) for lv in reversed(levels)])
        for i, tl in enumerate(risk.get_yticklabels()):
            tl.set_color(colour(n_rows - 1 - i))
        risk.set_xticks(ticks)
        risk.set_xlim(ax.get_xlim())
        risk.set_xlabel(f"Time since first-line start ({label(time_unit)})")
        risk.set_title("Number at risk", loc="left", fontsize=FONT)
        risk.spines["left"].set_visible(False)
        risk.tick_params(axis="y", length=0, pad=12)
        return save(fig, folder, stem)


# ---------------------------------------------------------------------------------------------
# Forest plot
# ---------------------------------------------------------------------------------------------
def forest_rows(model: Any, covariates: Sequence[Any]) -> list[dict[str, Any]]:
    """Rows of a forest plot: a heading per categorical covariate, its reference, its levels."""
    terms = {t.term: t for t in model.terms}
    rows: list[dict[str, Any]] = []
    for cv in covariates:
        if cv.name not in model.covariates:
            continue
        if cv.type == "continuous":
            t = terms.get(cv.name)
            rows.append({"text": cv.label, "term": t, "indent": False, "ref": False})
            continue
        rows.append({"text": cv.label, "term": None, "indent": False, "ref": False, "heading": True})
        ref = model.references.get(cv.name, cv.reference)
        rows.append({"text": f"{ref} (reference)", "term": None, "indent": True, "ref": True})
        for name, t in terms.items():
            if name.startswith(cv.name + "="):
                rows.append({"text": name.split("=", 1)[1], "term": t, "indent": True, "ref": False})
    return rows


def forest_figure(models: Sequence[Any], covariates: Sequence[Any], folder: str, stem: str, *,
                  title: str) -> dict[str, str]:
    """Hazard ratios with 95% Wald CIs on a log axis. ``models``: one multivariable model, or the
    univariable models (one per covariate)."""
    rows: list[dict[str, Any]] = []
    for m in models:
        rows.extend(forest_rows(m, covariates) if m.status == "ok" else
                    [{"text": ", ".join(next((c.label for c in covariates if c.name == n), n) for n in m.covariates),
                      "term": None, "indent": False, "ref": False, "na": m.reason}])
    n = max(len(rows), 1)
    with _rc():
        fig = _figure(7.2, 1.2 + 0.26 * n)
        ax = fig.add_subplot(1, 1, 1)
        los, his = [], []
        for i, r in enumerate(rows):
            y = n - 1 - i
            t = r.get("term")
            if r.get("ref"):
                ax.plot([1.0], [y], marker="D", color="#666666", markersize=4)
            elif t is not None and t.hr is not None:
                ax.plot([t.lower, t.upper], [y, y], color=PALETTE[0], linewidth=1.4)
                ax.plot([t.hr], [y], marker="s", color=PALETTE[0], markersize=5)
                los.append(t.lower)
                his.append(t.upper)
        lo = min([*los, 0.5]) / 1.3
        hi = max([*his, 2.0]) * 1.3
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        from matplotlib.ticker import FixedLocator, NullLocator

        nice = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo <= t <= hi]
        if len(nice) > 9:
            nice = [t for t in nice if t in (0.01, 0.1, 1, 10, 100)]
        ax.xaxis.set_major_locator(FixedLocator(nice))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels([f"{t:g}" for t in nice])
        ax.axvline(1.0, color="#666666", linewidth=0.8, linestyle="--")
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_yticks([n - 1 - i for i in range(len(rows))])
        ax.set_yticklabels([("    " if r.get("indent") else "") + short(r["text"], 40) for r in rows])
        for tl, r in zip(ax.get_yticklabels(), rows, strict=True):
            if r.get("heading") or (not r.get("indent") and r.get("term") is not None):
                tl.set_fontweight("bold")
        for i, r in enumerate(rows):
            y = n - 1 - i
            t = r.get("term")
            if r.get("ref"):
                txt = "1 (reference)"
            elif "na" in r:
                txt = "not estimable"
            elif t is None:
                continue
            elif t.hr is None:
                txt = "not estimable"
            else:
                txt = f"{t.hr:.2f} ({t.lower:.2f}\u2013{t.upper:.2f})   {fmt_p(t.p)}"
            ax.text(1.02, y, txt, transform=ax.get_yaxis_transform(), va="center", fontsize=FONT - 1)
        ax.set_xlabel("Hazard ratio (95% Wald CI), log scale")
        fig.suptitle(label(title), x=0.01, ha="left", fontsize=FONT + 1)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.text(1.02, 1.0, "HR (95% CI)   p", transform=ax.transAxes, va="bottom", fontsize=FONT - 1,
                fontweight="bold")
        return save(fig, folder, stem)


# ---------------------------------------------------------------------------------------------
# Swimmer plot
# ---------------------------------------------------------------------------------------------
def swimmer_figure(time: np.ndarray, event: np.ndarray, group: np.ndarray, response: np.ndarray | None,
                   levels: Sequence[str], folder: str, stem: str, *, title: str, time_unit: str,
                   max_patients: int, group_label: str) -> dict[str, str]:
    """One bar per patient (longest first), coloured by group; the end marks progression/death or,
    for censored patients, an arrow (ongoing); the best response as a marker left of the bar."""
    order = np.argsort(-time, kind="stable")
    shown = order[:max_patients]
    n = len(shown)
    with _rc():
        fig = _figure(9.0, 1.6 + 0.075 * max(n, 40))
        ax = fig.add_subplot(1, 1, 1)
        tmax = float(time.max()) if len(time) else 1.0
        offset = tmax * 0.035
        col_of = {lv: colour(i) for i, lv in enumerate(levels)}
        t, e, g = time[shown], event[shown], group[shown]
        ys = n - 1 - np.arange(n)
        ax.barh(ys, t, height=0.75, color=[col_of.get(x, "#999999") for x in g], linewidth=0)
        ev = e == 1
        ax.plot(t[ev], ys[ev], linestyle="none", marker="|", color="black", markersize=6, markeredgewidth=1.5)
        ax.plot(t[~ev] + offset * 0.6, ys[~ev], linestyle="none", marker=">", color="black", markersize=3.5)
        if response is not None:
            r = response[shown]
            for code, (mk, mc, _) in RESPONSE_MARKERS.items():
                hit = r == code
                if hit.any():
                    ax.plot(np.full(int(hit.sum()), -offset), ys[hit], linestyle="none", marker=mk, color=mc,
                            markersize=4, markeredgewidth=0)
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        handles: list[Artist] = [Patch(color=col_of[lv], label=wrapped(lv)) for lv in levels if (group == lv).any()]
        if not np.isin(g, list(levels)).all():
            handles.append(Patch(color="#999999", label="not in the plan's groups"))
        handles.append(Line2D([], [], marker="|", color="black", linestyle="none", markersize=6,
                              markeredgewidth=1.5, label="progression or death"))
        handles.append(Line2D([], [], marker=">", color="black", linestyle="none", markersize=4,
                              label="censored (ongoing)"))
        if response is not None:
            for code, (mk, mc, text) in RESPONSE_MARKERS.items():
                if (response[shown] == code).any():
                    handles.append(Line2D([], [], marker=mk, color=mc, linestyle="none", markersize=5,
                                          label=f"best response: {code} ({text})"))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                  title=wrapped(group_label), title_fontsize=FONT - 1, alignment="left")
        ax.set_xlim(-offset * 2, tmax * 1.06)
        ax.set_ylim(-1, n)
        ax.set_yticks([])
        shown_note = f"{n} patients" if n == len(time) else f"the {n} longest of {len(time)} patients"
        ax.set_ylabel(f"Patients ({shown_note})")
        ax.set_xlabel(f"Time since first-line start ({label(time_unit)})")
        ax.set_title(label(title), loc="left")
        ax.spines["left"].set_visible(False)
        return save(fig, folder, stem)


# ---------------------------------------------------------------------------------------------
# Response rates
# ---------------------------------------------------------------------------------------------
def response_figure(records: Sequence[dict[str, Any]], folder: str, stem: str, *, title: str,
                    denominator: str) -> dict[str, str]:
    """ORR and DCR per group with Clopper–Pearson 95% CIs; the rates are printed under the groups."""
    groups = list(records)
    x = np.arange(len(groups))
    w = 0.38
    with _rc():
        fig = _figure(max(4.8, 1.15 * len(groups) + 2.2), 4.2)
        ax = fig.add_subplot(1, 1, 1)
        for j, (key, name) in enumerate((("orr", "ORR (CR+PR)"), ("dcr", "DCR (CR+PR+SD)"))):
            vals = np.array([np.nan if r[key] is None else 100 * r[key] for r in groups])
            lo = np.array([np.nan if r[key] is None else 100 * (r[key] - r[f"{key}_ci_low"]) for r in groups])
            hi = np.array([np.nan if r[key] is None else 100 * (r[f"{key}_ci_high"] - r[key]) for r in groups])
            xs = x + (j - 0.5) * w
            ax.bar(xs, np.nan_to_num(vals), width=w, color=PALETTE[j], label=name,
                   hatch=("" if j == 0 else "///"), edgecolor="white", linewidth=0)
            ax.errorbar(xs, np.nan_to_num(vals), yerr=[np.nan_to_num(lo), np.nan_to_num(hi)], fmt="none",
                        ecolor="#333333", elinewidth=0.9, capsize=2)

        def pct(r: dict[str, Any], key: str) -> str:
            return "n/a" if r[key] is None else f"{100 * r[key]:.0f}%"
        ax.set_xticks(x)
        ax.set_xticklabels([f"{wrapped(r['group'], 14)}\n(n = {r['n']})\nORR {pct(r, 'orr')}\nDCR {pct(r, 'dcr')}"
                            for r in groups])
        ax.set_ylim(0, 100)
        ax.set_ylabel("Patients (%), 95% Clopper\u2013Pearson CI")
        ax.set_title(label(title), loc="left", pad=22)
        ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, borderaxespad=0.2)
        note = ("denominator: all treated patients (NE included)" if denominator == "all"
                else "denominator: evaluable patients (NE left out)")
        ax.set_xlabel(note, fontsize=FONT - 1, color="#555555", loc="right")
        return save(fig, folder, stem)


# ---------------------------------------------------------------------------------------------
# HER2 classes and co-drivers
# ---------------------------------------------------------------------------------------------
def her2_figure(classes: dict[str, int], codrivers: dict[str, int], total: int, folder: str, stem: str, *,
                title: str) -> dict[str, str]:
    """Patients per HER2 alteration class (a patient with two classes counts in both) and per co-driver."""
    with _rc():
        fig = _figure(7.2, 1.6 + 0.3 * max(len(classes), len(codrivers), 3))
        axes = fig.subplots(1, 2, width_ratios=[1.4, 1])
        for ax, counts, name, col in ((axes[0], classes, "HER2 alteration class", PALETTE[0]),
                                      (axes[1], codrivers, "Co-occurring driver", PALETTE[1])):
            items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if not items:
                ax.text(0.5, 0.5, "none in the cohort", ha="center", va="center", transform=ax.transAxes)
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
                            va="center", fontsize=FONT - 1)
                ax.set_xlim(0, top * 1.35)
            ax.set_xlabel(f"Patients (of {total})")
            ax.set_title(name, loc="left")
        fig.suptitle(label(title), x=0.01, ha="left", fontsize=FONT + 1)
        return save(fig, folder, stem)
