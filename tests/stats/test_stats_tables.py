"""Exact Fisher r×c, chi-square choice, Clopper–Pearson, ORR/DCR and Table 1 cells."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import fisher_exact

import her2var.stats.fisher as fisher
from her2var.errors import InputError
from her2var.stats.fisher import FisherTooLarge, fisher_exact_rxc
from her2var.stats.tables import (
    clopper_pearson,
    compare_categorical,
    compare_continuous,
    compare_table,
    median_range,
    n_percent,
    response_rates,
)


def brute_force_fisher(table: np.ndarray) -> float:
    """Every table with the same margins, by direct enumeration (tiny tables only)."""
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    total = int(table.sum())
    logf = [math.lgamma(k + 1) for k in range(total + 1)]
    const = sum(logf[r] for r in rows) + sum(logf[c] for c in cols) - logf[total]

    def prob(t: np.ndarray) -> float:
        return math.exp(const - sum(logf[x] for x in t.ravel()))

    p_obs, p = prob(table), 0.0
    r, c = table.shape
    for cells in itertools.product(*(range(min(rows[i], cols[j]) + 1)
                                     for i in range(r - 1) for j in range(c - 1))):
        t = np.zeros((r, c), dtype=int)
        t[:-1, :-1] = np.array(cells).reshape(r - 1, c - 1)
        t[:-1, -1] = rows[:-1] - t[:-1, :-1].sum(axis=1)
        t[-1, :] = cols - t[:-1, :].sum(axis=0)
        if (t < 0).any():
            continue
        q = prob(t)
        if q <= p_obs * (1 + 1e-7):
            p += q
    return p


@pytest.mark.parametrize("table, expected", [
    ([[3, 1], [1, 3]], 34 / 70),            # hypergeometric 1,16,36,16,1 over 70
    ([[0, 5], [5, 0]], 2 / 252),            # the two extreme tables of C(10,5)
    ([[2, 2], [2, 2]], 1.0),
    ([[4], [7]], 1.0),                      # one column: nothing to test
    ([[0, 0, 0], [1, 2, 3], [3, 2, 1]], None),  # zero row ignored: same as the 2x3 table
])
def test_fisher_hand_cases(table: list, expected: float | None) -> None:
    if expected is None:
        expected = fisher_exact_rxc([[1, 2, 3], [3, 2, 1]])
    assert fisher_exact_rxc(table) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("table", [[[10, 2], [3, 15]], [[1, 9], [11, 3]], [[0, 7], [4, 1]], [[20, 25], [22, 18]]])
def test_fisher_2x2_agrees_with_scipy(table: list) -> None:
    assert fisher_exact_rxc(table) == pytest.approx(fisher_exact(table)[1], rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 3), st.integers(2, 4), st.data())
def test_fisher_equals_brute_force(r: int, c: int, data: st.DataObject) -> None:
    cells = data.draw(st.lists(st.integers(0, 4), min_size=r * c, max_size=r * c))
    table = np.array(cells).reshape(r, c)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return
    assert fisher_exact_rxc(table) == pytest.approx(brute_force_fisher(table), rel=1e-9, abs=1e-15)


def test_fisher_6x2_and_3x3_with_n_120_are_fast() -> None:
    import time

    start = time.perf_counter()
    fisher_exact_rxc([[2, 18], [9, 11], [14, 6], [1, 19], [10, 10], [4, 16]])
    fisher_exact_rxc([[2, 8, 20], [15, 25, 10], [23, 7, 10]])
    assert time.perf_counter() - start < 5.0


def test_fisher_refuses_instead_of_approximating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fisher, "MAX_COLUMN_SPLITS", 10)
    with pytest.raises(FisherTooLarge, match="collapse sparse categories"):
        fisher_exact_rxc([[5, 6, 7], [8, 9, 10], [3, 4, 5]])
    out = compare_table([[1, 6, 7], [8, 9, 10], [3, 4, 5]])
    assert out["test"] == "fisher" and out["p"] is None and "collapse" in out["note"]


@pytest.mark.parametrize("table", [[[1, -1], [2, 3]], [[1.5, 1], [2, 3]], [1, 2, 3]])
def test_bad_tables_rejected(table: list) -> None:
    with pytest.raises(InputError, match="contingency table"):
        fisher_exact_rxc(table)


def test_chi_square_without_correction_when_expected_all_at_least_5() -> None:
    # expected 15 everywhere: chisq = 4 · 25/15 = 20/3, df 1 (no Yates correction)
    out = compare_table([[20, 10], [10, 20]])
    assert out["test"] == "chi-square" and out["df"] == 1
    assert out["statistic"] == pytest.approx(20 / 3)
    assert out["p"] == pytest.approx(math.erfc(math.sqrt(20 / 3 / 2)))
    assert out["expected_min"] == 15


def test_fisher_chosen_below_5_and_zero_rows_dropped() -> None:
    out = compare_table([[3, 1], [0, 0], [1, 3]])
    assert out["test"] == "fisher" and out["p"] == pytest.approx(34 / 70)
    assert "dropped 1 all-zero row(s)" in out["note"] and out["expected_min"] == 2


def test_compare_categorical_levels_and_missing() -> None:
    out = compare_categorical(["yes", "no", None, "yes", float("nan"), "no"], ["a", "a", "a", "b", "b", "b"])
    assert out["levels"] == ["no", "yes"] and out["groups"] == ["a", "b"]
    assert out["table"] == [[1, 1], [1, 1]] and out["n_missing"] == 2
    one_level = compare_categorical(["x", "x"], ["a", "b"])
    assert one_level["p"] is None and "nothing to compare" in one_level["note"]


@pytest.mark.parametrize("x, n, lower, upper", [
    (0, 10, 0.0, 1 - 0.025 ** (1 / 10)),
    (10, 10, 0.025 ** (1 / 10), 1.0),
    (1, 1, 0.025, 1.0),
    (0, 1, 0.0, 0.975),
])
def test_clopper_pearson_closed_forms(x: int, n: int, lower: float, upper: float) -> None:
    ci = clopper_pearson(x, n)
    assert (ci.lower, ci.upper) == pytest.approx((lower, upper), rel=1e-12)
    assert ci.rate == x / n and ci.ci_method == "clopper-pearson"


@pytest.mark.parametrize("x, n", [(-1, 5), (6, 5), (1, 0), (1.5, 3)])
def test_clopper_pearson_rejects_impossible_counts(x: float, n: int) -> None:
    with pytest.raises(InputError, match="proportion"):
        clopper_pearson(x, n)


def test_orr_dcr_denominators() -> None:
    br = ["CR", "PR", "SD", "PD", "NE", "pr ", "SD", "NE"]
    grp = ["a"] * 5 + ["b"] * 3
    all_ = response_rates(br, grp)
    a = all_["groups"][0]
    assert all_["denominator"] == "all" and a["n"] == 5 and a["n_treated"] == 5
    assert (a["orr"]["x"], a["orr"]["n"], a["dcr"]["x"]) == (2, 5, 3)
    ev = response_rates(br, grp, denominator="evaluable")["groups"][1]
    assert ev["n"] == 2 and ev["orr"]["rate"] == 0.5 and ev["dcr"]["rate"] == 1.0
    only_ne = response_rates(["NE"], denominator="evaluable")["groups"][0]
    assert only_ne["n"] == 0 and only_ne["orr"] is None


def test_orr_rejects_unknown_codes() -> None:
    with pytest.raises(InputError, match=r"best_response\[1\] = 'iCR'"):
        response_rates(["CR", "iCR"])
    with pytest.raises(InputError, match="denominator 'evaluated'"):
        response_rates(["CR"], denominator="evaluated")


def test_continuous_tests_named() -> None:
    two = compare_continuous([1, 2, 3, 4, 5, 6], list("aaabbb"))
    assert two["test"] == "Mann-Whitney U (exact)" and two["statistic"] == 0.0
    assert two["p"] == pytest.approx(0.1)  # 2 / C(6,3)
    three = compare_continuous([1, 2, 3, 4, 5, 6, float("nan")], list("aabbccc"))
    assert three["test"] == "Kruskal-Wallis" and three["df"] == 2 and three["n_missing"] == 1
    with pytest.raises(InputError, match="ties"):
        compare_continuous([1, 1, 2, 3], list("aabb"), exact=True)


@pytest.mark.parametrize("count, total, text", [(27, 118, "27 (22.9%)"), (0, 5, "0 (0.0%)"), (0, 0, "0 (NA)")])
def test_n_percent(count: int, total: int, text: str) -> None:
    assert n_percent(count, total) == text


def test_median_range() -> None:
    assert median_range([45, 62, float("nan"), 78]) == "62.0 (45.0\u201378.0)"
    assert median_range([float("nan")]) == "NA"
    assert median_range([50, 61], digits=0) == "56 (50\u201361)"
