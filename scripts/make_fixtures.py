#!/usr/bin/env python3
"""Write the caller-dialect VCF fixtures in fixtures/vcf/ (deterministic: seeded, fixed dates).

One file per dialect, in the header and record shapes each caller writes (per its documentation and public files),
carrying ERBB2 events whose REF bases come from fixtures/erbb2_catalog (catalog VCFs) and the
rules' GRCh37 windows; GRCh38 = GRCh37 + 1,843,747). Read counts are invented but self-consistent, and the
expected values in tests/vcf/test_support.py are computed from the numbers written here.

Bases outside the ERBB2 windows (the Ion file's thousands of hotspot rows on other chromosomes,
EGFR L858R) are not checked against a reference; they are there for their shape, not their bases.

Usage: python scripts/make_fixtures.py [OUT_DIR]   (default: fixtures/vcf next to this script)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "fixtures" / "erbb2_catalog"
SEED = 20240517
GRCH38_OFFSET = 1_843_747

GRCH37 = {
    "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
    "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
    "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
    "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
    "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566, "MT": 16569,
}
GRCH38 = {
    "chr1": 248956422, "chr2": 242193529, "chr3": 198295559, "chr4": 190214555,
    "chr5": 181538259, "chr6": 170805979, "chr7": 159345973, "chr8": 145138636,
    "chr9": 138394717, "chr10": 133797422, "chr11": 135086622, "chr12": 133275309,
    "chr13": 114364328, "chr14": 107043718, "chr15": 101991189, "chr16": 90338345,
    "chr17": 83257441, "chr18": 80373285, "chr19": 58617616, "chr20": 64444167,
    "chr21": 46709983, "chr22": 50818468, "chrX": 156040895, "chrY": 57227415, "chrM": 16569,
}
HG19 = {("chrM" if k == "MT" else f"chr{k}"): (16571 if k == "MT" else v) for k, v in GRCH37.items()}


# -- reference bases ------------------------------------------------------------------------------
def load_windows() -> dict[int, str]:
    """GRCh37 reference windows (start -> bases) from the project's rules."""
    import yaml

    rules = yaml.safe_load((ROOT / "rules" / "transcripts.yaml").read_text())
    return {w["start"]: w["sequence"] for w in rules["genes"]["ERBB2"]["builds"]["GRCh37"]["windows"]}


WINDOWS = load_windows()


def in_windows(pos: int, n: int = 1) -> bool:
    return any(start <= pos and pos + n <= start + len(seq) for start, seq in WINDOWS.items())


def ref37(pos: int, n: int = 1) -> str:
    """GRCh37 chr17 bases [pos, pos+n) from the windows; fails loudly outside them."""
    for start, seq in WINDOWS.items():
        if start <= pos and pos + n <= start + len(seq):
            return seq[pos - start:pos - start + n]
    raise SystemExit(f"17:{pos}+{n} is outside the reference windows")


def catalog() -> dict[str, tuple[int, str, str]]:
    """GRCh37 catalog events by name (several DNA forms of one name keep the first)."""
    out: dict[str, tuple[int, str, str]] = {}
    for line in (CATALOG / "catalog.GRCh37.vcf").read_text().splitlines():
        if line.startswith("#"):
            continue
        _chrom, pos, name, ref, alt = line.split("\t")[:5]
        out.setdefault(name, (int(pos), ref, alt))
    return out


CAT = catalog()


def event(name: str) -> tuple[int, str, str]:
    """A catalog event, its REF re-checked against the windows where they cover it."""
    pos, ref, alt = CAT[name]
    if in_windows(pos, len(ref)) and ref37(pos, len(ref)) != ref:
        raise SystemExit(f"{name}: catalog REF {ref} differs from the reference windows")
    return pos, ref, alt


# -- header helpers ---------------------------------------------------------------------------------
def contigs(lengths: dict[str, int], assembly: str | None = None) -> list[str]:
    extra = f",assembly={assembly}" if assembly else ""
    return [f"##contig=<ID={k},length={v}{extra}>" for k, v in lengths.items()]


def info(id_: str, number: str, type_: str, desc: str) -> str:
    return f'##INFO=<ID={id_},Number={number},Type={type_},Description="{desc}">'


def fmt(id_: str, number: str, type_: str, desc: str) -> str:
    return f'##FORMAT=<ID={id_},Number={number},Type={type_},Description="{desc}">'


def filt(id_: str, desc: str) -> str:
    return f'##FILTER=<ID={id_},Description="{desc}">'


def chrom_line(samples: list[str]) -> str:
    cols = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
    if samples:
        cols += ["FORMAT", *samples]
    return "\t".join(cols)


def row(chrom: str, pos: int, ref: str, alt: str, qual: str, filt_: str, info_: str,
        format_: str | None = None, *samples: str, id_: str = ".") -> str:
    cols = [chrom, str(pos), id_, ref, alt, qual, filt_, info_]
    if format_ is not None:
        cols += [format_, *samples]
    return "\t".join(cols)


def write(out: Path, name: str, header: list[str], records: list[str]) -> Path:
    path = out / name
    path.write_text("\n".join(header + records) + "\n", encoding="utf-8", newline="\n")
    return path


# -- GATK shared lines ----------------------------------------------------------------------------
MUTECT2_FORMAT = [
    fmt("AD", "R", "Integer", "Allelic depths for the ref and alt alleles in the order listed"),
    fmt("AF", "A", "Float", "Allele fractions of alternate alleles in the tumor"),
    fmt("DP", "1", "Integer", "Approximate read depth (reads with MQ=255 or with bad mates are filtered)"),
    fmt("F1R2", "R", "Integer", "Count of reads in F1R2 pair orientation supporting each allele"),
    fmt("F2R1", "R", "Integer", "Count of reads in F2R1 pair orientation supporting each allele"),
    fmt("GT", "1", "String", "Genotype"),
    fmt("SB", "4", "Integer", "Per-sample component statistics which comprise the Fisher's Exact Test to detect strand bias."),
]
MUTECT2_FILTERS = [
    filt("PASS", "All filters passed"),
    filt("clustered_events", "Clustered events observed in the tumor"),
    filt("germline", "Evidence indicates this site is germline, not somatic"),
    filt("multiallelic", "Site filtered because too many alt alleles pass tumor LOD"),
    filt("normal_artifact", "artifact_in_normal"),
    filt("strand_bias", "Evidence for alt allele comes from one read direction only"),
    filt("weak_evidence", "Mutation does not meet likelihood threshold"),
]
MUTECT2_INFO = [
    info("AS_SB_TABLE", "1", "String", "Allele-specific forward/reverse read counts for strand bias tests. Includes the reference and alleles separated by |."),
    info("DP", "1", "Integer", "Approximate read depth; some reads may have been filtered"),
    info("ECNT", "1", "Integer", "Number of events in this haplotype"),
    info("GERMQ", "1", "Integer", "Phred-scaled quality that alt alleles are not germline variants"),
    info("MBQ", "R", "Integer", "median base quality by allele"),
    info("MFRL", "R", "Integer", "median fragment length by allele"),
    info("MMQ", "R", "Integer", "median mapping quality by allele"),
    info("MPOS", "A", "Integer", "median distance from end of read"),
    info("NALOD", "A", "Float", "Negative log 10 odds of artifact in normal with same allele fraction as tumor"),
    info("NLOD", "A", "Float", "Normal log 10 likelihood ratio of diploid het or hom alt genotypes"),
    info("POPAF", "A", "Float", "negative log 10 population allele frequencies of alt alleles"),
    info("TLOD", "A", "Float", "Log 10 likelihood ratio score of variant existing versus not existing"),
]


def gatk_line(tool: str, args: str, version: str = "4.2.6.1") -> str:
    return (f'##GATKCommandLine=<ID={tool},CommandLine="{tool} {args}",Version="{version}",'
            f'Date="March 3, 2023 9:58:02 AM UTC">')


def m2_info(n_alt: int, dp: int, tlod: list[float]) -> str:
    a = lambda v: ",".join([v] * n_alt)  # noqa: E731 - per-allele filler
    r = lambda v: ",".join([v] * (n_alt + 1))  # noqa: E731
    return (f"AS_SB_TABLE=90,95|20,21;DP={dp};ECNT=1;GERMQ=93;MBQ={r('20')};MFRL={r('181')};"
            f"MMQ={r('60')};MPOS={a('27')};NALOD={a('2.11')};NLOD={a('30.10')};POPAF={a('6.00')};"
            f"TLOD={','.join(f'{t:.2f}' for t in tlod)}")


# -- 1. Mutect2 tumour/normal, GRCh38 ---------------------------------------------------------------
def mutect2(out: Path) -> Path:
    header = [
        "##fileformat=VCFv4.2", *MUTECT2_FILTERS, *MUTECT2_FORMAT,
        gatk_line("FilterMutectCalls", "--output PT001.filtered.vcf.gz --variant PT001.unfiltered.vcf.gz "
                  "--reference Homo_sapiens_assembly38.fasta --stats PT001.unfiltered.vcf.gz.stats"),
        gatk_line("Mutect2", "--normal-sample PT001_N --output PT001.unfiltered.vcf.gz --intervals "
                  "panel.GRCh38.interval_list --input PT001_T.bam --input PT001_N.bam "
                  "--reference Homo_sapiens_assembly38.fasta"),
        *MUTECT2_INFO, "##MutectVersion=2.2", *contigs(GRCH38),
        "##filtering_status=These calls have been filtered by FilterMutectCalls to label false "
        "positives with a list of failed filters and true positives with PASS.",
        "##normal_sample=PT001_N", "##source=FilterMutectCalls", "##source=Mutect2",
        "##tumor_sample=PT001_T", chrom_line(["PT001_N", "PT001_T"]),
    ]
    f = "GT:AD:AF:DP:F1R2:F2R1:SB"
    o = GRCH38_OFFSET
    s310 = event("p.S310F")
    yvma = event("p.Y772_A775dup")
    g776c = event("p.G776C")
    g776vc = CAT["p.G776delinsVC"]  # G GTCT
    v777l = event("p.V777L")
    assert g776c[0] == g776vc[0] and g776c[1] == g776vc[1]
    records = [
        # EGFR L858R: the co-driver the cohort stage looks for; REF per GRCh38 chr7:55191822.
        row("chr7", 55191822, "T", "G", ".", "PASS", m2_info(1, 612, [210.4]), f,
            "0/0:301,0:0.003:303:150,0:151,0:150,151,0,0",
            "0/1:228,80:0.262:309:110,41:118,39:110,118,40,40"),
        # S310F: Mutect2's AF (0.044) is not AD_alt/DP (44/1163 = 0.0378), as in gatk#7016.
        row("chr17", s310[0] + o, s310[1], s310[2], ".", "PASS", m2_info(1, 1420, [98.61]), f,
            "0/0:250,0:0.004:252:125,0:125,0:120,130,0,0",
            "0/1:1106,44:0.044:1163:550,22:556,22:540,566,21,23"),
        # YVMA duplication, left-aligned as the caller writes it.
        row("chr17", yvma[0] + o, yvma[1], yvma[2], ".", "PASS", m2_info(1, 720, [250.12]), f,
            "0/0:201,0:0.005:204:100,0:101,0:98,103,0,0",
            "0/1:412,96:0.191:515:205,47:207,49:200,212,45,51"),
        # Two alleles at G776 in one record: 0/1/2, Number=A/R arrays indexed per allele.
        row("chr17", g776c[0] + o, g776c[1], f"{g776vc[2]},{g776c[2]}", ".", "multiallelic",
            m2_info(2, 480, [80.21, 20.05]), f,
            "0/0:120,0,0:0.008,0.008:121:60,0,0:60,0,0:58,62,0,0",
            "0/1/2:300,41,12:0.116,0.036:358:150,20,6:150,21,6:148,152,27,26"),
        # V777L with little support, failed by FilterMutectCalls.
        row("chr17", v777l[0] + o, v777l[1], v777l[2], ".", "weak_evidence", m2_info(1, 610, [3.12]), f,
            "0/0:198,0:0.005:199:99,0:99,0:97,101,0,0",
            "0/1:402,3:0.009:407:200,2:202,1:199,203,1,2"),
    ]
    return write(out, "mutect2_tumor_normal.GRCh38.vcf", header, records)


# -- 2. Strelka2 somatic snvs + indels, GRCh37 -----------------------------------------------------
def strelka_header(content: str) -> list[str]:
    return [
        "##fileformat=VCFv4.1", filt("PASS", "All filters passed"), "##fileDate=20230315",
        "##source=strelka", "##source_version=2.9.10", "##startTime=Wed Mar 15 09:12:44 2023",
        "##cmdline=/opt/strelka/bin/configureStrelkaSomaticWorkflow.py --normalBam PT002_N.bam "
        "--tumorBam PT002_T.bam --referenceFasta human_g1k_v37_decoy.fasta --exome "
        "--callRegions panel.GRCh37.bed.gz --runDir strelka_PT002",
        "##reference=file:///ref/human_g1k_v37_decoy.fasta", *contigs(GRCH37),
        f"##content=strelka somatic {content} calls",
    ]


def strelka_snvs(out: Path) -> Path:
    header = strelka_header("snv") + [
        "##priorSomaticSnvRate=0.0001",
        info("QSS", "1", "Integer", "Quality score for any somatic snv, ie. for the ALT allele to be present at a significantly different frequency in the tumor and normal"),
        info("TQSS", "1", "Integer", "Data tier used to compute QSS"),
        info("NT", "1", "String", "Genotype of the normal in all data tiers, as used to classify somatic variants. One of {ref,het,hom,conflict}."),
        info("QSS_NT", "1", "Integer", "Quality score reflecting the joint probability of a somatic variant and NT"),
        info("TQSS_NT", "1", "Integer", "Data tier used to compute QSS_NT"),
        info("SGT", "1", "String", "Most likely somatic genotype excluding normal noise states"),
        info("SOMATIC", "0", "Flag", "Somatic mutation"),
        info("DP", "1", "Integer", "Combined depth across samples"),
        info("MQ", "1", "Float", "RMS Mapping Quality"),
        info("MQ0", "1", "Integer", "Total Mapping Quality Zero Reads"),
        info("ReadPosRankSum", "1", "Float", "ReadPosRankSum in the tumor"),
        info("SNVSB", "1", "Float", "Somatic SNV site strand bias"),
        info("SomaticEVS", "1", "Float", "Somatic Empirical Variant Score (EVS) expressing the phred-scaled probability of the call being a false positive observation."),
        fmt("DP", "1", "Integer", "Read depth for tier1 (used+filtered)"),
        fmt("FDP", "1", "Integer", "Number of basecalls filtered from original read depth for tier1"),
        fmt("SDP", "1", "Integer", "Number of reads with deletions spanning this site at tier1"),
        fmt("SUBDP", "1", "Integer", "Number of reads below tier1 mapping quality threshold aligned across this site"),
        *[fmt(f"{b}U", "2", "Integer", f"Number of '{b}' alleles used in tiers 1,2") for b in "ACGT"],
        filt("LowEVS", "Somatic Empirical Variant Score (SomaticEVS) is below threshold"),
        filt("LowDepth", "Tumor or normal sample read depth at this locus is below 2"),
        chrom_line(["NORMAL", "TUMOR"]),
    ]
    f = "DP:FDP:SDP:SUBDP:AU:CU:GU:TU"
    l755s, d769y = event("p.L755S"), event("p.D769Y")
    records = [
        # L755S: tier-1 counts (first of each pair) differ from tier 2 on purpose.
        row("17", l755s[0], l755s[1], l755s[2], ".", "PASS",
            "SOMATIC;QSS=107;TQSS=1;NT=ref;QSS_NT=107;TQSS_NT=1;SGT=TT->CT;DP=330;MQ=60.00;MQ0=0;"
            "ReadPosRankSum=0.41;SNVSB=0.00;SomaticEVS=19.84", f,
            "88:0:0:0:0,0:0,0:0,0:88,90", "240:1:0:0:0,0:61,66:0,0:178,185"),
        row("17", d769y[0], d769y[1], d769y[2], ".", "LowEVS",
            "SOMATIC;QSS=9;TQSS=2;NT=ref;QSS_NT=9;TQSS_NT=2;SGT=GG->GT;DP=226;MQ=59.71;MQ0=0;"
            "ReadPosRankSum=-1.20;SNVSB=2.10;SomaticEVS=3.02", f,
            "71:0:0:0:0,0:0,0:70,71:0,0", "155:1:0:0:0,0:0,0:150,158:4,9"),
    ]
    return write(out, "strelka2_somatic.snvs.GRCh37.vcf", header, records)


def strelka_indels(out: Path) -> Path:
    header = strelka_header("indel") + [
        "##priorSomaticIndelRate=1e-06",
        info("QSI", "1", "Integer", "Quality score for any somatic variant, ie. for the ALT haplotype to be present at a significantly different frequency in the tumor and normal"),
        info("TQSI", "1", "Integer", "Data tier used to compute QSI"),
        info("NT", "1", "String", "Genotype of the normal in all data tiers, as used to classify somatic variants. One of {ref,het,hom,conflict}."),
        info("QSI_NT", "1", "Integer", "Quality score reflecting the joint probability of a somatic variant and NT"),
        info("TQSI_NT", "1", "Integer", "Data tier used to compute QSI_NT"),
        info("SGT", "1", "String", "Most likely somatic genotype excluding normal noise states"),
        info("MQ", "1", "Float", "RMS Mapping Quality"),
        info("MQ0", "1", "Integer", "Total Mapping Quality Zero Reads"),
        info("RU", "1", "String", "Smallest repeating sequence unit in inserted or deleted sequence"),
        info("RC", "1", "Integer", "Number of times RU repeats in the reference allele"),
        info("IC", "1", "Integer", "Number of times RU repeats in the indel allele"),
        info("IHP", "1", "Integer", "Largest reference interrupted homopolymer length intersecting with the indel"),
        info("SOMATIC", "0", "Flag", "Somatic mutation"),
        info("OVERLAP", "0", "Flag", "Somatic indel possibly overlaps a second indel."),
        info("SomaticEVS", "1", "Float", "Somatic Empirical Variant Score (EVS) expressing the phred-scaled probability of the call being a false positive observation."),
        fmt("DP", "1", "Integer", "Read depth for tier1"),
        fmt("DP2", "1", "Integer", "Read depth for tier2"),
        # Strelka's own wording: TAR is the non-indel ("alternate to the indel") count.
        fmt("TAR", "2", "Integer", "Reads strongly supporting alternate allele for tiers 1,2"),
        fmt("TIR", "2", "Integer", "Reads strongly supporting indel allele for tiers 1,2"),
        fmt("TOR", "2", "Integer", "Other reads (weak support or insufficient indel breakpoint overlap) for tiers 1,2"),
        fmt("DP50", "1", "Float", "Average tier1 read depth within 50 bases"),
        fmt("FDP50", "1", "Float", "Average tier1 number of basecalls filtered from original read depth within 50 bases"),
        fmt("SUBDP50", "1", "Float", "Average number of reads below tier1 mapping quality threshold aligned across sites within 50 bases"),
        fmt("BCN50", "1", "Float", "Fraction of filtered reads within 50 bases of the indel."),
        filt("LowEVS", "Somatic Empirical Variant Score (SomaticEVS) is below threshold"),
        filt("LowDepth", "Tumor or normal sample read depth at this locus is below 2"),
        chrom_line(["NORMAL", "TUMOR"]),
    ]
    f = "DP:DP2:TAR:TIR:TOR:DP50:FDP50:SUBDP50:BCN50"
    dup = event("p.G778_P780dup")
    records = [
        row("17", dup[0], dup[1], dup[2], ".", "PASS",
            "SOMATIC;QSI=56;TQSI=1;NT=ref;QSI_NT=56;TQSI_NT=1;SGT=ref->het;MQ=60.00;MQ0=0;"
            "RU=GGCTCCCCA;RC=1;IC=2;IHP=3;SomaticEVS=14.62", f,
            "75:75:74,76:0,0:1,2:73.40:0.00:0.00:0.00", "212:212:140,151:52,57:18,20:205.30:0.40:0.00:0.01"),
    ]
    return write(out, "strelka2_somatic.indels.GRCh37.vcf", header, records)


# -- 3. VarDict paired, GRCh37 ------------------------------------------------------------------------
VARDICT_INFO = [
    info("SAMPLE", "1", "String", "Sample name (with whitespace translated to underscores)"),
    info("TYPE", "1", "String", "Variant Type: SNV Insertion Deletion Complex"),
    info("DP", "1", "Integer", "Total Depth"),
    # VarDict declares END; a reader that calls every file with END a gVCF is wrong here.
    info("END", "1", "Integer", "Chr End Position"),
    info("VD", "1", "Integer", "Variant Depth"),
    info("AF", "1", "Float", "Allele Frequency"),
    info("SHIFT3", "1", "Integer", "No. of bases to be shifted to 3 prime for deletions due to alternative alignment"),
    info("MSI", "1", "Float", "MicroSatellite. > 1 indicates MSI"),
    info("MSILEN", "1", "Float", "MicroSatellite unit length in bp"),
    info("SSF", "1", "Float", "P-value"),
    info("SOR", "1", "Float", "Odds ratio"),
    info("LSEQ", "G", "String", "5' flanking seq"),
    info("RSEQ", "G", "String", "3' flanking seq"),
]
VARDICT_FORMAT = [
    fmt("GT", "1", "String", "Genotype"),
    fmt("DP", "1", "Integer", "Total Depth"),
    fmt("VD", "1", "Integer", "Variant Depth"),
    fmt("AD", "R", "Integer", "Allelic depths for the ref and alt alleles in the order listed"),
    fmt("AF", "1", "Float", "Allele Frequency"),
    fmt("RD", "2", "Integer", "Reference forward, reverse reads"),
    fmt("ALD", "2", "Integer", "Variant forward, reverse reads"),
]


def flanks(pos: int, ref: str) -> str:
    return f"LSEQ={ref37(pos - 20, 20)};RSEQ={ref37(pos + len(ref), 20)}"


def vardict(out: Path) -> Path:
    header = [
        "##fileformat=VCFv4.2", "##source=VarDict_v1.8.2",
        "##reference=/ref/human_g1k_v37_decoy.fasta", *contigs(GRCH37), *VARDICT_INFO,
        info("STATUS", "1", "String", "Somatic or germline status"),
        filt("PASS", "Accept as a confident somatic mutation"),
        filt("q22.5", "Mean Base Quality Below 22.5"), filt("Q10", "Mean Mapping Quality Below 10"),
        filt("d3", "Total Depth < 3"), filt("v2", "Var Depth < 2"),
        filt("f0.01", "Allele frequency < 0.01"), filt("Bias", "Strand Bias"),
        filt("REJECT", "Not Somatic via Fisher Exact Test"), *VARDICT_FORMAT,
        chrom_line(["PT003_T", "PT003_N"]),
    ]
    f = "GT:DP:VD:AD:AF:RD:ALD"
    s310 = event("p.S310F")
    i655v = event("p.I655V")
    records = [
        # AF = VD/DP as VarDict computes it; DP (483) exceeds sum(AD) (480) by other-allele reads.
        row("17", s310[0], s310[1], s310[2], "222", "PASS",
            f"STATUS=StrongSomatic;SAMPLE=PT003_T;TYPE=SNV;DP=483;VD=96;AF=0.1988;SHIFT3=0;"
            f"MSI=2.000;MSILEN=1.000;SSF=0.0000;SOR=26.71;{flanks(s310[0], s310[1])}", f,
            "0/1:483:96:384,96:0.1988:190,194:48,48", "0/0:210:0:210,0:0:104,106:0,0"),
        row("17", i655v[0], i655v[1], i655v[2], "180", "PASS",
            "STATUS=Germline;SAMPLE=PT003_T;TYPE=SNV;DP=350;VD=171;AF=0.4886;SHIFT3=0;MSI=1.000;"
            "MSILEN=1.000;SSF=0.9871;SOR=1.02", f,
            "0/1:350:171:179,171:0.4886:90,89:86,85", "0/1:180:88:92,88:0.4889:46,46:44,44"),
    ]
    return write(out, "vardict_paired.GRCh37.vcf", header, records)


# -- 4. Ion Reporter / Oncomine, hg19 ------------------------------------------------------------------
ION_HEADER = [
    "##fileformat=VCFv4.1", "##fileDate=20190312",
    '##source="tvc 5.0-9 (e5a0c91) - Torrent Variant Caller"',
    "##reference=/data/IR/data/.reference/hg19/hg19.fasta",
    *contigs(HG19, "hg19"),
    '##ALT=<ID=CNV,Description="Copy number variable region">',
    "##AssumedGender=m", "##CellularityAsAFractionBetween0-1=1.000000", "##DiploidCopyNumber=2.0",
    "##mapd=0.239", "##percent_aligned_reads=98.02", "##percent_non_zero_amplicons=99.96",
    "##total_read_count=4790155", "##IonReporterExportVersion=0.1.5",
    "##OncomineVariantAnnotationToolVersion=2.2.7",
    info("AF", "A", "Float", "Allele frequency based on Flow Evaluator observation counts"),
    info("AO", "A", "Integer", "Alternate allele observations"),
    info("CDF_MAPD", ".", "String", "Cumulative distribution function of the MAPD-adjusted copy number"),
    info("CI", ".", "String", "confidence: CN value is adjusted for Cellularity given REF_CN"),
    info("DP", "1", "Integer", "Total read depth at the locus"),
    info("END", "1", "Integer", "End position of the variant described in this record"),
    info("FAO", "A", "Integer", "Flow Evaluator Alternate allele observations"),
    info("FDP", "1", "Integer", "Flow Evaluator read depth at the locus"),
    info("FR", ".", "String", "Reason why the variant was filtered."),
    info("FRO", "1", "Integer", "Flow Evaluator Reference allele observations"),
    info("FUNC", ".", "String", "Functional Annotations"),
    info("HRUN", "A", "Integer", "Run length: the number of consecutive repeats of the alternate allele in the reference genome"),
    info("HS", "0", "Flag", "Indicate it is at a hot spot"),
    info("LEN", ".", "Integer", "Length of Allele or Copy Number Segment"),
    info("NUMTILES", "1", "Integer", "Number of tiles in the Copy Number Segment described in this record"),
    info("PRECISE", ".", "String", "TRUE or FALSE value to indicate Precise or Imprecise structural variation"),
    info("RAW_CN", "1", "Float", "CN unadjusted for cellularity or diploid value adjustment"),
    info("REF_CN", "1", "Float", "Reference CN in normal DNA expected in this sample"),
    info("RO", "1", "Integer", "Reference allele observations"),
    info("SD", "1", "Float", "The standard deviation of the values used to calculate the CN estimate."),
    info("SVTYPE", "1", "String", "Type of structural variant"),
    info("TYPE", "A", "String", "The type of allele, either snp, mnp, ins, del, or complex."),
    # The real OCA header declares FR twice with different Number values.
    info("FR", "1", "String", "Reason why the variant was filtered."),
    filt("NOCALL", "Generic filter. Filtering details stored in FR info tag."),
    fmt("AF", "A", "Float", "Allele frequency based on Flow Evaluator observation counts"),
    fmt("AO", "A", "Integer", "Alternate allele observation count"),
    fmt("CN", "1", "Float", "Copy number genotype for imprecise events"),
    fmt("DP", "1", "Integer", "Read Depth"),
    fmt("FAO", "A", "Integer", "Flow Evaluator Alternate allele observation count"),
    fmt("FDP", "1", "Integer", "Flow Evaluator Read Depth"),
    fmt("FRO", "1", "Integer", "Flow Evaluator Reference allele observation count"),
    fmt("GQ", "1", "Integer", "Genotype Quality, the Phred-scaled marginal (or unconditional) probability of the called genotype"),
    fmt("GT", "1", "String", "Genotype"),
    fmt("RO", "1", "Integer", "Reference allele observation count"),
]
ION_SAMPLE = "PT004_IonXpress_079"
ION_FORMAT = "GT:GQ:DP:FDP:RO:FRO:AO:FAO:AF"


def ion_small(chrom: str, pos: int, ref: str, alts: list[str], gt: str, dp: int, fdp: int,
              ao: list[int], fao: list[int], filt_: str = "PASS", func: str = "",
              fr: str = ".") -> str:
    n = len(alts)
    ro, fro = dp - sum(ao), fdp - sum(fao)
    af = [f"{x / fdp:.4f}".rstrip("0").rstrip(".") if x else "0" for x in fao]
    types = ["snp" if len(a) == len(ref) == 1 else ("ins" if len(a) > len(ref) else
             ("del" if len(a) < len(ref) else "mnp")) for a in alts]
    lens = [str(max(len(a), len(ref)) - (1 if len(a) != len(ref) else 0)) for a in alts]
    join = ",".join
    info_ = (f"AF={join(af)};AO={join(map(str, ao))};DP={dp};FAO={join(map(str, fao))};FDP={fdp};"
             f"FR={fr};FRO={fro};HRUN={join(['1'] * n)};HS;LEN={join(lens)};RO={ro};TYPE={join(types)}")
    if func:
        info_ += f";FUNC={func}"
    qual = "0.0" if gt in ("0/0", "./.") else "1520.3"
    gq = "99" if gt != "./." else "0"
    sample = f"{gt}:{gq}:{dp}:{fdp}:{ro}:{fro}:{join(map(str, ao))}:{join(map(str, fao))}:{join(af)}"
    return row(chrom, pos, ref, join(alts), qual, filt_, info_, ION_FORMAT, sample)


def ion(out: Path) -> Path:
    rng = np.random.default_rng(SEED)
    bases = np.array(list("ACGT"))
    rows: list[tuple[int, int, str]] = []  # (contig order, pos, text) to sort
    order = {c: i for i, c in enumerate(HG19)}
    chroms = [c for c in HG19 if c not in ("chrY", "chrM")]
    lengths = np.array([HG19[c] for c in chroms], dtype=float)
    n_rows = 2240
    picks = rng.choice(len(chroms), size=n_rows, p=lengths / lengths.sum())
    seen: set[tuple[str, int]] = set()
    for k in picks:
        chrom = chroms[int(k)]
        pos = int(rng.integers(1_000_000, HG19[chrom] - 1_000_000))
        if (chrom == "chr17" and 37_800_000 <= pos <= 37_900_000) or (chrom, pos) in seen:
            continue  # keep ERBB2 for the hand-written rows below
        seen.add((chrom, pos))
        ref = str(rng.choice(bases))
        others = [b for b in "ACGT" if b != ref]
        kind = rng.random()
        if kind < 0.12:  # multi-allelic hotspot row, e.g. G A,T with AF=0,0
            alts = [str(a) for a in rng.choice(others, size=2, replace=False)]
        elif kind < 0.20:  # insertion hotspot
            alts = [ref + "".join(rng.choice(bases, size=int(rng.integers(1, 4))))]
        else:
            alts = [str(rng.choice(others))]
        fdp = int(rng.integers(300, 3000))
        dp = fdp + int(rng.integers(0, 40))
        rows.append((order[chrom], pos, ion_small(chrom, pos, ref, alts, "0/0", dp, fdp,
                                                 [0] * len(alts), [0] * len(alts))))

    # ERBB2 rows (hg19, chr17): hotspot sites with coverage but no variant, one NOCALL, one call.
    def add(pos: int, line: str) -> None:
        rows.append((order["chr17"], pos, line))

    s310f, s310y = event("p.S310F"), event("p.S310Y")
    add(s310f[0], ion_small("chr17", s310f[0], s310f[1], [s310f[2], s310y[2]], "0/0", 1210, 1188,
                            [0, 0], [0, 0]))
    l755s = event("p.L755S")
    add(l755s[0], ion_small("chr17", l755s[0], l755s[1], [l755s[2]], "0/0", 980, 962, [1], [0]))
    yvma = event("p.Y772_A775dup")
    add(yvma[0], ion_small("chr17", yvma[0], yvma[1], [yvma[2]], "0/0", 1502, 1480, [0], [0]))
    # The called YVMA duplication, in the right-shifted placement TVC writes (same protein event).
    ins = CAT["p.Y772_A775dup_alt_placement"]
    assert ref37(ins[0]) == ins[1]
    func_ins = (
        "[{'origPos':'37880983','origRef':'C','origAlt':'CATACGTGATGGC','gene':'ERBB2',"
        "'transcript':'NM_004448.3','location':'exonic','exon':'20','function':'nonframeshiftInsertion',"
        "'coding':'c.2313_2324dupATACGTGATGGC','protein':'p.Tyr772_Ala775dup',"
        "'CLNSIG1':'Pathogenic,Likely_pathogenic','oncomineGeneClass':'Gain-of-Function',"
        "'oncomineVariantClass':'Hotspot'},"
        "{'origPos':'37880983','origRef':'C','origAlt':'CATACGTGATGGC','gene':'ERBB2',"
        "'transcript':'NM_001005862.2','location':'exonic','exon':'20','function':'nonframeshiftInsertion',"
        "'coding':'c.2223_2234dupATACGTGATGGC','protein':'p.Tyr742_Ala745dup'}]"
    )
    add(ins[0], ion_small("chr17", ins[0], ins[1], [ins[2]], "0/1", 1460, 1480, [290], [312],
                          func=func_ins))
    g776s, g776c = event("p.G776S"), event("p.G776C")
    func_g776 = (
        "[{'origPos':'37880997','origRef':'G','origAlt':'A','gene':'ERBB2','transcript':'NM_004448.3',"
        "'function':'missense','coding':'c.2326G>A','protein':'p.Gly776Ser','polyphen':0.998,"
        "'sift':0.01,'grantham':56.0},"
        "{'origPos':'37880997','origRef':'G','origAlt':'T','gene':'ERBB2','transcript':'NM_004448.3',"
        "'function':'missense','coding':'c.2326G>T','protein':'p.Gly776Cys','polyphen':1.0,"
        "'sift':0.0,'grantham':159.0}]"
    )
    add(g776s[0], ion_small("chr17", g776s[0], g776s[1], [g776s[2], g776c[2]], "0/0", 1530, 1497,
                            [2, 0], [0, 0], func=func_g776))
    v777l, v777m = event("p.V777L"), event("p.V777M")
    add(v777l[0], ion_small("chr17", v777l[0], v777l[1], [v777l[2], v777m[2]], "0/0", 1515, 1490,
                            [0, 0], [0, 0]))
    dup = event("p.G778_P780dup")
    add(dup[0], ion_small("chr17", dup[0], dup[1], [dup[2]], "0/0", 1470, 1444, [0], [0]))
    t798i = event("p.T798I")
    add(t798i[0], ion_small("chr17", t798i[0], t798i[1], [t798i[2]], "./.", 14, 12, [0], [0],
                            filt_="NOCALL", fr="MINCOV"))
    # Ion's ERBB2 copy-number record (coordinates and REF base as in the public OCA file).
    add(37845133, row(
        "chr17", 37845133, "G", "<CNV>", "100.0", "PASS",
        "HS;FR=.;PRECISE=FALSE;SVTYPE=CNV;END=37884584;LEN=39451;NUMTILES=27;SD=0.23;"
        "CDF_MAPD=0.01:8.123,0.025:8.401,0.05:8.852,0.95:10.770,0.975:11.090,0.99:11.520;REF_CN=2;"
        "CI=0.05:8.85,0.95:10.77;RAW_CN=9.81;FUNC=[{'gene':'ERBB2','oncomineGeneClass':"
        "'Gain-of-Function','oncomineVariantClass':'Amplification'}]",
        "GT:GQ:CN", "./.:0:9.81", id_="ERBB2"))
    rows.sort(key=lambda r: (r[0], r[1]))
    header = ION_HEADER + [chrom_line([ION_SAMPLE])]
    return write(out, "ion_oca.hg19.vcf", header, [r[2] for r in rows])


# -- 5. DRAGEN TSO500 hard-filtered gVCF, GRCh38 -------------------------------------------------------
def dragen_tso500(out: Path) -> Path:
    o = GRCH38_OFFSET
    cmd = ("--ref-dir /staging/illumina/DRAGEN_TSO500/resources/hg38_alt_masked --tumor-bam-input "
           "PT005_T.bam --RGSM-tumor PT005_T --enable-variant-caller true --vc-target-bed "
           "/staging/illumina/DRAGEN_TSO500/resources/TSO500_padded.bed --vc-emit-ref-confidence GVCF "
           "--vc-enable-vcf-output true --output-file-prefix PT005_T --output-directory /staging/PT005_T")
    version = 'Version="SW: 07.021.645.4.0.3, HW: 07.021.645"'
    header = [
        "##fileformat=VCFv4.2", filt("PASS", "All filters passed"), "##source=DRAGEN_SNV",
        f"##DRAGENVersion=<ID=dragen,{version}>",
        f'##DRAGENCommandLine=<ID=dragen,{version},Date="Tue Mar 14 10:21:05 UTC 2023",CommandLineOptions="{cmd}">',
        "##reference=file:///staging/illumina/DRAGEN_TSO500/resources/hg38_alt_masked/reference.bin",
        *contigs(GRCH38),
        info("DP", "1", "Integer", "Approximate read depth; some reads may have been filtered"),
        info("END", "1", "Integer", "Stop position of the interval"),
        info("MQ", "1", "Float", "RMS Mapping Quality"),
        info("FractionInformativeReads", "1", "Float", "The fraction of informative reads out of the total reads"),
        filt("weak_evidence", "Somatic variant score does not meet threshold"),
        filt("low_depth", "Site filtered because the read depth is too low"),
        filt("multiallelic", "Site filtered because more than two alt alleles pass tumor LOD"),
        fmt("GT", "1", "String", "Genotype"),
        fmt("SQ", "A", "Float", "Somatic quality"),
        fmt("AD", "R", "Integer", "Allelic depths (counting only informative reads out of the total reads) for the ref and alt alleles in the order listed"),
        fmt("AF", "A", "Float", "Allele fractions for alt alleles in the order listed"),
        fmt("DP", "1", "Integer", "Approximate read depth (reads with MQ=255 or with bad mates are filtered)"),
        fmt("F1R2", "R", "Integer", "Count of reads in F1R2 pair orientation supporting each allele"),
        fmt("F2R1", "R", "Integer", "Count of reads in F2R1 pair orientation supporting each allele"),
        fmt("SB", "4", "Integer", "Per-sample component statistics which comprise the Fisher's Exact Test to detect strand bias."),
        chrom_line(["PT005_T"]),
    ]
    v777l = event("p.V777L")

    def block(start37: int, end37: int, dp: int, filt_: str = "PASS") -> str:
        return row("chr17", start37 + o, ref37(start37), ".", ".", filt_,
                   f"END={end37 + o};DP={dp}", "GT:DP", f"0/0:{dp}")

    records = [
        block(37880946, 37880999, 1840),  # covers the start of exon 20 (37880979)
        row("chr17", v777l[0] + o, v777l[1], v777l[2], "41.23", "PASS",
            "DP=1722;MQ=60.00;FractionInformativeReads=0.998", "GT:SQ:AD:AF:F1R2:F2R1:DP:SB",
            "0/1:41.23:1510,212:0.123:760,105:750,107:1722:755,755,106,106"),
        block(37881001, 37881102, 1720),
        block(37881103, 37881164, 640, "low_depth"),  # under 1000x: exon 20's 3' end not assessed
        block(37881165, 37881250, 1210),
    ]
    return write(out, "dragen_tso500.hard-filtered.GRCh38.gvcf", header, records)


# -- 6. HaplotypeCaller gVCF, GRCh37 ---------------------------------------------------------------------
def haplotypecaller(out: Path) -> Path:
    bands = [(0, 1), (1, 2), (2, 3), (20, 30), (60, 70), (90, 99), (99, 100)]
    header = [
        "##fileformat=VCFv4.2",
        '##ALT=<ID=NON_REF,Description="Represents any possible alternative allele not already represented at this location by REF and ALT">',
        filt("LowQual", "Low quality"),
        fmt("AD", "R", "Integer", "Allelic depths for the ref and alt alleles in the order listed"),
        fmt("DP", "1", "Integer", "Approximate read depth (reads with MQ=255 or with bad mates are filtered)"),
        fmt("GQ", "1", "Integer", "Genotype Quality"),
        fmt("GT", "1", "String", "Genotype"),
        fmt("MIN_DP", "1", "Integer", "Minimum DP observed within the GVCF block"),
        fmt("PL", "G", "Integer", "Normalized, Phred-scaled likelihoods for genotypes as defined in the VCF specification"),
        fmt("SB", "4", "Integer", "Per-sample component statistics which comprise the Fisher's Exact Test to detect strand bias."),
        gatk_line("HaplotypeCaller", "--emit-ref-confidence GVCF --output PT006.g.vcf.gz --intervals "
                  "erbb2.GRCh37.interval_list --input PT006.bam --reference human_g1k_v37_decoy.fasta"),
        *[f"##GVCFBlock{a}-{b}=minGQ={a}(inclusive),maxGQ={b}(exclusive)" for a, b in bands],
        info("BaseQRankSum", "1", "Float", "Z-score from Wilcoxon rank sum test of Alt Vs. Ref base qualities"),
        info("DP", "1", "Integer", "Approximate read depth; some reads may have been filtered"),
        info("END", "1", "Integer", "Stop position of the interval"),
        info("ExcessHet", "1", "Float", "Phred-scaled p-value for exact test of excess heterozygosity"),
        info("MLEAC", "A", "Integer", "Maximum likelihood expectation (MLE) for the allele counts (not necessarily the same as the AC), for each ALT allele, in the same order as listed"),
        info("MLEAF", "A", "Float", "Maximum likelihood expectation (MLE) for the allele frequency (not necessarily the same as the AF), for each ALT allele, in the same order as listed"),
        info("MQRankSum", "1", "Float", "Z-score From Wilcoxon rank sum test of Alt vs. Ref read mapping qualities"),
        info("RAW_MQandDP", "2", "Integer", "Raw data (sum of squared MQ and total depth) for improved RMS Mapping Quality calculation. Incompatible with deprecated RAW_MQ formulation."),
        info("ReadPosRankSum", "1", "Float", "Z-score from Wilcoxon rank sum test of Alt vs. Ref read position bias"),
        *contigs(GRCH37), "##source=HaplotypeCaller", chrom_line(["PT006"]),
    ]
    pos, ref, alt = CAT["p.G776delinsVC"]  # 17:37880997 G GTCT, left-aligned
    assert ref37(pos) == ref

    def block(start: int, end: int, dp: int, gq: int, min_dp: int) -> str:
        return row("17", start, ref37(start), "<NON_REF>", ".", ".", f"END={end}",
                   "GT:DP:GQ:MIN_DP:PL", f"0/0:{dp}:{gq}:{min_dp}:0,{min(gq, 99) + 21},1800")

    records = [
        block(37880946, pos - 1, 312, 99, 288),
        row("17", pos, ref, f"{alt},<NON_REF>", "512.60", ".",
            "BaseQRankSum=-0.412;DP=305;ExcessHet=3.0103;MLEAC=1,0;MLEAF=0.500,0.00;"
            "MQRankSum=0.000;RAW_MQandDP=1098000,305;ReadPosRankSum=0.513",
            "GT:AD:DP:GQ:PL:SB", "0/1:240,58,0:298:99:520,0,8400,1240,8600,9840:120,120,30,28"),
        block(pos + 1, 37881100, 305, 99, 270),
        block(37881101, 37881164, 14, 27, 6),
    ]
    return write(out, "haplotypecaller.g.GRCh37.vcf", header, records)


# -- 7. VEP-annotated Mutect2 tumour-only, GRCh38 ----------------------------------------------------------
VEP_FIELDS = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|"
              "HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|"
              "DISTANCE|STRAND|FLAGS|SYMBOL_SOURCE|HGNC_ID|CANONICAL|MANE_SELECT")
MANE_TX, MANE_P = "ENST00000269571.10", "ENSP00000269571.5"
ALT_TX, ALT_P = "ENST00000584601.5", "ENSP00000462438.1"


def csq(allele: str, consequence: str, impact: str, tx: str, biotype: str, exon: str, hgvsc: str,
        hgvsp: str, prot: str, mane: bool) -> str:
    fields = {
        "Allele": allele, "Consequence": consequence, "IMPACT": impact, "SYMBOL": "ERBB2",
        "Gene": "ENSG00000141736", "Feature_type": "Transcript", "Feature": tx, "BIOTYPE": biotype,
        "EXON": exon, "HGVSc": hgvsc, "HGVSp": hgvsp, "Protein_position": prot, "STRAND": "1",
        "SYMBOL_SOURCE": "HGNC", "HGNC_ID": "HGNC:3430", "CANONICAL": "YES" if mane else "",
        "MANE_SELECT": "NM_004448.4" if mane else "",
    }
    return "|".join(fields.get(name, "") for name in VEP_FIELDS.split("|"))


def vep(out: Path) -> Path:
    o = GRCH38_OFFSET
    header = [
        "##fileformat=VCFv4.2", *MUTECT2_FILTERS, *MUTECT2_FORMAT,
        gatk_line("Mutect2", "--output PT007.unfiltered.vcf.gz --input PT007_T.bam "
                  "--reference Homo_sapiens_assembly38.fasta"),
        *MUTECT2_INFO, *contigs(GRCH38), "##source=Mutect2", "##tumor_sample=PT007_T",
        '##VEP="v110" time="2023-09-01 10:00:00" cache="/opt/vep/.vep/homo_sapiens/110_GRCh38" '
        'ensembl=110.584a8f3 ensembl-variation=110.d34d25e assembly="GRCh38.p14"',
        info("CSQ", ".", "String", f"Consequence annotations from Ensembl VEP. Format: {VEP_FIELDS}"),
        chrom_line(["PT007_T"]),
    ]
    f = "GT:AD:AF:DP:F1R2:F2R1:SB"
    dpos = 37880218  # L755_T759del: c.2263_2277del, anchored on the preceding G (left-aligned)
    dref = ref37(dpos, 16)
    yvma = event("p.Y772_A775dup")
    syn = (37880996, ref37(37880996), "C")  # c.2325T>C, A775 synonymous
    assert syn[1] == "T"
    tct, tgt = "GTCT", "GTGT"  # both DNA forms of p.G776delinsVC (catalog)
    g776 = 37880997
    def rec(pos: int, ref: str, alt: str, filt_: str, m2: str, sample: str, entries: list[str]) -> str:
        # VEP appends CSQ at the end of INFO.
        return row("chr17", pos + o, ref, alt, ".", filt_, f"{m2};CSQ={','.join(entries)}", f, sample)

    records = [
        rec(dpos, dref, dref[0], "PASS", m2_info(1, 640, [120.5]),
            "0/1:402,88:0.181:495:200,44:202,44:198,204,43,45",
            [csq("-", "inframe_deletion", "MODERATE", MANE_TX, "protein_coding", "19/27",
                 f"{MANE_TX}:c.2263_2277del", f"{MANE_P}:p.Leu755_Thr759del", "755-759", True)]),
        rec(yvma[0], yvma[1], yvma[2], "PASS", m2_info(1, 700, [240.3]),
            "0/1:380,101:0.212:487:190,50:190,51:188,192,50,51",
            # The non-MANE isoform first, so picking by transcript is actually tested.
            [csq(yvma[2][1:], "inframe_insertion&NMD_transcript_variant", "MODERATE", ALT_TX,
                 "nonsense_mediated_decay", "20/28", f"{ALT_TX}:c.2223_2234dup",
                 f"{ALT_P}:p.Tyr742_Ala745dup", "745-746", False),
             csq(yvma[2][1:], "inframe_insertion", "MODERATE", MANE_TX, "protein_coding", "20/27",
                 f"{MANE_TX}:c.2313_2324dup", f"{MANE_P}:p.Tyr772_Ala775dup", "775-776", True)]),
        rec(syn[0], syn[1], syn[2], "PASS", m2_info(1, 650, [60.2]),
            "0/1:560,60:0.098:622:280,30:280,30:279,281,29,31",
            [csq("C", "synonymous_variant", "LOW", MANE_TX, "protein_coding", "20/27",
                 f"{MANE_TX}:c.2325T>C", f"{MANE_P}:p.Ala775%3D", "775", True)]),
        rec(g776, "G", f"{tct},{tgt}", "multiallelic", m2_info(2, 610, [70.3, 33.1]),
            "0/1/2:480,51,22:0.092,0.040:556:240,25,11:240,26,11:238,242,36,37",
            [csq("TCT", "inframe_insertion", "MODERATE", MANE_TX, "protein_coding", "20/27",
                 f"{MANE_TX}:c.2326_2327insTCT", f"{MANE_P}:p.Gly776delinsValCys", "776", True),
             csq("TGT", "inframe_insertion", "MODERATE", MANE_TX, "protein_coding", "20/27",
                 f"{MANE_TX}:c.2326_2327insTGT", f"{MANE_P}:p.Gly776delinsValCys", "776", True)]),
    ]
    return write(out, "vep_annotated.GRCh38.vcf", header, records)


# -- 8. SnpEff-annotated VarDict single sample, GRCh37 -------------------------------------------------------
SNPEFF_NAMES = ("Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | "
                "Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | "
                "AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO")


def ann(allele: str, effect: str, impact: str, tx: str, rank: str, hgvsc: str, hgvsp: str,
        aa: str) -> str:
    return "|".join([allele, effect, impact, "ERBB2", "ENSG00000141736", "transcript", tx,
                     "protein_coding", rank, hgvsc, hgvsp, "", "", aa, "", ""])


def snpeff(out: Path) -> Path:
    header = [
        "##fileformat=VCFv4.2", "##source=VarDict_v1.8.2",
        "##reference=/ref/human_g1k_v37_decoy.fasta", *contigs(GRCH37), *VARDICT_INFO,
        filt("PASS", "Accept as a confident somatic mutation"), filt("q22.5", "Mean Base Quality Below 22.5"),
        *VARDICT_FORMAT,
        '##SnpEffVersion="5.1d (build 2022-04-19 15:49), by Pablo Cingolani"',
        '##SnpEffCmd="SnpEff  -noStats GRCh37.75 PT008.vardict.vcf "',
        info("ANN", ".", "String", f"Functional annotations: '{SNPEFF_NAMES}' "),
        info("LOF", ".", "String", "Predicted loss of function effects for this variant. Format: 'Gene_Name | Gene_ID | Number_of_transcripts_in_gene | Percent_of_transcripts_affected'"),
        info("NMD", ".", "String", "Predicted nonsense mediated decay effects for this variant. Format: 'Gene_Name | Gene_ID | Number_of_transcripts_in_gene | Percent_of_transcripts_affected'"),
        chrom_line(["PT008_T"]),
    ]
    f = "GT:DP:VD:AD:AF:RD:ALD"
    l755s, yvma = event("p.L755S"), event("p.Y772_A775dup")
    g776s, g776c = event("p.G776S"), event("p.G776C")
    records = [
        row("17", l755s[0], l755s[1], l755s[2], "150", "PASS",
            f"SAMPLE=PT008_T;TYPE=SNV;DP=300;VD=61;AF=0.2033;SHIFT3=0;MSI=1.000;MSILEN=1.000;"
            f"SSF=0.0000;SOR=1.10;{flanks(l755s[0], l755s[1])};ANN="
            + ",".join([
                ann("C", "missense_variant", "MODERATE", "ENST00000584601", "19/28", "c.2174T>C", "p.Leu725Ser", "725/1225"),
                ann("C", "missense_variant", "MODERATE", "ENST00000269571", "19/27", "c.2264T>C", "p.Leu755Ser", "755/1255"),
            ]), f, "0/1:300:61:239,61:0.2033:120,119:30,31"),
        row("17", yvma[0], yvma[1], yvma[2], "201", "PASS",
            f"SAMPLE=PT008_T;TYPE=Insertion;DP=410;VD=88;AF=0.2146;SHIFT3=2;MSI=1.000;MSILEN=12.000;"
            f"SSF=0.0000;SOR=1.05;{flanks(yvma[0], yvma[1])};ANN="
            + ann(yvma[2], "disruptive_inframe_insertion", "MODERATE", "ENST00000269571", "20/27",
                  "c.2313_2324dupATACGTGATGGC", "p.Tyr772_Ala775dup", "775/1255"),
            f, "0/1:410:88:320,88:0.2146:160,160:44,44"),
        row("17", g776s[0], g776s[1], f"{g776s[2]},{g776c[2]}", "90", "PASS",
            f"SAMPLE=PT008_T;TYPE=SNV;DP=335;VD=20;AF=0.0597;SHIFT3=0;MSI=1.000;MSILEN=1.000;"
            f"SSF=0.0001;SOR=1.00;ANN="
            + ",".join([
                ann("A", "missense_variant", "MODERATE", "ENST00000269571", "20/27", "c.2326G>A", "p.Gly776Ser", "776/1255"),
                ann("T", "missense_variant", "MODERATE", "ENST00000269571", "20/27", "c.2326G>T", "p.Gly776Cys", "776/1255"),
            ]), f, "0/1:335:20:300,20,15:0.0597:150,150:10,10"),
    ]
    return write(out, "snpeff_annotated.GRCh37.vcf", header, records)


# -- 9. Three tumours merged into one file (bcftools merge of Mutect2 tumour-only), GRCh37 ----------------
def multisample(out: Path) -> Path:
    samples = ["PT009_T", "PT010_T", "PT011_T"]
    header = [
        "##fileformat=VCFv4.2", *MUTECT2_FILTERS,
        fmt("AD", "R", "Integer", "Allelic depths for the ref and alt alleles in the order listed"),
        fmt("AF", "A", "Float", "Allele fractions of alternate alleles in the tumor"),
        fmt("DP", "1", "Integer", "Approximate read depth (reads with MQ=255 or with bad mates are filtered)"),
        fmt("GT", "1", "String", "Genotype"),
        gatk_line("Mutect2", "--output tumour.unfiltered.vcf.gz --input tumour.bam "
                  "--reference human_g1k_v37_decoy.fasta"),
        info("DP", "1", "Integer", "Approximate read depth; some reads may have been filtered"),
        info("ECNT", "1", "Integer", "Number of events in this haplotype"),
        info("TLOD", "A", "Float", "Log 10 likelihood ratio score of variant existing versus not existing"),
        *contigs(GRCH37), "##source=Mutect2",
        *[f"##tumor_sample={s}" for s in samples],
        "##bcftools_mergeVersion=1.17+htslib-1.17",
        "##bcftools_mergeCommand=merge -Ov -o multisample_tumours.GRCh37.vcf PT009_T.vcf.gz "
        "PT010_T.vcf.gz PT011_T.vcf.gz; Date=Wed Mar 15 11:02:13 2023",
        chrom_line(samples),
    ]
    f, miss = "GT:AD:AF:DP", "./.:.:.:."
    l755s, yvma, v777l = event("p.L755S"), event("p.Y772_A775dup"), event("p.V777L")
    g776c, g776vc = event("p.G776C"), CAT["p.G776delinsVC"]
    records = [
        row("17", l755s[0], l755s[1], l755s[2], ".", "PASS", "DP=230;ECNT=1;TLOD=110.20", f,
            miss, miss, "0/1:180,45:0.201:228"),
        row("17", yvma[0], yvma[1], yvma[2], ".", "PASS", "DP=390;ECNT=1;TLOD=230.10", f,
            "0/1:300,80:0.214:385", miss, miss),
        # Merged from two files: each sample has reads for its own allele only ('.' for the other).
        row("17", g776c[0], g776c[1], f"{g776vc[2]},{g776c[2]}", ".", "PASS",
            "DP=465;ECNT=1;TLOD=80.40,70.20", f,
            "0/2:250,.,30:.,0.107:283", miss, "0/1:140,38,.:0.208,.:180"),
        row("17", v777l[0], v777l[1], v777l[2], ".", "PASS", "DP=580;ECNT=1;TLOD=120.70", f,
            miss, "0/1:510,61:0.104:575", miss),
    ]
    return write(out, "multisample_tumours.GRCh37.vcf", header, records)


# -- compressed, indexed and BCF copies ----------------------------------------------------------------
def compressed_copies(out: Path) -> list[Path]:
    import pysam
    import pysam.bcftools

    made = []
    for name in ("mutect2_tumor_normal.GRCh38.vcf", "ion_oca.hg19.vcf"):
        src = out / name
        made.append(Path(pysam.tabix_index(str(src), preset="vcf", keep_original=True, force=True)))
    src = out / "multisample_tumours.GRCh37.vcf"
    dst = out / "multisample_tumours.GRCh37.bcf"
    with pysam.VariantFile(str(src)) as vin, pysam.VariantFile(str(dst), "wb", header=vin.header) as vout:
        for rec in vin:
            vout.write(rec)
    pysam.bcftools.index("--force", str(dst))  # .csi, so region queries go through the index
    made.append(dst)
    return made


def check(paths: list[Path]) -> None:
    """Every fixture must read and validate with her2var's own reader."""
    sys.path.insert(0, str(ROOT))
    from her2var.vcf import reader as vcf

    for path in paths:
        reader = vcf.VcfReader(path)
        n = 0
        for rec in reader.records():
            vcf.validate(rec, reader.header)
            n += 1
        if n == 0:
            raise SystemExit(f"{path}: no records")


def main(out_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    out = Path(out_dir) if out_dir else ROOT / "fixtures" / "vcf"
    out.mkdir(parents=True, exist_ok=True)
    text = [mutect2(out), strelka_indels(out), strelka_snvs(out), vardict(out), ion(out),
            dragen_tso500(out), haplotypecaller(out), vep(out), snpeff(out), multisample(out)]
    binary = compressed_copies(out)
    check(text + binary)
    return text + binary


if __name__ == "__main__":
    for p in main(sys.argv[1] if len(sys.argv) > 1 else None):
        print(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)
