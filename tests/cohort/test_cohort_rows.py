"""The cohort's records made in one pass per patient (build._RecordMaker, for survival from dates)
are the rows ``build._row`` makes, in the cohort's columns' order: every column, values of the same
types, and the same exclusions recorded on the patient, in the same order; and the other shortcuts of the
per-patient loop give what the plain code gives."""

from __future__ import annotations

import copy
import datetime as dt
import random
from dataclasses import replace

from her2var.cohort.build import _columns, _included, _row, _RecordMaker, cohort_columns
from her2var.cohort.calls import SampleCalls
from her2var.cohort.clinical import Patient
from her2var.cohort.derive import (
    Survival,
    choose_sample,
    conflicting,
    os_,
    os_of_dates,
    pfs,
    pfs_of_dates,
)
from her2var.cohort.rules import ANALYSES, Selection, load_clinical_rules, load_regimen_rules
from her2var.cohort.tested import codriver_genes, gene_kinds
from her2var.rules.load import load_rules

DAY0 = dt.date(2020, 1, 1)


def _date(rng: random.Random) -> dt.date | None:
    return None if rng.random() < 0.3 else DAY0 + dt.timedelta(days=rng.randint(-60, 900))


def _patient(rng: random.Random, sites: tuple[str, ...], extras: tuple[str, ...]) -> Patient:
    p = Patient(row=rng.randint(2, 9), patient_id=f"P{rng.randint(0, 99)}",
                sex=rng.choice([None, "F", "M"]), age=rng.choice([None, 61.0, 70.5]),
                smoking=rng.choice([None, "never"]), ecog=rng.choice([None, "0", "1"]),
                stage=rng.choice([None, "IVA"]), histology=rng.choice([None, "adenocarcinoma"]),
                mets={s: rng.choice(["yes", "no", None]) for s in sites if rng.random() < 0.7},
                drugs=rng.choice([(), ("carboplatin",), ("carboplatin", "pemetrexed")]),
                drug_classes=rng.choice([frozenset(), frozenset({"chemotherapy"}),
                                         frozenset({"chemotherapy", "immunotherapy"})]),
                unknown_drugs=rng.choice([(), (), ("drug X",)]),
                regimen_given=rng.choice([None, "", "C+I", "C"]),
                treatment_start=_date(rng), progression_date=_date(rng), death_date=_date(rng),
                last_followup=_date(rng), best_response=rng.choice([None, "PR", "SD"]),
                cutoff=rng.choice([None, DAY0 + dt.timedelta(days=rng.randint(0, 900))]),
                extra={c: rng.choice([None, "a", 3.0, DAY0]) for c in extras if rng.random() < 0.7})
    for _ in range(rng.randint(0, 3)):  # exclusions made before the rows (date checks, no sample)
        p.exclude(rng.choice([("pfs",), ("os",), ("her2",), ("response",), ("regimen",), ("all",), ("pfs", "os")]),
                  rng.choice(["progression before the start", "no sample", "death date in the future"]))
    return p


def _sample(rng: random.Random, name: str) -> SampleCalls:
    def call() -> dict:
        return {"gene": rng.choice(["ERBB2", "ERBB2", "EGFR", "KRAS", "ALK", None]),
                "class": rng.choice(["exon20_insertion", "amplification", "point_mutation", "fusion"]),
                "oncogenicity": rng.choice(["oncogenic", "likely_oncogenic", "uncertain", None]),
                "hgvs_p": rng.choice(["p.Y772_A775dup", "p.G12C", "", None]), "hgvs_c": rng.choice(["", "c.1A>G"])}

    tested = rng.choice([None, {"small_variants": ("EGFR", "KRAS")}, {"small_variants": ("EGFR",), "fusion": ("ALK",)}])
    return SampleCalls(sample=name, patient="P", status=rng.choice(["ok", "ok", "ok", "error"]),
                       classes=tuple(rng.sample(["exon20_insertion", "amplification"], rng.randint(0, 2))),
                       assessed=rng.choice(["yes", "yes", "no", "unknown"]), cn_assessed=rng.choice(["yes", "no"]),
                       copy_number=rng.choice([None, 2.0, 9.5]), calls=[call() for _ in range(rng.randint(0, 3))],
                       collection_date=_date(rng), rules_checksum=rng.choice(["", "abc", "def"]), tested=tested)


def test_records_made_in_one_pass_are_the_rows_of_row() -> None:
    rules = load_rules()
    rrules = load_regimen_rules()
    base = load_clinical_rules()
    extras = ("pack_years", "trial_arm")
    codrivers = {**gene_kinds(rules), "NRG1": ()}  # and a gene no testing reports
    rng = random.Random(20261203)
    for crules in (base, replace(base, extra_columns=extras), replace(base, metastasis_sites=())):
        memos: tuple[dict, dict, dict, dict] = ({}, {}, {}, {})
        make = _RecordMaker(crules, rrules, rules, codrivers, memos[0], memos[1])
        assert make.columns == cohort_columns(crules, codrivers)
        seen_keys = set()
        for _ in range(3000):
            p = _patient(rng, crules.metastasis_sites, crules.extra_columns)
            ss = [_sample(rng, f"S{i}") for i in range(rng.choice([0, 1, 1, 2, 3]))]
            pick = rng.choice(ss) if ss else None
            how = rng.choice(["only sample", "closest before first-line start", ""])
            conflict = rng.random() < 0.2
            q = copy.deepcopy(p)
            fast = make(p, ss, pick, how, conflict)
            want = _row(q, ss, pick, how, conflict, codrivers, crules, rrules, rules, (), memos[2], memos[3])
            assert len(fast) == len(make.columns) and set(want) == set(make.columns)
            assert [(type(v), v) for v in fast] == [(type(want[c]), want[c]) for c in make.columns]
            assert list(p.excluded.items()) == list(q.excluded.items())
            seen_keys.add(tuple(p.excluded))
        assert len(seen_keys) > 10  # many combinations of exclusions were made
    assert len(memos[0]) > 0 and len(make.drug_memo) > 1 and len(make.tail_memo) > 10


def _pfs_as_written(p: Patient) -> tuple[Survival | None, str]:
    """PFS as the rules in derive's docstring state it, written out plainly."""
    start, cut = p.treatment_start, p.cutoff
    if start is None:
        return None, "no first-line start date"
    events = [d for d in (p.progression_date, p.death_date) if d is not None]
    if events:
        if cut is None or min(events) <= cut:
            return Survival((min(events) - start).days, 1), ""
        return Survival((cut - start).days, 0, "event after the cut-off: censored at the cut-off"), ""
    if p.last_followup is None:
        return None, "no progression, death or last follow-up date"
    if cut is not None and p.last_followup > cut:
        return Survival((cut - start).days, 0, "censored at the cut-off"), ""
    return Survival((p.last_followup - start).days, 0), ""


def _os_as_written(p: Patient) -> tuple[Survival | None, str]:
    start, cut = p.treatment_start, p.cutoff
    if start is None:
        return None, "no first-line start date"
    if p.death_date is not None:
        if cut is None or p.death_date <= cut:
            return Survival((p.death_date - start).days, 1), ""
        return Survival((cut - start).days, 0, "death after the cut-off: censored at the cut-off"), ""
    alive = [d for d in (p.last_followup, p.progression_date) if d is not None]
    if not alive:
        return None, "no death or last follow-up date"
    end, note = max(alive), ""
    if cut is not None and end > cut:
        end, note = cut, "censored at the cut-off"
    if p.last_followup is None or p.last_followup < end:
        note = note or "censored at the progression date (after the last follow-up)"
    return Survival((end - start).days, 0, note), ""


def test_survival_from_dates_is_what_pfs_and_os_give() -> None:
    rng = random.Random(4)
    notes = set()
    for _ in range(5000):
        p = _patient(rng, (), ())
        dates = (p.treatment_start, p.progression_date, p.death_date, p.last_followup, p.cutoff)
        for fn, as_written, of_dates in ((pfs, _pfs_as_written, pfs_of_dates), (os_, _os_as_written, os_of_dates)):
            s, reason = fn(p)
            assert (s, reason) == as_written(p)
            got = of_dates(*dates)
            if s is None:
                assert got == reason and reason
            else:
                assert isinstance(s, Survival) and got == (s.days, s.event, s.note) and reason == ""
                assert type(got[0]) is int
                notes.add(s.note)
    assert len(notes) == 5  # every kind of note was met, and none


def test_conflicting_with_the_events_given_is_conflicting() -> None:
    rng = random.Random(9)
    for _ in range(2000):
        ss = [_sample(rng, f"S{i}") for i in range(rng.randint(0, 4))]
        assert conflicting(ss, [s.erbb2_events for s in ss]) == conflicting(ss)


def test_choosing_among_tied_samples() -> None:
    """Samples tied on date are ranked by assessed, copy number assessed, then sample id; one
    sample on the best date is chosen whatever its flags."""
    rule = Selection(0, "closest_before_start", "earliest", "assessed")
    day = dt.date(2020, 1, 1)
    a = SampleCalls("A", "P", "ok", assessed="no", collection_date=day)
    b = SampleCalls("B", "P", "ok", assessed="yes", cn_assessed="yes", collection_date=day)
    c = SampleCalls("C", "P", "ok", assessed="yes", cn_assessed="no", collection_date=day)
    d = SampleCalls("D", "P", "ok", assessed="unknown", collection_date=day - dt.timedelta(days=3))
    assert choose_sample([a, b, c, d], day, rule) == (b, "closest before first-line start")
    assert choose_sample([a, c, d], day, rule) == (c, "closest before first-line start")
    assert choose_sample([d, a], day - dt.timedelta(days=1), rule) == (d, "closest before first-line start")
    assert choose_sample([a, c], None, rule) == (c, "earliest sample")
    undated = [replace(s, collection_date=None) for s in (a, d)]
    assert choose_sample(undated, day, rule) == (undated[1], "no collection dates: best assessed")


def test_included_counts_the_rows_in_each_analysis() -> None:
    rng = random.Random(2)
    columns = _columns(load_clinical_rules(), {})
    records = [tuple(rng.choice(["yes", "no", None]) for _ in columns) for _ in range(500)]
    at = columns.index
    assert _included(columns, records) == {a: [r[at(f"in_{a}")] for r in records].count("yes") for a in ANALYSES}
    assert _included(columns, []) == dict.fromkeys(ANALYSES, 0)


def test_codriver_genes_are_the_genes_codriver_events_name() -> None:
    rng = random.Random(6)
    kinds = {"EGFR": ("small_variants",)}
    for _ in range(300):
        ss = [_sample(rng, "S") for _ in range(rng.randint(0, 4))]
        for s in ss:
            for c in s.calls:
                c["gene"] = rng.choice(["ERBB2", "EGFR", "MET", "", None, "NRG1"])
        want = sorted(set(kinds) | {g for s in ss for g in s.codriver_events()})
        assert codriver_genes(kinds, ss) == want


def test_a_patient_listed_twice_has_one_row_from_the_first_record(tmp_path) -> None:
    from conftest import FIXTURES

    from her2var.cohort.build import build_cohort

    clin = FIXTURES / "clinical"
    lines = (clin / "clean_cohort.csv").read_text(encoding="utf-8").splitlines()
    header, first, second = lines[0].split(","), lines[1].split(","), lines[2].split(",")
    age = header.index("age")
    again = [*first]
    again[age] = "33"  # the same patient id again, another age, after the next patient
    assert first[age] != "33"
    path = tmp_path / "c.csv"
    path.write_text("\n".join([lines[0], lines[1], lines[2], ",".join(again), *lines[3:]]) + "\n", encoding="utf-8")
    got = build_cohort(str(path), [str(clin / "clean_calls")], samples_sheet=str(clin / "clean_samples.tsv"),
                       today=DAY0.replace(year=2026))
    ids = [r["patient_id"] for r in got.rows]
    assert ids[:2] == [first[0], second[0]] and ids.count(first[0]) == 1 and len(ids) == len(set(ids))
    assert got.rows[0]["age"] == float(first[age])
    assert [p.kind for p in got.problems].count("duplicate_patient") == 2
