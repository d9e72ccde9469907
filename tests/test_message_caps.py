"""Every message caps what it echoes of a user's value (her2var.errors.shown).

Each case puts a 100,000-character value, led by terminal escape and bidi-override characters,
into one field of an otherwise valid input and calls the library's reader for it. The error (or,
for readers that only warn or note, every logged message, warning and note) must name the file
(and line), stay under 1,000 characters and hold no raw control character.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from conftest import VCF_HEADER_37

from her2var.errors import InputError, RulesError, shown

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
N = 100_000
BIG = "\x1b[2J\x1b(0\x07\u202e" + "Z" * N  # text files: escape sequences, BEL, a bidi override
# (no tab, comma, colon, semicolon or equals sign: the value stays one field of the formats tried)
BIGY = "\u202e" + "Z" * N  # YAML and Excel refuse C0 control characters themselves
MAX = 1000

HDR = VCF_HEADER_37
COLS = ["17", "37880981", ".", "A", "AGCATACGTGATG", ".", "PASS", ".", "GT:AD:DP", "0/1:80,40:120"]


# -- the helper itself ------------------------------------------------------------------------------
def test_shown_leaves_short_values_as_repr_writes_them():
    assert shown("TUMOR") == "'TUMOR'"
    assert shown("it's") == '"it\'s"'
    assert shown(3.5) == "3.5" and shown(7) == "7" and shown(None) == "None" and shown(True) == "True"
    assert shown(["a", "b"]) == "['a', 'b']"
    assert shown("") == "''"


def test_shown_caps_long_values_with_a_marker_and_the_length():
    out = shown("A" * N)
    assert out == "'" + "A" * 60 + "…' (100,000 characters)"
    assert shown("A" * 61, 10) == "'" + "A" * 10 + "…' (61 characters)"
    assert len(shown(list(range(N)))) < 100 and "characters)" in shown(list(range(N)))
    assert shown(10 ** 5000).startswith("<int too long")  # repr itself would raise


def test_shown_decodes_bytes_and_shows_exceptions_by_their_text():
    assert shown(b"S1") == "'S1'"
    assert shown(b"\xff\x1b[31m") == "'\ufffd\\x1b[31m'"
    assert shown(ValueError("could not convert string to float: 'x'")) == \
        "\"could not convert string to float: 'x'\""
    assert shown(b"Z" * N).endswith("(100,000 characters)")


@pytest.mark.parametrize("raw", ["a\nb", "a\rb", "\x1b[2J", "\x07", "\x00", "\u202e", "\u2028", "\x9b31m",
                                 "\t", "\x7f"])
def test_shown_never_emits_control_characters_raw(raw):
    for value in (raw, raw * 200, "x" + raw, raw.encode("utf-8")):
        for bare in (False, True):
            out = shown(value, bare=bare)
            assert out.isprintable(), out


def test_shown_bare_writes_short_printable_keys_without_quotes():
    assert shown("ERBB2", bare=True) == "ERBB2"
    assert shown("a b", bare=True) == "a b"
    assert shown("a\nb", bare=True) == "'a\\nb'"
    assert shown("Z" * N, bare=True).endswith("…' (100,000 characters)")
    assert shown(12, bare=True) == "12"


# -- the readers ------------------------------------------------------------------------------------
@dataclasses.dataclass
class Case:
    call: Callable[[], object]  # returns notes to check too (or None) when no error is expected
    error: type[Exception] | None  # None: the reader warns, logs or notes instead of failing
    place: str | None  # the file (and line) the error or log message must name; None: notes only
    echoed: bool = True  # the value is echoed (capped): some message or note carries the length mark


@functools.lru_cache(maxsize=None)
def _rules():
    from her2var.rules.load import load_rules

    return load_rules()


@functools.lru_cache(maxsize=None)
def _fusion_rules():
    from her2var.rules.fusions import load_fusion_rules

    return load_fusion_rules()


@functools.lru_cache(maxsize=None)
def _clinical_rules():
    from her2var.cohort.rules import load_clinical_rules, load_regimen_rules

    return load_clinical_rules(), load_regimen_rules()


def _erbb2():
    from her2var.models import Region

    return {"ERBB2": Region("17", 37856254, 37884915, "ERBB2")}


def _put(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


# VCF -------------------------------------------------------------------------------------------------
def _record(**cols: str) -> str:
    names = ["chrom", "pos", "id", "ref", "alt", "qual", "filter", "info", "format", "sample"]
    values = dict(zip(names, COLS))
    values.update(cols)
    return "\t".join(values[n] for n in names) + "\n"


def _classify(tmp: Path, text: str, line: int | None = 7, **opts) -> Case:
    from her2var.classify.pipeline import classify_vcf
    from her2var.classify.result import ClassifyOptions

    p = _put(tmp, "t.vcf", text)
    return Case(lambda: [n for r in classify_vcf(str(p), _rules(), ClassifyOptions(**opts))
                         for c in r.calls for n in c.notes],
                InputError, f"{p}:{line}" if line else str(p))


def _vcf_chrom_of_last_record(tmp: Path) -> Case:
    """An index made before a record with a long contig name was added: the name is echoed."""
    import pysam

    from her2var.models import Region
    from her2var.vcf.reader import VcfReader

    a = _put(tmp, "a.vcf", HDR + _record())
    b = _put(tmp, "b.vcf", HDR + _record() + _record(chrom=BIG, pos="100", ref="A", alt="G"))
    pysam.tabix_index(str(a), preset="vcf", force=True)
    pysam.tabix_compress(str(b), str(b) + ".gz", force=True)
    Path(str(b) + ".gz.tbi").write_bytes(Path(str(a) + ".gz.tbi").read_bytes())
    path = str(b) + ".gz"
    return Case(lambda: list(VcfReader(path).records([Region("17", 1, 10 ** 8)])), InputError, path)


def _bcf_sample(tmp: Path) -> Case:
    import pysam

    from her2var.classify.pipeline import classify_vcf
    from her2var.classify.result import ClassifyOptions

    src = _put(tmp, "src.vcf", HDR.replace("\tTUMOR\n", "\t" + "S" * N + "\n") + _record())
    dst = tmp / "t.bcf"
    with pysam.VariantFile(str(src)) as vin, pysam.VariantFile(str(dst), "wb", header=vin.header) as out:
        for r in vin:
            out.write(r)
    return Case(lambda: classify_vcf(str(dst), _rules(), ClassifyOptions(sample="TUMOR")), InputError, str(dst))


def _sites_only_dp(tmp: Path) -> Case:
    hdr = HDR.replace("\tFORMAT\tTUMOR\n", "\n").replace(
        "#CHROM", '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n#CHROM')
    rec = "\t".join(COLS[:7] + ["DP=" + BIG]) + "\n"
    return _classify(tmp, hdr + rec, line=8)


VCF_CASES = {
    "vcf-info-key": lambda t: _classify(t, HDR + _record(info=BIG + "=1")),
    "vcf-format-key": lambda t: _classify(t, HDR + _record(format="GT:AD:" + BIG)),
    "vcf-chrom": _vcf_chrom_of_last_record,
    "vcf-pos": lambda t: _classify(t, HDR + _record(pos=BIG)),
    "vcf-ref": lambda t: _classify(t, HDR + _record(ref="A" + BIG)),
    "vcf-alt": lambda t: _classify(t, HDR + _record(alt="A" + BIG.replace("[", ""))),  # "[": a breakend
    "vcf-header-line-without-id": lambda t: dataclasses.replace(_classify(
        t, HDR.replace("##contig", "##INFO=<" + BIG + ">\n##contig") + _record(), line=2), echoed=False),
    "vcf-first-line": lambda t: _classify(t, "#" + BIG + "\n" + HDR + _record(), line=1),
    "vcf-chrom-line": lambda t: _classify(t, HDR.replace("\tID\t", "\t" + BIG + "\t") + _record(), line=6),
    "vcf-sample-name-listed": lambda t: _classify(
        t, HDR.replace("\tTUMOR\n", "\t" + BIG + "\n") + _record(), line=None, sample="TUMOR"),
    "vcf-sample-names-twice": lambda t: _classify(
        t, HDR.replace("\tTUMOR\n", f"\t{BIG}\t{BIG}\n") + _record(sample="0/1:80,40:120\t0/1:8,4:12"), line=6),
    "vcf-sample-name-in-field-label": lambda t: _classify(
        t, HDR.replace("\tTUMOR\n", "\t" + "Z" * N + "\n") + _record(sample="0/1:80,x:120")),  # controls: refused
    "vcf-sheet-sample-id": lambda t: _classify(
        t, HDR.replace("\tTUMOR\n", "\tT1\tT2\n") + _record(sample="0/1:80,40:120\t0/1:8,4:12"),
        line=None, sample_id=BIG),
    "vcf-format-ad-value": lambda t: _classify(t, HDR + _record(sample="0/1:80," + BIG + ":120")),
    "vcf-format-dp-value": lambda t: _classify(t, HDR + _record(sample="0/1:80,40:" + BIG)),
    "vcf-format-gt-value": lambda t: _classify(t, HDR + _record(sample=BIG + ":80,40:120")),
    "vcf-info-dp-sites-only": _sites_only_dp,
    "bcf-sample-name-listed": _bcf_sample,
}


def _tumor_sample_warning(tmp: Path) -> Case:
    case = _classify(tmp, HDR.replace("#CHROM", "##tumor_sample=" + BIG + "\n#CHROM") + _record())
    return Case(case.call, None, case.place.rsplit(":", 1)[0])


WARN_CASES = {"vcf-tumor-sample-not-a-column": _tumor_sample_warning}


# Copy number ---------------------------------------------------------------------------------------------
def _cn(tmp: Path, name: str, text: str, line: int | None, sample: str | None = None,
        error: type[Exception] | None = InputError) -> Case:
    from her2var.copynumber.read import read_copy_number_file

    p = _put(tmp, name, text)

    def call():
        out = read_copy_number_file(str(p), sample=sample, genes=_erbb2(), purity=None, build=None)
        return [n for c in out for n in c.notes]
    return Case(call, error, f"{p}:{line}" if line else str(p))


CNS = "chromosome\tstart\tend\tgene\tlog2\n"
ROW = "17\t37844000\t37885000\tERBB2\t"


def _cn_vcf(tmp: Path, fixture: str, old: str, new: str, *, line_of: str | None, sample: str | None = None,
            error: type[Exception] | None = InputError) -> Case:
    text = (FIX / "cnv" / fixture).read_text()
    assert old in text, old
    text = text.replace(old, new)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if line_of in ln) if line_of else None
    return _cn(tmp, "x.vcf", text, line, sample=sample, error=error)


CN_CASES = {
    "cns-log2": lambda t: _cn(t, "x.cns", CNS + ROW + BIG + "\n", 2),
    "cns-start": lambda t: _cn(t, "x.cns", CNS + "17\t" + BIG + "\t37885000\tERBB2\t1.0\n", 2),
    # an end written with 100,000 digits that reads as 37844000, before the start
    "cns-end-before-start": lambda t: _cn(t, "x.cns", CNS + "17\t37885000\t37844" + "0" * N + "e-" + str(N - 3)
                                          + "\tERBB2\t1.0\n", 2),
    "cns-short-row-lists-columns": lambda t: _cn(t, "x.cns", CNS.rstrip("\n") + "\t" + BIG + "\n17\t1\t9\n", 2),
    "cnr-cn": lambda t: _cn(t, "x.cnr", "chromosome\tstart\tend\tgene\tlog2\tcn\tdepth\n" + ROW + "1.0\t" + BIG
                            + "\t100\n", 2),
    "seg-mean": lambda t: _cn(t, "x.seg", "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n"
                              "S1\t17\t37844000\t37885000\t4\t" + BIG + "\n", 2),
    "seg-sample-listed": lambda t: _cn(t, "x.seg", "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n"
                                       + BIG + "\t17\t37844000\t37885000\t4\t1.0\n", None, sample="S1"),
    "seg-sample-asked": lambda t: _cn(t, "x.seg", "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\n"
                                      "S1\t17\t37844000\t37885000\t4\t1.0\n", None, sample=BIG),
    "tso500-fold-change": lambda t: _cn(t, "x.cnv.fc.txt", "Sample\tGene\tStatus\tFoldChange\nS\tERBB2\tDUP\t"
                                        + BIG + "\n", 2),
    "allele-specific-nmajor": lambda t: _cn(t, "x.cna.tsv", "Chromosome\tStart\tEnd\tnMajor\tnMinor\n"
                                            "17\t37844000\t37885000\t" + BIG + "\t1\n", 2),
    "gatk-seg-rg-sample": lambda t: _cn(t, "x.called.seg", "@RG\tID:x\tSM:" + BIG + "\nCONTIG\tSTART\tEND\t"
                                        "MEAN_LOG2_COPY_RATIO\tCALL\n17\t37844000\t37885000\t1.0\t+\n", None,
                                        sample="T"),
    "unknown-table-header": lambda t: _cn(t, "x.txt", "a\t" + BIG + "\n1\t2\n", 1),
    "cn-vcf-fold-change": lambda t: _cn_vcf(t, "tso500_format_fc_CopyNumberVariants.vcf", "FC\t2.2",
                                            "FC\t" + BIG, line_of="ANT=ERBB2"),
    "cn-vcf-ion-ci": lambda t: _cn_vcf(t, "ion_oca_cnv_hg19.vcf", "CI=0.05:7.91,0.95:9.62", "CI=" + BIG,
                                       line_of="RAW_CN=6.02"),
    "cn-vcf-ion-raw-cn": lambda t: _cn_vcf(t, "ion_oca_cnv_hg19.vcf", "RAW_CN=6.02", "RAW_CN=" + BIG,
                                           line_of="CI=0.05:7.91"),
    "cn-vcf-sample-listed": lambda t: _cn_vcf(t, "dragen_cnv_grch38_dup.vcf", "\tTUMOR_01", "\t" + BIG,
                                              line_of=None, sample="TUMOR_01"),
}


def _cn_vcf_notes(tmp: Path) -> Case:
    """DRAGEN FORMAT/SM beside FORMAT/CN is kept as a note; a long one is capped there."""
    text = (FIX / "cnv" / "dragen_cnv_grch38_dup.vcf").read_text()
    row = next(ln for ln in text.splitlines() if "<DUP>" in ln and not ln.startswith("#"))
    fmt, value = row.split("\t")[8:10]
    keys, vals = fmt.split(":"), value.split(":")
    vals[keys.index("SM")] = BIG
    p = _put(tmp, "x.vcf", text.replace(row, "\t".join(row.split("\t")[:9] + [":".join(vals)])))
    return Case(functools.partial(_cn_notes_genes38, str(p)), None, None)


def _cn_notes_genes38(path: str):
    from her2var.copynumber.read import read_copy_number_file
    from her2var.models import Region

    out = read_copy_number_file(path, sample=None, genes={"ERBB2": Region("chr17", 39699997, 39728662, "ERBB2")},
                                purity=None, build=None)
    assert out, "the case must produce a copy-number record with notes"
    return [n for c in out for n in c.notes]


NOTE_CASES = {"cn-vcf-notes": _cn_vcf_notes}


# Fusion tables -------------------------------------------------------------------------------------------
ARRIBA = ["gene1", "gene2", "breakpoint1", "breakpoint2", "split_reads1", "split_reads2", "discordant_mates",
          "confidence", "type"]
ARRIBA_ROW = ["EML4", "ALK", "2:42522656", "2:29446394", "10", "10", "8", "high", "translocation"]
STAR = ["#FusionName", "JunctionReadCount", "SpanningFragCount", "LeftGene", "LeftBreakpoint", "RightGene",
        "RightBreakpoint"]
STAR_ROW = ["EML4--ALK", "10", "5", "EML4^ENSG1", "chr2:42522656:+", "ALK^ENSG2", "chr2:29446394:-"]


def _fusion(tmp: Path, head: list[str], row: list[str], *, line: int | None = 2,
            error: type[Exception] | None = InputError, **edit: str) -> Case:
    from her2var.fusions.tables import read_fusion_file

    cells = dict(zip(head, row))
    cells.update(edit)
    p = _put(tmp, "f.tsv", "\t".join(cells) + "\n" + "\t".join(cells.values()) + "\n")

    def call():
        fs = read_fusion_file(str(p), sample="T", build="GRCh37", rules=_fusion_rules())
        assert fs or error, "the case must produce a fusion"
        return [x for f in fs for x in (f.name, *f.notes)]
    return Case(call, error, None if error is None else f"{p}:{line}" if line else str(p))


def _fusion_columns(tmp: Path) -> Case:
    from her2var.fusions.tables import read_fusion_file

    p = _put(tmp, "f.tsv", "#a\t" + BIG + "\n1\t2\n")
    return Case(lambda: read_fusion_file(str(p), sample="T", build="GRCh37", rules=_fusion_rules()),
                InputError, f"{p}:1")


FUSION_CASES = {
    "arriba-breakpoint": lambda t: _fusion(t, ARRIBA, ARRIBA_ROW, breakpoint1=BIG),
    "arriba-breakpoint-contig": lambda t: _fusion(t, ARRIBA, ARRIBA_ROW, breakpoint1=BIG + ":42522656",
                                                  error=None),
    "arriba-split-reads": lambda t: _fusion(t, ARRIBA, ARRIBA_ROW, split_reads1=BIG),
    "arriba-partner-name": lambda t: _fusion(t, ARRIBA, ARRIBA_ROW, gene1=BIG, error=None),
    "arriba-confidence-note": lambda t: _fusion(t, ARRIBA, ARRIBA_ROW, type=BIG, error=None),
    "star-fusion-read-count": lambda t: _fusion(t, STAR, STAR_ROW, JunctionReadCount=BIG),
    "fusion-table-columns": _fusion_columns,
}


# Samples sheets ------------------------------------------------------------------------------------------
def _sheet(tmp: Path, text: str, line: int, echoed: bool = True) -> Case:
    from her2var.classify.batch import read_samples_sheet

    p = _put(tmp, "sheet.tsv", text)
    return Case(lambda: read_samples_sheet(str(p)), InputError, f"{p}:{line}", echoed)


def _cohort_sheet(tmp: Path) -> Case:
    from her2var.cohort.calls import read_samples_sheet

    p = _put(tmp, "sheet.tsv", f"sample\tpatient\n{BIG}\tP1\n{BIG}\tP2\n")
    return Case(lambda: read_samples_sheet(str(p), _clinical_rules()[0]), InputError, f"{p}:3")


SHEET_CASES = {
    "sheet-column-name": lambda t: _sheet(t, f"sample\tvcf\t{BIG}\nS1\ta.vcf\tx\n", 1),
    "sheet-column-twice": lambda t: _sheet(t, f"sample\tvcf\t{BIG}\t{BIG}\nS1\ta.vcf\tx\ty\n", 1),
    "sheet-sample": lambda t: _sheet(t, f"sample\tvcf\n{BIG}\ta.vcf\n{BIG}\tb.vcf\n", 3),
    "sheet-purity": lambda t: _sheet(t, f"sample\tvcf\tpurity\nS1\ta.vcf\t{BIG}\n", 2, echoed=False),  # a value
    "cohort-sheet-sample": _cohort_sheet,
}


# BED -----------------------------------------------------------------------------------------------------
def _bed(tmp: Path, text: str) -> Case:
    from her2var.genome.bed import read_targets

    p = _put(tmp, "t.bed", text)
    return Case(lambda: read_targets(str(p)), InputError, f"{p}:1")


def _bed_chrom(tmp: Path) -> Case:
    from her2var.genome.bed import gc_fractions, read_targets

    p = _put(tmp, "t.bed", BIG + "\t10\t100\n")
    ref = str(FIX / "bam" / "ref.fa.gz")
    return Case(lambda: gc_fractions(read_targets(str(p)).targets, ref), InputError, ref)


BED_CASES = {
    "bed-start": lambda t: _bed(t, f"17\t{BIG}\t100\n"),
    "bed-end": lambda t: _bed(t, f"17\t1\t{BIG}\n"),
    "bed-end-before-start": lambda t: _bed(t, "17\t5\t-" + "9" * 4000 + "\n"),
    "bed-chrom": _bed_chrom,
}


# Rules and plan YAML -------------------------------------------------------------------------------------
def _yaml(tmp: Path, load: Callable[[str], object], text: str, line: int | None = None,
          error: type[Exception] = RulesError) -> Case:
    """Merged rules name their files by base name ("rules (builds.yaml, ..., lab.yaml).genes...")."""
    p = _put(tmp, "lab.yaml", text)
    return Case(lambda: load(str(p)), error, f"{p}:{line}" if line else p.name)


def _long_key(indent: int, value: str = "1") -> str:
    """A YAML mapping entry with the long key, in the explicit form (an implicit key holds at most
    1024 characters)."""
    pad = " " * indent
    return f"{pad}? {BIGY}\n{pad}: {value}\n"


def _load_rules(p):
    from her2var.rules.load import load_rules

    return load_rules([p])


def _load_fusion_rules(p):
    from her2var.rules.fusions import load_fusion_rules

    return load_fusion_rules([p])


def _load_clinical(p):
    from her2var.cohort.rules import load_clinical_rules

    return load_clinical_rules(p)


def _load_regimens(p):
    from her2var.cohort.rules import load_regimen_rules

    return load_regimen_rules(p)


def _load_plan(p):
    from her2var.analysis.plan import load_plan

    return load_plan(p)


def _plan_text(old: str, new: str) -> str:
    from her2var.analysis.plan import builtin_plans

    text = builtin_plans()["first-line-regimens"].read_text()
    assert old in text, old
    return text.replace(old, new)


def _plan_column(tmp: Path) -> Case:
    from her2var.analysis.data import prepare, read_cohort
    from her2var.analysis.plan import load_plan

    plan = _put(tmp, "plan.yaml", _plan_text("column: mets_brain", f'column: "{BIGY}"'))
    # the error lists the cohort's columns to choose from: the plan's own ones here
    needed = list(load_plan("first-line-regimens").columns())
    rows = [ln.split("\t") for ln in COHORT.splitlines()]
    keep = [rows[0].index(c) for c in needed]
    cohort = _put(tmp, "cohort.tsv", "".join("\t".join(r[k] for k in keep) + "\n" for r in rows))
    return Case(lambda: prepare(read_cohort(str(cohort)), load_plan(str(plan))), InputError, str(cohort))


YAML_CASES = {
    "rules-key": lambda t: _yaml(t, _load_rules, "thresholds:\n" + _long_key(2)),
    "rules-value": lambda t: _yaml(t, _load_rules, f"thresholds:\n  min_vaf: {BIGY}\n"),
    "rules-gene-key-in-path": lambda t: _yaml(t, _load_rules, "genes:\n" + _long_key(2, "{strand: '+'}")),
    "rules-gene-strand": lambda t: _yaml(t, _load_rules, f"genes:\n  ERBB2:\n    strand: {BIGY}\n"),
    "rules-duplicate-key": lambda t: _yaml(t, _load_rules, "thresholds:\n" + _long_key(2) + _long_key(2, "2"), 4),
    "fusion-rules-gene-key": lambda t: _yaml(t, _load_fusion_rules, "fusion_genes:\n" + _long_key(2, "{role: kinase}")),
    "fusion-rules-role": lambda t: _yaml(t, _load_fusion_rules, f"fusion_genes:\n  ALK:\n    role: {BIGY}\n"),
    "clinical-rules-key": lambda t: _yaml(t, _load_clinical, "columns:\n  sex:\n" + _long_key(4, "[x]")),
    "clinical-rules-value": lambda t: _yaml(t, _load_clinical, f"sample_selection:\n  prefer: {BIGY}\n"),
    "clinical-rules-date-format": lambda t: _yaml(t, _load_clinical, f"date_formats: [{BIGY}]\n"),
    "regimens-drug-twice": lambda t: _yaml(t, _load_regimens, "classes:\n  C:\n    drugs:\n" + _long_key(6, "[]")
                                           + "  I:\n    drugs:\n" + _long_key(6, "[]")),
    "plan-key": lambda t: _yaml(t, _load_plan, _plan_text("", "") + "\n" + _long_key(0)),
    "plan-value": lambda t: _yaml(t, _load_plan, _plan_text("median_ci: log", f"median_ci: {BIGY}")),
    "plan-level": lambda t: _yaml(t, _load_plan, _plan_text("reference: single", f"reference: {BIGY}")),
    "plan-column-the-cohort-lacks": _plan_column,
}


# Clinical records ----------------------------------------------------------------------------------------
CLEAN = (FIX / "clinical" / "clean_cohort.csv").read_text(encoding="utf-8")


def _clinical(tmp: Path, name: str, text: str | None = None, *, place: str, error=InputError,
              xlsx: list[list] | None = None, echoed: bool = True) -> Case:
    from her2var.cohort.clinical import read_clinical

    if xlsx is not None:
        import openpyxl

        wb = openpyxl.Workbook()
        for r in xlsx:
            wb.active.append(r)
        p = tmp / name
        wb.save(p)
    else:
        p = _put(tmp, name, text or "")

    def call():
        crules, rrules = _clinical_rules()
        table = read_clinical(str(p), crules, rrules)
        return [pr.describe(str(p)) for pr in table.problems]
    return Case(call, error, place.format(p=p), echoed)


def _csv_edit(column: str, value: str, rows: tuple[int, ...] = (1,)) -> str:
    import csv
    import io

    recs = list(csv.reader(io.StringIO(CLEAN)))
    k = recs[0].index(column)
    for r in rows:
        recs[r][k] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(recs)
    return out.getvalue()


def _xlsx_rows(edit: Callable[[list[list]], None]) -> list[list]:
    import csv
    import io

    recs: list[list] = [list(r) for r in csv.reader(io.StringIO(CLEAN))]
    edit(recs)
    return recs


CLINICAL_CASES = {
    "clinical-csv-header-listed": lambda t: _clinical(t, "c.csv", CLEAN.replace("patient_id,", BIG + ",", 1),
                                                      place="{p}"),
    "clinical-tsv-header-listed": lambda t: _clinical(t, "c.tsv", CLEAN.replace("patient_id,", BIG + ",", 1)
                                                      .replace(",", "\t"), place="{p}"),
    "clinical-csv-unknown-category": lambda t: _clinical(t, "c.csv", _csv_edit("sex", BIG), error=None,
                                                         place="{p}: row 2, column 'sex'", echoed=False),
    "clinical-csv-response": lambda t: _clinical(t, "c.csv", _csv_edit("best_response", BIG), error=None,
                                                 place="{p}: row 2, column 'best_response'", echoed=False),
    "clinical-csv-patient-id": lambda t: _clinical(t, "c.csv", _csv_edit("patient_id", BIG, (1, 2)), error=None,
                                                   place="{p}: row 2, column 'patient_id'"),
    "clinical-csv-drug": lambda t: _clinical(t, "c.csv", _csv_edit("drugs", BIG), error=None,
                                             place="{p}: row 2, column 'drugs'", echoed=False),
    "clinical-csv-age": lambda t: _clinical(t, "c.csv", _csv_edit("age", BIG), place="{p}: row 2, column 'age'",
                                           echoed=False),
    "clinical-xlsx-header-listed": lambda t: _clinical(
        t, "c.xlsx", xlsx=_xlsx_rows(lambda rs: rs[0].__setitem__(0, BIGY)), place="{p}"),
    "clinical-xlsx-drug": lambda t: _clinical(
        t, "c.xlsx", xlsx=_xlsx_rows(lambda rs: rs[1].__setitem__(rs[0].index("drugs"), BIGY)), error=None,
        place="{p}: row 2, column 'drugs'", echoed=False),
}


def _clinical_ignored_column(tmp: Path) -> Case:
    lines = CLEAN.splitlines()
    text = "\n".join([lines[0] + "," + BIG] + [ln + ",x" for ln in lines[1:]]) + "\n"
    return _clinical(tmp, "c.csv", text, error=None, place="{p}")


WARN_CASES["clinical-column-not-used"] = _clinical_ignored_column


# Cohort tables read back, panel of normals ------------------------------------------------------------------
COHORT = (FIX / "analysis" / "cohort.tsv").read_text(encoding="utf-8")


def _cohort(tmp: Path, text: str, line: int) -> Case:
    from her2var.analysis.data import prepare, read_cohort
    from her2var.analysis.plan import load_plan

    p = _put(tmp, "cohort.tsv", text)
    return Case(lambda: prepare(read_cohort(str(p)), load_plan("first-line-regimens")), InputError, f"{p}:{line}")


def _cohort_cells(row: int, **values: str) -> str:
    lines = COHORT.splitlines()
    head = lines[0].split("\t")
    cells = lines[row].split("\t")
    for column, value in values.items():
        cells[head.index(column)] = value
    lines[row] = "\t".join(cells)
    return "\n".join(lines) + "\n"


def _first_in_pfs() -> int:
    lines = COHORT.splitlines()
    head = lines[0].split("\t")
    return next(i for i, ln in enumerate(lines[1:], 1) if ln.split("\t")[head.index("in_pfs")] == "yes")


COHORT_CASES = {
    "cohort-column-twice": lambda t: _cohort(t, COHORT.replace("\tsex\t", f"\t{BIG}\t", 1)
                                             .replace("\tage\t", f"\t{BIG}\t", 1), 1),
    "cohort-one-column": lambda t: _cohort(t, BIG + "\nP1\n", 1),
    "cohort-event-and-patient-id": lambda t: _cohort(
        t, _cohort_cells(_first_in_pfs(), patient_id=BIG, pfs_event=BIG), _first_in_pfs() + 1),
    "cohort-response": lambda t: _cohort(
        t, _cohort_cells(_first_in_pfs(), best_response=BIG), _first_in_pfs() + 1),
}


PON_HEAD = "##her2var_pon=1\n"
PON_COLS = "#chrom\tstart\tend\tname\tgc\tmedian_depth\tmedian_norm\tmad_log2\tusable\n"


def _pon(tmp: Path, text: str, line: int) -> Case:
    from her2var.bam.pon import read_pon

    p = _put(tmp, "pon.tsv", text)
    return Case(lambda: read_pon(str(p)), InputError, f"{p}:{line}")


PON_CASES = {
    "pon-header-line": lambda t: _pon(t, PON_HEAD + "##" + BIG + "\n", 2),
    "pon-normal-field": lambda t: _pon(t, PON_HEAD + "##normal=" + BIG + "\n", 2),
    "pon-usable": lambda t: _pon(t, PON_HEAD + PON_COLS + "17\t1\t100\tT\t0.5\t10\t1.0\t0.1\t" + BIG + "\n", 3),
    "pon-number": lambda t: _pon(t, PON_HEAD + PON_COLS + "17\t1\t100\tT\t" + BIG + "\t10\t1.0\t0.1\tyes\n", 3),
}


def _cbioportal_id(tmp: Path) -> Case:
    from her2var.cohort.cbioportal import _safe_id

    return Case(lambda: _safe_id(BIG, "sample"), InputError, "cBioPortal: sample id")


OTHER_CASES = {"cbioportal-sample-id": _cbioportal_id}

CASES = {**VCF_CASES, **CN_CASES, **FUSION_CASES, **SHEET_CASES, **BED_CASES, **YAML_CASES, **CLINICAL_CASES,
         **COHORT_CASES, **PON_CASES, **OTHER_CASES, **WARN_CASES, **NOTE_CASES}


def _check(text: str, what: str) -> None:
    assert len(text) < MAX, f"{what}: {len(text):,} characters: {text[:300]!r}..."
    bad = sorted({c for c in text if not (c == "\n" or c.isprintable())})
    assert not bad, f"{what}: raw control characters {bad!r} in {text[:300]!r}"
    assert "Z" * 400 not in text, f"{what}: a long run of the value is echoed: {text[:300]!r}"


@pytest.mark.parametrize("name", list(CASES))
def test_every_message_caps_the_value_it_echoes(name, tmp_path, caplog):
    case = CASES[name](tmp_path)
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if case.error is None:
            extra = case.call() or []
            error = None
        else:
            with pytest.raises(case.error) as info:
                case.call()
            error = str(info.value)
            extra = []
    said = [r.getMessage() for r in caplog.records] + [str(w.message) for w in caught]
    if error is not None:
        assert case.place in error, f"the message does not name {case.place!r}: {error[:300]!r}"
        _check(error, "error")
    elif case.place is not None:
        named = [m for m in [*said, *extra] if case.place in m]
        assert named, f"no message or note names {case.place!r}: {[m[:200] for m in [*said, *extra]]}"
    notes = [m for m in (extra if isinstance(extra, Iterable) else []) if isinstance(m, str)]
    for m in said:
        _check(m, "log/warning")
    for m in notes:
        _check(m, "note")
    if case.echoed:  # the case reaches the place that echoes the value (so the cap is what is tested)
        assert any("characters)" in m for m in [error or "", *said, *notes]), "the value is not echoed at all"
