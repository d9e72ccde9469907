"""Cases for the study-folder readers (``classify --study``: a cBioPortal study, a GENIE release)."""

from __future__ import annotations

import numpy as np

from .build import Case

MAF_HEAD = ["Hugo_Symbol", "NCBI_Build", "Chromosome", "Start_Position", "End_Position", "Variant_Classification",
            "Variant_Type", "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "Tumor_Sample_Barcode"]
Y772 = ["ERBB2", "GRCh37", "17", "37880981", "37880982", "In_Frame_Ins", "INS", "-", "-", "GCATACGTGATG", "S1"]
CNA_HEAD = ["Hugo_Symbol", "Entrez_Gene_Id", "S1", "S2"]


def tsv(*rows: list[str]) -> str:
    return "".join("\t".join(r) + "\n" for r in rows)


def meta(**fields: str) -> str:
    return "".join(f"{k}: {v}\n" for k, v in fields.items())


def study(**changed: str) -> dict[str, str]:
    """A small valid cBioPortal study under study/, with ``changed`` files (name -> text; '' drops one)."""
    files = {
        "meta_study.txt": meta(type_of_cancer="nsclc", cancer_study_identifier="t", name="t", description="t",
                               reference_genome="hg19"),
        "meta_mutations.txt": meta(cancer_study_identifier="t", genetic_alteration_type="MUTATION_EXTENDED",
                                   datatype="MAF", stable_id="mutations", show_profile_in_analysis_tab="true",
                                   profile_name="m", profile_description="m", data_filename="data_mutations.txt"),
        "data_mutations.txt": tsv(MAF_HEAD, Y772),
        "meta_CNA.txt": meta(cancer_study_identifier="t", genetic_alteration_type="COPY_NUMBER_ALTERATION",
                             datatype="DISCRETE", stable_id="cna", show_profile_in_analysis_tab="true",
                             profile_name="c", profile_description="c", data_filename="data_CNA.txt"),
        "data_CNA.txt": tsv(CNA_HEAD, ["EGFR", "1956", "0", "0"], ["ERBB2", "2064", "0", "2"]),
        "case_lists/cases_sequenced.txt": meta(cancer_study_identifier="t", stable_id="t_sequenced",
                                               case_list_name="s", case_list_description="s",
                                               case_list_category="all_cases_with_mutation_data",
                                               case_list_ids="S1\tS2"),
    }
    files.update(changed)
    return {f"study/{k}": v for k, v in files.items() if v}


def study_cases(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    args = ["classify", "--study", "study", "--out", "out", "--format", "tsv"]

    def reject(cid: str, files: dict[str, str], expect: list[str], why: str) -> None:
        cases.append(Case(cid, "study", files, args, 1, expect, why, outputs=["out"]))

    reject("study_cna_row_short", study(**{"data_CNA.txt": tsv(CNA_HEAD, ["EGFR", "1956", "0"],
                                                                  ["ERBB2", "2064", "0", "2"])}),
           ["study/data_CNA.txt:2: 3 tab-separated cells, expected 4 as in the header (line 1)"],
           "a copy-number matrix row one cell short")
    reject("study_cna_sample_column_twice", study(**{"data_CNA.txt": tsv(["Hugo_Symbol", "Entrez_Gene_Id", "S1", "S1"],
                                                                            ["ERBB2", "2064", "0", "2"])}),
           ["study/data_CNA.txt:1: sample 'S1' has two columns (3 and 4)"], "one sample's column given twice")
    reject("study_cna_value_not_a_level", study(**{"data_CNA.txt": tsv(CNA_HEAD, ["ERBB2", "2064", "0", "AMP"])}),
           ["study/data_CNA.txt:2: ERBB2 value 'AMP' of sample 'S2' (column 4) is not a discrete copy-number level"],
           "a word where a discrete level (-2..2) goes")
    reject("study_meta_names_a_missing_file",
           study(**{"meta_CNA.txt": meta(cancer_study_identifier="t", genetic_alteration_type="COPY_NUMBER_ALTERATION",
                                         datatype="DISCRETE", stable_id="cna", data_filename="data_gistic.txt")}),
           ["study/meta_CNA.txt:5: data_filename data_gistic.txt is not in the study folder"],
           "a meta file naming a data file the folder lacks")
    reject("study_panel_matrix_sample_twice",
           study(**{"data_gene_panel_matrix.txt": tsv(["SAMPLE_ID", "mutations"], ["S1", "P1"], ["S1", "NA"])}),
           ["study/data_gene_panel_matrix.txt:3: sample 'S1' is listed twice (first on line 2)"],
           "a sample twice in the gene panel matrix")
    reject("study_builds_disagree",
           study(**{"meta_study.txt": meta(type_of_cancer="nsclc", cancer_study_identifier="t", name="t",
                                           description="t", reference_genome="hg38")}),
           ["study/meta_study.txt:5: reference_genome hg38 is GRCh38, but", "has NCBI_Build GRCh37"],
           "meta_study.txt on one build, the MAF's NCBI_Build on the other")
    reject("study_sv_on_other_build",
           study(**{"data_sv.txt": tsv(["Sample_Id", "Site1_Hugo_Symbol", "Site2_Hugo_Symbol", "NCBI_Build"],
                                       ["S1", "EML4", "ALK", "GRCh38"])}),
           ["study/data_sv.txt:2: NCBI_Build 'GRCh38' is not the study's build GRCh37"],
           "a structural variant row on another build than the study's")
    genie = {"genie/data_mutations_extended.txt": tsv(MAF_HEAD, Y772),
             "genie/assay_information.txt": tsv(["SEQ_ASSAY_ID", "alteration_types", "coverage"],
                                                ["A-1", "snv;indels", "coding_exons"]),
             "genie/genomic_information.txt": tsv(["Chromosome", "Start_Position", "End_Position", "Hugo_Symbol",
                                                   "SEQ_ASSAY_ID"], ["17", "37880978", "37881164", "ERBB2", "A-1"]),
             "genie/data_gene_matrix.txt": tsv(["SAMPLE_ID", "SEQ_ASSAY_ID", "mutations"], ["S1", "A-1", "A-1"])}
    cases.append(Case("study_genie_unknown_alteration_type", "study", genie,
                      ["classify", "--study", "genie", "--out", "out"], 1,
                      ["genie/assay_information.txt:2: alteration_types 'indels' is not one GENIE defines"],
                      "an alteration type GENIE's assay information does not define", outputs=["out"]))
    hashed = "#" + "\t".join(CNA_HEAD) + "\n" + tsv(["ERBB2", "2064", "0", "2"])
    cases.append(Case("study_cna_header_behind_hash", "study", study(**{"data_CNA.txt": hashed}), args, 0, [],
                      "a matrix whose header line is written behind a '#': read as the header",
                      outputs=["out"], expect_files={"out/samples.tsv": ["S2\t\tamplification"]}))
    cases.append(Case("study_with_input_files", "study", study(), ["classify", "--study", "study",
                                                                   "study/data_mutations.txt"], 2,
                      ["input files cannot go with it"], "--study reads the whole folder; input files are refused"))
    return cases
