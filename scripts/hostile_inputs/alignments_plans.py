"""Cases for the BAM/CRAM readers (classify --bam, pon build) and the analysis plan YAML."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .build import Case, garbage
from .config import BILLION_LAUGHS

ROOT = Path(__file__).resolve().parents[2]
GRCH37_17, GRCH38_17 = 81195210, 83257441
INDEX_CASES_SEED = 60511


def tiny_bam(rng: np.random.Generator, *, sorted_reads: bool = True, chr17_length: int = GRCH37_17,
             first: int = 37880900, n_reads: int = 60, unplaced: int = 0,
             csi: bool = False, keep: int | None = None) -> tuple[bytes, bytes | None]:
    """A small BAM of `n_reads` reads over ERBB2 exon 20 (then `unplaced` unmapped reads without a
    position) and its index (.bai, or .csi; None when unsorted). `keep`: write only the first reads
    (the same ones the full file would hold)."""
    import pysam

    header = {"HD": {"VN": "1.6", "SO": "coordinate" if sorted_reads else "unsorted"},
              "SQ": [{"SN": "17", "LN": chr17_length}], "RG": [{"ID": "rg1", "SM": "HOSTILE"}]}
    starts = sorted(int(x) for x in rng.integers(first, first + 300, size=n_reads))
    if not sorted_reads:
        starts = starts[::-1]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.bam"
        with pysam.AlignmentFile(str(path), "wb", header=header) as out:
            for i, s in enumerate(starts):
                a = pysam.AlignedSegment(out.header)
                a.query_name, a.flag, a.reference_id, a.reference_start = f"r{i}", 0, 0, s
                a.mapping_quality, a.cigarstring = 60, "100M"
                a.query_sequence = "".join(rng.choice(list("ACGT"), size=100))
                a.query_qualities = pysam.qualitystring_to_array("I" * 100)
                a.set_tag("RG", "rg1")
                if keep is None or i < keep:
                    out.write(a)
            for i in range(unplaced):
                a = pysam.AlignedSegment(out.header)
                a.query_name, a.flag, a.reference_id, a.reference_start = f"u{i}", 4, -1, -1
                a.query_sequence = "A" * 100
                out.write(a)
        bai = None
        if sorted_reads:
            pysam.index(*(["-c"] if csi else []), str(path))
            bai = (Path(str(path) + (".csi" if csi else ".bai"))).read_bytes()
        return path.read_bytes(), bai


def bam_cases(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    bam, bai = tiny_bam(rng)
    other_bam, other_bai = tiny_bam(rng, first=37868100)
    unsorted, _ = tiny_bam(rng, sorted_reads=False)
    grch38, grch38_bai = tiny_bam(rng, chr17_length=GRCH38_17, first=39724650)

    def reject(cid: str, files: dict, extra: list[str], expect: list[str], why: str, code: int = 1) -> None:
        args = ["classify", "--bam", "t.bam", *extra, "--out", "out", "--format", "tsv"]
        cases.append(Case(cid, "bam", files, args, code, expect, why, outputs=["out"]))

    reject("bam_garbage", {"t.bam": garbage(rng, 4000)}, [], ["t.bam"], "random bytes named .bam")
    reject("bam_truncated", {"t.bam": bam[: len(bam) // 2], "t.bam.bai": bai}, [], ["t.bam", "truncated"],
           "the BAM cut in half, its index intact")
    reject("bam_no_index", {"t.bam": bam}, [], ["t.bam", "no index", "--index"], "no .bai beside the BAM")
    reject("bam_index_of_other_file", {"t.bam": bam, "t.bam.bai": other_bai}, [], ["t.bam"],
           "a .bai built for another BAM")
    reject("bam_unsorted_index_request", {"t.bam": unsorted}, ["--index"], ["t.bam"],
           "an unsorted BAM cannot be indexed")
    reject("bam_other_build", {"t.bam": grch38, "t.bam.bai": grch38_bai}, ["--build", "GRCh37"],
           ["t.bam", "GRCh38", "GRCh37"], "a GRCh38 BAM where GRCh37 is expected")
    reject("bam_purity_out_of_range", {"t.bam": bam, "t.bam.bai": bai}, ["--purity", "1.5"], ["--purity 1.5"],
           "a purity above 1", code=2)
    reject("bam_empty_file", {"t.bam": b""}, [], ["t.bam"], "an empty file")
    reject("cram_without_reference", {"t.bam": garbage(rng, 200, prefix=b"CRAM\x03\x00")}, [], ["t.bam"],
           "a CRAM-looking file that is not one")
    index_cases(np.random.default_rng(INDEX_CASES_SEED), reject)
    targets = "17\t37880978\t37881164\tERBB2_ex20\n"
    cases.append(Case("pon_one_normal", "bam", {"n1.bam": bam, "n1.bam.bai": bai, "t.bed": targets},
                      ["pon", "build", "n1.bam", "--targets", "t.bed", "-o", "out/pon.tsv"], 1,
                      ["at least 2 normal samples", "n1.bam"], "a panel of normals from one normal", outputs=["out"]))
    cases.append(Case("pon_normal_other_build", "bam",
                      {"n1.bam": bam, "n1.bam.bai": bai, "n2.bam": grch38, "n2.bam.bai": grch38_bai, "t.bed": targets},
                      ["pon", "build", "n1.bam", "n2.bam", "--targets", "t.bed", "-o", "out/pon.tsv"], 1,
                      ["n2.bam"], "normals on two builds", outputs=["out"]))
    cases.append(Case("pon_bad_targets", "bam", {"n1.bam": bam, "n1.bam.bai": bai, "n2.bam": other_bam,
                                                 "n2.bam.bai": other_bai, "t.bed": "17\tx\t5\n"},
                      ["pon", "build", "n1.bam", "n2.bam", "--targets", "t.bed", "-o", "out/pon.tsv"], 1,
                      ["t.bed:1"], "a targets file with a broken line", outputs=["out"]))
    return cases


def index_cases(rng: np.random.Generator, reject) -> None:
    """Indexes that do not describe their BAM; their own generator keeps the other cases' bytes."""
    bam, bai = tiny_bam(rng, unplaced=2)
    _, other_csi = tiny_bam(rng, first=37868100, unplaced=2, csi=True)
    _, first50_bai = tiny_bam(np.random.default_rng(INDEX_CASES_SEED + 1), keep=50, unplaced=2)
    grown, _ = tiny_bam(np.random.default_rng(INDEX_CASES_SEED + 1), unplaced=2)
    assert bai is not None and other_csi is not None and first50_bai is not None
    reject("bam_csi_of_other_file", {"t.bam": bam, "t.bam.csi": other_csi}, [], ["t.bam.csi", "does not match"],
           "a .csi built for another BAM (htslib prefers it to a .bai)")
    reject("bam_index_before_reads_added", {"t.bam": grown, "t.bam.bai": first50_bai}, [],
           ["t.bam.bai", "does not match", "samtools index"], "the index of the file before 10 reads were added")
    reject("bam_index_truncated", {"t.bam": bam, "t.bam.bai": bai[: len(bai) // 2]}, [],
           ["t.bam.bai", "ends early"], "a .bai cut in half")
    reject("bam_index_garbage", {"t.bam": bam, "t.bam.bai": garbage(rng, 600)}, [], ["t.bam.bai", "not a BAI or CSI"],
           "random bytes named .bai")


def plan_cases(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    cohort = (ROOT / "fixtures" / "analysis" / "cohort.tsv").read_text()
    builtin = (ROOT / "rules" / "plans" / "first-line-regimens.yaml").read_text()

    def reject(cid: str, plan: str | bytes, expect: list[str], why: str) -> None:
        cases.append(Case(cid, "plan", {"cohort.tsv": cohort, "plan.yaml": plan},
                          ["analyze", "cohort.tsv", "--plan", "plan.yaml", "-o", "out"], 1, expect, why,
                          outputs=["out"]))

    reject("plan_syntax_error", "name: [x\n", ["plan.yaml", "not valid YAML"], "an unclosed bracket")
    reject("plan_billion_laughs", BILLION_LAUGHS, ["plan.yaml", "aliases"], "an alias bomb")
    reject("plan_python_tag", "name: !!python/object/apply:os.system ['echo pwned']\n",
           ["plan.yaml", "not valid YAML"], "a Python tag must never run")
    reject("plan_unknown_key", builtin + "colour: blue\n", ["plan.yaml", "colour"], "a key the schema lacks")
    reject("plan_wrong_type", builtin.replace("version: 1", "version: one", 1), ["plan.yaml", "version"],
           "a word for the schema version")
    reject("plan_missing_column", builtin.replace("regimen_group", "regimen_grp"), ["cohort.tsv", "regimen_grp", "columns are"],
           "a column the cohort lacks (the message lists the columns)")
    reject("plan_binary", garbage(rng, 500), ["plan.yaml"], "binary garbage")
    reject("plan_empty", "", ["plan.yaml"], "an empty plan")
    return cases
