"""Reading a spreadsheet-like file (CSV, TSV or Excel .xlsx) into header + rows of cells.

Cells are ``str`` (stripped), or for Excel also ``datetime.date`` / ``int`` / ``float`` as the
workbook stores them. Rows keep the row number a person sees in a spreadsheet (header = 1).
Every failure is an InputError naming the file and what to do; nothing is guessed silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, shown
from ..files import read_input

# Read-only openpyxl reads a merged range's cells other than the first, and a formula the workbook
# never calculated, as empty: a value would silently go missing. The sheet XML shows both.
_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]+[0-9]+)"[^>]*>(?:(?!</(?:\w+:)?c>).)*?'
                           rb'<(?:\w+:)?f[\s>/](?:(?!</(?:\w+:)?c>).)*</(?:\w+:)?c>', re.S)
_CACHED_VALUE = re.compile(rb"<(?:\w+:)?v>")  # <v></v> is a saved empty text; <v/> is no value
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TEXT_EXTENSIONS = {".csv": ",", ".tsv": "\t", ".txt": "\t", ".tab": "\t"}
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
Cell = str | int | float | dt.date | None


@dataclass
class RawTable:
    path: str
    header: list[str]
    rows: list[list[Cell]]
    row_numbers: list[int]
    sheet: str | None = None

    def where(self, row: int | None = None, column: str | None = None) -> str:
        place = self.path + (f" [sheet {shown(self.sheet, bare=True)}]" if self.sheet else "")
        if row is not None:
            place += f": row {row}"
        if column:
            place += f", column {shown(column)}"
        return place


def read_table(path: str, sheet: str | None = None, what: str = "table") -> RawTable:
    """Read CSV (comma), TSV/TXT (tab) or XLSX (first sheet, or ``sheet``)."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file ({what})")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, expected a CSV, TSV or Excel file ({what})")
    ext = os.path.splitext(path)[1].lower()
    if ext in EXCEL_EXTENSIONS:
        return _read_xlsx(path, sheet)
    if sheet:
        raise InputError(f"{path}: --sheet is only for Excel workbooks; this is a {ext or 'text'} file")
    if ext == ".xls":
        raise InputError(f"{path}: old binary Excel (.xls) is not read; save it as .xlsx (Excel workbook)")
    if ext in TEXT_EXTENSIONS:
        return _read_text(path, TEXT_EXTENSIONS[ext])
    raise InputError(f"{path}: unknown file type '{ext}'; give a .csv (comma-separated), .tsv/.txt "
                     "(tab-separated) or .xlsx (Excel) file")


def _read_text(path: str, delimiter: str) -> RawTable:
    text = read_input(path, what="a CSV/TSV text table", advice="save it as UTF-8 CSV/TSV").text
    if "\x00" in text:
        raise InputError(f"{path}: contains NUL bytes: a binary file, not a CSV/TSV text table")
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), None)
    if first is None:
        raise InputError(f"{path}: the file is empty")
    _check_delimiter(path, first, delimiter)
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[Cell]] = []
    numbers: list[int] = []
    start = 1
    last: list[str] = []
    try:
        for cells in reader:
            lineno = start
            start = reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                header_line = lineno
                continue
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                raise InputError(f"{path}: row {lineno}: {len(cells)} fields but the header (row "
                                 f"{header_line}) has {len(header)}; is a value missing quotes around a "
                                 f"'{delimiter_name(delimiter)}'?")
            cells = cells[:len(header)] + [""] * (len(header) - len(cells))
            last = cells
            rows.append([c.strip() for c in cells])
            numbers.append(lineno)
    except csv.Error as exc:
        raise InputError(f"{path}: row {reader.line_num}: not a valid {delimiter_name(delimiter)}-separated "
                         f"table ({exc})") from exc
    assert header is not None
    if any("\n" in c or "\r" in c for c in last):  # the last row has a cell of several lines: quote closed?
        _check_closed_quotes(path, text, delimiter, numbers[-1])
    return RawTable(path, header, rows, numbers)


def _check_closed_quotes(path: str, text: str, delimiter: str, row: int) -> None:
    """A quote opened and never closed swallows the rest of the file into one cell of the last row
    (csv reads on to the end without complaint): every row after it would be lost silently."""
    try:
        for _ in csv.reader(text.splitlines(keepends=True), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "end of data" in str(exc):
            raise InputError(f"{path}: row {row}: a quote opened in this row is never closed, so the rest of "
                             "the file would be read into one cell; close the quote (or remove it)") from exc


def delimiter_name(d: str) -> str:
    return {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}.get(d, repr(d))


def _check_delimiter(path: str, first: str, delimiter: str) -> None:
    """A header without the expected delimiter but with another one: the wrong kind of file."""
    if delimiter in first:
        return
    counts = {d: first.count(d) for d in (",", "\t", ";", "|") if d != delimiter}
    other, n = max(counts.items(), key=lambda kv: kv[1])
    if n:
        kind = ".csv" if delimiter == "," else ".tsv/.txt"
        fix = {",": "rename it to .csv", "\t": "rename it to .tsv"}.get(
            other, "save it as CSV (comma-separated) or TSV (tab-separated)")
        raise InputError(
            f"{path}:1: wrong delimiter: the header has no {delimiter_name(delimiter)} but {n} "
            f"{delimiter_name(other)}(s), while a {kind} file is read as {delimiter_name(delimiter)}-"
            f"separated; {fix}"
        )


def _read_xlsx(path: str, sheet: str | None) -> RawTable:
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(OLE2_MAGIC):
        raise InputError(f"{path}: is an encrypted (password-protected) workbook or an old binary "
                         "Excel file, which cannot be read; remove the password and save it as .xlsx")
    if not magic.startswith(b"PK\x03\x04"):
        raise InputError(f"{path}: is not an Excel .xlsx workbook (it is not a zip package; "
                         "is it a CSV/text file renamed to .xlsx?)")
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise InputError("reading Excel needs openpyxl (pip install openpyxl)") from exc
    # openpyxl warns with cell values (e.g. an impossible date serial): those are patient data and
    # never reach the terminal; the cell itself is then refused by the clinical checks by row/column.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _read_workbook(path, sheet, openpyxl, InvalidFileException)


def _read_workbook(path: str, sheet: str | None, openpyxl: Any, invalid: type[Exception]) -> RawTable:
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, invalid, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read as an Excel workbook ({shown(exc, 200, bare=True)}); "
                         "open and re-save it in Excel as .xlsx") from exc
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise InputError(f"{path}: no sheet {shown(sheet)}; "
                                 f"the workbook has: {shown(', '.join(wb.sheetnames), bare=True)}")
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        _check_sheet_xml(path, ws)
        header: list[str] | None = None
        rows: list[list[Cell]] = []
        numbers: list[int] = []
        for rowno, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_excel_cell(v) for v in values]
            if not any(c not in (None, "") for c in cells):
                continue
            if header is None:
                while cells and cells[-1] in (None, ""):
                    cells.pop()
                header = ["" if c is None else str(c).strip() for c in cells]
                continue
            cells = cells[:len(header)] + [None] * (len(header) - len(cells))
            rows.append(cells)
            numbers.append(rowno)
        title = ws.title
    finally:
        wb.close()
    if header is None:
        raise InputError(f"{path}: sheet {shown(title)} is empty")
    return RawTable(path, header, rows, numbers, sheet=title)


def _check_sheet_xml(path: str, ws: Any) -> None:
    """Refuse merged cells and formulas without a saved value (both would read as empty cells).

    ``ws`` is an openpyxl read-only worksheet; its ``_get_source`` is private API (not in the stubs).
    """
    try:
        source = ws._get_source()  # the sheet's XML part inside the package (read-only worksheets)
    except (AttributeError, KeyError, OSError, zipfile.BadZipFile):
        return
    merged: list[str] = []
    uncached: list[str] = []
    tail = b""
    with source:
        while True:
            chunk = source.read(1 << 22)
            buf = tail + chunk
            end = buf.rfind(b"</row>")
            cut = len(buf) if not chunk else end + len(b"</row>") if end >= 0 else 0  # whole rows only
            if cut <= 0:
                tail = buf
                continue
            part, tail = buf[:cut], buf[cut:]
            if b"mergeCell" in part:  # plain byte searches first: a regex over every cell is slow
                merged += [m.decode() for m in _MERGED.findall(part)]
            if b"<f" in part or b":f>" in part or b":f " in part:
                uncached += [m.group(1).decode() for m in _FORMULA_CELL.finditer(part)
                             if not _CACHED_VALUE.search(m.group(0))]
            if not chunk:
                break
    where = f"{path} [sheet {shown(ws.title, bare=True)}]"
    if merged:
        listed = shown(", ".join(merged[:10]), 120, bare=True) + (" ..." if len(merged) > 10 else "")
        raise InputError(f"{where}: merged cells {listed}: a merged range keeps its value in its first cell "
                         "only, so the other rows would read as empty; unmerge them and fill every cell")
    if uncached:
        listed = shown(", ".join(uncached[:10]), 120, bare=True) + (" ..." if len(uncached) > 10 else "")
        raise InputError(f"{where}: cell(s) {listed} hold a formula with no saved value (the workbook was never "
                         "calculated); open it in Excel and save it, or paste the values")


def _excel_cell(v: object) -> Cell:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, (dt.date, int, float)) and not isinstance(v, bool):
        return v
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v).strip()


def cell_text(c: Cell) -> str:
    """A cell as text: integral floats without '.0' (Excel stores 1001 as 1001.0)."""
    if type(c) is str:
        return c
    if c is None:
        return ""
    if isinstance(c, float) and c.is_integer():
        return str(int(c))
    if isinstance(c, dt.date):
        return c.isoformat()
    return str(c)
