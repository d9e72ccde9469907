"""--annotate-vcf with a bgzipped output gets its tabix index; unsorted records get none, and say so."""

from __future__ import annotations

import pysam
import pytest
from conftest import VCF_HEADER_37, run_cli, write

L755S = "17\t37880220\t.\tT\tC\t.\tPASS\t.\tGT:AD:DP\t0/1:60,40:100\n"
YVMA = "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n"


@pytest.mark.parametrize("name", ["annotated.vcf.gz", "annotated.vcf.bgz"])
def test_a_bgzipped_output_is_indexed(tmp_path, name):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + L755S + YVMA)
    out = tmp_path / name
    proc = run_cli("classify", str(vcf), "--annotate-vcf", str(out), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / (name + ".tbi")).is_file()
    with pysam.TabixFile(str(out)) as tbx:  # the index finds the records by region
        found = list(tbx.fetch("17", 37880900, 37881000))
    assert len(found) == 1 and "HER2_HGVSP=p.Y772_A775dup" in found[0]
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_an_earlier_index_is_replaced_never_left_stale(tmp_path):
    out = tmp_path / "a.vcf.gz"
    first = write(tmp_path, "first.vcf", VCF_HEADER_37 + L755S)
    assert run_cli("classify", str(first), "--annotate-vcf", str(out), "--format", "tsv").returncode == 0
    second = write(tmp_path, "second.vcf", VCF_HEADER_37 + YVMA)
    assert run_cli("classify", str(second), "--annotate-vcf", str(out), "--format", "tsv").returncode == 0
    with pysam.TabixFile(str(out)) as tbx:
        assert [r.split("\t")[1] for r in tbx.fetch("17")] == ["37880981"]


def test_unsorted_records_are_written_without_an_index_and_a_warning(tmp_path):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + YVMA + L755S)
    out = tmp_path / "a.vcf.gz"
    (tmp_path / "a.vcf.gz.tbi").write_bytes(b"an index of an earlier file")
    proc = run_cli("classify", str(vcf), "--annotate-vcf", str(out), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    assert out.is_file() and not (tmp_path / "a.vcf.gz.tbi").exists()
    assert f"{out}: written without an index: its records are not sorted by position" in proc.stderr


def test_a_plain_output_gets_no_index(tmp_path):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + L755S)
    proc = run_cli("classify", str(vcf), "--annotate-vcf", str(tmp_path / "a.vcf"), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.vcf", "s.vcf"]
