"""The suite tests what users install, and constraints.txt pins versions the dependency ranges allow."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from conftest import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import her2var


def _runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in project["dependencies"]]


def test_suite_imports_the_installed_package() -> None:
    """A checkout shadowing a regular install would let a broken wheel (rules left out, a module
    not packaged) pass the tests: in-process tests must import what pip installed."""
    try:
        dist = metadata.distribution("her2var")
    except metadata.PackageNotFoundError:
        pytest.fail("her2var is not installed in this environment: install it first (see README, 'Set-up')")
    direct = json.loads(dist.read_text("direct_url.json") or "{}")
    editable = bool(direct.get("dir_info", {}).get("editable"))
    package = Path(her2var.__file__).resolve().parent
    if editable:  # a developer's `pip install -e .`: the checkout is the installed package
        assert package == (ROOT / "her2var").resolve()
    else:
        installed = Path(str(dist.locate_file("her2var"))).resolve()
        assert package == installed, (f"tests import {package}, but pip installed her2var at {installed}: "
                                       "run pytest so that the checkout is not on sys.path (README test command)")
        assert (package / "_rules" / "thresholds.yaml").is_file(), "the installed package lacks its rules"


def test_installed_version_is_the_checkouts() -> None:
    text = (ROOT / "her2var" / "__init__.py").read_text(encoding="utf-8")
    version = re.search(r'__version__\s*=\s*"([^"]+)"', text)
    assert version and metadata.version("her2var") == version.group(1) == her2var.__version__


def _pins() -> dict[str, str]:
    pins = {}
    for n, line in enumerate((ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"constraints.txt:{n}: expected name==version"
        pins[canonicalize_name(name)] = version
    return pins


def test_constraints_pin_every_runtime_dependency_within_its_range() -> None:
    pins = _pins()
    for req in _runtime_requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"constraints.txt does not pin {req.name}"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"constraints.txt pins {req.name}=={pins[name]}, outside pyproject's '{req.specifier}'"
    assert "her2var" not in pins


def test_constraints_pin_no_package_twice() -> None:
    names = [canonicalize_name(line.partition("==")[0])
             for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(names) == len(set(names))
