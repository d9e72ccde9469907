"""--reference FASTA: names everything, checks REF, and must be of the VCF's build."""

from __future__ import annotations

import json

import pytest
from conftest import VCF_HEADER_37, run_cli, write

pysam = pytest.importorskip("pysam")


def make_fasta(tmp_path, rules, build="GRCh37", length=None, compress=False, mask=(37881320, 37881340),
               mutate=None):
    """chr17 of the right length, N everywhere but the rules' reference windows (and N over
    ``mask``, around V842 of GRCh37 by default: a FASTA with a gap where the rules have bases)."""
    gene = rules.index_gene
    b = gene.builds[build]
    length = length or rules.builds[build].contig_lengths["17"]
    seq = bytearray(b"N" * length)
    for w in b.windows:
        seq[w.start - 1:w.end] = w.sequence.encode()
    if mask and build == "GRCh37":
        seq[mask[0] - 1:mask[1]] = b"N" * (mask[1] - mask[0] + 1)
    if mutate:
        seq[mutate - 1] = ord("A") if seq[mutate - 1] != ord("A") else ord("C")
    path = tmp_path / ("ref.fa" if not compress else "ref.fa.plain")
    with open(path, "wb") as fh:
        fh.write(b">17\n")
        # FASTA lines of 60 bases
        for i in range(0, length, 60):
            fh.write(bytes(seq[i:i + 60]) + b"\n")
    if compress:
        out = str(tmp_path / "ref.fa.gz")
        pysam.tabix_compress(str(path), out, force=True)
        return out
    return str(path)


@pytest.fixture(scope="module")
def fasta37(tmp_path_factory, rules):
    return make_fasta(tmp_path_factory.mktemp("fa"), rules)


BODY = ("17\t37880983\t.\tC\tCATACGTGATGGC\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n"
        "17\t37881332\t.\tG\tA\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n")


def test_reference_names_and_n_bases_stay_unknown(tmp_path, fasta37):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + BODY)
    proc = run_cli("classify", str(vcf), "--reference", fasta37, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)[0]
    names = {c["hgvs_c"].split(":")[1]: c for c in doc["calls"]}
    assert names["c.2313_2324dup"]["hgvs_p"] == "p.Y772_A775dup"
    v842 = names["c.2524G>A"]
    assert v842["hgvs_p"] == ""  # the FASTA has N there: unknown, with the candidates
    (note,) = v842["notes"]
    assert "p.V842I, p.V842M" in note and "has no bases (N) here" in note
    assert v842["class"] == "point_mutation" and v842["domain"] == "kinase"
    assert doc["provenance"]["reference_used"] == fasta37


def test_bgzipped_reference(tmp_path, rules):
    fa = make_fasta(tmp_path, rules, compress=True)
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + BODY)
    proc = run_cli("classify", str(vcf), "--reference", fa, "--format", "tsv")
    assert proc.returncode == 0, proc.stderr
    assert "p.Y772_A775dup" in proc.stdout


def test_reference_of_the_other_build_is_refused(tmp_path, rules):
    fa = make_fasta(tmp_path, rules, build="GRCh37", length=rules.builds["GRCh38"].contig_lengths["17"])
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + BODY)
    proc = run_cli("classify", str(vcf), "--reference", fa)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "83257441 bp (that is GRCh38)" in proc.stderr


def test_ref_mismatch_against_fasta_names_the_record(tmp_path, fasta37):
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + BODY.replace("\tC\tCATAC", "\tG\tGATAC"))
    proc = run_cli("classify", str(vcf), "--reference", fasta37)
    assert proc.returncode == 1 and "s.vcf:7: REF G does not match" in proc.stderr


def test_a_reference_whose_exon_bases_differ_from_the_rules_is_refused(tmp_path, rules):
    """--reference is cross-checked against the rules' bases of every ERBB2 exon: a FASTA of
    the right length whose exon 25 differs (another build's patch, a modified file) is an error."""
    fa = make_fasta(tmp_path, rules, mutate=37883100)  # inside exon 25 (37883068-37883256)
    vcf = write(tmp_path, "s.vcf", VCF_HEADER_37 + BODY)
    proc = run_cli("classify", str(vcf), "--reference", fa)
    assert proc.returncode != 0
    assert "exon 25 differ from the GRCh37 reference at 1 position(s) (first 17:37883100)" in proc.stderr
    assert "Traceback" not in proc.stderr
