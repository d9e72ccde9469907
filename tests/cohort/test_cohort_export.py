"""Exports: TSV/Excel/Parquet, formula neutralising, keyed pseudonyms, all-or-nothing writing, and
a cBioPortal study checked against the rules of cBioPortal's validator (validateData.py)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re

import pytest
from conftest import FIXTURES, write

from her2var.cohort.build import build_cohort
from her2var.cohort.cbioportal import maf_alleles
from her2var.cohort.export import Pseudonymizer, write_cohort
from her2var.errors import UsageError
from her2var.files import neutralise

CLIN = FIXTURES / "clinical"
TODAY = dt.date(2026, 1, 1)
KEY = b"0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def clean():
    return build_cohort(str(CLIN / "clean_cohort.csv"), [str(CLIN / "clean_calls")],
                        samples_sheet=str(CLIN / "clean_samples.tsv"), today=TODAY)


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_tsv_and_siblings(tmp_path, clean):
    out = tmp_path / "o" / "cohort.tsv"
    written = write_cohort(clean, str(out))
    assert written == [str(out), str(tmp_path / "o" / "cohort.problems.tsv"), str(tmp_path / "o" / "cohort.conflicts.tsv")]
    rows = read_tsv(out)
    assert list(rows[0]) == clean.columns and len(rows) == 12
    p1 = rows[0]
    assert p1["pfs_months"] == "2.4312" and p1["pfs_event"] == "1" and p1["treatment_start"] == "2021-10-06"
    assert p1["age"] == "47" and p1["copy_number"] == "2.2"
    # the fixture calls.tsv predates oncogenicity tiers and the co-driver testing record: flagged once each
    assert [r["kind"] for r in read_tsv(tmp_path / "o" / "cohort.problems.tsv")] == ["oncogenicity_derived",
                                                                                   "codrivers_not_recorded"]
    assert len(read_tsv(tmp_path / "o" / "cohort.conflicts.tsv")) == 2
    assert not [f for f in os.listdir(tmp_path / "o") if f.startswith(".tmp-")]


@pytest.mark.parametrize("text,safe", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"), ("+1-2", "'+1-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("-", "'-"), ("-5", "-5"), ("+3.5", "+3.5"), ("C+I", "C+I"), ("P001", "P001"), ("", ""), ("\tx", "'\tx"),
])
def test_formula_cells_are_neutralised(text, safe):
    assert neutralise(text) == safe


def test_formula_patient_id_in_tsv_and_xlsx(tmp_path):
    import openpyxl

    clin = write(tmp_path, "c.csv", 'patient_id,treatment_start\n"=cmd|\' /C calc\'!A0",2021-01-01\n')
    res = build_cohort(str(clin), [str(CLIN / "clean_calls")], today=TODAY)
    write_cohort(res, str(tmp_path / "c.tsv"), xlsx=str(tmp_path / "c.xlsx"))
    assert read_tsv(tmp_path / "c.tsv")[0]["patient_id"].startswith("'=")
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    cell = wb["cohort"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")
    assert [ws.title for ws in wb.worksheets] == ["cohort", "problems", "conflicts"]


def test_xlsx_keeps_types(tmp_path, clean):
    import openpyxl

    write_cohort(clean, str(tmp_path / "c.tsv"), xlsx=str(tmp_path / "c.xlsx"))
    ws = openpyxl.load_workbook(tmp_path / "c.xlsx")["cohort"]
    header = [c.value for c in ws[1]]
    row = {h: c.value for h, c in zip(header, ws[2])}
    assert row["patient_id"] == "P001" and row["pfs_days"] == 74 and row["pfs_months"] == pytest.approx(2.4312)
    assert row["treatment_start"].date() == dt.date(2021, 10, 6)


def test_parquet(tmp_path, clean):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    write_cohort(clean, str(tmp_path / "c.tsv"), parquet=str(tmp_path / "c.parquet"))
    frame = pd.read_parquet(tmp_path / "c.parquet")
    assert list(frame.columns) == clean.columns and len(frame) == 12
    assert frame.loc[0, "pfs_days"] == 74 and str(frame["pfs_days"].dtype) == "Int64"


def test_parquet_without_the_extra_is_a_usage_error(tmp_path, clean, monkeypatch):
    from her2var.cohort import export

    monkeypatch.setattr(export, "parquet_available", lambda: False)
    with pytest.raises(UsageError, match=r"pip install 'her2var\[parquet\]'"):
        write_cohort(clean, str(tmp_path / "c.tsv"), parquet=str(tmp_path / "c.parquet"))
    assert not (tmp_path / "c.tsv").exists()


def test_all_or_nothing(tmp_path, clean):
    taken = tmp_path / "study"
    taken.mkdir()
    (taken / "notes.txt").write_text("someone else's folder")
    with pytest.raises(UsageError, match="is not a cBioPortal study"):
        write_cohort(clean, str(tmp_path / "c.tsv"), xlsx=str(tmp_path / "c.xlsx"), cbioportal=str(taken))
    assert sorted(os.listdir(tmp_path)) == ["study"]  # no cohort.tsv, no xlsx, no temporary files
    assert os.listdir(taken) == ["notes.txt"]


# ---------------------------------------------------------------------------------------------
# Pseudonyms
# ---------------------------------------------------------------------------------------------
def all_text(folder):
    out = []
    for root, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            if f.endswith(".xlsx"):
                import openpyxl

                wb = openpyxl.load_workbook(p)
                out += [str(c.value) for ws in wb for r in ws.iter_rows() for c in r if c.value is not None]
            else:
                with open(p, encoding="utf-8") as fh:
                    out.append(fh.read())
    return "\n".join(out)


def test_pseudonyms_replace_ids_and_drop_dates_everywhere(tmp_path, clean):
    keyfile = tmp_path / "k.key"
    keyfile.write_bytes(KEY + b"\n")
    pz = Pseudonymizer.from_file(str(keyfile))
    out = tmp_path / "out"
    write_cohort(clean, str(out / "c.tsv"), xlsx=str(out / "c.xlsx"), cbioportal=str(out / "study"), pseudonymizer=pz)
    text = all_text(out)
    assert not re.search(r"\bP0\d\d\b|\bS0\d\d[AB]?\b", text), "an original id leaked"
    assert not re.search(r"20(19|2\d)-\d\d-\d\d", text), "a date leaked"
    rows = read_tsv(out / "c.tsv")
    assert all(re.fullmatch(r"PT-[0-9a-f]{16}", r["patient_id"]) for r in rows)
    assert "treatment_start" not in rows[0] and "pfs_months" in rows[0]
    assert rows[0]["patient_id"] == Pseudonymizer(KEY).patient("P001")  # stable for a key
    assert Pseudonymizer(KEY).patient("P001") != Pseudonymizer(KEY[::-1]).patient("P001")  # keyed
    assert Pseudonymizer(KEY).patient("S001") != Pseudonymizer(KEY).sample("S001")  # namespaced
    conflicts = read_tsv(out / "c.conflicts.tsv")
    assert {c["sample"] for c in conflicts} == {Pseudonymizer(KEY).sample("S012A"), Pseudonymizer(KEY).sample("S012B")}


def test_short_key_is_refused(tmp_path):
    keyfile = write(tmp_path, "k", "secret\n")
    with pytest.raises(UsageError, match="at least 16"):
        Pseudonymizer.from_file(str(keyfile))


def test_problem_values_are_pseudonymised(tmp_path):
    clin = write(tmp_path, "c.csv", "patient_id,treatment_start,death_date\nP001,2021-01-01,2999-01-01\nP001,2021-01-01,\n")
    res = build_cohort(str(clin), [str(CLIN / "clean_calls")], today=TODAY)
    write_cohort(res, str(tmp_path / "c.tsv"), pseudonymizer=Pseudonymizer(KEY))
    text = (tmp_path / "c.problems.tsv").read_text()
    assert "P001" not in text and "2999" not in text and "[date withheld]" in text
    assert Pseudonymizer(KEY).patient("P001") in text


# ---------------------------------------------------------------------------------------------
# cBioPortal
# ---------------------------------------------------------------------------------------------
META_REQUIRED = {
    "meta_study.txt": {"cancer_study_identifier", "type_of_cancer", "name", "description"},
    "meta_clinical_patient.txt": {"cancer_study_identifier", "genetic_alteration_type", "datatype", "data_filename"},
    "meta_clinical_sample.txt": {"cancer_study_identifier", "genetic_alteration_type", "datatype", "data_filename"},
    "meta_mutations.txt": {"cancer_study_identifier", "genetic_alteration_type", "datatype", "stable_id",
                           "show_profile_in_analysis_tab", "profile_name", "profile_description", "data_filename"},
    "meta_CNA.txt": {"cancer_study_identifier", "genetic_alteration_type", "datatype", "stable_id",
                     "show_profile_in_analysis_tab", "profile_name", "profile_description", "data_filename"},
}
VARIANT_CLASSES = {"Frame_Shift_Del", "Frame_Shift_Ins", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation",
                   "Nonsense_Mutation", "Splice_Site", "Translation_Start_Site", "Nonstop_Mutation", "Splice_Region",
                   "Unknown"}
BAD_ID = re.compile(r"[^A-Za-z0-9._-]")


def meta(path):
    with open(path, encoding="utf-8") as fh:
        return dict(line.rstrip("\n").split(": ", 1) for line in fh if line.strip())


def table(path):
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    assert lines[-1] == "" and "" not in lines[:-1], f"{path}: blank line"
    top = [ln for ln in lines if ln.startswith("#")]
    body = [ln.split("\t") for ln in lines[len(top):-1]]
    header, rows = body[0], body[1:]
    assert all(len(r) == len(header) for r in rows), f"{path}: ragged rows"
    return top, header, [dict(zip(header, r)) for r in rows]


def check_study(folder):
    """The rules validateData.py applies to the files written here (see cbioportal.py)."""
    files = set(os.listdir(folder))
    for name, required in META_REQUIRED.items():
        if name in files:
            m = meta(os.path.join(folder, name))
            assert required <= set(m), (name, required - set(m))
    study = meta(os.path.join(folder, "meta_study.txt"))
    sid = study["cancer_study_identifier"]
    assert re.fullmatch(r"[a-z0-9_]+", sid) and study["add_global_case_list"] == "true"
    assert study["reference_genome"] in ("hg19", "hg38")
    # clinical files: 4 attribute lines, upper-case names, datatypes, numbers, survival statuses
    samples, patients_with_samples = set(), set()
    for name in ("data_clinical_sample.txt", "data_clinical_patient.txt"):
        top, header, rows = table(os.path.join(folder, name))
        assert len(top) == 4 and all(len(t.split("\t")) == len(header) for t in top)
        types = top[2][1:].split("\t")
        assert set(types) <= {"STRING", "NUMBER", "BOOLEAN"} and all(h.isupper() for h in header)
        assert all(p.isdigit() for p in top[3][1:].split("\t"))
        for r in rows:
            for h, t in zip(header, types):
                if t == "NUMBER" and r[h] != "NA":
                    float(r[h])
            assert not BAD_ID.search(r["PATIENT_ID"])
            if name == "data_clinical_sample.txt":
                assert not BAD_ID.search(r["SAMPLE_ID"]) and r["SAMPLE_ID"] not in samples
                samples.add(r["SAMPLE_ID"])
                patients_with_samples.add(r["PATIENT_ID"])
            else:
                assert r["PATIENT_ID"] in patients_with_samples
                assert r["OS_STATUS"] in ("NA", "0:LIVING", "1:DECEASED")
                assert r["PFS_STATUS"] in ("NA", "0:CENSORED", "1:PROGRESSION")
                assert (r["OS_MONTHS"] == "NA") == (r["OS_STATUS"] == "NA")
    if "data_mutations.txt" in files:
        _, header, rows = table(os.path.join(folder, "data_mutations.txt"))
        assert {"Tumor_Sample_Barcode", "Hugo_Symbol", "Variant_Classification", "HGVSp_Short"} <= set(header)
        assert "NCBI_Build" not in header  # the study's reference_genome stands for every row
        for r in rows:
            assert r["Tumor_Sample_Barcode"] in samples and r["Variant_Classification"] in VARIANT_CLASSES
            for col in ("Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2"):
                assert set(r[col]) <= set("ACGT-"), r
            start, end, ref = int(r["Start_Position"]), int(r["End_Position"]), r["Reference_Allele"]
            alt = r["Tumor_Seq_Allele2"]
            assert start <= end
            if r["Variant_Type"] == "INS":
                assert end - start + 1 == len(ref) or end - start == 1
                assert len(ref) <= len(alt)
            elif r["Variant_Type"] == "DEL":
                assert end - start + 1 == len(ref) and len(ref) >= len(alt)
            else:
                assert len(ref) == len(alt) == {"SNP": 1, "DNP": 2, "TNP": 3}.get(r["Variant_Type"], len(ref))
            assert not re.search(r"[;+,]", r["HGVSp_Short"]) and r["HGVSp_Short"].count("p.") <= 1
    if "data_CNA.txt" in files:
        _, header, rows = table(os.path.join(folder, "data_CNA.txt"))
        assert header[:2] == ["Hugo_Symbol", "Entrez_Gene_Id"] and set(header[2:]) <= samples
        for r in rows:
            assert {r[s] for s in header[2:]} <= {"-2", "-1.5", "-1", "0", "1", "2", "NA"}
    for f in os.listdir(os.path.join(folder, "case_lists")):
        m = meta(os.path.join(folder, "case_lists", f))
        assert m["stable_id"].startswith(sid + "_") and m["cancer_study_identifier"] == sid
        assert set(m["case_list_ids"].split("\t")) <= samples
    return study


def test_cbioportal_study(tmp_path, clean):
    folder = tmp_path / "study"
    write_cohort(clean, str(tmp_path / "c.tsv"), cbioportal=str(folder), study_id="her2_test")
    study = check_study(folder)
    assert study["reference_genome"] == "hg38"
    _, _, patients = table(folder / "data_clinical_patient.txt")
    p = {r["PATIENT_ID"]: r for r in patients}
    assert (p["P001"]["OS_STATUS"], p["P001"]["PFS_STATUS"], p["P001"]["PFS_MONTHS"]) == ("0:LIVING", "1:PROGRESSION", "2.4312")
    assert p["P004"]["OS_STATUS"] == "1:DECEASED"
    _, _, samples = table(folder / "data_clinical_sample.txt")
    s = {r["SAMPLE_ID"]: r for r in samples}
    assert s["S012A"]["COHORT_SAMPLE"] == "Yes" and s["S012B"]["COHORT_SAMPLE"] == "No"
    assert s["S006"]["HER2_STATUS"] == "not_assessed"
    _, _, maf = table(folder / "data_mutations.txt")
    ins = next(r for r in maf if r["Tumor_Sample_Barcode"] == "S001")
    assert (ins["Variant_Type"], ins["Start_Position"], ins["End_Position"], ins["Reference_Allele"],
            ins["Tumor_Seq_Allele2"]) == ("INS", "39724728", "39724729", "-", "GCATACGTGATG")
    assert any(r["Hugo_Symbol"] == "EGFR" and r["HGVSp_Short"] == "p.L858R" for r in maf)
    _, header, cna = table(folder / "data_CNA.txt")
    erbb2 = next(r for r in cna if r["Hugo_Symbol"] == "ERBB2")
    assert (erbb2["S002"], erbb2["S001"]) == ("2", "0")
    assert "S003" not in header and "S006" not in header  # copy number not assessed: not profiled for it


def test_cbioportal_rewrites_its_own_folder_and_mixed_builds(tmp_path):
    res = build_cohort(str(CLIN / "clean_cohort.csv"), [str(CLIN / "clean_calls")], today=TODAY)
    folder = tmp_path / "study"
    write_cohort(res, str(tmp_path / "a.tsv"), cbioportal=str(folder))
    write_cohort(res, str(tmp_path / "a.tsv"), cbioportal=str(folder), build="GRCh37")  # replaces it
    study = check_study(folder)
    assert study["reference_genome"] == "hg19"
    _, _, maf = table(folder / "data_mutations.txt")  # every event is on GRCh38: lifted to GRCh37
    assert next(r for r in maf if r["Tumor_Sample_Barcode"] == "S001")["Start_Position"] == "37880981"
    notes = (folder / "her2var_export.txt").read_text()
    assert "S001\tERBB2\tp.Y772_A775dup\tGRCh38 17:39724728 -> GRCh37 17:37880981 (REF checked)" in notes
    assert [f for f in os.listdir(tmp_path) if f.startswith(".tmp-") or ".old-" in f] == []


def test_cbioportal_ids_that_collide_after_cleaning(tmp_path):
    clin = write(tmp_path, "c.csv", "patient_id,treatment_start\nP 1,2021-01-01\nP_1,2021-01-01\n")
    sheet = write(tmp_path, "s.tsv", "sample\tpatient\nS001\tP 1\nS002\tP_1\n")
    res = build_cohort(str(clin), [str(CLIN / "clean_calls")], samples_sheet=str(sheet), today=TODAY)
    from her2var.errors import InputError

    with pytest.raises(InputError, match="both become 'P_1'"):
        write_cohort(res, str(tmp_path / "c.tsv"), cbioportal=str(tmp_path / "study"))
    assert not (tmp_path / "c.tsv").exists()


@pytest.mark.parametrize("pos,ref,alt,want", [
    (100, "A", "T", (100, 100, "A", "T", "SNP")),
    (100, "AC", "GT", (100, 101, "AC", "GT", "DNP")),
    (100, "A", "AGCA", (100, 101, "-", "GCA", "INS")),
    (100, "GTTGA", "G", (101, 104, "TTGA", "-", "DEL")),
    (100, "GA", "GTCT", (101, 101, "A", "TCT", "INS")),
    (100, "GACG", "GT", (101, 103, "ACG", "T", "DEL")),
    (100, "ACGTA", "TGCAT", (100, 104, "ACGTA", "TGCAT", "ONP")),
])
def test_maf_alleles(pos, ref, alt, want):
    assert maf_alleles(pos, ref, alt) == want
