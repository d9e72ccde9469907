"""The events of a cBioPortal study, one by one: a small variant as a MAF row (alleles, variant
classification, protein name), a fusion call as a row of the structural variant file, and each
event placed on the study's build (lifted with cohort.liftover, or refused with the reason).

A fusion call (class ``fusion``, gene = the kinase) keeps its partner and both breakpoints in
its notes, as her2var.fusions.model writes them: the name first (``EML4-ALK``), then the ends
5' first (``5' EML4 2:42526260 in EML4 intron 13 :: 3' ALK 2:29446692 in ALK intron 19``), or for
an intragenic rearrangement ``both breakpoints in ALK: 2:x, 2:y``, and the read support
(``support SR 12, PR 9``). Site 1 is the 5' end and Site 2 the 3' end, as cBioPortal's own
examples write a fusion (KIAA1549-BRAF: Site1 KIAA1549, Site2 BRAF); an end of unknown
orientation comes after those that have one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..contigs import contig_key
from ..errors import InputError, shown
from ..models import ENTREZ
from .calls import SampleCalls, event_name
from .liftover import LiftError, Liftover

SWISSPROT = {"ERBB2": "ERBB2_HUMAN", "EGFR": "EGFR_HUMAN", "KRAS": "RASK_HUMAN", "BRAF": "BRAF_HUMAN",
             "MET": "MET_HUMAN", "ALK": "ALK_HUMAN", "ROS1": "ROS1_HUMAN", "RET": "RET_HUMAN",
             "NRAS": "RASN_HUMAN", "PIK3CA": "PK3CA_HUMAN", "TP53": "P53_HUMAN"}
MAF_COLUMNS = ("Hugo_Symbol", "Entrez_Gene_Id", "Center", "Tumor_Sample_Barcode", "Variant_Classification",
               "Variant_Type", "Chromosome", "Start_Position", "End_Position", "Strand", "Reference_Allele",
               "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "HGVSp_Short", "HGVSc", "t_alt_count", "t_ref_count",
               "SWISSPROT")
UNKNOWN_PROTEIN = "p.?"
MAX_REFUSED_SHOWN = 20

SV_COLUMNS = (
    "Sample_Id", "SV_Status",
    "Site1_Hugo_Symbol", "Site1_Entrez_Gene_Id", "Site1_Ensembl_Transcript_Id", "Site1_Region_Number",
    "Site1_Region", "Site1_Chromosome", "Site1_Contig", "Site1_Position", "Site1_Description",
    "Site2_Hugo_Symbol", "Site2_Entrez_Gene_Id", "Site2_Ensembl_Transcript_Id", "Site2_Region_Number",
    "Site2_Region", "Site2_Chromosome", "Site2_Contig", "Site2_Position", "Site2_Description",
    "NCBI_Build", "Class", "Event_Info", "Annotation", "DNA_Support", "RNA_Support",
    "Tumor_Split_Read_Count", "Tumor_Paired_End_Read_Count", "Tumor_Variant_Count", "Comments",
)
# Sources that read DNA breakends and those that read fusion transcripts (her2var.fusions).
DNA_SOURCES = ("vcf-bnd",)
RNA_SOURCES = ("ion", "arriba", "star-fusion")
SPLIT_KEYS = ("SR", "JunctionReadCount", "split_reads1", "split_reads2", "SplitReads", "SPLIT_READS")
PAIR_KEYS = ("PR", "SpanningFragCount", "discordant_mates")

_END = re.compile(r"^(?:(5'|3') )?(\S+) (?:(\S+):(\d+)|unknown position)(.*)$")
_BOTH = re.compile(r"^both breakpoints in (\S+): (\S+):(\d+), (\S+):(\d+)$")
_INTRON = re.compile(r"^ in \S+ intron (\d+)$")


@dataclass
class Site:
    """One end of a fusion as the call's notes place it (positions on the call's build)."""

    gene: str | None  # None: the end is in no known gene
    chrom: str | None
    pos: int | None
    role: str | None  # "5'", "3'" or None
    description: str = ""  # ' in ALK intron 19', ' at the ALK exon junction next to intron 19'

    @property
    def intron(self) -> int | None:
        m = _INTRON.match(self.description)
        return int(m.group(1)) if m else None


@dataclass
class FusionEvent:
    name: str
    kinase: str
    sites: list[Site]  # 5' first; one or two
    notes: list[str]
    support: dict[str, float]


def call_notes(call: dict[str, Any]) -> list[str]:
    """The notes of a call from the JSON/store (a list) or from calls.tsv (';'-joined)."""
    notes = call.get("notes") or []
    if isinstance(notes, str):
        notes = notes.split(";")
    return [str(n).strip() for n in notes if str(n).strip()]


def fusion_event(call: dict[str, Any]) -> FusionEvent:
    """The name, ends and read support of a fusion call; when the notes do not place the partner,
    the one site is the kinase's breakpoint from the call's own chrom and pos."""
    notes = call_notes(call)
    kinase = str(call.get("gene") or "")
    name = notes[0] if notes else f"{kinase} fusion"
    sites: list[Site] = []
    support: dict[str, float] = {}
    rest: list[str] = []
    for note in notes[1:]:
        both = _BOTH.match(note)
        ends = [_END.match(part) for part in note.split(" :: ")] if " :: " in note else []
        if not sites and both:
            sites = [Site(both.group(1), contig_key(both.group(2)), int(both.group(3)), None),
                     Site(both.group(1), contig_key(both.group(4)), int(both.group(5)), None)]
        elif not sites and ends and all(ends):
            for m in ends:
                assert m is not None
                gene = None if m.group(2) == "intergenic" else m.group(2)
                sites.append(Site(gene, contig_key(m.group(3)) if m.group(3) else None,
                                  int(m.group(4)) if m.group(4) else None, m.group(1), m.group(5)))
        elif note.startswith("support "):  # "support SR 12, PR 9" (fusions.model.support_note)
            support = _support(note[len("support "):])
        else:
            rest.append(note)
    if not sites:
        pos = call.get("pos")
        try:
            where = int(float(pos)) if pos not in (None, "") else None
        except (TypeError, ValueError):
            where = None
        sites = [Site(kinase, contig_key(str(call.get("chrom") or "")) or None, where, None)]
    return FusionEvent(name, kinase, sites, rest, support)


def _support(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in text.split(", "):
        key, _, value = item.rpartition(" ")
        try:
            out[key] = float(value)
        except ValueError:
            continue
    return out


def read_counts(ev: FusionEvent, alt_reads: Any) -> tuple[str, str, str]:
    """(split reads, paired-end reads, supporting reads) as text; '' where the caller gave none."""
    def total(keys: tuple[str, ...]) -> str:
        vals = [ev.support[k] for k in keys if k in ev.support]
        return str(int(sum(vals))) if vals else ""
    try:
        reads = str(int(float(alt_reads))) if alt_reads not in (None, "") else ""
    except (TypeError, ValueError):
        reads = ""
    return total(SPLIT_KEYS), total(PAIR_KEYS), reads


def maf_alleles(pos: int, ref: str, alt: str) -> tuple[int, int, str, str, str]:
    """VCF (pos, ref, alt) -> MAF (start, end, ref, alt, variant type), shared leading bases removed."""
    k = 0
    while k < len(ref) and k < len(alt) and ref[k] == alt[k]:
        k += 1
    r, a, start = ref[k:], alt[k:], pos + k
    if not r:
        return start - 1, start, "-", a, "INS"
    if not a:
        return start, start + len(r) - 1, r, "-", "DEL"
    end = start + len(r) - 1
    if len(r) == len(a):
        return start, end, r, a, {1: "SNP", 2: "DNP", 3: "TNP"}.get(len(r), "ONP")
    return start, end, r, a, "INS" if len(a) > len(r) else "DEL"


_SPLICE_SITE = re.compile(r"\d[+-][12](?!\d)")  # c.2888-2, c.3028+1: the two intron bases at an exon
_INTRONIC = re.compile(r"\d[+-](\d+)")


def variant_classification(call: dict[str, Any], ref: str, alt: str) -> str:
    """MAF Variant_Classification from the call's class, its protein and c. names, and its alleles."""
    klass = call.get("class", "")
    if klass == "exon20_insertion":
        return "In_Frame_Ins"
    if klass == "inframe_deletion":
        return "In_Frame_Del"
    if klass == "point_mutation":
        return "Missense_Mutation"
    p = str(call.get("hgvs_p") or "")
    c = str(call.get("hgvs_c") or "").split(":")[-1]
    delta = len(alt) - len(ref)
    if klass == "splice" or _SPLICE_SITE.search(c):
        return "Splice_Site"
    if p.startswith("p.") and p != UNKNOWN_PROTEIN:
        if p.endswith("="):
            return "Silent"
        if "fs" in p:
            return "Frame_Shift_Ins" if delta > 0 else "Frame_Shift_Del"
        if "ext" in p:
            return "Nonstop_Mutation"
        if p.startswith("p.M1") and p.endswith("?"):
            return "Translation_Start_Site"
        if p.endswith("*"):
            return "Nonsense_Mutation"
        if "delins" in p:
            return "In_Frame_Ins" if delta > 0 else ("In_Frame_Del" if delta < 0 else "Missense_Mutation")
        if "dup" in p or "ins" in p:
            return "In_Frame_Ins"
        if "del" in p:
            return "In_Frame_Del"
        return "Missense_Mutation"
    notes = str(call.get("notes") or "").lower()
    intronic = _INTRONIC.search(c)
    if "splice region" in notes or (intronic and int(intronic.group(1)) <= 8):
        return "Splice_Region"
    if intronic:
        return "Intron"
    if c.startswith("c.-"):
        return "5'UTR"
    if c.startswith("c.*"):
        return "3'UTR"
    if "nonsense" in notes or "stop gained" in notes:
        return "Nonsense_Mutation"
    if delta % 3:
        return "Frame_Shift_Ins" if delta > 0 else "Frame_Shift_Del"
    if delta:
        return "In_Frame_Ins" if delta > 0 else "In_Frame_Del"
    return "Unknown"  # a substitution whose protein change is not known


def hgvsp_short(call: dict[str, Any]) -> str:
    """The call's protein name when cBioPortal can take it (one change, no ';' ',' '+'), else
    ``p.?``: HGVS for an effect on the protein that is not known (cBioPortal's validator warns on
    an empty value and its importer would label the row only "MUTATED")."""
    p = str(call.get("hgvs_p") or "").strip()
    if p.startswith("p.") and "p." not in p[1:] and not re.search(r"[;+,\s]", p) and len(p) <= 255:
        return p
    return UNKNOWN_PROTEIN


def to_int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


@dataclass
class Placed:
    """The events of the exported samples on the study's build."""

    small: list[tuple[SampleCalls, dict[str, Any], str, int]] = field(default_factory=list)  # (.., chrom, pos)
    fusions: list[tuple[SampleCalls, dict[str, Any], FusionEvent, list[tuple[str, int] | None]]] = \
        field(default_factory=list)
    lifted: list[tuple[SampleCalls, dict[str, Any], str]] = field(default_factory=list)  # (.., from -> to)
    checked: int = 0  # lifted REF alleles checked against the rules' reference bases
    partner_unplaced: list[tuple[SampleCalls, dict[str, Any], str]] = field(default_factory=list)  # (.., why)
    refused: list[str] = field(default_factory=list)  # messages (original ids: for the person running it)


def label(c: dict[str, Any]) -> str:
    """The event's name: its protein or c. name, a fusion's name (EML4-ALK)."""
    notes = call_notes(c) if c.get("class") == "fusion" else []
    return notes[0] if notes else event_name(c)


def _event_label(s: SampleCalls, c: dict[str, Any]) -> str:
    return (f"{s.source or 'calls'}: sample {shown(s.sample)}, {shown(c.get('gene'), bare=True)} "
            f"{shown(label(c), bare=True)}")


def place_events(events: list[tuple[SampleCalls, dict[str, Any]]], lift: Liftover, build: str) -> Placed:
    """Every event on ``build``: lifted when on the other build, refused (with the reason) when it
    cannot be placed exactly."""
    out = Placed()
    for s, c in events:
        source = str(c.get("build") or build)
        gene = str(c.get("gene") or "")
        if c.get("class") == "fusion":
            ev = fusion_event(c)
            sites: list[tuple[str, int] | None] = []
            for k, site in enumerate(ev.sites):
                if source == build and site.chrom is not None and site.pos is not None:
                    sites.append((site.chrom, site.pos))
                    continue
                try:
                    if site.gene is None or site.chrom is None or site.pos is None:
                        raise LiftError("the call gives no gene and position for this end")
                    sites.append(lift.position(site.gene, source, site.chrom, site.pos))
                except LiftError as exc:
                    if site.gene == ev.kinase or len(ev.sites) == 1:  # the event's own gene must be placed
                        out.refused.append(f"{_event_label(s, c)} ({source} breakpoint {k + 1}): {exc}")
                        break
                    sites.append(None)  # the partner's end stays without a position
                    out.partner_unplaced.append((s, c, str(exc)))
            else:
                if source != build:
                    out.lifted.append((s, c, f"{source} -> {build} "
                                       + ", ".join(f"{x[0]}:{x[1]}" for x in sites if x)))
                out.fusions.append((s, c, ev, sites))
            continue
        pos, ref, alt = to_int(c.get("pos")), str(c.get("ref") or ""), str(c.get("alt") or "")
        if pos is None or not ref or not alt or set(ref + alt) - set("ACGT"):
            out.refused.append(f"{_event_label(s, c)}: no VCF position with REF and ALT bases (A, C, G, T) "
                               "to place it")
            continue
        try:
            chrom, new, checked = lift.allele(gene, source, str(c.get("chrom") or ""), pos, ref)
        except LiftError as exc:
            out.refused.append(f"{_event_label(s, c)} ({source} {contig_key(str(c.get('chrom') or ''))}:{pos} "
                               f"{shown(ref, 20, bare=True)}>{shown(alt, 20, bare=True)}): {exc}")
            continue
        if source != build:
            out.lifted.append((s, c, f"{source} {contig_key(str(c.get('chrom') or ''))}:{pos} -> {build} "
                                     f"{chrom}:{new}" + (" (REF checked)" if checked else "")))
            out.checked += checked
        out.small.append((s, c, chrom, new))
    return out


def refusal(placed: Placed, build: str) -> InputError:
    n = len(placed.refused)
    shown_lines = placed.refused[:MAX_REFUSED_SHOWN]
    more = f"\n  … and {n - MAX_REFUSED_SHOWN} more" if n > MAX_REFUSED_SHOWN else ""
    other = "GRCh37" if build == "GRCh38" else "GRCh38"
    return InputError(
        f"cBioPortal study on {build}: {n} event(s) cannot be placed on {build} exactly, so no study was "
        "written (an event left out would show its sample as profiled and unaltered):\n  "
        + "\n  ".join(shown_lines) + more
        + f"\nClassify those samples against {build}, or give --cbioportal-build {other} if they are on it.")


def sv_row(sample_id: str, c: dict[str, Any], ev: FusionEvent, where: list[tuple[str, int] | None],
           build: str) -> list[Any]:
    """One data_sv.txt row (SV_COLUMNS) for a fusion call placed on ``build``."""
    sites: list[list[Any]] = []
    for site, placed_at in zip([*ev.sites, None][:2], [*where, None][:2], strict=True):
        if site is None:
            sites.append([None] * 9)
            continue
        intron = site.intron
        sites.append([site.gene, ENTREZ.get(site.gene or ""), None, intron, "Intron" if intron else None,
                      placed_at[0] if placed_at else None, None, placed_at[1] if placed_at else None,
                      site.description.strip() or None])
    chroms = {x[0] for x in where if x}
    source = str(c.get("source") or "")
    split, pairs, reads = read_counts(ev, c.get("alt_reads"))
    return [sample_id, "SOMATIC", *sites[0], *sites[1], build,
            "TRANSLOCATION" if len(chroms) > 1 else None, ev.name, ev.name,
            "Yes" if source in DNA_SOURCES else None, "Yes" if source in RNA_SOURCES else None,
            split, pairs, reads, " | ".join(ev.notes) or None]
