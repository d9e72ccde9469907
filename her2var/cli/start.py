"""The console script ``her2var`` and ``python -m her2var``.

A Ctrl-C while the command line's own modules are still being imported (its first tenth of a
second) ends the run as one a moment later does, with one line and exit code 130, not with
Python's traceback of the import. Nothing has been read or written by then.
"""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from .main import main as command_line
    except KeyboardInterrupt:
        sys.stderr.write("her2var: interrupted\n")
        return 130
    return command_line()
