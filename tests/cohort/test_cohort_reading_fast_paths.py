"""The shortcuts for reading 100,000 clinical rows and 150,000 sample rows give exactly what the
plain code gives: text tables read whole when every record is on one line, date formats chosen
from the distinct texts, the samples sheet's rows made column by column, patient records made
positionally, and the date checks' per-patient shortcuts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import Any

import pytest

from her2var import samples_sheet, tables
from her2var.cohort import calls, date_checks
from her2var.cohort.clinical import ClinicalTable, Patient, _patients
from her2var.cohort.dates import DATE_FIELDS, choose_date_format, choose_date_format_of_columns
from her2var.cohort.problems import Problem
from her2var.cohort.rules import load_clinical_rules
from her2var.errors import InputError, shown

# Cells and separators that make a table other than plain: spaces to strip, quoted delimiters and
# line ends, a quote never closed, blank rows, rows too short or too long.
CELLS = ["a", "P1", " b ", "", "  ", "\u00a0c\u00a0", '"q,1"', '"t\t2"', '"x\ny"', '"r\rs"', '" "', '"unclosed',
         "d\x0b", '"e\t"', '"\x1ff"', "é", "NA", "2021-01-05"]


def _text(rng: random.Random, delimiter: str) -> str:
    width = rng.randint(1, 4)
    ends = ["\n", "\r\n", "\r"]
    end = rng.choice(ends)
    lines = [delimiter.join(f"h{i}" for i in range(width))]
    for _ in range(rng.randint(0, 12)):
        kind = rng.random()
        if kind < 0.08:
            lines.append("")
        elif kind < 0.12:
            lines.append(delimiter * rng.randint(1, 3))
        else:
            n = width + (rng.choice([-1, 1, 2]) if rng.random() < 0.1 else 0)
            pool = CELLS if rng.random() < 0.3 else CELLS[:2]
            lines.append(delimiter.join(rng.choice(pool) for _ in range(max(n, 1))))
    if rng.random() < 0.2:
        lines.insert(0, "")
    text = (rng.choice(ends) if rng.random() < 0.1 else end).join(lines)
    return text + (end if rng.random() < 0.8 else "")


def _outcome(read, *args):
    """What ``read(*args)`` gives, or the message of the InputError it raises."""
    try:
        return read(*args)
    except InputError as exc:
        return str(exc)


def _both_ways(monkeypatch, module, read, *args) -> tuple[Any, Any, bool]:
    """_outcome of ``read(*args)`` with ``module``'s plain_table as it is, and with it finding no
    table plain (every row read one by one); and whether the table was read whole."""
    real = module.plain_table
    whole = False

    def counted(*a):
        nonlocal whole
        out = real(*a)
        whole = whole or out is not None
        return out

    with monkeypatch.context() as m:
        m.setattr(module, "plain_table", counted)
        fast = _outcome(read, *args)
    with monkeypatch.context() as m:
        m.setattr(module, "plain_table", lambda *a: None)
        slow = _outcome(read, *args)
    return fast, slow, whole


@pytest.mark.parametrize("ext", [".csv", ".tsv"])
def test_text_tables_read_whole_are_the_tables_read_row_by_row(tmp_path, monkeypatch, ext: str) -> None:
    rng = random.Random(ext)
    plain_ones = 0
    for k in range(400):
        path = tmp_path / f"t{k}{ext}"
        path.write_bytes(_text(rng, "," if ext == ".csv" else "\t").encode())
        fast, slow, plain = _both_ways(monkeypatch, tables, tables.read_table, str(path))
        plain_ones += plain
        assert fast == slow, path.read_bytes()
    assert 50 < plain_ones < 400  # both kinds of table were met


@pytest.mark.parametrize("ext", [".csv", ".tsv"])
def test_samples_sheets_read_whole_are_the_sheets_read_row_by_row(tmp_path, monkeypatch, ext: str) -> None:
    rng = random.Random("sheet" + ext)
    plain_ones = 0

    def read(path, keep: bool):
        sheet = samples_sheet.read_samples_sheet(str(path), {"h0": "sample"}, keep_rows=keep)
        return sheet.head.header, sheet.header_line, sheet.n_rows, sheet.columns, list(sheet.cells())

    for k in range(400):
        path = tmp_path / f"s{k}{ext}"
        text = _text(rng, "," if ext == ".csv" else "\t")
        if rng.random() < 0.1:  # a header with empty cells at its end
            first, _, rest = text.partition("\n")
            text = first + ("," if ext == ".csv" else "\t") + "\n" + rest
        path.write_bytes(text.encode())
        fast, slow, plain = _both_ways(monkeypatch, samples_sheet, read, path, True)
        plain_ones += plain
        streamed = _outcome(read, path, False)
        assert fast == slow == streamed, path.read_bytes()
    assert 50 < plain_ones < 400


DATE_TEXTS = ["2021-01-05", "2020-12-01", "2021/01/05", "05.01.2021", "05/01/2021", "13/01/2021", "01/13/2021",
              "5-Jan-2021", "05 Jan 2021", "2021-01-05 00:00:00", "2021-02-30", "yesterday", "NA", "", "n/a"]


def test_date_format_of_columns_is_the_format_choose_date_format_gives() -> None:
    """The same format, or the same error naming the same rows; the days are those it reads."""
    rules = load_clinical_rules()
    table = tables.RawTable("c.csv", ["a", "b", "c"], [], [])

    def missing(t: str) -> bool:
        return not t or tables.norm(t) in rules.missing

    rng = random.Random(41)
    seen = set()
    for _ in range(1500):
        pool = rng.sample(DATE_TEXTS, rng.randint(1, 4))
        columns = []
        for header in rng.sample(["a", "b", "c"], rng.randint(0, 3)):
            numbers = list(range(2, 2 + rng.randint(0, 6)))
            cells = [rng.choice([*pool, None, dt.date(2020, 1, 1)]) for _ in numbers]
            columns.append((header, numbers, cells))
        values = [(r, h, c) for h, numbers, cells in columns for r, c in zip(numbers, cells, strict=True)
                  if isinstance(c, str) and not missing(c)]
        for formats in (rules.date_formats, ("%d/%m/%Y",), ("%m/%d/%Y", "%d/%m/%Y")):
            want = _outcome(choose_date_format, values, formats, table)
            got = _outcome(choose_date_format_of_columns, columns, formats, table, missing)
            if isinstance(got, tuple):
                got, days = got
                assert days == {t: dt.datetime.strptime(t, got).date() for _, _, t in values} if got else not days
            assert got == want
            seen.add("error" if isinstance(want, str) and "ambiguous" in want else type(want).__name__)
    assert seen == {"str", "error", "NoneType"}  # formats, errors of both kinds, no text dates


def test_cohort_sheet_rows_made_by_column_are_the_rows_made_one_by_one(tmp_path, monkeypatch) -> None:
    rules = load_clinical_rules()
    rng = random.Random(43)

    def sheet_rows(path):
        return list(calls.read_samples_sheet(str(path), rules).items())

    for k in range(300):
        headers = ["sample", *rng.sample(["patient", "collection_date", "vcf"], rng.randint(0, 3))]
        pools = {"sample": [f"S{i}" for i in range(60)] + ([""] if rng.random() < 0.3 else []),
                 "patient": ["P1", "P2", "", " P3"], "vcf": ["x.vcf"],
                 "collection_date": rng.sample(DATE_TEXTS, rng.randint(1, 3))}
        samples = rng.sample(pools["sample"], rng.randint(1, 20))
        lines = ["\t".join(headers)]
        for s in samples:
            lines.append("\t".join(s if h == "sample" else rng.choice(pools[h]) for h in headers))
        path = tmp_path / f"s{k}.tsv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        fast = _outcome(sheet_rows, path)
        with monkeypatch.context() as m:
            m.setattr(calls, "_plain_rows", lambda *a: None)
            slow = _outcome(sheet_rows, path)
        assert fast == slow


def test_patient_records_made_positionally_are_made_as_by_keyword() -> None:
    values = {"patient_id": ["P1", "P2"], "row": [2, 3], "age": [61.0, None], "mets": [{"brain": "yes"}, {}],
              "drugs": [("osimertinib",), ()], "treatment_start": [dt.date(2021, 1, 5), None]}
    made = _patients(2, values)
    assert made == [Patient(**{f: column[k] for f, column in values.items()}) for k in range(2)]
    assert made[0].excluded is not made[1].excluded and made[0].extra is not made[1].extra
    assert _patients(2, {"row": [2, 3], "patient_id": ["a", "b"]}) == [Patient(2, "a"), Patient(3, "b")]
    with pytest.raises(TypeError):
        _patients(1, {"row": [2], "patient_id": ["a"], "weight": [70.0]})


def _check_dates_one_field_at_a_time(table: ClinicalTable, rules, *, today: dt.date,
                                     default_cutoff: dt.date | None = None) -> None:
    """check_dates as it was written before its shortcuts: every field looked up by name."""
    cols = table.columns
    for p in table.patients:
        if p.cutoff is None:
            p.cutoff = default_cutoff
        bad: set[str] = set()

        def add(kind, f, message, analyses, p=p):
            value = getattr(p, f)
            table.problems.append(Problem(kind, message, p.row, cols.get(f, f), value.isoformat() if value else "",
                                          patient=p.patient_id, analyses=analyses))
            if analyses:
                p.exclude(analyses, message)

        for f in DATE_FIELDS:
            d = getattr(p, f)
            if d is not None and d > today:
                add("future_date", f, "date in the future", tuple(rules.columns[f].analyses))
                bad.add(f)
        start, cut = p.treatment_start, p.cutoff
        if cut is not None and "cutoff" not in bad:
            if start and "treatment_start" not in bad and start > cut:
                add("after_cutoff", "treatment_start", "first-line start after the data cut-off", ("pfs", "os"))
                bad.add("treatment_start")
            for f in ("progression_date", "death_date", "last_followup"):
                d = getattr(p, f)
                if d is not None and f not in bad and d > cut:
                    add("after_cutoff", f, "after the data cut-off: survival is censored at the cut-off", ())
        ok = {f: getattr(p, f) for f in DATE_FIELDS if f not in bad}
        start, prog, death, lfu = (ok.get("treatment_start"), ok.get("progression_date"),
                                   ok.get("death_date"), ok.get("last_followup"))
        name = {f: cols.get(f, f) for f in DATE_FIELDS}
        if start and prog and prog < start:
            add("date_order", "progression_date",
                f"progression before the first-line start ({shown(name['treatment_start'])})", ("pfs",))
        if prog and death and death < prog:
            add("date_order", "death_date", f"death before progression ({shown(name['progression_date'])})",
                ("pfs", "os"))
        if start and death and death < start:
            add("date_order", "death_date", f"death before the first-line start ({shown(name['treatment_start'])})",
                ("pfs", "os"))
        if start and lfu and lfu < start:
            add("date_order", "last_followup",
                f"last follow-up before the first-line start ({shown(name['treatment_start'])})", ("pfs", "os"))
        if lfu and death and lfu > death:
            add("date_order", "last_followup", f"last follow-up after death ({shown(name['death_date'])})", ())
        if lfu and prog and not death and lfu < prog:
            add("date_order", "last_followup",
                f"last follow-up before progression ({shown(name['progression_date'])}): "
                "OS is censored at the progression date", ())
        birth = ok.get("birth_date")
        if birth and start and birth > start:
            add("date_order", "birth_date", "birth date after the first-line start", ("baseline",))
        elif birth and p.age is None and start:
            p.age = float(start.year - birth.year - ((start.month, start.day) < (birth.month, birth.day)))


def test_date_checks_are_the_checks_field_by_field() -> None:
    rules = load_clinical_rules()
    rng = random.Random(47)
    today = dt.date(2024, 6, 1)
    days = [None, None, dt.date(1950, 3, 4), dt.date(2020, 1, 1), dt.date(2021, 6, 1), dt.date(2022, 2, 2),
            dt.date(2023, 12, 31), dt.date(2024, 6, 1), dt.date(2024, 6, 2), dt.date(2030, 1, 1)]
    kinds = set()
    for _ in range(40):
        patients = [Patient(row=k + 2, patient_id=f"P{k}", age=rng.choice([None, 60.0]),
                            **{f: rng.choice(days) for f in DATE_FIELDS}) for k in range(60)]
        columns = {f: f.upper() for f in DATE_FIELDS if rng.random() < 0.8}
        cutoff = rng.choice([None, dt.date(2022, 1, 1), dt.date(2025, 1, 1)])
        tables_ = [ClinicalTable("c.csv", dict(columns), [dataclasses.replace(p, excluded={}) for p in patients],
                                 [], [], None, 60) for _ in range(2)]
        date_checks.check_dates(tables_[0], rules, today=today, default_cutoff=cutoff)
        _check_dates_one_field_at_a_time(tables_[1], rules, today=today, default_cutoff=cutoff)
        assert tables_[0].patients == tables_[1].patients
        assert tables_[0].problems == tables_[1].problems
        kinds |= {p.kind for p in tables_[0].problems}
    assert kinds == {"future_date", "after_cutoff", "date_order"}


def test_texts_found_at_once_to_hold_no_missing_word_hold_none() -> None:
    """_Missing.in_none says True only when no text is a "no value" word, and does say it for
    ordinary patient ids."""
    from her2var.cohort.clinical import _Missing

    rules = load_clinical_rules()
    missing = _Missing(rules)
    rng = random.Random(53)
    words = sorted(rules.missing)
    pieces = ["P", "0", "7", "a", "N", "A", "na", "NA", "İ", "K", " ", "-", "/", "é", "", *words,
              *(w.upper() for w in words)]
    said = {True: 0, False: 0}
    for _ in range(5000):
        texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 3))) for _ in range(rng.randint(0, 4))]
        none = missing.in_none(texts)
        said[none] += 1
        if none:
            assert not any(missing(t) for t in texts)
    assert said[True] > 200 and said[False] > 200
    assert missing.in_none([f"P{i:06d}" for i in range(1000)])
    assert not missing.in_none(["P1", "NA"]) and not missing.in_none(["P1", ""])
