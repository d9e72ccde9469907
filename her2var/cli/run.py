"""Running a click command: the one place where errors become messages and exit codes, and where
each call's logging is set up and taken down.

A reader that goes away (``her2var classify x.vcf | head -1``) ends the run quietly with 141, the
code a shell gives any program stopped by SIGPIPE (128 + 13): no message, no traceback, and a
script with ``set -o pipefail`` sees what it sees from ``cat`` or ``bcftools`` there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from ..errors import Her2varError

LOG_FORMAT = "her2var: %(levelname)s: %(message)s"
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports for a program whose reader went away


class OutputClosed(Exception):
    """Standard output's (or error's) reader went away. Not an OSError, so that click, which turns a
    broken pipe into exit 1, lets it through to :func:`run`."""


class PipeAwareGroup(click.Group):
    """A click group whose commands' broken pipes reach :func:`run` (exit 141, quietly)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise OutputClosed() from exc


def _silence_closed_streams() -> None:
    """Point the process's stdout and stderr at /dev/null once their reader has gone, so the
    interpreter's last flush at exit neither fails nor prints. Only the process's own streams
    (not a test's replacements, which have no reader to lose)."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None or not any(stream is own for own in (sys.__stdout__, sys.__stderr__)):
            continue
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)


def run(command: click.Command, argv: Sequence[str] | None = None, prog_name: str = "her2var") -> int:
    """Run a click command (the ``her2var`` group, or one command on its own) and return its exit code.

    The one place where errors become messages and exit codes. Never calls ``sys.exit``.
    """
    args = sys.argv[1:] if argv is None else [str(a) for a in argv]
    state: dict = {}  # the root context's obj: -v/-q/--debug record themselves in it (cli/params.py)
    try:
        rv = command.main(args, prog_name=prog_name, standalone_mode=False, obj=state)
        sys.stdout.flush()  # the last buffered lines reach a pipe here, where a closed one is caught
    except (OutputClosed, BrokenPipeError):
        _silence_closed_streams()
        return EXIT_BROKEN_PIPE
    except Her2varError as exc:
        if state.get("debug"):
            raise
        click.echo(f"her2var: error: {exc}", err=True)
        return exc.exit_code
    except click.ClickException as exc:  # click's usage errors (exit 2), bad parameters
        exc.show()
        return exc.exit_code
    except click.Abort as exc:  # click turns Ctrl-C (and EOF at a prompt) into Abort
        if isinstance(exc.__cause__, KeyboardInterrupt):
            click.echo("her2var: interrupted", err=True)
            return 130
        click.echo("Aborted!", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("her2var: interrupted", err=True)
        return 130
    except SystemExit as exc:  # click exits by itself on a broken pipe and for shell completion
        code = exc.code
        if code is None or isinstance(code, int):
            return code or 0
        click.echo(str(code), err=True)
        return 1
    # Normal end, or click's Exit (ctx.exit(code): --help, --version, a command's own failure).
    return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0


def start_logging(ctx: click.Context, level: int) -> None:
    """Log to the current sys.stderr at this call's level, until this call's context closes.

    Per call rather than ``logging.basicConfig`` (once per process): calls made in one process
    (tests) each log at their own -v/-q to their own stderr and leave no handler behind.
    """
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)

    def stop() -> None:
        root.removeHandler(handler)
        root.setLevel(old_level)
        try:
            handler.flush()
        except (OSError, ValueError):  # stderr already closed or a broken pipe
            pass

    ctx.call_on_close(stop)
