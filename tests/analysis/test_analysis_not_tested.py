"""Table 1 never counts "not tested" as "no": a co-driver column the cohort lacks, or cells that
say "not tested", are a row of their own and stay out of the percentages and the test."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml

from her2var.analysis.plan import builtin_plans
from her2var.analysis.run import analyze

ROOT = Path(__file__).resolve().parents[2]
COHORT = ROOT / "fixtures" / "analysis" / "cohort.tsv"


def rows_of(path: Path = COHORT) -> tuple[list[str], list[dict]]:
    with open(path) as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, columns: list[str], rows: list[dict]) -> Path:
    with open(path, "w") as fh:
        fh.write("\t".join(columns) + "\n")
        for r in rows:
            fh.write("\t".join(r.get(c, "") for c in columns) + "\n")
    return path


def table1(tmp_path: Path, cohort: Path, plan: str | Path = "alteration-groups") -> tuple[dict, dict]:
    out = tmp_path / "out"
    res = analyze(str(cohort), str(plan), str(out), figures=False)
    got: dict[tuple[str, str], dict] = {(r["variable"], r["level"]): r["cells"] for r in res.results["table1_rows"]}
    tests = {r["variable"]: r for r in res.results["table1"]}
    with open(out / "tables" / "table1.tsv") as fh:
        printed = fh.read()
    got["_printed"] = {"text": printed}
    return got, tests


def test_a_gene_no_sample_was_tested_for_is_not_tested_not_absent(tmp_path):
    """The cohort has no codriver_ALK column (no fusion input anywhere): the built-in plan must not
    print 'no 89 (100.0%)'."""
    cols, _ = rows_of()
    assert "codriver_ALK" not in cols
    got, tests = table1(tmp_path, COHORT)
    n_all = int(got[("N", "")]["all"])
    alk = {lv: got[("codriver_ALK", lv)]["all"] for lv in ("yes", "no", "not tested")}
    assert alk["yes"] == alk["no"] == "0 (NA)"
    assert alk["not tested"] == str(tests["codriver_ALK"]["n_not_tested"]) and int(alk["not tested"]) > 0
    assert tests["codriver_ALK"]["test"] is None and tests["codriver_ALK"]["p"] is None
    assert int(alk["not tested"]) == n_all
    printed = got["_printed"]["text"]
    assert "Co-occurring ALK alteration, n (% of tested)" in printed
    assert not re.search(r"Co-occurring ALK alteration\tno\t.*100\.0%", printed)


def test_not_tested_cells_leave_the_percentages_and_the_test(tmp_path):
    cols, rows = rows_of()
    pop = [r for r in rows if any(c in r["her2_classes"].split(";") for c in ("exon20_insertion", "amplification"))]
    ins = [r for r in pop if r["her2_classes"].split(";")[0] == "exon20_insertion"]
    for r in rows:
        r["codriver_EGFR"] = r["codriver_EGFR"] or "no"
    for r in ins[:10]:
        r["codriver_EGFR"] = "not tested"
    got, tests = table1(tmp_path, write_rows(tmp_path / "c.tsv", cols, rows))
    n_ins = len(ins)
    yes = sum(1 for r in ins if r["codriver_EGFR"] not in ("no", "not tested"))
    tested = n_ins - 10
    cell = got[("codriver_EGFR", "no")]["Exon 20 insertion"]
    assert cell == f"{tested - yes} ({100 * (tested - yes) / tested:.1f}%)"
    assert got[("codriver_EGFR", "not tested")]["Exon 20 insertion"] == "10"
    assert tests["codriver_EGFR"]["n_not_tested"] == 10 and tests["codriver_EGFR"]["n_missing"] == 0


def test_all_absent_is_an_explicit_choice(tmp_path):
    tree = yaml.safe_load(builtin_plans()["alteration-groups"].read_text())
    for v in tree["table1"]["variables"]:
        if v["column"] == "codriver_ALK":
            v["if_missing"] = "all_absent"
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(tree))
    got, tests = table1(tmp_path, COHORT, plan)
    assert got[("codriver_ALK", "no")]["all"].endswith("(100.0%)")
    assert ("codriver_ALK", "not tested") not in got


def test_results_json_says_how_many_were_not_tested(tmp_path):
    analyze(str(COHORT), "alteration-groups", str(tmp_path / "o"), figures=False)
    res = json.loads((tmp_path / "o" / "results.json").read_text())
    (alk,) = [r for r in res["table1"] if r["variable"] == "codriver_ALK"]
    assert alk["n_not_tested"] == res["cohort"]["table1"]
    header = (tmp_path / "o" / "tables" / "table1_tests.tsv").read_text().splitlines()[0].split("\t")
    assert "n_not_tested" in header


@pytest.mark.parametrize("raw,want", [("12.5", "high"), ("10", "high"), ("9.99", "low"), ("not tested", None),
                                      ("abc", None), (None, None)])
def test_breaks_cut_a_number_column_into_levels(raw, want):
    from her2var.analysis.categories import Categories

    cats = Categories(column="tmb", levels=("low", "high"), breaks=(10.0,))
    level, why = cats.assign(raw)
    assert level == want
    if want is None:
        assert why
