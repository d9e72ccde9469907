"""Copy number of genes from any supported source, as one normalised CopyNumber per sample/source.

Each caller means something different by its number : Ion's CN is already adjusted
for cellularity, TSO500 reports a fold change, CNVkit and GATK a log2 ratio, DRAGEN an integer CN
with a linear ratio beside it, PCGR-style tables allele-specific integers. Everything is turned
into an absolute copy-number point estimate while keeping the raw value, its kind and the purity
used; deciding amplification (CN > 4, from the rules) is left to classify.

Modules: ``cn_common`` (purity algebra, segment -> gene summary), ``cn_vcf`` (VCF dialects),
``cn_tables`` (tab-separated formats); this module picks the reader from the file's content.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from ..contigs import contig_key
from ..errors import InputError, shown
from ..files import input_head
from ..models import CopyNumber, Region
from ..rules.load import BuildRules
from ..vcf.reader import VcfReader
from .common import check_purity, fold_change_to_cn, log2_to_cn
from .from_vcf import GERMLINE_NOTE, copy_number_from_vcf, is_cnv_record, vcf_dialect
from .tables import SCALES, copy_number_from_table, file_stem, read_table, table_kind

__all__ = [
    "ACCEPTED_FORMATS", "GERMLINE_NOTE", "SCALES", "copy_number_from_vcf", "fold_change_to_cn",
    "is_cnv_record", "log2_to_cn", "read_copy_number_file", "vcf_dialect",
]

log = logging.getLogger(__name__)

ACCEPTED_FORMATS: tuple[str, ...] = (
    ("VCF with copy-number records (Ion Reporter <CNV>, DRAGEN CNV, TSO500 CopyNumberVariants, "
     "CNVkit export vcf, GATK gCNV)"),
    "CNVkit .cns/.call.cns/.cnr (chromosome start end gene log2 ... [cn])",
    (".seg (ID chrom loc.start loc.end num.mark seg.mean, or sampleName chromosome start end "
     "nbrOfLoci mean; its scale given by --cnv-scale)"),
    "GATK .called.seg (CONTIG START END NUM_POINTS_COPY_RATIO MEAN_LOG2_COPY_RATIO CALL)",
    "allele-specific table (Chromosome Start End nMajor nMinor)",
    "TSO500 .cnv.fc.txt (Sample Gene Status FoldChange)",
)

def read_copy_number_file(
    path: str | os.PathLike[str],
    *,
    sample: str | None,
    genes: Mapping[str, Region],
    purity: float | None,
    build: str | None,
    builds: Mapping[str, BuildRules] | None = None,
    scale: str | None = None,
) -> list[CopyNumber]:
    """CN records for ``genes`` from a --cnv file of any accepted format, detected from content.

    Multi-sample files are filtered to ``sample`` when given (InputError when it is absent);
    otherwise every sample gets its own records. [] means the file has no evidence for the genes.
    ``builds`` are the rules' genome builds (``rules.builds``; the built-in rules' when None): a
    VCF's ##contig lengths are checked against ``build`` with them. ``scale`` (log2, log10,
    linear) is the scale of a .seg's values, which its header does not say; without it a .seg
    value a gene needs is an InputError. Rows without a usable value away from ``genes`` are left
    out (notes and a warning); on one of ``genes`` they are an InputError.
    """
    path = os.fspath(path)
    purity = check_purity(purity)
    head = input_head(path, 64, what="a copy-number file")  # decompressed
    if not head:
        raise InputError(f"{path}: the file is empty; {_accepted()}")
    if head.startswith((b"##fileformat=VCF", b"BCF")):
        return _from_vcf(path, sample=sample, genes=genes, purity=purity, build=build, builds=builds)
    table = read_table(path)
    kind = table_kind(table) if table is not None else None
    if table is None or kind is None:
        line = table.header_line if table is not None else 1
        found = " ".join(table.columns) if table is not None else "no header row"
        raise InputError(
            f"{path}:{line}: not a recognised copy-number file (header: {shown(found, 120)}); {_accepted()}"
        )
    log.debug("%s: read as %s", path, kind)
    return copy_number_from_table(table, kind, sample=sample, genes=genes, purity=purity, scale=scale)


def _accepted() -> str:
    return "accepted formats: " + "; ".join(ACCEPTED_FORMATS)


def _from_vcf(
    path: str, *, sample: str | None, genes: Mapping[str, Region], purity: float | None,
    build: str | None, builds: Mapping[str, BuildRules] | None,
) -> list[CopyNumber]:
    reader = VcfReader(path)
    header = reader.header
    _check_build(header.path, header.contigs, build, vcf_dialect(header), genes, builds)
    if not header.samples:  # e.g. TSO500 with FC in INFO
        targets = [(0, sample or file_stem(path))]
    elif sample is not None:
        if sample not in header.samples:
            raise InputError(
                f"{path}: sample {shown(sample)} is not in the VCF; its samples are "
                f"{shown(', '.join(header.samples), 200, bare=True)}"
            )
        targets = [(header.samples.index(sample), sample)]
    else:
        targets = list(enumerate(header.samples))
    # Keep only copy-number records: a full Ion VCF also holds thousands of hotspot rows.
    records = [r for r in reader.records() if is_cnv_record(header, r)]
    out: list[CopyNumber] = []
    for index, name in targets:
        out.extend(copy_number_from_vcf(
            header, records, sample_index=index, sample=name, genes=genes, purity=purity,
        ))
    return out


def _check_build(
    path: str, contigs: Mapping[str, int | None], build: str | None, dialect: str,
    genes: Mapping[str, Region], builds: Mapping[str, BuildRules] | None,
) -> None:
    """Refuse a VCF whose ##contig lengths show another build than the one given, on the
    chromosomes of ``genes`` (those are matched by position). The lengths and the names of each
    build ('hg38', 'b37') are the rules' (rules/builds.yaml).

    Only position-matched dialects need this; Ion records are matched by gene name.
    """
    if build is None or dialect == "ion":
        return
    if builds is None:
        from ..rules.load import load_rules

        builds = load_rules().builds
    wanted = next((b.name for b in builds.values()
                   if build.lower() in {n.lower() for n in (b.name, *b.names)}), None)
    if wanted is None:
        return
    keys = {contig_key(r.chrom) for r in genes.values()}
    for name, length in contigs.items():
        if length is None or contig_key(name) not in keys:
            continue
        found = next((b.name for b in builds.values() if b.contig_lengths.get(contig_key(name)) == length), None)
        if found is not None and found != wanted:
            raise InputError(
                f"{path}: ##contig {name} has length {length}, which is {found}, but "
                f"build {build} was given; copy number is matched by position, so give the "
                "build the file was made on"
            )
