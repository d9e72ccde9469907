"""Reading the store for people (her2var store list / show / diff): one row per sample with its
latest attempt, one sample's history, the rules versions held, checksums by prefix, and each
sample's latest result under given rules."""

from __future__ import annotations

import sqlite3

import pytest

from her2var.classify.output import sample_json
from her2var.classify.result import SampleResult
from her2var.errors import InputError
from her2var.models import Call
from her2var.store import open_store

R1, R2, R3 = "aa11" + "0" * 60, "aa22" + "0" * 60, "bb33" + "0" * 60


def doc(sample: str, checksum: str, *, sha: str = "a", klass: str | None = "point_mutation", status: str = "ok",
        patient: str = "P1") -> dict:
    calls = [Call(sample=sample, gene="ERBB2", klass=klass, hgvs_p="p.L755S", oncogenicity="oncogenic")] if klass else []
    r = SampleResult(sample=sample, patient=patient, calls=calls, assessed="yes", cn_assessed="yes",
                     input_sha256=sha * 64, status=status, error="it broke" if status == "error" else "",
                     her2_altered="yes" if klass else "no", her2_tier="oncogenic" if klass else "none")
    return sample_json(r, {"her2var_version": "t", "rules_checksum": checksum})


def stamp(path, sample: str, table: str, when: str) -> None:
    """Set the recorded time of a sample's rows (the store writes the wall clock's second)."""
    conn = sqlite3.connect(path)
    conn.execute(f"UPDATE {table} SET recorded_at = ? WHERE sample = ?", (when, sample))
    conn.commit()
    conn.close()


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "h.db")


def test_overview_one_row_per_sample_with_its_latest_attempt(path):
    with open_store(path) as s:
        s.record(doc("S1", R1), R1)
        s.record(doc("S1", R2, klass=None), R2)  # S1 re-classified under other rules: 2 results
        s.record(doc("S2", R1), R1)
        s.record(doc("S3", R1, status="error", patient="P3"), R1)  # S3 never succeeded
    stamp(path, "S2", "results", "2026-01-01T00:00:00+00:00")
    with open_store(path) as s:
        s.record(doc("S2", R2, status="error"), R2)  # a later run of S2 failed: its result is kept
        rows = {r["sample"]: r for r in s.sample_overview()}
    assert list(rows) == ["S1", "S2", "S3"]
    assert list(rows["S1"]) == list(s.OVERVIEW_FIELDS)
    assert (rows["S1"]["status"], rows["S1"]["her2_status"], rows["S1"]["her2_altered"], rows["S1"]["rules_checksum"],
            rows["S1"]["results"]) == ("ok", "none", "no", R2, 2)
    assert (rows["S2"]["status"], rows["S2"]["her2_status"], rows["S2"]["rules_checksum"]) == \
        ("error", "point_mutation", R1)
    assert rows["S2"]["error"].startswith("a later run failed (") and rows["S2"]["error"].endswith("it broke")
    assert (rows["S3"]["status"], rows["S3"]["her2_status"], rows["S3"]["patient"], rows["S3"]["results"],
            rows["S3"]["error"]) == ("error", "error", "P3", 0, "it broke")


def test_a_failure_before_the_result_does_not_mark_the_sample_failed(path):
    with open_store(path) as s:
        s.record(doc("S1", R1, status="error"), R1)
    stamp(path, "S1", "failures", "2026-01-01T00:00:00+00:00")
    with open_store(path) as s:
        s.record(doc("S1", R1), R1)
        (row,) = s.sample_overview()
    assert row["status"] == "ok" and row["error"] == ""


def test_sample_results_are_the_history_with_whole_documents(path):
    with open_store(path) as s:
        s.record(doc("S1", R1), R1)
        s.record(doc("S1", R2, klass=None), R2)
        s.record(doc("S1", R2, status="error"), R2)
        hist = s.sample_results("S1")
        failures = s.sample_failures("S1")
        assert s.sample_results("nobody") == [] and s.sample_failures("nobody") == []
    assert [(h["rules_checksum"], h["is_current"], h["doc"]["her2_status"]) for h in hist] == \
        [(R1, False, "point_mutation"), (R2, True, "none")]
    assert hist[0]["input_sha256"] == "a" * 64 and hist[0]["her2var_version"] == "t"
    assert [(f["rules_checksum"], f["error"]) for f in failures] == [(R2, "it broke")]


def test_a_damaged_document_is_refused_when_read(path):
    with open_store(path) as s:
        s.record(doc("S1", R1), R1)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE results SET doc = replace(doc, 'p.L755S', 'p.L755P')")
    conn.commit()
    conn.close()
    with open_store(path) as s, pytest.raises(InputError, match="does not match its checksum"):
        s.sample_results("S1")
    with open_store(path) as s, pytest.raises(InputError, match="does not match its checksum"):
        s.results_under(R1)


def test_rules_versions_and_checksums_by_prefix(path):
    with open_store(path) as s:
        s.record(doc("S1", R1), R1)
        s.record(doc("S2", R1), R1)
        s.record(doc("S1", R2), R2)
        s.record(doc("S3", R3), R3)
        versions = {v["rules_checksum"]: v for v in s.rules_versions()}
        assert (versions[R1]["results"], versions[R1]["current"]) == (2, 1)
        assert (versions[R2]["results"], versions[R2]["current"]) == (1, 1)
        assert s.resolve_rules("aa11") == R1 and s.resolve_rules(R2.upper()) == R2 and s.resolve_rules("b") == R3
        with pytest.raises(InputError, match=r"--from 'aa' matches 2 rules checksums \(aa1100000000, aa2200000000"):
            s.resolve_rules("aa", "--from")
        with pytest.raises(InputError, match=r"--to 'cc': no result in the store was made under these rules \(rules "
                                             r"checksums in the store: aa1100000000, aa2200000000, bb3300000000\)"):
            s.resolve_rules("cc", "--to")
        with pytest.raises(InputError, match="no result"):
            s.resolve_rules("", "--to")


def test_results_under_rules_are_each_samples_latest_under_them(path):
    with open_store(path) as s:
        s.record(doc("S1", R1, sha="a"), R1)
        s.record(doc("S1", R1, sha="b", klass="inframe_deletion"), R1)  # same rules, new input: replaces
        s.record(doc("S2", R1), R1)
        s.record(doc("S1", R2, sha="b"), R2)
        under1, under2 = s.results_under(R1), s.results_under(R2)
    assert sorted(under1) == ["S1", "S2"] and sorted(under2) == ["S1"]
    assert under1["S1"]["her2_classes"] == ["inframe_deletion"] and under1["S1"]["_input_sha256"] == "b" * 64
    assert under2["S1"]["her2_classes"] == ["point_mutation"]
