"""MAF input: every Tumor_Sample_Barcode of a MAF classified as its VCF would be.

A MAF row in ERBB2 or a co-driver's placed exons becomes the record a VCF would hold (the
padding base of an indel taken from the rules' reference windows or ``--reference``, see
maf/events.py) and goes through the VCF path's own decisions (``pipeline.classify_event``: REF
check, naming, class, quality filter with t_depth / t_ref_count / t_alt_count and FILTER), then
each sample through the same finishing steps (``pipeline.finish_sample``: copy-number and fusion
files, tiers, driver group). The MAF's own HGVSp_Short is kept as the call's annotation and
compared with her2var's name.

What a MAF does not say is not guessed: ``assessed`` is ``unknown`` (a MAF lists variants only)
unless ``--targets`` shows the panel covers exon 20; a sample with no row in the genes read is a
sample without a call there, not a wild type. Rows with Mutation_Status Germline (or LOH,
Wildtype, None: not the tumour's mutations) are skipped and listed, and so are rows whose
Hugo_Symbol names a gene read while their coordinates lie outside it (on another build?). Rows
that lie in ERBB2 on the other build are checked against its reference bases, as for a VCF
(build_check.gene_checks), so a MAF whose NCBI_Build is wrong is an error, not a cohort of
wild types.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import gc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..contigs import contig_key, resolve_contig
from ..errors import InputError, shown
from ..genome.intervals import read_bed
from ..genome.transcript import FastaSequence, SequenceSource, TranscriptModel
from ..maf.events import (
    MISSING,
    NOT_A_MUTATION,
    alleles,
    check_one_build,
    filters,
    has_matched_normal,
    maf_build,
    mutation_status,
    read_support,
    vcf_form,
)
from ..maf.reader import MafReader, MafRow
from ..models import Record, Region, Support
from ..rules.load import GeneRules, Rules
from ..vcf.annotations import Annotation
from .build_check import BuildChecks, gene_checks
from .calls import skipped_event
from .erbb2 import assess_by_design
from .pipeline import (
    SPLICE_PAD,
    AnnotationOf,
    VcfSample,
    _dedupe,
    check_reference_build,
    classify_event,
    exon_regions,
    finish_sample,
    gene_region,
    sequence_source,
    sha256_file,
)
from .result import ClassifyOptions, SampleResult
from .tested import fusion_genes, panel_genes, tested_kinds

SOMATIC_STATUSES = frozenset(("", "somatic", "unknown", "na"))  # others are noted on the call (MuSEMulti, ...)


@dataclass(frozen=True)
class _Gene:
    """A gene read: its model on the build, its reference bases and its regions (contig key)."""

    model: TranscriptModel
    seq: SequenceSource
    regions: tuple[Region, ...]

    def holds(self, key: str, lo: int, hi: int) -> bool:
        return any(contig_key(r.chrom) == key and hi >= r.start and lo <= r.end for r in self.regions)


@dataclass
class MafSamples:
    """What one MAF says of its samples, before each is finished (pipeline.finish_sample)."""

    order: list[tuple[str, str]]  # (Tumor_Sample_Barcode, the id reported) of each sample reported
    parts: dict[str, VcfSample]  # the samples with rows in the genes read, by barcode
    blank: VcfSample  # a sample without such rows (id ''): every other one is finished like it
    prepare: Callable[[str], VcfSample]  # a sample without rows, ready to be finished on its own


def classify_maf(path: str, rules: Rules, opts: ClassifyOptions) -> list[SampleResult]:
    """Classify every sample (Tumor_Sample_Barcode) of one MAF file (plain or gzipped).

    Samples without a row in the genes read (most of a GENIE release) all finish the same way
    unless a copy-number or fusion file may say something of each: one is finished and the
    others are copies of it under their own ids."""
    rules = rules.for_sample_type(opts.sample_type)
    with _collector_paused():
        m = read_maf(path, rules, opts)
        own_files = bool(opts.cnv or opts.fusions)
        like_blank = None if own_files else _cloner(finish_sample(m.blank, rules, opts))
        out = []
        for barcode, name in m.order:
            part = m.parts.get(barcode)
            if part is None and like_blank is not None:
                out.append(like_blank(name))
            else:
                out.append(finish_sample(part or m.prepare(name), rules, opts))
    return out


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a MAF is read: its 100,000 samples' results are a
    million small containers that live to the end, and the collector walking them again and again
    costs more than reading the file (they make no reference cycles; it runs again afterwards)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_maf(path: str, rules: Rules, opts: ClassifyOptions) -> MafSamples:
    """What one MAF says of each of its samples (see MafSamples)."""
    if opts.bam:
        raise InputError(f"{path}: a MAF holds many samples' variants; --bam (one tumour's reads) goes with "
                         "that tumour's VCF, or with no variant file")
    reader = MafReader(path)
    build, evidence = maf_build(path, reader.first_build(), rules.builds, opts.build)
    index = rules.index_gene
    model = TranscriptModel(index, build)
    fasta = FastaSequence(opts.reference) if opts.reference else None
    if fasta is not None:
        check_reference_build(fasta, model, rules)
    seq = sequence_source(model, fasta)
    genes = [_Gene(model, seq, (gene_region(model, model.chrom),))]
    genes += [_Gene(m, sequence_source(m, fasta), tuple(exon_regions(m, m.chrom)))
              for m in (TranscriptModel(g, build) for g in rules.genes.values()
                        if g.role == "codriver" and build in g.builds)]

    def names(c: str) -> list[str]:
        return [c, "chr" + c]  # MAF rows write either; records are named as written, one or the other

    erbb2 = [gene_region(model, c) for c in names(model.chrom)]
    claimed = erbb2 + [r for g in genes[1:] for c in names(g.model.chrom) for r in exon_regions(g.model, c)]
    cd_claimed = {g.model.gene.symbol: [r for c in names(g.model.chrom) for r in exon_regions(g.model, c)]
                  for g in genes[1:]}
    other = gene_checks(index, [g.model.gene for g in genes[1:]], build, evidence, names, erbb2, claimed,
                        lambda g: cd_claimed[g.symbol], SPLICE_PAD)
    spans: dict[str, list[tuple[int, int]]] = {}
    for r in claimed + other.regions:
        spans.setdefault(contig_key(r.chrom), []).append((r.start, r.end))
    by_symbol = {g.model.gene.symbol.upper(): g for g in genes}
    digest = sha256_file(path)
    reference = fasta.label if fasta is not None else seq.label
    caller = f"maf:{reader.header.dialect}"
    results: dict[str, SampleResult] = {}
    new_result = _cloner(SampleResult(
        sample="", patient=opts.patient, build=build, build_evidence=evidence, caller=caller, input=path,
        input_sha256=digest, reference=reference, rules_checksum=rules.checksum))

    def result(sample: str) -> SampleResult:
        res = results.get(sample)
        if res is None:
            res = results[sample] = new_result(sample)
        return res

    wanted = opts.sample
    named: dict = {}  # each event's name, given once however many samples carry it
    for row in reader.rows(spans, set(by_symbol)):
        if wanted is not None and row.sample != wanted:
            continue
        _take(row, result(row.sample), genes, by_symbol, other, rules, build, named)
    check_one_build(path, reader.builds, rules.builds)
    other.verdict()
    chosen = _choose(path, list(reader.samples), opts)
    bed = read_bed(opts.targets) if opts.targets else None
    tested = tested_kinds(panel_genes([g.model for g in genes[1:]], bed),
                          fusion_genes(None, [], rules.fusions, table_given=bool(opts.fusions)))

    def prepare(res: SampleResult) -> VcfSample:
        res.tested = {k: list(v) for k, v in tested.items()}
        if len(res.calls) > 1:
            _dedupe(res)
        res.assessed = "unknown"
        res.assessed_reasons.append("variant-only MAF: no coverage evidence, absence of a call is not wild type")
        if bed is not None and opts.targets:
            assess_by_design(res, bed, model, rules, opts.targets)
        return VcfSample(res, [], [], erbb2[0])

    parts = {}
    for barcode, name in chosen:
        res = results.get(barcode)
        if res is None:
            continue
        if name != barcode:
            res.sample = name
            for c in res.calls:
                c.sample = name
        parts[barcode] = prepare(res)
    return MafSamples(order=chosen, parts=parts, blank=prepare(new_result("")),
                      prepare=lambda name: prepare(new_result(name)))


def _cloner(template: SampleResult) -> Callable[[str], SampleResult]:
    """Copies of ``template`` under other sample ids, each with containers of its own (lists,
    dicts, counters, and the lists in its dicts). A GENIE-size MAF has 100,000 samples: a copy
    costs a fraction of SampleResult's __init__ (some forty fields), let alone of finishing one."""
    if hasattr(SampleResult, "__post_init__"):  # then only __init__ makes one right
        return lambda sample: copy.deepcopy(dataclasses.replace(template, sample=sample))
    values = dict(vars(template))
    makers = [(k, _fresh(v)) for k, v in values.items() if isinstance(v, (list, dict, set))]

    def clone(sample: str) -> SampleResult:
        res = object.__new__(SampleResult)
        d = res.__dict__
        d.update(values)
        for name, make in makers:
            d[name] = make()
        d["sample"] = sample
        return res
    return clone


def _fresh(v: object) -> Callable[[], object]:
    """A maker of copies of container ``v`` (a dict's lists copied too)."""
    if type(v) is list:
        return v.copy
    if type(v) is dict:
        return lambda: {k: list(x) if isinstance(x, list) else x for k, x in v.items()}
    if type(v) is Counter and not v:
        return lambda: dict.__new__(Counter)  # an empty Counter: its __init__ only fills it, at some cost
    return lambda: copy.copy(v)


def _choose(path: str, barcodes: list[str], opts: ClassifyOptions) -> list[tuple[str, str]]:
    """(barcode, the id reported) of the samples to report: --sample's, the samples sheet's
    ``sample`` (its barcode, or the file's only one renamed), else every one in file order."""
    def listing() -> str:
        return shown(", ".join(barcodes[:20]) + (f", ... ({len(barcodes)} in all)" if len(barcodes) > 20 else ""),
                     300, bare=True)

    if opts.sample is not None:
        if opts.sample not in barcodes:
            raise InputError(f"{path}: sample {shown(opts.sample)} is no Tumor_Sample_Barcode of the MAF; "
                             f"it has: {listing()}")
        return [(opts.sample, opts.sample)]
    if opts.sample_id:
        if opts.sample_id in barcodes:
            return [(opts.sample_id, opts.sample_id)]
        if len(barcodes) == 1:
            return [(barcodes[0], opts.sample_id)]
        raise InputError(f"{path}: the samples sheet names sample {shown(opts.sample_id)}, but the MAF has "
                         f"{len(barcodes)} other Tumor_Sample_Barcodes ({listing()}); name one of them")
    if not barcodes:
        raise InputError(f"{path}: the MAF has no data rows (no Tumor_Sample_Barcode to report)")
    return [(b, b) for b in barcodes]


def _take(row: MafRow, res: SampleResult, genes: list[_Gene], by_symbol: dict[str, _Gene],
          other: BuildChecks, rules: Rules, build: str, names: dict) -> None:
    """One row of a sample: a call, a listed skip, or nothing (outside the genes read)."""
    chrom = resolve_contig(row.chrom, (row.key, "chr" + row.key)) or row.key  # 17 or chr17, as written
    ref, alt = alleles(row)
    lo, hi = sorted((row.start, row.end if row.end is not None else row.start))
    written = Record(path=row.header.path, line=row.line, chrom=chrom, pos=row.start, id=".",
                     ref="" if ref == "-" else ref, alts=[alt], qual=".", filters=[], info={}, format_keys=[],
                     sample_values=[], source="maf")
    hugo = row.get("hugo_symbol")
    named = by_symbol.get(hugo.upper())
    if other.only_elsewhere(written):
        if named is not None:
            _off_gene(res, row, named, chrom, ref, alt, build)
        return
    gene = next((g for g in genes if g.holds(row.key, lo, hi)), None)
    if gene is None:
        if named is not None and _outside(named, row.key, lo, hi):
            _off_gene(res, row, named, chrom, ref, alt, build)
        return  # e.g. a co-driver exon the rules do not place: not read, as in a VCF
    if named is not None and named is not gene:  # the row names one gene read, its place another
        _off_gene(res, row, named, chrom, ref, alt, build, lies_in=gene.model.gene.symbol)
        return
    res.records_in_regions += 1
    sup = read_support(row)
    flt = filters(row)
    status = mutation_status(row)
    if status == "germline" or status in NOT_A_MUTATION:
        reason = "germline" if status == "germline" else "not_a_mutation"
        what = "a germline variant, not the tumour's" if reason == "germline" else "not a mutation of the tumour"
        res.skip(_event(gene.model.gene, row, chrom, ref, alt, sup, flt), reason,
                 f"Mutation_Status {shown(row.get('mutation_status'), bare=True)}: {what}")
        return
    if has_matched_normal(row):
        res.matched_normal = True
    pos, vref, valt = vcf_form(row, ref, alt, lambda p: gene.seq.fetch(chrom, p, p))
    rec = Record(path=row.header.path, line=row.line, chrom=chrom, pos=pos, id=".", ref=vref, alts=[valt],
                 qual=".", filters=flt, info={}, format_keys=[], sample_values=[], source="maf")
    call = classify_event(res, rec, valt, sup, gene.model, gene.seq, rules, _annotation(row, valt), names)
    if call is not None and status not in SOMATIC_STATUSES:
        call.notes.append(f"Mutation_Status {shown(row.get('mutation_status'), bare=True)}")


def _outside(gene: _Gene, key: str, lo: int, hi: int) -> bool:
    """A row named for ``gene`` lies outside it: another chromosome, or (ERBB2, whose whole span the
    rules place) outside its span. A co-driver's exons the rules do not place are not outside."""
    model = gene.model
    if key != contig_key(model.chrom):
        return True
    return model.gene.role == "index" and not gene.holds(key, lo, hi)


def _off_gene(res: SampleResult, row: MafRow, gene: _Gene, chrom: str, ref: str, alt: str, build: str,
              lies_in: str = "") -> None:
    """List a row whose Hugo_Symbol names ``gene`` while its coordinates lie elsewhere (in
    ``lies_in``, another gene read, or in no gene read): which one is wrong cannot be told."""
    model = gene.model
    symbol = model.gene.symbol
    lo, hi = model.span
    where = f"{shown(row.chrom, bare=True)}:{row.start}"
    span = f"{model.chrom}:{lo}-{hi}"
    if lies_in:
        detail = (f"Hugo_Symbol {symbol}, but {where} lies in {lies_in} on {build}, not in {symbol} ({span}): "
                  "which of the two is wrong cannot be told; not classified")
    else:
        detail = (f"Hugo_Symbol {symbol}, but {where} is not in {symbol} on {build} ({span})"
                  f"{_other_build_hint(model.gene, row.key, row.start, build)}; not classified")
    res.skip(_event(model.gene, row, chrom, ref, alt, None, filters(row)), "off_gene", detail)


def _other_build_hint(gene: GeneRules, key: str, pos: int, build: str) -> str:
    for other in gene.builds:
        if other == build:
            continue
        m = TranscriptModel(gene, other)
        lo, hi = m.span
        if key == contig_key(m.chrom) and lo - SPLICE_PAD <= pos <= hi + SPLICE_PAD:
            return f"; it is in {gene.symbol} on {other}: is the MAF on {other}? (give --build {other})"
    return ""


def _event(gene: GeneRules, row: MafRow, chrom: str, ref: str, alt: str, sup: Support | None,
           flt: list[str]) -> dict[str, object]:
    """A skipped row as the sample JSON lists it (as the MAF writes it: alleles with '-')."""
    return skipped_event(gene.symbol, None, chrom=chrom, pos=row.start, ref=ref, alt=alt, source="maf",
                         depth=sup.depth if sup else None, alt_reads=sup.alt_reads if sup else None,
                         vaf=sup.vaf if sup else None, filter=";".join(flt) or ".")


def _annotation(row: MafRow, allele: str) -> AnnotationOf:
    """The MAF's own protein name (HGVSp_Short, else HGVSp) of the row, for the gene it names."""
    hgvs_p = row.get("hgvsp_short") or row.get("hgvsp")
    hugo = row.get("hugo_symbol")
    transcript = row.get("transcript_id") or row.get("refseq")

    def on(gene: GeneRules) -> Annotation | None:
        if not hgvs_p or hgvs_p.upper() in MISSING or (hugo and hugo.upper() != gene.symbol.upper()):
            return None
        known = {t.split(".")[0] for t in (gene.transcript, *gene.transcript_aliases)}
        source = "MAF" if not transcript or transcript.split(".")[0] in known else f"MAF {transcript}"
        return Annotation(source=source, allele=allele, gene=hugo or gene.symbol, transcript=transcript,
                          consequence=row.get("variant_classification"), hgvs_c=row.get("hgvsc"),
                          hgvs_p=hgvs_p, raw=hgvs_p)
    return on
