"""Reading a spreadsheet-like file (CSV, TSV or Excel .xlsx) into header + rows of cells.

It sits at the bottom of the package because the samples sheet is one such file read by both
``classify`` and ``cohort`` (see samples_sheet.py); the clinical records are read with it too.

Cells are ``str`` (stripped), or for Excel also ``datetime.date`` / ``int`` / ``float`` as the
workbook stores them. Rows keep the row number a person sees in a spreadsheet (header = 1).
Every failure is an InputError naming the file and what to do; nothing is guessed silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from itertools import compress, repeat
from typing import Any, cast

from . import limits
from .errors import InputError, shown
from .files import input_path, read_input

log = logging.getLogger(__name__)

# Read-only openpyxl reads a merged range's cells other than the first, and a formula the workbook
# never calculated, as empty: a value would silently go missing. The sheet XML shows both.
_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]+[0-9]+)"[^>]*>(?:(?!</(?:\w+:)?c>).)*?'
                           rb'<(?:\w+:)?f[\s>/](?:(?!</(?:\w+:)?c>).)*</(?:\w+:)?c>', re.S)
_CACHED_VALUE = re.compile(rb"<(?:\w+:)?v>")  # <v></v> is a saved empty text; <v/> is no value
# Lines end at \n, \r\n or \r only: str.splitlines also ends one at U+2028, U+0085 and other
# separators, which inside a cell would make up a row (a phantom patient) and shift row numbers.
_LINE_END = re.compile(r"\r\n|\r|\n")
EXCEL_MAX_ROW = 1_048_576  # a row numbered beyond Excel's last is not a worksheet Excel wrote
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
    """Read CSV (comma), TSV/TXT (tab) or XLSX (the active visible sheet, or ``sheet``)."""
    real = input_path(path, what="a CSV, TSV or Excel file", source=what)  # a pipe: its copy; a device refused
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, expected a CSV, TSV or Excel file ({what})")
    ext = os.path.splitext(path)[1].lower()
    if ext in EXCEL_EXTENSIONS:
        return _read_xlsx(path, real, sheet)
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
    first = _first_line(text)
    if first is None:
        raise InputError(f"{path}: the file is empty")
    _check_delimiter(path, first, delimiter)
    most = limits.current().max_table_rows
    plain = plain_table(text, delimiter, most)
    if plain is not None:
        return RawTable(path, plain[0], plain[2], plain[3])  # (header, its line, rows, their lines)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    width = 0
    rows: list[list[Cell]] = []
    numbers: list[int] = []
    start = 1
    last: list[str] = []
    try:
        for cells in reader:
            lineno = start
            start = reader.line_num + 1
            stripped: list[Cell] = list(map(str.strip, cells))
            if not any(stripped):
                continue
            if header is None:
                header = cast(list[str], stripped)
                header_line = lineno
                width = len(header)
                continue
            if len(cells) != width:
                if len(cells) > width and any(stripped[width:]):
                    raise InputError(f"{path}: row {lineno}: {len(cells)} fields but the header (row "
                                     f"{header_line}) has {width}; is a value missing quotes around a "
                                     f"'{delimiter_name(delimiter)}'?")
                cells = cells[:width] + [""] * (width - len(cells))
                stripped = stripped[:width] + [""] * (width - len(stripped))
            last = cells
            rows.append(stripped)
            numbers.append(lineno)
            if len(rows) > most:
                raise InputError(f"{path}: row {lineno}: more than {most:,} rows {limits.exceeded('max_table_rows')}")
    except csv.Error as exc:
        raise InputError(f"{path}: row {reader.line_num}: not a valid {delimiter_name(delimiter)}-separated "
                         f"table ({exc})") from exc
    assert header is not None
    if any("\n" in c or "\r" in c for c in last):  # the last row has a cell of several lines: quote closed?
        _check_closed_quotes(path, text, delimiter, numbers[-1])
    return RawTable(path, header, rows, numbers)


def _first_line(text: str) -> str | None:
    """The first line that is not blank (lines end as _LINE_END says), found without splitting
    the whole text."""
    start = 0
    for end in _LINE_END.finditer(text):
        line = text[start:end.start()]
        if line.strip():
            return line
        start = end.end()
    return text[start:] if text[start:].strip() else None


def plain_table(text: str, delimiter: str, most: int) -> tuple[list[str], int, list[list[Cell]], list[int]] | None:
    """(header, its line, rows, their lines) of a plain table, read without a Python step per row (a
    third of the time for 100,000 rows): every record on a line of its own (no cell holds a line
    end), every row but blank ones as wide as the header, no more rows than ``most``, valid CSV/TSV.
    None for any other table, which the callers then read row by row, meeting and reporting what is
    not plain as they always have (the same rows, cells and messages)."""
    plain = plain_records(text, delimiter)
    if plain is None:
        return None
    numbers, stripped, records = plain
    if not stripped or len(stripped) - 1 > most:
        return None
    width = len(records[0])
    if any(n != width for n in set(map(len, records))):
        return None
    return cast(list[str], stripped[0]), numbers[0], stripped[1:], numbers[1:]


# The ASCII characters str.strip removes, other than line ends
_ASCII_BLANKS = (" ", "\t", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


def plain_records(text: str, delimiter: str) -> tuple[list[int], list[list[Cell]], list[list[str]]] | None:
    """The non-blank records of a CSV/TSV text whose every record is on a line of its own: their
    line numbers, their cells stripped, and their cells as read. Read at C speed, with no Python
    step per record. None when a record spans lines (a cell holds a line end: numbered row by row
    by the callers), or the text is not valid CSV/TSV (the callers' row-by-row reading says where)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error:
        return None
    if reader.line_num != len(records):  # a record over several lines
        return None
    if records and any("\n" in c or "\r" in c for c in records[-1]):  # a quote left open on the last line
        return None
    stripped: list[list[Cell]]
    if _nothing_to_strip(text, delimiter):
        stripped = cast(list[list[Cell]], records)
    else:
        stripped = list(map(list, map(map, repeat(str.strip), records)))
    filled = list(map(any, stripped))
    numbers = list(range(1, len(records) + 1))
    if not all(filled):  # blank rows are skipped, their lines still counted
        numbers = list(compress(numbers, filled))
        stripped = list(compress(stripped, filled))
        records = list(compress(records, filled))
    return numbers, stripped, records


def _nothing_to_strip(text: str, delimiter: str) -> bool:
    """No cell of the text (each record on one line) can begin or end with white space: the text is
    ASCII and holds none besides line ends and, when unquoted, a white-space delimiter."""
    if not text.isascii():
        return False
    for blank in _ASCII_BLANKS:
        if blank == delimiter:
            if '"' in text:  # a quoted cell may end with the delimiter
                return False
        elif blank in text:
            return False
    return True


def _check_closed_quotes(path: str, text: str, delimiter: str, row: int) -> None:
    """A quote opened and never closed swallows the rest of the file into one cell of the last row
    (csv reads on to the end without complaint): every row after it would be lost silently."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
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


def _read_xlsx(path: str, real: str, sheet: str | None) -> RawTable:
    """``real``: where the workbook's bytes are (``path`` itself, or a pipe's copy)."""
    with open(real, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(OLE2_MAGIC):
        raise InputError(f"{path}: is an encrypted (password-protected) workbook or an old binary "
                         "Excel file, which cannot be read; remove the password and save it as .xlsx")
    if not magic.startswith(b"PK\x03\x04"):
        raise InputError(f"{path}: is not an Excel .xlsx workbook (it is not a zip package; "
                         "is it a CSV/text file renamed to .xlsx?)")
    _check_package(path, real)
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise InputError("reading Excel needs openpyxl (pip install openpyxl)") from exc
    # openpyxl warns with cell values (e.g. an impossible date serial): those are patient data and
    # never reach the terminal; the cell itself is then refused by the clinical checks by row/column.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _read_workbook(path, real, sheet, openpyxl, InvalidFileException)


def _check_package(path: str, real: str) -> None:
    """Refuse a zip bomb before anything is unpacked, from the sizes the zip directory declares
    (zipfile never unpacks a part beyond its declared size: a part lying about it fails its CRC)."""
    lim = limits.current()
    try:
        with zipfile.ZipFile(real) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(f"{path}: cannot be read as an Excel workbook ({shown(exc, 200, bare=True)}); "
                         "open and re-save it in Excel as .xlsx") from exc
    total = 0
    for part in parts:
        total += part.file_size
        if total > lim.max_workbook_bytes:
            raise InputError(f"{path}: the workbook unpacks to more than {lim.max_workbook_bytes:,} bytes; "
                             f"is it a zip bomb? {limits.exceeded('max_workbook_bytes')}")
        if part.file_size > (1 << 20) and part.file_size > lim.max_workbook_ratio * max(part.compress_size, 1):
            raise InputError(f"{path}: the part {shown(part.filename, 80, bare=True)} unpacks {part.file_size:,} "
                             f"bytes from {part.compress_size:,}, more than {lim.max_workbook_ratio:,} times; is it "
                             f"a zip bomb? {limits.exceeded('max_workbook_ratio')}")


def _unreadable(where: str, exc: BaseException) -> InputError:
    """A workbook part openpyxl could not read. Only XML syntax errors (a place in the XML) and the
    kind of error are shown: other exceptions may quote a cell's value, which is patient data."""
    if isinstance(exc, SyntaxError):  # xml.etree's ParseError: malformed XML, an entity bomb, an external entity
        why = f"its XML is malformed or unsafe ({shown(exc, 120, bare=True)})"
    elif isinstance(exc, IndexError):
        why = "a cell refers to a shared string the workbook does not hold"
    else:
        why = f"{type(exc).__name__}"
    return InputError(f"{where}: cannot be read as an Excel workbook: {why}; open and re-save it in Excel as .xlsx")


_WORKBOOK_ERRORS = (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError, IndexError, TypeError,
                    AttributeError, EOFError, zlib.error)


def _choose_sheet(path: str, wb: Any, sheet: str | None) -> Any:
    """The worksheet to read: ``sheet`` (a hidden one too, with a warning), else the one the
    workbook opens on (its active sheet) when visible, else its first visible worksheet. A hidden
    sheet is never read unasked: it is usually an old or working copy. The choice is logged when
    the workbook has more than one sheet."""
    names = list(wb.sheetnames)
    worksheets = list(wb.worksheets)  # chart sheets are not among them
    listed = shown(", ".join(names), 200, bare=True)
    if sheet is not None:
        if sheet not in names:
            raise InputError(f"{path}: no sheet {shown(sheet)}; the workbook has: {listed}")
        ws = wb[sheet]
        if not any(ws is w for w in worksheets):
            raise InputError(f"{path}: sheet {shown(sheet)} is a chart sheet, which holds no cells; give a "
                             f"worksheet with --sheet (the workbook has: {listed})")
        if ws.sheet_state != "visible":
            log.warning("%s: sheet %s is hidden (%s); read because --sheet names it", path,
                        shown(sheet), ws.sheet_state)
        return ws
    if not worksheets:
        raise InputError(f"{path}: the workbook has no worksheet (only chart sheets: {listed})")
    visible = [w for w in worksheets if w.sheet_state == "visible"]
    if not visible:
        raise InputError(f"{path}: every worksheet is hidden ({listed}); name the one to read with --sheet")
    active = wb.active
    ws = active if any(active is w for w in visible) else visible[0]
    if len(names) > 1:
        hidden = [w.title for w in worksheets if w.sheet_state != "visible"]
        log.warning("%s: read sheet %s (%s) of %d sheets%s; choose another with --sheet", path, shown(ws.title),
                    "the sheet it opens on" if ws is active else "its first visible worksheet", len(names),
                    f" ({len(hidden)} hidden: {shown(', '.join(hidden), 120, bare=True)})" if hidden else "")
    return ws


def _read_workbook(path: str, real: str, sheet: str | None, openpyxl: Any, invalid: type[Exception]) -> RawTable:
    try:
        wb = openpyxl.load_workbook(real, read_only=True, data_only=True)
    except (invalid, *_WORKBOOK_ERRORS) as exc:
        if isinstance(exc, (SyntaxError, IndexError)) or isinstance(exc.__cause__, SyntaxError):
            raise _unreadable(path, exc.__cause__ if isinstance(exc.__cause__, SyntaxError) else exc) from exc
        raise InputError(f"{path}: cannot be read as an Excel workbook ({shown(exc, 200, bare=True)}); "
                         "open and re-save it in Excel as .xlsx") from exc
    lim = limits.current()
    try:
        ws = _choose_sheet(path, wb, sheet)
        where = f"{path} [sheet {shown(ws.title, bare=True)}]"
        header: list[str] | None = None
        rows: list[list[Cell]] = []
        numbers: list[int] = []
        n_cells = 0
        try:
            _check_sheet_xml(path, ws)
            ws.reset_dimensions()  # rows as stored: a declared range of A1:XFD1048576 pads nothing
            for rowno, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if rowno > EXCEL_MAX_ROW:
                    raise InputError(f"{where}: a row numbered beyond Excel's last row ({EXCEL_MAX_ROW:,}); the "
                                     "sheet was not written by a spreadsheet program")
                n_cells += len(values)
                if n_cells > lim.max_workbook_cells:
                    raise InputError(f"{where}: row {rowno}: more than {lim.max_workbook_cells:,} cells "
                                     f"{limits.exceeded('max_workbook_cells')}")
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
                if len(rows) > lim.max_table_rows:
                    raise InputError(f"{where}: row {rowno}: more than {lim.max_table_rows:,} rows "
                                     f"{limits.exceeded('max_table_rows')}")
        except InputError:
            raise
        except _WORKBOOK_ERRORS as exc:
            raise _unreadable(where, exc) from exc
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


_NON_WORD = re.compile(r"[^0-9a-z+]+")


def norm(text: str) -> str:
    """Compare headers and spellings this way: lower case, runs of other characters -> one space."""
    return _NON_WORD.sub(" ", str(text).lower()).strip()


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
