"""Co-occurring drivers: a table of cases per rule, both builds, both strands, chr/no-chr."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, write

from her2var.classify.codrivers import driver_group
from her2var.classify.pipeline import classify_vcf
from her2var.classify.result import ClassifyOptions
from her2var.models import Call

LENGTHS = {"GRCh37": {"7": 159138663, "12": 133851895, "17": 81195210},
           "GRCh38": {"7": 159345973, "12": 133275309, "17": 83257441}}


def vcf_text(build: str, chr_prefix: bool, records: list[tuple[str, int, str, str]]) -> str:
    p = "chr" if chr_prefix else ""
    head = ["##fileformat=VCFv4.2"]
    head += [f"##contig=<ID={p}{c},length={n}>" for c, n in LENGTHS[build].items()]
    head += ['##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
             '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR"]
    body = [f"{p}{c}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT:AD:DP\t0/1:150,50:200"
            for c, pos, ref, alt in sorted(records, key=lambda r: (r[0], r[1]))]
    return "\n".join(head + body) + "\n"


def hotspot_rows():
    lines = (FIXTURES / "codriver_catalog" / "codriver_hotspots.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    out = []
    for line in lines[1:]:
        d = dict(zip(header, line.split("\t")))
        if d["grch37"].endswith(":N"):
            continue  # "any ALT" rows
        out.append(d)
    return out


def expected_class(d: dict[str, str]) -> str:
    gene, p = d["gene"], d["hgvs_p"]
    if gene == "EGFR":
        return "resistance" if p in ("p.T790M", "p.C797S") else "sensitizing"
    if gene in ("KRAS", "BRAF"):
        return "hotspot"
    return "splice"


ROWS = hotspot_rows()


@pytest.mark.parametrize("chr_prefix", [False, True], ids=["17", "chr17"])
@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
@pytest.mark.parametrize("row", range(len(ROWS)), ids=[f"{r['gene']}-{r['hgvs_c']}" for r in ROWS])
def test_hotspot_named_and_classified(tmp_path, rules, build, chr_prefix, row):
    d = ROWS[row]
    chrom, pos, ref, alt = d[build.lower()].split(":")
    vcf = write(tmp_path, "t.vcf", vcf_text(build, chr_prefix, [(chrom, int(pos), ref, alt)]))
    (res,) = classify_vcf(str(vcf), rules, ClassifyOptions())
    (call,) = res.calls
    assert call.gene == d["gene"] and call.klass == expected_class(d)
    assert call.hgvs_c.split(":")[1] == d["hgvs_c"]
    if d["hgvs_p"].startswith("p.") and " " not in d["hgvs_p"]:
        assert call.hgvs_p == d["hgvs_p"]
    assert res.codrivers == f"{d['gene']}:{call.hgvs_p or d['hgvs_c']}"


@pytest.mark.parametrize("build,pos,ref,alt,name", [
    # the same protein change from different deletions (exon 19), both placements
    ("GRCh37", 55242464, "AGGAATTAAGAGAAGC", "A", "p.E746_A750del"),
    ("GRCh37", 55242465, "GGAATTAAGAGAAGCA", "G", "p.E746_A750del"),
    ("GRCh38", 55174771, "AGGAATTAAGAGAAGC", "A", "p.E746_A750del"),
    # L747_T751del (c.2239_2253del): another in-frame exon 19 deletion
    ("GRCh37", 55242467, "AATTAAGAGAAGCAAC", "A", None),
])
def test_exon19_deletions_are_sensitizing(tmp_path, rules, build, pos, ref, alt, name):
    vcf = write(tmp_path, "t.vcf", vcf_text(build, False, [("7", pos, ref, alt)]))
    (res,) = classify_vcf(str(vcf), rules, ClassifyOptions())
    (call,) = res.calls
    assert call.gene == "EGFR" and call.klass == "sensitizing" and call.exon == "19"
    if name:
        assert call.hgvs_p == name
    assert "exon 19 deletion" in call.notes


def _egfr_cds_insert(rules, build, after_c: int, inserted: str):
    """A VCF insertion of `inserted` coding bases after EGFR c.after_c (plus strand)."""
    from her2var.genome.transcript import TranscriptModel

    m = TranscriptModel(rules.genes["EGFR"], build)
    g = m.c_to_g(after_c)
    pad = m.piece_base(after_c)
    return ("7", g, pad, pad + inserted)


@pytest.mark.parametrize("after_c,inserted,klass,name", [
    (2289, "TTCCAGGAAGCC", "sensitizing", "p.A763_Y764insFQEA"),  # after A763 (c.2287-2289)
    (2319, "AGCGTGGAC", "exon20_insertion", None),  # D770_N771insSVD
])
def test_egfr_exon20_insertions(tmp_path, rules, after_c, inserted, klass, name):
    rec = _egfr_cds_insert(rules, "GRCh38", after_c, inserted)
    vcf = write(tmp_path, "t.vcf", vcf_text("GRCh38", True, [rec]))
    (res,) = classify_vcf(str(vcf), rules, ClassifyOptions())
    (call,) = res.calls
    assert call.klass == klass and call.exon == "20"
    if name:
        assert call.hgvs_p == name
    assert res.driver_group == "EGFR"


@pytest.mark.parametrize("pos,ref,alt,loc", [
    (116411884, "TCTTTCTCTCTGTTTTAA", "T", "splice site"),  # c.2888-18_2888-2del style
    (116412043, "GGTAT", "G", "splice site"),  # donor deletion c.3028+1_3028+4del
])
def test_met_exon14_splice_deletions(tmp_path, rules, pos, ref, alt, loc):
    vcf = write(tmp_path, "t.vcf", vcf_text("GRCh37", False, [("7", pos, ref, alt)]))
    (res,) = classify_vcf(str(vcf), rules, ClassifyOptions())
    (call,) = res.calls
    assert call.gene == "MET" and call.klass == "splice"
    assert "exon 14 skipping" in call.notes and loc in call.notes


def test_codriver_synonymous_and_intronic_not_reported(tmp_path, rules):
    # KRAS G12 GGT>GGC (c.36T>C, genomic A>G on the minus strand): synonymous
    vcf = write(tmp_path, "t.vcf", vcf_text("GRCh37", False, [("12", 25398283, "A", "G")]))
    (res,) = classify_vcf(str(vcf), rules, ClassifyOptions())
    assert res.calls == [] and res.dropped["kras_not_coding_or_synonymous"] == 1
    assert res.driver_group == "other"


def test_codriver_ref_mismatch_is_an_error(tmp_path, rules):
    from her2var.errors import InputError

    vcf = write(tmp_path, "t.vcf", vcf_text("GRCh37", False, [("7", 55259515, "A", "G")]))
    with pytest.raises(InputError, match="REF A does not match"):
        classify_vcf(str(vcf), rules, ClassifyOptions())


def _call(gene, klass, tier="oncogenic"):
    return Call(sample="s", gene=gene, klass=klass, oncogenicity=tier)


@pytest.mark.parametrize("calls,group", [
    ([_call("KRAS", "hotspot"), _call("EGFR", "sensitizing")], "EGFR"),
    ([_call("KRAS", "hotspot")], "KRAS"),
    ([_call("ALK", "fusion")], "ALK"),
    ([_call("EGFR", "other"), _call("ERBB2", "exon20_insertion")], "other"),
    ([], "other"),
    # only oncogenic / likely oncogenic events count (rules/oncogenicity.yaml driver_tiers)
    ([_call("KRAS", "point_mutation", "uncertain"), _call("ALK", "fusion")], "ALK"),
    ([_call("EGFR", "sensitizing", "uncertain")], "other"),
    ([_call("KRAS", "hotspot", "likely_oncogenic")], "KRAS"),
])
def test_driver_group_order_is_a_rule(rules, calls, group):
    assert driver_group(calls, rules.driver_groups, rules.oncogenicity.driver_tiers) == group


def test_kras_coding_sequence_ends_at_its_stop_codon(tmp_path):
    """NM_004985.5 codes 188 residues: c.565_567 is the stop codon and the next base is c.*1 (3'UTR),
    not reported (it was named c.568C>T and reported as a KRAS point mutation)."""
    from conftest import run_cli, write

    head = ("##fileformat=VCFv4.2\n##contig=<ID=chr12,length=133275309>\n"
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\n")
    vcf = write(tmp_path, "k.vcf", head + "chr12\t25209794\t.\tT\tC\t.\tPASS\t.\tGT:AD\t0/1:60,60\n")
    proc = run_cli("classify", str(vcf), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (doc,) = json.loads(proc.stdout)
    assert doc["calls"] == [] and doc["driver_group"] != "KRAS"
    assert sum(doc["qc"]["dropped"].values()) == 1


@pytest.mark.parametrize("pos,ref,alt,what", [
    (25209843, "A", "G", "KRAS c.519T>C (GAT>GAC, D173=), seen at VAF 0.2-0.6 in real TSO500 files"),
    (25225626, "T", "C", "KRAS c.438A>G (GCA>GCG, A146=) at a hotspot codon"),
])
def test_a_silent_codriver_change_is_never_a_driver(tmp_path, pos, ref, alt, what):
    """The rules hold each co-driver's whole coding sequence (scripts/build_codriver_cds.py), so a
    synonymous change is named as one and dropped; it never makes the tumour KRAS-driven."""
    from conftest import run_cli

    head = ("##fileformat=VCFv4.2\n##contig=<ID=chr12,length=133275309>\n"
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\n")
    vcf = write(tmp_path, "k.vcf", head + f"chr12\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT:AD\t0/1:60,60\n")
    proc = run_cli("classify", str(vcf), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (doc,) = json.loads(proc.stdout)
    assert doc["calls"] == [], what
    assert doc["driver_group"] != "KRAS" and sum(doc["qc"]["dropped"].values()) == 1


@pytest.mark.parametrize("gene", ["KRAS", "EGFR", "BRAF", "MET"])
def test_codriver_rules_hold_the_whole_coding_sequence(rules, gene):
    """One piece from c.1 to the stop: every codon is known, none is a stop before the end."""
    from her2var.genome.transcript import translate

    g = rules.genes[gene]
    ((c_start, sequence),) = g.cds_pieces
    assert c_start == 1 and len(sequence) == g.cds_length
    protein = translate(sequence)
    assert protein.endswith("*") and "*" not in protein[:-1] and protein.startswith("M")


def test_a_record_the_naming_cannot_handle_is_reported_unnamed_not_a_crash(tmp_path, rules, monkeypatch):
    """A bug in the naming meets one record: that event is reported with a note, the rest of the
    file is classified as usual."""
    import her2var.classify.pipeline as pipeline

    real = pipeline.describe

    def broken(model, seq, pos, ref, alt):
        if pos == 37880985:
            raise IndexError("string index out of range")
        return real(model, seq, pos, ref, alt)

    monkeypatch.setattr(pipeline, "describe", broken)
    vcf = write(tmp_path, "t.vcf", vcf_text("GRCh37", False, [("17", 37880985, "T", "C"), ("12", 25398284, "C", "A")]))
    (res,) = classify_vcf(str(vcf), rules, ClassifyOptions())
    erbb2 = [c for c in res.calls if c.gene == "ERBB2"]
    assert len(erbb2) == 1 and erbb2[0].klass == "other"
    assert any("could not be named (IndexError" in x for x in erbb2[0].notes)
    assert any(c.gene == "KRAS" and c.hgvs_p == "p.G12V" for c in res.calls)


def test_a_record_repeated_many_times_is_one_note_with_a_count(tmp_path, rules):
    """2,000 copies of one record gave a 94 KB notes cell ('also written as ...' per copy)."""
    head = vcf_text("GRCh37", False, []).rstrip("\n")
    same = "17\t37880985\t.\tT\tC\t.\tPASS\t.\tGT:AD:DP\t0/1:150,50:200"
    other = "17\t37880984\t.\tAT\tAC\t.\tPASS\t.\tGT:AD:DP\t0/1:150,40:190"  # the same change, padded
    vcf = write(tmp_path, "t.vcf", "\n".join([head] + [same] * 2000 + [other] * 3) + "\n")
    (res,) = classify_vcf(str(vcf), rules, ClassifyOptions())
    (call,) = res.calls
    written = [x for x in call.notes if x.startswith(("also written", "the same record"))]
    assert written == ["the same record 1999 more times in the file", "also written as 17:37880984:AT>AC (3 records)"]
    assert sum(len(x) for x in call.notes) < 500
    assert res.dropped["duplicate_of_another_record"] == 2002
