"""What the gene rules files (rules/*.yaml) may hold, written in the schema language of schema.py."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from .. import limits
from ..errors import RulesError
from .schema import Spec

BUILTIN_FILES = ("builds.yaml", "thresholds.yaml", "transcripts.yaml", "codrivers.yaml", "fusions.yaml",
                 "oncogenicity.yaml", "limits.yaml")


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

@dataclass(frozen=True)
class Thresholds:
    """The decision thresholds (rules/thresholds.yaml documents each). Declared once: the schema
    below and the loading in load.py are derived from these fields."""

    amplification_cn: float
    min_depth: int
    min_alt_reads: int
    min_vaf: float
    accepted_filters: tuple[str, ...]
    min_coverage_depth: int
    min_exon20_covered_fraction: float
    min_mapq: int
    bam_min_cn_exons: int
    bam_max_sample_noise: float
    bam_max_ci_width: float

    @classmethod
    def from_tree(cls, t: dict[str, Any]) -> Thresholds:
        """Build from a checked ``thresholds`` mapping (YAML integers become floats where a number is meant)."""
        kinds = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {
            name: tuple(t[name]) if kind == "tuple[str, ...]" else float(t[name]) if kind == "float" else t[name]
            for name, kind in kinds.items()}
        return cls(**values)

    def check(self, where: str) -> None:
        """The ranges the schema cannot say; ``where`` names the set (``rules (...).thresholds``)."""
        if not 0 <= self.min_vaf <= 1 or not 0 <= self.min_exon20_covered_fraction <= 1:
            raise RulesError(f"{where}: min_vaf and min_exon20_covered_fraction must be in [0, 1]")
        if self.bam_min_cn_exons < 1 or not self.bam_max_sample_noise > 0 or not self.bam_max_ci_width > 0:
            raise RulesError(f"{where}: bam_min_cn_exons must be at least 1, bam_max_sample_noise "
                             "above 0 and bam_max_ci_width above 0")


_THRESHOLD_FIELDS_SPEC: dict[str, Spec] = {
    # f.type is the annotation's text here (postponed evaluation of annotations)
    f.name: {"float": float, "int": int, "tuple[str, ...]": ("list", str)}[str(f.type)] for f in fields(Thresholds)
}
# thresholds.by_sample_type.<type>: the names the type goes by in a samples sheet, and the thresholds
# it changes (checked and resolved in sample_types.py)
SAMPLE_TYPE_SPEC: dict[str, Spec] = {"synonyms?": ("list", str),
                                     **{f"{k}?": v for k, v in _THRESHOLD_FIELDS_SPEC.items()}}
THRESHOLDS_SPEC: dict[str, Spec] = {**_THRESHOLD_FIELDS_SPEC, "by_sample_type?": ("map", SAMPLE_TYPE_SPEC)}

FUSION_GENE_SPEC: dict[str, Spec] = {
    "role": str, "strand": str, "transcript": str, "partner_of?": ("list", str),
    "confidence": str, "numbering_note?": str,
    "builds": ("map", {"chrom": str, "start": int, "end": int}),
    "introns?": ("list", {"name": str, "note?": str, "builds": ("map", ("list", int))}),
}

BUILD_SPEC: dict[str, Spec] = {"names": ("list", str), "contig_lengths": ("map", int)}

# rules/oncogenicity.yaml documents each key; checked further (tiers, genes, classes) in oncogenicity.py
ONCOGENICITY_SPEC: dict[str, Spec] = {
    "altered_tiers": ("list", str),
    "driver_tiers": ("list", str),
    "default_tier": str,
    "germline_like": {"vaf_ranges": ("list", ("list", float)), "keep_tiers": ("list", str), "cap": str,
                      "source": str},
    "rules": ("list", {
        "name": str, "genes": ("list", str), "tier": str, "source": str, "classes?": ("list", str),
        "hgvs_p?": ("list", str), "effect?": ("list", str), "residues?": _PAIR, "from?": str,
    }),
}

RULES_SPEC: dict[str, Spec] = {
    "version?": int,
    "genes?": ("map", GENE_SPEC),
    "driver_groups?": ("list", {"group": str, "gene": str, "classes": ("list", str)}),
    "fusion_genes?": ("map", FUSION_GENE_SPEC),
    "thresholds?": THRESHOLDS_SPEC,
    "builds?": ("map", BUILD_SPEC),
    "oncogenicity?": ONCOGENICITY_SPEC,
    "limits?": limits.spec(),  # rules/limits.yaml; not part of the checksum (load.py)
}
