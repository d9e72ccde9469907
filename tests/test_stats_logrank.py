"""Log-rank and p-value adjustment on hand-checkable cases."""

from __future__ import annotations

import pytest

from her2var.errors import InputError
from her2var.stats.logrank import logrank_test, p_adjust, pairwise_logrank


def test_two_group_logrank_by_hand() -> None:
    # A dies at 1 and 2, B at 3 and 4. At t=1: 4 at risk (2 A), E_A = 1/2, V = 1·3/(16·3)·2·2 = 1/4.
    # At t=2: 3 at risk (1 A), E_A += 1/3, V += 1·2/(9·2)·1·2 = 2/9. Later times: no A at risk.
    # O_A - E_A = 2 - 5/6 = 7/6, V = 17/36, chisq = (49/36) / (17/36) = 49/17.
    res = logrank_test([1, 2, 3, 4], [1, 1, 1, 1], ["A", "A", "B", "B"])
    assert res.chisq == pytest.approx(49 / 17)
    assert res.df == 1 and res.test == "log-rank"
    assert res.observed == (2.0, 2.0)
    assert res.expected == pytest.approx((5 / 6, 19 / 6))


def test_identical_groups_give_zero() -> None:
    res = logrank_test([1, 2, 1, 2], [1, 0, 1, 0], ["a", "a", "b", "b"])
    assert res.chisq == pytest.approx(0.0, abs=1e-15) and res.p == pytest.approx(1.0)


def test_no_events_is_a_labelled_non_result() -> None:
    res = logrank_test([1, 2, 3], [0, 0, 0], ["a", "b", "b"])
    assert res.p is None and "fewer than two groups" in res.note


def test_three_groups_have_two_df_and_order_follows_levels() -> None:
    res = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 0], list("aabbcc"), levels=["c", "b", "a"])
    assert res.groups == ("c", "b", "a") and res.df == 2 and res.n == (2, 2, 2)


def test_single_group_rejected() -> None:
    with pytest.raises(InputError, match="at least two groups"):
        logrank_test([1, 2], [1, 1], ["a", "a"])


@pytest.mark.parametrize("method, expected", [
    ("holm", [0.03, 0.06, 0.06]),
    ("BH", [0.03, 0.04, 0.04]),
    ("bonferroni", [0.03, 0.12, 0.09]),
    ("none", [0.01, 0.04, 0.03]),
])
def test_p_adjust_by_hand(method: str, expected: list[float]) -> None:
    assert p_adjust([0.01, 0.04, 0.03], method) == pytest.approx(expected)


def test_p_adjust_skips_missing_like_r() -> None:
    assert p_adjust([None, 0.01, 0.04], "holm") == [None, pytest.approx(0.02), pytest.approx(0.04)]
    assert p_adjust([0.5, 0.9], "holm") == [pytest.approx(1.0), pytest.approx(1.0)]
    with pytest.raises(InputError, match="'fdr' is not supported"):
        p_adjust([0.1], "fdr")


def test_pairwise_pairs_and_adjustment_named() -> None:
    rows = pairwise_logrank([1, 2, 3, 4, 5, 6], [1] * 6, list("aabbcc"), adjust="BH")
    assert [(r.group1, r.group2) for r in rows] == [("a", "b"), ("a", "c"), ("b", "c")]
    assert all(r.adjust == "BH" and r.p_adjusted >= r.p for r in rows)
    # a vs b alone is the hand-checked case above
    assert rows[0].chisq == pytest.approx(49 / 17)
