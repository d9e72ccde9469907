"""Kinase fusions (ALK, ROS1, RET, NTRK1-3) from breakend VCFs, Ion Reporter VCFs and fusion tables.

Sources: Manta / DRAGEN ``SVTYPE=BND`` pairs (linked by MATEID, else by a two-record EVENT), Ion
Reporter ``SVTYPE=Fusion`` records (``EML4-ALK.E13A20_1`` / ``_2``), Arriba ``fusions.tsv`` and
STAR-Fusion ``fusion_predictions(.abridged)(.coding_effect).tsv``. Every source gives ``Fusion``
objects named by one set of rules (``NAMING_RULES``): the kinase is the reported gene and, in an
oncogenic fusion, the 3' partner, so the name is ``PARTNER-KINASE`` (EML4-ALK, KIF5B-RET,
CD74-ROS1, ETV6-NTRK3).

5'/3' from a breakend: the bracket form of the ALT says which side of POS is kept (VCF 4.2 5.4:
``t[p[`` and ``t]p]`` keep the left, ``]p]t`` and ``[p[t`` the right). On a + strand gene the kept
left side is the gene's 5' part; on a - strand gene (ALK, ROS1, NTRK3, KIF5B, CD74, CCDC6, TPM3)
it is the 3' part. Tables (Arriba gene1, STAR-Fusion LeftGene) and Ion names list the 5' gene
first.

Only PASS (or '.') records and rows are returned. What is left out is counted by reason in the
optional ``dropped`` Counter, the way classify counts dropped variants (pass ``res.dropped``):
``fusion_filter`` (FILTER not PASS on any mate), ``fusion_no_reads`` (Ion READ_COUNT 0),
``fusion_no_sample_support`` (this sample's FORMAT SR/PR alt counts all 0, e.g. the normal),
``fusion_low_confidence`` (Arriba 'low'), ``fusion_not_kinase`` (no end in a kinase) and
``fusion_same_event`` (merged into another row of the same kinase and partner, named in its notes).
Mates are read once: a pair gives one Fusion; a lone mate gives one with a note.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TypedDict

from ..contigs import same_contig
from ..errors import InputError, plain_int, shown
from ..models import Record, Region, VcfHeader
from ..rules.fusions import FusionRules
from .model import FIVE, THREE, End, Fusion, assemble, merge_fusions, support_note

log = logging.getLogger(__name__)

_BND = re.compile(r"^([A-Za-z.*]*)([\[\]])([^\[\]]+):(\d+)([\[\]])([A-Za-z.*]*)$")
_SINGLE = re.compile(r"^(\.[A-Za-z]+|[A-Za-z]+\.)$")


def parse_breakend(alt: str) -> tuple[str, str | None, int | None, str | None] | None:
    """(kept side of POS, mate chrom, mate pos, kept side at the mate) of a breakend ALT.

    Sides are 'left' (bases at and before the position) or 'right'. Single breakends (``A.``,
    ``.A``) have no mate. None when ALT is not breakend notation at all."""
    if _SINGLE.match(alt):
        return ("left" if alt.endswith(".") else "right"), None, None, None
    m = _BND.match(alt)
    if not m:
        return None
    pre, b1, chrom, pos, b2, post = m.groups()
    if b1 != b2 or bool(pre) == bool(post):
        return None
    kept = "left" if pre else "right"
    mate = "right" if b1 == "[" else "left"
    return kept, chrom, int(pos), mate


def _role(strand: str | None, kept: str | None) -> str | None:
    if strand not in ("+", "-") or kept is None:
        return None
    return FIVE if (strand == "+") == (kept == "left") else THREE


def is_fusion_record(header: VcfHeader, record: Record) -> bool:
    """Breakend (SVTYPE=BND, or a breakend ALT without SVTYPE) or Ion Reporter SVTYPE=Fusion."""
    svtype = record.info.get("SVTYPE")
    if svtype in ("BND", "Fusion"):
        return True
    return svtype is None and len(record.alts) == 1 and parse_breakend(record.alts[0]) is not None


def fusions_from_vcf(header: VcfHeader, records: Iterable[Record], *, sample_index: int, sample: str,
                     build: str, rules: FusionRules, dropped: Counter | None = None,
                     regions_read: Sequence[Region] | None = None) -> list[Fusion]:
    """Kinase fusions of one sample from breakend pairs and Ion Fusion records (others ignored).

    ``regions_read``: the regions the records were read from (None: the whole file). A missing
    mate is noted only where it should have been read. ``dropped`` counts what is left out."""
    dropped = dropped if dropped is not None else Counter()
    seen: set[tuple] = set()
    bnd: list[Record] = []
    ion: list[Record] = []
    for r in records:
        key = (r.chrom, r.pos, r.id, tuple(r.alts))
        if key in seen or not is_fusion_record(header, r):
            continue  # overlapping regions may hand over one record twice
        seen.add(key)
        (ion if r.info.get("SVTYPE") == "Fusion" else bnd).append(r)
    ctx: _Context = {"rules": rules, "build": build, "sample": sample, "sample_index": sample_index,
                     "dropped": dropped, "regions": regions_read}
    out = [f for group, mate_id in _bnd_groups(bnd) if (f := _from_bnd(group, mate_id, **ctx))]
    out += [f for key, group in _ion_groups(ion) if (f := _from_ion(key, group, **ctx))]
    return merge_fusions(out, dropped)


class _Context(TypedDict):
    """What _from_bnd and _from_ion share for one file and sample."""

    rules: FusionRules
    build: str
    sample: str
    sample_index: int
    dropped: Counter
    regions: Sequence[Region] | None


def _first(raw: str | None) -> str | None:
    return raw.split(",")[0] if raw else None


def _bnd_groups(bnd: list[Record]) -> list[tuple[list[Record], str | None]]:
    """Junctions: mates paired by MATEID, else by an EVENT shared by exactly two records."""
    by_id = {r.id: r for r in bnd if r.id not in (".", "")}
    events = Counter(r.info.get("EVENT") for r in bnd if r.info.get("EVENT"))
    used: set[int] = set()
    groups = []
    for r in bnd:
        if id(r) in used:
            continue
        used.add(id(r))
        mate_id = _first(r.info.get("MATEID"))
        mate = by_id.get(mate_id) if mate_id else None
        if mate_id is None and events.get(r.info.get("EVENT")) == 2:
            mate = next(x for x in bnd if x is not r and x.info.get("EVENT") == r.info["EVENT"])
        group = [r]
        if mate is not None and id(mate) not in used:
            used.add(id(mate))
            group.append(mate)
        groups.append((group, mate_id))
    return groups


def _passes(recs: list[Record]) -> bool:
    return all(not r.filters or r.filters == ["PASS"] for r in recs)


def _in_regions(chrom: str | None, pos: int | None, regions: Sequence[Region] | None) -> bool:
    if regions is None:
        return True
    return chrom is not None and pos is not None and any(
        same_contig(r.chrom, chrom) and r.start <= pos <= r.end for r in regions)


def _count(raw: str, rec: Record, label: str) -> float:
    try:
        return float(raw.split(",")[-1])  # Number=R: 'ref,alt'; the alt value is last
    except ValueError as exc:
        raise InputError(f"{rec.where}: {label} {shown(raw)} is not a number (expected read counts)") from exc


def _bnd_support(rec: Record, idx: int) -> tuple[dict[str, float], bool]:
    """(support, whether this sample has FORMAT read counts that are all zero)."""
    support: dict[str, float] = {}
    if idx >= 0:
        for key in ("SR", "PR"):
            raw = rec.sample_field(idx, key)
            if raw is not None:
                support[key] = _count(raw, rec, f"FORMAT/{key}")
    if not support:
        for key in ("SR", "PE", "SU"):  # site-level counts some callers write in INFO
            raw = rec.info.get(key)
            if raw not in (None, "."):
                support[key] = _count(raw, rec, f"INFO/{key}")
    zero = idx >= 0 and any(k in rec.format_keys for k in ("SR", "PR")) and bool(support) \
        and all(v == 0 for v in support.values())
    return support, zero


def _from_bnd(group: list[Record], mate_id: str | None, *, rules: FusionRules, build: str, sample: str,
              sample_index: int, dropped: Counter, regions: Sequence[Region] | None) -> Fusion | None:
    # Read the junction from the kinase-side record when there is one.
    primary = next((r for r in group if (g := rules.gene_at(build, r.chrom, r.pos)) and g.role == "kinase"),
                   group[0])
    # kept side, mate chrom, mate pos, kept side at the mate (sides unknown for the symbolic form below)
    parsed: tuple[str | None, str | None, int | None, str | None] | None = (
        parse_breakend(primary.alts[0]) if len(primary.alts) == 1 else None)
    if parsed is None and primary.alts[:1] in (["<BND>"], ["<TRA>"]) and primary.info.get("CHR2"):
        # Older Delly-style symbolic translocation: the mate is in CHR2/POS2 (or END), no orientation
        other_pos = primary.info.get("POS2") or primary.info.get("END") or ""
        if plain_int(other_pos) is not None:
            parsed = (None, primary.info["CHR2"] or "", int(other_pos), None)
    if parsed is None:
        raise InputError(f"{primary.where}: SVTYPE=BND but ALT {shown(','.join(primary.alts))} is not one "
                         "breakend (expected t[p[, t]p], ]p]t, [p[t, a single breakend t. / .t, or "
                         "<BND>/<TRA> with INFO/CHR2 and POS2 or END)")
    kept, mchrom, mpos, mkept = parsed
    here, there = rules.gene_at(build, primary.chrom, primary.pos), rules.gene_at(build, mchrom or "", mpos)
    a = End(primary.chrom, primary.pos, here.symbol if here else None, _role(here.strand if here else None, kept))
    b = End(mchrom or "?", mpos, there.symbol if there else None, _role(there.strand if there else None, mkept))
    if a.gene not in rules.kinases and b.gene not in rules.kinases:
        dropped["fusion_not_kinase"] += 1
        return None
    if not _passes(group):
        dropped["fusion_filter"] += 1
        return None
    support, zero = _bnd_support(primary, sample_index)
    if zero:
        dropped["fusion_no_sample_support"] += 1
        return None
    f = assemble(a, b, rules, build, sample=sample, support=support, source="vcf-bnd",
                  path=primary.path, line=primary.line, caller_name=primary.id, filter="PASS")
    assert f is not None
    if mchrom is None:
        f.notes.append(f"single breakend at {shown(primary.chrom, bare=True)}:{primary.pos}: "
                       "the partner is not known")
    elif len(group) == 1 and (mate_id or not primary.info.get("EVENT")) \
            and _in_regions(mchrom, mpos, regions):
        what = f"breakend mate {shown(mate_id, bare=True)}" if mate_id else "the mate breakend (no MATEID)"
        f.notes.append(f"{what} is not in the file: reported from the "
                       f"{shown(primary.chrom, bare=True)}:{primary.pos} breakend alone")
    elif len(group) == 2 and kept is not None:
        other = group[1] if primary is group[0] else group[0]
        back = parse_breakend(other.alts[0]) if len(other.alts) == 1 else None
        if back is None or back[2] != primary.pos or not same_contig(back[1] or "", primary.chrom):
            f.notes.append(f"mates disagree: {shown(other.id, bare=True)} at "
                           f"{shown(other.chrom, bare=True)}:{other.pos} does not point back to "
                           f"{shown(primary.chrom, bare=True)}:{primary.pos}")
    first = next((r for r in group if "RNA_FIRST" in r.info), None)
    if first is not None:
        first_gene = a.gene if first is primary else b.gene
        if first_gene and f.five_prime and first_gene != f.five_prime:
            f.notes.append(f"the caller marks {shown(first_gene, bare=True)} as 5' (RNA_FIRST); "
                           f"the orientation says {shown(f.five_prime, bare=True)}")
    if note := support_note(support):
        f.notes.append(note)
    return f


_ION_SUFFIX = re.compile(r"_\d+$")
_ION_EXONS = re.compile(r"^[A-Za-z]+(\d+[a-z]?)[A-Za-z]+(\d+[a-z]?)$")


def _ion_groups(ion: list[Record]) -> list[tuple[str, list[Record]]]:
    groups: dict[str, list[Record]] = {}
    for r in ion:
        groups.setdefault(_ION_SUFFIX.sub("", r.id), []).append(r)
    return list(groups.items())


def _ion_genes(key: str, recs: list[Record]) -> tuple[str | None, str | None]:
    """(5' gene, 3' gene) from the Oncomine name 'EML4-ALK.E13A20', checked against GENE_NAME."""
    pair = key.split(".")[0]
    named = {r.info.get("GENE_NAME") for r in recs} - {None}
    for i, ch in enumerate(pair):
        if ch == "-" and (pair[:i] in named or pair[i + 1:] in named):
            return pair[:i], pair[i + 1:]
    if "-" in pair:
        g5, _, g3 = pair.partition("-")
        return g5, g3
    by_suffix = {r.id.rsplit("_", 1)[-1]: r.info.get("GENE_NAME") for r in recs}
    return by_suffix.get("1"), by_suffix.get("2")


def _from_ion(key: str, recs: list[Record], *, rules: FusionRules, build: str, sample: str,
              sample_index: int, dropped: Counter, regions: Sequence[Region] | None) -> Fusion | None:
    g5, g3 = _ion_genes(key, recs)
    ends: dict[str, End] = {}
    from_alt: dict[str, End] = {}  # ends known only from the other record's breakend ALT
    for rec in recs:
        gene = rec.info.get("GENE_NAME") or ((g := rules.gene_at(build, rec.chrom, rec.pos)) and g.symbol)
        role = FIVE if gene == g5 else THREE if gene == g3 else (FIVE if rec.id.endswith("_1") else THREE)
        ends.setdefault(role, End(rec.chrom, rec.pos, g5 if role == FIVE else g3, role))
        parsed = parse_breakend(rec.alts[0]) if len(rec.alts) == 1 else None
        other = THREE if role == FIVE else FIVE
        if parsed and parsed[1] is not None:
            from_alt.setdefault(other, End(parsed[1], parsed[2], g3 if other == THREE else g5, other))
    missing = [r for r in (FIVE, THREE) if r not in ends]
    for r in missing:
        ends[r] = from_alt.get(r, End("?", None, g5 if r == FIVE else g3, r))
    five, three = ends[FIVE], ends[THREE]
    if five.gene not in rules.kinases and three.gene not in rules.kinases:
        dropped["fusion_not_kinase"] += 1
        return None
    if not _passes(recs):
        dropped["fusion_filter"] += 1
        return None
    support: dict[str, float] = {}
    for k in ("READ_COUNT", "RPM", "NORM_COUNT"):
        vals = [_count(v, r, f"INFO/{k}") for r in recs if (v := r.info.get(k)) is not None and v != "."]
        if vals:
            support[k] = max(vals)
    if support.get("READ_COUNT", 1) == 0:
        dropped["fusion_no_reads"] += 1
        return None
    f = assemble(five, three, rules, build, sample=sample, support=support, source="ion",
                  path=recs[0].path, line=recs[0].line, caller_name=key, filter="PASS")
    assert f is not None
    exons = _ION_EXONS.match(key.split(".")[1]) if "." in key else None
    if exons:
        f.notes.append(f"{shown(g5, bare=True)} exon {exons.group(1)} :: {shown(g3, bare=True)} exon "
                       f"{exons.group(2)} (caller's numbering)")
        f.notes.extend(rules.genes[g].numbering_note for g in (g5, g3)
                       if g is not None and g in rules.genes and rules.genes[g].numbering_note)
    if missing:
        gone = ends[missing[0]]
        if gone.pos is None or _in_regions(gone.chrom, gone.pos, regions):
            f.notes.append(f"the {shown(gone.gene or missing[0], bare=True)} end of {shown(key, bare=True)} "
                           f"is not in the file: reported from {shown(recs[0].id, bare=True)} alone")
    if note := support_note(support):
        f.notes.append(note)
    return f


