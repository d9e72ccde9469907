"""Oncogenicity tiers, in one place: each reported event's tier by rules/oncogenicity.yaml, the
germline-like VAF rule for tumour-only samples, and what the tiers make of a sample (HER2-altered
or not, and why).

Every path that makes calls (VCF records, insertions seen in the reads, copy number, fusions)
applies ``apply_tiers`` once per sample, after its calls are built; calls read back from an older
calls.tsv or store that carry no tier get it from ``tier_call_dict``. An event is described from
its call alone (gene, class, protein and c. names), so a call read back is tiered exactly as a
fresh one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import RulesError
from ..models import Call
from ..rules.load import GeneRules, Rules
from ..rules.oncogenicity import TIERS, OncogenicityRules, TierRule, canonical_protein
from ..vcf.annotations import protein_to_one_letter

if TYPE_CHECKING:
    from .result import SampleResult

GERMLINE_NOTE = "germline-like VAF, no matched normal"
RANK = {t: i for i, t in enumerate(TIERS)}  # 0 = oncogenic: lower is stronger
INDEX_GENE = "ERBB2"

_CHANGE = re.compile(r"^([A-Z*])(\d+)(?:_([A-Z*])(\d+))?(.*)$")
_AA = re.compile(r"^[A-Z]$")
_INTRON_OFFSET = re.compile(r"[0-9*](?:[+-])(\d+)")


@dataclass(frozen=True)
class Event:
    """What the tier rules look at: gene, class, canonical protein name, effect, residues."""

    gene: str
    klass: str
    hgvs_p: str
    effect: str
    first: int | None = None
    last: int | None = None


def policy(rules: Rules) -> OncogenicityRules:
    if rules.oncogenicity is None:
        raise RulesError("the rules have no 'oncogenicity' section (rules/oncogenicity.yaml)")
    return rules.oncogenicity


# ---------------------------------------------------------------------------------------------
# Describing an event from its call
# ---------------------------------------------------------------------------------------------
def one_letter(hgvs_p: str) -> str:
    """A protein name as written (one- or three-letter, with or without 'p.' and parentheses) in
    the one-letter form the rules use; '' when there is none."""
    text = (hgvs_p or "").strip()
    if not text:
        return ""
    if ":" in text:
        text = text.split(":", 1)[1]
    if not text.startswith("p."):
        text = "p." + text
    return protein_to_one_letter(text).replace("Ter", "*")


def protein_effect(hgvs_p: str) -> tuple[str, int | None, int | None]:
    """(effect, first residue, last residue) of a one-letter protein name such as p.L755S,
    p.E1168*, p.Y772_A775dup, p.L755_T759del, p.G776delinsVC, p.P1170fs."""
    m = _CHANGE.match(hgvs_p.removeprefix("p."))
    if not m:
        return "unknown", None, None
    first = int(m[2])
    last = int(m[4]) if m[4] else first
    rest = m[5]
    if rest == "=":
        return "synonymous", first, last
    if "fs" in rest:
        return "frameshift", first, last
    if rest.startswith("ext") or (m[1] == "*" and rest):
        return "stop_lost", first, last
    if rest == "?":
        return "start_lost", first, last
    if rest == "*":
        return "nonsense", first, last
    if _AA.match(rest):
        return "missense", first, last
    if rest == "del":
        return "inframe_deletion", first, last
    if rest == "dup":
        return "inframe_insertion", first, last
    if rest.startswith("delins"):
        ins = rest[6:]
        if "*" in ins:
            return "nonsense", first, last
        replaced = last - first + 1
        if len(ins) > replaced:
            return "inframe_insertion", first, last
        if len(ins) < replaced:
            return "inframe_deletion", first, last
        return ("missense" if replaced == 1 else "substitution"), first, last
    if rest.startswith("ins"):
        return ("nonsense" if "*" in rest else "inframe_insertion"), first, last
    return "unknown", first, last


def location_effect(hgvs_c: str, notes: Iterable[str] = ()) -> str:
    """splice_site / splice_region / intronic for a change without a protein name, from the intron
    offset of its c. name (c.2493+5G>A: 5 bases into the intron) or the call's notes; else unknown.
    The offsets are naming's: up to 2 bases a splice site, up to 8 a splice region."""
    offsets = [int(x) for x in _INTRON_OFFSET.findall(hgvs_c.split(":")[-1])] if hgvs_c else []
    if offsets:
        near = min(offsets)
        return "splice_site" if near <= 2 else "splice_region" if near <= 8 else "intronic"
    text = " ".join(notes)
    for location in ("splice site", "splice region", "intronic"):
        if location in text:
            return location.replace(" ", "_")
    return "unknown"


def describe_event(gene: str, klass: str, hgvs_p: str, hgvs_c: str, notes: Iterable[str],
                   genes: Mapping[str, GeneRules]) -> Event:
    name = one_letter(hgvs_p)
    g = genes.get(gene)
    if name and g is not None:
        name = canonical_protein(name, g.aliases)
    if name:
        effect, first, last = protein_effect(name)
    else:
        effect, first, last = location_effect(hgvs_c, notes), None, None
    return Event(gene=gene, klass=klass, hgvs_p=name, effect=effect, first=first, last=last)


# ---------------------------------------------------------------------------------------------
# Tiers
# ---------------------------------------------------------------------------------------------
def _in_list(r: TierRule, e: Event, g: GeneRules | None) -> bool:
    if g is None:
        return False
    if r.from_list == "polymorphisms":
        return e.hgvs_p in g.polymorphisms
    if r.from_list == "recurrent":
        return e.hgvs_p in g.recurrent
    return e.effect in ("missense",) and e.first is not None and e.first in g.hotspots  # hotspots


def matches(r: TierRule, e: Event, g: GeneRules | None) -> bool:
    """Whether every criterion the rule gives holds for the event."""
    if e.gene not in r.genes:
        return False
    if r.classes and e.klass not in r.classes:
        return False
    if r.hgvs_p and e.hgvs_p not in r.hgvs_p:
        return False
    if r.effect and e.effect not in r.effect:
        return False
    if r.residues is not None:
        if e.first is None or e.last is None or not (r.residues[0] <= e.first and e.last <= r.residues[1]):
            return False
    return not r.from_list or _in_list(r, e, g)


def tier_of(e: Event, rules: Rules) -> tuple[str, str]:
    """(tier, rule name) of one event: the first rule of its gene that matches, else the default."""
    p = policy(rules)
    g = rules.genes.get(e.gene)
    for r in p.for_gene(e.gene):
        if matches(r, e, g):
            return r.tier, r.name
    return p.default_tier, "no rule matches: uncertain significance" if p.default_tier == "uncertain" \
        else f"no rule matches: default {p.default_tier}"


def germline_like(tier: str, vaf: float | None, klass: str, rules: Rules, *, tumour_only: bool
                  ) -> tuple[str, str]:
    """(tier, note) after the germline-like VAF rule: in a tumour-only sample an event at a
    germline-looking VAF keeps a tier of ``keep_tiers`` and is capped at ``cap`` otherwise; either
    way it is noted. '' note when the rule does not apply (matched normal, no VAF, copy number,
    fusions)."""
    g = policy(rules).germline_like
    if not tumour_only or klass in ("amplification", "fusion") or not g.looks_germline(vaf):
        return tier, ""
    note = f"{GERMLINE_NOTE} (VAF {vaf:.2f})"
    if tier not in g.keep_tiers and RANK[tier] < RANK[g.cap]:
        note += f"; tier capped at {g.cap} (rules: {tier})"
        tier = g.cap
    return tier, note


def call_tier(call: Call, rules: Rules, *, tumour_only: bool) -> tuple[str, str, str]:
    """(tier, rule name, germline-like note or '') of a call."""
    e = describe_event(call.gene, call.klass, call.hgvs_p, call.hgvs_c, call.notes, rules.genes)
    tier, rule = tier_of(e, rules)
    tier, note = germline_like(tier, call.vaf, call.klass, rules, tumour_only=tumour_only)
    return tier, rule, note


def apply_tiers(res: SampleResult, rules: Rules) -> None:
    """Tier every call of a classified sample (noting germline-like VAFs when the VCF has no
    matched normal), then set ``her2_altered`` and ``her2_tier``. Run once, after the calls are built."""
    for call in res.calls:
        tier, rule, note = call_tier(call, rules, tumour_only=not res.matched_normal)
        call.oncogenicity, call.oncogenicity_rule = tier, rule
        if note and note not in call.notes:
            call.notes.append(note)
    res.her2_altered, res.her2_tier = her2_verdict(
        [c.oncogenicity for c in res.calls if c.gene == INDEX_GENE], ok=res.status == "ok",
        assessed=res.assessed, cn_assessed=res.cn_assessed, counted=policy(rules).altered_tiers)


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def tier_call_dict(d: dict[str, Any], rules: Rules, *, tumour_only: bool = True,
                   memo: dict[tuple[str, ...], tuple[str, str]] | None = None) -> bool:
    """Give a call read back from a calls.tsv, sample JSON or store (CALL_COLUMNS keys) its tier
    when it has none (written before tiers existed): derived from the current rules, the rule
    name saying so. Whether a normal was matched is not recorded there, so the germline-like cap
    applies as for a tumour-only sample. True when the tier was derived. ``memo`` (one per
    ``rules``): the tier of each event found so far, for a cohort where the same event recurs in
    thousands of samples (the germline-like cap, which depends on the VAF, is applied per call)."""
    if d.get("oncogenicity") in TIERS:
        return False
    notes = d.get("notes") or ""
    notes_list = notes.split(";") if isinstance(notes, str) else list(notes)
    gene, klass = str(d.get("gene") or ""), str(d.get("class") or "")
    hgvs_p, hgvs_c = str(d.get("hgvs_p") or ""), str(d.get("hgvs_c") or "")
    key = (gene, klass, hgvs_p, hgvs_c, *notes_list)
    found = memo.get(key) if memo is not None else None
    if found is None:
        e = describe_event(gene, klass, hgvs_p, hgvs_c, notes_list, rules.genes)
        found = tier_of(e, rules)
        if memo is not None:
            memo[key] = found
    tier, rule = found
    tier, _ = germline_like(tier, _float(d.get("vaf")), klass, rules, tumour_only=tumour_only)
    d["oncogenicity"] = tier
    d["oncogenicity_rule"] = f"{rule} (derived on reading: the input has no oncogenicity)"
    return True


# ---------------------------------------------------------------------------------------------
# What the tiers make of a sample
# ---------------------------------------------------------------------------------------------
def best_tier(tiers: Iterable[str]) -> str:
    """The strongest tier among ``tiers`` ('' when there is none)."""
    known = [t for t in tiers if t in RANK]
    return min(known, key=RANK.__getitem__) if known else ""


def her2_verdict(tiers: Iterable[str], *, ok: bool, assessed: str, cn_assessed: str,
                 counted: Iterable[str]) -> tuple[str, str]:
    """(her2_altered, her2_tier) of a sample from the tiers of its ERBB2 events.

    her2_altered: ``yes`` when an event has a counted tier (the rules' altered_tiers); otherwise
    ``no`` only with evidence that nothing was missed (small variants and copy number both
    assessed, as for wild type), else ``unknown``. her2_tier says why: the best counted tier
    (``oncogenic``, ``likely_oncogenic``), ``<best tier> only`` when no event counts (``uncertain
    only``, ``likely_benign only``), ``none`` without an ERBB2 event, ``error`` for a failed sample.
    """
    if not ok:
        return "unknown", "error"
    tiers = list(tiers)
    counted = tuple(counted)
    best = best_tier(tiers)
    hits = [t for t in tiers if t in counted]
    if hits:
        return "yes", best_tier(hits)
    evidence = assessed == "yes" and cn_assessed == "yes"
    altered = "no" if evidence else "unknown"
    if not tiers:
        return altered, "none"
    return altered, f"{best or 'untiered'} only"


def counts_as_driver(tier: str, rules: Rules) -> bool:
    return tier in policy(rules).driver_tiers
