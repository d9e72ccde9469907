"""The analysis tables: one TSV per table and one XLSX workbook with a sheet per table.

Missing values ("not reached", "no test") are empty cells; the ``*_text`` columns say NR. A text
cell that a spreadsheet would run as a formula gets a leading apostrophe (``files.neutralise``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..files import neutralise, tsv_text, workbook_writing
from .data import ALL
from .dictionary import describe
from .wording import synthetic_title


@dataclass(frozen=True)
class Table:
    name: str  # file stem and sheet name
    title: str
    columns: list[str]
    rows: list[list[Any]]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, (list, tuple)):
        return ";".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return tsv_text(str(value))


def _records(name: str, title: str, records: Sequence[dict[str, Any]], columns: Sequence[str]) -> Table:
    return Table(name, title, list(columns), [[r.get(c) for c in columns] for r in records])


KM_COLUMNS = ["endpoint", "group_by", "subgroup", "group", "n", "events", "median", "ci_low", "ci_high",
              "median_text", "ci_method", "median_rule", "conf_level", "se", "note"]
LANDMARK_COLUMNS = ["endpoint", "group_by", "subgroup", "group", "time", "surv", "ci_low", "ci_high", "n_risk",
                    "ci_method", "note"]
LOGRANK_COLUMNS = ["endpoint", "group_by", "subgroup", "test", "groups", "n", "chisq", "df", "p", "note"]
PAIRWISE_COLUMNS = ["endpoint", "group_by", "subgroup", "group1", "n1", "events1", "group2", "n2", "events2", "chisq",
                    "p", "p_adjusted", "adjust"]
FOLLOW_COLUMNS = ["endpoint", "group_by", "group", "n", "median", "ci_low", "ci_high", "method", "ci_method", "note"]
RESPONSE_COLUMNS = ["group_by", "subgroup", "group", "n_treated", "n", "CR", "PR", "SD", "PD", "NE", "orr_x", "orr",
                    "orr_ci_low", "orr_ci_high", "dcr_x", "dcr", "dcr_ci_low", "dcr_ci_high", "denominator",
                    "ci_method", "note"]
RESPONSE_TEST_COLUMNS = ["group_by", "subgroup", "measure", "groups", "denominator", "test", "statistic", "df", "p",
                         "expected_min", "test_reason", "note"]
TABLE1_TEST_COLUMNS = ["variable", "label", "type", "smd", "test", "statistic", "df", "p", "expected_min",
                       "test_reason", "n_missing", "n_not_tested", "note"]
COX_COLUMNS = ["endpoint", "model", "model_id", "term", "hr", "ci_low", "ci_high", "p", "p_method", "coef", "se",
               "n", "events", "n_dropped", "status", "term_status", "ties", "entry", "estimator", "ci_method",
               "references", "warnings", "note"]
FLOW_COLUMNS = ["step", "label", "n", "reason", "n_left_out", "note"]
OVERLAP_COLUMNS = ["grouping", "label", "patients", "extra_rows", "in_population", "note"]
EXCLUSION_COLUMNS = ["patient_id", "analysis", "reason"]
RMST_COLUMNS = ["endpoint", "group_by", "subgroup", "group", "tau", "rmst", "se", "ci_low", "ci_high", "ci_method",
                "note"]
RMST_DIFF_COLUMNS = ["endpoint", "group_by", "subgroup", "group1", "group2", "tau", "diff", "se", "ci_low",
                     "ci_high", "p"]
COALTERATION_TEST_COLUMNS = [
    "her2_rows", "comparison", "genes", "n", "column_totals", "n_not_tested", "n_her2_not_assessed",
    "n_her2_unclassified", "test", "statistic", "df", "p", "expected_min", "odds_ratio", "or_ci_low", "or_ci_high",
    "note", "stratified_by", "cmh_test", "cmh_statistic", "cmh_df", "cmh_p", "mh_odds_ratio", "mh_ci_low",
    "mh_ci_high", "cmh_n", "cmh_strata", "cmh_strata_dropped", "n_no_stratum", "cmh_note"]
COALTERATION_COUNT_COLUMNS = ["her2_rows", "comparison", "column", "her2", "n", "total", "pct"]


def table1_table(records: dict[str, list[dict[str, Any]]], levels: Sequence[str], sizes: dict[str, str], *,
                 smd: bool = True, p_values: bool = True) -> Table:
    """Table 1 as printed: one row per variable level, a column per group and All, then the
    patients with a missing value, the standardised mean difference and p with its test (each
    on the variable's heading row; SMD and p as the plan asks)."""
    cols = [*levels, ALL]
    extra = [*(["smd"] if smd else []), *(["p", "test"] if p_values else [])]
    header = ["variable", "level", *[f"{c} (n = {sizes.get(c, '')})" for c in cols], "missing", *extra]
    rows = []
    for r in records["table1_rows"]:
        if r["variable"] == "N":
            continue
        rows.append([r["label"], r["level"], *[r["cells"].get(c, "") for c in cols], r.get("missing"),
                     *[r.get(k) for k in extra]])
    title = "Table 1: baseline characteristics"
    if any(o["grouping"] for o in records.get("overlaps", [])):
        title += " (the groups overlap: see the overlaps table)"
    return Table("table1", title, header, rows)


def flow_table(records: dict[str, list[dict[str, Any]]]) -> Table:
    """The patient flow: a row per step, then a row per reason patients were left out there."""
    rows: list[list[Any]] = []
    for st in records.get("flow", []):
        rows.append([st["step"], st["label"], st["n"], "", st["n_left_out"], st["note"]])
        rows += [[st["step"], st["label"], None, x["reason"], x["n"], ""] for x in st["left_out"]]
    return Table("flow", "Patient flow: from the cohort table to each analysis", FLOW_COLUMNS, rows)


def build_tables(records: dict[str, list[dict[str, Any]]], exclusions: list[dict[str, Any]],
                 levels: Sequence[str], *, synthetic: bool = False, smd: bool = True,
                 p_values: bool = True) -> list[Table]:
    """Every table of the analysis; ``synthetic``: each title says SYNTHETIC DATA; ``smd`` and
    ``p_values``: the columns of the printed Table 1."""
    tables = _tables(records, exclusions, levels, smd, p_values)
    if synthetic:
        tables = [Table(t.name, synthetic_title(t.title, True), t.columns, t.rows) for t in tables]
    return tables


def _tables(records: dict[str, list[dict[str, Any]]], exclusions: list[dict[str, Any]],
            levels: Sequence[str], smd: bool = True, p_values: bool = True) -> list[Table]:
    n_row: dict[str, Any] = next((r for r in records["table1_rows"] if r["variable"] == "N"), {"cells": {}})
    return [
        flow_table(records),
        *([_records("overlaps", "Overlapping groups (multiple: all): read the tests with care", records["overlaps"],
                    OVERLAP_COLUMNS)] if records.get("overlaps") else []),
        table1_table(records, levels, n_row["cells"], smd=smd, p_values=p_values),
        _records("table1_tests", "Table 1 tests", records["table1"], TABLE1_TEST_COLUMNS),
        _records("response", "Best response, ORR and DCR", records["response"], RESPONSE_COLUMNS),
        _records("response_tests", "Response comparisons", records["response_tests"], RESPONSE_TEST_COLUMNS),
        _records("km", "Kaplan-Meier medians", records["km"], KM_COLUMNS),
        _records("landmarks", "Survival at landmark times", records["landmarks"], LANDMARK_COLUMNS),
        _records("logrank", "Log-rank tests", records["logrank"], LOGRANK_COLUMNS),
        _records("logrank_pairwise", "Pairwise log-rank tests", records["logrank_pairwise"], PAIRWISE_COLUMNS),
        _records("follow_up", "Median follow-up (reverse Kaplan-Meier)", records["follow_up"], FOLLOW_COLUMNS),
        _records("cox", "Cox proportional hazards models", records["cox"], COX_COLUMNS),
        _records("exclusions", "Patients left out of an analysis", exclusions, EXCLUSION_COLUMNS),
    ] + ([  # only when the plan asks for them (km.rmst_horizon)
        _records("rmst", "Restricted mean survival time", records["rmst"], RMST_COLUMNS),
        _records("rmst_diff", "Restricted mean survival time: differences", records["rmst_diff"], RMST_DIFF_COLUMNS),
    ] if records.get("rmst") else []) + ([  # only for a plan with a coalteration section
        _records("coalteration_tests", "HER2 beside the co-driver groups: tests", records["coalteration_tests"],
                 COALTERATION_TEST_COLUMNS),
        _records("coalteration_counts", "HER2 beside the co-driver groups: counts", records["coalteration_counts"],
                 COALTERATION_COUNT_COLUMNS),
    ] if "coalteration_tests" in records else [])


def write_tsv(folder: str, table: Table) -> str:
    name = f"{table.name}.tsv"
    with open(os.path.join(folder, name), "w", encoding="utf-8", newline="") as fh:
        fh.write("\t".join(table.columns) + "\n")
        for row in table.rows:
            fh.write("\t".join(cell_text(v) for v in row) + "\n")
    return name


def write_xlsx(path: str, tables: Sequence[Table], *, note: str = "") -> None:
    """One sheet per table, then a "dictionary" sheet saying what every column means. Each sheet:
    the header frozen and filterable, columns as wide as their contents, the table's title in the
    header's first cell comment and the printed page header. Numbers stay numbers, texts never
    become formulas. ``note`` (e.g. that the data are synthetic; the titles then say so
    too) goes into the workbook's properties and the dictionary's first row, and colours the tabs."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    with workbook_writing(wb):  # no 'Exception ignored' traces when it fails midway
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="F0F4F8")
        wb.properties.title = neutralise(f"her2var analysis tables{': ' + note if note else ''}")
        if note:
            wb.properties.subject = neutralise(note)
            wb.properties.keywords = "SYNTHETIC"

        def sheet(name: str, title: str, columns: list[str], rows: list[list[Any]]) -> None:
            ws = wb.create_sheet(name[:31])
            values = [[v if isinstance(v, (int, float)) and not isinstance(v, bool) else (cell_text(v) or None)
                       for v in row] for row in rows]
            for j, c in enumerate(columns, start=1):
                longest = max([len(str(c)), *(len(_shown(r[j - 1])) for r in values)])
                ws.column_dimensions[get_column_letter(j)].width = min(max(longest + 2, 6), 60)
            ws.freeze_panes = "A2"
            ws.sheet_view.zoomScale = 100
            if rows and columns:
                ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
            ws.oddHeader.center.text = neutralise(title).replace("&", "&&")[:250]
            ws.print_title_rows = "1:1"
            if note:
                ws.sheet_properties.tabColor = "D55E00"
            header = []
            for j, c in enumerate(columns):
                cell = WriteOnlyCell(ws, value=neutralise(str(c)))
                cell.font = bold
                cell.fill = fill
                cell.alignment = Alignment(vertical="top")
                if j == 0:
                    cell.comment = Comment(neutralise(title), "her2var")
                header.append(cell)
            ws.append(header)
            for row in values:
                ws.append(row)

        for t in tables:
            sheet(t.name, t.title, t.columns, t.rows)
        entries: list[list[Any]] = []
        if note:
            entries.append(["(all)", note, "", ""])
        for t in tables:
            for c in t.columns:
                entries.append([t.name[:31], t.title, c, describe(t.name, c) or ""])
        sheet("dictionary", "What every column of every table means", ["sheet", "title", "column", "description"],
              entries)
        wb.save(path)


def _shown(v: Any) -> str:
    return "" if v is None else (f"{v:.4g}" if isinstance(v, float) else str(v))
