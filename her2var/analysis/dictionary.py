"""What every column of the analysis tables means: the "dictionary" sheet of tables.xlsx.

A column is described by the table's own entry (``TABLE_COLUMNS``) or else by the shared one
(``COLUMNS``); Table 1's group columns are named after the plan's levels and described by pattern.
A test checks that every column the tables write has a description.
"""

from __future__ import annotations

import re

COLUMNS = {
    "endpoint": "Endpoint name of the plan (e.g. pfs, os)",
    "group_by": "Grouping (or subgroup) the patients are compared by; 'all' for every patient together",
    "subgroup": "Subgroup level the row is restricted to, as name=level; empty for all patients",
    "group": "Group (level of the grouping); 'all' for every patient together",
    "n": "Patients",
    "events": "Patients with the event",
    "median": "Median time (plan's time unit); empty when not reached",
    "ci_low": "Lower bound of the confidence interval; empty when not reached",
    "ci_high": "Upper bound of the confidence interval; empty when not reached",
    "median_text": "Median (CI) as printed, NR = not reached",
    "ci_method": "How the confidence interval was computed",
    "median_rule": "Which time is the median when S(t) stays at 0.5 (print: as R's print.survfit; quantile)",
    "conf_level": "Confidence level of the intervals",
    "se": "Standard error",
    "note": "Anything to know when reading the row (no test, not estimable, warnings)",
    "time": "Landmark time (plan's time unit)",
    "surv": "Kaplan-Meier survival probability at the landmark time; empty beyond follow-up",
    "n_risk": "Patients still at risk at that time",
    "test": "Statistical test",
    "groups": "Groups with patients that entered the test (;-separated)",
    "chisq": "Chi-square statistic",
    "df": "Degrees of freedom",
    "p": "p-value",
    "group1": "First group of the pair",
    "group2": "Second group of the pair",
    "p_adjusted": "p-value adjusted for the number of pairs",
    "adjust": "Adjustment method for multiple pairs (holm, BH, bonferroni, none)",
    "method": "Estimation method",
    "n_treated": "Treated patients in the group",
    "CR": "Patients with complete response (RECIST 1.1 best overall response)",
    "PR": "Patients with partial response",
    "SD": "Patients with stable disease",
    "PD": "Patients with progressive disease",
    "NE": "Patients not evaluable",
    "orr_x": "Patients with an objective response (CR+PR)",
    "orr": "Objective response rate (CR+PR)/denominator, as a proportion",
    "orr_ci_low": "Lower bound of the ORR's Clopper-Pearson 95% CI",
    "orr_ci_high": "Upper bound of the ORR's Clopper-Pearson 95% CI",
    "dcr_x": "Patients with disease control (CR+PR+SD)",
    "dcr": "Disease control rate (CR+PR+SD)/denominator, as a proportion",
    "dcr_ci_low": "Lower bound of the DCR's Clopper-Pearson 95% CI",
    "dcr_ci_high": "Upper bound of the DCR's Clopper-Pearson 95% CI",
    "denominator": "Denominator of the rates: all treated patients (NE included) or evaluable patients",
    "measure": "What is compared (ORR, DCR, or the whole response distribution)",
    "statistic": "Test statistic",
    "expected_min": "Smallest expected cell count (chi-square is used only when it is at least 5)",
    "variable": "Cohort column of the Table 1 variable",
    "label": "Label of the variable",
    "type": "Kind of variable (categorical, continuous, presence)",
    "n_missing": "Patients with an empty value",
    "n_not_tested": "Patients 'not tested' for the variable (counted apart, outside the percentages and the test)",
    "model": "univariable or multivariable",
    "model_id": "Which model: multivariable, or univariable with its covariate",
    "term": "Model term: a continuous covariate, or covariate=level against its reference level",
    "hr": "Hazard ratio; empty when not estimable",
    "p_method": ("How the p-value was computed (Wald; likelihood ratio for an infinite coefficient; penalised "
                 "likelihood ratio with Firth)"),
    "coef": "Coefficient (log hazard ratio)",
    "n_dropped": "Patients left out of the model for a missing covariate value",
    "status": "ok, or not estimable (the reason is in note)",
    "term_status": "ok; NA (aliased: no coefficient); infinite (monotone likelihood)",
    "ties": "Method for tied event times",
    "entry": "Column of delayed-entry times, if any",
    "references": "Reference level of each categorical covariate",
    "warnings": "Warnings raised while fitting the model",
    "patient_id": "Patient identifier, as in the cohort",
    "analysis": "Analysis the patient is left out of ('all': the plan's population)",
    "reason": "Why the patient is left out",
    "level": "Level of the variable (empty on the variable's heading row)",
    "tau": "Horizon of the restricted mean survival time (plan's time unit)",
    "rmst": "Restricted mean survival time: area under the Kaplan-Meier curve from 0 to the horizon",
    "diff": "Difference of restricted mean survival times, second group minus first",
    # HER2 beside the co-driver groups (coalteration_tests, coalteration_counts)
    "her2_rows": "How ERBB2 is counted: altered (yes/no), type (mutation, amplification, both, not altered) or "
                 "tier (oncogenic, VUS only, not altered)",
    "comparison": "Co-driver group compared with the rest of the patients tested for its genes, or 'all groups' "
                  "(every group against every other, among patients tested for every gene)",
    "genes": "Genes whose testing the comparison requires (;-separated)",
    "column_totals": "Patients in each column of the comparison (the group and the rest, or each group)",
    "n_her2_not_assessed": "Patients whose ERBB2 was not assessed (small variants and copy number): left out",
    "n_her2_unclassified": "Patients with ERBB2 assessed whom these rows cannot place (no class or tier recorded)",
    "odds_ratio": "Odds of HER2 alteration in the group against the rest (altered rows only)",
    "or_ci_low": "Lower bound of the odds ratio's 95% CI (Woolf)",
    "or_ci_high": "Upper bound of the odds ratio's 95% CI (Woolf)",
    "stratified_by": "Cohort column the stratified test is stratified by (centre, panel)",
    "cmh_test": "Stratified test: Mantel-Haenszel chi-square (2 x 2 tables) or the generalized "
                "Cochran-Mantel-Haenszel test, as R's mantelhaen.test",
    "cmh_statistic": "Statistic of the stratified test",
    "cmh_df": "Degrees of freedom of the stratified test",
    "cmh_p": "p-value of the stratified test (not adjusted for the number of comparisons)",
    "mh_odds_ratio": "Mantel-Haenszel common odds ratio over the strata (2 x 2 tables)",
    "mh_ci_low": "Lower bound of its 95% CI (Robins-Breslow-Greenland variance)",
    "mh_ci_high": "Upper bound of its 95% CI (Robins-Breslow-Greenland variance)",
    "cmh_n": "Patients in the stratified test",
    "cmh_strata": "Strata in the stratified test",
    "cmh_strata_dropped": "Strata left out of the stratified test for having fewer than 2 patients",
    "n_no_stratum": "Patients of the comparison without a stratum value: left out of the stratified test",
    "cmh_note": "Why there is no stratified test, or anything to know about it",
    "column": "Column of the comparison: the group, 'rest', or each group",
    "her2": "HER2 level of the row",
    "total": "Patients of the column (ERBB2 assessed and the comparison's genes tested)",
    "pct": "n as a percentage of the column's patients",
    "smd": ("Standardised mean difference between the groups (tableone's definitions: mean difference over the "
            "pooled SD; Yang & Dalton for categorical variables; mean over pairs for more than two groups)"),
    "test_reason": "Why this test: chi-square when every expected count is at least 5, else Fisher's exact test",
    "missing": "Patients with an empty value for the variable (all groups)",
    "estimator": "partial likelihood (coxph), or Firth penalised partial likelihood (coxphf)",
    "n1": "Patients in the first group of the pair",
    "events1": "Events in the first group of the pair",
    "n2": "Patients in the second group of the pair",
    "events2": "Events in the second group of the pair",
    "step": "Step of the patient flow",
    "n_left_out": "Patients left out at this step (for this reason on a reason row)",
    "grouping": "Grouping or subgroup of the plan",
    "patients": "Patients counted in more than one group",
    "extra_rows": "Extra rows those patients add to the group columns and tests",
    "in_population": "Patients of the population with a level of the grouping",
}

TABLE_COLUMNS = {
    "table1": {"variable": "Variable (with what the cells show: n (%), median (range))",
               "p": "p-value of the comparison between the groups (on the variable's heading row)",
               "smd": "Standardised mean difference between the groups (on the variable's heading row)",
               "test": "Test of the comparison between the groups"},
    "landmarks": {"ci_low": "Lower bound of the pointwise CI of survival at that time",
                  "ci_high": "Upper bound of the pointwise CI of survival at that time"},
    "logrank": {"n": "Patients in the test (a patient in two overlapping groups counts twice)"},
    "flow": {"n": "Patients at this step (empty on a reason row)", "label": "What the step is",
             "reason": "Why patients were left out at this step (empty on the step's own row)"},
    "overlaps": {"label": "Label of the grouping", "note": "What the overlap means for the results"},
    "follow_up": {"median": "Median follow-up (reverse Kaplan-Meier), plan's time unit",
                  "method": "How follow-up was estimated (reverse Kaplan-Meier)"},
    "response": {"n": "Patients in the denominator"},
    "cox": {"n": "Patients in the model (complete cases)", "events": "Events among the model's patients",
            "ci_low": "Lower bound of the HR's 95% CI (Wald; profile penalised likelihood with Firth)",
            "ci_high": "Upper bound of the HR's 95% CI (Wald; profile penalised likelihood with Firth)",
            "se": "Standard error of the coefficient",
            "p": ("p-value of the term: Wald, likelihood ratio for an infinite coefficient, penalised likelihood "
                  "ratio with Firth (see p_method)")},
    "rmst": {"se": "Standard error of the restricted mean (as R's print(survfit, rmean))",
             "ci_low": "Lower bound of its Wald CI", "ci_high": "Upper bound of its Wald CI"},
    "rmst_diff": {"se": "Standard error of the difference", "ci_low": "Lower bound of its Wald CI",
                  "ci_high": "Upper bound of its Wald CI", "p": "Wald p-value of the difference",
                  "group1": "Reference group (the grouping's first level with patients)",
                  "group2": "Group compared with it"},
    "table1_tests": {"p": "p-value of the comparison between the groups"},
    "coalteration_tests": {
        "n": "Patients in the comparison: ERBB2 assessed and every gene of the group tested",
        "n_not_tested": "Patients with ERBB2 assessed but a gene of the group not tested: left out of the comparison",
        "test": "Test without strata: chi-square (no continuity correction) when every expected count is at least "
                "5, else Fisher's exact test",
        "p": "p-value of the test without strata (not adjusted for the number of comparisons)",
        "note": "Anything to know about the test without strata"},
    "coalteration_counts": {"n": "Patients of the column at that HER2 level"},
}

# Table 1's group columns: "<level> (n = <patients>)".
GROUP_COLUMN = re.compile(r"(?P<level>.*) \(n = (?P<n>\d*)\)")


def describe(table: str, column: str) -> str | None:
    """The column's meaning in that table, or None when no one wrote it down."""
    own = TABLE_COLUMNS.get(table, {}).get(column)
    if own:
        return own
    if table == "table1":
        m = GROUP_COLUMN.fullmatch(column)
        if m:
            who = "all patients of the table" if m["level"] == "all" else f"group {m['level']}"
            return f"{who} ({m['n'] or '?'} patients): n (%) of the group, or median (range)"
    return COLUMNS.get(column)
