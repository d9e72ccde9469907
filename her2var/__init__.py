"""her2var: ERBB2 (HER2) alterations in lung tumour sequencing, from VCF/BAM to cohort statistics.

Stages, data flowing one way:
  read (vcf, copynumber) -> normalise and name (transcript, naming) -> classify (classify)
  -> merge with clinical records (cohort) -> analyse and report (analysis, report).
"""

__version__ = "0.1.0"
