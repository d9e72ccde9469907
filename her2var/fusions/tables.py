"""Fusion-caller tables (`classify --fusions`): find the header, tell the dialect, read the rows.

The dialect is told by the header's column names alone (``table_rows.DIALECTS``: Arriba,
STAR-Fusion, Illumina TSO500 DNA Fusions.csv / RNA AllFusions.csv / CombinedVariantOutput, PCGR's
fusion input and outputs), never by the file name. The header is the first line that names a
dialect's columns among the comment lines before the table and the first line after them (Arriba and
STAR-Fusion write it as '#gene1…', Illumina's CSVs put '#SOURCE,…' or '# Key = description' lines
first). A file with ``[Section]`` lines (TSO500 CombinedVariantOutput) is read from its
``[Fusions]`` (or ctDNA ``[DNA Fusions]``) section. Tab or comma separated, gzip or plain, CRLF and
a byte-order mark are all read; Illumina's padding of every line with tabs to the widest section is
ignored, and a lone ``NA`` row is a section with no call.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence

from ..errors import InputError, shown
from ..files import read_input
from ..rules.fusions import FUSION_PAD, FusionRules
from .from_vcf import _role
from .model import End, Fusion, assemble, merge_fusions, support_note
from .table_rows import DIALECTS, HEADER_ALIASES, Dialect, Junction, split_cells, table_gene

FUSION_SECTIONS = ("Fusions", "DNA Fusions")  # CombinedVariantOutput: TSO500 (RNA), TSO500 ctDNA
_SECTION = re.compile(r"^\[([^\[\]]+)\]$")
_FILE_SUFFIXES = ("_CombinedVariantOutput", "_AllFusions", "_Fusions")


def _read_lines(path: str) -> list[str]:
    # Bytes that are not UTF-8 are replaced, not refused: the header then says whether this is a
    # fusion table at all, the better message for a file of another kind.
    return read_input(path, what="a fusion table", errors="replace").lines()


def _blank(line: str) -> bool:
    return not line.strip(" \t,")  # Illumina pads lines with tabs (or commas) to the widest section


def _section(line: str) -> str | None:
    m = _SECTION.match(line.strip().rstrip("\t, "))
    return m.group(1).strip() if m else None


def _delimiter(line: str) -> str:
    return "\t" if "\t" in line or "," not in line else ","


def _header_cells(line: str, delimiter: str) -> list[str]:
    cells = [c.strip() for c in split_cells(line.lstrip("#"), delimiter)]
    while cells and not cells[-1]:
        cells.pop()
    return [HEADER_ALIASES.get(c, c) for c in cells]


def _expected() -> str:
    """Every dialect known, by name and its first columns (the whole list would drown the message)."""
    return "; ".join(f"{d.described} ({', '.join(d.required[:3])}, …)" for d in DIALECTS)


def _dialect_of(cells: Sequence[str]) -> Dialect | None:
    found = set(cells)
    return next((d for d in DIALECTS if set(d.required) <= found), None)


def _no_dialect(path: str, lineno: int, cells: Sequence[str], where_more: str = "") -> InputError:
    found = set(cells)
    best = max(DIALECTS, key=lambda d: len(set(d.required) & found))
    missing = [c for c in best.required if c not in found]
    if len(missing) <= len(best.required) / 2:
        return InputError(f"{path}:{lineno}: {where_more}looks like a {best.described} but lacks column(s) "
                          f"{', '.join(missing)}; expected its header columns: {', '.join(best.required)}")
    listed = shown(" ".join(cells[:12]), 300, bare=True) + (" ..." if len(cells) > 12 else "")
    return InputError(f"{path}:{lineno}: {where_more}unknown fusion table columns: {listed}; expected the header "
                      f"of one of: {_expected()}")


def _find_table(path: str, lines: list[str]) -> tuple[Dialect, list[str], str, list[tuple[int, str]], bool]:
    """(dialect, header cells, delimiter, [(line number, row)], whether read from a section)."""
    sections = [(i, name) for i, line in enumerate(lines) if (name := _section(line))]
    if sections:
        return _find_section(path, lines, sections)
    candidates: list[tuple[int, list[str], str]] = []
    for i, line in enumerate(lines):
        if line.startswith("##") or _blank(line):
            continue
        delimiter = _delimiter(line)
        cells = _header_cells(line, delimiter)
        dialect = _dialect_of(cells)
        if dialect is not None:
            return dialect, cells, delimiter, list(enumerate(lines[i + 1:], start=i + 2)), False
        candidates.append((i + 1, cells, delimiter))
        if not line.startswith("#"):
            break
    lineno, cells, _ = max(candidates, key=lambda c: max(len(set(d.required) & set(c[1])) for d in DIALECTS))
    raise _no_dialect(path, lineno, cells)


def _find_section(path: str, lines: list[str], sections: list[tuple[int, str]]
                  ) -> tuple[Dialect, list[str], str, list[tuple[int, str]], bool]:
    names = [n for _, n in sections]
    start = next((i for i, n in sections if n in FUSION_SECTIONS), None)
    if start is None:
        listed = shown(", ".join(f"[{n}]" for n in names[:15]), 300, bare=True)
        raise InputError(f"{path}: no [Fusions] or [DNA Fusions] section (sections: {listed}); expected a TSO500 "
                         "CombinedVariantOutput.tsv or a fusion table")
    _check_rna_arm(path, lines, sections, lines[start])
    end = next((i for i, _ in sections if i > start), len(lines))
    body = [(i + 1, lines[i]) for i in range(start + 1, end) if not _blank(lines[i])]
    name = _section(lines[start])
    if not body:
        raise InputError(f"{path}:{start + 1}: the [{name}] section has no header row; expected the columns "
                         f"{', '.join(next(d for d in DIALECTS if d.key == 'tso500-cvo').required)}")
    lineno, line = body[0]
    delimiter = _delimiter(line)
    cells = _header_cells(line, delimiter)
    dialect = _dialect_of(cells)
    if dialect is None:
        raise _no_dialect(path, lineno, cells, f"[{name}] section: ")
    return dialect, cells, delimiter, body[1:], True


def _check_rna_arm(path: str, lines: list[str], sections: list[tuple[int, str]], fusion_line: str) -> None:
    """TSO500 calls fusions from the RNA library only: a CombinedVariantOutput whose RNA Sample ID is
    NA holds an empty [Fusions] section that means 'not tested', which must not read as 'no fusion'."""
    if _section(fusion_line) != "Fusions":
        return
    details = next((i for i, n in sections if n == "Analysis Details"), None)
    if details is None:
        return
    end = next((i for i, _ in sections if i > details), len(lines))
    for i in range(details + 1, end):
        cells = [c.strip() for c in lines[i].split("\t")]
        if cells[0] == "RNA Sample ID" and (len(cells) < 2 or cells[1] in ("", "NA")):
            raise InputError(f"{path}:{i + 1}: RNA Sample ID is NA: this CombinedVariantOutput has no RNA "
                             "library, so its [Fusions] section tested nothing; give the file of the run with "
                             "the RNA library (or leave fusions out: then they count as not tested)")


def _default_sample(path: str) -> str:
    stem = os.path.basename(path).split(".")[0]
    for suffix in _FILE_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return stem


def read_fusion_file(path: str, *, sample: str | None, build: str | None, rules: FusionRules,
                     dropped: Counter | None = None) -> list[Fusion]:
    """Kinase fusions from a fusion-caller table of any dialect of ``table_rows.DIALECTS``.

    ``build`` is used to find kinases by position, annotate introns and check that the kinase
    breakpoints fit the build (InputError when they fit only the other one). Rows the caller itself
    set aside are left out and counted in ``dropped``: Arriba confidence 'low'
    (fusion_low_confidence), TSO500 DNA Filter not PASS and TSO500 RNA KeepFusion False
    (fusion_filter); rows with no kinase end count as fusion_not_kinase."""
    path = os.fspath(path)
    dropped = dropped if dropped is not None else Counter()
    lines = _read_lines(path)
    if all(_blank(ln) for ln in lines):
        raise InputError(f"{path}: the file is empty; expected a fusion table with a header line ("
                         f"{', '.join(d.described for d in DIALECTS)})")
    dialect, header, delimiter, rows, sectioned = _find_table(path, lines)
    named = sample is not None  # a sample given by the caller, to compare with the one a table names
    if sample is None:
        sample = _default_sample(path)
    kind = "tab" if delimiter == "\t" else "comma"
    out = []
    for lineno, line in rows:
        if _blank(line) or line.startswith("#"):
            continue
        cells = split_cells(line, delimiter)
        while len(cells) > len(header) and not cells[-1].strip():
            cells.pop()  # padding past the header
        if [c.strip() for c in cells if c.strip()] == ["NA"]:
            continue  # Illumina: the section has no call
        where = f"{path}:{lineno}"
        if sectioned and len(cells) < len(header):
            cells += [""] * (len(header) - len(cells))
        if len(cells) != len(header):
            raise InputError(f"{where}: {len(cells)} {kind}-separated columns, expected {len(header)} "
                             "as in the header")
        row = {name: cells[i].strip() for i, name in enumerate(header)}
        j = dialect.read(row, where, rules)
        if not named:
            j.sample = None
        f = _fusion(dialect, j, where, path, lineno, sample=sample, build=build, rules=rules, dropped=dropped)
        if f is not None:
            out.append(f)
    return merge_fusions(out, dropped)


def _fusion(dialect: Dialect, j: Junction, where: str, path: str, lineno: int, *, sample: str,
            build: str | None, rules: FusionRules, dropped: Counter) -> Fusion | None:
    """Name the junction by the rules; None (counted) when no end is a kinase or the caller left it out."""
    notes = list(j.notes)
    ends = []
    for i, (text, (chrom, pos)) in enumerate(zip(j.genes, j.bps, strict=True)):
        gene = table_gene(text, rules)
        if gene not in rules.kinases and (g := rules.gene_at(build, chrom, pos)) and g.role == "kinase":
            notes.append(f"{shown(chrom, bare=True)}:{pos} is in {g.symbol}; "
                         f"the caller names it {shown(text, bare=True)}")
            gene = g.symbol
        if j.kept is None:
            role = j.roles[i]
        else:  # breakend sides: which part of the gene is kept follows from its strand
            rg = rules.genes.get(gene) if gene is not None else None
            role = _role(rg.strand if rg else None, j.kept[i])
        ends.append(End(chrom, pos, gene, role))
    f = assemble(ends[0], ends[1], rules, build, sample=sample, support=j.support, source=dialect.key,
                  path=path, line=lineno, caller_name=j.caller_name, filter="PASS")
    if f is None:
        dropped["fusion_not_kinase"] += 1
        return None
    if j.drop is not None:
        dropped[j.drop] += 1
        return None
    check_build(f, build, rules, where)
    for e, text in zip(ends, j.genes, strict=True):
        if e.gene is None:
            f.notes.append(f"the caller names the partner end {shown(text or '.', bare=True)} (intergenic)")
    if j.sample is not None and j.sample != sample:
        f.notes.append(f"the table names sample {shown(j.sample, bare=True)}")
    f.notes.extend(notes)
    if note := support_note(j.support):
        f.notes.append(note)
    return f


def check_build(f: Fusion, build: str | None, rules: FusionRules, where: str) -> None:
    """Breakpoints of rules genes must fit ``build``; fitting only the other build is an error."""
    if build is None:
        f.notes.append("genome build not given: breakpoints not checked against gene spans")
        return
    ends = [(f.kinase, f.kinase_breakpoint)]
    if f.partner is not None and f.partner in rules.genes and f.partner != f.kinase \
            and f.partner_breakpoint is not None:
        ends.append((f.partner, f.partner_breakpoint))
    for gene, (chrom, pos) in ends:
        spans = rules.genes[gene].builds
        if spans[build].contains(chrom, pos, FUSION_PAD):
            continue
        fits = [b for b, s in spans.items() if b != build and s.contains(chrom, pos, FUSION_PAD)]
        if fits:
            raise InputError(f"{where}: the {gene} breakpoint {shown(chrom, bare=True)}:{pos} lies outside {gene} "
                             f"on {build} but inside it on {fits[0]}: is the table on {fits[0]}? "
                             f"(give --build {fits[0]})")
        f.notes.append(f"the {gene} breakpoint {shown(chrom, bare=True)}:{pos} is outside the {gene} span of "
                       f"the rules ({build})")

