"""Cases for the MAF reader (classify on a MAF: GENIE, cBioPortal, GDC/TCGA, vcf2maf)."""

from __future__ import annotations

import numpy as np

from .build import LONG, YVMA_NAME, Case, classify, garbage, gzip_bytes

COLUMNS = ["Hugo_Symbol", "NCBI_Build", "Chromosome", "Start_Position", "End_Position", "Variant_Classification",
           "Variant_Type", "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "dbSNP_RS",
           "Tumor_Sample_Barcode", "t_depth", "t_ref_count", "t_alt_count"]
# ERBB2 p.Y772_A775dup as MAF writes it: '-' reference, Start the base before the insertion
YVMA_ROW = ["ERBB2", "GRCh37", "17", "37880981", "37880982", "In_Frame_Ins", "INS", "-", "-", "GCATACGTGATG", "",
            "T1", "120", "80", "40"]
TP53_ROW = ["TP53", "GRCh37", "17", "7577120", "7577120", "Missense_Mutation", "SNP", "C", "C", "T", "", "T2", "100",
            "80", "20"]


def maf(*rows: list[str], columns: list[str] = COLUMNS, head: str = "", eol: str = "\n") -> str:
    return head + eol.join("\t".join(r) for r in (columns, *rows)) + eol


def changed(row: list[str], **cells: str) -> list[str]:
    out = list(row)
    for name, value in cells.items():
        out[COLUMNS.index(name)] = value
    return out


def maf_cases(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    good = maf(YVMA_ROW, TP53_ROW)

    def reject(cid: str, content: bytes | str, expect: list[str], why: str, name: str = "in.maf") -> None:
        args, outs = classify(name)
        cases.append(Case(cid, "maf", {name: content}, args, 1, [e.replace("@", name) for e in expect], why,
                          outputs=outs))

    def accept(cid: str, content: bytes | str, why: str, name: str = "in.maf") -> None:
        cases.append(Case(cid, "maf", {name: content}, ["classify", name, "--format", "tsv"], 0, [], why,
                          stdout=[YVMA_NAME]))

    # Columns 6-11 written one place to the right of their names (a Consequence column the
    # header lacks, dbSNP_RS dropped): a real public study's shape.
    shifted = YVMA_ROW[:5] + ["inframe_insertion"] + YVMA_ROW[5:10] + YVMA_ROW[11:]
    reject("maf_columns_shifted", maf(shifted), ["@:2: column 7 (Variant_Type) is 'In_Frame_Ins'",
                                                 "the row does not match the header"],
           "columns 6-11 shifted one to the right against the header")
    reject("maf_variant_type_and_classification_swapped",
           maf(changed(YVMA_ROW, Variant_Classification="INS", Variant_Type="In_Frame_Ins")),
           ["@:2: column 6 (Variant_Classification) is 'INS'"], "Variant_Type values in Variant_Classification")
    reject("maf_short_row", maf(YVMA_ROW, TP53_ROW[:-2]), ["@:3: 13 tab-separated cells", "15 columns"],
           "a row two cells short")
    reject("maf_extra_cell", maf(YVMA_ROW + ["extra"]), ["@:2: 16 tab-separated cells"], "a row one cell long")
    reject("maf_chromosome_not_a_chromosome", maf(YVMA_ROW, changed(TP53_ROW, Chromosome="Missense")),
           ["@:3: column 3 (Chromosome) is 'Missense'"], "a word where the chromosome goes")
    reject("maf_position_not_integer", maf(changed(TP53_ROW, Start_Position="7,577,120")),
           ["@:2: column 4 (Start_Position) is '7,577,120'"], "a position with thousands separators")
    reject("maf_reference_not_dna", maf(changed(TP53_ROW, Reference_Allele="SNP")),
           ["@:2: column 8 (Reference_Allele) is 'SNP'"], "a Variant_Type value as the reference allele")
    reject("maf_allele_very_long", maf(changed(TP53_ROW, Tumor_Seq_Allele2="X" * LONG)),
           ["@:2: column 10 (Tumor_Seq_Allele2)", "(100,000 characters)"], "a 100,000-character allele")
    reject("maf_duplicate_column", maf(YVMA_ROW + ["A"], columns=COLUMNS + ["Tumor_Seq_Allele2"]),
           ["@:1: column Tumor_Seq_Allele2 appears twice"], "two Tumor_Seq_Allele2 columns")
    reject("maf_no_sample_column", maf([c for i, c in enumerate(YVMA_ROW) if i != 11],
                                       columns=[c for c in COLUMNS if c != "Tumor_Sample_Barcode"]),
           ["@:1: the MAF header has no Tumor_Sample_Barcode column"], "no Tumor_Sample_Barcode column")
    reject("maf_empty_sample", maf(changed(YVMA_ROW, Tumor_Sample_Barcode="")),
           ["@:2: column 12 (Tumor_Sample_Barcode) '' is empty"], "a row without its sample")
    reject("maf_ncbi36", maf(changed(YVMA_ROW, NCBI_Build="36")), ["@:2: NCBI_Build '36' is NCBI36/hg18"],
           "a MAF on NCBI36/hg18 (old TCGA files)")
    reject("maf_two_builds", maf(YVMA_ROW, changed(TP53_ROW, NCBI_Build="GRCh38")),
           ["@: NCBI_Build names more than one genome build"], "GRCh37 and GRCh38 rows in one file")
    reject("maf_no_build", maf(changed(YVMA_ROW, NCBI_Build="")), ["@: cannot tell the genome build"],
           "no NCBI_Build value and no --build")
    reject("maf_alt_reads_over_depth", maf(changed(YVMA_ROW, t_depth="30")),
           ["@:2: t_alt_count 40 is more than the depth 30"], "more alt reads than depth")
    reject("maf_count_not_a_number", maf(changed(YVMA_ROW, t_alt_count="forty")),
           ["@:2: column 15 (t_alt_count) 'forty' is not a read count"], "a word as a read count")
    reject("maf_insertion_end_wrong", maf(changed(YVMA_ROW, End_Position="37880999")),
           ["@:2: an insertion", "End_Position = Start_Position + 1"], "an insertion's End far from its Start")
    reject("maf_reference_wrong_build", maf(changed(TP53_ROW, Hugo_Symbol="ERBB2", Start_Position="37881000",
                                                    End_Position="37881000", Reference_Allele="C")),
           ["@:2: REF C does not match the GRCh37 reference"], "an exonic reference base of another build")
    reject("maf_latin1", maf(changed(YVMA_ROW, Tumor_Sample_Barcode="T\xe9")).encode("latin-1"),
           ["@:2: not UTF-8 text"], "a Latin-1 sample id")
    data = gzip_bytes(maf(*[changed(TP53_ROW, Tumor_Sample_Barcode=f"T{i}") for i in range(2000)]).encode())
    reject("maf_gzip_truncated", data[: len(data) // 2], ["@:", "truncated or corrupt"], "a gzipped MAF cut in half",
           name="in.maf.gz")
    reject("maf_gzip_of_garbage_after_header", gzip_bytes(good.encode()[:200] + garbage(rng, 300)), ["@:"],
           "a gzipped MAF header followed by random bytes", name="in.maf.gz")
    accept("maf_version_line_padded_crlf_bom",
           "\ufeff" + maf(YVMA_ROW, TP53_ROW, head="#version 2.4" + "\t" * 14 + "\r\n", eol="\r\n"),
           "cBioPortal's tab-padded #version line, Windows line ends and a byte-order mark")
    accept("maf_gzipped", gzip_bytes(good.encode()), "a gzipped MAF", name="in.maf.gz")
    accept("maf_columns_in_any_order_and_case",
           maf(*[r[::-1] for r in (YVMA_ROW, TP53_ROW)], columns=[c.upper() for c in COLUMNS][::-1]),
           "columns reversed and upper-cased (GENIE's validator upper-cases them)")
    return cases
