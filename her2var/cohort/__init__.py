"""The cohort stage: classify results joined to clinical records, one row per patient.

Modules in the order data flows through them:
  rules.py      clinical.yaml (columns, synonyms, spellings, date formats, sample choice) and
                regimens.yaml (drug -> class), checked strictly
  tables.py     CSV / TSV / Excel read into header + rows, with clear errors for bad files
  clinical.py   columns found by synonym, values typed, problems collected (problems.py)
  dates.py      the file's one date format; dates against each other, today and the cut-off
  calls.py      classify results from an --out folder, a calls.tsv or the store; samples sheet
  derive.py     PFS/OS, regimen, HER2 status, which sample stands for a patient
  tested.py     co-driver columns: the events, "no" (tested, none found) or "not tested"
  build.py      build_cohort(): all of the above -> CohortResult
  export.py     cohort.tsv (+ problems, conflicts), Excel, Parquet, pseudonyms; all or nothing
  cbioportal.py a cBioPortal study folder (cbioportal_events.py: MAF and SV rows, events placed
                on the study's build with liftover.py: offsets derived from the rules' coordinates)
  command.py    the `her2var cohort` click command
"""
