"""The command line: parses options, sets up logging, calls one library function per command.

Exit codes are decided in one place (:func:`her2var.cli.run.run`): 0 done, 1 bad input (a Her2varError, or
a command that ends with ``ctx.exit(1)`` after reporting its failures), 2 usage (click's usage
errors and her2var's UsageError), 130 interrupted. ``--debug`` shows tracebacks; any other
exception is a bug and escapes with its traceback.

:func:`main` returns the code instead of exiting, so it can be called in-process (tests); the
console script ``her2var`` and ``python -m her2var.cli`` exit with it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Sequence

import click

from .. import __version__
from .run import run, start_logging

log = logging.getLogger("her2var")

def main(argv: Sequence[str] | None = None) -> int:
    """``her2var ARGS...``: run the command line and return its exit code (do not exit)."""
    return run(cli, argv)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="her2var")
@click.option("-v", "--verbose", count=True, help="More messages (repeat for debug-level logs).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, debug: bool) -> None:
    """her2var: ERBB2 (HER2) alterations in lung tumour sequencing, from VCF to cohort statistics."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    if debug:
        level = logging.DEBUG
    start_logging(ctx, level)


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--samples", "sheet", type=click.Path(dir_okay=False),
              help="Samples sheet (TSV/CSV: sample, patient, vcf, bam, cnv, purity).")
@click.option("--format", "fmt", type=click.Choice(["auto", "text", "tsv", "json"]), default="auto",
              show_default=True, help="Standard output: text summary on a terminal, else TSV.")
@click.option("--out", "outdir", type=click.Path(file_okay=False),
              help="Write calls.tsv, samples.tsv and samples/<sample>.json here.")
@click.option("--build", type=click.Choice(["GRCh37", "GRCh38"]), help="Genome build (default: from the header).")
@click.option("--sample", help="Which sample of a multi-sample VCF (default: the tumour, else all).")
@click.option("--reference", type=click.Path(dir_okay=False), help="Reference FASTA (plain or bgzipped).")
@click.option("--cnv", type=click.Path(dir_okay=False), help="Copy-number file (any supported dialect).")
@click.option("--purity", type=float, help="Tumour purity in (0, 1] for copy-number conversion.")
@click.option("--targets", type=click.Path(dir_okay=False),
              help="Panel targets BED (exon 20 outside it: not assessed).")
@click.option("--fusions", type=click.Path(dir_okay=False), help="Fusion-caller table (Arriba or STAR-Fusion TSV).")
@click.option("--bam", type=click.Path(dir_okay=False),
              help="Tumour BAM/CRAM (copy number, exon 20 coverage, insertion reads).")
@click.option("--pon", type=click.Path(dir_okay=False), help="Panel of normals from 'her2var pon build' (with --bam).")
@click.option("--index", "build_index", is_flag=True, help="Index a BAM/CRAM that has no index.")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(dir_okay=False),
              help="A rules YAML merged over the built-in rules (repeatable).")
@click.option("-j", "--jobs", "workers", type=int, default=1, show_default=True, help="Worker processes.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first input that fails.")
@click.option("--annotate-vcf", "annotate_out", type=click.Path(dir_okay=False),
              help="Write the (single) input VCF with HER2_* INFO tags added (.gz: bgzipped).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False),
              help="Record every sample's result in this SQLite store (created when missing).")
def classify(inputs, sheet, fmt, outdir, build, sample, reference, cnv, purity, targets, fusions, bam, pon,
             build_index, rule_files, workers, fail_fast, annotate_out, store_path) -> None:
    """Classify ERBB2 alterations in VCF/BCF files (one result per tumour sample)."""
    from ..classify.batch import classify_inputs, terminal_progress
    from ..classify.output import call_row, sample_json, summary_text, write_tsv
    from ..classify.result import ClassifyOptions
    from ..models import CALL_COLUMNS

    opts = ClassifyOptions(build=build, sample=sample, reference=reference, cnv=cnv, purity=purity,
                           targets=targets, fusions=fusions, bam=bam, pon=pon, build_index=build_index)
    show_progress = sys.stderr.isatty() and logging.getLogger().level < logging.ERROR
    run = classify_inputs(list(inputs), sheet=sheet, options=opts, rule_files=tuple(rule_files), workers=workers,
                          fail_fast=fail_fast, outdir=outdir, annotate_vcf=annotate_out, store=store_path,
                          progress=terminal_progress if show_progress else None)
    if fmt == "auto":
        fmt = "text" if sys.stdout.isatty() else "tsv"
    if fmt == "text":
        click.echo(summary_text(run.results), nl=False)
    elif fmt == "tsv":
        write_tsv(sys.stdout, CALL_COLUMNS, (call_row(c) for r in run.results for c in r.calls))
    else:
        json.dump([sample_json(r, run.provenance) for r in run.results], sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    for r in run.failed:
        click.echo(f"her2var: error: {r.error}", err=True)
    if run.failed:
        click.echo(f"her2var: {len(run.failed)} of {run.n_inputs} input(s) failed", err=True)
        click.get_current_context().exit(1)


@cli.command()
@click.argument("outdir", default="her2var-demo", type=click.Path(file_okay=False))
@click.option("--seed", type=int, default=20261122, show_default=True, help="Seed of the synthetic data.")
@click.option("-j", "--jobs", "workers", type=int, default=1, show_default=True, help="Worker processes.")
def demo(outdir: str, seed: int, workers: int) -> None:
    """Run classify -> cohort -> analyze on a seeded SYNTHETIC cohort; results in OUTDIR."""
    from ..demo.run import run_demo
    from ..rules.load import load_rules

    run = run_demo(outdir, load_rules(), seed=seed, workers=workers)
    click.echo("SYNTHETIC DEMO DATA - no real patient is described\n")
    click.echo(f"{run.inputs.n_patients} patients, {run.n_samples} tumour samples classified; HER2 status:")
    click.echo(run.summary)
    click.echo(f"\ninputs:   {run.inputs.folder} (VCFs, copy number, samples.tsv, clinical.xlsx)")
    click.echo(f"classify: {run.classify_dir} (calls.tsv, samples.tsv, samples/*.json); store {run.store}")
    click.echo(f"cohort:   {run.cohort_tsv}")
    for d in run.analysis_dirs:
        click.echo(f"analysis: {os.path.join(d, 'report.html')}")
    if run.failed:
        for e in run.failed:
            click.echo(f"her2var: error: {e}", err=True)
        click.get_current_context().exit(1)


@cli.group()
def rules() -> None:
    """Inspect and check rules files."""


@rules.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
def rules_check(path: str) -> None:
    """Validate a rules YAML file (alone and merged over the built-in rules)."""
    from ..rules.load import check_rules_file

    r = check_rules_file(path)
    click.echo(f"{path}: OK (merged rules checksum {r.checksum[:16]}; genes: {', '.join(r.genes)})")


@rules.command("show")
def rules_show() -> None:
    """Print where the built-in rules are and their checksum."""
    from ..rules.load import load_rules
    from ..rules.schema import builtin_rules_dir

    r = load_rules()
    click.echo(f"rules folder: {builtin_rules_dir()}")
    click.echo(f"checksum: {r.checksum}")
    for s in r.sources:
        click.echo(f"  {os.path.basename(s)}")


def _register() -> None:
    # Command modules import only click at the top; their heavy imports wait until they run.
    from .analyze import analyze, plans
    from .cohort import cohort
    from .pon import pon

    cli.add_command(cohort)
    cli.add_command(analyze)
    cli.add_command(plans)
    cli.add_command(pon)


_register()


if __name__ == "__main__":
    sys.exit(main())
