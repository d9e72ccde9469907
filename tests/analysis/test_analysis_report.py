"""The analysis folder: results.json's contract, tables, figures, report.html (escaping, CSP, a
headless Chromium rendering), and all-or-nothing writing."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from her2var.analysis import report as report_mod
from her2var.analysis.run import analyze

ROOT = Path(__file__).resolve().parents[2]
COHORT = ROOT / "fixtures" / "analysis" / "cohort.tsv"
PLANS = ROOT / "rules" / "plans"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs "
                                    "Debian's 'chromium'; apt-get install -y chromium)")

CONTRACT = {
    "km": {"endpoint", "group_by", "group", "n", "events", "median", "ci_low", "ci_high", "ci_method"},
    "logrank": {"endpoint", "group_by", "subgroup", "chisq", "df", "p"},
    "cox": {"endpoint", "model", "term", "hr", "ci_low", "ci_high", "p", "n", "events"},
    "response": {"group_by", "group", "n", "orr", "orr_ci_low", "orr_ci_high", "dcr", "dcr_ci_low", "dcr_ci_high"},
    "response_tests": {"group_by", "measure", "test", "p"},
    "table1": {"variable", "test", "p"},
}


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("full") / "analysis"
    analyze(str(COHORT), "first-line-regimens", str(out))
    return out, json.loads((out / "results.json").read_text())


def test_results_json_has_the_contract_lists(full) -> None:
    _, res = full
    for name, fields in CONTRACT.items():
        assert res[name], name
        for rec in res[name]:
            assert fields <= set(rec), (name, fields - set(rec))
    assert {r["group_by"] for r in res["km"]} == {"all", "regimen", "regimen_group", "brain_mets"}
    assert {r["ci_method"] for r in res["km"]} == {"log"}
    assert {r["model"] for r in res["cox"]} == {"univariable", "multivariable"}
    assert res["provenance"]["input"]["sha256"] == __import__("hashlib").sha256(COHORT.read_bytes()).hexdigest()
    assert res["provenance"]["plan"]["name"] == "first-line-regimens"
    assert any("Holm" in m["text"] for m in res["methods"])
    assert any("all treated patients" in m["text"] for m in res["methods"])


def test_every_figure_is_written_in_every_default_format(full) -> None:
    from PIL import Image

    out, res = full
    kinds = {f["kind"] for f in res["figures"]}
    assert kinds == {"km", "forest", "response", "swimmer", "her2_classes"}
    assert sum(f["kind"] == "km" for f in res["figures"]) == 14  # 2 endpoints x 7 comparisons
    for f in res["figures"]:
        with Image.open(out / "figures" / f["png"]) as im:
            assert im.width >= 600 and im.height >= 400, f
            px = np.asarray(im.convert("RGB"))
        assert (px.reshape(-1, 3) != 255).any(axis=1).mean() > 0.02, f"{f['png']} is nearly blank"
        root = ET.parse(out / "figures" / f["svg"]).getroot()
        assert root.tag.endswith("svg")
        with open(out / "figures" / f["pdf"], "rb") as fh:
            assert fh.read(5) == b"%PDF-"
    assert res["plan"]["figure_style"]["formats"] == ["png", "svg", "pdf"]
    assert set(os.listdir(out / "figures")) == {f[k] for f in res["figures"] for k in ("png", "svg", "pdf")}


def test_tables_tsv_and_xlsx(full) -> None:
    from openpyxl import load_workbook

    out, res = full
    tsvs = sorted(p.stem for p in (out / "tables").glob("*.tsv"))
    assert tsvs == sorted(["flow", "table1", "table1_tests", "response", "response_tests", "km", "landmarks",
                           "logrank", "logrank_pairwise", "follow_up", "cox", "exclusions"])
    with open(out / "tables" / "km.tsv", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) == len(res["km"])
    ca = next(r for r in rows if r["group"] == "C+A" and r["subgroup"] == "" and r["endpoint"] == "pfs")
    assert ca["median"] == "" and ca["median_text"] == "NR (NR\u2013NR)"
    wb = load_workbook(out / "tables.xlsx", read_only=True)
    assert sorted(wb.sheetnames[:-1]) == tsvs and wb.sheetnames[-1] == "dictionary"
    with open(out / "tables" / "table1.tsv", newline="") as fh:
        t1 = list(csv.reader(fh, delimiter="\t"))
    assert t1[0][:3] == ["variable", "level", f"C (n = {res['cohort']['group_sizes']['C']})"]


def test_report_is_self_contained_with_a_strict_policy(full) -> None:
    out, res = full
    html = (out / "report.html").read_text()
    tags = _tags(html)
    csp = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src 'none'" in csp and "img-src data:" in csp
    assert "unsafe-inline" not in csp
    imgs = [a for t, a in tags if t == "img"]
    assert len(imgs) == len(res["figures"])
    assert all(a["src"].startswith("data:image/png;base64,") for a in imgs)
    assert not any(t in ("script", "link", "iframe", "object") for t, _ in tags)
    assert not re.search(r"(src|href)=\"(https?:|//)", html)
    for section in ("Table 1", "Response", "Progression-free survival", "Overall survival", "Cox", "Methods",
                    "Exclusions", "Provenance", "Median follow-up"):
        assert section in html, section
    assert res["provenance"]["input"]["sha256"] in html and res["provenance"]["plan"]["sha256"] in html


def test_style_hash_in_the_policy_matches_the_style_block(full) -> None:
    import base64
    import hashlib

    out, _ = full
    html = (out / "report.html").read_text()
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    csp = next(a["content"] for t, a in _tags(html) if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert f"style-src 'sha256-{digest}'" in csp


def test_exclusions_are_listed_with_reasons(full) -> None:
    out, res = full
    reasons = {(x["analysis"], x["reason"]) for x in res["exclusions"]}
    assert any(a == "all" and "not in the plan's population" in r for a, r in reasons)
    assert any(a == "grouping regimen" and "'ADC' is not among the plan's levels" in r for a, r in reasons)
    assert any(a == "pfs" and r.startswith("in_pfs = no (cohort: no first-line start date") for a, r in reasons)
    html = (out / "report.html").read_text()
    assert "is not among the plan&#39;s levels" in html


def test_a_rerun_replaces_the_earlier_analysis(tmp_path: Path) -> None:
    out = tmp_path / "a"
    analyze(str(COHORT), "alteration-groups", str(out), figures=False)
    analyze(str(COHORT), str(PLANS / "first-line-regimens.yaml"), str(out), figures=False)
    assert json.loads((out / "results.json").read_text())["plan"]["name"] == "first-line-regimens"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]


def test_a_failure_while_writing_leaves_nothing_half_written(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "a"
    analyze(str(COHORT), "alteration-groups", str(out), figures=False)
    before = (out / "results.json").read_bytes()

    def boom(*_a, **_k):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(report_mod, "render", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        analyze(str(COHORT), "first-line-regimens", str(out), figures=False)
    assert (out / "results.json").read_bytes() == before  # the earlier analysis is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]  # no temporary folder left
    with pytest.raises(RuntimeError):
        analyze(str(COHORT), "first-line-regimens", str(tmp_path / "b"), figures=False)
    assert not (tmp_path / "b").exists()


def test_overrides_change_methods_and_labels(tmp_path: Path) -> None:
    from her2var.analysis.plan import load_plan

    plan = load_plan("alteration-groups").with_overrides(median_ci="spss", adjust="BH", denominator="evaluable")
    analyze(str(COHORT), plan, str(tmp_path / "o"), figures=False)
    res = json.loads((tmp_path / "o" / "results.json").read_text())
    assert {r["ci_method"] for r in res["km"]} == {"spss"}
    assert {r["adjust"] for r in res["logrank_pairwise"]} == {"BH"}
    assert {r["denominator"] for r in res["response"]} == {"evaluable"}
    text = " ".join(m["text"] for m in res["methods"])
    assert "1.96" in text and "Benjamini" in text and "NE left out" in text


# ---------------------------------------------------------------------------------------------
# Hostile strings in the cohort and the plan
# ---------------------------------------------------------------------------------------------
SCRIPT = "<script>document.title='pwned'</script>"
ATTR = '" onload="document.title=1'
IMG = '"><img src=x onerror=alert(1)>'
DOLLAR = "C $x^2$ \\"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    with open(COHORT, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        cols, rows = list(reader.fieldnames), list(reader)
    for i, r in enumerate(rows):
        r["her2_classes"] = "exon20_insertion"
        if i % 4 == 0:
            r["regimen"] = SCRIPT
        elif i % 4 == 1:
            r["regimen"] = DOLLAR
        if i % 5 == 0:
            r["smoking"] = ATTR
    rows[3]["patient_id"] = IMG
    rows[3]["regimen"] = "not-a-level"
    with open(tmp / "cohort.tsv", "w", encoding="utf-8") as fh:
        fh.write("\t".join(cols) + "\n")
        for r in rows:
            fh.write("\t".join(r[c] for c in cols) + "\n")
    text = (PLANS / "first-line-regimens.yaml").read_text()
    text = text.replace("levels: [C, I, TKI, C+I, C+A, C+I+A]", f"levels: {json.dumps(['C', SCRIPT, DOLLAR, 'TKI'])}")
    text = text.replace("title: HER2-mutant NSCLC by first-line regimen", f"title: {json.dumps('Title ' + SCRIPT)}")
    text = text.replace("type: categorical, levels: [never, former, current]}", "type: categorical}")
    (tmp / "plan.yaml").write_text(text)
    out = tmp / "out"
    analyze(str(tmp / "cohort.tsv"), str(tmp / "plan.yaml"), str(out))
    return out


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def _tags(html: str) -> list[tuple[str, dict]]:
    p = _Collect()
    p.feed(html)
    return p.tags


def test_hostile_strings_are_escaped_in_the_report(hostile: Path) -> None:
    html = (hostile / "report.html").read_text()
    tags = _tags(html)
    assert not any(t == "script" for t, _ in tags)
    assert not any(k.startswith("on") for _, a in tags for k in a), "an event-handler attribute got through"
    assert all(a["src"].startswith("data:image/png;base64,") for t, a in tags if t == "img")
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert "&#34; onload=&#34;document.title=1" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html.lower()


def test_hostile_strings_in_figures_tables_and_json(hostile: Path) -> None:
    from openpyxl import load_workbook

    res = json.loads((hostile / "results.json").read_text())
    assert {SCRIPT, DOLLAR} <= {r["group"] for r in res["km"]}
    for f in res["figures"]:
        root = ET.parse(hostile / "figures" / f["svg"]).getroot()  # well-formed: text was escaped
        assert not [el for el in root.iter() if el.tag.endswith("script")]
    svg = (hostile / "figures" / next(f["svg"] for f in res["figures"] if f["kind"] == "km")).read_text()
    assert "&lt;script&gt;" in svg and "$x^2$" in svg  # the dollar signs printed, not read as mathtext
    wb = load_workbook(hostile / "tables.xlsx")
    cells = [c for row in wb["exclusions"].iter_rows() for c in row if c.value and "img src" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)
    assert all(re.fullmatch(r"[a-z0-9_-]+\.(png|svg)", f[k]) for f in res["figures"] for k in ("png", "svg"))


# ---------------------------------------------------------------------------------------------
# Headless Chromium
# ---------------------------------------------------------------------------------------------
def chromium(html: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=0", *extra, html.as_uri()],
        capture_output=True, text=True, timeout=180)


def console_messages(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]


@needs_chromium
def test_report_renders_in_chromium_with_figures_and_no_console_errors(full, tmp_path: Path) -> None:
    from PIL import Image

    out, res = full
    dom = chromium(out / "report.html", tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    tags = _tags(dom.stdout)
    assert sum(t == "img" for t, _ in tags) == len(res["figures"])
    assert "Table 1: baseline characteristics" in dom.stdout
    shot = tmp_path / "shot.png"
    proc = chromium(out / "report.html", tmp_path, "--hide-scrollbars", "--window-size=1200,4000",
                    f"--screenshot={shot}")
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    assert console_messages(proc.stderr) == []
    with Image.open(shot) as im:
        px = np.asarray(im.convert("RGB")).reshape(-1, 3).astype(int)
    # The Okabe-Ito blue (#0072B2) of the figures is on the page: the images were decoded and drawn.
    blue = (np.abs(px - [0, 114, 178]).sum(axis=1) < 30).sum()
    assert blue > 2000, blue


@needs_chromium
def test_hostile_report_runs_nothing_in_chromium(hostile: Path, tmp_path: Path) -> None:
    dom = chromium(hostile / "report.html", tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    assert "<title>pwned" not in dom.stdout and "<title>1" not in dom.stdout
    tags = _tags(dom.stdout)
    assert not any(t == "script" for t, _ in tags)
    assert not any(k.startswith("on") for _, a in tags for k in a)


def test_figures_drawn_in_worker_processes_are_the_same_figures(tmp_path: Path) -> None:
    """Every figure file drawn by two workers (costliest first) is byte for byte the one drawn in
    this process, and the figure list keeps the report's order."""
    one = analyze(str(COHORT), "alteration-groups", str(tmp_path / "one"))
    two = analyze(str(COHORT), "alteration-groups", str(tmp_path / "two"), jobs=2)
    assert one.results["figures"] == two.results["figures"]
    for f in two.results["figures"]:
        assert (tmp_path / "two" / "figures" / f["png"]).stat().st_size > 10_000
    names = sorted(p.name for p in (tmp_path / "one" / "figures").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "two" / "figures").iterdir())
    assert len(names) == 3 * len(one.results["figures"]) >= 3 * 4  # png, svg, pdf; enough figures for workers
    for name in names:
        assert (tmp_path / "one" / "figures" / name).read_bytes() == (tmp_path / "two" / "figures" / name).read_bytes()


@pytest.mark.parametrize("checksums", [[], ["a" * 64], ["a" * 64, "b" * 64]], ids=["none", "one", "mixed"])
def test_results_and_report_name_the_rules_the_samples_were_classified_under(tmp_path: Path, checksums) -> None:
    with open(COHORT, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        cols, rows = list(reader.fieldnames), list(reader)
    if checksums:
        cols.append("rules_checksum")
        for i, r in enumerate(rows):
            r["rules_checksum"] = checksums[i % len(checksums)]
    cohort = tmp_path / "cohort.tsv"
    cohort.write_text("".join("\t".join(r[c] for c in cols) + "\n" for r in [dict(zip(cols, cols)), *rows]))
    out = tmp_path / "out"
    analyze(str(cohort), "alteration-groups", str(out), figures=False)
    res = json.loads((out / "results.json").read_text())
    assert res["rules_checksum"] == checksums
    html = (out / "report.html").read_text()
    for c in checksums:
        assert f"rules sha256 {c}" in html
    assert ("different rules" in html) is (len(checksums) > 1)
    assert ("not recorded in the cohort" in html) is (not checksums)
