"""Write the golden outputs of `her2var classify`, `cohort` and `analyze` on fixed fixture inputs.

    python scripts/make_golden_outputs.py [CASE ...]      (default: every case)

Each case runs the command line in this process (``her2var.cli.main.main``) into a temporary
folder, normalises what legitimately varies between runs and machines, and writes the compared
files under ``tests/golden/outputs/<case>/``. tests/test_golden_outputs.py runs the same cases
with the same functions and compares file by file.

A changed golden file is a changed result (a class, an HGVS name, a VAF, a copy number, a count,
a p-value, a median, a CI, a checksum): review its diff as such before committing it.

Cases
  classify                 classify --samples SHEET --out: mutect2 (GRCh38) with a CNVkit .cns and a
                           purity, vardict, strelka2 indels, haplotypecaller (GRCh37), Ion Torrent
                           (bgzipped, copy number inside the VCF), DRAGEN TSO500 gVCF (GRCh38), VEP
  cohort                   cohort on fixtures/clinical (clean_calls, clean_cohort.csv,
                           clean_samples.tsv) with a cBioPortal study
  classify-cohort          the classify case's output joined to fixtures/clinical/clean_cohort.csv
                           (the classify samples sheet is the cohort's samples sheet too)
  analyze-<plan>           analyze fixtures/analysis/cohort.tsv --plan <plan> --no-figures, one
                           case per built-in plan (``her2var plans``); results.json and tables/*.tsv

What is normalised (and nothing else)
  * absolute paths: the checkout (``<ROOT>``), the temporary run folder (``<OUT>``) and the built-in
    rules folder (``<RULES>``: the checkout's rules/ or the installed package's _rules/);
  * her2var's version: ``her2var_version`` in sample JSON provenance, ``provenance.versions`` of
    results.json (with Python's and the packages' versions) and "her2var X.Y.Z" in cBioPortal text;
  * results.json ``provenance.date`` (the run's time), ``provenance.platform`` and
    ``provenance.command`` (the command line: sys.argv of whoever runs it, here the script or pytest).
Values are never rounded or dropped; JSON is rewritten with sorted keys and indent 1 (line-based
diffs), text files are kept as written. report.html, tables.xlsx and figures are not compared.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GOLDEN = ROOT / "tests" / "golden" / "outputs"
REGENERATE = "python scripts/make_golden_outputs.py"

# The classify case's samples sheet (sample, patient, vcf, cnv, purity, collection_date); written
# into the run folder with absolute paths. Patients and dates are those of fixtures/clinical, so
# the classify-cohort case can join them to clean_cohort.csv.
CLASSIFY_SHEET = [
    ("S001", "P001", "vcf/mutect2_tumor_normal.GRCh38.vcf", "cnv/cnvkit_grch38.cns", "0.6", "2021-09-16"),
    ("S003", "P003", "vcf/vardict_paired.GRCh37.vcf", "", "", "2021-01-08"),
    ("S004", "P004", "vcf/strelka2_somatic.indels.GRCh37.vcf", "", "", "2021-06-30"),
    ("S005", "P005", "vcf/ion_oca.hg19.vcf.gz", "", "", "2021-01-28"),
    ("S006", "P006", "vcf/dragen_tso500.hard-filtered.GRCh38.gvcf", "", "", "2021-09-23"),
    ("S007", "P007", "vcf/haplotypecaller.g.GRCh37.vcf", "", "", "2021-08-23"),
    ("S009", "P009", "vcf/vep_annotated.GRCh38.vcf", "", "", "2021-07-09"),
]
CLINICAL = FIXTURES / "clinical"
ANALYSIS_COHORT = FIXTURES / "analysis" / "cohort.tsv"
VERSION = "<VERSION>"


# -- running the command line in this process ---------------------------------------------------
class CommandFailed(RuntimeError):
    pass


def her2var(*args: str | os.PathLike[str]) -> str:
    """``her2var ARGS...`` through the console script's entry point, in this process; returns its
    standard error. A non-zero exit code raises CommandFailed with the messages."""
    from her2var.cli.main import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)
    argv = [os.fspath(a) for a in args]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    text = err.buffer.getvalue().decode("utf-8", "replace")
    if code != 0:
        raise CommandFailed(f"her2var {' '.join(argv)} exited with {code}:\n{text}")
    return text


def _write_sheet(path: Path) -> Path:
    lines = ["sample\tpatient\tvcf\tcnv\tpurity\tcollection_date"]
    for sample, patient, vcf, cnv, purity, date in CLASSIFY_SHEET:
        lines.append("\t".join([sample, patient, str(FIXTURES / vcf), str(FIXTURES / cnv) if cnv else "",
                                purity, date]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _classify(work: Path) -> Path:
    out = work / "classify"
    her2var("classify", "--samples", _write_sheet(work / "samples_sheet.tsv"), "--out", out, "--format", "tsv")
    return out


def _files(folder: Path, patterns: tuple[str, ...] = ("**/*",)) -> dict[str, Path]:
    """{path relative to `folder`: file} of the files matching `patterns`."""
    return {p.relative_to(folder).as_posix(): p for pattern in patterns for p in sorted(folder.glob(pattern))
            if p.is_file()}


def case_classify(work: Path) -> dict[str, Path]:
    return _files(_classify(work))


def _cohort(out: Path, calls: Path, samples: Path) -> dict[str, Path]:
    her2var("cohort", "--clinical", CLINICAL / "clean_cohort.csv", "--calls", calls, "--samples", samples,
            "-o", out / "cohort.tsv", "--cbioportal", out / "study")
    return _files(out)


def case_cohort(work: Path) -> dict[str, Path]:
    return _cohort(work / "cohort", CLINICAL / "clean_calls", CLINICAL / "clean_samples.tsv")


def case_classify_cohort(work: Path) -> dict[str, Path]:
    calls = _classify(work)
    return _cohort(work / "cohort", calls, work / "samples_sheet.tsv")


def _analyze_case(plan: str) -> Callable[[Path], dict[str, Path]]:
    def run(work: Path) -> dict[str, Path]:
        out = work / "analysis"
        her2var("analyze", ANALYSIS_COHORT, "--plan", plan, "-o", out, "--no-figures")
        return _files(out, ("results.json", "tables/*.tsv"))

    run.__name__ = f"case_analyze_{plan}"
    return run


def cases() -> dict[str, Callable[[Path], dict[str, Path]]]:
    """Case name -> function running it in a work folder and returning {golden path: output file}."""
    from her2var.analysis.plan import builtin_plans

    out: dict[str, Callable[[Path], dict[str, Path]]] = {
        "classify": case_classify, "cohort": case_cohort, "classify-cohort": case_classify_cohort}
    for plan in builtin_plans():
        out[f"analyze-{plan}"] = _analyze_case(plan)
    return out


# -- normalising -----------------------------------------------------------------------------------
def _path_forms(path: Path) -> list[str]:
    forms = {str(path), str(path.resolve()), os.path.realpath(path)}
    return sorted((f for f in forms if len(f) > 1), key=len, reverse=True)


def _version() -> str:
    from her2var import __version__

    return __version__


def normalise_text(text: str, work: Path) -> str:
    """Replace the run folder and the checkout by placeholders, and her2var's version where it is
    written as "her2var X.Y.Z" (cBioPortal text). The longest path first, so a run folder inside
    the checkout becomes <OUT>."""
    from her2var.rules.schema import builtin_rules_dir

    # The built-in rules (plans) live in the checkout's rules/ or, installed, in the package's _rules/
    subs = ([(f, "<OUT>") for f in _path_forms(work)] + [(f, "<ROOT>") for f in _path_forms(ROOT)]
            + [(f, "<RULES>") for f in _path_forms(builtin_rules_dir())])
    for old, new in sorted(subs, key=lambda s: len(s[0]), reverse=True):
        text = text.replace(old, new)
    return re.sub(rf"\bher2var {re.escape(_version())}\b", f"her2var {VERSION}", text)


def _normalise_provenance(obj: Any) -> None:
    """In place: the run-dependent entries of a sample JSON or results.json."""
    if not isinstance(obj, dict):
        return
    prov = obj.get("provenance")
    if isinstance(prov, dict):
        if "her2var_version" in prov:  # classify sample JSON
            prov["her2var_version"] = VERSION
        if "versions" in prov:  # results.json: her2var, Python and package versions
            prov["versions"] = dict.fromkeys(prov["versions"], VERSION)
        for key, placeholder in (("date", "<DATE>"), ("platform", "<PLATFORM>"), ("command", ["<COMMAND>"])):
            if key in prov:
                prov[key] = placeholder


def normalise_file(path: Path, work: Path) -> str:
    """A file's text as compared and committed."""
    text = normalise_text(path.read_text(encoding="utf-8"), work)
    if path.suffix != ".json":
        return text
    obj = json.loads(text)
    _normalise_provenance(obj)
    return json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def produce(case: str, work: Path) -> dict[str, str]:
    """Run `case` in the (empty) folder `work`: {golden path: normalised text}."""
    return {rel: normalise_file(p, work) for rel, p in cases()[case](work).items()}


# -- comparing ---------------------------------------------------------------------------------------
def read_golden(case: str, golden: Path = GOLDEN) -> dict[str, str]:
    folder = golden / case
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


# Keys that say which record of a list a changed value belongs to (shown with its index).
_RECORD_KEYS = ("sample", "gene", "hgvs_p", "class", "endpoint", "model_id", "group_by", "subgroup", "group",
                "group1", "group2", "time", "term", "variable", "level", "analysis", "patient_id")


def _label(i: int, record: Any) -> str:
    if not isinstance(record, dict):
        return str(i)
    parts = [str(record[k]) for k in _RECORD_KEYS if record.get(k) not in (None, "", [])]
    return " ".join([str(i), *parts[:5]])


def _json_changes(old: Any, new: Any, where: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in sorted(set(old) | set(new)):
            if k not in new:
                out.append(f"{where}.{k}: removed")
            elif k not in old:
                out.append(f"{where}.{k}: added")
            else:
                out += _json_changes(old[k], new[k], f"{where}.{k}")
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for i, (a, b) in enumerate(zip(old, new, strict=True))
                for c in _json_changes(a, b, f"{where}[{_label(i, a)}]")]
    if old == new and type(old) is type(new):
        return []
    return [f"{where or '.'}: {json.dumps(old, ensure_ascii=False)[:80]} -> {json.dumps(new, ensure_ascii=False)[:80]}"]


def _tsv_changes(old: str, new: str) -> list[str]:
    a, b = [r.split("\t") for r in old.splitlines()], [r.split("\t") for r in new.splitlines()]
    if not a or not b or a[0] != b[0] or len(a) != len(b):
        return []
    header, out = a[0], []
    for n, (ra, rb) in enumerate(zip(a[1:], b[1:], strict=True), start=2):
        for i in range(max(len(ra), len(rb))):
            va, vb = (ra[i] if i < len(ra) else "<none>"), (rb[i] if i < len(rb) else "<none>")
            if va != vb:
                col = header[i] if i < len(header) else f"column {i + 1}"
                out.append(f"line {n} ({ra[0][:20]}), column {col}: {va[:60]!r} -> {vb[:60]!r}")
    return out


def changes(name: str, old: str, new: str) -> list[str]:
    """Which values changed, by JSON path or TSV line and column (empty when not applicable)."""
    if name.endswith(".json"):
        try:
            return _json_changes(json.loads(old), json.loads(new))
        except ValueError:
            return []
    if name.endswith((".tsv", ".txt")):
        return _tsv_changes(old, new)
    return []


def compare(case: str, got: dict[str, str], want: dict[str, str], *, max_lines: int = 80) -> str:
    """'' when `got` equals the golden files `want`; else a readable report: missing and extra
    files, then the changed values and a unified diff of the first differing files (limited to
    about `max_lines` lines)."""
    lines: list[str] = []
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    if missing:
        lines.append(f"files in tests/golden/outputs/{case}/ that the run no longer writes: {', '.join(missing)}")
    if extra:
        lines.append(f"files the run writes that tests/golden/outputs/{case}/ lacks: {', '.join(extra)}")
    differing = [n for n in sorted(set(got) & set(want)) if got[n] != want[n]]
    if not (missing or extra or differing):
        return ""
    if differing:
        lines.append(f"{len(differing)} file(s) differ from tests/golden/outputs/{case}/: {', '.join(differing)}")
    budget = max_lines
    for name in differing:
        if budget <= 0:
            lines.append("... (more differences not shown)")
            break
        changed = changes(name, want[name], got[name])
        if changed:
            lines.append(f"changed values in {name} ({len(changed)}):")
            lines += [f"  {c}" for c in changed[:min(10, budget)]]
            if len(changed) > 10:
                lines.append(f"  ... and {len(changed) - 10} more")
            budget -= min(len(changed), 10) + 1
        diff = list(difflib.unified_diff(want[name].splitlines(), got[name].splitlines(),
                                         f"golden/{case}/{name}", f"this run/{case}/{name}", n=2, lineterm=""))
        shown = diff[:max(budget, 8)]
        lines += shown
        if len(diff) > len(shown):
            lines.append(f"... ({len(diff) - len(shown)} more diff lines)")
        budget -= len(shown)
    lines += ["", f"If the change is intended, regenerate with: {REGENERATE} {case}",
              ("and review the diff of tests/golden/outputs/ before committing it: a changed number or class "
               "is a changed clinical result.")]
    return "\n".join(lines)


# -- writing -----------------------------------------------------------------------------------------
def write_golden(case: str, files: dict[str, str], golden: Path = GOLDEN) -> None:
    folder = golden / case
    if folder.exists():
        shutil.rmtree(folder)
    for rel, text in files.items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)


def main(argv: list[str]) -> int:
    known = cases()
    wanted = argv or list(known)
    unknown = [c for c in wanted if c not in known]
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}; cases: {', '.join(known)}", file=sys.stderr)
        return 2
    if not argv and GOLDEN.is_dir():  # every case: golden folders of removed cases go too
        for stale in sorted(p for p in GOLDEN.iterdir() if p.is_dir() and p.name not in known):
            shutil.rmtree(stale)
            print(f"removed {stale.relative_to(ROOT)} (no such case)")
    total = 0
    for case in wanted:
        with tempfile.TemporaryDirectory(prefix="her2var-golden-") as tmp:
            files = produce(case, Path(tmp))
        write_golden(case, files)
        size = sum(len(t.encode("utf-8")) for t in files.values())
        total += size
        print(f"{GOLDEN.relative_to(ROOT)}/{case}/: {len(files)} files, {size / 1024:.1f} KiB")
    print(f"total {total / 1024:.1f} KiB; review the diff (git diff tests/golden/outputs) before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
