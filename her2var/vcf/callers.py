"""Which caller wrote a VCF, whether it is a gVCF, and which samples are tumour and normal.

Everything is decided from the header. Record contents are not used: the substring ``END`` in
INFO says nothing about gVCFs (gene names such as BEND5 contain it), and ``ALT`` contents differ
between records.
"""

from __future__ import annotations

import logging
import re

from ..errors import shown
from ..models import VcfHeader

log = logging.getLogger(__name__)

__all__ = ["CALLERS", "detect_caller", "is_gvcf", "tumor_normal", "tumor_samples"]

CALLERS: tuple[str, ...] = (
    "mutect2", "strelka2", "vardict", "ion", "dragen", "tso500", "haplotypecaller", "cnvkit",
    "gatk_gcnv", "unknown",
)

_ID = re.compile(r"ID=([^,>]+)")
_TSO500 = re.compile(r"TSO[ _-]?500|TruSight[ _-]?Oncology", re.I)
# Callers whose single-sample output is a tumour (panels run on tumour DNA).
_SOMATIC = frozenset({"mutect2", "strelka2", "vardict", "ion", "dragen", "tso500"})


def _values(header: VcfHeader, key: str) -> list[str]:
    return [v.strip().strip('"') for v in header.meta.get(key, [])]


def _gatk_tools(header: VcfHeader) -> set[str]:
    """Tool names from ##GATKCommandLine (GATK4), ##GATKCommandLine.<Tool> (GATK3) and ##source."""
    tools: set[str] = set()
    for key, values in header.meta.items():
        if key == "GATKCommandLine" or key.startswith("GATKCommandLine."):
            if key.startswith("GATKCommandLine."):
                tools.add(key.split(".", 1)[1])
            for value in values:
                m = _ID.search(value)
                if m:
                    tools.add(m.group(1).strip('"'))
    tools.update(_values(header, "source"))
    return tools


def _dragen_lines(header: VcfHeader) -> list[str]:
    return _values(header, "DRAGENCommandLine") + _values(header, "DRAGENVersion")


def detect_caller(header: VcfHeader) -> str:
    """One of ``CALLERS``, from the header's provenance lines; "unknown" when none is recognised."""
    sources = _values(header, "source")
    lower = [s.lower() for s in sources]
    if "IonReporterExportVersion" in header.meta or any(
        s.startswith("tvc ") or s == "tvc" or "torrent variant caller" in s for s in lower
    ):
        return "ion"
    dragen = _dragen_lines(header)
    # TSO500 runs DRAGEN (or Pisces in the older Local App). A TSO500 bed file named in another
    # caller's command line must not make a Mutect2 file look like TSO500, so the mention only
    # counts on Illumina's own lines, or anywhere in a file that Pisces wrote.
    illumina = dragen + [s for s in sources if s.lower().startswith(("dragen", "tso"))]
    if any(s.startswith("pisces") for s in lower):
        illumina += [v for values in header.meta.values() for v in values]
    if any(_TSO500.search(v) for v in illumina):
        return "tso500"
    if any(k.upper().startswith("TSO500") for k in header.meta):
        return "tso500"
    if dragen or any(s.startswith("dragen") for s in lower):
        return "dragen"
    tools = _gatk_tools(header)
    if tools & {"Mutect2", "FilterMutectCalls"}:
        return "mutect2"
    if tools & {"GermlineCNVCaller", "PostprocessGermlineCNVCalls"}:
        return "gatk_gcnv"
    if "HaplotypeCaller" in tools:
        return "haplotypecaller"
    if any(s.startswith("strelka") for s in lower) or any(
        c.lower().startswith("strelka") for c in _values(header, "content")
    ):
        return "strelka2"
    if any(s.startswith("vardict") for s in lower):
        return "vardict"
    if any(s.startswith("cnvkit") for s in lower):
        return "cnvkit"
    return "unknown"


def _alt_ids(header: VcfHeader) -> set[str]:
    ids = set()
    for value in header.meta.get("ALT", []):
        m = _ID.search(value)
        if m:
            ids.add(m.group(1))
    return ids


def is_gvcf(header: VcfHeader) -> bool:
    """True when the header says the file is a gVCF (reference blocks between variant records)."""
    tools = _gatk_tools(header)
    # Joint genotyping keeps the gVCF header lines of its inputs, but its output has no blocks.
    if tools & {"GenotypeGVCFs", "GnarlyGenotyper"}:
        return False
    if any(k.startswith("GVCFBlock") for k in header.meta):
        return True
    ref_confidence = re.compile(r"--vc-emit-ref-confidence[ =]+(GVCF|BP_RESOLUTION)")
    if any(ref_confidence.search(v) for v in _dragen_lines(header)):
        return True
    ids = _alt_ids(header)
    if "NON_REF" in ids:
        return True
    if "*" in ids:
        # bcftools mpileup/call declare <*> on every run; only `call --gvcf` writes blocks.
        calls = _values(header, "bcftools_callCommand")
        if calls and not any(re.search(r"(^|\s)(-g|--gvcf)\b", c) for c in calls):
            return False
        return True
    return False


def tumor_samples(header: VcfHeader) -> list[str]:
    """Every sample named by a ##tumor_sample line (Mutect2 multi-tumour runs write several)."""
    return _values(header, "tumor_sample")


def _dragen_option(header: VcfHeader, option: str) -> str | None:
    for line in _values(header, "DRAGENCommandLine"):
        m = re.search(rf"{re.escape(option)}[ =]+(\S+)", line)
        if m:
            return m.group(1).strip('"')
    return None


def tumor_normal(header: VcfHeader) -> tuple[str | None, str | None]:
    """(tumour, normal) sample names, each None when the header does not say."""
    samples = header.samples

    def present(name: str | None, role: str) -> str | None:
        if name is not None and name not in samples:
            log.warning("%s: the header names %s sample %s, which is not a sample column",
                        header.path, role, shown(name))
            return None
        return name

    tumors = tumor_samples(header)
    normals = _values(header, "normal_sample")
    if tumors or normals:
        # Several tumours in one file have no single answer; tumor_samples() lists them.
        tumor = tumors[0] if len(tumors) == 1 else None
        normal = normals[0] if len(normals) == 1 else None
        return present(tumor, "tumour"), present(normal, "normal")
    caller = detect_caller(header)
    if caller == "strelka2" and {"TUMOR", "NORMAL"} <= set(samples):
        return "TUMOR", "NORMAL"
    if caller in ("dragen", "tso500"):
        tumor = _dragen_option(header, "--RGSM-tumor")
        normal = _dragen_option(header, "--RGSM") if len(samples) > 1 else None
        if tumor or normal:
            return present(tumor, "tumour"), present(normal, "normal")
    if caller == "vardict" and len(samples) == 2:
        # var2vcf_paired.pl writes the tumour column first, then the normal.
        return samples[0], samples[1]
    if caller in _SOMATIC and len(samples) == 1:
        return samples[0], None
    # Tumour/normal pairs named by role (DRAGEN SV, Manta, GATK tutorials): TUMOR/TUMOUR + NORMAL.
    by_name = {s.upper(): s for s in samples}
    if len(samples) == 2 and "NORMAL" in by_name and ({"TUMOR", "TUMOUR"} & set(by_name)):
        tumour = by_name.get("TUMOR") or by_name["TUMOUR"]
        return tumour, by_name["NORMAL"]
    return None, None
