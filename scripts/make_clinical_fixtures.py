"""Write the clinical fixtures of `her2var cohort` (seeded; re-run after changing it).

    python scripts/make_clinical_fixtures.py [OUT_DIR]   (default: fixtures/clinical)

Files and the cases they cover:
  clean_cohort.csv        12 patients, every column, ISO dates; one problem-free record each
  clean_calls/            classify --out folder (samples.tsv, calls.tsv, samples/*.json) for them:
                          insertions, a point mutation, amplifications, a wild type, a not-assessed
                          sample, an EGFR co-driver, and a patient (P012) with two samples whose calls
                          conflict
  clean_samples.tsv       samples sheet: sample, patient, collection_date (P012: one sample before
                          the first-line start, one after)
  messy_records.xlsx      the same kind of records as a clinic exports them: synonym headers
                          ("Patient No.", "Gender", "Date of birth", "Best overall response"),
                          spelling variants ("partial response", "stable", "ex-smoker", "Stage 4"),
                          dates stored as Excel dates and as d/m/Y text, a metastasis list column,
                          brand-name drugs
  wrong_delimiter.csv     semicolon-separated with a .csv name
  missing_column.csv      no patient id column
  mixed_dates.csv         ISO and d.m.Y dates in one file
  non_numeric_age.csv     ages such as "sixty-two" and ">80"
  encrypted.xlsx          starts like an encrypted (OLE2) workbook
  not_excel.xlsx          a CSV text file named .xlsx
Synthetic data, not from patients.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from her2var.classify.output import write_outdir
from her2var.classify.result import SampleResult  # noqa: E402
from her2var.files import atomic_write  # noqa: E402
from her2var.models import Call  # noqa: E402

SEED = 20261123
HEADER = ("patient_id,sex,age,smoking,ecog,stage,histology,brain_mets,liver_mets,bone_mets,drugs,"
          "treatment_start,progression_date,death_date,last_followup,best_response,cutoff")
INS = dict(klass="exon20_insertion", hgvs_p="p.Y772_A775dup", hgvs_p3="p.Tyr772_Ala775dup",
           hgvs_c="NM_004448.4:c.2313_2324dup", exon="20", domain="kinase", hotspot=True, chrom="chr17",
           pos=39724728, ref="A", alt="AGCATACGTGATG", depth=500, alt_reads=150, vaf=0.3, source="vcf",
           build="GRCh38")
G776 = dict(klass="exon20_insertion", hgvs_p="p.G776delinsVC", hgvs_c="NM_004448.4:c.2326_2327insTCT",
            exon="20", chrom="chr17", pos=39724745, ref="G", alt="GTCT", depth=400, alt_reads=80, vaf=0.2,
            source="vcf", build="GRCh38")
V777L = dict(klass="point_mutation", hgvs_p="p.V777L", hgvs_c="NM_004448.4:c.2329G>T", exon="20",
             chrom="chr17", pos=39724747, ref="G", alt="T", depth=715, alt_reads=211, vaf=0.295, source="vcf",
             build="GRCh38")
EGFR = dict(gene="EGFR", klass="point_mutation", hgvs_p="p.L858R", hgvs_c="NM_005228.5:c.2573T>G",
            chrom="chr7", pos=55191822, ref="T", alt="G", depth=300, alt_reads=90, vaf=0.3, source="vcf",
            build="GRCh38")


def amp(cn: float) -> dict:
    return dict(klass="amplification", copy_number=cn, source="cnvkit", cn_kind="CN", build="GRCh38")


# sample -> (patient, calls, assessed, cn_assessed, copy number, collection date offset from start)
SAMPLES = {
    "S001": ("P001", [INS], "yes", "yes", 2.2, -20),
    "S002": ("P002", [INS, amp(9.5)], "yes", "yes", 9.5, -5),
    "S003": ("P003", [V777L], "yes", "no", None, -12),
    "S004": ("P004", [amp(7.1)], "yes", "yes", 7.1, -30),
    "S005": ("P005", [], "yes", "yes", 2.0, -3),
    "S006": ("P006", [], "unknown", "no", None, -8),
    "S007": ("P007", [G776], "yes", "yes", 2.4, -15),
    "S008": ("P008", [INS, EGFR], "yes", "yes", 2.1, -40),
    "S009": ("P009", [INS], "unknown", "no", None, -2),
    "S010": ("P010", [V777L], "yes", "yes", 1.9, -60),
    "S011": ("P011", [], "no", "no", None, -9),
    "S012A": ("P012", [INS], "yes", "yes", 2.0, -10),
    "S012B": ("P012", [INS, amp(6.0)], "yes", "yes", 6.0, 120),
}
DRUGS = ["carboplatin + pemetrexed + pembrolizumab", "pyrotinib", "carboplatin + pemetrexed",
         "docetaxel", "carboplatin + paclitaxel + bevacizumab + atezolizumab", "afatinib",
         "trastuzumab deruxtecan", "carboplatin + pemetrexed + bevacizumab", "nivolumab", "pemetrexed",
         "cisplatin + pemetrexed + pembrolizumab", "pyrotinib"]


def clean(out: Path, rng: np.random.Generator) -> dict[str, dt.date]:
    starts = {}
    lines = [HEADER]
    for i in range(1, 13):
        pid = f"P{i:03d}"
        start = dt.date(2021, 1, 4) + dt.timedelta(days=int(rng.integers(0, 300)))
        starts[pid] = start
        prog = start + dt.timedelta(days=int(rng.integers(60, 400)))
        has_prog, dead = i % 3 != 0, i % 4 == 0
        death = prog + dt.timedelta(days=int(rng.integers(10, 200))) if dead else None
        lfu = death or min(prog + dt.timedelta(days=int(rng.integers(30, 300))), dt.date(2023, 6, 1))
        lines.append(",".join([
            pid, "M" if i % 2 else "F", str(int(rng.integers(38, 80))), ["never", "former", "current"][i % 3],
            str(i % 3), ["IIIB", "IV", "IVA", "IVB"][i % 4], "adenocarcinoma" if i != 5 else "squamous",
            "yes" if i % 3 == 1 else "no", "no", "yes" if i == 4 else "no", f'"{DRUGS[i - 1]}"', start.isoformat(),
            prog.isoformat() if has_prog else "", death.isoformat() if death else "", lfu.isoformat(),
            ["PR", "SD", "PD", "CR", "NE", "PR"][i % 6], "2023-06-30"]))
    with atomic_write(str(out / "clean_cohort.csv")) as fh:
        fh.write("\n".join(lines) + "\n")
    return starts


def calls(out: Path, starts: dict[str, dt.date]) -> None:
    results = []
    for sample, (patient, specs, assessed, cn_assessed, cn, _) in SAMPLES.items():
        r = SampleResult(sample=sample, patient=patient, assessed=assessed, cn_assessed=cn_assessed,
                         copy_number=cn, input=f"{sample}.vcf", input_sha256=sample.encode().hex().ljust(64, "0"),
                         rules_checksum="fixture", build="GRCh38", caller="mutect2")
        for spec in specs:
            spec = dict(spec)
            r.calls.append(Call(sample=sample, gene=spec.pop("gene", "ERBB2"), **spec))
        results.append(r)
    write_outdir(str(out / "clean_calls"), results, {"her2var_version": "fixture", "rules_checksum": "fixture"})
    with atomic_write(str(out / "clean_samples.tsv")) as fh:
        fh.write("sample\tpatient\tcollection_date\n")
        for sample, (patient, *_, offset) in SAMPLES.items():
            fh.write(f"{sample}\t{patient}\t{(starts[patient] + dt.timedelta(days=offset)).isoformat()}\n")


def messy(out: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Patients"
    ws.append(["Patient No.", "Gender", "Date of birth", "Smoking status", "ECOG PS", "Clinical stage",
               "Histological type", "Sites of metastasis", "First-line treatment", "Start of treatment",
               "Date of progression", "Date of death", "Last contact", "Best overall response", "Notes"])
    d = dt.date
    rows = [
        ["P001", "Male", d(1960, 5, 2), "Never smoker", "ECOG 1", "Stage 4", "Adeno", "brain; bone",
         "Carboplatin/Pemetrexed/Keytruda", d(2021, 3, 1), "15/09/2021", None, d(2022, 6, 1), "partial response", "x"],
        ["P002", "female", d(1966, 1, 20), "ex-smoker", 0, "IVA", "LUAD", "none",
         "Pyrotinib", d(2021, 4, 10), d(2021, 8, 1), "05/01/2022", "05/01/2022", "stable", ""],
        ["P003", "F", "02/03/1951", "non-smoker", "PS 2", "IIIB", "Squamous cell carcinoma", "liver",
         "Carboplatin + nab-paclitaxel + Tecentriq + Avastin", "01/05/2021", None, None, d(2022, 7, 1), "SD", ""],
        [1004, "M", d(1973, 8, 9), "current", 1.0, "4", "adenocarcinoma", "Brain, adrenal",
         "T-DXd", d(2021, 2, 1), d(2021, 11, 3), None, d(2021, 12, 1), "Progressive disease", ""],
    ]
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "DD.MM.YYYY"
    wb.create_sheet("Notes").append(["exported from the clinic's system; synthetic"])
    with atomic_write(str(out / "messy_records.xlsx"), "wb") as fh:
        wb.save(fh)


def bad(out: Path) -> None:
    files = {
        "wrong_delimiter.csv": "patient_id;sex;age;treatment_start\nP001;M;61;2021-03-01\nP002;F;55;2021-04-10\n",
        "missing_column.csv": "name,sex,age,treatment_start\nAlice,F,61,2021-03-01\n",
        "mixed_dates.csv": ("patient_id,treatment_start,last_followup\nP001,2021-03-01,2022-06-01\n"
                            "P002,10.04.2021,05.01.2022\n"),
        "non_numeric_age.csv": ("patient_id,age,treatment_start\nP001,61,2021-03-01\nP002,sixty-two,2021-04-10\n"
                                "P003,>80,2021-05-01\n"),
        "not_excel.xlsx": "patient_id,sex\nP001,M\n",
    }
    for name, text in files.items():
        with atomic_write(str(out / name)) as fh:
            fh.write(text)
    with atomic_write(str(out / "encrypted.xlsx"), "wb") as fh:
        fh.write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptionInfo".encode("utf-16-le"))


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "fixtures" / "clinical"
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    starts = clean(out, rng)
    calls(out, starts)
    messy(out)
    bad(out)
    print(f"wrote clinical fixtures to {out}")


if __name__ == "__main__":
    main(sys.argv)
