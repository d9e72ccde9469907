"""Writing the cohort: cohort.tsv (+ .problems.tsv, .conflicts.tsv), Excel, Parquet, and keyed
pseudonyms.

Every output is first written to a temporary file beside its target; only when all of them are
written are they renamed into place (``Staged``), so a failure leaves no partial output.
Spreadsheet cells that start with = + - @ (or a tab / carriage return) are neutralised with a
leading apostrophe unless they are numbers: a patient id like ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import importlib.util
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any

from ..errors import InputError, UsageError
from ..files import FORMULA_START, neutralise, replace_folder, sync_file, temp_beside, write_failed
from ..rules.load import Rules
from .build import DATE_COLUMNS, CohortResult, paused_gc
from .problems import Problem

PROBLEM_COLUMNS = ("kind", "row", "column", "value", "patient_id", "sample", "left_out_of", "message")
CONFLICT_COLUMNS = ("patient_id", "sample", "chosen", "status", "collection_date", "her2_status",
                    "erbb2_events", "assessed", "cn_assessed")
ID_VALUE_KINDS = ("duplicate_patient", "missing_patient_id")
DATE_VALUE_KINDS = ("future_date", "after_cutoff", "date_order")
MIN_KEY_BYTES = 16


# ---------------------------------------------------------------------------------------------
# Staged, all-or-nothing writing
# ---------------------------------------------------------------------------------------------
class Staged:
    """Collect outputs in temporary files; ``commit`` renames them all into place. The atomic
    writing rule of her2var/files.py (temporary beside the target, flushed, renamed), for several
    outputs at once."""

    def __init__(self) -> None:
        self._files: list[tuple[str, str]] = []  # (tmp, final)
        self._dirs: list[tuple[str, str]] = []

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
        """A temporary folder that becomes ``path`` on commit (an earlier export there is replaced)."""
        if os.path.exists(path):
            if not os.path.isdir(path):
                raise UsageError(f"{path}: exists and is not a folder")
            if os.listdir(path) and not os.path.exists(os.path.join(path, "meta_study.txt")):
                raise UsageError(f"{path}: exists, is not empty and is not a cBioPortal study; give a new "
                                 "or empty folder")
        tmp = temp_beside(path, folder=True)
        self._dirs.append((tmp, path))
        return tmp

    def commit(self) -> None:
        for tmp, final in self._files:
            os.replace(tmp, final)
        for tmp, final in self._dirs:
            replace_folder(tmp, final)
        self._files, self._dirs = [], []

    def discard(self) -> None:
        for tmp, _ in self._files:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for tmp, _ in self._dirs:
            shutil.rmtree(tmp, ignore_errors=True)
        self._files, self._dirs = [], []


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------
def fmt(column: str, value: Any) -> str:
    """A cohort value as TSV text."""
    if value is None:
        return ""
    if isinstance(value, str):
        if not value:
            return value
        if "\t" in value or "\n" in value or "\r" in value:
            value = value.replace("\t", " ").replace("\r", " ").replace("\n", " ")
        return neutralise(value) if value[0] in FORMULA_START else value
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


def _column_text(column: str, values: list[Any]) -> list[str]:
    out: list[str] = []
    append = out.append
    for v in values:
        if v is None:
            append("")
        elif type(v) is str:
            append(fmt(column, v) if v and (v[0] in FORMULA_START or "\t" in v or "\n" in v or "\r" in v) else v)
        else:
            append(fmt(column, v))
    return out


def write_tsv(fh: IO[str], columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> None:
    """Header and rows; formatted column by column (fast for 100,000 rows)."""
    columns = list(columns)
    rows = list(rows)
    fh.write("\t".join(columns) + "\n")
    texts = [_column_text(c, [r.get(c) for r in rows]) for c in columns]
    step = 5000
    for i in range(0, len(rows), step):
        fh.write("\n".join("\t".join(t) for t in zip(*(col[i:i + step] for col in texts), strict=True)) + "\n")


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
        try:
            with open(path, "rb") as fh:
                key = fh.read()
        except OSError as exc:
            raise UsageError(f"--pseudonymize {path}: cannot read the key file ({exc.strerror or exc})") from exc
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
        rows.append(out)
    problems = [problem_row(p, pz) for p in result.problems]
    conflicts = [{**c, "patient_id": pz.patient(c["patient_id"]), "sample": pz.sample(c["sample"]),
                  "collection_date": None} for c in result.conflicts]
    return columns, rows, problems, conflicts


def problem_row(p: Problem, pz: Pseudonymizer | None = None) -> dict[str, Any]:
    value = p.value
    if pz is not None:
        if p.kind in ID_VALUE_KINDS:
            value = pz.patient(value)
        elif p.kind in DATE_VALUE_KINDS and value:
            value = "[date withheld]"
    return {"kind": p.kind, "row": p.row, "column": p.column, "value": value,
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
                 rules: Rules | None = None, note: str = "") -> list[str]:
    """Write every requested output, all or nothing. Returns the paths written. ``rules`` (default:
    the built-in ones) place the cBioPortal study's events of the other genome build. ``note``
    (e.g. that the cohort is synthetic) labels the workbook: its properties, a README sheet, every
    printed page header."""
    if parquet and not parquet_available():
        raise UsageError("--parquet needs the optional Parquet support: pip install 'her2var[parquet]'")
    if pseudonymizer is not None:
        columns, rows, problems, conflicts = pseudonymize(result, pseudonymizer)
    else:
        columns, rows = result.columns, result.rows
        problems = [problem_row(p) for p in result.problems]
        conflicts = result.conflicts
    staged = Staged()
    written: list[str] = []
    with paused_gc():
        try:
            for path, cols, rs in ((out_tsv, columns, rows), (sibling(out_tsv, "problems"), PROBLEM_COLUMNS, problems),
                                   (sibling(out_tsv, "conflicts"), CONFLICT_COLUMNS, conflicts)):
                with staged.text(path) as fh:
                    write_tsv(fh, cols, rs)
                written.append(path)
            if xlsx:
                sheets = [("cohort", columns, rows), ("problems", PROBLEM_COLUMNS, problems),
                          ("conflicts", CONFLICT_COLUMNS, conflicts)]
                staged.file(xlsx, lambda tmp: write_xlsx(tmp, sheets, note=note))
                written.append(xlsx)
            if parquet:
                staged.file(parquet, lambda tmp: write_parquet(tmp, columns, rows))
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
            ws.append([_xlsx_value(c, r.get(c)) for c in columns])
    if note:
        wb.create_sheet("README").append([neutralise(note)])
    wb.save(path)


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
            frame[c] = frame[c].astype("Int64")
            continue
        kinds = {type(r.get(c)) for r in rows} - {type(None)}
        if str in kinds and len(kinds) > 1:
            frame[c] = pd.Series([None if r.get(c) is None else fmt(c, r.get(c)) for r in rows], dtype=object)
    return frame
