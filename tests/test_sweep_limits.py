"""Regression tests for hangs, unbounded memory, limits and reader-level misreads that the
hostile-input corpus cannot express: pipes with a writer (process substitution, a named pipe
written late, worker processes), a file changing while it is read, peak memory, timing, and the
limits themselves (rules/limits.yaml). The corpus cases are in scripts/hostile_inputs/sweep_limits.py."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from pathlib import Path

import pytest
from conftest import VCF_HEADER_37, installed_command, process_env, run_cli, run_python, write

import her2var.files
from her2var import limits
from her2var.errors import InputError, RulesError
from her2var.files import input_path, line_chunks, text_lines
from her2var.models import Region
from her2var.rules.load import load_rules
from her2var.rules.schema import read_yaml
from her2var.vcf.header import parse_header_lines
from her2var.vcf.reader import VcfReader

YVMA_37 = "17\t37880981\t.\tA\tAGCATACGTGATG\t.\tPASS\t.\tGT:AD:DP\t0/1:80,40:120\n"
GOOD = VCF_HEADER_37 + YVMA_37
ERBB2 = Region("17", 37844000, 37885000, "ERBB2")


@pytest.fixture
def lab_limits():
    """Put changed limits in force for one test (as a lab's --rules file does), then the built-in ones."""
    def use(**changes):
        limits.use(dataclasses.replace(limits.builtin(), **changes))
    yield use
    limits.use(None)


def _her2var(*args: str, pass_fds: tuple[int, ...] = (), env: dict | None = None, timeout: int = 120,
             cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*installed_command(), *args], capture_output=True, text=True, timeout=timeout,
                          pass_fds=pass_fds, env=env or process_env(), stdin=subprocess.DEVNULL, cwd=cwd)


def _feed(fd: int, data: bytes, delay: float = 0.0) -> threading.Thread:
    """Write ``data`` to the pipe's write end ``fd`` (then close it) from a thread, after ``delay``."""
    def run() -> None:
        time.sleep(delay)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


# -- pipes: read once, never a hang ---------------------------------------------------------------------
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_process_substitution_vcf_is_read_whole_not_sniffed_then_reopened_empty(tmp_path, compressed):
    """`classify <(cat x.vcf)` read 18 bytes to sniff, reopened the pipe and found it empty ('not a
    VCF file'). The pipe is read once into a private copy; the result names the pipe, its checksum
    is of the bytes the pipe gave, and the copy is gone when the command ends."""
    data = gzip.compress(GOOD.encode(), mtime=0) if compressed else GOOD.encode()
    r, w = os.pipe()
    env = {**process_env(), "TMPDIR": str(tmp_path)}
    feeder = _feed(w, data)
    proc = _her2var("classify", f"/dev/fd/{r}", "--format", "json", pass_fds=(r,), env=env)
    os.close(r)
    feeder.join(5)
    assert proc.returncode == 0, proc.stderr
    assert '"hgvs_p": "p.Y772_A775dup"' in proc.stdout
    assert f'"input_sha256": "{hashlib.sha256(data).hexdigest()}"' in proc.stdout
    assert not list(tmp_path.glob("her2var-pipe-*")), "the pipe's copy was left behind"


def test_pipes_in_worker_processes_are_read_and_their_copies_removed(tmp_path):
    """Two piped inputs classified by two worker processes: each pipe is read once, in whichever
    process reads it first, and every copy is removed (workers end without atexit)."""
    env = {**process_env(), "TMPDIR": str(tmp_path)}
    fds, feeders = [], []
    for sample in ("T1", "T2"):
        r, w = os.pipe()
        fds.append(r)
        feeders.append(_feed(w, GOOD.replace("TUMOR", sample).encode()))
    proc = _her2var("classify", *(f"/dev/fd/{r}" for r in fds), "-j", "2", "--format", "tsv", pass_fds=tuple(fds),
                    env=env)
    for r in fds:
        os.close(r)
    assert proc.returncode == 0, proc.stderr
    assert "T1\tERBB2\texon20_insertion" in proc.stdout and "T2\tERBB2\texon20_insertion" in proc.stdout
    assert not list(tmp_path.glob("her2var-pipe-*"))


def test_named_pipe_whose_writer_comes_late_is_read(tmp_path):
    """A writer that opens the named pipe a moment after her2var starts (mkfifo p; her2var ... p &
    producer > p) is waited for, within the limit."""
    fifo = tmp_path / "in.vcf"
    os.mkfifo(fifo)

    def writer() -> None:
        time.sleep(1.0)
        with open(fifo, "wb") as fh:
            fh.write(GOOD.encode())
    t = threading.Thread(target=writer, daemon=True)
    t.start()
    proc = _her2var("classify", str(fifo), "--format", "tsv", env={**process_env(), "TMPDIR": str(tmp_path)})
    t.join(5)
    assert proc.returncode == 0, proc.stderr
    assert "p.Y772_A775dup" in proc.stdout


def test_named_pipe_nobody_writes_to_is_refused_within_the_wait(tmp_path, lab_limits):
    """It hung forever (open() of a named pipe blocks until a writer comes)."""
    lab_limits(pipe_writer_wait_seconds=0.5)
    fifo = tmp_path / "never.tsv"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(InputError, match=r"never\.tsv: a named pipe that no program opened for writing within 0\.5 s"):
        input_path(fifo, what="a table")
    with pytest.raises(InputError, match="a named pipe"):  # asked again in the same command: no second wait
        input_path(fifo, what="a table")
    assert time.monotonic() - start < 3


def test_pipe_whose_writer_stops_sending_is_refused_after_the_idle_limit(tmp_path, lab_limits):
    lab_limits(pipe_idle_seconds=0.5)
    r, w = os.pipe()
    os.write(w, b"##fileformat=VCFv4.2\n")  # then nothing, and the write end stays open
    try:
        with pytest.raises(InputError, match=r"the pipe sent nothing for 0\.5 s \(after 21 bytes\)"):
            input_path(f"/dev/fd/{r}", what="a VCF file")
    finally:
        os.close(w)
        os.close(r)


def test_pipe_giving_more_than_the_limit_is_refused_and_its_copy_removed(tmp_path, lab_limits, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    lab_limits(max_pipe_bytes=1000)
    r, w = os.pipe()
    feeder = _feed(w, b"x" * 5000)
    try:
        with pytest.raises(InputError, match="the pipe sent more than 1,000 bytes"):
            input_path(f"/dev/fd/{r}", what="a VCF file")
    finally:
        feeder.join(5)
        os.close(r)
    assert not list(tmp_path.glob("her2var-pipe-*"))


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_device_is_refused_before_reading(tmp_path, target):
    """/dev/zero as a VCF, --cnv, --clinical, --rules, cohort table or key grew memory without limit."""
    link = tmp_path / "in.vcf"
    link.symlink_to(target)
    with pytest.raises(InputError, match=rf"in\.vcf: is a character device \({target}\), not a file"):
        VcfReader(link)


def test_random_access_inputs_refuse_a_pipe_at_once(tmp_path):
    r, w = os.pipe()
    try:
        start = time.monotonic()
        with pytest.raises(InputError, match="is a pipe, but a BAM is read by seeking"):
            input_path(f"/dev/fd/{r}", what="a BAM", random_access=True)
        assert time.monotonic() - start < 1
    finally:
        os.close(r)
        os.close(w)


# -- a file that changes while it is read -----------------------------------------------------------------
def test_vcf_cut_while_being_read_is_an_error_not_a_result_with_the_old_checksum(tmp_path):
    """A file cut while being read ended with exit 0, fewer records, and the SHA-256 of the whole
    original file (taken before the records were read)."""
    path = write(tmp_path, "in.vcf", GOOD + YVMA_37.replace("37880981", "37880999") * 2000)
    reader = VcfReader(path)
    records = reader.records()
    next(records)
    with open(path, "r+b") as fh:
        fh.truncate(len(GOOD) + 100)
    with pytest.raises(InputError, match=r"in\.vcf: the file changed while it was read"):
        list(records)


def test_vcf_checksum_is_of_the_bytes_read(tmp_path):
    path = write(tmp_path, "in.vcf", GOOD)
    reader = VcfReader(path)
    list(reader.records())
    assert reader.sha256() == hashlib.sha256(GOOD.encode()).hexdigest()


def test_indexed_vcf_rewritten_after_its_records_were_read_is_an_error(tmp_path):
    import pysam

    src = write(tmp_path, "in.vcf", GOOD)
    gz = pysam.tabix_index(str(src), preset="vcf", force=True)
    reader = VcfReader(gz)
    assert list(reader.records([ERBB2]))  # read through the index: not a whole pass
    time.sleep(0.01)
    Path(gz).write_bytes(Path(gz).read_bytes())  # the same bytes, written again: another file now
    os.utime(gz, ns=(1, 1))
    with pytest.raises(InputError, match="the file changed while it was read"):
        reader.sha256()


# -- limits: lines, headers, samples, YAML ------------------------------------------------------------------
def test_header_line_of_hundreds_of_mb_is_refused_at_the_limit_in_bounded_memory(tmp_path):
    """A 3 MB .vcf.gz with a 3 GB header line took 36 s and 12.7 GB before its error. Here a 300 MB
    line (300 kB compressed): refused at 32 MB, in little time and memory (the process's peak RSS)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [c.compress(b"##fileformat=VCFv4.2\n##x=")] + [c.compress(b"A" * (1 << 20)) for _ in range(300)]
    (tmp_path / "big.vcf.gz").write_bytes(b"".join([*parts, c.compress(b"\n"), c.flush()]))
    probe = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(p.returncode); "
             "print(p.stderr)")
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", probe, *installed_command(), "classify", str(tmp_path / "big.vcf.gz")],
                         capture_output=True, text=True, timeout=120, env=process_env()).stdout.splitlines()
    elapsed = time.monotonic() - start
    peak_kb, code, message = int(out[0]), out[1], "\n".join(out[2:])
    assert code == "1" and "big.vcf.gz:2: a line longer than 33,554,432 bytes" in message
    assert peak_kb < 600_000, f"peak memory {peak_kb} kB"
    assert elapsed < 30


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_streamed_lines_end_as_text_mode_reads_them_whatever_the_chunking(tmp_path, monkeypatch, chunk, eol):
    """CR-only files (old Mac exports) were read as one line: header read, no record, exit 0."""
    monkeypatch.setattr(her2var.files, "STREAM_CHUNK_BYTES", chunk)
    text = "\ufeffa\tb" + eol + eol + "c\u2028d" + eol + "last"
    path = tmp_path / "x.txt"
    path.write_bytes(text.encode())
    got = list(text_lines(str(path), compressed=False, name="x.txt", what="a table"))
    assert got == [b"a\tb", b"", "c\u2028d".encode(), b"last"]  # U+2028 ends no line


def test_cr_only_vcf_gives_its_call(tmp_path):
    path = tmp_path / "mac.vcf"
    path.write_bytes(GOOD.replace("\n", "\r").encode())
    proc = run_cli("classify", str(path), "--format", "tsv")
    assert proc.returncode == 0 and "p.Y772_A775dup" in proc.stdout, proc.stderr


def test_streamed_line_limit_names_line_and_limit(tmp_path, lab_limits):
    lab_limits(max_line_bytes=100)
    path = tmp_path / "x.vcf"
    path.write_bytes(b"short\n" + b"x" * 500 + b"\n")
    with pytest.raises(InputError, match=r"x\.vcf:2: a line longer than 100 bytes.*max_line_bytes"):
        list(line_chunks(str(path), compressed=False, name="x.vcf", what="a VCF file"))


def test_duplicate_sample_check_is_linear():
    """100,000 samples took 183 s (a count per sample); now one pass."""
    names = [f"S{i:06d}" for i in range(100_000)]
    lines = ["##fileformat=VCFv4.2", "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
                                                 "FORMAT", *names, "S000007"])]
    limits.use(dataclasses.replace(limits.builtin(), max_vcf_samples=200_000))
    try:
        start = time.monotonic()
        with pytest.raises(InputError, match="duplicate sample names in the #CHROM line: S000007"):
            parse_header_lines(lines, "x.vcf")
        assert time.monotonic() - start < 5
    finally:
        limits.use(None)


def test_vcf_samples_beyond_the_limit_are_refused_before_any_record():
    lines = ["##fileformat=VCFv4.2", "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
                                                 "FORMAT", *(f"S{i}" for i in range(10_001))])]
    with pytest.raises(InputError, match=r"x\.vcf:2: 10,001 sample columns, more than 10,000"):
        parse_header_lines(lines, "x.vcf")


@pytest.mark.parametrize("value", ["0x" + "f" * 5000, "0" + "7" * 5000, "0b" + "1" * 20000, "1_" * 3000 + "1",
                                   "1" + ":59" * 3000, "9" * 19])
def test_yaml_integer_beyond_the_rules_range_is_refused_before_python_builds_it(tmp_path, value):
    """A hexadecimal integer of 5,000 digits parsed, then json.dumps (the rules checksum) raised
    ValueError with a traceback; decimal ones gave Python's message about sys.set_int_max_str_digits."""
    path = write(tmp_path, "lab.yaml", f"thresholds:\n  min_depth: {value}\n")
    with pytest.raises(RulesError, match=r"lab\.yaml:2: the integer .* is too large"):
        read_yaml(path)


def test_yaml_integer_within_range_is_read(tmp_path):
    path = write(tmp_path, "lab.yaml", "thresholds:\n  min_depth: 0x10\n  min_alt_reads: 999999999999999999\n")
    assert read_yaml(path) == {"thresholds": {"min_depth": 16, "min_alt_reads": 999999999999999999}}


def test_yaml_size_limit_counts_the_decompressed_text(tmp_path, lab_limits):
    lab_limits(max_yaml_bytes=1000)
    path = tmp_path / "lab.yaml"
    path.write_bytes(gzip.compress(b"# comment\n" * 500))
    with pytest.raises(RulesError, match=r"lab\.yaml: more than 1,000 bytes of YAML.*max_yaml_bytes"):
        read_yaml(path)


# -- the limits live in the rules ---------------------------------------------------------------------------
def test_lab_limits_come_into_force_with_its_rules_file_and_leave_the_checksum_alone(tmp_path):
    builtin = load_rules()
    lab = write(tmp_path, "lab.yaml", "limits:\n  max_vcf_samples: 3\n  pipe_idle_seconds: 2.5\n")
    try:
        rules = load_rules([lab])
        assert limits.current().max_vcf_samples == 3 and limits.current().pipe_idle_seconds == 2.5
        assert rules.limits == limits.current()
        assert rules.checksum == builtin.checksum  # limits decide what is read, never a result
    finally:
        limits.use(None)
    assert limits.current() == limits.builtin()


@pytest.mark.parametrize("text,message", [
    ("limits:\n  max_vcf_samples: 0\n", "max_vcf_samples must be above 0"),
    ("limits:\n  max_line_bytes: lots\n", "limits.max_line_bytes: expected an integer"),
    ("limits:\n  max_lines: 5\n", "limits.max_lines: unknown key"),
])
def test_a_wrong_limit_is_a_rules_error(tmp_path, text, message):
    lab = write(tmp_path, "lab.yaml", text)
    try:
        with pytest.raises(RulesError, match=message):
            load_rules([lab])
    finally:
        limits.use(None)


def test_a_lab_limit_lasts_one_command(tmp_path):
    """The command line puts the built-in limits back before each command (tests run many in one process)."""
    lab = write(tmp_path, "lab.yaml", "limits:\n  max_vcf_samples: 1\n")
    vcf = write(tmp_path, "two.vcf", GOOD.replace("TUMOR", "TUMOR\tOTHER").replace("0/1:80,40:120",
                                                                                   "0/1:80,40:120\t0/0:9,0:9"))
    proc = run_cli("classify", str(vcf), "--rules", str(lab), "--format", "tsv")
    assert proc.returncode == 1 and "2 sample columns, more than 1" in proc.stderr
    proc = run_cli("classify", str(vcf), "--sample", "TUMOR", "--format", "tsv")
    assert proc.returncode == 0, proc.stderr


def test_every_limit_is_documented_in_the_builtin_file():
    text = limits.builtin_file().read_text(encoding="utf-8")
    for f in dataclasses.fields(limits.Limits):
        assert f"  {f.name}: " in text, f.name


def test_small_inputs_are_read_within_a_tight_address_space_limit(tmp_path):
    """A small text input (plain or gzip) is read in memory that grows with the file, not with the
    text limit (512 MiB): under a cluster's virtual-memory limit (ulimit -v) every read would
    otherwise reserve the whole limit first and fail."""
    plain = tmp_path / "small.tsv"
    plain.write_text("sample\tgene\nS1\tERBB2\n" * 1000)
    packed = tmp_path / "small.tsv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    code = textwrap.dedent(f"""
        import resource
        from her2var.files import read_input
        from her2var import limits
        with open("/proc/self/statm") as fh:
            used = int(fh.read().split()[0]) * resource.getpagesize()
        assert limits.current().max_text_bytes >= 256 << 20
        resource.setrlimit(resource.RLIMIT_AS, (used + (160 << 20), resource.RLIM_INFINITY))
        for path in ({str(plain)!r}, {str(packed)!r}):
            assert read_input(path, what="a table").text.count("ERBB2") == 1000
        print("ok")
    """)
    proc = run_python(code, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr
