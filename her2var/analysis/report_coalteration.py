"""The report's section on HER2 beside the co-driver groups (plans with a coalteration section): per
HER2 row set, a table of HER2 levels by co-driver group as papers print it (n and % of the group's
patients tested for ERBB2 and the group's genes), then the tests of each group against the rest,
without and with strata."""

from __future__ import annotations

from typing import Any

DASH = "\u2013"
TEST_NAMES = {"chi-square": "chi-square", "fisher": "Fisher's exact"}
ROW_TITLES = {"altered": "HER2 altered", "type": "HER2 alteration type", "tier": "HER2 oncogenicity (best tier)"}


def _p(p: float | None) -> str:
    if p is None:
        return DASH
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _or(est: float | None, lo: float | None, hi: float | None) -> str:
    if est is None:
        return DASH
    if lo is None or hi is None:
        return f"{est:.2f} (no CI)"
    return f"{est:.2f} ({lo:.2f}{DASH}{hi:.2f})"


def _cell(n: int, pct: float | None) -> str:
    return f"{n} ({pct:.1f}%)" if pct is not None else f"{n} (NA)"


def _cmh_name(method: str | None) -> str:
    if not method:
        return ""
    if method.startswith("Mantel-Haenszel chi-squared test"):
        return "Mantel-Haenszel" + (" (continuity correction)" if " with continuity" in method else "")
    return "generalized CMH" if method == "Cochran-Mantel-Haenszel test" else method


def coalteration_view(res: dict[str, Any]) -> dict[str, Any] | None:
    """The section's content, or None for a plan without a coalteration section."""
    info = res.get("coalteration")
    if info is None:
        return None
    groups = [g["name"] for g in info["groups"]]
    counts = res.get("coalteration_counts", [])
    blocks = []
    for rows in dict.fromkeys(t["her2_rows"] for t in res["coalteration_tests"]):
        tests = [t for t in res["coalteration_tests"] if t["her2_rows"] == rows]
        if tests and tests[0].get("comparison") is None:  # the row set is not applicable
            blocks.append({"title": ROW_TITLES.get(rows, rows), "note": tests[0]["note"], "header": [], "rows": [],
                           "tests": []})
            continue
        mine = [c for c in counts if c["her2_rows"] == rows and c["comparison"] == c["column"]]  # a group's members
        levels = list(dict.fromkeys(c["her2"] for c in mine))
        by = {(c["column"], c["her2"]): c for c in mine}
        totals = {g: next((c["total"] for c in mine if c["column"] == g), 0) for g in groups}
        blocks.append({
            "title": ROW_TITLES.get(rows, rows), "note": "",
            "header": [f"{g} (n\u00a0=\u00a0{totals[g]})" for g in groups],
            "rows": [{"level": lv, "cells": [_cell(by[(g, lv)]["n"], by[(g, lv)]["pct"]) if (g, lv) in by else DASH
                                             for g in groups]} for lv in levels],
            "tests": [{
                "comparison": t["comparison"] if t["comparison"] != "all groups" else "all groups (each against each)",
                "n": " / ".join(str(v) for v in t["column_totals"].values()),
                "not_tested": t["n_not_tested"],
                "test": TEST_NAMES.get(t["test"], t["test"] or "no test"), "p": _p(t["p"]),
                "or": _or(t["odds_ratio"], t["or_ci_low"], t["or_ci_high"]) if rows == "altered" else "",
                "cmh": _cmh_name(t["cmh_test"]) or "no test", "cmh_p": _p(t["cmh_p"]),
                "mh_or": _or(t["mh_odds_ratio"], t["mh_ci_low"], t["mh_ci_high"]) if t["mh_odds_ratio"] is not None
                else (DASH if rows == "altered" else ""),
                "note": "; ".join(x for x in (t["note"], t["cmh_note"]) if x)} for t in tests],
        })
    strat = info["stratify"]
    p = info["patients"]
    summary = [
        (f"{p['her2_assessed']} of {p['in_population']} patients had ERBB2 assessed (small variants and copy "
         f"number); {p['her2_not_assessed']} did not and are left out of every comparison."),
        "Patients by co-driver group: " + ", ".join(f"{g} {n}" for g, n in p["by_codriver_group"].items())
        + f"; group not known (a gene not tested, no event found) {p['codriver_group_not_known']}.",
        f"One sample per patient: {info['one_sample_per_patient']}.",
        (f"Stratified by column {strat['column']} ({len(strat['strata'])} strata)." if strat["applicable"]
         else f"Stratified tests {strat['reason']}."),
        *[f"{n[0].upper()}{n[1:]}." for n in info["notes"]],
    ]
    return {"blocks": blocks, "summary": summary}
