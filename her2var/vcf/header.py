"""The VCF header: ## meta lines, INFO/FORMAT/contig declarations and the #CHROM line, checked."""

from __future__ import annotations

import re
from collections import Counter

from .. import limits
from ..errors import InputError, plain_int, shown, unsafe_for_terminal
from ..models import FieldDef, VcfHeader

_STRUCTURED = re.compile(r"^<(.*)>$", re.S)


def _parse_structured(text: str) -> dict[str, str] | None:
    """Parse ``<ID=x,Number=1,Description="a, b">`` into a dict; None when not structured."""
    m = _STRUCTURED.match(text.strip())
    if not m:
        return None
    body = m.group(1)
    out: dict[str, str] = {}
    i, n = 0, len(body)
    while i < n:
        eq = body.find("=", i)
        if eq < 0:
            break
        key = body[i:eq].strip()
        j = eq + 1
        if j < n and body[j] == '"':
            j += 1
            buf = []
            while j < n and body[j] != '"':
                if body[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(body[j])
                j += 1
            value = "".join(buf)
            j += 1  # closing quote
            comma = body.find(",", j)
            i = n if comma < 0 else comma + 1
        elif j < n and body[j] == "<":
            # A nested list (TCGA's ##SAMPLE ``Genomes=<Germline,Tumor>``, ``softwareName=<...>``)
            # is one value, commas and all.
            depth, k = 0, j
            while k < n:
                depth += {"<": 1, ">": -1}.get(body[k], 0)
                k += 1
                if depth == 0:
                    break
            value = body[j:k]
            comma = body.find(",", k)
            i = n if comma < 0 else comma + 1
        else:
            comma = body.find(",", j)
            end = n if comma < 0 else comma
            value = body[j:end]
            i = end + 1
        out[key] = value
    return out


def structured_lines(header: VcfHeader, key: str) -> list[dict[str, str]]:
    """The ``##key=<...>`` lines of a header as dicts, in file order (``##SAMPLE``, ``##PEDIGREE``).

    Lines that are not ``<...>`` structured are left out: they carry no fields to read.
    """
    out = []
    for value in header.meta.get(key, []):
        fields = _parse_structured(value)
        if fields is not None:
            out.append(fields)
    return out


def parse_header_lines(lines: list[str], path: str) -> VcfHeader:
    """Build a VcfHeader from the header lines (## lines and the #CHROM line)."""
    if not lines or not lines[0].startswith("##fileformat=VCF"):
        first = shown(lines[0] if lines else "")
        raise InputError(
            f"{path}:1: not a VCF file: expected '##fileformat=VCFv4.x' as the first line, "
            f"found {first}"
        )
    fileformat = lines[0].split("=", 1)[1].strip()
    meta: dict[str, list[str]] = {}
    info: dict[str, FieldDef] = {}
    fmt: dict[str, FieldDef] = {}
    contigs: dict[str, int | None] = {}
    samples: list[str] | None = None
    for lineno, line in enumerate(lines, start=1):
        if line.startswith("#CHROM"):
            cols = line.split("\t")
            expected = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
            if cols[:8] != expected:
                raise InputError(
                    f"{path}:{lineno}: malformed #CHROM line: expected tab-separated "
                    f"{' '.join(expected)}, found {shown(' | '.join(cols[:8]))}"
                )
            if len(cols) > 8 and cols[8] != "FORMAT":
                raise InputError(f"{path}:{lineno}: column 9 of the #CHROM line must be FORMAT")
            samples = cols[9:]
            most = limits.current().max_vcf_samples
            if len(samples) > most:
                raise InputError(f"{path}:{lineno}: {len(samples):,} sample columns, more than {most:,} "
                                 f"{limits.exceeded('max_vcf_samples')}")
            empty = [i for i, s in enumerate(samples, 10) if not s.strip()]
            if empty:
                raise InputError(f"{path}:{lineno}: column {empty[0]} of the #CHROM line has no sample name "
                                 "(an empty name, or two tabs in a row); every sample column needs its name")
            odd = [i for i, s in enumerate(samples, 10) if unsafe_for_terminal(s)]
            if odd:
                # a NUL, an escape sequence or a bidi override in a name is no lab's sample name; it
                # would reach every table, message and terminal the name goes to
                raise InputError(f"{path}:{lineno}: column {odd[0]} of the #CHROM line, sample name "
                                 f"{shown(samples[odd[0] - 10])}, holds a control or text-direction character; "
                                 "rename the sample (letters, digits and punctuation)")
            counts = Counter(samples)  # one pass: a header of 10,000 samples is checked at once
            dupes = sorted(s for s, n in counts.items() if n > 1)
            if dupes:
                raise InputError(
                    f"{path}:{lineno}: duplicate sample names in the #CHROM line: {shown(', '.join(dupes), bare=True)}"
                )
            continue
        if not line.startswith("##"):
            raise InputError(f"{path}:{lineno}: expected a '##' header line or the #CHROM line")
        key, sep, value = line[2:].partition("=")
        if not sep:
            continue  # '##' comment lines without '=' are tolerated
        meta.setdefault(key, []).append(value)
        if key in ("INFO", "FORMAT", "contig"):
            fields = _parse_structured(value)
            if fields is None or "ID" not in fields:
                raise InputError(f"{path}:{lineno}: malformed ##{key} line: expected <ID=...,...>")
            if key == "contig":
                length = fields.get("length")
                contigs[fields["ID"]] = plain_int(length) if length else None
            else:
                fd = FieldDef(
                    id=fields["ID"],
                    number=fields.get("Number", "."),
                    type=fields.get("Type", "String"),
                    description=fields.get("Description", ""),
                )
                # A field declared twice (Ion declares FR twice) keeps its first declaration.
                (info if key == "INFO" else fmt).setdefault(fd.id, fd)
    if samples is None:
        raise InputError(f"{path}: no '#CHROM' header line: the file is truncated or not a VCF")
    return VcfHeader(
        path=path, fileformat=fileformat, meta=meta, info=info, format=fmt,
        contigs=contigs, samples=samples, n_lines=len(lines),
    )
