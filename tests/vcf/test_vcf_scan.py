"""The unindexed scan's bulk prefilter drops only lines the per-line reader would drop: on any text,
reading with it gives the same records, or the same first error, as reading every line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import gzip
import hashlib
import signal
import subprocess
import threading
import time
import zlib

import pytest
from conftest import VCF_HEADER_37, installed_command, process_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import her2var.files
from her2var import limits
from her2var.errors import InputError
from her2var.files import ReadAhead
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
CONTIGS = ["17", "7", "1", "chr17", "chrUn_gl000220", "chrUn_gl000221", "NC_000017.11", "NC_000017.12", "",
           "chrUn_gl", "chrUn_gm", "chrUn_gl0", "17\x00", "17\x01", "\x0717"]
REGION_CONTIGS = ["17", "7", "NC_000017.11", "chrUn_gl000220", "chrUn_gl", "17\x00"]
ODD_POS = ["", "12a", "+5", " 70", "1_000", "0x10", "-3", "99999999999", "٣", "1\x002", "00000000042", "9:"]
# positions near the 8-, 9- and 10-digit edges (a plain POS is read as two 64-bit numbers)
BASES = [0, 99_990_000, 999_990_000, 9_999_990_000]

# files.PIECE_BYTES (inflated at once), MIN_PIECE_BYTES (outputs joined up to), LINE_PIECE_BYTES
PIECES = [(4 << 20, 1 << 20, 1 << 20), (7, 1, 1 << 20), (4 << 20, 1 << 20, 12), (7, 20, 12)]

SCAN = settings(max_examples=200, deadline=dt.timedelta(seconds=5), derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def vcf_line(draw, base: int = 0, edges: tuple[int, ...] = (), clean: bool = True) -> str:
    """A data line; unless ``clean``, it may be malformed (which the reader names, when it reads it)."""
    if not clean and draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(["", "\r", "  ", "17", "17\t5", "\t\t\t\t\t\t\t", "\t" * 9, "\x00\t\t\t\t\t\t\t"]))
    chrom = draw(st.sampled_from(REGION_CONTIGS if draw(st.booleans()) else CONTIGS))
    # often right at the edge of a region as read (1 kb around each), else anywhere near them
    near = draw(st.sampled_from(edges)) if edges and draw(st.booleans()) else -1
    pos = str(near if near >= 0 else base + draw(st.integers(1, 20000)))
    if not clean and draw(st.booleans()):
        pos = draw(st.sampled_from(ODD_POS)) if draw(st.booleans()) else str(draw(st.integers(0, 10**9)))
    info = "."
    if pos.isdigit() and draw(st.booleans()):
        info = draw(st.sampled_from(["END", "SVLEN", "XLEN", "DP"])) + f"={int(pos) + draw(st.integers(0, 9000))}"
        info += draw(st.sampled_from(["", ";X=1", "\x07"]))
    cols = [chrom, pos, ".", "A", draw(st.sampled_from(["G", "<DEL>"])), ".", "PASS", info, "GT", "0/1"]
    if not clean:
        cols = cols[:draw(st.sampled_from([10, 9, 8, 7, 3]))]
    return "\t".join(cols) + ("\r" if draw(st.integers(0, 10)) == 0 else "")


@st.composite
def regions(draw, base: int = 0) -> list[Region]:
    out = []
    for _ in range(draw(st.integers(1, 4))):
        start = base + draw(st.integers(1, 16000))
        out.append(Region(draw(st.sampled_from(REGION_CONTIGS)), start, start + draw(st.integers(0, 3000))))
    return out


@st.composite
def texts_and_regions(draw) -> tuple[list[str], list[Region]]:
    """Lines and regions; most files are well formed (a malformed line would end the reading at
    once), some hold a malformed line or two anywhere."""
    base = draw(st.sampled_from(BASES))
    regs = draw(regions(base))
    edges = tuple(p + d for r in regs for p in (r.start - 1000, r.end + 1000) for d in (-1, 0, 1))
    lines = draw(st.lists(vcf_line(base, edges), max_size=60))
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        lines.insert(draw(st.integers(0, len(lines))), draw(vcf_line(base, edges, clean=False)))
    return lines, regs


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
@given(case=texts_and_regions(), chunk=st.sampled_from([7, 64, 1 << 20]), compressed=st.booleans(),
       members=st.sampled_from([1, 3]), pieces=st.sampled_from(PIECES), threads=st.booleans(),
       declared=st.sampled_from(["END", "SVLEN", "DP"]))
def test_the_prefilter_changes_nothing(tmp_path, monkeypatch, case, chunk, compressed, members, pieces,
                                       threads, declared):
    lines, regs = case
    header = HEADER.replace("ID=END,", f"ID={declared},")
    text = (header + "\n".join(lines) + ("\n" if lines else "")).encode()
    path = tmp_path / ("t.vcf.gz" if compressed else "t.vcf")
    step = len(text) // members + 1  # several gzip members, as BGZF has
    path.write_bytes(b"".join(gzip.compress(text[i:i + step]) for i in range(0, len(text), step))
                     if compressed else text)
    monkeypatch.setattr(her2var.files, "STREAM_CHUNK_BYTES", chunk)  # the streaming reader's read size
    # records split across the decompressor's outputs and the pieces looked at
    for name, size in zip(("PIECE_BYTES", "MIN_PIECE_BYTES", "LINE_PIECE_BYTES"), pieces, strict=True):
        monkeypatch.setattr(her2var.files, name, size)
    if not threads:
        monkeypatch.setattr(vcf_scan, "AHEAD", 0)
        monkeypatch.setattr(vcf_scan, "FILTER_AHEAD", 0)
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
    with pytest.raises(InputError, match=r"t\.vcf:7"):
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


@pytest.mark.parametrize("declared,info,alt", [("END", "END=20000", "G"), ("SVLEN", "SVLEN=-9000", "<DEL>")])
def test_a_record_reaching_into_a_region_from_far_before_it_is_read(tmp_path, monkeypatch, declared, info, alt):
    path = tmp_path / "t.vcf"
    path.write_text(HEADER.replace("ID=END,", f"ID={declared},")
                    + f"17\t11000\t.\tA\t{alt}\t.\tPASS\t{info}\tGT\t0/1\n17\t3000\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n")
    regs = [Region("17", 19_990, 20_010)]
    filtered = _read(path, regs)
    assert [r[1] for r in filtered] == [11000]
    monkeypatch.setattr(vcf_scan.RegionFilter, "keep", _keep_everything)
    assert filtered == _read(path, regs)


def test_contig_names_differing_only_by_a_nul_byte_are_told_apart(tmp_path, monkeypatch):
    """'17' and '17\\0' read as the same 64-bit number: the name with a NUL is matched by its length."""
    path = tmp_path / "t.vcf"
    path.write_text(HEADER + "".join(f"{c}\t{p}\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n"
                                     for c in ("17", "17\x00") for p in (500, 5000, 50_000)))
    for regs in ([Region("17\x00", 4000, 6000)], [Region("17", 40_000, 60_000), Region("17\x00", 4000, 6000)]):
        filtered = _read(path, regs)
        assert sorted(r[:2] for r in filtered) == sorted((r.chrom, p) for r in regs for p in (5000, 50_000)
                                                         if r.start <= p <= r.end)
        with monkeypatch.context() as m:
            m.setattr(vcf_scan.RegionFilter, "keep", _keep_everything)
            assert filtered == _read(path, regs)


# -- the background threads: same records and errors, and no thread left behind ----------------------------
def _read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "her2var-read-ahead" and t.is_alive()]


def _without_threads(monkeypatch, path, regs):
    with monkeypatch.context() as m:
        m.setattr(vcf_scan, "AHEAD", 0)
        m.setattr(vcf_scan, "FILTER_AHEAD", 0)
        return _read(path, regs)


BIG_BODY = "".join(f"17\t{p}\t.\tA\tG\t.\tPASS\tX={p % 977}\tGT\t0/1\n" for p in range(1000, 6_001_000, 50))
BIG_REGIONS = [Region("17", 20_000, 21_000), Region("17", 5_990_000, 5_991_000)]


@pytest.mark.parametrize("cut", [0.2, 0.55, 0.9, 0.999])
def test_a_truncated_gzip_gives_the_same_records_and_error_with_the_threads(tmp_path, monkeypatch, cut):
    """120,000 lines (5 MB: several pieces); the stream ends early, so the error comes while the
    decompressing thread is ahead of the prefilter's, and that one ahead of the reader."""
    packed = gzip.compress((HEADER.replace("ID=END,", "ID=X,") + BIG_BODY).encode(), compresslevel=1)
    path = tmp_path / "t.vcf.gz"
    path.write_bytes(packed[:int(len(packed) * cut)])
    got = _read(path, BIG_REGIONS)
    # named at the line after the last complete one that could be decompressed
    complete = zlib.decompressobj(31).decompress(path.read_bytes()).count(b"\n")
    assert got.startswith(f"{path}:{complete + 1}: the compressed file is truncated or corrupt")
    assert got == _without_threads(monkeypatch, path, BIG_REGIONS)
    assert not _read_ahead_threads()


def test_corrupt_gzip_data_in_a_later_piece_gives_the_same_error_with_the_threads(tmp_path, monkeypatch):
    """A second gzip member that is not gzip data after 500 KB of lines: the error is named at the
    line after the last one of the first member (less than a piece: handed on before the error)."""
    text = (HEADER.replace("ID=END,", "ID=X,") + BIG_BODY).encode()
    first = text[:text.index(b"\n", 500_000) + 1]
    path = tmp_path / "t.vcf.gz"
    path.write_bytes(gzip.compress(first) + b"\x1f\x8b\x09" + gzip.compress(text[len(first):])[3:])
    monkeypatch.setattr(her2var.files, "STREAM_CHUNK_BYTES", 1 << 16)
    got = _read(path, BIG_REGIONS)
    lines = first.count(b"\n")
    assert got.startswith(f"{path}:{lines + 1}: the compressed file is truncated or corrupt")
    assert got == _without_threads(monkeypatch, path, BIG_REGIONS)
    assert not _read_ahead_threads()


def test_a_long_line_in_a_later_piece_is_named_with_its_line_number(tmp_path, monkeypatch):
    lines = BIG_BODY.splitlines(keepends=True)
    lines[100_000] = lines[100_000].replace("GT\t0/1", "GT\t0/1" + "0" * 5000)
    path = tmp_path / "t.vcf.gz"
    path.write_bytes(gzip.compress((HEADER.replace("ID=END,", "ID=X,") + "".join(lines)).encode(), compresslevel=1))
    limits.use(dataclasses.replace(limits.builtin(), max_line_bytes=4000))
    try:
        got = _read(path, BIG_REGIONS)
        assert got.startswith(f"{path}:{100_000 + 7}: a line longer than 4,000 bytes")
        assert got == _without_threads(monkeypatch, path, BIG_REGIONS)
    finally:
        limits.use(None)
    assert not _read_ahead_threads()


def test_records_and_checksum_are_those_of_reading_without_the_threads(tmp_path, monkeypatch):
    path = tmp_path / "t.vcf.gz"
    path.write_bytes(gzip.compress((HEADER.replace("ID=END,", "ID=X,") + BIG_BODY).encode(), compresslevel=1))
    reader = VcfReader(str(path))
    got = [(r.chrom, r.pos, r.line) for r in reader.records(BIG_REGIONS)]
    assert len(got) == 42 and got[0] == ("17", 20_000, 6 + 381)
    assert reader.sha256() == hashlib.sha256(path.read_bytes()).hexdigest()
    with monkeypatch.context() as m:
        m.setattr(vcf_scan, "AHEAD", 0)
        m.setattr(vcf_scan, "FILTER_AHEAD", 0)
        assert [(r.chrom, r.pos, r.line) for r in VcfReader(str(path)).records(BIG_REGIONS)] == got
    assert not _read_ahead_threads()


def test_stopping_early_or_interrupted_leaves_no_thread(tmp_path, monkeypatch):
    path = tmp_path / "t.vcf.gz"
    path.write_bytes(gzip.compress((HEADER.replace("ID=END,", "ID=X,") + BIG_BODY).encode(), compresslevel=1))
    records = VcfReader(str(path)).records(BIG_REGIONS)
    next(records)
    assert _read_ahead_threads()  # reading ahead while the caller holds the first record
    records.close()
    assert not _read_ahead_threads()
    records = VcfReader(str(path)).records(BIG_REGIONS)
    next(records)
    del records  # dropped without close(): collected, its threads stopped
    gc.collect()
    assert not _read_ahead_threads()

    def interrupted(*args):
        raise KeyboardInterrupt  # as Ctrl-C, or SIGTERM's exception, in the middle of the reading

    monkeypatch.setattr(VcfReader, "_in_regions", interrupted)
    with pytest.raises(KeyboardInterrupt):
        list(VcfReader(str(path)).records(BIG_REGIONS))
    assert not _read_ahead_threads()


def test_a_file_cut_after_the_threads_read_it_is_an_error(tmp_path):
    """Under a megabyte: read whole at the first read, before the first record is handed over; the
    file is then cut, and the check after the reading (size, time of change) says so."""
    path = tmp_path / "t.vcf"
    path.write_text(HEADER.replace("ID=END,", "ID=X,") + BIG_BODY[:900_000])
    records = VcfReader(str(path)).records([Region("17", 2_000, 3_000), Region("17", 17_000, 18_000)])
    next(records)
    with open(path, "r+b") as fh:
        fh.truncate(path.read_bytes().index(b"\n17\t10000\t") + 1)
    with pytest.raises(InputError, match=r"t\.vcf: the file changed while it was read"):
        list(records)
    assert not _read_ahead_threads()


def test_read_ahead_hands_over_the_items_then_the_error_and_stops_a_blocked_thread():
    def items():
        yield b"a"
        yield b"b"
        raise EOFError("cut")

    ahead = ReadAhead(items(), 1)
    assert next(ahead) == b"a" and next(ahead) == b"b"
    with pytest.raises(EOFError, match="cut"):
        next(ahead)
    assert not _read_ahead_threads()
    endless = ReadAhead(iter(lambda: b"x", None), 1)  # its thread waits to hand over the next item
    assert next(endless) == b"x"
    assert _read_ahead_threads()
    endless.close()
    assert not _read_ahead_threads()


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_classify_stopped_during_the_scan_ends_at_once_and_writes_nothing(tmp_path, sig, code):
    """A real process stopped while its threads decompress and filter a 300 MB VCF: it ends
    promptly (no thread keeps it alive), with its exit code, no traceback and no output."""
    block = "".join(f"17\t{p}\t.\tA\tG\t50\tPASS\t.\tGT:AD:DP\t0/1:20,10:30\n" for p in range(1_000_000, 1_900_000, 30))
    member = gzip.compress(block.encode(), compresslevel=1)
    path = tmp_path / "big.vcf.gz"
    with open(path, "wb") as fh:
        fh.write(gzip.compress(VCF_HEADER_37.encode()))
        for _ in range(300):
            fh.write(member)
    proc = subprocess.Popen([*installed_command(), "classify", str(path), "--out", str(tmp_path / "out")],
                            cwd=tmp_path, env=process_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(1.0)
    proc.send_signal(sig)
    started = time.monotonic()
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the scan finished before the signal arrived")
    assert proc.returncode == code and "Traceback" not in err, err
    assert time.monotonic() - started < 10
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".tmp-*"))
