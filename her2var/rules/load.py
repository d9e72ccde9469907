"""Rules: YAML data checked strictly and loaded into frozen objects.

Built-in rules live in ``rules/`` of the source tree and ship inside the wheel as
``her2var/_rules``. A lab's own file (``--rules FILE``) holds any of the same sections and is
merged over the built-in ones (mappings merge key by key; lists and values replace). Unknown
keys, wrong types, duplicate keys and duplicate ids are fatal and named with file and key.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import limits as input_limits
from ..errors import InputError, RulesError, plain_int, shown
from ..models import CODRIVER_CLASSES, EVENT_CLASSES
from .fusions import (  # fusion rules are checked by their own module
    FusionRules,
    fusion_rules_from_tree,
)
from .oncogenicity import OncogenicityRules, oncogenicity_from_tree
from .sample_types import DEFAULT_SET, choices, resolve, threshold_sets
from .schema import builtin_rules_dir, check, merge_trees, read_builtin_yaml, read_yaml
from .spec import BUILTIN_FILES, RULES_SPEC, Thresholds


# ---------------------------------------------------------------------------------------------
# Frozen rule objects
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    start: int
    sequence: str

    @property
    def end(self) -> int:
        return self.start + len(self.sequence) - 1


@dataclass(frozen=True)
class KnownExon:
    number: int
    start: int
    end: int
    c_start: int  # c. position of the exon's transcript-5' base (negative: 5' UTR, c.-N)


@dataclass(frozen=True)
class GeneBuild:
    chrom: str
    cds_start: int | None  # genomic, lowest coordinate of the CDS (full models)
    cds_end: int | None
    exons: tuple[tuple[int, int], ...]  # transcript order (full models: every exon)
    windows: tuple[Window, ...]
    known_exons: tuple[KnownExon, ...] = ()  # partial models: the exons that are placed


@dataclass(frozen=True)
class DriverEvent:
    klass: str
    name: str
    hgvs_p: tuple[str, ...] = ()
    effect: tuple[str, ...] = ()
    residues: tuple[int, int] | None = None
    location: tuple[str, ...] = ()
    c_range: tuple[int, int] | None = None
    dna: tuple[str, ...] = ()


@dataclass(frozen=True)
class DriverGroup:
    group: str
    gene: str
    classes: tuple[str, ...]


@dataclass(frozen=True)
class Domain:
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class GeneRules:
    symbol: str
    transcript: str
    transcript_aliases: tuple[str, ...]
    protein_id: str
    strand: str
    role: str
    builds: Mapping[str, GeneBuild]
    protein: str
    insertion_regions: Mapping[str, tuple[int, int]]
    domains: tuple[Domain, ...]
    hotspots: frozenset[int]
    recurrent: frozenset[str]
    polymorphisms: frozenset[str]
    aliases: Mapping[str, tuple[str, ...]]
    cds_length: int | None = None
    cds_pieces: tuple[tuple[int, str], ...] = ()
    flank: int = 10
    driver_events: tuple[DriverEvent, ...] = ()

    def domain_of(self, codon: int) -> str:
        for d in self.domains:
            if d.start <= codon <= d.end:
                return d.name
        return ""


@dataclass(frozen=True)
class BuildRules:
    name: str
    names: tuple[str, ...]
    contig_lengths: Mapping[str, int]


@dataclass(frozen=True)
class Rules:
    genes: Mapping[str, GeneRules]
    thresholds: Thresholds
    builds: Mapping[str, BuildRules]
    sources: tuple[str, ...]
    checksum: str  # sha256 of the merged rules, canonical JSON
    driver_groups: tuple[DriverGroup, ...] = ()
    fusions: FusionRules | None = field(default=None, repr=False, compare=False)
    oncogenicity: OncogenicityRules | None = field(default=None, repr=False, compare=False)
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)
    # Thresholds per sample type (sample_types.py): which set `thresholds` is, every set by name,
    # and each sample type's name and synonyms -> its set
    threshold_set: str = DEFAULT_SET
    threshold_sets: Mapping[str, Thresholds] = field(repr=False, compare=False, default_factory=dict)
    sample_type_names: Mapping[str, str] = field(repr=False, compare=False, default_factory=dict)
    # What an input may be (rules/limits.yaml): decides whether an input is read, never a result
    limits: input_limits.Limits | None = field(default=None, repr=False, compare=False)

    def threshold_set_for(self, sample_type: str | None) -> str | None:
        """The threshold set a sample type is judged by (None when the rules do not know it)."""
        return resolve(self.sample_type_names, sample_type)

    def sample_type_choices(self) -> str:
        return choices(self.sample_type_names)

    def for_sample_type(self, sample_type: str | None) -> Rules:
        """These rules with the thresholds of ``sample_type`` (the default set when it is not given)."""
        name = self.threshold_set_for(sample_type)
        if name is None:
            raise InputError(f"sample type {shown(sample_type)} is not known to the rules; expected "
                             f"{self.sample_type_choices()}")
        if name == self.threshold_set:
            return self
        return replace(self, thresholds=self.threshold_sets[name], threshold_set=name)

    @property
    def index_gene(self) -> GeneRules:
        for g in self.genes.values():
            if g.role == "index":
                return g
        raise RulesError("the rules name no gene with role 'index'")


def _residue_number(token: str, where: str) -> int:
    digits = token[1:]
    if not token[:1].isalpha() or plain_int(digits) is None:
        raise RulesError(f"{where}: {shown(token)} is not a residue like S310")
    return int(digits)


def _build_gene(symbol: str, g: dict[str, Any], where: str) -> GeneRules:
    if g["strand"] not in ("+", "-"):
        raise RulesError(f"{where}.strand: expected '+' or '-', found {shown(g['strand'])}")
    builds = {}
    for bname, b in g["builds"].items():
        bw = f"{where}.builds.{shown(bname, bare=True)}"
        full = "exons" in b
        if full == ("known_exons" in b) or full != ("cds" in b):
            raise RulesError(f"{bw}: give either 'exons' with 'cds' (every exon) or 'known_exons' (a partial model)")
        pairs = [b["cds"], *b["exons"]] if full else [[e["start"], e["end"]] for e in b["known_exons"]]
        for i, pair in enumerate(pairs):
            if len(pair) != 2 or pair[0] > pair[1]:
                raise RulesError(f"{bw}: interval #{i} {shown(pair)} must be [start, end] with start <= end")
        windows = tuple(Window(w["start"], w["sequence"].upper()) for w in b.get("windows", []))
        for w in windows:
            if set(w.sequence) - set("ACGTN"):
                raise RulesError(f"{bw}.windows: sequence at {shown(w.start)} has letters other than ACGTN")
        known = tuple(KnownExon(e["exon"], e["start"], e["end"], e["c_start"]) for e in b.get("known_exons", []))
        _no_duplicates([str(e.number) for e in known], f"{bw}.known_exons")
        builds[bname] = GeneBuild(
            chrom=str(b["chrom"]), cds_start=b["cds"][0] if full else None,
            cds_end=b["cds"][1] if full else None,
            exons=tuple((e[0], e[1]) for e in b["exons"]) if full else tuple((e.start, e.end) for e in known),
            windows=windows, known_exons=known,
        )
    if "protein" not in g and "cds_length" not in g:
        raise RulesError(f"{where}: give 'protein' or 'cds_length' (with 'cds_pieces')")
    pieces = tuple((p["c_start"], p["sequence"].upper()) for p in g.get("cds_pieces", []))
    for c_start, seq in pieces:
        if set(seq) - set("ACGT") or c_start < 1:
            raise RulesError(f"{where}.cds_pieces: the piece at c.{shown(c_start)} must start at c.1 or later "
                             "and hold only ACGT")
    events = []
    for i, e in enumerate(g.get("driver_events", [])):
        for key in ("residues", "c_range"):
            if key in e and (len(e[key]) != 2 or e[key][0] > e[key][1]):
                raise RulesError(f"{where}.driver_events[{i}].{key}: expected [first, last]")
        events.append(DriverEvent(
            klass=e["class"], name=e["name"], hgvs_p=tuple(e.get("hgvs_p", [])),
            effect=tuple(e.get("effect", [])), residues=tuple(e["residues"]) if "residues" in e else None,
            location=tuple(e.get("location", [])), c_range=tuple(e["c_range"]) if "c_range" in e else None,
            dna=tuple(e.get("dna", [])),
        ))
    domains = tuple(Domain(d["name"], d["start"], d["end"]) for d in g.get("domains", []))
    _no_duplicates([d.name for d in domains], f"{where}.domains")
    hot = g.get("hotspots", [])
    _no_duplicates(hot, f"{where}.hotspots")
    _no_duplicates(g.get("recurrent", []), f"{where}.recurrent")
    aliases = {k: tuple(v) for k, v in g.get("aliases", {}).items()}
    regions = {}
    for name, pair in g.get("insertion_regions", {}).items():
        if len(pair) != 2 or pair[0] > pair[1]:
            raise RulesError(f"{where}.insertion_regions.{shown(name, bare=True)}: expected [first_codon, last_codon]")
        regions[name] = (pair[0], pair[1])
    return GeneRules(
        symbol=symbol, transcript=g["transcript"],
        transcript_aliases=tuple(g.get("transcript_aliases", [])), protein_id=g["protein_id"],
        strand=g["strand"], role=g["role"], builds=builds, protein=g.get("protein", "").upper(),
        insertion_regions=regions, domains=domains,
        hotspots=frozenset(_residue_number(h, f"{where}.hotspots") for h in hot),
        recurrent=frozenset(g.get("recurrent", [])),
        polymorphisms=frozenset(g.get("polymorphisms", [])), aliases=aliases,
        cds_length=g.get("cds_length"), cds_pieces=pieces, flank=g.get("flank", 10),
        driver_events=tuple(events),
    )


def _no_duplicates(items: list[str], where: str) -> None:
    seen = set()
    for item in items:
        if item in seen:
            raise RulesError(f"{where}: duplicate id {shown(item)}")
        seen.add(item)


def load_rules(extra: list[str | os.PathLike[str]] | None = None) -> Rules:
    """Load the built-in rules, then merge each user file over them, checking every step."""
    base = builtin_rules_dir()
    paths = [base / name for name in BUILTIN_FILES] + [Path(p) for p in (extra or [])]
    merged: dict[str, Any] = {}
    lab_limits = False
    for i, path in enumerate(paths):
        data = read_builtin_yaml(path) if i < len(BUILTIN_FILES) else read_yaml(path)
        if data is None:
            data = {}
        check(data, RULES_SPEC, str(path), partial=True)
        merged = merge_trees(merged, data)
        if i >= len(BUILTIN_FILES) and isinstance(data, dict) and "limits" in data:
            # in force at once: the next rules file, and every input after, is read under them
            input_limits.use(_limits(merged["limits"], f"{path}.limits"))
            lab_limits = True
    rules = rules_from_tree(merged, sources=tuple(str(p) for p in paths))
    if lab_limits:
        input_limits.use(rules.limits)
    return rules


def _limits(tree: dict[str, Any], where: str) -> input_limits.Limits:
    check(tree, {k.rstrip("?"): v for k, v in input_limits.spec().items()}, where, partial=False)
    found = input_limits.Limits.from_tree(tree)
    problem = found.problem()
    if problem:
        raise RulesError(f"{where}: {problem}")
    return found


def rules_from_tree(tree: dict[str, Any], sources: tuple[str, ...]) -> Rules:
    where = "rules (" + ", ".join(Path(s).name for s in sources) + ")"
    check(tree, RULES_SPEC, where, partial=False)
    for section in ("genes", "thresholds", "builds", "oncogenicity"):
        if section not in tree:
            raise RulesError(f"{where}: missing section '{section}'")
    limits = _limits(tree.get("limits") or asdict(input_limits.builtin()), f"{where}.limits")
    genes = {s: _build_gene(s, g, f"{where}.genes.{shown(s, bare=True)}") for s, g in tree["genes"].items()}
    thresholds = Thresholds.from_tree(tree["thresholds"])
    thresholds.check(f"{where}.thresholds")
    sets, type_names = threshold_sets(tree["thresholds"], thresholds, f"{where}.thresholds")
    builds = {
        name: BuildRules(name, tuple(b["names"]), {str(k): v for k, v in b["contig_lengths"].items()})
        for name, b in tree["builds"].items()
    }
    for g in genes.values():
        for bname in g.builds:
            if bname not in builds:
                raise RulesError(f"{where}.genes.{shown(g.symbol, bare=True)}.builds.{shown(bname, bare=True)}: "
                                 "build not declared under 'builds'")
    # The limits decide whether an input is read, never what a result says: raising one must not
    # make every stored result look as if other rules had made it.
    decisive = {k: v for k, v in tree.items() if k != "limits"}
    checksum = hashlib.sha256(json.dumps(decisive, sort_keys=True).encode()).hexdigest()
    groups = tuple(DriverGroup(d["group"], d["gene"], tuple(d["classes"])) for d in tree.get("driver_groups", []))
    _no_duplicates([d.group for d in groups], f"{where}.driver_groups")
    fusions = None
    if tree.get("fusion_genes"):
        fusions = fusion_rules_from_tree({"fusion_genes": tree["fusion_genes"]}, sources)
    classes = {*EVENT_CLASSES, *CODRIVER_CLASSES, *(e.klass for g in genes.values() for e in g.driver_events)}
    oncogenicity = oncogenicity_from_tree(tree["oncogenicity"], f"{where}.oncogenicity", genes=genes,
                                          other_genes=fusions.kinases if fusions else (), classes=classes)
    return Rules(genes=genes, thresholds=thresholds, builds=builds, sources=sources,
                 checksum=checksum, raw=tree, driver_groups=groups, fusions=fusions, oncogenicity=oncogenicity,
                 threshold_sets=sets, sample_type_names=type_names, limits=limits)


def check_rules_file(path: str | os.PathLike[str]) -> Rules:
    """Validate a user's rules file on its own and merged over the built-in rules."""
    return load_rules([path])


