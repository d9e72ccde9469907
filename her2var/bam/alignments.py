"""Opening a BAM/CRAM: index, genome build from @SQ lengths, the read filters every stage uses.

A file that cannot be trusted (truncated, no index, another build, CRAM without its reference) is
an InputError naming the file and what was expected; nothing is guessed.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..contigs import contig_key, resolve_contig
from ..errors import InputError, UsageError, shown
from ..files import atomic_path, input_path
from ..rules.load import GeneBuild, Rules
from .index_check import (
    BinningIndex,
    check_bam_index,
    check_cram_index,
    locate_index,
    read_binning_index,
)

if TYPE_CHECKING:  # pysam is imported only when a file is opened
    import pysam

log = logging.getLogger(__name__)

# Reads that never count: unmapped, secondary, QC-failed, duplicate, supplementary.
FLAG_REASONS: tuple[tuple[int, str], ...] = (
    (0x4, "unmapped"), (0x100, "secondary"), (0x800, "supplementary"), (0x400, "duplicate"),
    (0x200, "qc_fail"),
)
READ_FILTER_FLAGS = 0x4 | 0x100 | 0x200 | 0x400 | 0x800


def filter_reason(flag: int) -> str:
    """The first reason a read with this flag is not counted ('' when it counts)."""
    for bit, name in FLAG_REASONS:
        if flag & bit:
            return name
    return ""


@contextlib.contextmanager
def quiet_htslib() -> Iterator[None]:
    """htslib prints its own warnings to stderr; her2var reports the error itself instead."""
    import pysam

    old = pysam.set_verbosity(0)
    try:
        yield
    finally:
        pysam.set_verbosity(old)


@dataclass
class Alignments:
    """An open BAM/CRAM with what was checked about it."""

    path: str
    handle: Any  # pysam.AlignmentFile
    kind: str  # "BAM" or "CRAM"
    build: str
    build_evidence: str
    chrom: str  # the file's own name of the index gene's chromosome ('17' or 'chr17')
    contigs: dict[str, int]
    sample: str
    notes: list[str] = field(default_factory=list)

    def resolve(self, name: str) -> str | None:
        """The file's name for contig `name` ('chr17' and '17' match)."""
        return resolve_contig(name, self.contigs)

    def close(self) -> None:
        # After a failed read htslib may also fail to close; the read error is what gets reported.
        try:
            self.handle.close()
        except OSError:
            pass

    def __enter__(self) -> Alignments:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open(path: str, reference: str | None, threads: int, index: str | None) -> pysam.AlignmentFile:
    import pysam

    kwargs: dict[str, Any] = {"threads": max(1, threads)}
    if reference:
        kwargs["reference_filename"] = reference
    if index:  # named explicitly so the index checked is the one htslib uses
        kwargs["index_filename"] = index
    with quiet_htslib():
        return pysam.AlignmentFile(path, "r", **kwargs)


def open_alignments(path: str, rules: Rules, *, build: str | None = None,
                    reference: str | None = None, build_index: bool = False,
                    threads: int = 1, what: str = "BAM") -> Alignments:
    """Open and check one BAM/CRAM: readable, indexed, on a known build that agrees with `build`.

    ``what`` names the file's role in messages (``--bam``, ``normal``).
    """
    if build is not None and build not in rules.builds:
        raise UsageError(f"--build {shown(build, bare=True)}: unknown build "
                         f"(expected one of {', '.join(rules.builds)})")
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file ({what})")
    if reference and not os.path.exists(reference):
        raise InputError(f"{reference}: no such file (--reference)")
    # read by seeking through an index: a pipe or a device (which would never end) is refused
    input_path(path, what=f"a BAM/CRAM file ({what})", random_access=True)
    if reference:
        input_path(reference, what="a reference FASTA (--reference)", random_access=True)
    is_cram = _looks_like_cram(path)
    if is_cram and not reference:
        raise InputError(
            f"{path}: a CRAM file needs its reference FASTA to be decoded; give --reference FASTA "
            "(the one it was written with)"
        )
    index = locate_index(path, is_cram)
    # Read before htslib sees it, so a damaged index is reported for what it is.
    binning = read_binning_index(index) if index and not is_cram else None
    try:
        handle = _open(path, reference if is_cram else None, threads, index)
    except (OSError, ValueError) as exc:
        if index is not None and _opens_without_index(path, reference if is_cram else None):
            raise InputError(f"{path}: its index {index} cannot be read ({exc}); re-index it "
                             f"('samtools index {path}')") from exc
        raise InputError(
            f"{path}: cannot be read as BAM/CRAM ({exc}); the file may be truncated or not an "
            "alignment file (expected a complete, coordinate-sorted BAM or CRAM)"
        ) from exc
    try:
        return _checked(path, handle, rules, build, reference, build_index, threads, what, is_cram,
                        index, binning)
    except BaseException:
        with contextlib.suppress(OSError):  # a failed read can make close fail too; report the read
            handle.close()
        raise


def _opens_without_index(path: str, reference: str | None) -> bool:
    try:
        _open(path, reference, 1, None).close()
    except (OSError, ValueError):
        return False
    return True


def _looks_like_cram(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"CRAM"
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _checked(path: str, handle: pysam.AlignmentFile, rules: Rules, build: str | None,
             reference: str | None, build_index: bool, threads: int, what: str,
             is_cram: bool, index: str | None, binning: BinningIndex | None) -> Alignments:
    header = handle.header.to_dict()
    contigs = {sq["SN"]: int(sq["LN"]) for sq in header.get("SQ", [])}
    if not contigs:
        raise InputError(f"{path}: the header has no @SQ lines; expected an aligned BAM/CRAM")
    so = header.get("HD", {}).get("SO")
    if so not in (None, "coordinate"):
        raise InputError(f"{path}: @HD SO:{shown(so, bare=True)}; expected a coordinate-sorted file (samtools sort)")
    gene_chrom = rules.index_gene.builds[next(iter(rules.index_gene.builds))].chrom
    found_build, evidence, chrom = detect_alignment_build(path, contigs, rules, gene_chrom)
    if build is not None and build != found_build:
        raise InputError(
            f"{path}: the {what} is on {found_build} ({evidence}), but {build} was expected "
            "(is the file from another build? re-align it, or give the matching --build/panel)"
        )
    if not handle.has_index():
        if not build_index:
            raise InputError(
                f"{path}: no index ({'.crai' if is_cram else '.bai/.csi'}) next to the file; "
                f"run 'samtools index {path}' (or ask her2var to build it with --index)"
            )
        handle.close()
        index = make_index(path)
        try:
            handle = _open(path, reference if is_cram else None, threads, index)
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: cannot be read after indexing ({exc})") from exc
    elif index is not None:
        _check_index(path, handle, index, binning, rules.index_gene.builds[found_build], chrom)
    samples = sorted({rg["SM"] for rg in header.get("RG", []) if rg.get("SM")})
    notes = []
    if len(samples) > 1:
        notes.append(f"read groups name {len(samples)} samples ({shown(', '.join(samples), bare=True)}); "
                     "all reads counted")
    name = samples[0] if len(samples) == 1 else _basename(path)
    return Alignments(path=path, handle=handle, kind="CRAM" if is_cram else "BAM",
                      build=found_build, build_evidence=evidence, chrom=chrom, contigs=contigs,
                      sample=name, notes=notes)


def _basename(path: str) -> str:
    name = os.path.basename(path)
    for ext in (".bam", ".cram", ".sam"):
        name = name.removesuffix(ext)
    return name


def detect_alignment_build(path: str, contigs: dict[str, int], rules: Rules,
                           gene_chrom: str) -> tuple[str, str, str]:
    """(build, evidence, file's name of gene_chrom) from @SQ lengths; contradictions are errors."""
    found: list[tuple[str, str]] = []
    for name, length in contigs.items():
        for b in rules.builds.values():
            if b.contig_lengths.get(contig_key(name)) == length:
                found.append((b.name, f"@SQ {name} LN:{length}"))
    builds = sorted({b for b, _ in found})
    chrom = resolve_contig(gene_chrom, contigs)
    if chrom is None:
        raise InputError(
            f"{path}: no chromosome {gene_chrom} (or chr{gene_chrom}) in the @SQ lines; "
            "expected a whole-genome GRCh37/GRCh38 alignment"
        )
    if len(builds) > 1:
        detail = "; ".join(f"{e} says {b}" for b, e in found)
        raise InputError(f"{path}: the @SQ lengths contradict each other about the build: {detail}")
    if not builds:
        known = ", ".join(f"{b.name} {b.contig_lengths.get(gene_chrom)}" for b in rules.builds.values())
        raise InputError(
            f"{path}: @SQ {chrom} is {contigs[chrom]} bp, which is no known build ({known}); "
            "expected a GRCh37 or GRCh38 alignment"
        )
    if not any(e.startswith(f"@SQ {chrom} ") for _, e in found):
        raise InputError(
            f"{path}: @SQ {chrom} is {contigs[chrom]} bp, which is not {builds[0]} "
            f"({rules.builds[builds[0]].contig_lengths.get(gene_chrom)} bp) although other "
            "contigs are; the header is inconsistent"
        )
    return builds[0], next(e for _, e in found if e.startswith(f"@SQ {chrom} ")), chrom


def make_index(path: str) -> str:
    """Build the index next to the file, atomically (temporary name, then rename)."""
    import pysam

    final = path + (".crai" if _looks_like_cram(path) else ".bai")
    with atomic_path(final) as tmp:  # the temporary's name ends in .bai/.crai too
        try:
            with quiet_htslib():
                pysam.index("-o", tmp, path)
        except (pysam.SamtoolsError, OSError) as exc:
            raise InputError(
                f"{path}: indexing failed ({shown(str(exc).strip(), 200, bare=True)}); is it coordinate-sorted and "
                "complete?"
            ) from exc
    log.info("%s: index written to %s", path, final)
    return final


def _check_index(path: str, handle: pysam.AlignmentFile, index: str, binning: BinningIndex | None,
                 gene: GeneBuild, chrom: str) -> None:
    """The index must describe this file (an index of another file silently loses reads)."""
    if binning is None:
        check_cram_index(path, index, handle.nreferences)
        return
    span = (min(s for s, _ in gene.exons) - 1, max(e for _, e in gene.exons))
    with quiet_htslib():
        check_bam_index(handle, path, index, binning, handle.get_tid(chrom), span)
