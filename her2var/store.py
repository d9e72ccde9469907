"""The results store: every classified sample, kept in one SQLite database across batches.

- One transaction per sample (``BEGIN IMMEDIATE`` ... ``COMMIT``): a killed run leaves whole
  samples or nothing, and the next run finishes the rest (recording is idempotent).
- Several writers at once: WAL journal, a busy timeout, and writers that take the write lock at
  the start of their transaction, so no writer has to upgrade a read lock (no deadlock).
- Re-classifying a sample with the same rules replaces its current result; with other rules the
  older result is kept as history (``is_current = 0``). Which rules produced which call is an
  audit question.
- A sample id is one tumour: each result keeps where it came from (``input``: real paths, and
  ``input_sha256``). A result for a sample whose current one came from another file with other
  content is refused (StoreConflict) unless the caller says it replaces it; the same file re-run
  (or the same content under another name) updates it.
- A failed sample is recorded in ``failures``; it never replaces a good result.
- The schema has a version and is migrated forward, one step at a time, inside a transaction;
  a database from a newer her2var, or that is not a her2var store, is refused, never rebuilt.
  Writers migrate; a cohort only reads, and reads a store of schema 2 to 4 as it is (what a later
  schema adds is then taken from the documents or the calls, which is slower) until the next
  writer migrates it.
- Schema 4 keeps what a cohort reads of each current result in an index of its own, with the calls
  in a sparse form (``sparse_calls``) that decodes to exactly the stored calls, so that a cohort of
  100,000 patients reads neither the documents nor 34 fields of every call.
- Schema 5 adds each call's gene, class, tier and HGVS beside the sparse calls (``calls_keys``): a
  short text most results share, which the cohort decodes once per distinct text; the sparse calls
  are then decoded only when something reads them whole. Triggers clear it when the calls, the
  sample or the sparse calls alone are changed by another program, so it never stands for calls
  it was not made from by her2var.

WAL needs a local file system (not NFS/SMB shares).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .errors import InputError, shown
from .files import input_path, place_new, sync_file, temp_beside, write_failed

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 60_000
APPLICATION_ID = 0x48324552  # "H2ER": marks the file as a her2var store

# A call as the store keeps it for the cohort (schema 4, column calls_sparse): the fields of a call
# (models.CALL_COLUMNS as of schema 4, in this order) with the value a field holds when the call
# leaves it out. Part of the stored format: never edit it (other fields or defaults need a new
# column and schema version); a call with other fields is simply not kept in sparse form.
SPARSE_CALL: dict[str, Any] = {
    "sample": "", "gene": "", "class": "", "hgvs_p": "", "hgvs_p3": "", "hgvs_c": "", "exon": "", "domain": "",
    "hotspot": False, "chrom": "", "pos": None, "ref": "", "alt": "", "depth": None, "alt_reads": None,
    "vaf": None, "copy_number": None, "source": "", "aliases": [], "notes": [], "vaf_method": "", "filter": "",
    "genotype": "", "cn_ci_low": None, "cn_ci_high": None, "cn_kind": "", "caller_call": "", "annotation": "",
    "annotation_agrees": "", "build": "", "input": "", "oncogenicity": "", "oncogenicity_rule": "",
    "threshold_set": "",
}
_SPARSE_KEYS = list(SPARSE_CALL)
_SPARSE_FIELDS = frozenset(SPARSE_CALL)
# The fields of a call a cohort reads (cohort_rows(whole=False) gives them beside the sparse calls),
# with the value each holds when a sparse call leaves it out.
KEY_FIELDS = ("gene", "class", "oncogenicity", "hgvs_p", "hgvs_c")
_GENE, _CLASS, _TIER, _HGVS_P, _HGVS_C = (SPARSE_CALL[f] for f in KEY_FIELDS)
_SPARSE_DEFAULTS = [(k, type(v), v) for k, v in SPARSE_CALL.items() if k != "sample"]


def sparse_calls(sample: str, calls: str) -> str | None:
    """A result's ``calls`` text (a JSON list of call objects) in the sparse form the cohort reads
    fastest: each call without the fields that hold SPARSE_CALL's value (same type and value), and
    without ``sample`` when it is the result's own. ``unsparse`` gives back exactly the list that
    decoding ``calls`` gives (same fields in the same order, same values and types). None when the
    calls are anything else (not JSON, or a call with other fields): readers then decode ``calls``.
    Never raises: a migration fills the column with it."""
    try:
        found = json.loads(calls)
    except (TypeError, ValueError, RecursionError):
        return None
    return _sparse(sample, found)


def _sparse(sample: str, calls: Any) -> str | None:
    """sparse_calls of the calls themselves (decoded, or as ``record`` is given them): a value left
    in is written as ``json.dumps(..., default=str)`` writes the full calls, and a value left out
    is exactly of its default's type, so decoding both gives the same values."""
    try:
        if type(calls) is not list:
            return None
        out = []
        for call in calls:
            if type(call) is not dict or list(call) != _SPARSE_KEYS:
                return None
            kept = {k: v for k, t, d in _SPARSE_DEFAULTS if (v := call[k]) != d or type(v) is not t}
            if call["sample"] != sample or type(call["sample"]) is not str:
                kept = {"sample": call["sample"], **kept}
            out.append(kept)
        # Strict JSON (no NaN): the column holds JSON arrays SQLite itself accepts (its CHECK), so that
        # readers may decode all rows' texts joined into one array.
        return json.dumps(out, default=str, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None


class TextKeys(tuple):
    """Calls' key fields (``cohort_rows(whole=False)``) known to hold only texts or None: checked
    once per distinct stored text, for the many samples that share it, rather than per sample."""

    __slots__ = ()


def _key_fields(kept: dict[str, Any]) -> tuple[Any, ...]:
    """A sparse call's KEY_FIELDS values, a field left out given its default."""
    get = kept.get
    return get("gene", _GENE), get("class", _CLASS), get("oncogenicity", _TIER), get("hgvs_p", _HGVS_P), \
        get("hgvs_c", _HGVS_C)


def _keys_text(kept: list[dict[str, Any]]) -> str:
    """The ``calls_keys`` text of calls in sparse form (decoded): each call's KEY_FIELDS values as a
    JSON array of arrays. Made from the decoded sparse text, so that decoding it gives exactly what
    reading the key fields from the sparse calls gives."""
    return json.dumps(list(map(_key_fields, kept)), separators=(",", ":"), allow_nan=False)


def _damaged(path: str) -> InputError:
    return InputError(f"{path}: the stored calls of a result are not in the store's form; the file is damaged "
                      "or was changed by another program")


def _sparse_and_keys(sample: str, calls: Any) -> tuple[str | None, str | None]:
    """The sparse text of the calls (``_sparse``) and its ``calls_keys`` text; (None, None) when the
    calls are kept whole only."""
    sparse = _sparse(sample, calls)
    if sparse is None:
        return None, None
    return sparse, _keys_text(json.loads(sparse))


def unsparse_text(sample: str, sparse: str, path: str) -> list[dict[str, Any]]:
    """The calls of a result whose sparse text ``cohort_rows(whole=False)`` gave undecoded, made
    whole; an InputError, as reading them at once gives, when they are not in the store's form."""
    try:
        found = json.loads(sparse)
    except (TypeError, ValueError, RecursionError):
        found = None
    calls = unsparse(sample, found) if type(found) is list else None
    if calls is None:
        raise _damaged(path)
    return calls


def _is_sparse(found: Any) -> bool:
    """Calls as ``sparse_calls`` writes them (decoded): what ``unsparse`` takes."""
    return type(found) is list and all(type(k) is dict and k.keys() <= _SPARSE_FIELDS for k in found)


def unsparse(sample: str, calls: list[Any]) -> list[dict[str, Any]] | None:
    """The calls that ``sparse_calls`` wrote as ``calls`` (decoded), whole again; None when they are
    not such calls (a store changed by another program): the reader then decodes the full text."""
    out = []
    template, size = SPARSE_CALL, len(SPARSE_CALL)
    for kept in calls:
        if type(kept) is not dict:
            return None
        # Every field, in the stored order (a key given again keeps its place); the lists made anew.
        call = {**template, "sample": sample, "aliases": [], "notes": [], **kept}
        if len(call) != size:  # a field sparse_calls never writes
            return None
        out.append(call)
    return out


def _in_batches(conn: sqlite3.Connection, query: str, batch: int) -> Iterator[list[Any]]:
    """The rows of ``query`` (its first column the row id; ``id > ?`` and ``LIMIT ?`` its
    parameters) a batch at a time, so that a migration does not hold millions of results at once."""
    last = -1
    while rows := conn.execute(query, (last, batch)).fetchall():
        yield rows
        last = rows[-1][0]


def _fill_sparse_calls(conn: sqlite3.Connection, batch: int = 20_000) -> None:
    """Migration 3 -> 4: the sparse form of every stored result's calls."""
    for rows in _in_batches(conn, "SELECT id, sample, calls FROM results WHERE id > ? ORDER BY id LIMIT ?", batch):
        conn.executemany("UPDATE results SET calls_sparse = ? WHERE id = ?",
                         [(sparse_calls(sample, calls), i) for i, sample, calls in rows
                          if isinstance(sample, str) and isinstance(calls, str)])


def _fill_call_keys(conn: sqlite3.Connection, batch: int = 20_000) -> None:
    """Migration 4 -> 5: the key fields of every result's sparse calls; sparse calls not in the
    store's form (changed by another program) are left without them."""
    query = "SELECT id, calls_sparse FROM results WHERE id > ? AND calls_sparse IS NOT NULL ORDER BY id LIMIT ?"
    for rows in _in_batches(conn, query, batch):
        update = []
        for i, sparse in rows:
            try:
                found = json.loads(sparse)
            except (TypeError, ValueError, RecursionError):
                continue
            if _is_sparse(found):
                update.append((_keys_text(found), i))
        conn.executemany("UPDATE results SET calls_keys = ? WHERE id = ?", update)


# A migration step: SQL statements, and Python steps that fill a new column.
Statement = str | Callable[[sqlite3.Connection], None]

# MIGRATIONS[i] takes the schema from version i to i + 1. Append; never edit a released step.
MIGRATIONS: list[list[Statement]] = [
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
    [  # 1 -> 2: where each result came from (real paths), so that another file reporting a sample of the
        # same name is not taken for a re-run of the first; earlier rows keep the path as it was given.
        "ALTER TABLE results ADD COLUMN input TEXT NOT NULL DEFAULT ''",
        "UPDATE results SET input = COALESCE(json_extract(doc, '$.provenance.input'), '')",
    ],
    [  # 2 -> 3: the co-driver genes looked at (the document's 'tested', as JSON), in a column of its
        # own, so that a cohort does not extract it from every stored document. A document SQLite cannot
        # read (damaged) leaves it NULL: readers then take it from the document, and fail as before.
        "ALTER TABLE results ADD COLUMN tested TEXT",
        "UPDATE results SET tested = json_extract(doc, '$.tested') WHERE json_valid(doc)",
    ],
    [  # 3 -> 4: what a cohort reads of each current result, in an index of its own (no scan of the
        # documents), the calls there in sparse form (sparse_calls: a third of the text, decoded three
        # times faster). The column is NULL where the calls are of another form, and is cleared when a
        # row's calls or sample are changed (by another program): readers then decode the calls.
        ("ALTER TABLE results ADD COLUMN calls_sparse TEXT "
         "CHECK (calls_sparse IS NULL OR (json_valid(calls_sparse) AND substr(calls_sparse, 1, 1) = '['))"),
        _fill_sparse_calls,
        ("CREATE INDEX results_cohort ON results (sample, patient, her2_classes, assessed, cn_assessed, "
         "copy_number, n_events, rules_checksum, tested, calls_sparse) WHERE is_current = 1"),
        ("CREATE TRIGGER results_calls_changed AFTER UPDATE OF calls, sample ON results "
         "WHEN NEW.calls_sparse IS NOT NULL BEGIN UPDATE results SET calls_sparse = NULL WHERE id = NEW.id; END"),
    ],
    [  # 4 -> 5: each call's gene, class, tier and HGVS (the fields a cohort reads) beside the sparse calls,
        # as a short text most results share, so that a cohort decodes each distinct one once and the
        # sparse calls only when they are read. Written with the sparse calls, in the same statement;
        # cleared when the calls, the sample, or the sparse calls alone are changed (by another program).
        ("ALTER TABLE results ADD COLUMN calls_keys TEXT "
         "CHECK (calls_keys IS NULL OR (json_valid(calls_keys) AND substr(calls_keys, 1, 1) = '['))"),
        _fill_call_keys,
        "DROP INDEX results_cohort",
        ("CREATE INDEX results_cohort ON results (sample, patient, her2_classes, assessed, cn_assessed, "
         "copy_number, n_events, rules_checksum, tested, calls_sparse, calls_keys) WHERE is_current = 1"),
        "DROP TRIGGER results_calls_changed",
        ("CREATE TRIGGER results_calls_changed AFTER UPDATE OF calls, sample ON results "
         "WHEN NEW.calls_sparse IS NOT NULL OR NEW.calls_keys IS NOT NULL "
         "BEGIN UPDATE results SET calls_sparse = NULL, calls_keys = NULL WHERE id = NEW.id; END"),
        ("CREATE TRIGGER results_sparse_changed AFTER UPDATE OF calls_sparse, calls_keys ON results "
         "WHEN NEW.calls_keys IS NOT NULL AND "
         "(NEW.calls_keys IS OLD.calls_keys OR NEW.calls_sparse IS OLD.calls_sparse) "
         "BEGIN UPDATE results SET calls_keys = NULL WHERE id = NEW.id; END"),
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)
# A store of this version or later is read as it is when the reader asks not to migrate it
# (``open_store(..., migrate=False)``): what a later version adds is then taken from the documents.
READABLE_FROM = 2
STDIN_NAME = "<stdin>"  # how classify names standard input


class StoreConflict(InputError):
    """A result for a sample the store holds from another input (another file, other content)."""


def source_of(inputs: str) -> str:
    """Where a result came from, comparable across runs: the real path of each input file,
    ';'-joined (one tumour's VCFs); standard input and an unknown input ('') as they are."""
    return ";".join(p if p == STDIN_NAME else os.path.realpath(p) for p in inputs.split(";") if p)


def same_source(stored: str, given: str) -> bool:
    """Whether a stored result's source and a new input (a path as given, or ';'-joined paths) name
    the same file(s). A source not known (a result stored without one) matches anything, as
    before sources were kept; a relative path (stored by an earlier version) matches the same path
    under any folder."""
    new = source_of(given)
    if not stored or not new:
        return True
    olds, news = stored.split(";"), new.split(";")
    if len(olds) != len(news):
        return False

    def match(old: str, path: str) -> bool:
        if old == path:
            return True
        return not os.path.isabs(old) and old != STDIN_NAME and path.endswith(os.sep + os.path.normpath(old))

    return all(any(match(o, n) for n in news) for o in olds)


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
            if isinstance(exc, sqlite3.DatabaseError):  # locked, full, or a store that refuses the row
                raise InputError(f"{self.path}: writing to the store failed ({shown(exc, 200, bare=True)}); "
                                 "nothing of this sample was stored") from exc
            raise

    # -- writing ---------------------------------------------------------------------------
    def record(self, full: dict[str, Any], rules_checksum: str, *, replace: bool = False) -> None:
        """Store one sample's result document (classify's sample JSON) in its own transaction (see the
        module notes for the rules). The columns the store searches are read from the document.

        A sample is one tumour: when the store's current result for this sample id came from another
        input (another file, other content), StoreConflict is raised and nothing is stored, unless
        ``replace`` says this result replaces it (the earlier one is kept as history)."""
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
        tested = None if full.get("tested") is None else json.dumps(full["tested"], default=str, separators=(",", ":"))
        given = str(prov.get("input") or "")
        source = source_of(given)
        row = (sample, patient, input_sha256, rules_checksum, full["her2_status"], ";".join(full["her2_classes"]),
               full["assessed"], full["cn_assessed"], full["copy_number"], len(full["calls"]),
               str(prov.get("her2var_version", "")), now, calls, doc, hashlib.sha256(doc.encode()).hexdigest(),
               source, tested, *_sparse_and_keys(sample, full["calls"]))
        with self._write() as conn:
            cur = conn.execute("SELECT id, rules_checksum, input, input_sha256 FROM results "
                               "WHERE sample = ? AND is_current = 1", (sample,)).fetchone()
            if cur is not None:
                other = cur[3] != input_sha256 and not same_source(cur[2], given)
                if other and not replace:
                    raise self.conflict_error(sample, cur[2], given)
                if cur[1] == rules_checksum and not other:
                    conn.execute("DELETE FROM results WHERE id = ?", (cur[0],))
                else:
                    conn.execute("UPDATE results SET is_current = 0 WHERE id = ?", (cur[0],))
            # The same sample, input and rules seen before (now history): the new row replaces it.
            conn.execute("DELETE FROM results WHERE sample = ? AND input_sha256 = ? AND rules_checksum = ?",
                         (sample, input_sha256, rules_checksum))
            conn.execute(
                "INSERT INTO results (sample, patient, input_sha256, rules_checksum, is_current, her2_status, "
                "her2_classes, assessed, cn_assessed, copy_number, n_events, her2var_version, recorded_at, calls, "
                "doc, doc_sha256, input, tested, calls_sparse, calls_keys) "
                "VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)

    def conflict_error(self, sample: str, stored: str, given: str) -> StoreConflict:
        """The refusal of a result for ``sample`` from ``given`` when the store's came from ``stored``."""
        return StoreConflict(
            f"{self.path}: sample {shown(sample)} is already stored from "
            f"{shown(stored or 'another input', 200, bare=True)}, and {shown(given or 'this input', 200, bare=True)} "
            "(another file, other content) reports a sample of the same name; nothing was stored for it. If it "
            "is another tumour, give it its own id (a samples sheet's 'sample' column); if its result replaces "
            "the stored one, run again with --replace")

    def current_sources(self) -> dict[str, tuple[str, str]]:
        """{sample: (source, input_sha256)} of every current result: where each came from."""
        with self._snapshot() as conn:
            rows = conn.execute("SELECT sample, input, input_sha256 FROM results WHERE is_current = 1").fetchall()
        return {sample: (source, sha) for sample, source, sha in rows}

    # -- reading ---------------------------------------------------------------------------
    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same committed state."""
        conn = self._conn
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:  # a store damaged or altered outside her2var
            raise InputError(f"{self.path}: the store cannot be read ({shown(exc, 200, bare=True)}); is it damaged "
                             "or changed by another program?") from exc

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
        docs = [self._decode(doc, digest) for doc, digest in rows]
        for sample, patient, error, input_name in failed:
            docs.append({"sample": sample, "patient": patient, "status": "error", "error": error,
                         "her2_status": "error", "her2_classes": [], "assessed": "no", "cn_assessed": "no",
                         "copy_number": None, "calls": [], "provenance": {"input": input_name}})
        docs.sort(key=lambda d: d["sample"])
        return docs

    COHORT_FIELDS = ("sample", "patient", "status", "error", "her2_classes", "assessed", "cn_assessed",
                     "copy_number", "calls", "rules_checksum", "tested")

    def cohort_rows(self, whole: bool = True) -> list[tuple]:
        """What a cohort needs of every current result (and of samples that only failed), as
        tuples in COHORT_FIELDS order, without decoding whole documents.

        ``whole=False``: each tuple has one more value, the calls' key fields (a tuple of each
        call's KEY_FIELDS values), or None; when it is given, the calls are the stored sparse form,
        decoded (``unsparse`` makes them whole) and checked to be such calls, or from schema 5 their
        text (``unsparse_text``), so that a reader that needs only the key fields does not make 34
        fields of every call. A store of schema 2 or 3 gives the calls whole and None."""
        with self._snapshot() as conn:
            version = _version(conn, self.path)
            if version >= 4:
                return self._cohort_rows_4(conn, whole)
            # From the documents when the store has no such column yet (read with migrate=False), or
            # the row has no value there (recorded before testing was, or by another program).
            tested = "json_extract(doc, '$.tested')"
            if version >= 3:
                tested = f"COALESCE(tested, {tested})"  # the document is read only where needed
            rows = conn.execute(
                "SELECT sample, patient, her2_classes, assessed, cn_assessed, copy_number, n_events, calls, "
                f"rules_checksum, {tested} FROM results WHERE is_current = 1 ORDER BY sample").fetchall()
            failed = self._only_failed(conn)
        loads = self._json
        # tested (the co-driver genes looked at, by kind): None for results stored before it was
        # recorded. Samples share a few texts (one per panel): each is decoded once, and the rows
        # that hold it share the decoded value (callers only read it).
        seen: dict[Any, Any] = {None: None}

        def tested_of(text: Any) -> Any:
            if text in seen:
                return seen[text]
            found = seen[text] = loads(text)
            return found

        out = [(s, p, "ok", "", tuple(classes.split(";")) if classes else (), a, cna, cn, loads(calls) if n else [],
                rc, tested_of(t)) for s, p, classes, a, cna, cn, n, calls, rc, t in rows]
        out += [(s, p, "error", e, (), "no", "no", None, [], rc, {}) for s, p, e, rc in failed]
        if not whole:
            return [(*r, None) for r in out]
        return out

    def _cohort_rows_4(self, conn: sqlite3.Connection, whole: bool = True) -> list[tuple]:
        """cohort_rows from a store of schema 4 or later: one scan of the index results_cohort, with
        the calls in sparse form. Rows without it (calls of another form, rows written or changed by
        another program) give their full calls text, and rows without ``tested`` their document's.

        Not ``whole``, from schema 5: a row with the calls' key fields (``calls_keys``) gives its
        sparse calls as their text, not decoded (``unsparse_text`` makes them whole); each distinct
        key text is decoded and checked once, and the rows that hold it share the decoded keys."""
        keys_column = "calls_keys" if _version(conn, self.path) >= 5 and not whole else "NULL"
        rows = conn.execute(
            "SELECT sample, patient, her2_classes, assessed, cn_assessed, copy_number, n_events, calls_sparse, "
            "CASE WHEN calls_sparse IS NULL AND n_events THEN calls END, rules_checksum, "
            f"COALESCE(tested, json_extract(doc, '$.tested')), {keys_column} "
            "FROM results INDEXED BY results_cohort WHERE is_current = 1 ORDER BY sample").fetchall()
        failed = self._only_failed(conn)
        loads = self._json
        # Every sparse text is a JSON array on its own (the column's CHECK): all those read are decoded
        # at once.
        texts = [sparse for _, _, _, _, _, _, n, sparse, _, _, _, k in rows if n and sparse is not None and k is None]
        decoded = iter(loads("[" + ",".join(texts) + "]") if texts else [])
        seen: dict[Any, Any] = {None: None}  # tested: each distinct text decoded once (see cohort_rows)
        split: dict[str, tuple[str, ...]] = {"": ()}  # her2_classes: the same few texts recur
        shared: dict[str, tuple[tuple[Any, ...], ...]] = {}  # calls_keys: each distinct text decoded once
        out: list[tuple] = []
        damaged = _damaged(self.path)
        no_calls: list[Any] = []  # shared by the rows without calls: unsparse only reads it
        no_keys = TextKeys()
        for s, p, classes, a, cna, cn, n, sparse, full, rc, t, keys_text in rows:
            keys: Any = None
            if not n:
                calls: Any = [] if whole else no_calls
                keys = None if whole else no_keys
            elif sparse is None:
                calls = loads(full)
            elif keys_text is not None:
                keys = shared.get(keys_text)
                if keys is None:
                    found = loads(keys_text)
                    if not (type(found) is list and all(type(k) is list and len(k) == 5 for k in found)):
                        raise damaged
                    texts_only = all(type(v) is str or v is None for k in found for v in k)
                    keys = shared[keys_text] = (TextKeys if texts_only else tuple)(map(tuple, found))
                calls = sparse
            else:
                found = next(decoded, None)
                if type(found) is not list:
                    raise damaged
                if whole:
                    calls = unsparse(s, found)
                    if calls is None:
                        raise damaged
                else:
                    # What unsparse checks, without making the calls whole; a field left out holds
                    # its default.
                    if not _is_sparse(found):
                        raise damaged
                    calls, keys = found, tuple(map(_key_fields, found))
            if t in seen:
                tested = seen[t]
            else:
                tested = seen[t] = loads(t)
            if classes in split:
                found_classes = split[classes]
            else:
                found_classes = split[classes] = tuple(classes.split(";")) if classes else ()
            out.append((s, p, "ok", "", found_classes, a, cna, cn, calls, rc, tested, keys))
        if next(decoded, None) is not None:
            raise damaged
        out += [(s, p, "error", e, (), "no", "no", None, [], rc, {}, None) for s, p, e, rc in failed]
        return [r[:-1] for r in out] if whole else out  # whole: no keys (None in every row)

    @staticmethod
    def _only_failed(conn: sqlite3.Connection) -> list[Any]:
        """(sample, patient, error, rules_checksum) of the latest failure of each sample that has
        no current result, by sample."""
        return conn.execute(
            "SELECT f.sample, f.patient, f.error, f.rules_checksum FROM failures f "
            "WHERE NOT EXISTS (SELECT 1 FROM results r WHERE r.sample = f.sample AND r.is_current = 1) "
            "AND f.id = (SELECT MAX(id) FROM failures g "
            "WHERE g.sample = f.sample) ORDER BY f.sample").fetchall()

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
                "GROUP BY rules_checksum ORDER BY MIN(recorded_at), MIN(id)").fetchall()
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
        if not isinstance(doc, str) or hashlib.sha256(doc.encode()).hexdigest() != digest:
            raise InputError(f"{self.path}: a stored result does not match its checksum; the file is damaged")
        found = self._json(doc)
        if not isinstance(found, dict):
            raise InputError(f"{self.path}: a stored result is not a result document; the file is damaged")
        return found

    def _json(self, text: Any) -> Any:
        """A JSON column's value; a store holding anything else was written by another program."""
        try:
            return json.loads(text)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{self.path}: a stored result is not valid JSON; the file is damaged or was changed "
                             "by another program") from exc

    @property
    def schema_version(self) -> int:
        return _version(self._conn, self.path)


def _version(conn: sqlite3.Connection, path: str) -> int:
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    if not row:
        return 0
    if type(row[0]) is not int or row[0] < 0:
        raise InputError(f"{path}: the store's schema version is {shown(row[0])}, not a version number; the file "
                         "was changed by another program")
    return row[0]


def _run(conn: sqlite3.Connection, statement: Statement) -> None:
    """One statement of a migration step: SQL, or a Python step given the connection."""
    if isinstance(statement, str):
        conn.execute(statement)
    else:
        statement(conn)


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _expected_schema(version: int | None = None) -> dict[str, set[str]]:
    """Every table and index the migrations create, with each table's columns: what a store of the
    current version (or of ``version``) holds (built by running the migrations on an empty database)."""
    mem = sqlite3.connect(":memory:")
    try:
        for step in MIGRATIONS[:version]:
            for statement in step:
                _run(mem, statement)
        return _schema(mem)
    finally:
        mem.close()


def _schema(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """{table or index or trigger or view name: its column names (tables), else {type}}."""
    out: dict[str, set[str]] = {}
    for kind, name in conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"):
        if kind == "table":
            out[name] = {r[1] for r in conn.execute(f"PRAGMA table_info({json.dumps(name)})")}
        else:
            out[name] = {kind}
    return out


def _check_schema(conn: sqlite3.Connection, path: str, version: int | None = None) -> None:
    """A store of the current version (or of ``version``, read as it is) must hold exactly what the
    migrations made (schema_version aside): a missing column, or a trigger or view another program
    added (one that aborts inserts, or rewrites rows), would fail or change results later, far from
    the cause."""
    found = _schema(conn)
    found.pop("schema_version", None)
    expected = _expected_schema(version)
    problems = []
    for name, columns in expected.items():
        if name not in found:
            problems.append(f"no {shown(name, bare=True)}")
        elif columns - found[name]:
            problems.append(f"{shown(name, bare=True)} lacks column(s) "
                            f"{shown(', '.join(sorted(columns - found[name])), bare=True)}")
    extra = sorted(set(found) - set(expected))
    if extra:
        problems.append(f"{shown(', '.join(extra), 120, bare=True)} not made by her2var")
    if problems:
        raise InputError(f"{path}: not the schema of a her2var store ({'; '.join(problems)}); the file was changed "
                         "by another program: give another store")


def _refuse_foreign(conn: sqlite3.Connection, path: str) -> None:
    tables = _tables(conn)
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if (tables and "schema_version" not in tables) or app_id not in (0, APPLICATION_ID):
        raise InputError(f"{path}: an SQLite database that is not a her2var store (tables: "
                         f"{shown(', '.join(sorted(tables)), bare=True) or 'none'}); give another path")


def _migrate(conn: sqlite3.Connection, path: str, migrate: bool = True) -> None:
    """Bring the schema to SCHEMA_VERSION, one step per transaction; refuse anything unknown.
    Without ``migrate`` a store of READABLE_FROM or later is left at its version (checked as such):
    a reader does not rewrite every row of a large store, nor need to write to it at all."""
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            tables = _tables(conn)
            if "schema_version" not in tables:
                _refuse_foreign(conn, path)
                conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                conn.execute("INSERT INTO schema_version (version) VALUES (0)")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            version = _version(conn, path)
            if version > SCHEMA_VERSION:
                raise InputError(f"{path}: store schema version {version} was written by a newer her2var "
                                 f"(this one knows up to {SCHEMA_VERSION}); upgrade her2var")
            if version == SCHEMA_VERSION or (not migrate and version >= READABLE_FROM):
                _check_schema(conn, path, version)
                conn.execute("COMMIT")
                return
            for statement in MIGRATIONS[version]:
                _run(conn, statement)
            conn.execute("UPDATE schema_version SET version = ?", (version + 1,))
            conn.execute("COMMIT")
            log.info("%s: store schema migrated from version %d to %d", path, version, version + 1)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def open_store(path: str, *, create: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
               migrate: bool = True) -> Store:
    """Open (or create) the store at ``path``, migrating its schema forward if needed. With
    ``migrate=False`` (a reader) a store of READABLE_FROM or later is read at its own version and
    not changed; only a store older than that is migrated first.

    A new store is made whole under a temporary name and put in place only then (never replacing
    one another run made meanwhile): a failure (a full disk) leaves no empty or partial database.
    A symbolic link that points nowhere is refused: the store would be created wherever it points."""
    path = os.fspath(path)
    if os.path.islink(path) and not os.path.exists(path):
        raise InputError(f"{path}: a symbolic link to {shown(os.readlink(path), 200, bare=True)}, which does not "
                         "exist; her2var does not create a store through a link: give the store's own path")
    if not create and not os.path.exists(path):
        raise InputError(f"{path}: no such store")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder; give the store's file name (e.g. her2var.db)")
    if os.path.lexists(path):  # a device or a pipe would hang SQLite; a dangling link is named
        input_path(path, what="an SQLite store", random_access=True)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"{path}: folder {folder} does not exist")
    if not os.path.exists(path):
        _create(path, busy_timeout_ms)
    return Store(path, _connect(path, path, busy_timeout_ms, migrate))


def _connect(where: str, path: str, busy_timeout_ms: int, migrate: bool = True) -> sqlite3.Connection:
    """An open, checked and migrated connection to the database at ``where`` (messages name ``path``)."""
    try:
        conn = sqlite3.connect(where, timeout=busy_timeout_ms / 1000, isolation_level=None)
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
        _migrate(conn, path, migrate)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if where != path:  # creating it: the database is fine, the disk is not (full, read-only)
            raise InputError(f"{path}: the store cannot be created ({exc}); nothing was written") from exc
        raise InputError(f"{path}: not a usable SQLite store ({exc})") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _create(path: str, busy_timeout_ms: int) -> None:
    """A new, empty store at ``path``: built and closed under a temporary name beside it (its WAL
    checkpointed away), then linked into place unless another run created one meanwhile."""
    tmp = temp_beside(path)
    try:
        _connect(tmp, path, busy_timeout_ms).close()
        for extra in ("-wal", "-shm"):
            if os.path.exists(tmp + extra):  # the close could not checkpoint: the store is not whole
                raise InputError(f"{path}: the store cannot be created (its write-ahead log was not "
                                 "written back); nothing was written")
        sync_file(tmp)
        place_new(tmp, path)
    except OSError as exc:
        raise write_failed(path, exc) from exc
    finally:
        for leftover in (tmp, tmp + "-wal", tmp + "-shm", tmp + "-journal"):
            with contextlib.suppress(OSError):
                os.unlink(leftover)
