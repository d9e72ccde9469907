"""Clinical records: find the columns (synonyms from clinical.yaml), read every value into its
type, and report every problem at once.

Two kinds of trouble, kept apart on purpose:
- a file that cannot be read as intended (missing required column, two columns meaning one
  field, mixed or unreadable dates, non-numeric ages) is an InputError listing every such cell;
  nothing is written;
- values that are readable but wrong (unknown response words, unknown drugs, dates in the future
  or after the cut-off, progression before the start, duplicate patients, ...) are Problems: by
  default the patient is left out of the analyses the value feeds and listed with the reason;
  ``--strict`` turns any Problem into an error.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass, field, fields
from itertools import repeat
from typing import Any, cast

from ..errors import shown
from ..models import NOT_TESTED
from ..tables import Cell, RawTable, cell_text, read_table
from .calls import SheetRow
from .dates import DATE_FIELDS, choose_date_format_of_columns, strptime
from .problems import Errors, Problem
from .rules import ANALYSES, ClinicalRules, ColumnRule, RegimenRules, drug_key, norm

log = logging.getLogger(__name__)

_DRUG_SPLIT = re.compile(r"\s*(?:\+|,|;|/|\||&|\band\b|\bplus\b|\bwith\b)\s*", re.IGNORECASE)
_SITE_SPLIT = re.compile(r"\s*(?:,|;|/|\||\+|&|\band\b)\s*", re.IGNORECASE)
_PARENS = re.compile(r"\([^)]*\)")


@dataclass(frozen=True)
class Interval:
    """Survival given as a time from an index and an event, not as dates: public cohorts
    (cBioPortal studies, GENIE BPC) publish it this way and withhold calendar dates, so none is
    made up. ``entry_days`` (delayed entry, left truncation): the patient was at risk only from
    then on, e.g. from the sequencing report that brought them into the data set."""

    days: float
    event: int  # 1 event, 0 censored
    origin: str  # what time zero is, e.g. "first-line regimen start"
    entry_days: float | None = None


@dataclass
class Patient:
    """One patient's clinical record, typed. Dates are datetime.date; missing values are None."""

    row: int
    patient_id: str
    sex: str | None = None
    age: float | None = None
    birth_date: dt.date | None = None
    smoking: str | None = None
    ecog: str | None = None
    stage: str | None = None
    histology: str | None = None
    mets: dict[str, str | None] = field(default_factory=dict)
    drugs: tuple[str, ...] = ()
    drug_classes: frozenset[str] = frozenset()
    unknown_drugs: tuple[str, ...] = ()  # drug names no regimens file knows, as written
    regimen_given: str | None = None
    treatment_start: dt.date | None = None
    progression_date: dt.date | None = None
    death_date: dt.date | None = None
    last_followup: dt.date | None = None
    best_response: str | None = None
    cutoff: dt.date | None = None
    excluded: dict[str, list[str]] = field(default_factory=dict)  # analysis -> reasons
    extra: dict[str, Cell] = field(default_factory=dict)  # the rules' own columns, typed (read_extra)
    # Public cohorts: survival as intervals ("pfs"/"os" -> Interval; used instead of dates), and the
    # values of ClinicalTable.study_columns.
    intervals: dict[str, Interval] = field(default_factory=dict)
    study: dict[str, Cell] = field(default_factory=dict)

    def exclude(self, analyses: tuple[str, ...] | list[str], reason: str) -> None:
        for a in (ANALYSES if "all" in analyses else analyses):
            reasons = self.excluded.setdefault(a, [])
            if reason not in reasons:
                reasons.append(reason)


@dataclass
class ClinicalTable:
    path: str
    columns: dict[str, str]  # field -> header as written
    patients: list[Patient]
    problems: list[Problem]
    ignored_columns: list[str]
    date_format: str | None
    n_rows: int
    # Records read from a public cohort (her2var.studies): the sample -> patient map of its sample
    # table, the cohort columns only such records have, and the patients and samples of the source
    # outside the cohort (other cancer types, patients outside GENIE BPC): their classified samples
    # are left out, counted once.
    samples: dict[str, SheetRow] | None = None
    study_columns: tuple[str, ...] = ()
    outside: frozenset[str] = frozenset()
    left_out_samples: frozenset[str] = frozenset()


class _Missing:
    """Is a cell text one of the rules' "no value" words? Cached: the same texts recur."""

    def __init__(self, rules: ClinicalRules):
        self.words = rules.missing
        self.cache: dict[str, bool] = {}

    def __call__(self, text: str) -> bool:
        hit = self.cache.get(text)
        if hit is None:
            hit = self.cache[text] = self.of_id(text)
        return hit

    def of_id(self, text: str) -> bool:
        """The same test for a text seldom seen twice, such as a patient id: not cached."""
        return not text or norm(text) in self.words

    def in_none(self, texts: Sequence[str]) -> bool:
        """True when none of the texts is a "no value" word, found at once for texts of ASCII
        letters and digits only (as patient ids usually are: their normal form is their lower
        case); False when some text is not of that kind or some may be such a word."""
        joined = "".join(texts)
        if not (all(texts) and joined.isascii() and joined.isalnum()):  # each text such, and not empty
            return False
        return self.words.isdisjoint("\n".join(texts).lower().split("\n"))


# ---------------------------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------------------------
def map_columns(table: RawTable, rules: ClinicalRules) -> tuple[dict[str, int], list[str]]:
    """field -> column index; unknown headers are returned to be logged (names only)."""
    errors = Errors(table)
    found: dict[str, int] = {}
    ignored = []
    for i, header in enumerate(table.header):
        target = rules.header_index.get(norm(header)) if header else None
        if target is None:
            if header:
                ignored.append(header)
            continue
        if target in found:
            first = table.header[found[target]]
            errors.add(1, None, f"columns {shown(first)} and {shown(header)} both mean {target}; keep one "
                       "(or rename the other)")
            continue
        found[target] = i
    for name, col in rules.columns.items():
        if col.required and name not in found:
            tried = ", ".join(shown(s) for s in dict.fromkeys((name, *col.synonyms)))
            has = ", ".join(shown(h) for h in table.header[:40]) + (" ..." if len(table.header) > 40 else "")
            errors.add(1, None, f"no column for {name} (required); headers tried: {tried}; "
                       f"the file has: {has}")
    errors.raise_if_any("column problem(s)")
    return found, ignored


# ---------------------------------------------------------------------------------------------
# Reading the records
# ---------------------------------------------------------------------------------------------
def read_clinical(path: str, rules: ClinicalRules, regimens: RegimenRules, *, sheet: str | None = None,
                  date_format: str | None = None, cutoff: dt.date | None = None,
                  today: dt.date | None = None) -> ClinicalTable:
    """Read and validate clinical records. Raises InputError for unreadable cells (all listed)."""
    table = read_table(path, sheet, what="--clinical")
    cols, ignored = map_columns(table, rules)
    if ignored:
        log.info("%s: columns not used: %s", path, shown(", ".join(ignored), 300, bare=True))
    header = table.header
    errors = Errors(table)
    problems: list[Problem] = []
    missing = _Missing(rules)

    # Dates first: one format for the file.
    columns: list[Sequence[Cell]] = list(zip(*table.rows, strict=True)) or [() for _ in header]
    extra_dates = tuple(f for f in rules.extra_columns if rules.columns[f].type == "date")
    formats = (date_format,) if date_format else rules.date_formats
    dated = [cols[f] for f in (*DATE_FIELDS, *extra_dates) if f in cols]
    distinct = {i: set(columns[i]) for i in dated}  # shared with _clean_rows
    fmt, date_cache = choose_date_format_of_columns([(header[i], table.row_numbers, columns[i]) for i in dated],
                                                    formats, table, missing, [distinct[i] for i in dated])

    def as_date(c: Cell, rowno: int, column: str) -> dt.date | None:
        if c is None:
            return None
        if isinstance(c, dt.date):
            return c
        if isinstance(c, (int, float)):
            errors.add(rowno, column,
                       "a number, not a date (format the cell as a date; the value is not repeated here)")
            return None
        d = date_cache.get(c)
        if d is None and missing(c):
            return None
        if d is None:
            d = strptime(c, fmt) if fmt else None
            if d is None:  # pragma: no cover - choose_date_format read every text date
                errors.add(rowno, column, "not a date (the value is not repeated here: dates are patient data)")
                return None
            date_cache[c] = d
        return d

    category_cache: dict[tuple[str, str], str | None] = {}
    drug_cache: dict[str, tuple[tuple[str, ...], frozenset[str], tuple[str, ...]]] = {}
    patients: list[Patient] = []
    site_cols = {f.removeprefix("mets_"): i for f, i in cols.items() if f.startswith("mets_")}
    ready = _clean_rows(table, columns, distinct, cols, site_cols, rules, regimens, missing, fmt, category_cache,
                        date_cache, drug_cache)
    for rowno, cells, quick in zip(table.row_numbers, table.rows, ready, strict=True):
        if quick is not None:  # a row without a problem, read column by column (_clean_rows)
            patients.append(quick)
            continue
        # The helpers below run only within this iteration; the defaults bind this row's values.
        def raw(f: str, cells: list[Cell] = cells) -> Cell:
            return cells[cols[f]] if f in cols else None

        def text(f: str, cells: list[Cell] = cells) -> str:
            return cell_text(cells[cols[f]]) if f in cols else ""

        pid = text("patient_id")
        p = Patient(row=rowno, patient_id=pid)
        if missing(pid):
            problems.append(Problem("missing_patient_id", "no patient id: the row is left out",
                                    rowno, header[cols["patient_id"]], pid, analyses=ANALYSES))
            continue

        def problem(kind: str, f: str, value: str, message: str, analyses: tuple[str, ...] | None = None, *,
                    rowno: int = rowno, pid: str = pid, p: Patient = p) -> None:
            rule = rules.columns.get(f)
            a = analyses if analyses is not None else (rule.analyses if rule else ())
            a = ANALYSES if "all" in a else tuple(a)
            problems.append(Problem(kind, message, rowno, header[cols[f]] if f in cols else "", value,
                                    patient=pid, analyses=a))
            if a:
                p.exclude(a, message)

        # categories
        for f in ("sex", "smoking", "ecog", "stage", "histology", "best_response"):
            if f not in cols:
                continue
            value = text(f)
            vs = rules.columns[f].values or f
            hit = category_cache.get((vs, value), "?")
            if hit == "?":
                key = norm(value)
                hit = "" if key in rules.missing else rules.values[vs].get(key)
                category_cache[(vs, value)] = hit
            if hit == "":
                continue
            if hit is None:
                problem("unknown_value", f, value,
                        f"not a known {f.replace('_', ' ')} (expected one of {', '.join(rules.canonical[vs])}, "
                        "or a spelling listed in clinical.yaml)")
            setattr(p, f, hit)

        # age
        if "age" in cols:
            c = raw("age")
            if isinstance(c, (int, float)):
                p.age = float(c)
            elif isinstance(c, str) and not missing(c):
                try:
                    p.age = float(c.replace(",", "."))
                except ValueError:
                    errors.add(rowno, header[cols["age"]], "the age is not a number (write years, e.g. 63)")
            elif isinstance(c, dt.date):
                errors.add(rowno, header[cols["age"]], "the age cell holds a date, not a number of years")
            if p.age is not None and not 0 <= p.age <= 120:
                problem("out_of_range", "age", cell_text(c), "age outside 0-120 years")
                p.age = None

        # dates
        for f in DATE_FIELDS:
            if f in cols:
                setattr(p, f, as_date(raw(f), rowno, header[cols[f]]))

        # metastasis sites: yes/no columns and/or a list column
        listed: dict[str, str] | None = None
        if "metastasis_sites" in cols:
            value = text("metastasis_sites")
            if not missing(value):
                listed = _sites(value, rules, lambda v: problem(
                    "unknown_value", "metastasis_sites", v,
                    f"not a known metastasis site (expected {', '.join(rules.canonical['sites'])})"))
        for site in rules.metastasis_sites:
            yn = None
            if site in site_cols:
                value = cell_text(cells[site_cols[site]])
                if not missing(value):
                    yn = rules.values["yesno"].get(norm(value))
                    if yn is None:
                        problems.append(Problem("unknown_value", "not yes/no", rowno, header[site_cols[site]],
                                                value, patient=pid, analyses=("baseline",)))
                        p.exclude(("baseline",), f"{site} metastasis not yes/no")
            if listed is not None:
                # a list with a word not understood says nothing about the sites it does not name
                from_list = listed.get(site, None if listed.get("?") else "no")
                if yn is not None and from_list is not None and yn != from_list:
                    problem("conflict", "metastasis_sites", text("metastasis_sites"),
                            f"says {site} {'is' if from_list == 'yes' else 'is not'} a metastasis site, "
                            f"but column {shown(header[site_cols[site]])} says {yn}")
                yn = yn or from_list
            p.mets[site] = yn

        # the columns a rules file adds, typed as declared
        for f in rules.extra_columns:
            if f not in cols:
                continue

            def bad(value: str, message: str, f: str = f) -> None:
                problem("unknown_value", f, value, message)
            c = raw(f)
            p.extra[f] = as_date(c, rowno, header[cols[f]]) if f in extra_dates else read_extra(
                rules, rules.columns[f], c, missing, bad)

        # drugs and regimen
        if "drugs" in cols:
            value = text("drugs")
            if not missing(value):
                parsed = drug_cache.get(value)
                if parsed is None:
                    parsed = drug_cache[value] = parse_drugs(value, regimens)
                p.drugs, p.drug_classes, p.unknown_drugs = parsed
        if "regimen" in cols:
            value = text("regimen")
            if not missing(value):
                parts = [x.strip().upper() for x in re.split(r"[+/,;]| and ", value) if x.strip()]
                lookup = {c.upper(): c for c in regimens.class_order}
                lookup.update({n.upper(): c for c, n in regimens.class_names.items()})
                classes = {lookup.get(x) for x in parts}
                known = {c for c in classes if c is not None}
                if None in classes or not classes:
                    problem("unknown_value", "regimen", value,
                            f"not a combination of the classes {', '.join(regimens.class_order)}")
                else:
                    p.regimen_given = regimens.regimen_of(known)
                    if p.drug_classes and not p.unknown_drugs \
                            and regimens.regimen_of(set(p.drug_classes)) != p.regimen_given:
                        problem("conflict", "regimen", value,
                                f"the drugs make {regimens.regimen_of(set(p.drug_classes))}, the regimen "
                                f"column says {p.regimen_given}")
        # An unknown drug is this patient's problem: the regimen is unknown (or the regimen
        # column's, when one is given) and the patient leaves the regimen analyses only.
        for name in p.unknown_drugs:
            used = f"; the regimen column's {p.regimen_given} is used" if p.regimen_given else \
                "; the regimen is unknown"
            problem("unknown_drug", "drugs", name,
                    f"unknown drug: add it to a regimens file given with --regimens (drug -> class "
                    f"{', '.join(regimens.class_order)}){used}", () if p.regimen_given else None)
        patients.append(p)

    errors.raise_if_any("unreadable value(s)")

    _duplicates(patients, problems, header[cols["patient_id"]])
    return ClinicalTable(path=path, columns={f: header[i] for f, i in cols.items()}, patients=patients,
                         problems=problems, ignored_columns=ignored, date_format=fmt, n_rows=len(table.rows))


CATEGORY_FIELDS = ("sex", "smoking", "ecog", "stage", "histology", "best_response")
_BAD = object()  # a cell the row-by-row reading reports: that row is read there


def _clean_rows(table: RawTable, columns: list[Sequence[Cell]], distinct: dict[int, set[Cell]],
                cols: dict[str, int], site_cols: dict[str, int], rules: ClinicalRules, regimens: RegimenRules,
                missing: _Missing, fmt: str | None,
                category_cache: dict[tuple[str, str], str | None], date_cache: dict[str, dt.date],
                drug_cache: dict[str, tuple[tuple[str, ...], frozenset[str], tuple[str, ...]]]) -> list[Patient | None]:
    """The records of the rows that have nothing to report, read column by column: each distinct
    text of a column is typed once (as read_clinical's row-by-row code types it) and the rows
    looked up. None for every other row (a problem, an unreadable cell, a metastasis list or a
    regimen column to reconcile), and for all rows of a table this does not cover (cells other
    than text, such as a workbook's; the rules' own columns): read_clinical reads those rows one
    by one, so that every message is made, in order, by the same code as ever. ``columns``: the
    table's cells column by column; ``distinct``: the distinct cells of some of them (index ->
    cells), completed here."""
    rows = table.rows
    n = len(rows)
    out: list[Patient | None] = [None] * n
    if not rows or any(f in cols for f in rules.extra_columns):
        return out
    used = {*cols.values(), *site_cols.values()}
    for i in used:
        if i not in distinct:
            distinct[i] = set(columns[i])
    if any(not set(map(type, distinct[i])) <= {str, type(None)} for i in used):
        return out

    def texts(i: int) -> Sequence[str]:
        column = columns[i]
        if None in distinct[i]:
            return ["" if c is None else cast(str, c) for c in column]
        return cast(Sequence[str], column)  # text cells only

    ok = [True] * n

    def typed(i: int, kind: Callable[[str], Any]) -> list[Any]:
        column = texts(i)
        values = cast(set[str], distinct[i] if None not in distinct[i] else {c or "" for c in distinct[i]})
        found = {v: kind(v) for v in values}
        if _BAD in found.values():  # no other value equals it
            for k, v in enumerate(column):
                if found[v] is _BAD:
                    ok[k] = False
        return list(map(found.__getitem__, column))

    ids = texts(cols["patient_id"])
    if not missing.in_none(ids):
        for k, pid in enumerate(ids):
            if missing.of_id(pid):
                ok[k] = False
    values: dict[str, Sequence[Any]] = {"patient_id": ids, "row": table.row_numbers}
    for f in CATEGORY_FIELDS:
        if f in cols:
            vs = rules.columns[f].values or f

            def category(value: str, vs: str = vs) -> Any:
                hit = category_cache.get((vs, value), "?")
                if hit == "?":
                    key = norm(value)
                    hit = "" if key in rules.missing else rules.values[vs].get(key)
                    category_cache[(vs, value)] = hit
                return _BAD if hit is None else hit or None
            values[f] = typed(cols[f], category)

    def age(value: str) -> Any:
        if missing(value):
            return None
        try:
            x = float(value.replace(",", "."))
        except ValueError:
            return _BAD
        return x if 0 <= x <= 120 else _BAD

    def date(value: str) -> Any:
        if missing(value):
            return None
        d = date_cache.get(value)
        if d is None:
            d = strptime(value, fmt) if fmt else None
            if d is None:
                return _BAD
            date_cache[value] = d
        return d

    def drugs(value: str) -> Any:
        if missing(value):
            return ((), frozenset(), ())
        parsed = drug_cache.get(value)
        if parsed is None:
            parsed = drug_cache[value] = parse_drugs(value, regimens)
        return _BAD if parsed[2] else parsed

    def yes_no(value: str) -> Any:
        if missing(value):
            return None
        yn = rules.values["yesno"].get(norm(value))
        return _BAD if yn is None else yn

    def reconciled(value: str) -> Any:  # a column read with the others row by row
        return None if missing(value) else _BAD

    if "age" in cols:
        values["age"] = typed(cols["age"], age)
    for f in DATE_FIELDS:
        if f in cols:
            values[f] = typed(cols[f], date)
    if "drugs" in cols:
        drug_lists = typed(cols["drugs"], drugs)
        if not all(ok):  # a row left to the row-by-row reading may hold no drug list: any will do
            drug_lists = [((), frozenset(), ()) if d is _BAD else d for d in drug_lists]
        values["drugs"], values["drug_classes"], values["unknown_drugs"] = zip(*drug_lists, strict=True)
    sites = [typed(site_cols[site], yes_no) if site in site_cols else repeat(None, n)
             for site in rules.metastasis_sites]
    values["mets"] = list(map(dict, map(zip, repeat(rules.metastasis_sites), zip(*sites, strict=True)))) if sites \
        else [{} for _ in range(n)]
    for f in ("metastasis_sites", "regimen"):
        if f in cols:
            typed(cols[f], reconciled)
    return [p if good else None for p, good in zip(_patients(n, values), ok, strict=True)]


_PATIENT_FIELDS = tuple(f for f in fields(Patient) if f.init)


def _patients(n: int, values: dict[str, Sequence[Any]]) -> list[Patient]:
    """``n`` records, Patient(**{name: values[name][k] for name in values}) for each k, the other
    fields at their defaults (a new object from the field's factory for each record, as __init__
    makes). Made with positional arguments up to the last field given: a keyword dict per record
    costs half as much again."""
    unknown = set(values) - {f.name for f in _PATIENT_FIELDS}
    if unknown:
        raise TypeError(f"not fields of Patient: {', '.join(sorted(unknown))}")
    args: list[Any] = []
    last = max(k for k, f in enumerate(_PATIENT_FIELDS) if f.name in values)
    for f in _PATIENT_FIELDS[:last + 1]:
        if f.name in values:
            args.append(values[f.name])
        elif f.default is not MISSING:
            args.append(repeat(f.default, n))
        else:
            factory = cast(Callable[[], Any], f.default_factory)
            args.append([factory() for _ in range(n)])
    return list(map(Patient, *args))


def read_extra(rules: ClinicalRules, rule: ColumnRule, c: Cell, missing: _Missing,
               problem: Callable[[str, str], None]) -> Cell:
    """One cell of a column the rules add (not a date): None when empty, "not tested" for a
    not_tested word, else the value typed; a value that does not fit is reported by ``problem``
    (value, message) and read as None."""
    text = cell_text(c)
    if isinstance(c, str) and missing(c):
        return None
    if c is None:
        return None
    if norm(text) in rules.not_tested:
        return NOT_TESTED
    if rule.type == "text":
        return text
    if rule.type == "number":
        x = _number(c)
        if isinstance(c, dt.date):
            problem("", "a date, not a number (the value is not repeated here)")
        elif x is None:
            problem(text, f"not a number (write e.g. 45, 45 % or 2,5{_range_text(rule)})")
        elif rule.range is not None and not rule.range[0] <= x <= rule.range[1]:
            problem(text, f"outside the column's range{_range_text(rule)}")
            return None
        return x
    values = rules.values["yesno" if rule.type == "yesno" else rule.values or ""]
    hit = values.get(norm(text))
    if hit is None:
        expected = rules.canonical["yesno" if rule.type == "yesno" else rule.values or ""]
        problem(text, f"not a known {rule.name.replace('_', ' ')} (expected one of {', '.join(expected)}, or a "
                "spelling listed in the clinical rules)")
    return hit


def _number(c: Cell) -> float | None:
    if isinstance(c, bool) or isinstance(c, dt.date):
        return None
    if isinstance(c, (int, float)):
        return float(c)
    text = str(c).strip().removesuffix("%").strip().replace(",", ".")
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _range_text(rule: ColumnRule) -> str:
    return f"; accepted {rule.range[0]:g} to {rule.range[1]:g}" if rule.range is not None else ""


def parse_drugs(value: str, regimens: RegimenRules) -> tuple[tuple[str, ...], frozenset[str], tuple[str, ...]]:
    """'Carboplatin/Pemetrexed (AUC5) + Keytruda' -> (canonical drugs, classes, unknown names)."""
    names, classes, unknown = [], set(), []
    for part in _DRUG_SPLIT.split(_PARENS.sub(" ", value)):
        part = part.strip()
        if not part:
            continue
        hit = regimens.drugs.get(drug_key(part))
        if hit is None:
            unknown.append(part)
            continue
        if hit[0] not in names:
            names.append(hit[0])
        classes.add(hit[1])
    return tuple(names), frozenset(classes), tuple(unknown)


def _sites(value: str, rules: ClinicalRules, unknown) -> dict[str, str]:
    if rules.values["yesno"].get(norm(value)) == "no":
        return {}
    out = {}
    for part in _SITE_SPLIT.split(value):
        key = norm(part)
        if not key:
            continue
        site = rules.values["sites"].get(key)
        if site is None:
            unknown(part.strip())
            out["?"] = "yes"
            continue
        out[site] = "yes"
    return out


def _duplicates(patients: list[Patient], problems: list[Problem], column: str) -> None:
    """Every row of a patient id seen twice is a problem; the patient leaves every analysis."""
    if len({p.patient_id for p in patients}) == len(patients):
        return
    rows: dict[str, list[Patient]] = {}
    for p in patients:
        rows.setdefault(p.patient_id, []).append(p)
    for pid, ps in rows.items():
        if len(ps) < 2:
            continue
        where = ", ".join(str(p.row) for p in ps)
        for p in ps:
            msg = f"patient id on {len(ps)} rows ({where}); which row is right cannot be known"
            problems.append(Problem("duplicate_patient", msg, p.row, column, pid, patient=pid,
                                    analyses=ANALYSES))
            p.exclude(("all",), "duplicate patient rows")
