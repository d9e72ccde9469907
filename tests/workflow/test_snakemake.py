"""The `her2var workflow init` workflow run by Snakemake itself (local executor, 2 cores): its merged
output is a single classify run's, byte for byte, for 1, 2 and 5 shards; a killed run resumes; shards
made with different rules are refused; the Snakefile passes `snakemake --lint`; the SLURM and
Kubernetes profiles pass a dry run with their executor plugins.

Snakemake and its plugins are in the `workflow` extra, not in the main test environment: these tests
skip without them, and .ci/run runs them in an environment of their own (where a missing tool fails).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import missing_tool, run_cli, write
from sharding import assert_same_tree, diverse_sheet, store_rows

pytestmark = pytest.mark.workflow

OUT = Path("results") / "classify"


def _tool(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.is_file() else shutil.which(name)


@pytest.fixture(scope="module")
def snakemake_cmd() -> str:
    found = _tool("snakemake")
    if found is None:
        missing_tool("Snakemake is not installed (pip install '.[workflow]')")
    return found


def env() -> dict[str, str]:
    """This environment's programs first on PATH (the her2var the workflow's shell commands run)."""
    e = dict(os.environ)
    e.pop("PYTHONPATH", None)
    e["PATH"] = str(Path(sys.executable).parent) + os.pathsep + e.get("PATH", "")
    return e


def snakemake(cmd: str, folder: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([cmd, *args], cwd=folder, env=env(), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """The sheet with every kind of row (one fails), classified by one classify run."""
    tmp = tmp_path_factory.mktemp("single")
    sheet = diverse_sheet(tmp)
    proc = run_cli("classify", "--samples", str(sheet), "--out", str(tmp / "out"), "--store", str(tmp / "store.sqlite"))
    assert proc.returncode == 1, proc.stderr  # bad.vcf fails, the rest is written
    assert proc.stderr.count("her2var: error:") == 1, proc.stderr  # only bad.vcf
    return tmp


def init(folder: Path, sheet: Path, n: int, **config) -> Path:
    """``her2var workflow init FOLDER --samples SHEET --shards N``, then ``config`` set in its config.yaml."""
    proc = run_cli("workflow", "init", str(folder), "--samples", str(sheet), "--shards", str(n))
    assert proc.returncode == 0, proc.stderr
    path = folder / "config.yaml"
    values = yaml.safe_load(path.read_text(encoding="utf-8"))
    # One sample of the sheet fails: the merge still exits 0, as the tests compare what it wrote.
    values.update({"store": "her2var.sqlite", "allow_failed_samples": True}, **config)
    path.write_text(yaml.safe_dump(values, sort_keys=False), encoding="utf-8")
    return folder


def test_lint_is_clean(snakemake_cmd, single, tmp_path):
    folder = init(tmp_path / "wf", single / "sheet.tsv", 3)
    proc = snakemake(snakemake_cmd, folder, "--lint")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Lints for" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("shards", [1, 2, 5])
def test_the_merged_output_is_a_single_run_byte_for_byte(snakemake_cmd, single, tmp_path, shards):
    folder = init(tmp_path / "wf", single / "sheet.tsv", shards)
    proc = snakemake(snakemake_cmd, folder, "--cores", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in (folder / "work" / "shards").iterdir()) == \
        sorted(f"shard-{i}-of-{shards}" for i in range(1, shards + 1))
    assert_same_tree(single / "out", folder / OUT)
    assert store_rows(folder / "her2var.sqlite") == store_rows(single / "store.sqlite")
    assert "bad.vcf:1: not a VCF file" in (folder / "work" / "logs" / "merge.log").read_text(encoding="utf-8")


def _session(sid: int) -> list[int]:
    """The live processes of session ``sid`` (the snakemake started here, its jobs and theirs)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":  # after the name: state, ppid, pgrp, session, ...
            found.append(int(entry))
    return found


def _kill_session(sid: int) -> None:
    """SIGKILL every process of the session, as a crash of the machine would end them; again until
    none is left (one may have been starting a job while the others were killed)."""
    deadline = time.monotonic() + 30
    while (pids := _session(sid)) and time.monotonic() < deadline:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_a_killed_run_resumes(snakemake_cmd, single, tmp_path):
    folder = init(tmp_path / "wf", single / "sheet.tsv", 5)
    shards = folder / "work" / "shards"
    run = subprocess.Popen([snakemake_cmd, "--profile", "profiles/local", "--cores", "2"], cwd=folder, env=env(),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not (shards.is_dir() and any((d / "shard.json").is_file() for d in shards.iterdir())):
            assert run.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no shard finished in 300 s"
            time.sleep(0.02)
    finally:
        _kill_session(run.pid)
        run.wait(timeout=60)
    assert not (folder / OUT).exists(), "the run was not killed midway"
    finished = sorted(d.name for d in shards.iterdir() if (d / "shard.json").is_file())
    assert 1 <= len(finished) < 5
    assert not _session(run.pid)  # nothing of the killed run is still writing
    proc = snakemake(snakemake_cmd, folder, "--unlock")
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = snakemake(snakemake_cmd, folder, "--profile", "profiles/local", "--cores", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_same_tree(single / "out", folder / OUT)
    assert store_rows(folder / "her2var.sqlite") == store_rows(single / "store.sqlite")
    assert not list(shards.rglob(".tmp-*"))  # no temporary left by the killed shards


def test_shards_made_with_different_rules_are_refused(snakemake_cmd, single, tmp_path):
    lab = write(tmp_path, "lab.yaml", "thresholds:\n  min_vaf: 0.05\n")
    folder = init(tmp_path / "wf", single / "sheet.tsv", 2)
    assert snakemake(snakemake_cmd, folder, "--cores", "2").returncode == 0
    config = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))
    config["classify"]["rules"] = [str(lab)]
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    # Shard 2 re-made with the new rules, then a run that looks at file times only: shard 1 keeps the
    # old rules, and the merge must not mix them.
    proc = snakemake(snakemake_cmd, folder, "--cores", "2", "work/shards/shard-2-of-2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = snakemake(snakemake_cmd, folder, "--cores", "2", "--rerun-triggers", "mtime")
    assert proc.returncode != 0
    log = (folder / "work" / "logs" / "merge.log").read_text(encoding="utf-8")
    assert "record different rules (checksums" in log and "Traceback" not in log
    assert not (folder / OUT / "samples.tsv").exists()
    # A plain re-run sees the changed rules in every shard's parameters and re-makes shard 1 too.
    proc = snakemake(snakemake_cmd, folder, "--cores", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    lab_run = tmp_path / "lab-single"
    assert run_cli("classify", "--samples", str(single / "sheet.tsv"), "--rules", str(lab), "--out",
                   str(lab_run)).returncode == 1
    assert_same_tree(lab_run, folder / OUT)


@pytest.mark.parametrize("change, word", [({"shard": 3}, "shard"), ({"shards": 0}, "shards"),
                                          ({"classify": {"purity": 2}}, "purity")])
def test_a_config_the_schema_refuses_runs_nothing(snakemake_cmd, single, tmp_path, change, word):
    folder = init(tmp_path / "wf", single / "sheet.tsv", 2, **change)
    proc = snakemake(snakemake_cmd, folder, "--cores", "2")
    assert proc.returncode != 0
    assert word in proc.stdout + proc.stderr
    assert not (folder / "work").exists()


def _plugin(module: str, name: str) -> None:
    if importlib.util.find_spec(module) is None:
        missing_tool(f"{name} is not installed (pip install '.[workflow]')")


def _jobs(output: str) -> dict[str, int]:
    """The job counts of a dry run's 'Job stats' table."""
    lines = output[output.index("Job stats:"):].splitlines()[3:]
    counts = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


def test_the_slurm_profile_dry_runs(snakemake_cmd, single, tmp_path):
    _plugin("snakemake_executor_plugin_slurm", "snakemake-executor-plugin-slurm")
    folder = init(tmp_path / "wf", single / "sheet.tsv", 4)
    proc = snakemake(snakemake_cmd, folder, "-n", "--profile", "profiles/slurm")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    assert _jobs(out) == {"classify_shard": 4, "merge": 1, "all": 1, "total": 6}
    assert "slurm_partition=main" in out and "--shard 4/4" in out
    assert not (folder / "work").exists()


def test_the_kubernetes_profile_dry_runs(snakemake_cmd, single, tmp_path):
    """Kubernetes pods share no file system with the machine running snakemake: the profile keeps
    the workflow's files on a volume through the fs storage provider. The volume's path is given
    here as a folder of this machine."""
    _plugin("snakemake_executor_plugin_kubernetes", "snakemake-executor-plugin-kubernetes")
    _plugin("snakemake_storage_plugin_fs", "snakemake-storage-plugin-fs")
    volume = tmp_path / "volume"
    volume.mkdir()
    shutil.copy(single / "sheet.tsv", volume / "samples.tsv")
    folder = init(tmp_path / "wf", single / "sheet.tsv", 3, samples="samples.tsv")
    proc = snakemake(snakemake_cmd, folder, "-n", "--profile", "profiles/kubernetes",
                     "--default-storage-prefix", str(volume))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    assert _jobs(out) == {"classify_shard": 3, "merge": 1, "all": 1, "total": 5}
    assert f"{volume}/work/shards/shard-3-of-3 (send to storage)" in out
    assert sorted(p.name for p in volume.iterdir()) == ["samples.tsv"]
