"""The text files of a study folder: tab-separated tables read line by line, meta files, cells.

A GENIE copy-number matrix has a column per sample (100,000 and more) and a MAF a million rows, so
tables are streamed, never read whole; the small files (meta files, case lists, gene panels) go
through the project's one input opener (files.read_input).

Tables may open with ``#`` lines (cBioPortal's four clinical attribute lines, ``#version 2.4``,
a curator's comment). Some files write their header itself behind a ``#`` (``#Hugo_Symbol ...``):
when the first line without ``#`` is not a header and the last ``#`` line before it is, that line
is the header. Every row must have as many cells as the header (empty cells past it, a spreadsheet's
trailing tabs, are allowed); anything else is an error naming the file and the line.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..errors import InputError, shown
from ..files import GZIP_MAGIC, input_path, read_input, text_lines

MISSING = frozenset(("", "NA", "N/A", "NAN", "NULL", "."))  # upper case: a cell without a value


def is_missing(cell: str) -> bool:
    return cell.strip().upper() in MISSING


def _lines(path: str, what: str) -> Iterator[tuple[int, str]]:
    """(line number, text without its end) of every line, plain or gzip; errors name the line."""
    lineno = 0
    try:
        real = input_path(path, what=what)  # a pipe: read once into a copy; a device: refused
        with open(real, "rb") as probe:
            compressed = probe.read(2) == GZIP_MAGIC
        # bounded lines ending at LF, CR LF or a lone CR, a byte-order mark dropped (files.text_lines)
        for lineno, raw in enumerate(text_lines(real, compressed=compressed, name=path, what=what), 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"{path}:{lineno}: not UTF-8 text; expected {what} (save it as UTF-8)") from exc
            yield lineno, text
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file; expected {what}") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path}: is a folder, expected {what}") from exc
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}:{lineno + 1}: the compressed data is truncated or corrupt "
                         f"({shown(exc, 120, bare=True)})") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


@dataclass(frozen=True)
class Header:
    path: str
    line: int
    columns: tuple[str, ...]  # as written

    def index(self, *names: str) -> int | None:
        """Index of the first column named (without regard to case) one of ``names``, or None."""
        lower = [c.lower() for c in self.columns]
        for n in names:
            if n.lower() in lower:
                return lower.index(n.lower())
        return None

    def twice(self, names: tuple[str, ...]) -> None:
        """Refuse a header giving one of ``names`` twice: which one holds the data cannot be told."""
        lower = [c.lower() for c in self.columns]
        for n in names:
            hits = [i + 1 for i, c in enumerate(lower) if c == n.lower()]
            if len(hits) > 1:
                raise InputError(f"{self.path}:{self.line}: column {shown(n, bare=True)} appears twice (columns "
                                 f"{hits[0]} and {hits[1]}); which one holds the data cannot be told: keep one")


class Table:
    """A tab-separated table: its header (found as the module notes say) and its rows, streamed."""

    def __init__(self, path: str, what: str, is_header: Callable[[list[str]], bool], expected: str) -> None:
        self.path = path
        self.what = what
        self._lines = _lines(path, what)
        self._pending: tuple[int, str] | None = None
        self.header = self._find_header(is_header, expected)

    def _find_header(self, is_header: Callable[[list[str]], bool], expected: str) -> Header:
        comment: tuple[int, str] | None = None
        for lineno, line in self._lines:
            if not line.strip():
                continue
            if line.startswith("#"):
                comment = (lineno, line)
                continue
            cells = _cells(line)
            if is_header(cells):
                return Header(self.path, lineno, tuple(cells))
            if comment is not None and is_header(_cells(comment[1].lstrip("#"))):
                self._pending = (lineno, line)  # the header was behind a '#': this is the first row
                return Header(self.path, comment[0], tuple(_cells(comment[1].lstrip("#"))))
            raise InputError(f"{self.path}:{lineno}: not the header of {self.what}: expected {expected}; found "
                             f"{shown(' '.join(cells[:6]), 120, bare=True)}")
        raise InputError(f"{self.path}: no header line (the file is empty or only comments); expected {expected}")

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number, cells) of every data row, each checked to be as wide as the header."""
        width = len(self.header.columns)

        def checked(lineno: int, line: str) -> list[str]:
            cells = line.split("\t")
            if len(cells) > width and not any(c.strip() for c in cells[width:]):
                cells = cells[:width]
            if len(cells) != width:
                raise InputError(f"{self.path}:{lineno}: {len(cells)} tab-separated cells, expected {width} as in "
                                 f"the header (line {self.header.line})")
            return cells

        if self._pending is not None:
            yield self._pending[0], checked(*self._pending)
            self._pending = None
        for lineno, line in self._lines:
            if not line.strip() or line.startswith("#"):
                continue
            yield lineno, checked(lineno, line)

    def raw_rows(self) -> Iterator[tuple[int, str]]:
        """(line number, line) of every data row, unsplit (a wide matrix checks its width by
        counting tabs and splits only the rows it reads)."""
        if self._pending is not None:
            yield self._pending
            self._pending = None
        for lineno, line in self._lines:
            if line.strip() and not line.startswith("#"):
                yield lineno, line

    def width_error(self, lineno: int, line: str) -> InputError:
        cells = line.count("\t") + 1
        return InputError(f"{self.path}:{lineno}: {cells} tab-separated cells, expected {len(self.header.columns)} "
                          f"as in the header (line {self.header.line})")


def _cells(line: str) -> list[str]:
    return [c.strip().strip('"') for c in line.split("\t")]


# -- meta files, case lists, gene panels: ``key: value`` lines ----------------------------------------
@dataclass(frozen=True)
class Meta:
    path: str
    fields: dict[str, tuple[str, int]]  # key (lower case) -> (value, line)

    def get(self, key: str) -> str | None:
        found = self.fields.get(key)
        return found[0] if found else None

    def line(self, key: str) -> int | None:
        found = self.fields.get(key)
        return found[1] if found else None

    def where(self, key: str) -> str:
        n = self.line(key)
        return f"{self.path}:{n}" if n else self.path


def read_meta(path: str, what: str) -> Meta:
    """A cBioPortal meta-format file: one ``key: value`` per line (the value may hold ':')."""
    fields: dict[str, tuple[str, int]] = {}
    for lineno, line in enumerate(read_input(path, what=what).lines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or not key or "\t" in key:
            raise InputError(f"{path}:{lineno}: expected 'key: value' (a {what} is written as such lines); found "
                             f"{shown(line, 80)}")
        if key in fields:
            raise InputError(f"{path}:{lineno}: {shown(key, bare=True)} is given twice (first on line "
                             f"{fields[key][1]}); keep one")
        fields[key] = (value.strip(), lineno)
    return Meta(path, fields)


def name_of(path: str) -> str:
    """A file as messages and notes name it: its name, or its folder and name inside a study."""
    parent = os.path.basename(os.path.dirname(path))
    base = os.path.basename(path)
    return f"{parent}/{base}" if parent in ("case_lists", "gene_panels") else base
