"""Cases for a public cohort's clinical tables (cohort --study: cBioPortal study or GENIE release
folder; --bpc: GENIE BPC CSVs), joined to the shared classify results (samples S001, S002 of
patients P001, P002)."""

from __future__ import annotations

import numpy as np

from .build import COHORT_OUTPUTS, Case, csv_text, garbage

SHARED = ["calls/samples.tsv", "calls/calls.tsv"]
PATIENT = "study/data_clinical_patient.txt"
SAMPLE = "study/data_clinical_sample.txt"


def table(*rows: str, head: tuple[str, ...] | None = None) -> str:
    """A cBioPortal clinical table: '|' stands for a tab; ``head`` gives the datatypes row (four '#' rows)."""
    lines = list(rows)
    if head is not None:
        n = len(head)
        lines = ["#" + "\t".join(["x"] * n), "#" + "\t".join(["x"] * n), "#" + "\t".join(head),
                 "#" + "\t".join(["1"] * n), *lines]
    return "\n".join(ln.replace("|", "\t") for ln in lines) + "\n"


PT_HEAD = ("STRING", "STRING", "NUMBER", "NUMBER", "STRING")
PT_COLS = "PATIENT_ID|SEX|AGE|OS_MONTHS|OS_STATUS"
PT_ROWS = ("P001|Male|61|12.5|1:DECEASED", "P002|Female|55|30.25|0:LIVING")
SAMPLES = table("SAMPLE_ID|PATIENT_ID|ONCOTREE_CODE", "S001|P001|LUAD", "S002|P002|LUSC",
                head=("STRING", "STRING", "STRING"))
BPC_FILES = {
    "bpc/patient_level_dataset.csv": csv_text([["record_id", "naaccr_sex_code"], ["P001", "Male"], ["P002", "Female"]]),
    "bpc/cancer_level_dataset_index.csv": csv_text([["record_id", "ca_seq", "dob_ca_dx_days", "stage_dx"],
                                                    ["P001", 0, 22000, "Stage IV"], ["P002", 0, 20100, "Stage IV"]]),
    "bpc/regimen_cancer_level_dataset.csv": csv_text([
        ["record_id", "ca_seq", "regimen_number", "regimen_drugs", "dx_reg_start_int", "tt_os_g_days", "os_g_status",
         "tt_pfs_i_and_m_g_days", "pfs_i_and_m_g_status"],
        ["P001", 0, 1, "Carboplatin, Pemetrexed Disodium", 20, 400, 1, 200, 1],
        ["P002", 0, 1, "Carboplatin, Pembrolizumab, Pemetrexed Disodium", 35, 700, 0, 300, 1]]),
    "bpc/cancer_panel_test_level_dataset.csv": csv_text([
        ["record_id", "ca_seq", "cpt_genie_sample_id", "dx_cpt_rep_days"], ["P001", 0, "S001", 90],
        ["P002", 0, "S002", 10]]),
}


def study_clinical_cases(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    args = ["cohort", "--study", "study", "--calls", "shared/calls", "-o", "out/cohort.tsv"]

    def reject(cid: str, files: dict[str, str | bytes], expect: list[str], why: str,
               extra: tuple[str, ...] = ("--study", "study")) -> None:
        cmd = ["cohort", *extra, "--calls", "shared/calls", "-o", "out/cohort.tsv"]
        cases.append(Case(cid, "clinical", files, cmd, 1, expect, why, shared=SHARED, outputs=COHORT_OUTPUTS))

    def patients(*rows: str, head: tuple[str, ...] | None = PT_HEAD) -> dict[str, str | bytes]:
        return {PATIENT: table(*rows, head=head), SAMPLE: SAMPLES}

    reject("study_clinical_three_header_rows",
           {PATIENT: "#a\tb\n#a\tb\n#STRING\tSTRING\nPATIENT_ID\tSEX\nP001\tMale\n", SAMPLE: SAMPLES},
           [f"{PATIENT}:1: 3 '#' header rows; expected 4"], "cBioPortal clinical tables have four '#' header rows")
    reject("study_clinical_header_width", patients(PT_COLS, *PT_ROWS, head=PT_HEAD[:3]),
           [f"{PATIENT}:1: a '#' header row of 3 cells but the attribute row has 5"],
           "header rows narrower than the attribute row")
    reject("study_clinical_bad_datatype", patients(PT_COLS, *PT_ROWS, head=("STRING", "STRING", "INT", "NUMBER",
                                                                            "STRING")),
           [f"{PATIENT}:3: datatype 'INT' of AGE is not one of STRING, NUMBER, BOOLEAN"], "an unknown datatype")
    reject("study_clinical_months_word", patients(PT_COLS, "P001|Male|61|twelve|1:DECEASED", PT_ROWS[1]),
           [f"{PATIENT}:6, column 'OS_MONTHS': not a number (expected months"], "survival months as a word")
    reject("study_clinical_status_unknown", patients(PT_COLS, "P001|Male|61|12.5|1:DECEASED", "P002|F|55|3|GONE"),
           [f"{PATIENT}:7, column 'OS_STATUS': 'GONE' is not a status of overall survival"], "an unknown status word")
    reject("study_clinical_duplicate_patient", patients(PT_COLS, *PT_ROWS, PT_ROWS[0]),
           [f"{PATIENT}:8: PATIENT_ID 'P001' is also on line 6"], "one patient on two rows")
    reject("study_clinical_long_row", patients(PT_COLS, PT_ROWS[0] + "|extra", PT_ROWS[1]),
           [f"{PATIENT}:6: 6 tab-separated cells but the attribute row (line 5) has 5"], "a row with an extra cell")
    reject("study_clinical_no_sample_id", {PATIENT: table(PT_COLS, *PT_ROWS, head=PT_HEAD),
                                           SAMPLE: table("ID|PATIENT_ID", "S001|P001")},
           [f"{SAMPLE}:1: no SAMPLE_ID column"], "a sample table without SAMPLE_ID")
    reject("study_clinical_binary_garbage", {PATIENT: garbage(rng, 2048, b"\xff\xfe"), SAMPLE: SAMPLES},
           [f"{PATIENT}: not UTF-8 text"], "random bytes")
    reject("study_clinical_empty_folder", {"study/README": "nothing here\n"},
           ["study: no data_clinical_patient.txt or data_clinical_sample.txt"], "a folder that is no study")
    reject("study_genie_ages_in_years",
           {PATIENT: table("PATIENT_ID|SEX|CENTER|DEAD|INT_CONTACT", "P001|Male|X|False|100", "P002|Male|X|True|90"),
            SAMPLE: table("SAMPLE_ID|PATIENT_ID|AGE_AT_SEQ_REPORT|SEQ_ASSAY_ID", "S001|P001|61|X-1",
                          "S002|P002|55|X-1")},
           [f"{SAMPLE}: AGE_AT_SEQ_REPORT is at most 61: these look like years"],
           "a GENIE release gives ages in days since birth")
    bad_bpc = dict(BPC_FILES)
    bad_bpc["bpc/regimen_cancer_level_dataset.csv"] = BPC_FILES["bpc/regimen_cancer_level_dataset.csv"].replace(
        "tt_os_g_days", "tt_os_days")
    reject("study_bpc_missing_column", bad_bpc, ["bpc/regimen_cancer_level_dataset.csv:1: no column(s) tt_os_g_days"],
           "a BPC regimen table without the OS time column", extra=("--bpc", "bpc"))
    bad_bpc = dict(BPC_FILES)
    bad_bpc["bpc/regimen_cancer_level_dataset.csv"] = BPC_FILES["bpc/regimen_cancer_level_dataset.csv"].replace(
        "400,1,200,1", "400,2,200,1")
    reject("study_bpc_status_two", bad_bpc,
           ["bpc/regimen_cancer_level_dataset.csv:2, column 'os_g_status': 2 is not 0 (censored) or 1 (event)"],
           "a survival status other than 0 or 1", extra=("--bpc", "bpc"))
    cases.append(Case("study_clinical_with_clinical", "clinical", patients(PT_COLS, *PT_ROWS),
                      [*args[:3], "--clinical", "shared/clinical.csv", *args[3:]], 2,
                      ["give --clinical or --study/--bpc, not both"], "two sources of clinical records",
                      shared=[*SHARED, "clinical.csv"], outputs=COHORT_OUTPUTS))

    def accept(cid: str, files: dict[str, str | bytes], expect: list[str], why: str,
               extra: tuple[str, ...] = ("--study", "study")) -> None:
        cmd = ["cohort", *extra, "--calls", "shared/calls", "-o", "out/cohort.tsv"]
        cases.append(Case(cid, "clinical", files, cmd, 0, ["cohort: 2 patients"], why, shared=SHARED,
                          outputs=["out/cohort.tsv"], expect_files={"out/cohort.tsv": expect}))

    crlf = {name: ("\ufeff" + text).replace("\n", "\r\n") for name, text in patients(PT_COLS, *PT_ROWS).items()
            if isinstance(text, str)}
    accept("study_clinical_crlf_bom_accepted", crlf, ["P001", "380.469", "12.5000", "as the study defines it"],
           "Windows line endings and a byte-order mark; 12.5 months = 380.469 days")
    accept("study_clinical_redacted_age_accepted",
           patients(PT_COLS, "P001|Male|>89|12.5|DECEASED", "P002|Female|[Not Available]|NA|NA"),
           ["age_redacted", ">89", "OS_MONTHS is empty"], "an age redacted as >89 is kept as a bound, not a number")
    accept("study_bpc_accepted", BPC_FILES, ["pfs_entry_days", "C+I", "first-line regimen start"],
           "GENIE BPC tables: first-line PFS/OS with delayed entry at the sequencing report",
           extra=("--bpc", "bpc"))
    return cases
