"""The variant stage: one VCF (and copy-number input) in, one result per tumour sample out.

Order of work per file: header -> build -> the ERBB2 region's records (index jump when there is
an index) -> per sample: genotype and read support -> name each allele on NM_004448.4 ->
decide its class -> quality filters -> coverage evidence -> copy number -> sample status.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os

from .. import __version__
from ..copynumber.read import copy_number_from_vcf, is_cnv_record, read_copy_number_file
from ..errors import InputError, shown
from ..fusions.from_vcf import fusions_from_vcf, is_fusion_record
from ..fusions.model import fusion_to_call, merge_fusions
from ..fusions.tables import read_fusion_file
from ..genome.builds import contig_names, detect_build
from ..genome.intervals import read_bed
from ..genome.naming import Naming, describe
from ..genome.transcript import (
    ChainSequence,
    FastaSequence,
    PieceSequence,
    SequenceSource,
    TranscriptModel,
    WindowSequence,
)
from ..models import Call, CopyNumber, Record, Region, VcfHeader
from ..rules.fusions import fusion_regions
from ..rules.load import GeneRules, Rules
from ..rules.quality import quality_reason
from ..vcf.annotations import annotations as vcf_annotations
from ..vcf.annotations import pick_transcript, protein_to_one_letter
from ..vcf.callers import detect_caller, is_gvcf, tumor_normal
from ..vcf.reader import VcfReader, validate
from ..vcf.support import (
    allele_support,
    genotype,
    has_alt_support,
    is_reference_block,
    real_alts,
    site_depth,
)
from .calls import named_call
from .codrivers import codriver_summary, driver_class, driver_group, reportable
from .erbb2 import (
    assess_by_design,
    assess_coverage,
    decide_copy_number,
    erbb2_class,
)
from .result import ClassifyOptions, SampleResult

log = logging.getLogger(__name__)

SPLICE_PAD = 10  # bases of intron read around each exon, for splice-site changes
HOTSPOT_PANEL_MIN_ROWS = 20  # reference-genotype rows in ERBB2 that mark a write-every-site panel VCF


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def gene_region(model: TranscriptModel, chrom: str) -> Region:
    lo, hi = model.span
    return Region(chrom, lo - SPLICE_PAD, hi + SPLICE_PAD, model.gene.symbol)


def sequence_source(model: TranscriptModel, fasta: FastaSequence | None) -> SequenceSource:
    """The FASTA when given; else the rules' reference windows and coding pieces."""
    if fasta is not None:
        return fasta
    return ChainSequence(WindowSequence(model.windows, model.chrom), PieceSequence(model))


def exon_regions(model: TranscriptModel, chrom: str) -> list[Region]:
    """A partial model's placed exons with their flanks (the only bases it can speak for)."""
    pad = model.gene.flank
    return [Region(chrom, s - pad, e + pad, model.gene.symbol) for s, e in model.exons]


def check_reference_build(fa: FastaSequence, model: TranscriptModel, rules: Rules) -> None:
    """A FASTA of the other build would name every variant wrongly: check chr17's length."""
    length = fa.contig_length(model.chrom)
    expected = rules.builds[model.build].contig_lengths.get(model.chrom)
    if length is None:
        raise InputError(f"{fa.path}: no chromosome {model.chrom} (or chr{model.chrom}) in the --reference FASTA")
    if expected and length != expected:
        other = [b.name for b in rules.builds.values() if b.contig_lengths.get(model.chrom) == length]
        hint = f" (that is {other[0]})" if other else ""
        raise InputError(
            f"{fa.path}: chromosome {model.chrom} is {length} bp{hint}, but the VCF is on "
            f"{model.build} ({expected} bp)"
        )


def choose_samples(header: VcfHeader, wanted: str | None, path: str) -> list[tuple[int, str]]:
    """Tumour samples to report: --sample, else the header's tumour, else every sample."""
    samples = header.samples
    if not samples:
        name = os.path.basename(path)
        for ext in (".gz", ".bgz", ".vcf", ".bcf", ".gvcf", ".g"):
            name = name.removesuffix(ext)
        return [(-1, name)]
    if wanted is not None:
        if wanted not in samples:
            raise InputError(f"{path}: sample {shown(wanted)} not found; "
                             f"the file has: {shown(', '.join(samples), 200, bare=True)}")
        return [(samples.index(wanted), wanted)]
    tumour, normal = tumor_normal(header)
    if tumour and tumour in samples:
        return [(samples.index(tumour), tumour)]
    return [(i, s) for i, s in enumerate(samples) if s != normal]


def classify_vcf(path: str, rules: Rules, opts: ClassifyOptions) -> list[SampleResult]:
    """Classify every tumour sample of one VCF/BCF file."""
    reader = VcfReader(path)
    header = reader.header
    build, evidence = detect_build(header, rules, opts.build)
    gene = rules.index_gene
    model = TranscriptModel(gene, build)
    fasta = FastaSequence(opts.reference) if opts.reference else None
    if fasta is not None:
        check_reference_build(fasta, model, rules)
    seq = sequence_source(model, fasta)
    names = contig_names(header, model.chrom)
    regions = [gene_region(model, c) for c in names]
    codrivers = [(TranscriptModel(g, build), g) for g in rules.genes.values()
                 if g.role == "codriver" and build in g.builds]
    cd_seq = {m.gene.symbol: sequence_source(m, fasta) for m, _ in codrivers}
    cd_regions = [(m, r) for m, _ in codrivers for c in contig_names(header, m.chrom) for r in exon_regions(m, c)]
    frules = rules.fusions
    fregions = fusion_regions(frules, build, lambda c: contig_names(header, c)) if frules else []
    fusion_records: list[Record] = []
    caller = detect_caller(header)
    gvcf = is_gvcf(header)
    wanted = opts.sample
    if wanted is None and opts.sample_id and opts.sample_id in header.samples:
        wanted = opts.sample_id
    samples = choose_samples(header, wanted, path)
    if opts.sample_id and len(samples) == 1:
        samples = [(samples[0][0], opts.sample_id)]
    elif opts.sample_id:
        raise InputError(
            f"{path}: the samples sheet names sample {shown(opts.sample_id)}, but the file has "
            f"{len(samples)} tumour samples ({shown(', '.join(s for _, s in samples), 200, bare=True)}); "
            "name one of them"
        )
    digest = sha256_file(path)
    results = {
        s: SampleResult(sample=s, patient=opts.patient, build=build, build_evidence=evidence,
                        caller=caller, input=path, input_sha256=digest, reference=seq.label,
                        rules_checksum=rules.checksum)
        for _, s in samples
    }
    bed = read_bed(opts.targets) if opts.targets else None
    coverage: dict[str, list[tuple[int, int, int]]] = {s: [] for _, s in samples}
    cnv_records: list[Record] = []
    hotspot_rows = 0
    for rec in reader.records(regions + [r for _, r in cd_regions] + fregions):
        validate(rec, header)
        for r in results.values():
            r.records_in_regions += 1
        if frules is not None and is_fusion_record(header, rec):
            fusion_records.append(rec)
            continue
        if is_cnv_record(header, rec):
            cnv_records.append(rec)
            continue
        in_erbb2 = any(r.chrom == rec.chrom and rec.pos <= r.end and rec.end >= r.start for r in regions)
        in_codriver = any(r.chrom == rec.chrom and rec.pos <= r.end and rec.end >= r.start for _, r in cd_regions)
        if not in_erbb2 and not in_codriver:
            continue  # read only for fusions (e.g. Ion expression controls in the kinase genes)
        if not in_erbb2:
            _codriver_record(rec, header, samples, results, cd_regions, cd_seq, rules, build)
            continue
        _check_ref(rec, seq, model, build)
        if is_reference_block(rec):
            for idx, s in samples:
                depth = _depth(header, rec, idx)
                coverage[s].append((rec.pos, rec.end, depth if depth is not None else -1))
            continue
        for idx, s in samples:
            res = results[s]
            gt = genotype(rec, idx) if idx >= 0 else []
            depth_here = _depth(header, rec, idx)
            if depth_here is not None:
                coverage[s].append((rec.pos, rec.pos + len(rec.ref) - 1, depth_here))
            for allele_idx, allele in real_alts(rec):
                sup = allele_support(header, rec, idx, allele_idx) if idx >= 0 else None
                carried = allele_idx in gt
                has_reads = sup is not None and has_alt_support(sup)
                if idx >= 0 and not carried and not has_reads:
                    res.dropped["reference_genotype"] += 1
                    hotspot_rows += 1
                    continue
                call = _call_for(rec, header, allele, sup, gt, res, model, seq, gene, rules)
                if call is not None:
                    res.calls.append(call)
    for idx, s in samples:
        res = results[s]
        _dedupe(res)
        # Reference-genotype rows mean panel coverage only where the caller writes every
        # hotspot site (Ion); a merged multi-sample file has them only where another sample varied.
        assess_coverage(res, coverage[s], model, rules, gvcf=gvcf,
                hotspot_style=caller == "ion" or hotspot_rows >= HOTSPOT_PANEL_MIN_ROWS)
        if bed is not None and opts.targets and not opts.bam:  # bed is read from opts.targets
            assess_by_design(res, bed, model, rules, opts.targets)
        cns = copy_number_from_vcf(header, cnv_records, sample_index=max(idx, 0), sample=s,
                                   genes={gene.symbol: regions[0]} if regions else {}, purity=opts.purity)
        if opts.cnv:
            cns = read_copy_number_file(opts.cnv, sample=s, genes={gene.symbol: regions[0]},
                                        purity=opts.purity, build=build, builds=rules.builds) + cns
        if opts.bam:
            cns = _bam_into(res, opts, rules, build) + cns
        decide_copy_number(res, cns, rules, build)
        if frules is not None:
            fs = fusions_from_vcf(header, fusion_records, sample_index=max(idx, 0), sample=s, build=build,
                                  rules=frules, dropped=res.dropped, regions_read=regions + fregions)
            if opts.fusions:
                fs += read_fusion_file(opts.fusions, sample=s, build=build, rules=frules, dropped=res.dropped)
            res.calls += [fusion_to_call(f, build=build, input=res.input) for f in merge_fusions(fs, res.dropped)]
        res.codrivers = codriver_summary(res.calls, gene.symbol)
        res.driver_group = driver_group(res.calls, rules.driver_groups)
    return list(results.values())


def _codriver_record(rec: Record, header: VcfHeader, samples, results, cd_regions, cd_seq,
                     rules: Rules, build: str) -> None:
    """Name and classify a record in a co-driver gene's placed exons, for every sample."""
    hits = [m for m, r in cd_regions if r.chrom == rec.chrom and rec.pos <= r.end and rec.end >= r.start]
    for m in dict.fromkeys(hits):
        seq = cd_seq[m.gene.symbol]
        _check_ref(rec, seq, m, build)
        if is_reference_block(rec):
            continue
        for idx, s in samples:
            res = results[s]
            gt = genotype(rec, idx) if idx >= 0 else []
            for allele_idx, allele in real_alts(rec):
                sup = allele_support(header, rec, idx, allele_idx) if idx >= 0 else None
                has_reads = sup is not None and has_alt_support(sup)
                if idx >= 0 and allele_idx not in gt and not has_reads:
                    continue
                n = describe(m, seq, rec.pos, rec.ref, allele)
                if not reportable(n, m.gene):
                    res.dropped[f"{m.gene.symbol.lower()}_not_coding_or_synonymous"] += 1
                    continue
                reason = quality_reason(rules.thresholds, sup, rec.filters)
                if reason:
                    res.dropped[f"{m.gene.symbol.lower()}_{reason}"] += 1
                    continue
                klass, rule = driver_class(n, m.gene)
                call = _base_call(res, m.gene, klass, n, rec, allele, sup, gt)
                if rule:
                    call.notes.append(rule)
                if n.unknown_reason:
                    call.notes.append(f"protein name unknown: {n.unknown_reason}")
                if n.location in ("splice_site", "splice_region", "intronic"):
                    call.notes.append(n.location.replace("_", " "))
                _compare_annotation(call, header, rec, allele, m.gene)
                res.calls.append(call)


def _base_call(res: SampleResult, gene: GeneRules, klass: str, n: Naming, rec: Record, allele: str,
               sup, gt: list[int | None]) -> Call:
    return named_call(
        res.sample, gene, klass, n, chrom=rec.chrom, pos=rec.pos, ref=rec.ref, alt=allele, source="vcf",
        build=res.build, input=res.input, depth=sup.depth if sup else None,
        alt_reads=sup.alt_reads if sup else None, vaf=sup.vaf if sup else None,
        vaf_method=sup.method if sup else "none", filter=";".join(rec.filters) or ".",
        genotype="/".join("." if a is None else str(a) for a in gt),
    )


def _bam_into(res: SampleResult, opts: ClassifyOptions, rules: Rules, build: str | None,
              *, has_vcf: bool = True) -> list[CopyNumber]:
    """Read the tumour BAM: coverage decides `assessed`, insertions in reads are compared with
    the VCF's, and the BAM's copy number joins the other sources."""
    from ..bam.evidence import bam_evidence
    from .from_reads import merge_into

    assert opts.bam is not None  # called only when a BAM is given
    ev = bam_evidence(opts.bam, rules=rules, build=build, pon_path=opts.pon, targets_path=opts.targets,
                      purity=opts.purity, reference=opts.reference, sample=res.sample,
                      build_index=opts.build_index,
                      vcf_events=[(c.pos, c.ref, c.alt) for c in res.calls
                                  if c.klass == "exon20_insertion" and c.pos is not None])
    merge_into(res, ev, rules, has_vcf=has_vcf)
    res.bam = ev.as_dict()
    return [ev.copy_number] if ev.copy_number is not None else []


def classify_bam(path: str, rules: Rules, opts: ClassifyOptions) -> list[SampleResult]:
    """A BAM/CRAM without a VCF: copy number, exon 20 coverage and insertions from the reads."""
    from ..bam.evidence import bam_evidence
    from .from_reads import merge_into

    ev = bam_evidence(path, rules=rules, build=opts.build, pon_path=opts.pon, targets_path=opts.targets,
                      purity=opts.purity, reference=opts.reference, sample=opts.sample_id or opts.sample,
                      build_index=opts.build_index)
    res = SampleResult(sample=ev.sample, patient=opts.patient, caller="bam", input=path,
                       input_sha256=sha256_file(path), reference=opts.reference or "rules windows",
                       rules_checksum=rules.checksum, build=ev.build, build_evidence=ev.build_evidence)
    merge_into(res, ev, rules, has_vcf=False)
    res.bam = ev.as_dict()
    decide_copy_number(res, [ev.copy_number] if ev.copy_number is not None else [], rules, ev.build)
    res.codrivers = codriver_summary(res.calls, rules.index_gene.symbol)
    res.driver_group = driver_group(res.calls, rules.driver_groups)
    return [res]


def _depth(header: VcfHeader, rec: Record, idx: int) -> int | None:
    if idx >= 0:
        return site_depth(header, rec, idx)
    raw = rec.info.get("DP")  # a sites-only VCF
    try:
        return int(float(raw)) if raw not in (None, ".") else None
    except ValueError as exc:
        raise InputError(f"{rec.where}: INFO/DP {shown(raw)} is not a number") from exc


def _check_ref(rec: Record, seq: SequenceSource, model: TranscriptModel, build: str) -> None:
    ref = rec.ref
    if not ref or set(ref) - set("ACGT"):
        return
    bases = seq.fetch(rec.chrom, rec.pos, rec.pos + len(ref) - 1)
    if bases is not None and "N" not in bases and bases != ref:
        raise InputError(
            f"{rec.where}: REF {shown(ref, bare=True)} does not match the {build} reference "
            f"({shown(bases, bare=True)}) at {shown(rec.chrom, bare=True)}:{rec.pos}; is the file on another genome "
            "build? (give --build, or check --reference)"
        )


def _call_for(rec: Record, header: VcfHeader, allele: str, sup, gt: list[int | None],
              res: SampleResult, model: TranscriptModel, seq: SequenceSource,
              gene: GeneRules, rules: Rules) -> Call | None:
    """Name and classify one allele; None (with the reason counted) when it is not reported."""
    n = describe(model, seq, rec.pos, rec.ref, allele)
    if n.location in ("intronic", "utr5", "utr3", "upstream", "downstream", "none"):
        res.dropped[n.location if n.location != "none" else "no_change"] += 1
        return None
    if n.effect == "synonymous":
        res.dropped["synonymous"] += 1
        return None
    if n.hgvs_p and n.hgvs_p in gene.polymorphisms:
        res.dropped["germline_polymorphism"] += 1
        return None
    reason = quality_reason(rules.thresholds, sup, rec.filters)
    if reason:
        res.dropped[reason] += 1
        return None
    klass = erbb2_class(n, gene)
    call = _base_call(res, gene, klass, n, rec, allele, sup, gt)
    if n.hgvs_p:
        call.aliases = list(gene.aliases.get(n.hgvs_p, ()))
    written = shown(f"{rec.chrom}:{rec.pos}:{rec.ref}>{allele}", bare=True)
    if n.placement and n.placement[0] != rec.pos:
        call.notes.append(f"written as {written}")
    if n.unknown_reason:
        call.notes.append(f"protein name unknown: {n.unknown_reason}")
    if n.location in ("splice_site", "splice_region"):
        call.notes.append(n.location.replace("_", " "))
    if n.effect and klass == "other":
        call.notes.append(n.effect.replace("_", " "))
    call.notes.extend(x for x in n.notes if not x.startswith("can slide"))
    if sup is not None and sup.caller_af is not None:
        call.notes.append(f"caller AF {sup.caller_af:g}")
    _compare_annotation(call, header, rec, allele, gene)
    return call


def _compare_annotation(call: Call, header: VcfHeader, rec: Record, allele: str, gene: GeneRules) -> None:
    anns = vcf_annotations(header, rec, allele)
    ann = pick_transcript(anns, gene.symbol, (gene.transcript, *gene.transcript_aliases))
    if ann is None or not ann.hgvs_p:
        return
    theirs = protein_to_one_letter(ann.hgvs_p).replace("(", "").replace(")", "")
    call.annotation = f"{ann.source}:{theirs}"
    if not call.hgvs_p:
        call.annotation_agrees = "unknown"
    elif theirs == call.hgvs_p:
        call.annotation_agrees = "yes"
    elif theirs.removeprefix("p.") in gene.aliases.get(call.hgvs_p, ()):
        call.annotation_agrees = "alias"
    else:
        call.annotation_agrees = "no"
        call.notes.append(f"{ann.source} names it {shown(theirs, bare=True)}")
    if theirs != call.hgvs_p and theirs.removeprefix("p.") not in call.aliases:
        call.aliases.append(theirs.removeprefix("p."))


def _dedupe(res: SampleResult) -> None:
    """One row per event: several records naming the same change keep the best supported."""
    best: dict[tuple[str, str], Call] = {}
    order = []
    for c in res.calls:
        key = (c.gene, c.hgvs_p or c.hgvs_c or f"{c.chrom}:{c.pos}:{c.ref}>{c.alt}")
        if key not in best:
            best[key] = c
            order.append(key)
            continue
        keep, other = (best[key], c) if (best[key].alt_reads or 0) >= (c.alt_reads or 0) else (c, best[key])
        keep.notes.append("also written as " + shown(f"{other.chrom}:{other.pos}:{other.ref}>{other.alt}", bare=True))
        best[key] = keep
        res.dropped["duplicate_of_another_record"] += 1
    res.calls = [best[k] for k in order]


def provenance(rules: Rules, reference: str | None) -> dict[str, object]:
    return {"her2var_version": __version__, "rules_checksum": rules.checksum,
            "thresholds": dataclasses.asdict(rules.thresholds),
            "rules_sources": [os.path.basename(s) for s in rules.sources],
            "reference": reference or "rules windows"}
