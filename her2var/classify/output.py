"""Writing classify results: TSV rows, per-sample JSON, samples.tsv, a terminal summary.

The --out folder is written through outfolder.OutputFolder: every file into a staging folder first,
then all put in place together, so a reader never sees half a file and a failure leaves the earlier
output as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import sys
import tempfile
from collections.abc import Iterable
from typing import IO, Any

from ..errors import shown
from ..files import Named, safe_filename, tsv_text
from ..models import CALL_COLUMNS, SAMPLE_COLUMNS, Call
from ..outfolder import OutputFolder
from .multiqc import FILE_NAME as MULTIQC_FILE
from .multiqc import write_multiqc_rows, write_multiqc_table
from .result import SampleResult
from .tested import tested_text


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:.4g}" if isinstance(value, float) else str(value)
    if isinstance(value, (list, tuple)):
        text = ";".join(str(v) for v in value)
    else:
        text = str(value)
    return tsv_text(text)


def call_row(call: Call) -> list[str]:
    d = dict(vars(call))  # flat, and only read: asdict's deep copy costs a MAF's 10,000 calls seconds
    d["class"] = d.pop("klass")
    return [_fmt(d[c]) for c in CALL_COLUMNS]


def call_dict(call: Call) -> dict[str, Any]:
    d = dataclasses.asdict(call)
    d["class"] = d.pop("klass")
    return {c: d[c] for c in CALL_COLUMNS}


def event_label(call: Call) -> str:
    """An event as samples.tsv's `events` lists it: `GENE:name`, e.g. ERBB2:p.Y772_A775dup,
    KRAS:p.G12C, ERBB2:amplification (the c. name without its transcript when there is no p. name)."""
    return f"{call.gene}:{call.hgvs_p or call.hgvs_c.split(':')[-1] or call.klass}"


def sample_row(r: SampleResult) -> list[str]:
    values = {
        "sample": r.sample, "patient": r.patient, "her2_status": r.her2_status if r.status == "ok" else "error",
        "her2_altered": r.her2_altered if r.status == "ok" else "unknown",
        "her2_tier": r.her2_tier if r.status == "ok" else "error",
        "assessed": r.assessed, "assessed_reason": "; ".join(r.assessed_reasons),
        "cn_assessed": r.cn_assessed, "copy_number": None if r.copy_number is None else round(r.copy_number, 3),
        "cn_source": r.cn_source,
        "events": ";".join(event_label(c) for c in r.calls),
        "n_events": len(r.calls), "codrivers": r.codrivers, "driver_group": r.driver_group,
        "tested": tested_text(r.tested),
        "build": r.build, "caller": r.caller, "input": r.input,
        "records_in_regions": r.records_in_regions,
        "dropped": ";".join(f"{k}={v}" for k, v in sorted(r.dropped.items())),
        "status": r.status, "error": r.error, "rules_checksum": r.rules_checksum,
    }
    return [_fmt(values[c]) for c in SAMPLE_COLUMNS]


def sample_json(r: SampleResult, provenance: dict[str, Any]) -> dict[str, Any]:
    skipped, not_listed = r.listed_skipped_events()
    return {
        "sample": r.sample,
        "patient": r.patient,
        "status": r.status,
        "error": r.error or None,
        "her2_status": r.her2_status if r.status == "ok" else "error",
        "her2_classes": r.classes,
        "her2_altered": r.her2_altered if r.status == "ok" else "unknown",
        "her2_tier": r.her2_tier if r.status == "ok" else "error",
        "matched_normal": r.matched_normal,
        "codrivers": r.codrivers,
        "driver_group": r.driver_group,
        "tested": r.tested,
        "assessed": r.assessed,
        "assessed_reasons": r.assessed_reasons,
        "cn_assessed": r.cn_assessed,
        "copy_number": r.copy_number,
        "cn_source": r.cn_source,
        "copy_numbers": [dataclasses.asdict(c) for c in r.copy_numbers],
        "calls": [call_dict(c) for c in r.calls],
        "bam": r.bam,
        "qc": {"records_in_regions": r.records_in_regions, "dropped": dict(sorted(r.dropped.items())),
               "skipped_events": skipped, "skipped_events_not_listed": not_listed},
        "provenance": {
            **provenance,
            "input": r.input,
            "input_sha256": r.input_sha256,
            "build": r.build,
            "build_evidence": r.build_evidence,
            "caller": r.caller,
            "reference_used": r.reference,
            # the thresholds this sample was judged by (its sample type's set), not only the run's default
            "sample_type": r.sample_type or None,
            "threshold_set": r.threshold_set or None,
            "thresholds": r.thresholds or provenance.get("thresholds"),
        },
    }


def write_tsv(fh: IO[str], header: Iterable[str], rows: Iterable[list[str]]) -> None:
    fh.write("\t".join(header) + "\n")
    for row in rows:
        fh.write("\t".join(row) + "\n")


CLASSIFY_FILES = ("calls.tsv", "samples.tsv", MULTIQC_FILE)  # the top-level files of a classify --out folder


def classify_folder(outdir: str, inputs: Iterable[Named] = (), option: str = "--out") -> OutputFolder:
    """The classify output folder (outfolder.py): new, empty or an earlier classify output; locked while
    a run writes it; filled in a staging folder and committed at once."""
    return OutputFolder(outdir, kind="classify", option=option, patterns=CLASSIFY_FILES, subfolders=("samples",),
                        inputs=inputs, not_ours="holds no earlier classify output")


def write_outdir(outdir: str | OutputFolder, results: list[SampleResult], provenance: dict[str, Any]) -> None:
    """calls.tsv, samples.tsv, one JSON per sample and her2var_mqc.tsv (MultiQC), written into the
    folder's staging area and put in place together (an earlier output's files that this run does not
    write again are removed; nothing else in the folder is touched). ``outdir`` is a path, or the
    OutputFolder a run opened (and locked) when it started.

    When every input failed nothing is written at all.
    """
    if not any(r.status == "ok" for r in results):
        return
    if isinstance(outdir, str):
        with classify_folder(outdir) as folder:
            _write_folder(folder, results, provenance)
        return
    _write_folder(outdir, results, provenance)


def _write_folder(folder: OutputFolder, results: list[SampleResult], provenance: dict[str, Any]) -> None:
    with FolderWriter(folder, provenance) as writer:
        for r in results:
            writer.add(r)


class FolderWriter:
    """A classify --out folder written one result at a time, in input order, into the folder's
    staging area: a batch of any size is written without holding its results (write_outdir's
    files, byte for byte). Leaving the block commits the folder when at least one sample was
    classified; when every input failed nothing is committed (the staging folder goes with the
    OutputFolder), and after an error nothing is."""

    def __init__(self, folder: OutputFolder, provenance: dict[str, Any]) -> None:
        self.folder = folder
        self.provenance = provenance
        self.used: set[str] = set()  # JSON file names given so far
        self.any_ok = False
        self._files: list[IO[str]] = []

    def _open(self, rel: str) -> IO[str]:
        return open(self.folder.file(rel), "w", encoding="utf-8", newline="")

    def __enter__(self) -> FolderWriter:
        try:
            for rel in ("calls.tsv", "samples.tsv", MULTIQC_FILE):
                self._files.append(self._open(rel))
            self.calls, self.samples, self.multiqc = self._files
            self.calls.write("\t".join(CALL_COLUMNS) + "\n")
            self.samples.write("\t".join(SAMPLE_COLUMNS) + "\n")
            write_multiqc_table(self.multiqc, [], self.provenance)
        except OSError as exc:
            with contextlib.suppress(OSError):
                self._close()
            raise self.folder.failed(exc) from exc
        return self

    def add(self, r: SampleResult) -> None:
        try:
            for c in r.calls:
                self.calls.write("\t".join(call_row(c)) + "\n")
            self.samples.write("\t".join(sample_row(r)) + "\n")
            if r.status == "ok":  # the error is in samples.tsv; no JSON pretends to be a result
                self.any_ok = True
                base = safe_filename(r.sample)
                name, k = base, 2
                while name in self.used:
                    name, k = f"{base}_{k}", k + 1
                self.used.add(name)
                with self._open(f"samples/{name}.json") as fh:
                    json.dump(sample_json(r, self.provenance), fh, indent=2, default=str)
                    fh.write("\n")
            write_multiqc_rows(self.multiqc, [r])
        except OSError as exc:
            raise self.folder.failed(exc) from exc

    def _close(self) -> None:
        """Close every file (a full disk may fail the flush of each); the first error is raised."""
        files, self._files = self._files, []
        first: OSError | None = None
        for fh in files:
            try:
                fh.close()
            except OSError as exc:
                first = first or exc
        if first is not None:
            raise first

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        try:
            self._close()
        except OSError as error:
            if exc is None:
                raise self.folder.failed(error) from error
        if exc is None and self.any_ok:
            self.folder.commit()


def summary_text(results: list[SampleResult]) -> str:
    """A readable summary for a terminal."""
    out = io.StringIO()
    for r in results:
        if r.status != "ok":
            out.write(f"{shown(r.sample, bare=True)}: ERROR  {r.error}\n")
            continue
        cn = "" if r.copy_number is None else f"  CN {r.copy_number:.2f} ({r.cn_source})"
        judged = f", {r.threshold_set} thresholds" if r.threshold_set not in ("", "default") else ""
        out.write(f"{shown(r.sample, bare=True)}  [{r.build}, {r.caller}{judged}]  HER2: {r.her2_status}"
                  f"  altered: {r.her2_altered} ({r.her2_tier})"
                  f"  assessed: {r.assessed}  copy number assessed: {r.cn_assessed}{cn}\n")
        if r.codrivers:
            out.write(f"    co-drivers: {r.codrivers}  (driver group {r.driver_group})\n")
        for c in r.calls:
            name = c.hgvs_p or c.hgvs_c or c.klass
            if c.klass == "amplification":
                copies = c.copy_number if c.copy_number is not None else f"not given, level {c.caller_call}"
                out.write(f"    amplification  CN {copies}  ({c.source}, {c.cn_kind})  {c.oncogenicity}\n")
                continue
            vaf = f"VAF {c.vaf:.1%}" if c.vaf is not None else "VAF n/a"
            extra = f"  {c.domain}" if c.domain else ""
            hot = "  hotspot" if c.hotspot else ""
            label = c.klass if c.gene == "ERBB2" else f"{c.gene} {c.klass}"
            alt_reads = c.alt_reads if c.alt_reads is not None else "?"
            depth = c.depth if c.depth is not None else "?"
            out.write(f"    {label:<17} {name:<22} {c.hgvs_c.split(':')[-1]:<24} exon {c.exon or '-':<3} "
                      f"{vaf}, {alt_reads}/{depth} reads{extra}{hot}  {c.oncogenicity}\n")
            if c.aliases:
                out.write(f"      also known as: {', '.join(shown(a, bare=True) for a in c.aliases)}\n")
            for note in c.notes:
                out.write(f"      note: {note}\n")
        if r.assessed_reasons:
            out.write(f"    coverage: {'; '.join(r.assessed_reasons)}\n")
        if r.dropped:
            out.write("    not reported: " + ", ".join(f"{k} {v}" for k, v in sorted(r.dropped.items())) + "\n")
    return out.getvalue()


class StdoutText:
    """What classify writes to standard output (``fmt``: text, tsv, json; none: nothing), put
    together one result at a time in a temporary file and written out by ``write_out`` once the
    run is over: the same text as from all the results at the end, without holding them. A run
    that stops with an error writes nothing there."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.n = 0
        self._file: IO[str] | None = None

    def __enter__(self) -> StdoutText:
        if self.fmt in ("text", "tsv", "json"):
            # surrogatepass: any text a result holds comes back exactly as it went in
            self._file = tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogatepass", newline="")
            if self.fmt == "tsv":
                self._file.write("\t".join(CALL_COLUMNS) + "\n")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def add(self, r: SampleResult, provenance: dict[str, Any]) -> None:
        fh = self._file
        if fh is None:
            return
        if self.fmt == "text":
            fh.write(summary_text([r]))
        elif self.fmt == "tsv":
            for c in r.calls:
                fh.write("\t".join(call_row(c)) + "\n")
        else:  # one item of json.dump(results, indent=2): each line indented one level more
            item = json.dumps(sample_json(r, provenance), indent=2, default=str)
            fh.write(("[\n" if self.n == 0 else ",\n") + "\n".join("  " + line for line in item.split("\n")))
        self.n += 1

    def write_out(self) -> None:
        fh = self._file
        if fh is None:
            return
        import click  # the command line's; this module is also read by the store and the demo

        if self.fmt == "json":
            fh.write("\n]\n" if self.n else "[]\n")
        fh.seek(0)
        while True:  # in pieces that end at a line end (click.echo treats each piece as whole lines)
            piece = fh.read(1 << 20)
            if not piece:
                break
            piece += fh.readline()
            if self.fmt == "text":
                click.echo(piece, nl=False)
            else:
                sys.stdout.write(piece)
