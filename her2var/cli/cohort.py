"""``her2var cohort``: the command-line face of build_cohort + write_cohort.

Heavy imports (pandas, openpyxl) happen inside the command, so ``her2var --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import logging
import os

import click

from ..errors import InputError, UsageError, shown
from .params import BuildParam, InputPath, OutputPath, say

log = logging.getLogger(__name__)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"{option} {shown(value)}: write the date as YYYY-MM-DD") from exc


@click.command("cohort")
@click.option("--clinical", "clinical", required=True, type=InputPath(),
              help="Clinical records: CSV, TSV/TXT or Excel .xlsx.")
@click.option("--sheet", help="Excel sheet to read (default: the first).")
@click.option("--calls", "calls", multiple=True, type=click.Path(),
              help="A 'classify --out' folder or a calls.tsv (repeatable; later ones win for a sample).")
@click.option("--store", type=InputPath(), help="The SQLite results store (her2var.db).")
@click.option("--samples", "samples_sheet", type=InputPath(),
              help="Samples sheet: sample, patient, collection_date (other columns ignored).")
@click.option("-o", "--out", "out", required=True, type=OutputPath(),
              help="cohort.tsv to write (cohort.problems.tsv and cohort.conflicts.tsv go beside it).")
@click.option("--xlsx", type=OutputPath(), help="Also write an Excel workbook.")
@click.option("--parquet", type=OutputPath(),
              help="Also write Parquet (needs: pip install 'her2var[parquet]').")
@click.option("--cbioportal", type=OutputPath(folder=True), help="Also write a cBioPortal study folder.")
@click.option("--study-id", default="her2var_cohort", show_default=True, help="cBioPortal study identifier.")
@click.option("--cbioportal-build", type=BuildParam(),
              help="Reference genome of the cBioPortal study (default: the build most events are on).")
@click.option("--pseudonymize", "keyfile", type=InputPath(),
              help="Key file: replace patient and sample ids by keyed pseudonyms (HMAC-SHA256) in every "
                   "output, and leave dates out.")
@click.option("--strict", is_flag=True, help="Fail on any validation problem (default: leave the patient out "
                                             "of the affected analyses and list the reason).")
@click.option("--cutoff", help="Data cut-off date (YYYY-MM-DD) for patients whose records give none.")
@click.option("--date-format", help="strptime format of the text dates, when the file's dates fit two formats.")
@click.option("--clinical-rules", type=InputPath(), help="A clinical.yaml merged over the built-in one.")
@click.option("--regimens", multiple=True, type=InputPath(),
              help="A regimens.yaml merged over the built-in one (repeatable: merged in order; two files "
                   "defining one drug differently are an error).")
@click.option("--rules", "rule_files", multiple=True, type=InputPath(),
              help="A gene rules file merged over the built-in rules, as for classify (driver groups, the "
                   "oncogenicity tiers that count as HER2-altered; repeatable).")
def cohort(clinical, sheet, calls, store, samples_sheet, out, xlsx, parquet, cbioportal, study_id,
           cbioportal_build, keyfile, strict, cutoff, date_format, clinical_rules, regimens, rule_files) -> None:
    """Join classify results to clinical records: one row per patient, with PFS/OS, regimen,
    HER2 status, and which analyses each patient is left out of and why."""
    from ..cohort.build import build_cohort
    from ..cohort.export import Pseudonymizer, write_cohort
    from ..cohort.rules import load_clinical_rules, load_regimen_rules
    from ..rules.load import load_rules

    if not calls and not store:
        raise UsageError("give --calls (a classify --out folder or calls.tsv) and/or --store")
    if store and not os.path.exists(store):
        raise InputError(f"--store {store}: no such file")
    outputs = [p for p in (out, xlsx, parquet) if p]
    if len({os.path.abspath(p) for p in outputs}) != len(outputs):
        raise UsageError("-o, --xlsx and --parquet must be different files")
    if date_format and "%" not in date_format:
        raise UsageError(f"--date-format {shown(date_format)}: give a strptime format such as %d/%m/%Y")
    pz = Pseudonymizer.from_file(keyfile) if keyfile else None
    gene_rules = load_rules(list(rule_files))
    result = build_cohort(
        clinical, list(calls), store=store, samples_sheet=samples_sheet, sheet=sheet, strict=strict,
        cutoff=_date(cutoff, "--cutoff"), date_format=date_format,
        clinical_rules=load_clinical_rules(clinical_rules), regimen_rules=load_regimen_rules(list(regimens)),
        rules=gene_rules)
    written = write_cohort(result, out, xlsx=xlsx, parquet=parquet, cbioportal=cbioportal, pseudonymizer=pz,
                           study_id=study_id, build=cbioportal_build, rules=gene_rules)
    s = result.summary
    included = ", ".join(f"{a} {n}" for a, n in s["included"].items())
    say(f"cohort: {s['patients']} patients, {s['samples']} samples ({s['patients_with_samples']} patients "
        f"with a sample); in analyses: {included}")
    if result.problems:
        kinds = ", ".join(f"{k} {n}" for k, n in s["problems"].items())
        say(f"cohort: {len(result.problems)} problem(s) ({kinds}); see the problems file")
    if s["conflicting_patients"]:
        say(f"cohort: {s['conflicting_patients']} patient(s) with conflicting calls between samples; "
            "see the conflicts file")
    for path in written:
        say(f"wrote {path}")
