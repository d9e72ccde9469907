"""Cases for the rules YAML readers (rules check, --rules, --clinical-rules, --regimens), the
results store (--store) and command-line usage errors."""

from __future__ import annotations

import numpy as np

from her2var.store import APPLICATION_ID

from .build import LONG, Case, classify, garbage, sqlite_bytes

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")) + "thresholds: *i\n"


def rules_cases(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []

    def reject(cid: str, content: bytes | str, expect: list[str], why: str, name: str = "lab.yaml",
               via: str = "check") -> None:
        if via == "check":
            args, outs = ["rules", "check", name], []
        else:
            args, outs = classify("shared/good.vcf", "--rules", name)
        cases.append(Case(cid, "rules", {name: content}, args, 1, [e.replace("@", name) for e in expect], why,
                          shared=["good.vcf"] if via != "check" else [], outputs=outs))

    reject("rules_syntax_error", "thresholds:\n  min_vaf: [0.05\n", ["@:", "not valid YAML"], "an unclosed bracket")
    reject("rules_tab_indent", "thresholds:\n\tmin_vaf: 0.05\n", ["@:2: not valid YAML"], "a tab as indentation")
    reject("rules_billion_laughs", BILLION_LAUGHS, ["@:1: YAML anchors and aliases are not allowed"],
           "nine levels of nine aliases (billion laughs)")
    reject("rules_single_alias", "thresholds: &t\n  min_vaf: 0.05\nx: *t\n",
           ["@:", "YAML anchors and aliases are not allowed"], "one alias")
    reject("rules_merge_key", "base: &b {min_vaf: 0.05}\nthresholds:\n  <<: *b\n",
           ["@:", "YAML anchors and aliases are not allowed"], "a merge key through an alias")
    reject("rules_python_tag", "thresholds: !!python/object/apply:os.system ['echo pwned']\n",
           ["@:1: not valid YAML"], "a Python object tag must never run")
    reject("rules_python_name_tag", "thresholds: !!python/name:os.system\n", ["@:1: not valid YAML"],
           "a Python name tag")
    reject("rules_unknown_tag", "thresholds: !include other.yaml\n", ["@:1: not valid YAML"], "a custom tag")
    reject("rules_duplicate_key", "thresholds:\n  min_vaf: 0.05\n  min_vaf: 0.1\n",
           ["@:3: duplicate key 'min_vaf' (first at line 2)"], "a key twice")
    reject("rules_duplicate_section", "thresholds: {min_vaf: 0.05}\nthresholds: {min_depth: 5}\n",
           ["@:2: duplicate key 'thresholds'"], "a section twice")
    reject("rules_unknown_key", "thresholds:\n  min_vaff: 0.05\n", ["@.thresholds.min_vaff: unknown key"],
           "a typo")
    reject("rules_unknown_section", "threshold:\n  min_vaf: 0.05\n", ["@.threshold: unknown key"], "a section typo")
    reject("rules_wrong_type_string", "thresholds:\n  min_vaf: high\n", ["@.thresholds.min_vaf: expected a number"],
           "a word for a number")
    reject("rules_wrong_type_bool", "thresholds:\n  min_depth: yes\n",
           ["@.thresholds.min_depth: expected an integer, found True"], "YAML 1.1 'yes' for an integer")
    reject("rules_wrong_type_list", "thresholds: [0.05]\n", ["@.thresholds: expected a mapping"], "a list for a mapping")
    reject("rules_wrong_type_float_for_int", "thresholds:\n  min_depth: 7.5\n",
           ["@.thresholds.min_depth: expected an integer"], "a fraction for an integer")
    reject("rules_nan_threshold", "thresholds:\n  amplification_cn: .nan\n", ["@.thresholds.amplification_cn:"],
           "NaN would make every comparison false: amplification never called")
    reject("rules_inf_threshold", "thresholds:\n  min_vaf: .inf\n", ["@.thresholds.min_vaf:"], "infinite VAF")
    reject("rules_vaf_out_of_range", "thresholds:\n  min_vaf: 1.5\n", ["@).thresholds: min_vaf", "must be in [0, 1]"],
           "a VAF above 1")
    reject("rules_top_level_list", "- thresholds\n- genes\n", ["@: expected a mapping, found list"], "a list")
    reject("rules_top_level_scalar", "just text\n", ["@: expected a mapping, found str"], "a scalar")
    reject("rules_multi_document", "thresholds: {min_vaf: 0.05}\n---\nthresholds: {min_vaf: 0.1}\n",
           ["@:", "not valid YAML"], "two documents")
    reject("rules_binary_garbage", garbage(rng, 1024), ["@:", "UTF-8"], "random bytes")
    reject("rules_not_utf8", "thresholds:\n  accepted_filters: [caf\xe9]\n".encode("latin-1"), ["@:", "UTF-8"],
           "Latin-1 text")
    reject("rules_deep_nesting", "thresholds: " + "[" * 5000 + "]" * 5000 + "\n", ["@:"],
           "5,000 nested lists")
    reject("rules_deep_mapping", "thresholds: " + "{k: " * 5000 + "v" + "}" * 5000 + "\n", ["@:"],
           "5,000 nested mappings")
    reject("rules_long_line", "thresholds:\n  accepted_filters: [" + "F" * LONG + "\n", ["@:", "not valid YAML"],
           f"a {LONG:,}-character unclosed list")
    reject("rules_gene_missing_keys", "genes:\n  NEWGENE:\n    transcript: NM_1\n",
           ["genes.NEWGENE: missing key"], "a new gene without its required keys")
    reject("rules_via_classify", "thresholds:\n  min_vaff: 0.05\n", ["@.thresholds.min_vaff: unknown key"],
           "--rules on classify checks the file before reading any VCF", via="classify")
    reject("rules_via_classify_alias", BILLION_LAUGHS, ["@:1: YAML anchors and aliases are not allowed"],
           "--rules refuses aliases too", via="classify")
    reject("rules_given_folder", b"", ["@: is a folder, expected a file (PATH)"], "a folder", name="lab.yaml")
    cases[-1].files = {"lab.yaml/README": "a folder, not a file\n"}
    cases.append(Case("rules_missing_file", "rules", {}, ["rules", "check", "missing.yaml"], 1,
                      ["missing.yaml: no such file"], "path does not exist"))
    # the clinical and regimen rules go through the same reader
    for cid, opt, content, expect, why in (
        ("rules_clinical_alias", "--clinical-rules", BILLION_LAUGHS, ["@:1: YAML anchors and aliases"],
         "clinical.yaml override with aliases"),
        ("rules_clinical_unknown_key", "--clinical-rules", "columnz: {}\n", ["@.columnz: unknown key"], "a typo"),
        ("rules_regimens_python_tag", "--regimens", "classes: !!python/object/apply:os.system ['echo pwned']\n",
         ["@:1: not valid YAML"], "a Python tag in regimens.yaml"),
        ("rules_regimens_wrong_type", "--regimens", "classes: [C, I]\n", ["@.classes: expected a mapping"],
         "a list for a mapping"),
    ):
        args = ["cohort", "--clinical", "shared/clinical.csv", "--calls", "shared/calls", opt, "lab.yaml",
                "-o", "out/cohort.tsv"]
        cases.append(Case(cid, "rules", {"lab.yaml": content}, args, 1, [e.replace("@", "lab.yaml") for e in expect],
                          why, shared=["clinical.csv", "calls/samples.tsv", "calls/calls.tsv"],
                          outputs=["out"]))
    for cid, content, why in (
        ("rules_empty_accepted", "", "an empty override changes nothing"),
        ("rules_bom_accepted", "\ufeffthresholds:\n  min_vaf: 0.05\n", "a UTF-8 byte-order mark"),
        ("rules_crlf_accepted", "thresholds:\r\n  min_vaf: 0.05\r\n", "Windows line endings"),
        ("rules_comment_only_accepted", "# nothing changed\n", "comments only"),
    ):
        cases.append(Case(cid, "rules", {"lab.yaml": content}, ["rules", "check", "lab.yaml"], 0, [], why,
                          stdout=["lab.yaml: OK"]))
    return cases


def store_cases(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    foreign = sqlite_bytes(["CREATE TABLE patients (id INTEGER, name TEXT)", "INSERT INTO patients VALUES (1, 'x')"])
    newer = sqlite_bytes(["CREATE TABLE schema_version (version INTEGER NOT NULL)",
                          "INSERT INTO schema_version VALUES (99)", f"PRAGMA application_id = {APPLICATION_ID}"])
    for cid, content, expect, why in (
        ("store_text_file", "this is not a database\n" * 20, ["@: not a usable SQLite store"], "a text file"),
        ("store_binary_garbage", garbage(rng, 8192), ["@: not a usable SQLite store"], "random bytes"),
        ("store_foreign_sqlite", foreign, ["@: an SQLite database that is not a her2var store (tables: patients)"],
         "another program's database must not be touched"),
        ("store_newer_schema", newer, ["@: store schema version 99 was written by a newer her2var"],
         "a store from the future"),
        ("store_truncated_sqlite", foreign[:100], ["@:"], "the first 100 bytes of a database"),
    ):
        args = ["classify", "shared/good.vcf", "--store", "results.db", "--out", "out", "--format", "tsv"]
        cases.append(Case(cid, "store", {"results.db": content}, args, 1, [e.replace("@", "results.db") for e in expect],
                          why, shared=["good.vcf"], outputs=["out"]))
        if cid in ("store_text_file", "store_foreign_sqlite"):
            args = ["cohort", "--clinical", "shared/clinical.csv", "--store", "results.db", "-o", "out/cohort.tsv"]
            cases.append(Case(cid.replace("store_", "store_cohort_"), "store", {"results.db": content}, args, 1,
                              [e.replace("@", "results.db") for e in expect], why + " (cohort)",
                              shared=["clinical.csv"], outputs=["out"]))
    cases.append(Case("store_given_folder", "store", {"results.db/README": "a folder, not a file\n"},
                      ["classify", "shared/good.vcf", "--store", "results.db", "--format", "tsv"], 1,
                      ["results.db: is a folder, expected a file name (--store)"], "a folder", shared=["good.vcf"]))
    cases.append(Case("store_folder_missing", "store", {},
                      ["classify", "shared/good.vcf", "--store", "nowhere/results.db", "--format", "tsv"], 1,
                      ["nowhere/results.db: folder", "does not exist"], "the store's folder does not exist",
                      shared=["good.vcf"]))
    cases.append(Case("store_cohort_missing", "store", {},
                      ["cohort", "--clinical", "shared/clinical.csv", "--store", "missing.db", "-o", "out/cohort.tsv"], 1,
                      ["--store missing.db: no such file"], "cohort reads a store, never creates one",
                      shared=["clinical.csv"], outputs=["out"]))
    return cases


def usage_cases() -> list[Case]:
    cases = []
    for cid, args, expect, why in (
        ("usage_no_inputs", ["classify", "--out", "out"], ["--samples SHEET"], "nothing to classify"),
        ("usage_purity_zero", ["classify", "shared/good.vcf", "--purity", "0", "--out", "out"], ["--purity 0.0"],
         "purity 0"),
        ("usage_purity_word", ["classify", "shared/good.vcf", "--purity", "high", "--out", "out"], ["--purity"],
         "purity a word"),
        ("usage_jobs_zero", ["classify", "shared/good.vcf", "-j", "0", "--out", "out"], ["--jobs must be at least 1"],
         "no workers"),
        ("usage_unknown_build", ["classify", "shared/good.vcf", "--build", "hg17", "--out", "out"], ["--build"],
         "a build that does not exist"),
        ("usage_annotate_two_inputs", ["classify", "shared/good.vcf", "shared/good.vcf", "--annotate-vcf", "a.vcf"],
         ["--annotate-vcf takes exactly one input VCF"], "two inputs for one annotated VCF"),
        ("usage_unknown_option", ["classify", "shared/good.vcf", "--frobnicate", "--out", "out"], ["--frobnicate"],
         "an option that does not exist"),
        ("usage_cohort_no_calls", ["cohort", "--clinical", "shared/clinical.csv", "-o", "out/cohort.tsv"],
         ["give --calls"], "cohort without results"),
        ("usage_cohort_same_outputs", ["cohort", "--clinical", "shared/clinical.csv", "--calls", "shared/calls",
                                       "-o", "out/c.tsv", "--xlsx", "out/c.tsv"], ["must be different files"],
         "two outputs on one file"),
        ("usage_cohort_bad_cutoff", ["cohort", "--clinical", "shared/clinical.csv", "--calls", "shared/calls",
                                     "-o", "out/c.tsv", "--cutoff", "30/06/2023"], ["--cutoff '30/06/2023'"],
         "cut-off not ISO"),
        ("usage_cohort_short_key", ["cohort", "--clinical", "shared/clinical.csv", "--calls", "shared/calls",
                                    "-o", "out/c.tsv", "--pseudonymize", "shared/short.key"], ["--pseudonymize"],
         "a pseudonymisation key too short to be safe"),
    ):
        files = ["good.vcf", "clinical.csv", "calls/samples.tsv", "calls/calls.tsv", "short.key"]
        cases.append(Case(cid, "usage", {}, args, 2, expect, why, shared=files, outputs=["out", "a.vcf"]))
    return cases
