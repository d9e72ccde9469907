"""The entry point classify calls: exon 20 assessment, bad input, CRAM, determinism, and how the
evidence is merged into a classify result."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pysam
import pytest
from test_bam_fixtures import BAM_DIR, bam, evidence, pon, reference, rules, truth
from test_bam_pon import reheadered

from her2var.bam.evidence import bam_evidence
from her2var.classify.from_reads import merge_into
from her2var.errors import InputError, UsageError

TARGETS = str(BAM_DIR / "targets.bed")


def run(path, **kw):
    args = dict(rules=rules(), build=None, pon_path=pon(), targets_path=None, purity=0.5, reference=None,
                sample="S")
    args.update(kw)
    return bam_evidence(path, **args)


@pytest.mark.parametrize("sample", [s for s, r in truth().items() if r["kind"] == "tumour"])
def test_exon20_assessed_from_real_coverage(sample):
    ev = evidence(sample)
    expected = truth()[sample]["exon20_assessed"]
    assert ev.assessed == expected and ev.exon20_min_depth == 100
    assert ev.assessed_reason.startswith(f"{ev.exon20_covered_fraction:.0%} of exon 20 coding bases at >= 100x")
    if expected == "no":
        assert ev.exon20_covered_fraction < 0.9 and "below the rule's 90%" in ev.assessed_reason
    else:
        assert ev.exon20_covered_fraction == 1.0


def test_bam_without_panel_still_gives_exon20_evidence():
    ev = run(bam("T2"), pon_path=None)
    assert ev.copy_number is None and ev.exons == []
    assert ev.qc["copy_number"].startswith("not estimated: no --pon")
    assert ev.assessed == "yes" and [i.naming.hgvs_p for i in ev.insertions] == ["p.Y772_A775dup"]


def test_targets_without_panel_give_exon_depths():
    ev = run(bam("T2"), pon_path=None, targets_path=TARGETS)
    assert len(ev.exons) == 27 and all(e["mean_depth"] > 0 and e["cn"] is None for e in ev.exons)


def test_targets_not_matching_the_panel_are_refused(tmp_path):
    other = tmp_path / "other.bed"
    other.write_text("".join(x + "\n" for x in Path(TARGETS).read_text().splitlines()[:-1]))
    with pytest.raises(InputError) as err:
        run(bam("T2"), targets_path=str(other))
    assert str(other) in str(err.value) and "not the ones the panel of normals" in str(err.value)


@pytest.mark.parametrize("purity", [0, -0.1, 1.5, float("nan")])
def test_purity_outside_0_1_is_refused(purity):
    with pytest.raises(InputError, match=r"--purity: .* outside \(0, 1\]"):
        run(bam("T2"), purity=purity)


def test_bam_from_another_build_is_refused(tmp_path):
    other = reheadered(tmp_path, bam("T2"), 83_257_441)
    with pytest.raises(InputError) as err:
        run(other)
    assert "on GRCh38" in str(err.value) and "panel of normals" in str(err.value)
    with pytest.raises(InputError, match="on GRCh38 .*, but GRCh37 was expected"):
        run(other, build="GRCh37", pon_path=None)


def test_build_argument_contradicting_the_bam_is_refused():
    with pytest.raises(InputError, match="the --bam is on GRCh37 .*, but GRCh38 was expected"):
        run(bam("T2"), build="GRCh38")
    with pytest.raises(UsageError):
        run(bam("T2"), build="hg99")


def test_unknown_contig_length_is_refused(tmp_path):
    odd = reheadered(tmp_path, bam("T2"), 81_000_000)
    with pytest.raises(InputError, match="which is no known build"):
        run(odd)


def test_chr_prefixed_bam_against_a_plain_panel(tmp_path):
    src = bam("T2")
    with pysam.AlignmentFile(src) as fh:
        header = fh.header.to_dict()
        header["SQ"][0]["SN"] = "chr17"
        out = tmp_path / "chr.bam"
        with pysam.AlignmentFile(str(out), "wb", header=header) as w:
            for r in fh.fetch(until_eof=True):
                d = r.to_dict()
                d["ref_name"] = "chr17"
                w.write(pysam.AlignedSegment.from_dict(d, w.header))
    pysam.index(str(out))
    ev = run(str(out), purity=0.6)
    plain = evidence("T2")
    assert ev.copy_number.cn == plain.copy_number.cn and ev.copy_number.chrom == "chr17"
    assert [i.naming.hgvs_p for i in ev.insertions] == [i.naming.hgvs_p for i in plain.insertions]


def test_missing_index_and_building_it_on_request(tmp_path):
    copy = tmp_path / "T2.bam"
    shutil.copy(bam("T2"), copy)
    with pytest.raises(InputError, match=r"no index .* run 'samtools index"):
        run(str(copy))
    ev = run(str(copy), build_index=True, purity=0.6)
    assert Path(str(copy) + ".bai").exists() and ev.copy_number.cn == evidence("T2").copy_number.cn


@pytest.mark.parametrize("damage", ["truncated", "not_bam", "empty"])
def test_damaged_bam_is_a_clear_error(tmp_path, damage):
    path = tmp_path / "bad.bam"
    data = Path(bam("T2")).read_bytes()
    path.write_bytes({"truncated": data[: len(data) * 2 // 3], "not_bam": b"chr17\t1\t2\n" * 10, "empty": b""}[damage])
    shutil.copy(bam("T2") + ".bai", str(path) + ".bai")
    with pytest.raises(InputError) as err:
        run(str(path))
    assert str(path) in str(err.value) and "cannot be read as BAM/CRAM" in str(err.value)


def test_missing_bam_file():
    with pytest.raises(InputError, match=r"no such file \(--bam\)"):
        run("/nonexistent/T.bam")


def test_cram_needs_its_reference_and_gives_the_bam_result(tmp_path):
    cram = tmp_path / "T2.cram"
    pysam.view("-C", "-T", reference(), "-o", str(cram), bam("T2"), catch_stdout=False)
    pysam.index(str(cram))
    with pytest.raises(InputError, match="a CRAM file needs its reference FASTA"):
        run(str(cram))
    ev = run(str(cram), reference=reference(), purity=0.6)
    same = evidence("T2", with_reference=True)
    assert ev.qc["file_kind"] == "CRAM"
    assert dataclasses.asdict(ev.copy_number) | {"path": "", "sample": ""} == \
        dataclasses.asdict(same.copy_number) | {"path": "", "sample": ""}
    assert [i.as_dict() for i in ev.insertions] == [i.as_dict() for i in same.insertions]


def test_reference_of_another_build_is_refused(tmp_path):
    fa = tmp_path / "small.fa"
    fa.write_text(">17\n" + "N" * 1000 + "\n")
    with pytest.raises(InputError, match="chromosome 17 is 1000 bp, but the BAM is on GRCh37"):
        run(bam("T2"), reference=str(fa))


def test_panel_from_another_build_or_other_read_filters_is_refused(tmp_path):
    text = Path(pon()).read_text()
    other = tmp_path / "pon38.tsv"
    other.write_text(text.replace("##build=GRCh37", "##build=GRCh38"))
    with pytest.raises(InputError, match="panel of normals .* is on GRCh38"):
        run(bam("T2"), pon_path=str(other))
    strict = tmp_path / "strict.yaml"
    strict.write_text("thresholds:\n  min_mapq: 30\n")
    from her2var.rules.load import load_rules

    with pytest.raises(InputError, match="built with reads of MAPQ >= 20, but the rules now say 30"):
        run(bam("T2"), rules=load_rules([str(strict)]))


def test_evidence_is_deterministic():
    a = run(bam("T5"), purity=0.3)
    b = run(bam("T5"), purity=0.3)
    assert dataclasses.asdict(a) == dataclasses.asdict(b)


# -- merging into a classify result -----------------------------------------------------------
def vcf_call(sample, pos, ref, alt):
    from her2var.classify.erbb2 import erbb2_class
    from her2var.genome.naming import describe
    from her2var.genome.transcript import TranscriptModel, WindowSequence
    from her2var.models import Call

    model = TranscriptModel(rules().index_gene, "GRCh37")
    n = describe(model, WindowSequence(model.windows, "17"), pos, ref, alt)
    return Call(sample=sample, gene="ERBB2", klass=erbb2_class(n, rules().index_gene), hgvs_p=n.hgvs_p,
                hgvs_c=n.hgvs_c, chrom="17", pos=pos, ref=ref, alt=alt, source="vcf")


def test_merge_marks_vcf_calls_and_adds_insertions_the_caller_missed():
    from her2var.classify.result import SampleResult

    yvma_elsewhere = vcf_call("T2", 37880983, "C", "CATACGTGATGGC")  # same event, other placement
    phantom = vcf_call("T2", 37880997, "G", "GTGT")  # not in T2's reads
    ev = run(bam("T2"), purity=0.6, vcf_events=[(37880983, "C", "CATACGTGATGGC"), (37880997, "G", "GTGT")])
    res = SampleResult(sample="T2", calls=[yvma_elsewhere, phantom],
                       assessed_reasons=["variant-only VCF: no coverage evidence, absence of a call is not wild type"])
    merge_into(res, ev, rules(), has_vcf=True)
    assert res.assessed == "yes" and res.assessed_reasons[0].startswith("100% of exon 20 coding bases")
    assert any(n.startswith("reads: ") and "support it" in n for n in yvma_elsewhere.notes)
    assert any(n.startswith("not supported by the reads: 0 of") for n in phantom.notes)
    assert len(res.calls) == 2

    missed = SampleResult(sample="T5")
    merge_into(missed, evidence("T5"), rules(), has_vcf=True)
    [call] = missed.calls
    assert call.klass == "exon20_insertion" and call.source == "bam"
    assert call.hgvs_p.startswith("p.L800_M801ins") and "seen in the reads, not in the VCF" in call.notes
    assert call.vaf_method == "reads (junction-balanced)" and call.alt_reads == evidence("T5").insertions[0].alt_reads


def test_merge_without_vcf_and_with_poor_coverage():
    from her2var.classify.result import SampleResult

    res = SampleResult(sample="T6")
    merge_into(res, evidence("T6"), rules(), has_vcf=False)
    assert res.assessed == "no" and "below the rule's 90%" in res.assessed_reasons[0] and res.calls == []


def test_evidence_as_json_and_sample_from_the_read_groups():
    import json

    ev = run(bam("T5"), purity=0.3, sample=None, vcf_events=[(37881071, "T", "TA")])
    assert ev.sample == "T5" and ev.copy_number.sample == "T5"
    data = json.loads(json.dumps(ev.as_dict()))
    assert data["copy_number"]["verdict"] == "ok" and len(data["exons"]) == 27
    assert data["insertions"][0]["hgvs_p"].startswith("p.L800_M801ins")
    assert data["vcf_support"] == [{"pos": 37881071, "ref": "T", "alt": "TA", "alt_reads": 0,
                                    "depth": data["vcf_support"][0]["depth"], "vaf": 0.0}]
