"""Cox models: naming, references, complete cases, and labelled non-results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from her2var.errors import InputError
from her2var.stats._coxph import CoxLikelihood, chinv2, cholesky2, chsolve2, coxph_fit
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
    # The Wald p of a coefficient running off to infinity (0.998 in R) is not reported either.
    assert zz.status == "infinite" and zz.p is None and zz.p_lr is not None and zz.p_lr < 0.05
    assert zz.note.startswith("monotone likelihood (separation): no events at this level")
    assert "likelihood-ratio p" in zz.note
    assert any("arm=zz" in w for w in m.warnings)
    other = [t for t in m.terms if t.term == "arm=exp"][0]
    assert other.hr is not None and other.note == "" and other.status == "ok"


def test_separation_towards_plus_infinity_does_not_blame_missing_events() -> None:
    d = cohort()
    d.loc[d["arm"] != "zz", "event"] = 0  # every event is in arm zz
    m = cox_fit(d, "time", "event", ["arm"], categorical={"arm": "ctl"})
    zz = [t for t in m.terms if t.term == "arm=zz"][0]
    assert zz.status == "infinite" and zz.coef > 0
    assert "every event is at this level" in zz.note and "no events" not in zz.note


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


# --- the Newton–Raphson fit itself (her2var.stats._coxph) ---------------------------------------

def no_events_in_zz() -> pd.DataFrame:
    d = cohort()
    d.loc[d["arm"] == "zz", "event"] = 0
    return d


def test_infinite_coefficient_matches_coxph_and_its_warning() -> None:
    # R 4 / survival 3.5.3: coxph(Surv(time, event) ~ arm) with arm releveled to ctl, on this data,
    # warns "Loglik converged before variable 2; coefficient may be infinite" (19 iterations).
    m = cox_fit(no_events_in_zz(), "time", "event", ["arm"], categorical={"arm": "ctl"})
    exp, zz = m.terms
    assert exp.coef == pytest.approx(-1.18683290306875, rel=1e-10)
    assert exp.se == pytest.approx(0.489618234538567, rel=1e-10)
    assert exp.p == pytest.approx(0.0153507520323925, rel=1e-9)
    assert zz.coef == pytest.approx(-20.02894383262252, rel=1e-9)
    assert zz.se == pytest.approx(7603.831321059790753, rel=1e-8)
    d = no_events_in_zz()
    x = np.column_stack([(d["arm"] == lv).to_numpy(float) for lv in ("exp", "zz")])
    fit = coxph_fit(x, d["time"].to_numpy(float), d["event"].to_numpy())
    assert fit.converged and fit.iterations == 19
    assert fit.may_be_infinite.tolist() == [False, True]


def test_continuous_and_categorical_match_coxph() -> None:
    # coxph(Surv(time, event) ~ age + arm) on the same data, survival 3.5.3.
    m = cox_fit(no_events_in_zz(), "time", "event", ["age", "arm"], categorical={"arm": "ctl"})
    age, exp, _ = m.terms
    assert age.coef == pytest.approx(0.00571695596455401, rel=1e-9)
    assert age.se == pytest.approx(0.026586950248238, rel=1e-10)
    assert exp.coef == pytest.approx(-1.17860029891898010, rel=1e-10)
    assert exp.se == pytest.approx(0.490736832665848, rel=1e-10)


def test_collinear_covariate_is_na_and_the_rest_estimated_as_in_r() -> None:
    d = cohort()
    d["age2"] = 2 * d["age"] + 1
    m = cox_fit(d, "time", "event", ["age", "age2"])
    alone = cox_fit(d, "time", "event", ["age"])
    age, age2 = m.terms
    assert m.status == "ok" and age2.status == "NA" and age2.coef is None and age2.p is None
    assert "collinear" in age2.note
    assert age.coef == pytest.approx(alone.terms[0].coef, rel=1e-12)


def test_level_censored_before_first_event_is_na_not_a_refused_model() -> None:
    d = cohort()
    first = d.loc[d["event"] == 1, "time"].min()
    d.loc[0, ["arm", "time", "event"]] = ["lone", first / 2, 0]
    m = cox_fit(d, "time", "event", ["age", "arm"], categorical={"arm": "ctl"})
    lone = [t for t in m.terms if t.term == "arm=lone"][0]
    assert m.status == "ok" and lone.status == "NA" and "does not vary within any risk set" in lone.note
    assert all(t.hr is not None for t in m.terms if t.term != "arm=lone")
    assert m.lr_test is not None and m.lr_test[1] == 3  # age, arm=exp, arm=zz


def test_only_term_aliased_is_not_estimable() -> None:
    d = cohort()
    first = d.loc[d["event"] == 1, "time"].min()
    d["early"] = 0.0
    d.loc[0, ["early", "time", "event"]] = [1.0, first / 2, 0]
    m = cox_fit(d, "time", "event", ["early"])
    assert m.status == "not estimable" and "no term can be estimated" in m.reason


def test_score_and_information_are_derivatives_of_the_efron_loglik() -> None:
    rng = np.random.default_rng(7)
    n = 80
    x = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n), rng.normal(2, 3, n)])
    t = rng.integers(1, 8, n).astype(float)  # heavy ties
    e = (rng.uniform(size=n) < 0.7).astype(int)
    lik = CoxLikelihood(x, t, e)
    beta = np.array([0.3, -0.5, 0.1])
    _, score, info = lik(beta)
    h = 1e-6
    for j in range(3):
        step = np.eye(3)[j] * h
        (lp, sp, _), (lm, sm, _) = lik(beta + step), lik(beta - step)
        assert (lp - lm) / (2 * h) == pytest.approx(score[j], rel=1e-6, abs=1e-8)
        np.testing.assert_allclose(-(sp - sm) / (2 * h), info[j], rtol=1e-5, atol=1e-7)


def test_efron_loglik_by_hand() -> None:
    # Two tied events at t=1 (x = 1, 0) and one later censored (x = 0), beta = b: risk set sums
    # S = e^b + 2, tied A = e^b + 1; Efron: log L = b - log S - log(S - A/2).
    b = 0.7
    lik = CoxLikelihood(np.array([[1.0], [0.0], [0.0]]), np.array([1.0, 1.0, 2.0]), np.array([1, 1, 0]))
    s, a = np.exp(b) + 2, np.exp(b) + 1
    assert lik(np.array([b]))[0] == pytest.approx(b - np.log(s) - np.log(s - a / 2), rel=1e-14)


def test_cholesky2_marks_singular_columns_and_solves_the_rest() -> None:
    a = np.array([[4.0, 2.0, 6.0], [2.0, 3.0, 3.0], [6.0, 3.0, 9.0]])  # column 3 = 1.5 x column 1
    factor, singular = cholesky2(a)
    assert singular.tolist() == [False, False, True]
    sol = chsolve2(factor, np.array([2.0, 1.0, 3.0]))
    assert sol[2] == 0.0
    np.testing.assert_allclose(a[:2, :2] @ sol[:2], [2.0, 1.0])
    inv = chinv2(factor)
    np.testing.assert_allclose(inv[:2, :2], np.linalg.inv(a[:2, :2]))
    assert not inv[2].any() and not inv[:, 2].any()


def _as_columns(df: pd.DataFrame):
    """The same table as Columns (the analysis' form): categorical texts with None for missing."""
    from her2var.stats.cox import Columns

    out = {}
    for name in df.columns:
        col = df[name]
        out[name] = col.to_numpy(dtype=object) if col.dtype == object else col.to_numpy()
    return Columns(out)


@pytest.mark.parametrize("seed", range(12))
def test_columns_give_the_same_models_as_a_dataframe(seed: int) -> None:
    """Columns (numpy arrays, no pandas) and a DataFrame of the same values: the same models, term
    by term, the same rows dropped, in every form a model takes (estimable, aliased, separation,
    not estimable, delayed entry, Breslow ties)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 60))
    df = pd.DataFrame({
        "t": np.round(rng.exponential(10, n), 1), "e": rng.integers(0, 2, n),
        "en": np.round(rng.uniform(0, 2, n), 1),
        "age": np.where(rng.random(n) < 0.1, np.nan, np.round(rng.normal(60, 8, n))),
        "sex": pd.Series(rng.choice(["F", "M", None], n, p=[0.45, 0.45, 0.1]), dtype=object),
        "arm": pd.Series(rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]), dtype=object),
        "flag": rng.integers(0, 2, n).astype(bool),
    })
    df["t"] = df["t"] + df["en"] + 0.1
    cols = _as_columns(df)
    covs = [c for c in ("age", "sex", "arm", "flag") if rng.random() < 0.7] or ["age"]
    cats = {c: None for c in covs if c in ("sex", "arm")}
    ties = "breslow" if seed % 3 == 0 else "efron"
    entry = "en" if seed % 2 else None
    a = cox_fit(df, "t", "e", covs, categorical=cats, ties=ties, entry=entry)
    b = cox_fit(cols, "t", "e", covs, categorical=cats, ties=ties, entry=entry)
    assert a == b
    assert cox_univariable(df, "t", "e", covs, categorical=cats) == cox_univariable(cols, "t", "e", covs,
                                                                                   categorical=cats)


def test_columns_refuse_a_text_covariate_not_named_categorical() -> None:
    from her2var.stats.cox import Columns

    cols = Columns({"t": np.array([1.0, 2.0, 3.0]), "e": np.array([1, 0, 1]),
                    "sex": np.array(["F", "M", "F"], dtype=object)})
    with pytest.raises(InputError, match="not numeric"):
        cox_fit(cols, "t", "e", ["sex"])
