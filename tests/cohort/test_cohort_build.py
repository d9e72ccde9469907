"""The cohort table end to end (library level): fixtures in, one row per patient out."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil

import pytest
from conftest import FIXTURES, ROOT, write

from her2var.cohort.build import build_cohort
from her2var.errors import InputError

CLIN = FIXTURES / "clinical"
TODAY = dt.date(2026, 1, 1)


def fixture_script():
    spec = importlib.util.spec_from_file_location("mcf", ROOT / "scripts" / "make_clinical_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def clean():
    return build_cohort(str(CLIN / "clean_cohort.csv"), [str(CLIN / "clean_calls")],
                        samples_sheet=str(CLIN / "clean_samples.tsv"), strict=True, today=TODAY)


def rows(result):
    return {r["patient_id"]: r for r in result.rows}


def test_clean_cohort_values(clean):
    r = rows(clean)
    # the fixture calls.tsv predates oncogenicity tiers and the record of the co-driver genes tested:
    # tiers are derived on reading, and both are flagged once
    assert len(r) == 12 and [p.kind for p in clean.problems] == ["oncogenicity_derived", "codrivers_not_recorded"]
    assert [p.analyses for p in clean.problems] == [(), ()]
    p1 = r["P001"]
    # start 2021-10-06, progression 2021-12-19 (74 days), alive at last follow-up 2022-06-20 (257 days)
    assert (p1["pfs_days"], p1["pfs_event"], p1["os_days"], p1["os_event"]) == (74, 1, 257, 0)
    assert p1["pfs_months"] == pytest.approx(74 / 30.4375)
    assert (p1["regimen"], p1["regimen_group"], p1["drugs"]) == ("C+I", "combination", "carboplatin;pemetrexed;pembrolizumab")
    assert (p1["her2_status"], p1["her2_altered"], p1["erbb2_events"]) == ("exon20_insertion", "yes", "p.Y772_A775dup")
    assert r["P002"]["her2_classes"] == "exon20_insertion;amplification" and r["P002"]["copy_number"] == 9.5
    assert r["P005"]["her2_status"] == "wild_type" and r["P005"]["in_her2"] == "yes"
    assert r["P004"]["os_event"] == 1 and r["P004"]["regimen"] == "C"
    assert r["P005"]["regimen"] == "C+I+A"
    assert r["P007"]["regimen"] == "ADC" and r["P007"]["erbb2_events"] == "p.G776delinsVC"


@pytest.mark.parametrize("pid,assessed,cn", [("P006", "unknown", "no"), ("P011", "no", "no")])
def test_not_assessed_is_not_wild_type(clean, pid, assessed, cn):
    r = rows(clean)[pid]
    assert (r["her2_status"], r["her2_altered"], r["assessed"], r["cn_assessed"]) == ("not_assessed", "unknown", assessed, cn)
    assert r["in_her2"] == "no" and "HER2 not assessed" in r["exclusions"]
    assert r["in_pfs"] == "yes"  # only the HER2 analyses lose the patient


def test_variant_only_sample_with_an_insertion_is_altered(clean):
    r = rows(clean)["P009"]
    assert r["her2_status"] == "exon20_insertion" and r["assessed"] == "unknown" and r["in_her2"] == "yes"


def test_several_samples_choice_and_conflicts(clean):
    r = rows(clean)["P012"]
    assert (r["sample"], r["n_samples"], r["samples"]) == ("S012A", 2, "S012A;S012B")
    assert r["sample_choice"] == "closest before first-line start" and r["sample_conflict"] == "yes"
    assert r["her2_status"] == "exon20_insertion"  # the pre-treatment sample, not the later amplified one
    assert [(c["sample"], c["chosen"], c["her2_status"]) for c in clean.conflicts] == [
        ("S012A", "yes", "exon20_insertion"), ("S012B", "no", "exon20_insertion;amplification")]
    assert rows(clean)["P001"]["sample_conflict"] == "no"


def test_codriver_columns_pass_through(clean):
    # every co-driver gene of the rules has a column; results that do not record testing say "not tested"
    assert clean.codriver_genes == sorted(["ALK", "BRAF", "EGFR", "KRAS", "MET", "NTRK1", "NTRK2", "NTRK3", "RET",
                                           "ROS1"])
    r = rows(clean)
    assert r["P008"]["codriver_EGFR"] == "p.L858R" and r["P001"]["codriver_EGFR"] == "not tested"
    assert r["P001"]["codriver_ALK"] == "not tested"
    assert "p.L858R" not in r["P008"]["erbb2_events"]
    assert clean.columns.index("codriver_EGFR") > clean.columns.index("copy_number")


def test_store_gives_the_same_cohort_as_the_folder(tmp_path, clean):
    from her2var.classify.result import SampleResult
    from her2var.models import Call
    from her2var.classify.output import sample_json
    from her2var.store import open_store

    mod = fixture_script()
    with open_store(str(tmp_path / "h.db")) as store:
        for sample, (patient, specs, assessed, cn_assessed, cn, _) in mod.SAMPLES.items():
            r = SampleResult(sample=sample, patient=patient, assessed=assessed, cn_assessed=cn_assessed,
                             copy_number=cn, input_sha256=sample.encode().hex().ljust(64, "0"))
            for spec in specs:
                spec = dict(spec)
                r.calls.append(Call(sample=sample, gene=spec.pop("gene", "ERBB2"), **spec))
            store.record(sample_json(r, {"her2var_version": "t"}), "fixture")
    from_store = build_cohort(str(CLIN / "clean_cohort.csv"), store=str(tmp_path / "h.db"),
                              samples_sheet=str(CLIN / "clean_samples.tsv"), strict=True, today=TODAY)
    assert [r["rules_checksum"] for r in from_store.rows if r["sample"]] == ["fixture"] * len(from_store.chosen)
    assert all(r["rules_checksum"] == "" for r in clean.rows)  # the fixture folder predates the column
    strip = [[{k: v for k, v in r.items() if k != "rules_checksum"} for r in c.rows] for c in (from_store, clean)]
    assert strip[0] == strip[1] and from_store.conflicts == clean.conflicts
    assert from_store.summary["rules_checksums"] == ["fixture"]
    assert not any(p.kind == "mixed_rules" for p in from_store.problems)


def test_samples_classified_under_different_rules_are_flagged(tmp_path, caplog):
    """A cohort mixing amplification_cn 4 and 6 (two rules checksums) says so: a column per patient,
    the checksums in the summary, a flag in the problems and a warning."""
    from her2var.classify.output import sample_json
    from her2var.classify.result import SampleResult
    from her2var.store import open_store

    mod = fixture_script()
    with open_store(str(tmp_path / "h.db")) as store:
        for i, (sample, (patient, _, assessed, cn_assessed, cn, _)) in enumerate(mod.SAMPLES.items()):
            r = SampleResult(sample=sample, patient=patient, assessed=assessed, cn_assessed=cn_assessed,
                             copy_number=cn, input_sha256=sample.encode().hex().ljust(64, "0"))
            store.record(sample_json(r, {"her2var_version": "t"}), "a" * 64 if i % 2 else "b" * 64)
    with caplog.at_level("WARNING"):
        res = build_cohort(str(CLIN / "clean_cohort.csv"), store=str(tmp_path / "h.db"),
                           samples_sheet=str(CLIN / "clean_samples.tsv"), today=TODAY)
    assert res.summary["rules_checksums"] == ["a" * 64, "b" * 64]
    assert {r["rules_checksum"] for r in res.rows if r["sample"]} == {"a" * 64, "b" * 64}
    flagged = [p for p in res.problems if p.kind == "mixed_rules"]
    assert len(flagged) == 1 and flagged[0].analyses == () and "2 different rules" in flagged[0].message
    assert any("different rules" in m for m in caplog.messages)


def test_calls_tsv_alone(tmp_path):
    only = tmp_path / "calls.tsv"
    shutil.copy(CLIN / "clean_calls" / "calls.tsv", only)
    res = build_cohort(str(CLIN / "clean_cohort.csv"), [str(only)], samples_sheet=str(CLIN / "clean_samples.tsv"),
                       today=TODAY)
    r = rows(res)
    assert r["P001"]["her2_status"] == "exon20_insertion" and r["P001"]["assessed"] == "unknown"
    # P005 has no call: without samples.tsv the sample is not seen at all
    assert r["P005"]["her2_status"] == "no_sample" and r["P005"]["in_her2"] == "no"
    assert {p.patient for p in res.problems if p.kind == "patient_without_samples"} == {"P005", "P006", "P011"}


def test_calls_tsv_uses_samples_tsv_beside_it(clean):
    res = build_cohort(str(CLIN / "clean_cohort.csv"), [str(CLIN / "clean_calls" / "calls.tsv")],
                       samples_sheet=str(CLIN / "clean_samples.tsv"), strict=True, today=TODAY)
    assert res.rows == clean.rows


def test_later_batch_wins_and_is_listed(tmp_path):
    second = tmp_path / "batch2"
    shutil.copytree(CLIN / "clean_calls", second)
    res = build_cohort(str(CLIN / "clean_cohort.csv"), [str(CLIN / "clean_calls"), str(second)], today=TODAY)
    dups = [p for p in res.problems if p.kind == "duplicate_sample"]
    assert len(dups) == 13 and str(second / "samples.tsv") in dups[0].message
    with pytest.raises(InputError, match="duplicate_sample|in .* and in"):
        build_cohort(str(CLIN / "clean_cohort.csv"), [str(CLIN / "clean_calls"), str(second)], strict=True,
                     today=TODAY)


def test_samples_and_patients_that_do_not_match(tmp_path):
    clin = write(tmp_path, "c.csv", "patient_id,treatment_start\nP001,2021-01-01\nP999,2021-01-01\n")
    sheet = write(tmp_path, "s.tsv", "sample\tpatient\nS002\tP001\n")
    res = build_cohort(str(clin), [str(CLIN / "clean_calls")], samples_sheet=str(sheet), today=TODAY)
    kinds = {}
    for p in res.problems:
        kinds.setdefault(p.kind, set()).add((p.patient, p.sample))
    assert kinds["patient_without_samples"] == {("P999", "")}
    assert ("P004", "S004") in kinds["sample_without_patient"]
    assert kinds["sample_patient_mismatch"] == {("P001", "S002")}
    assert rows(res)["P001"]["samples"] == "S001;S002"


def test_strict_lists_every_problem(tmp_path):
    clin = write(tmp_path, "c.csv", """\
        patient_id,best_response,treatment_start,progression_date
        P001,great,2021-01-01,2020-01-01
        P002,PR,2021-01-01,
        """)
    with pytest.raises(InputError) as err:
        build_cohort(str(clin), [str(CLIN / "clean_calls")], strict=True, today=TODAY)
    text = str(err.value)
    assert text.startswith("--strict: ") and "nothing was written" in text
    assert "row 2, column 'best_response', patient P001: not a known" in text and "great" not in text
    assert "progression before the first-line start" in text
    assert "sample S003" in text  # samples without patients are listed too


def test_default_excludes_and_gives_reasons(tmp_path):
    clin = write(tmp_path, "c.csv", """\
        patient_id,best_response,drugs,treatment_start,progression_date,last_followup
        P001,great,pyrotinib,2021-01-01,2020-01-01,2021-06-01
        P002,,,2021-01-01,,
        """)
    res = build_cohort(str(clin), [str(CLIN / "clean_calls")], today=TODAY)
    r = rows(res)
    p1, p2 = r["P001"], r["P002"]
    assert (p1["in_pfs"], p1["in_os"], p1["in_response"]) == ("no", "yes", "no")
    assert p1["pfs_days"] is None and p1["os_days"] == 151
    assert "progression before the first-line start ('progression_date')" not in p1["exclusions"]
    assert "progression before the first-line start ('treatment_start') (pfs)" in p1["exclusions"]
    assert "no best response (response)" in p2["exclusions"] and "no first-line drugs (regimen)" in p2["exclusions"]
    assert "no progression, death or last follow-up date (pfs)" in p2["exclusions"]
    assert res.summary["included"]["pfs"] == 0 and res.summary["included"]["os"] == 1


def test_records_rows_and_the_table_written_agree(tmp_path):
    """The cohort is held as records (values in columns' order); its rows are made from them when
    read, and cohort.tsv is written from the rows as they are once they have been read."""
    from her2var.cohort.export import write_cohort

    result = build_cohort(str(CLIN / "clean_cohort.csv"), [str(CLIN / "clean_calls")],
                          samples_sheet=str(CLIN / "clean_samples.tsv"), today=TODAY)
    assert all(len(r) == len(result.columns) for r in result.records) and len(result.records) == 12
    write_cohort(result, str(tmp_path / "a" / "cohort.tsv"))
    assert "rows" not in result.__dict__  # cohort.tsv alone does not make the rows
    assert result.rows == [dict(zip(result.columns, r, strict=True)) for r in result.records]
    assert result.current_records() == result.records
    result.rows[0]["regimen"] = "=changed"
    del result.rows[1]["histology"]
    write_cohort(result, str(tmp_path / "b" / "cohort.tsv"))
    lines = [line.split("\t") for line in (tmp_path / "b" / "cohort.tsv").read_text().splitlines()]
    first, second = dict(zip(lines[0], lines[1], strict=True)), dict(zip(lines[0], lines[2], strict=True))
    assert first["regimen"] == "'=changed" and second["histology"] == ""
    before = (tmp_path / "a" / "cohort.tsv").read_text().splitlines()
    assert [line for line in before if not line.startswith(("P001", "P002"))] == \
        [line for line in (tmp_path / "b" / "cohort.tsv").read_text().splitlines() if not line.startswith(("P001", "P002"))]


def test_a_sample_repeated_within_one_source_is_listed_and_the_later_kept():
    from her2var.cohort.build import load_samples
    from her2var.cohort.calls import SampleCalls

    first, other, again = (SampleCalls("S1", "P1", "ok", source="a"), SampleCalls("S2", "P2", "ok", source="a"),
                           SampleCalls("S1", "P1", "ok", source="b"))
    got, problems = load_samples((), None, [first, other, again])
    assert got == [again, other] and got[0] is again
    assert [(p.kind, p.sample) for p in problems] == [("duplicate_sample", "S1")]
    assert "sample in a and in b" in problems[0].message
    assert load_samples((), None, [first, other]) == ([first, other], [])
