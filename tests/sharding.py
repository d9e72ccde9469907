"""Shared by the sharded-classify tests (tests/classify/test_shards.py) and the Snakemake tests
(tests/workflow/test_snakemake.py): a samples sheet with every kind of row, and comparisons of
output folders and stores that show what differs."""

from __future__ import annotations

import difflib
import sqlite3
from pathlib import Path

from conftest import FIXTURES

# Written by snakemake into every directory() output: not her2var's.
SNAKEMAKE_MARKER = ".snakemake_timestamp"


def demo_rows(folder: Path, n: int) -> list[list[str]]:
    """n seeded demo tumours (four callers' VCF dialects, CNVkit copy-number files), as sheet rows
    (sample, patient, vcf, bam, cnv, fusions, purity) relative to ``folder``."""
    import csv

    from her2var.demo.run import write_demo_inputs
    from her2var.rules.load import load_rules

    inputs = write_demo_inputs(str(folder / "demo"), load_rules(), n=n)
    with open(inputs.sheet, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [[r["sample"], r["patient"], f"demo/{r['vcf']}", "", f"demo/{r['cnv']}" if r["cnv"] else "", "",
             r["purity"]] for r in rows]


def diverse_sheet(folder: Path, n_demo: int = 6) -> Path:
    """A samples sheet with a row of each kind: demo VCFs with copy number, one tumour's two Strelka2
    VCFs, a MAF and a multi-tumour VCF (several results from one row, no sample column), a BAM alone,
    a VCF with a fusion table, and a file that is not a VCF (an error result)."""
    rows = demo_rows(folder, n_demo)
    (folder / "bad.vcf").write_text("not a vcf\n", encoding="utf-8")
    v = FIXTURES / "vcf"
    rows += [
        ["STRELKA", "PS", f"{v / 'strelka2_somatic.snvs.GRCh37.vcf'};{v / 'strelka2_somatic.indels.GRCh37.vcf'}",
         "", "", "", ""],
        ["", "", str(FIXTURES / "maf" / "tcga_mc3.GRCh37.maf"), "", "", "", ""],
        ["BAD", "PB", "bad.vcf", "", "", "", ""],
        ["", "", str(v / "multisample_tumours.GRCh37.vcf"), "", "", "", ""],
        ["T1BAM", "PT", "", str(FIXTURES / "bam" / "T1.bam"), "", "", "0.5"],
        ["VEP", "PV", str(v / "vep_annotated.GRCh38.vcf"), "", "",
         str(FIXTURES / "fusions" / "arriba_fusions.GRCh38.tsv"), ""],
    ]
    sheet = folder / "sheet.tsv"
    lines = ["sample\tpatient\tvcf\tbam\tcnv\tfusions\tpurity", *("\t".join(r) for r in rows)]
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sheet


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (but snakemake's marker) by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != SNAKEMAKE_MARKER}


def assert_same_tree(expected: Path, got: Path) -> None:
    """The two folders hold the same files, byte for byte; a difference is shown as a diff."""
    a, b = tree(expected), tree(got)
    assert sorted(a) == sorted(b), (f"files differ: only in {expected}: {sorted(set(a) - set(b))}; "
                                    f"only in {got}: {sorted(set(b) - set(a))}")
    for name in a:
        if a[name] != b[name]:
            diff = difflib.unified_diff(a[name].decode("utf-8", "replace").splitlines(),
                                        b[name].decode("utf-8", "replace").splitlines(),
                                        f"{expected}/{name}", f"{got}/{name}", lineterm="", n=1)
            raise AssertionError("\n".join(list(diff)[:40]))


def store_rows(path: Path) -> dict[str, list[tuple]]:
    """A store's results and failures in recording order, without row ids and recording times (the
    only things a merged store may differ in from a single run's)."""
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table in ("results", "failures"):
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in ("id", "recorded_at")]
            out[table] = conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id").fetchall()
        return out
    finally:
        conn.close()
