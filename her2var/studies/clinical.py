"""Clinical records of a public cohort for ``her2var cohort``: a cBioPortal study or an AACR GENIE
release folder (clinical_cbioportal.py, clinical_genie.py), a GENIE BPC folder (clinical_bpc.py),
or a GENIE release with its BPC cohort. The result is the cohort's ClinicalTable: one record per
patient, survival as intervals (no date is made up), the sample -> patient map, and the
patients and samples the source leaves out of the cohort.

With both a release and a BPC folder, the cohort's patients and their clinical values are BPC's
(curated); the release adds its sample -> patient map (BPC's panel-test table wins where they
differ) and leaves out the samples of its other patients, counted once.
"""

from __future__ import annotations

import os

from ..cohort.clinical import ClinicalTable
from ..cohort.problems import Problem
from ..cohort.rules import ClinicalRules, RegimenRules
from ..errors import InputError
from .clinical_bpc import FILES, ORIGINS, read_bpc
from .clinical_cbioportal import read_cbioportal_study

__all__ = ["ORIGINS", "read_study_clinical"]


def read_study_clinical(study: str | None, bpc: str | None, rules: ClinicalRules, regimens: RegimenRules, *,
                        origin: str = "first_line") -> ClinicalTable:
    """The clinical records of ``study`` (a cBioPortal study or GENIE release folder) and/or ``bpc``
    (a GENIE BPC folder); ``origin`` (first_line, diagnosis) is BPC's time zero."""
    if study is None and bpc is None:
        raise InputError("no public cohort given: a study folder and/or a GENIE BPC folder")
    if bpc is None:
        assert study is not None
        return read_cbioportal_study(study, rules, regimens)
    table = read_bpc(bpc, rules, regimens, origin)
    if study is None:
        return table
    release = read_cbioportal_study(study, rules, regimens)
    ours = {p.patient_id for p in table.patients}
    samples = dict(release.samples or {})
    bpc_samples = table.samples or {}
    # of the release's findings only those about its whole tables: its patients' values are not used
    problems = [p for p in release.problems if not p.patient and not p.sample]
    for sid, row in bpc_samples.items():
        other = samples.get(sid)
        if other is not None and other.patient != row.patient:
            problems.append(Problem("sample_patient_mismatch", f"the release's sample table (row {other.row}) names "
                                    "another patient; GENIE BPC's panel-test table is used", row.row,
                                    "record_id", patient=row.patient, sample=sid,
                                    file=os.path.join(bpc, FILES["cpt"])))
        samples[sid] = row
    table.problems = [*problems, *table.problems]
    table.samples = samples
    known = {p.patient_id for p in release.patients} | {r.patient for r in (release.samples or {}).values()}
    table.outside = frozenset((known | release.outside) - ours)  # a BPC patient's other-cancer samples: by id
    table.left_out_samples = release.left_out_samples
    return table
