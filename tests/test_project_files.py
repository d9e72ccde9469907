"""The files that say what her2var is and how it may be used: LICENSE, CITATION.cff, CHANGELOG.md.
They agree with pyproject.toml and the package version, and ship in the source distribution."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import ROOT

import her2var


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_the_mit_text_pyproject_declares():
    assert pyproject()["project"]["license"] == {"text": "MIT"}
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) ") and "her2var authors" in text.splitlines()[2]
    assert "Permission is hereby granted, free of charge" in text and 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def test_citation_is_cff_1_2_0_and_matches_the_package():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):  # the keys CFF 1.2.0 requires
        assert cff[key], key
    assert all(a.get("name") or a.get("family-names") for a in cff["authors"])
    assert str(cff["version"]) == her2var.__version__
    assert cff["license"] == pyproject()["project"]["license"]["text"]
    assert cff["type"] == "software"


def test_changelog_has_an_unreleased_section_and_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings[0] == "Unreleased"
    assert any(h.split()[0] == her2var.__version__ for h in headings[1:])


def test_they_ship_in_the_source_distribution():
    include = pyproject()["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    assert {"LICENSE", "CITATION.cff", "CHANGELOG.md"} <= set(include)
