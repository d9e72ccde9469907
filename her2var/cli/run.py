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
import signal
import sys
from collections.abc import Sequence
from typing import Any

import click

from .. import limits
from ..errors import Her2varError, terminal_text
from ..files import forget_pipes

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


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP (a scheduler's kill, a closed terminal): raised like Ctrl-C's
    KeyboardInterrupt, so that every output being written removes its temporaries on the way out
    (nothing catches it as an error), and the run ends with 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _stop_on_signals() -> Any:
    """SIGTERM and SIGHUP raise Stopped in the main thread while a command runs, once: a second one
    (during the clean-up) ends the process at once, as without her2var's handler, and the next run
    removes what that left. The previous handlers come back afterwards."""
    names = [n for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    owner = os.getpid()

    def stop(signum: int, frame: Any) -> None:
        if os.getpid() != owner:  # a forked worker (a process pool ends its workers with SIGTERM): die
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        for sig in previous:
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, signal.SIG_DFL)
        raise Stopped(signum)

    previous = {}
    for name in names:
        sig = getattr(signal, name)
        try:
            if signal.getsignal(sig) in (signal.SIG_DFL, None):
                previous[sig] = signal.signal(sig, stop)
        except (ValueError, OSError):  # not the main thread: leave signals alone
            break
    try:
        yield
    finally:
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, handler)


def _interrupted(exc: BaseException) -> int:
    if isinstance(exc, Stopped):
        name = signal.Signals(exc.signum).name
        click.echo(f"her2var: stopped by {name}; outputs being written were removed", err=True)
        return 128 + exc.signum
    click.echo("her2var: interrupted", err=True)
    return 130


def run(command: click.Command, argv: Sequence[str] | None = None, prog_name: str = "her2var") -> int:
    """Run a click command (the ``her2var`` group, or one command on its own) and return its exit code.

    The one place where errors become messages and exit codes. Never calls ``sys.exit``.
    """
    args = sys.argv[1:] if argv is None else [str(a) for a in argv]
    limits.use(None)  # a lab's limits last one command (its --rules puts them in force again)
    forget_pipes()  # and so do the copies of pipes it read
    state: dict = {}  # the root context's obj: -v/-q/--debug record themselves in it (cli/params.py)
    try:
        with _stop_on_signals():
            rv = command.main(args, prog_name=prog_name, standalone_mode=False, obj=state)
        sys.stdout.flush()  # the last buffered lines reach a pipe here, where a closed one is caught
    except (OutputClosed, BrokenPipeError):
        _silence_closed_streams()
        return EXIT_BROKEN_PIPE
    except Her2varError as exc:
        if state.get("debug"):
            raise
        click.echo(terminal_text(f"her2var: error: {exc}"), err=True)
        return exc.exit_code
    except click.ClickException as exc:  # click's usage errors (exit 2), bad parameters
        exc.show()
        return exc.exit_code
    except click.Abort as exc:  # click turns Ctrl-C (and EOF at a prompt) into Abort
        if isinstance(exc.__cause__, KeyboardInterrupt):
            return _interrupted(exc.__cause__)
        click.echo("Aborted!", err=True)
        return 1
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except SystemExit as exc:  # click exits by itself on a broken pipe and for shell completion
        code = exc.code
        if code is None or isinstance(code, int):
            return code or 0
        click.echo(str(code), err=True)
        return 1
    # Normal end, or click's Exit (ctx.exit(code): --help, --version, a command's own failure).
    return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0


class _TerminalFormatter(logging.Formatter):
    """Log lines with the characters a terminal acts on escaped (a sample name, a file name)."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_text(super().format(record))


def start_logging(ctx: click.Context, level: int) -> None:
    """Log to the current sys.stderr at this call's level, until this call's context closes.

    Per call rather than ``logging.basicConfig`` (once per process): calls made in one process
    (tests) each log at their own -v/-q to their own stderr and leave no handler behind.
    """
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_TerminalFormatter(LOG_FORMAT))
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
