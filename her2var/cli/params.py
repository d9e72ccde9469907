"""Option types and options shared by every command, so that each behaves the same everywhere.

- Paths: a problem with a path named on the command line (missing, a folder where a file is
  needed, a file where a folder is needed) is bad input, exit 1, like any other input problem;
  exit 2 is kept for the command line's own grammar (unknown options, wrong choices, options
  that do not go together).
- Genome builds are accepted under their common names (hg19, b37, 37, hg38, 38, ...), in any case.
- ``-v``/``-q``/``--debug`` work before and after the subcommand (``her2var -q classify`` and
  ``her2var classify -q`` are the same).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import click

from ..errors import InputError, shown, terminal_text

STDIN = "-"


def _option_name(param: click.Parameter | None) -> str:
    if param is None:
        return "argument"
    opts = getattr(param, "opts", None) or []
    return opts[-1] if opts and isinstance(param, click.Option) else (param.human_readable_name or "argument")


class InputPath(click.Path):
    """A file her2var reads. A folder is refused as bad input (exit 1) naming the option; a missing
    file is left to the reader, which says what it expected (exit 1 too). ``check=False`` leaves
    the folder case to the reader as well (classify's inputs: one bad input fails that sample and
    the batch goes on). ``allow_dash``: '-' is standard input."""

    def __init__(self, *, allow_dash: bool = False, check: bool = True) -> None:
        super().__init__(dir_okay=False, allow_dash=allow_dash)
        self.check = check

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = os.fspath(value) if isinstance(value, os.PathLike) else value
        if not isinstance(path, str):
            path = os.fsdecode(path)
        if path == STDIN and self.allow_dash:
            return path
        if self.check and not (ctx is not None and ctx.resilient_parsing) and os.path.isdir(path):
            raise InputError(f"{shown(path, 200, bare=True)}: is a folder, expected a file ({_option_name(param)})")
        return path


class OutputPath(click.Path):
    """Where her2var writes: a file (``folder=False``) or a folder. An existing path of the other
    kind is refused as bad input (exit 1) naming the option; a missing parent folder is reported by
    the writer (exit 1)."""

    def __init__(self, *, folder: bool = False) -> None:
        super().__init__(file_okay=not folder, dir_okay=folder)
        self.folder = folder

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = os.fspath(value) if isinstance(value, os.PathLike) else value
        if not isinstance(path, str):
            path = os.fsdecode(path)
        if ctx is not None and ctx.resilient_parsing:
            return path
        if self.folder and os.path.exists(path) and not os.path.isdir(path):
            raise InputError(f"{shown(path, 200, bare=True)}: is a file, expected a folder ({_option_name(param)})")
        if not self.folder and os.path.isdir(path):
            raise InputError(f"{shown(path, 200, bare=True)}: is a folder, expected a file name "
                             f"({_option_name(param)})")
        return path


# -- genome builds ------------------------------------------------------------------------------
class BuildParam(click.ParamType):
    """``--build``: GRCh37 or GRCh38 under any of their common names, in any case."""

    name = "build"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[GRCh37|GRCh38]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..genome.builds import build_named  # only when --build is given: the rules name the builds
        from ..rules.load import load_rules

        builds = load_rules().builds
        found = build_named(str(value), builds)
        if found is None:
            known = " or ".join(f"{b.name} ({', '.join([n for n in b.names if n != b.name][:3])}, "
                                f"{b.name[-2:]}, ...)" for b in builds.values())
            self.fail(f"{shown(value)} is not a genome build her2var knows; expected {known}, in any case "
                      "(rules/builds.yaml lists every name)", param, ctx)
        return found


# -- -v / -q / --debug, before or after the subcommand ---------------------------------------------
def _state(ctx: click.Context) -> dict:
    """The run's shared state: the root context's obj (her2var.cli.run.run passes a dict)."""
    return ctx.find_root().ensure_object(dict)


def _verbosity(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if ctx.resilient_parsing:
        return
    from .run import start_logging

    state = _state(ctx)
    if param.name == "verbose":
        state["verbose"] = state.get("verbose", 0) + (value or 0)
    elif param.name == "quiet":
        state["quiet"] = bool(state.get("quiet") or value)
    elif param.name == "debug":
        state["debug"] = bool(state.get("debug") or value)
    if state.get("debug"):
        level = logging.DEBUG
    elif state.get("quiet"):
        level = logging.ERROR
    else:
        level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(state.get("verbose", 0), 2)]
    if not state.get("logging_started"):
        start_logging(ctx.find_root(), level)
        state["logging_started"] = True
    else:
        logging.getLogger().setLevel(level)


def verbosity_params() -> list[click.Option]:
    """New -v/-q/--debug options (one set per command: click options are not shared)."""
    return [
        click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=_verbosity,
                     help="More messages (repeat for debug-level logs)."),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_verbosity,
                     help="Only errors (no progress, no summary)."),
        click.Option(["--debug"], is_flag=True, expose_value=False, callback=_verbosity,
                     help="Show tracebacks for errors."),
    ]


def add_verbosity(command: click.Command) -> None:
    """Give ``command`` and every command under it the -v/-q/--debug options (once)."""
    names = {o for p in command.params for o in getattr(p, "opts", [])}
    if "--quiet" not in names:
        command.params.extend(verbosity_params())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_verbosity(sub)


def is_quiet(ctx: click.Context | None = None) -> bool:
    """Whether -q was given (before or after the subcommand): summaries and progress stay silent."""
    ctx = ctx or click.get_current_context(silent=True)
    return bool(ctx is not None and _state(ctx).get("quiet"))


def say(message: str) -> None:
    """A line for the person running the command (a summary, where the outputs went): on stderr,
    silenced by -q. Results go to stdout or files, never here."""
    if not is_quiet():
        click.echo(terminal_text(message), err=True)
