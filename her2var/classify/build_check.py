"""Is the VCF on the build it is read as? Each modelled gene's exons on the other build(s), checked.

A GRCh38 file read as GRCh37 (``--build GRCh37``, or a header that says so) has its ERBB2 records
1.84 Mb away from where GRCh37 puts ERBB2, so reading the GRCh37 region finds nothing and the
sample would look wild type. The gene's region on every other build is therefore read too, and
each record there whose REF covers that build's exonic bases (the rules carry them) is compared
with them. Only strong evidence is an error: no record at all in the gene on the claimed build,
every record compared agreeing with the other build, and either several records or enough REF
bases that chance agreement is implausible. Weaker evidence is a warning.

The same holds for each co-driver gene (KRAS, EGFR, BRAF, MET exons in the rules): a file whose
KRAS records all sit where the other build puts KRAS exon 2 would otherwise report KRAS as not
mutated. ``BuildChecks`` runs one check per gene.

(Records inside the claimed build's region are checked against its reference by the pipeline
itself; see ``pipeline._check_ref``.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import InputError, shown
from ..genome.transcript import ChainSequence, PieceSequence, TranscriptModel, WindowSequence, transcript_model
from ..models import Record, Region
from ..rules.load import GeneRules

log = logging.getLogger(__name__)

# Strong evidence: at least this many agreeing records, or this many agreeing exonic REF bases
# (one base agrees by chance about a quarter of the time; six in a row about once in 4,000).
MIN_RECORDS = 3
MIN_BASES = 6


@dataclass
class _Other:
    build: str
    model: TranscriptModel
    seq: ChainSequence
    regions: list[Region]
    agree: list[tuple[Record, int]] = field(default_factory=list)  # (record, exonic bases compared)
    disagree: int = 0


class OtherBuildCheck:
    """Collects, while the pipeline reads, what records say about the build (see the module doc)."""

    def __init__(self, gene: GeneRules, build: str, evidence: str, names: Callable[[str], list[str]],
                 claimed_gene: list[Region], claimed_all: list[Region], pad: int) -> None:
        self.gene = gene
        self.build = build
        self.evidence = evidence
        self.claimed_gene = claimed_gene
        self.claimed_all = claimed_all
        self.in_claimed_gene = 0
        self.others: list[_Other] = []
        for other in gene.builds:
            if other == build:
                continue
            m = transcript_model(gene, other)
            lo, hi = m.span
            regions = [Region(c, lo - pad, hi + pad, gene.symbol) for c in names(m.chrom)]
            seq = ChainSequence(WindowSequence(m.windows, m.chrom), PieceSequence(m))
            self.others.append(_Other(other, m, seq, regions))

    @property
    def regions(self) -> list[Region]:
        """The other builds' regions of the gene, to read besides the claimed build's."""
        return [r for o in self.others for r in o.regions]

    def only_elsewhere(self, rec: Record) -> bool:
        """Look at a record; True when it lies only in another build's region (the pipeline then
        has nothing else to do with it)."""
        def hits(regions: list[Region]) -> bool:
            return any(r.chrom == rec.chrom and rec.pos <= r.end and rec.end >= r.start for r in regions)

        if hits(self.claimed_gene):
            self.in_claimed_gene += 1
        elsewhere = False
        for o in self.others:
            if hits(o.regions):
                elsewhere = True
                self._compare(o, rec)
        return elsewhere and not hits(self.claimed_all)

    def _compare(self, o: _Other, rec: Record) -> None:
        ref = rec.ref.upper()
        if not ref or set(ref) - set("ACGT"):
            return
        exonic = [i for i in range(len(ref)) if o.model.exon_index(rec.pos + i) is not None]
        if not exonic:
            return  # the rules' intronic bases are not trusted as proof of a build
        bases = o.seq.fetch(rec.chrom, rec.pos, rec.pos + len(ref) - 1)
        if bases is None:
            return
        if all(ref[i] == bases[i] for i in exonic):
            o.agree.append((rec, len(exonic)))
        else:
            o.disagree += 1

    def verdict(self) -> None:
        """Raise when the records show the file is on another build; warn on weaker evidence."""
        if self.in_claimed_gene:
            return
        symbol = self.gene.symbol
        for o in self.others:
            if not o.agree or o.disagree:
                continue
            n, n_bases = len(o.agree), sum(b for _, b in o.agree)
            rec = o.agree[0][0]
            exon = o.model.exon_number(rec.pos)
            where = f"{shown(rec.chrom, bare=True)}:{rec.pos}"
            what = (f"REF {shown(rec.ref, bare=True)} at {where} is the {o.build} reference of {symbol}"
                    + (f" exon {exon}" if exon is not None else "")
                    + f", and no record lies where {self.build} puts {symbol} (the file is read as "
                    f"{self.build} from {self.evidence})")
            tally = (f"{n} record(s) with {n_bases} exonic REF base(s) there agree with {o.build}, "
                     "none disagrees")
            if n >= MIN_RECORDS or n_bases >= MIN_BASES:
                raise InputError(
                    f"{rec.where}: {what}; {tally}: the file looks like {o.build}, not {self.build} "
                    f"(give --build {o.build}, or fix the header)"
                )
            log.warning("%s: %s; only %s: too little to be sure the file is on %s, but %s would "
                        "then read nothing; check the build", rec.where, what, tally, o.build, self.build)


class BuildChecks:
    """One OtherBuildCheck per modelled gene (the index gene and each co-driver), read together."""

    def __init__(self, checks: list[OtherBuildCheck]) -> None:
        self.checks = checks

    @property
    def regions(self) -> list[Region]:
        return [r for c in self.checks for r in c.regions]

    def only_elsewhere(self, rec: Record) -> bool:
        """As OtherBuildCheck.only_elsewhere, over every gene (each check sees every record: a list,
        not a short-circuiting any())."""
        found = [c.only_elsewhere(rec) for c in self.checks]
        return any(found)

    def verdict(self) -> None:
        for c in self.checks:
            c.verdict()


def gene_checks(index: GeneRules, codrivers: list[GeneRules], build: str, evidence: str,
                names: Callable[[str], list[str]], claimed_index: list[Region], claimed_all: list[Region],
                codriver_claimed: Callable[[GeneRules], list[Region]], pad: int) -> BuildChecks:
    """The build check of the index gene (its whole region claimed) and of every co-driver with
    other builds in the rules (its exon regions claimed)."""
    checks = [OtherBuildCheck(index, build, evidence, names, claimed_index, claimed_all, pad)]
    checks += [OtherBuildCheck(g, build, evidence, names, codriver_claimed(g), claimed_all, pad)
               for g in codrivers if any(b != build for b in g.builds)]
    return BuildChecks(checks)
