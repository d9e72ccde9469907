"""The cohort build's shortcuts for 100,000 patients give exactly what the plain per-value code
gives: formatting each distinct value once per column, reading the columns of all rows at once,
the co-driver cells of a row at once, and one tier per distinct event."""

from __future__ import annotations

import copy
import datetime as dt
import random

import pytest

from her2var.classify.tiers import tier_call_dict
from her2var.cohort.calls import SampleCalls
from her2var.cohort.export import _column_text, _columns_of, fmt, write_tsv
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
