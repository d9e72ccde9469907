"""``her2var analyze`` and ``her2var plans``: the command-line face of :func:`analyze`.

Inside the ``her2var`` group, errors become messages and exit codes in :func:`her2var.cli.run`
(bad input 1, usage 2; ``her2var --debug`` shows the traceback). Run on their own (``analyze()``,
click's CliRunner) the commands go through that same function. Heavy imports happen inside the
commands.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from .params import InputPath, OutputPath, say

log = logging.getLogger(__name__)


class _Command(click.Command):
    """A click command that, run on its own, reports errors like ``her2var`` does (her2var.cli.run)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        from .run import run

        sys.exit(run(self, args, prog_name or f"her2var {self.name}"))


@click.command("analyze", cls=_Command)
@click.argument("cohort", type=InputPath())
@click.option("--plan", "plan_name", required=True,
              help="A built-in plan name (see 'her2var plans') or a plan YAML file.")
@click.option("-o", "--out", "outdir", required=True, type=OutputPath(folder=True),
              help="Output folder (new, empty, or an earlier analysis, which is replaced).")
@click.option("--median-ci", type=click.Choice(["log", "log-log", "plain", "spss"]),
              help="Override the plan's median CI method.")
@click.option("--adjust", type=click.Choice(["holm", "BH", "bonferroni", "none"]),
              help="Override the plan's pairwise p-value adjustment.")
@click.option("--denominator", type=click.Choice(["all", "evaluable"]),
              help="Override the plan's ORR/DCR denominator.")
@click.option("--no-figures", is_flag=True, help="Skip the figures (tables, results.json and report only).")
@click.option("-j", "--jobs", type=int, default=None,
              help="Processes drawing the figures (default: one per CPU, at most 4; 1 draws them in this process).")
@click.option("--figure-format", "figure_format", metavar="LIST",
              help="Figure files besides the PNG the report shows, comma-separated: png, svg, pdf, tiff "
                   "(plan default: png,svg,pdf).")
@click.option("--dpi", type=int, help="Resolution of PNG and TIFF figures (plan default 300).")
@click.option("--figure-width", metavar="WIDTH",
              help="single (89 mm), one-and-a-half (120 mm), double (183 mm, the default) or a width in mm.")
@click.option("--font", help="Font family of the figures (an installed font; default DejaVu Sans).")
@click.option("--font-size", type=float, help="Font size of the figures in points (default 7).")
@click.option("--km-x-max", type=float, help="Cut the Kaplan-Meier time axis at this time.")
@click.option("--km-breaks", type=float, metavar="EVERY",
              help="Interval of the Kaplan-Meier time ticks and numbers at risk (default: 3, 6 or 12 months by "
                   "range).")
@click.option("--km-ci/--no-km-ci", default=None, help="Pointwise confidence bands on the Kaplan-Meier curves.")
@click.option("--risk-table/--no-risk-table", default=None, help="Numbers at risk under the Kaplan-Meier curves.")
@click.option("--pdf/--no-pdf", default=None,
              help="Print report.pdf with a headless Chromium (default: when one is installed; --pdf requires it).")
@click.option("--synthetic", is_flag=True, help="The cohort is synthetic: every output says SYNTHETIC DATA.")
def analyze(cohort: str, plan_name: str, outdir: str, median_ci: str | None, adjust: str | None,
            denominator: str | None, no_figures: bool, jobs: int | None, figure_format: str | None, dpi: int | None,
            figure_width: str | None, font: str | None, font_size: float | None, km_x_max: float | None,
            km_breaks: float | None, km_ci: bool | None, risk_table: bool | None, pdf: bool | None,
            synthetic: bool) -> None:
    """Tables, figures and report of a real-world-evidence analysis of COHORT (cohort.tsv).

    Writes OUTDIR/results.json, OUTDIR/tables/*.tsv, OUTDIR/tables.xlsx, OUTDIR/figures/ (PNG and
    the plan's other formats), OUTDIR/report.html and, with a headless Chromium, OUTDIR/report.pdf,
    all at once or not at all. The --figure-*, --dpi, --font* and --km-* options override the
    plan's figures block.
    """
    from ..analysis.figstyle import parse_formats, parse_width
    from ..analysis.plan import load_plan
    from ..analysis.workers import figure_workers
    from ..errors import RulesError, UsageError, shown

    if jobs is not None and jobs < 1:
        raise UsageError("--jobs must be at least 1")
    plan = load_plan(plan_name).with_overrides(median_ci=median_ci, adjust=adjust, denominator=denominator)
    given: dict[str, tuple[Any, str]] = {"dpi": (dpi, "--dpi"), "font": (font, "--font"),
                                         "font_size": (font_size, "--font-size"),
                                         "km_x_max": (km_x_max, "--km-x-max"),
                                         "km_breaks_every": (km_breaks, "--km-breaks"),
                                         "km_ci_bands": (km_ci, "--km-ci"),
                                         "km_risk_table": (risk_table, "--risk-table")}
    try:
        if figure_format is not None:
            given["formats"] = (parse_formats(figure_format, "--figure-format"), "--figure-format")
        if figure_width is not None:
            given["width_mm"] = (parse_width(figure_width, "--figure-width"), "--figure-width")
    except RulesError as exc:
        raise UsageError(str(exc)) from None
    plan = plan.with_figure_style({k: v for k, v in given.items() if v[0] is not None})
    # The figure workers start first: their start overlaps the import of the statistics' libraries.
    with figure_workers(plan, jobs, figures=not no_figures) as workers:
        from ..analysis.run import analyze as run_analyze

        result = run_analyze(cohort, plan, outdir, figures=not no_figures, jobs=jobs, synthetic=synthetic, pdf=pdf,
                             workers=workers)
    c = result.results["cohort"]
    n_fail = sum(1 for m in result.results["cox_models"] if m["status"] != "ok")
    say(f"analyze: {c['patients']} patients, {c['in_population']} in the population; "
        f"plan {shown(plan.name, bare=True)}; "
        f"{len(result.results['figures'])} figures")
    if n_fail:
        say(f"analyze: {n_fail} Cox model(s) not estimable (reasons in the report and results.json)")
    pdf_done = result.results.get("report_pdf") or {}
    if pdf_done and not pdf_done.get("written"):
        say(f"analyze: {pdf_done.get('note')}")
    report = "report.html, report.pdf" if pdf_done.get("written") else "report.html"
    say(f"wrote {outdir}/ ({report}, results.json, tables.xlsx, tables/, figures/) in "
        f"{result.timings['total']:.1f} s")


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
