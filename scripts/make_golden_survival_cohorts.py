"""Write the seeded cohorts of the survival golden tests (delayed entry, NA and infinite Cox terms).

    python scripts/make_golden_survival_cohorts.py [OUT_DIR]   (default: tests/golden/survival)

Each cohort is a CSV (missing values written as NA). After changing this script, re-run it, then
``Rscript tests/golden/make_golden_survival.R`` to refresh ``tests/golden/expected_survival.json``.

Cohorts and the cases they cover:
  entry_untied  80 patients, three groups, delayed entry (about half enter after time 0), times
                and entry times with no ties: KM, log-rank (= coxph's score test), Cox
  entry_ties    150 patients, three groups, times and entry times on a half-month grid, so events,
                censorings and entries fall on the same times (a patient entering at an event time
                is not at risk at it); Efron and Breslow ties
  aliased       60 patients; group level D has one patient, censored before the first event (R: NA
                for group=D); age2 = 2 age + 1 (collinear, R: NA); with entry times, level L of
                group2 enters after the last event (R: NA)
  separation    50 patients; arm level zz has no events (coefficient tends to -infinity), with
                delayed entry for the counting-process variant
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20250302


def _truncated(rng: np.random.Generator, n: int, rate: np.ndarray, step: float | None) -> tuple:
    """Entry, exit and event for patients seen only if still followed at entry (left truncation)."""
    entry = np.where(rng.random(n) < 0.5, 0.0, rng.uniform(0.0, 10.0, n))
    t_event = entry + rng.exponential(1.0 / rate)  # memoryless: the time from entry on
    t_event = np.where(rng.random(n) < 0.3, rng.exponential(1.0 / rate), t_event)  # some before entry
    t_cens = rng.uniform(6.0, 36.0, n)
    time = np.minimum(t_event, t_cens)
    event = (t_event <= t_cens).astype(int)
    if step is not None:
        entry = np.floor(entry / step) * step
        time = np.maximum(np.ceil(time / step) * step, step)
    # Patients whose follow-up ended before their entry are never seen: draw them again.
    bad = time <= entry
    if bad.any():
        e2, t2, ev2 = _truncated(rng, int(bad.sum()), rate[bad], step)
        entry[bad], time[bad], event[bad] = e2, t2, ev2
    return np.round(entry, 6), np.round(time, 6), event


def _entry_cohort(rng: np.random.Generator, n: int, step: float | None) -> pd.DataFrame:
    group = rng.choice(["A", "B", "C"], size=n, p=[0.4, 0.35, 0.25])
    age = np.clip(np.round(rng.normal(62, 9, n)), 35, 85)
    sex = np.where(rng.random(n) < 0.45, "M", "F")
    ecog = rng.choice(["0", "1", "2"], size=n, p=[0.35, 0.5, 0.15])
    rate = 0.06 * np.where(group == "B", 0.6, 1.0) * np.where(group == "C", 1.5, 1.0) * np.exp(0.02 * (age - 62))
    entry, time, event = _truncated(rng, n, rate, step)
    if step is None:
        # Continuous times: keep them distinct after rounding to 6 decimals.
        time = time + np.arange(n) * 1e-5
        entry = np.where(entry > 0, entry + np.arange(n) * 1e-5, 0.0)
        entry = np.minimum(entry, time - 1e-3)
    return pd.DataFrame({"entry": np.round(entry, 6), "time": np.round(time, 6), "event": event,
                         "group": group, "age": age.astype(int), "sex": sex, "ecog": ecog})


def aliased(rng: np.random.Generator) -> pd.DataFrame:
    n = 60
    group = rng.choice(["A", "B", "C"], size=n).astype(object)
    age = np.clip(np.round(rng.normal(60, 8, n)), 35, 85)
    rate = 0.08 * np.where(group == "B", 0.5, 1.0)
    t_event = rng.exponential(1.0 / rate)
    t_cens = rng.uniform(4.0, 30.0, n)
    time = np.maximum(np.round(np.minimum(t_event, t_cens), 1), 0.2)
    event = (t_event <= t_cens).astype(int)
    first = time[event == 1].min()
    # Level D: one patient, censored before the first event.
    group[0], time[0], event[0] = "D", round(first / 2, 2), 0
    entry = np.where(rng.random(n) < 0.6, 0.0, np.round(rng.uniform(0, 3, n), 1))
    entry = np.where(entry < time, entry, 0.0)
    group2 = group.copy()
    group2[0] = "A"
    # Level L of group2: three patients entering after the last event time.
    last = time[event == 1].max()
    for i, k in enumerate((1, 2, 3)):
        group2[k], event[k], entry[k], time[k] = "L", 0, last + 0.5 + i, last + 5.0 + i
    return pd.DataFrame({"entry": entry, "time": time, "event": event, "group": group, "group2": group2,
                         "age": age.astype(int), "age2": (2 * age + 1).astype(int)})


def separation(rng: np.random.Generator) -> pd.DataFrame:
    n = 50
    arm = rng.choice(["ctl", "exp", "zz"], size=n, p=[0.4, 0.4, 0.2])
    rate = 0.1 * np.where(arm == "exp", 0.5, 1.0)
    t_event = rng.exponential(1.0 / rate)
    t_cens = rng.uniform(3.0, 24.0, n)
    time = np.round(np.minimum(t_event, t_cens), 2) + 0.01
    event = ((t_event <= t_cens) & (arm != "zz")).astype(int)
    age = np.clip(np.round(rng.normal(60, 8, n)), 35, 85)
    entry = np.where(rng.random(n) < 0.5, 0.0, np.round(rng.uniform(0, 2, n), 2))
    entry = np.where(entry < time, entry, 0.0)
    return pd.DataFrame({"entry": entry, "time": np.round(time, 2), "event": event, "arm": arm,
                         "age": age.astype(int)})


def main(out: Path) -> None:
    rng = np.random.default_rng(SEED)
    out.mkdir(parents=True, exist_ok=True)
    cohorts = {
        "entry_untied": _entry_cohort(rng, 80, None),
        "entry_ties": _entry_cohort(rng, 150, 0.5),
        "aliased": aliased(rng),
        "separation": separation(rng),
    }
    for name, d in cohorts.items():
        path = out / f"cohort_{name}.csv"
        d.to_csv(path, index=False, na_rep="NA")
        back = pd.read_csv(path)
        assert (back["entry"] < back["time"]).all(), name
    untied = pd.read_csv(out / "cohort_entry_untied.csv")
    assert untied["time"].is_unique, "entry_untied must have no tied times"


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("tests/golden/survival"))
