"""A classify batch as a MultiQC section: ``her2var_mqc.tsv`` in the ``--out`` folder.

MultiQC (https://multiqc.info) picks up any ``*_mqc.tsv`` file under the folders it is given as
"custom content": the ``#`` lines at the top are its YAML configuration (section id, name,
description, plot type, table and column settings), then one row per sample. A lab that runs
``multiqc`` over a run folder holding the classify output gets a her2var table beside its
sequencing QC, with nothing to install or configure.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import IO, Any

import yaml

from ..files import atomic_write, tsv_text
from .result import SampleResult

FILE_NAME = "her2var_mqc.tsv"
SECTION_ID = "her2var"
TABLE_ID = "her2var_table"  # MultiQC writes the table's data as multiqc_data/multiqc_<TABLE_ID>.txt

# column -> (title, description, extra MultiQC column settings)
COLUMNS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "her2_status": ("HER2 status", "ERBB2 classes found (';'-joined), 'none', or 'error'", {}),
    "her2_altered": ("HER2 altered", ("yes: an ERBB2 event of a counted tier; no: none and ERBB2 fully "
                                      "assessed; unknown otherwise"), {}),
    "her2_tier": ("Tier", "why her2_altered says so: the best ERBB2 oncogenicity tier", {}),
    "assessed": ("Assessed", "exon 20 small variants assessed: yes (coverage shown), unknown (variant-only file), no",
                 {}),
    "cn_assessed": ("CN assessed", "ERBB2 copy number assessed", {}),
    "copy_number": ("ERBB2 CN", "ERBB2 absolute copy number", {"format": "{:,.2f}", "min": 0}),
    "cn_source": ("CN source", "where the copy number came from", {"hidden": True}),
    "exon20_median_depth": ("Exon 20 depth", ("median read depth over ERBB2 exon 20 coding bases (from the "
                                              "BAM/CRAM; empty when not known)"),
                            {"format": "{:,.0f}", "min": 0, "suffix": "x"}),
    "exon20_covered": ("Exon 20 covered", "% of exon 20 coding bases at the rules' minimum depth (BAM/CRAM)",
                       {"format": "{:,.1f}", "min": 0, "max": 100, "suffix": "%"}),
    "driver_group": ("Driver group", "the tumour's driver group from the co-driver calls", {}),
    "dropped": ("Dropped", "events seen in ERBB2 or a co-driver and not reported", {"format": "{:,.0f}", "min": 0}),
    "dropped_by_reason": ("Dropped by reason", "the not-reported events counted by reason", {}),
    "status": ("Run status", "ok, or error (the message is in samples.tsv)", {}),
}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return tsv_text(str(value))


def multiqc_row(r: SampleResult) -> dict[str, object]:
    """One sample's values, by column name (None: not known)."""
    ok = r.status == "ok"
    bam_qc = (r.bam or {}).get("qc") or {}
    covered = (r.bam or {}).get("exon20_covered_fraction")
    return {
        "her2_status": r.her2_status if ok else "error",
        "her2_altered": r.her2_altered if ok else "unknown",
        "her2_tier": r.her2_tier if ok else None,
        "assessed": r.assessed if ok else None,
        "cn_assessed": r.cn_assessed if ok else None,
        "copy_number": None if r.copy_number is None else round(float(r.copy_number), 3),
        "cn_source": r.cn_source or None,
        "exon20_median_depth": bam_qc.get("exon20_median_depth") if r.bam else None,
        "exon20_covered": None if covered is None else round(100 * float(covered), 1),
        "driver_group": r.driver_group or None,
        "dropped": sum(r.dropped.values()) if ok else None,
        "dropped_by_reason": "; ".join(f"{k} {v}" for k, v in sorted(r.dropped.items())) or None,
        "status": r.status,
    }


def multiqc_header(provenance: dict[str, Any]) -> dict[str, Any]:
    """The custom-content configuration MultiQC reads from the file's ``#`` lines."""
    version = provenance.get("her2var_version", "")
    checksum = str(provenance.get("rules_checksum") or "")
    return {
        "id": SECTION_ID,
        "section_name": "her2var: ERBB2 (HER2)",
        "description": (f"ERBB2 (HER2) status of each tumour sample from her2var {version}, rules "
                        f"{checksum[:12]}. 'assessed = yes' means exon 20 was covered, so 'none' there is "
                        "wild type; the calls are in calls.tsv and samples/*.json beside this file."),
        "plot_type": "table",
        "pconfig": {"id": TABLE_ID, "title": "her2var: ERBB2 (HER2) per sample", "namespace": "her2var",
                    "col1_header": "Sample"},
        "headers": {c: {"title": t, "description": d, **extra} for c, (t, d, extra) in COLUMNS.items()},
    }


def write_multiqc(outdir: str, results: list[SampleResult], provenance: dict[str, Any]) -> str:
    """Write ``outdir/her2var_mqc.tsv`` (atomically) and return its path."""
    path = os.path.join(outdir, FILE_NAME)
    with atomic_write(path) as fh:
        write_multiqc_table(fh, results, provenance)
    return path


def write_multiqc_table(fh: IO[str], results: list[SampleResult], provenance: dict[str, Any]) -> None:
    """her2var_mqc.tsv's content: the MultiQC configuration as '#' lines, then one row per sample."""
    header = yaml.safe_dump(multiqc_header(provenance), sort_keys=False, allow_unicode=True, width=1000)
    for line in header.splitlines():
        fh.write(f"# {line}\n")
    fh.write("\t".join(["Sample", *COLUMNS]) + "\n")
    write_multiqc_rows(fh, results)


def write_multiqc_rows(fh: IO[str], results: Iterable[SampleResult]) -> None:
    """The table's rows (after write_multiqc_table's header), one per sample."""
    for r in results:
        row = multiqc_row(r)
        fh.write("\t".join([_cell(r.sample), *(_cell(row[c]) for c in COLUMNS)]) + "\n")
