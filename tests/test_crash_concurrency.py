"""Killed runs and concurrent writers with real processes (the installed program); a full disk and a
read-only folder through the command line's entry point."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import time

import numpy as np
import pytest
from conftest import VCF_HEADER_37, installed_command, process_env, run_cli, write

from her2var.store import open_store

YVMA = "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n"


def batch(tmp_path, n: int, prefix: str = "S") -> str:
    rows = ["sample\tvcf"]
    for i in range(n):
        name = f"{prefix}{i:03d}"
        write(tmp_path, f"{name}.vcf", VCF_HEADER_37.replace("TUMOR", name) + YVMA)
        rows.append(f"{name}\t{name}.vcf")
    sheet = tmp_path / f"sheet_{prefix}.tsv"
    sheet.write_text("\n".join(rows) + "\n")
    return str(sheet)


def popen(*args: str, cwd, log=None) -> subprocess.Popen:
    """The installed `her2var ARGS...` in a process of its own (to kill, or to run alongside others)."""
    return subprocess.Popen([*installed_command(), *args], stdout=subprocess.DEVNULL,
                            stderr=log if log is not None else subprocess.DEVNULL, env=process_env(), cwd=cwd)


def check_outputs_complete(out) -> None:
    """Whatever exists under --out is whole: TSVs parse to the end, JSONs load."""
    for name in ("calls.tsv", "samples.tsv"):
        p = out / name
        if p.exists():
            rows = list(csv.reader(p.read_text().splitlines(), delimiter="\t"))
            assert rows and all(len(r) == len(rows[0]) for r in rows)
    for p in (out / "samples").glob("*.json") if (out / "samples").exists() else []:
        json.loads(p.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_midway_then_rerun_completes(tmp_path, seed):
    n = 40
    sheet = batch(tmp_path, n)
    out, db = tmp_path / "out", str(tmp_path / "h.db")
    proc = popen("classify", "--samples", sheet, "--out", str(out), "--store", db, "--format", "tsv", cwd=tmp_path)
    time.sleep(float(np.random.default_rng(seed).uniform(0.4, 2.5)))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    check_outputs_complete(out)
    if os.path.exists(db):
        assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = run_cli("classify", "--samples", sheet, "--out", str(out), "--store", db, "--format", "tsv")
    assert again.returncode == 0, again.stderr
    with open_store(db) as s:
        counts = s.counts()
        samples = sorted(r["sample"] for r in s.current_results())
    assert counts["current"] == n and samples == sorted(f"S{i:03d}" for i in range(n))  # none lost, none twice
    assert len(list((out / "samples").glob("*.json"))) == n
    assert not list(out.rglob(".tmp-*"))
    check_outputs_complete(out)


@pytest.mark.slow
def test_two_writers_and_a_reader_at_once(tmp_path):
    sheet_a, sheet_b = batch(tmp_path, 25, "A"), batch(tmp_path, 25, "B")
    db = str(tmp_path / "h.db")
    open_store(db).close()
    logs = [open(tmp_path / f"w{i}.log", "w") for i in range(2)]
    writers = [popen("classify", "--samples", s, "--store", db, "--format", "tsv", log=fh, cwd=tmp_path)
               for s, fh in zip((sheet_a, sheet_b), logs)]
    seen = []
    while any(w.poll() is None for w in writers):
        with open_store(db) as s:
            snapshot = s.current_results()
        assert all(r["her2_status"] == "exon20_insertion" for r in snapshot)  # whole rows only
        seen.append(len(snapshot))
        time.sleep(0.05)
    for fh in logs:
        fh.close()
    assert [w.returncode for w in writers] == [0, 0], [(tmp_path / f"w{i}.log").read_text()[-500:] for i in range(2)]
    assert seen == sorted(seen)  # a reader never sees the count go back
    with open_store(db) as s:
        assert s.counts()["current"] == 50


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a tmpfs with the given options (skip where mounting is not allowed); unmount after."""
    mounted = []

    def mount(name: str, options: str):
        mnt = tmp_path / name
        mnt.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mnt)],
                          capture_output=True).returncode != 0:
            pytest.skip("cannot mount a tmpfs here (needs root)")
        mounted.append(mnt)
        return mnt

    yield mount
    for mnt in mounted:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def test_disk_full_is_a_clean_error_and_nothing_is_half_written(tmp_path, tmpfs):
    sheet = batch(tmp_path, 40)
    out = tmpfs("full", "size=48k") / "out"
    proc = run_cli("classify", "--samples", sheet, "--out", str(out), "--format", "tsv")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "No space left on device" in proc.stderr and "nothing was written" in proc.stderr
    check_outputs_complete(out)
    assert not list(out.rglob(".tmp-*"))


def test_read_only_output_folder(tmp_path, tmpfs):
    read_only = tmpfs("ro", "size=1m,ro")
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + YVMA)
    proc = run_cli("classify", str(vcf), "--out", str(read_only / "out"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "Read-only file system" in proc.stderr
