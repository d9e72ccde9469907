"""Kinase fusions of a study: ``data_sv.txt`` rows (or the older ``data_fusions.txt``) as Fusions.

``data_sv.txt`` (cBioPortal "Structural Variant Data"; GENIE's releases since 2022): one event per
row, ``Sample_Id``, ``Site1_Hugo_Symbol`` and ``Site2_Hugo_Symbol`` required (or the sites'
``Entrez_Gene_Id``), chromosome and position of each site optional, ``SV_Status`` SOMATIC or
GERMLINE (germline rows are left out and counted), ``NCBI_Build``, read counts
(``Tumor_Split_Read_Count``, ``Tumor_Paired_End_Read_Count``), ``Event_Info`` and ``Annotation``
free text. Site 1 is not always the 5' gene (cBioPortal's own example writes ERG as site 1 of
TMPRSS2-ERG), so the 5'/3' order is taken only from a name in ``Event_Info`` or ``Annotation``
that joins the two genes (``EML4-ALK``, ``EML4::ALK``); otherwise the fusion is named as one of
unknown orientation (fusions.model.assemble).

``data_fusions.txt`` (cBioPortal's deprecated fusion format; GENIE before 2022): a row per gene of
an event, ``Hugo_Symbol``, ``Tumor_Sample_Barcode``, ``Fusion`` ('EML4-ALK fusion'); the two rows
of one event are one fusion (fusions.model.merge_fusions).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field

from ..errors import InputError, plain_int, shown
from ..fusions.model import FIVE, THREE, End, Fusion, assemble, support_note
from ..fusions.table_rows import split_pair, table_gene
from ..fusions.tables import check_build
from ..genome.builds import build_named
from ..rules.fusions import FusionRules
from ..rules.load import Rules
from .folder import FUSIONS, DataFile
from .panels import gene_symbol
from .text import Table, is_missing


@dataclass
class SvCalls:
    """The kinase fusions of every sample, and what was left out, per sample."""

    fusions: dict[str, list[Fusion]] = field(default_factory=dict)
    dropped: dict[str, Counter] = field(default_factory=dict)

    def left_out(self, sample: str, reason: str) -> None:
        self.dropped.setdefault(sample, Counter())[reason] += 1


def read_fusions(data: DataFile, rules: Rules, build: str, source: str) -> SvCalls:
    """The fusions of ``data`` (an SV or legacy fusion file) for every sample; ``source`` names the
    study kind in the calls (cbioportal_sv, genie_sv, ...)."""
    if rules.fusions is None:
        return SvCalls()
    if data.kind == FUSIONS:
        return _legacy(data.path, rules, build, source)
    return _sv(data.path, rules, build, source)


def _sv(path: str, rules: Rules, build: str, source: str) -> SvCalls:
    frules = rules.fusions
    assert frules is not None
    table = Table(path, "a structural variant file", lambda c: "SAMPLE_ID" in {x.upper() for x in c},
                  "Sample_Id, Site1_Hugo_Symbol, Site2_Hugo_Symbol, ... (cBioPortal's structural variant format)")
    h = table.header
    names = ("Sample_Id", "SV_Status", "NCBI_Build", "Site1_Hugo_Symbol", "Site2_Hugo_Symbol", "Site1_Entrez_Gene_Id",
             "Site2_Entrez_Gene_Id", "Site1_Chromosome", "Site2_Chromosome", "Site1_Position", "Site2_Position",
             "Event_Info", "Annotation", "Tumor_Split_Read_Count", "Tumor_Paired_End_Read_Count", "DNA_Support",
             "RNA_Support")
    h.twice(names)
    col = {n: h.index(n) for n in names}
    for site in ("1", "2"):
        if col[f"Site{site}_Hugo_Symbol"] is None and col[f"Site{site}_Entrez_Gene_Id"] is None:
            raise InputError(f"{path}:{h.line}: no Site{site}_Hugo_Symbol (or Site{site}_Entrez_Gene_Id) column; a "
                             "structural variant file needs Sample_Id, Site1_Hugo_Symbol and Site2_Hugo_Symbol")
    out = SvCalls()
    for lineno, cells in table.rows():
        def cell(name: str, cells: list[str] = cells) -> str:
            i = col[name]
            return "" if i is None or is_missing(cells[i]) else cells[i].strip()

        where = f"{path}:{lineno}"
        sample = cell("Sample_Id")
        if not sample:
            raise InputError(f"{where}: Sample_Id is empty")
        status = cell("SV_Status").upper()
        if status == "GERMLINE":
            out.left_out(sample, "fusion_germline")
            continue
        said = cell("NCBI_Build")
        if said and build_named(said, rules.builds) not in (None, build):
            raise InputError(f"{where}: NCBI_Build {shown(said)} is not the study's build {build}; one study, one "
                             "build")
        ends = []
        for site in ("1", "2"):
            text = cell(f"Site{site}_Hugo_Symbol") or gene_symbol(cell(f"Site{site}_Entrez_Gene_Id"))
            gene = table_gene(text, frules) if text else None
            ends.append(End(cell(f"Site{site}_Chromosome"), _position(where, f"Site{site}_Position",
                                                                      cell(f"Site{site}_Position")), gene, None))
        roles = _orientation(ends[0].gene, ends[1].gene, (cell("Event_Info"), cell("Annotation")))
        notes = []
        if roles is not None:
            ends = [End(e.chrom, e.pos, e.gene, r) for e, r in zip(ends, roles, strict=True)]
            notes.append("5'/3' order from the event's name in Event_Info or Annotation")
        support = {k: float(n) for k, name in (("SR", "Tumor_Split_Read_Count"), ("PR", "Tumor_Paired_End_Read_Count"))
                   if (n := _count(where, name, cell(name))) is not None}
        dna_rna = [f"{kind} support {shown(cell(f'{kind}_Support').lower(), 20, bare=True)}" for kind in ("DNA", "RNA")
                   if cell(f"{kind}_Support")]
        _add(out, path, lineno, sample, ends, frules, build, source, support,
             shown(cell("Event_Info") or cell("Annotation"), 120, bare=True), notes + dna_rna)
    return out


def _legacy(path: str, rules: Rules, build: str, source: str) -> SvCalls:
    frules = rules.fusions
    assert frules is not None
    table = Table(path, "a fusion file", lambda c: "TUMOR_SAMPLE_BARCODE" in {x.upper() for x in c},
                  "Hugo_Symbol, Entrez_Gene_Id, Center, Tumor_Sample_Barcode, Fusion, ... (cBioPortal's fusion "
                  "format)")
    h = table.header
    h.twice(("Hugo_Symbol", "Tumor_Sample_Barcode", "Fusion"))
    i_g, i_s, i_f = h.index("Hugo_Symbol"), h.index("Tumor_Sample_Barcode"), h.index("Fusion")
    if i_g is None or i_f is None:
        raise InputError(f"{path}:{h.line}: a fusion file needs Hugo_Symbol, Tumor_Sample_Barcode and Fusion columns")
    assert i_s is not None
    out = SvCalls()
    for lineno, cells in table.rows():
        sample, gene, text = cells[i_s].strip(), cells[i_g].strip(), cells[i_f].strip()
        if not sample:
            raise InputError(f"{path}:{lineno}: Tumor_Sample_Barcode is empty")
        name = re.sub(r"(?i)\s+fusion$", "", text).strip()
        pair = split_pair(name, frules) if name else None
        if pair is not None and gene in pair[:2] and pair[2]:
            a, b = table_gene(pair[0], frules), table_gene(pair[1], frules)
            ends = [End("", None, a, FIVE), End("", None, b, THREE)]
            notes = ["5'/3' order from the Fusion name"]
        else:
            ends = [End("", None, table_gene(gene, frules), None), End("", None, None, None)]
            notes = []
        _add(out, path, lineno, sample, ends, frules, build, source, {}, shown(text, 120, bare=True), notes)
    return out


def _add(out: SvCalls, path: str, lineno: int, sample: str, ends: list[End], frules: FusionRules, build: str,
         source: str, support: dict[str, float], caller_name: str, notes: list[str]) -> None:
    f = assemble(ends[0], ends[1], frules, build, sample=sample, support=support, source=source, path=path,
                 line=lineno, caller_name=caller_name, filter="PASS")
    if f is None:
        out.left_out(sample, "fusion_not_kinase")
        return
    if f.kinase_breakpoint[1]:
        check_build(f, build, frules, f"{path}:{lineno}")
    f.notes += [*notes, f"{os.path.basename(path)} line {lineno}"]
    if note := support_note(support):
        f.notes.append(note)
    out.fusions.setdefault(sample, []).append(f)


def _orientation(a: str | None, b: str | None, texts: tuple[str, ...]) -> tuple[str, str] | None:
    """(role of site 1, role of site 2) when a text names the event 5' gene first, else None."""
    if not a or not b or a == b:
        return None
    for text in texts:
        for first, second, roles in ((a, b, (FIVE, THREE)), (b, a, (THREE, FIVE))):
            if re.search(rf"(?<![\w-]){re.escape(first)}(?:-|--|::){re.escape(second)}(?![\w-])", text):
                return roles
    return None


def _position(where: str, column: str, cell: str) -> int | None:
    if not cell:
        return None
    n = plain_int(cell)
    if n is None or n == 0:
        raise InputError(f"{where}: {column} {shown(cell)} is not a position (a whole number from 1)")
    return n


def _count(where: str, column: str, cell: str) -> int | None:
    if not cell:
        return None
    n = plain_int(cell)
    if n is None:
        raise InputError(f"{where}: {column} {shown(cell)} is not a read count (a whole number)")
    return n
