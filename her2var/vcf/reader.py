"""Reading VCF/BCF files: header, records, index jumps, and errors that name file and line.

htslib (through pysam) handles BGZF, BCF and index queries. The record text itself is
split here, typed by the header, because the htslib readers quietly change exactly what a
clinical reader must notice: undeclared fields are auto-declared with a warning, ``CIPOS=(a,b)``
becomes ``None``, Number=. strings are split on commas, and errors carry no line number.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import logging
import os
import re
import zlib
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from typing import Any

from .. import limits
from ..errors import InputError, plain_int, shown
from ..files import Seen, check_unchanged, input_path, read_at_most
from ..models import FieldDef, Record, Region, VcfHeader
from . import scan as vcf_scan
from .header import parse_header_lines

log = logging.getLogger(__name__)

# The empty block htslib ends every BGZF file with; without it the file was cut at a block edge.
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_BASES = re.compile(r"[ACGTN]+")
_LINE_END = re.compile(r"\r\n|\r|\n")
# How far before a region a record is looked for that reaches into it by its SVLEN alone (see
# VcfReader._reaching_in): larger than the deletions and duplications that SV callers report over a gene.
SVLEN_REACH = 10_000_000
_ALT = re.compile(r"[ACGTN]+|\*|<[^<>]+>|.*[\[\]].*|\.[ACGTN]+|[ACGTN]+\.")  # bases, *, <ID>, breakends


def parse_record(line: str, path: str, lineno: int | None, n_samples: int) -> Record:
    """Split one data line. Checks only the shape; field meaning is checked by ``validate``."""
    cols = line.split("\t")
    place = f"{path}:{lineno}" if lineno is not None else path
    if len(cols) < 8:
        raise InputError(
            f"{place}: {len(cols)} tab-separated columns, expected at least 8 "
            "(CHROM POS ID REF ALT QUAL FILTER INFO)"
        )
    expected = 8 if n_samples == 0 else 9 + n_samples
    if len(cols) != expected:
        raise InputError(
            f"{place}: {len(cols)} columns, expected {expected} for "
            f"{n_samples} sample(s) declared in the #CHROM line"
        )
    chrom, pos_s, vid, ref, alt, qual, filt, info_s = cols[:8]
    if plain_int(pos_s) is None:
        raise InputError(f"{place}: POS {shown(pos_s)} is not a positive integer")
    info: dict[str, str | None] = {}
    if info_s not in (".", ""):
        for item in info_s.split(";"):
            if not item:
                continue
            k, sep, v = item.partition("=")
            info.setdefault(k, v if sep else None)
    fmt_keys = cols[8].split(":") if n_samples else []
    sample_values = [c.split(":") for c in cols[9:]]
    return Record(
        path=path, line=lineno, chrom=chrom, pos=int(pos_s), id=vid, ref=ref.upper(),
        alts=[] if alt in (".", "") else alt.split(","), qual=qual,
        filters=[] if filt in (".", "") else filt.split(";"), info=info,
        format_keys=fmt_keys, sample_values=sample_values,
    )


def validate(record: Record, header: VcfHeader) -> None:
    """Check a record's fields against the header: declared, and the right count per allele."""
    if not _BASES.fullmatch(record.ref):
        raise InputError(
            f"{record.where}: REF {shown(record.ref)} is not a DNA sequence (expected A, C, G, T or N)"
        )
    for i, alt in enumerate(record.alts, 1):
        if not _ALT.fullmatch(alt.upper()):
            raise InputError(
                f"{record.where}: ALT allele {i} {shown(alt)} is not a DNA sequence, '*', a symbolic "
                "allele like <DUP> or a breakend"
            )
    for key, value in record.info.items():
        fd = header.info.get(key)
        if fd is None:
            raise InputError(
                f"{record.where}: INFO/{shown(key, bare=True)} is used but not declared in the header "
                "(expected a ##INFO=<ID=...> line declaring it)"
            )
        _check_count(record, fd, value, f"INFO/{shown(key, bare=True)}")
    for key in record.format_keys:
        fd = header.format.get(key)
        if fd is None:
            raise InputError(
                f"{record.where}: FORMAT/{shown(key, bare=True)} is used but not declared in the header "
                "(expected a ##FORMAT=<ID=...> line declaring it)"
            )
        for values in record.sample_values:
            k = record.format_keys.index(key)
            if k < len(values):
                _check_count(record, fd, values[k], f"FORMAT/{shown(key, bare=True)}")


def _check_count(record: Record, fd: FieldDef, value: str | None, label: str) -> None:
    if value is None or value == "." or fd.type == "Flag":
        return
    n_alt = len(record.alts)
    expected = {"A": n_alt, "R": n_alt + 1}.get(fd.number)
    if expected is None or n_alt == 0:
        return
    got = value.count(",") + 1
    if got != expected:
        raise InputError(
            f"{record.where}: {label} has {got} value(s) for {n_alt} ALT allele(s) "
            f"(Number={fd.number} expects {expected})"
        )


def _merge_spans(regions: Iterable[Region], pad: int) -> dict[str, tuple[list[int], list[int]]]:
    """Per contig, sorted non-overlapping (starts, ends) of the regions widened by pad."""
    by_chrom: dict[str, list[tuple[int, int]]] = {}
    for r in regions:
        by_chrom.setdefault(r.chrom, []).append((r.start - pad, r.end + pad))
    out = {}
    for chrom, spans in by_chrom.items():
        spans.sort()
        starts: list[int] = []
        ends: list[int] = []
        for s, e in spans:
            if starts and s <= ends[-1] + 1:
                ends[-1] = max(ends[-1], e)
            else:
                starts.append(s)
                ends.append(e)
        out[chrom] = (starts, ends)
    return out


def _sniff(path: str, real: str | None = None) -> str:
    """Return 'bgzf', 'gzip', 'bcf' or 'text' from the first bytes of a file (``real``: where its
    bytes are, when not at ``path``: a pipe's copy)."""
    real = real or path
    with open(real, "rb") as fh:
        head = fh.read(18)
    if not head:
        raise InputError(f"{path}: the file is empty (expected a VCF or BCF file)")
    if head[:2] == b"\x1f\x8b":
        # BGZF blocks carry a 'BC' extra subfield; BCF is BGZF whose content starts with 'BCF'.
        try:
            with gzip.open(real, "rb") as gz:
                magic = gz.read(9)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{path}: the compressed file cannot be read ({exc})") from exc
        kind = "bcf" if magic[:3] == b"BCF" else "bgzf" if head[12:14] == b"BC" else "gzip"
        if kind == "bcf" and len(magic) == 9:  # htslib allocates the header's declared length at once
            declared = int.from_bytes(magic[5:9], "little")
            most = limits.current().max_header_bytes
            if declared > most:
                try:  # how much there is (at most the limit): a cut or garbage file holds far less
                    with gzip.open(real, "rb") as gz:
                        held = len(read_at_most(gz, most + 9)) - 9
                except (OSError, EOFError, zlib.error):
                    held = -1
                if held < most:
                    raise InputError(f"{path}: the BCF header declares {declared:,} bytes but the file holds fewer: "
                                     "it is truncated or corrupt")
                raise InputError(f"{path}: the BCF header declares {declared:,} bytes, more than {most:,} "
                                 f"{limits.exceeded('max_header_bytes')}")
        if kind != "gzip":
            with open(real, "rb") as fh:
                fh.seek(max(0, os.path.getsize(real) - len(BGZF_EOF)))
                if fh.read() != BGZF_EOF:
                    raise InputError(
                        f"{path}: the BGZF end-of-file marker is missing: the file is truncated (records "
                        "may be lost); copy or compress it again (bgzip)"
                    )
        return kind
    if head[:3] == b"BCF":
        return "bcf"
    return "text"


def _open_bcf(path: str, real: str | None = None) -> Any:
    """A BCF opened through pysam (htslib decodes it; each record is turned back into its VCF text,
    the one record model the rest of her2var reads). ``real``: where its bytes are (a pipe's copy)."""
    import pysam

    try:
        return pysam.VariantFile(real or path, "rb")
    except (OSError, ValueError) as exc:  # a broken BCF header
        raise InputError(f"{path}: the BCF file cannot be read ({shown(exc, 200, bare=True)})") from exc


def _close_bcf(vcf: Any) -> None:
    # After a read error htslib's close fails too; that second error must not replace the first.
    with contextlib.suppress(OSError):
        vcf.close()


def _bcf_iter(path: str, variants: Iterable) -> Iterator[str]:
    """The VCF text of each BCF record; htslib's error on a broken record becomes an InputError."""
    it = iter(variants)
    while True:
        try:
            v = next(it)
        except StopIteration:
            return
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: a BCF record cannot be read ({shown(exc, 200, bare=True)}); the file is "
                             "truncated or corrupt") from exc
        yield str(v).rstrip("\n")


_BGZF_HEAD = b"\x1f\x8b\x08\x04"


def _bgzf_blocks(data: bytes, first: int) -> list[tuple[int, int]] | None:
    """The (start, end) of each BGZF block from ``first`` to the end of ``data``, by the block
    sizes in their headers; None unless every block is as bgzip and htslib write them (one 'BC'
    extra field, at most 64 KB inflated) and the last ends exactly where ``data`` ends."""
    blocks = []
    pos, n = first, len(data)
    while pos < n:
        if data[pos:pos + 4] != _BGZF_HEAD or data[pos + 10:pos + 16] != b"\x06\x00BC\x02\x00":
            return None
        end = pos + int.from_bytes(data[pos + 16:pos + 18], "little") + 1
        if end > n or end - pos < len(BGZF_EOF) or int.from_bytes(data[end - 4:end], "little") > 65536:
            return None
        blocks.append((pos, end))
        pos = end
    return blocks


def _last_line_of_tail_blocks(data: bytes, most: int) -> tuple[bool, str | None]:
    """What _last_record's scan finds, from the last blocks only: inflating every block of the
    window (all of a small file: 0.6 ms of the 5 ms a panel VCF costs) is needed only where the
    last line is long. The window's blocks, from its first gzip magic (the file's start, or a
    block starting inside a large file's window), are found by the sizes in their headers, then
    inflated from the end until the text after them holds a line end: that text ends the text
    the scan inflates, so its last line is the same. The scan's other outcomes are kept: a block
    that does not inflate makes every start before it fail, so the scan starts after it, where no
    line end is (None); a block inflating beyond ``most`` stops the scan (None). One case differs:
    a block ahead of those inflated that claims at most 64 KB but inflates beyond ``most`` (a false
    gzip trailer; no bgzip writes one) stopped the scan, and is not inflated now.

    Returns (True, the last line or None), or (False, None) when the scan must decide: the window
    is not a chain of well-formed blocks, or a block's deflate data does not end where its header
    says."""
    first = data.find(_BGZF_HEAD)
    blocks = _bgzf_blocks(data, first) if first >= 0 else None
    if not blocks:
        return False, None
    pieces: list[bytes] = []
    text = b""
    for start, end in reversed(blocks):
        d = zlib.decompressobj(31)
        try:
            out = d.decompress(data[start:end], most)
        except zlib.error:
            return True, None
        if d.unconsumed_tail:
            return True, None
        if not d.eof or d.unused_data:
            return False, None
        pieces.append(out)
        text = b"".join(reversed(pieces)).rstrip(b"\r\n")
        if b"\n" in text:
            break
    else:
        if first > 0:
            return True, None
    last = text.rsplit(b"\n", 1)[-1].decode("utf-8", "replace").rstrip("\r")
    return True, (None if last.startswith("#") or not last else last)


def _last_record(path: str) -> str | None:
    """The last data line of a BGZF file, read from its last blocks only (None: no records)."""
    size = os.path.getsize(path)
    window = 4 * 65536
    with open(path, "rb") as fh:
        fh.seek(max(0, size - window))
        data = fh.read()
    sure, last = _last_line_of_tail_blocks(data, 4 * window)
    if sure:
        return last
    for start in (i for i in range(len(data) - 3) if data[i:i + 4] == b"\x1f\x8b\x08\x04"):
        out, rest = [], data[start:]
        try:
            while rest:
                d = zlib.decompressobj(31)
                out.append(d.decompress(rest, 4 * window))
                if d.unconsumed_tail:
                    return None  # inflates far beyond BGZF blocks: not checked here (the stream is read)
                rest = d.unused_data
        except zlib.error:
            continue  # the magic bytes appeared inside compressed data: try the next start
        text = b"".join(out).rstrip(b"\r\n")
        if b"\n" not in text and start > 0:
            return None  # a line longer than the window: no check possible
        last = text.rsplit(b"\n", 1)[-1].decode("utf-8", "replace").rstrip("\r")
        return None if last.startswith("#") or not last else last
    return None


def _index_path(path: str) -> str | None:
    for ext in (".tbi", ".csi"):
        if os.path.isfile(path + ext):  # a link to a device or a pipe is no index (and is never read)
            return path + ext
    return None


class VcfReader:
    """A VCF or BCF file: its header and its records, all or by region.

    Plain text, gzip, BGZF (with a .tbi/.csi index to jump to regions) and BCF are accepted.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)  # as messages and results name it
        # where its bytes are: the file itself, or the copy of what a pipe gave (files.input_path)
        self.real = input_path(self.path, what="a VCF or BCF file")
        if os.path.isdir(self.real):
            raise InputError(f"{self.path}: is a folder, expected a VCF file")
        if not os.access(self.real, os.R_OK):
            raise InputError(f"{self.path}: cannot be read (permission denied)")
        self.opened = os.stat(self.real)  # the file as it was when reading began
        self.kind = _sniff(self.path, self.real)
        self.index = _index_path(self.real) if self.kind in ("bgzf", "bcf") else None
        self._sha256: str | None = None  # of the bytes a whole pass read (_stream)
        self.header = self._read_header()

    # -- header ---------------------------------------------------------------------------
    def _read_header(self) -> VcfHeader:
        if self.kind == "bcf":
            return parse_header_lines(self._bcf_header_lines(), self.path)
        lines: list[str] = []
        size = 0
        most = limits.current().max_header_bytes
        seen = Seen()
        try:
            with contextlib.closing(vcf_scan.lines(self.real, self.kind != "text", name=self.path,
                                                   seen=seen)) as raw_lines:
                for raw in raw_lines:
                    line = raw.decode("utf-8", "replace")
                    if not line.startswith("#"):
                        break
                    size += len(raw) + 1
                    if size > most:
                        raise InputError(f"{self.path}:{len(lines) + 1}: the header (## lines and #CHROM) is "
                                         f"longer than {most:,} bytes {limits.exceeded('max_header_bytes')}")
                    lines.append(line)
                    if line.startswith("#CHROM"):
                        break
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(
                f"{self.path}:{len(lines) + 1}: the compressed file is truncated or corrupt ({exc})"
            ) from exc
        if not lines:
            raise InputError(
                f"{self.path}:1: not a VCF file: expected '##fileformat=VCFv4.x' as the first line"
            )
        if seen.lone_cr and self.index is not None:
            # tabix splits lines at '\n' only: through the index, CR-only lines would read as one
            log.warning("%s: lines end in a carriage return only (old Mac text): read whole, without the "
                        "index %s", self.path, self.index)
            self.index = None
        return parse_header_lines(lines, self.path)

    def _bcf_header_lines(self) -> list[str]:
        vcf = _open_bcf(self.path, self.real)
        text = str(vcf.header)
        _close_bcf(vcf)
        return [ln for ln in _LINE_END.split(text) if ln]  # not splitlines: U+2028 in a Description ends no line

    # -- what was read ----------------------------------------------------------------------
    def sha256(self) -> str:
        """The SHA-256 of the file's bytes as read: taken during a whole pass over it (``records``
        without an index), else of the whole file now. Either way the file must not have changed
        since reading began (a file cut, rewritten or still being written while it was read would
        give a result of bytes that no longer exist): that is an InputError."""
        if self._sha256 is None:
            h = hashlib.sha256()
            read = 0
            with open(self.real, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
                    read += len(chunk)
            self._unchanged(read)
            self._sha256 = h.hexdigest()
        return self._sha256

    def _unchanged(self, read: int) -> None:
        """An InputError when the file is not what it was when reading began (files.check_unchanged)."""
        check_unchanged(self.path, self.real, self.opened, read)

    def raw_lines(self) -> Iterator[tuple[str, str]]:
        """Every line as ('header', text) or ('record', text), without line endings."""
        if self.kind == "bcf":
            for line in self._bcf_header_lines():
                yield "header", line
            vcf = _open_bcf(self.path, self.real)
            try:
                for text in _bcf_iter(self.path, vcf):
                    yield "record", text
            finally:
                _close_bcf(vcf)
            return
        try:
            for lineno, raw in enumerate(vcf_scan.lines(self.real, self.kind != "text", name=self.path), 1):
                line = raw.decode("utf-8", "replace")
                if lineno <= self.header.n_lines:
                    yield "header", line
                elif line:
                    yield "record", line
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self.path}: the compressed file is truncated or corrupt ({exc})") from exc

    # -- records --------------------------------------------------------------------------
    def records(self, regions: Iterable[Region] | None = None) -> Iterator[Record]:
        """Records overlapping ``regions`` (all records when None), in file order per region."""
        regions = list(regions) if regions is not None else None
        if regions is not None and self.index is not None:
            yield from self._indexed(regions)
        elif self.kind == "bcf":
            yield from self._bcf_stream(regions)
        else:
            yield from self._stream(regions)

    def _stream(self, regions: list[Region] | None) -> Iterator[Record]:
        """Every line is looked at (a shape check), only lines that may be in the regions are parsed."""
        n_samples, n_header = len(self.header.samples), self.header.n_lines
        compressed = self.kind in ("bgzf", "gzip")
        lineno = 0
        seen = Seen()
        try:
            if regions is None:
                for lineno, raw in enumerate(vcf_scan.lines(self.real, compressed, name=self.path, seen=seen), 1):
                    line = raw.decode("utf-8", "replace")
                    if lineno > n_header and line:
                        yield parse_record(line, self.path, lineno, n_samples)
            else:
                # decompressed in a background thread (vcf_scan.chunks), which starts at once: while
                # the prefilter is set up here, and then a few pieces ahead of it
                pieces = vcf_scan.chunks(self.real, compressed, name=self.path, seen=seen, ahead=vcf_scan.AHEAD)
                with contextlib.closing(pieces):
                    merged = {c.encode(): v for c, v in _merge_spans(regions, pad=1000).items()}
                    # records may span into a region from before it (END, or a symbolic allele's SVLEN)
                    may_end = "END" in self.header.info or "SVLEN" in self.header.info
                    scan = vcf_scan.RegionFilter(merged, may_end)
                    with contextlib.closing(vcf_scan.filtered(pieces, scan, vcf_scan.FILTER_AHEAD)) as looked_at:
                        for buf, n, kept in looked_at:
                            for i, lo, hi in kept:
                                if lineno + i + 1 > n_header:
                                    rec = self._in_regions(buf[lo:hi], lineno + i + 1, merged, may_end, regions)
                                    if rec is not None:
                                        yield rec
                            lineno += n
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(
                f"{self.path}:{lineno + 1}: the compressed file is truncated or corrupt ({exc})"
            ) from exc
        self._unchanged(seen.raw_bytes)  # the whole file was read: these are the bytes a result is of
        self._sha256 = seen.sha256.hexdigest()

    def _in_regions(self, raw: bytes, lineno: int, merged: dict[bytes, tuple[list[int], list[int]]],
                    may_end: bool, regions: list[Region]) -> Record | None:
        """The record on this line when it overlaps a region; a malformed line is an error."""
        n_samples = len(self.header.samples)
        tab = raw.find(b"\t")
        spans = merged.get(raw[:tab]) if tab > 0 else None
        if spans is None:
            if raw.count(b"\t") < 7 and raw.strip():
                parse_record(raw.decode("utf-8", "replace").rstrip("\r"), self.path, lineno, n_samples)
            return None
        tab2 = raw.find(b"\t", tab + 1)
        try:
            pos = int(raw[tab + 1:tab2]) if tab2 > 0 else -1
        except ValueError:
            pos = -1  # parse_record below names the problem
        if pos >= 0 and raw.count(b"\t") >= 7:
            starts, ends = spans
            i = bisect_right(starts, pos) - 1
            if (i < 0 or pos > ends[i]) and not (may_end and (b"END=" in raw or b"SVLEN=" in raw)):
                return None
        rec = parse_record(raw.decode("utf-8", "replace").rstrip("\r"), self.path, lineno, n_samples)
        if any(r.chrom == rec.chrom and rec.pos <= r.end and rec.end >= r.start for r in regions):
            return rec
        return None

    def _indexed(self, regions: list[Region]) -> Iterator[Record]:
        n_samples = len(self.header.samples)
        if self.kind == "bcf":
            vcf = _open_bcf(self.path, self.real)
            try:
                def bcf_fetch(chrom: str, start: int, end: int) -> Iterator[str]:
                    try:
                        found = vcf.fetch(chrom, start, end)
                    except (OSError, ValueError) as exc:
                        raise InputError(f"{self.path}: the index cannot be used for {shown(chrom, bare=True)} "
                                         f"({shown(exc, 200, bare=True)}); re-index it (bcftools index)") from exc
                    yield from _bcf_iter(self.path, found)

                yield from self._fetched(regions, set(vcf.header.contigs), bcf_fetch, n_samples)
            finally:
                _close_bcf(vcf)
            return
        import pysam

        try:
            tbx = pysam.TabixFile(self.real, index=self.index)
        except (OSError, ValueError) as exc:
            raise InputError(f"{self.path}: the index {self.index} cannot be used "
                             f"({shown(exc, 200, bare=True)})") from exc
        try:
            contigs = set(tbx.contigs)
            self._check_index(tbx, contigs)

            def tabix_fetch(chrom: str, start: int, end: int) -> Iterator[str]:
                try:
                    for line in tbx.fetch(chrom, start, end):
                        yield line.rstrip("\r")
                except (OSError, ValueError) as exc:
                    raise InputError(
                        f"{self.path}: reading {chrom}:{start + 1}-{end} through the index "
                        f"failed ({shown(exc, 200, bare=True)}); the file or its index is corrupt"
                    ) from exc

            yield from self._fetched(regions, contigs, tabix_fetch, n_samples)
        finally:
            tbx.close()

    def _fetched(self, regions: list[Region], contigs: set[str], fetch: Any, n_samples: int) -> Iterator[Record]:
        """Each region's records through the index (``fetch(chrom, start0, end)`` gives record texts),
        in file order, with the records that only an SVLEN makes reach into it (_reaching_in). A
        record over two regions is given once, for the first of them, as a reading of the whole
        file gives it once."""
        reaching = self._reaching_in(regions, contigs, fetch, n_samples)
        given: set[str] = set()  # records reaching out of the regions they were given for
        for i, r in enumerate(regions):
            if r.chrom not in contigs:
                continue
            shared = any(o.chrom == r.chrom and o.start <= r.end and o.end >= r.start
                         for j, o in enumerate(regions) if j != i)  # regions overlapping each other
            found: Iterable[tuple[str, Record]] = ((text, parse_record(text, self.path, None, n_samples))
                                                   for text in fetch(r.chrom, r.start - 1, r.end))
            before = [(text, rec) for text, rec in reaching.get(r.chrom, ()) if rec.pos < r.start <= rec.end]
            if before:  # (rare) merged in file order, less those an indexer reading SVLEN gave already
                found = list(found)
                known = {text for text, _ in found}
                before = [(text, rec) for text, rec in before if text not in known]
                found = sorted(before + found, key=lambda tr: tr[1].pos)
            now = []
            for text, rec in found:
                if text in given:
                    continue  # given for an earlier region (a record over both)
                if shared or rec.pos < r.start or rec.end > r.end:
                    now.append(text)
                yield rec
            given.update(now)

    def _reaching_in(self, regions: list[Region], contigs: set[str], fetch: Any,
                     n_samples: int) -> dict[str, list[tuple[str, Record]]]:
        """Records that start up to SVLEN_REACH before a region and reach into it by their SVLEN
        alone (no END), per contig. An index records where each record ends as its indexer read
        it: htslib before 1.18 (and tools built on it: Debian's tabix and bcftools, for one) reads
        END only, so such a record is not returned for a region it reaches into. Looked for only
        when the header declares SVLEN; each stretch before the regions is read once."""
        if "SVLEN" not in self.header.info:
            return {}
        spans: dict[str, list[list[int]]] = {}
        for r in sorted(regions, key=lambda r: (r.chrom, r.start)):
            if r.chrom not in contigs:
                continue
            lo, hi = max(r.start - 1 - SVLEN_REACH, 0), r.start - 1
            merged = spans.setdefault(r.chrom, [])
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        out: dict[str, list[tuple[str, Record]]] = {}
        for chrom, stretches in spans.items():
            for lo, hi in stretches:
                for text in fetch(chrom, lo, hi):
                    if "SVLEN=" not in text:
                        continue
                    rec = parse_record(text, self.path, None, n_samples)
                    if "END" not in rec.info and rec.end > rec.pos:
                        out.setdefault(chrom, []).append((text, rec))
        return out

    def _check_index(self, tbx, contigs: set[str]) -> None:
        """An index made for another file (or before the file was rewritten) would silently
        return nothing: the file's last record must be found through it."""
        last = _last_record(self.real)
        if last is None:
            return
        cols = last.split("\t", 2)
        if len(cols) < 2 or plain_int(cols[1]) is None:
            return  # a malformed last line is reported when it is read
        chrom, pos = cols[0], int(cols[1])
        found = False
        if chrom in contigs:
            try:
                found = any(line.rstrip("\r") == last for line in tbx.fetch(chrom, max(pos - 1, 0), pos + 1))
            except (OSError, ValueError):
                found = False
        if not found:
            raise InputError(
                f"{self.path}: the index {self.index} does not match the file (its last record, "
                f"{shown(chrom, bare=True)}:{pos}, is not found through it); rebuild it with: tabix -p vcf {self.path}"
            )

    def _bcf_stream(self, regions: list[Region] | None) -> Iterator[Record]:
        n_samples = len(self.header.samples)
        vcf = _open_bcf(self.path, self.real)
        try:
            for text in _bcf_iter(self.path, vcf):
                rec = parse_record(text, self.path, None, n_samples)
                if regions is None or any(r.chrom == rec.chrom and rec.pos <= r.end and rec.end >= r.start
                                          for r in regions):
                    yield rec
        finally:
            _close_bcf(vcf)
