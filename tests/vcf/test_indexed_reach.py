"""Reading through an index gives the records a reading of the whole file gives for the same
regions: a symbolic deletion that reaches into a region by its SVLEN alone is found even when the
index was made by an indexer that reads only END (htslib before 1.18, e.g. Debian's tabix and
bcftools 1.16), and a record over two regions is given once."""

from __future__ import annotations

import shutil

import pysam
import pytest
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from her2var.models import Region
from her2var.vcf import reader as vcf_reader
from her2var.vcf.reader import VcfReader

HEADER = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=chr17,length=83257441>\n"
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End">\n'
    '##INFO=<ID=SVLEN,Number=.,Type=Integer,Description="Length">\n'
    '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
)


def _records(path, regions):
    return sorted((r.chrom, r.pos, r.end, tuple(r.alts), tuple(r.info.items()))
                  for r in VcfReader(str(path)).records(regions))


def _files(tmp_path, lines: list[str], *, reads_svlen: bool):
    """The same records plain (read whole) and bgzipped with a tabix index. ``reads_svlen``: the
    index records each record's end from END or SVLEN, as htslib 1.18 on does; otherwise it places
    every record at its POS alone, as an indexer reading END only places an SVLEN-only record."""
    plain = tmp_path / "plain.vcf"
    plain.write_text(HEADER + "".join(line + "\n" for line in lines))
    compressed = tmp_path / "indexed.vcf.gz"
    pysam.tabix_compress(str(plain), str(compressed), force=True)
    if reads_svlen:
        pysam.tabix_index(str(compressed), preset="vcf", force=True)
    else:
        pysam.tabix_index(str(compressed), seq_col=0, start_col=1, end_col=1, meta_char="#", force=True)
    whole = tmp_path / "whole.vcf"
    shutil.copy(plain, whole)
    return whole, compressed


def _line(pos: int, alt: str = "G", info: str = ".") -> str:
    return f"chr17\t{pos}\t.\tA\t{alt}\t.\tPASS\t{info}\tGT\t0/1"


ERBB2 = Region("chr17", 39_688_094, 39_728_658, "ERBB2")


@pytest.mark.parametrize("reads_svlen", [False, True])
def test_an_svlen_only_deletion_from_before_the_gene_is_found(tmp_path, reads_svlen):
    lines = [_line(39_500_000), _line(39_600_000, "<DEL>", "SVTYPE=DEL;SVLEN=-300000"),
             _line(39_650_000, "<INS>", "SVTYPE=INS;SVLEN=90000"), _line(39_700_000)]
    whole, indexed = _files(tmp_path, lines, reads_svlen=reads_svlen)
    found = _records(indexed, [ERBB2])
    assert [r[1] for r in found] == [39_600_000, 39_700_000]  # an <INS>'s SVLEN is no span
    assert found == _records(whole, [ERBB2])


def test_a_deletion_over_two_regions_is_given_once(tmp_path):
    second = Region("chr17", 39_800_000, 39_800_100, "next")
    lines = [_line(39_600_000, "<DEL>", "SVTYPE=DEL;SVLEN=-300000"), _line(39_690_000, "<DUP>", "SVTYPE=DUP;END=39800050"),
             _line(39_700_000)]
    for reads_svlen in (False, True):
        whole, indexed = _files(tmp_path, lines, reads_svlen=reads_svlen)
        for regions in ([ERBB2, second], [second, ERBB2]):
            assert _records(indexed, regions) == _records(whole, regions)
            assert len(_records(indexed, regions)) == 3


def test_the_reach_is_bounded(tmp_path, monkeypatch):
    lines = [_line(39_600_000, "<DEL>", "SVTYPE=DEL;SVLEN=-300000"), _line(39_700_000)]
    _, indexed = _files(tmp_path, lines, reads_svlen=False)
    monkeypatch.setattr(vcf_reader, "SVLEN_REACH", 50_000)
    assert [r[1] for r in _records(indexed, [ERBB2])] == [39_700_000]
    monkeypatch.undo()
    assert [r[1] for r in _records(indexed, [ERBB2])] == [39_600_000, 39_700_000]


KINDS = st.sampled_from(["snv", "del_svlen", "del_end", "ins", "dup_svlen"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.tuples(st.integers(1, 400), KINDS, st.integers(1, 300)), max_size=12),
       spans=st.lists(st.tuples(st.integers(1, 500), st.integers(0, 60)), min_size=1, max_size=4),
       reads_svlen=st.booleans())
def test_indexed_and_whole_readings_agree(tmp_path_factory, records, spans, reads_svlen):
    """Random records and regions near each other, overlapping or not: the same records either way,
    each once."""
    tmp_path = tmp_path_factory.mktemp("reach")
    base = 1_000_000
    lines = []
    for offset, kind, size in sorted(records):
        pos = base + offset * 100
        lines.append({"snv": _line(pos), "del_svlen": _line(pos, "<DEL>", f"SVTYPE=DEL;SVLEN=-{size * 100}"),
                      "del_end": _line(pos, "<DEL>", f"SVTYPE=DEL;END={pos + size * 100}"),
                      "ins": _line(pos, "<INS>", f"SVTYPE=INS;SVLEN={size * 100}"),
                      "dup_svlen": _line(pos, "<DUP>", f"SVTYPE=DUP;SVLEN={size * 100}")}[kind])
    if not reads_svlen:  # an END-only indexer: END records are placed by END; here no index reads END
        lines = [ln for ln in lines if "END=" not in ln]
    regions = [Region("chr17", base + start * 100, base + start * 100 + length * 100) for start, length in spans]
    whole, indexed = _files(tmp_path, lines, reads_svlen=reads_svlen)
    assert _records(indexed, regions) == _records(whole, regions)


def test_classify_names_the_deletion_with_or_without_the_index(tmp_path):
    """End to end: an index from an END-only indexer no longer leaves the sample wild type."""
    lines = [_line(39_500_000), _line(39_600_000, "<DEL>", "SVTYPE=DEL;SVLEN=-300000")]
    whole, indexed = _files(tmp_path, lines, reads_svlen=False)
    outputs = []
    for path in (whole, indexed):
        proc = run_cli("classify", path, "--format", "tsv")
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout.replace(str(path), "INPUT"))
    assert outputs[0] == outputs[1]
    assert "\tERBB2\tother\t" in outputs[1] and "<DEL> at chr17:39600000-39900000" in outputs[1]
