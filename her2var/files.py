"""Files in and out: opening inputs (compressed or not), atomic replacement, file names from ids,
formula-safe spreadsheet cells.

Each rule is defined once here and used by every reader and output (targets, copy number, fusions,
panel of normals, clinical and cohort tables; classify, store, cohort, analysis), at the bottom of
the layers so that any of them may import it.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import re
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from .errors import InputError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A sample or patient id turned into a file name: no folders, no control characters."""
    cleaned = _UNSAFE.sub("_", name).strip("._") or "sample"
    return cleaned[:120]


# A spreadsheet runs a cell starting with = + - @ as a formula; Excel and LibreOffice also skip a
# leading tab or carriage return before doing so (OWASP "CSV injection"), so those count too.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """The one rule for every spreadsheet-bound text cell (TSV and XLSX): a cell a spreadsheet
    would run as a formula (starting with =, +, -, @, tab or carriage return) gets a leading
    apostrophe, unless it is a number ('-5', '+3.5' stay numbers)."""
    if text[:1] in FORMULA_START:
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


# -- atomic writing ------------------------------------------------------------------------------
# The one rule: an output is written under a temporary name beside its target (``.tmp-XXXX-<name>``,
# so a crash leaves only .tmp-* names), flushed to disk, and renamed into place only when complete;
# on failure the temporary is removed and the target is untouched. ``atomic_write`` (an open file),
# ``atomic_path`` (a path, for writers that take a file name) and ``atomic_folder`` (a whole folder)
# are that rule; cohort.export.Staged commits several outputs together with the same pieces.
TEMP_PREFIX = ".tmp-"  # what a crash can leave behind; classify removes stale ones from its --out


def temp_beside(path: str, *, folder: bool = False) -> str:
    """A new empty temporary file (or folder) beside ``path``, named ``.tmp-XXXX-<name>``."""
    parent = os.path.dirname(os.path.abspath(path))
    suffix = "-" + os.path.basename(os.path.abspath(path))
    try:
        os.makedirs(parent, exist_ok=True)
        if folder:
            return tempfile.mkdtemp(prefix=TEMP_PREFIX, suffix=suffix, dir=parent)
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=parent)
        os.close(fd)
        return tmp
    except OSError as exc:
        raise InputError(f"{path}: cannot write here ({exc.strerror or exc})") from exc


def write_failed(path: str, exc: OSError) -> InputError:
    """The error of an output that could not be written (its temporary is already removed)."""
    return InputError(f"{path}: writing failed ({exc.strerror or exc}); nothing was written")


def sync_file(path: str) -> None:
    """Flush a written file's data to disk (before it is renamed into place)."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def replace_folder(tmp: str, path: str) -> None:
    """Put the finished folder ``tmp`` in place of ``path``. An earlier ``path`` is moved aside
    first, put back when the swap fails, and removed only once the new folder is in place."""
    old = None
    if os.path.exists(path):
        old = tempfile.mkdtemp(prefix=".old-", suffix="-" + os.path.basename(os.path.abspath(path)),
                               dir=os.path.dirname(os.path.abspath(path)))
        os.rmdir(old)
        os.replace(path, old)
    try:
        os.replace(tmp, path)
    except OSError:
        if old:
            os.replace(old, path)
        raise
    if old:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """A temporary path beside ``path`` for a writer that takes a file name (openpyxl, pysam);
    renamed into place only when the block succeeds."""
    tmp = temp_beside(path)
    try:
        yield tmp
        sync_file(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise write_failed(path, exc) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path: str, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` (text: UTF-8, newlines as written); rename it into
    place only on success."""
    with atomic_path(path) as tmp:
        with open(tmp, mode, encoding=None if "b" in mode else "utf-8", newline=None if "b" in mode else "") as fh:
            yield fh


@contextlib.contextmanager
def atomic_folder(path: str) -> Iterator[str]:
    """A temporary folder beside ``path`` to fill; it replaces ``path`` (an earlier one included)
    only when the block succeeds, and is removed otherwise."""
    tmp = temp_beside(path, folder=True)
    try:
        yield tmp
        replace_folder(tmp, path)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise write_failed(path, exc) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# -- reading inputs ------------------------------------------------------------------------------
# The one opener of text inputs (targets BED, copy-number and fusion tables, panel of normals,
# clinical, samples and cohort tables, rules and plans): gzip or BGZF is recognised by its magic
# bytes, not the file name; a UTF-8 byte-order mark (Excel's "CSV UTF-8") is dropped; every
# failure is an InputError naming the file. VCF/BCF have their own reader (vcf/reader.py): they
# are streamed, indexed and checked for a BGZF end marker.
GZIP_MAGIC = b"\x1f\x8b"
MAX_INPUT_BYTES = 512 << 20  # decompressed; the largest real input (a PoN of 2 million targets) is ~150 MB
_COMPRESSED_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)
_NEWLINES = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class InputText:
    raw: bytes  # the file as stored (compressed or not): what a checksum is taken of
    text: str  # decompressed and decoded, without a byte-order mark

    def lines(self) -> list[str]:
        """The lines without their ends; '\\n', '\\r\\n' and a lone '\\r' all end a line."""
        parts = _NEWLINES.split(self.text)
        if parts and parts[-1] == "":
            parts.pop()
        return parts


def _missing(path: str, source: str, what: str, exc: OSError, error: type[InputError]) -> InputError:
    if isinstance(exc, FileNotFoundError):
        return error(f"{path}: no such file" + (f" ({source})" if source else ""))
    if isinstance(exc, IsADirectoryError) or os.path.isdir(path):
        return error(f"{path}: is a folder, expected {what}")
    return error(f"{path}: cannot be read ({exc.strerror or exc})")


def _corrupt(path: str, exc: BaseException, error: type[InputError]) -> InputError:
    return error(f"{path}: cannot be read: the compressed data is truncated or corrupt ({exc})")


def read_input(path: str | os.PathLike[str], *, what: str, source: str = "", errors: str = "strict",
               advice: str = "", error: type[InputError] = InputError) -> InputText:
    """Read a text input whole: plain, gzip or BGZF; UTF-8 with or without a byte-order mark.

    ``what`` names the expected content ('a BED file'), ``source`` the option or origin shown
    when the file is missing ('--targets'), ``advice`` what to do about a wrong encoding.
    ``errors="replace"`` is for readers that recognise their format from the content and so give
    the better message for a file that is not theirs (copy-number and fusion tables). Messages:
    '<path>: no such file (<source>)', '<path>: is a folder, expected <what>', '<path>: cannot be
    read (<reason>)', '<path>: cannot be read: the compressed data is truncated or corrupt (...)',
    '<path>: not UTF-8 text (byte N); expected <what>[; <advice>]'.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise _missing(path, source, what, exc, error) from exc
    def too_large() -> InputError:
        return error(f"{path}: more than {MAX_INPUT_BYTES >> 20} MB of text; expected {what}")

    if len(raw) > MAX_INPUT_BYTES:  # checked before decompressing: a cut gzip would read as corrupt
        raise too_large()
    data = raw
    if raw[:2] == GZIP_MAGIC:
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:  # every member (BGZF), bounded
                data = gz.read(MAX_INPUT_BYTES + 1)
        except _COMPRESSED_ERRORS as exc:
            raise _corrupt(path, exc, error) from exc
    if data[:4] in (b"BAM\x01", b"CRAM"):
        raise error(f"{path}: is a BAM/CRAM alignment file, expected {what}")
    if len(data) > MAX_INPUT_BYTES:
        raise too_large()
    try:
        text = data.decode("utf-8-sig", errors)
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start}); expected {what}"
                    + (f"; {advice}" if advice else "")) from exc
    return InputText(raw=raw, text=text)


def input_head(path: str | os.PathLike[str], size: int, *, what: str, source: str = "",
               error: type[InputError] = InputError) -> bytes:
    """The first ``size`` bytes of an input's content (decompressed, without a byte-order mark),
    to tell formats apart without reading the whole file; errors as ``read_input``."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(max(size, 2) + 3)
            if head[:2] == GZIP_MAGIC:
                fh.seek(0)
                try:
                    with gzip.GzipFile(fileobj=fh) as gz:
                        head = gz.read(size + 3)
                except _COMPRESSED_ERRORS as exc:
                    raise _corrupt(path, exc, error) from exc
    except OSError as exc:
        raise _missing(path, source, what, exc, error) from exc
    return head.removeprefix(b"\xef\xbb\xbf")[:size]
