"""Problems found in clinical records and in how they match the samples, and the collector of
fatal cell-level errors (raised together, so a person sees every one at once)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError, shown
from ..tables import RawTable

MAX_LISTED = 60  # problems shown in one error message; the rest are counted
DRUG_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9-]{1,39}( [A-Za-z][A-Za-z0-9-]{1,39}){0,2}")
DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}|\d{5,}")  # digits in a date's shape, or long numbers


# Facts of a public source, not faults of the records: an age the source publishes only as a
# bound (GENIE's ">89"), samples of other cancer types left out of a pan-cancer study, a patient
# with several index cancers of whom the first is used. They are listed with the problems, but
# --strict does not fail on them: a public release as published would never pass otherwise.
NOTE_KINDS = frozenset({"redacted", "outside_cohort", "several_cancers"})


@dataclass(frozen=True)
class Problem:
    """One readable-but-wrong value, or a mismatch between records and samples."""

    kind: str  # unknown_value, out_of_range, future_date, after_cutoff, date_order, duplicate_patient, ...
    message: str  # what was found and what was expected; never contains ids
    row: int | None = None  # row of the clinical file (header = 1)
    column: str = ""  # the column as written in the file
    value: str = ""
    patient: str = ""
    sample: str = ""
    analyses: tuple[str, ...] = ()  # analyses the patient is left out of; () = flagged only
    file: str = ""  # the file ``row`` is in, when the records come from several (a public cohort)

    @property
    def is_note(self) -> bool:
        """A fact of the source (NOTE_KINDS), which --strict does not count."""
        return self.kind in NOTE_KINDS

    def value_is_safe(self) -> bool:
        """Whether a message may quote the value: never a clinical value (a date, an age, free
        text); only a drug name as written, when it looks like one (letters, digits, hyphens, a
        bounded length, no date inside), since it tells the reader which regimen file entry is
        missing. The problems table keeps the value (it is beside the records anyway)."""
        return self.kind == "unknown_drug" and bool(DRUG_TOKEN.fullmatch(self.value)) \
            and not DATE_LIKE.search(self.value)

    def describe(self, path: str = "") -> str:
        """The problem for a message (stderr, a log): file, row, column and identifiers, never the
        cell's value (see value_is_safe)."""
        place = self.file or path
        if self.row is not None:
            place += f"{': ' if place else ''}row {self.row}"
        if self.column:
            place += f"{', ' if place else ''}column {shown(self.column)}"
        who = (f"patient {shown(self.patient, bare=True)}" if self.patient
               else f"sample {shown(self.sample, bare=True)}" if self.sample else "")
        if self.patient and self.sample:
            who += f", sample {shown(self.sample, bare=True)}"
        value = f" {shown(self.value)}:" if self.value and self.value_is_safe() else ""
        effect = (f" (left out of: {', '.join(self.analyses)})" if self.analyses else " (flagged)")
        head = ", ".join(x for x in (place, who) if x)
        return f"{head}:{value} {self.message}{effect}"


def drug_list_text(text: str | None) -> str | None:
    """A ';'-joined drug list for a pseudonymised export: each name that does not look like a drug
    name (value_is_safe's rule: free text, a date inside) withheld."""
    if not text:
        return text
    return ";".join(d if DRUG_TOKEN.fullmatch(d) and not DATE_LIKE.search(d) else "[withheld]"
                    for d in text.split(";"))


class Errors:
    """Fatal, cell-level errors collected over the whole file, raised together."""

    def __init__(self, table: RawTable):
        self.table = table
        self.items: list[str] = []

    def add(self, row: int | None, column: str | None, text: str) -> None:
        self.items.append(f"{self.table.where(row, column)}: {text}")

    def raise_if_any(self, what: str) -> None:
        if not self.items:
            return
        listed = self.items[:MAX_LISTED]
        more = len(self.items) - len(listed)
        tail = f"\n  ... and {more} more" if more else ""
        raise InputError(f"{self.table.path}: {len(self.items)} {what}; nothing was written:\n  "
                         + "\n  ".join(listed) + tail)
