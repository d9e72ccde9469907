"""Derived values: PFS and OS from dates, the regimen from drugs, the HER2 status of a patient,
and which of a patient's samples stands for them.

Survival (months = days / 30.4375, the mean Gregorian month):
- origin: first-line treatment start, for PFS and OS alike;
- PFS event: progression or death, whichever is first; without one, censored at the last
  follow-up; OS event: death; without one, censored at the last date the patient was known
  alive (last follow-up, or progression when that is later);
- the data cut-off caps everything: an event after the cut-off is not counted (censored at the
  cut-off), and no censoring date lies after it;
- delayed entry (``pfs_entry_*``, ``os_entry_*``): from the origin to the chosen sample's collection
  date when the sample was taken later, else 0 (``sample_entry``).

Records of a public cohort give survival as an interval from an index instead (clinical.Interval:
time, event, origin, delayed entry); it is used as given, in days (a time published in months is
months x 30.4375 days, unrounded), and no date is made up for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from ..classify.tiers import her2_verdict as tier_verdict
from ..errors import shown
from ..models import EVENT_CLASSES
from .calls import INDEX_GENE, SampleCalls
from .clinical import Patient
from .rules import RegimenRules, Selection

MONTH_DAYS = 30.4375
ASSESSED_RANK = {"yes": 0, "unknown": 1, "no": 2}


@dataclass(frozen=True)
class Survival:
    days: float  # whole days from dates; from an interval in months, months x MONTH_DAYS
    event: int  # 1 event, 0 censored
    note: str = ""  # e.g. "censored at the cut-off"
    entry_days: float | None = None  # delayed entry (intervals only)

    @property
    def months(self) -> float:
        return self.days / MONTH_DAYS


def _interval(p: Patient, name: str) -> Survival | None:
    iv = p.intervals.get(name)
    return None if iv is None else Survival(iv.days, iv.event, entry_days=iv.entry_days)


def pfs(p: Patient) -> tuple[Survival | None, str]:
    """(survival, reason when it cannot be computed)."""
    if "pfs" in p.intervals:
        return _interval(p, "pfs"), ""
    got = pfs_of_dates(p.treatment_start, p.progression_date, p.death_date, p.last_followup, p.cutoff)
    return (None, got) if isinstance(got, str) else (Survival(*got), "")


def os_(p: Patient) -> tuple[Survival | None, str]:
    if "os" in p.intervals:
        return _interval(p, "os"), ""
    got = os_of_dates(p.treatment_start, p.progression_date, p.death_date, p.last_followup, p.cutoff)
    return (None, got) if isinstance(got, str) else (Survival(*got), "")


def pfs_of_dates(start: dt.date | None, progression: dt.date | None, death: dt.date | None,
                 last_followup: dt.date | None, cut: dt.date | None) -> tuple[int, int, str] | str:
    """PFS from a patient's dates as (days, event, note), or the reason it cannot be computed.
    Plain values rather than a ``Survival``: the cohort computes it for every patient."""
    if start is None:
        return "no first-line start date"
    if progression is not None and death is not None:
        event: dt.date | None = min(progression, death)
    else:
        event = progression if death is None else death
    if event is not None:
        if cut is None or event <= cut:
            return (event - start).days, 1, ""
        # after the cut-off: progression-free at the cut-off
        return (cut - start).days, 0, "event after the cut-off: censored at the cut-off"
    if last_followup is None:
        return "no progression, death or last follow-up date"
    if cut is not None and last_followup > cut:
        return (cut - start).days, 0, "censored at the cut-off"
    return (last_followup - start).days, 0, ""


def os_of_dates(start: dt.date | None, progression: dt.date | None, death: dt.date | None,
                last_followup: dt.date | None, cut: dt.date | None) -> tuple[int, int, str] | str:
    """OS from a patient's dates as (days, event, note), or the reason it cannot be computed."""
    if start is None:
        return "no first-line start date"
    if death is not None:
        if cut is None or death <= cut:
            return (death - start).days, 1, ""
        return (cut - start).days, 0, "death after the cut-off: censored at the cut-off"
    if last_followup is None:
        if progression is None:
            return "no death or last follow-up date"
        alive = progression
    else:
        alive = last_followup if progression is None else max(last_followup, progression)
    end, note = _cap(alive, cut)
    if last_followup is None or last_followup < end:
        note = note or "censored at the progression date (after the last follow-up)"
    return (end - start).days, 0, note


def sample_entry(start: dt.date | None, sampled: dt.date | None) -> int | None:
    """Delayed entry (days) of a patient's PFS and OS, whose origin is the first-line start: the
    days from that start to the collection date of the sample that stands for the patient when
    it was taken later (the patient could only be known to carry the alteration from then on,
    so the time before is immortal time), 0 when it was taken on or before the start; None when
    either date is unknown. An analysis plan uses it with ``entry: pfs_entry_months``."""
    if start is None or sampled is None:
        return None
    return max((sampled - start).days, 0)


def _cap(date: dt.date, cut: dt.date | None) -> tuple[dt.date, str]:
    if cut is not None and date > cut:
        return cut, "censored at the cut-off"
    return date, ""


def regimen(p: Patient, rules: RegimenRules) -> tuple[str, str]:
    """(regimen such as C+I+A, single/combination); empty when no drugs or regimen were given;
    ("unknown", "unknown") when a drug is not in the regimens rules and no regimen column says."""
    if p.unknown_drugs:
        reg = p.regimen_given or "unknown"
        return reg, "unknown" if reg == "unknown" else "single" if "+" not in reg else "combination"
    reg = rules.regimen_of(set(p.drug_classes)) if p.drug_classes else (p.regimen_given or "")
    if not reg:
        return "", ""
    return reg, "single" if "+" not in reg else "combination"


# ---------------------------------------------------------------------------------------------
# HER2 status of a patient, from the chosen sample
# ---------------------------------------------------------------------------------------------
def her2_status(s: SampleCalls | None) -> str:
    """Altered classes (';'-joined), ``wild_type``, ``not_assessed`` or ``no_sample``.

    Wild type needs evidence: small variants assessed (``assessed = yes``) and copy number
    assessed (``cn_assessed = yes``). A sample without an alteration that lacks either, or that
    failed, is ``not_assessed`` — never wild type by absence of evidence.
    """
    if s is None:
        return "no_sample"
    if s.status != "ok":
        return "not_assessed"
    if s.classes:
        return ";".join(s.classes)
    if s.assessed == "yes" and s.cn_assessed == "yes":
        return "wild_type"
    return "not_assessed"


def her2_verdict(s: SampleCalls | None, counted: Collection[str]) -> tuple[str, str]:
    """(her2_altered, her2_tier) of the chosen sample: ``yes`` only for an ERBB2 event whose
    oncogenicity tier is one of ``counted`` (the rules' altered_tiers); ``no`` when none is and
    both small variants and copy number were assessed; else ``unknown``. her2_tier says why
    (classify.tiers.her2_verdict). her2_status keeps every class.

    A sample whose classes are known but whose calls are not (a samples.tsv without its calls.tsv)
    cannot be tiered: it counts as altered, as before tiers, and its her2_tier says so."""
    if s is None:
        return "unknown", ""
    erbb2 = [k for k in s.call_keys() if k[0] == INDEX_GENE]  # (gene, class, oncogenicity, ...)
    if s.status == "ok" and s.classes and not erbb2:
        return "yes", "not tiered (no calls: every class counted)"
    return tier_verdict([str(k[2] or "") for k in erbb2], ok=s.status == "ok",
                        assessed=s.assessed, cn_assessed=s.cn_assessed, counted=counted)


def altered_classes(s: SampleCalls | None, counted: Collection[str]) -> tuple[str, ...]:
    """The classes of the chosen sample's ERBB2 events that count (tiers in ``counted``), in the
    classes' order; every class when the sample has no calls to tier (see her2_verdict)."""
    if s is None or s.status != "ok":
        return ()
    erbb2 = [k for k in s.call_keys() if k[0] == INDEX_GENE]  # (gene, class, oncogenicity, ...)
    if s.classes and not erbb2:
        return s.classes
    found = {k[1] for k in erbb2 if k[2] in counted}
    return tuple(k for k in EVENT_CLASSES if k in found)


def not_assessed_reason(s: SampleCalls | None, tier: str = "") -> str:
    """Why HER2 is unknown for the sample; ``tier`` (her2_tier) is added when ERBB2 events were
    found but none counts (e.g. 'uncertain only')."""
    if s is None:
        return "no sample"
    if s.status != "ok":
        return "sample failed classification"
    parts = []
    if s.assessed != "yes":
        parts.append(f"small variants assessed: {shown(s.assessed, bare=True)}")
    if s.cn_assessed != "yes":
        parts.append(f"copy number assessed: {shown(s.cn_assessed, bare=True)}")
    found = f", and the ERBB2 events found are {tier.replace('_', ' ')}" if tier.endswith(" only") else ""
    return "HER2 not assessed (" + "; ".join(parts) + ")" + found


# ---------------------------------------------------------------------------------------------
# One sample per patient
# ---------------------------------------------------------------------------------------------
def choose_sample(samples: list[SampleCalls], start: dt.date | None, rule: Selection) -> tuple[SampleCalls, str]:
    """The sample that stands for the patient, and how it was chosen.

    Candidates are the samples that classified (failed ones only when none did). ``prefer``
    (closest_before_start) takes the latest sample dated on or before the first-line start (plus
    ``window_days_after_start``); otherwise ``otherwise`` (earliest/latest) among dated samples;
    undated samples come last. Ties: best ``assessed``, then copy number assessed, then sample id.
    """
    ok = [s for s in samples if s.status == "ok"]
    pool = ok or list(samples)
    if len(pool) == 1:
        return pool[0], "only sample" if len(samples) == 1 else "only sample that classified"
    dated = [(s.collection_date, s) for s in pool if s.collection_date is not None]
    if rule.prefer == "closest_before_start" and start is not None:
        limit = start + dt.timedelta(days=rule.window_days_after_start)
        before = [(d, s) for d, s in dated if d <= limit]
        if before:
            best = max(d for d, _ in before)
            return _best_of([s for d, s in before if d == best]), "closest before first-line start"
    how = rule.otherwise if rule.prefer == "closest_before_start" else rule.prefer
    if dated:
        pick = min if how == "earliest" else max
        best = pick(d for d, _ in dated)
        return _best_of([s for d, s in dated if d == best]), f"{how} sample"
    return _best_of(pool), "no collection dates: best assessed"


def _quality(s: SampleCalls) -> tuple:
    """Ties between samples: best ``assessed``, then copy number assessed, then sample id."""
    return (ASSESSED_RANK.get(s.assessed, 3), 0 if s.cn_assessed == "yes" else 1, s.sample)


def _best_of(tied: list[SampleCalls]) -> SampleCalls:
    """The best of samples tied on date (most often there is one)."""
    return tied[0] if len(tied) == 1 else min(tied, key=_quality)


def conflicting(samples: list[SampleCalls], events: list[list[str]] | None = None) -> bool:
    """Two classified samples of one patient that report different ERBB2 events. ``events``: each
    sample's ``erbb2_events``, when the caller has them already."""
    if len(samples) < 2:  # most patients: nothing to compare
        return False
    if events is None:
        events = [s.erbb2_events for s in samples]
    sets = {frozenset(e) for s, e in zip(samples, events, strict=True) if s.status == "ok"}
    return len(sets) > 1
