"""The contract of `her2var.cli.main`: it returns the exit code (the console script exits with it),
maps errors in one place, and leaves nothing behind between calls in one process."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import pytest
from conftest import FIXTURES, installed_command, process_env, run_cli, run_python, write

from her2var.cli.main import main

CLIN = FIXTURES / "clinical"


def cohort_args(tmp_path, name: str) -> list[str]:
    return ["cohort", "--clinical", str(CLIN / "clean_cohort.csv"), "--calls", str(CLIN / "clean_calls"),
            "-o", str(tmp_path / name / "cohort.tsv")]


def test_main_returns_the_code_instead_of_exiting(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("her2var, version")
    assert main(["--help"]) == 0
    assert main(["classify", "--help"]) == 0
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert "Usage: her2var" in err and "No such command 'no-such-command'" in err
    assert main(["classify", "--format", "xml", "x.vcf"]) == 2  # click's usage error
    assert main(["classify"]) == 2  # her2var's UsageError
    assert capsys.readouterr().err.endswith("her2var: error: give VCF file(s), --bam, or --samples SHEET "
                                            "(see 'her2var classify --help')\n")
    assert main(["rules", "check", "/nonexistent/rules.yaml"]) == 1  # an InputError
    err = capsys.readouterr().err
    assert err.startswith("her2var: error: ") and "rules.yaml" in err


def test_a_command_that_reports_failures_returns_1(tmp_path):
    bad = write(tmp_path, "bad.vcf", "not a vcf\n")
    proc = run_cli("classify", str(bad), "--format", "tsv")
    assert proc.returncode == 1 and "1 of 1 input(s) failed" in proc.stderr and "Traceback" not in proc.stderr


def test_debug_shows_the_traceback_and_bugs_are_not_hidden(monkeypatch):
    plain = run_cli("rules", "check", "/nonexistent/rules.yaml")
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    with pytest.raises(Exception) as info:
        main(["--debug", "rules", "check", "/nonexistent/rules.yaml"])
    assert type(info.value).__name__ == "RulesError"
    import her2var.rules.load

    def bug(path):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(her2var.rules.load, "check_rules_file", bug)
    with pytest.raises(ZeroDivisionError):
        main(["rules", "check", "x.yaml"])
    crashed = run_cli("rules", "check", "x.yaml")  # run_cli turns the escaped exception into a crash report
    assert crashed.returncode == 1 and "Traceback" in crashed.stderr and "ZeroDivisionError: a bug" in crashed.stderr


def test_interrupt_is_130(monkeypatch):
    import her2var.rules.load

    def interrupted(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(her2var.rules.load, "check_rules_file", interrupted)
    proc = run_cli("rules", "check", "x.yaml")
    assert proc.returncode == 130 and "her2var: interrupted" in proc.stderr and "Traceback" not in proc.stderr


def test_each_call_logs_to_its_own_stderr_at_its_own_level(tmp_path):
    root = logging.getLogger()
    before = list(root.handlers), root.level
    verbose = run_cli("-v", *cohort_args(tmp_path, "a"))
    assert verbose.returncode == 0, verbose.stderr
    assert "her2var: INFO: cohort: 12 patients" in verbose.stderr
    quiet = run_cli(*cohort_args(tmp_path, "b"))
    assert quiet.returncode == 0, quiet.stderr
    assert "INFO" not in quiet.stderr
    again = run_cli("-v", *cohort_args(tmp_path, "c"))
    assert again.stderr.count("her2var: INFO: cohort: 12 patients") == 1  # one handler, not one per call so far
    failed = run_cli("-v", "cohort", "--clinical", str(tmp_path / "none.csv"), "--calls", str(CLIN / "clean_calls"),
                     "-o", str(tmp_path / "d.tsv"))
    assert failed.returncode == 1
    assert (list(root.handlers), root.level) == before  # nothing left behind, also after a failure


@pytest.mark.slow
@pytest.mark.parametrize("command", [installed_command(), [sys.executable, "-m", "her2var.cli"]],
                         ids=["console-script", "python-m"])
def test_the_installed_program_exits_with_the_code(tmp_path, command):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*command, *args], capture_output=True, text=True, cwd=tmp_path, env=process_env(),
                              timeout=120)

    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("her2var, version")
    usage = run("classify")
    assert usage.returncode == 2 and "her2var: error: give VCF file(s)" in usage.stderr
    bad = run("rules", "check", "missing.yaml")
    assert bad.returncode == 1 and bad.stderr.startswith("her2var: error: ") and "missing.yaml" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("entry", ["from her2var.cli.start import main; sys.exit(main())",
                                   "import runpy; runpy.run_module('her2var', run_name='__main__')"])
def test_ctrl_c_while_the_command_line_is_imported_is_one_line_and_130(entry: str) -> None:
    """The console script and ``python -m her2var``: a Ctrl-C landing while click and the commands
    are imported ends as one later does (no traceback of the import)."""
    code = textwrap.dedent(f"""
        import sys

        class CtrlC:  # Ctrl-C arrives as click is imported
            def find_spec(self, name, path=None, target=None):
                if name == "click":
                    raise KeyboardInterrupt
                return None

        sys.meta_path.insert(0, CtrlC())
        sys.argv = ["her2var", "--version"]
        {entry}
    """)
    proc = run_python(code, timeout=60)
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == "her2var: interrupted\n" and proc.stdout == ""
