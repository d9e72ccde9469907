#!/usr/bin/env python3
"""Check that this environment runs the tests on what users get.

Asks pip which versions a plain ``pip install .`` would choose right now (a dry run that installs
nothing) and compares them with the versions installed here, package by package. The test extra
may add packages (pytest, hypothesis…) but must not move any package a user gets. Exit 1 on any
difference, listing it.

Usage: python scripts/check_test_env.py        (from the environment that runs the tests)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def plain_install_versions() -> dict[str, str]:
    """{package: version} that ``pip install .`` resolves to now, into an empty environment."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed",
                        "--report", str(report), str(ROOT)], check=True)
        data = json.loads(report.read_text(encoding="utf-8"))
    return {_canonical(item["metadata"]["name"]): item["metadata"]["version"] for item in data["install"]}


def main() -> int:
    wanted = plain_install_versions()
    installed = {_canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    wanted.pop("her2var", None)
    differ = [f"{name}: users get {v}, this environment has {installed.get(name, 'nothing')}"
              for name, v in sorted(wanted.items()) if installed.get(name) != v]
    if differ:
        print("the test environment differs from a plain install:\n  " + "\n  ".join(differ), file=sys.stderr)
        return 1
    print(f"test environment = plain install for all {len(wanted)} packages a user gets "
          f"(pandas {wanted.get('pandas')}, numpy {wanted.get('numpy')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
