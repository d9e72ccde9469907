"""Cases for the VCF/BCF readers (classify)."""

from __future__ import annotations

import numpy as np

from her2var.vcf.reader import BGZF_EOF

from .build import (
    CHROM_LINE,
    FIRST_RECORD_LINE,
    G776V,
    HEADER37,
    LONG,
    YVMA,
    YVMA_NAME,
    Case,
    bcf,
    bgzip,
    bgzip_indexed,
    classify,
    corrupt_middle,
    garbage,
    gzip_bytes,
    rec,
    vcf,
)


def vcf_cases(rng: np.random.Generator) -> list[Case]:
    L = FIRST_RECORD_LINE
    good = vcf(YVMA)
    cases: list[Case] = []

    def reject(cid: str, content: bytes | str, expect: list[str], why: str, name: str = "in.vcf",
               extra: tuple[str, ...] = (), files: dict | None = None) -> None:
        arg = name.rstrip("/")
        args, outs = classify(arg, *extra)
        cases.append(Case(cid, "vcf", {name: content, **(files or {})}, args, 1,
                          [e.replace("@", arg) for e in expect], why, outputs=outs))

    def accept(cid: str, content: bytes | str, why: str, name: str = "in.vcf", stdout: list[str] | None = None,
               extra: tuple[str, ...] = (), files: dict | None = None) -> None:
        args = ["classify", name, "--format", "tsv", *extra]
        cases.append(Case(cid, "vcf", {name: content, **(files or {})}, args, 0, [], why,
                          stdout=stdout if stdout is not None else [YVMA_NAME]))

    # files that are not VCF at all
    reject("vcf_empty_file", b"", ["@: the file is empty"], "zero bytes: nothing to read")
    reject("vcf_only_newlines", "\n\n\n", ["@:1: not a VCF file"], "blank lines only")
    reject("vcf_binary_garbage", garbage(rng, 4096), ["@:1: not a VCF file"], "random bytes")
    reject("vcf_binary_after_header", (vcf().encode() + garbage(rng, 2048)),
           [f"@:{L}:"], "a valid header followed by random bytes")
    reject("vcf_nul_bytes_in_record", vcf(rec(pos="3788\x000981")), [f"@:{L}: POS"],
           "a NUL byte inside POS")
    reject("vcf_no_fileformat", vcf(YVMA, header=HEADER37[1:]), ["@:1: not a VCF file", "##fileformat"],
           "the first line must be ##fileformat")
    reject("vcf_bam_magic", b"BAM\x01" + garbage(rng, 200), ["@:1: not a VCF file"], "a BAM given as VCF")
    reject("vcf_text_file", "patient_id,sex\nP001,M\n", ["@:1: not a VCF file"], "a CSV given as VCF")
    reject("vcf_no_chrom_line", "\n".join(HEADER37) + "\n" + YVMA + "\n", ["@:", "#CHROM"],
           "header without the #CHROM line, records straight after")
    reject("vcf_header_only_no_chrom", "\n".join(HEADER37) + "\n", ["@:", "no '#CHROM' header line"],
           "a header cut off before #CHROM")
    reject("vcf_chrom_line_spaces", vcf(YVMA, chrom_line=CHROM_LINE.replace("\t", " ")),
           [f"@:{L - 1}: malformed #CHROM line"], "#CHROM columns separated by spaces")
    reject("vcf_chrom_line_no_format", vcf(YVMA, chrom_line=CHROM_LINE.replace("FORMAT", "FMT")),
           [f"@:{L - 1}: column 9 of the #CHROM line must be FORMAT"], "column 9 misnamed")
    reject("vcf_duplicate_sample_names", vcf(YVMA + "\t0/1:80,40:120",
                                             chrom_line=CHROM_LINE + "\tTUMOR"),
           [f"@:{L - 1}: duplicate sample names", "TUMOR"], "two samples called TUMOR")
    reject("vcf_header_line_without_hashes", vcf(YVMA, header=HEADER37[:2] + ["#INFO=<ID=X>"] + HEADER37[2:]),
           ["@:3: expected a '##' header line"], "a header line with one '#'")
    reject("vcf_malformed_info_header", vcf(YVMA, header=HEADER37 + ["##INFO=ID=XX,Number=1"]),
           [f"@:{len(HEADER37) + 1}: malformed ##INFO line"], "##INFO without <...>")
    reject("vcf_malformed_format_header", vcf(YVMA, header=HEADER37 + ["##FORMAT=<Number=1,Type=Integer>"]),
           [f"@:{len(HEADER37) + 1}: malformed ##FORMAT line"], "##FORMAT without ID")
    # record shape
    reject("vcf_too_few_columns", vcf("17\t37880981\t.\tA\tAGCATACGTGATG"), [f"@:{L}: 5 tab-separated columns"],
           "five columns")
    reject("vcf_one_column", vcf("17"), [f"@:{L}: 1 tab-separated columns"], "one column")
    reject("vcf_too_many_columns", vcf(YVMA + "\textra"), [f"@:{L}: 11 columns, expected 10"],
           "an extra sample column not in #CHROM")
    reject("vcf_missing_sample_column", vcf(YVMA.rsplit("\t", 1)[0]), [f"@:{L}: 9 columns, expected 10"],
           "the sample column missing")
    reject("vcf_spaces_not_tabs", vcf(YVMA.replace("\t", " ")), [f"@:{L}: 1 tab-separated columns"],
           "a record separated by spaces")
    reject("vcf_second_record_short", vcf(YVMA, "17\t37880998\tG"), [f"@:{L + 1}: 3 tab-separated columns"],
           "the second record has three columns")
    reject("vcf_truncated_last_line", vcf(YVMA, G776V)[:-25], [f"@:{L + 1}:"], "the file ends mid-record")
    reject("vcf_header_after_records", vcf(YVMA, "##INFO=<ID=LATE,Number=1,Type=Integer,Description=\"x\">"),
           [f"@:{L + 1}: 1 tab-separated columns"], "a ## line after the records")
    for cid, pos, why in (("vcf_pos_not_numeric", "abc", "POS is a word"),
                          ("vcf_pos_negative", "-5", "POS negative"),
                          ("vcf_pos_float", "3.788e7", "POS in exponent notation"),
                          ("vcf_pos_empty", "", "POS empty"),
                          ("vcf_pos_with_comma", "37,880,981", "POS with thousands separators")):
        reject(cid, vcf(rec(pos=pos)), [f"@:{L}: POS"], why)
    reject("vcf_empty_ref", vcf(rec(ref="")), [f"@:{L}: REF"], "REF empty")
    reject("vcf_ref_not_bases", vcf(rec(ref="A#", alt="AT")), [f"@:{L}: REF"], "REF with a '#'")
    reject("vcf_alt_not_bases", vcf(rec(alt="AGCATAXGTGATG")), [f"@:{L}: ALT"], "ALT with an X")
    reject("vcf_alt_equals_sep", vcf(rec(alt="A,,T")), [f"@:{L}: ALT"], "an empty ALT allele between commas")
    # field declarations and counts
    reject("vcf_undeclared_info", vcf(rec(info="SOMATIC;XYZ=3")), [f"@:{L}: INFO/SOMATIC is used but not declared"],
           "INFO flags not in the header")
    reject("vcf_undeclared_format", vcf(rec(fmt="GT:AD:DP:XX", sample="0/1:80,40:120:5")),
           [f"@:{L}: FORMAT/XX is used but not declared"], "FORMAT key not in the header")
    reject("vcf_number_r_wrong", vcf(rec(sample="0/1:80,40,3:120")),
           [f"@:{L}: FORMAT/AD has 3 value(s) for 1 ALT allele(s) (Number=R expects 2)"], "AD with three values")
    reject("vcf_number_a_wrong", vcf(rec(info="AF=0.3,0.2")),
           [f"@:{L}: INFO/AF has 2 value(s) for 1 ALT allele(s) (Number=A expects 1)"], "AF with two values")
    reject("vcf_number_r_multiallelic", vcf(rec(alt="AGCATACGTGATG,T", sample="1/2:80,40:120")),
           [f"@:{L}: FORMAT/AD has 2 value(s) for 2 ALT allele(s)"], "AD too short for two ALTs")
    reject("vcf_ad_not_numeric", vcf(rec(sample="0/1:eighty,40:120")), [f"@:{L}:", "AD"], "AD is a word")
    reject("vcf_dp_not_numeric", vcf(rec(sample="0/1:80,40:lots")), [f"@:{L}:", "DP"], "FORMAT/DP is a word")
    reject("vcf_info_dp_not_numeric", vcf("17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\tDP=many",
                                          chrom_line="\t".join(CHROM_LINE.split("\t")[:8])),
           [f"@:{L}: INFO/DP 'many' is not a number"], "INFO/DP a word in a sites-only VCF (the depth used)")
    reject("vcf_gt_garbage", vcf(rec(sample="x/y:80,40:120")), [f"@:{L}:", "GT"], "GT is not a genotype")
    reject("vcf_gt_allele_out_of_range", vcf(rec(sample="0/7:80,40:120")), [f"@:{L}:", "GT"],
           "GT names allele 7 of 1 ALT")
    reject("vcf_long_line_undeclared", vcf(rec(info="X" * LONG)), [f"@:{L}: INFO/", "not declared"],
           f"a {LONG:,}-character INFO key")
    reject("vcf_long_line_one_column", vcf("A" * LONG), [f"@:{L}: 1 tab-separated columns"],
           f"a {LONG:,}-character line without tabs")
    reject("vcf_long_header_line", vcf(YVMA, header=HEADER37 + ["##INFO=<ID=" + "Z" * LONG]),
           [f"@:{len(HEADER37) + 1}: malformed ##INFO line"], f"a {LONG:,}-character broken ##INFO line")
    # build and reference
    reject("vcf_no_build_evidence", vcf(YVMA, header=[HEADER37[0], *HEADER37[2:]]),
           ["@: cannot tell the genome build"], "no ##contig length, no build name")
    reject("vcf_build_contradiction", vcf(YVMA, header=HEADER37 + ["##reference=file:///ref/hg38.fa"]),
           ["@: the header contradicts itself about the genome build"], "contig says GRCh37, ##reference hg38")
    reject("vcf_build_option_contradiction", good, ["@: --build GRCh38 contradicts the header"],
           "--build contradicts ##contig", extra=("--build", "GRCh38"))
    reject("vcf_ref_mismatch", vcf(rec(pos="37880998", ref="C", alt="T", sample="0/1:60,40:100")),
           [f"@:{L}: REF C does not match the GRCh37 reference"], "REF base wrong for the build")
    reject("vcf_sample_not_found", good, ["@: sample 'NORMAL' not found"], "--sample names no sample",
           extra=("--sample", "NORMAL"))
    # compression
    gz = bgzip(good)
    reject("vcf_truncated_bgzip", gz[: len(gz) // 2], ["@:", "truncated"], "BGZF cut in half",
           name="in.vcf.gz")
    reject("vcf_truncated_bgzip_eof_kept", gz[: len(gz) // 2] + BGZF_EOF, ["@:", "truncated or corrupt"],
           "BGZF cut mid-block with an end-of-file block appended", name="in.vcf.gz")
    reject("vcf_bgzip_no_eof_block", gz[:-28], ["@:", "truncated"],
           "BGZF cut exactly at a block boundary (EOF marker missing): records may be lost", name="in.vcf.gz")
    reject("vcf_corrupt_bgzf_block", corrupt_middle(rng, gz), ["@:", "cannot be read"], "bytes overwritten in a block",
           name="in.vcf.gz")
    reject("vcf_bgzf_bad_crc", gz[:-36] + bytes(b ^ 0xFF for b in gz[-36:-32]) + gz[-32:],
           ["@:", "corrupt"], "the CRC of the data block flipped", name="in.vcf.gz")
    plain_gz = gzip_bytes(good.encode())
    reject("vcf_truncated_gzip", plain_gz[: len(plain_gz) - 10], ["@:", "truncated or corrupt"],
           "plain gzip cut short", name="in.vcf.gz")
    reject("vcf_gzip_of_garbage", gzip_bytes(garbage(rng, 3000)), ["@:1: not a VCF file"],
           "gzip holding random bytes", name="in.vcf.gz")
    reject("vcf_gzip_header_only", b"\x1f\x8b", ["@:", "compressed file"], "two bytes of gzip magic",
           name="in.vcf.gz")
    gz_i, tbi = bgzip_indexed(good)
    _, other_tbi = bgzip_indexed(vcf(rec(chrom="17", pos="100", ref="A", alt="T")))
    reject("vcf_index_garbage", gz_i, ["@", "index", "cannot be used"], "the .tbi is random bytes",
           name="in.vcf.gz", files={"in.vcf.gz.tbi": garbage(rng, 300)})
    reject("vcf_index_truncated", gz_i, ["@", "index"], "the .tbi cut in half", name="in.vcf.gz",
           files={"in.vcf.gz.tbi": tbi[: len(tbi) // 2]})
    reject("vcf_index_of_other_file", gz_i, ["@", "index"],
           "the .tbi belongs to another file (stale index): it must not silently hide records",
           name="in.vcf.gz", files={"in.vcf.gz.tbi": other_tbi})
    reject("vcf_given_folder", b"", ["@: is a folder, expected a VCF file"], "a folder named like a VCF",
           name="in.vcf/",
           files={"in.vcf/README": "a folder, not a file\n"})
    args, outs = classify("missing.vcf")
    cases.append(Case("vcf_missing_file", "vcf", {}, args, 1, ["missing.vcf: no such file"], "path does not exist",
                      outputs=outs))
    args = ["classify", "in.vcf", "--annotate-vcf", "annotated.vcf.gz"]
    cases.append(Case("vcf_annotate_bad_input", "vcf", {"in.vcf": vcf(rec(pos="x"))}, args, 1,
                      [f"in.vcf:{L}: POS"], "--annotate-vcf must leave no partial VCF",
                      outputs=["annotated.vcf.gz"]))
    # accepted as valid
    accept("vcf_crlf_accepted", vcf(YVMA, eol="\r\n"), "Windows line endings are read as line ends")
    accept("vcf_bom_accepted", "\ufeff" + good, "a UTF-8 byte-order mark before ##fileformat is skipped")
    accept("vcf_bom_crlf_accepted", "\ufeff" + vcf(YVMA, eol="\r\n"), "BOM and Windows line endings together")
    accept("vcf_crlf_bgzip_accepted", bgzip(vcf(YVMA, eol="\r\n")), "CRLF inside BGZF", name="in.vcf.gz")
    accept("vcf_unsorted_accepted", vcf(G776V, rec(chrom="17", pos="100", ref="A", alt="T"), YVMA),
           "records out of order: a plain VCF is streamed whole, order does not matter",
           stdout=[YVMA_NAME, "p.G776V"])
    accept("vcf_blank_lines_accepted", vcf(YVMA, "", ""), "blank lines at the end are ignored")
    accept("vcf_latin1_description_accepted",
           vcf(YVMA, header=HEADER37 + ['##INFO=<ID=NOTE,Number=1,Type=String,Description="caf\xe9">']).encode("latin-1"),
           "a non-UTF-8 byte in a header description does not matter")
    accept("vcf_long_header_comment_accepted", vcf(YVMA, header=HEADER37 + ["##comment=" + "c" * LONG]),
           f"a {LONG:,}-character ## comment is valid")
    accept("vcf_long_alt_accepted", vcf(rec(ref="A", alt="A" + "GCA" * (LONG // 3), sample="0/1:80,40:120")),
           f"a {LONG // 3 * 3:,}-base insertion is a valid (huge) allele", stdout=["ERBB2", "exon20_insertion"])
    accept("vcf_pos_zero_accepted", vcf(rec(chrom="17", pos="0", ref="N", alt="T"), YVMA),
           "POS 0 marks a telomere (VCF 4.2, 1.4.1): valid, and not in ERBB2")
    accept("vcf_pos_huge_accepted", vcf(YVMA, rec(chrom="17", pos="9" * 40, ref="A", alt="T")),
           "a 40-digit POS lies beyond every gene read; the record is shape-checked only")
    accept("vcf_empty_chrom_outside_accepted", vcf(YVMA, rec(chrom="", pos="5", ref="A", alt="T")),
           "a record with an empty CHROM cannot be in ERBB2; outside the genes read only the shape is checked")
    accept("vcf_lowercase_bases_accepted", vcf(rec(ref="a", alt="agcatacgtgatg")), "lower-case bases")
    accept("vcf_sites_only_accepted", vcf("17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\tDP=120",
                                          chrom_line="\t".join(CHROM_LINE.split("\t")[:8])),
           "a sites-only VCF (no samples) is valid")
    accept("vcf_indexed_accepted", gz_i, "a good BGZF with its index", name="in.vcf.gz",
           files={"in.vcf.gz.tbi": tbi})
    accept("vcf_no_eof_block_plain_gzip_accepted", plain_gz, "plain gzip (not BGZF) of a valid VCF",
           name="in.vcf.gz")
    return cases


def bcf_cases(rng: np.random.Generator) -> list[Case]:
    data = bcf(vcf(YVMA))
    cases = []
    for cid, content, expect, why in (
        ("bcf_truncated", data[: len(data) // 2], ["in.bcf:", "truncated"], "BCF cut in half"),
        ("bcf_truncated_eof_kept", data[: len(data) * 3 // 4] + BGZF_EOF, ["in.bcf:"],
         "BCF cut mid-block with an end-of-file block appended"),
        ("bcf_magic_then_garbage", gzip_bytes(b"BCF\x02\x02" + garbage(rng, 500)), ["in.bcf:", "truncated"],
         "BCF magic followed by random bytes"),
        ("bcf_corrupt_block", corrupt_middle(rng, data, 32), ["in.bcf:"], "bytes overwritten inside a BCF block"),
        ("bcf_uncompressed_garbage", b"BCF\x02\x02" + garbage(rng, 300), ["in.bcf:"], "raw BCF magic and garbage"),
    ):
        args, outs = classify("in.bcf")
        cases.append(Case(cid, "bcf", {"in.bcf": content}, args, 1, expect, why, outputs=outs))
    cases.append(Case("bcf_accepted", "bcf", {"in.bcf": data}, ["classify", "in.bcf", "--format", "tsv"], 0, [],
                      "a valid BCF", stdout=[YVMA_NAME]))
    return cases
