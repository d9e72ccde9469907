"""The command line: parses options, sets up logging, calls one library function per command.

Exit codes are decided in one place (:func:`her2var.cli.run.run`): 0 done, 1 bad input (a Her2varError, or
a command that ends with ``ctx.exit(1)`` after reporting its failures), 2 usage (click's usage
errors and her2var's UsageError), 130 interrupted, 141 standard output closed by its reader (quietly).
``--debug`` shows tracebacks; any other exception is a bug and escapes with its traceback. Shared
options and option types (paths, builds, -v/-q/--debug after the command too) are in cli/params.py.

:func:`main` returns the code instead of exiting, so it can be called in-process (tests); the
console script ``her2var`` and ``python -m her2var.cli`` exit with it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Sequence

import click

from .. import __version__
from ..errors import terminal_text
from .merge import ShardParam, run_shard
from .params import STDIN, BuildParam, InputPath, OutputPath, add_verbosity, is_quiet, say
from .run import PipeAwareGroup, run

log = logging.getLogger("her2var")

def main(argv: Sequence[str] | None = None) -> int:
    """``her2var ARGS...``: run the command line and return its exit code (do not exit)."""
    return run(cli, argv)


def version_text() -> str:
    """What ``her2var --version`` prints: the program, the built-in rules' checksum (what a result's
    rules_checksum is compared with), htslib (it reads BGZF, BCF, BAM and CRAM) and Python."""
    import platform

    import pysam

    from ..rules.load import load_rules
    from ..rules.schema import builtin_rules_dir

    htslib = getattr(getattr(pysam, "version", None), "__htslib_version__", None) or "unknown"
    return (f"her2var, version {__version__}\n"
            f"rules checksum {load_rules().checksum} (built-in rules: {builtin_rules_dir()})\n"
            f"htslib {htslib} (pysam {pysam.__version__})\n"
            f"Python {platform.python_version()} ({platform.python_implementation()})")


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(version_text())
    ctx.exit()


@click.group(cls=PipeAwareGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Show the version, the built-in rules' checksum, htslib's and Python's versions, and exit.")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """her2var: ERBB2 (HER2) alterations in lung tumour sequencing, from VCF to cohort statistics.

    -v, -q and --debug work before or after the command (her2var -q classify ..., her2var classify ... -q).
    """
    ctx.ensure_object(dict)


@cli.command()
@click.argument("inputs", nargs=-1, type=InputPath(allow_dash=True, check=False))
@click.option("--samples", "sheet", type=InputPath(),
              help="Samples sheet (TSV/CSV: sample, patient, vcf, bam, cnv, fusions, purity, sample_type); a row's "
                   "vcf may list one tumour's VCFs separated by ';'.")
@click.option("--study", type=click.Path(path_type=str),
              help="A cBioPortal study folder or an AACR GENIE release folder, instead of INPUTS: every sample of "
                   "its MAF, copy-number matrices and structural variants, judged by its gene panels and case lists.")
@click.option("--format", "fmt", type=click.Choice(["auto", "text", "tsv", "json"]),
              help="What goes to standard output: a text summary (auto: on a terminal), TSV of the calls "
                   "(auto: when piped) or JSON. With --out nothing goes there unless this is given.")
@click.option("-o", "--out", "outdir", type=OutputPath(folder=True),
              help="Output folder: calls.tsv, samples.tsv, samples/<sample>.json and her2var_mqc.tsv (for "
                   "MultiQC); a short summary goes to stderr.")
@click.option("--build", type=BuildParam(),
              help="Genome build (default: from the header): GRCh37 (hg19, b37, hs37d5, 37) or GRCh38 (hg38, 38).")
@click.option("--sample", help="Which sample of a multi-sample VCF (default: the tumour, else all).")
@click.option("--reference", type=InputPath(), help="Reference FASTA (plain or bgzipped).")
@click.option("--cnv", type=InputPath(), help="Copy-number file (any supported dialect).")
@click.option("--cnv-scale", type=click.Choice(["log2", "log10", "linear"]),
              help="What a .seg's seg.mean holds, which its header does not say (cBioPortal, GISTIC "
                   "and CNVkit write log2, array CGH often log10); applies to every sample.")
@click.option("--purity", type=float, help="Tumour purity in (0, 1] for copy-number conversion.")
@click.option("--sample-type", "sample_type",
              help="tissue, cfDNA (plasma), ... or a synonym: judge the sample(s) by the rules' thresholds for "
                   "that type (a samples sheet's sample_type column overrides it per row).")
@click.option("--merge-same-sample", is_flag=True,
              help="Input VCFs reporting the same sample are one tumour's files (e.g. Strelka2's SNVs and "
                   "indels): classify them as one sample (without it, that is an error).")
@click.option("--targets", type=InputPath(),
              help="Panel targets BED (exon 20 outside it: not assessed).")
@click.option("--fusions", type=InputPath(),
              help="Fusion-caller table: Arriba, STAR-Fusion, TSO500 (CombinedVariantOutput, Fusions.csv, "
                   "AllFusions.csv) or PCGR (fusion input or output).")
@click.option("--bam", type=InputPath(),
              help="Tumour BAM/CRAM (copy number, exon 20 coverage, insertion reads).")
@click.option("--pon", type=InputPath(), help="Panel of normals from 'her2var pon build' (with --bam).")
@click.option("--index", "build_index", is_flag=True, help="Index a BAM/CRAM that has no index.")
@click.option("--rules", "rule_files", multiple=True, type=InputPath(),
              help="A rules YAML merged over the built-in rules (repeatable).")
@click.option("-j", "--jobs", "workers", type=int, default=1, show_default=True, help="Worker processes.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first input that fails.")
@click.option("--annotate-vcf", "annotate_out", type=OutputPath(),
              help="Write the (single) input VCF with HER2_* INFO tags added (.gz: bgzipped, with its .tbi index).")
@click.option("--store", "store_path", type=OutputPath(),
              help="Record every sample's result in this SQLite store (created when missing). A sample the "
                   "store holds from another input file (other content) is refused, unless --replace.")
@click.option("--replace", is_flag=True,
              help="With --store: a sample the store holds from another input file is replaced by this run's "
                   "result (the earlier one is kept as history).")
@click.option("--shard", type=ShardParam(),
              help="With --samples and --out: classify only shard i of N of the sheet (row k, counted from 0, "
                   "goes to shard k mod N + 1) into a shard folder; 'her2var merge' folds the N folders together.")
def classify(inputs, sheet, fmt, outdir, build, sample, reference, cnv, cnv_scale, purity, sample_type,
             merge_same_sample, targets, fusions, bam, pon, build_index, rule_files, workers, fail_fast, annotate_out,
             store_path, replace, shard, study=None) -> None:
    """Classify ERBB2 alterations in VCF/BCF files (one result per tumour sample).

    INPUTS are VCF/BCF files; '-' reads one from standard input; --study DIR reads a public cohort's folder
    instead (README: Public cohorts). With -o/--out the results go to
    that folder and standard output stays empty (unless --format is given); a short summary ends the
    run on stderr (-q silences it) and a progress bar shows on a terminal.
    """
    from ..classify.batch import ClassifyRun, classify_inputs
    from ..classify.output import StdoutText
    from ..classify.result import ClassifyOptions
    from ..classify.stdin import STDIN_NAME, stdin_copy
    from ..errors import Her2varError, UsageError
    from .batch_report import ProgressBar, batch_summary

    if sheet == STDIN:
        raise UsageError("--samples -: a samples sheet names its files relative to its own folder, so it is read "
                         "from a file; give the sheet's path ('-' is for a VCF on standard input)")
    if list(inputs).count(STDIN) > 1:
        raise UsageError("'-' (standard input) is given more than once; it can be read once")
    opts = ClassifyOptions(build=build, sample=sample, reference=reference, cnv=cnv, cnv_scale=cnv_scale, purity=purity,
                           targets=targets, fusions=fusions, bam=bam, pon=pon, build_index=build_index,
                           sample_type=sample_type)
    if study is not None:
        from ..studies import check_study_request

        check_study_request(list(inputs), sheet, opts, workers=workers, fail_fast=fail_fast, annotate_vcf=annotate_out,
                            merge_same_sample=merge_same_sample, shard=shard is not None)
    else:
        # only a folder can be a study: the study package stays unimported for files (classify's start-up)
        folders = [p for p in inputs if p != STDIN and os.path.isdir(p)]
        if folders:
            from ..studies.folder import looks_like_study

            folder = next((p for p in folders if looks_like_study(p)), None)
            if folder is not None:
                raise UsageError(f"{folder}: is a cBioPortal study or GENIE release folder; "
                                 f"give it as --study {folder}")
    if shard is not None:  # one N-th of the sheet into a shard folder (cli/merge.py)
        given = (("--annotate-vcf", annotate_out), ("--merge-same-sample", merge_same_sample),
                 ("--replace", replace), ("--format", fmt))
        run_shard(shard, inputs=list(inputs), sheet=sheet, outdir=outdir, store=store_path, fail_fast=fail_fast,
                  options=opts, rule_files=tuple(rule_files), workers=workers,
                  other=tuple(name for name, value in given if value))
        return
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() and not is_quiet() else None
    if fmt is None:
        fmt = "none" if outdir else "text" if sys.stdout.isatty() else "tsv"
    with contextlib.ExitStack() as stack:
        # standard output's text is put together in a temporary file as the results come (a batch's
        # results are not held to its end) and written out once the run is over, as before
        stdout = stack.enter_context(StdoutText(fmt))
        names: dict[str, str] = {}
        paths = list(inputs)
        if STDIN in paths:  # the readers open a file several times: standard input is copied first
            copy = stack.enter_context(stdin_copy(sys.stdin.buffer))
            paths, names = [copy if p == STDIN else p for p in paths], {copy: STDIN_NAME}
        try:
            if study is not None:
                from ..studies import classify_study

                run: ClassifyRun = classify_study(study, options=opts, rule_files=tuple(rule_files), outdir=outdir,
                                                  store=store_path, replace=replace)
                for r in run.results:
                    stdout.add(r, run.provenance)
            else:
                run = classify_inputs(paths, sheet=sheet, options=opts, rule_files=tuple(rule_files),
                                      workers=workers, fail_fast=fail_fast, outdir=outdir, annotate_vcf=annotate_out,
                                      store=store_path, merge_same_sample=merge_same_sample, progress=bar,
                                      input_names=names, replace=replace, keep_results=False, each=stdout.add)
        except Her2varError as exc:
            if not names:
                raise
            raise type(exc)(str(exc).replace(*next(iter(names.items())))) from exc
        stdout.write_out()
    for r in run.failed:
        click.echo(terminal_text(f"her2var: error: {r.error}"), err=True)
    if outdir or store_path:
        say(batch_summary(run.tally or run.results, run.n_inputs, outdir=outdir, store=store_path))
    if run.failed:
        click.echo(f"her2var: {len(run.failed)} of {run.n_inputs} input(s) failed", err=True)
        click.get_current_context().exit(1)


@cli.command()
@click.argument("outdir", default="her2var-demo", type=OutputPath(folder=True))
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
            click.echo(terminal_text(f"her2var: error: {e}"), err=True)
        click.get_current_context().exit(1)


@cli.group()
def rules() -> None:
    """Inspect and check rules files."""


@rules.command("check")
@click.argument("path", type=InputPath())
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
    from .merge import merge
    from .pon import pon
    from .store import store
    from .workflow import workflow

    cli.add_command(cohort)
    cli.add_command(analyze)
    cli.add_command(plans)
    cli.add_command(pon)
    cli.add_command(store)
    cli.add_command(merge)
    cli.add_command(workflow)
    add_verbosity(cli)  # -v/-q/--debug before or after any command


_register()


if __name__ == "__main__":
    sys.exit(main())
