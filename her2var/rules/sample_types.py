"""Threshold sets per sample type (rules/thresholds.yaml ``thresholds.by_sample_type``).

A sample's type (the samples sheet's ``sample_type`` column, or ``--sample-type``) picks the
thresholds it is judged by: the default set with the type's own values over it. A sample with no
type, or one written as ``unknown``, is judged by the default set. A type is found by its name or
one of its synonyms, case, spaces and hyphens aside (``cfDNA``, ``Plasma``, ``cell-free DNA``); a
name the rules do not know is an error, never quietly the default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import RulesError, shown
from .spec import Thresholds

DEFAULT_SET = "default"  # the name recorded for the thresholds used when no sample type applies
UNSPECIFIED = frozenset({"", "unknown", "na", "n/a", "."})  # a type cell meaning "not given"


def sample_type_key(text: str) -> str:
    """How a sample type is compared: lower case, runs of spaces, hyphens and underscores as one '_'."""
    return re.sub(r"[\s_-]+", "_", text.strip().lower()).strip("_")


def threshold_sets(tree: Mapping[str, Any], base: Thresholds,
                   where: str) -> tuple[dict[str, Thresholds], dict[str, str]]:
    """(set name -> thresholds, sample type name or synonym -> set name) from a checked
    ``thresholds`` mapping. The default set is ``base``; each type's set is ``base`` with the
    type's values over it, checked like the default. Type names and synonyms must be unique."""
    sets = {DEFAULT_SET: base}
    names: dict[str, str] = {}
    plain = {k: v for k, v in tree.items() if k != "by_sample_type"}
    for raw_name, entry in (tree.get("by_sample_type") or {}).items():
        here = f"{where}.by_sample_type.{shown(raw_name, bare=True)}"
        name = sample_type_key(str(raw_name))
        if name in UNSPECIFIED or name == DEFAULT_SET:
            raise RulesError(f"{here}: {shown(raw_name)} cannot name a sample type (it means no type is given)")
        values = {k: v for k, v in entry.items() if k != "synonyms"}
        t = Thresholds.from_tree({**plain, **values})
        t.check(here)
        sets[name] = t
        for word in (str(raw_name), *entry.get("synonyms", [])):
            key = sample_type_key(word)
            if key in UNSPECIFIED or key == DEFAULT_SET:
                raise RulesError(f"{here}.synonyms: {shown(word)} cannot name a sample type (it means no type "
                                 "is given)")
            if names.get(key, name) != name:
                raise RulesError(f"{here}.synonyms: {shown(word)} already names sample type {shown(names[key])}")
            names[key] = name
    return sets, names


def resolve(names: Mapping[str, str], sample_type: str | None) -> str | None:
    """The set a sample type is judged by: DEFAULT_SET when none is given, None when unknown."""
    key = sample_type_key(sample_type or "")
    if key in UNSPECIFIED:
        return DEFAULT_SET
    return names.get(key)


def choices(names: Mapping[str, str]) -> str:
    """The sample types the rules know, for a message: 'tissue (ffpe, tumour), cfdna (plasma, ctdna)'."""
    by_set: dict[str, list[str]] = {}
    for word, name in names.items():
        by_set.setdefault(name, [])
        if word != name:
            by_set[name].append(word)
    listed = [f"{name} ({', '.join(words)})" if words else name for name, words in by_set.items()]
    return ", ".join(listed) + "; or leave it empty (or 'unknown') for the default thresholds"
