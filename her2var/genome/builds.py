"""Which genome build a file is on, from its header; contradictions are errors, never guesses."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..contigs import contig_key, resolve_contig
from ..errors import InputError, UsageError, shown
from ..models import VcfHeader
from ..rules.load import BuildRules, Rules


def build_named(value: str, builds: Mapping[str, BuildRules]) -> str | None:
    """The build ``value`` names, compared without case: a build's own name or one of the names the
    rules give it (``rules/builds.yaml``: hg19, b37, hs37d5, hg38, ...), or a bare release number
    (37 -> GRCh37, 38 -> GRCh38); None when it names none."""
    v = value.strip().lower()
    candidates = {v} | ({f"grch{v}", f"ncbi{v}"} if v.isascii() and v.isdigit() else set())
    for b in builds.values():
        if candidates & {n.lower() for n in (b.name, *b.names)}:
            return b.name
    return None


def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![0-9A-Za-z])", re.I)


def build_evidence(header: VcfHeader, rules: Rules) -> list[tuple[str, str]]:
    """(build, evidence) pairs found in a header: contig lengths, assembly and reference names."""
    found: list[tuple[str, str]] = []
    for contig, length in header.contigs.items():
        if length is None:
            continue
        for b in rules.builds.values():
            if b.contig_lengths.get(contig_key(contig)) == length:
                found.append((b.name, f"##contig {contig} length {length}"))
    texts = []
    for key in ("reference", "assembly"):
        texts += [(f"##{key}", v) for v in header.meta.get(key, [])]
    for raw in header.meta.get("contig", []):
        m = re.search(r"assembly=([^,>]+)", raw)
        if m:
            texts.append(("##contig assembly", m.group(1)))
    for label, text in texts:
        for b in rules.builds.values():
            if any(_name_pattern(n).search(text) for n in b.names):
                found.append((b.name, f"{label}={shown(text.strip(), 80, bare=True)}"))
                break
    return found


def detect_build(header: VcfHeader, rules: Rules, override: str | None = None) -> tuple[str, str]:
    """Return (build, how it was decided). Raise when the header contradicts itself or --build."""
    if override is not None and override not in rules.builds:
        raise UsageError(f"--build {shown(override, bare=True)}: unknown build "
                         f"(expected one of {', '.join(rules.builds)})")
    evidence = build_evidence(header, rules)
    builds = sorted({b for b, _ in evidence})
    if len(builds) > 1:
        detail = "; ".join(f"{e} says {b}" for b, e in evidence)
        raise InputError(f"{header.path}: the header contradicts itself about the genome build: {detail}")
    if override is not None:
        if builds and builds[0] != override:
            detail = "; ".join(e for _, e in evidence)
            raise InputError(
                f"{header.path}: --build {override} contradicts the header, which says "
                f"{builds[0]} ({detail})"
            )
        return override, "--build" + (f" (agrees with {evidence[0][1]})" if evidence else "")
    if not builds:
        raise InputError(
            f"{header.path}: cannot tell the genome build: no ##contig length for a known "
            "chromosome and no build name in ##reference; give --build GRCh37 or --build GRCh38"
        )
    return builds[0], evidence[0][1]


def contig_names(header: VcfHeader, bare: str) -> list[str]:
    """Names to query for chromosome ``bare`` ('17'): the header's spelling, else both."""
    name = resolve_contig(bare, header.contigs)
    if name is not None:
        return [name]
    return [bare, "chr" + bare]
