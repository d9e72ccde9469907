"""`her2var demo`: a seeded SYNTHETIC cohort run through classify -> cohort -> analyze.

About 120 patients with HER2 exon 20 insertions, point mutations and amplifications (some with
both), co-occurring EGFR/KRAS drivers, VCFs in four callers' dialects, copy-number files,
clinical records in an Excel workbook typed the way hospitals type them, and first-line
regimens of the seed designs. Every file says it is synthetic.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sqlite3
import stat
import urllib.parse
from dataclasses import dataclass
from typing import cast

import numpy as np

from ..analysis.wording import SYNTHETIC_NOTE
from ..errors import UsageError
from ..genome.transcript import WindowSequence
from ..outfolder import OutputFolder
from ..rules.load import Rules
from . import synth
from .synth import Event

OFFSET_38 = {"17": 1_843_747, "7": -67_693, "12": -152_934}

# GRCh37 placements of the events the demo draws from (ERBB2: the reference catalog).
EVENTS = {
    "YVMA_dup_left": ("17", 37880981, "A", "AGCATACGTGATG"),
    "YVMA_dup_shifted": ("17", 37880983, "C", "CATACGTGATGGC"),
    "YVMA_other_dna": ("17", 37880996, "T", "TTATGTAATGGCA"),
    "G776delinsVC": ("17", 37880997, "G", "GTCT"),
    "G778_P780dup": ("17", 37881002, "G", "GGGCTCCCCA"),
    "V777_S779dup": ("17", 37880999, "T", "TGTGGGCTCC"),
    "G778dup": ("17", 37881002, "G", "GGGC"),
    "S310F": ("17", 37868208, "C", "T"),
    "S310Y": ("17", 37868208, "C", "A"),
    "L755S": ("17", 37880220, "T", "C"),
    "V777L": ("17", 37881000, "G", "T"),
    "D769Y": ("17", 37880261, "G", "T"),
    "G776C": ("17", 37880997, "G", "T"),
    "L755_T759del": ("17", 37880218, "GTTGAGGGAAAACACA", "G"),
    "I655V": ("17", 37879588, "A", "G"),
    "EGFR_L858R": ("7", 55259515, "T", "G"),
    "EGFR_E746_A750del": ("7", 55242465, "GGAATTAAGAGAAGCA", "G"),
    "KRAS_G12C": ("12", 25398285, "C", "A"),
}
INSERTIONS = ["YVMA_dup_left", "YVMA_dup_shifted", "YVMA_other_dna", "G776delinsVC",
              "G778_P780dup", "V777_S779dup", "G778dup"]
POINT = ["S310F", "S310Y", "L755S", "V777L", "D769Y", "G776C"]

# First-line regimens as a clinic writes them, and their synthetic median PFS (months).
REGIMENS = {
    "C": (["Pemetrexed + Carboplatin", "pemetrexed, cisplatin", "Docetaxel"], 5.5),
    "I": (["Pembrolizumab", "Nivolumab"], 3.2),
    "TKI": (["Pyrotinib", "Afatinib", "poziotinib"], 4.6),
    "C+I": (["Pemetrexed + Carboplatin + Pembrolizumab", "Paclitaxel, Carboplatin, Tislelizumab"], 7.2),
    "C+A": (["Pemetrexed + Cisplatin + Bevacizumab", "Carboplatin + Pemetrexed + Endostar"], 6.4),
    "C+I+A": (["Carboplatin + Paclitaxel + Atezolizumab + Bevacizumab"], 8.8),
}
RESPONSE_WORDS = {
    "CR": ["CR", "Complete response"], "PR": ["PR", "partial response", "Partial Response"],
    "SD": ["SD", "stable", "Stable disease"], "PD": ["PD", "progressive disease", "Progression"],
    "NE": ["NE", "not evaluable"],
}
CUTOFF = dt.date(2025, 6, 30)
DIALECTS = ("mutect2", "strelka2", "ion", "dragen")


def _event(name: str, build: str, vaf: float, depth: int = 600) -> Event:
    chrom, pos, ref, alt = EVENTS[name]
    if build == "GRCh38":
        pos += OFFSET_38[chrom]
    return Event(pos, ref, alt, vaf, depth, chrom)


@dataclass(frozen=True)
class DemoInputs:
    folder: str
    sheet: str
    clinical: str
    n_patients: int


@dataclass
class _Patient:
    pid: str
    her2: list[str]
    cn: float
    codriver: str | None
    dialect: str
    regimen: str


def _patients(rng: np.random.Generator, n: int) -> list[_Patient]:
    out = []
    for i in range(n):
        u = rng.random()
        if u < 0.50:
            her2, cn = [str(rng.choice(INSERTIONS))], float(rng.uniform(1.8, 3.2))
        elif u < 0.70:
            her2, cn = [str(rng.choice(POINT))], float(rng.uniform(1.8, 3.2))
        elif u < 0.93:
            her2, cn = [], float(rng.uniform(5.5, 16.0))
        else:
            her2, cn = [str(rng.choice(INSERTIONS))], float(rng.uniform(6.0, 12.0))
        amp = cn > 4
        # The seed: sensitizing EGFR in ~40% of amplified, none of the exon 20 insertions.
        codriver = None
        if amp and not her2 and rng.random() < 0.4:
            codriver = str(rng.choice(["EGFR_L858R", "EGFR_E746_A750del"]))
        elif not amp and rng.random() < 0.05:
            codriver = "KRAS_G12C"
        regimen = str(rng.choice(list(REGIMENS), p=[0.22, 0.1, 0.2, 0.2, 0.14, 0.14]))
        out.append(_Patient(f"P{i + 1:03d}", her2, cn, codriver, DIALECTS[i % 4], regimen))
    return out


def _vcf_for(p: _Patient, rules: Rules, rng: np.random.Generator, hotspots) -> tuple[str, str, str, str]:
    """(file name, text, cnv file name or '', cnv text) for one patient's tumour."""
    gene = rules.index_gene
    sid = f"{p.pid}-T1"
    if p.dialect == "ion":
        events = [_event(e, "GRCh37", float(rng.uniform(0.08, 0.4))) for e in p.her2]
        events += [_event(p.codriver, "GRCh37", 0.3)] if p.codriver else []
        return f"{sid}.ion.hg19.vcf", synth.ion(sid, events, hotspots, p.cn, rng, builds=rules.builds), "", ""
    build = "GRCh37" if p.dialect == "strelka2" else "GRCh38"
    events = [_event(e, build, float(rng.uniform(0.08, 0.4))) for e in p.her2]
    events += [_event(p.codriver, build, 0.3)] if p.codriver else []
    cnv_name = f"{sid}.call.cns"
    cnv_text = synth.cnvkit_call_cns(round(p.cn), 0.6, build, gene)
    if p.dialect == "mutect2":
        return f"{sid}.mutect2.GRCh38.vcf", synth.mutect2(sid, f"{p.pid}-N", build, events, rng,
                                                                     builds=rules.builds), cnv_name, cnv_text
    if p.dialect == "strelka2":
        return f"{sid}.strelka2.GRCh37.vcf", synth.strelka2(build, events, rng, builds=rules.builds), cnv_name, cnv_text
    low = 40 if rng.random() < 0.04 else 450  # a few failed runs: not assessed, never wild type
    gvcf = synth.dragen_gvcf(sid, build, gene, events, rng, block_depth=low, builds=rules.builds)
    return f"{sid}.dragen.GRCh38.gvcf", gvcf, cnv_name, cnv_text


def _clinical_rows(patients: list[_Patient], rng: np.random.Generator) -> list[list[object]]:
    rows = []
    for k, p in enumerate(patients):
        start = dt.date(2019, 1, 1) + dt.timedelta(days=int(rng.integers(0, 5 * 365)))
        median = REGIMENS[p.regimen][1] * (0.8 if p.cn > 4 and p.regimen == "TKI" else 1.0)
        pfs_days = rng.exponential(median / np.log(2)) * 30.4375
        os_days = pfs_days + rng.exponential(14 / np.log(2)) * 30.4375
        progression = start + dt.timedelta(days=int(pfs_days) + 1)
        death = start + dt.timedelta(days=int(os_days) + 1)
        lost = start + dt.timedelta(days=int(rng.uniform(60, 2000)))
        last = min(CUTOFF, lost, death)
        prog_cell = progression if progression <= last else None
        death_cell = death if death <= last else None
        tumour_shrinks = {"C": 0.25, "I": 0.15, "TKI": 0.3, "C+I": 0.4, "C+A": 0.35, "C+I+A": 0.45}[p.regimen]
        r = rng.random()
        best = "PR" if r < tumour_shrinks else ("SD" if r < tumour_shrinks + 0.4 else ("PD" if r < 0.93 else "NE"))
        if best == "PR" and rng.random() < 0.05:
            best = "CR"
        words = RESPONSE_WORDS[best]
        drugs = REGIMENS[p.regimen][0]
        stage = str(rng.choice(["IV", "IVA", "IVB", "IIIB", "4"], p=[0.5, 0.2, 0.2, 0.05, 0.05]))
        stage = "IV" if stage in ("IVA", "IVB") else stage
        rows.append([
            p.pid, str(rng.choice(["M", "F", "male", "Female"])), int(rng.integers(34, 82)),
            str(rng.choice(["Never smoker", "never", "ex", "Current smoker"], p=[0.45, 0.15, 0.3, 0.1])),
            str(rng.choice(["0", "1", "1", "2"])), stage,
            "yes" if rng.random() < 0.28 else "no",
            drugs[int(rng.integers(0, len(drugs)))], start,
            # a few dates typed as ISO text, as exported from another system
            prog_cell.isoformat() if (prog_cell and k % 17 == 3) else prog_cell,
            death_cell, last, words[int(rng.integers(0, len(words)))],
        ])
    # one row typed with progression before the start of treatment: excluded from PFS, listed
    rows[5][9] = cast(dt.date, rows[5][8]) - dt.timedelta(days=20)  # column 8: the start date
    return rows


def write_demo_inputs(folder: str, rules: Rules, seed: int = 20261122, n: int = 120) -> DemoInputs:
    """Write the synthetic VCFs, copy-number files, samples sheet and clinical workbook."""
    from openpyxl import Workbook

    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(folder, "vcf"), exist_ok=True)
    gene = rules.index_gene
    ref37 = WindowSequence(gene.builds["GRCh37"].windows, "17")
    hotspots = [(pos, ref, alt) for c, pos, ref, alt in EVENTS.values() if c == "17" and len(ref) == len(alt) == 1]
    for g in range(37880985, 37881160, 9):
        base = ref37.fetch("17", g, g)
        if base is None:  # not in the rules' sequence windows (the shipped rules hold all of exon 20)
            continue
        hotspots.append((g, base, "A" if base != "A" else "G"))
    patients = _patients(rng, n)
    sheet_rows = []
    for p in patients:
        name, text, cnv_name, cnv_text = _vcf_for(p, rules, rng, hotspots)
        with open(os.path.join(folder, "vcf", name), "w", encoding="utf-8") as fh:
            fh.write(text)
        if cnv_name:
            with open(os.path.join(folder, "vcf", cnv_name), "w", encoding="utf-8") as fh:
                fh.write(cnv_text)
        sheet_rows.append((f"{p.pid}-T1", p.pid, f"vcf/{name}", f"vcf/{cnv_name}" if cnv_name else "",
                           "0.6" if cnv_name else ""))
    sheet = os.path.join(folder, "samples.tsv")
    with open(sheet, "w", encoding="utf-8") as fh:
        fh.write("sample\tpatient\tvcf\tcnv\tpurity\n")
        for row in sheet_rows:
            fh.write("\t".join(row) + "\n")
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has its one sheet
    ws.title = "SYNTHETIC patients"
    ws.append(["Patient No.", "Gender", "Age", "Smoking history", "ECOG PS", "Stage", "Brain metastasis",
               "First-line treatment", "Start of treatment", "Date of progression", "Date of death",
               "Last follow-up", "Best response"])
    for clinical_row in _clinical_rows(patients, rng):
        ws.append(clinical_row)
    notes = wb.create_sheet("README")
    notes.append(["SYNTHETIC DATA generated by `her2var demo`: no real patient is described here."])
    clinical = os.path.join(folder, "clinical.xlsx")
    wb.save(clinical)
    return DemoInputs(folder=folder, sheet=sheet, clinical=clinical, n_patients=n)


@dataclass
class DemoRun:
    inputs: DemoInputs
    classify_dir: str
    store: str
    cohort_tsv: str
    analysis_dirs: list[str]
    n_samples: int
    failed: list[str]
    summary: str


DEMO_FILES = ("her2var.db", "her2var.db-wal", "her2var.db-shm", "README.txt")
DEMO_FOLDERS = ("inputs", "classify", "cohort", "analysis")
DEMO_SAMPLE = re.compile(r"P\d{3}-T1")


def demo_folder(outdir: str) -> OutputFolder:
    """OUTDIR: new, empty, or an earlier demo's (by its manifest only: a lab's folder with a her2var.db
    of its own is never taken for the demo's)."""
    return OutputFolder(outdir, kind="demo", option="OUTDIR", patterns=DEMO_FILES, subfolders=DEMO_FOLDERS,
                        staged=False, legacy=False, not_ours="holds no earlier her2var demo")


def _refuse_foreign_store(path: str) -> None:
    """The demo's folder listed her2var.db as its own; a store holding any other sample (a lab's,
    put there since) is never removed or written into."""
    if not os.path.lexists(path):
        return
    samples: list[str] | None = None
    with contextlib.suppress(sqlite3.Error, OSError):
        if not stat.S_ISREG(os.stat(path).st_mode):  # a pipe or a device would hang SQLite
            raise OSError(path)
        conn = sqlite3.connect(f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro", uri=True)
        try:
            samples = [r[0] for r in conn.execute("SELECT sample FROM results UNION SELECT sample FROM failures")]
        finally:
            conn.close()
    if samples is None or not all(isinstance(s, str) and DEMO_SAMPLE.fullmatch(s) for s in samples):
        raise UsageError(f"OUTDIR {path}: a results store the demo did not write (it holds other samples, or "
                         "is not a her2var store); the demo never writes into a lab's store: give a new or "
                         "empty folder")


def run_demo(outdir: str, rules: Rules, *, seed: int = 20261122, workers: int = 1) -> DemoRun:
    """classify -> store -> cohort -> analyze on the synthetic cohort; everything under outdir.

    OUTDIR must be new, empty, or an earlier demo's output (recognised by its manifest), which is
    removed first; it is locked while the demo runs, and what a failed demo wrote is removed."""
    with demo_folder(outdir) as folder:
        _refuse_foreign_store(os.path.join(outdir, "her2var.db"))
        folder.clear()
        folder.claim([*DEMO_FILES, *(f"{name}/" for name in DEMO_FOLDERS)])
        run = _run_demo(outdir, rules, seed=seed, workers=workers)
        folder.commit()
    return run


def _run_demo(outdir: str, rules: Rules, *, seed: int, workers: int) -> DemoRun:
    from ..classify.batch import classify_inputs
    from ..cohort.build import build_cohort
    from ..cohort.export import write_cohort

    inputs = write_demo_inputs(os.path.join(outdir, "inputs"), rules, seed=seed)
    classify_dir = os.path.join(outdir, "classify")
    store_path = os.path.join(outdir, "her2var.db")
    results = classify_inputs([], sheet=inputs.sheet, rules=rules, workers=workers, outdir=classify_dir,
                              store=store_path).results
    cohort = build_cohort(inputs.clinical, store=store_path, samples_sheet=inputs.sheet, cutoff=CUTOFF)
    cohort_tsv = os.path.join(outdir, "cohort", "cohort.tsv")
    write_cohort(cohort, cohort_tsv, xlsx=os.path.join(outdir, "cohort", "cohort.xlsx"), note=SYNTHETIC_NOTE)
    analysis_dirs = _analyze(cohort_tsv, outdir, jobs=workers)
    _write_readme(outdir)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.her2_status] = counts.get(r.her2_status, 0) + 1
    summary = "\n".join(f"  {k:<34} {v:>4}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
    return DemoRun(inputs, classify_dir, store_path, cohort_tsv, analysis_dirs, len(results),
                   [r.error for r in results if r.status == "error"], summary)


def _write_readme(outdir: str) -> None:
    """A note at the top of the demo's folder: none of it describes a real patient (cohort.tsv and
    the other tables have no place of their own for it)."""
    from ..files import atomic_write

    with atomic_write(os.path.join(outdir, "README.txt")) as fh:
        fh.write(f"{SYNTHETIC_NOTE}.\n\nEvery file under this folder was generated from a seeded random cohort by "
                 "'her2var demo': inputs/ (VCFs, copy number, samples sheet, clinical workbook), classify/, "
                 "cohort/ (cohort.tsv, cohort.xlsx), analysis/<plan>/ (report.html, tables, figures).\n")


def _analyze(cohort_tsv: str, outdir: str, *, jobs: int = 1) -> list[str]:
    """Both built-in plans, when the analysis stage is installed; every output labelled synthetic,
    report.pdf printed when a headless Chromium is installed."""
    try:
        from ..analysis.plan import load_plan
        from ..analysis.run import analyze
    except ImportError:
        return []
    dirs = []
    for name in ("first-line-regimens", "alteration-groups"):
        target = os.path.join(outdir, "analysis", name)
        analyze(cohort_tsv, load_plan(name), target, synthetic=True, pdf=None, jobs=max(jobs, 1))
        dirs.append(target)
    return dirs
