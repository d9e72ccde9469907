"""What classify produces: the options of one run and the result for one sample.

Defined here, below every module that makes or reads them (the pipeline, the ERBB2 decisions, the
outputs, the store), so that none of them has to import another to name the type.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..models import Call, CopyNumber


@dataclass
class ClassifyOptions:
    build: str | None = None
    sample: str | None = None
    reference: str | None = None
    cnv: str | None = None
    purity: float | None = None
    patient: str = ""
    sample_id: str | None = None  # report the tumour under this id (a samples sheet's 'sample')
    targets: str | None = None  # panel BED: exon 20 outside it means not assessed
    fusions: str | None = None  # fusion-caller table (Arriba, STAR-Fusion)
    bam: str | None = None  # tumour BAM/CRAM: copy number, exon 20 coverage and insertion reads
    pon: str | None = None  # panel of normals built by `her2var pon build`
    build_index: bool = False  # index a BAM/CRAM that has none


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
    bam: dict | None = None  # BAM evidence: per-exon copy number, interval, exon 20 coverage, reads

    @property
    def classes(self) -> list[str]:
        order = ["exon20_insertion", "point_mutation", "inframe_deletion", "amplification", "other"]
        found = {c.klass for c in self.calls if c.gene == "ERBB2"}
        return [k for k in order if k in found]

    @property
    def her2_status(self) -> str:
        return ";".join(self.classes) or "none"
