"""Which files of a study folder hold what: a cBioPortal study or an AACR GENIE release.

A cBioPortal study names each data file in a meta file (``meta_*.txt``: ``genetic_alteration_type``,
``datatype``, ``stable_id``, ``data_filename``; cBioPortal's "File Formats" documentation), which
is followed wherever one exists. Files no meta file names are found by the names cBioPortal and
GENIE give them (``data_mutations_extended.txt``, ``data_CNA.txt``, ...), without regard to case;
a GENIE release is recognised by its ``assay_information.txt`` or ``genomic_information.txt``.
Gene panel definitions are read from ``gene_panels/`` and ``data_gene_panel_*.txt``, case lists
from ``case_lists/``.

Data kinds read, by the profile they belong to:

- ``mutations``: the MAF (MUTATION_EXTENDED / MAF);
- ``cna``: discrete copy number (COPY_NUMBER_ALTERATION / DISCRETE), ``log2``: gene-level log2
  ratios (LOG2-VALUE), ``linear``: continuous values (CONTINUOUS, not read: see studies.copynumber);
- ``structural_variants``: ``data_sv.txt`` (STRUCTURAL_VARIANT / SV) or the older
  ``data_fusions.txt`` (FUSION / FUSION);
- the gene panel matrix (``data_gene_panel_matrix.txt``; GENIE's ``data_gene_matrix.txt``) and
  ``data_clinical_sample.txt`` (only its SAMPLE_ID, PATIENT_ID and SEQ_ASSAY_ID columns).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..errors import InputError, shown
from .text import Meta, read_meta

CBIOPORTAL, GENIE = "cbioportal", "genie"
MUTATIONS, CNA, LOG2, LINEAR, SV, FUSIONS = "mutations", "cna", "log2", "linear", "structural_variants", "fusions"
PANEL_MATRIX, CLINICAL_SAMPLE = "panel_matrix", "clinical_sample"

# (genetic_alteration_type, datatype) of a meta file -> the kind of data its file holds
META_KINDS = {
    ("MUTATION_EXTENDED", "MAF"): MUTATIONS,
    ("COPY_NUMBER_ALTERATION", "DISCRETE"): CNA,
    ("COPY_NUMBER_ALTERATION", "LOG2-VALUE"): LOG2,
    ("COPY_NUMBER_ALTERATION", "CONTINUOUS"): LINEAR,
    ("STRUCTURAL_VARIANT", "SV"): SV,
    ("FUSION", "FUSION"): FUSIONS,
    ("GENE_PANEL_MATRIX", "GENE_PANEL_MATRIX"): PANEL_MATRIX,
    ("CLINICAL", "SAMPLE_ATTRIBUTES"): CLINICAL_SAMPLE,
}
# File names (lower case) of each kind where no meta file names one, and the profile's stable id.
KNOWN_NAMES = {
    MUTATIONS: (("data_mutations_extended.txt", "data_mutations.txt", "data_mutations_extended.maf"), "mutations"),
    CNA: (("data_cna.txt",), "cna"),
    LOG2: (("data_log2_cna.txt", "data_log2cna.txt"), "log2CNA"),
    LINEAR: (("data_linear_cna.txt",), "linear_CNA"),
    SV: (("data_sv.txt",), "structural_variants"),
    FUSIONS: (("data_fusions.txt",), "fusion"),
    PANEL_MATRIX: (("data_gene_panel_matrix.txt", "data_gene_matrix.txt"), ""),
    CLINICAL_SAMPLE: (("data_clinical_sample.txt",), ""),
}
GENIE_FILES = ("assay_information.txt", "genomic_information.txt")


@dataclass(frozen=True)
class DataFile:
    """One data file of the study and what its meta file (if any) says of it."""

    kind: str
    path: str
    stable_id: str  # the profile's id: the gene panel matrix column of its samples
    meta: str | None = None
    description: str = ""  # the meta file's profile_description
    gene_panel: str | None = None  # the meta file's gene_panel: every sample of the profile on it


@dataclass
class StudyFolder:
    path: str
    flavour: str  # cbioportal | genie
    study_id: str
    reference_genome: tuple[str, str] | None  # (value, where it is written)
    files: dict[str, DataFile]
    panel_files: list[str] = field(default_factory=list)
    case_lists: list[str] = field(default_factory=list)
    assay_information: str | None = None
    genomic_information: str | None = None
    ignored: list[str] = field(default_factory=list)  # what was found and is not read, with why


def looks_like_study(path: str) -> bool:
    """A folder holding a meta_study.txt or a GENIE release's assay files (never raises)."""
    try:
        names = {n.lower() for n in os.listdir(path)}
    except OSError:
        return False
    return "meta_study.txt" in names or any(n in names for n in GENIE_FILES)


def find_files(path: str) -> StudyFolder:
    """What the folder holds (see the module notes); InputError when it is no study at all."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such folder (--study)")
    if not os.path.isdir(path):
        raise InputError(f"{path}: is a file, expected a cBioPortal study or GENIE release folder (--study)")
    try:
        listing = sorted(os.listdir(path))
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    by_lower: dict[str, list[str]] = {}
    for n in listing:
        by_lower.setdefault(n.lower(), []).append(n)
    files: dict[str, DataFile] = {}
    named: set[str] = set()
    study_id, reference = "", None
    ignored: list[str] = []
    for name in listing:
        if not (name.lower().startswith("meta_") and name.lower().endswith(".txt")):
            continue
        meta = read_meta(os.path.join(path, name), "cBioPortal meta file")
        if name.lower() == "meta_study.txt":
            study_id = meta.get("cancer_study_identifier") or ""
            genome = meta.get("reference_genome")
            reference = (genome, meta.where("reference_genome")) if genome else None
            continue
        kind = META_KINDS.get(((meta.get("genetic_alteration_type") or "").upper(),
                               (meta.get("datatype") or "").upper()))
        if kind is None:
            continue  # expression, methylation, clinical patient, timeline...: nothing her2var reads
        data = _data_file(path, meta, listing)
        named.add(os.path.basename(data).lower())
        if kind in files:
            raise InputError(f"{meta.path}: a second {kind} file ({os.path.basename(data)}; the first is "
                             f"{os.path.basename(files[kind].path)}, named by {_named_by(files[kind])}): "
                             "which one to read cannot be told; keep one in the study folder")
        files[kind] = DataFile(kind, data, meta.get("stable_id") or KNOWN_NAMES[kind][1], meta.path,
                               meta.get("profile_description") or "", meta.get("gene_panel") or None)
    for kind, (names, stable_id) in KNOWN_NAMES.items():
        found = [real for n in names for real in by_lower.get(n, []) + by_lower.get(n + ".gz", [])]
        if kind in files:
            ignored += [f"{n}: not read, the study's meta file names {os.path.basename(files[kind].path)}"
                        for n in found if n.lower() not in named]
            continue
        if len(found) > 1:
            raise InputError(f"{path}: {' and '.join(found)} both hold {kind} data and no meta file says which "
                             "one the study uses; keep one")
        if found:
            files[kind] = DataFile(kind, os.path.join(path, found[0]), stable_id)
    ignored += [f"{n}: not read: copy-number segments (ERBB2's copy number is read from the gene-level matrices)"
                for n in listing if n.lower().endswith((".seg", ".seg.gz"))]
    genie = {n: os.path.join(path, by_lower[n][0]) for n in GENIE_FILES if n in by_lower}
    flavour = GENIE if genie else CBIOPORTAL
    if not files and not genie:
        raise InputError(f"{path}: not a cBioPortal study or GENIE release folder: no meta_*.txt naming a data "
                         "file and none of data_mutations.txt, data_mutations_extended.txt, data_CNA.txt, "
                         "data_sv.txt, genomic_information.txt")
    panels = [os.path.join(path, n) for n in listing
              if n.lower().startswith("data_gene_panel_") and n.lower().endswith(".txt")
              and os.path.join(path, n) != (files[PANEL_MATRIX].path if PANEL_MATRIX in files else "")]
    panels += _listed(os.path.join(path, "gene_panels"))
    return StudyFolder(path=path, flavour=flavour, study_id=study_id, reference_genome=reference, files=files,
                       panel_files=panels, case_lists=_listed(os.path.join(path, "case_lists")),
                       assay_information=genie.get("assay_information.txt"),
                       genomic_information=genie.get("genomic_information.txt"), ignored=ignored)


def _data_file(folder: str, meta: Meta, listing: list[str]) -> str:
    name = meta.get("data_filename")
    if not name:
        raise InputError(f"{meta.path}: no data_filename; a meta file names the data file it describes")
    if os.path.basename(name) != name or name in (".", ".."):
        raise InputError(f"{meta.where('data_filename')}: data_filename {shown(name)} is not a file name in the "
                         "study folder")
    if name not in listing:
        raise InputError(f"{meta.where('data_filename')}: data_filename {shown(name, bare=True)} is not in the "
                         f"study folder {folder}")
    return os.path.join(folder, name)


def _named_by(f: DataFile) -> str:
    return os.path.basename(f.meta) if f.meta else "its file name"


def _listed(folder: str) -> list[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names if n.lower().endswith(".txt")]
