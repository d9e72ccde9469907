"""AACR GENIE BPC (Biopharma Collaborative) analytic data sets as cohort records.

A BPC folder holds the curated CSV tables of one cancer cohort (column names as in the BPC
Analytic Data Guide and the genieBPC R package); four are read:

  patient_level_dataset.csv          record_id (= the GENIE patient id), naaccr_sex_code, institution
  cancer_level_dataset_index.csv     record_id, ca_seq, dob_ca_dx_days (age at diagnosis, days),
                                     stage_dx, ca_hist_adeno_squamous, tt_os_dx_days, os_dx_status
  regimen_cancer_level_dataset.csv   record_id, ca_seq, regimen_number, regimen_drugs (comma-separated),
                                     dx_reg_start_int (days from diagnosis to the regimen's start),
                                     tt_os_g_days / os_g_status, tt_pfs_i_and_m_g_days / pfs_i_and_m_g_status
                                     (OS and PFS from the regimen's start; PFS: progression on imaging
                                     and in the oncologist's notes, or death)
  cancer_panel_test_level_dataset.csv  record_id, ca_seq, cpt_genie_sample_id, dx_cpt_rep_days (days from
                                     diagnosis to the sequencing report)

Choices:
- one index cancer per patient: the lowest ca_seq (a second one is flagged);
- first line: the regimen of that cancer with the lowest regimen_number (as BPC numbers them, in
  order of start; for an early-stage cancer this may be an adjuvant regimen);
- origin ``first_line`` (default): PFS and OS from the start of that regimen; origin
  ``diagnosis``: OS from the diagnosis (tt_os_dx_days), no PFS. One origin for every patient:
  times from different origins are never mixed in one column;
- delayed entry: BPC patients enter the data set through a sequencing report, so each is at risk
  only from the first report on: entry = days from the origin to the first report
  (dx_cpt_rep_days - dx_reg_start_int), 0 when the report came first (left truncation, as the
  BPC analyses fit Surv(entry, time, event));
- drug names are matched after dropping salt words (``Pemetrexed Disodium`` = pemetrexed);
- no best response is given (BPC's imaging tables are not read).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..cohort.calls import SheetRow
from ..cohort.clinical import ClinicalTable, Patient, parse_drugs
from ..cohort.rules import ClinicalRules, RegimenRules, norm
from ..errors import InputError, shown
from ..tables import RawTable, read_table
from .clinical_common import Bound, Collector

FILES = {"patient": "patient_level_dataset.csv", "cancer": "cancer_level_dataset_index.csv",
         "regimen": "regimen_cancer_level_dataset.csv", "cpt": "cancer_panel_test_level_dataset.csv"}
REQUIRED = {"patient": ("record_id",), "cancer": ("record_id", "ca_seq"),
            "regimen": ("record_id", "ca_seq", "regimen_number", "regimen_drugs", "dx_reg_start_int"),
            "cpt": ("record_id", "cpt_genie_sample_id", "dx_cpt_rep_days")}
ORIGINS = ("first_line", "diagnosis")
FIRST_LINE = {"pfs": ("tt_pfs_i_and_m_g_days", "pfs_i_and_m_g_status"), "os": ("tt_os_g_days", "os_g_status")}
DIAGNOSIS = {"os": ("tt_os_dx_days", "os_dx_status")}
ORIGIN_TEXT = {"first_line": "first-line regimen start (GENIE BPC)", "diagnosis": "diagnosis (GENIE BPC)"}
SALTS = frozenset(("disodium", "sodium", "hydrochloride", "dihydrochloride", "mesylate", "dimaleate", "maleate",
                   "citrate", "tosylate", "ditosylate", "malate", "sulfate", "acetate", "besylate", "phosphate",
                   "tartrate", "monohydrate", "succinate", "fumarate"))
SEX_CODES = {"1": "male", "2": "female"}  # NAACCR sex codes, when a release writes codes not words
HISTOLOGY = {"squamous cell": "squamous", "other histologies mixed tumor": "other"}
STAGE_NOT_SPECIFIED = "stage i iii nos"
STUDY_COLUMNS = ("survival_origin", "pfs_entry_days", "pfs_entry_months", "os_entry_days", "os_entry_months",
                 "center")


@dataclass
class _Table:
    raw: RawTable
    index: dict[str, int]

    @property
    def path(self) -> str:
        return self.raw.path

    def has(self, name: str) -> bool:
        return name in self.index

    def rows(self) -> list[tuple[int, dict[str, str]]]:
        out = []
        for line, cells in zip(self.raw.row_numbers, self.raw.rows, strict=True):
            out.append((line, {n: str(cells[i] or "").strip() for n, i in self.index.items()}))
        return out


def _read(folder: str, kind: str, extra: tuple[str, ...] = ()) -> _Table:
    path = os.path.join(folder, FILES[kind])
    if not os.path.isfile(path):
        raise InputError(f"{folder}: no {FILES[kind]}; expected a GENIE BPC folder ({', '.join(FILES.values())})")
    raw = read_table(path, what="a GENIE BPC table")
    index = {h.strip().lower(): i for i, h in enumerate(raw.header)}
    lacking = [c for c in (*REQUIRED[kind], *extra) if c not in index]
    if lacking:
        raise InputError(f"{path}:1: no column(s) {', '.join(lacking)}; expected the GENIE BPC {FILES[kind]}")
    return _Table(raw, index)


def read_bpc(folder: str, rules: ClinicalRules, regimens: RegimenRules, origin: str = "first_line") -> ClinicalTable:
    """The BPC folder's tables as cohort records (see the module's docstring)."""
    if origin not in ORIGINS:
        raise InputError(f"GENIE BPC origin {shown(origin)}: expected one of {', '.join(ORIGINS)}")
    if not os.path.isdir(folder):
        raise InputError(f"{folder}: " + ("is a file, expected a GENIE BPC folder" if os.path.exists(folder)
                                          else "no such folder (--bpc)"))
    survival = FIRST_LINE if origin == "first_line" else DIAGNOSIS
    pt = _read(folder, "patient")
    ca = _read(folder, "cancer", tuple(c for cols in DIAGNOSIS.values() for c in cols) if origin == "diagnosis" else ())
    rg = _read(folder, "regimen", tuple(c for cols in FIRST_LINE.values() for c in cols)
               if origin == "first_line" else ())
    cpt = _read(folder, "cpt")
    c = Collector(rules)
    patients: dict[str, Patient] = {}
    centers: dict[str, str] = {}
    for line, r in pt.rows():
        pid = r["record_id"]
        if not pid:
            raise InputError(f"{pt.path}:{line}: record_id is empty")
        if pid in patients:
            raise InputError(f"{pt.path}:{line}: record_id {shown(pid)} is also on line {patients[pid].row}; one row "
                             "per patient")
        p = patients[pid] = Patient(row=line, patient_id=pid)
        sex = r.get("naaccr_sex_code", "")
        c.category(p, "sex", SEX_CODES.get(sex, sex), pt.path, line, "naaccr_sex_code")
        if r.get("institution") and not c.absent(r["institution"]):
            centers[pid] = p.study["center"] = r["institution"]
    cancers = _by_record(ca, patients, c, "ca_seq")
    regimen_rows = _by_record(rg, patients, c, "ca_seq")
    samples, reports = _panel_tests(cpt, patients, c)
    for pid, p in patients.items():
        own = sorted(cancers.get(pid, []), key=lambda x: x[0])
        if not own:
            c.problem("no_index_cancer", f"no row in {FILES['cancer']}", p, pt.path, p.row, "record_id", "",
                      ("pfs", "os", "baseline"))
            continue
        seq, line, cr = own[0]
        if len(own) > 1:
            c.problem("several_cancers", f"{len(own)} index cancers: the first (ca_seq {seq:g}) is used", p, ca.path,
                      line, "ca_seq")
        _cancer_baseline(p, cr, c, ca.path, line)
        first_report = _first(reports.get((pid, seq)) or reports.get((pid, None)))
        reg = _first_regimen(regimen_rows.get(pid, []), seq)
        start = None
        if reg is not None:
            rline, rr = reg
            _drugs(p, rr["regimen_drugs"], regimens, c, rg.path, rline)
            start = c.number(rr["dx_reg_start_int"], rg.path, rline, "dx_reg_start_int", "days")
        if origin == "diagnosis":
            _intervals(p, survival, cr, c, ca.path, line, origin, 0.0, first_report)
        elif reg is None:
            p.exclude(("pfs", "os"), "no regimen of the index cancer in GENIE BPC")
        elif not isinstance(start, float):
            p.exclude(("pfs", "os"), "dx_reg_start_int is " + ("redacted" if isinstance(start, Bound) else "empty"))
        else:
            _intervals(p, survival, reg[1], c, rg.path, reg[0], origin, start, first_report)
    c.raise_if_errors()
    columns = STUDY_COLUMNS if centers else STUDY_COLUMNS[:-1]
    if any("age_redacted" in p.study for p in patients.values()):
        columns = (*columns, "age_redacted")
    return ClinicalTable(path=pt.path, columns={"patient_id": "record_id"}, patients=list(patients.values()),
                         problems=c.problems, ignored_columns=[], date_format=None, n_rows=len(patients),
                         samples=samples, study_columns=columns)


def _by_record(table: _Table, patients: dict[str, Patient], c: Collector, seq_column: str
               ) -> dict[str, list[tuple[float, int, dict[str, str]]]]:
    """record_id -> (ca_seq, line, row); rows of a record not in the patient table are flagged."""
    out: dict[str, list[tuple[float, int, dict[str, str]]]] = {}
    for line, r in table.rows():
        pid = r["record_id"]
        if c.absent(r[seq_column]):
            c.error(table.path, line, seq_column, "empty; expected the cancer's sequence number (0, 1, ...)")
            continue
        seq = c.number(r[seq_column], table.path, line, seq_column, "the cancer's sequence number (0, 1, ...)")
        if not isinstance(seq, float):
            continue
        if pid not in patients:
            c.problem("record_without_patient", f"record_id not in {FILES['patient']}: the row is not used", None,
                      table.path, line, "record_id", patient=pid)
            continue
        out.setdefault(pid, []).append((seq, line, r))
    return out


def _panel_tests(cpt: _Table, patients: dict[str, Patient], c: Collector
                 ) -> tuple[dict[str, SheetRow], dict[tuple[str, float | None], list[float]]]:
    """(sample -> patient, (record, ca_seq or None) -> days from diagnosis to each report)."""
    samples: dict[str, SheetRow] = {}
    reports: dict[tuple[str, float | None], list[float]] = {}
    for line, r in cpt.rows():
        sid, pid = r["cpt_genie_sample_id"], r["record_id"]
        if not sid or not pid:
            raise InputError(f"{cpt.path}:{line}: {'cpt_genie_sample_id' if not sid else 'record_id'} is empty")
        if sid in samples and samples[sid].patient != pid:
            raise InputError(f"{cpt.path}:{line}: sample {shown(sid)} is listed for record {shown(pid, bare=True)} and "
                             f"on line {samples[sid].row} for {shown(samples[sid].patient, bare=True)}")
        if pid not in patients:
            c.problem("sample_without_patient", f"record_id not in {FILES['patient']}", None, cpt.path, line,
                      "record_id", sample=sid, patient=pid)
            continue
        samples.setdefault(sid, SheetRow(sid, pid, None, line))
        days = c.number(r["dx_cpt_rep_days"], cpt.path, line, "dx_cpt_rep_days", "days")
        if isinstance(days, float):
            seq = c.number(r.get("ca_seq", ""), cpt.path, line, "ca_seq", "a cancer sequence number") \
                if "ca_seq" in r else None
            reports.setdefault((pid, None), []).append(days)
            if isinstance(seq, float):
                reports.setdefault((pid, seq), []).append(days)
    return samples, reports


def _first(days: list[float] | None) -> float | None:
    return min(days) if days else None


def _first_regimen(rows: list[tuple[float, int, dict[str, str]]], seq: float) -> tuple[int, dict[str, str]] | None:
    """The index cancer's regimen with the lowest regimen_number (line, row)."""
    own = []
    for s, line, r in rows:
        if s != seq:
            continue
        try:
            number = float(r["regimen_number"])
        except ValueError:
            number = float("inf")
        own.append((number, line, r))
    if not own:
        return None
    _, line, r = min(own, key=lambda x: (x[0], x[1]))
    return line, r


def _cancer_baseline(p: Patient, r: dict[str, str], c: Collector, path: str, line: int) -> None:
    if "dob_ca_dx_days" in r:
        c.age(p, c.number(r["dob_ca_dx_days"], path, line, "dob_ca_dx_days", "days from birth to diagnosis"), path,
              line, "dob_ca_dx_days", days=True)
    stage = r.get("stage_dx", "")
    if norm(stage) == STAGE_NOT_SPECIFIED:
        c.problem("unknown_value", "stage I-III without more detail: not one of the cohort's stages (left empty)", p,
                  path, line, "stage_dx", stage)
    elif stage:
        c.category(p, "stage", stage, path, line, "stage_dx")
    hist = r.get("ca_hist_adeno_squamous", "")
    if hist:
        c.category(p, "histology", HISTOLOGY.get(norm(hist), hist), path, line, "ca_hist_adeno_squamous")


def bpc_drug_names(value: str) -> str:
    """'Carboplatin, Pemetrexed Disodium' -> 'Carboplatin, Pemetrexed': salt words dropped, so
    the names match the regimens rules."""
    out = []
    for name in value.split(","):
        words = name.split()
        while len(words) > 1 and words[-1].lower() in SALTS:
            words.pop()
        out.append(" ".join(words))
    return ", ".join(out)


def _drugs(p: Patient, value: str, regimens: RegimenRules, c: Collector, path: str, line: int) -> None:
    if c.absent(value):
        return
    p.drugs, p.drug_classes, p.unknown_drugs = parse_drugs(bpc_drug_names(value), regimens)
    for name in p.unknown_drugs:
        c.problem("unknown_drug", "unknown drug: add it to a regimens file given with --regimens", p, path, line,
                  "regimen_drugs", name, ("regimen",))


def _intervals(p: Patient, survival: dict[str, tuple[str, str]], r: dict[str, str], c: Collector, path: str,
               line: int, origin: str, start: float, first_report: float | None) -> None:
    """PFS/OS of one patient from ``r`` (a regimen or cancer row), with delayed entry at the first
    sequencing report (``start``: days from diagnosis to the origin)."""
    entry = None if first_report is None else max(0.0, first_report - start)
    for endpoint, (time_col, status_col) in survival.items():
        days = c.number(r[time_col], path, line, time_col, "days")
        flag = c.number(r[status_col], path, line, status_col, "0 (censored) or 1 (event)")
        if isinstance(flag, float) and flag not in (0.0, 1.0):
            c.error(path, line, status_col, f"{flag:g} is not 0 (censored) or 1 (event)")
            continue
        event = int(flag) if isinstance(flag, float) else None
        c.interval(p, endpoint, days, event, ORIGIN_TEXT[origin], path, line, (time_col, status_col), entry)
    if "pfs" not in survival:
        p.exclude(("pfs",), "no PFS from the diagnosis in GENIE BPC (use the first-line origin)")
