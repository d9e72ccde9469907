"""Shared pieces of copy-number reading: purity algebra, contig aliases, segments -> one gene value.

Every dialect reader (``cn_vcf``, ``cn_tables``) turns its lines into ``Segment`` objects and hands
them to ``summarise``, so overlap weighting, CI handling and notes are decided in one place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..contigs import contig_key
from ..errors import InputError, shown
from ..models import CopyNumber, Region

# Normal cells are diploid for the autosomes the project cares about (ERBB2 is on chr17).
NORMAL_COPIES = 2.0


def check_purity(purity: float | None, where: str = "purity") -> float | None:
    """Return ``purity`` unchanged, or raise InputError when it is not in (0, 1]."""
    if purity is None:
        return None
    try:
        p = float(purity)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{where}: {shown(purity)} is not a number; expected a fraction in (0, 1]"
        ) from exc
    if not (0.0 < p <= 1.0):  # also rejects NaN
        raise InputError(
            f"{where}: {shown(purity)} is outside (0, 1]; give tumour purity as a fraction "
            "(e.g. 0.3 for 30%)"
        )
    return p


MAX_ABS_LOG2 = 30.0  # a billion-fold copy ratio: anything beyond is a broken file, not biology
# A log2 ratio below this is a region without reads, not a copy number: CNVkit writes -20
# (NULL_LOG2_COVERAGE) for a bin without coverage, about -31 once normalised, and itself drops bins
# below -20 - (-5) = -15 as low coverage. No deletion in a tumour with any normal cells goes that low.
NO_COVERAGE_LOG2 = -15.0
MISSING_VALUES = ("", "NA", "N/A", ".")  # R writes NA, pandas an empty cell, VCF '.'

# Why a row carries no usable value (OddValue.reason), as a note says it.
ODD_REASONS = {
    "zero_probe": ("zero-probe segment(s) (CNVkit writes one at a breakpoint between bins, start "
                   "after end; no bins, no evidence)"),
    "start_after_end": "with start after end",
    "no_value": "without a finite value (empty, NA, NaN or infinite)",
    "no_coverage": (f"with log2 below {NO_COVERAGE_LOG2:g} (no reads: CNVkit writes -20, or about "
                    "-31, for a bin without coverage)"),
    "out_of_range": f"with log2 above {MAX_ABS_LOG2:g} (not a copy ratio)",
    "negative_cn": "with a negative cn (older CNVkit's value for a segment without log2)",
}


class OddValue(Exception):
    """A row holding a value real tools write but no usable measurement (no value, no coverage,
    start after end, a zero-probe segment). The reader decides what follows: left out and counted
    away from the genes of interest, an InputError on one of them (``reason``: a key of
    ODD_REASONS; ``message`` says what was found; ``span`` is the row's contig, lowest and highest
    position once known)."""

    def __init__(self, reason: str, message: str, span: tuple[str, int, int] | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.span = span


def read_number(text: str | None, what: str, where: str) -> float:
    """A number from raw text, which may be NaN or infinite (the caller judges those); missing
    (empty, NA) raises OddValue, a word InputError naming the place and the field."""
    if text is None or text.strip().strip('"') in MISSING_VALUES:
        raise OddValue("no_value", f"{what} has no value")
    try:
        return float(text.strip().strip('"'))
    except ValueError as exc:
        raise InputError(f"{where}: {what} {shown(text)} is not a number") from exc


def check_log2(log2: float, text: str, what: str) -> float:
    """``log2`` when it can be a copy ratio; else OddValue saying why (``text``: as written)."""
    if math.isnan(log2) or log2 == math.inf:
        raise OddValue("no_value", f"{what} {shown(text)} is not a finite number")
    if log2 < NO_COVERAGE_LOG2:  # -inf included: the log of no reads
        raise OddValue("no_coverage", f"{what} {shown(text, bare=True)} is below log2 "
                       f"{NO_COVERAGE_LOG2:g} (a region without reads, not a copy number)")
    if log2 > MAX_ABS_LOG2:
        raise OddValue("out_of_range", f"{what} {shown(text, bare=True)} is above log2 "
                       f"{MAX_ABS_LOG2:g} (not a copy ratio)")
    return log2


def genes_hit(span: tuple[str, int, int], genes: Mapping[str, Region]) -> list[str]:
    """The genes a (contig, low, high) span overlaps, 'chr17' matching '17'."""
    chrom, low, high = span
    return [g for g, r in genes.items()
            if contig_key(chrom) == contig_key(r.chrom) and low <= r.end and high >= r.start]


def odd_row_error(where: str, odd: OddValue, genes: list[str]) -> InputError:
    """The error for an odd row over a gene of interest: that gene cannot be read from the file."""
    named = ", ".join(genes)
    return InputError(
        f"{where}: {odd.message}, in a row over {named}: {named} copy number cannot be read from "
        f"this file (such rows away from {named} are only left out); check the file at this line"
    )


@dataclass
class LeftOut:
    """Rows of one sample left out of a file's evidence, by reason, for notes and the warning."""

    counts: dict[str, int] = field(default_factory=dict)
    lines: dict[str, list[int]] = field(default_factory=dict)

    def add(self, reason: str, line: int | None) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        if line is not None and len(self.lines.setdefault(reason, [])) < 5:
            self.lines[reason].append(line)

    def _part(self, reason: str) -> str:
        n = self.counts[reason]
        shown_lines = self.lines.get(reason, [])
        where = ""
        if shown_lines:
            more = ", …" if n > len(shown_lines) else ""
            where = f", line{'s' if n > 1 else ''} {', '.join(map(str, shown_lines))}{more}"
        return f"{n} {ODD_REASONS.get(reason, reason)}{where}"

    def warning(self, genes: Iterable[str]) -> str:
        """The note on rows that held an odd value away from the genes ('' when none)."""
        odd = [r for r in self.counts if r != "zero_probe"]
        if not odd:
            return ""
        total = sum(self.counts[r] for r in odd)
        return (f"{total} row(s) away from {', '.join(genes)} left out: "
                + " ".join(f"[{self._part(r)}]" for r in odd))

    def notes(self, genes: Iterable[str]) -> list[str]:
        out = [f"left out {self._part('zero_probe')}"] if "zero_probe" in self.counts else []
        warning = self.warning(genes)
        return out + ([warning] if warning else [])

    def qc(self) -> dict[str, str]:
        if not self.counts:
            return {}
        return {"rows_left_out": ";".join(f"{r}:{n}" for r, n in self.counts.items())}


def log2_to_cn(log2: float, purity: float | None, ploidy: float = 2.0) -> float:
    """Absolute copy number from a log2 copy ratio: CN = (ploidy·2^r − 2·(1−p))/p.

    ``purity`` None means a pure tumour (p = 1). ``ploidy`` is the copy number a ratio of 1
    stands for (2 for a diploid reference); normal contaminating cells are taken as diploid.
    Negative results (deep losses at low purity, noise) are clipped to 0.
    """
    p = check_purity(purity)
    p = 1.0 if p is None else p
    if not math.isfinite(log2):
        raise ValueError(f"log2 ratio {log2!r} is not finite")
    if abs(log2) > MAX_ABS_LOG2:
        raise ValueError(f"log2 ratio {log2!r} is outside ±{MAX_ABS_LOG2} (a {2 ** MAX_ABS_LOG2:.0e}-fold change)")
    cn = (ploidy * 2.0 ** log2 - NORMAL_COPIES * (1.0 - p)) / p
    return max(cn, 0.0)


def fold_change_to_cn(fc: float, purity: float | None) -> float:
    """Absolute copy number from a linear fold change: CN = (2·FC − 2·(1−p))/p (Illumina TSO500).

    With p = 0.3 and FC = 2.2 this gives 10, the Illumina worked example. None means p = 1.
    """
    p = check_purity(purity)
    p = 1.0 if p is None else p
    if not math.isfinite(fc) or fc < 0:
        raise ValueError(f"fold change {fc!r} is not a finite non-negative number")
    cn = (NORMAL_COPIES * fc - NORMAL_COPIES * (1.0 - p)) / p
    return max(cn, 0.0)


def conversion_purity(purity: float | None) -> tuple[float, list[str]]:
    """Purity to convert relative values with: the given one, else 1.0 with a note saying so."""
    if purity is not None:
        return purity, []
    return 1.0, [
        ("no purity given: converted assuming a pure tumour (purity 1.0), which underestimates "
         "copy number in impure samples; pass the sample's purity")
    ]


def parse_float(text: str | None, what: str, where: str) -> float:
    """A finite float from raw text, or InputError naming the place and the field."""
    if text is None:
        raise InputError(f"{where}: {what} has no value; expected a number")
    try:
        value = float(text.strip().strip('"'))
    except ValueError as exc:
        raise InputError(f"{where}: {what} {shown(text)} is not a number") from exc
    if not math.isfinite(value):
        raise InputError(f"{where}: {what} {shown(text)} is not a finite number")
    return value


def parse_int(text: str | None, what: str, where: str) -> int:
    """An integer from raw text; R writes round positions as '1e+05', so integral floats pass."""
    value = parse_float(text, what, where)
    if value != int(value):
        raise InputError(f"{where}: {what} {shown(text)} is not a whole number")
    return int(value)


@dataclass
class Segment:
    """One line of copy-number evidence, already converted; coordinates 1-based inclusive."""

    chrom: str
    start: int
    end: int
    source_field: str
    raw_value: float
    cn: float | None
    line: int | None
    cn_ci_low: float | None = None
    cn_ci_high: float | None = None
    cn_is_integer: bool = False
    caller_call: str = ""
    filter: str = ""
    ploidy: float = 2.0  # copy number of the reference state (Ion REF_CN: 1 on a male chrX)
    notes: list[str] = field(default_factory=list)

    def overlap(self, region: Region) -> int:
        """Bases shared with ``region`` (0 when on another contig or disjoint)."""
        if contig_key(self.chrom) != contig_key(region.chrom):
            return 0
        return max(0, min(self.end, region.end) - max(self.start, region.start) + 1)

    def describe(self) -> str:
        """``chr17:1-100 log2=1.2 CN=4.6 <DUP> (line 7; FORMAT/SM 3.1)`` for notes."""
        text = f"{shown(self.chrom, bare=True)}:{self.start}-{self.end} {self.source_field}={self.raw_value:g}"
        if self.source_field != "CN":
            text += " CN=" + ("NA" if self.cn is None else f"{self.cn:.3g}")
        if self.caller_call:
            text += f" {shown(self.caller_call, bare=True)}"
        extra = ([f"line {self.line}"] if self.line is not None else []) + self.notes
        return text + (f" ({'; '.join(extra)})" if extra else "")


def select_by_interval(
    segments: Iterable[Segment], genes: Mapping[str, Region]
) -> dict[str, list[tuple[Segment, int]]]:
    """Segments overlapping each gene, with the overlap length as weight."""
    out: dict[str, list[tuple[Segment, int]]] = {}
    for seg in segments:
        for gene, region in genes.items():
            bp = seg.overlap(region)
            if bp > 0:
                out.setdefault(gene, []).append((seg, bp))
    return out


def summarise(
    gene: str,
    region: Region,
    pairs: Sequence[tuple[Segment, int]],
    *,
    sample: str,
    source_caller: str,
    purity_used: float | None,
    path: str,
    qc: Mapping[str, str] | None = None,
    notes: Iterable[str] = (),
) -> CopyNumber:
    """One CopyNumber for a gene from the segments covering it (overlap-weighted mean CN)."""
    if not pairs:
        raise ValueError("summarise needs at least one segment")
    gene_len = region.end - region.start + 1
    dominant = max(pairs, key=lambda sw: sw[1])[0]
    fields = list(dict.fromkeys(s.source_field for s, _ in pairs))
    out_notes = list(notes)
    if len(pairs) == 1:
        seg = pairs[0][0]
        cn, raw = seg.cn, seg.raw_value
        out_notes.extend(seg.notes)
        bp = seg.overlap(region)
        if 0 < bp < gene_len:
            out_notes.append(f"segment covers {bp} of {gene_len} bp of {gene}")
    else:
        weighted = [(s.cn, w) for s, w in pairs if s.cn is not None]
        total = sum(w for _, w in weighted)
        cn = sum(c * w for c, w in weighted) / total if total else None
        if len(fields) == 1:
            raw = sum(s.raw_value * w for s, w in pairs) / sum(w for _, w in pairs)
        else:
            raw = dominant.raw_value
            out_notes.append(
                f"segments carry different kinds ({', '.join(fields)}); raw value is from the "
                "segment with the largest overlap"
            )
        out_notes.append(
            f"{len(pairs)} segments overlap {gene}; CN is their overlap-weighted mean"
        )
        for seg, bp in pairs:
            out_notes.append(f"segment {seg.describe()}, {bp} bp over {gene}")
    lows = [s.cn_ci_low for s, _ in pairs if s.cn_ci_low is not None]
    highs = [s.cn_ci_high for s, _ in pairs if s.cn_ci_high is not None]
    calls = list(dict.fromkeys(s.caller_call for s, _ in pairs if s.caller_call))
    filters = list(dict.fromkeys(s.filter for s, _ in pairs if s.filter))
    is_int = all(s.cn_is_integer for s, _ in pairs) and cn is not None and float(cn).is_integer()
    return CopyNumber(
        sample=sample,
        gene=gene,
        chrom=dominant.chrom,
        start=min(s.start for s, _ in pairs),
        end=max(s.end for s, _ in pairs),
        source_caller=source_caller,
        source_field=dominant.source_field,
        raw_value=raw,
        cn=cn,
        cn_ci_low=min(lows) if lows else None,
        cn_ci_high=max(highs) if highs else None,
        cn_is_integer=is_int,
        purity_used=purity_used,
        ploidy_used=dominant.ploidy,
        caller_call=",".join(calls),
        filter=";".join(filters),
        qc=dict(qc or {}),
        path=path,
        line=dominant.line,
        notes=list(dict.fromkeys(out_notes)),
    )
