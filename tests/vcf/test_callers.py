"""Caller detection, gVCF detection, tumour/normal roles (her2var.callers); fixture sanity."""

from __future__ import annotations

import filecmp
import importlib.util
import logging
import textwrap
from pathlib import Path

import pytest

from her2var.errors import InputError
from her2var.models import VcfHeader
from her2var.vcf import callers
from her2var.vcf import reader as vcf
from her2var.vcf.reader import VcfReader, parse_header_lines

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "vcf"

# fixture -> (caller, is_gvcf, (tumour, normal))
FIXTURE_TABLE = {
    "mutect2_tumor_normal.GRCh38.vcf": ("mutect2", False, ("PT001_T", "PT001_N")),
    "mutect2_tumor_normal.GRCh38.vcf.gz": ("mutect2", False, ("PT001_T", "PT001_N")),
    "strelka2_somatic.indels.GRCh37.vcf": ("strelka2", False, ("TUMOR", "NORMAL")),
    "strelka2_somatic.snvs.GRCh37.vcf": ("strelka2", False, ("TUMOR", "NORMAL")),
    # VarDict declares INFO/END; that must not make it a gVCF.
    "vardict_paired.GRCh37.vcf": ("vardict", False, ("PT003_T", "PT003_N")),
    "ion_oca.hg19.vcf": ("ion", False, ("PT004_IonXpress_079", None)),
    "ion_oca.hg19.vcf.gz": ("ion", False, ("PT004_IonXpress_079", None)),
    "dragen_tso500.hard-filtered.GRCh38.gvcf": ("tso500", True, ("PT005_T", None)),
    "haplotypecaller.g.GRCh37.vcf": ("haplotypecaller", True, (None, None)),
    "vep_annotated.GRCh38.vcf": ("mutect2", False, ("PT007_T", None)),
    "snpeff_annotated.GRCh37.vcf": ("vardict", False, ("PT008_T", None)),
    # Three tumours, no single answer: tumor_samples() lists them.
    "multisample_tumours.GRCh37.vcf": ("mutect2", False, (None, None)),
    "multisample_tumours.GRCh37.bcf": ("mutect2", False, (None, None)),
}


def header_of(name: str) -> VcfHeader:
    return VcfReader(FIXTURES / name).header


@pytest.mark.parametrize("name", sorted(FIXTURE_TABLE))
def test_fixture_caller_gvcf_and_roles(name):
    caller, gvcf, roles = FIXTURE_TABLE[name]
    h = header_of(name)
    assert callers.detect_caller(h) == caller
    assert callers.is_gvcf(h) is gvcf
    assert callers.tumor_normal(h) == roles


def test_every_fixture_is_in_the_table():
    on_disk = {p.name for p in FIXTURES.iterdir() if p.suffix not in (".tbi", ".csi")}
    assert on_disk == set(FIXTURE_TABLE)


def test_multisample_lists_all_tumours():
    h = header_of("multisample_tumours.GRCh37.vcf")
    assert callers.tumor_samples(h) == ["PT009_T", "PT010_T", "PT011_T"] == h.samples


@pytest.mark.parametrize("name", sorted(FIXTURE_TABLE))
def test_fixture_records_validate(name):
    reader = VcfReader(FIXTURES / name)
    n = 0
    for rec in reader.records():
        vcf.validate(rec, reader.header)
        n += 1
    assert n > 0


def test_fixture_script_is_deterministic_and_checked_in(tmp_path):
    script = ROOT / "scripts" / "make_fixtures.py"
    spec = importlib.util.spec_from_file_location("make_fixtures", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    texts = [p.name for p in FIXTURES.iterdir() if p.suffix in (".vcf", ".gvcf")]
    match, mismatch, errors = filecmp.cmpfiles(FIXTURES, tmp_path, texts, shallow=False)
    assert (mismatch, errors) == ([], []), "fixtures are stale: run python scripts/make_fixtures.py"
    assert len(match) == 10


# -- headers written inline ------------------------------------------------------------------------------
def hdr(*lines: str, samples: tuple[str, ...] = ("S1",)) -> VcfHeader:
    cols = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO" + (
        "\tFORMAT\t" + "\t".join(samples) if samples else "")
    body = ["##fileformat=VCFv4.2", *[textwrap.dedent(x).strip() for x in lines], cols]
    return parse_header_lines(body, "inline.vcf")


DETECT = [
    ("ion-tvc-source", ['##source="tvc 5.12-11 (abc) - Torrent Variant Caller"'], "ion"),
    ("ion-export-only", ["##IonReporterExportVersion=0.1.5"], "ion"),
    ("dragen", ['##DRAGENCommandLine=<ID=dragen,Version="SW: 4.2",CommandLineOptions="--enable-variant-caller true">'], "dragen"),
    ("dragen-source", ["##source=DRAGEN_SNV"], "dragen"),
    ("tso500-dragen", ['##DRAGENCommandLine=<ID=dragen,CommandLineOptions="--vc-target-bed TSO500_manifest.bed">'], "tso500"),
    ("tso500-pisces", ["##source=Pisces 5.2.10.49", "##reference=/opt/TruSight_Oncology_500/Genomes"], "tso500"),
    # A TSO500 bed in Mutect2's command line does not make it a TSO500 file.
    ("mutect2-on-tso500-bed", ['##GATKCommandLine=<ID=Mutect2,CommandLine="Mutect2 --intervals TSO500.bed",Version="4.2">'], "mutect2"),
    ("mutect2-source-only", ["##source=Mutect2"], "mutect2"),
    ("gatk3-style", ['##GATKCommandLine.HaplotypeCaller=<ID=HaplotypeCaller,Version=3.8-0>'], "haplotypecaller"),
    ("hc-then-selectvariants", [
        '##GATKCommandLine=<ID=HaplotypeCaller,CommandLine="HaplotypeCaller",Version="4.2">',
        '##GATKCommandLine=<ID=SelectVariants,CommandLine="SelectVariants",Version="4.2">'], "haplotypecaller"),
    ("gcnv", ['##GATKCommandLine=<ID=PostprocessGermlineCNVCalls,CommandLine="x",Version="4.2">'], "gatk_gcnv"),
    ("strelka-source", ["##source=strelka", "##content=strelka germline small-variant calls"], "strelka2"),
    ("strelka-content", ["##content=strelka somatic snv calls"], "strelka2"),
    ("vardict-java", ["##source=VarDict_v1.8.2"], "vardict"),
    ("vardict-go", ["##source=VarDict_Go_v0.1"], "vardict"),
    ("cnvkit", ["##source=CNVkit v0.9.10"], "cnvkit"),
    ("vep-only", ['##VEP="v110"'], "unknown"),
    ("nothing", [], "unknown"),
]


@pytest.mark.parametrize("lines,expected", [d[1:] for d in DETECT], ids=[d[0] for d in DETECT])
def test_detect_caller(lines, expected):
    assert callers.detect_caller(hdr(*lines)) == expected


def test_detect_caller_covers_every_name():
    named = {d[2] for d in DETECT} | {v[0] for v in FIXTURE_TABLE.values()}
    assert named == set(callers.CALLERS)


NON_REF = '##ALT=<ID=NON_REF,Description="Represents any possible alternative allele at this location">'
STAR = '##ALT=<ID=*,Description="Represents allele(s) other than observed.">'
GVCF = [
    ("gvcfblock", ["##GVCFBlock0-1=minGQ=0(inclusive),maxGQ=1(exclusive)"], True),
    ("non-ref-declared", [NON_REF], True),
    ("star-declared", [STAR], True),
    ("dragen-gvcf-cmdline", ['##DRAGENCommandLine=<ID=dragen,CommandLineOptions="--vc-emit-ref-confidence GVCF">'], True),
    ("dragen-vcf-cmdline", ['##DRAGENCommandLine=<ID=dragen,CommandLineOptions="--enable-variant-caller true">'], False),
    # Joint genotyping keeps its inputs' gVCF header lines but writes no blocks.
    ("genotypegvcfs", [NON_REF, "##GVCFBlock0-1=minGQ=0(inclusive),maxGQ=1(exclusive)",
                       '##GATKCommandLine=<ID=GenotypeGVCFs,CommandLine="GenotypeGVCFs",Version="4.2">'], False),
    ("bcftools-call", [STAR, "##bcftools_callCommand=call -mv -Oz -o calls.vcf.gz; Date=x"], False),
    ("bcftools-call-gvcf", [STAR, "##bcftools_callCommand=call -m --gvcf 5 -Oz -o calls.g.vcf.gz; Date=x"], True),
    # END declared (and genes like BEND5 in INFO) say nothing about blocks (PharmCAT#199).
    ("end-declared", ['##INFO=<ID=END,Number=1,Type=Integer,Description="End">',
                      '##INFO=<ID=GENE,Number=1,Type=String,Description="gene, e.g. BEND5">'], False),
]


@pytest.mark.parametrize("lines,expected", [g[1:] for g in GVCF], ids=[g[0] for g in GVCF])
def test_is_gvcf(lines, expected):
    assert callers.is_gvcf(hdr(*lines)) is expected


def test_dragen_tumor_normal_from_command_line():
    h = hdr('##DRAGENCommandLine=<ID=dragen,CommandLineOptions="--RGSM PT_N --RGSM-tumor PT_T '
            '--enable-variant-caller true">', samples=("PT_N", "PT_T"))
    assert callers.tumor_normal(h) == ("PT_T", "PT_N")


def test_dragen_tumor_normal_from_fastq_list_sample_ids():
    h = hdr('##DRAGENCommandLine=<ID=dragen,CommandLineOptions="--fastq-list n.csv --fastq-list-sample-id PT_N '
            '--tumor-fastq-list t.csv --tumor-fastq-list-sample-id PT_T --enable-variant-caller true">',
            samples=("PT_N", "PT_T"))
    assert callers.tumor_normal(h) == ("PT_T", "PT_N")


def test_declared_tumour_missing_from_columns_is_not_returned(caplog):
    h = hdr("##source=Mutect2", "##tumor_sample=TUMOUR_X", "##normal_sample=N", samples=("N", "T"))
    with caplog.at_level(logging.WARNING, logger="her2var.vcf.reader.callers"):
        assert callers.tumor_normal(h) == (None, "N")
    assert "TUMOUR_X" in caplog.text


@pytest.mark.parametrize("lines,samples,expected", [
    (["##source=HaplotypeCaller"], ("S1",), (None, None)),  # germline: no tumour role
    (["##source=VarDict_v1.8.2"], ("T", "N"), ("T", "N")),
    (["##source=strelka"], ("NORMAL", "TUMOR"), ("TUMOR", "NORMAL")),
    (["##source=strelka"], ("S1",), ("S1", None)),
    ([], ("S1",), (None, None)),
])
def test_tumor_normal_by_caller(lines, samples, expected):
    assert callers.tumor_normal(hdr(*lines, samples=samples)) == expected


# -- sample roles from what callers write about their samples -------------------------------------------
DIALECTS = ROOT / "fixtures" / "vcf_dialects"
# SomaticSniper through TCGA's pipeline (mskcc/vcf2maf tests/test_sniper.vcf): no Description, the
# sample type is in the BAM's TCGA barcode.
SNIPER = ["##SAMPLE=<ID=TUMOR,File=/home/dnanexus/in/tumor/C500.TCGA-BT-A20W-01A-21D-A14W-08.3.bam>",
          "##SAMPLE=<ID=NORMAL,File=/home/dnanexus/in/normal/C500.TCGA-BT-A20W-11A-11D-A14W-08.3.bam>"]
# TCGA VCF: Description plus SampleTCGABarcode, columns named neither TUMOR nor NORMAL.
TCGA = [('##SAMPLE=<ID=DNA_NORMAL,SampleUUID=5218f2a6,SampleTCGABarcode=TCGA-00-0002-10A-01D-0000-08,'
         'Individual=TCGA-00-0002,Description="Blood Derived Normal DNA",File="x.bam",Platform="Illumina">'),
        ('##SAMPLE=<ID=PRIMARY,SampleUUID=0c6e1a2b,SampleTCGABarcode=TCGA-00-0002-01A-01D-0000-08,'
         'Individual=TCGA-00-0002,Description="Primary Tumor",File="y.bam",Platform="Illumina",'
         'softwareName=<radia>,softwareParam=<-a,-b>>')]
# VCF 4.1 specification, cancer example: a mixture of germline and tumour genomes is the tumour.
SPEC = ['##SAMPLE=<ID=Blood,Genomes=Germline,Mixture=1.,Description="Patient germline genome">',
        ('##SAMPLE=<ID=TissueSample,Genomes=Germline;Tumor,Mixture=.3;.7,'
         'Description="Patient germline genome;Patient tumor genome">')]
# Sanger cgp callers: IDs NORMAL/TUMOUR by default; descriptions "Wild type"/"Mutant" in some runs.
SANGER = ['##SAMPLE=<ID=S1,Description="Wild type",Platform=ILLUMINA,Protocol=WGS,SampleName=sampleN>',
          '##SAMPLE=<ID=S2,Description="Mutant",Platform=ILLUMINA,Protocol=WGS,SampleName=sampleT>']

ROLES = [
    # (id, header lines, columns, (tumour, normal), normals, candidates)
    ("sniper-barcodes", SNIPER, ("NORMAL", "TUMOR"), ("TUMOR", "NORMAL"), ["NORMAL"], ["TUMOR"]),
    ("tcga-description-and-barcode", TCGA, ("DNA_NORMAL", "PRIMARY"), ("PRIMARY", "DNA_NORMAL"),
     ["DNA_NORMAL"], ["PRIMARY"]),
    ("vcf-spec-genomes-mixture", SPEC, ("Blood", "TissueSample"), ("TissueSample", "Blood"), ["Blood"],
     ["TissueSample"]),
    ("sanger-wild-type-mutant", SANGER, ("S1", "S2"), ("S2", "S1"), ["S1"], ["S2"]),
    ("pedigree", ["##PEDIGREE=<Derived=PT_T,Original=PT_N>"], ("PT_N", "PT_T"), ("PT_T", "PT_N"), ["PT_N"],
     ["PT_T"]),
    # A normal declared alone in a 2-column file: the other column is the tumour.
    ("one-normal-declared", ['##SAMPLE=<ID=B,Description="Normal">'], ("A", "B"), ("A", "B"), ["B"], ["A"]),
    # PCGR's examples name the one column after the pair: no role, reported as it is.
    ("pcgr-paired-name", [], ("TCGA-00-0001-01A-01D-0000-00_TCGA-00-0001-10A-01D-0000-00",), (None, None), [],
     ["TCGA-00-0001-01A-01D-0000-00_TCGA-00-0001-10A-01D-0000-00"]),
    # A column named by a TCGA normal barcode is a normal even without any header line.
    ("barcode-column-names", [], ("TCGA-00-0003-01A-11D-0000-08", "TCGA-00-0003-10A-01D-0000-08"),
     ("TCGA-00-0003-01A-11D-0000-08", "TCGA-00-0003-10A-01D-0000-08"), ["TCGA-00-0003-10A-01D-0000-08"],
     ["TCGA-00-0003-01A-11D-0000-08"]),
]


@pytest.mark.parametrize("lines,samples,pair,normals,candidates", [r[1:] for r in ROLES], ids=[r[0] for r in ROLES])
def test_roles_from_sample_metadata(lines, samples, pair, normals, candidates):
    h = hdr(*lines, samples=samples)
    assert callers.tumor_normal(h) == pair
    assert callers.normal_samples(h) == normals
    assert callers.tumour_candidates(h) == candidates
    assert callers.has_matched_normal(h) is bool(normals)


def test_radia_normal_and_rna_are_not_tumours():
    h = VcfReader(DIALECTS / "radia_dna_rna.GRCh37.vcf").header
    assert h.samples == ["DNA_NORMAL", "DNA_TUMOR", "RNA_TUMOR"]
    assert callers.detect_caller(h) == "unknown"  # RADIA is not named: its roles come from ##SAMPLE
    assert callers.sample_roles(h) == {"DNA_NORMAL": "normal", "DNA_TUMOR": "tumour", "RNA_TUMOR": "rna"}
    assert callers.tumor_normal(h) == ("DNA_TUMOR", "DNA_NORMAL")
    assert callers.tumour_candidates(h) == ["DNA_TUMOR"]
    assert callers.has_matched_normal(h)


def test_rna_alone_is_still_reported():
    h = hdr('##SAMPLE=<ID=R,Description="TumorRNASample">', '##SAMPLE=<ID=N,Description="NormalDNASample">',
            samples=("N", "R", "X"))
    assert callers.normal_samples(h) == ["N"]
    assert callers.tumour_candidates(h) == ["R", "X"]  # no DNA tumour declared: nothing else to report


@pytest.mark.parametrize("lines,samples,needle,lenient_normals", [
    (["##tumor_sample=T", '##SAMPLE=<ID=T,Description="Blood Derived Normal">'], ("N", "T"), "##tumor_sample", []),
    (['##SAMPLE=<ID=T,Description="Primary Tumor",SampleTCGABarcode=TCGA-00-0004-10A-01D-0000-08>'],
     ("N", "T"), "contradicts itself", []),
    (["##PEDIGREE=<Derived=A,Original=B>", '##SAMPLE=<ID=A,Description="Normal">'], ("A", "B"), "##PEDIGREE",
     ["B"]),
], ids=["mutect2-line-vs-sample-line", "description-vs-barcode", "pedigree-vs-sample-line"])
def test_a_header_contradicting_itself_about_roles_is_an_error(lines, samples, needle, lenient_normals, caplog):
    h = hdr(*lines, samples=samples)
    for check in (callers.tumor_normal, callers.normal_samples, callers.tumour_candidates):
        with pytest.raises(InputError) as err:
            check(h)
        assert str(err.value).startswith("inline.vcf: ") and needle in str(err.value)
    # When the user names the tumour (--sample) the contradicted sample gets no role, with a warning.
    with caplog.at_level(logging.WARNING):
        assert callers.normal_samples(h, lenient=True) == lenient_normals
    assert needle in caplog.text


@pytest.mark.parametrize("info,fmt,expected", [
    (["TVAF", "TDP", "CVAF", "CDP"], [], True),  # PCGR tumour-control, INFO convention
    ([], ["DPT", "ADT", "DPC", "ADC"], True),  # PCGR's examples: the control's FORMAT fields
    (["TVAF", "TDP"], [], False),  # PCGR tumour-only
])
def test_pcgr_control_fields_mean_a_matched_normal(info, fmt, expected):
    lines = [f'##INFO=<ID={k},Number=1,Type=Integer,Description="x">' for k in info]
    lines += [f'##FORMAT=<ID={k},Number=1,Type=Integer,Description="x">' for k in fmt]
    assert callers.has_matched_normal(hdr(*lines, samples=("T_N",))) is expected
