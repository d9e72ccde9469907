"""Cases for the copy-number (--cnv) and fusion-table (--fusions) readers."""

from __future__ import annotations

import numpy as np

from .build import (
    FIRST_RECORD_LINE,
    HEADER37,
    LONG,
    YVMA,
    YVMA_NAME,
    Case,
    bgzip,
    classify,
    garbage,
    gzip_bytes,
    tsv,
    vcf,
)


def cnv_cases(rng: np.random.Generator) -> list[Case]:
    head = ["chromosome", "start", "end", "gene", "log2", "depth", "probes", "weight"]
    row = ["17", 37844000, 37885000, "ERBB2", 2.1, 500, 30, 20]
    cases: list[Case] = []

    def reject(cid: str, content: bytes | str, expect: list[str], why: str, name: str = "cn.cns",
               extra: tuple[str, ...] = ()) -> None:
        args, outs = classify("shared/good.vcf", "--cnv", name, *extra)
        cases.append(Case(cid, "cnv", {name: content}, args, 1, [e.replace("@", name) for e in expect], why,
                          shared=["good.vcf"], outputs=outs))

    def accept(cid: str, content: bytes | str, why: str, stdout: list[str], name: str = "cn.cns",
               extra: tuple[str, ...] = ()) -> None:
        args = ["classify", "shared/good.vcf", "--cnv", name, "--format", "tsv", *extra]
        cases.append(Case(cid, "cnv", {name: content}, args, 0, [], why, shared=["good.vcf"], stdout=stdout))

    def cns(*rows) -> str:
        return tsv(head, *rows)

    reject("cnv_empty_file", b"", ["@: the file is empty"], "zero bytes")
    reject("cnv_binary_garbage", garbage(rng, 2048), ["@:", "not a recognised copy-number file"], "random bytes")
    reject("cnv_unknown_header", tsv(["a", "b", "c"], [1, 2, 3]), ["@:1: not a recognised copy-number file"],
           "columns of no known format")
    reject("cnv_only_comments", "# nothing here\n# still nothing\n", ["@:1: not a recognised copy-number file"],
           "comment lines only")
    reject("cnv_log2_not_numeric", cns([*row[:4], "high", *row[5:]]), ["@:2: log2 'high' is not a number"],
           "log2 is a word")
    reject("cnv_log2_nan", cns([*row[:4], "nan", *row[5:]]), ["@:2: log2 'nan' is not a finite number"],
           "log2 NaN")
    reject("cnv_log2_inf", cns([*row[:4], "inf", *row[5:]]), ["@:2: log2 'inf' is not a finite number"],
           "log2 infinite")
    reject("cnv_start_after_end", cns(["17", 37885000, 37844000, *row[3:]]), ["@:2: start 37885000 is after end"],
           "start after end")
    reject("cnv_start_not_whole", cns(["17", "37844000.5", *row[2:]]), ["@:2: start '37844000.5' is not a whole number"],
           "a fractional position")
    reject("cnv_short_row", cns(row[:3]), ["@:2: 3 column(s), expected 8"], "a row of three cells")
    reject("cnv_empty_chrom", cns(["", *row[1:]]), ["@:2: chromosome is empty"], "chromosome empty")
    reject("cnv_negative_cn", tsv([*head, "cn"], [*row, -3]), ["@:2: cn '-3' must not be negative"], "cn negative")
    reject("cnv_long_line", cns(row, ["17", 1, 2, "x" * LONG]), ["@:3:"], f"a {LONG:,}-character row")
    reject("cnv_missing_column", tsv(["chromosome", "start", "log2"], ["17", 1, 0.1]),
           ["@:1: CNVkit .cns header lacks column(s) end"], "no end column")
    reject("cnv_seg_sample_absent", tsv(["ID", "chrom", "loc.start", "loc.end", "num.mark", "seg.mean"],
                                        ["OTHER", "17", 37844000, 37885000, 10, 1.2]),
           ["@: no rows for sample 'TUMOR'"], "a .seg without the VCF's sample", name="cn.seg")
    reject("cnv_seg_empty_id", tsv(["ID", "chrom", "loc.start", "loc.end", "num.mark", "seg.mean"],
                                   ["", "17", 37844000, 37885000, 10, 1.2]),
           ["@:2: ID is empty"], "a .seg row without a sample id", name="cn.seg")
    reject("cnv_gatk_rg_mismatch", "@HD\tVN:1.6\n@RG\tID:x\tSM:OTHER\n" + tsv(
        ["CONTIG", "START", "END", "NUM_POINTS_COPY_RATIO", "MEAN_LOG2_COPY_RATIO", "CALL"],
        ["17", 37844000, 37885000, 10, 1.2, "+"]),
        ["@: the ", "RG header names sample 'OTHER', not 'TUMOR'"], "GATK segments of another sample",
        name="cn.called.seg")
    asp = ["Chromosome", "Start", "End", "nMajor", "nMinor"]
    reject("cnv_allele_specific_negative", tsv(asp, ["17", 37844000, 37885000, -1, 1]),
           ["@:2: nMajor -1 / nMinor 1 must not be negative"], "negative allele copies", name="cn.tsv")
    reject("cnv_allele_specific_fraction", tsv(asp, ["17", 37844000, 37885000, 1.5, 1]),
           ["@:2: nMajor '1.5' is not a whole number"], "fractional allele copies", name="cn.tsv")
    fc = ["Sample", "Gene", "Status", "FoldChange"]
    reject("cnv_tso500_negative_fc", tsv(fc, ["TUMOR", "ERBB2", "DUP", -2.2]),
           ["@:2: FoldChange '-2.2' must not be negative"], "negative fold change", name="cn.cnv.fc.txt")
    reject("cnv_tso500_fc_word", tsv(fc, ["TUMOR", "ERBB2", "DUP", "big"]),
           ["@:2: FoldChange 'big' is not a number"], "fold change a word", name="cn.cnv.fc.txt")
    gz = gzip_bytes(cns(row).encode())
    reject("cnv_truncated_gzip", gz[:-12], ["@:", "cannot be read"], "gzip cut short", name="cn.cns.gz")
    reject("cnv_vcf_too_few_columns", vcf("17\t37844000\t.\tN"), [f"@:{FIRST_RECORD_LINE}: 4 tab-separated columns"],
           "a copy-number VCF with a four-column record", name="cn.vcf")
    reject("cnv_vcf_wrong_build", vcf("17\t37844000\t.\tN\t<DUP>\t.\tPASS\t.\tGT\t0/1",
                                      header=["##fileformat=VCFv4.2", "##contig=<ID=17,length=83257441>",
                                              *HEADER37[2:]]),
           ["@: ##contig 17 has length 83257441, which is GRCh38"], "CN VCF on the other build", name="cn.vcf")
    reject("cnv_vcf_truncated_bgzip", bgzip(vcf(YVMA))[:60], ["@:", "cannot be read"], "CN VCF cut short",
           name="cn.vcf.gz")
    reject("cnv_given_folder", b"", ["@: is a folder, expected a file (--cnv)"], "a folder", name="cn.cns")
    cases[-1].files = {"cn.cns/README": "a folder, not a file\n"}
    args, outs = classify("shared/good.vcf", "--cnv", "missing.cns")
    cases.append(Case("cnv_missing_file", "cnv", {}, args, 1, ["missing.cns: no such file"], "path does not exist",
                      shared=["good.vcf"], outputs=outs))
    # accepted
    amp = ["amplification", "ERBB2"]
    accept("cnv_crlf_accepted", cns(row).replace("\n", "\r\n"), "Windows line endings", amp)
    accept("cnv_bom_accepted", "\ufeff" + cns(row), "a UTF-8 byte-order mark before the header", amp)
    accept("cnv_rownames_accepted", tsv(head, ["1", *row]), "R's write.table row names (one extra cell)", amp)
    accept("cnv_spaces_accepted", cns(row).replace("\t", " "), "space-separated columns (some tools)", amp)
    accept("cnv_header_only_accepted", cns(), "a header without rows: no copy-number evidence (cn_assessed no)",
           [YVMA_NAME])
    accept("cnv_exponent_positions_accepted", cns(["17", "3.7844e+07", "3.7885e+07", *row[3:]]),
           "R writes round positions as 3.7844e+07", amp)
    return cases


def fusion_cases(rng: np.random.Generator) -> list[Case]:
    head = ["#gene1", "gene2", "strand1(gene/fusion)", "strand2(gene/fusion)", "breakpoint1", "breakpoint2",
            "site1", "site2", "type", "split_reads1", "split_reads2", "discordant_mates", "coverage1",
            "coverage2", "confidence", "reading_frame"]
    row = ["EML4", "ALK", "+/+", "-/-", "2:42522656", "2:29446394", "splice-site", "splice-site", "translocation",
           "12", "10", "8", "100", "90", "high", "in-frame"]
    cases: list[Case] = []

    def reject(cid: str, content: bytes | str, expect: list[str], why: str, name: str = "fusions.tsv") -> None:
        args, outs = classify("shared/good.vcf", "--fusions", name)
        cases.append(Case(cid, "fusions", {name: content}, args, 1, [e.replace("@", name) for e in expect], why,
                          shared=["good.vcf"], outputs=outs))

    def with_cell(col: str, value: str) -> str:
        r = list(row)
        r[head.index(col) if col in head else head.index("#" + col)] = value
        return tsv(head, r)

    reject("fusions_empty_file", b"", ["@: the file is empty"], "zero bytes")
    reject("fusions_binary_garbage", garbage(rng, 2048), ["@:1: unknown fusion table columns"], "random bytes")
    reject("fusions_unknown_columns", tsv(["a", "b"], [1, 2]), ["@:1: unknown fusion table columns"], "no known header")
    reject("fusions_missing_column", tsv(head[:5] + head[6:], row[:5] + row[6:]),
           ["@:1: looks like a Arriba fusions.tsv but lacks column(s) breakpoint2"], "breakpoint2 missing")
    reject("fusions_bad_breakpoint", with_cell("breakpoint1", "chr2-42522656"),
           ["@:2: breakpoint1 'chr2-42522656' is not a breakpoint"], "breakpoint written with a dash")
    reject("fusions_reads_not_numeric", with_cell("split_reads1", "many"), ["@:2: split_reads1 'many' is not a number"],
           "read count a word")
    reject("fusions_reads_nan", with_cell("split_reads1", "nan"), ["@:2: split_reads1 'nan'"], "read count NaN")
    reject("fusions_reads_negative", with_cell("split_reads1", "-4"), ["@:2: split_reads1 '-4'"],
           "negative read count")
    reject("fusions_short_row", tsv(head, row[:6]), ["@:2: 6 tab-separated columns, expected 16"], "six cells")
    reject("fusions_other_build", with_cell("breakpoint2", "2:29223528"),
           ["@:2: the ALK breakpoint 2:29223528 lies outside ALK on GRCh37 but inside it on GRCh38"],
           "GRCh38 breakpoints in a GRCh37 run")
    reject("fusions_truncated_gzip", gzip_bytes(tsv(head, row).encode())[:-10], ["@: cannot be read"],
           "gzip cut short", name="fusions.tsv.gz")
    reject("fusions_long_line", tsv(head, row, ["x" * LONG]), ["@:3: 1 tab-separated columns, expected 16"],
           f"a {LONG:,}-character row")
    reject("fusions_given_folder", b"", ["@: is a folder, expected a file (--fusions)"], "a folder", name="fusions.tsv")
    cases[-1].files = {"fusions.tsv/README": "a folder, not a file\n"}
    for cid, content, why in (("fusions_crlf_accepted", tsv(head, row).replace("\n", "\r\n"), "Windows line endings"),
                              ("fusions_bom_accepted", "\ufeff" + tsv(head, row), "a UTF-8 byte-order mark")):
        cases.append(Case(cid, "fusions", {"fusions.tsv": content},
                          ["classify", "shared/good.vcf", "--fusions", "fusions.tsv", "--format", "tsv"], 0, [], why,
                          shared=["good.vcf"], stdout=["EML4", "ALK", YVMA_NAME]))
    return cases
