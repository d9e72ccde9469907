"""One exception family; the command line maps it to exit codes in one place."""

from __future__ import annotations


class Her2varError(Exception):
    """Base class of every error her2var reports to a person (no traceback)."""

    exit_code = 1


class InputError(Her2varError):
    """A file or value given to her2var is not what was expected (exit code 1)."""


class RulesError(InputError):
    """A rules or plan YAML file breaks its schema."""


class UsageError(Her2varError):
    """The command line itself is wrong (exit code 2)."""

    exit_code = 2


def where(path: object, line: int | None = None, record: str | None = None) -> str:
    """Format the place an error refers to: ``file:line`` or ``file (record)``."""
    place = str(path)
    if line is not None:
        place += f":{line}"
    if record:
        place += f" ({record})"
    return place
