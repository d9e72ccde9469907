"""Transcript models on a genome build: genomic <-> c. coordinates, exons, and sequence access."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from .errors import InputError, RulesError
from .rules import GeneRules, Window

_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")

CODON_TABLE = {
    a + b + c: aa
    for (a, b, c), aa in zip(
        ((x, y, z) for x in "TCAG" for y in "TCAG" for z in "TCAG"),
        "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
    )
}


def revcomp(seq: str) -> str:
    return seq.translate(_COMPLEMENT)[::-1]


def translate(cds: str) -> str:
    """Translate whole codons; a codon with N (or any non-ACGT) becomes 'X'."""
    return "".join(CODON_TABLE.get(cds[i:i + 3], "X") for i in range(0, len(cds) - 2, 3))


class SequenceSource(Protocol):
    """Genomic reference bases: 1-based inclusive; None when any base is not available."""

    def fetch(self, chrom: str, start: int, end: int) -> str | None: ...

    @property
    def label(self) -> str: ...


class WindowSequence:
    """Reference bases from the windows in the rules (a few exons of one gene)."""

    def __init__(self, windows: tuple[Window, ...], chrom: str) -> None:
        self.windows = windows
        self.chrom = chrom.removeprefix("chr")

    @property
    def label(self) -> str:
        return "rules windows"

    def fetch(self, chrom: str, start: int, end: int) -> str | None:
        if chrom.removeprefix("chr") != self.chrom or end < start:
            return None if end >= start else ""
        for w in self.windows:
            if w.start <= start and end <= w.end:
                return w.sequence[start - w.start:end - w.start + 1]
        return None


class FastaSequence:
    """Reference bases from an indexed FASTA (plain or bgzipped) through pysam."""

    def __init__(self, path: str) -> None:
        import pysam

        self.path = path
        if not os.path.exists(path):
            raise InputError(f"{path}: no such file (--reference)")
        try:
            self._fa = pysam.FastaFile(path)
        except (OSError, ValueError) as exc:
            raise InputError(
                f"{path}: cannot be read as a FASTA reference ({exc}); it must be plain or "
                "bgzip-compressed, and a .fai index is built next to it when missing"
            ) from exc
        self._names = set(self._fa.references)

    @property
    def label(self) -> str:
        return self.path

    def contig_length(self, chrom: str) -> int | None:
        name = self.resolve(chrom)
        return self._fa.get_reference_length(name) if name else None

    def resolve(self, chrom: str) -> str | None:
        for name in (chrom, "chr" + chrom, chrom.removeprefix("chr")):
            if name in self._names:
                return name
        return None

    def fetch(self, chrom: str, start: int, end: int) -> str | None:
        if end < start:
            return ""
        name = self.resolve(chrom)
        if name is None or start < 1:
            return None
        seq = self._fa.fetch(name, start - 1, end).upper()
        return seq if len(seq) == end - start + 1 else None


@dataclass(frozen=True)
class CPos:
    """A position in c. terms: base number (CDS-relative), intron offset, and UTR side."""

    base: int  # c. number; for the 5' UTR the distance upstream (c.-N), for the 3' UTR c.*N
    offset: int = 0  # intronic distance (+ after an exon, - before one)
    region: str = "cds"  # "cds", "utr5", "utr3"

    def __str__(self) -> str:
        core = {"cds": f"{self.base}", "utr5": f"-{self.base}", "utr3": f"*{self.base}"}[self.region]
        if self.offset > 0:
            return f"{core}+{self.offset}"
        if self.offset < 0:
            return f"{core}{self.offset}"
        return core

    @property
    def is_coding(self) -> bool:
        return self.region == "cds" and self.offset == 0


class TranscriptModel:
    """One gene's transcript placed on one build."""

    def __init__(self, gene: GeneRules, build: str) -> None:
        if build not in gene.builds:
            raise RulesError(f"the rules have no {gene.symbol} model for build {build}")
        b = gene.builds[build]
        self.gene = gene
        self.build = build
        self.chrom = b.chrom
        self.strand = gene.strand
        self.exons = b.exons  # transcript order
        self.windows = b.windows
        # Transcript position (1-based) of each exon's 5' end, and of c.1.
        self._tx_starts = []
        tx = 1
        for s, e in self.exons:
            self._tx_starts.append(tx)
            tx += e - s + 1
        c1_genomic = b.cds_start if self.strand == "+" else b.cds_end
        stop_genomic = b.cds_end if self.strand == "+" else b.cds_start
        tx_c1 = self._g_to_tx(c1_genomic)
        tx_stop = self._g_to_tx(stop_genomic)
        if tx_c1 is None or tx_stop is None:
            raise RulesError(f"{gene.symbol} {build}: the CDS ends are not inside exons")
        self._tx_c1 = tx_c1
        self.cds_length = tx_stop - tx_c1 + 1
        if self.cds_length != 3 * (len(gene.protein) + 1):
            raise RulesError(
                f"{gene.symbol} {build}: CDS of {self.cds_length} nt does not encode the "
                f"{len(gene.protein)}-residue protein plus a stop codon"
            )
        self.protein = gene.protein + "*"
        lo = min(min(s for s, _ in self.exons), b.cds_start)
        hi = max(max(e for _, e in self.exons), b.cds_end)
        self.span = (lo, hi)

    # -- coordinates ------------------------------------------------------------------------
    def exon_index(self, g: int) -> int | None:
        """0-based index (transcript order) of the exon holding genomic position g."""
        for i, (s, e) in enumerate(self.exons):
            if s <= g <= e:
                return i
        return None

    def _g_to_tx(self, g: int) -> int | None:
        i = self.exon_index(g)
        if i is None:
            return None
        s, e = self.exons[i]
        return self._tx_starts[i] + (g - s if self.strand == "+" else e - g)

    def _tx_to_cpos(self, tx: int, offset: int = 0) -> CPos:
        c = tx - self._tx_c1 + 1
        if c < 1:
            return CPos(1 - c, offset, "utr5")
        if c > self.cds_length:
            return CPos(c - self.cds_length, offset, "utr3")
        return CPos(c, offset, "cds")

    def g_to_c(self, g: int) -> CPos:
        tx = self._g_to_tx(g)
        if tx is not None:
            return self._tx_to_cpos(tx)
        # Intronic (or outside the transcript): relative to the nearest exon base.
        best = None
        for s, e in self.exons:
            for edge in (s, e):
                d = g - edge
                if best is None or abs(d) < abs(best[1]) or (abs(d) == abs(best[1]) and self._after(d)):
                    best = (edge, d)
        edge, d = best  # type: ignore[misc]
        tx_edge = self._g_to_tx(edge)
        offset = d if self.strand == "+" else -d
        return self._tx_to_cpos(tx_edge, offset)  # type: ignore[arg-type]

    def _after(self, d: int) -> bool:
        # On a tie HGVS counts from the upstream exon (c.N+d); "upstream" depends on strand.
        return (d > 0) if self.strand == "+" else (d < 0)

    def c_to_g(self, c: int) -> int:
        """Genomic position of coding base c (1 <= c <= cds_length)."""
        tx = c + self._tx_c1 - 1
        for i, (s, e) in enumerate(self.exons):
            start = self._tx_starts[i]
            if start <= tx < start + (e - s + 1):
                k = tx - start
                return s + k if self.strand == "+" else e - k
        raise ValueError(f"c.{c} is outside the transcript")

    def cds_bases(self, seq: SequenceSource | None, c_from: int, c_to: int) -> str | None:
        """Coding bases c_from..c_to in transcript orientation, or None when unavailable."""
        if seq is None:
            return None
        out = []
        c = c_from
        while c <= c_to:
            g = self.c_to_g(c)
            # extend to the end of this exon's run of consecutive coding bases
            run = 1
            while c + run <= c_to and abs(self.c_to_g(c + run) - g) == run:
                run += 1
            lo, hi = (g, g + run - 1) if self.strand == "+" else (g - run + 1, g)
            bases = seq.fetch(self.chrom, lo, hi)
            if bases is None:
                return None
            out.append(bases if self.strand == "+" else revcomp(bases))
            c += run
        return "".join(out)

    def exon_number(self, g: int) -> int | None:
        i = self.exon_index(g)
        return None if i is None else i + 1

    def intron_number(self, g: int) -> int | None:
        """Intron between exon k and k+1 (transcript order) holding g, as k."""
        for i in range(len(self.exons) - 1):
            a, b = self.exons[i], self.exons[i + 1]
            lo, hi = (a[1], b[0]) if self.strand == "+" else (b[1], a[0])
            if lo < g < hi:
                return i + 1
        return None
