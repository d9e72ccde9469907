"""The cohort table read for a plan: who is in which analysis, with which values, and why not.

cohort.tsv (tab-separated, as ``her2var cohort`` writes it; a ``.csv`` is read comma-separated)
is read as text: an empty cell is missing, anything else is a value ("NA" is a value, not a
missing cell; "not tested" is no value and is counted apart). Numbers are parsed only where the
plan needs them; a cell that is not a number there is an error naming the line, the patient and
the column. Every patient left out of an
analysis gets a reason, listed in the outputs.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import limits
from ..errors import InputError, shown
from ..files import read_input
from ..models import NOT_TESTED
from .plan import Categories, Plan

ALL = "all"  # the level that stands for every patient of the population (a curve, a response block)

RESPONSES = ("CR", "PR", "SD", "PD", "NE")
MAX_LISTED = 12


@dataclass
class CohortTable:
    path: str
    sha256: str
    columns: list[str]
    cells: dict[str, np.ndarray]  # column -> object array of str or None
    lines: np.ndarray  # line number of each row in the file

    @property
    def n(self) -> int:
        return len(self.lines)


def read_cohort(path: str) -> CohortTable:
    """Read cohort.tsv (or .csv) as text cells; empty cells are None."""
    source = read_input(path, what="the cohort table (cohort.tsv)", advice="save the cohort as UTF-8 TSV",
                        source="the cohort table written by 'her2var cohort'")
    digest = hashlib.sha256(source.raw).hexdigest()
    if "\x00" in source.text:
        raise InputError(f"{path}: contains NUL bytes: a binary file, not a cohort table")
    delimiter = "," if path.lower().endswith(".csv") else "\t"
    lines = source.lines()
    header_at = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if header_at is None:
        raise InputError(f"{path}: the file is empty; expected a header row and one row per patient")
    header = [h.strip() for h in next(csv.reader([lines[header_at]], delimiter=delimiter))]
    if len(header) < 2:
        other = "comma" if delimiter == "\t" else "tab"
        raise InputError(f"{path}:{header_at + 1}: the header has one column; is this a "
                         f"{'tab' if delimiter == chr(9) else 'comma'}-separated table? (found: "
                         f"{shown(header[0])}; a {other}-separated file needs the matching extension)")
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if not h:
            raise InputError(f"{path}:{header_at + 1}: column {i + 1} has no name")
        if h in seen:
            raise InputError(f"{path}:{header_at + 1}: column {shown(h)} appears twice (columns {seen[h] + 1} "
                             f"and {i + 1})")
        seen[h] = i
    # Each row is stripped as it is read (its cells are fresh in memory) and kept as a tuple of str
    # or None (the collector stops tracking such tuples, so a large cohort does not make each of its
    # passes longer); the columns are then cut out of one array of all the cells. Walking the rows
    # column by column instead touches every cell object out of order, which at 100,000 patients
    # costs more per cell than at 10,000.
    rows: list[tuple[str | None, ...]] = []
    numbers: list[int] = []
    reader = csv.reader(lines[header_at + 1:], delimiter=delimiter,
                        quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL)
    for k, cells in enumerate(reader):
        lineno = header_at + 2 + k
        row = tuple([c.strip() or None for c in cells])
        if not any(row):
            continue
        if len(row) != len(header):
            raise InputError(f"{path}:{lineno}: {len(row)} fields but the header has {len(header)}")
        rows.append(row)
        numbers.append(lineno)
        if len(rows) > limits.current().max_table_rows:
            raise InputError(f"{path}:{lineno}: more than {limits.current().max_table_rows:,} rows "
                             f"{limits.exceeded('max_table_rows')}")
    if not rows:
        raise InputError(f"{path}: a header but no patients; expected one row per patient")
    flat = np.empty(len(rows) * len(header), dtype=object)
    flat[:] = list(itertools.chain.from_iterable(rows))
    del rows
    grid = flat.reshape(-1, len(header))
    cols = {h: grid[:, j].copy() for j, h in enumerate(header)}
    return CohortTable(path, digest, header, cols, np.asarray(numbers))


def check_columns(table: CohortTable, plan: Plan) -> None:
    """Every column the plan names must be in the cohort; the error lists what is there."""
    need = plan.columns()
    missing = [(c, w) for c, w in need.items() if c not in table.columns]
    if missing:
        named = "; ".join(f"{shown(c)} (plan: {w})" for c, w in missing)
        raise InputError(
            f"{table.path}: the plan {shown(plan.name)} ({plan.source}) names column(s) the cohort lacks: {named}. "
            f"The cohort's columns are: {', '.join(shown(c, bare=True) for c in table.columns)}. "
            "Fix the column names in a copy of the "
            "plan (--plan my_plan.yaml) or rebuild the cohort with 'her2var cohort'.")


@dataclass
class Prepared:
    """The cohort as the plan sees it. Arrays have one entry per cohort row."""

    table: CohortTable
    plan: Plan
    ids: np.ndarray
    in_population: np.ndarray
    groups: dict[str, np.ndarray] = field(default_factory=dict)  # grouping name -> level or None
    subgroups: dict[str, np.ndarray] = field(default_factory=dict)
    times: dict[str, np.ndarray] = field(default_factory=dict)  # endpoint -> float (nan: not in)
    events: dict[str, np.ndarray] = field(default_factory=dict)
    entries: dict[str, np.ndarray] = field(default_factory=dict)  # endpoint with entry: -> float (nan: not in)
    in_endpoint: dict[str, np.ndarray] = field(default_factory=dict)
    response: np.ndarray | None = None  # CR/PR/SD/PD/NE or None
    in_response: np.ndarray | None = None
    in_table1: np.ndarray | None = None
    exclusions: list[dict[str, Any]] = field(default_factory=list)
    # grouping or subgroup with ``multiple: all`` -> the levels of each row (a tuple; () when none
    # or outside the population). Such a patient's entry in groups/subgroups is None when they are
    # in several levels: an analysis that needs one level per patient (Cox) leaves them out.
    overlaps: dict[str, np.ndarray] = field(default_factory=dict)

    def where(self, i: int, column: str) -> str:
        return (f"{self.table.path}:{self.table.lines[i]} (patient {shown(self.ids[i], bare=True)}), "
                f"column {shown(column)}")

    def labels(self, name: str) -> np.ndarray:
        return self.groups[name] if name in self.groups else self.subgroups[name]

    def member(self, name: str, level: str) -> np.ndarray:
        """Whether each row is in ``level`` of the grouping or subgroup ``name``."""
        if name in self.overlaps:
            return np.array([level in m for m in self.overlaps[name]], dtype=bool)
        return np.asarray(self.labels(name) == level, dtype=bool)

    def grouped(self, name: str) -> np.ndarray:
        """Whether each row is in some level of ``name``."""
        if name in self.overlaps:
            return np.array([bool(m) for m in self.overlaps[name]], dtype=bool)
        return np.array([x is not None for x in self.labels(name)], dtype=bool)

    def expand(self, name: str, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row indices, level) of the selected rows that have a level of ``name``; with
        ``multiple: all`` a patient in k levels appears k times, once with each."""
        if name not in self.overlaps:
            labels = self.labels(name)
            idx = np.flatnonzero(sel & np.array([x is not None for x in labels], dtype=bool))
            return idx, labels[idx].astype(str) if len(idx) else np.array([], dtype=str)
        members = self.overlaps[name]
        pairs = [(i, lv) for i in np.flatnonzero(sel).tolist() for lv in members[i]]
        return (np.array([i for i, _ in pairs], dtype=int),
                np.array([lv for _, lv in pairs], dtype=str) if pairs else np.array([], dtype=str))

    def overlap_counts(self, name: str, sel: np.ndarray | None = None) -> tuple[int, int]:
        """(patients in several levels of ``name``, extra rows they add) among ``sel`` (default all)."""
        if name not in self.overlaps:
            return 0, 0
        rows = np.flatnonzero(sel) if sel is not None else np.arange(len(self.overlaps[name]))
        sizes = [len(self.overlaps[name][i]) for i in rows.tolist()]
        return sum(1 for k in sizes if k > 1), sum(k - 1 for k in sizes if k > 1)


def _number(prep: Prepared, i: int, column: str, raw: str) -> float:
    try:
        x = float(raw)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        raise InputError(f"{prep.where(i, column)}: the value is not a number; expected a finite number "
                         "or an empty cell")
    return x


def numbers(prep: Prepared, column: str, rows: np.ndarray | None = None) -> np.ndarray:
    """The column as floats (NaN where empty or "not tested") for the selected rows (default: all);
    errors name the cell."""
    cells = prep.table.cells[column]
    out = np.full(prep.table.n, np.nan)
    idx = range(prep.table.n) if rows is None else np.flatnonzero(rows).tolist()
    at: list[int] = []
    values: list[float] = []
    seen: dict[str, float] = {}  # each distinct text read once (its first cell named if it is no number)
    for i in idx:
        raw = cells[i]
        if raw is not None and raw != NOT_TESTED:
            x = seen.get(raw)
            if x is None:
                x = seen[raw] = _number(prep, i, column, raw)
            at.append(i)
            values.append(x)
    out[at] = values
    return out


def categories(prep: Prepared, cats: Categories) -> tuple[np.ndarray, np.ndarray]:
    """(level or None, reason) per row."""
    cells = prep.table.cells[cats.column]
    levels = np.empty(prep.table.n, dtype=object)
    reasons = np.empty(prep.table.n, dtype=object)
    cache: dict[Any, tuple[str | None, str]] = {}
    for raw in cells:
        if raw not in cache:
            cache[raw] = cats.assign(raw)
    found = list(map(cache.__getitem__, cells))
    levels[:] = [level for level, _ in found]
    reasons[:] = [reason for _, reason in found]
    return levels, reasons


def _require_yes(prep: Prepared, columns: tuple[str, ...], keep: np.ndarray, analysis: str) -> None:
    cohort_reasons = prep.table.cells.get("exclusions")
    for col in columns:
        cells = prep.table.cells[col]
        for i in np.flatnonzero(keep):
            v = cells[i]
            if v != "yes":
                why = f"{col} = {shown(v, bare=True) if v is not None else 'empty'}"
                if cohort_reasons is not None and cohort_reasons[i]:
                    why += f" (cohort: {shown(cohort_reasons[i], 300, bare=True)})"
                prep.exclusions.append({"patient_id": prep.ids[i], "analysis": analysis, "reason": why})
                keep[i] = False


def _entry_times(prep: Prepared, endpoint: str, column: str, time_column: str, t: np.ndarray,
                 keep: np.ndarray) -> np.ndarray:
    """Delayed-entry times of an endpoint; patients without one, or entering only when their
    follow-up ends, are left out of it with a reason (R's Surv(entry, time) makes them NA)."""
    entry = numbers(prep, column, keep)
    for i in np.flatnonzero(keep).tolist():
        if np.isnan(entry[i]):
            why = f"{column} is empty (the entry time is needed with delayed entry)"
        elif entry[i] < 0:
            raise InputError(f"{prep.where(int(i), column)}: {entry[i]:g} is negative; expected an entry time >= 0")
        elif entry[i] >= t[i]:
            why = (f"{column} = {entry[i]:g} is not before {time_column} = {t[i]:g}: "
                   "never at risk after entry")
        else:
            continue
        prep.exclusions.append({"patient_id": prep.ids[i], "analysis": endpoint, "reason": why})
        keep[i] = False
    entry[~keep] = np.nan
    return entry


def _overlaps(prep: Prepared, name: str, cats: Categories) -> None:
    """Every level of each patient in the population (``multiple: all``); one level per patient
    stays in groups/subgroups only for those in one level."""
    cells = prep.table.cells[cats.column]
    cache: dict[Any, tuple[str, ...]] = {}
    members = np.empty(prep.table.n, dtype=object)
    for i, raw in enumerate(cells):
        if raw not in cache:
            cache[raw] = cats.assign_all(raw)[0]
        members[i] = cache[raw] if prep.in_population[i] else ()
    prep.overlaps[name] = members
    several = np.array([len(m) > 1 for m in members], dtype=bool)
    prep.labels(name)[several] = None


def prepare(table: CohortTable, plan: Plan) -> Prepared:
    """Population, groups, endpoint times/events, responses; exclusions with reasons."""
    check_columns(table, plan)
    ids = table.cells[plan.id_column]
    empty = np.flatnonzero([v is None for v in ids])
    if len(empty):
        raise InputError(f"{table.path}:{table.lines[empty[0]]}: no patient id in column {shown(plan.id_column)} "
                         f"({len(empty)} row(s) without one)")
    uniq, counts = np.unique(ids.astype(str), return_counts=True)
    dup = uniq[counts > 1]
    if len(dup):
        raise InputError(f"{table.path}: patient id(s) {', '.join(shown(str(x), bare=True) for x in dup[:MAX_LISTED])} "
                         f"appear more than once in column {shown(plan.id_column)}; the cohort has one row per patient")
    n = table.n
    prep = Prepared(table=table, plan=plan, ids=ids, in_population=np.ones(n, dtype=bool))
    for cond in plan.population:
        cells = table.cells[cond.column]
        for i in range(n):
            if prep.in_population[i] and not cond.holds(cells[i]):
                prep.in_population[i] = False
                v = shown(cells[i], bare=True) if cells[i] is not None else "empty"
                prep.exclusions.append({"patient_id": ids[i], "analysis": "all",
                                        "reason": f"not in the plan's population: {cond.label} ({cond.column} = {v})"})
    pop = prep.in_population
    for g in plan.groupings:
        levels, reasons = categories(prep, g.categories)
        prep.groups[g.name] = np.where(pop, levels, None)  # type: ignore[call-overload]  # None fill: object array
        for i in np.flatnonzero(pop & np.array([lv is None for lv in levels])).tolist():
            prep.exclusions.append({"patient_id": ids[i], "analysis": f"grouping {g.name}", "reason": reasons[i]})
    for s in plan.subgroups:
        levels, _ = categories(prep, s.categories)
        prep.subgroups[s.name] = np.where(pop, levels, None)  # type: ignore[call-overload]  # as above
    for grouping in (*plan.groupings, *plan.subgroups):
        if grouping.categories.multiple == "all":
            _overlaps(prep, grouping.name, grouping.categories)

    for ep in plan.endpoints:
        keep = pop.copy()
        _require_yes(prep, ep.require_yes, keep, ep.name)
        t = numbers(prep, ep.time, keep)
        e = numbers(prep, ep.event, keep)
        for i in np.flatnonzero(keep).tolist():
            if np.isnan(t[i]) or np.isnan(e[i]):
                col = ep.time if np.isnan(t[i]) else ep.event
                prep.exclusions.append({"patient_id": ids[i], "analysis": ep.name, "reason": f"{col} is empty"})
                keep[i] = False
            elif t[i] < 0:
                raise InputError(f"{prep.where(int(i), ep.time)}: {t[i]:g} is negative; expected a time >= 0")
            elif e[i] not in (0.0, 1.0):
                raise InputError(f"{prep.where(int(i), ep.event)}: {shown(table.cells[ep.event][i])}; expected 1 "
                                 "(event) or 0 (censored)")
        if ep.entry is not None:
            prep.entries[ep.name] = _entry_times(prep, ep.name, ep.entry, ep.time, t, keep)
        t[~keep], e[~keep] = np.nan, np.nan
        prep.times[ep.name], prep.events[ep.name], prep.in_endpoint[ep.name] = t, e, keep

    if plan.response is not None:
        keep = pop.copy()
        _require_yes(prep, plan.response.require_yes, keep, "response")
        cells = table.cells[plan.response.column]
        codes = np.empty(n, dtype=object)
        for i in np.flatnonzero(keep).tolist():
            raw = cells[i]
            if raw is None:
                prep.exclusions.append({"patient_id": ids[i], "analysis": "response",
                                        "reason": f"{plan.response.column} is empty"})
                keep[i] = False
                continue
            code = raw.strip().upper()
            if code not in RESPONSES:
                raise InputError(f"{prep.where(int(i), plan.response.column)}: {shown(raw)} is not a RECIST best "
                                 f"response; expected one of {', '.join(RESPONSES)}")
            codes[i] = code
        prep.response, prep.in_response = codes, keep

    keep = pop & prep.grouped(plan.groupings[0].name)
    _require_yes(prep, plan.table1_require_yes, keep, "table1")
    prep.in_table1 = keep
    return prep


def exclusion_summary(exclusions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (analysis, reason) with the number of patients and the first few ids."""
    by: dict[tuple[str, str], list[str]] = {}
    for x in exclusions:
        by.setdefault((x["analysis"], x["reason"]), []).append(str(x["patient_id"]))
    out = []
    for (analysis, reason), pids in by.items():
        more = f", ... ({len(pids) - MAX_LISTED} more)" if len(pids) > MAX_LISTED else ""
        listed = ", ".join(pids[:MAX_LISTED]) + more
        out.append({"analysis": analysis, "reason": reason, "n": len(pids), "patients": listed})
    return out
