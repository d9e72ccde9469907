"""Which thresholds judged a sample (rules/thresholds.yaml ``by_sample_type``), written where a reader
of the results finds it: on the sample (its JSON provenance) and on each call (``threshold_set``).
A call that only a sample type's own thresholds let through says so in its notes, with the default
threshold it would have failed, so a cfDNA call at 0.4% VAF is never mistaken for a tissue call."""

from __future__ import annotations

from ..rules.load import Rules
from ..rules.quality import quality_detail, quality_reason
from ..rules.sample_types import DEFAULT_SET
from .result import SampleResult

# Classes whose calls are not judged by the small-variant read-support rule.
_NOT_READ_SUPPORT = ("amplification", "fusion")


def record_threshold_set(res: SampleResult, rules: Rules, sample_type: str | None) -> None:
    """Record on ``res`` and its calls the threshold set of ``rules`` (from Rules.for_sample_type)."""
    res.sample_type = sample_type or ""
    res.threshold_set = rules.threshold_set
    # Every value is immutable (numbers, a tuple of names): a shallow copy is what asdict gives,
    # without its deep copy, which a MAF of 100,000 samples would pay 100,000 times.
    res.thresholds = dict(vars(rules.thresholds))
    default = rules.threshold_sets.get(DEFAULT_SET, rules.thresholds)
    for call in res.calls:
        call.threshold_set = rules.threshold_set
        if default == rules.thresholds or call.klass in _NOT_READ_SUPPORT:
            continue
        reason = quality_reason(default, call)
        if reason:
            note = (f"passes the {rules.threshold_set} thresholds only: "
                    f"{quality_detail(default, call, (), reason)} of the default set")
            if note not in call.notes:
                call.notes.append(note)
