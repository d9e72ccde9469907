"""Many inputs in one run: a samples sheet or a list of files, worker processes, and one bad
file never stopping the others."""

from __future__ import annotations

import csv
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..errors import Her2varError, InputError, shown
from ..rules.load import Rules, load_rules
from .pipeline import classify_bam, classify_vcf
from .result import ClassifyOptions, SampleResult

log = logging.getLogger(__name__)

SHEET_COLUMNS = ("sample", "patient", "vcf", "bam", "cnv", "purity")
# Columns the cohort stage reads from the same sheet; classify accepts and ignores them.
SHARED_SHEET_COLUMNS = ("collection_date", "notes")


@dataclass(frozen=True)
class Job:
    vcf: str
    options: ClassifyOptions
    label: str  # what to call it in messages


def read_samples_sheet(path: str) -> list[Job]:
    """A TSV/CSV with sample, patient, vcf, bam, cnv, purity; paths relative to its folder."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file (--samples)")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); save the samples sheet as UTF-8") from exc
    if not text.strip():
        raise InputError(f"{path}: the samples sheet is empty")
    if "\x00" in text:
        raise InputError(f"{path}: contains NUL bytes: a binary file, not a samples sheet")
    dialect = "excel-tab" if "\t" in text.splitlines()[0] else "excel"
    reader = csv.reader(text.splitlines(), dialect=dialect)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: not a valid samples sheet ({shown(exc, 200, bare=True)})") from exc
    header = [h.strip().lower() for h in rows[0]]
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        raise InputError(f"{path}:1: column(s) {shown(', '.join(twice), bare=True)} given twice; keep one")
    unknown = [h for h in header if h not in SHEET_COLUMNS + SHARED_SHEET_COLUMNS]
    if unknown:
        raise InputError(
            f"{path}:1: unknown column(s) {shown(', '.join(unknown), bare=True)}; expected {', '.join(SHEET_COLUMNS)} "
            f"(and optionally {', '.join(SHARED_SHEET_COLUMNS)})"
        )
    if "vcf" not in header and "bam" not in header:
        raise InputError(f"{path}:1: a samples sheet needs a 'vcf' (or 'bam') column")
    jobs = []
    first_line: dict[str, int] = {}  # sample id -> line: one id on two rows would mix two results
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{path}:{lineno}: {len(row)} columns, expected {len(header)}")
        rec = {h: cell.strip() for h, cell in zip(header, row)}
        if rec.get("sample"):
            if rec["sample"] in first_line:
                raise InputError(f"{path}:{lineno}: sample {shown(rec['sample'])} is listed twice (first on line "
                                 f"{first_line[rec['sample']]})")
            first_line[rec["sample"]] = lineno

        def rel(p: str) -> str | None:
            return None if not p else (p if os.path.isabs(p) else os.path.join(folder, p))

        purity = None
        if rec.get("purity"):
            try:
                purity = float(rec["purity"])
            except ValueError as exc:
                raise InputError(f"{path}:{lineno}: purity {shown(rec['purity'])} is not a number") from exc
            if not 0 < purity <= 1:
                raise InputError(f"{path}:{lineno}: purity {purity} is outside (0, 1]")
        vcf = rel(rec.get("vcf", ""))
        bam = rel(rec.get("bam", ""))
        if vcf is None and bam is None:
            raise InputError(f"{path}:{lineno}: give a 'vcf' or a 'bam' for each sample")
        opts = ClassifyOptions(sample_id=rec.get("sample") or None, cnv=rel(rec.get("cnv", "")),
                               purity=purity, patient=rec.get("patient", ""), bam=bam)
        jobs.append(Job(vcf=vcf or "", options=opts, label=f"{path}:{lineno}"))
    return jobs


# Worker processes load the rules once each.
_WORKER_RULES = None


def _init_worker(rule_files: tuple[str, ...]) -> None:
    global _WORKER_RULES
    _WORKER_RULES = load_rules(list(rule_files))


def _run_job(job: Job, rules=None) -> list[SampleResult]:
    rules = rules or _WORKER_RULES
    try:
        if not job.vcf:
            return classify_bam(job.options.bam, rules, job.options)
        return classify_vcf(job.vcf, rules, job.options)
    except Her2varError as exc:
        name = job.options.sample_id or job.options.sample or os.path.basename(job.vcf or job.options.bam or "")
        return [SampleResult(sample=name, patient=job.options.patient, input=job.vcf,
                             status="error", error=str(exc))]


def run_batch(jobs: list[Job], rule_files: tuple[str, ...], *, workers: int = 1,
              fail_fast: bool = False, progress: Callable[[int, int], None] | None = None,
              rules: Rules | None = None,
              on_result: Callable[[list[SampleResult]], None] | None = None) -> list[SampleResult]:
    """Classify every job; results come back in job order.

    ``on_result`` is called in this process with each job's results as soon as they exist (the
    store records them there, so a run killed midway keeps everything finished before).
    """
    results: list[SampleResult] = []
    total = len(jobs)
    if workers <= 1 or total <= 1:
        rules = rules or load_rules(list(rule_files))
        for i, job in enumerate(jobs, 1):
            out = _run_job(job, rules)
            results.extend(out)
            if on_result:
                on_result(out)
            if progress:
                progress(i, total)
            if fail_fast and any(r.status == "error" for r in out):
                break
        return results
    from concurrent.futures import (
        ProcessPoolExecutor,  # only when parallel: costs start-up time
    )

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                             initargs=(rule_files,)) as pool:
        futures = [pool.submit(_run_job, job) for job in jobs]
        for i, fut in enumerate(futures, 1):
            out = fut.result()
            results.extend(out)
            if on_result:
                on_result(out)
            if progress:
                progress(i, total)
            if fail_fast and any(r.status == "error" for r in out):
                for f in futures[i:]:
                    f.cancel()
                break
    return results


def terminal_progress(done: int, total: int) -> None:
    sys.stderr.write(f"\rclassified {done}/{total} input(s)")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def jobs_from_paths(paths: list[str], options: ClassifyOptions) -> list[Job]:
    if not paths and options.bam:
        return [Job(vcf="", options=replace(options), label=options.bam)]  # a BAM without a VCF
    return [Job(vcf=p, options=replace(options), label=p) for p in paths]
