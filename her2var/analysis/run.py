"""``analyze()``: cohort + plan -> results.json, tables (TSV, XLSX), figures (PNG and the plan's other
formats: SVG, PDF, TIFF), report.html and, when a headless Chromium is installed, report.pdf.

Everything is written into a staging folder inside OUTDIR and put in place only when all of it is
written (outfolder.py): a failure leaves no half-written analysis and an earlier one untouched; only
files an earlier analysis wrote there are ever replaced or removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError, shown
from ..files import Named
from ..outfolder import OutputFolder
from .coalteration import attach, derive
from .data import ALL, Prepared, exclusion_summary, prepare, read_cohort
from .methods import methods_text
from .plan import Plan, load_plan, plan_checksum
from .wording import SYNTHETIC_NOTE
from .workers import FigureWorkers, figure_workers

if TYPE_CHECKING:
    from .compute import Computed

# The statistics (.compute, and with it scipy and pandas) are imported by _analyze once the figures
# that need none are drawing: about half a second of import that the other CPU spends drawing.

log = logging.getLogger(__name__)

MARKER = "results.json"


@dataclass
class AnalysisResult:
    """What ``analyze`` wrote and how long each part took (seconds)."""

    outdir: str
    results: dict[str, Any]
    files: list[str]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def n_patients(self) -> int:
        return int(self.results["cohort"]["patients"])


def analysis_folder(outdir: str, inputs: list[Named] | None = None) -> OutputFolder:
    """OUTDIR (outfolder.py): new, empty, or an earlier analysis, whose files are replaced and
    removed (only those: anything else in the folder is left alone). No input may be written over."""
    return OutputFolder(outdir, kind="analysis", option="-o", inputs=inputs or [],
                        patterns=(MARKER, "report.html", "report.pdf", "tables.xlsx"), subfolders=("tables", "figures"),
                        not_ours="holds no earlier analysis")


def analysis_inputs(cohort_path: str, plan: Plan) -> list[Named]:
    """The files an analysis reads: the cohort and a plan file."""
    return [("COHORT", cohort_path), ("--plan", plan.source if os.path.isfile(plan.source) else None)]


def check_outdir(outdir: str, inputs: list[Named] | None = None) -> None:
    """OUTDIR must be new, empty, or an earlier analysis (which is then replaced), and hold no input."""
    analysis_folder(outdir, inputs).check()


def _now() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch and epoch.isdigit() else \
        dt.datetime.now(dt.UTC)
    return when.replace(microsecond=0).isoformat()


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__

    out = {"her2var": __version__, "python": platform.python_version()}
    for pkg in ("numpy", "scipy", "pandas", "matplotlib", "jinja2", "openpyxl", "pyyaml"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _rules_checksums(plan: Plan) -> dict[str, str]:
    from ..rules.schema import builtin_rules_dir

    out = {f"plan {os.path.basename(plan.source)}": plan.sha256}
    base = builtin_rules_dir()
    for name in ("clinical.yaml", "regimens.yaml"):
        p = base / name
        if p.is_file():
            out[f"built-in {name}"] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def classify_rules(prep: Prepared) -> list[str]:
    """Every rules checksum the analysed patients' samples were classified under (the cohort's
    ``rules_checksum`` column; [] for a cohort made before the column existed)."""
    cells = prep.table.cells.get("rules_checksum")
    if cells is None:
        return []
    return sorted({str(c) for c, keep in zip(cells, prep.in_population, strict=True) if keep and c})


def provenance(plan: Plan, prep: Prepared, argv: list[str] | None = None) -> dict[str, Any]:
    return {
        "date": _now(),
        "versions": _versions(),
        "platform": platform.platform(),
        "plan": {"name": plan.name, "source": plan.source, "sha256": plan.sha256,
                 "canonical_sha256": plan_checksum(plan)},
        "rules_sha256": _rules_checksums(plan),
        "input": {"path": prep.table.path, "sha256": prep.table.sha256, "rows": prep.table.n},
        "command": argv if argv is not None else [os.path.basename(sys.argv[0]), *sys.argv[1:]],
    }


def _clean(obj: Any) -> Any:
    """JSON-ready: numpy scalars to Python, non-finite floats to None (never NaN in the output)."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if np.isfinite(x) else None
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def _plan_summary(plan: Plan) -> dict[str, Any]:
    return {
        "name": plan.name, "title": plan.title, "source": plan.source,
        "groupings": [{"name": g.name, "label": g.label, "column": g.column, "levels": list(g.levels),
                       "multiple": g.categories.multiple} for g in plan.groupings],
        "subgroups": [{"name": s.name, "label": s.label, "column": s.column, "levels": list(s.levels),
                       "multiple": s.categories.multiple} for s in plan.subgroups],
        "endpoints": [{"name": e.name, "label": e.label, "time": e.time, "event": e.event} for e in plan.endpoints],
        "median_ci": plan.km.median_ci, "median_rule": plan.km.median_rule, "conf_level": plan.km.conf_level,
        "landmarks": list(plan.km.landmarks), "time_unit": plan.km.time_unit,
        "pairwise": plan.pairwise, "adjust": plan.adjust,
        "response_denominator": plan.response.denominator if plan.response else None,
        "table1_smd": plan.table1_smd, "table1_p_values": plan.table1_p_values,
        "cox_firth": plan.cox.firth if plan.cox else None,
        "figure_style": plan.figures.style.summary(),
        "settings": plan.raw,
    }


def build_results(plan: Plan, prep: Prepared, comp: Computed, argv: list[str] | None = None, *,
                  synthetic: bool = False) -> dict[str, Any]:
    """results.json's content (without the figure list, added when the figures are drawn)."""
    primary = plan.groupings[0].name
    in_table1 = prep.in_table1
    assert in_table1 is not None  # prepare() always sets it
    res: dict[str, Any] = {
        "format": "her2var-analysis", "format_version": 1,
        "synthetic": synthetic,
        **({"data_note": SYNTHETIC_NOTE} if synthetic else {}),
        "plan": _plan_summary(plan),
        "cohort": {"path": prep.table.path, "sha256": prep.table.sha256, "patients": prep.table.n,
                   "in_population": int(prep.in_population.sum()),
                   "grouped": {g.name: int(prep.grouped(g.name).sum()) for g in plan.groupings},
                   "endpoints": {e.name: int(prep.in_endpoint[e.name].sum()) for e in plan.endpoints},
                   "response": int(prep.in_response.sum()) if prep.in_response is not None else None,
                   "table1": int(in_table1.sum()),
                   "group_sizes": {lv: int(prep.member(primary, lv).sum()) for lv in plan.groupings[0].levels}},
        "methods": methods_text(plan),
        **{k: v for k, v in comp.records.items() if k != "table1_rows"},
        "table1_rows": comp.records["table1_rows"],
        "exclusions": prep.exclusions,
        "exclusion_summary": exclusion_summary(prep.exclusions),
        "provenance": provenance(plan, prep, argv),
        "rules_checksum": classify_rules(prep),
    }
    return res


def analyze(cohort_path: str, plan: Plan | str, outdir: str, *, figures: bool = True, jobs: int | None = 1,
            argv: list[str] | None = None, synthetic: bool = False, pdf: bool | None = False,
            workers: FigureWorkers | None = None) -> AnalysisResult:
    """Run the plan on the cohort and write everything into ``outdir`` (all or nothing).

    ``jobs``: processes drawing the figures (None: one per usable CPU, at most 4). With more than
    one, the workers start before the cohort is read and draw the figures while this process
    writes the tables. ``workers``: ones started by the caller (``jobs`` is then not used).
    ``synthetic``: the cohort is synthetic (the demo's), and every output says so (report banner,
    table and figure titles, captions, file metadata). ``pdf``: print report.pdf with a headless
    Chromium: True requires it, None prints it when a Chromium is found (the command line's
    default), False skips it.
    """
    t0 = time.perf_counter()
    if not isinstance(plan, Plan):
        plan = load_plan(plan)
    check_outdir(outdir, analysis_inputs(cohort_path, plan))
    if workers is not None:
        return _analyze(cohort_path, plan, outdir, t0, figures=figures, workers=workers, argv=argv,
                        synthetic=synthetic, pdf=pdf)
    with figure_workers(plan, jobs, figures=figures) as started:
        return _analyze(cohort_path, plan, outdir, t0, figures=figures, workers=started, argv=argv,
                        synthetic=synthetic, pdf=pdf)


def _analyze(cohort_path: str, plan: Plan, outdir: str, t0: float, *, figures: bool, workers: FigureWorkers | None,
             argv: list[str] | None, synthetic: bool, pdf: bool | None) -> AnalysisResult:
    from . import report as report_mod
    from .draw import start_cohort_figures, start_figures, start_km_figures
    from .pdf import write_report_pdf
    from .tables import build_tables, write_tsv, write_xlsx

    timings: dict[str, float] = {}
    # a coalteration plan reads columns derived from the cohort, and delayed entry if the cohort has it
    table, plan, derived = derive(read_cohort(cohort_path), plan)
    prep = prepare(table, plan)
    if not prep.in_population.any():
        raise InputError(f"{cohort_path}: no patient is in the plan's population "
                         f"({'; '.join(shown(c.label, 200, bare=True) for c in plan.population)}); nothing to analyse")
    timings["read"] = time.perf_counter() - t0

    files: list[str] = []
    with analysis_folder(outdir, analysis_inputs(cohort_path, plan)) as out:  # replaced only on success
        tmp = out.staging
        fig_dir = os.path.join(tmp, "figures")
        os.makedirs(fig_dir)
        try:
            # With workers, the figures that need no statistics are drawn while they are computed
            # (the CPU the workers' start leaves free), the others while the tables are written.
            early = start_cohort_figures(plan, prep, fig_dir, synthetic=synthetic, workers=workers) \
                if figures else None
            from .compute import compute

            # the Kaplan-Meier figures are handed over as soon as their curves are, while the other
            # statistics are computed
            km: list[Any] = []

            def survival_done(sets: list[Any]) -> None:
                km.append(start_km_figures(plan, sets, fig_dir, synthetic=synthetic, workers=workers))

            t1 = time.perf_counter()
            comp = compute(plan, prep, on_survival=survival_done if early is not None else None)
            coalteration = attach(plan, prep, derived, comp.records)
            timings["statistics"] = time.perf_counter() - t1
            results = build_results(plan, prep, comp, argv, synthetic=synthetic)
            if coalteration is not None:
                results["coalteration"] = coalteration
            t2 = time.perf_counter()
            figure_list = (start_figures(plan, prep, comp, fig_dir, synthetic=synthetic, workers=workers,
                                         early=early, km=km[0] if km else None) if figures else lambda: [])
            t3 = time.perf_counter()
            tab_dir = os.path.join(tmp, "tables")
            os.makedirs(tab_dir)
            tables = build_tables(comp.records, prep.exclusions, list(plan.groupings[0].levels),
                                  synthetic=synthetic, smd=plan.table1_smd, p_values=plan.table1_p_values)
            files += [os.path.join("tables", write_tsv(tab_dir, t)) for t in tables]
            write_xlsx(os.path.join(tmp, "tables.xlsx"), tables, note=SYNTHETIC_NOTE if synthetic else "")
            files.append("tables.xlsx")
            t_tables = time.perf_counter() - t3
            results["figures"] = figure_list()
        except BaseException:
            if workers is not None:  # no worker may still be writing into the folder that is removed
                workers.close()
            raise
        timings["figures"] = time.perf_counter() - t2 - (t_tables if workers is None else 0.0)
        t4 = time.perf_counter()
        results = _clean(results)
        html = report_mod.render(results, fig_dir)
        with open(os.path.join(tmp, "report.html"), "w", encoding="utf-8") as fh:
            fh.write(html)
        files.append("report.html")
        files += [os.path.join("figures", f[k]) for f in results["figures"] for k in plan.figures.style.files()]
        timings["outputs"] = t_tables + time.perf_counter() - t4
        if pdf is not False:
            t5 = time.perf_counter()
            outcome = write_report_pdf(os.path.join(tmp, "report.html"), os.path.join(tmp, "report.pdf"),
                                       required=pdf is True)
            results["report_pdf"] = outcome.record()
            if outcome.written:
                files.append("report.pdf")
            timings["pdf"] = time.perf_counter() - t5
        with open(os.path.join(tmp, MARKER), "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1, allow_nan=False, ensure_ascii=False)
            fh.write("\n")
        files.append(MARKER)
        out.commit()
    timings["total"] = time.perf_counter() - t0
    log.info("analysis of %d patients written to %s in %.1f s", table.n, outdir, timings["total"])
    return AnalysisResult(outdir=outdir, results=results, files=sorted(files), timings=timings)


__all__ = ["ALL", "AnalysisResult", "analyze", "build_results", "check_outdir"]
