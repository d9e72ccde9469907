#!/usr/bin/env python3
"""Write the synthetic BAM fixtures of the BAM stage (seeded; same output every run).

  python scripts/make_bam_fixtures.py [OUTDIR]      # default: fixtures/bam

What it writes (SYNTHETIC, not from patients):
- ``ref.fa.gz`` (+ .fai, .gzi): contig ``17`` of the real GRCh37 length (81,195,210 bp), all N
  except around the capture targets: there the real bases of exons 8, 19 and 20 (from the rules'
  windows, ``REAL_SPANS``) sit at their real coordinates, and seeded random bases (of a per-target GC content) fill the rest, so
  the transcript model, the build check and the naming code work unchanged;
- ``targets.bed``: the 27 ERBB2 exons (±20 bp) and 50 other chr17 targets;
- ``N1..N5.bam``: normals; ``T*.bam``: tumours with known ERBB2 copy number and purity, exon 20
  insertions at known VAF (short ones as CIGAR insertions, a 45 bp one only in soft clips), a
  tumour with poor exon 20 coverage, and reads that must be filtered (duplicates, secondary,
  supplementary, QC-fail, MAPQ 5) piled on ERBB2;
- ``truth.tsv``: the known truth per tumour, which the tests check.

Reads are 100 bp single-end, sequencing errors 0.2%. Long insertions are written as a local
aligner would: the longer flank aligned (extended through bases that happen to match), the rest
soft-clipped, reads with less than 20 aligned bases left unmapped.

``simulate_sample`` and ``write_bam`` are imported by the benchmark and the tests.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

SEED = 20260517
CHROM = "17"
CHROM_LEN = 81_195_210  # GRCh37 chr17
READ_LEN = 100
BASE_DEPTH = 50.0
EXON_PAD = 20
ERROR_RATE = 0.002
MIN_ALIGNED = 20  # fewer aligned bases: the read stays unmapped
SHORT_INDEL_FLANK = 8  # an insertion is a CIGAR I when both flanks have this many bases
FILL_PAD = 400  # random bases written around each target

# Exon 20 insertions (GRCh37, left-aligned VCF) from the project's catalog, and a long one.
YVMA = (37880981, "A", "AGCATACGTGATG")  # p.Y772_A775dup
G776VC = (37880997, "G", "GTGT")  # p.G776delinsVC
G778_P780 = (37881002, "G", "GGGCTCCCCA")  # p.G778_P780dup
# 45 bp (15 codons, no stop) inserted between codons 800 and 801 (c.2400_2401): only soft clips
LONG_AFTER = 37881071  # genomic position of c.2400


@dataclass
class Sample:
    name: str
    kind: str  # normal / tumour
    cn: float = 2.0
    purity: float = 1.0
    gc_beta: float = 0.0
    insertions: list[tuple[tuple[int, str, str], float, str]] = field(default_factory=list)  # (event, vaf, mode)
    exon20_efficiency: float = 1.0
    junk: bool = False  # add reads that must be filtered, piled on ERBB2
    depth: float = BASE_DEPTH

    @property
    def ratio(self) -> float:
        return (self.purity * self.cn + 2 * (1 - self.purity)) / 2


def samples(long_event: tuple[int, str, str]) -> list[Sample]:
    out = [Sample(f"N{i}", "normal", gc_beta=b) for i, b in enumerate((0.0, 0.4, -0.4, 0.8, -0.6), start=1)]
    out += [
        Sample("T1", "tumour", cn=8, purity=0.5, gc_beta=0.3, junk=True),
        Sample("T2", "tumour", cn=2, purity=0.6, gc_beta=-0.2, insertions=[(YVMA, 0.25, "cigar")]),
        Sample("T3", "tumour", cn=6, purity=0.3, gc_beta=0.5, insertions=[(G776VC, 0.15, "cigar")]),
        Sample("T4", "tumour", cn=3, purity=0.4, gc_beta=-0.5, insertions=[(G778_P780, 0.3, "cigar")]),
        Sample("T5", "tumour", cn=12, purity=0.3, gc_beta=0.0, insertions=[(long_event, 0.3, "clip")]),
        Sample("T6", "tumour", cn=2, purity=0.7, gc_beta=0.2, exon20_efficiency=0.25),
        Sample("T7", "tumour", cn=5.5, purity=0.8, gc_beta=2.5),
    ]
    return out


# ---------------------------------------------------------------------------------------------
@dataclass
class Panel:
    targets: list[tuple[int, int, str]]  # 0-based half-open, name
    efficiency: np.ndarray
    gc: np.ndarray  # actual GC of each target's bases
    erbb2: np.ndarray  # bool
    exon20: int  # index of the exon 20 target


# The GRCh37 stretches that carry the real reference bases (from the rules' windows): around exon
# 8 (S310), the whole of exon 19 and exon 20 with their intron flanks. The other exons keep seeded
# bases of the simulated GC content, so the GC correction is tested over a designed GC range.
REAL_SPANS = ((37868136, 37868255), (37880141, 37880291), (37880946, 37881250))


def _windows():
    from her2var.rules.load import load_rules

    rules = load_rules()
    gene = rules.index_gene
    return gene, gene.builds["GRCh37"]


def design(rng: np.random.Generator) -> tuple[list[tuple[int, int, str]], np.ndarray, list[float]]:
    _, b = _windows()
    targets = [(s - 1 - EXON_PAD, e + EXON_PAD, f"ERBB2_exon{i}") for i, (s, e) in enumerate(b.exons, start=1)]
    erbb2 = [True] * len(targets)
    gcs = [float(rng.uniform(0.42, 0.58)) for _ in targets]
    # 50 other targets along chr17, away from ERBB2 (37.84-37.89 Mb)
    positions = np.linspace(3_000_000, 78_000_000, 52).astype(int)
    k = 0
    for p in positions:
        if 36_000_000 < p < 40_000_000:
            continue
        length = int(rng.integers(120, 260))
        targets.append((int(p), int(p) + length, f"T{k:02d}"))
        erbb2.append(False)
        gcs.append(float(rng.uniform(0.3, 0.7)))
        k += 1
        if k == 50:
            break
    order = sorted(range(len(targets)), key=lambda i: targets[i][0])
    return [targets[i] for i in order], np.array([erbb2[i] for i in order]), [gcs[i] for i in order]


def make_reference(targets, gcs, rng) -> bytearray:
    seq = bytearray(b"N" * CHROM_LEN)
    for (s, e, _), g in zip(targets, gcs):
        lo, hi = max(0, s - FILL_PAD), min(CHROM_LEN, e + FILL_PAD)
        probs = [(1 - g) / 2, g / 2, g / 2, (1 - g) / 2]
        seq[lo:hi] = bytes(np.frombuffer(b"ACGT", dtype=np.uint8)[rng.choice(4, size=hi - lo, p=probs)])
    from her2var.genome.transcript import WindowSequence

    _, b = _windows()
    real = WindowSequence(b.windows, "17")
    for start, end in REAL_SPANS:
        bases = real.fetch("17", start, end)
        assert bases is not None, (start, end)
        seq[start - 1:end] = bases.encode()
    return seq


def long_insertion(rng: np.random.Generator, seq: bytearray) -> tuple[int, str, str]:
    """45 inserted bases after LONG_AFTER, in frame, no stop codon, random."""
    from her2var.genome.transcript import CODON_TABLE

    codons = [c for c, aa in CODON_TABLE.items() if aa != "*"]
    ins = "".join(codons[int(i)] for i in rng.integers(0, len(codons), 15))
    base = chr(seq[LONG_AFTER - 1])
    return (LONG_AFTER, base, base + ins)


def make_panel(rng: np.random.Generator):
    targets, erbb2, gcs = design(rng)
    seq = make_reference(targets, gcs, rng)
    actual = []
    for s, e, _ in targets:
        t = seq[s:e]
        acgt = sum(t.count(c) for c in b"ACGT")
        actual.append((t.count(b"G") + t.count(b"C")) / acgt)
    eff = np.exp(rng.normal(0, 0.25, len(targets)))
    exon20 = next(i for i, t in enumerate(targets) if t[2] == "ERBB2_exon20")
    eff[exon20] = 3.0
    eff[erbb2] *= 1.5  # the panel is designed to cover ERBB2 well
    return Panel(targets, eff, np.array(actual), erbb2, exon20), seq


# ---------------------------------------------------------------------------------------------
def _errors(read: bytearray, rng: np.random.Generator) -> None:
    n = rng.binomial(len(read), ERROR_RATE)
    for i in rng.integers(0, len(read), n):
        k = b"ACGT".find(read[i])
        if k >= 0:
            read[i] = b"ACGT"[(k + int(rng.integers(1, 4))) % 4]


def _align_alt(read: bytes, u: int, s: int, ins_len: int, seq: bytearray, mode: str):
    """Alignment of a read starting at alt-haplotype position u: (ref start, cigar) or None."""
    n = len(read)
    if u + n <= s:
        return u, [(0, n)]
    if u >= s + ins_len:
        return u - ins_len, [(0, n)]
    fl = max(0, s - u)
    fr = max(0, u + n - (s + ins_len))
    if mode == "cigar" and fl >= SHORT_INDEL_FLANK and fr >= SHORT_INDEL_FLANK:
        return u, [(0, fl), (1, n - fl - fr), (0, fr)]
    if fl >= fr:
        ext = 0
        while fl + ext < n and read[fl + ext] == seq[s + ext]:
            ext += 1
        if fl + ext < MIN_ALIGNED:
            return None
        cig = [(0, fl + ext)] + ([(4, n - fl - ext)] if fl + ext < n else [])
        return u, cig
    ext = 0
    while n - fr - 1 - ext >= 0 and read[n - fr - 1 - ext] == seq[s - 1 - ext]:
        ext += 1
    if fr + ext < MIN_ALIGNED:
        return None
    cig = ([(4, n - fr - ext)] if fr + ext < n else []) + [(0, fr + ext)]
    return s - ext, cig


def simulate_sample(sample: Sample, panel: Panel, seq: bytearray, rng: np.random.Generator):
    """Reads of one sample: list of (ref start, cigar, sequence, flag, mapq)."""
    reads = []
    gc_factor = np.exp(sample.gc_beta * (panel.gc - 0.5))
    cn_factor = np.where(panel.erbb2, sample.ratio, 1.0)
    for i, (s, e, _) in enumerate(panel.targets):
        depth = sample.depth * panel.efficiency[i] * gc_factor[i] * cn_factor[i]
        if i == panel.exon20:
            depth *= sample.exon20_efficiency
        events = [(ev, vaf, mode) for ev, vaf, mode in sample.insertions if s <= ev[0] < e]
        alt_frac = sum(v for _, v, _ in events)
        span = e - s + READ_LEN - 1
        n_ref = rng.poisson(depth * (1 - alt_frac) * span / READ_LEN)
        for u in rng.integers(s - READ_LEN + 1, e, n_ref):
            r = bytearray(seq[u:u + READ_LEN])
            _errors(r, rng)
            reads.append((int(u), [(0, READ_LEN)], bytes(r), 0, 60))
        for (pos, ref, alt), vaf, mode in events:
            ins = alt[len(ref):].encode() if alt.startswith(ref) else alt[1:].encode()
            at = pos  # 0-based index of the first base after the padding base
            lo = s - READ_LEN
            hap = bytes(seq[lo:at]) + ins + bytes(seq[at:e + READ_LEN])
            n_alt = rng.poisson(depth * vaf * (span + len(ins)) / READ_LEN)
            for v in rng.integers(s - READ_LEN + 1, e + len(ins), n_alt):
                r = bytearray(hap[v - lo:v - lo + READ_LEN])
                if len(r) < READ_LEN:
                    continue
                _errors(r, rng)
                placed = _align_alt(bytes(r), int(v), at, len(ins), seq, mode)
                if placed is None:
                    continue
                start, cig = placed
                reads.append((int(start), cig, bytes(r), 0, 60))
    if sample.junk:
        reads += _junk(reads, panel, rng)
    for k in range(len(reads)):  # strand is cosmetic here (sequence stays forward)
        if rng.random() < 0.5:
            st, cig, r, flag, mq = reads[k]
            reads[k] = (st, cig, r, flag | 0x10, mq)
    reads.sort(key=lambda x: (x[0], x[2]))
    return reads


def _junk(reads, panel: Panel, rng: np.random.Generator):
    """Copies of ERBB2 reads that a correct counter must ignore (they would inflate ERBB2)."""
    erbb2 = [(s, e) for (s, e, _), g in zip(panel.targets, panel.erbb2) if g]
    lo, hi = min(s for s, _ in erbb2), max(e for _, e in erbb2)
    out = []
    for st, cig, r, flag, mq in reads:
        if lo <= st < hi and rng.random() < 0.6:
            kind = int(rng.integers(0, 5))
            if kind == 0:
                out.append((st, cig, r, flag | 0x400, mq))
            elif kind == 1:
                out.append((st, cig, r, flag | 0x100, mq))
            elif kind == 2:
                out.append((st, cig, r, flag | 0x800, mq))
            elif kind == 3:
                out.append((st, cig, r, flag | 0x200, mq))
            else:
                out.append((st, cig, r, flag, 5))
    return out


def write_bam(path: str, name: str, reads, *, chrom: str = CHROM, length: int = CHROM_LEN,
              index: bool = True) -> None:
    import pysam

    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": chrom, "LN": length}],
              "RG": [{"ID": name, "SM": name}]}
    with pysam.AlignmentFile(path, "wb", header=header) as out:
        for k, (start, cig, r, flag, mq) in enumerate(reads):
            a = pysam.AlignedSegment(out.header)
            a.query_name = f"{name}.{k}"
            a.flag = flag
            a.reference_id = 0
            a.reference_start = start
            a.mapping_quality = mq
            a.cigartuples = cig
            a.query_sequence = r.decode()
            a.set_tag("RG", name)
            out.write(a)
    if index:
        pysam.index(path)


def write_reference(path: str, seq: bytearray) -> None:
    import pysam

    with pysam.BGZFile(path, "wb") as fh:
        fh.write(f">{CHROM}\n".encode())
        for i in range(0, len(seq), 600_000):  # a multiple of the line length
            block = seq[i:i + 600_000]
            fh.write(b"\n".join(block[j:j + 60] for j in range(0, len(block), 60)) + b"\n")
    pysam.faidx(path)


def main(outdir: str) -> None:
    rng = np.random.default_rng(SEED)
    os.makedirs(outdir, exist_ok=True)
    panel, seq = make_panel(rng)
    long_event = long_insertion(rng, seq)
    write_reference(os.path.join(outdir, "ref.fa.gz"), seq)
    with open(os.path.join(outdir, "targets.bed"), "w") as fh:
        fh.write("# SYNTHETIC capture targets (her2var BAM fixtures), GRCh37, 0-based\n")
        for s, e, name in panel.targets:
            fh.write(f"{CHROM}\t{s}\t{e}\t{name}\n")
    truth = ["sample\tkind\tcn\tpurity\tratio\tamplified\texon20_assessed\tinsertion_pos\tinsertion_ref\t"
             "insertion_alt\tvaf\tmode"]
    for smp in samples(long_event):
        reads = simulate_sample(smp, panel, seq, np.random.default_rng([SEED, sum(map(ord, smp.name))]))
        write_bam(os.path.join(outdir, f"{smp.name}.bam"), smp.name, reads)
        ev = smp.insertions[0] if smp.insertions else (("", "", ""), "", "")
        (p, r, a), vaf, mode = ev
        truth.append("\t".join(str(x) for x in (
            smp.name, smp.kind, smp.cn, smp.purity, round(smp.ratio, 4),
            "yes" if smp.cn > 4 else "no", "no" if smp.exon20_efficiency < 0.5 else "yes",
            p, r, a, vaf, mode)))
        print(f"{smp.name}: {len(reads)} reads", file=sys.stderr)
    with open(os.path.join(outdir, "truth.tsv"), "w") as fh:
        fh.write("\n".join(truth) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fixtures", "bam"))
