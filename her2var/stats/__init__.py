"""Statistics core of ``her2var analyze``: numbers that agree with R.

Modules, each a set of pure functions returning frozen dataclasses or plain dicts:
  km         Kaplan–Meier curves, pointwise bands, landmark survival (R: survfit, summary)
  quantiles  median survival with CI (log / log-log / plain as R, or spss), reverse-KM
             follow-up, per-group KM summary, restricted mean survival time (R: rmean)
  logrank    k-group and pairwise log-rank, p-value adjustment (R: survdiff, p.adjust)
  cox        Cox models, Efron or Breslow ties, delayed entry, Newton–Raphson as coxph's,
             proportional-hazards test (R: coxph, cox.zph; engine in _coxph)
  firth      Firth's penalised partial likelihood for separated Cox models (R: coxphf)
  tables     Clopper–Pearson, ORR/DCR, Table 1 tests and cells (R: binom.test, chisq.test,
             fisher.test, wilcox.test, kruskal.test)
  fisher     exact r×c Fisher test
  cmh        Cochran–Mantel–Haenszel tests for stratified tables, Mantel–Haenszel common odds
             ratio, exact conditional test (R: mantelhaen.test)
  smd        standardised mean differences for Table 1 (R: tableone's definitions)

Agreement with R is checked by tests/stats/test_stats_golden*.py and test_stats_fisher_golden.py
against the JSON that the R scripts in tests/golden/ wrote (expected.json, expected_survival.json,
expected_fisher.json), and test_cmh.py against expected_cmh.json.
lifelines is not used here (only as a cross-check in tests/stats/test_stats_crosscheck.py).
"""

from her2var.stats.cmh import CMHResult, cmh_test
from her2var.stats.cox import CoxModel, CoxTerm, cox_fit, cox_univariable
from her2var.stats.fisher import FisherTooLarge, fisher_exact_rxc
from her2var.stats.km import KMCurve, LandmarkSurvival, kaplan_meier, kaplan_meier_by_group, survival_at
from her2var.stats.logrank import LogRankResult, PairwiseLogRank, logrank_test, p_adjust, pairwise_logrank
from her2var.stats.quantiles import (
    MedianSurvival,
    RestrictedMean,
    km_summary,
    median_follow_up,
    median_survival,
    restricted_mean,
    rmst_difference,
)
from her2var.stats.tables import (
    Proportion,
    clopper_pearson,
    compare_categorical,
    compare_continuous,
    compare_table,
    median_range,
    n_percent,
    response_rates,
)

__all__ = [
    "CMHResult", "CoxModel", "CoxTerm", "FisherTooLarge", "KMCurve", "LandmarkSurvival", "LogRankResult",
    "MedianSurvival", "PairwiseLogRank", "Proportion", "RestrictedMean", "clopper_pearson", "cmh_test",
    "compare_categorical", "compare_continuous", "compare_table", "cox_fit", "cox_univariable", "fisher_exact_rxc",
    "kaplan_meier", "kaplan_meier_by_group", "km_summary", "logrank_test", "median_follow_up",
    "median_range", "median_survival", "n_percent", "p_adjust", "pairwise_logrank",
    "response_rates", "restricted_mean", "rmst_difference", "survival_at",
]
