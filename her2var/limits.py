"""The limits every reader works within: the longest line, the largest header, decompressed text,
workbook and YAML file, the most VCF samples, table rows and workbook cells, how long to wait on a
pipe.

Their values are data, kept in one place: the ``limits`` section of the rules
(``rules/limits.yaml``), which a lab's ``--rules`` file may change like any other rule
(rules/load.py checks it and puts it in force). The readers that obey them sit at the bottom of the
layers (files.py, the VCF and table readers) and are called from everywhere, before any rules are
loaded too, so the values in force are kept here rather than passed down every call: ``current()``
is the lab's values once a rules file changed them, the built-in ones otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

_FILE = "limits.yaml"


@dataclass(frozen=True)
class Limits:
    """The values of rules/limits.yaml (which documents each)."""

    max_line_bytes: int
    max_header_bytes: int
    max_text_bytes: int
    max_vcf_samples: int
    max_table_rows: int
    max_workbook_cells: int
    max_workbook_bytes: int
    max_workbook_ratio: int
    max_yaml_bytes: int
    max_yaml_depth: int
    max_pipe_bytes: int
    pipe_writer_wait_seconds: float
    pipe_idle_seconds: float

    @classmethod
    def from_tree(cls, tree: dict[str, Any]) -> Limits:
        """From a checked ``limits`` mapping (every key present)."""
        values: dict[str, Any] = {f.name: float(tree[f.name]) if f.type == "float" else tree[f.name]
                                  for f in fields(cls)}
        return cls(**values)

    def problem(self) -> str | None:
        """What is wrong with the values (each must be above 0), or None."""
        bad = [f.name for f in fields(self) if not getattr(self, f.name) > 0]
        return f"{', '.join(bad)} must be above 0" if bad else None


def spec() -> dict[str, type]:
    """The schema of the ``limits`` section (rules/schema.py's language): every key optional, as a
    lab's file holds only what it changes; the built-in file holds them all."""
    return {f"{f.name}?": float if f.type == "float" else int for f in fields(Limits)}


def builtin_file() -> Path:
    """rules/limits.yaml: inside the installed package, else in the source checkout."""
    here = Path(__file__).resolve().parent
    for folder in (here / "_rules", here.parent / "rules"):
        if (folder / _FILE).is_file():
            return folder / _FILE
    raise FileNotFoundError(f"built-in {_FILE} not found (looked in {here / '_rules'} and {here.parent / 'rules'})")


_builtin: Limits | None = None
_in_force: Limits | None = None


def builtin() -> Limits:
    """The built-in values (read once: the file ships with the package and is trusted)."""
    global _builtin
    if _builtin is None:
        import yaml

        _builtin = Limits.from_tree(yaml.safe_load(builtin_file().read_text(encoding="utf-8"))["limits"])
    return _builtin


def current() -> Limits:
    """The limits in force: a lab's, once its rules file set them (``use``), else the built-in ones."""
    return _in_force or builtin()


def use(limits: Limits | None) -> None:
    """Put ``limits`` in force for this process (None: the built-in ones again)."""
    global _in_force
    _in_force = limits


def exceeded(name: str) -> str:
    """The end of every message refusing an input for a limit: which limit, its value, how to
    raise it. ``name`` is a field of Limits."""
    value = getattr(current(), name)
    shown = f"{value:,}" if isinstance(value, int) else f"{value:g}"
    return (f"(limit {name} = {shown}; if the input is genuine, raise it with a --rules file holding "
            f"'limits: {{{name}: N}}')")
