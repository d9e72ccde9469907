"""Events seen and not reported are listed, each with its reason, in the per-sample JSON (and the
store's copy of it); samples.tsv's `events` names each call with its gene."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import pytest
from conftest import FIXTURES, run_cli, write

from her2var.classify.calls import skipped_event
from her2var.classify.from_reads import merge_into
from her2var.classify.output import event_label
from her2var.classify.result import SKIPPED_EVENTS_LISTED, SampleResult
from her2var.genome.naming import Naming
from her2var.models import Call

HEAD = ("##fileformat=VCFv4.2\n##contig=<ID=12,length=133851895>\n##contig=<ID=17,length=81195210>\n"
        '##FILTER=<ID=weak_evidence,Description="weak">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\n")
KRAS_G12C = "12\t25398285\t.\tC\tA\t.\tPASS\t.\tGT:AD:DP\t0/1:60,60:120\n"
YVMA = "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n"
# (record, gene, reason, hgvs_c or hgvs_p it is named by, location)
SKIPPED = [
    ("12\t25398283\t.\tA\tG\t.\tPASS\t.\tGT:AD:DP\t0/1:60,60:120\n",  # KRAS G12 GGT>GGC, silent
     "KRAS", "kras_not_coding_or_synonymous", "NM_004985.5:c.36T>C", "coding"),
    ("17\t37879588\t.\tA\tG\t.\tPASS\t.\tGT:AD:DP\t0/1:60,60:120\n",
     "ERBB2", "germline_polymorphism", "p.I655V", "coding"),
    ("17\t37880900\t.\tA\tG\t.\tPASS\t.\tGT:AD:DP\t0/1:60,60:120\n",
     "ERBB2", "intronic", "NM_004448.4:c.2308-79A>G", "intronic"),
    # the YVMA duplication written a second time, 2 bases on, with fewer reads
    ("17\t37880983\t.\tC\tCATACGTGATGGC\t.\tPASS\t.\tGT:AD:DP\t0/1:90,30:120\n",
     "ERBB2", "duplicate_of_another_record", "p.Y772_A775dup", ""),
    ("17\t37880997\t.\tG\tGTCT\t.\tweak_evidence\t.\tGT:AD:DP\t0/1:80,40:120\n",
     "ERBB2", "filter", "", "coding"),
    ("17\t37880999\t.\tT\tC\t.\tPASS\t.\tGT:AD:DP\t0/1:60,60:120\n",
     "ERBB2", "synonymous", "NM_004448.4:c.2328T>C", "coding"),  # G776 GGT>GGC
    ("17\t37881000\t.\tG\tT\t.\tPASS\t.\tGT:AD:DP\t0/1:100,2:102\n",  # V777L on 2 reads
     "ERBB2", "low_alt_reads", "p.V777L", "coding"),
]


def rows(tsv: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(tsv), delimiter="\t"))


@pytest.fixture(scope="module")
def classified(tmp_path_factory):
    """One sample with two reported events and one skipped event of each kind, through --out."""
    tmp = tmp_path_factory.mktemp("skipped")
    body = sorted([KRAS_G12C, YVMA] + [r for r, *_ in SKIPPED], key=lambda r: (r.split("\t")[0], int(r.split("\t")[1])))
    vcf = write(tmp, "t.vcf", HEAD + "".join(body))
    out = tmp / "out"
    proc = run_cli("-vv", "classify", str(vcf), "--out", str(out), "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "samples" / "TUMOR.json").read_text())
    return out, doc, proc


def test_every_skipped_event_is_listed_with_its_reason(classified):
    _, doc, _ = classified
    listed = doc["qc"]["skipped_events"]
    got = {(e["gene"], e["pos"], e["reason"]) for e in listed}
    want = {(gene, int(rec.split("\t")[1]), reason) for rec, gene, reason, _, _ in SKIPPED}
    assert got == want and len(listed) == len(SKIPPED)
    assert doc["qc"]["skipped_events_not_listed"] == 0
    for rec, gene, reason, name, location in SKIPPED:
        (e,) = [e for e in listed if e["reason"] == reason]
        assert e["gene"] == gene
        chrom, pos, _, ref, alt = rec.split("\t")[:5]
        assert (e["chrom"], e["pos"], e["ref"], e["alt"]) == (chrom, int(pos), ref, alt)
        assert e["location"] == location and e["detail"]
        if name:
            assert name in (e["hgvs_p"], e["hgvs_c"]), e
    # the list and the counts tell the same story
    counts: dict[str, int] = {}
    for e in listed:
        counts[e["reason"]] = counts.get(e["reason"], 0) + 1
    assert counts == doc["qc"]["dropped"]


def test_skipped_details_name_the_threshold_and_the_value(classified, rules):
    _, doc, _ = classified
    by_reason = {e["reason"]: e for e in doc["qc"]["skipped_events"]}
    t = rules.thresholds
    low = by_reason["low_alt_reads"]
    assert low["detail"] == f"alt reads 2 < min_alt_reads {t.min_alt_reads}"
    assert (low["depth"], low["alt_reads"], low["filter"]) == (102, 2, "PASS")
    assert by_reason["filter"]["detail"].startswith("FILTER weak_evidence is not PASS")
    assert by_reason["filter"]["filter"] == "weak_evidence"
    assert by_reason["synonymous"]["effect"] == "synonymous" and by_reason["synonymous"]["exon"] == "20"
    assert by_reason["kras_not_coding_or_synonymous"]["detail"].startswith("synonymous")
    assert by_reason["intronic"]["exon"] == "intron 19" and "intronic" in by_reason["intronic"]["detail"]
    dup = by_reason["duplicate_of_another_record"]
    assert "17:37880981:A>AGCATACGTGATG" in dup["detail"] and dup["alt_reads"] == 30


def test_samples_tsv_events_carry_their_gene(classified):
    out, doc, _ = classified
    (row,) = rows((out / "samples.tsv").read_text())
    assert row["events"] == "KRAS:p.G12C;ERBB2:p.Y772_A775dup"
    assert row["n_events"] == "2" and row["codrivers"] == "KRAS:p.G12C"
    assert [c["hgvs_p"] for c in doc["calls"]] == ["p.G12C", "p.Y772_A775dup"]


def test_skipped_events_do_not_reach_the_messages(classified):
    """The list is written to the JSON only: no name or read count of a skipped event is logged."""
    _, doc, proc = classified
    for e in doc["qc"]["skipped_events"]:
        for value in (e["hgvs_c"], e["hgvs_p"], e["detail"]):
            if value:
                assert value.split(":")[-1] not in proc.stderr, value


def test_cohort_reads_the_classify_folder_unchanged(classified):
    from her2var.cohort.calls import from_classify_output

    out, _, _ = classified
    (s,) = from_classify_output(str(out))
    assert s.erbb2_events == ["p.Y772_A775dup"] and s.codriver_events() == {"KRAS": ["p.G12C"]}


def test_event_label_forms():
    assert event_label(Call(sample="s", gene="ERBB2", klass="exon20_insertion", hgvs_p="p.Y772_A775dup",
                            hgvs_c="NM_004448.4:c.2313_2324dup")) == "ERBB2:p.Y772_A775dup"
    assert event_label(Call(sample="s", gene="MET", klass="splice",
                            hgvs_c="NM_000245.4:c.3028+3_3028+6del")) == "MET:c.3028+3_3028+6del"
    assert event_label(Call(sample="s", gene="ERBB2", klass="amplification")) == "ERBB2:amplification"


def test_the_store_keeps_the_skipped_events(tmp_path):
    from her2var.store import open_store

    db = str(tmp_path / "h.db")
    proc = run_cli("classify", str(FIXTURES / "vcf" / "vardict_paired.GRCh37.vcf"), "--store", db, "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    with open_store(db) as s:
        (doc,) = s.current_results()
    (e,) = doc["qc"]["skipped_events"]
    assert e["reason"] == "germline_polymorphism" and e["gene"] == "ERBB2" and e["hgvs_p"]
    assert doc["qc"]["dropped"] == {"germline_polymorphism": 1}


def _event(location: str, pos: int) -> dict[str, object]:
    n = Naming(location=location, effect="synonymous" if location == "coding" else "")
    return skipped_event("ERBB2", n, chrom="17", pos=pos, ref="A", alt="G", source="vcf")


def test_listing_is_capped_with_events_outside_the_coding_sequence_last():
    res = SampleResult(sample="s")
    extra = 250
    for i in range(SKIPPED_EVENTS_LISTED + extra):
        res.skip(_event("intronic", i), "intronic", "intronic")
    res.skip(_event("coding", 10**6), "synonymous", "synonymous")  # seen after all of them
    listed, not_listed = res.listed_skipped_events()
    assert len(listed) == SKIPPED_EVENTS_LISTED and not_listed == extra + 1
    assert listed[0]["reason"] == "synonymous"  # never the one left out
    assert [e["pos"] for e in listed[1:]] == list(range(SKIPPED_EVENTS_LISTED - 1))
    assert res.dropped == {"intronic": SKIPPED_EVENTS_LISTED + extra, "synonymous": 1}  # counts are whole
    assert len(res.skipped_events) <= SKIPPED_EVENTS_LISTED + 1  # memory stays bounded


def test_an_insertion_in_the_reads_below_a_threshold_is_listed(rules):
    from her2var.bam.insertions import ReadInsertion

    t = rules.thresholds
    n = Naming(location="coding", effect="inframe_insertion", hgvs_c="NM_004448.4:c.2313_2324dup",
               hgvs_p="p.Y772_A775dup", exon=20)
    ins = ReadInsertion(pos=37880981, ref="A", alt="AGCATACGTGATG", naming=n, alt_reads=t.min_alt_reads - 1,
                        depth=400, vaf=0.004, soft_clipped_reads=0, cigar_reads=2, ref_reads=398,
                        found_by=("cigar",), recovered_from_clips=False, filter_reason="low_alt_reads")
    ev = SimpleNamespace(assessed="yes", assessed_reason="exon 20 covered", insertions=[ins], path="t.bam",
                         chrom="17", build="GRCh37", notes=[], vcf_support={})
    res = SampleResult(sample="s")
    merge_into(res, ev, rules, has_vcf=False)
    assert res.calls == [] and res.dropped == {"bam_low_alt_reads": 1}
    (e,) = res.skipped_events
    assert (e["source"], e["hgvs_p"], e["alt_reads"], e["depth"]) == ("bam", "p.Y772_A775dup", t.min_alt_reads - 1, 400)
    assert e["detail"] == f"alt reads {t.min_alt_reads - 1} < min_alt_reads {t.min_alt_reads}"
