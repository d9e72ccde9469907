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

from ..files import neutralise
from .compute import ALL
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
    text = str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return neutralise(text)


def _records(name: str, title: str, records: Sequence[dict[str, Any]], columns: Sequence[str]) -> Table:
    return Table(name, title, list(columns), [[r.get(c) for c in columns] for r in records])


KM_COLUMNS = ["endpoint", "group_by", "subgroup", "group", "n", "events", "median", "ci_low", "ci_high",
              "median_text", "ci_method", "median_rule", "conf_level", "se", "note"]
LANDMARK_COLUMNS = ["endpoint", "group_by", "subgroup", "group", "time", "surv", "ci_low", "ci_high", "n_risk",
                    "ci_method", "note"]
LOGRANK_COLUMNS = ["endpoint", "group_by", "subgroup", "test", "groups", "n", "chisq", "df", "p", "note"]
PAIRWISE_COLUMNS = ["endpoint", "group_by", "subgroup", "group1", "group2", "chisq", "p", "p_adjusted", "adjust"]
FOLLOW_COLUMNS = ["endpoint", "group_by", "group", "n", "median", "ci_low", "ci_high", "method", "ci_method", "note"]
RESPONSE_COLUMNS = ["group_by", "subgroup", "group", "n_treated", "n", "CR", "PR", "SD", "PD", "NE", "orr_x", "orr",
                    "orr_ci_low", "orr_ci_high", "dcr_x", "dcr", "dcr_ci_low", "dcr_ci_high", "denominator",
                    "ci_method", "note"]
RESPONSE_TEST_COLUMNS = ["group_by", "subgroup", "measure", "groups", "denominator", "test", "statistic", "df", "p",
                         "expected_min", "note"]
TABLE1_TEST_COLUMNS = ["variable", "label", "type", "test", "statistic", "df", "p", "n_missing", "n_not_tested",
                       "note"]
COX_COLUMNS = ["endpoint", "model", "model_id", "term", "hr", "ci_low", "ci_high", "p", "p_method", "coef", "se",
               "n", "events", "n_dropped", "status", "term_status", "ties", "entry", "ci_method", "references",
               "warnings", "note"]
EXCLUSION_COLUMNS = ["patient_id", "analysis", "reason"]
RMST_COLUMNS = ["endpoint", "group_by", "subgroup", "group", "tau", "rmst", "se", "ci_low", "ci_high", "ci_method",
                "note"]
RMST_DIFF_COLUMNS = ["endpoint", "group_by", "subgroup", "group1", "group2", "tau", "diff", "se", "ci_low",
                     "ci_high", "p"]


def table1_table(records: dict[str, list[dict[str, Any]]], levels: Sequence[str], sizes: dict[str, str]) -> Table:
    """Table 1 as printed: one row per variable level, a column per group and All, then p and test."""
    cols = [*levels, ALL]
    header = ["variable", "level", *[f"{c} (n = {sizes.get(c, '')})" for c in cols], "p", "test"]
    rows = []
    for r in records["table1_rows"]:
        if r["variable"] == "N":
            continue
        rows.append([r["label"], r["level"], *[r["cells"].get(c, "") for c in cols], r["p"], r["test"]])
    return Table("table1", "Table 1: baseline characteristics", header, rows)


def build_tables(records: dict[str, list[dict[str, Any]]], exclusions: list[dict[str, Any]],
                 levels: Sequence[str], *, synthetic: bool = False) -> list[Table]:
    """Every table of the analysis; ``synthetic``: each title says SYNTHETIC DATA."""
    tables = _tables(records, exclusions, levels)
    if synthetic:
        tables = [Table(t.name, synthetic_title(t.title, True), t.columns, t.rows) for t in tables]
    return tables


def _tables(records: dict[str, list[dict[str, Any]]], exclusions: list[dict[str, Any]],
            levels: Sequence[str]) -> list[Table]:
    n_row: dict[str, Any] = next((r for r in records["table1_rows"] if r["variable"] == "N"), {"cells": {}})
    return [
        table1_table(records, levels, n_row["cells"]),
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
    ] if records.get("rmst") else [])


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
