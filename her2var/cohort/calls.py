"""Classify results in, one record per sample: from a classify output folder (samples.tsv +
calls.tsv), a calls.tsv alone, or the SQLite store; plus the samples sheet (sample -> patient,
collection date)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any, cast

from ..errors import InputError, shown
from ..files import read_input
from ..models import EVENT_CLASSES
from ..samples_sheet import read_samples_sheet as read_sheet
from ..tables import Cell, RawTable, cell_text
from .rules import ClinicalRules, norm

log = logging.getLogger(__name__)
INDEX_GENE = "ERBB2"

# A call's fields that the cohort reads: gene, class, oncogenicity, hgvs_p, hgvs_c.
CallKey = tuple[Any, Any, Any, Any, Any]


@dataclass
class SampleCalls:
    """What the cohort needs of one classified sample.

    ``calls`` is a list of call dicts (CALL_COLUMNS keys). A sample read from a store of schema 4
    holds its calls in the store's sparse form until something reads ``calls`` (``sparse``): a
    cohort reads only each call's gene, class, tier and HGVS (``call_keys``), which the store gives
    with the sparse form, so the calls of 150,000 samples are not made whole (34 fields each)
    unless asked for. Once made whole, or given whole, the calls are what is read: they may have
    been changed since (``build.tier_old_calls`` sets tiers in place).
    """

    sample: str
    patient: str
    status: str  # ok / error
    error: str = ""
    classes: tuple[str, ...] = ()
    assessed: str = "unknown"
    cn_assessed: str = "no"
    copy_number: float | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)  # CALL_COLUMNS keys (a property: see below)
    collection_date: dt.date | None = None
    source: str = ""
    rules_checksum: str = ""  # of the rules that classified it ("" when the input does not say)
    # Co-driver genes looked at, by kind (classify.tested: small_variants / fusion -> genes);
    # None when the result predates that record (then no gene without a call counts as tested).
    tested: dict[str, tuple[str, ...]] | None = None

    def _set_calls(self, value: list[dict[str, Any]]) -> None:
        # Not fields of the dataclass: the calls as given or made whole; or, while _keys is not
        # None, in the store's sparse form, as stored for the sample _of.
        self._calls: list[dict[str, Any]] = value
        self._keys: tuple[CallKey, ...] | None = None
        self._of: str  # set with _keys

    @classmethod
    def sparse(cls, sample: str, patient: str, status: str, error: str, classes: tuple[str, ...], assessed: str,
               cn_assessed: str, copy_number: float | None, kept: list[dict[str, Any]] | str,
               keys: tuple[CallKey, ...], source: str, rules_checksum: str,
               tested: dict[str, tuple[str, ...]] | None) -> SampleCalls:
        """A sample whose calls are in the store's sparse form (``kept``, as ``store.unsparse``
        takes them, checked to be such calls; or their text, as stored, checked when the calls are
        read), with each call's key fields (``keys``)."""
        s = cls(sample, patient, status, error, classes, assessed, cn_assessed, copy_number, cast(Any, kept), None,
                source, rules_checksum, tested)
        s._keys, s._of = keys, sample
        return s

    def _whole_calls(self) -> list[dict[str, Any]]:
        if self._keys is not None:
            from ..store import unsparse, unsparse_text

            kept: Any = self._calls
            if type(kept) is str:  # not decoded yet (a store of schema 5): checked now
                whole = unsparse_text(self._of, kept, self.source)
            else:
                found = unsparse(self._of, kept)
                if found is None:  # the store checked them when it read them
                    raise AssertionError("calls in sparse form that store.unsparse does not take")
                whole = found
            self._calls, self._keys = whole, None
        return self._calls

    def call_keys(self) -> tuple[CallKey, ...]:
        """Each call's (gene, class, oncogenicity, hgvs_p, hgvs_c), as ``call.get`` of each gives
        them (None for a field a call lacks). Read from the calls each time once they are whole."""
        keys = self._keys
        if keys is not None:
            return keys
        return tuple(map(call_key, self._calls))

    @property
    def erbb2_events(self) -> list[str]:
        return [_event_name(k) for k in self.call_keys() if k[0] == INDEX_GENE]

    def codriver_events(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for k in self.call_keys():
            gene = k[0] or ""
            if gene and gene != INDEX_GENE:
                out.setdefault(gene, []).append(_event_name(k))
        return out


# ``calls`` read or set as an attribute; the dataclass's __init__, ==, repr, replace and asdict go
# through it too, so they all see the whole calls.
SampleCalls.calls = property(SampleCalls._whole_calls, SampleCalls._set_calls)  # type: ignore[assignment]


def call_key(call: dict[str, Any]) -> CallKey:
    """A call's (gene, class, oncogenicity, hgvs_p, hgvs_c); None for a field it lacks."""
    return call.get("gene"), call.get("class"), call.get("oncogenicity"), call.get("hgvs_p"), call.get("hgvs_c")


def event_name(call: dict[str, Any]) -> str:
    """How the cohort names a call: its protein change, else its cDNA change, else its class."""
    return _event_name(call_key(call))


def _event_name(key: CallKey) -> str:
    """event_name of a call from its key fields (call_key)."""
    return str(key[3] or key[4] or key[1] or "")


def _classes_from_status(text: str) -> tuple[str, ...]:
    if text in ("", "none", "error"):
        return ()
    return tuple(c for c in text.split(";") if c)


def parse_tested(text: str, where: str) -> dict[str, tuple[str, ...]]:
    """samples.tsv's ``tested`` (``small_variants:BRAF,EGFR;fusion:ALK``) as kind -> genes."""
    out: dict[str, tuple[str, ...]] = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        kind, sep, genes = part.partition(":")
        if not sep or not kind.strip():
            raise InputError(f"{where}: tested {shown(text)}: expected kind:GENE,GENE;... "
                             "(e.g. small_variants:EGFR,KRAS;fusion:ALK)")
        out[kind.strip()] = tuple(g.strip() for g in genes.split(",") if g.strip())
    return out


def _tested_doc(value: Any, where: str) -> dict[str, tuple[str, ...]] | None:
    """A sample JSON's ``tested`` (kind -> list of genes); None when the document has none."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
        raise InputError(f"{where}: 'tested' is not a mapping of kind -> list of genes")
    return {str(k): tuple(str(g) for g in v) for k, v in value.items()}


def _float(text: Any) -> float | None:
    if text in (None, ""):
        return None
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _read_tsv(path: str) -> list[dict[str, str]]:
    text = read_input(path, what="a classify calls.tsv or samples.tsv").text
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t")
        rows = list(reader)
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise InputError(f"{path}: cannot be read as a classify TSV ({exc})") from exc
    if "sample" not in header:
        raise InputError(f"{path}: no 'sample' column; expected a classify calls.tsv or samples.tsv")
    return rows


def from_classify_output(path: str) -> list[SampleCalls]:
    """A classify --out folder, or a calls.tsv (with its samples.tsv beside it when there is one)."""
    if os.path.isdir(path):
        samples_tsv, calls_tsv = os.path.join(path, "samples.tsv"), os.path.join(path, "calls.tsv")
        if not os.path.exists(samples_tsv):
            raise InputError(f"{path}: no samples.tsv here; give a 'her2var classify --out' folder, a "
                             "calls.tsv, or --store")
    elif os.path.exists(path):
        calls_tsv = path
        beside = os.path.join(os.path.dirname(os.path.abspath(path)), "samples.tsv")
        samples_tsv = beside if os.path.exists(beside) and os.path.abspath(beside) != os.path.abspath(path) else ""
    else:
        raise InputError(f"{path}: no such file or folder (--calls)")
    calls_by_sample: dict[str, list[dict[str, Any]]] = {}
    if os.path.exists(calls_tsv):
        rows = _read_tsv(calls_tsv)
        if rows and "gene" not in rows[0]:
            raise InputError(f"{calls_tsv}: no 'gene' column; expected a classify calls.tsv")
        for r in rows:
            calls_by_sample.setdefault(r["sample"], []).append(r)
    out: list[SampleCalls] = []
    if samples_tsv:
        for rowno, r in enumerate(_read_tsv(samples_tsv), start=2):
            s = r["sample"]
            status = r.get("status") or "ok"
            tested = r.get("tested")
            out.append(SampleCalls(
                sample=s, patient=r.get("patient", ""), status=status, error=r.get("error", ""),
                classes=_classes_from_status(r.get("her2_status", "")),
                assessed=r.get("assessed") or "unknown", cn_assessed=r.get("cn_assessed") or "no",
                copy_number=_float(r.get("copy_number")), calls=calls_by_sample.pop(s, []),
                source=samples_tsv, rules_checksum=r.get("rules_checksum") or "",
                tested=None if tested is None else parse_tested(tested, f"{samples_tsv}: row {rowno}")))
    else:
        log.warning("%s: no samples.tsv beside it: samples without a call are not seen, and every "
                    "sample counts as not assessed", calls_tsv)
    for s, calls in calls_by_sample.items():
        found = {c.get("class") for c in calls if c.get("gene") == INDEX_GENE}
        out.append(SampleCalls(sample=s, patient="", status="ok",
                               classes=tuple(k for k in EVENT_CLASSES if k in found),
                               assessed="unknown", cn_assessed="unknown", calls=calls, source=calls_tsv))
    return out


def from_sample_json(doc: dict[str, Any], source: str) -> SampleCalls:
    """A sample JSON (samples/<id>.json, or a store row)."""
    status = doc.get("status") or "ok"
    return SampleCalls(
        sample=str(doc["sample"]), patient=str(doc.get("patient") or ""), status=status,
        error=str(doc.get("error") or ""), classes=tuple(doc.get("her2_classes") or ()),
        assessed=doc.get("assessed") or "unknown", cn_assessed=doc.get("cn_assessed") or "no",
        copy_number=_float(doc.get("copy_number")), calls=list(doc.get("calls") or []), source=source,
        rules_checksum=str((doc.get("provenance") or {}).get("rules_checksum") or ""),
        tested=_tested_doc(doc.get("tested"), source))


def from_store(path: str) -> list[SampleCalls]:
    from ..store import open_store

    if not os.path.exists(path):
        raise InputError(f"{path}: no such store (--store); 'her2var classify --store {path}' makes one")
    # Read only: a store of an earlier schema is not migrated (classify --store does that).
    with open_store(path, create=False, migrate=False) as store:
        rows = store.cohort_rows(whole=False)
    # Samples share their 'tested' value (store.cohort_rows decodes each text once): checked and
    # converted once per value, the first sample that holds a bad one named as before.
    tested: dict[int, dict[str, tuple[str, ...]] | None] = {}

    def tested_of(t: Any, s: str) -> dict[str, tuple[str, ...]] | None:
        key = id(t)
        if key not in tested:
            tested[key] = _tested_doc(t, f"{path} (sample {shown(s, bare=True)})")
        return tested[key]

    # Positional (in the order of SampleCalls' fields): half the cost of naming them, 150,000 times.
    # The calls stay in the store's sparse form, with their key fields (cohort_rows(whole=False)).
    sparse = SampleCalls.sparse
    return [SampleCalls(s, p or "", st, e, classes, a or "unknown", cna or "no", cn, calls, None, path, rc or "",
                        tested_of(t, s)) if keys is None else
            sparse(s, p or "", st, e, classes, a or "unknown", cna or "no", cn, calls, keys, path, rc or "",
                   tested_of(t, s))
            for s, p, st, e, classes, a, cna, cn, calls, rc, t, keys in rows]


@dataclass(frozen=True)
class SheetRow:
    sample: str
    patient: str
    collection_date: dt.date | None
    row: int


def read_samples_sheet(path: str, rules: ClinicalRules, date_format: str | None = None) -> dict[str, SheetRow]:
    """sample -> (patient, collection date). Other columns (vcf, bam, ...) are ignored. The file is
    read and checked by samples_sheet.py, as classify reads it (formats, blank rows, repeated
    samples, header spellings)."""
    sheet = read_sheet(path, rules.sheet_index, keep_rows=True)
    table, cols = sheet.table, sheet.columns
    if "sample" not in cols:
        raise InputError(f"{sheet.where(sheet.header_line)}: no sample column; headers tried: "
                         + ", ".join(shown(h) for h, f in rules.sheet_index.items() if f == "sample"))
    from .dates import choose_date_format_of_columns

    formats = (date_format,) if date_format else rules.date_formats
    missing: dict[str, bool] = {}  # text -> one of the rules' "no value" words (the same texts recur)

    def is_missing(text: str) -> bool:
        hit = missing.get(text)
        if hit is None:
            hit = missing[text] = norm(text) in rules.missing
        return hit

    rows = table.rows
    named = [name for name in ("sample", "patient", "collection_date") if name in cols]
    columns: dict[str, list[Cell]] = {name: list(map(itemgetter(cols[name]), rows)) for name in named}
    dated = [(table.header[cols["collection_date"]], table.row_numbers, columns["collection_date"])] \
        if "collection_date" in cols else []
    fmt, days = choose_date_format_of_columns(dated, formats, table, is_missing)
    plain = _plain_rows(table, columns, fmt, days, is_missing)
    if plain is not None:
        return plain
    out: dict[str, SheetRow] = {}
    errors = []
    seen: dict[str, dt.date] = {}
    for rowno, cells in zip(table.row_numbers, table.rows, strict=True):
        sample = cell_text(cells[cols["sample"]]).strip()
        if not sample:
            continue
        patient = cell_text(cells[cols["patient"]]).strip() if "patient" in cols else ""
        date = None
        if "collection_date" in cols:
            c = cells[cols["collection_date"]]
            if isinstance(c, dt.date):
                date = c
            elif isinstance(c, (int, float)):
                errors.append(f"{table.where(rowno, table.header[cols['collection_date']])}: "
                              "a number, not a date (the value is not repeated here)")
            elif isinstance(c, str) and not is_missing(c) and fmt:
                date = seen.get(c)
                if date is None:
                    date = seen[c] = _day(c, fmt)
        out[sample] = SheetRow(sample, patient, date, rowno)  # one row each: the sheet reader refused repeats
    if errors:
        raise InputError(f"{path}: {len(errors)} problem(s) in the samples sheet; nothing was written:\n  "
                         + "\n  ".join(errors[:60]))
    return out


def _plain_rows(table: RawTable, columns: dict[str, list[Cell]], fmt: str | None, days: dict[str, dt.date],
                is_missing: Callable[[str], bool]) -> dict[str, SheetRow] | None:
    """read_samples_sheet's rows made column by column when the sample, patient and date cells are
    all text (a CSV or TSV sheet): each distinct date text read once (``days``: those the format
    was chosen on). None for other sheets (a workbook's cells), read row by row."""
    if not all(set(map(type, column)) <= {str} for column in columns.values()):
        return None
    texts = cast(dict[str, list[str]], columns)
    samples = list(map(str.strip, texts["sample"]))
    patients: Iterable[str] = list(map(str.strip, texts["patient"])) if "patient" in texts else repeat("")
    dates: Iterable[dt.date | None] = repeat(None)
    if "collection_date" in texts:
        day_of = {t: None if is_missing(t) or not fmt else days.get(t) or _day(t, fmt)
                  for t in set(texts["collection_date"])}
        dates = map(day_of.__getitem__, texts["collection_date"])
    made = map(SheetRow, samples, patients, dates, table.row_numbers)
    if all(samples):
        return dict(zip(samples, made, strict=True))  # one row each: the sheet reader refused repeats
    return {row.sample: row for row in made if row.sample}


def _day(text: str, fmt: str) -> dt.date:
    return dt.datetime.strptime(text, fmt).date()
