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
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

from ..files import Seen, line_chunks

MIN_TABS = 7  # 8 fixed columns
PREFIX = 8  # contig names up to this many bytes are matched exactly in bulk
MAX_POS_DIGITS = 10


def chunks(path: str, compressed: bool, *, name: str | None = None, seen: Seen | None = None) -> Iterator[bytes]:
    """The file's text in pieces that each end at a line end (files.line_chunks: a byte-order
    mark dropped, CR LF and a lone CR ending lines, no line longer than limits.max_line_bytes).
    ``name`` is the file as messages call it (``path`` may be a pipe's copy); ``seen`` records
    what was read. Raises EOFError when a gzip/BGZF stream ends before its end-of-stream marker."""
    return line_chunks(path, compressed=compressed, name=name or path, what="a VCF file", seen=seen)


def lines(path: str, compressed: bool, *, name: str | None = None,
          seen: Seen | None = None) -> Generator[bytes, None, None]:
    """Every line, without its line end."""
    for buf in chunks(path, compressed, name=name, seen=seen):
        yield from buf.split(b"\n")[:-1]


def _pack(name: bytes) -> int:
    return int.from_bytes(name[:PREFIX].ljust(PREFIX, b"\0"), "little")


class RegionFilter:
    """Which lines of a chunk may matter for `spans` (contig -> sorted starts, ends)."""

    def __init__(self, spans: dict[bytes, tuple[list[int], list[int]]], may_end: bool) -> None:
        import numpy as np

        self.np = np
        self.may_end = may_end
        self.spans = {c: (np.asarray(s, dtype=np.int64), np.asarray(e, dtype=np.int64))
                      for c, (s, e) in spans.items()}
        # contig names longer than PREFIX: lines sharing their first bytes and length are sent on
        self.long_names = {(_pack(c), len(c)) for c in spans if len(c) > PREFIX}
        self.shifts = np.arange(PREFIX, dtype=np.uint64) * np.uint64(8)
        self.pow10 = 10.0 ** np.arange(MAX_POS_DIGITS - 1, -1, -1)

    def keep(self, buf: bytes) -> tuple[int, list[tuple[int, int, int]]]:
        """The number of lines in `buf` (which ends with a line end), and (index, start, end) of
        those that must go to the per-line reader, in order."""
        np = self.np
        arr = np.frombuffer(buf, dtype=np.uint8)
        ends = np.flatnonzero(arr == 10)
        n = ends.size
        starts = np.empty(n, dtype=np.int64)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        tabs = np.flatnonzero(arr == 9)
        first_tab = np.searchsorted(tabs, starts)
        n_tabs = np.searchsorted(tabs, ends) - first_tab
        shaped = n_tabs >= MIN_TABS
        keep = ~shaped
        rows = np.flatnonzero(shaped)
        if rows.size == 0:
            return n, self._listed(np.flatnonzero(keep), starts, ends)
        t1 = tabs[first_tab[rows]]
        t2 = tabs[first_tab[rows] + 1]
        clen = t1 - starts[rows]
        width = min(PREFIX, int(clen.max()))
        if width > 0:
            idx = starts[rows, None] + np.arange(width)
            raw = arr[np.minimum(idx, arr.size - 1)].astype(np.uint64)
            raw[np.arange(width)[None, :] >= clen[:, None]] = 0
            key = (raw << self.shifts[:width]).sum(axis=1, dtype=np.uint64)
        else:
            key = np.zeros(rows.size, dtype=np.uint64)
        with_end = self._lines_with_end(arr, starts, ends) if self.may_end else None
        for name, (s, e) in self.spans.items():
            if len(name) > PREFIX:
                continue
            on = np.flatnonzero((clen == len(name)) & (key == np.uint64(_pack(name))))
            if on.size:
                drop = self._outside(arr, t1[on], t2[on], s, e)
                if with_end is not None:
                    drop &= ~with_end[rows[on]]
                keep[rows[on]] = ~drop
        for packed, length in self.long_names:
            keep[rows[(clen == length) & (key == np.uint64(packed))]] = True
        return n, self._listed(np.flatnonzero(keep), starts, ends)

    @staticmethod
    def _listed(idx, starts, ends) -> list[tuple[int, int, int]]:
        return list(zip(idx.tolist(), starts[idx].tolist(), ends[idx].tolist(), strict=True))

    def _outside(self, arr, t1, t2, s, e):
        """True for lines whose POS is a plain number outside every region."""
        np = self.np
        width = t2 - t1 - 1
        j = np.arange(MAX_POS_DIGITS)
        # the MAX_POS_DIGITS bytes that end where POS ends, right-aligned; bytes before POS masked
        digits = arr[np.maximum(t2[:, None] - MAX_POS_DIGITS + j, 0)].astype(np.int16) - 48
        in_field = j[None, :] >= (MAX_POS_DIGITS - width)[:, None]
        plain = (((digits >= 0) & (digits <= 9)) | ~in_field).all(axis=1)
        plain &= (width >= 1) & (width <= MAX_POS_DIGITS)
        digits[~in_field] = 0
        pos = (digits.astype(np.float64) @ self.pow10).astype(np.int64)  # exact: < 2**53
        i = np.searchsorted(s, pos, side="right") - 1
        outside = (i < 0) | (pos > e[np.maximum(i, 0)])
        return plain & outside

    def _lines_with_end(self, arr, starts, ends):
        """True for lines holding 'END=' or 'LEN=' (SVLEN) anywhere (a record may reach into a region
        from before it)."""
        np = self.np
        hits = np.flatnonzero((((arr[:-3] == 69) & (arr[1:-2] == 78) & (arr[2:-1] == 68))
                               | ((arr[:-3] == 76) & (arr[1:-2] == 69) & (arr[2:-1] == 78))) & (arr[3:] == 61))
        flag = np.zeros(starts.size, dtype=bool)
        flag[np.searchsorted(ends, hits)] = True  # every hit lies before its own line's end
        return flag
