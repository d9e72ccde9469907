"""``her2var analyze`` and ``her2var plans``: the command-line face of :func:`analyze`.

Inside the ``her2var`` group, errors become messages and exit codes in :func:`her2var.cli.run`
(bad input 1, usage 2; ``her2var --debug`` shows the traceback). Run on their own (``analyze()``,
click's CliRunner) the commands go through that same function. Heavy imports happen inside the
commands.
"""

from __future__ import annotations

import logging
import sys

import click

log = logging.getLogger(__name__)


class _Command(click.Command):
    """A click command that, run on its own, reports errors like ``her2var`` does (her2var.cli.run)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        from .run import run

        sys.exit(run(self, args, prog_name or f"her2var {self.name}"))


@click.command("analyze", cls=_Command)
@click.argument("cohort", type=click.Path(dir_okay=False))
@click.option("--plan", "plan_name", required=True,
              help="A built-in plan name (see 'her2var plans') or a plan YAML file.")
@click.option("-o", "--out", "outdir", required=True, type=click.Path(file_okay=False),
              help="Output folder (new, empty, or an earlier analysis, which is replaced).")
@click.option("--median-ci", type=click.Choice(["log", "log-log", "plain", "spss"]),
              help="Override the plan's median CI method.")
@click.option("--adjust", type=click.Choice(["holm", "BH", "bonferroni", "none"]),
              help="Override the plan's pairwise p-value adjustment.")
@click.option("--denominator", type=click.Choice(["all", "evaluable"]),
              help="Override the plan's ORR/DCR denominator.")
@click.option("--no-figures", is_flag=True, help="Skip the figures (tables, results.json and report only).")
@click.option("-j", "--jobs", type=int, default=1, show_default=True, help="Processes drawing the figures.")
def analyze(cohort: str, plan_name: str, outdir: str, median_ci: str | None, adjust: str | None,
            denominator: str | None, no_figures: bool, jobs: int) -> None:
    """Tables, figures and report of a real-world-evidence analysis of COHORT (cohort.tsv).

    Writes OUTDIR/results.json, OUTDIR/tables/*.tsv, OUTDIR/tables.xlsx, OUTDIR/figures/*.png|svg
    and OUTDIR/report.html, all at once or not at all.
    """
    from ..analysis.plan import load_plan
    from ..analysis.run import analyze as run_analyze
    from ..errors import UsageError, shown

    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    plan = load_plan(plan_name).with_overrides(median_ci=median_ci, adjust=adjust, denominator=denominator)
    result = run_analyze(cohort, plan, outdir, figures=not no_figures, jobs=jobs)
    c = result.results["cohort"]
    n_fail = sum(1 for m in result.results["cox_models"] if m["status"] != "ok")
    click.echo(f"analyze: {c['patients']} patients, {c['in_population']} in the population; "
               f"plan {shown(plan.name, bare=True)}; "
               f"{len(result.results['figures'])} figures", err=True)
    if n_fail:
        click.echo(f"analyze: {n_fail} Cox model(s) not estimable (reasons in the report and results.json)", err=True)
    click.echo(f"wrote {outdir}/ (report.html, results.json, tables.xlsx, tables/, figures/) in "
               f"{result.timings['total']:.1f} s", err=True)


@click.command("plans", cls=_Command)
@click.argument("name", required=False)
def plans(name: str | None) -> None:
    """List the built-in analysis plans, or print one (NAME) to copy and edit."""
    from ..analysis.plan import builtin_plans, load_plan

    found = builtin_plans()
    if name:
        if name not in found:
            from ..errors import UsageError, shown

            raise UsageError(f"no built-in plan {shown(name)}; built-in plans: {', '.join(found) or 'none'}")
        click.echo(found[name].read_text(encoding="utf-8"), nl=False)
        return
    for key, path in found.items():
        p = load_plan(path)
        groups = "; ".join(f"{g.label}: {', '.join(g.levels)}" for g in p.groupings)
        click.echo(f"{key}\n    {p.title}\n    groups: {groups}\n    endpoints: "
                   f"{', '.join(e.name for e in p.endpoints)}; median CI: {p.km.median_ci}; "
                   f"pairwise: {p.adjust}\n    file: {path}")


if __name__ == "__main__":  # pragma: no cover
    analyze()  # exits with the code
