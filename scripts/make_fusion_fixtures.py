#!/usr/bin/env python3
"""Write the fusion fixtures in fixtures/fusions/, one small file per dialect (seeded, byte-stable).

Breakpoints of the kinase events sit in the breakpoint introns (DNA) or on the exon junctions
(RNA) of rules/fusions.yaml, taken from the shared co-driver reference (codriver_regions.tsv):
the GRCh38 EML4-ALK and KIF5B-RET DNA breakends are the ones of the public chrovis/varity
fusion_test.clj records, the NTRK2 pair the real Manta RNA record quoted in FACTS.md (S11), and
the GRCh37 twins are shifted by each gene's GRCh37-GRCh38 offset. Read counts, REF bases and the
background (non-kinase) events are drawn from a seeded generator. Header shapes follow FACTS.md
section 4; the DRAGEN SV and Ion Reporter files are reconstructed (no real file was available).

    python scripts/make_fusion_fixtures.py [OUTDIR]     # default: fixtures/fusions
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SEED = 20240611

GRCH37 = {"1": 249250621, "2": 243199373, "4": 191154276, "5": 180915260, "6": 171115067,
          "7": 159138663, "9": 141213431, "10": 135534747, "12": 133851895, "15": 102531392, "17": 81195210,
          "21": 48129895, "22": 51304566}
GRCH38 = {"1": 248956422, "2": 242193529, "4": 190214555, "5": 181538259, "6": 170805979,
          "7": 159345973, "9": 138394717, "10": 133797422, "12": 133275309, "15": 101991189, "17": 83257441,
          "21": 46709983, "22": 50818468}
ORDER = list(GRCH37)

MANTA_INFO = [
    '##INFO=<ID=IMPRECISE,Number=0,Type=Flag,Description="Imprecise structural variation">',
    '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
    '##INFO=<ID=CIPOS,Number=2,Type=Integer,Description="Confidence interval around POS">',
    '##INFO=<ID=HOMLEN,Number=.,Type=Integer,Description="Length of base pair identical homology at event breakpoints">',
    '##INFO=<ID=HOMSEQ,Number=.,Type=String,Description="Sequence of base pair identical homology at event breakpoints">',
    '##INFO=<ID=MATEID,Number=.,Type=String,Description="ID of mate breakend">',
    '##INFO=<ID=EVENT,Number=1,Type=String,Description="ID of event associated to breakend">',
    '##INFO=<ID=BND_DEPTH,Number=1,Type=Integer,Description="Read depth at local translocation breakend">',
    '##INFO=<ID=MATE_BND_DEPTH,Number=1,Type=Integer,Description="Read depth at remote translocation mate breakend">',
    '##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic mutation">',
    '##INFO=<ID=SOMATICSCORE,Number=1,Type=Integer,Description="Somatic variant quality score">',
]
MANTA_FORMAT = [
    '##FORMAT=<ID=PR,Number=R,Type=Integer,Description="Spanning paired-read support for the ref and alt alleles in the order listed">',
    '##FORMAT=<ID=SR,Number=R,Type=Integer,Description="Split reads for the ref and alt alleles in the order listed, for reads where P(allele|read)>0.999">',
]


def _contigs(lengths: dict[str, int], chr_prefix: bool, assembly: str) -> list[str]:
    pre = "chr" if chr_prefix else ""
    return [f"##contig=<ID={pre}{c},length={n},assembly={assembly}>" for c, n in lengths.items()]


def _sort(rows: list[list[str]], chr_prefix: bool) -> list[list[str]]:
    key = {(("chr" if chr_prefix else "") + c): i for i, c in enumerate(ORDER)}
    return sorted(rows, key=lambda r: (key[r[0]], int(r[1])))


def _base(rng: np.random.Generator) -> str:
    return "ACGT"[int(rng.integers(0, 4))]


def _alt(ref: str, kept: str, mate_chrom: str, mate_pos: int, mate_kept: str) -> str:
    """Breakend ALT keeping ``kept`` of POS and ``mate_kept`` of the mate (VCF 4.2 5.4)."""
    bracket = "[" if mate_kept == "right" else "]"
    p = f"{bracket}{mate_chrom}:{mate_pos}{bracket}"
    return ref + p if kept == "left" else p + ref


def _pair(rng, event: str, a: tuple[str, int, str], b: tuple[str, int, str], *, filt: str = "PASS",
          samples: list[tuple[int, int]], extra: str = "", ids: str = "MantaBND") -> list[list[str]]:
    """Two mate records of one junction; a/b = (chrom, pos, kept side); samples = (PR alt, SR alt)."""
    out = []
    for idx, (here, there) in enumerate(((a, b), (b, a))):
        ref = _base(rng)
        my_id, mate_id = f"{ids}:{event}:0:1:0:0:0:{idx}", f"{ids}:{event}:0:1:0:0:0:{1 - idx}"
        depth = int(rng.integers(40, 160))
        info = (f"SVTYPE=BND;MATEID={mate_id};CIPOS=0,{int(rng.integers(0, 4))};"
                f"BND_DEPTH={depth};MATE_BND_DEPTH={int(rng.integers(40, 160))}{extra}")
        fmt = [f"{int(rng.integers(20, 90))},{pr}:{int(rng.integers(20, 90))},{sr}" for pr, sr in samples]
        out.append([here[0], str(here[1]), my_id, ref, _alt(ref, here[2], there[0], there[1], there[2]),
                    str(int(rng.integers(200, 999))), filt, info, "PR:SR", *fmt])
    return out


def _background(rng, chr_prefix: bool, n: int = 3) -> list[list[str]]:
    """Non-kinase translocations between chr4 and chr21 (no fusion gene of the rules there)."""
    pre = "chr" if chr_prefix else ""
    rows = []
    for i in range(n):
        a = (pre + "4", int(rng.integers(60_000_000, 90_000_000)), "left")
        b = (pre + "21", int(rng.integers(15_000_000, 30_000_000)), "right")
        rows += _pair(rng, str(900 + i), a, b, samples=[(int(rng.integers(3, 30)), int(rng.integers(3, 30)))])
    return rows


def _vcf(meta: list[str], samples: list[str], rows: list[list[str]]) -> str:
    cols = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"] + (["FORMAT", *samples] if samples else [])
    return "\n".join([*meta, "\t".join(cols), *("\t".join(r) for r in rows)]) + "\n"


# -- Manta: EML4-ALK (both mates), KIF5B-RET (RET mate only), ETV6-NTRK3 (filtered) ------------
# GRCh38 DNA breakends (S30): ALK intron 19 29223826 <-> EML4 intron 13 42299120 (t]p] both);
# KIF5B intron 15 32027449 <-> RET intron 11 43115670 ([p[t both). GRCh37 = GRCh38 + offset.
EVENTS = {
    "GRCh38": {"alk": 29223826, "eml4": 42299120, "kif5b": 32027449, "ret": 43115670,
               "etv6": 11875000, "ntrk3": 87990000},
    "GRCh37": {"alk": 29223826 + 222866, "eml4": 42299120 + 227140, "kif5b": 32027449 + 288928,
               "ret": 43115670 + 495448, "etv6": 11875000 + 152934, "ntrk3": 87990000 + 543231},
}


def manta(rng, build: str, chr_prefix: bool) -> str:
    pre = "chr" if chr_prefix else ""
    e = EVENTS[build]
    lengths = GRCH38 if build == "GRCh38" else GRCH37
    rows = _pair(rng, "101", (pre + "2", e["alk"], "left"), (pre + "2", e["eml4"], "left"),
                 samples=[(int(rng.integers(8, 20)), int(rng.integers(10, 30)))])
    ret_side = _pair(rng, "202", (pre + "10", e["kif5b"], "right"), (pre + "10", e["ret"], "right"),
                     samples=[(int(rng.integers(8, 20)), int(rng.integers(10, 30)))])
    rows.append(ret_side[1])  # the KIF5B mate is missing: the fusion must come from the RET record
    rows += _pair(rng, "303", (pre + "12", e["etv6"], "left"), (pre + "15", e["ntrk3"], "left"),
                  filt="MinQUAL", samples=[(1, 2)])
    if build == "GRCh38":  # real Manta RNA pair (S11): SPECC1L-ADORA2A region -> NTRK2
        rows += _pair(rng, "244", (pre + "22", 24334571, "left"), (pre + "9", 84867241, "right"),
                      samples=[(3, 20)])
    rows += _background(rng, chr_prefix)
    meta = ["##fileformat=VCFv4.1", "##fileDate=20240611", "##source=GenerateSVCandidates 1.6.0",
            f"##reference=file:///refs/{build}.fa", *_contigs(lengths, chr_prefix, build), *MANTA_INFO,
            *MANTA_FORMAT,
            '##FILTER=<ID=MinQUAL,Description="QUAL score is less than 20">',
            '##ALT=<ID=BND,Description="Translocation Breakend">',
            "##cmdline=configManta.py --tumorBam tumour.bam --referenceFasta genome.fa"]
    return _vcf(meta, ["TUMOUR"], _sort(rows, chr_prefix))


# -- DRAGEN SV somatic (tumour/normal), GRCh38 with chr -----------------------------------------
def dragen(rng) -> str:
    def both(tumour: tuple[int, int]) -> list[tuple[int, int]]:
        return [(0, 0), tumour]  # (normal, tumour): somatic

    rows = []
    # CD74 intron 6 (5', minus: keeps the right) :: ROS1 intron 33 classic (3', minus: keeps the left)
    rows += _pair(rng, "11", ("chr6", 117326000, "left"), ("chr5", 150404000, "right"),
                  samples=both((int(rng.integers(10, 25)), int(rng.integers(12, 35)))),
                  extra=";SOMATIC;SOMATICSCORE=87", ids="DRAGEN")
    # TPM3 -> NTRK1 seen in the normal only: no support in the tumour sample
    rows += _pair(rng, "12", ("chr1", 154169800, "right"), ("chr1", 156873000, "right"),
                  samples=[(9, 11), (0, 0)], ids="DRAGEN")
    # reciprocal ALK -> EML4 junction alone (ALK keeps its 5' part, EML4 its 3' part)
    rows += _pair(rng, "13", ("chr2", 29223900, "right"), ("chr2", 42299200, "right"),
                  samples=both((int(rng.integers(5, 12)), int(rng.integers(5, 12)))),
                  extra=";SOMATIC;SOMATICSCORE=41", ids="DRAGEN")
    # CCDC6 -> RET failing the somatic score filter
    rows += _pair(rng, "14", ("chr10", 43115000, "right"), ("chr10", 59880000, "right"),
                  filt="MinSomaticScore", samples=both((2, 1)), extra=";SOMATIC;SOMATICSCORE=12",
                  ids="DRAGEN")
    meta = ["##fileformat=VCFv4.2", "##fileDate=20240611", "##source=DRAGEN_SV",
            "##DRAGENVersion=<ID=dragen,Version=\"SW: 07.021.624.3.10.4, HW: 07.021.624\">",
            "##reference=file:///staging/human/reference/hg38_alt_aware/hg38.fa",
            *_contigs(GRCH38, True, "hg38"), *MANTA_INFO, *MANTA_FORMAT,
            '##FILTER=<ID=MinSomaticScore,Description="Somatic score is less than 30">',
            '##ALT=<ID=BND,Description="Translocation Breakend">']
    return _vcf(meta, ["NORMAL", "TUMOUR"], _sort(rows, True))


# -- Ion Reporter / Oncomine fusion VCF, hg19 with chr ------------------------------------------
def ion(rng) -> str:
    def rec(chrom, pos, fid, alt_fn, info, filt="PASS", ref_base=None):
        ref = _base(rng)  # drawn even when the base is given, so the other records stay the same
        ref = ref_base or ref
        return [chrom, str(pos), fid, ref, alt_fn(ref), ".", filt, info, "GT:GQ", "./.:0"]

    def fusion_info(gene, exon, reads):
        rpm = round(reads / 1.9e6 * 1e6, 2)
        return (f"SVTYPE=Fusion;READ_COUNT={reads};GENE_NAME={gene};EXON_NUM={exon};RPM={rpm};"
                f"NORM_COUNT={round(reads / 2.1e5, 4)};FUNC=[{{'gene':'{gene}'}}]")

    alk_reads, ros1_reads, ntrk3_reads = (int(rng.integers(400, 2500)) for _ in range(3))
    erg_reads = int(rng.integers(50, 200))
    rows = [
        # EML4 exon 13 end (42522656) :: ALK exon 20 first base (29446394): both keep the left
        rec("chr2", 42522656, "EML4-ALK.E13A20_1", lambda r: _alt(r, "left", "chr2", 29446394, "left"),
            fusion_info("EML4", 13, alk_reads)),
        rec("chr2", 29446394, "EML4-ALK.E13A20_2", lambda r: _alt(r, "left", "chr2", 42522656, "left"),
            fusion_info("ALK", 20, alk_reads)),
        # CD74 exon 6 (minus, lowest base 149784243) :: ROS1 exon 34 classic (117645578)
        rec("chr5", 149784243, "CD74-ROS1.C6R34_1", lambda r: _alt(r, "right", "chr6", 117645578, "left"),
            fusion_info("CD74", 6, ros1_reads)),
        rec("chr6", 117645578, "CD74-ROS1.C6R34_2", lambda r: _alt(r, "left", "chr5", 149784243, "right"),
            fusion_info("ROS1", 34, ros1_reads)),
        # ETV6 exon 5 end (12022903) :: NTRK3 exon 15 (88483984): only the ETV6 end is written
        rec("chr12", 12022903, "ETV6-NTRK3.E5N15_1", lambda r: _alt(r, "left", "chr15", 88483984, "left"),
            fusion_info("ETV6", 5, ntrk3_reads)),
        # an assay with no reads: written, FILTER FAIL
        rec("chr10", 32317356, "KIF5B-RET.K15R12_1", lambda r: _alt(r, "right", "chr10", 43612032, "right"),
            fusion_info("KIF5B", 15, 0), filt="FAIL"),
        rec("chr10", 43612032, "KIF5B-RET.K15R12_2", lambda r: _alt(r, "right", "chr10", 32317356, "right"),
            fusion_info("RET", 12, 0), filt="FAIL"),
        # a fusion of no kinase of the rules
        rec("chr21", 42880008, "TMPRSS2-ERG.T1E4_1", lambda r: _alt(r, "right", "chr21", 39817544, "left"),
            fusion_info("TMPRSS2", 1, erg_reads)),
        rec("chr21", 39817544, "TMPRSS2-ERG.T1E4_2", lambda r: _alt(r, "left", "chr21", 42880008, "right"),
            fusion_info("ERG", 4, erg_reads)),
        # not fusions: exon skipping, expression control, 5'/3' imbalance
        rec("chr7", 116411708, "MET-MET.M13M15_1", lambda r: _alt(r, "left", "chr7", 116414935, "right"),
            f"SVTYPE=RNAExonVariant;READ_COUNT={int(rng.integers(0, 30))};GENE_NAME=MET;EXON_NUM=13"),
        rec("chr17", 37880978, "ERBB2.ExprControl", lambda r: "<ExprControl>",
            f"SVTYPE=ExprControl;READ_COUNT={int(rng.integers(3000, 9000))};GENE_NAME=ERBB2",
            ref_base="G"),  # inside the ERBB2 reference window: the real hg19 base
        rec("chr2", 29446394, "ALK.5p3pAssays", lambda r: "<5p3pAssays>",
            "SVTYPE=5p3pAssays;GENE_NAME=ALK;5P_3P_ASSAYS=0.21"),
    ]
    meta = [
        "##fileformat=VCFv4.1", '##source="tvc 5.0-9 (e5a0c91) - Torrent Variant Caller"',
        "##reference=/data/IR/data/.reference/hg19/hg19.fasta", *_contigs(GRCH37, True, "hg19"),
        "##IonReporterAnalysisName=Sample_42_RNA_fusions", "##IonReporterWorkflowName=Oncomine Focus - 520 - w2.4 - Fusions",
        "##OncomineVariantAnnotationToolVersion=2.2.7", "##FusionSampleOverallCall=POSITIVE", "##FusionSampleQC=PASS",
        f"##TotalMappedFusionPanelReads={int(rng.integers(1_500_000, 2_500_000))}",
        '##ALT=<ID=ExprControl,Description="Expression control assay">',
        '##ALT=<ID=5p3pAssays,Description="5\' 3\' imbalance assay">',
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
        '##INFO=<ID=READ_COUNT,Number=1,Type=Integer,Description="Number of reads supporting the fusion">',
        '##INFO=<ID=GENE_NAME,Number=.,Type=String,Description="Gene name">',
        '##INFO=<ID=EXON_NUM,Number=.,Type=String,Description="Exon number">',
        '##INFO=<ID=RPM,Number=1,Type=Float,Description="Reads per million mapped reads">',
        '##INFO=<ID=NORM_COUNT,Number=1,Type=Float,Description="Read count normalised to the expression controls">',
        # verbatim malformation seen in real Ion headers (Type=Float,String)
        '##INFO=<ID=NORM_COUNT_WITHIN_GENE,Number=1,Type=Float,String,Description="Normalised count within gene">',
        '##INFO=<ID=5P_3P_ASSAYS,Number=1,Type=Float,Description="5\' 3\' imbalance score">',
        '##INFO=<ID=FUNC,Number=.,Type=String,Description="Functional Annotations">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
    ]
    return _vcf(meta, ["Sample_42_RNA"], _sort(rows, True))


# -- Arriba fusions.tsv (v2 columns), GRCh38 without chr ----------------------------------------
ARRIBA_COLUMNS = ("#gene1 gene2 strand1(gene/fusion) strand2(gene/fusion) breakpoint1 breakpoint2 site1 site2 "
                  "type split_reads1 split_reads2 discordant_mates coverage1 coverage2 confidence "
                  "reading_frame tags retained_protein_domains closest_genomic_breakpoint1 "
                  "closest_genomic_breakpoint2 gene_id1 gene_id2 transcript_id1 transcript_id2 direction1 "
                  "direction2 filters fusion_transcript peptide_sequence read_identifiers").split()


def arriba(rng) -> str:
    def row(g1, g2, s1, s2, b1, b2, site1, site2, typ, conf, frame, tx1=".", tx2=".", d1="downstream",
            d2="upstream", reads=(10, 40)):
        sr1, sr2, disc = (int(rng.integers(*reads)) for _ in range(3))
        cov1, cov2 = (int(rng.integers(60, 400)) for _ in range(2))
        return [g1, g2, s1, s2, b1, b2, site1, site2, typ, sr1, sr2, disc, cov1, cov2, conf, frame, ".", ".",
                ".", ".", ".", ".", tx1, tx2, d1, d2, f"duplicates({int(rng.integers(0, 9))})", ".", ".", "."]

    rows = [
        # EML4 exon 13 end :: ALK exon 20 (RNA junction bases, GRCh38)
        row("EML4", "ALK", "+/+", "-/+", "2:42295516", "2:29223528", "splice-site", "splice-site",
            "inversion", "high", "in-frame", "ENST00000318522", "ENST00000389048"),
        # its reciprocal ALK exon 19 :: EML4 exon 14, weak
        row("ALK", "EML4", "-/-", "+/-", "2:29225461", "2:42301241", "splice-site", "splice-site",
            "inversion", "medium", ".", "ENST00000389048", "ENST00000318522", "upstream", "downstream", reads=(1, 5)),
        # KIF5B exon 15 :: RET exon 12
        row("KIF5B", "RET", "-/-", "+/-", "10:32028428", "10:43116584", "splice-site", "splice-site",
            "inversion", "high", "in-frame", "ENST00000302418", "ENST00000355710", "upstream", "upstream"),
        # CD74 exon 6 :: ROS1 exon 34 (classic numbering)
        row("CD74", "ROS1", "-/-", "-/-", "5:150404680", "6:117324415", "splice-site", "splice-site",
            "translocation", "high", "in-frame", "ENST00000009530", "ENST00000368508", "upstream", "downstream"),
        # ETV6 exon 5 :: NTRK3 exon 15 (S25 junction)
        row("ETV6", "NTRK3", "+/+", "-/+", "12:11869969", "15:87940753", "splice-site", "splice-site",
            "translocation", "high", "in-frame", "ENST00000396373", "ENST00000394480"),
        # an intergenic 5' end joined to RET exon 12
        row("LINC-A(15234),LINC-B(20011)", "RET", "./+", "+/+", "10:44021877", "10:43116584", "intergenic",
            "splice-site", "deletion/read-through", "medium", ".", ".", "ENST00000355710", reads=(3, 9)),
        # ALK exon 20 joined to ALK exon 29 inside ALK (an intragenic deletion)
        row("ALK", "ALK", "-/-", "-/-", "2:29223528", "2:29193480", "splice-site", "splice-site",
            "deletion", "high", "in-frame", "ENST00000389048", "ENST00000389048", "upstream", "downstream"),
        # low confidence TPM3 :: NTRK1: left out
        row("TPM3", "NTRK1", "-/-", "+/-", "1:154170400", "1:156874571", "splice-site", "splice-site",
            "translocation", "low", "in-frame", "ENST00000368530", "ENST00000524377", reads=(1, 3)),
        # no kinase of the rules
        row("TMPRSS2", "ERG", "-/-", "-/-", "21:41508081", "21:38445621", "splice-site", "splice-site",
            "deletion/read-through", "high", "in-frame"),
    ]
    lines = ["\t".join(ARRIBA_COLUMNS), *("\t".join(str(c) for c in r) for r in rows)]
    return "\n".join(lines) + "\n"


# -- STAR-Fusion predictions (abridged + coding effect), GRCh37 with chr ------------------------
STAR_COLUMNS = ("#FusionName JunctionReadCount SpanningFragCount est_J est_S SpliceType LeftGene "
                "LeftBreakpoint RightGene RightBreakpoint LargeAnchorSupport FFPM LeftBreakDinuc "
                "LeftBreakEntropy RightBreakDinuc RightBreakEntropy annots CDS_LEFT_ID CDS_LEFT_RANGE "
                "CDS_RIGHT_ID CDS_RIGHT_RANGE PROT_FUSION_TYPE FUSION_MODEL FUSION_CDS FUSION_TRANSL "
                "PFAM_LEFT PFAM_RIGHT").split()


def star_fusion(rng) -> str:
    def row(name, left, lbp, right, rbp, splice, effect, annots):
        j, s = int(rng.integers(5, 90)), int(rng.integers(0, 40))
        ffpm = round((j + s) / 21.4, 4)
        return [name, j, s, f"{j:.2f}", f"{s:.2f}", splice, left, lbp, right, rbp, "YES_LDAS", ffpm, "GT",
                round(float(rng.uniform(1.5, 2.0)), 4), "AG", round(float(rng.uniform(1.5, 2.0)), 4), annots,
                ".", ".", ".", ".", effect, ".", ".", ".", ".", "."]

    rows = [
        row("EML4--ALK", "EML4^ENSG-EML4", "chr2:42522656:+", "ALK^ENSG-ALK", "chr2:29446394:-",
            "ONLY_REF_SPLICE", "INFRAME", '["Mitelman","chimerdb_pubmed","INTRACHROMOSOMAL[chr2:12.86Mb]"]'),
        # SLC34A2 is no gene of the rules: named by the caller (its position is invented)
        row("SLC34A2--ROS1", "SLC34A2^ENSG-SLC34A2", "chr4:25665950:+", "ROS1^ENSG-ROS1", "chr6:117645578:-",
            "ONLY_REF_SPLICE", "INFRAME", '["Mitelman","INTERCHROMOSOMAL[chr4--chr6]"]'),
        # TPM3 exon 8 (minus, lowest base 154142876) :: NTRK1 exon 10 (156844363)
        row("TPM3--NTRK1", "TPM3^ENSG-TPM3", "chr1:154142876:-", "NTRK1^ENSG-NTRK1", "chr1:156844363:+",
            "ONLY_REF_SPLICE", "INFRAME", '["Mitelman","INTRACHROMOSOMAL[chr1:2.68Mb]"]'),
        row("TMPRSS2--ERG", "TMPRSS2^ENSG-TMPRSS2", "chr21:42880008:-", "ERG^ENSG-ERG", "chr21:39817544:-",
            "ONLY_REF_SPLICE", "INFRAME", '["Mitelman","INTRACHROMOSOMAL[chr21:3.06Mb]"]'),
    ]
    lines = ["\t".join(STAR_COLUMNS), *("\t".join(str(c) for c in r) for r in rows)]
    return "\n".join(lines) + "\n"


# -- a table this version does not read (FusionCatcher-style columns) ---------------------------
def unknown_columns() -> str:
    cols = ["Gene_1_symbol(5end_fusion_partner)", "Gene_2_symbol(3end_fusion_partner)", "Fusion_description",
            "Counts_of_common_mapping_reads", "Spanning_pairs", "Spanning_unique_reads",
            "Fusion_point_for_gene_1(5end_fusion_partner)", "Fusion_point_for_gene_2(3end_fusion_partner)"]
    row = ["EML4", "ALK", "known,oncogene", "0", "12", "31", "2:42522656:+", "2:29446394:-"]
    return "\t".join(cols) + "\n" + "\t".join(row) + "\n"


FILES = {
    "manta_eml4_alk_kif5b_ret.GRCh38.chr.vcf": lambda rng: manta(rng, "GRCh38", True),
    "manta_eml4_alk_kif5b_ret.GRCh37.vcf": lambda rng: manta(rng, "GRCh37", False),
    "dragen_sv_somatic.GRCh38.vcf": dragen,
    "ion_oncomine_fusions.hg19.vcf": ion,
    "arriba_fusions.GRCh38.tsv": arriba,
    "star_fusion.fusion_predictions.abridged.coding_effect.GRCh37.tsv": star_fusion,
    "fusions_unknown_columns.tsv": lambda rng: unknown_columns(),
}


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "fixtures" / "fusions"
    out.mkdir(parents=True, exist_ok=True)
    for name, make in FILES.items():
        rng = np.random.default_rng([SEED, sum(map(ord, name))])  # one stream per file: files stay independent
        (out / name).write_text(make(rng))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
