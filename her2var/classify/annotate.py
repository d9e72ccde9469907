"""`classify --annotate-vcf`: the input VCF written back with her2var's names as INFO tags.

A bgzipped output (``.gz``, ``.bgz``) gets its tabix index (``.tbi``) beside it, so bcftools, IGV
and her2var itself can jump to a region; records that are not sorted by position cannot be
indexed, and the output is then written without one (a warning says so).
"""

from __future__ import annotations

import contextlib
import logging
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

log = logging.getLogger(__name__)

# VCF 4.3 section 1.2: characters with a meaning in an INFO value are percent-encoded (%3A ...);
# also spaces, '|' (HER2_SAMPLES' own separator) and every control character.
_INFO_SPECIAL = frozenset(":;=%,| ")


def info_text(value: str) -> str:
    """``value`` as one INFO value (a sample name may hold anything the VCF header allows)."""
    return "".join(f"%{ord(ch):02X}" if ch in _INFO_SPECIAL or _control(ch) else ch for ch in value)


def _control(ch: str) -> bool:
    o = ord(ch)
    return o < 0x20 or 0x7F <= o < 0xA0


def _header_text(value: str) -> str:
    """``value`` on one header line: '%' and control characters (a line end would end the line,
    a file name may hold one) percent-encoded."""
    return "".join(f"%{ord(ch):02X}" if ch == "%" or _control(ch) else ch for ch in value)


def _header_lines() -> list[str]:
    lines = [f'##INFO=<ID={i},Number={n},Type={t},Description="{d}">' for i, n, t, d in TAGS]
    lines.append(f"##her2var_version={__version__}")
    lines.append("##her2var_command=" + _header_text(" ".join(shlex.quote(a) for a in sys.argv)))
    return lines


def annotate_vcf(path: str, results: list[SampleResult], out: str) -> int:
    """Write ``path`` to ``out`` with HER2_* INFO tags on the alleles that were reported.

    Returns the number of records that received tags. ``out`` ending in .gz (.bgz) is bgzipped and
    indexed (``out.tbi``) when its records are sorted.
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
    if compress:  # an index of the earlier output must never sit beside the new one
        for ext in (".tbi", ".csi"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(out + ext)
    with atomic_path(out) as tmp:
        # bgzip needs the plain text in a file first: a second temporary beside the first
        plain = tmp + ".plain" if compress else tmp
        try:
            with open(plain, "w", encoding="utf-8", newline="") as fh:
                tagged, in_order = _write_annotated(reader, by_allele, fh)
            if compress:
                import pysam

                try:
                    pysam.tabix_compress(plain, tmp, force=True)
                except ValueError as exc:
                    raise InputError(f"{out}: writing failed ({exc})") from exc
        finally:
            if compress and os.path.exists(plain):
                os.unlink(plain)
    if compress:
        if in_order:
            _tabix(out)
        else:
            log.warning("%s: written without an index: its records are not sorted by position (as in %s); "
                        "sort it (bcftools sort) to index it", out, path)
    return tagged


def _tabix(path: str) -> None:
    """``path``.tbi, built beside it under a temporary name and renamed into place."""
    import pysam

    with atomic_path(path + ".tbi") as tmp:
        try:
            pysam.tabix_index(path, preset="vcf", force=True, keep_original=True, index=tmp)
        except ValueError as exc:
            raise InputError(f"{path}.tbi: indexing the annotated VCF failed ({exc})") from exc


def _write_annotated(reader: VcfReader, by_allele: dict[tuple[str, int, str, str], list],
                     fh: IO[str]) -> tuple[int, bool]:
    """The input's lines with the HER2_* header lines and tags; returns the records tagged and whether
    the records are sorted (each contig's in one run, positions not decreasing), as an index needs."""
    tagged = 0
    in_order, contig, last = True, None, 0
    done: set[str | None] = set()
    for kind, line in reader.raw_lines():
        if kind == "header":
            if line.startswith("#CHROM"):
                for extra in _header_lines():
                    fh.write(extra + "\n")
            fh.write(line + "\n")
            continue
        cols = line.split("\t")
        pos = int(cols[1])
        if cols[0] != contig:
            done.add(contig)
            in_order = in_order and cols[0] not in done
            contig, last = cols[0], pos
        in_order = in_order and pos >= last
        last = pos
        alts = cols[4].split(",")
        calls = [by_allele.get((cols[0], int(cols[1]), cols[3].upper(), a), []) for a in alts]
        if any(calls):
            tagged += 1
            tags = {
                "HER2_CLASS": [c[0].klass if c else "." for c in calls],
                "HER2_HGVSP": [info_text(c[0].hgvs_p or ".") if c else "." for c in calls],
                "HER2_HGVSC": [info_text(c[0].hgvs_c.split(":")[-1] or ".") if c else "." for c in calls],
                "HER2_SAMPLES": ["|".join(sorted({info_text(x.sample) for x in c})) if c else "." for c in calls],
            }
            extra = ";".join(f"{k}={','.join(v)}" for k, v in tags.items())
            cols[7] = extra if cols[7] in (".", "") else cols[7] + ";" + extra
        fh.write("\t".join(cols) + "\n")
    return tagged, in_order
