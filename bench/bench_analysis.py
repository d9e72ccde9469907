"""Benchmark: `her2var analyze` on a large synthetic cohort with the full first-line-regimens plan.

    python bench/bench_analysis.py                 10,000 patients
    python bench/bench_analysis.py --patients 2000 a quick check
    python bench/bench_analysis.py -j 1            figures drawn one after the other (default: one
                                                   process per CPU, at most 4)
    python bench/bench_analysis.py --figure-format png   the PNGs only (the report's)
    python bench/bench_analysis.py --cold          as the first run after installing: no PDF font
                                                   subsets kept from earlier runs (her2var's cache empty)
    python bench/bench_analysis.py --pdf           report.pdf printed too (headless Chromium), as the
                                                   command line does by default when one is installed

Synthetic, seeded cohort (her2var.analysis.synthetic, numpy.random.default_rng) in the columns of
cohort.tsv. Two phases, each in its own process so that its peak memory (ru_maxrss) is its own:

  her2var  analyze(): reading, statistics, figures, tables, report (wall time per part, peak RSS)
  R        when Rscript is installed: the same statistics with R's survival and stats on the same
           file (KM with medians and landmarks, k-group and pairwise log-rank, reverse-KM follow-up,
           Clopper-Pearson, chi-square/Fisher, Mann-Whitney/Kruskal-Wallis, univariable and
           multivariable Cox), timed from the data in memory to the last number, as her2var's
           statistics part is. The k-group log-rank statistics of both are printed side by side.

Targets: whole analysis (10,000 patients, every figure) <= 5 s; statistics <= 2x R. Without --pdf the
report is written as HTML only (the library's default); printing it is Chromium's time, shown apart.

her2var runs as a user's installation does: its bytecode is compiled first and the child is started
without PYTHONDONTWRITEBYTECODE. On a shared machine the wall time says more about the other load
than about her2var: the CPU seconds of each process are printed too (on an idle machine the wall
time is about this process up to the statistics + the busiest worker's CPU + the report).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20261124
TARGET_TOTAL = 5.0
TARGET_RATIO = 2.0
# A user's installation has compiled bytecode; PYTHONDONTWRITEBYTECODE (a development setting)
# would have every run compile what it imports.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from her2var.analysis.plan import load_plan
from her2var.analysis.workers import figure_workers
plan = load_plan("first-line-regimens")
if {formats!r}:
    from her2var.analysis.figstyle import parse_formats
    plan = plan.with_figure_style({{"formats": (parse_formats({formats!r}, "--figure-format"), "--figure-format")}})
# as `her2var analyze` does: the figure workers start before the statistics' libraries are imported
with figure_workers(plan, {jobs}, figures={figures!r}) as workers:
    from her2var.analysis.run import analyze
    r = analyze({cohort!r}, plan, {out!r}, jobs={jobs}, figures={figures!r}, workers=workers, pdf={pdf!r})
    # CPU seconds of each worker (read before they stop): on a shared machine the wall time says
    # more about the other load than about her2var; the busiest worker's CPU plus this process's
    # is about the wall time on an idle one
    tick = os.sysconf("SC_CLK_TCK")
    pids = [p.pid for p in (workers.pool._processes or {{}}).values()] if workers is not None else []
    import multiprocessing.forkserver as fs
    server = [fs._forkserver._forkserver_pid] if pids and fs._forkserver._forkserver_pid else []
    worker_cpu = [sum(int(x) for x in open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()[11:13]) / tick
                  for pid in server + pids]
wall = time.perf_counter() - t0
lr = {{f"{{x['endpoint']}}/{{x['group_by']}}": x["chisq"] for x in r.results["logrank"] if x["subgroup"] is None}}
me = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"timings": r.timings, "wall_incl_imports": wall, "logrank": lr,
                  "maxrss_mb": me.ru_maxrss / 1024, "cpu": me.ru_utime + me.ru_stime, "worker_cpu": worker_cpu,
                  "figures": len(r.results["figures"])}}))
"""

R_SCRIPT = r"""
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
d <- read.delim(args[1], colClasses = "character", na.strings = "", quote = "", comment.char = "")
tok <- strsplit(ifelse(is.na(d$her2_classes), "", d$her2_classes), ";", fixed = TRUE)
d <- d[vapply(tok, function(t) any(t %in% c("exon20_insertion", "point_mutation", "inframe_deletion")), TRUE), ]
REG <- c("C", "I", "TKI", "C+I", "C+A", "C+I+A")
d$regimen[!(d$regimen %in% REG)] <- NA
d$ecog2 <- ifelse(d$ecog %in% c("0", "1"), "0-1", ifelse(is.na(d$ecog), NA, "2-4"))
d$smoking2 <- ifelse(d$smoking == "never", "never", "ever")
groupings <- list(regimen = list(col = "regimen", lv = REG),
                  regimen_group = list(col = "regimen_group", lv = c("single", "combination")),
                  brain_mets = list(col = "mets_brain", lv = c("yes", "no")))
table_test <- function(tab) {
  tab <- tab[rowSums(tab) > 0, colSums(tab) > 0, drop = FALSE]
  if (nrow(tab) < 2 || ncol(tab) < 2) return(NA)
  e <- outer(rowSums(tab), colSums(tab)) / sum(tab)
  if (min(e) >= 5) suppressWarnings(chisq.test(tab, correct = FALSE))$p.value else
    tryCatch(fisher.test(tab, workspace = 2e7)$p.value, error = function(err) NA)
}
km_block <- function(t, e, g, lv) {
  present <- lv[lv %in% g]
  f <- factor(g, levels = present)
  fit <- survfit(Surv(t, e) ~ f, conf.type = "log")
  tab <- summary(fit)$table
  for (i in seq_along(present)) {
    z <- fit[i]
    ok <- c(6, 12, 24)[c(6, 12, 24) <= max(z$time)]
    if (length(ok)) summary(z, times = ok)
  }
  chisq <- NA
  if (length(present) >= 2) chisq <- survdiff(Surv(t, e) ~ f)$chisq
  if (length(present) >= 3) {
    pairs <- combn(present, 2)
    p <- apply(pairs, 2, function(pr) { k <- g %in% pr
      pchisq(survdiff(Surv(t[k], e[k]) ~ factor(g[k], levels = pr))$chisq, 1, lower.tail = FALSE) })
    p.adjust(p, "holm")
  }
  chisq
}
ep <- list(pfs = c("pfs_months", "pfs_event", "in_pfs"), os = c("os_months", "os_event", "in_os"))
data <- lapply(ep, function(cols) { k <- d[[cols[3]]] %in% "yes"
  list(d = d[k, ], t = as.numeric(d[[cols[1]]][k]), e = as.numeric(d[[cols[2]]][k])) })

start <- proc.time()[["elapsed"]]
lr <- list()
for (name in names(data)) {
  x <- data[[name]]
  summary(survfit(Surv(x$t, x$e) ~ 1, conf.type = "log"))$table
  for (gn in names(groupings)) {
    g <- x$d[[groupings[[gn]]$col]]; k <- !is.na(g)
    lr[[paste0(name, "/", gn)]] <- km_block(x$t[k], x$e[k], g[k], groupings[[gn]]$lv)
  }
  for (bm in c("yes", "no")) for (gn in c("regimen", "regimen_group")) {
    g <- x$d[[groupings[[gn]]$col]]; k <- !is.na(g) & x$d$mets_brain %in% bm
    km_block(x$t[k], x$e[k], g[k], groupings[[gn]]$lv)
  }
  if (name == "os") {
    summary(survfit(Surv(x$t, 1 - x$e) ~ 1))$table
    for (gn in c("regimen", "regimen_group")) for (lv in groupings[[gn]]$lv) {
      k <- x$d[[groupings[[gn]]$col]] %in% lv
      if (any(k)) summary(survfit(Surv(x$t[k], 1 - x$e[k]) ~ 1))$table
    }
  }
  dd <- data.frame(time = x$t, event = x$e, age = as.numeric(x$d$age),
                   sex = factor(x$d$sex, levels = c("male", "female")),
                   smoking = factor(x$d$smoking2, levels = c("never", "ever")),
                   ecog = factor(x$d$ecog2, levels = c("0-1", "2-4")),
                   brain_mets = factor(x$d$mets_brain, levels = c("no", "yes")),
                   regimen_group = factor(x$d$regimen_group, levels = c("single", "combination")))
  for (v in c("age", "sex", "smoking", "ecog", "brain_mets", "regimen_group"))
    summary(coxph(as.formula(paste("Surv(time, event) ~", v)), data = dd, ties = "efron"))
  summary(coxph(Surv(time, event) ~ age + sex + smoking + ecog + brain_mets + regimen_group, data = dd,
                ties = "efron"))
}
r <- d[d$in_response %in% "yes" & !is.na(d$best_response), ]
for (gn in names(groupings)) {
  g <- r[[groupings[[gn]]$col]]; k <- !is.na(g)
  for (lv in groupings[[gn]]$lv) { x <- r$best_response[k & g %in% lv]
    if (length(x)) { binom.test(sum(x %in% c("CR", "PR")), length(x)); binom.test(sum(x %in% c("CR", "PR", "SD")), length(x)) } }
  hit <- r$best_response[k] %in% c("CR", "PR"); table_test(table(hit, g[k]))
  hit <- r$best_response[k] %in% c("CR", "PR", "SD"); table_test(table(hit, g[k]))
}
t1 <- d[!is.na(d$regimen), ]
kruskal.test(as.numeric(t1$age) ~ factor(t1$regimen))
for (v in c("sex", "smoking", "ecog2", "mets_brain")) table_test(table(t1[[v]], t1$regimen))
seconds <- proc.time()[["elapsed"]] - start
cat(toJSON(list(seconds = seconds, logrank = lr, survival = as.character(packageVersion("survival"))),
           auto_unbox = TRUE, digits = NA), "\n")
"""


def run_her2var(cohort: Path, out: Path, jobs: int | None, formats: str | None = None, figures: bool = True,
                pdf: bool = False, cold: Path | None = None) -> dict:
    """``cold``: a folder standing in for the user's cache, so that her2var keeps nothing from earlier
    runs (the PDF font subsets, the rules parsed; as on the first run after installing); matplotlib's
    own cache is the usual one."""
    code = CHILD.format(root=str(ROOT), cohort=str(cohort), out=str(out), jobs=jobs, formats=formats, figures=figures,
                        pdf=pdf)
    env = dict(ENV)
    if cold is not None:
        import matplotlib

        env.update(XDG_CACHE_HOME=str(cold), MPLCONFIGDIR=matplotlib.get_cachedir())
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "her2var")], check=True, env=ENV,
                   stdout=subprocess.DEVNULL)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"her2var analyze failed:\n{proc.stderr}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["process_wall"] = wall
    return res


def run_r(cohort: Path, tmp: Path) -> dict | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    script = tmp / "bench_analysis.R"
    script.write_text(R_SCRIPT)
    proc = subprocess.run([rscript, str(script), str(cohort)], capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"R failed (survival and jsonlite needed):\n{proc.stderr[-2000:]}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("-j", "--jobs", type=int, default=None,
                    help="processes drawing the figures (default: her2var's, one per CPU up to 4)")
    ap.add_argument("--figure-format", help="figure files besides the PNG (default: the plan's, png,svg,pdf)")
    ap.add_argument("--no-figures", action="store_true", help="statistics, tables and report only")
    ap.add_argument("--keep", help="keep the cohort and the analysis in this folder")
    ap.add_argument("--cold", action="store_true",
                    help="as the first run after installing: no PDF font subsets kept from earlier runs")
    ap.add_argument("--pdf", action="store_true",
                    help="print report.pdf too, as `her2var analyze` does when a headless Chromium is installed")
    a = ap.parse_args()
    from her2var.analysis.synthetic import synthetic_cohort, write_cohort_tsv

    with tempfile.TemporaryDirectory(prefix="her2var-bench-") as tmpdir:
        tmp = Path(a.keep) if a.keep else Path(tmpdir)
        tmp.mkdir(parents=True, exist_ok=True)
        cohort = tmp / "cohort.tsv"
        write_cohort_tsv(str(cohort), synthetic_cohort(a.patients, a.seed, nasty=True))
        print(f"cohort: {a.patients} synthetic patients (seed {a.seed}), {cohort.stat().st_size / 1e6:.1f} MB")
        from her2var.analysis.fontsubset import user_folder

        kept = user_folder()
        n_kept = 0 if a.cold or kept is None else sum(n.endswith(".subset") for n in os.listdir(kept))
        print(f"PDF font subsets kept from earlier runs: {n_kept}" + (" (--cold)" if a.cold else ""))
        cold = tmp / "cold-cache" if a.cold else None
        if cold is not None:
            shutil.rmtree(cold, ignore_errors=True)
        res = run_her2var(cohort, tmp / "analysis", a.jobs, a.figure_format, not a.no_figures, a.pdf, cold)
        t = res["timings"]
        jobs = "default" if a.jobs is None else a.jobs
        print(f"her2var analyze (first-line-regimens, -j {jobs}): {res['process_wall']:.1f} s wall for the "
              f"process ({t['total']:.1f} s in analyze), peak RSS {res['maxrss_mb']:.0f} MB, "
              f"{res['figures']} figures")
        print("  " + ", ".join(f"{k} {v:.2f} s" for k, v in t.items() if k != "total"))
        server, *drawing = res["worker_cpu"] or [None]
        workers = f", fork server {server:.2f} s, figure workers " + ", ".join(f"{c:.2f}" for c in drawing) + " s" \
            if drawing else ""
        print(f"  CPU: this process {res['cpu']:.2f} s{workers}"
              f" (load average {os.getloadavg()[0]:.2f})")
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        total_cpu = res["cpu"] + sum(res["worker_cpu"])
        print(f"  CPU of all processes {total_cpu:.2f} s: on {cpus} CPU(s) no less than {total_cpu / cpus:.2f} s wall")
        ok_total = res["process_wall"] <= TARGET_TOTAL
        formats = (a.figure_format or "the plan's formats") + (", report.pdf printed" if a.pdf else "")
        print(f"  whole analysis ({formats}): {res['process_wall']:.2f} s wall / {TARGET_TOTAL:.0f} s target = "
              f"{res['process_wall'] / TARGET_TOTAL:.2f}x (target <= {TARGET_TOTAL:.0f} s: "
              f"{'met' if ok_total else 'NOT met'})")
        r = run_r(cohort, tmp)
        if r is None:
            print("R: Rscript not installed; the statistics ratio is not measured")
            return
        ratio = t["statistics"] / r["seconds"] if r["seconds"] > 0 else float("inf")
        print(f"R (survival {r['survival']}): the same statistics in {r['seconds']:.2f} s")
        print(f"  statistics her2var/R = {t['statistics']:.2f} / {r['seconds']:.2f} = {ratio:.1f}x "
              f"(target <= {TARGET_RATIO:.0f}x: {'met' if ratio <= TARGET_RATIO else 'NOT met'})")
        for key, chisq in sorted(res["logrank"].items()):
            rv = r["logrank"].get(key)
            print(f"  log-rank chi-square {key}: her2var {chisq:.6f}  R {rv if rv is None else f'{rv:.6f}'}")


if __name__ == "__main__":
    main()
