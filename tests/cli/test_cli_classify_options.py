"""classify's options for one tumour's several VCFs and for sample types: the command line passes
them to the library unchanged, documents them, and the installed program runs them."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, run_cli, run_process, write

SNVS = FIXTURES / "vcf" / "strelka2_somatic.snvs.GRCh37.vcf"
INDELS = FIXTURES / "vcf" / "strelka2_somatic.indels.GRCh37.vcf"


def test_help_documents_the_options():
    proc = run_cli("classify", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "--sample-type" in text and "cfDNA" in text and "sample_type column" in text
    assert "--merge-same-sample" in text and "Strelka2" in text
    assert "separated by ';'" in text


def test_the_options_reach_classify_inputs(monkeypatch):
    import her2var.classify.batch as batch

    seen = {}

    def fake(inputs, **kw):
        seen.update(kw, inputs=inputs)
        return batch.ClassifyRun(results=[], provenance={}, rules=None, n_inputs=0)

    monkeypatch.setattr(batch, "classify_inputs", fake)
    proc = run_cli("classify", "a.vcf", "b.vcf", "--merge-same-sample", "--sample-type", "Plasma", "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    assert seen["inputs"] == ["a.vcf", "b.vcf"] and seen["merge_same_sample"] is True
    assert seen["options"].sample_type == "Plasma"
    seen.clear()
    run_cli("classify", "a.vcf", "--format", "tsv")
    assert seen["merge_same_sample"] is False and seen["options"].sample_type is None


@pytest.mark.slow
def test_the_installed_program_merges_strelkas_pair_in_worker_processes(tmp_path):
    sheet = write(tmp_path, "sheet.tsv", f"sample\tvcf\tsample_type\nPT002_T\t{SNVS};{INDELS}\ttissue\n"
                                         f"PT002_P\t{SNVS}\tplasma\n")
    proc = run_process("classify", "--samples", str(sheet), "-j", "2", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    docs = {d["sample"]: d for d in json.loads(proc.stdout)}
    assert docs["PT002_T"]["her2_classes"] == ["exon20_insertion", "point_mutation"]
    assert docs["PT002_T"]["provenance"]["threshold_set"] == "tissue"
    assert docs["PT002_P"]["provenance"]["threshold_set"] == "cfdna"
