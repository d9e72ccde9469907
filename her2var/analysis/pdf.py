"""report.pdf: report.html printed by a headless Chromium (its print stylesheet: A4 landscape, a
page per section, tables never cut), when a Chromium is installed.

The browser is ``$HER2VAR_CHROMIUM`` when set (a path or a command name; ``none`` never prints),
else the first of chromium, chromium-browser, google-chrome on the PATH. It runs with a profile of
its own in a temporary folder, every host name mapped to nothing (the report is self-contained,
and nothing may reach the network), and a time limit.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ENV = "HER2VAR_CHROMIUM"
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 180


@dataclass(frozen=True)
class PdfOutcome:
    """Whether report.pdf was written, and why not."""

    written: bool
    note: str

    def record(self) -> dict[str, object]:
        return {"written": self.written, "note": self.note}


class PdfError(RuntimeError):
    """The browser ran but no PDF came out."""


def find_chromium() -> str | None:
    """The browser to print with, or None."""
    given = os.environ.get(ENV)
    if given is not None:
        given = given.strip()
        if given.lower() in ("", "none", "no", "off", "0"):
            return None
        found = shutil.which(given)
        return found or (given if os.path.isfile(given) and os.access(given, os.X_OK) else None)
    return next((p for p in (shutil.which(n) for n in NAMES) if p), None)


def chromium_args(browser: str, profile: str) -> list[str]:
    """A headless, offline Chromium with a throw-away profile."""
    args = [browser, "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-breakpad",
            "--disable-domain-reliability", "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox
    return args


def print_pdf(html: str, pdf: str, browser: str, *, timeout: float = TIMEOUT) -> None:
    """Print ``html`` to ``pdf`` with ``browser``; PdfError (with the browser's last words) when
    no PDF comes out."""
    with tempfile.TemporaryDirectory(prefix="her2var-chromium-") as profile:
        args = [*chromium_args(browser, profile), "--no-pdf-header-footer", "--print-to-pdf-no-header",
                f"--print-to-pdf={pdf}", Path(html).resolve().as_uri()]
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{browser} did not finish printing within {timeout:g} s") from None
        except OSError as exc:
            raise PdfError(f"{browser} could not be run: {exc.strerror or exc}") from exc
    ok = os.path.isfile(pdf) and os.path.getsize(pdf) > 0
    if ok:
        with open(pdf, "rb") as fh:
            ok = fh.read(5) == b"%PDF-"
    if proc.returncode != 0 or not ok:
        if os.path.exists(pdf):
            os.unlink(pdf)
        tail = " ".join(proc.stderr.strip().splitlines()[-3:])[-400:]
        raise PdfError(f"{browser} exited with code {proc.returncode} and wrote no PDF ({tail or 'no message'})")


def write_report_pdf(html: str, pdf: str, *, required: bool) -> PdfOutcome:
    """Print the report when a browser is found. Not required: a missing browser or a failed print
    is a note (and a warning in the log), and the analysis goes on; required: an error."""
    from ..errors import Her2varError, UsageError

    browser = find_chromium()
    if browser is None:
        note = (f"report.pdf not written: no headless Chromium found (install chromium, or set {ENV} to the "
                "browser); open report.html and print it")
        if required:
            raise UsageError(f"--pdf: {note}")
        log.info("%s", note)
        return PdfOutcome(False, note)
    try:
        print_pdf(html, pdf, browser)
    except PdfError as exc:
        if required:
            raise Her2varError(f"report.pdf: {exc}") from None
        log.warning("report.pdf not written: %s", exc)
        return PdfOutcome(False, f"report.pdf not written: {exc}")
    return PdfOutcome(True, f"printed by {os.path.basename(browser)}")
