"""Ion Reporter / Oncomine copy number: ``<CNV>`` records naming their gene in ID or INFO/FUNC,
FORMAT/CN already adjusted for the cellularity the header states, INFO/CI quantiles, RAW_CN and
REF_CN. Called by the VCF copy-number reader (from_vcf.py) for Ion records."""

from __future__ import annotations

import math

from ..errors import InputError, shown
from ..models import Record, VcfHeader
from ..vcf.annotations import parse_func
from .common import Segment, check_purity, parse_float


def ion_cellularity(header: VcfHeader) -> float | None:
    raw = header.meta_value("CellularityAsAFractionBetween0-1")
    if raw is None:
        return None
    where = f"{header.path}: ##CellularityAsAFractionBetween0-1"
    return check_purity(parse_float(raw, "value", where), where)


def ion_notes(header: VcfHeader, purity: float | None) -> list[str]:
    cellularity = ion_cellularity(header)
    if cellularity is None:
        return [
            ("no ##CellularityAsAFractionBetween0-1 in the header: FORMAT/CN is used as Ion "
             "Reporter wrote it, without purity adjustment")
        ]
    if purity is not None and not math.isclose(purity, cellularity):
        return [
            (f"purity {purity:g} given but not applied: Ion FORMAT/CN is already adjusted for "
             f"cellularity {cellularity:g} from the header")
        ]
    return []


def ion_segment(rec: Record, si: int | None) -> tuple[Segment | None, set[str]]:
    """Segment and gene names of an Ion <CNV> record; (None, names) without FORMAT/CN."""
    names = {rec.id} if rec.id not in (".", "") else set()
    notes: list[str] = []
    call = ""
    func = rec.info.get("FUNC")
    if func:
        try:  # the one FUNC parser, bounded (vcf/annotations.py); scalars stay strings
            entries = [d for d, _raw in parse_func(func, rec.where)]
        except InputError:
            # unlike a small variant's annotation, the record stays usable: the gene may be in ID
            notes.append(f"INFO/FUNC could not be parsed: {shown(func)}")
        else:
            for entry in entries:
                if entry.get("gene"):
                    names.add(str(entry["gene"]))
                if entry.get("oncomineVariantClass") and not call:
                    call = str(entry["oncomineVariantClass"])
    raw = rec.sample_field(si, "CN") if si is not None else None
    if raw is None:
        return None, names
    cn = parse_float(raw, "FORMAT/CN", rec.where)
    lo = hi = None
    if ci := rec.info.get("CI"):
        lo, hi = parse_ion_ci(ci, rec.where)
    if rec.info.get("RAW_CN"):
        raw_cn = parse_float(rec.info["RAW_CN"], "INFO/RAW_CN", rec.where)
        notes.append(f"RAW_CN {raw_cn:g} (before cellularity adjustment)")
    ploidy = 2.0
    if rec.info.get("REF_CN"):
        ploidy = parse_float(rec.info["REF_CN"], "INFO/REF_CN", rec.where)
    seg = Segment(
        chrom=rec.chrom, start=rec.pos, end=max(rec.end, rec.pos), source_field="CN",
        raw_value=cn, cn=cn, line=rec.line, cn_ci_low=lo, cn_ci_high=hi, caller_call=call,
        filter=";".join(rec.filters), ploidy=ploidy, notes=notes,
    )
    return seg, names


def parse_ion_ci(raw: str, where: str) -> tuple[float, float]:
    """``0.05:lo,0.95:hi`` -> (lo, hi), taking the lowest and highest quantile given."""
    pairs: list[tuple[float, float]] = []
    for part in raw.split(","):
        q, sep, v = part.partition(":")
        if not sep:
            raise InputError(
                f"{where}: INFO/CI {shown(raw)} is not of the form 0.05:low,0.95:high"
            )
        pairs.append((parse_float(q, "INFO/CI quantile", where),
                      parse_float(v, "INFO/CI value", where)))
    pairs.sort()
    return pairs[0][1], pairs[-1][1]
