"""Cases for what reaches a person or a spreadsheet: alleles that name no bases (symbolic,
breakend, '*') over ERBB2's exons must not leave a sample wild type, sample names holding control
or text-direction characters, INFO values of --annotate-vcf that must be percent-encoded, cells a
spreadsheet would run as a formula once it removes their quotes, and clinical values that must not
be echoed on stderr."""

from __future__ import annotations

import numpy as np

from .build import CLIN_HEAD, CLIN_ROWS, COHORT_OUTPUTS, G776V, Case, csv_text, vcf

SV_HEADER = [
    "##fileformat=VCFv4.2",
    "##contig=<ID=17,length=81195210>",
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End of the event">',
    '##INFO=<ID=SVLEN,Number=.,Type=Integer,Description="Length of the event">',
    '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Kind of event">',
    '##INFO=<ID=CN,Number=1,Type=Integer,Description="Copy number">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
]
PANEL_BED = "17\t37879000\t37882000\texons_17_23\n"  # exon 20 (37880979-37881164, GRCh37) well inside
CALLS = ["calls/samples.tsv", "calls/calls.tsv"]


def _sv(pos: str, ref: str, alt: str, info: str, sample: str = "0/1:80,40:120", fmt: str = "GT:AD:DP") -> str:
    return "\t".join(["17", pos, ".", ref, alt, ".", "PASS", info, fmt, sample])


def sweep_privacy_cases(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []

    # -- alleles without bases over ERBB2's exons: reported, never wild type ----------------------
    def unnamed(cid: str, record: str, why: str, shown_as: str) -> None:
        cases.append(Case(cid, "vcf", {"t.vcf": vcf(record, header=SV_HEADER), "t.bed": PANEL_BED},
                          ["classify", "t.vcf", "--targets", "t.bed", "--out", "out", "--format", "tsv"], 0,
                          ["HER2 status: other 1"], why, outputs=["out"],
                          expect_files={"out/samples.tsv": ["TUMOR\t\tother\t"],
                                        "out/calls.tsv": ["unclassified: ", shown_as]}))

    unnamed("sv_symbolic_ins_exon20", _sv("37880981", "A", "<INS>", "SVTYPE=INS;SVLEN=12"),
            "an insertion written as <INS> in exon 20 (its bases not given): not wild type", "<INS>")
    unnamed("sv_tandem_dup_exon20", _sv("37880900", "A", "<DUP:TANDEM>", "SVTYPE=DUP;END=37881100"),
            "a tandem duplication over exon 20 (END)", "<DUP:TANDEM>")
    unnamed("sv_dup_without_copy_number", _sv("37880900", "A", "<DUP>", "SVTYPE=DUP;END=37881100"),
            "a <DUP> without a copy-number value is an event, not a copy-number segment", "<DUP>")
    unnamed("sv_inversion_exon20", _sv("37880950", "G", "<INV>", "SVTYPE=INV;END=37881050", "0/1", "GT"),
            "an inversion over exon 20", "<INV>")
    unnamed("sv_cnv_without_copy_number", _sv("37880900", "A", "<CNV>", "SVTYPE=CNV;END=37881100", "0/1", "GT"),
            "a <CNV> with no CN, FC or SM value: nothing says which way, still not wild type", "<CNV>")
    unnamed("sv_deletion_by_svlen", _sv("37879000", "A", "<DEL>", "SVTYPE=DEL;SVLEN=-3000", "0/1", "GT"),
            "a <DEL> starting upstream whose span (SVLEN only, no END) covers exon 20", "<DEL>")
    unnamed("sv_breakend_in_exon20", _sv("37880990", "G", "G[13:32900000[", "SVTYPE=BND", "0/1", "GT"),
            "a breakend inside exon 20 to another chromosome: no fusion of the rules, and no wild type",
            "G[13:32900000[")
    unnamed("sv_spanning_deletion_star", _sv("37880990", "G", "*", ".", "0/1:80,40:120"),
            "a '*' allele carried in exon 20 (its deletion's own record missing)", "spanning deletion")
    cases.append(Case("sv_spanning_deletion_star_beside_its_deletion", "vcf",
                      {"t.vcf": vcf(_sv("37880989", "TGAT", "T", ".") + "\n" + _sv("37880991", "A", "*", "."),
                                    header=SV_HEADER), "t.bed": PANEL_BED},
                      ["classify", "t.vcf", "--targets", "t.bed", "--out", "out", "--format", "tsv"], 0,
                      ["HER2 status: inframe_deletion 1"], "a '*' allele whose deletion is the record before it: "
                      "the deletion speaks for the sample, the '*' adds no unclassified event", outputs=["out"],
                      expect_files={"out/calls.tsv": ["p.M774del"],
                                    "out/samples/TUMOR.json": ["spanning_deletion_of_a_listed_event"]}))
    cases.append(Case("sv_gvcf_reference_block_stays_none",
                      "vcf", {"t.vcf": vcf(_sv("37880990", "G", "<NON_REF>", "END=37881000", "0/0:100", "GT:DP"),
                                           header=SV_HEADER), "t.bed": PANEL_BED},
                      ["classify", "t.vcf", "--targets", "t.bed", "--out", "out", "--format", "tsv"], 0,
                      ["HER2 status: none 1"], "a gVCF reference block (<NON_REF> only) is no event",
                      outputs=["out"], expect_files={"out/samples.tsv": ["TUMOR\t\tnone\t"]}))
    cases.append(Case("sv_intronic_inversion_listed", "vcf",
                      {"t.vcf": vcf(_sv("37880500", "A", "<INV>", "SVTYPE=INV;END=37880600", "0/1", "GT"),
                                    header=SV_HEADER), "t.bed": PANEL_BED},
                      ["classify", "t.vcf", "--targets", "t.bed", "--out", "out", "--format", "tsv"], 0,
                      ["HER2 status: none 1"], "an inversion inside an intron touches no exon: listed as skipped",
                      outputs=["out"], expect_files={"out/samples/TUMOR.json": ["unnamed_allele_outside_exons"]}))

    # -- sample names a terminal or a table would act on: refused ---------------------------------
    def bad_name(cid: str, name: str, why: str) -> None:
        chrom_line = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + name
        cases.append(Case(cid, "vcf", {"t.vcf": vcf(G776V, chrom_line=chrom_line)},
                          ["classify", "t.vcf", "--out", "out", "--format", "tsv"], 1,
                          ["t.vcf:", "control or text-direction character"], why, outputs=["out"]))

    bad_name("sample_name_terminal_escape", "T1\x1b[2J\x1b]0;owned\x07", "a sample name holding escape sequences "
             "that clear the screen and retitle the terminal")
    bad_name("sample_name_bidi_override", "T1\u202eFIG.exe", "a right-to-left override reorders what is shown")
    bad_name("sample_name_c1_control", "T1\x9b31m", "a C1 control (CSI) some terminals act on")
    bad_name("sample_name_delete_and_nul_free_c0", "T1\x08\x08XX", "backspaces would overwrite what is shown")

    # -- --annotate-vcf: INFO values percent-encoded (an output name with a line end: tests/) ---------
    chrom_line = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT1;EVIL=1,x y%"
    cases.append(Case("annotate_vcf_sample_name_encoded", "vcf", {"t.vcf": vcf(G776V, chrom_line=chrom_line)},
                      ["classify", "t.vcf", "--out", "out", "--format", "tsv", "--annotate-vcf", "out.vcf"], 0,
                      [], "a sample named 'T1;EVIL=1,x y%' must not add an INFO key to the annotated VCF",
                      outputs=["out", "out.vcf"],
                      expect_files={"out.vcf": ["HER2_SAMPLES=T1%3BEVIL%3D1%2Cx%20y%25\t"]}))

    # -- formula cells hidden behind quotes ----------------------------------------------------------
    rows = [list(r) for r in CLIN_ROWS]
    rows[0][CLIN_HEAD.index("best_response")] = '"=HYPERLINK(""http://x"",""y"")"'
    rows[1][CLIN_HEAD.index("drugs")] = '" @SUM(1+1)"'
    cases.append(Case("cohort_quoted_formula_cells", "clinical", {"records.csv": csv_text([CLIN_HEAD, *rows])},
                      ["cohort", "--clinical", "records.csv", "--calls", "shared/calls", "-o", "out/cohort.tsv"], 0,
                      ["cohort: 2 patients"], "a CSV cell whose value is a quoted formula: a spreadsheet opening "
                      "the TSV removes the quotes and would run it", shared=CALLS, outputs=COHORT_OUTPUTS,
                      expect_files={"out/cohort.tsv": ["\t'\" @SUM"],
                                    "out/cohort.problems.tsv": ["'\"=HYPERLINK("]}))
    return cases
