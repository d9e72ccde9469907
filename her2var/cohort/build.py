"""The cohort table: clinical records joined to classify results, one row per patient.

Order of work: rules -> clinical records (read, validate) -> date checks -> classify results
(folders, calls.tsv, store) -> samples sheet (patients, collection dates) -> samples matched to
patients -> one sample per patient -> derived columns -> exclusions per analysis.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import logging
import operator
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import Any

from ..classify.codrivers import driver_group_of
from ..classify.tiers import TIERS, policy, tier_call_dict
from ..errors import InputError, RulesError, shown
from ..rules.load import Rules, load_rules
from ..store import TextKeys
from .calls import SampleCalls, from_classify_output, from_store, read_samples_sheet
from .clinical import ClinicalTable, Patient, read_clinical
from .date_checks import check_dates
from .derive import (
    MONTH_DAYS,
    altered_classes,
    choose_sample,
    conflicting,
    her2_status,
    her2_verdict,
    not_assessed_reason,
    os_,
    os_of_dates,
    pfs,
    pfs_of_dates,
    regimen,
    sample_entry,
)
from .problems import MAX_LISTED, Problem
from .rules import (
    ANALYSES,
    ClinicalRules,
    RegimenRules,
    load_clinical_rules,
    load_regimen_rules,
)
from .tested import codriver_cells, codriver_genes, gene_kinds, untested_problem

log = logging.getLogger(__name__)

DATE_COLUMNS = ("treatment_start", "progression_date", "death_date", "last_followup", "cutoff")
# Delayed entry of each endpoint (derive.sample_entry), for a plan's ``entry:``.
ENTRY_COLUMNS = ("pfs_entry_days", "pfs_entry_months", "os_entry_days", "os_entry_months")


@dataclass
class CohortResult:
    """Everything ``build_cohort`` found: the table, what was left out and why, conflicts."""

    columns: list[str]
    records: list[tuple[Any, ...]]  # one per patient: its values in columns' order, typed (date, float, int, str, None)
    problems: list[Problem]
    conflicts: list[dict[str, Any]]
    samples_by_patient: dict[str, list[SampleCalls]]
    chosen: dict[str, SampleCalls]
    codriver_genes: list[str]
    clinical: ClinicalTable
    n_samples: int
    summary: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def rows(self) -> list[dict[str, Any]]:
        """The records as dicts (column -> value), made when first read: the exports other than
        cohort.tsv read them (cohort.tsv is written from the records, which is faster)."""
        columns = self.columns
        return [dict(zip(columns, r, strict=True)) for r in self.records]

    def current_records(self) -> list[tuple[Any, ...]]:
        """The records, or, once ``rows`` have been made, the records of the rows as they are now
        (a caller may have changed them; a key a row lacks is None)."""
        if "rows" not in self.__dict__:
            return self.records
        return [tuple(map(r.get, self.columns)) for r in self.rows]


@contextlib.contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while a cohort is built or written.

    Building allocates millions of small objects that all live to the end and form no reference
    cycles; the collector would scan them again and again (a third of the run time at 100,000
    patients). Reference counting still frees everything; the collector is restored after.

    On the way out the objects made meanwhile are moved to the oldest generation (``freeze`` then
    ``unfreeze``) without being scanned: left in the youngest, the first allocation after the
    collector is back would scan all of them at once (1-2 s at 100,000 patients). Cycles among
    them are still found by the next full collection. Not done when the program has frozen
    objects of its own (unfreezing would release them too).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def load_samples(calls: list[str] | tuple[str, ...], store: str | None,
                 results: list[SampleCalls] | None = None) -> tuple[list[SampleCalls], list[Problem]]:
    """Results from every source (``results``: already in memory, first); a sample seen twice keeps
    the later source's result."""
    found: dict[str, SampleCalls] = {}
    problems = []
    batches = [list(results or []), *(from_classify_output(c) for c in calls)]
    if store:
        batches.append(from_store(store))
    for batch in batches:
        if not found:  # the first source: its samples at once, unless one repeats (said below)
            found = dict(zip(map(_by_sample, batch), batch, strict=True))
            if len(found) == len(batch):
                continue
            found = {}
        for s in batch:
            if s.sample in found:
                problems.append(Problem("duplicate_sample", f"sample in {found[s.sample].source} and in "
                                        f"{s.source}; the later one is used", sample=s.sample))
            found[s.sample] = s
    return list(found.values()), problems


def build_cohort(clinical_path: str, calls: list[str] | tuple[str, ...] = (), *, store: str | None = None,
                 samples_sheet: str | None = None, sheet: str | None = None, strict: bool = False,
                 cutoff: dt.date | None = None, date_format: str | None = None,
                 clinical_rules: ClinicalRules | None = None, regimen_rules: RegimenRules | None = None,
                 today: dt.date | None = None, rules: Rules | None = None,
                 clinical: ClinicalTable | None = None, results: list[SampleCalls] | None = None) -> CohortResult:
    """Join clinical records to classify results. Raises InputError on unreadable input, and on
    any validation problem when ``strict``. ``rules`` (default: the built-in gene rules) give the
    driver-group order, the tiers that count as HER2-altered or as a driver, and the tiers of
    calls written before tiers existed. ``clinical``: records already read (a public cohort,
    her2var.studies), used instead of reading ``clinical_path``; its sample map stands in for a
    samples sheet. ``results``: classify results in memory (a study classified for this cohort)."""
    if not calls and not store and results is None:
        raise InputError("no classify results given: use --calls (a classify --out folder or calls.tsv) "
                         "or --store")
    with paused_gc():
        return _build(clinical_path, calls, store, samples_sheet, sheet, strict, cutoff, date_format,
                      clinical_rules, regimen_rules, today, rules or load_rules(), clinical, results)


def _build(clinical_path: str, calls: list[str] | tuple[str, ...], store: str | None, samples_sheet: str | None,
           sheet: str | None, strict: bool, cutoff: dt.date | None, date_format: str | None,
           clinical_rules: ClinicalRules | None, regimen_rules: RegimenRules | None,
           today: dt.date | None, rules: Rules, clinical: ClinicalTable | None = None,
           results: list[SampleCalls] | None = None) -> CohortResult:
    crules = clinical_rules or load_clinical_rules()
    rrules = regimen_rules or load_regimen_rules()
    today = today or dt.date.today()
    table = clinical or read_clinical(clinical_path, crules, rrules, sheet=sheet, date_format=date_format)
    check_dates(table, crules, today=today, default_cutoff=cutoff)
    samples, problems = load_samples(calls, store, results)
    problems = table.problems + problems
    derived_tiers = tier_old_calls(samples, rules)  # flagged only: added after the --strict check
    sheet_rows = read_samples_sheet(samples_sheet, crules, date_format) if samples_sheet else table.samples
    named = "the samples sheet" if samples_sheet else "the clinical sample table"
    return _assemble(table, samples, problems, derived_tiers, sheet_rows, named, strict, crules, rrules, rules,
                     clinical is not None)


def _assemble(table: ClinicalTable, samples: list[SampleCalls], problems: list[Problem],
              derived_tiers: list[Problem], sheet_rows: dict[str, Any] | None, named: str, strict: bool,
              crules: ClinicalRules, rrules: RegimenRules, rules: Rules, given_table: bool) -> CohortResult:
    """The cohort from the records and results read: samples matched to patients, one sample per
    patient, one row per patient. ``named``: what the sample map is called in messages;
    ``given_table``: the records were read elsewhere (their file is named in the messages)."""
    clinical_path = table.path
    if sheet_rows is not None:
        for s in samples:
            r = sheet_rows.get(s.sample)
            if r is None:
                continue
            if r.patient and s.patient and r.patient != s.patient:
                problems.append(Problem("sample_patient_mismatch", f"the classify results name patient "
                                        f"{shown(s.patient, bare=True)}, {named} (row {r.row}) names "
                                        f"{shown(r.patient, bare=True)}; the sheet "
                                        "is used", patient=r.patient, sample=s.sample))
            s.patient = r.patient or s.patient
            s.collection_date = r.collection_date
    if table.outside or table.left_out_samples:
        samples, left_out = outside_samples(samples, table.outside, table.left_out_samples)
        problems += left_out

    first = dict(zip(map(_patient_id, table.patients), table.patients, strict=True))
    if len(first) < len(table.patients):  # a patient listed twice: the first record stands
        first = {}
        for p in table.patients:
            first.setdefault(p.patient_id, p)
    by_patient: dict[str, list[SampleCalls]] = {}
    for s in samples:
        pid = s.patient
        if not pid:
            problems.append(Problem("sample_without_patient", "no patient id for this sample (give --samples "
                                    "with a patient column)", sample=s.sample))
        elif pid not in first:
            problems.append(Problem("sample_without_patient", "its patient is not in the clinical records",
                                    patient=pid, sample=s.sample))
        else:
            ss = by_patient.get(pid)
            if ss is None:
                by_patient[pid] = [s]
            else:
                ss.append(s)
    for ss in by_patient.values():
        if len(ss) > 1:
            ss.sort(key=_by_sample)

    testing = gene_kinds(rules)  # co-driver gene -> the kinds of testing that report it
    codrivers = {g: testing.get(g, ()) for g in codriver_genes(testing, samples)}
    chosen: dict[str, SampleCalls] = {}
    conflicts: list[dict[str, Any]] = []
    records: list[tuple[Any, ...]] = []
    codriver_memo: dict[Any, Any] = {}  # co-driver cells per testing record (tested.codriver_cells)
    her2_memo: dict[Any, Any] = {}  # HER2 and driver cells per kind of sample (_her2_cells)
    study = table.study_columns
    record_of = operator.itemgetter(*_columns(crules, codrivers, study))  # a _row's values in columns' order
    fast_record = _RecordMaker(crules, rrules, rules, codrivers, codriver_memo, her2_memo)
    selection = crules.selection
    no_samples: list[SampleCalls] = []
    for pid, p in first.items():
        ss = by_patient.get(pid, no_samples)
        pick: SampleCalls | None = None
        how = ""
        conflict = False
        if len(ss) == 1:  # most patients: choose_sample's "only sample", nothing to compare
            pick = ss[0]
            how = "only sample"
            chosen[pid] = pick
        elif ss:
            pick, how = choose_sample(ss, p.treatment_start, selection)
            chosen[pid] = pick
            events = [s.erbb2_events for s in ss]
            conflict = conflicting(ss, events)
            if conflict:
                for s, found in zip(ss, events, strict=True):
                    conflicts.append({
                        "patient_id": pid, "sample": s.sample, "chosen": "yes" if s is pick else "no",
                        "collection_date": s.collection_date, "her2_status": her2_status(s),
                        "erbb2_events": ";".join(found), "assessed": s.assessed,
                        "cn_assessed": s.cn_assessed, "status": s.status})
        else:
            problems.append(Problem("patient_without_samples", "no classified sample for this patient",
                                    p.row, table.columns["patient_id"], patient=pid, analyses=("her2",),
                                    file=table.path if given_table else ""))
            p.exclude(("her2",), "no sample")
        if study or p.intervals:
            records.append(record_of(_row(p, ss, pick, how, conflict, codrivers, crules, rrules, rules, study,
                                          codriver_memo, her2_memo)))
        else:
            records.append(fast_record(p, ss, pick, how, conflict))

    faults = [pr for pr in problems if not pr.is_note]
    if strict and faults:
        lines = [pr.describe(clinical_path if pr.row is not None else "") for pr in faults]
        tail = f"\n  ... and {len(lines) - MAX_LISTED} more" if len(lines) > MAX_LISTED else ""
        raise InputError(f"--strict: {len(faults)} validation problem(s); nothing was written:\n  "
                         + "\n  ".join(lines[:MAX_LISTED]) + tail)
    problems += derived_tiers + untested_problem(chosen.values())
    checksums = sorted({s.rules_checksum for s in chosen.values() if s.rules_checksum})
    if len(checksums) > 1:
        problems.append(mixed_rules_problem(checksums, chosen))
        log.warning("cohort: its samples were classified under %d different rules (%s); classes may not be "
                    "comparable (see the rules_checksum column)", len(checksums),
                    ", ".join(c[:12] for c in checksums))
    columns = cohort_columns(crules, codrivers, table.study_columns)
    kinds = Counter(pr.kind for pr in problems)
    summary = {
        "patients": len(records), "clinical_rows": table.n_rows, "samples": len(samples),
        "patients_with_samples": len(chosen), "problems": dict(sorted(kinds.items())),
        "included": _included(columns, records),
        "conflicting_patients": len({c["patient_id"] for c in conflicts}),
        "date_format": table.date_format,
        "rules_checksums": checksums,
    }
    log.info("cohort: %d patients, %d samples, %d problems", len(records), len(samples), len(problems))
    return CohortResult(columns=columns, records=records, problems=problems, conflicts=conflicts,
                        samples_by_patient=by_patient, chosen=chosen, codriver_genes=list(codrivers),
                        clinical=table, n_samples=len(samples), summary=summary)


def _included(columns: list[str], records: list[tuple[Any, ...]]) -> dict[str, int]:
    """Analysis -> how many records are in it (``in_<analysis>`` is yes): the records' distinct
    combinations of those cells are counted, then each combination's cells."""
    at = {c: i for i, c in enumerate(columns)}
    combos = Counter(map(operator.itemgetter(*[at[k] for k, _ in _prefixed("in_", ANALYSES)]), records))
    return {a: sum(n for combo, n in combos.items() if combo[i] == "yes") for i, a in enumerate(ANALYSES)}


def tier_old_calls(samples: list[SampleCalls], rules: Rules) -> list[Problem]:
    """Calls read from a calls.tsv or store written before oncogenicity tiers existed get their tier
    from the current rules (classify.tiers.tier_call_dict); one flag (no patient left out) says
    how many samples that concerns."""
    memo: dict[tuple[str, ...], tuple[str, str]] = {}  # the same events recur across samples
    # Only the samples with such a call have their calls read whole (call_keys: each call's tier).
    derived = sorted({s.sample for s in _untiered(samples)
                      for c in s.calls if c.get("oncogenicity") not in TIERS and tier_call_dict(c, rules, memo=memo)})
    if not derived:
        return []
    log.warning("cohort: %d sample(s) have calls without an oncogenicity tier (written before tiers): "
                "tiers derived from the current rules", len(derived))
    return [Problem("oncogenicity_derived", f"{len(derived)} sample(s) have calls without an oncogenicity "
                    "column (classified before tiers): their tiers were derived from the current rules; "
                    "re-classify them to record the tiers", analyses=())]


def _untiered(samples: list[SampleCalls]) -> list[SampleCalls]:
    """The samples with a call whose oncogenicity is not a tier, in their order. Key fields the
    store gives many samples (TextKeys) are looked at once (held here, so that no other object
    takes the id of one meanwhile)."""
    tiered: dict[int, Any] = {}
    out = []
    for s in samples:
        keys = s.call_keys()
        shared = type(keys) is TextKeys
        if shared and id(keys) in tiered:
            continue
        if any(k[2] not in TIERS for k in keys):
            out.append(s)
        elif shared:
            tiered[id(keys)] = keys
    return out


def mixed_rules_problem(checksums: list[str], chosen: dict[str, SampleCalls]) -> Problem:
    """One flag (no patient left out) saying which rules the cohort's samples were classified under."""
    counts = Counter(s.rules_checksum for s in chosen.values() if s.rules_checksum)
    parts = ", ".join(f"{c[:12]} ({counts[c]} patient(s))" for c in checksums)
    return Problem("mixed_rules", f"samples classified under {len(checksums)} different rules: {parts}; "
                   "re-classify them under one set of rules to compare classes", analyses=())


def outside_samples(samples: list[SampleCalls], patients: frozenset[str],
                    ids: frozenset[str]) -> tuple[list[SampleCalls], list[Problem]]:
    """Samples the clinical source leaves out of the cohort (of another cancer type; of a patient
    outside GENIE BPC) are dropped and counted in one flag, not one per sample."""
    kept = [s for s in samples if s.patient not in patients and s.sample not in ids]
    gone = len(samples) - len(kept)
    if not gone:
        return samples, []
    return kept, [Problem("outside_cohort", f"{gone} classified sample(s) outside the cohort (another cancer "
                          "type, or a patient the clinical source leaves out) were left out", analyses=())]


def cohort_columns(crules: ClinicalRules, codrivers: Iterable[str], study: Iterable[str] = ()) -> list[str]:
    """The cohort's columns; the clinical rules' own columns follow the baseline ones, the columns of
    a public cohort's records (``study``: survival origin, delayed entry, redactions) follow the
    survival ones. A rules column named like a column the cohort derives is a RulesError."""
    columns = _columns(crules, codrivers, tuple(study))
    taken = set(_columns(replace(crules, extra_columns=()), codrivers, tuple(study)))
    clash = [c for c in crules.extra_columns if c in taken]
    if clash:
        raise RulesError(f"{crules.source}: columns.{shown(clash[0], bare=True)}: the cohort has a column of "
                         "that name already; give the column you add another name")
    return columns


def _columns(crules: ClinicalRules, codrivers: Iterable[str], study: tuple[str, ...] = ()) -> list[str]:
    return [
        "patient_id", "sex", "age", "smoking", "ecog", "stage", "histology",
        *[f"mets_{s}" for s in crules.metastasis_sites],
        *crules.extra_columns,
        "drugs", "regimen", "regimen_group", "best_response",
        *DATE_COLUMNS,
        "pfs_days", "pfs_months", "pfs_event", "os_days", "os_months", "os_event", "survival_notes",
        *[c for c in ENTRY_COLUMNS if c not in study],
        *study,
        "sample", "n_samples", "samples", "sample_choice", "her2_status", "her2_altered", "her2_tier", "her2_classes",
        "erbb2_events", "assessed", "cn_assessed", "copy_number", "rules_checksum",
        *[f"codriver_{g}" for g in codrivers],
        "driver_group",
        "sample_conflict",
        *[f"in_{a}" for a in ANALYSES],
        "exclusions",
    ]


def _row(p: Patient, ss: list[SampleCalls], pick: SampleCalls | None, how: str, conflict: bool,
         codrivers: dict[str, tuple[str, ...]], crules: ClinicalRules, rrules: RegimenRules,
         rules: Rules, study: tuple[str, ...] = (), codriver_memo: dict[Any, Any] | None = None,
         her2_memo: dict[Any, Any] | None = None) -> dict[str, Any]:
    reg, group = regimen(p, rrules)
    notes = []
    surv: dict[str, Any] = {}
    for name, fn in (("pfs", pfs), ("os", os_)):
        s, reason = fn(p)
        if name in p.excluded:
            s = None  # a value built on a date known to be wrong is not shown
        elif s is None:
            p.exclude((name,), reason)
        if s is not None:
            surv.update({f"{name}_days": s.days, f"{name}_months": s.months, f"{name}_event": s.event})
            if s.entry_days is not None:
                surv.update({f"{name}_entry_days": s.entry_days, f"{name}_entry_months": s.entry_days / MONTH_DAYS})
            if s.note:
                notes.append(f"{name}: {s.note}")
        else:
            surv.update({f"{name}_days": None, f"{name}_months": None, f"{name}_event": None})
    sampled = pick.collection_date if pick else None
    for name in ("pfs", "os"):  # an interval's own entry (a public cohort) is kept
        if f"{name}_entry_days" not in surv:
            days = sample_entry(p.treatment_start, sampled) if surv[f"{name}_days"] is not None else None
            surv.update({f"{name}_entry_days": days,
                         f"{name}_entry_months": None if days is None else days / MONTH_DAYS})
    status, altered, tier, why, her2_classes, erbb2_events, cod, driver_group = _her2_cells(pick, rules, her2_memo)
    _exclude_unusable(p, reg, pick, status, altered, why)
    row: dict[str, Any] = {
        "patient_id": p.patient_id, "sex": p.sex, "age": p.age, "smoking": p.smoking, "ecog": p.ecog,
        "stage": p.stage, "histology": p.histology,
        **{k: p.mets.get(s) for k, s in _prefixed("mets_", crules.metastasis_sites)},
        **{c: p.extra.get(c) for c in crules.extra_columns},
        "drugs": ";".join((*p.drugs, *p.unknown_drugs)), "regimen": reg, "regimen_group": group,
        "best_response": p.best_response,
        **{c: getattr(p, c) for c in DATE_COLUMNS},
        **surv, "survival_notes": "; ".join(notes),
        "sample": pick.sample if pick else "", "n_samples": len(ss), "samples": ";".join([s.sample for s in ss]),
        "sample_choice": how, "her2_status": status, "her2_altered": altered, "her2_tier": tier,
        "her2_classes": her2_classes, "erbb2_events": erbb2_events,
        "assessed": pick.assessed if pick else "", "cn_assessed": pick.cn_assessed if pick else "",
        "copy_number": pick.copy_number if pick else None,
        "rules_checksum": pick.rules_checksum if pick else "",
        **codriver_cells(pick, cod, codrivers, codriver_memo),
        "driver_group": driver_group,
        "sample_conflict": "yes" if conflict else "no",
        **{k: "no" if a in p.excluded else "yes" for k, a in _prefixed("in_", ANALYSES)},
        "exclusions": exclusions_text(p.excluded),
    }
    for c in study:
        row[c] = p.study.get(c)
    row.update({k: v for k, v in surv.items() if k in study})
    if "survival_origin" in study:
        row["survival_origin"] = survival_origin(p)
    return row


def _exclude_unusable(p: Patient, reg: str, pick: SampleCalls | None, status: str, altered: str, why: str) -> None:
    """Leave the patient out of the response analyses without a best response, of the regimen
    ones without first-line drugs (``reg``: the regimen), and of the HER2 ones when the chosen
    sample's HER2 status is not assessed or not known (``why``); each once."""
    excluded = p.excluded
    if p.best_response is None and "response" not in excluded:
        p.exclude(("response",), "no best response")
    if not reg and "regimen" not in excluded:
        p.exclude(("regimen",), "no first-line drugs")
    if (status == "not_assessed" or (pick is not None and altered == "unknown")) and "her2" not in excluded:
        p.exclude(("her2",), why)


def _interval(p: Patient, name: str, got: tuple[int, int, str] | str, notes: list[str]) -> tuple[Any, Any, Any]:
    """(days, months, event) of one endpoint from ``pfs_of_dates``/``os_of_dates``: none when the
    patient is excluded from it already (a value built on a date known to be wrong is not shown) or
    now (``got`` is the reason); its note added to ``notes``."""
    if name in p.excluded:
        return None, None, None
    if isinstance(got, str):
        p.exclude((name,), got)
        return None, None, None
    days, event, note = got
    if note:
        notes.append(f"{name}: {note}")
    return days, days / MONTH_DAYS, event


class _RecordMaker:
    """``_row``'s values in the cohort's columns' order, for a patient whose survival comes from
    dates (no intervals) in a cohort without a public cohort's own columns, made with less work
    per patient (a tuple, no dict), with the same exclusions recorded on the patient. What
    depends on few distinct values is worked out once per value: the drugs' text and the regimen
    per drug list, the membership cells and exclusions text per set of exclusions. A test holds
    it to ``_row``."""

    def __init__(self, crules: ClinicalRules, rrules: RegimenRules, rules: Rules,
                 codrivers: dict[str, tuple[str, ...]], codriver_memo: dict[Any, Any],
                 her2_memo: dict[Any, Any]):
        self.rrules, self.rules, self.codrivers = rrules, rules, codrivers
        self.codriver_memo, self.her2_memo = codriver_memo, her2_memo
        self.sites = tuple(crules.metastasis_sites)
        self.extras = tuple(crules.extra_columns)
        self.columns = _columns(crules, codrivers)  # what each value of a record is
        self.drug_key = operator.attrgetter("drugs", "unknown_drugs", "drug_classes", "regimen_given")
        self.drug_memo: dict[Any, tuple[str, str, str]] = {}
        self.tail_memo: dict[Any, tuple[str, ...]] = {}

    def _drugs(self, p: Patient) -> tuple[str, str, str]:
        """(drugs, regimen, regimen_group): they depend only on the patient's drug fields."""
        key = self.drug_key(p)
        hit = self.drug_memo.get(key)
        if hit is None:
            reg, group = regimen(p, self.rrules)
            hit = self.drug_memo[key] = (";".join((*p.drugs, *p.unknown_drugs)), reg, group)
        return hit

    def _tail(self, conflict: bool, excluded: dict[str, list[str]]) -> tuple[str, ...]:
        """sample_conflict, in_<analysis> and exclusions, once per set of exclusions."""
        key = (conflict, *[(a, *r) for a, r in excluded.items()])
        hit = self.tail_memo.get(key)
        if hit is None:
            hit = self.tail_memo[key] = ("yes" if conflict else "no",
                                         *["no" if a in excluded else "yes" for a in ANALYSES],
                                         exclusions_text(excluded))
        return hit

    def __call__(self, p: Patient, ss: list[SampleCalls], pick: SampleCalls | None, how: str,
                 conflict: bool) -> tuple[Any, ...]:
        drugs, reg, group = self._drugs(p)
        excluded = p.excluded
        start, progression, death, followup, cut = (p.treatment_start, p.progression_date, p.death_date,
                                                    p.last_followup, p.cutoff)
        notes: list[str] = []
        pfs_days, pfs_months, pfs_event = _interval(p, "pfs", pfs_of_dates(start, progression, death, followup, cut),
                                                    notes)
        os_days, os_months, os_event = _interval(p, "os", os_of_dates(start, progression, death, followup, cut), notes)
        entry = sample_entry(start, pick.collection_date if pick is not None else None)
        entry_months = None if entry is None else entry / MONTH_DAYS
        pfs_entry, pfs_entry_months = (None, None) if pfs_days is None else (entry, entry_months)
        os_entry, os_entry_months = (None, None) if os_days is None else (entry, entry_months)
        status, altered, tier, why, her2_classes, erbb2_events, cod, driver_group = _her2_cells(
            pick, self.rules, self.her2_memo)
        _exclude_unusable(p, reg, pick, status, altered, why)
        mets, extra = p.mets.get, p.extra.get
        if pick is None:
            sample, assessed, cn_assessed, copy_number, checksum = "", "", "", None, ""
        else:
            sample, assessed, cn_assessed, copy_number, checksum = (
                pick.sample, pick.assessed, pick.cn_assessed, pick.copy_number, pick.rules_checksum)
        return (
            p.patient_id, p.sex, p.age, p.smoking, p.ecog, p.stage, p.histology,
            *map(mets, self.sites), *map(extra, self.extras),
            drugs, reg, group, p.best_response, start, progression, death, followup, cut,
            pfs_days, pfs_months, pfs_event, os_days, os_months, os_event, "; ".join(notes),
            pfs_entry, pfs_entry_months, os_entry, os_entry_months,
            sample, len(ss), ";".join([s.sample for s in ss]), how, status, altered, tier,
            her2_classes, erbb2_events, assessed, cn_assessed, copy_number, checksum,
            *codriver_cells(pick, cod, self.codrivers, self.codriver_memo).values(),
            driver_group, *self._tail(conflict, excluded))


_TEXT_TYPES = {str, type(None)}
_by_sample = operator.attrgetter("sample")
_patient_id = operator.attrgetter("patient_id")


@functools.cache
def _prefixed(prefix: str, names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """((prefix + name, name), ...): a row's column names of a kind, made once, not per patient."""
    return tuple((prefix + n, n) for n in names)


def _her2_cells(pick: SampleCalls | None, rules: Rules, memo: dict[Any, Any] | None = None) -> tuple[Any, ...]:
    """The chosen sample's HER2 cells: (her2_status, her2_altered, her2_tier, why HER2 is not
    assessed, her2_classes, erbb2_events, co-driver events, driver_group).

    They depend only on the sample's status, classes, assessed flags and its calls' gene, class,
    tier and HGVS, which most samples share with many others: with ``memo`` (one per ``rules``)
    they are worked out once per such combination of texts and shared (the co-driver events are
    only read). Anything else than texts there (a damaged store) is worked out on its own."""
    key = None
    if memo is not None and pick is not None:
        keys = pick.call_keys()  # (gene, class, oncogenicity, hgvs_p, hgvs_c) of each call
        head = (pick.status, pick.assessed, pick.cn_assessed, *pick.classes)
        # Key fields the store checked to be texts (shared by many samples) are not checked again.
        if set(map(type, head if type(keys) is TextKeys else chain(head, *keys))) <= _TEXT_TYPES:
            key = (*head, keys)  # the classes' number is known from the length
            hit = memo.get(key)
            if hit is not None:
                return hit
    tiers = policy(rules)
    altered, tier = her2_verdict(pick, tiers.altered_tiers)
    if pick is None:
        return "no_sample", altered, tier, not_assessed_reason(pick, tier), "", "", {}, ""
    drivers = [(k[0], k[1]) for k in pick.call_keys() if k[2] in tiers.driver_tiers]
    out = (her2_status(pick), altered, tier, not_assessed_reason(pick, tier),
           ";".join(altered_classes(pick, tiers.altered_tiers)), ";".join(pick.erbb2_events),
           pick.codriver_events(), driver_group_of(drivers, rules.driver_groups) if pick.status == "ok" else "")
    if key is not None and memo is not None:
        memo[key] = out
    return out


def survival_origin(p: Patient) -> str:
    """What time zero of the survival intervals is: one text when PFS and OS share it."""
    origins = {name: p.intervals[name].origin for name in ("pfs", "os") if name in p.intervals}
    if len(set(origins.values())) == 1:
        return next(iter(origins.values()))
    return "; ".join(f"{n}: {o}" for n, o in origins.items())


def exclusions_text(excluded: dict[str, list[str]]) -> str:
    """'reason (pfs, os); other reason (her2)': each reason once, with the analyses it affects."""
    by_reason: dict[str, list[str]] = {}
    for a in ANALYSES:
        for r in excluded.get(a, []):
            by_reason.setdefault(r, []).append(a)
    return "; ".join(f"{r} ({'all' if len(a) == len(ANALYSES) else ', '.join(a)})" for r, a in by_reason.items())
