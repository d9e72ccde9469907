"""Public cohorts' clinical records read into cohort records: cBioPortal studies, GENIE releases,
GENIE BPC. Expected values are computed here from the fixture files with plain csv reading, not
with the readers under test; malformed tables must fail naming the file and the line."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES

from her2var.cohort.derive import MONTH_DAYS
from her2var.cohort.rules import load_clinical_rules, load_regimen_rules
from her2var.errors import InputError
from her2var.studies.clinical import read_study_clinical
from her2var.studies.clinical_bpc import bpc_drug_names

STUDIES = FIXTURES / "studies"
CBIO, GENIE, BPC = STUDIES / "cbioportal_study", STUDIES / "genie_release", STUDIES / "genie_bpc"
CR, RR = load_clinical_rules(), load_regimen_rules()


def read(study: Path | None = None, bpc: Path | None = None, origin: str = "first_line"):
    return read_study_clinical(str(study) if study else None, str(bpc) if bpc else None, CR, RR, origin=origin)


def cbio_rows(path: Path) -> list[dict[str, str]]:
    lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def by_id(table):
    return {p.patient_id: p for p in table.patients}


def study(tmp_path: Path, patient: str | None, sample: str | None = None) -> Path:
    """A study folder from dedented tables; '|' stands for a tab."""
    folder = tmp_path / "study"
    folder.mkdir(exist_ok=True)
    for name, text in (("data_clinical_patient.txt", patient), ("data_clinical_sample.txt", sample)):
        if text is not None:
            (folder / name).write_text(textwrap.dedent(text).lstrip("\n").replace("|", "\t"))
    return folder


HEAD = "#a|b|c\n#a|b|c\n#STRING|NUMBER|STRING\n#1|1|1\n"


# -- cBioPortal studies ------------------------------------------------------------------------------------------
def test_cbioportal_fixture_survival_is_months_times_30_4375_with_the_written_status() -> None:
    table, rows = read(CBIO), cbio_rows(CBIO / "data_clinical_patient.txt")
    patients = by_id(table)
    checked = 0
    for r in rows:
        p = patients[r["PATIENT_ID"]]
        for endpoint, months, status in (("os", "OS_MONTHS", "OS_STATUS"), ("pfs", "PFS_MONTHS", "PFS_STATUS")):
            text = r[status]
            if r[months] in ("NA", "[Not Available]"):
                assert endpoint not in p.intervals and endpoint in p.excluded
                continue
            event = 1 if text.startswith("1:") or text.upper() in ("DECEASED", "PROGRESSED", "PROGRESSION") else 0
            iv = p.intervals[endpoint]
            assert (iv.days, iv.event, iv.entry_days) == (float(r[months]) * MONTH_DAYS, event, None)
            checked += 1
    assert checked > 70
    assert {"survival_origin", "dfs_days", "dfs_months", "dfs_event", "age_redacted"} <= set(table.study_columns)
    # statuses with and without their code both appear in the fixture
    texts = {r["OS_STATUS"] for r in rows} | {r["PFS_STATUS"] for r in rows}
    assert {"1:DECEASED", "LIVING", "0:ProgressionFree", "Progressed"} <= texts


def test_cbioportal_fixture_oddities() -> None:
    table = read(CBIO)
    p = by_id(table)
    assert len(p) == 40 and "P-0000040" not in p and "P-0000041" in p
    assert table.samples["P-0000040-T01-IM6"].patient == "P-0000040"
    assert not any(s.patient == "P-0000041" for s in table.samples.values())
    assert len(table.samples) == 45 and table.samples["P-0000005-T02-IM6"].patient == "P-0000005"
    orphan = [x for x in table.problems if x.kind == "sample_without_patient"]
    assert len(orphan) == 1 and orphan[0].sample == "P-0000040-T01-IM6"
    assert orphan[0].file.endswith("data_clinical_sample.txt") and orphan[0].row == 50
    # redacted age: no number, the bound kept
    assert p["P-0000007"].age is None and p["P-0000007"].study["age_redacted"] == ">89"
    assert p["P-0000011"].sex is None and p["P-0000013"].smoking is None  # Unknown, [Not Available]
    assert p["P-0000015"].excluded["os"] == ["OS_MONTHS is empty"]
    assert p["P-0000003"].histology is None  # LUAD and NSCLC samples
    assert p["P-0000004"].study["dfs_event"] in (0, 1) and "dfs_days" not in p["P-0000001"].study


@pytest.mark.parametrize("text, endpoint, event", [
    ("1:DECEASED", "os", 1), ("0:LIVING", "os", 0), ("DECEASED", "os", 1), ("LIVING", "os", 0),
    ("1:Progressed", "pfs", 1), ("0:ProgressionFree", "pfs", 0), ("1:PROGRESSION", "pfs", 1),
    ("PROGRESSION", "pfs", 1), ("0:CENSORED", "pfs", 0), ("Progression Free", "pfs", 0), ("1", "os", 1),
])
def test_status_spellings(tmp_path: Path, text: str, endpoint: str, event: int) -> None:
    col = endpoint.upper()
    folder = study(tmp_path, f"""
        #Patient|Months|Status
        #x|x|x
        #STRING|NUMBER|STRING
        #1|1|1
        PATIENT_ID|{col}_MONTHS|{col}_STATUS
        P1|10.5|{text}
        """)
    iv = read(folder).patients[0].intervals[endpoint]
    assert (iv.days, iv.event) == (10.5 * 30.4375, event)


def test_a_code_and_word_that_disagree_leave_the_patient_out(tmp_path: Path) -> None:
    folder = study(tmp_path, HEAD + "PATIENT_ID|OS_MONTHS|OS_STATUS\nP1|3|1:LIVING\n")
    table = read(folder)
    (pr,) = [x for x in table.problems if x.kind == "conflict"]
    assert pr.row == 6 and pr.column == "OS_STATUS" and pr.analyses == ("os",)
    assert "os" not in table.patients[0].intervals and "os" in table.patients[0].excluded


def test_a_study_without_a_patient_table_takes_patients_from_its_samples(tmp_path: Path) -> None:
    folder = study(tmp_path, None, "SAMPLE_ID|PATIENT_ID|ONCOTREE_CODE\nS1|P1|LUAD\nS2|P1|LUAD\nS3|P2|BRCA\nS4|P3|\n")
    table = read(folder)
    assert [p.patient_id for p in table.patients] == ["P1", "P3"]
    assert table.outside == {"P2"} and table.left_out_samples == {"S3"}
    assert by_id(table)["P1"].histology == "adenocarcinoma" and by_id(table)["P1"].excluded["os"]


@pytest.mark.parametrize("patient, needle", [
    ("#a|b|c\n#a|b|c\n#STRING|NUMBER|STRING\nPATIENT_ID|AGE|SEX\nP1|3|M\n", ":1: 3 '#' header rows; expected 4"),
    ("#a|b\n#a|b|c\n#STRING|NUMBER|STRING\n#1|1|1\nPATIENT_ID|AGE|SEX\nP1|3|M\n",
     ":1: a '#' header row of 2 cells but the attribute row has 3"),
    (HEAD.replace("NUMBER", "INTEGER") + "PATIENT_ID|AGE|SEX\nP1|3|M\n", ":3: datatype 'INTEGER' of AGE"),
    (HEAD.replace("#1|1|1", "#1|x|1") + "PATIENT_ID|AGE|SEX\nP1|3|M\n", ":4: priority 'x' of AGE"),
    (HEAD + "PATIENT_ID|AGE|AGE\nP1|3|4\n", ":5: attribute 'AGE' appears twice"),
    (HEAD + "PATIENT_ID|AGE|SEX\nP1|3|M|extra\n", ":6: 4 tab-separated cells but the attribute row (line 5) has 3"),
    (HEAD + "PATIENT_ID|AGE|SEX\nP1|3|M\nP1|4|F\n", ":7: PATIENT_ID 'P1' is also on line 6"),
    (HEAD + "ID|AGE|SEX\nP1|3|M\n", ":5: no PATIENT_ID column"),
    (HEAD + "PATIENT_ID|AGE|SEX\nP1|sixty|M\n",
     "data_clinical_patient.txt:6, column 'AGE': not a number (expected an age in years"),
    ("#a|b|c\n#a|b|c\n#STRING|STRING|STRING\n#1|1|1\nPATIENT_ID|OS_MONTHS|OS_STATUS\nP1|ten|1:DECEASED\n",
     ":6, column 'OS_MONTHS': not a number (expected months; the value is not repeated"),
    ("#a|b|c\n#a|b|c\n#STRING|STRING|STRING\n#1|1|1\nPATIENT_ID|OS_MONTHS|OS_STATUS\nP1|10|GONE\n",
     ":6, column 'OS_STATUS': 'GONE' is not a status of overall survival"),
    ("PATIENT_ID,AGE\nP1,3\n", ":1: the attribute row has no tab but commas"),
    ("#only|header\n", "no attribute row"),
    ("", "the file is empty"),
])
def test_malformed_cbioportal_tables_name_the_file_and_line(tmp_path: Path, patient: str, needle: str) -> None:
    folder = study(tmp_path, patient)
    with pytest.raises(InputError) as err:
        read(folder)
    assert "data_clinical_patient.txt" in str(err.value) and needle in str(err.value), str(err.value)


@pytest.mark.parametrize("files, needle", [
    ({}, "no data_clinical_patient.txt or data_clinical_sample.txt"),
    ({"meta_clinical_patient.txt": "datatype: PATIENT_ATTRIBUTES\ndata_filename: gone.txt\n"},
     "meta_clinical_patient.txt: data_filename 'gone.txt': no such file"),
    ({"data_clinical_sample.txt": "SAMPLE_ID\tPATIENT_ID\nS1\t\n"}, "data_clinical_sample.txt:2: PATIENT_ID is empty"),
    ({"data_clinical_sample.txt": "SAMPLE_ID\tPATIENT_ID\nS1\tP1\nS1\tP2\n"}, ":3: SAMPLE_ID 'S1' is also on line 2"),
])
def test_malformed_study_folders(tmp_path: Path, files: dict[str, str], needle: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(InputError) as err:
        read(tmp_path)
    assert needle in str(err.value), str(err.value)


def test_trailing_tabs_of_a_spreadsheet_are_read(tmp_path: Path) -> None:
    folder = study(tmp_path, HEAD.replace("\n", "|\n") + "PATIENT_ID|AGE|SEX|\nP1|61|Female|\n")
    p = read(folder).patients[0]
    assert (p.patient_id, p.age, p.sex) == ("P1", 61, "female")


def test_meta_files_name_the_data_files(tmp_path: Path) -> None:
    (tmp_path / "patients.tsv").write_text("PATIENT_ID\tAGE\nP1\t61\n")
    (tmp_path / "meta_clinical_patient.txt").write_text(
        "cancer_study_identifier: x\ngenetic_alteration_type: CLINICAL\ndatatype: PATIENT_ATTRIBUTES\n"
        "data_filename: patients.tsv\n")
    assert read(tmp_path).patients[0].age == 61


# -- GENIE release -------------------------------------------------------------------------------------------------
def test_genie_fixture_os_from_the_first_report_and_redactions_never_numbers() -> None:
    table = read(GENIE)
    p = by_id(table)
    patients = {r["PATIENT_ID"]: r for r in cbio_rows(GENIE / "data_clinical_patient.txt")}
    samples = {r["PATIENT_ID"]: r for r in cbio_rows(GENIE / "data_clinical_sample.txt")}
    assert len(p) == 59 and "GENIE-VICC-000010" not in p and "GENIE-MSK-000031" in p
    assert table.outside == {"GENIE-VICC-000010"} and table.left_out_samples == {"GENIE-VICC-000010-1"}
    computed = 0
    for pid, pat in p.items():
        age = samples.get(pid, {}).get("AGE_AT_SEQ_REPORT", "")
        assert "pfs" in pat.excluded and "pfs" not in pat.intervals
        if age[:1] in "<>" and age:
            assert pat.age is None and pat.study["age_redacted"] == {">": ">89", "<": "<18"}[age[0]]
            assert "os" not in pat.intervals
            continue
        if not age.isdigit():
            assert pat.age is None and "age_redacted" not in pat.study
            continue
        assert pat.age == int(age) / 365.25
        row = patients[pid]
        end = row["INT_DOD"] if row["DEAD"] == "True" else row["INT_CONTACT"]
        if not end.isdigit() or row["DEAD"] not in ("True", "False"):
            assert "os" not in pat.intervals and pat.excluded["os"]
            continue
        iv = pat.intervals["os"]
        assert (iv.days, iv.event) == (int(end) - int(age), int(row["DEAD"] == "True"))
        assert pat.study["center"] == row["CENTER"]
        computed += 1
    assert computed > 40
    assert p["GENIE-MSK-000005"].excluded["os"] == ["INT_DOD is Not Released"]
    assert p["GENIE-DFCI-000006"].excluded["os"] == ["DEAD is Unknown"]
    assert [x.value for x in table.problems if x.kind == "redacted"] == [">32485", "<6570"]


def test_genie_ages_in_years_are_refused(tmp_path: Path) -> None:
    folder = study(tmp_path, "PATIENT_ID|CENTER|DEAD|INT_CONTACT\nP1|X|False|100\n",
                   "SAMPLE_ID|PATIENT_ID|AGE_AT_SEQ_REPORT|SEQ_ASSAY_ID\nS1|P1|64|X-1\n")
    with pytest.raises(InputError, match="AGE_AT_SEQ_REPORT is at most 64: these look like years"):
        read(folder)


# -- GENIE BPC -----------------------------------------------------------------------------------------------------
def test_bpc_first_line_survival_with_delayed_entry_from_the_first_report() -> None:
    table = read(bpc=BPC)
    p = by_id(table)
    regimens = csv_rows(BPC / "regimen_cancer_level_dataset.csv")
    reports: dict[str, list[int]] = {}
    for r in csv_rows(BPC / "cancer_panel_test_level_dataset.csv"):
        reports.setdefault(r["record_id"], []).append(int(r["dx_cpt_rep_days"]))
    checked = 0
    for pid, pat in p.items():
        first = [r for r in regimens if r["record_id"] == pid and r["ca_seq"] == "0" and r["regimen_number"] == "1"]
        if not first:
            assert pat.excluded["os"] == ["no regimen of the index cancer in GENIE BPC"]
            continue
        r = first[0]
        entry = max(0, min(reports[pid]) - int(r["dx_reg_start_int"])) if pid in reports else None
        for endpoint, t, s in (("os", "tt_os_g_days", "os_g_status"),
                               ("pfs", "tt_pfs_i_and_m_g_days", "pfs_i_and_m_g_status")):
            if r[t] == "NA":
                assert pat.excluded[endpoint] == [f"{t} is empty"]
                continue
            iv = pat.intervals[endpoint]
            assert (iv.days, iv.event, iv.entry_days) == (int(r[t]), int(r[s]), entry)
            checked += 1
        drugs = bpc_drug_names(r["regimen_drugs"])
        assert pat.drugs or pat.unknown_drugs
        assert all(d.lower() in drugs.lower().replace("paclitaxel protein-bound", "nab-paclitaxel")
                   for d in pat.drugs)
    assert checked > 50
    assert p["GENIE-MSK-000013"].intervals["os"].entry_days is None  # no panel test
    four = p["GENIE-MSK-000004"].intervals["os"]
    assert four.entry_days > four.days  # the report came after the end of follow-up
    assert any(x.entry_days and x.entry_days > 0 for q in p.values() for x in q.intervals.values())
    assert any(x.entry_days == 0 for q in p.values() for x in q.intervals.values())
    assert [x.kind for x in table.problems if x.patient == "GENIE-MSK-000006"] == ["several_cancers"]
    assert table.samples["GENIE-DFCI-000003-1"].patient == "GENIE-DFCI-000003"


def test_bpc_diagnosis_origin_gives_os_from_diagnosis_and_no_pfs() -> None:
    table = read(bpc=BPC, origin="diagnosis")
    cancers = {r["record_id"]: r for r in csv_rows(BPC / "cancer_level_dataset_index.csv") if r["ca_seq"] == "0"}
    for pat in table.patients:
        r = cancers[pat.patient_id]
        iv = pat.intervals["os"]
        assert (iv.days, iv.event, iv.origin) == (int(r["tt_os_dx_days"]), int(r["os_dx_status"]),
                                                  "diagnosis (GENIE BPC)")
        assert "pfs" in pat.excluded


def test_bpc_salt_names_and_sex_codes() -> None:
    assert bpc_drug_names("Carboplatin, Pemetrexed Disodium, Osimertinib Mesylate") == \
        "Carboplatin, Pemetrexed, Osimertinib"
    assert bpc_drug_names("Sodium Thiosulfate") == "Sodium Thiosulfate"


@pytest.mark.parametrize("edit, needle", [
    (("regimen_cancer_level_dataset.csv", "tt_os_g_days", "tt_os_days"),
     "regimen_cancer_level_dataset.csv:1: no column(s) tt_os_g_days"),
    (("cancer_level_dataset_index.csv", "NSCLC,GENIE-MSK-000001,MSK,0,", "NSCLC,GENIE-MSK-000001,MSK,x,"),
     "cancer_level_dataset_index.csv:2, column 'ca_seq': not a number"),
    (("cancer_panel_test_level_dataset.csv", "MSK,0,GENIE-MSK-000001-1,", "MSK,0,,"),
     "cancer_panel_test_level_dataset.csv:2: cpt_genie_sample_id is empty"),
    (("patient_level_dataset.csv", "NSCLC,GENIE-MSK-000002,", "NSCLC,GENIE-MSK-000001,"),
     "patient_level_dataset.csv:3: record_id 'GENIE-MSK-000001' is also on line 2"),
])
def test_malformed_bpc_tables(tmp_path: Path, edit: tuple[str, str, str], needle: str) -> None:
    for f in BPC.iterdir():
        (tmp_path / f.name).write_text(f.read_text())
    name, old, new = edit
    text = (tmp_path / name).read_text()
    assert old in text
    (tmp_path / name).write_text(text.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        read(bpc=tmp_path)
    assert needle in str(err.value), str(err.value)


def test_bpc_status_other_than_0_or_1_is_refused(tmp_path: Path) -> None:
    for f in BPC.iterdir():
        (tmp_path / f.name).write_text(f.read_text())
    path = tmp_path / "regimen_cancer_level_dataset.csv"
    rows = csv_rows(path)
    rows[0]["os_g_status"] = "2"
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(InputError, match=r"regimen_cancer_level_dataset.csv:2, column 'os_g_status': 2 is not 0"):
        read(bpc=tmp_path)


def test_release_with_bpc_keeps_bpc_patients_and_leaves_the_others_out() -> None:
    table = read(GENIE, BPC)
    bpc_ids = {r["record_id"] for r in csv_rows(BPC / "patient_level_dataset.csv")}
    release_ids = {r["PATIENT_ID"] for name in ("data_clinical_patient.txt", "data_clinical_sample.txt")
                   for r in cbio_rows(GENIE / name)}
    assert {p.patient_id for p in table.patients} == bpc_ids
    assert table.outside == release_ids - bpc_ids
    assert table.samples["GENIE-MSK-000013-1"].patient == "GENIE-MSK-000013"  # from the release: no BPC panel test
    assert all(p.intervals.get("os") is None or p.intervals["os"].origin.startswith("first-line")
               for p in table.patients)
    assert not any(x.sample == "GENIE-DFCI-000020-1" for x in table.problems)  # outside BPC: not this cohort's
