"""The ``coalteration`` section of an analysis plan: how often ERBB2 is altered beside each co-driver
group, checked strictly into a frozen object (the comparisons themselves: coalteration.py).

The section names the cohort columns that say whether ERBB2 was assessed and how it is altered,
the co-driver groups (each by its genes, read from the ``<codriver_prefix><GENE>`` columns, and by
the cohort's ``driver_group`` value when there is one), the column to stratify by, and a column of
delayed-entry times used when the cohort has it. See ``rules/plans/codriver-coalteration.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import RulesError, shown

HER2_ROWS = ("altered", "type", "tier")

COALTERATION_SPEC: dict[str, Any] = {
    "her2_assessed": ("list", {"column": str, "values": ("list", str)}),
    "her2_altered": str,
    "her2_classes?": str,
    "her2_tier?": str,
    "her2_rows": ("list", str),
    "codriver_prefix": str,
    "driver_group?": str,
    "groups": ("list", {"name": str, "genes": ("list", str), "driver_group?": str}),
    "none_group": str,
    "stratify?": str,
    "correct?": bool,
    "delayed_entry?": str,
}


@dataclass(frozen=True)
class Assessed:
    """ERBB2 counts as assessed for a patient when ``column`` reads one of ``values``."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class CodriverGroup:
    """A co-driver group: its genes (tested = every gene's column reads neither "not tested" nor
    empty) and, optionally, the cohort's driver_group value that puts a patient in it."""

    name: str
    genes: tuple[str, ...]
    driver_group: str | None = None


@dataclass(frozen=True)
class CoalterationPlan:
    her2_assessed: tuple[Assessed, ...]
    her2_altered: str
    her2_classes: str | None
    her2_tier: str | None
    her2_rows: tuple[str, ...]
    codriver_prefix: str
    driver_group: str | None
    groups: tuple[CodriverGroup, ...]
    none_group: str
    stratify: str | None
    correct: bool = True
    delayed_entry: str | None = None

    @property
    def genes(self) -> tuple[str, ...]:
        """Every gene of every group, in the plan's order (the "none" group needs them all tested)."""
        out: list[str] = []
        for g in self.groups:
            out += [x for x in g.genes if x not in out]
        return tuple(out)

    @property
    def group_names(self) -> tuple[str, ...]:
        return (*(g.name for g in self.groups), self.none_group)

    def required_columns(self) -> dict[str, str]:
        """Columns the cohort must have -> where the plan names them (the others are optional:
        without them a comparison is reported as not applicable, with the reason)."""
        need = {a.column: f"coalteration.her2_assessed[{i}]" for i, a in enumerate(self.her2_assessed)}
        need.setdefault(self.her2_altered, "coalteration.her2_altered")
        return need


def parse_coalteration(c: dict[str, Any], where: str) -> CoalterationPlan:
    """The checked section (``check`` has already matched it against COALTERATION_SPEC)."""
    w = f"{where}.coalteration"
    if not c["her2_assessed"]:
        raise RulesError(f"{w}.her2_assessed: expected at least one condition (e.g. column assessed, values [\"yes\"])")
    assessed = []
    for i, a in enumerate(c["her2_assessed"]):
        if not a["values"]:
            raise RulesError(f"{w}.her2_assessed[{i}].values: expected at least one value")
        assessed.append(Assessed(a["column"], tuple(a["values"])))
    rows = tuple(c["her2_rows"])
    if not rows:
        raise RulesError(f"{w}.her2_rows: expected at least one of {list(HER2_ROWS)}")
    for i, r in enumerate(rows):
        if r not in HER2_ROWS:
            raise RulesError(f"{w}.her2_rows[{i}]: {shown(r)} is not supported; expected one of {list(HER2_ROWS)}")
    if len(set(rows)) != len(rows):
        raise RulesError(f"{w}.her2_rows: a row set is listed twice")
    if "type" in rows and "her2_classes" not in c:
        raise RulesError(f"{w}.her2_classes: her2_rows 'type' needs the column of ERBB2 alteration classes")
    if "tier" in rows and "her2_tier" not in c:
        raise RulesError(f"{w}.her2_tier: her2_rows 'tier' needs the column of ERBB2 oncogenicity tiers")
    if not c["codriver_prefix"]:
        raise RulesError(f"{w}.codriver_prefix: expected the prefix of the co-driver columns, e.g. codriver_")
    groups = []
    for i, g in enumerate(c["groups"]):
        if not g["genes"]:
            raise RulesError(f"{w}.groups[{i}].genes: expected at least one gene")
        if len(set(g["genes"])) != len(g["genes"]):
            raise RulesError(f"{w}.groups[{i}].genes: a gene is listed twice")
        if "driver_group" in g and "driver_group" not in c:
            raise RulesError(f"{w}.groups[{i}].driver_group: the section names no driver_group column")
        groups.append(CodriverGroup(g["name"], tuple(g["genes"]), g.get("driver_group")))
    if not groups:
        raise RulesError(f"{w}.groups: expected at least one co-driver group")
    names = [g.name for g in groups] + [c["none_group"]]
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise RulesError(f"{w}.groups/none_group: duplicate group name {shown(n)}")
        seen.add(n)
    owners: dict[str, str] = {}
    for g in groups:
        if g.driver_group is not None:
            if g.driver_group in owners:
                raise RulesError(f"{w}.groups: driver_group {shown(g.driver_group)} is given to both "
                                 f"{shown(owners[g.driver_group])} and {shown(g.name)}")
            owners[g.driver_group] = g.name
    return CoalterationPlan(
        her2_assessed=tuple(assessed), her2_altered=c["her2_altered"], her2_classes=c.get("her2_classes"),
        her2_tier=c.get("her2_tier"), her2_rows=rows, codriver_prefix=c["codriver_prefix"],
        driver_group=c.get("driver_group"), groups=tuple(groups), none_group=c["none_group"],
        stratify=c.get("stratify"), correct=c.get("correct", True), delayed_entry=c.get("delayed_entry"))
