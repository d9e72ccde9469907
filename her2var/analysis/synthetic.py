"""Seeded synthetic cohorts in the columns of ``her2var cohort``'s cohort.tsv (not from patients).

Used by the analysis fixtures (``scripts/make_analysis_fixtures.py``), the benchmark and demos.
Hazards depend on the regimen, brain metastases and ECOG so that the tests have something to find.
``nasty=True`` adds the cases an analysis must survive: a regimen group (C+A) without a single PFS or OS event,
a covariate with one level (histology), a regimen outside the plan's levels, patients the cohort
stage left out of PFS/OS/response (with reasons), missing brain-metastasis status, NE responses,
wild-type and amplification-only patients, and an EGFR co-driver.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

MONTH_DAYS = 30.4375
REGIMENS = ["C", "I", "TKI", "C+I", "C+A", "C+I+A"]
REGIMEN_P = [0.30, 0.08, 0.22, 0.20, 0.10, 0.10]
REGIMEN_HR = {"C": 1.0, "I": 1.3, "TKI": 0.9, "C+I": 0.7, "C+A": 0.75, "C+I+A": 0.6, "ADC": 0.5}
DRUGS = {"C": "carboplatin;pemetrexed", "I": "pembrolizumab", "TKI": "pyrotinib",
         "C+I": "carboplatin;pemetrexed;pembrolizumab", "C+A": "carboplatin;pemetrexed;bevacizumab",
         "C+I+A": "atezolizumab;bevacizumab;carboplatin;paclitaxel", "ADC": "trastuzumab deruxtecan"}
CLASSES = ["exon20_insertion", "point_mutation", "inframe_deletion", "amplification",
           "exon20_insertion;amplification", "wild_type"]
CLASS_P = [0.52, 0.14, 0.04, 0.20, 0.04, 0.06]
EVENTS = {"exon20_insertion": "p.Y772_A775dup", "point_mutation": "p.V777L",
          "inframe_deletion": "p.L755_T759del", "amplification": "amplification"}
COLUMNS = [
    "patient_id", "sex", "age", "smoking", "ecog", "stage", "histology", "mets_brain", "mets_liver",
    "mets_bone", "mets_adrenal", "mets_lung", "mets_pleura", "mets_lymph_node", "drugs", "regimen",
    "regimen_group", "best_response", "treatment_start", "progression_date", "death_date", "last_followup",
    "cutoff", "pfs_days", "pfs_months", "pfs_event", "os_days", "os_months", "os_event", "survival_notes",
    "sample", "n_samples", "samples", "sample_choice", "her2_status", "her2_altered", "her2_tier", "her2_classes",
    "erbb2_events", "assessed", "cn_assessed", "copy_number", "codriver_EGFR", "sample_conflict", "in_pfs",
    "in_os", "in_response", "in_baseline", "in_regimen", "in_her2", "exclusions",
]


def synthetic_cohort(n: int, seed: int, *, nasty: bool = True) -> list[dict[str, Any]]:
    """``n`` patients as cohort.tsv rows (values as text; empty string = missing)."""
    rng = np.random.default_rng(seed)
    regimen = rng.choice(REGIMENS, n, p=REGIMEN_P).astype(object)
    klass = rng.choice(CLASSES, n, p=CLASS_P).astype(object)
    sex = rng.choice(["male", "female"], n, p=[0.45, 0.55])
    age = np.clip(np.round(rng.normal(60, 9, n)), 30, 88).astype(int)
    smoking = rng.choice(["never", "former", "current"], n, p=[0.65, 0.25, 0.10])
    ecog = rng.choice(["0", "1", "2", "3"], n, p=[0.25, 0.60, 0.12, 0.03])
    stage = rng.choice(["IIIB", "IV", "IVA", "IVB"], n, p=[0.08, 0.30, 0.30, 0.32])
    brain = rng.random(n) < 0.3
    liver = rng.random(n) < 0.15
    bone = rng.random(n) < 0.35
    response = rng.choice(["CR", "PR", "SD", "PD", "NE"], n, p=[0.02, 0.22, 0.48, 0.22, 0.06]).astype(object)
    if nasty:
        regimen[:2] = "ADC"  # outside the plan's levels
    hr = np.array([REGIMEN_HR[r] for r in regimen]) * np.where(brain, 1.5, 1.0) * np.where(
        ecog.astype(int) >= 2, 1.6, 1.0)
    pfs_true = rng.exponential(7.0 / hr)
    os_true = pfs_true + rng.exponential(12.0 / hr)
    follow = rng.uniform(6.0, 40.0, n)
    pfs_t = np.minimum(pfs_true, follow)
    pfs_e = (pfs_true <= follow).astype(int)
    os_t = np.minimum(os_true, follow)
    os_e = (os_true <= follow).astype(int)
    if nasty:
        nobody = regimen == "C+A"  # a whole group without a single event
        pfs_e[nobody] = 0
        os_e[nobody] = 0
    pfs_days = np.maximum(np.round(pfs_t * MONTH_DAYS), 1).astype(int)
    os_days = np.maximum(np.maximum(np.round(os_t * MONTH_DAYS), pfs_days), 1).astype(int)
    start0 = dt.date(2018, 1, 1)
    starts = rng.integers(0, 1400, n)
    cutoff = dt.date(2023, 6, 30)
    rows = []
    for i in range(n):
        start = start0 + dt.timedelta(days=int(starts[i]))
        cls = klass[i]
        reg = regimen[i]
        excl = []
        in_pfs = in_os = in_resp = "yes"
        mets_brain = "yes" if brain[i] else "no"
        if nasty and i % 37 == 5:
            in_pfs = in_os = "no"
            excl.append("no first-line start date (pfs, os)")
        if nasty and i % 41 == 7:
            in_resp = "no"
            excl.append("no best response (response)")
        if nasty and i % 29 == 3:
            mets_brain = ""
        her2_status = "wild_type" if cls == "wild_type" else cls
        altered = "no" if cls == "wild_type" else "yes"
        classes = "" if cls == "wild_type" else cls
        events = ";".join(EVENTS[c] for c in classes.split(";")) if classes else ""
        amp = "amplification" in classes
        row = {
            "patient_id": f"P{i + 1:05d}", "sex": sex[i], "age": str(age[i]), "smoking": smoking[i],
            "ecog": ecog[i], "stage": stage[i], "histology": "adenocarcinoma", "mets_brain": mets_brain,
            "mets_liver": "yes" if liver[i] else "no", "mets_bone": "yes" if bone[i] else "no",
            "mets_adrenal": "", "mets_lung": "", "mets_pleura": "", "mets_lymph_node": "",
            "drugs": DRUGS[reg], "regimen": reg, "regimen_group": "combination" if "+" in reg else "single",
            "best_response": response[i] if in_resp == "yes" else "",
            "treatment_start": start.isoformat() if in_pfs == "yes" else "",
            "progression_date": (start + dt.timedelta(days=int(pfs_days[i]))).isoformat() if pfs_e[i] else "",
            "death_date": (start + dt.timedelta(days=int(os_days[i]))).isoformat() if os_e[i] else "",
            "last_followup": (start + dt.timedelta(days=int(os_days[i]))).isoformat(),
            "cutoff": cutoff.isoformat(),
            "pfs_days": str(pfs_days[i]) if in_pfs == "yes" else "",
            "pfs_months": f"{pfs_days[i] / MONTH_DAYS:.4f}" if in_pfs == "yes" else "",
            "pfs_event": str(pfs_e[i]) if in_pfs == "yes" else "",
            "os_days": str(os_days[i]) if in_os == "yes" else "",
            "os_months": f"{os_days[i] / MONTH_DAYS:.4f}" if in_os == "yes" else "",
            "os_event": str(os_e[i]) if in_os == "yes" else "",
            "survival_notes": "", "sample": f"S{i + 1:05d}", "n_samples": "1", "samples": f"S{i + 1:05d}",
            "sample_choice": "only sample", "her2_status": her2_status, "her2_altered": altered,
            "her2_tier": "none" if cls == "wild_type" else "oncogenic",  # every EVENTS name is oncogenic
            "her2_classes": classes, "erbb2_events": events, "assessed": "yes", "cn_assessed": "yes",
            "copy_number": f"{rng.uniform(5, 12):.1f}" if amp else f"{rng.uniform(1.6, 2.6):.1f}",
            "codriver_EGFR": "p.L858R" if nasty and i % 53 == 11 else "", "sample_conflict": "no",
            "in_pfs": in_pfs, "in_os": in_os, "in_response": in_resp, "in_baseline": "yes",
            "in_regimen": "yes", "in_her2": "yes", "exclusions": "; ".join(excl),
        }
        rows.append(row)
    return rows


def write_cohort_tsv(path: str, rows: list[dict[str, Any]], columns: list[str] | None = None) -> None:
    """Write rows as a tab-separated cohort table (atomically)."""
    from ..files import atomic_write

    cols = columns or COLUMNS
    with atomic_write(path) as fh:
        fh.write("\t".join(cols) + "\n")
        for r in rows:
            fh.write("\t".join(str(r.get(c, "")) for c in cols) + "\n")
