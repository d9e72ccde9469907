"""Benchmark: the results store and the cohort build at scale.

    python bench/bench_cohort.py            100,000 patients, 150,000 samples
    python bench/bench_cohort.py --small    2,000 patients, 3,000 samples (a quick check)

Synthetic, seeded data (numpy.random.default_rng): a clinical CSV, a samples sheet with
collection dates, and classify results for every sample. Three phases, each in its own process
so its peak memory (ru_maxrss) is its own:

  ingest   Store.record for every sample, one transaction each (as `classify --store` does)
  build    build_cohort from the store + samples sheet (reading, validation, derivations,
           sample choice) and write_cohort (cohort.tsv + problems + conflicts)
  peer     the named peer: plain pandas read of the same clinical CSV and samples.tsv, and a
           merge on the patient id (no validation, no derivations)
  floor    what any build in Python costs at least: the same clinical CSV and samples sheet read
           with the csv module, the store's cohort index read with one query, samples joined to
           patients, and a table of cohort.tsv's rows and columns written with str() of each value
           (no validation, no dates, no derivations, no problems or conflicts tables)
  floor_pandas  the floor with the two tables read by pandas' C parser, as the peer reads them

Prints rows per second, CPU time and peak memory per phase, and the build/peer time ratio
(target: build <= 3x the peer; and build <= 20 s, <= 2 GB), and the floor's ratios to both. The
build, the peer and the floor run alternately, ``--repeat`` times each (default 2), and the best
of each is compared: other programs on a shared machine slow some runs.

With ``--dir`` the data and the store are kept there and reused by the next run of the same size
(the ingest takes about half a minute at the full size); ``--fresh`` makes them again. her2var is
compiled to bytecode first and the phases run with bytecode on, as an installed her2var does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20261122
DRUGS = ["carboplatin + pemetrexed", "carboplatin + pemetrexed + pembrolizumab", "pyrotinib", "afatinib",
         "docetaxel", "carboplatin + paclitaxel + bevacizumab + atezolizumab", "trastuzumab deruxtecan",
         "nivolumab"]
RESPONSES = ["CR", "PR", "SD", "PD", "NE", "partial response", "stable", ""]


def make_data(folder: Path, n_patients: int, n_samples: int) -> None:
    """Clinical CSV, samples sheet, samples.tsv and a pickle-free JSON-lines of results."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    base = dt.date(2019, 1, 1)
    start = rng.integers(0, 1200, n_patients)
    prog = start + rng.integers(20, 900, n_patients)
    has_prog = rng.random(n_patients) < 0.7
    death = prog + rng.integers(0, 700, n_patients)
    has_death = rng.random(n_patients) < 0.4
    lfu = np.maximum(prog, start + rng.integers(30, 1500, n_patients))
    d = lambda k: (base + dt.timedelta(days=int(k))).isoformat()  # noqa: E731
    with open(folder / "clinical.csv", "w", encoding="utf-8") as fh:
        fh.write("patient_id,sex,age,smoking,ecog,stage,histology,brain_mets,drugs,treatment_start,"
                 "progression_date,death_date,last_followup,best_response\n")
        for i in range(n_patients):
            fh.write(",".join([
                f"P{i:06d}", "M" if rng.random() < 0.5 else "F", str(int(rng.integers(30, 85))),
                ["never", "former", "current"][int(rng.integers(0, 3))], str(int(rng.integers(0, 3))),
                ["IIIB", "IV", "IVA", "IVB"][int(rng.integers(0, 4))], "adenocarcinoma",
                "yes" if rng.random() < 0.3 else "no", f'"{DRUGS[int(rng.integers(0, len(DRUGS)))]}"',
                d(start[i]), d(prog[i]) if has_prog[i] else "", d(death[i]) if has_death[i] else "",
                d(lfu[i]), RESPONSES[int(rng.integers(0, len(RESPONSES)))]]) + "\n")
    owner = np.concatenate([np.arange(n_patients), rng.integers(0, n_patients, n_samples - n_patients)])
    with open(folder / "sheet.tsv", "w", encoding="utf-8") as sheet, \
            open(folder / "results.jsonl", "w", encoding="utf-8") as res:
        sheet.write("sample\tpatient\tcollection_date\n")
        for j in range(n_samples):
            p = int(owner[j])
            sheet.write(f"S{j:07d}\tP{p:06d}\t{d(start[p] - int(rng.integers(-60, 200)))}\n")
            kind = rng.random()
            res.write(json.dumps({"sample": f"S{j:07d}", "patient": f"P{p:06d}", "kind": float(kind),
                                  "assessed": ["yes", "unknown", "no"][int(rng.integers(0, 3))],
                                  "cn": float(rng.uniform(1.5, 12))}) + "\n")


def _results(folder: Path):
    """Classify results as classify makes them: calls tiered by the built-in rules."""
    from her2var.classify.result import SampleResult
    from her2var.classify.tiers import apply_tiers
    from her2var.models import Call
    from her2var.rules.load import load_rules

    rules = load_rules()

    with open(folder / "results.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            calls = []
            if r["kind"] < 0.35:
                calls.append(Call(sample=r["sample"], gene="ERBB2", klass="exon20_insertion", hgvs_p="p.Y772_A775dup",
                                  hgvs_c="NM_004448.4:c.2313_2324dup", chrom="chr17", pos=39724728, ref="A",
                                  alt="AGCATACGTGATG", depth=500, alt_reads=150, vaf=0.3, build="GRCh38"))
            elif r["kind"] < 0.5:
                calls.append(Call(sample=r["sample"], gene="ERBB2", klass="point_mutation", hgvs_p="p.V777L",
                                  chrom="chr17", pos=39724747, ref="G", alt="T", build="GRCh38"))
            amplified = r["cn"] > 6
            if amplified:
                calls.append(Call(sample=r["sample"], gene="ERBB2", klass="amplification", copy_number=r["cn"]))
            res = SampleResult(sample=r["sample"], patient=r["patient"], calls=calls, assessed=r["assessed"],
                               cn_assessed="yes", copy_number=r["cn"],
                               input_sha256=hashlib.sha256(r["sample"].encode()).hexdigest(),
                               rules_checksum="bench", build="GRCh38")
            apply_tiers(res, rules)
            yield res


def phase_ingest(folder: Path) -> int:
    from her2var.classify.output import sample_json
    from her2var.store import open_store

    n = 0
    with open_store(str(folder / "her2var.db")) as store:
        for r in _results(folder):
            store.record(sample_json(r, {"her2var_version": "bench", "rules_checksum": "bench"}), "bench")
            n += 1
    return n


def phase_migrate(folder: Path) -> int:
    """A kept store of an older schema brought to the current one, as the next classify --store
    would (the build would read it as it is, slower): the schema version it had."""
    import sqlite3

    from her2var.store import open_store

    conn = sqlite3.connect(folder / "her2var.db")
    try:
        version = conn.execute("SELECT version FROM schema_version").fetchone()[0]
    finally:
        conn.close()
    open_store(str(folder / "her2var.db")).close()
    return int(version)


def phase_samples_tsv(folder: Path) -> int:
    from her2var.classify.output import sample_row, write_tsv
    from her2var.models import SAMPLE_COLUMNS

    rows = [sample_row(r) for r in _results(folder)]
    with open(folder / "samples.tsv", "w", encoding="utf-8") as fh:
        write_tsv(fh, SAMPLE_COLUMNS, rows)
    return len(rows)


def phase_build(folder: Path) -> int:
    from her2var.cohort.build import build_cohort
    from her2var.cohort.export import write_cohort

    result = build_cohort(str(folder / "clinical.csv"), store=str(folder / "her2var.db"),
                          samples_sheet=str(folder / "sheet.tsv"), today=dt.date(2026, 1, 1))
    write_cohort(result, str(folder / "out" / "cohort.tsv"))
    return len(result.records)


def phase_peer(folder: Path) -> int:
    import pandas as pd

    clinical = pd.read_csv(folder / "clinical.csv", dtype=str, keep_default_na=False)
    samples = pd.read_csv(folder / "samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    merged = clinical.merge(samples, left_on="patient_id", right_on="patient", how="left")
    return len(merged)


def phase_floor(folder: Path) -> int:
    import csv

    with open(folder / "clinical.csv", encoding="utf-8", newline="") as fh:
        clinical = list(csv.reader(fh))[1:]
    with open(folder / "sheet.tsv", encoding="utf-8", newline="") as fh:
        owner = {s: p for s, p, _ in list(csv.reader(fh, delimiter="\t"))[1:]}
    return _floor_join_and_write(folder, clinical, owner)


def phase_floor_pandas(folder: Path) -> int:
    """The floor with the two tables read by pandas' C parser (as the peer reads them)."""
    import pandas as pd

    clinical = pd.read_csv(folder / "clinical.csv", dtype=str, keep_default_na=False)
    sheet = pd.read_csv(folder / "sheet.tsv", sep="\t", dtype=str, keep_default_na=False)
    owner = dict(zip(sheet["sample"].tolist(), sheet["patient"].tolist(), strict=True))
    rows = list(zip(*[clinical[c].tolist() for c in clinical.columns], strict=True))
    return _floor_join_and_write(folder, rows, owner)


def _floor_join_and_write(folder: Path, clinical: list, owner: dict[str, str]) -> int:
    """The store's cohort index read with one query, each patient's first sample joined to its
    clinical row, and cohort.tsv's rows and columns written with str() of each value (in parts
    of 5,000 rows, as her2var writes)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{folder / 'her2var.db'}?mode=ro", uri=True)
    try:
        results = conn.execute(
            "SELECT sample, patient, her2_classes, assessed, cn_assessed, copy_number, n_events, calls_sparse, "
            "rules_checksum, tested, calls_keys FROM results INDEXED BY results_cohort WHERE is_current = 1 "
            "ORDER BY sample").fetchall()
    finally:
        conn.close()
    first: dict[str, tuple] = {}
    for r in results:
        first.setdefault(owner.get(r[0], r[1]), r)
    try:  # as many columns as the build's cohort.tsv
        with open(folder / "out" / "cohort.tsv", encoding="utf-8") as fh:
            width = fh.readline().count("\t") + 1
    except OSError:
        width = 66
    none = (None,) * 11
    records = []
    for row in clinical:
        cells = (*row, *first.get(row[0], none))
        records.append((cells * (width // len(cells) + 1))[:width])  # every cell a value read
    with open(folder / "floor" / "cohort.tsv", "w", encoding="utf-8") as fh:
        fh.write("\t".join(f"c{i}" for i in range(width)) + "\n")
        for start in range(0, len(records), 5000):
            columns = zip(*records[start:start + 5000], strict=True)
            texts = [["" if v is None else v if type(v) is str else str(v) for v in c] for c in columns]
            fh.write("\n".join(map("\t".join, zip(*texts, strict=True))) + "\n")
    return len(records)


PHASES = {"ingest": phase_ingest, "migrate": phase_migrate, "samples_tsv": phase_samples_tsv, "build": phase_build,
          "peer": phase_peer, "floor": phase_floor, "floor_pandas": phase_floor_pandas}


def run_phase(name: str, folder: Path) -> dict:
    """Run one phase in a fresh process (bytecode on, as installed); return its time, CPU time, rows
    and peak memory."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run([sys.executable, __file__, "--phase", name, "--dir", str(folder)],
                          capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="2,000 patients / 3,000 samples")
    ap.add_argument("--patients", type=int)
    ap.add_argument("--samples", type=int)
    ap.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    ap.add_argument("--dir", help="keep the data here and reuse it (default: a temporary folder)")
    ap.add_argument("--fresh", action="store_true", help="make the data in --dir again")
    ap.add_argument("--repeat", type=int, default=2, help="build and peer runs, alternately (default 2)")
    args = ap.parse_args()
    if args.phase:
        t0 = time.perf_counter()
        rows = PHASES[args.phase](Path(args.dir))
        seconds = time.perf_counter() - t0
        usage = resource.getrusage(resource.RUSAGE_SELF)
        peak = usage.ru_maxrss * 1024  # Linux: KiB
        print(json.dumps({"rows": rows, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
                          "peak_bytes": peak}))
        return
    n_p = args.patients or (2_000 if args.small else 100_000)
    n_s = args.samples or (3_000 if args.small else 150_000)
    with tempfile.TemporaryDirectory(prefix="her2var-bench-") as tmp:
        folder = Path(args.dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "her2var")], check=True,
                       env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
        made = folder / "made.json"  # the size and seed of the data and store kept in --dir
        what = {"patients": n_p, "samples": n_s, "seed": SEED, "calls": "tiered"}
        results: dict[str, dict] = {}
        if args.dir and not args.fresh and made.exists() and json.loads(made.read_text()) == what:
            print(f"data: {n_p:,} patients, {n_s:,} samples (seed {SEED}) and the store kept in {folder}")
            migrated = run_phase("migrate", folder)  # nothing to do unless the store is of an older schema
            from her2var.store import SCHEMA_VERSION

            if migrated["rows"] != SCHEMA_VERSION:
                print(f"store migrated from schema {migrated['rows']} to {SCHEMA_VERSION} in "
                      f"{migrated['seconds']:.1f} s (CPU {migrated['cpu']:.1f} s)")
        else:
            made.unlink(missing_ok=True)
            for old in ("her2var.db", "her2var.db-wal", "her2var.db-shm"):
                (folder / old).unlink(missing_ok=True)
            t0 = time.perf_counter()
            make_data(folder, n_p, n_s)
            print(f"data: {n_p:,} patients, {n_s:,} samples (seed {SEED}) in {time.perf_counter() - t0:.1f} s")
            run_phase("samples_tsv", folder)
            results["ingest"] = run_phase("ingest", folder)
            made.write_text(json.dumps(what))
        (folder / "floor").mkdir(exist_ok=True)
        runs: dict[str, list[dict]] = {"build": [], "peer": [], "floor": [], "floor_pandas": []}
        for _ in range(max(1, args.repeat)):
            for name in runs:
                runs[name].append(run_phase(name, folder))
        for name, rs in runs.items():
            results[name] = min(rs, key=lambda r: r["seconds"])
            if len(rs) > 1:
                print(f"{name}: " + ", ".join(f"{r['seconds']:.2f} s (CPU {r['cpu']:.2f} s)" for r in rs))
        print(f"{'phase':<12} {'rows':>9} {'seconds':>8} {'CPU s':>8} {'rows/s':>10} {'peak MB':>8}")
        for name, r in results.items():
            rate = r["rows"] / r["seconds"] if r["seconds"] else float("inf")
            print(f"{name:<12} {r['rows']:>9,} {r['seconds']:>8.2f} {r['cpu']:>8.2f} {rate:>10,.0f} "
                  f"{r['peak_bytes'] / 2**20:>8.0f}")
        ratio = results["build"]["seconds"] / results["peer"]["seconds"]
        print(f"build / peer (plain pandas read + merge) time ratio, best of each: {ratio:.1f}x "
              f"(target <= 3x: {'met' if ratio <= 3 else 'NOT met'}); load average {os.getloadavg()[0]:.1f}")
        peer = results["peer"]["seconds"]
        for name, what in (("floor", "read, join and write in plain Python"),
                           ("floor_pandas", "the same, the two tables read by pandas")):
            floor = results[name]["seconds"]
            print(f"{name} ({what}) / peer: {floor / peer:.1f}x; build / {name}: "
                  f"{results['build']['seconds'] / floor:.1f}x")
        if not args.small and not args.patients:
            ok = results["build"]["seconds"] <= 20 and results["build"]["peak_bytes"] <= 2 * 2**30
            print(f"target (build <= 20 s, <= 2 GB): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
