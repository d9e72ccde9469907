"""The font subsets of the figure PDFs, made once per process and glyph set.

A PDF figure embeds its font (DejaVu Sans, TrueType, ``pdf.fonttype`` 42) as subsets of the glyphs
it uses: usually one of the text's glyphs and one of the glyphs without a character of their own
(the "fi" ligature, the en dash). matplotlib makes every subset from scratch with fontTools, which
reads the font's layout tables (GSUB, GPOS) again each time: about 45 ms per subset, two or three
per figure, most of the PDF's cost. Figures of one analysis use the same few glyph sets (every
Kaplan-Meier figure the same digits and words), so :func:`subset_cache` keeps each subset's bytes,
keyed by font file and glyph set, and hands them back the next time.

The figure workers of one run share what they make: each subset is also written into a folder
the workers are given (:func:`share_in`, a private temporary folder of :class:`.workers.FigureWorkers`),
where the other worker finds it instead of making it again.

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

# Subsets kept per process (each a few tens of kB).
MAX_SUBSETS = 128

_cache: OrderedDict[tuple, tuple[bytes, dict[int, int]]] = OrderedDict()
# Contexts using the cache now, and what puts matplotlib's functions back when the last one ends.
_lock = threading.RLock()
_users = 0
_restore: Callable[[], None] | None = None
_shared: str | None = None  # the folder this process's subsets are shared through (share_in)


def share_in(folder: str | None) -> None:
    """Share this process's subsets through ``folder`` (None: keep them to this process): a
    worker's initializer, the folder a private one of the run."""
    global _shared
    _shared = folder


def _shared_file(key: tuple) -> str | None:
    if _shared is None:
        return None
    name = hashlib.sha256(repr((key[:-1], sorted(key[-1]))).encode()).hexdigest()
    return os.path.join(_shared, name + ".subset")


def _read_shared(key: tuple) -> tuple[bytes, dict[int, int]] | None:
    """A subset another worker made (None: none yet, or a file that cannot be read as one)."""
    path = _shared_file(key)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        size = int.from_bytes(raw[:4], "big")
        index_map = {int(k): int(v) for k, v in json.loads(raw[4:4 + size])}
        return raw[4 + size:], index_map
    except (OSError, ValueError, TypeError):
        return None


def _write_shared(key: tuple, hit: tuple[bytes, dict[int, int]]) -> None:
    """Put a subset where the other workers look (whole or not at all: renamed into place)."""
    path = _shared_file(key)
    if path is None:
        return
    from ..files import write_scratch

    data, index_map = hit
    header = json.dumps(sorted(index_map.items())).encode()
    with contextlib.suppress(OSError):  # sharing is an optimisation: a full disk costs only the time
        write_scratch(path, len(header).to_bytes(4, "big") + header + data)


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
    """Forget the kept subsets."""
    with _lock:
        _cache.clear()


__all__ = ["MAX_SUBSETS", "clear", "share_in", "subset_cache"]
