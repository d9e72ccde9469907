#!/usr/bin/env python3
"""The package's import graph: cycles, and imports that point up the layers.

Reads every module of her2var/ with ``ast`` (imports inside functions count too: a deferred import
is still a dependency), then prints the strongly connected components with more than one module
and every import from a lower layer to a higher one. Exit 1 when there is either.

Usage: python scripts/import_graph.py [--dot]      (--dot prints the layer graph for Graphviz)
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "her2var"

# Bottom to top. A module may import from its own layer and the layers below it, never above.
# Each entry is a module or package prefix under her2var.
LAYERS: list[tuple[str, ...]] = [
    # tables, samples_sheet: CSV/TSV/XLSX tables, and the samples sheet that classify and cohort both read
    ("errors", "limits", "files", "outfolder", "models", "contigs", "tables", "samples_sheet"),
    ("rules", "stats"),
    ("genome",),
    ("vcf", "maf"),
    ("copynumber", "fusions"),
    ("bam",),
    ("store",),  # persistence of result documents: knows nothing of how they were made
    ("classify",),
    ("cohort", "studies"),  # studies: public cohorts' clinical records read into cohort records
    ("analysis",),
    ("demo", "workflow"),
    ("cli", "__main__"),
]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """her2var modules imported anywhere in the module (resolved to modules, not names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()

    def resolve(target: str) -> None:
        # `from x import y`: y may be a submodule or a name in x
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("her2var"):
                    resolve(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                mod = ".".join(anchor + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("her2var"):
                continue
            for alias in node.names:
                sub = f"{mod}.{alias.name}"
                resolve(sub if sub in known else mod)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def layer_of(module: str) -> int | None:
    rel = module.split(".", 1)[1] if "." in module else ""
    top = rel.split(".", 1)[0]
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    return None


def upward(g: dict[str, set[str]]) -> list[tuple[str, str]]:
    bad = []
    for src, targets in sorted(g.items()):
        ls = layer_of(src)
        for dst in sorted(targets):
            ld = layer_of(dst)
            if ls is not None and ld is not None and ld > ls:
                bad.append((src, dst))
    return bad


def unlayered(g: dict[str, set[str]]) -> list[str]:
    return sorted(m for m in g if m != "her2var" and layer_of(m) is None)


def main(argv: list[str]) -> int:
    g = graph()
    if "--dot" in argv:
        edges = defaultdict(set)
        for src, targets in g.items():
            for dst in targets:
                a, b = src.split(".")[1:2], dst.split(".")[1:2]
                if a and b and a != b:
                    edges[a[0]].add(b[0])
        print("digraph her2var {")
        for a in sorted(edges):
            for b in sorted(edges[a]):
                print(f'  "{a}" -> "{b}";')
        print("}")
        return 0
    found = cycles(g)
    up = upward(g)
    loose = unlayered(g)
    for comp in found:
        print("cycle: " + " <-> ".join(comp))
    for src, dst in up:
        print(f"upward: {src} imports {dst}")
    for m in loose:
        print(f"no layer: {m}")
    print(f"{len(g)} modules, {sum(map(len, g.values()))} imports, {len(found)} cycle(s), {len(up)} upward, "
          f"{len(loose)} without a layer")
    return 1 if found or up or loose else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
