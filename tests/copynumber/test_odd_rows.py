"""What CNVkit and segment tools really write: odd rows away from the genes are left out and
counted, odd rows on a gene are an error, and a .seg's scale is never guessed.

The tables below are written by hand in the shapes of CNVkit's own test outputs (etal/cnvkit
test/formats/amplicon.cns, amplicon.cnr, p2-20_1.cnr, regression/p2-9_2.call.cns,
tr95t.segmetrics.cns, acgh-log10.seg, cw-tr-log2.seg, warning.seg): the same headers and the same
oddities (zero-probe segments with start after end, some written twice; -31 and -20 log2 for bins
without reads; 'Background', 'Antitarget' and '-' gene names; empty cells for NaN; R's warning
before a .seg header), with values of our own over ERBB2 so the copy number can be worked out.
"""

from __future__ import annotations

import json
import logging
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, VCF_HEADER_37, run_cli

from her2var.copynumber.read import read_copy_number_file
from her2var.errors import InputError
from her2var.models import Region

ERBB2 = {"ERBB2": Region("chr17", 37856254, 37884915, "ERBB2")}  # GRCh37, 1-based
CDKN2A = {"CDKN2A": Region("9", 21967751, 21995300, "CDKN2A")}


def table(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n").replace("|", "\t")


def read(tmp_path: Path, name: str, text: str, genes=ERBB2, **kwargs):
    path = tmp_path / name
    path.write_text(text)
    kwargs = {"sample": None, "purity": None, "build": None, **kwargs}
    return read_copy_number_file(str(path), genes=genes, **kwargs)


def cn(log2: float) -> float:
    return 2 * 2 ** log2


# amplicon.cns: no depth or weight columns; zero-probe segments (start after end) at breakpoints,
# one written twice, one between two ERBB2 segments; a segment of bins without reads (-30.79).
AMPLICON_CNS = table("""
    chromosome|start|end|gene|log2|probes
    chr1|160786600|160786750|LY9|-1.9|1
    chr2|29416000|212293300|ALK,LRP1B,NFE2L2,ERBB4|-0.84|146
    chr2|212295600|212576900|ERBB4|-1.58|13
    chr2|212578200|212576900|ERBB4|-2.41|0
    chr2|212578200|212578450|ERBB4|-2.41|1
    chr3|181430100|178952200|SOX2,SOX2-OT|-4.24|0
    chr3|181430100|178952200|SOX2,SOX2-OT|-4.24|0
    chr3|181430100|181431200|SOX2,SOX2-OT|-4.24|4
    chr9|21968150|21968300|CDKN2A,RP11-145E5.5|-30.79|1
    chr17|7572800|37855900|TP53,NF1|-0.14|71
    chr17|37855900|37863100|ERBB2|0.1|6
    chr17|37863300|37863100|ERBB2|1.6|0
    chr17|37863300|37884400|ERBB2,MIR4728|1.6|20
    chr22|41558650|41558800|-|0.62|1
    chrX|11315000|11315100|AMELX,ARHGAP6|0.38|1
""")
# CNVkit writes 0-based starts: ERBB2 gets 37856254..37863100 (6847 bp) and 37863301..37884400.
AMPLICON_CNS_CN = (6847 * cn(0.1) + 21100 * cn(1.6)) / (6847 + 21100)

# amplicon.cnr / p2-20_1.cnr: bins, 'Background'/'Antitarget' names, -31.03 (a bin without reads
# after normalisation), -20 (older CNVkit's value for one), an empty log2 (pandas writes NaN so).
AMPLICON_CNR = table("""
    chromosome|start|end|gene|log2|depth|weight
    chr1|464400|664500|Background|-1.17|0.063|0.297
    chr2|213403150|213403300|ERBB4|-31.03|4.6e-10|0.376
    chr5|112043300|112043500|APC|-20|0|0.01
    chr8|93114990|93115150|RUNX1T1||0|0.40
    chr17|37863180|37863480|ERBB2|1.7|3.3|0.75
    chr17|37864530|37864730|ERBB2|1.35|2.55|0.51
    chr17|37868100|37868400|Antitarget|1.1|2.1|0.7
    chr17|37879520|37879770|ERBB2|2.45|5.5|0.62
""")
AMPLICON_CNR_CN = (300 * cn(1.7) + 200 * cn(1.35) + 300 * cn(1.1) + 250 * cn(2.45)) / 1050


def test_amplicon_cns_zero_probe_segments_and_no_coverage_are_left_out(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        (rec,) = read(tmp_path, "amplicon.cns", AMPLICON_CNS)
    assert rec.cn == pytest.approx(AMPLICON_CNS_CN)
    assert (rec.start, rec.end, rec.source_field) == (37855901, 37884400, "log2")
    assert rec.qc["rows_left_out"] == "zero_probe:4;no_coverage:1"
    assert any(n.startswith("left out 4 zero-probe segment(s)") and "lines 5, 7, 8, 13" in n
               for n in rec.notes)
    assert any(n.startswith("1 row(s) away from ERBB2 left out: [1 with log2 below -15")
               and n.endswith(", line 10]") for n in rec.notes)
    # the warning is for the odd row only: zero-probe segments are what CNVkit always writes
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "amplicon.cns" in warnings[0] and "line 10" in warnings[0]


def test_amplicon_cnr_bins_without_reads_are_left_out(tmp_path):
    (rec,) = read(tmp_path, "amplicon.cnr", AMPLICON_CNR, purity=0.5)
    p = 0.5
    expected = (300 * (cn(1.7) - 2 * (1 - p)) / p + 200 * (cn(1.35) - 2 * (1 - p)) / p
                + 300 * (cn(1.1) - 2 * (1 - p)) / p + 250 * (cn(2.45) - 2 * (1 - p)) / p) / 1050
    assert rec.cn == pytest.approx(expected)
    assert rec.qc["rows_left_out"] == "no_coverage:2;no_value:1"
    (note,) = [n for n in rec.notes if "away from ERBB2" in n]
    assert note.startswith("3 row(s) away from ERBB2 left out: [2 with log2 below -15")
    assert ", lines 3, 4] [1 without a finite value" in note and note.endswith(", line 5]")
    assert "no 'probes' column: read as CNVkit bins (.cnr), not segments" in rec.notes
    (pure,) = read(tmp_path, "amplicon.cnr", AMPLICON_CNR)
    assert pure.cn == pytest.approx(AMPLICON_CNR_CN)


def test_a_file_without_odd_rows_has_no_left_out_notes(tmp_path):
    clean = "".join(ln + "\n" for ln in AMPLICON_CNR.splitlines() if "ERBB2" in ln or "chromosome" in ln)
    (rec,) = read(tmp_path, "clean.cnr", clean)
    assert "rows_left_out" not in rec.qc
    assert not any("left out" in n for n in rec.notes)


# (header, row, what the error says): each odd row on ERBB2 is an error; moved to chr2, left out.
CNR_HEAD = "chromosome\tstart\tend\tgene\tlog2\tdepth\tweight\n"
CNS_HEAD = "chromosome\tstart\tend\tgene\tlog2\tdepth\tprobes\tweight\n"
CALL_HEAD = "chromosome\tstart\tend\tgene\tlog2\tcn\tdepth\tprobes\tweight\n"
ODD_ON_ERBB2 = [
    pytest.param(CNR_HEAD, "chr17\t37863180\t37863480\tERBB2\t-31.03\t4.6e-10\t0.75",
                 "log2 -31.03 is below log2 -15", "no_coverage", id="cnr-no-reads-31"),
    pytest.param(CNR_HEAD, "chr17\t37863180\t37863480\tERBB2\t-20\t0\t0.75",
                 "log2 -20 is below log2 -15", "no_coverage", id="cnr-no-reads-20"),
    pytest.param(CNR_HEAD, "chr17\t37863180\t37863480\tERBB2\t\t0\t0.75",
                 "log2 has no value", "no_value", id="cnr-empty-log2"),
    pytest.param(CNR_HEAD, "chr17\t37863180\t37863480\tERBB2\t-inf\t0\t0.75",
                 "log2 -inf is below log2 -15", "no_coverage", id="cnr-minus-inf"),
    pytest.param(CNS_HEAD, "chr17\t37870000\t37860000\tERBB2\t1.2\t300\t5\t4.1",
                 "start 37870000 is after end 37860000", "start_after_end", id="cns-start-after-end-with-probes"),
    pytest.param(CNS_HEAD, "chr17\t37860000\t37870000\tERBB2\t45\t300\t5\t4.1",
                 "log2 45 is above log2 30", "out_of_range", id="cns-log2-45"),
    pytest.param(CALL_HEAD, "chr17\t37860000\t37870000\tERBB2\t1.2\t-9223372036854775808\t300\t5\t4.1",
                 "cn '-9223372036854775808' must not be negative", "negative_cn", id="call-cns-int64-sentinel"),
]


@pytest.mark.parametrize("head, row, message, reason", ODD_ON_ERBB2)
def test_odd_row_on_erbb2_is_an_error(tmp_path, head, row, message, reason):
    text = head + row + "\n"
    with pytest.raises(InputError) as err:
        read(tmp_path, "x.cns", text)
    got = str(err.value)
    assert got.startswith(f"{tmp_path / 'x.cns'}:2: {message}")
    assert ", in a row over ERBB2: ERBB2 copy number cannot be read from this file" in got


@pytest.mark.parametrize("head, row, message, reason", ODD_ON_ERBB2)
def test_same_odd_row_away_from_erbb2_is_left_out(tmp_path, head, row, message, reason):
    good = ("chr17\t37860000\t37870000\tERBB2\t1.0\t300\t0.7" if head == CNR_HEAD
            else "chr17\t37860000\t37870000\tERBB2\t1.0\t300\t5\t4.1" if head == CNS_HEAD
            else "chr17\t37860000\t37870000\tERBB2\t1.0\t4\t300\t5\t4.1")
    away = row.replace("chr17", "chr2")
    (rec,) = read(tmp_path, "x.cns", head + away + "\n" + good + "\n")
    assert rec.cn == pytest.approx(4.0)
    assert rec.qc["rows_left_out"] == f"{reason}:1"
    assert any(n.startswith("1 row(s) away from ERBB2 left out") and "line 2" in n for n in rec.notes)


def test_call_cns_with_baf_allele_copies_and_segmetrics_columns(tmp_path):
    text = table("""
        chromosome|start|end|gene|log2|baf|cn|cn1|cn2|depth|p_ttest|probes|weight|ci_lo|ci_hi
        chr2|10500|92267022|TPO,ALK|-0.31|0.31|1|1|0|0.8|1e-05|794|601.2|-0.35|-0.27
        chr9|21968150|21968300|CDKN2A|||-9223372036854775808|||0|||0.3||
        chr17|37855900|37884400|ERBB2|2.3||9|||812.5|1e-12|26|19.3|2.1|2.5
    """)
    (rec,) = read(tmp_path, "s.call.cns", text)
    assert (rec.source_field, rec.cn, rec.cn_is_integer) == ("CN", 9.0, True)
    assert rec.qc["rows_left_out"] == "no_value:1"  # older CNVkit: NaN log2 and an int64 cn
    # segmetrics --ci: the log2 interval 2.1..2.5 as copy numbers at purity 1
    assert (rec.cn_ci_low, rec.cn_ci_high) == (pytest.approx(cn(2.1), abs=1e-3), pytest.approx(cn(2.5), abs=1e-3))


def test_cns_confidence_interval_reaches_the_call(tmp_path):
    """A segment whose point estimate is over the amplification threshold but whose CNVkit
    interval reaches below it: the call says so."""
    text = table("""
        chromosome|start|end|gene|log2|probes|ci_lo|ci_hi
        chr17|37855900|37884400|ERBB2|1.5|26|0.9|1.9
    """)
    (rec,) = read(tmp_path, "s.cns", text)
    assert rec.cn == pytest.approx(cn(1.5))
    assert (rec.cn_ci_low, rec.cn_ci_high) == (pytest.approx(cn(0.9), abs=1e-3), pytest.approx(cn(1.9), abs=1e-3))
    vcf = tmp_path / "s.vcf"
    vcf.write_text(VCF_HEADER_37)
    proc = run_cli("classify", str(vcf), "--cnv", str(tmp_path / "s.cns"), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    calls = [c for s in json.loads(proc.stdout) for c in s["calls"] if c["class"] == "amplification"]
    assert len(calls) == 1 and calls[0]["cn_ci_low"] == pytest.approx(cn(0.9), abs=1e-3)
    assert any("lower CI bound" in n for n in calls[0]["notes"])


def test_cns_interval_with_an_unusable_bound_is_left_out(tmp_path):
    text = table("""
        chromosome|start|end|gene|log2|probes|ci_lo|ci_hi
        chr17|37855900|37884400|ERBB2|2.0|26|-inf|2.2
    """)
    (rec,) = read(tmp_path, "s.cns", text)
    assert rec.cn == pytest.approx(cn(2.0)) and rec.cn_ci_low is None and rec.cn_ci_high is None


def test_gene_names_play_no_part(tmp_path):
    # 'Antitarget', 'Background', '-' and lists of genes: rows are matched by position only
    text = table("""
        chromosome|start|end|gene|log2|probes
        17|37855900|37884400|-|1.0|26
    """)
    (rec,) = read(tmp_path, "nochr.cns", text)
    assert rec.cn == pytest.approx(4.0)


# -- .seg: CNVkit 'export seg' and friends; the scale is never guessed ----------------------------

CNVKIT_SEG = table("""
    ID|chrom|loc.start|loc.end|num.mark|seg.mean
    TUMOR|chr2|212578201|212576900|0|-2.41
    TUMOR|chr9|21968151|21968300|1|-30.79
    TUMOR|chr17|37855901|37884400|26|0.9
""")


def test_seg_without_a_scale_is_refused_when_a_gene_needs_it(tmp_path):
    with pytest.raises(InputError) as err:
        read(tmp_path, "t.seg", CNVKIT_SEG)
    got = str(err.value)
    assert got.startswith(f"{tmp_path / 't.seg'}:1: seg.mean does not say whether it holds log2 or log10")
    assert "give --cnv-scale log2, log10 or linear" in got
    # no row on the gene: nothing to convert, nothing to ask
    kras = {"KRAS": Region("12", 25357723, 25403870, "KRAS")}
    assert read(tmp_path, "t.seg", CNVKIT_SEG, genes=kras) == []


@pytest.mark.parametrize("scale, field, expected", [
    ("log2", "log2", 2 * 2 ** 0.9),
    ("log10", "log10", 2 * 10 ** 0.9),   # read as log2 it would be 3.7 copies, not 15.9
])
def test_seg_scale_given(tmp_path, scale, field, expected):
    (rec,) = read(tmp_path, "t.seg", CNVKIT_SEG, scale=scale)
    assert (rec.source_field, rec.raw_value, rec.sample) == (field, 0.9, "TUMOR")
    assert rec.cn == pytest.approx(expected)
    assert f"seg.mean read as {scale} (--cnv-scale)" in rec.notes
    assert rec.qc["rows_left_out"] == "zero_probe:1;no_coverage:1"


def test_seg_linear_ratio(tmp_path):
    text = table("""
        ID|chrom|loc.start|loc.end|num.mark|seg.mean
        TUMOR|17|37855901|37884400|26|2.5
        TUMOR|9|21968151|21968300|1|0
    """)
    (rec,) = read(tmp_path, "t.seg", text, scale="linear", purity=0.5)
    assert (rec.source_field, rec.cn) == ("ratio", pytest.approx((2 * 2.5 - 1) / 0.5))
    assert rec.qc["rows_left_out"] == "no_coverage:1"  # a ratio of 0: no reads
    negative = text.replace("\t0\n", "\t-0.4\n")
    with pytest.raises(InputError, match=r"t\.seg:3: seg\.mean '-0\.4' is negative, so not a linear copy ratio"):
        read(tmp_path, "t.seg", negative, scale="linear")


def test_named_scales_are_kept(tmp_path):
    (rec,) = read(tmp_path, "amplicon.cns", AMPLICON_CNS, scale="log10")
    assert rec.cn == pytest.approx(AMPLICON_CNS_CN)
    assert "--cnv-scale log10 not applied: column log2 is log2" in rec.notes


def test_seg_after_r_warning_with_sample_name_header(tmp_path):
    # DNAcopy via R: a warning line before the quoted header sampleName ... nbrOfLoci mean
    text = ('WARNING: ignoring environment value of R_HOME\n'
            '"sampleName"\t"chromosome"\t"start"\t"end"\t"nbrOfLoci"\t"mean"\n'
            '"TUMOR"\t"chr17"\t37855901\t37884400\t146\t0.5\n')
    (rec,) = read(tmp_path, "warning.seg", text, scale="log2")
    assert (rec.sample, rec.source_caller, rec.cn) == ("TUMOR", "seg", pytest.approx(cn(0.5)))


def test_multi_sample_seg_counts_left_out_rows_per_sample(tmp_path):
    text = table("""
        ID|chrom|loc.start|loc.end|num.mark|seg.mean
        A|chr9|21968151|21968300|1|-30.79
        A|chr17|37855901|37884400|26|1.0
        B|chr17|37855901|37884400|26|0.0
    """)
    a, b = read(tmp_path, "t.seg", text, scale="log2")
    assert (a.sample, a.qc) == ("A", {"rows_left_out": "no_coverage:1"})
    assert (b.sample, b.qc) == ("B", {})


# -- CNVkit export vcf: the same rule for its records ---------------------------------------------

def test_cnvkit_vcf_record_without_reads(tmp_path):
    text = (ROOT / "fixtures" / "cnv" / "cnvkit_export_grch37.vcf").read_text()
    text = text.replace("FOLD_CHANGE=0.25;FOLD_CHANGE_LOG=-2", "FOLD_CHANGE=4.6e-10;FOLD_CHANGE_LOG=-31.03")
    assert "FOLD_CHANGE_LOG=-31.03" in text
    (rec,) = read(tmp_path, "c.vcf", text, genes={"ERBB2": Region("17", 37856254, 37884915, "ERBB2")})
    assert rec.cn == 11.0
    assert rec.qc["rows_left_out"] == "no_coverage:1"
    with pytest.raises(InputError, match=r"c\.vcf:\d+.*INFO/FOLD_CHANGE_LOG -31\.03 is below log2 -15 "
                                         r"\(a region without reads, not a copy number\), in a row over CDKN2A"):
        read(tmp_path, "c.vcf", text, genes=CDKN2A)


# -- through the command line ----------------------------------------------------------------------

YVMA = "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n"


def _vcf(tmp_path: Path) -> Path:
    path = tmp_path / "t.vcf"
    path.write_text(VCF_HEADER_37 + YVMA)
    return path


def test_cli_odd_rows_away_from_erbb2_keep_the_sample(tmp_path):
    cns = tmp_path / "amplicon.cns"
    cns.write_text(AMPLICON_CNS.replace("\t1.6\t20", "\t2.6\t20"))
    out = tmp_path / "out"
    proc = run_cli("classify", str(_vcf(tmp_path)), "--cnv", str(cns), "--out", str(out), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "p.Y772_A775dup" in proc.stdout and "amplification" in proc.stdout
    assert "amplicon.cns: 1 row(s) away from ERBB2 left out" in proc.stderr
    doc = json.loads(next((out / "samples").glob("*.json")).read_text())
    (cnrec,) = doc["copy_numbers"]
    assert cnrec["qc"]["rows_left_out"] == "zero_probe:4;no_coverage:1"


def test_cli_odd_row_on_erbb2_fails_the_sample_and_says_so(tmp_path):
    cns = tmp_path / "bad.cns"
    cns.write_text(AMPLICON_CNS.replace("chr17\t37863300\t37884400\tERBB2,MIR4728\t1.6",
                                        "chr17\t37863300\t37884400\tERBB2,MIR4728\t-31.03"))
    proc = run_cli("classify", str(_vcf(tmp_path)), "--cnv", str(cns), "--format", "tsv")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"{cns}:14: log2 -31.03 is below log2 -15" in proc.stderr
    assert "sample 'TUMOR' is not reported, its calls from" in proc.stderr
    assert "p.Y772_A775dup" not in proc.stdout


def test_cli_seg_scale(tmp_path):
    seg = tmp_path / "t.seg"
    seg.write_text(CNVKIT_SEG.replace("\t0.9\n", "\t0.5\n"))
    vcf = str(_vcf(tmp_path))
    refused = run_cli("classify", vcf, "--cnv", str(seg), "--format", "tsv")
    assert refused.returncode == 1 and "give --cnv-scale log2, log10 or linear" in refused.stderr
    as_log2 = run_cli("classify", vcf, "--cnv", str(seg), "--cnv-scale", "log2", "--format", "tsv")
    assert as_log2.returncode == 0, as_log2.stderr
    assert "amplification" not in as_log2.stdout  # 2.8 copies
    as_log10 = run_cli("classify", vcf, "--cnv", str(seg), "--cnv-scale", "log10", "--format", "tsv")
    assert as_log10.returncode == 0, as_log10.stderr
    assert "amplification" in as_log10.stdout and "6.325" in as_log10.stdout  # 2 * 10 ** 0.5


def test_cli_seg_scale_applies_to_a_samples_sheet(tmp_path):
    seg = tmp_path / "t.seg"
    seg.write_text(CNVKIT_SEG.replace("\t0.9\n", "\t0.5\n"))
    _vcf(tmp_path)
    sheet = tmp_path / "sheet.tsv"
    sheet.write_text("sample\tvcf\tcnv\nTUMOR\tt.vcf\tt.seg\n")
    proc = run_cli("classify", "--samples", str(sheet), "--cnv-scale", "log10", "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    assert "amplification" in proc.stdout and "6.325" in proc.stdout  # read as log10, not log2
