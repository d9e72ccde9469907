"""The cohort's rules: clinical columns and spellings (clinical.yaml) and drug classes
(regimens.yaml), checked strictly and loaded into frozen objects.

Both files live beside the classify rules (``rules/`` in a checkout, ``her2var/_rules`` in an
installed wheel). A lab's own file holds only what it changes and is merged over the built-in one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import RulesError, shown
from ..rules.schema import builtin_rules_dir, check, merge_trees, read_yaml
from ..tables import norm  # one header normalisation for the clinical table and the samples sheet

ANALYSES = ("pfs", "os", "response", "baseline", "regimen", "her2")
COLUMN_TYPES = ("id", "text", "number", "date", "category", "yesno", "sites", "drugs", "regimen")
# Columns read by name into the cohort's fixed columns; any other column a rules file declares is
# carried through to the cohort under its own name, typed as declared (EXTRA_TYPES only).
BUILTIN_COLUMNS = ("patient_id", "sex", "age", "birth_date", "smoking", "ecog", "stage", "histology",
                   "metastasis_sites", "drugs", "regimen", "treatment_start", "progression_date", "death_date",
                   "last_followup", "best_response", "cutoff")
EXTRA_TYPES = ("text", "number", "category", "yesno", "date")
_EXTRA_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
SELECTION_PREFER = ("closest_before_start", "earliest", "latest")
SELECTION_OTHERWISE = ("earliest", "latest")
SELECTION_TIE = ("assessed",)

COLUMN_SPEC = {
    "type": str,
    "required?": bool,
    "values?": str,
    "synonyms": ("list", str),
    "analyses": ("list", str),
    "range?": ("list", float),
}

CLINICAL_SPEC = {
    "version": int,
    "columns": ("map", COLUMN_SPEC),
    "metastasis_columns": ("map", ("list", str)),
    "values": ("map", ("map", ("list", str))),
    "missing": ("list", str),
    "not_tested?": ("list", str),
    "date_formats": ("list", str),
    "samples_sheet": {"sample": ("list", str), "patient": ("list", str),
                      "collection_date": ("list", str)},
    "sample_selection": {"window_days_after_start": int, "prefer": str, "otherwise": str,
                         "tie_break": str},
}

REGIMENS_SPEC = {
    "version": int,
    "class_order": ("list", str),
    "classes": ("map", {"name": str, "drugs": ("map", ("list", str))}),
}



def drug_key(name: str) -> str:
    """Drug names compare without spaces, hyphens or dots: 'Nab-Paclitaxel' = 'nabpaclitaxel'."""
    return re.sub(r"[^0-9a-z]+", "", str(name).lower())


@dataclass(frozen=True)
class ColumnRule:
    name: str
    type: str
    required: bool
    values: str | None
    synonyms: tuple[str, ...]
    analyses: tuple[str, ...]
    range: tuple[float, float] | None = None  # number columns: accepted values, inclusive


@dataclass(frozen=True)
class Selection:
    window_days_after_start: int
    prefer: str
    otherwise: str
    tie_break: str


@dataclass(frozen=True)
class ClinicalRules:
    columns: Mapping[str, ColumnRule]
    header_index: Mapping[str, str]  # normalised header -> field (columns and mets_<site>)
    metastasis_sites: tuple[str, ...]
    values: Mapping[str, Mapping[str, str]]  # value set -> normalised spelling -> canonical
    canonical: Mapping[str, tuple[str, ...]]  # value set -> canonical values in file order
    missing: frozenset[str]
    date_formats: tuple[str, ...]
    sheet_index: Mapping[str, str]  # normalised samples-sheet header -> sample/patient/collection_date
    selection: Selection
    source: str
    extra_columns: tuple[str, ...] = ()  # declared columns outside BUILTIN_COLUMNS, in file order
    not_tested: frozenset[str] = frozenset()  # normalised words meaning "test not done"

    def synonyms_of(self, field: str) -> list[str]:
        return [h for h, f in self.header_index.items() if f == field]


@dataclass(frozen=True)
class RegimenRules:
    class_order: tuple[str, ...]
    class_names: Mapping[str, str]
    drugs: Mapping[str, tuple[str, str]]  # drug_key(name or alias) -> (canonical drug, class)
    source: str

    def regimen_of(self, classes: set[str]) -> str:
        return "+".join(c for c in self.class_order if c in classes)


def _load_tree(name: str, spec: dict, extra: str | Path | None) -> tuple[dict, str]:
    base = builtin_rules_dir() / name
    tree = read_yaml(base) or {}
    check(tree, spec, str(base), partial=False)
    where = str(base)
    if extra:
        over = read_yaml(extra) or {}
        check(over, spec, str(extra), partial=True)
        tree = merge_trees(tree, over)
        where = f"{base.name} + {extra}"
        check(tree, spec, where, partial=False)
    return tree, where


def _index(pairs: list[tuple[str, str]], where: str, what: str) -> dict[str, str]:
    """normalised spelling -> target; one spelling meaning two targets is an error."""
    out: dict[str, str] = {}
    for spelling, target in pairs:
        key = norm(spelling)
        if not key and what != "missing":
            raise RulesError(f"{where}: empty {what} for {shown(target)}")
        if key in out and out[key] != target:
            raise RulesError(f"{where}: the {what} {shown(spelling)} means both {shown(out[key])} and {shown(target)}")
        out[key] = target
    return out


def load_clinical_rules(extra: str | Path | None = None) -> ClinicalRules:
    """clinical.yaml, with a lab's file merged over it."""
    tree, where = _load_tree("clinical.yaml", CLINICAL_SPEC, extra)
    columns: dict[str, ColumnRule] = {}
    for name, c in tree["columns"].items():
        w = f"{where}: columns.{shown(name, bare=True)}"
        if c["type"] not in COLUMN_TYPES:
            raise RulesError(f"{w}.type: {shown(c['type'])} is not one of {', '.join(COLUMN_TYPES)}")
        if c["type"] == "category" and c.get("values") not in tree["values"]:
            raise RulesError(f"{w}.values: {shown(c.get('values'))} is not a value set under 'values'")
        for a in c["analyses"]:
            if a not in (*ANALYSES, "all"):
                raise RulesError(f"{w}.analyses: {shown(a)} is not one of {', '.join(ANALYSES)}, all")
        columns[name] = ColumnRule(name, c["type"], bool(c.get("required", False)), c.get("values"),
                                   tuple(c["synonyms"]), tuple(c["analyses"]), _range(c, name, w))
    if "patient_id" not in columns or columns["patient_id"].type != "id":
        raise RulesError(f"{where}: columns.patient_id (type id) is required")
    for needed in ("yesno", "sites", "response"):
        if needed not in tree["values"]:
            raise RulesError(f"{where}: values.{needed} is required")
    sites = tuple(tree["metastasis_columns"])
    unknown_sites = [s for s in sites if s not in tree["values"]["sites"]]
    if unknown_sites:
        raise RulesError(f"{where}: metastasis_columns.{shown(unknown_sites[0], bare=True)}: "
                         "not a site under values.sites")
    pairs = [(s, name) for name, c in columns.items() for s in (name, *c.synonyms)]
    pairs += [(s, f"mets_{site}") for site, syns in tree["metastasis_columns"].items()
              for s in (f"mets_{site}", *syns)]
    header_index = _index(pairs, where, "header")
    values = {
        vs: _index([(s, canon) for canon, spellings in table.items() for s in (canon, *spellings)],
                   f"{where}: values.{shown(vs, bare=True)}", "spelling")
        for vs, table in tree["values"].items()
    }
    canonical = {vs: tuple(table) for vs, table in tree["values"].items()}
    sheet = tree["samples_sheet"]
    sheet_index = _index([(s, k) for k in ("sample", "patient", "collection_date") for s in (k, *sheet[k])],
                         f"{where}: samples_sheet", "header")
    sel = tree["sample_selection"]
    for key, allowed in (("prefer", SELECTION_PREFER), ("otherwise", SELECTION_OTHERWISE),
                         ("tie_break", SELECTION_TIE)):
        if sel[key] not in allowed:
            raise RulesError(f"{where}: sample_selection.{key}: {shown(sel[key])} is not one of {', '.join(allowed)}")
    if sel["window_days_after_start"] < 0:
        raise RulesError(f"{where}: sample_selection.window_days_after_start must be >= 0")
    if not tree["date_formats"]:
        raise RulesError(f"{where}: date_formats: give at least one format")
    for fmt in tree["date_formats"]:
        if "%" not in fmt:
            raise RulesError(f"{where}: date_formats: {shown(fmt)} is not a strptime format")
    missing = frozenset(norm(m) for m in tree["missing"])
    not_tested = frozenset(norm(m) for m in tree.get("not_tested", []))
    both = sorted(missing & not_tested)
    if both:
        raise RulesError(f"{where}: {shown(both[0])} is listed under both missing and not_tested")
    return ClinicalRules(
        columns=columns, header_index=header_index, metastasis_sites=sites, values=values,
        canonical=canonical, missing=missing,
        date_formats=tuple(tree["date_formats"]), sheet_index=sheet_index,
        selection=Selection(sel["window_days_after_start"], sel["prefer"], sel["otherwise"], sel["tie_break"]),
        source=where, extra_columns=tuple(n for n in columns if n not in BUILTIN_COLUMNS),
        not_tested=not_tested,
    )


def _range(c: dict, name: str, w: str) -> tuple[float, float] | None:
    """Check a column the rules add (name, type) and its accepted range of numbers."""
    if name not in BUILTIN_COLUMNS:
        if not _EXTRA_NAME.match(name):
            raise RulesError(f"{w}: a column you add needs a name of lower-case letters, digits and _ "
                             "(it becomes the cohort column's name)")
        if c["type"] not in EXTRA_TYPES:
            raise RulesError(f"{w}.type: a column you add is one of {', '.join(EXTRA_TYPES)}, "
                             f"not {shown(c['type'])}")
    if "range" not in c:
        return None
    r = c["range"]
    if c["type"] != "number" or name in BUILTIN_COLUMNS:
        raise RulesError(f"{w}.range: only for number columns you add")
    if len(r) != 2 or r[0] > r[1]:
        raise RulesError(f"{w}.range: expected [lowest, highest], e.g. [0, 100]")
    return float(r[0]), float(r[1])


def load_regimen_rules(extra: str | Path | Sequence[str | Path] | None = None) -> RegimenRules:
    """regimens.yaml with each lab file (``--regimens``, repeatable) merged over it in order: drugs
    and their aliases add up; a lab file may rename a class or replace class_order. Two lab files
    that define one drug (or one alias) in different classes, name one class differently, or give
    different class orders are an error naming both files; no file overrides another silently."""
    files = [] if extra is None else [extra] if isinstance(extra, (str, Path)) else list(extra)
    base = builtin_rules_dir() / "regimens.yaml"
    tree = read_yaml(base) or {}
    check(tree, REGIMENS_SPEC, str(base), partial=False)
    layers: list[tuple[str, dict]] = [(str(base), tree)]
    for f in files:
        over = read_yaml(f) or {}
        check(over, REGIMENS_SPEC, str(f), partial=True)
        layers.append((str(f), over))
    _lab_conflicts(layers[1:])
    merged: dict = {}
    for _, layer in layers:
        merged = merge_trees(merged, layer)
    where = " + ".join([base.name, *(str(f) for f in files)])
    check(merged, REGIMENS_SPEC, where, partial=False)
    order = tuple(merged["class_order"])
    if len(set(order)) != len(order):
        raise RulesError(f"{where}: class_order: a class is listed twice")
    missing = [c for c in merged["classes"] if c not in order]
    if missing:
        raise RulesError(f"{where}: classes.{shown(missing[0], bare=True)}: not in class_order")
    drugs: dict[str, tuple[str, str]] = {}
    source: dict[str, str] = {}
    for path, layer in layers:
        for klass, c in (layer.get("classes") or {}).items():
            for drug, aliases in (c.get("drugs") or {}).items():
                for name in (drug, *aliases):
                    key = drug_key(name)
                    if not key:
                        raise RulesError(f"{path}: classes.{shown(klass, bare=True)}.drugs."
                                         f"{shown(drug, bare=True)}: empty name")
                    if key in drugs and drugs[key] != (drug, klass):
                        other = drugs[key]
                        raise RulesError(f"{where}: {shown(name)} names both {shown(other[0], bare=True)} "
                                         f"({shown(other[1], bare=True)}, in {source[key]}) and "
                                         f"{shown(drug, bare=True)} ({shown(klass, bare=True)}, in {path}); "
                                         "keep one definition")
                    drugs[key] = (drug, klass)
                    source.setdefault(key, path)
    return RegimenRules(class_order=order, class_names={k: c["name"] for k, c in merged["classes"].items()},
                        drugs=drugs, source=where)


def _lab_conflicts(layers: list[tuple[str, dict]]) -> None:
    """Lab files may add to each other but not disagree: one class named two ways, or two class
    orders (drugs are checked as they are indexed)."""
    names: dict[str, tuple[str, str]] = {}
    order: tuple[str, tuple[str, ...]] | None = None
    for path, layer in layers:
        if "class_order" in layer:
            mine = tuple(layer["class_order"])
            if order is not None and order[1] != mine:
                raise RulesError(f"{path}: class_order {shown(list(mine))} differs from {shown(list(order[1]))} "
                                 f"in {order[0]}; give the class order in one file")
            order = order or (path, mine)
        for klass, c in (layer.get("classes") or {}).items():
            if "name" not in c:
                continue
            seen = names.setdefault(klass, (c["name"], path))
            if seen[0] != c["name"]:
                raise RulesError(f"{path}: classes.{shown(klass, bare=True)}.name {shown(c['name'])} differs from "
                                 f"{shown(seen[0])} in {seen[1]}; name the class once")
