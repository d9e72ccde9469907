"""Contig names across naming styles: the one rule for when two names mean the same chromosome.

UCSC-style files write ``chr17``, ``chrX``, ``chrM``; GRC/Ensembl-style files (b37, hs37d5, most
BAMs from 1000 Genomes pipelines) write ``17``, ``X``, ``MT``; hand-edited BEDs and tables from
spreadsheets bring ``Chr17`` or ``CHR17`` and lower-case ``chrx``. No assembly has two contigs
whose names differ only in case or in a ``chr`` prefix, so all of these compare equal: the
prefix is dropped whatever its case, the rest is upper-cased, and ``M`` is ``MT``.
"""

from __future__ import annotations

from collections.abc import Collection


def contig_key(name: str) -> str:
    """The comparison key of a contig name: 'chr17', 'Chr17', 'CHR17' and '17' -> '17';
    'chrX' and 'x' -> 'X'; 'chrM', 'chrMT', 'M' and 'MT' -> 'MT'."""
    n = name[3:] if name[:3].lower() == "chr" else name
    n = n.upper()
    return "MT" if n == "M" else n


def same_contig(a: str, b: str) -> bool:
    """Whether two contig names mean the same chromosome (see the module docstring)."""
    return contig_key(a) == contig_key(b)


def resolve_contig(name: str, available: Collection[str]) -> str | None:
    """The spelling of contig ``name`` among ``available`` (a file's own names), or None.

    The name as written wins; then the usual spellings of the same chromosome; then any
    name with the same key (a 'Chr17' in the file)."""
    if name in available:
        return name
    key = contig_key(name)
    for candidate in (key, "chr" + key, *(("chrM", "M") if key == "MT" else ())):
        if candidate in available:
            return candidate
    return next((c for c in available if contig_key(c) == key), None)
