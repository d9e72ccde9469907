"""``her2var analyze``: a real-world-evidence paper's tables and figures from a cohort table.

Stages, in the order data flows:
  plan       the analysis plan (YAML, strict): groupings, endpoints, subgroups, Table 1, Cox
  data       cohort.tsv read and checked against the plan; who is in which analysis and why not
  compute    every number, by calling :mod:`her2var.stats` (no statistics are re-implemented here)
  methods    the methods section, generated from the plan
  tables     the numbers as TSV tables and one XLSX workbook
  figures    Kaplan–Meier, forest, swimmer, response and HER2-class figures (PNG + SVG);
  draw       which figures a plan asks for (optionally drawn in worker processes)
  report     one self-contained report.html (Jinja2 template in ``templates/``)
  run        ``analyze()``: all of the above into a temporary folder, renamed into place at the end
  command    the click commands ``analyze`` and ``plans``
  synthetic  seeded synthetic cohorts for fixtures, the benchmark and demos

Nothing heavy (pandas, matplotlib) is imported at package import time.
"""
