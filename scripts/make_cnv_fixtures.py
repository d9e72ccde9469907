#!/usr/bin/env python3
"""Write the copy-number fixtures in fixtures/cnv/, one small file per dialect.

The values over the genes the tests look at are fixed by hand so that expected copy numbers can
be worked out on paper; the background segments elsewhere are drawn from a seeded generator so
the files look like real output without being copied from any. Re-running gives identical bytes.

    python scripts/make_cnv_fixtures.py [OUTDIR]     # default: fixtures/cnv next to this script
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SEED = 20240917

HG19_CONTIGS = {"chr1": 249250621, "chr9": 141213431, "chr11": 135006516, "chr17": 81195210}
B37_CONTIGS = {k[3:]: v for k, v in HG19_CONTIGS.items()}
HG38_CONTIGS = {"chr1": 248956422, "chr9": 138394717, "chr11": 135086622, "chr17": 83257441}


def _contigs(contigs: dict[str, int], assembly: str) -> list[str]:
    return [f"##contig=<ID={c},length={n},assembly={assembly}>" for c, n in contigs.items()]


def _tsv(*cells: object) -> str:
    return "\t".join(str(c) for c in cells)


def _background(rng: np.random.Generator, chrom: str, n: int, start: int = 1_000_000,
                step: int = 3_000_000) -> list[tuple[str, int, int, float]]:
    """Copy-neutral-ish segments away from the genes under test: (chrom, start, end, log2)."""
    out = []
    pos = start
    for _ in range(n):
        length = int(rng.integers(step // 2, step))
        out.append((chrom, pos, pos + length - 1, round(float(rng.normal(0.0, 0.08)), 4)))
        pos += length
    return out


# -- Ion Reporter / Oncomine -------------------------------------------------------------------

def ion_oca(rng: np.random.Generator) -> str:
    head = [
        "##fileformat=VCFv4.1",
        '##source="tvc 5.0-9 (e5a0c91) - Torrent Variant Caller"',
        "##reference=/data/IR/data/.reference/hg19/hg19.fasta",
        *_contigs(HG19_CONTIGS, "hg19"),
        '##ALT=<ID=CNV,Description="Copy number variable region">',
        "##AssumedGender=f",
        "##CellularityAsAFractionBetween0-1=0.600000",
        "##DiploidCopyNumber=2.0",
        "##mapd=0.239",
        "##percent_aligned_reads=98.02",
        "##percent_non_zero_amplicons=99.96",
        "##total_read_count=4790155",
        "##IonReporterExportVersion=0.1.5",
        "##OncomineVariantAnnotationToolVersion=2.2.7",
        '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency based on Flow Evaluator observation counts">',
        '##INFO=<ID=CDF_MAPD,Number=.,Type=String,Description="Cumulative distribution of MAPD">',
        '##INFO=<ID=CI,Number=.,Type=String,Description="confidence: CN value is adjusted for Cellularity given REF_CN">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant described in this record">',
        '##INFO=<ID=FR,Number=.,Type=String,Description="Reason why the variant was filtered.">',
        '##INFO=<ID=FR,Number=1,Type=String,Description="Reason why the variant was filtered (declared twice, as Ion does).">',
        '##INFO=<ID=FUNC,Number=.,Type=String,Description="Functional Annotations">',
        '##INFO=<ID=HS,Number=0,Type=Flag,Description="Indicate it is at a hot spot">',
        '##INFO=<ID=LEN,Number=.,Type=Integer,Description="Length of Allele or Copy Number Segment">',
        '##INFO=<ID=NUMTILES,Number=1,Type=Integer,Description="Number of tiles in the Copy Number Segment described in this record">',
        '##INFO=<ID=PRECISE,Number=.,Type=String,Description="TRUE or FALSE value to indicate Precise or Imprecise structural variation">',
        '##INFO=<ID=RAW_CN,Number=1,Type=Float,Description="CN unadjusted for cellularity or diploid value adjustment">',
        '##INFO=<ID=REF_CN,Number=1,Type=Float,Description="Reference CN in normal DNA expected in this sample">',
        '##INFO=<ID=SD,Number=1,Type=Float,Description="The standard deviation of the values used to calculate the CN estimate.">',
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">',
        '##FORMAT=<ID=CN,Number=1,Type=Float,Description="Copy number genotype for imprecise events">',
        '##FORMAT=<ID=FDP,Number=1,Type=Integer,Description="Flow Evaluator read depth">',
        '##FORMAT=<ID=FAO,Number=A,Type=Integer,Description="Flow Evaluator Alternate allele observations">',
        _tsv("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
             "IonXpress_079"),
    ]
    cdf = "CDF_MAPD=0.01:1.233968,0.5:1.4,0.99:1.58"
    rows = [
        # MPL: SD written as a bare flag although declared Float (real OCA output does this).
        _tsv("chr1", 43814968, "MPL", "C", "<CNV>", "100.0", "PASS",
             "FR=.;PRECISE=FALSE;SVTYPE=CNV;END=43815086;LEN=118;NUMTILES=1;SD;"
             f"{cdf};REF_CN=2;CI=0.05:1.71,0.95:2.42;RAW_CN=2.04;FUNC=[{{'gene':'MPL'}}]",
             "GT:GQ:CN", "./.:0:2.07"),
    ]
    # Background genes: copy-neutral with seeded noise.
    for chrom, pos, gene in (("chr1", 115247084, "NRAS"), ("chr9", 21967751, "CDKN2A")):
        cn = round(2.0 + float(rng.normal(0, 0.1)), 2)
        rows.append(_tsv(
            chrom, pos, gene, "A", "<CNV>", "100.0", "PASS",
            f"FR=.;PRECISE=FALSE;SVTYPE=CNV;END={pos + 5000};LEN=5000;NUMTILES=8;SD=0.21;"
            f"{cdf};REF_CN=2;CI=0.05:{cn - 0.3:.2f},0.95:{cn + 0.3:.2f};RAW_CN={cn};"
            f"FUNC=[{{'gene':'{gene}'}}]", "GT:GQ:CN", f"./.:0:{cn}"))
    rows.append(_tsv(
        "chr11", 69456941, "CCND1", "C", "<CNV>", "100.0", "PASS",
        "HS;FR=.;PRECISE=FALSE;SVTYPE=CNV;END=69467377;LEN=10436;NUMTILES=19;SD=0.2;"
        f"{cdf};REF_CN=2;CI=0.05:11.7867,0.95:14.5819;RAW_CN=8.67;"
        "FUNC=[{'gene':'CCND1','oncomineGeneClass':'Gain-of-Function',"
        "'oncomineVariantClass':'Amplification'}]", "GT:GQ:CN", "./.:0:13.11"))
    # Hotspot rows that are not copy number (GT 0/0, AF=0, one multi-allelic).
    rows.append(_tsv("chr17", 37880981, ".", "A", "G,T", "0.0", "PASS",
                     "AF=0,0;HS;FR=.;FUNC=[{'gene':'ERBB2'}]", "GT:GQ:FDP:FAO", "0/0:99:1520:0,0"))
    rows.append(_tsv("chr17", 37881000, ".", "G", "T", "0.0", "PASS", "AF=0;HS;FR=.",
                     "GT:GQ:FDP:FAO", "0/0:99:1498:0"))
    # ERBB2: cellularity-adjusted CN 8.7; RAW_CN = 0.6*8.7 + 0.4*2 = 6.02.
    rows.append(_tsv(
        "chr17", 37845133, "ERBB2", "G", "<CNV>", "100.0", "PASS",
        "HS;FR=.;PRECISE=FALSE;SVTYPE=CNV;END=37884584;LEN=39451;NUMTILES=27;SD=0.23;"
        f"{cdf};REF_CN=2;CI=0.05:7.91,0.95:9.62;RAW_CN=6.02;"
        "FUNC=[{'gene':'ERBB2','oncomineGeneClass':'Gain-of-Function',"
        "'oncomineVariantClass':'Amplification'}]", "GT:GQ:CN", "./.:0:8.7"))
    return "\n".join(head + rows) + "\n"


# -- DRAGEN ----------------------------------------------------------------------------------------

def _dragen_header(contigs: dict[str, int], assembly: str, sample: str,
                   extra: list[str]) -> list[str]:
    return [
        "##fileformat=VCFv4.2",
        "##source=DRAGEN_CNV",
        "##CoverageUniformity=0.402517",
        *extra,
        *_contigs(contigs, assembly),
        '##ALT=<ID=CNV,Description="Copy number variant region">',
        '##ALT=<ID=DEL,Description="Deletion relative to the reference">',
        '##ALT=<ID=DUP,Description="Region of elevated copy number relative to the reference">',
        '##FILTER=<ID=cnvLength,Description="CNV with length below 10000">',
        '##INFO=<ID=REFLEN,Number=1,Type=Integer,Description="Number of REF positions included in this record">',
        '##INFO=<ID=SVLEN,Number=.,Type=Integer,Description="Difference in length between REF and ALT alleles">',
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant described in this record">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=SM,Number=1,Type=Float,Description="Linear copy ratio of the segment mean">',
        '##FORMAT=<ID=CN,Number=1,Type=Integer,Description="Estimated copy number">',
        '##FORMAT=<ID=BC,Number=1,Type=Integer,Description="Number of bins in the region">',
        _tsv("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", sample),
    ]


def _dragen_row(chrom: str, start: int, end: int, cn: int, sm: float, bins: int) -> str:
    """A DRAGEN record for the 1-based segment [start, end]; POS is the base before it."""
    pos, length = start - 1, end - start + 1
    if cn == 2:
        return _tsv(chrom, pos, f"DRAGEN:REF:{chrom}:{start}-{end}", "N", ".", 81, "PASS",
                    f"END={end};REFLEN={length}", "GT:SM:CN:BC", f"./.:{sm}:{cn}:{bins}")
    kind, alt, svlen, gt = ("GAIN", "<DUP>", length, "./1") if cn > 2 else \
        ("LOSS", "<DEL>", -length, "1/1" if cn == 0 else "0/1")
    return _tsv(chrom, pos, f"DRAGEN:{kind}:{chrom}:{start}-{end}", "N", alt, 88, "PASS",
                f"SVLEN={svlen};SVTYPE=CNV;END={end};REFLEN={length}", "GT:SM:CN:BC",
                f"{gt}:{sm}:{cn}:{bins}")


def _dragen_background(rng: np.random.Generator, chrom: str) -> list[str]:
    return [_dragen_row(c, s, e, 2, round(2 ** lr, 3), int(rng.integers(200, 900)))
            for c, s, e, lr in _background(rng, chrom, 3)]


def dragen_grch38_dup(rng: np.random.Generator) -> str:
    head = _dragen_header(HG38_CONTIGS, "hg38", "TUMOR_01",
                          ["##EstimatedTumorPurity=0.55", "##OverallPloidy=2.1"])
    rows = _dragen_background(rng, "chr1") + [
        _dragen_row("chr17", 38000001, 39688000, 2, 1.01, 700),
        _dragen_row("chr17", 39688001, 39730000, 9, 3.48, 25),  # covers ERBB2 39699997-39728662
        _dragen_row("chr17", 39730001, 41000000, 2, 0.99, 520),
    ]
    return "\n".join(head + rows) + "\n"


def dragen_grch38_neutral(rng: np.random.Generator) -> str:
    head = _dragen_header(HG38_CONTIGS, "hg38", "TUMOR_02", [])
    rows = _dragen_background(rng, "chr1") + [
        _dragen_row("chr17", 38000001, 41000000, 2, 1.02, 1200),
    ]
    return "\n".join(head + rows) + "\n"


def dragen_grch37_split(rng: np.random.Generator) -> str:
    """hs37d5 names; ERBB2 (17:37856254-37884915, 28662 bp) half neutral, half gained.

    Overlaps: 37856254-37870000 = 13747 bp at CN 2, 37870001-37884915 = 14915 bp at CN 8,
    so the weighted mean is (2*13747 + 8*14915) / 28662 = 5.12218...
    """
    head = _dragen_header(B37_CONTIGS, "GRCh37", "TUMOR_03", [])
    rows = _dragen_background(rng, "1") + [
        _dragen_row("17", 37000001, 37870000, 2, 1.0, 300),
        _dragen_row("17", 37870001, 37950000, 8, 3.1, 40),
    ]
    return "\n".join(head + rows) + "\n"


# -- TSO500 ----------------------------------------------------------------------------------------

_TSO_HEAD = [
    "##fileformat=VCFv4.1",
    "##source=TSO500 CNV caller (fixture; FC location unverified)",
    "##reference=hg19",
    *_contigs(HG19_CONTIGS, "hg19"),
    '##ALT=<ID=DUP,Description="Gene amplification">',
    '##ALT=<ID=DEL,Description="Gene deletion">',
    '##FILTER=<ID=LowValidation,Description="Deletion call with low validation">',
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant">',
    '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
    '##INFO=<ID=ANT,Number=1,Type=String,Description="Gene">',
]
_TSO_GENES = [  # chrom, POS, END, gene, ALT, FILTER, FC
    ("chr1", 115247084, 115259515, "NRAS", ".", "PASS", None),
    ("chr9", 21967751, 21995300, "CDKN2A", "<DEL>", "LowValidation", 0.41),
    ("chr17", 37844167, 37886679, "ERBB2", "<DUP>", "PASS", 2.2),
]


def tso500_format_fc(rng: np.random.Generator) -> str:
    head = [*_TSO_HEAD,
            '##FORMAT=<ID=FC,Number=1,Type=Float,Description="Fold change">',
            _tsv("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
                 "TSO_S1")]
    rows = []
    for chrom, pos, end, gene, alt, filt, fc in _TSO_GENES:
        fc = fc if fc is not None else round(1.0 + float(rng.normal(0, 0.03)), 3)
        rows.append(_tsv(chrom, pos, gene, "N", alt, 120, filt,
                         f"SVTYPE=CNV;END={end};ANT={gene}", "FC", fc))
    return "\n".join(head + rows) + "\n"


def tso500_info_fc(rng: np.random.Generator) -> str:
    """FC in INFO and no sample column; ERBB2 FC 1.389 (the MoMA Horizon example)."""
    head = [*_TSO_HEAD,
            '##INFO=<ID=FC,Number=1,Type=Float,Description="Fold change">',
            _tsv("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")]
    rows = []
    for chrom, pos, end, gene, alt, filt, fc in _TSO_GENES:
        fc = 1.389 if gene == "ERBB2" else round(1.0 + float(rng.normal(0, 0.03)), 3)
        rows.append(_tsv(chrom, pos, gene, "N", alt, 120, filt,
                         f"SVTYPE=CNV;END={end};ANT={gene};FC={fc}"))
    return "\n".join(head + rows) + "\n"


def tso500_fc_txt(rng: np.random.Generator) -> str:
    rows = [_tsv("Sample", "Gene", "Status", "FoldChange")]
    rows += [
        _tsv("Horizon_2-000_rep1", "ERBB2", "DUP", "1.389"),
        _tsv("Horizon_2-000_rep1", "MYC", "DUP", "2.819"),
        _tsv("Horizon_2-000_rep1", "PTEN", "DEL", "0.300"),
        _tsv("TSO_S2", "ERBB2", "DUP", "2.200"),
        _tsv("TSO_S2", "MYC", "NA", f"{1.0 + float(rng.normal(0, 0.03)):.3f}"),
    ]
    return "\n".join(rows) + "\n"


# -- CNVkit ----------------------------------------------------------------------------------------

def cnvkit_export_vcf(rng: np.random.Generator) -> str:
    head = [
        "##fileformat=VCFv4.2",
        "##source=CNVkit v0.9.10",
        *_contigs(B37_CONTIGS, "GRCh37"),
        '##INFO=<ID=CIEND,Number=2,Type=Integer,Description="Confidence interval around END for imprecise variants">',
        '##INFO=<ID=CIPOS,Number=2,Type=Integer,Description="Confidence interval around POS for imprecise variants">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant described in this record">',
        '##INFO=<ID=IMPRECISE,Number=0,Type=Flag,Description="Imprecise structural variation">',
        '##INFO=<ID=SVLEN,Number=1,Type=Integer,Description="Difference in length between REF and ALT alleles">',
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
        '##INFO=<ID=FOLD_CHANGE,Number=1,Type=Float,Description="Fold change">',
        '##INFO=<ID=FOLD_CHANGE_LOG,Number=1,Type=Float,Description="Log fold change">',
        '##INFO=<ID=PROBES,Number=1,Type=Integer,Description="Number of probes in CNV">',
        '##ALT=<ID=DEL,Description="Deletion">',
        '##ALT=<ID=DUP,Description="Duplication">',
        '##ALT=<ID=CNV,Description="Copy number variable region">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=GQ,Number=1,Type=Float,Description="Genotype quality">',
        '##FORMAT=<ID=CN,Number=1,Type=Integer,Description="Copy number genotype for imprecise events">',
        '##FORMAT=<ID=CNQ,Number=1,Type=Float,Description="Copy number genotype quality for imprecise events">',
        _tsv("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
             "cnvkit_s1"),
    ]
    rows = []
    _, s, e, lr = _background(rng, "1", 1)[0]
    lr = round(0.8 + abs(lr), 4)  # a background gain on chr1, CN from ceil(2*2^log2)
    rows.append(_tsv("1", s - 1, ".", "N", "<DUP>", ".", ".",
                     f"IMPRECISE;SVTYPE=DUP;END={e};SVLEN={e - s + 1};"
                     f"FOLD_CHANGE={2 ** lr:.4f};FOLD_CHANGE_LOG={lr};PROBES=31",
                     "GT:GQ:CN:CNQ", "0/1:0:4:31"))
    # A DEL without allele-specific data keeps GT:GQ only: no CN field.
    rows.append(_tsv("9", 21900000, ".", "N", "<DEL>", ".", ".",
                     "IMPRECISE;SVTYPE=DEL;END=22000000;SVLEN=-100000;FOLD_CHANGE=0.25;"
                     "FOLD_CHANGE_LOG=-2;PROBES=12", "GT:GQ", "1/1:0"))
    # ERBB2 gain: log2 2.4, CN = ceil(2*2^2.4) = 11; CIPOS in parentheses as CNVkit writes it.
    rows.append(_tsv("17", 37800000, ".", "N", "<DUP>", ".", ".",
                     "IMPRECISE;SVTYPE=DUP;END=37966417;SVLEN=166417;FOLD_CHANGE=5.278;"
                     "FOLD_CHANGE_LOG=2.4;PROBES=40;CIPOS=(0,166417);CIEND=(0,166417)",
                     "GT:GQ:CN:CNQ", "0/1:0:11:40"))
    return "\n".join(head + rows) + "\n"


def cnvkit_cns(rng: np.random.Generator, with_cn: bool) -> str:
    """GRCh38, 0-based starts. The ERBB2 segment is [39600000, 39728662) = 1-based
    39600001-39728662; the next one starts at 1-based 39728663 and must not touch ERBB2
    (39699997-39728662). log2 1.584963 = log2(3): CN 6 at purity 1, 10 at purity 0.5."""
    cols = ["chromosome", "start", "end", "gene", "log2", "depth", "probes", "weight"]
    if with_cn:
        cols.append("cn")
    rows = ["\t".join(cols)]
    for chrom, s, e, lr in _background(rng, "chr1", 3):
        cells = [chrom, s - 1, e, "-", lr, round(float(rng.uniform(300, 600)), 2),
                 int(rng.integers(40, 90)), round(float(rng.uniform(20, 60)), 3)]
        rows.append(_tsv(*cells, 2) if with_cn else _tsv(*cells))
    fixed = [
        ("chr17", 39000000, 39600000, "IKZF3,GSDMB", 0.021, 2),
        ("chr17", 39600000, 39728662, "PGAP3,ERBB2", 1.584963, 6),
        ("chr17", 39728662, 39800000, "MIEN1,GRB7", 0.05, 2),
    ]
    for chrom, s, e, genes, lr, cn in fixed:
        cells = [chrom, s, e, genes, lr, 512.4, 35, 30.5]
        rows.append(_tsv(*cells, cn) if with_cn else _tsv(*cells))
    return "\n".join(rows) + "\n"


# -- segment files -----------------------------------------------------------------------------

def cohort_seg(rng: np.random.Generator) -> str:
    """Three samples on GRCh37 without 'chr'. S01 log2 1.0 (CN 4 at purity 1), S02 log2 0.585
    (CN ~4.0 at purity 0.5), S03 two segments splitting ERBB2 (37856254-37884915):
    37856254-37870000 (13747 bp, log2 0) and 37870001-37884915 (14915 bp, log2 2)."""
    rows = [_tsv("ID", "chrom", "loc.start", "loc.end", "num.mark", "seg.mean")]
    fixed = {
        "S01": [("17", 37700001, 37900000, 1.0)],
        "S02": [("17", 37700001, 37900000, 0.585)],
        "S03": [("17", 37000001, 37870000, 0.0), ("17", 37870001, 37950000, 2.0)],
    }
    for sample, segs in fixed.items():
        for chrom, s, e, lr in _background(rng, "1", 2):
            rows.append(_tsv(sample, chrom, s, e, int(rng.integers(50, 300)), lr))
        for chrom, s, e, lr in segs:
            rows.append(_tsv(sample, chrom, s, e, int(rng.integers(20, 60)), lr))
    return "\n".join(rows) + "\n"


def gatk_called_seg(rng: np.random.Generator) -> str:
    """GRCh38; ERBB2 segment log2 2.321928 = log2(5): CN 10 at purity 1, 22 at purity 0.4."""
    rows = [
        "@HD\tVN:1.6",
        *[f"@SQ\tSN:{c}\tLN:{n}" for c, n in HG38_CONTIGS.items()],
        "@RG\tID:GATKCopyNumber\tSM:gatk_tumor",
        _tsv("CONTIG", "START", "END", "NUM_POINTS_COPY_RATIO", "MEAN_LOG2_COPY_RATIO", "CALL"),
    ]
    for chrom, s, e, lr in _background(rng, "chr1", 3):
        rows.append(_tsv(chrom, s, e, int(rng.integers(100, 900)), f"{lr:.6f}", "0"))
    rows.append(_tsv("chr17", 39650001, 39750000, 120, "2.321928", "+"))
    return "\n".join(rows) + "\n"


def allele_specific(rng: np.random.Generator) -> str:
    """PCGR v2 style, GRCh38 coordinates written without 'chr'; ERBB2 nMajor 7 + nMinor 1."""
    rows = [_tsv("Chromosome", "Start", "End", "nMajor", "nMinor")]
    for chrom, s, e, _ in _background(rng, "1", 3):
        rows.append(_tsv(chrom, s, e, 1, 1))
    rows.append(_tsv("17", 39690000, 39740000, 7, 1))
    return "\n".join(rows) + "\n"


# -- GATK gCNV and Manta -------------------------------------------------------------------------

def gatk_gcnv(rng: np.random.Generator) -> str:
    head = [
        "##fileformat=VCFv4.2",
        "##GATKCommandLine=<ID=PostprocessGermlineCNVCalls,CommandLine=\"PostprocessGermlineCNVCalls "
        "--output-genotyped-segments segments.vcf.gz\",Version=\"4.2.0.0\">",
        *_contigs(HG38_CONTIGS, "hg38"),
        '##ALT=<ID=DEL,Description="Deletion">',
        '##ALT=<ID=DUP,Description="Duplication">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End coordinate of the variant">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=CN,Number=1,Type=Integer,Description="Copy number maximum a posteriori value">',
        '##FORMAT=<ID=NP,Number=1,Type=Integer,Description="Number of points in the segment">',
        '##FORMAT=<ID=QA,Number=1,Type=Integer,Description="Complementary Phred-scaled probability that all points in the segment agree with the call">',
        '##FORMAT=<ID=QS,Number=1,Type=Integer,Description="Complementary Phred-scaled probability that at least one point agrees with the call">',
        '##FORMAT=<ID=QSE,Number=1,Type=Integer,Description="Quality of the segment end">',
        '##FORMAT=<ID=QSS,Number=1,Type=Integer,Description="Quality of the segment start">',
        _tsv("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
             "germline_01"),
    ]
    rows = []
    for chrom, s, e, _ in _background(rng, "chr1", 2):
        rows.append(_tsv(chrom, s, f"CNV_{chrom}_{s}_{e}", "N", "<DEL>,<DUP>", ".", ".",
                         f"END={e}", "GT:CN:NP:QA:QS:QSE:QSS",
                         f"0:2:{int(rng.integers(50, 300))}:90:3000:90:90"))
    rows.append(_tsv("chr17", 39600001, "CNV_chr17_39600001_39800000", "N", "<DEL>,<DUP>", ".",
                     ".", "END=39800000", "GT:CN:NP:QA:QS:QSE:QSS", "2:3:25:60:120:40:50"))
    return "\n".join(head + rows) + "\n"


def manta_dup(rng: np.random.Generator) -> str:
    head = [
        "##fileformat=VCFv4.1",
        "##source=GenerateSVCandidates 1.6.0",
        *_contigs(HG38_CONTIGS, "hg38"),
        '##ALT=<ID=DUP:TANDEM,Description="Tandem Duplication">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant">',
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
        '##INFO=<ID=SVLEN,Number=.,Type=Integer,Description="Difference in length between REF and ALT alleles">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=PR,Number=.,Type=Integer,Description="Spanning paired-read support">',
        _tsv("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", "manta_t"),
    ]
    pr = int(rng.integers(10, 40))
    rows = [_tsv("chr17", 39700000, "MantaDUP:TANDEM:1:0:1:0:0:0", "A", "<DUP:TANDEM>", 300,
                 "PASS", "END=39720000;SVTYPE=DUP;SVLEN=20000", "GT:PR", f"0/1:{pr},{pr // 2}")]
    return "\n".join(head + rows) + "\n"


FIXTURES = {
    "ion_oca_cnv_hg19.vcf": ion_oca,
    "dragen_cnv_grch38_dup.vcf": dragen_grch38_dup,
    "dragen_cnv_grch38_neutral.vcf": dragen_grch38_neutral,
    "dragen_cnv_grch37_split.vcf": dragen_grch37_split,
    "tso500_format_fc_CopyNumberVariants.vcf": tso500_format_fc,
    "tso500_info_fc_CopyNumberVariants.vcf": tso500_info_fc,
    "tso500_two_samples.cnv.fc.txt": tso500_fc_txt,
    "cnvkit_export_grch37.vcf": cnvkit_export_vcf,
    "cnvkit_grch38.cns": lambda rng: cnvkit_cns(rng, with_cn=False),
    "cnvkit_grch38.call.cns": lambda rng: cnvkit_cns(rng, with_cn=True),
    "cohort_grch37.seg": cohort_seg,
    "gatk_grch38.called.seg": gatk_called_seg,
    "allele_specific_grch38.cna.tsv": allele_specific,
    "gatk_gcnv_grch38_segments.vcf": gatk_gcnv,
    "manta_dup_tandem_grch38.vcf": manta_dup,
}


def write_all(outdir: Path) -> list[Path]:
    """Write every fixture into ``outdir``; each file gets its own seeded generator."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for i, (name, make) in enumerate(FIXTURES.items()):
        rng = np.random.default_rng([SEED, i])
        path = outdir / name
        path.write_text(make(rng), encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    outdir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "fixtures" / "cnv"
    for path in write_all(outdir):
        sys.stderr.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
