"""The table reader (CSV, TSV or Excel .xlsx into header + rows of cells) as the clinical records
use it. It lives in her2var/tables.py, below classify, because the samples sheet is read by both
stages; the names stay importable from here for the cohort modules."""

from __future__ import annotations

from ..tables import (
    EXCEL_EXTENSIONS,
    EXCEL_MAX_ROW,
    OLE2_MAGIC,
    TEXT_EXTENSIONS,
    Cell,
    RawTable,
    cell_text,
    delimiter_name,
    read_table,
)

__all__ = ["EXCEL_EXTENSIONS", "EXCEL_MAX_ROW", "OLE2_MAGIC", "TEXT_EXTENSIONS", "Cell", "RawTable", "cell_text",
           "delimiter_name", "read_table"]
