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

from her2var.analysis import compute as compute_mod
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


def png_parts(path: Path) -> tuple[str, tuple[int, int], bytes, list[tuple[bytes, bytes]]]:
    """A PNG's mode, size, decoded pixels and every chunk but the compressed pixel data (IDAT)."""
    import struct

    from PIL import Image

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, i = [], 8
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        chunks.append((data[i + 4:i + 8], data[i + 8:i + 8 + n]))
        i += 12 + n
    with Image.open(path) as im:
        return im.mode, im.size, im.tobytes(), [c for c in chunks if c[0] != b"IDAT"]


def test_save_draws_each_file_once_and_writes_what_matplotlib_writes(tmp_path: Path, monkeypatch) -> None:
    """save() lays the figure out once and then draws each format once; the SVG and PDF are byte for
    byte those of matplotlib's own way (constrained layout run on the PNG's save, then kept fixed),
    the PNG has the same pixels and the same chunks but for its compressed pixel data (rows left
    unfiltered, see figbase._write_png)."""
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
    for ext in ("svg", "pdf"):
        assert (ours / f"fig.{ext}").read_bytes() == (theirs / f"fig.{ext}").read_bytes(), ext
    assert png_parts(ours / "fig.png") == png_parts(theirs / "fig.png")
    assert (ours / "fig.png").read_bytes() != (theirs / "fig.png").read_bytes()  # ours, not matplotlib's writer


@pytest.mark.parametrize("title", ["", "HER2 \u2013 exon 20 (\u03b2 \u2264 2)", "caf\u00e9 $x$"])
def test_png_text_and_pixels_are_matplotlibs(tmp_path: Path, title: str) -> None:
    """Titles outside Latin-1 (an iTXt chunk), in Latin-1 (tEXt) and empty: the same chunks,
    in the same order, and the same pixels as matplotlib's PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1.5, 1.0), dpi=150)
    FigureCanvasAgg(fig)
    fig.add_subplot(1, 1, 1).plot([0, 1, 2], [1, 0.5, 0.2], color="#D55E00")
    figbase._write_png(fig, str(tmp_path / "ours.png"), 150, {"Title": title, "Description": "d\u00e9j\u00e0"})
    fig.savefig(tmp_path / "theirs.png", format="png", dpi=150,
                metadata={"Software": None, "Title": title, "Description": "d\u00e9j\u00e0"})
    assert png_parts(tmp_path / "ours.png") == png_parts(tmp_path / "theirs.png")
    kinds = [cid for cid, _ in png_parts(tmp_path / "ours.png")[3]]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and (b"iTXt" in kinds) == ("\u2013" in title)


def test_what_the_workers_are_handed_needs_no_statistics_module(tmp_path: Path) -> None:
    """Every figure job, pickled as the pool sends it, refers only to the figure modules, numpy
    and the standard library (unpickling it in a worker imports no scipy, pandas or plan parser),
    and the fork server's modules import none of them either."""
    import io
    import pickle

    from her2var.analysis.coalteration import derive
    from her2var.analysis.compute import compute
    from her2var.analysis.data import prepare, read_cohort
    from her2var.analysis.draw import figure_jobs
    from her2var.analysis.figures import draw_one

    plan = load_plan("first-line-regimens")
    table, plan, _ = derive(read_cohort(str(COHORT)), plan)
    prep = prepare(table, plan)
    jobs = figure_jobs(plan, prep, compute(plan, prep), str(tmp_path))
    assert {fn for fn, *_ in jobs} >= {"km_figure", "forest_figure", "swimmer_figure"}
    modules: set[str] = set()

    class Recording(pickle.Unpickler):  # the modules an unpickling process imports
        def find_class(self, module: str, name: str):
            modules.add(module)
            return super().find_class(module, name)

    for fn, args, kw, _ in jobs:
        Recording(io.BytesIO(pickle.dumps((draw_one, ((fn, args, kw),))))).load()
    her2var = {m for m in modules if m.startswith("her2var")}
    assert her2var <= {"her2var.analysis.figures", "her2var.analysis.figdata", "her2var.analysis.figstyle"}, modules
    assert {m.split(".")[0] for m in modules} <= {"her2var", "numpy", "builtins", "copyreg", "collections"}, modules
    code = ("import sys, importlib\n"
            "from her2var.analysis.workers import WORKER_MODULES\n"
            "for m in WORKER_MODULES: importlib.import_module(m)\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'pandas', 'yaml'}),"
            " sorted(m for m in sys.modules if m.startswith('her2var.stats') or m == 'her2var.analysis.plan'))")
    proc = run_python(code, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["[]", "[]"]


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


def test_numbers_at_risk_are_survival_ats() -> None:
    """The Kaplan-Meier figure counts the patients at risk without the statistics modules: the
    same numbers as survival_at, before the first time, on and between times, after the last, and
    with delayed entry."""
    import numpy as np

    from her2var.analysis import figdata
    from her2var.stats import kaplan_meier, survival_at

    rng = np.random.default_rng(7)
    t = np.round(rng.exponential(10, 300), 1)
    e = rng.integers(0, 2, 300)
    times = [0, 0.05, 1, float(t.min()), float(np.median(t)), 12, float(t.max()), float(t.max()) + 1, 500]
    for curve in (kaplan_meier(t, e), kaplan_meier(t + 5, e, entry=rng.uniform(0, 5, 300))):
        light = figdata.km_set(figdata.KMSet("os", "OS", "g", "G", None, ["a"], {"a": curve}, {"a": None}, None, ""))
        expected = [lm.n_risk for lm in survival_at(curve, times)]
        assert figdata.at_risk(curve, times) == expected
        assert figdata.at_risk(light.curves["a"], times) == expected
        assert len(set(expected)) > 3


def recorded_workers(monkeypatch) -> tuple[list[workers.FigureWorkers], list[str]]:
    """The figure workers analyze starts, and the name of each figure job handed to them, in order."""
    made: list[workers.FigureWorkers] = []
    submitted: list[str] = []
    real = workers.FigureWorkers

    def recording(n):
        made.append(real(n))
        real_submit = made[-1].submit

        def submit(fn, job):
            submitted.append(job[0])
            return real_submit(fn, job)

        made[-1].submit = submit  # type: ignore[method-assign]
        return made[-1]

    monkeypatch.setattr(workers, "FigureWorkers", recording)
    return made, submitted


@pytest.mark.parametrize("fails", ["before", "after survival"])
def test_a_failure_in_the_statistics_stops_the_early_figures(tmp_path: Path, monkeypatch, fails: str) -> None:
    """The swimmer and HER2-class figures are handed over before the statistics, the Kaplan-Meier
    ones once the survival statistics are done: when the statistics fail (before or after those),
    the workers are stopped before the staging folder is removed, and nothing is left."""
    import her2var.outfolder as outfolder
    from her2var.errors import InputError

    made, submitted = recorded_workers(monkeypatch)
    alive_at_abort: list[list[bool]] = []
    real_abort = outfolder.OutputFolder.abort

    def abort(self):
        alive_at_abort.append([p.is_alive() for p in (made[0].pool._processes or {}).values()])
        return real_abort(self)

    def broken(*args, **kwargs):
        raise InputError("statistics failed")

    if fails == "before":
        monkeypatch.setattr(compute_mod, "compute", broken)  # run imports it when the statistics start
    else:
        monkeypatch.setattr(compute_mod._Run, "response", broken)  # the first part after survival
    monkeypatch.setattr(outfolder.OutputFolder, "abort", abort)
    out = tmp_path / "out"
    with pytest.raises(InputError, match="statistics failed"):
        analyze(str(COHORT), "first-line-regimens", str(out), jobs=2)
    km = [] if fails == "before" else ["km_figure"] * submitted.count("km_figure")
    assert sorted(submitted) == ["her2_figure", *km, "swimmer_figure"]
    assert fails == "before" or len(km) > 1
    assert alive_at_abort == [[]]
    assert not out.exists() or not any(out.iterdir()), sorted(p.name for p in out.rglob("*"))


SERVER_UNDER_CTRL_C = textwrap.dedent("""
    import os, signal, sys, time
    from multiprocessing import forkserver
    from her2var.analysis.workers import FigureWorkers

    def main():
        workers = FigureWorkers(2)
        server = forkserver._forkserver._forkserver_pid
        for _ in range(40):  # Ctrl-C, again and again, while the server imports matplotlib
            os.kill(server, signal.SIGINT)
            time.sleep(0.01)
        pids = {workers.submit(os.getpid).result(timeout=60) for _ in range(4)}
        for pid in pids:  # and at the workers, idle between figures
            os.kill(pid, signal.SIGINT)
        time.sleep(0.3)
        print(len({workers.submit(os.getpid).result(timeout=60) for _ in range(4)}))
        workers.close()

    if __name__ == "__main__":
        main()
""")


def test_ctrl_c_at_the_fork_server_and_idle_workers_prints_no_traceback(tmp_path: Path) -> None:
    """Ctrl-C reaches every process of the terminal's group: the fork server importing the figure
    modules and the workers waiting for a figure ignore it (the command stops them itself)."""
    script = tmp_path / "ctrl_c.py"
    script.write_text(SERVER_UNDER_CTRL_C)
    proc = run_python(f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')", timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr, proc.stderr
    assert proc.stdout.strip() in ("1", "2")


def test_figures_are_handed_over_as_their_statistics_are_done(tmp_path: Path, monkeypatch) -> None:
    """The cohort's figures first, the Kaplan-Meier ones once the survival statistics are done (before
    the Cox models are fitted), then the others; the figure list keeps the report's order."""
    _, events = recorded_workers(monkeypatch)
    real_cox = compute_mod._Run.cox

    def cox(self):
        events.append("cox fitted")
        return real_cox(self)

    monkeypatch.setattr(compute_mod._Run, "cox", cox)
    result = analyze(str(COHORT), "first-line-regimens", str(tmp_path / "out"), jobs=2)
    kinds = [e for e in events if e != "cox fitted"]
    assert sorted(kinds[:2]) == ["her2_figure", "swimmer_figure"]
    n_km = kinds.count("km_figure")
    assert n_km > 1 and kinds[2:2 + n_km] == ["km_figure"] * n_km
    assert events.index("cox fitted") > events.index("km_figure")
    assert {"forest_figure", "response_figure"} <= set(kinds[2 + n_km:])
    order = [f["kind"] for f in result.results["figures"]]
    assert order[:n_km] == ["km"] * n_km and order[-2:] == ["swimmer", "her2_classes"]
