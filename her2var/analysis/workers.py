"""Worker processes that draw the figures (see :mod:`.draw`).

A light module on purpose (the standard library only): the command line starts the workers
before it imports the statistics and their libraries, so that the workers' own start (a fork
server importing matplotlib, about a second) overlaps that import, the reading of the cohort and
the statistics, instead of delaying the figures.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .fontsubset import share_in, user_folder

if TYPE_CHECKING:
    from .plan import Plan

# Fewer figures than this are drawn in this process: starting worker processes would cost more
# than they save.
MIN_PARALLEL = 4
# What a figure worker needs, imported once by the fork server the workers are forked from, so that
# each worker starts ready to draw (the process that starts them never imports matplotlib); the
# last one freezes what the others built, for the workers' collector (see figserver). The figure
# modules only: what the workers are handed is made of figdata's records, numpy arrays and the
# standard library's types, so that neither the server nor a worker imports the statistics (scipy,
# pandas) or the plan's parser.
# The first ignores Ctrl-C in the server while it imports the others (see serverprep).
WORKER_MODULES = ("her2var.analysis.serverprep", "her2var.analysis.figures", "matplotlib.figure",
                  "matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg",
                  "matplotlib.backends.backend_pdf", "PIL.PngImagePlugin", "her2var.analysis.figserver")


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def default_jobs() -> int:
    """Figure processes when none are asked for: one per usable CPU, at most 4 (each holds
    matplotlib and one figure, ~100 MB)."""
    return max(1, min(usable_cpus(), 4))


def fewest_figures(plan: Plan) -> int:
    """How many figures the plan asks for at the least, before any data is read (one Kaplan-Meier
    figure per endpoint and grouping, more with subgroups)."""
    f = plan.figures
    return ((len(plan.endpoints) * len(plan.groupings) if f.km else 0)
            + (2 * len(plan.cox.endpoints) if f.forest and plan.cox is not None else 0)
            + (len(plan.groupings) if f.response and plan.response is not None else 0)
            + (f.swimmer is not None) + (f.her2_classes is not None))


class FigureWorkers:
    """Worker processes drawing figures (matplotlib's text layout and the PNG, PDF and SVG writers
    are CPU-bound and hold the GIL, so threads would not help).

    Use as a context manager; leaving it waits for the figures being drawn and cancels the others,
    so that nothing is still writing into a folder that is about to be removed."""

    def __init__(self, n: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # forkserver/spawn: a clean interpreter per worker, never a fork of a process with threads.
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            from multiprocessing import forkserver

            ctx.set_forkserver_preload(list(WORKER_MODULES))
            # Started now, without waiting for it: the server imports WORKER_MODULES while this
            # process goes on; the workers are forked from it, ready to draw, when the first figures
            # are handed over. A run that fails before then has nothing to wait for. It starts with
            # SIGINT blocked, until its first module ignores it (serverprep); here a Ctrl-C meanwhile
            # waits until the server is started.
            blocked = hasattr(signal, "pthread_sigmask")
            if blocked:
                from multiprocessing import resource_tracker

                # first: starting it unblocks SIGINT in this thread when done (it blocks it around its
                # own start); once running, the server's start leaves the mask alone
                resource_tracker.ensure_running()
                before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                forkserver.ensure_running()
            finally:
                if blocked:
                    signal.pthread_sigmask(signal.SIG_SETMASK, before)
        self.n = n
        # The PDF font subsets one worker makes, the others take (fontsubset.share_in): through the
        # user's cache folder (kept for the next run), else a private folder of this run.
        from ..files import scratch_folder

        self.shared = None if user_folder() else scratch_folder("her2var-font-subsets-")
        # Like the fork server they are forked from (see serverprep), the workers ignore Ctrl-C (one
        # interrupted while it waited for a figure printed a traceback): the command, interrupted,
        # cancels the figures not started and waits for those being drawn before it removes their folder.
        self.pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=share_in,
                                        initargs=(self.shared,))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in a worker: a concurrent.futures Future."""
        return self.pool.submit(fn, *args)

    def close(self) -> None:
        try:
            self.pool.shutdown(wait=True, cancel_futures=True)
        finally:
            if self.shared is not None:
                shutil.rmtree(self.shared, ignore_errors=True)

    def __enter__(self) -> FigureWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def figure_workers(plan: Plan, jobs: int | None, *, figures: bool = True) -> Iterator[FigureWorkers | None]:
    """Workers for the plan's figures, or None: ``jobs`` (None: :func:`default_jobs`) is 1, no
    figure is asked for, or the plan asks for fewer than MIN_PARALLEL."""
    n = default_jobs() if jobs is None else jobs
    if not figures or n <= 1 or fewest_figures(plan) < MIN_PARALLEL:
        yield None
        return
    with FigureWorkers(n) as workers:
        yield workers


__all__ = ["MIN_PARALLEL", "FigureWorkers", "default_jobs", "fewest_figures", "figure_workers", "usable_cpus"]
