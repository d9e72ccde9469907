"""One pass over a MAF's rows: every row checked, the rows in the regions read kept.

A GENIE release has a million rows or more, of which a few percent lie in the genes her2var
reads, so this loop is what a MAF costs. It works on bytes, splits each line only up to the last
column it reads, checks positions as digits, and checks each distinct combination of the cells
checked by their value alone (chromosome, Variant_Classification, Variant_Type, the alleles,
NCBI_Build: a row's ``signature``) once, remembering it. Only kept rows are decoded and split whole
(MafReader.row). A loop over blocks of lines with ``map`` was tried and was slower: it keeps
tens of thousands of small lists alive at once, and the garbage collector walks them.
"""

from __future__ import annotations

import operator
import zlib
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import NoReturn, Protocol

from ..errors import InputError, shown

_MAX_CACHED = 100_000  # distinct values remembered as checked (memory stays bounded)


class _Header(Protocol):
    @property
    def index(self) -> Mapping[str, int]: ...

    @property
    def columns(self) -> tuple[str, ...]: ...

    @property
    def line(self) -> int: ...


class Reader(Protocol):
    """What the scan needs of its reader (maf.reader.MafReader): the header, and the checks and
    errors of a cell, which it owns."""

    path: str
    builds: dict[str, int]

    @property
    def header(self) -> _Header: ...

    def fail(self, lineno: int, line: bytes | str, i: int, problem: str | None = None) -> NoReturn: ...

    def check(self, lineno: int, line: bytes, i: int, *, empty_ok: bool = False) -> None: ...

    def check_signature(self, lineno: int, line: bytes, by_value: tuple[int, ...]) -> str: ...

    def text(self, lineno: int, value: bytes) -> str: ...

    def position(self, lineno: int, line: bytes, i: int) -> int | None: ...


class RowScan:
    """The state of one pass: the columns read, what was checked already, the samples met."""

    def __init__(self, reader: Reader, spans: Mapping[str, Sequence[tuple[int, int]]],
                 genes: Collection[str]) -> None:
        self.reader = reader
        self.spans = spans
        self.wanted = frozenset(g.upper() for g in genes)
        ix = reader.header.index
        self.n = len(reader.header.columns)
        self.i_s, self.i_c, self.i_st = ix["tumor_sample_barcode"], ix["chromosome"], ix["start_position"]
        self.i_e, self.i_h, self.i_b = ix.get("end_position", -1), ix.get("hugo_symbol", -1), ix.get("ncbi_build", -1)
        vt, vc = ix.get("variant_type", -1), ix.get("variant_classification", -1)
        self.by_value = tuple(i for i in (self.i_c, vc, vt, ix["reference_allele"], ix["tumor_seq_allele2"], self.i_b)
                              if i >= 0)
        self.last = max(self.i_s, self.i_st, self.i_e, self.i_h, *self.by_value)
        self.good: dict[tuple[bytes, ...], str] = {}  # signature -> the chromosome's contig key
        self.samples: dict[bytes, int] = {}  # barcode -> first line, in the order met
        self.named: dict[bytes, bool] = {}  # Hugo_Symbol cell -> in genes

    def kept(self, lines: Iterable[bytes], first: int) -> Iterator[tuple[int, bytes, str]]:
        """(line number, line, contig key) of each kept row of ``lines`` (numbered from ``first``),
        every row checked on the way (raising the error of the first bad cell)."""
        r = self.reader
        n, i_s, i_st, i_e, i_h = self.n, self.i_s, self.i_st, self.i_e, self.i_h
        last, spans, samples, good, named = self.last, self.spans, self.samples, self.good, self.named
        signature_of = operator.itemgetter(*self.by_value, self.i_c)  # a tuple, even of one column
        strip_end = last >= n - 1  # the last column is read: its cell must lose the line end
        lineno = first - 1
        try:
            for lineno, line in enumerate(lines, first):
                if strip_end:
                    line = line.rstrip(b"\r\n")
                if line[:1] in (b"#", b"\n", b"\r", b""):
                    continue
                tabs = line.count(b"\t")
                if tabs != n - 1 and (tabs < n - 1 or line.rstrip(b"\t\r\n").count(b"\t") > n - 1):
                    if not line.strip():
                        continue
                    raise InputError(f"{r.path}:{lineno}: {tabs + 1} tab-separated cells, but the header "
                                     f"(line {r.header.line}) has {n} columns: the row does not match the header")
                cols = line.split(b"\t", last + 1)
                sample = cols[i_s]
                if sample not in samples:
                    if not sample.strip():
                        if not line.strip():
                            continue
                        r.fail(lineno, line, i_s, "is empty; every row needs the tumour sample's id")
                    samples[sample] = lineno
                start = cols[i_st]
                if not start.isdigit() or start[0] == 48:  # b"0...": no position 0, no leading zero
                    r.check(lineno, line, i_st)
                if i_e >= 0:
                    end = cols[i_e]
                    if not end.isdigit() or end[0] == 48:
                        r.check(lineno, line, i_e, empty_ok=True)
                sig = signature_of(cols)
                key = good.get(sig)
                if key is None:
                    key = self._signature(lineno, line, sig)
                keep = False
                intervals = spans.get(key)
                if intervals is not None:
                    p = int(start) if start.isdigit() else r.position(lineno, line, i_st) or 0
                    e = (int(end) if end.isdigit() else r.position(lineno, line, i_e)) if i_e >= 0 else None
                    lo, hi = (p, p) if e is None else (min(p, e), max(p, e))
                    for a, b in intervals:
                        if hi >= a and lo <= b:
                            keep = True
                            break
                if not keep and i_h >= 0:
                    hugo = cols[i_h]
                    kept = named.get(hugo)
                    keep = self._name(lineno, hugo) if kept is None else kept
                if keep:
                    yield lineno, line, key
        except (OSError, EOFError, zlib.error) as exc:  # a compressed file cut short or corrupt
            raise InputError(f"{r.path}: the compressed data is truncated or corrupt (after line {lineno}; "
                             f"{shown(exc, 120, bare=True)})") from exc

    def _signature(self, lineno: int, line: bytes, sig: tuple[bytes, ...]) -> str:
        """Check a new signature on its first line; remember it, and the line of its NCBI_Build."""
        key = self.reader.check_signature(lineno, line, self.by_value)
        if len(self.good) < _MAX_CACHED:
            self.good[sig] = key
        if self.i_b >= 0:
            build = self.reader.text(lineno, sig[self.by_value.index(self.i_b)]).strip()
            self.reader.builds.setdefault(build, lineno)
        return key

    def _name(self, lineno: int, hugo: bytes) -> bool:
        """Whether a Hugo_Symbol cell names a gene read (remembered)."""
        keep = self.reader.text(lineno, hugo).strip().upper() in self.wanted
        if len(self.named) < _MAX_CACHED:
            self.named[hugo] = keep
        return keep
