"""Is this index the file's own? A .bai/.csi/.crai is checked against the alignments it serves.

htslib trusts whatever index sits beside a file. An index made for another BAM (a re-run, a copy
renamed by hand) sends region queries to offsets that hold other reads or none, and a region then
comes back short or empty without any error: ERBB2 would read as lost. Here the index's own claims
are read back from the file through it:

- every reference's first record (the .bai/.csi metadata pseudo-bin) is a record of that
  reference, and after the last placed record there is only unplaced data or the end of file;
- sampled chunks of every reference, and every chunk of the bins over the index gene, start at a
  record of that reference whose position falls in the chunk's bin (or a bin inside it: htslib
  moves small bins' chunks into their parent);
- CRAM: each sampled .crai row points at a container on the same reference that spans the row.

Any failure is an InputError naming the index and what to run; a match costs a few dozen seeks.
Index layouts follow the SAM/BAM and CRAM specifications (hts-specs, sections 5 and CRAM 3.1).
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, shown

BAI_MIN_SHIFT, BAI_DEPTH = 14, 5
SAMPLED_CHUNKS_PER_REFERENCE = 2
MAX_REFERENCES_CHECKED = 100
MAX_GENE_CHUNKS = 64
MAX_CRAI_ROWS = 64


def locate_index(path: str, is_cram: bool) -> str | None:
    """The index htslib would load for `path`, in its own search order (.csi before .bai)."""
    stem = os.path.splitext(path)[0]
    names = ([path + ".crai", stem + ".crai"] if is_cram
             else [path + ".csi", stem + ".csi", path + ".bai", stem + ".bai"])
    return next((n for n in names if os.path.isfile(n)), None)


@dataclass
class RefIndex:
    bins: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    # (first record's virtual offset, end of the last, mapped, unmapped) when the index has it
    meta: tuple[int, int, int, int] | None = None


@dataclass
class BinningIndex:
    min_shift: int
    depth: int
    refs: list[RefIndex]

    @property
    def pseudo_bin(self) -> int:
        return ((1 << ((self.depth + 1) * 3)) - 1) // 7 + 1

    def bin_of(self, beg: int, end: int) -> int:
        """The smallest bin holding [beg, end) (SAM spec, reg2bin generalised to CSI)."""
        end -= 1
        shift, offset = self.min_shift, ((1 << (self.depth * 3 + 3)) - 1) // 7
        for level in range(self.depth, 0, -1):
            offset -= 1 << (level * 3)
            if beg >> shift == end >> shift:
                return offset + (beg >> shift)
            shift += 3
        return 0

    def bin_span(self, bin_: int) -> tuple[int, int]:
        """The 1-based closed range of positions bin `bin_` covers."""
        level, first = 0, 0
        while level < self.depth and bin_ >= first + (1 << (level * 3)):
            first += 1 << (level * 3)
            level += 1
        width = 1 << (self.min_shift + (self.depth - level) * 3)
        return (bin_ - first) * width + 1, (bin_ - first + 1) * width

    def bins_over(self, beg: int, end: int) -> list[int]:
        """Every bin that can hold a record overlapping [beg, end)."""
        found, end = [0], end - 1
        shift, offset = self.min_shift + self.depth * 3, 0
        for level in range(1, self.depth + 1):
            offset += 1 << ((level - 1) * 3)
            shift -= 3
            found.extend(range(offset + (beg >> shift), offset + (end >> shift) + 1))
        return found


def _within(bin_: int, outer: int) -> bool:
    """True when `bin_` is `outer` or lies inside it."""
    while bin_ > outer:
        bin_ = (bin_ - 1) >> 3
    return bin_ == outer


class _Reader:
    def __init__(self, data: bytes, name: str) -> None:
        self.data, self.pos, self.name = data, 0, name

    def take(self, fmt: str) -> tuple[Any, ...]:
        try:
            values = struct.unpack_from(fmt, self.data, self.pos)
        except struct.error as exc:
            raise InputError(f"{self.name}: the index ends early at byte {self.pos}; it is truncated or "
                             "not an index (re-index the file)") from exc
        self.pos += struct.calcsize(fmt)
        return values

    def skip(self, n: int) -> None:
        if self.pos + n > len(self.data):
            raise InputError(f"{self.name}: the index ends early at byte {len(self.data)}; it is truncated "
                             "or not an index (re-index the file)")
        self.pos += n

    def count(self, what: str, limit: int) -> int:
        (n,) = self.take("<i")
        if not 0 <= n <= limit:
            raise InputError(f"{self.name}: byte {self.pos - 4}: {n} {what} is impossible; the index "
                             "is damaged (re-index the file)")
        return n


def _index_bytes(name: str) -> bytes:
    """An index file's bytes, decompressed when gzip/BGZF (.csi, .crai)."""
    try:
        with open(name, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from exc
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{name}: the compressed index cannot be read ({exc}); re-index the file") from exc


def _advice(path: str, kind: str) -> str:
    return f"it was made for another file or the {kind} was rewritten; re-index it ('samtools index {path}')"


def read_binning_index(name: str) -> BinningIndex:
    """Parse a .bai or .csi file (a CSI is BGZF-compressed)."""
    raw = _index_bytes(name)
    r = _Reader(raw, name)
    magic = raw[:4]
    r.skip(4)
    if magic == b"BAI\x01":
        min_shift, depth, has_loffset = BAI_MIN_SHIFT, BAI_DEPTH, False
    elif magic == b"CSI\x01":
        min_shift, depth = r.take("<ii")
        r.skip(r.count("bytes of auxiliary data", len(raw)))
        has_loffset = True
        if not (0 < min_shift < 32 and 0 < depth < 10):
            raise InputError(f"{name}: min_shift {min_shift}, depth {depth}: not a usable CSI index")
    else:
        raise InputError(f"{name}: not a BAI or CSI index (starts with {magic!r}); re-index the file")
    index = BinningIndex(min_shift, depth, [])
    n_refs = r.count("references", 1 << 24)
    pseudo = index.pseudo_bin
    limit = len(raw)  # no count can exceed the bytes that hold it
    for _ in range(n_refs):
        ref = RefIndex()
        for _ in range(r.count("bins", limit)):
            (bin_,) = r.take("<I")
            if has_loffset:
                r.skip(8)
            n_chunks = r.count("chunks", limit)
            pairs = r.take(f"<{2 * n_chunks}Q")
            if bin_ == pseudo and n_chunks == 2:
                ref.meta = (pairs[0], pairs[1], pairs[2], pairs[3])
            else:
                ref.bins[bin_] = list(zip(pairs[::2], pairs[1::2], strict=True))
        if not has_loffset:
            r.skip(8 * r.count("linear-index entries", limit))
        index.refs.append(ref)
    return index


@dataclass(frozen=True)
class _Probe:
    offset: int  # virtual file offset
    tid: int
    bin_: int | None  # the bin the record must lie in (None: only the reference is checked)
    what: str


def _spread(items: list, n: int) -> list:
    if len(items) <= n:
        return items
    step = (len(items) - 1) / (n - 1) if n > 1 else 0
    return [items[round(i * step)] for i in range(n)]


def _probes(index: BinningIndex, gene_tid: int, gene_span: tuple[int, int]) -> Iterator[_Probe]:
    with_data = [t for t, ref in enumerate(index.refs) if ref.bins or ref.meta]
    checked = set(_spread(with_data, MAX_REFERENCES_CHECKED)) | {gene_tid}
    for tid in sorted(checked):
        ref = index.refs[tid]
        if ref.meta:
            yield _Probe(ref.meta[0], tid, None, "the first read of {ref} is")
        chunks = [(b, c) for b in sorted(ref.bins) for c in ref.bins[b]]
        for b, (beg, _) in _spread(chunks, SAMPLED_CHUNKS_PER_REFERENCE):
            yield _Probe(beg, tid, b, _bin_words(index, b))
    gene = index.refs[gene_tid]
    over = [(b, c) for b in index.bins_over(*gene_span) if b in gene.bins for c in gene.bins[b]]
    for b, (beg, _) in _spread(over, MAX_GENE_CHUNKS):
        yield _Probe(beg, gene_tid, b, _bin_words(index, b))


def _bin_words(index: BinningIndex, bin_: int) -> str:
    lo, hi = index.bin_span(bin_)
    return f"the reads filed under {{ref}}:{lo:,}-{hi:,} (bin {bin_}) start"


def _record_end(rec: Any) -> int:
    # htslib's bam_endpos: the aligned end, or pos + 1 for unmapped reads and reads without CIGAR
    end = None if rec.is_unmapped else rec.reference_end
    start = max(rec.reference_start, 0)
    return end if end is not None and end > start else start + 1


def check_bam_index(handle: Any, path: str, index_path: str, index: BinningIndex, gene_tid: int,
                    gene_span: tuple[int, int]) -> None:
    """Raise InputError unless `index` (read from `index_path`) describes the BAM open in `handle`."""
    size = os.path.getsize(path)
    advice = _advice(path, "BAM")
    if len(index.refs) != handle.nreferences:
        raise InputError(f"{path}: the index {index_path} covers {len(index.refs)} references but the "
                         f"file's header has {handle.nreferences}; {advice}")

    def mismatch(claim: str, offset: int, found: str) -> InputError:
        return InputError(f"{path}: the index {index_path} does not match the file: it says {claim} at "
                          f"virtual offset {offset}, but there is {found} there; {advice}")

    for probe in _probes(index, gene_tid, gene_span):
        claim = probe.what.format(ref=_ref_name(handle, probe.tid))
        rec = _record_at(handle, probe.offset, size)
        if rec is None or rec is _END:
            raise mismatch(claim, probe.offset, "no read" if rec is None else "the end of the file")
        if rec.reference_id != probe.tid:
            raise mismatch(claim, probe.offset, f"a read of {_ref_name(handle, rec.reference_id)}")
        if probe.bin_ is not None:
            actual = index.bin_of(max(rec.reference_start, 0), _record_end(rec))
            if not _within(actual, probe.bin_):
                raise mismatch(claim, probe.offset,
                               f"a read at {_ref_name(handle, rec.reference_id)}:{rec.reference_start + 1:,}")
    ends = [ref.meta[1] for ref in index.refs if ref.meta]
    if ends:
        rec = _record_at(handle, max(ends), size)
        claim = "the reads placed on a reference end"
        if rec is None:
            raise mismatch(claim, max(ends), "no read")
        if rec is not _END and rec.reference_id >= 0:
            raise mismatch(claim, max(ends), f"a read of {_ref_name(handle, rec.reference_id)}")


def _ref_name(handle: Any, tid: int) -> str:
    return shown(handle.get_reference_name(tid), bare=True) if 0 <= tid < handle.nreferences else "no reference"


_END = object()  # the end of the file was reached


def _record_at(handle: Any, offset: int, size: int) -> Any:
    """The record at a virtual offset, _END at the end of the file, None when the bytes are not one."""
    if (offset >> 16) >= size:
        return None
    try:
        handle.seek(offset)
        return next(handle, _END)
    except (OSError, ValueError):
        return None


def check_cram_index(path: str, index_path: str, n_refs: int) -> None:
    """Raise InputError unless sampled .crai rows point at matching containers in the CRAM."""
    rows = [line.split(b"\t") for line in _index_bytes(index_path).splitlines() if line.strip()]
    advice = _advice(path, "CRAM")
    parsed = []
    for n, row in enumerate(rows, 1):
        try:
            seq_id, start, span, offset = (int(x) for x in row[:4])
            if len(row) != 6:
                raise ValueError
        except ValueError as exc:
            raise InputError(f"{index_path}:{n}: expected 6 numeric columns of a .crai row") from exc
        parsed.append((n, seq_id, start, span, offset))
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        for n, seq_id, start, span, offset in _spread(parsed, MAX_CRAI_ROWS):
            if seq_id >= n_refs:
                raise InputError(f"{index_path}:{n}: reference #{seq_id} but the CRAM has {n_refs}; {advice}")
            head = _container_header(fh, offset, size)
            if head is None:
                raise InputError(f"{path}: the index {index_path} does not match the file: row {n} points at "
                                 f"byte {offset}, which is not a container; {advice}")
            c_ref, c_start, c_span = head
            if c_ref == -2 or seq_id < 0:
                continue  # multi-reference container or unplaced reads: the row cannot be checked by span
            if c_ref != seq_id or start < c_start or start + span > c_start + c_span:
                raise InputError(f"{path}: the index {index_path} does not match the file: row {n} "
                                 f"(reference #{seq_id}, {start}+{span}) points at a container of reference "
                                 f"#{c_ref} at {c_start}+{c_span}; {advice}")


def _container_header(fh: Any, offset: int, size: int) -> tuple[int, int, int] | None:
    if not 26 <= offset < size - 4:
        return None
    fh.seek(offset)
    buf = fh.read(64)
    try:
        (length,) = struct.unpack_from("<i", buf, 0)
        pos = 4
        ref, pos = _itf8(buf, pos)
        start, pos = _itf8(buf, pos)
        span, pos = _itf8(buf, pos)
    except (IndexError, struct.error):
        return None
    if length <= 0 or offset + length > size:
        return None
    if ref >= 0x80000000:
        ref -= 1 << 32
    return ref, start, span


def _itf8(buf: bytes, pos: int) -> tuple[int, int]:
    """One ITF8 integer (CRAM's variable-length int32) and the position after it."""
    b0 = buf[pos]
    if b0 < 0x80:
        return b0, pos + 1
    if b0 < 0xC0:
        return ((b0 & 0x3F) << 8) | buf[pos + 1], pos + 2
    if b0 < 0xE0:
        return ((b0 & 0x1F) << 16) | (buf[pos + 1] << 8) | buf[pos + 2], pos + 3
    if b0 < 0xF0:
        return ((b0 & 0x0F) << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3], pos + 4
    value = (b0 & 0x0F) << 28 | buf[pos + 1] << 20 | buf[pos + 2] << 12 | buf[pos + 3] << 4
    return value | (buf[pos + 4] & 0x0F), pos + 5
