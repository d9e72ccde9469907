"""``her2var workflow init``: write the Snakemake workflow (her2var/workflow)."""

from __future__ import annotations

import click

from .params import InputPath, OutputPath, say


@click.group()
def workflow() -> None:
    """Run classify at scale with Snakemake (shard jobs, then one merge)."""


@workflow.command("init")
@click.argument("folder", type=OutputPath(folder=True))
@click.option("--samples", "sheet", type=InputPath(), help="The samples sheet (default: samples.tsv in FOLDER).")
@click.option("--shards", type=click.IntRange(min=1), default=4, show_default=True,
              help="Shard jobs the sheet's rows are split into.")
@click.option("--force", is_flag=True, help="Replace workflow files FOLDER already has.")
def init(folder: str, sheet: str | None, shards: int, force: bool) -> None:
    """Write a Snakefile, config.yaml (with its JSON schema), a conda environment and profiles for this
    machine, SLURM and Kubernetes into FOLDER.

    Then: cd FOLDER && snakemake --profile profiles/local (or profiles/slurm, profiles/kubernetes).
    """
    from ..workflow import init_workflow

    written = init_workflow(folder, samples=sheet, shards=shards, force=force)
    say(f"workflow: wrote {len(written)} files to {folder} (Snakefile, config.yaml, config.schema.yaml, envs/, "
        f"profiles/local, profiles/slurm, profiles/kubernetes); edit config.yaml, then run "
        f"'snakemake --profile profiles/local' there")
