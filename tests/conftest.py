from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CATALOG = FIXTURES / "erbb2_catalog"


@pytest.fixture(scope="session")
def rules():
    from her2var.rules import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def erbb2(rules):
    return rules.index_gene


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"))
    return p


def run_cli(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess (as a user would)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "her2var.cli", *args], capture_output=True, text=True,
        cwd=cwd, env=env, input=input, timeout=300,
    )


VCF_HEADER_37 = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=17,length=81195210>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\n"
)


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
