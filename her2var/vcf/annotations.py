"""Annotations already written into a VCF: VEP ``CSQ``, SnpEff ``ANN`` and Ion Reporter ``FUNC``.

They are a cross-check, never the truth (annotators have flipped between ins and dup across
releases), so everything is kept as written and each entry remembers its raw text. Field names
come from the header, never from fixed column positions (VEP and SnpEff both reorder them between releases).
Ion's ``FUNC`` is a Python-looking literal; it is read here as data by a small bounded parser,
never evaluated (``parse_func``, also the reader of FUNC on Ion copy-number records).
"""

# No `from __future__ import annotations` here: it binds the module name `annotations`, which is
# this module's public function (the checkers then see a _Feature where callers expect a function).
import logging
import re
from dataclasses import dataclass
from urllib.parse import unquote

from ..errors import InputError, plain_int, shown
from ..models import Record, VcfHeader

log = logging.getLogger(__name__)

__all__ = ["Annotation", "annotations", "pick_transcript", "protein_to_one_letter"]

# Real FUNC values are a few kB (one dict per transcript, a list nested in a dict at most).
# Anything far beyond that is not an annotation; refuse it before parsing.
MAX_FUNC_CHARS = 50_000
MAX_FUNC_NESTING = 8

# SnpEff's documented ANN layout, used only when the header does not list the names.
_SNPEFF_DEFAULT = (
    "Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID", "Feature_Type",
    "Feature_ID", "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p", "cDNA.pos / cDNA.length",
    "CDS.pos / CDS.length", "AA.pos / AA.length", "Distance", "ERRORS / WARNINGS / INFO",
)


@dataclass(frozen=True)
class Annotation:
    """One transcript-level annotation of one ALT allele, as the annotator wrote it."""

    source: str  # "VEP", "SnpEff" or "Ion"
    allele: str  # the allele as the annotator wrote it ('-' for a VEP deletion)
    gene: str
    transcript: str
    consequence: str  # several terms joined by '&', as written
    hgvs_c: str  # without the "transcript:" prefix
    hgvs_p: str  # without the "protein:" prefix, '%3D' decoded to '='
    raw: str  # the entry's own text


def annotations(header: VcfHeader, record: Record, allele: str) -> list[Annotation]:
    """All VEP, SnpEff and Ion annotations of ``allele`` (an ALT of ``record``), in that order."""
    out: list[Annotation] = []
    if record.info.get("CSQ"):
        out.extend(_vep(header, record, allele))
    if record.info.get("ANN"):
        out.extend(_snpeff(header, record, allele))
    if record.info.get("FUNC"):
        out.extend(_ion(record, allele))
    return out


# -- VEP ----------------------------------------------------------------------------------------
def _vep_names(header: VcfHeader, record: Record) -> list[str]:
    fd = header.info.get("CSQ")
    desc = fd.description if fd else ""
    m = re.search(r"Format:\s*(.+)$", desc, re.I | re.S)
    if not m:
        raise InputError(
            f"{record.where}: INFO/CSQ is used but its ##INFO header has no 'Format: Allele|...' "
            "list in the Description; the field names cannot be known (re-run VEP with --vcf)"
        )
    return [n.strip().strip("'\"") for n in m.group(1).strip().split("|")]


def _symbolic(allele: str) -> bool:
    return allele.startswith("<") or "[" in allele or "]" in allele or allele in (".", "*")


def _vep_default_forms(record: Record) -> list[str]:
    """ALT alleles as VEP writes them by default: a shared first base of indels is dropped."""
    alts = record.alts
    seqs = [record.ref] + [a for a in alts if not _symbolic(a)]
    is_indel = any(len(a) != len(record.ref) for a in alts if not _symbolic(a))
    if not is_indel or len({s[:1] for s in seqs}) != 1:
        return list(alts)
    return [a if _symbolic(a) else (a[1:] or "-") for a in alts]


def _vep_minimal_forms(record: Record) -> list[str]:
    """ALT alleles as VEP --minimal writes them: shared prefix and suffix trimmed per allele."""
    out = []
    for alt in record.alts:
        if _symbolic(alt):
            out.append(alt)
            continue
        ref, a = record.ref, alt
        while ref and a and ref[0] == a[0]:
            ref, a = ref[1:], a[1:]
        while ref and a and ref[-1] == a[-1]:
            ref, a = ref[:-1], a[:-1]
        out.append(a or "-")
    return out


def _vep(header: VcfHeader, record: Record, allele: str) -> list[Annotation]:
    names = _vep_names(header, record)
    col = {n: i for i, n in enumerate(names)}
    if "Allele" not in col:
        raise InputError(f"{record.where}: the CSQ Format list has no 'Allele' field")
    entries = [_split_entry(e, names, record, "CSQ") for e in (record.info["CSQ"] or "").split(",") if e]
    written = {e[col["Allele"]] for e in entries}
    index = record.alts.index(allele) + 1 if allele in record.alts else None

    def get(entry: list[str], *keys: str) -> str:
        for key in keys:
            if key in col and entry[col[key]]:
                return entry[col[key]]
        return ""

    # Which allele spelling did this VEP run use? Pick the convention that explains every entry.
    forms = _vep_default_forms(record)
    if not written <= set(forms):
        for candidate in (_vep_minimal_forms(record), list(record.alts)):
            if written <= set(candidate):
                forms = candidate
                break
        else:
            log.debug("%s: CSQ alleles %s match no known VEP spelling", record.where, shown(sorted(written)))
    wanted = forms[index - 1] if index is not None else allele

    out = []
    for entry in entries:
        num = get(entry, "ALLELE_NUM")
        if plain_int(num) is not None and index is not None:
            # --allele_number is unambiguous whatever the spelling.
            if int(num) != index:
                continue
        elif entry[col["Allele"]] != wanted:
            continue
        out.append(Annotation(
            source="VEP",
            allele=entry[col["Allele"]],
            gene=get(entry, "SYMBOL", "Gene"),
            transcript=get(entry, "Feature"),
            consequence=get(entry, "Consequence"),
            hgvs_c=_after_colon(unquote(get(entry, "HGVSc"))),
            hgvs_p=_after_colon(unquote(get(entry, "HGVSp"))),
            raw="|".join(entry),
        ))
    return out


# -- SnpEff -------------------------------------------------------------------------------------
def _snpeff_names(header: VcfHeader) -> list[str]:
    fd = header.info.get("ANN")
    desc = fd.description if fd else ""
    m = re.search(r"'([^']*\|[^']*)'", desc)
    if not m:
        return list(_SNPEFF_DEFAULT)
    return [n.strip() for n in m.group(1).split("|")]


def _snpeff(header: VcfHeader, record: Record, allele: str) -> list[Annotation]:
    names = _snpeff_names(header)
    col = {n: i for i, n in enumerate(names)}

    def get(entry: list[str], key: str) -> str:
        return entry[col[key]] if key in col else ""

    out = []
    for text in (record.info["ANN"] or "").split(","):
        if not text:
            continue
        entry = _split_entry(text, names, record, "ANN")
        # Cancer mode writes "ALT-REF" entries comparing tumour with normal; they are not this allele.
        if get(entry, "Allele") != allele:
            continue
        out.append(Annotation(
            source="SnpEff",
            allele=get(entry, "Allele"),
            gene=get(entry, "Gene_Name"),
            transcript=get(entry, "Feature_ID"),
            consequence=get(entry, "Annotation"),
            hgvs_c=_after_colon(unquote(get(entry, "HGVS.c"))),
            hgvs_p=_after_colon(unquote(get(entry, "HGVS.p"))),
            raw=text,
        ))
    return out


def _split_entry(text: str, names: list[str], record: Record, key: str) -> list[str]:
    fields = text.split("|")
    if len(fields) > len(names):
        raise InputError(
            f"{record.where}: an INFO/{key} entry has {len(fields)} '|'-separated fields but the "
            f"header names {len(names)}; the header and the records come from different runs"
        )
    # Trailing empty fields are sometimes dropped; pad rather than guess positions.
    return fields + [""] * (len(names) - len(fields))


def _after_colon(value: str) -> str:
    """'ENSP00000269571.5:p.Tyr772_Ala775dup' -> 'p.Tyr772_Ala775dup'."""
    return value.split(":", 1)[1] if ":" in value else value


# -- Ion Reporter FUNC ----------------------------------------------------------------------------
class _FuncParser:
    """A bounded reader of FUNC's literal: lists, dicts, quoted strings and bare scalars.

    Scalars stay strings. Nesting and length are capped so hostile input fails fast.
    """

    def __init__(self, text: str, where: str) -> None:
        self.s = text
        self.i = 0
        self.where = where
        self.spans: list[tuple[int, int]] = []  # spans of the top-level dicts
        self.top_is_list = False

    def fail(self, what: str) -> InputError:
        return InputError(
            f"{self.where}: INFO/FUNC is not a readable annotation list: {what} at character "
            f"{self.i} (expected [{{'gene':'...', ...}}, ...])"
        )

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \t":
            self.i += 1

    def parse(self) -> object:
        self.ws()
        self.top_is_list = self.s[self.i:self.i + 1] == "["
        value = self.value(0)
        self.ws()
        if self.i != len(self.s):
            raise self.fail("unexpected text after the end of the list")
        return value

    def value(self, depth: int) -> object:
        self.ws()
        if self.i >= len(self.s):
            raise self.fail("unexpected end")
        c = self.s[self.i]
        if c in "[{":
            if depth >= MAX_FUNC_NESTING:
                raise self.fail(f"nesting deeper than {MAX_FUNC_NESTING} levels")
            return self.container(depth + 1)
        if c in "'\"":
            return self.string()
        return self.scalar()

    def container(self, depth: int) -> object:
        opener = self.s[self.i]
        closer = "]" if opener == "[" else "}"
        start = self.i
        self.i += 1
        items: list[object] = []
        pairs: dict[str, object] = {}
        while True:
            self.ws()
            if self.i >= len(self.s):
                raise self.fail(f"'{opener}' is never closed")
            if self.s[self.i] == closer:
                self.i += 1
                break
            if opener == "{":
                self.ws()
                if self.i < len(self.s) and self.s[self.i] in "'\"":
                    key = self.string()
                else:
                    key = self.scalar()
                self.ws()
                if self.i >= len(self.s) or self.s[self.i] != ":":
                    raise self.fail("expected ':' after a key")
                self.i += 1
                pairs[key] = self.value(depth)
            else:
                items.append(self.value(depth))
            self.ws()
            if self.i < len(self.s) and self.s[self.i] == ",":
                self.i += 1
            elif self.i < len(self.s) and self.s[self.i] != closer:
                raise self.fail(f"expected ',' or '{closer}'")
        # Remember where each annotation dict sits, to keep its raw text.
        if opener == "{" and (depth == 1 or (depth == 2 and self.top_is_list)):
            self.spans.append((start, self.i))
        return items if opener == "[" else pairs

    def string(self) -> str:
        quote = self.s[self.i]
        self.i += 1
        buf: list[str] = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "\\" and self.i + 1 < len(self.s):
                buf.append(self.s[self.i + 1])
                self.i += 2
                continue
            if c == quote:
                self.i += 1
                return "".join(buf)
            buf.append(c)
            self.i += 1
        raise self.fail("a quoted string is never closed")

    def scalar(self) -> str:
        start = self.i
        while self.i < len(self.s) and self.s[self.i] not in ",:]}[{'\" \t":
            self.i += 1
        if self.i == start:
            raise self.fail(f"unexpected {shown(self.s[self.i])}")
        return self.s[start:self.i]


def parse_func(text: str, where: str) -> list[tuple[dict[str, object], str]]:
    """Parse an Ion FUNC value into (dict, raw text of that dict) pairs."""
    if len(text) > MAX_FUNC_CHARS:
        raise InputError(
            f"{where}: INFO/FUNC is {len(text)} characters long, more than the {MAX_FUNC_CHARS} "
            "an Ion Reporter annotation can plausibly hold; the file is damaged or not from Ion"
        )
    parser = _FuncParser(text, where)
    value = parser.parse()
    items = value if isinstance(value, list) else [value]
    dicts = [d for d in items if isinstance(d, dict)]
    raws = [text[a:b] for a, b in parser.spans]
    if len(raws) != len(dicts):
        raws = [str(d) for d in dicts]
    return list(zip(dicts, raws, strict=True))


def _text(value: object) -> str:
    if isinstance(value, list):
        return "&".join(_text(v) for v in value)
    return value if isinstance(value, str) else ""


def _ion(record: Record, allele: str) -> list[Annotation]:
    out = []
    single = len(record.alts) == 1
    for d, raw in parse_func(record.info["FUNC"] or "", record.where):
        written = _text(d.get("origAlt")) or _text(d.get("normalizedAlt"))
        if written:
            if written != allele:
                continue
        elif not (single and allele in record.alts):
            # Without origAlt a dict on a multi-allelic row could belong to any allele.
            continue
        out.append(Annotation(
            source="Ion",
            allele=written or allele,
            gene=_text(d.get("gene")),
            transcript=_text(d.get("transcript")),
            consequence=_text(d.get("function")),
            hgvs_c=_text(d.get("coding")),
            hgvs_p=_text(d.get("protein")),
            raw=raw,
        ))
    return out


# -- choosing and naming ----------------------------------------------------------------------
def _base_id(transcript: str) -> str:
    return transcript.split(".", 1)[0].upper()


def pick_transcript(anns: list[Annotation], gene: str, transcripts: tuple[str, ...]) -> Annotation | None:
    """The annotation on the first preferred transcript (any version), else the first for ``gene``."""
    for wanted in transcripts:
        base = _base_id(wanted)
        for ann in anns:
            if ann.transcript and _base_id(ann.transcript) == base:
                return ann
    for ann in anns:
        if ann.gene.upper() == gene.upper():
            return ann
    return None


_THREE_TO_ONE = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*",
    "Sec": "U", "Pyl": "O", "Xaa": "X", "Asx": "B", "Glx": "Z", "Xle": "J",
}
_THREE = re.compile("|".join(_THREE_TO_ONE))


def protein_to_one_letter(hgvs_p: str) -> str:
    """'p.Tyr772_Ala775dup' -> 'p.Y772_A775dup'; drops the predicted-change parentheses."""
    text = unquote(hgvs_p.strip())
    text = _after_colon(text) if not text.startswith("p.") else text
    if text.startswith("p.(") and text.endswith(")"):
        text = "p." + text[3:-1]
    # Three-letter codes are capitalised words; one-letter names and keywords (del, ins, dup, fs,
    # ext) never contain such a word, so already-converted names pass through unchanged.
    return _THREE.sub(lambda m: _THREE_TO_ONE[m.group(0)], text)
