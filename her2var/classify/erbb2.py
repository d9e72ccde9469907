"""Decisions on named events and on samples: an ERBB2 event's class and hotspot flag, whether
exon 20 was assessed, and what the copy-number sources say. (The quality filter of a variant's
support is rules/quality.py, shared with the BAM scan.)

Kept apart from the reading (classify, bam) so every input path decides the same way.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..genome.intervals import covered_fraction
from ..genome.naming import Naming
from ..genome.transcript import TranscriptModel, exon20_span
from ..models import Call, CopyNumber
from ..rules.load import GeneRules, Rules

if TYPE_CHECKING:
    from .result import SampleResult


def erbb2_class(n: Naming, gene: GeneRules) -> str:
    """The class of one named ERBB2 event, from its location and effect on the transcript:
    "exon20_insertion" (an in-frame gain whose coding bases lie wholly inside the rules' insertion
    region), "point_mutation" (missense), "inframe_deletion", or "other" (non-coding, frameshift,
    nonsense, start/stop changes, a REF that does not match the reference, anything else)."""
    if n.location != "coding":
        return "other"
    gain = n.dna_delta > 0 and n.dna_delta % 3 == 0
    if n.effect in ("frameshift", "nonsense", "stop_gained", "stop_lost", "start_lost", "reference_mismatch"):
        return "other"
    if (gain and n.effect in ("inframe_insertion", "")) or (gain and n.unknown_reason):
        for first_codon, last_codon in gene.insertion_regions.values():
            lo, hi = 3 * first_codon - 2, 3 * last_codon
            if n.c_start is not None and n.c_end is not None and lo <= n.c_start and n.c_end <= hi:
                return "exon20_insertion"
        return "other"
    if n.effect in ("missense", "substitution"):
        return "point_mutation"
    if n.effect == "inframe_deletion" or (n.dna_delta < 0 and n.dna_delta % 3 == 0):
        return "inframe_deletion"
    return "other"



def is_hotspot(n: Naming, gene: GeneRules) -> bool:
    """Whether the event is a recurrent one: a missense at a hotspot residue of the rules, or a
    protein change (or a published alias of it) in the rules' recurrent list."""
    if n.effect in ("missense", "substitution") and n.first_residue is not None:
        return n.first_residue in gene.hotspots
    return bool(n.hgvs_p) and (n.hgvs_p in gene.recurrent or n.hgvs_p in gene.aliases)



def assess_coverage(res: SampleResult, cov: list[tuple[int, int, int]], model: TranscriptModel,
            rules: Rules, *, gvcf: bool, hotspot_style: bool) -> None:
    """Whether ERBB2 exon 20 was covered well enough for absence to mean wild type."""
    t = rules.thresholds
    lo, hi = exon20_span(model)
    total = hi - lo + 1
    in_exon = [(max(s, lo), min(e, hi), d) for s, e, d in cov if e >= lo and s <= hi]
    if gvcf:
        covered: set[int] = set()
        for s, e, d in in_exon:
            if d >= t.min_coverage_depth:
                covered.update(range(s, e + 1))
        frac = len(covered) / total
        figure = f"{frac:.0%} of exon 20 coding bases at >= {t.min_coverage_depth}x (gVCF blocks)"
        res.assessed = "yes" if frac >= t.min_exon20_covered_fraction else "no"
        res.assessed_reasons.append(figure)
        return
    if hotspot_style:
        good = sum(1 for _, _, d in in_exon if d >= t.min_coverage_depth)
        if not in_exon:
            res.assessed = "no"
            res.assessed_reasons.append("hotspot-style VCF with no rows in ERBB2 exon 20 (not in the panel?)")
        elif good:
            res.assessed = "yes"
            res.assessed_reasons.append(f"{good} of {len(in_exon)} exon 20 rows at >= {t.min_coverage_depth}x")
        else:
            res.assessed = "no"
            res.assessed_reasons.append(f"all {len(in_exon)} exon 20 rows below {t.min_coverage_depth}x")
        return
    res.assessed = "unknown"
    res.assessed_reasons.append("variant-only VCF: no coverage evidence, absence of a call is not wild type")



def assess_by_design(res: SampleResult, bed, model: TranscriptModel, rules: Rules, path: str) -> None:
    """``assessed`` from the panel's targets: "no" when exon 20's coding bases are less than the
    rules' covered fraction inside the BED; "yes" (by design, coverage not measured) when they are
    and nothing else decided it."""
    lo, hi = exon20_span(model)
    frac = covered_fraction(bed, model.chrom, lo, hi)
    if frac < rules.thresholds.min_exon20_covered_fraction:
        res.assessed = "no"
        res.assessed_reasons.append(f"exon 20 is {frac:.0%} inside the panel targets ({os.path.basename(path)})")
    elif res.assessed == "unknown":
        res.assessed = "yes"
        res.assessed_reasons.append(
            f"exon 20 is {frac:.0%} inside the panel targets ({os.path.basename(path)}); "
            "by design, coverage not measured")



# CopyNumber.source_field of a source's discrete level (cBioPortal and GENIE copy-number matrices: -2 .. 2),
# whose cn is None: the level is the source's own call, not a copy number. Its caller_call says what the
# level means; this one is an amplification.
DISCRETE = "discrete"
DISCRETE_AMPLIFICATION = "high-level amplification"


def decide_copy_number(res: SampleResult, cns: list[CopyNumber], rules: Rules, build: str) -> None:
    """Amplification calls and ``cn_assessed`` from every copy-number source of the sample: a source
    "too noisy to call" is recorded but never called; each remaining source with CN strictly above
    ``amplification_cn`` becomes an amplification call (with its interval and the caller's own
    call); a caller's amplification at CN not above the threshold, and sources that disagree, are noted.
    A discrete level (DISCRETE: no copy number) is an amplification call only where the source itself
    calls it one, without a copy number: the threshold is never applied to a level."""
    threshold = rules.thresholds.amplification_cn
    res.copy_numbers = cns
    if not cns:
        res.cn_assessed = "no"
        return
    callable_ = [c for c in cns if c.qc.get("verdict") != "too noisy to call"]
    for c in cns:
        if c not in callable_:
            res.assessed_reasons.append(f"{c.source_caller} copy number too noisy to call ({'; '.join(c.notes)})")
    if not callable_:
        res.cn_assessed = "no"
        res.copy_numbers = cns
        return
    cns = callable_
    res.cn_assessed = "yes"
    primary = cns[0]
    res.copy_number = primary.cn
    res.cn_source = f"{primary.source_caller}:{primary.source_field}"
    for cn in cns:
        if cn.cn is None and cn.source_field == DISCRETE:
            if cn.caller_call == DISCRETE_AMPLIFICATION:
                res.calls.append(_discrete_call(res, cn, build))
            continue
        if cn.cn is None or cn.cn <= threshold:
            if cn.caller_call.lower() in ("amplification", "amp", "gain", "<dup>", "+") and cn.cn is not None:
                msg = f"{cn.source_caller} calls {cn.caller_call}, but CN {cn.cn:.2f} is not > {threshold:g}"
                cn.notes.append(msg)
                res.assessed_reasons.append(msg)
            continue
        call = Call(
            sample=res.sample, gene=cn.gene, klass="amplification", chrom=cn.chrom, pos=cn.start,
            copy_number=round(cn.cn, 3), source=cn.source_caller, cn_ci_low=cn.cn_ci_low,
            cn_ci_high=cn.cn_ci_high, cn_kind=cn.source_field, caller_call=cn.caller_call,
            filter=cn.filter, build=build, input=cn.path or res.input,
        )
        call.notes.append(f"CN {cn.cn:.2f} > {threshold:g} ({cn.source_field} {cn.raw_value:g}"
                          + (f", purity {cn.purity_used:g}" if cn.purity_used is not None else "") + ")")
        if cn.cn_ci_low is not None and cn.cn_ci_low <= threshold:
            call.notes.append(f"lower CI bound {cn.cn_ci_low:.2f} is not above {threshold:g}")
        call.notes.extend(cn.notes)
        res.calls.append(call)
    values = {round(c.cn, 2) for c in cns if c.cn is not None}
    if len(cns) > 1 and len({_amplified(c, threshold) for c in cns}) > 1:
        levels = [f"{c.source_caller} {c.source_field} {c.raw_value:g}" for c in cns if c.source_field == DISCRETE]
        res.assessed_reasons.append(f"copy-number sources disagree about amplification: {sorted(values)}"
                                    + (f" and {', '.join(levels)}" if levels else ""))


def _amplified(cn: CopyNumber, threshold: float) -> bool:
    if cn.cn is None and cn.source_field == DISCRETE:
        return cn.caller_call == DISCRETE_AMPLIFICATION
    return cn.cn is not None and cn.cn > threshold


def _discrete_call(res: SampleResult, cn: CopyNumber, build: str) -> Call:
    """An amplification as the source's own discrete level calls it (a cBioPortal or GENIE copy-number
    matrix): no copy number, the level and what it means kept (cn.notes say whose call it is)."""
    call = Call(sample=res.sample, gene=cn.gene, klass="amplification", chrom=cn.chrom, pos=cn.start,
                source=cn.source_caller, cn_kind=cn.source_field, caller_call=f"{cn.raw_value:g} ({cn.caller_call})",
                filter=cn.filter, build=build, input=cn.path or res.input)
    call.notes.extend(cn.notes)
    return call
