"""``her2var cohort``: the command-line face of build_cohort + write_cohort.

Heavy imports (pandas, openpyxl) happen inside the command, so ``her2var --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from typing import TYPE_CHECKING

import click

from ..errors import InputError, UsageError, shown
from .params import BuildParam, InputPath, OutputPath, say

if TYPE_CHECKING:
    from ..cohort.calls import SampleCalls
    from ..rules.load import Rules

log = logging.getLogger(__name__)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"{option} {shown(value)}: write the date as YYYY-MM-DD") from exc


def _check_sources(clinical: str | None, public: bool, **clinical_only: str | None) -> None:
    """Clinical records come from one place: a file (--clinical) or a public cohort (--study/--bpc),
    whose survival is given as intervals and whose samples are mapped by its own tables, so the
    options about a file's dates and samples sheet do not apply to it."""
    if clinical and public:
        raise UsageError("give --clinical or --study/--bpc, not both")
    if not clinical and not public:
        raise UsageError("give --clinical (clinical records) or --study/--bpc (a public cohort)")
    if public:
        for name, value in clinical_only.items():
            if value:
                option = {"samples": "--samples", "date_format": "--date-format"}.get(name, f"--{name}")
                raise UsageError(f"{option} is for --clinical records; a public cohort has no dates to read and "
                                 "maps samples to patients in its own tables")


def _inputs(**given: str | tuple[str, ...] | None) -> list[tuple[str, str | None]]:
    """Every file the cohort is built from, by option (no output may overwrite one): a --calls folder
    is its samples.tsv and calls.tsv, a calls.tsv brings the samples.tsv beside it; a folder of a
    public cohort brings every file in it."""
    out: list[tuple[str, str | None]] = []
    for name, value in given.items():
        option = f"--{name.replace('_', '-')}"
        for path in (value if isinstance(value, tuple) else (value,)):
            if not path:
                continue
            out.append((option, path))
            if os.path.isdir(path):
                with contextlib.suppress(OSError):
                    out += [(option, os.path.join(path, f)) for f in sorted(os.listdir(path))]
            elif name == "calls":
                out.append((option, os.path.join(os.path.dirname(os.path.abspath(path)), "samples.tsv")))
            elif name == "store":
                out += [(option, path + ext) for ext in ("-wal", "-shm")]
    return out


def _classify_study(study: str, store: str | None, rule_files: tuple[str, ...],
                    rules: Rules) -> list[SampleCalls] | None:
    """The study's samples through ``classify --study`` (default options, the cohort's gene rules):
    recorded into ``store`` when one is given (the cohort then reads the store), else kept in memory,
    with nothing written. For --build, --reference or --purity, run classify --study and give --calls."""
    from ..classify.output import sample_json
    from ..cohort.calls import from_sample_json
    from ..studies import classify_study

    run = classify_study(study, rules=rules, rule_files=rule_files, store=store)
    failed = sum(1 for r in run.results if r.status != "ok")
    say(f"classify: {len(run.results)} sample(s) of {study}" + (f", {failed} failed" if failed else "")
        + (f"; recorded in {store}" if store else ""))
    if store:
        return None
    return [from_sample_json(sample_json(r, run.provenance), f"{study} (classify --study)") for r in run.results]


@click.command("cohort")
@click.option("--clinical", "clinical", type=InputPath(),
              help="Clinical records: CSV, TSV/TXT or Excel .xlsx (or a public cohort: --study/--bpc).")
@click.option("--study", type=InputPath(check=False),
              help="A cBioPortal study or AACR GENIE release folder: its clinical tables are the clinical "
                   "records (instead of --clinical).")
@click.option("--bpc", type=InputPath(check=False),
              help="A GENIE BPC folder (patient, cancer, regimen and panel-test CSVs): curated clinical records, "
                   "regimens and survival with delayed entry; with --study, the release's samples too.")
@click.option("--bpc-origin", type=click.Choice(["first-line", "diagnosis"]), default="first-line",
              show_default=True, help="Time zero of GENIE BPC survival: the first-line regimen's start (PFS and "
                                      "OS) or the diagnosis (OS only).")
@click.option("--sheet", help="Excel sheet to read (default: the sheet the workbook opens on, if visible, else the "
                               "first visible one; a hidden sheet is read only when named here).")
@click.option("--calls", "calls", multiple=True, type=InputPath(check=False),
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
                                             "of the affected analyses and list the reason). Facts of a public "
                                             "source (a redacted age, samples of other cancer types, several index "
                                             "cancers) are listed, not counted.")
@click.option("--cutoff", help="Data cut-off date (YYYY-MM-DD) for patients whose records give none.")
@click.option("--date-format", help="strptime format of the text dates, when the file's dates fit two formats.")
@click.option("--clinical-rules", type=InputPath(), help="A clinical.yaml merged over the built-in one.")
@click.option("--regimens", multiple=True, type=InputPath(),
              help="A regimens.yaml merged over the built-in one (repeatable: merged in order; two files "
                   "defining one drug differently are an error).")
@click.option("--rules", "rule_files", multiple=True, type=InputPath(),
              help="A gene rules file merged over the built-in rules, as for classify (driver groups, the "
                   "oncogenicity tiers that count as HER2-altered; repeatable).")
def cohort(clinical, study, bpc, bpc_origin, sheet, calls, store, samples_sheet, out, xlsx, parquet, cbioportal,
           study_id, cbioportal_build, keyfile, strict, cutoff, date_format, clinical_rules, regimens,
           rule_files) -> None:
    """Join classify results to clinical records: one row per patient, with PFS/OS, regimen,
    HER2 status, and which analyses each patient is left out of and why."""
    from ..cohort.build import build_cohort
    from ..cohort.export import Pseudonymizer, check_outputs, sibling, write_cohort
    from ..cohort.rules import load_clinical_rules, load_regimen_rules
    from ..rules.load import load_rules

    public = bool(study or bpc)
    _check_sources(clinical, public, sheet=sheet, date_format=date_format, cutoff=cutoff, samples=samples_sheet)
    if not calls and not store and not study:
        raise UsageError("give --calls (a classify --out folder or calls.tsv) and/or --store"
                         + (", or --study to classify the study's samples" if public else ""))
    if store and not os.path.exists(store) and not (study and not calls):  # classify --study makes it
        raise InputError(f"--store {store}: no such file")
    outputs = [p for p in (out, sibling(out, "problems"), sibling(out, "conflicts"), xlsx, parquet) if p]
    if len({os.path.realpath(p) for p in outputs}) != len(outputs):
        raise UsageError("-o, --xlsx and --parquet must be different files (and other than the -o table's "
                         ".problems.tsv and .conflicts.tsv beside it)")
    read = _inputs(clinical=clinical, study=study, bpc=bpc, calls=calls, store=store, samples=samples_sheet,
                   pseudonymize=keyfile, clinical_rules=clinical_rules, regimens=regimens, rules=rule_files)
    check_outputs(out, xlsx=xlsx, parquet=parquet, cbioportal=cbioportal, inputs=read)
    if date_format and "%" not in date_format:
        raise UsageError(f"--date-format {shown(date_format)}: give a strptime format such as %d/%m/%Y")
    gene_rules = load_rules(list(rule_files))  # first: a lab's limits (rules/limits.yaml) apply to every input
    pz = Pseudonymizer.from_file(keyfile) if keyfile else None
    crules, rrules = load_clinical_rules(clinical_rules), load_regimen_rules(list(regimens))
    records, results = None, None
    if public:
        from ..studies.clinical import read_study_clinical

        records = read_study_clinical(study, bpc, crules, rrules, origin=bpc_origin.replace("-", "_"))
        if study and not calls:
            results = _classify_study(study, store, tuple(rule_files), gene_rules)
    result = build_cohort(
        clinical or "", list(calls), store=store, samples_sheet=samples_sheet, sheet=sheet, strict=strict,
        cutoff=_date(cutoff, "--cutoff"), date_format=date_format,
        clinical_rules=crules, regimen_rules=rrules, rules=gene_rules, clinical=records, results=results)
    written = write_cohort(result, out, xlsx=xlsx, parquet=parquet, cbioportal=cbioportal, pseudonymizer=pz,
                           study_id=study_id, build=cbioportal_build, rules=gene_rules, inputs=read)
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
