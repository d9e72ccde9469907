from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import traceback
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CATALOG = FIXTURES / "erbb2_catalog"


@pytest.fixture(scope="session")
def rules():
    from her2var.rules.load import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def erbb2(rules):
    return rules.index_gene


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"))
    return p


# -- the command line, in this process ------------------------------------------------------------
class _Stream(io.TextIOWrapper):
    """A text stream like a process's redirected stdout/stderr: UTF-8 over bytes (``.buffer``),
    not a terminal (``isatty()`` is False), without a file descriptor."""

    def __init__(self, data: bytes = b"", errors: str = "strict") -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8", errors=errors, write_through=True)

    def text(self) -> str:
        """What was written, read back the way ``subprocess.run(text=True)`` reads a pipe."""
        with contextlib.suppress(ValueError):  # the command closed the stream
            self.flush()
        raw = self.buffer.getvalue() if not self.buffer.closed else b""
        return raw.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


def run_cli(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run ``her2var ARGS...`` in this process through :func:`her2var.cli.main`, the console script's
    entry point, as a process would see it: stdout/stderr captured as text, stdin from `input`, in
    folder `cwd`. Returns a CompletedProcess. An exception escaping ``main`` is a crash: returncode 1
    and its traceback in ``stderr``, as Python prints it."""
    from her2var.cli.main import main

    out, err = _Stream(), _Stream(errors="backslashreplace")
    stdin = _Stream((input or "").encode("utf-8"))
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    old_cwd = os.getcwd()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin, out, err
    try:
        if cwd is not None:
            os.chdir(cwd)
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # main returns its code; a SystemExit here is a bug in main
            code = exc.code if isinstance(exc.code, int) else 1
            err.write(f"SystemExit escaped her2var.cli.main: {exc.code!r}\n")
        except Exception:  # noqa: BLE001 - a crash, reported like the interpreter would
            code = 1
            err.write(traceback.format_exc())
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        os.chdir(old_cwd)
    assert root.handlers == handlers and root.level == level, "her2var.cli.main.main left logging changed"
    assert isinstance(code, int) and not isinstance(code, bool), f"main returned {code!r}, not an exit code"
    return subprocess.CompletedProcess(["her2var", *map(str, args)], code, out.text(), err.text())


# -- the installed program, in a process of its own -----------------------------------------------
def installed_command() -> list[str]:
    """The installed ``her2var`` console script of this interpreter's environment (else ``-m``)."""
    script = Path(sys.executable).parent / "her2var"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "her2var.cli"]


def process_env() -> dict[str, str]:
    """The environment for a real process: this one without PYTHONPATH, so Python imports the
    installed her2var, never this checkout."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


@contextlib.contextmanager
def outside_checkout(cwd: Path | str | None):
    """`cwd`, or a fresh temporary folder outside the checkout (removed afterwards)."""
    if cwd is not None:
        yield Path(cwd)
        return
    folder = Path(tempfile.mkdtemp(prefix="her2var-run-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_process(*args: str, cwd: Path | None = None, input: str | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the INSTALLED ``her2var ARGS...`` in a process of its own (crash, kill, concurrency and
    end-to-end tests): no PYTHONPATH, and a folder outside the checkout unless `cwd` is given."""
    with outside_checkout(cwd) as folder:
        return subprocess.run([*installed_command(), *map(str, args)], capture_output=True, text=True,
                              cwd=folder, env=process_env(), input=input, timeout=timeout)


def run_python(code: str, *args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -c CODE ARGS...`` with the installed her2var, like :func:`run_process`."""
    with outside_checkout(cwd) as folder:
        return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                              cwd=folder, env=process_env(), timeout=timeout)


def _installed_package() -> Path | None:
    """The her2var folder a process of its own imports (what run_process runs), if any."""
    proc = run_python("import her2var; print(her2var.__file__)", timeout=60)
    return Path(proc.stdout.strip()).resolve().parent if proc.returncode == 0 else None


def pytest_report_header(config) -> list[str]:
    """Which her2var the tests run: in-process tests import one, run_process runs the installed one."""
    import her2var

    here = Path(her2var.__file__).resolve().parent
    installed = _installed_package()
    lines = [f"her2var in-process: {here}", f"her2var installed (run_process): {installed or 'none'}"]
    if installed is not None and installed.resolve() != here:
        stale = [p.relative_to(here).as_posix() for p in sorted(here.rglob("*.py"))
                 if not (installed / p.relative_to(here)).is_file()
                 or (installed / p.relative_to(here)).read_bytes() != p.read_bytes()]
        if stale:
            lines.append(f"WARNING: the installed her2var differs from {here} in {len(stale)} file(s) "
                         f"({', '.join(stale[:5])}{', ...' if len(stale) > 5 else ''}); "
                         "run_process tests run the installed one: pip install .")
    return lines


VCF_HEADER_37 = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=17,length=81195210>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\n"
)


# -- tools of the `workflow` extra (Snakemake, MultiQC): own environment, see .ci/run -------------------
def missing_tool(reason: str) -> None:
    """Skip a test whose outside tool is not installed here; where the tools must be there
    (HER2VAR_REQUIRE_WORKFLOW=1: .ci/run's workflow environment) that is a failure, not a skip."""
    if os.environ.get("HER2VAR_REQUIRE_WORKFLOW") == "1":
        pytest.fail(f"{reason}; HER2VAR_REQUIRE_WORKFLOW=1 says the workflow extra installed it")
    pytest.skip(reason)


# -- the hostile-input corpus summary (tests/test_bad_inputs.py records one property per case) ----
_BAD_INPUTS: list[dict] = []


def pytest_runtest_logreport(report) -> None:
    # Under pytest-xdist the workers' reports, with their recorded properties, arrive here too.
    if report.when != "call":
        return
    import json

    _BAD_INPUTS.extend(json.loads(v) for k, v in report.user_properties if k == "bad_input")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not _BAD_INPUTS:
        return
    cases = {c["id"]: c for c in _BAD_INPUTS}.values()  # a re-run case counts once
    ok = [c for c in cases if c["as_expected"]]
    clean = sum(1 for c in ok if c["outcome"] in ("reject", "usage"))
    usage = sum(1 for c in ok if c["outcome"] == "usage")
    accepted = sum(1 for c in ok if c["outcome"] == "accept")
    tracebacks = sum(1 for c in cases if c["traceback"])
    leftovers = sum(1 for c in cases if c["leftovers"])
    other = sorted(c["id"] for c in cases if not c["as_expected"])
    line = (f"hostile-input corpus: {len(cases)} inputs tried, {clean} clean errors ({usage} of them usage, "
            f"exit 2), {accepted} accepted as valid, {tracebacks} tracebacks, {leftovers} with leftover files, "
            f"{len(other)} not as expected" + (f" ({', '.join(other)})" if other else ""))
    terminalreporter.write_line(line)
