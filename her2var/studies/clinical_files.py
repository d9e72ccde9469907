"""The clinical tables of a cBioPortal study or an AACR GENIE release, read as written.

``data_clinical_patient.txt`` and ``data_clinical_sample.txt`` are tab-separated: up to four rows
starting with ``#`` (display names, descriptions, datatypes STRING/NUMBER/BOOLEAN, priorities; the
older combined layout has five, with PATIENT/SAMPLE attribute types before the priorities), then
the attribute row (PATIENT_ID, SAMPLE_ID, OS_MONTHS, ...), then one row per patient or sample.
Cells are plain text (no quoting). The ``meta_clinical_*.txt`` files name the data files
(``data_filename``); without them the usual names are used.

Anything that is not such a table is an InputError naming the file and the line: header rows of
another width than the attribute row, an unknown datatype, a duplicated attribute, a row with more
cells than attributes, an identifier on two rows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..errors import InputError, shown
from ..files import read_input
from .text import read_meta

DATATYPES = ("STRING", "NUMBER", "BOOLEAN")
PATIENT_FILE = "data_clinical_patient.txt"
SAMPLE_FILE = "data_clinical_sample.txt"
META_DATATYPES = {"PATIENT_ATTRIBUTES": "patient", "SAMPLE_ATTRIBUTES": "sample"}


@dataclass
class StudyTable:
    """One clinical table: attribute names, their declared datatypes, and the rows with the line
    each starts on (the file's own line numbers, header rows included)."""

    path: str
    attributes: list[str]
    datatypes: dict[str, str]  # attribute -> STRING/NUMBER/BOOLEAN; empty without '#' rows
    rows: list[list[str]]
    lines: list[int]
    header_line: int = 1
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {a: i for i, a in enumerate(self.attributes)}

    def has(self, attribute: str) -> bool:
        return attribute in self.index

    def get(self, row: list[str], attribute: str) -> str:
        i = self.index.get(attribute)
        return row[i] if i is not None else ""

    def require(self, *attributes: str) -> None:
        lacking = [a for a in attributes if a not in self.index]
        if lacking:
            raise InputError(f"{self.path}:{self.header_line}: no {', '.join(lacking)} column; the attribute row has "
                             f"{shown(', '.join(self.attributes[:30]), 300, bare=True)}")


def read_study_table(path: str) -> StudyTable:
    """Read one clinical table; see the module's docstring for what is refused."""
    source = read_input(path, what="a cBioPortal clinical table (tab-separated)", advice="save it as UTF-8 text")
    text, all_lines = source.text, source.lines()  # lines end at LF, CR LF or CR, never at U+2028 in a cell
    if "\x00" in text:
        raise InputError(f"{path}: contains NUL bytes: a binary file, not a clinical table")
    meta: list[tuple[int, list[str]]] = []
    attributes: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    lines: list[int] = []
    for lineno, line in enumerate(all_lines, start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("\t")]
        if attributes is None:
            if line.startswith("#"):
                meta.append((lineno, [cells[0][1:].strip(), *cells[1:]]))
                continue
            while len(cells) > 1 and not cells[-1]:  # a spreadsheet's trailing tabs
                cells.pop()
            attributes, header_line = cells, lineno
            _check_attributes(path, lineno, attributes)
            continue
        if line.startswith("#"):
            raise InputError(f"{path}:{lineno}: a '#' header row after the attribute row (line {header_line}); "
                             "the header rows come first")
        if len(cells) > len(attributes) and any(cells[len(attributes):]):
            raise InputError(f"{path}:{lineno}: {len(cells)} tab-separated cells but the attribute row (line "
                             f"{header_line}) has {len(attributes)}")
        rows.append(cells[:len(attributes)] + [""] * (len(attributes) - len(cells)))
        lines.append(lineno)
    if attributes is None:
        raise InputError(f"{path}: no attribute row (PATIENT_ID, SAMPLE_ID, ...); "
                         + ("only '#' header rows" if meta else "the file is empty"))
    if len(attributes) < 2 and "," in all_lines[header_line - 1]:
        raise InputError(f"{path}:{header_line}: the attribute row has no tab but commas; a cBioPortal "
                         "clinical table is tab-separated")
    return StudyTable(path, attributes, _datatypes(path, meta, attributes), rows, lines, header_line)


def _check_attributes(path: str, lineno: int, attributes: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, a in enumerate(attributes, start=1):
        if not a:
            raise InputError(f"{path}:{lineno}: column {i} of the attribute row has no name")
        if a in seen:
            raise InputError(f"{path}:{lineno}: attribute {shown(a)} appears twice (columns {seen[a]} and {i})")
        seen[a] = i


def _datatypes(path: str, meta: list[tuple[int, list[str]]], attributes: list[str]) -> dict[str, str]:
    """attribute -> datatype from the '#' rows; checks their number, width and values."""
    if not meta:
        return {}
    if len(meta) not in (4, 5):
        raise InputError(f"{path}:{meta[0][0]}: {len(meta)} '#' header rows; expected 4 (display names, "
                         "descriptions, datatypes, priorities) before the attribute row")
    for i, (lineno, cells) in enumerate(meta):
        if len(cells) > len(attributes) and not any(cells[len(attributes):]):
            meta[i] = (lineno, cells := cells[:len(attributes)])
        if len(cells) != len(attributes):
            raise InputError(f"{path}:{lineno}: a '#' header row of {len(cells)} cells but the attribute row "
                             f"has {len(attributes)}; every header row has one cell per attribute")
    types_line, types = meta[2]
    out = {}
    for a, t in zip(attributes, types, strict=True):
        if t.upper() not in DATATYPES:
            raise InputError(f"{path}:{types_line}: datatype {shown(t)} of {shown(a, bare=True)} is not one of "
                             f"{', '.join(DATATYPES)} (the third '#' row holds the datatypes)")
        out[a] = t.upper()
    prio_line, priorities = meta[-1]
    for a, v in zip(attributes, priorities, strict=True):
        if not v.lstrip("-").isdigit():
            raise InputError(f"{path}:{prio_line}: priority {shown(v)} of {shown(a, bare=True)} is not a whole "
                             "number (the last '#' row holds the priorities)")
    return out


def unique_ids(table: StudyTable, attribute: str) -> None:
    """An identifier on two rows is refused: which row is right cannot be known."""
    first: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        value = table.get(row, attribute)
        if not value:
            continue
        if value in first:
            raise InputError(f"{table.path}:{line}: {attribute} {shown(value)} is also on line {first[value]}; "
                             "one row per identifier")
        first[value] = line


def clinical_files(folder: str) -> tuple[str | None, str | None]:
    """(patient table, sample table) of a study folder: as its meta_clinical_*.txt files name them,
    else the usual file names; None for a table the folder does not have."""
    if not os.path.isdir(folder):
        raise InputError(f"{folder}: " + ("is a file, expected a study folder" if os.path.exists(folder)
                                          else "no such folder (--study)"))
    found: dict[str, str] = {}
    for name in sorted(os.listdir(folder)):
        if not (name.startswith("meta_") and name.endswith(".txt")):
            continue
        meta = read_meta(os.path.join(folder, name), "cBioPortal meta file")
        kind = META_DATATYPES.get((meta.get("datatype") or "").upper())
        if kind is None or (meta.get("genetic_alteration_type") or "CLINICAL").upper() != "CLINICAL":
            continue
        data = meta.get("data_filename") or ""
        if not data or os.path.basename(data) != data:
            raise InputError(f"{os.path.join(folder, name)}: data_filename {shown(data)}: expected the name of a "
                             "file in the study folder")
        if not os.path.isfile(os.path.join(folder, data)):
            raise InputError(f"{os.path.join(folder, name)}: data_filename {shown(data)}: no such file in {folder}")
        found[kind] = os.path.join(folder, data)
    for kind, default in (("patient", PATIENT_FILE), ("sample", SAMPLE_FILE)):
        if kind not in found and os.path.isfile(os.path.join(folder, default)):
            found[kind] = os.path.join(folder, default)
    if not found:
        raise InputError(f"{folder}: no {PATIENT_FILE} or {SAMPLE_FILE} (and no meta_clinical_*.txt naming one); "
                         "expected a cBioPortal study or GENIE release folder")
    return found.get("patient"), found.get("sample")
