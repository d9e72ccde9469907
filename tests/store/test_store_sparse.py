"""Schema 4: the calls a cohort reads, kept in sparse form in an index of their own. What the
cohort gets from it must be exactly what decoding the stored calls gives (fields, order, values
and their types); calls of another form, and rows written or changed by another program, are read
from the full calls; a store of schema 3 is read as it is and left unchanged, and migrated by a
writer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2var.classify.output import call_dict, sample_json
from her2var.classify.result import SampleResult
from her2var.errors import InputError
from her2var.models import CALL_COLUMNS, Call
from her2var.store import (
    KEY_FIELDS,
    SCHEMA_VERSION,
    SPARSE_CALL,
    _keys_text,
    _sparse_and_keys,
    open_store,
    sparse_calls,
    unsparse,
)

PROV = {"her2var_version": "test", "rules_checksum": "r1"}


def exact(value: object) -> str:
    """A value's JSON with its fields in order: equal only when fields, order, values and types
    (int, float, bool, None) all are."""
    return json.dumps(value, allow_nan=True)


def fields(s: object) -> list:
    """A dataclass's fields, in order (a SampleCalls' calls made whole)."""
    return [getattr(s, f.name) for f in dataclasses.fields(s)]  # type: ignore[arg-type]


def round_trip(sample: str, calls: str) -> list | None:
    sparse = sparse_calls(sample, calls)
    return None if sparse is None else unsparse(sample, json.loads(sparse))


def calls_of(sample: str) -> list[Call]:
    return [
        Call(sample=sample, gene="ERBB2", klass="exon20_insertion", hgvs_p="p.Y772_A775dup", chrom="chr17",
             pos=39724728, ref="A", alt="AGCATACGTGATG", depth=500, alt_reads=150, vaf=0.3, build="GRCh38",
             oncogenicity="oncogenic", oncogenicity_rule="ERBB2 exon 20 insertion"),
        Call(sample=sample, gene="ERBB2", klass="amplification", copy_number=7.034121971432242, cn_ci_low=0.0,
             aliases=["HER2 amp"], notes=["focal", "high"], oncogenicity="oncogenic"),
        Call(sample="another", gene="KRAS", klass="hotspot", hgvs_p="p.G12C", hotspot=True, depth=0, vaf=0.0,
             pos=2**70, oncogenicity="likely_oncogenic"),  # a call naming another sample; a huge position
    ]


def test_the_sparse_fields_are_those_of_a_call_today():
    """Calls classify writes today are all kept sparse: the stored template has their fields, in
    their order, with their defaults (a change of the calls' fields needs a new stored form)."""
    assert list(SPARSE_CALL) == list(CALL_COLUMNS)
    blank = call_dict(Call(sample="", gene="", klass=""))
    assert exact(blank) == exact(SPARSE_CALL)
    assert json.loads(sparse_calls("", json.dumps([blank])) or "null") == [{}]


def test_todays_calls_come_back_exactly():
    calls = json.dumps([call_dict(c) for c in calls_of("S1")], separators=(",", ":"))
    sparse = sparse_calls("S1", calls)
    assert sparse is not None and len(sparse) < len(calls) / 2
    assert exact(unsparse("S1", json.loads(sparse))) == exact(json.loads(calls))
    assert '"sample":"another"' in sparse and '"sample":"S1"' not in sparse


def test_calls_of_another_form_are_not_kept_sparse():
    call = call_dict(Call(sample="S1", gene="ERBB2", klass="amplification"))
    assert sparse_calls("S1", json.dumps([call])) is not None
    reordered = {"gene": call["gene"], **call}
    extra = {**call, "reviewed": "yes"}
    fewer = {k: v for k, v in call.items() if k != "threshold_set"}
    for other in ([reordered], [extra], [fewer], [call, "text"], {"0": call}, [float("nan")]):
        assert sparse_calls("S1", json.dumps(other)) is None, other
    for text in ("not json", "", "[" * 5000 + "]" * 5000):
        assert sparse_calls("S1", text) is None
    for number in (float("nan"), float("inf"), -float("inf")):  # not strict JSON: SQLite would refuse it
        assert sparse_calls("S1", json.dumps([{**call, "vaf": number}])) is None


def test_a_value_equal_to_a_default_of_another_type_is_kept():
    call = call_dict(Call(sample="S1", gene="ERBB2", klass="amplification"))
    for value in (0, 0.0, -0.0):  # each == False, the default of hotspot
        text = json.dumps([{**call, "hotspot": value}])
        assert '"hotspot"' in (sparse_calls("S1", text) or "")
        assert exact(round_trip("S1", text)) == exact(json.loads(text))
    assert '"hotspot"' not in (sparse_calls("S1", json.dumps([call])) or "hotspot")


def test_a_field_sparse_calls_never_writes_is_refused_on_reading():
    assert unsparse("S1", [{"gene": "ERBB2"}]) is not None
    assert unsparse("S1", [{"reviewed": "yes"}]) is None
    assert unsparse("S1", ["text"]) is None


def test_the_lists_of_each_call_are_its_own():
    first, second = unsparse("S1", [{}, {}]) or []
    first["notes"].append("x")
    assert second["notes"] == [] and SPARSE_CALL["notes"] == []


# Values a call's field may hold after a JSON round trip, including every default's look-alikes.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-2**80, max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6)
    | st.sampled_from(["", 0, 0.0, -0.0, False, [], {}, "[]"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(CALL_COLUMNS), json_values), max_size=3),
       st.sampled_from(["S1", "", "S\u00e9"]))
def test_any_calls_come_back_exactly_or_are_left_whole(changed, sample):
    calls = [{**SPARSE_CALL, "sample": sample, **c} for c in changed]
    text = json.dumps(calls)
    back = round_trip(sample, text)
    assert back is not None  # every field known and in order: kept sparse
    assert exact(back) == exact(json.loads(text))


def result(sample: str, calls: list[Call]) -> dict:
    r = SampleResult(sample=sample, patient="P" + sample, calls=calls, assessed="yes", cn_assessed="unknown",
                     input_sha256=sample.encode().hex().ljust(64, "0"), status="ok", error="")
    return sample_json(r, PROV)


def _store(path: str) -> None:
    with open_store(path) as s:
        s.record(result("S1", calls_of("S1")), "r1")
        s.record(result("S2", []), "r1")
        s.record(result("S3", calls_of("S3")[:1]), "r1")
        odd = result("S4", calls_of("S4")[1:2])
        odd["calls"][0]["reviewed"] = "yes"  # a call of another form: kept whole only
        s.record(odd, "r1")
        s.record(result("S5", calls_of("S5")[2:]), "r1")


def _full_calls_path(path: str) -> list[tuple]:
    """cohort_rows as a store without sparse calls gives them (every row from its full calls)."""
    conn = sqlite3.connect(path)
    conn.execute("UPDATE results SET calls = calls")  # the trigger clears every sparse text
    conn.commit()
    assert conn.execute("SELECT COUNT(*) FROM results WHERE calls_sparse IS NOT NULL").fetchone() == (0,)
    conn.close()
    with open_store(path, create=False, migrate=False) as s:
        return s.cohort_rows()


def test_the_cohort_reads_the_sparse_calls_as_the_full_ones(tmp_path):
    path = str(tmp_path / "h.db")
    _store(path)
    conn = sqlite3.connect(path)
    kept = conn.execute("SELECT sample, calls_sparse IS NOT NULL FROM results ORDER BY sample").fetchall()
    conn.close()
    assert kept == [("S1", 1), ("S2", 1), ("S3", 1), ("S4", 0), ("S5", 1)]
    with open_store(path, create=False, migrate=False) as s:
        rows = s.cohort_rows()
    assert [len(r[8]) for r in rows] == [3, 0, 1, 1, 1]
    assert rows[3][8][0]["reviewed"] == "yes"
    assert exact(rows) == exact(_full_calls_path(path))


def test_calls_changed_by_another_program_are_read_from_the_change(tmp_path):
    path = str(tmp_path / "h.db")
    _store(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE results SET calls = replace(calls, 'p.Y772_A775dup', 'p.A775_G776insYVMA') "
                 "WHERE sample = 'S3'")
    conn.execute(  # a row another program inserts knows nothing of the sparse calls
        "INSERT INTO results (sample, patient, input_sha256, rules_checksum, is_current, her2_status, her2_classes, "
        "assessed, cn_assessed, copy_number, n_events, her2var_version, recorded_at, calls, doc, doc_sha256, input) "
        "SELECT 'S6', patient, 'x', rules_checksum, 1, her2_status, her2_classes, assessed, cn_assessed, copy_number, "
        "n_events, her2var_version, recorded_at, calls, doc, doc_sha256, input FROM results WHERE sample = 'S1'")
    conn.execute("UPDATE results SET sample = 'S8' WHERE sample = 'S1'")  # its calls still name S1
    conn.commit()
    conn.close()
    with open_store(path, create=False, migrate=False) as s:
        rows = {r[0]: r for r in s.cohort_rows()}
    assert rows["S3"][8][0]["hgvs_p"] == "p.A775_G776insYVMA"
    assert [c["sample"] for c in rows["S8"][8]] == ["S1", "S1", "another"]
    assert exact(rows["S6"][8]) == exact(rows["S8"][8])


def test_damaged_sparse_calls_are_refused(tmp_path):
    path = str(tmp_path / "h.db")
    _store(path)
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError):  # the column holds JSON arrays only
        conn.execute("UPDATE results SET calls_sparse = '[{\"gene\":' WHERE sample = 'S1'")
    conn.execute("UPDATE results SET calls_sparse = '[{\"gene\":\"ERBB2\",\"reviewed\":1}]' WHERE sample = 'S3'")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="not in the store's form; the file is damaged"):
        open_store(path, create=False, migrate=False).cohort_rows()


def test_a_schema_3_store_is_read_as_it_is_and_migrated_by_a_writer(tmp_path, monkeypatch):
    from test_store import _downgrade

    from her2var import store as store_mod
    from her2var.cohort.calls import from_store

    monkeypatch.setattr(store_mod._fill_sparse_calls, "__defaults__", (2,))  # rows filled 2 at a time

    path = str(tmp_path / "h.db")
    _store(path)
    with open_store(path, create=False, migrate=False) as s:
        want = s.cohort_rows()
    samples = from_store(path)
    _downgrade(path, 3)
    with open(path, "rb") as fh:
        before = fh.read()
    with open_store(path, create=False, migrate=False) as s:  # a cohort: reads, never changes it
        assert s.schema_version == 3
        assert exact(s.cohort_rows()) == exact(want)
    assert from_store(path) == samples
    with open(path, "rb") as fh:
        assert fh.read() == before
    with open_store(path) as s:  # a writer migrates it, and fills the sparse calls and their key fields
        assert s.schema_version == SCHEMA_VERSION == 5
        assert exact(s.cohort_rows()) == exact(want)
    assert exact([fields(x) for x in from_store(path)]) == exact([fields(x) for x in samples])
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT sample, calls, calls_sparse, calls_keys FROM results ORDER BY sample").fetchall()
    conn.close()
    assert [sparse is None for _, _, sparse, _ in rows] == [False, False, False, True, False]
    assert [keys is None for _, _, _, keys in rows] == [False, False, False, True, False]
    for sample, calls, sparse, keys in rows:
        if sparse is not None:
            assert exact(unsparse(sample, json.loads(sparse))) == exact(json.loads(calls))
            assert json.loads(keys) == [[c[f] for f in KEY_FIELDS] for c in json.loads(calls)]


def test_a_store_without_the_cohorts_index_is_refused(tmp_path):
    path = str(tmp_path / "h.db")
    _store(path)
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX results_cohort")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="no results_cohort"):
        open_store(path, create=False, migrate=False)


class Text(str):
    """A str of another type: written as text, never taken for a default."""


python_values = json_values | st.sampled_from(
    [(), ("a",), Text(""), Text("x"), 1.5, True, 0, dt.date(2024, 1, 2), {"k": ()}, [None, ()]])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(CALL_COLUMNS), python_values), max_size=3),
       st.sampled_from(["S1", ""]))
def test_calls_as_record_is_given_them_come_back_as_the_stored_text_decodes(changed, sample):
    """record makes the sparse text from the calls it is given (not from the text it stores): what
    the cohort reads back is still exactly what decoding the stored text gives."""
    calls = [{**SPARSE_CALL, "sample": sample, **c} for c in changed]
    stored = json.dumps(calls, default=str, separators=(",", ":"))
    sparse, keys = _sparse_and_keys(sample, calls)
    assert sparse is not None and keys is not None
    assert exact(unsparse(sample, json.loads(sparse))) == exact(json.loads(stored))
    assert exact(json.loads(keys)) == exact([[c[f] for f in KEY_FIELDS] for c in json.loads(stored)])


def test_the_cohort_gets_from_the_store_what_it_gets_from_the_documents(tmp_path):
    """Each sample as from_store makes it (fields given by position) is the sample the document
    itself gives (fields given by name)."""
    from her2var.cohort.calls import from_sample_json, from_store

    path = str(tmp_path / "h.db")
    _store(path)
    with open_store(path, create=False, migrate=False) as s:
        docs = s.current_results()
    want = [from_sample_json(json.loads(json.dumps(d)), path) for d in docs]
    got = from_store(path)
    assert got == want
    assert exact([fields(x) for x in got]) == exact([fields(x) for x in want])


def _set_both(conn: sqlite3.Connection, sample: str, sparse: str | None, keys: str | None) -> None:
    """Sparse calls and their key fields written together, as only record writes them."""
    conn.execute("UPDATE results SET calls_sparse = NULL, calls_keys = NULL WHERE sample = ?", (sample,))
    conn.execute("UPDATE results SET calls_sparse = ?, calls_keys = ? WHERE sample = ?", (sparse, keys, sample))


def _set_sparse(path: str, calls_by_sample: dict[str, list[dict]], with_keys: bool) -> None:
    """Give rows sparse calls, with their key fields as record writes them, or alone as another
    program could (the triggers clear the key fields then; the calls are unchanged)."""
    conn = sqlite3.connect(path)
    for name, calls in calls_by_sample.items():
        sparse, keys = _sparse_and_keys(name, calls)
        assert sparse is not None
        if with_keys:  # both changed in one statement (the same texts again would clear the key fields)
            _set_both(conn, name, sparse, keys)
            conn.execute("UPDATE results SET n_events = ? WHERE sample = ?", (len(calls), name))
        else:
            conn.execute("UPDATE results SET calls_sparse = ?, n_events = ? WHERE sample = ?",
                         (sparse, len(calls), name))
    kept = [k is not None for k, in conn.execute("SELECT calls_keys FROM results ORDER BY sample")]
    assert kept == [with_keys, with_keys, with_keys, False, with_keys]
    conn.commit()
    conn.close()


def _outcome(fn, *args) -> object:
    """What a call gives, or the error it raises (values of the wrong type make some fail, as
    they did before)."""
    try:
        return fn(*args)
    except (TypeError, ValueError, AttributeError) as exc:
        return f"{type(exc).__name__}: {exc}"


def _what_the_cohort_reads(samples: list, rules: object) -> str:
    from her2var.cohort.build import _her2_cells
    from her2var.cohort.tested import codriver_genes

    memo: dict = {}
    return exact([[_outcome(s.call_keys), _outcome(lambda x: x.erbb2_events, s), _outcome(s.codriver_events),
                   _outcome(_her2_cells, s, rules, memo), _outcome(_her2_cells, s, rules)] for s in samples]
                 + [_outcome(codriver_genes, {}, samples)])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.dictionaries(st.sampled_from(CALL_COLUMNS), json_values | st.sampled_from(
    ["ERBB2", "KRAS", "oncogenic", "uncertain", "point_mutation", "amplification", "p.G12C"])), max_size=3),
    min_size=4, max_size=4), st.booleans())
def test_the_cohort_reads_sparse_calls_as_it_reads_them_whole(changed, with_keys):
    """from_store leaves the calls in sparse form and reads each call's gene, class, tier and
    HGVS from it: what the cohort makes of them (HER2 cells, events, co-driver genes, the tiers of
    calls stored without one) is what it makes of the calls made whole, for values of any type."""
    import os
    import tempfile

    from her2var.cohort.build import tier_old_calls
    from her2var.cohort.calls import from_store
    from her2var.rules.load import load_rules

    rules = load_rules()
    names = ["S1", "S2", "S3", "S5"]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "h.db")
        _store(path)
        _set_sparse(path, {n: [{**SPARSE_CALL, "sample": n, **c} for c in calls]
                           for n, calls in zip(names, changed, strict=True)}, with_keys)
        lazy, whole = from_store(path), from_store(path)
    for x in whole:
        x.calls.append({})  # made whole: read from the dicts from now on
        x.calls.pop()
    assert [x._keys is None for x in lazy] == [False, False, False, True, False]  # S4: calls of another form
    assert _what_the_cohort_reads(lazy, rules) == _what_the_cohort_reads(whole, rules)
    assert [x._keys is None for x in lazy] == [False, False, False, True, False]  # read without making them whole
    assert _outcome(tier_old_calls, lazy, rules) == _outcome(tier_old_calls, whole, rules)
    assert _what_the_cohort_reads(lazy, rules) == _what_the_cohort_reads(whole, rules)
    assert exact([fields(x) for x in lazy]) == exact([fields(x) for x in whole])
    assert lazy == whole


def test_damaged_sparse_calls_are_refused_when_read_sparse(tmp_path):
    from her2var.cohort.calls import from_store

    path = str(tmp_path / "h.db")
    _store(path)
    for damage in ('[{"gene":"ERBB2","reviewed":1}]', '[{"gene":"ERBB2"},"text"]', "[[]]"):
        conn = sqlite3.connect(path)
        conn.execute("UPDATE results SET calls_sparse = ? WHERE sample = 'S3'", (damage,))
        conn.commit()
        conn.close()
        with pytest.raises(InputError, match="not in the store's form; the file is damaged"):
            from_store(path)


def test_the_key_fields_are_cleared_when_the_calls_or_the_sparse_calls_alone_are_changed(tmp_path):
    path = str(tmp_path / "h.db")
    _store(path)
    conn = sqlite3.connect(path)

    def kept() -> list[tuple]:
        return conn.execute("SELECT sample, calls_sparse IS NOT NULL, calls_keys IS NOT NULL FROM results "
                            "ORDER BY sample").fetchall()

    assert kept() == [("S1", 1, 1), ("S2", 1, 1), ("S3", 1, 1), ("S4", 0, 0), ("S5", 1, 1)]
    conn.execute("UPDATE results SET calls = calls WHERE sample = 'S1'")
    conn.execute("UPDATE results SET calls_sparse = '[{}]' WHERE sample = 'S2'")
    conn.execute("UPDATE results SET calls_keys = '[[\"ERBB2\",\"\",\"\",\"\",\"\"]]' WHERE sample = 'S3'")
    conn.execute("UPDATE results SET calls_sparse = calls_sparse, calls_keys = calls_keys WHERE sample = 'S5'")
    assert kept() == [("S1", 0, 0), ("S2", 1, 0), ("S3", 1, 0), ("S4", 0, 0), ("S5", 1, 0)]
    conn.close()


def test_damaged_key_fields_are_refused_and_damaged_sparse_calls_when_read(tmp_path):
    """Key fields another program wrote (with the sparse calls, in one statement) are checked when
    the cohort reads them; sparse calls read only when made whole are checked then, with the
    same message."""
    from her2var.cohort.calls import from_store

    path = str(tmp_path / "h.db")
    _store(path)
    for keys in ("[1]", "[[\"ERBB2\"]]", "[[1,2,3,4,5,6]]"):
        conn = sqlite3.connect(path)
        _set_both(conn, "S3", "[{}]", keys)
        conn.commit()
        conn.close()
        with pytest.raises(InputError, match="not in the store's form; the file is damaged"):
            from_store(path)
    conn = sqlite3.connect(path)
    _set_both(conn, "S3", '[{"gene":"ERBB2","reviewed":1}]', '[["ERBB2","","","",""]]')
    conn.commit()
    conn.close()
    samples = {s.sample: s for s in from_store(path)}
    assert samples["S3"].erbb2_events == [""]
    with pytest.raises(InputError, match=r"h\.db: the stored calls of a result are not in the store's form"):
        _ = samples["S3"].calls


def test_a_schema_4_store_is_read_as_it_is_and_migrated_by_a_writer(tmp_path):
    from test_store import _downgrade

    from her2var.cohort.calls import from_store

    path = str(tmp_path / "h.db")
    _store(path)
    samples = from_store(path)
    assert [type(s._calls) for s in samples] == [str, list, str, list, str]  # S2: no calls; S4: whole only
    want = exact([fields(x) for x in samples])
    _downgrade(path, 4)
    with open_store(path, create=False, migrate=False) as s:
        assert s.schema_version == 4
    old = from_store(path)
    assert [type(s._calls) for s in old] == [list] * 5
    assert exact([fields(x) for x in old]) == want
    with open_store(path) as s:
        assert s.schema_version == SCHEMA_VERSION
    assert exact([fields(x) for x in from_store(path)]) == want
    assert exact(_keys_text([{}])) == exact('[["","","","",""]]')


def test_key_fields_of_texts_only_are_marked_so_once_per_stored_text(tmp_path):
    """The cohort skips checking the key fields' types for each sample only when the store found
    them all texts (or None); the same HER2 cells either way."""
    from her2var.cohort.build import _her2_cells
    from her2var.cohort.calls import from_store
    from her2var.rules.load import load_rules
    from her2var.store import TextKeys

    path = str(tmp_path / "h.db")
    _store(path)
    conn = sqlite3.connect(path)
    _set_both(conn, "S5", '[{"gene":1,"class":"amplification"}]', '[[1,"amplification","","",""]]')
    conn.commit()
    conn.close()
    samples = from_store(path)
    assert [type(s.call_keys()) for s in samples] == [TextKeys, TextKeys, TextKeys, tuple, tuple]
    rules = load_rules()
    memo: dict = {}
    assert [_her2_cells(s, rules, memo) for s in samples] == [_her2_cells(s, rules) for s in samples]
    assert len(memo) == 4  # S5's gene is not a text: worked out on its own


def test_calls_without_a_tier_are_tiered_in_every_sample_sharing_their_key_fields(tmp_path):
    from her2var.cohort.build import tier_old_calls
    from her2var.cohort.calls import from_store
    from her2var.rules.load import load_rules
    from her2var.store import TextKeys

    path = str(tmp_path / "h.db")
    _store(path)
    untiered = ('[{"gene":"ERBB2","class":"point_mutation","hgvs_p":"p.V777L"}]',
                '[["ERBB2","point_mutation","","p.V777L",""]]')
    tiered = ('[{"gene":"ERBB2","class":"amplification","oncogenicity":"oncogenic"}]',
              '[["ERBB2","amplification","oncogenic","",""]]')
    rules = load_rules()
    for kinds, want in (((tiered, tiered, untiered), ["S5"]), ((untiered, tiered, untiered), ["S1", "S5"]),
                        ((untiered, untiered, untiered), ["S1", "S3", "S5"])):
        conn = sqlite3.connect(path)
        for name, (sparse, keys) in zip(("S1", "S3", "S5"), kinds, strict=True):
            _set_both(conn, name, sparse, keys)
        conn.commit()
        conn.close()
        samples = {s.sample: s for s in from_store(path)}
        assert samples["S1"].call_keys() is samples["S3"].call_keys() or kinds[0] != kinds[1]
        assert type(samples["S5"].call_keys()) is TextKeys
        problems = tier_old_calls(list(samples.values()), rules)
        assert [p.message.split(" ")[0] for p in problems] == [str(len(want))]
        assert sorted(n for n, s in samples.items() if s._keys is None and n in ("S1", "S3", "S5")) == want
        for n in want:
            assert samples[n].calls[0]["oncogenicity"] in ("oncogenic", "likely_oncogenic", "uncertain")
            assert "derived on reading" in samples[n].calls[0]["oncogenicity_rule"]
