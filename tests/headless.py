"""A headless Chromium driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``:
the browser reads commands on fd 3 and answers on fd 4, each message a JSON text ending in NUL).
Only the standard library: no websocket client, no browser-automation package.

    with Browser(chromium) as b:
        page = b.open(Path("report.html"), width=1280)
        page.evaluate("document.title")
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Put the pipe ends on fds 3 and 4 of the browser, then become the browser.
_TRAMPOLINE = ("import os,sys; os.dup2(int(sys.argv[1]),3); os.dup2(int(sys.argv[2]),4); "
               "os.execv(sys.argv[3], sys.argv[3:])")


class BrowserError(RuntimeError):
    pass


class Browser:
    def __init__(self, executable: str, timeout: float = 60) -> None:
        self.executable = executable
        self.timeout = timeout
        self._id = 0
        self._buffer = b""

    def __enter__(self) -> Browser:
        self._profile = tempfile.TemporaryDirectory(prefix="her2var-cdp-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        args = [self.executable, "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--remote-debugging-pipe",
                "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={self._profile.name}", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")
        self.proc = subprocess.Popen([sys.executable, "-c", _TRAMPOLINE, str(to_browser_r), str(from_browser_w), *args],
                                     pass_fds=(to_browser_r, from_browser_w), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_browser_r)
        os.close(from_browser_w)
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.send("Browser.close")
        except (BrowserError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        if self.proc.stderr is not None:
            self.stderr = self.proc.stderr.read().decode("utf-8", "replace")
            self.proc.stderr.close()
        self._profile.cleanup()

    def _read_message(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("no answer from the browser in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError("the browser closed its pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def open(self, html: Path, *, width: int = 1280, height: int = 900, media: str = "screen") -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        page.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                          "mobile": False})
        page.send("Emulation.setEmulatedMedia", {"media": media})
        page.send("Page.enable")
        page.send("Page.navigate", {"url": html.resolve().as_uri()})
        page.wait("document.readyState === 'complete'")
        page.evaluate("Promise.all([...document.images].map(i => i.decode().catch(() => null))).then(() => true)")
        return page


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, self.session)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (awaited when it is a promise); JS errors raise."""
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in res:
            details = res["exceptionDetails"]
            raise BrowserError(f"{expression[:80]}: {details.get('exception', details)}")
        return res["result"].get("value")

    def wait(self, condition: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"!!({condition})"):
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {condition}")
            time.sleep(0.05)

    def media(self, media: str, width: int, height: int = 900) -> None:
        """Lay the page out again for another medium and width (e.g. print at a page's width)."""
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": False})
        self.send("Emulation.setEmulatedMedia", {"media": media})
        self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")


# Layout problems a reader sees, found in the page (JavaScript run through DevTools: the report
# itself allows no script). Each returns a list of short descriptions, empty when all is well.
LAYOUT_CHECKS = {
    # A box that neither scrolls nor fits its content clips or spills it.
    "overflow": """[...document.querySelectorAll('main, main *')].filter(el => {
        const s = getComputedStyle(el);
        if (s.display === 'inline' || s.display === 'none') return false;
        const scrolls = ['auto', 'scroll'].includes(s.overflowX);
        return !scrolls && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0
            && !['IMG', 'svg', 'TD', 'TH', 'TR', 'TBODY', 'THEAD', 'TABLE'].includes(el.tagName);
    }).map(el => el.tagName + '.' + el.className + ': ' + el.scrollWidth + ' > ' + el.clientWidth)""",
    # Wider than the page: a horizontal scrollbar on the whole report.
    "page": """document.documentElement.scrollWidth > window.innerWidth + 1
        ? ['page ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth] : []""",
    # A table that sticks out of main (in print nothing scrolls, so this is a cut table).
    "tables_in_main": """(() => { const m = document.querySelector('main').getBoundingClientRect();
        return [...document.querySelectorAll('table')].filter(t => t.getBoundingClientRect().right > m.right + 1)
            .map(t => (t.previousElementSibling || t.parentElement.previousElementSibling || {}).textContent
                 + ': right ' + Math.round(t.getBoundingClientRect().right) + ' > ' + Math.round(m.right)); })()""",
    # A number or an id broken over two lines.
    "wrapped": """[...document.querySelectorAll('td.num, th.num, .id')].filter(el => {
        if (!el.textContent.trim()) return false;
        const r = document.createRange(); r.selectNodeContents(el);
        const tops = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
        return tops.size > 1;
    }).map(el => el.tagName + ': ' + el.textContent)""",
    # Every figure decoded and drawn.
    "images": """[...document.images]
        .filter(i => !(i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width > 0))
        .map(i => i.alt || i.src.slice(0, 40))""",
}


def layout_problems(page: Page, checks: tuple[str, ...] = tuple(LAYOUT_CHECKS)) -> dict[str, list[str]]:
    return {name: page.evaluate(LAYOUT_CHECKS[name]) for name in checks}
