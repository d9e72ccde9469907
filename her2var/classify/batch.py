"""Many inputs in one run: a samples sheet or a list of files, worker processes, and one bad
file never stopping the others."""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from ..errors import Her2varError, InputError, UsageError, shown
from ..files import Listing, Named, adopt_pipe_copies, pipe_copies, refuse_overwriting_inputs
from ..maf.sniff import is_maf
from ..rules.load import Rules, load_rules
from ..rules.schema import builtin_rules_dir, read_builtin_yaml
from ..samples_sheet import read_samples_sheet as read_sheet
from ..tables import norm
from ..vcf.reader import VcfReader
from .merge import classify_vcfs, describe_group, file_key, repeated_file
from .output import FolderWriter, sample_json
from .pipeline import choose_samples, classify_bam, classify_vcf, provenance, sha256_file
from .result import ClassifyOptions, SampleResult, Tally
from .stdin import relabel

log = logging.getLogger(__name__)

SHEET_COLUMNS = ("sample", "patient", "vcf", "bam", "cnv", "fusions", "purity", "sample_type")
# Columns the cohort stage reads from the same sheet; classify accepts and ignores them.
SHARED_SHEET_COLUMNS = ("collection_date", "notes")


@dataclass(frozen=True)
class Job:
    vcfs: tuple[str, ...]  # one tumour's VCF(s); () for a BAM alone
    options: ClassifyOptions
    label: str  # what to call it in messages: its file(s), or the samples sheet's file:line
    sheet_row: bool = False  # from a samples sheet (else from the command line)


def sheet_aliases() -> dict[str, str]:
    """The built-in clinical rules' spellings of the samples sheet's shared columns ('Sample ID' ->
    sample, 'Patient ID' -> patient, ...), so that classify reads the headers cohort reads."""
    tree = read_builtin_yaml(builtin_rules_dir() / "clinical.yaml") or {}
    spellings = tree.get("samples_sheet") or {}
    return {norm(s): column for column in ("sample", "patient", "collection_date")
            for s in (column, *spellings.get(column, ()))}


def read_samples_sheet(path: str) -> list[Job]:
    """A TSV, CSV or Excel sheet with sample, patient, vcf, bam, cnv, fusions, purity, sample_type;
    paths relative to its folder. A row's ``vcf`` may list one tumour's VCFs separated by ';'
    (Strelka2's SNVs and indels): they are classified as one sample. The file is read and checked by
    samples_sheet.py, as the cohort stage reads it; only the columns are classify's own."""
    return list(SheetJobs(path))  # never empty: the sheet reader refuses a sheet without sample rows


class SheetJobs:
    """A samples sheet's jobs (read_samples_sheet), made row by row each time they are gone through
    rather than held: the sheet's text is kept, and a batch of 100,000 rows does not hold 100,000
    jobs. Every pass makes the same jobs and meets the same problems, in row order; the first pass
    (plan_run) is the check. ``options``: the run's own, whose run-wide ones (build, reference,
    targets, panel of normals, indexing, copy-number scale; purity and sample type as each row's
    default) every row takes."""

    def __init__(self, path: str, options: ClassifyOptions | None = None) -> None:
        self.folder = os.path.dirname(os.path.abspath(path))
        self.options = options
        self.checked = False  # every row gone through once: the files on disk are not compared again
        self.sheet = sheet = read_sheet(path, sheet_aliases())
        unknown = [sheet.head.header[i] for name, i in sheet.columns.items()
                   if name not in SHEET_COLUMNS + SHARED_SHEET_COLUMNS]
        if unknown:
            raise InputError(
                f"{sheet.where(sheet.header_line)}: unknown column(s) {shown(', '.join(unknown), bare=True)}; "
                f"expected {', '.join(SHEET_COLUMNS)} (and optionally {', '.join(SHARED_SHEET_COLUMNS)})"
            )
        if "vcf" not in sheet.columns and "bam" not in sheet.columns:
            raise InputError(f"{sheet.where(sheet.header_line)}: a samples sheet needs a 'vcf' (or 'bam') column")

    def __len__(self) -> int:
        return self.sheet.n_rows

    def __iter__(self) -> Iterator[Job]:
        return (job for _, job in self.numbered())

    def label(self, line: int) -> str:
        return self.sheet.where(line)  # the worksheet too, for a workbook

    def at_line(self, line: int) -> Job:
        """The job of the row on ``line`` (made again: for a message)."""
        return next(job for lineno, job in self.numbered() if lineno == line)

    def numbered(self) -> Iterator[tuple[int, Job]]:
        """(line, job) for every row, in row order."""
        sheet, folder, run = self.sheet, self.folder, self.options
        path = sheet.place  # messages below name the worksheet too, for a workbook

        def rel(p: str) -> str | None:
            return None if not p else (p if os.path.isabs(p) else os.path.join(folder, p))

        for lineno, cells in sheet.rows():
            rec = {name: sheet.text(cells, name) for name in cells}
            purity = None
            if rec.get("purity"):
                try:
                    purity = float(rec["purity"])
                except ValueError as exc:
                    raise InputError(f"{path}:{lineno}: column 'purity' is not a number; expected a fraction "
                                     "in (0, 1], e.g. 0.4") from exc
                if not 0 < purity <= 1:  # a sample's value: the message names the cell, never quotes it
                    raise InputError(f"{path}:{lineno}: column 'purity' is outside (0, 1]; expected a fraction, "
                                     "e.g. 0.4 (not a percentage)")
            vcfs = tuple(p for p in (rel(v.strip()) for v in rec.get("vcf", "").split(";")) if p)
            bam = rel(rec.get("bam", ""))
            if not vcfs and bam is None:
                raise InputError(f"{path}:{lineno}: give a 'vcf' or a 'bam' for each sample")
            repeated = None if self.checked else repeated_file(vcfs)
            if repeated:
                raise InputError(f"{path}:{lineno}: {shown(repeated[1], 200, bare=True)} is listed twice in the "
                                 f"vcf column (as {shown(repeated[0], 200, bare=True)} too); list each of the "
                                 "sample's VCFs once")
            o = ClassifyOptions(sample_id=rec.get("sample") or None, cnv=rel(rec.get("cnv", "")),
                                fusions=rel(rec.get("fusions", "")), purity=purity, patient=rec.get("patient", ""),
                                bam=bam, sample_type=rec.get("sample_type") or None)
            if run is not None:
                o.build, o.reference, o.targets = run.build, run.reference, run.targets
                o.pon, o.build_index = run.pon, run.build_index
                o.cnv_scale = run.cnv_scale
                if o.purity is None:
                    o.purity = run.purity
                if o.sample_type is None:
                    o.sample_type = run.sample_type
            yield lineno, Job(vcfs=vcfs, options=o, label=f"{path}:{lineno}", sheet_row=True)


class Jobs(Protocol):
    """Jobs that can be counted and gone through in order: a list, or a run's JobPlan."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Job]: ...


class JobPlan:
    """The jobs of a run (plan_run): the command line's, held, then the samples sheet's, made as
    they are gone through (SheetJobs)."""

    def __init__(self, head: list[Job], rows: SheetJobs | None) -> None:
        self.head = head
        self.rows = rows

    def __len__(self) -> int:
        return len(self.head) + (len(self.rows) if self.rows is not None else 0)

    def __iter__(self) -> Iterator[Job]:
        yield from self.head
        if self.rows is not None:
            yield from self.rows

    def keyed(self) -> Iterator[tuple[int, Job]]:
        """(key, job) in job order; a key is a command-line job's index, or minus a sheet row's line."""
        yield from enumerate(self.head)
        if self.rows is not None:
            for line, job in self.rows.numbered():
                yield -line, job

    def label(self, key: int) -> str:
        if key >= 0:
            return self.head[key].label
        assert self.rows is not None
        return self.rows.label(-key)

    def job(self, key: int) -> Job:
        if key >= 0:
            return self.head[key]
        assert self.rows is not None
        return self.rows.at_line(-key)


# Worker processes load the rules once each.
_WORKER_RULES = None


def _init_worker(rule_files: tuple[str, ...], pipes: dict[str, str] | None = None) -> None:
    global _WORKER_RULES
    adopt_pipe_copies(pipes or {})  # pipes the parent read already (a pipe can be read once)
    _WORKER_RULES = load_rules(list(rule_files))


def _run_job(job: Job, rules=None) -> list[SampleResult]:
    rules = rules or _WORKER_RULES
    try:
        if not job.vcfs and job.options.bam:  # a BAM without a VCF
            return classify_bam(job.options.bam, rules, job.options)
        if len(job.vcfs) > 1:  # one tumour's VCFs (Strelka2's SNVs and indels)
            return classify_vcfs(job.vcfs, rules, job.options)
        if is_maf(job.vcfs[0]):  # a MAF (told by its header line): one result per Tumor_Sample_Barcode
            from .from_maf import classify_maf  # here: a VCF run does not pay for its import

            return classify_maf(job.vcfs[0], rules, job.options)
        return classify_vcf(job.vcfs[0], rules, job.options)
    except Her2varError as exc:
        return [_failed(job, str(exc))]
    except Exception as exc:  # a bug met on one input: that sample fails, the batch goes on
        log.debug("%s: internal error", job.label, exc_info=True)
        where = ";".join(job.vcfs) or job.options.bam or job.label
        return [_failed(job, f"{where}: internal error while classifying it ({type(exc).__name__}: "
                             f"{shown(exc, 200, bare=True)}); the other inputs are unaffected. This is a "
                             "her2var bug: please report it with the output of --debug")]


def _failed(job: Job, error: str) -> SampleResult:
    first = job.vcfs[0] if job.vcfs else job.options.bam or ""
    name = job.options.sample_id or job.options.sample or os.path.basename(first)
    return SampleResult(sample=name, patient=job.options.patient, input=";".join(job.vcfs), status="error",
                        error=error, sample_type=job.options.sample_type or "")


# Jobs handed to the worker processes ahead of the one whose results are awaited, per worker: enough
# that no worker waits while one slow input holds up the order, few enough that a batch of any size
# holds only these jobs' futures and results at a time.
AHEAD_PER_WORKER = 256


def run_batch(jobs: Jobs, rule_files: tuple[str, ...], *, workers: int = 1,
              fail_fast: bool = False, progress: Callable[[int, int], None] | None = None,
              rules: Rules | None = None,
              on_result: Callable[[list[SampleResult]], None] | None = None,
              keep: bool = True) -> list[SampleResult]:
    """Classify every job; results come back in job order.

    ``on_result`` is called in this process with each job's results as soon as they exist (the
    store records them there, so a run killed midway keeps everything finished before).
    ``keep=False``: the results are only handed to ``on_result`` and not returned (a batch's memory
    then does not grow with its number of inputs).
    """
    results: list[SampleResult] = []
    total = len(jobs)

    def collect(outputs: Iterable[list[SampleResult]]) -> bool:
        """Take each job's results in job order; False when fail_fast stops the run early."""
        for i, out in enumerate(outputs, 1):
            if keep:
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
                             initargs=(rule_files, pipe_copies())) as pool:
        queued: deque = deque()  # (future, job) in job order; None for a job the broken pool refused

        def outcomes() -> Iterator[list[SampleResult]]:
            todo = iter(jobs)
            for job in itertools.islice(todo, AHEAD_PER_WORKER * workers):
                queued.append((_submit(pool, job), job))
            while queued:
                future, job = queued.popleft()
                out = _outcome(future, job, workers)
                for more in itertools.islice(todo, 1):
                    queued.append((_submit(pool, more), more))
                yield out

        try:
            if not collect(outcomes()):
                for f, _ in queued:
                    if f is not None:
                        f.cancel()  # the ones not started yet; finished ones are unaffected
        except BaseException:  # interrupted or stopped: do not wait for the queued inputs
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return results


def _submit(pool, job: Job):
    """The job's future, or None when a worker process died before it was handed over (the pool
    takes nothing more; _outcome reports the job as not classified)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pool.submit(_run_job, job)
    except BrokenProcessPool:
        return None


def _outcome(future, job: Job, workers: int) -> list[SampleResult]:
    """A job's results from its worker; when the worker process died (killed, out of memory) the job
    is a failed input naming itself, and the results finished before are kept."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        if future is None:
            raise BrokenProcessPool("the pool took no more jobs")
        return future.result()
    except BrokenProcessPool:
        where = ";".join(job.vcfs) or job.options.bam or job.label
        return [_failed(job, f"{where}: not classified: a worker process (-j {workers}) stopped unexpectedly "
                             "(killed, or out of memory) before this input's result was back; the results "
                             "finished before are kept; run this input again")]


def jobs_from_paths(paths: list[str], options: ClassifyOptions) -> list[Job]:
    if not paths and options.bam:
        return [Job(vcfs=(), options=replace(options), label=options.bam)]  # a BAM without a VCF
    return [Job(vcfs=(p,), options=replace(options), label=p) for p in paths]


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
    tally: Tally | None = None  # counted as the results came; the only account of them when not kept

    @property
    def failed(self) -> list[SampleResult]:
        if self.tally is not None:
            return self.tally.failed
        return [r for r in self.results if r.status == "error"]


def plan_jobs(inputs: list[str], sheet: str | None, options: ClassifyOptions, *,
              merge_same_sample: bool = False) -> list[Job]:
    """The jobs of a run as a list (plan_run)."""
    return list(plan_run(inputs, sheet, options, merge_same_sample=merge_same_sample))


def plan_run(inputs: list[str], sheet: str | None, options: ClassifyOptions, *,
             merge_same_sample: bool = False) -> JobPlan:
    """The jobs of a run: each input file, then each samples-sheet row. Run-wide options (build,
    reference, targets, panel of normals, indexing) apply to every row; a run-wide purity and
    sample type are each row's default; options naming one sample's file are refused with a sheet
    (never ignored). One sample is one result: see check_samples. Every row is checked here,
    before anything is classified; the sheet's jobs are then made again as they are run."""
    if sheet:
        given = [flag for name, flag in PER_SAMPLE_OPTIONS.items() if getattr(options, name)]
        if given:
            raise UsageError(f"{', '.join(given)} name(s) one sample's input and cannot go with --samples: "
                             "give them as the sheet's columns (vcf, bam, cnv, fusions, sample)")
    head = jobs_from_paths(inputs, options)
    rows = SheetJobs(sheet, options) if sheet else None
    if rows is not None:
        for _ in rows:  # every row's own problem first, in row order
            pass
        rows.checked = True
    plan = JobPlan(head, rows)
    check_samples(plan, merge_same_sample=merge_same_sample)
    return plan


# -- one sample, one result ------------------------------------------------------------------------
def reported_samples(job: Job) -> list[str] | None:
    """The sample id(s) a job will report, from its VCF headers; None when that cannot be known
    before it runs (a BAM alone, or a file that cannot be read: the job reports that itself)."""
    if job.options.sample_id:
        return [job.options.sample_id]
    if not job.vcfs:
        return None
    names: list[str] = []
    for path in job.vcfs:
        try:
            names += [s for _, s in choose_samples(VcfReader(path).header, job.options.sample, path)]
        except Exception:  # the job meets the same problem and reports it; the others go on
            log.debug("%s: samples not known before classifying it", path, exc_info=True)
            return None
    return list(dict.fromkeys(names))


def _where(job: Job) -> str:
    files = describe_group(job.vcfs or (job.options.bam or "",))
    return f"{job.label} ({files})" if job.sheet_row else f"{files} (command line)"


def _group_same_sample(jobs: list[Job], names: list[list[str] | None]) -> tuple[list[Job], list[list[str] | None]]:
    """Command-line files reporting a sample in common, as one job each group (--merge-same-sample)."""
    group = list(range(len(jobs)))  # union-find over the jobs

    def top(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    owner: dict[str, int] = {}
    for i, (job, ns) in enumerate(zip(jobs, names, strict=True)):
        if job.sheet_row or ns is None:
            continue
        for n in ns:
            if n in owner:
                group[top(i)] = top(owner[n])
            else:
                owner[n] = i
    members: dict[int, list[int]] = {}
    for i in range(len(jobs)):
        members.setdefault(top(i), []).append(i)
    out_jobs, out_names = [], []
    for ids in sorted(members.values()):
        if len(ids) == 1:
            out_jobs.append(jobs[ids[0]])
            out_names.append(names[ids[0]])
            continue
        vcfs = tuple(p for i in ids for p in jobs[i].vcfs)
        out_jobs.append(Job(vcfs=vcfs, options=jobs[ids[0]].options, label=" + ".join(vcfs)))
        out_names.append(list(dict.fromkeys(n for i in ids for n in names[i] or [])))
    return out_jobs, out_names


def check_samples(plan: JobPlan, *, merge_same_sample: bool = False) -> None:
    """One sample is one result, read once. Two inputs reporting the same sample id (Strelka2 names
    every tumour TUMOR) are an error naming both, unless the user said they belong together: one
    sheet row listing the VCFs, or ``merge_same_sample`` for command-line files (grouped here into
    one job of ``plan.head``). The same VCF given twice for a sample is an error too. A multi-sample
    VCF may serve several sheet rows, each choosing its tumour with ``sample``. Errors are UsageError
    when only the command line is involved, else InputError naming the sheet's lines.

    The sheet's jobs are gone through once, keeping per job only its files' identities and its
    sample ids (with the job's key: JobPlan.keyed); the job named in a message is made again."""
    head = plan.head
    names = [reported_samples(job) for job in head]
    if merge_same_sample:
        head, names = _group_same_sample(head, names)
        plan.head = head
    for job in head:
        twice = None if job.sheet_row else repeated_file(job.vcfs)  # a sheet row was checked when read
        if twice:
            raise UsageError(f"{shown(twice[1], 200, bare=True)} is given twice on the command line; list each "
                             "VCF once")
    # file identity -> the first job naming it: its one sample id (by_name then gives its key: the
    # usual sheet row, nothing more held per file), else (its key, its sample ids or None)
    by_file: dict[int | str, str | tuple[int, list[str] | None]] = {}
    by_name: dict[str, int] = {}  # sample id -> the key of the first job reporting it
    for key, job in plan.keyed():
        ns = names[key] if key >= 0 else reported_samples(job)
        for path in job.vcfs:
            ident = _compact(file_key(path))
            other = by_file.get(ident)
            if other is not None:
                other_key, theirs = (by_name[other], [other]) if isinstance(other, str) else other
                if other_key != key:
                    if ns is None or theirs is None or set(ns) & set(theirs):
                        first = plan.job(other_key)
                        _refuse(first, job, f"{shown(path, 200, bare=True)} is given twice ({_where(first)}; "
                                            f"{_where(job)}); each VCF belongs to one sample: list it once")
                    _warn_shared_single_tumour(plan.label(other_key), job, path)
            by_file.setdefault(ident, ns[0] if ns is not None and len(ns) == 1 else (key, ns))
        for n in ns or []:
            first_key = by_name.setdefault(n, key)
            if first_key != key:
                first = plan.job(first_key)
                advice = ("if they are one tumour's files (Strelka2 writes its SNVs and indels apart), give "
                          "--merge-same-sample or list them in one samples-sheet row (vcf 'a.vcf;b.vcf'); if "
                          "they are different tumours, give each its own id (a samples sheet's 'sample' column)")
                _refuse(first, job, f"sample {shown(n)} is reported by {_where(first)} and by {_where(job)}: "
                                    f"{advice}")


def _compact(key: tuple[int, int] | str) -> int | str:
    """A file's (device, inode) as one number (a third of the pair's memory), else its path."""
    return key if isinstance(key, str) else key[0] << 64 | key[1]


def _refuse(a: Job, b: Job, message: str) -> None:
    if a.sheet_row or b.sheet_row:
        raise InputError(message)
    raise UsageError(message)


def _warn_shared_single_tumour(first: str, b: Job, path: str) -> None:
    """Two sheet rows naming one VCF under two ids are fine for a multi-sample VCF; for a file with
    one tumour both rows get the same calls, which is worth a word. ``first``: the first row's label."""
    try:
        n = len(choose_samples(VcfReader(path).header, None, path))
    except Exception:  # each job reports the file's problem itself
        return
    if n == 1:
        log.warning("%s: %s holds one tumour and is also the VCF of %s: both rows get the same calls",
                    b.label, shown(path, 200, bare=True), first)


def check_request(inputs: list[str], sheet: str | None, options: ClassifyOptions, *, workers: int,
                  annotate_vcf: str | None, merge_same_sample: bool = False) -> None:
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
    if annotate_vcf and is_maf(inputs[0]):
        raise UsageError("--annotate-vcf writes the input VCF back with tags; a MAF is not a VCF")
    if merge_same_sample and not inputs:
        raise UsageError("--merge-same-sample merges VCFs given on the command line; in a samples sheet, "
                         "list one tumour's VCFs in its row's vcf column, separated by ';'")


def check_sample_types(jobs: Iterable[Job], options: ClassifyOptions, rules: Rules) -> None:
    """Every sample type given must be one the rules know (--sample-type: UsageError; a sheet's
    sample_type column: InputError naming the row); a typo never falls back to the default thresholds."""
    if rules.threshold_set_for(options.sample_type) is None:
        raise UsageError(f"--sample-type {shown(options.sample_type)} is not known to the rules; expected "
                         f"{rules.sample_type_choices()}")
    for job in jobs:
        if rules.threshold_set_for(job.options.sample_type) is None:
            raise InputError(f"{job.label}: sample_type {shown(job.options.sample_type)} is not known to the "
                             f"rules; expected {rules.sample_type_choices()}")


def run_inputs(inputs: list[str], sheet: str | None, options: ClassifyOptions, jobs: Iterable[Job],
               rule_files: tuple[str, ...]) -> Listing[Named]:
    """Every file a classify run reads, named as the command line or the sheet gives it, then the
    index files beside them (no output may be one of these). Listed anew each time it is gone
    through, from ``jobs`` (a run's JobPlan makes its sheet's jobs again), so a batch's list of files
    is never held."""
    def given() -> Iterator[Named]:
        yield from [("INPUTS", p) for p in inputs] + [("--samples", sheet)]
        yield from [("--rules", r) for r in rule_files]
        for flag in ("reference", "targets", "pon", "cnv", "fusions", "bam"):
            yield f"--{flag}", getattr(options, flag)
        yield "--reference (its index)", options.reference and options.reference + ".fai"
        for job in jobs:
            o = job.options
            where = f"{job.label} (samples sheet)" if job.sheet_row else "INPUTS"
            yield from [(where, p) for p in job.vcfs] + [(where, p) for p in (o.bam, o.cnv, o.fusions)]

    def every() -> Iterator[Named]:
        yield from given()
        for name, path in given():
            if path and path.endswith((".gz", ".bgz", ".bcf")):
                yield from [(f"{name} (its index)", path + ext) for ext in (".tbi", ".csi")]
            elif path and path.endswith((".bam", ".cram")):
                yield from [(f"{name} (its index)", path + ext) for ext in (".bai", ".csi", ".crai")]

    return Listing(every)


def check_store_conflicts(opened, jobs: Iterable[Job], input_names: Mapping[str, str]) -> None:
    """Refuse the run before anything is classified when an input reports a sample the store holds
    from another file with other content (Store.record's rule, checked early where the sample ids
    can be read from the headers; a MAF's or a BAM's ids are checked as each result is recorded)."""
    from ..store import same_source

    stored = opened.current_sources()
    if not stored:
        return
    for job in jobs:
        files = job.vcfs or ((job.options.bam,) if job.options.bam else ())
        names = reported_samples(job) if files else None
        for name in names or []:
            found = stored.get(name)
            given = ";".join(input_names.get(f, f) for f in files)
            if found is None or same_source(found[0], given):
                continue
            try:
                digest = ";".join(sha256_file(f) for f in files)
            except OSError:  # the job reports the file's problem itself
                continue
            if digest != found[1]:
                raise opened.conflict_error(name, found[0], given)


def classify_inputs(inputs: list[str], *, sheet: str | None = None, options: ClassifyOptions | None = None,
                    rule_files: tuple[str, ...] = (), rules: Rules | None = None, workers: int = 1,
                    fail_fast: bool = False, outdir: str | None = None, annotate_vcf: str | None = None,
                    store: str | None = None, merge_same_sample: bool = False,
                    progress: Callable[[int, int], None] | None = None,
                    input_names: Mapping[str, str] | None = None, replace: bool = False,
                    keep_results: bool = True,
                    each: Callable[[SampleResult, dict[str, object]], None] | None = None) -> ClassifyRun:
    """``her2var classify``: classify the inputs (files and/or a samples sheet), record each result
    in the store as soon as it exists, then write the output folder and the annotated VCF.

    Bad input in one file becomes that sample's error result (the run goes on unless ``fail_fast``);
    a wrong request raises UsageError before anything is classified, and so does an output that is
    one of the inputs. ``merge_same_sample`` merges input files that report the same sample
    (plan_jobs, check_samples). ``input_names`` gives an input file the name its results should
    show (standard input's temporary copy: '-'). The output folder is locked from the start, so a
    second run into it is refused at once. ``replace``: a sample the store holds from another
    input is replaced (else that is refused: Store.record).

    The output folder is written as the results come, in input order (output.FolderWriter), and
    ``each`` is called with each result and the run's provenance in that order too, after the store
    and the folder took it.
    ``keep_results=False``: the results are not kept for the returned ClassifyRun (its ``tally``
    counts them), so that a batch's memory does not grow with its number of inputs.
    """
    from .output import classify_folder

    options = options or ClassifyOptions()
    check_request(inputs, sheet, options, workers=workers, annotate_vcf=annotate_vcf,
                  merge_same_sample=merge_same_sample)
    rules = rules or load_rules(list(rule_files))  # fail early on a bad rules file
    check_sample_types([], options, rules)  # --sample-type, before any file is read
    # the jobs are checked here and made again as they are run: a batch's memory does not grow with its
    # number of inputs (JobPlan); the lists of files below are made anew for each check too
    jobs = plan_run(inputs, sheet, options, merge_same_sample=merge_same_sample)
    check_sample_types(jobs, options, rules)  # and each sheet row's
    listed = run_inputs(inputs, sheet, options, jobs, rule_files)
    read = Listing(lambda: ((n, p) for n, p in listed if p not in (input_names or {})))
    written: list[Named] = [("--annotate-vcf", annotate_vcf)]
    written += [("--annotate-vcf (its index)", annotate_vcf and annotate_vcf + ext) for ext in (".tbi", ".csi")]
    written += [("--store", store and store + ext) for ext in ("", "-wal", "-shm")]
    refuse_overwriting_inputs(written, read)
    if store and annotate_vcf:
        refuse_overwriting_inputs([("--annotate-vcf", annotate_vcf)], [("--store", store)])
    prov = provenance(rules, options.reference)
    with contextlib.ExitStack() as stack:
        folder = None
        if outdir:
            outputs = (("--store", store), ("--annotate-vcf", annotate_vcf))
            folder = stack.enter_context(classify_folder(outdir, Listing(lambda: itertools.chain(read, outputs))))
        opened = None
        if store:
            from ..store import StoreConflict, open_store

            opened = stack.enter_context(open_store(store))
            if not replace:
                check_store_conflicts(opened, jobs, input_names or {})

        writer = stack.enter_context(FolderWriter(folder, prov)) if folder is not None else None
        tally = Tally()

        def on_result(out: list[SampleResult]) -> None:
            for r in out:
                relabel(r, input_names or {})
                if opened is not None:
                    try:
                        opened.record(sample_json(r, prov), rules.checksum, replace=replace)
                    except StoreConflict as exc:  # a MAF's or BAM's sample: known only now
                        r.status, r.error = "error", str(exc)
                tally.add(r)
                if writer is not None:
                    writer.add(r)
                if each is not None:
                    each(r, prov)

        results = run_batch(jobs, tuple(rule_files), workers=workers, fail_fast=fail_fast, progress=progress,
                            rules=rules, on_result=on_result, keep=keep_results or bool(annotate_vcf))
    if annotate_vcf and tally.ok == tally.samples:
        from .annotate import annotate_vcf as annotate

        n = annotate(inputs[0], results, annotate_vcf)
        log.info("%s: %d record(s) tagged", annotate_vcf, n)
    return ClassifyRun(results=results, provenance=prov, rules=rules, n_inputs=len(jobs), tally=tally)
