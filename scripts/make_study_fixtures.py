"""Write the genomic side of the public-cohort fixtures (seeded; re-run after changing it).

    python scripts/make_study_fixtures.py [OUT_DIR]   (default: fixtures/studies)

Only genomic files are written here: the clinical files of the same folders (data_clinical_*.txt,
meta_clinical_*.txt) come from scripts/make_study_clinical_fixtures.py, and nothing else in the
folders is touched. Formats as cBioPortal's "File Formats" documentation and GENIE's validator
(Sage-Bionetworks/Genie genie_registry: assay, bed, cna, structural_variant) describe them; every
row is written here, nothing is copied from a real study. Synthetic data, not from patients.

cbioportal_study/ (GRCh38: meta_study.txt reference_genome hg38; study her2var_fixture_study)
  patients P-0000001..P-0000040, samples P-...-T01-IM6, patients 1-5 also P-...-T02-IM6.
  meta files; data_mutations.txt (MAF with a '#version 2.4' line); data_CNA.txt (discrete, a '#'
  comment line first, blank and NA cells); data_log2_cna.txt (its header written behind a '#');
  data_sv.txt; data_gene_panel_matrix.txt; gene panels IMPACT468 (gene_panels/) and LUNG_SMALL
  (data_gene_panel_lung_small.txt at the top, no ERBB2); case lists sequenced, cna, sv, all.
  Cases by sample (T01 unless said):
    P1 p.Y772_A775dup; P1-T02 discrete 2 and log2 2.1 (amplified by both); P2 p.G778_P780dup and
    discrete 2; P3 p.S310F in a row without HGVSp_Short; P4 KRAS p.G12C; P5 EGFR p.L858R; P6
    EML4-ALK (site 1 EML4); P7 KIF5B-RET written with RET as site 1 (order from Event_Info); P8
    discrete 1 (gain) and a TMPRSS2-ERG row (no kinase); P9 a blank ERBB2 cell and a GERMLINE ALK
    row; P10 NA; P11 sequenced but not in the copy-number profile (matrix NA, no column, not in
    cases_cna); P12 p.L755S; P13 discrete 0 but log2 1.6 (the sources disagree); P14 p.V777L;
    P15 CD74-ROS1 without a name (orientation unknown); P31-P35 on LUNG_SMALL (no ERBB2; P31 has
    a 0 in data_CNA.txt all the same, P32 KRAS p.G12C); P36 not sequenced (mutations NA); P40 in
    no profile at all.

genie_release/ (GRCh37, as GENIE releases are)
  centres MSK (1-30), DFCI (1-20), VICC (1-10): sample GENIE-C-NNNNNN-1.
  data_mutations_extended.txt (GENIE's MAF columns); data_CNA.txt (Hugo_Symbol only, GENIE's
  -1.5/-0.5/0.5/1.5 levels, NA and blank cells); data_sv.txt; data_gene_matrix.txt;
  assay_information.txt; genomic_information.txt; case lists.
  Assays: MSK-IMPACT468 (coding_exons;introns, snv;small_indels;gene_level_cna;intragenic_cna;
  structural_variants), DFCI-ONCOPANEL-3 (the same kinds; no NTRK2/NTRK3 rows), VICC-01-T7
  (hotspot_regions; snv;small_indels only): ERBB2 rows at the S310 and V777 codons only (exon 20
  mostly uncovered: not assessed) and a whole-exon-20 row with includeInPanel False (left out),
  KRAS G12/G13 and EGFR L858 codons, no kinase.
  Cases: MSK 1 p.Y772_A775dup (3'-shifted MAF form); MSK 2 level 2; MSK 3 level 1.5 (not called);
  MSK 4 NA; MSK 5 blank; MSK 6 KRAS p.G12C and level 0.5; MSK 7 EGFR p.L858R and -0.5; MSK 8
  EML4-ALK and -1.5; MSK 9 p.G778_P780dup and level 2; MSK 10 p.V777L without HGVSp_Short or
  HGVSp; MSK 11 EGFR p.E746_A750del; DFCI 1 p.S310F; DFCI 2 level 2; DFCI 3 CD74-ROS1; DFCI 20
  sequenced, not in the copy-number profile; VICC 1 p.S310F (read, but exon 20 not assessed);
  VICC 2 KRAS p.G12C; VICC 3 nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from her2var.genome.transcript import TranscriptModel  # noqa: E402
from her2var.rules.load import load_rules  # noqa: E402

SEED = 20260420
STUDY_ID = "her2var_fixture_study"  # as scripts/make_study_clinical_fixtures.py names it
CBIO_N = 40
CENTRES = (("MSK", 30, "MSK-IMPACT468"), ("DFCI", 20, "DFCI-ONCOPANEL-3"), ("VICC", 10, "VICC-01-T7"))
KINASES = ("ALK", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3")
CODRIVERS = ("EGFR", "KRAS", "BRAF", "MET")
ENTREZ = {"ERBB2": 2064, "EGFR": 1956, "KRAS": 3845, "BRAF": 673, "MET": 4233, "ALK": 238, "ROS1": 6098,
          "RET": 5979, "NTRK1": 4914, "NTRK2": 4915, "NTRK3": 4916, "TP53": 7157, "MYC": 4609, "CDKN2A": 1029,
          "EML4": 27436, "KIF5B": 3799, "CD74": 972, "TMPRSS2": 7113, "ERG": 2078, "STK11": 6794}


def tsv(rows: list[list[object]]) -> str:
    return "".join("\t".join("" if c is None else str(c) for c in r) + "\n" for r in rows)


def meta(fields: list[tuple[str, str]]) -> str:
    return "".join(f"{k}: {v}\n" for k, v in fields)


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")


# -- the events, as MAF rows (GRCh37 and GRCh38 positions of the same changes) ------------------------
# (gene, chrom, start, end, classification, type, ref, alt, HGVSp_Short, HGVSc) per build
EVENTS = {
    "Y772_A775dup": {"GRCh37": ("ERBB2", "17", 37880995, 37880996, "In_Frame_Ins", "INS", "-", "ATACGTGATGGC",
                                "p.Y772_A775dup", "c.2313_2324dup"),
                     "GRCh38": ("ERBB2", "17", 39724728, 39724729, "In_Frame_Ins", "INS", "-", "GCATACGTGATG",
                                "p.Y772_A775dup", "c.2313_2324dup")},
    "G778_P780dup": {"GRCh37": ("ERBB2", "17", 37881011, 37881012, "In_Frame_Ins", "INS", "-", "GGCTCCCCA",
                                "p.G778_P780dup", "c.2332_2340dup"),
                     "GRCh38": ("ERBB2", "17", 39724758, 39724759, "In_Frame_Ins", "INS", "-", "GGCTCCCCA",
                                "p.G778_P780dup", "c.2332_2340dup")},
    "S310F": {"GRCh37": ("ERBB2", "17", 37868208, 37868208, "Missense_Mutation", "SNP", "C", "T", "p.S310F",
                         "c.929C>T"),
              "GRCh38": ("ERBB2", "17", 39711955, 39711955, "Missense_Mutation", "SNP", "C", "T", "p.S310F",
                         "c.929C>T")},
    "L755S": {"GRCh38": ("ERBB2", "17", 39723967, 39723967, "Missense_Mutation", "SNP", "T", "C", "p.L755S",
                         "c.2264T>C")},
    "V777L": {"GRCh37": ("ERBB2", "17", 37881000, 37881000, "Missense_Mutation", "SNP", "G", "T", "p.V777L",
                         "c.2329G>T"),
              "GRCh38": ("ERBB2", "17", 39724747, 39724747, "Missense_Mutation", "SNP", "G", "T", "p.V777L",
                         "c.2329G>T")},
    "G12C": {"GRCh37": ("KRAS", "12", 25398285, 25398285, "Missense_Mutation", "SNP", "C", "A", "p.G12C",
                        "c.34G>T"),
             "GRCh38": ("KRAS", "12", 25245351, 25245351, "Missense_Mutation", "SNP", "C", "A", "p.G12C",
                        "c.34G>T")},
    "L858R": {"GRCh37": ("EGFR", "7", 55259515, 55259515, "Missense_Mutation", "SNP", "T", "G", "p.L858R",
                         "c.2573T>G"),
              "GRCh38": ("EGFR", "7", 55191822, 55191822, "Missense_Mutation", "SNP", "T", "G", "p.L858R",
                         "c.2573T>G")},
    "E746_A750del": {"GRCh37": ("EGFR", "7", 55242465, 55242479, "In_Frame_Del", "DEL", "GGAATTAAGAGAAGC", "-",
                                "p.E746_A750del", "c.2236_2250del")},
    "TP53_R273H": {"GRCh37": ("TP53", "17", 7577120, 7577120, "Missense_Mutation", "SNP", "C", "T", "p.R273H",
                              "c.818G>A"),
                   "GRCh38": ("TP53", "17", 7673802, 7673802, "Missense_Mutation", "SNP", "C", "T", "p.R273H",
                              "c.818G>A")},
}


# -- cBioPortal study ---------------------------------------------------------------------------------
CBIO_MAF_COLUMNS = ["Hugo_Symbol", "Entrez_Gene_Id", "Center", "NCBI_Build", "Chromosome", "Start_Position",
                    "End_Position", "Strand", "Variant_Classification", "Variant_Type", "Reference_Allele",
                    "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "dbSNP_RS", "Tumor_Sample_Barcode",
                    "Matched_Norm_Sample_Barcode", "Mutation_Status", "HGVSc", "HGVSp_Short", "t_ref_count",
                    "t_alt_count"]
IMPACT_GENES = ["ERBB2", "EGFR", "KRAS", "BRAF", "MET", "ALK", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3", "TP53",
                "STK11", "MYC", "CDKN2A", "EML4", "KIF5B", "CD74"]
SMALL_GENES = ["EGFR", "KRAS", "ALK", "TP53"]


def cbio_samples() -> list[str]:
    out = []
    for i in range(1, CBIO_N + 1):
        out.append(f"P-{i:07d}-T01-IM6")
        if i <= 5:
            out.append(f"P-{i:07d}-T02-IM6")
    return out


def t01(i: int) -> str:
    return f"P-{i:07d}-T01-IM6"


def cbioportal_study(rules, rng: np.random.Generator) -> dict[str, str]:
    samples = cbio_samples()
    small = {t01(i) for i in range(31, 36)}
    not_sequenced = {t01(36), t01(40)}
    no_cna = {t01(11), t01(40)}
    no_sv = small | {t01(40)}
    files: dict[str, str] = {}
    files["meta_study.txt"] = meta([
        ("type_of_cancer", "nsclc"), ("cancer_study_identifier", STUDY_ID),
        ("name", "HER2 fixture study (synthetic)"),
        ("description", "Synthetic cBioPortal study for her2var's tests: no real patient is described"),
        ("add_global_case_list", "true"), ("reference_genome", "hg38")])

    # mutations
    maf_rows: list[list[object]] = []
    events = {t01(1): ["Y772_A775dup"], t01(2): ["G778_P780dup"], t01(3): ["S310F"], t01(4): ["G12C"],
              t01(5): ["L858R"], t01(12): ["L755S"], t01(14): ["V777L"], t01(32): ["G12C"]}
    for i in (16, 17, 18, 19, 20):
        events.setdefault(t01(i), []).append("TP53_R273H")
    for sample in samples:
        for name in events.get(sample, []):
            gene, chrom, start, end, vc, vt, ref, alt, hgvsp, hgvsc = EVENTS[name]["GRCh38"]
            depth = int(rng.integers(150, 600))
            alt_reads = int(depth * rng.uniform(0.1, 0.45))
            hgvsp = "" if name == "S310F" else hgvsp  # a row without HGVSp_Short
            maf_rows.append([gene, ENTREZ[gene], "fixture", "GRCh38", chrom, start, end, "+", vc, vt, ref, ref, alt,
                             "", sample, "", "Somatic", hgvsc, hgvsp, depth - alt_reads, alt_reads])
    files["data_mutations.txt"] = ("#version 2.4" + "\t" * (len(CBIO_MAF_COLUMNS) - 1) + "\n"
                                   + tsv([CBIO_MAF_COLUMNS, *maf_rows]))
    files["meta_mutations.txt"] = meta([
        ("cancer_study_identifier", STUDY_ID), ("genetic_alteration_type", "MUTATION_EXTENDED"),
        ("datatype", "MAF"), ("stable_id", "mutations"), ("show_profile_in_analysis_tab", "true"),
        ("profile_name", "Mutations"), ("profile_description", "Mutations from targeted sequencing (synthetic)"),
        ("data_filename", "data_mutations.txt")])

    # discrete copy number: every sample of the cna profile has a column (P11 and P40 have none)
    cna_samples = [s for s in samples if s not in no_cna]
    erbb2 = dict.fromkeys(cna_samples, "0")
    erbb2.update({"P-0000001-T02-IM6": "2", t01(2): "2", t01(8): "1", t01(9): "", t01(10): "NA", t01(13): "0",
                  t01(31): "0"})
    for s in (t01(i) for i in range(32, 36)):
        erbb2[s] = "NA"  # not on LUNG_SMALL
    other = {g: {s: str(int(rng.choice([-1, 0, 0, 0, 1]))) for s in cna_samples} for g in ("EGFR", "KRAS", "MYC")}
    cna_rows: list[list[object]] = [["Hugo_Symbol", "Entrez_Gene_Id", *cna_samples]]
    cna_rows.append(["EGFR", ENTREZ["EGFR"], *(other["EGFR"][s] for s in cna_samples)])
    cna_rows.append(["ERBB2", ENTREZ["ERBB2"], *(erbb2[s] for s in cna_samples)])
    cna_rows.append(["KRAS", ENTREZ["KRAS"], *(other["KRAS"][s] for s in cna_samples)])
    cna_rows.append(["MYC", ENTREZ["MYC"], *(other["MYC"][s] for s in cna_samples)])
    files["data_CNA.txt"] = "# discrete copy-number calls of the lab pipeline (synthetic)\n" + tsv(cna_rows)
    files["meta_CNA.txt"] = meta([
        ("cancer_study_identifier", STUDY_ID), ("genetic_alteration_type", "COPY_NUMBER_ALTERATION"),
        ("datatype", "DISCRETE"), ("stable_id", "cna"), ("show_profile_in_analysis_tab", "true"),
        ("profile_name", "Putative copy-number alterations"),
        ("profile_description", ("Putative copy-number calls of the lab pipeline. Values: -2 = homozygous deletion; "
                                 "-1 = hemizygous deletion; 0 = neutral / no change; 1 = gain; 2 = high level "
                                 "amplification.")),
        ("data_filename", "data_CNA.txt")])

    # log2 ratios (the header written behind a '#'); LUNG_SMALL samples NA
    log2 = {s: f"{rng.normal(0.0, 0.15):.3f}" for s in cna_samples}
    log2.update({"P-0000001-T02-IM6": "2.100", t01(2): "1.850", t01(8): "0.400", t01(9): "NA", t01(10): "NA",
                 t01(13): "1.600"})
    for s in small:
        log2[s] = "NA"
    log_rows: list[list[object]] = [["ERBB2", ENTREZ["ERBB2"], *(log2[s] for s in cna_samples)],
                                    ["MYC", ENTREZ["MYC"], *(f"{rng.normal(0, 0.2):.3f}" for _ in cna_samples)]]
    files["data_log2_cna.txt"] = ("#" + "\t".join(["Hugo_Symbol", "Entrez_Gene_Id", *cna_samples]) + "\n"
                                  + tsv(log_rows))
    files["meta_log2_cna.txt"] = meta([
        ("cancer_study_identifier", STUDY_ID), ("genetic_alteration_type", "COPY_NUMBER_ALTERATION"),
        ("datatype", "LOG2-VALUE"), ("stable_id", "log2CNA"), ("show_profile_in_analysis_tab", "false"),
        ("profile_name", "Log2 copy-number values"),
        ("profile_description", "Gene-level log2 copy ratios (synthetic)"), ("data_filename", "data_log2_cna.txt")])

    # structural variants
    sv_cols = ["Sample_Id", "SV_Status", "Site1_Hugo_Symbol", "Site1_Entrez_Gene_Id", "Site1_Chromosome",
               "Site1_Position", "Site2_Hugo_Symbol", "Site2_Entrez_Gene_Id", "Site2_Chromosome", "Site2_Position",
               "NCBI_Build", "Class", "Tumor_Split_Read_Count", "Tumor_Paired_End_Read_Count", "Event_Info",
               "Annotation", "DNA_Support", "RNA_Support"]
    frules = rules.fusions

    def at(gene: str, build: str) -> tuple[str, int]:
        g = frules.genes[gene]
        lo, hi = g.introns[0].spans[build] if g.introns else (g.builds[build].start, g.builds[build].end)
        return g.builds[build].chrom, (lo + hi) // 2

    def sv(sample: str, status: str, a: str, b: str, info: str, build: str = "GRCh38",
           a_at: tuple[str, int] | None = None, b_at: tuple[str, int] | None = None) -> list[object]:
        ca, pa = a_at or at(a, build)
        cb, pb = b_at or at(b, build)
        return [sample, status, a, ENTREZ[a], ca, pa, b, ENTREZ[b], cb, pb, build,
                "TRANSLOCATION" if ca != cb else "INVERSION", int(rng.integers(5, 40)), int(rng.integers(5, 40)),
                info, info, "yes", "no"]

    sv_rows = [sv(t01(6), "SOMATIC", "EML4", "ALK", "EML4-ALK fusion"),
               sv(t01(7), "SOMATIC", "RET", "KIF5B", "KIF5B-RET fusion"),
               sv(t01(8), "SOMATIC", "TMPRSS2", "ERG", "TMPRSS2-ERG fusion", a_at=("21", 41508081),
                  b_at=("21", 38445621)),
               sv(t01(9), "GERMLINE", "EML4", "ALK", "EML4-ALK fusion"),
               sv(t01(15), "SOMATIC", "CD74", "ROS1", "")]
    files["data_sv.txt"] = tsv([sv_cols, *sv_rows])
    files["meta_sv.txt"] = meta([
        ("cancer_study_identifier", STUDY_ID), ("genetic_alteration_type", "STRUCTURAL_VARIANT"),
        ("datatype", "SV"), ("stable_id", "structural_variants"), ("show_profile_in_analysis_tab", "true"),
        ("profile_name", "Structural variants"), ("profile_description", "Structural variants (synthetic)"),
        ("data_filename", "data_sv.txt")])

    # gene panels and the matrix
    files["gene_panels/data_gene_panel_impact468.txt"] = meta([
        ("stable_id", "IMPACT468"),
        ("description", "Fixture panel named after MSK-IMPACT468: a few of its genes only (synthetic)"),
        ("gene_list", "\t".join(IMPACT_GENES))])
    files["data_gene_panel_lung_small.txt"] = meta([
        ("stable_id", "LUNG_SMALL"), ("description", "A small lung panel without ERBB2 (synthetic)"),
        ("gene_list", "\t".join(SMALL_GENES))])
    matrix = [["SAMPLE_ID", "mutations", "cna", "structural_variants"]]
    for s in samples:
        panel = "LUNG_SMALL" if s in small else "IMPACT468"
        matrix.append([s, "NA" if s in not_sequenced else panel, "NA" if s in no_cna else panel,
                       "NA" if s in no_sv else "IMPACT468"])
    files["data_gene_panel_matrix.txt"] = tsv(matrix)
    files["meta_gene_panel_matrix.txt"] = meta([
        ("cancer_study_identifier", STUDY_ID), ("genetic_alteration_type", "GENE_PANEL_MATRIX"),
        ("datatype", "GENE_PANEL_MATRIX"), ("data_filename", "data_gene_panel_matrix.txt")])

    # case lists
    lists = {"sequenced": ("Samples with mutation data", "all_cases_with_mutation_data",
                           [s for s in samples if s not in not_sequenced]),
             "cna": ("Samples with CNA data", "all_cases_with_cna_data", cna_samples),
             "sv": ("Samples with structural variant data", "all_cases_with_sv_data",
                    [s for s in samples if s not in no_sv]),
             "all": ("All samples", "all_cases_in_study", samples)}
    for suffix, (name, category, ids) in lists.items():
        files[f"case_lists/cases_{suffix}.txt"] = meta([
            ("cancer_study_identifier", STUDY_ID), ("stable_id", f"{STUDY_ID}_{suffix}"), ("case_list_name", name),
            ("case_list_description", f"{name} ({len(ids)} samples)"), ("case_list_category", category),
            ("case_list_ids", "\t".join(ids))])
    return files


# -- GENIE release -------------------------------------------------------------------------------------
GENIE_MAF_COLUMNS = [
    "Hugo_Symbol", "Entrez_Gene_Id", "Center", "NCBI_Build", "Chromosome", "Start_Position", "End_Position", "Strand",
    "Consequence", "Variant_Classification", "Variant_Type", "Reference_Allele", "Tumor_Seq_Allele1",
    "Tumor_Seq_Allele2", "dbSNP_RS", "dbSNP_Val_Status", "Tumor_Sample_Barcode", "Matched_Norm_Sample_Barcode",
    "Match_Norm_Seq_Allele1", "Match_Norm_Seq_Allele2", "Tumor_Validation_Allele1", "Tumor_Validation_Allele2",
    "Match_Norm_Validation_Allele1", "Match_Norm_Validation_Allele2", "Verification_Status", "Validation_Status",
    "Mutation_Status", "Sequencing_Phase", "Sequence_Source", "Validation_Method", "Score", "BAM_File", "Sequencer",
    "t_ref_count", "t_alt_count", "n_ref_count", "n_alt_count", "HGVSc", "HGVSp", "HGVSp_Short", "Transcript_ID",
    "RefSeq", "Protein_position", "Codons", "Exon_Number", "gnomAD_AF", "gnomAD_AFR_AF", "gnomAD_AMR_AF",
    "gnomAD_ASJ_AF", "gnomAD_EAS_AF", "gnomAD_FIN_AF", "gnomAD_NFE_AF", "gnomAD_OTH_AF", "gnomAD_SAS_AF", "FILTER",
    "Polyphen_Prediction", "Polyphen_Score", "SIFT_Prediction", "SIFT_Score", "SWISSPROT", "n_depth", "t_depth",
    "Annotation_Status", "mutationInCis_Flag"]
CONSEQUENCE = {"In_Frame_Ins": "inframe_insertion", "In_Frame_Del": "inframe_deletion",
               "Missense_Mutation": "missense_variant"}
THREE_LETTER = {"p.Y772_A775dup": "p.Tyr772_Ala775dup", "p.G778_P780dup": "p.Gly778_Pro780dup",
                "p.S310F": "p.Ser310Phe", "p.V777L": "p.Val777Leu", "p.G12C": "p.Gly12Cys", "p.L858R": "p.Leu858Arg",
                "p.E746_A750del": "p.Glu746_Ala750del", "p.R273H": "p.Arg273His"}


def gid(centre: str, i: int) -> str:
    return f"GENIE-{centre}-{i:06d}-1"


def genie_samples() -> list[tuple[str, str, str]]:
    """(sample, centre, assay) of every sample."""
    return [(gid(c, i), c, assay) for c, n, assay in CENTRES for i in range(1, n + 1)]


def genie_release(rules, rng: np.random.Generator) -> dict[str, str]:
    samples = genie_samples()
    files: dict[str, str] = {}
    # mutations
    events = {gid("MSK", 1): ["Y772_A775dup"], gid("MSK", 6): ["G12C"], gid("MSK", 7): ["L858R"],
              gid("MSK", 9): ["G778_P780dup"], gid("MSK", 10): ["V777L"], gid("MSK", 11): ["E746_A750del"],
              gid("DFCI", 1): ["S310F"], gid("VICC", 1): ["S310F"], gid("VICC", 2): ["G12C"]}
    for i in (12, 13, 14):
        events.setdefault(gid("MSK", i), []).append("TP53_R273H")
    rows = []
    for sample, centre, _ in samples:
        for name in events.get(sample, []):
            gene, chrom, start, end, vc, vt, ref, alt, hgvsp, hgvsc = EVENTS[name]["GRCh37"]
            depth = int(rng.integers(200, 800))
            alt_reads = int(depth * rng.uniform(0.1, 0.45))
            cells = dict.fromkeys(GENIE_MAF_COLUMNS, "")
            cells.update(Hugo_Symbol=gene, Entrez_Gene_Id=str(ENTREZ[gene]), Center=centre, NCBI_Build="GRCh37",
                         Chromosome=chrom, Start_Position=str(start), End_Position=str(end), Strand="+",
                         Consequence=CONSEQUENCE[vc], Variant_Classification=vc, Variant_Type=vt, Reference_Allele=ref,
                         Tumor_Seq_Allele1=ref, Tumor_Seq_Allele2=alt, Tumor_Sample_Barcode=sample,
                         t_ref_count=str(depth - alt_reads), t_alt_count=str(alt_reads), t_depth=str(depth),
                         HGVSc=hgvsc, HGVSp=THREE_LETTER[hgvsp], HGVSp_Short=hgvsp, FILTER="PASS",
                         Annotation_Status="SUCCESS", mutationInCis_Flag="False")
            if name == "V777L":
                cells.update(HGVSp="", HGVSp_Short="")  # a row without a protein name
            rows.append([cells[c] for c in GENIE_MAF_COLUMNS])
    files["data_mutations_extended.txt"] = tsv([GENIE_MAF_COLUMNS, *rows])

    # discrete copy number (GENIE: Hugo_Symbol only); VICC reports none, DFCI 20 is not in the profile
    cna_samples = [s for s, c, _ in samples if c != "VICC" and s != gid("DFCI", 20)]
    erbb2 = {s: str(rng.choice(["0", "0", "0", "1", "-1", "0.5"])) for s in cna_samples}
    erbb2.update({gid("MSK", 1): "0", gid("MSK", 2): "2", gid("MSK", 3): "1.5", gid("MSK", 4): "NA",
                  gid("MSK", 5): "", gid("MSK", 6): "0.5", gid("MSK", 7): "-0.5", gid("MSK", 8): "-1.5",
                  gid("MSK", 9): "2", gid("DFCI", 1): "0", gid("DFCI", 2): "2"})
    cna = [["Hugo_Symbol", *cna_samples],
           ["CDKN2A", *(str(rng.choice(["-2", "-1.5", "-1", "0"])) for _ in cna_samples)],
           ["EGFR", *(str(rng.choice(["0", "0", "1", "2"])) for _ in cna_samples)],
           ["ERBB2", *(erbb2[s] for s in cna_samples)],
           ["KRAS", *(str(rng.choice(["0", "0.5", "1"])) for _ in cna_samples)]]
    files["data_CNA.txt"] = tsv(cna)

    # structural variants (GENIE's data_sv.txt columns)
    sv_cols = ["Sample_Id", "SV_Status", "Site1_Hugo_Symbol", "Site1_Entrez_Gene_Id", "Site1_Region_Number",
               "Site1_Region", "Site1_Chromosome", "Site1_Position", "Site1_Description", "Site2_Hugo_Symbol",
               "Site2_Entrez_Gene_Id", "Site2_Region_Number", "Site2_Region", "Site2_Chromosome", "Site2_Position",
               "Site2_Description", "Site2_Effect_On_Frame", "NCBI_Build", "Class", "Tumor_Split_Read_Count",
               "Tumor_Paired_End_Read_Count", "Event_Info", "Breakpoint_Type", "Connection_Type", "Annotation",
               "DNA_Support", "RNA_Support", "SV_Length", "Normal_Read_Count", "Tumor_Read_Count",
               "Normal_Variant_Count", "Tumor_Variant_Count", "Normal_Paired_End_Read_Count",
               "Normal_Split_Read_Count", "Comments"]
    frules = rules.fusions

    def site(gene: str) -> tuple[str, int, str]:
        g = frules.genes[gene]
        lo, hi = g.introns[0].spans["GRCh37"]
        return g.builds["GRCh37"].chrom, (lo + hi) // 2, g.introns[0].name.split(" (")[0]

    def sv(sample: str, a: str, b: str, name: str) -> list[object]:
        (ca, pa, ia), (cb, pb, ib) = site(a), site(b)
        cells = dict.fromkeys(sv_cols, "")
        cells.update(Sample_Id=sample, SV_Status="SOMATIC", Site1_Hugo_Symbol=a, Site1_Entrez_Gene_Id=ENTREZ[a],
                     Site1_Region="INTRON", Site1_Chromosome=ca, Site1_Position=pa, Site1_Description=f"{a} {ia}",
                     Site2_Hugo_Symbol=b, Site2_Entrez_Gene_Id=ENTREZ[b], Site2_Region="INTRON", Site2_Chromosome=cb,
                     Site2_Position=pb, Site2_Description=f"{b} {ib}", Site2_Effect_On_Frame="IN_FRAME",
                     NCBI_Build="GRCh37", Class="TRANSLOCATION" if ca != cb else "INVERSION",
                     Tumor_Split_Read_Count=int(rng.integers(5, 30)),
                     Tumor_Paired_End_Read_Count=int(rng.integers(5, 30)), Event_Info=f"{name} fusion",
                     Breakpoint_Type="PRECISE", Connection_Type="5to3", Annotation=f"{name} fusion", DNA_Support="yes",
                     RNA_Support="no")
        return [cells[c] for c in sv_cols]

    files["data_sv.txt"] = tsv([sv_cols, sv(gid("MSK", 8), "EML4", "ALK", "EML4-ALK"),
                                sv(gid("DFCI", 3), "CD74", "ROS1", "CD74-ROS1")])

    # assays
    info_cols = ["SEQ_ASSAY_ID", "is_paired_end", "library_selection", "library_strategy", "platform", "read_length",
                 "instrument_model", "gene_padding", "number_of_genes", "variant_classifications", "CENTER",
                 "calling_strategy", "target_capture_kit", "alteration_types", "specimen_tumor_cellularity",
                 "coverage", "preservation_technique", "SEQ_PIPELINE_ID"]
    full = "snv;small_indels;gene_level_cna;intragenic_cna;structural_variants"
    info = [info_cols,
            ["MSK-IMPACT468", "True", "Hybrid Selection", "Targeted Sequencing", "Illumina", "100",
             "Illumina HiSeq 2500", "10", "468", "", "MSK", "tumor_normal", "fixture capture", full, ">10%",
             "coding_exons;introns", "FFPE", "MSK-IMPACT468"],
            ["DFCI-ONCOPANEL-3", "True", "Hybrid Selection", "Targeted Sequencing", "Illumina", "100",
             "Illumina HiSeq 2500", "10", "447", "", "DFCI", "tumor_only", "fixture capture", full, ">20%",
             "coding_exons;introns", "FFPE", "DFCI-ONCOPANEL-3"],
            ["VICC-01-T7", "True", "PCR", "Targeted Sequencing", "Illumina", "150", "Illumina MiSeq", "10", "7", "",
             "VICC", "tumor_only", "fixture amplicons", "snv;small_indels", ">20%", "hotspot_regions", "FFPE",
             "VICC-01-T7"]]
    files["assay_information.txt"] = tsv(info)

    bed: list[list[object]] = []

    def row(chrom: str, start1: int, end: int, gene: str, assay: str, feature: str, include: bool = True) -> None:
        bed.append([chrom, start1 - 1, end, gene, "True" if include else "False", "True", gene, assay, feature,
                    assay.split("-")[0]])

    erbb2 = TranscriptModel(rules.index_gene, "GRCh37")
    models = {g: TranscriptModel(rules.genes[g], "GRCh37") for g in CODRIVERS}
    for assay in ("MSK-IMPACT468", "DFCI-ONCOPANEL-3"):
        for s, e in erbb2.exons:
            row(erbb2.chrom, s, e, "ERBB2", assay, "exon")
        for g, m in models.items():
            for s, e in m.exons:
                row(m.chrom, s, e, g, assay, "exon")
        for k in KINASES:
            if assay.startswith("DFCI") and k in ("NTRK2", "NTRK3"):
                continue
            g = frules.genes[k]
            lo, hi = g.introns[0].spans["GRCh37"] if g.introns else (g.builds["GRCh37"].start, g.builds["GRCh37"].start
                                                                       + 2000)
            row(g.builds["GRCh37"].chrom, lo, hi, k, assay, "intron")
        row("17", 7572927, 7579912, "TP53", assay, "exon")
    vicc = "VICC-01-T7"
    row("17", 37868207, 37868209, "ERBB2", vicc, "exon")  # S310 codon
    row("17", 37881000, 37881002, "ERBB2", vicc, "exon")  # V777 codon
    row("17", 37880979, 37881164, "ERBB2", vicc, "exon", include=False)  # exon 20, left out of the panel
    row("12", 25398280, 25398285, "KRAS", vicc, "exon")  # G12/G13 codons
    row("7", 55259514, 55259516, "EGFR", vicc, "exon")  # L858 codon
    files["genomic_information.txt"] = tsv([["Chromosome", "Start_Position", "End_Position", "Hugo_Symbol",
                                             "includeInPanel", "clinicalReported", "ID", "SEQ_ASSAY_ID",
                                             "Feature_Type", "CENTER"], *bed])

    matrix = [["SAMPLE_ID", "SEQ_ASSAY_ID", "mutations", "cna", "structural_variants"]]
    for s, c, assay in samples:
        has_cna = c != "VICC" and s != gid("DFCI", 20)
        matrix.append([s, assay, assay, assay if has_cna else "NA", assay if c != "VICC" else "NA"])
    files["data_gene_matrix.txt"] = tsv(matrix)

    lists = {"sequenced": ("Sequenced Tumors", "all_cases_with_mutation_data", [s for s, _, _ in samples]),
             "cna": ("Tumors with CNA data", "all_cases_with_cna_data", cna_samples),
             "sv": ("Tumors with structural variant data", "all_cases_with_sv_data",
                    [s for s, c, _ in samples if c != "VICC"])}
    for suffix, (name, category, ids) in lists.items():
        files[f"case_lists/cases_{suffix}.txt"] = meta([
            ("cancer_study_identifier", "genie_public"), ("stable_id", f"genie_public_{suffix}"),
            ("case_list_name", name), ("case_list_description", f"{name} ({len(ids)} samples)"),
            ("case_list_category", category), ("case_list_ids", "\t".join(ids))])
    return files


def main(out_dir: str | None = None) -> None:
    out = Path(out_dir) if out_dir else ROOT / "fixtures" / "studies"
    rules = load_rules()
    rng = np.random.default_rng(SEED)
    write(out / "cbioportal_study", cbioportal_study(rules, rng))
    write(out / "genie_release", genie_release(rules, rng))
    print(f"wrote the genomic files of {out / 'cbioportal_study'} and {out / 'genie_release'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
