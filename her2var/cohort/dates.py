"""Dates in clinical records: the one text format a file uses, and dates checked against each
other, today and the data cut-off."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..errors import shown
from .problems import Errors, Problem
from .rules import ClinicalRules

if TYPE_CHECKING:
    from .clinical import ClinicalTable
    from .tables import RawTable

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
                errors.add(row, col, f"{shown(text)} reads as {parsed[first][text]} with {first} and as "
                           f"{parsed[other][text]} with {other}; every date in the file fits both, "
                           f"so say which with --date-format {shown(first)} or {shown(other)}")
                errors.raise_if_any("ambiguous date format")
        return first
    readers = {t: next((f for f in formats if t in parsed[f]), None) for t in distinct}
    bad = [(r, c, t) for r, c, t in values if readers[t] is None]
    for r, c, t in bad:
        errors.add(r, c, f"the value is not a date in an accepted format ({', '.join(formats)}); "
                         "dates are patient data, so the value is not repeated here")
    if not bad:
        by_format: dict[str, tuple[int, str, str]] = {}
        for r, c, t in values:
            by_format.setdefault(readers[t], (r, c, t))
        examples = "; ".join(f"row {r}, column {shown(c)} ({f})" for f, (r, c, t) in by_format.items())
        errors.add(None, None, f"mixed date formats: {examples}. Write every date of the file one "
                   "way (or store them as dates in Excel)")
    errors.raise_if_any("date problem(s)")
    return None


def strptime(text: str, fmt: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, fmt).date()
    except ValueError:
        return None


def check_dates(table: ClinicalTable, rules: ClinicalRules, *, today: dt.date,
                default_cutoff: dt.date | None = None) -> None:
    """Future dates, dates after the cut-off, and dates in an impossible order.

    Dates after the cut-off are flagged, not excluded: survival is censored at the cut-off.
    A date in the future, or two dates in an impossible order, takes the patient out of the
    analyses that need them (the dates are kept as written).
    """
    cols = table.columns
    for p in table.patients:
        if p.cutoff is None:
            p.cutoff = default_cutoff
        bad: set[str] = set()

        def add(kind: str, f: str, message: str, analyses: tuple[str, ...]) -> None:
            value = getattr(p, f)
            table.problems.append(Problem(kind, message, p.row, cols.get(f, f), value.isoformat() if value else "",
                                          patient=p.patient_id, analyses=analyses))
            if analyses:
                p.exclude(analyses, message)

        for f in DATE_FIELDS:
            d = getattr(p, f)
            if d is not None and d > today:
                add("future_date", f, "date in the future", tuple(rules.columns[f].analyses))
                bad.add(f)
        start, cut = p.treatment_start, p.cutoff
        if cut is not None and "cutoff" not in bad:
            if start and "treatment_start" not in bad and start > cut:
                add("after_cutoff", "treatment_start", "first-line start after the data cut-off", ("pfs", "os"))
                bad.add("treatment_start")
            for f in ("progression_date", "death_date", "last_followup"):
                d = getattr(p, f)
                if d is not None and f not in bad and d > cut:
                    add("after_cutoff", f, "after the data cut-off: survival is censored at the cut-off", ())
        ok = {f: getattr(p, f) for f in DATE_FIELDS if f not in bad}
        start, prog, death, lfu = (ok.get("treatment_start"), ok.get("progression_date"),
                                   ok.get("death_date"), ok.get("last_followup"))
        name = {f: cols.get(f, f) for f in DATE_FIELDS}
        if start and prog and prog < start:
            add("date_order", "progression_date", f"progression before the first-line start ({shown(name['treatment_start'])})",
                ("pfs",))
        if prog and death and death < prog:
            add("date_order", "death_date", f"death before progression ({shown(name['progression_date'])})", ("pfs", "os"))
        if start and death and death < start:
            add("date_order", "death_date", f"death before the first-line start ({shown(name['treatment_start'])})",
                ("pfs", "os"))
        if start and lfu and lfu < start:
            add("date_order", "last_followup", f"last follow-up before the first-line start ({shown(name['treatment_start'])})",
                ("pfs", "os"))
        if lfu and death and lfu > death:
            add("date_order", "last_followup", f"last follow-up after death ({shown(name['death_date'])})", ())
        if lfu and prog and not death and lfu < prog:
            add("date_order", "last_followup", f"last follow-up before progression ({shown(name['progression_date'])}): "
                "OS is censored at the progression date", ())
        birth = ok.get("birth_date")
        if birth and start and birth > start:
            add("date_order", "birth_date", "birth date after the first-line start", ("baseline",))
        elif birth and p.age is None and start:
            p.age = float(start.year - birth.year - ((start.month, start.day) < (birth.month, birth.day)))
