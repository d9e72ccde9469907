"""Reading cohort.tsv: every cell as text with its spaces trimmed, an empty cell as None, blank
rows skipped; the columns are those of the file, whatever its size."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from her2var.analysis.data import read_cohort
from her2var.errors import InputError


def _by_columns(path: Path, delimiter: str) -> dict[str, list[str | None]]:
    """The columns read the plain way, cell by cell, as the definition to compare with."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter=delimiter,
                               quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL))
    header, body = [h.strip() for h in rows[0]], [r for r in rows[1:] if any(c.strip() for c in r)]
    return {h: [r[j].strip() or None for r in body] for j, h in enumerate(header)}


@pytest.mark.parametrize("n", [1, 7, 3000])
@pytest.mark.parametrize("suffix", [".tsv", ".csv"])
def test_cells_are_trimmed_text_and_empty_cells_none(tmp_path: Path, n: int, suffix: str) -> None:
    rng = np.random.default_rng(n)
    sep = "\t" if suffix == ".tsv" else ","
    pool = ["yes", " no ", "", "  ", "NA", "12.5", " exon20_insertion;amplification", "not tested", "\u00e9 "]
    lines = [sep.join(["patient_id", " age ", "sex", "note"])]
    for i in range(n):
        lines.append(sep.join([f"P{i}", *(pool[k] for k in rng.integers(0, len(pool), 3))]))
        if i % 5 == 2:
            lines.append(sep.join(["", " ", "", ""]) if i % 2 else "")  # blank rows, skipped
    path = tmp_path / f"cohort{suffix}"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    table = read_cohort(str(path))
    want = _by_columns(path, sep)
    assert table.columns == list(want)
    assert table.n == n
    for col, values in want.items():
        got = table.cells[col]
        assert got.dtype == object and got.shape == (n,) and got.flags.c_contiguous
        assert got.tolist() == values, col
    # line numbers of the patients' rows in the file (blank rows counted, header on line 1)
    assert table.lines[0] == 2
    assert len(set(table.lines.tolist())) == n and all(np.diff(table.lines) >= 1)


def test_a_row_with_another_number_of_fields_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "cohort.tsv"
    path.write_text("patient_id\tage\nP1\t50\n\t\t\t\nP2\t61\textra\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"cohort\.tsv:4: 3 fields but the header has 2"):
        read_cohort(str(path))
