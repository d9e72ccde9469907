"""What classify produces: the options of one run and the result for one sample.

Defined here, below every module that makes or reads them (the pipeline, the ERBB2 decisions, the
outputs, the store), so that none of them has to import another to name the type.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..models import Call, CopyNumber

# Skipped events listed per sample (the rest are counted in `dropped` only). Events outside the
# coding sequence and splice regions (whole-gene VCFs have thousands in ERBB2's introns) are listed
# after every other one, so they are the ones left out when a sample has more.
SKIPPED_EVENTS_LISTED = 1000
OUTSIDE_CDS = ("intronic", "utr5", "utr3", "upstream", "downstream", "none")


@dataclass
class ClassifyOptions:
    build: str | None = None
    sample: str | None = None
    reference: str | None = None
    cnv: str | None = None
    cnv_scale: str | None = None  # log2 / log10 / linear: what a .seg's seg.mean holds (its header does not say)
    purity: float | None = None
    patient: str = ""
    sample_id: str | None = None  # report the tumour under this id (a samples sheet's 'sample')
    targets: str | None = None  # panel BED: exon 20 outside it means not assessed
    fusions: str | None = None  # fusion-caller table (Arriba, STAR-Fusion)
    bam: str | None = None  # tumour BAM/CRAM: copy number, exon 20 coverage and insertion reads
    pon: str | None = None  # panel of normals built by `her2var pon build`
    build_index: bool = False  # index a BAM/CRAM that has none
    sample_type: str | None = None  # tissue, cfDNA, ...: picks the rules' thresholds for that type


@dataclass
class SampleResult:
    """Everything classify says about one sample."""

    sample: str
    patient: str = ""
    calls: list[Call] = field(default_factory=list)
    assessed: str = "unknown"  # yes / unknown / no (small variants in ERBB2)
    assessed_reasons: list[str] = field(default_factory=list)
    cn_assessed: str = "no"
    copy_number: float | None = None
    cn_source: str = ""
    copy_numbers: list[CopyNumber] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)
    # Each event seen in ERBB2 or a co-driver and not reported: its record, its name and why
    # (`reason`, the `dropped` key it is counted under, and `detail` for a reader). Fill with skip().
    skipped_events: list[dict] = field(default_factory=list)
    skipped_events_not_listed: int = 0  # outside the coding sequence, past SKIPPED_EVENTS_LISTED
    _outside_cds_listed: int = field(default=0, init=False, repr=False, compare=False)
    records_in_regions: int = 0
    build: str = ""
    build_evidence: str = ""
    caller: str = ""
    input: str = ""
    input_sha256: str = ""
    reference: str = ""
    rules_checksum: str = ""
    status: str = "ok"  # ok / error
    error: str = ""
    codrivers: str = ""  # 'GENE:event;...' of the co-driver calls
    driver_group: str = ""  # EGFR / KRAS / ALK / other, by the rules' order
    matched_normal: bool = False  # the VCF names a normal sample (tumour/normal calling)
    # Set by classify.tiers.apply_tiers from the calls' oncogenicity tiers (her2_status keeps every
    # class): yes / no / unknown, and why (the best ERBB2 tier, 'uncertain only', 'none', ...).
    her2_altered: str = ""
    her2_tier: str = ""
    bam: dict | None = None  # BAM evidence: per-exon copy number, interval, exon 20 coverage, reads
    # The sample type as given, and the threshold set it was judged by with its values
    # (classify.thresholds.record_threshold_set)
    sample_type: str = ""
    threshold_set: str = ""
    thresholds: dict = field(default_factory=dict)
    # Co-driver genes looked at, by kind (classify.tested): "small_variants" / "fusion" -> genes.
    # A gene in no list was not tested (a BAM alone, an RNA fusion VCF for small variants, ...).
    tested: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, event: dict, reason: str, detail: str) -> None:
        """Count a not-reported event under `reason` and list it (see SKIPPED_EVENTS_LISTED)."""
        self.dropped[reason] += 1
        if event.get("location") in OUTSIDE_CDS:
            if self._outside_cds_listed >= SKIPPED_EVENTS_LISTED:  # memory stays bounded
                self.skipped_events_not_listed += 1
                return
            self._outside_cds_listed += 1
        self.skipped_events.append({**event, "reason": reason, "detail": detail})

    def listed_skipped_events(self) -> tuple[list[dict], int]:
        """(the skipped events to write, how many more were skipped): at most SKIPPED_EVENTS_LISTED,
        those outside the coding sequence last, each group in the order seen."""
        inside = [e for e in self.skipped_events if e.get("location") not in OUTSIDE_CDS]
        outside = [e for e in self.skipped_events if e.get("location") in OUTSIDE_CDS]
        kept = (inside + outside)[:SKIPPED_EVENTS_LISTED]
        return kept, self.skipped_events_not_listed + len(self.skipped_events) - len(kept)

    @property
    def classes(self) -> list[str]:
        order = ["exon20_insertion", "point_mutation", "inframe_deletion", "amplification", "other"]
        found = {c.klass for c in self.calls if c.gene == "ERBB2"}
        return [k for k in order if k in found]

    @property
    def her2_status(self) -> str:
        return ";".join(self.classes) or "none"


@dataclass
class Tally:
    """What a run's summary says of its results, counted as they come (a batch's results need not
    be held to the end for it): samples, those classified, the failed ones (their messages are
    shown), and the HER2 altered and status values of the classified ones in order of arrival."""

    samples: int = 0
    ok: int = 0
    failed: list[SampleResult] = field(default_factory=list)
    altered: Counter[str] = field(default_factory=Counter)
    status: Counter[str] = field(default_factory=Counter)

    def add(self, r: SampleResult) -> None:
        self.samples += 1
        if r.status == "error":
            self.failed.append(r)
        if r.status != "ok":
            return
        self.ok += 1
        self.altered[r.her2_altered or "unknown"] += 1
        self.status[r.her2_status] += 1

    @classmethod
    def of(cls, results: list[SampleResult]) -> Tally:
        tally = cls()
        for r in results:
            tally.add(r)
        return tally
