"""`her2var pon`: the panel-of-normals commands.

Options are parsed here; the work is ``pon.build_pon`` / ``pon.write_pon``. Errors of the
Her2varError family reach the main group, which turns them into a message and an exit code.
"""

from __future__ import annotations

import click

from .params import BuildParam, InputPath, OutputPath


@click.group()
def pon() -> None:
    """Panel of normals for copy number from BAM/CRAM."""


@pon.command("build")
@click.argument("normals", nargs=-1, required=True, type=InputPath())
@click.option("--targets", "targets", required=True, type=InputPath(),
              help="Capture targets (BED) the normals and tumours are counted over.")
@click.option("-o", "--out", "out", required=True, type=OutputPath(),
              help="PON.tsv to write (atomically).")
@click.option("--build", type=BuildParam(),
              help="Genome build the normals must be on (default: from their @SQ lengths).")
@click.option("--reference", type=InputPath(),
              help="Reference FASTA: decodes CRAM and enables per-target GC correction.")
@click.option("--rules", "rule_files", multiple=True, type=InputPath(),
              help="A rules YAML merged over the built-in rules (repeatable).")
@click.option("--gc/--no-gc", "gc", default=True, show_default=True,
              help="With --reference: record target GC and remove each normal's GC trend.")
@click.option("--index", "build_index", is_flag=True, help="Build a missing .bai/.crai next to a normal.")
@click.option("--threads", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Decompression threads per file.")
def build(normals: tuple[str, ...], targets: str, out: str, build: str | None, reference: str | None,
          rule_files: tuple[str, ...], gc: bool, build_index: bool, threads: int) -> None:
    """Build a panel of normals from NORMAL BAM/CRAM files over --targets."""
    from ..bam.pon import RECOMMENDED_NORMALS, build_pon, write_pon
    from ..errors import shown
    from ..files import refuse_overwriting_inputs
    from ..rules.load import load_rules

    read: list[tuple[str, str | None]] = [("NORMALS", n) for n in normals]
    read += [("NORMALS (an index)", n + ext) for n in normals for ext in (".bai", ".csi", ".crai")]
    read += [("--targets", targets), ("--reference", reference),
             ("--reference (its index)", reference and reference + ".fai")] + [("--rules", r) for r in rule_files]
    refuse_overwriting_inputs([("-o", out)], read)  # before hours of counting reads
    rules = load_rules(list(rule_files))
    result = build_pon(list(normals), targets, rules, build=build, reference=reference,
                       threads=threads, build_index=build_index, gc=gc)
    write_pon(result, out)
    usable = int(result.usable.sum())
    click.echo(f"{out}: {len(result.targets)} targets ({usable} usable) from {result.n_normals} normals, "
               f"{result.build}, GC correction {'yes' if result.gc is not None else 'no'}")
    for qc in result.normals:
        click.echo(f"  {shown(qc.name, bare=True)}: {qc.reads_used} reads, "
                   f"mean target depth {qc.mean_target_depth:.1f}, noise {qc.noise_log2:.3f} log2")
    if result.n_normals < RECOMMENDED_NORMALS:
        click.echo(f"her2var: warning: {result.n_normals} normals; {RECOMMENDED_NORMALS} or more give a "
                   "steadier noise estimate", err=True)
