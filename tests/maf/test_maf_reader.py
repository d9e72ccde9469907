"""The MAF reader: recognising a MAF, its header and dialect, every row checked against the header
(shifted columns, non-chromosomes, non-positions, non-alleles), and the rows kept."""

from __future__ import annotations

import gzip

import pytest
from conftest import FIXTURES

from her2var.errors import InputError
from her2var.maf.reader import MafReader
from her2var.maf.sniff import is_maf

MAF = FIXTURES / "maf"
COLS = ["Hugo_Symbol", "NCBI_Build", "Chromosome", "Start_Position", "End_Position", "Variant_Classification",
        "Variant_Type", "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "Tumor_Sample_Barcode",
        "t_depth", "t_alt_count"]
ROW = ["ERBB2", "GRCh37", "17", "37881000", "37881000", "Missense_Mutation", "SNP", "G", "G", "T", "S1", "100", "20"]
ERBB2_37 = {"17": [(37856307, 37884921)]}


def maf(tmp_path, *rows: list[str], cols: list[str] = COLS, head: str = "", name: str = "t.maf"):
    p = tmp_path / name
    p.write_text(head + "\t".join(cols) + "\n" + "".join("\t".join(r) + "\n" for r in rows))
    return p


def row(**changes: str) -> list[str]:
    out = list(ROW)
    for k, v in changes.items():
        out[COLS.index(k)] = v
    return out


def read_all(path, spans=ERBB2_37, genes=()):
    r = MafReader(path)
    return r, list(r.rows(spans, genes))


# -- recognising a MAF ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["cbioportal_data_mutations.GRCh37.txt", "cbioportal_data_mutations.GRCh37.txt.gz",
                                  "genie_data_mutations_extended.GRCh37.txt", "vcf2maf.GRCh38.maf",
                                  "gdc_somatic.GRCh38.maf", "tcga_mc3.GRCh37.maf"])
def test_fixtures_are_recognised(name):
    assert is_maf(MAF / name)


@pytest.mark.parametrize("text", ["##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n17\t1\t.\tA\tC\t.\t.\t.\n",
                                  "chromosome\tstart\tend\tgene\tlog2\n17\t1\t2\tERBB2\t0.1\n",
                                  "", "\x00\x01garbage"])
def test_other_files_are_not_mafs(tmp_path, text):
    p = tmp_path / "x.txt"
    p.write_text(text)
    assert not is_maf(p)
    assert not is_maf(tmp_path / "missing.maf")


@pytest.mark.parametrize(("name", "dialect"), [
    ("cbioportal_data_mutations.GRCh37.txt", "maf"), ("genie_data_mutations_extended.GRCh37.txt", "genie"),
    ("vcf2maf.GRCh38.maf", "vcf2maf"), ("gdc_somatic.GRCh38.maf", "gdc"), ("tcga_mc3.GRCh37.maf", "mc3"),
])
def test_dialects(name, dialect):
    assert MafReader(MAF / name).header.dialect == dialect


def test_version_line_padded_with_tabs_and_case_of_names(tmp_path):
    """cBioPortal's '#version 2.4' line carries one tab per column; old TCGA files spell
    'Start_position': both read."""
    cols = [c if c != "Start_Position" else "Start_position" for c in COLS]
    p = maf(tmp_path, ROW, cols=cols, head="#version 2.4" + "\t" * 12 + "\n")
    r, rows = read_all(p)
    assert r.header.line == 2
    assert [(x.sample, x.start, x.end, x.get("hugo_symbol")) for x in rows] == [("S1", 37881000, 37881000, "ERBB2")]


def test_rows_outside_the_spans_are_checked_but_not_kept(tmp_path):
    p = maf(tmp_path, row(), row(Start_Position="7577120", End_Position="7577120", Hugo_Symbol="TP53",
                                 Tumor_Sample_Barcode="S2"),
            row(Chromosome="7", Start_Position="55259515", End_Position="55259515", Tumor_Sample_Barcode="S3"))
    r, rows = read_all(p, genes={"ERBB2"})
    # S3's row is on chromosome 7 but named ERBB2: kept for its Hugo_Symbol (classify lists it off-gene)
    assert [(x.line, x.key) for x in rows] == [(2, "17"), (4, "7")]
    assert list(r.samples) == ["S1", "S2", "S3"]
    assert r.builds == {"GRCh37": 2}


def test_gzipped_reads_like_plain(tmp_path):
    plain = maf(tmp_path, row(), row(Tumor_Sample_Barcode="S2"))
    gz = tmp_path / "t.maf.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert [x.cells for x in read_all(gz)[1]] == [x.cells for x in read_all(plain)[1]]


# -- rows that do not match their header ------------------------------------------------------------
def error_of(path, spans=ERBB2_37) -> str:
    with pytest.raises(InputError) as exc:
        read_all(path, spans)
    return str(exc.value)


def test_shifted_fixture_names_row_column_and_shift():
    msg = error_of(MAF / "shifted_columns.GRCh37.txt")
    assert "shifted_columns.GRCh37.txt:3: column 10 (Variant_Type) is 'In_Frame_Ins'" in msg
    assert "Variant_Classification value" in msg
    assert "from column 10 (Variant_Type) on, the values sit one column to the right" in msg


@pytest.mark.parametrize(("changes", "needle"), [
    ({"Chromosome": "+"}, "column 3 (Chromosome) is '+'; expected a chromosome"),
    ({"Chromosome": "GRCh37"}, "column 3 (Chromosome) is 'GRCh37'"),
    ({"Start_Position": "37,881,000"}, "column 4 (Start_Position) is '37,881,000'; expected a position"),
    ({"Start_Position": "0"}, "column 4 (Start_Position) is '0'"),
    ({"End_Position": "x"}, "column 5 (End_Position) is 'x'"),
    ({"Reference_Allele": "SNP"}, "column 8 (Reference_Allele) is 'SNP'; expected an allele"),
    ({"Tumor_Seq_Allele2": ""}, "column 10 (Tumor_Seq_Allele2) is ''"),
    ({"Variant_Type": "Missense_Mutation"}, "column 7 (Variant_Type) is 'Missense_Mutation'"),
    ({"Variant_Classification": "SNP"}, "column 6 (Variant_Classification) is 'SNP'"),
    ({"Tumor_Sample_Barcode": ""}, "column 11 (Tumor_Sample_Barcode) '' is empty"),
])
def test_malformed_cell_is_an_error_naming_row_and_column(tmp_path, changes, needle):
    p = maf(tmp_path, row(), row(Tumor_Sample_Barcode="S2"), row(**changes))
    assert f"t.maf:4: {needle}" in error_of(p)


def test_malformed_row_far_from_the_genes_is_an_error_too(tmp_path):
    p = maf(tmp_path, row(Chromosome="1", Start_Position="100", End_Position="100", Reference_Allele="1"))
    assert "t.maf:2: column 8 (Reference_Allele)" in error_of(p)


@pytest.mark.parametrize(("cells", "found"), [(ROW[:-1], 12), (ROW + ["extra"], 14)])
def test_cell_count_must_match_the_header(tmp_path, cells, found):
    p = maf(tmp_path, row(), cells)
    assert f"t.maf:3: {found} tab-separated cells, but the header (line 1) has 13 columns" in error_of(p)


def test_trailing_empty_cells_and_blank_lines_are_tolerated(tmp_path):
    p = tmp_path / "t.maf"
    p.write_text("\t".join(COLS) + "\n" + "\t".join(ROW) + "\t\t\r\n\n" + "\t" * 12 + "\n")
    assert len(read_all(p)[1]) == 1


def test_header_problems(tmp_path):
    dup = maf(tmp_path, ROW + ["A"], cols=COLS + ["tumor_seq_allele2"], name="dup.maf")
    assert "column tumor_seq_allele2 appears twice (columns 10 and 14)" in str(
        pytest.raises(InputError, MafReader, dup).value)
    cols = [c for c in COLS if c != "Tumor_Sample_Barcode"]
    missing = maf(tmp_path, ROW[:-3] + ROW[-2:], cols=cols, name="missing.maf")
    assert "the MAF header has no Tumor_Sample_Barcode column" in str(pytest.raises(InputError, MafReader, missing).value)
    only = tmp_path / "only.maf"
    only.write_text("#version 2.4\n")
    assert "no MAF header line" in str(pytest.raises(InputError, MafReader, only).value)


def test_truncated_gzip_and_bad_encoding(tmp_path):
    plain = maf(tmp_path, *[row(Tumor_Sample_Barcode=f"S{i}") for i in range(2000)])
    gz = tmp_path / "cut.maf.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes())[:-200])
    assert "the compressed data is truncated or corrupt" in error_of(gz)
    latin = tmp_path / "latin.maf"
    latin.write_bytes(plain.read_bytes().replace(b"S7\t", b"S\xe97\t"))
    assert "latin.maf:9: not UTF-8 text" in error_of(latin)


def test_first_build(tmp_path):
    p = maf(tmp_path, row(NCBI_Build=""), row(NCBI_Build="37", Tumor_Sample_Barcode="S2"))
    assert MafReader(p).first_build() == ("37", 3)


def test_positions_written_as_floats_and_minimal_columns(tmp_path):
    """A data frame with NA in the column writes '37881000.0'; a minimal MAF may end its rows with
    a column read (here Tumor_Sample_Barcode, the line end not part of the id)."""
    p = maf(tmp_path, row(Start_Position="37881000.0", End_Position="37881000.0"))
    (kept,) = read_all(p)[1]
    assert (kept.start, kept.end) == (37881000, 37881000)
    cols = ["Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2", "Tumor_Sample_Barcode"]
    p = tmp_path / "min.maf"
    p.write_bytes(b"\t".join(c.encode() for c in cols) + b"\r\n17\t37881000\tG\tT\tS1\r\n17\t1\tG\tT\tS2\r\n")
    r, rows = read_all(p)
    assert list(r.samples) == ["S1", "S2"] and [x.sample for x in rows] == ["S1"]


def test_comment_lines_between_rows_and_many_samples(tmp_path):
    rows = [row(Tumor_Sample_Barcode=f"S{i % 7}", Start_Position=str(37881000 + i % 3),
                End_Position=str(37881000 + i % 3)) for i in range(50)]
    p = tmp_path / "t.maf"
    p.write_text("\t".join(COLS) + "\n" + "".join("\t".join(r) + "\n" + ("#note\n" if i == 20 else "")
                                                    for i, r in enumerate(rows)))
    r, kept = read_all(p)
    assert len(kept) == 50 and kept[21].line == 24  # the comment (line 23) is skipped, its line counted
    assert list(r.samples) == [f"S{i}" for i in range(7)]


# -- a file that changes while it is read ---------------------------------------------------------
def test_maf_cut_while_its_rows_are_read_is_an_error(tmp_path):
    """The rows and the result's checksum must be of one file: a MAF cut (or still being written)
    while its rows were read gave a result of fewer rows under the checksum of the whole."""
    p = maf(tmp_path, *[row(Start_Position=str(37881000 + i), End_Position=str(37881000 + i)) for i in range(3000)])
    reader = MafReader(p)
    rows = reader.rows(ERBB2_37)
    next(rows)
    size = p.stat().st_size
    with open(p, "r+b") as fh:
        fh.truncate(size // 2)
    with pytest.raises(InputError, match=r"t\.maf: the file changed while it was read"):
        list(rows)


def test_maf_rewritten_with_the_same_size_while_read_is_an_error(tmp_path):
    p = maf(tmp_path, row(), row(Tumor_Sample_Barcode="S2"))
    reader = MafReader(p)
    rows = reader.rows(ERBB2_37)
    next(rows)
    p.write_bytes(p.read_bytes().replace(b"S2", b"S3"))
    import os
    os.utime(p, ns=(1, 1))
    with pytest.raises(InputError, match="the file changed while it was read"):
        list(rows)


def test_maf_read_whole_and_unchanged_passes_the_check(tmp_path):
    _, rows = read_all(maf(tmp_path, row(), row(Tumor_Sample_Barcode="S2")))
    assert [r.sample for r in rows] == ["S1", "S2"]
