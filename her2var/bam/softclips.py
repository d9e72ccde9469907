"""Soft clips turned into inserted sequence.

Reads whose alignment stops at one position and whose clipped tails agree are made into a
consensus (column majority, stopping where the reads disagree). A right-clip consensus that
rejoins the reference at the clip point after j bases holds a j-base insertion; a left-clip
consensus likewise from the other side. When neither reaches the reference again (the insertion
is longer than the reads hold), the right and left consensuses are joined by their overlap.
"""

from __future__ import annotations

from .reads import Event, LocalReference

MIN_DISCOVERY_READS = 2  # reads that must agree on a clipped base
MIN_MATCH = 10  # reference bases a clip consensus must match to place an insertion
MIN_OVERLAP = 10  # overlap needed to join a right- and a left-clip consensus
AGREEMENT = 0.7  # fraction of clipped reads that must agree on a base


def consensus(seqs: list[str], from_end: bool) -> str:
    """Column majority of clipped tails, aligned at the clip point; stops where reads disagree."""
    if from_end:
        seqs = [s[::-1] for s in seqs]
    out = []
    for k in range(max(len(s) for s in seqs)):
        col = [s[k] for s in seqs if k < len(s) and s[k] != "N"]
        if len(col) < MIN_DISCOVERY_READS:
            break
        best = max("ACGT", key=col.count)
        n = col.count(best)
        if n < MIN_DISCOVERY_READS or n < AGREEMENT * len(col):
            break
        out.append(best)
    text = "".join(out)
    return text[::-1] if from_end else text


def _match(a: str, b: str) -> bool:
    return len(a) == len(b) and "N" not in b and a == b


def from_right_clip(x: int, cons: str, local: LocalReference) -> Event | None:
    """Reads aligned up to x-1 continue with cons: find where cons rejoins the reference at x."""
    for j in range(1, len(cons) - MIN_MATCH + 1):
        m = min(len(cons) - j, 30)
        if _match(cons[j:j + m], local.get(x, x + m)):
            return (x, "", cons[:j])
    return None


def from_left_clip(y: int, cons: str, local: LocalReference) -> Event | None:
    """Reads aligned from y are preceded by cons: find where cons leaves the reference before y."""
    n = len(cons)
    for j in range(1, n - MIN_MATCH + 1):
        m = min(n - j, 30)
        if _match(cons[n - j - m:n - j], local.get(y - m, y)):
            return (y, "", cons[n - j:])
    return None


def join(x: int, right: str, y: int, left: str, local: LocalReference) -> Event | None:
    """An insertion longer than the reads: right-clip consensus (after x) overlapping the
    left-clip consensus (before y)."""
    for o in range(min(len(right), len(left)), MIN_OVERLAP - 1, -1):
        if right[-o:] == left[:o]:
            middle = right + left[o:]
            if x <= y:
                return (x, local.get(x, y), middle)
            return (y, "", local.get(y, x) + middle)
    return None
