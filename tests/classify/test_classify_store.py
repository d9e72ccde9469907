"""classify --store: one result per sample; same rules replace, other rules keep history."""

from __future__ import annotations

from conftest import FIXTURES, run_cli, write

from her2var.store import open_store

ION = str(FIXTURES / "vcf" / "ion_oca.hg19.vcf")
VARDICT = str(FIXTURES / "vcf" / "vardict_paired.GRCh37.vcf")


def test_store_replaces_with_same_rules_and_keeps_history_with_others(tmp_path):
    db = str(tmp_path / "h.db")
    for _ in range(2):
        proc = run_cli("classify", ION, VARDICT, "--store", db, "--format", "tsv")
        assert proc.returncode == 0, proc.stderr
    with open_store(db) as s:
        assert s.counts() == {"current": 2, "history": 0, "failures": 0}
    lab = write(tmp_path, "lab.yaml", "thresholds:\n  min_vaf: 0.05\n")
    proc = run_cli("classify", ION, "--store", db, "--rules", str(lab), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    with open_store(db) as s:
        assert s.counts() == {"current": 2, "history": 1, "failures": 0}
        statuses = {r["sample"]: r["her2_status"] for r in s.current_results()}
    assert statuses == {"PT004_IonXpress_079": "exon20_insertion;amplification", "PT003_T": "point_mutation"}


def test_failed_input_is_recorded_as_a_failure_not_a_result(tmp_path):
    db = str(tmp_path / "h.db")
    bad = write(tmp_path, "bad.vcf", "garbage\n")
    proc = run_cli("classify", str(bad), VARDICT, "--store", db, "--format", "tsv")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    with open_store(db) as s:
        assert s.counts() == {"current": 1, "history": 0, "failures": 1}
