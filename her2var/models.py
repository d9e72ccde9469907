"""Plain data records passed between the stages. No behaviour beyond small derived values."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import shown

# Column order of calls.tsv / `classify --format tsv`. The first twenty are the public contract.
CALL_COLUMNS: tuple[str, ...] = (
    "sample", "gene", "class", "hgvs_p", "hgvs_p3", "hgvs_c", "exon", "domain", "hotspot",
    "chrom", "pos", "ref", "alt", "depth", "alt_reads", "vaf", "copy_number", "source",
    "aliases", "notes",
    # extensions, stable order
    "vaf_method", "filter", "genotype", "cn_ci_low", "cn_ci_high", "cn_kind", "caller_call",
    "annotation", "annotation_agrees", "build", "input", "oncogenicity", "oncogenicity_rule", "threshold_set",
)

EVENT_CLASSES: tuple[str, ...] = (
    "exon20_insertion", "point_mutation", "inframe_deletion", "amplification", "other",
)
# A cohort cell for a test nobody ran (a co-driver gene, a lab value "not done"): never "no".
NOT_TESTED = "not tested"
# Classes of co-driver rows (gene is the driver: EGFR, KRAS, BRAF, MET, ALK, ROS1, RET, NTRK1-3).
CODRIVER_CLASSES: tuple[str, ...] = (
    "sensitizing", "resistance", "exon20_insertion", "hotspot", "point_mutation", "fusion", "splice", "other",
)

# Column order of samples.tsv.
SAMPLE_COLUMNS: tuple[str, ...] = (
    "sample", "patient", "her2_status", "her2_altered", "her2_tier", "assessed", "assessed_reason", "cn_assessed",
    "copy_number", "cn_source", "events", "n_events", "codrivers", "driver_group", "tested", "build", "caller", "input",
    "records_in_regions", "dropped", "status", "error", "rules_checksum",
)


@dataclass(frozen=True)
class FieldDef:
    """An ##INFO or ##FORMAT declaration."""

    id: str
    number: str  # "1", "2", "A", "R", "G", ".", "0"
    type: str  # Integer, Float, String, Flag, Character
    description: str = ""


@dataclass
class VcfHeader:
    """What a VCF header says, parsed once."""

    path: str
    fileformat: str
    meta: dict[str, list[str]]  # raw values of ##key=value lines, by key
    info: dict[str, FieldDef]
    format: dict[str, FieldDef]
    contigs: dict[str, int | None]  # name -> length (None when not given)
    samples: list[str]
    n_lines: int  # number of header lines including #CHROM

    def meta_value(self, key: str) -> str | None:
        """First value of a ##key=value line, unquoted, or None."""
        values = self.meta.get(key)
        if not values:
            return None
        return values[0].strip().strip('"')


@dataclass
class Record:
    """One VCF data line, split but not interpreted. Values are raw strings."""

    path: str
    line: int | None  # 1-based line number in the file; None when read through an index
    chrom: str
    pos: int
    id: str
    ref: str
    alts: list[str]  # [] when ALT is "."
    qual: str
    filters: list[str]  # ["PASS"], [] for ".", or the failed filter names
    info: dict[str, str | None]  # key -> raw value; None for a flag
    format_keys: list[str]
    sample_values: list[list[str]]  # per sample, per format key (may be shorter: trailing dropped)
    source: str = "vcf"  # the input kind its calls name (a MAF row read as a record: "maf")

    @property
    def where(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}"
        return f"{self.path} ({shown(self.chrom, bare=True)}:{self.pos})"

    @property
    def end(self) -> int:
        """Last reference position covered (INFO/END when present)."""
        raw = self.info.get("END")
        if raw:
            try:
                return int(raw)
            except ValueError:
                pass
        # A symbolic deletion, duplication, inversion or copy-number segment may give its span
        # only as SVLEN (VCF 4.4); an <INS>'s SVLEN is the inserted length, not a span.
        svlen = self.info.get("SVLEN")
        if svlen and self.alts and all(a.startswith("<") and not a.startswith("<INS") for a in self.alts):
            try:
                return self.pos + max(abs(int(x)) for x in svlen.split(",") if x not in ("", "."))
            except ValueError:
                pass
        return self.pos + len(self.ref) - 1

    def sample_field(self, sample_index: int, key: str) -> str | None:
        """Raw value of FORMAT/key for one sample, or None when absent or '.'."""
        try:
            k = self.format_keys.index(key)
        except ValueError:
            return None
        values = self.sample_values[sample_index]
        if k >= len(values):
            return None
        value = values[k]
        return None if value in (".", "") else value


@dataclass(frozen=True)
class Support:
    """Read support of one allele in one sample, and which rule produced it."""

    depth: int | None
    alt_reads: int | None
    vaf: float | None
    method: str  # e.g. "AD", "FAO/FDP", "TIR/TAR", "AU..TU", "AO/RO", "FA", "DP4", "AF", "none"
    caller_af: float | None = None  # the caller's own AF when it differs in kind (Mutect2)


@dataclass
class CopyNumber:
    """One copy-number estimate of a gene in a sample from one source, normalised."""

    sample: str
    gene: str
    chrom: str
    start: int
    end: int
    source_caller: str  # ion, dragen, tso500, cnvkit, seg, gatk_seg, gatk_gcnv, allele_specific, bam, ...
    source_field: str  # CN, FC, log2, log10, ratio, SM, CALL, nMajor+nMinor
    raw_value: float
    cn: float | None  # point estimate of absolute copy number
    cn_ci_low: float | None = None
    cn_ci_high: float | None = None
    cn_is_integer: bool = False
    purity_used: float | None = None
    ploidy_used: float = 2.0
    caller_call: str = ""  # the caller's own verdict, e.g. "Amplification", "<DUP>", "+"
    filter: str = ""
    qc: dict[str, str] = field(default_factory=dict)
    path: str = ""
    line: int | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Call:
    """One reported event: a row of calls.tsv."""

    sample: str
    gene: str
    klass: str  # one of EVENT_CLASSES (co-drivers extend it)
    hgvs_p: str = ""
    hgvs_p3: str = ""
    hgvs_c: str = ""
    exon: str = ""
    domain: str = ""
    hotspot: bool = False
    chrom: str = ""
    pos: int | None = None
    ref: str = ""
    alt: str = ""
    depth: int | None = None
    alt_reads: int | None = None
    vaf: float | None = None
    copy_number: float | None = None
    source: str = ""
    aliases: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    vaf_method: str = ""
    filter: str = ""
    genotype: str = ""
    cn_ci_low: float | None = None
    cn_ci_high: float | None = None
    cn_kind: str = ""
    caller_call: str = ""
    annotation: str = ""
    annotation_agrees: str = ""  # "yes", "no", "" (no annotation)
    build: str = ""
    input: str = ""
    # oncogenic / likely_oncogenic / uncertain / likely_benign, and the rule that gave it
    # (rules/oncogenicity.yaml; set for every call by classify.tiers)
    oncogenicity: str = ""
    oncogenicity_rule: str = ""
    threshold_set: str = ""  # the rules' thresholds it was judged by: default, or a sample type's


@dataclass(frozen=True)
class Region:
    """A 1-based inclusive interval on a contig, named for messages."""

    chrom: str
    start: int
    end: int
    name: str = ""


# NCBI Gene (Entrez) ids of the genes her2var reads and of common fusion partners: written into the
# cBioPortal export and read back from study files that name genes by id.
ENTREZ = {"ERBB2": 2064, "EGFR": 1956, "KRAS": 3845, "BRAF": 673, "MET": 4233, "ALK": 238, "ROS1": 6098,
          "RET": 5979, "NRAS": 4893, "PIK3CA": 5290, "TP53": 7157, "NTRK1": 4914, "NTRK2": 4915, "NTRK3": 4916,
          "STK11": 6794, "EML4": 27436, "KIF5B": 3799, "CCDC6": 8030, "CD74": 972, "ETV6": 2120, "TPM3": 7170,
          "NCOA4": 8031, "SLC34A2": 10568, "EZR": 7430, "SDC4": 6385}
