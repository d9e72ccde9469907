"""Files in and out: opening inputs (compressed or not), atomic replacement, file names from ids,
formula-safe spreadsheet cells.

Each rule is defined once here and used by every reader and output (targets, copy number, fusions,
panel of normals, clinical and cohort tables; classify, store, cohort, analysis), at the bottom of
the layers so that any of them may import it.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import gzip
import hashlib
import io
import os
import re
import shutil
import socket
import stat
import tempfile
import zlib
from collections.abc import Callable, Collection, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Generic, TypeVar

from . import limits
from .errors import InputError, UsageError, shown

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A sample or patient id turned into a file name: no folders, no control characters, and no
    leading '-' or '.' (a file called ``-rf.json`` is read as options by ``rm *``, a leading dot
    hides it)."""
    cleaned = _UNSAFE.sub("_", name).lstrip("._-")[:120].rstrip("._") or "sample"
    return cleaned


# A spreadsheet runs a cell starting with = + - @ as a formula; Excel and LibreOffice also skip a
# leading tab or carriage return before doing so (OWASP "CSV injection"), so those count too.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """The one rule for every spreadsheet-bound text cell (TSV and XLSX): a cell a spreadsheet
    would run as a formula (starting with =, +, -, @, tab or carriage return) gets a leading
    apostrophe, unless it is a number ('-5', '+3.5' stay numbers)."""
    # A spreadsheet importing a TSV/CSV removes quoting first: '"=1+1"' opens as =1+1, so the
    # first character after any leading double quotes and spaces decides (an apostrophe is this
    # rule's own mark: neutralising twice changes nothing).
    head = text.lstrip('" \u00a0')[:1]
    if head and head in FORMULA_START:
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def tsv_text(text: str) -> str:
    """One text cell of a tab-separated output: tabs and line ends become spaces (they would
    split the row), then the formula rule (neutralise)."""
    return neutralise(text.replace("\t", " ").replace("\r", " ").replace("\n", " "))


# A line whose first character after leading quotes and spaces is one of FORMULA_START: the first
# line (match), and any other (search from its line end: a pattern led by a plain character is
# found several times faster than one led by ^).
_FORMULA_LINE = re.compile("[\" \u00a0]*[" + re.escape("".join(FORMULA_START)) + "]")
_FORMULA_LATER_LINE = re.compile("\n[\" \u00a0]*[" + re.escape("".join(FORMULA_START)) + "]")


def tsv_texts_unchanged(texts: Collection[str]) -> bool:
    """Whether tsv_text leaves every one of ``texts`` as it is (no tab or line end, nothing a
    spreadsheet would run), checked on all of them at once: a column of 100,000 ids is then
    written without a call per cell. False means: use tsv_text on each."""
    joined = "\n".join(texts)
    return (joined.count("\n") == max(len(texts) - 1, 0) and "\t" not in joined and "\r" not in joined
            and _FORMULA_LINE.match(joined) is None and _FORMULA_LATER_LINE.search(joined) is None)


# -- atomic writing ------------------------------------------------------------------------------
# The one rule: an output is written under a temporary name beside its target
# (``.tmp-<pid>.<host>-XXXX-<name>``, so a crash leaves only .tmp-* names), flushed to disk, and
# renamed into place only when complete; on failure the temporary is removed and the target is
# untouched. ``atomic_write`` (an open file), ``atomic_path`` (a path, for writers that take a file
# name) and ``atomic_folder`` (a whole folder) are that rule; cohort.export.Staged commits several
# outputs together with the same pieces, outfolder.OutputFolder a folder of outputs.
TEMP_PREFIX = ".tmp-"  # what a crash can leave behind; the next write in that folder removes it
# The owner's process id and a tag of its host in the name tell a killed run's temporary (its
# process is gone) from one a live run is still writing, which must never be removed.
_TEMP_OWNER = re.compile(r"\.tmp-(\d+)\.([0-9a-f]{6})-")


@functools.cache
def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def _temp_prefix() -> str:
    return f"{TEMP_PREFIX}{os.getpid()}.{_host_tag()}-"


def process_alive(pid: int) -> bool:
    """True unless no process ``pid`` exists on this machine (one of another user counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists; anything else: do not guess
        return True
    return True


def is_stale_temporary(name: str, *, untagged: bool = False) -> bool:
    """Whether ``name`` is a temporary her2var left behind: its owner (this host's process named in
    it) is gone. A temporary of another host is never stale here (its process cannot be asked); one
    without an owner (written by an earlier her2var) is stale only when ``untagged`` says so (the
    caller holds the folder's lock, so no live run can be writing it)."""
    if not name.startswith(TEMP_PREFIX):
        return False
    owner = _TEMP_OWNER.match(name)
    if owner is None:
        return untagged
    return owner.group(2) == _host_tag() and not process_alive(int(owner.group(1)))


def remove_own_temporaries(folder: str, suffix: str, *, keep: Collection[str] = ()) -> None:
    """Remove this process's temporaries in ``folder`` whose names end with ``suffix``, but those in
    ``keep`` (what was there before): one a signal stopped the run between its creation and its
    maker learning its name. Never raises."""
    prefix = _temp_prefix()
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            if name.startswith(prefix) and name.endswith(suffix) and name not in keep:
                with contextlib.suppress(OSError):
                    _remove(os.path.join(folder, name))


def remove_stale_temporaries(folder: str, *, untagged: bool = False) -> list[str]:
    """Remove the temporaries of killed runs in ``folder`` (see is_stale_temporary); returns their
    names. Never raises: a temporary that cannot be removed is left for a later run."""
    removed: list[str] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if not is_stale_temporary(name, untagged=untagged):
            continue
        try:
            _remove(os.path.join(folder, name))
        except OSError:
            continue
        removed.append(name)
    return removed


def _remove(path: str) -> None:
    """Remove a temporary: a folder with what it holds, else the file (a link itself, never what
    it points to). Raises OSError."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


@functools.cache
def _umask() -> int:
    """The process's umask (read once: reading it means setting it for a moment)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def temp_beside(path: str, *, folder: bool = False) -> str:
    """A new empty temporary file (or folder) beside ``path``, named ``.tmp-<pid>.<host>-XXXX-<name>``.
    Temporaries that killed runs left in that folder are removed first. Its permissions are those
    of a file (folder) the user creates, under their umask, not the owner-only ones a temporary is
    made with: what is renamed into place is the output, and every output gets the same (a folder
    of outputs and a single output file alike)."""
    parent = os.path.dirname(os.path.abspath(path))
    suffix = "-" + os.path.basename(os.path.abspath(path))
    try:
        os.makedirs(parent, exist_ok=True)
        remove_stale_temporaries(parent)
        if folder:
            tmp = tempfile.mkdtemp(prefix=_temp_prefix(), suffix=suffix, dir=parent)
            try:
                os.chmod(tmp, 0o777 & ~_umask())
            except BaseException:  # a signal stopping the run here: the caller never gets its name
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            return tmp
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(), suffix=suffix, dir=parent)
        try:
            os.fchmod(fd, 0o666 & ~_umask())
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
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
def workbook_writing(wb: Any) -> Iterator[Any]:
    """The block that fills and saves an openpyxl workbook. When it fails midway (a full disk, a
    stopped run), the row writers of the workbook's write-only sheets are closed at once, quietly:
    left to the garbage collector or the interpreter's exit, each would try to finish its sheet in a
    file already closed and print an 'Exception ignored' traceback."""
    try:
        yield wb
    except BaseException:
        for ws in getattr(wb, "worksheets", []):
            rows = getattr(ws, "_rows", None)  # openpyxl's generator of a write-only sheet's rows
            if rows is not None:
                with contextlib.suppress(Exception):
                    rows.close()
        raise


def place_new(tmp: str, path: str) -> bool:
    """Put the finished file ``tmp`` at ``path`` only if nothing is there yet (a hard link, so two
    runs creating the same file never replace each other's); False when ``path`` already exists.
    ``tmp`` is left for the caller to remove."""
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError as exc:  # a file system without hard links (FAT, some shares): rename, checked first
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS):
            raise
    if os.path.lexists(path):
        return False
    os.replace(tmp, path)
    return True


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


def user_cache_dir() -> str:
    """her2var's folder in the user's cache (``$XDG_CACHE_HOME/her2var``, else ``~/.cache/her2var``;
    not made here): what is kept from one run to the next to save time, never results."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "her2var")


def scratch_folder(prefix: str) -> str:
    """A new folder in the system's temporary folder that only this user can open (mode 0700), for
    files the processes of one run share; the caller removes it."""
    return tempfile.mkdtemp(prefix=prefix)


def write_scratch(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` in a scratch folder so that a reader sees the whole file or none (a
    temporary beside it, renamed into place; not synced to disk: nothing outlives the run). OSError
    when it cannot be written, the temporary removed."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- outputs never over inputs -------------------------------------------------------------------
# The one rule, for every command: no file a run writes, replaces or removes may be one of its
# inputs, however it is spelled (another relative path, a symbolic link, a hard link), and no input
# may lie in a folder whose content the run writes. Checked before anything is read or written.
Named = tuple[str, "str | None"]  # (how the command line names it: '-o', '--clinical', ...; the path)


def _real(path: str) -> str | None:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return None


class RealPaths:
    """``os.path.realpath`` of many paths in few folders (a batch's inputs): each folder is resolved
    once, then only a path's last part is looked at (a symbolic link there: resolved in full). The
    same answers as realpath, or None where it fails; the folders are remembered for one check."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: str) -> str | None:
        try:
            head, tail = os.path.split(path)
            if not head or tail in ("", ".", "..") or "//" in path or "\x00" in path:  # realpath's own way
                return os.path.realpath(path)
            folder = self._folders.get(head)
            if folder is None:
                folder = self._folders[head] = os.path.realpath(head)
            full = os.path.join(folder, tail)
            return os.path.realpath(path) if os.path.islink(full) else full
        except (OSError, ValueError):
            return None


def same_file(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` name one file: the same real path (symbolic links resolved), or,
    for two existing files, the same device and inode (hard links)."""
    ra, rb = _real(a), _real(b)
    if ra is not None and ra == rb:
        return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except (OSError, ValueError):
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def lies_inside(path: str, folder: str) -> bool:
    """True when ``path`` (symbolic links resolved) is somewhere under ``folder``."""
    rp, rf = _real(path), _real(folder)
    if rp is None or rf is None:
        return False
    return rp.startswith(rf.rstrip(os.sep) + os.sep)


def refuse_overwriting_inputs(outputs: Iterable[Named], inputs: Iterable[Named], *,
                              folders: Iterable[Named] = ()) -> None:
    """A UsageError (exit 2) naming both when an output is one of the inputs.

    ``outputs``: every file the run writes, replaces or removes; ``folders``: folders whose whole
    content the run may write or remove (an input anywhere inside is refused); ``inputs``: every
    file it reads. Entries whose path is None or '' (an option not given) and '-' (standard
    input) are skipped. The inputs are gone through once (a batch lists 100,000 files as it makes
    them, see Listing) and each is resolved once; the refusal names the first output (then folder)
    found, in the order given, with the first input that is it (lies in it), as same_file and
    lies_inside would find comparing every pair."""
    outs = [(name, out) for name, out in outputs if out and out != "-"]
    dirs = [(name, folder) for name, folder in folders if folder]
    if not outs and not dirs:
        return
    by_real: dict[str, list[int]] = {}  # an output's real path -> its indexes in outs
    by_id: dict[tuple[int, int], list[int]] = {}  # an existing output's (device, inode) -> its indexes
    for k, (_, out) in enumerate(outs):
        real = _real(out)
        if real is not None:
            by_real.setdefault(real, []).append(k)
        try:
            st = os.stat(out)
        except (OSError, ValueError):
            continue
        by_id.setdefault((st.st_dev, st.st_ino), []).append(k)
    prefixes = [(k, real.rstrip(os.sep) + os.sep) for k, (_, folder) in enumerate(dirs)
                if (real := _real(folder)) is not None]
    same: dict[int, Named] = {}  # output index -> the first input that is the same file
    inside: dict[int, Named] = {}  # folder index -> the first input inside it
    real_path = RealPaths()
    for in_name, path in inputs:
        if not path or path == "-":
            continue
        real = real_path(path)
        hits = by_real.get(real, []) if real is not None else []
        if by_id:
            try:
                st = os.stat(path)
            except (OSError, ValueError):
                pass
            else:
                hits = hits + by_id.get((st.st_dev, st.st_ino), [])
        for k in hits:
            same.setdefault(k, (in_name, path))
        if real is not None:
            for k, prefix in prefixes:
                if real.startswith(prefix):
                    inside.setdefault(k, (in_name, path))
    if same:
        k = min(same)
        (out_name, out), (in_name, path) = outs[k], same[k]
        raise UsageError(f"{out_name} {shown(out, 200, bare=True)}: the same file as the input {in_name} "
                         f"{shown(path, 200, bare=True)}; her2var never writes over its inputs: give "
                         "another output path")
    if inside:
        k = min(inside)
        (out_name, folder), (in_name, path) = dirs[k], inside[k]
        raise UsageError(f"{out_name} {shown(folder, 200, bare=True)}: the input {in_name} "
                         f"{shown(path, 200, bare=True)} lies inside this output folder, where her2var "
                         "writes and replaces files; give another output folder or move the input")


_Listed = TypeVar("_Listed")


class Listing(Generic[_Listed]):
    """An iterable made again each time it is gone through: a batch's input files, listed from its
    samples sheet for each check instead of held (100,000 of them would be ~100 MB of objects)."""

    def __init__(self, make: Callable[[], Iterator[_Listed]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[_Listed]:
        return self._make()


# -- reading inputs ------------------------------------------------------------------------------
# The one opener of text inputs (targets BED, copy-number and fusion tables, panel of normals,
# clinical, samples and cohort tables, rules and plans): gzip or BGZF is recognised by its magic
# bytes, not the file name; a UTF-8 byte-order mark (Excel's "CSV UTF-8") is dropped; every
# failure is an InputError naming the file. VCF/BCF have their own reader (vcf/reader.py): they
# are streamed, indexed and checked for a BGZF end marker.
# Every input is first passed through ``input_path`` (below): a pipe is read into a private copy, a
# device refused. The size read is bounded by limits.max_text_bytes (rules/limits.yaml).
GZIP_MAGIC = b"\x1f\x8b"
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


READ_CHUNK = 1 << 24


def read_at_most(fh: Any, size: int) -> bytes:
    """Up to ``size`` bytes of a binary stream (a file, a pipe, a decompressor), in memory that
    grows with what is read: ``fh.read(size)`` would first reserve ``size`` bytes (the text limit,
    512 MiB by default) for every file, however small, and fail where address space is limited
    (``ulimit -v``, a cluster's virtual-memory limit). A regular file is read in one call when it
    fits."""
    try:
        known = os.fstat(fh.fileno()).st_size + 1 if hasattr(fh, "fileno") else 0
    except (OSError, ValueError, io.UnsupportedOperation):
        known = 0
    first = fh.read(min(size, known or READ_CHUNK))
    if len(first) >= size or not first:
        return first
    parts, got = [first], len(first)
    while got < size:  # a pipe, a decompressor, or a file that grew since
        part = fh.read(min(size - got, READ_CHUNK))
        if not part:
            break
        parts.append(part)
        got += len(part)
    return first if len(parts) == 1 else b"".join(parts)


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
    real = input_path(path, what=what, source=source, error=error)
    most = limits.current().max_text_bytes
    try:
        with open(real, "rb") as fh:
            raw = read_at_most(fh, most + 1)
    except OSError as exc:
        raise _missing(path, source, what, exc, error) from exc

    def too_large() -> InputError:
        return error(f"{path}: more than {most:,} bytes of text; expected {what} {limits.exceeded('max_text_bytes')}")

    if len(raw) > most:  # checked before decompressing: a cut gzip would read as corrupt
        raise too_large()
    data = raw
    if raw[:2] == GZIP_MAGIC:
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:  # every member (BGZF), bounded
                data = read_at_most(gz, most + 1)
        except _COMPRESSED_ERRORS as exc:
            raise _corrupt(path, exc, error) from exc
    if data[:4] in (b"BAM\x01", b"CRAM"):
        raise error(f"{path}: is a BAM/CRAM alignment file, expected {what}")
    if len(data) > most:
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
    real = input_path(path, what=what, source=source, error=error)
    try:
        with open(real, "rb") as fh:
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


# -- what an input path is: a file, a pipe, a device ---------------------------------------------
# The one rule for every input her2var reads. A regular file is read where it is. A pipe (process
# substitution ``<(...)``, a named pipe made with mkfifo, /dev/stdin fed by a pipe) is read once, as
# it arrives, into a private temporary copy that every later reader of that input opens instead
# (readers sniff a format and then reopen, or seek: a pipe can do neither); the copy goes when the
# process ends. A named pipe nobody opens for writing is waited on for limits.pipe_writer_wait_seconds,
# a writer that stops sending for limits.pipe_idle_seconds, then the input is refused: never a hang.
# Inputs read by seeking through an index (BAM/CRAM, a reference FASTA, the SQLite store) must be
# files. A device (/dev/zero, /dev/urandom, a terminal, a disk) never ends and is refused.
_SPOOLS: dict[tuple[int, int], tuple[int, str]] = {}  # the pipe (device, inode) -> (pid, its copy)
_SPOOLED_PATHS: dict[str, str] = {}  # the pipe as named on the command line -> its copy (worker processes too)
_SPOOL_FOLDERS: list[tuple[int, str]] = []  # (pid, folder) of every copy made, removed at exit
_NO_WRITER: dict[tuple[int, int], str] = {}  # named pipes nobody wrote to: refused again without a second wait
_CLEANUP_PIDS: set[int] = set()


def input_path(path: str | os.PathLike[str], *, what: str, source: str = "", random_access: bool = False,
               error: type[InputError] = InputError) -> str:
    """The path to open to read the input ``path``: itself for a regular file (or a folder, which
    its reader refuses in its own words), the temporary copy of a pipe's content for a pipe.

    ``what`` names the expected content ('a VCF file'), ``source`` the option it came from;
    ``random_access``: the input is read by seeking (an index, a database), so a pipe is refused.
    Raises ``error`` for a missing file, a dangling symbolic link, a device or a socket, a pipe
    where a file is needed, a named pipe nobody writes to, and a pipe giving too much.
    """
    path = os.fspath(path)
    copy = _SPOOLED_PATHS.get(path)
    if copy is not None and os.path.exists(copy):
        return copy
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        if os.path.islink(path):
            with contextlib.suppress(OSError):
                target = os.readlink(path)
                raise error(f"{path}: no such file: a symbolic link to {shown(target, 200, bare=True)}, which "
                            f"does not exist; expected {what}") from exc
        raise error(f"{path}: no such file" + (f" ({source})" if source else "")) from exc
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    mode = st.st_mode
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return path
    leads = os.path.realpath(path)
    shown_target = f" ({shown(leads, 200, bare=True)})" if leads != os.path.abspath(path) else ""
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "character" if stat.S_ISCHR(mode) else "block"
        raise error(f"{path}: is a {kind} device{shown_target}, not a file: its data never ends; "
                    f"expected {what}")
    if not stat.S_ISFIFO(mode):
        raise error(f"{path}: is a socket or other special file{shown_target}, not a file; expected {what}")
    if random_access:
        raise error(f"{path}: is a pipe, but {what} is read by seeking (through an index), which a pipe "
                    "cannot do; save it to a file and give that")
    key = (st.st_dev, st.st_ino)
    if key in _NO_WRITER:
        raise error(_NO_WRITER[key])
    spooled = _SPOOLS.get(key)
    if spooled is not None and os.path.exists(spooled[1]):  # a forked worker sees its parent's copies
        _SPOOLED_PATHS[path] = spooled[1]
        return spooled[1]
    copy = _spool(path, st, what, error)
    _SPOOLS[key] = (os.getpid(), copy)
    _SPOOLED_PATHS[path] = copy
    return copy


def pipe_copies() -> dict[str, str]:
    """{pipe as named: its copy} of every pipe read so far, for worker processes (adopt_pipe_copies):
    a pipe can be read once, and the parent may have read it already."""
    return {p: c for p, c in _SPOOLED_PATHS.items() if os.path.exists(c)}


def adopt_pipe_copies(copies: dict[str, str]) -> None:
    """In a worker process: read these pipes from the copies its parent made (and will remove)."""
    _SPOOLED_PATHS.update(copies)


@functools.cache
def _pipe_device() -> int:
    """The device of anonymous pipes (Linux: pipefs), which named pipes on a file system never share."""
    r, w = os.pipe()
    try:
        return os.fstat(r).st_dev
    finally:
        os.close(r)
        os.close(w)


def _open_named_pipe(path: str, wait: float) -> int | None:
    """Open a named pipe for reading, waiting at most ``wait`` seconds for a writer (opening one
    blocks until a writer opens it too); None when none came."""
    import threading

    opened: dict[str, Any] = {}

    def opener() -> None:
        try:
            opened["fd"] = os.open(path, os.O_RDONLY)
        except OSError as exc:
            opened["error"] = exc

    thread = threading.Thread(target=opener, daemon=True)
    thread.start()
    thread.join(wait)
    if thread.is_alive():  # no writer: be one for a moment, so that the waiting open returns
        writer = None
        with contextlib.suppress(OSError):
            writer = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        thread.join(5)
        if writer is not None:
            os.close(writer)
        if "fd" in opened:
            os.close(opened["fd"])
        return None
    if "error" in opened:
        raise opened["error"]
    return int(opened["fd"])


def forget_pipes() -> None:
    """Remove this process's pipe copies and forget every pipe read: a new command (run in the
    same process, as tests do) must not meet a pipe of an earlier one whose inode number the
    system has since given to another."""
    _remove_spools()
    _NO_WRITER.clear()
    _SPOOLED_PATHS.clear()


def _remove_spools() -> None:
    """Remove the copies this process made (a forked worker inherits its parent's list: not those)."""
    me = os.getpid()
    for pid, folder in _SPOOL_FOLDERS:
        if pid == me:
            shutil.rmtree(folder, ignore_errors=True)
    _SPOOL_FOLDERS[:] = [(pid, folder) for pid, folder in _SPOOL_FOLDERS if pid != me]
    for key in [k for k, (pid, _) in _SPOOLS.items() if pid == me]:
        del _SPOOLS[key]


def _remove_spools_at_exit() -> None:
    """Remove this process's copies when it ends: at interpreter exit, and in a worker process
    (which ends without running atexit) through multiprocessing's own exit hooks."""
    if os.getpid() in _CLEANUP_PIDS:
        return
    _CLEANUP_PIDS.add(os.getpid())
    import atexit
    import sys

    atexit.register(_remove_spools)
    mp = sys.modules.get("multiprocessing")
    if mp is not None and mp.parent_process() is not None:
        from multiprocessing import util

        util.Finalize(None, _remove_spools, exitpriority=0)


def _spool(path: str, st: os.stat_result, what: str, error: type[InputError]) -> str:
    """A pipe's whole content in a private temporary file (see input_path)."""
    import select

    lim = limits.current()
    try:
        if st.st_dev == _pipe_device():  # an anonymous pipe: its writer is there already
            fd: int | None = os.open(path, os.O_RDONLY)
        else:
            fd = _open_named_pipe(path, lim.pipe_writer_wait_seconds)
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if fd is None:
        message = (f"{path}: a named pipe that no program opened for writing within {lim.pipe_writer_wait_seconds:g} "
                   f"s; start the program that writes to it first, or give a file "
                   f"{limits.exceeded('pipe_writer_wait_seconds')}")
        _NO_WRITER[(st.st_dev, st.st_ino)] = message
        raise error(message)
    _remove_spools_at_exit()
    folder = None
    try:
        folder = tempfile.mkdtemp(prefix="her2var-pipe-")
        _SPOOL_FOLDERS.append((os.getpid(), folder))  # removed at exit, even when interrupted
        copy = os.path.join(folder, "input")
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP)
        total = 0
        with open(copy, "wb") as out:
            while True:
                if not poller.poll(int(lim.pipe_idle_seconds * 1000)):
                    raise error(f"{path}: the pipe sent nothing for {lim.pipe_idle_seconds:g} s (after "
                                f"{total:,} bytes); is its writer stuck? {limits.exceeded('pipe_idle_seconds')}")
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                total += len(chunk)
                if total > lim.max_pipe_bytes:
                    raise error(f"{path}: the pipe sent more than {lim.max_pipe_bytes:,} bytes; expected {what} "
                                f"{limits.exceeded('max_pipe_bytes')}")
                out.write(chunk)
    except BaseException as exc:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, OSError):
            raise error(f"{path}: the pipe's content cannot be copied to a temporary file "
                        f"({exc.strerror or exc}); save it to a file and give that") from exc
        raise
    finally:
        os.close(fd)
    return copy


# -- streaming a text input line by line, in bounded memory ------------------------------------------
# The readers of large inputs (VCF, MAF) stream them; the rule for their lines is kept here once:
# gzip/BGZF inflated a bounded piece at a time, line ends as Python's text mode reads them (a CR-only
# file from an old Mac is read line by line, never as one line), no line longer than
# limits.max_line_bytes, and the bytes read counted and hashed (what a result's checksum is of).
STREAM_CHUNK_BYTES = 1 << 20
PIECE_BYTES = 4 << 20  # inflated at most at once: a small compressed chunk may inflate a thousandfold
# The lines are handed on in pieces of about a megabyte: the VCF scan's array work on a piece and
# its temporaries then stay in a core's cache.
LINE_PIECE_BYTES = 1 << 20
MIN_PIECE_BYTES = 1 << 20  # inflated outputs smaller than this are joined into one piece


class Seen:
    """What one pass read of the file as stored: its SHA-256 and its size (the checksum a result
    names is of the bytes actually read, not of the file as it may be later), and whether a line
    ended in a lone carriage return (old Mac text)."""

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self.raw_bytes = 0
        self.lone_cr = False

    def update(self, raw: bytes) -> None:
        self.sha256.update(raw)
        self.raw_bytes += len(raw)


def check_unchanged(name: str, real: str, before: os.stat_result, read: int | None = None) -> None:
    """An InputError when the file at ``real`` is not what it was when reading began (``before``:
    its size, time of change and inode), or when a whole pass over it read ``read`` bytes that are
    not its size: a file cut, rewritten or still being written while it was read would give a
    result of bytes that no longer exist."""
    try:
        now = os.stat(real)
    except OSError as exc:
        raise InputError(f"{name}: the file went away while it was read ({exc.strerror or exc})") from exc
    size = before.st_size if read is None else read
    if size != before.st_size or (now.st_size, now.st_mtime_ns, now.st_ino) != (
            before.st_size, before.st_mtime_ns, before.st_ino):
        raise InputError(f"{name}: the file changed while it was read ({before.st_size:,} bytes when "
                         f"reading began, {size:,} read, {now.st_size:,} now); read it again once it is "
                         "complete and no longer being written")


class _Newlines:
    """Line ends as Python's text mode reads them, on bytes arriving in pieces: CR LF and a lone CR
    become LF (a CR-only file is read line by line, not as one line)."""

    def __init__(self, seen: Seen | None) -> None:
        self.seen = seen
        self.held_cr = False  # the last piece ended with CR: its LF may start the next

    def __call__(self, data: bytes, last: bool = False) -> bytes:
        if self.held_cr:
            data = b"\r" + data
            self.held_cr = False
        if b"\r" not in data:
            return data
        if data.endswith(b"\r") and not last:
            data = data[:-1]
            self.held_cr = True
        data = data.replace(b"\r\n", b"\n")
        if b"\r" in data:
            if self.seen is not None:
                self.seen.lone_cr = True
            data = data.replace(b"\r", b"\n")
        return data


def _inflated(fh, compressed: bool, seen: Seen | None) -> Iterator[bytes]:
    """The file's content in pieces of at most MIN_PIECE_BYTES + PIECE_BYTES. Raises EOFError when
    a gzip/BGZF stream ends before its end-of-stream marker.

    The small outputs of many members (BGZF has one every 64 KB) are joined into pieces of at least
    MIN_PIECE_BYTES (all but the first, handed on alone): a reader's work per piece is then spread
    over a megabyte, not 64 KB. What was
    inflated before an error is handed on before the error is raised, so the reader has read the
    same lines when it meets the error as when every output was a piece."""
    d = None  # the member being inflated (BGZF and concatenated gzip have many)
    parts: list[bytes] = []  # inflated, not yet handed on
    held = 0
    first = True
    try:
        while True:
            chunk = fh.read(STREAM_CHUNK_BYTES)
            if not chunk:
                break
            if seen is not None:
                seen.update(chunk)
            if not compressed:
                yield chunk
                continue
            data = chunk
            while True:
                if d is None:
                    if not data:
                        break
                    d = zlib.decompressobj(31)
                out = d.decompress(data, PIECE_BYTES)
                if out:
                    parts.append(out)
                    held += len(out)
                    # the first output goes on at once: a reader of the header alone (an indexed
                    # file's) stops within it, without inflating the next megabyte
                    if held >= MIN_PIECE_BYTES or first:
                        yield b"".join(parts)  # no copy when it is one output
                        parts, held, first = [], 0, False
                if d.eof:
                    data, d = d.unused_data, None
                    continue
                data = d.unconsumed_tail
                if not data and len(out) < PIECE_BYTES:
                    break
    except Exception:
        if parts:
            yield b"".join(parts)
        raise
    if parts:
        yield b"".join(parts)
    if d is not None:
        raise EOFError("compressed data ended before the end-of-stream marker")


def line_chunks(path: str, *, compressed: bool, name: str, what: str, seen: Seen | None = None,
                ahead: int = 0) -> ReadAhead[bytes] | Generator[bytes, None, None]:
    """A streamed text input (VCF, MAF) in pieces that each end at a line end (the last gets one if
    it lacks it), read in bounded memory.

    A UTF-8 byte-order mark at the start is dropped; CR LF and a lone CR end lines like LF.
    ``path`` is where the bytes are (a pipe's copy: input_path), ``name`` the file as messages call
    it, ``what`` what it should be; ``seen`` records what was read. Raises EOFError when a gzip/BGZF
    stream ends before its end-of-stream marker, and an InputError at a line longer than
    limits.max_line_bytes.

    ``ahead``: when above 0, the file is read and decompressed in a background thread, at most this
    many pieces ahead of the caller (ReadAhead), who gets the same pieces and errors; the caller
    must close() what this returns when it stops early (the thread is stopped and joined).
    """
    if ahead <= 0:
        return _line_chunks(path, compressed, name, what, seen)
    return ReadAhead(_line_chunks(path, compressed, name, what, seen, _count_line_ends_numpy), ahead)


def _count_line_ends(piece: bytes) -> int:
    return piece.count(b"\n")


def _count_line_ends_numpy(piece: bytes) -> int:
    """The same count, about twice as fast, without holding the interpreter lock (for a reader that
    has numpy loaded anyway)."""
    import numpy as np

    return int(np.count_nonzero(np.frombuffer(piece, dtype=np.uint8) == 10))


def _line_chunks(path: str, compressed: bool, name: str, what: str, seen: Seen | None,
                 count_lines: Callable[[bytes], int] = _count_line_ends) -> Generator[bytes, None, None]:
    max_line = limits.current().max_line_bytes
    newlines = _Newlines(seen)
    lineno = 0  # lines yielded so far
    with open(path, "rb") as fh:
        tail = b""  # the unfinished last line so far: never holds a line end
        first = True
        for data in _inflated(fh, compressed, seen):
            data = newlines(data)
            if first and (tail or data):
                data, tail = tail + data, b""
                if len(data) < 3 and b"\xef\xbb\xbf".startswith(data):
                    tail = data
                    continue
                data = data.removeprefix(b"\xef\xbb\xbf")
                first = False
            end = data.rfind(b"\n") + 1  # the complete lines are the tail and data up to here
            if len(tail) + len(data) > max_line:
                long_line = _first_long_line(tail + data, len(tail) + end if end else 0, max_line)
                if long_line is not None:
                    raise InputError(f"{name}:{lineno + 1 + long_line}: a line longer than {max_line:,} bytes; "
                                     f"expected {what} {limits.exceeded('max_line_bytes')}")
            if not end:
                tail += data
                continue
            at = 0  # the complete lines go on in pieces of about LINE_PIECE_BYTES, each copied once at most
            while at < end:
                stop = end
                if end - at > LINE_PIECE_BYTES:
                    stop = data.rfind(b"\n", at, at + LINE_PIECE_BYTES) + 1 or end
                piece = b"".join((tail, memoryview(data)[at:stop])) if tail or at or stop < len(data) else data
                tail = b""
                lineno += count_lines(piece)
                yield piece
                at = stop
            tail = data[end:]
        tail += newlines(b"", last=True)
        if first:
            tail = tail.removeprefix(b"\xef\xbb\xbf")
        if tail:
            yield tail if tail.endswith(b"\n") else tail + b"\n"


_Item = TypeVar("_Item")


class ReadAhead(Generic[_Item]):
    """The items of a generator, produced in a background thread at most ``depth`` ahead.

    zlib and hashlib release the interpreter lock while they work, so decompressing the next pieces
    (and the checksum of the bytes read) runs on another core while the caller looks at this one.
    The caller gets exactly the pieces and the error the generator gives, in its order: an error
    is handed over after the pieces before it and raised at the same point of the reading. The
    thread never outlives the reading: it ends with the generator, and close() (called at the end,
    at an error, or when the caller stops early, also on Ctrl-C or a signal's exception) stops it
    between two pieces, closes the generator (and so its file) and waits for it."""

    def __init__(self, items: Iterator[_Item], depth: int) -> None:
        import queue
        import threading

        self._queue: queue.Queue[tuple[_Item | None, BaseException | None]] = queue.Queue(depth)
        self._empty = queue.Empty
        self._stop = threading.Event()
        self._closed = False
        # the thread holds the generator and the queue, not this object: dropped without close(),
        # this object is collected, and __del__ stops the thread
        self._thread = threading.Thread(target=self._produce, args=(items, self._queue, self._stop),
                                        name="her2var-read-ahead", daemon=True)
        self._thread.start()

    @staticmethod
    def _produce(items: Iterator[_Item], handoff: Any, stop: Any) -> None:
        try:
            for item in items:
                handoff.put((item, None))
                if stop.is_set():
                    return
            handoff.put((None, None))
        except BaseException as exc:  # handed to the caller, raised there
            handoff.put((None, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> ReadAhead[_Item]:
        return self

    def __next__(self) -> _Item:
        if self._closed:
            raise StopIteration
        item, exc = self._queue.get()
        if item is None:
            self.close()
            if exc is not None:
                raise exc
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop the thread (it may be waiting to hand over a piece, or making one) and wait for it."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(self._empty):
                while True:
                    self._queue.get_nowait()
            self._thread.join(0.05)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # at interpreter exit the modules close() needs may be gone
            pass


def _first_long_line(buf: bytes, cut: int, most: int) -> int | None:
    """The index of the first line of ``buf`` (complete lines up to ``cut``, then the unfinished
    rest) longer than ``most`` bytes, or None. Only called when ``buf`` itself is longer."""
    import numpy as np

    ends = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8, count=cut) == 10)
    starts = np.concatenate(([0], ends[:-1] + 1))
    over = np.flatnonzero(ends - starts > most)
    if over.size:
        return int(over[0])
    return len(ends) if len(buf) - cut > most else None


def text_lines(path: str, *, compressed: bool, name: str, what: str,
               seen: Seen | None = None) -> Generator[bytes, None, None]:
    """Every line of a streamed text input (line_chunks), without its line end."""
    for buf in line_chunks(path, compressed=compressed, name=name, what=what, seen=seen):
        yield from buf.split(b"\n")[:-1]
