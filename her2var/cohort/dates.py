"""Dates in clinical records: the one text format a file uses, and dates checked against each
other, today and the data cut-off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING

from ..errors import shown
from .problems import Errors

if TYPE_CHECKING:
    from ..tables import Cell, RawTable

DATE_FIELDS = ("birth_date", "treatment_start", "progression_date", "death_date", "last_followup", "cutoff")


def choose_date_format(values: list[tuple[int, str, str]], formats: tuple[str, ...],
                       table: RawTable) -> str | None:
    """The one format that reads every text date of the file; errors for anything else.

    ``values`` holds (row, column, text). Dates the workbook stores as dates are not here.
    """
    if not values:
        return None
    distinct = sorted({v for _, _, v in values})
    parsed: dict[str, dict[str, dt.date]] = {}
    for fmt in formats:
        ok = {}
        for text in distinct:
            d = strptime(text, fmt)
            if d is not None:
                ok[text] = d
        parsed[fmt] = ok
    full = [f for f in formats if len(parsed[f]) == len(distinct)]
    errors = Errors(table)
    if full:
        first = full[0]
        for other in full[1:]:
            differ = [t for t in distinct if parsed[other][t] != parsed[first][t]]
            if differ:
                row, col, text = next(v for v in values if v[2] == differ[0])
                errors.add(row, col, f"the date reads as two different days with {first} and with "  # not quoted
                           f"{other}; every date in the file fits both, "
                           f"so say which with --date-format {shown(first)} or {shown(other)}")
                errors.raise_if_any("ambiguous date format")
        return first
    readers = {t: next((f for f in formats if t in parsed[f]), None) for t in distinct}
    bad = [(r, c, t) for r, c, t in values if readers[t] is None]
    for r, c, _ in bad:
        errors.add(r, c, f"the value is not a date in an accepted format ({', '.join(formats)}); "
                         "dates are patient data, so the value is not repeated here")
    if not bad:
        by_format: dict[str, tuple[int, str, str]] = {}
        for r, c, t in values:
            f = readers[t]
            if f is not None:  # always: no value is bad here
                by_format.setdefault(f, (r, c, t))
        examples = "; ".join(f"row {r}, column {shown(c)} ({f})" for f, (r, c, t) in by_format.items())
        errors.add(None, None, f"mixed date formats: {examples}. Write every date of the file one "
                   "way (or store them as dates in Excel)")
    errors.raise_if_any("date problem(s)")
    return None


def choose_date_format_of_columns(columns: Sequence[tuple[str, Sequence[int], Sequence[Cell]]],
                                  formats: tuple[str, ...], table: RawTable,
                                  missing: Callable[[str], bool], distinct: Sequence[Collection[Cell]] | None = None
                                  ) -> tuple[str | None, dict[str, dt.date]]:
    """choose_date_format for whole columns, each (header, row numbers, cells): the format and the
    day each distinct text date reads as with it.

    Each distinct text is tried once, not each cell: a table of 100,000 patients holds a few
    thousand distinct dates in 400,000 cells. Only when that finds no single reading (no format
    reads every text, or two read one differently) is every cell listed, in the order
    choose_date_format has always been given them (column by column, rows in file order), for it
    to make its messages, which name rows. ``distinct``: each column's distinct cells, when known.
    """
    texts: set[str] = set()
    for k, (_, _, cells) in enumerate(columns):
        cells_once = set(cells) if distinct is None else distinct[k]
        texts.update(c for c in cells_once if isinstance(c, str) and not missing(c))
    if not texts:
        return None, {}
    found = _single_reading(texts, formats)
    if found is not None:
        return found
    values = [(rowno, header, c) for header, numbers, cells in columns
              for rowno, c in zip(numbers, cells, strict=True) if isinstance(c, str) and not missing(c)]
    return choose_date_format(values, formats, table), {}


def _single_reading(texts: set[str], formats: tuple[str, ...]) -> tuple[str, dict[str, dt.date]] | None:
    """The first format that reads every text, with the days, when every other format that reads
    them all reads the same days; else None (choose_date_format then says what is wrong)."""
    first: tuple[str, dict[str, dt.date]] | None = None
    for fmt in formats:
        days: dict[str, dt.date] = {}
        for text in texts:
            d = strptime(text, fmt)
            if d is None:
                break
            days[text] = d
        else:
            if first is None:
                first = (fmt, days)
            elif days != first[1]:
                return None
    return first


def strptime(text: str, fmt: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, fmt).date()
    except ValueError:
        return None
