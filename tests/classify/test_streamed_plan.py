"""A batch's jobs are checked before anything is classified and then made again from the samples
sheet's text as they are run, rather than held: the run stops with the same message and exit code
at the same problem (the first in the order the checks go: the sheet's structure and repeated ids,
each row's own problem, files and samples given twice, sample types, outputs over inputs), writes
nothing then, classifies the same jobs, and its planning memory does not grow with a list per row."""

from __future__ import annotations

import dataclasses
import os
import random
import tracemalloc

import pytest
from conftest import VCF_HEADER_37, run_cli, write

import her2var.classify.batch as batch
from her2var import limits
from her2var.classify.result import ClassifyOptions
from her2var.errors import UsageError
from her2var.files import RealPaths, lies_inside, refuse_overwriting_inputs, same_file

YVMA_37 = "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n"
ROWS = 300


def vcfs(tmp_path, n: int = ROWS, tumour: str = "T{i}") -> list[str]:
    """n small VCFs v0.vcf ... each with one tumour named by ``tumour``."""
    for i in range(n):
        write(tmp_path, f"v{i}.vcf", VCF_HEADER_37.replace("TUMOR", tumour.format(i=i)) + YVMA_37)
    return [f"v{i}.vcf" for i in range(n)]


def sheet(tmp_path, header: str, rows: list[str]) -> str:
    return str(write(tmp_path, "sheet.tsv", header + "\n" + "".join(r + "\n" for r in rows)))


def refused(tmp_path, *args: str) -> tuple[int, str]:
    """Run classify into --out (and TSV to standard output); nothing may be written on a refusal."""
    out = tmp_path / "out"
    proc = run_cli("classify", *args, "--format", "tsv", "-j", "2", "--out", str(out))
    assert proc.stdout == "" and not out.exists(), (proc.stdout, proc.stderr)
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("her2var: error:")]
    assert len(errors) == 1, proc.stderr
    return proc.returncode, errors[0].removeprefix("her2var: error: ")


def test_a_repeated_sample_id_far_down_the_sheet(tmp_path):
    rows = [f"S{i}\t{v}" for i, v in enumerate(vcfs(tmp_path))]
    rows[250] = f"S7\t{rows[250].split(chr(9))[1]}"
    s = sheet(tmp_path, "sample\tvcf", rows)
    assert refused(tmp_path, "--samples", s) == (1, f"{s}:252: sample 'S7' is listed twice (first on line 9)")


def test_a_bad_row_stops_the_run_before_anything_is_written(tmp_path):
    rows = [f"S{i}\t{v}\t0.5" for i, v in enumerate(vcfs(tmp_path))]
    rows[197] = rows[197].replace("0.5", "abc")
    rows[250] = rows[250].replace("0.5", "40")
    s = sheet(tmp_path, "sample\tvcf\tpurity", rows)
    assert refused(tmp_path, "--samples", s) == (
        1, f"{s}:199: column 'purity' is not a number; expected a fraction in (0, 1], e.g. 0.4")


def test_a_row_of_the_wrong_width(tmp_path):
    rows = [f"S{i}\t{v}" for i, v in enumerate(vcfs(tmp_path))]
    rows[280] += "\textra"
    s = sheet(tmp_path, "sample\tvcf", rows)
    assert refused(tmp_path, "--samples", s) == (
        1, f"{s}:282: 3 columns, expected 2 (the header on line 1); is a tab missing, or a value missing quotes?")


def test_a_later_rows_own_problem_comes_before_an_earlier_vcf_given_twice(tmp_path):
    """Every row is read and checked before files and samples are compared, as when jobs were held."""
    rows = [f"{v}\t0.5" for v in vcfs(tmp_path)]
    rows[10] = "v3.vcf\t0.5"
    rows[290] = "v290.vcf\tx"
    s = sheet(tmp_path, "vcf\tpurity", rows)
    assert refused(tmp_path, "--samples", s) == (
        1, f"{s}:292: column 'purity' is not a number; expected a fraction in (0, 1], e.g. 0.4")
    rows[290] = "v290.vcf\t0.5"
    write(tmp_path, "sheet.tsv", "vcf\tpurity\n" + "".join(r + "\n" for r in rows))
    v3 = str(tmp_path / "v3.vcf")
    assert refused(tmp_path, "--samples", s) == (
        1, f"{v3} is given twice ({s}:5 ({v3}); {s}:12 ({v3})); each VCF belongs to one sample: list it once")


def test_a_vcf_twice_comes_before_an_earlier_unknown_sample_type(tmp_path):
    rows = [f"{v}\ttissue" for v in vcfs(tmp_path)]
    rows[5] = "v5.vcf\tplasmaa"
    rows[200] = "v3.vcf\ttissue"
    s = sheet(tmp_path, "vcf\tsample_type", rows)
    v3 = str(tmp_path / "v3.vcf")
    assert refused(tmp_path, "--samples", s) == (
        1, f"{v3} is given twice ({s}:5 ({v3}); {s}:202 ({v3})); each VCF belongs to one sample: list it once")
    rows[200] = "v200.vcf\ttissue"
    write(tmp_path, "sheet.tsv", "vcf\tsample_type\n" + "".join(r + "\n" for r in rows))
    code, message = refused(tmp_path, "--samples", s)
    assert code == 1 and message.startswith(f"{s}:7: sample_type 'plasmaa' is not known to the rules; expected ")


def test_a_sample_reported_by_a_file_and_a_later_row(tmp_path):
    rows = [f"S{i}\t{v}" for i, v in enumerate(vcfs(tmp_path))]
    rows[240] = "T3\tv240.vcf"
    s = sheet(tmp_path, "sample\tvcf", rows)
    cli = str(tmp_path / "v3.vcf")
    code, message = refused(tmp_path, cli, "--samples", s)
    assert code == 1 and message.startswith(
        f"sample 'T3' is reported by {cli} (command line) and by {s}:242 ({tmp_path / 'v240.vcf'}): ")


def test_an_output_over_a_sheets_input_or_its_index(tmp_path):
    rows = [f"S{i}\t{v}" for i, v in enumerate(vcfs(tmp_path))]
    write(tmp_path, "g3.vcf.gz", "")
    rows[3] = "S3\tg3.vcf.gz"
    s = sheet(tmp_path, "sample\tvcf", rows)
    v9 = str(tmp_path / "v9.vcf")
    assert refused(tmp_path, "--samples", s, "--store", v9) == (
        2, (f"--store {v9}: the same file as the input {s}:11 (samples sheet) {v9}; her2var never writes over "
            "its inputs: give another output path"))
    os.link(v9, tmp_path / "hard9.vcf")  # the first row naming that file, whichever spelling
    rows[1] = "S1\thard9.vcf"
    write(tmp_path, "sheet.tsv", "sample\tvcf\n" + "".join(r + "\n" for r in rows))
    assert refused(tmp_path, "--samples", s, "--store", v9)[1].startswith(
        f"--store {v9}: the same file as the input {s}:3 (samples sheet) {tmp_path / 'hard9.vcf'}; ")
    csi = str(tmp_path / "g3.vcf.gz.csi")
    assert refused(tmp_path, "--samples", s, "--store", csi) == (
        2, (f"--store {csi}: the same file as the input {s}:5 (samples sheet) (its index) {csi}; her2var never "
            "writes over its inputs: give another output path"))


def test_an_input_inside_the_output_folder(tmp_path):
    rows = [f"S{i}\t{v}" for i, v in enumerate(vcfs(tmp_path))]
    (tmp_path / "out" / "samples").mkdir(parents=True)
    write(tmp_path / "out" / "samples", "in.vcf", VCF_HEADER_37 + YVMA_37)
    rows[150] = "S150\tout/samples/in.vcf"
    s = sheet(tmp_path, "sample\tvcf", rows)
    out = tmp_path / "out"
    proc = run_cli("classify", "--samples", s, "--format", "tsv", "--out", str(out))
    assert proc.returncode == 2 and proc.stdout == ""
    assert (f"her2var: error: --out {out / 'samples'}: the input {s}:152 (samples sheet) "
            f"{out / 'samples' / 'in.vcf'} lies inside this output folder") in proc.stderr
    assert sorted(p.name for p in out.rglob("*")) == ["in.vcf", "samples"]


def test_the_jobs_come_from_the_text_read_at_the_start(tmp_path):
    """Each pass makes the same jobs, from the text read once (a sheet changed during the run does
    not change them), and they are the jobs plan_jobs lists."""
    rows = [f"S{i}\t{v}\t0.{i % 9 + 1}" for i, v in enumerate(vcfs(tmp_path, 40))]
    s = sheet(tmp_path, "sample\tvcf\tpurity", rows)
    opts = ClassifyOptions(build="GRCh37", sample_type="tissue")
    plan = batch.plan_run([], s, opts)
    first = list(plan)
    write(tmp_path, "sheet.tsv", "sample\tvcf\nX\tv0.vcf\n")
    assert list(plan) == first and len(plan) == 40
    assert [j.options.purity for j in first[:3]] == [0.1, 0.2, 0.3]
    assert all(j.options.build == "GRCh37" and j.options.sample_type == "tissue" for j in first)
    assert first[7].label == f"{s}:9" and first[7].vcfs == (str(tmp_path / "v7.vcf"),)
    assert batch.plan_jobs([], sheet(tmp_path, "sample\tvcf\tpurity", rows), opts) == first


def reference_refusal(outputs, inputs, folders) -> str | None:
    """Every pair compared, outputs first, in the order given: the rule's plain statement."""
    given = [(n, p) for n, p in inputs if p and p != "-"]
    for out_name, out in outputs:
        if out and out != "-":
            for in_name, p in given:
                if same_file(out, p):
                    return f"{out_name} {out}: the same file as the input {in_name} {p};"
    for out_name, folder in folders:
        if folder:
            for in_name, p in given:
                if lies_inside(p, folder):
                    return f"{out_name} {folder}: the input {in_name} {p} lies inside"
    return None


def test_outputs_over_inputs_are_found_in_one_pass_as_pair_by_pair(tmp_path):
    """The one-pass check names the same output and input as comparing every pair (hard and
    symbolic links, other spellings, missing files, folders), and goes through the inputs once."""
    (tmp_path / "d" / "sub").mkdir(parents=True)
    for name in ("a", "b", "c", "d/e", "d/sub/f"):
        write(tmp_path, name, name)
    os.link(tmp_path / "a", tmp_path / "hard_a")
    os.symlink(tmp_path / "b", tmp_path / "sym_b")
    os.symlink(tmp_path / "d", tmp_path / "sym_d")
    names = ["a", "b", "c", "hard_a", "sym_b", "./c", "d/e", "d/sub/f", "sym_d/e", "missing", "d/../a", "-", ""]
    paths = [str(tmp_path / n) if n not in ("-", "") else n for n in names]
    folders = [str(tmp_path / n) for n in ("d", "d/sub", "sym_d", "c", "nowhere")]
    rnd = random.Random(20261203)
    found = 0
    for _ in range(400):
        outputs = [(f"--o{k}", rnd.choice(paths)) for k in range(rnd.randint(0, 3))]
        inputs = [(f"in{k}", rnd.choice(paths)) for k in range(rnd.randint(0, 6))]
        dirs = [(f"--f{k}", rnd.choice(folders)) for k in range(rnd.randint(0, 2))]
        passes = []

        def listed(inputs=inputs, passes=passes):
            passes.append(1)
            yield from inputs

        expected = reference_refusal(outputs, inputs, dirs)
        try:
            refuse_overwriting_inputs(outputs, listed(), folders=dirs)
            got = None
        except UsageError as exc:
            got = str(exc)
        assert (got is None) == (expected is None), (outputs, inputs, dirs, got, expected)
        if expected is not None:
            found += 1
            assert got.startswith(expected), (outputs, inputs, dirs, got, expected)
        assert len(passes) <= 1
    assert found > 100


def test_real_paths_are_those_of_realpath(tmp_path, monkeypatch):
    """A batch's inputs are resolved a folder at a time (RealPaths): the same answer as
    os.path.realpath for links anywhere in a path, loops, dangling and absolute links, '.', '..',
    '//', relative paths and NUL (realpath fails: None)."""
    monkeypatch.chdir(tmp_path)
    for d in ("a/b", "c"):
        (tmp_path / d).mkdir(parents=True)
    for f in ("a/x", "a/b/y", "c/z"):
        (tmp_path / f).touch()
    links = {"lb": "a/b", "a/lz": "../c/z", "loop1": "loop2", "loop2": "loop1", "c/abs_a": str(tmp_path / "a"),
             "a/dangling": "nowhere", "rel_up": "lb/../x", "self": "self/x", "dbl": "a//b", "top": "/"}
    for link, target in links.items():
        os.symlink(target, tmp_path / link)
    parts = ["a", "b", "c", "x", "y", "z", "lb", "lz", "loop1", "loop2", "abs_a", "dangling", "rel_up", ".", "..",
             "", "missing", "self", "dbl", "a\x00b", "top"]
    rnd = random.Random(20261203)
    shared = RealPaths()
    for _ in range(20000):
        path = "/".join(rnd.choice(parts) for _ in range(rnd.randint(1, 6)))
        path = str(tmp_path / path) if rnd.random() < 0.5 else path
        path += "/" if rnd.random() < 0.1 else ""
        try:
            expected = os.path.realpath(path)
        except (OSError, ValueError):
            expected = None
        assert (shared if rnd.random() < 0.7 else RealPaths())(path) == expected, path


def test_planning_memory_does_not_hold_a_job_or_a_file_list_per_row(tmp_path):
    """The traced peak of planning and checking a batch (plan_run, the sample types, the list of its
    input files) grows by a few hundred bytes a row (sample ids and file identities); holding each
    row's job and its files, as before, was about 1.5 KB a row."""
    (tmp_path / "f").mkdir()
    opts = ClassifyOptions()
    rules = batch.load_rules([])
    peaks = {}
    # a text input is read into a buffer of the limit's size: a limit small enough not to be the peak
    # (the sheet of 8,000 rows is 200 KB)
    limits.use(dataclasses.replace(limits.builtin(), max_text_bytes=1 << 18))
    try:
        for n in (2000, 8000):
            for i in range(n):
                (tmp_path / "f" / f"v{i}.vcf").touch()  # never read: each row names its sample
            s = sheet(tmp_path, "sample\tvcf", [f"Sample-{i:06d}\tf/v{i}.vcf" for i in range(n)])
            tracemalloc.start()
            try:
                plan = batch.plan_run([], s, opts)
                batch.check_sample_types(plan, opts, rules)
                listed = sum(1 for _ in batch.run_inputs([], s, opts, plan, ()))
                peaks[n] = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert listed == 8 + 4 * n  # the run-wide options' files, then each row's vcf, bam, cnv, fusions
    finally:
        limits.use(None)
    per_row = (peaks[8000] - peaks[2000]) / 6000
    assert per_row < 500, f"{per_row:.0f} bytes a row"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_classifies_every_row_in_order(tmp_path, jobs):
    rows = [f"S{i}\t{v}" for i, v in enumerate(vcfs(tmp_path, 30))]
    s = sheet(tmp_path, "sample\tvcf", rows)
    proc = run_cli("classify", "--samples", s, "--format", "tsv", "-j", jobs)
    assert proc.returncode == 0, proc.stderr
    samples = [ln.split("\t")[0] for ln in proc.stdout.splitlines()[1:]]
    assert samples == [f"S{i}" for i in range(30)]
