"""Command-line conventions a new user meets first: -o/--out, -q/-v anywhere, one exit code per
kind of problem, build names, standard input, a closed pipe, what a batch prints, --version."""

from __future__ import annotations

import gzip
import io
import logging
import platform
import subprocess
import sys

import pytest
from conftest import FIXTURES, VCF_HEADER_37, installed_command, process_env, run_cli, write

from her2var.cli.main import main

SNVS = FIXTURES / "vcf" / "strelka2_somatic.snvs.GRCh37.vcf"
MUTECT = FIXTURES / "vcf" / "mutect2_tumor_normal.GRCh38.vcf"
VCFS = sorted(str(p) for p in (FIXTURES / "vcf").glob("*.vcf") if p.name != "strelka2_somatic.indels.GRCh37.vcf")
L755S = "17\t37880220\t.\tT\tC\t.\tPASS\t.\tGT:AD:DP\t0/1:60,40:100\n"  # GRCh37


def sheet(tmp_path, n: int = 3):
    """A samples sheet of n tumours, each its own copy of one Strelka2 VCF (L755S)."""
    for i in range(n):
        (tmp_path / f"s{i}.vcf").write_text(SNVS.read_text())
    rows = "".join(f"S{i}\tP{i}\ts{i}.vcf\n" for i in range(n))
    return write(tmp_path, "sheet.tsv", f"sample\tpatient\tvcf\n{rows}")


# -- -o/--out ----------------------------------------------------------------------------------
@pytest.mark.parametrize("flag", ["-o", "--out"])
def test_classify_writes_its_folder_with_o_or_out_and_nothing_to_stdout(tmp_path, flag):
    proc = run_cli("classify", "--samples", str(sheet(tmp_path)), flag, str(tmp_path / "res"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # stdout is a pipe here: before, the whole TSV came out too
    assert {p.name for p in (tmp_path / "res").iterdir()} == {"calls.tsv", "samples.tsv", "samples",
                                                              "her2var_mqc.tsv", ".her2var-outputs.json"}
    lines = proc.stderr.splitlines()
    assert lines[0] == "classify: 3 sample(s) from 3 input(s): 3 classified, 0 failed"
    assert "classify: HER2 altered: yes 3" in lines
    assert "classify: HER2 status: point_mutation 3" in lines
    assert lines[-1].startswith(f"classify: wrote {tmp_path / 'res'}/ (calls.tsv, samples.tsv, samples/*.json, "
                                "her2var_mqc.tsv")
    assert len(lines) == 4  # a short summary, not one line per sample


def test_with_out_stdout_gets_only_what_format_asks_for(tmp_path):
    proc = run_cli("classify", str(SNVS), "-o", str(tmp_path / "res"), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("sample\tgene\tclass")
    assert (tmp_path / "res" / "calls.tsv").read_text() == proc.stdout


def test_the_summary_names_failures_and_the_store(tmp_path):
    bad = write(tmp_path, "bad.vcf", "not a vcf\n")
    proc = run_cli("classify", str(SNVS), str(bad), "-o", str(tmp_path / "res"), "--store", str(tmp_path / "h.db"))
    assert proc.returncode == 1
    err = proc.stderr
    assert "her2var: error: " in err and "bad.vcf:1: not a VCF file" in err
    assert "classify: 2 sample(s) from 2 input(s): 1 classified, 1 failed" in err
    assert f"; recorded in {tmp_path / 'h.db'}" in err
    assert err.rstrip().endswith("her2var: 1 of 2 input(s) failed")


@pytest.mark.parametrize("where", ["before", "after"])
def test_q_silences_the_summary_before_or_after_the_command(tmp_path, where):
    args = ["classify", "--samples", str(sheet(tmp_path)), "-o", str(tmp_path / "res")]
    proc = run_cli(*(["-q", *args] if where == "before" else [*args, "-q"]))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""
    assert (tmp_path / "res" / "samples.tsv").is_file()


def test_q_keeps_the_errors(tmp_path):
    bad = write(tmp_path, "bad.vcf", "not a vcf\n")
    proc = run_cli("classify", str(bad), "-o", str(tmp_path / "res"), "-q")
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [f"her2var: error: {bad}:1: not a VCF file: expected '##fileformat=VCFv4.x' "
                                        "as the first line", "her2var: 1 of 1 input(s) failed"]


def test_v_and_debug_work_after_the_command(tmp_path):
    clin = FIXTURES / "clinical"
    args = ["cohort", "--clinical", str(clin / "clean_cohort.csv"), "--calls", str(clin / "clean_calls")]
    quiet = run_cli(*args, "-o", str(tmp_path / "a.tsv"))
    verbose = run_cli(*args, "-o", str(tmp_path / "b.tsv"), "-v")
    assert quiet.returncode == verbose.returncode == 0
    assert "INFO" not in quiet.stderr and "her2var: INFO: cohort: 12 patients" in verbose.stderr
    with pytest.raises(Exception) as info:  # --debug after the command: the traceback, not the message
        main(["rules", "check", "/nonexistent/rules.yaml", "--debug"])
    assert type(info.value).__name__ == "RulesError"
    assert "--quiet" in run_cli("store", "list", "--help").stdout  # every command has them


def test_progress_bar_on_a_terminal_only(tmp_path, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def run_on_terminal(*args: str) -> str:
        err = Terminal()
        old = sys.stderr
        sys.stderr = err
        try:
            assert main(list(args)) == 0
        finally:
            sys.stderr = old
        return err.getvalue()

    args = ["classify", "--samples", str(sheet(tmp_path)), "-o", str(tmp_path / "res")]
    shown = run_on_terminal(*args)
    assert "\rclassify [##########....................] 1/3 inputs" in shown
    assert "\rclassify [##############################] 3/3 inputs" in shown
    assert "classify: 3 sample(s)" in shown
    assert run_on_terminal(*args, "-q") == ""  # -q: neither bar nor summary
    piped = run_cli(*args)
    assert "\r" not in piped.stderr and "inputs," not in piped.stderr  # not a terminal: no bar


# -- one exit code per kind of problem ---------------------------------------------------------
def test_a_folder_or_a_missing_file_as_classify_input_is_bad_input_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "calls.vcf"
    folder.mkdir()
    for missing_or_folder in (folder, tmp_path / "missing.vcf"):
        proc = run_cli("classify", str(missing_or_folder), str(SNVS), "--format", "tsv")
        assert proc.returncode == 1, proc.stderr
        assert "\tp.L755S\t" in proc.stdout  # the other input was classified
        assert "1 of 2 input(s) failed" in proc.stderr and "Traceback" not in proc.stderr
    assert f"{folder}: is a folder, expected a VCF file" in run_cli("classify", str(folder)).stderr


@pytest.mark.parametrize("args,message", [
    (["classify", str(SNVS), "--cnv", "{folder}"], "{folder}: is a folder, expected a file (--cnv)"),
    (["classify", "--samples", "{folder}"], "{folder}: is a folder, expected a file (--samples)"),
    (["classify", str(SNVS), "--store", "{folder}"], "{folder}: is a folder, expected a file name (--store)"),
    (["classify", str(SNVS), "-o", "{file}"], "{file}: is a file, expected a folder (--out)"),
    (["rules", "check", "{folder}"], "{folder}: is a folder, expected a file (PATH)"),
    (["cohort", "--clinical", "{folder}", "--calls", "x", "-o", "c.tsv"], "{folder}: is a folder, expected a file"),
    (["cohort", "--clinical", "{file}", "--store", "{missing}", "-o", "c.tsv"], "--store {missing}: no such file"),
    (["store", "list", "--store", "{missing}"], "{missing}: no such store"),
    (["analyze", "{folder}", "--plan", "first-line-regimens", "-o", "out"], "{folder}: is a folder, expected a file"),
])
def test_path_problems_exit_1_naming_the_path(tmp_path, args, message):
    names = {"folder": tmp_path / "dir.txt", "file": tmp_path / "file.txt", "missing": tmp_path / "missing.db"}
    names["folder"].mkdir()
    names["file"].write_text("x\n")
    proc = run_cli(*(a.format(**names) for a in args), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("her2var: error: ") and message.format(**names) in proc.stderr
    assert "Traceback" not in proc.stderr


def test_usage_errors_stay_2():
    assert run_cli("classify", str(SNVS), "--format", "xml").returncode == 2
    assert run_cli("classify", str(SNVS), "--frobnicate").returncode == 2
    assert run_cli("classify").returncode == 2


# -- genome build names ------------------------------------------------------------------------
@pytest.mark.parametrize("given,build", [
    ("GRCh37", "GRCh37"), ("grch37", "GRCh37"), ("hg19", "GRCh37"), ("HG19", "GRCh37"), ("b37", "GRCh37"),
    ("37", "GRCh37"), ("hs37d5", "GRCh37"), ("GRCh38", "GRCh38"), ("hg38", "GRCh38"), ("Hg38", "GRCh38"),
    ("38", "GRCh38"),
])
def test_build_names_and_aliases(monkeypatch, given, build):
    import her2var.classify.batch as batch

    seen = {}

    def fake(inputs, **kw):
        seen.update(kw)
        return batch.ClassifyRun(results=[], provenance={}, rules=None, n_inputs=0)

    monkeypatch.setattr(batch, "classify_inputs", fake)
    proc = run_cli("classify", "a.vcf", "--build", given, "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    assert seen["options"].build == build


@pytest.mark.parametrize("given", ["hg17", "36", "GRCh39", ""])
def test_unknown_builds_are_usage_errors_listing_the_names(given):
    proc = run_cli("classify", str(SNVS), "--build", given)
    assert proc.returncode == 2
    assert "--build" in proc.stderr and "GRCh37 (hg19" in proc.stderr and "GRCh38 (hg38" in proc.stderr


def test_an_alias_classifies_like_the_name():
    by_alias = run_cli("classify", str(SNVS), "--build", "hg19", "--format", "tsv")
    by_name = run_cli("classify", str(SNVS), "--build", "GRCh37", "--format", "tsv")
    assert by_alias.returncode == 0 and by_alias.stdout == by_name.stdout and "\tGRCh37\t" in by_alias.stdout


# -- standard input ----------------------------------------------------------------------------
def test_a_vcf_from_standard_input(tmp_path):
    import json

    proc = run_cli("classify", "-", "--format", "json", "-o", str(tmp_path / "res"), "--store", str(tmp_path / "h.db"),
                   input=VCF_HEADER_37 + L755S)
    assert proc.returncode == 0, proc.stderr
    (doc,) = json.loads(proc.stdout)
    assert doc["her2_classes"] == ["point_mutation"] and doc["provenance"]["input"] == "<stdin>"
    assert doc["calls"][0]["input"] == "<stdin>"
    assert "her2var-stdin-" not in proc.stdout + (tmp_path / "res" / "samples.tsv").read_text()
    from her2var.store import open_store

    with open_store(str(tmp_path / "h.db")) as s:
        assert s.current_results()[0]["provenance"]["input"] == "<stdin>"


def test_bad_input_on_standard_input_is_named_stdin():
    proc = run_cli("classify", "-", input="not a vcf\n")
    assert proc.returncode == 1
    assert "her2var: error: <stdin>:1: not a VCF file" in proc.stderr and "her2var-stdin-" not in proc.stderr


@pytest.mark.parametrize("args,message", [
    (["classify", "--samples", "-"], "--samples -: a samples sheet names its files relative to its own folder"),
    (["classify", "-", "-"], "'-' (standard input) is given more than once"),
])
def test_standard_input_refusals(args, message):
    proc = run_cli(*args, input="")
    assert proc.returncode == 2 and message in proc.stderr


@pytest.mark.slow
def test_a_gzipped_vcf_piped_into_the_installed_program(tmp_path):
    data = gzip.compress((VCF_HEADER_37 + L755S).encode())
    proc = subprocess.run([*installed_command(), "classify", "-", "--format", "tsv"], input=data,
                          capture_output=True, cwd=tmp_path, env=process_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert b"\tp.L755S\t" in proc.stdout and b"<stdin>" in proc.stdout


# -- a closed pipe -----------------------------------------------------------------------------
def test_a_reader_that_goes_away_ends_the_run_quietly_with_141(monkeypatch):
    class ClosedPipe(io.TextIOWrapper):
        def __init__(self) -> None:
            super().__init__(io.BytesIO(), encoding="utf-8")

        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    err = io.StringIO()
    old = sys.stdout, sys.stderr
    root = logging.getLogger()
    before = list(root.handlers), root.level
    sys.stdout, sys.stderr = ClosedPipe(), err
    try:
        code = main(["classify", str(SNVS), "--format", "tsv"])
    finally:
        sys.stdout, sys.stderr = old
    assert code == 141 and err.getvalue() == ""
    assert (list(root.handlers), root.level) == before


@pytest.mark.slow
def test_the_installed_program_exits_141_without_a_word_when_the_pipe_closes(tmp_path):
    with subprocess.Popen([*installed_command(), "classify", *VCFS, "--format", "tsv"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=tmp_path, env=process_env()) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # like `| head -0`: the reader is gone before anything is written
        err = proc.stderr.read()
        assert proc.wait(timeout=120) == 141
    assert err == b""


# -- --version ---------------------------------------------------------------------------------
def test_version_names_the_rules_htslib_and_python():
    import pysam

    from her2var import __version__
    from her2var.rules.load import load_rules

    proc = run_cli("--version")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == f"her2var, version {__version__}"
    assert lines[1].startswith(f"rules checksum {load_rules().checksum} (built-in rules: ")
    assert lines[2] == f"htslib {pysam.version.__htslib_version__} (pysam {pysam.__version__})"
    assert lines[3] == f"Python {platform.python_version()} ({platform.python_implementation()})"
