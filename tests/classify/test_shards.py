"""classify --shard i/N and merge: a sheet classified in N jobs gives, once merged, the folder and the
store of one classify run, byte for byte; shards of different runs, a missing shard, a shard given
twice and a damaged shard are refused before anything is written."""

from __future__ import annotations

import json
import random
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli, write
from sharding import assert_same_tree, diverse_sheet, store_rows

from her2var.classify.shard import MANIFEST, RESULTS, Shard, parse_shard
from her2var.errors import UsageError


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("rows", [0, 1, 7, 12, 25])
def test_every_row_is_in_exactly_one_shard(n, rows):
    shards = [Shard(i, n).rows(rows) for i in range(1, n + 1)]
    flat = sorted(k for s in shards for k in s)
    assert flat == list(range(rows))
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    for i, s in enumerate(shards, 1):  # row k goes to shard k mod N + 1, whatever else is in the sheet
        assert all(k % n + 1 == i for k in s)


def test_parse_shard():
    assert parse_shard("2/8") == Shard(2, 8) and parse_shard(" 1/1 ") == Shard(1, 1)
    for bad in ("0/3", "4/3", "1/0", "a/b", "3", "-1/3", "1/3/5", "½/2", ""):
        with pytest.raises(UsageError):
            parse_shard(bad)


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """The sheet with every kind of row, classified by one classify run (into out/ and store.sqlite)."""
    tmp = tmp_path_factory.mktemp("single")
    sheet = diverse_sheet(tmp)
    proc = run_cli("classify", "--samples", str(sheet), "--out", str(tmp / "out"), "--store", str(tmp / "store.sqlite"))
    assert proc.returncode == 1, proc.stderr  # the row that is not a VCF fails; the others are written
    assert proc.stderr.count("her2var: error:") == 1, proc.stderr  # only bad.vcf
    assert "bad.vcf:1: not a VCF file" in proc.stderr
    return tmp


def make_shards(sheet, folder, n, *extra):
    for i in range(1, n + 1):
        proc = run_cli("classify", "--samples", str(sheet), "--shard", f"{i}/{n}", "--out", str(folder / f"s{i}"),
                       *extra)
        assert proc.returncode == 0, proc.stderr  # a failed sample is in the shard, reported by the merge
    return [str(folder / f"s{i}") for i in range(1, n + 1)]


@pytest.mark.parametrize("n", [1, 2, 5, 13])  # 13 shards of 12 rows: one shard is empty
def test_merged_shards_are_the_single_run_byte_for_byte(single, tmp_path, n):
    shards = make_shards(single / "sheet.tsv", tmp_path, n)
    random.Random(n).shuffle(shards)  # the order given does not matter
    proc = run_cli("merge", *shards, "--out", str(tmp_path / "merged"), "--store", str(tmp_path / "m.sqlite"))
    assert proc.returncode == 1, proc.stderr  # as the single run: one sample failed, everything else written
    assert "bad.vcf:1: not a VCF file" in proc.stderr and "1 of 12 input(s) failed" in proc.stderr
    assert_same_tree(single / "out", tmp_path / "merged")
    assert store_rows(tmp_path / "m.sqlite") == store_rows(single / "store.sqlite")


def test_allow_failed_exits_0_and_still_reports(single, tmp_path):
    shards = make_shards(single / "sheet.tsv", tmp_path, 2)
    proc = run_cli("merge", *shards, "--out", str(tmp_path / "merged"), "--allow-failed")
    assert proc.returncode == 0, proc.stderr
    assert "bad.vcf:1: not a VCF file" in proc.stderr
    assert_same_tree(single / "out", tmp_path / "merged")


def test_a_shard_rebuilds_each_result_exactly(single, tmp_path):
    """Every field of every result comes back, with its type (a tuple comes back a list: every output
    writes both alike)."""
    from her2var.classify.batch import classify_inputs
    from her2var.classify.shard import result_record
    from her2var.classify.shard_merge import read_shard

    def as_json(r):
        return json.loads(json.dumps(result_record(r)))

    (folder,) = make_shards(single / "sheet.tsv", tmp_path, 1)
    rebuilt = [r for _, r in read_shard(folder).entries]
    direct = classify_inputs([], sheet=str(single / "sheet.tsv")).results
    assert [r.sample for r in rebuilt] == [r.sample for r in direct]
    for a, b in zip(rebuilt, direct, strict=True):
        assert as_json(a) == as_json(b), a.sample
        assert a.calls == b.calls and a.copy_numbers == b.copy_numbers and a.dropped == b.dropped
        assert type(a.dropped) is type(b.dropped) and a._outside_cds_listed == b._outside_cds_listed


def test_a_shard_folder_holds_its_manifest_and_results_only(single, tmp_path):
    make_shards(single / "sheet.tsv", tmp_path, 1, "-q")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s1"]  # no store, nothing beside it
    assert sorted(p.name for p in (tmp_path / "s1").iterdir()) == sorted([MANIFEST, RESULTS])
    manifest = json.loads((tmp_path / "s1" / MANIFEST).read_text(encoding="utf-8"))
    assert (manifest["shard"], manifest["shards"], manifest["sheet_rows"]) == (1, 1, 12)
    assert manifest["rows"] == list(range(12)) and manifest["results"]["count"] == 15  # MAF: 2, multi-tumour: 3


def test_a_shard_replaces_an_earlier_shard_but_no_other_folder(single, tmp_path):
    sheet = str(single / "sheet.tsv")
    make_shards(single / "sheet.tsv", tmp_path, 1)
    before = (tmp_path / "s1" / RESULTS).read_bytes()
    make_shards(single / "sheet.tsv", tmp_path, 1)  # a re-run: the same bytes
    assert (tmp_path / "s1" / RESULTS).read_bytes() == before
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me\n", encoding="utf-8")
    proc = run_cli("classify", "--samples", sheet, "--shard", "1/2", "--out", str(other))
    assert proc.returncode == 1 and "holds other files (no shard.json)" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("args, message", [
    (["x.vcf", "--samples", "{sheet}", "--out", "{tmp}/s"], "give --samples SHEET and no input files"),
    (["--out", "{tmp}/s"], "give --samples SHEET and no input files"),
    (["--samples", "{sheet}"], "give --out DIR"),
    (["--samples", "{sheet}", "--out", "{tmp}/s", "--store", "{tmp}/st.sqlite"], "never writes a store"),
    (["--samples", "{sheet}", "--out", "{tmp}/s", "--fail-fast"], "--fail-fast would leave a shard incomplete"),
    # options a shard job cannot honour are refused, never silently ignored
    (["--samples", "{sheet}", "--out", "{tmp}/s", "--annotate-vcf", "{tmp}/a.vcf"], "--annotate-vcf cannot go with"),
    (["--samples", "{sheet}", "--out", "{tmp}/s", "--merge-same-sample"], "--merge-same-sample cannot go with"),
    (["--samples", "{sheet}", "--out", "{tmp}/s", "--replace"], "--replace cannot go with --shard"),
    (["--samples", "{sheet}", "--out", "{tmp}/s", "--format", "json"], "--format cannot go with --shard"),
])
def test_shard_usage_errors(single, tmp_path, args, message):
    args = [a.format(sheet=single / "sheet.tsv", tmp=tmp_path) for a in args]
    proc = run_cli("classify", *args, "--shard", "1/2")
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["0/2", "3/2", "two/4", "1"])
def test_a_bad_shard_value_is_a_usage_error(single, tmp_path, value):
    proc = run_cli("classify", "--samples", str(single / "sheet.tsv"), "--shard", value, "--out", str(tmp_path / "s"))
    assert proc.returncode == 2 and "--shard" in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


# -- refusals: nothing written --------------------------------------------------------------------
def refused(tmp_path, shards, message):
    proc = run_cli("merge", *map(str, shards), "--out", str(tmp_path / "merged"), "--store",
                   str(tmp_path / "m.sqlite"))
    assert proc.returncode == 1, proc.stderr
    assert message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "merged").exists() and not (tmp_path / "m.sqlite").exists()


def test_shards_made_with_different_rules_are_refused(single, tmp_path):
    lab = write(tmp_path, "lab.yaml", "thresholds:\n  min_vaf: 0.05\n")
    a = make_shards(single / "sheet.tsv", tmp_path / "a", 2)
    b = make_shards(single / "sheet.tsv", tmp_path / "b", 2, "--rules", str(lab))
    refused(tmp_path, [a[0], b[1]], "record different rules (checksums")


def test_shards_of_different_sheets_are_refused(single, tmp_path):
    other = tmp_path / "other.tsv"
    other.write_text((single / "sheet.tsv").read_text(encoding="utf-8").replace("\tPS\t", "\tPS2\t"), encoding="utf-8")
    shutil.copy(single / "bad.vcf", tmp_path / "bad.vcf")
    shutil.copytree(single / "demo", tmp_path / "demo")
    a = make_shards(single / "sheet.tsv", tmp_path / "a", 2)
    b = make_shards(other, tmp_path / "b", 2)
    refused(tmp_path, [a[0], b[1]], "record different samples sheets")


def test_shards_made_with_different_options_are_refused(single, tmp_path):
    a = make_shards(single / "sheet.tsv", tmp_path / "a", 2)
    b = make_shards(single / "sheet.tsv", tmp_path / "b", 2, "--purity", "0.3")
    refused(tmp_path, [a[0], b[1]], "record different run-wide classify options")


def test_a_missing_shard_is_refused(single, tmp_path):
    shards = make_shards(single / "sheet.tsv", tmp_path, 3)
    refused(tmp_path, [shards[0], shards[2]], "shard(s) 2 of 3 are not given")


def test_a_shard_given_twice_is_refused(single, tmp_path):
    shards = make_shards(single / "sheet.tsv", tmp_path, 2)
    shutil.copytree(shards[0], tmp_path / "copy")
    refused(tmp_path, [*shards, tmp_path / "copy"], "shard.json are both shard 1/2")


def test_shards_of_different_splits_are_refused(single, tmp_path):
    two = make_shards(single / "sheet.tsv", tmp_path / "two", 2)
    three = make_shards(single / "sheet.tsv", tmp_path / "three", 3)
    refused(tmp_path, [*two, three[2]], "shards of different splits")


def test_a_changed_or_cut_shard_is_refused(single, tmp_path):
    shards = make_shards(single / "sheet.tsv", tmp_path, 2)
    results = tmp_path / "s2" / RESULTS
    results.write_bytes(results.read_bytes()[:-100])
    refused(tmp_path, shards, f"{RESULTS}: its SHA-256 is not the one {MANIFEST} records")


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / MANIFEST).unlink(), "no shard.json: not a finished shard folder"),
    (lambda d: (d / MANIFEST).write_text("{\n  \"format\": ", encoding="utf-8"), "shard.json:2: not valid JSON"),
    (lambda d: (d / MANIFEST).write_text('{"format": "other"}', encoding="utf-8"), "not a her2var shard manifest"),
    (lambda d: shutil.rmtree(d), "does not exist; expected a shard folder"),
])
def test_a_folder_that_is_not_a_finished_shard_is_refused(single, tmp_path, damage, message):
    shards = make_shards(single / "sheet.tsv", tmp_path, 2)
    damage(tmp_path / "s1")
    refused(tmp_path, shards, message)


def test_a_manifest_claiming_other_rows_is_refused(single, tmp_path):
    shards = make_shards(single / "sheet.tsv", tmp_path, 2)
    path = tmp_path / "s1" / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["rows"] = [0, 1, 2]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    refused(tmp_path, shards, "its rows are not those of shard 1/2 of a 12-row sheet")


def test_a_shard_removes_what_its_killed_run_left_and_only_that(single, tmp_path):
    """The shared rule for temporaries (files.is_stale_temporary): a folder whose owner process is
    gone is removed; one of a live process (a requeued twin job still writing), or of another host,
    or without an owner, is left alone."""
    from her2var.files import _host_tag

    dead = _dead_pid()
    left = tmp_path / f".tmp-{dead}.{_host_tag()}-abcd1234-s1"  # a shard killed while writing
    left.mkdir()
    (left / RESULTS).write_text('{"row": 0}\n', encoding="utf-8")
    live = tmp_path / f".tmp-{os.getpid()}.{_host_tag()}-efgh5678-s1"  # a live job's
    live.mkdir()
    untagged = tmp_path / ".tmp-ijkl9012-s2"  # no owner named: never removed outside a locked folder
    untagged.mkdir()
    make_shards(single / "sheet.tsv", tmp_path, 1)
    assert not left.exists() and live.is_dir() and untagged.is_dir()


def _dead_pid() -> int:
    """The id of a process that has ended."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_sample_stored_from_another_file_refuses_the_merge_as_it_refuses_a_run(single, tmp_path):
    """The store's rule (one sample id, one tumour): a merge refuses, before recording or writing
    anything, what a single run into the same store refuses; --replace records over it."""
    store = tmp_path / "s.sqlite"
    other = write(tmp_path, "other.tsv", f"sample\tvcf\nSTRELKA\t{FIXTURES / 'vcf' / 'vardict_paired.GRCh37.vcf'}\n")
    assert run_cli("classify", "--samples", str(other), "--store", str(store), "-q").returncode == 0
    before = store_rows(store)
    run = run_cli("classify", "--samples", str(single / "sheet.tsv"), "--store", str(store), "--out",
                  str(tmp_path / "single"))
    assert run.returncode == 1 and "sample 'STRELKA' is already stored from" in run.stderr
    shards = make_shards(single / "sheet.tsv", tmp_path, 2)
    proc = run_cli("merge", *shards, "--out", str(tmp_path / "merged"), "--store", str(store))
    assert proc.returncode == 1 and "sample 'STRELKA' is already stored from" in proc.stderr, proc.stderr
    assert not (tmp_path / "merged").exists() and store_rows(store) == before
    proc = run_cli("merge", *shards, "--out", str(tmp_path / "merged"), "--store", str(store), "--replace")
    assert proc.returncode == 1 and "1 of 12 input(s) failed" in proc.stderr  # bad.vcf only
    assert_same_tree(single / "out", tmp_path / "merged")


def test_the_shard_folders_are_inputs_never_outputs(single, tmp_path):
    """--out over (or around) a shard folder, or --store on a shard's file, is refused before anything
    is written: the shards are what the merge reads."""
    shards = make_shards(single / "sheet.tsv", tmp_path / "sh", 2)
    files = [Path(d, name) for d in shards for name in ("shard.json", "results.jsonl")]
    before = {p: p.read_bytes() for p in files}
    for args in (["--out", shards[0]], ["--out", str(tmp_path / "sh")],
                 ["--out", str(tmp_path / "m"), "--store", f"{shards[1]}/results.jsonl"]):
        proc = run_cli("merge", *shards, *args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert any(why in proc.stderr for why in (
            "never writes over its inputs",  # --store on a shard's file
            "lies inside this output folder",  # --out around the shard folders
            "holds no earlier classify output",  # --out on a shard folder: not a folder merge wrote
        )), proc.stderr
    assert {p: p.read_bytes() for p in files} == before
    assert not (tmp_path / "m").exists()
