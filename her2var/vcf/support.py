"""Genotypes and read support per allele, whatever the caller wrote.

Callers disagree on where read counts live ("Missing or inconsistent AF / depth
fields"), so support is read by a table of extractors tried in a fixed order; the first one whose
fields are present on the record wins, and ``Support.method`` says which one it was:

  AD | AD/DP, ADT | ADT/DPT and TVAF/TDP | TVAF (PCGR), FAO/FDP (Ion), TIR/TAR (Strelka2
  indels), AU..TU (Strelka2 SNVs), AO/RO, FA (old MuTect), DP4, AF (last resort).

PCGR asks for the tumour's depth and VAF in INFO tags (TDP/TVAF by its examples' convention, the
control's as CDP/CVAF) and keeps them in its own output VCF, whose sample columns it strips; its
example inputs also carry the tumour's allelic depths as FORMAT ADT (a String, "ref,alt") with
FORMAT DPT, and PCGR's own flattening writes those into INFO. The control's fields (CDP/CVAF,
DPC/ADC) are never read as the tumour's.

A rule "applies" as soon as its fields are on the record, even when this sample's values are
missing ('.'): falling through to a later rule would then read site-level INFO values that belong
to no particular sample. Missing values give ``Support(None, None, None, "none")``.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable

from ..errors import InputError, plain_int, shown
from ..models import FieldDef, Record, Support, VcfHeader

log = logging.getLogger(__name__)

__all__ = [
    "allele_support", "genotype", "has_alt_support", "is_reference_block", "is_reference_row", "real_alts",
    "site_depth",
]

_NONE = Support(depth=None, alt_reads=None, vaf=None, method="none")
_REF_BLOCK_ALTS = frozenset({"<NON_REF>", "<*>"})
_BASES = re.compile(r"[ACGTNacgtn]+")
_GT_SPLIT = re.compile(r"[/|]")


# -- genotypes and alleles --------------------------------------------------------------------
def genotype(record: Record, sample_index: int) -> list[int | None]:
    """Allele indexes of one sample's GT: "0/1/2" -> [0, 1, 2], "./." -> [None, None], no GT -> []."""
    if "GT" not in record.format_keys or sample_index >= len(record.sample_values):
        return []
    raw = record.sample_field(sample_index, "GT")
    if raw is None:
        # A bare '.' is a haploid no-call; an absent trailing GT is "not given".
        k = record.format_keys.index("GT")
        values = record.sample_values[sample_index]
        return [None] if k < len(values) and values[k] == "." else []
    out: list[int | None] = []
    n_alleles = len(record.alts) + 1
    for part in _GT_SPLIT.split(raw):
        if part == ".":
            out.append(None)
        elif plain_int(part) is not None:
            idx = int(part)
            if idx >= n_alleles:
                raise InputError(
                    f"{record.where}: FORMAT/GT {shown(raw)} refers to allele {idx}, but the record has "
                    f"only {n_alleles} allele(s) (REF + {len(record.alts)} ALT)"
                )
            out.append(idx)
        else:
            raise InputError(
                f"{record.where}: FORMAT/GT {shown(raw)} is not a genotype "
                "(expected allele numbers separated by '/' or '|', e.g. 0/1)"
            )
    return out


def is_reference_block(record: Record) -> bool:
    """True for gVCF reference blocks: ALT '.' (Illumina), or only <NON_REF> / <*> (GATK, VCF 4.3)."""
    return not record.alts or all(a in _REF_BLOCK_ALTS for a in record.alts)


def real_alts(record: Record) -> list[tuple[int, str]]:
    """(1-based index, allele) of sequence ALTs; drops <NON_REF>, <*>, '*', <CNV>, breakends."""
    return [(i, a) for i, a in enumerate(record.alts, start=1) if _BASES.fullmatch(a)]


def unnamed_alts(record: Record) -> list[tuple[int, str]]:
    """(1-based index, allele) of ALTs that say a change happened without spelling it in bases:
    symbolic alleles (<DEL>, <INS>, <DUP:TANDEM>, <INV>, <CNV>...), breakends and the spanning
    deletion '*'. They cannot be named on a transcript, yet a sample carrying one over an exon is
    not wild type there. gVCF reference-block alleles (<NON_REF>, <*>) are not events."""
    return [(i, a) for i, a in enumerate(record.alts, start=1)
            if not _BASES.fullmatch(a) and a not in _REF_BLOCK_ALTS]


def is_reference_row(header: VcfHeader, record: Record, sample_index: int) -> bool:
    """True when the sample carries none of the record's ALT alleles: its GT holds only REF or
    no-calls (0/0, ./.) and no allele has reads. Panels that write every hotspot site (Ion TVC)
    write such rows; a variant-only file has none. A record without a GT says nothing: False."""
    gt = genotype(record, sample_index) if sample_index >= 0 else []
    if not gt or any(a for a in gt if a is not None):
        return False
    return not any(has_alt_support(allele_support(header, record, sample_index, i))
                   for i, _ in real_alts(record))


def has_alt_support(support: Support) -> bool:
    """Any evidence for the allele: reads, or (when only a fraction is known) a fraction above 0."""
    if support.alt_reads is not None:
        return support.alt_reads > 0
    return support.vaf is not None and support.vaf > 0


# -- number parsing ---------------------------------------------------------------------------
class _Fields:
    """Typed access to one sample's FORMAT values and the record's INFO, with located errors."""

    def __init__(self, header: VcfHeader, record: Record, sample_index: int) -> None:
        self.header = header
        self.record = record
        self.sample_index = sample_index
        # Sites-only files (no sample columns; index -1) still carry INFO-level support (DP4, AF).
        self.has_samples = 0 <= sample_index < len(record.sample_values)
        self.sample = header.samples[sample_index] if 0 <= sample_index < len(header.samples) else ""

    def in_format(self, key: str) -> bool:
        return self.has_samples and key in self.record.format_keys

    def in_info(self, key: str) -> bool:
        return key in self.record.info

    def raw(self, where: str, key: str) -> str | None:
        if where == "FORMAT":
            return self.record.sample_field(self.sample_index, key) if self.has_samples else None
        return self.record.info.get(key)

    def label(self, where: str, key: str) -> str:
        if where == "FORMAT" and self.sample:
            return f"FORMAT/{key} of sample {shown(self.sample, bare=True)}"
        return f"{where}/{key}"

    def values(self, where: str, key: str, kind: type) -> list[int | float | None] | None:
        """All comma-separated values of a field; None when the whole field is missing."""
        raw = self.raw(where, key)
        if raw is None or raw == ".":
            return None
        return [self.number(p, where, key, kind) for p in raw.split(",")]

    def one(self, where: str, key: str, kind: type) -> int | float | None:
        vals = self.values(where, key, kind)
        return None if not vals else vals[0]

    def number(self, text: str, where: str, key: str, kind: type) -> int | float | None:
        text = text.strip()
        if text in (".", ""):
            return None
        try:
            value = int(text) if kind is int else float(text)
        except ValueError:
            value = None
        if value is None or (kind is float and not math.isfinite(value)) or value < 0:
            expected = "a count (integer >= 0)" if kind is int else "a fraction or rate (number >= 0)"
            raise InputError(
                f"{self.record.where}: {self.label(where, key)} value {shown(text)} is not "
                f"{expected}; fix or remove the field"
            )
        return value

    def field_def(self, where: str, key: str) -> FieldDef | None:
        return (self.header.format if where == "FORMAT" else self.header.info).get(key)


def _at(values: list[int | float | None] | None, index: int, f: _Fields, where: str, key: str,
        number: str) -> int | float | None:
    """values[index] for a per-allele array, with an error naming the field when it is too short."""
    if values is None:
        return None
    if index >= len(values):
        raise InputError(
            f"{f.record.where}: {f.label(where, key)} has {len(values)} value(s) for "
            f"{len(f.record.alts)} ALT allele(s) (Number={number}); cannot read allele {index}"
        )
    return values[index]


def _ratio(alt: int | float | None, depth: int | float | None) -> float | None:
    if alt is None or depth is None or depth <= 0:
        return None
    return alt / depth


def _make(depth: int | float | None, alt: int | float | None, method: str,
          caller_af: float | None = None, vaf: float | None = None) -> Support:
    """Build a Support; without alt reads or a fraction the method is 'none'."""
    if vaf is None:
        vaf = _ratio(alt, depth)
    if alt is None and vaf is None:
        # A depth alone says the site was read, not how much of it is this allele.
        return Support(None if depth is None else int(depth), None, None, "none", caller_af)
    return Support(
        depth=None if depth is None else int(depth),
        alt_reads=None if alt is None else int(alt),
        vaf=vaf, method=method, caller_af=caller_af,
    )


def _depth_field(f: _Fields) -> int | None:
    """DP of the sample, else INFO/DP when the file has at most one sample (else INFO is pooled)."""
    if f.in_format("DP"):
        return f.one("FORMAT", "DP", int)  # type: ignore[return-value]  # kind=int gives an int
    if f.in_info("DP") and len(f.header.samples) <= 1:
        return f.one("INFO", "DP", int)  # type: ignore[return-value]  # kind=int gives an int
    return None


def _caller_af(f: _Fields, allele: int) -> float | None:
    """The caller's own AF for this allele (FORMAT first), kept next to the computed VAF."""
    for where in ("FORMAT", "INFO"):
        present = f.in_format("AF") if where == "FORMAT" else f.in_info("AF")
        if not present:
            continue
        if where == "INFO" and len(f.header.samples) > 1:
            return None
        vals = f.values(where, "AF", float)
        if vals is None:
            return None
        if len(vals) == len(f.record.alts):
            return vals[allele - 1]
        if len(vals) == 1 and len(f.record.alts) == 1:
            return vals[0]
        return None
    return None


# -- the extractor table ----------------------------------------------------------------------
# Each rule returns None when it does not apply to the record, or a Support when it does.
Rule = Callable[[_Fields, int], "Support | None"]


def _rule_ad(f: _Fields, allele: int) -> Support | None:
    if not f.in_format("AD"):
        return None
    n_alleles = len(f.record.alts) + 1
    fd = f.field_def("FORMAT", "AD")
    number = fd.number if fd else "."
    ad = f.values("FORMAT", "AD", int)
    if ad is None:
        return _NONE
    if len(ad) != n_alleles:
        if number == "R":
            raise InputError(
                f"{f.record.where}: {f.label('FORMAT', 'AD')} has {len(ad)} value(s) for "
                f"{n_alleles} alleles (Number=R expects one per allele, REF first)"
            )
        # AD declared Number=1 (VarScan: alt count only) or otherwise not per allele: indexing
        # it by position would be a guess, so leave it to the later rules.
        log.debug("%s: FORMAT/AD (Number=%s) is not per allele; not used", f.record.where, shown(number, bare=True))
        return None
    alt = ad[allele]
    caller_af = _caller_af(f, allele)
    if alt is None:
        return Support(None, None, None, "none", caller_af)
    known = [v for v in ad if v is not None]
    ad_sum = sum(known) if len(known) == len(ad) else None
    dp = _depth_field(f)
    # DP counts uninformative reads too, so it is normally >= sum(AD); when it is smaller (old
    # GATK filtered DP but not AD) the VAF would exceed what AD says, so AD's own sum is used.
    if dp is not None and (ad_sum is None or dp >= ad_sum):
        return _make(dp, alt, "AD/DP", caller_af)
    return _make(ad_sum, alt, "AD", caller_af)


def _rule_pcgr_adt(f: _Fields, allele: int) -> Support | None:
    """PCGR's tumour allelic depths, ref first: FORMAT ADT (+ DPT), or the same keys in INFO."""
    for where in ("FORMAT", "INFO"):
        has = f.in_format if where == "FORMAT" else f.in_info
        if where == "INFO" and len(f.header.samples) > 1:
            break  # a pooled INFO value belongs to no particular column
        if not has("ADT"):
            continue
        adt = f.values(where, "ADT", int)
        if adt is None:
            return _NONE
        n_alleles = len(f.record.alts) + 1
        if len(adt) != n_alleles:
            raise InputError(
                f"{f.record.where}: {f.label(where, 'ADT')} has {len(adt)} value(s) for {n_alleles} "
                "alleles (PCGR's tumour allelic depths: one per allele, REF first)"
            )
        alt = adt[allele]
        known = [v for v in adt if v is not None]
        adt_sum = sum(known) if len(known) == len(adt) else None
        dpt = f.one(where, "DPT", int) if has("DPT") else None
        if dpt is not None and (adt_sum is None or dpt >= adt_sum):
            return _make(dpt, alt, "ADT/DPT")
        return _make(adt_sum, alt, "ADT")
    return None


def _rule_pcgr_tvaf(f: _Fields, allele: int) -> Support | None:
    """PCGR's INFO tags for the tumour: TVAF (fraction) and TDP (depth); alt reads = TVAF x TDP."""
    if len(f.header.samples) > 1 or not (f.in_info("TVAF") or f.in_info("TDP")):
        return None
    depth = f.one("INFO", "TDP", int) if f.in_info("TDP") else None
    vaf: float | None = None
    if f.in_info("TVAF"):
        vals = f.values("INFO", "TVAF", float)
        n_alt = len(f.record.alts)
        if vals is not None:
            if len(vals) == n_alt:
                vaf = vals[allele - 1]
            elif len(vals) == 1 and n_alt == 1:
                vaf = vals[0]
            else:
                raise InputError(
                    f"{f.record.where}: INFO/TVAF has {len(vals)} value(s) for {n_alt} ALT allele(s); "
                    f"cannot read allele {allele} (PCGR expects decomposed records, one ALT each)"
                )
    if vaf is None:
        return _make(depth, None, "TVAF/TDP")
    if vaf > 1:
        raise InputError(f"{f.record.where}: INFO/TVAF value {shown(vaf)} is not a fraction "
                         "(expected a number from 0 to 1)")
    alt = None if depth is None else round(vaf * depth)
    return _make(depth, alt, "TVAF/TDP" if depth is not None else "TVAF", vaf=float(vaf))


def _rule_fao_fdp(f: _Fields, allele: int) -> Support | None:
    for where in ("FORMAT", "INFO"):
        has = f.in_format if where == "FORMAT" else f.in_info
        if has("FAO") and has("FDP"):
            fao = _at(f.values(where, "FAO", int), allele - 1, f, where, "FAO", "A")
            fdp = f.one(where, "FDP", int)
            return _make(fdp, fao, "FAO/FDP", _caller_af(f, allele))
    return None


def _rule_tir_tar(f: _Fields, allele: int) -> Support | None:
    if not (f.in_format("TIR") and f.in_format("TAR")):
        return None
    if len(f.record.alts) != 1:
        # TIR counts "the" indel allele of the record; it cannot be split between several ALTs.
        log.debug("%s: TIR/TAR with %d ALTs is not per allele", f.record.where, len(f.record.alts))
        return _NONE
    tir = f.one("FORMAT", "TIR", int)  # tier 1 is the first of the pair
    tar = f.one("FORMAT", "TAR", int)
    if tir is None or tar is None:
        return _NONE
    return _make(tir + tar, tir, "TIR/TAR")


def _rule_base_counts(f: _Fields, allele: int) -> Support | None:
    keys = ("AU", "CU", "GU", "TU")
    if not all(f.in_format(k) for k in keys):
        return None
    ref = f.record.ref[:1].upper()
    alt = f.record.alts[allele - 1].upper()
    tier1 = {k[0]: f.one("FORMAT", k, int) for k in keys}
    if any(v is None for v in tier1.values()):
        return _NONE
    if len(alt) != 1 or alt not in tier1 or ref not in tier1:
        # {X}U counts single bases; an MNV or N has no column of its own.
        return _NONE
    depth = sum(tier1.values())  # type: ignore[arg-type]  # no None: checked above
    return _make(depth, tier1[alt], "AU..TU")


def _rule_ao_ro(f: _Fields, allele: int) -> Support | None:
    for where in ("FORMAT", "INFO"):
        has = f.in_format if where == "FORMAT" else f.in_info
        if where == "INFO" and len(f.header.samples) > 1:
            break
        if has("AO") and has("RO"):
            ao = f.values(where, "AO", int)
            ro = f.one(where, "RO", int)
            alt = _at(ao, allele - 1, f, where, "AO", "A")
            ao_known = [v for v in ao or () if v is not None]
            if alt is None or ro is None or ao is None or len(ao_known) != len(ao):
                return _make(None, alt, "AO/RO")
            return _make(ro + sum(ao_known), alt, "AO/RO")
    return None


def _rule_fa(f: _Fields, allele: int) -> Support | None:
    if not f.in_format("FA"):
        return None
    fa = _at(f.values("FORMAT", "FA", float), allele - 1, f, "FORMAT", "FA", "A")
    dp = _depth_field(f)
    if fa is None:
        return _NONE
    alt = None if dp is None else round(fa * dp)
    return _make(dp, alt, "FA", vaf=float(fa))


def _rule_dp4(f: _Fields, allele: int) -> Support | None:
    for where in ("FORMAT", "INFO"):
        has = f.in_format if where == "FORMAT" else f.in_info
        if where == "INFO" and len(f.header.samples) > 1:
            break
        if not has("DP4"):
            continue
        if len(real_alts(f.record)) != 1:
            # DP4 lumps every non-reference read together; it says nothing per allele.
            return _NONE
        raw = f.raw(where, "DP4")
        if raw is None:
            return _NONE
        # VarScan writes FORMAT/DP4 as one string; bcftools writes four INFO integers.
        parts = re.split(r"[,/]", raw) if where == "FORMAT" else raw.split(",")
        if len(parts) != 4:
            raise InputError(
                f"{f.record.where}: {f.label(where, 'DP4')} {shown(raw)} has {len(parts)} value(s), "
                "expected 4 (ref-forward, ref-reverse, alt-forward, alt-reverse)"
            )
        counts = [f.number(p, where, "DP4", int) for p in parts]
        if any(c is None for c in counts):
            return _NONE
        return _make(sum(counts), counts[2] + counts[3], "DP4")  # type: ignore[operator,arg-type]  # no None: checked
    return None


def _rule_af(f: _Fields, allele: int) -> Support | None:
    for where in ("FORMAT", "INFO"):
        has = f.in_format if where == "FORMAT" else f.in_info
        if where == "INFO" and len(f.header.samples) > 1:
            break  # a pooled INFO/AF is not this sample's fraction
        if not has("AF"):
            continue
        vals = f.values(where, "AF", float)
        if vals is None:
            return _NONE
        n_alt = len(f.record.alts)
        if len(vals) == n_alt:
            af = vals[allele - 1]
        elif len(vals) == 1 and n_alt == 1:
            af = vals[0]
        else:
            fd = f.field_def(where, "AF")
            raise InputError(
                f"{f.record.where}: {f.label(where, 'AF')} has {len(vals)} value(s) for "
                f"{n_alt} ALT allele(s) (Number={shown(fd.number, bare=True) if fd else '.'}); "
                f"cannot read allele {allele}"
            )
        if af is None:
            return _NONE
        # Only a fraction is known; alt_reads stays None rather than a rounded guess.
        return Support(depth=_depth_field(f), alt_reads=None, vaf=float(af), method="AF",
                       caller_af=float(af))
    return None


_RULES: tuple[Rule, ...] = (
    _rule_ad, _rule_pcgr_adt, _rule_pcgr_tvaf, _rule_fao_fdp, _rule_tir_tar, _rule_base_counts, _rule_ao_ro,
    _rule_fa, _rule_dp4, _rule_af,
)


def allele_support(header: VcfHeader, record: Record, sample_index: int, allele: int) -> Support:
    """Depth, alt reads and VAF of ALT ``allele`` (1-based) in one sample.

    The first rule of the extractor table that applies wins; ``Support.method`` names it.
    """
    if not 1 <= allele <= len(record.alts):
        raise ValueError(
            f"{record.where}: allele {allele} out of range; the record has {len(record.alts)} ALT(s)"
        )
    if header.samples and not 0 <= sample_index < len(header.samples):
        raise ValueError(
            f"{record.where}: sample index {sample_index} out of range; "
            f"the file has {len(header.samples)} sample(s)"
        )
    f = _Fields(header, record, sample_index)
    for rule in _RULES:
        support = rule(f, allele)
        if support is not None:
            return support
    return _NONE


def site_depth(header: VcfHeader, record: Record, sample_index: int) -> int | None:
    """Read depth at a site or reference block for one sample: FORMAT DP, MIN_DP, Ion's FDP or
    PCGR's DPT, else INFO DP/FDP/TDP in a single-sample file.

    Reference blocks carry no allele to ask ``allele_support`` about, yet their depth is the
    evidence that a region was assessed.
    """
    f = _Fields(header, record, sample_index)
    for key in ("DP", "MIN_DP", "FDP", "DPT"):
        if f.in_format(key):
            value = f.one("FORMAT", key, int)
            if value is not None:
                return int(value)
    if len(header.samples) <= 1:
        for key in ("FDP", "DP", "TDP"):
            if f.in_info(key):
                value = f.one("INFO", key, int)
                return None if value is None else int(value)
    return None
