"""A cBioPortal study folder from the cohort, in the form cBioPortal's validator
(validateData.py) accepts: meta files, clinical patient/sample files with the four attribute
header lines, a MAF of the small variants, discrete copy number, and case lists.

Choices made here:
- only patients with at least one sample are exported (cBioPortal warns on patients without
  samples); all their samples are, with ``COHORT_SAMPLE`` marking the one the cohort uses;
- one reference genome per study (``--cbioportal-build``, else the build most events are on);
  events on the other build cannot be placed and are left out of the MAF, listed in
  ``her2var_export.txt``; the MAF has no NCBI_Build column (the study's genome stands);
- ids are made cBioPortal-safe ([A-Za-z0-9._-]); two ids that become the same are an error;
- OS_STATUS is 1:DECEASED / 0:LIVING, PFS_STATUS 1:PROGRESSION / 0:CENSORED; a patient left out
  of an analysis gets NA there;
- discrete CNA: 2 for an amplification, 0 when copy number was assessed without one, NA when
  it was not assessed (never 0 by absence of evidence).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Any

from .. import __version__
from ..contigs import contig_key
from ..errors import InputError, UsageError, shown
from .build import CohortResult
from .calls import INDEX_GENE, SampleCalls
from .derive import her2_status

STUDY_ID = re.compile(r"^[a-z0-9_]+$")
BAD_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]")
MAX_SAMPLE_ID = 63
GENOMES = {"GRCh37": "hg19", "GRCh38": "hg38"}
ENTREZ = {"ERBB2": 2064, "EGFR": 1956, "KRAS": 3845, "BRAF": 673, "MET": 4233, "ALK": 238, "ROS1": 6098,
          "RET": 5979, "NRAS": 4893, "PIK3CA": 5290, "TP53": 7157, "NTRK1": 4914, "STK11": 6794}
SWISSPROT = {"ERBB2": "ERBB2_HUMAN", "EGFR": "EGFR_HUMAN", "KRAS": "RASK_HUMAN", "BRAF": "BRAF_HUMAN",
             "MET": "MET_HUMAN", "ALK": "ALK_HUMAN", "ROS1": "ROS1_HUMAN", "RET": "RET_HUMAN",
             "NRAS": "RASN_HUMAN", "PIK3CA": "PK3CA_HUMAN", "TP53": "P53_HUMAN"}
ONCOTREE = {"adenocarcinoma": ("LUAD", "Lung Adenocarcinoma"),
            "squamous": ("LUSC", "Lung Squamous Cell Carcinoma"),
            "adenosquamous": ("LUAS", "Lung Adenosquamous Carcinoma"),
            "large_cell": ("LCLC", "Large Cell Lung Carcinoma"),
            "sarcomatoid": ("SARCL", "Sarcomatoid Carcinoma of the Lung")}
MAF_COLUMNS = ("Hugo_Symbol", "Entrez_Gene_Id", "Center", "Tumor_Sample_Barcode", "Variant_Classification",
               "Variant_Type", "Chromosome", "Start_Position", "End_Position", "Strand", "Reference_Allele",
               "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "HGVSp_Short", "HGVSc", "t_alt_count", "t_ref_count",
               "SWISSPROT")


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
    return str(value).replace("\t", " ")


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


def maf_alleles(pos: int, ref: str, alt: str) -> tuple[int, int, str, str, str]:
    """VCF (pos, ref, alt) -> MAF (start, end, ref, alt, variant type), shared leading bases removed."""
    k = 0
    while k < len(ref) and k < len(alt) and ref[k] == alt[k]:
        k += 1
    r, a, start = ref[k:], alt[k:], pos + k
    if not r:
        return start - 1, start, "-", a, "INS"
    if not a:
        return start, start + len(r) - 1, r, "-", "DEL"
    end = start + len(r) - 1
    if len(r) == len(a):
        return start, end, r, a, {1: "SNP", 2: "DNP", 3: "TNP"}.get(len(r), "ONP")
    return start, end, r, a, "INS" if len(a) > len(r) else "DEL"


def variant_classification(call: dict[str, Any], ref: str, alt: str) -> str:
    klass = call.get("class", "")
    if klass == "exon20_insertion":
        return "In_Frame_Ins"
    if klass == "inframe_deletion":
        return "In_Frame_Del"
    if klass == "point_mutation":
        return "Missense_Mutation"
    notes = str(call.get("notes") or "").lower()
    delta = len(alt) - len(ref)
    if "splice site" in notes or klass == "splice":
        return "Splice_Site"
    if "nonsense" in notes or "stop gained" in notes:
        return "Nonsense_Mutation"
    if "splice region" in notes:
        return "Splice_Region"
    if delta % 3:
        return "Frame_Shift_Ins" if delta > 0 else "Frame_Shift_Del"
    if delta:
        return "In_Frame_Ins" if delta > 0 else "In_Frame_Del"
    if "missense" in notes or (len(ref) == len(alt) and ref != alt):
        return "Missense_Mutation"
    return "Unknown"


def _int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def write_study(folder: str, result: CohortResult, *, study_id: str = "her2var_cohort", pseudonymizer=None,
                build: str | None = None) -> dict[str, Any]:
    """Write the study into ``folder`` (an empty, staged folder). Returns what was left out."""
    if not STUDY_ID.match(study_id):
        raise UsageError(f"--study-id {shown(study_id)}: use lower-case letters, digits and '_' only")
    ids = _Ids(pseudonymizer)
    rows = [r for r in result.rows if result.samples_by_patient.get(r["patient_id"])]
    samples: list[tuple[dict[str, Any], SampleCalls]] = [
        (r, s) for r in rows for s in result.samples_by_patient[r["patient_id"]]]
    ok = [(r, s) for r, s in samples if s.status == "ok"]
    small = [(s, c) for _, s in ok for c in s.calls if c.get("class") != "amplification"]
    builds = Counter(str(c.get("build") or "") for _, c in small if c.get("build"))
    if build is None:
        build = max(sorted(builds), key=lambda b: builds[b]) if builds else "GRCh38"
    if build not in GENOMES:
        raise UsageError(f"--cbioportal-build {shown(build, bare=True)}: use GRCh37 or GRCh38")

    _meta(os.path.join(folder, "meta_study.txt"), [
        ("type_of_cancer", "nsclc"), ("cancer_study_identifier", study_id),
        ("name", "HER2 cohort (her2var)"), ("short_name", "HER2 cohort"),
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
            r["drugs"], r["regimen"], r["regimen_group"], r["best_response"] if r["in_response"] == "yes" else None,
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

    # mutations
    left_out = []
    maf_rows = []
    for s, c in small:
        if str(c.get("build") or build) != build:
            left_out.append((s, c))
            continue
        pos, ref, alt = _int(c.get("pos")), str(c.get("ref") or ""), str(c.get("alt") or "")
        if pos is None or not ref or not alt or set(ref + alt) - set("ACGT"):
            left_out.append((s, c))
            continue
        start, end, mref, malt, vtype = maf_alleles(pos, ref, alt)
        gene = str(c.get("gene") or "")
        depth, alt_reads = _int(c.get("depth")), _int(c.get("alt_reads"))
        hgvs_p = str(c.get("hgvs_p") or "")
        maf_rows.append([gene, ENTREZ.get(gene, ""), "her2var", ids.get(s.sample, "sample"),
                         variant_classification(c, ref, alt), vtype, contig_key(str(c.get("chrom") or "")),
                         start, end, "+", mref, mref, malt, hgvs_p if not re.search(r"[;+,]", hgvs_p) else "",
                         str(c.get("hgvs_c") or "").split(":")[-1], "" if alt_reads is None else alt_reads,
                         "" if depth is None or alt_reads is None else max(depth - alt_reads, 0),
                         SWISSPROT.get(gene, "")])
    sequenced = [ids.get(s.sample, "sample") for _, s in ok]
    if maf_rows:
        with open(os.path.join(folder, "data_mutations.txt"), "w", encoding="utf-8", newline="") as fh:
            fh.write("\t".join(MAF_COLUMNS) + "\n")
            for m in maf_rows:
                fh.write("\t".join(str(v) for v in m) + "\n")
        _meta(os.path.join(folder, "meta_mutations.txt"), [
            ("cancer_study_identifier", study_id), ("genetic_alteration_type", "MUTATION_EXTENDED"),
            ("datatype", "MAF"), ("stable_id", "mutations"), ("show_profile_in_analysis_tab", "true"),
            ("profile_name", "Mutations (her2var)"),
            ("profile_description", "ERBB2 and co-driver small variants classified by her2var"),
            ("data_filename", "data_mutations.txt"), ("swissprot_identifier", "name")])

    # discrete copy number
    cn_samples = [s for _, s in ok if s.cn_assessed == "yes"]
    if cn_samples:
        amp_genes = sorted({INDEX_GENE} | {str(c.get("gene")) for _, s in ok for c in s.calls
                                           if c.get("class") == "amplification" and c.get("gene")})
        with open(os.path.join(folder, "data_CNA.txt"), "w", encoding="utf-8", newline="") as fh:
            fh.write("\t".join(["Hugo_Symbol", "Entrez_Gene_Id", *sequenced]) + "\n")
            for gene in amp_genes:
                values = []
                for _, s in ok:
                    amplified = any(c.get("class") == "amplification" and c.get("gene") == gene for c in s.calls)
                    if amplified:
                        values.append("2")
                    elif gene == INDEX_GENE and s.cn_assessed == "yes":
                        values.append("0")
                    else:
                        values.append("NA")
                fh.write("\t".join([gene, str(ENTREZ.get(gene, "")), *values]) + "\n")
        _meta(os.path.join(folder, "meta_CNA.txt"), [
            ("cancer_study_identifier", study_id), ("genetic_alteration_type", "COPY_NUMBER_ALTERATION"),
            ("datatype", "DISCRETE"), ("stable_id", "cna"), ("show_profile_in_analysis_tab", "true"),
            ("profile_name", "Copy number (her2var)"),
            ("profile_description", ("ERBB2 amplification (copy number above the rules' threshold) = 2; "
                                     "assessed without amplification = 0; not assessed = NA")),
            ("data_filename", "data_CNA.txt")])

    # case lists
    lists = os.path.join(folder, "case_lists")
    os.makedirs(lists, exist_ok=True)
    cna_ids = [ids.get(s.sample, "sample") for s in cn_samples]
    for suffix, name, category, members in (
            ("sequenced", "Samples with mutation data", "all_cases_with_mutation_data", sequenced if maf_rows else []),
            ("cna", "Samples with CNA data", "all_cases_with_cna_data", cna_ids),
            ("cnaseq", "Samples with mutation and CNA data", "all_cases_with_mutation_and_cna_data",
             cna_ids if maf_rows else [])):
        if not members:
            continue
        _meta(os.path.join(lists, f"cases_{suffix}.txt"), [
            ("cancer_study_identifier", study_id), ("stable_id", f"{study_id}_{suffix}"),
            ("case_list_name", name), ("case_list_description", f"{name} ({len(members)} samples)"),
            ("case_list_category", category), ("case_list_ids", "\t".join(members))])

    notes = [f"cBioPortal study written by her2var {__version__}", f"reference genome: {build} ({GENOMES[build]})",
             (f"patients: {len(rows)} (patients without a classified sample are not exported: "
              f"{len(result.rows) - len(rows)})"), f"samples: {len(samples)}", f"mutation rows: {len(maf_rows)}"]
    if left_out:
        notes.append(f"events left out of the MAF (other genome build or no VCF alleles): {len(left_out)}")
        notes += [f"  {ids.get(s.sample, 'sample')}\t{shown(c.get('gene'), bare=True)}\t"
                  f"{shown(c.get('hgvs_p') or c.get('hgvs_c'), bare=True)}\t{shown(c.get('build'), bare=True)}"
                  for s, c in left_out]
    with open(os.path.join(folder, "her2var_export.txt"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(notes) + "\n")
    return {"build": build, "left_out": len(left_out), "patients": len(rows), "samples": len(samples)}
