"""report.html: one self-contained file with every table, every figure, methods, exclusions, provenance.

Jinja2 with autoescaping on, so every string from the cohort or the plan is escaped. Figures are
embedded as base64 PNG. A strict Content-Security-Policy allows nothing but the embedded images
and the one style block (by its hash): no scripts, no external resources, no network.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from .data import ALL
from .report_coalteration import coalteration_view
from .wording import SYNTHETIC, SYNTHETIC_NOTE, lower_first

DASH = "\u2013"
MAX_IDS = 12  # patient ids listed per exclusion reason (tables/exclusions.tsv lists them all)
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


TEST_NAMES = {"chi-square": "chi-square (no continuity correction)", "fisher": "Fisher's exact"}
# Table 1's test column, kept narrow: the full names are in its footnote.
SHORT_TESTS = {"chi-square": "chi-square", "fisher": "Fisher", "Mann-Whitney U (exact)": "MW (exact)",
               "Mann-Whitney U (normal approximation, continuity correction)": "MW", "Kruskal-Wallis": "KW"}


def test_name(test: str | None) -> str:
    return "" if not test else TEST_NAMES.get(test, test)


def fmt_num(x: float | None, digits: int = 1, none: str = "NR") -> str:
    return none if x is None else f"{x:.{digits}f}"


def fmt_p(p: float | None) -> str:
    if p is None:
        return "\u2013"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_ci(est: float | None, lo: float | None, hi: float | None, digits: int = 1, none: str = "NR") -> str:
    return f"{fmt_num(est, digits, none)} ({fmt_num(lo, digits, none)}\u2013{fmt_num(hi, digits, none)})"


def fmt_pct(rate: float | None, lo: float | None, hi: float | None) -> str:
    if rate is None:
        return "\u2013"
    assert lo is not None and hi is not None  # a rate always comes with its Clopper-Pearson CI
    return f"{100 * rate:.1f}% ({100 * lo:.1f}\u2013{100 * hi:.1f})"


def _subgroup_text(sub: str | None, labels: dict[str, str]) -> str:
    if not sub:
        return "all patients"
    name, lv = sub.split("=", 1)
    return f"{lower_first(labels.get(name, name))}: {lv}"


def _figure(fig: dict[str, Any], folder: str) -> dict[str, Any]:
    with open(os.path.join(folder, fig["png"]), "rb") as fh:
        data = base64.b64encode(fh.read()).decode("ascii")
    return {**fig, "src": f"data:image/png;base64,{data}"}


def _view(res: dict[str, Any], folder: str) -> dict[str, Any]:
    plan = res["plan"]
    glabels = {g["name"]: g["label"] for g in plan["groupings"]}
    glabels.update({s["name"]: s["label"] for s in plan["subgroups"]})
    glabels[ALL] = "All patients"
    slabels = {s["name"]: s["label"] for s in plan["subgroups"]}
    eplabels = {e["name"]: e["label"] for e in plan["endpoints"]}
    figs = [_figure(f, folder) for f in res.get("figures", [])]

    def figs_for(**match: Any) -> list[dict[str, Any]]:
        return [f for f in figs if all(f.get(k) == v for k, v in match.items())]

    # Table 1
    n_row: dict[str, Any] = next((r for r in res["table1_rows"] if r["variable"] == "N"), {"cells": {}})
    levels = plan["groupings"][0]["levels"]
    t1_cols = [*levels, ALL]
    show_smd, show_p = plan.get("table1_smd", True), plan.get("table1_p_values", True)
    table1 = {
        "title": f"Table 1: baseline characteristics by {lower_first(plan['groupings'][0]['label'])}",
        "header": [f"{'All' if c == ALL else c} (n\u00a0=\u00a0{n_row['cells'].get(c, '0')})" for c in t1_cols],
        "smd": show_smd, "p": show_p,
        "rows": [{"label": r["label"] if not r["level"] else "", "level": r["level"],
                  "cells": [r["cells"].get(c, "") for c in t1_cols],
                  "missing": "" if r.get("missing") is None else str(r["missing"]),
                  "smd": "" if r["level"] or r["variable"] == "N" else fmt_num(r.get("smd"), 2, DASH),
                  "p": fmt_p(r["p"]) if r["test"] else "",
                  "test": SHORT_TESTS.get(r["test"] or "", test_name(r["test"]))}
                 for r in res["table1_rows"] if r["variable"] != "N"],
        "notes": [f"{t['label']}: {t['note']}" for t in res["table1"] if t.get("note")],
        "footnotes": _table1_footnotes(res, show_smd, show_p, len(levels)),
    }

    # Response, per (grouping, subgroup)
    response_blocks = []
    seen = []
    for r in res["response"]:
        key = (r["group_by"], r["subgroup"])
        if key not in seen:
            seen.append(key)
    for group_by, sub in seen:
        rows: list[dict[str, Any]] = [r for r in res["response"] if r["group_by"] == group_by and r["subgroup"] == sub]
        tests = [t for t in res["response_tests"] if t["group_by"] == group_by and t["subgroup"] == sub]
        response_blocks.append({
            "title": f"{glabels.get(group_by, group_by)} ({_subgroup_text(sub, slabels)})",
            "denominator": _denominator_text(rows),
            "evaluable": bool(rows) and rows[0]["denominator"] == "evaluable",
            "rows": [{"group": "All" if r["group"] == ALL else r["group"], "n": r["n"], "n_treated": r["n_treated"],
                      "counts": [r[k] for k in ("CR", "PR", "SD", "PD", "NE")],
                      "orr": fmt_pct(r["orr"], r["orr_ci_low"], r["orr_ci_high"]),
                      "dcr": fmt_pct(r["dcr"], r["dcr_ci_low"], r["dcr_ci_high"]), "note": r["note"]}
                     for r in rows],
            "tests": [{"measure": t["measure"], "test": test_name(t["test"]) or "no test", "p": fmt_p(t["p"]),
                       "note": t["note"]} for t in tests],
            "figures": figs_for(kind="response", group_by=group_by) if sub is None else [],
        })

    # Survival, per endpoint, per (grouping, subgroup)
    survival = []
    for ep in plan["endpoints"]:
        blocks = []
        keys = []
        for r in res["km"]:
            if r["endpoint"] == ep["name"] and (r["group_by"], r["subgroup"]) not in keys:
                keys.append((r["group_by"], r["subgroup"]))
        for group_by, sub in keys:
            rows = [r for r in res["km"] if r["endpoint"] == ep["name"] and r["group_by"] == group_by
                    and r["subgroup"] == sub]
            lms = [m for m in res["landmarks"] if m["endpoint"] == ep["name"] and m["group_by"] == group_by
                   and m["subgroup"] == sub]
            times = sorted({m["time"] for m in lms})
            lr = next((x for x in res["logrank"] if x["endpoint"] == ep["name"] and x["group_by"] == group_by
                       and x["subgroup"] == sub), None)
            pw = [x for x in res["logrank_pairwise"] if x["endpoint"] == ep["name"] and x["group_by"] == group_by
                  and x["subgroup"] == sub]
            rm = [x for x in res.get("rmst", []) if x["endpoint"] == ep["name"] and x["group_by"] == group_by
                  and x["subgroup"] == sub]
            rd = {x["group2"]: x for x in res.get("rmst_diff", []) if x["endpoint"] == ep["name"]
                  and x["group_by"] == group_by and x["subgroup"] == sub}
            blocks.append({
                "title": f"by {lower_first(glabels.get(group_by, group_by))} ({_subgroup_text(sub, slabels)})"
                if group_by != ALL else "all patients",
                "landmark_header": [f"{t:g} {plan['time_unit']}" for t in times],
                "rows": [{"group": "All" if r["group"] == ALL else r["group"], "n": r["n"], "events": r["events"],
                          "median": fmt_ci(r["median"], r["ci_low"], r["ci_high"]) if r["n"] else "\u2013",
                          "landmarks": [_landmark(lms, r["group"], t) for t in times], "note": r["note"]}
                         for r in rows],
                "logrank": None if lr is None else {
                    "chisq": fmt_num(lr["chisq"], 2, "\u2013"), "df": lr["df"] if lr["df"] is not None else "\u2013",
                    "p": fmt_p(lr["p"]), "note": lr["note"]},
                "pairwise": [{"pair": f"{x['group1']} vs {x['group2']}", "p": fmt_p(x["p"]),
                              "n": (f"{x['n1']} / {x['events1']} vs {x['n2']} / {x['events2']}"
                                    if x.get("n1") is not None else ""),
                              "p_adj": fmt_p(x["p_adjusted"]), "adjust": x["adjust"]} for x in pw],
                "rmst": [{"group": "All" if x["group"] == ALL else x["group"],
                          "rmst": fmt_ci(x["rmst"], x["ci_low"], x["ci_high"]),
                          "diff": (fmt_ci(rd[x["group"]]["diff"], rd[x["group"]]["ci_low"], rd[x["group"]]["ci_high"])
                                   if x["group"] in rd else ("reference" if len(rm) > 1 else "")),
                          "p": fmt_p(rd[x["group"]]["p"]) if x["group"] in rd else "", "note": x["note"]}
                         for x in rm],
                "rmst_tau": f"{rm[0]['tau']:g}" if rm else "",
                "figures": figs_for(kind="km", endpoint=ep["name"], group_by=group_by, subgroup=sub),
            })
        follow = [{"group": ("All" if f["group"] == ALL
                             else f"{glabels.get(f['group_by'], f['group_by'])}: {f['group']}"),
                   "n": f["n"], "median": fmt_ci(f["median"], f["ci_low"], f["ci_high"]) if f["n"] else "\u2013",
                   "note": f["note"]} for f in res["follow_up"] if f["endpoint"] == ep["name"]]
        survival.append({"name": ep["name"], "label": ep["label"], "blocks": blocks, "follow_up": follow})

    # Cox, per endpoint: univariable and multivariable side by side, as papers print them, with
    # each model's N, events, reason (when not estimable) and warnings right under the table.
    cox = []
    for ep_name in dict.fromkeys(m["endpoint"] for m in res["cox_models"]):
        models = [m for m in res["cox_models"] if m["endpoint"] == ep_name]
        terms = [t for t in res["cox"] if t["endpoint"] == ep_name]
        multi = next((m for m in models if m["model"] == "multivariable"), None)
        multi_terms = {t["term"]: t for t in terms if t["model"] == "multivariable"}
        rows = []
        for m in (x for x in models if x["model"] == "univariable"):
            for t in (x for x in terms if x["model_id"] == m["model_id"]):
                rows.append({"term": t["term"], "uni": _hr(t), "uni_p": _cox_p(t),
                             "uni_n": f"{m['n']} / {m['events']}", "multi": None, "multi_p": "", "note": t["note"]})
        if multi is not None:
            by_term = {r["term"]: r for r in rows}
            for name, t in multi_terms.items():
                row = by_term.get(name)
                if row is None:
                    row = {"term": name, "uni": "", "uni_p": "", "uni_n": "", "note": ""}
                    rows.append(row)
                row.update(multi=_hr(t), multi_p=_cox_p(t))
                if t["note"] and t["note"] not in row["note"]:
                    row["note"] = "; ".join(x for x in (row["note"], f"multivariable: {t['note']}") if x)
        notes = []
        for m in models:
            for w in m["warnings"]:
                notes.append(f"{m['model_id']}: warning while fitting: {w}")
            if m["n_dropped"]:
                notes.append(f"{m['model_id']}: {m['n_dropped']} patient(s) left out for a missing value")
            if m.get("ph_test"):
                notes.append(f"{m['model_id']}: {_ph_text(m['ph_test'])}")
        refs = {}
        for m in models:
            refs.update(m["references"])
        cox.append({
            "label": eplabels.get(ep_name, ep_name), "rows": rows,
            "has_uni": any(m["model"] == "univariable" for m in models),
            "multi": None if multi is None else {"n": multi["n"], "events": multi["events"], "status": multi["status"],
                                                 "reason": multi["reason"]},
            "references": ", ".join(f"{k}: {v}" for k, v in refs.items()), "notes": notes,
            "method": _cox_method(models),
            "figures": figs_for(kind="forest", endpoint=ep_name)})

    warnings = []
    for m in res["cox_models"]:
        if m["status"] != "ok":
            warnings.append(f"Cox {m['model_id']} ({eplabels.get(m['endpoint'], m['endpoint'])}): not estimable: "
                            f"{m['reason']}")
        for w in m["warnings"]:
            warnings.append(f"Cox {m['model_id']} ({eplabels.get(m['endpoint'], m['endpoint'])}): {w}")
    warnings += [o["note"] for o in res.get("overlaps", [])]
    empty = sorted({(r["group_by"], r["group"]) for r in res["km"] if r["n"] == 0 and r["subgroup"] is None})
    for gb, g in empty:
        warnings.append(f"{glabels.get(gb, gb)}: group {g} has no patients (reported with n = 0, not tested)")

    classify_rules = res.get("rules_checksum") or []
    if len(classify_rules) > 1:
        warnings.append(f"the patients' samples were classified under {len(classify_rules)} different rules "
                        "(see Provenance): their classes may not be comparable")
    prov = res["provenance"]
    synthetic = bool(res.get("synthetic"))
    return {
        "synthetic": synthetic, "synthetic_note": SYNTHETIC_NOTE, "prefix": f"{SYNTHETIC} \u2013 " if synthetic else "",
        "title": plan["title"], "plan": plan, "cohort": res["cohort"], "table1": table1,
        "response": response_blocks, "survival": survival, "cox": cox, "warnings": warnings,
        "flow": _flow(res),
        "other_figures": [f for f in figs if f["kind"] in ("swimmer", "her2_classes")],
        "methods": res["methods"], "exclusions": _exclusions(res),
        "provenance": prov, "versions": sorted(prov["versions"].items()),
        "checksums": sorted(prov["rules_sha256"].items()), "n_figures": len(figs),
        "classify_rules": classify_rules, "coalteration": coalteration_view(res),
    }


def _table1_footnotes(res: dict[str, Any], smd: bool, p_values: bool, groups: int) -> list[str]:
    """Under Table 1: what SMD means, and why each categorical variable got chi-square or Fisher."""
    out = []
    if smd:
        out.append("SMD: standardised mean difference (mean difference over the pooled SD; for categorical "
                   "variables Yang & Dalton's multi-category SMD" + ("; the mean over all pairs of groups"
                                                                     if groups > 2 else "") + ").")
    if p_values:
        used = [t["test"] for t in res["table1"] if t.get("test") in SHORT_TESTS and t["test"] not in TEST_NAMES]
        if used:
            out.append("Tests: " + "; ".join(f"{SHORT_TESTS[x]}: {x}" for x in dict.fromkeys(used)) + ".")
        out += [f"{t['label']}: {t['test_reason']}." for t in res["table1"] if t.get("test_reason")]
    return out


def _denominator_text(rows: list[dict[str, Any]]) -> str:
    """The denominator of the rates, stated beside the table (N column)."""
    if not rows:
        return ""
    if rows[0]["denominator"] == "evaluable":
        return ("N = evaluable patients (NE left out of the denominator); Treated = every patient with a best "
                "response recorded")
    return "N = every treated patient, evaluable or not (NE counted in the denominator)"


def _flow(res: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"label": st["label"], "n": st["n"], "note": st["note"],
             "left_out": [f"{x['n']} {x['reason']}" for x in st["left_out"]]} for st in res.get("flow", [])]


def _exclusions(res: dict[str, Any]) -> list[dict[str, Any]]:
    """The exclusion summary with the patient ids as a list (each printed whole, never broken)."""
    ids: dict[tuple[str, str], list[str]] = {}
    for x in res["exclusions"]:
        ids.setdefault((x["analysis"], x["reason"]), []).append(str(x["patient_id"]))
    out = []
    for x in res["exclusion_summary"]:
        every = ids.get((x["analysis"], x["reason"]), [])
        out.append({**x, "ids": every[:MAX_IDS], "more": max(len(every) - MAX_IDS, 0)})
    return out


def _hr(t: dict[str, Any]) -> str:
    if t["hr"] is None:
        return "not estimable"
    return fmt_ci(t["hr"], t["ci_low"], t["ci_high"], 2, DASH)


def _ph_text(rows: list[dict[str, Any]]) -> str:
    """The proportional-hazards check in one line: global p, and the terms with p < 0.05."""
    glob = next(r for r in rows if r["term"] == "GLOBAL")
    flagged = [f"{r['term']} p {fmt_p(r['p'])}" for r in rows if r["term"] != "GLOBAL" and r["p"] is not None
               and r["p"] < 0.05]
    return (f"proportional hazards (scaled Schoenfeld residuals, R's cox.zph): global p {fmt_p(glob['p'])}"
            + (f"; possible violation: {', '.join(flagged)}" if flagged else ""))


def _cox_method(models: list[dict[str, Any]]) -> str:
    """"Efron ties, Wald CIs", which models used Firth's penalised likelihood and, with delayed
    entry, the column it comes from."""
    ties = sorted({m["ties"] for m in models})
    entry = sorted({m["entry"] for m in models if m.get("entry")})
    firth = [m["model_id"] for m in models if m.get("estimator", "").startswith("Firth")]
    text = f"{' / '.join(t.capitalize() for t in ties)} ties, Wald CIs"
    if firth:
        every = len(firth) == len(models)
        text += ("; Firth's penalised likelihood for " + ("every model" if every else ", ".join(firth))
                 + " (profile penalised likelihood CIs, penalised likelihood-ratio p: PLR)")
    return text + (f"; delayed entry from column {', '.join(entry)}" if entry else "")


def _cox_p(t: dict[str, Any]) -> str:
    """The Wald p, or "0.008 (LR)" where the likelihood-ratio p stands in for it (separation)."""
    p = fmt_p(t["p"])
    if t["p"] is None:
        return p
    return {"likelihood ratio": f"{p} (LR)", "penalised likelihood ratio": f"{p} (PLR)"}.get(t.get("p_method") or "", p)


def _landmark(lms: list[dict[str, Any]], group: str, t: float) -> str:
    m = next((x for x in lms if x["group"] == group and x["time"] == t), None)
    if m is None:
        return DASH
    if m["surv"] is None:
        return f"{DASH} (beyond follow-up)"
    if m["surv"] == 0:
        return "0%"  # the curve fell to 0: no CI (R gives NA)
    lo = None if m["ci_low"] is None else 100 * m["ci_low"]
    hi = None if m["ci_high"] is None else 100 * m["ci_high"]
    return f"{100 * m['surv']:.1f}% ({fmt_num(lo, 1, DASH)}{DASH}{fmt_num(hi, 1, DASH)})"


def _css(synthetic: bool = False) -> str:
    with open(os.path.join(TEMPLATES, "report.css"), encoding="utf-8") as fh:
        css = fh.read()
    if synthetic:  # on every printed page too
        css += (f'@page {{ @top-center {{ content: "{SYNTHETIC}: no real patient"; color: #D55E00; '
                'font: bold 9pt sans-serif; } }\n')
    return css


def render(results: dict[str, Any], figures_folder: str) -> str:
    """The report as one HTML string."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["lower_first"] = lower_first
    css = _css(bool(results.get("synthetic")))
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; img-src data:; style-src 'sha256-{digest}'; script-src 'none'; "
           "object-src 'none'; base-uri 'none'; form-action 'none'")
    view = _view(results, figures_folder)
    return env.get_template("report.html.j2").render(v=view, css=css, csp=csp)
