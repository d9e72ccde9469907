"""Reading rules-like YAML strictly, and the small schema language every rules file is checked with.

Used by the gene rules, the clinical/regimen rules and the analysis plans alike: ``safe_load``
only, after composing the document to refuse duplicate keys and aliases (billion-laughs); then
``check`` against a spec, naming the file and the key of anything unknown, missing or mistyped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import yaml

from .. import limits
from ..errors import InputError, RulesError, shown
from ..files import atomic_write, read_input, user_cache_dir

# A spec is a type, ("list", spec), ("map", spec) or a dict of fields (a key ending in "?" is optional).
Spec = Any

# The largest integer a rules file may write: rules count bases, reads and days. A bigger one is
# a typo or an attack (a hexadecimal integer of thousands of digits parses, then fails when written).
MAX_RULES_INT = 10**18


def builtin_rules_dir() -> Path:
    """Folder of the built-in rules: inside the installed package, else the source checkout."""
    here = Path(__file__).resolve().parent.parent  # the her2var package folder
    for candidate in (here / "_rules", here.parent / "rules"):
        if (candidate / "transcripts.yaml").is_file():
            return candidate
    raise RulesError(f"built-in rules not found (looked in {here / '_rules'} and {here.parent / 'rules'})")


# ---------------------------------------------------------------------------------------------
# Reading YAML safely
# ---------------------------------------------------------------------------------------------
def read_builtin_yaml(path: Path) -> Any:
    """A built-in rules file, parsed once per content and then read back as JSON.

    The built-in files are plain data (strings, numbers, lists, string-keyed mappings), so the
    JSON copy is exact; it is keyed by the SHA-256 of the text, so an edited file is parsed again.
    """
    text = path.read_bytes()
    cached = Path(user_cache_dir()) / f"rules-{hashlib.sha256(text).hexdigest()[:32]}.json"
    try:
        with open(cached, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        pass
    data = read_yaml(path)
    try:
        with atomic_write(str(cached)) as fh:  # another process may be writing the same cache
            fh.write(json.dumps(data))
    except InputError:
        pass  # no cache here (read-only home): parse every time
    return data


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """Parse a YAML file with safe_load after checking it has no duplicate keys or aliases, nests
    no deeper than limits.max_yaml_depth and holds no integer beyond MAX_RULES_INT; the file may
    hold at most limits.max_yaml_bytes (a device or a pipe is handled by files.input_path)."""
    path = os.fspath(path)
    most = limits.current().max_yaml_bytes
    with contextlib.suppress(OSError):  # a missing or unreadable file is reported by read_input
        size = os.stat(path).st_size  # a regular file's size; a pipe's is known once read
        if size > most:
            raise RulesError(f"{path}: {size:,} bytes; a YAML rules file may hold at most {most:,} "
                             f"{limits.exceeded('max_yaml_bytes')}")
    text = read_input(path, what="a YAML file", error=RulesError).text
    if len(text.encode("utf-8", "surrogatepass")) > most:  # a gzipped file or a pipe
        raise RulesError(f"{path}: more than {most:,} bytes of YAML; a YAML rules file may hold at most {most:,} "
                         f"{limits.exceeded('max_yaml_bytes')}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # parse-only here: builds no objects
    try:
        node = yaml.compose(text, Loader=loader)
        if node is not None:
            _check_nodes(node, path)
        return yaml.safe_load(text)
    except ValueError as exc:  # a scalar YAML reads but Python refuses (an integer of thousands of digits)
        raise RulesError(f"{path}: a value cannot be read ({shown(str(exc), 120)})") from exc
    except RecursionError as exc:
        raise RulesError(f"{path}: nested too deeply to be a rules file (thousands of levels)") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RulesError(f"{path}{line}: not valid YAML ({shown(problem, 200, bare=True)})") from exc


_INT_TAG = "tag:yaml.org,2002:int"


def _check_nodes(root: yaml.Node, path: str) -> None:
    """Duplicate keys are errors; so are aliases (a node reached twice), which rules never need
    and which can blow up exponentially (billion-laughs); so are nesting deeper than
    limits.max_yaml_depth and integers beyond MAX_RULES_INT (checked on the text, before Python
    builds a number of thousands of digits). Walked without recursion."""
    most = limits.current().max_yaml_depth
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        line = node.start_mark.line + 1
        if id(node) in seen_nodes:
            raise RulesError(f"{path}:{line}: YAML anchors and aliases are not allowed in rules files")
        seen_nodes.add(id(node))
        if depth > most:
            raise RulesError(f"{path}:{line}: nested more than {most} levels deep {limits.exceeded('max_yaml_depth')}")
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _INT_TAG and _too_big(str(node.value)):
                raise RulesError(f"{path}:{line}: the integer {shown(node.value, 30)} is too large (rules "
                                 "integers are below 10^18)")
        elif isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            children = []
            for key_node, value_node in node.value:
                key = str(key_node.value)
                key_line = key_node.start_mark.line + 1
                if key in seen:
                    raise RulesError(f"{path}:{key_line}: duplicate key {shown(key)} (first at line {seen[key]})")
                seen[key] = key_line
                children += [(key_node, depth + 1), (value_node, depth + 1)]
            stack.extend(reversed(children))  # visited in document order
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in reversed(node.value))


def _too_big(text: str) -> bool:
    """Whether a YAML integer's text (decimal, 0x, 0o, 0b, sexagesimal, with '_') is beyond
    MAX_RULES_INT; its digits are counted first, so no huge number is ever built."""
    digits = text.strip().lstrip("+-").replace("_", "")
    if len(digits) > 40:
        return True
    try:
        return abs(yaml.safe_load(text)) > MAX_RULES_INT
    except (ValueError, TypeError, yaml.YAMLError):
        return False  # the full load names the problem


def _type_name(spec: Spec) -> str:
    if isinstance(spec, dict):
        return "a mapping"
    if isinstance(spec, tuple):
        return "a list" if spec[0] == "list" else "a mapping"
    return {int: "an integer", float: "a number", str: "a string", bool: "true/false"}[spec]


def check(value: Any, spec: Spec, where: str, *, partial: bool) -> None:
    """Raise RulesError when value does not fit spec. ``partial`` allows missing fields."""
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise RulesError(f"{where}: expected {_type_name(spec)}, found {type(value).__name__}")
        known = {k.rstrip("?"): k.endswith("?") for k in spec}
        for key in value:
            if key not in known:
                raise RulesError(
                    f"{where}.{shown(key, bare=True)}: unknown key (expected one of: {', '.join(sorted(known))})"
                )
        if not partial:
            for key, optional in known.items():
                if not optional and key not in value:
                    raise RulesError(f"{where}: missing key '{key}'")
        for key, sub in spec.items():
            k = key.rstrip("?")
            if k in value:
                check(value[k], sub, f"{where}.{k}", partial=partial)
        return
    if isinstance(spec, tuple):
        kind, sub = spec
        if kind == "list":
            if not isinstance(value, list):
                raise RulesError(f"{where}: expected a list, found {type(value).__name__}")
            for i, item in enumerate(value):
                check(item, sub, f"{where}[{i}]", partial=False)
        else:
            if not isinstance(value, dict):
                raise RulesError(f"{where}: expected a mapping, found {type(value).__name__}")
            for key, item in value.items():
                check(item, sub, f"{where}.{shown(key, bare=True)}", partial=partial)
        return
    ok = isinstance(value, spec) and not (spec is not bool and isinstance(value, bool))
    if spec is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if ok and spec is float and not math.isfinite(value):  # .nan makes every comparison false
        raise RulesError(f"{where}: expected a finite number, found {shown(value)}")
    if not ok:
        raise RulesError(f"{where}: expected {_type_name(spec)}, found {shown(value)}")


def merge_trees(base: Any, over: Any) -> Any:
    """Rules files merge key by key: mappings recursively, lists and values replace."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge_trees(base[k], v) if k in base else v
        return out
    return over
