"""Applying BAM/CRAM evidence (her2var.bam.evidence) to a sample's classify result: exon 20
coverage sets ``assessed``, insertions seen only in the reads become calls, VCF insertions the
reads do not carry are flagged."""

from __future__ import annotations

import os

from ..bam.evidence import BamEvidence
from ..models import Call
from ..rules.load import Rules
from ..rules.quality import quality_detail
from .calls import named_call, skipped_event
from .erbb2 import erbb2_class
from .result import SampleResult


def merge_into(res: SampleResult, ev: BamEvidence, rules: Rules, *, has_vcf: bool) -> None:
    """Apply BAM evidence to a classify SampleResult.

    - ``assessed`` and its reason come from the reads' exon 20 coverage;
    - an insertion in the reads with no VCF call of the same name becomes a call (source bam)
      noted "seen in the reads, not in the VCF" (a caller's miss is a finding);
    - a VCF exon 20 insertion the reads do not support is flagged in its notes.

    The copy-number record (``ev.copy_number``) is not touched here: classify's copy-number step
    takes it with the other sources.
    """
    gene = rules.index_gene
    t = rules.thresholds
    res.assessed = ev.assessed
    res.assessed_reasons = [r for r in res.assessed_reasons if not r.startswith("variant-only VCF")]
    res.assessed_reasons.append(ev.assessed_reason)
    by_name: dict[str, Call] = {}
    for c in res.calls:
        if c.klass == "exon20_insertion" or (c.source == "vcf" and c.hgvs_c):
            by_name.setdefault(c.hgvs_c or c.hgvs_p, c)
    supported: set[int] = set()
    for ins in ev.insertions:
        n = ins.naming
        key = n.hgvs_c or n.hgvs_p
        reads = f"reads: {ins.alt_reads}/{ins.depth}" + (f" (VAF {ins.vaf:.3f})" if ins.vaf is not None else "")
        match = by_name.get(key) or next((c for c in res.calls if n.hgvs_p and c.hgvs_p == n.hgvs_p), None)
        if match is not None:
            match.notes.append(f"{reads} support it in {os.path.basename(ev.path)}")
            supported.add(id(match))
            continue
        if ins.filter_reason:
            seen = skipped_event(gene.symbol, n, chrom=ev.chrom, pos=ins.pos, ref=ins.ref, alt=ins.alt,
                                 source="bam", depth=ins.depth, alt_reads=ins.alt_reads,
                                 vaf=None if ins.vaf is None else round(ins.vaf, 4))
            res.skip(seen, f"bam_{ins.filter_reason}", quality_detail(t, ins, (), ins.filter_reason))
            continue
        call = named_call(res.sample, gene, erbb2_class(n, gene), n, chrom=ev.chrom, pos=ins.pos, ref=ins.ref,
                          alt=ins.alt, source="bam", build=ev.build, input=ev.path, depth=ins.depth,
                          alt_reads=ins.alt_reads, vaf=None if ins.vaf is None else round(ins.vaf, 4),
                          vaf_method="reads (junction-balanced)")
        if n.hgvs_p:
            call.aliases = list(gene.aliases.get(n.hgvs_p, ()))
        call.notes.append("seen in the reads, not in the VCF" if has_vcf else "from the reads (no VCF)")
        if ins.soft_clipped_reads:
            call.notes.append(f"{ins.soft_clipped_reads} of {ins.alt_reads} supporting reads soft-clipped")
        call.notes.extend(ins.notes)
        if n.unknown_reason:
            call.notes.append(f"protein name unknown: {n.unknown_reason}")
        res.calls.append(call)
    for c in res.calls:
        if c.source != "vcf" or c.klass != "exon20_insertion" or id(c) in supported:
            continue
        sup = ev.vcf_support.get((c.pos, c.ref, c.alt)) if c.pos is not None else None
        if sup is None:
            c.notes.append("read support not checked (not given to the BAM scan, or its REF does not "
                           "match the reference there)")
        elif sup.alt_reads < t.min_alt_reads:
            c.notes.append(f"not supported by the reads: {sup.alt_reads} of {sup.depth} reads carry it")
        else:
            vaf = f" (VAF {sup.vaf:.3f})" if sup.vaf is not None else ""
            c.notes.append(f"reads: {sup.alt_reads}/{sup.depth}{vaf} support it")
    res.assessed_reasons.extend(ev.notes)
