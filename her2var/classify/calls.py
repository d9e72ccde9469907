"""A named event turned into a reported call: one construction for every source (VCF records,
insertions seen in the reads), so the same event reads the same whichever path found it."""

from __future__ import annotations

from ..genome.naming import Naming
from ..models import Call
from ..rules.load import GeneRules
from .erbb2 import is_hotspot

# Co-driver classes that are recurrent events by definition (the hotspot flag of co-driver calls).
RECURRENT_CODRIVER_CLASSES = ("hotspot", "sensitizing", "resistance")


def named_call(sample: str, gene: GeneRules, klass: str, n: Naming, *, chrom: str, pos: int, ref: str, alt: str,
               source: str, build: str, input: str, depth: int | None = None, alt_reads: int | None = None,
               vaf: float | None = None, vaf_method: str = "none", filter: str = ".",
               genotype: str = "") -> Call:
    """The call for one event of ``gene`` named ``n`` and classed ``klass``: HGVS names, exon (or
    ``intron N``), protein domain and hotspot flag (ERBB2: the rules' hotspots and recurrent events;
    a co-driver: its class says it), with the read support and where it came from."""
    first = n.first_residue
    return Call(
        sample=sample, gene=gene.symbol, klass=klass, hgvs_p=n.hgvs_p, hgvs_p3=n.hgvs_p3, hgvs_c=n.hgvs_c,
        exon=str(n.exon) if n.exon else (f"intron {n.intron}" if n.intron else ""),
        domain=gene.domain_of(first) if first else "",
        hotspot=is_hotspot(n, gene) if gene.role == "index" else klass in RECURRENT_CODRIVER_CLASSES,
        chrom=chrom, pos=pos, ref=ref, alt=alt, depth=depth, alt_reads=alt_reads, vaf=vaf, source=source,
        vaf_method=vaf_method, filter=filter, genotype=genotype, build=build, input=input,
    )
