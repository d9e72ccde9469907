#!/usr/bin/env python3
"""classify benchmark: her2var against `bcftools view -H -r <ERBB2>` on the same files, same run.

  python bench/run.py            # makes bench/data with make_data.py first if missing
  python bench/run.py --batch-scaling    # how a batch grows: 10 ... 100,000 files (copies: ~11 GB)
  python bench/run.py --scan-scaling     # how the unindexed scan grows: 10k ... 5M records, vs zcat

Prints wall time and peak memory of each command and the ratio her2var/bcftools (for the
stream scan: speed relative to bcftools). Targets are in bench/README.md. her2var runs as a user's
install runs: its bytecode is compiled first and it is started without PYTHONDONTWRITEBYTECODE.
"""

from __future__ import annotations

import argparse
import glob
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "17:37844157-37884925"  # ERBB2 on GRCh37 with flanks


# As a user's install runs: with the bytecode pip compiled (compile_bytecode), so no start-up
# compiles a module; PYTHONDONTWRITEBYTECODE (a development setting) would have every run compile.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def her2var_cmd() -> list[str]:
    exe = shutil.which("her2var")
    return [exe] if exe else [sys.executable, "-m", "her2var.cli"]


def compile_bytecode(cmd: list[str]) -> None:
    """Compile the installed her2var's modules (the Python that runs `cmd` finds the package)."""
    python = sys.executable
    if os.path.basename(cmd[0]) == "her2var":
        with open(cmd[0], "rb") as fh:
            first = fh.readline().decode(errors="replace").strip()
        if first.startswith("#!") and os.path.exists(first[2:].split()[0]):
            python = first[2:].split()[0]
    where = subprocess.run([python, "-c", "import her2var, os; print(os.path.dirname(her2var.__file__))"],
                           capture_output=True, text=True, check=True, env=ENV).stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", where], check=True, env=ENV, stdout=subprocess.DEVNULL)


def run_once(cmd: list[str], stdout=subprocess.DEVNULL) -> tuple[float, float, float]:
    """Wall time (s), CPU time (user + system of the command and the processes it waited for, s)
    and peak RSS (MB, the largest process of the command's tree) of one run."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(cmd: list[str], repeat: int = 3, stdout=subprocess.DEVNULL) -> tuple[float, float]:
    """Best wall time (s) and the largest peak RSS (MB) over `repeat` runs."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        wall, _, rss = run_once(cmd, stdout)
        best = min(best, wall)
        peak = max(peak, rss)
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
    ap.add_argument("--batch-scaling", action="store_true",
                    help="measure how a batch's time and memory grow with its number of files instead")
    ap.add_argument("--sizes", default="10,100,1000,10000,100000",
                    help="numbers of files for --batch-scaling (beyond the 1,000 of bench/data/batch, copies)")
    ap.add_argument("--loop-max", type=int, default=10000,
                    help="largest number of files the bcftools loop is run on (--batch-scaling)")
    ap.add_argument("--scratch", default=None,
                    help="folder for the copies --batch-scaling needs (default: a temporary folder, removed)")
    ap.add_argument("--scan-scaling", action="store_true",
                    help="measure how the unindexed scan grows with the number of records instead (vs zcat)")
    ap.add_argument("--records", default="10000,100000,1000000,5000000",
                    help="numbers of records for --scan-scaling (files made in DATA/scale, seeded)")
    args = ap.parse_args()
    if not shutil.which("bcftools"):
        raise SystemExit("bcftools is needed as the peer: apt-get install bcftools")
    if not os.path.exists(os.path.join(args.data, "wgs_plain.vcf.gz")):
        subprocess.run([sys.executable, os.path.join(HERE, "make_data.py"), args.data], check=True)
    d = args.data
    h = her2var_cmd()
    compile_bytecode(h)
    batch = sorted(glob.glob(os.path.join(d, "batch", "*.vcf.gz")))
    if args.batch_scaling:
        batch_scaling(h, batch, [int(n) for n in args.sizes.split(",")], args.loop_max, args.scratch)
        return
    if args.scan_scaling:
        scan_scaling(h, d, [int(n) for n in args.records.split(",")], max(args.repeat, 3))
        return
    rows = []

    def row(name, ours, peer, target, speed=False):
        ratio = (peer[0] / ours[0]) if speed else (ours[0] / peer[0])
        rows.append((name, ours, peer, ratio, "speed vs peer" if speed else "time vs peer", target))

    help_t = measure(h + ["--help"], args.repeat)
    rows.append(("her2var --help", help_t, None, None, "", "<= 0.3 s"))
    row("one indexed panel VCF (5k records)", measure(h + ["classify", f"{d}/panel.vcf.gz", "--format", "tsv"], args.repeat),
        measure(["bcftools", "view", "-H", "-r", REGION, f"{d}/panel.vcf.gz"], args.repeat), "<= 0.15 s")
    with tempfile.TemporaryDirectory() as tmp:
        listing = os.path.join(tmp, "sheet.tsv")
        with open(listing, "w") as fh:
            fh.write("sample\tvcf\n" + "".join(f"S{i}\t{f}\n" for i, f in enumerate(batch)))
        ours_batch = run_once([*h, "classify", "--samples", listing, "--format", "tsv", "-j", "2"])
        loop_batch = run_once(loop_script(batch))
        row(f"batch of {len(batch)} panel VCFs (one run, -j 2)", (ours_batch[0], ours_batch[2]),
            (loop_batch[0], loop_batch[2]), "<= 0.8x the loop")
    row("WGS 5M records, indexed", measure(h + ["classify", f"{d}/wgs.vcf.gz", "--format", "tsv"], args.repeat),
        measure(["bcftools", "view", "-H", "-r", REGION, f"{d}/wgs.vcf.gz"], args.repeat), "<= 0.5 s")
    plain = f"{d}/wgs_plain.vcf.gz"
    scan, floor = scan_and_zcat(h, plain, args.repeat)
    row("WGS 5M records, unindexed scan", scan,
        measure(["bcftools", "view", "-H", "-t", REGION, plain], 1), ">= 0.5x bcftools speed", speed=True)
    rows.append(("WGS 5M records, unindexed scan vs zcat", scan, floor, scan[0] / floor[0],
                 "time vs zcat", "<= 1.2x zcat"))
    print(f"{'case':<44} {'her2var':>16} {'bcftools':>16} {'ratio':>22}  target")
    for name, ours, peer, ratio, kind, target in rows:
        o = f"{ours[0]:.3f}s {ours[1]:.0f}MB"
        p = f"{peer[0]:.3f}s {peer[1]:.0f}MB" if peer else "-"
        r = f"{ratio:.2f}x {kind}" if ratio is not None else "-"
        print(f"{name:<44} {o:>16} {p:>16} {r:>22}  {target}")
    print(f"peak memory of any her2var run: {max(r[1][1] for r in rows):.0f} MB (target <= 200 MB)")
    print(f"batch: her2var {ours_batch[0]:.2f} s wall, {ours_batch[1]:.2f} s CPU (both workers); bcftools loop "
          f"{loop_batch[0]:.2f} s wall, {loop_batch[1]:.2f} s CPU: {ours_batch[0] / loop_batch[0]:.2f}x the loop's "
          f"time (target <= 0.8x; on a busy machine the CPU times are the steadier measure)")
    print(f"unindexed scan: her2var {scan[0]:.3f} s ({scan[2]:.2f} s CPU), `zcat FILE > /dev/null` "
          f"{floor[0]:.3f} s: {scan[0] / floor[0]:.2f}x zcat (target <= 1.2x); load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def zcat_cmd(path: str) -> list[str]:
    """`zcat FILE > /dev/null`: decompressing alone, the floor of any scan of the file."""
    return ["sh", "-c", 'exec zcat "$1" > /dev/null', "zcat", path]


Timing = tuple[float, float, float]  # best wall time (s), peak RSS (MB), CPU time of the best run (s)


def scan_and_zcat(h: list[str], path: str, repeat: int) -> tuple[Timing, Timing]:
    """her2var's unindexed scan of `path` and zcat of the same file, run alternately `repeat` times
    (at least 3): the best wall time of each, the peak RSS, and the best run's CPU time."""
    ours, floor = (float("inf"), 0.0, 0.0), (float("inf"), 0.0, 0.0)
    for _ in range(max(repeat, 3)):
        wall, cpu, rss = run_once([*h, "classify", path, "--format", "tsv"])
        ours = (min(ours[0], wall), cpu if wall < ours[0] else ours[1], max(ours[2], rss))
        wall, cpu, rss = run_once(zcat_cmd(path))
        floor = (min(floor[0], wall), cpu if wall < floor[0] else floor[1], max(floor[2], rss))
    return (ours[0], ours[2], ours[1]), (floor[0], floor[2], floor[1])


def scale_file(data: str, n: int) -> str:
    """A plain gzip VCF (no index) of n records, made by make_data.py's generator (seeded); the
    5,000,000-record size is bench/data's own wgs_plain.vcf.gz."""
    if n == 5_000_000 and os.path.exists(os.path.join(data, "wgs_plain.vcf.gz")):
        return os.path.join(data, "wgs_plain.vcf.gz")
    path = os.path.join(data, "scale", f"wgs_{n}.vcf.gz")
    if not os.path.exists(path):
        import gzip

        import numpy as np

        sys.path.insert(0, HERE)
        import make_data

        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".part"
        with gzip.open(tmp, "wt", compresslevel=6) as fh:
            fh.write(make_data.HEADER)
            fh.writelines(line for _, _, line in make_data.records(np.random.default_rng(11 + n), n))
        os.replace(tmp, path)
    return path


def scan_scaling(h: list[str], data: str, sizes: list[int], repeat: int) -> None:
    """The unindexed scan (`classify FILE --format tsv`, no index) against `zcat FILE > /dev/null`
    per size, best of `repeat` alternating runs. The cost per record beyond the smallest size is
    compared between sizes: one growing by more than a third from a size to the next is flagged
    as superlinear."""
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'records':>10} {'her2var':>9} {'CPU':>8} {'peak':>7} {'zcat':>8} {'ratio':>7} {'us/record':>10}  note")
    first = None
    previous = None
    for n in sorted(sizes):
        path = scale_file(data, n)
        ours, floor = scan_and_zcat(h, path, repeat)
        note = ""
        per = None
        if first is not None and n > first[0]:
            per = 1e6 * (ours[0] - first[1]) / (n - first[0])  # beyond the smallest size's time
            if previous is not None and per > 1.33 * previous:
                note = "SUPERLINEAR: the cost per record grew by more than a third"
            previous = per
        else:
            first = (n, ours[0])
        print(f"{n:>10,} {ours[0]:>8.3f}s {ours[2]:>7.2f}s {ours[1]:>5.0f}MB {floor[0]:>7.3f}s "
              f"{ours[0] / floor[0]:>6.2f}x {(f'{per:.3f}' if per is not None else '-'):>10}  {note}", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def batch_scaling(h: list[str], batch: list[str], sizes: list[int], loop_max: int, scratch: str | None) -> None:
    """One run of `classify --samples SHEET --format tsv -j 2` per size: wall, CPU and peak RSS, per
    file, and the bcftools loop over the same files (up to loop_max). Sizes beyond the batch folder
    use copies of its files (distinct files: her2var warns about one VCF listed for two samples)."""
    own = scratch is None
    scratch = scratch or tempfile.mkdtemp(prefix="her2var-bench-batch-")
    try:
        files = list(batch)
        for k in range(math.ceil(max(sizes) / len(batch)) - 1):
            folder = os.path.join(scratch, f"copy{k:03d}")
            os.makedirs(folder, exist_ok=True)
            for f in batch:
                for path in (f, f + ".tbi"):
                    dst = os.path.join(folder, os.path.basename(path))
                    if not os.path.exists(dst):
                        shutil.copyfile(path, dst)
                files.append(os.path.join(folder, os.path.basename(f)))
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{'files':>8} {'wall':>9} {'CPU':>9} {'peak RSS':>9} {'CPU/file':>9} {'loop':>9} {'loop CPU':>9} "
              f"{'ratio':>7}")
        peaks = []
        for n in sizes:
            sheet = os.path.join(scratch, f"sheet{n}.tsv")
            with open(sheet, "w") as fh:
                fh.write("sample\tvcf\n" + "".join(f"S{i}\t{f}\n" for i, f in enumerate(files[:n])))
            wall, cpu, rss = run_once([*h, "classify", "--samples", sheet, "--format", "tsv", "-j", "2"])
            loop = None
            if n <= loop_max:
                script = loop_script(files[:n])
                loop = run_once(script)
                os.remove(script[1])
            ratio = f"{wall / loop[0]:.2f}x" if loop else "-"
            peaks.append((n, rss))
            print(f"{n:>8,} {wall:>8.2f}s {cpu:>8.2f}s {rss:>7.0f}MB {1000 * cpu / n:>7.2f}ms "
                  f"{(f'{loop[0]:.2f}s' if loop else '-'):>9} {(f'{loop[1]:.2f}s' if loop else '-'):>9} {ratio:>7}",
                  flush=True)
        if len(peaks) > 1:  # flat memory: what each file beyond the smaller sizes adds to the peak
            (n0, r0), (n1, r1) = peaks[-2], peaks[-1]
            print(f"peak RSS growth per file from {n0:,} to {n1:,} files: {1024 * (r1 - r0) / (n1 - n0):.2f} KB "
                  f"({r1 - r0:+.0f} MB)")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if own:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
