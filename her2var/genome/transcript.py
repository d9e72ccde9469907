"""Transcript models on a genome build: genomic <-> c. coordinates, exons, and sequence access."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from ..contigs import contig_key, resolve_contig
from ..errors import InputError, RulesError, shown
from ..files import input_path
from ..rules.load import GeneRules, Window

_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")

CODON_TABLE = {
    a + b + c: aa
    for (a, b, c), aa in zip(
        ((x, y, z) for x in "TCAG" for y in "TCAG" for z in "TCAG"),
        "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
        strict=True,
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
        self.chrom = contig_key(chrom)

    @property
    def label(self) -> str:
        return "rules windows"

    def fetch(self, chrom: str, start: int, end: int) -> str | None:
        if contig_key(chrom) != self.chrom or end < start:
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
        # read by seeking through its .fai: a pipe or a device (which would never end) is refused
        input_path(path, what="a reference FASTA (--reference)", random_access=True)
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
        return resolve_contig(chrom, self._names)

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
    """One gene's transcript placed on one build.

    Full models list every exon with the CDS ends; partial models place only some exons, each
    with the c. position of its transcript-5' base. Internally both are exons in transcript
    order with a continuous coding index (c.1 = 1, c.-1 = 0, c.-11 = -10, c.*1 = length + 1).
    """

    def __init__(self, gene: GeneRules, build: str) -> None:
        if build not in gene.builds:
            raise RulesError(f"the rules have no {shown(gene.symbol, bare=True)} model "
                             f"for build {shown(build, bare=True)}")
        b = gene.builds[build]
        self.gene = gene
        self.build = build
        self.chrom = b.chrom
        self.strand = gene.strand
        self.windows = b.windows
        self.complete = not b.known_exons
        if self.complete:
            self.exons = b.exons  # transcript order
            self.exon_numbers = tuple(range(1, len(b.exons) + 1))
            tx_starts, tx = [], 1
            for s, e in b.exons:
                tx_starts.append(tx)
                tx += e - s + 1
            self._first = tx_starts  # provisional: transcript positions
            assert b.cds_start is not None and b.cds_end is not None  # the rules loader: full models have a CDS
            c1_genomic = b.cds_start if self.strand == "+" else b.cds_end
            stop_genomic = b.cds_end if self.strand == "+" else b.cds_start
            tx_c1, tx_stop = self._g_to_tx(c1_genomic), self._g_to_tx(stop_genomic)
            if tx_c1 is None or tx_stop is None:
                raise RulesError(f"{shown(gene.symbol, bare=True)} {shown(build, bare=True)}: "
                                 "the CDS ends are not inside exons")
            self._first = [t - tx_c1 + 1 for t in tx_starts]
            self.cds_length = tx_stop - tx_c1 + 1
        else:
            known = b.known_exons
            self.exons = tuple((k.start, k.end) for k in known)
            self.exon_numbers = tuple(k.number for k in known)
            self._first = [k.c_start + 1 if k.c_start < 0 else k.c_start for k in known]
            if gene.cds_length is None:
                raise RulesError(f"{shown(gene.symbol, bare=True)}: a partial model needs cds_length")
            self.cds_length = gene.cds_length
        if self.cds_length % 3 or (gene.protein and self.cds_length != 3 * (len(gene.protein) + 1)):
            raise RulesError(
                f"{shown(gene.symbol, bare=True)} {shown(build, bare=True)}: CDS of {self.cds_length} nt does not "
                f"encode the {len(gene.protein)}-residue protein plus a stop codon"
            )
        self.pieces = gene.cds_pieces
        self.protein = (gene.protein or self._protein_from_pieces()) + "*"
        lo = min(s for s, _ in self.exons)
        hi = max(e for _, e in self.exons)
        # The transcript's 3' end when a placed exon holds the stop codon and 3'UTR bases after it
        # (the last exon): beyond it is downstream of the gene, not an intron of a partial model.
        self.tx_end: int | None = None
        try:
            stop_g, after = self.c_to_g(self.cds_length), self.c_to_g(self.cds_length + 1)
        except ValueError:
            pass  # the stop codon's exon is not placed, or ends with the stop codon
        else:
            i = self.exon_index(stop_g)
            if i is not None and i == self.exon_index(after):
                s, e = self.exons[i]
                self.tx_end = e if self.strand == "+" else s
        if b.cds_start is not None and b.cds_end is not None:  # full models: both
            lo, hi = min(lo, b.cds_start), max(hi, b.cds_end)
        self.span = (lo, hi)

    def _protein_from_pieces(self) -> str:
        """Residues encoded by the coding pieces; X where the sequence is not in the rules."""
        residues = ["X"] * (self.cds_length // 3 - 1)
        for c_start, seq in self.pieces:
            # Residue k (codon c.3k+1..c.3k+3) lies wholly in the piece for k from `first` to
            # `last`: those codons are translated in one pass (a later piece overrides, as before).
            first = max(0, -((1 - c_start) // 3))
            last = min(len(residues) - 1, (c_start + len(seq) - 4) // 3)
            if first <= last:
                start = 3 * first + 1 - c_start
                residues[first:last + 1] = translate(seq[start:start + 3 * (last - first + 1)])
        return "".join(residues)

    # -- coordinates ------------------------------------------------------------------------
    def exon_index(self, g: int) -> int | None:
        """0-based index (transcript order) of the exon holding genomic position g."""
        for i, (s, e) in enumerate(self.exons):
            if s <= g <= e:
                return i
        return None

    def _g_to_tx(self, g: int) -> int | None:
        """Continuous coding index of an exonic position (transcript position while building)."""
        i = self.exon_index(g)
        if i is None:
            return None
        s, e = self.exons[i]
        return self._first[i] + (g - s if self.strand == "+" else e - g)

    def _tx_to_cpos(self, c: int, offset: int = 0) -> CPos:
        if c < 1:
            return CPos(1 - c, offset, "utr5")
        if c > self.cds_length:
            return CPos(c - self.cds_length, offset, "utr3")
        return CPos(c, offset, "cds")

    def g_to_c(self, g: int) -> CPos:
        tx = self._g_to_tx(g)
        if tx is not None:
            return self._tx_to_cpos(tx)
        # Past the transcript's ends HGVS counts on (c.-N upstream, c.*N downstream).
        beyond = self._beyond_ends(g)
        if beyond is not None:
            return self._tx_to_cpos(beyond)
        # Intronic: relative to the nearest exon base.
        best = None
        for s, e in self.exons:
            for edge in (s, e):
                d = g - edge
                if best is None or abs(d) < abs(best[1]) or (abs(d) == abs(best[1]) and self._after(d)):
                    best = (edge, d)
        edge, d = best  # type: ignore[misc]  # a model has at least one exon, so best is set
        tx_edge = self._g_to_tx(edge)
        offset = d if self.strand == "+" else -d
        return self._tx_to_cpos(tx_edge, offset)  # type: ignore[arg-type]  # an exon edge is in the transcript

    def _beyond_ends(self, g: int) -> int | None:
        """The continuous coding index of a position beyond the transcript's known ends."""
        sign = 1 if self.strand == "+" else -1
        if self.tx_end is not None and (g - self.tx_end) * sign > 0:
            return self._g_to_tx(self.tx_end) + (g - self.tx_end) * sign  # type: ignore[operator]  # tx_end is exonic
        if self.complete:
            first = self.exons[0][0] if self.strand == "+" else self.exons[0][1]
            if (first - g) * sign > 0:
                return self._g_to_tx(first) - (first - g) * sign  # type: ignore[operator]  # an exon edge
        return None

    def _after(self, d: int) -> bool:
        # On a tie HGVS counts from the upstream exon (c.N+d); "upstream" depends on strand.
        return (d > 0) if self.strand == "+" else (d < 0)

    def c_to_g(self, c: int) -> int:
        """Genomic position of coding base c (1 <= c <= cds_length) in a placed exon."""
        for i, (s, e) in enumerate(self.exons):
            first = self._first[i]
            if first <= c <= first + (e - s):
                k = c - first
                return s + k if self.strand == "+" else e - k
        raise ValueError(f"c.{c} is outside the placed exons of {self.gene.symbol}")

    def cds_bases(self, seq: SequenceSource | None, c_from: int, c_to: int) -> str | None:
        """Coding bases c_from..c_to in transcript orientation, or None when unavailable.

        The genome source is asked first; the rules' coding pieces fill what it cannot give.
        """
        out = []
        c = c_from
        while c <= c_to:
            try:
                g = self.c_to_g(c)
            except ValueError:
                g = None
            bases = None
            run = 1
            if g is not None and seq is not None:
                while c + run <= c_to and self._placed(c + run) and abs(self.c_to_g(c + run) - g) == run:
                    run += 1
                lo, hi = (g, g + run - 1) if self.strand == "+" else (g - run + 1, g)
                bases = seq.fetch(self.chrom, lo, hi)
                if bases is not None and self.strand == "-":
                    bases = revcomp(bases)
            if bases is None:
                run = 1
                bases = self.piece_base(c)
                if bases is None:
                    return None
            out.append(bases)
            c += run
        return "".join(out)

    def _placed(self, c: int) -> bool:
        try:
            self.c_to_g(c)
        except ValueError:
            return False
        return True

    def piece_base(self, c: int) -> str | None:
        """Coding base c from the rules' coding pieces, transcript orientation."""
        for c_start, seq in self.pieces:
            if c_start <= c < c_start + len(seq):
                return seq[c - c_start]
        return None

    def exon_label(self, g: int) -> int | None:
        """The transcript's own number of the exon holding g."""
        i = self.exon_index(g)
        return None if i is None else self.exon_numbers[i]

    def exon_number(self, g: int) -> int | None:
        return self.exon_label(g)

    def intron_number(self, g: int) -> int | None:
        """Intron between consecutive exons k and k+1 (transcript numbering) holding g, as k."""
        for i in range(len(self.exons) - 1):
            if self.exon_numbers[i + 1] != self.exon_numbers[i] + 1:
                continue
            a, b = self.exons[i], self.exons[i + 1]
            lo, hi = (a[1], b[0]) if self.strand == "+" else (b[1], a[0])
            if lo < g < hi:
                return self.exon_numbers[i]
        return None


_MODELS: dict[tuple[int, str], tuple[GeneRules, TranscriptModel]] = {}
_MODELS_MAX = 64  # a few rule sets of a handful of genes on two builds


def transcript_model(gene: GeneRules, build: str) -> TranscriptModel:
    """``TranscriptModel(gene, build)``, made once per gene object and build in a process: a batch
    places the same genes for every file, and building a model translates its coding pieces
    (about 1 ms of the 5 ms a panel VCF costs). A model is never changed once made. The key is
    the gene object itself (rules loaded again make new ones); a model that cannot be made is
    not kept, so its error is raised every time."""
    key = (id(gene), build)
    kept = _MODELS.get(key)
    if kept is not None and kept[0] is gene:
        return kept[1]
    model = TranscriptModel(gene, build)
    if len(_MODELS) >= _MODELS_MAX:
        _MODELS.clear()
    _MODELS[key] = (gene, model)  # the gene is kept alive with it, so its id is not reused meanwhile
    return model


class PieceSequence:
    """Genomic bases of a partial model's placed coding exons, from the rules' coding pieces."""

    def __init__(self, model: TranscriptModel) -> None:
        self.model = model

    @property
    def label(self) -> str:
        return "rules coding sequence"

    def fetch(self, chrom: str, start: int, end: int) -> str | None:
        m = self.model
        if end < start:
            return ""
        if contig_key(chrom) != contig_key(m.chrom):
            return None
        out = []
        for g in range(start, end + 1):
            cp = m.g_to_c(g)
            if not cp.is_coding:
                return None
            base = m.piece_base(cp.base)
            if base is None:
                return None
            out.append(base if m.strand == "+" else base.translate(_COMPLEMENT))
        return "".join(out)


class ChainSequence:
    """The first source that has the bases."""

    def __init__(self, *sources: SequenceSource) -> None:
        self.sources = sources

    @property
    def label(self) -> str:
        return " + ".join(s.label for s in self.sources)

    def fetch(self, chrom: str, start: int, end: int) -> str | None:
        for s in self.sources:
            bases = s.fetch(chrom, start, end)
            if bases is not None:
                return bases
        return None


def exon20_span(model: TranscriptModel) -> tuple[int, int]:
    """Genomic span of the insertion region's coding bases (exon 20 for ERBB2)."""
    first, last = next(iter(model.gene.insertion_regions.values()))
    a, b = model.c_to_g(3 * first - 2), model.c_to_g(3 * last)
    return min(a, b), max(a, b)
