"""What changed for each sample between two rules versions: the question a lab asks after changing
a threshold or a tier list (``her2var store diff --from OLD --to NEW``).

Two result documents of one sample (classify's sample JSON, as the store keeps them) are compared:
HER2 status, altered and tier; events added and removed, and why (an event now left out is found
among the new result's skipped events with its reason, e.g. ``low_vaf: VAF 0.03 < min_vaf 0.05``;
an event now reported was among the old result's); events whose tier or class changed; coverage
and copy-number verdicts. The thresholds in force are compared too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DIFF_COLUMNS = ("sample", "patient", "her2_status_from", "her2_status_to", "her2_altered_from", "her2_altered_to",
                "her2_tier_from", "her2_tier_to", "events_added", "events_removed", "events_changed",
                "other_changes", "same_input")
# Sample-level fields compared besides the HER2 ones (a change in any of them is reported)
OTHER_FIELDS = ("assessed", "cn_assessed", "copy_number", "cn_source", "driver_group", "codrivers")


def event_name(call: dict[str, Any]) -> str:
    """An event as samples.tsv's ``events`` writes it: ``GENE:name`` (p. name, else c. name, else class)."""
    name = call.get("hgvs_p") or str(call.get("hgvs_c") or "").split(":")[-1] or call.get("class") or "?"
    return f"{call.get('gene') or '?'}:{name}"


def _key(event: dict[str, Any]) -> tuple:
    """One event's identity across two results: its record for a variant, else gene, class and source."""
    if event.get("pos") not in (None, ""):
        return (event.get("gene"), str(event.get("chrom")), int(event["pos"]), event.get("ref"), event.get("alt"))
    return (event.get("gene"), event.get("class"), event.get("source"))


def _skipped(doc: dict[str, Any]) -> dict[tuple, dict[str, Any]]:
    events = ((doc.get("qc") or {}).get("skipped_events")) or []
    return {_key(e): e for e in events if e.get("pos") not in (None, "")}


def _why_skipped(event: dict[str, Any] | None) -> str:
    if not event:
        return ""
    detail = f": {event['detail']}" if event.get("detail") else ""
    return f"{event.get('reason') or 'left out'}{detail}"


def _why_not_amplified(call: dict[str, Any], new: dict[str, Any]) -> str:
    """Why an amplification is no longer called: the copy number against the new cut-off."""
    cut = _thresholds(new).get("amplification_cn")
    cn = new.get("copy_number")
    if call.get("class") != "amplification" or not isinstance(cn, (int, float)) or cut is None:
        return ""
    return f"not amplified: copy number {cn:.4g} <= amplification_cn {cut}"


def _cn(value: Any) -> Any:
    return round(float(value), 3) if isinstance(value, (int, float)) else value


@dataclass
class SampleChange:
    """How one sample's result differs between the two rules versions (``values`` by DIFF_COLUMNS)."""

    sample: str
    patient: str
    her2_status: tuple[str, str]
    her2_altered: tuple[str, str]
    her2_tier: tuple[str, str]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    same_input: bool = True

    @property
    def altered_changed(self) -> bool:
        return self.her2_altered[0] != self.her2_altered[1]

    @property
    def status_changed(self) -> bool:
        return self.her2_status[0] != self.her2_status[1]

    def values(self) -> dict[str, object]:
        return {
            "sample": self.sample, "patient": self.patient,
            "her2_status_from": self.her2_status[0], "her2_status_to": self.her2_status[1],
            "her2_altered_from": self.her2_altered[0], "her2_altered_to": self.her2_altered[1],
            "her2_tier_from": self.her2_tier[0], "her2_tier_to": self.her2_tier[1],
            "events_added": "; ".join(self.added), "events_removed": "; ".join(self.removed),
            "events_changed": "; ".join(self.changed), "other_changes": "; ".join(self.other),
            "same_input": "yes" if self.same_input else "no",
        }


@dataclass
class RulesDiff:
    """Two rules versions compared over the samples classified under both."""

    changed: list[SampleChange]
    compared: int  # samples with a result under both
    only_from: list[str]  # samples with a result under the first rules only
    only_to: list[str]
    thresholds: list[str]  # 'min_vaf 0.02 -> 0.05', for each threshold whose value differs

    @property
    def patients_changed(self) -> list[str]:
        return sorted({c.patient for c in self.changed if c.patient})


def compare_results(old: dict[str, Any], new: dict[str, Any]) -> SampleChange | None:
    """How ``new`` (a sample's result document) differs from ``old``; None when it does not."""
    def pair(key: str) -> tuple[str, str]:
        return str(old.get(key) or ""), str(new.get(key) or "")

    def input_sha256(doc: dict[str, Any]) -> object:
        return doc.get("_input_sha256") or (doc.get("provenance") or {}).get("input_sha256")

    change = SampleChange(sample=str(new.get("sample") or old.get("sample")),
                          patient=str(new.get("patient") or old.get("patient") or ""),
                          her2_status=pair("her2_status"), her2_altered=pair("her2_altered"),
                          her2_tier=pair("her2_tier"), same_input=input_sha256(old) == input_sha256(new))
    before = {_key(c): c for c in old.get("calls") or []}
    after = {_key(c): c for c in new.get("calls") or []}
    skipped_before, skipped_after = _skipped(old), _skipped(new)
    for key, c in after.items():
        if key not in before:
            was = _why_skipped(skipped_before.get(key))
            change.added.append(f"{event_name(c)} ({c.get('oncogenicity') or 'no tier'}"
                                + (f"; was left out as {was})" if was else ")"))
    for key, c in before.items():
        if key not in after:
            now = _why_skipped(skipped_after.get(key)) or _why_not_amplified(c, new)
            change.removed.append(f"{event_name(c)} ({c.get('oncogenicity') or 'no tier'}"
                                  + (f"; now left out as {now})" if now else ")"))
            continue
        c2 = after[key]
        for label, k in (("tier", "oncogenicity"), ("class", "class")):
            if (c.get(k) or "") != (c2.get(k) or ""):
                rule = f" ({c2['oncogenicity_rule']})" if k == "oncogenicity" and c2.get("oncogenicity_rule") else ""
                change.changed.append(f"{event_name(c2)} {label} {c.get(k) or '-'} -> {c2.get(k) or '-'}{rule}")
    for k in OTHER_FIELDS:
        a, b = _cn(old.get(k)), _cn(new.get(k))
        if (a or "") != (b or ""):
            change.other.append(f"{k} {a if a not in (None, '') else '-'} -> {b if b not in (None, '') else '-'}")
    differs = (change.her2_status[0] != change.her2_status[1] or change.altered_changed
               or change.her2_tier[0] != change.her2_tier[1] or change.added or change.removed or change.changed
               or change.other)
    return change if differs else None


def _thresholds(doc: dict[str, Any]) -> dict[str, Any]:
    return (doc.get("provenance") or {}).get("thresholds") or {}


def compare_rules(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> RulesDiff:
    """Compare ``{sample: document}`` under the first rules with the same under the second."""
    both = sorted(set(old) & set(new))
    changed = [c for c in (compare_results(old[s], new[s]) for s in both) if c is not None]
    seen: dict[str, tuple[Any, Any]] = {}
    for s in both:
        a, b = _thresholds(old[s]), _thresholds(new[s])
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                seen.setdefault(k, (a.get(k), b.get(k)))
    return RulesDiff(changed=changed, compared=len(both), only_from=sorted(set(old) - set(new)),
                     only_to=sorted(set(new) - set(old)),
                     thresholds=[f"{k} {a} -> {b}" for k, (a, b) in seen.items()])
