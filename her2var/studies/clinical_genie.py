"""What an AACR GENIE release's clinical tables add to the cBioPortal reading (clinical_cbioportal.py).

- Age: AGE_AT_SEQ_REPORT (sample table) is in days since birth; the patient's age is that of their
  earliest sequencing report, in years (days / 365.25). GENIE redacts ages over 89 and under 18
  (``>32485``, ``<6570`` days): such an age is no number; ``age_redacted`` keeps the bound in years.
- Overall survival from the earliest sequencing report: DEAD says whether the patient died; the
  time is INT_DOD (death) or INT_CONTACT (last contact), both days since birth, minus the age at
  that report. A redacted, withheld ("Not Collected", "Not Released") or missing value leaves the
  patient out of OS with the reason; nothing is estimated.
- No progression data: PFS is left out (GENIE BPC has it).
- CENTER is carried as the ``center`` column.
"""

from __future__ import annotations

from ..cohort.clinical import Interval, Patient
from ..cohort.rules import norm
from ..errors import InputError, shown
from .clinical_common import Bound, Collector
from .clinical_files import StudyTable

REPORT_ORIGIN = "first sequencing report (GENIE)"
UNDER_18_DAYS = 6570  # 18 x 365: GENIE publishes no number below it


def genie_records(pt: StudyTable | None, st: StudyTable | None, patients: list[Patient],
                  by_patient: dict[str, list[tuple[list[str], int]]], c: Collector) -> tuple[str, ...]:
    """Age, OS and centre of each patient; returns the study columns these records fill."""
    reports = {p.patient_id: _first_report(st, by_patient.get(p.patient_id, []), c) for p in patients}
    _check_days(st, reports)
    rows = {pt.get(r, "PATIENT_ID"): (r, line) for r, line in zip(pt.rows, pt.lines, strict=True)} if pt else {}
    for p in patients:
        first = reports[p.patient_id]
        if first is not None and p.age is None:
            value, line = first
            if st is not None:
                _age_days(p, value, c, st.path, line)
        p.exclude(("pfs",), "a GENIE release has no progression data")
        if p.patient_id not in rows:
            p.exclude(("os",), "no patient row")
            continue
        assert pt is not None
        row, line = rows[p.patient_id]
        if pt.has("CENTER") and not c.absent(pt.get(row, "CENTER")):
            p.study["center"] = pt.get(row, "CENTER")
        _os(p, pt, row, line, None if first is None else first[0], c)
    columns = ["survival_origin", "center"]
    if any("age_redacted" in p.study for p in patients):
        columns.append("age_redacted")
    return tuple(columns)


def _first_report(st: StudyTable | None, rows: list[tuple[list[str], int]], c: Collector
                  ) -> tuple[float | Bound, int] | None:
    """The earliest AGE_AT_SEQ_REPORT of a patient's samples, and its line: a bound when the
    earliest is redacted (an age under 18 comes before any number; over 89 after it)."""
    if st is None or not st.has("AGE_AT_SEQ_REPORT"):
        return None
    numbers: list[tuple[float, int]] = []
    under: tuple[Bound, int] | None = None
    over: tuple[Bound, int] | None = None
    for row, line in rows:
        x = c.number(st.get(row, "AGE_AT_SEQ_REPORT"), st.path, line, "AGE_AT_SEQ_REPORT", "days since birth")
        if isinstance(x, Bound):
            if x.sign == "<":
                under = under or (x, line)
            else:
                over = over or (x, line)
        elif x is not None:
            numbers.append((x, line))
    if under is not None:
        return under
    if numbers:
        return min(numbers)
    return over


def _check_days(st: StudyTable | None, reports: dict[str, tuple[float | Bound, int] | None]) -> None:
    """Ages in years where days are expected would make every patient a baby: refused."""
    values = [v for v, _ in filter(None, reports.values()) if not isinstance(v, Bound)]
    if st is not None and values and max(values) <= 130:
        raise InputError(f"{st.path}: AGE_AT_SEQ_REPORT is at most {max(values):g}: these look like years, but a "
                         "GENIE release gives days since birth; is this a GENIE release?")


def _age_days(p: Patient, value: float | Bound, c: Collector, path: str, line: int) -> None:
    if isinstance(value, Bound):
        p.study["age_redacted"] = value.years_text(days=True)
        c.problem("redacted", "age redacted by GENIE: kept as a bound (age_redacted), not as a number", p, path,
                  line, "AGE_AT_SEQ_REPORT", value.text)
        return
    years = value / 365.25
    if value < UNDER_18_DAYS or years > 120:
        c.problem("out_of_range", "age at the sequencing report outside 18-120 years", p, path, line,
                  "AGE_AT_SEQ_REPORT", f"{value:g}", ("baseline",))
        return
    p.age = years


def _os(p: Patient, pt: StudyTable, row: list[str], line: int, report: float | Bound | None, c: Collector) -> None:
    """OS from the earliest sequencing report (see the module's docstring)."""
    if not pt.has("DEAD"):
        p.exclude(("os",), "the release has no DEAD column")
        return
    dead_text = pt.get(row, "DEAD")
    if c.absent(dead_text):
        p.exclude(("os",), f"DEAD is {dead_text or 'empty'}")
        return
    dead = c.rules.values["yesno"].get(norm(dead_text))
    if dead is None:
        c.error(pt.path, line, "DEAD", f"{shown(dead_text)} is not True or False")
        return
    column = "INT_DOD" if dead == "yes" else "INT_CONTACT"
    if not pt.has(column):
        p.exclude(("os",), f"the release has no {column} column")
        return
    end = c.number(pt.get(row, column), pt.path, line, column, "days since birth")
    if report is None:
        p.exclude(("os",), "no AGE_AT_SEQ_REPORT (the start of OS)")
    elif isinstance(report, Bound):
        p.exclude(("os",), f"AGE_AT_SEQ_REPORT is redacted ({report.text}): OS cannot start")
    elif isinstance(end, Bound):
        p.exclude(("os",), f"{column} is redacted ({end.text})")
    elif end is None:
        p.exclude(("os",), f"{column} is {pt.get(row, column) or 'empty'}")
    elif end < report:
        c.problem("date_order", f"{column} is before the first sequencing report (AGE_AT_SEQ_REPORT)", p, pt.path,
                  line, column, "", ("os",))
    else:
        p.intervals["os"] = Interval(end - report, 1 if dead == "yes" else 0, REPORT_ORIGIN)
