"""Panel of normals: per target, the median and spread of normalised depth across normal samples.

PON.tsv is a commented header (``##key=value``: format version, build, targets checksums, read
filters, normalisation, GC correction, one ``##normal=`` line per normal with its QC) and one row
per target. It is written atomically. Reading checks every line strictly and recomputes the
targets checksum from the rows, so an edited panel is refused rather than half-trusted.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field

import numpy as np

from .. import __version__
from ..errors import InputError, shown
from ..files import read_input
from ..genome.bed import Target, TargetSet, intervals_checksum, read_targets
from ..rules.load import Rules
from .alignments import open_alignments
from .copynumber import gc_correct, mad
from .coverage import Coverage, target_coverage

log = logging.getLogger(__name__)

FORMAT_VERSION = "1"
MIN_NORMALS = 2  # a spread needs at least two; five or more are recommended
RECOMMENDED_NORMALS = 5
MIN_USABLE_NORM = 0.1  # targets below 10% of a sample's mean target depth are not used
MIN_TARGETS_COVERED = 0.8  # a normal with reads on fewer targets is from another panel
COLUMNS = ("chrom", "start", "end", "name", "gc", "median_depth", "median_norm", "mad_log2", "usable")
_REQUIRED = ("build", "targets_file", "targets_sha256", "targets_intervals_sha256", "n_targets",
             "min_mapq", "gc_correction")


@dataclass
class NormalQC:
    name: str
    file: str
    reads_used: int
    mean_target_depth: float
    targets_covered: float  # fraction of targets with any read
    noise_log2: float  # target-to-target spread against the panel median (1.4826·MAD)
    filtered: dict[str, int] = field(default_factory=dict)

    def header_value(self) -> str:
        dropped = ",".join(f"{k}:{v}" for k, v in sorted(self.filtered.items())) or "none"
        return (f"name={_clean(self.name)};file={_clean(self.file)};reads_used={self.reads_used};"
                f"mean_target_depth={self.mean_target_depth:.2f};targets_covered={self.targets_covered:.4f};"
                f"noise_log2={self.noise_log2:.4f};filtered={dropped}")


def _clean(text: str) -> str:
    return "".join(c if c not in ";=\t\n\r" else "_" for c in text)


@dataclass
class Pon:
    targets: list[Target]
    median_depth: np.ndarray
    median_norm: np.ndarray
    mad_log2: np.ndarray
    usable: np.ndarray  # bool
    gc: np.ndarray | None  # nan where unknown; None when built without --reference
    build: str
    targets_file: str
    targets_sha256: str
    intervals_sha256: str
    min_mapq: int
    normals: list[NormalQC]
    gc_correction: str = "none"
    meta: dict[str, str] = field(default_factory=dict)
    path: str = ""

    @property
    def n_normals(self) -> int:
        return len(self.normals)


def build_pon(normals: list[str], targets_path: str, rules: Rules, *, build: str | None = None,
              reference: str | None = None, threads: int = 1, build_index: bool = False,
              gc: bool = True) -> Pon:
    """Build a panel of normals from normal BAM/CRAMs over the targets (see module docstring).

    With ``reference`` the targets' GC content is recorded and each normal's GC trend removed,
    unless ``gc`` is False (the reference then only decodes CRAM)."""
    if len(normals) < MIN_NORMALS:
        raise InputError(
            f"a panel of normals needs at least {MIN_NORMALS} normal samples, got {len(normals)} "
            f"({', '.join(normals) or 'none'}); the spread across normals is what tells noise "
            f"from signal ({RECOMMENDED_NORMALS} or more are recommended)"
        )
    seen: dict[str, str] = {}
    for path in normals:
        real = os.path.realpath(path)
        if real in seen:
            raise InputError(f"{path}: given twice as a normal (also as {seen[real]}); each normal once")
        seen[real] = path
    ts = read_targets(targets_path)
    min_mapq = rules.thresholds.min_mapq
    covs: list[Coverage] = []
    qcs: list[NormalQC] = []
    names: set[str] = set()
    for path in normals:
        with open_alignments(path, rules, build=build, reference=reference, build_index=build_index,
                             threads=threads, what="normal") as aln:
            build = aln.build  # the first normal decides; the others must agree
            cov = target_coverage(aln, ts.targets, min_mapq)
            name = aln.sample if aln.sample not in names else os.path.basename(path)
        names.add(name)
        covered = float(np.mean(cov.sums > 0))
        if cov.total_mean_depth <= 0 or covered < MIN_TARGETS_COVERED:
            raise InputError(
                f"{path}: reads cover only {covered:.0%} of the {len(ts)} targets in {targets_path} "
                f"(need {MIN_TARGETS_COVERED:.0%}); is this normal from another panel or build?"
            )
        for other, prev in zip(normals, covs, strict=False):  # covs: the normals read so far
            if np.array_equal(prev.sums, cov.sums):
                raise InputError(f"{path}: the same read depths as {other}; the same sample twice?")
        covs.append(cov)
        qcs.append(NormalQC(name=name, file=os.path.basename(path), reads_used=cov.reads_used,
                            mean_target_depth=cov.total_mean_depth, targets_covered=covered,
                            noise_log2=float("nan"), filtered=cov.reads_filtered))
        log.info("%s: %d reads on %d targets, mean depth %.1f", path, cov.reads_used, len(ts), cov.total_mean_depth)
    assert build is not None
    norm = np.vstack([c.mean_depth / c.total_mean_depth for c in covs])
    median = np.median(norm, axis=0)
    usable = median >= MIN_USABLE_NORM
    gc_values = None
    gc_label = "none"
    if reference and gc:
        from ..genome.bed import gc_fractions

        gc_values = np.array([np.nan if g is None else g for g in gc_fractions(ts.targets, reference)], dtype=float)
        corrected = []
        for row in norm:
            lr = _log2_ratio(row, median, usable)
            fixed, done = gc_correct(lr, gc_values, usable)
            corrected.append(np.where(np.isfinite(fixed), median * 2.0 ** fixed, row) if done else row)
        norm = np.vstack(corrected)
        median = np.median(norm, axis=0)
        gc_label = (f"per-normal GC trend removed before the median where it lowered the noise (GC from "
                    f"{os.path.basename(reference)}; robust quadratic of log2 ratio in GC)")
    log2r = np.vstack([_log2_ratio(row, median, usable) for row in norm])
    spread = np.array([mad(log2r[:, j]) if usable[j] else np.nan for j in range(norm.shape[1])])
    for qc, row in zip(qcs, log2r, strict=True):
        qc.noise_log2 = mad(row[usable])
    depth = np.median(np.vstack([c.mean_depth for c in covs]), axis=0)
    return Pon(targets=ts.targets, median_depth=depth, median_norm=median, mad_log2=spread,
               usable=usable, gc=gc_values, build=build, targets_file=os.path.basename(targets_path),
               targets_sha256=ts.file_sha256, intervals_sha256=ts.intervals_sha256,
               min_mapq=min_mapq, normals=qcs, gc_correction=gc_label,
               meta={"her2var_version": __version__, "rules_checksum": rules.checksum})


def _log2_ratio(row: np.ndarray, median: np.ndarray, usable: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(usable, np.log2(np.maximum(row, 1e-6) / np.where(usable, median, 1.0)), np.nan)


def _fmt(x: float) -> str:
    return "NA" if x is None or not math.isfinite(x) else f"{x:.6g}"


def pon_text(pon: Pon) -> str:
    lines = [
        f"##her2var_pon={FORMAT_VERSION}",
        f"##her2var_version={pon.meta.get('her2var_version', __version__)}",
        f"##rules_checksum={pon.meta.get('rules_checksum', '')}",
        f"##build={pon.build}",
        f"##targets_file={pon.targets_file}",
        f"##targets_sha256={pon.targets_sha256}",
        f"##targets_intervals_sha256={pon.intervals_sha256}",
        f"##n_targets={len(pon.targets)}",
        f"##min_mapq={pon.min_mapq}",
        "##read_filters=not unmapped, secondary, supplementary, duplicate or QC-failed; MAPQ >= min_mapq",
        "##depth=mean depth per target: reference bases spanned by filtered reads (as samtools bedcov)",
        "##normalisation=target mean depth / the sample's mean depth over all targets",
        f"##gc_correction={pon.gc_correction}",
        "##spread=mad_log2 = 1.4826 x MAD across normals of log2(normalised depth / median_norm)",
        f"##usable=median_norm >= {MIN_USABLE_NORM}",
        f"##n_normals={pon.n_normals}",
    ]
    lines += [f"##normal={qc.header_value()}" for qc in pon.normals]
    lines.append("#" + "\t".join(COLUMNS))
    for i, t in enumerate(pon.targets):
        gc = pon.gc[i] if pon.gc is not None else float("nan")
        lines.append("\t".join([
            t.chrom, str(t.start), str(t.end), t.name or ".", _fmt(gc), _fmt(pon.median_depth[i]),
            _fmt(pon.median_norm[i]), _fmt(pon.mad_log2[i]), "yes" if pon.usable[i] else "no",
        ]))
    return "\n".join(lines) + "\n"


def write_pon(pon: Pon, path: str) -> None:
    """Write PON.tsv atomically (a temporary file renamed into place)."""
    from ..files import atomic_write

    with atomic_write(path) as fh:
        fh.write(pon_text(pon))


def read_pon(path: str) -> Pon:
    """Read and check a PON.tsv written by ``her2var pon build``."""
    lines = read_input(path, what="a panel of normals (build one with 'her2var pon build')", source="--pon").lines()
    meta: dict[str, str] = {}
    normals: list[NormalQC] = []
    targets: list[Target] = []
    cols_num: list[list[float]] = [[], [], [], []]  # gc, median_depth, median_norm, mad_log2
    usable: list[bool] = []
    chroms: dict[str, str] = {}  # one string per contig name
    header_seen = False
    for lineno, line in enumerate(lines, start=1):
        if lineno == 1 and line != f"##her2var_pon={FORMAT_VERSION}":
            raise InputError(f"{path}:1: not a her2var panel of normals (expected "
                             f"'##her2var_pon={FORMAT_VERSION}'; build one with 'her2var pon build')")
        if line.startswith("##"):
            key, sep, value = line[2:].partition("=")
            if not sep:
                raise InputError(f"{path}:{lineno}: header line without '=': {shown(line)}")
            if key == "normal":
                normals.append(_parse_normal(value, path, lineno))
            else:
                meta[key] = value
        elif line.startswith("#"):
            if tuple(line[1:].split("\t")) != COLUMNS:
                raise InputError(f"{path}:{lineno}: column header is not {' '.join(COLUMNS)}")
            header_seen = True
        elif line.strip():
            if not header_seen:
                raise InputError(f"{path}:{lineno}: data before the '#chrom ...' column header")
            cols = line.split("\t")
            if len(cols) != len(COLUMNS):
                raise InputError(f"{path}:{lineno}: {len(cols)} columns, expected {len(COLUMNS)}")
            try:
                target = Target(chroms.setdefault(cols[0], cols[0]), int(cols[1]), int(cols[2]),
                                "" if cols[3] == "." else cols[3])
                for k in range(4):
                    cols_num[k].append(_num(cols[4 + k]))
            except ValueError as exc:
                raise InputError(f"{path}:{lineno}: a number column is not a number "
                                 f"({shown(exc, 200, bare=True)})") from exc
            if cols[8] not in ("yes", "no"):
                raise InputError(f"{path}:{lineno}: usable is {shown(cols[8])}, expected yes or no")
            targets.append(target)
            usable.append(cols[8] == "yes")
    if not meta and not normals and not targets:
        raise InputError(f"{path}: empty file; not a panel of normals (build one with 'her2var pon build')")
    for key in _REQUIRED:
        if key not in meta:
            raise InputError(f"{path}: header has no ##{key}= line; the file is incomplete or edited")
    if len(normals) < MIN_NORMALS:
        raise InputError(
            f"{path}: built from {len(normals)} normal sample(s); a panel needs at least {MIN_NORMALS} "
            "to estimate noise; rebuild it with more normals"
        )
    gc, depth, med, spread = cols_num
    if str(len(targets)) != meta["n_targets"]:
        raise InputError(f"{path}: {len(targets)} target rows, but the header says "
                         f"{shown(meta['n_targets'], bare=True)}")
    if intervals_checksum(targets) != meta["targets_intervals_sha256"]:
        raise InputError(f"{path}: the target rows do not match the header's targets checksum; "
                         "the file was edited")
    try:
        min_mapq = int(meta["min_mapq"])
    except ValueError as exc:
        raise InputError(f"{path}: ##min_mapq={shown(meta['min_mapq'])} is not a whole number") from exc
    gc_arr = np.array(gc, dtype=float)
    return Pon(targets=targets, median_depth=np.array(depth, dtype=float),
               median_norm=np.array(med, dtype=float), mad_log2=np.array(spread, dtype=float),
               usable=np.array(usable, dtype=bool), gc=None if np.all(np.isnan(gc_arr)) else gc_arr,
               build=meta["build"], targets_file=meta["targets_file"],
               targets_sha256=meta["targets_sha256"], intervals_sha256=meta["targets_intervals_sha256"],
               min_mapq=min_mapq, normals=normals, gc_correction=meta["gc_correction"], meta=meta, path=path)


def _num(text: str) -> float:
    return float("nan") if text == "NA" else float(text)


def _parse_normal(value: str, path: str, lineno: int) -> NormalQC:
    fields = {}
    for part in value.split(";"):
        k, sep, v = part.partition("=")
        if not sep:
            raise InputError(f"{path}:{lineno}: ##normal field {shown(part)} is not key=value")
        fields[k] = v
    try:
        filtered = {} if fields.get("filtered", "none") == "none" else {
            k: int(v) for k, v in (p.split(":") for p in fields["filtered"].split(","))}
        return NormalQC(name=fields["name"], file=fields["file"], reads_used=int(fields["reads_used"]),
                        mean_target_depth=float(fields["mean_target_depth"]),
                        targets_covered=float(fields["targets_covered"]),
                        noise_log2=float(fields["noise_log2"]), filtered=filtered)
    except (KeyError, ValueError) as exc:
        raise InputError(f"{path}:{lineno}: ##normal line is incomplete or malformed "
                         f"({shown(exc, 200, bare=True)})") from exc


def check_targets_match(pon: Pon, ts: TargetSet) -> None:
    """The tumour must be counted over the panel's own targets."""
    if ts.intervals_sha256 != pon.intervals_sha256:
        raise InputError(
            f"{ts.path}: these {len(ts)} targets are not the ones the panel of normals {pon.path or ''} "
            f"was built on ({shown(pon.targets_file, bare=True)}, {len(pon.targets)} targets; checksums differ); "
            "use the panel's own targets file or rebuild the panel"
        )
