"""A batch's outputs are written as its results come (standard output through a temporary file, the
--out folder in input order) and its results are not held: the text is the one made from all the
results at the end, for every format, with and without worker processes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import VCF_HEADER_37, run_cli, write

import her2var.classify.batch as batch
from her2var.classify.batch import classify_inputs, run_batch
from her2var.classify.multiqc import FILE_NAME as MULTIQC_FILE
from her2var.classify.multiqc import write_multiqc_table
from her2var.classify.output import StdoutText, call_row, sample_json, sample_row, summary_text, write_tsv
from her2var.classify.result import ClassifyOptions
from her2var.models import CALL_COLUMNS, SAMPLE_COLUMNS

YVMA_37 = "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n"
G776C_37 = "17\t37880990\t.\tG\tT\t.\tPASS\t.\tGT:AD:DP\t0/1:70,30:100\n"


def sheet_of(tmp_path, n: int = 7) -> str:
    """n samples: most with an exon 20 event, one without a call, one file that is no VCF."""
    lines = ["sample\tvcf"]
    for i in range(n):
        body = VCF_HEADER_37 + (YVMA_37 if i % 3 == 0 else G776C_37 if i % 3 == 1 else "")
        name = f"s{i}.vcf"
        if i == 4:
            write(tmp_path, name, "not a VCF\n")
        else:
            write(tmp_path, name, body)
        lines.append(f"S{i}\t{name}")
    return str(write(tmp_path, "sheet.tsv", "\n".join(lines) + "\n"))


def at_the_end(fmt: str, results, provenance) -> str:
    """The text made from all the results at once (what standard output held before)."""
    out = io.StringIO()
    if fmt == "text":
        out.write(summary_text(results))
    elif fmt == "tsv":
        write_tsv(out, CALL_COLUMNS, (call_row(c) for r in results for c in r.calls))
    else:
        json.dump([sample_json(r, provenance) for r in results], out, indent=2, default=str)
        out.write("\n")
    return out.getvalue()


def folder_at_the_end(folder, results, provenance) -> None:
    """The --out folder's files made from all the results at once, each table in one go."""
    (folder / "samples").mkdir(parents=True)
    with open(folder / "calls.tsv", "w", encoding="utf-8", newline="") as fh:
        write_tsv(fh, CALL_COLUMNS, (call_row(c) for r in results for c in r.calls))
    with open(folder / "samples.tsv", "w", encoding="utf-8", newline="") as fh:
        write_tsv(fh, SAMPLE_COLUMNS, (sample_row(r) for r in results))
    for r in results:
        if r.status == "ok":  # the sample ids here are distinct file names
            with open(folder / "samples" / f"{r.sample}.json", "w", encoding="utf-8", newline="") as fh:
                json.dump(sample_json(r, provenance), fh, indent=2, default=str)
                fh.write("\n")
    with open(folder / MULTIQC_FILE, "w", encoding="utf-8", newline="") as fh:
        write_multiqc_table(fh, results, provenance)


@pytest.mark.parametrize("fmt", ["text", "tsv", "json"])
def test_stdout_text_is_the_text_of_all_results(tmp_path, fmt, capsys):
    run = classify_inputs([], sheet=sheet_of(tmp_path), options=ClassifyOptions())
    assert len(run.results) == 7 and len(run.failed) == 1
    with StdoutText(fmt) as text:
        for r in run.results:
            text.add(r, run.provenance)
        text.write_out()
    assert capsys.readouterr().out == at_the_end(fmt, run.results, run.provenance)


def test_stdout_text_of_no_result(capsys):
    with StdoutText("json") as text:
        text.write_out()
    with StdoutText("tsv") as text:
        text.write_out()
    assert capsys.readouterr().out == at_the_end("json", [], {}) + at_the_end("tsv", [], {})


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("fmt", ["text", "tsv", "json"])
def test_command_line_output_and_folder_are_those_of_all_results(tmp_path, fmt, jobs):
    sheet = sheet_of(tmp_path)
    kept = classify_inputs([], sheet=sheet, options=ClassifyOptions())
    folder_at_the_end(tmp_path / "expected", kept.results, kept.provenance)
    proc = run_cli("classify", "--samples", sheet, "--format", fmt, "-j", jobs, "--out", str(tmp_path / "out"))
    assert proc.returncode == 1 and "1 of 7 input(s) failed" in proc.stderr
    assert proc.stdout == at_the_end(fmt, kept.results, kept.provenance)
    expected = sorted(p.relative_to(tmp_path / "expected") for p in (tmp_path / "expected").rglob("*")
                      if p.is_file())
    written = sorted(p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert written == sorted([*expected, Path(".her2var-outputs.json")]) and len(written) == 10
    for rel in expected:  # 3 tables and 6 JSON
        assert (tmp_path / "out" / rel).read_bytes() == (tmp_path / "expected" / rel).read_bytes(), rel


def test_every_input_failed_writes_no_folder(tmp_path):
    bad = write(tmp_path, "bad.vcf", "not a VCF\n")
    proc = run_cli("classify", str(bad), "--out", str(tmp_path / "out"), "--format", "tsv")
    assert proc.returncode == 1 and proc.stdout == at_the_end("tsv", [], {})  # the header alone, as before
    assert not (tmp_path / "out").exists()


def test_workers_few_jobs_ahead_keep_the_order_and_hold_nothing(tmp_path, monkeypatch):
    """With one job queued ahead per worker, results still come in job order; keep=False returns none."""
    monkeypatch.setattr(batch, "AHEAD_PER_WORKER", 1)
    jobs = batch.plan_jobs([], sheet_of(tmp_path, 9), ClassifyOptions())
    seen: list[str] = []
    kept = run_batch(jobs, (), workers=2, on_result=lambda out: seen.extend(r.sample for r in out), keep=False)
    assert kept == [] and seen == [f"S{i}" for i in range(9)]
    stopped: list[str] = []
    run_batch(jobs, (), workers=2, fail_fast=True, on_result=lambda out: stopped.extend(r.sample for r in out))
    assert stopped == ["S0", "S1", "S2", "S3", "S4"]  # S4 is no VCF: the run stops there
