"""Fisher's exact test for r×c tables, exact (not Monte Carlo), with R's p-value rule.

p = sum of the probabilities of all tables with the observed margins whose probability is
<= P(observed)·(1 + 1e-7), as ``stats::fisher.test`` does (the factor absorbs rounding so that
tables as likely as the observed one count).

How: tables are built one column at a time. After some columns are filled, all that matters for
the rest is the multiset of remaining row sums (a "node"), so partial tables reaching the same
node are pooled, and partial tables whose weight agrees to ~1e-10 are merged. For each node the
largest and smallest possible weight of the remaining columns is known exactly (computed once,
by recursion over nodes). A partial table whose every completion lies under the threshold adds
the closed-form total of its completions at once; one whose every completion lies over it is
dropped; only the rest are expanded. This is the idea of Mehta & Patel's network algorithm.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import gammaln

from her2var.errors import InputError

REL_ERR = 1.0 + 1e-7
# Past weights that agree to this many decimals (in log units) are merged.
MERGE_DECIMALS = 10
# Work limits (about 1 GB of memory at worst); past them the test is refused, not approximated.
# R's fisher.test with its default workspace refuses such tables too (FEXACT error 6/7).
MAX_PARTIAL_TABLES = 2_000_000
MAX_COLUMN_SPLITS = 4_000_000
MAX_EXTENSIONS = 300_000_000  # partial table × column split pairs looked at, in all


class FisherTooLarge(InputError):
    """The exact enumeration would exceed MAX_PARTIAL_TABLES; collapse categories."""


def check_table(table: Any) -> np.ndarray:
    """A 2-d table of non-negative integer counts."""
    try:
        arr = np.asarray(table, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"contingency table: expected counts, found non-numeric values ({exc})") from exc
    if arr.ndim != 2:
        raise InputError(f"contingency table: expected 2 dimensions, found shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or (arr < 0).any() or (arr != np.round(arr)).any():
        raise InputError(f"contingency table: expected non-negative whole counts, found {arr.tolist()}")
    return arr.astype(np.int64)


def _compositions(total: int, caps: np.ndarray) -> np.ndarray:
    """Every split of ``total`` over len(caps) cells with cell i <= caps[i], one per row."""
    parts = np.zeros((1, 0), dtype=np.int64)
    rem = np.array([total], dtype=np.int64)
    for i, cap in enumerate(caps):
        rest = int(caps[i + 1:].sum())
        lo = np.maximum(0, rem - rest)
        hi = np.minimum(rem, cap)
        n_opts = hi - lo + 1
        src = np.repeat(np.arange(len(rem)), n_opts)
        offset = np.arange(int(n_opts.sum())) - np.repeat(np.cumsum(n_opts) - n_opts, n_opts)
        x = lo[src] + offset
        parts = np.column_stack([parts[src], x])
        rem = rem[src] - x
    return parts


class _Network:
    """Nodes (sorted remaining row sums, coded as integers) per column step, with exact bounds."""

    def __init__(self, rows: tuple[int, ...], cols: tuple[int, ...], lf: np.ndarray) -> None:
        self.cols, self.lf, self.m = cols, lf, len(cols)
        self.base = sum(rows) + 1
        self.powers = self.base ** np.arange(len(rows), dtype=np.int64)
        root = np.array(sorted(rows), dtype=np.int64)
        # stage k: sorted node codes, their row-sum vectors, (max, min) weight still to come
        self.codes: list[np.ndarray] = [np.array([int(root @ self.powers)])]
        self.nodes: list[np.ndarray] = [root[None, :]]
        # edges[k][i] = (child index at stage k+1, weight of the column, multiplicity)
        self.edges: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = []
        self.splits = 0
        for k in range(self.m - 1):
            self._expand(k)
        self.hi: list[np.ndarray] = [np.empty(0)] * self.m
        self.lo: list[np.ndarray] = [np.empty(0)] * self.m
        last = -lf[self.nodes[-1]].sum(axis=1)
        self.hi[-1], self.lo[-1] = last, last
        for k in range(self.m - 2, -1, -1):
            self.hi[k] = np.array([np.max(w + self.hi[k + 1][c]) for c, w, _ in self.edges[k]])
            self.lo[k] = np.array([np.min(w + self.lo[k + 1][c]) for c, w, _ in self.edges[k]])
        suffix = [sum(cols[k:]) for k in range(self.m)]
        # log of the summed exp(weight) over every completion of a node: closed form.
        self.log_all = [lf[suffix[k]] - lf[self.nodes[k]].sum(axis=1) - lf[list(cols[k:])].sum()
                        for k in range(self.m)]

    def _expand(self, k: int) -> None:
        raw = []
        for node in self.nodes[k]:
            x = _compositions(self.cols[k], node)
            self.splits += len(x)
            if self.splits > MAX_COLUMN_SPLITS:
                raise FisherTooLarge(
                    f"exact Fisher test on a {len(self.nodes[0][0])}x{self.m} table with n={self.base - 1} "
                    f"needs more than {MAX_COLUMN_SPLITS} column splits; collapse sparse categories")
            child = np.sort(node[None, :] - x, axis=1)
            weight = -self.lf[x].sum(axis=1)
            code = child @ self.powers
            # Splits reaching the same child with the same weight are one edge with a count.
            key = np.round(weight, MERGE_DECIMALS)
            order = np.lexsort((key, code))
            code, weight, key, child = code[order], weight[order], key[order], child[order]
            new = np.ones(len(code), dtype=bool)
            new[1:] = (code[1:] != code[:-1]) | (key[1:] != key[:-1])
            starts = np.flatnonzero(new)
            mult = np.diff(np.append(starts, len(code))).astype(float)
            raw.append((code[starts], weight[starts], mult, child[starts]))
        all_codes = np.concatenate([r[0] for r in raw])
        codes, first = np.unique(all_codes, return_index=True)
        self.codes.append(codes)
        self.nodes.append(np.concatenate([r[3] for r in raw])[first])
        self.edges.append([(np.searchsorted(codes, c), w, mu) for c, w, mu, _ in raw])


def fisher_exact_rxc(table: Any) -> float:
    """Two-sided exact p-value of Fisher's test for any r×c table (R: ``fisher.test(x)$p.value``).

    All-zero rows and columns carry no information and are ignored; a table with fewer than two
    non-empty rows or columns gives p = 1. Raises FisherTooLarge past MAX_PARTIAL_TABLES.
    """
    t = check_table(table)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return 1.0
    if t.shape[0] > t.shape[1]:
        t = t.T  # the smaller dimension is split at each step: fewer nodes
    # Larger columns first: their splits fix most of the table early.
    t = t[:, np.argsort(-t.sum(axis=0), kind="stable")]
    rows = tuple(int(x) for x in t.sum(axis=1))
    cols = tuple(int(x) for x in t.sum(axis=0))
    total = sum(rows)
    if len(rows) * math.log(total + 1) > 43.0:  # node codes must fit in int64
        raise FisherTooLarge(f"exact Fisher test on a {t.shape[0]}x{t.shape[1]} table with n={total} "
                             "is too large to enumerate; collapse sparse categories and test again")
    lf = gammaln(np.arange(total + 2) + 1.0)  # lf[k] = log k!
    # log P(table) = const + weight(table), weight = -sum log x_ij!
    const = float(lf[list(rows)].sum() + lf[list(cols)].sum() - lf[total])
    threshold = float(-lf[t].sum()) + math.log(REL_ERR)
    net = _Network(rows, cols, lf)
    if net.hi[0][0] <= threshold:
        return 1.0
    # Open partial tables at the current step: node index, weight so far, number of them.
    node_i, past, count = np.zeros(1, dtype=np.int64), np.zeros(1), np.ones(1)
    p = 0.0
    work = 0
    for k in range(net.m - 1):
        nxt_i, nxt_v, nxt_c = [], [], []
        # node_i is sorted (see the pooling below), so each node's tables are one slice.
        bounds = np.flatnonzero(np.diff(node_i)) + 1
        for lo_, hi_ in zip(np.append(0, bounds), np.append(bounds, len(node_i)), strict=True):
            child, w, mult = net.edges[k][node_i[lo_]]
            work += (hi_ - lo_) * len(w)
            if work > MAX_EXTENSIONS:
                raise FisherTooLarge(
                    f"exact Fisher test on a {t.shape[0]}x{t.shape[1]} table with n={total} needs more than "
                    f"{MAX_EXTENSIONS} table extensions; collapse sparse categories and test again")
            v = past[lo_:hi_][None, :] + w[:, None]
            c = count[lo_:hi_][None, :] * mult[:, None]
            ci = np.broadcast_to(child[:, None], v.shape)
            v, c, ci = v.ravel(), c.ravel(), ci.ravel()
            all_in = v + net.hi[k + 1][ci] <= threshold
            if all_in.any():
                p += float(np.sum(c[all_in] * np.exp(v[all_in] + net.log_all[k + 1][ci[all_in]] + const)))
            open_ = ~all_in & (v + net.lo[k + 1][ci] <= threshold)
            nxt_i.append(ci[open_])
            nxt_v.append(v[open_])
            nxt_c.append(c[open_])
        node_i, past, count = np.concatenate(nxt_i), np.concatenate(nxt_v), np.concatenate(nxt_c)
        if len(node_i) == 0:
            break
        # Pool partial tables at the same node with the same weight (up to rounding).
        key = np.round(past, MERGE_DECIMALS)
        order = np.lexsort((key, node_i))
        node_i, past, count, key = node_i[order], past[order], count[order], key[order]
        new = np.ones(len(key), dtype=bool)
        new[1:] = (node_i[1:] != node_i[:-1]) | (key[1:] != key[:-1])
        group = np.cumsum(new) - 1
        node_i, past = node_i[new], past[new]
        count = np.bincount(group, weights=count)  # type: ignore[assignment]  # float64 with weights; stub says int
        if len(node_i) > MAX_PARTIAL_TABLES:
            raise FisherTooLarge(
                f"exact Fisher test on a {t.shape[0]}x{t.shape[1]} table with n={total} needs more than "
                f"{MAX_PARTIAL_TABLES} partial tables; collapse sparse categories and test again")
    return min(1.0, p)
