#!/usr/bin/env python3
"""BAM benchmark: her2var's ERBB2 copy number from one exome-size BAM, against the coverage step
of `samtools bedcov`, `mosdepth` and CNVkit's `coverage` over the same targets, in one run.

  python bench/bench_bam.py                 # writes the data first when missing (~3 min, 0.6 GB in
                                            # $TMPDIR/her2var-bench-bam or $HER2VAR_BENCH_BAM_DATA)
  python bench/bench_bam.py --reads 5000000 --repeat 3

Data (seeded, SYNTHETIC): GRCh37 contigs 1, 2, 7, 12 and 17 at their real lengths; ~100,000
exome-like targets (plus the 27 ERBB2 exons); a tumour BAM of --reads 100 bp reads (75% on
target, 8% marked duplicates, 1% secondary, 0.5% supplementary, 3% MAPQ < 20; ERBB2 at CN 8,
purity 0.5) and three normals of 1.5 M reads for the panel. Peers get the same read filters
(MAPQ >= 20; unmapped, secondary, supplementary, duplicate, QC-fail reads excluded).

Prints wall time (best of --repeat) and peak RSS of each command and her2var's ratio to each
peer; the targets are in bench/README.md (<= 1.5x samtools bedcov wall time, <= 300 MB).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

# Outside the checkout: 0.6 GB of reproducible data (bench/data belongs to the classify benchmark)
DATA = os.environ.get("HER2VAR_BENCH_BAM_DATA", os.path.join(tempfile.gettempdir(), "her2var-bench-bam"))
SEED = 20260518
CONTIGS = {"1": 249250621, "2": 243199373, "7": 159138663, "12": 133851895, "17": 81195210}
READ_LEN = 100
N_TARGETS = 100_000
ERBB2_SPAN = (37856317 - 300, 37884911 + 300)


def her2var_python() -> str:
    venv = os.path.join(ROOT, ".venv", "bin", "python")
    return venv if os.path.exists(venv) else sys.executable


# -- data ---------------------------------------------------------------------------------------
def make_targets(rng: np.random.Generator) -> list[tuple[str, int, int]]:
    from her2var.rules.load import load_rules

    exons = load_rules().index_gene.builds["GRCh37"].exons
    total = sum(CONTIGS.values())
    out = []
    for contig, length in CONTIGS.items():
        n = int(N_TARGETS * length / total)
        starts = np.sort(rng.choice(np.arange(10_000, length - 10_000, 2_000), n, replace=False))
        lengths = rng.integers(100, 300, n)
        for s, ln in zip(starts, lengths):
            if contig == "17" and ERBB2_SPAN[0] - 2_000 < s < ERBB2_SPAN[1] + 2_000:
                continue
            out.append((contig, int(s), int(s + ln)))
        if contig == "17":
            out += [("17", s - 21, e + 20) for s, e in exons]
    order = list(CONTIGS)
    return sorted(set(out), key=lambda t: (order.index(t[0]), t[1], t[2]))


def erbb2_reference(rng: np.random.Generator) -> tuple[int, bytes]:
    """Bases of the ERBB2 span: the rules' real windows, random elsewhere."""
    from her2var.rules.load import load_rules

    lo, hi = ERBB2_SPAN
    seq = bytearray(np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, hi - lo)].tobytes())
    for w in load_rules().index_gene.builds["GRCh37"].windows:
        seq[w.start - 1 - lo:w.start - 1 - lo + len(w.sequence)] = w.sequence.encode()
    return lo, bytes(seq)


def write_bam(path: str, name: str, targets, n_reads: int, rng: np.random.Generator,
              erbb2_ratio: float = 1.0) -> None:
    """Reads over targets (75%) and elsewhere (25%), written coordinate-sorted through samtools."""
    ref_lo, ref_seq = erbb2_reference(np.random.default_rng(SEED))
    t_contig = np.array([list(CONTIGS).index(c) for c, _, _ in targets])
    t_start = np.array([s for _, s, _ in targets])
    t_len = np.array([e - s for _, s, e in targets])
    weight = (t_len + READ_LEN).astype(float) * np.exp(rng.normal(0, 0.3, len(targets)))
    in_erbb2 = (t_contig == list(CONTIGS).index("17")) & (t_start > ERBB2_SPAN[0]) & (t_start < ERBB2_SPAN[1])
    weight[in_erbb2] *= erbb2_ratio
    n_on = int(n_reads * 0.75)
    pick = rng.choice(len(targets), n_on, p=weight / weight.sum())
    starts_on = t_start[pick] - READ_LEN + 1 + (rng.random(n_on) * (t_len[pick] + READ_LEN - 1)).astype(np.int64)
    contig_on = t_contig[pick]
    n_off = n_reads - n_on
    lengths = np.array(list(CONTIGS.values()))
    contig_off = rng.choice(len(CONTIGS), n_off, p=lengths / lengths.sum())
    starts_off = (rng.random(n_off) * (lengths[contig_off] - READ_LEN)).astype(np.int64)
    contig_all = np.concatenate([contig_on, contig_off])
    start_all = np.maximum(np.concatenate([starts_on, starts_off]), 0)
    order = np.lexsort((start_all, contig_all))
    contig_all, start_all = contig_all[order], start_all[order]
    u = rng.random(n_reads)
    flags = np.where(u < 0.08, 0x400, 0) | np.where((u >= 0.08) & (u < 0.09), 0x100, 0)
    flags |= np.where((u >= 0.09) & (u < 0.095), 0x800, 0) | np.where(rng.random(n_reads) < 0.5, 0x10, 0)
    mapq = np.where(rng.random(n_reads) < 0.03, 5, 60)
    names = list(CONTIGS)
    header = "@HD\tVN:1.6\tSO:coordinate\n" + "".join(f"@SQ\tSN:{c}\tLN:{n}\n" for c, n in CONTIGS.items())
    header += f"@RG\tID:{name}\tSM:{name}\n"
    proc = subprocess.Popen(["samtools", "view", "-@", "2", "-b", "-o", path, "-"], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(header.encode())
    bases = np.frombuffer(b"ACGT", dtype=np.uint8)
    quals = np.frombuffer(b"#,:F", dtype=np.uint8)  # binned Illumina qualities
    chunk = 200_000
    for i in range(0, n_reads, chunk):
        m = min(chunk, n_reads - i)
        seqs = bases[rng.integers(0, 4, (m, READ_LEN))]
        qual = quals[np.minimum(rng.geometric(0.6, (m, READ_LEN)), 4) - 1][:, ::-1].copy()
        lines = []
        for j in range(m):
            k = i + j
            c, s = names[contig_all[k]], int(start_all[k])
            if c == "17" and ref_lo <= s and s + READ_LEN <= ref_lo + len(ref_seq):
                sq = ref_seq[s - ref_lo:s - ref_lo + READ_LEN]
            else:
                sq = seqs[j].tobytes()
            lines.append(b"%s.%d\t%d\t%s\t%d\t%d\t100M\t*\t0\t0\t%s\t%s\tRG:Z:%s\n" % (
                name.encode(), k, flags[k], c.encode(), s + 1, mapq[k], sq, qual[j].tobytes(), name.encode()))
        proc.stdin.write(b"".join(lines))
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit(f"samtools view failed writing {path}")
    subprocess.run(["samtools", "index", "-@", "2", path], check=True)


def make_data(n_reads: int) -> None:
    os.makedirs(DATA, exist_ok=True)
    rng = np.random.default_rng(SEED)
    targets = make_targets(rng)
    with open(os.path.join(DATA, "targets.bed"), "w") as fh:
        for k, (c, s, e) in enumerate(targets):
            fh.write(f"{c}\t{s}\t{e}\tt{k}\n")  # CNVkit needs a name column
    t0 = time.perf_counter()
    write_bam(os.path.join(DATA, "tumour.bam"), "tumour", targets, n_reads, np.random.default_rng([SEED, 1]),
              erbb2_ratio=(0.5 * 8 + 2 * 0.5) / 2)
    for k in range(1, 4):
        write_bam(os.path.join(DATA, f"normal{k}.bam"), f"normal{k}", targets, 1_500_000,
                  np.random.default_rng([SEED, 10 + k]))
    print(f"data written in {time.perf_counter() - t0:.0f} s ({len(targets)} targets)", file=sys.stderr)


# -- timing -------------------------------------------------------------------------------------
def measure(cmd: list[str], repeat: int, env: dict[str, str] | None = None, cwd: str | None = None) -> tuple[float, float]:
    """Best wall time (s) and largest peak RSS (MB) over `repeat` runs."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{err}")
        best = min(best, wall)
        peak = max(peak, usage.ru_maxrss / 1024)
    return best, peak


def her2var_cmd(py: str, bam: str, pon: str, threads: int) -> list[str]:
    """`her2var classify --bam` when the command line has it, else the same library call."""
    help_text = subprocess.run([py, "-m", "her2var.cli", "classify", "--help"], capture_output=True,
                               text=True, cwd=ROOT).stdout
    if "--bam" in help_text and "--pon" in help_text:
        return [py, "-m", "her2var.cli", "classify", "--bam", bam, "--pon", pon, "--purity", "0.5",
                "--format", "tsv"]
    code = ("import sys; from her2var.rules.load import load_rules; from her2var.bam.evidence import bam_evidence; "
            f"ev = bam_evidence({bam!r}, rules=load_rules(), build=None, pon_path={pon!r}, targets_path=None, "
            f"purity=0.5, reference=None, sample='tumour', threads={threads}); "
            "print(ev.copy_number.cn, ev.copy_number.cn_ci_low, ev.copy_number.cn_ci_high)")
    return [py, "-c", code]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reads", type=int, default=6_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cnvkit", default=shutil.which("cnvkit.py") or "/tmp/cnvkit-venv/bin/cnvkit.py")
    args = ap.parse_args()
    bam = os.path.join(DATA, "tumour.bam")
    if not os.path.exists(bam + ".bai"):
        make_data(args.reads)
    targets = os.path.join(DATA, "targets.bed")
    py = her2var_python()
    env = dict(os.environ, PYTHONPATH=ROOT)
    work = tempfile.mkdtemp(prefix="her2var-bench-bam-")
    pon = os.path.join(work, "pon.tsv")
    normals = [os.path.join(DATA, f"normal{k}.bam") for k in range(1, 4)]
    rows = []
    t, m = measure([py, "-m", "her2var.cli", "pon", "build", *normals,
                    "--targets", targets, "-o", pon], 1, env=env, cwd=ROOT)
    rows.append(("her2var pon build (3 normals x 1.5 M reads)", t, m))
    out = subprocess.run(her2var_cmd(py, bam, pon, 1), capture_output=True, text=True, env=env, cwd=ROOT)
    print(f"her2var result: {out.stdout.strip()[:300]}", file=sys.stderr)
    h1 = measure(her2var_cmd(py, bam, pon, 1), args.repeat, env=env, cwd=ROOT)
    h2 = measure(her2var_cmd(py, bam, pon, 2), args.repeat, env=env, cwd=ROOT)
    rows.append(("her2var ERBB2 copy number (1 thread)", *h1))
    rows.append(("her2var ERBB2 copy number (2 decompression threads)", *h2))
    peers = {
        "samtools bedcov -Q 20 -G 0x800": ["samtools", "bedcov", "-Q", "20", "-G", "0x800", targets, bam],
    }
    if shutil.which("mosdepth"):
        libdir = os.path.join(work, "lib")  # Debian's mosdepth dlopens libhts.so (only in libhts-dev)
        os.makedirs(libdir)
        os.symlink("/usr/lib/x86_64-linux-gnu/libhts.so.3", os.path.join(libdir, "libhts.so"))
        peers["mosdepth -n -Q 20 -F 3844 -b targets"] = (
            ["mosdepth", "-n", "-Q", "20", "-F", "3844", "-b", targets, os.path.join(work, "md"), bam],
            dict(os.environ, LD_LIBRARY_PATH=libdir))
    if os.path.exists(args.cnvkit):
        peers["cnvkit.py coverage -q 20"] = [args.cnvkit, "coverage", "-q", "20", "-o", os.path.join(work, "t.cnn"), bam, targets]
    for label, spec in peers.items():
        cmd, penv = spec if isinstance(spec, tuple) else (spec, None)
        try:
            rows.append((label, *measure(cmd, args.repeat if "cnvkit" not in label else 1, env=penv)))
        except SystemExit as exc:  # one peer failing does not lose the others' figures
            print(f"{label}: {str(exc)[:500]}", file=sys.stderr)
    check = index_check_seconds(py, bam, env)
    idxstats, _ = measure(["samtools", "idxstats", bam], args.repeat)
    with subprocess.Popen(["samtools", "view", "-c", bam], stdout=subprocess.PIPE, text=True) as p:
        n = p.stdout.read().strip() if p.stdout else "?"
    print(f"tumour BAM: {n} reads, {os.path.getsize(bam) / 1e6:.0f} MB; targets: {sum(1 for _ in open(targets))}")
    print(f"{'command':<55} {'wall s':>8} {'peak MB':>8} {'her2var/peer':>13}")
    for label, t, m in rows:
        ratio = "" if label.startswith("her2var") else f"{h1[0] / t:.2f}x"
        print(f"{label:<55} {t:>8.2f} {m:>8.0f} {ratio:>13}")
    print(f"index checked against the BAM (in-process, best of 5): {check:.3f} s = {check / h1[0]:.1%} of the "
          f"copy-number step; samtools idxstats (reads the same index) {idxstats:.3f} s wall: "
          f"{check / idxstats:.2f}x")
    shutil.rmtree(work, ignore_errors=True)


def index_check_seconds(py: str, bam: str, env: dict[str, str]) -> float:
    """Best in-process time of reading the .bai and checking it against the BAM."""
    code = ("import time, pysam; from her2var.rules.load import load_rules; "
            "from her2var.bam.index_check import check_bam_index, read_binning_index; "
            "r = load_rules(); g = r.index_gene.builds['GRCh37']; "
            "span = (min(s for s, _ in g.exons) - 1, max(e for _, e in g.exons)); "
            f"h = pysam.AlignmentFile({bam!r}); best = 1e9\n"
            "for _ in range(5):\n"
            "    t = time.perf_counter()\n"
            f"    check_bam_index(h, {bam!r}, {bam + '.bai'!r}, read_binning_index({bam + '.bai'!r}), "
            "h.get_tid(g.chrom), span)\n"
            "    best = min(best, time.perf_counter() - t)\n"
            "print(best)")
    out = subprocess.run([py, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return float(out.stdout.strip())


if __name__ == "__main__":
    main()
