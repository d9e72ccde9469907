"""Scanning a VCF without an index: decompress in large chunks, and pass on only the lines that
may matter.

A whole-genome VCF has millions of lines and a few hundred in the genes' regions. Each chunk of
complete lines is looked at as an array (numpy): where every line starts, its tab count, its
contig and its POS. A line is dropped here only when it certainly would be dropped by the per-line
reader: it has at least 8 columns (7 tabs), and either its contig holds no region, or its POS is a
plain number outside every region and (when the header declares END or SVLEN) it carries no ``END=``
or ``SVLEN=``.
Everything else (lines in regions, malformed lines, long or odd contig names, anything not a plain
number) goes to the per-line reader, which parses it and names any problem with its line number.

The work runs in three threads, each a few chunks ahead of the next (files.ReadAhead): one reads
and decompresses (zlib releases the interpreter lock), one looks at the chunks as arrays (so does
numpy), and the caller's thread parses the few lines passed on. Every array operation is over
whole chunks: the tabs and line ends are found once, and a line's contig and POS are read as
64-bit numbers from the bytes where they start and end, never byte by byte.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Generator, Iterable

from ..files import ReadAhead, Seen, line_chunks

MIN_TABS = 7  # 8 fixed columns
PREFIX = 8  # contig names up to this many bytes are matched exactly in bulk
MAX_POS_DIGITS = 10
AHEAD = 2  # pieces the background thread may decompress ahead of the prefilter
FILTER_AHEAD = 2  # pieces the prefilter's thread may work out ahead of the per-line reader
M_TOP_PAD = -2  # mallopt's parameter, from glibc's malloc.h
HEAP_HEADROOM = 32 << 20


def chunks(path: str, compressed: bool, *, name: str | None = None, seen: Seen | None = None,
           ahead: int = 0) -> ReadAhead[bytes] | Generator[bytes, None, None]:
    """The file's text in pieces that each end at a line end (files.line_chunks: a byte-order
    mark dropped, CR LF and a lone CR ending lines, no line longer than limits.max_line_bytes).
    ``name`` is the file as messages call it (``path`` may be a pipe's copy); ``seen`` records
    what was read; ``ahead``: read in a background thread, this many pieces ahead (close() what is
    returned when stopping early). Raises EOFError when a gzip/BGZF stream ends before its
    end-of-stream marker."""
    if ahead > 0:
        _keep_heap_headroom()
    return line_chunks(path, compressed=compressed, name=name or path, what="a VCF file", seen=seen, ahead=ahead)


@functools.cache
def _keep_heap_headroom() -> None:
    """Ask glibc's allocator to keep 32 MB of headroom on each heap (M_TOP_PAD).

    Each piece's arrays are made and freed in the background threads; glibc gives a thread's
    freed memory back to the system at once and takes it back for the next piece, a page fault
    for every 4 KB: 100,000-300,000 of them, a fifth of the scan's time. The headroom keeps that
    memory in the process (peak memory stays the same, about 70 MB). Elsewhere (no mallopt, or
    another C library) nothing is done."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        mallopt = ctypes.CDLL(None).mallopt
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt(M_TOP_PAD, HEAP_HEADROOM)


Kept = list[tuple[int, int, int]]  # (index, start, end) of lines in a piece


def filtered(pieces: Iterable[bytes], scan: RegionFilter,
             ahead: int = 0) -> ReadAhead[tuple[bytes, int, Kept]] | Generator[tuple[bytes, int, Kept], None, None]:
    """(piece, its number of lines, the lines the per-line reader must see: RegionFilter.keep) for
    each piece; ``ahead``: worked out in a background thread, this many pieces ahead of the caller
    (close() what is returned when stopping early)."""
    items = ((buf, *scan.keep(buf)) for buf in pieces)
    return ReadAhead(items, ahead) if ahead > 0 else items


def lines(path: str, compressed: bool, *, name: str | None = None,
          seen: Seen | None = None) -> Generator[bytes, None, None]:
    """Every line, without its line end."""
    for buf in chunks(path, compressed, name=name, seen=seen):
        yield from buf.split(b"\n")[:-1]


def _pack(name: bytes) -> int:
    return int.from_bytes(name[:PREFIX].ljust(PREFIX, b"\0"), "little")


def _top_bytes(k: int) -> int:
    """A mask of the k most significant bytes of a 64-bit number."""
    return ((1 << 64) - 1) ^ ((1 << (8 * (8 - k))) - 1)


def _repeated(byte: int) -> int:
    return int.from_bytes(bytes([byte]) * 8, "little")


class RegionFilter:
    """Which lines of a chunk may matter for `spans` (contig -> sorted starts, ends)."""

    def __init__(self, spans: dict[bytes, tuple[list[int], list[int]]], may_end: bool) -> None:
        import numpy as np

        self.np = np
        self.may_end = may_end
        # Contig names of at most PREFIX bytes, looked up by their bytes read as one little-endian
        # number (the bytes of a line's contig, masked to its length). A name holding a NUL byte
        # would share its number with a shorter one: it is matched like a long name.
        short = sorted((_pack(c), c) for c in spans if len(c) <= PREFIX and b"\0" not in c)
        self.keys = np.array([k for k, _ in short], dtype=np.uint64)
        self.key_lengths = np.array([len(c) for _, c in short], dtype=np.int64)
        # the regions of all those contigs on one axis: the contig's index * 2**40 + the position
        # (a plain POS has at most 10 digits, < 2**34; clamping keeps every comparison with one)
        starts: list[int] = []
        ends: list[int] = []
        for i, (_, c) in enumerate(short):
            starts += [(i << 40) + min(max(s, -1), 1 << 35) for s in spans[c][0]]
            ends += [(i << 40) + min(max(e, -1), 1 << 35) for e in spans[c][1]]
        self.starts = np.array(starts, dtype=np.int64)
        self.ends = np.array(ends, dtype=np.int64)
        # other names: lines sharing their first PREFIX bytes and their length are sent on
        self.long_names = sorted({(_pack(c), len(c)) for c in spans if len(c) > PREFIX or b"\0" in c})
        self.length_masks = np.array([(1 << (8 * k)) - 1 for k in range(PREFIX)] + [(1 << 64) - 1],
                                     dtype=np.uint64)
        # POS is read from the 16 bytes that end where it ends, as two 64-bit numbers (little-endian:
        # its last digit is the most significant byte of the second); bytes before it become '0'
        zeros = _repeated(0x30)
        mask = (1 << 64) - 1
        widths = range(MAX_POS_DIGITS + 1)
        self.low_field = np.array([_top_bytes(min(w, 8)) for w in widths], dtype=np.uint64)
        self.low_fill = np.array([zeros & ~_top_bytes(min(w, 8)) & mask for w in widths], dtype=np.uint64)
        self.high_field = np.array([_top_bytes(max(w - 8, 0)) for w in widths], dtype=np.uint64)
        self.high_fill = np.array([zeros & ~_top_bytes(max(w - 8, 0)) & mask for w in widths], dtype=np.uint64)
        self.c = {k: np.uint64(v) for k, v in {
            "f0": _repeated(0xF0), "30": zeros, "06": _repeated(0x06), "0f": _repeated(0x0F), "15": 15,
            "pairs": 0x00FF00FF00FF00FF, "quads": 0x0000FFFF0000FFFF, "low32": 0xFFFFFFFF}.items()}

    def keep(self, buf: bytes) -> tuple[int, Kept]:
        """The number of lines in `buf` (which ends with a line end), and (index, start, end) of
        those that must go to the per-line reader, in order."""
        np = self.np
        arr = np.frombuffer(buf, dtype=np.uint8)
        size = arr.size
        # every tab and line end, in order (found with the bytes below 9, which are rare: dropped
        # when there are any); the line ends among them
        delim = np.flatnonzero(arr < 11)
        kinds = arr[delim]
        if kinds.min() < 9:
            delim = delim[kinds >= 9]
            kinds = arr[delim]
        at_end = np.flatnonzero(kinds == 10)
        n = at_end.size
        ends = delim[at_end]
        starts = np.empty(n, dtype=np.int64)
        starts[0] = 0
        np.add(ends[:-1], 1, out=starts[1:])
        first = np.empty(n, dtype=np.intp)  # where each line's delimiters begin in `delim`
        first[0] = 0
        np.add(at_end[:-1], 1, out=first[1:])
        keep = (at_end - first) < MIN_TABS  # fewer than 8 columns: the per-line reader names it
        if self.keys.size == 0 and not self.long_names:
            return n, self._listed(np.flatnonzero(keep), starts, ends)
        padded = buf if size >= 16 else buf + bytes(16 - size)
        t1 = delim[first]  # for a line with 7 tabs or more: its first and second tab
        t2 = delim[np.minimum(first + 1, delim.size - 1)]
        clen = t1 - starts
        # the contig: its first PREFIX bytes (a line of 8 columns has at least 8 bytes), read as one
        # number through a view of the 8 bytes starting at each byte
        at = np.ndarray(shape=(len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
        key = at[np.minimum(starts, len(padded) - 8)]
        key &= self.length_masks[np.minimum(clen, PREFIX)]
        on = np.zeros(n, dtype=bool)
        if self.keys.size:
            i = np.searchsorted(self.keys, key)
            np.minimum(i, self.keys.size - 1, out=i)
            on = (self.keys[i] == key) & (self.key_lengths[i] == clen)
            drop = self._outside(padded, t1, t2, i) & on
            if self.may_end and drop.any():
                drop &= ~self._lines_with_end(arr, ends)
            keep |= on & ~drop
        for packed, length in self.long_names:
            keep |= (clen == length) & (key == np.uint64(packed))
        return n, self._listed(np.flatnonzero(keep), starts, ends)

    @staticmethod
    def _listed(idx, starts, ends) -> Kept:
        return list(zip(idx.tolist(), starts[idx].tolist(), ends[idx].tolist(), strict=True))

    def _outside(self, buf, t1, t2, contig):
        """True for lines whose POS (between tabs t1 and t2) is a plain number of at most
        MAX_POS_DIGITS digits outside every region of their contig (index into self.keys)."""
        np, c = self.np, self.c
        width = t2 - t1 - 1
        w = np.clip(width, 0, MAX_POS_DIGITS)
        at = np.ndarray(shape=(len(buf) - 15,), dtype="V16", buffer=buf, strides=(1,))
        words = at[np.maximum(t2 - 16, 0)].view("<u8").reshape(-1, 2)
        low = words[:, 1] & self.low_field[w]
        low |= self.low_fill[w]
        high = words[:, 0] & self.high_field[w]
        high |= self.high_fill[w]
        # every byte '0'..'9': its high half is 3, and stays 3 when 6 is added
        plain = ((low & c["f0"]) == c["30"]) & (((low + c["06"]) & c["f0"]) == c["30"])
        plain &= ((high & c["f0"]) == c["30"]) & (((high + c["06"]) & c["f0"]) == c["30"])
        plain &= (width >= 1) & (width <= MAX_POS_DIGITS) & (t2 >= 16)
        # eight digits to a number, pairwise (the first byte is the most significant digit)
        v = low & c["0f"]
        v = (v * np.uint64(10) + (v >> np.uint64(8))) & c["pairs"]
        v = (v * np.uint64(100) + (v >> np.uint64(16))) & c["quads"]
        v = (v * np.uint64(10000) + (v >> np.uint64(32))) & c["low32"]
        top = ((high >> np.uint64(48)) & c["15"]) * np.uint64(10) + ((high >> np.uint64(56)) & c["15"])
        pos = (top * np.uint64(100_000_000) + v).view(np.int64) + (contig << 40)
        i = np.searchsorted(self.starts, pos, side="right") - 1
        return plain & ((i < 0) | (pos > self.ends[np.maximum(i, 0)]))

    def _lines_with_end(self, arr, ends):
        """True for lines holding 'END=' or 'LEN=' (SVLEN) anywhere (a record may reach into a region
        from before it)."""
        np = self.np
        eq = np.flatnonzero(arr[3:] == 61) + 3
        a, b, c = arr[eq - 3], arr[eq - 2], arr[eq - 1]
        hits = eq[((a == 69) & (b == 78) & (c == 68)) | ((a == 76) & (b == 69) & (c == 78))]
        flag = np.zeros(ends.size, dtype=bool)
        flag[np.searchsorted(ends, hits)] = True  # every hit lies before its own line's end
        return flag
