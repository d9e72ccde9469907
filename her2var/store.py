"""The results store: every classified sample, kept in one SQLite database across batches.

- One transaction per sample (``BEGIN IMMEDIATE`` ... ``COMMIT``): a killed run leaves whole
  samples or nothing, and the next run finishes the rest (recording is idempotent).
- Several writers at once: WAL journal, a busy timeout, and writers that take the write lock at
  the start of their transaction, so no writer has to upgrade a read lock (no deadlock).
- Re-classifying a sample with the same rules replaces its current result; with other rules the
  older result is kept as history (``is_current = 0``). Which rules produced which call is an
  audit question.
- A failed sample is recorded in ``failures``; it never replaces a good result.
- The schema has a version and is migrated forward, one step at a time, inside a transaction;
  a database from a newer her2var, or that is not a her2var store, is refused, never rebuilt.

WAL needs a local file system (not NFS/SMB shares).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .errors import InputError, shown

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 60_000
APPLICATION_ID = 0x48324552  # "H2ER": marks the file as a her2var store

# MIGRATIONS[i] takes the schema from version i to i + 1. Append; never edit a released step.
MIGRATIONS: list[list[str]] = [
    [  # 0 -> 1
        """CREATE TABLE results (
            id INTEGER PRIMARY KEY,
            sample TEXT NOT NULL,
            patient TEXT NOT NULL,
            input_sha256 TEXT NOT NULL,
            rules_checksum TEXT NOT NULL,
            is_current INTEGER NOT NULL CHECK (is_current IN (0, 1)),
            her2_status TEXT NOT NULL,
            her2_classes TEXT NOT NULL,
            assessed TEXT NOT NULL,
            cn_assessed TEXT NOT NULL,
            copy_number REAL,
            n_events INTEGER NOT NULL,
            her2var_version TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            calls TEXT NOT NULL,
            doc TEXT NOT NULL,
            doc_sha256 TEXT NOT NULL,
            UNIQUE (sample, input_sha256, rules_checksum)
        )""",
        "CREATE UNIQUE INDEX results_one_current ON results (sample) WHERE is_current = 1",
        "CREATE INDEX results_patient ON results (patient)",
        "CREATE INDEX results_rules ON results (rules_checksum)",
        """CREATE TABLE failures (
            id INTEGER PRIMARY KEY,
            sample TEXT NOT NULL,
            patient TEXT NOT NULL,
            input TEXT NOT NULL,
            rules_checksum TEXT NOT NULL,
            error TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX failures_sample ON failures (sample)",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)


class Store:
    """An open store. Use ``open_store``; close it (or use it as a context manager)."""

    def __init__(self, path: str, conn: sqlite3.Connection):
        self.path = path
        self._conn = conn

    # -- life cycle ------------------------------------------------------------------------
    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding the write lock from its start."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise InputError(f"{self.path}: the store is locked by another writer for more than "
                             f"{BUSY_TIMEOUT_MS // 1000} s ({exc})") from exc
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise InputError(f"{self.path}: writing to the store failed ({exc}); nothing of this "
                                 "sample was stored") from exc
            raise

    # -- writing ---------------------------------------------------------------------------
    def record(self, full: dict[str, Any], rules_checksum: str) -> None:
        """Store one sample's result document (classify's sample JSON) in its own transaction (see the
        module notes for the rules). The columns the store searches are read from the document."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        prov = full.get("provenance") or {}
        sample, patient = str(full["sample"]), str(full.get("patient") or "")
        if full.get("status") != "ok":
            with self._write() as conn:
                conn.execute(
                    "INSERT INTO failures (sample, patient, input, rules_checksum, error, recorded_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (sample, patient, str(prov.get("input") or ""), rules_checksum, str(full.get("error") or ""), now))
            return
        input_sha256 = str(prov.get("input_sha256") or "")
        if not input_sha256:
            raise ValueError(f"sample {shown(sample)}: a result without input_sha256 cannot be stored")
        doc = json.dumps(full, default=str, separators=(",", ":"))
        calls = json.dumps(full["calls"], default=str, separators=(",", ":"))
        row = (sample, patient, input_sha256, rules_checksum, full["her2_status"], ";".join(full["her2_classes"]),
               full["assessed"], full["cn_assessed"], full["copy_number"], len(full["calls"]),
               str(prov.get("her2var_version", "")), now, calls, doc, hashlib.sha256(doc.encode()).hexdigest())
        with self._write() as conn:
            cur = conn.execute("SELECT id, rules_checksum FROM results WHERE sample = ? AND is_current = 1",
                               (sample,)).fetchone()
            if cur is not None:
                if cur[1] == rules_checksum:
                    conn.execute("DELETE FROM results WHERE id = ?", (cur[0],))
                else:
                    conn.execute("UPDATE results SET is_current = 0 WHERE id = ?", (cur[0],))
            # The same sample, input and rules seen before (now history): the new row replaces it.
            conn.execute("DELETE FROM results WHERE sample = ? AND input_sha256 = ? AND rules_checksum = ?",
                         (sample, input_sha256, rules_checksum))
            conn.execute(
                "INSERT INTO results (sample, patient, input_sha256, rules_checksum, is_current, her2_status, "
                "her2_classes, assessed, cn_assessed, copy_number, n_events, her2var_version, recorded_at, calls, "
                "doc, doc_sha256) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)

    # -- reading ---------------------------------------------------------------------------
    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same committed state."""
        conn = self._conn
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def current_results(self, *, include_failures: bool = True) -> list[dict[str, Any]]:
        """The sample JSON of every sample's current result, ordered by sample.

        With ``include_failures``, a sample that has only ever failed appears as a minimal
        document with ``status = "error"`` (so a cohort sees it as not assessed, not as absent).
        """
        with self._snapshot() as conn:
            rows = conn.execute("SELECT doc, doc_sha256 FROM results WHERE is_current = 1 ORDER BY sample").fetchall()
            failed = []
            if include_failures:
                failed = conn.execute(
                    "SELECT f.sample, f.patient, f.error, f.input FROM failures f "
                    "WHERE NOT EXISTS (SELECT 1 FROM results r WHERE r.sample = f.sample AND r.is_current = 1) "
                    "AND f.id = (SELECT MAX(id) FROM failures g WHERE g.sample = f.sample) ORDER BY f.sample"
                ).fetchall()
        docs = []
        for doc, digest in rows:
            if hashlib.sha256(doc.encode()).hexdigest() != digest:
                raise InputError(f"{self.path}: a stored result does not match its checksum; the file is damaged")
            docs.append(json.loads(doc))
        for sample, patient, error, input_path in failed:
            docs.append({"sample": sample, "patient": patient, "status": "error", "error": error,
                         "her2_status": "error", "her2_classes": [], "assessed": "no", "cn_assessed": "no",
                         "copy_number": None, "calls": [], "provenance": {"input": input_path}})
        docs.sort(key=lambda d: d["sample"])
        return docs

    COHORT_FIELDS = ("sample", "patient", "status", "error", "her2_classes", "assessed", "cn_assessed",
                     "copy_number", "calls", "rules_checksum", "tested")

    def cohort_rows(self) -> list[tuple]:
        """What a cohort needs of every current result (and of samples that only failed), as
        tuples in COHORT_FIELDS order, without decoding whole documents."""
        with self._snapshot() as conn:
            rows = conn.execute(
                "SELECT sample, patient, her2_classes, assessed, cn_assessed, copy_number, n_events, calls, "
                "rules_checksum, json_extract(doc, '$.tested') FROM results WHERE is_current = 1 "
                "ORDER BY sample").fetchall()
            failed = conn.execute(
                "SELECT f.sample, f.patient, f.error, f.rules_checksum FROM failures f "
                "WHERE NOT EXISTS (SELECT 1 FROM results r WHERE r.sample = f.sample AND r.is_current = 1) "
                "AND f.id = (SELECT MAX(id) FROM failures g "
                "WHERE g.sample = f.sample) ORDER BY f.sample").fetchall()
        loads = json.loads
        # tested (the co-driver genes looked at, by kind): None for results stored before it was recorded
        out = [(s, p, "ok", "", tuple(classes.split(";")) if classes else (), a, cna, cn, loads(calls) if n else [],
                rc, loads(t) if t is not None else None) for s, p, classes, a, cna, cn, n, calls, rc, t in rows]
        out += [(s, p, "error", e, (), "no", "no", None, [], rc, {}) for s, p, e, rc in failed]
        return out

    def cohort_records(self) -> list[dict[str, Any]]:
        """``cohort_rows`` as dicts."""
        return [dict(zip(self.COHORT_FIELDS, r, strict=True)) for r in self.cohort_rows()]

    def history(self, sample: str) -> list[dict[str, Any]]:
        """Every stored result of one sample, oldest first: rules checksum, input, current flag."""
        with self._snapshot() as conn:
            rows = conn.execute(
                "SELECT input_sha256, rules_checksum, is_current, her2_status, recorded_at FROM results "
                "WHERE sample = ? ORDER BY id", (sample,)).fetchall()
        return [{"input_sha256": a, "rules_checksum": b, "is_current": bool(c), "her2_status": d,
                 "recorded_at": e} for a, b, c, d, e in rows]

    def is_recorded(self, sample: str, input_sha256: str, rules_checksum: str) -> bool:
        """True when this sample's current result came from this input and these rules
        (a re-run after a crash can skip it)."""
        row = self._conn.execute(
            "SELECT 1 FROM results WHERE sample = ? AND input_sha256 = ? AND rules_checksum = ? AND is_current = 1",
            (sample, input_sha256, rules_checksum)).fetchone()
        return row is not None

    def counts(self) -> dict[str, int]:
        with self._snapshot() as conn:
            current = conn.execute("SELECT COUNT(*) FROM results WHERE is_current = 1").fetchone()[0]
            history = conn.execute("SELECT COUNT(*) FROM results WHERE is_current = 0").fetchone()[0]
            failures = conn.execute("SELECT COUNT(*) FROM failures").fetchone()[0]
        return {"current": current, "history": history, "failures": failures}

    # -- reading for people: her2var store list / show / diff -------------------------------------
    OVERVIEW_FIELDS = ("sample", "patient", "status", "her2_status", "her2_altered", "her2_tier", "assessed",
                       "cn_assessed", "copy_number", "rules_checksum", "recorded_at", "results", "error")

    def sample_overview(self) -> list[dict[str, Any]]:
        """One row per sample (OVERVIEW_FIELDS), by sample: its current result and how many results
        are stored for it. ``status`` is its latest attempt's: 'error' (with the message) when a run
        failed after the current result was recorded (the result shown is the one kept), or when it
        never succeeded (then there is no result to show)."""
        with self._snapshot() as conn:
            current = conn.execute(
                "SELECT sample, patient, her2_status, json_extract(doc, '$.her2_altered'), "
                "json_extract(doc, '$.her2_tier'), assessed, cn_assessed, copy_number, rules_checksum, recorded_at "
                "FROM results WHERE is_current = 1").fetchall()
            stored = dict(conn.execute("SELECT sample, COUNT(*) FROM results GROUP BY sample").fetchall())
            failed = conn.execute(
                "SELECT f.sample, f.patient, f.error, f.rules_checksum, f.recorded_at FROM failures f "
                "WHERE f.id = (SELECT MAX(id) FROM failures g WHERE g.sample = f.sample)").fetchall()
        rows: dict[str, dict[str, Any]] = {}
        for sample, patient, status, altered, tier, assessed, cn_assessed, cn, checksum, at in current:
            rows[sample] = dict(zip(self.OVERVIEW_FIELDS, (
                sample, patient, "ok", status, altered or "", tier or "", assessed, cn_assessed, cn, checksum, at,
                stored.get(sample, 0), ""), strict=True))
        for sample, patient, error, checksum, at in failed:
            row = rows.get(sample)
            if row is None:
                rows[sample] = dict(zip(self.OVERVIEW_FIELDS, (
                    sample, patient, "error", "error", "unknown", "", "no", "no", None, checksum, at, 0, error),
                    strict=True))
            elif at > row["recorded_at"]:  # ISO timestamps: a re-run that failed after the kept result
                row.update(status="error", error=f"a later run failed ({at}, rules {checksum[:12]}): {error}")
        return [rows[k] for k in sorted(rows)]

    def sample_results(self, sample: str) -> list[dict[str, Any]]:
        """Every stored result of one sample, oldest first: rules_checksum, input_sha256, is_current,
        recorded_at, her2var_version and the whole result document (``doc``, checked against its
        checksum)."""
        with self._snapshot() as conn:
            rows = conn.execute(
                "SELECT rules_checksum, input_sha256, is_current, recorded_at, her2var_version, doc, doc_sha256 "
                "FROM results WHERE sample = ? ORDER BY recorded_at, id", (sample,)).fetchall()
        return [{"rules_checksum": rc, "input_sha256": sha, "is_current": bool(cur), "recorded_at": at,
                 "her2var_version": version, "doc": self._decode(doc, digest)}
                for rc, sha, cur, at, version, doc, digest in rows]

    def sample_failures(self, sample: str) -> list[dict[str, Any]]:
        """Every failed attempt at one sample, oldest first: rules_checksum, input, error, recorded_at."""
        with self._snapshot() as conn:
            rows = conn.execute("SELECT rules_checksum, input, error, recorded_at FROM failures WHERE sample = ? "
                                "ORDER BY id", (sample,)).fetchall()
        return [{"rules_checksum": rc, "input": i, "error": e, "recorded_at": at} for rc, i, e, at in rows]

    def rules_versions(self) -> list[dict[str, Any]]:
        """Each rules checksum the store holds results under, oldest first: how many results (and how
        many of them current), first and last recorded."""
        with self._snapshot() as conn:
            rows = conn.execute(
                "SELECT rules_checksum, COUNT(*), SUM(is_current), MIN(recorded_at), MAX(recorded_at) FROM results "
                "GROUP BY rules_checksum ORDER BY MIN(recorded_at), rules_checksum").fetchall()
        return [{"rules_checksum": rc, "results": n, "current": int(cur or 0), "first_recorded": first,
                 "last_recorded": last} for rc, n, cur, first, last in rows]

    def resolve_rules(self, given: str, option: str = "--rules") -> str:
        """The full rules checksum that ``given`` (a checksum or its first characters) names in this
        store; an InputError listing the store's checksums when it names none or several."""
        prefix = given.strip().lower()
        known = [v["rules_checksum"] for v in self.rules_versions()]
        found = [c for c in known if prefix and c.lower().startswith(prefix)]
        if len(found) == 1:
            return found[0]
        listing = ", ".join(c[:12] for c in known) or "none"
        if found:
            raise InputError(f"{self.path}: {option} {shown(given)} matches {len(found)} rules checksums "
                             f"({', '.join(c[:12] for c in found)}); give more of it")
        raise InputError(f"{self.path}: {option} {shown(given)}: no result in the store was made under these rules "
                         f"(rules checksums in the store: {listing})")

    def results_under(self, rules_checksum: str) -> dict[str, dict[str, Any]]:
        """{sample: result document} of each sample's latest result under these rules (checked
        against its checksum), with ``input_sha256`` beside it under ``_input_sha256``."""
        with self._snapshot() as conn:
            rows = conn.execute(
                "SELECT sample, input_sha256, doc, doc_sha256 FROM results r WHERE rules_checksum = ? AND id = "
                "(SELECT MAX(id) FROM results g WHERE g.sample = r.sample AND g.rules_checksum = r.rules_checksum) "
                "ORDER BY sample", (rules_checksum,)).fetchall()
        return {sample: {**self._decode(doc, digest), "_input_sha256": sha} for sample, sha, doc, digest in rows}

    def _decode(self, doc: str, digest: str) -> dict[str, Any]:
        if hashlib.sha256(doc.encode()).hexdigest() != digest:
            raise InputError(f"{self.path}: a stored result does not match its checksum; the file is damaged")
        return json.loads(doc)

    @property
    def schema_version(self) -> int:
        return _version(self._conn)


def _version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _refuse_foreign(conn: sqlite3.Connection, path: str) -> None:
    tables = _tables(conn)
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if (tables and "schema_version" not in tables) or app_id not in (0, APPLICATION_ID):
        raise InputError(f"{path}: an SQLite database that is not a her2var store (tables: "
                         f"{shown(', '.join(sorted(tables)), bare=True) or 'none'}); give another path")


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the schema to SCHEMA_VERSION, one step per transaction; refuse anything unknown."""
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            tables = _tables(conn)
            if "schema_version" not in tables:
                _refuse_foreign(conn, path)
                conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                conn.execute("INSERT INTO schema_version (version) VALUES (0)")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            version = _version(conn)
            if version > SCHEMA_VERSION:
                raise InputError(f"{path}: store schema version {version} was written by a newer her2var "
                                 f"(this one knows up to {SCHEMA_VERSION}); upgrade her2var")
            if version == SCHEMA_VERSION:
                conn.execute("COMMIT")
                return
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute("UPDATE schema_version SET version = ?", (version + 1,))
            conn.execute("COMMIT")
            log.info("%s: store schema migrated from version %d to %d", path, version, version + 1)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def open_store(path: str, *, create: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Store:
    """Open (or create) the store at ``path``, migrating its schema forward if needed."""
    path = os.fspath(path)
    if not create and not os.path.exists(path):
        raise InputError(f"{path}: no such store")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder; give the store's file name (e.g. her2var.db)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"{path}: folder {folder} does not exist")
    try:
        conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot open the store ({exc})") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        _refuse_foreign(conn, path)  # before WAL is switched on, which rewrites the file header
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise InputError(f"{path}: cannot use write-ahead logging (journal mode {mode}); put the store "
                             "on a local disk")
        # In WAL mode NORMAL loses no committed transaction when the process is killed; only a
        # power cut can drop the last few, which a re-run records again.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise InputError(f"{path}: not a usable SQLite store ({exc})") from exc
    except BaseException:
        conn.close()
        raise
    return Store(path, conn)
