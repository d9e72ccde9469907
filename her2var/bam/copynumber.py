"""A tumour's target depth against the panel of normals: ERBB2 copy number per exon and for the gene.

The seed study's method, step by step (all on log2 scale):

1. normalised depth n_t = mean depth of target t / the sample's mean depth over all targets;
2. ratio r_t = n_t / median of n_t across the normals (the panel);
3. optional GC correction: a robust quadratic of log2 r_t in GC, fitted on the targets outside
   ERBB2, is removed when that lowers the noise (per-sample GC bias is not in the panel);
4. re-centring: r_t is divided by its median over usable targets outside ERBB2, so an
   amplification (here or elsewhere) does not pull the sample's total coverage, and with it every
   ratio, down; the shift is reported;
5. exon ratio = length-weighted mean of r_t over the targets overlapping the exon;
   gene ratio R = median over measured exons (robust to one odd exon);
6. CN = (2·R − 2·(1−p))/p for purity p (normal cells diploid), the same algebra as every other
   copy-number source (``cn_common``).

Interval: per target noise σ_t = sqrt(tumour counting noise + panel noise·(1 + π/2N)), with the
panel noise 1.4826·MAD across the N normals; per exon the weighted combination; for the gene
σ = max(spread across exons (1.4826·MAD), the expected exon noise), standard error of a median
sqrt(π/2)·σ/sqrt(exons), plus the uncertainty of the re-centring; 95% = ±1.96·SE, carried through
the purity formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..contigs import contig_key
from ..copynumber.common import fold_change_to_cn
from ..errors import InputError
from ..genome.bed import Target
from ..genome.transcript import TranscriptModel
from ..rules.load import Thresholds
from .coverage import Coverage

Z95 = 1.959964
MAD_SCALE = 1.4826
MEDIAN_EFFICIENCY = math.sqrt(math.pi / 2)  # SE of a median = this · σ / sqrt(n)
MIN_GC_TARGETS = 20  # fewer usable targets with a GC value: no GC correction


@dataclass
class ExonEstimate:
    exon: int
    start: int  # 1-based inclusive, genomic
    end: int
    targets: int
    mean_depth: float | None
    ratio: float | None
    cn: float | None
    noise_log2: float | None

    def as_dict(self) -> dict[str, object]:
        return {"exon": self.exon, "start": self.start, "end": self.end, "targets": self.targets,
                "mean_depth": _r(self.mean_depth, 2), "ratio": _r(self.ratio, 4),
                "cn": _r(self.cn, 3), "noise_log2": _r(self.noise_log2, 4)}


@dataclass
class GeneEstimate:
    ratio: float | None
    cn: float | None
    ci_low: float | None
    ci_high: float | None
    se_log2: float | None
    exons: list[ExonEstimate]
    n_exons: int
    sample_noise_log2: float | None
    centre_shift_log2: float | None
    gc_corrected: bool
    too_noisy: list[str] = field(default_factory=list)  # reasons; empty when callable
    notes: list[str] = field(default_factory=list)


def _r(x: float | None, nd: int) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def ratio_to_cn(ratio: float, purity: float) -> float:
    """CN = (2·R − 2·(1−p))/p, clipped at 0 (the fold-change algebra of cn_common)."""
    return fold_change_to_cn(ratio, purity)


def mad(x: np.ndarray) -> float:
    """1.4826 · median absolute deviation (a robust standard deviation); nan when empty."""
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan")
    return MAD_SCALE * float(np.median(np.abs(x - np.median(x))))


def neighbour_noise(log2r: np.ndarray) -> float:
    """Target-to-target noise: 1.4826·median |r_t − r_t+1| / √2 (robust to real CN segments)."""
    x = log2r[np.isfinite(log2r)]
    if x.size < 3:
        return float("nan")
    return MAD_SCALE * float(np.median(np.abs(np.diff(x)))) / math.sqrt(2)


def gc_correct(log2r: np.ndarray, gc: np.ndarray, fit: np.ndarray) -> tuple[np.ndarray, bool]:
    """Remove the GC trend of log2 ratios: a quadratic in GC fitted to the `fit` targets (twice,
    the second time without targets beyond 3 robust SDs), subtracted from every target with a GC
    value. Kept only when it lowers the target-to-target noise. Returns (values, corrected)."""
    ok = fit & np.isfinite(log2r) & np.isfinite(gc)
    if int(ok.sum()) < MIN_GC_TARGETS:
        return log2r, False
    x, y = gc[ok], log2r[ok]
    coef = np.polyfit(x, y, 2)
    resid = y - np.polyval(coef, x)
    keep = np.abs(resid - np.median(resid)) <= 3 * max(mad(resid), 1e-9)
    if int(keep.sum()) >= MIN_GC_TARGETS:
        coef = np.polyfit(x[keep], y[keep], 2)
    out = log2r.copy()
    has = np.isfinite(gc)
    out[has] = log2r[has] - np.polyval(coef, gc[has])
    if not neighbour_noise(out[fit]) < neighbour_noise(log2r[fit]):
        return log2r, False
    return out, True


def gene_targets(model: TranscriptModel, targets: list[Target]) -> list[int]:
    """Indices of the targets overlapping the gene's span."""
    key = contig_key(model.chrom)
    lo, hi = model.span[0] - 1, model.span[1]  # 0-based half-open
    return [i for i, t in enumerate(targets) if t.start < hi and t.end > lo and contig_key(t.chrom) == key]


def exon_targets(model: TranscriptModel, targets: list[Target],
                 candidates: list[int] | None = None) -> list[list[tuple[int, int]]]:
    """For each exon (transcript order): (target index, overlapping bases) of targets over it."""
    if candidates is None:
        candidates = gene_targets(model, targets)
    out: list[list[tuple[int, int]]] = []
    for s, e in model.exons:
        lo, hi = s - 1, e  # 0-based half-open
        hits = []
        for i in candidates:
            t = targets[i]
            if t.start < hi and t.end > lo:
                hits.append((i, min(t.end, hi) - max(t.start, lo)))
        out.append(hits)
    return out


def estimate_gene(model: TranscriptModel, targets: list[Target], cov: Coverage, *,
                  median_norm: np.ndarray, mad_log2: np.ndarray, usable: np.ndarray,
                  n_normals: int, gc: np.ndarray | None, purity: float,
                  thresholds: Thresholds, read_span: float, where: str) -> GeneEstimate:
    """ERBB2 copy number of one tumour from its coverage and the panel (module docstring)."""
    total = cov.total_mean_depth
    if total <= 0:
        raise InputError(f"{where}: no reads passing the filters on any target; is this the panel's BAM?")
    norm = cov.mean_depth / total
    usable = usable & (median_norm > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log2r = np.where(usable, np.log2(np.maximum(norm, 1e-6) / np.where(usable, median_norm, 1.0)), np.nan)
    candidates = gene_targets(model, targets)
    per_exon = exon_targets(model, targets, candidates)
    in_gene = np.zeros(len(targets), dtype=bool)
    in_gene[candidates] = True
    reference = usable & ~in_gene
    notes: list[str] = []
    if int(reference.sum()) == 0:
        raise InputError(
            f"{where}: the panel has no usable targets outside {model.gene.symbol}; the sample's "
            "coverage cannot be normalised (the method needs other targets)"
        )
    corrected = False
    if gc is not None:
        log2r, corrected = gc_correct(log2r, gc, reference)
        if not corrected:
            notes.append("GC correction not applied: too few targets with a GC value, or it did not "
                         "lower the target-to-target noise")
    shift = float(np.median(log2r[reference]))
    log2r = log2r - shift
    sample_noise = neighbour_noise(log2r[reference])
    # per-target noise (log2): tumour counting noise + panel noise incl. the panel median's own error
    with np.errstate(divide="ignore", invalid="ignore"):
        count_var = (1 / math.log(2)) ** 2 * read_span / np.maximum(cov.sums, 1)
    panel_var = np.nan_to_num(mad_log2, nan=0.0) ** 2 * (1 + math.pi / (2 * max(n_normals, 1)))
    sigma_t = np.sqrt(count_var + panel_var)
    exons: list[ExonEstimate] = []
    for number, ((s, e), hits) in enumerate(zip(model.exons, per_exon, strict=True), start=1):
        idx = [i for i, _ in hits]
        if not idx:
            exons.append(ExonEstimate(number, s, e, 0, None, None, None, None))
            continue
        depth = float(cov.sums[idx].sum() / cov.lengths[idx].sum())
        good = [(i, w) for i, w in hits if np.isfinite(log2r[i])]
        if not good:
            exons.append(ExonEstimate(number, s, e, len(idx), depth, None, None, None))
            continue
        w = np.array([w for _, w in good], dtype=float)
        ii = [i for i, _ in good]
        val = float(np.sum(w * log2r[ii]) / w.sum())
        noise = float(math.sqrt(np.sum(w ** 2 * sigma_t[ii] ** 2)) / w.sum())
        ratio = 2.0 ** val
        exons.append(ExonEstimate(number, s, e, len(idx), depth, ratio, ratio_to_cn(ratio, purity), noise))
    measured = [x for x in exons if x.ratio is not None]
    est = GeneEstimate(ratio=None, cn=None, ci_low=None, ci_high=None, se_log2=None, exons=exons,
                       n_exons=len(measured), sample_noise_log2=_r(sample_noise, 4),
                       centre_shift_log2=round(shift, 4), gc_corrected=corrected, notes=notes)
    if not measured:
        est.too_noisy.append(f"no {model.gene.symbol} exon is covered by a usable target of the panel")
        return est
    # ratio and noise are set together (above)
    vals = np.log2([x.ratio for x in measured if x.ratio is not None])
    centre = float(np.median(vals))
    expected = math.sqrt(float(np.mean([x.noise_log2 ** 2 for x in measured if x.noise_log2 is not None])))
    min_exons, max_noise = thresholds.bam_min_cn_exons, thresholds.bam_max_sample_noise
    spread = mad(vals) if len(measured) >= min_exons else float("nan")
    sigma = max(expected, spread) if math.isfinite(spread) else expected
    se = MEDIAN_EFFICIENCY * sigma / math.sqrt(len(measured)) if len(measured) > 1 else sigma
    shift_noise = sample_noise if math.isfinite(sample_noise) else 0.0
    se_shift = MEDIAN_EFFICIENCY * shift_noise / math.sqrt(int(reference.sum()))
    se_total = math.sqrt(se ** 2 + se_shift ** 2)
    est.ratio = 2.0 ** centre
    est.cn = ratio_to_cn(est.ratio, purity)
    est.ci_low = ratio_to_cn(2.0 ** (centre - Z95 * se_total), purity)
    est.ci_high = ratio_to_cn(2.0 ** (centre + Z95 * se_total), purity)
    est.se_log2 = se_total
    if len(measured) < min_exons:
        est.too_noisy.append(f"only {len(measured)} {model.gene.symbol} exon(s) measured (need {min_exons})")
    if est.ci_high - est.ci_low > thresholds.bam_max_ci_width:
        est.too_noisy.append(
            f"95% interval {est.ci_low:.2f}-{est.ci_high:.2f} is wider than {thresholds.bam_max_ci_width:g} copies"
        )
    if math.isfinite(sample_noise) and sample_noise > max_noise:
        est.too_noisy.append(f"target-to-target noise {sample_noise:.2f} log2 exceeds {max_noise:g}")
    return est
