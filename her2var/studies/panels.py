"""What each sample of a study was profiled for, per profile, and on which genes or regions.

cBioPortal says it with the gene panel matrix (a column per profile, named by the profile's stable
id; a panel id per sample, ``NA`` = not profiled), with gene panel definitions (``stable_id``,
``description``, ``gene_list`` of symbols or Entrez ids), with the ``gene_panel`` property of a
meta file, and with case lists (``_sequenced``, ``_cna``, ``_log2CNA``, ``_sv``). A discrete or
continuous copy-number file holds every sample profiled for it (cBioPortal's docs), so its columns
say it when nothing else does; a MAF or SV file lists only samples with events, so without a case
list or a matrix entry nothing can be said of the others (``unknown``).

GENIE says it with ``data_gene_matrix.txt`` (SEQ_ASSAY_ID and the same profile columns), its
assays' regions (``genomic_information.txt``: BED rows per SEQ_ASSAY_ID, ``includeInPanel``) and
what each assay reports (``assay_information.txt``: ``alteration_types`` snv, small_indels,
gene_level_cna, intragenic_cna, structural_variants; ``coverage`` hotspot_regions, coding_exons,
introns, promoters). GENIE's validator upper-cases SEQ_ASSAY_IDs and writes '-' for '_': ids are
matched that way. ``genomic_information.txt`` keeps the coordinates of the BED files the centres
submitted: 0-based starts, ends inclusive, as every BED.

Gene panels whose definition is not in the folder (cBioPortal keeps them apart from studies) leave
their genes unknown: a sample on such a panel is neither assessed nor wild type, it is ``unknown``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import InputError, plain_int, shown
from ..models import ENTREZ
from .folder import CNA, FUSIONS, LINEAR, LOG2, MUTATIONS, SV, StudyFolder
from .text import Table, is_missing, name_of, read_meta

# Entrez Gene ids of the genes her2var knows (the ids its own cBioPortal export writes), for files
# that write ids, not symbols.
ENTREZ_IDS = {gene_id: symbol for symbol, gene_id in ENTREZ.items()}
ALTERATION_TYPES = {
    "snv": "snv", "small_indels": "small_indels", "gene_level_cna": "cna", "intragenic_cna": "cna", "cnv": "cna",
    "cna": "cna", "structural_variants": "sv",
}
COVERAGE = ("hotspot_regions", "coding_exons", "introns", "promoters")
# What an assay must report for each profile (assay_information.txt alteration_types, as above)
NEEDED = {MUTATIONS: ("snv", "small_indels"), CNA: ("cna",), LOG2: ("cna",), LINEAR: ("cna",), SV: ("sv",)}
WHAT = {MUTATIONS: "small variants", CNA: "copy number", LOG2: "copy number", LINEAR: "copy number",
        SV: "structural variants"}
# Gene panel matrix columns of each profile besides its own stable id (GENIE's older releases).
MATRIX_COLUMNS = {MUTATIONS: ("mutations",), CNA: ("cna", "gistic"), LOG2: ("log2CNA",), LINEAR: ("linear_CNA",),
                  SV: ("structural_variants", "fusion", "fusions", "sv")}
CASE_CATEGORIES = {"all_cases_with_mutation_data": MUTATIONS, "all_cases_with_cna_data": CNA,
                   "all_cases_with_log2_cna_data": LOG2, "all_cases_with_sv_data": SV}
CASE_SUFFIXES = {"_sequenced": MUTATIONS, "_cna": CNA, "_log2cna": LOG2, "_sv": SV}


def assay_key(text: str) -> str:
    return text.strip().upper().replace("_", "-")


@dataclass(frozen=True)
class Panel:
    """A gene panel or a GENIE assay: its genes, and for an assay its regions and what it reports."""

    id: str
    genes: frozenset[str] | None  # None: the panel is named but not defined in the folder
    source: str = ""  # the file defining it
    targets: Mapping[str, list[tuple[int, int]]] | None = None  # GENIE: regions, 1-based inclusive
    coverage: tuple[str, ...] = ()
    reports: frozenset[str] | None = None  # GENIE: snv, small_indels, cna, sv
    center: str = ""

    def has(self, gene: str) -> bool | None:
        return None if self.genes is None else gene in self.genes

    @property
    def label(self) -> str:
        kind = "assay" if self.targets is not None or self.reports is not None else "gene panel"
        return f"{kind} {shown(self.id, bare=True)}"

    @property
    def defined_in(self) -> str:
        return f" ({name_of(self.source)})" if self.source else ""


@dataclass(frozen=True)
class Profiling:
    """How one sample was profiled for one profile."""

    state: str  # yes / no / unknown
    basis: str  # why, as a reason names it
    panel: Panel | None = None  # for "yes": the panel; None = no panel named (every gene, as cBioPortal reads it)


@dataclass
class Samples:
    """The samples a study names outside its data files: data_clinical_sample.txt and the matrix."""

    order: list[str] = field(default_factory=list)
    patients: dict[str, str] = field(default_factory=dict)
    assays: dict[str, str] = field(default_factory=dict)  # SEQ_ASSAY_ID of the clinical file


class Profiles:
    """Every source of profiling of a study, read once; ``of(sample, profile)`` decides."""

    def __init__(self, folder: StudyFolder, samples: Samples, columns: Mapping[str, frozenset[str]]) -> None:
        """``columns``: the sample columns of each copy-number matrix read (profile -> samples)."""
        self.folder = folder
        self.samples = samples
        self.columns = columns
        self.panels = _read_panels(folder.panel_files)
        self.assays = _read_assays(folder) if folder.assay_information or folder.genomic_information else {}
        self.cases = _read_case_lists(folder.case_lists)
        matrix = folder.files.get("panel_matrix")
        self.matrix_path = matrix.path if matrix else ""
        self.matrix, self.matrix_columns, self.matrix_lines = (_read_matrix(matrix.path) if matrix else ({}, {}, {}))

    def panel(self, panel_id: str) -> Panel:
        found = self.assays.get(assay_key(panel_id)) or self.panels.get(panel_id)
        return found or Panel(panel_id, None)

    def of(self, sample: str, profile: str) -> Profiling:
        data = self.folder.files.get(profile) or (self.folder.files.get(FUSIONS) if profile == SV else None)
        if data is None:
            return Profiling("no", f"the study has no {WHAT[profile]} file")
        found = self._matrix(sample, profile, data.stable_id) or self._listed(sample, profile, data.gene_panel)
        if found is None:
            found = self._by_assay(sample, profile)
        if found is None and data.kind == FUSIONS and MUTATIONS in self.folder.files:
            return self.of(sample, MUTATIONS)  # cBioPortal keeps the older fusions with the mutations
        if found is None:
            return Profiling("unknown", f"no case list or gene panel matrix entry says whether it was profiled "
                                        f"for {WHAT[profile]} ({os.path.basename(data.path)} lists only samples "
                                        "with events)")
        return self._reports(found, profile)

    def _matrix(self, sample: str, profile: str, stable_id: str) -> Profiling | None:
        col = next((self.matrix_columns[c.lower()] for c in (stable_id, *MATRIX_COLUMNS[profile])
                    if c.lower() in self.matrix_columns), None)
        row = self.matrix.get(sample)
        if col is None or row is None:
            return None
        where = f"{name_of(self.matrix_path)}:{self.matrix_lines[sample]}"
        value = row[col]
        if value is None:
            return Profiling("no", f"not profiled for {WHAT[profile]} ({where}: NA)")
        return Profiling("yes", f"profiled for {WHAT[profile]} on {self.panel(value).label} ({where})",
                         self.panel(value))

    def _listed(self, sample: str, profile: str, meta_panel: str | None) -> Profiling | None:
        listed = self.cases.get(profile)
        panel = self.panel(meta_panel) if meta_panel else self._clinical_assay(sample)
        on = f" on {panel.label}" if panel else ""
        if listed:
            if sample in listed.members:
                return Profiling("yes", f"profiled for {WHAT[profile]}{on} (case list {listed.name})", panel)
            return Profiling("no", f"not profiled for {WHAT[profile]} (not in case list {listed.name})")
        if profile in self.columns:  # a matrix file holds every sample profiled for it
            data = self.folder.files[profile]
            if sample in self.columns[profile]:
                return Profiling("yes", f"profiled for {WHAT[profile]}{on} (a column of "
                                        f"{os.path.basename(data.path)})", panel)
            return Profiling("no", f"not profiled for {WHAT[profile]} (no column in {os.path.basename(data.path)})")
        return None

    def _by_assay(self, sample: str, profile: str) -> Profiling | None:
        panel = self._clinical_assay(sample)
        if panel is None:
            return None
        return Profiling("yes", f"sequenced on {panel.label} (SEQ_ASSAY_ID of data_clinical_sample.txt)", panel)

    def _clinical_assay(self, sample: str) -> Panel | None:
        assay = self.samples.assays.get(sample)
        return self.panel(assay) if assay else None

    def _reports(self, found: Profiling, profile: str) -> Profiling:
        """A GENIE assay that does not report this kind of data profiles no sample for it."""
        p = found.panel
        if found.state != "yes" or p is None or p.reports is None:
            return found
        lacking = [t for t in NEEDED[profile] if t not in p.reports]
        if profile == MUTATIONS and lacking == ["small_indels"]:
            return found  # SNVs are read; assess.py says insertions were not
        if lacking:
            return Profiling("no", f"{p.label} does not report {WHAT[profile]} (assay_information.txt "
                                   "alteration_types)")
        return found


# -- readers ----------------------------------------------------------------------------------------
def gene_symbol(text: str) -> str:
    """A gene list entry or cell: a symbol as written, or an Entrez id as the symbol her2var knows."""
    n = plain_int(text.strip())
    if n is not None:
        return ENTREZ_IDS.get(n, f"entrez:{n}")
    return text.strip()


def _read_panels(paths: list[str]) -> dict[str, Panel]:
    out: dict[str, Panel] = {}
    for path in paths:
        meta = read_meta(path, "gene panel file")
        pid, genes = meta.get("stable_id"), meta.get("gene_list")
        if not pid:
            raise InputError(f"{path}: no stable_id; a gene panel file has stable_id, description and gene_list")
        if genes is None:
            raise InputError(f"{path}: no gene_list; a gene panel file lists its genes (tab-separated symbols or "
                             "Entrez ids)")
        if pid in out:
            raise InputError(f"{meta.where('stable_id')}: gene panel {shown(pid)} is defined twice (also in "
                             f"{name_of(out[pid].source)}); keep one")
        out[pid] = Panel(pid, frozenset(gene_symbol(g) for g in genes.split("\t") if g.strip()), path)
    return out


@dataclass(frozen=True)
class CaseList:
    name: str  # as messages name it (case_lists/cases_cna.txt)
    ids: tuple[str, ...]  # in file order
    members: frozenset[str]


def _read_case_lists(paths: list[str]) -> dict[str, CaseList]:
    out: dict[str, CaseList] = {}
    for path in paths:
        meta = read_meta(path, "case list")
        category = (meta.get("case_list_category") or "").lower()
        stable = (meta.get("stable_id") or "").lower()
        profile = CASE_CATEGORIES.get(category) or next(
            (p for s, p in CASE_SUFFIXES.items() if stable.endswith(s)), None)
        if profile is None:
            continue  # _all, _cnaseq, custom lists: not a profile's membership
        ids = meta.get("case_list_ids")
        if ids is None:
            raise InputError(f"{path}: no case_list_ids; a case list names its samples (tab-separated)")
        name = name_of(path)
        if profile in out:
            raise InputError(f"{path}: a second case list for {WHAT[profile]} (the first is {out[profile].name}); "
                             "which one holds the profile's samples cannot be told")
        listed = tuple(dict.fromkeys(x.strip() for x in ids.split("\t") if x.strip()))
        out[profile] = CaseList(name, listed, frozenset(listed))
    return out


def _read_matrix(path: str) -> tuple[dict[str, list[str | None]], dict[str, int], dict[str, int]]:
    """The gene panel matrix: sample -> values by column, column (lower case) -> index, sample -> line."""
    table = Table(path, "a gene panel matrix", lambda c: bool(c) and c[0].upper() == "SAMPLE_ID",
                  "SAMPLE_ID and a column per profile (mutations, cna, structural_variants, ...)")
    h = table.header
    h.twice(tuple(h.columns))
    columns = {c.lower(): i for i, c in enumerate(h.columns) if i > 0}
    rows: dict[str, list[str | None]] = {}
    lines: dict[str, int] = {}
    for lineno, cells in table.rows():
        sample = cells[0].strip()
        if not sample:
            raise InputError(f"{path}:{lineno}: SAMPLE_ID is empty")
        if sample in rows:
            raise InputError(f"{path}:{lineno}: sample {shown(sample)} is listed twice (first on line "
                             f"{lines[sample]})")
        rows[sample] = [None if is_missing(c) else c.strip() for c in cells]
        lines[sample] = lineno
    return rows, columns, lines


def read_clinical_samples(path: str) -> Samples:
    """SAMPLE_ID (and PATIENT_ID, SEQ_ASSAY_ID) of data_clinical_sample.txt, in file order."""
    table = Table(path, "a clinical sample file", lambda c: "SAMPLE_ID" in {x.upper() for x in c},
                  "a header with SAMPLE_ID (and PATIENT_ID) after the '#' attribute lines")
    h = table.header
    h.twice(("SAMPLE_ID", "PATIENT_ID", "SEQ_ASSAY_ID"))
    i_s, i_p, i_a = h.index("SAMPLE_ID"), h.index("PATIENT_ID"), h.index("SEQ_ASSAY_ID")
    assert i_s is not None
    out = Samples()
    first: dict[str, int] = {}
    for lineno, cells in table.rows():
        sample = cells[i_s].strip()
        if not sample:
            raise InputError(f"{path}:{lineno}: SAMPLE_ID is empty")
        if sample in first:
            raise InputError(f"{path}:{lineno}: sample {shown(sample)} is listed twice (first on line "
                             f"{first[sample]})")
        first[sample] = lineno
        out.order.append(sample)
        if i_p is not None and not is_missing(cells[i_p]):
            out.patients[sample] = cells[i_p].strip()
        if i_a is not None and not is_missing(cells[i_a]):
            out.assays[sample] = cells[i_a].strip()
    return out


def _read_assays(folder: StudyFolder) -> dict[str, Panel]:
    """GENIE assays by normalised SEQ_ASSAY_ID: regions and genes from genomic_information.txt,
    what they report and cover from assay_information.txt."""
    info = _assay_information(folder.assay_information) if folder.assay_information else {}
    regions, genes = _genomic_information(folder.genomic_information) if folder.genomic_information else ({}, {})
    out: dict[str, Panel] = {}
    for key in sorted(set(info) | set(regions)):
        written, reports, coverage, center = info.get(key, (key, None, (), ""))
        source = folder.genomic_information or folder.assay_information or ""
        out[key] = Panel(written, frozenset(genes[key]) if key in genes else None, source,
                         regions.get(key), coverage, reports, center)
    return out


def _assay_information(path: str) -> dict[str, tuple[str, frozenset[str] | None, tuple[str, ...], str]]:
    table = Table(path, "a GENIE assay_information.txt", lambda c: "SEQ_ASSAY_ID" in {x.upper() for x in c},
                  "SEQ_ASSAY_ID, alteration_types, coverage, ... (GENIE's assay information)")
    h = table.header
    h.twice(("SEQ_ASSAY_ID", "alteration_types", "coverage", "CENTER"))
    i_id, i_alt, i_cov, i_center = (h.index("SEQ_ASSAY_ID"), h.index("alteration_types"), h.index("coverage"),
                                    h.index("CENTER"))
    assert i_id is not None
    out: dict[str, tuple[str, frozenset[str] | None, tuple[str, ...], str]] = {}
    first: dict[str, int] = {}
    for lineno, cells in table.rows():
        written = cells[i_id].strip()
        key = assay_key(written)
        if not key:
            raise InputError(f"{path}:{lineno}: SEQ_ASSAY_ID is empty")
        if key in first:
            raise InputError(f"{path}:{lineno}: SEQ_ASSAY_ID {shown(written)} is described twice (first on line "
                             f"{first[key]})")
        first[key] = lineno
        reports = None if i_alt is None else frozenset(
            _tokens(path, lineno, "alteration_types", cells[i_alt], ALTERATION_TYPES))
        coverage = () if i_cov is None else tuple(
            _tokens(path, lineno, "coverage", cells[i_cov], {c: c for c in COVERAGE}))
        center = cells[i_center].strip() if i_center is not None else ""
        out[key] = (written, reports, coverage, center)
    return out


def _tokens(path: str, lineno: int, column: str, cell: str, known: Mapping[str, str]) -> list[str]:
    out = []
    for t in (x.strip() for x in cell.split(";")):
        if not t or t.upper() in ("NA", "NAN"):
            continue
        if t.lower() not in known:
            raise InputError(f"{path}:{lineno}: {column} {shown(t)} is not one GENIE defines; expected "
                             f"{', '.join(sorted(set(known)))} (';'-separated)")
        out.append(known[t.lower()])
    return out


def _genomic_information(path: str) -> tuple[dict[str, dict[str, list[tuple[int, int]]]], dict[str, set[str]]]:
    table = Table(path, "a GENIE genomic_information.txt",
                  lambda c: {"CHROMOSOME", "SEQ_ASSAY_ID"} <= {x.upper() for x in c},
                  "Chromosome, Start_Position, End_Position, Hugo_Symbol, includeInPanel, ..., SEQ_ASSAY_ID")
    h = table.header
    names = ("Chromosome", "Start_Position", "End_Position", "Hugo_Symbol", "SEQ_ASSAY_ID")
    h.twice((*names, "includeInPanel"))
    idx = [h.index(n) for n in names]
    missing = [n for n, i in zip(names, idx, strict=True) if i is None]
    if missing:
        raise InputError(f"{path}:{h.line}: no {', '.join(missing)} column; expected {', '.join(names)} "
                         "(GENIE's genomic information: the assays' BED rows)")
    i_c, i_s, i_e, i_g, i_a = (i for i in idx if i is not None)
    i_inc = h.index("includeInPanel")
    regions: dict[str, dict[str, list[tuple[int, int]]]] = {}
    genes: dict[str, set[str]] = {}
    for lineno, cells in table.rows():
        key = assay_key(cells[i_a])
        if not key:
            raise InputError(f"{path}:{lineno}: SEQ_ASSAY_ID is empty")
        regions.setdefault(key, {})
        genes.setdefault(key, set())
        if i_inc is not None and not _flag(path, lineno, cells[i_inc]):
            continue  # GENIE leaves rows with includeInPanel False out of the assay's panel
        start, end = (_coordinate(path, lineno, n, cells[i]) for n, i in (("Start_Position", i_s),
                                                                           ("End_Position", i_e)))
        chrom = cells[i_c].strip()
        if not chrom or end <= start:
            raise InputError(f"{path}:{lineno}: expected a chromosome and Start_Position < End_Position "
                             "(BED coordinates)")
        regions[key].setdefault(chrom, []).append((start + 1, end))
        if not is_missing(cells[i_g]):
            genes[key].add(cells[i_g].strip())
    return regions, genes


def _flag(path: str, lineno: int, cell: str) -> bool:
    v = cell.strip().lower()
    if v in ("true", "t", "yes", "1"):
        return True
    if v in ("false", "f", "no", "0"):
        return False
    raise InputError(f"{path}:{lineno}: includeInPanel {shown(cell)} is not True or False")


def _coordinate(path: str, lineno: int, column: str, cell: str) -> int:
    n = plain_int(cell.strip())
    if n is None:
        raise InputError(f"{path}:{lineno}: {column} {shown(cell)} is not a position (a whole number)")
    return n
