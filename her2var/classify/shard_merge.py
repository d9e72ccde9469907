"""``her2var merge SHARD_DIR... --out OUT [--store S]``: shard folders folded into one classify output.

The merge is the single writer of a sharded run (classify/shard.py makes the shards). It reads every
shard folder and checks that they are the shards of one run before anything is written:

- the same sheet (SHA-256), rules (checksum), her2var version, run-wide options and provenance;
  shards of different runs would give an output no single run could give;
- every shard i of N present once, each with exactly the rows the split gives it, so no row is
  missing or classified twice;
- each shard's results whole (their count and SHA-256 as its shard.json records them).

Then it records every result in the store (when given) and writes the output folder, both in sheet
order, with the same code as ``classify --out --store``: the files are byte for byte those of a
single run; only the store's recording times differ.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, shown
from ..files import refuse_overwriting_inputs
from .output import classify_folder, sample_json, write_outdir
from .result import SampleResult
from .shard import FORMAT, FORMAT_VERSION, MANIFEST, RESULTS, Shard, result_from_record

# What every shard of one run must agree on, and how a message names a difference ("made with different ...").
SAME = {
    "sheet_sha256": "samples sheets (SHA-256",
    "sheet_rows": "samples sheets (row counts",
    "rules_checksum": "rules (checksums",
    "her2var_version": "her2var versions (",
    "options": "run-wide classify options",
    "provenance": "provenance",
}
MANIFEST_KEYS = {"format", "format_version", "shard", "shards", "her2var_version", "rules_checksum", "sheet",
                 "sheet_sha256", "sheet_rows", "rows", "options", "provenance", "results"}


@dataclass
class ShardFolder:
    """One shard folder, read and checked on its own."""

    path: str
    manifest: dict[str, Any]
    entries: list[tuple[int, SampleResult]]  # (sheet row, result), in the shard's order

    @property
    def shard(self) -> Shard:
        return Shard(self.manifest["shard"], self.manifest["shards"])


@dataclass
class MergeRun:
    """What a merge produced: every result in sheet order, as a single classify run has them."""

    results: list[SampleResult]
    provenance: dict[str, object]
    n_inputs: int  # sheet rows
    shards: int

    @property
    def failed(self) -> list[SampleResult]:
        return [r for r in self.results if r.status == "error"]


def _name(path: str) -> str:
    return shown(path, 200, bare=True)


def _manifest(s: ShardFolder) -> str:
    """A shard's manifest, as messages name where a shard's own account of itself is."""
    return _name(os.path.join(s.path, MANIFEST))


def read_shard(folder: str) -> ShardFolder:
    """A shard folder's manifest and results (InputError naming the file and line when they are not
    a finished shard's)."""
    where = _name(folder)
    if not os.path.isdir(folder):
        what = "is a file" if os.path.exists(folder) else "does not exist"
        raise InputError(f"{where}: {what}; expected a shard folder written by 'her2var classify --shard'")
    path = os.path.join(folder, MANIFEST)
    manifest = _read_json(path, f"{where}: no {MANIFEST}: not a finished shard folder (a shard writes it "
                                f"last); re-run that shard")
    _check_manifest(manifest, _name(path))
    results = manifest["results"]
    rpath = os.path.join(folder, RESULTS)
    try:
        with open(rpath, "rb") as fh:
            body = fh.read()
    except OSError as exc:
        raise InputError(f"{_name(rpath)}: cannot be read ({exc.strerror or exc}); re-run that shard") from exc
    if hashlib.sha256(body).hexdigest() != results["sha256"]:
        raise InputError(f"{_name(rpath)}: its SHA-256 is not the one {MANIFEST} records: the file was changed or "
                         "cut short; re-run that shard")
    lines = body.decode("utf-8").splitlines()  # the checksum matched: the shard wrote it, as UTF-8
    if len(lines) != results["count"]:
        raise InputError(f"{_name(rpath)}: {len(lines)} result(s), {MANIFEST} says {results['count']}")
    rows = set(manifest["rows"])
    entries = []
    for lineno, line in enumerate(lines, 1):
        at = f"{_name(rpath)}:{lineno}"
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{at}: not valid JSON ({shown(exc, 200, bare=True)})") from exc
        if not isinstance(item, dict) or not isinstance(item.get("row"), int) or item["row"] not in rows:
            raise InputError(f"{at}: not a result of one of this shard's rows")
        entries.append((item["row"], result_from_record(item.get("result"), at)))
    return ShardFolder(folder, manifest, entries)


def _read_json(path: str, missing: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError as exc:
        raise InputError(missing) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{_name(path)}: cannot be read as UTF-8 text ({shown(exc, 200, bare=True)})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{_name(path)}:{exc.lineno}: not valid JSON ({exc.msg}); re-run that shard") from exc


def _check_manifest(m: Any, where: str) -> None:
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise InputError(f"{where}: not a her2var shard manifest (expected \"format\": \"{FORMAT}\")")
    if m.get("format_version") != FORMAT_VERSION:
        raise InputError(f"{where}: shard format version {shown(m.get('format_version'))}; this her2var reads "
                         f"version {FORMAT_VERSION}: re-run the shard with the her2var that merges it")
    missing = sorted(MANIFEST_KEYS - set(m))
    if missing:
        raise InputError(f"{where}: missing key(s) {', '.join(missing)}")

    def count(key: str, low: int) -> int:
        v = m[key]
        if not isinstance(v, int) or isinstance(v, bool) or v < low:
            raise InputError(f"{where}: {key} {shown(v)} is not a whole number of at least {low}")
        return v

    n, i, rows = count("shards", 1), count("shard", 1), count("sheet_rows", 0)
    if i > n:
        raise InputError(f"{where}: shard {i} of {n}: i must be between 1 and N")
    if m["rows"] != Shard(i, n).rows(rows):
        raise InputError(f"{where}: its rows are not those of shard {i}/{n} of a {rows}-row sheet (row k goes to "
                         "shard k mod N + 1)")
    res = m["results"]
    if not (isinstance(res, dict) and isinstance(res.get("count"), int) and isinstance(res.get("sha256"), str)):
        raise InputError(f"{where}: 'results' must give the count and SHA-256 of {RESULTS}")


def check_one_run(shards: list[ShardFolder]) -> None:
    """The shards are all of one run, each given once, none missing (see the module notes)."""
    first = shards[0]
    for s in shards[1:]:
        for key, what in SAME.items():
            if s.manifest[key] != first.manifest[key]:
                detail = ""
                if what.endswith("("):  # a version: short
                    detail = f"{shown(first.manifest[key])} and {shown(s.manifest[key])})"
                elif "(" in what:  # a checksum or count: its start is enough to tell them apart
                    detail = f" {str(first.manifest[key])[:12]} and {str(s.manifest[key])[:12]})"
                raise InputError(f"{_manifest(first)} and {_manifest(s)} record different {what}{detail}: "
                                 "they are not shards of one run; re-run every shard with the same sheet, rules, "
                                 "options and her2var")
        if s.manifest["shards"] != first.manifest["shards"]:
            raise InputError(f"{_manifest(s)} records shard {s.shard} and {_manifest(first)} shard {first.shard}: "
                             "shards of different splits; merge the shards of one split")
    seen: dict[int, ShardFolder] = {}
    for s in shards:
        other = seen.setdefault(s.shard.index, s)
        if other is not s:
            samples = sorted({r.sample for _, r in s.entries})
            some = f" (samples {', '.join(shown(x) for x in samples[:3])}{', ...' if len(samples) > 3 else ''})"
            raise InputError(f"{_manifest(s)} and {_manifest(other)} are both shard {s.shard}: their rows"
                             f"{some if samples else ''} would be merged twice; give each shard folder once")
    n = first.manifest["shards"]
    missing = [str(i) for i in range(1, n + 1) if i not in seen]
    if missing:
        raise InputError(f"{_manifest(first)} records shard {first.shard}, and shard(s) {', '.join(missing[:10])}"
                         f"{', ...' if len(missing) > 10 else ''} of {n} are not given: a merge needs every shard of "
                         f"the run (given: {len(seen)} of {n})")


def merge_shards(folders: list[str], outdir: str, *, store: str | None = None, replace: bool = False) -> MergeRun:
    """Check the shard folders, then record every result in ``store`` and write ``outdir`` exactly as
    ``classify --samples SHEET --out OUTDIR --store STORE`` does (see the module notes).

    A result for a sample the store holds from another input (another file, other content) refuses
    the merge before anything is recorded or written, unless ``replace`` (Store.record's rule; a
    single run refuses so for the samples it can name before classifying). One met only while
    recording (another writer in between) becomes that sample's error, as in a single run.
    """
    from ..store import StoreConflict, open_store, same_source

    if not folders:
        raise InputError("no shard folder given")
    shards = [read_shard(f) for f in folders]
    check_one_run(shards)
    manifest = shards[0].manifest
    prov: dict[str, Any] = manifest["provenance"]
    checksum: str = manifest["rules_checksum"]
    ordered = sorted(((row, k, r) for s in shards for k, (row, r) in enumerate(s.entries)),
                     key=lambda e: (e[0], e[1]))
    results = [r for _, _, r in ordered]
    read = [("SHARD_DIR", os.path.join(s.path, name)) for s in shards for name in (MANIFEST, RESULTS)]
    refuse_overwriting_inputs([("--store", store)], read)  # --out around a shard: classify_folder refuses it
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(classify_folder(outdir, [*read, ("--store", store)]))
        if store:
            opened = stack.enter_context(open_store(store))
            if not replace:
                stored = opened.current_sources()
                for r in results:
                    found = stored.get(r.sample) if r.status == "ok" else None
                    if found and not same_source(found[0], r.input) and found[1] != r.input_sha256:
                        raise opened.conflict_error(r.sample, found[0], r.input)
            for r in results:
                try:
                    opened.record(sample_json(r, prov), checksum, replace=replace)
                except StoreConflict as exc:
                    r.status, r.error = "error", str(exc)
        write_outdir(folder, results, prov)
    return MergeRun(results=results, provenance=prov, n_inputs=manifest["sheet_rows"],
                    shards=manifest["shards"])
