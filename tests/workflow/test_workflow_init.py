"""her2var workflow init: the Snakemake workflow's files, shipped in the package and written into a
folder (Snakemake itself runs them in test_snakemake.py, in the `workflow` environment)."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import ROOT, run_cli, run_process, write

from her2var.workflow import FILES, her2var_requirement

TEMPLATES = ROOT / "her2var" / "workflow" / "templates"


def test_init_writes_the_workflow(tmp_path):
    sheet = write(tmp_path, "sheet.tsv", "sample\tvcf\nS1\ts1.vcf\n")
    proc = run_cli("workflow", "init", str(tmp_path / "wf"), "--samples", str(sheet), "--shards", "7")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.relative_to(tmp_path / "wf").as_posix() for p in (tmp_path / "wf").rglob("*")
                  if p.is_file()) == sorted(FILES)
    config = yaml.safe_load((tmp_path / "wf" / "config.yaml").read_text(encoding="utf-8"))
    assert config["samples"] == str(sheet.resolve()) and config["shards"] == 7
    env = yaml.safe_load((tmp_path / "wf" / "envs" / "her2var.yaml").read_text(encoding="utf-8"))
    assert env["dependencies"][-1] == {"pip": [her2var_requirement()]}
    snakefile = (tmp_path / "wf" / "Snakefile").read_text(encoding="utf-8")
    assert snakefile == (TEMPLATES / "Snakefile").read_text(encoding="utf-8")
    assert "__" not in (tmp_path / "wf" / "config.yaml").read_text(encoding="utf-8")  # every blank filled


def test_config_and_schema_agree():
    """Every key config.yaml sets is one the schema knows (it refuses others), and the schema's
    defaults are the values config.yaml shows, so the comments and a config without them agree."""
    config = yaml.safe_load((TEMPLATES / "config.yaml").read_text(encoding="utf-8")
                            .replace("__SAMPLES__", "s.tsv").replace("__SHARDS__", "2"))
    schema = yaml.safe_load((TEMPLATES / "config.schema.yaml").read_text(encoding="utf-8"))

    def walk(values, node, where):
        assert node["additionalProperties"] is False, where
        assert set(values) == set(node["properties"]), where
        for key, value in values.items():
            sub = node["properties"][key]
            if "default" in sub and key != "classify":
                assert sub["default"] == value, f"{where}.{key}"
            if isinstance(value, dict):
                walk(value, sub, f"{where}.{key}")

    walk(config, schema, "config")
    assert set(schema["required"]) == {"samples", "shards", "out"}


def test_profiles_name_their_executors():
    for name, executor in (("local", None), ("slurm", "slurm"), ("kubernetes", "kubernetes")):
        profile = yaml.safe_load((TEMPLATES / "profiles" / name / "config.yaml").read_text(encoding="utf-8"))
        assert profile.get("executor") == executor
        assert profile["rerun-incomplete"] is True


def test_init_replaces_workflow_files_only_with_force(tmp_path):
    folder = tmp_path / "wf"
    assert run_cli("workflow", "init", str(folder)).returncode == 0
    (folder / "config.yaml").write_text("shards: 99\n", encoding="utf-8")
    (folder / "mine.txt").write_text("keep\n", encoding="utf-8")
    proc = run_cli("workflow", "init", str(folder))
    assert proc.returncode == 1 and "exists" in proc.stderr and "--force" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (folder / "config.yaml").read_text(encoding="utf-8") == "shards: 99\n"
    assert run_cli("workflow", "init", str(folder), "--force").returncode == 0
    assert "shards: 4" in (folder / "config.yaml").read_text(encoding="utf-8")
    assert (folder / "mine.txt").read_text(encoding="utf-8") == "keep\n"


def test_init_refuses_a_missing_sheet_and_no_shards(tmp_path):
    proc = run_cli("workflow", "init", str(tmp_path / "wf"), "--samples", str(tmp_path / "nope.tsv"))
    assert proc.returncode == 1 and "nope.tsv: no such samples sheet" in proc.stderr
    proc = run_cli("workflow", "init", str(tmp_path / "wf"), "--shards", "0")
    assert proc.returncode == 2 and "--shards" in proc.stderr
    assert not (tmp_path / "wf").exists()


def test_the_installed_package_ships_the_templates(tmp_path):
    """The installed her2var (a wheel in CI) writes the same files as the checkout's templates."""
    proc = run_process("workflow", "init", str(tmp_path / "wf"), timeout=120)
    assert proc.returncode == 0, proc.stderr
    for name in FILES:
        if name in ("config.yaml", "envs/her2var.yaml"):
            continue  # blanks filled in
        assert Path(tmp_path / "wf" / name).read_bytes() == (TEMPLATES / name).read_bytes(), name
