"""What the readers of public cohorts' clinical records share: the words that mean "no value" or
"withheld", redacted numbers kept as bounds (never as numbers), event statuses, values looked up
in the clinical rules, and the collector of problems and fatal errors.

Fatal errors are cells that cannot be read as intended (a time that is not a number, a status
word no table knows); they are collected over every file and raised together, nothing written.
Readable but unusable values (a negative time, an unknown sex) are Problems of that patient, as
for a clinical file (her2var.cohort.clinical).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..cohort.clinical import Interval, Patient
from ..cohort.derive import MONTH_DAYS
from ..cohort.problems import MAX_LISTED, Problem
from ..cohort.rules import ClinicalRules, norm
from ..errors import InputError, shown

YEAR_DAYS = 365.25  # ages published in days are read as years this way
# Cells public releases write for a value they do not give (beside clinical.yaml's missing words).
WITHHELD = frozenset(norm(w) for w in (
    "Not Collected", "Not Applicable", "Not Released", "Not Evaluated", "Unknown/Not Collected",
    "cannotReleaseHIPAA", "Withheld", "Redacted", "[Discrepancy]", "[Not Applicable]", "[Not Evaluated]"))
_BOUND = re.compile(r"^([<>])\s*=?\s*(\d+(?:\.\d+)?)$")
_CODED = re.compile(r"^([01])\s*:\s*(.*)$")
# Status words without their 0:/1: code, by endpoint (cBioPortal's own and older studies' spellings).
EVENT_WORDS = {
    "os": {"deceased": 1, "dead": 1, "died": 1, "living": 0, "alive": 0},
    "pfs": {"progressed": 1, "progression": 1, "progressive disease": 1, "recurred progressed": 1,
            "recurred": 1, "progressionfree": 0, "progression free": 0, "censored": 0, "not progressed": 0,
            "no progression": 0},
    "dfs": {"recurred progressed": 1, "recurred": 1, "progressed": 1, "progression": 1, "diseasefree": 0,
            "disease free": 0, "censored": 0},
}
ENDPOINT_NAMES = {"os": "overall survival", "pfs": "progression-free survival", "dfs": "disease-free survival"}


@dataclass(frozen=True)
class Bound:
    """A redacted number: only a bound is published (``>89`` years, ``<6570`` days)."""

    sign: str  # ">" or "<"
    value: float
    text: str  # as written

    def years_text(self, days: bool) -> str:
        """The bound in whole years when it is one (GENIE's 32485 days = 89 x 365), e.g. '>89'."""
        if not days:
            return f"{self.sign}{self.value:g}"
        years = self.value / 365
        return f"{self.sign}{years:g}" if years.is_integer() else f"{self.sign}{self.value / YEAR_DAYS:.1f}"


class Collector:
    """Problems and fatal errors of one public cohort's records, over all its files."""

    def __init__(self, rules: ClinicalRules):
        self.rules = rules
        self.problems: list[Problem] = []
        self.errors: list[str] = []

    # -- values -----------------------------------------------------------------------------------
    def absent(self, text: str) -> bool:
        """Empty, one of the rules' missing words, or a release's word for a withheld value."""
        key = norm(text)
        return not key or key in self.rules.missing or key in WITHHELD

    def number(self, text: str, path: str, line: int, column: str, unit: str) -> float | Bound | None:
        """A number (None when absent, a Bound when redacted); anything else is a fatal error."""
        if self.absent(text):
            return None
        m = _BOUND.match(text.strip())
        if m:
            return Bound(m.group(1), float(m.group(2)), text.strip())
        try:
            x = float(text)
        except ValueError:
            x = math.nan
        if not math.isfinite(x):
            self.error(path, line, column, f"not a number (expected {unit}; the value is not repeated here: it is "
                       "patient data)")
            return None
        return x

    def status(self, text: str, endpoint: str, path: str, line: int, column: str) -> tuple[int | None, str]:
        """(1 event / 0 censored / None absent, the label when a 0:/1: code and its word disagree)."""
        if self.absent(text):
            return None, ""
        text = text.strip()
        m = _CODED.match(text)
        if m:
            code = int(m.group(1))
            word = EVENT_WORDS[endpoint].get(norm(m.group(2)))
            return code, (m.group(2) if word is not None and word != code else "")
        if text in ("0", "1"):
            return int(text), ""
        hit = EVENT_WORDS[endpoint].get(norm(text))
        if hit is None:
            words = ", ".join(sorted({w.upper().replace(" ", "_") for w in EVENT_WORDS[endpoint]}))
            self.error(path, line, column, f"{shown(text)} is not a status of {ENDPOINT_NAMES[endpoint]} (expected "
                       f"1:<event> or 0:<censored>, or one of {words})")
        return hit, ""

    def category(self, p: Patient, field: str, text: str, path: str, line: int, column: str) -> None:
        """A sex, smoking, ECOG, stage, histology or response value, spelled as the clinical rules
        allow; an unknown one is that patient's problem (as in a clinical file)."""
        if self.absent(text):
            return
        rule = self.rules.columns[field]
        vs = rule.values or field
        hit = self.rules.values[vs].get(norm(text))
        if hit is None:
            self.problem("unknown_value", f"not a known {field.replace('_', ' ')} (expected one of "
                         f"{', '.join(self.rules.canonical[vs])}, or a spelling listed in clinical.yaml)",
                         p, path, line, column, text, tuple(rule.analyses))
            return
        setattr(p, field, hit)

    def age(self, p: Patient, x: float | Bound | None, path: str, line: int, column: str, *, days: bool) -> None:
        """An age in years (``days``: published in days, read as days / 365.25). A redacted age is
        no number: ``age_redacted`` keeps its bound in years (">89", "<18") and one flag says so."""
        if isinstance(x, Bound):
            p.study["age_redacted"] = x.years_text(days)
            self.problem("redacted", "age redacted by the source: kept as a bound (age_redacted), not as a number",
                         p, path, line, column, x.text)
        elif x is not None:
            years = x / YEAR_DAYS if days else x
            if 0 <= years <= 120:
                p.age = years
            else:
                self.problem("out_of_range", "age outside 0-120 years", p, path, line, column, f"{x:g}", ("baseline",))

    # -- survival ---------------------------------------------------------------------------------
    def interval(self, p: Patient, endpoint: str, days: float | Bound | None, event: int | None, origin: str,
                 path: str, line: int, columns: tuple[str, str], entry: float | None = None) -> None:
        """Set ``p.intervals[endpoint]``, or leave the patient out of that endpoint with the reason."""
        time_col, event_col = columns
        if isinstance(days, Bound):
            p.exclude((endpoint,), f"{time_col} is redacted ({days.text})")
        elif days is None or event is None:
            p.exclude((endpoint,), f"{time_col if days is None else event_col} is empty")
        elif days < 0:
            self.problem("out_of_range", "a negative time", p, path, line, time_col, "", (endpoint,))
        else:
            p.intervals[endpoint] = Interval(days, event, origin, entry)

    # -- reporting --------------------------------------------------------------------------------
    def problem(self, kind: str, message: str, p: Patient | None, path: str, line: int | None, column: str,
                value: str = "", analyses: tuple[str, ...] = (), sample: str = "", patient: str = "") -> None:
        """A problem of ``p`` (left out of ``analyses``), or of a row naming ``patient``/``sample``
        (ids go there, never into ``value``: pseudonyms replace them there)."""
        self.problems.append(Problem(kind, message, line, column, value, patient=p.patient_id if p else patient,
                                     sample=sample, analyses=analyses, file=path))
        if p is not None and analyses:
            p.exclude(analyses, message)

    def error(self, path: str, line: int, column: str, text: str) -> None:
        self.errors.append(f"{path}:{line}, column {shown(column)}: {text}")

    def raise_if_errors(self) -> None:
        if not self.errors:
            return
        listed = self.errors[:MAX_LISTED]
        tail = f"\n  ... and {len(self.errors) - len(listed)} more" if len(self.errors) > len(listed) else ""
        raise InputError(f"{len(self.errors)} unreadable value(s) in the clinical records; nothing was written:\n  "
                         + "\n  ".join(listed) + tail)


def months_to_days(months: float | Bound | None) -> float | Bound | None:
    """Days from months: months x 30.4375 (the mean Gregorian month, as the cohort converts days
    to months), unrounded; a bound stays a bound."""
    if months is None or isinstance(months, Bound):
        return months
    return months * MONTH_DAYS
