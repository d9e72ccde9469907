"""Write the small seeded cohorts that the statistics golden tests run on.

    python scripts/make_golden_cohorts.py [OUT_DIR]   (default: tests/golden)

Each cohort is a CSV with columns time, event, group, age, sex, ecog, brain_mets, best_response.
Missing values are written as NA (R's read.csv and pandas both read that as missing). Times are
rounded so that ties occur, on purpose. After changing this script, re-run it, then
``Rscript tests/golden/make_golden.R`` to refresh ``expected.json``.

Cohorts and the cases they cover:
  regimens      118 patients, six first-line regimens (sizes like the seed study), times to
                0.1 month, some ECOG missing (Cox complete-case), sparse cells (Fisher 2x6, 3x6;
                best response 5x6, which R answers only with a larger workspace)
  exon20_amp    36 patients, exon 20 insertion vs amplification, times to 0.5 month; the
                amplification curve ends flat at exactly 0.5 (R's quantile and print rules differ)
  km_edge       hand-built groups: curve exactly 0.5 over an interval, curve ending exactly at 0.5,
                median not reached, upper CI bound not reached, all censored, heavy ties
  ties3         120 patients, three arms, whole-month times (many tied events and censorings),
                3x3 ECOG-by-arm table with small expected counts
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240611
RESPONSES = ("CR", "PR", "SD", "PD", "NE")


def _covariates(rng: np.random.Generator, n: int, *, ecog_missing: int = 0) -> dict[str, list]:
    age = np.clip(np.round(rng.normal(61, 9, n)), 32, 85).astype(int)
    sex = np.where(rng.random(n) < 0.45, "M", "F")
    ecog = rng.choice(["0", "1", "2"], size=n, p=[0.35, 0.5, 0.15]).astype(object)
    if ecog_missing:
        ecog[rng.choice(n, size=ecog_missing, replace=False)] = None
    brain = np.where(rng.random(n) < 0.3, "yes", "no")
    return {"age": age.tolist(), "sex": sex.tolist(), "ecog": ecog.tolist(), "brain_mets": brain.tolist()}


def _times(rng: np.random.Generator, n: int, median: float, follow: float, step: float):
    """Exponential event times with uniform censoring, rounded to `step` (creates ties)."""
    t_event = rng.exponential(median / np.log(2), n)
    t_cens = rng.uniform(0.3 * follow, follow, n)
    time = np.minimum(t_event, t_cens)
    event = (t_event <= t_cens).astype(int)
    # Round up so no time becomes 0 (a zero time is legal but not what these cohorts test).
    time = np.maximum(np.round(time / step) * step, step)
    return np.round(time, 6), event


def _responses(rng: np.random.Generator, n: int, p: list[float]) -> list[str]:
    return rng.choice(RESPONSES, size=n, p=p).tolist()


def regimens(rng: np.random.Generator) -> pd.DataFrame:
    arms = {  # size, median PFS (months), response probabilities CR PR SD PD NE
        "C": (30, 5.5, [0.0, 0.2, 0.45, 0.25, 0.1]),
        "I": (8, 2.5, [0.0, 0.05, 0.3, 0.55, 0.1]),
        "TKI": (25, 5.0, [0.02, 0.2, 0.45, 0.23, 0.1]),
        "C+I": (30, 6.5, [0.03, 0.27, 0.45, 0.17, 0.08]),
        "C+A": (15, 7.0, [0.0, 0.3, 0.5, 0.15, 0.05]),
        "C+I+A": (10, 9.0, [0.05, 0.35, 0.4, 0.15, 0.05]),
    }
    parts = []
    for arm, (n, med, p) in arms.items():
        time, event = _times(rng, n, med, follow=30.0, step=0.1)
        parts.append(pd.DataFrame({"time": time, "event": event, "group": arm,
                                   **_covariates(rng, n), "best_response": _responses(rng, n, p)}))
    df = pd.concat(parts, ignore_index=True)
    missing = rng.choice(len(df), size=6, replace=False)
    df.loc[missing, "ecog"] = None
    return df


def exon20_amp(rng: np.random.Generator) -> pd.DataFrame:
    parts = []
    for arm, n, med, follow, p in (
        ("exon20ins", 26, 6.0, 36.0, [0.0, 0.25, 0.45, 0.2, 0.1]),
        ("amplification", 10, 40.0, 24.0, [0.1, 0.3, 0.4, 0.2, 0.0]),
    ):
        time, event = _times(rng, n, med, follow=follow, step=0.5)
        parts.append(pd.DataFrame({"time": time, "event": event, "group": arm,
                                   **_covariates(rng, n, ecog_missing=1),
                                   "best_response": _responses(rng, n, p)}))
    return pd.concat(parts, ignore_index=True)


def km_edge(rng: np.random.Generator) -> pd.DataFrame:
    groups = {
        # 10 deaths, no censoring: S is 0.5 (up to rounding) on [5, 6) -> median 5.5
        "half": ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1] * 10),
        # S reaches 0.5 at 5 and stays there to the last (censored) time 9:
        # quantile.survfit gives (5 + 9) / 2, print.survfit gives 5
        "ends_half": ([2, 3, 5, 7, 8, 9], [1, 1, 1, 0, 0, 0]),
        # 3 events in 12: median not reached
        "not_reached": ([1.5, 2, 3, 4, 6, 8, 9, 10, 12, 14, 15, 18], [1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
        # exactly half die by 10, then one more at 11: median 10.5, upper CI bound not reached
        "upper_nr": (list(range(1, 21)), [1] * 11 + [0] * 9),
        # nobody has the event
        "all_censored": ([3, 5, 5, 8, 13], [0, 0, 0, 0, 0]),
        # tied event and censoring times (censorings at a death time stay at risk for it)
        "ties": ([2, 2, 2, 3, 3, 5, 5, 5, 5, 8, 8, 9, 12, 12],
                 [1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0]),
    }
    parts = []
    for name, (time, event) in groups.items():
        n = len(time)
        parts.append(pd.DataFrame({"time": np.asarray(time, float), "event": event, "group": name,
                                   **_covariates(rng, n),
                                   "best_response": _responses(rng, n, [0.05, 0.25, 0.4, 0.25, 0.05])}))
    return pd.concat(parts, ignore_index=True)


def ties3(rng: np.random.Generator) -> pd.DataFrame:
    parts = []
    for arm, n, med, p_ecog in (("A", 50, 8.0, [0.5, 0.45, 0.05]),
                                ("B", 40, 11.0, [0.35, 0.55, 0.10]),
                                ("Cc", 30, 5.0, [0.25, 0.55, 0.20])):
        time, event = _times(rng, n, med, follow=24.0, step=1.0)
        cov = _covariates(rng, n)
        cov["ecog"] = rng.choice(["0", "1", "2"], size=n, p=p_ecog).tolist()
        parts.append(pd.DataFrame({"time": time, "event": event, "group": arm, **cov,
                                   "best_response": _responses(rng, n, [0.02, 0.28, 0.4, 0.25, 0.05])}))
    return pd.concat(parts, ignore_index=True)


COHORTS = {"regimens": regimens, "exon20_amp": exon20_amp, "km_edge": km_edge, "ties3": ties3}


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for i, (name, build) in enumerate(COHORTS.items()):
        # One generator per cohort, so editing one cohort leaves the others unchanged.
        df = build(np.random.default_rng([SEED, i]))
        df.to_csv(out_dir / f"cohort_{name}.csv", index=False, na_rep="NA", float_format="%.10g")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "tests" / "golden")
