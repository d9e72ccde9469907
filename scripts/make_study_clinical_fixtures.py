"""Write the clinical side of the public-cohort fixtures (seeded; re-run after changing it).

    python scripts/make_study_clinical_fixtures.py [OUT_DIR]   (default: fixtures/studies)

Only clinical files are written here; the genomic files of the same folders come from their own
script. Synthetic data, not from patients.

  cbioportal_study/   data_clinical_patient.txt, data_clinical_sample.txt, meta_clinical_*.txt:
                      patients P-0000001..P-0000040, one sample P-...-T01-IM6 each, patients 1-5
                      also P-...-T02-IM6. Cases: the four '#' header rows; OS/PFS/DFS statuses with
                      and without their 0:/1: code (1:DECEASED, LIVING, 1:Progressed,
                      0:ProgressionFree, PROGRESSION, 1:Recurred/Progressed); NA and [Not Available]
                      cells; an age redacted as >89; P-0000040 has samples but no patient row;
                      P-0000041 a patient row but no sample; P-0000003's samples disagree on
                      histology (LUAD, NSCLC)
  genie_release/      data_clinical_patient.txt, data_clinical_sample.txt, meta_clinical_*.txt:
                      GENIE-{MSK,DFCI,VICC}-NNNNNN (30, 20, 10 patients), sample GENIE-C-NNNNNN-1,
                      SEQ_ASSAY_ID MSK-IMPACT468 / DFCI-ONCOPANEL-3 / VICC-01-T7. Cases: ages at the
                      report redacted (>32485, <6570) and Unknown; INT_DOD Not Applicable (alive),
                      Not Released, Not Collected; INT_CONTACT >32485; DEAD Unknown; a colorectal
                      sample (VICC 10: outside the NSCLC cohort); DFCI 20 has a sample but no patient
                      row; MSK 31 a patient row but no sample
  genie_bpc/          patient_level_dataset.csv, cancer_level_dataset_index.csv,
                      regimen_cancer_level_dataset.csv, cancer_panel_test_level_dataset.csv for
                      MSK 1-20 and DFCI 1-10 (record_id = the GENIE patient id). Cases: reports before
                      and after the first-line start (delayed entry), a report after the end of
                      follow-up, a patient with two index cancers, one without a regimen, one
                      without a panel test, salt names (Pemetrexed Disodium), an unknown drug
                      (Vinorelbine Tartrate), NA statuses, Stage I-III NOS
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SEED = 20260412
CBIO_N = 40
CENTRES = (("MSK", 30, "MSK-IMPACT468"), ("DFCI", 20, "DFCI-ONCOPANEL-3"), ("VICC", 10, "VICC-01-T7"))
BPC_CENTRES = (("MSK", 20), ("DFCI", 10))
MONTH_DAYS = 30.4375


def clinical_table(attrs: list[tuple[str, str, str, str]], rows: list[list[str]]) -> str:
    """A cBioPortal clinical table: (attribute, display name, description, datatype) per column."""
    lines = ["#" + "\t".join(a[1] for a in attrs), "#" + "\t".join(a[2] for a in attrs),
             "#" + "\t".join(a[3] for a in attrs), "#" + "\t".join("1" for _ in attrs),
             "\t".join(a[0] for a in attrs)]
    lines += ["\t".join(r) for r in rows]
    return "\n".join(lines) + "\n"


def meta(study_id: str, kind: str, data: str) -> str:
    return (f"cancer_study_identifier: {study_id}\ngenetic_alteration_type: CLINICAL\n"
            f"datatype: {kind}\ndata_filename: {data}\n")


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def f2(x: float) -> str:
    return f"{x:.2f}"


# -- cBioPortal study ------------------------------------------------------------------------------
def cbioportal(rng: np.random.Generator) -> dict[str, str]:
    pattrs = [("PATIENT_ID", "Patient Identifier", "Identifier to uniquely specify a patient.", "STRING"),
              ("SEX", "Sex", "Sex", "STRING"), ("AGE", "Diagnosis Age", "Age at diagnosis (years)", "NUMBER"),
              ("SMOKING_HISTORY", "Smoking History", "Smoking history", "STRING"),
              ("STAGE", "Stage", "Stage at diagnosis", "STRING"),
              ("OS_MONTHS", "Overall Survival (Months)", "Overall survival in months since diagnosis.", "NUMBER"),
              ("OS_STATUS", "Overall Survival Status", "Overall patient survival status.", "STRING"),
              ("PFS_MONTHS", "Progress Free Survival (Months)", "Progression-free survival in months.", "NUMBER"),
              ("PFS_STATUS", "Progression Free Status", "Progression-free status.", "STRING"),
              ("DFS_MONTHS", "Disease Free (Months)", "Disease-free survival in months.", "NUMBER"),
              ("DFS_STATUS", "Disease Free Status", "Disease-free status.", "STRING")]
    os_words = {1: ("1:DECEASED", "DECEASED"), 0: ("0:LIVING", "LIVING")}
    pfs_words = {1: ("1:Progressed", "1:PROGRESSION", "Progressed"), 0: ("0:ProgressionFree", "0:CENSORED")}
    prows = []
    for i in range(1, CBIO_N + 2):
        if i == CBIO_N:
            continue  # P-0000040: samples, no patient row
        os_m = float(rng.uniform(3, 60))
        os_e = int(rng.random() < 0.6)
        pfs_m = float(rng.uniform(1, os_m))
        pfs_e = int(rng.random() < 0.75 or os_e)
        sex = ("Male", "Female")[int(rng.random() < 0.55)]
        age = f"{int(rng.integers(38, 86))}"
        smoking = ("Never", "Former", "Current")[int(rng.integers(0, 3))]
        stage = ("IV", "IV", "IIIB", "Stage IV")[int(rng.integers(0, 4))]
        row = [f"P-{i:07d}", sex, age, smoking, stage, f2(os_m), os_words[os_e][int(rng.integers(0, 2))],
               f2(pfs_m), pfs_words[pfs_e][int(rng.integers(0, len(pfs_words[pfs_e])))], "NA", "NA"]
        if i % 4 == 0:
            row[9:11] = [f2(pfs_m), ("0:DiseaseFree", "1:Recurred/Progressed")[pfs_e]]
        prows.append(row)
    prows[6][2] = ">89"  # P-0000007: age redacted
    prows[10][1] = "Unknown"  # P-0000011
    prows[12][3] = "[Not Available]"  # P-0000013
    prows[14][5:7] = ["NA", "NA"]  # P-0000015: no OS
    prows[16][7:9] = ["[Not Available]", "[Not Available]"]  # P-0000017: no PFS
    sattrs = [("SAMPLE_ID", "Sample Identifier", "A unique sample identifier.", "STRING"),
              ("PATIENT_ID", "Patient Identifier", "Identifier to uniquely specify a patient.", "STRING"),
              ("CANCER_TYPE", "Cancer Type", "Cancer type", "STRING"),
              ("ONCOTREE_CODE", "Oncotree Code", "OncoTree code", "STRING"),
              ("SAMPLE_TYPE", "Sample Type", "Primary or metastasis", "STRING")]
    srows = []
    for i in range(1, CBIO_N + 1):
        code = ("LUAD", "LUAD", "LUAD", "LUSC", "NSCLC")[int(rng.integers(0, 5))]
        srows.append([f"P-{i:07d}-T01-IM6", f"P-{i:07d}", "Non-Small Cell Lung Cancer", code, "Primary"])
        if i <= 5:
            srows.append([f"P-{i:07d}-T02-IM6", f"P-{i:07d}", "Non-Small Cell Lung Cancer",
                          "NSCLC" if i == 3 else code, "Metastasis"])
    srows[4][3] = "LUAD"  # P-0000003 T01 vs T02 (NSCLC): histologies disagree
    sid = "her2var_fixture_study"
    return {"data_clinical_patient.txt": clinical_table(pattrs, prows),
            "data_clinical_sample.txt": clinical_table(sattrs, srows),
            "meta_clinical_patient.txt": meta(sid, "PATIENT_ATTRIBUTES", "data_clinical_patient.txt"),
            "meta_clinical_sample.txt": meta(sid, "SAMPLE_ATTRIBUTES", "data_clinical_sample.txt")}


# -- GENIE release ---------------------------------------------------------------------------------
def genie_ids() -> list[tuple[str, int, str]]:
    return [(c, i, assay) for c, n, assay in CENTRES for i in range(1, n + 1)]


def genie(rng: np.random.Generator) -> dict[str, str]:
    pattrs = [("PATIENT_ID", "Patient Identifier", "Identifier to uniquely specify a patient.", "STRING"),
              ("SEX", "Sex", "Sex", "STRING"), ("PRIMARY_RACE", "Primary Race", "Primary race", "STRING"),
              ("ETHNICITY", "Ethnicity Category", "Ethnicity", "STRING"),
              ("CENTER", "Center", "Sequencing centre", "STRING"),
              ("INT_CONTACT", "Interval in days to last contact", "Days from birth to last contact", "STRING"),
              ("INT_DOD", "Interval in days to death", "Days from birth to death", "STRING"),
              ("YEAR_CONTACT", "Year of last contact", "Year of last contact", "STRING"),
              ("YEAR_DEATH", "Year of death", "Year of death", "STRING"),
              ("DEAD", "Dead", "Whether the patient has died", "STRING")]
    sattrs = [("SAMPLE_ID", "Sample Identifier", "A unique sample identifier.", "STRING"),
              ("PATIENT_ID", "Patient Identifier", "Identifier to uniquely specify a patient.", "STRING"),
              ("AGE_AT_SEQ_REPORT", "Age at Which Sequencing was Reported (Days)", "Days since birth", "STRING"),
              ("ONCOTREE_CODE", "Oncotree Code", "OncoTree code", "STRING"),
              ("SAMPLE_TYPE", "Sample Type", "Primary or metastasis", "STRING"),
              ("SEQ_ASSAY_ID", "Sequence Assay ID", "Assay", "STRING"),
              ("CANCER_TYPE", "Cancer Type", "Cancer type", "STRING"),
              ("SAMPLE_TYPE_DETAILED", "Sample Type Detailed", "Sample type detailed", "STRING"),
              ("SEQ_YEAR", "Sequence Year", "Year of sequencing", "NUMBER")]
    prows, srows = [], []
    for c, i, assay in genie_ids():
        pid = f"GENIE-{c}-{i:06d}"
        age = int(rng.integers(40, 86) * 365.25 + rng.integers(0, 365))
        follow = int(rng.integers(30, 2000))
        dead = rng.random() < 0.4
        code = ("LUAD", "LUAD", "LUSC", "NSCLC")[int(rng.integers(0, 4))]
        srows.append([f"{pid}-1", pid, str(age), code, ("Primary", "Metastasis")[int(rng.integers(0, 2))], assay,
                      "Non-Small Cell Lung Cancer", "Tumor", str(int(rng.integers(2016, 2023)))])
        if not (c == "DFCI" and i == 20):  # DFCI 20: a sample without a patient row
            prows.append([pid, ("Male", "Female")[int(rng.random() < 0.5)], "White", "Non-Spanish/non-Hispanic",
                          c, str(age + follow), str(age + follow) if dead else "Not Applicable", "2023",
                          "2023" if dead else "Not Applicable", "True" if dead else "False"])
    prows.append(["GENIE-MSK-000031", "Female", "Asian", "Unknown", "MSK", "25000", "Not Applicable", "2022",
                  "Not Applicable", "False"])  # a patient row without a sample
    by = {r[0]: r for r in prows}
    samples = {r[1]: r for r in srows}
    samples["GENIE-MSK-000002"][2] = ">32485"  # over 89 at the report ...
    by["GENIE-MSK-000002"][5] = ">32485"  # ... and at the last contact
    by["GENIE-MSK-000002"][6:10] = ["Not Applicable", "2023", "Not Applicable", "False"]
    samples["GENIE-MSK-000003"][2] = "<6570"  # under 18 at the report
    samples["GENIE-DFCI-000004"][2] = "Unknown"
    by["GENIE-MSK-000005"][6:10] = ["Not Released", "2023", "Not Released", "True"]
    by["GENIE-DFCI-000006"][5:10] = ["Not Collected", "Not Collected", "Not Collected", "Not Collected", "Unknown"]
    samples["GENIE-VICC-000010"][3:9] = ["COAD", "Primary", "VICC-01-T7", "Colorectal Cancer", "Tumor", "2020"]
    sid = "her2var_fixture_genie"
    return {"data_clinical_patient.txt": clinical_table(pattrs, prows),
            "data_clinical_sample.txt": clinical_table(sattrs, srows),
            "meta_clinical_patient.txt": meta(sid, "PATIENT_ATTRIBUTES", "data_clinical_patient.txt"),
            "meta_clinical_sample.txt": meta(sid, "SAMPLE_ATTRIBUTES", "data_clinical_sample.txt")}


# -- GENIE BPC -------------------------------------------------------------------------------------
REGIMENS = ("Carboplatin, Pemetrexed Disodium", "Carboplatin, Pembrolizumab, Pemetrexed Disodium",
            "Pembrolizumab", "Trastuzumab Deruxtecan", "Afatinib Dimaleate", "Carboplatin, Paclitaxel Protein-Bound",
            "Docetaxel", "Investigational Drug", "Bevacizumab, Carboplatin, Pemetrexed Disodium")


def bpc(rng: np.random.Generator) -> dict[str, str]:
    pt, ca, rg, cpt = [], [], [], []
    ids = [(c, i) for c, n in BPC_CENTRES for i in range(1, n + 1)]
    for k, (c, i) in enumerate(ids):
        rid = f"GENIE-{c}-{i:06d}"
        pt.append(["NSCLC", rid, c, ("Male", "Female")[int(rng.random() < 0.5)], int(rng.integers(1935, 1975)),
                   "White", "Non-Spanish; non-Hispanic"])
        dx_age = int(rng.integers(45, 85) * 365.25)
        os_dx = int(rng.integers(120, 2500))
        os_dx_e = int(rng.random() < 0.6)
        stage = ("Stage IV", "Stage IV", "Stage III", "Stage I-III NOS", "Stage II")[int(rng.integers(0, 5))]
        hist = ("Adenocarcinoma", "Adenocarcinoma", "Squamous cell", "Other histologies/mixed tumor")[
            int(rng.integers(0, 4))]
        ca.append(["NSCLC", rid, c, 0, "Non-Small Cell Lung Cancer", dx_age, stage, hist, os_dx, os_dx_e])
        start = int(rng.integers(0, 90))
        n_reg = 0 if k == 7 else int(rng.integers(1, 4))  # record 8: no regimen
        t = start
        for r in range(1, n_reg + 1):
            os_g = max(os_dx - t, 1)
            pfs_g = int(rng.integers(20, max(os_g, 21)))
            pfs_g = min(pfs_g, os_g)
            rg.append(["NSCLC", rid, c, 0, r, REGIMENS[int(rng.integers(0, len(REGIMENS)))], t, t + pfs_g // 2,
                       os_g, os_dx_e, pfs_g, int(rng.random() < 0.8 or os_dx_e)])
            t += pfs_g // 2 + int(rng.integers(1, 30))
        if k != 12:  # record 13: no panel test
            report = start + int(rng.integers(-60, 200))
            cpt.append(["NSCLC", rid, c, 0, f"{rid}-1", "LUAD", ("MSK-IMPACT468" if c == "MSK" else "DFCI-ONCOPANEL-3"),
                        report, 2019])
    def first_line(rid: str) -> list:
        return next(r for r in rg if r[1] == rid and r[4] == 1)

    first_line("GENIE-MSK-000001")[5] = "Vinorelbine Tartrate"  # a drug the regimens rules do not know
    first_line("GENIE-MSK-000009")[10:12] = ["NA", "NA"]  # no PFS
    # record 4: the report comes after the end of follow-up (never at risk after entry)
    cp4 = next(r for r in cpt if r[1] == "GENIE-MSK-000004")
    cp4[7] = first_line("GENIE-MSK-000004")[6] + first_line("GENIE-MSK-000004")[8] + 10
    # record 6: a second index cancer
    six = next(r for r in ca if r[1] == "GENIE-MSK-000006")
    ca.append([*six[:3], 1, "Non-Small Cell Lung Cancer", six[5] + 900, "Stage II", "Adenocarcinoma", 400, 0])
    return {
        "patient_level_dataset.csv": csv_text(["cohort", "record_id", "institution", "naaccr_sex_code", "birth_year",
                                               "naaccr_race_code_primary", "naaccr_ethnicity_code"], pt),
        "cancer_level_dataset_index.csv": csv_text(["cohort", "record_id", "institution", "ca_seq", "ca_type",
                                                    "dob_ca_dx_days", "stage_dx", "ca_hist_adeno_squamous",
                                                    "tt_os_dx_days", "os_dx_status"], ca),
        "regimen_cancer_level_dataset.csv": csv_text(["cohort", "record_id", "institution", "ca_seq", "regimen_number",
                                                      "regimen_drugs", "dx_reg_start_int", "dx_reg_end_all_int",
                                                      "tt_os_g_days", "os_g_status", "tt_pfs_i_and_m_g_days",
                                                      "pfs_i_and_m_g_status"], rg),
        "cancer_panel_test_level_dataset.csv": csv_text(["cohort", "record_id", "institution", "ca_seq",
                                                         "cpt_genie_sample_id", "cpt_oncotree_code", "cpt_seq_assay_id",
                                                         "dx_cpt_rep_days", "cpt_seq_date"], cpt),
    }


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "fixtures" / "studies"
    rng = np.random.default_rng(SEED)
    for folder, files in (("cbioportal_study", cbioportal(rng)), ("genie_release", genie(rng)),
                          ("genie_bpc", bpc(rng))):
        (out / folder).mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / folder / name).write_text(text, encoding="utf-8")
    print(f"wrote the clinical files of 3 study fixtures to {out}")


if __name__ == "__main__":
    main(sys.argv)
