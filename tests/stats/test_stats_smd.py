"""Standardised mean differences against tests/golden/expected_smd.json (tableone's definitions,
written out in tests/golden/make_golden_smd.R; R is not needed to run these)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2var.stats.smd import smd, smd_pair_categorical, smd_pair_continuous

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
EXPECTED = json.loads((GOLDEN / "expected_smd.json").read_text())["cases"]


def data(case: dict) -> tuple[np.ndarray, np.ndarray]:
    if case["cohort"] == "hand":
        return np.array(case["values"], dtype=object), np.array(case["groups"], dtype=object)
    d = pd.read_csv(GOLDEN / f"cohort_{case['cohort']}.csv", dtype={"ecog": "object"})
    if case["kind"] == "continuous":
        return d[case["variable"]].to_numpy(dtype=float), d["group"].to_numpy(dtype=object)
    values = np.array([None if pd.isna(v) else str(v) for v in d[case["variable"]]], dtype=object)
    return values, d["group"].to_numpy(dtype=object)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_smd_matches_r(name: str) -> None:
    case = EXPECTED[name]
    values, groups = data(case)
    cats = case["categories"] if case["kind"] == "categorical" else None
    got = smd(values, groups, case["levels"], kind=case["kind"], categories=cats)
    assert got["smd"] == pytest.approx(case["smd"], rel=1e-12, abs=1e-14)
    assert len(got["pairs"]) == len(case["pairs"])
    for g, w in zip(got["pairs"], case["pairs"], strict=True):
        assert (g["group1"], g["group2"]) == (w["group1"], w["group2"])
        assert g["smd"] == pytest.approx(w["smd"], rel=1e-12, abs=1e-14)


def test_binary_smd_is_the_familiar_formula() -> None:
    pa, pb = 0.3, 0.55
    want = abs(pa - pb) / np.sqrt((pa * (1 - pa) + pb * (1 - pb)) / 2)
    assert smd_pair_categorical(np.array([1 - pa, pa]), np.array([1 - pb, pb])) == pytest.approx(want, rel=1e-12)


def test_categorical_smd_does_not_depend_on_the_level_dropped() -> None:
    pa, pb = np.array([0.2, 0.5, 0.3]), np.array([0.4, 0.1, 0.5])
    base = smd_pair_categorical(pa, pb)
    for order in ([1, 0, 2], [2, 1, 0]):
        assert smd_pair_categorical(pa[order], pb[order]) == pytest.approx(base, rel=1e-10)


def test_undefined_smd_is_none() -> None:
    assert smd_pair_continuous(np.array([1.0]), np.array([2.0, 3.0])) is None
    assert smd_pair_continuous(np.array([2.0, 2.0]), np.array([2.0, 2.0])) is None
    got = smd(np.array([1.0, 2.0, 3.0, 5.0, 7.0]), np.array(["a", "b", "b", "c", "c"], dtype=object),
              ["a", "b", "c"], kind="continuous")
    assert got["smd"] is None and got["pairs"][2]["smd"] is not None
