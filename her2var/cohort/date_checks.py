"""Dates checked against each other, today and the data cut-off, patient by patient."""

from __future__ import annotations

import datetime as dt
from operator import attrgetter

from ..errors import shown
from .clinical import ClinicalTable, Patient
from .dates import DATE_FIELDS
from .problems import Problem
from .rules import ClinicalRules


def check_dates(table: ClinicalTable, rules: ClinicalRules, *, today: dt.date,
                default_cutoff: dt.date | None = None) -> None:
    """Future dates, dates after the cut-off, and dates in an impossible order.

    Dates after the cut-off are flagged, not excluded: survival is censored at the cut-off.
    A date in the future, or two dates in an impossible order, takes the patient out of the
    analyses that need them (the dates are kept as written).
    """
    cols = table.columns
    name = {f: cols.get(f, f) for f in DATE_FIELDS}
    dates_of = attrgetter(*DATE_FIELDS)
    named = attrgetter("birth_date", "treatment_start", "progression_date", "death_date", "last_followup")
    p: Patient

    def add(kind: str, f: str, message: str, analyses: tuple[str, ...]) -> None:
        """A problem of the patient ``p`` being checked."""
        value = getattr(p, f)
        table.problems.append(Problem(kind, message, p.row, cols.get(f, f), value.isoformat() if value else "",
                                      patient=p.patient_id, analyses=analyses))
        if analyses:
            p.exclude(analyses, message)

    for p in table.patients:
        if p.cutoff is None:
            p.cutoff = default_cutoff
        dates = dates_of(p)
        bad: set[str] = set()

        if max(filter(None, dates), default=today) > today:  # a date is never false
            for f in DATE_FIELDS:
                d = getattr(p, f)
                if d is not None and d > today:
                    add("future_date", f, "date in the future", tuple(rules.columns[f].analyses))
                    bad.add(f)
        birth, start, prog, death, lfu = named(p)
        cut = p.cutoff
        if cut is not None and "cutoff" not in bad:
            if start and "treatment_start" not in bad and start > cut:
                add("after_cutoff", "treatment_start", "first-line start after the data cut-off", ("pfs", "os"))
                bad.add("treatment_start")
            for f, d in (("progression_date", prog), ("death_date", death), ("last_followup", lfu)):
                if d is not None and f not in bad and d > cut:
                    add("after_cutoff", f, "after the data cut-off: survival is censored at the cut-off", ())
        if bad:  # a date found wrong above is left out of the checks of order
            ok = {f: getattr(p, f) for f in DATE_FIELDS if f not in bad}
            birth, start, prog, death, lfu = (ok.get("birth_date"), ok.get("treatment_start"),
                                              ok.get("progression_date"), ok.get("death_date"),
                                              ok.get("last_followup"))
        if start and prog and prog < start:
            add("date_order", "progression_date",
                f"progression before the first-line start ({shown(name['treatment_start'])})", ("pfs",))
        if prog and death and death < prog:
            add("date_order", "death_date", f"death before progression ({shown(name['progression_date'])})",
                ("pfs", "os"))
        if start and death and death < start:
            add("date_order", "death_date", f"death before the first-line start ({shown(name['treatment_start'])})",
                ("pfs", "os"))
        if start and lfu and lfu < start:
            add("date_order", "last_followup",
                f"last follow-up before the first-line start ({shown(name['treatment_start'])})", ("pfs", "os"))
        if lfu and death and lfu > death:
            add("date_order", "last_followup", f"last follow-up after death ({shown(name['death_date'])})", ())
        if lfu and prog and not death and lfu < prog:
            add("date_order", "last_followup",
                f"last follow-up before progression ({shown(name['progression_date'])}): "
                "OS is censored at the progression date", ())
        if birth and start and birth > start:
            add("date_order", "birth_date", "birth date after the first-line start", ("baseline",))
        elif birth and p.age is None and start:
            p.age = float(start.year - birth.year - ((start.month, start.day) < (birth.month, birth.day)))
