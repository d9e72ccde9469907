"""The font subsets of the figure PDFs, made once per process and glyph set.

A PDF figure embeds its font (DejaVu Sans, TrueType, ``pdf.fonttype`` 42) as subsets of the glyphs
it uses: usually one of the text's glyphs and one of the glyphs without a character of their own
(the "fi" ligature, the en dash). matplotlib makes every subset from scratch with fontTools, which
reads the font's layout tables (GSUB, GPOS) again each time: about 45 ms per subset, two or three
per figure, most of the PDF's cost. Figures of one analysis use the same few glyph sets (every
Kaplan-Meier figure the same digits and words), so :func:`subset_cache` keeps each subset's bytes,
keyed by font file and glyph set, and hands them back the next time.

What is made is also written to a folder where the next process finds it instead of making it
again: the user's cache (``$XDG_CACHE_HOME/her2var/font-subsets``, else ``~/.cache/...``), so that
the figure workers of a run share their subsets and the next analysis (a plan edited and run
again) makes none; or, where there is no cache folder to write to, a private temporary folder of
the run (:func:`share_in`, :class:`.workers.FigureWorkers`). A file is keyed by the font file (path,
size, time), the glyph set and the matplotlib and fontTools versions that made it, and holds the
SHA-256 of its subset: a file that does not match is made again. The folder keeps the most recent
``MAX_FILES`` subsets. A subset holds glyphs of the figures' characters, no text of them.

The bytes kept are those matplotlib's own subsetting wrote (made by its function, saved by its
function), so a PDF is the same file with or without the cache. The cache is used only around
her2var's own ``savefig`` of a PDF, and only when matplotlib's internal functions have the shape
it expects; otherwise matplotlib subsets as usual.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

# Subsets kept per process (each a few tens of kB), and files kept in the user's cache folder.
MAX_SUBSETS = 128
MAX_FILES = 512
FILE_MAGIC = b"her2var font subset 1\n"

_cache: OrderedDict[tuple, tuple[bytes, dict[int, int]]] = OrderedDict()
# Contexts using the cache now, and what puts matplotlib's functions back when the last one ends.
_lock = threading.RLock()
_users = 0
_restore: Callable[[], None] | None = None
_shared: str | None = None  # the folder this process's subsets are shared through (share_in)
_user_folder: list[str | None] = []  # the user's cache folder, once looked for (user_folder)


def share_in(folder: str | None) -> None:
    """Share this process's subsets through ``folder`` (None: the user's cache folder, if there is
    one): a worker's initializer."""
    global _shared
    _shared = folder


def user_folder() -> str | None:
    """The user's cache folder for subsets, made if need be (mode 0700); None when it cannot be
    made or written (a read-only home)."""
    if not _user_folder:
        from ..files import user_cache_dir

        found = None
        folder = os.path.join(user_cache_dir(), "font-subsets")
        with contextlib.suppress(OSError):
            os.makedirs(folder, mode=0o700, exist_ok=True)
            if os.access(folder, os.W_OK | os.X_OK):
                found = folder
        _user_folder.append(found)
    return _user_folder[0]


def _shared_file(key: tuple) -> str | None:
    folder = _shared or user_folder()
    if folder is None:
        return None
    import matplotlib
    from fontTools import version as fonttools_version  # type: ignore[import-untyped]

    made_by = (matplotlib.__version__, fonttools_version)
    name = hashlib.sha256(repr((FILE_MAGIC, made_by, key[:-1], sorted(key[-1]))).encode()).hexdigest()
    return os.path.join(folder, name + ".subset")


def _read_shared(key: tuple) -> tuple[bytes, dict[int, int]] | None:
    """A subset another process made (None: none yet, or a file that is not a whole one)."""
    path = _shared_file(key)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        if not raw.startswith(FILE_MAGIC):
            return None
        raw = raw[len(FILE_MAGIC):]
        size = int.from_bytes(raw[:4], "big")
        header = json.loads(raw[4:4 + size])
        data = raw[4 + size:]
        if header["sha256"] != hashlib.sha256(data).hexdigest():
            return None
        index_map = {int(k): int(v) for k, v in header["glyph_index_map"]}
    except (OSError, ValueError, TypeError, KeyError):
        return None
    with contextlib.suppress(OSError):  # the files used last are the ones kept
        os.utime(path)
    return data, index_map


def _write_shared(key: tuple, hit: tuple[bytes, dict[int, int]]) -> None:
    """Put a subset where the other processes look (whole or not at all: renamed into place)."""
    path = _shared_file(key)
    if path is None:
        return
    from ..files import write_scratch

    data, index_map = hit
    header = json.dumps({"glyph_index_map": sorted(index_map.items()),
                         "sha256": hashlib.sha256(data).hexdigest()}).encode()
    with contextlib.suppress(OSError):  # sharing is an optimisation: a full disk costs only the time
        write_scratch(path, FILE_MAGIC + len(header).to_bytes(4, "big") + header + data)
        _prune(os.path.dirname(path))


def _prune(folder: str) -> None:
    """Keep the ``MAX_FILES`` subsets used last (a quarter fewer once there are more)."""
    names = [n for n in os.listdir(folder) if n.endswith(".subset")]
    if len(names) <= MAX_FILES:
        return
    aged = []
    for n in names:
        with contextlib.suppress(OSError):
            aged.append((os.stat(os.path.join(folder, n)).st_mtime_ns, n))
    aged.sort()
    for _, n in aged[:len(aged) - MAX_FILES * 3 // 4]:
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, n))


def _module() -> Any | None:
    """matplotlib's shared PDF/PS font module, if its subsetting functions look as expected:
    ``get_glyphs_subset(fontfile, glyphs)`` giving a context manager of ``SubsetResults(font,
    glyph_index_map)``, and ``font_as_file(font)`` giving the subset's bytes."""
    try:
        from matplotlib.backends import _backend_pdf_ps as m
    except ImportError:  # pragma: no cover - matplotlib without the module
        return None
    try:
        ok = (list(inspect.signature(m.get_glyphs_subset).parameters) == ["fontfile", "glyphs"]
              and list(inspect.signature(m.font_as_file).parameters) == ["font"]
              and tuple(m.SubsetResults._fields) == ("font", "glyph_index_map"))
    except (AttributeError, TypeError, ValueError):
        return None
    return m if ok else None


def _key(fontfile: Any, glyphs: Any) -> tuple:
    path = os.fspath(fontfile)
    st = os.stat(path)
    return (path, getattr(fontfile, "face_index", 0), st.st_size, st.st_mtime_ns, frozenset(glyphs))


@contextlib.contextmanager
def subset_cache() -> Iterator[None]:
    """Within this context, matplotlib's PDF (and PS) backend takes its font subsets from this
    process's cache, making and keeping the ones it does not have yet. Nested or concurrent uses
    (threads) share one replacement, put in by the first and taken out by the last."""
    global _users, _restore
    with _lock:
        if _users == 0:
            _restore = _install()
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _restore is not None:
                _restore()
                _restore = None


def _install() -> Callable[[], None] | None:
    """Put the caching functions in matplotlib's place; returns what puts matplotlib's back (None:
    matplotlib's functions are not the expected ones and are left alone)."""
    m = _module()
    if m is None:
        return None
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    get_subset, as_file = m.get_glyphs_subset, m.font_as_file

    class CachedSubset(TTFont):
        """The kept subset, opened from its bytes (for anything that reads the font itself)."""

        def __init__(self, data: bytes) -> None:
            super().__init__(io.BytesIO(data), lazy=True)
            self.subset_bytes = data

    @contextlib.contextmanager
    def cached_subset(fontfile: Any, glyphs: Any) -> Iterator[Any]:
        key = _key(fontfile, glyphs)
        with _lock:
            hit = _cache.get(key)
            if hit is not None:
                _cache.move_to_end(key)
        if hit is None:
            hit = _read_shared(key)
            if hit is None:
                with get_subset(fontfile, glyphs) as made:
                    hit = (as_file(made.font).getvalue(), dict(made.glyph_index_map))
                _write_shared(key, hit)
            with _lock:
                _cache[key] = hit
                while len(_cache) > MAX_SUBSETS:
                    _cache.popitem(last=False)
        data, index_map = hit
        with CachedSubset(data) as font:
            yield m.SubsetResults(font, dict(index_map))

    def cached_as_file(font: Any) -> io.BytesIO:
        if isinstance(font, CachedSubset):
            return io.BytesIO(font.subset_bytes)
        return as_file(font)

    def restore() -> None:
        m.get_glyphs_subset, m.font_as_file = get_subset, as_file

    m.get_glyphs_subset, m.font_as_file = cached_subset, cached_as_file
    return restore


def clear() -> None:
    """Forget the subsets kept in memory, and where the user's cache folder is (looked for again)."""
    with _lock:
        _cache.clear()
        _user_folder.clear()


__all__ = ["MAX_FILES", "MAX_SUBSETS", "clear", "share_in", "subset_cache", "user_folder"]
