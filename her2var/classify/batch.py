"""Many inputs in one run: a samples sheet or a list of files, worker processes, and one bad
file never stopping the others."""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from ..errors import Her2varError, InputError, UsageError, shown
from ..files import read_input
from ..rules.load import Rules, load_rules
from .output import sample_json, write_outdir
from .pipeline import classify_bam, classify_vcf, provenance
from .result import ClassifyOptions, SampleResult

log = logging.getLogger(__name__)

SHEET_COLUMNS = ("sample", "patient", "vcf", "bam", "cnv", "fusions", "purity")
# Columns the cohort stage reads from the same sheet; classify accepts and ignores them.
SHARED_SHEET_COLUMNS = ("collection_date", "notes")


@dataclass(frozen=True)
class Job:
    vcf: str
    options: ClassifyOptions
    label: str  # what to call it in messages


def read_samples_sheet(path: str) -> list[Job]:
    """A TSV/CSV with sample, patient, vcf, bam, cnv, fusions, purity; paths relative to its folder."""
    folder = os.path.dirname(os.path.abspath(path))
    text = read_input(path, what="a samples sheet", source="--samples",
                      advice="save the samples sheet as UTF-8").text
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
        rec = {h: cell.strip() for h, cell in zip(header, row, strict=True)}
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
                               fusions=rel(rec.get("fusions", "")), purity=purity, patient=rec.get("patient", ""),
                               bam=bam)
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
        if not job.vcf and job.options.bam:  # a BAM without a VCF
            return classify_bam(job.options.bam, rules, job.options)
        return classify_vcf(job.vcf, rules, job.options)
    except Her2varError as exc:
        return [_failed(job, str(exc))]
    except Exception as exc:  # a bug met on one input: that sample fails, the batch goes on
        log.debug("%s: internal error", job.label, exc_info=True)
        where = job.vcf or job.options.bam or job.label
        return [_failed(job, f"{where}: internal error while classifying it ({type(exc).__name__}: "
                             f"{shown(exc, 200, bare=True)}); the other inputs are unaffected. This is a "
                             "her2var bug: please report it with the output of --debug")]


def _failed(job: Job, error: str) -> SampleResult:
    name = job.options.sample_id or job.options.sample or os.path.basename(job.vcf or job.options.bam or "")
    return SampleResult(sample=name, patient=job.options.patient, input=job.vcf, status="error", error=error)


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

    def collect(outputs: Iterable[list[SampleResult]]) -> bool:
        """Take each job's results in job order; False when fail_fast stops the run early."""
        for i, out in enumerate(outputs, 1):
            results.extend(out)
            if on_result:
                on_result(out)
            if progress:
                progress(i, total)
            if fail_fast and any(r.status == "error" for r in out):
                return False
        return True

    if workers <= 1 or total <= 1:
        loaded = rules or load_rules(list(rule_files))
        collect(_run_job(job, loaded) for job in jobs)  # lazily: fail_fast stops before the next job
        return results
    from concurrent.futures import ProcessPoolExecutor  # only when parallel: costs start-up time

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                             initargs=(rule_files,)) as pool:
        futures = [pool.submit(_run_job, job) for job in jobs]
        if not collect(f.result() for f in futures):
            for f in futures:
                f.cancel()  # the ones not started yet; finished ones are unaffected
    return results


def terminal_progress(done: int, total: int) -> None:
    """A progress line on stderr (a terminal's), for batches of more than one input."""
    if total <= 1:
        return
    sys.stderr.write(f"\rclassified {done}/{total} input(s)")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def jobs_from_paths(paths: list[str], options: ClassifyOptions) -> list[Job]:
    if not paths and options.bam:
        return [Job(vcf="", options=replace(options), label=options.bam)]  # a BAM without a VCF
    return [Job(vcf=p, options=replace(options), label=p) for p in paths]


# -- one classify run, as the command line and the demo make it -------------------------------------
# Run-wide options that name one sample's file: with a samples sheet they would be applied to every
# row or silently ignored, so they are refused and the sheet's own column is named instead.
PER_SAMPLE_OPTIONS = {"cnv": "--cnv", "fusions": "--fusions", "bam": "--bam", "sample": "--sample"}


@dataclass
class ClassifyRun:
    """What one classify run produced: every sample's result, in input order, and its provenance."""

    results: list[SampleResult]
    provenance: dict[str, object]
    rules: Rules
    n_inputs: int

    @property
    def failed(self) -> list[SampleResult]:
        return [r for r in self.results if r.status == "error"]


def plan_jobs(inputs: list[str], sheet: str | None, options: ClassifyOptions) -> list[Job]:
    """The jobs of a run: each input file, then each samples-sheet row. Run-wide options (build,
    reference, targets, panel of normals, indexing) apply to every row; a run-wide purity is each
    row's default; options naming one sample's file are refused with a sheet (never ignored)."""
    if sheet:
        given = [flag for name, flag in PER_SAMPLE_OPTIONS.items() if getattr(options, name)]
        if given:
            raise UsageError(f"{', '.join(given)} name(s) one sample's input and cannot go with --samples: "
                             "give them as the sheet's columns (vcf, bam, cnv, fusions, sample)")
    jobs = jobs_from_paths(inputs, options)
    if sheet:
        for job in read_samples_sheet(sheet):
            o = job.options
            o.build, o.reference, o.targets = options.build, options.reference, options.targets
            o.pon, o.build_index = options.pon, options.build_index
            if o.purity is None:
                o.purity = options.purity
            jobs.append(job)
    return jobs


def check_request(inputs: list[str], sheet: str | None, options: ClassifyOptions, *, workers: int,
                  annotate_vcf: str | None) -> None:
    """Refuse a combination of inputs and options that cannot mean anything (UsageError, exit 2)."""
    if not inputs and not sheet and not options.bam:
        raise UsageError("give VCF file(s), --bam, or --samples SHEET (see 'her2var classify --help')")
    if options.bam and len(inputs) > 1:
        raise UsageError("--bam goes with one VCF (the same tumour); use --samples for a batch")
    if options.pon and not options.bam and not sheet:
        raise UsageError("--pon is used with --bam (or a samples sheet with a 'bam' column)")
    if options.purity is not None and not 0 < options.purity <= 1:
        raise UsageError(f"--purity {options.purity}: must be in (0, 1]")
    if workers < 1:
        raise UsageError("--jobs must be at least 1")
    if annotate_vcf and (len(inputs) != 1 or sheet):
        raise UsageError("--annotate-vcf takes exactly one input VCF")


def classify_inputs(inputs: list[str], *, sheet: str | None = None, options: ClassifyOptions | None = None,
                    rule_files: tuple[str, ...] = (), rules: Rules | None = None, workers: int = 1,
                    fail_fast: bool = False, outdir: str | None = None, annotate_vcf: str | None = None,
                    store: str | None = None,
                    progress: Callable[[int, int], None] | None = None) -> ClassifyRun:
    """``her2var classify``: classify the inputs (files and/or a samples sheet), record each result
    in the store as soon as it exists, then write the output folder and the annotated VCF.

    Bad input in one file becomes that sample's error result (the run goes on unless ``fail_fast``);
    a wrong request raises UsageError before anything is read.
    """
    options = options or ClassifyOptions()
    check_request(inputs, sheet, options, workers=workers, annotate_vcf=annotate_vcf)
    rules = rules or load_rules(list(rule_files))  # fail early on a bad rules file
    jobs = plan_jobs(inputs, sheet, options)
    prov = provenance(rules, options.reference)
    with contextlib.ExitStack() as stack:
        on_result = None
        if store:
            from ..store import open_store

            opened = stack.enter_context(open_store(store))

            def on_result(out: list[SampleResult]) -> None:
                for r in out:
                    opened.record(sample_json(r, prov), rules.checksum)

        results = run_batch(jobs, tuple(rule_files), workers=workers, fail_fast=fail_fast, progress=progress,
                            rules=rules, on_result=on_result)
    if outdir:
        write_outdir(outdir, results, prov)
    if annotate_vcf and all(r.status == "ok" for r in results):
        from .annotate import annotate_vcf as annotate

        n = annotate(inputs[0], results, annotate_vcf)
        log.info("%s: %d record(s) tagged", annotate_vcf, n)
    return ClassifyRun(results=results, provenance=prov, rules=rules, n_inputs=len(jobs))
