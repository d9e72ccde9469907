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
from collections import Counter
from collections.abc import Callable
from typing import Any

from .. import __version__
from ..copynumber.read import copy_number_from_vcf, is_cnv_record, read_copy_number_file
from ..errors import Her2varError, InputError, shown
from ..files import input_path
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
    transcript_model,
)
from ..models import Call, CopyNumber, Record, Region, Support, VcfHeader
from ..rules.fusions import fusion_regions
from ..rules.load import GeneRules, Rules
from ..rules.quality import quality_detail, quality_reason
from ..vcf.annotations import Annotation, pick_transcript, protein_to_one_letter
from ..vcf.annotations import annotations as vcf_annotations
from ..vcf.callers import detect_caller, germline_report, has_matched_normal, is_gvcf, normal_samples, tumour_candidates
from ..vcf.reader import VcfReader, validate
from ..vcf.support import (
    allele_support,
    genotype,
    has_alt_support,
    is_reference_block,
    is_reference_row,
    real_alts,
    site_depth,
    unnamed_alts,
)
from .build_check import gene_checks
from .calls import named_call, skipped_event
from .codrivers import codriver_summary, driver_class, driver_group, reportable
from .erbb2 import (
    assess_by_design,
    assess_coverage,
    decide_copy_number,
    erbb2_class,
)
from .result import ClassifyOptions, SampleResult
from .tested import fusion_genes, small_variant_genes, tested_kinds
from .thresholds import record_threshold_set
from .tiers import apply_tiers, policy

log = logging.getLogger(__name__)

SPLICE_PAD = 10  # bases of intron read around each exon, for splice-site changes
HOTSPOT_PANEL_MIN_ROWS = 20  # reference-genotype rows in ERBB2 that mark a write-every-site panel VCF


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(input_path(path, what="an input file"), "rb") as fh:  # a pipe: its copy
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def gene_region(model: TranscriptModel, chrom: str) -> Region:
    lo, hi = model.span
    return Region(chrom, lo - SPLICE_PAD, hi + SPLICE_PAD, model.gene.symbol)


def sequence_source(model: TranscriptModel, fasta: FastaSequence | None) -> SequenceSource:
    """The FASTA first when given (its N bases stay unknown), then the rules' reference windows
    and coding pieces (for what a FASTA lacks, e.g. a contig it does not hold)."""
    rules_bases = (WindowSequence(model.windows, model.chrom), PieceSequence(model))
    if fasta is not None:
        return ChainSequence(fasta, *rules_bases)
    return ChainSequence(*rules_bases)


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
    # A cross-check of the FASTA against the rules' reference bases of the exons (N: unknown).
    for s, e in model.exons:
        mine = WindowSequence(model.windows, model.chrom).fetch(model.chrom, s, e)
        theirs = fa.fetch(model.chrom, s, e)
        if mine is None or theirs is None:
            continue
        differ = [s + i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if b != "N" and a != b]
        if differ:
            raise InputError(
                f"{fa.path}: the bases of {model.gene.symbol} exon {model.exon_label(s)} differ from the "
                f"{model.build} reference at {len(differ)} position(s) (first {model.chrom}:{differ[0]}); "
                "is it another build or a modified reference?"
            )


def choose_samples(header: VcfHeader, wanted: str | None, path: str) -> list[tuple[int, str]]:
    """Tumour samples to report: --sample, else the header's tumour, else every sample."""
    samples = header.samples
    germline = germline_report(header)
    if germline:
        raise InputError(f"{path}: the file holds germline variants, not a tumour's ({germline}); "
                         "give the tumour's VCF")
    if not samples:
        name = os.path.basename(path)
        for ext in (".gz", ".bgz", ".vcf", ".bcf", ".gvcf", ".g"):
            name = name.removesuffix(ext)
        return [(-1, name)]
    # A header that contradicts itself about roles is an error unless the user names the tumour.
    normals = normal_samples(header, lenient=wanted is not None)
    if wanted is not None:
        if wanted not in samples:
            raise InputError(f"{path}: sample {shown(wanted)} not found; "
                             f"the file has: {shown(', '.join(samples), 200, bare=True)}")
        if wanted in normals:
            raise InputError(f"{path}: sample {shown(wanted)} is the normal of this file (its header "
                             "says so); name the tumour sample")
        return [(samples.index(wanted), wanted)]
    tumours = tumour_candidates(header)
    if not tumours:
        raise InputError(f"{path}: no tumour sample: the header says every sample column is a normal "
                         f"({shown(', '.join(normals), 200, bare=True)})")
    column = {s: i for i, s in enumerate(samples)}  # sample names are unique (the header checks)
    return [(column[s], s) for s in tumours]


@dataclasses.dataclass
class VcfSample:
    """What one VCF says of one tumour sample, before the sample's other inputs (copy-number and
    fusion files, the BAM) join it and it is decided (finish_sample). Several VCFs of one tumour
    (Strelka2's SNVs and indels) are merged at this stage (classify/merge.py)."""

    result: SampleResult
    copy_numbers: list[CopyNumber]  # from the VCF's own copy-number records
    fusions: list  # the VCF's fusion records (fusions.model.Fusion), not yet merged with a fusion table
    region: Region  # ERBB2 with its contig as the VCF names it


def classify_vcf(path: str, rules: Rules, opts: ClassifyOptions) -> list[SampleResult]:
    """Classify every tumour sample of one VCF/BCF file."""
    rules = rules.for_sample_type(opts.sample_type)
    return [finish_sample(part, rules, opts) for part in read_vcf(path, rules, opts)]


def read_vcf(path: str, rules: Rules, opts: ClassifyOptions) -> list[VcfSample]:
    """What one VCF/BCF file says of each of its tumour samples (``rules`` already those of the
    sample type: Rules.for_sample_type)."""
    reader = VcfReader(path)
    header = reader.header
    build, evidence = detect_build(header, rules, opts.build)
    gene = rules.index_gene
    model = transcript_model(gene, build)
    fasta = FastaSequence(opts.reference) if opts.reference else None
    if fasta is not None:
        check_reference_build(fasta, model, rules)
    seq = sequence_source(model, fasta)
    names = contig_names(header, model.chrom)
    regions = [gene_region(model, c) for c in names]
    codrivers = [(transcript_model(g, build), g) for g in rules.genes.values()
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
    # a matched normal: germline-like VAFs need no special care
    matched = has_matched_normal(header, lenient=wanted is not None)
    used = fasta.label if fasta is not None else seq.label
    results = {
        s: SampleResult(sample=s, patient=opts.patient, build=build, build_evidence=evidence,
                        caller=caller, input=path, reference=used,
                        rules_checksum=rules.checksum, matched_normal=matched)
        for _, s in samples
    }
    bed = read_bed(opts.targets) if opts.targets else None
    coverage: dict[str, list[tuple[int, int, int]]] = {s: [] for _, s in samples}
    cnv_records: list[Record] = []
    hotspot_rows = 0
    panel_rows = {s: 0 for _, s in samples}  # rows where the sample carries no ALT (hotspot panels)
    claimed = regions + [r for _, r in cd_regions] + fregions
    other_build = gene_checks(
        gene, [m.gene for m, _ in codrivers], build, evidence, lambda c: contig_names(header, c), regions, claimed,
        lambda g: [r for m, r in cd_regions if m.gene is g], SPLICE_PAD)
    for rec in reader.records(claimed + other_build.regions):
        validate(rec, header)
        if other_build.only_elsewhere(rec):
            continue  # read only to check the build
        for r in results.values():
            r.records_in_regions += 1
        if frules is not None and is_fusion_record(header, rec):
            fusion_records.append(rec)
            if gene.symbol not in frules.genes and any(r.chrom == rec.chrom and rec.pos <= r.end
                                                       and rec.end >= r.start for r in regions):
                # a break inside ERBB2 (not a fusion gene of the rules) is no fusion call, and no wild type
                for idx, s in samples:
                    _unnamed_events(rec, header, idx, genotype(rec, idx) if idx >= 0 else [], results[s], model,
                                    rules)
            continue
        if is_cnv_record(header, rec):
            cnv_records.append(rec)
            continue
        in_erbb2 = any(r.chrom == rec.chrom and rec.pos <= r.end and rec.end >= r.start for r in regions)
        in_codriver = any(r.chrom == rec.chrom and rec.pos <= r.end and rec.end >= r.start for _, r in cd_regions)
        if not in_erbb2 and not in_codriver:
            continue  # read only for fusions (e.g. Ion expression controls in the kinase genes)
        if not is_reference_block(rec):
            for idx, s in samples:
                panel_rows[s] += is_reference_row(header, rec, idx)
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
                sup = allele_support(header, rec, idx, allele_idx)  # idx -1: a sites-only file's INFO
                carried = allele_idx in gt
                has_reads = sup is not None and has_alt_support(sup)
                if idx >= 0 and not carried and not has_reads:
                    res.dropped["reference_genotype"] += 1
                    hotspot_rows += 1
                    continue
                call = _call_for(rec, vcf_annotation(header, rec, allele), allele, sup, gt, res, model, seq, gene,
                                 rules)
                if call is not None:
                    res.calls.append(call)
            _unnamed_events(rec, header, idx, gt, res, model, rules)
    other_build.verdict()
    digest = reader.sha256()  # of the bytes read (the file must not have changed meanwhile)
    for r in results.values():
        r.input_sha256 = digest
    tested = tested_kinds(small_variant_genes(header, [m for m, _ in codrivers], bed),
                          fusion_genes(header, fusion_records, frules, table_given=bool(opts.fusions)))
    parts = []
    for idx, s in samples:
        res = results[s]
        res.tested = {k: list(v) for k, v in tested.items()}
        _dedupe(res)
        # Reference-genotype rows mean panel coverage only where the caller writes every
        # hotspot site (Ion: any 0/0 or ./. row in the genes read; an Ion file without one is
        # variant-only); a merged multi-sample file has them only where another sample varied.
        assess_coverage(res, coverage[s], model, rules, gvcf=gvcf,
                hotspot_style=(caller == "ion" and panel_rows[s] > 0) or hotspot_rows >= HOTSPOT_PANEL_MIN_ROWS)
        if bed is not None and opts.targets and not opts.bam:  # bed is read from opts.targets
            assess_by_design(res, bed, model, rules, opts.targets)
        cns = copy_number_from_vcf(header, cnv_records, sample_index=max(idx, 0), sample=s,
                                   genes={gene.symbol: regions[0]} if regions else {}, purity=opts.purity)
        fs = (fusions_from_vcf(header, fusion_records, sample_index=max(idx, 0), sample=s, build=build,
                               rules=frules, dropped=res.dropped, regions_read=regions + fregions)
              if frules is not None else [])
        parts.append(VcfSample(res, cns, fs, regions[0]))
    return parts


def finish_sample(part: VcfSample, rules: Rules, opts: ClassifyOptions) -> SampleResult:
    """Add the sample's other inputs to what its VCF(s) said (copy-number and fusion files, the BAM),
    then decide its copy number, tiers and driver group, once per sample."""
    res, cns, build, s = part.result, part.copy_numbers, part.result.build, part.result.sample
    gene = rules.index_gene
    if opts.cnv:
        try:
            cns = read_copy_number_file(opts.cnv, sample=s, genes={gene.symbol: part.region},
                                        purity=opts.purity, build=build, builds=rules.builds,
                                        scale=opts.cnv_scale) + cns
        except InputError as exc:  # the sample fails whole: say its VCF calls go with it
            raise InputError(f"{exc}; sample {shown(s)} is not reported, its calls from {res.input} "
                             "included, until the copy-number file is fixed or left out") from exc
    if opts.bam:
        cns = _bam_into(res, opts, rules, build) + cns
    decide_copy_number(res, cns, rules, build)
    if rules.fusions is not None:
        fs = list(part.fusions)
        if opts.fusions:
            fs += read_fusion_file(opts.fusions, sample=s, build=build, rules=rules.fusions, dropped=res.dropped)
        res.calls += [fusion_to_call(f, build=build, input=res.input) for f in merge_fusions(fs, res.dropped)]
    apply_tiers(res, rules)
    res.codrivers = codriver_summary(res.calls, gene.symbol)
    res.driver_group = driver_group(res.calls, rules.driver_groups, policy(rules).driver_tiers)
    record_threshold_set(res, rules, opts.sample_type)
    return res


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
                sup = allele_support(header, rec, idx, allele_idx)  # idx -1: a sites-only file's INFO
                has_reads = sup is not None and has_alt_support(sup)
                if idx >= 0 and allele_idx not in gt and not has_reads:
                    continue
                call = _codriver_call(rec, vcf_annotation(header, rec, allele), allele, sup, gt, res, m, seq, rules)
                if call is not None:
                    res.calls.append(call)
            _unnamed_events(rec, header, idx, gt, res, m, rules)


UNNAMED_ALLELE = "unclassified"  # the note and skip reason of an event that cannot be named


def _unnamed_events(rec: Record, header: VcfHeader, idx: int, gt: list[int | None], res: SampleResult,
                    model: TranscriptModel, rules: Rules) -> None:
    """The record's alleles that name no bases (symbolic, breakend, '*'), carried by the sample.

    Such an allele over an exon cannot be classed, but the sample is not wild type there: it is
    reported as an event of class 'other' with an 'unclassified' note and the allele as written,
    so her2_status is not 'none' and a reader looks at the record. Outside the exons (and their
    flanks) it is listed as skipped. Copy-number segments (a CN, SM or FC value) and fusion
    breakends were taken by their own readers before this."""
    for allele_idx, allele in unnamed_alts(rec):
        sup = allele_support(header, rec, idx, allele_idx)
        if idx >= 0 and allele_idx not in gt and not (sup is not None and has_alt_support(sup)):
            continue
        gene = model.gene
        lo, hi = rec.pos, max(rec.end, rec.pos)
        hit = [n for s, e in model.exons if s - gene.flank <= hi and lo <= e + gene.flank
               for n in [model.exon_number(max(s, min(e, lo)))] if n is not None]
        span = f"{shown(rec.chrom, bare=True)}:{lo}-{hi}" if hi > lo else f"{shown(rec.chrom, bare=True)}:{lo}"
        kind = ("a spanning deletion ('*': the deletion is another record)" if allele == "*"
                else f"symbolic or breakend allele {shown(allele, 80, bare=True)}")
        event = skipped_event(gene.symbol, None, chrom=rec.chrom, pos=rec.pos, ref=rec.ref, alt=allele,
                              source=rec.source, depth=sup.depth if sup else None,
                              alt_reads=sup.alt_reads if sup else None, vaf=sup.vaf if sup else None,
                              filter=";".join(rec.filters) or ".")
        covering = _covering_event(res, rec) if allele == "*" else None
        if covering:
            res.skip(event, "spanning_deletion_of_a_listed_event",
                     f"{kind} at {span}: the sample's overlapping event is its own record ({covering})")
            continue
        if not hit:
            event["location"] = "intronic"
            res.skip(event, "unnamed_allele_outside_exons",
                     f"{kind} at {span}: no exon of {gene.symbol} is touched")
            continue
        reason = quality_reason(rules.thresholds, sup, rec.filters)
        prefix = "" if gene.role == "index" else f"{gene.symbol.lower()}_"
        if reason:
            res.skip(event, f"{prefix}{reason}", quality_detail(rules.thresholds, sup, rec.filters, reason))
            continue
        exons = sorted(set(hit))
        where = f"exon {exons[0]}" if len(exons) == 1 else f"exons {exons[0]}-{exons[-1]}"
        n = Naming(location=UNNAMED_ALLELE, exon=exons[0] if len(exons) == 1 else None)
        call = _base_call(res, gene, "other", n, rec, allele, sup, gt)
        call.notes.append(f"{UNNAMED_ALLELE}: {kind} at {span} over {where} cannot be named or classed; "
                          "review the record")
        res.calls.append(call)


def _covering_event(res: SampleResult, rec: Record) -> str | None:
    """The sample's event, reported or skipped, from an earlier record whose REF spans ``rec``'s
    position (``pos:REF>ALT``), or None. A '*' allele says the sample carries such an overlapping
    deletion: when that deletion's record was read, it speaks for the sample there and the '*' adds
    no event of its own; only a '*' whose deletion is not in the file is reported, unclassified."""
    events: list[tuple[Any, Any, Any, Any]] = [(c.chrom, c.pos, c.ref, c.alt) for c in res.calls]
    events += [(e.get("chrom"), e.get("pos"), e.get("ref"), e.get("alt")) for e in res.skipped_events]
    for chrom, pos, ref, alt in events:
        if (chrom == rec.chrom and isinstance(pos, int) and isinstance(ref, str)
                and pos < rec.pos <= pos + len(ref) - 1):
            return f"{pos}:{shown(ref, 20, bare=True)}>{shown(str(alt), 20, bare=True)}"
    return None


def _codriver_call(rec: Record, annotation: AnnotationOf, allele: str, sup, gt: list[int | None],
                   res: SampleResult, m: TranscriptModel, seq: SequenceSource, rules: Rules,
                   names: dict | None = None) -> Call | None:
    """Name and classify one allele in a co-driver's placed exons; None (with the reason counted
    and the event listed) when it is not reported."""
    n = _describe(m, seq, rec, allele, names)
    prefix = m.gene.symbol.lower()
    if not reportable(n, m.gene):
        res.skip(_skipped(m.gene, n, rec, allele, sup), f"{prefix}_not_coding_or_synonymous",
                 _not_coding_detail(n))
        return None
    reason = quality_reason(rules.thresholds, sup, rec.filters)
    if reason:
        res.skip(_skipped(m.gene, n, rec, allele, sup), f"{prefix}_{reason}",
                 quality_detail(rules.thresholds, sup, rec.filters, reason))
        return None
    klass, rule = driver_class(n, m.gene)
    call = _base_call(res, m.gene, klass, n, rec, allele, sup, gt)
    if rule:
        call.notes.append(rule)
    if n.unknown_reason:
        call.notes.append(f"protein name unknown: {n.unknown_reason}")
    if n.location in ("splice_site", "splice_region", "intronic"):
        call.notes.append(n.location.replace("_", " "))
    _compare_annotation(call, annotation(m.gene), m.gene)
    return call


def _skipped(gene: GeneRules, n: Naming, rec: Record, allele: str, sup) -> dict[str, object]:
    return skipped_event(gene.symbol, n, chrom=rec.chrom, pos=rec.pos, ref=rec.ref, alt=allele, source=rec.source,
                         depth=sup.depth if sup else None, alt_reads=sup.alt_reads if sup else None,
                         vaf=sup.vaf if sup else None, filter=";".join(rec.filters) or ".")


OUTSIDE_CDS_DETAIL = {"intronic": "intronic", "utr5": "in the 5' UTR", "utr3": "in the 3' UTR",
                      "upstream": "upstream of the transcript", "downstream": "downstream of the transcript",
                      "splice_region": "in a splice region"}


def _location_detail(n: Naming) -> str:
    where = OUTSIDE_CDS_DETAIL.get(n.location, n.location.replace("_", " "))
    return f"{where} ({n.hgvs_c.split(':')[-1]})" if n.hgvs_c else where


def _not_coding_detail(n: Naming) -> str:
    """Why a co-driver change is not worth a row (codrivers.reportable said no)."""
    if n.effect == "synonymous":
        return "synonymous: the protein is unchanged"
    if n.location == "none":
        return "the alleles make no change"
    return f"{_location_detail(n)}: not a coding or splice-site change, and no driver rule of the gene matches"


def _base_call(res: SampleResult, gene: GeneRules, klass: str, n: Naming, rec: Record, allele: str,
               sup, gt: list[int | None]) -> Call:
    return named_call(
        res.sample, gene, klass, n, chrom=rec.chrom, pos=rec.pos, ref=rec.ref, alt=allele, source=rec.source,
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

    rules = rules.for_sample_type(opts.sample_type)
    ev = bam_evidence(path, rules=rules, build=opts.build, pon_path=opts.pon, targets_path=opts.targets,
                      purity=opts.purity, reference=opts.reference, sample=opts.sample_id or opts.sample,
                      build_index=opts.build_index)
    res = SampleResult(sample=ev.sample, patient=opts.patient, caller="bam", input=path,
                       input_sha256=sha256_file(path), reference=opts.reference or "rules windows",
                       rules_checksum=rules.checksum, build=ev.build, build_evidence=ev.build_evidence)
    merge_into(res, ev, rules, has_vcf=False)
    res.bam = ev.as_dict()
    decide_copy_number(res, [ev.copy_number] if ev.copy_number is not None else [], rules, ev.build)
    apply_tiers(res, rules)  # a BAM alone has no matched normal
    res.codrivers = codriver_summary(res.calls, rules.index_gene.symbol)
    res.driver_group = driver_group(res.calls, rules.driver_groups, policy(rules).driver_tiers)
    record_threshold_set(res, rules, opts.sample_type)
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
    if bases is None or "N" in bases or bases == ref:
        return
    differ = [rec.pos + i for i, (a, b) in enumerate(zip(ref, bases, strict=True)) if a != b]
    if not isinstance(seq, FastaSequence) and all(model.exon_index(g) is None for g in differ):
        # The rules' intronic bases are trusted for naming near exon borders, not as proof of a
        # wrong build: only exonic bases (checked against the mRNA) or a FASTA make this an error.
        log.warning("%s: REF differs from the rules' intronic reference bases at %s:%d; named as written",
                    rec.where, rec.chrom, rec.pos)
        return
    raise InputError(
        f"{rec.where}: REF {shown(ref, bare=True)} does not match the {build} reference "
        f"({shown(bases, bare=True)}) at {shown(rec.chrom, bare=True)}:{rec.pos}; is the file on another genome "
        "build? (give --build, or check --reference)"
    )


def _describe(model: TranscriptModel, seq: SequenceSource, rec: Record, allele: str,
              names: dict[tuple[str, int, str, str], Naming] | None = None) -> Naming:
    """The record's name on the model; a record the naming cannot handle (a bug) is reported
    unnamed with a note, never dropped and never the end of the batch. ``names`` remembers the
    names already given in one file (a MAF repeats each event in many samples; never mutated)."""
    if names is not None:
        key = (model.gene.symbol, rec.pos, rec.ref, allele)
        if key not in names:
            names[key] = _describe(model, seq, rec, allele)
        return names[key]
    try:
        return describe(model, seq, rec.pos, rec.ref, allele)
    except Her2varError:
        raise
    except Exception as exc:  # one record must not end the run
        log.debug("%s: naming failed", rec.where, exc_info=True)
        return Naming(location="unnamed", dna_delta=len(allele) - len(rec.ref),
                      placement=(rec.pos, rec.ref, allele),
                      unknown_reason=f"could not be named ({type(exc).__name__}; please report it, "
                                     "with the output of --debug)")


def _call_for(rec: Record, annotation: AnnotationOf, allele: str, sup, gt: list[int | None],
              res: SampleResult, model: TranscriptModel, seq: SequenceSource,
              gene: GeneRules, rules: Rules, names: dict | None = None) -> Call | None:
    """Name and classify one allele; None (with the reason counted and the event listed, see
    SampleResult.skip) when it is not reported."""
    n = _describe(model, seq, rec, allele, names)
    if n.location in ("intronic", "utr5", "utr3", "upstream", "downstream", "none"):
        if n.location == "none":
            res.skip(_skipped(gene, n, rec, allele, sup), "no_change", "the alleles make no change")
        else:
            res.skip(_skipped(gene, n, rec, allele, sup), n.location,
                     f"{_location_detail(n)}: outside the coding sequence and splice sites")
        return None
    if n.effect == "synonymous":
        res.skip(_skipped(gene, n, rec, allele, sup), "synonymous", "synonymous: the protein is unchanged")
        return None
    if n.hgvs_p and n.hgvs_p in gene.polymorphisms:
        res.skip(_skipped(gene, n, rec, allele, sup), "germline_polymorphism",
                 f"{n.hgvs_p} is a common germline polymorphism (the gene's polymorphisms in the rules)")
        return None
    reason = quality_reason(rules.thresholds, sup, rec.filters)
    if reason:
        res.skip(_skipped(gene, n, rec, allele, sup), reason,
                 quality_detail(rules.thresholds, sup, rec.filters, reason))
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
    _compare_annotation(call, annotation(gene), gene)
    return call


# The input's own annotation of an allele on a gene, looked up only for a call that is reported:
# VEP/SnpEff/Ion in a VCF (vcf_annotation), HGVSp_Short in a MAF (classify.from_maf).
AnnotationOf = Callable[[GeneRules], "Annotation | None"]


def no_annotation(gene: GeneRules) -> Annotation | None:
    return None


def vcf_annotation(header: VcfHeader, rec: Record, allele: str) -> AnnotationOf:
    """The VCF record's VEP/SnpEff/Ion annotation of ``allele``, on the gene's transcript."""
    def on(gene: GeneRules) -> Annotation | None:
        return pick_transcript(vcf_annotations(header, rec, allele), gene.symbol,
                               (gene.transcript, *gene.transcript_aliases))
    return on


def classify_event(res: SampleResult, rec: Record, allele: str, sup: Support | None, model: TranscriptModel,
                   seq: SequenceSource, rules: Rules, annotation: AnnotationOf = no_annotation,
                   names: dict | None = None) -> Call | None:
    """One allele of one sample in ``model``'s gene (ERBB2 or a co-driver's placed exons), decided
    as a VCF record's: REF checked, named, classed, quality-filtered; the call is appended to
    ``res.calls`` (and returned), or the event counted and listed as skipped (None). For inputs
    other than a VCF (a MAF row, as a Record); ``names``: see _describe."""
    _check_ref(rec, seq, model, res.build)
    if model.gene.role == "index":
        call = _call_for(rec, annotation, allele, sup, [], res, model, seq, model.gene, rules, names)
    else:
        call = _codriver_call(rec, annotation, allele, sup, [], res, model, seq, rules, names)
    if call is not None:
        res.calls.append(call)
    return call


def _compare_annotation(call: Call, ann: Annotation | None, gene: GeneRules) -> None:
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
    written: dict[tuple[str, str], Counter[str]] = {}  # every record of the event, as written
    order = []
    for c in res.calls:
        key = (c.gene, c.hgvs_p or c.hgvs_c or f"{c.chrom}:{c.pos}:{c.ref}>{c.alt}")
        written.setdefault(key, Counter())[f"{c.chrom}:{c.pos}:{c.ref}>{c.alt}"] += 1
        if key not in best:
            best[key] = c
            order.append(key)
            continue
        keep, other = (best[key], c) if (best[key].alt_reads or 0) >= (c.alt_reads or 0) else (c, best[key])
        best[key] = keep
        ev = skipped_event(other.gene, None, chrom=other.chrom, pos=other.pos, ref=other.ref, alt=other.alt,
                           source=other.source, depth=other.depth, alt_reads=other.alt_reads, vaf=other.vaf,
                           filter=other.filter)
        ev.update(hgvs_c=other.hgvs_c, hgvs_p=other.hgvs_p, exon=other.exon)
        kept = shown(f"{keep.chrom}:{keep.pos}:{keep.ref}>{keep.alt}", bare=True)
        res.skip(ev, "duplicate_of_another_record", f"the same event ({shown(key[1], bare=True)}) as record "
                 f"{kept}, reported instead (as many or more alt reads)")
    for k in order:
        _note_other_records(best[k], written[k])
    res.calls = [best[k] for k in order]


NOTED_FORMS = 5  # other ways of writing one event named in its notes; the rest are counted


def _note_other_records(call: Call, forms: Counter[str]) -> None:
    """One note per other way the event was written, with its count, never one per record
    (a record repeated 2,000 times is one note, not a 94 KB cell)."""
    own = f"{call.chrom}:{call.pos}:{call.ref}>{call.alt}"
    forms = forms.copy()
    repeats = forms.pop(own, 1) - 1  # the reported record itself, and its copies
    if repeats:
        call.notes.append(f"the same record {repeats} more time{'s' if repeats > 1 else ''} in the file")
    items = forms.most_common()
    for text, n in items[:NOTED_FORMS]:
        times = f" ({n} records)" if n > 1 else ""
        call.notes.append(f"also written as {shown(text, bare=True)}{times}")
    rest = items[NOTED_FORMS:]
    if rest:
        call.notes.append(f"also written {sum(n for _, n in rest)} more times in {len(rest)} other forms")


def provenance(rules: Rules, reference: str | None) -> dict[str, object]:
    return {"her2var_version": __version__, "rules_checksum": rules.checksum,
            "thresholds": dataclasses.asdict(rules.thresholds),
            "rules_sources": [os.path.basename(s) for s in rules.sources],
            "reference": reference or "rules windows"}
