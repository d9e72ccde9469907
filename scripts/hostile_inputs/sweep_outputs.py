"""Cases for where outputs go: an output that is one of the inputs (however spelled: another name, a
symbolic link, a file a folder output writes), output folders that are not the command's own, an
earlier output's own files and a stranger's files in it, the results store (a sample of the same
name from another file, a store through a link to nowhere, a store of an earlier schema), the demo
in a lab's folder, file names from sample ids, a samples sheet without samples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from her2var.store import APPLICATION_ID, MIGRATIONS

from .build import CHROM_LINE, CLIN_HEAD, CLIN_ROWS, YVMA, YVMA_NAME, Case, csv_text, sqlite_bytes, tsv, vcf, xlsx

ROOT = Path(__file__).resolve().parents[2]
CALLS = ["calls/samples.tsv", "calls/calls.tsv"]
OUTPUTS_MANIFEST = ".her2var-outputs.json"


def _manifest(kind: str, files: list[str]) -> str:
    return json.dumps({"format": "her2var-outputs", "version": 1, "kind": kind, "files": files}, indent=1) + "\n"


def _store(version: int, sample: str, source: str, sha: str = "0" * 64) -> bytes:
    """A results store (schema ``version``) holding one current result of ``sample`` from ``source``."""
    statements = [s for step in MIGRATIONS[:version] for s in step if isinstance(s, str)]  # Python steps fill rows
    statements += ["CREATE TABLE schema_version (version INTEGER NOT NULL)",
                   f"INSERT INTO schema_version (version) VALUES ({version})",
                   f"PRAGMA application_id = {APPLICATION_ID}"]
    doc = json.dumps({"sample": sample, "provenance": {"input": source}})
    columns = ("sample, patient, input_sha256, rules_checksum, is_current, her2_status, her2_classes, assessed, "
               "cn_assessed, copy_number, n_events, her2var_version, recorded_at, calls, doc, doc_sha256")
    values = (f"'{sample}', 'P1', '{sha}', 'r1', 1, 'none', '', 'yes', 'no', NULL, 0, '0', "
              f"'2020-01-01T00:00:00+00:00', '[]', '{doc}', 'x'")
    if version >= 2:
        columns, values = columns + ", input", values + f", '{source}'"
    statements.append(f"INSERT INTO results ({columns}) VALUES ({values})")
    return sqlite_bytes(statements)


def sweep_outputs_cases(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    clinical_tsv = tsv(CLIN_HEAD, *CLIN_ROWS)
    cohort_args = ["cohort", "--clinical"]

    # -- an output that is an input: refused before anything is read or written (exit 2) ---------------
    def over(cid: str, files: dict, args: list[str], expect: list[str], why: str, shared: list[str] | None = None,
             setup: list[str] | None = None, reader: str = "usage") -> None:
        cases.append(Case(cid, reader, files, args, 2, expect, why, shared=shared or [], setup=setup or []))

    over("out_cohort_over_clinical", {"records.tsv": clinical_tsv},
         [*cohort_args, "records.tsv", "--calls", "shared/calls", "-o", "records.tsv"],
         ["-o records.tsv: the same file as the input --clinical records.tsv"],
         "the cohort table would replace the clinical records it is built from", shared=CALLS)
    over("out_cohort_xlsx_over_clinical_workbook", {"records.xlsx": xlsx([CLIN_HEAD, *CLIN_ROWS])},
         [*cohort_args, "records.xlsx", "--calls", "shared/calls", "-o", "c.tsv", "--xlsx", "records.xlsx"],
         ["--xlsx records.xlsx: the same file as the input --clinical records.xlsx"],
         "the Excel export would replace the clinical workbook", shared=CALLS)
    over("out_cohort_over_calls_samples", {"records.csv": csv_text([CLIN_HEAD, *CLIN_ROWS])},
         [*cohort_args, "records.csv", "--calls", "shared/calls", "-o", "shared/calls/samples.tsv"],
         ["-o shared/calls/samples.tsv: the same file as the input --calls shared/calls/samples.tsv"],
         "-o names the samples.tsv of the --calls folder", shared=CALLS)
    over("out_cohort_problems_over_clinical", {"c.problems.tsv": clinical_tsv},
         [*cohort_args, "c.problems.tsv", "--calls", "shared/calls", "-o", "c.tsv"],
         ["-o (its problems table) c.problems.tsv: the same file as the input --clinical c.problems.tsv"],
         "-o c.tsv writes c.problems.tsv beside it, which is the clinical input", shared=CALLS)
    over("out_cohort_through_symlink", {"records.csv": csv_text([CLIN_HEAD, *CLIN_ROWS])},
         [*cohort_args, "records.csv", "--calls", "shared/calls", "-o", "alias.tsv"],
         ["-o alias.tsv: the same file as the input --clinical records.csv"],
         "-o is a symbolic link to the clinical file", shared=CALLS, setup=["link alias.tsv records.csv"])
    over("out_cohort_study_holds_clinical",
         {"study/meta_study.txt": "type_of_cancer: nsclc\ncancer_study_identifier: x\n",
          "study/data_clinical_patient.txt": clinical_tsv},
         [*cohort_args, "study/data_clinical_patient.txt", "--calls", "shared/calls", "-o", "c.tsv",
          "--cbioportal", "study"],
         ["--cbioportal study/data_clinical_patient.txt: the same file as the input --clinical"],
         "the cBioPortal export would replace the clinical file it lies in", shared=CALLS)
    over("out_classify_sheet_in_out_folder",
         {"samples.tsv": tsv(["sample", "vcf"], ["S1", "in.vcf"]), "in.vcf": vcf(YVMA)},
         ["classify", "--samples", "samples.tsv", "--out", "."],
         ["--out ./samples.tsv: the same file as the input --samples samples.tsv"],
         "classify --out . writes samples.tsv over the samples sheet")
    over("out_classify_input_in_json_folder", {"out/samples/in.vcf": vcf(YVMA)},
         ["classify", "out/samples/in.vcf", "--out", "out"],
         ["--out out/samples: the input INPUTS out/samples/in.vcf lies inside this output folder"],
         "the input VCF lies in the folder of per-sample JSON files classify writes")
    over("out_classify_store_is_the_vcf", {}, ["classify", "shared/good.vcf", "--store", "shared/good.vcf"],
         ["--store shared/good.vcf: the same file as the input INPUTS shared/good.vcf"],
         "the store would be written into the input VCF", shared=["good.vcf"])
    over("out_classify_annotate_through_symlink", {"in.vcf": vcf(YVMA)},
         ["classify", "in.vcf", "--annotate-vcf", "alias.vcf"],
         ["--annotate-vcf alias.vcf: the same file as the input INPUTS in.vcf"],
         "the annotated VCF is a symbolic link to the input", setup=["link alias.vcf in.vcf"])
    over("out_classify_sheet_row_is_store", {"samples.tsv": tsv(["sample", "vcf"], ["S1", "in.vcf"]),
                                             "in.vcf": vcf(YVMA)},
         ["classify", "--samples", "samples.tsv", "--store", "in.vcf"],
         ["--store in.vcf: the same file as the input samples.tsv:2 (samples sheet)"],
         "the store named as a sheet row's VCF")
    over("out_pon_over_a_normal", {"N1.bam": b"", "N2.bam": b"", "N3.bam": b"", "targets.bed": "17\t1\t100\n"},
         ["pon", "build", "N1.bam", "N2.bam", "N3.bam", "--targets", "targets.bed", "-o", "N2.bam"],
         ["-o N2.bam: the same file as the input NORMALS N2.bam"],
         "the panel of normals would replace one of the normals, before any read is counted")
    cohort = (ROOT / "fixtures" / "analysis" / "cohort.tsv").read_text(encoding="utf-8")
    over("out_analyze_cohort_among_its_tables",
         {"res/" + OUTPUTS_MANIFEST: _manifest("analysis", ["results.json", "tables/cohort.tsv"]),
          "res/results.json": "{}\n", "res/tables/cohort.tsv": cohort},
         ["analyze", "res/tables/cohort.tsv", "--plan", "first-line-regimens", "-o", "res", "--no-figures",
          "--no-pdf"],
         ["-o res/tables/cohort.tsv: the same file as the input COHORT res/tables/cohort.tsv"],
         "the cohort analysed is one of the files the earlier analysis wrote, which this one replaces")

    # -- output folders that are not the command's own (exit 2): nothing in them is touched ---------------
    over("out_classify_foreign_folder", {"out/notes.txt": "mine\n"}, ["classify", "shared/good.vcf", "--out", "out"],
         ["--out out: exists, is not empty and holds no earlier classify output (it holds notes.txt)"],
         "a folder of someone else's files is never written into", shared=["good.vcf"])
    over("out_classify_into_an_analysis", {"out/" + OUTPUTS_MANIFEST: _manifest("analysis", ["results.json"]),
                                           "out/results.json": "{}\n"},
         ["classify", "shared/good.vcf", "--out", "out"],
         ["--out out: holds the output of her2var analysis, not of classify"],
         "classify --out pointed at an analysis folder", shared=["good.vcf"])
    over("out_analyze_foreign_folder", {"cohort.tsv": cohort, "notes.txt": "mine\n"},
         ["analyze", "cohort.tsv", "--plan", "first-line-regimens", "-o", ".", "--no-figures", "--no-pdf"],
         ["-o .: exists, is not empty and holds no earlier analysis"],
         "analyze -o . in the folder holding the cohort and other files")
    over("out_demo_into_lab_folder", {"her2var.db": _store(2, "LAB-0001", "/lab/run1/LAB-0001.vcf")},
         ["demo", "."], ["OUTDIR .: exists, is not empty and holds no earlier her2var demo (it holds her2var.db)"],
         "the demo must not write 120 synthetic samples into a lab's store")
    over("out_demo_foreign_store_in_demo_folder",
         {OUTPUTS_MANIFEST: _manifest("demo", ["her2var.db", "README.txt"]),
          "her2var.db": _store(2, "LAB-0001", "/lab/run1/LAB-0001.vcf")},
         ["demo", "."], ["a results store the demo did not write"],
         "a lab's store put into an earlier demo's folder is not the demo's to replace")

    over("out_manifest_is_dev_zero", {}, ["classify", "shared/good.vcf", "--out", "out"],
         ["--out out: its .her2var-outputs.json is not a file her2var wrote"],
         "the folder's output list is a link to /dev/zero: never read (it never ends), never trusted",
         shared=["good.vcf"], setup=["link out/.her2var-outputs.json /dev/zero"])
    over("out_demo_store_is_a_pipe", {OUTPUTS_MANIFEST: _manifest("demo", ["her2var.db"])}, ["demo", "."],
         ["a results store the demo did not write"], "the demo's her2var.db is a named pipe: not opened, refused",
         setup=["fifo her2var.db"])

    # -- an earlier output is the command's own: its files are replaced, a stranger's kept (exit 0) --------
    cases.append(Case(
        "out_classify_keeps_foreign_files", "usage",
        {"out/" + OUTPUTS_MANIFEST: _manifest("classify", ["calls.tsv", "samples/OLD.json"]),
         "out/calls.tsv": "sample\n", "out/samples/OLD.json": "{}\n", "out/notes.txt": "mine\n",
         "out/.tmp-k2jx8a1q-calls.tsv": "a killed run's temporary\n"},
        ["classify", "shared/good.vcf", "--out", "out"], 0, [],
        "an earlier classify output: its files are replaced and removed, a file someone else put there is "
        "kept, a killed run's temporary is removed", shared=["good.vcf"],
        outputs=["out/samples/TUMOR.json", "out/notes.txt"],
        expect_files={"out/notes.txt": ["mine"], "out/" + OUTPUTS_MANIFEST: ["samples/TUMOR.json"]}))
    cases.append(Case(
        "out_analyze_keeps_the_cohort_in_its_folder", "usage",
        {"res/" + OUTPUTS_MANIFEST: _manifest("analysis", ["results.json", "tables/old.tsv"]),
         "res/results.json": "{}\n", "res/tables/old.tsv": "x\n", "res/cohort.tsv": cohort, "res/notes.txt": "mine\n"},
        ["analyze", "res/cohort.tsv", "--plan", "first-line-regimens", "-o", "res", "--no-figures", "--no-pdf"], 0,
        [], "an earlier analysis is replaced; the cohort analysed and a note in the same folder are not its files "
            "and stay", outputs=["res/report.html", "res/cohort.tsv", "res/notes.txt"],
        expect_files={"res/cohort.tsv": ["patient_id"], "res/notes.txt": ["mine"],
                      "res/" + OUTPUTS_MANIFEST: ["report.html"]}))

    # -- the results store ---------------------------------------------------------------------------------
    cases.append(Case(
        "store_same_sample_other_file", "store", {"in.vcf": vcf(YVMA), "h.db": _store(2, "TUMOR", "/lab/run1/T.vcf")},
        ["classify", "in.vcf", "--store", "h.db", "--format", "tsv"], 1,
        ["h.db: sample 'TUMOR' is already stored from /lab/run1/T.vcf", "in.vcf", "--replace"],
        "Strelka2 calls every tumour TUMOR: another file's TUMOR must not silently replace the stored one"))
    cases.append(Case(
        "store_same_sample_other_file_replaced", "store",
        {"in.vcf": vcf(YVMA), "h.db": _store(2, "TUMOR", "/lab/run1/T.vcf")},
        ["classify", "in.vcf", "--store", "h.db", "--format", "tsv", "--replace"], 0, [],
        "--replace says this file's result replaces the stored one", stdout=[YVMA_NAME]))
    cases.append(Case(
        "store_version1_same_file_updates", "store", {"in.vcf": vcf(YVMA), "h.db": _store(1, "TUMOR", "in.vcf")},
        ["classify", "in.vcf", "--store", "h.db", "--format", "tsv"], 0, [],
        "a store of schema version 1 is migrated; its result of the same file (kept as written: in.vcf) is a "
        "re-run, which updates it", stdout=[YVMA_NAME]))
    cases.append(Case(
        "store_version1_other_file_refused", "store",
        {"in.vcf": vcf(YVMA), "h.db": _store(1, "TUMOR", "run1/T.vcf")},
        ["classify", "in.vcf", "--store", "h.db", "--format", "tsv"], 1,
        ["h.db: sample 'TUMOR' is already stored from run1/T.vcf"],
        "after migration, a version 1 result from another file is protected like any other"))
    cases.append(Case(
        "store_dangling_symlink", "store", {}, ["classify", "shared/good.vcf", "--store", "h.db", "--format", "tsv"],
        1, ["h.db: a symbolic link to missing/nowhere.db, which does not exist"],
        "the store would be created wherever the link points", shared=["good.vcf"],
        setup=["link h.db missing/nowhere.db"]))

    # -- file names from sample ids; a sheet without samples; a key file that cannot be read --------------------
    dash = vcf(YVMA, chrom_line=CHROM_LINE.replace("\tTUMOR", "\t-rf"))
    cases.append(Case(
        "out_sample_named_dash_rf", "vcf", {"in.vcf": dash}, ["classify", "in.vcf", "--out", "out"], 0, [],
        "a sample called -rf: its JSON file is rf.json, never a name 'rm *' takes for an option",
        outputs=["out/samples/rf.json"], expect_files={"out/samples/rf.json": ['"sample": "-rf"']}))
    cases.append(Case(
        "samples_header_only", "samples", {"sheet.tsv": tsv(["sample", "vcf"])},
        ["classify", "--samples", "sheet.tsv", "--out", "out", "--format", "tsv"], 1,
        ["sheet.tsv: no samples"], "a header and no rows: nothing to classify is an error, not a silent success",
        outputs=["out"]))
    cases.append(Case(
        "clinical_key_file_missing", "clinical", {"records.csv": csv_text([CLIN_HEAD, *CLIN_ROWS])},
        [*cohort_args, "records.csv", "--calls", "shared/calls", "-o", "out/c.tsv", "--pseudonymize", "missing.key"],
        1, ["missing.key: no such file (--pseudonymize)"],
        "a key file that is missing (or unreadable) is bad input, exit 1, like any other input",
        shared=CALLS, outputs=["out"]))
    return cases
