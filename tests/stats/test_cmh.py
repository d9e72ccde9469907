"""Cochran–Mantel–Haenszel tests against R's mantelhaen.test (tests/golden/expected_cmh.json, written
by tests/golden/make_golden_cmh.R): 2×2×K with and without the continuity correction, one-sided
alternatives, the exact conditional test with its estimate and CI, and the generalized I×J×K test,
on tables with zero cells, an empty row in a stratum, one stratum, many strata and strata too
small to count. Every number agrees with R's to 1e-9 (relative); 0, Inf and NaN exactly.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from her2var.errors import InputError
from her2var.stats.cmh import cmh_test, uniroot

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden" / "expected_cmh.json").read_text())
CASES = GOLDEN["cases"]
ANSWERED = [name for name, c in CASES.items() if "r_error" not in c and c["statistic"] != "NaN"]
REFUSED = [name for name in CASES if name not in ANSWERED]


def _number(v: float | str) -> float:
    return float(v)  # "Inf", "-Inf" and "NaN" are written as strings


def _same(got: float | None, want: float | str) -> bool:
    assert got is not None
    w = _number(want)
    if math.isnan(w) or math.isinf(w) or w == 0:
        return got == w or (math.isnan(got) and math.isnan(w))
    return got == pytest.approx(w, rel=1e-9, abs=0)


def _run(case: dict):
    return cmh_test(np.array(case["table"]), correct=case["correct"], exact=case["exact"],
                    alternative=case["alternative"], conf_level=case["conf_level"])


@pytest.mark.parametrize("name", ANSWERED)
def test_agrees_with_r(name: str) -> None:
    case = CASES[name]
    got = _run(case)
    assert got.method == case["method"]
    assert _same(got.statistic, case["statistic"]), (got.statistic, case["statistic"])
    assert _same(got.p, case["p"]), (got.p, case["p"])
    assert got.df == case.get("df")  # none for the exact test
    assert list(got.strata_dropped) == case["dropped"]
    if "estimate" in case:
        assert _same(got.estimate, case["estimate"]), (got.estimate, case["estimate"])
        assert _same(got.ci_low, case["ci"][0]), (got.ci_low, case["ci"][0])
        assert _same(got.ci_high, case["ci"][1]), (got.ci_high, case["ci"][1])
    else:
        assert got.estimate is None and got.ci_low is None and got.ci_high is None


@pytest.mark.parametrize("name", REFUSED)
def test_tables_r_gives_no_number_for_are_refused(name: str) -> None:
    case = CASES[name]
    with pytest.raises(InputError, match=r"singular|no variance"):
        _run(case)


def test_the_golden_cases_cover_the_hard_tables() -> None:
    """Each adversarial kind is in the R file, so a regenerated file cannot silently lose one."""
    shapes = {name: np.array(c["table"]).shape for name, c in CASES.items()}
    assert any(s[2] == 1 and s[:2] == (2, 2) for s in shapes.values())  # K = 1
    assert any(s[2] == 1 and s[:2] != (2, 2) for s in shapes.values())  # generalized, K = 1
    assert max(s[2] for s in shapes.values()) >= 100  # large K
    assert any(s[0] > 2 and s[1] > 2 for s in shapes.values())  # I x J x K with I, J > 2
    assert {c["dropped"] != [] for c in CASES.values()} == {True, False}  # strata too small to count
    for name in ("zero_cells/correct", "offdiag_zero/exact", "diag_zero/correct", "stratum_row_margin_zero/exact",
                 "small_delta/correct", "exact_at_lo", "exact_at_hi", "rabbits/exact_less", "gen_zero_cells"):
        assert name in ANSWERED, name
    row_margin = np.array(CASES["stratum_row_margin_zero/correct"]["table"])
    assert (row_margin.sum(axis=1) == 0).any()  # a stratum with one row margin zero
    assert _number(CASES["offdiag_zero/correct"]["estimate"]) == math.inf
    assert _number(CASES["diag_zero/correct"]["estimate"]) == 0
    assert CASES["small_delta/correct"]["method"].endswith("without continuity correction")
    assert "singular" in CASES["gen_empty_level"]["r_error"]


def test_a_stratum_too_small_to_count_is_dropped_and_named() -> None:
    case = CASES["small_strata/correct"]
    table = np.array(case["table"])
    got = cmh_test(table)
    assert got.strata_dropped == (1, 3) and got.strata == table.shape[2] - 2
    assert got.n == int(table.sum()) - 1
    without = cmh_test(np.delete(table, [1, 3], axis=2))
    assert (got.statistic, got.p, got.estimate) == (without.statistic, without.p, without.estimate)


def test_strata_order_and_transposing_change_nothing_and_swapping_rows_inverts_the_odds_ratio() -> None:
    table = np.array(CASES["rabbits/correct"]["table"])
    base = cmh_test(table)
    shuffled = cmh_test(table[:, :, [3, 0, 4, 2, 1]])
    assert shuffled.statistic == pytest.approx(base.statistic, rel=1e-12)
    assert shuffled.estimate == pytest.approx(base.estimate, rel=1e-12)
    transposed = cmh_test(table.transpose(1, 0, 2))
    assert transposed.statistic == pytest.approx(base.statistic, rel=1e-12)
    assert transposed.estimate == pytest.approx(base.estimate, rel=1e-12)
    swapped = cmh_test(table[::-1])
    assert swapped.estimate == pytest.approx(1 / base.estimate, rel=1e-12)
    assert swapped.ci_low == pytest.approx(1 / base.ci_high, rel=1e-12)
    exact = cmh_test(table, exact=True)
    exact_swapped = cmh_test(table[::-1], exact=True)
    assert exact_swapped.p == pytest.approx(exact.p, rel=1e-9)


@pytest.mark.parametrize("name", list(GOLDEN["uniroot"]))
def test_root_finder_takes_r_s_steps(name: str) -> None:
    functions = {
        "square_root_of_2": lambda x: x ** 2 - 2,
        "cosine_minus_x": lambda x: math.cos(x) - x,
        "steep_logistic": lambda x: 1 / (1 + math.exp(-40 * (x - 0.3))) - 0.5,
        "cubic_at_end": lambda x: x ** 3 - 1,
    }
    want = GOLDEN["uniroot"][name]
    root = uniroot(functions[name], want["lower"], want["upper"])
    assert root == pytest.approx(want["root"], rel=1e-12, abs=1e-15)


def test_r_s_roots_are_only_as_close_as_its_tolerance() -> None:
    """So a finder that merely converged further would fail the test above."""
    assert abs(GOLDEN["uniroot"]["square_root_of_2"]["root"] - math.sqrt(2)) > 1e-8


@pytest.mark.parametrize("table,message", [
    ([[1, 2], [3, 4]], "expected 3 dimensions"),
    (np.ones((2, 2, 2)) * -1, "non-negative whole counts"),
    (np.full((2, 2, 2), 1.5), "non-negative whole counts"),
    (np.full((2, 2, 2), np.nan), "non-negative whole counts"),
    (np.ones((1, 2, 3)), "1 row\\(s\\) and 2 column\\(s\\); each needs at least 2 levels"),
    (np.ones((2, 2, 0)), "no strata"),
    (np.array([[[1, 0], [0, 0]], [[0, 0], [0, 1]]]), "none of the 2 strata has 2 or more observations"),
    ([[["a"]]], "expected counts"),
])
def test_bad_tables_are_refused_with_the_reason(table, message: str) -> None:
    with pytest.raises(InputError, match=message):
        cmh_test(table)


def test_bad_options_are_refused() -> None:
    table = np.array(CASES["her2_type_4x2x5"]["table"])
    with pytest.raises(InputError, match="exact conditional test is for 2 x 2 x K"):
        cmh_test(table, exact=True)
    with pytest.raises(InputError, match="one-sided alternative is for 2 x 2 x K tables only"):
        cmh_test(table, alternative="less")
    with pytest.raises(InputError, match="alternative 'sideways'"):
        cmh_test(np.array(CASES["rabbits/correct"]["table"]), alternative="sideways")
    with pytest.raises(InputError, match="conf_level"):
        cmh_test(np.array(CASES["rabbits/correct"]["table"]), conf_level=1.0)
