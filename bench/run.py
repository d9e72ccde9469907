#!/usr/bin/env python3
"""classify benchmark: her2var against `bcftools view -H -r <ERBB2>` on the same files, same run.

  python bench/run.py            # makes bench/data with make_data.py first if missing

Prints wall time and peak memory of each command and the ratio her2var/bcftools (for the
stream scan: speed relative to bcftools). Targets are in bench/README.md.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "17:37844157-37884925"  # ERBB2 on GRCh37 with flanks


def her2var_cmd() -> list[str]:
    exe = shutil.which("her2var")
    return [exe] if exe else [sys.executable, "-m", "her2var.cli"]


def measure(cmd: list[str], repeat: int = 3, stdout=subprocess.DEVNULL) -> tuple[float, float]:
    """Best wall time (s) and the largest peak RSS (MB) over `repeat` runs."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-2000:]}")
        proc.stderr.close()
        best = min(best, wall)
        peak = max(peak, usage.ru_maxrss / 1024)
    return best, peak


def loop_script(files: list[str]) -> list[str]:
    """A shell loop of one bcftools call per file (the peer for the batch)."""
    fd, path = tempfile.mkstemp(suffix=".sh")
    with os.fdopen(fd, "w") as fh:
        fh.write("set -e\n")
        for f in files:
            fh.write(f"bcftools view -H -r {REGION} {f} > /dev/null\n")
    return ["bash", path]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not shutil.which("bcftools"):
        raise SystemExit("bcftools is needed as the peer: apt-get install bcftools")
    if not os.path.exists(os.path.join(args.data, "wgs_plain.vcf.gz")):
        subprocess.run([sys.executable, os.path.join(HERE, "make_data.py"), args.data], check=True)
    d = args.data
    h = her2var_cmd()
    batch = sorted(glob.glob(os.path.join(d, "batch", "*.vcf.gz")))
    rows = []

    def row(name, ours, peer, target, speed=False):
        ratio = (peer[0] / ours[0]) if speed else (ours[0] / peer[0])
        rows.append((name, ours, peer, ratio, "speed vs peer" if speed else "time vs peer", target))

    help_t = measure(h + ["--help"], args.repeat)
    rows.append(("her2var --help", help_t, None, None, "", "<= 0.3 s"))
    row("one indexed panel VCF (5k records)", measure(h + ["classify", f"{d}/panel.vcf.gz", "--format", "tsv"], args.repeat),
        measure(["bcftools", "view", "-H", "-r", REGION, f"{d}/panel.vcf.gz"], args.repeat), "<= 0.25 s")
    with tempfile.TemporaryDirectory() as tmp:
        listing = os.path.join(tmp, "sheet.tsv")
        with open(listing, "w") as fh:
            fh.write("sample\tvcf\n" + "".join(f"S{i}\t{f}\n" for i, f in enumerate(batch)))
        row(f"batch of {len(batch)} panel VCFs (one run, -j 2)",
            measure(h + ["classify", "--samples", listing, "--format", "tsv", "-j", "2"], 1),
            measure(loop_script(batch), 1), "<= 1.0x (as fast as the loop)")
    row("WGS 5M records, indexed", measure(h + ["classify", f"{d}/wgs.vcf.gz", "--format", "tsv"], args.repeat),
        measure(["bcftools", "view", "-H", "-r", REGION, f"{d}/wgs.vcf.gz"], args.repeat), "<= 0.5 s")
    row("WGS 5M records, unindexed scan", measure(h + ["classify", f"{d}/wgs_plain.vcf.gz", "--format", "tsv"], 1),
        measure(["bcftools", "view", "-H", "-t", REGION, f"{d}/wgs_plain.vcf.gz"], 1), ">= 0.5x bcftools speed", speed=True)
    print(f"{'case':<44} {'her2var':>16} {'bcftools':>16} {'ratio':>22}  target")
    for name, ours, peer, ratio, kind, target in rows:
        o = f"{ours[0]:.3f}s {ours[1]:.0f}MB"
        p = f"{peer[0]:.3f}s {peer[1]:.0f}MB" if peer else "-"
        r = f"{ratio:.2f}x {kind}" if ratio is not None else "-"
        print(f"{name:<44} {o:>16} {p:>16} {r:>22}  {target}")
    print(f"peak memory of any her2var run: {max(r[1][1] for r in rows):.0f} MB (target <= 200 MB)")


if __name__ == "__main__":
    main()
