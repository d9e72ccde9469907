"""The cohort build's shortcuts for 100,000 patients give exactly what the plain per-value code
gives: formatting each distinct value once per column, reading the columns of all rows at once,
the co-driver cells of a row at once, and one tier per distinct event."""

from __future__ import annotations

import copy
import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2var.classify.tiers import tier_call_dict
from her2var.cohort.calls import SampleCalls
from her2var.cohort.export import _column_text, _columns_of, fmt, write_records, write_tsv
from her2var.cohort.tested import codriver_cell, codriver_cells
from her2var.rules.load import load_rules

# Values that are equal as dict keys but print differently, or print differently for other reasons.
TRICKY = [None, "", "text", "=1+1", "@x", "a\tb", "a\nb", 0, 1, -1, 7, True, False, 0.0, -0.0, 1.0, -1.0, 2.5,
          1e-7, 123456789.0, 7.0, 3.14159265, float("nan"), float("inf"), float("-inf"), dt.date(2021, 3, 4),
          dt.datetime(2021, 3, 4), dt.datetime(2021, 3, 4, 5, 6, 7),
          dt.datetime(2021, 3, 4, 12, tzinfo=dt.UTC),
          dt.datetime(2021, 3, 4, 13, tzinfo=dt.timezone(dt.timedelta(hours=1)))]


@pytest.mark.parametrize("column", ["age", "pfs_months", "copy_number", "her2_status"])
def test_column_text_is_fmt_of_every_value(column: str) -> None:
    rng = random.Random(20261203)
    values = [rng.choice(TRICKY) for _ in range(4000)]
    assert _column_text(column, values) == [fmt(column, v) for v in values]
    # the cache keeps the type apart: 1, True and 1.0 print as 1, yes and 1; 0.0 and -0.0 apart
    assert _column_text(column, [1, True, 1.0, 0.0, -0.0, False, 0]) == \
        [fmt(column, v) for v in (1, True, 1.0, 0.0, -0.0, False, 0)]
    assert _column_text("pfs_months", [0.0, -0.0]) == ["0.0000", "-0.0000"]


@pytest.mark.parametrize("column", ["age", "pfs_months", "copy_number", "her2_status"])
def test_a_column_of_one_type_is_fmt_of_every_value(column: str) -> None:
    """Columns of one type (and None) are looked up by value alone: the same texts as fmt."""
    rng = random.Random(11)
    nan = float("nan")
    kinds = [["", "text", "=1+1", "-5", "@x", "a\tb", "a\nb", " =x", '"=x', "'=x"], [0, 1, -1, 7, 10**20],
             [True, False], [1.0, -1.0, 2.5, 1e-7, 123456789.0, 7.0, 3.14159265, nan, float("inf")],
             [0.0, -0.0, 1.0, 2.5], [dt.date(2021, 3, 4), dt.date(1999, 12, 31)],
             [dt.datetime(2021, 3, 4, 12, tzinfo=dt.UTC),
              dt.datetime(2021, 3, 4, 13, tzinfo=dt.timezone(dt.timedelta(hours=1)))]]
    for kind in kinds:
        values = [rng.choice([None, *kind]) for _ in range(3000)]
        assert _column_text(column, values) == [fmt(column, v) for v in values]
        assert _column_text(column, tuple(values)) == [fmt(column, v) for v in values]
    assert _column_text("pfs_months", [None, 0.0, -0.0]) == ["", "0.0000", "-0.0000"]


_TEXTS = st.lists(st.sampled_from(["a", "P0", "1", ".", " ", '"', "\u00a0", "=", "+", "-", "@", "\t", "\r", "\n", "'",
                                    "é"]), max_size=4).map("".join)
_FLOATS = st.one_of(st.floats(), st.sampled_from([0.0, -0.0, 1e16, -1e16, 5e-324, 12345.0, 1e6, 123456.5, 2.5]))
_DATETIMES = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2030, 1, 1),
                          timezones=st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=1))]))
_KINDS = [_TEXTS, st.integers(min_value=-(10**20), max_value=10**20), _FLOATS, st.booleans(),
          st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 1, 1)), _DATETIMES]
# A column of any mix of the types the cohort holds, or of one type (and None): each way of
# formatting a column is taken, and the few-distinct and the mostly-distinct ones alike.
_COLUMNS = st.one_of(st.lists(st.one_of(st.none(), *_KINDS), max_size=60),
                     *(st.lists(st.one_of(st.none(), kind), max_size=60) for kind in _KINDS),
                     *(st.lists(kind, max_size=60) for kind in _KINDS),
                     st.lists(st.sampled_from([None, 0.0, -0.0, 1.5]), max_size=60))


@settings(max_examples=1500, derandomize=True, database=None)
@given(values=_COLUMNS, column=st.sampled_from(["age", "pfs_months", "copy_number", "her2_status"]),
       repeat=st.integers(min_value=1, max_value=3))
def test_column_text_is_fmt_of_every_value_whatever_the_column_holds(values, column: str, repeat: int) -> None:
    values = values * repeat  # repeated values: looked up rather than formatted
    want = [fmt(column, v) for v in values]
    assert _column_text(column, values) == want
    assert _column_text(column, tuple(values)) == want
    assert _column_text(column, iter(values)) == want


@settings(max_examples=300, derandomize=True, database=None)
@given(rows=st.lists(st.fixed_dictionaries({}, optional={c: st.one_of(st.none(), *_KINDS) for c in
                                                         ("patient_id", "age", "pfs_months", "copy_number")}),
                     max_size=40))
def test_write_tsv_writes_what_fmt_says_of_any_table(rows) -> None:
    import io

    columns = ["patient_id", "age", "pfs_months", "copy_number"]
    out = io.StringIO()
    write_tsv(out, columns, rows)
    want = ["\t".join(columns)] + ["\t".join(fmt(c, r.get(c)) for c in columns) for r in rows]
    assert out.getvalue() == "\n".join(want) + "\n"


def test_long_columns_of_distinct_values_are_fmt_of_every_value() -> None:
    """Columns longer than the first values looked at to tell ids and copy numbers apart."""
    rng = random.Random(5)
    ids = [f"P{i:06d}" for i in range(5000)]
    numbers = [rng.uniform(-50, 50) for _ in range(5000)]
    for column, values in [("patient_id", ids), ("patient_id", [*ids, "=cmd"]), ("patient_id", [*ids, None]),
                           ("patient_id", [*ids, 1]), ("copy_number", numbers),
                           ("copy_number", [*numbers, 3.0, -0.0, 1e16, float("nan")]),
                           ("copy_number", [*numbers, None]), ("copy_number", [*numbers, 2]),
                           ("pfs_months", [*numbers, 0.0, -0.0]), ("age", [*numbers, True])]:
        assert _column_text(column, values) == [fmt(column, v) for v in values]


def test_texts_kept_from_one_part_of_a_table_to_the_next_are_those_of_the_same_type() -> None:
    """A long table is written a part at a time, each column's texts kept by type from one part to
    the next: a later part holding 1 where an earlier held True or 1.0, or -0.0 where an earlier
    held 0.0, still gets its own texts."""
    import io

    from her2var.cohort.export import _ROWS_PER_PART

    n = _ROWS_PER_PART
    columns = ["pfs_months", "os_months", "n_samples", "her2_status", "treatment_start", "sample", "regimen"]
    first = [{"pfs_months": 0.0, "os_months": 1.0, "n_samples": True, "her2_status": "=x", "treatment_start":
              dt.date(2020, 1, 2), "sample": f"S{i}", "regimen": "C"} for i in range(n)]
    later = [{"pfs_months": v, "os_months": 1, "n_samples": 1, "her2_status": "=x" if i % 2 else None,
              "treatment_start": dt.datetime(2020, 1, 2, tzinfo=dt.UTC) if i % 2 else dt.date(2020, 1, 2),
              "sample": f"S{i}" if i % 3 else "-S", "regimen": ("C", "=y", None, "C\tI")[i % 4]}
             for i, v in enumerate([-0.0, 0.0, 1.0, None] * (n // 4))]
    again = [{**r, "pfs_months": 0.0 if i % 2 else 2.5} for i, r in enumerate(first)]
    rows = first + later + again
    assert len(later) == n  # each part holds values of one type in each column
    out = io.StringIO()
    write_tsv(out, columns, rows)
    want = ["\t".join(columns)] + ["\t".join(fmt(c, r.get(c)) for c in columns) for r in rows]
    assert out.getvalue() == "\n".join(want) + "\n"
    as_records = io.StringIO()  # the same rows as records, in the columns' order
    write_records(as_records, columns, [tuple(r.get(c) for c in columns) for r in rows])
    assert as_records.getvalue() == out.getvalue()
    assert "\n-0.0000\t1\t1\t\t" in out.getvalue() and "\n0.0000\t1.0000\tyes\t'=x" in out.getvalue()
    assert "\t'=y\n" in out.getvalue() and "\tC I\n" in out.getvalue()


@pytest.mark.parametrize("n_rows", [1, 2, 7, 5001])
def test_runs_of_columns_holding_one_text_are_written_as_each_column(n_rows: int) -> None:
    """Neighbouring columns of one text all the way down are joined once per part: the lines are
    those of each column's own texts, whether the runs open, close or fill the table."""
    import io

    columns = ["a", "b", "c", "d", "e", "f", "g"]
    for pattern in ["kkvkkvk", "kkkkkkk", "vvvvvvv", "vkvkkkk", "kvvvvvk", "vkkvkkv"]:
        rows = [{c: (f"{c}{i % 3}" if kind == "v" and i else None if c in "ab" else f"={c}")
                 for c, kind in zip(columns, pattern, strict=True)} for i in range(n_rows)]
        out = io.StringIO()
        write_tsv(out, columns, rows)
        want = ["\t".join(columns)] + ["\t".join(fmt(c, r.get(c)) for c in columns) for r in rows]
        assert out.getvalue() == "\n".join(want) + "\n"


def test_negative_zero_is_found_among_floats_and_none() -> None:
    from her2var.cohort.export import _has_negative_zero

    assert not _has_negative_zero([])
    assert not _has_negative_zero([None, 0.0, 1.5, float("nan"), -2.0, None])
    assert _has_negative_zero([None, 0.0, 1.5, -0.0])
    assert _has_negative_zero((-0.0,))


def test_columns_of_reads_missing_keys_as_empty_and_one_column_alone() -> None:
    rows = [{"a": 1, "b": "x"}, {"a": 2}]
    assert _columns_of(["a", "b"], rows) == [(1, 2), ("x", None)]
    assert _columns_of(["a"], rows) == [(1, 2)]
    assert _columns_of(["a", "b"], []) == [(), ()]


def test_write_tsv_writes_what_fmt_says(tmp_path) -> None:
    rng = random.Random(7)
    columns = ["patient_id", "age", "pfs_months", "treatment_start", "copy_number"]
    rows = [{c: rng.choice(TRICKY) for c in columns if rng.random() < 0.9} for _ in range(12_003)]
    path = tmp_path / "t.tsv"
    with open(path, "w", encoding="utf-8") as fh:
        write_tsv(fh, columns, rows)
    want = ["\t".join(columns)] + ["\t".join(fmt(c, r.get(c)) for c in columns) for r in rows]
    assert path.read_text(encoding="utf-8").split("\n")[:-1] == want


KINDS = {"EGFR": ("small_variants",), "KRAS": ("small_variants",), "ALK": ("fusion",), "MET": ("small_variants",
         "fusion"), "ZZZ": ()}


def _sample(rng: random.Random) -> SampleCalls | None:
    if rng.random() < 0.15:
        return None
    tested = None if rng.random() < 0.2 else {
        k: tuple(g for g in KINDS if rng.random() < 0.6) for k in ("small_variants", "fusion") if rng.random() < 0.8}
    calls = [{"gene": rng.choice([*KINDS, "ERBB2"]), "hgvs_p": rng.choice(["p.G12C", "p.L858R", ""]),
              "class": "point_mutation"} for _ in range(rng.randint(0, 3))]
    return SampleCalls(sample="S", patient="P", status=rng.choice(["ok", "ok", "error"]), calls=calls, tested=tested)


def test_codriver_cells_are_codriver_cell_for_each_gene() -> None:
    rng = random.Random(3)
    for _ in range(3000):
        s = _sample(rng)
        events = s.codriver_events() if s else {}
        want = {f"codriver_{g}": codriver_cell(s, g, events.get(g, []), k) for g, k in KINDS.items()}
        assert codriver_cells(s, events, KINDS) == want


def test_codriver_cells_made_once_per_testing_record_are_the_same() -> None:
    """With a memo, samples without co-driver events that share a testing record (one object, as
    the store gives them) get that record's cells; the others are made as without it."""
    rng = random.Random(5)
    records = [None, {}, {"small_variants": ("EGFR", "KRAS")}, {"small_variants": ("EGFR", "MET"), "fusion": ("ALK",
               "MET")}]
    memo: dict = {}
    for _ in range(3000):
        s = _sample(rng)
        if s is not None:
            s.tested = rng.choice(records)
            if rng.random() < 0.6:
                s.calls = [c for c in s.calls if c["gene"] == "ERBB2"]
        events = s.codriver_events() if s else {}
        want = {f"codriver_{g}": codriver_cell(s, g, events.get(g, []), k) for g, k in KINDS.items()}
        assert codriver_cells(s, events, KINDS, memo) == want
    assert 0 < len(memo) <= len(records)


def test_one_tier_per_event_gives_the_tiers_of_each_call() -> None:
    """Calls of the same event with other VAFs (the germline-like cap is per call) and notes."""
    rules = load_rules()
    base = [{"gene": "ERBB2", "class": "exon20_insertion", "hgvs_p": "p.Y772_A775dup",
             "hgvs_c": "NM_004448.4:c.2313_2324dup"},
            {"gene": "ERBB2", "class": "point_mutation", "hgvs_p": "p.V777L"},
            {"gene": "KRAS", "class": "point_mutation", "hgvs_p": "p.G12C"},
            {"gene": "EGFR", "class": "point_mutation", "hgvs_p": "p.R521K"},
            {"gene": "ERBB2", "class": "other", "hgvs_p": "", "hgvs_c": "NM_004448.4:c.2000+1G>A"},
            {"gene": "ERBB2", "class": "amplification", "hgvs_p": "", "copy_number": 9.0}]
    rng = random.Random(11)
    calls = []
    for _ in range(600):
        c = dict(rng.choice(base))
        c["vaf"] = rng.choice([None, "", 0.05, 0.3, 0.49, 0.5, 0.98, 1.0])
        c["notes"] = rng.choice(["", "splice region", "a;b"])
        calls.append(c)
    plain, memoised = copy.deepcopy(calls), copy.deepcopy(calls)
    memo: dict = {}
    assert [tier_call_dict(c, rules) for c in plain] == [tier_call_dict(c, rules, memo=memo) for c in memoised]
    assert plain == memoised
    assert 1 < len(memo) < len(calls)
    assert len({c["oncogenicity"] for c in plain}) > 1  # the calls are not all of one tier


def test_her2_cells_made_once_per_kind_of_sample_are_the_same() -> None:
    """The HER2 cells of a sample, shared by samples of the same status, flags and events, are what
    the per-sample derivations give; calls with other than texts (a damaged store) are not shared."""
    from her2var.classify.codrivers import driver_group_of
    from her2var.classify.tiers import policy
    from her2var.cohort.build import _her2_cells
    from her2var.cohort.derive import altered_classes, her2_status, her2_verdict, not_assessed_reason

    rules = load_rules()
    tiers = policy(rules)
    rng = random.Random(17)
    memo: dict = {}

    def call() -> dict:
        return {"gene": rng.choice(["ERBB2", "EGFR", "KRAS", None, 1]),
                "class": rng.choice(["exon20_insertion", "amplification", "point_mutation", ""]),
                "oncogenicity": rng.choice(["oncogenic", "likely_oncogenic", "uncertain", "", None, True]),
                "hgvs_p": rng.choice(["p.Y772_A775dup", "p.G12C", "", None, 1.0]), "hgvs_c": rng.choice(["", "c.1A>G"])}

    for _ in range(4000):
        s = None if rng.random() < 0.05 else SampleCalls(
            sample="S", patient="P", status=rng.choice(["ok", "ok", "error"]),
            classes=tuple(rng.sample(["exon20_insertion", "amplification"], rng.randint(0, 2))),
            assessed=rng.choice(["yes", "no", "unknown"]), cn_assessed=rng.choice(["yes", "no"]),
            calls=[call() for _ in range(rng.randint(0, 3))])
        altered, tier = her2_verdict(s, tiers.altered_tiers)
        drivers = [(c.get("gene"), c.get("class")) for c in s.calls if c.get("oncogenicity") in tiers.driver_tiers] \
            if s else []
        want = (her2_status(s), altered, tier, not_assessed_reason(s, tier),
                ";".join(altered_classes(s, tiers.altered_tiers)), ";".join(s.erbb2_events) if s else "",
                s.codriver_events() if s else {},
                driver_group_of(drivers, rules.driver_groups) if s and s.status == "ok" else "")
        assert _her2_cells(s, rules, memo) == want
        assert _her2_cells(s, rules) == want
    assert 0 < len(memo) < 4000


def test_texts_left_as_they_are_are_exactly_those_tsv_text_leaves() -> None:
    """The all-at-once check says 'unchanged' only when tsv_text changes none of the texts."""
    from her2var.files import tsv_text, tsv_texts_unchanged

    rng = random.Random(23)
    alphabet = ["a", "P0", "1", ".", " ", '"', "\u00a0", "=", "+", "-", "@", "\t", "\r", "\n", "'", "é", "\u2028"]
    seen = {True: 0, False: 0}
    for _ in range(20_000):
        texts = {"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(0, 3))}
        unchanged = tsv_texts_unchanged(texts)
        seen[unchanged] += 1
        if unchanged:
            assert all(tsv_text(t) == t for t in texts)
        elif not any(t.lstrip('" \u00a0')[:1] in ("+", "-") for t in texts):  # '-5' is left as it is
            assert any(tsv_text(t) != t for t in texts)
    assert seen[True] > 1000 and seen[False] > 1000
    ids = [f"P{i:06d}" for i in range(1000)]
    assert tsv_texts_unchanged(ids) and not tsv_texts_unchanged([*ids, "=cmd"])
    assert _column_text("patient_id", [*ids, None]) == [*ids, ""]
    assert _column_text("patient_id", [*ids, "-5", "=1+1", None]) == [*ids, "-5", "'=1+1", ""]


def _read_both(path, monkeypatch):
    """read_clinical as it is, and with every row read one by one (no column-by-column rows)."""
    from her2var.cohort import clinical
    from her2var.cohort.rules import load_clinical_rules, load_regimen_rules
    from her2var.errors import InputError

    crules, rrules = load_clinical_rules(), load_regimen_rules()
    out = []
    for fast in (True, False):
        with monkeypatch.context() as m:
            if not fast:
                m.setattr(clinical, "_clean_rows", lambda table, *a: [None] * len(table.rows))
            try:
                t = clinical.read_clinical(str(path), crules, rrules)
                out.append((t.patients, t.problems, t.date_format))
            except InputError as exc:
                out.append(str(exc))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_clean_rows_read_by_column_are_the_rows_read_one_by_one(tmp_path, monkeypatch, seed: int) -> None:
    """Tables mixing clean rows and rows with every kind of trouble (unknown words, ages out of range,
    unreadable dates, unknown drugs, metastasis lists, regimen columns, repeated ids): the same
    records, problems (in order) and errors as reading every row one by one."""
    rng = random.Random(seed)
    pools = {
        "patient_id": ["P1", "P2", "P3", "", "NA", "=P4", *[f"Q{i}" for i in range(40)]],
        "sex": ["M", "F", "male", "", "unknown", "x"], "age": ["63", "63,5", "", "NA", "150", "-1", "nan", "1e400"],
        "smoking": ["never", "former", "current", "", "sometimes"], "ecog": ["0", "1", "2", "", "9"],
        "stage": ["IV", "IVB", "IIIB", "", "V"], "histology": ["adenocarcinoma", "squamous", "", "mystery"],
        "brain_mets": ["yes", "no", "", "maybe", "NA"], "metastasis_sites": ["", "brain", "liver, bone", "moon"],
        "drugs": ["carboplatin + pemetrexed", "osimertinib", "", "unobtainium", "pyrotinib; docetaxel", "NA"],
        "regimen": ["", "C+I", "T", "Z"], "best_response": ["PR", "CR", "", "stable", "great"],
        "treatment_start": ["2021-01-05", "", "NA", "2020-12-01"],
        "progression_date": ["2021-06-01", "", "2022-01-01"], "death_date": ["", "2023-01-01", "2019-01-01"],
        "last_followup": ["2023-05-05", "", "2024-01-01"],
    }
    if seed % 3 == 2:  # an age that is not a number: an error listing the cells, after every row was read
        pools["age"].append("old")
    columns = [c for c in pools if c == "patient_id" or rng.random() < 0.8]
    clean = rng.random() < 0.5  # mostly clean rows, or trouble everywhere
    lines = [",".join(columns)]
    for _ in range(300):
        cells = [rng.choice(pools[c][:3] if clean and rng.random() < 0.97 else pools[c]) for c in columns]
        lines.append(",".join(f'"{v}"' for v in cells))
    path = tmp_path / "clinical.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast, slow = _read_both(path, monkeypatch)
    assert fast == slow
    assert isinstance(fast, str) == (seed % 3 == 2 and "age" in columns)


def test_paused_gc_hands_back_the_collector_with_the_new_objects_already_old() -> None:
    """After the pause the collector runs again, the objects made meanwhile wait for a full
    collection (not the next young one), and objects the program froze stay frozen."""
    import gc

    from her2var.cohort.build import paused_gc

    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        kept = [[i] for i in range(50_000)]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert gc.get_count()[0] < 1000  # not 50,000 young objects to scan at the next allocation
    frozen = [[i] for i in range(100)]
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with paused_gc():
            kept += [[i] for i in range(1000)]
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()
    assert len(kept) == 51_000 and frozen


@settings(max_examples=200, derandomize=True, database=None)
@given(rows=st.lists(st.fixed_dictionaries({c: st.one_of(st.none(), *_KINDS) for c in
                                            ("patient_id", "age", "pfs_months", "copy_number")}), max_size=40))
def test_write_records_writes_what_write_tsv_writes_of_the_same_rows(rows) -> None:
    import io

    columns = ["patient_id", "age", "pfs_months", "copy_number"]
    want, got = io.StringIO(), io.StringIO()
    write_tsv(want, columns, rows)
    write_records(got, columns, [tuple(r[c] for c in columns) for r in rows])
    assert got.getvalue() == want.getvalue()


def test_write_records_refuses_records_of_another_length() -> None:
    import io

    with pytest.raises(ValueError):
        write_records(io.StringIO(), ["a", "b"], [("x", "y"), ("x", "y", "z")])
    with pytest.raises(ValueError):
        write_records(io.StringIO(), ["a", "b", "c"], [("x", "y"), ("x", "y")])
