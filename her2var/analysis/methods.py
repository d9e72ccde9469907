"""The methods section, generated from the plan: every statistical choice in words."""

from __future__ import annotations

from typing import Any

from .coalteration_plan import CoalterationPlan
from .plan import Plan
from .wording import lower_first

MEDIAN_CI = {
    "log": "the 95% CI bounds are the times where the pointwise confidence band of S(t) on the log scale "
           "(Greenwood variance) crosses 0.5, as R's survfit does by default (conf.type = \"log\")",
    "log-log": "the 95% CI bounds are the times where the pointwise log(-log) confidence band of S(t) "
               "(Greenwood variance) crosses 0.5 (R's conf.type = \"log-log\"; the band lifelines draws)",
    "plain": "the 95% CI bounds are the times where the untransformed pointwise confidence band of S(t) "
             "(Greenwood variance) crosses 0.5 (R's conf.type = \"plain\")",
    "spss": "the 95% CI is median \u00b1 1.96\u00b7SE, as SPSS prints it, with the SE of the median from the "
            "Greenwood SE of S at the median divided by a density estimate over the 45th\u201355th "
            "percentiles (Collett 2003; Klein & Moeschberger 2003, practical note); a lower bound below 0 is "
            "reported as 0",
}
# The median itself under median_ci "spss" (no midpoint rule: SPSS's own definition).
SPSS_MEDIAN = "the median is the first event time with S(t) \u2264 0.5 (no midpoint rule, as SPSS defines it)"
TIES = {"efron": "Efron's method for ties (R's coxph default)",
        "breslow": "Breslow's method for ties (R's coxph ties = \"breslow\"; the method of SPSS COXREG)"}
MEDIAN_RULE = {
    "print": "the median is the first time S(t) falls to 0.5 or below (where S(t) stays exactly at 0.5, the "
             "midpoint to the next drop), the rule of R's print.survfit and summary(fit)$table",
    "quantile": "the median is the first time S(t) falls to 0.5 or below (where S(t) stays exactly at 0.5, the "
                "midpoint to the next drop), the rule of R's quantile.survfit",
}
FIRTH = {
    "never": "Firth's penalised likelihood was not used (the plan's cox.firth: never).",
    "separation": ("A model with a term whose coefficient tends to infinity was refitted by Firth's penalised "
                   "partial likelihood (Heinze & Schemper 2001; R's coxphf): the log partial likelihood plus half "
                   "the log determinant of the information, maximised by Newton steps on the modified score; HR with "
                   "a profile penalised likelihood CI and a penalised likelihood-ratio p (PLR); the model test is "
                   "the penalised likelihood ratio. The report says which models (cox.firth: separation)."),
    "always": ("Every model was fitted by Firth's penalised partial likelihood (Heinze & Schemper 2001; R's "
               "coxphf): HR with a profile penalised likelihood CI and a penalised likelihood-ratio p (PLR) instead "
               "of Wald (cox.firth: always); proportional hazards are then not tested."),
}
ADJUST = {"holm": "Holm's step-down method", "BH": "the Benjamini\u2013Hochberg false discovery rate method",
          "bonferroni": "Bonferroni's method", "none": "no adjustment"}


def _levels(levels: Any) -> str:
    return ", ".join(str(x) for x in levels)


def methods_text(plan: Plan) -> list[dict[str, str]]:
    """[{"topic": ..., "text": ...}] in reading order."""
    out: list[dict[str, str]] = []

    def add(topic: str, text: str) -> None:
        out.append({"topic": topic, "text": text})

    if plan.population:
        add("Population", "Patients were analysed when " + "; and ".join(
            f"{c.label} (column {c.column}{', values split on ' + repr(c.split) if c.split else ''}: "
            f"{_levels(c.values)})" for c in plan.population) + ". Others are listed under exclusions.")
    else:
        add("Population", "Every patient of the cohort table was analysed.")
    for g in plan.groupings:
        extra = g.categories.describe()
        add(f"Grouping: {g.label}", f"Patients were compared by {lower_first(g.label)} (column {g.column}; groups "
            f"{_levels(g.levels)}{'; ' + extra if extra else ''}). Patients with another or no value were left "
            "out of these comparisons (listed under exclusions). A listed group without patients is reported "
            "with n = 0 and left out of the tests.")
    for s in plan.subgroups:
        extra = s.categories.describe()
        add(f"Subgroup: {s.label}", f"Each level of {lower_first(s.label)} (column {s.column}; {_levels(s.levels)}"
            f"{'; ' + extra if extra else ''}) was analysed on its own with every grouping, and the levels "
            "were compared with each other.")
    unit = plan.km.time_unit
    for e in plan.endpoints:
        req = f"; patients with {', '.join(e.require_yes)} other than \"yes\" were left out" if e.require_yes else ""
        entry = (f" Delayed entry (left truncation): each patient was at risk only from the time in column "
                 f"{e.entry} ({unit} from the same origin) onwards, so every risk set (Kaplan\u2013Meier, log-rank, "
                 "Cox, follow-up) holds only the patients already entered (R: Surv(entry, time, event)); a patient "
                 "whose entry is not before the end of follow-up is never at risk and was left out."
                 if e.entry else "")
        add(f"Endpoint: {e.label}", f"Time in {unit} from column {e.time}, event (1) or censoring (0) from column "
            f"{e.event}{req}. Dates were converted to months as days / 30.4375 by the cohort stage.{entry}")
    level = f"{100 * plan.km.conf_level:g}%"
    add("Kaplan\u2013Meier", f"Survival was estimated by the Kaplan\u2013Meier method with Greenwood's variance. "
        f"Medians with {level} CIs: "
        f"{SPSS_MEDIAN if plan.km.median_ci == 'spss' else MEDIAN_RULE[plan.km.median_rule]}; "
        f"{MEDIAN_CI[plan.km.median_ci]}. "
        "A median or bound that the curve never reaches is reported as NR (not reached)."
        + (f" Restricted mean survival time up to {plan.km.rmst_horizon:g} {unit} (the area under the curve; a "
           "curve ending earlier is carried flat at its last value), with the standard error R's print(survfit, "
           "rmean) gives and a Wald CI; each group is compared with the first by the difference, its CI "
           "(SE the root of the summed variances) and a Wald p, as R's survRM2 does."
           if plan.km.rmst_horizon else "")
        + (f" Survival at {_levels(f'{x:g}' for x in plan.km.landmarks)} {unit} is given with its pointwise "
           f"{level} CI ({plan.km.median_ci if plan.km.median_ci != 'spss' else 'plain'} band)."
           if plan.km.landmarks else ""))
    add("Log-rank", "Groups were compared by the log-rank test (chi-square with k\u22121 degrees of freedom for "
        "k groups with patients; R's survdiff with rho = 0"
        + ("; with delayed entry the same statistic over the risk sets of patients already entered, which on "
           "untied times equals the score test of R's coxph on Surv(entry, time, event))."
           if any(e.entry for e in plan.endpoints) else ").") + (
            f" With three or more groups, each pair was also compared by a log-rank test on that pair's patients, "
            f"and the pairwise p-values were adjusted by {ADJUST[plan.adjust]}." if plan.pairwise else ""))
    if plan.follow_up:
        add("Follow-up", f"Median follow-up was estimated by the reverse Kaplan\u2013Meier method on "
            f"{plan.endpoint(plan.follow_up).label.lower()} (censoring treated as the event and vice versa), "
            "with the same median and CI rules.")
    if plan.response:
        r = plan.response
        den = ("all treated patients, including those not evaluable (NE)" if r.denominator == "all"
               else "evaluable patients (NE left out)")
        add("Response", f"Best overall response by RECIST 1.1 (column {r.column}). Objective response rate "
            f"ORR = (CR+PR)/N and disease control rate DCR = (CR+PR+SD)/N, with N = {den}; 95% CIs by the exact "
            "Clopper\u2013Pearson method. Groups were compared by the chi-square test without continuity correction "
            "when every expected count was at least 5, otherwise by Fisher's exact test (exact also for r\u00d7c "
            "tables, by a network algorithm with R's rule for tables as likely as the observed one; no Monte "
            "Carlo; a table beyond the work limit gets no p-value, with a note)."
            + (f" The whole CR/PR/SD/PD/NE distribution was compared the same way for: "
               f"{_levels(r.distribution_test)}." if r.distribution_test else ""))
    if plan.table1:
        add("Table 1", f"Baseline characteristics by {lower_first(plan.groupings[0].label)}: n (%) of each group for "
            "categorical variables (missing values in a row of their own, not tested; patients \"not tested\" for a "
            "variable, e.g. a co-driver gene or a laboratory test not done, counted in a row of their own and "
            "left out of that variable's percentages and test), median (range) for continuous "
            "variables. Categorical variables: chi-square without continuity correction when every expected "
            "count is at least 5, otherwise Fisher's exact test (exact for r\u00d7c tables). Continuous variables: "
            "Mann\u2013Whitney U test for two groups (exact when both groups have fewer than 50 values and no ties, "
            "otherwise the normal approximation with continuity correction, as R's wilcox.test) and "
            "Kruskal\u2013Wallis for more. A value outside a variable's listed levels is counted as \"other\". "
            "Standardised mean differences (SMD) follow R's tableone: for a continuous variable the difference of "
            "the means over the pooled SD (sqrt of the mean of the two sample variances); for a categorical one "
            "Yang & Dalton's multi-category SMD (2012); with more than two groups, the mean of the SMDs of all "
            "pairs. Missing and \"not tested\" values are left out of the SMD. Each variable's missing count is "
            "given in a column of its own."
            + ("" if plan.table1_p_values else " p-values are left out of the printed table (the plan's "
               "table1.p_values: false); they are still in results.json and table1_tests.")
            + ("" if plan.table1_smd else " The SMD column is left out (table1.smd: false)."))
    if plan.cox:
        c = plan.cox
        covs = "; ".join(
            f"{cv.label} ({'continuous' if cv.type == 'continuous' else 'reference: ' + str(cv.reference)})"
            for cv in c.covariates)
        kinds = " and ".join(k for k, on in (("univariable", c.univariable), ("multivariable", c.multivariable)) if on)
        add("Cox regression", f"{kinds.capitalize()} Cox proportional hazards models of "
            f"{', '.join(plan.endpoint(e).label.lower() for e in c.endpoints)} with {TIES[c.ties]}, fitted by "
            f"Newton-Raphson as R's coxph does (same start, step-halving and "
            f"stopping rule: relative log-likelihood change below 1e-9). Hazard ratios with 95% Wald CIs "
            f"and Wald p-values; each model's likelihood-ratio and score tests. Covariates: {covs}. Patients "
            "with a missing value in any covariate of a model were left out of that model (N and events are "
            "given per model). A term that does not vary within any risk set (e.g. a level whose only patients "
            "are censored before the first event) or is collinear with others has no estimate (NA, as in R) and "
            "the other terms are estimated. A term whose coefficient tends to infinity (monotone likelihood, or "
            "separation: e.g. a level without events) has no HR, CI or Wald p (the Wald test is meaningless "
            "there); the likelihood-ratio p of dropping it from the model is given instead. Proportional hazards "
            "were checked per covariate and globally by the score test on scaled Schoenfeld residuals against "
            "the Kaplan\u2013Meier transform of time (R's cox.zph defaults). "
            + FIRTH[c.firth] + " A model that cannot "
            "be estimated at all (a covariate with one level, no events, a reference level without patients) "
            "is reported as not estimable with the reason; warnings raised while fitting are shown next to the "
            "model.")
    if plan.coalteration:
        add("HER2 beside the co-driver groups", coalteration_text(plan.coalteration))
    add("Software", "her2var (Python); statistics checked against R's survival and stats packages.")
    return out


def coalteration_text(cp: CoalterationPlan) -> str:
    """The coalteration section's choices in words."""
    assessed = " and ".join(f"{a.column} in {_levels(a.values)}" for a in cp.her2_assessed)
    groups = "; ".join(f"{g.name}: {_levels(g.genes)}" + (f" (cohort driver group {g.driver_group})"
                                                          if g.driver_group else "") for g in cp.groups)
    correction = ("with continuity correction (as R: when the summed observed minus expected count is at least "
                  "0.5 away from 0)" if cp.correct else "without continuity correction")
    strat = (f"stratified by column {cp.stratify} with the Cochran\u2013Mantel\u2013Haenszel test as R's "
             f"mantelhaen.test: for 2\u00d72 tables the Mantel\u2013Haenszel chi-square "
             f"{correction} and the Mantel\u2013Haenszel common odds "
             "ratio with its Robins\u2013Breslow\u2013Greenland 95% CI, otherwise the generalized test on "
             "(I\u22121)(J\u22121) degrees of freedom; a stratum with fewer than two patients carries no "
             "information and was left out (R stops there)" if cp.stratify else "not stratified")
    return (f"ERBB2 counted as assessed when {assessed} and {cp.her2_altered} was yes or no; a patient without "
            "it was left out of every comparison, whatever was found. HER2 rows: altered or not; type (mutation, "
            "amplification, both, not altered, from the classes of the events whose tier counts); best tier "
            f"(oncogenic or likely oncogenic, VUS only, not altered). Co-driver groups, one per patient: {groups}. "
            + (f"A group named by a cohort driver group takes the patients the cohort's column {cp.driver_group} "
               "assigns to it (only events of a driver tier count there, in the rules' order); the others take, "
               "in the order listed, " if cp.driver_group else "In the order listed, a group takes ")
            + "the patients with an event in one of their genes; "
            f"{cp.none_group}: none of these, with every gene tested. A group's "
            "patients were compared with the rest of the patients whose panels assessed ERBB2 and every gene of "
            "the group (those not tested were left out and counted), and all groups with each other among "
            "patients tested for every gene, by the chi-square test without continuity correction when every "
            "expected count was at least 5, otherwise Fisher's exact test; odds ratios with Woolf's 95% CI. "
            f"The same comparisons {strat}. p-values are not adjusted for the number of comparisons.")
