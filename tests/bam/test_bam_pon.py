"""Panel of normals: what PON.tsv records, reading it back strictly, and the normals it refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pysam
import pytest
from test_bam_fixtures import BAM_DIR, NORMALS, bam, pon, reference, rules, run_pon_cli

from her2var.bam.pon import build_pon, pon_text, read_pon, write_pon
from her2var.errors import InputError
from her2var.genome.bed import read_targets

TARGETS = str(BAM_DIR / "targets.bed")


def test_pon_header_records_targets_checksums_build_and_each_normal():
    text = Path(pon()).read_text()
    ts = read_targets(TARGETS)
    assert text.startswith("##her2var_pon=1\n")
    for line in (f"##targets_sha256={ts.file_sha256}", f"##targets_intervals_sha256={ts.intervals_sha256}",
                 "##build=GRCh37", "##n_targets=76", "##min_mapq=20", "##n_normals=5", "##gc_correction=none"):
        assert line + "\n" in text
    normals = [line for line in text.splitlines() if line.startswith("##normal=")]
    assert [n.split(";")[0] for n in normals] == [f"##normal=name=N{i}" for i in range(1, 6)]
    assert all("reads_used=" in n and "mean_target_depth=" in n and "noise_log2=" in n for n in normals)


def test_pon_round_trip_and_values():
    p = read_pon(pon())
    assert p.n_normals == 5 and len(p.targets) == 76 and p.build == "GRCh37"
    assert p.usable.all()
    # normalised depth averages about 1 across targets (length-weighted exactly 1 per normal)
    lengths = np.array([t.length for t in p.targets])
    assert abs(np.sum(p.median_norm * lengths) / lengths.sum() - 1) < 0.05
    assert np.all((p.mad_log2 > 0) & (p.mad_log2 < 0.5))
    assert pon_text(p).splitlines()[-1] == Path(pon()).read_text().splitlines()[-1]


def test_pon_is_deterministic(tmp_path):
    a = tmp_path / "a.tsv"
    write_pon(build_pon(NORMALS, TARGETS, rules()), str(a))
    assert a.read_text() == Path(pon()).read_text()


def test_pon_with_reference_records_gc_per_target():
    p = read_pon(pon(gc=True))
    assert p.gc is not None and np.all((p.gc > 0.2) & (p.gc < 0.8))
    assert p.gc_correction.startswith("per-normal GC trend removed")


def test_one_normal_is_refused_by_the_command_line_with_nothing_written(tmp_path):
    out = tmp_path / "pon.tsv"
    proc = run_pon_cli("build", NORMALS[0], "--targets", TARGETS, "-o", str(out))
    assert proc.returncode == 1
    assert "at least 2 normal samples, got 1" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_the_command_line_builds_a_panel(tmp_path):
    out = tmp_path / "pon.tsv"
    proc = run_pon_cli("build", *NORMALS[:3], "--targets", TARGETS, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"{out}: 76 targets (76 usable) from 3 normals, GRCh37" in proc.stdout
    assert "5 or more" in proc.stderr
    assert read_pon(str(out)).n_normals == 3


def test_pon_build_help_names_its_options():
    proc = run_pon_cli("build", "--help")
    assert proc.returncode == 0
    for option in ("--targets", "--out", "--build", "--reference", "--gc / --no-gc", "--index", "--threads", "--rules"):
        assert option in proc.stdout


def test_the_same_normal_twice_is_refused():
    with pytest.raises(InputError, match="given twice as a normal"):
        build_pon([NORMALS[0], NORMALS[1], NORMALS[0]], TARGETS, rules())


def reheadered(tmp_path, src, length, name="other_build.bam"):
    with pysam.AlignmentFile(src) as fh:
        header = fh.header.to_dict()
        header["SQ"][0]["LN"] = length
        out = tmp_path / name
        with pysam.AlignmentFile(str(out), "wb", header=header) as w:
            for r in fh.fetch(until_eof=True):
                w.write(pysam.AlignedSegment.from_dict(r.to_dict(), w.header))
    pysam.index(str(out))
    return str(out)


def test_a_normal_on_another_build_is_refused(tmp_path):
    other = reheadered(tmp_path, NORMALS[1], 83_257_441)  # GRCh38 chr17
    with pytest.raises(InputError) as err:
        build_pon([NORMALS[0], other], TARGETS, rules())
    assert other in str(err.value) and "GRCh38" in str(err.value) and "GRCh37 was expected" in str(err.value)


def test_a_normal_from_another_panel_is_refused(tmp_path):
    shifted = tmp_path / "other_panel.bed"
    shifted.write_text("".join(f"{t.chrom}\t{t.start + 5000}\t{t.end + 5000}\n" for t in read_targets(TARGETS).targets))
    with pytest.raises(InputError, match=r"reads cover only \d+% of the 76 targets"):
        build_pon(NORMALS[:2], str(shifted), rules())


def test_targets_on_a_contig_the_normal_lacks_are_refused(tmp_path):
    bed = tmp_path / "t.bed"
    bed.write_text(Path(TARGETS).read_text() + "chr5\t1000\t1200\n")
    with pytest.raises(InputError, match="contig chr5, which is not in the file's @SQ lines"):
        build_pon(NORMALS[:2], str(bed), rules())


@pytest.mark.parametrize("edit,message", [
    (lambda t: t.replace("##her2var_pon=1", "##something=1"), "not a her2var panel of normals"),
    (lambda t: "\n".join(x for x in t.splitlines() if not x.startswith("##build=")) + "\n", "no ##build= line"),
    (lambda t: t.replace("\n17\t3000000\t", "\n17\t3000001\t", 1), "do not match the header's targets checksum"),
    (lambda t: "\n".join(x for x in t.splitlines() if not x.startswith("##normal=name=N")
                         or x.startswith("##normal=name=N1")) + "\n", "built from 1 normal sample"),
    (lambda t: t.replace("\tyes\n", "\tmaybe\n", 1), "usable is 'maybe'"),
    (lambda t: t[: t.rindex("\n17\t")] + "\n", "75 target rows, but the header says 76"),
])
def test_an_edited_or_incomplete_panel_is_refused(tmp_path, edit, message):
    bad = tmp_path / "pon.tsv"
    bad.write_text(edit(Path(pon()).read_text()))
    with pytest.raises(InputError, match=message):
        read_pon(str(bad))


def test_cram_normals_need_and_use_the_reference(tmp_path):
    crams = []
    for src in NORMALS[:2]:
        out = tmp_path / (src.rsplit("/", 1)[-1].replace(".bam", ".cram"))
        pysam.view("-C", "-T", reference(), "-o", str(out), src, catch_stdout=False)
        pysam.index(str(out))
        crams.append(str(out))
    with pytest.raises(InputError, match="a CRAM file needs its reference FASTA"):
        build_pon(crams, TARGETS, rules())
    from_cram = build_pon(crams, TARGETS, rules(), reference=reference())
    from_bam = build_pon(NORMALS[:2], TARGETS, rules(), reference=reference())
    assert np.array_equal(from_cram.median_norm, from_bam.median_norm) and from_cram.gc is not None
    plain = build_pon(crams, TARGETS, rules(), reference=reference(), gc=False)  # the FASTA only decodes
    assert plain.gc is None and np.array_equal(plain.median_norm, build_pon(NORMALS[:2], TARGETS, rules()).median_norm)


def test_missing_index_is_an_error_unless_building_it_is_asked(tmp_path):
    copies = []
    for src in NORMALS[:2]:
        dst = tmp_path / src.rsplit("/", 1)[-1]
        shutil.copy(src, dst)
        copies.append(str(dst))
    with pytest.raises(InputError, match=r"no index \(.bai/.csi\).*samtools index"):
        build_pon(copies, TARGETS, rules())
    built = build_pon(copies, TARGETS, rules(), build_index=True)
    assert (tmp_path / "N1.bam.bai").exists() and built.n_normals == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_truncated_normal_is_a_clear_error_without_traceback(tmp_path):
    data = Path(bam("N2")).read_bytes()
    cut = tmp_path / "N2.bam"
    cut.write_bytes(data[: len(data) // 2])
    shutil.copy(bam("N2") + ".bai", str(cut) + ".bai")
    out = tmp_path / "pon.tsv"
    proc = run_pon_cli("build", NORMALS[0], str(cut), "--targets", TARGETS, "-o", str(out))
    assert proc.returncode == 1
    assert f"her2var: error: {cut}: cannot be read as BAM/CRAM" in proc.stderr
    assert "truncated" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
