#!/usr/bin/env python3
"""Write the co-drivers' whole coding sequences into rules/codrivers.yaml (``cds_pieces``).

Source: the verified RefSeq coding sequences of the shared reference folder
(``reference/sequences/``: KRAS NM_004985.5, EGFR NM_005228, BRAF NM_004333.6, MET NM_000245;
their SOURCES.md says where each came from and how it was checked). With the whole CDS in the
rules every codon of a modelled gene is known without a FASTA, so a silent change is named as
synonymous (p.D173=) instead of being taken for a coding change at an unknown residue.

Each sequence is checked before it is written: its length is the rules' ``cds_length``, it
translates to the RefSeq protein of the same folder followed by one stop, and every piece the
rules held before is the same bases at the same place. Re-running the script changes nothing.

Usage: python scripts/build_codriver_cds.py [SEQUENCES_DIR]   (default: ../shared/reference/sequences)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "codrivers.yaml"
DEFAULT = ROOT.parent / "shared" / "reference" / "sequences"
SOURCES = {  # gene: (coding sequence file, protein file)
    "KRAS": ("KRAS_NM_004985.5.CDS.fa", "KRAS_NP_004976.2.protein.fa"),
    "EGFR": ("EGFR_NM_005228.CDS.fa", "EGFR_NP_005219.2.protein.fa"),
    "BRAF": ("BRAF_NM_004333.6.CDS.fa", "BRAF_NP_004324.2.protein.fa"),
    "MET": ("MET_NM_000245.CDS.fa", "MET_NP_000236.2.protein.fa"),
}
BASES = "TCAG"
AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
CODONS = {a + b + c: AMINO[16 * i + 4 * j + k]
          for i, a in enumerate(BASES) for j, b in enumerate(BASES) for k, c in enumerate(BASES)}


def fasta(path: Path) -> str:
    return "".join(line.strip() for line in path.read_text().splitlines() if not line.startswith(">")).upper()


def translate(cds: str) -> str:
    return "".join(CODONS[cds[i:i + 3]] for i in range(0, len(cds), 3))


def checked_cds(gene: str, folder: Path, rules: dict) -> str:
    cds_file, protein_file = SOURCES[gene]
    cds, protein = fasta(folder / cds_file), fasta(folder / protein_file)
    g = rules["genes"][gene]
    if len(cds) != g["cds_length"]:
        sys.exit(f"{gene}: {cds_file} has {len(cds)} nt, the rules' cds_length is {g['cds_length']}")
    if translate(cds) != protein + "*":
        sys.exit(f"{gene}: {cds_file} does not translate to {protein_file} and one stop")
    for piece in g.get("cds_pieces", []):
        start, seq = piece["c_start"], piece["sequence"].upper()
        if cds[start - 1:start - 1 + len(seq)] != seq:
            sys.exit(f"{gene}: the rules' piece at c.{start} differs from {cds_file}")
    return cds


def replace_pieces(text: str, gene: str, cds: str) -> str:
    """The gene's ``cds_pieces`` block (added after ``cds_length`` when missing) becomes one piece."""
    block = re.search(rf"^  {gene}:\n(?:^(?:    |\s*$).*\n?)*", text, re.M)
    if block is None:
        sys.exit(f"{gene}: not found in {RULES}")
    body = block.group(0)
    piece = f"    cds_pieces:\n      - c_start: 1\n        sequence: {cds}\n"
    old = re.search(r"^    cds_pieces:\n(?:^      .*\n)*", body, re.M)
    if old is not None:
        new_body = body[:old.start()] + piece + body[old.end():]
    else:
        length = re.search(r"^    cds_length: .*\n", body, re.M)
        if length is None:
            sys.exit(f"{gene}: no cds_length line")
        new_body = body[:length.end()] + piece + body[length.end():]
    return text[:block.start()] + new_body + text[block.end():]


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else DEFAULT
    text = RULES.read_text()
    rules = yaml.safe_load(text)
    for gene in SOURCES:
        text = replace_pieces(text, gene, checked_cds(gene, folder, rules))
    after = yaml.safe_load(text)
    for gene in SOURCES:
        assert after["genes"][gene]["cds_pieces"] == [{"c_start": 1, "sequence": checked_cds(gene, folder, rules)}]
    RULES.write_text(text)
    print(f"wrote the coding sequences of {', '.join(SOURCES)} into {RULES}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
