#!/usr/bin/env python3
"""Refresh constraints.txt: the exact versions the test suite last passed on.

Makes a new virtual environment, installs the project with its test extra (the newest versions
its dependency ranges allow), runs the README's test command there and, only if it passes,
writes every installed distribution's version to constraints.txt. A lab that validates a
version installs with those pins:

    pip install -c constraints.txt .

Usage: python scripts/refresh_constraints.py [--keep-venv DIR] [--no-tests]
(--no-tests pins without running the suite: for looking, never for a release.)
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "constraints.txt"


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep-venv", type=Path, help="make the environment here and keep it")
    ap.add_argument("--no-tests", action="store_true", help="pin without running the suite")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="her2var-lock-") as tmp:
        venv = args.keep_venv or Path(tmp) / "venv"
        run([sys.executable, "-m", "venv", str(venv)])
        py = str(venv / "bin" / "python")
        run([py, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        run([py, "-m", "pip", "install", "--quiet", f"{ROOT}[test]"])
        if not args.no_tests:
            # The README's test command, run against this environment's installed package.
            run([str(venv / "bin" / "pytest"), "-q", "-n", "2", "tests"], cwd=ROOT)
        frozen = run([py, "-m", "pip", "list", "--format=freeze", "--exclude-editable"],
                     capture_output=True, text=True).stdout.splitlines()
    installers = ("her2var", "pip", "setuptools", "wheel")  # the project itself and the venv's own tools
    pins = sorted((line for line in frozen if "==" in line and line.split("==")[0].lower() not in installers),
                  key=str.lower)
    head = [
        "# Versions the her2var test suite last passed on (scripts/refresh_constraints.py).",
        f"# {datetime.date.today().isoformat()}, Python {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}" + ("" if not args.no_tests else "; SUITE NOT RUN"),
        "# Install with: pip install -c constraints.txt .   (add [test] to run the suite)",
    ]
    tmp_out = OUT.with_suffix(f".{os.getpid()}.tmp")
    tmp_out.write_text("\n".join(head + pins) + "\n", encoding="utf-8")
    os.replace(tmp_out, OUT)
    print(f"wrote {OUT} ({len(pins)} pins)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
