"""One N-th of a samples sheet classified in one job: ``classify --samples SHEET --shard i/N --out DIR``.

On a cluster a job per sample costs more in scheduling than in work, so the samples are grouped into
N shard jobs and ``her2var merge`` (classify/shard_merge.py) folds the shard folders into the output
folder and store a single ``classify --samples SHEET --out OUT --store S`` run would have written.

- The split depends on the sheet alone: its sample rows are counted from 0 in sheet order (blank
  lines are not rows) and row k goes to shard (k mod N) + 1. Every machine and every re-run makes
  the same shards, each row is in exactly one, and shard sizes differ by one row at most. (A hash of
  the sample id would keep a row's shard when rows are added, but a row need not name its sample,
  and the workflow re-runs every shard when the sheet changes anyway.)
- A shard checks the whole sheet as a single run does (a sample on two rows, a VCF listed twice, a
  sample type the rules do not know), then classifies only its own rows.
- A shard folder holds ``shard.json`` (what made it: shard i of N, the sheet's SHA-256, the rules
  checksum, her2var's version, the run-wide options, the provenance, and the count and SHA-256 of its
  results) and ``results.jsonl`` (each result whole, one per line, with its row). It is written as a
  whole folder and renamed into place, so a shard killed midway leaves nothing a merge could take
  for a finished shard.
- A shard never writes a store: SQLite's write-ahead log must not be shared over a network file
  system, which is where a cluster's jobs write. The merge is the single writer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, UsageError, shown
from ..files import atomic_folder
from ..models import Call, CopyNumber
from ..rules.load import Rules, load_rules
from .batch import check_request, check_sample_types, plan_jobs, run_batch
from .pipeline import provenance, sha256_file
from .result import ClassifyOptions, SampleResult

MANIFEST = "shard.json"
RESULTS = "results.jsonl"
FORMAT = "her2var-shard"
FORMAT_VERSION = 1
# The run-wide classify options: shards made with different values would not merge into one run.
RUN_WIDE_OPTIONS = ("build", "reference", "targets", "pon", "build_index", "cnv_scale", "purity", "sample_type")
PATH_OPTIONS = ("reference", "targets", "pon")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1 <= index <= count)."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def rows(self, n_rows: int) -> list[int]:
        """The sheet rows (counted from 0, blank lines not counted) this shard classifies."""
        return list(range(self.index - 1, n_rows, self.count))


def parse_shard(text: str) -> Shard:
    """``i/N`` as given to ``--shard`` (UsageError otherwise)."""
    index, sep, count = text.strip().partition("/")
    if not (sep and index.isascii() and index.isdigit() and count.isascii() and count.isdigit()):
        raise UsageError(f"--shard {shown(text)}: expected i/N, e.g. 2/8 (shard 2 of 8)")
    shard = Shard(int(index), int(count))
    if not 1 <= shard.index <= shard.count:
        raise UsageError(f"--shard {shard}: i must be between 1 and N")
    return shard


@dataclass
class ShardRun:
    """What one shard job produced: its rows' results in sheet order."""

    shard: Shard
    results: list[SampleResult]
    n_inputs: int  # the sheet rows this shard classified

    @property
    def failed(self) -> list[SampleResult]:
        return [r for r in self.results if r.status == "error"]


def run_wide_options(options: ClassifyOptions) -> dict[str, object]:
    """The options every row is classified with, as a shard records them (paths made absolute, so
    that shards started from different folders compare equal when they mean the same files)."""
    out: dict[str, object] = {}
    for name in RUN_WIDE_OPTIONS:
        value = getattr(options, name)
        if name in PATH_OPTIONS and value:
            value = os.path.abspath(value)
        out[name] = value
    return out


# -- a result, whole, as one JSON line -----------------------------------------------------------
def result_record(r: SampleResult) -> dict[str, Any]:
    """Every field of a result, so that the merge rebuilds it exactly (what the output files show is
    made from the rebuilt result by the same code as in a single run)."""
    d = {f.name: getattr(r, f.name) for f in dataclasses.fields(SampleResult)}
    d["calls"] = [dataclasses.asdict(c) for c in r.calls]
    d["copy_numbers"] = [dataclasses.asdict(c) for c in r.copy_numbers]
    d["dropped"] = dict(r.dropped)
    return d


_RESULT_FIELDS = {f.name: f for f in dataclasses.fields(SampleResult)}
_CALL_FIELDS = {f.name for f in dataclasses.fields(Call)}
_CN_FIELDS = {f.name for f in dataclasses.fields(CopyNumber)}


def _records(values: Any, kind: type, names: set[str], where: str) -> list:
    if not isinstance(values, list) or not all(isinstance(v, dict) and set(v) == names for v in values):
        raise InputError(f"{where}: a {kind.__name__} record is not one this her2var writes; re-run the shard "
                         "with the her2var that merges it")
    return [kind(**v) for v in values]


def result_from_record(d: Any, where: str) -> SampleResult:
    """The result :func:`result_record` wrote (InputError naming ``where`` when it is not one)."""
    if not isinstance(d, dict) or set(d) != set(_RESULT_FIELDS):
        raise InputError(f"{where}: not a classify result of this her2var version (fields differ); re-run the "
                         "shard with the her2var that merges it")
    calls = _records(d["calls"], Call, _CALL_FIELDS, where)
    cns = _records(d["copy_numbers"], CopyNumber, _CN_FIELDS, where)
    if not isinstance(d["dropped"], dict):
        raise InputError(f"{where}: 'dropped' is not a count by reason")
    init = {k: v for k, v in d.items() if _RESULT_FIELDS[k].init}
    r = SampleResult(**{**init, "calls": calls, "copy_numbers": cns, "dropped": Counter(d["dropped"])})
    r._outside_cds_listed = d["_outside_cds_listed"]
    return r


# -- one shard -------------------------------------------------------------------------------------
def check_shard_request(inputs: list[str], sheet: str | None, outdir: str | None, *, store: str | None,
                        fail_fast: bool, other: tuple[str, ...] = ()) -> None:
    """What ``--shard`` needs and refuses (UsageError): it splits a samples sheet into a shard folder.
    ``other``: the other options given, none of which a shard job can honour (it writes only its
    folder): refused, never silently ignored."""
    if other:
        raise UsageError(f"{', '.join(other)} cannot go with --shard: a shard job writes only its shard folder "
                         "(give --store and --replace to 'her2var merge'; --annotate-vcf and --merge-same-sample "
                         "take input files, not a samples sheet)")
    if inputs or not sheet:
        raise UsageError("--shard splits a samples sheet: give --samples SHEET and no input files")
    if not outdir:
        raise UsageError("--shard writes a shard folder: give --out DIR (then 'her2var merge' the shard folders)")
    if store:
        raise UsageError("--shard never writes a store (many jobs must not share one SQLite file); give "
                         "--store to 'her2var merge', which records every shard's results")
    if fail_fast:
        raise UsageError("--fail-fast would leave a shard incomplete; it cannot go with --shard")


def classify_shard(sheet: str, shard: Shard, outdir: str, *, options: ClassifyOptions | None = None,
                   rule_files: tuple[str, ...] = (), rules: Rules | None = None, workers: int = 1,
                   progress: Callable[[int, int], None] | None = None) -> ShardRun:
    """``classify --samples SHEET --shard i/N --out DIR``: check the whole sheet, classify this
    shard's rows, and write the shard folder (see the module notes). A row that fails is recorded
    in the shard as an error result, as a single run records it; the merge reports it."""
    options = options or ClassifyOptions()
    check_request([], sheet, options, workers=workers, annotate_vcf=None)
    _check_shard_folder(outdir)
    rules = rules or load_rules(list(rule_files))
    check_sample_types([], options, rules)
    jobs = plan_jobs([], sheet, options)  # the whole sheet, checked as a single run checks it
    check_sample_types(jobs, options, rules)
    rows = shard.rows(len(jobs))
    prov = provenance(rules, options.reference)
    per_row: list[list[SampleResult]] = []
    run_batch([jobs[k] for k in rows], tuple(rule_files), workers=workers, progress=progress, rules=rules,
              on_result=per_row.append)
    lines = []
    for k, out in zip(rows, per_row, strict=True):
        for r in out:
            lines.append(json.dumps({"row": k, "label": jobs[k].label, "result": result_record(r)},
                                    default=str, separators=(",", ":"), allow_nan=True) + "\n")
    body = "".join(lines).encode("utf-8")
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "shard": shard.index, "shards": shard.count,
        "her2var_version": prov["her2var_version"], "rules_checksum": rules.checksum,
        "sheet": os.path.abspath(sheet), "sheet_sha256": sha256_file(sheet), "sheet_rows": len(jobs),
        "rows": rows, "options": run_wide_options(options), "provenance": prov,
        "results": {"file": RESULTS, "count": len(lines), "sha256": hashlib.sha256(body).hexdigest()},
    }
    with atomic_folder(outdir) as tmp:  # removes what killed runs left beside it (files.temp_beside)
        with open(os.path.join(tmp, RESULTS), "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        with open(os.path.join(tmp, MANIFEST), "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=1, default=str)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
    results = [r for out in per_row for r in out]
    return ShardRun(shard=shard, results=results, n_inputs=len(rows))


def _check_shard_folder(outdir: str) -> None:
    """A shard replaces its folder whole: only an earlier shard folder, or an empty one, may be replaced."""
    if not os.path.isdir(outdir):
        return
    try:
        names = os.listdir(outdir)
    except OSError as exc:
        raise InputError(f"{shown(outdir, 200, bare=True)}: cannot be read ({exc.strerror or exc})") from exc
    if names and MANIFEST not in names:
        raise InputError(f"{shown(outdir, 200, bare=True)}: a shard replaces its whole --out folder, and this one "
                         "holds other files (no shard.json); give a new or empty folder")
