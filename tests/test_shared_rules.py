"""Rules written once and used by every reader and writer: contig names, formula-safe cells,
atomic writing, opening inputs, chromosome lengths, the Ion FUNC parser and the small-variant
quality filter. Each test pins the behaviour chosen where earlier copies disagreed, and that the
users go through the one definition."""

from __future__ import annotations

import gzip
import os
import re
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

from her2var.contigs import contig_key, resolve_contig, same_contig
from her2var.errors import InputError
from her2var.files import (
    atomic_folder,
    atomic_path,
    atomic_write,
    input_head,
    neutralise,
    read_input,
)
from her2var.models import Region, Support
from her2var.rules.load import load_rules
from her2var.rules.quality import quality_reason

PACKAGE = ROOT / "her2var"


def _sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))}


# -- 1. contig names -------------------------------------------------------------------------------
@pytest.mark.parametrize("names, key", [
    (["chr17", "Chr17", "CHR17", "17"], "17"),
    (["chrX", "chrx", "X", "x", "CHRX"], "X"),
    (["chrM", "chrMT", "M", "MT", "mt", "ChrM"], "MT"),
    (["chrUn_gl000220", "Un_GL000220"], "UN_GL000220"),
])
def test_contig_key_one_rule_for_every_style(names, key):
    assert {contig_key(n) for n in names} == {key}


def test_contigs_of_other_chromosomes_stay_apart():
    assert not same_contig("chr1", "chr17") and not same_contig("chrX", "chrY") and not same_contig("M", "1")


def test_resolve_contig_prefers_the_file_spelling():
    assert resolve_contig("17", {"chr17", "chr7"}) == "chr17"
    assert resolve_contig("chr17", {"17", "7"}) == "17"
    assert resolve_contig("17", {"17", "chr17"}) == "17"  # as written wins
    assert resolve_contig("MT", {"chrM"}) == "chrM" and resolve_contig("chrM", {"MT"}) == "MT"
    assert resolve_contig("17", {"Chr17"}) == "Chr17"  # a hand-edited spelling is still found
    assert resolve_contig("12", {"chr17"}) is None


def test_every_contig_user_goes_through_the_one_rule(rules):
    """The copies that differed: BED duplicates/checksum, targets coverage lookup, fusion gene
    spans, the header's build evidence, the FASTA and BAM lookups."""
    from her2var.genome.bed import Target, intervals_checksum
    from her2var.genome.builds import build_evidence, contig_names
    from her2var.genome.intervals import covered_fraction
    from her2var.models import VcfHeader

    assert intervals_checksum([Target("chr17", 1, 10)]) == intervals_checksum([Target("CHR17", 1, 10)]) \
        == intervals_checksum([Target("17", 1, 10)])
    assert covered_fraction({"Chr17": [(1, 10)]}, "17", 1, 10) == 1.0
    span = next(iter(rules.fusions.genes.values())).builds["GRCh37"]
    for spelling in (span.chrom, "chr" + span.chrom, "Chr" + span.chrom, "CHR" + span.chrom):
        assert span.contains(spelling, span.start)
    length = rules.builds["GRCh38"].contig_lengths["17"]
    header = VcfHeader(path="x.vcf", fileformat="VCFv4.2", meta={}, info={}, format={},
                       contigs={"Chr17": length}, samples=[], n_lines=2)
    assert [b for b, _ in build_evidence(header, rules)] == ["GRCh38"]
    assert contig_names(header, "17") == ["Chr17"]


def test_no_copy_of_the_contig_rule_is_left():
    pattern = re.compile(r'removeprefix\("chr"\)|startswith\("chr"\)|\[:3\]\.lower\(\) == "chr"|def _?bare\(')
    found = [f"{name}: {m.group(0)}" for name, text in _sources().items() if name != "her2var/contigs.py"
             for m in pattern.finditer(text)]
    assert found == []


# -- 2. spreadsheet formulas -----------------------------------------------------------------------
@pytest.mark.parametrize("text, safe", [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1"),  # tab/CR-prefixed: only some copies caught these
    ("-5", "-5"), ("+3.5", "+3.5"), ("-1e3", "-1e3"), ("P001", "P001"), ("", ""), ("a=b", "a=b"),
])
def test_neutralise(text, safe):
    assert neutralise(text) == safe


def test_every_spreadsheet_writer_uses_the_one_rule():
    import her2var.analysis.tables as analysis_tables
    import her2var.classify.output as classify_output
    import her2var.cohort.export as cohort_export

    from her2var.files import tsv_text

    assert analysis_tables.neutralise is cohort_export.neutralise is neutralise
    # every TSV writer's text cell is the one rule (files.tsv_text: line ends out, then neutralise)
    assert analysis_tables.tsv_text is cohort_export.tsv_text is classify_output.tsv_text is tsv_text
    assert classify_output._fmt('"=1+1"') == "'\"=1+1\""
    assert analysis_tables.cell_text("=HYPERLINK(x)") == "'=HYPERLINK(x)"
    assert cohort_export.fmt("patient_id", "@x") == "'@x"
    assert not any(re.search(r"_FORMULA_START|def safe_(cell|text)", t) for t in _sources().values())


def test_xlsx_cells_starting_with_tab_or_cr_are_neutralised(tmp_path):
    import openpyxl

    from her2var.analysis.tables import Table, write_xlsx
    from her2var.cohort.export import write_xlsx as cohort_xlsx

    write_xlsx(str(tmp_path / "a.xlsx"), [Table("t", "t", ["\r=col"], [["x"]])])
    cohort_xlsx(str(tmp_path / "c.xlsx"), [("s", ["id"], [{"id": "\t=1+1"}])])
    a = openpyxl.load_workbook(tmp_path / "a.xlsx")["t"]["A1"].value
    c = openpyxl.load_workbook(tmp_path / "c.xlsx")["s"]["A2"].value
    assert a.startswith("'") and a.endswith("=col") and c == "'\t=1+1"  # XLSX stores \r as \n


# -- 3. atomic writing -----------------------------------------------------------------------------
def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.tsv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(str(target)) as fh:
        fh.write("new\n")
        raise RuntimeError("boom")
    assert target.read_text() == "old\n" and _listing(tmp_path) == ["out.tsv"]
    with atomic_write(str(target)) as fh:
        fh.write("new\n")
    assert target.read_text() == "new\n" and _listing(tmp_path) == ["out.tsv"]


def test_atomic_path_for_writers_that_take_a_name(tmp_path):
    target = tmp_path / "t.bin"
    with atomic_path(str(target)) as tmp:
        assert os.path.basename(tmp).startswith(".tmp-") and tmp.endswith("-t.bin")
        Path(tmp).write_bytes(b"x")
    assert target.read_bytes() == b"x"
    with pytest.raises(InputError, match=r"t\.bin: writing failed .*nothing was written"), \
            atomic_path(str(target)) as tmp:
        raise OSError(28, "No space left on device")
    assert target.read_bytes() == b"x" and _listing(tmp_path) == ["t.bin"]


def test_atomic_folder_replaces_an_earlier_folder_only_on_success(tmp_path):
    out = tmp_path / "out"
    with atomic_folder(str(out)) as tmp:
        Path(tmp, "a.txt").write_text("1")
    with pytest.raises(RuntimeError), atomic_folder(str(out)) as tmp:
        Path(tmp, "b.txt").write_text("2")
        raise RuntimeError("boom")
    assert _listing(out) == ["a.txt"] and _listing(tmp_path) == ["out"]
    with atomic_folder(str(out)) as tmp:
        Path(tmp, "b.txt").write_text("2")
    assert _listing(out) == ["b.txt"] and _listing(tmp_path) == ["out"]


def test_no_copy_of_the_atomic_rule_is_left():
    # cohort.export.Staged commits several outputs together, outfolder.OutputFolder a folder of them:
    # their renames use files.py's pieces
    allowed = {"her2var/files.py", "her2var/cohort/export.py", "her2var/outfolder.py"}
    found = [name for name, text in _sources().items()
             if name not in allowed and re.search(r"mkstemp|mkdtemp|os\.replace\(|os\.rename\(", text)]
    assert found == []


# -- 4. opening inputs -----------------------------------------------------------------------------
def test_read_input_plain_gzip_bgzf_and_bom(tmp_path):
    text = "a\tb\r\nc\rd\n"
    plain = tmp_path / "p.tsv"
    plain.write_bytes(b"\xef\xbb\xbf" + text.encode())
    gz = tmp_path / "g.tsv.gz"
    gz.write_bytes(gzip.compress(text[:4].encode()) + gzip.compress(text[4:].encode()))  # two members
    for p in (plain, gz):
        got = read_input(p, what="a table")
        assert got.text == text and got.lines() == ["a\tb", "c", "d"]
        assert got.raw == p.read_bytes()
    assert input_head(gz, 3, what="a table") == b"a\tb" and input_head(plain, 3, what="a table") == b"a\tb"


@pytest.mark.parametrize("make, message", [
    (lambda p: None, r"x\.tsv: no such file \(--opt\)"),
    (lambda p: p.mkdir(), r"x\.tsv: is a folder, expected a table"),
    (lambda p: p.write_bytes(gzip.compress(b"a\tb\n" * 1000)[:-30]), r"x\.tsv: cannot be read: .*truncated"),
    (lambda p: p.write_bytes(b"ok\n\xe9t\xe9\n"), r"x\.tsv: not UTF-8 text \(byte 3\); expected a table; save it"),
    (lambda p: p.write_bytes(gzip.compress(b"BAM\x01rest")), r"x\.tsv: is a BAM/CRAM alignment file"),
])
def test_read_input_errors_name_the_file(tmp_path, make, message):
    path = tmp_path / "x.tsv"
    make(path)
    with pytest.raises(InputError, match=message):
        read_input(path, what="a table", source="--opt", advice="save it as UTF-8")


def test_replace_mode_reads_what_it_can(tmp_path):
    p = tmp_path / "x.tsv"
    p.write_bytes(b"gene\n\xe9\n")
    assert read_input(p, what="a table", errors="replace").lines() == ["gene", "\ufffd"]


def test_input_size_is_bounded(tmp_path):
    """A wrong file (a BAM given as a table, a decompression bomb) is refused, not read whole."""
    import dataclasses

    from her2var import limits

    assert limits.builtin().max_text_bytes >= 256 << 20  # far above any real table or panel of normals
    limits.use(dataclasses.replace(limits.builtin(), max_text_bytes=1000))  # as a lab's rules file would
    try:
        for name, data in (("plain.tsv", b"a\t1\n" * 1000), ("bomb.gz", gzip.compress(b"a\t1\n" * 100_000))):
            (tmp_path / name).write_bytes(data)
            with pytest.raises(InputError, match=re.escape(name) + r": more than 1,000 bytes of text; expected a table"
                                                                   r" \(limit max_text_bytes = 1,000"):
                read_input(tmp_path / name, what="a table")
    finally:
        limits.use(None)


def test_readers_share_the_opener(tmp_path, rules):
    """Gzip and BOM now work for every table reader (before, only some did), with the same
    messages for a missing or truncated file."""
    from her2var.bam.pon import read_pon
    from her2var.cohort.calls import _read_tsv
    from her2var.copynumber.read import read_copy_number_file
    from her2var.fusions.tables import read_fusion_file
    from her2var.genome.bed import read_targets

    calls = tmp_path / "calls.tsv"
    calls.write_bytes(b"\xef\xbb\xbfsample\tgene\nS1\tERBB2\n")  # a BOM broke the 'sample' column
    assert _read_tsv(str(calls)) == [{"sample": "S1", "gene": "ERBB2"}]
    bed = tmp_path / "t.bed.gz"
    bed.write_bytes(gzip.compress(b"chr17\t100\t200\n"))
    assert read_targets(str(bed)).targets[0].chrom == "chr17"
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(b"x\t1\t2\n" * 2000)[:-40])
    genes = {"ERBB2": Region("17", 37856254, 37884915, "ERBB2")}
    readers = {
        "targets": lambda p: read_targets(p),
        "pon": lambda p: read_pon(p),
        "cnv": lambda p: read_copy_number_file(p, sample=None, genes=genes, purity=None, build=None),
        "fusions": lambda p: read_fusion_file(p, sample=None, build="GRCh37", rules=rules.fusions),
        "calls": lambda p: _read_tsv(p),
    }
    for read in readers.values():
        with pytest.raises(InputError, match=r"cut\.gz: cannot be read: the compressed data is truncated"):
            read(str(cut))
        with pytest.raises(InputError, match=r"absent\.tsv: no such file"):
            read(str(tmp_path / "absent.tsv"))


# -- 5. chromosome lengths -------------------------------------------------------------------------
def test_chromosome_lengths_live_only_in_the_rules():
    builds = load_rules().builds
    lengths = {str(n) for b in builds.values() for n in b.contig_lengths.values()}
    found = [f"{name}: {n}" for name, text in _sources().items() for n in lengths if n in text]
    assert found == []


def test_copy_number_build_check_reads_the_rules(tmp_path):
    from dataclasses import replace

    from her2var.copynumber.read import read_copy_number_file

    vcf = tmp_path / "cn.vcf"
    vcf.write_text(textwrap.dedent("""\
        ##fileformat=VCFv4.2
        ##source=DRAGEN_CNV
        ##contig=<ID=chr17,length=83257441>
        ##FORMAT=<ID=CN,Number=1,Type=Integer,Description="CN">
        #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS
        chr17\t39688001\tx\tN\t<DUP>\t.\tPASS\tEND=39730000;SVTYPE=CNV\tCN\t9
    """))
    genes = {"ERBB2": Region("chr17", 39699997, 39728662, "ERBB2")}
    builds = dict(load_rules().builds)
    with pytest.raises(InputError, match="which is GRCh38, but build hs37d5 was given"):  # a name from builds.yaml
        read_copy_number_file(str(vcf), sample=None, genes=genes, purity=None, build="hs37d5", builds=builds)
    # rules that give chr17 another length make the same header unknown: nothing to contradict
    builds["GRCh38"] = replace(builds["GRCh38"], contig_lengths={"17": 1})
    (cn,) = read_copy_number_file(str(vcf), sample=None, genes=genes, purity=None, build="hs37d5", builds=builds)
    assert cn.cn == 9


def test_synthetic_headers_take_the_rules_lengths():
    from dataclasses import replace

    import numpy as np

    from her2var.demo.synth import mutect2

    builds = dict(load_rules().builds)
    builds["GRCh38"] = replace(builds["GRCh38"], contig_lengths={"7": 7, "12": 12, "17": 17})
    text = mutect2("T", "N", "GRCh38", [], np.random.default_rng(0), builds=builds)
    assert "##contig=<ID=chr17,length=17,assembly=GRCh38>" in text
    default = mutect2("T", "N", "GRCh38", [], np.random.default_rng(0))
    assert f"length={load_rules().builds['GRCh38'].contig_lengths['17']}," in default


# -- 6. the Ion FUNC parser ------------------------------------------------------------------------
ION = """\
##fileformat=VCFv4.1
##IonReporterExportVersion=0.1.5
##CellularityAsAFractionBetween0-1=1.0
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS
chr17\t37845133\t{id}\tG\t<CNV>\t100\tPASS\tSVTYPE=CNV;END=37884584;FUNC={func}\tGT:GQ:CN\t./.:0:8.5
"""


def _ion_cn(tmp_path: Path, id: str, func: str):
    from her2var.copynumber.read import read_copy_number_file

    p = tmp_path / "ion.vcf"
    p.write_text(ION.format(id=id, func=func))
    return read_copy_number_file(str(p), sample=None, genes={"ERBB2": Region("chr17", 37856254, 37884915, "ERBB2")},
                                 purity=None, build=None)


def test_copy_number_reads_func_with_the_bounded_parser(tmp_path):
    # bare words are read as data by the one parser (ast.literal_eval refused them: gene lost)
    (cn,) = _ion_cn(tmp_path, ".", "[{gene:ERBB2,oncomineVariantClass:Amplification}]")
    assert cn.cn == 8.5 and cn.caller_call == "Amplification"


@pytest.mark.parametrize("func", ["[{'gene':'ERBB2'", "[" * 20 + "]" * 20, "[{'gene':'" + "A" * 60_000 + "'}]"])
def test_unreadable_func_on_a_copy_number_record_is_a_note(tmp_path, func):
    (cn,) = _ion_cn(tmp_path, "ERBB2", func)  # the gene is in ID; the record stays usable
    assert cn.cn == 8.5 and any("INFO/FUNC could not be parsed" in n for n in cn.notes)


def test_func_is_never_evaluated():
    assert not any("literal_eval" in t or re.search(r"^import ast", t, re.M) for t in _sources().values())


# -- 7. the small-variant quality filter -----------------------------------------------------------
def test_quality_reason_order_and_missing_counts():
    t = load_rules().thresholds
    low = t.min_depth - 1
    assert quality_reason(t, Support(low, 0, 0.0, "AD"), ["weird"]) == "filter"
    assert quality_reason(t, Support(low, 0, 0.0, "AD"), ["PASS"]) == "low_depth"
    assert quality_reason(t, Support(None, t.min_alt_reads - 1, 0.0, "AD")) == "low_alt_reads"
    assert quality_reason(t, Support(None, None, t.min_vaf / 2, "AF")) == "low_vaf"
    assert quality_reason(t, Support(None, None, None, "none")) == ""
    assert quality_reason(t, None, [*t.accepted_filters[:1], "PASS"]) == ""


def test_reads_and_vcf_calls_meet_the_same_rule():
    from her2var.bam.support import ReadSupport

    t = load_rules().thresholds
    for alt, ref, j_alt, j_all in [(2, 100, 2, 100), (5, 10, 5, 15), (5, 300, 5, 400), (30, 300, 30, 330)]:
        sup = ReadSupport(alt_reads=alt, ref_reads=ref, junction_alt=j_alt, junction_all=j_all)
        vcf = Support(sup.depth, sup.alt_reads, sup.vaf, "AD")
        assert quality_reason(t, sup) == quality_reason(t, vcf)
    sources = _sources()
    assert "def quality_reason" not in sources["her2var/classify/erbb2.py"]
    assert "def _filter" not in sources["her2var/bam/insertions.py"]
