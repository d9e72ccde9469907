"""``her2var classify --shard i/N`` and ``her2var merge``: a samples sheet classified in N jobs, then
folded into one output folder and store (classify/shard.py and classify/shard_merge.py)."""

from __future__ import annotations

import sys
from typing import Any

import click

from .params import OutputPath, is_quiet, say


class ShardParam(click.ParamType):
    """``--shard i/N``: shard i (1..N) of N."""

    name = "shard"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "i/N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..classify.shard import Shard, parse_shard
        from ..errors import UsageError

        if isinstance(value, Shard):
            return value
        try:
            return parse_shard(str(value))
        except UsageError as exc:
            self.fail(str(exc).removeprefix("--shard "), param, ctx)


def run_shard(shard: Any, *, inputs: list[str], sheet: str | None, outdir: str | None, store: str | None,
              fail_fast: bool, options: Any, rule_files: tuple[str, ...], workers: int,
              other: tuple[str, ...] = ()) -> None:
    """``classify --samples SHEET --shard i/N --out DIR`` (``other``: options given that a shard refuses).
    Exits 0 once the shard folder is written, also
    when some of its samples failed: their errors are in the shard, and ``merge`` reports them and exits
    1, as a single classify run does at its end."""
    from ..classify.shard import check_shard_request, classify_shard
    from .batch_report import ProgressBar, batch_summary

    check_shard_request(inputs, sheet, outdir, store=store, fail_fast=fail_fast, other=other)
    assert sheet is not None and outdir is not None
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() and not is_quiet() else None
    run = classify_shard(sheet, shard, outdir, options=options, rule_files=rule_files, workers=workers, progress=bar)
    for r in run.failed:
        click.echo(f"her2var: error: {r.error}", err=True)
    summary = batch_summary(run.results, run.n_inputs, outdir=None, store=None)
    say(f"{summary}\nclassify: shard {shard}: wrote {outdir} (combine the shards with 'her2var merge')")


@click.command()
@click.argument("shard_dirs", nargs=-1, required=True, metavar="SHARD_DIR...")
@click.option("-o", "--out", "outdir", required=True, type=OutputPath(folder=True),
              help="Output folder: what 'classify --out' writes (calls.tsv, samples.tsv, samples/<sample>.json, "
                   "her2var_mqc.tsv for MultiQC).")
@click.option("--store", "store_path", type=OutputPath(),
              help="Record every sample's result in this SQLite store (created when missing); keep it on a "
                   "local disk.")
@click.option("--replace", is_flag=True,
              help="With --store: a sample the store holds from another input file is replaced by this run's "
                   "result (the earlier one is kept as history); without it, that refuses the merge.")
@click.option("--allow-failed", is_flag=True,
              help="Exit 0 even when samples failed (their errors are in samples.tsv and on stderr).")
def merge(shard_dirs: tuple[str, ...], outdir: str, store_path: str | None, replace: bool, allow_failed: bool) -> None:
    """Fold the shard folders of 'classify --samples SHEET --shard i/N' into one output folder and store.

    Writes what 'classify --samples SHEET --out OUT --store S' would have written, byte for byte. Refuses
    shards of different sheets, rules, options or her2var versions, a shard given twice and a missing one.
    Exits 1 when a sample failed (unless --allow-failed), after writing everything else.
    """
    from ..classify.shard_merge import merge_shards
    from .batch_report import batch_summary

    run = merge_shards(list(shard_dirs), outdir, store=store_path, replace=replace)
    for r in run.failed:
        click.echo(f"her2var: error: {r.error}", err=True)
    say(f"merge: {run.shards} shard(s) of {run.n_inputs} sheet row(s)\n"
        + batch_summary(run.results, run.n_inputs, outdir=outdir, store=store_path))
    if run.failed and not allow_failed:
        click.echo(f"her2var: {len(run.failed)} of {run.n_inputs} input(s) failed", err=True)
        click.get_current_context().exit(1)
