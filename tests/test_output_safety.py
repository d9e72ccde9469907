"""Outputs never destroy inputs or other people's files, and a run that fails, is killed or stopped
leaves nothing half-written behind (outfolder.py, files.py, store.py). The hostile-input corpus
(scripts/hostile_inputs/sweep_outputs.py) tries the cases a file can hold; these are the ones it
cannot: hard links, locks held by another run, dead and live processes' temporaries, full disks,
signals and killed workers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from conftest import ROOT, VCF_HEADER_37, installed_command, process_env, run_cli, write

from her2var.classify.output import classify_folder
from her2var.errors import InputError
from her2var.files import place_new, remove_stale_temporaries, temp_beside
from her2var.outfolder import MANIFEST
from her2var.store import MIGRATIONS, StoreConflict, open_store

YVMA = "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n"
COHORT = ROOT / "fixtures" / "analysis" / "cohort.tsv"
CLINICAL = "patient_id,treatment_start,last_followup\nP001,2021-03-01,2022-06-01\nP002,2021-04-10,2022-01-05\n"


def vcfs(folder: Path, names: list[str], extra: str = "") -> list[Path]:
    header = VCF_HEADER_37.replace("#CHROM", extra + "#CHROM")  # extra: header lines
    return [write(folder, f"{n}.vcf", header.replace("TUMOR", n) + YVMA) for n in names]


def sheet(folder: Path, names: list[str], name: str = "sheet.tsv") -> Path:
    vcfs(folder, names)
    return write(folder, name, "sample\tvcf\n" + "".join(f"{n}\t{n}.vcf\n" for n in names))


def manifest(folder: Path) -> list[str]:
    return json.loads((folder / MANIFEST).read_text())["files"]


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


# -- outputs over inputs ------------------------------------------------------------------------------------
@pytest.mark.parametrize("spelling", ["hard link", "symbolic link", "other spelling"])
def test_an_output_that_is_an_input_however_spelled_is_refused_and_the_input_kept(tmp_path, spelling):
    clinical = write(tmp_path, "records.csv", CLINICAL)
    calls = tmp_path / "calls"
    calls.mkdir()
    write(calls, "samples.tsv", "sample\tpatient\tstatus\nS1\tP001\tok\n")
    out = tmp_path / "alias.tsv"
    if spelling == "hard link":
        os.link(clinical, out)
    elif spelling == "symbolic link":
        out.symlink_to(clinical)
    else:
        out = tmp_path / "calls" / ".." / "records.csv"
    proc = run_cli("cohort", "--clinical", clinical, "--calls", calls, "-o", out, "--xlsx", tmp_path / "c.xlsx")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"-o {out}: the same file as the input --clinical {clinical}" in proc.stderr
    assert clinical.read_text() == CLINICAL
    assert not (tmp_path / "c.xlsx").exists() and not list(tmp_path.rglob(".tmp-*"))


def test_classify_out_holding_the_samples_sheet_is_refused(tmp_path):
    sh = sheet(tmp_path, ["S1"], name="samples.tsv")
    before = tree(tmp_path)
    proc = run_cli("classify", "--samples", sh, "--out", tmp_path)
    assert proc.returncode == 2 and "the same file as the input --samples" in proc.stderr
    assert tree(tmp_path) == before


# -- output folders: only what her2var wrote is replaced or removed --------------------------------------------
def test_classify_rerun_replaces_its_own_files_and_keeps_a_strangers(tmp_path):
    out = tmp_path / "out"
    assert run_cli("classify", "--samples", sheet(tmp_path, ["S1", "S2"]), "--out", out).returncode == 0
    assert sorted(manifest(out)) == ["calls.tsv", "her2var_mqc.tsv", "samples.tsv", "samples/S1.json",
                                     "samples/S2.json"]
    write(out, "notes.txt", "mine")
    write(out / "samples", "reviewed.txt", "mine too")
    proc = run_cli("classify", "--samples", sheet(tmp_path, ["S3"], name="other.tsv"), "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(out / "samples")) == ["S3.json", "reviewed.txt"]  # S1, S2 were this folder's
    assert (out / "notes.txt").read_text() == "mine"
    assert "samples/S3.json" in manifest(out) and "samples/S1.json" not in manifest(out)
    assert "S1" not in (out / "samples.tsv").read_text()


def test_a_folder_written_before_manifests_is_recognised_by_its_names(tmp_path):
    out = tmp_path / "out"
    (out / "samples").mkdir(parents=True)
    for name in ("calls.tsv", "samples.tsv", "her2var_mqc.tsv", "samples/OLD.json"):
        write(out, name, "old\n")
    assert run_cli("classify", *vcfs(tmp_path, ["S1"]), "--out", out).returncode == 0
    assert sorted(os.listdir(out / "samples")) == ["S1.json"]
    assert "samples/S1.json" in manifest(out)


def test_a_folder_her2var_did_not_write_is_refused_untouched(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    write(out, "calls.tsv", "someone else's\n")
    write(out, "notes.txt", "mine")
    proc = run_cli("classify", *vcfs(tmp_path, ["S1"]), "--out", out)
    assert proc.returncode == 2 and "exists, is not empty and holds no earlier classify output" in proc.stderr
    assert tree(out) == {"calls.tsv": b"someone else's\n", "notes.txt": b"mine"}


def test_analyze_over_an_earlier_analysis_keeps_the_cohort_and_notes_in_the_folder(tmp_path):
    res = tmp_path / "res"
    args = ("--plan", "first-line-regimens", "-o", res, "--no-figures", "--no-pdf")
    assert run_cli("analyze", COHORT, *args).returncode == 0
    cohort = res / "cohort.tsv"
    cohort.write_bytes(COHORT.read_bytes())
    write(res, "notes.txt", "mine")
    proc = run_cli("analyze", cohort, *args)
    assert proc.returncode == 0, proc.stderr
    assert cohort.read_bytes() == COHORT.read_bytes() and (res / "notes.txt").read_text() == "mine"
    assert "results.json" in manifest(res) and "cohort.tsv" not in manifest(res)


# -- one run at a time; temporaries of dead runs only ----------------------------------------------------------
def test_a_second_run_into_a_folder_being_written_is_refused_at_once(tmp_path):
    out = tmp_path / "out"
    with classify_folder(str(out)):  # another run holds the folder
        proc = run_cli("classify", *vcfs(tmp_path, ["S1"]), "--out", out)
        assert proc.returncode == 1 and "another her2var run is writing to this folder now" in proc.stderr
        assert [p.name[:5] for p in out.iterdir()] == [".tmp-"]  # only the holder's staging folder
    assert run_cli("classify", *vcfs(tmp_path, ["S1"]), "--out", out).returncode == 0


def test_temporaries_of_dead_runs_are_removed_and_a_live_runs_kept(tmp_path):
    live = Path(temp_beside(str(tmp_path / "c.tsv")))  # this process: alive
    host = live.name.split("-")[1].split(".")[1]
    dead = tmp_path / f".tmp-{dead_pid()}.{host}-abcdefgh-c.tsv"
    elsewhere = tmp_path / f".tmp-{dead_pid()}.{'0' * 6 if host != '0' * 6 else '1' * 6}-abcdefgh-c.tsv"
    folder = tmp_path / f".tmp-{dead_pid()}.{host}-abcdefgh-staging"
    for p in (dead, elsewhere):
        p.write_text("P001 ...")
    folder.mkdir()
    write(folder, "calls.tsv", "x")
    removed = remove_stale_temporaries(str(tmp_path))
    assert sorted(removed) == sorted([dead.name, folder.name])
    assert live.exists() and elsewhere.exists()  # a live run's, and another machine's (cannot be asked)


def test_cohort_removes_the_temporaries_its_killed_runs_left(tmp_path):
    clinical = write(tmp_path, "records.csv", CLINICAL)
    calls = tmp_path / "calls"
    calls.mkdir()
    write(calls, "samples.tsv", "sample\tpatient\tstatus\nS1\tP001\tok\n")
    out = tmp_path / "out"
    out.mkdir()
    host = Path(temp_beside(str(out / "probe"))).name.split("-")[1].split(".")[1]
    for p in out.iterdir():
        p.unlink()
    stale = [out / f".tmp-{dead_pid()}.{host}-abcd{i:04d}-cohort.tsv" for i in range(12)]
    for p in stale:
        p.write_text("patient_id\nP001\n")
    assert run_cli("cohort", "--clinical", clinical, "--calls", calls, "-o", out / "cohort.tsv").returncode == 0
    assert not list(out.glob(".tmp-*"))


# -- the results store -------------------------------------------------------------------------------------------
def _doc(sample: str, source: str, sha: str) -> dict:
    return {"sample": sample, "patient": "P1", "status": "ok", "her2_status": "none", "her2_classes": [],
            "assessed": "yes", "cn_assessed": "no", "copy_number": None, "calls": [],
            "provenance": {"input": source, "input_sha256": sha}}


def test_store_refuses_a_sample_of_the_same_name_from_another_file_unless_replaced(tmp_path):
    a, b = write(tmp_path, "a.vcf", "a"), write(tmp_path, "b.vcf", "b")
    with open_store(str(tmp_path / "h.db")) as s:
        s.record(_doc("TUMOR", str(a), "1" * 64), "r1")
        s.record(_doc("TUMOR", str(a), "2" * 64), "r1")  # the same file, edited: a re-run updates it
        s.record(_doc("TUMOR", str(b), "2" * 64), "r1")  # another file, the same content: the same input
        with pytest.raises(StoreConflict, match=r"sample 'TUMOR' is already stored from .*b\.vcf.*--replace"):
            s.record(_doc("TUMOR", str(a), "3" * 64), "r1")
        assert s.counts() == {"current": 1, "history": 0, "failures": 0}
        s.record(_doc("TUMOR", str(a), "3" * 64), "r1", replace=True)
        assert [(h["input_sha256"][0], h["is_current"]) for h in s.history("TUMOR")] == [("2", False), ("3", True)]


def test_classify_refuses_a_second_tumour_named_like_a_stored_one_before_classifying(tmp_path):
    (tmp_path / "run1").mkdir()
    (tmp_path / "run2").mkdir()
    (first,) = vcfs(tmp_path / "run1", ["TUMOR"])
    (second,) = vcfs(tmp_path / "run2", ["TUMOR"], extra="##batch=2\n")  # another tumour, the same id
    db = tmp_path / "h.db"
    assert run_cli("classify", first, "--store", db, "--format", "tsv").returncode == 0
    proc = run_cli("classify", second, "--store", db, "--format", "tsv", "--out", tmp_path / "out")
    assert proc.returncode == 1 and "sample 'TUMOR' is already stored from" in proc.stderr
    assert proc.stdout == "" and not (tmp_path / "out").exists()
    assert run_cli("classify", second, "--store", db, "--format", "tsv", "--replace").returncode == 0
    with open_store(str(db)) as s:
        assert s.current_results()[0]["provenance"]["input"] == str(second)


def test_store_of_schema_version_1_is_migrated_and_keeps_where_results_came_from(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute("INSERT INTO results (sample, patient, input_sha256, rules_checksum, is_current, her2_status, "
                 "her2_classes, assessed, cn_assessed, n_events, her2var_version, recorded_at, calls, doc, "
                 "doc_sha256) VALUES ('S1', 'P1', 'aa', 'r1', 1, 'none', '', 'yes', 'no', 0, '0', "
                 "'2020-01-01T00:00:00+00:00', '[]', '{\"provenance\": {\"input\": \"run1/S1.vcf\"}}', 'x')")
    conn.commit()
    conn.close()
    with open_store(str(path)) as s:
        assert s.schema_version == len(MIGRATIONS)
        assert s.current_sources() == {"S1": ("run1/S1.vcf", "aa")}
        with pytest.raises(StoreConflict):
            s.record(_doc("S1", str(write(tmp_path, "S1.vcf", "x")), "bb"), "r1")
        (tmp_path / "elsewhere" / "run1").mkdir(parents=True)
        s.record(_doc("S1", str(write(tmp_path / "elsewhere" / "run1", "S1.vcf", "x")), "bb"), "r1")


def test_store_through_a_link_to_nowhere_is_refused_and_nothing_created(tmp_path):
    (tmp_path / "h.db").symlink_to(tmp_path / "nowhere" / "h.db")
    (tmp_path / "nowhere").mkdir()
    with pytest.raises(InputError, match=r"a symbolic link to .*which does not exist"):
        open_store(str(tmp_path / "h.db"))
    assert os.listdir(tmp_path / "nowhere") == []


def test_a_new_store_is_put_in_place_whole_and_never_over_one_made_meanwhile(tmp_path):
    first, second = write(tmp_path, "first", "1"), write(tmp_path, "second", "2")
    target = str(tmp_path / "h.db")
    assert place_new(str(first), target) is True
    assert place_new(str(second), target) is False  # another run's store is never replaced
    assert Path(target).read_text() == "1"
    with open_store(str(tmp_path / "new.db")):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first", "h.db", "new.db", "second"]


# -- real processes: full disks, signals, killed workers ---------------------------------------------------------
@pytest.fixture
def tmpfs(tmp_path):
    """Mount a small tmpfs (skip where mounting is not allowed); unmount after."""
    mounted = []

    def mount(name: str, size: str) -> Path:
        mnt = tmp_path / name
        mnt.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
                          capture_output=True).returncode != 0:
            pytest.skip("cannot mount a tmpfs here (needs root)")
        mounted.append(mnt)
        return mnt

    yield mount
    for mnt in mounted:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def her2var(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*installed_command(), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=process_env(), timeout=600)


def test_disk_full_leaves_the_earlier_classify_output_as_it_was(tmp_path, tmpfs):
    out = tmpfs("full", "160k") / "out"
    assert her2var("classify", "--samples", sheet(tmp_path, ["S1"]), "--out", out, cwd=tmp_path).returncode == 0
    before = tree(out)
    proc = her2var("classify", "--samples", sheet(tmp_path, [f"S{i:03d}" for i in range(120)], "big.tsv"),
                   "--out", out, cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "No space left on device" in proc.stderr and "nothing was written" in proc.stderr
    assert tree(out) == before and not list(out.rglob(".tmp-*"))


def test_disk_full_creating_a_store_leaves_no_empty_database(tmp_path, tmpfs):
    full = tmpfs("full", "16k")
    proc = her2var("classify", *vcfs(tmp_path, ["S1"]), "--store", full / "h.db", "--format", "tsv", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "nothing was written" in proc.stderr
    assert os.listdir(full) == []


def test_disk_full_writing_a_workbook_prints_no_ignored_exception(tmp_path, tmpfs):
    rows = "".join(f"P{i:04d},2021-03-01,2022-06-01\n" for i in range(3000))
    clinical = write(tmp_path, "records.csv", "patient_id,treatment_start,last_followup\n" + rows)
    calls = tmp_path / "calls"
    calls.mkdir()
    write(calls, "samples.tsv", "sample\tpatient\tstatus\nS1\tP0001\tok\n")
    full = tmpfs("full", "1500k")  # the tables fit (1.25 MB), the workbook (0.5 MB) does not
    proc = her2var("cohort", "--clinical", clinical, "--calls", calls, "-o", full / "c.tsv", "--xlsx",
                   full / "c.xlsx", cwd=tmp_path)
    assert proc.returncode == 1 and "No space left on device" in proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert os.listdir(full) == []


def _wait_for(predicate, timeout: float = 60) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_stopped_analysis_removes_its_staging_and_keeps_the_earlier_one(tmp_path, sig, code):
    res = tmp_path / "res"
    args = ("analyze", COHORT, "--plan", "first-line-regimens", "-o", res, "--no-pdf", "-j", "1")
    assert her2var(*args, "--no-figures", cwd=tmp_path).returncode == 0
    before = tree(res)
    proc = subprocess.Popen([*installed_command(), *map(str, args)], cwd=tmp_path, env=process_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert _wait_for(lambda: any(p.name.startswith(".tmp-") for p in res.iterdir()), timeout=300)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=300)
    if proc.returncode == 0:
        pytest.skip("the analysis finished before the signal arrived")
    assert proc.returncode == code and "Traceback" not in err and signal.Signals(sig).name in err, err
    assert tree(res) == before and not list(res.rglob(".tmp-*"))


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


@pytest.mark.slow
def test_a_killed_worker_fails_its_samples_by_name_and_keeps_the_results_before(tmp_path):
    names = [f"S{i:04d}" for i in range(1500)]
    sh, db, out = sheet(tmp_path, names), tmp_path / "h.db", tmp_path / "out"
    proc = subprocess.Popen([*installed_command(), "classify", "--samples", str(sh), "--store", str(db),
                             "--out", str(out), "-j", "2", "--format", "tsv"], cwd=tmp_path, env=process_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def stored() -> int:
        try:
            with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                return conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        except sqlite3.Error:
            return 0

    assert _wait_for(lambda: stored() > 0 or proc.poll() is not None)
    workers = _children(proc.pid)
    if proc.poll() is not None or not workers:
        proc.communicate()
        pytest.skip("the batch finished before a worker could be killed")
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Traceback" not in err and "BrokenProcessPool" not in err
    failed = [line for line in err.splitlines() if "a worker process (-j 2) stopped unexpectedly" in line]
    assert failed and all(".vcf: not classified" in line for line in failed)
    kept = stored()
    assert kept > 0 and kept + len(failed) == len(names)
    assert len(list((out / "samples").glob("*.json"))) == kept


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_outputs_get_the_permissions_of_the_users_umask_single_files_and_folders_alike(tmp_path, mask):
    """Outputs are written as temporaries and renamed into place; a temporary is owner-only, so a
    single output file came out 0600 while the files of an output folder came out 0644. Both now
    follow the umask, as any file the user creates."""
    import her2var.files as files

    clinical = write(tmp_path, "records.csv", CLINICAL)
    calls = tmp_path / "calls"
    calls.mkdir()
    write(calls, "samples.tsv", "sample\tpatient\tstatus\nS1\tP001\tok\n")
    old = os.umask(mask)
    files._umask.cache_clear()
    try:
        assert run_cli("classify", *vcfs(tmp_path, ["S1"]), "--out", tmp_path / "out").returncode == 0
        assert run_cli("cohort", "--clinical", clinical, "--calls", calls, "-o", tmp_path / "c.tsv").returncode == 0
    finally:
        os.umask(old)
        files._umask.cache_clear()
    modes = {p.relative_to(tmp_path).as_posix(): p.stat().st_mode & 0o777
             for p in [tmp_path / "c.tsv", tmp_path / "out", *(tmp_path / "out").rglob("*")]}
    assert modes["c.tsv"] == modes["out/calls.tsv"] == modes["out/samples/S1.json"] == 0o666 & ~mask
    assert modes["out"] == modes["out/samples"] == 0o777 & ~mask


@pytest.mark.parametrize("where", ["inside mkdtemp", "after mkdtemp"])
def test_a_signal_while_the_staging_folder_is_made_leaves_nothing(tmp_path, monkeypatch, where):
    """A stop (Ctrl-C, SIGTERM, SIGHUP) that lands while the staging folder is being made, after the
    folder exists but before the run knows its name, removes it too; the lock is released."""
    import tempfile

    import her2var.files as files_mod

    real = tempfile.mkdtemp

    def interrupted(*args, **kwargs):
        made = real(*args, **kwargs)
        if where == "inside mkdtemp":
            raise KeyboardInterrupt
        return made

    def chmod_interrupted(path, mode):
        raise KeyboardInterrupt

    out = tmp_path / "out"
    monkeypatch.setattr(files_mod.tempfile, "mkdtemp", interrupted)
    if where == "after mkdtemp":
        monkeypatch.setattr(files_mod.os, "chmod", chmod_interrupted)
    with pytest.raises(KeyboardInterrupt):
        with classify_folder(str(out)):
            pass
    monkeypatch.undo()
    assert [p.name for p in out.iterdir()] == []
    with classify_folder(str(out)):  # the lock was released
        pass
