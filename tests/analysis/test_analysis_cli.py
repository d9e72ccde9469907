"""`her2var analyze` / `her2var plans` on bad input: a clear message and exit code, or a labelled
result; never a traceback, a silent NaN or a half-written folder.

Each case runs two ways in this process: click's CliRunner on the command alone, and the command
line's entry point (`her2var.cli.main(["analyze", ...])`). One case per command also runs the
installed `her2var` program in a process of its own (way "process").
"""

from __future__ import annotations

import csv
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run_cli, run_process, run_python

ROOT = Path(__file__).resolve().parents[2]
COHORT = ROOT / "fixtures" / "analysis" / "cohort.tsv"
PLANS = ROOT / "rules" / "plans"


WAYS = ["clirunner", "cli"]
SMOKE = [*WAYS, pytest.param("process", marks=pytest.mark.slow)]  # one case per command: the installed program


def run(way: str, *args: str, command: str = "analyze") -> tuple[int, str, str]:
    if way == "clirunner":
        from her2var.cli import analyze as cmd

        res = CliRunner().invoke(getattr(cmd, command), list(args))
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            raise res.exception
        return res.exit_code, res.stdout, res.stderr
    proc = (run_process if way == "process" else run_cli)(command, *args)
    return proc.returncode, proc.stdout, proc.stderr


def read_rows(path: Path = COHORT) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return list(reader.fieldnames), list(reader)


def write_rows(path: Path, columns: list[str], rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\t".join(columns) + "\n")
        for r in rows:
            fh.write("\t".join(r.get(c, "") for c in columns) + "\n")
    return path


def plan_with(tmp_path: Path, old: str, new: str, base: str = "first-line-regimens") -> Path:
    text = (PLANS / f"{base}.yaml").read_text()
    assert old in text, old
    p = tmp_path / "plan.yaml"
    p.write_text(text.replace(old, new))
    return p


def no_traceback(err: str) -> None:
    assert "Traceback" not in err, err


@pytest.mark.parametrize("way", SMOKE)
def test_plan_naming_a_missing_column_lists_the_columns(tmp_path: Path, way: str) -> None:
    plan = plan_with(tmp_path, "column: mets_brain\n    levels", "column: brain_metastases\n    levels")
    out = tmp_path / "out"
    code, _, err = run(way, str(COHORT), "--plan", str(plan), "-o", str(out))
    assert code == 1
    no_traceback(err)
    assert "names column(s) the cohort lacks: 'brain_metastases' (plan: subgroups.brain_mets)" in err
    assert "The cohort's columns are: patient_id, sex, age" in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("way", WAYS)
def test_unknown_plan_is_a_usage_error(tmp_path: Path, way: str) -> None:
    code, _, err = run(way, str(COHORT), "--plan", "first-line", "-o", str(tmp_path / "o"))
    assert code == 2
    no_traceback(err)
    assert ("no built-in plan of that name; built-in plans: alteration-groups, codriver-coalteration, "
            "first-line-regimens") in err


@pytest.mark.parametrize("way", WAYS)
def test_missing_cohort_file(tmp_path: Path, way: str) -> None:
    code, _, err = run(way, str(tmp_path / "nope.tsv"), "--plan", "first-line-regimens", "-o", str(tmp_path / "o"))
    assert code == 1
    no_traceback(err)
    assert "nope.tsv: no such file" in err


@pytest.mark.parametrize("way", WAYS)
def test_non_numeric_time_names_line_patient_and_column(tmp_path: Path, way: str) -> None:
    cols, rows = read_rows()
    rows[4]["pfs_months"] = "about 3"
    rows[4]["her2_classes"] = "exon20_insertion"
    rows[4]["in_pfs"] = "yes"
    cohort = write_rows(tmp_path / "c.tsv", cols, rows)
    code, _, err = run(way, str(cohort), "--plan", "first-line-regimens", "-o", str(tmp_path / "o"))
    assert code == 1
    no_traceback(err)
    assert f"c.tsv:6 (patient {rows[4]['patient_id']}), column 'pfs_months': the value is not a number" in err
    assert "about 3" not in err  # the cell's value is not repeated


@pytest.mark.parametrize("way", WAYS)
def test_bad_event_code_and_response_code(tmp_path: Path, way: str) -> None:
    cols, rows = read_rows()
    for r in rows:
        r["her2_classes"] = "exon20_insertion"
    bad_event = [dict(r) for r in rows]
    bad_event[0].update(pfs_event="2", in_pfs="yes", pfs_months="3.0")
    code, _, err = run(way, str(write_rows(tmp_path / "e.tsv", cols, bad_event)), "--plan", "first-line-regimens",
                       "-o", str(tmp_path / "o"))
    assert code == 1 and "column 'pfs_event': '2'; expected 1 (event) or 0 (censored)" in err
    bad_resp = [dict(r) for r in rows]
    bad_resp[0].update(best_response="responded", in_response="yes")
    code, _, err = run(way, str(write_rows(tmp_path / "r.tsv", cols, bad_resp)), "--plan", "first-line-regimens",
                       "-o", str(tmp_path / "o"))
    assert code == 1 and "'responded' is not a RECIST best response; expected one of CR, PR, SD, PD, NE" in err
    no_traceback(err)


@pytest.mark.parametrize("way", WAYS)
def test_output_folder_that_is_not_an_analysis_is_left_alone(tmp_path: Path, way: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = run(way, str(COHORT), "--plan", "first-line-regimens", "-o", str(out), "--no-figures")
    assert code == 2
    no_traceback(err)
    assert "exists, is not empty and holds no earlier analysis" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("way", WAYS)
def test_malformed_plan_yaml_names_file_and_line(tmp_path: Path, way: str) -> None:
    plan = tmp_path / "p.yaml"
    plan.write_text("version: 1\nname: [unclosed\n")
    code, _, err = run(way, str(COHORT), "--plan", str(plan), "-o", str(tmp_path / "o"))
    assert code == 1
    no_traceback(err)
    assert "p.yaml:" in err and "not valid YAML" in err


def test_nobody_in_the_population(tmp_path: Path) -> None:
    cols, rows = read_rows()
    for r in rows:
        r["her2_classes"] = ""
    code, _, err = run("clirunner", str(write_rows(tmp_path / "c.tsv", cols, rows)), "--plan", "first-line-regimens",
                       "-o", str(tmp_path / "o"))
    assert code == 1
    assert "no patient is in the plan's population (HER2-mutant" in err


def test_duplicate_patient_id(tmp_path: Path) -> None:
    cols, rows = read_rows()
    rows[1]["patient_id"] = rows[0]["patient_id"]
    code, _, err = run("clirunner", str(write_rows(tmp_path / "c.tsv", cols, rows)), "--plan", "first-line-regimens",
                       "-o", str(tmp_path / "o"))
    assert code == 1 and f"patient id(s) {rows[0]['patient_id']} appear more than once" in err


# ---------------------------------------------------------------------------------------------
# Labelled results: the analysis runs, and says what could not be computed
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def labelled(tmp_path_factory) -> tuple[dict, str]:
    """One run over the nasty cases: an empty group, an all-censored group, a one-level covariate,
    a covariate level without events (an infinite coefficient)."""
    tmp = tmp_path_factory.mktemp("labelled")
    text = (PLANS / "first-line-regimens.yaml").read_text()
    text = text.replace("levels: [C, I, TKI, C+I, C+A, C+I+A]", "levels: [C, I, TKI, C+I, C+A, C+I+A, I+A]")
    text = text.replace("    - {grouping: regimen_group, label: Combination vs single, type: categorical, reference: single}",
                        "    - {grouping: regimen_group, label: Combination vs single, type: categorical, reference: single}\n"
                        "    - {column: histology, label: Histology, type: categorical, reference: adenocarcinoma}")
    text = text.replace("cox:\n  endpoints: [pfs, os]", "cox:\n  endpoints: [pfs, os]", 1)
    plan = tmp / "plan.yaml"
    plan.write_text(text)
    plan2 = tmp / "plan_regimen_cox.yaml"
    plan2.write_text(text.replace(
        "    - {column: histology, label: Histology, type: categorical, reference: adenocarcinoma}",
        "    - {grouping: regimen, label: Regimen, type: categorical, reference: C}"))
    out, out2 = tmp / "out", tmp / "out2"
    code, _, err = run("clirunner", str(COHORT), "--plan", str(plan), "-o", str(out))
    assert code == 0, err
    code2, _, err2 = run("clirunner", str(COHORT), "--plan", str(plan2), "-o", str(out2), "--no-figures")
    assert code2 == 0, err2
    return (json.loads((out / "results.json").read_text()), (out / "report.html").read_text(),
            json.loads((out2 / "results.json").read_text()), (out2 / "report.html").read_text(), err)


def test_group_without_patients_is_reported_with_n_zero(labelled) -> None:
    res, html, *_ = labelled
    rec = [r for r in res["km"] if r["group"] == "I+A" and r["subgroup"] is None]
    assert rec and all(r["n"] == 0 and r["median"] is None and r["note"] == "no patients" for r in rec)
    lr = next(r for r in res["logrank"] if r["group_by"] == "regimen" and r["subgroup"] is None and r["endpoint"] == "pfs")
    assert lr["p"] is not None and "no patients in I+A" in lr["note"] and "I+A" not in lr["groups"]
    assert "[" not in lr["note"]  # a list in words, never Python's repr
    assert [r["n"] for r in res["response"] if r["group"] == "I+A" and r["subgroup"] is None] == [0]
    assert "group I+A has no patients (reported with n = 0, not tested)" in html


def test_all_censored_group_is_not_reached(labelled) -> None:
    res, html, *_ = labelled
    ca = next(r for r in res["km"] if r["group"] == "C+A" and r["subgroup"] is None and r["endpoint"] == "pfs")
    assert ca["events"] == 0 and ca["median"] is None and ca["ci_low"] is None and ca["ci_high"] is None
    assert ca["note"] == "median not reached" and ca["median_text"] == "NR (NR\u2013NR)"
    assert "NR (NR\u2013NR)" in html


def test_one_level_covariate_is_not_estimable_with_reason(labelled) -> None:
    res, html, *_ = labelled
    uni = [m for m in res["cox_models"] if m["model_id"] == "univariable: histology"]
    assert len(uni) == 2 and all(m["status"] == "not estimable" for m in uni)
    assert "covariate 'histology' has one level (adenocarcinoma)" in uni[0]["reason"]
    multi = [m for m in res["cox_models"] if m["model"] == "multivariable"]
    assert all(m["status"] == "not estimable" and "histology" in m["reason"] for m in multi)
    rec = [r for r in res["cox"] if r["model_id"] == "univariable: histology"]
    assert all(r["hr"] is None and r["note"].startswith("not estimable") for r in rec)
    assert "not estimable: covariate &#39;histology&#39; has one level" in html
    assert "Multivariable model not estimable: covariate &#39;histology&#39;" in html


def test_infinite_coefficient_and_warnings_are_labelled_next_to_the_model(labelled) -> None:
    *_, res, html, _ = labelled
    term = next(r for r in res["cox"] if r["term"] == "regimen=C+A" and r["model"] == "univariable"
                and r["endpoint"] == "pfs")
    # No HR, CI or Wald p (R's 0.99 means nothing there): the likelihood-ratio p instead, labelled.
    assert term["hr"] is None and term["term_status"] == "infinite"
    assert term["note"].startswith("monotone likelihood (separation): no events at this level")
    assert term["p_method"] == "likelihood ratio" and 0 <= term["p"] < 1
    model = next(m for m in res["cox_models"] if m["model_id"] == "univariable: regimen" and m["endpoint"] == "pfs")
    assert any("regimen=C+A" in w for w in model["warnings"])
    start = html.index("<h3>Progression-free survival</h3>", html.index('id="cox"'))
    block = html[start:min(html.index("<h3>", start + 4), html.index("<h2", start))]
    assert "Notes and warnings for these models" in block and "Efron ties, Wald CIs." in block
    assert ("univariable: regimen: warning while fitting: term &#39;regimen=C+A&#39;: monotone likelihood "
            "(separation)") in block
    assert "(LR)" in block


def test_no_nan_anywhere_in_results(labelled) -> None:
    res, *_ = labelled
    text = json.dumps(res, allow_nan=False)  # raises on NaN/inf
    assert "NaN" not in text and "Infinity" not in text


@pytest.mark.parametrize("way", SMOKE)
def test_plans_lists_and_prints(way: str) -> None:
    code, out, err = run(way, command="plans")
    assert code == 0, err
    assert "first-line-regimens\n    HER2-mutant NSCLC by first-line regimen" in out
    assert "alteration-groups" in out
    code, out, _ = run(way, "alteration-groups", command="plans")
    assert code == 0 and out.startswith("# Analysis plan: HER2 exon 20 insertion vs amplification")
    code, _, err = run(way, "nope", command="plans")
    assert code == 2 and "no built-in plan 'nope'" in err


def test_help_does_not_import_heavy_libraries() -> None:
    code = textwrap.dedent("""
        import sys
        from her2var.cli import analyze as command
        heavy = [m for m in ("pandas", "matplotlib", "lifelines", "scipy") if m in sys.modules]
        print(",".join(heavy))
    """)
    proc = run_python(code, timeout=60)  # a fresh interpreter: this one has imported them already
    assert proc.returncode == 0 and proc.stdout.strip() == "", proc.stdout + proc.stderr


def test_the_statistics_do_not_import_pandas_or_scipy_stats() -> None:
    """The Cox models are fitted from numpy columns and the distributions come from scipy.special:
    the process that computes never pays for importing pandas, scipy.stats or scipy.optimize."""
    code = textwrap.dedent(f"""
        import sys
        from her2var.analysis.coalteration import derive
        from her2var.analysis.compute import compute
        from her2var.analysis.data import prepare, read_cohort
        from her2var.analysis.plan import load_plan
        table, plan, _ = derive(read_cohort({str(COHORT)!r}), load_plan("first-line-regimens"))
        out = compute(plan, prepare(table, plan))
        assert any(m.status == "ok" for _, m in out.cox_models), out.cox_models
        print(",".join(m for m in ("pandas", "scipy.stats", "scipy.optimize") if m in sys.modules))
    """)
    proc = run_python(code, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "", proc.stdout + proc.stderr
