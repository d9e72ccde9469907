"""Firth's penalised Cox likelihood against R (tests/golden/expected_firth.json, written by
tests/golden/make_golden_firth.R from survival's coxph pieces; R is not needed to run these)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2var.errors import InputError
from her2var.stats._coxph import scaled_likelihood
from her2var.stats.cox import cox_fit
from her2var.stats.firth import PenalisedLikelihood, firth_fit

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
EXPECTED = json.loads((GOLDEN / "expected_firth.json").read_text())
CASES = [(name, i) for name in ("separation", "exon20_amp") for i in range(len(EXPECTED[name]))]


def cohort(name: str) -> pd.DataFrame:
    if name == "separation":
        return pd.read_csv(GOLDEN / "survival" / "cohort_separation.csv")
    return pd.read_csv(GOLDEN / "cohort_exon20_amp.csv", dtype={"ecog": "object"})


def fit(name: str, spec: dict, firth: str = "always"):
    d = cohort(name)
    refs = spec["references"] or {}
    return cox_fit(d, "time", "event", spec["covariates"], categorical=dict(refs), ties=spec["ties"],
                   entry="entry" if spec["entry"] else None, firth=firth)


@pytest.mark.parametrize("name, i", CASES)
def test_firth_estimates_match_the_penalised_likelihood_maximised_in_r(name: str, i: int) -> None:
    spec = EXPECTED[name][i]
    m = fit(name, spec)
    assert m.status == "ok" and m.estimator == "firth"
    got = {t.term: t for t in m.terms}
    for want in spec["terms"]:
        t = got[want["term"]]
        assert t.status == "ok"
        # R's side is optim/uniroot on the penalised likelihood: good to about 1e-7
        assert t.coef == pytest.approx(want["coef"], rel=1e-6, abs=1e-8), want["term"]
        assert t.se == pytest.approx(want["se"], rel=1e-6), want["term"]
        assert t.hr == pytest.approx(want["hr"], rel=1e-6), want["term"]
        assert t.lower == pytest.approx(want["lower"], rel=1e-5), want["term"]
        assert t.upper == pytest.approx(want["upper"], rel=1e-5), want["term"]
        assert t.p == pytest.approx(want["p"], rel=1e-5, abs=1e-9), want["term"]
    assert m.lr_test is not None
    assert m.lr_test[0] == pytest.approx(spec["lr_test"]["chisq"], rel=1e-6)
    assert m.lr_test[1] == spec["lr_test"]["df"]


def test_separation_gets_a_finite_firth_hr_only_when_asked() -> None:
    spec = EXPECTED["separation"][1]  # age + arm; arm=zz has no events
    never = fit("separation", spec, firth="never")
    zz = next(t for t in never.terms if t.term == "arm=zz")
    assert never.estimator == "partial" and zz.status == "infinite" and zz.hr is None
    auto = fit("separation", spec, firth="separation")
    zz = next(t for t in auto.terms if t.term == "arm=zz")
    assert auto.estimator == "firth" and zz.status == "ok"
    assert 0 < zz.lower < zz.hr < zz.upper < 1
    assert "separation" in zz.note
    # without separation "separation" leaves the ordinary fit alone
    plain = fit("exon20_amp", EXPECTED["exon20_amp"][1], firth="separation")
    assert plain.estimator == "partial" and plain.ph_test


def test_firth_shrinks_a_single_coefficient_towards_zero() -> None:
    # Firth's correction removes the first-order bias away from 0 of one coefficient (in a larger
    # model the terms can move either way).
    spec = EXPECTED["exon20_amp"][0]
    ordinary = fit("exon20_amp", spec, firth="never").terms[0].coef
    firth = fit("exon20_amp", spec).terms[0].coef
    assert ordinary < firth < 0


def test_modified_score_is_the_gradient_of_the_penalised_likelihood() -> None:
    d = cohort("separation")
    x = np.column_stack([(d.arm == "exp").astype(float), (d.arm == "zz").astype(float), d.age.astype(float)])
    for ties in ("efron", "breslow"):
        lik, _ = scaled_likelihood(x, d.time.to_numpy(), d.event.to_numpy(), entry=d.entry.to_numpy(), ties=ties)
        pl = PenalisedLikelihood(lik)
        beta = np.array([0.4, -1.5, 0.3])
        value, score, info = pl(beta)
        loglik, plain_score, plain_info = lik(beta)
        assert value == pytest.approx(loglik + 0.5 * np.linalg.slogdet(info)[1], rel=1e-12)
        np.testing.assert_allclose(info, plain_info, rtol=1e-10, atol=1e-12)
        h = 1e-6
        numeric = [(pl(beta + h * e)[0] - pl(beta - h * e)[0]) / (2 * h) for e in np.eye(3)]
        np.testing.assert_allclose(score, numeric, rtol=1e-6, atol=1e-7)
        assert not np.allclose(score, plain_score)


def test_firth_keeps_an_aliased_term_na() -> None:
    d = cohort("exon20_amp").assign(age2=lambda f: 2.0 * f["age"])
    m = cox_fit(d, "time", "event", ["age", "age2"], firth="always")
    assert m.estimator == "firth"
    status = {t.term: t.status for t in m.terms}
    assert status == {"age": "ok", "age2": "NA"}


def test_firth_option_is_checked() -> None:
    with pytest.raises(InputError, match="firth"):
        cox_fit(cohort("exon20_amp"), "time", "event", ["age"], firth="yes")


def test_firth_fit_returns_profile_bounds_around_the_estimate() -> None:
    d = cohort("exon20_amp")
    x = d[["age"]].to_numpy(dtype=float)
    f = firth_fit(x, d.time.to_numpy(), d.event.to_numpy())
    assert f.converged
    assert f.lower[0] < f.coef[0] < f.upper[0]
