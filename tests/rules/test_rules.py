"""Rules are data checked strictly; a user's file merges over the built-in ones."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT, run_cli, write

from her2var.errors import RulesError
from her2var.rules.load import load_rules
from her2var.rules.schema import read_yaml


def test_builtin_rules_load(rules):
    g = rules.index_gene
    assert g.symbol == "ERBB2" and g.transcript == "NM_004448.4"
    assert len(g.protein) == 1255
    assert g.insertion_regions["exon20"] == (770, 831)
    assert rules.thresholds.amplification_cn == 4.0
    assert {"GRCh37", "GRCh38"} <= set(g.builds)
    assert g.domain_of(310) == "extracellular" and g.domain_of(659) == "transmembrane"
    assert g.domain_of(678) == "juxtamembrane" and g.domain_of(755) == "kinase"


def test_windows_translate_to_the_protein(rules):
    """The reference windows in the rules must encode NP_004439.2 where they hold whole codons."""
    from her2var.genome.transcript import TranscriptModel, WindowSequence, translate

    for build in ("GRCh37", "GRCh38"):
        m = TranscriptModel(rules.index_gene, build)
        seq = WindowSequence(m.windows, m.chrom)
        for first, last in ((737, 769), (770, 831), (302, 325)):
            cds = m.cds_bases(seq, 3 * first - 2, 3 * last)
            assert translate(cds) == m.protein[first - 1:last], (build, first)


@pytest.mark.parametrize("text,message", [
    ("thresholds:\n  min_vaff: 0.05\n", "thresholds.min_vaff: unknown key"),
    ("thresholds:\n  min_vaf: high\n", "thresholds.min_vaf: expected a number"),
    ("thresholds:\n  min_depth: 1.5\n", "thresholds.min_depth: expected an integer"),
    ("thresholds:\n  min_vaf: 0.1\n  min_vaf: 0.2\n", "duplicate key 'min_vaf'"),
    ("genes:\n  ERBB2:\n    hotspots: [S310, S310]\n", "duplicate id 'S310'"),
    ("genes:\n  ERBB2:\n    strand: x\n", "strand: expected '+' or '-'"),
    ("colour: blue\n", "colour: unknown key"),
    ("a: &x [1]\nb: *x\n", "anchors and aliases are not allowed"),
    ("thresholds: [1, 2\n", "not valid YAML"),
    ("thresholds:\n  min_vaf: 2\n", "must be in [0, 1]"),
    ("!!python/object:os.system {}\n", "not valid YAML"),
])
def test_bad_rules_name_file_and_key(tmp_path, text, message):
    p = write(tmp_path, "lab.yaml", text)
    with pytest.raises(RulesError) as err:
        load_rules([p])
    assert message in str(err.value)
    assert "lab.yaml" in str(err.value)


def test_user_rules_merge_over_builtin(tmp_path):
    p = write(tmp_path, "lab.yaml", "thresholds:\n  min_vaf: 0.05\n  amplification_cn: 6\n")
    r = load_rules([p])
    assert r.thresholds.min_vaf == 0.05 and r.thresholds.amplification_cn == 6.0
    assert r.thresholds.min_depth == load_rules().thresholds.min_depth
    assert r.checksum != load_rules().checksum


def test_rules_check_command(tmp_path):
    good = write(tmp_path, "good.yaml", "thresholds:\n  min_vaf: 0.05\n")
    bad = write(tmp_path, "bad.yaml", "thresholds:\n  min_vaff: 0.05\n")
    ok = run_cli("rules", "check", str(good))
    assert ok.returncode == 0 and "OK" in ok.stdout
    fail = run_cli("rules", "check", str(bad))
    assert fail.returncode == 1
    assert "bad.yaml" in fail.stderr and "min_vaff" in fail.stderr
    assert "Traceback" not in fail.stderr


def test_yaml_reader_never_constructs_python_objects(tmp_path):
    p = write(tmp_path, "evil.yaml", "x: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(RulesError):
        read_yaml(p)


@pytest.mark.slow
def test_installed_wheel_finds_its_rules(tmp_path):
    """Build the wheel, install it into a fresh venv and load the rules from outside the checkout."""
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    if build.returncode != 0 and "No module named 'hatchling'" in build.stderr:
        pytest.skip("hatchling not installed in this environment")
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(dist.glob("her2var-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "her2var/_rules/transcripts.yaml" in names
    assert "her2var/_rules/thresholds.yaml" in names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=600)
    probe = subprocess.run(
        [sys.executable, "-c", "from her2var.rules import load as r; from her2var.rules import schema; print(schema.builtin_rules_dir()); print(r.load_rules().index_gene.symbol)"],
        capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    folder, symbol = probe.stdout.split()
    assert folder.startswith(str(target)) and folder.endswith("_rules")
    assert symbol == "ERBB2"


def test_builtin_rules_cache_is_keyed_by_content(tmp_path, monkeypatch):
    from her2var.rules import schema as rules_mod

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = load_rules()
    assert list((tmp_path / "cache" / "her2var").glob("rules-*.json"))
    second = load_rules()  # from the cache
    assert first.checksum == second.checksum and first.genes.keys() == second.genes.keys()
    f = tmp_path / "builds.yaml"
    f.write_text("builds:\n  GRCh37:\n    names: [x]\n    contig_lengths: {'17': 1}\n")
    assert rules_mod.read_builtin_yaml(f)["builds"]["GRCh37"]["names"] == ["x"]
    f.write_text("builds:\n  GRCh37:\n    names: [y]\n    contig_lengths: {'17': 1}\n")
    assert rules_mod.read_builtin_yaml(f)["builds"]["GRCh37"]["names"] == ["y"]  # edited: parsed again
