"""Problems found in clinical records and in how they match the samples, and the collector of
fatal cell-level errors (raised together, so a person sees every one at once)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError, shown
from .tables import RawTable

MAX_LISTED = 60  # problems shown in one error message; the rest are counted


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

    def describe(self, path: str = "") -> str:
        place = path
        if self.row is not None:
            place += f"{': ' if place else ''}row {self.row}"
        if self.column:
            place += f"{', ' if place else ''}column {shown(self.column)}"
        who = (f"patient {shown(self.patient, bare=True)}" if self.patient
               else f"sample {shown(self.sample, bare=True)}" if self.sample else "")
        if self.patient and self.sample:
            who += f", sample {shown(self.sample, bare=True)}"
        value = f" {shown(self.value)}:" if self.value else ""
        effect = (f" (left out of: {', '.join(self.analyses)})" if self.analyses else " (flagged)")
        head = ", ".join(x for x in (place, who) if x)
        return f"{head}:{value} {self.message}{effect}"


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
