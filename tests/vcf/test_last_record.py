"""The index check's last record, read from the last BGZF blocks only, is the one a scan of every
block of the window finds, on well-formed, cut, corrupt and oversized blocks alike."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import struct
import zlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from her2var.vcf.reader import BGZF_EOF, _last_line_of_tail_blocks, _last_record

SETTINGS = settings(max_examples=300, deadline=dt.timedelta(seconds=5), derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def scan_every_start(path: str) -> str | None:
    """The last data line as found by inflating from each gzip magic of the window in turn (the
    first start whose members all inflate wins)."""
    size = os.path.getsize(path)
    window = 4 * 65536
    with open(path, "rb") as fh:
        fh.seek(max(0, size - window))
        data = fh.read()
    for start in (i for i in range(len(data) - 3) if data[i:i + 4] == b"\x1f\x8b\x08\x04"):
        out, rest = [], data[start:]
        try:
            while rest:
                d = zlib.decompressobj(31)
                out.append(d.decompress(rest, 4 * window))
                if d.unconsumed_tail:
                    return None
                rest = d.unused_data
        except zlib.error:
            continue
        text = b"".join(out).rstrip(b"\r\n")
        if b"\n" not in text and start > 0:
            return None
        last = text.rsplit(b"\n", 1)[-1].decode("utf-8", "replace").rstrip("\r")
        return None if last.startswith("#") or not last else last
    return None


def block(payload: bytes, *, isize: int | None = None, level: int = 6) -> bytes:
    """One BGZF block of ``payload`` (``isize``: what its trailer claims)."""
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    deflated = c.compress(payload) + c.flush()
    head = b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00"
    size = len(head) + 2 + len(deflated) + 8
    trailer = struct.pack("<II", zlib.crc32(payload), len(payload) if isize is None else isize)
    return head + struct.pack("<H", size - 1) + deflated + trailer


def bgzf(text: bytes, cuts: list[int], eof: bool = True) -> bytes:
    points = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    blocks = [block(text[a:b]) for a, b in itertools.pairwise(points)] or [block(b"")]
    return b"".join(blocks) + (BGZF_EOF if eof else b"")


HEADER = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


@st.composite
def vcf_bytes(draw) -> bytes:
    lines = draw(st.lists(st.sampled_from([
        b"17\t37880000\t.\tA\tT\t.\tPASS\t.", b"#comment", b"", b"\r", b"7\t55\t.\tG\tC\t.\t.\t.",
        b"x" * 300, b"17\t1\t.\tA\tT\t.\t.\t" + b"I" * 2000, "\u00e9t\u00e9".encode(), b"\xff\xfe"]),
        max_size=40))
    ending = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    text = (HEADER if draw(st.booleans()) else b"") + ending.join(lines)
    text += draw(st.sampled_from([b"", b"\n", b"\r\n", b"\n\n"]))
    data = bgzf(text, draw(st.lists(st.integers(0, 1 << 16), max_size=8)), eof=draw(st.integers(0, 5)) > 0)
    change = draw(st.integers(0, 7))
    if change == 1 and data:  # a flipped byte anywhere
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1:]
    elif change == 2:  # cut short
        data = data[:draw(st.integers(0, len(data)))]
    elif change == 3:  # garbage after the end
        data += draw(st.binary(min_size=1, max_size=40))
    elif change == 4:  # a block that inflates beyond what the scan reads (it says so: more than 64 KB)
        big = block(b"A" * (2 << 20), level=9)
        at = draw(st.sampled_from([0, len(data)]))
        data = data[:at] + big + data[at:]
    elif change == 5:  # a plain gzip member (no BC field) in front
        data = zlib.compress(b"1\t2\t.\tA\tC\n", wbits=31) + data
    return data


@SETTINGS
@given(data=vcf_bytes())
def test_last_record_is_what_scanning_every_start_finds(tmp_path, data):
    path = tmp_path / "x.vcf.gz"
    path.write_bytes(data)
    assert _last_record(str(path)) == scan_every_start(str(path))


def test_large_files_read_from_a_window_inside_a_block(tmp_path):
    """Files larger than the window: it starts inside a block, with random bytes (and so, now and
    then, a gzip magic) before the first whole block."""
    rnd = random.Random(7)
    for trial in range(12):
        rows = [f"17\t{i}\t.\tA\tT\t.\tPASS\tX={rnd.getrandbits(64):x}".encode() for i in range(40000)]
        text = HEADER + b"\n".join(rows) + (b"\n" if trial % 2 else b"")
        if trial % 3 == 0:
            text += b"\n17\t9\t.\tA\tT\t.\t.\t" + bytes(rnd.getrandbits(8) | 0x80 for _ in range(200_000))
        cuts = list(range(0, len(text), 65280))
        data = bgzf(text, cuts)
        if trial % 4 == 1:  # a corrupt block inside the window
            i = len(data) - 3 * 30000
            data = data[:i] + bytes([data[i] ^ 0x55]) + data[i + 1:]
        path = tmp_path / f"big{trial}.vcf.gz"
        path.write_bytes(data)
        assert os.path.getsize(path) > 4 * 65536
        assert _last_record(str(path)) == scan_every_start(str(path))
        assert _last_line_of_tail_blocks(data[-4 * 65536:], 1 << 20)[0]  # the blocks were found


def test_a_block_lying_about_its_size_ahead_of_the_last_ones_is_not_inflated(tmp_path):
    """The one difference from scanning every block: a block ahead of the last ones that claims at
    most 64 KB but inflates beyond 1 MB (no bgzip writes one; its gzip trailer is false) made the
    scan give up (no check); it is not inflated now, so the last record is found and checked."""
    text = HEADER + b"17\t5\t.\tA\tT\t.\t.\t.\n"
    data = block(b"A" * (2 << 20), isize=100, level=9) + bgzf(text, [])
    path = tmp_path / "x.vcf.gz"
    path.write_bytes(data)
    assert scan_every_start(str(path)) is None
    assert _last_record(str(path)) == "17\t5\t.\tA\tT\t.\t.\t."
