"""``her2var classify --study`` on the public-cohort fixtures (scripts/make_study_fixtures.py): every
sample classified through the MAF path, copy number kept as the source's own discrete level, and
``assessed`` / ``cn_assessed`` / ``tested`` following the study's gene panels, case lists and GENIE
assays; and a study her2var itself exported, read back with the same ERBB2 statuses."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

STUDIES = FIXTURES / "studies"
CBIO, GENIE = STUDIES / "cbioportal_study", STUDIES / "genie_release"
ALL_KINASES = ["ALK", "NTRK1", "NTRK2", "NTRK3", "RET", "ROS1"]
ALL_SMALL = ["BRAF", "EGFR", "KRAS", "MET"]


def classify(study: Path, out: Path) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    proc = run_cli("classify", "--study", study, "--out", out, "-q")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    with open(out / "samples.tsv", encoding="utf-8") as fh:
        samples = {r["sample"]: r for r in csv.DictReader(fh, delimiter="\t")}
    docs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out / "samples").glob("*.json")}
    return samples, {s: d["calls"] for s, d in docs.items()}


@pytest.fixture(scope="module")
def cbio(tmp_path_factory):
    out = tmp_path_factory.mktemp("cbio") / "out"
    samples, calls = classify(CBIO, out)
    docs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out / "samples").glob("*.json")}
    return samples, calls, docs


@pytest.fixture(scope="module")
def genie(tmp_path_factory):
    out = tmp_path_factory.mktemp("genie") / "out"
    samples, calls = classify(GENIE, out)
    docs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out / "samples").glob("*.json")}
    return samples, calls, docs


def kinds_tested(row: dict) -> dict[str, list[str]]:
    out = {}
    for part in filter(None, row["tested"].split(";")):
        kind, _, genes = part.partition(":")
        out[kind] = genes.split(",")
    return out


# -- cBioPortal study -----------------------------------------------------------------------------------
def test_every_sample_of_the_study_is_reported_once(cbio):
    samples, _, _ = cbio
    expected = {f"P-{i:07d}-T01-IM6" for i in range(1, 41)} | {f"P-{i:07d}-T02-IM6" for i in range(1, 6)}
    assert set(samples) == expected
    assert {r["status"] for r in samples.values()} == {"ok"}
    assert {r["build"] for r in samples.values()} == {"GRCh38"}  # meta_study.txt reference_genome hg38


@pytest.mark.parametrize("sample, status, events", [
    ("P-0000001-T01-IM6", "exon20_insertion", "ERBB2:p.Y772_A775dup"),
    # amplified by its discrete level and by its log2 ratio: one call per source
    ("P-0000002-T01-IM6", "exon20_insertion;amplification",
     "ERBB2:p.G778_P780dup;ERBB2:amplification;ERBB2:amplification"),
    ("P-0000003-T01-IM6", "point_mutation", "ERBB2:p.S310F"),  # its MAF row has no HGVSp_Short
    ("P-0000012-T01-IM6", "point_mutation", "ERBB2:p.L755S"),
    ("P-0000014-T01-IM6", "point_mutation", "ERBB2:p.V777L"),  # exon 20, but not an insertion
    ("P-0000008-T01-IM6", "none", ""),  # discrete 1: a gain, not an amplification
    ("P-0000036-T01-IM6", "none", ""),
])
def test_cbioportal_erbb2_statuses(cbio, sample, status, events):
    samples, _, _ = cbio
    assert (samples[sample]["her2_status"], samples[sample]["events"]) == (status, events)


def test_a_discrete_amplification_keeps_the_study_definition_and_no_copy_number(cbio):
    samples, calls, docs = cbio
    row = samples["P-0000002-T01-IM6"]
    assert row["cn_assessed"] == "yes" and row["copy_number"] == "" and row["cn_source"] == "cbioportal:discrete"
    amp = next(c for c in calls["P-0000002-T01-IM6"] if c["class"] == "amplification" and c["cn_kind"] == "discrete")
    assert amp["copy_number"] is None
    assert amp["caller_call"] == "2 (high-level amplification)"
    note = amp["notes"][0]
    assert "as called by the study's own pipeline (profile cna" in note
    assert "no copy number is given and the CN > 4 rule is not applied" in note
    assert amp["input"].endswith("data_CNA.txt")
    record = next(c for c in docs["P-0000002-T01-IM6"]["copy_numbers"] if c["source_field"] == "discrete")
    assert (record["raw_value"], record["cn"]) == (2.0, None)
    assert "ERBB2 level 2 (high-level amplification), the source's own call; no copy number given" in \
        row["assessed_reason"]


def test_the_log2_matrix_is_converted_and_its_header_behind_a_hash_is_read(cbio):
    samples, calls, docs = cbio
    log2 = [c for c in docs["P-0000001-T02-IM6"]["copy_numbers"] if c["source_field"] == "log2"]
    assert [round(c["raw_value"], 3) for c in log2] == [2.1]
    assert round(log2[0]["cn"], 2) == round(2 * 2 ** 2.1, 2)  # purity 1 assumed, said in a note
    assert any("purity 1.0" in n for n in log2[0]["notes"])
    # P13: discrete 0 but log2 1.6 (CN 6.06): an amplification from the ratio, and the disagreement said
    row = samples["P-0000013-T01-IM6"]
    assert row["her2_status"] == "amplification"
    disagree = "copy-number sources disagree about amplification: [6.06] and cbioportal discrete 0"
    assert disagree in row["assessed_reason"]
    assert [c["cn_kind"] for c in calls["P-0000013-T01-IM6"] if c["class"] == "amplification"] == ["log2"]


@pytest.mark.parametrize("sample, reason", [
    ("P-0000009-T01-IM6", "not assessed: ERBB2 is NA (or blank) in data_CNA.txt"),  # a blank cell
    ("P-0000010-T01-IM6", "not assessed: ERBB2 is NA (or blank) in data_CNA.txt"),  # NA
    ("P-0000011-T01-IM6", "not assessed: not profiled for copy number (data_gene_panel_matrix.txt:"),
    ("P-0000031-T01-IM6", "not assessed: gene panel LUNG_SMALL (data_gene_panel_lung_small.txt) lacks ERBB2"),
    ("P-0000040-T01-IM6", "not assessed: not profiled for copy number"),
])
def test_copy_number_not_assessed(cbio, sample, reason):
    samples, _, _ = cbio
    row = samples[sample]
    assert (row["cn_assessed"], row["copy_number"]) == ("no", "")
    assert reason in row["assessed_reason"]


def test_a_sample_in_the_mutation_profile_only_is_sequenced_but_not_cn_assessed(cbio):
    samples, _, _ = cbio
    row = samples["P-0000011-T01-IM6"]
    assert (row["assessed"], row["cn_assessed"]) == ("yes", "no")


@pytest.mark.parametrize("sample, assessed, fragment", [
    ("P-0000001-T01-IM6", "yes", "ERBB2 is on gene panel IMPACT468"),
    ("P-0000031-T01-IM6", "no", "lacks ERBB2: not tested, not wild type"),
    ("P-0000036-T01-IM6", "no", "not profiled for small variants (data_gene_panel_matrix.txt:"),
    ("P-0000040-T01-IM6", "no", "not profiled for small variants"),
])
def test_cbioportal_assessed_follows_the_gene_panels(cbio, sample, assessed, fragment):
    samples, _, _ = cbio
    assert samples[sample]["assessed"] == assessed
    assert fragment in samples[sample]["assessed_reason"]


@pytest.mark.parametrize("sample, expected", [
    ("P-0000001-T01-IM6", {"small_variants": ALL_SMALL, "fusion": ALL_KINASES}),
    ("P-0000032-T01-IM6", {"small_variants": ["EGFR", "KRAS"]}),  # LUNG_SMALL; no structural variants
    ("P-0000036-T01-IM6", {"fusion": ALL_KINASES}),  # not sequenced, but in the SV profile
    ("P-0000040-T01-IM6", {}),
])
def test_cbioportal_tested_follows_the_panels(cbio, sample, expected):
    samples, _, _ = cbio
    assert kinds_tested(samples[sample]) == expected


def test_cbioportal_codrivers_and_fusions(cbio):
    samples, calls, _ = cbio
    assert samples["P-0000004-T01-IM6"]["codrivers"] == "KRAS:p.G12C"
    assert samples["P-0000005-T01-IM6"]["codrivers"] == "EGFR:p.L858R"
    assert samples["P-0000032-T01-IM6"]["codrivers"] == "KRAS:p.G12C"
    alk = next(c for c in calls["P-0000006-T01-IM6"] if c["class"] == "fusion")
    assert (alk["gene"], alk["notes"][0], alk["source"]) == ("ALK", "EML4-ALK", "cbioportal_sv")
    assert alk["input"].endswith("data_sv.txt")
    ret = next(c for c in calls["P-0000007-T01-IM6"] if c["class"] == "fusion")
    assert ret["notes"][0] == "KIF5B-RET"  # RET written as site 1: the order comes from Event_Info
    ros1 = next(c for c in calls["P-0000015-T01-IM6"] if c["class"] == "fusion")
    assert ros1["notes"][0] == "ROS1 rearrangement (partner CD74)"  # no name: orientation unknown
    assert samples["P-0000008-T01-IM6"]["codrivers"] == ""  # TMPRSS2-ERG: no kinase
    assert "fusion_not_kinase=1" in samples["P-0000008-T01-IM6"]["dropped"]
    assert "fusion_germline=1" in samples["P-0000009-T01-IM6"]["dropped"]
    assert samples["P-0000009-T01-IM6"]["codrivers"] == ""


def test_the_maf_row_without_hgvsp_short_is_named_by_her2var(cbio):
    _, calls, _ = cbio
    s310 = next(c for c in calls["P-0000003-T01-IM6"] if c["gene"] == "ERBB2")
    assert (s310["hgvs_p"], s310["annotation"], s310["annotation_agrees"]) == ("p.S310F", "", "")
    y772 = next(c for c in calls["P-0000001-T01-IM6"] if c["gene"] == "ERBB2")
    assert (y772["annotation_agrees"], y772["build"]) == ("yes", "GRCh38")


# -- GENIE release ----------------------------------------------------------------------------------------
def g(centre: str, i: int) -> str:
    return f"GENIE-{centre}-{i:06d}-1"


def test_every_genie_sample_is_reported(genie):
    samples, _, _ = genie
    expected = {g(c, i) for c, n in (("MSK", 30), ("DFCI", 20), ("VICC", 10)) for i in range(1, n + 1)}
    assert set(samples) == expected
    assert {r["build"] for r in samples.values()} == {"GRCh37"}


@pytest.mark.parametrize("sample, status, cn_assessed", [
    (g("MSK", 1), "exon20_insertion", "yes"),
    (g("MSK", 2), "amplification", "yes"),
    (g("MSK", 3), "none", "yes"),  # 1.5: recorded, not called
    (g("MSK", 4), "none", "no"),  # NA
    (g("MSK", 5), "none", "no"),  # blank
    (g("MSK", 9), "exon20_insertion;amplification", "yes"),
    (g("MSK", 10), "point_mutation", "yes"),  # p.V777L in a row without HGVSp_Short or HGVSp
    (g("DFCI", 1), "point_mutation", "yes"),
    (g("DFCI", 2), "amplification", "yes"),
    (g("DFCI", 20), "none", "no"),  # sequenced, not in the copy-number profile
    (g("VICC", 1), "point_mutation", "no"),  # a hotspot assay without copy number
])
def test_genie_statuses(genie, sample, status, cn_assessed):
    samples, _, _ = genie
    assert (samples[sample]["her2_status"], samples[sample]["cn_assessed"]) == (status, cn_assessed)


def test_a_genie_level_is_the_centres_own_call(genie):
    samples, calls, docs = genie
    amp = next(c for c in calls[g("DFCI", 2)] if c["class"] == "amplification")
    assert amp["copy_number"] is None and amp["caller_call"] == "2 (high-level amplification)"
    assert "as called by the submitting centre (DFCI) with its own pipeline and cut-offs" in amp["notes"][0]
    assert "the CN > 4 rule is not applied" in amp["notes"][0]
    notes = docs[g("MSK", 3)]["copy_numbers"][0]["notes"]
    assert any("1.5 lies between gain (1) and high-level amplification (2)" in n for n in notes)
    levels = {s: docs[s]["copy_numbers"][0]["raw_value"] for s in (g("MSK", 6), g("MSK", 7), g("MSK", 8))}
    assert levels == {g("MSK", 6): 0.5, g("MSK", 7): -0.5, g("MSK", 8): -1.5}
    assert samples[g("MSK", 3)]["cn_source"] == "genie:discrete"


@pytest.mark.parametrize("sample, assessed, fragment", [
    (g("MSK", 1), "yes", "exon 20 is 100% inside the panel targets (genomic_information.txt, assay MSK-IMPACT468)"),
    (g("DFCI", 5), "yes", "assay DFCI-ONCOPANEL-3 covers coding_exons, introns"),
    (g("VICC", 1), "no", "exon 20 is 2% inside the panel targets (genomic_information.txt, assay VICC-01-T7)"),
    (g("VICC", 3), "no", "assay VICC-01-T7 covers hotspot_regions"),
])
def test_genie_assessed_follows_the_assay_regions(genie, sample, assessed, fragment):
    samples, _, _ = genie
    assert samples[sample]["assessed"] == assessed
    assert fragment in samples[sample]["assessed_reason"]


@pytest.mark.parametrize("sample, expected", [
    (g("MSK", 1), {"small_variants": ALL_SMALL, "fusion": ALL_KINASES}),
    (g("DFCI", 1), {"small_variants": ALL_SMALL, "fusion": ["ALK", "NTRK1", "RET", "ROS1"]}),  # no NTRK2/3 rows
    (g("VICC", 3), {"small_variants": ["EGFR", "KRAS"]}),  # hotspots in EGFR and KRAS only; no SV
])
def test_genie_tested_follows_the_assays(genie, sample, expected):
    samples, _, _ = genie
    assert kinds_tested(samples[sample]) == expected


def test_genie_codrivers(genie):
    samples, calls, _ = genie
    assert samples[g("MSK", 6)]["codrivers"] == "KRAS:p.G12C"
    assert samples[g("MSK", 11)]["codrivers"] == "EGFR:p.E746_A750del"
    assert samples[g("VICC", 2)]["codrivers"] == "KRAS:p.G12C"
    alk = next(c for c in calls[g("MSK", 8)] if c["class"] == "fusion")
    assert (alk["gene"], alk["notes"][0], alk["pos"]) == ("ALK", "EML4-ALK", 29447360)
    ros1 = next(c for c in calls[g("DFCI", 3)] if c["class"] == "fusion")
    assert ros1["notes"][0] == "CD74-ROS1"


def test_patients_come_from_the_clinical_sample_file_when_there_is_one(genie):
    samples, _, _ = genie
    if not (GENIE / "data_clinical_sample.txt").exists():
        pytest.skip("the clinical fixture files are not in the folder")
    assert samples[g("MSK", 1)]["patient"] == "GENIE-MSK-000001"


# -- a study her2var exported, read back ------------------------------------------------------------------
def test_her2vars_own_cbioportal_export_reads_back_with_the_same_statuses(tmp_path):
    from her2var.cohort.build import build_cohort
    from her2var.cohort.export import write_cohort

    clin = FIXTURES / "clinical"
    res = build_cohort(str(clin / "clean_cohort.csv"), [str(clin / "clean_calls")],
                       samples_sheet=str(clin / "clean_samples.tsv"))
    write_cohort(res, str(tmp_path / "c.tsv"), cbioportal=str(tmp_path / "study"), study_id="her2_test")
    samples, _ = classify(tmp_path / "study", tmp_path / "out")
    with open(clin / "clean_calls" / "samples.tsv", encoding="utf-8") as fh:
        original = {r["sample"]: r for r in csv.DictReader(fh, delimiter="\t") if r["status"] == "ok"}
    assert set(original) <= set(samples)
    assert {s: samples[s]["her2_status"] for s in original} == {s: r["her2_status"] for s, r in original.items()}
    assert any("amplification" in r["her2_status"] for r in original.values())  # the CNA path is exercised
    # the export's panels: ERBB2 profiled where it was assessed (S011: assessed no -> not profiled)
    assert samples["S011"]["assessed"] == "no" and samples["S001"]["assessed"] == "yes"
    assert samples["S003"]["cn_assessed"] == "no"  # not in the export's copy-number profile
