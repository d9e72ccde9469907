"""``her2var classify --study``: every sample of a study folder, classified as a VCF's would be.

Order of work: find the files (studies.folder) -> the genome build (meta_study.txt's
reference_genome, the MAF's NCBI_Build, or --build; they must agree) -> read once what the study
says of its samples (clinical sample ids, gene panel matrix, case lists, gene panels or GENIE
assays: studies.panels), ERBB2's row of each copy-number matrix (studies.copynumber) and the
kinase fusions (studies.svs) -> the MAF through classify's own MAF path (classify.from_maf: every
row named, classed and filtered as a VCF record) -> per sample: ``assessed``, copy number,
fusions and ``tested`` from the study (studies.assess) -> the same finishing steps as every
input (classify.pipeline.finish_sample: amplification, tiers, co-drivers, driver group).

A problem in any file of the study is an InputError naming the file and the line: the study is
one input, so nothing is written and nothing recorded until every sample is classified.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..classify.batch import ClassifyRun, check_sample_types
from ..classify.from_maf import read_maf
from ..classify.output import sample_json, write_outdir
from ..classify.pipeline import VcfSample, finish_sample, gene_region, provenance, sha256_file
from ..classify.result import ClassifyOptions, SampleResult
from ..errors import InputError, UsageError, shown
from ..files import Named, refuse_overwriting_inputs
from ..genome.builds import build_named
from ..genome.transcript import TranscriptModel
from ..maf.events import build_name
from ..maf.reader import MafReader
from ..models import ENTREZ, CopyNumber
from ..rules.load import Rules, load_rules
from .assess import assess_erbb2, copy_number_profiled, tested_genes
from .copynumber import GeneValues, level_reason, level_record, log2_record, read_gene_row
from .folder import (
    CLINICAL_SAMPLE,
    CNA,
    FUSIONS,
    GENIE,
    LINEAR,
    LOG2,
    MUTATIONS,
    SV,
    StudyFolder,
    find_files,
    looks_like_study,
)
from .panels import Profiles, Samples, read_clinical_samples
from .svs import SvCalls, read_fusions
from .text import Table

log = logging.getLogger(__name__)


@dataclass
class Study:
    """What a study folder says, read once (everything but the MAF's rows)."""

    folder: StudyFolder
    build: str
    build_evidence: str
    samples: list[str]  # every sample the study names, in the order first named
    patients: dict[str, str]
    profiles: Profiles
    matrices: dict[str, GeneValues]  # cna / log2 -> ERBB2's row
    fusions: SvCalls
    notes: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, object]:
        """The study's part of the provenance."""
        return {"folder": self.folder.path, "kind": self.folder.flavour, "study_id": self.folder.study_id or None,
                "build": self.build, "build_evidence": self.build_evidence, "samples": len(self.samples),
                "files": {k: os.path.basename(f.path) for k, f in sorted(self.folder.files.items())},
                "notes": self.notes}


@dataclass
class StudyRun(ClassifyRun):
    """A classify run over one study folder (ClassifyRun: results, provenance, rules)."""

    study: Study | None = None


def read_study(path: str, rules: Rules, *, build: str | None = None) -> Study:
    """Read what the study at ``path`` says of its samples (see the module notes); ``build`` is --build."""
    folder = find_files(os.fspath(path))
    files = folder.files
    maf = files[MUTATIONS].path if MUTATIONS in files else None
    chosen, evidence = _study_build(folder, maf, rules, build)
    clinical = read_clinical_samples(files[CLINICAL_SAMPLE].path) if CLINICAL_SAMPLE in files else Samples()
    gene = rules.index_gene.symbol
    matrices = {k: read_gene_row(files[k], gene, ENTREZ[gene]) for k in (CNA, LOG2) if k in files}
    profiles = Profiles(folder, clinical, {k: frozenset(m.samples) for k, m in matrices.items()})
    sv = files.get(SV) or files.get(FUSIONS)
    fusions = read_fusions(sv, rules, chosen, f"{folder.flavour}_sv") if sv is not None else SvCalls()
    notes = list(folder.ignored)
    if LINEAR in files:
        notes.append(f"{os.path.basename(files[LINEAR].path)}: not read: cBioPortal's continuous copy-number values "
                     "do not say what they measure (GISTIC's are capped relative values, not copies)")
    order: dict[str, None] = dict.fromkeys(clinical.order)
    order.update(dict.fromkeys(profiles.matrix))
    for listed in profiles.cases.values():
        order.update(dict.fromkeys(listed.ids))
    for m in matrices.values():
        order.update(dict.fromkeys(m.samples))
    order.update(dict.fromkeys(fusions.fusions))
    return Study(folder=folder, build=chosen, build_evidence=evidence, samples=list(order),
                 patients=clinical.patients, profiles=profiles, matrices=matrices, fusions=fusions, notes=notes)


def study_results(study: Study, rules: Rules, opts: ClassifyOptions) -> list[SampleResult]:
    """Every sample of the study classified (``rules`` already those of the sample type)."""
    files = study.folder.files
    gene = rules.index_gene
    model = TranscriptModel(gene, study.build)
    region = gene_region(model, model.chrom)
    codrivers = [TranscriptModel(g, study.build) for g in rules.genes.values()
                 if g.role == "codriver" and study.build in g.builds]
    maf = files[MUTATIONS].path if MUTATIONS in files else None
    finish_opts = replace(opts, build=study.build, cnv=None, fusions=None, bam=None, targets=None, sample=None,
                          sample_id=None)
    prepare: Callable[[str], VcfSample]
    parts: dict[str, VcfSample] = {}
    order = list(study.samples)
    if maf is not None and _has_rows(maf):
        m = read_maf(maf, rules, finish_opts)
        parts, prepare = m.parts, m.prepare
        order += [b for b, _ in m.order]
    else:
        digest = sha256_file(maf) if maf else ""
        caller = f"{study.folder.flavour} study"

        def prepare(name: str) -> VcfSample:
            return VcfSample(SampleResult(sample=name, build=study.build, caller=caller, input=maf or study.folder.path,
                                          input_sha256=digest, reference="rules windows",
                                          rules_checksum=rules.checksum), [], [], region)
    order = list(dict.fromkeys(order))
    sv_file = files.get(SV) or files.get(FUSIONS)
    tested: dict[tuple, dict[str, list[str]]] = {}
    out = []
    for sample in order:
        part = parts.get(sample) or prepare(sample)
        res = part.result
        res.patient = study.patients.get(sample, opts.patient)
        res.build_evidence = study.build_evidence
        res.assessed_reasons = []
        mut, sv = study.profiles.of(sample, MUTATIONS), study.profiles.of(sample, SV)
        assess_erbb2(res, mut, model, rules, study.folder.genomic_information)
        part.copy_numbers = _copy_numbers(study, sample, gene.symbol, region, res, rules, opts.purity)
        part.fusions = list(study.fusions.fusions.get(sample, []))
        res.dropped.update(study.fusions.dropped.get(sample, {}))
        key = (mut.state, mut.panel and mut.panel.id, sv.state, sv.panel and sv.panel.id)  # same panels, same genes
        if key not in tested:
            tested[key] = tested_genes(mut, sv, codrivers, rules)
        res.tested = {k: list(v) for k, v in tested[key].items()}
        finish_sample(part, rules, finish_opts)
        if sv_file is not None:
            for c in res.calls:
                if c.klass == "fusion":
                    c.input = sv_file.path
        out.append(res)
    return out


def _copy_numbers(study: Study, sample: str, gene: str, region, res: SampleResult, rules: Rules,
                  purity: float | None) -> list[CopyNumber]:
    """The sample's ERBB2 copy-number records from the study's matrices, with a reason for each
    matrix that says nothing of it."""
    out: list[CopyNumber] = []
    source = study.folder.flavour
    for kind in (CNA, LOG2):
        row = study.matrices.get(kind)
        if row is None:
            continue
        prof = study.profiles.of(sample, kind)
        ok, why = copy_number_profiled(prof, gene)
        if not ok:
            res.assessed_reasons.append(f"copy number ({row.name}): not assessed: {why}")
            continue
        if kind == CNA:
            center = (prof.panel.center if prof.panel is not None else "") or _genie_center(sample, source)
            rec = level_record(row, sample, gene, region, source=source, center=center,
                               threshold=rules.thresholds.amplification_cn)
        else:
            rec = log2_record(row, sample, gene, region, source=source, purity=purity)
        if rec is None:
            res.assessed_reasons.append(f"copy number ({row.name}): not assessed: {level_reason(row, sample, gene)}")
            continue
        if kind == CNA:
            res.assessed_reasons.append(f"copy number ({row.name}): {gene} level {rec.raw_value:g} "
                                        f"({rec.caller_call}), the source's own call; no copy number given")
        out.append(rec)
    if not study.matrices and LINEAR in study.folder.files:
        res.assessed_reasons.append("copy number: only a continuous (linear) matrix, whose values are not copies: "
                                    "not read")
    return out


def _genie_center(sample: str, flavour: str) -> str:
    parts = sample.split("-")
    return parts[1] if flavour == GENIE and len(parts) > 2 and parts[0] == "GENIE" else ""


def _has_rows(path: str) -> bool:
    """Whether a MAF holds a data row (a study without mutations may ship a header only)."""
    table = Table(path, "a MAF file", lambda c: any(x.lower() == "tumor_sample_barcode" for x in c),
                  "a MAF header naming Tumor_Sample_Barcode")
    return next(table.raw_rows(), None) is not None


def _study_build(folder: StudyFolder, maf: str | None, rules: Rules, given: str | None) -> tuple[str, str]:
    """The study's build and how it was told; meta_study.txt and the MAF must agree."""
    meta = None
    if folder.reference_genome is not None:
        value, where = folder.reference_genome
        meta = build_named(value, rules.builds)
        if meta is None:
            raise InputError(f"{where}: reference_genome {shown(value)} is not a genome build her2var knows "
                             "(expected hg19 or hg38)")
    first = MafReader(maf).first_build() if maf else None
    said = build_name(first[0], rules.builds, f"{maf}:{first[1]}") if first else None
    texts = []
    if meta:
        texts.append(f"meta_study.txt reference_genome {folder.reference_genome[0]}")  # type: ignore[index]
    if said and first:
        texts.append(f"NCBI_Build {shown(first[0], bare=True)} ({os.path.basename(maf or '')} line {first[1]})")
    if meta and said and meta != said:
        raise InputError(f"{folder.reference_genome[1]}: reference_genome {folder.reference_genome[0]} is "  # type: ignore[index]
                         f"{meta}, but {maf}:{first[1]} has NCBI_Build {shown(first[0], bare=True)} ({said}): "  # type: ignore[index]
                         "one study, one build; fix the one that is wrong")
    if given is not None:
        if given not in rules.builds:
            raise UsageError(f"--build {shown(given, bare=True)}: unknown build (expected one of "
                             f"{', '.join(rules.builds)})")
        other = meta or said
        if other and other != given:
            log.warning("%s: --build %s overrides the study's %s (%s)", folder.path, given, other, "; ".join(texts))
            return given, f"--build (overrides {'; '.join(texts)})"
        return given, "--build" + (f" (agrees with {'; '.join(texts)})" if texts else "")
    chosen = meta or said
    if chosen is None:
        raise InputError(f"{folder.path}: cannot tell the genome build: no reference_genome in meta_study.txt and no "
                         "NCBI_Build in a mutation file; give --build GRCh37 or --build GRCh38")
    return chosen, " and ".join(texts)


# -- one classify run over a study ------------------------------------------------------------------
def check_study_request(inputs: list[str], sheet: str | None, options: ClassifyOptions, *, workers: int,
                        fail_fast: bool, annotate_vcf: str | None, merge_same_sample: bool,
                        shard: bool = False) -> None:
    """Refuse what cannot go with --study (UsageError): the study names its own files and samples."""
    given = [flag for flag, value in (
        ("input files", inputs), ("--samples", sheet), ("--cnv", options.cnv), ("--cnv-scale", options.cnv_scale),
        ("--fusions", options.fusions), ("--bam", options.bam), ("--pon", options.pon),
        ("--index", options.build_index), ("--targets", options.targets), ("--sample", options.sample),
        ("--annotate-vcf", annotate_vcf), ("--merge-same-sample", merge_same_sample), ("--fail-fast", fail_fast),
        ("--jobs", workers != 1), ("--shard", shard)) if value]
    if given:
        raise UsageError(f"--study reads a whole study folder (its MAF, copy number, structural variants, panels and "
                         f"case lists): {', '.join(given)} cannot go with it")
    if options.purity is not None and not 0 < options.purity <= 1:
        raise UsageError(f"--purity {options.purity}: must be in (0, 1]")


def classify_study(folder: str, *, options: ClassifyOptions | None = None, rules: Rules | None = None,
                   rule_files: tuple[str, ...] = (), outdir: str | None = None, store: str | None = None,
                   replace: bool = False) -> StudyRun:
    """Classify every sample of a cBioPortal study or GENIE release folder; write ``outdir`` (the
    files of ``classify --out``) and record into ``store`` when given (``replace``: as classify's
    --replace), only once every sample is classified. ``options``: build, reference, purity (for log2
    copy number), sample_type, patient (the default where data_clinical_sample.txt names none); its
    per-file options are not used. A bad file of the study raises InputError: nothing is written."""
    from ..classify.output import classify_folder

    options = options or ClassifyOptions()
    rules = rules or load_rules(list(rule_files))
    check_sample_types([], options, rules)
    read: list[Named] = [("--study", p) for p in _study_files(folder)]
    read += [("--rules", r) for r in rule_files] + [("--reference", options.reference)]
    refuse_overwriting_inputs([("--store", store and store + ext) for ext in ("", "-wal", "-shm")], read)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(classify_folder(outdir, [*read, ("--store", store)])) if outdir else None
        study = read_study(folder, rules, build=options.build)
        for note in study.notes:
            log.warning("%s", note)
        results = study_results(study, rules.for_sample_type(options.sample_type), options)
        prov = {**provenance(rules, options.reference), "study": study.describe()}
        if store:
            from ..store import StoreConflict, open_store

            opened = stack.enter_context(open_store(store))
            for r in results:
                try:
                    opened.record(sample_json(r, prov), rules.checksum, replace=replace)
                except StoreConflict as exc:  # the store holds this sample id from another input
                    r.status, r.error = "error", str(exc)
        if out is not None:
            write_outdir(out, results, prov)
    return StudyRun(results=results, provenance=prov, rules=rules, n_inputs=1, study=study)


def _study_files(folder: str) -> list[str]:
    """Every file of the study folder (and of its case_lists/ and gene_panels/): none may be written."""
    out = []
    for sub in ("", "case_lists", "gene_panels"):
        where = os.path.join(folder, sub)
        with contextlib.suppress(OSError):
            out += [os.path.join(where, n) for n in sorted(os.listdir(where))
                    if os.path.isfile(os.path.join(where, n))]
    return out


__all__ = ["Study", "StudyRun", "check_study_request", "classify_study", "looks_like_study", "read_study",
           "study_results"]
