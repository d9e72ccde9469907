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


def skipped_event(gene: str, n: Naming | None, *, chrom: str, pos: int | None, ref: str, alt: str, source: str,
                  depth: int | None = None, alt_reads: int | None = None, vaf: float | None = None,
                  filter: str = "") -> dict[str, object]:
    """An event seen and not reported, as the per-sample JSON lists it (``reason`` and ``detail``
    are added by SampleResult.skip): the record, its names on the gene's transcript where known
    (``n`` is None when only the call that replaced it is left), and its read support."""
    return {
        "gene": gene, "chrom": chrom, "pos": pos, "ref": ref, "alt": alt,
        "hgvs_c": n.hgvs_c if n else "", "hgvs_p": n.hgvs_p if n else "",
        "exon": "" if n is None else str(n.exon) if n.exon else (f"intron {n.intron}" if n.intron else ""),
        "location": n.location if n else "", "effect": n.effect if n else "",
        "depth": depth, "alt_reads": alt_reads, "vaf": vaf, "filter": filter, "source": source,
    }
