"""``her2var store``: reading the results store that ``classify --store`` writes.

- ``store list``: every sample, its current result, the rules that made it and when;
- ``store show SAMPLE``: one sample's history across rules versions (and failed attempts);
- ``store diff --from OLD --to NEW``: which samples (and patients) changed between two rules
  versions and why (classify/rules_diff.py).

Each writes TSV when its output is piped (``--format tsv``) and aligned text on a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

import click

from .params import InputPath, say

TEXT_CELL = 60  # characters a cell keeps in the terminal view (the TSV keeps everything)


def _fmt_option(f):
    return click.option("--format", "fmt", type=click.Choice(["auto", "text", "tsv"]), default="auto",
                        show_default=True, help="Text on a terminal, else TSV.")(f)


def _store_option(f):
    return click.option("--store", "store_path", required=True, envvar="HER2VAR_STORE", type=InputPath(),
                        help="The SQLite results store written by 'classify --store' (or $HER2VAR_STORE).")(f)


def _text(fmt: str) -> bool:
    return fmt == "text" or (fmt == "auto" and sys.stdout.isatty())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def write_table(columns: Sequence[str], rows: Iterable[dict[str, object]], *, text: bool,
                short: Sequence[str] = ()) -> None:
    """Rows as TSV (formula-safe cells) or, for a terminal, as aligned columns where the ``short``
    columns (checksums) keep 12 characters and long cells are cut."""
    from ..files import tsv_text

    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    if not text:
        click.echo("\t".join(columns))
        for row in cells:
            click.echo("\t".join(tsv_text(v) for v in row))
        return
    for row in cells:
        for i, c in enumerate(columns):
            v = row[i][:12] if c in short else row[i]
            row[i] = v if len(v) <= TEXT_CELL else v[:TEXT_CELL - 1] + "…"
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _open(path: str):
    from ..store import open_store

    return open_store(path, create=False)


@click.group("store")
def store() -> None:
    """Read the results store: samples, one sample's history, what changed between rules versions."""


@store.command("list")
@_store_option
@_fmt_option
def store_list(store_path: str, fmt: str) -> None:
    """Every sample: its current result, the rules checksum and date that made it, and its latest
    attempt's status (a failed re-run never replaces a result; it shows as status 'error')."""
    with _open(store_path) as s:
        rows = s.sample_overview()
        versions = s.rules_versions()
    write_table(s.OVERVIEW_FIELDS, rows, text=_text(fmt), short=("rules_checksum",))
    failed = sum(1 for r in rows if r["status"] == "error")
    say(f"store: {len(rows)} sample(s), {failed} whose latest attempt failed; {len(versions)} rules version(s): "
        + ", ".join(f"{v['rules_checksum'][:12]} ({v['current']} current of {v['results']})" for v in versions))


SHOW_COLUMNS = ("recorded_at", "rules_checksum", "current", "status", "her2_status", "her2_altered", "her2_tier",
                "assessed", "cn_assessed", "copy_number", "events", "input_sha256", "her2var_version", "error")


@store.command("show")
@click.argument("sample")
@_store_option
@_fmt_option
def store_show(sample: str, store_path: str, fmt: str) -> None:
    """SAMPLE's history, oldest first: each stored result (one per rules version and input) and each
    failed attempt, with the rules checksum, HER2 status and events of each."""
    from ..classify.rules_diff import event_name
    from ..errors import InputError, shown

    with _open(store_path) as s:
        results = s.sample_results(sample)
        failures = s.sample_failures(sample)
    if not results and not failures:
        raise InputError(f"{store_path}: no sample {shown(sample)} in the store ('her2var store list' lists them)")
    rows: list[dict[str, object]] = []
    for r in results:
        d = r["doc"]
        rows.append({"recorded_at": r["recorded_at"], "rules_checksum": r["rules_checksum"],
                     "current": r["is_current"], "status": "ok", "her2_status": d.get("her2_status"),
                     "her2_altered": d.get("her2_altered"), "her2_tier": d.get("her2_tier"),
                     "assessed": d.get("assessed"), "cn_assessed": d.get("cn_assessed"),
                     "copy_number": d.get("copy_number"),
                     "events": ";".join(event_name(c) for c in d.get("calls") or []) or "none",
                     "input_sha256": r["input_sha256"], "her2var_version": r["her2var_version"], "error": ""})
    for f in failures:
        rows.append({"recorded_at": f["recorded_at"], "rules_checksum": f["rules_checksum"], "current": False,
                     "status": "error", "her2_status": "error", "her2_altered": "unknown", "error": f["error"]})
    rows.sort(key=lambda r: str(r["recorded_at"]))
    write_table(SHOW_COLUMNS, rows, text=_text(fmt), short=("rules_checksum", "input_sha256"))


@store.command("diff")
@click.option("--from", "old", required=True, metavar="CHECKSUM",
              help="The earlier rules: a rules checksum (or its first characters) in the store.")
@click.option("--to", "new", required=True, metavar="CHECKSUM", help="The later rules, likewise.")
@_store_option
@_fmt_option
def store_diff(old: str, new: str, store_path: str, fmt: str) -> None:
    """Which samples (and patients) changed between two rules versions, and why: HER2 status, altered
    and tier, events added or removed (with the reason an event is now left out, or was), events
    whose tier or class changed, coverage and copy-number verdicts. Samples classified under both
    are compared, each by its latest result under each."""
    from ..classify.rules_diff import DIFF_COLUMNS, compare_rules
    from ..errors import UsageError

    with _open(store_path) as s:
        a, b = s.resolve_rules(old, "--from"), s.resolve_rules(new, "--to")
        if a == b:
            raise UsageError(f"--from and --to name the same rules ({a[:12]}); give two different checksums")
        diff = compare_rules(s.results_under(a), s.results_under(b))
    text = _text(fmt)
    if text:
        _diff_text(diff, a, b)
    else:
        write_table(DIFF_COLUMNS, (c.values() for c in diff.changed), text=False)
    altered = sum(1 for c in diff.changed if c.altered_changed)
    say(f"store diff {a[:12]} -> {b[:12]}: {diff.compared} sample(s) under both, {len(diff.changed)} changed "
        f"({altered} in her2_altered), {len(diff.patients_changed)} patient(s); "
        f"{len(diff.only_from)} only under --from, {len(diff.only_to)} only under --to"
        + (f"; thresholds changed: {', '.join(diff.thresholds)}" if diff.thresholds else ""))


def _diff_text(diff, a: str, b: str) -> None:
    click.echo(f"rules {a[:12]} -> {b[:12]}")
    if diff.thresholds:
        click.echo(f"thresholds: {', '.join(diff.thresholds)}")
    if not diff.changed:
        click.echo("no sample changed")
    for c in diff.changed:
        head = [f"{k} {x or '-'} -> {y or '-'}" for k, (x, y) in
                (("her2_altered", c.her2_altered), ("her2_status", c.her2_status), ("her2_tier", c.her2_tier))
                if x != y]
        patient = f" (patient {c.patient})" if c.patient else ""
        click.echo(f"\n{c.sample}{patient}: " + ("; ".join(head) or "HER2 unchanged")
                   + ("" if c.same_input else "  [input differs]"))
        for sign, items in (("+", c.added), ("-", c.removed), ("~", c.changed), ("~", c.other)):
            for item in items:
                click.echo(f"    {sign} {item}")
