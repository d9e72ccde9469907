"""Evidence straight from aligned reads (BAM/CRAM), in pipeline order.

alignments -> targets -> coverage -> pon (panel of normals) -> copynumber
           -> reads -> softclips / support -> insertions -> evidence

``alignments`` opens a file and checks its index and genome build; ``targets`` reads the BED and
its checksum; ``coverage`` sums filtered read depth per target; ``pon`` builds and reads the panel
of normals; ``copynumber`` turns a tumour's depth into ERBB2 copy number with an interval;
``reads`` holds the reads and reference of exon 20, ``softclips`` recovers inserted sequence from
clipped reads, ``support`` counts reads per candidate and ``insertions`` puts the exon 20 scan
together; ``evidence`` is the one entry point classify calls. ``command`` holds the
``her2var pon`` command group. Nothing here is imported at start-up.
"""
