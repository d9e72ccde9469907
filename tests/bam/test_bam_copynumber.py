"""ERBB2 copy number from tumour depth against the panel: the known truth of the fixtures, the
purity algebra, the interval, the noise verdict and GC correction."""

from __future__ import annotations

import numpy as np
import pytest
from test_bam_fixtures import TUMOURS, evidence, truth

from her2var.bam.copynumber import gc_correct, neighbour_noise, ratio_to_cn
from her2var.bam.evidence import TOO_NOISY

THRESHOLD = 4.0


@pytest.mark.parametrize("ratio,purity,cn", [
    (1.0, 0.3, 2.0), (2.5, 0.5, 8.0), (1.6, 0.3, 6.0), (1.2, 0.4, 3.0), (3.0, 1.0, 6.0), (0.5, 1.0, 1.0),
    (0.2, 0.3, 0.0),  # below what purity allows: clipped at 0
])
def test_purity_adjustment(ratio, purity, cn):
    assert ratio_to_cn(ratio, purity) == pytest.approx(cn)


# T7 has a strong per-sample GC bias: it needs GC correction (reference or a GC panel) to be called
CALLABLE_WITHOUT_GC = [s for s in TUMOURS if s != "T7"]


@pytest.mark.parametrize("sample", CALLABLE_WITHOUT_GC)
def test_copy_number_within_10_percent_of_truth(sample):
    row = truth()[sample]
    cn = evidence(sample).copy_number
    true = float(row["cn"])
    assert cn.source_caller == "bam" and cn.source_field == "depth_ratio"
    assert cn.cn == pytest.approx(true, rel=0.10), (sample, cn.cn, true)
    assert cn.raw_value == pytest.approx(float(row["ratio"]), rel=0.06)
    assert cn.cn_ci_low <= true <= cn.cn_ci_high, (sample, cn.cn_ci_low, cn.cn_ci_high)
    assert cn.qc["verdict"] == "ok" and not any(TOO_NOISY in n for n in cn.notes)
    assert cn.purity_used == float(row["purity"])


@pytest.mark.parametrize("sample", TUMOURS)
@pytest.mark.parametrize("mode", ["reference", "gc_panel"])
def test_copy_number_with_gc_correction_within_10_percent_and_callable(sample, mode):
    ev = evidence(sample, with_reference=mode == "reference", gc_pon=mode == "gc_panel")
    true = float(truth()[sample]["cn"])
    assert ev.copy_number.cn == pytest.approx(true, rel=0.10)
    assert ev.copy_number.qc["verdict"] == "ok"
    assert ev.qc["gc_source"] == ("ref.fa.gz" if mode == "reference" else "panel")


@pytest.mark.parametrize("sample", TUMOURS)
def test_amplification_called_where_truth_is_outside_3_5_to_5(sample):
    true = float(truth()[sample]["cn"])
    cn = evidence(sample, gc_pon=True).copy_number
    assert not 3.5 <= true <= 5  # the fixtures hold no borderline case
    assert (cn.cn > THRESHOLD) == (true > THRESHOLD)
    assert (cn.cn_ci_low > THRESHOLD) == (true > THRESHOLD)  # the interval agrees


def test_gc_biased_sample_without_correction_is_too_noisy_to_call():
    cn = evidence("T7").copy_number
    assert cn.qc["verdict"] == TOO_NOISY
    assert any(n.startswith(f"{TOO_NOISY}: target-to-target noise") for n in cn.notes)
    assert evidence("T7").too_noisy


@pytest.mark.parametrize("limit,callable_", [(0.5, False), (5.0, True)])
def test_the_noise_limit_is_a_rule_a_lab_can_change(tmp_path, limit, callable_):
    from test_bam_fixtures import bam, pon

    from her2var.bam.evidence import bam_evidence
    from her2var.rules.load import load_rules

    lab = tmp_path / "lab.yaml"
    lab.write_text(f"thresholds:\n  bam_max_sample_noise: {limit}\n")
    ev = bam_evidence(bam("T7"), rules=load_rules([lab]), build=None, pon_path=pon(False), targets_path=None,
                      purity=float(truth()["T7"]["purity"]), reference=None, sample="T7")
    noise = float(ev.copy_number.qc["sample_noise_log2"])
    assert 0.5 < noise < 5.0  # T7's GC bias lies between the two limits
    assert (ev.copy_number.qc["verdict"] == "ok") is callable_
    assert any(f"exceeds {limit:g}" in n for n in ev.copy_number.notes) is not callable_


@pytest.mark.parametrize("rules_text,wide", [
    ("", False),  # built-in: 4 copies
    ("  amplification_cn: 6.0\n", False),  # the amplification cut-off no longer moves the noise gate
    ("  bam_max_ci_width: 0.05\n", True),  # its own threshold does
])
def test_the_interval_width_gate_is_its_own_rule(tmp_path, rules_text, wide):
    from test_bam_fixtures import bam, pon

    from her2var.bam.evidence import bam_evidence
    from her2var.rules.load import load_rules

    lab = tmp_path / "lab.yaml"
    lab.write_text("thresholds:\n" + (rules_text or "  min_mapq: 20\n"))
    sample = CALLABLE_WITHOUT_GC[0]
    ev = bam_evidence(bam(sample), rules=load_rules([lab]), build=None, pon_path=pon(True), targets_path=None,
                      purity=float(truth()[sample]["purity"]), reference=None, sample=sample)
    cn = ev.copy_number
    assert 0.05 < cn.cn_ci_high - cn.cn_ci_low < 4.0
    assert any("95% interval" in n and "is wider than" in n for n in cn.notes) is wide
    assert (cn.qc["verdict"] == "ok") is not wide


@pytest.mark.parametrize("value,expected", [
    ("bam_min_cn_exons: 0", "bam_min_cn_exons must be at least 1"),
    ("bam_max_sample_noise: -1", "bam_max_sample_noise above 0"),
    ("bam_max_sample_noise: .nan", "expected a finite number"),
    ("bam_min_cn_exons: three", "expected an integer"),
    ("bam_max_ci_width: 0", "bam_max_ci_width above 0"),
])
def test_bam_thresholds_are_checked(tmp_path, value, expected):
    from her2var.errors import RulesError
    from her2var.rules.load import load_rules

    lab = tmp_path / "lab.yaml"
    lab.write_text(f"thresholds:\n  {value}\n")
    with pytest.raises(RulesError, match=expected):
        load_rules([lab])


def test_per_exon_values():
    ev = evidence("T1")
    assert [e["exon"] for e in ev.exons] == list(range(1, 28))
    assert all(e["targets"] == 1 and e["mean_depth"] > 50 for e in ev.exons)
    cns = [e["cn"] for e in ev.exons]
    assert np.median(cns) == pytest.approx(ev.copy_number.cn, rel=0.02)
    assert all(4 < c < 14 for c in cns)  # every exon is amplified (CN 8)
    assert ev.exons[19]["start"] == 37880979 and ev.exons[19]["end"] == 37881164


def test_reads_that_must_be_filtered_do_not_inflate_erbb2():
    ev = evidence("T1")  # its ERBB2 reads come with duplicates, secondary, supplementary, QC-fail and MAPQ 5 copies
    assert set(ev.qc["reads_filtered"]) == {"duplicate", "secondary", "supplementary", "qc_fail", "low_mapq"}
    assert ev.copy_number.cn == pytest.approx(8, rel=0.10)


def test_no_purity_means_pure_tumour_with_a_note():
    from test_bam_fixtures import bam, pon, rules

    from her2var.bam.evidence import bam_evidence

    ev = bam_evidence(bam("T3"), rules=rules(), build=None, pon_path=pon(), targets_path=None, purity=None,
                      reference=None, sample="T3")
    assert ev.copy_number.purity_used == 1.0
    assert ev.copy_number.cn == pytest.approx(2 * ev.copy_number.raw_value, rel=1e-3)
    assert any("no purity given" in n for n in ev.copy_number.notes)


def test_gc_correction_removes_a_quadratic_trend_and_keeps_a_flat_profile():
    rng = np.random.default_rng(1)
    gc = rng.uniform(0.3, 0.7, 400)
    noise = rng.normal(0, 0.05, 400)
    biased = 3 * (gc - 0.5) ** 2 - 1.5 * (gc - 0.5) + noise
    fit = np.ones(400, dtype=bool)
    out, done = gc_correct(biased, gc, fit)
    assert done and neighbour_noise(out) < 0.5 * neighbour_noise(biased)
    flat, done_flat = gc_correct(noise, gc, fit)
    assert not done_flat or neighbour_noise(flat) < neighbour_noise(noise)
    few = biased[:10]
    out_few, done_few = gc_correct(few, gc[:10], fit[:10])
    assert not done_few and out_few is few


def _subset_panel(tmp_path, keep):
    from test_bam_fixtures import BAM_DIR, NORMALS, rules

    from her2var.bam.pon import build_pon, write_pon

    lines = [x for x in (BAM_DIR / "targets.bed").read_text().splitlines() if not x.startswith("#")]
    bed = tmp_path / "subset.bed"
    bed.write_text("".join(x + "\n" for x in lines if keep(x.split("\t")[3])))
    out = tmp_path / "subset_pon.tsv"
    write_pon(build_pon(NORMALS, str(bed), rules()), str(out))
    return str(out)


def test_two_targeted_exons_are_too_noisy_to_call_with_a_wider_interval(tmp_path):
    from test_bam_fixtures import bam, rules

    from her2var.bam.evidence import bam_evidence

    panel = _subset_panel(tmp_path, lambda name: not name.startswith("ERBB2") or name in ("ERBB2_exon19", "ERBB2_exon20"))
    ev = bam_evidence(bam("T1"), rules=rules(), build=None, pon_path=panel, targets_path=None, purity=0.5,
                      reference=None, sample="T1")
    cn, full = ev.copy_number, evidence("T1").copy_number
    assert cn.qc["verdict"] == TOO_NOISY and cn.qc["exons_measured"] == "2"
    assert any("only 2 ERBB2 exon(s) measured" in n for n in cn.notes)
    assert cn.cn_ci_high - cn.cn_ci_low > full.cn_ci_high - full.cn_ci_low
    assert sum(e["targets"] > 0 for e in ev.exons) == 2


def test_a_panel_of_erbb2_only_cannot_be_normalised(tmp_path):
    from test_bam_fixtures import bam, rules

    from her2var.bam.evidence import bam_evidence
    from her2var.errors import InputError

    panel = _subset_panel(tmp_path, lambda name: name.startswith("ERBB2"))
    with pytest.raises(InputError, match="no usable targets outside ERBB2"):
        bam_evidence(bam("T1"), rules=rules(), build=None, pon_path=panel, targets_path=None, purity=0.5,
                     reference=None, sample="T1")
