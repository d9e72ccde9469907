"""Analysis plans: the built-in ones load, and every schema rule rejects a bad plan by name."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from her2var.analysis.plan import Categories, builtin_plans, load_plan, plan_from_tree
from her2var.errors import RulesError, UsageError

ROOT = Path(__file__).resolve().parents[2]


def test_builtin_plans_are_found_and_valid() -> None:
    found = builtin_plans()
    assert set(found) >= {"first-line-regimens", "alteration-groups"}
    for name, path in found.items():
        plan = load_plan(name)
        assert plan.name == name == path.stem
        assert len(plan.sha256) == 64
        assert plan.groupings and plan.endpoints


def test_first_line_plan_mirrors_the_seed_design() -> None:
    plan = load_plan("first-line-regimens")
    assert [g.name for g in plan.groupings] == ["regimen", "regimen_group"]
    assert plan.groupings[0].levels == ("C", "I", "TKI", "C+I", "C+A", "C+I+A")
    assert plan.km.median_ci == "log" and plan.adjust == "holm" and plan.response.denominator == "all"
    assert [s.name for s in plan.subgroups] == ["brain_mets"]
    assert plan.cox.univariable and plan.cox.multivariable
    refs = {c.name: c.reference for c in plan.cox.covariates}
    assert refs["regimen_group"] == "single" and refs["sex"] == "male"


def test_plan_by_path_and_unknown_name(tmp_path: Path) -> None:
    src = builtin_plans()["alteration-groups"]
    copy_path = tmp_path / "mine.yaml"
    copy_path.write_text(src.read_text())
    assert load_plan(str(copy_path)).source == str(copy_path)
    with pytest.raises(UsageError, match="no built-in plan of that name; built-in plans: .*first-line-regimens"):
        load_plan("first-line-regimen")
    with pytest.raises(UsageError, match="is a folder"):
        load_plan(str(tmp_path))


def base_tree() -> dict:
    return yaml.safe_load(builtin_plans()["first-line-regimens"].read_text())


def edit(path: str, value, *, delete: bool = False):
    """A function that sets (or deletes) a dotted path of a plan tree; [n] indexes lists."""
    def apply(tree: dict) -> dict:
        node = tree
        parts = path.replace("]", "").replace("[", ".").split(".")
        for p in parts[:-1]:
            node = node[int(p)] if p.isdigit() else node[p]
        last = parts[-1]
        key = int(last) if last.isdigit() else last
        if delete:
            del node[key]
        else:
            node[key] = value
        return tree
    return apply


def both(first, second):
    return lambda tree: second(first(tree))


# One row per rule of the schema: (edit, the message it must give).
BAD = [
    ("unknown top-level key", edit("colour", "blue"), r"plan\.yaml\.colour: unknown key"),
    ("missing section", edit("km", None, delete=True), r"missing key 'km'"),
    ("wrong type", edit("km.landmarks", "6, 12"), r"km\.landmarks: expected a list"),
    ("version", edit("version", 2), r"version: 2; this her2var reads plan version 1"),
    ("median CI method", edit("km.median_ci", "logit"), r"km\.median_ci: 'logit' is not supported"),
    ("median rule", edit("km.median_rule", "middle"), r"km\.median_rule: 'middle'"),
    ("spss needs 95%", both(edit("km.median_ci", "spss"), edit("km.conf_level", 0.9)),
     r"'spss' prints 95% intervals only"),
    ("conf level range", edit("km.conf_level", 1.5), r"km\.conf_level: 1\.5"),
    ("negative landmark", edit("km.landmarks", [-1]), r"km\.landmarks: times must be >= 0"),
    ("adjust method", edit("logrank.adjust", "fdr"), r"logrank\.adjust: 'fdr' is not supported"),
    ("denominator", edit("response.denominator", "evaluated"), r"response\.denominator: 'evaluated'"),
    ("distribution test grouping", edit("response.distribution_test", ["nope"]),
     r"distribution_test\[0\]: 'nope' is not a grouping"),
    ("no groupings", edit("groupings", []), r"groupings: expected at least one grouping"),
    ("grouping without levels", edit("groupings[0].levels", []), r"groupings\[0\]\.levels: expected at least one"),
    ("duplicate level", edit("groupings[0].levels", ["C", "C"]), r"duplicate name 'C'"),
    ("duplicate grouping name", edit("subgroups[0].name", "regimen"), r"duplicate name 'regimen'"),
    ("values for an unknown level", edit("groupings[0].values", {"X": ["x"]}), r"\['X'\] are not among the levels"),
    ("raw value in two levels", edit("groupings[1].values", {"single": ["s"], "combination": ["s"]}),
     r"'s' is listed for both 'single' and 'combination'"),
    ("multiple", edit("groupings[0].multiple", "some"), r"multiple: 'some' is not supported"),
    ("multiple all for a variable", edit("table1.variables[1].multiple", "all"),
     r"variables\[1\]\.multiple: 'all' is for groupings and subgroups only"),
    ("firth", edit("cox.firth", "yes"), r"cox\.firth: 'yes' is not supported"),
    ("table1 smd flag", edit("table1.smd", "yes"), r"table1\.smd: expected"),
    ("unquoted yes", edit("subgroups[0].levels", [True, False]), r"levels\[0\]: expected a string, found True"),
    ("no endpoints", edit("endpoints", []), r"endpoints: expected at least one endpoint"),
    ("duplicate endpoint", edit("endpoints[1].name", "pfs"), r"endpoints: duplicate name 'pfs'"),
    ("variable type", edit("table1.variables[0].type", "number"), r"variables\[0\]\.type: 'number'"),
    ("if_missing on a categorical", edit("table1.variables[1].if_missing", "all_absent"),
     r"'all_absent' is only for type 'presence'"),
    ("levels on a continuous variable", edit("table1.variables[0].levels", ["a"]),
     r"levels/values/split/multiple/breaks are only for type 'categorical'"),
    ("if_missing word", edit("table1.variables[0].if_missing", "absent"), r"if_missing: 'absent' is not supported"),
    ("breaks not increasing", both(edit("subgroups[0].levels", ["low", "mid", "high"]),
                                   edit("subgroups[0].breaks", [50, 1])), r"breaks: expected increasing numbers"),
    ("breaks and levels disagree", edit("subgroups[0].breaks", [1, 50]),
     r"subgroups\[0\]\.levels: 2 break\(s\) make 3 levels; 2 are named"),
    ("breaks with values", both(edit("groupings[1].breaks", [2]), edit("groupings[1].values", {"single": ["1"]})),
     r"groupings\[1\]\.breaks: cuts a number column into the levels; give no values or split"),
    ("cox endpoint", edit("cox.endpoints", ["pfs", "dfs"]), r"cox\.endpoints\[1\]: 'dfs' is not an endpoint"),
    ("covariate without reference", edit("cox.covariates[1].reference", None, delete=True),
     r"covariates\[1\]: a categorical covariate needs its reference level"),
    ("reference not a level", edit("cox.covariates[2].reference", "past"),
     r"covariates\[2\]\.reference: 'past' is not among the levels"),
    ("column and grouping", edit("cox.covariates[5].column", "regimen_group"),
     r"covariates\[5\]: give exactly one of 'column' or 'grouping'"),
    ("unknown grouping", edit("cox.covariates[5].grouping", "line"), r"covariates\[5\]\.grouping: 'line' is not a grouping"),
    ("reference on a continuous covariate", edit("cox.covariates[0].reference", "60"),
     r"reference/levels/values are only for categorical covariates"),
    ("covariate name with =", edit("cox.covariates[0].name", "age=years"), r"may not contain '='"),
    ("follow-up endpoint", edit("follow_up.endpoint", "dfs"), r"follow_up\.endpoint: 'dfs' is not an endpoint"),
    ("swimmer endpoint", edit("figures.swimmer.endpoint", "dfs"), r"swimmer\.endpoint: 'dfs' is not an endpoint"),
    ("swimmer size", edit("figures.swimmer.max_patients", 0), r"max_patients: expected at least 1"),
    ("coalteration row set", edit("coalteration", {
        "her2_assessed": [{"column": "assessed", "values": ["yes"]}], "her2_altered": "her2_altered",
        "her2_rows": ["altered", "grade"], "codriver_prefix": "codriver_", "none_group": "none",
        "groups": [{"name": "KRAS-altered", "genes": ["KRAS"]}]}),
     r"coalteration\.her2_rows\[1\]: 'grade' is not supported"),
]


@pytest.mark.parametrize("change,message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_plan_is_rejected_with_file_and_key(change, message) -> None:
    tree = change(copy.deepcopy(base_tree()))
    with pytest.raises(RulesError, match=message):
        plan_from_tree(tree, "plan.yaml")


def test_every_plan_section_has_a_bad_case() -> None:
    """A rule without a case is a rule nobody checked: every top-level section is touched."""
    from her2var.analysis.plan import PLAN_SPEC

    touched = set()
    for name, change, _ in BAD:
        tree = base_tree()
        changed = change(copy.deepcopy(tree))
        touched |= {k for k in set(tree) | set(changed) if tree.get(k) != changed.get(k)}
    sections = {k.rstrip("?") for k in PLAN_SPEC} - {"name", "title", "description", "id_column", "population"}
    assert sections <= touched, sections - touched


def test_yaml_problems_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "dup.yaml"
    bad.write_text("version: 1\nversion: 1\n")
    with pytest.raises(RulesError, match=r"dup\.yaml:2: duplicate key 'version'"):
        load_plan(str(bad))
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(RulesError, match="the plan is empty"):
        load_plan(str(empty))


CATS = [
    # (categories, raw cell, level, reason contains)
    (Categories("regimen", ("C", "I")), "C", "C", ""),
    (Categories("regimen", ("C", "I")), "ADC", None, "not among the plan's levels"),
    (Categories("regimen", ("C", "I")), None, None, "regimen is missing"),
    (Categories("ecog", ("0-1", "2-4"), {"0-1": ("0", "1"), "2-4": ("2", "3", "4")}), "3", "2-4", ""),
    (Categories("her2_classes", ("ins", "amp"), {"ins": ("exon20_insertion",), "amp": ("amplification",)}, ";"),
     "amplification;exon20_insertion", "ins", ""),
    (Categories("her2_classes", ("ins", "amp"), {"ins": ("exon20_insertion",), "amp": ("amplification",)}, ";",
                "exclude"), "exon20_insertion;amplification", None, "matches several levels"),
    (Categories("stage"), "IV", "IV", ""),
    (Categories("stage", split=";", multiple="exclude"), "IV;III", None, "several values"),
]


@pytest.mark.parametrize("cats,raw,level,reason", CATS)
def test_categories_assign(cats, raw, level, reason) -> None:
    got, why = cats.assign(raw)
    assert got == level
    assert reason in why


def test_overrides_are_checked() -> None:
    plan = load_plan("first-line-regimens")
    p2 = plan.with_overrides(median_ci="spss", adjust="BH", denominator="evaluable")
    assert (p2.km.median_ci, p2.adjust, p2.response.denominator) == ("spss", "BH", "evaluable")
    assert plan.km.median_ci == "log"  # the loaded plan is unchanged
    with pytest.raises(RulesError, match="--median-ci: 'mid'"):
        plan.with_overrides(median_ci="mid")
