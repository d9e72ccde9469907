#!/usr/bin/env python3
"""Write the reference windows of every modelled exon into the rules, for naming without a FASTA.

Source: the verified reference sequences of the shared reference folder (``reference/sequences/``;
its SOURCES.md says where each came from and how it was checked):
- ERBB2: the LRG_724 genomic sequence (identical bases in GRCh37 and GRCh38, placed at
  chr17:37855003 and chr17:39698750), the NM_004448.4 mRNA and the splice-site table;
- EGFR, BRAF, MET: the LRG genomic sequences of each build (LRG_304, LRG_299, LRG_662);
- KRAS: the GRCh37 amplicon windows around exons 2-4 (GRCh38 = GRCh37 - 152,934) and, for exon 5
  (no genomic window), its exonic bases from the NM_004985.5 mRNA.

Each window is one exon of the rules' transcript models with ``FLANK`` intronic bases on each side
(the gene's own ``flank`` when larger; exon 1 and the last exon of ERBB2 with their UTRs whole).
Before anything is written, every exon is checked base for base against its mRNA (ERBB2: the
spliced exons are the whole NM_004448.4 mRNA; co-drivers: the coding bases are the rules' coding
sequence), ERBB2's 20 intronic bases each side against the splice-site table, and ERBB2's
windows against the GRCh37 reference windows the rules held before. Re-running changes nothing.

Usage: python scripts/build_reference_windows.py [SEQUENCES_DIR]   (default: ../shared/reference/sequences)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "reference" / "sequences"
FLANK = 30  # intronic bases each side: the splice region (8) and room for 3' shifting
KRAS_GRCH38_SHIFT = -152_934
_COMP = str.maketrans("ACGT", "TGCA")


def revcomp(s: str) -> str:
    return s.translate(_COMP)[::-1]


def fasta_records(path: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, list[str]]] = []
    for line in path.read_text().splitlines():
        if line.startswith(">"):
            out.append((line[1:].split()[0], []))
        elif line.strip():
            out[-1][1].append(line.strip().upper())
    return [(name, "".join(parts)) for name, parts in out]


class Genome:
    """Bases of one build from stretches of known sequence (1-based inclusive)."""

    def __init__(self) -> None:
        self.stretches: list[tuple[str, int, str]] = []

    def add(self, chrom: str, start: int, seq: str) -> None:
        self.stretches.append((chrom, start, seq))

    def fetch(self, chrom: str, start: int, end: int) -> str | None:
        for c, s, seq in self.stretches:
            if c == chrom and s <= start and end < s + len(seq):
                return seq[start - s:end - s + 1]
        return None


def genomes(folder: Path) -> dict[str, Genome]:
    out = {"GRCh37": Genome(), "GRCh38": Genome()}
    for path in sorted(folder.glob("*_GRCh3?_chr*.genomic.fa")):
        m = re.match(r"[A-Z0-9]+_(GRCh3[78])_chr(\w+)_(\d+)-(\d+)\.genomic\.fa", path.name)
        if not m:
            sys.exit(f"{path.name}: unexpected genomic file name")
        (name, seq), = fasta_records(path)
        if len(seq) != int(m[4]) - int(m[3]) + 1:
            sys.exit(f"{path.name}: {len(seq)} bases, the name says {int(m[4]) - int(m[3]) + 1}")
        out[m[1]].add(m[2], int(m[3]), seq)
    for name, seq in fasta_records(folder / "codriver_windows.GRCh37.fa"):
        chrom, rng = name.removeprefix("chr").split(":")
        start = int(rng.split("-")[0])
        out["GRCh37"].add(chrom, start, seq)
        if chrom == "12":  # KRAS: the only gene without a genomic file
            out["GRCh38"].add(chrom, start + KRAS_GRCH38_SHIFT, seq)
    return out


def merged(windows: list[tuple[int, str]]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for start, seq in sorted(windows):
        if out and start <= out[-1][0] + len(out[-1][1]):
            s0, q0 = out[-1]
            overlap = min(len(q0) - (start - s0), len(seq))
            if q0[start - s0:start - s0 + overlap] != seq[:overlap]:
                sys.exit(f"overlapping windows at {start} disagree")
            out[-1] = (s0, q0 + seq[overlap:])
        else:
            out.append((start, seq))
    return out


def erbb2_windows(folder: Path, rules: dict, g: dict[str, Genome]) -> dict[str, list[tuple[int, str]]]:
    gene = rules["genes"]["ERBB2"]
    mrna = fasta_records(folder / "ERBB2_NM_004448.4.mRNA.fa")[0][1]
    table = [line.split("\t") for line in (folder / "ERBB2_NM_004448.4.exons_splice_sites.tsv")
             .read_text().splitlines()[1:] if line.strip()]
    out = {}
    for build, b in gene["builds"].items():
        exons = b["exons"]
        spliced = "".join(g[build].fetch(b["chrom"], s, e) or "?" for s, e in exons)
        if spliced != mrna:
            sys.exit(f"ERBB2 {build}: the spliced exons are not the NM_004448.4 mRNA")
        col = 1 if build == "GRCh37" else 3
        for row, (s, e) in zip(table, exons, strict=True):
            if (int(row[col]), int(row[col + 1])) != (s, e):
                sys.exit(f"ERBB2 {build} exon {row[0]}: the splice table places it at {row[col]}-{row[col + 1]}")
            acceptor, donor = row[6], row[9]
            if not acceptor.startswith("(") and g[build].fetch(b["chrom"], s - 20, s - 1) != acceptor:
                sys.exit(f"ERBB2 {build} exon {row[0]}: acceptor bases differ from the splice table")
            if not donor.startswith("(") and g[build].fetch(b["chrom"], e + 1, e + 20) != donor:
                sys.exit(f"ERBB2 {build} exon {row[0]}: donor bases differ from the splice table")
        wins = []
        for s, e in exons:
            lo, hi = s - FLANK, e + FLANK
            seq = g[build].fetch(b["chrom"], lo, hi)
            if seq is None:
                sys.exit(f"ERBB2 {build}: no genomic bases for {lo}-{hi}")
            wins.append((lo, seq))
        for old in b.get("windows", []):  # the reference windows held before must agree
            start, seq = old["start"], old["sequence"].upper()
            if g[build].fetch(b["chrom"], start, start + len(seq) - 1) != seq:
                sys.exit(f"ERBB2 {build}: the rules' window at {start} differs from the genomic sequence")
            wins.append((start, seq))
        out[build] = merged(wins)
    return out


def codriver_windows(folder: Path, rules: dict, g: dict[str, Genome]) -> dict[tuple[str, str], list[tuple[int, str]]]:
    out = {}
    kras_mrna = fasta_records(folder / "KRAS_NM_004985.5.mRNA.fa")[0][1]
    for symbol, gene in rules["genes"].items():
        cds = "".join(p["sequence"] for p in gene["cds_pieces"]).upper()
        flank = max(FLANK, gene.get("flank", 0))
        for build, b in gene["builds"].items():
            wins = []
            for k in b["known_exons"]:
                s, e, c0 = k["start"], k["end"], k["c_start"]
                exon = g[build].fetch(b["chrom"], s, e)
                if exon is None and symbol == "KRAS":  # exon 5: its bases from the mRNA
                    first = 190 + c0 - 1  # 0-based mRNA index of the exon's 5' base (c.1 = mRNA 191)
                    # (the mRNA's 3' end is inside the rules' exon, whose end follows a longer UTR)
                    exon_tx = kras_mrna[first:first + e - s + 1]
                    exon = revcomp(exon_tx)  # minus strand: the exon's 5' base is its genomic end
                    lo, hi = e - len(exon) + 1, e
                    seq = exon
                else:
                    lo, hi = s - flank, e + flank
                    seq = g[build].fetch(b["chrom"], lo, hi)
                    if seq is None or exon is None:
                        sys.exit(f"{symbol} {build}: no genomic bases for exon {k['exon']} ({lo}-{hi})")
                tx = exon if gene["strand"] == "+" else revcomp(exon)
                for i, base in enumerate(tx):
                    c = c0 + i + (1 if c0 < 0 and c0 + i >= 0 else 0)
                    if 1 <= c <= len(cds) and base != cds[c - 1]:
                        sys.exit(f"{symbol} {build} exon {k['exon']}: c.{c} is {base} in the genome, "
                                 f"{cds[c - 1]} in the coding sequence")
                wins.append((lo, seq))
            out[(symbol, build)] = merged(wins)
    return out


def window_block(wins: list[tuple[int, str]], indent: str) -> str:
    return "".join(f"{indent}- start: {s}\n{indent}  sequence: {q}\n" for s, q in wins)


def main(folder: Path) -> None:
    g = genomes(folder)
    tpath, cpath = ROOT / "rules" / "transcripts.yaml", ROOT / "rules" / "codrivers.yaml"
    ttext, ctext = tpath.read_text(), cpath.read_text()
    for build, wins in erbb2_windows(folder, yaml.safe_load(ttext), g).items():
        # the windows block of this build: from "windows:" to the next key at build level or above
        pat = re.compile(rf"(      {build}:\n(?:        (?!windows:).*\n)*?        windows:\n)((?:          .*\n)*)")
        ttext, n = pat.subn(lambda m, w=wins: m[1] + window_block(w, "          "), ttext, count=1)
        if n != 1:
            sys.exit(f"transcripts.yaml: no windows block for ERBB2 {build}")
    for (symbol, build), wins in codriver_windows(folder, yaml.safe_load(ctext), g).items():
        start = ctext.index(f"\n  {symbol}:\n")
        at = ctext.index(f"\n      {build}:\n", start)
        pat = re.compile(r"((?:        (?!known_exons:).*\n)*?        known_exons:\n(?:          .*\n)+)(        windows:\n(?:          .*\n)+)?")
        m = pat.match(ctext, at + 1 + len(f"      {build}:\n"))
        if m is None:
            sys.exit(f"codrivers.yaml: {symbol} {build} has no known_exons block")
        new = m[1] + "        windows:\n" + window_block(wins, "          ")
        ctext = ctext[:m.start()] + new + ctext[m.end():]
    for path, text in ((tpath, ttext), (cpath, ctext)):
        yaml.safe_load(text)
        if path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
        else:
            print(f"{path.relative_to(ROOT)} unchanged")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
