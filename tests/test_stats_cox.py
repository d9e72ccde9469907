"""Cox models: naming, references, complete cases, and labelled non-results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from her2var.errors import InputError
from her2var.stats.cox import cox_fit, cox_univariable


def cohort(n: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.choice(["ctl", "exp", "zz"], size=n)
    rate = np.where(arm == "exp", 0.5, 1.0) * np.where(arm == "zz", 1.5, 1.0)
    t = rng.exponential(1 / rate)
    c = rng.uniform(0.5, 3, size=n)
    return pd.DataFrame({
        "time": np.round(np.minimum(t, c), 2), "event": (t <= c).astype(int), "arm": arm,
        "age": rng.normal(60, 8, n).round(), "ecog": rng.choice([0.0, 1.0, np.nan], size=n, p=[0.5, 0.4, 0.1]),
    })


def test_terms_named_var_equals_level_against_reference() -> None:
    m = cox_fit(cohort(), "time", "event", ["age", "arm"], categorical={"arm": "exp"})
    assert m.status == "ok" and m.ties == "efron" and m.kind == "multivariable"
    assert [t.term for t in m.terms] == ["age", "arm=ctl", "arm=zz"]
    assert m.references == {"arm": "exp"}
    for t in m.terms:
        assert t.lower < t.hr < t.upper and 0 <= t.p <= 1
        assert t.hr == pytest.approx(np.exp(t.coef))


def test_default_reference_is_first_sorted_level_and_float_codes_read_as_integers() -> None:
    m = cox_fit(cohort(), "time", "event", ["ecog"], categorical={"ecog": None})
    assert m.references == {"ecog": "0"} and [t.term for t in m.terms] == ["ecog=1"]


def test_incomplete_rows_dropped_and_counted() -> None:
    d = cohort()
    m = cox_fit(d, "time", "event", ["ecog"], categorical={"ecog": "0"})
    missing = int(d["ecog"].isna().sum())
    assert missing > 0
    assert (m.n, m.n_dropped) == (len(d) - missing, missing)
    assert m.events == int(d.loc[d["ecog"].notna(), "event"].sum())


def test_univariable_fits_one_model_per_covariate_each_with_its_own_rows() -> None:
    d = cohort()
    models = cox_univariable(d, "time", "event", ["age", "ecog"], categorical={"ecog": "0"})
    assert [m.covariates for m in models] == [("age",), ("ecog",)]
    assert models[0].n == len(d) and models[1].n < len(d)
    assert all(m.kind == "univariable" for m in models)


def test_one_level_covariate_is_not_estimable() -> None:
    d = cohort()
    d["site"] = "A"
    m = cox_fit(d, "time", "event", ["site"], categorical={"site": None})
    assert m.status == "not estimable" and "one level" in m.reason and m.terms == ()


def test_constant_numeric_covariate_is_not_estimable() -> None:
    d = cohort()
    d["dose"] = 5.0
    m = cox_fit(d, "time", "event", ["dose"])
    assert m.status == "not estimable" and "does not vary" in m.reason


def test_no_events_is_not_estimable() -> None:
    d = cohort()
    d["event"] = 0
    m = cox_fit(d, "time", "event", ["age"])
    assert m.status == "not estimable" and m.reason == "no events" and m.events == 0


def test_level_without_events_is_flagged_with_warnings_not_silent_infinity() -> None:
    d = cohort()
    d.loc[d["arm"] == "zz", "event"] = 0
    m = cox_fit(d, "time", "event", ["arm"], categorical={"arm": "ctl"})
    zz = [t for t in m.terms if t.term == "arm=zz"][0]
    assert zz.hr is None and zz.lower is None and zz.upper is None
    assert "may be infinite" in zz.note
    assert any("arm=zz" in w for w in m.warnings)
    other = [t for t in m.terms if t.term == "arm=exp"][0]
    assert other.hr is not None and other.note == ""


@pytest.mark.parametrize("kwargs, message", [
    ({"covariates": ["arm"]}, "'arm' is not numeric; list it in categorical="),
    ({"covariates": ["arm"], "categorical": {"arm": "placebo"}}, "reference level 'placebo' for 'arm' not found"),
    ({"covariates": ["nope"]}, r"column\(s\) \['nope'\] not in the data"),
    ({"covariates": []}, "no covariates"),
    ({"covariates": ["age"], "categorical": {"arm": None}}, "not among the covariates"),
])
def test_bad_specifications_raise_input_error(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        cox_fit(cohort(), "time", "event", **kwargs)


def test_negative_time_is_input_error() -> None:
    d = cohort()
    d.loc[0, "time"] = -1.0
    with pytest.raises(InputError, match="expected a finite time >= 0"):
        cox_fit(d, "time", "event", ["age"])
