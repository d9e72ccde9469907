"""The synthetic BAM fixtures: shared helpers for the test_bam_* modules, and checks that the
committed files are what the seeded script writes."""

from __future__ import annotations

import atexit
import csv
import functools
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pysam
import pytest
from conftest import FIXTURES, ROOT, run_cli

BAM_DIR = FIXTURES / "bam"
_WORK = Path(tempfile.mkdtemp(prefix="her2var-bam-tests-"))
atexit.register(shutil.rmtree, _WORK, True)


def truth() -> dict[str, dict[str, str]]:
    with open(BAM_DIR / "truth.tsv", newline="") as fh:
        return {row["sample"]: row for row in csv.DictReader(fh, delimiter="\t")}


TUMOURS = [s for s, row in truth().items() if row["kind"] == "tumour"]
NORMALS = [str(BAM_DIR / f"{s}.bam") for s, row in truth().items() if row["kind"] == "normal"]


def bam(name: str) -> str:
    return str(BAM_DIR / f"{name}.bam")


@functools.lru_cache(maxsize=None)
def rules():
    from her2var.rules.load import load_rules

    return load_rules()


@functools.lru_cache(maxsize=None)
def reference() -> str:
    """The fixture FASTA with a fresh .fai (index files are not committed)."""
    folder = _WORK / "ref"
    folder.mkdir(exist_ok=True)
    for name in ("ref.fa.gz", "ref.fa.gz.gzi"):
        shutil.copy(BAM_DIR / name, folder / name)
    pysam.faidx(str(folder / "ref.fa.gz"))
    return str(folder / "ref.fa.gz")


@functools.lru_cache(maxsize=None)
def pon(gc: bool = False) -> str:
    from her2var.bam.pon import build_pon, write_pon

    path = _WORK / ("pon_gc.tsv" if gc else "pon.tsv")
    write_pon(build_pon(NORMALS, str(BAM_DIR / "targets.bed"), rules(),
                        reference=reference() if gc else None), str(path))
    return str(path)


@functools.lru_cache(maxsize=None)
def evidence(sample: str, *, with_reference: bool = False, gc_pon: bool = False):
    from her2var.bam.evidence import bam_evidence

    return bam_evidence(bam(sample), rules=rules(), build=None, pon_path=pon(gc_pon), targets_path=None,
                        purity=float(truth()[sample]["purity"]),
                        reference=reference() if with_reference else None, sample=sample)


def run_pon_cli(*args: str) -> subprocess.CompletedProcess:
    """`her2var pon ...` in this process, through the command line's entry point and error handling."""
    return run_cli("pon", *args)


@functools.lru_cache(maxsize=None)
def script_module():
    """scripts/make_bam_fixtures.py as a module (its simulation functions)."""
    spec = importlib.util.spec_from_file_location("make_bam_fixtures", ROOT / "scripts" / "make_bam_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


# -- the committed files are the script's output ---------------------------------------------
@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("bam_fixtures")
    script_module().main(str(out))
    return out


def _records(path: Path) -> list[tuple]:
    with pysam.AlignmentFile(str(path)) as fh:
        return [(r.query_name, r.flag, r.reference_start, r.mapping_quality, r.cigarstring, r.query_sequence)
                for r in fh.fetch(until_eof=True)]


def test_committed_fixtures_are_what_the_seeded_script_writes(regenerated):
    for name in ("targets.bed", "truth.tsv"):
        assert (regenerated / name).read_text() == (BAM_DIR / name).read_text(), name
    for sample in truth():
        assert _records(regenerated / f"{sample}.bam") == _records(BAM_DIR / f"{sample}.bam"), sample
    with pysam.FastaFile(str(regenerated / "ref.fa.gz")) as new, pysam.FastaFile(reference()) as old:
        assert new.fetch("17", 37_850_000, 37_890_000) == old.fetch("17", 37_850_000, 37_890_000)


def test_fixture_reference_is_grch37_chr17_with_the_rules_windows():
    with pysam.FastaFile(reference()) as fa:
        assert dict(zip(fa.references, fa.lengths)) == {"17": 81_195_210}
        from her2var.genome.transcript import WindowSequence

        real = WindowSequence(rules().index_gene.builds["GRCh37"].windows, "17")
        for start, end in script_module().REAL_SPANS:
            assert fa.fetch("17", start - 1, end) == real.fetch("17", start, end)
        assert set(fa.fetch("17", 0, 1000)) == {"N"}


def test_fixtures_stay_small():
    total = sum(p.stat().st_size for p in BAM_DIR.iterdir())
    assert total < 5_000_000, f"fixtures/bam holds {total} bytes"


def test_truth_covers_the_cases_the_issue_names():
    rows = truth()
    cns = {float(r["cn"]) for r in rows.values() if r["kind"] == "tumour"}
    assert any(c > 5 for c in cns) and any(c < 3.5 for c in cns)
    assert min(float(r["purity"]) for r in rows.values() if r["kind"] == "tumour") == 0.3
    assert {r["mode"] for r in rows.values()} >= {"cigar", "clip"}
    assert any(r["exon20_assessed"] == "no" for r in rows.values())
