"""Analysis plans: YAML files (``rules/plans/*.yaml``) checked strictly into frozen objects.

A plan names every cohort column it uses, so a cohort from another source can be mapped onto it
by editing the plan, never the code. Unknown keys, wrong types, unknown method names, duplicate
names and references to undefined endpoints or groupings are errors naming the file and the key.
See ``rules/plans/first-line-regimens.yaml`` for a commented example of every section.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RulesError, UsageError, shown
from ..rules.schema import builtin_rules_dir, check, read_yaml
from .categories import Categories, Condition
from .coalteration_plan import COALTERATION_SPEC, CoalterationPlan, parse_coalteration
from .figstyle import STYLE_SPEC, FigureStyle, restyle, style_from_plan

PLAN_VERSION = 1
MEDIAN_CI_METHODS = ("log", "log-log", "plain", "spss")
MEDIAN_RULES = ("print", "quantile")
ADJUST_METHODS = ("holm", "BH", "bonferroni", "none")
DENOMINATORS = ("all", "evaluable")
MULTIPLE = ("first", "exclude", "all")  # "all": groupings and subgroups only (the groups overlap)
VARIABLE_TYPES = ("categorical", "continuous", "presence")
COVARIATE_TYPES = ("categorical", "continuous")
COX_TIES = ("efron", "breslow")
COX_FIRTH = ("never", "separation", "always")  # when Firth's penalised likelihood is used
# A presence variable whose column the cohort lacks: an error, every patient "not tested" (a
# co-driver gene no sample was tested for), or every patient "no" (only when every patient is
# known to have been tested: absence of a column is not evidence of absence).
IF_MISSING = ("error", "not_tested", "all_absent")

_VALUES = ("map", ("list", str))
CATEGORY_FIELDS = {"levels?": ("list", str), "values?": _VALUES, "split?": str, "multiple?": str,
                   "breaks?": ("list", float)}
CATEGORY_FIELDS_KEYS = tuple(k.rstrip("?") for k in CATEGORY_FIELDS)

PLAN_SPEC: dict[str, Any] = {
    "version": int,
    "name": str,
    "title": str,
    "description?": str,
    "id_column": str,
    "population?": ("list", {"column": str, "values": ("list", str), "split?": str, "label?": str}),
    "groupings": ("list", {"name": str, "column": str, "label?": str, **CATEGORY_FIELDS}),
    "endpoints": ("list", {"name": str, "label": str, "time": str, "event": str, "entry?": str,
                           "require_yes?": ("list", str)}),
    "subgroups?": ("list", {"name": str, "column": str, "label?": str, **CATEGORY_FIELDS}),
    "response?": {"column": str, "denominator": str, "require_yes?": ("list", str),
                  "distribution_test?": ("list", str)},
    "table1?": {"require_yes?": ("list", str), "smd?": bool, "p_values?": bool,
                "variables": ("list", {"column": str, "label?": str, "type": str, "if_missing?": str,
                                       **CATEGORY_FIELDS})},
    "cox?": {"endpoints": ("list", str), "univariable": bool, "multivariable": bool, "ties?": str, "firth?": str,
             "covariates": ("list", {"name?": str, "column?": str, "grouping?": str, "label?": str,
                                     "type": str, "reference?": str, **CATEGORY_FIELDS})},
    "km": {"median_ci": str, "median_rule?": str, "conf_level?": float, "landmarks?": ("list", float),
           "time_unit?": str, "rmst_horizon?": float},
    "logrank": {"pairwise": bool, "adjust": str},
    "follow_up?": {"endpoint": str},
    "figures?": {"km?": bool, "forest?": bool, "response?": bool,
                 "swimmer?": {"endpoint": str, "response?": str, "max_patients?": int},
                 "her2_classes?": {"column": str, "split?": str, "codriver_prefix?": str}, **STYLE_SPEC},
    "coalteration?": COALTERATION_SPEC,
}


@dataclass(frozen=True)
class Grouping:
    name: str
    label: str
    categories: Categories

    @property
    def column(self) -> str:
        return self.categories.column

    @property
    def levels(self) -> tuple[str, ...]:
        return self.categories.levels


@dataclass(frozen=True)
class Endpoint:
    name: str
    label: str
    time: str
    event: str
    require_yes: tuple[str, ...] = ()
    entry: str | None = None  # column of delayed-entry times (same unit as time), if any


@dataclass(frozen=True)
class ResponsePlan:
    column: str
    denominator: str
    require_yes: tuple[str, ...] = ()
    distribution_test: tuple[str, ...] = ()  # groupings whose CR/PR/SD/PD/NE table is tested


@dataclass(frozen=True)
class Variable:
    column: str
    label: str
    type: str
    categories: Categories
    if_missing: str = "error"


@dataclass(frozen=True)
class Covariate:
    name: str
    label: str
    type: str
    column: str | None
    grouping: str | None
    reference: str | None
    categories: Categories


@dataclass(frozen=True)
class CoxPlan:
    endpoints: tuple[str, ...]
    univariable: bool
    multivariable: bool
    covariates: tuple[Covariate, ...]
    ties: str = "efron"
    firth: str = "never"


@dataclass(frozen=True)
class KMPlan:
    median_ci: str
    median_rule: str = "print"
    conf_level: float = 0.95
    landmarks: tuple[float, ...] = ()
    time_unit: str = "months"
    rmst_horizon: float | None = None  # restricted mean survival time up to this time, if set


@dataclass(frozen=True)
class SwimmerPlan:
    endpoint: str
    response: str | None
    max_patients: int = 150


@dataclass(frozen=True)
class Her2ClassesPlan:
    column: str
    split: str = ";"
    codriver_prefix: str | None = None


@dataclass(frozen=True)
class FiguresPlan:
    km: bool = True
    forest: bool = True
    response: bool = True
    swimmer: SwimmerPlan | None = None
    her2_classes: Her2ClassesPlan | None = None
    style: FigureStyle = field(default_factory=FigureStyle)


@dataclass(frozen=True)
class Plan:
    name: str
    title: str
    description: str
    id_column: str
    population: tuple[Condition, ...]
    groupings: tuple[Grouping, ...]
    endpoints: tuple[Endpoint, ...]
    subgroups: tuple[Grouping, ...]
    response: ResponsePlan | None
    table1_require_yes: tuple[str, ...]
    table1: tuple[Variable, ...]
    cox: CoxPlan | None
    km: KMPlan
    pairwise: bool
    adjust: str
    follow_up: str | None
    figures: FiguresPlan
    source: str
    sha256: str
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)
    table1_smd: bool = True  # a standardised mean difference column in Table 1
    table1_p_values: bool = True  # a p-value column in Table 1
    coalteration: CoalterationPlan | None = None  # HER2 beside co-driver groups (coalteration.py)

    def endpoint(self, name: str) -> Endpoint:
        return next(e for e in self.endpoints if e.name == name)

    def grouping(self, name: str) -> Grouping:
        return next(g for g in self.groupings if g.name == name)

    def columns(self) -> dict[str, str]:
        """Every cohort column the plan needs -> where in the plan it is named."""
        need: dict[str, str] = {self.id_column: "id_column"}

        def add(col: str | None, where: str) -> None:
            if col and col not in need:
                need[col] = where
        for i, c in enumerate(self.population):
            add(c.column, f"population[{i}]")
        for g in self.groupings:
            add(g.column, f"groupings.{shown(g.name, bare=True)}")
        for e in self.endpoints:
            add(e.time, f"endpoints.{shown(e.name, bare=True)}.time")
            add(e.event, f"endpoints.{shown(e.name, bare=True)}.event")
            add(e.entry, f"endpoints.{shown(e.name, bare=True)}.entry")
            for col in e.require_yes:
                add(col, f"endpoints.{shown(e.name, bare=True)}.require_yes")
        for s in self.subgroups:
            add(s.column, f"subgroups.{shown(s.name, bare=True)}")
        if self.response:
            add(self.response.column, "response.column")
            for col in self.response.require_yes:
                add(col, "response.require_yes")
        for col in self.table1_require_yes:
            add(col, "table1.require_yes")
        for v in self.table1:
            if v.if_missing == "error":
                add(v.column, f"table1.variables.{shown(v.column, bare=True)}")
        if self.cox:
            for cv in self.cox.covariates:
                add(cv.column, f"cox.covariates.{shown(cv.name, bare=True)}")
        if self.figures.swimmer and self.figures.swimmer.response:
            add(self.figures.swimmer.response, "figures.swimmer.response")
        if self.figures.her2_classes:
            add(self.figures.her2_classes.column, "figures.her2_classes.column")
        if self.coalteration:
            for col, where in self.coalteration.required_columns().items():
                add(col, where)
        return need

    def with_overrides(self, *, median_ci: str | None = None, adjust: str | None = None,
                       denominator: str | None = None) -> Plan:
        """The same plan with command-line choices applied (each checked as the YAML would be)."""
        import dataclasses

        plan = self
        if median_ci is not None:
            _one_of(median_ci, MEDIAN_CI_METHODS, "--median-ci")
            _check_spss(median_ci, plan.km.conf_level, "--median-ci")
            plan = dataclasses.replace(plan, km=dataclasses.replace(plan.km, median_ci=median_ci))
        if adjust is not None:
            _one_of(adjust, ADJUST_METHODS, "--adjust")
            plan = dataclasses.replace(plan, adjust=adjust)
        if denominator is not None:
            _one_of(denominator, DENOMINATORS, "--denominator")
            if plan.response is None:
                raise UsageError(f"--denominator: plan {shown(plan.name)} has no response section")
            plan = dataclasses.replace(plan, response=dataclasses.replace(plan.response, denominator=denominator))
        return plan

    def with_figure_style(self, changes: Mapping[str, tuple[Any, str]]) -> Plan:
        """The same plan with figure settings from the command line ({FigureStyle field: (value,
        option)}), checked as the plan's ``figures:`` keys are; a bad value is a usage error."""
        import dataclasses

        if not changes:
            return self
        levels = {lv for g in (*self.groupings, *self.subgroups) for lv in g.levels}
        try:
            style = restyle(self.figures.style, changes, levels)
        except RulesError as exc:
            raise UsageError(str(exc)) from None
        return dataclasses.replace(self, figures=dataclasses.replace(self.figures, style=style))


def _one_of(value: str, allowed: tuple[str, ...], where: str) -> None:
    if value not in allowed:
        raise RulesError(f"{where}: {shown(value)} is not supported; expected one of {list(allowed)}")


def _check_spss(method: str, conf_level: float, where: str) -> None:
    if method == "spss" and conf_level != 0.95:
        raise RulesError(f"{where}: median_ci 'spss' prints 95% intervals only (z = 1.96); "
                         f"km.conf_level is {conf_level}")


def _unique(names: list[str], where: str) -> None:
    seen = set()
    for n in names:
        if n in seen:
            raise RulesError(f"{where}: duplicate name {shown(n)}")
        seen.add(n)


def _categories(d: Mapping[str, Any], column: str, where: str, *, need_levels: bool) -> Categories:
    levels = tuple(str(x) for x in d.get("levels", []))
    if need_levels and not levels:
        raise RulesError(f"{where}.levels: expected at least one level")
    _unique(list(levels), f"{where}.levels")
    values = {str(k): tuple(str(x) for x in v) for k, v in d.get("values", {}).items()}
    extra = sorted(set(values) - set(levels))
    if extra:
        raise RulesError(f"{where}.values: {shown(extra)} are not among the levels {shown(list(levels))}")
    owner: dict[str, str] = {}
    for lv in levels:
        for raw in values.get(lv, (lv,)):
            if raw in owner and owner[raw] != lv:
                raise RulesError(f"{where}.values: {shown(raw)} is listed for both {shown(owner[raw])} and {shown(lv)}")
            owner[raw] = lv
    multiple = d.get("multiple", "first")
    _one_of(multiple, MULTIPLE, f"{where}.multiple")
    split = d.get("split")
    if split is not None and not split:
        raise RulesError(f"{where}.split: expected a separator such as ';'")
    breaks = tuple(float(b) for b in d.get("breaks", []))
    if breaks:
        if values or split is not None:
            raise RulesError(f"{where}.breaks: cuts a number column into the levels; give no values or split")
        if any(b >= c for b, c in itertools.pairwise(breaks)):
            raise RulesError(f"{where}.breaks: expected increasing numbers, e.g. [1, 50]")
        if len(levels) != len(breaks) + 1:
            raise RulesError(f"{where}.levels: {len(breaks)} break(s) make {len(breaks) + 1} levels; "
                             f"{len(levels)} are named")
    return Categories(column=column, levels=levels, values=values, split=split, multiple=multiple, breaks=breaks)


def _one_level_each(cats: Categories, where: str) -> None:
    if cats.multiple == "all":
        raise RulesError(f"{where}.multiple: 'all' is for groupings and subgroups only (a patient in several "
                         "groups); a variable or covariate has one value per patient: use 'first' or 'exclude'")


def plan_from_tree(tree: Any, source: str, sha256: str = "") -> Plan:
    """Check a parsed plan and build the frozen Plan; every error names ``source`` and the key."""
    where = source
    if tree is None:
        raise RulesError(f"{source}: the plan is empty")
    check(tree, PLAN_SPEC, where, partial=False)
    if tree["version"] != PLAN_VERSION:
        raise RulesError(f"{where}.version: {shown(tree['version'])}; this her2var reads plan version {PLAN_VERSION}")

    groupings = []
    for i, g in enumerate(tree["groupings"]):
        w = f"{where}.groupings[{i}]"
        groupings.append(Grouping(g["name"], g.get("label", g["column"]),
                                  _categories(g, g["column"], w, need_levels=True)))
    if not groupings:
        raise RulesError(f"{where}.groupings: expected at least one grouping")
    subgroups = []
    for i, s in enumerate(tree.get("subgroups", [])):
        w = f"{where}.subgroups[{i}]"
        subgroups.append(Grouping(s["name"], s.get("label", s["column"]),
                                  _categories(s, s["column"], w, need_levels=True)))
    _unique([g.name for g in groupings] + [s.name for s in subgroups], f"{where}.groupings/subgroups")

    endpoints = tuple(Endpoint(e["name"], e["label"], e["time"], e["event"], tuple(e.get("require_yes", [])),
                               e.get("entry")) for e in tree["endpoints"])
    if not endpoints:
        raise RulesError(f"{where}.endpoints: expected at least one endpoint")
    _unique([e.name for e in endpoints], f"{where}.endpoints")
    ep_names = [e.name for e in endpoints]

    population = tuple(Condition(c["column"], tuple(c["values"]), c.get("split"),
                                 c.get("label", f"{c['column']} in {c['values']}"))
                       for c in tree.get("population", []))

    response = None
    if "response" in tree:
        r = tree["response"]
        _one_of(r["denominator"], DENOMINATORS, f"{where}.response.denominator")
        names = [g.name for g in groupings] + [s.name for s in subgroups]
        for i, d in enumerate(r.get("distribution_test", [])):
            if d not in names:
                raise RulesError(f"{where}.response.distribution_test[{i}]: {shown(d)} is not a grouping or "
                                 f"subgroup of this plan {shown(names)}")
        response = ResponsePlan(r["column"], r["denominator"], tuple(r.get("require_yes", [])),
                                tuple(r.get("distribution_test", [])))

    table1 = []
    t1 = tree.get("table1", {"variables": []})
    for i, v in enumerate(t1["variables"]):
        w = f"{where}.table1.variables[{i}]"
        _one_of(v["type"], VARIABLE_TYPES, f"{w}.type")
        if_missing = v.get("if_missing", "error")
        _one_of(if_missing, IF_MISSING, f"{w}.if_missing")
        if if_missing != "error" and v["type"] != "presence":
            raise RulesError(f"{w}.if_missing: {shown(if_missing)} is only for type 'presence'")
        if v["type"] != "categorical" and any(k in v for k in CATEGORY_FIELDS_KEYS):
            raise RulesError(f"{w}: levels/values/split/multiple/breaks are only for type 'categorical'")
        cats = _categories(v, v["column"], w, need_levels=False)
        _one_level_each(cats, w)
        table1.append(Variable(v["column"], v.get("label", v["column"]), v["type"], cats, if_missing))
    _unique([v.column for v in table1], f"{where}.table1.variables")

    cox = None
    if "cox" in tree:
        c = tree["cox"]
        for i, e in enumerate(c["endpoints"]):
            if e not in ep_names:
                raise RulesError(f"{where}.cox.endpoints[{i}]: {shown(e)} is not an endpoint of this plan "
                                 f"{shown(ep_names)}")
        covs = []
        for i, cv in enumerate(c["covariates"]):
            w = f"{where}.cox.covariates[{i}]"
            if ("column" in cv) == ("grouping" in cv):
                raise RulesError(f"{w}: give exactly one of 'column' or 'grouping'")
            _one_of(cv["type"], COVARIATE_TYPES, f"{w}.type")
            gname = cv.get("grouping")
            if gname is not None and gname not in [g.name for g in groupings]:
                raise RulesError(f"{w}.grouping: {shown(gname)} is not a grouping of this plan "
                                 f"{shown([g.name for g in groupings])}")
            if gname is not None and cv["type"] != "categorical":
                raise RulesError(f"{w}.type: a grouping is categorical")
            if cv["type"] == "continuous" and ("reference" in cv or any(k in cv for k in CATEGORY_FIELDS_KEYS)):
                raise RulesError(f"{w}: reference/levels/values are only for categorical covariates")
            if cv["type"] == "categorical" and "reference" not in cv:
                raise RulesError(f"{w}: a categorical covariate needs its reference level ('reference')")
            if gname is not None:
                cats = next(g for g in groupings if g.name == gname).categories
                if any(k in cv for k in CATEGORY_FIELDS_KEYS):
                    raise RulesError(f"{w}: a grouping covariate takes its levels from the grouping")
            else:
                cats = _categories(cv, cv["column"], w, need_levels=False)
                _one_level_each(cats, w)
            ref = cv.get("reference")
            if ref is not None and cats.levels and ref not in cats.levels:
                raise RulesError(f"{w}.reference: {shown(ref)} is not among the levels {shown(list(cats.levels))}")
            name = cv.get("name", gname or cv.get("column"))
            covs.append(Covariate(name, cv.get("label", name), cv["type"], cv.get("column"), gname, ref, cats))
        if not covs:
            raise RulesError(f"{where}.cox.covariates: expected at least one covariate")
        _unique([cv.name for cv in covs], f"{where}.cox.covariates (names)")
        for cv in covs:
            if "=" in cv.name:
                raise RulesError(f"{where}.cox.covariates: name {shown(cv.name)} may not contain '='")
        ties = c.get("ties", "efron")
        _one_of(ties, COX_TIES, f"{where}.cox.ties")
        firth = c.get("firth", "never")
        _one_of(firth, COX_FIRTH, f"{where}.cox.firth")
        cox = CoxPlan(tuple(c["endpoints"]), c["univariable"], c["multivariable"], tuple(covs), ties, firth)

    k = tree["km"]
    _one_of(k["median_ci"], MEDIAN_CI_METHODS, f"{where}.km.median_ci")
    rule = k.get("median_rule", "print")
    _one_of(rule, MEDIAN_RULES, f"{where}.km.median_rule")
    level = float(k.get("conf_level", 0.95))
    if not 0 < level < 1:
        raise RulesError(f"{where}.km.conf_level: {level}; expected a number strictly between 0 and 1")
    _check_spss(k["median_ci"], level, f"{where}.km.median_ci")
    landmarks = tuple(float(x) for x in k.get("landmarks", []))
    if any(x < 0 for x in landmarks):
        raise RulesError(f"{where}.km.landmarks: times must be >= 0")
    horizon = k.get("rmst_horizon")
    if horizon is not None and not 0 < float(horizon) < float("inf"):
        raise RulesError(f"{where}.km.rmst_horizon: {shown(horizon)}; expected a time > 0")
    km = KMPlan(k["median_ci"], rule, level, landmarks, k.get("time_unit", "months"),
                None if horizon is None else float(horizon))

    lr = tree["logrank"]
    _one_of(lr["adjust"], ADJUST_METHODS, f"{where}.logrank.adjust")

    follow_up = tree.get("follow_up", {}).get("endpoint")
    if follow_up is not None and follow_up not in ep_names:
        raise RulesError(f"{where}.follow_up.endpoint: {shown(follow_up)} is not an endpoint of this plan "
                         f"{shown(ep_names)}")

    f = tree.get("figures", {})
    swimmer = None
    if "swimmer" in f:
        s = f["swimmer"]
        if s["endpoint"] not in ep_names:
            raise RulesError(f"{where}.figures.swimmer.endpoint: {shown(s['endpoint'])} is not an endpoint "
                             f"{shown(ep_names)}")
        if s.get("max_patients", 150) < 1:
            raise RulesError(f"{where}.figures.swimmer.max_patients: expected at least 1")
        swimmer = SwimmerPlan(s["endpoint"], s.get("response"), s.get("max_patients", 150))
    her2 = None
    if "her2_classes" in f:
        h = f["her2_classes"]
        her2 = Her2ClassesPlan(h["column"], h.get("split", ";"), h.get("codriver_prefix"))
    levels = {lv for g in (*groupings, *subgroups) for lv in g.levels}
    figures = FiguresPlan(f.get("km", True), f.get("forest", True), f.get("response", True), swimmer, her2,
                          style_from_plan(f, where, levels))

    return Plan(
        name=tree["name"], title=tree["title"], description=tree.get("description", ""),
        id_column=tree["id_column"], population=population, groupings=tuple(groupings),
        endpoints=endpoints, subgroups=tuple(subgroups), response=response,
        table1_require_yes=tuple(t1.get("require_yes", [])), table1=tuple(table1), cox=cox, km=km,
        pairwise=lr["pairwise"], adjust=lr["adjust"], follow_up=follow_up, figures=figures,
        source=source, sha256=sha256, raw=tree, table1_smd=t1.get("smd", True),
        table1_p_values=t1.get("p_values", True),
        coalteration=parse_coalteration(tree["coalteration"], where) if "coalteration" in tree else None)


def plans_dir() -> Path:
    """Folder of the built-in plans (``rules/plans`` in a checkout, ``her2var/_rules/plans`` installed)."""
    return builtin_rules_dir() / "plans"


def builtin_plans() -> dict[str, Path]:
    """Built-in plan name -> file."""
    folder = plans_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def load_plan(name_or_path: str | os.PathLike[str]) -> Plan:
    """A built-in plan by name, or a plan file by path."""
    text = os.fspath(name_or_path)
    builtins = builtin_plans()
    if os.path.isfile(text):
        path = Path(text)
    elif text in builtins:
        path = builtins[text]
    elif os.path.isdir(text):
        raise UsageError(f"--plan {text}: is a folder; give a plan YAML file or a built-in plan name "
                         f"({', '.join(builtins)})")
    else:
        raise UsageError(f"--plan {text}: no such file and no built-in plan of that name; built-in plans: "
                         f"{', '.join(builtins) or 'none'} (see 'her2var plans')")
    data = read_yaml(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return plan_from_tree(data, str(path), digest)


def plan_checksum(plan: Plan) -> str:
    """sha256 of the plan as checked (canonical JSON), independent of comments and layout."""
    return hashlib.sha256(json.dumps(plan.raw, sort_keys=True).encode()).hexdigest()
