"""Which co-driver genes a sample was tested for, by kind, so that a gene without a call is told
apart from a gene nobody looked at (a cohort counts only the first as "no").

- ``small_variants``: every co-driver gene the rules model on the file's build, when the file is
  a small-variant VCF; with ``--targets``, only the genes whose read exons the panel overlaps. A
  structural-variant or copy-number VCF (it declares INFO/SVTYPE but no read-support field:
  Manta, DRAGEN SV/CNV, CNVkit ``export vcf``, an Ion RNA fusion VCF) tests no small variant.
- ``fusion``: every kinase of the fusion rules when a fusion table is given (Arriba, STAR-Fusion
  read the whole transcriptome) or the VCF can carry breakends (INFO/MATEID or ALT BND declared,
  or breakend records read); for Ion Reporter, the kinases its ``SVTYPE=Fusion`` records name
  (the panel writes every assay, detected or not), and none when ``##FusionSampleQC`` says FAIL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..genome.intervals import covered_fraction
from ..genome.transcript import TranscriptModel
from ..models import Record, VcfHeader
from ..rules.fusions import FusionRules

SMALL_VARIANTS = "small_variants"
FUSION = "fusion"
KINDS = (SMALL_VARIANTS, FUSION)

# Fields a small-variant caller writes for read support (see vcf.support); a file declaring none of
# them but declaring SVTYPE holds structural or copy-number records only.
READ_SUPPORT_FIELDS = frozenset({"AD", "AF", "DP", "AO", "RO", "FAO", "FDP", "TIR", "TAR", "AU", "CU", "GU",
                                 "TU", "DP4", "FA", "MIN_DP", "VAF"})


def is_small_variant_vcf(header: VcfHeader) -> bool:
    """False for a structural-variant / copy-number / RNA fusion VCF (see the module notes)."""
    if "SVTYPE" not in header.info:
        return True
    return bool(READ_SUPPORT_FIELDS & (set(header.info) | set(header.format)))


def small_variant_genes(header: VcfHeader, models: Sequence[TranscriptModel],
                        targets: dict[str, list[tuple[int, int]]] | None) -> list[str]:
    """Co-driver genes whose small variants this VCF was read for."""
    if not is_small_variant_vcf(header):
        return []
    return panel_genes(models, targets)


def panel_genes(models: Sequence[TranscriptModel], targets: dict[str, list[tuple[int, int]]] | None) -> list[str]:
    """Co-driver genes a small-variant file (VCF or MAF) was read for: every one modelled, or with
    ``--targets`` those whose read exons the panel overlaps."""
    out = []
    for m in models:
        if targets is None or any(covered_fraction(targets, m.chrom, s, e) > 0 for s, e in m.exons):
            out.append(m.gene.symbol)
    return sorted(set(out))


def _declares_breakends(header: VcfHeader) -> bool:
    if "MATEID" in header.info:
        return True
    return any(v.replace(" ", "").upper().startswith("<ID=BND") for v in header.meta.get("ALT", []))


def fusion_genes(header: VcfHeader | None, records: Iterable[Record], rules: FusionRules | None,
                 *, table_given: bool) -> list[str]:
    """Kinases whose fusions were looked for: ``records`` are the fusion records read from the VCF
    (vcf.from_vcf.is_fusion_record), ``table_given`` says a fusion-caller table was read too."""
    if rules is None:
        return []
    kinases = set(rules.kinases)
    if table_given:
        return sorted(kinases)
    if header is None:
        return []
    qc = header.meta_value("FusionSampleQC")
    if qc is not None and qc.upper().startswith("FAIL"):
        return []  # Ion Reporter: the RNA library failed its QC; nothing was tested
    found: set[str] = set()
    breakends = _declares_breakends(header)
    for r in records:
        if r.info.get("SVTYPE") == "Fusion":  # Ion: the assay's genes, from GENE_NAME and the ID
            names = {r.info.get("GENE_NAME") or ""}
            names.update(r.id.split(".")[0].split("-"))
            found |= names & kinases
        else:
            breakends = True
    return sorted(kinases if breakends else found)


def tested_kinds(small_variants: list[str], fusions: list[str]) -> dict[str, list[str]]:
    """The ``tested`` record of a sample: kind -> genes, kinds with no gene left out."""
    return {k: genes for k, genes in ((SMALL_VARIANTS, small_variants), (FUSION, fusions)) if genes}


def tested_text(tested: dict[str, list[str]]) -> str:
    """samples.tsv's ``tested``: ``small_variants:BRAF,EGFR;fusion:ALK,RET`` (empty: nothing)."""
    return ";".join(f"{k}:{','.join(v)}" for k, v in tested.items() if v)
