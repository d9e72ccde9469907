"""The samples sheet (``--samples``): one row per tumour sample, read the same way by ``classify``
(which reads its files: vcf, bam, cnv, fusions, purity, sample_type) and ``cohort`` (which reads
sample, patient and collection_date).

Both stages go through :func:`read_samples_sheet`, so one file is accepted or refused alike and a
defect gets the same message from either command: the same formats (CSV or TSV text in UTF-8 with
or without a byte-order mark, any line ends; Excel .xlsx), the delimiter taken from the header line
rather than the file name (a '.tsv' saved with commas is common), blank rows skipped, header
spellings mapped to one column name (the clinical rules' ``samples_sheet`` spellings: 'Sample ID'
is the sample column), a column given twice refused, a row wider or narrower than the header
refused, a sample id on two rows refused, and the row limit of limits.py. Messages name the file
and line (``sheet.tsv:3:``; ``sheet.xlsx [sheet S]:3:``) and never quote a cell other than a
sample id.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from operator import itemgetter

from . import limits
from .errors import InputError, shown
from .files import read_input
from .tables import (
    EXCEL_EXTENSIONS,
    Cell,
    RawTable,
    _check_closed_quotes,
    cell_text,
    delimiter_name,
    norm,
    plain_table,
    read_table,
)

WHAT = "--samples"
# Problems of the same kind listed in one message (a sheet with many repeated ids is one mistake)
MOST_LISTED = 60


@dataclass
class SamplesSheet:
    """The sheet's header and rows as read, plus which column each header stands for.

    ``columns`` maps a column name (``sample``, ``patient``, ``collection_date`` through the
    rules' spellings; any other header lower-cased with runs of other characters as '_') to its
    index in ``head.header``. ``head`` holds the path, header and worksheet, and a workbook's rows;
    a text sheet's rows are not held but parsed again from its text each time :meth:`cells` goes
    through them (a batch of 100,000 rows keeps the sheet's few MB of text, not a list per row).
    """

    head: RawTable
    columns: dict[str, int]
    header_line: int = 1
    stream: _TextRows | None = None

    @property
    def table(self) -> RawTable:
        """The whole table with its rows (for a text sheet, made now)."""
        if self.stream is None:
            return self.head
        numbers: list[int] = []
        rows: list[list[Cell]] = []
        for line, cells in self.stream:
            numbers.append(line)
            rows.append(cells)
        return RawTable(self.head.path, self.head.header, rows, numbers, self.head.sheet)

    @property
    def n_rows(self) -> int:
        return self.stream.count if self.stream is not None else len(self.head.rows)

    @property
    def place(self) -> str:
        return self.head.path + (f" [sheet {shown(self.head.sheet, bare=True)}]" if self.head.sheet else "")

    def where(self, line: int) -> str:
        return f"{self.place}:{line}"

    def header_of(self, column: str) -> str:
        return self.head.header[self.columns[column]]

    def cells(self) -> Iterator[tuple[int, list[Cell]]]:
        """(line, cells) for every sample row, in file order."""
        if self.stream is not None:
            return iter(self.stream)
        return zip(self.head.row_numbers, self.head.rows, strict=True)

    def rows(self) -> Iterator[tuple[int, dict[str, Cell]]]:
        """(line, column name -> cell) for every sample row, in file order."""
        for line, cells in self.cells():
            yield line, {name: cells[i] for name, i in self.columns.items()}

    def text(self, cells: Mapping[str, Cell], column: str) -> str:
        """A cell as stripped text ('' when the sheet has no such column)."""
        return cell_text(cells.get(column)).strip()


def column_name(header: str, aliases: Mapping[str, str]) -> str:
    """What a header stands for: a spelling of the rules (normalised), else the header itself in
    lower case with runs of other characters as '_' ('Sample Type' -> sample_type)."""
    key = norm(header)
    return aliases.get(key) or key.replace(" ", "_")


def read_samples_sheet(path: str, aliases: Mapping[str, str], *, keep_rows: bool = False) -> SamplesSheet:
    """Read and check the sheet's structure; the stages then interpret their own columns.

    ``aliases``: normalised header spelling -> column name (the clinical rules' ``sheet_index``).
    ``keep_rows``: hold every row (the cohort, which keeps the whole table anyway: the text is parsed
    once); otherwise a text sheet's rows are parsed again on each pass (a batch, see SamplesSheet).
    """
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, expected a file ({WHAT})")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".xls":
        raise InputError(f"{path}: old binary Excel (.xls) is not read; save the samples sheet as .xlsx, "
                         "CSV or TSV")
    if ext in EXCEL_EXTENSIONS:
        sheet = SamplesSheet(read_table(path, None, what=WHAT), {}, 1)  # the reader skips blank rows above it
    else:
        stream = _read_text(path, keep_rows)
        if stream.kept is not None:
            numbers, rows = stream.kept
            sheet = SamplesSheet(RawTable(path, stream.header, rows, numbers), {}, stream.header_line)
        else:
            sheet = SamplesSheet(RawTable(path, stream.header, [], []), {}, stream.header_line, stream)
    named: dict[str, list[str]] = {}
    for i, header in enumerate(sheet.head.header):
        if not header:
            filled = next((line for line, cells in sheet.cells() if cell_text(cells[i]).strip()), None)
            if filled is not None:
                raise InputError(f"{sheet.where(filled)}: a value in column {i + 1}, which has no header; "
                                 "name the column or empty it")
            continue
        name = column_name(header, aliases)
        named.setdefault(name, []).append(header)
        sheet.columns.setdefault(name, i)
    twice = {name: headers for name, headers in named.items() if len(headers) > 1}
    if twice:
        listed = "; ".join(name if all(h.strip().lower() == name for h in headers)
                           else f"{name} (as {', '.join(shown(h) for h in headers)})"
                           for name, headers in twice.items())
        raise InputError(f"{sheet.where(sheet.header_line)}: column(s) "
                         f"{shown(listed, 300, bare=True)} given twice; keep one")
    if not sheet.n_rows:
        raise InputError(f"{sheet.place}: no samples: the sheet has its header and no sample rows; expected "
                         "one row per sample")
    _refuse_repeated_samples(sheet)
    return sheet


def _refuse_repeated_samples(sheet: SamplesSheet) -> None:
    """One sample id on two rows would mix two results (classify) or two collection dates (cohort):
    every repeat is listed in one message."""
    if "sample" not in sheet.columns:
        return
    if sheet.stream is None:  # the rows are held: when the ids are text and none repeats, nothing to list
        ids = list(map(itemgetter(sheet.columns["sample"]), sheet.head.rows))
        if set(map(type, ids)) <= {str}:
            named = list(filter(None, map(str.strip, ids)))
            if len(set(named)) == len(named):
                return
    first: dict[str, int] = {}  # sample id -> line: all a sheet of any size keeps per row here
    problems = []
    column = sheet.columns["sample"]
    for line, cells in sheet.cells():
        sample = cell_text(cells[column]).strip()
        if not sample:
            continue
        if sample in first:
            problems.append(f"{sheet.where(line)}: sample {shown(sample)} is listed twice (first on line "
                            f"{first[sample]})")
        else:
            first[sample] = line
    if len(problems) == 1:
        raise InputError(problems[0])
    if problems:
        more = f"\n  ... and {len(problems) - MOST_LISTED} more" if len(problems) > MOST_LISTED else ""
        raise InputError(f"{sheet.place}: {len(problems)} rows repeat a sample id; keep one row per sample:\n  "
                         + "\n  ".join(problems[:MOST_LISTED]) + more)


def _sniff(path: str, first: str) -> str:
    """Tab when the header line has a tab, else comma; a header with neither but with semicolons
    or pipes is refused (read as one column, every header would be unknown)."""
    if "\t" in first:
        return "\t"
    if "," in first:
        return ","
    for other in (";", "|"):
        if other in first:
            raise InputError(f"{path}:1: the header is {delimiter_name(other)}-separated; save the samples sheet "
                             "as TSV (tab-separated) or CSV (comma-separated)")
    return "\t"


_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their ends, as ``io.StringIO(text, newline="")`` gives them (ends at \\n,
    \\r\\n or \\r only), one at a time: a StringIO holds a copy of the text at 4 bytes a character."""
    return (m.group() for m in _LINE.finditer(text))


def _read_text(path: str, keep_rows: bool = False) -> _TextRows:
    """A CSV or TSV sheet, gone through once here to check every row (see _TextRows); with
    ``keep_rows`` the rows that pass gives are kept (_TextRows.kept)."""
    text = read_input(path, what="a samples sheet", source=WHAT, advice="save the samples sheet as UTF-8").text
    if not text.strip():
        raise InputError(f"{path}: the samples sheet is empty")
    if "\x00" in text:
        raise InputError(f"{path}: contains NUL bytes: a binary file, not a samples sheet")
    first = next(ln for ln in _lines(text) if ln.strip())
    stream = _TextRows(path, text, _sniff(path, first))
    stream.check(keep_rows)
    return stream


class _TextRows:
    """A CSV or TSV sheet's sample rows, parsed from its text each time they are gone through. Lines
    end at \\n, \\r\\n or \\r (not at U+2028 or U+0085 inside a cell); a quoted cell may hold line
    ends; each row is numbered by the line it starts on. Every pass meets the same rows and the same
    problems (the text is held, never read again from the file); :meth:`check` is the first."""

    def __init__(self, path: str, text: str, delimiter: str) -> None:
        self.path, self.text, self.delimiter = path, text, delimiter
        self.header: list[str] = []
        self.header_line = 1
        self.count = 0  # sample rows, known after check()
        self.kept: tuple[list[int], list[list[Cell]]] | None = None  # (lines, rows) when check() kept them

    def check(self, keep: bool = False) -> None:
        """Go through every row once: a row of the wrong width, too many rows, bad quoting. ``keep``:
        keep the rows too (self.kept), read at C speed (a StringIO of the text)."""
        if keep:
            plain = plain_table(self.text, self.delimiter, limits.current().max_table_rows)
            # A header with empty cells at its end is read row by row (they are dropped there).
            if plain is not None and plain[0][-1]:
                self.header, self.header_line = plain[0], plain[1]
                self.count, self.kept = len(plain[2]), (plain[3], plain[2])  # (row lines, rows)
                return
        last: tuple[int, list[Cell]] | None = None
        count = 0
        numbers: list[int] = []
        rows: list[list[Cell]] = []
        for row in self._rows(io.StringIO(self.text, newline="") if keep else _lines(self.text)):
            count, last = count + 1, row
            if keep:
                numbers.append(row[0])
                rows.append(row[1])
        self.count = count
        if keep:
            self.kept = (numbers, rows)
        if last is not None and any("\n" in c or "\r" in c for c in last[1] if isinstance(c, str)):
            _check_closed_quotes(self.path, self.text, self.delimiter, last[0])

    def __iter__(self) -> Iterator[tuple[int, list[Cell]]]:
        return self._rows(_lines(self.text))

    def _rows(self, lines: Iterable[str]) -> Iterator[tuple[int, list[Cell]]]:
        path, delimiter = self.path, self.delimiter
        reader = csv.reader(lines, delimiter=delimiter)
        most = limits.current().max_table_rows
        header: list[str] | None = None
        header_line = 1
        width = 0
        count = 0
        start = 1
        try:
            for cells in reader:
                line, start = start, reader.line_num + 1
                stripped: list[Cell] = list(map(str.strip, cells))
                if not any(stripped):
                    continue
                if header is None:
                    header, header_line = [c.strip() for c in cells], line
                    while header and not header[-1]:  # trailing delimiters after the last header
                        header.pop()
                    self.header, self.header_line = header, header_line
                    width = len(header)
                    continue
                if len(cells) != width:
                    if len(cells) > width and not any(stripped[width:]):
                        stripped = stripped[:width]  # trailing empty fields: a spreadsheet's export
                    if len(stripped) != width:
                        raise InputError(f"{path}:{line}: {len(stripped)} columns, expected {width} (the header "
                                         f"on line {header_line}); is a {delimiter_name(delimiter)} missing, or a "
                                         "value missing quotes?")
                count += 1
                if count > most:
                    raise InputError(f"{path}:{line}: more than {most:,} rows in the samples sheet "
                                     f"{limits.exceeded('max_table_rows')}")
                yield line, stripped
        except csv.Error as exc:
            raise InputError(f"{path}:{start}: not a valid samples sheet ({shown(exc, 200, bare=True)})") from exc
        assert header is not None
