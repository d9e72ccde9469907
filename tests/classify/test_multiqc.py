"""her2var_mqc.tsv: a classify batch as a MultiQC custom-content section.

The file's structure is checked here always; MultiQC itself reads it when it can be found: importable
in this environment, or a `multiqc` program on PATH. It is not in the `test` extra, because
installing it beside her2var moves a package users get (python-dateutil), and the suite runs on
exactly what `pip install .` gives; the `workflow` extra has it (.ci/run runs this test, marked
`workflow`, in that environment), and `pip install multiqc` (or a PATH to one) runs it anywhere.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import FIXTURES, VCF_HEADER_37, missing_tool, run_cli, write

from her2var.classify.multiqc import COLUMNS, FILE_NAME, TABLE_ID

B = FIXTURES / "bam"
L755S = VCF_HEADER_37 + "17\t37880220\t.\tT\tC\t.\tPASS\t.\tGT:AD:DP\t0/1:60,40:100\n"


def multiqc_command() -> list[str] | None:
    if importlib.util.find_spec("multiqc") is not None:
        return [sys.executable, "-m", "multiqc"]
    found = shutil.which("multiqc")
    return [found] if found else None


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A classify --out folder of three samples: copy number and exon 20 depth from a BAM, a VCF
    with L755S, and a file that fails."""
    tmp = tmp_path_factory.mktemp("mqc")
    pon = tmp / "pon.tsv"
    normals = [str(B / f"N{i}.bam") for i in range(1, 6)]
    assert run_cli("pon", "build", *normals, "--targets", str(B / "targets.bed"), "-o", str(pon)).returncode == 0
    write(tmp, "l755s.vcf", L755S)
    write(tmp, "bad.vcf", "not a vcf\n")
    sheet = write(tmp, "sheet.tsv", f"sample\tpatient\tvcf\tbam\tpurity\nT1\tP1\t\t{B / 'T1.bam'}\t0.5\n"
                                    "L755S\tP2\tl755s.vcf\t\t\nBAD\tP3\tbad.vcf\t\t\n")
    proc = run_cli("classify", "--samples", str(sheet), "--pon", str(pon), "--targets", str(B / "targets.bed"),
                   "-o", str(tmp / "run" / "her2var"))
    assert proc.returncode == 1, proc.stderr  # BAD failed; the others are written
    return tmp / "run"


def read_mqc(path) -> tuple[dict, dict[str, dict[str, str]]]:
    text = path.read_text(encoding="utf-8")
    comments = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    rows = list(csv.DictReader(io.StringIO(body), delimiter="\t"))
    return yaml.safe_load("\n".join(comments)), {r["Sample"]: r for r in rows}


def test_the_file_is_multiqc_custom_content_with_one_row_per_sample(batch):
    config, rows = read_mqc(batch / "her2var" / FILE_NAME)
    assert config["id"] == "her2var" and config["plot_type"] == "table"
    assert config["section_name"] == "her2var: ERBB2 (HER2)"
    assert config["pconfig"]["id"] == TABLE_ID
    assert "rules " in config["description"]
    assert list(config["headers"]) == list(COLUMNS)
    assert list(rows) == ["T1", "L755S", "BAD"]
    with open(batch / "her2var" / "samples.tsv", encoding="utf-8") as fh:
        samples = {r["sample"]: r for r in csv.DictReader(fh, delimiter="\t")}
    for name in ("T1", "L755S"):  # the same verdicts as samples.tsv
        for col in ("her2_status", "her2_altered", "her2_tier", "assessed", "cn_assessed", "status"):
            assert rows[name][col] == samples[name][col], (name, col)
    t1 = rows["T1"]
    assert t1["her2_status"] == "amplification" and 7 < float(t1["copy_number"]) < 9
    assert float(t1["exon20_median_depth"]) > 100 and float(t1["exon20_covered"]) > 90
    assert rows["L755S"]["exon20_median_depth"] == ""  # a VCF does not give it
    assert rows["L755S"]["her2_status"] == "point_mutation" and rows["L755S"]["dropped"] == "0"
    assert (rows["BAD"]["status"], rows["BAD"]["her2_status"], rows["BAD"]["her2_altered"]) == \
        ("error", "error", "unknown")


def test_dropped_events_are_counted_by_reason(tmp_path):
    vcf = write(tmp_path, "s.vcf", L755S + "17\t37880999\t.\tT\tC\t.\tPASS\t.\tGT:AD:DP\t0/1:60,60:120\n"
                                           "17\t37881000\t.\tG\tT\t.\tPASS\t.\tGT:AD:DP\t0/1:99,1:100\n")
    assert run_cli("classify", str(vcf), "-o", str(tmp_path / "out")).returncode == 0
    _, rows = read_mqc(tmp_path / "out" / FILE_NAME)
    (row,) = rows.values()
    assert row["dropped"] == "2"
    assert row["dropped_by_reason"] == "low_alt_reads 1; synonymous 1"


@pytest.mark.workflow
def test_multiqc_shows_the_section_with_the_values(batch, tmp_path):
    command = multiqc_command()
    if command is None:
        missing_tool("MultiQC is not installed (pip install multiqc or '.[workflow]', or a multiqc program on PATH)")
    proc = subprocess.run([*command, str(batch), "-o", str(tmp_path / "mqc"), "--no-version-check", "--no-ansi",
                           "--strict", "--force"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = tmp_path / "mqc" / "multiqc_data" / f"multiqc_{TABLE_ID}.txt"
    assert table.is_file(), sorted(p.name for p in (tmp_path / "mqc" / "multiqc_data").iterdir())
    with open(table, encoding="utf-8") as fh:
        seen = {r["Sample"]: r for r in csv.DictReader(fh, delimiter="\t")}
    _, ours = read_mqc(batch / "her2var" / FILE_NAME)
    assert sorted(seen) == sorted(ours)
    for sample, row in ours.items():
        for col in ("her2_status", "her2_altered", "her2_tier", "assessed", "cn_assessed", "driver_group", "status"):
            assert seen[sample][col] == row[col], (sample, col)
    assert float(seen["T1"]["copy_number"]) == pytest.approx(float(ours["T1"]["copy_number"]))
    assert float(seen["T1"]["exon20_median_depth"]) == pytest.approx(float(ours["T1"]["exon20_median_depth"]))
    assert "her2var: ERBB2 (HER2)" in (tmp_path / "mqc" / "multiqc_report.html").read_text(encoding="utf-8")
