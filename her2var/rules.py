"""Rules: YAML data checked strictly and loaded into frozen objects.

Built-in rules live in ``rules/`` of the source tree and ship inside the wheel as
``her2var/_rules``. A lab's own file (``--rules FILE``) holds any of the same sections and is
merged over the built-in ones (mappings merge key by key; lists and values replace). Unknown
keys, wrong types, duplicate keys and duplicate ids are fatal and named with file and key.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import RulesError

MAX_RULES_BYTES = 5_000_000
BUILTIN_FILES = ("builds.yaml", "thresholds.yaml", "transcripts.yaml", "codrivers.yaml", "fusions.yaml")


def builtin_rules_dir() -> Path:
    """Folder of the built-in rules: inside the installed package, else the source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_rules", here.parent / "rules"):
        if (candidate / "transcripts.yaml").is_file():
            return candidate
    raise RulesError(f"built-in rules not found (looked in {here / '_rules'} and {here.parent / 'rules'})")


# ---------------------------------------------------------------------------------------------
# Reading YAML safely
# ---------------------------------------------------------------------------------------------
def _cache_dir() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "her2var" if base else None


def read_builtin_yaml(path: Path) -> Any:
    """A built-in rules file, parsed once per content and then read back as JSON.

    The built-in files are plain data (strings, numbers, lists, string-keyed mappings), so the
    JSON copy is exact; it is keyed by the SHA-256 of the text, so an edited file is parsed again.
    """
    text = path.read_bytes()
    folder = _cache_dir()
    if folder is None:
        return read_yaml(path)
    cached = folder / f"rules-{hashlib.sha256(text).hexdigest()[:32]}.json"
    try:
        with open(cached, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        pass
    data = read_yaml(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, cached)
    except OSError:
        pass  # no cache here (read-only home): parse every time
    return data


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """Parse a YAML file with safe_load after checking it has no duplicate keys or aliases."""
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_RULES_BYTES:
            raise RulesError(f"{path}: {size} bytes; a rules file may hold at most {MAX_RULES_BYTES}")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError as exc:
        raise RulesError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # parse-only here: builds no objects
    try:
        node = yaml.compose(text, Loader=loader)
        if node is not None:
            _check_nodes(node, path, set())
        return yaml.safe_load(text)
    except RecursionError as exc:
        raise RulesError(f"{path}: nested too deeply to be a rules file (thousands of levels)") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RulesError(f"{path}{line}: not valid YAML ({problem})") from exc


def _check_nodes(node: yaml.Node, path: str, seen_nodes: set[int]) -> None:
    """Duplicate keys are errors; so are aliases (a node reached twice), which rules never need
    and which can blow up exponentially (billion-laughs)."""
    if id(node) in seen_nodes:
        line = node.start_mark.line + 1
        raise RulesError(f"{path}:{line}: YAML anchors and aliases are not allowed in rules files")
    seen_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise RulesError(f"{path}:{line}: duplicate key '{key}' (first at line {seen[key]})")
            seen[key] = line
            _check_nodes(value_node, path, seen_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_nodes(item, path, seen_nodes)


# ---------------------------------------------------------------------------------------------
# A small schema language: a spec is a type, ("list", spec), ("map", spec) or a dict of fields
# (a key ending in "?" is optional).
# ---------------------------------------------------------------------------------------------
Spec = Any

_PAIR = ("list", int)

GENE_SPEC: dict[str, Spec] = {
    "transcript": str,
    "transcript_aliases?": ("list", str),
    "protein_id": str,
    "strand": str,
    "role": str,
    "builds": ("map", {
        "chrom": str,
        "cds?": _PAIR,
        "exons?": ("list", _PAIR),
        "known_exons?": ("list", {"exon": int, "start": int, "end": int, "c_start": int}),
        "windows?": ("list", {"start": int, "sequence": str}),
    }),
    "protein?": str,
    "cds_length?": int,
    "cds_pieces?": ("list", {"c_start": int, "sequence": str}),
    "flank?": int,
    "driver_events?": ("list", {
        "class": str, "name": str, "hgvs_p?": ("list", str), "effect?": ("list", str),
        "residues?": _PAIR, "location?": ("list", str), "c_range?": _PAIR, "dna?": ("list", str),
    }),
    "insertion_regions?": ("map", _PAIR),
    "domains?": ("list", {"name": str, "start": int, "end": int}),
    "hotspots?": ("list", str),
    "recurrent?": ("list", str),
    "polymorphisms?": ("list", str),
    "aliases?": ("map", ("list", str)),
}

THRESHOLDS_SPEC: dict[str, Spec] = {
    "amplification_cn": float,
    "min_depth": int,
    "min_alt_reads": int,
    "min_vaf": float,
    "accepted_filters": ("list", str),
    "min_coverage_depth": int,
    "min_exon20_covered_fraction": float,
    "min_mapq": int,
}

FUSION_GENE_SPEC: dict[str, Spec] = {
    "role": str, "strand": str, "transcript": str, "partner_of?": ("list", str),
    "confidence": str, "numbering_note?": str,
    "builds": ("map", {"chrom": str, "start": int, "end": int}),
    "introns?": ("list", {"name": str, "note?": str, "builds": ("map", ("list", int))}),
}

BUILD_SPEC: dict[str, Spec] = {"names": ("list", str), "contig_lengths": ("map", int)}

RULES_SPEC: dict[str, Spec] = {
    "version?": int,
    "genes?": ("map", GENE_SPEC),
    "driver_groups?": ("list", {"group": str, "gene": str, "classes": ("list", str)}),
    "fusion_genes?": ("map", FUSION_GENE_SPEC),
    "thresholds?": THRESHOLDS_SPEC,
    "builds?": ("map", BUILD_SPEC),
}


def _type_name(spec: Spec) -> str:
    if isinstance(spec, dict):
        return "a mapping"
    if isinstance(spec, tuple):
        return "a list" if spec[0] == "list" else "a mapping"
    return {int: "an integer", float: "a number", str: "a string", bool: "true/false"}[spec]


def check(value: Any, spec: Spec, where: str, *, partial: bool) -> None:
    """Raise RulesError when value does not fit spec. ``partial`` allows missing fields."""
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise RulesError(f"{where}: expected {_type_name(spec)}, found {type(value).__name__}")
        known = {k.rstrip("?"): k.endswith("?") for k in spec}
        for key in value:
            if key not in known:
                raise RulesError(
                    f"{where}.{key}: unknown key (expected one of: {', '.join(sorted(known))})"
                )
        if not partial:
            for key, optional in known.items():
                if not optional and key not in value:
                    raise RulesError(f"{where}: missing key '{key}'")
        for key, sub in spec.items():
            k = key.rstrip("?")
            if k in value:
                check(value[k], sub, f"{where}.{k}", partial=partial)
        return
    if isinstance(spec, tuple):
        kind, sub = spec
        if kind == "list":
            if not isinstance(value, list):
                raise RulesError(f"{where}: expected a list, found {type(value).__name__}")
            for i, item in enumerate(value):
                check(item, sub, f"{where}[{i}]", partial=False)
        else:
            if not isinstance(value, dict):
                raise RulesError(f"{where}: expected a mapping, found {type(value).__name__}")
            for key, item in value.items():
                check(item, sub, f"{where}.{key}", partial=partial)
        return
    ok = isinstance(value, spec) and not (spec is not bool and isinstance(value, bool))
    if spec is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if ok and spec is float and not math.isfinite(value):  # .nan makes every comparison false
        raise RulesError(f"{where}: expected a finite number, found {value!r}")
    if not ok:
        raise RulesError(f"{where}: expected {_type_name(spec)}, found {value!r}")


def merge_trees(base: Any, over: Any) -> Any:
    """Rules files merge key by key: mappings recursively, lists and values replace."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge_trees(base[k], v) if k in base else v
        return out
    return over


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
class Thresholds:
    amplification_cn: float
    min_depth: int
    min_alt_reads: int
    min_vaf: float
    accepted_filters: tuple[str, ...]
    min_coverage_depth: int
    min_exon20_covered_fraction: float
    min_mapq: int


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
    fusions: Any = field(default=None, repr=False, compare=False)  # her2var.fusions.FusionRules
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def index_gene(self) -> GeneRules:
        for g in self.genes.values():
            if g.role == "index":
                return g
        raise RulesError("the rules name no gene with role 'index'")


def _residue_number(token: str, where: str) -> int:
    digits = token[1:]
    if not token[:1].isalpha() or not digits.isdigit():
        raise RulesError(f"{where}: '{token}' is not a residue like S310")
    return int(digits)


def _build_gene(symbol: str, g: dict[str, Any], where: str) -> GeneRules:
    if g["strand"] not in ("+", "-"):
        raise RulesError(f"{where}.strand: expected '+' or '-', found {g['strand']!r}")
    builds = {}
    for bname, b in g["builds"].items():
        bw = f"{where}.builds.{bname}"
        full = "exons" in b
        if full == ("known_exons" in b) or full != ("cds" in b):
            raise RulesError(f"{bw}: give either 'exons' with 'cds' (every exon) or 'known_exons' (a partial model)")
        pairs = [b["cds"], *b["exons"]] if full else [[e["start"], e["end"]] for e in b["known_exons"]]
        for i, pair in enumerate(pairs):
            if len(pair) != 2 or pair[0] > pair[1]:
                raise RulesError(f"{bw}: interval #{i} {pair} must be [start, end] with start <= end")
        windows = tuple(Window(w["start"], w["sequence"].upper()) for w in b.get("windows", []))
        for w in windows:
            if set(w.sequence) - set("ACGTN"):
                raise RulesError(f"{bw}.windows: sequence at {w.start} has letters other than ACGTN")
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
            raise RulesError(f"{where}.cds_pieces: the piece at c.{c_start} must start at c.1 or later and hold only ACGT")
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
            raise RulesError(f"{where}.insertion_regions.{name}: expected [first_codon, last_codon]")
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
            raise RulesError(f"{where}: duplicate id '{item}'")
        seen.add(item)


def load_rules(extra: list[str | os.PathLike[str]] | None = None) -> Rules:
    """Load the built-in rules, then merge each user file over them, checking every step."""
    base = builtin_rules_dir()
    paths = [base / name for name in BUILTIN_FILES] + [Path(p) for p in (extra or [])]
    merged: dict[str, Any] = {}
    for i, path in enumerate(paths):
        data = read_builtin_yaml(path) if i < len(BUILTIN_FILES) else read_yaml(path)
        if data is None:
            data = {}
        check(data, RULES_SPEC, str(path), partial=True)
        merged = merge_trees(merged, data)
    return rules_from_tree(merged, sources=tuple(str(p) for p in paths))


def rules_from_tree(tree: dict[str, Any], sources: tuple[str, ...]) -> Rules:
    where = "rules (" + ", ".join(Path(s).name for s in sources) + ")"
    check(tree, RULES_SPEC, where, partial=False)
    for section in ("genes", "thresholds", "builds"):
        if section not in tree:
            raise RulesError(f"{where}: missing section '{section}'")
    genes = {s: _build_gene(s, g, f"{where}.genes.{s}") for s, g in tree["genes"].items()}
    t = tree["thresholds"]
    thresholds = Thresholds(
        amplification_cn=float(t["amplification_cn"]), min_depth=t["min_depth"],
        min_alt_reads=t["min_alt_reads"], min_vaf=float(t["min_vaf"]),
        accepted_filters=tuple(t["accepted_filters"]), min_coverage_depth=t["min_coverage_depth"],
        min_exon20_covered_fraction=float(t["min_exon20_covered_fraction"]), min_mapq=t["min_mapq"],
    )
    if not 0 <= thresholds.min_vaf <= 1 or not 0 <= thresholds.min_exon20_covered_fraction <= 1:
        raise RulesError(f"{where}.thresholds: min_vaf and min_exon20_covered_fraction must be in [0, 1]")
    builds = {
        name: BuildRules(name, tuple(b["names"]), {str(k): v for k, v in b["contig_lengths"].items()})
        for name, b in tree["builds"].items()
    }
    for g in genes.values():
        for bname in g.builds:
            if bname not in builds:
                raise RulesError(f"{where}.genes.{g.symbol}.builds.{bname}: build not declared under 'builds'")
    checksum = hashlib.sha256(json.dumps(tree, sort_keys=True).encode()).hexdigest()
    groups = tuple(DriverGroup(d["group"], d["gene"], tuple(d["classes"])) for d in tree.get("driver_groups", []))
    _no_duplicates([d.group for d in groups], f"{where}.driver_groups")
    fusions = None
    if tree.get("fusion_genes"):
        from .fusion_rules import (
            fusion_rules_from_tree,  # fusion rules are checked by their own module
        )

        fusions = fusion_rules_from_tree({"fusion_genes": tree["fusion_genes"]}, sources)
    return Rules(genes=genes, thresholds=thresholds, builds=builds, sources=sources,
                 checksum=checksum, raw=tree, driver_groups=groups, fusions=fusions)


def check_rules_file(path: str | os.PathLike[str]) -> Rules:
    """Validate a user's rules file on its own and merged over the built-in rules."""
    return load_rules([path])


