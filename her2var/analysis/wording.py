"""Words shared by the figures, the tables and the report: labels inside a sentence, lists written
for a reader (never a Python list), and the label every output of a synthetic cohort carries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SYNTHETIC = "SYNTHETIC DATA"
SYNTHETIC_NOTE = "SYNTHETIC DATA: a seeded synthetic cohort (her2var demo); no real patient is described"


def lower_first(text: str) -> str:
    """A label inside a sentence: 'First-line regimen' -> 'first-line regimen', but 'HER2
    alteration', 'ECOG PS' and 'C+I' stay as they are (a second capital or no lower-case letter)."""
    return text[:1].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def listing(items: Iterable[Any], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = [str(x) for x in items]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def synthetic_title(text: str, synthetic: bool) -> str:
    """A title as shown: prefixed 'SYNTHETIC DATA – ' for a synthetic cohort."""
    return f"{SYNTHETIC} \u2013 {text}" if synthetic else text
