"""`her2var store list | show | diff`: the store read back as a lab asks it, TSV when piped and
text on a terminal; the diff after a threshold change, end to end through classify --store."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import VCF_HEADER_37, run_cli, write

from her2var.rules.load import load_rules

# L755S at VAF 0.04 (4 of 100 reads): reported under the default min_vaf 0.02, not under 0.05
LOW_VAF = VCF_HEADER_37 + "17\t37880220\t.\tT\tC\t.\tPASS\t.\tGT:AD:DP\t0/1:96,4:100\n"
# Y772_A775dup at VAF 0.33: reported under both
YVMA = VCF_HEADER_37 + "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n"


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter="\t"))


@pytest.fixture(scope="module")
def two_rules(tmp_path_factory):
    """A store holding two samples classified under the built-in rules, then under a lab's
    min_vaf 0.05; returns (store, old checksum, new checksum)."""
    tmp = tmp_path_factory.mktemp("store")
    sheet = write(tmp, "sheet.tsv", "sample\tpatient\tvcf\nLOW\tP1\tlow.vcf\nYVMA\tP2\tyvma.vcf\n")
    write(tmp, "low.vcf", LOW_VAF)
    write(tmp, "yvma.vcf", YVMA)
    lab = write(tmp, "lab.yaml", "thresholds:\n  min_vaf: 0.05\n")
    db = tmp / "her2var.db"
    for rules in ([], ["--rules", str(lab)]):
        proc = run_cli("classify", "--samples", str(sheet), "--store", str(db), "--format", "tsv", *rules)
        assert proc.returncode == 0, proc.stderr
    return db, load_rules().checksum, load_rules([str(lab)]).checksum


def test_list_gives_each_sample_its_current_result_rules_and_date(two_rules):
    db, old, new = two_rules
    proc = run_cli("store", "list", "--store", str(db))
    assert proc.returncode == 0, proc.stderr
    rows = {r["sample"]: r for r in table(proc.stdout)}
    assert list(rows) == ["LOW", "YVMA"]
    assert (rows["LOW"]["status"], rows["LOW"]["her2_status"], rows["LOW"]["her2_altered"],
            rows["LOW"]["rules_checksum"], rows["LOW"]["results"]) == ("ok", "none", "unknown", new, "2")
    assert rows["YVMA"]["her2_status"] == "exon20_insertion" and rows["YVMA"]["patient"] == "P2"
    assert rows["YVMA"]["recorded_at"][:2] == "20"
    assert f"store: 2 sample(s), 0 whose latest attempt failed; 2 rules version(s): {old[:12]}" in proc.stderr


def test_list_on_a_terminal_is_aligned_text_with_short_checksums(two_rules):
    db, old, new = two_rules
    proc = run_cli("store", "list", "--store", str(db), "--format", "text", "-q")
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["sample", "patient", "status", "her2_status", "her2_altered", "her2_tier", "assessed",
                                "cn_assessed", "copy_number", "rules_checksum", "recorded_at", "results", "error"]
    assert new[:12] in lines[1] and new not in lines[1]
    assert lines[0].index("status") == lines[1].index("ok")  # columns line up
    assert proc.stderr == ""  # -q after the command


def test_show_gives_one_samples_history_across_rules(two_rules):
    db, old, new = two_rules
    proc = run_cli("store", "show", "LOW", "--store", str(db), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    rows = table(proc.stdout)
    assert [(r["rules_checksum"], r["current"], r["her2_status"], r["events"]) for r in rows] == \
        [(old, "no", "point_mutation", "ERBB2:p.L755S"), (new, "yes", "none", "none")]
    missing = run_cli("store", "show", "NOBODY", "--store", str(db))
    assert missing.returncode == 1 and "no sample 'NOBODY' in the store" in missing.stderr


def test_diff_says_which_samples_changed_and_why(two_rules):
    db, old, new = two_rules
    proc = run_cli("store", "diff", "--from", old[:8], "--to", new[:10], "--store", str(db), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    (row,) = table(proc.stdout)  # YVMA did not change
    assert (row["sample"], row["patient"], row["her2_status_from"], row["her2_status_to"], row["her2_altered_from"],
            row["her2_altered_to"]) == ("LOW", "P1", "point_mutation", "none", "yes", "unknown")
    assert row["events_removed"] == "ERBB2:p.L755S (oncogenic; now left out as low_vaf: VAF 0.04 < min_vaf 0.05)"
    assert row["events_added"] == "" and row["same_input"] == "yes"
    assert (f"store diff {old[:12]} -> {new[:12]}: 2 sample(s) under both, 1 changed (1 in her2_altered), "
            "1 patient(s); 0 only under --from, 0 only under --to; thresholds changed: min_vaf 0.02 -> 0.05"
            in proc.stderr)
    back = run_cli("store", "diff", "--from", new, "--to", old, "--store", str(db), "--format", "tsv")
    (row,) = table(back.stdout)
    assert row["events_added"] == "ERBB2:p.L755S (oncogenic; was left out as low_vaf: VAF 0.04 < min_vaf 0.05)"


def test_diff_on_a_terminal_reads_as_a_list(two_rules):
    db, old, new = two_rules
    proc = run_cli("store", "diff", "--from", old, "--to", new, "--store", str(db), "--format", "text")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:2] == [f"rules {old[:12]} -> {new[:12]}", "thresholds: min_vaf 0.02 -> 0.05"]
    assert ("LOW (patient P1): her2_altered yes -> unknown; her2_status point_mutation -> none; "
            "her2_tier oncogenic -> none") in proc.stdout
    assert "    - ERBB2:p.L755S (oncogenic; now left out as low_vaf: VAF 0.04 < min_vaf 0.05)" in proc.stdout
    assert "YVMA" not in proc.stdout


@pytest.mark.parametrize("args,code,message", [
    (["--from", "zz", "--to", "zz"], 1, "--from 'zz': no result in the store was made under these rules"),
    (["--from", "{old}", "--to", "{old}"], 2, "--from and --to name the same rules"),
    (["--from", "{old}"], 2, "Missing option '--to'"),
])
def test_diff_refusals(two_rules, args, code, message):
    db, old, new = two_rules
    proc = run_cli("store", "diff", *(a.format(old=old) for a in args), "--store", str(db))
    assert proc.returncode == code and message in proc.stderr and "Traceback" not in proc.stderr


def test_the_store_can_come_from_the_environment(two_rules, monkeypatch):
    db, old, new = two_rules
    monkeypatch.setenv("HER2VAR_STORE", str(db))
    proc = run_cli("store", "list")
    assert proc.returncode == 0 and [r["sample"] for r in table(proc.stdout)] == ["LOW", "YVMA"]


def test_a_missing_store_is_not_created(tmp_path):
    proc = run_cli("store", "list", "--store", str(tmp_path / "none.db"))
    assert proc.returncode == 1 and "none.db: no such store" in proc.stderr
    assert not (tmp_path / "none.db").exists()
