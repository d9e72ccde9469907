"""Writing the cohort: cohort.tsv (+ .problems.tsv, .conflicts.tsv), Excel, Parquet, and keyed
pseudonyms.

Every output is first written to a temporary file beside its target; only when all of them are
written are they renamed into place (``Staged``), so a failure leaves no partial output.
Spreadsheet cells that start with = + - @ (or a tab / carriage return) are neutralised with a
leading apostrophe unless they are numbers: a patient id like ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import importlib.util
import itertools
import logging
import math
import operator
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, cast

from ..errors import InputError, UsageError
from ..files import (
    Named,
    input_path,
    neutralise,
    refuse_overwriting_inputs,
    sync_file,
    temp_beside,
    tsv_text,
    tsv_texts_unchanged,
    workbook_writing,
    write_failed,
)
from ..outfolder import OutputFolder
from ..rules.load import Rules
from .build import DATE_COLUMNS, CohortResult, paused_gc
from .problems import Problem, drug_list_text

log = logging.getLogger(__name__)
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # as openpyxl's ILLEGAL_CHARACTERS_RE

PROBLEM_COLUMNS = ("kind", "row", "column", "value", "patient_id", "sample", "left_out_of", "message")
CONFLICT_COLUMNS = ("patient_id", "sample", "chosen", "status", "collection_date", "her2_status",
                    "erbb2_events", "assessed", "cn_assessed")
ID_VALUE_KINDS = ("duplicate_patient", "missing_patient_id")
DATE_VALUE_KINDS = ("future_date", "after_cutoff", "date_order")
MIN_KEY_BYTES = 16
MAX_KEY_FILE_BYTES = 1 << 16  # read at most: a key is tens of bytes, and /dev/zero never ends


# ---------------------------------------------------------------------------------------------
# Staged, all-or-nothing writing
# ---------------------------------------------------------------------------------------------
class Staged:
    """Collect outputs in temporary files; ``commit`` renames them all into place. The atomic
    writing rule of her2var/files.py (temporary beside the target, flushed, renamed), for several
    outputs at once."""

    def __init__(self, inputs: Sequence[Named] = ()) -> None:
        self._files: list[tuple[str, str]] = []  # (tmp, final)
        self._dirs: list[OutputFolder] = []
        self._inputs = list(inputs)  # what the run read: a folder output must not hold any of it

    def _tmp_beside(self, path: str) -> str:
        tmp = temp_beside(path)
        self._files.append((tmp, path))
        return tmp

    @contextlib.contextmanager
    def text(self, path: str) -> Any:
        tmp = self._tmp_beside(path)
        try:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise write_failed(path, exc) from exc

    def file(self, path: str, write: Callable[[str], None]) -> None:
        tmp = self._tmp_beside(path)
        try:
            write(tmp)
            sync_file(tmp)
        except OSError as exc:
            raise write_failed(path, exc) from exc

    def folder(self, path: str) -> str:
        """A staging folder whose files go into the cBioPortal study folder ``path`` on commit (the files
        of an earlier export there are replaced; outfolder.py)."""
        out = study_folder(path, self._inputs)
        out.__enter__()
        self._dirs.append(out)
        return out.staging

    def commit(self) -> None:
        for tmp, final in self._files:
            os.replace(tmp, final)
        for out in self._dirs:
            out.commit()
            out.__exit__(None, None, None)
        self._files, self._dirs = [], []

    def discard(self) -> None:
        for tmp, _ in self._files:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for out in self._dirs:
            out.__exit__(None, None, None)  # removes its staging folder
        self._files, self._dirs = [], []


def study_folder(path: str, inputs: Sequence[Named] = ()) -> OutputFolder:
    """A cBioPortal study folder: new, empty, or a study her2var exported there before."""
    return OutputFolder(path, kind="cbioportal", option="--cbioportal", inputs=inputs,
                        patterns=("meta_*.txt", "data_*.txt", "her2var_export.txt"), subfolders=("case_lists",),
                        not_ours="is not a cBioPortal study her2var wrote")


def check_outputs(out_tsv: str, *, xlsx: str | None = None, parquet: str | None = None,
                  cbioportal: str | None = None, inputs: Sequence[Named] = ()) -> None:
    """Refuse, before the cohort is built, outputs that would overwrite an input (and a cBioPortal
    folder that is not a study her2var wrote): see files.refuse_overwriting_inputs."""
    refuse_overwriting_inputs([("-o", out_tsv), ("-o (its problems table)", sibling(out_tsv, "problems")),
                               ("-o (its conflicts table)", sibling(out_tsv, "conflicts")), ("--xlsx", xlsx),
                               ("--parquet", parquet)], inputs)
    if cbioportal:
        study_folder(cbioportal, inputs).check()


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------
def fmt(column: str, value: Any) -> str:
    """A cohort value as TSV text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return tsv_text(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if column.endswith("_months"):
            return f"{value:.4f}"
        if value.is_integer():
            return str(int(value))
        return f"{value:.4g}" if column == "copy_number" else f"{value:.6g}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return fmt(column, str(value))


# A column is formatted as a whole, not value by value: a column holds few distinct texts
# (statuses, classes, regimens), dates, ages, day counts and months, each formatted once and then
# looked up, or distinct ids and copy numbers, checked or formatted in one pass. Values of these
# types are looked up only in a column of one type (and None): True, 1 and 1.0 are equal keys but
# print as yes, 1 and 1. A float zero is not looked up in a months column (0.0 and -0.0 are equal
# keys but print 0.0000 and -0.0000 there; elsewhere both print 0); datetimes are not looked up
# (equal instants in two time zones print differently).
_CACHED_TYPES = (str, int, float, bool, dt.date)
_NONE = type(None)
_TEXT_KINDS = frozenset((str, _NONE))
# A column whose first values are mostly distinct (ids, copy numbers) is formatted whole, without
# a set of all its values first.
_PROBE = 1000


def _mostly_distinct(values: Sequence[Any]) -> bool:
    """Whether most of the first values differ (the choice of way only: either gives fmt's texts)."""
    probe = values[:_PROBE]
    try:
        return len(set(probe)) * 2 > len(probe)
    except TypeError:  # an unhashable value
        return False


@dataclasses.dataclass
class _ColumnTexts:
    """What writing one column has found so far, kept from one part of a long table to the next
    (each part's values are still checked: this only saves finding the same thing again)."""

    ids: bool | None = None  # whether its values are mostly distinct, judged on the first part
    clean: set[str] = dataclasses.field(default_factory=set)  # texts tsv_text leaves as they are
    by_type: dict[type, dict[Any, str]] = dataclasses.field(default_factory=dict)  # texts of values, by type


def _float_texts(column: str, values: Sequence[float]) -> list[str]:
    """fmt of each of ``values`` (floats; in a months column no zero needs telling from -0.0 by a
    lookup), with one str.format per value rather than a call of fmt each: a column of copy
    numbers holds 100,000 distinct ones."""
    if column.endswith("_months"):
        return list(map("{:.4f}".format, values))
    texts = list(map(("{:.4g}" if column == "copy_number" else "{:.6g}").format, values))
    for i in itertools.compress(range(len(values)), map(float.is_integer, values)):
        texts[i] = str(int(values[i]))  # whole: 1e16 prints as 10000000000000000, -0.0 as 0
    return texts


def _has_negative_zero(values: Sequence[float | None]) -> bool:
    """Whether -0.0 is one of ``values`` (floats and None), without a Python call per value: the
    zeros (and None) are picked out, then the signs of the zeros looked at."""
    zeros = map(values.__getitem__, itertools.compress(range(len(values)), map(operator.not_, values)))
    floats = cast("Iterator[float]", filter(functools.partial(operator.is_not, None), zeros))
    signs = map(math.copysign, itertools.repeat(1.0), floats)
    return min(signs, default=1.0) < 0


def _column_text(column: str, values: Iterable[Any], found: _ColumnTexts | None = None) -> list[str]:
    """fmt of every value of one column, in order. ``found``: what the earlier parts of the same
    column have found."""
    values = values if isinstance(values, (list, tuple)) else list(values)
    found = found if found is not None else _ColumnTexts()
    if found.ids is None:
        found.ids = _mostly_distinct(values)
    if found.ids:
        with contextlib.suppress(TypeError):  # a value that is not text
            if tsv_texts_unchanged(values):  # ids: written as they are
                return list(values)
    try:
        distinct = set(values)
    except TypeError:  # an unhashable value
        return _texts_one_by_one(column, values)
    if _TEXT_KINDS.issuperset(map(type, distinct)):
        # Of the types a cohort holds, only a text equals a text and only None equals None: every
        # value equals one of the distinct ones, so the column holds texts (and None) alone.
        has_none = None in distinct
        distinct.discard(None)
        new = distinct.difference(found.clean)
        if not new or tsv_texts_unchanged(new):  # plain words: written as they are
            found.clean |= new
            return list(values) if not has_none else [v if v is not None else "" for v in values]
        texts = found.by_type.setdefault(str, {None: ""})
        texts.update({v: tsv_text(v) for v in distinct.difference(texts)})
        return list(map(texts.__getitem__, values))
    kinds = set(map(type, values))  # all of them: equal values of two types (1, 1.0, True) are one key
    has_none = _NONE in kinds
    kinds.discard(_NONE)
    kind = next(iter(kinds)) if len(kinds) == 1 else None
    if kind is None or kind not in _CACHED_TYPES:
        return _texts_one_by_one(column, values)
    # One type (and None): the values themselves are the keys.
    distinct.discard(None)
    if kind is float:
        if not has_none and len(distinct) * 2 > len(values):
            return _float_texts(column, values)  # mostly distinct (copy numbers): no lookup
        if column.endswith("_months") and 0.0 in distinct:
            if _has_negative_zero(values):  # 0.0 and -0.0 apart: no lookup
                text = "{:.4f}".format
                return [text(v) if v is not None else "" for v in values]
    texts = found.by_type.setdefault(kind, {None: ""})
    unseen = list(distinct.difference(texts))
    if unseen:
        texts.update(zip(unseen, _float_texts(column, unseen) if kind is float else [fmt(column, v) for v in unseen],
                         strict=True))
    return list(map(texts.__getitem__, values))


def _texts_one_by_one(column: str, values: Sequence[Any]) -> list[str]:
    """fmt of each value, for a column of several types: looked up by type and value."""
    out: list[str] = []
    append = out.append
    seen: dict[tuple[type, Any], str] = {}
    for v in values:
        if v is None:
            append("")
        elif type(v) in _CACHED_TYPES and not (type(v) is float and v == 0):
            key = (type(v), v)
            text = seen.get(key)
            if text is None:
                text = seen[key] = fmt(column, v)
            append(text)
        else:
            append(fmt(column, v))
    return out


def _columns_of(columns: list[str], rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each column's values, row by row (None where a row has no such key)."""
    if not rows or not columns:
        return [() for _ in columns]
    try:
        get = operator.itemgetter(*columns)
        cells = list(map(get, rows))
    except KeyError:
        cells = [tuple(r.get(c) for c in columns) for r in rows]
    else:
        if len(columns) == 1:  # itemgetter of one key gives the value itself
            cells = [(v,) for v in cells]
    return list(zip(*cells, strict=True))


# Rows are written a part at a time: taking the columns of 5,000 rows at once stays within the
# processor's caches (a third faster than the columns of 100,000 rows), and each part's text is a
# few MB.
_ROWS_PER_PART = 5000


def write_tsv(fh: IO[str], columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> None:
    """Header and rows (dicts), a part of the rows at a time, each part formatted column by column
    (fast for 100,000 rows)."""
    columns = list(columns)
    rows = rows if isinstance(rows, list) else list(rows)
    _write_parts(fh, columns, (_columns_of(columns, rows[start:start + _ROWS_PER_PART])
                               for start in range(0, len(rows), _ROWS_PER_PART)))


def write_records(fh: IO[str], columns: Sequence[str], records: Sequence[Sequence[Any]]) -> None:
    """write_tsv of records: each a row's values in ``columns``' order."""
    _write_parts(fh, columns, (list(zip(*records[start:start + _ROWS_PER_PART], strict=True))
                               for start in range(0, len(records), _ROWS_PER_PART)))


def _write_parts(fh: IO[str], columns: Sequence[str], parts: Iterable[Sequence[Sequence[Any]]]) -> None:
    """The header, then each part of the rows, given as its columns' values."""
    fh.write("\t".join(columns) + "\n")
    found = [_ColumnTexts() for _ in columns]
    for part in parts:
        texts = [_column_text(c, values, f) for c, values, f in zip(columns, part, found, strict=True)]
        fh.write("\n".join(itertools.chain(map("\t".join, zip(*_joined_constants(texts), strict=True)), ("",))))


def _joined_constants(texts: list[list[str]]) -> list[list[str]]:
    """The columns' texts with each run of neighbouring columns that hold one text all the way
    down (empty metastasis sites, untested co-drivers, one rules checksum) made one column of
    their texts joined: each row then joins fewer cells."""
    out: list[list[str]] = []
    run: list[str] = []  # the texts of the constant columns just passed
    for col in texts:
        if col and col[0] == col[-1] and col.count(col[0]) == len(col):
            run.append(col[0])
            continue
        if run:
            out.append(["\t".join(run)] * len(col))
            run = []
        out.append(col)
    if run:
        out.append(["\t".join(run)] * len(texts[0]))
    return out


# ---------------------------------------------------------------------------------------------
# Pseudonyms
# ---------------------------------------------------------------------------------------------
class Pseudonymizer:
    """Stable keyed pseudonyms: HMAC-SHA256 of the id under the key, 16 hex digits.

    Patient and sample ids are hashed in separate namespaces (``PT-``/``SM-``), so the same
    text used as both does not give the same pseudonym. Without the key, ids cannot be
    recovered or checked; with the same key, every export gives the same pseudonyms.
    """

    def __init__(self, key: bytes):
        if len(key) < MIN_KEY_BYTES:
            raise UsageError(f"--pseudonymize: the key has {len(key)} bytes; use at least {MIN_KEY_BYTES} "
                             "random bytes (e.g. head -c 32 /dev/urandom > cohort.key)")
        self._key = key
        self._seen: dict[tuple[str, str], str] = {}

    @classmethod
    def from_file(cls, path: str) -> Pseudonymizer:
        real = input_path(path, what="a pseudonymisation key file", source="--pseudonymize")  # not a device
        try:
            with open(real, "rb") as fh:
                key = fh.read(MAX_KEY_FILE_BYTES + 1)
        except OSError as exc:
            raise InputError(f"--pseudonymize {path}: cannot read the key file ({exc.strerror or exc})") from exc
        if len(key) > MAX_KEY_FILE_BYTES:
            raise InputError(f"--pseudonymize {path}: more than {MAX_KEY_FILE_BYTES:,} bytes; a key file holds "
                             "a key (32 random bytes: head -c 32 /dev/urandom > cohort.key), not a document")
        return cls(key.rstrip(b"\r\n"))

    def _make(self, kind: str, prefix: str, value: str) -> str:
        if not value:
            return value
        digest = hmac.new(self._key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()[:16]
        out = f"{prefix}-{digest}"
        key = (kind, out)
        if self._seen.setdefault(key, value) != value:  # pragma: no cover - 2^-64 per pair
            raise InputError("two ids got the same pseudonym; use another key")
        return out

    def patient(self, value: str) -> str:
        return self._make("patient", "PT", value)

    def sample(self, value: str) -> str:
        return self._make("sample", "SM", value)

    def samples(self, value: str) -> str:
        return ";".join(self.sample(s) for s in value.split(";")) if value else value


def pseudonymize(result: CohortResult, pz: Pseudonymizer) -> tuple[list[str], list[dict], list[dict], list[dict]]:
    """Columns, rows, problems and conflicts with ids replaced and dates left out (the cohort's date
    columns, and any date column the clinical rules add)."""
    drop = set(DATE_COLUMNS) | {c for c in result.columns if any(isinstance(r.get(c), dt.date) for r in result.rows)}
    columns = [c for c in result.columns if c not in drop]
    rows = []
    for r in result.rows:
        out = {c: r[c] for c in columns}
        out["patient_id"] = pz.patient(r["patient_id"])
        out["sample"] = pz.sample(r["sample"])
        out["samples"] = pz.samples(r["samples"])
        if "drugs" in out:  # an unknown drug is kept as typed: free text may hold anything
            out["drugs"] = drug_list_text(out["drugs"])
        rows.append(out)
    problems = [problem_row(p, pz) for p in result.problems]
    conflicts = [{**c, "patient_id": pz.patient(c["patient_id"]), "sample": pz.sample(c["sample"]),
                  "collection_date": None} for c in result.conflicts]
    return columns, rows, problems, conflicts


def problem_columns(problems: Iterable[Problem]) -> tuple[str, ...]:
    """The problems table's columns; ``file`` (before ``row``) only when the clinical records came
    from several files (a public cohort), so a row number says which file it counts in."""
    if not any(p.file for p in problems):
        return PROBLEM_COLUMNS
    return ("kind", "file", *PROBLEM_COLUMNS[1:])


def problem_row(p: Problem, pz: Pseudonymizer | None = None) -> dict[str, Any]:
    value = p.value
    if pz is not None:
        if p.kind in ID_VALUE_KINDS:
            value = pz.patient(value)
        elif p.kind in DATE_VALUE_KINDS and value:
            value = "[date withheld]"
        elif value and not p.value_is_safe():  # free text may hold a name, a birth date...
            value = "[withheld]"
    return {"kind": p.kind, "file": p.file, "row": p.row, "column": p.column, "value": value,
            "patient_id": pz.patient(p.patient) if pz else p.patient,
            "sample": pz.sample(p.sample) if pz else p.sample,
            "left_out_of": ";".join(p.analyses), "message": p.message}


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------
def sibling(path: str, suffix: str) -> str:
    """cohort.tsv -> cohort.problems.tsv"""
    base = path[:-4] if path.lower().endswith(".tsv") else path
    return f"{base}.{suffix}.tsv"


def write_cohort(result: CohortResult, out_tsv: str, *, xlsx: str | None = None, parquet: str | None = None,
                 cbioportal: str | None = None, pseudonymizer: Pseudonymizer | None = None,
                 study_id: str = "her2var_cohort", build: str | None = None,
                 rules: Rules | None = None, note: str = "", inputs: Sequence[Named] = ()) -> list[str]:
    """Write every requested output, all or nothing. Returns the paths written. ``inputs``: the files
    the cohort was built from, none of which an output may overwrite (check_outputs). ``rules`` (default:
    the built-in ones) place the cBioPortal study's events of the other genome build. ``note``
    (e.g. that the cohort is synthetic) labels the workbook: its properties, a README sheet, every
    printed page header."""
    if parquet and not parquet_available():
        raise UsageError("--parquet needs the optional Parquet support: pip install 'her2var[parquet]'")
    with paused_gc():  # many small objects that live to the end (see paused_gc)
        if pseudonymizer is not None:
            columns, rows, problems, conflicts = pseudonymize(result, pseudonymizer)
        else:
            columns, rows = result.columns, None  # written from the records (result.rows only if asked)
            problems = [problem_row(p) for p in result.problems]
            conflicts = result.conflicts
    pcols = problem_columns(result.problems)
    check_outputs(out_tsv, xlsx=xlsx, parquet=parquet, inputs=inputs)
    staged = Staged(inputs)
    written: list[str] = []
    with paused_gc():
        try:
            with staged.text(out_tsv) as fh:
                if rows is None:
                    write_records(fh, columns, result.current_records())
                else:
                    write_tsv(fh, columns, rows)
            written.append(out_tsv)
            for path, cols, rs in ((sibling(out_tsv, "problems"), pcols, problems),
                                   (sibling(out_tsv, "conflicts"), CONFLICT_COLUMNS, conflicts)):
                with staged.text(path) as fh:
                    write_tsv(fh, cols, rs)
                written.append(path)
            whole = rows if rows is not None else result.rows if xlsx or parquet else []
            if xlsx:
                sheets = [("cohort", columns, whole), ("problems", pcols, problems),
                          ("conflicts", CONFLICT_COLUMNS, conflicts)]
                staged.file(xlsx, lambda tmp: write_xlsx(tmp, sheets, note=note))
                written.append(xlsx)
            if parquet:
                staged.file(parquet, lambda tmp: write_parquet(tmp, columns, whole))
                written.append(parquet)
            if cbioportal:
                from .cbioportal import write_study

                folder = staged.folder(cbioportal)
                write_study(folder, result, study_id=study_id, pseudonymizer=pseudonymizer, build=build,
                            rules=rules)
                written.append(cbioportal)
            staged.commit()
        except BaseException:
            staged.discard()
            raise
    return written


def write_xlsx(path: str, sheets: Sequence[tuple[str, Iterable[str], list[dict[str, Any]]]], *,
               note: str = "") -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    with workbook_writing(wb):  # no 'Exception ignored' traces when it fails midway
        replaced: Counter[str] = Counter()
        if note:
            wb.properties.title = neutralise(note)
            wb.properties.keywords = "SYNTHETIC" if "SYNTHETIC" in note else None
        for title, columns, rows in sheets:
            columns = list(columns)
            ws = wb.create_sheet(title)
            if note:
                ws.oddHeader.center.text = neutralise(note).replace("&", "&&")
                ws.sheet_properties.tabColor = "D55E00"
            ws.append(columns)
            for r in rows:
                ws.append([_xlsx_cell(c, r.get(c), replaced) for c in columns])
        if note:
            wb.create_sheet("README").append([neutralise(note)])
        if replaced:
            log.warning("%s: %d cell(s) of column(s) %s held control characters a workbook cannot store; written "
                        "there as U+FFFD", path, sum(replaced.values()), ", ".join(sorted(replaced)))
        wb.save(path)


def _xlsx_cell(column: str, value: Any, replaced: Counter[str]) -> Any:
    """A cell as the workbook stores it. XML 1.0 has no control characters but tab, newline and
    carriage return (openpyxl refuses the others, with the value in its message): each is written
    as U+FFFD and counted by column, so a run never fails, or leaks the value, over one cell."""
    out = _xlsx_value(column, value)
    if isinstance(out, str) and _XML_ILLEGAL.search(out):
        replaced[column] += 1
        out = _XML_ILLEGAL.sub("\ufffd", out)
    return out


def _xlsx_value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and column.endswith("_months"):
        return round(value, 4)
    if isinstance(value, (int, float, dt.date)):
        return value
    return neutralise(str(value))


def parquet_available() -> bool:
    return any(importlib.util.find_spec(m) is not None for m in ("pyarrow", "fastparquet"))


def write_parquet(path: str, columns: list[str], rows: list[dict[str, Any]]) -> None:
    parquet_frame(columns, rows).to_parquet(path, index=False)


def parquet_frame(columns: list[str], rows: list[dict[str, Any]]) -> Any:
    """The cohort as a typed DataFrame. A column holding numbers and text (a lab value and "not
    tested") is written as text, as in cohort.tsv: Parquet columns have one type."""
    import pandas as pd

    frame = pd.DataFrame.from_records(rows, columns=columns)
    for c in columns:
        if c.endswith(("_days", "_event")) or c == "n_samples":
            # days from months (a public cohort's survival) are not whole: kept as floats
            whole = all(r.get(c) is None or float(r[c]).is_integer() for r in rows)
            frame[c] = frame[c].astype("Int64" if whole else "Float64")
            continue
        kinds = {type(r.get(c)) for r in rows} - {type(None)}
        if str in kinds and len(kinds) > 1:
            frame[c] = pd.Series([None if r.get(c) is None else fmt(c, r.get(c)) for r in rows], dtype=object)
    return frame
