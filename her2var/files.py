"""Writing files safely: atomic replacement, file names from ids, formula-safe spreadsheet cells.

Each rule is defined once here and used by every output (classify, panel of normals, store,
cohort, analysis), at the bottom of the layers so that any of them may import it.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from .errors import InputError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A sample or patient id turned into a file name: no folders, no control characters."""
    cleaned = _UNSAFE.sub("_", name).strip("._") or "sample"
    return cleaned[:120]


def neutralise(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @) gets a leading apostrophe,
    unless it is a number."""
    if text[:1] in ("=", "+", "-", "@"):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


@contextlib.contextmanager
def atomic_write(path: str, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it into place only on success."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(path), dir=folder)
    except OSError as exc:
        raise InputError(f"{path}: cannot write here ({exc.strerror or exc})") from exc
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8", newline=None if "b" in mode else "") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"{path}: writing failed ({exc.strerror or exc}); nothing was written") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
