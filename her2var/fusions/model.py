"""A kinase fusion as every source reports it, how it is named, and how repeats are merged."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import shown
from ..models import Call
from ..rules.fusions import FusionRules

FIVE, THREE = "5'", "3'"

NAMING_RULES: dict[str, str] = {
    "partner_kinase": "the partner gene is 5', the kinase 3': PARTNER-KINASE (EML4-ALK)",
    "unknown_partner": "the kinase is 3', the other end in no known gene: "
                       "KINASE fusion (partner CHROM:POS)",
    "reciprocal": "the kinase is 5', the partner gene 3': KINASE-PARTNER, noted as reciprocal",
    "intragenic": "both ends in the kinase gene: KINASE intragenic rearrangement",
    "rearrangement": "no head-to-tail fusion transcript (head-to-head, tail-to-tail, the kinase "
                     "keeps its 5' part, or orientation unknown): KINASE rearrangement (partner X)",
}
_RANK = {"partner_kinase": 0, "unknown_partner": 1, "intragenic": 2, "reciprocal": 3, "rearrangement": 4}

# -- the result -------------------------------------------------------------------------------
READ_KEYS = ("SR", "PR", "READ_COUNT", "split_reads1", "split_reads2", "discordant_mates",
             "JunctionReadCount", "SpanningFragCount", "Alt_Depth", "Alt Split Dedup", "Alt Pair Dedup",
             "Alt Split", "Alt Pair", "Fusion Supporting Reads", "SplitReads", "SPLIT_READS")


@dataclass
class Fusion:
    """One kinase fusion or rearrangement in one sample, from one source."""

    sample: str
    kinase: str
    partner: str | None  # gene symbol; None when the other end is in no known gene
    name: str  # EML4-ALK, 'ALK fusion (partner 2:12345)', 'ALK intragenic rearrangement', ...
    five_prime: str | None
    three_prime: str | None
    kinase_breakpoint: tuple[str, int]
    partner_breakpoint: tuple[str, int] | None
    support: dict[str, float]  # as the caller names it: SR/PR, READ_COUNT, split_reads1, ...
    source: str  # vcf-bnd | ion | a fusion table's dialect (arriba, star-fusion, tso500-*, pcgr*)
    notes: list[str] = field(default_factory=list)
    path: str = ""
    line: int | None = None
    naming: str = ""  # key of NAMING_RULES
    caller_name: str = ""  # the caller's own id or name (Ion ID, STAR-Fusion FusionName, BND ID)
    filter: str = "PASS"

    @property
    def reads(self) -> int | None:
        """Supporting reads summed over the read-count fields present; None when there are none."""
        vals = [self.support[k] for k in READ_KEYS if k in self.support]
        return int(sum(vals)) if vals else None


def fusion_to_call(f: Fusion, *, build: str = "", input: str = "") -> Call:
    """A calls.tsv row: gene = the kinase, class 'fusion', name, partner and breakpoints in notes.
    A breakpoint written without a position (assemble's 0: a study's SV row may have none) has none."""
    return Call(
        sample=f.sample, gene=f.kinase, klass="fusion", chrom=f.kinase_breakpoint[0],
        pos=f.kinase_breakpoint[1] or None, alt_reads=f.reads, source=f.source, caller_call=f.caller_name,
        filter=f.filter, notes=[f.name, *f.notes], build=build, input=input or f.path,
    )


@dataclass
class End:
    chrom: str
    pos: int | None
    gene: str | None  # a rules gene (by position) or the caller's gene name
    role: str | None  # FIVE, THREE or None (unknown)


def _bp(end: End) -> str:
    return f"{shown(end.chrom, bare=True)}:{end.pos}" if end.pos is not None else "unknown position"


def assemble(a: End, b: End, rules: FusionRules, build: str | None, **kw: Any) -> Fusion | None:
    """Name the event joining ends a and b; None when neither end is in a kinase."""
    kin = [e for e in (a, b) if e.gene in rules.kinases]
    if not kin:
        return None
    k = next((e for e in kin if e.role == THREE), kin[0])
    p = b if k is a else a
    K = k.gene
    assert K is not None
    kbp = (k.chrom, k.pos if k.pos is not None else 0)
    pbp = (p.chrom, p.pos) if p.pos is not None else None
    notes: list[str] = []
    five = three = None
    P = shown(p.gene, bare=True) if p.gene else p.gene  # the caller's name, in names and notes
    if p.gene == K:
        naming, name, five, three = "intragenic", f"{K} intragenic rearrangement", K, K
        notes.append(f"both breakpoints in {K}: {_bp(k)}, {_bp(p)}")
    elif k.role == THREE and p.role == FIVE and p.gene:
        naming, name, five, three = "partner_kinase", f"{P}-{K}", p.gene, K
    elif k.role == THREE and not p.gene:
        naming, name, three = "unknown_partner", f"{K} fusion (partner {_bp(p)})", K
        notes.append(f"partner end {_bp(p)} is in no known gene")
    elif k.role == FIVE and p.role == THREE and p.gene:
        naming, name, five, three = "reciprocal", f"{K}-{P}", K, p.gene
        notes.append(f"reciprocal orientation: {K} is the 5' partner, so this product lacks the "
                     f"{K} kinase domain; the {P}-{K} junction was not seen")
    else:
        naming, name = "rearrangement", f"{K} rearrangement (partner {P or _bp(p)})"
        five = next((e.gene or _bp(e) for e in (k, p) if e.role == FIVE), None)
        three = next((e.gene or _bp(e) for e in (k, p) if e.role == THREE), None)
        same_side: dict[tuple[str | None, str | None], str] = {
            (FIVE, FIVE): "head-to-head: both ends keep their 5' parts",
            (THREE, THREE): "tail-to-tail: both ends keep their 3' parts"}
        why = same_side.get((k.role, p.role))
        if why is None:
            why = (f"{K} keeps its 5' part (no kinase domain in this junction)" if k.role == FIVE
                   else "5'/3' orientation unknown")
        notes.append(f"no head-to-tail fusion transcript: {why}")
    ends = sorted((k, p), key=lambda e: {FIVE: 0, THREE: 1}.get(e.role or "", 2))
    if naming != "intragenic":
        label = {FIVE: "5' ", THREE: "3' "}
        notes.insert(0, " :: ".join(
            f"{label.get(e.role or '', '')}{shown(e.gene, bare=True) if e.gene else 'intergenic'} {_bp(e)}"
            f"{rules.describe(e.gene, build, e.pos)}" for e in ends))
    return Fusion(kinase=K, partner=p.gene, name=name, five_prime=five, three_prime=three,
                  kinase_breakpoint=kbp, partner_breakpoint=pbp, naming=naming, notes=notes, **kw)


def support_note(support: Mapping[str, float]) -> str:
    return "support " + ", ".join(f"{k} {v:g}" for k, v in support.items()) if support else ""


def merge_fusions(fusions: Iterable[Fusion], dropped: Counter | None = None) -> list[Fusion]:
    """One Fusion per (sample, kinase, partner): reciprocal junctions, several junctions of one
    fusion and the same fusion from several sources are kept once, the others named in notes."""
    kept: dict[tuple, Fusion] = {}
    for f in fusions:
        key = (f.sample, f.kinase, f.partner or f.partner_breakpoint)
        old = kept.get(key)
        if old is None:
            kept[key] = f
            continue
        best, other = sorted((old, f), key=lambda x: (_RANK[x.naming], -(x.reads or 0)))
        best.notes.append(f"also seen as {other.name} ({other.source}, {other.kinase} breakpoint "
                          f"{shown(other.kinase_breakpoint[0], bare=True)}:{other.kinase_breakpoint[1]}"
                          + (f", {other.reads} reads" if other.reads is not None else "") + ")")
        kept[key] = best
        if dropped is not None:
            dropped["fusion_same_event"] += 1
    return list(kept.values())


# -- VCF ----------------------------------------------------------------------------------------
