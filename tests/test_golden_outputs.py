"""Golden outputs: `her2var classify`, `cohort` and `analyze` on fixed fixture inputs, compared file by
file with tests/golden/outputs/<case>/ (written by scripts/make_golden_outputs.py, whose functions
these tests run, so the script and the tests cannot drift apart).

A difference fails with the changed values and a unified diff. If the change is intended, run
``python scripts/make_golden_outputs.py`` and review the diff of tests/golden/outputs/ like any
other change of a clinical result. The cases and what is normalised are described in the script.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_golden_outputs", ROOT / "scripts" / "make_golden_outputs.py")
golden = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("make_golden_outputs", golden)
_spec.loader.exec_module(golden)

CASES = list(golden.cases())


@pytest.fixture(scope="module")
def run_case(tmp_path_factory):
    """case -> (work folder, {golden path: raw output file}, {golden path: normalised text}); each
    case runs once per module."""
    done: dict[str, tuple[Path, dict[str, Path], dict[str, str]]] = {}

    def get(case: str):
        if case not in done:
            work = tmp_path_factory.mktemp(f"golden-{case}")
            raw = golden.cases()[case](work)
            done[case] = (work, raw, {rel: golden.normalise_file(p, work) for rel, p in raw.items()})
        return done[case]

    return get


def test_every_case_has_a_golden_folder_and_every_folder_a_case():
    folders = {p.name for p in golden.GOLDEN.iterdir() if p.is_dir()} if golden.GOLDEN.is_dir() else set()
    assert folders == set(CASES), (
        f"cases without golden files: {sorted(set(CASES) - folders)}; golden folders without a case: "
        f"{sorted(folders - set(CASES))}. Run: {golden.REGENERATE}")


@pytest.mark.parametrize("case", CASES)
def test_outputs_equal_the_golden_files(run_case, case):
    _, _, got = run_case(case)
    want = golden.read_golden(case)
    assert want, f"no golden files in tests/golden/outputs/{case}/; run: {golden.REGENERATE} {case}"
    report = golden.compare(case, got, want)
    if report:
        pytest.fail(report, pytrace=False)
    assert sorted(got) == sorted(want)


# -- the normalisation hides the run, never a result -------------------------------------------------
def _edited(run_case, case: str, rel: str, edit, tmp_path: Path) -> dict[str, str]:
    """The case's normalised outputs with one raw output file edited by `edit(text) -> text`
    before normalising (a copy is edited; the run is shared with the other tests)."""
    work, raw, normalised = run_case(case)
    copy = tmp_path / Path(rel).name
    shutil.copyfile(raw[rel], copy)
    text = copy.read_text(encoding="utf-8")
    new = edit(text)
    assert new != text, "the edit changed nothing"
    copy.write_text(new, encoding="utf-8")
    return {**normalised, rel: golden.normalise_file(copy, work)}


def _json_edit(change):
    def edit(text: str) -> str:
        obj = json.loads(text)
        change(obj)
        return json.dumps(obj, indent=2)
    return edit


def _bump_vaf(sample: dict) -> None:
    call = next(c for c in sample["calls"] if c["class"] == "exon20_insertion")
    call["vaf"] = call["vaf"] + 1e-6


def _bump_sample_cn(sample: dict) -> None:
    sample["copy_number"] = sample["copy_number"] + 1e-6


def _bump_median(results: dict) -> None:
    km = next(r for r in results["km"] if r["median"] is not None)
    km["median"] = km["median"] + 1e-9


def _bump_p(results: dict) -> None:
    lr = next(r for r in results["logrank"] if r.get("p") is not None)
    lr["p"] = lr["p"] * (1 + 1e-12)


def _tsv_cell(column: str, row_where, new: str):
    def edit(text: str) -> str:
        rows = [line.split("\t") for line in text.splitlines()]
        i = rows[0].index(column)
        row = next(r for r in rows[1:] if row_where(r, rows[0]))
        row[i] = new
        return "\n".join("\t".join(r) for r in rows) + "\n"
    return edit


def _is_amplification(row, header):
    return row[header.index("class")] == "amplification"


EDITS = [
    pytest.param("classify", "samples/S001.json", _json_edit(_bump_vaf), "vaf", id="vaf-in-sample-json"),
    pytest.param("classify", "samples/S001.json", _json_edit(_bump_sample_cn), "copy_number", id="cn-in-sample-json"),
    pytest.param("classify", "calls.tsv", _tsv_cell("copy_number", _is_amplification, "8.666"), "copy_number",
                 id="cn-in-calls-tsv"),
    pytest.param("classify", "samples.tsv", _tsv_cell("her2_status", lambda r, h: r[0] == "S003", "none"),
                 "her2_status", id="class-in-samples-tsv"),
    pytest.param("classify", "samples/S005.json",
                 _json_edit(lambda s: s["provenance"].update(input_sha256="0" * 64)), "input_sha256",
                 id="input-checksum"),
    pytest.param("cohort", "cohort.tsv", _tsv_cell("copy_number", lambda r, h: r[0] == "P002", "9.4"), "copy_number",
                 id="cn-in-cohort-tsv"),
    pytest.param("analyze-alteration-groups", "results.json", _json_edit(_bump_median), "median",
                 id="km-median-in-results"),
    pytest.param("analyze-alteration-groups", "results.json", _json_edit(_bump_p), ".p:", id="p-value-in-results"),
    pytest.param("analyze-alteration-groups", "results.json",
                 _json_edit(lambda r: r["provenance"]["plan"].update(sha256="0" * 64)), "sha256",
                 id="plan-checksum-in-results"),
]


@pytest.mark.parametrize("case,rel,edit,needle", EDITS)
def test_a_changed_value_fails_the_comparison(run_case, tmp_path, case, rel, edit, needle):
    got = _edited(run_case, case, rel, edit, tmp_path)
    report = golden.compare(case, got, golden.read_golden(case))
    assert report, f"editing {rel} ({needle}) was not noticed: the normalisation hides it"
    assert rel in report and needle in report and golden.REGENERATE in report
    assert "clinical result" in report
    assert len(report.splitlines()) <= 100


def test_normalisation_replaces_only_run_dependent_fields(tmp_path):
    from her2var import __version__
    from her2var.rules.schema import builtin_rules_dir

    work = tmp_path / "run"
    values = {"vaf": 0.18640776699029127, "copy_number": 8.665, "p": 1.234e-17, "median": 3.8768,
              "ci_low": 2.8255, "input_sha256": "ab" * 32, "rules_checksum": "cd" * 32, "hgvs_p": "p.Y772_A775dup",
              "n": 89, "class": "exon20_insertion", "input": str(work / "x.vcf")}
    doc = {**values, "provenance": {
        "her2var_version": __version__, "date": "2026-12-02T18:01:07+00:00", "platform": "Linux-6.1-x86_64",
        "versions": {"her2var": __version__, "numpy": "2.4.6"}, "command": ["her2var", "analyze", str(work)],
        "plan": {"source": str(builtin_rules_dir() / "x.yaml"), "sha256": "ef" * 32}, **values}}
    p = tmp_path / "doc.json"
    p.write_text(json.dumps(doc))
    out = json.loads(golden.normalise_file(p, work))
    expect = {**values, "input": "<OUT>/x.vcf"}
    assert {k: out[k] for k in values} == expect
    assert {k: out["provenance"][k] for k in values} == expect
    assert out["provenance"]["plan"] == {"source": "<RULES>/x.yaml", "sha256": "ef" * 32}
    assert out["provenance"]["her2var_version"] == out["provenance"]["versions"]["numpy"] == golden.VERSION
    assert (out["provenance"]["date"], out["provenance"]["platform"], out["provenance"]["command"]) == \
        ("<DATE>", "<PLATFORM>", ["<COMMAND>"])
    text = f"written by her2var {__version__}\nCN 9.81 (her2var-{__version__}.tar.gz)\n"
    assert golden.normalise_text(text, work) == \
        f"written by her2var {golden.VERSION}\nCN 9.81 (her2var-{__version__}.tar.gz)\n"
