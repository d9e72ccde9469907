"""A cBioPortal study folder from the cohort, in the form cBioPortal's validator
(validateData.py) accepts with no error and no warning her2var can avoid: meta files, clinical
patient/sample files with the four attribute header lines, a MAF of the small variants, discrete
copy number, structural variants (the fusions), gene panels with the matrix saying which sample
was profiled for what, and case lists.

Choices made here:
- only patients with at least one sample are exported (cBioPortal warns on patients without
  samples); all their samples are, with ``COHORT_SAMPLE`` marking the one the cohort uses;
- one reference genome per study (``--cbioportal-build``, else the build most events are on);
  events on the other build are lifted with the offsets the rules imply (cohort.liftover) and
  their REF checked against the rules' reference bases; an event that cannot be lifted exactly,
  or has no position and alleles, stops the export with the reason (nothing is written);
- "profiled" is what her2var can vouch for, per sample and profile, written as gene panels:
  mutations: ERBB2 when ``assessed = yes``, copy number: ERBB2 when ``cn_assessed = yes``, and
  in every profile each gene in which an event was found in that sample; mutations and
  structural variants also the co-driver and kinase genes classify recorded as tested for the
  sample (samples.tsv ``tested``: the VCF's small-variant genes, within ``--targets`` when given;
  the fusion kinases a fusion table or breakend-capable VCF covers). A sample with none of these
  is NA in the matrix and in no case list of that profile, so cBioPortal shows it as not
  profiled, never as wild type (cBioPortal takes a sample with no panel as profiled for every
  gene). Copy number of the co-drivers is not assessed, so they count as CNA-profiled only where
  an amplification was found;
- ids are made cBioPortal-safe ([A-Za-z0-9._-]); two ids that become the same are an error;
- OS_STATUS is 1:DECEASED / 0:LIVING, PFS_STATUS 1:PROGRESSION / 0:CENSORED; a patient left out
  of an analysis gets NA there. There is no DFS_* pair (first-line PFS is not disease-free
  survival), so the validator's note that disease-free analysis is unavailable stays;
- a MAF row whose protein change is not known gets HGVSp_Short ``p.?`` (HGVS: effect unknown);
- discrete CNA: 2 for an amplification, 0 when copy number was assessed without one, NA for a
  gene not profiled in that sample (never 0 by absence of evidence).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Any

from .. import __version__
from ..classify.tested import FUSION, SMALL_VARIANTS
from ..errors import InputError, UsageError, shown
from ..files import tsv_text
from ..rules.load import Rules, load_rules
from .build import CohortResult
from .calls import INDEX_GENE, SampleCalls
from .cbioportal_events import (
    ENTREZ,
    MAF_COLUMNS,
    SV_COLUMNS,
    SWISSPROT,
    hgvsp_short,
    label,
    maf_alleles,
    place_events,
    refusal,
    sv_row,
    to_int,
    variant_classification,
)
from .derive import her2_status
from .liftover import Liftover
from .problems import drug_list_text

STUDY_ID = re.compile(r"^[a-z0-9_]+$")
BAD_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]")
MAX_SAMPLE_ID = 63
GENOMES = {"GRCh37": "hg19", "GRCh38": "hg38"}
ONCOTREE = {"adenocarcinoma": ("LUAD", "Lung Adenocarcinoma"),
            "squamous": ("LUSC", "Lung Squamous Cell Carcinoma"),
            "adenosquamous": ("LUAS", "Lung Adenosquamous Carcinoma"),
            "large_cell": ("LCLC", "Large Cell Lung Carcinoma"),
            "sarcomatoid": ("SARCL", "Sarcomatoid Carcinoma of the Lung")}
# Profiles by stable_id (= gene panel matrix column): (panel id part, what a panel of it vouches for).
PROFILES = {
    "mutations": ("mut", ("small variants: ERBB2 where it was assessed (exon 20 covered) or an ERBB2 event was "
                          "found; any other gene where an event was found in it")),
    "cna": ("cna", ("copy number: ERBB2 where its copy number was assessed or an amplification was found; any "
                    "other gene where an amplification was found")),
    "structural_variants": ("sv", "structural variants: the genes of a fusion found in the sample"),
}


def _safe_id(value: str, what: str) -> str:
    out = BAD_ID_CHARS.sub("_", value)
    if what == "sample" and len(out) > MAX_SAMPLE_ID:
        raise InputError(f"cBioPortal: sample id {shown(value)} is longer than {MAX_SAMPLE_ID} characters; "
                         "use --pseudonymize or shorter ids")
    return out


class _Ids:
    def __init__(self, pz):
        self.pz = pz
        self.seen: dict[tuple[str, str], str] = {}

    def get(self, value: str, what: str) -> str:
        raw = (self.pz.patient(value) if what == "patient" else self.pz.sample(value)) if self.pz else value
        out = _safe_id(raw, what)
        prev = self.seen.setdefault((what, out), value)
        if prev != value:
            raise InputError(f"cBioPortal: {what} ids {shown(prev)} and {shown(value)} both become {shown(out)} "
                             "(cBioPortal allows only letters, digits, '.', '_' and '-'); rename one, "
                             "or use --pseudonymize")
        return out


def _na(value: Any) -> str:
    if value is None or value == "":
        return "NA"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if not value.is_integer() else str(int(value))
    return tsv_text(str(value))  # a hand-edited calls table or store may hold anything


def _clinical(path: str, attrs: list[tuple[str, str, str, str]], rows: list[list[Any]]) -> None:
    """attrs: (column, display name, description, datatype)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("#" + "\t".join(a[1] for a in attrs) + "\n")
        fh.write("#" + "\t".join(a[2] for a in attrs) + "\n")
        fh.write("#" + "\t".join(a[3] for a in attrs) + "\n")
        fh.write("#" + "\t".join("1" for _ in attrs) + "\n")
        fh.write("\t".join(a[0] for a in attrs) + "\n")
        for r in rows:
            fh.write("\t".join(_na(v) for v in r) + "\n")


def _meta(path: str, fields: list[tuple[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for k, v in fields:
            fh.write(f"{k}: {v}\n")


def write_study(folder: str, result: CohortResult, *, study_id: str = "her2var_cohort", pseudonymizer=None,
                build: str | None = None, rules: Rules | None = None) -> dict[str, Any]:
    """Write the study into ``folder`` (an empty, staged folder). ``rules`` (default: the built-in
    ones) place events of the other build. Returns counts of what was written and lifted."""
    if not STUDY_ID.match(study_id):
        raise UsageError(f"--study-id {shown(study_id)}: use lower-case letters, digits and '_' only")
    ids = _Ids(pseudonymizer)
    rows = [r for r in result.rows if result.samples_by_patient.get(r["patient_id"])]
    samples: list[tuple[dict[str, Any], SampleCalls]] = [
        (r, s) for r in rows for s in result.samples_by_patient[r["patient_id"]]]
    ok = [(r, s) for r, s in samples if s.status == "ok"]
    events = [(s, c) for _, s in ok for c in s.calls if c.get("class") != "amplification"]
    builds = Counter(str(c.get("build") or "") for _, c in events if c.get("build"))
    if build is None:
        build = max(sorted(builds), key=lambda b: builds[b]) if builds else "GRCh38"
    if build not in GENOMES:
        raise UsageError(f"--cbioportal-build {shown(build, bare=True)}: use GRCh37 or GRCh38")
    rules = rules if rules is not None else load_rules()
    placed = place_events(events, Liftover(rules, build), build)
    if placed.refused:
        raise refusal(placed, build)

    _meta(os.path.join(folder, "meta_study.txt"), [
        ("type_of_cancer", "nsclc"), ("cancer_study_identifier", study_id),
        ("name", "HER2 cohort (her2var)"),
        ("description", f"ERBB2 (HER2) alterations joined to clinical records by her2var {__version__}"),
        ("add_global_case_list", "true"), ("reference_genome", GENOMES[build])])

    # patients
    sites = [c for c in result.columns if c.startswith("mets_")]
    attrs = [("PATIENT_ID", "Patient Identifier", "Patient identifier", "STRING"),
             ("SEX", "Sex", "Sex", "STRING"), ("AGE", "Age", "Age in years", "NUMBER"),
             ("SMOKING_HISTORY", "Smoking History", "never, former or current", "STRING"),
             ("ECOG_PS", "ECOG PS", "ECOG performance status", "STRING"),
             ("STAGE", "Stage", "Stage", "STRING"), ("HISTOLOGY", "Histology", "Histology", "STRING"),
             *[(f"MET_{s[5:].upper()}", f"{s[5:].replace('_', ' ').title()} Metastasis",
                f"{s[5:].replace('_', ' ')} metastasis (Yes/No)", "STRING") for s in sites],
             ("FIRST_LINE_DRUGS", "First-line Drugs", "First-line drugs", "STRING"),
             ("FIRST_LINE_REGIMEN", "First-line Regimen", "Classes in the order C, I, A, TKI, ADC", "STRING"),
             ("REGIMEN_GROUP", "Regimen Group", "single or combination", "STRING"),
             ("BEST_RESPONSE", "Best Response", "RECIST 1.1 best overall response", "STRING"),
             ("OS_MONTHS", "Overall Survival (Months)", "From first-line start; days / 30.4375", "NUMBER"),
             ("OS_STATUS", "Overall Survival Status", "1:DECEASED or 0:LIVING", "STRING"),
             ("PFS_MONTHS", "Progression Free Survival (Months)", "From first-line start; days / 30.4375", "NUMBER"),
             ("PFS_STATUS", "Progression Free Survival Status", "1:PROGRESSION or 0:CENSORED", "STRING")]
    prow = []
    for r in rows:
        yesno = {"yes": "Yes", "no": "No"}
        prow.append([
            ids.get(r["patient_id"], "patient"), {"male": "Male", "female": "Female"}.get(r["sex"] or ""),
            r["age"], r["smoking"], r["ecog"], r["stage"], r["histology"],
            *[yesno.get(r[s] or "") for s in sites],
            drug_list_text(r["drugs"]) if pseudonymizer is not None else r["drugs"],
            r["regimen"], r["regimen_group"], r["best_response"] if r["in_response"] == "yes" else None,
            r["os_months"] if r["in_os"] == "yes" else None,
            {1: "1:DECEASED", 0: "0:LIVING"}.get(r["os_event"]) if r["in_os"] == "yes" else None,
            r["pfs_months"] if r["in_pfs"] == "yes" else None,
            {1: "1:PROGRESSION", 0: "0:CENSORED"}.get(r["pfs_event"]) if r["in_pfs"] == "yes" else None])
    _clinical(os.path.join(folder, "data_clinical_patient.txt"), attrs, prow)
    _meta(os.path.join(folder, "meta_clinical_patient.txt"), [
        ("cancer_study_identifier", study_id), ("genetic_alteration_type", "CLINICAL"),
        ("datatype", "PATIENT_ATTRIBUTES"), ("data_filename", "data_clinical_patient.txt")])

    # samples
    sattrs = [("SAMPLE_ID", "Sample Identifier", "Sample identifier", "STRING"),
              ("PATIENT_ID", "Patient Identifier", "Patient identifier", "STRING"),
              ("CANCER_TYPE", "Cancer Type", "Cancer type", "STRING"),
              ("CANCER_TYPE_DETAILED", "Cancer Type Detailed", "Cancer type (histology)", "STRING"),
              ("ONCOTREE_CODE", "Oncotree Code", "OncoTree code", "STRING"),
              ("HER2_STATUS", "HER2 Status", "ERBB2 classes, wild_type or not_assessed", "STRING"),
              ("ERBB2_EVENTS", "ERBB2 Events", "Canonical ERBB2 event names", "STRING"),
              ("ERBB2_ASSESSED", "ERBB2 Assessed", "Small variants assessed (yes/unknown/no)", "STRING"),
              ("ERBB2_CN_ASSESSED", "ERBB2 CN Assessed", "Copy number assessed (yes/no)", "STRING"),
              ("ERBB2_COPY_NUMBER", "ERBB2 Copy Number", "Absolute copy number", "NUMBER"),
              ("COHORT_SAMPLE", "Cohort Sample", "The sample the cohort uses for the patient (Yes/No)", "STRING")]
    srow = []
    for r, s in samples:
        code, detailed = ONCOTREE.get(r["histology"] or "", ("NSCLC", "Non-Small Cell Lung Cancer"))
        srow.append([ids.get(s.sample, "sample"), ids.get(r["patient_id"], "patient"), "Non-Small Cell Lung Cancer",
                     detailed, code, her2_status(s), ";".join(s.erbb2_events).replace(";", ", "),
                     s.assessed, s.cn_assessed, s.copy_number, "Yes" if s.sample == r["sample"] else "No"])
    _clinical(os.path.join(folder, "data_clinical_sample.txt"), sattrs, srow)
    _meta(os.path.join(folder, "meta_clinical_sample.txt"), [
        ("cancer_study_identifier", study_id), ("genetic_alteration_type", "CLINICAL"),
        ("datatype", "SAMPLE_ATTRIBUTES"), ("data_filename", "data_clinical_sample.txt")])

    # what each sample is profiled for: ERBB2 as assessed, and every gene with an event found
    known = set(rules.genes) | set(ENTREZ) | (set(rules.fusions.genes) if rules.fusions is not None else set())
    profiled: dict[str, dict[int, set[str]]] = {p: {} for p in PROFILES}
    for _, s in ok:
        if s.assessed == "yes":
            profiled["mutations"].setdefault(id(s), set()).add(INDEX_GENE)
        if s.cn_assessed == "yes":
            profiled["cna"].setdefault(id(s), set()).add(INDEX_GENE)
        for c in s.calls:
            if c.get("class") == "amplification" and c.get("gene"):
                profiled["cna"].setdefault(id(s), set()).add(str(c["gene"]))
        # the co-drivers classify looked at (samples.tsv 'tested'): their absence of a call is real
        if s.status == "ok" and s.tested:
            small = {g for g in s.tested.get(SMALL_VARIANTS, ()) if g in known}
            fused = {g for g in s.tested.get(FUSION, ()) if g in known}
            if small:
                profiled["mutations"].setdefault(id(s), set()).update(small)
            if fused:
                profiled["structural_variants"].setdefault(id(s), set()).update(fused)
    for s, c, _, _ in placed.small:
        if c.get("gene"):
            profiled["mutations"].setdefault(id(s), set()).add(str(c["gene"]))
    for s, _, ev, _ in placed.fusions:
        profiled["structural_variants"].setdefault(id(s), set()).update(
            {x.gene for x in ev.sites if x.gene and x.gene in known} | {ev.kinase})

    written: dict[str, list[SampleCalls]] = {}  # profile -> its samples, in study order
    for profile, by_sample in profiled.items():
        members = [s for _, s in ok if id(s) in by_sample]
        if members:
            written[profile] = members

    # mutations
    maf_rows: list[list[Any]] = []
    seen: set[tuple[Any, ...]] = set()
    duplicates = 0
    for s, c, chrom, pos in placed.small:
        ref, alt = str(c["ref"]), str(c["alt"])
        start, end, mref, malt, vtype = maf_alleles(pos, ref, alt)
        gene = str(c.get("gene") or "")
        key = (s.sample, gene, chrom, start, end, mref, malt)
        if key in seen:  # the same event twice in one sample: cBioPortal refuses duplicate rows
            duplicates += 1
            continue
        seen.add(key)
        depth, alt_reads = to_int(c.get("depth")), to_int(c.get("alt_reads"))
        maf_rows.append([gene, ENTREZ.get(gene, ""), "her2var", ids.get(s.sample, "sample"),
                         variant_classification(c, ref, alt), vtype, chrom, start, end, "+", mref, mref, malt,
                         hgvsp_short(c), str(c.get("hgvs_c") or "").split(":")[-1],
                         "" if alt_reads is None else alt_reads,
                         "" if depth is None or alt_reads is None else max(depth - alt_reads, 0),
                         SWISSPROT.get(gene, "")])
    if "mutations" in written:
        with open(os.path.join(folder, "data_mutations.txt"), "w", encoding="utf-8", newline="") as fh:
            fh.write("\t".join(MAF_COLUMNS) + "\n")
            for m in maf_rows:
                # '-' (an empty allele) and '+' (the strand) are MAF's own words, not formulas
                fh.write("\t".join(v if v in ("-", "+") else tsv_text(str(v)) for v in m) + "\n")
        _meta(os.path.join(folder, "meta_mutations.txt"), [
            ("cancer_study_identifier", study_id), ("genetic_alteration_type", "MUTATION_EXTENDED"),
            ("datatype", "MAF"), ("stable_id", "mutations"), ("show_profile_in_analysis_tab", "true"),
            ("profile_name", "Mutations (her2var)"),
            ("profile_description", ("ERBB2 and co-driver small variants classified by her2var; which genes each "
                                     "sample was profiled for is in the gene panel matrix")),
            ("data_filename", "data_mutations.txt"), ("swissprot_identifier", "name")])

    # discrete copy number: only the samples profiled for it, NA for a gene not profiled in one
    if "cna" in written:
        cna = written["cna"]
        cna_genes = _gene_order(set().union(*(profiled["cna"][id(s)] for s in cna)))
        with open(os.path.join(folder, "data_CNA.txt"), "w", encoding="utf-8", newline="") as fh:
            fh.write("\t".join(["Hugo_Symbol", "Entrez_Gene_Id",
                                *(tsv_text(ids.get(s.sample, "sample")) for s in cna)]) + "\n")
            for gene in cna_genes:
                values = []
                for s in cna:
                    amplified = any(c.get("class") == "amplification" and c.get("gene") == gene for c in s.calls)
                    values.append("2" if amplified else "0" if gene in profiled["cna"][id(s)] else "NA")
                fh.write("\t".join([gene, str(ENTREZ.get(gene, "")), *values]) + "\n")
        _meta(os.path.join(folder, "meta_CNA.txt"), [
            ("cancer_study_identifier", study_id), ("genetic_alteration_type", "COPY_NUMBER_ALTERATION"),
            ("datatype", "DISCRETE"), ("stable_id", "cna"), ("show_profile_in_analysis_tab", "true"),
            ("profile_name", "Copy number (her2var)"),
            ("profile_description", ("ERBB2 amplification (copy number above the rules' threshold) = 2; "
                                     "assessed without amplification = 0; not assessed = NA")),
            ("data_filename", "data_CNA.txt")])

    # structural variants: the fusions
    if "structural_variants" in written:
        with open(os.path.join(folder, "data_sv.txt"), "w", encoding="utf-8", newline="") as fh:
            fh.write("\t".join(SV_COLUMNS) + "\n")
            for s, c, ev, where in placed.fusions:
                fh.write("\t".join(_na(v) for v in sv_row(ids.get(s.sample, "sample"), c, ev, where, build))
                         + "\n")
        _meta(os.path.join(folder, "meta_sv.txt"), [
            ("cancer_study_identifier", study_id), ("genetic_alteration_type", "STRUCTURAL_VARIANT"),
            ("datatype", "SV"), ("stable_id", "structural_variants"), ("show_profile_in_analysis_tab", "true"),
            ("profile_name", "Structural variants (her2var)"),
            ("profile_description", ("Kinase fusions and rearrangements found by her2var; a sample is profiled "
                                     "for them only where one was found")),
            ("data_filename", "data_sv.txt")])

    # gene panels and the matrix: which sample was profiled for which genes, per profile
    panel_genes = {p: {k: tuple(_gene_order(v)) for k, v in by_sample.items()} for p, by_sample in profiled.items()}
    panels = sorted({(p, genes) for p in written for genes in panel_genes[p].values()})
    for profile, genes in panels:
        with open(os.path.join(folder, f"data_gene_panel_{_panel_id('', profile, genes)[1:]}.txt"), "w",
                  encoding="utf-8", newline="") as fh:
            fh.write(f"stable_id: {_panel_id(study_id, profile, genes)}\n")
            fh.write(f"description: Genes profiled by her2var ({', '.join(genes)}) for {PROFILES[profile][1]}\n")
            fh.write("gene_list: " + "\t".join(genes) + "\n")
    if written:
        with open(os.path.join(folder, "data_gene_panel_matrix.txt"), "w", encoding="utf-8", newline="") as fh:
            fh.write("\t".join(["SAMPLE_ID", *written]) + "\n")
            for _, s in samples:
                cells = [_panel_id(study_id, p, panel_genes[p][id(s)]) if id(s) in panel_genes[p] else "NA"
                         for p in written]
                fh.write("\t".join([tsv_text(ids.get(s.sample, "sample")), *cells]) + "\n")
        _meta(os.path.join(folder, "meta_gene_panel_matrix.txt"), [
            ("cancer_study_identifier", study_id), ("genetic_alteration_type", "GENE_PANEL_MATRIX"),
            ("datatype", "GENE_PANEL_MATRIX"), ("data_filename", "data_gene_panel_matrix.txt")])

    # case lists
    lists = os.path.join(folder, "case_lists")
    os.makedirs(lists, exist_ok=True)
    sequenced = [ids.get(s.sample, "sample") for s in written.get("mutations", [])]
    cna_ids = [ids.get(s.sample, "sample") for s in written.get("cna", [])]
    sv_ids = [ids.get(s.sample, "sample") for s in written.get("structural_variants", [])]
    cna_set = set(cna_ids) if "mutations" in written else set()
    for suffix, name, category, listed in (
            ("sequenced", "Samples with mutation data", "all_cases_with_mutation_data", sequenced),
            ("cna", "Samples with CNA data", "all_cases_with_cna_data", cna_ids),
            ("cnaseq", "Samples with mutation and CNA data", "all_cases_with_mutation_and_cna_data",
             [x for x in sequenced if x in cna_set]),
            ("sv", "Samples with structural variant data", "all_cases_with_sv_data", sv_ids)):
        if not listed:
            continue
        _meta(os.path.join(lists, f"cases_{suffix}.txt"), [
            ("cancer_study_identifier", study_id), ("stable_id", f"{study_id}_{suffix}"),
            ("case_list_name", name), ("case_list_description", f"{name} ({len(listed)} samples)"),
            ("case_list_category", category), ("case_list_ids", "\t".join(listed))])

    notes = [f"cBioPortal study written by her2var {__version__}", f"reference genome: {build} ({GENOMES[build]})",
             (f"patients: {len(rows)} (patients without a classified sample are not exported: "
              f"{len(result.rows) - len(rows)})"), f"samples: {len(samples)}", f"mutation rows: {len(maf_rows)}",
             f"structural variant rows: {len(placed.fusions)}",
             "profiled (gene panel matrix; the others are NA, not profiled): "
             + ", ".join(f"{p} {len(written.get(p, []))}" for p in PROFILES),
             "gene panels (import each data_gene_panel_*.txt into the portal before the study): "
             + ", ".join(_panel_id(study_id, p, genes) for p, genes in panels)]
    if duplicates:
        notes.append(f"the same event twice in one sample, written once: {duplicates}")
    if placed.lifted:
        notes.append(f"events lifted to {build} with the offsets the rules imply: {len(placed.lifted)} "
                     f"(REF checked against the rules' reference bases: {placed.checked})")
        notes += [f"  {ids.get(s.sample, 'sample')}\t{shown(c.get('gene'), bare=True)}\t"
                  f"{shown(label(c), bare=True)}\t{text}" for s, c, text in placed.lifted]
    if placed.partner_unplaced:
        notes.append(f"fusion partner ends written without a position (not placed on {build}): "
                     f"{len(placed.partner_unplaced)}")
        notes += [f"  {ids.get(s.sample, 'sample')}\t{shown(label(c), bare=True)}\t{why}"
                  for s, c, why in placed.partner_unplaced]
    with open(os.path.join(folder, "her2var_export.txt"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(notes) + "\n")
    return {"build": build, "lifted": len(placed.lifted), "patients": len(rows), "samples": len(samples),
            "mutations": len(maf_rows), "structural_variants": len(placed.fusions),
            "profiled": {p: len(written.get(p, [])) for p in PROFILES},
            "panels": [_panel_id(study_id, p, genes) for p, genes in panels]}


def _panel_id(study_id: str, profile: str, genes: tuple[str, ...]) -> str:
    """``<study>_<mut|cna|sv>_<GENES>``: unique in a portal, where panels of every study meet."""
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join((study_id, PROFILES[profile][0], *genes)))


def _gene_order(genes: set[str]) -> list[str]:
    return sorted(genes, key=lambda g: (g != INDEX_GENE, g))
