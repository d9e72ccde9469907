"""Which caller wrote a VCF, whether it is a gVCF, and which samples are tumour and normal.

Everything is decided from the header. Record contents are not used: the substring ``END`` in
INFO says nothing about gVCFs (gene names such as BEND5 contain it), and ``ALT`` contents differ
between records.

Sample roles come from what callers write about their samples, all of it read and checked against
each other (a header that calls one sample both tumour and normal is an error):
``##tumor_sample``/``##normal_sample`` (Mutect2), ``##SAMPLE=<ID=..>`` lines (RADIA, SomaticSniper,
Sanger cgp, TCGA and the VCF 4.x ``Genomes``/``Mixture`` form: ``Description``, ``Genomes`` and a
TCGA barcode's sample type in ``SampleTCGABarcode``/``SampleName``/``File``), ``##PEDIGREE=<Derived=
tumour,Original=normal>``, DRAGEN's ``--RGSM``/``--RGSM-tumor`` (or fastq-list sample ids),
Strelka's ``NORMAL``/``TUMOR`` columns, and VarDict's column order.
"""

from __future__ import annotations

import itertools
import logging
import re

from ..errors import InputError, shown
from ..models import VcfHeader
from .header import structured_lines

log = logging.getLogger(__name__)

__all__ = [
    "CALLERS", "detect_caller", "has_matched_normal", "is_gvcf", "normal_samples", "sample_roles",
    "tumor_normal", "tumor_samples", "tumour_candidates",
]

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


# -- what the header says about each sample ---------------------------------------------------
# Words of ##SAMPLE descriptions, split at case changes so RADIA's "NormalDNASample" reads
# normal / DNA / sample.
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_NORMAL_WORDS = frozenset({"normal", "germline", "blood", "control", "constitutional", "wildtype"})
_TUMOUR_WORDS = frozenset({"tumor", "tumour", "cancer", "mutant", "metastasis", "metastatic", "malignant"})
# TCGA barcodes: TCGA-TSS-participant-<sample type><vial>; types 01-09 tumour, 10-19 normal,
# 20-29 controls (never a patient's tumour).
_TCGA = re.compile(r"TCGA-[A-Z0-9]{2}-[A-Z0-9]{4}-(\d{2})", re.I)
# PCGR's tumour-control convention: the control's depth and VAF in INFO (CDP/CVAF) or the
# control's depth and allelic depths in FORMAT/INFO (DPC/ADC).
_CONTROL_FIELDS = ("CDP", "CVAF", "DPC", "ADC")


def _words(text: str) -> set[str]:
    words = [w.lower() for w in _WORDS.findall(text)]
    # "wild type" / "wild-type" are one word here
    pairs = {a + b for a, b in itertools.pairwise(words)}
    return set(words) | pairs


def _role_of_text(text: str) -> str | None:
    """'normal', 'tumour' or None from free text; None when it names both or neither."""
    words = _words(text)
    normal, tumour = bool(words & _NORMAL_WORDS), bool(words & _TUMOUR_WORDS)
    if normal == tumour:
        return None
    return "normal" if normal else "tumour"


def _role_of_genomes(text: str) -> str | None:
    """VCF 4.x ``Genomes=Germline;Tumor`` (with ``Mixture=``): a sample holding a tumour genome
    is a tumour sample, one holding only germline genomes is a normal."""
    parts = [p for p in re.split(r"[;,]", text.strip().strip("<>")) if p.strip()]
    if not parts:
        return None
    roles = {_role_of_text(p) for p in parts}
    if "tumour" in roles:
        return "tumour"
    return "normal" if roles == {"normal"} else None


def _role_of_barcodes(*texts: str) -> str | None:
    types = {int(m.group(1)) for t in texts for m in _TCGA.finditer(t)}
    roles = {"tumour" if 1 <= t <= 9 else "normal" if 10 <= t <= 29 else None for t in types}
    # A paired name ("<tumour barcode>_<normal barcode>", as PCGR's examples) says nothing.
    return roles.pop() if len(roles) == 1 else None


def _sample_line_role(fields: dict[str, str]) -> tuple[str | None, bool, str]:
    """(role, is RNA, what said so) of one ##SAMPLE line; a line that contradicts itself is an error."""
    found: list[tuple[str, str]] = []
    description = fields.get("Description", "")
    if description:
        role = _role_of_text(description)
        if role:
            found.append((role, f"Description={shown(description, bare=True)}"))
    genomes = fields.get("Genomes", "")
    if genomes:
        role = _role_of_genomes(genomes)
        if role:
            found.append((role, f"Genomes={shown(genomes, bare=True)}"))
    barcode_fields = [k for k in ("SampleTCGABarcode", "SampleName", "File") if fields.get(k)]
    role = _role_of_barcodes(*(fields[k] for k in barcode_fields))
    if role:
        found.append((role, "TCGA barcode sample type in " + "/".join(barcode_fields)))
    roles = {r for r, _ in found}
    if len(roles) > 1:
        raise ValueError("; ".join(f"{why} says {r}" for r, why in found))
    rna = "rna" in _words(description)
    if not found:
        return None, rna, ""
    return found[0][0], rna, found[0][1]


def _declared_roles(header: VcfHeader, lenient: bool = False) -> dict[str, tuple[str, str]]:
    """{sample column: (role, what said so)} from every header line that names a role.

    Roles: "tumour", "normal", or "rna" (an RNA sample of the tumour, as RADIA's RNA_TUMOR).
    Raises InputError when the header contradicts itself about a sample; ``lenient`` (the user
    named the tumour) leaves such a sample without a role instead, with a warning.
    """
    columns = set(header.samples)
    said: dict[str, list[tuple[str, str]]] = {}

    def add(sample: str, role: str, why: str) -> None:
        if sample in columns:
            said.setdefault(sample, []).append((role, why))

    for sample in tumor_samples(header):
        add(sample, "tumour", "##tumor_sample")
    for sample in _values(header, "normal_sample"):
        add(sample, "normal", "##normal_sample")
    for fields in structured_lines(header, "SAMPLE"):
        sample = fields.get("ID", "")
        try:
            role, rna, why = _sample_line_role(fields)
        except ValueError as exc:
            message = (f"{header.path}: the ##SAMPLE line of {shown(sample)} contradicts itself about "
                       f"whether it is a tumour or a normal ({exc})")
            if not lenient:
                raise InputError(f"{message}; fix the header or give --sample") from None
            log.warning("%s; the sample is given no role", message)
            continue
        if role == "tumour" and rna:
            role = "rna"
        if role:
            add(sample, role, f"##SAMPLE {why}")
    for fields in structured_lines(header, "PEDIGREE"):
        # VCF 4.x: a tumour is derived from the patient's germline (Derived=tumour, Original=normal).
        if "Derived" in fields and "Original" in fields:
            add(fields["Derived"], "tumour", "##PEDIGREE Derived")
            add(fields["Original"], "normal", "##PEDIGREE Original")
    for sample in header.samples:
        role = _role_of_barcodes(sample)
        if role and sample not in said:
            add(sample, role, "TCGA barcode sample type in the column name")
    out: dict[str, tuple[str, str]] = {}
    for sample, claims in said.items():
        kinds = {"normal" if r == "normal" else "tumour" for r, _ in claims}
        if len(kinds) > 1:
            detail = "; ".join(f"{why} says {r}" for r, why in claims)
            message = (f"{header.path}: the header says sample {shown(sample)} is both a tumour and "
                       f"a normal ({detail})")
            if not lenient:
                raise InputError(f"{message}; fix the header or give --sample")
            log.warning("%s; the sample is given no role", message)
            continue
        out[sample] = claims[0]
    return out


def sample_roles(header: VcfHeader, *, lenient: bool = False) -> dict[str, str]:
    """Role of every sample column the header speaks of: "tumour", "normal" or "rna"."""
    declared = _declared_roles(header, lenient)
    roles = {s: r for s, (r, _) in declared.items()}
    tumour, normal = _tumor_normal(header, declared)
    if tumour:
        roles.setdefault(tumour, "tumour")
    if normal:
        roles[normal] = "normal"
    return roles


def normal_samples(header: VcfHeader, *, lenient: bool = False) -> list[str]:
    """Sample columns the header says are normals (never to be reported as tumours), file order."""
    roles = sample_roles(header, lenient=lenient)
    return [s for s in header.samples if roles.get(s) == "normal"]


def tumour_candidates(header: VcfHeader) -> list[str]:
    """Sample columns that may be reported as tumours: the header's one tumour when it names one;
    else every column not declared a normal (nor, beside a DNA tumour, an RNA sample)."""
    roles = sample_roles(header)
    tumour, _ = _tumor_normal(header, _declared_roles(header))
    if tumour:
        return [tumour]
    dna_tumour = "tumour" in roles.values()
    return [s for s in header.samples
            if roles.get(s) != "normal" and not (dna_tumour and roles.get(s) == "rna")]


def germline_report(header: VcfHeader) -> str | None:
    """What marks the file as a germline report, or None. CPSR (the Cancer Predisposition
    Sequencing Reporter beside PCGR) classifies a patient's germline variants and writes its
    classification in INFO tags named CPSR_* (CPSR_CLASSIFICATION, CPSR_PATHOGENICITY_SCORE...):
    its one sample is the patient's germline, never a tumour."""
    tags = sorted(k for k in header.info if k.upper().startswith("CPSR_"))
    if tags:
        return f"INFO {tags[0]}: a CPSR germline report"
    keys = sorted(k for k in header.meta if k.upper().startswith("CPSR"))
    if keys:
        return f"##{keys[0]}: a CPSR germline report"
    return None


def has_matched_normal(header: VcfHeader, *, lenient: bool = False) -> bool:
    """Whether the variants were called against a matched normal: a normal sample column, or
    PCGR's control fields (CDP/CVAF in INFO, DPC/ADC in FORMAT or INFO) declared."""
    if normal_samples(header, lenient=lenient):
        return True
    return any(k in header.info or k in header.format for k in _CONTROL_FIELDS)


def tumor_normal(header: VcfHeader, *, lenient: bool = False) -> tuple[str | None, str | None]:
    """(tumour, normal) sample names, each None when the header does not say (see
    _declared_roles for ``lenient``)."""
    return _tumor_normal(header, _declared_roles(header, lenient))


def _tumor_normal(header: VcfHeader, roles: dict[str, tuple[str, str]]) -> tuple[str | None, str | None]:
    samples = header.samples

    def present(name: str | None, role: str) -> str | None:
        if name is not None and name not in samples:
            log.warning("%s: the header names %s sample %s, which is not a sample column",
                        header.path, role, shown(name))
            return None
        return name

    declared = {s: r for s, (r, _) in roles.items()}
    tumors = tumor_samples(header)
    normals = _values(header, "normal_sample")
    if tumors or normals:
        # Several tumours in one file have no single answer; tumor_samples() lists them.
        tumor = tumors[0] if len(tumors) == 1 else None
        normal = normals[0] if len(normals) == 1 else None
        return present(tumor, "tumour"), present(normal, "normal")
    if declared:
        tumours = [s for s in samples if declared.get(s) == "tumour"]
        normals = [s for s in samples if declared.get(s) == "normal"]
        tumor = tumours[0] if len(tumours) == 1 else None
        normal = normals[0] if len(normals) == 1 else None
        if tumor is None and len(samples) == 2 and len(normals) == 1:
            # the other column of a pair, unless it is the tumour's RNA
            tumor = next((s for s in samples if s != normal and declared.get(s) != "rna"), None)
        if tumor or normal:
            return tumor, normal
    caller = detect_caller(header)
    if caller == "strelka2" and {"TUMOR", "NORMAL"} <= set(samples):
        return "TUMOR", "NORMAL"
    if caller in ("dragen", "tso500"):
        # Read groups named on the command line, or the sample ids picked from fastq lists.
        tumor = (_dragen_option(header, "--RGSM-tumor")
                 or _dragen_option(header, "--tumor-fastq-list-sample-id"))
        normal = (_dragen_option(header, "--RGSM") or _dragen_option(header, "--fastq-list-sample-id")
                  if len(samples) > 1 else None)
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
