"""Oncogenicity tiers (rules/oncogenicity.yaml, her2var.classify.tiers): each tier rule, the
germline-like VAF rule, HER2-altered from tiers, co-driver groups from tiers, and the events met in
a real GENIE lung subset, where 6 of 13 'HER2-altered' patients carried only variants of uncertain
significance (G52V, D1084Y, R929W), a truncating change (E1168*) or a splice-region change
(c.2493+5G>A), some beside KRAS G12C or EGFR L858R."""

from __future__ import annotations

import csv

import pytest
from conftest import FIXTURES, write

from her2var.classify.codrivers import driver_group
from her2var.classify.output import write_outdir
from her2var.classify.pipeline import classify_vcf, provenance
from her2var.classify.result import ClassifyOptions
from her2var.classify.tiers import (
    GERMLINE_NOTE,
    call_tier,
    describe_event,
    her2_verdict,
    protein_effect,
    tier_call_dict,
    tier_of,
)
from her2var.errors import RulesError
from her2var.models import CALL_COLUMNS, SAMPLE_COLUMNS, Call
from her2var.rules.load import load_rules

LENGTHS37 = {"17": 81195210, "12": 133851895, "7": 159138663}

# GRCh37 records (NM_004448.4 / NM_004985.5 / NM_005228.5 / NM_004333.6)
ERBB2 = {
    "p.G52V": ("17", 37863324, "G", "T"),
    "p.E79A": ("17", 37864584, "A", "C"),
    "p.D1084Y": ("17", 37883638, "G", "T"),
    "p.R929W": ("17", 37882019, "C", "T"),
    "p.E1168*": ("17", 37884031, "G", "T"),
    "c.2493+5G>A": ("17", 37881169, "G", "A"),
    "p.S310F": ("17", 37868208, "C", "T"),
    "p.E321G": ("17", 37868241, "A", "G"),
    "p.R678Q": ("17", 37879658, "G", "A"),
    "p.L755S": ("17", 37880220, "T", "C"),
    "p.V842I": ("17", 37881332, "G", "A"),
    "p.Y772_A775dup": ("17", 37880981, "A", "AGCATACGTGATG"),
    "p.I655V": ("17", 37879588, "A", "G"),
    "p.P1170A": ("17", 37884037, "C", "G"),
}
KRAS_G12C = ("12", 25398285, "C", "A")
KRAS_I24N = ("12", 25398248, "A", "T")  # not a hotspot codon
EGFR_L858R = ("7", 55259515, "T", "G")
BRAF_V600E = ("7", 140453136, "A", "T")


def vcf(records, *, ad="150,50", normal=False) -> str:
    """A GRCh37 VCF; tumour-only unless ``normal`` (Mutect2-style ##tumor_sample/##normal_sample)."""
    head = ["##fileformat=VCFv4.2"] + [f"##contig=<ID={c},length={n}>" for c, n in LENGTHS37.items()]
    head += ['##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">']
    if normal:
        head += ["##tumor_sample=TUMOR", "##normal_sample=NORMAL"]
    head.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR" + ("\tNORMAL" if normal else ""))
    body = [f"{c}\t{p}\t.\t{r}\t{a}\t.\tPASS\t.\tGT:AD\t0/1:{ad}" + ("\t0/0:100,0" if normal else "")
            for c, p, r, a in sorted(records, key=lambda x: (x[0], x[1]))]
    return "\n".join(head + body) + "\n"


def classify(tmp_path, records, **kw):
    path = write(tmp_path, "t.vcf", vcf(records, **kw))
    (res,) = classify_vcf(str(path), load_rules(), ClassifyOptions())
    return res


def erbb2_calls(res):
    return [c for c in res.calls if c.gene == "ERBB2"]


# -- the rules file -----------------------------------------------------------------------------
def test_every_rule_names_its_source_and_the_defaults(rules):
    o = rules.oncogenicity
    assert o.altered_tiers == ("oncogenic", "likely_oncogenic") == o.driver_tiers
    assert o.default_tier == "uncertain"
    assert o.germline_like.vaf_ranges == ((0.40, 0.60), (0.90, 1.00))
    assert all(len(r.source) > 10 for r in o.rules)
    assert "oncogenicity.yaml" in " ".join(rules.sources)


def test_the_rules_file_is_part_of_the_rules_checksum(tmp_path, rules):
    lab = write(tmp_path, "lab.yaml", "oncogenicity:\n  altered_tiers: [oncogenic]\n")
    assert load_rules([lab]).checksum != rules.checksum


@pytest.mark.parametrize("text,message", [
    ("oncogenicity:\n  altered_tiers: [pathogenic]\n", "is not a tier"),
    ("oncogenicity:\n  default_tier: benign\n", "is not a tier"),
    ("oncogenicity:\n  colour: red\n", "oncogenicity.colour: unknown key"),
    ("oncogenicity:\n  germline_like:\n    vaf_ranges: [[0.6, 0.4]]\n", "vaf_ranges[0]"),
    ("oncogenicity:\n  rules:\n    - {name: x, genes: [ERRB2], tier: oncogenic, source: y}\n", "'ERRB2' is not a gene"),
    ("oncogenicity:\n  rules:\n    - {name: x, genes: [ERBB2], tier: oncogenic, source: y, effect: [truncating]}\n",
     "is not an effect"),
    ("oncogenicity:\n  rules:\n    - {name: x, genes: [ERBB2], tier: oncogenic, source: y, classes: [exon20]}\n",
     "is not a call class"),
    ("oncogenicity:\n  rules:\n    - {name: x, genes: [ERBB2], tier: oncogenic, source: y, from: cosmic}\n",
     "is not a list"),
    ("oncogenicity:\n  rules:\n    - {name: x, genes: [ERBB2], tier: oncogenic}\n", "missing key 'source'"),
    ("oncogenicity:\n  rules:\n    - {name: x, genes: [ERBB2], tier: oncogenic, source: y, hgvs_p: [L755S]}\n",
     "is not a one-letter protein name"),
])
def test_bad_oncogenicity_rules_name_file_and_key(tmp_path, text, message):
    p = write(tmp_path, "lab.yaml", text)
    with pytest.raises(RulesError) as err:
        load_rules([p])
    assert message in str(err.value) and "lab.yaml" in str(err.value)


def test_a_rule_may_name_an_event_by_a_published_alias(tmp_path, rules):
    lab = write(tmp_path, "lab.yaml", "oncogenicity:\n  rules:\n"
                "    - {name: YVMA, genes: [ERBB2], hgvs_p: [p.A775_G776insYVMA], tier: likely_benign, source: test}\n")
    custom = load_rules([lab])
    (rule,) = custom.oncogenicity.rules
    assert rule.hgvs_p == {"p.Y772_A775dup"}
    e = describe_event("ERBB2", "exon20_insertion", "p.Y772_A775dup", "", [], custom.genes)
    assert tier_of(e, custom)[0] == "likely_benign"


# -- describing an event from its names ------------------------------------------------------------
@pytest.mark.parametrize("name,effect,first,last", [
    ("p.L755S", "missense", 755, 755),
    ("p.E1168*", "nonsense", 1168, 1168),
    ("p.P1170fs", "frameshift", 1170, 1170),
    ("p.Y772_A775dup", "inframe_insertion", 772, 775),
    ("p.L755_T759del", "inframe_deletion", 755, 759),
    ("p.G776delinsVC", "inframe_insertion", 776, 776),
    ("p.L755_E757delinsS", "inframe_deletion", 755, 757),
    ("p.G778_S779insCPG", "inframe_insertion", 778, 779),
    ("p.D1084=", "synonymous", 1084, 1084),
    ("p.M1?", "start_lost", 1, 1),
    ("p.*1256Wext*?", "stop_lost", 1256, 1256),
])
def test_protein_effect(name, effect, first, last):
    assert protein_effect(name) == (effect, first, last)


@pytest.mark.parametrize("hgvs_p,hgvs_c,effect", [
    ("", "NM_004448.4:c.2493+5G>A", "splice_region"),
    ("", "NM_004448.4:c.2493+1G>A", "splice_site"),
    ("", "NM_004448.4:c.2494-20C>T", "intronic"),
    ("p.Leu755Ser", "", "missense"),  # three-letter, as annotators write it
    ("L755S", "", "missense"),
    ("p.(E1168*)", "", "nonsense"),
])
def test_events_read_back_in_other_spellings(rules, hgvs_p, hgvs_c, effect):
    assert describe_event("ERBB2", "point_mutation", hgvs_p, hgvs_c, [], rules.genes).effect == effect


# -- each tier rule -----------------------------------------------------------------------------------
def _tier(rules, gene, klass, hgvs_p="", hgvs_c="", vaf=None, tumour_only=False):
    call = Call(sample="s", gene=gene, klass=klass, hgvs_p=hgvs_p, hgvs_c=hgvs_c, vaf=vaf)
    return call_tier(call, rules, tumour_only=tumour_only)[0]


@pytest.mark.parametrize("gene,klass,hgvs_p,hgvs_c,tier", [
    # ERBB2: functionally validated = oncogenic
    ("ERBB2", "point_mutation", "p.S310F", "", "oncogenic"),
    ("ERBB2", "point_mutation", "p.G660D", "", "oncogenic"),
    ("ERBB2", "point_mutation", "p.V659E", "", "oncogenic"),
    ("ERBB2", "point_mutation", "p.R678Q", "", "oncogenic"),
    ("ERBB2", "point_mutation", "p.L755S", "", "oncogenic"),
    ("ERBB2", "point_mutation", "p.L755P", "", "oncogenic"),
    ("ERBB2", "point_mutation", "p.D769Y", "", "oncogenic"),
    ("ERBB2", "point_mutation", "p.V777L", "", "oncogenic"),
    ("ERBB2", "point_mutation", "p.V842I", "", "oncogenic"),
    ("ERBB2", "point_mutation", "p.L869R", "", "oncogenic"),
    ("ERBB2", "inframe_deletion", "p.L755_T759del", "", "oncogenic"),
    ("ERBB2", "exon20_insertion", "p.Y772_A775dup", "", "oncogenic"),
    ("ERBB2", "exon20_insertion", "p.G776delinsVC", "", "oncogenic"),
    ("ERBB2", "exon20_insertion", "", "", "oncogenic"),  # unnamed (no reference): the class decides
    ("ERBB2", "amplification", "", "", "oncogenic"),
    # ERBB2: recurrence only = likely oncogenic
    ("ERBB2", "point_mutation", "p.S310Y", "", "likely_oncogenic"),
    ("ERBB2", "point_mutation", "p.E321G", "", "likely_oncogenic"),
    ("ERBB2", "point_mutation", "p.L755M", "", "likely_oncogenic"),
    ("ERBB2", "point_mutation", "p.I767M", "", "likely_oncogenic"),
    ("ERBB2", "point_mutation", "p.G776V", "", "likely_oncogenic"),
    ("ERBB2", "point_mutation", "p.T798I", "", "likely_oncogenic"),
    ("ERBB2", "point_mutation", "p.V659D", "", "likely_oncogenic"),  # hotspot residue, not in any list
    ("ERBB2", "inframe_deletion", "p.L755_E757delinsS", "", "likely_oncogenic"),
    # ERBB2: germline polymorphisms
    ("ERBB2", "point_mutation", "p.I655V", "", "likely_benign"),
    ("ERBB2", "point_mutation", "p.P1170A", "", "likely_benign"),
    # ERBB2: the real-data events, and anything else
    ("ERBB2", "point_mutation", "p.G52V", "", "uncertain"),
    ("ERBB2", "point_mutation", "p.D1084Y", "", "uncertain"),
    ("ERBB2", "point_mutation", "p.R929W", "", "uncertain"),
    ("ERBB2", "other", "p.E1168*", "", "uncertain"),
    ("ERBB2", "other", "p.S310fs", "", "uncertain"),  # truncating at a hotspot residue: not an activator
    ("ERBB2", "other", "", "NM_004448.4:c.2493+5G>A", "uncertain"),
    ("ERBB2", "point_mutation", "p.L755=", "", "uncertain"),
    # co-drivers
    ("EGFR", "sensitizing", "p.L858R", "", "oncogenic"),
    ("EGFR", "sensitizing", "p.E746_A750del", "", "oncogenic"),
    ("EGFR", "resistance", "p.T790M", "", "oncogenic"),
    ("EGFR", "exon20_insertion", "p.D770_N771insSVD", "", "oncogenic"),
    ("EGFR", "point_mutation", "p.R776H", "", "uncertain"),
    ("KRAS", "hotspot", "p.G12C", "", "oncogenic"),
    ("KRAS", "hotspot", "p.A146T", "", "oncogenic"),
    ("KRAS", "point_mutation", "p.I24N", "", "uncertain"),
    ("BRAF", "hotspot", "p.V600E", "", "oncogenic"),
    ("BRAF", "hotspot", "p.V600K", "", "oncogenic"),
    ("BRAF", "hotspot", "p.V600R", "", "likely_oncogenic"),
    ("BRAF", "hotspot", "p.G469A", "", "likely_oncogenic"),
    ("BRAF", "point_mutation", "p.K601E", "", "likely_oncogenic"),
    ("BRAF", "point_mutation", "p.L597V", "", "likely_oncogenic"),
    ("BRAF", "point_mutation", "p.D594G", "", "likely_oncogenic"),
    ("BRAF", "point_mutation", "p.R462I", "", "uncertain"),
    ("MET", "splice", "", "NM_000245.4:c.3028+2_3028+5del", "oncogenic"),
    ("MET", "point_mutation", "p.N375S", "", "uncertain"),
    ("ALK", "fusion", "", "", "oncogenic"),
    ("RET", "fusion", "", "", "oncogenic"),
])
def test_tier_rules(rules, gene, klass, hgvs_p, hgvs_c, tier):
    assert _tier(rules, gene, klass, hgvs_p, hgvs_c) == tier


def test_amplification_call_from_copy_number_is_oncogenic(tmp_path, rules):
    cns = write(tmp_path, "t.cns", "chromosome\tstart\tend\tgene\tlog2\tcn\n17\t37844167\t37884915\tERBB2\t2.3\t9\n")
    path = write(tmp_path, "t.vcf", vcf([ERBB2["p.G52V"]]))
    (res,) = classify_vcf(str(path), rules, ClassifyOptions(cnv=str(cns)))
    amp = [c for c in res.calls if c.klass == "amplification"]
    assert amp and amp[0].oncogenicity == "oncogenic"
    assert (res.her2_altered, res.her2_tier) == ("yes", "oncogenic")
    assert res.her2_status == "point_mutation;amplification"


# -- classify end to end: HER2-altered means oncogenic --------------------------------------------
@pytest.mark.parametrize("event,klass", [
    ("p.G52V", "point_mutation"), ("p.D1084Y", "point_mutation"), ("p.R929W", "point_mutation"),
    ("p.E1168*", "other"), ("c.2493+5G>A", "other"),
])
def test_real_data_vus_truncating_and_splice_alone_are_not_altered(tmp_path, event, klass):
    res = classify(tmp_path, [ERBB2[event]])
    (call,) = erbb2_calls(res)
    assert (call.hgvs_p or call.hgvs_c.split(":")[-1]) == event
    assert call.oncogenicity == "uncertain" and call.oncogenicity_rule
    assert res.her2_status == klass  # her2_status keeps every class
    assert res.her2_tier == "uncertain only"
    assert res.her2_altered == "unknown"  # a variant-only VCF: no evidence that nothing was missed


@pytest.mark.parametrize("event", ["p.S310F", "p.L755S", "p.V842I", "p.R678Q", "p.Y772_A775dup"])
def test_known_activating_events_are_altered(tmp_path, event):
    res = classify(tmp_path, [ERBB2[event]])
    (call,) = erbb2_calls(res)
    assert call.hgvs_p == event and call.oncogenicity == "oncogenic"
    assert (res.her2_altered, res.her2_tier) == ("yes", "oncogenic")


def test_a_vus_beside_an_oncogenic_event_the_best_tier_decides(tmp_path):
    res = classify(tmp_path, [ERBB2["p.G52V"], ERBB2["p.S310F"]])
    assert sorted(c.oncogenicity for c in erbb2_calls(res)) == ["oncogenic", "uncertain"]
    assert (res.her2_altered, res.her2_tier) == ("yes", "oncogenic")


@pytest.mark.parametrize("event", ["p.I655V", "p.P1170A"])
def test_polymorphisms_are_not_reported_and_likely_benign_when_read_back(tmp_path, rules, event):
    res = classify(tmp_path, [ERBB2[event]])
    assert res.calls == [] and res.dropped["germline_polymorphism"] == 1
    d = {"gene": "ERBB2", "class": "point_mutation", "hgvs_p": event, "vaf": "0.5"}
    assert tier_call_dict(d, rules) and d["oncogenicity"] == "likely_benign"
    assert her2_verdict([d["oncogenicity"]], ok=True, assessed="yes", cn_assessed="yes",
                        counted=rules.oncogenicity.altered_tiers) == ("no", "likely_benign only")


def test_calls_tsv_and_samples_tsv_carry_the_tiers(tmp_path, rules):
    res = classify(tmp_path, [ERBB2["p.G52V"], ERBB2["p.L755S"], KRAS_I24N])
    write_outdir(str(tmp_path / "out"), [res], provenance(rules, None))
    with open(tmp_path / "out" / "calls.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert list(rows[0]) == list(CALL_COLUMNS) and "oncogenicity" in CALL_COLUMNS
    assert {(r["gene"], r["hgvs_p"], r["oncogenicity"]) for r in rows} == {
        ("ERBB2", "p.G52V", "uncertain"), ("ERBB2", "p.L755S", "oncogenic"), ("KRAS", "p.I24N", "uncertain")}
    with open(tmp_path / "out" / "samples.tsv", encoding="utf-8") as fh:
        (sample,) = list(csv.DictReader(fh, delimiter="\t"))
    assert list(sample) == list(SAMPLE_COLUMNS)
    assert (sample["her2_status"], sample["her2_altered"], sample["her2_tier"]) == ("point_mutation", "yes",
                                                                                    "oncogenic")


# -- germline-like VAF without a matched normal ---------------------------------------------------------
def test_germline_like_vaf_tumour_only_is_not_altered_and_noted(tmp_path):
    res = classify(tmp_path, [ERBB2["p.E79A"]], ad="52,48")  # VAF 0.48, tumour-only
    assert not res.matched_normal
    (call,) = erbb2_calls(res)
    assert call.vaf == pytest.approx(0.48) and call.oncogenicity == "uncertain"
    assert any(GERMLINE_NOTE in n for n in call.notes)
    assert res.her2_altered != "yes" and res.her2_tier == "uncertain only"


def test_germline_like_vaf_with_a_matched_normal_is_not_noted(tmp_path):
    res = classify(tmp_path, [ERBB2["p.E79A"]], ad="52,48", normal=True)
    assert res.matched_normal
    (call,) = erbb2_calls(res)
    assert not any(GERMLINE_NOTE in n for n in call.notes)


def test_an_oncogenic_hotspot_at_germline_like_vaf_keeps_its_tier_and_is_noted(tmp_path):
    res = classify(tmp_path, [ERBB2["p.S310F"]], ad="5,95")  # VAF 0.95
    (call,) = erbb2_calls(res)
    assert call.oncogenicity == "oncogenic" and any(GERMLINE_NOTE in n for n in call.notes)
    assert res.her2_altered == "yes"


def test_a_somatic_looking_vaf_is_not_noted(tmp_path):
    res = classify(tmp_path, [ERBB2["p.G52V"]], ad="150,50")  # VAF 0.25
    assert not any(GERMLINE_NOTE in n for c in res.calls for n in c.notes)


def test_a_lab_may_cap_likely_oncogenic_at_germline_like_vaf(tmp_path):
    lab = write(tmp_path, "lab.yaml", "oncogenicity:\n  germline_like:\n    keep_tiers: [oncogenic]\n")
    custom = load_rules([lab])
    path = write(tmp_path, "t.vcf", vcf([ERBB2["p.E321G"]], ad="50,50"))
    (res,) = classify_vcf(str(path), custom, ClassifyOptions())
    (call,) = erbb2_calls(res)
    assert call.oncogenicity == "uncertain" and any("capped at uncertain" in n for n in call.notes)
    assert res.her2_altered != "yes"
    (default,) = classify_vcf(str(path), load_rules(), ClassifyOptions())
    assert erbb2_calls(default)[0].oncogenicity == "likely_oncogenic" and default.her2_altered == "yes"


def test_a_lab_may_count_only_oncogenic(tmp_path):
    lab = write(tmp_path, "lab.yaml", "oncogenicity:\n  altered_tiers: [oncogenic]\n")
    path = write(tmp_path, "t.vcf", vcf([ERBB2["p.E321G"]]))
    (res,) = classify_vcf(str(path), load_rules([lab]), ClassifyOptions())
    assert (res.her2_altered, res.her2_tier) == ("unknown", "likely_oncogenic only")


# -- co-drivers: a driver group needs an oncogenic or likely oncogenic event --------------------------
def test_kras_non_hotspot_missense_beside_braf_v600e_is_not_kras_driven(tmp_path):
    res = classify(tmp_path, [KRAS_I24N, BRAF_V600E])
    tiers = {(c.gene, c.hgvs_p): (c.klass, c.oncogenicity) for c in res.calls}
    assert tiers == {("KRAS", "p.I24N"): ("point_mutation", "uncertain"), ("BRAF", "p.V600E"): ("hotspot", "oncogenic")}
    assert res.driver_group != "KRAS" and res.driver_group == "other"
    assert "KRAS:p.I24N" in res.codrivers  # still listed as a co-occurring event


def test_kras_g12c_is_kras_driven(tmp_path):
    res = classify(tmp_path, [KRAS_G12C, ERBB2["p.G52V"]])
    assert res.driver_group == "KRAS" and res.her2_tier == "uncertain only"


def test_egfr_l858r_beside_a_her2_vus(tmp_path):
    res = classify(tmp_path, [EGFR_L858R, ERBB2["p.D1084Y"]])
    assert res.driver_group == "EGFR" and res.her2_altered != "yes"


def test_driver_group_ignores_untiered_and_uncertain_events(rules):
    calls = [Call(sample="s", gene="KRAS", klass="point_mutation", oncogenicity="uncertain"),
             Call(sample="s", gene="KRAS", klass="hotspot")]  # never tiered
    assert driver_group(calls, rules.driver_groups, rules.oncogenicity.driver_tiers) == "other"


# -- the cohort: old calls.tsv files, her2_altered, her2_tier, the HER2-mutant population ----------------
OLD_CALL_COLUMNS = [c for c in CALL_COLUMNS if not c.startswith("oncogenicity")]
OLD_SAMPLE_COLUMNS = [c for c in SAMPLE_COLUMNS if c not in ("her2_altered", "her2_tier")]

# sample, patient, assessed, cn_assessed, [(gene, class, hgvs_p, hgvs_c, vaf)]
GENIE_LIKE = [
    ("S1", "P001", "yes", "yes", [("ERBB2", "point_mutation", "p.G52V", "", "0.21")]),
    ("S2", "P002", "yes", "yes", [("ERBB2", "point_mutation", "p.D1084Y", "", "0.18"),
                                  ("KRAS", "hotspot", "p.G12C", "", "0.30")]),
    ("S3", "P003", "yes", "yes", [("ERBB2", "point_mutation", "p.R929W", "", "0.12"),
                                  ("EGFR", "sensitizing", "p.L858R", "", "0.35")]),
    ("S4", "P004", "yes", "yes", [("ERBB2", "other", "p.E1168*", "", "0.15")]),
    ("S5", "P005", "yes", "yes", [("ERBB2", "other", "", "NM_004448.4:c.2493+5G>A", "0.22")]),
    ("S6", "P006", "yes", "yes", [("ERBB2", "point_mutation", "p.S310F", "", "0.25")]),
    ("S7", "P007", "yes", "yes", [("ERBB2", "point_mutation", "p.I655V", "", "0.51")]),
    ("S8", "P008", "yes", "yes", [("ERBB2", "exon20_insertion", "p.Y772_A775dup", "", "0.2"),
                                  ("KRAS", "point_mutation", "p.I24N", "", "0.2"),
                                  ("BRAF", "hotspot", "p.V600E", "", "0.3")]),
    ("S9", "P009", "unknown", "no", [("ERBB2", "point_mutation", "p.G52V", "", "0.21")]),
]


def _tsv(path, columns, rows):
    path.write_text("\t".join(columns) + "\n" + "".join("\t".join(r.get(c, "") for c in columns) + "\n"
                                                       for r in rows), encoding="utf-8")


def _old_classify_folder(folder, cases, *, with_tiers=None):
    folder.mkdir()
    samples, calls = [], []
    for sample, patient, assessed, cn, events in cases:
        erbb2 = [k for g, k, *_ in events if g == "ERBB2"]
        samples.append({"sample": sample, "patient": patient, "her2_status": ";".join(dict.fromkeys(erbb2)) or "none",
                        "assessed": assessed, "cn_assessed": cn, "status": "ok"})
        for gene, klass, p, c, vaf in events:
            row = {"sample": sample, "gene": gene, "class": klass, "hgvs_p": p, "hgvs_c": c, "vaf": vaf}
            if with_tiers:
                row["oncogenicity"] = with_tiers.get(p, "")
            calls.append(row)
    _tsv(folder / "samples.tsv", OLD_SAMPLE_COLUMNS, samples)
    _tsv(folder / "calls.tsv", CALL_COLUMNS if with_tiers else OLD_CALL_COLUMNS, calls)
    return folder


@pytest.fixture(scope="module")
def genie_cohort(tmp_path_factory):
    from her2var.cohort.build import build_cohort

    folder = _old_classify_folder(tmp_path_factory.mktemp("genie") / "calls", GENIE_LIKE)
    result = build_cohort(str(FIXTURES / "clinical" / "clean_cohort.csv"), [str(folder)])
    return result, {r["patient_id"]: r for r in result.rows}


@pytest.mark.parametrize("pid,status,altered,tier,classes", [
    ("P001", "point_mutation", "no", "uncertain only", ""),
    ("P002", "point_mutation", "no", "uncertain only", ""),
    ("P003", "point_mutation", "no", "uncertain only", ""),
    ("P004", "other", "no", "uncertain only", ""),
    ("P005", "other", "no", "uncertain only", ""),
    ("P006", "point_mutation", "yes", "oncogenic", "point_mutation"),
    ("P007", "point_mutation", "no", "likely_benign only", ""),
    ("P008", "exon20_insertion", "yes", "oncogenic", "exon20_insertion"),
    ("P009", "point_mutation", "unknown", "uncertain only", ""),
])
def test_cohort_her2_altered_counts_only_oncogenic_tiers(genie_cohort, pid, status, altered, tier, classes):
    _, rows = genie_cohort
    r = rows[pid]
    assert (r["her2_status"], r["her2_altered"], r["her2_tier"], r["her2_classes"]) == (status, altered, tier, classes)


def test_cohort_driver_groups_and_codriver_columns(genie_cohort):
    result, rows = genie_cohort
    assert rows["P002"]["driver_group"] == "KRAS" and rows["P003"]["driver_group"] == "EGFR"
    assert rows["P008"]["driver_group"] == "other" and rows["P008"]["codriver_KRAS"] == "p.I24N"
    assert "her2_tier" in result.columns
    assert result.columns.index("her2_tier") == result.columns.index("her2_altered") + 1


def test_cohort_vus_only_without_evidence_is_left_out_of_her2_analyses(genie_cohort):
    _, rows = genie_cohort
    assert rows["P009"]["in_her2"] == "no" and "uncertain only" in rows["P009"]["exclusions"]
    assert rows["P001"]["in_her2"] == "yes"


def test_old_calls_tsv_tiers_are_derived_and_flagged(genie_cohort):
    result, _ = genie_cohort
    (flag,) = [p for p in result.problems if p.kind == "oncogenicity_derived"]
    assert "9 sample(s)" in flag.message and flag.analyses == ()
    calls = result.chosen["P001"].calls
    assert calls[0]["oncogenicity"] == "uncertain" and "derived on reading" in calls[0]["oncogenicity_rule"]


def test_first_line_plan_population_is_only_oncogenic_mutants(genie_cohort):
    from her2var.analysis.plan import load_plan

    _, rows = genie_cohort
    (cond,) = load_plan("first-line-regimens").population
    inside = sorted(pid for pid, r in rows.items() if cond.holds(r["her2_classes"]))
    assert inside == ["P006", "P008"]  # 2, not the 8 patients with an ERBB2 call


def test_cohort_uses_the_tiers_a_calls_tsv_carries(tmp_path):
    from her2var.cohort.build import build_cohort

    # classified under a lab's rules that call G52V likely oncogenic: the file's tier is kept
    folder = _old_classify_folder(tmp_path / "calls", GENIE_LIKE[:1], with_tiers={"p.G52V": "likely_oncogenic"})
    result = build_cohort(str(FIXTURES / "clinical" / "clean_cohort.csv"), [str(folder)])
    r = {x["patient_id"]: x for x in result.rows}["P001"]
    assert (r["her2_altered"], r["her2_tier"]) == ("yes", "likely_oncogenic")
    assert not any(p.kind == "oncogenicity_derived" for p in result.problems)


def test_cohort_follows_the_rules_it_is_given(tmp_path):
    from her2var.cohort.build import build_cohort

    lab = write(tmp_path, "lab.yaml", "oncogenicity:\n  altered_tiers: [likely_benign]\n")
    folder = _old_classify_folder(tmp_path / "calls", GENIE_LIKE[6:7])  # I655V
    result = build_cohort(str(FIXTURES / "clinical" / "clean_cohort.csv"), [str(folder)], rules=load_rules([lab]))
    r = {x["patient_id"]: x for x in result.rows}["P007"]
    assert (r["her2_altered"], r["her2_tier"]) == ("yes", "likely_benign")


def test_store_keeps_recorded_tiers_and_derives_missing_ones(tmp_path):
    from her2var.classify.output import sample_json
    from her2var.classify.result import SampleResult
    from her2var.cohort.build import build_cohort
    from her2var.store import open_store

    with open_store(str(tmp_path / "h.db")) as store:
        for sample, patient, tier in (("S1", "P001", "likely_oncogenic"), ("S2", "P002", "")):
            r = SampleResult(sample=sample, patient=patient, assessed="yes", cn_assessed="yes",
                             input_sha256=sample.encode().hex().ljust(64, "0"))
            r.calls.append(Call(sample=sample, gene="ERBB2", klass="point_mutation", hgvs_p="p.G52V",
                                oncogenicity=tier))
            doc = sample_json(r, {"her2var_version": "t"})
            if not tier:  # a document stored before tiers existed
                for c in doc["calls"]:
                    del c["oncogenicity"], c["oncogenicity_rule"]
            store.record(doc, "r")
    result = build_cohort(str(FIXTURES / "clinical" / "clean_cohort.csv"), store=str(tmp_path / "h.db"))
    rows = {x["patient_id"]: x for x in result.rows}
    assert (rows["P001"]["her2_altered"], rows["P001"]["her2_tier"]) == ("yes", "likely_oncogenic")
    assert (rows["P002"]["her2_altered"], rows["P002"]["her2_tier"]) == ("no", "uncertain only")
    (flag,) = [p for p in result.problems if p.kind == "oncogenicity_derived"]
    assert "1 sample(s)" in flag.message
