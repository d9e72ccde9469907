"""Agreement with lifelines, an independent implementation of Kaplan-Meier and Cox.

lifelines caps pandas below 3, so these tests run in an environment of their own (the
``crosscheck`` extra; .ci/run makes it) and are skipped where lifelines is absent, such as the
main test environment, which has exactly the versions ``pip install .`` gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

lifelines = pytest.importorskip("lifelines")
from lifelines import CoxPHFitter, KaplanMeierFitter  # noqa: E402
from test_stats_cox import cohort  # noqa: E402

from her2var.stats.cox import cox_fit  # noqa: E402
from her2var.stats.km import kaplan_meier  # noqa: E402

pytestmark = pytest.mark.crosscheck


def test_agrees_with_lifelines() -> None:
    d = cohort(400, seed=11)
    d = d[d["ecog"].notna()]
    m = cox_fit(d, "time", "event", ["age", "arm", "ecog"], categorical={"arm": "ctl", "ecog": "0"})
    frame = pd.DataFrame({"age": d["age"], "arm=exp": (d["arm"] == "exp").astype(float),
                          "arm=zz": (d["arm"] == "zz").astype(float), "ecog=1": (d["ecog"] == 1).astype(float),
                          "time": d["time"], "event": d["event"]})
    cph = CoxPHFitter().fit(frame, "time", "event",
                            fit_options={"precision": 1e-12, "r_precision": 1e-14, "max_steps": 500})
    for t in m.terms:
        assert t.coef == pytest.approx(cph.params_[t.term], rel=1e-6, abs=1e-9), t.term
        assert t.se == pytest.approx(cph.standard_errors_[t.term], rel=1e-6), t.term


def test_log_log_band_equals_lifelines_band() -> None:
    t = [1, 2, 2, 3, 4, 5, 5, 6, 7, 9, 10]
    e = [0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 0]
    ci = KaplanMeierFitter().fit(t, e).confidence_interval_survival_function_
    c = kaplan_meier(t, e, conf_type="log-log")
    ours = ~np.isnan(c.lower)  # at S = 1 R (and we) leave the log-log band undefined
    np.testing.assert_allclose(c.lower[ours], ci.iloc[:, 0].loc[c.time[ours]].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(c.upper[ours], ci.iloc[:, 1].loc[c.time[ours]].to_numpy(), rtol=1e-9)
