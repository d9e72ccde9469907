"""Copy number from VCF records of several callers, each converted by its own rule.

Dialects: Ion Reporter ``<CNV>`` (ion.py: gene in ID/FUNC, FORMAT/CN already adjusted for
cellularity, INFO/CI), DRAGEN CNV (``<DUP>``/``<DEL>`` and ``ALT=.`` reference segments, FORMAT/CN
integer, FORMAT/SM), TSO500 (fold change FC in INFO or FORMAT), CNVkit ``export vcf``
(FORMAT/CN from ``call``, FOLD_CHANGE_LOG; DEL records may lack CN) and GATK gCNV (germline).
Structural-variant callers (Manta ``<DUP:TANDEM>``) carry no copy number and are not read.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping

from ..errors import InputError, plain_int, shown
from ..models import CopyNumber, Record, Region, VcfHeader
from .common import (
    LeftOut,
    OddValue,
    Segment,
    check_log2,
    check_purity,
    conversion_purity,
    fold_change_to_cn,
    genes_hit,
    log2_to_cn,
    odd_row_error,
    read_number,
    select_by_interval,
    summarise,
)
from .ion import ion_cellularity, ion_notes, ion_segment

log = logging.getLogger(__name__)

# ALT alleles a copy-number caller writes. Subtyped alleles (<DUP:TANDEM>, <DEL:ME>) come from SV
# callers and say nothing about copy number.
_CN_ALTS = frozenset({"<CNV>", "<DUP>", "<DEL>", "<LOH>"})
_FORMAT_QUANTITIES = ("CN", "SM", "FC")
_INFO_QUANTITIES = ("FC", "FOLD_CHANGE", "FOLD_CHANGE_LOG")

# Header lines kept as sample QC, under stable names.
_QC_KEYS = {
    "mapd": "mapd",
    "CellularityAsAFractionBetween0-1": "cellularity",
    "DiploidCopyNumber": "diploid_copy_number",
    "AssumedGender": "assumed_gender",
    "percent_non_zero_amplicons": "percent_non_zero_amplicons",
    "total_read_count": "total_read_count",
    "CoverageUniformity": "coverage_uniformity",
    "EstimatedTumorPurity": "estimated_tumor_purity",
    "DiploidCoverage": "diploid_coverage",
    "OverallPloidy": "overall_ploidy",
    "ModelSource": "model_source",
}

# Which quantity each dialect is read from, best first.
_QUANTITY_ORDER: dict[str, tuple[str, ...]] = {
    "tso500": ("FORMAT/FC", "INFO/FC", "FORMAT/CN", "FORMAT/SM"),
    "dragen": ("FORMAT/CN", "FORMAT/SM"),
    "cnvkit": ("FORMAT/CN", "INFO/FOLD_CHANGE_LOG", "INFO/FOLD_CHANGE"),
    "gatk_gcnv": ("FORMAT/CN",),
    "vcf": ("FORMAT/CN", "FORMAT/FC", "INFO/FC", "FORMAT/SM", "INFO/FOLD_CHANGE_LOG",
            "INFO/FOLD_CHANGE"),
}
# Kind of value each quantity is (CopyNumber.source_field).
_KIND = {
    "FORMAT/CN": "CN", "FORMAT/FC": "FC", "INFO/FC": "FC", "FORMAT/SM": "SM",
    "INFO/FOLD_CHANGE_LOG": "log2", "INFO/FOLD_CHANGE": "FC",
}
_CONVERTED_KINDS = frozenset({"FC", "SM", "log2"})

GERMLINE_NOTE = "germline caller, not suited to somatic amplification"


def is_cnv_record(header: VcfHeader, record: Record) -> bool:
    """True when the record is copy-number evidence: a CNV-style ALT (or a reference segment,
    ``ALT=.`` with END) carrying a copy-number quantity (CN, SM, FC, FOLD_CHANGE)."""
    if any(alt not in _CN_ALTS for alt in record.alts):
        return False
    if not record.alts and "END" not in record.info:
        return False  # a plain reference site, not a segment
    if any(k in record.format_keys for k in _FORMAT_QUANTITIES):
        return True
    return any(k in record.info for k in _INFO_QUANTITIES)


def vcf_dialect(header: VcfHeader) -> str:
    """Which caller wrote the VCF: ion, cnvkit, tso500, gatk_gcnv, dragen, or vcf (unknown)."""
    meta = header.meta
    source = " ".join(meta.get("source", [])).lower()
    if (
        "IonReporterExportVersion" in meta
        or "CellularityAsAFractionBetween0-1" in meta
        or "torrent" in source
    ):
        return "ion"
    if "cnvkit" in source or "FOLD_CHANGE" in header.info:
        return "cnvkit"
    # Checked before DRAGEN: TSO500 v2 runs on DRAGEN but reports fold change.
    if "FC" in header.info or "FC" in header.format:
        return "tso500"
    gatk_lines = " ".join(
        v for k, vs in meta.items() if k.startswith("GATKCommandLine") for v in vs
    )
    if "germlinecnv" in gatk_lines.lower() or "CNLP" in header.format or "QSS" in header.format:
        return "gatk_gcnv"
    if "dragen" in source or any(k.startswith("DRAGEN") for k in meta) or "SM" in header.format:
        return "dragen"
    return "vcf"


def header_qc(header: VcfHeader) -> dict[str, str]:
    """Sample QC values written in the header (Ion MAPD and cellularity, DRAGEN uniformity...)."""
    qc: dict[str, str] = {}
    for key, name in _QC_KEYS.items():
        value = header.meta_value(key)
        if value is not None:
            qc[name] = value
    return qc


def copy_number_from_vcf(
    header: VcfHeader,
    records: Iterable[Record],
    *,
    sample_index: int,
    sample: str,
    genes: Mapping[str, Region],
    purity: float | None,
) -> list[CopyNumber]:
    """CN records for ``genes`` from the copy-number records of a VCF; [] without evidence.

    Ion records are matched by the gene name in ID/FUNC; all others by overlap with the gene
    interval ('chr17' and '17' match). Records that are not copy number are ignored. A record
    without a usable value (not finite; log2 of a region without reads) is left out and noted
    away from ``genes``, and an InputError on one of them.
    """
    purity = check_purity(purity)
    if header.samples and not 0 <= sample_index < len(header.samples):
        raise InputError(
            f"{header.path}: sample index {sample_index} is out of range; the file has "
            f"{len(header.samples)} sample(s): {shown(', '.join(header.samples), 200, bare=True)}"
        )
    si = sample_index if header.samples else None
    dialect = vcf_dialect(header)
    qc = header_qc(header)
    by_name: dict[str, list[tuple[Segment, int]]] = {}
    by_interval: list[Segment] = []
    left_out = LeftOut()
    wanted = {g.upper(): g for g in genes}
    for rec in records:
        if not is_cnv_record(header, rec):
            continue
        if dialect == "ion" or (rec.alts == ["<CNV>"] and "FUNC" in rec.info):
            seg, names = ion_segment(rec, si)
            if seg is None:
                continue
            for name in names:
                gene = wanted.get(name.upper())
                if gene is not None:
                    by_name.setdefault(gene, []).append((seg, seg.end - seg.start + 1))
            continue
        try:
            seg = _segment(dialect, header, rec, si, purity)
        except OddValue as odd:
            hit = genes_hit((rec.chrom, rec.pos + 1, max(rec.end, rec.pos + 1)), genes)
            if hit:
                raise odd_row_error(rec.where, odd, hit) from None
            left_out.add(odd.reason, rec.line)
            continue
        if seg is not None:
            by_interval.append(seg)
    warning = left_out.warning(genes)
    if warning:
        log.warning("%s: sample %s: %s", header.path, shown(sample), warning)

    selected = select_by_interval(by_interval, genes)
    out: list[CopyNumber] = []
    for gene, region in genes.items():
        if gene in by_name:
            out.append(summarise(
                gene, region, by_name[gene], sample=sample, source_caller="ion",
                purity_used=ion_cellularity(header), path=header.path, qc=qc,
                notes=ion_notes(header, purity),
            ))
        elif gene in selected:
            pairs = selected[gene]
            converted = any(s.source_field in _CONVERTED_KINDS for s, _ in pairs)
            purity_used, notes = _purity_and_notes(dialect, header, purity, converted)
            out.append(summarise(
                gene, region, pairs, sample=sample, source_caller=dialect,
                purity_used=purity_used, path=header.path, qc={**qc, **left_out.qc()},
                notes=notes + left_out.notes(genes),
            ))
    log.debug("%s: %d copy-number record(s) for %s", header.path, len(out), shown(sample))
    return out


# -- DRAGEN, TSO500, CNVkit, gCNV, unknown ------------------------------------------------------

def _segment(
    dialect: str, header: VcfHeader, rec: Record, si: int | None, purity: float | None
) -> Segment | None:
    """Segment of one copy-number record, or None when this sample has no value."""
    def value(q: str) -> str | None:
        where, key = q.split("/")
        if where == "INFO":
            return rec.info.get(key)
        return rec.sample_field(si, key) if si is not None else None

    order = _QUANTITY_ORDER.get(dialect, _QUANTITY_ORDER["vcf"])
    present = [(q, value(q)) for q in order]
    present = [(q, v) for q, v in present if v not in (None, "", ".")]
    if not present:
        return None
    quantity, raw_text = present[0]
    kind = _KIND[quantity]
    raw = read_number(raw_text, quantity, rec.where)
    if kind == "log2":
        check_log2(raw, raw_text or "", quantity)  # CNVkit: -20 or about -31 where there were no reads
    elif not math.isfinite(raw):
        raise OddValue("no_value", f"{quantity} {shown(raw_text)} is not a finite number")
    p, _ = conversion_purity(purity)
    try:
        if kind == "CN":
            cn = raw
        elif kind == "log2":
            cn = log2_to_cn(raw, p)
        else:
            cn = fold_change_to_cn(raw, p)
    except ValueError as exc:
        raise InputError(f"{rec.where}: {quantity} {shown(raw_text)}: {exc}") from exc
    notes = [f"{q} {shown(v, bare=True)}" for q, v in present[1:]]
    declared = header.format.get("CN")
    is_int = kind == "CN" and raw.is_integer() and (declared is None or declared.type == "Integer")
    # Symbolic CNV records put the padding base at POS (DRAGEN: intersect [POS+1, END]); gCNV
    # writes the interval start itself.
    start = rec.pos if dialect == "gatk_gcnv" else rec.pos + 1
    return Segment(
        chrom=rec.chrom, start=start, end=max(rec.end, start), source_field=kind,
        raw_value=raw, cn=cn, line=rec.line, cn_is_integer=is_int,
        caller_call=_caller_call(rec, value("FORMAT/GT")), filter=";".join(rec.filters),
        notes=notes,
    )


def _caller_call(rec: Record, gt: str | None) -> str:
    """The caller's own direction: REF for reference segments, else the called ALT allele."""
    if not rec.alts:
        return "REF"
    if len(rec.alts) == 1:
        return rec.alts[0]
    if gt:
        idx = [int(a) for a in re.split(r"[/|]", gt) if plain_int(a) is not None]
        called = [rec.alts[i - 1] for i in idx if 0 < i <= len(rec.alts)]
        if called:
            return "/".join(dict.fromkeys(called))
        if idx:
            return "REF"
    return ",".join(rec.alts)


def _purity_and_notes(
    dialect: str, header: VcfHeader, purity: float | None, converted: bool
) -> tuple[float | None, list[str]]:
    """Purity behind the CN and the notes that explain it, by dialect."""
    notes: list[str] = []
    if dialect == "gatk_gcnv":
        notes.append(GERMLINE_NOTE)
    if converted:
        p, conv_notes = conversion_purity(purity)
        return p, notes + conv_notes
    caller_purity: float | None = None
    if dialect == "dragen":
        raw = header.meta_value("EstimatedTumorPurity")
        try:
            caller_purity = check_purity(float(raw)) if raw is not None else None
        except (ValueError, InputError):
            caller_purity = None  # DRAGEN writes NA when it cannot estimate purity
    if dialect == "cnvkit":
        notes.append("CN from CNVkit call; the purity it assumed is not recorded in the VCF")
    if purity is not None:
        notes.append(f"purity {purity:g} given but not applied to the caller's absolute CN")
    return caller_purity, notes
