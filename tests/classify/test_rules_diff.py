"""Two results of one sample under two rules versions: what changed and why (store diff)."""

from __future__ import annotations

import copy

import pytest

from her2var.classify.rules_diff import DIFF_COLUMNS, compare_results, compare_rules, event_name


def call(name="p.L755S", pos=37880220, ref="T", alt="C", tier="oncogenic", klass="point_mutation", gene="ERBB2"):
    return {"gene": gene, "class": klass, "hgvs_p": name, "hgvs_c": "NM_004448.4:c.2264T>C", "chrom": "17",
            "pos": pos, "ref": ref, "alt": alt, "source": "vcf", "oncogenicity": tier,
            "oncogenicity_rule": f"rule for {tier}"}


AMP = {"gene": "ERBB2", "class": "amplification", "hgvs_p": "", "hgvs_c": "", "chrom": "17", "pos": None,
       "ref": "", "alt": "", "source": "cnvkit", "oncogenicity": "oncogenic"}


def result(calls, *, status="point_mutation", altered="yes", tier="oncogenic", skipped=(), thresholds=None, **extra):
    doc = {"sample": "S1", "patient": "P1", "her2_status": status, "her2_altered": altered, "her2_tier": tier,
           "assessed": "unknown", "cn_assessed": "no", "copy_number": None, "cn_source": "", "driver_group": "",
           "codrivers": "", "calls": list(calls), "qc": {"skipped_events": list(skipped)},
           "provenance": {"input_sha256": "a" * 64, "thresholds": thresholds or {"min_vaf": 0.02}}}
    doc.update(extra)
    return doc


def test_same_result_is_no_change():
    doc = result([call()])
    assert compare_results(doc, copy.deepcopy(doc)) is None


def test_an_event_left_out_by_a_new_threshold_says_why():
    old = result([call()])
    skipped = {**call(), "reason": "low_vaf", "detail": "VAF 0.04 < min_vaf 0.05"}
    new = result([], status="none", altered="unknown", tier="none", skipped=[skipped])
    change = compare_results(old, new)
    assert change is not None and change.altered_changed and change.status_changed
    assert change.removed == ["ERBB2:p.L755S (oncogenic; now left out as low_vaf: VAF 0.04 < min_vaf 0.05)"]
    v = change.values()
    assert list(v) == list(DIFF_COLUMNS)
    assert (v["her2_status_from"], v["her2_status_to"], v["her2_altered_from"], v["her2_altered_to"]) == \
        ("point_mutation", "none", "yes", "unknown")
    assert v["same_input"] == "yes"


def test_an_event_now_reported_says_why_it_was_left_out_before():
    skipped = {**call(), "reason": "low_vaf", "detail": "VAF 0.015 < min_vaf 0.02"}
    change = compare_results(result([], status="none", altered="unknown", tier="none", skipped=[skipped]),
                             result([call()]))
    assert change is not None
    assert change.added == ["ERBB2:p.L755S (oncogenic; was left out as low_vaf: VAF 0.015 < min_vaf 0.02)"]


def test_tier_and_class_changes_of_the_same_event():
    old = result([call(tier="likely_oncogenic"), call("p.V842I", pos=37881457, ref="G", alt="A")])
    new = result([call(tier="oncogenic"), call("p.V842I", pos=37881457, ref="G", alt="A", klass="other")])
    change = compare_results(old, new)
    assert change is not None and not change.altered_changed
    assert change.changed == ["ERBB2:p.L755S tier likely_oncogenic -> oncogenic (rule for oncogenic)",
                              "ERBB2:p.V842I class point_mutation -> other"]


def test_amplification_copy_number_and_coverage_changes():
    old = result([AMP], status="amplification", copy_number=4.5, cn_assessed="yes", cn_source="cnvkit")
    new = result([], status="none", altered="no", tier="none", copy_number=4.5, cn_assessed="yes",
                 cn_source="cnvkit", assessed="yes")
    change = compare_results(old, new)
    assert change is not None
    assert change.removed == ["ERBB2:amplification (oncogenic)"]
    assert change.other == ["assessed unknown -> yes"]
    raised = compare_results(old, {**new, "provenance": {"thresholds": {"amplification_cn": 5.0}}})
    assert raised is not None
    assert raised.removed == ["ERBB2:amplification (oncogenic; now left out as not amplified: copy number 4.5 <= "
                              "amplification_cn 5.0)"]


def test_another_input_is_flagged():
    new = result([call()], provenance={"input_sha256": "b" * 64})
    change = compare_results(result([call()]), {**new, "assessed": "yes"})
    assert change is not None and change.same_input is False


def test_compare_rules_counts_and_thresholds():
    old = {"S1": result([call()]), "S2": result([call()]), "S3": result([])}
    new = {"S1": result([], status="none", altered="unknown", tier="none", thresholds={"min_vaf": 0.05}),
           "S2": result([call()], thresholds={"min_vaf": 0.05}), "S4": result([])}
    diff = compare_rules(old, new)
    assert diff.compared == 2 and [c.sample for c in diff.changed] == ["S1"]
    assert diff.only_from == ["S3"] and diff.only_to == ["S4"]
    assert diff.thresholds == ["min_vaf 0.02 -> 0.05"]
    assert diff.patients_changed == ["P1"]


@pytest.mark.parametrize("c,name", [
    (call(), "ERBB2:p.L755S"), ({**call(), "hgvs_p": ""}, "ERBB2:c.2264T>C"), (AMP, "ERBB2:amplification"),
])
def test_event_names_as_samples_tsv_writes_them(c, name):
    assert event_name(c) == name
