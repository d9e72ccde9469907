"""Fisher's exact test for r×c tables, exact (not Monte Carlo), with R's p-value rule.

p = sum of the probabilities of all tables with the observed margins that are at most as likely
as the observed one, as ``stats::fisher.test`` counts them: for 2×2 tables P <= P(observed)·(1 +
1e-7), for larger ones (R's FEXACT) log P <= log P(observed) + 3.45254e-7; the slack absorbs
rounding so that tables as likely as the observed one count.

How (the idea of Mehta & Patel's network algorithm, as in FEXACT): tables are built one column
at a time, smallest column first. After some columns are filled, all that matters for the rest
is the multiset of remaining row sums (a "node"), so partial tables reaching the same node are
pooled, and partial tables whose weight agrees to ~1e-10 are merged. Each node carries bounds on
the largest and smallest weight its completions can add: exact for nodes with two columns left
(``_two_column_bounds``), from relaxations before (``_relaxed_bounds``). A partial table whose
every completion lies under the threshold adds the closed-form total of its completions at once
(for all the splits of a node in one binary search over splits sorted by their bound); one whose
every completion lies over it is dropped; only the rest are extended, and only the nodes they
reach are expanded. With two columns left, a node's completions are sorted by weight once and
each partial table needs one binary search (``_last_two_columns``). Past the work limits the
test is refused (FisherTooLarge), never approximated.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import gammaln

from her2var.errors import InputError

REL_ERR = 1.0 + 1e-7  # R's fisher.test, 2x2 tables
FEXACT_TOL = 3.45254e-7  # R's FEXACT (larger tables): added to log P(observed)
# Past weights that agree to this many decimals (in log units) are merged.
MERGE_DECIMALS = 10
# Work limits (on this code about 20 s and 1.5 GB at most); past them the test is refused, never
# approximated. R's fisher.test needs workspace = 2e8 and up to half a minute for the largest
# tables inside them, and gives up (FEXACT error 6/7/30) on tables beyond.
MAX_PARTIAL_TABLES = 6_000_000  # open partial tables after one column step, pooled
MAX_COLUMN_SPLITS = 32_000_000  # column splits enumerated, in all
MAX_EXTENSIONS = 200_000_000  # open partial tables formed, in all
SPLIT_BATCH = 500_000  # column splits enumerated at once
POOL_EVERY = 2_000_000  # open partial tables gathered before they are pooled


class FisherTooLarge(InputError):
    """The exact enumeration would pass a work limit (MAX_*); collapse categories."""


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
    return _split_rows(total, np.asarray(caps)[None, :])[1]


def _split_rows(total: int, caps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every split of ``total`` under each row of ``caps`` (nodes by cells): (node of each split, splits)."""
    n, r = caps.shape
    owner = np.arange(n)
    rem = np.full(n, total, dtype=np.int64)
    rest = np.cumsum(caps[:, ::-1], axis=1)[:, ::-1]  # rest[:, i] = caps[:, i:].sum(axis=1)
    values, parents = [], []  # cell i's value in each partial split, and the partial split it extends
    for i in range(r):
        after = rest[owner, i + 1] if i + 1 < r else np.zeros(len(owner), dtype=np.int64)
        lo = np.maximum(0, rem - after)
        hi = np.minimum(rem, caps[owner, i])
        n_opts = np.maximum(hi - lo + 1, 0)
        src = np.repeat(np.arange(len(rem)), n_opts)
        x = lo[src] + np.arange(int(n_opts.sum())) - np.repeat(np.cumsum(n_opts) - n_opts, n_opts)
        values.append(x)
        parents.append(src)
        rem = rem[src] - x
        owner = owner[src]
    parts = np.empty((len(owner), r), dtype=np.int64)
    idx = np.arange(len(owner))
    for i in range(r - 1, -1, -1):
        parts[:, i] = values[i][idx]
        idx = parents[i][idx]
    return owner, parts


def _two_column_bounds(nodes: np.ndarray, a: int, lf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest and smallest weight of completing each node with two columns, the first of sum a.

    The weight -sum(log x_i! + log (R_i - x_i)!) is a sum of concave functions of the x_i, under
    sum(x) = a and 0 <= x_i <= R_i. Its maximum is reached by handing out the a units one at a
    time where the gain is largest (marginal allocation is optimal for separable concave sums);
    its minimum lies at a vertex of that polytope: every x_i at 0 or R_i except at most one.
    """
    n, r = nodes.shape
    rows = np.arange(n)
    x = np.zeros_like(nodes)
    with np.errstate(divide="ignore"):
        for _ in range(a):
            gain = np.where(x < nodes, np.log(nodes - x) - np.log(x + 1.0), -np.inf)
            x[rows, np.argmax(gain, axis=1)] += 1
    hi = -(lf[x].sum(axis=1) + lf[nodes - x].sum(axis=1))
    lo = np.full(n, np.inf)
    for free in range(r):
        others = [i for i in range(r) if i != free]
        for mask in range(1 << len(others)):
            full = [i for j, i in enumerate(others) if mask >> j & 1]
            rest = a - nodes[:, full].sum(axis=1)
            ok = (rest >= 0) & (rest <= nodes[:, free])
            if not ok.any():
                continue
            v = np.zeros_like(nodes)
            v[:, full] = nodes[:, full]
            v[:, free] = np.clip(rest, 0, nodes[:, free])
            w = -(lf[v].sum(axis=1) + lf[nodes - v].sum(axis=1))
            lo = np.where(ok, np.minimum(lo, w), lo)
    return hi, lo


def _split_bounds(totals: np.ndarray, caps: np.ndarray, lf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest and smallest -sum(log x_i!) over splits x of each total under its caps (items by cells).

    The sum is concave in x: its maximum comes from handing out units one at a time to the cell
    holding the fewest (below its cap), its minimum lies at a vertex (every cell at 0 or its cap
    but at most one).
    """
    n, d = caps.shape
    items = np.arange(n)
    x = np.zeros_like(caps)
    for step in range(int(totals.max(initial=0))):
        active = totals > step
        room = np.where(x < caps, x, np.iinfo(np.int64).max)
        x[items[active], np.argmin(room[active], axis=1)] += 1
    hi = -lf[x].sum(axis=1)
    lo = np.full(n, np.inf)
    for free in range(d):
        others = [i for i in range(d) if i != free]
        for mask in range(1 << len(others)):
            full = [i for j, i in enumerate(others) if mask >> j & 1]
            rest = totals - caps[:, full].sum(axis=1)
            ok = (rest >= 0) & (rest <= caps[:, free])
            if not ok.any():
                continue
            v = np.zeros_like(caps)
            v[:, full] = caps[:, full]
            v[:, free] = np.clip(rest, 0, caps[:, free])
            lo = np.where(ok, np.minimum(lo, -lf[v].sum(axis=1)), lo)
    return hi, lo


def _relaxed_bounds(nodes: np.ndarray, cols: tuple[int, ...], lf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (not exact) on the weight still to come at nodes with ``cols`` left.

    Dropping the row sums, each column may be split on its own; dropping the column sums, each
    row: either relaxation bounds the true largest weight from above and the smallest from below,
    and the tighter of the two is kept.
    """
    n, r = nodes.shape
    col_hi, col_lo = np.zeros(n), np.zeros(n)
    for c in cols:
        hi, lo = _split_bounds(np.full(n, c), nodes, lf)
        col_hi, col_lo = col_hi + hi, col_lo + lo
    caps = np.broadcast_to(np.array(cols, dtype=np.int64), (n * r, len(cols))).copy()
    hi, lo = _split_bounds(nodes.reshape(-1), caps, lf)
    row_hi, row_lo = hi.reshape(n, r).sum(axis=1), lo.reshape(n, r).sum(axis=1)
    return np.minimum(col_hi, row_hi), np.maximum(col_lo, row_lo)


class _Network:
    """Nodes (sorted remaining row sums, coded as integers) per column step, with bounds.

    Nodes and their splits (edges, stored per step as flat arrays with one slice per node) are
    enumerated for every node up to three columns before the end; those nodes get bounds from
    relaxations (``_relaxed_bounds``), earlier nodes by recursion over their edges. The splits
    of the third-to-last column are enumerated only for the nodes that partial tables reach
    (``open_last``); the nodes they lead to, with two columns left, get exact bounds
    (``_two_column_bounds``), and their own splits are searched, not listed (``_last_two_columns``).
    """

    def __init__(self, rows: tuple[int, ...], cols: tuple[int, ...], lf: np.ndarray) -> None:
        self.cols, self.lf, self.m = cols, lf, len(cols)
        self.base = sum(rows) + 1
        self.powers = self.base ** np.arange(len(rows), dtype=np.int64)
        root = np.array(sorted(rows), dtype=np.int64)
        self.nodes: list[np.ndarray] = [root[None, :]]  # stage k: row-sum vectors, sorted by code
        # stage k: node i's edges are ptr[k][i]:ptr[k][i + 1] of child[k] (index at stage k + 1),
        # weight[k] (of the column's split) and mult[k] (how many splits share child and weight)
        self.ptr: list[np.ndarray] = []
        self.child: list[np.ndarray] = []
        self.weight: list[np.ndarray] = []
        self.mult: list[np.ndarray] = []
        self.splits = 0
        self._log_all: dict[int, np.ndarray] = {}
        self.hi: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        if self.m == 2:
            hi, lo = _two_column_bounds(self.nodes[0], cols[0], lf)
        else:
            hi, lo = _relaxed_bounds(self.nodes[0], cols, lf)
        self.hi, self.lo = [hi], [lo]

    def log_all(self, k: int) -> np.ndarray:
        """log of the summed exp(weight) over every completion of each node at stage k: closed form."""
        if k not in self._log_all:
            lf = self.lf
            self._log_all[k] = (lf[sum(self.cols[k:])] - lf[self.nodes[k]].sum(axis=1)
                                - lf[list(self.cols[k:])].sum())
        return self._log_all[k]

    def open(self, k: int, reached: np.ndarray) -> None:
        """Enumerate the splits of column k for the ``reached`` nodes only, and bound the nodes
        they lead to: exactly with two columns left, else by relaxation."""
        self._expand(k, reached)
        if k + 1 == self.m - 2:
            hi, lo = _two_column_bounds(self.nodes[-1], self.cols[-2], self.lf)
        else:
            hi, lo = _relaxed_bounds(self.nodes[-1], self.cols[k + 1:], self.lf)
        self.hi.append(hi)
        self.lo.append(lo)

    def count_splits(self, n: int) -> None:
        self.splits += n
        if self.splits > MAX_COLUMN_SPLITS:
            raise FisherTooLarge(
                f"exact Fisher test on a {len(self.nodes[0][0])}x{self.m} table with n={self.base - 1} "
                f"needs more than {MAX_COLUMN_SPLITS} column splits; collapse sparse categories")

    def edges(self, k: int, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, b = self.ptr[k][i], self.ptr[k][i + 1]
        return self.child[k][a:b], self.weight[k][a:b], self.mult[k][a:b]

    def _expand(self, k: int, only: np.ndarray | None = None) -> None:
        nodes = self.nodes[k]
        which = np.arange(len(nodes)) if only is None else np.asarray(only)
        chunks = []
        # Nodes in batches, each with about SPLIT_BATCH splits, to bound the memory.
        sizes = np.array([_n_splits(self.cols[k], nodes[i]) for i in which], dtype=float)
        self.count_splits(int(sizes.sum()))
        edges_per_batch = np.cumsum(sizes) // SPLIT_BATCH
        for batch in np.unique(edges_per_batch):
            members = which[edges_per_batch == batch]
            owner, x = _split_rows(self.cols[k], nodes[members])
            owner = members[owner]
            child = np.sort(nodes[owner] - x, axis=1)
            weight = -self.lf[x].sum(axis=1)
            chunks.append((owner, child @ self.powers, weight, np.ones(len(owner))))
        owner = np.concatenate([c[0] for c in chunks])
        all_codes = np.concatenate([c[1] for c in chunks])
        codes = np.unique(all_codes)
        self.nodes.append((codes[:, None] // self.powers[None, :]) % self.base)  # the codes' digits
        self.child.append(np.searchsorted(codes, all_codes).astype(np.int32))
        self.weight.append(np.concatenate([c[2] for c in chunks]))
        self.mult.append(np.concatenate([c[3] for c in chunks]))
        self.ptr.append(np.searchsorted(owner, np.arange(len(nodes) + 1)))


def _pool(group: np.ndarray, weight: np.ndarray, count: np.ndarray, *extra: np.ndarray) -> tuple[np.ndarray, ...]:
    """Merge entries with the same ``group`` and ``weight`` (to MERGE_DECIMALS), adding ``count``.

    Returns (group, weight, count, *extra) sorted by group then weight; ``extra`` arrays, in
    which the group and weight decide the value, keep their first row. One sort on a packed
    integer key when group and rounded weight fit in 63 bits, else a two-key sort.
    """
    if len(group) == 0:
        return (group, weight, count, *extra)
    q = np.round(weight * 10.0**MERGE_DECIMALS)
    span = float(q.max() - q.min()) + 1.0
    bits = math.ceil(math.log2(span)) + max(int(group.max()), 1).bit_length()
    if bits <= 62:
        key = (group.astype(np.int64) << math.ceil(math.log2(span))) + (q - q.min()).astype(np.int64)
        order = np.argsort(key)
        key = key[order]
        new = np.ones(len(key), dtype=bool)
        new[1:] = key[1:] != key[:-1]
    else:
        order = np.lexsort((q, group))
        g, qq = group[order], q[order]
        new = np.ones(len(g), dtype=bool)
        new[1:] = (g[1:] != g[:-1]) | (qq[1:] != qq[:-1])
    idx = np.cumsum(new) - 1
    total = np.bincount(idx, weights=count[order])
    first = order[new]
    return (group[first], weight[first], total, *(e[first] for e in extra))


class _Pooled:
    """Partial tables of the next step, pooled (``_pool``) every POOL_EVERY additions to bound memory."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.size = 0

    def add(self, node: np.ndarray, weight: np.ndarray, count: np.ndarray) -> None:
        self.parts.append((node, weight, count))
        self.size += len(node)
        if self.size > POOL_EVERY:
            self.parts = [self.result()]
            self.size = len(self.parts[0][0])

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
        node, weight, count = (np.concatenate([p[i] for p in self.parts]) for i in range(3))
        node, weight, count = _pool(node, weight, count)
        return node, weight, count


def _n_splits(total: int, caps: np.ndarray) -> int:
    """How many splits of ``total`` fit under ``caps`` (inclusion-exclusion over the caps)."""
    r = len(caps)
    count = 0
    for mask in range(1 << r):
        over = total - sum(int(caps[i]) + 1 for i in range(r) if mask >> i & 1)
        if over >= 0:
            count += (-1) ** bin(mask).count("1") * math.comb(over + r - 1, r - 1)
    return count


def _extend(net: _Network, k: int, node: int, past: np.ndarray, count: np.ndarray, threshold: float,
            const: float) -> tuple[float, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Extend the partial tables at one node (weights ``past``) by every split of column k.

    Returns the p-value mass of the extensions whose every completion lies under the threshold
    (summed in closed form, never listed) and the extensions still open, in pieces of about
    POOL_EVERY: (child, weight, count). Edges are sorted by their best completion, so for a
    partial table of weight v the edges that are all in form a prefix (found by binary search,
    their mass a running sum) and the others a suffix; of those, the ones whose worst completion
    is over the threshold are dropped.
    """
    child, w, mult = net.edges(k, node)
    best = w + net.hi[k + 1][child]
    worst = w + net.lo[k + 1][child]
    order = np.argsort(best, kind="stable")
    child, w, mult, best, worst = child[order], w[order], mult[order], best[order], worst[order]
    mass = np.log(mult) + w + net.log_all(k + 1)[child]
    top = float(np.max(mass))
    running = np.cumsum(np.exp(mass - top))
    room = threshold - past
    j = np.searchsorted(best, room, side="right")
    hit = j > 0
    p = float(np.sum(count[hit] * np.exp(past[hit] + top + const) * running[j[hit] - 1])) if hit.any() else 0.0
    lens = len(w) - j
    pieces = []
    ends = np.cumsum(lens)
    cuts = np.searchsorted(ends, np.arange(POOL_EVERY, int(ends[-1]), POOL_EVERY), side="left")
    for a, b in zip(np.concatenate(([0], cuts)), np.concatenate((cuts, [len(past)])), strict=True):
        if b <= a:
            continue
        ln = lens[a:b]
        owner = a + np.repeat(np.arange(b - a), ln)
        edge = j[owner] + np.arange(int(ln.sum())) - np.repeat(np.cumsum(ln) - ln, ln)
        keep = worst[edge] <= room[owner]
        owner, edge = owner[keep], edge[keep]
        pieces.append((child[edge].astype(np.int64), past[owner] + w[edge], count[owner] * mult[edge]))
    return p, pieces


def _last_two_columns(net: _Network, node_i: np.ndarray, past: np.ndarray, count: np.ndarray,
                      threshold: float, const: float) -> float:
    """The p-value mass of open partial tables with two columns left, without enumerating them.

    The completions of a node (a split x of the next column; the last column is then R - x) are
    sorted by weight once, with running sums of their probability mass; each partial table then
    needs one binary search: the completions with weight <= threshold - its own weight count.
    """
    p = 0.0
    a = net.cols[-2]
    bounds = np.flatnonzero(np.diff(node_i)) + 1
    for lo_, hi_ in zip(np.append(0, bounds), np.append(bounds, len(node_i)), strict=True):
        node = net.nodes[-1][node_i[lo_]]
        x = _compositions(a, node)
        net.count_splits(len(x))
        full = np.sort(-(net.lf[x].sum(axis=1) + net.lf[node[None, :] - x].sum(axis=1)))
        top = float(full[-1])
        running = np.cumsum(np.exp(full - top))
        j = np.searchsorted(full, threshold - past[lo_:hi_], side="right")
        hit = j > 0
        if hit.any():
            p += float(np.sum(count[lo_:hi_][hit] * np.exp(past[lo_:hi_][hit] + top + const) * running[j[hit] - 1]))
    return p


def fisher_exact_rxc(table: Any) -> float:
    """Two-sided exact p-value of Fisher's test for any r×c table (R: ``fisher.test(x)$p.value``).

    All-zero rows and columns carry no information and are ignored; a table with fewer than two
    non-empty rows or columns gives p = 1. Raises FisherTooLarge past the work limits (MAX_*).
    """
    t = check_table(table)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return 1.0
    # R: 2x2 tables count those with P <= P(observed)·(1 + 1e-7); larger ones go to FEXACT, whose
    # threshold is log P(observed) + 3.45254e-7.
    slack = math.log(REL_ERR) if t.shape == (2, 2) else FEXACT_TOL
    if t.shape[0] > t.shape[1]:
        t = t.T  # the smaller dimension is split at each step: fewer nodes
    # Smaller columns first, as FEXACT: the early steps branch little, and the two largest columns
    # come last, where their splits are searched rather than enumerated (_last_two_columns).
    t = t[:, np.argsort(t.sum(axis=0), kind="stable")]
    rows = tuple(int(x) for x in t.sum(axis=1))
    cols = tuple(int(x) for x in t.sum(axis=0))
    total = sum(rows)
    if len(rows) * math.log(total + 1) > 43.0:  # node codes must fit in int64
        raise FisherTooLarge(f"exact Fisher test on a {t.shape[0]}x{t.shape[1]} table with n={total} "
                             "is too large to enumerate; collapse sparse categories and test again")
    lf = gammaln(np.arange(total + 2) + 1.0)  # lf[k] = log k!
    # log P(table) = const + weight(table), weight = -sum log x_ij!
    const = float(lf[list(rows)].sum() + lf[list(cols)].sum() - lf[total])
    threshold = float(-lf[t].sum()) + slack
    net = _Network(rows, cols, lf)
    if net.hi[0][0] <= threshold:
        return 1.0
    # Open partial tables at the current step: node index, weight so far, number of them.
    node_i, past, count = np.zeros(1, dtype=np.int64), np.zeros(1), np.ones(1)
    p = 0.0
    work = 0
    for k in range(net.m - 2):
        net.open(k, np.unique(node_i))
        nxt = _Pooled()
        # node_i is sorted (pooling sorts by node), so each node's tables are one slice.
        bounds = np.flatnonzero(np.diff(node_i)) + 1
        for lo_, hi_ in zip(np.append(0, bounds), np.append(bounds, len(node_i)), strict=True):
            p_node, pieces = _extend(net, k, int(node_i[lo_]), past[lo_:hi_], count[lo_:hi_], threshold, const)
            p += p_node
            for piece in pieces:
                work += len(piece[0])
                if work > MAX_EXTENSIONS:
                    raise FisherTooLarge(
                        f"exact Fisher test on a {t.shape[0]}x{t.shape[1]} table with n={total} needs more than "
                        f"{MAX_EXTENSIONS} table extensions; collapse sparse categories and test again")
                nxt.add(*piece)
        node_i, past, count = nxt.result()
        if len(node_i) == 0:
            return min(1.0, p)
        if len(node_i) > MAX_PARTIAL_TABLES:
            raise FisherTooLarge(
                f"exact Fisher test on a {t.shape[0]}x{t.shape[1]} table with n={total} needs more than "
                f"{MAX_PARTIAL_TABLES} partial tables; collapse sparse categories and test again")
    p += _last_two_columns(net, node_i, past, count, threshold, const)
    return min(1.0, p)
