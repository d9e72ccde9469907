"""Fusion tables of Illumina TSO500 (CombinedVariantOutput, DNA Fusions.csv, RNA AllFusions.csv) and
PCGR (its --input_rna_fusion TSV and its fusion output), read from fixtures laid out as the tools
write them (fixtures/fusion_tables/SOURCE.md), as they arrive after Windows or gzip, and broken row
by row; plus how a table's dialect is told apart."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, VCF_HEADER_37, run_cli, write

from her2var.errors import InputError
from her2var.fusions.table_rows import split_pair
from her2var.fusions.tables import read_fusion_file
from her2var.rules.fusions import load_fusion_rules

T = FIXTURES / "fusion_tables"
LOCALAPP_CVO = T / "tso500_localapp_RNA-P01_CombinedVariantOutput.tsv"
DRAGEN_CVO = T / "tso500_dragen_P02_CombinedVariantOutput.tsv"
DNA_CSV = T / "tso500_ctdna_P03_Fusions.csv"
ALL_FUSIONS = T / "tso500_P01-RNA_AllFusions.csv"
PCGR_INPUT = T / "pcgr_T001-BRCA.grch38.fusions.tsv"
PCGR_OUTPUT = T / "pcgr_T001.pcgr.grch38.rna_fusion.tsv"


@pytest.fixture(scope="module")
def frules():
    return load_fusion_rules()


def read(path: Path, frules, build: str = "GRCh37", sample: str | None = "S"):
    dropped: Counter = Counter()
    found = read_fusion_file(str(path), sample=sample, build=build, rules=frules, dropped=dropped)
    return {f.name: f for f in found}, dropped


# -- each dialect, from a fixture ----------------------------------------------------------------
# name -> (naming rule, kinase breakpoint, reads), and what was left out and why
FIXTURE_CASES = {
    "localapp-cvo": (LOCALAPP_CVO, "GRCh37", "tso500-cvo", {
        "TPM3-NTRK1": ("partner_kinase", ("chr1", 156844361), 152),
        "LMNA-NTRK1": ("partner_kinase", ("chr1", 156844696), 231),  # a partner the rules do not list
        "EML4-ALK": ("partner_kinase", ("chr2", 29446394), 71),
        "SLC34A2-ROS1": ("partner_kinase", ("chr6", 117645578), 57),  # 3' side written 'ROS1;GOPC'
        "CD74-ROS1": ("partner_kinase", ("chr6", 117645578), 90),
        "KIF5B-RET": ("partner_kinase", ("chr10", 43609927), 326),
        "CCDC6-RET": ("partner_kinase", ("chr10", 43612032), 80),
        "ETV6-NTRK3": ("partner_kinase", ("chr15", 88483984), 137),
    }, Counter(fusion_not_kinase=3)),  # PPARG/PAX8, FGFR3-TACC3, TMPRSS2-ERG
    "dragen-cvo": (DRAGEN_CVO, "GRCh37", "tso500-cvo", {
        "KIF5B-RET": ("partner_kinase", ("chr10", 43609927), 318),
        "ALK rearrangement (partner EML4)": ("rearrangement", ("chr2", 29446394), 12),  # 'EML4/ALK'
        "CD74-ROS1": ("partner_kinase", ("chr6", 117645578), 91),
    }, Counter(fusion_not_kinase=1)),  # RP11-458D21.5;NOTCH2NL-SUSD4
    "dna-fusions-csv": (DNA_CSV, "GRCh37", "tso500-dna", {
        "ALK rearrangement (partner NPM1)": ("rearrangement", ("chr2", 29447024), 12),  # NPM1's strand unknown
        "EML4-ALK": ("partner_kinase", ("chr2", 29448092), 6),
        "RET rearrangement (partner chr13:76940932)": ("rearrangement", ("chr10", 43609706), 9),
        "CCDC6-RET": ("partner_kinase", ("chr10", 43609948), 21),
    }, Counter(fusion_same_event=1, fusion_not_kinase=1, fusion_filter=1)),
    "all-fusions-csv": (ALL_FUSIONS, "GRCh37", "tso500-rna", {
        "EML4-ALK": ("partner_kinase", ("chr2", 29446394), 71),
        "CD74-ROS1": ("partner_kinase", ("chr6", 117645578), 90),
        "KIF5B-RET": ("partner_kinase", ("chr10", 43609927), 326),
        "NTRK3 rearrangement (partner ETV6)": ("rearrangement", ("chr15", 88483984), 63),  # direction not known
    }, Counter(fusion_not_kinase=3, fusion_filter=1)),  # ALK-ARHGEF10 has KeepFusion False
    "pcgr-input": (PCGR_INPUT, "GRCh38", "pcgr", {
        "NTRK1-TPM3": ("reciprocal", ("1", 156875154), 55),  # PCGR's example lists NTRK1 5'
        "EML4-ALK": ("partner_kinase", ("2", 29223528), 100),
        "CCDC6-RET": ("partner_kinase", ("10", 43116592), 65),
    }, Counter(fusion_not_kinase=6)),
    "pcgr-output": (PCGR_OUTPUT, "GRCh38", "pcgr-output", {
        "NTRK1-TPM3": ("reciprocal", ("1", 156875154), 55),
        "EML4-ALK": ("partner_kinase", ("2", 29223528), 100),
        "CCDC6-RET": ("partner_kinase", ("10", 43116592), 65),
    }, Counter(fusion_not_kinase=2)),
}


@pytest.mark.parametrize("case", list(FIXTURE_CASES))
def test_fixture_tables(frules, case):
    path, build, source, expected, expected_dropped = FIXTURE_CASES[case]
    found, dropped = read(path, frules, build)
    assert {n: (f.naming, f.kinase_breakpoint, f.reads) for n, f in found.items()} == expected
    assert dropped == expected_dropped
    assert {f.source for f in found.values()} == {source}
    assert all(f.filter == "PASS" and f.path == str(path) and f.line for f in found.values())


def _as_windows(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


TRANSFORMS = {
    "crlf": _as_windows,
    "bom-crlf": lambda d: b"\xef\xbb\xbf" + _as_windows(d),
    "gzip": lambda d: gzip.compress(d, mtime=0),
}


@pytest.mark.parametrize("transform", list(TRANSFORMS))
@pytest.mark.parametrize("case", list(FIXTURE_CASES))
def test_windows_line_ends_bom_and_gzip_read_the_same(frules, tmp_path, case, transform):
    path, build, _, expected, expected_dropped = FIXTURE_CASES[case]
    moved = tmp_path / (path.name + (".gz" if transform == "gzip" else ""))
    moved.write_bytes(TRANSFORMS[transform](path.read_bytes()))
    found, dropped = read(moved, frules, build)
    assert {n: (f.naming, f.kinase_breakpoint, f.reads) for n, f in found.items()} == expected
    assert dropped == expected_dropped


def test_what_each_dialect_carries_into_notes(frules):
    cvo, _ = read(LOCALAPP_CVO, frules)
    assert "TSO500 Gene 1 Reference Reads 702, Gene 2 Reference Reads 9" in cvo["EML4-ALK"].notes
    assert cvo["EML4-ALK"].caller_name == "EML4-ALK" and cvo["EML4-ALK"].line == 36
    dragen, _ = read(DRAGEN_CVO, frules)
    alk = dragen["ALK rearrangement (partner EML4)"]
    assert ("the caller does not know the fusion's direction (Gene Pair written A/B): the first gene is not "
            "taken as 5'") in alk.notes
    dna, _ = read(DNA_CSV, frules)
    npm1 = dna["ALK rearrangement (partner NPM1)"]
    assert npm1.caller_name == "MantaBND:7707:1:12:0:1:0" and npm1.support == {"Alt_Depth": 12}
    assert any(n.startswith("also seen as ALK rearrangement (partner NPM1) (tso500-dna, ALK breakpoint "
                            "chr2:29447105, 10 reads)") for n in npm1.notes)
    assert "the table names sample P03_cfDNA" in npm1.notes  # the sheet's sample is 'S'
    assert any(n.startswith("TSO500 DNA Direction L1rL2, VAF 0.0041") for n in npm1.notes)
    rna, _ = read(ALL_FUSIONS, frules)
    assert rna["EML4-ALK"].support == {"Alt Split Dedup": 71, "Alt Pair Dedup": 0}
    assert rna["EML4-ALK"].caller_name == "EML4-ALK" and rna["NTRK3 rearrangement (partner ETV6)"].caller_name == \
        "ETV6/NTRK3"  # as the CombinedVariantOutput writes the pair
    pcgr, _ = read(PCGR_OUTPUT, frules, "GRCh38", sample="T001")
    assert "PCGR BIOMARKER_MATCH civic|499|EID1234|by_fusion" in pcgr["EML4-ALK"].notes
    assert not any("the table names sample" in n for n in pcgr["EML4-ALK"].notes)


def test_sample_from_the_file_name_without_illumina_suffixes(frules):
    assert {f.sample for f in read(DNA_CSV, frules, sample=None)[0].values()} == {"tso500_ctdna_P03"}
    assert {f.sample for f in read(LOCALAPP_CVO, frules, sample=None)[0].values()} == {"tso500_localapp_RNA-P01"}
    # the table's own sample column is not compared with a name made from the file's
    assert not any("the table names sample" in n for f in read(DNA_CSV, frules, sample=None)[0].values()
                   for n in f.notes)


# -- TSO500 Gene Pair ----------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("EML4-ALK", ("EML4", "ALK", True, False)),
    ("SLC34A2-ROS1;GOPC", ("SLC34A2", "ROS1;GOPC", True, False)),
    ("PPARG/AC016683.6;PAX8", ("PPARG", "AC016683.6;PAX8", False, False)),  # direction not known
    ("RP11-458D21.5;NOTCH2NL-SUSD4", ("RP11-458D21.5;NOTCH2NL", "SUSD4", True, False)),  # '458D21.5' is no symbol
    ("HLA-DRB1-ROS1", ("HLA-DRB1", "ROS1", True, False)),  # the kinase decides
    ("NKX2-1-ALK", ("NKX2-1", "ALK", True, False)),
    ("AB-CD-EF", ("AB", "CD-EF", True, True)),  # could be split twice: said in a note
    ("EML4", None), ("-ALK", None), ("EML4-", None), ("A/B/C", None),
])
def test_split_gene_pair(frules, text, expected):
    assert split_pair(text, frules) == expected


# -- broken rows and files -----------------------------------------------------------------------
CVO_HEAD = ("TruSight Oncology 500 - Combined Variant Output\t\t\n\t\t\n[Analysis Details]\t\t\nPair ID\tP9\t\n"
            "RNA Sample ID\tP9-R\t\n\t\t\n")
CVO_FUSIONS = ("[Fusions]\t\t\nGene Pair\tBreakpoint 1\tBreakpoint 2\tFusion Supporting Reads\t"
               "Gene 1 Reference Reads\tGene 2 Reference Reads\n")
DNA_HEAD = ("#SOURCE,DNAFusionFilter,2.0.0.88\n#Sample: Input sample ID.\nSample,Name,Chr1,Pos1,Chr2,Pos2,Direction,"
            "Alt_Depth,BP1_Depth,BP2_Depth,Total_Depth,VAF,Gene1,Gene2,Contig,Filter,Is_Cosmic_GenePair\n")
DNA_ROW = "S,MantaBND:1:0:1:0:0:0,chr2,29448092,chr2,42493956,L1rL2,6,3120,6,3120,0.0019,ALK,EML4,ACGT,PASS,True\n"
RNA_HEAD = ("# Source = FusionProcessor 1.0.0.614\nCaller,Gene A,Gene B,Gene A Breakpoint,Gene B Breakpoint,Filter,"
            "KeepFusion,Alt Split Dedup,Alt Pair Dedup,Fusion Directionality Known\n")
RNA_ROW = "DRAGEN,EML4,ALK,chr2:42522654,chr2:29446394,PASS,True,71,0,True\n"
PCGR_HEAD = "FusionGene\tLeftBreakpoint\tRightBreakpoint\tSplitReads\n"


BROKEN = [
    ("cvo-bad-breakpoint", CVO_HEAD + CVO_FUSIONS + "EML4-ALK\tchr2-42522654\tchr2:29446394\t75\t749\t9\n", 9,
     "Breakpoint 1 'chr2-42522654' is not a breakpoint (expected chrom:pos"),
    ("cvo-bad-count", CVO_HEAD + CVO_FUSIONS + "EML4-ALK\tchr2:42522654\tchr2:29446394\tmany\t749\t9\n", 9,
     "Fusion Supporting Reads 'many' is not a number"),
    ("cvo-not-a-pair", CVO_HEAD + CVO_FUSIONS + "EML4_ALK\tchr2:42522654\tchr2:29446394\t75\t749\t9\n", 9,
     "Gene Pair 'EML4_ALK' is not a gene pair (expected GENE1-GENE2, or GENE1/GENE2"),
    ("cvo-cells-past-header", CVO_HEAD + CVO_FUSIONS + "EML4-ALK\tchr2:42522654\tchr2:29446394\t75\t749\t9\tx\n", 9,
     "7 tab-separated columns, expected 6 as in the header"),
    ("cvo-no-rna", CVO_HEAD.replace("P9-R", "NA") + CVO_FUSIONS + "NA\t\t\n", 5,
     "RNA Sample ID is NA: this CombinedVariantOutput has no RNA library, so its [Fusions] section tested nothing"),
    ("cvo-no-header-row", CVO_HEAD + "[Fusions]\t\t\n\t\t\n[Small Variants]\t\t\n", 7,
     "the [Fusions] section has no header row; expected the columns Gene Pair, Breakpoint 1"),
    ("cvo-other-columns", CVO_HEAD + "[Fusions]\t\t\nGene\tFold Change\nERBB2\t3.1\n", 8,
     "[Fusions] section: unknown fusion table columns: Gene Fold Change; expected the header of one of:"),
    ("dna-direction", DNA_HEAD + DNA_ROW.replace("L1rL2", "L1L2"), 4,
     "Direction 'L1L2' is not one of L1R2, L1rL2, L2R1, rR2R1"),
    ("dna-position", DNA_HEAD + DNA_ROW.replace("29448092", "2.9e7"), 4,
     "Pos1 '2.9e7' is not a position (expected a whole number)"),
    ("dna-alt-depth", DNA_HEAD + DNA_ROW.replace(",6,3120,6,", ",NA,3120,6,"), 4, "Alt_Depth 'NA' is not a number"),
    ("dna-short-row", DNA_HEAD + "S,MantaBND:1,chr2,29448092\n", 4,
     "4 comma-separated columns, expected 17 as in the header"),
    ("rna-keep", RNA_HEAD + RNA_ROW.replace("PASS,True", "PASS,maybe"), 3, "KeepFusion 'maybe' is not True or False"),
    ("rna-direction-known", RNA_HEAD + RNA_ROW.replace(",0,True", ",0,yes"), 3,
     "Fusion Directionality Known 'yes' is not True or False"),
    ("rna-breakpoint", RNA_HEAD + RNA_ROW.replace("chr2:42522654", "N/A"), 3,
     "Gene A Breakpoint 'N/A' is not a breakpoint"),
    ("pcgr-one-dash", PCGR_HEAD + "EML4-ALK\t2:42295554\t2:29223528\t100\n", 2,
     "FusionGene 'EML4-ALK' is not two genes joined by -- or :: (expected e.g. EML4--ALK)"),
    ("pcgr-three-genes", PCGR_HEAD + "A--EML4--ALK\t2:42295554\t2:29223528\t100\n", 2,
     "FusionGene 'A--EML4--ALK' is not two genes"),
    ("pcgr-negative-reads", PCGR_HEAD + "EML4--ALK\t2:42295554\t2:29223528\t-3\n", 2,
     "SplitReads '-3' is not a count (expected a finite number >= 0)"),
]


@pytest.mark.parametrize("text, where, message", [pytest.param(*case, id=name) for name, *case in BROKEN])
def test_broken_rows_name_file_line_and_what_was_expected(frules, tmp_path, text, where, message):
    p = tmp_path / "fusions.tsv"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_fusion_file(str(p), sample="S", build="GRCh37", rules=frules)
    assert str(exc.value).startswith(f"{p}:{where}: ") and message in str(exc.value), str(exc.value)


def test_a_sectioned_file_without_a_fusion_section(frules, tmp_path):
    p = write(tmp_path, "MetricsOutput.tsv", "[Header]\t\nOutput Date\t2024-01-01\n[Run QC Metrics]\t\nMetric\tValue\n")
    with pytest.raises(InputError) as exc:
        read_fusion_file(str(p), sample="S", build="GRCh37", rules=frules)
    assert str(exc.value) == (f"{p}: no [Fusions] or [DNA Fusions] section (sections: [Header], [Run QC Metrics]); "
                              "expected a TSO500 CombinedVariantOutput.tsv or a fusion table")


def test_empty_sections_and_header_only_tables_hold_no_call(frules, tmp_path):
    for name, text in [("localapp.tsv", CVO_HEAD + CVO_FUSIONS + "NA\t\t\n\t\t\n"),
                       ("dragen.tsv", CVO_HEAD + CVO_FUSIONS + "\t\t\t\t\t\t\t\t\t\t\n[Small Variants]\n"),
                       ("dna.csv", DNA_HEAD), ("rna.csv", RNA_HEAD), ("pcgr.tsv", PCGR_HEAD)]:
        assert read_fusion_file(str(write(tmp_path, name, text)), sample="S", build="GRCh37", rules=frules) == []


def test_dna_fusions_v2_columns(frules, tmp_path):
    """Later versions add 'Fusion Directionality Known'; Illumina's help spells one column 'Chr 2'."""
    head = DNA_HEAD.replace("Chr2", "Chr 2").replace("Is_Cosmic_GenePair\n",
                                                     "Is_Cosmic_GenePair,Fusion Directionality Known\n")
    p = write(tmp_path, "S_Fusions.csv", head + DNA_ROW.replace("True\n", "True,True\n"))
    found, _ = read(p, frules)
    assert list(found) == ["EML4-ALK"]
    assert "Fusion Directionality Known True" in found["EML4-ALK"].notes[-2]


def test_pcgr_spellings(frules, tmp_path):
    p = write(tmp_path, "f.tsv", "FusionGene\tLeftBreakpoint\tRightBreakpoint\tSplitReads\tScore\n"
                                 "EML4::ALK\tchr2:42295554\tchr2:29223528\t100\t0.93\n"
                                 "v--RET\t10:59798614\t10:43116592\t12\t.\n")
    found, _ = read(p, frules, "GRCh38")
    assert set(found) == {"EML4-ALK", "RET fusion (partner 10:59798614)"}
    assert "PCGR input Score 0.93" in found["EML4-ALK"].notes
    # PCGR's final table (the R report's fusion_ann.tsv.gz): other columns around the same four
    ann = write(tmp_path, "T.pcgr.grch38.fusion_ann.tsv", "SAMPLE_ID\tVARIANT_CLASS\tVAR_ID\tENTREZGENE\tFUSION_GENE\t"
                "FUSION_GENE2\tSPLIT_READS\tSCORE\tFUSION_GENE_5P\tFUSION_GENE_3P\tBREAKPOINT_5P\tBREAKPOINT_3P\t"
                "ACTIONABILITY_TIER\nT\tfusion\tEML4--ALK:2:42295554:2:29223528\t27436::238\tEML4--ALK\tEML4::ALK\t"
                "100\t.\tEML4\tALK\t2:42295554\t2:29223528\t1\n")
    found, _ = read(ann, frules, "GRCh38", sample="T")
    assert found["EML4-ALK"].source == "pcgr-output" and "PCGR ACTIONABILITY_TIER 1" in found["EML4-ALK"].notes


# -- telling dialects apart ------------------------------------------------------------------------
def test_the_header_is_found_by_its_columns_not_by_the_file_name(frules, tmp_path):
    """An Arriba table named like Illumina's file is Arriba; a CombinedVariantOutput named fusions.tsv
    is read from its section; comment lines that merely mention column names are not headers."""
    arriba = write(tmp_path, "P1_Fusions.csv", "#gene1\tgene2\tbreakpoint1\tbreakpoint2\tsplit_reads1\t"
                   "split_reads2\tdiscordant_mates\nEML4\tALK\t2:42522654\t2:29446394\t3\t4\t5\n")
    assert {f.source for f in read(arriba, frules)[0].values()} == {"arriba"}
    cvo = tmp_path / "fusions.tsv"
    cvo.write_bytes(LOCALAPP_CVO.read_bytes())
    assert {f.source for f in read(cvo, frules)[0].values()} == {"tso500-cvo"}
    commented = write(tmp_path, "c.csv", "# Gene A = the gene, Gene B = the other\n" + RNA_HEAD + RNA_ROW)
    assert list(read(commented, frules)[0]) == ["EML4-ALK"]


def test_an_illumina_file_without_fusion_columns_is_unknown(frules, tmp_path):
    p = write(tmp_path, "S_SampleSheet.csv", "Sample_ID,Sample_Name,index\nS1,S1,ACGT\n")
    with pytest.raises(InputError) as exc:
        read_fusion_file(str(p), sample="S", build="GRCh37", rules=frules)
    assert str(exc.value).startswith(f"{p}:1: unknown fusion table columns: Sample_ID Sample_Name index; expected the "
                                     "header of one of: Arriba fusions.tsv (gene1, gene2, breakpoint1, …)")


def test_comment_lines_then_a_near_miss_header(frules, tmp_path):
    p = write(tmp_path, "f.csv", DNA_HEAD.replace(",Direction", "") + "x\n")
    with pytest.raises(InputError) as exc:
        read_fusion_file(str(p), sample="S", build="GRCh37", rules=frules)
    assert str(exc.value).startswith(f"{p}:3: looks like a TSO500 DNA {{Sample}}_Fusions.csv but lacks column(s) "
                                     "Direction")


# -- through classify ------------------------------------------------------------------------------
def _vcf(tmp_path):
    return write(tmp_path, "s.vcf", VCF_HEADER_37.replace("length=81195210>", "length=81195210>\n"
                                                          "##contig=<ID=2,length=243199373>"))


def test_classify_reads_a_combined_variant_output(tmp_path):
    proc = run_cli("classify", str(_vcf(tmp_path)), "--fusions", str(LOCALAPP_CVO), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (doc,) = json.loads(proc.stdout)
    fusions = {c["gene"]: c for c in doc["calls"] if c["class"] == "fusion"}
    assert set(fusions) == {"ALK", "ROS1", "RET", "NTRK1", "NTRK3"}
    assert {c["source"] for c in fusions.values()} == {"tso500-cvo"}
    assert doc["driver_group"] == "ALK" and doc["qc"]["dropped"]["fusion_not_kinase"] == 3


def test_samples_sheet_with_a_broken_tso500_table_fails_that_sample_only(tmp_path):
    vcf = _vcf(tmp_path)
    bad = write(tmp_path, "P2_AllFusions.csv", RNA_HEAD + RNA_ROW.replace("PASS,True", "PASS,maybe"))
    sheet = write(tmp_path, "sheet.tsv", f"sample\tpatient\tvcf\tfusions\nS1\tP1\t{vcf.name}\t{DNA_CSV}\n"
                                         f"S2\tP2\t{vcf.name}\t{bad.name}\n")
    proc = run_cli("classify", "--samples", str(sheet), "--out", str(tmp_path / "out"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{bad}:3: KeepFusion 'maybe' is not True or False" in proc.stderr
    rows = (tmp_path / "out" / "samples.tsv").read_text().splitlines()
    header = rows[0].split("\t")
    status = {r.split("\t")[0]: r.split("\t")[header.index("status")] for r in rows[1:]}
    assert status["S1"] != status["S2"]
    s1 = json.loads((tmp_path / "out" / "samples" / "S1.json").read_text())
    assert any(c["gene"] == "ALK" and c["source"] == "tso500-dna" for c in s1["calls"])


def test_tst170_fusions_csv_is_read_with_direction_unknown(tmp_path, frules):
    """TruSight Tumor 170's RNA {Sample}_Fusions.csv carries TSO500 AllFusions' first 20 columns
    (Caller ... KeepFusion) with no Fusion Directionality Known: read, the 5' side not assumed."""
    head = ("Caller,Gene A,Gene B,Gene A Breakpoint,Gene B Breakpoint,Score,Filter,Precise/Imprecise,"
            "Intragenic Call,Ref A Split,Ref A Pair,Ref B Split,Ref B Pair,Alt Split,Alt Pair,CandidateAlt,"
            "Contig,ContigAlign1,ContigAlign2,KeepFusion\n")
    rows = ("Manta,EML4,ALK,chr2:42522656,chr2:29446394,0.98,PASS,Precise,N/A,210,33,180,41,37,22,N/A,ACGT,"
            "N/A,N/A,True\n"
            "Manta,KIF5B,RET,chr10:32317356,chr10:43609927,0.9,LowQ,Precise,N/A,100,20,90,10,3,1,N/A,ACGT,"
            "N/A,N/A,False\n")
    found, dropped = read(write(tmp_path, "S1_Fusions.csv", head + rows), frules)
    assert list(found) == ["ALK rearrangement (partner EML4)"]
    assert any("no Fusion Directionality Known column" in n for n in found["ALK rearrangement (partner EML4)"].notes)
    assert dropped == Counter(fusion_filter=1)
