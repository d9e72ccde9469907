"""An index is checked against the alignments it serves: an index of another BAM/CRAM, or one made
before the file was rewritten, is refused instead of silently losing reads."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pysam
import pytest
from test_bam_fixtures import bam as fixture_bam

from her2var.bam.alignments import open_alignments
from her2var.bam.index_check import (
    BinningIndex,
    _record_end,
    locate_index,
    read_binning_index,
)
from her2var.errors import InputError

# GRCh37 lengths (the rules' build table): the file must be on a known build to be opened at all.
LENGTHS = {"7": 159_138_663, "17": 81_195_210}
EXON20 = 37_880_978  # ERBB2 exon 20, GRCh37
REFERENCE = Path(__file__).resolve().parents[2] / "fixtures" / "bam" / "ref.fa.gz"


def write_bam(path: Path, reads: list[tuple[str | None, int, int]], *, seed: int = 0,
              contigs: tuple[str, ...] = ("7", "17")) -> Path:
    """reads: (contig or None for unplaced, start, flag); 100 bp, sorted as given."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"HD": {"VN": "1.6", "SO": "coordinate"},
              "SQ": [{"SN": c, "LN": LENGTHS[c]} for c in contigs], "RG": [{"ID": "g", "SM": "S"}]}
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for k, (contig, start, flag) in enumerate(reads):
            a = pysam.AlignedSegment(out.header)
            a.query_name, a.flag = f"read{k}", flag
            a.reference_id = contigs.index(contig) if contig else -1
            a.reference_start = start if contig else -1
            a.mapping_quality = 60
            if not flag & 0x4:
                a.cigarstring = "100M"
            a.query_sequence = "".join(rng.choice(list("ACGT"), size=100))
            a.query_qualities = pysam.qualitystring_to_array("I" * 100)
            a.set_tag("RG", "g")
            out.write(a)
    return path


def reads_over(first: int, n: int, seed: int, contig: str = "17") -> list[tuple[str | None, int, int]]:
    starts = sorted(int(x) for x in np.random.default_rng(seed).integers(first, first + 300, size=n))
    return [(contig, s, 0) for s in starts]


def index(path: Path, csi: bool = False) -> Path:
    pysam.index(*(["-c"] if csi else []), str(path))
    return Path(str(path) + (".csi" if csi else ".bai"))


def opened(path: Path, rules) -> None:
    with open_alignments(str(path), rules, build="GRCh37"):
        pass


def stale_copy(tmp_path: Path, own: Path, other_reads, csi: bool = False) -> Path:
    """`own` with, beside it, the index of another BAM holding `other_reads`."""
    other = write_bam(tmp_path / "other" / "o.bam", other_reads, seed=7)
    idx = index(other, csi)
    shutil.copyfile(idx, str(own) + idx.suffix)
    return own


@pytest.fixture
def sample(tmp_path) -> Path:
    """Reads on 7 and 17 (ERBB2 exon 20), a mate placed beside its mapped mate, unplaced reads last."""
    reads = [("7", 55_242_400, 0), ("7", 55_242_450, 0), *reads_over(EXON20 - 100, 40, seed=1),
             ("17", EXON20 + 400, 0x4 | 0x1), (None, 0, 0x4), (None, 0, 0x4)]
    return write_bam(tmp_path / "s" / "t.bam", reads)


@pytest.mark.parametrize("csi", [False, True], ids=["bai", "csi"])
def test_a_files_own_index_is_accepted(sample, rules, csi):
    index(sample, csi)
    opened(sample, rules)


@pytest.mark.parametrize("csi", [False, True], ids=["bai", "csi"])
def test_an_index_of_another_bam_is_refused(sample, tmp_path, rules, csi):
    # Same header, same number and size of reads: only where the reads lie differs.
    other = [("7", 55_242_400, 0), ("7", 55_242_450, 0), *reads_over(EXON20 - 20_000, 40, seed=2),
             ("17", EXON20 + 400, 0x5), (None, 0, 0x4), (None, 0, 0x4)]
    stale_copy(tmp_path, sample, other, csi)
    with pytest.raises(InputError) as err:
        opened(sample, rules)
    msg = str(err.value)
    assert msg.startswith(f"{sample}: the index {sample}.{'csi' if csi else 'bai'} does not match the file")
    assert "a read at 17:" in msg and f"samtools index {sample}" in msg


def test_the_same_reads_at_other_places_would_have_been_lost(sample, tmp_path):
    """Why the check exists: htslib itself answers the region query with nothing, and no error."""
    other = [("7", 55_242_400, 0), ("7", 55_242_450, 0), *reads_over(EXON20 - 20_000, 40, seed=2),
             ("17", EXON20 + 400, 0x5), (None, 0, 0x4), (None, 0, 0x4)]
    stale_copy(tmp_path, sample, other)
    with pysam.AlignmentFile(str(sample)) as fh:
        assert sum(1 for _ in fh.fetch("17", EXON20 - 100, EXON20 + 300)) == 0
    index(sample)
    with pysam.AlignmentFile(str(sample)) as fh:
        assert sum(1 for _ in fh.fetch("17", EXON20 - 100, EXON20 + 300)) == 40


def test_an_index_made_before_reads_were_added_is_refused(tmp_path, rules):
    reads, unplaced = reads_over(EXON20 - 100, 60, seed=3), [(None, 0, 0x4)] * 2
    stale_copy(tmp_path, write_bam(tmp_path / "t.bam", reads + unplaced), reads[:50] + unplaced)
    with pytest.raises(InputError, match=r"it says the reads placed on a reference end at virtual offset \d+, "
                                         r"but there is a read of 17 there"):
        opened(tmp_path / "t.bam", rules)


def test_an_index_of_a_bam_with_other_contigs_is_refused(sample, tmp_path, rules):
    other = write_bam(tmp_path / "o.bam", reads_over(EXON20, 10, seed=4), contigs=("17",))
    shutil.copyfile(index(other), str(sample) + ".bai")
    with pytest.raises(InputError, match=r"covers 1 references but the file's header has 2"):
        opened(sample, rules)


def test_the_fixture_bams_pass_with_their_own_indexes(rules):
    for name in ("T1", "T2", "N1"):
        opened(Path(fixture_bam(name)), rules)


@pytest.mark.parametrize("damage,expected", [
    (lambda b: b[: len(b) // 2], "the index ends early"),
    (lambda b: b"NOTANINDEX" + b[10:], "not a BAI or CSI index"),
    (lambda b: b[:8] + b"\xff\xff\xff\x7f" + b[12:], "bins is impossible"),
    (lambda b: gzip.compress(b"CSI\x01" + b"\x00" * 3), "the index ends early"),
])
def test_a_damaged_index_is_a_clean_error(sample, rules, damage, expected):
    bai = index(sample)
    bai.write_bytes(damage(bai.read_bytes()))
    with pytest.raises(InputError) as err:
        opened(sample, rules)
    assert str(sample) in str(err.value) and expected in str(err.value)


@pytest.mark.parametrize("present", [
    ("t.bam.csi", "t.csi", "t.bam.bai", "t.bai"), ("t.csi", "t.bam.bai", "t.bai"), ("t.bam.bai", "t.bai"),
    ("t.bam.csi", "t.bai"), ("t.csi", "t.bai"),
])
def test_the_index_checked_is_the_one_htslib_loads(sample, tmp_path, present):
    """Only the first name in htslib's order holds the file's own index; pysam must find the reads."""
    own_csi, own_bai = index(sample, csi=True).read_bytes(), index(sample).read_bytes()
    for suffix in (".csi", ".bai"):
        Path(str(sample) + suffix).unlink()
    wrong = write_bam(tmp_path / "w.bam", reads_over(EXON20 - 20_000, 40, seed=2))
    wrong_csi, wrong_bai = index(wrong, csi=True).read_bytes(), index(wrong).read_bytes()
    for k, name in enumerate(present):
        is_csi = name.endswith(".csi")
        data = (own_csi if is_csi else own_bai) if k == 0 else (wrong_csi if is_csi else wrong_bai)
        (sample.parent / name).write_bytes(data)
    assert locate_index(str(sample), is_cram=False) == str(sample.parent / present[0])
    with pysam.AlignmentFile(str(sample)) as fh:
        assert sum(1 for _ in fh.fetch("17", EXON20 - 100, EXON20 + 300)) == 40


def test_a_cram_index_of_another_cram_is_refused(tmp_path, rules):
    crams = []
    for name in ("T1", "T2"):
        cram = tmp_path / name / "x.cram"
        cram.parent.mkdir()
        pysam.view("-C", "-T", str(REFERENCE), "-o", str(cram), fixture_bam(name), catch_stdout=False)
        pysam.index(str(cram))
        crams.append(cram)
    with open_alignments(str(crams[0]), rules, reference=str(REFERENCE)):
        pass
    shutil.copyfile(str(crams[1]) + ".crai", str(crams[0]) + ".crai")
    with pytest.raises(InputError, match=r"the index .*x\.cram\.crai does not match the file: row 1 "):
        open_alignments(str(crams[0]), rules, reference=str(REFERENCE))


def test_bins_follow_the_specification(tmp_path):
    """bin_of agrees with the bin htslib stores in each record; bins_over finds every record's bin."""
    rng = np.random.default_rng(5)
    starts = np.sort(rng.integers(0, 3_000_000, size=400))
    reads = [("17", int(s), 0) for s in starts] + [("17", 16_383, 0), ("17", 16_384 * 8 - 50, 0)]
    reads.sort(key=lambda r: r[1])
    path = write_bam(tmp_path / "b.bam", reads)
    bai = BinningIndex(14, 5, [])
    with pysam.AlignmentFile(str(path)) as fh:
        for rec in fh:
            b = bai.bin_of(rec.reference_start, _record_end(rec))
            assert b == rec.bin
            lo, hi = bai.bin_span(b)
            assert lo <= rec.reference_start + 1 and rec.reference_end <= hi
            assert b in bai.bins_over(rec.reference_start + 10, rec.reference_start + 11)
    csi = BinningIndex(12, 6, [])
    for beg in (0, 4095, 4096, 1 << 20, 123_456_789):
        b = csi.bin_of(beg, beg + 100)
        lo, hi = csi.bin_span(b)
        assert lo <= beg + 1 and beg + 100 <= hi and b in csi.bins_over(beg, beg + 1)


def test_the_index_parser_reads_what_samtools_wrote(sample):
    idx = read_binning_index(str(index(sample)))
    meta = idx.refs[1].meta
    assert meta is not None and meta[2:] == (40, 1)  # mapped, placed-unmapped on 17
    csi = read_binning_index(str(index(sample, csi=True)))
    assert (csi.min_shift, csi.depth) == (14, 5) and csi.refs[1].meta == meta
