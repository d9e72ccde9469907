"""``her2var analyze``: a real-world-evidence paper's tables and figures from a cohort table.

Stages, in the order data flows:
  plan       the analysis plan (YAML, strict): groupings, endpoints, subgroups, Table 1, Cox
  data       cohort.tsv read and checked against the plan; who is in which analysis and why not
  compute    every number, by calling :mod:`her2var.stats` (no statistics are re-implemented here)
  methods    the methods section, generated from the plan
  tables     the numbers as TSV tables and one XLSX workbook
  figstyle   how the figures look (formats, dpi, width, font, colours, KM axes): plan + options
  figures    Kaplan–Meier (fig_km), forest (fig_forest), swimmer (fig_swimmer), response and
             HER2-class figures, in PNG and the style's other formats (figbase: shared helpers)
  draw       which figures a plan asks for (optionally drawn in worker processes)
  dictionary what every column of the tables means (tables.xlsx's "dictionary" sheet)
  wording    labels inside sentences, lists in words, the synthetic-data label
  report     one self-contained report.html (Jinja2 template in ``templates/``)
  pdf        report.pdf, printed by a headless Chromium when one is installed
  run        ``analyze()``: all of the above into a temporary folder, renamed into place at the end
  command    the click commands ``analyze`` and ``plans``
  synthetic  seeded synthetic cohorts for fixtures, the benchmark and demos

Nothing heavy (pandas, matplotlib) is imported at package import time.
"""
