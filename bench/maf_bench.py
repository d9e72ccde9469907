"""Benchmark: `her2var classify` on a large MAF against pandas.read_csv of the same file.

    python bench/maf_bench.py              1,000,000 rows over 100,000 samples
    python bench/maf_bench.py --small      100,000 rows over 10,000 samples (a quick check)

Synthetic, seeded data (numpy.random.default_rng): a GENIE-style data_mutations_extended.txt
(the 64 columns of a GENIE release), GRCh37, with ~1% of its rows in ERBB2 and the co-driver
exons (exon 20 insertions written with '-' alleles, point mutations, exon 19 deletions, KRAS G12C,
BRAF V600E) and the rest spread over the genome. Two phases, each in a process of its own so that
its peak memory (ru_maxrss) is its own:

  her2var  `her2var classify MAF --format tsv` (the calls table written to a file)
  peer     pandas.read_csv(MAF, sep="\\t", comment="#"): only reading the table, nothing decided

Each phase runs --repeat times (3), interleaved with the other's, and the best is kept. Prints
wall time (process start to end, interpreter start-up and imports included), CPU time (less
sensitive to a busy machine), peak memory, the her2var/pandas ratios and the calls found.
Targets: ratio <= 2, peak <= 2 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
SEED = 20261122

COLUMNS = (
    "Hugo_Symbol Entrez_Gene_Id Center NCBI_Build Chromosome Start_Position End_Position Strand Consequence "
    "Variant_Classification Variant_Type Reference_Allele Tumor_Seq_Allele1 Tumor_Seq_Allele2 dbSNP_RS "
    "dbSNP_Val_Status Tumor_Sample_Barcode Matched_Norm_Sample_Barcode Match_Norm_Seq_Allele1 "
    "Match_Norm_Seq_Allele2 Tumor_Validation_Allele1 Tumor_Validation_Allele2 Match_Norm_Validation_Allele1 "
    "Match_Norm_Validation_Allele2 Verification_Status Validation_Status Mutation_Status Sequencing_Phase "
    "Sequence_Source Validation_Method Score BAM_File Sequencer t_ref_count t_alt_count n_ref_count n_alt_count "
    "HGVSc HGVSp HGVSp_Short Transcript_ID RefSeq Protein_position Codons Exon_Number gnomAD_AF gnomAD_AFR_AF "
    "gnomAD_AMR_AF gnomAD_ASJ_AF gnomAD_EAS_AF gnomAD_FIN_AF gnomAD_NFE_AF gnomAD_OTH_AF gnomAD_SAS_AF FILTER "
    "Polyphen_Prediction Polyphen_Score SIFT_Prediction SIFT_Score SWISSPROT n_depth t_depth Annotation_Status "
    "mutationInCis_Flag"
).split()
# (Hugo, chrom, start, end, ref, alt, class, type, HGVSp_Short): real events, GRCh37, REF bases as
# the reference has them (the classifier checks them).
EVENTS = [
    ("ERBB2", "17", 37880981, 37880982, "-", "GCATACGTGATG", "In_Frame_Ins", "INS", "p.A775_G776insYVMA"),
    ("ERBB2", "17", 37880995, 37880996, "-", "ATACGTGATGGC", "In_Frame_Ins", "INS", "p.Y772_A775dup"),
    ("ERBB2", "17", 37881011, 37881012, "-", "GGCTCCCCA", "In_Frame_Ins", "INS", "p.G778_P780dup"),
    ("ERBB2", "17", 37868208, 37868208, "C", "T", "Missense_Mutation", "SNP", "p.S310F"),
    ("ERBB2", "17", 37881000, 37881000, "G", "T", "Missense_Mutation", "SNP", "p.V777L"),
    ("ERBB2", "17", 37880220, 37880220, "T", "C", "Missense_Mutation", "SNP", "p.L755S"),
    ("EGFR", "7", 55259515, 55259515, "T", "G", "Missense_Mutation", "SNP", "p.L858R"),
    ("EGFR", "7", 55242465, 55242479, "GGAATTAAGAGAAGC", "-", "In_Frame_Del", "DEL", "p.E746_A750del"),
    ("KRAS", "12", 25398285, 25398285, "C", "A", "Missense_Mutation", "SNP", "p.G12C"),
    ("BRAF", "7", 140453136, 140453136, "A", "T", "Missense_Mutation", "SNP", "p.V600E"),
]
GENES = ["TP53", "KEAP1", "STK11", "SMARCA4", "NF1", "PIK3CA", "ATM", "ARID1A", "KMT2D", "LRP1B", "CDKN2A", "RBM10"]
CLASSES = [("Missense_Mutation", "SNP"), ("Nonsense_Mutation", "SNP"), ("Silent", "SNP"), ("Frame_Shift_Del", "DEL"),
           ("Frame_Shift_Ins", "INS"), ("Splice_Site", "SNP"), ("Intron", "SNP")]
AVOID = {"17": (37_000_000, 39_000_000), "7": (55_000_000, 141_000_000), "12": (25_000_000, 26_000_000)}


def make_maf(path: Path, rows: int, samples: int) -> None:
    """The seeded MAF: `rows` rows over `samples` barcodes (every barcode used), ~1% in the genes read."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    barcodes = np.concatenate([np.arange(samples), rng.integers(0, samples, rows - samples)])
    rng.shuffle(barcodes)
    chrom = rng.integers(1, 23, rows)
    pos = rng.integers(1_000_000, 50_000_000, rows)
    in_genes = rng.random(rows) < 0.01
    which = rng.integers(0, len(EVENTS), rows)
    kind = rng.integers(0, len(CLASSES), rows)
    gene = rng.integers(0, len(GENES), rows)
    base = rng.integers(0, 4, (rows, 2))
    depth = rng.integers(30, 900, rows)
    alt_n = np.minimum(depth, rng.integers(1, 300, rows))
    empty = {c: "" for c in COLUMNS}
    index = {c: i for i, c in enumerate(COLUMNS)}
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\t".join(COLUMNS) + "\n")
        cells = list(empty.values())
        for i in range(rows):
            row = list(cells)
            if in_genes[i]:
                hugo, c, s, e, ref, alt, vc, vt, hgvs = EVENTS[which[i]]
            else:
                c = str(chrom[i])
                s = int(pos[i])
                if c in AVOID and AVOID[c][0] <= s <= AVOID[c][1]:
                    s += 3_000_000
                vc, vt = CLASSES[kind[i]]
                hugo, hgvs = GENES[gene[i]], ""
                b1, b2 = "ACGT"[base[i, 0]], "ACGT"[(base[i, 0] + 1 + base[i, 1] % 3) % 4]
                ref, alt, e = ((b1, b2, s) if vt == "SNP" else (b1 + b2, "-", s + 1) if vt == "DEL"
                               else ("-", b2 + b1, s + 1))
            d, a = int(depth[i]), int(alt_n[i])
            for k, v in (("Hugo_Symbol", hugo), ("Center", "GENIE-BENCH"), ("NCBI_Build", "GRCh37"),
                         ("Chromosome", c), ("Start_Position", s), ("End_Position", e), ("Strand", "+"),
                         ("Variant_Classification", vc), ("Variant_Type", vt), ("Reference_Allele", ref),
                         ("Tumor_Seq_Allele1", ref), ("Tumor_Seq_Allele2", alt),
                         ("Tumor_Sample_Barcode", f"GENIE-BENCH-{barcodes[i]:06d}-T01"), ("t_depth", d),
                         ("t_ref_count", d - a), ("t_alt_count", a), ("HGVSp_Short", hgvs), ("FILTER", "PASS"),
                         ("Annotation_Status", "SUCCESS"), ("mutationInCis_Flag", "False")):
                row[index[k]] = str(v)
            fh.write("\t".join(row) + "\n")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def child(kind: str, maf: str, out: str) -> None:
    """One phase in this process; prints its own timing and peak memory as JSON."""
    t0 = time.perf_counter()
    if kind == "her2var":
        from her2var.cli.main import main

        saved = sys.stdout
        with open(out, "w", encoding="utf-8") as fh:
            sys.stdout = fh
            try:
                code = main(["classify", maf, "--format", "tsv"])
            finally:
                sys.stdout = saved
        with open(out, encoding="utf-8") as fh:
            n = sum(1 for _ in fh) - 1
        result = {"code": code, "calls": n}
    else:
        import pandas as pd

        df = pd.read_csv(maf, sep="\t", comment="#")
        result = {"rows": len(df), "columns": len(df.columns)}
    result.update(seconds=time.perf_counter() - t0, cpu=_cpu(), peak_mb=_peak_mb())
    print(json.dumps(result))


def run_phase(kind: str, maf: Path, out: Path) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", kind, str(maf), str(out)], capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{kind} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="100,000 rows over 10,000 samples")
    ap.add_argument("--rows", type=int)
    ap.add_argument("--samples", type=int)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each phase, interleaved; the best is kept")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "MAF", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    rows = args.rows or (100_000 if args.small else 1_000_000)
    samples = args.samples or (10_000 if args.small else 100_000)
    DATA.mkdir(parents=True, exist_ok=True)
    maf = DATA / f"bench_{rows}x{samples}.data_mutations_extended.txt"
    if not maf.exists():
        t0 = time.perf_counter()
        make_maf(maf, rows, samples)
        print(f"wrote {maf} ({maf.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s")
    out = DATA / "maf_bench_calls.tsv"
    runs: dict[str, list[dict]] = {"her2var": [], "pandas": []}
    for _ in range(args.repeat):  # interleaved, so that a busy moment of the machine hits both
        for kind in runs:
            runs[kind].append(run_phase(kind, maf, out))
    mine = min(runs["her2var"], key=lambda r: r["wall"])
    peer = min(runs["pandas"], key=lambda r: r["wall"])
    cpu_mine = min(r["cpu"] for r in runs["her2var"])
    cpu_peer = min(r["cpu"] for r in runs["pandas"])
    print(f"MAF: {rows:,} rows, {samples:,} samples, {maf.stat().st_size / 1e6:.0f} MB, 64 columns; "
          f"best of {args.repeat} runs each")
    print(f"her2var classify: {mine['wall']:.1f} s wall, {cpu_mine:.1f} s CPU, peak {mine['peak_mb']:.0f} MB, "
          f"{mine['calls']:,} calls, exit {mine['code']}")
    print(f"pandas.read_csv:  {peer['wall']:.1f} s wall, {cpu_peer:.1f} s CPU, peak {peer['peak_mb']:.0f} MB, "
          f"{peer['rows']:,} rows x {peer['columns']} columns")
    print(f"ratio her2var / pandas: {mine['wall'] / peer['wall']:.2f} wall, {cpu_mine / cpu_peer:.2f} CPU "
          f"(target <= 2); her2var peak {mine['peak_mb'] / 1024:.2f} GB (target <= 2 GB)")


if __name__ == "__main__":
    main()
