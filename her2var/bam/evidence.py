"""The one entry point classify calls: copy number, exon 20 coverage and insertions from a BAM/CRAM.

``bam_evidence`` opens the file once and returns a ``BamEvidence``; ``merge_into`` applies it to
a classify ``SampleResult`` (assessed from real coverage, read-only insertions as calls, VCF
insertions the reads do not support flagged, the copy-number record added).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..copynumber.common import check_purity, conversion_purity
from ..errors import InputError, shown
from ..genome.transcript import (
    FastaSequence,
    SequenceSource,
    TranscriptModel,
    WindowSequence,
    exon20_span,
)
from ..models import CopyNumber
from ..rules.load import Rules
from .alignments import Alignments, open_alignments
from .coverage import base_depth, target_coverage
from .insertions import ReadInsertion, ReadSupport, scan_exon20

log = logging.getLogger(__name__)

TOO_NOISY = "too noisy to call"


@dataclass
class BamEvidence:
    copy_number: CopyNumber | None  # gene level, source_caller="bam"; notes say when too noisy
    exons: list[dict]  # per exon {exon, start, end, targets, mean_depth, ratio, cn, noise_log2}
    exon20_covered_fraction: float
    exon20_min_depth: int  # the rule's minimum depth used
    insertions: list[ReadInsertion]
    qc: dict[str, object]
    assessed: str = "no"  # yes / no, from exon 20 coverage
    assessed_reason: str = ""
    vcf_support: dict[tuple[int, str, str], ReadSupport] = field(default_factory=dict)
    build: str = ""
    build_evidence: str = ""
    chrom: str = ""  # the file's name of the gene's chromosome
    sample: str = ""
    path: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def too_noisy(self) -> bool:
        return self.copy_number is not None and self.copy_number.qc.get("verdict") == TOO_NOISY

    def as_dict(self) -> dict[str, object]:
        """What the per-sample JSON shows of the BAM (the copy-number record goes with the others)."""
        return {
            "path": self.path, "sample": self.sample, "build": self.build, "build_evidence": self.build_evidence,
            "assessed": self.assessed, "assessed_reason": self.assessed_reason,
            "exon20_covered_fraction": self.exon20_covered_fraction, "exon20_min_depth": self.exon20_min_depth,
            "copy_number": None if self.copy_number is None else {
                "cn": self.copy_number.cn, "cn_ci_low": self.copy_number.cn_ci_low,
                "cn_ci_high": self.copy_number.cn_ci_high, "ratio": self.copy_number.raw_value,
                "purity_used": self.copy_number.purity_used, "verdict": self.copy_number.qc.get("verdict"),
                "notes": list(self.copy_number.notes)},
            "exons": self.exons,
            "insertions": [i.as_dict() for i in self.insertions],
            "vcf_support": [{"pos": p, "ref": r, "alt": a, "alt_reads": s.alt_reads, "depth": s.depth,
                             "vaf": None if s.vaf is None else round(s.vaf, 4)}
                            for (p, r, a), s in sorted(self.vcf_support.items())],
            "qc": self.qc, "notes": list(self.notes),
        }


def bam_evidence(bam_path: str, *, rules: Rules, build: str | None, pon_path: str | None,
                 targets_path: str | None, purity: float | None, reference: str | None,
                 sample: str | None, vcf_events: Sequence[tuple[int, str, str]] = (),
                 build_index: bool = False, threads: int = 1) -> BamEvidence:
    """Everything her2var reads from one tumour BAM/CRAM (see module docstring).

    ``vcf_events`` are (pos, ref, alt) of the VCF's exon 20 records; their read support comes
    back in ``vcf_support``. ``sample`` None takes the read groups' SM (else the file name).
    """
    from ..genome.bed import read_targets
    from .pon import check_targets_match, read_pon

    purity = check_purity(purity, "--purity")
    t = rules.thresholds
    pon = read_pon(pon_path) if pon_path else None  # fail early, before reading reads
    ts = read_targets(targets_path) if targets_path else None
    if pon is not None and ts is not None:
        check_targets_match(pon, ts)
    if pon is not None and pon.min_mapq != t.min_mapq:
        raise InputError(
            f"{pon_path}: built with reads of MAPQ >= {pon.min_mapq}, but the rules now say "
            f"{t.min_mapq}; the tumour must be counted like the normals (rebuild the panel or use "
            "the same rules)"
        )
    with open_alignments(bam_path, rules, build=build, reference=reference, build_index=build_index,
                         threads=threads, what="--bam") as aln:
        if pon is not None and pon.build != aln.build:
            raise InputError(
                f"{bam_path}: the BAM is on {aln.build} ({aln.build_evidence}), but the panel of "
                f"normals {pon_path} is on {shown(pon.build, bare=True)}; use a panel built on the same build"
            )
        model = TranscriptModel(rules.index_gene, aln.build)
        seq = _sequence(model, reference, rules)
        ev = BamEvidence(copy_number=None, exons=[], exon20_covered_fraction=0.0,
                         exon20_min_depth=t.min_coverage_depth, insertions=[], qc={},
                         build=aln.build, build_evidence=aln.build_evidence, chrom=aln.chrom,
                         sample=sample or aln.sample,
                         path=bam_path, notes=list(aln.notes))
        _exon20_coverage(ev, aln, model, rules)
        scan = scan_exon20(aln, model, seq, min_mapq=t.min_mapq, thresholds=t, known=vcf_events)
        ev.insertions = scan.insertions
        ev.vcf_support = scan.support
        ev.notes += scan.notes
        ev.qc["exon20_reads"] = scan.reads
        if pon is not None:
            _copy_number(ev, aln, model, pon, purity, reference, rules)
        elif ts is not None:
            cov = target_coverage(aln, ts.targets, t.min_mapq)
            ev.exons = _depth_only_exons(model, ts.targets, cov)
            ev.qc.update(_coverage_qc(cov))
            ev.qc["copy_number"] = "not estimated: no --pon (panel of normals)"
        else:
            ev.qc["copy_number"] = "not estimated: no --pon (panel of normals)"
        ev.qc.update({"file_kind": aln.kind, "build": aln.build, "build_evidence": aln.build_evidence,
                      "min_mapq": t.min_mapq, "reference": seq.label})
    log.info("%s: exon 20 assessed %s (%.0f%% >= %dx); %d insertion candidate(s); ERBB2 CN %s",
             bam_path, ev.assessed, 100 * ev.exon20_covered_fraction, t.min_coverage_depth,
             len(ev.insertions), "n/a" if ev.copy_number is None else f"{ev.copy_number.cn:.2f}")
    return ev


def _sequence(model: TranscriptModel, reference: str | None, rules: Rules) -> SequenceSource:
    if not reference:
        return WindowSequence(model.windows, model.chrom)
    fa = FastaSequence(reference)
    length = fa.contig_length(model.chrom)
    expected = rules.builds[model.build].contig_lengths.get(model.chrom)
    if length is None:
        raise InputError(f"{reference}: no chromosome {model.chrom} (or chr{model.chrom}) in the --reference FASTA")
    if expected and length != expected:
        raise InputError(f"{reference}: chromosome {model.chrom} is {length} bp, but the BAM is on "
                         f"{model.build} ({expected} bp); give the reference the reads were aligned to")
    return fa


def _exon20_coverage(ev: BamEvidence, aln: Alignments, model: TranscriptModel, rules: Rules) -> None:
    t = rules.thresholds
    lo, hi = exon20_span(model)
    depth = base_depth(aln, aln.chrom, lo - 1, hi, t.min_mapq)
    frac = float(np.mean(depth >= t.min_coverage_depth)) if depth.size else 0.0
    ev.exon20_covered_fraction = round(frac, 4)
    ev.qc["exon20_median_depth"] = float(np.median(depth)) if depth.size else 0.0
    ev.qc["exon20_min_depth_seen"] = int(depth.min()) if depth.size else 0
    figure = (f"{frac:.0%} of exon 20 coding bases at >= {t.min_coverage_depth}x in the reads "
              f"(median {ev.qc['exon20_median_depth']:g}x; BAM)")
    ev.assessed = "yes" if frac >= t.min_exon20_covered_fraction else "no"
    ev.assessed_reason = figure if ev.assessed == "yes" else (
        f"{figure}; below the rule's {t.min_exon20_covered_fraction:.0%}")


def _coverage_qc(cov: Any) -> dict[str, object]:
    return {"reads_used": cov.reads_used, "reads_filtered": dict(cov.reads_filtered),
            "mean_target_depth": round(cov.total_mean_depth, 2)}


def _depth_only_exons(model: TranscriptModel, targets: list, cov: Any) -> list[dict]:
    from .copynumber import exon_targets

    out = []
    for number, ((s, e), hits) in enumerate(zip(model.exons, exon_targets(model, targets), strict=True), start=1):
        idx = [i for i, _ in hits]
        depth = float(cov.sums[idx].sum() / cov.lengths[idx].sum()) if idx else None
        out.append({"exon": number, "start": s, "end": e, "targets": len(idx),
                    "mean_depth": None if depth is None else round(depth, 2), "ratio": None,
                    "cn": None, "noise_log2": None})
    return out


def _copy_number(ev: BamEvidence, aln: Alignments, model: TranscriptModel, pon: Any,
                 purity: float | None, reference: str | None, rules: Rules) -> None:
    from .copynumber import estimate_gene

    t = rules.thresholds
    cov = target_coverage(aln, pon.targets, t.min_mapq)
    gc = pon.gc
    gc_source = "panel" if gc is not None else ""
    if gc is None and reference:
        from ..genome.bed import gc_fractions

        gc = np.array([np.nan if g is None else g for g in gc_fractions(pon.targets, reference)], dtype=float)
        gc_source = os.path.basename(reference)
    p, purity_notes = conversion_purity(purity)
    est = estimate_gene(model, pon.targets, cov, median_norm=pon.median_norm, mad_log2=pon.mad_log2,
                        usable=pon.usable, n_normals=pon.n_normals, gc=gc, purity=p,
                        thresholds=t, read_span=cov.mean_read_span or 100.0,
                        where=aln.path)
    ev.exons = [x.as_dict() for x in est.exons]
    ev.qc.update(_coverage_qc(cov))
    ev.qc.update({"pon": os.path.basename(pon.path), "pon_normals": pon.n_normals,
                  "sample_noise_log2": est.sample_noise_log2, "centre_shift_log2": est.centre_shift_log2,
                  "gc_corrected": est.gc_corrected, "gc_source": gc_source or "none",
                  "exons_measured": est.n_exons})
    lo, hi = model.span
    gene = model.gene.symbol
    if est.cn is None or est.ratio is None or est.ci_low is None or est.ci_high is None:  # all set together
        ev.qc["copy_number"] = "not estimated: " + "; ".join(est.too_noisy)
        return
    notes = list(purity_notes) + est.notes
    notes.append(f"depth ratio {est.ratio:.3f} (median of {est.n_exons} exons vs {pon.n_normals} normals)"
                 + (f", purity {purity:g}" if purity is not None else ""))
    verdict = "ok"
    if est.too_noisy:
        verdict = TOO_NOISY
        notes.append(f"{TOO_NOISY}: " + "; ".join(est.too_noisy))
    ev.copy_number = CopyNumber(
        sample=ev.sample, gene=gene, chrom=aln.chrom, start=lo, end=hi, source_caller="bam",
        source_field="depth_ratio", raw_value=round(est.ratio, 4), cn=round(est.cn, 3),
        cn_ci_low=round(est.ci_low, 3), cn_ci_high=round(est.ci_high, 3),
        purity_used=p, caller_call="", filter="", path=aln.path, notes=notes,
        qc={"verdict": verdict, "exons_measured": str(est.n_exons),
            "se_log2": f"{est.se_log2:.4f}", "sample_noise_log2": str(est.sample_noise_log2),
            "pon": os.path.basename(pon.path), "pon_normals": str(pon.n_normals),
            "gc_corrected": "yes" if est.gc_corrected else "no"},
    )
