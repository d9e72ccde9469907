"""A MAF row as the event a VCF record names: build, allele, position with padding, read support.

MAF writes indels without the padding base VCF keeps: an insertion has Reference_Allele ``-``
with Start_Position the base before it and End_Position = Start + 1 (VEP-style files write the
two the other way round, End = Start - 1); a deletion has Tumor_Seq_Allele2 ``-`` with Start the
first deleted base. ``vcf_form`` adds the base before the event back (from the reference bases
the caller passes: the rules' windows, or ``--reference``), so a MAF row and the VCF record of
the same call are one (chrom, pos, ref, alt) and take one decision. The alternate allele is
Tumor_Seq_Allele2, or Tumor_Seq_Allele1 when Allele2 repeats the reference (some dialects put
the variant there; cBioPortal's loader does the same).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping

from ..errors import InputError, UsageError, plain_int, shown
from ..genome.builds import build_named
from ..models import Support
from ..rules.load import BuildRules
from .reader import MafRow

log = logging.getLogger(__name__)

MISSING = frozenset(("", ".", "NA", "N/A", "NAN", "NULL", "NONE", "-"))
_ALLELE = re.compile(r"[ACGTN]+|-")
OLD_BUILDS = frozenset(("36", "hg18", "ncbi36", "grch36", "ncbi 36"))


# -- the genome build ---------------------------------------------------------------------------
def build_name(value: str, builds: Mapping[str, BuildRules], where: str) -> str | None:
    """The rules' build an NCBI_Build cell names ('GRCh37', '37', 'hg19', 'GRCh38', '38', ...);
    None for an empty or NA cell; an InputError for NCBI36/hg18 or an unknown name."""
    v = value.strip()
    if v.upper() in MISSING:
        return None
    found = build_named(v, builds)
    if found is not None:
        return found
    if v.lower() in OLD_BUILDS:
        raise InputError(f"{where}: NCBI_Build {shown(v)} is NCBI36/hg18, which her2var does not read "
                         "(lift the MAF over to GRCh37 or GRCh38)")
    raise InputError(f"{where}: NCBI_Build {shown(v)} is not a genome build her2var knows "
                     f"(expected {', '.join(builds)}, 37, 38, hg19 or hg38); give --build if the file is right")


def maf_build(path: str, first: tuple[str, int] | None, builds: Mapping[str, BuildRules],
              override: str | None) -> tuple[str, str]:
    """(build, how it was decided) from the first NCBI_Build value (and its line) and --build.

    --build wins over NCBI_Build (vcf2maf writes GRCh37 unless told otherwise, whatever the
    VCF's build), with a warning when they differ; the rows' reference bases and positions are
    then checked against the build used (classify.from_maf)."""
    if override is not None and override not in builds:
        raise UsageError(f"--build {shown(override, bare=True)}: unknown build (expected one of {', '.join(builds)})")
    said = build_name(first[0], builds, f"{path}:{first[1]}") if first else None
    if override is not None:
        if first is not None and said is not None and said != override:
            log.warning("%s: --build %s overrides NCBI_Build %s (line %d)", path, override, first[0], first[1])
            return override, f"--build (NCBI_Build {shown(first[0], bare=True)} on line {first[1]} overridden)"
        return override, "--build" + (" (agrees with NCBI_Build)" if said else "")
    if said is None:
        raise InputError(f"{path}: cannot tell the genome build: no NCBI_Build column or value; "
                         "give --build GRCh37 or --build GRCh38")
    assert first is not None
    return said, f"NCBI_Build {shown(first[0], bare=True)} (line {first[1]})"


def check_one_build(path: str, values: Mapping[str, int], builds: Mapping[str, BuildRules]) -> None:
    """Every NCBI_Build value of the file (value -> first line) names the same build."""
    seen: dict[str, tuple[str, int]] = {}
    for value, line in values.items():
        b = build_name(value, builds, f"{path}:{line}")
        if b is not None:
            seen.setdefault(b, (value, line))
    if len(seen) > 1:
        detail = "; ".join(f"{shown(v, bare=True)} on line {n}" for v, n in sorted(seen.values(), key=lambda x: x[1]))
        raise InputError(f"{path}: NCBI_Build names more than one genome build ({detail}); one MAF, one build")


# -- alleles and positions ----------------------------------------------------------------------
def alleles(row: MafRow) -> tuple[str, str]:
    """(Reference_Allele, the tumour's allele) upper-cased: Tumor_Seq_Allele2, or Allele1 when
    Allele2 is the reference (or missing) and Allele1 differs."""
    ref = row.get("reference_allele").upper()
    a2 = row.get("tumor_seq_allele2").upper()
    a1 = row.get("tumor_seq_allele1").upper()
    if a2 and a2 != ref:
        return ref, a2
    if a1 and a1 not in (".", ref) and a1 != "NA":
        if not _ALLELE.fullmatch(a1):
            raise InputError(f"{row.where}: {row.column('tumor_seq_allele1')} {shown(a1)} is not an allele "
                             "(expected bases A, C, G, T or N, or '-' for none)")
        return ref, a1
    return ref, a2 or ref


def vcf_form(row: MafRow, ref: str, alt: str, base_at: Callable[[int], str | None]) -> tuple[int, str, str]:
    """(pos, REF, ALT) as a VCF writes the row's event: indels get the base before them from
    ``base_at`` (a genomic position -> base; 'N' when it is unknown there)."""
    start, end = row.start, row.end
    if ref == "-" and alt == "-":
        raise InputError(f"{row.where}: {row.column('reference_allele')} and the tumour allele are both '-'")
    if ref == "-":  # insertion between `before` and the next base
        if end is None or end in (start, start + 1):
            before = start
        elif end == start - 1:
            before = end  # VEP's convention: start = end + 1
        else:
            raise InputError(f"{row.where}: an insertion ({row.column('reference_allele')} '-') must have "
                             f"End_Position = Start_Position + 1; found {start} to {end}")
        pad = base_at(before) or "N"
        return before, pad, pad + alt
    if end is not None and end != start + len(ref) - 1:
        raise InputError(f"{row.where}: End_Position {end} does not fit Start_Position {start} and the "
                         f"{len(ref)}-base {row.column('reference_allele')} (expected {start + len(ref) - 1})")
    if alt == "-":  # deletion of `ref` from `start`
        pad = base_at(start - 1) or "N"
        return start - 1, pad + ref, pad
    return start, ref, alt


# -- read support, filters, status --------------------------------------------------------------
def _count(row: MafRow, name: str) -> int | None:
    raw = row.get(name)
    if raw.upper() in MISSING:
        return None
    n = plain_int(raw)
    if n is None:
        try:
            f = float(raw)
        except ValueError:
            f = -1.0
        if f >= 0 and f.is_integer():  # '12.0' from a data frame with NA in the column
            n = int(f)
    if n is None:
        raise InputError(f"{row.where}: {row.column(name)} {shown(raw)} is not a read count "
                         "(expected a whole number, or empty / NA / '.' when unknown)")
    return n


def read_support(row: MafRow) -> Support:
    """The tumour's read support from t_depth, t_ref_count and t_alt_count. A depth of 0 (and
    counts that are all 0) mean "not recorded", as some studies write it; depth is t_depth, else
    t_ref_count + t_alt_count; more alt reads than depth is an error (shifted columns?)."""
    depth, ref_n, alt_n = _count(row, "t_depth"), _count(row, "t_ref_count"), _count(row, "t_alt_count")
    if depth == 0:
        depth = None
    if not ref_n and not alt_n and depth is None:
        ref_n = alt_n = None
    method = "t_alt_count/t_depth"
    if depth is None and ref_n is not None and alt_n is not None:
        depth, method = ref_n + alt_n, "t_alt_count/(t_ref_count+t_alt_count)"
    if depth is not None and alt_n is not None and alt_n > depth:
        raise InputError(f"{row.where}: t_alt_count {alt_n} is more than the depth {depth} "
                         f"({'t_depth' if method.endswith('t_depth') else 't_ref_count + t_alt_count'}); "
                         "are the columns shifted?")
    if alt_n is None:
        return Support(depth=depth, alt_reads=None, vaf=None, method="none" if depth is None else "t_depth")
    if depth is None:
        return Support(depth=None, alt_reads=alt_n, vaf=None, method="t_alt_count")
    return Support(depth=depth, alt_reads=alt_n, vaf=alt_n / depth if depth else None, method=method)


def filters(row: MafRow) -> list[str]:
    """The FILTER cell as a VCF FILTER list ([] for '.', empty or no column; vcf2maf joins with
    ';', MC3 with ',')."""
    raw = row.get("filter")
    if raw.upper() in MISSING:
        return []
    return [f.strip() for f in re.split(r"[;,]", raw) if f.strip()]


NOT_A_MUTATION = frozenset(("loh", "wildtype", "wild_type", "none"))  # cBioPortal does not load these


def mutation_status(row: MafRow) -> str:
    """Mutation_Status, lower case ('' when absent)."""
    return row.get("mutation_status").lower()


PLACEHOLDER_NORMALS = frozenset(("", ".", "NA", "NORMAL", "NONE", "N/A"))


def has_matched_normal(row: MafRow) -> bool:
    """Whether the row shows a matched normal: a normal barcode that is not vcf2maf's default
    'NORMAL' or a placeholder, or normal reads counted."""
    if row.get("matched_norm_sample_barcode").upper() not in PLACEHOLDER_NORMALS:
        return True
    for name in ("n_depth", "n_ref_count", "n_alt_count"):
        raw = row.get(name)
        if raw.upper() not in MISSING and (plain_int(raw) or 0) > 0:
            return True
    return False
