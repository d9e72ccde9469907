"""The hostile-input corpus (tests/bad_inputs/, written by scripts/make_bad_inputs.py) through the
real command line: for every case the exit code, the message naming file and place, no traceback,
and no output left behind (none of the outputs asked for, no .tmp-* file, nothing new at all).
Cases expected to be accepted must give the right result. The figures are summarised at the end
of the session (conftest.py)."""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, installed_command, process_env

CORPUS = ROOT / "tests" / "bad_inputs"
MANIFEST = CORPUS / "manifest.tsv"
READERS = ("vcf", "bcf", "cnv", "fusions", "samples", "targets", "rules", "clinical", "store", "bam", "plan",
           "usage", "maf", "shard", "study")
TIMEOUT = 120  # seconds; a parser that takes longer is hanging


def load_manifest() -> list[dict]:
    with open(MANIFEST, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    for r in rows:
        for key in ("files", "shared", "expect_stderr", "expect_stdout", "outputs", "expect_files", "setup"):
            r[key] = json.loads(r[key])
        r["exit"] = int(r["exit"])
    return rows


CASES = load_manifest()


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """The installed command, as a user runs it, in ``cwd``: a process of its own, so that a hang
    is caught by the timeout and a crash cannot take the suite with it."""
    return subprocess.run([*installed_command(), *args], capture_output=True, text=True, errors="replace",
                          cwd=cwd, env=process_env(), timeout=TIMEOUT, stdin=subprocess.DEVNULL)


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _stage(case: dict, work: Path) -> None:
    """The case's files at the top of ``work``, the shared inputs under ``work/shared``."""
    src = CORPUS / case["reader"] / case["id"]
    if src.is_dir():
        shutil.copytree(src, work, dirs_exist_ok=True)
    for name in case["shared"]:
        dst = work / "shared" / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / "shared" / name, dst)
    for step in case["setup"]:
        _setup_step(step, work)


def _setup_step(step: str, work: Path) -> None:
    """One of the manifest's ``setup`` steps: what a committed file cannot be (see make_bad_inputs.py)."""
    kind, *words = step.split()
    if kind == "fifo":
        os.mkfifo(work / words[0])
    elif kind == "link":
        (work / words[0]).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(words[1], work / words[0])
    elif kind == "chmod":
        os.chmod(work / words[1], int(words[0], 8))
    else:
        raise AssertionError(f"unknown setup step {step!r}")


# Cases whose right behaviour needs a change in code owned elsewhere or not yet made: they stay in
# the corpus, marked here, and xfail_strict makes the mark go once they pass.
KNOWN_GAPS: dict[str, str] = {}


def _check(case: dict, proc, work: Path, leftovers: list[str]) -> list[str]:
    """Everything that differs from what the manifest expects ([] when the case behaves)."""
    problems = []
    if "Traceback" in proc.stderr:
        problems.append("a traceback")
    if proc.returncode != case["exit"]:
        problems.append(f"exit {proc.returncode}, expected {case['exit']}")
    # A library's warning may carry cell values. The bounded, boundary-anchored pattern stays linear
    # on a long run of word characters (an unbounded \w+ backtracks quadratically there).
    if re.search(r"(?<!\w)\w{0,80}Warning: ", proc.stderr):
        problems.append("a Python warning reached stderr")
    problems += [f"missing {f!r} in the message" for f in case["expect_stderr"] if f not in proc.stderr]
    problems += [f"missing {f!r} in the output" for f in case["expect_stdout"] if f not in proc.stdout]
    if leftovers:
        problems.append(f"left behind: {leftovers}")
    if case["exit"] != 0:
        problems += [f"{out} written although the run failed" for out in case["outputs"] if (work / out).exists()]
        if case["exit"] == 1 and "her2var: error:" not in proc.stderr:
            problems.append("no 'her2var: error:' message")
    else:
        problems += [f"{out} not written" for out in case["outputs"] if not (work / out).exists()]
        for name, fragments in case["expect_files"].items():
            text = (work / name).read_text(encoding="utf-8") if (work / name).exists() else ""
            problems += [f"missing {f!r} in {name}" for f in fragments if f not in text]
    return problems


def _record(record_property, case: dict, proc, leftovers: list[str], problems: list[str]) -> None:
    record_property("bad_input", json.dumps({
        "id": case["id"], "outcome": case["outcome"], "exit": None if proc is None else proc.returncode,
        "traceback": proc is not None and "Traceback" in proc.stderr, "leftovers": len(leftovers),
        "as_expected": not problems,
    }))


PARAMS = [pytest.param(c, id=c["id"], marks=[pytest.mark.xfail(reason=KNOWN_GAPS[c["id"]], strict=True)]
                       if c["id"] in KNOWN_GAPS else []) for c in CASES]


@pytest.mark.parametrize("case", PARAMS)
def test_hostile_input(case, tmp_path, record_property):
    work = tmp_path / "work"
    work.mkdir()
    _stage(case, work)
    before = _listing(work)
    try:
        proc = run(shlex.split(case["args"]), work)
    except subprocess.TimeoutExpired:
        _record(record_property, case, None, [], ["timeout"])
        pytest.fail(f"{case['id']}: no answer within {TIMEOUT} s (the parser hangs)")
    after = _listing(work)
    new = after - before if case["exit"] != 0 else after
    leftovers = sorted(p for p in new if case["exit"] != 0 or ".tmp-" in p)
    problems = _check(case, proc, work, leftovers)
    _record(record_property, case, proc, leftovers, problems)
    assert not problems, (f"{case['id']} ({case['why']}): " + "; ".join(problems)
                          + f"\nexit {proc.returncode}\nstderr:\n{proc.stderr[-3000:]}\nstdout:\n{proc.stdout[:2000]}")


# -- the corpus itself --------------------------------------------------------------------------
def test_corpus_is_large_and_covers_every_reader():
    assert len(CASES) >= 150
    by_reader = {r: [c for c in CASES if c["reader"] == r] for r in READERS}
    assert all(by_reader.values()), [r for r, cs in by_reader.items() if not cs]
    assert {c["reader"] for c in CASES} <= set(READERS)
    assert len({c["id"] for c in CASES}) == len(CASES)


def test_every_rejection_names_its_file():
    """A message a person can act on says which file: each reject case expects a file name in it."""
    file_name = re.compile(r"[\w.-]+\.[A-Za-z]\w*")
    for c in CASES:
        if c["outcome"] == "reject":
            assert any(file_name.search(e) for e in c["expect_stderr"]), c["id"]


def test_accepted_cases_check_a_result():
    for c in CASES:
        if c["outcome"] == "accept":
            assert c["expect_stdout"] or c["expect_files"] or c["expect_stderr"], c["id"]
            assert c["why"], c["id"]


def test_corpus_matches_its_generator(tmp_path):
    """The committed corpus is exactly what the seeded script writes (re-run it after a change)."""
    out = tmp_path / "bad_inputs"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_bad_inputs.py"), str(out)], check=True,
                   capture_output=True, timeout=300)
    committed = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file()}
    made = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert made == committed, sorted(made ^ committed)[:20]
    differ = [name for name in sorted(made) if (out / name).read_bytes() != (CORPUS / name).read_bytes()]
    assert not differ, differ[:20]
