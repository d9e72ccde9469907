"""The capture targets (BED): intervals, their checksum, and their GC content.

Targets keep the file's order of contigs and are sorted by position within a contig. The checksum
that ties a panel of normals to its targets is taken over the intervals themselves (contig by its
comparison key from her2var/contigs.py, so 'chr17' and '17' alike; start, end), so a re-saved BED
with other comments or names still matches while any moved boundary does not; the raw file's
SHA-256 is recorded beside it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..contigs import contig_key
from ..errors import InputError, shown
from ..files import read_input

MAX_TARGETS = 2_000_000


@dataclass(frozen=True, slots=True)
class Target:
    chrom: str  # as written in the BED
    start: int  # 0-based, half-open (BED)
    end: int
    name: str = ""

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass
class TargetSet:
    path: str
    targets: list[Target]
    file_sha256: str
    intervals_sha256: str

    def __len__(self) -> int:
        return len(self.targets)


def intervals_checksum(targets: list[Target]) -> str:
    h = hashlib.sha256()
    for t in targets:
        h.update(f"{contig_key(t.chrom)}\t{t.start}\t{t.end}\n".encode())
    return h.hexdigest()


def sort_targets(targets: list[Target]) -> list[Target]:
    """Contigs in order of first appearance, positions ascending; deterministic."""
    order: dict[str, int] = {}
    for t in targets:
        order.setdefault(contig_key(t.chrom), len(order))
    return sorted(targets, key=lambda t: (order[contig_key(t.chrom)], t.start, t.end, t.name))


def read_targets(path: str) -> TargetSet:
    """Read a BED file of capture targets; errors name the file and line."""
    # plain or gzipped; a byte-order mark is not part of the first contig name
    source = read_input(path, what="a BED file", source="--targets")
    raw = source.raw
    targets: list[Target] = []
    seen: dict[tuple[str, int, int], int] = {}
    for lineno, line in enumerate(source.lines(), start=1):
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        cols = line.rstrip("\r").split("\t")
        if len(cols) < 3:
            cols = line.split()
        if len(cols) < 3:
            raise InputError(f"{path}:{lineno}: {len(cols)} column(s); a BED line needs chrom, start, end")
        try:
            start, end = int(cols[1]), int(cols[2])
        except ValueError as exc:
            raise InputError(f"{path}:{lineno}: start/end {shown(cols[1])}, {shown(cols[2])} "
                             "are not whole numbers") from exc
        if start < 0 or end <= start:
            raise InputError(f"{path}:{lineno}: interval {shown(start)}-{shown(end)} is empty or negative "
                             "(BED is 0-based, end > start)")
        key = (contig_key(cols[0]), start, end)
        if key in seen:
            raise InputError(f"{path}:{lineno}: the same interval as line {seen[key]}; remove duplicate targets")
        seen[key] = lineno
        targets.append(Target(cols[0], start, end, cols[3].strip() if len(cols) > 3 else ""))
        if len(targets) > MAX_TARGETS:
            raise InputError(f"{path}: more than {MAX_TARGETS} targets; expected a capture BED")
    if not targets:
        raise InputError(f"{path}: no target intervals")
    targets = sort_targets(targets)
    return TargetSet(path=path, targets=targets, file_sha256=hashlib.sha256(raw).hexdigest(),
                     intervals_sha256=intervals_checksum(targets))


def gc_fractions(targets: list[Target], fasta_path: str) -> list[float | None]:
    """GC fraction of each target's A/C/G/T bases in an indexed FASTA; None where all are N."""
    from .transcript import FastaSequence

    fa = FastaSequence(fasta_path)
    out: list[float | None] = []
    for t in targets:
        if fa.resolve(t.chrom) is None:
            raise InputError(f"{fasta_path}: no contig {shown(t.chrom, bare=True)} (a target's contig) "
                             "in the --reference FASTA")
        seq = fa.fetch(t.chrom, t.start + 1, t.end)
        if seq is None:
            raise InputError(f"{fasta_path}: target {shown(t.chrom, bare=True)}:{t.start}-{t.end} "
                             "runs past the contig's end")
        acgt = sum(seq.count(b) for b in "ACGT")
        out.append((seq.count("G") + seq.count("C")) / acgt if acgt else None)
    return out
