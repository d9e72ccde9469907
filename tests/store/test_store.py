"""The SQLite results store: replace vs history, failures, migrations, and real processes writing
at once or killed midway."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import process_env

from her2var.classify.output import sample_json
from her2var.classify.result import SampleResult
from her2var.errors import InputError
from her2var.models import Call
from her2var.store import SCHEMA_VERSION, open_store

PROV = {"her2var_version": "test", "rules_checksum": "r1"}


def result(sample: str, *, sha: str = "a", klass: str | None = "exon20_insertion", patient: str = "P1",
           status: str = "ok") -> SampleResult:
    calls = [Call(sample=sample, gene="ERBB2", klass=klass, hgvs_p="p.Y772_A775dup")] if klass else []
    return SampleResult(sample=sample, patient=patient, calls=calls, assessed="yes", cn_assessed="yes",
                        input_sha256=sha * 64, status=status, error="boom" if status == "error" else "")


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "h.db"))
    yield s
    s.close()


def test_new_store_has_current_schema_and_wal(tmp_path, store):
    assert store.schema_version == SCHEMA_VERSION
    conn = sqlite3.connect(tmp_path / "h.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_current_result_is_the_sample_json(store):
    r = result("S1")
    store.record(sample_json(r, PROV), "r1")
    (doc,) = store.current_results()
    assert doc == json.loads(json.dumps(sample_json(r, PROV), default=str))


def test_same_rules_replace_the_current_result(store):
    store.record(sample_json(result("S1", klass="exon20_insertion"), PROV), "r1")
    store.record(sample_json(result("S1", sha="b", klass="point_mutation"), PROV), "r1")
    (doc,) = store.current_results()
    assert doc["her2_classes"] == ["point_mutation"]
    assert store.counts() == {"current": 1, "history": 0, "failures": 0}


def test_other_rules_keep_the_older_result_as_history(store):
    store.record(sample_json(result("S1"), PROV), "r1")
    store.record(sample_json(result("S1", klass="point_mutation"), {**PROV, "rules_checksum": "r2"}), "r2")
    hist = store.history("S1")
    assert [(h["rules_checksum"], h["is_current"]) for h in hist] == [("r1", False), ("r2", True)]
    assert store.current_results()[0]["her2_classes"] == ["point_mutation"]
    # back to the first rules on the same input: that history row is replaced, not duplicated
    store.record(sample_json(result("S1"), PROV), "r1")
    assert [(h["rules_checksum"], h["is_current"]) for h in store.history("S1")] == [("r2", False), ("r1", True)]
    assert store.counts() == {"current": 1, "history": 1, "failures": 0}


def test_recording_twice_is_idempotent(store):
    for _ in range(3):
        store.record(sample_json(result("S1"), PROV), "r1")
    assert store.counts() == {"current": 1, "history": 0, "failures": 0}
    assert store.is_recorded("S1", "a" * 64, "r1") and not store.is_recorded("S1", "a" * 64, "r2")


def test_a_failure_never_replaces_a_good_result(store):
    store.record(sample_json(result("S1"), PROV), "r1")
    store.record(sample_json(result("S1", status="error"), PROV), "r1")
    store.record(sample_json(result("S2", status="error", patient="P2"), PROV), "r1")
    docs = {d["sample"]: d for d in store.current_results()}
    assert docs["S1"]["status"] == "ok" and docs["S1"]["her2_classes"] == ["exon20_insertion"]
    assert docs["S2"]["status"] == "error" and docs["S2"]["error"] == "boom" and docs["S2"]["patient"] == "P2"
    assert [d["sample"] for d in store.current_results(include_failures=False)] == ["S1"]
    assert store.counts()["failures"] == 2


def test_damaged_row_is_detected(tmp_path, store):
    store.record(sample_json(result("S1"), PROV), "r1")
    conn = sqlite3.connect(tmp_path / "h.db")
    conn.execute("UPDATE results SET doc = replace(doc, 'exon20_insertion', 'point_mutation')")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="does not match its checksum"):
        store.current_results()


def test_schema_is_migrated_forward_not_rebuilt(tmp_path, monkeypatch):
    from her2var import store as store_mod

    path = str(tmp_path / "h.db")
    with open_store(path) as s:
        s.record(sample_json(result("S1"), PROV), "r1")
    extra = ["ALTER TABLE results ADD COLUMN reviewed_by TEXT"]
    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, extra])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", len(store_mod.MIGRATIONS))
    with store_mod.open_store(path) as s:
        assert s.schema_version == SCHEMA_VERSION + 1
        assert [d["sample"] for d in s.current_results()] == ["S1"]  # data kept
    cols = [r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(results)")]
    assert "reviewed_by" in cols


def test_store_from_a_newer_her2var_is_refused(tmp_path):
    path = str(tmp_path / "h.db")
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="version 99 was written by a newer her2var"):
        open_store(path)


@pytest.mark.parametrize("content,message", [
    (None, "not a her2var store"),
    (b"this is not a database at all" * 100, "not a usable SQLite store"),
])
def test_other_files_are_refused_not_overwritten(tmp_path, content, message):
    path = tmp_path / "other.db"
    if content is None:
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE patients (id TEXT)")
        conn.commit()
        conn.close()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(InputError, match=message):
        open_store(str(path))
    assert path.read_bytes()[:100] == before[:100]


def test_missing_store_is_an_error_when_not_creating(tmp_path):
    with pytest.raises(InputError, match="no such store"):
        open_store(str(tmp_path / "none.db"), create=False)


# ---------------------------------------------------------------------------------------------
# Real processes
# ---------------------------------------------------------------------------------------------
WRITER = textwrap.dedent("""
    import sys, time
    from her2var.classify.output import sample_json
    from her2var.classify.result import SampleResult
    from her2var.models import Call
    from her2var.store import open_store
    path, prefix, n, delay = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    with open_store(path) as store:
        for i in range(n):
            s = f"{prefix}{i:04d}"
            calls = [Call(sample=s, gene="ERBB2", klass="exon20_insertion", hgvs_p="p.Y772_A775dup",
                          notes=["x" * 2000])]
            r = SampleResult(sample=s, patient="P" + s, calls=calls, assessed="yes", cn_assessed="yes",
                             input_sha256=f"{i:064d}")
            store.record(sample_json(r, {"her2var_version": "t", "rules_checksum": "r"}), "r")
            if delay:
                time.sleep(delay)
""")


def _writer(path: str, prefix: str, n: int, delay: float = 0.0) -> subprocess.Popen:
    """A process of its own writing to the store with the installed her2var (folder: the store's)."""
    return subprocess.Popen([sys.executable, "-c", WRITER, path, prefix, str(n), str(delay)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=os.path.dirname(path), env=process_env())


def _check_complete(path: str, expected: set[str]) -> None:
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT sample, COUNT(*) FROM results WHERE is_current = 1 GROUP BY sample").fetchall()
    conn.close()
    assert {s for s, _ in rows} == expected
    assert all(n == 1 for _, n in rows), "a sample is stored twice"
    with open_store(path) as s:
        docs = s.current_results()  # verifies every row against its checksum
    assert len(docs) == len(expected)
    assert all(d["calls"][0]["notes"] == ["x" * 2000] for d in docs), "a half-written row"


@pytest.mark.slow
def test_two_processes_write_at_once(tmp_path):
    path = str(tmp_path / "h.db")
    open_store(path).close()
    procs = [_writer(path, "A", 200), _writer(path, "B", 200)]
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    _check_complete(path, {f"{p}{i:04d}" for p in "AB" for i in range(200)})


@pytest.mark.slow
def test_killed_run_then_rerun_completes(tmp_path):
    path = str(tmp_path / "h.db")
    open_store(path).close()
    proc = _writer(path, "K", 300, delay=0.005)
    deadline = time.time() + 120
    done = 0
    while time.time() < deadline:
        time.sleep(0.05)
        with sqlite3.connect(path, timeout=30) as conn:
            done = conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        if done >= 40:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with sqlite3.connect(path, timeout=30) as conn:
        after_kill = conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    assert 40 <= after_kill < 300, "the kill should land midway"
    _check_complete(path, {f"K{i:04d}" for i in range(after_kill)})
    rerun = _writer(path, "K", 300)
    _, err = rerun.communicate(timeout=240)
    assert rerun.returncode == 0, err
    _check_complete(path, {f"K{i:04d}" for i in range(300)})


# What undoing each migration step runs: UNDO[k] takes a store of schema k back to k - 1.
_UNDO = {
    5: ["DROP TRIGGER results_sparse_changed", "DROP TRIGGER results_calls_changed", "DROP INDEX results_cohort",
        "ALTER TABLE results DROP COLUMN calls_keys",
        "CREATE INDEX results_cohort ON results (sample, patient, her2_classes, assessed, cn_assessed, "
        "copy_number, n_events, rules_checksum, tested, calls_sparse) WHERE is_current = 1",
        "CREATE TRIGGER results_calls_changed AFTER UPDATE OF calls, sample ON results WHEN "
        "NEW.calls_sparse IS NOT NULL BEGIN UPDATE results SET calls_sparse = NULL WHERE id = NEW.id; END"],
    4: ["DROP TRIGGER results_calls_changed", "DROP INDEX results_cohort", "ALTER TABLE results DROP COLUMN calls_sparse"],
    3: ["ALTER TABLE results DROP COLUMN tested"],
}


def _downgrade(path: str, version: int) -> None:
    """The store as schema ``version`` left it, the later steps undone newest first: 4, sparse
    calls without their key fields; 3, no sparse calls nor the cohort's index over them; 2, the
    co-driver genes tested only inside each document."""
    conn = sqlite3.connect(path)
    current = conn.execute("SELECT version FROM schema_version").fetchone()[0]
    for step in range(current, version, -1):
        for statement in _UNDO[step]:
            conn.execute(statement)
    conn.execute("UPDATE schema_version SET version = ?", (version,))
    conn.commit()
    conn.close()


def _tested_store(path: str) -> None:
    with open_store(path) as s:
        panel = {"small_variants": ["EGFR", "KRAS"], "fusion": ["ALK"]}
        for name, tested in (("S1", panel), ("S2", panel), ("S3", {}), ("S4", None)):
            full = sample_json(result(name), PROV)
            if tested is None:
                full.pop("tested", None)  # classified before testing was recorded
            else:
                full["tested"] = tested
            s.record(full, "r1")
        s.record(sample_json(result("S5", status="error"), PROV), "r1")


def test_the_tested_column_is_what_the_document_says(tmp_path):
    path = str(tmp_path / "h.db")
    _tested_store(path)
    conn = sqlite3.connect(path)
    pairs = conn.execute("SELECT tested, json_extract(doc, '$.tested') FROM results").fetchall()
    conn.close()
    assert len(pairs) == 4 and all(a == b for a, b in pairs)
    assert sorted(a is None for a, _ in pairs) == [False, False, False, True]


def test_a_schema_2_store_is_read_as_it_is_by_a_reader_and_migrated_by_a_writer(tmp_path):
    path = str(tmp_path / "h.db")
    _tested_store(path)
    with open_store(path) as s:
        want = s.cohort_rows()
    assert [r[-1] for r in want] == [{"small_variants": ["EGFR", "KRAS"], "fusion": ["ALK"]}] * 2 + [{}, None, {}]
    _downgrade(path, 2)
    with open(path, "rb") as fh:
        before = fh.read()
    with open_store(path, create=False, migrate=False) as s:  # a cohort: reads, never changes it
        assert s.schema_version == 2
        assert s.cohort_rows() == want
    with open(path, "rb") as fh:
        assert fh.read() == before
    with open_store(path) as s:  # a writer migrates it, and fills the column from the documents
        assert s.schema_version == SCHEMA_VERSION
        assert s.cohort_rows() == want
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM results WHERE tested IS NOT json_extract(doc, '$.tested')"
                        ).fetchone() == (0,)
    conn.close()


def test_a_reader_still_refuses_a_schema_2_store_changed_by_another_program(tmp_path):
    path = str(tmp_path / "h.db")
    _tested_store(path)
    _downgrade(path, 2)
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIEW extra AS SELECT 1")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="not made by her2var"):
        open_store(path, create=False, migrate=False)


def test_a_cohort_reads_the_same_samples_from_a_schema_2_3_and_4_store(tmp_path):
    from her2var.cohort.calls import from_store

    path = str(tmp_path / "h.db")
    _tested_store(path)
    new = from_store(path)
    _downgrade(path, 3)
    assert from_store(path) == new
    _downgrade(path, 2)
    old = from_store(path)
    assert old == new
    assert [s.tested for s in new] == [{"small_variants": ("EGFR", "KRAS"), "fusion": ("ALK",)}] * 2 + [{}, None, {}]
    with open_store(path, create=False, migrate=False) as s:
        assert s.schema_version == 2  # the cohort did not migrate it


def test_a_tested_value_that_is_not_a_mapping_names_the_first_sample_holding_it(tmp_path):
    from her2var.cohort.calls import from_store

    path = str(tmp_path / "h.db")
    with open_store(path) as s:
        for name in ("S1", "S2", "S3"):
            full = sample_json(result(name), PROV)
            full["tested"] = {"small_variants": ["EGFR"]} if name == "S1" else ["EGFR"]
            s.record(full, "r1")
    with pytest.raises(InputError, match=r"\(sample S2\): 'tested' is not a mapping"):
        from_store(path)


def test_a_damaged_document_does_not_stop_the_migration_and_is_still_refused(tmp_path):
    """Migrating to the tested column skips a document SQLite cannot read; the readers of the
    document, and the cohort (which then reads it from the document), refuse it as before."""
    from her2var.cohort.calls import from_store

    path = str(tmp_path / "h.db")
    _tested_store(path)
    _downgrade(path, 2)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE results SET doc = 'not json', doc_sha256 = ? WHERE sample = 'S2'",
                 (hashlib.sha256(b"not json").hexdigest(),))
    conn.commit()
    conn.close()
    with open_store(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        with pytest.raises(InputError, match="a stored result is not valid JSON"):
            s.sample_results("S2")
    with pytest.raises(InputError, match=r"the store cannot be read \(malformed JSON\)"):
        from_store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT sample, tested IS NULL FROM results ORDER BY sample").fetchall() == \
        [("S1", 0), ("S2", 1), ("S3", 0), ("S4", 1)]
    conn.close()
