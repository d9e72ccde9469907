"""Is a file a MAF? The header sniff classify runs on every input, kept apart from the reader
(maf/reader.py) so that a VCF run never imports the MAF reader."""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterator, Sequence

from ..files import GZIP_MAGIC, input_path

LINE_ENDS = re.compile(r"\r\n|\r|\n")  # as the rows are read (files.text_lines)


def split_header(line: str) -> list[str]:
    return [c.strip() for c in line.rstrip("\r\n").split("\t")]


def looks_like_header(cols: Sequence[str]) -> bool:
    names = {c.lower() for c in cols}
    return "start_position" in names or "hugo_symbol" in names or "tumor_sample_barcode" in names


def _lines(text: str) -> Iterator[str]:
    """The pieces ``LINE_ENDS.split(text)`` gives (not splitlines: U+2028 ends no line), one at a
    time: a VCF is told apart at its first record line, so the rest of the 64 KB is never split."""
    pos = 0
    while (end := LINE_ENDS.search(text, pos)) is not None:
        yield text[pos:end.start()]
        pos = end.end()
    yield text[pos:]


def is_maf(path: str | os.PathLike[str]) -> bool:
    """Whether the file (plain or gzipped) opens with a MAF header: optional ``#`` lines, then a
    tab-separated line naming Start_Position, Hugo_Symbol or Tumor_Sample_Barcode. Raises only for
    an input that is no file at all (a device, a pipe nobody writes to: files.input_path); anything
    else is left to the other readers (and their errors)."""
    if not os.path.exists(path):
        return False  # the reader that follows says what is missing
    real = input_path(path, what="a VCF or MAF file")  # a pipe: read once, into a copy every reader opens
    try:
        with open(real, "rb") as fh:
            raw = fh.read(1 << 18)
    except OSError:
        return False
    head = raw
    if raw[:2] == GZIP_MAGIC:  # what decompresses, even of a truncated file (its reader says it is cut)
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, 1 << 16)
        except zlib.error:
            return False
    head = head[:1 << 16].removeprefix(b"\xef\xbb\xbf")
    for text in _lines(head.decode("utf-8", "replace")):
        line = text.strip("\ufeff")
        if not line.strip() or line.startswith("#"):
            continue
        return "\t" in line and looks_like_header(split_header(line))
    return False
