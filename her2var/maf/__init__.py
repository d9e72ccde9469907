"""maf: Mutation Annotation Format tables (GENIE, cBioPortal, GDC/TCGA, vcf2maf)."""
