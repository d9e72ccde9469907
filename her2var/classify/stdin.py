"""Standard input as a classify input ('-'): ``bcftools view x.bcf | her2var classify -``.

The VCF reader sniffs the format, reads the header, then the records, and checks a BGZF file's
end: it opens the file several times and seeks, which a pipe cannot do. So standard input is
copied whole to a private temporary file first, and every result names it ``<stdin>`` (input,
messages, notes), never by the temporary's path.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from typing import IO, Any

from .. import limits
from ..errors import InputError
from .result import SampleResult

STDIN = "-"  # on the command line
STDIN_NAME = "<stdin>"  # in results and messages


@contextlib.contextmanager
def stdin_copy(stream: IO[bytes]) -> Iterator[str]:
    """The bytes of ``stream`` (standard input) in a temporary file, removed afterwards."""
    with contextlib.suppress(AttributeError, ValueError, OSError):
        st = os.fstat(stream.fileno())
        if (stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)) and st.st_rdev != os.stat(os.devnull).st_rdev:
            # a terminal, /dev/zero, a disk: nobody would ever end it (/dev/null reads as empty)
            raise InputError("standard input ('-') is a terminal or a device, not a VCF; pipe a VCF into her2var "
                             "(bcftools view x.bcf | her2var classify -) or give the file's name")
    most = limits.current().max_pipe_bytes
    with tempfile.TemporaryDirectory(prefix="her2var-stdin-") as folder:
        path = os.path.join(folder, "stdin")
        total = 0
        try:
            with open(path, "wb") as fh:
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    total += len(chunk)
                    if total > most:
                        raise InputError(f"standard input ('-'): more than {most:,} bytes "
                                         f"{limits.exceeded('max_pipe_bytes')}")
                    fh.write(chunk)
        except OSError as exc:
            raise InputError(f"standard input ('-'): cannot be copied to a temporary file "
                             f"({exc.strerror or exc}); save it to a file and give that") from exc
        yield path


def _renamed(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for path, name in names.items():
            value = value.replace(path, name)
        return value
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    if isinstance(value, tuple):
        return tuple(_renamed(v, names) for v in value)
    if type(value) is dict:  # a Counter (dropped reasons) holds no paths
        return {k: _renamed(v, names) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = _renamed(old, names)
            if new is not old:
                object.__setattr__(value, f.name, new)  # frozen dataclasses too
        return value
    return value


def relabel(result: SampleResult, names: Mapping[str, str]) -> None:
    """Give each temporary file (a key of ``names``) its user-facing name in everything ``result``
    says: input, error, notes, reasons, each call and copy-number record."""
    if names:
        _renamed(result, names)
