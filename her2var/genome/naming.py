"""Naming a DNA change on a transcript, whatever way the caller wrote it.

The event is trimmed, its sliding range computed on the reference, placed at the most 3'
position that stays inside one exon (HGVS 3' rule, in transcript orientation), translated, and
the protein change normalised again on the full protein (3' rule, dup where the inserted
residues repeat the preceding ones). Different DNA changes with one protein effect therefore get
one protein name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .transcript import (
    CODON_TABLE,
    CPos,
    SequenceSource,
    TranscriptModel,
    revcomp,
    translate,
)

THREE_LETTER = {
    "A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "Q": "Gln", "E": "Glu",
    "G": "Gly", "H": "His", "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe",
    "P": "Pro", "S": "Ser", "T": "Thr", "W": "Trp", "Y": "Tyr", "V": "Val", "*": "Ter",
    "X": "Xaa",
}

MAX_SLIDE = 10_000  # a repeat longer than this is not an ERBB2 coding feature


@dataclass
class Naming:
    """What a DNA change does on one transcript."""

    location: str  # coding, splice_site, splice_region, intronic, utr5, utr3, upstream, downstream
    effect: str = ""  # missense, synonymous, nonsense, frameshift, inframe_insertion, ...
    hgvs_c: str = ""
    hgvs_p: str = ""  # one-letter, e.g. p.Y772_A775dup
    hgvs_p3: str = ""  # three-letter, e.g. p.Tyr772_Ala775dup
    exon: int | None = None
    intron: int | None = None
    first_residue: int | None = None  # protein positions of the change, after normalisation
    last_residue: int | None = None
    c_start: int | None = None  # CDS span of the (3'-placed) change
    c_end: int | None = None
    dna_delta: int = 0  # len(alt) - len(ref)
    placement: tuple[int, str, str] | None = None  # genomic (pos, ref, alt) used for naming
    slide: tuple[int, int] | None = None  # leftmost/rightmost genomic start of the event
    notes: list[str] = field(default_factory=list)
    unknown_reason: str = ""  # why the protein (or c.) name could not be given


def trim(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Remove bases shared at the start (VCF padding), then at the end.

    With reference bases the event is then slid to its canonical place, so the order only
    matters without them; the VCF convention is that the leading base is the padding.
    """
    k = 0
    while k < len(ref) and k < len(alt) and ref[k] == alt[k]:
        k += 1
    pos, ref, alt = pos + k, ref[k:], alt[k:]
    while ref and alt and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    return pos, ref, alt


def _placements(seq: SequenceSource | None, chrom: str, pos: int, ref: str, alt: str
                ) -> tuple[list[tuple[int, str, str]], bool]:
    """All equivalent placements of a pure insertion or deletion, left to right.

    Returns (placements, complete); complete is False when the reference ran out before the
    event stopped sliding.
    """
    if seq is None or (ref and alt):
        return [(pos, ref, alt)], seq is not None or not (ref == "" or alt == "")
    out = [(pos, ref, alt)]
    complete = True
    if ref:  # deletion of ref at [pos, pos+len-1]
        s, d = pos, ref
        for _ in range(MAX_SLIDE):  # left
            b = seq.fetch(chrom, s - 1, s - 1)
            if b is None:
                complete = False
                break
            if b != d[-1]:
                break
            s, d = s - 1, b + d[:-1]
            out.insert(0, (s, d, ""))
        s, d = pos, ref
        for _ in range(MAX_SLIDE):  # right
            b = seq.fetch(chrom, s + len(d), s + len(d))
            if b is None:
                complete = False
                break
            if b != d[0]:
                break
            s, d = s + 1, d[1:] + b
            out.append((s, d, ""))
    else:  # insertion of alt before pos
        s, ins = pos, alt
        for _ in range(MAX_SLIDE):
            b = seq.fetch(chrom, s - 1, s - 1)
            if b is None:
                complete = False
                break
            if b != ins[-1]:
                break
            s, ins = s - 1, ins[-1] + ins[:-1]
            out.insert(0, (s, "", ins))
        s, ins = pos, alt
        for _ in range(MAX_SLIDE):
            b = seq.fetch(chrom, s, s)
            if b is None:
                complete = False
                break
            if b != ins[0]:
                break
            s, ins = s + 1, ins[1:] + ins[0]
            out.append((s, "", ins))
    return out, complete


def _span(p: tuple[int, str, str]) -> tuple[int, int]:
    """Genomic bases touched: a deletion/substitution its bases, an insertion its two flanks."""
    pos, ref, _ = p
    if ref:
        return pos, pos + len(ref) - 1
    return pos - 1, pos


def describe(model: TranscriptModel, seq: SequenceSource | None, pos: int, ref: str, alt: str
             ) -> Naming:
    """Name the change REF>ALT at genomic pos on the model's transcript."""
    pos, ref, alt = trim(pos, ref.upper(), alt.upper())
    if not ref and not alt:
        return Naming(location="none", effect="no_change")
    placements, complete = _placements(seq, model.chrom, pos, ref, alt)
    in_exon = []
    for p in placements:
        a, b = _span(p)
        ia, ib = model.exon_index(a), model.exon_index(b)
        if ia is not None and ia == ib:
            in_exon.append(p)
    pool = in_exon or placements
    chosen = pool[-1] if model.strand == "+" else pool[0]
    n = Naming(location="", dna_delta=len(alt) - len(ref), placement=chosen,
               slide=(placements[0][0], placements[-1][0]))
    if not complete:
        n.notes.append("sliding range reaches the end of the available reference sequence")
    if len(placements) > 1:
        n.notes.append(f"can slide over g.{placements[0][0]}-{placements[-1][0]}")
    a, b = _span(chosen)
    ca, cb = model.g_to_c(a), model.g_to_c(b)
    if model.strand == "-":
        ca, cb = cb, ca
    n.exon = model.exon_number(a) or model.exon_number(b)
    n.intron = None if n.exon else (model.intron_number(a) or model.intron_number(b))
    n.location = _location(model, a, b, ca, cb)
    if n.location == "coding" and not chosen[1] and "cds" in (ca.region, cb.region) and ca.region != cb.region:
        # an insertion just before c.1 or just after the stop codon leaves the coding bases whole
        n.location = "utr5" if "utr5" in (ca.region, cb.region) else "utr3"
    indel_unplaced = seq is None and (not chosen[1] or not chosen[2])
    if indel_unplaced:
        n.unknown_reason = "no reference sequence here to place the insertion/deletion (give --reference)"
    else:
        n.hgvs_c = f"{model.gene.transcript}:c." + _c_change(model, seq, chosen, ca, cb)
    if n.location != "coding":
        return n
    _protein(model, seq, chosen, _tx_index(model, ca), _tx_index(model, cb), n)
    return n


def _location(model: TranscriptModel, a: int, b: int, ca: CPos, cb: CPos) -> str:
    lo, hi = model.span
    # A partial model places only some exons: beyond them is intron, not outside the gene.
    if model.complete and b < lo:
        return "upstream" if model.strand == "+" else "downstream"
    if model.complete and a > hi:
        return "downstream" if model.strand == "+" else "upstream"
    end = model.tx_end
    if end is not None and ((model.strand == "+" and a > end) or (model.strand == "-" and b < end)):
        return "downstream"
    offsets = [c.offset for c in (ca, cb)]
    exonic = [c.offset == 0 for c in (ca, cb)]
    if all(exonic):
        if model.exon_index(a) != model.exon_index(b):
            return "splice_site"  # spans a whole intron
        if ca.region == cb.region == "cds":
            return "coding"
        if ca.region == cb.region:
            return ca.region
        return "coding"  # crosses the start or stop codon
    if any(exonic):
        return "splice_site"  # crosses an exon-intron boundary
    if min(abs(o) for o in offsets) <= 2 or (offsets[0] * offsets[1] < 0):
        return "splice_site"
    if min(abs(o) for o in offsets) <= 8:
        return "splice_region"
    return "intronic"


def _c_change(model: TranscriptModel, seq: SequenceSource | None, p: tuple[int, str, str],
              ca: CPos, cb: CPos) -> str:
    pos, ref, alt = p
    if model.strand == "-":
        ref, alt = revcomp(ref), revcomp(alt)
    if ref and alt:
        if len(ref) == 1 and len(alt) == 1:
            return f"{ca}{ref}>{alt}"
        rng = f"{ca}" if ca == cb else f"{ca}_{cb}"
        return f"{rng}delins{alt}"
    if ref:
        return f"{ca}del" if ca == cb else f"{ca}_{cb}del"
    # insertion between ca and cb (transcript order): a dup when the bases before repeat it
    k = len(alt)
    if model.strand == "+":
        before = seq.fetch(model.chrom, pos - k, pos - 1) if seq else None
        first = model.g_to_c(pos - k)
    else:
        before = seq.fetch(model.chrom, pos, pos + k - 1) if seq else None
        before = revcomp(before) if before else None
        first = model.g_to_c(pos + k - 1)
    if before == alt:
        return f"{ca}dup" if k == 1 else f"{first}_{ca}dup"
    return f"{ca}_{cb}ins{alt}"


UTR_READ = 1_500  # 3'UTR bases read to find where a lost stop's extension ends


def _tx_index(model: TranscriptModel, cp: CPos) -> int:
    """The continuous coding index of an exonic c. position (c.-1 = 0, c.*1 = CDS length + 1)."""
    if cp.region == "utr5":
        return 1 - cp.base
    if cp.region == "utr3":
        return model.cds_length + cp.base
    return cp.base


def _available(model: TranscriptModel, seq: SequenceSource | None, c_from: int, c_to: int) -> str:
    """The longest run of transcript bases from c_from (up to c_to) the sources can give."""
    lo, hi, best = c_from - 1, c_to, ""
    while lo < hi:  # the largest end whose bases are all known
        mid = (lo + hi + 1) // 2
        bases = model.cds_bases(seq, c_from, mid)
        if bases is not None and "N" not in bases:
            lo, best = mid, bases
        else:
            hi = mid - 1
    return best


def _to_stop(aa: str) -> tuple[str, bool]:
    """Residues up to and including the first stop; whether a stop was reached."""
    if "*" in aa:
        return aa[: aa.index("*") + 1], True
    return aa, False


def _protein(model: TranscriptModel, seq: SequenceSource | None, p: tuple[int, str, str],
             c1: int, c2: int, n: Naming) -> None:
    """The protein consequence of a change whose bases lie in coding exons (c1..c2: continuous
    coding indices of its first and last touched bases, transcript order)."""
    _, ref, alt = p
    if model.strand == "-":
        ref, alt = revcomp(ref), revcomp(alt)
    if not ref:  # insertion between c1 and c2 = c1 + 1
        lo_c, hi_c = c1 + 1, c1  # replaced span is empty, starting at c1 + 1
    else:
        lo_c, hi_c = c1, c2
    n.c_start, n.c_end = c1, c2
    length = model.cds_length
    ncod = length // 3
    touches_start = lo_c < 1 or (lo_c <= 3 and (bool(ref) or lo_c > 1))
    if touches_start and not _start_kept(model, seq, lo_c, hi_c, alt):
        _start_lost(n)
        return
    frameshift = (len(alt) - len(ref)) % 3 != 0
    at_stop = max(lo_c, hi_c) >= length - 2 or hi_c > length
    k_first = max(0, (min(lo_c, hi_c) - 1) // 3 - 1)
    k_last = min(ncod - 1, (max(lo_c, hi_c) - 1) // 3 + 1)
    if frameshift or at_stop:
        k_last = ncod - 1
    ref_cds = model.cds_bases(seq, 3 * k_first + 1, 3 * k_last + 3)
    if ref_cds is not None and "N" in ref_cds:
        ref_cds = None  # the reference has no bases here (N): unknown, not a mismatch
    hint = _missing_hint(seq)
    if ref_cds is None and not frameshift and not at_stop:
        # In frame, the codons beside the event are unchanged: their residues come from the
        # protein, so only the codons the event splits need bases (none at a codon boundary).
        # Only for an event placed on reference bases: unplaced, it might shift out of the exon.
        if seq is not None and _name_from_split_codons(model, seq, lo_c, hi_c, alt, k_first, k_last, n):
            return
        if _infer_from_residue(model, lo_c, ref, alt, n, hint):
            return
    if ref_cds is None:
        n.unknown_reason = f"no reference sequence for codons {k_first + 1}-{k_last + 1} ({hint})"
        n.effect = "frameshift" if frameshift else _effect_by_length(ref, alt)
        n.first_residue = (min(lo_c, hi_c) - 1) // 3 + 1
        n.last_residue = (max(lo_c, hi_c) - 1) // 3 + 1
        return
    ref_aa = translate(ref_cds)
    if ref_aa != model.protein[k_first:k_last + 1]:
        _reference_mismatch(model, k_first, k_last, ref_aa, n)
        return
    off = 3 * k_first + 1
    if not (frameshift or at_stop):
        alt_cds = ref_cds[:lo_c - off] + alt + ref_cds[hi_c - off + 1:]
        _name_protein_change(model.protein, k_first, ref_aa, translate(alt_cds), n, (lo_c - 1) // 3 + 1)
        return
    # The change reaches the stop codon or shifts the frame: translate on into the 3'UTR.
    utr = _available(model, seq, length + 1, length + UTR_READ)
    ref_tx = ref_cds + utr
    if hi_c - off + 1 > len(ref_tx):
        n.unknown_reason = f"no reference sequence for the 3'UTR bases the change removes ({hint})"
        n.effect = "stop_lost"
        n.first_residue = n.last_residue = ncod
        return
    alt_tx = ref_tx[:lo_c - off] + alt + ref_tx[hi_c - off + 1:]
    alt_aa, stopped = _to_stop(translate(alt_tx))
    ref_full = model.protein[k_first:]
    i = 0
    while i < min(len(ref_full), len(alt_aa)) and ref_full[i] == alt_aa[i]:
        i += 1
    if alt_aa == ref_full:  # the same protein, stop included
        _synonymous(model.protein, (max(lo_c, 1) - 1) // 3 + 1, n)
        return
    res = k_first + i + 1
    if i >= len(alt_aa):  # the new frame ran past the known sequence without a difference
        n.unknown_reason = f"no reference sequence far enough past the stop codon ({hint})"
        n.effect = "frameshift" if frameshift else "stop_lost"
        n.first_residue = n.last_residue = res
        return
    new = alt_aa[i]
    tail = str(len(alt_aa) - i - 1) if stopped else "?"
    n.first_residue = n.last_residue = res
    if res == 1:
        _start_lost(n)
    elif ref_full[i] == "*":  # the stop codon changed: the protein runs on
        n.effect = "stop_lost"
        n.hgvs_p = f"p.*{res}{new}ext*{tail}"
        n.hgvs_p3 = f"p.Ter{res}{THREE_LETTER[new]}extTer{tail}"
    elif new == "*":
        n.effect = "nonsense"
        aa = ref_full[i]
        n.hgvs_p, n.hgvs_p3 = f"p.{aa}{res}*", f"p.{THREE_LETTER[aa]}{res}Ter"
    elif not frameshift and stopped and len(alt_aa) == len(ref_full):
        # in frame, and the stop stays where it was: an ordinary change before it
        _name_protein_change(model.protein, k_first, ref_full, alt_aa, n, (lo_c - 1) // 3 + 1)
    else:  # a new reading frame, or the stop deleted with the codons before it
        n.effect = "frameshift" if frameshift else "stop_lost"
        aa = ref_full[i]
        n.hgvs_p = f"p.{aa}{res}{new}fs*{int(tail) + 1 if stopped else '?'}"
        n.hgvs_p3 = (f"p.{THREE_LETTER[aa]}{res}{THREE_LETTER[new]}fsTer"
                     f"{int(tail) + 1 if stopped else '?'}")


def _start_kept(model: TranscriptModel, seq: SequenceSource | None, lo_c: int, hi_c: int, alt: str) -> bool:
    """Whether a change touching c.1-c.3 leaves the start codon an ATG (e.g. a change after it)."""
    if lo_c < 1:
        return False
    codon = model.cds_bases(seq, 1, max(6, hi_c + 3))
    if codon is None:
        return False
    changed = codon[:lo_c - 1] + alt + codon[max(hi_c, lo_c - 1):]
    return changed[:3] == codon[:3] == "ATG"


def _start_lost(n: Naming) -> None:
    n.effect, n.first_residue, n.last_residue = "start_lost", 1, 1
    n.hgvs_p, n.hgvs_p3 = "p.M1?", "p.Met1?"


def _synonymous(protein: str, res: int, n: Naming) -> None:
    """No change to the protein: named at the codon where the DNA change starts."""
    res = min(max(res, 1), len(protein))
    aa = protein[res - 1]
    n.effect, n.first_residue, n.last_residue = "synonymous", res, res
    n.hgvs_p, n.hgvs_p3 = f"p.{aa}{res}=", f"p.{THREE_LETTER[aa]}{res}="


def _reference_mismatch(model: TranscriptModel, k_first: int, k_last: int, found: str, n: Naming) -> None:
    n.unknown_reason = (f"reference bases at codons {k_first + 1}-{k_last + 1} translate to {found}, "
                        f"not {model.protein[k_first:k_last + 1]} of {model.gene.protein_id}: wrong "
                        "reference or build")
    n.effect = "reference_mismatch"


def _name_from_split_codons(model: TranscriptModel, seq: SequenceSource | None, lo_c: int, hi_c: int,
                            alt: str, k_first: int, k_last: int, n: Naming) -> bool:
    """Name an in-frame event from the bases of the codons it touches and the protein around them.

    ``lo_c..hi_c`` is the replaced coding span (empty, hi_c = lo_c - 1, for an insertion). False
    when those codons' bases are not known; a reference mismatch there is reported as such.
    """
    # codons holding lo_c..hi_c; for an insertion the one it splits, or none at a codon boundary
    t_first, t_last = (lo_c - 1) // 3, (hi_c - 1) // 3
    if t_first < k_first or t_last > k_last:
        return False
    inner = model.cds_bases(seq, 3 * t_first + 1, 3 * t_last + 3) if t_last >= t_first else ""
    if inner is None or "N" in inner:
        return False
    protein = model.protein
    if translate(inner) != protein[t_first:t_last + 1]:
        _reference_mismatch(model, t_first, t_last, translate(inner), n)
        return True
    off = 3 * t_first + 1
    alt_inner = inner[:lo_c - off] + alt + inner[hi_c - off + 1:]
    before, after = protein[k_first:t_first], protein[t_last + 1:k_last + 1]
    _name_protein_change(protein, k_first, before + protein[t_first:t_last + 1] + after,
                         before + translate(alt_inner) + after, n, (lo_c - 1) // 3 + 1)
    return True


def _missing_hint(seq: SequenceSource | None) -> str:
    if seq is None or seq.label == "rules windows":
        return "outside the rules' windows; give --reference"
    return f"{seq.label} has no bases (N) here"


def _infer_from_residue(model: TranscriptModel, lo_c: int, ref: str, alt: str, n: Naming,
                        hint: str) -> bool:
    """Name a substitution inside one codon without reference bases, when it is entailed.

    Every codon that encodes the reference residue and carries the REF bases at the changed
    positions is tried; when all give the same new residue the name follows from the protein
    and the record alone. Otherwise the candidates are reported and no name is given.
    """
    if not ref or len(ref) != len(alt):
        return False
    k = (lo_c - 1) // 3
    if (lo_c + len(ref) - 2) // 3 != k:
        return False
    phase = (lo_c - 1) % 3
    ref_res = model.protein[k]
    outcomes = set()
    for codon, aa in CODON_TABLE.items():
        if aa != ref_res or codon[phase:phase + len(ref)] != ref:
            continue
        outcomes.add(CODON_TABLE[codon[:phase] + alt + codon[phase + len(alt):]])
    n.first_residue = n.last_residue = k + 1
    if len(outcomes) != 1:
        shown = ", ".join(f"p.{ref_res}{k + 1}{o}" for o in sorted(outcomes)) or "none"
        n.effect = "missense"
        n.unknown_reason = (
            f"no reference sequence for codon {k + 1} ({hint}); the record allows {shown}"
        )
        return True
    _name_protein_change(model.protein, k, ref_res, outcomes.pop(), n, k + 1)
    n.notes.append("protein change inferred from the reference residue and REF (no reference bases here)")
    return True


def _effect_by_length(ref: str, alt: str) -> str:
    if len(alt) > len(ref):
        return "inframe_insertion"
    if len(alt) < len(ref):
        return "inframe_deletion"
    return "missense" if len(ref) == 1 else "substitution"


def _name_protein_change(protein: str, k0: int, ref_aa: str, alt_aa: str, n: Naming, changed_at: int) -> None:
    """Trim, 3'-shift on the full protein, detect dup; fill effect and names. ``changed_at`` is
    the residue whose codon the DNA change starts in (where a silent change is named)."""
    if ref_aa == alt_aa:
        _synonymous(protein, changed_at, n)
        return
    pre = 0
    while pre < min(len(ref_aa), len(alt_aa)) and ref_aa[pre] == alt_aa[pre]:
        pre += 1
    suf = 0
    while (suf < min(len(ref_aa), len(alt_aa)) - pre
           and ref_aa[-1 - suf] == alt_aa[-1 - suf]):
        suf += 1
    dele = ref_aa[pre:len(ref_aa) - suf]
    ins = alt_aa[pre:len(alt_aa) - suf]
    start = k0 + pre + 1  # residue number of the first deleted residue / after the insertion
    one, three = _names(protein, start, dele, ins, n)
    n.hgvs_p, n.hgvs_p3 = "p." + one, "p." + three


def _aa3(s: str) -> str:
    return "".join(THREE_LETTER[a] for a in s)


def _names(protein: str, start: int, dele: str, ins: str, n: Naming) -> tuple[str, str]:
    L = len(protein)  # includes the terminal '*'

    def res(i: int) -> tuple[str, str]:
        aa = protein[i - 1]
        return f"{aa}{i}", f"{THREE_LETTER[aa]}{i}"

    if "*" in ins:  # nothing after a new stop is translated
        ins = ins[: ins.index("*") + 1]
    if ins[:1] == "*" and start <= L:  # the first changed residue becomes a stop: nonsense
        n.effect = "nonsense"
        n.first_residue = n.last_residue = start
        a1, a3 = res(start)
        return f"{a1}*", f"{a3}Ter"
    if start == 1 and dele[:1] == "M":
        n.effect = "start_lost"
        n.first_residue = n.last_residue = 1
        return "M1?", "Met1?"
    if dele and not ins:  # deletion: shift 3' on the protein
        s, e = start, start + len(dele) - 1
        while e < L - 1 and protein[s - 1] == protein[e]:
            s, e = s + 1, e + 1
        n.effect, n.first_residue, n.last_residue = "inframe_deletion", s, e
        a1, a3 = res(s)
        if s == e:
            return f"{a1}del", f"{a3}del"
        b1, b3 = res(e)
        return f"{a1}_{b1}del", f"{a3}_{b3}del"
    if ins and not dele:  # insertion after residue start-1: shift 3', then dup check
        s = start
        while s < L and "*" not in ins and protein[s - 1] == ins[0]:
            ins, s = ins[1:] + ins[0], s + 1
        k = len(ins)
        if "*" not in ins and s - 1 - k >= 0 and protein[s - 1 - k:s - 1] == ins:
            n.effect, n.first_residue, n.last_residue = "inframe_insertion", s - k, s - 1
            a1, a3 = res(s - k)
            if k == 1:
                return f"{a1}dup", f"{a3}dup"
            b1, b3 = res(s - 1)
            return f"{a1}_{b1}dup", f"{a3}_{b3}dup"
        n.effect, n.first_residue, n.last_residue = "inframe_insertion", s - 1, s
        a1, a3 = res(s - 1)
        b1, b3 = res(s)
        if ins.endswith("*"):
            n.effect = "stop_gained"
        return f"{a1}_{b1}ins{ins}", f"{a3}_{b3}ins{_aa3(ins)}"
    e = start + len(dele) - 1
    n.first_residue, n.last_residue = start, e
    if len(dele) == 1 and len(ins) == 1:
        a1, a3 = res(start)
        if ins == "*":
            n.effect = "nonsense"
            return f"{a1}*", f"{a3}Ter"
        n.effect = "missense"
        return f"{a1}{ins}", f"{a3}{THREE_LETTER[ins]}"
    if ins.endswith("*"):
        n.effect = "stop_gained"
    elif len(ins) > len(dele):
        n.effect = "inframe_insertion"  # net gain: a delins that adds residues
    elif len(ins) < len(dele):
        n.effect = "inframe_deletion"
    else:
        n.effect = "substitution"
    a1, a3 = res(start)
    if start == e:
        return f"{a1}delins{ins}", f"{a3}delins{_aa3(ins)}"
    b1, b3 = res(e)
    return f"{a1}_{b1}delins{ins}", f"{a3}_{b3}delins{_aa3(ins)}"
