"""Categorical cohort columns read into a plan's levels, and the plan's population conditions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import shown


@dataclass(frozen=True)
class Categories:
    """A categorical column read into levels: exact values, or ``values`` (level -> raw values).

    ``split`` reads a multi-valued cell ("exon20_insertion;amplification"); a cell matching
    several levels goes to the first listed level (``multiple: first``) or is left out
    (``multiple: exclude``). With no ``levels`` the levels are the values found, sorted.
    """

    column: str
    levels: tuple[str, ...] = ()
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    split: str | None = None
    multiple: str = "first"

    def assign(self, raw: str | None) -> tuple[str | None, str]:
        """(level, "") or (None, why not)."""
        if raw is None:
            return None, f"{self.column} is missing"
        tokens = [t.strip() for t in raw.split(self.split)] if self.split else [raw]
        tokens = [t for t in tokens if t]
        if not self.levels:
            if len(tokens) > 1 and self.multiple == "exclude":
                return None, f"{self.column} = {shown(raw)} has several values"
            return (tokens[0], "") if tokens else (None, f"{self.column} is missing")
        hits = [lv for lv in self.levels if any(t in self.values.get(lv, (lv,)) for t in tokens)]
        if not hits:
            return None, f"{self.column} = {shown(raw)} is not among the plan's levels {shown(list(self.levels))}"
        if len(hits) > 1 and self.multiple == "exclude":
            return None, f"{self.column} = {shown(raw)} matches several levels {shown(hits)}"
        return hits[0], ""

    def describe(self) -> str:
        parts = []
        recoded = {lv: v for lv, v in self.values.items() if tuple(v) != (lv,)}
        if recoded:
            parts.append("; ".join(f"{lv} = {', '.join(v)}" for lv, v in recoded.items()))
        if self.split:
            parts.append(f"values split on {shown(self.split)}; a patient matching several levels is "
                         + ("counted in the first listed level" if self.multiple == "first" else "left out"))
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
