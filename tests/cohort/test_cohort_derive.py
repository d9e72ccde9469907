"""Derived values, one table of cases per rule: PFS, OS, regimen, HER2 status, sample choice."""

from __future__ import annotations

import datetime as dt

import pytest

from her2var.cohort.calls import SampleCalls
from her2var.cohort.clinical import Patient
from her2var.cohort.derive import (
    MONTH_DAYS,
    altered_classes,
    choose_sample,
    conflicting,
    her2_status,
    her2_verdict,
    os_,
    pfs,
    regimen,
)
from her2var.cohort.rules import Selection, load_regimen_rules

D = dt.date


def patient(**kw) -> Patient:
    return Patient(row=2, patient_id="P1", treatment_start=kw.pop("start", D(2021, 1, 1)), **kw)


# (case, dates, expected PFS (days, event) or reason, expected OS (days, event) or reason)
SURVIVAL = [
    ("progression", dict(progression_date=D(2021, 3, 2), last_followup=D(2021, 9, 1)), (60, 1), (243, 0)),
    ("death without progression is a PFS event", dict(death_date=D(2021, 4, 11)), (100, 1), (100, 1)),
    ("progression then death", dict(progression_date=D(2021, 2, 1), death_date=D(2021, 6, 1)), (31, 1), (151, 1)),
    ("censored at last follow-up", dict(last_followup=D(2022, 1, 1)), (365, 0), (365, 0)),
    ("last follow-up capped at the cut-off", dict(last_followup=D(2022, 1, 1), cutoff=D(2021, 7, 1)),
     (181, 0), (181, 0)),
    ("progression after the cut-off: censored at the cut-off",
     dict(progression_date=D(2021, 8, 1), last_followup=D(2021, 9, 1), cutoff=D(2021, 7, 1)), (181, 0), (181, 0)),
    ("death after the cut-off: alive at the cut-off",
     dict(progression_date=D(2021, 3, 1), death_date=D(2021, 12, 1), cutoff=D(2021, 7, 1)), (59, 1), (181, 0)),
    ("OS censored at progression when follow-up stops earlier",
     dict(progression_date=D(2021, 5, 1), last_followup=D(2021, 4, 1)), (120, 1), (120, 0)),
    ("no start", dict(start=None, last_followup=D(2021, 4, 1)), "no first-line start date", "no first-line start date"),
    ("nothing after the start", dict(), "no progression, death or last follow-up date", "no death or last follow-up date"),
    ("event on day 0", dict(death_date=D(2021, 1, 1)), (0, 1), (0, 1)),
]


@pytest.mark.parametrize("case,dates,want_pfs,want_os", SURVIVAL, ids=[c[0] for c in SURVIVAL])
def test_survival(case, dates, want_pfs, want_os):
    p = patient(**dates)
    for fn, want in ((pfs, want_pfs), (os_, want_os)):
        s, reason = fn(p)
        if isinstance(want, str):
            assert s is None and reason == want
        else:
            assert (s.days, s.event) == want and reason == ""
            assert s.months == pytest.approx(want[0] / 30.4375)


def test_month_length():
    assert MONTH_DAYS == 30.4375  # 365.25 / 12; a change here changes every reported survival time


REGIMENS = [
    ({"C"}, "C", "single"), ({"I"}, "I", "single"), ({"TKI"}, "TKI", "single"), ({"ADC"}, "ADC", "single"),
    ({"A"}, "A", "single"), ({"I", "C"}, "C+I", "combination"), ({"A", "C"}, "C+A", "combination"),
    ({"A", "I", "C"}, "C+I+A", "combination"), ({"TKI", "C"}, "C+TKI", "combination"),
    ({"ADC", "I"}, "I+ADC", "combination"), ({"INV"}, "INV", "single"), ({"INV", "C"}, "C+INV", "combination"),
    (set(), "", ""),
]


@pytest.mark.parametrize("classes,want,group", REGIMENS)
def test_regimen_is_written_in_the_seed_order(classes, want, group):
    p = patient(drug_classes=frozenset(classes))
    assert regimen(p, load_regimen_rules()) == (want, group)


def test_every_class_has_a_regimen_case():
    covered = set().union(*(c for c, _, _ in REGIMENS))
    assert covered == set(load_regimen_rules().class_order)


def test_regimen_column_used_when_no_drugs():
    assert regimen(patient(regimen_given="C+I"), load_regimen_rules()) == ("C+I", "combination")


@pytest.mark.parametrize("given,want", [(None, ("unknown", "unknown")), ("TKI", ("TKI", "single")),
                                        ("C+I", ("C+I", "combination"))])
def test_an_unknown_drug_makes_the_regimen_unknown_unless_the_regimen_column_says(given, want):
    p = patient(drug_classes=frozenset({"C"}), unknown_drugs=("wondermab",), regimen_given=given)
    assert regimen(p, load_regimen_rules()) == want


def sample(name="S1", *, classes=(), assessed="yes", cn="yes", status="ok", date=None, events=(), tiers=()):
    calls = [{"gene": "ERBB2", "class": c, "hgvs_p": e, "oncogenicity": t}
             for c, e, t in zip(classes, events or classes, tiers or ["oncogenic"] * len(classes))]
    return SampleCalls(sample=name, patient="P1", status=status, classes=tuple(classes), assessed=assessed,
                       cn_assessed=cn, calls=calls, collection_date=date)


COUNTED = ("oncogenic", "likely_oncogenic")
HER2 = [
    ("altered", sample(classes=("exon20_insertion",), assessed="unknown", cn="no"), "exon20_insertion", "yes",
     "oncogenic"),
    ("two classes", sample(classes=("exon20_insertion", "amplification")), "exon20_insertion;amplification", "yes",
     "oncogenic"),
    ("likely oncogenic counts", sample(classes=("point_mutation",), tiers=("likely_oncogenic",)), "point_mutation",
     "yes", "likely_oncogenic"),
    ("assessed, no alteration", sample(), "wild_type", "no", "none"),
    ("assessed, a VUS only", sample(classes=("point_mutation",), tiers=("uncertain",)), "point_mutation", "no",
     "uncertain only"),
    ("variant-only VCF, a VUS only", sample(classes=("point_mutation",), tiers=("uncertain",), assessed="unknown"),
     "point_mutation", "unknown", "uncertain only"),
    ("a polymorphism only", sample(classes=("point_mutation",), tiers=("likely_benign",)), "point_mutation", "no",
     "likely_benign only"),
    ("variant-only VCF", sample(assessed="unknown"), "not_assessed", "unknown", "none"),
    ("exon 20 not covered", sample(assessed="no"), "not_assessed", "unknown", "none"),
    ("copy number not assessed", sample(cn="no"), "not_assessed", "unknown", "none"),
    ("failed sample", sample(status="error"), "not_assessed", "unknown", "error"),
    ("no sample", None, "no_sample", "unknown", ""),
]


@pytest.mark.parametrize("case,s,status,altered,tier", HER2, ids=[c[0] for c in HER2])
def test_her2_status_never_wild_type_by_absence(case, s, status, altered, tier):
    assert her2_status(s) == status and her2_verdict(s, COUNTED) == (altered, tier)


def test_her2_status_keeps_every_class_and_her2_classes_only_the_counted_ones():
    s = sample(classes=("exon20_insertion", "point_mutation"), tiers=("oncogenic", "uncertain"))
    assert her2_status(s) == "exon20_insertion;point_mutation"
    assert altered_classes(s, COUNTED) == ("exon20_insertion",)
    assert altered_classes(s, ("likely_oncogenic",)) == ()  # a lab counting fewer tiers


def test_samples_tsv_without_calls_counts_every_class_as_before():
    s = SampleCalls(sample="S1", patient="P1", status="ok", classes=("point_mutation",), assessed="yes",
                    cn_assessed="yes", calls=[])
    altered, tier = her2_verdict(s, COUNTED)
    assert altered == "yes" and tier.startswith("not tiered")
    assert altered_classes(s, COUNTED) == ("point_mutation",)


RULE = Selection(window_days_after_start=0, prefer="closest_before_start", otherwise="earliest", tie_break="assessed")
START = D(2021, 6, 1)
CHOICE = [
    ("closest before the start", [("A", D(2021, 1, 1), "yes"), ("B", D(2021, 5, 20), "yes"), ("C", D(2021, 7, 1), "yes")],
     "B", "closest before first-line start"),
    ("on the start day counts as before", [("A", D(2021, 6, 1), "yes"), ("B", D(2021, 6, 2), "yes")],
     "A", "closest before first-line start"),
    ("all after: the earliest", [("A", D(2021, 9, 1), "yes"), ("B", D(2021, 7, 1), "yes")], "B", "earliest sample"),
    ("same day: the better assessed", [("A", D(2021, 5, 1), "unknown"), ("B", D(2021, 5, 1), "yes")],
     "B", "closest before first-line start"),
    ("undated: the best assessed", [("A", None, "no"), ("B", None, "yes")], "B", "no collection dates: best assessed"),
    ("dated beats undated", [("A", None, "yes"), ("B", D(2021, 9, 1), "unknown")], "B", "earliest sample"),
]


@pytest.mark.parametrize("case,specs,want,how", CHOICE, ids=[c[0] for c in CHOICE])
def test_sample_choice(case, specs, want, how):
    ss = [sample(n, date=d, assessed=a) for n, d, a in specs]
    chosen, why = choose_sample(ss, START, RULE)
    assert (chosen.sample, why) == (want, how)


def test_window_after_start_and_no_start():
    ss = [sample("A", date=D(2021, 6, 10)), sample("B", date=D(2021, 8, 1))]
    rule = Selection(14, "closest_before_start", "earliest", "assessed")
    assert choose_sample(ss, START, rule)[0].sample == "A"
    assert choose_sample(ss, None, RULE) == (ss[0], "earliest sample")
    assert choose_sample(ss, None, Selection(0, "latest", "earliest", "assessed"))[0].sample == "B"


def test_failed_samples_are_chosen_only_when_none_classified():
    ok, bad = sample("OK", date=D(2021, 9, 1)), sample("BAD", status="error", date=D(2021, 5, 1))
    assert choose_sample([bad, ok], START, RULE) == (ok, "only sample that classified")
    assert choose_sample([bad], START, RULE) == (bad, "only sample")


def test_conflicting_calls():
    a = sample("A", classes=("exon20_insertion",), events=("p.Y772_A775dup",))
    b = sample("B", classes=("exon20_insertion",), events=("p.Y772_A775dup",))
    c = sample("C", classes=("exon20_insertion",), events=("p.G776delinsVC",))
    assert not conflicting([a, b]) and conflicting([a, c])
    assert not conflicting([a, sample("F", status="error")])
