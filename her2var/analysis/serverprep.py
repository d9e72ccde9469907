"""Imported first by the figure workers' fork server (see :mod:`.workers`): Ctrl-C is ignored there.

Ctrl-C reaches every process of the terminal's process group. The fork server ignores it once it
serves (multiprocessing's own choice), but not while it first imports matplotlib and the figure
modules: interrupted then, it printed a traceback beside the command's own one-line message. The
server starts with SIGINT blocked (:class:`.workers.FigureWorkers` blocks it around the start), so
one that arrives before this module is run stays pending; ignoring it here discards it, and then it
is unblocked. The workers forked from it ignore Ctrl-C too: the command, interrupted, stops them
itself (``workers.FigureWorkers.close``).

A worker that cannot start says so in one line, not a traceback (the command sees the worker
missing and reports it there); nothing when what it missed is its pool's own state, gone because
the command stopped meanwhile (a Ctrl-C while the server forks it: a semaphore or pipe already
removed).
"""

from __future__ import annotations

import signal
import sys
from types import TracebackType


def _one_line(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, (FileNotFoundError, EOFError, ConnectionError)):
        return  # the pool it was forked for is gone: the command has stopped
    sys.stderr.write(f"her2var: a figure worker could not start ({kind.__name__}: {str(exc)[:200]})\n")


signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
sys.excepthook = _one_line  # the server's, and so its workers' (forked from it)
