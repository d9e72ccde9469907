#!/usr/bin/env python3
"""Write the hostile-input corpus in tests/bad_inputs/: malformed files for every reader, and a
manifest saying what the real command line must do with each.

One folder per case (``<reader>/<id>/``) holds the case's own files; ``shared/`` holds the valid
inputs cases lean on (a good VCF, a classify output folder). ``manifest.tsv`` has one row per case:

    id, reader, files, shared, args, exit, outcome, expect_stderr, expect_stdout, outputs,
    expect_files, why, setup

``args`` is a shell-quoted command line run in a scratch folder holding the case's files and
``shared/``; every output it asks for lies inside that folder. ``outcome`` is ``reject`` (exit 1,
the message names the file and the place), ``usage`` (exit 2) or ``accept``: some hostile-looking
inputs are valid (Windows line endings, a UTF-8 byte-order mark, unsorted records in a plain VCF)
and must be read correctly, which ``expect_stdout``/``expect_files`` check. ``why`` says why each
case is rejected or accepted; ``setup`` lists what a file cannot hold (a named pipe, a symbolic link
to a device or to nowhere, a permission), made in the scratch folder before the run. List-valued columns are JSON.

Random bytes come from a seeded generator and archives get fixed timestamps, so re-running gives
identical bytes (a test checks). The cases themselves live in ``scripts/hostile_inputs/``, one module
per group of readers; the reader column leaves room for BAM/CRAM and plan YAML cases.

    python scripts/make_bad_inputs.py [OUTDIR]     # default: tests/bad_inputs next to this script
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hostile_inputs.alignments_plans import bam_cases, plan_cases  # noqa: E402
from hostile_inputs.build import (  # noqa: E402
    CLIN_HEAD,
    CLIN_ROWS,
    YVMA,
    YVMA_NAME,
    Case,
    csv_text,
    tsv,
    vcf,
)
from hostile_inputs.config import rules_cases, store_cases, usage_cases  # noqa: E402
from hostile_inputs.evidence import cnv_cases, fusion_cases  # noqa: E402
from hostile_inputs.mafs import maf_cases  # noqa: E402
from hostile_inputs.shards import shard_cases  # noqa: E402
from hostile_inputs.sheets import clinical_cases, samples_cases, targets_cases  # noqa: E402
from hostile_inputs.study_clinical import study_clinical_cases  # noqa: E402
from hostile_inputs.studies import study_cases  # noqa: E402
from hostile_inputs.sweep_limits import sweep_limits_cases  # noqa: E402
from hostile_inputs.sweep_outputs import sweep_outputs_cases  # noqa: E402
from hostile_inputs.sweep_privacy import sweep_privacy_cases  # noqa: E402
from hostile_inputs.variants import bcf_cases, vcf_cases  # noqa: E402

from her2var.models import CALL_COLUMNS, SAMPLE_COLUMNS  # noqa: E402

SEED = 20260311
MANIFEST_COLUMNS = ("id", "reader", "files", "shared", "args", "exit", "outcome", "expect_stderr",
                    "expect_stdout", "outputs", "expect_files", "why", "setup")
# BAM/CRAM ("bam", "cram") and analysis plan YAML ("plan") cases join here, and in tests/test_bad_inputs.py.
READERS = ("vcf", "bcf", "cnv", "fusions", "samples", "targets", "rules", "clinical", "store", "bam", "plan",
           "usage", "maf", "shard", "study")


# -- shared inputs and writing ------------------------------------------------------------------
def shared_files() -> dict[str, str | bytes]:
    samples = [dict.fromkeys(SAMPLE_COLUMNS, "") for _ in range(2)]
    for s, (sample, patient) in zip(samples, (("S001", "P001"), ("S002", "P002"))):
        s.update(sample=sample, patient=patient, her2_status="exon20_insertion" if sample == "S001" else "none",
                 assessed="yes", cn_assessed="no", status="ok", build="GRCh37", n_events="1" if sample == "S001" else "0")
    call = dict.fromkeys(CALL_COLUMNS, "")
    call.update(sample="S001", gene="ERBB2", **{"class": "exon20_insertion"}, hgvs_p=YVMA_NAME, exon="20",
                chrom="17", pos="37880981", ref="A", alt="AGCATACGTGATG", source="vcf", build="GRCh37")
    return {
        "good.vcf": vcf(YVMA),
        "clinical.csv": csv_text([CLIN_HEAD, *CLIN_ROWS]),
        "calls/samples.tsv": tsv(SAMPLE_COLUMNS, *[[s[c] for c in SAMPLE_COLUMNS] for s in samples]),
        "calls/calls.tsv": tsv(CALL_COLUMNS, [call[c] for c in CALL_COLUMNS]),
        "short.key": "tooshort\n",
    }


def all_cases() -> list[Case]:
    rng = np.random.default_rng(SEED)
    cases = (vcf_cases(rng) + bcf_cases(rng) + cnv_cases(rng) + fusion_cases(rng) + samples_cases(rng)
             + targets_cases(rng) + rules_cases(rng) + clinical_cases(rng) + store_cases(rng) + bam_cases(rng)
             + plan_cases(rng) + usage_cases() + maf_cases(rng) + shard_cases() + study_clinical_cases(rng)
             + study_cases(rng) + sweep_limits_cases(rng) + sweep_outputs_cases(rng)
             + sweep_privacy_cases(rng))
    unknown = sorted({c.reader for c in cases} - set(READERS))
    if unknown:
        raise SystemExit(f"cases for readers not in READERS: {', '.join(unknown)}")
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise SystemExit(f"duplicate case ids: {', '.join(dupes)}")
    return cases


def write_corpus(out: Path) -> int:
    """Write every case and the manifest under ``out`` (replacing what was there). Returns the count."""
    if out.exists():
        if any(out.iterdir()) and not (out / "manifest.tsv").is_file():
            raise SystemExit(f"{out}: exists and is not a hostile-input corpus (no manifest.tsv); give another folder")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name, content in shared_files().items():
        _write(out / "shared" / name, content)
    rows = []
    for c in all_cases():
        folder = out / c.reader / c.id
        files = []
        for name, content in c.files.items():
            if name.endswith("/"):
                continue  # a folder case: its README entry creates it
            _write(folder / name, content)
            files.append(f"{c.reader}/{c.id}/{name}")
        rows.append({
            "id": c.id, "reader": c.reader, "files": json.dumps(files), "shared": json.dumps(c.shared),
            "args": shlex.join(c.args), "exit": str(c.exit), "outcome": c.outcome,
            "expect_stderr": json.dumps(c.expect), "expect_stdout": json.dumps(c.stdout),
            "outputs": json.dumps(c.outputs), "expect_files": json.dumps(c.expect_files), "why": c.why,
            "setup": json.dumps(c.setup),
        })
    with open(out / "manifest.tsv", "w", encoding="utf-8", newline="") as fh:
        fh.write("\t".join(MANIFEST_COLUMNS) + "\n")
        for r in rows:
            fh.write("\t".join(r[k] for k in MANIFEST_COLUMNS) + "\n")
    return len(rows)


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "tests" / "bad_inputs"
    n = write_corpus(out)
    print(f"wrote {n} hostile-input cases to {out}")


if __name__ == "__main__":
    main(sys.argv)
