"""Cases for ``her2var merge``: shard folders that are not a finished shard of one run (no manifest,
a manifest that is not JSON or not a shard's, results changed or cut short, a row of another shard,
a missing or doubled shard, shards of different rules), and ``classify --shard`` usage errors."""

from __future__ import annotations

import hashlib
import json

from .build import Case

RESULT = '{"row": 0, "label": "sheet.tsv:2", "result": {}}\n'


def manifest(shard: int, shards: int, n_rows: int, results: str, *, rules: str = "a" * 64, **changes: object) -> str:
    """A shard manifest as classify --shard writes it, for ``results`` (the text of results.jsonl)."""
    m = {
        "format": "her2var-shard", "format_version": 1, "shard": shard, "shards": shards,
        "her2var_version": "0.1.0", "rules_checksum": rules, "sheet": "/data/sheet.tsv", "sheet_sha256": "b" * 64,
        "sheet_rows": n_rows, "rows": list(range(shard - 1, n_rows, shards)), "options": {}, "provenance": {},
        "results": {"file": "results.jsonl", "count": results.count("\n"),
                    "sha256": hashlib.sha256(results.encode()).hexdigest()},
    }
    m.update(changes)
    return json.dumps(m, indent=1) + "\n"


def shard_cases() -> list[Case]:
    cases: list[Case] = []

    def reject(cid: str, files: dict[str, str | bytes], folders: list[str], expect: list[str], why: str) -> None:
        cases.append(Case(cid, "shard", files, ["merge", *folders, "--out", "out", "--store", "out.sqlite"], 1,
                          expect, why, outputs=["out", "out.sqlite"]))

    reject("shard_no_manifest", {"s1/results.jsonl": RESULT}, ["s1"], ["s1: no shard.json: not a finished shard"],
           "a shard killed before it finished (a shard writes its manifest last)")
    reject("shard_manifest_not_json", {"s1/shard.json": '{\n "format": "her2var-shard",\n "shard": ',
                                       "s1/results.jsonl": RESULT},
           ["s1"], ["s1/shard.json:3: not valid JSON"], "a manifest cut short")
    reject("shard_manifest_of_something_else", {"s1/shard.json": '{"format": "nextflow-trace"}\n'}, ["s1"],
           ["s1/shard.json: not a her2var shard manifest"], "another program's JSON")
    reject("shard_manifest_newer", {"s1/shard.json": '{"format": "her2var-shard", "format_version": 9}\n'}, ["s1"],
           ["s1/shard.json: shard format version 9"], "a shard from a newer her2var")
    reject("shard_manifest_wrong_rows", {"s1/shard.json": manifest(1, 2, 4, RESULT, rows=[0, 1]),
                                         "s1/results.jsonl": RESULT},
           ["s1"], ["s1/shard.json: its rows are not those of shard 1/2 of a 4-row sheet"],
           "rows another split would give this shard")
    reject("shard_manifest_shard_zero", {"s1/shard.json": manifest(0, 2, 4, RESULT)}, ["s1"],
           ["s1/shard.json: shard 0 is not a whole number of at least 1"], "shard 0 of 2")
    reject("shard_results_changed", {"s1/shard.json": manifest(1, 1, 1, RESULT),
                                     "s1/results.jsonl": RESULT.replace("sheet.tsv", "other.tsv")},
           ["s1"], ["s1/results.jsonl: its SHA-256 is not the one shard.json records"],
           "results edited after the shard wrote them")
    reject("shard_results_missing", {"s1/shard.json": manifest(1, 1, 1, RESULT)}, ["s1"],
           ["s1/results.jsonl: cannot be read"], "a manifest without its results")
    garbage = "{not json\n"
    reject("shard_results_not_json", {"s1/shard.json": manifest(1, 1, 1, garbage), "s1/results.jsonl": garbage},
           ["s1"], ["s1/results.jsonl:1: not valid JSON"], "a results line that is not JSON")
    other_row = RESULT.replace('"row": 0', '"row": 1')
    reject("shard_results_other_row", {"s1/shard.json": manifest(1, 2, 2, other_row), "s1/results.jsonl": other_row},
           ["s1"], ["s1/results.jsonl:1: not a result of one of this shard's rows"], "a row of shard 2 in shard 1")
    reject("shard_result_fields_differ", {"s1/shard.json": manifest(1, 1, 1, RESULT), "s1/results.jsonl": RESULT},
           ["s1"], ["s1/results.jsonl:1: not a classify result of this her2var version"],
           "a result of another version's fields")
    empty = ""
    reject("shard_missing_one", {"s1/shard.json": manifest(1, 2, 1, empty), "s1/results.jsonl": empty}, ["s1"],
           ["s1/shard.json records shard 1/2, and shard(s) 2 of 2 are not given"], "the merge of half a run")
    reject("shard_given_twice", {"s1/shard.json": manifest(1, 1, 0, empty), "s1/results.jsonl": empty,
                                 "s2/shard.json": manifest(1, 1, 0, empty), "s2/results.jsonl": empty},
           ["s1", "s2"], ["s2/shard.json and s1/shard.json are both shard 1/1"], "one shard copied twice")
    reject("shard_different_rules", {"s1/shard.json": manifest(1, 2, 0, empty), "s1/results.jsonl": empty,
                                     "s2/shard.json": manifest(2, 2, 0, empty, rules="c" * 64),
                                     "s2/results.jsonl": empty},
           ["s1", "s2"],
           ["s1/shard.json and s2/shard.json record different rules (checksums aaaaaaaaaaaa and cccccccccccc)"],
           "shards of one sheet classified with different rules")
    reject("shard_folder_is_a_file", {"shard1.tsv": "not a folder\n"}, ["shard1.tsv"],
           ["shard1.tsv: is a file; expected a shard folder"],
           "a file where a shard folder belongs")
    for cid, shard, expect, why in (
        ("usage_shard_out_of_range", "3/2", "--shard", "shard 3 of 2"),
        ("usage_shard_not_i_of_n", "half", "--shard", "not i/N"),
    ):
        cases.append(Case(cid, "usage", {"sheet.tsv": "sample\tvcf\nS1\tshared/good.vcf\n"},
                          ["classify", "--samples", "sheet.tsv", "--shard", shard, "--out", "out"], 2, [expect], why,
                          shared=["good.vcf"], outputs=["out"]))
    cases.append(Case("usage_shard_with_store", "usage", {"sheet.tsv": "sample\tvcf\nS1\tshared/good.vcf\n"},
                      ["classify", "--samples", "sheet.tsv", "--shard", "1/2", "--out", "out", "--store", "s.db"], 2,
                      ["--shard never writes a store"], "many shard jobs must not share one SQLite file",
                      shared=["good.vcf"], outputs=["out", "s.db"]))
    cases.append(Case("shard_accepts_an_empty_shard", "shard",
                      {"s1/shard.json": manifest(1, 1, 0, empty), "s1/results.jsonl": empty},
                      ["merge", "s1", "--out", "out"], 0,
                      ["merge: 1 shard(s) of 0 sheet row(s)", "nothing written to out"],
                      "the one shard of a sheet without rows: nothing to write, nothing wrong"))
    return cases
