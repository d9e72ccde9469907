"""``her2var cohort --study/--bpc``: a public cohort's clinical records through the cohort into
``analyze``. Survival arrives as intervals (months x 30.4375 days), delayed entry from GENIE BPC's
sequencing reports reaches Kaplan-Meier, log-rank and Cox; expected numbers are computed here from
the fixture files and her2var.stats on the same patients."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, run_cli

from her2var.analysis.run import analyze
from her2var.cohort.export import parquet_frame
from her2var.models import CALL_COLUMNS, SAMPLE_COLUMNS
from her2var.stats import cox_fit, kaplan_meier_by_group, logrank_test, median_survival

STUDIES = FIXTURES / "studies"
CBIO, GENIE, BPC = STUDIES / "cbioportal_study", STUDIES / "genie_release", STUDIES / "genie_bpc"
PLAN = """\
version: 1
name: public-cohort
title: HER2 in a public cohort
id_column: patient_id
groupings:
  - name: her2
    label: HER2 altered
    column: her2_altered
    levels: ["yes", "no"]
endpoints:
  - name: os
    label: Overall survival
    time: os_months
    event: os_event
    require_yes: [in_os]
{os_entry}  - name: pfs
    label: Progression-free survival
    time: pfs_months
    event: pfs_event
    require_yes: [in_pfs]
{pfs_entry}cox:
  endpoints: [os, pfs]
  univariable: true
  multivariable: false
  covariates:
    - {{grouping: her2, label: HER2 altered, type: categorical, reference: "no"}}
km:
  median_ci: log
  median_rule: print
  conf_level: 0.95
  time_unit: months
logrank:
  pairwise: false
  adjust: none
"""


def calls_folder(folder: Path, samples: list[str]) -> Path:
    """A classify output: every third sample has an ERBB2 exon 20 insertion, the rest are wild type."""
    folder.mkdir(parents=True)
    altered = {s for k, s in enumerate(samples) if k % 3 == 0}
    with open(folder / "samples.tsv", "w") as fh:
        fh.write("\t".join(SAMPLE_COLUMNS) + "\n")
        for s in samples:
            r = dict.fromkeys(SAMPLE_COLUMNS, "")
            r.update(sample=s, her2_status="exon20_insertion" if s in altered else "none", assessed="yes",
                     cn_assessed="yes", status="ok", build="GRCh37", n_events="1" if s in altered else "0")
            fh.write("\t".join(r[c] for c in SAMPLE_COLUMNS) + "\n")
    with open(folder / "calls.tsv", "w") as fh:
        fh.write("\t".join(CALL_COLUMNS) + "\n")
        for s in sorted(altered):
            c = dict.fromkeys(CALL_COLUMNS, "")
            c.update(sample=s, gene="ERBB2", **{"class": "exon20_insertion"}, hgvs_p="p.Y772_A775dup", exon="20",
                     chrom="17", pos="37880981", ref="A", alt="AGCATACGTGATG", source="vcf", build="GRCh37",
                     oncogenicity="oncogenic")
            fh.write("\t".join(c[x] for x in CALL_COLUMNS) + "\n")
    return folder


def sample_ids(path: Path) -> list[str]:
    lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("#")]
    return [r["SAMPLE_ID"] for r in csv.DictReader(lines, delimiter="\t")]


def csv_file(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def one(records, **match):
    hits = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    assert len(hits) == 1, (match, len(hits))
    return hits[0]


@pytest.fixture(scope="module")
def cbio_cohort(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cbio")
    calls = calls_folder(tmp / "calls", sample_ids(CBIO / "data_clinical_sample.txt"))
    proc = run_cli("cohort", "--study", CBIO, "--calls", calls, "-o", tmp / "out" / "cohort.tsv",
                   "--xlsx", tmp / "out" / "cohort.xlsx")
    assert proc.returncode == 0, proc.stderr
    assert "cohort: 40 patients, 45 samples (39 patients with a sample)" in proc.stderr
    return tmp / "out" / "cohort.tsv"


@pytest.fixture(scope="module")
def bpc_cohort(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("bpc")
    calls = calls_folder(tmp / "calls", sample_ids(GENIE / "data_clinical_sample.txt"))
    proc = run_cli("cohort", "--study", GENIE, "--bpc", BPC, "--calls", calls, "-o", tmp / "out" / "cohort.tsv")
    assert proc.returncode == 0, proc.stderr
    assert "cohort: 30 patients, 30 samples" in proc.stderr
    return tmp / "out" / "cohort.tsv"


def test_cbioportal_months_become_days_without_dates(cbio_cohort: Path) -> None:
    rows = {r["patient_id"]: r for r in read_tsv(cbio_cohort)}
    lines = [ln for ln in (CBIO / "data_clinical_patient.txt").read_text().splitlines() if not ln.startswith("#")]
    source = {r["PATIENT_ID"]: r for r in csv.DictReader(lines, delimiter="\t")}
    seen = 0
    for pid, src in source.items():
        r = rows[pid]
        assert not any(r[c] for c in ("treatment_start", "progression_date", "death_date", "last_followup"))
        if src["OS_MONTHS"] == "NA":
            assert r["os_months"] == "" and r["in_os"] == "no" and "OS_MONTHS is empty" in r["exclusions"]
            continue
        assert float(r["os_months"]) == pytest.approx(float(src["OS_MONTHS"]), abs=5e-5)
        assert float(r["os_days"]) == pytest.approx(float(src["OS_MONTHS"]) * 30.4375, abs=5e-3)
        assert r["os_event"] == ("1" if src["OS_STATUS"] in ("1:DECEASED", "DECEASED") else "0")
        assert r["survival_origin"].startswith("as the study defines it")
        seen += 1
    assert seen > 30
    assert rows["P-0000007"]["age"] == "" and rows["P-0000007"]["age_redacted"] == ">89"
    problems = read_tsv(cbio_cohort.with_name("cohort.problems.tsv"))
    assert list(problems[0])[:3] == ["kind", "file", "row"]
    orphan = one(problems, kind="sample_without_patient", row="50")
    assert orphan["file"].endswith("data_clinical_sample.txt") and orphan["sample"] == "P-0000040-T01-IM6"
    assert one(problems, kind="patient_without_samples")["file"].endswith("data_clinical_patient.txt")


def test_interval_survival_reaches_km_logrank_and_cox(cbio_cohort: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.format(os_entry="", pfs_entry=""))
    analyze(str(cbio_cohort), str(plan), str(tmp_path / "an"), figures=False)
    res = json.loads((tmp_path / "an" / "results.json").read_text())
    rows = [r for r in read_tsv(cbio_cohort) if r["in_os"] == "yes" and r["her2_altered"] in ("yes", "no")]
    t = np.array([float(r["os_months"]) for r in rows])
    e = np.array([float(r["os_event"]) for r in rows])
    g = np.array([r["her2_altered"] for r in rows], dtype=object)
    curves = kaplan_meier_by_group(t, e, g, levels=["yes", "no"])
    for level, curve in curves.items():
        med = median_survival(curve, "log", rule="print")
        rec = one(res["km"], endpoint="os", group_by="her2", subgroup=None, group=level)
        assert (rec["n"], rec["median"], rec["ci_low"], rec["ci_high"]) == (curve.n, med.median, med.lower, med.upper)
    lr = logrank_test(t, e, g, levels=["yes", "no"])
    rec = one(res["logrank"], endpoint="os", group_by="her2", subgroup=None)
    assert (rec["chisq"], rec["p"]) == (lr.chisq, lr.p)
    import pandas as pd

    frame = pd.DataFrame({"_t_": t, "_e_": e, "her2": g})
    m = cox_fit(frame, "_t_", "_e_", ["her2"], categorical={"her2": "no"})
    (term,) = m.terms
    cox = one(res["cox"], endpoint="os", model="univariable", term=term.term)
    assert (cox["hr"], cox["p"], cox["n"]) == (term.hr, term.p, m.n)


def test_bpc_delayed_entry_reaches_km_logrank_and_cox(bpc_cohort: Path, tmp_path: Path) -> None:
    rows = read_tsv(bpc_cohort)
    cpt = {r["record_id"]: int(r["dx_cpt_rep_days"]) for r in csv_file(BPC / "cancer_panel_test_level_dataset.csv")}
    reg = {r["record_id"]: r for r in csv_file(BPC / "regimen_cancer_level_dataset.csv") if r["regimen_number"] == "1"}
    for r in rows:
        if r["pfs_entry_days"]:
            expected = max(0, cpt[r["patient_id"]] - int(reg[r["patient_id"]]["dx_reg_start_int"]))
            assert float(r["pfs_entry_days"]) == expected == float(r["os_entry_days"])
            assert float(r["pfs_entry_months"]) == pytest.approx(expected / 30.4375, abs=5e-5)
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.format(os_entry="    entry: os_entry_months\n", pfs_entry="    entry: pfs_entry_months\n"))
    analyze(str(bpc_cohort), str(plan), str(tmp_path / "an"), figures=False)
    res = json.loads((tmp_path / "an" / "results.json").read_text())
    keep = [r for r in rows if r["in_os"] == "yes" and r["os_entry_months"]
            and float(r["os_entry_months"]) < float(r["os_months"])]
    assert len(keep) < sum(r["in_os"] == "yes" for r in rows)  # the late report and the untested patient
    t = np.array([float(r["os_months"]) for r in keep])
    e = np.array([float(r["os_event"]) for r in keep])
    en = np.array([float(r["os_entry_months"]) for r in keep])
    g = np.array([r["her2_altered"] for r in keep], dtype=object)
    assert en.max() > 0
    levels = [lv for lv in ("yes", "no") if (g == lv).any()]
    for level, curve in kaplan_meier_by_group(t, e, g, entry=en, levels=levels).items():
        med = median_survival(curve, "log", rule="print")
        rec = one(res["km"], endpoint="os", group_by="her2", subgroup=None, group=level)
        assert (rec["n"], rec["median"], rec["ci_low"], rec["ci_high"], rec["entry"]) == \
            (curve.n, med.median, med.lower, med.upper, "os_entry_months")
    lr = logrank_test(t, e, g, entry=en, levels=levels)
    assert one(res["logrank"], endpoint="os", group_by="her2", subgroup=None)["chisq"] == lr.chisq
    assert lr.chisq != logrank_test(t, e, g, levels=levels).chisq
    late = [x for x in res["exclusions"] if x["patient_id"] == "GENIE-MSK-000004" and x["analysis"] == "os"]
    assert len(late) == 1 and "never at risk after entry" in late[0]["reason"]
    import pandas as pd

    m = cox_fit(pd.DataFrame({"_t_": t, "_e_": e, "_entry_": en, "her2": g}), "_t_", "_e_", ["her2"],
                categorical={"her2": "no"}, entry="_entry_")
    (term,) = m.terms
    assert one(res["cox"], endpoint="os", model="univariable", term=term.term)["hr"] == term.hr


def test_a_cbioportal_export_reads_back_as_a_study(cbio_cohort: Path, tmp_path: Path) -> None:
    """The cohort's own --cbioportal study (1:PROGRESSION / 0:CENSORED, FIRST_LINE_DRUGS, ...) is a study."""
    calls = calls_folder(tmp_path / "calls", sample_ids(CBIO / "data_clinical_sample.txt"))
    first = run_cli("cohort", "--study", CBIO, "--calls", calls, "-o", tmp_path / "a" / "cohort.tsv",
                    "--cbioportal", tmp_path / "a" / "export", "--cbioportal-build", "GRCh37")
    assert first.returncode == 0, first.stderr
    again = run_cli("cohort", "--study", tmp_path / "a" / "export", "--calls", calls,
                    "-o", tmp_path / "b" / "cohort.tsv")
    assert again.returncode == 0, again.stderr
    a = {r["patient_id"]: r for r in read_tsv(tmp_path / "a" / "cohort.tsv")}
    b = {r["patient_id"]: r for r in read_tsv(tmp_path / "b" / "cohort.tsv")}
    assert set(b) == {p for p, r in a.items() if r["sample"]}
    for pid, r in b.items():
        for c in ("sex", "age", "smoking", "stage", "pfs_event", "os_event", "her2_status"):
            assert r[c] == a[pid][c], (pid, c)
        for c in ("pfs_months", "os_months"):
            assert (r[c] == "") == (a[pid][c] == "") and (not r[c] or abs(float(r[c]) - float(a[pid][c])) < 1e-4)


def test_without_calls_the_study_is_classified_first(tmp_path: Path) -> None:
    """In memory, or recorded into --store: the same cohort as classify --study --out then --calls."""
    classified = run_cli("classify", "--study", CBIO, "--out", tmp_path / "classified")
    assert classified.returncode == 0, classified.stderr
    runs = {"calls": ["--calls", tmp_path / "classified"], "memory": [], "store": ["--store", tmp_path / "h.db"]}
    for name, extra in runs.items():
        proc = run_cli("cohort", "--study", CBIO, *extra, "-o", tmp_path / name / "cohort.tsv")
        assert proc.returncode == 0, proc.stderr
        assert ("classify: 45 sample(s)" in proc.stderr) == (name != "calls")
    assert (tmp_path / "h.db").is_file()
    for name in ("memory", "store"):
        for suffix in ("cohort.tsv", "cohort.problems.tsv", "cohort.conflicts.tsv"):
            assert (tmp_path / name / suffix).read_text() == (tmp_path / "calls" / suffix).read_text(), (name, suffix)
    rows = read_tsv(tmp_path / "memory" / "cohort.tsv")
    assert one(rows, patient_id="P-0000001")["her2_status"] == "exon20_insertion"
    assert len(rows) == 40 and sum(r["in_her2"] == "yes" for r in rows) > 20


def test_parquet_keeps_fractional_days() -> None:
    frame = parquet_frame(["os_days", "pfs_days"], [{"os_days": 380.46875, "pfs_days": 12}, {"os_days": None,
                                                                                            "pfs_days": None}])
    assert str(frame["os_days"].dtype) == "Float64" and frame["os_days"][0] == 380.46875
    assert str(frame["pfs_days"].dtype) == "Int64"


@pytest.mark.parametrize("extra, needle", [
    (["--clinical", str(FIXTURES / "clinical" / "clean_cohort.csv")], "give --clinical or --study/--bpc, not both"),
    (["--cutoff", "2024-01-01"], "--cutoff is for --clinical records"),
    (["--samples", str(FIXTURES / "clinical" / "clean_samples.tsv")], "--samples is for --clinical records"),
    (["--date-format", "%Y"], "--date-format is for --clinical records"),
    (["--bpc", str(BPC), "--study", "NONE"],
     "give --calls (a classify --out folder or calls.tsv) and/or --store, or --study to classify"),
])
def test_usage_errors(tmp_path: Path, extra: list[str], needle: str) -> None:
    if extra[-1] == "NONE":  # GENIE BPC alone has no genomic data to classify
        args = extra[:2]
    else:
        args = ["--study", str(CBIO), "--calls", str(FIXTURES / "clinical" / "clean_calls"), *extra]
    proc = run_cli("cohort", *args, "-o", tmp_path / "cohort.tsv")
    assert proc.returncode == 2 and needle in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "cohort.tsv").exists()


def test_a_malformed_study_fails_cleanly_and_writes_nothing(tmp_path: Path) -> None:
    study = tmp_path / "study"
    study.mkdir()
    text = (CBIO / "data_clinical_patient.txt").read_text().replace("\t24.34\tLIVING", "\t24,34\tLIVING")
    (study / "data_clinical_patient.txt").write_text(text)
    out = tmp_path / "out"
    proc = run_cli("cohort", "--study", study, "--calls", str(FIXTURES / "clinical" / "clean_calls"),
                   "-o", out / "cohort.tsv")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "data_clinical_patient.txt:7, column 'OS_MONTHS': not a number (expected months" in proc.stderr
    assert "24,34" not in proc.stderr  # a survival time is patient data
    assert "nothing was written" in proc.stderr
    assert not out.exists() or os.listdir(out) == []


@pytest.mark.parametrize("bpc, notes", [((), {"redacted", "outside_cohort"}),
                                        (("--bpc", BPC), {"several_cancers", "outside_cohort"})])
def test_strict_counts_faults_not_facts_of_the_source(tmp_path: Path, bpc: tuple, notes: set[str]) -> None:
    """--strict fails on faults of the records (a sample of an unknown patient, a patient without a
    sample, an unknown drug), never on what a public release publishes as it is (a redacted age,
    samples of other cancer types, several index cancers): those stay listed in the problems table."""
    calls = calls_folder(tmp_path / "calls", sample_ids(GENIE / "data_clinical_sample.txt"))
    lenient = run_cli("cohort", "--study", GENIE, *bpc, "--calls", calls, "-o", tmp_path / "all" / "cohort.tsv")
    assert lenient.returncode == 0, lenient.stderr
    kinds = [p["kind"] for p in read_tsv(tmp_path / "all" / "cohort.problems.tsv")]
    assert notes <= set(kinds)
    faults = [k for k in kinds if k not in ("redacted", "outside_cohort", "several_cancers")]
    assert faults
    strict = run_cli("cohort", "--study", GENIE, *bpc, "--calls", calls, "-o", tmp_path / "strict" / "cohort.tsv",
                     "--strict")
    assert strict.returncode != 0 and "Traceback" not in strict.stderr
    assert f"--strict: {len(faults)} validation problem(s); nothing was written" in strict.stderr
    for said in ("redacted", "other cancer types", "index cancers"):
        assert said not in strict.stderr
    assert not (tmp_path / "strict").exists() or not any((tmp_path / "strict").iterdir())
