"""A cBioPortal study's or an AACR GENIE release's clinical tables as cohort records.

Both are cBioPortal-format folders (clinical_files.py); a folder whose tables carry GENIE's own
attributes (CENTER with INT_CONTACT or DEAD, or SEQ_ASSAY_ID with AGE_AT_SEQ_REPORT) is read as a
GENIE release (clinical_genie.py), any other as a cBioPortal study:

- patients come from data_clinical_patient.txt (from the sample table's PATIENT_ID when a study
  has no patient table); samples map to patients through data_clinical_sample.txt;
- samples whose ONCOTREE_CODE is not a non-small cell lung cancer code are left out, and with
  them patients that have no other sample (the cohort is of NSCLC); a sample without a code stays;
- baseline values: SEX/GENDER, AGE (years), SMOKING_HISTORY, ECOG_PS, STAGE, HISTOLOGY,
  BEST_RESPONSE, FIRST_LINE_DRUGS, or an attribute named like a clinical.yaml synonym; histology
  from ONCOTREE_CODE otherwise;
- survival: OS_MONTHS + OS_STATUS and PFS_MONTHS + PFS_STATUS as intervals from the origin the
  study defines (days = months x 30.4375); DFS_MONTHS + DFS_STATUS are carried as dfs_* columns.
"""

from __future__ import annotations

import logging

from ..cohort.calls import SheetRow
from ..cohort.clinical import ClinicalTable, Patient, parse_drugs
from ..cohort.rules import ClinicalRules, RegimenRules, norm
from ..errors import InputError
from .clinical_common import Collector, months_to_days
from .clinical_files import StudyTable, clinical_files, read_study_table, unique_ids

log = logging.getLogger(__name__)

# OncoTree codes of non-small cell lung cancer -> the histology they mean (None: not more precise).
LUNG_ONCOTREE: dict[str, str | None] = {
    "NSCLC": "nsclc_nos", "NSCLCPD": "nsclc_nos", "LUAD": "adenocarcinoma", "LUSC": "squamous",
    "LUAS": "adenosquamous", "LCLC": "large_cell", "SARCL": "sarcomatoid", "LUPC": "sarcomatoid",
    "SPCC": "sarcomatoid", "GCLC": "sarcomatoid", "LUCS": "sarcomatoid", "LECLC": "other", "LUMEC": "other",
    "LUACC": "other", "LUNG": None,
}
# Baseline fields -> the attributes that give them, first found wins (then clinical.yaml synonyms).
PATIENT_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sex", ("SEX", "GENDER")),
    ("age", ("AGE", "AGE_AT_DIAGNOSIS")),
    ("smoking", ("SMOKING_HISTORY", "SMOKING_STATUS")),
    ("ecog", ("ECOG_PS", "ECOG")),
    ("stage", ("STAGE", "CLINICAL_STAGE", "PATHOLOGIC_STAGE", "AJCC_PATHOLOGIC_TUMOR_STAGE")),
    ("histology", ("HISTOLOGY",)),
    ("best_response", ("BEST_RESPONSE",)),
    ("drugs", ("FIRST_LINE_DRUGS",)),
)
SURVIVAL = (("os", "OS_MONTHS", "OS_STATUS"), ("pfs", "PFS_MONTHS", "PFS_STATUS"), ("dfs", "DFS_MONTHS", "DFS_STATUS"))
STUDY_ORIGIN = "as the study defines it (cBioPortal *_MONTHS)"


def is_genie(patients: StudyTable | None, samples: StudyTable | None) -> bool:
    """A GENIE release: its own attributes, which cBioPortal studies do not use."""
    return bool((patients is not None and patients.has("CENTER")
                 and (patients.has("INT_CONTACT") or patients.has("DEAD")))
                or (samples is not None and samples.has("SEQ_ASSAY_ID") and samples.has("AGE_AT_SEQ_REPORT")))


def read_cbioportal_study(folder: str, rules: ClinicalRules, regimens: RegimenRules) -> ClinicalTable:
    """The folder's clinical tables as cohort records (see the module's docstring)."""
    ppath, spath = clinical_files(folder)
    pt = read_study_table(ppath) if ppath else None
    st = read_study_table(spath) if spath else None
    if pt is not None:
        pt.require("PATIENT_ID")
        unique_ids(pt, "PATIENT_ID")
    if st is not None:
        st.require("SAMPLE_ID", "PATIENT_ID")
        unique_ids(st, "SAMPLE_ID")
    genie = is_genie(pt, st)
    c = Collector(rules)
    samples, by_patient, left_out = _samples(st, c)
    patients = _patients(pt, st, by_patient, c)
    outside = frozenset(pid for pid in left_out if not by_patient.get(pid))
    kept = [p for p in patients if p.patient_id not in outside]
    if outside:
        c.problem("outside_cohort", f"{len(outside)} patient(s) have samples of other cancer types only "
                  "(ONCOTREE_CODE not a non-small cell lung cancer code): not in the cohort", None,
                  spath or "", None, "ONCOTREE_CODE")
    if pt is not None:
        _baseline(pt, kept, c, regimens)
    _histology(st, kept, by_patient, c)
    if genie:
        from .clinical_genie import genie_records

        study_columns = genie_records(pt, st, kept, by_patient, c)
    else:
        study_columns = _survival(pt, kept, c)
    c.raise_if_errors()
    log.info("%s: %s clinical records, %d patients, %d samples", folder, "GENIE release" if genie else
             "cBioPortal study", len(kept), len(samples))
    return ClinicalTable(
        path=ppath or spath or folder, columns={"patient_id": "PATIENT_ID"}, patients=kept, problems=c.problems,
        ignored_columns=[], date_format=None, n_rows=len(patients),
        samples={s: SheetRow(s, pid, None, line) for s, (pid, line) in samples.items()},
        study_columns=study_columns, outside=outside,
        left_out_samples=frozenset(s for pid, ss in left_out.items() for s in ss))


def _samples(st: StudyTable | None, c: Collector
             ) -> tuple[dict[str, tuple[str, int]], dict[str, list[tuple[list[str], int]]], dict[str, list[str]]]:
    """(sample -> (patient, line), patient -> its lung sample rows, patient -> samples left out)."""
    samples: dict[str, tuple[str, int]] = {}
    by_patient: dict[str, list[tuple[list[str], int]]] = {}
    left_out: dict[str, list[str]] = {}
    if st is None:
        return samples, by_patient, left_out
    for row, line in zip(st.rows, st.lines, strict=True):
        sid, pid = st.get(row, "SAMPLE_ID"), st.get(row, "PATIENT_ID")
        if not sid or not pid:
            raise InputError(f"{st.path}:{line}: {'SAMPLE_ID' if not sid else 'PATIENT_ID'} is empty; every sample "
                             "row needs both identifiers")
        code = st.get(row, "ONCOTREE_CODE").upper()
        if code and not c.absent(code) and code not in LUNG_ONCOTREE:
            left_out.setdefault(pid, []).append(sid)
            continue
        samples[sid] = (pid, line)
        by_patient.setdefault(pid, []).append((row, line))
    return samples, by_patient, left_out


def _patients(pt: StudyTable | None, st: StudyTable | None, by_patient: dict[str, list[tuple[list[str], int]]],
              c: Collector) -> list[Patient]:
    """One record per patient row (per PATIENT_ID of the sample table when there is no patient
    table); a sample whose patient has no row is a problem of that sample."""
    if pt is None:
        assert st is not None  # clinical_files found one of the two
        first: dict[str, int] = {}
        for row, line in zip(st.rows, st.lines, strict=True):
            first.setdefault(st.get(row, "PATIENT_ID"), line)
        return [Patient(row=line, patient_id=pid) for pid, line in first.items()]
    patients = []
    for row, line in zip(pt.rows, pt.lines, strict=True):
        pid = pt.get(row, "PATIENT_ID")
        if not pid:
            raise InputError(f"{pt.path}:{line}: PATIENT_ID is empty")
        patients.append(Patient(row=line, patient_id=pid))
    known = {p.patient_id for p in patients}
    if st is not None:
        for row, line in zip(st.rows, st.lines, strict=True):
            pid = st.get(row, "PATIENT_ID")
            if pid not in known:
                c.problem("sample_without_patient", f"its PATIENT_ID is not in {pt.path}", None, st.path, line,
                          "PATIENT_ID", sample=st.get(row, "SAMPLE_ID"), patient=pid)
                by_patient.pop(pid, None)
    return patients


def attribute_for(table: StudyTable, field: str, names: tuple[str, ...], rules: ClinicalRules) -> str | None:
    """The attribute giving ``field``: the first of ``names`` the table has, else one named like a
    clinical.yaml synonym of the field (not for drugs: a TREATMENT attribute is seldom a drug list)."""
    for a in names:
        if table.has(a):
            return a
    if field == "drugs":
        return None
    return next((a for a in table.attributes if rules.header_index.get(norm(a)) == field), None)


def _baseline(pt: StudyTable, patients: list[Patient], c: Collector, regimens: RegimenRules) -> None:
    rows = {pt.get(r, "PATIENT_ID"): (r, line) for r, line in zip(pt.rows, pt.lines, strict=True)}
    for field, names in PATIENT_FIELDS:
        a = attribute_for(pt, field, names, c.rules)
        if a is None:
            continue
        for p in patients:
            row, line = rows[p.patient_id]
            value = pt.get(row, a)
            if field == "age":
                c.age(p, c.number(value, pt.path, line, a, "an age in years"), pt.path, line, a, days=False)
            elif field == "drugs":
                if not c.absent(value):
                    p.drugs, p.drug_classes, p.unknown_drugs = parse_drugs(value, regimens)
                    for name in p.unknown_drugs:
                        c.problem("unknown_drug", "unknown drug: add it to a regimens file given with --regimens",
                                  p, pt.path, line, a, name, ("regimen",))
            else:
                c.category(p, field, value, pt.path, line, a)


def _histology(st: StudyTable | None, patients: list[Patient], by_patient: dict[str, list[tuple[list[str], int]]],
               c: Collector) -> None:
    """Histology from the OncoTree codes of a patient's samples, when no patient attribute gave it;
    samples that disagree leave it empty (flagged)."""
    if st is None or not st.has("ONCOTREE_CODE"):
        return
    for p in patients:
        if p.histology is not None:
            continue
        found = {LUNG_ONCOTREE.get(st.get(r, "ONCOTREE_CODE").upper()) for r, _ in by_patient.get(p.patient_id, [])}
        names = {c.rules.values["histology"].get(norm(h)) for h in found if h}
        names.discard(None)
        if len(names) == 1:
            p.histology = names.pop()
        elif len(names) > 1:
            line = by_patient[p.patient_id][0][1]
            c.problem("conflict", f"the patient's samples have OncoTree codes of different histologies "
                      f"({', '.join(sorted(n for n in names if n))}): histology left empty", p, st.path, line,
                      "ONCOTREE_CODE")


def _survival(pt: StudyTable | None, patients: list[Patient], c: Collector) -> tuple[str, ...]:
    """OS and PFS intervals, DFS columns; returns the study columns these records fill."""
    columns: list[str] = ["survival_origin"]
    if pt is not None and pt.has("DFS_MONTHS") and pt.has("DFS_STATUS"):
        columns += ["dfs_days", "dfs_months", "dfs_event"]
    rows = {pt.get(r, "PATIENT_ID"): (r, line) for r, line in zip(pt.rows, pt.lines, strict=True)} if pt else {}
    for endpoint, months_col, status_col in SURVIVAL:
        present = pt is not None and pt.has(months_col) and pt.has(status_col)
        for p in patients:
            if not present:
                if endpoint != "dfs":
                    p.exclude((endpoint,), f"the study has no {months_col} and {status_col}")
                continue
            assert pt is not None
            row, line = rows[p.patient_id]
            months = c.number(pt.get(row, months_col), pt.path, line, months_col, "months")
            event, disagree = c.status(pt.get(row, status_col), endpoint, pt.path, line, status_col)
            if disagree:
                c.problem("conflict", f"the code says {'event' if event else 'censored'} but the word says "
                          "otherwise", p, pt.path, line, status_col, pt.get(row, status_col),
                          (endpoint,) if endpoint != "dfs" else ())
                continue
            days = months_to_days(months)
            if endpoint == "dfs":
                if isinstance(months, float) and isinstance(days, float) and event is not None and months >= 0:
                    p.study.update(dfs_days=days, dfs_months=months, dfs_event=event)
                continue
            c.interval(p, endpoint, days, event, STUDY_ORIGIN, pt.path, line, (months_col, status_col))
    if any("age_redacted" in p.study for p in patients):
        columns.append("age_redacted")
    return tuple(columns)
