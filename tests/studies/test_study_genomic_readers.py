"""The readers behind ``classify --study``, on small study folders written here: malformed matrices,
panels and assay files are errors naming the file and the line (exit 1, no traceback, nothing
written); the formats' variants (Entrez ids only, the older data_fusions.txt, a study without a MAF)
are read; what a study does not say stays ``unknown`` or not assessed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import run_cli

MAF_HEAD = ["Hugo_Symbol", "NCBI_Build", "Chromosome", "Start_Position", "End_Position", "Variant_Classification",
            "Variant_Type", "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "Tumor_Sample_Barcode",
            "HGVSp_Short", "t_ref_count", "t_alt_count"]
Y772 = ["ERBB2", "GRCh37", "17", "37880981", "37880982", "In_Frame_Ins", "INS", "-", "-", "GCATACGTGATG", "S1",
        "p.Y772_A775dup", "80", "40"]


def tsv(*rows: list[str]) -> str:
    return "".join("\t".join(r) + "\n" for r in rows)


def meta(**fields: str) -> str:
    return "".join(f"{k}: {v}\n" for k, v in fields.items())


def case_list(suffix: str, category: str, ids: list[str]) -> str:
    return meta(cancer_study_identifier="t", stable_id=f"t_{suffix}", case_list_name=suffix,
                case_list_description=suffix, case_list_category=category, case_list_ids="\t".join(ids))


BASE = {
    "meta_study.txt": meta(type_of_cancer="nsclc", cancer_study_identifier="t", name="t", description="t",
                           reference_genome="hg19"),
    "meta_mutations.txt": meta(cancer_study_identifier="t", genetic_alteration_type="MUTATION_EXTENDED",
                               datatype="MAF", stable_id="mutations", show_profile_in_analysis_tab="true",
                               profile_name="m", profile_description="m", data_filename="data_mutations.txt"),
    "data_mutations.txt": tsv(MAF_HEAD, Y772),
    "meta_CNA.txt": meta(cancer_study_identifier="t", genetic_alteration_type="COPY_NUMBER_ALTERATION",
                         datatype="DISCRETE", stable_id="cna", show_profile_in_analysis_tab="true", profile_name="c",
                         profile_description="c", data_filename="data_CNA.txt"),
    "data_CNA.txt": tsv(["Hugo_Symbol", "Entrez_Gene_Id", "S1", "S2"], ["EGFR", "1956", "0", "1"],
                        ["ERBB2", "2064", "0", "2"]),
    "case_lists/cases_sequenced.txt": case_list("sequenced", "all_cases_with_mutation_data", ["S1", "S2"]),
    "case_lists/cases_cna.txt": case_list("cna", "all_cases_with_cna_data", ["S1", "S2"]),
}


def study(tmp_path: Path, drop: tuple[str, ...] = (), **changed: str) -> Path:
    folder = tmp_path / "study"
    files = {k: v for k, v in BASE.items() if k not in drop}
    files.update({k.replace("__", "/"): v for k, v in changed.items()})
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def run(tmp_path: Path, folder: Path, *extra: str):
    return run_cli("classify", "--study", folder, "--out", tmp_path / "out", "-q", *extra)


def samples(tmp_path: Path) -> dict[str, dict]:
    with open(tmp_path / "out" / "samples.tsv", encoding="utf-8") as fh:
        return {r["sample"]: r for r in csv.DictReader(fh, delimiter="\t")}


def test_the_small_study_reads(tmp_path):
    proc = run(tmp_path, study(tmp_path))
    assert proc.returncode == 0, proc.stderr
    s = samples(tmp_path)
    assert (s["S1"]["her2_status"], s["S2"]["her2_status"]) == ("exon20_insertion", "amplification")
    assert s["S1"]["build"] == "GRCh37"


# -- malformed files: an error naming the file and the line -------------------------------------------------
BAD = {
    "cna_row_one_cell_short": (
        {"data_CNA.txt": tsv(["Hugo_Symbol", "Entrez_Gene_Id", "S1", "S2"], ["EGFR", "1956", "0"],
                             ["ERBB2", "2064", "0", "2"])},
        "data_CNA.txt:2: 3 tab-separated cells, expected 4 as in the header (line 1)"),
    "cna_row_one_cell_long": (
        {"data_CNA.txt": tsv(["Hugo_Symbol", "Entrez_Gene_Id", "S1", "S2"], ["ERBB2", "2064", "0", "2", "1"])},
        "data_CNA.txt:2: 5 tab-separated cells, expected 4"),
    "cna_duplicate_sample_column": (
        {"data_CNA.txt": tsv(["Hugo_Symbol", "Entrez_Gene_Id", "S1", "S1"], ["ERBB2", "2064", "0", "2"])},
        "data_CNA.txt:1: sample 'S1' has two columns (3 and 4)"),
    "cna_erbb2_twice": (
        {"data_CNA.txt": tsv(["Hugo_Symbol", "Entrez_Gene_Id", "S1", "S2"], ["ERBB2", "2064", "0", "2"],
                             ["ERBB2", "2064", "0", "0"])},
        "data_CNA.txt:3: a second ERBB2 row (the first is line 2)"),
    "cna_not_a_level": (
        {"data_CNA.txt": tsv(["Hugo_Symbol", "Entrez_Gene_Id", "S1", "S2"], ["ERBB2", "2064", "0", "3"])},
        "data_CNA.txt:2: ERBB2 value '3' of sample 'S2' (column 4) is not a discrete copy-number level"),
    "cna_no_header": (
        {"data_CNA.txt": tsv(["ERBB2", "2064", "0", "2"])},
        "data_CNA.txt:1: not the header of a copy-number matrix"),
    "panel_matrix_sample_twice": (
        {"data_gene_panel_matrix.txt": tsv(["SAMPLE_ID", "mutations"], ["S1", "P1"], ["S1", "P1"])},
        "data_gene_panel_matrix.txt:3: sample 'S1' is listed twice (first on line 2)"),
    "meta_names_a_missing_file": (
        {"meta_CNA.txt": BASE["meta_CNA.txt"].replace("data_CNA.txt", "data_cna_gistic.txt")},
        "meta_CNA.txt:8: data_filename data_cna_gistic.txt is not in the study folder"),
    "meta_line_without_colon": (
        {"meta_mutations.txt": BASE["meta_mutations.txt"] + "no colon here\n"},
        "meta_mutations.txt:9: expected 'key: value'"),
    "builds_disagree": (
        {"meta_study.txt": BASE["meta_study.txt"].replace("hg19", "hg38")},
        "meta_study.txt:5: reference_genome hg38 is GRCh38, but"),
    "gene_panel_without_genes": (
        {"gene_panels__p1.txt": meta(stable_id="P1", description="x")},
        "p1.txt: no gene_list"),
    "sv_row_on_the_other_build": (
        {"data_sv.txt": tsv(["Sample_Id", "Site1_Hugo_Symbol", "Site2_Hugo_Symbol", "NCBI_Build"],
                            ["S1", "EML4", "ALK", "GRCh38"])},
        "data_sv.txt:2: NCBI_Build 'GRCh38' is not the study's build GRCh37"),
    "sv_position_not_a_number": (
        {"data_sv.txt": tsv(["Sample_Id", "Site1_Hugo_Symbol", "Site2_Hugo_Symbol", "Site1_Position"],
                            ["S1", "EML4", "ALK", "42,522,000"])},
        "data_sv.txt:2: Site1_Position '42,522,000' is not a position"),
    "sv_without_site2": (
        {"data_sv.txt": tsv(["Sample_Id", "Site1_Hugo_Symbol"], ["S1", "ALK"])},
        "data_sv.txt:1: no Site2_Hugo_Symbol (or Site2_Entrez_Gene_Id) column"),
}


@pytest.mark.parametrize("files, message", list(BAD.values()), ids=list(BAD))
def test_a_malformed_file_is_an_error_naming_it(tmp_path, files, message):
    proc = run(tmp_path, study(tmp_path, **files))
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


GENIE_INFO = ["SEQ_ASSAY_ID", "alteration_types", "coverage", "CENTER"]
GENIE_BED = ["Chromosome", "Start_Position", "End_Position", "Hugo_Symbol", "includeInPanel", "SEQ_ASSAY_ID",
             "Feature_Type"]


def genie(tmp_path: Path, info: list[list[str]], bed: list[list[str]]) -> Path:
    folder = tmp_path / "genie"
    folder.mkdir()
    (folder / "data_mutations_extended.txt").write_text(tsv(MAF_HEAD, Y772))
    (folder / "data_gene_matrix.txt").write_text(tsv(["SAMPLE_ID", "SEQ_ASSAY_ID", "mutations", "cna"],
                                                     ["S1", "A-1", "A-1", "NA"]))
    (folder / "assay_information.txt").write_text(tsv(GENIE_INFO, *info))
    (folder / "genomic_information.txt").write_text(tsv(GENIE_BED, *bed))
    return folder


EXON20 = ["17", "37880978", "37881164", "ERBB2", "True", "A_1", "exon"]


@pytest.mark.parametrize("info, bed, message", [
    ([["A-1", "snv;small_indels;fusions", "coding_exons", "A"]], [EXON20],
     "assay_information.txt:2: alteration_types 'fusions' is not one GENIE defines"),
    ([["A-1", "snv", "whole_genome", "A"]], [EXON20], "assay_information.txt:2: coverage 'whole_genome'"),
    ([["A-1", "snv", "coding_exons", "A"], ["a_1", "snv", "coding_exons", "A"]], [EXON20],
     "assay_information.txt:3: SEQ_ASSAY_ID 'a_1' is described twice (first on line 2)"),
    ([["A-1", "snv", "coding_exons", "A"]], [[*EXON20[:4], "maybe", *EXON20[5:]]],
     "genomic_information.txt:2: includeInPanel 'maybe' is not True or False"),
    ([["A-1", "snv", "coding_exons", "A"]], [[*EXON20[:1], "x", *EXON20[2:]]],
     "genomic_information.txt:2: Start_Position 'x' is not a position"),
], ids=["unknown_alteration_type", "unknown_coverage", "assay_twice", "include_flag", "start_not_number"])
def test_malformed_genie_assay_files(tmp_path, info, bed, message):
    proc = run(tmp_path, genie(tmp_path, info, bed))
    assert (proc.returncode, "Traceback" in proc.stderr) == (1, False)
    assert message in proc.stderr


def test_genie_assay_ids_match_as_genie_writes_them_and_an_snv_only_assay_assesses_no_insertion(tmp_path):
    """'A_1' in genomic_information.txt is the assay 'A-1' (GENIE upper-cases and writes '-' for '_');
    an assay reporting SNVs only covers exon 20 and still cannot have assessed an insertion."""
    proc = run(tmp_path, genie(tmp_path, [["A-1", "snv", "coding_exons", "A"]], [EXON20]))
    assert proc.returncode == 0, proc.stderr
    s = samples(tmp_path)["S1"]
    assert s["assessed"] == "no"
    assert "assay A-1 reports no small indels (alteration_types): exon 20 insertions were not assessed" in \
        s["assessed_reason"]
    assert s["tested"] == ""  # EGFR exon 19 deletions would go unseen too


def test_genie_rows_left_out_of_the_panel_do_not_count(tmp_path):
    left_out = [*EXON20[:4], "False", *EXON20[5:]]
    proc = run(tmp_path, genie(tmp_path, [["A-1", "snv;small_indels", "coding_exons", "A"]], [left_out]))
    assert proc.returncode == 0, proc.stderr
    s = samples(tmp_path)["S1"]
    assert (s["assessed"], s["her2_status"]) == ("no", "exon20_insertion")
    assert "exon 20 is 0% inside the panel targets" in s["assessed_reason"]


# -- variants of the formats ---------------------------------------------------------------------------------
def test_a_matrix_with_entrez_ids_only(tmp_path):
    cna = tsv(["Entrez_Gene_Id", "S1", "S2"], ["1956", "0", "0"], ["2064", "2", "0"])
    assert run(tmp_path, study(tmp_path, **{"data_CNA.txt": cna})).returncode == 0
    assert samples(tmp_path)["S1"]["her2_status"] == "exon20_insertion;amplification"


def test_the_older_fusion_file_is_read_one_fusion_per_event(tmp_path):
    """data_fusions.txt writes an event once per gene: EML4's row and ALK's row are one fusion."""
    fusions = tsv(["Hugo_Symbol", "Entrez_Gene_Id", "Center", "Tumor_Sample_Barcode", "Fusion", "DNA_support",
                   "RNA_support", "Method", "Frame"],
                  ["EML4", "27436", "c", "S2", "EML4-ALK fusion", "yes", "unknown", "x", "in-frame"],
                  ["ALK", "238", "c", "S2", "EML4-ALK fusion", "yes", "unknown", "x", "in-frame"],
                  ["RET", "5979", "c", "S1", "RET fusion", "yes", "unknown", "x", "in-frame"])
    folder = study(tmp_path, **{"data_fusions.txt": fusions,
                                "case_lists__cases_sv.txt": case_list("sv", "all_cases_with_sv_data", ["S1", "S2"])})
    assert run(tmp_path, folder).returncode == 0
    s = samples(tmp_path)
    assert s["S2"]["codrivers"] == "ALK:fusion" and "fusion_same_event=1" in s["S2"]["dropped"]
    assert s["S1"]["codrivers"] == "RET:fusion"
    with open(tmp_path / "out" / "calls.tsv", encoding="utf-8") as fh:
        names = {(r["sample"], r["notes"].split(";")[0]) for r in csv.DictReader(fh, delimiter="\t")
                 if r["class"] == "fusion"}
    assert names == {("S2", "EML4-ALK"), ("S1", "RET rearrangement (partner unknown position)")}


def test_the_older_fusion_file_is_profiled_with_the_mutations(tmp_path):
    """cBioPortal stored the older fusions with the mutations: without an SV case list or matrix
    column, the samples sequenced for mutations are the ones tested for fusions."""
    fusions = tsv(["Hugo_Symbol", "Tumor_Sample_Barcode", "Fusion"], ["ALK", "S2", "EML4-ALK fusion"])
    sequenced = case_list("sequenced", "all_cases_with_mutation_data", ["S2"])
    folder = study(tmp_path, **{"data_fusions.txt": fusions, "case_lists__cases_sequenced.txt": sequenced})
    assert run(tmp_path, folder).returncode == 0
    s = samples(tmp_path)
    assert "fusion:ALK,NTRK1,NTRK2,NTRK3,RET,ROS1" in s["S2"]["tested"]
    assert s["S1"]["tested"] == ""  # not sequenced: not tested for fusions either


def test_a_study_without_a_maf_is_read_from_its_copy_number(tmp_path):
    folder = study(tmp_path, drop=("meta_mutations.txt", "data_mutations.txt"))
    assert run(tmp_path, folder).returncode == 0
    s = samples(tmp_path)
    assert s["S2"]["her2_status"] == "amplification" and s["S2"]["assessed"] == "no"
    assert "the study has no small variants file" in s["S2"]["assessed_reason"]


def test_a_maf_with_no_rows(tmp_path):
    folder = study(tmp_path, **{"data_mutations.txt": tsv(MAF_HEAD)})
    assert run(tmp_path, folder).returncode == 0
    s = samples(tmp_path)
    assert (s["S1"]["her2_status"], s["S1"]["assessed"]) == ("none", "yes")


def test_without_case_lists_or_matrix_the_mutation_profile_is_unknown(tmp_path):
    """A MAF lists only samples with events; a copy-number matrix holds every sample it profiled."""
    folder = study(tmp_path, drop=("case_lists/cases_sequenced.txt", "case_lists/cases_cna.txt"))
    assert run(tmp_path, folder).returncode == 0
    s = samples(tmp_path)
    assert (s["S2"]["assessed"], s["S2"]["cn_assessed"]) == ("unknown", "yes")
    assert "no case list or gene panel matrix entry says whether it was profiled" in s["S2"]["assessed_reason"]


def test_a_panel_named_but_not_defined_leaves_erbb2_unknown(tmp_path):
    folder = study(tmp_path, **{"data_gene_panel_matrix.txt": tsv(["SAMPLE_ID", "mutations", "cna"],
                                                                  ["S1", "IMPACT410", "IMPACT410"],
                                                                  ["S2", "IMPACT410", "IMPACT410"])})
    assert run(tmp_path, folder).returncode == 0
    s = samples(tmp_path)["S2"]
    assert s["assessed"] == "unknown" and s["tested"] == ""
    assert "gene panel IMPACT410 is not defined in the study folder" in s["assessed_reason"]
    assert s["cn_assessed"] == "yes"  # the matrix's own value stands where the panel's genes are unknown


def test_a_continuous_matrix_alone_is_not_read(tmp_path):
    linear = meta(cancer_study_identifier="t", genetic_alteration_type="COPY_NUMBER_ALTERATION",
                  datatype="CONTINUOUS", stable_id="linear_CNA", show_profile_in_analysis_tab="false",
                  profile_name="l", profile_description="l", data_filename="data_linear_cna.txt")
    folder = study(tmp_path, drop=("meta_CNA.txt", "data_CNA.txt", "case_lists/cases_cna.txt"),
                   **{"meta_linear_cna.txt": linear,
                      "data_linear_cna.txt": tsv(["Hugo_Symbol", "S1", "S2"], ["ERBB2", "0.1", "3.5"])})
    proc = run(tmp_path, folder)
    assert proc.returncode == 0
    s = samples(tmp_path)["S2"]
    assert (s["cn_assessed"], s["her2_status"]) == ("no", "none")
    assert "only a continuous (linear) matrix, whose values are not copies: not read" in s["assessed_reason"]


# -- the command line ------------------------------------------------------------------------------------------
def test_study_does_not_go_with_input_files_or_per_file_options(tmp_path):
    folder = study(tmp_path)
    proc = run_cli("classify", "--study", folder, folder / "data_mutations.txt", "--cnv", folder / "data_CNA.txt")
    assert proc.returncode == 2
    assert "input files, --cnv cannot go with it" in proc.stderr


def test_a_study_folder_given_as_input_is_pointed_to_study(tmp_path):
    folder = study(tmp_path)
    proc = run_cli("classify", folder)
    assert proc.returncode == 2
    assert f"{folder}: is a cBioPortal study or GENIE release folder; give it as --study {folder}" in proc.stderr


def test_not_a_study(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = run_cli("classify", "--study", tmp_path / "empty")
    assert proc.returncode == 1
    assert "empty: not a cBioPortal study or GENIE release folder" in proc.stderr
    proc = run_cli("classify", "--study", tmp_path / "missing")
    assert (proc.returncode, "missing: no such folder (--study)" in proc.stderr) == (1, True)


def test_the_python_entry_point_returns_the_results(tmp_path):
    from her2var.classify.result import ClassifyOptions
    from her2var.studies import classify_study

    run_ = classify_study(str(study(tmp_path)), options=ClassifyOptions(purity=0.5))
    assert [r.sample for r in run_.results] == ["S1", "S2"]
    assert run_.study is not None and run_.study.build == "GRCh37"
    assert run_.provenance["study"]["kind"] == "cbioportal"


# -- messages cap what they echo ---------------------------------------------------------------------------
BIG = "\x1b[2J\x07\u202e" + "Z" * 100_000


@pytest.mark.parametrize("files, where", [
    ({"data_CNA.txt": tsv(["Hugo_Symbol", "Entrez_Gene_Id", "S1", "S2"], ["ERBB2", "2064", "0", BIG])},
     "data_CNA.txt:2:"),
    ({"data_CNA.txt": tsv(["Hugo_Symbol", "Entrez_Gene_Id", BIG, BIG], ["ERBB2", "2064", "0", "0"])},
     "data_CNA.txt:1:"),
    ({"data_gene_panel_matrix.txt": tsv(["SAMPLE_ID", "mutations"], [BIG, "P"], [BIG, "P"])},
     "data_gene_panel_matrix.txt:3:"),
    ({"data_sv.txt": tsv(["Sample_Id", "Site1_Hugo_Symbol", "Site2_Hugo_Symbol", "Site1_Position"],
                         ["S1", "EML4", "ALK", BIG])}, "data_sv.txt:2:"),
    ({"meta_study.txt": meta(type_of_cancer="nsclc", cancer_study_identifier="t", reference_genome=BIG)},
     "meta_study.txt:3:"),
    ({"meta_mutations.txt": BASE["meta_mutations.txt"].replace("data_mutations.txt", BIG)}, "meta_mutations.txt:8:"),
], ids=["cna_cell", "cna_sample_ids", "matrix_sample", "sv_position", "reference_genome", "data_filename"])
def test_messages_cap_the_values_they_echo(tmp_path, files, where):
    proc = run(tmp_path, study(tmp_path, **files))
    assert proc.returncode == 1
    message = proc.stderr.strip().splitlines()[-1]
    assert where in message and len(message) < 1000
    assert not any(ch in message for ch in "\x1b\x07\u202e")
