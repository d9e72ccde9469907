"""Public cohorts: a cBioPortal study folder, an AACR GENIE release folder, a GENIE BPC folder.

Genomic side (``her2var classify --study``): studies.folder finds the files, studies.panels says how
each sample was profiled (gene panels, case lists, GENIE assays), studies.copynumber and
studies.svs read ERBB2's copy number and the kinase fusions, studies.assess turns the profiling
into ``assessed`` and ``tested``, and studies.run puts every sample through classify's MAF path:
``classify_study(folder, ...)``.

Clinical side (``her2var cohort --study``): the clinical_* modules read the clinical records
(studies.clinical.read_study_clinical).

Importing the package imports neither side: each command imports the modules it uses.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_study_request", "classify_study", "looks_like_study"]


def __getattr__(name: str) -> Any:
    """The genomic side's entry points, imported when first used (the clinical side needs none)."""
    if name == "looks_like_study":
        from .folder import looks_like_study

        return looks_like_study
    if name in ("check_study_request", "classify_study", "read_study", "study_results", "Study", "StudyRun"):
        from . import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
