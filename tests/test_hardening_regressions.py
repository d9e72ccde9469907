"""One regression test per bug the hostile-input corpus (tests/bad_inputs/) found in a reader:
each was a traceback or a silently wrong result and is now an error naming file and place."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from conftest import VCF_HEADER_37, run_cli, write

from her2var.classify.batch import read_samples_sheet
from her2var.tables import read_table
from her2var.errors import InputError, RulesError
from her2var.fusions.tables import read_fusion_file
from her2var.rules.fusions import load_fusion_rules
from her2var.rules.load import load_rules
from her2var.rules.schema import read_yaml
from her2var.vcf.reader import BGZF_EOF, VcfReader, parse_record, validate

YVMA_37 = "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n"


def _bgzip(tmp_path, text: str) -> bytes:
    import pysam

    src = write(tmp_path, "src.vcf", text)
    pysam.tabix_compress(str(src), str(tmp_path / "src.vcf.gz"), force=True)
    return (tmp_path / "src.vcf.gz").read_bytes()


# -- VCF/BCF ---------------------------------------------------------------------------------------------
def test_bgzf_cut_at_a_block_edge_is_truncated_not_silently_short(tmp_path):
    data = _bgzip(tmp_path, VCF_HEADER_37 + YVMA_37)
    assert data.endswith(BGZF_EOF)
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(data[: -len(BGZF_EOF)])  # every record block intact, only the EOF block gone
    with pytest.raises(InputError, match=r"cut\.vcf\.gz: the BGZF end-of-file marker is missing: the file is truncated"):
        VcfReader(cut)


def _bcf(tmp_path) -> bytes:
    import pysam

    src = write(tmp_path, "src.vcf", VCF_HEADER_37 + YVMA_37)
    dst = tmp_path / "src.bcf"
    with pysam.VariantFile(str(src)) as vin, pysam.VariantFile(str(dst), "wb", header=vin.header) as out:
        for r in vin:
            out.write(r)
    return dst.read_bytes()


def test_bcf_with_a_broken_header_is_an_input_error_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.bcf"
    bad.write_bytes(b"BCF\x02\x02" + bytes(range(256)) + BGZF_EOF)
    with pytest.raises(InputError, match=r"bad\.bcf: the BCF file cannot be read"):
        VcfReader(bad)


def test_bcf_with_a_broken_record_is_an_input_error_not_a_traceback(tmp_path):
    data = _bcf(tmp_path)
    bad = tmp_path / "bad.bcf"
    bad.write_bytes(data[: len(data) * 3 // 4] + BGZF_EOF)
    with pytest.raises(InputError, match=r"bad\.bcf"):
        list(VcfReader(bad).records())


@pytest.mark.parametrize("ref,alt,message", [
    ("A#", "AT", r"x\.vcf:9: REF 'A#' is not a DNA sequence"),
    ("", "AGC", r"x\.vcf:9: REF '' is not a DNA sequence"),
    ("A", "AGCXT", r"x\.vcf:9: ALT allele 1 'AGCXT' is not a DNA sequence"),
    ("A", "AGC,,T", r"x\.vcf:9: ALT allele 2 '' is not a DNA sequence"),
])
def test_ref_or_alt_that_is_not_dna_is_refused_not_named(ref, alt, message):
    from her2var.vcf.reader import parse_header_lines

    header = parse_header_lines(VCF_HEADER_37.rstrip("\n").split("\n"), "x.vcf")
    rec = parse_record(f"17\t37880981\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120", "x.vcf", 9, 1)
    with pytest.raises(InputError, match=message):
        validate(rec, header)


@pytest.mark.parametrize("alt", ["<DUP>", "*", "N[17:37880981[", "]17:5]A", "A.", ".A", "agc"])
def test_symbolic_and_breakend_alts_stay_valid(alt):
    from her2var.vcf.reader import parse_header_lines

    header = parse_header_lines(VCF_HEADER_37.rstrip("\n").split("\n"), "x.vcf")
    validate(parse_record(f"17\t37880981\t.\tA\t{alt}\t.\tPASS\t.\tGT\t0/1", "x.vcf", 9, 1), header)


# -- fusion tables -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "-4"])
def test_fusion_read_count_nan_inf_or_negative_is_refused(tmp_path, value):
    head = ["#gene1", "gene2", "breakpoint1", "breakpoint2", "split_reads1", "split_reads2", "discordant_mates"]
    row = ["EML4", "ALK", "2:42522656", "2:29446394", value, "10", "8"]
    table = write(tmp_path, "f.tsv", "\t".join(head) + "\n" + "\t".join(row) + "\n")
    with pytest.raises(InputError, match=rf"f\.tsv:2: split_reads1 '{value}' is not a count"):
        read_fusion_file(str(table), sample="T", build="GRCh37", rules=load_fusion_rules())


# -- rules YAML --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["x: " + "[" * 5000 + "]" * 5000 + "\n", "x: " + "{k: " * 5000 + "v" + "}" * 5000 + "\n"],
                         ids=["lists", "mappings"])
def test_rules_nested_thousands_deep_is_a_rules_error_not_a_recursion_traceback(tmp_path, text):
    # PyYAML 6.0.4 stops such a document itself, earlier releases overflow Python's stack; either
    # way the user gets a RulesError naming the file (the wording is the library's or ours).
    path = write(tmp_path, "deep.yaml", text)
    with pytest.raises(RulesError) as info:
        read_yaml(path)
    assert str(info.value).startswith(str(path))
    assert len(str(info.value)) < 500


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_rules_non_finite_threshold_is_refused(tmp_path, value):
    path = write(tmp_path, "lab.yaml", f"thresholds:\n  amplification_cn: {value}\n")
    with pytest.raises(RulesError, match=r"lab\.yaml\.thresholds\.amplification_cn: expected a finite number"):
        load_rules([path])


# -- samples sheet -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("content,message", [
    (b"sample\tvcf\nS\xe91\tx.vcf\n", r"sheet\.tsv: not UTF-8 text"),
    (b"sample\tvcf\nS\x001\tx.vcf\n", r"sheet\.tsv: contains NUL bytes"),
    (b'sample\tvcf\nS1\t"' + b"x" * 200_000 + b'"\n', r"sheet\.tsv:2: not a valid samples sheet"),
    (b"sample\tvcf\nS1\ta.vcf\nS1\tb.vcf\n", r"sheet\.tsv:3: sample 'S1' is listed twice \(first on line 2\)"),
    (b"sample\tvcf\tvcf\nS1\ta.vcf\tb.vcf\n", r"sheet\.tsv:1: column\(s\) vcf given twice"),
], ids=["not-utf8", "nul-byte", "huge-field", "duplicate-sample", "duplicate-column"])
def test_samples_sheet_bad_bytes_or_repeats_are_errors(tmp_path, content, message):
    sheet = tmp_path / "sheet.tsv"
    sheet.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_samples_sheet(str(sheet))


# -- clinical workbooks ---------------------------------------------------------------------------------------
def _workbook(tmp_path, edit, patch=None):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Patients"
    ws.append(["patient_id", "treatment_start"])
    ws.append(["P001", dt.date(2021, 3, 1)])
    ws.append(["P002", dt.date(2021, 4, 1)])
    edit(ws)
    path = tmp_path / "records.xlsx"
    wb.save(path)
    if patch:
        data = path.read_bytes()
        zin = zipfile.ZipFile(io.BytesIO(data))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zout:
            for info in zin.infolist():
                body = zin.read(info.filename)
                zout.writestr(info, patch(body.decode()).encode() if info.filename.endswith("sheet1.xml") else body)
        path.write_bytes(buf.getvalue())
    return path


def test_xlsx_merged_cells_are_refused_not_read_as_empty(tmp_path):
    def merge(ws):
        ws["B3"] = None
        ws.merge_cells("B2:B3")

    with pytest.raises(InputError, match=r"records\.xlsx \[sheet Patients\]: merged cells B2:B3"):
        read_table(str(_workbook(tmp_path, merge)))


def test_xlsx_formula_without_saved_value_is_refused_not_read_as_empty(tmp_path):
    def formula(ws):
        ws["B3"] = "=DATE(2021,4,1)"

    with pytest.raises(InputError, match=r"records\.xlsx \[sheet Patients\]: cell\(s\) B3 hold a formula with no saved"):
        read_table(str(_workbook(tmp_path, formula)))


def test_xlsx_formula_with_saved_value_is_read_by_value(tmp_path):
    def formula(ws):
        ws["B3"] = "=DATE(2021,4,1)"
        ws["B3"].number_format = "YYYY-MM-DD"

    def cache(xml: str) -> str:  # what Excel writes: the formula and its last value
        return xml.replace("<f>DATE(2021,4,1)</f><v />", "<f>DATE(2021,4,1)</f><v>44287</v>")

    table = read_table(str(_workbook(tmp_path, formula, cache)))
    assert table.rows[1] == ["P002", dt.date(2021, 4, 1)]


def test_huge_log2_ratio_is_a_clean_error_not_an_overflow(tmp_path):
    """Found by the property test: a log2 of 1e5 overflowed 2**r (OverflowError, a traceback)."""
    from her2var.copynumber.read import read_copy_number_file
    from her2var.errors import InputError
    from her2var.models import Region

    p = tmp_path / "x.cns"
    p.write_text("chromosome\tstart\tend\tgene\tlog2\n17\t37844000\t37885000\tERBB2\t100000\n")
    with pytest.raises(InputError, match=r"x.cns:2: log2 100000 is above log2 30"):
        read_copy_number_file(str(p), sample=None, genes={"ERBB2": Region("17", 37844000, 37885000, "ERBB2")},
                              purity=None, build=None)


# -- numbers Python refuses or misreads -------------------------------------------------------------------
def test_rules_integer_of_thousands_of_digits_is_a_rules_error(tmp_path):
    path = write(tmp_path, "big.yaml", "thresholds:\n  min_depth: " + "9" * 5000 + "\n")
    with pytest.raises(RulesError) as info:
        read_yaml(path)
    assert str(info.value).startswith(str(path)) and len(str(info.value)) < 500


@pytest.mark.parametrize("pos", ["\u00b2", "\u0663", "9" * 5000], ids=["superscript", "arabic_indic", "5000_digits"])
def test_vcf_pos_that_only_looks_numeric_is_named(pos):
    with pytest.raises(InputError, match=r"^x\.vcf:9: POS .* is not a positive integer"):
        parse_record(f"17\t{pos}\t.\tA\tC\t.\tPASS\t.", "x.vcf", 9, 0)


def test_vcf_contig_length_of_thousands_of_digits_is_no_traceback(tmp_path):
    header = VCF_HEADER_37.replace("length=81195210", "length=" + "9" * 5000)
    vcf = write(tmp_path, "s.vcf", header + "17\t37880220\t.\tT\tC\t.\tPASS\t.\tGT:AD:DP\t0/1:60,60:120\n")
    proc = run_cli("classify", str(vcf), "--format", "tsv")
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (0, 1)
