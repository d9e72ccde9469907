"""What ``her2var classify`` tells the person running a batch, on stderr: a progress bar while it
runs (on a terminal only) and a short summary at the end (silenced by -q). Results themselves go
to the output folder or standard output, never here."""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import IO

from ..classify.result import SampleResult, Tally
from ..errors import shown


class ProgressBar:
    """``classify [##########..........] 45/120 inputs, 0:12`` on one line, redrawn in place.
    Give it only a terminal's stream: a pipe or a log file would collect every redraw."""

    def __init__(self, stream: IO[str], width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.start = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if total <= 1:
            return
        filled = self.width * done // total
        elapsed = int(time.monotonic() - self.start)
        self.stream.write(f"\rclassify [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} inputs, "
                          f"{elapsed // 60}:{elapsed % 60:02d}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def _counts(counts: Counter[str]) -> str:
    return ", ".join(f"{k} {n}" for k, n in counts.most_common())


def batch_summary(results: list[SampleResult] | Tally, n_inputs: int, *, outdir: str | None,
                  store: str | None) -> str:
    """A few lines: samples and how many failed, HER2 altered and status counts, where the outputs are.
    ``results``: the results, or their Tally (a run that did not keep them)."""
    tally = results if isinstance(results, Tally) else Tally.of(results)
    ok = tally.ok
    failed = tally.samples - ok
    lines = [f"classify: {tally.samples} sample(s) from {n_inputs} input(s): {ok} classified, {failed} failed"]
    if ok:
        lines.append(f"classify: HER2 altered: {_counts(tally.altered)}")
        lines.append(f"classify: HER2 status: {_counts(tally.status)}")
    where = []
    if outdir and ok:
        folder = shown(outdir.rstrip("/" + os.sep) + "/", 200, bare=True)
        where.append(f"wrote {folder} (calls.tsv, samples.tsv, samples/*.json, her2var_mqc.tsv for MultiQC)")
    elif outdir:
        where.append(f"nothing written to {shown(outdir, 200, bare=True)} (no input could be classified)")
    if store:
        where.append(f"recorded in {shown(store, 200, bare=True)}")
    if where:
        lines.append("classify: " + "; ".join(where))
    return "\n".join(lines)
