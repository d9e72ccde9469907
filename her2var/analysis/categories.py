"""Categorical cohort columns read into a plan's levels, and the plan's population conditions."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import shown
from ..models import NOT_TESTED


@dataclass(frozen=True)
class Categories:
    """A categorical column read into levels: exact values, or ``values`` (level -> raw values).

    ``split`` reads a multi-valued cell ("exon20_insertion;amplification"); a cell matching
    several levels goes to the first listed level (``multiple: first``), is left out
    (``multiple: exclude``), or belongs to every level it matches (``multiple: all``, see
    ``assign_all``: the groups then overlap). With no ``levels`` the levels are the values found, sorted.
    ``breaks`` cut a numeric column into the levels: with breaks b1 < b2 < ..., the first level
    holds values below b1, the next [b1, b2), and so on (a value equal to a break goes up).
    A "not tested" cell is never a level unless the plan lists it.
    """

    column: str
    levels: tuple[str, ...] = ()
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    split: str | None = None
    multiple: str = "first"
    breaks: tuple[float, ...] = ()

    def assign(self, raw: str | None) -> tuple[str | None, str]:
        """(level, "") or (None, why not)."""
        if raw is None:
            return None, f"{self.column} is missing"
        if raw == NOT_TESTED and not any(NOT_TESTED in self.values.get(lv, (lv,)) for lv in self.levels):
            return None, f"{self.column} not tested"
        if self.breaks:
            try:
                x = float(raw)
            except ValueError:
                x = math.nan
            if not math.isfinite(x):
                return None, f"{self.column} = {shown(raw)} is not a number (the plan cuts it at breaks)"
            return self.levels[bisect.bisect_right(self.breaks, x)], ""
        tokens = [t.strip() for t in raw.split(self.split)] if self.split else [raw]
        tokens = [t for t in tokens if t]
        if not self.levels:
            if len(tokens) > 1 and self.multiple == "exclude":
                return None, f"{self.column} = {shown(raw)} has several values"
            return (tokens[0], "") if tokens else (None, f"{self.column} is missing")
        hits = [lv for lv in self.levels if any(t in self.values.get(lv, (lv,)) for t in tokens)]
        if not hits:
            return None, f"{self.column} = {shown(raw)} is not among the plan's levels ({_words(self.levels)})"
        if len(hits) > 1 and self.multiple == "exclude":
            return None, f"{self.column} = {shown(raw)} matches several levels ({_words(hits)})"
        return hits[0], ""

    def assign_all(self, raw: str | None) -> tuple[tuple[str, ...], str]:
        """Every level the cell matches, in the levels' order (``multiple: all``), or ((), why not)."""
        level, why = self.assign(raw)
        if level is None or not self.split or not self.levels or self.breaks:
            return ((level,) if level is not None else ()), why
        tokens = [t.strip() for t in raw.split(self.split)] if raw else []
        return tuple(lv for lv in self.levels if any(t in self.values.get(lv, (lv,)) for t in tokens)), ""

    def describe(self) -> str:
        parts = []
        recoded = {lv: v for lv, v in self.values.items() if tuple(v) != (lv,)}
        if recoded:
            parts.append("; ".join(f"{lv} = {', '.join(v)}" for lv, v in recoded.items()))
        if self.breaks:
            cuts = ", ".join(f"{b:g}" for b in self.breaks)
            parts.append(f"cut at {cuts} (a value equal to a cut point is in the higher level)")
        if self.split:
            parts.append(f"values split on {shown(self.split)}; a patient matching several levels is "
                         + {"first": "counted in the first listed level", "exclude": "left out",
                            "all": "counted in each of them (the groups overlap, and tests that compare "
                                   "them treat them as independent)"}[self.multiple])
        return "; ".join(parts)


@dataclass(frozen=True)
class Condition:
    column: str
    values: tuple[str, ...]
    split: str | None
    label: str

    def holds(self, raw: str | None) -> bool:
        if raw is None:
            return False
        tokens = [t.strip() for t in raw.split(self.split)] if self.split else [raw]
        return any(t in self.values for t in tokens)


def _words(levels: tuple[str, ...] | list[str]) -> str:
    """Levels as a reader reads them (a reason shown in the report), never a Python list."""
    return ", ".join(shown(lv, bare=True) for lv in levels)
