"""Log-rank and p-value adjustment on hand-checkable cases."""

from __future__ import annotations

import numpy as np
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


def loop_survdiff(t, e, g, levels):
    """Reference: survdiff's sums written as a loop over event times (the textbook form)."""
    t, e, g = np.asarray(t, float), np.asarray(e, int), np.asarray(g)
    k = len(levels)
    o, ex, v = np.zeros(k), np.zeros(k), np.zeros((k, k))
    for u in np.unique(t[e == 1]):
        nj = np.array([np.sum((t >= u) & (g == lv)) for lv in levels], float)
        dj = np.array([np.sum((t == u) & (e == 1) & (g == lv)) for lv in levels], float)
        n, d = nj.sum(), dj.sum()
        o += dj
        ex += d * nj / n
        if n > 1:
            v += d * (n - d) / (n * n * (n - 1)) * (np.diag(nj) * n - np.outer(nj, nj))
    keep = ex > 0
    diff = (o - ex)[keep][1:]
    return o, ex, float(diff @ np.linalg.solve(v[np.ix_(keep, keep)][1:, 1:], diff))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_sums_equal_the_loop_over_event_times(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    g = rng.choice(["a", "b", "c", "d"], n)
    t = rng.integers(0, 40, n).astype(float)  # many ties, time 0 included
    e = (rng.uniform(size=n) < 0.6).astype(int)
    e[g == "d"] = 0  # a group without events: still at risk, so expected > 0 and it stays in
    levels = ["a", "b", "c", "d"]
    o, ex, chisq = loop_survdiff(t, e, g, levels)
    res = logrank_test(t, e, g, levels=levels)
    np.testing.assert_allclose(res.observed, o, rtol=0, atol=0)
    np.testing.assert_allclose(res.expected, ex, rtol=1e-12)
    assert res.chisq == pytest.approx(chisq, rel=1e-10) and res.df == 3
    pairs = pairwise_logrank(t, e, g, adjust="none", levels=levels)
    for r in pairs:
        k = (g == r.group1) | (g == r.group2)
        assert r.chisq == pytest.approx(loop_survdiff(t[k], e[k], g[k], [r.group1, r.group2])[2], rel=1e-10)


def test_group_whose_patients_leave_before_the_first_event_is_dropped_like_survdiff() -> None:
    # Group c is censored before any event: expected 0, so it leaves the test (df 1, not 2).
    res = logrank_test([5, 6, 7, 8, 1, 1], [1, 1, 1, 0, 0, 0], list("aabbcc"))
    assert res.expected[2] == 0 and res.df == 1 and res.p is not None
