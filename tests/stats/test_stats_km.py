"""Kaplan–Meier curves, medians, landmarks and follow-up on hand-checkable data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2var.errors import InputError
from her2var.stats._checks import merge_near_ties
from her2var.stats.km import (
    confidence_band,
    kaplan_meier,
    kaplan_meier_by_group,
    survival_at,
)
from her2var.stats.quantiles import km_summary, median_follow_up, median_survival


def test_survival_and_greenwood_by_hand() -> None:
    # t=1: 4 at risk, 1 dies -> S=3/4, sum d/(n(n-d)) = 1/12
    # t=2: 3 at risk, 1 dies, 1 censored -> S=1/2, sum = 1/12 + 1/6 = 1/4 -> se(log S) = 1/2
    # t=3: 1 at risk, dies -> S=0, Greenwood infinite
    c = kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1])
    assert c.time.tolist() == [1, 2, 3]
    assert c.n_risk.tolist() == [4, 3, 1]
    assert c.n_event.tolist() == [1, 1, 1]
    assert c.n_censor.tolist() == [0, 1, 0]
    assert c.surv.tolist() == pytest.approx([0.75, 0.5, 0.0])
    assert c.std_err_log[:2].tolist() == pytest.approx([math.sqrt(1 / 12), 0.5])
    assert math.isinf(c.std_err_log[2])
    assert c.std_err[1] == pytest.approx(0.25)
    assert (c.n, c.events) == (4, 3)


def test_log_band_by_hand_and_undefined_at_zero() -> None:
    c = kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1])
    z = 1.959963984540054
    assert c.lower[1] == pytest.approx(0.5 * math.exp(-z * 0.5))
    assert c.upper[1] == 1.0  # 0.5·exp(0.98) > 1 is capped
    assert math.isnan(c.lower[2]) and math.isnan(c.upper[2])


@pytest.mark.parametrize("time, event, rule, expected", [
    # S = 0.5 on [2, 3): midpoint of the flat stretch
    ([1, 2, 3, 4], [1, 1, 1, 1], "quantile", 2.5),
    ([1, 2, 3, 4], [1, 1, 1, 1], "print", 2.5),
    # odd n, no censoring: the middle time
    ([1, 2, 3, 4, 5], [1, 1, 1, 1, 1], "quantile", 3.0),
    # S = 0.5 from 2 to the end (censored at 4): rules differ
    ([1, 2, 3, 4], [1, 1, 0, 0], "quantile", 3.0),
    ([1, 2, 3, 4], [1, 1, 0, 0], "print", 2.0),
    # S never reaches 0.5: not reached
    ([1, 2, 3, 4], [1, 0, 0, 0], "quantile", None),
    ([1, 2, 3, 4], [0, 0, 0, 0], "print", None),
    # ten deaths: (9/10)(8/9)...(5/6) is 0.5 only up to rounding; R's tolerance still applies
    (list(range(1, 11)), [1] * 10, "quantile", 5.5),
])
def test_median_rules(time: list, event: list, rule: str, expected: float | None) -> None:
    med = median_survival(kaplan_meier(time, event), "log", rule=rule)
    assert med.median == expected
    assert med.ci_method == "log" and med.rule == rule


def test_not_reached_bounds_are_none_not_infinity() -> None:
    med = median_survival(kaplan_meier([1, 2, 3, 4, 5, 6], [1, 0, 0, 1, 0, 0]), "log")
    assert med.median is None and med.upper is None
    assert med.note == "median not reached"
    assert med.formatted() == f"NR ({'NR' if med.lower is None else f'{med.lower:.1f}'}\u2013NR)"


def test_upper_bound_not_reached_while_median_is() -> None:
    c = kaplan_meier(list(range(1, 21)), [1] * 11 + [0] * 9)
    med = median_survival(c, "log")
    assert med.median == 10.5 and med.lower == 7.0 and med.upper is None
    assert med.formatted() == "10.5 (7.0\u2013NR)"


def test_spss_median_se_by_hand() -> None:
    # Ten deaths at 1..10: median 5 (first S <= 0.5); u = 4 (S=0.6), l = 6 (S=0.4),
    # f = (0.6 - 0.4) / (6 - 4) = 0.1; Greenwood se(S(5)) = sqrt(0.25 · 0.1) = 0.158114
    med = median_survival(kaplan_meier(list(range(1, 11)), [1] * 10), "spss")
    se = math.sqrt(0.025) / 0.1
    assert med.median == 5.0 and med.ci_method == "spss"
    assert med.se == pytest.approx(se)
    assert med.lower == pytest.approx(5 - 1.96 * se) and med.upper == pytest.approx(5 + 1.96 * se)


def test_spss_negative_lower_bound_is_clamped_at_zero() -> None:
    # Deaths at 1 and 5: median 1, u = 0 (S=1), l = 5 (S=0), f = 0.2, se(S(1)) = 0.5 sqrt(1/2):
    # median - 1.96 SE = 1 - 3.46 < 0, and a survival time cannot be negative.
    med = median_survival(kaplan_meier([1, 5], [1, 1]), "spss")
    se = 0.5 * math.sqrt(0.5) / 0.2
    assert med.median == 1.0 and med.se == pytest.approx(se)
    assert med.lower == 0.0 and med.upper == pytest.approx(1 + 1.96 * se)
    assert "clamped at 0" in med.note


def test_spss_se_not_estimable_when_curve_stops_above_045() -> None:
    med = median_survival(kaplan_meier([1, 2, 3, 4], [1, 1, 0, 0]), "spss")
    assert med.median == 2.0 and med.se is None and med.lower is None
    assert "0.45" in med.note


def test_spss_rejects_other_levels() -> None:
    with pytest.raises(InputError, match="95%"):
        median_survival(kaplan_meier([1, 2], [1, 1], conf_level=0.9), "spss")


def test_landmarks_before_between_and_beyond() -> None:
    c = kaplan_meier([2, 4, 4, 6], [1, 1, 0, 0])
    before, between, at_end, beyond = survival_at(c, [1, 3, 6, 7])
    assert (before.surv, before.lower, before.upper, before.n_risk) == (1.0, 1.0, 1.0, 4)
    assert between.surv == pytest.approx(0.75) and between.n_risk == 3
    assert at_end.surv == pytest.approx(0.5)  # 3/4 · 2/3
    assert beyond.surv is None and "beyond last follow-up" in beyond.note


def test_reverse_km_follow_up_swaps_events() -> None:
    # censorings at 3, 5, 8 are the "events" of the follow-up curve
    time, event = [1, 3, 4, 5, 8], [1, 0, 1, 0, 0]
    fu = median_follow_up(time, event)
    direct = median_survival(kaplan_meier(time, [0, 1, 0, 1, 1]), "log")
    assert fu.median == direct.median == 5.0
    assert fu.label.startswith("follow-up")


def test_groups_in_given_order_and_empty_level_rejected() -> None:
    curves = kaplan_meier_by_group([1, 2, 3, 4], [1, 1, 0, 1], ["b", "a", "b", "a"], levels=["b", "a"])
    assert list(curves) == ["b", "a"] and curves["b"].n == 2
    with pytest.raises(InputError, match=r"\['c'\] have no observations"):
        kaplan_meier_by_group([1, 2], [1, 1], ["a", "b"], levels=["a", "b", "c"])


@pytest.mark.parametrize("time, event, message", [
    ([1, -2], [1, 1], r"time\[1\] = -2: expected a finite time >= 0"),
    ([1, float("nan")], [1, 1], r"time\[1\] = nan"),
    ([1, 2], [1, 2], r"event\[1\] = 2: expected 0 \(censored\) or 1 \(event\)"),
    ([1, 2], [1], "differ in length: 2 times, 1 event flags"),
    ([], [], "no observations"),
    (["a"], [1], "not numeric"),
])
def test_bad_input_says_what_was_found(time: list, event: list, message: str) -> None:
    with pytest.raises(InputError, match=message):
        kaplan_meier(time, event)


def test_missing_group_label_and_bad_conf_type() -> None:
    with pytest.raises(InputError, match=r"group\[1\] is missing"):
        kaplan_meier_by_group([1, 2], [1, 1], ["a", None])
    with pytest.raises(InputError, match="conf_type 'logit'"):
        kaplan_meier([1, 2], [1, 1], conf_type="logit")
    with pytest.raises(InputError, match="median method"):
        median_survival(kaplan_meier([1, 2], [1, 1]), "arcsin")


def test_near_ties_merged_as_r() -> None:
    t = np.array([1.0, 1.0 + 1e-12, 2.0])
    assert merge_near_ties(t).tolist() == [1.0, 1.0, 2.0]
    c = kaplan_meier(t, [1, 1, 1])
    assert c.n_event.tolist() == [2, 1]


def test_km_summary_is_plain_data_with_method_label() -> None:
    out = km_summary([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 0], ["a", "a", "a", "b", "b", "b"],
                     landmarks=[2], method="log-log")
    assert out["ci_method"] == "log-log" and out["rule"] == "quantile"
    a = out["groups"][0]
    assert (a["group"], a["n"], a["events"], a["median"]) == ("a", 3, 3, 2.0)
    assert a["landmarks"][0]["surv"] == pytest.approx(1 / 3)
    assert km_summary([1, 2], [1, 1], method="spss")["rule"] == "spss"


def test_band_transforms_agree_at_a_point() -> None:
    s, se = np.array([0.6]), np.array([0.2])
    z = 1.959963984540054
    lo, hi = confidence_band(s, se, "plain")
    assert (lo[0], hi[0]) == pytest.approx((0.6 - z * 0.12, 0.6 + z * 0.12))
    lo, hi = confidence_band(s, se, "log-log")
    assert lo[0] == pytest.approx(0.6 ** math.exp(-z * 0.2 / math.log(0.6)))
    assert hi[0] == pytest.approx(0.6 ** math.exp(z * 0.2 / math.log(0.6)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.booleans()), min_size=1, max_size=40),
       st.sampled_from(["log", "log-log", "plain"]))
def test_curve_properties(data: list, conf_type: str) -> None:
    time = [float(t) for t, _ in data]
    event = [int(e) for _, e in data]
    c = kaplan_meier(time, event, conf_type=conf_type)
    assert np.all(np.diff(c.surv) <= 1e-15) and c.n_event.sum() == sum(event)
    assert c.n_event.sum() + c.n_censor.sum() == len(time)
    ok = ~np.isnan(c.lower)
    assert np.all(c.lower[ok] <= c.surv[ok] + 1e-12) and np.all(c.upper[ok] >= c.surv[ok] - 1e-12)
    med = median_survival(c, conf_type)
    if med.median is not None and med.lower is not None:
        assert med.lower <= med.median + 1e-12
    if med.median is not None and med.upper is not None:
        assert med.upper >= med.median - 1e-12


def test_entry_times_must_come_before_the_exit_time() -> None:
    with pytest.raises(InputError, match=r"entry\[1\] = 2 is not before time\[1\] = 2"):
        kaplan_meier([3, 2, 4], [1, 1, 0], entry=[0, 2, 1])
    with pytest.raises(InputError, match=r"entry\[0\] = -1: expected a finite entry time >= 0"):
        kaplan_meier([3, 2], [1, 1], entry=[-1, 0])


def test_delayed_entry_risk_sets_by_hand() -> None:
    # Entries 0, 0, 2, 2.5; exits 1, 3, 4, 5 (all events): at t=1 two at risk (the late ones have
    # not entered), at 3 three (2, 2.5 entered), at 4 two, at 5 one.
    c = kaplan_meier([1, 3, 4, 5], [1, 1, 1, 1], entry=[0, 0, 2, 2.5])
    assert c.n_risk.tolist() == [2, 3, 2, 1]
    np.testing.assert_allclose(c.surv, np.cumprod([1 / 2, 2 / 3, 1 / 2, 0]))


def test_entry_near_ties_merged_with_exit_times_as_r() -> None:
    # An entry time that differs from an event time by rounding noise is that time (aeqSurv):
    # the patient is then not yet at risk at it.
    c = kaplan_meier([1.0, 3.0], [1, 1], entry=[0.0, 1.0 - 1e-12])
    assert c.n_risk.tolist() == [1, 1]
