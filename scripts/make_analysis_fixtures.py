"""Write the fixtures of `her2var analyze` (seeded; re-run after changing it, then re-run
tests/golden/analysis/make_expected.R and commit both).

    python scripts/make_analysis_fixtures.py [OUT_DIR]   (default: fixtures/analysis)

Files and the cases they cover:
  cohort.tsv   120 patients in the columns of `her2var cohort`'s cohort.tsv, built by
               her2var.analysis.synthetic with nasty=True:
               - regimen C+A: 8 patients, not a single PFS or OS event (median NR, all censored)
               - histology: one level for everyone (adenocarcinoma), a covariate that cannot be fitted
               - 2 patients on ADC, a regimen outside the plans' levels (left out of the regimen comparisons)
               - patients the cohort stage left out of PFS/OS (in_pfs = no) or response, with reasons
               - empty brain-metastasis status, NE responses, wild-type and amplification-only patients,
                 exon 20 insertion + amplification in one patient, an EGFR co-driver
Synthetic data, not from patients.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from her2var.analysis.synthetic import synthetic_cohort, write_cohort_tsv  # noqa: E402

SEED = 20261125
N = 120


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rows = synthetic_cohort(N, SEED, nasty=True)
    write_cohort_tsv(str(out / "cohort.tsv"), rows)
    print(f"wrote {out / 'cohort.tsv'} ({len(rows)} patients)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fixtures" / "analysis")
