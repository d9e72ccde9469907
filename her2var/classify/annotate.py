"""`classify --annotate-vcf`: the input VCF written back with her2var's names as INFO tags."""

from __future__ import annotations

import os
import shlex
import sys
from typing import IO

from .. import __version__
from ..errors import InputError, UsageError
from ..files import atomic_path
from ..vcf.reader import VcfReader
from .result import SampleResult

TAGS = (
    ("HER2_CLASS", "A", "String", ("her2var class of each ALT allele (exon20_insertion, point_mutation, "
                                   "inframe_deletion, other; '.' not reported)")),
    ("HER2_HGVSP", "A", "String", "her2var canonical HGVS protein name on NP_004439.2 ('.' unknown or not reported)"),
    ("HER2_HGVSC", "A", "String", "her2var HGVS c. name on NM_004448.4 ('.' unknown or not reported)"),
    ("HER2_SAMPLES", "A", "String", "samples in which her2var reports the allele, joined by '|'"),
)


def _header_lines() -> list[str]:
    lines = [f'##INFO=<ID={i},Number={n},Type={t},Description="{d}">' for i, n, t, d in TAGS]
    lines.append(f"##her2var_version={__version__}")
    lines.append("##her2var_command=" + " ".join(shlex.quote(a) for a in sys.argv))
    return lines


def annotate_vcf(path: str, results: list[SampleResult], out: str) -> int:
    """Write ``path`` to ``out`` with HER2_* INFO tags on the alleles that were reported.

    Returns the number of records that received tags. ``out`` ending in .gz is bgzipped.
    """
    if os.path.abspath(out) == os.path.abspath(path):
        raise UsageError(f"--annotate-vcf {out}: would overwrite the input")
    by_allele: dict[tuple[str, int, str, str], list] = {}
    for r in results:
        if r.status != "ok":
            raise InputError(f"{path}: cannot annotate a file that failed: {r.error}")
        for c in r.calls:
            if c.source == "vcf" and c.pos is not None:
                by_allele.setdefault((c.chrom, c.pos, c.ref, c.alt), []).append(c)
    reader = VcfReader(path)
    compress = out.endswith((".gz", ".bgz"))
    with atomic_path(out) as tmp:
        # bgzip needs the plain text in a file first: a second temporary beside the first
        plain = tmp + ".plain" if compress else tmp
        try:
            with open(plain, "w", encoding="utf-8", newline="") as fh:
                tagged = _write_annotated(reader, by_allele, fh)
            if compress:
                import pysam

                try:
                    pysam.tabix_compress(plain, tmp, force=True)
                except ValueError as exc:
                    raise InputError(f"{out}: writing failed ({exc})") from exc
        finally:
            if compress and os.path.exists(plain):
                os.unlink(plain)
    return tagged


def _write_annotated(reader: VcfReader, by_allele: dict[tuple[str, int, str, str], list], fh: IO[str]) -> int:
    """The input's lines with the HER2_* header lines and tags; returns the records tagged."""
    tagged = 0
    for kind, line in reader.raw_lines():
        if kind == "header":
            if line.startswith("#CHROM"):
                for extra in _header_lines():
                    fh.write(extra + "\n")
            fh.write(line + "\n")
            continue
        cols = line.split("\t")
        alts = cols[4].split(",")
        calls = [by_allele.get((cols[0], int(cols[1]), cols[3].upper(), a), []) for a in alts]
        if any(calls):
            tagged += 1
            tags = {
                "HER2_CLASS": [c[0].klass if c else "." for c in calls],
                "HER2_HGVSP": [(c[0].hgvs_p or ".") if c else "." for c in calls],
                "HER2_HGVSC": [(c[0].hgvs_c.split(":")[-1] or ".") if c else "." for c in calls],
                "HER2_SAMPLES": ["|".join(sorted({x.sample for x in c})) if c else "." for c in calls],
            }
            extra = ";".join(f"{k}={','.join(v)}" for k, v in tags.items())
            cols[7] = extra if cols[7] in (".", "") else cols[7] + ";" + extra
        fh.write("\t".join(cols) + "\n")
    return tagged
