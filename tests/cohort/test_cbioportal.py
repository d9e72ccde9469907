"""The cBioPortal study: events of the other genome build lifted (never left out), gene panels
saying what each sample was profiled for, fusions as structural variants, and every rule of
cBioPortal's validator (validateData.py of cBioPortal's importer) that the export meets.

``study_problems`` restates those rules; the validator itself runs only where it is installed
(HER2VAR_CBIOPORTAL_VALIDATOR = path to its validateData.py, with
HER2VAR_CBIOPORTAL_VALIDATOR_PYTHON an interpreter that has its dependencies, and optionally
HER2VAR_CBIOPORTAL_PORTAL_INFO a portal-info folder of JSON files for its gene checks).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli, write

from her2var.cohort.build import build_cohort
from her2var.cohort.cbioportal_events import hgvsp_short, variant_classification
from her2var.cohort.export import write_cohort
from her2var.cohort.liftover import LiftError, Liftover
from her2var.errors import InputError
from her2var.rules.load import Window

CLIN = FIXTURES / "clinical"

# -- the validator's rules -------------------------------------------------------------------------
# Fields each meta file may carry (cbioportal_common.META_FIELD_MAP): required True, optional False.
META_FIELDS = {
    "STUDY": {"cancer_study_identifier": True, "type_of_cancer": True, "name": True, "description": True,
              "citation": False, "pmid": False, "groups": False, "add_global_case_list": False, "tags_file": False,
              "reference_genome": False},
    "CLINICAL": {"cancer_study_identifier": True, "genetic_alteration_type": True, "datatype": True,
                 "data_filename": True},
    "MUTATION_EXTENDED": {"cancer_study_identifier": True, "genetic_alteration_type": True, "datatype": True,
                          "stable_id": True, "show_profile_in_analysis_tab": True, "profile_name": True,
                          "profile_description": True, "data_filename": True, "normal_samples_list": False,
                          "swissprot_identifier": False, "gene_panel": False, "variant_classification_filter": False,
                          "namespaces": False},
    "COPY_NUMBER_ALTERATION": {"cancer_study_identifier": True, "genetic_alteration_type": True, "datatype": True,
                               "stable_id": True, "show_profile_in_analysis_tab": True, "profile_name": True,
                               "profile_description": True, "data_filename": True, "gene_panel": False,
                               "pd_annotations_filename": False},
    "STRUCTURAL_VARIANT": {"cancer_study_identifier": True, "genetic_alteration_type": True, "datatype": True,
                           "stable_id": True, "show_profile_in_analysis_tab": True, "profile_name": True,
                           "profile_description": True, "data_filename": True, "gene_panel": False,
                           "namespaces": False},
    "GENE_PANEL_MATRIX": {"cancer_study_identifier": True, "genetic_alteration_type": True, "datatype": True,
                          "data_filename": True},
    "CASE_LIST": {"cancer_study_identifier": True, "stable_id": True, "case_list_name": True,
                  "case_list_description": True, "case_list_ids": True, "case_list_category": False},
}
CASE_LIST_CATEGORIES = {
    "all_cases_in_study", "all_cases_with_mutation_data", "all_cases_with_cna_data", "all_cases_with_log2_cna_data",
    "all_cases_with_methylation_data", "all_cases_with_mrna_array_data", "all_cases_with_mrna_rnaseq_data",
    "all_cases_with_rppa_data", "all_cases_with_microrna_data", "all_cases_with_mutation_and_cna_data",
    "all_cases_with_mutation_and_cna_and_mrna_data", "all_cases_with_gsva_data", "all_cases_with_sv_data", "other"}
VARIANT_CLASSES = {"Frame_Shift_Del", "Frame_Shift_Ins", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation",
                   "Nonsense_Mutation", "Splice_Site", "Translation_Start_Site", "Nonstop_Mutation",
                   "Targeted_Region", "De_novo_Start_InFrame", "De_novo_Start_OutOfFrame", "Silent", "Intron",
                   "3'UTR", "3'Flank", "5'UTR", "5'Flank", "IGR", "RNA", "Splice_Region", "Fusion", "Unknown"}
SV_GENOMIC = {"Sample_Id", "Site1_Hugo_Symbol", "Site1_Entrez_Gene_Id", "Site1_Chromosome", "Site1_Position",
              "Site1_Region_Number", "Site1_Ensembl_Transcript_Id", "Site2_Hugo_Symbol", "Site2_Entrez_Gene_Id",
              "Site2_Chromosome", "Site2_Position", "Site2_Region_Number", "Site2_Ensembl_Transcript_Id",
              "Event_Info", "Site1_Region", "Site2_Region", "Site1_Contig", "Site2_Contig"}
SV_UNIQUE = ("Sample_Id", "Site1_Hugo_Symbol", "Site1_Entrez_Gene_Id", "Site1_Chromosome", "Site1_Position",
             "Site1_Region_Number", "Site1_Ensembl_Transcript_Id", "Site2_Hugo_Symbol", "Site2_Entrez_Gene_Id",
             "Site2_Chromosome", "Site2_Position", "Site2_Region_Number", "Site2_Ensembl_Transcript_Id", "Event_Info")
MAF_KEY = ("Entrez_Gene_Id", "Chromosome", "Start_Position", "End_Position", "Variant_Classification",
           "Tumor_Seq_Allele2", "HGVSp_Short", "Tumor_Sample_Barcode")
GENOME_BUILD = {"hg19": "GRCh37", "hg38": "GRCh38"}
ID = re.compile(r"^[A-Za-z0-9._-]+$")
META_NAME = re.compile(r"(\b|_)meta(\b|[_0-9])", re.IGNORECASE)  # how the validator finds meta files


def read_meta(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            key, _, value = line.partition(":")
            out[key.strip()] = value.strip()
    return out


def read_table(path: Path) -> tuple[list[str], list[str], list[dict[str, str]]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "" and "" not in lines[:-1], f"{path.name}: blank line"
    top = [ln for ln in lines if ln.startswith("#")]
    body = [ln.split("\t") for ln in lines[len(top):-1]]
    header, rows = body[0], body[1:]
    assert all(len(r) == len(header) for r in rows), f"{path.name}: rows of another width than the header"
    return top, header, [dict(zip(header, r, strict=True)) for r in rows]


def _meta_kind(m: dict[str, str]) -> str:
    if "type_of_cancer" in m:
        return "STUDY"
    return m.get("genetic_alteration_type", "")


def study_problems(folder: Path) -> list[str]:
    """Every rule of validateData.py the export is meant to meet, as a list of what breaks them
    (errors, and the warnings her2var can avoid)."""
    bad: list[str] = []
    files = sorted(p.name for p in folder.iterdir() if p.is_file())
    metas = {f: read_meta(folder / f) for f in files if META_NAME.search(f)}
    study = next((m for m in metas.values() if "type_of_cancer" in m), None)
    if study is None:
        return ["no meta_study.txt"]
    sid = study["cancer_study_identifier"]
    if not re.fullmatch(r"[a-z0-9_]+", sid):
        bad.append(f"study id {sid!r}")
    if study.get("reference_genome") not in GENOME_BUILD:
        bad.append("reference_genome is not hg19/hg38")
    stable_ids: dict[str, str] = {}
    for name, m in metas.items():
        allowed = META_FIELDS.get(_meta_kind(m))
        if allowed is None:
            bad.append(f"{name}: a file named like a meta file that is not one ({m.get('genetic_alteration_type')})")
            continue
        bad += [f"{name}: unrecognized field {k}" for k in m if k not in allowed]
        bad += [f"{name}: missing field {k}" for k, req in allowed.items() if req and k not in m]
        if m.get("cancer_study_identifier") != sid:
            bad.append(f"{name}: another study id")
        if "stable_id" in m:
            if m["stable_id"] in stable_ids:
                bad.append(f"{name}: stable_id {m['stable_id']} repeated")
            stable_ids[m["stable_id"]] = name
        if "data_filename" in m and not (folder / m["data_filename"]).is_file():
            bad.append(f"{name}: no {m['data_filename']}")
    by_kind = {(_meta_kind(m), m.get("datatype")): m for m in metas.values()}

    # clinical files
    samples: dict[str, str] = {}
    for kind in ("SAMPLE_ATTRIBUTES", "PATIENT_ATTRIBUTES"):
        m = by_kind.get(("CLINICAL", kind))
        if m is None:
            if kind == "SAMPLE_ATTRIBUTES":
                return [*bad, "no clinical sample file"]
            continue
        top, header, rows = read_table(folder / m["data_filename"])
        if len(top) != 4 or any(len(t.split("\t")) != len(header) for t in top):
            bad.append(f"{m['data_filename']}: not 4 attribute lines as wide as the header")
            continue
        types = top[2][1:].split("\t")
        if not set(types) <= {"STRING", "NUMBER", "BOOLEAN"} or not all(p.isdigit() for p in top[3][1:].split("\t")):
            bad.append(f"{m['data_filename']}: datatypes or priorities")
        if not all(h == h.upper() for h in header) or {"MUTATION_COUNT", "FRACTION_GENOME_ALTERED"} & set(header):
            bad.append(f"{m['data_filename']}: attribute names")
        for r in rows:
            for h, t in zip(header, types, strict=True):
                if t == "NUMBER" and r[h] not in ("NA", ""):
                    try:
                        float(r[h])
                    except ValueError:
                        bad.append(f"{m['data_filename']}: {h} {r[h]!r} is not a number")
            if not ID.match(r["PATIENT_ID"]):
                bad.append(f"{m['data_filename']}: patient id {r['PATIENT_ID']!r}")
            if kind == "SAMPLE_ATTRIBUTES":
                if not ID.match(r["SAMPLE_ID"]) or len(r["SAMPLE_ID"]) > 63 or r["SAMPLE_ID"] in samples:
                    bad.append(f"sample id {r['SAMPLE_ID']!r}")
                samples[r["SAMPLE_ID"]] = r["PATIENT_ID"]
            else:
                if r["PATIENT_ID"] not in samples.values():
                    bad.append(f"patient {r['PATIENT_ID']} has no sample")
                for h in header:
                    if h.endswith("_STATUS") and h[:-7] + "_MONTHS" in header and r[h] != "NA" \
                            and not re.match(r"^[01]:", r[h]):
                        bad.append(f"{h} {r[h]!r}")
                if r.get("OS_STATUS") == "1:DECEASED" and r.get("OS_MONTHS") in ("NA", ""):
                    bad.append("deceased without OS_MONTHS")
        if kind == "PATIENT_ATTRIBUTES" and not {"OS_MONTHS", "OS_STATUS"} <= set(header):
            bad.append("no OS_MONTHS/OS_STATUS")

    # case lists
    lists: dict[str, list[str]] = {}
    categories: list[str] = []
    for p in sorted((folder / "case_lists").iterdir()) if (folder / "case_lists").is_dir() else []:
        m = read_meta(p)
        bad += [f"case list {p.name}: unrecognized field {k}" for k in m if k not in META_FIELDS["CASE_LIST"]]
        if not m.get("stable_id", "").startswith(sid + "_") or m["stable_id"] in lists:
            bad.append(f"case list {p.name}: stable_id {m.get('stable_id')!r}")
        cat = m.get("case_list_category")
        if cat is not None and (cat not in CASE_LIST_CATEGORIES or (cat in categories and cat != "other")):
            bad.append(f"case list {p.name}: category {cat!r}")
        categories.append(cat or "")
        members = [x.strip() for x in m.get("case_list_ids", "").split("\t")]
        if len(set(members)) != len(members) or not set(members) <= set(samples):
            bad.append(f"case list {p.name}: duplicated ids or ids not in the clinical sample file")
        lists[m.get("stable_id", "")] = members
    if study.get("add_global_case_list") != "true" and f"{sid}_all" not in lists:
        bad.append("no _all case list")
    sequenced = set(lists.get(f"{sid}_sequenced", []))

    # mutations
    maf = by_kind.get(("MUTATION_EXTENDED", "MAF"))
    if maf is not None:
        if f"{sid}_sequenced" not in lists:
            bad.append("MAF without a _sequenced case list")
        _, header, rows = read_table(folder / maf["data_filename"])
        if not {"Tumor_Sample_Barcode", "Hugo_Symbol", "Variant_Classification", "HGVSp_Short", "SWISSPROT"} \
                <= set(header):
            bad.append("MAF columns")
        if "NCBI_Build" in header and any(r["NCBI_Build"] != GENOME_BUILD[study["reference_genome"]] for r in rows):
            bad.append("MAF NCBI_Build is not the study's")
        seen = set()
        for n, r in enumerate(rows, 2):
            where = f"MAF line {n}"
            if r["Tumor_Sample_Barcode"] not in samples or r["Tumor_Sample_Barcode"] not in sequenced:
                bad.append(f"{where}: sample not in the clinical file or not in _sequenced")
            if r["Variant_Classification"] not in VARIANT_CLASSES:
                bad.append(f"{where}: Variant_Classification {r['Variant_Classification']!r}")
            aa = r["HGVSp_Short"]
            if r["Variant_Classification"] != "Splice_Site" and aa in ("", "NA", "NULL"):
                bad.append(f"{where}: no HGVSp_Short (a generic MUTATED label)")
            if ";" in aa or "," in aa or "p." in aa[1:] or len(aa) > 255:
                bad.append(f"{where}: HGVSp_Short {aa!r}")
            if not re.fullmatch(r"[A-Z0-9]{1,5}_[A-Z0-9]{1,5}", r["SWISSPROT"]):
                bad.append(f"{where}: SWISSPROT {r['SWISSPROT']!r}")
            ref, a1, a2 = r["Reference_Allele"], r["Tumor_Seq_Allele1"], r["Tumor_Seq_Allele2"]
            vtype = r["Variant_Type"]
            if any(set(x) - set("ACGT-") or x.count("-") > 1 or not x for x in (ref, a1, a2)):
                bad.append(f"{where}: alleles {(ref, a1, a2)}")
            if not (r["Start_Position"].isdigit() and r["End_Position"].isdigit()):
                bad.append(f"{where}: positions")
                continue
            start, end = int(r["Start_Position"]), int(r["End_Position"])
            if start > end:
                bad.append(f"{where}: start after end")
            width = {"SNP": 1, "DNP": 2, "TNP": 3}.get(vtype)
            if (vtype == "INS" and not (end - start + 1 == len(ref) or end - start == 1)) \
                    or (vtype == "DEL" and end - start + 1 != len(ref)) \
                    or (width is not None and not len(ref) == len(a1) == len(a2) == width) \
                    or (vtype == "ONP" and not len(ref) == len(a1) == len(a2) > 3):
                bad.append(f"{where}: {vtype} does not fit the positions and alleles")
            for col in ("t_alt_count", "t_ref_count"):
                if r[col] not in ("", ".") and not r[col].isdigit():
                    bad.append(f"{where}: {col}")
            key = tuple(r[c] for c in MAF_KEY)
            if key in seen:
                bad.append(f"{where}: duplicate mutation")
            seen.add(key)

    # discrete copy number
    cna = by_kind.get(("COPY_NUMBER_ALTERATION", "DISCRETE"))
    if cna is not None:
        if f"{sid}_cna" not in lists:
            bad.append("CNA without a _cna case list")
        if maf is not None and f"{sid}_cnaseq" not in lists:
            bad.append("mutations and CNA without a _cnaseq case list")
        _, header, rows = read_table(folder / cna["data_filename"])
        if header[:2] != ["Hugo_Symbol", "Entrez_Gene_Id"] or not set(header[2:]) <= set(samples):
            bad.append("CNA header")
        genes = [r["Hugo_Symbol"] for r in rows]
        if len(set(genes)) != len(genes):
            bad.append("CNA: a gene twice")
        for r in rows:
            if not {r[s] for s in header[2:]} <= {"-2", "-1.5", "-1", "0", "1", "2", "NA"}:
                bad.append(f"CNA values of {r['Hugo_Symbol']}")

    # structural variants
    sv = by_kind.get(("STRUCTURAL_VARIANT", "SV"))
    if sv is not None:
        _, header, rows = read_table(folder / sv["data_filename"])
        if not {"Sample_Id", "SV_Status", "NCBI_Build"} <= set(header) or len(SV_GENOMIC - set(header)) > 1:
            bad.append(f"SV columns: missing {sorted(SV_GENOMIC - set(header))}")
        seen_sv = set()
        for n, r in enumerate(rows, 2):
            if r["Sample_Id"] not in samples or r["SV_Status"] != "SOMATIC":
                bad.append(f"SV line {n}: sample or SV_Status")
            if r["NCBI_Build"] != GENOME_BUILD[study["reference_genome"]]:
                bad.append(f"SV line {n}: NCBI_Build {r['NCBI_Build']!r}")
            if all(r[c] in ("", "NA") for c in ("Site1_Hugo_Symbol", "Site1_Entrez_Gene_Id", "Site2_Hugo_Symbol",
                                                   "Site2_Entrez_Gene_Id")):
                bad.append(f"SV line {n}: no gene")
            key = tuple(r.get(c, "") for c in SV_UNIQUE)
            if key in seen_sv:
                bad.append(f"SV line {n}: duplicate")
            seen_sv.add(key)

    # gene panel matrix and panels
    gpm = by_kind.get(("GENE_PANEL_MATRIX", "GENE_PANEL_MATRIX"))
    panel_files = {read_meta(folder / f).get("stable_id"): read_meta(folder / f) for f in files
                   if f.startswith("data_gene_panel_") and f != "data_gene_panel_matrix.txt"}
    if gpm is not None:
        _, header, rows = read_table(folder / gpm["data_filename"])
        if header[0] != "SAMPLE_ID":
            bad.append("matrix: SAMPLE_ID first")
        for col in header[1:]:
            if col not in stable_ids:
                bad.append(f"matrix column {col}: not a profile of the study")
            elif "gene_panel" in metas[stable_ids[col]]:
                bad.append(f"matrix column {col}: its meta file also names a gene_panel")
        seen_samples = set()
        for r in rows:
            if r["SAMPLE_ID"] not in samples or r["SAMPLE_ID"] in seen_samples:
                bad.append(f"matrix: sample {r['SAMPLE_ID']}")
            seen_samples.add(r["SAMPLE_ID"])
            for col in header[1:]:
                if r[col] == "":
                    bad.append(f"matrix: blank cell ({r['SAMPLE_ID']}, {col})")
                elif r[col] != "NA" and r[col] not in panel_files:
                    bad.append(f"matrix: panel {r[col]} has no data_gene_panel file")
            if "mutations" in header and r["mutations"] != "NA" and r["SAMPLE_ID"] not in sequenced:
                bad.append(f"matrix: {r['SAMPLE_ID']} has a mutation panel but is not in _sequenced")
    for pid, p in panel_files.items():
        if set(p) != {"stable_id", "description", "gene_list"} or not p["gene_list"]:
            bad.append(f"panel {pid}: fields")
    return bad


# -- inputs ---------------------------------------------------------------------------------------
CALL_HEADER = "sample\tgene\tclass\thgvs_p\thgvs_c\tchrom\tpos\tref\talt\tdepth\talt_reads\tnotes\tbuild\n"
SAMPLE_HEADER = "sample\tpatient\ther2_status\tassessed\tcn_assessed\tcopy_number\tstatus\n"
# The demo's events on both builds (expected positions from the offsets published for each gene:
# ERBB2 GRCh38 = GRCh37 + 1,843,747; KRAS - 152,934; EGFR GRCh37 = GRCh38 + 67,693; BRAF + 300,200).
MIXED_CALLS = [
    ("A37", "ERBB2", "exon20_insertion", "p.Y772_A775dup", "17", 37880981, "A", "AGCATACGTGATG", "GRCh37"),
    ("B38", "ERBB2", "exon20_insertion", "p.Y772_A775dup", "chr17", 39724728, "A", "AGCATACGTGATG", "GRCh38"),
    ("C37", "KRAS", "hotspot", "p.G12C", "12", 25398285, "C", "A", "GRCh37"),
    ("D38", "EGFR", "sensitizing", "p.L858R", "chr7", 55191822, "T", "G", "GRCh38"),
    ("E37", "BRAF", "hotspot", "p.V600E", "7", 140453136, "A", "T", "GRCh37"),
    ("F37", "MET", "splice", "", "7", 116412044, "G", "T", "GRCh37"),
    ("G37", "EGFR", "sensitizing", "p.E746_A750del", "7", 55242465, "GGAATTAAGAGAAGCA", "G", "GRCh37"),
]
ON_GRCH37 = {"A37": 37880981, "B38": 37880981, "C37": 25398285, "D38": 55259515, "E37": 140453136,
             "F37": 116412044, "G37": 55242466}
ON_GRCH38 = {"A37": 39724728, "B38": 39724728, "C37": 25245351, "D38": 55191822, "E37": 140753336,
             "F37": 116771990, "G37": 55174773}


def calls_folder(tmp_path: Path, calls: list[tuple], extra_rows: str = "", assessed: str = "yes") -> Path:
    folder = tmp_path / "calls"
    folder.mkdir(exist_ok=True)
    rows = "".join(f"{s}\t{g}\t{k}\t{p}\t{'c.3028+1G>T' if k == 'splice' else ''}\t{c}\t{pos}\t{r}\t{a}"
                   f"\t500\t90\t\t{b}\n" for s, g, k, p, c, pos, r, a, b in calls)
    (folder / "calls.tsv").write_text(CALL_HEADER + rows + extra_rows)
    sids = dict.fromkeys([c[0] for c in calls] + [ln.split("\t")[0] for ln in extra_rows.splitlines()])
    (folder / "samples.tsv").write_text(SAMPLE_HEADER + "".join(
        f"{s}\tP{s}\tother\t{assessed}\tno\t\tok\n" for s in sids))
    write(tmp_path, "clinical.csv", "patient_id,treatment_start\n" + "".join(f"P{s},2021-01-01\n" for s in sids))
    return folder


def export(tmp_path: Path, folder: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli("cohort", "--clinical", tmp_path / "clinical.csv", "--calls", folder, "-o",
                   tmp_path / "out" / "cohort.tsv", "--cbioportal", tmp_path / "out" / "study", *args)


# -- lifting ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("gene,source,target,offset", [
    ("ERBB2", "GRCh37", "GRCh38", 1_843_747), ("ERBB2", "GRCh38", "GRCh37", -1_843_747),
    ("KRAS", "GRCh37", "GRCh38", -152_934), ("EGFR", "GRCh38", "GRCh37", 67_693),
    ("BRAF", "GRCh37", "GRCh38", 300_200), ("MET", "GRCh37", "GRCh38", 359_946),
    ("ALK", "GRCh38", "GRCh37", 222_866),  # from the fusion gene's span and breakpoint intron
])
def test_offsets_come_from_the_rules_own_coordinates(rules, gene, source, target, offset):
    [o] = Liftover(rules, target).offsets(gene, source)
    assert o.offset == offset and o.detail == ""


def test_a_gene_whose_coordinates_disagree_is_not_lifted(rules):
    [ntrk3] = Liftover(rules, "GRCh38").offsets("NTRK3", "GRCh37")  # its two span ends differ by 15,248
    assert ntrk3.offset is None and "-558,479, -543,231" in ntrk3.detail
    egfr = rules.genes["EGFR"]
    b38 = egfr.builds["GRCh38"]
    first = b38.known_exons[0]
    moved = dataclasses.replace(b38, known_exons=(dataclasses.replace(first, start=first.start + 1),
                                                  *b38.known_exons[1:]))
    changed = dataclasses.replace(rules, genes={**rules.genes, "EGFR": dataclasses.replace(
        egfr, builds={**egfr.builds, "GRCh38": moved})})
    with pytest.raises(LiftError, match="no single GRCh37->GRCh38 offset"):
        Liftover(changed, "GRCh38").allele("EGFR", "GRCh37", "7", 55259515, "T")


def _with_windows(rules, gene, build, windows):
    g = rules.genes[gene]
    return dataclasses.replace(rules, genes={**rules.genes, gene: dataclasses.replace(
        g, builds={**g.builds, build: dataclasses.replace(g.builds[build], windows=tuple(windows))})})


def test_lifted_ref_is_checked_against_the_target_reference(rules):
    assert Liftover(rules, "GRCh38").allele("KRAS", "GRCh37", "12", 25398285, "C") == ("12", 25245351, True)
    w38 = rules.genes["KRAS"].builds["GRCh38"].windows
    i = next(k for k, w in enumerate(w38) if w.start <= 25245351 <= w.end)
    k = 25245351 - w38[i].start
    base = "A" if w38[i].sequence[k] != "A" else "T"
    other = [*w38[:i], Window(w38[i].start, w38[i].sequence[:k] + base + w38[i].sequence[k + 1:]), *w38[i + 1:]]
    changed = _with_windows(rules, "KRAS", "GRCh38", other)
    # the two builds' windows no longer hold the same bases: no offset can hold there
    with pytest.raises(LiftError, match="has other bases on the other build"):
        Liftover(changed, "GRCh38").allele("KRAS", "GRCh37", "12", 25398285, "C")
    # without a GRCh37 window to compare, the lifted REF meets the GRCh38 bases
    w37 = [w for w in rules.genes["KRAS"].builds["GRCh37"].windows if not w.start <= 25398285 <= w.end]
    changed = _with_windows(changed, "KRAS", "GRCh37", w37)
    with pytest.raises(LiftError, match=f"REF 'C' does not match the GRCh38 reference '{base}' at 12:25245351"):
        Liftover(changed, "GRCh38").allele("KRAS", "GRCh37", "12", 25398285, "C")


@pytest.mark.parametrize("build,expected", [(None, ON_GRCH37), ("GRCh38", ON_GRCH38)])
def test_events_of_the_minority_build_reach_the_maf(tmp_path, build, expected):
    """Every event of the other build was left out of the MAF while its sample stayed in
    cases_sequenced: cBioPortal showed the sample as ERBB2-unmutated. Now each is lifted."""
    folder = calls_folder(tmp_path, MIXED_CALLS)
    proc = export(tmp_path, folder, *(["--cbioportal-build", build] if build else []))
    assert proc.returncode == 0, proc.stderr
    study = tmp_path / "out" / "study"
    assert study_problems(study) == []
    assert read_meta(study / "meta_study.txt")["reference_genome"] == {"GRCh38": "hg38"}.get(build or "", "hg19")
    _, _, maf = read_table(study / "data_mutations.txt")
    assert {r["Tumor_Sample_Barcode"]: int(r["Start_Position"]) for r in maf} == expected
    by = {r["Tumor_Sample_Barcode"]: r for r in maf}
    assert (by["G37"]["Variant_Type"], by["G37"]["Reference_Allele"], by["G37"]["Tumor_Seq_Allele2"]) == \
        ("DEL", "GAATTAAGAGAAGCA", "-")
    assert (by["F37"]["Variant_Classification"], by["F37"]["HGVSp_Short"]) == ("Splice_Site", "p.?")
    assert {r["Chromosome"] for r in maf} <= {"7", "12", "17"}
    notes = (study / "her2var_export.txt").read_text()
    n_lifted = sum(1 for c in MIXED_CALLS if c[-1] != (build or "GRCh37"))
    assert (f"events lifted to {build or 'GRCh37'} with the offsets the rules imply: {n_lifted} "
            f"(REF checked against the rules' reference bases: {n_lifted})") in notes
    sequenced = read_meta(study / "case_lists" / "cases_sequenced.txt")["case_list_ids"].split("\t")
    assert sorted(sequenced) == sorted(expected)


@pytest.mark.parametrize("event,reason", [
    (("X1", "KRAS", "hotspot", "p.G12C", "12", 25398285, "G", "T", "GRCh37"),
     "REF 'G' is not the GRCh37 reference 'C' at 12:25398285"),
    (("X1", "EGFR", "other", "p.R108K", "7", 55214348, "G", "A", "GRCh37"),
     "outside the stretch of EGFR whose placement on both builds the rules give"),
    (("X1", "TP53", "other", "p.R273H", "17", 7577120, "C", "T", "GRCh37"), "the rules do not place TP53"),
    (("X1", "ERBB2", "other", "", "17", "", "", "", "GRCh37"), "no VCF position with REF and ALT bases"),
])
def test_an_event_that_cannot_be_lifted_exactly_stops_the_export(tmp_path, event, reason):
    folder = calls_folder(tmp_path, [*MIXED_CALLS[1:2], *MIXED_CALLS[3:4], event])  # two GRCh38 events: study on GRCh38
    proc = export(tmp_path, folder)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "cBioPortal study on GRCh38: 1 event(s) cannot be placed on GRCh38 exactly, so no study was written" \
        in proc.stderr
    assert "sample 'X1'" in proc.stderr and reason in proc.stderr and "samples.tsv" in proc.stderr
    assert not list((tmp_path / "out").glob("*"))  # all or nothing: not even cohort.tsv


def test_refusal_lists_at_most_twenty_events(tmp_path):
    bad = [(f"X{i}", "KRAS", "hotspot", "p.G12C", "12", 25398285, "G", "T", "GRCh37") for i in range(25)]
    res = build_cohort(str(tmp_path / "clinical.csv"), [str(calls_folder(tmp_path, bad))])
    with pytest.raises(InputError) as err:
        write_cohort(res, str(tmp_path / "c.tsv"), cbioportal=str(tmp_path / "study"), build="GRCh38")
    text = str(err.value)
    assert text.count("sample 'X") == 20 and "… and 5 more" in text


# -- gene panels ------------------------------------------------------------------------------------
def test_gene_panels_say_what_each_sample_was_profiled_for(tmp_path):
    res = build_cohort(str(CLIN / "clean_cohort.csv"), [str(CLIN / "clean_calls")],
                       samples_sheet=str(CLIN / "clean_samples.tsv"))
    write_cohort(res, str(tmp_path / "c.tsv"), cbioportal=str(tmp_path / "study"), study_id="her2_test")
    study = tmp_path / "study"
    assert study_problems(study) == []
    _, header, rows = read_table(study / "data_gene_panel_matrix.txt")
    assert header == ["SAMPLE_ID", "mutations", "cna"]
    m = {r["SAMPLE_ID"]: (r["mutations"], r["cna"]) for r in rows}
    assert m["S001"] == ("her2_test_mut_ERBB2", "her2_test_cna_ERBB2")
    assert m["S003"] == ("her2_test_mut_ERBB2", "NA")  # copy number not assessed
    assert m["S006"] == ("NA", "NA")  # assessed = unknown, nothing found: profiled for nothing
    assert m["S011"] == ("NA", "NA")  # assessed = no
    assert m["S009"] == ("her2_test_mut_ERBB2", "NA")  # assessed = unknown, but an insertion was found
    assert m["S008"] == ("her2_test_mut_ERBB2_EGFR", "her2_test_cna_ERBB2")  # EGFR L858R found
    panel = read_meta(study / "data_gene_panel_mut_ERBB2_EGFR.txt")
    assert panel["stable_id"] == "her2_test_mut_ERBB2_EGFR" and panel["gene_list"] == "ERBB2\tEGFR"
    assert set(read_meta(study / "meta_gene_panel_matrix.txt").items()) >= {
        ("genetic_alteration_type", "GENE_PANEL_MATRIX"), ("datatype", "GENE_PANEL_MATRIX")}
    lists = {p.stem: read_meta(p)["case_list_ids"].split("\t") for p in (study / "case_lists").iterdir()}
    assert "S006" not in lists["cases_sequenced"] and "S011" not in lists["cases_sequenced"]
    assert "S009" in lists["cases_sequenced"] and "S003" not in lists["cases_cna"]
    assert set(lists["cases_cnaseq"]) == set(lists["cases_sequenced"]) & set(lists["cases_cna"])
    _, cna_header, _ = read_table(study / "data_CNA.txt")
    assert set(cna_header[2:]) == set(lists["cases_cna"])
    assert "short_name" not in read_meta(study / "meta_study.txt")


def test_codrivers_classify_tested_are_profiled_without_an_event(tmp_path):
    """samples.tsv's ``tested`` says which co-drivers classify looked at: those genes join the
    mutation and structural-variant panels even with nothing found (so cBioPortal shows KRAS wild
    type there), and a gene not tested stays out (shown as not profiled)."""
    folder = calls_folder(tmp_path, [])
    (folder / "samples.tsv").write_text(
        SAMPLE_HEADER.rstrip("\n") + "\ttested\n"
        "N1\tPN1\tnone\tyes\tno\t\tok\tsmall_variants:EGFR,KRAS;fusion:ALK,RET\n"
        "N2\tPN2\tnone\tyes\tno\t\tok\t\n")
    write(tmp_path, "clinical.csv", "patient_id,treatment_start\nPN1,2021-01-01\nPN2,2021-01-01\n")
    proc = export(tmp_path, folder)
    assert proc.returncode == 0, proc.stderr
    study = tmp_path / "out" / "study"
    assert study_problems(study) == []
    _, header, rows = read_table(study / "data_gene_panel_matrix.txt")
    m = {r["SAMPLE_ID"]: r for r in rows}
    assert m["N1"]["mutations"] == "her2var_cohort_mut_ERBB2_EGFR_KRAS"
    assert m["N1"]["structural_variants"] == "her2var_cohort_sv_ALK_RET"
    assert m["N2"]["mutations"] == "her2var_cohort_mut_ERBB2" and m["N2"]["structural_variants"] == "NA"


def test_a_profile_with_no_event_still_lists_its_assessed_samples(tmp_path):
    folder = calls_folder(tmp_path, [])
    (folder / "samples.tsv").write_text(SAMPLE_HEADER + "N1\tPN1\tnone\tyes\tyes\t2.0\tok\n"
                                        "N2\tPN2\tnone\tunknown\tno\t\tok\n")
    write(tmp_path, "clinical.csv", "patient_id,treatment_start\nPN1,2021-01-01\nPN2,2021-01-01\n")
    assert export(tmp_path, folder).returncode == 0
    study = tmp_path / "out" / "study"
    assert study_problems(study) == []
    _, header, rows = read_table(study / "data_mutations.txt")
    assert rows == [] and "HGVSp_Short" in header  # N1 is profiled and wild type; N2 is not profiled
    assert read_meta(study / "case_lists" / "cases_sequenced.txt")["case_list_ids"] == "N1"


# -- fusions ----------------------------------------------------------------------------------------
def test_fusions_become_structural_variants(tmp_path):
    sheet = write(tmp_path, "sheet.tsv", "sample\tpatient\tvcf\n"
                  f"F1\tPF1\t{FIXTURES / 'fusions' / 'manta_eml4_alk_kif5b_ret.GRCh37.vcf'}\n"
                  f"F3\tPF3\t{FIXTURES / 'fusions' / 'dragen_sv_somatic.GRCh38.vcf'}\n"
                  f"F4\tPF4\t{FIXTURES / 'fusions' / 'ion_oncomine_fusions.hg19.vcf'}\n")
    assert run_cli("classify", "--samples", sheet, "--out", tmp_path / "calls").returncode == 0
    write(tmp_path, "clinical.csv", "patient_id,treatment_start\nPF1,2021-01-01\nPF3,2021-01-01\nPF4,2021-01-01\n")
    proc = export(tmp_path, tmp_path / "calls")
    assert proc.returncode == 0, proc.stderr
    study = tmp_path / "out" / "study"
    assert study_problems(study) == []
    meta = read_meta(study / "meta_sv.txt")
    assert (meta["genetic_alteration_type"], meta["datatype"], meta["stable_id"], meta["data_filename"]) == \
        ("STRUCTURAL_VARIANT", "SV", "structural_variants", "data_sv.txt")
    _, _, rows = read_table(study / "data_sv.txt")
    sv = {(r["Sample_Id"], r["Event_Info"]): r for r in rows}
    assert len(rows) == 7 and {r["NCBI_Build"] for r in rows} == {"GRCh37"}
    eml4_alk = sv[("F1", "EML4-ALK")]
    assert (eml4_alk["Site1_Hugo_Symbol"], eml4_alk["Site1_Position"], eml4_alk["Site1_Region"],
            eml4_alk["Site1_Region_Number"]) == ("EML4", "42526260", "Intron", "13")
    assert (eml4_alk["Site2_Hugo_Symbol"], eml4_alk["Site2_Entrez_Gene_Id"], eml4_alk["Site2_Position"]) == \
        ("ALK", "238", "29446692")
    assert (eml4_alk["Tumor_Split_Read_Count"], eml4_alk["Tumor_Paired_End_Read_Count"], eml4_alk["DNA_Support"]) == \
        ("12", "9", "Yes")
    # DRAGEN's GRCh38 breakends, lifted by the fusion genes' offsets (ALK -222,866, EML4 -227,140)
    reciprocal = sv[("F3", "ALK-EML4")]
    assert (reciprocal["Site1_Hugo_Symbol"], reciprocal["Site1_Position"], reciprocal["Site2_Position"]) == \
        ("ALK", str(29223900 + 222866), str(42299200 + 227140))
    assert sv[("F4", "CD74-ROS1")]["RNA_Support"] == "Yes" and sv[("F4", "CD74-ROS1")]["Class"] == "TRANSLOCATION"
    _, header, matrix = read_table(study / "data_gene_panel_matrix.txt")
    assert header == ["SAMPLE_ID", "structural_variants"]
    # Manta's breakend VCF tests every kinase of the fusion rules; the partners found join them
    assert {r["SAMPLE_ID"]: r["structural_variants"] for r in matrix}["F1"] == \
        "her2var_cohort_sv_ALK_EML4_KIF5B_NTRK1_NTRK2_NTRK3_RET_ROS1"
    assert read_meta(study / "case_lists" / "cases_sv.txt")["case_list_category"] == "all_cases_with_sv_data"


def test_a_partner_end_that_cannot_be_placed_keeps_the_event(tmp_path, rules):
    from her2var.classify.output import call_row
    from her2var.fusions.model import THREE, End, assemble, fusion_to_call
    from her2var.models import CALL_COLUMNS

    f = assemble(End("chr2", 29223900, "ALK", THREE), End("chr22", 24334571, None, None), rules.fusions, "GRCh38",
                 sample="U1", support={"SR": 5.0, "PR": 2.0}, source="vcf-bnd")
    assert f is not None and f.name == "ALK fusion (partner chr22:24334571)"
    folder = calls_folder(tmp_path, MIXED_CALLS[:1])
    row = dict(zip(CALL_COLUMNS, call_row(fusion_to_call(f, build="GRCh38")), strict=True))
    with open(folder / "calls.tsv", "a") as fh:
        fh.write("\t".join(row[c] for c in CALL_HEADER.strip().split("\t")) + "\n")
    with open(folder / "samples.tsv", "a") as fh:
        fh.write("U1\tPU1\tnone\tunknown\tno\t\tok\n")
    with open(tmp_path / "clinical.csv", "a") as fh:
        fh.write("PU1,2021-01-01\n")
    proc = export(tmp_path, folder, "--cbioportal-build", "GRCh37")
    assert proc.returncode == 0, proc.stderr
    study = tmp_path / "out" / "study"
    assert study_problems(study) == []
    [r] = read_table(study / "data_sv.txt")[2]
    assert (r["Site1_Hugo_Symbol"], r["Site1_Position"], r["Site2_Hugo_Symbol"], r["Site2_Position"]) == \
        ("ALK", "29446766", "NA", "NA")
    notes = (study / "her2var_export.txt").read_text()
    assert "fusion partner ends written without a position (not placed on GRCh37): 1" in notes


@pytest.mark.parametrize("ends,name,sites", [
    ((("2", 42522656, "EML4", "5'"), ("2", 29446394, "ALK", "3'")), "EML4-ALK",
     [("EML4", "2", 42522656, "5'"), ("ALK", "2", 29446394, "3'")]),
    ((("2", 29446394, "ALK", "3'"), ("2", 29447000, "ALK", "5'")), "ALK intragenic rearrangement",
     [("ALK", "2", 29446394, None), ("ALK", "2", 29447000, None)]),
    ((("chr2", 29446394, "ALK", "3'"), ("chr22", 24334571, None, None)), "ALK fusion (partner chr22:24334571)",
     [("ALK", "2", 29446394, "3'"), (None, "22", 24334571, None)]),
])
def test_fusion_notes_are_read_back(rules, ends, name, sites):
    """The partner and breakpoints live in a fusion call's notes (a list in the JSON and store)."""
    from her2var.classify.output import call_dict
    from her2var.cohort.cbioportal_events import fusion_event
    from her2var.fusions.model import End, assemble, fusion_to_call

    f = assemble(*(End(*e) for e in ends), rules.fusions, "GRCh37", sample="T", support={"SR": 3.0}, source="vcf-bnd")
    assert f is not None
    ev = fusion_event(call_dict(fusion_to_call(f, build="GRCh37")))
    assert ev.name == name and [(x.gene, x.chrom, x.pos, x.role) for x in ev.sites] == sites


# -- MAF values -------------------------------------------------------------------------------------
@pytest.mark.parametrize("call,ref,alt,klass,protein", [
    ({"class": "exon20_insertion", "hgvs_p": "p.Y772_A775dup"}, "A", "AGCATACGTGATG", "In_Frame_Ins", "p.Y772_A775dup"),
    ({"class": "point_mutation", "hgvs_p": "p.V777L"}, "G", "T", "Missense_Mutation", "p.V777L"),
    ({"class": "sensitizing", "hgvs_p": "p.E746_A750del"}, "GGAATTAAGAGAAGCA", "G", "In_Frame_Del", "p.E746_A750del"),
    ({"class": "other", "hgvs_p": "p.R897*"}, "C", "T", "Nonsense_Mutation", "p.R897*"),
    ({"class": "other", "hgvs_p": "p.L755Sfs*12"}, "TC", "T", "Frame_Shift_Del", "p.L755Sfs*12"),
    ({"class": "other", "hgvs_p": "p.G776delinsVC"}, "G", "GTCT", "In_Frame_Ins", "p.G776delinsVC"),
    ({"class": "other", "hgvs_p": "p.*1256Wext*?"}, "T", "G", "Nonstop_Mutation", "p.*1256Wext*?"),
    ({"class": "other", "hgvs_p": "p.M1?"}, "A", "G", "Translation_Start_Site", "p.M1?"),
    ({"class": "splice", "hgvs_c": "NM_000245.4:c.3028+1G>T"}, "G", "T", "Splice_Site", "p.?"),
    ({"class": "other", "hgvs_c": "c.2307+5G>A"}, "G", "A", "Splice_Region", "p.?"),
    ({"class": "other", "hgvs_c": "c.-1C>T"}, "C", "T", "5'UTR", "p.?"),
    ({"class": "other", "hgvs_c": "c.2263C>A"}, "C", "A", "Unknown", "p.?"),  # protein change not known
    ({"class": "other", "hgvs_p": "p.[A1;B2]"}, "C", "A", "Missense_Mutation", "p.?"),  # not one change
])
def test_variant_classification_and_protein_change(call, ref, alt, klass, protein):
    assert variant_classification(call, ref, alt) == klass and hgvsp_short(call) == protein


# -- the validator itself, where it is installed ------------------------------------------------------
ALLOWED_WARNINGS = (
    "Columns DFS_MONTHS and/or DFS_STATUS not found",  # first-line PFS is not disease-free survival
    "Skipping validations relating to",  # -n: no portal to check genes, cancer types, panels against
)


def _validator() -> tuple[str, Path] | None:
    script = os.environ.get("HER2VAR_CBIOPORTAL_VALIDATOR")
    if not script or not Path(script).is_file():
        return None
    return os.environ.get("HER2VAR_CBIOPORTAL_VALIDATOR_PYTHON", sys.executable), Path(script).resolve()


def _portal_info(study: Path, tmp_path: Path) -> Path | None:
    """The given portal-info folder with the study's gene panels added (they are imported before
    a study, so the portal knows them)."""
    given = os.environ.get("HER2VAR_CBIOPORTAL_PORTAL_INFO")
    if not given:
        return None
    out = tmp_path / "portal"
    shutil.copytree(given, out)
    entrez = {g["hugoGeneSymbol"]: g["entrezGeneId"] for g in json.loads((out / "genes.json").read_text())}
    panels = json.loads((out / "gene-panels.json").read_text()) if (out / "gene-panels.json").exists() else []
    for f in study.glob("data_gene_panel_*.txt"):
        if f.name != "data_gene_panel_matrix.txt":
            p = read_meta(f)
            panels.append({"genePanelId": p["stable_id"], "genes": [
                {"hugoGeneSymbol": g, "entrezGeneId": entrez[g]} for g in p["gene_list"].split("\t")]})
    (out / "gene-panels.json").write_text(json.dumps(panels))
    return out


@pytest.mark.skipif(_validator() is None, reason="cBioPortal's validateData.py is not installed "
                                                  "(HER2VAR_CBIOPORTAL_VALIDATOR)")
def test_cbioportal_validator_accepts_the_export(tmp_path):
    python, script = _validator()  # type: ignore[misc]
    sheet = write(tmp_path, "sheet.tsv", "sample\tpatient\tvcf\n"
                  f"F1\tPA37\t{FIXTURES / 'fusions' / 'manta_eml4_alk_kif5b_ret.GRCh37.vcf'}\n")
    assert run_cli("classify", "--samples", sheet, "--out", tmp_path / "fus").returncode == 0
    folder = calls_folder(tmp_path, MIXED_CALLS)
    proc = run_cli("cohort", "--clinical", tmp_path / "clinical.csv", "--calls", folder, "--calls", tmp_path / "fus",
                   "-o", tmp_path / "out" / "cohort.tsv", "--cbioportal", tmp_path / "out" / "study")
    assert proc.returncode == 0, proc.stderr
    study = tmp_path / "out" / "study"
    modes = [["-n"]] + ([["-p", str(p)]] if (p := _portal_info(study, tmp_path)) else [])
    for mode in modes:
        run = subprocess.run([python, "-m", f"{script.parent.name}.validateData", "-s", str(study), *mode],
                             cwd=script.parent.parent, capture_output=True, text=True, timeout=600)
        lines = (run.stdout + run.stderr).splitlines()
        errors = [ln for ln in lines if ln.startswith(("ERROR", "CRITICAL"))]
        warnings = [ln for ln in lines if ln.startswith("WARNING") and not any(a in ln for a in ALLOWED_WARNINGS)]
        assert errors == [] and warnings == [], (mode, errors, warnings)
        assert any("Validation of data succeeded" in ln for ln in lines), lines[-5:]
