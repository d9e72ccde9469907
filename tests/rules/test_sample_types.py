"""Thresholds per sample type (rules/thresholds.yaml thresholds.by_sample_type): the built-in sets,
how a sample type is found, how a lab's file changes them, and the rules files that are refused."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import write

from her2var.errors import InputError, RulesError
from her2var.rules.load import load_rules
from her2var.rules.sample_types import sample_type_key


def test_builtin_sets(rules):
    assert set(rules.threshold_sets) == {"default", "tissue", "cfdna"}
    default, cfdna = rules.threshold_sets["default"], rules.threshold_sets["cfdna"]
    assert rules.thresholds == default and rules.threshold_set == "default"
    assert rules.threshold_sets["tissue"] == default
    assert cfdna.min_vaf == 0.001 and cfdna.min_coverage_depth == 1000
    # everything else is the default set's: the cfdna set changes only what it lists
    changed = {k for k, v in dataclasses.asdict(cfdna).items() if dataclasses.asdict(default)[k] != v}
    assert changed == {"min_vaf", "min_coverage_depth"}
    assert cfdna.min_alt_reads == default.min_alt_reads == 3


@pytest.mark.parametrize("given, expected", [
    (None, "default"), ("", "default"), ("  ", "default"), ("unknown", "default"), ("Unknown", "default"),
    ("NA", "default"), ("tissue", "tissue"), ("FFPE", "tissue"), ("Tumour", "tissue"), ("fresh-frozen", "tissue"),
    ("cfDNA", "cfdna"), ("Plasma", "cfdna"), ("ctDNA", "cfdna"), ("cell-free DNA", "cfdna"),
    ("Liquid biopsy", "cfdna"), ("plasmaa", None), ("blood", None), ("default", None),
])
def test_a_sample_type_is_found_by_name_or_synonym(rules, given, expected):
    assert rules.threshold_set_for(given) == expected


def test_for_sample_type_swaps_only_the_thresholds(rules):
    cf = rules.for_sample_type("plasma")
    assert cf.threshold_set == "cfdna" and cf.thresholds == rules.threshold_sets["cfdna"]
    assert cf.checksum == rules.checksum and cf.genes is rules.genes
    assert rules.for_sample_type(None) is rules and cf.for_sample_type("").thresholds == rules.thresholds
    with pytest.raises(InputError, match=r"sample type 'serum' is not known to the rules; expected tissue \("):
        rules.for_sample_type("serum")


def test_sample_type_key():
    assert sample_type_key("  Cell-free   DNA ") == "cell_free_dna" == sample_type_key("cell_free_dna")


def test_a_labs_file_changes_a_set_and_the_defaults_flow_into_it(tmp_path):
    lab = write(tmp_path, "lab.yaml", """
        thresholds:
          min_alt_reads: 5
          by_sample_type:
            cfdna:
              min_vaf: 0.0025
            cytology:
              synonyms: [cell block, smear]
              min_depth: 50
        """)
    r = load_rules([lab])
    cf = r.threshold_sets["cfdna"]
    assert cf.min_vaf == 0.0025 and cf.min_alt_reads == 5 and cf.min_coverage_depth == 1000
    assert r.threshold_set_for("Plasma") == "cfdna"  # the built-in synonyms stay
    assert r.threshold_set_for("Cell-block") == "cytology"
    assert r.threshold_sets["cytology"].min_depth == 50 and r.threshold_sets["cytology"].min_alt_reads == 5
    assert r.checksum != load_rules().checksum


@pytest.mark.parametrize("text, message", [
    ("thresholds:\n  by_sample_type:\n    cfdna:\n      min_vaff: 0.01\n",
     "thresholds.by_sample_type.cfdna.min_vaff: unknown key"),
    ("thresholds:\n  by_sample_type:\n    cfdna:\n      min_depth: many\n",
     "thresholds.by_sample_type.cfdna.min_depth: expected an integer"),
    ("thresholds:\n  by_sample_type:\n    cfdna:\n      synonyms: plasma\n",
     "thresholds.by_sample_type.cfdna.synonyms: expected a list"),
    ("thresholds:\n  by_sample_type:\n    cfdna:\n      min_vaf: 1.5\n",
     "thresholds.by_sample_type.cfdna: min_vaf and min_exon20_covered_fraction must be in [0, 1]"),
    ("thresholds:\n  by_sample_type:\n    cfdna:\n      min_vaf: .nan\n",
     "thresholds.by_sample_type.cfdna.min_vaf: expected a finite number"),
    ("thresholds:\n  by_sample_type:\n    serum:\n      synonyms: [Plasma]\n",
     "thresholds.by_sample_type.serum.synonyms: 'Plasma' already names sample type 'cfdna'"),
    ("thresholds:\n  by_sample_type:\n    unknown:\n      min_vaf: 0.01\n",
     "thresholds.by_sample_type.unknown: 'unknown' cannot name a sample type"),
    ("thresholds:\n  by_sample_type:\n    serum:\n      synonyms: ['']\n",
     "thresholds.by_sample_type.serum.synonyms: '' cannot name a sample type"),
    ("thresholds:\n  by_sample_type: [cfdna]\n", "thresholds.by_sample_type: expected a mapping"),
])
def test_bad_sample_type_rules_name_file_and_key(tmp_path, text, message):
    p = write(tmp_path, "lab.yaml", text)
    with pytest.raises(RulesError) as err:
        load_rules([p])
    assert message in str(err.value)
    assert "lab.yaml" in str(err.value)
