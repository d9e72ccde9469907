"""Figures drawn fast: laid out once per figure, drawn by worker processes that start while the
cohort is read (that they are the same bytes as drawn one by one in this process is checked in
test_analysis_report.py)."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import pytest
from conftest import run_python

from her2var.analysis import figbase, workers
from her2var.analysis import run as run_mod
from her2var.analysis.figstyle import FigureStyle
from her2var.analysis.figures import response_plot
from her2var.analysis.plan import load_plan
from her2var.analysis.run import analyze

ROOT = Path(__file__).resolve().parents[2]
COHORT = ROOT / "fixtures" / "analysis" / "cohort.tsv"

RECORDS = [{"group": "exon 20 insertion", "n": 40, "orr": 0.3, "orr_ci_low": 0.17, "orr_ci_high": 0.46,
            "dcr": 0.6, "dcr_ci_low": 0.43, "dcr_ci_high": 0.75},
           {"group": "amplification", "n": 12, "orr": None, "orr_ci_low": None, "orr_ci_high": None,
            "dcr": 0.5, "dcr_ci_low": 0.21, "dcr_ci_high": 0.79}]


def _figure(style: FigureStyle):
    return response_plot(RECORDS, style=style, title="Response by HER2 class", denominator="all")


def test_save_draws_each_file_once_and_writes_what_matplotlib_writes(tmp_path: Path, monkeypatch) -> None:
    """save() lays the figure out once and then draws each format once; the files are byte for byte
    those of matplotlib's own way (constrained layout run on the PNG's save, then kept fixed)."""
    from matplotlib.figure import Figure

    style = FigureStyle(formats=("png", "svg", "pdf"))
    meta = {"title": "t", "description": "d"}
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    draws = []
    real_draw = Figure.draw

    def counting_draw(self, renderer):
        draws.append(type(renderer).__name__)
        return real_draw(self, renderer)

    with figbase.rc(style):
        fig = _figure(style)
        monkeypatch.setattr(Figure, "draw", counting_draw)
        files = figbase.save(fig, str(ours), "fig", style, meta)
        monkeypatch.undo()
        assert files == {"png": "fig.png", "svg": "fig.svg", "pdf": "fig.pdf"}
        assert len(draws) == 3, draws  # one drawing per file, no layout pass inside savefig
        fig = _figure(style)
        for ext in ("png", "svg", "pdf"):
            md = {"png": {"Software": None, "Title": "t", "Description": "d"},
                  "svg": {"Date": None, "Creator": None, "Title": "t", "Description": "d"},
                  "pdf": {"CreationDate": None, "Creator": None, "Producer": None, "Title": "t",
                          "Subject": "d"}}[ext]
            fig.savefig(theirs / f"fig.{ext}", format=ext, dpi=style.dpi, metadata=md)
            fig.set_layout_engine("none")
    for ext in ("png", "svg", "pdf"):
        assert (ours / f"fig.{ext}").read_bytes() == (theirs / f"fig.{ext}").read_bytes(), ext


def test_only_the_formats_asked_for_are_written(tmp_path: Path) -> None:
    plan = load_plan("alteration-groups").with_figure_style({"formats": (("png",), "--figure-format")})
    res = analyze(str(COHORT), plan, str(tmp_path / "out"), jobs=2)
    assert {p.suffix for p in (tmp_path / "out" / "figures").iterdir()} == {".png"}
    assert all(set(f) >= {"png"} and not {"svg", "pdf", "tiff"} & set(f) for f in res.results["figures"])


def test_a_plan_with_few_figures_starts_no_worker(tmp_path: Path, monkeypatch) -> None:
    plan = load_plan("alteration-groups")
    few = dataclasses.replace(plan, figures=dataclasses.replace(plan.figures, km=False, forest=False, swimmer=None,
                                                                 her2_classes=None))
    assert 0 < workers.fewest_figures(few) < workers.MIN_PARALLEL

    def no_workers(n):
        raise AssertionError("worker processes started for a few figures")

    monkeypatch.setattr(workers, "FigureWorkers", no_workers)
    res = analyze(str(COHORT), few, str(tmp_path / "out"), jobs=4)
    assert 0 < len(res.results["figures"]) < workers.MIN_PARALLEL
    assert all((tmp_path / "out" / "figures" / f["png"]).is_file() for f in res.results["figures"])


def test_a_failure_while_workers_draw_stops_them_before_the_folder_goes(tmp_path: Path, monkeypatch) -> None:
    """The tables fail while the workers are drawing: the workers are stopped before the staging
    folder is removed (none could write a figure into a folder being removed), and nothing is left."""
    import her2var.analysis.tables as tables_mod
    import her2var.outfolder as outfolder

    made: list[workers.FigureWorkers] = []
    real = workers.FigureWorkers
    alive_at_abort: list[list[bool]] = []
    real_abort = outfolder.OutputFolder.abort

    def recording(n):
        made.append(real(n))
        return made[-1]

    def abort(self):
        alive_at_abort.append([p.is_alive() for p in (made[0].pool._processes or {}).values()])
        return real_abort(self)

    def broken_xlsx(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workers, "FigureWorkers", recording)
    monkeypatch.setattr(tables_mod, "write_xlsx", broken_xlsx)
    monkeypatch.setattr(outfolder.OutputFolder, "abort", abort)
    out = tmp_path / "out"
    with pytest.raises(Exception, match="No space left on device"):
        analyze(str(COHORT), "first-line-regimens", str(out), jobs=2)
    assert len(made) == 1
    assert alive_at_abort == [[]]  # shut down (no process left) when the staging folder was removed
    assert not out.exists() or not any(out.iterdir()), sorted(p.name for p in out.rglob("*"))


def test_default_jobs_follow_the_cpus(monkeypatch) -> None:
    monkeypatch.setattr(workers, "usable_cpus", lambda: 1)
    assert workers.default_jobs() == 1
    monkeypatch.setattr(workers, "usable_cpus", lambda: 2)
    assert workers.default_jobs() == 2
    monkeypatch.setattr(workers, "usable_cpus", lambda: 64)
    assert workers.default_jobs() == 4


def test_analysis_with_workers_never_imports_matplotlib_here(tmp_path: Path) -> None:
    """The process that reads the cohort and computes the statistics leaves matplotlib (and its
    font list) to the workers, through the command line and through analyze()."""
    code = textwrap.dedent("""
        import json, sys
        if sys.argv[1] == "cli":
            from her2var.cli.main import main
            code = main(["analyze", sys.argv[2], "--plan", "first-line-regimens", "-o", sys.argv[3], "-j", "2",
                         "--no-pdf", "-q"])
            n = len(json.load(open(sys.argv[3] + "/results.json"))["figures"])
        else:
            from her2var.analysis.run import analyze
            code, n = 0, len(analyze(sys.argv[2], "first-line-regimens", sys.argv[3], jobs=2).results["figures"])
        print(json.dumps({"code": code, "figures": n,
                          "matplotlib": sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib")}))
    """)
    for way in ("cli", "library"):
        out = tmp_path / way
        proc = run_python(code, way, str(COHORT), str(out), timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        assert got["code"] == 0
        assert got["figures"] >= workers.MIN_PARALLEL
        assert got["matplotlib"] == [], way
        assert run_mod.MARKER in {p.name for p in out.iterdir()}
        assert len(list((out / "figures").glob("*.png"))) == got["figures"]
