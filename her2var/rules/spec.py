"""What the gene rules files (rules/*.yaml) may hold, written in the schema language of schema.py."""

from __future__ import annotations

from .schema import Spec

BUILTIN_FILES = ("builds.yaml", "thresholds.yaml", "transcripts.yaml", "codrivers.yaml", "fusions.yaml")


# ---------------------------------------------------------------------------------------------
# What the rules files may hold (the schema language is in schema.py)
# ---------------------------------------------------------------------------------------------
_PAIR = ("list", int)

GENE_SPEC: dict[str, Spec] = {
    "transcript": str,
    "transcript_aliases?": ("list", str),
    "protein_id": str,
    "strand": str,
    "role": str,
    "builds": ("map", {
        "chrom": str,
        "cds?": _PAIR,
        "exons?": ("list", _PAIR),
        "known_exons?": ("list", {"exon": int, "start": int, "end": int, "c_start": int}),
        "windows?": ("list", {"start": int, "sequence": str}),
    }),
    "protein?": str,
    "cds_length?": int,
    "cds_pieces?": ("list", {"c_start": int, "sequence": str}),
    "flank?": int,
    "driver_events?": ("list", {
        "class": str, "name": str, "hgvs_p?": ("list", str), "effect?": ("list", str),
        "residues?": _PAIR, "location?": ("list", str), "c_range?": _PAIR, "dna?": ("list", str),
    }),
    "insertion_regions?": ("map", _PAIR),
    "domains?": ("list", {"name": str, "start": int, "end": int}),
    "hotspots?": ("list", str),
    "recurrent?": ("list", str),
    "polymorphisms?": ("list", str),
    "aliases?": ("map", ("list", str)),
}

THRESHOLDS_SPEC: dict[str, Spec] = {
    "amplification_cn": float,
    "min_depth": int,
    "min_alt_reads": int,
    "min_vaf": float,
    "accepted_filters": ("list", str),
    "min_coverage_depth": int,
    "min_exon20_covered_fraction": float,
    "min_mapq": int,
    "bam_min_cn_exons": int,
    "bam_max_sample_noise": float,
}

FUSION_GENE_SPEC: dict[str, Spec] = {
    "role": str, "strand": str, "transcript": str, "partner_of?": ("list", str),
    "confidence": str, "numbering_note?": str,
    "builds": ("map", {"chrom": str, "start": int, "end": int}),
    "introns?": ("list", {"name": str, "note?": str, "builds": ("map", ("list", int))}),
}

BUILD_SPEC: dict[str, Spec] = {"names": ("list", str), "contig_lengths": ("map", int)}

RULES_SPEC: dict[str, Spec] = {
    "version?": int,
    "genes?": ("map", GENE_SPEC),
    "driver_groups?": ("list", {"group": str, "gene": str, "classes": ("list", str)}),
    "fusion_genes?": ("map", FUSION_GENE_SPEC),
    "thresholds?": THRESHOLDS_SPEC,
    "builds?": ("map", BUILD_SPEC),
}
