"""Copy number from tab-separated files, recognised by their columns rather than their names.

CNVkit ``.cns``/``.call.cns``/``.cnr`` (0-based starts, log2, ``cn`` after ``call``), segment
``.seg`` (ID chrom loc.start loc.end num.mark seg.mean, several samples; also the sampleName
chromosome start end nbrOfLoci mean spelling, after R's warnings), GATK ``.called.seg``
(``@`` header lines, MEAN_LOG2_COPY_RATIO, CALL), allele-specific tables (nMajor + nMinor, PCGR
v2) and the TSO500 ``*.cnv.fc.txt`` (Sample Gene Status FoldChange).

Rows real tools write without a usable value (CNVkit's zero-probe segments with start after end,
its -20/-31 log2 of bins without reads, empty or NaN values) are left out and counted in the
notes when they lie away from the genes asked for; on a gene they are an error, since that gene's
copy number cannot then be read from the file. A segment's ``seg.mean`` does not say its scale:
the caller says it (``scale``), else reading a value raises InputError.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import InputError, shown
from ..files import read_input
from ..models import CopyNumber, Region
from .common import (
    MISSING_VALUES,
    LeftOut,
    OddValue,
    Segment,
    check_log2,
    conversion_purity,
    fold_change_to_cn,
    genes_hit,
    log2_to_cn,
    odd_row_error,
    parse_float,
    parse_int,
    read_number,
    select_by_interval,
    summarise,
)

log = logging.getLogger(__name__)

# Accepted spellings (lower case) of each logical column, per format.
_SPECS: dict[str, dict[str, tuple[str, ...]]] = {
    "gatk_seg": {
        "chrom": ("contig",), "start": ("start",), "end": ("end",),
        "ratio": ("mean_log2_copy_ratio",),
    },
    "allele_specific": {
        "chrom": ("chromosome", "chrom", "chr"), "start": ("start",), "end": ("end",),
        "nmajor": ("nmajor",), "nminor": ("nminor",),
    },
    "tso500_fc": {
        "sample": ("sample",), "gene": ("gene",), "fc": ("foldchange",),
    },
    "seg": {
        "sample": ("id", "sample", "sampleid", "samplename"), "chrom": ("chrom", "chromosome", "chr"),
        "start": ("loc.start", "start"), "end": ("loc.end", "end"),
        "ratio": ("seg.mean", "segment_mean", "mean"),
    },
    "cnvkit": {
        "chrom": ("chromosome",), "start": ("start",), "end": ("end",), "ratio": ("log2",),
    },
}
_OPTIONAL: dict[str, dict[str, tuple[str, ...]]] = {
    "gatk_seg": {"call": ("call",), "probes": ("num_points_copy_ratio",)},
    "allele_specific": {"sample": ("sample", "sample_id")},
    "tso500_fc": {"status": ("status",)},
    "seg": {"probes": ("num.mark", "num_probes", "num.probes", "nbrofloci")},
    # ci_lo/ci_hi: the log2 confidence interval `cnvkit.py segmetrics --ci` adds to a .cns
    "cnvkit": {"cn": ("cn",), "probes": ("probes",), "ci_lo": ("ci_lo",), "ci_hi": ("ci_hi",)},
}
# The scale each format's ratio column names (None: the header does not say; see SCALES).
_NAMED_SCALE = {"gatk_seg": "log2", "cnvkit": "log2", "seg": None}
SCALES = ("log2", "log10", "linear")
_SCALE_FIELD = {"log2": "log2", "log10": "log10", "linear": "ratio"}
_UNKNOWN_SCALE = "unknown scale"
_LABEL = {
    "gatk_seg": "GATK .called.seg",
    "allele_specific": "allele-specific table",
    "tso500_fc": "TSO500 .cnv.fc.txt",
    "seg": ".seg",
    "cnvkit": "CNVkit .cns",
}
_SOURCE_CALLER = {
    "gatk_seg": "gatk_seg", "allele_specific": "allele_specific", "tso500_fc": "tso500",
    "seg": "seg", "cnvkit": "cnvkit",
}
_STEM_SUFFIXES = (".gz", ".bgz", ".vcf", ".bcf", ".call.cns", ".cns", ".cnr", ".called.seg",
                  ".cr.seg", ".seg", ".cnv.fc.txt", ".tsv", ".txt")
_MISSING = (*MISSING_VALUES, "nan", "NaN")


@dataclass
class Table:
    """A tab-separated file: header columns and data rows with their line numbers."""

    path: str
    columns: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]
    preamble: list[str] = field(default_factory=list)  # '@'/'#' lines before the header

    @property
    def keys(self) -> list[str]:
        return [c.lower() for c in self.columns]


def read_table(path: str) -> Table | None:
    """Read a (possibly gzipped) text table; None when it has no header row.

    Bytes that are not UTF-8 are replaced, not refused: the header then decides whether this is a
    copy-number table at all, which is the better message for a file of another kind."""
    preamble: list[str] = []
    columns: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    sep: str | None = "\t"
    lines = read_input(path, what="a copy-number file", errors="replace").lines()
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if columns is None:
            if line.startswith(("@", "#")) or _r_message(line, lines[lineno:]):
                preamble.append(line)
                continue
            sep = "\t" if "\t" in line else None  # a few tools write spaces
            columns = [_unquote(c) for c in line.split(sep)]
            header_line = lineno
            continue
        if line.startswith("#"):
            continue
        rows.append((lineno, [_unquote(c) for c in line.split(sep)]))
    if columns is None:
        return None
    return Table(path=path, columns=columns, header_line=header_line, rows=rows,
                 preamble=preamble)


def _r_message(line: str, after: list[str]) -> bool:
    """A line without a tab before a tab-separated header: R's messages ('WARNING: ignoring
    environment value of R_HOME') written into a DNAcopy .seg, skipped as CNVkit does."""
    if "\t" in line:
        return False
    following = next((ln for ln in after if ln.strip()), "")
    return "\t" in following


def _unquote(cell: str) -> str:
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "\"'":
        return cell[1:-1]
    return cell


def table_kind(table: Table) -> str | None:
    """Which table format the header columns show, or None."""
    keys = set(table.keys)
    if "mean_log2_copy_ratio" in keys or (table.keys and table.keys[0] == "contig"):
        return "gatk_seg"
    if "nmajor" in keys or "nminor" in keys:
        return "allele_specific"
    if "foldchange" in keys:
        return "tso500_fc"
    if "seg.mean" in keys or "segment_mean" in keys:
        return "seg"
    if "mean" in keys and ("samplename" in keys or "nbrofloci" in keys):
        return "seg"  # sampleName chromosome start end nbrOfLoci mean (CNVkit reads it as SEG)
    if "log2" in keys and "chromosome" in keys:
        return "cnvkit"
    return None


def _columns(table: Table, kind: str) -> dict[str, int]:
    """Index of each logical column; InputError naming what is missing."""
    keys = table.keys
    found: dict[str, int] = {}
    missing: list[str] = []
    for name, aliases in {**_SPECS[kind], **_OPTIONAL[kind]}.items():
        idx = next((keys.index(a) for a in aliases if a in keys), None)
        if idx is not None:
            found[name] = idx
        elif name in _SPECS[kind]:
            missing.append(" or ".join(aliases))
    if missing:
        expected = " ".join(a[0] for a in _SPECS[kind].values())
        raise InputError(
            f"{table.path}:{table.header_line}: {_LABEL[kind]} header lacks column(s) "
            f"{', '.join(missing)}; expected columns {expected}"
        )
    return found


def _cells(table: Table, lineno: int, cells: list[str], cols: dict[str, int]) -> dict[str, str]:
    """Logical column -> cell text for one row, checking the row is long enough."""
    # R's write.table adds an unnamed row-name column: every row is one longer than the header.
    offset = 1 if len(cells) == len(table.columns) + 1 else 0
    need = max(cols.values()) + 1 + offset
    if len(cells) < need:
        raise InputError(
            f"{table.path}:{lineno}: {len(cells)} column(s), expected {len(table.columns)} "
            f"({shown(' '.join(table.columns), 120, bare=True)})"
        )
    return {name: cells[i + offset] for name, i in cols.items()}


def file_stem(path: str) -> str:
    """Sample name from a file name: the name without the known copy-number suffixes."""
    name = os.path.basename(path)
    changed = True
    while changed:
        changed = False
        for suffix in _STEM_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                changed = True
    return name


def copy_number_from_table(
    table: Table,
    kind: str,
    *,
    sample: str | None,
    genes: Mapping[str, Region],
    purity: float | None,
    scale: str | None = None,
) -> list[CopyNumber]:
    """CN records for ``genes`` from a table of the given kind, one per sample and gene.

    ``scale`` (log2, log10, linear) is what a ratio column that does not name its scale holds (a
    .seg's seg.mean); a column named for its scale (CNVkit log2, GATK MEAN_LOG2_COPY_RATIO) is
    read as named. Rows without a usable value are left out (counted in the notes, logged as a
    warning) unless they lie on one of ``genes``: that raises InputError.
    """
    if scale is not None and scale not in SCALES:
        raise ValueError(f"scale {scale!r} is not one of {', '.join(SCALES)}")
    cols = _columns(table, kind)
    p, conv_notes = conversion_purity(purity)
    file_sample = _file_sample(table, kind, sample)
    labels = {name: table.columns[i] for name, i in cols.items()}
    named_scale = _NAMED_SCALE.get(kind)
    row_scale = named_scale or scale
    named: dict[str, dict[str, list[tuple[Segment, int]]]] = {}  # sample -> gene -> pairs
    segments: dict[str, list[Segment]] = {}
    left_out: dict[str, LeftOut] = {}
    seen: dict[str, None] = {}  # samples in file order
    wanted = {g.upper(): g for g in genes}
    for lineno, cells in table.rows:
        row = _cells(table, lineno, cells, cols)
        if "sample" in row and not row["sample"]:
            raise InputError(f"{table.path}:{lineno}: {labels['sample']} is empty")
        row_sample = row.get("sample") or file_sample
        seen.setdefault(row_sample)
        where = f"{table.path}:{lineno}"
        if kind == "tso500_fc":
            gene = wanted.get(row["gene"].upper())
            if gene is None:
                continue
            seg = _fc_segment(where, lineno, row, labels, genes[gene], p)
            named.setdefault(row_sample, {}).setdefault(gene, []).append((seg, 1))
            continue
        try:
            seg = _row_segment(kind, where, lineno, row, labels, p, row_scale)
        except OddValue as odd:
            hit = genes_hit(odd.span, genes) if odd.span is not None else list(genes)
            if hit and odd.reason != "zero_probe":
                raise odd_row_error(where, odd, hit) from None
            left_out.setdefault(row_sample, LeftOut()).add(odd.reason, lineno)
            continue
        segments.setdefault(row_sample, []).append(seg)
    samples = list(seen)
    if sample is not None and "sample" in cols:
        if sample not in seen:
            listed = shown(", ".join(samples[:20]), 200, bare=True) if samples else "none"
            raise InputError(
                f"{table.path}: no rows for sample {shown(sample)}; samples in the file: {listed}"
            )
        samples = [sample]
    out: list[CopyNumber] = []
    for name in samples:
        skipped = left_out.get(name, LeftOut())
        warning = skipped.warning(genes)
        if warning:
            log.warning("%s: %s%s", table.path, f"sample {shown(name)}: " if "sample" in cols else "",
                        warning)
        per_gene = dict(named.get(name, {}))
        per_gene.update(select_by_interval(segments.get(name, []), genes))
        for gene, region in genes.items():
            pairs = per_gene.get(gene)
            if not pairs:
                continue
            if any(s.source_field == _UNKNOWN_SCALE for s, _ in pairs):
                raise InputError(_unknown_scale_message(table, labels["ratio"]))
            converted = any(s.source_field in ("log2", "log10", "ratio", "FC") for s, _ in pairs)
            notes = list(conv_notes) if converted else _absolute_notes(kind, purity)
            notes += _scale_notes(labels.get("ratio", ""), named_scale, scale)
            if kind == "cnvkit" and "probes" not in cols:
                notes.append("no 'probes' column: read as CNVkit bins (.cnr), not segments")
            out.append(summarise(
                gene, region, pairs, sample=name, source_caller=_SOURCE_CALLER[kind],
                purity_used=p if converted else None, path=table.path,
                notes=notes + skipped.notes(genes), qc=skipped.qc(),
            ))
    log.debug("%s: %d copy-number record(s) from a %s", table.path, len(out), _LABEL[kind])
    return out


def _unknown_scale_message(table: Table, label: str) -> str:
    return (
        f"{table.path}:{table.header_line}: {shown(label, bare=True)} does not say whether it holds "
        "log2 or log10 ratios (DNAcopy keeps the scale of its input: cBioPortal, GISTIC 2.0 and "
        "CNVkit 'export seg' write log2, array-CGH pipelines often log10, and the header is the "
        "same); give --cnv-scale log2, log10 or linear"
    )


def _scale_notes(label: str, named_scale: str | None, scale: str | None) -> list[str]:
    if not label or scale is None:
        return []
    if named_scale is None:
        return [f"{shown(label, bare=True)} read as {scale} (--cnv-scale)"]
    if scale != named_scale:
        return [f"--cnv-scale {scale} not applied: column {shown(label, bare=True)} is {named_scale}"]
    return []


def _file_sample(table: Table, kind: str, sample: str | None) -> str:
    """Sample name for files without a sample column (GATK: @RG SM; else given, else stem)."""
    if kind == "gatk_seg":
        names = [
            tag[3:]
            for line in table.preamble if line.startswith("@RG")
            for tag in line.split("\t") if tag.startswith("SM:")
        ]
        if names:
            if sample is not None and sample not in names:
                raise InputError(
                    f"{table.path}: the @RG header names sample {shown(names[0])}, not {shown(sample)}"
                )
            return sample or names[0]
    return sample or file_stem(table.path)


def _absolute_notes(kind: str, purity: float | None) -> list[str]:
    notes = []
    if kind == "cnvkit":
        notes.append("cn from CNVkit call; the purity it assumed is not recorded in the file")
    if purity is not None:
        notes.append(f"purity {purity:g} given but not applied to the caller's absolute CN")
    return notes


def _row_segment(
    kind: str, where: str, lineno: int, row: dict[str, str], labels: dict[str, str], p: float,
    scale: str | None,
) -> Segment:
    """One segment row of a .cns, .seg, GATK .seg or allele-specific table; OddValue (with the
    row's span) for a row without a usable value, InputError for a malformed one."""
    chrom = row["chrom"]
    if not chrom:
        raise InputError(f"{where}: {labels['chrom']} is empty; expected a contig name")
    start = parse_int(row["start"], labels["start"], where)
    end = parse_int(row["end"], labels["end"], where)
    if kind == "cnvkit":
        start += 1  # CNVkit writes 0-based, half-open starts
    span = (chrom, min(start, end), max(start, end))
    if _probes(row.get("probes")) == 0:
        raise OddValue("zero_probe", f"{labels['probes']} is 0", span)
    if start > end:
        raise OddValue(
            "start_after_end",
            f"{labels['start']} {shown(row['start'], bare=True)} is after "
            f"{labels['end']} {shown(row['end'], bare=True)}", span,
        )
    try:
        return _row_value(kind, where, lineno, row, labels, p, scale, chrom, start, end)
    except OddValue as odd:
        odd.span = span
        raise


def _row_value(
    kind: str, where: str, lineno: int, row: dict[str, str], labels: dict[str, str], p: float,
    scale: str | None, chrom: str, start: int, end: int,
) -> Segment:
    if kind == "allele_specific":
        major = parse_int(row["nmajor"], labels["nmajor"], where)
        minor = parse_int(row["nminor"], labels["nminor"], where)
        if major < 0 or minor < 0:
            raise InputError(f"{where}: nMajor {shown(major)} / nMinor {shown(minor)} must not be negative")
        total = float(major + minor)
        return Segment(
            chrom=chrom, start=start, end=end, source_field="nMajor+nMinor", raw_value=total,
            cn=total, line=lineno, cn_is_integer=True, notes=[f"nMajor {major}, nMinor {minor}"],
        )
    text, label = row["ratio"], labels["ratio"]
    value = read_number(text, label, where)
    if scale is None:  # a .seg whose scale was not given: an error only if a gene needs the value
        if not math.isfinite(value):
            raise OddValue("no_value", f"{label} {shown(text)} is not a finite number")
        return Segment(chrom=chrom, start=start, end=end, source_field=_UNKNOWN_SCALE,
                       raw_value=value, cn=None, line=lineno)
    log2 = check_log2(_to_log2(value, scale, text, label, where), text, label)
    converted = log2_to_cn(log2, p)
    ci = _cnvkit_ci(row, labels, where, p) if kind == "cnvkit" else (None, None)
    cn_text = row.get("cn")
    if kind == "cnvkit" and cn_text not in (None, *_MISSING):
        cn = parse_float(cn_text, labels["cn"], where)
        if cn < 0:  # older CNVkit wrote int64's minimum for a segment whose log2 was NaN
            raise OddValue("negative_cn", f"{labels['cn']} {shown(cn_text)} must not be negative")
        return Segment(
            chrom=chrom, start=start, end=end, source_field="CN", raw_value=cn, cn=cn,
            line=lineno, cn_is_integer=cn.is_integer(), cn_ci_low=ci[0], cn_ci_high=ci[1],
            notes=[f"log2 {log2:g} (CN {converted:.2f} at purity {p:g})"],
        )
    return Segment(
        chrom=chrom, start=start, end=end, source_field=_SCALE_FIELD[scale], raw_value=value,
        cn=converted, line=lineno, caller_call=row.get("call", ""), cn_ci_low=ci[0], cn_ci_high=ci[1],
    )


def _cnvkit_ci(row: dict[str, str], labels: dict[str, str], where: str,
               p: float) -> tuple[float | None, float | None]:
    """CNVkit's segment confidence interval (ci_lo/ci_hi, log2, from ``segmetrics --ci``) as copy
    numbers at the purity used for the segment; (None, None) when the file has no interval."""
    lo_text, hi_text = row.get("ci_lo"), row.get("ci_hi")
    if lo_text in (None, *_MISSING) or hi_text in (None, *_MISSING):
        return None, None
    try:
        lo = check_log2(read_number(lo_text, labels["ci_lo"], where), lo_text, labels["ci_lo"])
        hi = check_log2(read_number(hi_text, labels["ci_hi"], where), hi_text, labels["ci_hi"])
    except OddValue:  # an interval reaching a no-coverage log2 says nothing usable
        return None, None
    if lo > hi:
        raise InputError(f"{where}: {labels['ci_lo']} {shown(lo_text)} is above {labels['ci_hi']} "
                         f"{shown(hi_text)}")
    return round(log2_to_cn(lo, p), 3), round(log2_to_cn(hi, p), 3)


def _to_log2(value: float, scale: str, text: str, label: str, where: str) -> float:
    """A ratio of the given scale as log2 (non-finite values pass through for check_log2)."""
    if scale == "log10":
        return value * math.log2(10)
    if scale == "linear":
        if value < 0:
            raise InputError(f"{where}: {label} {shown(text)} is negative, so not a linear copy "
                             "ratio (--cnv-scale linear); is the file log-scaled?")
        return math.log2(value) if value > 0 else -math.inf
    return value


def _probes(text: str | None) -> int | None:
    """The probe/bin count of a segment when written as a plain number, else None."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value.is_integer() else None


def _fc_segment(
    where: str, lineno: int, row: dict[str, str], labels: dict[str, str], region: Region,
    p: float,
) -> Segment:
    """A TSO500 fc.txt row: per-gene fold change, placed on the gene's own interval."""
    fc = parse_float(row["fc"], labels["fc"], where)
    if fc < 0:
        raise InputError(f"{where}: {labels['fc']} {shown(row['fc'])} must not be negative")
    return Segment(
        chrom=region.chrom, start=region.start, end=region.end, source_field="FC",
        raw_value=fc, cn=fold_change_to_cn(fc, p), line=lineno,
        caller_call=row.get("status", ""),
    )
