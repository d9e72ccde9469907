"""Exact r×c Fisher test against R's fisher.test(workspace = 2e8) on the table sizes Table 1 and the
response tables meet (tests/golden/expected_fisher.json, written by tests/golden/make_golden_fisher.R).

R's FEXACT merges partial-table probabilities that agree to about 3e-7 (in log units), so its
p-values carry errors of a few 1e-9; the exact sum here agrees with them to 1e-8.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from her2var.stats.fisher import FisherTooLarge, fisher_exact_rxc
from her2var.stats.tables import compare_table

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
EXPECTED = json.loads((GOLDEN / "expected_fisher.json").read_text())["tables"]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_exact_fisher_matches_r_with_a_large_workspace(name: str) -> None:
    exp = EXPECTED[name]
    table = np.array(exp["table"])
    assert exp["p"] is not None
    assert fisher_exact_rxc(table) == pytest.approx(exp["p"], rel=1e-8)
    if exp["r_seconds"] < 1:  # the same table transposed, where it is quick
        assert fisher_exact_rxc(table.T) == pytest.approx(exp["p"], rel=1e-8)


def test_golden_tables_include_those_r_needs_many_seconds_for() -> None:
    shapes = {tuple(np.array(e["table"]).shape) for e in EXPECTED.values()}
    assert {(4, 6), (5, 6), (2, 6), (7, 3)} <= shapes
    assert max(e["r_seconds"] for e in EXPECTED.values()) > 10
    assert all(sum(map(sum, e["table"])) >= 60 for e in EXPECTED.values())


def test_table_one_uses_the_exact_p_on_a_sparse_5x6_table() -> None:
    exp = EXPECTED["ecog_5x6"]
    got = compare_table(exp["table"])
    assert got["test"] == "fisher" and got["p"] == pytest.approx(exp["p"], rel=1e-8) and got["note"] == ""


def test_beyond_the_work_limit_the_test_is_refused_promptly() -> None:
    # 5x6, n = 143, every row well filled: R's fisher.test(workspace = 2e8) had not answered after
    # eight minutes. The refusal names the size and the way out, and comes within seconds.
    table = [[10, 3, 9, 13, 3, 0], [21, 6, 12, 12, 4, 5], [4, 3, 6, 5, 1, 3], [5, 0, 1, 2, 1, 1],
             [2, 2, 1, 5, 3, 0]]
    start = time.process_time()
    with pytest.raises(FisherTooLarge, match="5x6 table with n=143 needs more than .*collapse sparse categories"):
        fisher_exact_rxc(table)
    assert time.process_time() - start < 60
