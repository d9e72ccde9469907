"""Cases for the samples sheet (--samples), panel targets (--targets) and clinical records
(cohort --clinical: CSV, TSV, XLSX)."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np

from .build import (
    CLIN_HEAD,
    CLIN_ROWS,
    COHORT_OUTPUTS,
    LONG,
    YVMA_NAME,
    Case,
    classify,
    corrupt_zip_member,
    csv_text,
    garbage,
    gzip_bytes,
    tsv,
    xlsx,
)


def samples_cases(rng: np.random.Generator) -> list[Case]:
    head = ["sample", "patient", "vcf", "cnv", "purity"]
    good_row = ["S1", "P1", "shared/good.vcf", "", ""]
    cases: list[Case] = []

    def reject(cid: str, content: bytes | str, expect: list[str], why: str, name: str = "sheet.tsv") -> None:
        args = ["classify", "--samples", name, "--out", "out", "--format", "tsv"]
        cases.append(Case(cid, "samples", {name: content}, args, 1, [e.replace("@", name) for e in expect], why,
                          shared=["good.vcf"], outputs=["out"]))

    reject("samples_empty", b"", ["@: the samples sheet is empty"], "zero bytes")
    reject("samples_binary_garbage", garbage(rng, 2048), ["@:"], "random bytes")
    reject("samples_nul_bytes", tsv(head, good_row).replace("P1", "P\x001"), ["@:", "NUL"], "a NUL byte in a cell")
    reject("samples_not_utf8", tsv(head, good_row).replace("P1", "P\xe91").encode("latin-1"), ["@:", "UTF-8"],
           "a Latin-1 byte in a cell")
    reject("samples_unknown_column", tsv([*head, "tumour_type"], [*good_row, "LUAD"]),
           ["@:1: unknown column(s) tumour_type"], "a column classify does not know")
    reject("samples_no_vcf_column", tsv(["sample", "patient"], ["S1", "P1"]), ["@:1: a samples sheet needs a 'vcf'"],
           "no vcf column")
    reject("samples_short_row", tsv(head, good_row[:3]), ["@:2: 3 columns, expected 5"], "a row of three cells")
    reject("samples_purity_word", tsv(head, [*good_row[:4], "high"]), ["@:2: column 'purity' is not a number"],
           "purity a word")
    reject("samples_purity_percent", tsv(head, [*good_row[:4], "40"]), ["@:2: column 'purity' is outside (0, 1]"],
           "purity as a percentage")
    reject("samples_purity_nan", tsv(head, [*good_row[:4], "nan"]), ["@:2: column 'purity'"], "purity NaN")
    reject("samples_no_vcf_in_row", tsv(head, ["S1", "P1", "", "", ""]), ["@:2: give a 'vcf' or a 'bam'"], "empty vcf cell")
    reject("samples_vcf_missing", tsv(head, ["S1", "P1", "missing.vcf", "", ""]), ["missing.vcf: no such file"],
           "the sheet names a VCF that does not exist")
    reject("samples_duplicate_sample", tsv(head, good_row, good_row), ["@:3: sample 'S1' is listed twice"],
           "one sample id on two rows: which result is S1?")
    reject("samples_duplicate_column", tsv(["sample", "vcf", "vcf"], ["S1", "shared/good.vcf", "shared/good.vcf"]),
           ["@:1: column(s) vcf given twice"], "the vcf column twice")
    reject("samples_long_line", tsv(head, [*good_row[:4], "5" * LONG]), ["@:2: column 'purity' is outside (0, 1]"],
           f"a {LONG:,}-character purity")
    reject("samples_huge_field", tsv(head, [*good_row[:4], '"' + "5" * 200_000 + '"']), ["@:2: not a valid samples sheet"],
           "a 200,000-character cell (over the CSV field limit)")
    reject("samples_given_folder", b"", ["@: is a folder, expected a file (--samples)"], "a folder", name="sheet.tsv")
    cases[-1].files = {"sheet.tsv/README": "a folder, not a file\n"}
    for cid, content, why in (("samples_crlf_accepted", tsv(head, good_row).replace("\n", "\r\n"), "Windows line endings"),
                              ("samples_bom_accepted", "\ufeff" + tsv(head, good_row), "a UTF-8 byte-order mark"),
                              ("samples_csv_accepted", tsv(head, good_row).replace("\t", ","), "comma-separated")):
        cases.append(Case(cid, "samples", {"sheet.tsv": content},
                          ["classify", "--samples", "sheet.tsv", "--format", "tsv"], 0, [], why,
                          shared=["good.vcf"], stdout=["S1", YVMA_NAME]))
    cases.append(Case("samples_xlsx_alias_accepted", "samples",
                      {"sheet.xlsx": xlsx([["Sample ID", "Patient ID", "vcf"], ["S1", "P1", "shared/good.vcf"]])},
                      ["classify", "--samples", "sheet.xlsx", "--format", "tsv"], 0, [],
                      "an Excel sheet with the clinical rules' header spellings, as cohort reads it",
                      shared=["good.vcf"], stdout=["S1", YVMA_NAME]))
    # the same sheet read by the cohort stage (sample, patient, collection date)
    cohort = ["cohort", "--clinical", "shared/clinical.csv", "--calls", "shared/calls", "--samples", "sheet.tsv",
              "-o", "out/cohort.tsv"]
    shared = ["clinical.csv", "calls/samples.tsv", "calls/calls.tsv"]
    chead = ["sample", "patient", "collection_date"]
    for cid, content, expect, why in (
        ("samples_cohort_duplicate_sample", tsv(chead, ["S001", "P001", "2021-01-05"], ["S001", "P001", "2021-02-05"]),
         ["sheet.tsv:3: sample 'S001' is listed twice (first on line 2)"], "one sample on two rows"),
        ("samples_cohort_no_sample_column", tsv(["specimen_type", "patient"], ["FFPE", "P001"]),
         ["sheet.tsv:1: no sample column"], "no column the rules read as the sample id"),
        ("samples_cohort_bad_date", tsv(chead, ["S001", "P001", "2021-13-45"]),
         ["sheet.tsv: row 2, column 'collection_date'", "is not a date"], "month 13"),
        ("samples_cohort_date_as_number", xlsx([chead, ["S001", "P001", 44197]]),
         ["sheet.xlsx [sheet Patients]: row 2, column 'collection_date': a number, not a date"],
         "a collection date stored as a plain number"),
        ("samples_cohort_binary_garbage", garbage(rng, 1024), ["sheet.tsv: not UTF-8 text"], "random bytes"),
        ("samples_cohort_short_row", tsv(chead, ["S001", "P001"]), ["sheet.tsv:2: 2 columns, expected 3"],
         "a row of two cells: refused as classify refuses it"),
    ):
        name = "sheet.xlsx" if cid.endswith("as_number") else "sheet.tsv"
        cases.append(Case(cid, "samples", {name: content}, [a.replace("sheet.tsv", name) for a in cohort], 1,
                          expect, why, shared=shared, outputs=COHORT_OUTPUTS))
    cases.append(Case("samples_cohort_bom_accepted", "samples",
                      {"sheet.tsv": "\ufeff" + tsv(chead, ["S001", "P001", "2021-01-05"], ["S002", "P002", "2021-02-05"])},
                      cohort, 0, ["cohort: 2 patients, 2 samples"], "a UTF-8 byte-order mark", shared=shared,
                      outputs=["out/cohort.tsv"], expect_files={"out/cohort.tsv": ["S001", "S002"]}))
    return cases


def targets_cases(rng: np.random.Generator) -> list[Case]:
    good = "17\t37880900\t37881200\texon20\n"
    cases: list[Case] = []

    def reject(cid: str, content: bytes | str, expect: list[str], why: str, name: str = "panel.bed") -> None:
        args, outs = classify("shared/good.vcf", "--targets", name)
        cases.append(Case(cid, "targets", {name: content}, args, 1, [e.replace("@", name) for e in expect], why,
                          shared=["good.vcf"], outputs=outs))

    reject("targets_empty", b"", ["@: no target intervals"], "zero bytes")
    reject("targets_comments_only", "# panel v2\ntrack name=x\n", ["@: no target intervals"], "no interval lines")
    reject("targets_binary_garbage", garbage(rng, 2048), ["@: not UTF-8 text"], "random bytes")
    reject("targets_two_columns", "17\t37880900\n", ["@:1: 2 column(s); a BED line needs chrom, start, end"], "no end")
    reject("targets_start_word", "17\tstart\t37881200\n", ["@:1: start/end 'start', '37881200' are not whole numbers"],
           "an unmarked header line")
    reject("targets_end_before_start", "17\t37881200\t37880900\n", ["@:1: interval 37881200-37880900 is empty"],
           "end before start")
    reject("targets_negative_start", "17\t-5\t100\n", ["@:1: interval -5-100"], "negative start")
    reject("targets_float_start", "17\t37880900.5\t37881200\n", ["@:1: start/end"], "fractional start")
    reject("targets_second_line_bad", good + "17\t1\n", ["@:2: 2 column(s)"], "the second line broken")
    reject("targets_long_line", good + "17\t1\t" + "9" * LONG + "x\n", ["@:2: start/end"],
           f"a {LONG:,}-character end")
    reject("targets_not_utf8", b"17\t37880900\t37881200\tex\xe9n20\n" + b"\xff\xfe\t1\t2\n", ["@: not UTF-8 text"],
           "Latin-1 and invalid bytes")
    reject("targets_given_folder", b"", ["@: is a folder, expected a file (--targets)"], "a folder", name="panel.bed")
    cases[-1].files = {"panel.bed/README": "a folder, not a file\n"}
    for cid, content, why in (("targets_crlf_accepted", good.replace("\n", "\r\n"), "Windows line endings"),
                              ("targets_bom_accepted", "\ufeff" + good,
                               "a UTF-8 byte-order mark must not become part of the first contig name"),
                              ("targets_chr_prefix_accepted", "chr" + good, "chr17 for a '17' VCF"),
                              ("targets_spaces_accepted", good.replace("\t", " "), "space-separated (BED allows any whitespace)"),
                              ("targets_gzipped_accepted", gzip_bytes(good.encode()), "a gzipped BED"),
                              ("targets_nul_in_name_accepted", good.replace("exon20", "exon\x0020"),
                               "a NUL byte in the name column, which is not used")):
        cases.append(Case(cid, "targets", {"panel.bed": content},
                          ["classify", "shared/good.vcf", "--targets", "panel.bed", "--out", "out", "--format", "tsv"],
                          0, [], why, shared=["good.vcf"], stdout=[YVMA_NAME], outputs=["out"],
                          expect_files={"out/samples.tsv": ["by design"]}))
    return cases


def clinical_cases(rng: np.random.Generator) -> list[Case]:
    import datetime as dt

    cases: list[Case] = []
    shared = ["calls/samples.tsv", "calls/calls.tsv"]

    def args_for(name: str, *extra: str) -> list[str]:
        return ["cohort", "--clinical", name, "--calls", "shared/calls", "-o", "out/cohort.tsv",
                "--xlsx", "out/cohort.xlsx", *extra]

    def reject(cid: str, content: bytes | str, expect: list[str], why: str, name: str = "records.csv",
               extra: tuple[str, ...] = ()) -> None:
        cases.append(Case(cid, "clinical", {name: content}, args_for(name, *extra), 1,
                          [e.replace("@", name) for e in expect], why, shared=shared, outputs=COHORT_OUTPUTS))

    def accept(cid: str, content: bytes | str, why: str, name: str = "records.csv", extra: tuple[str, ...] = (),
               expect: dict[str, list[str]] | None = None) -> None:
        cases.append(Case(cid, "clinical", {name: content}, args_for(name, *extra), 0, ["cohort: 2 patients"], why,
                          shared=shared, outputs=["out/cohort.tsv", "out/cohort.xlsx"],
                          expect_files=expect or {"out/cohort.tsv": ["P001", "P002", "2021-03-01"]}))

    good = csv_text([CLIN_HEAD, *CLIN_ROWS])
    d = dt.date
    xrows = [CLIN_HEAD, ["P001", "M", 61, "carboplatin + pemetrexed", d(2021, 3, 1), d(2021, 9, 15), d(2022, 6, 1), "PR"],
             ["P002", "F", 55, "pyrotinib", d(2021, 4, 10), None, d(2022, 1, 5), "SD"]]
    # text tables
    reject("clinical_empty", b"", ["@: the file is empty"], "zero bytes")
    reject("clinical_blank_lines", "\n\n \n", ["@: the file is empty"], "blank lines only")
    reject("clinical_binary_garbage", garbage(rng, 4096), ["@:", "UTF-8"], "random bytes")
    reject("clinical_nul_bytes", good.replace("P002", "P0\x0002"), ["@: contains NUL bytes"], "a NUL byte")
    reject("clinical_not_utf8", good.replace("pyrotinib", "pyrotinib (r\xe9duit)").encode("latin-1"),
           ["@: not UTF-8 text"], "a Latin-1 file")
    reject("clinical_missing_required", csv_text([["name", "sex"], ["Alice", "F"]]),
           ["@", "no column for patient_id (required)"], "no patient id column")
    reject("clinical_two_columns_one_field", csv_text([[*CLIN_HEAD, "Gender"], [*CLIN_ROWS[0], "M"]]),
           ["@", "columns 'sex' and 'Gender' both mean sex"], "sex twice under two names")
    reject("clinical_wrong_delimiter", good.replace(",", ";"), ["@:1: wrong delimiter"], "semicolons in a .csv")
    reject("clinical_tsv_with_commas", good, ["@:1: wrong delimiter"], "commas in a .tsv", name="records.tsv")
    reject("clinical_too_many_fields", good + "P003,F,70,pyrotinib,2021-05-01,,2022-01-05,SD,extra\n",
           ["@: row 4: 9 fields but the header (row 1) has 8"], "a row with an extra field")
    reject("clinical_unclosed_quote", good + 'P003,F,70,"pyrotinib,2021-05-01,,2022-01-05,SD\n',
           ["@: row 4: a quote opened in this row is never closed"],
           "an unclosed quote swallowing the rest of the file")
    reject("clinical_huge_field", good + "P003,F,70," + "x" * 200_000 + ",2021-05-01,,2022-01-05,SD\n",
           ["@: row 4"], "a 200,000-character cell (over the CSV field limit)")
    reject("clinical_age_word", csv_text([CLIN_HEAD, CLIN_ROWS[0], ["P002", "F", "sixty", *CLIN_ROWS[1][3:]]]),
           ["@: row 3, column 'age': the age is not a number"], "age a word")
    reject("clinical_mixed_date_formats", csv_text([CLIN_HEAD, CLIN_ROWS[0],
                                                    [*CLIN_ROWS[1][:4], "10.04.2021", "", "05.01.2022", "SD"]]),
           ["@", "mixed date formats"], "ISO and dotted dates in one file")
    reject("clinical_bad_date", csv_text([CLIN_HEAD, CLIN_ROWS[0], [*CLIN_ROWS[1][:4], "31/02/2021", "", "", "SD"]]),
           ["@: row 3, column 'treatment_start'", "is not a date"], "31 February")
    reject("clinical_serial_date_text", csv_text([CLIN_HEAD, CLIN_ROWS[0], [*CLIN_ROWS[1][:4], "44296", "", "", "SD"]]),
           ["@: row 3, column 'treatment_start'", "is not a date"], "an Excel serial number typed as text")
    reject("clinical_ambiguous_dates", csv_text([CLIN_HEAD, [*CLIN_ROWS[0][:4], "03/01/2021", "", "04/02/2021", "PR"],
                                                 [*CLIN_ROWS[1][:4], "05/04/2021", "", "06/01/2022", "SD"]]),
           ["@", "ambiguous date format", "--date-format"], "every date fits both d/m/Y and m/d/Y")
    accept("clinical_unknown_drug", csv_text([CLIN_HEAD, [*CLIN_ROWS[0][:3], "unobtainium", *CLIN_ROWS[0][4:]],
                                              CLIN_ROWS[1]]),
           "a drug no rule knows: that patient's problem (regimen unknown), not the file's",
           expect={"out/cohort.tsv": ["P001", "unobtainium", "unknown"]})
    reject("clinical_unknown_extension", good, ["@: unknown file type '.dat'"], "a .dat file", name="records.dat")
    reject("clinical_old_xls", garbage(rng, 512, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), ["@: old binary Excel (.xls)"],
           "an .xls workbook", name="records.xls")
    reject("clinical_sheet_on_csv", good, ["@: --sheet is only for Excel workbooks"], "--sheet with a CSV",
           extra=("--sheet", "Patients"))
    reject("clinical_given_folder", b"", ["@: is a folder, expected a file (--clinical)"], "a folder",
           name="records.csv")
    cases[-1].files = {"records.csv/README": "a folder, not a file\n"}
    # Excel
    X = "records.xlsx"
    reject("xlsx_csv_renamed", good, ["@: is not an Excel .xlsx workbook"], "a CSV renamed .xlsx", name=X)
    reject("xlsx_encrypted", garbage(rng, 1024, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
           ["@: is an encrypted (password-protected) workbook"], "an OLE2 (encrypted) container", name=X)
    wb = xlsx(xrows)
    reject("xlsx_truncated", wb[: len(wb) // 2], ["@: cannot be read as an Excel workbook"], "the zip cut in half", name=X)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("hello.txt", date_time=(2020, 1, 1, 0, 0, 0)), "not a workbook")
    reject("xlsx_zip_not_workbook", buf.getvalue(), ["@: cannot be read as an Excel workbook"], "a zip of a text file",
           name=X)
    reject("xlsx_corrupt_member", corrupt_zip_member(rng, wb), ["@:"], "sheet XML bytes overwritten", name=X)
    reject("xlsx_empty_sheet", xlsx([]), ["@: sheet 'Patients' is empty"], "a workbook with an empty sheet", name=X)
    reject("xlsx_empty_first_sheet", xlsx([], extra_sheets={"Data": xrows}), ["@: sheet 'Patients' is empty"],
           "data on the second sheet only (give --sheet)", name=X)
    reject("xlsx_sheet_missing", wb, ["@: no sheet 'Clinical'"], "--sheet names no sheet", name=X,
           extra=("--sheet", "Clinical"))
    reject("xlsx_dates_as_numbers", xlsx([CLIN_HEAD, [*xrows[1][:4], 44256, None, 44713, "PR"], xrows[2]]),
           ["@ [sheet Patients]: row 2, column 'treatment_start': a number, not a date"],
           "date cells stored as plain numbers", name=X)
    reject("xlsx_age_as_date", xlsx([CLIN_HEAD, [*xrows[1][:2], d(1960, 1, 1), *xrows[1][3:]], xrows[2]]),
           ["@ [sheet Patients]: row 2, column 'age'", "holds a date, not a number"], "a date in the age column", name=X)

    def merged(ws) -> None:
        ws["E3"] = None
        ws.merge_cells("E2:E3")

    reject("xlsx_merged_cells", xlsx(xrows, edit=merged), ["@", "merged", "E2:E3"],
           "a treatment start merged over two patients: the second would silently have none", name=X)

    def header_merged(ws) -> None:
        ws.insert_rows(1)
        ws["A1"] = "Clinical data export"
        ws.merge_cells("A1:H1")

    reject("xlsx_merged_title_row", xlsx(xrows, edit=header_merged), ["@", "merged", "A1:H1"],
           "a merged title row above the header", name=X)

    def formula(ws) -> None:
        ws["E2"] = "=DATE(2021,3,1)"
        ws["E2"].number_format = "YYYY-MM-DD"

    reject("xlsx_formula_no_cached_value", xlsx(xrows, edit=formula), ["@", "E2", "formula"],
           "a formula never calculated (no saved value) would read as an empty date", name=X)
    reject("xlsx_error_cell", xlsx(xrows, edit=lambda ws: ws.__setitem__("E2", "#VALUE!")),
           ["@ [sheet Patients]: row 2, column 'treatment_start'", "not a date"], "an Excel error value in a date",
           name=X)
    reject("xlsx_date_out_of_range", xlsx(xrows, patch=lambda x: x.replace("<v>44256</v>", "<v>99999999</v>", 1)),
           ["@", "row 2", "treatment_start"], "a date serial beyond year 9999", name=X)
    # accepted as valid
    accept("clinical_crlf_accepted", good.replace("\n", "\r\n"), "Windows line endings")
    accept("clinical_bom_accepted", "\ufeff" + good, "a UTF-8 byte-order mark (Excel's 'CSV UTF-8')")
    accept("clinical_tsv_accepted", good.replace(",", "\t"), "tab-separated", name="records.tsv")
    accept("clinical_quoted_accepted", csv_text([CLIN_HEAD, *CLIN_ROWS]).replace("P001", '"P001"'),
           "quoted cells")
    accept("clinical_long_note_accepted", csv_text([[*CLIN_HEAD, "notes"], [*CLIN_ROWS[0], "n" * LONG],
                                                    [*CLIN_ROWS[1], ""]]),
           f"a {LONG:,}-character free-text note in a column that is not used")
    accept("clinical_long_age_accepted",
           csv_text([CLIN_HEAD, CLIN_ROWS[0], [*CLIN_ROWS[1][:2], "5" * LONG, *CLIN_ROWS[1][3:]]]),
           f"a {LONG:,}-digit age is read (as infinity) and left out of the baseline analysis as out of range",
           expect={"out/cohort.problems.tsv": ["out_of_range", "age outside 0-120 years"]})
    accept("xlsx_accepted", wb, "a valid workbook", name=X)

    def formula_cached(x: str) -> str:
        return re.sub(r'<c r="E2"([^>]*)><f>DATE\(2021,3,1\)</f><v\s*/>', r'<c r="E2"\1><f>DATE(2021,3,1)</f><v>44256</v>', x)

    accept("xlsx_formula_cached_accepted", xlsx(xrows, edit=formula, patch=formula_cached),
           "a formula with its saved value (as Excel writes it) is read by its value", name=X)
    accept("xlsx_second_sheet_accepted", xlsx([], extra_sheets={"Data": xrows}), "--sheet picks the sheet with data",
           name=X, extra=("--sheet", "Data"))
    accept("xlsx_formula_text_accepted", xlsx([CLIN_HEAD, xrows[1], ["=HYPERLINK(\"x\")", *xrows[2][1:]]],
                                              edit=lambda ws: setattr(ws["A3"], "data_type", "s")),
           "an id that looks like a formula, stored as text, is data", name=X,
           expect={"out/cohort.tsv": ["P001", "'=HYPERLINK"]})
    return cases
