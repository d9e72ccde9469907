"""The unindexed scan's bulk prefilter drops only lines the per-line reader would drop: on any text,
reading with it gives the same records, or the same first error, as reading every line."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import her2var.files
from her2var.errors import InputError
from her2var.models import Region
from her2var.vcf import scan as vcf_scan
from her2var.vcf.reader import VcfReader

HEADER = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=17,length=81195210>\n##contig=<ID=7,length=159138663>\n"
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
)
CONTIGS = ["17", "7", "1", "chr17", "chrUn_gl000220", "chrUn_gl000221", "NC_000017.11", "NC_000017.12", ""]
REGION_CONTIGS = ["17", "7", "NC_000017.11", "chrUn_gl000220"]
ODD_POS = ["", "12a", "+5", " 70", "1_000", "0x10", "-3", "99999999999", "٣"]

SCAN = settings(max_examples=200, deadline=dt.timedelta(seconds=5), derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def vcf_line(draw) -> str:
    if draw(st.integers(0, 30)) == 0:
        return draw(st.sampled_from(["", "\r", "  ", "17", "17\t5", "\t\t\t\t\t\t\t"]))
    chrom = draw(st.sampled_from(CONTIGS))
    pos = str(draw(st.integers(1, 8000))) if draw(st.integers(0, 3)) else None
    if pos is None:
        pos = draw(st.sampled_from(ODD_POS)) if draw(st.booleans()) else str(draw(st.integers(0, 10**9)))
    info = f"END={int(pos) + draw(st.integers(0, 5000))}" if pos.isdigit() and draw(st.booleans()) else "."
    cols = [chrom, pos, ".", "A", "G", ".", "PASS", info, "GT", "0/1"]
    cols = cols[:draw(st.sampled_from([10, 10, 10, 9, 8, 7, 3]))]
    return "\t".join(cols) + ("\r" if draw(st.integers(0, 10)) == 0 else "")


@st.composite
def regions(draw) -> list[Region]:
    out = []
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(1, 6000))
        out.append(Region(draw(st.sampled_from(REGION_CONTIGS)), start, start + draw(st.integers(0, 3000))))
    return out


def _read(path, regs):
    try:
        return [(r.chrom, r.pos, r.end, r.info) for r in VcfReader(str(path)).records(regs)]
    except InputError as exc:
        return str(exc)


def _keep_everything(self, buf):
    lines, out, start = buf.split(b"\n")[:-1], [], 0
    for i, line in enumerate(lines):
        out.append((i, start, start + len(line)))
        start += len(line) + 1
    return len(lines), out


@SCAN
@given(lines=st.lists(vcf_line(), max_size=60), regs=regions(), chunk=st.sampled_from([7, 64, 1 << 20]),
       compressed=st.booleans())
def test_the_prefilter_changes_nothing(tmp_path, monkeypatch, lines, regs, chunk, compressed):
    text = (HEADER + "\n".join(lines) + ("\n" if lines else "")).encode()
    path = tmp_path / ("t.vcf.gz" if compressed else "t.vcf")
    path.write_bytes(gzip.compress(text) if compressed else text)
    monkeypatch.setattr(her2var.files, "STREAM_CHUNK_BYTES", chunk)  # the streaming reader's read size
    filtered = _read(path, regs)
    with monkeypatch.context() as m:
        m.setattr(vcf_scan.RegionFilter, "keep", _keep_everything)
        everything = _read(path, regs)
    assert filtered == everything


def test_lines_far_outside_are_not_parsed(tmp_path, monkeypatch):
    """The point of the prefilter: a malformed field outside the regions is never parsed."""
    body = "".join(f"17\t{p}\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n" for p in range(1000, 100_000, 50))
    path = tmp_path / "t.vcf"
    path.write_text(HEADER + body)
    kept = []
    original = vcf_scan.RegionFilter.keep

    def spy(self, buf):
        n, out = original(self, buf)
        kept.extend(out)
        return n, out

    monkeypatch.setattr(vcf_scan.RegionFilter, "keep", spy)
    recs = list(VcfReader(str(path)).records([Region("17", 50_000, 50_100)]))
    assert [r.pos for r in recs] == [50_000, 50_050, 50_100]
    assert len(kept) < 50  # the header lines, and the lines within 1 kb of the region


@pytest.mark.parametrize("line,expected", [
    ("17\t1000\t.\tA\tG\n", "17\t1000"),  # too few columns inside a region: the per-line reader says so
    ("17\tx\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n", "POS"),
])
def test_malformed_lines_still_named(tmp_path, line, expected):
    path = tmp_path / "t.vcf"
    path.write_text(HEADER + line)
    with pytest.raises(InputError, match=rf"t\.vcf:7"):
        list(VcfReader(str(path)).records([Region("17", 900, 1100)]))


@pytest.mark.parametrize("pos", ODD_POS)
@pytest.mark.parametrize("chrom", ["17", "NC_000017.11", "chrUn_gl000220", "1"])
def test_odd_positions_reach_the_per_line_reader(tmp_path, monkeypatch, pos, chrom):
    path = tmp_path / "t.vcf"
    path.write_text(HEADER + f"{chrom}\t{pos}\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n17\t5000\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n")
    regs = [Region("17", 5000, 5000), Region("NC_000017.11", 1, 10), Region("chrUn_gl000220", 1, 10)]
    filtered = _read(path, regs)
    monkeypatch.setattr(vcf_scan.RegionFilter, "keep", _keep_everything)
    assert filtered == _read(path, regs)
