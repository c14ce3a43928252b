"""Elimination order and program for the exact solve of the coupled potentials.

The coupling graph of a compartmental model is a forest of trees, sometimes
with loops added by gap junctions.  Eliminating leaves first creates no
fill-in on a tree (Hines' insight, found here from the graph rather than from
the section structure).  Leaves are peeled level by level with array
operations, so consecutive pivots rarely depend on each other (latency hiding)
and a model of a million compartments needs no per-node Python objects; what
the peeling cannot remove (loops, and whatever hangs between them) is ordered
by minimum degree, which adds the fill the loops need, and the program records
where that fill lives.  Components (cells not joined by anything) are
independent and are solved by different threads.

Densely coupled nodes (every cell joined to every other by gap junctions) would
fill in completely: eliminating n of them costs n^3/3 per step and n^3/3 of
program.  A node whose degree at its turn exceeds ``MAX_PIVOT_DEGREE`` is
therefore not eliminated; such nodes form the *core*, whose system (what is
left after eliminating everything else onto it) the solver hands to a
preconditioned Krylov method, and then back-substitutes the rest.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

#: Pivots of higher degree than this are left to the core's iterative solve (at least 1).
MAX_PIVOT_DEGREE = 64


@dataclass
class Program:
    """Arrays read by ``myr_solve`` (see csolver/solver.c)."""

    comp_ptr: np.ndarray
    order: np.ndarray
    up_ptr: np.ndarray
    up_node: np.ndarray
    up_kj: np.ndarray
    up_jk: np.ndarray
    fill_ptr: np.ndarray
    fill_q: np.ndarray
    fill_e: np.ndarray
    rows: np.ndarray      # row of every edge (including fill), sorted by (row, col)
    cols: np.ndarray
    core: np.ndarray      # unknowns left to the iterative solve, ascending
    comp_core: np.ndarray  # per component: 1 if it has core unknowns
    core_ptr: np.ndarray  # CSR of the core system's off-diagonal entries, by core position
    core_col: np.ndarray  # column as a core position
    core_edge: np.ndarray  # the entry's edge number (position in rows/cols)


@dataclass
class _Graph:
    """Symmetric adjacency without self-loops or duplicates, as CSR; ``key`` = row * n + col, sorted."""

    n: int
    indptr: np.ndarray
    indices: np.ndarray
    key: np.ndarray

    @classmethod
    def of(cls, n: int, rows: np.ndarray, cols: np.ndarray) -> "_Graph":
        m = max(n, 1)
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        keep = rows != cols
        rows, cols = rows[keep], cols[keep]
        key = np.concatenate([rows * m + cols, cols * m + rows])
        del rows, cols, keep
        key.sort()
        key = key[np.concatenate([[True], key[1:] != key[:-1]])] if len(key) else key
        indptr = np.searchsorted(key, np.arange(n + 1, dtype=np.int64) * m)
        return cls(n, indptr, (key % m).astype(np.int32), key)

    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """(owner, neighbour) for every edge, by owner: ``neighbours`` of all nodes."""
        return np.repeat(np.arange(self.n, dtype=np.int32), self.degree()), self.indices

    def neighbours(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(owner, neighbour) for every edge out of ``nodes``."""
        counts = self.indptr[nodes + 1] - self.indptr[nodes]
        owner = np.repeat(nodes, counts)
        starts = np.repeat(self.indptr[nodes] - np.cumsum(counts) + counts, counts)
        return owner, self.indices[np.arange(len(owner)) + starts]

    def components(self) -> np.ndarray:
        """Component label of every node, numbered by first node: hook each
        edge's larger label onto the smaller, then jump pointers, until every
        edge joins equal labels (a few rounds, arrays only)."""
        a, b = self.edges()
        label = np.arange(self.n)
        while True:
            low = np.minimum(label[a], label[b])
            np.minimum.at(label, label[a], low)
            np.minimum.at(label, label[b], low)
            while True:
                jumped = label[label]
                if np.array_equal(jumped, label):
                    break
                label = jumped
            if np.array_equal(label[a], label[b]):
                break
        return np.unique(label, return_inverse=True)[1].reshape(-1)

    def sets(self, nodes) -> dict[int, set]:
        """Adjacency restricted to ``nodes`` as Python sets (for the few nodes that need fill)."""
        inside = np.zeros(self.n, dtype=bool)
        inside[nodes] = True
        return {v: {w for w in self.indices[self.indptr[v]:self.indptr[v + 1]].tolist() if inside[w]}
                for v in np.asarray(nodes).tolist()}


def _peel(g: _Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eliminate leaves level by level.  Returns the peeled nodes in
    elimination order, each one's remaining neighbour (-1: none), and the
    mask of nodes left (every one has degree >= 2 among themselves)."""
    deg = g.degree().copy()
    nbr_sum = np.zeros(g.n, dtype=np.int64)          # the lone neighbour of a degree-1 node
    owner, nbr = g.edges()
    np.add.at(nbr_sum, owner, nbr)
    alive = np.ones(g.n, dtype=bool)
    order, parent = [], []
    frontier = np.flatnonzero(deg <= 1)
    while len(frontier):
        up = np.where(deg[frontier] == 1, nbr_sum[frontier], -1)
        position = np.full(g.n, -1, dtype=np.int64)
        position[frontier] = np.arange(len(frontier))
        # an edge between two leaves of one level: the first eliminated keeps it
        both = (up >= 0) & (position[np.maximum(up, 0)] >= 0)
        up[both & (position[np.maximum(up, 0)] < np.arange(len(frontier)))] = -1
        order.append(frontier)
        parent.append(up)
        alive[frontier] = False
        owner, nbr = g.neighbours(frontier)
        live = alive[nbr]
        np.subtract.at(deg, nbr[live], 1)
        np.subtract.at(nbr_sum, nbr[live], owner[live])
        touched = np.unique(nbr[live])
        frontier = touched[deg[touched] <= 1]
    cat = (lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64))
    return cat(order), cat(parent), alive


def _eliminate(v: int, work: dict, pivots: list, fill: list) -> list[int]:
    """Eliminate v from the graph: record it, join its neighbours (fill-in)."""
    nbrs = sorted(work[v])
    pivots.append((v, nbrs))
    for a in nbrs:
        work[a].discard(v)
    for x, a in enumerate(nbrs):
        for b in nbrs[x + 1:]:
            if b not in work[a]:
                work[a].add(b)
                work[b].add(a)
                fill.append((a, b))
    return nbrs


def _minimum_degree(work: dict):
    """Pivots (node, remaining neighbours) in minimum-degree order (first come
    first served among equals), the fill edges, and the core (what remains once
    every degree exceeds MAX_PIVOT_DEGREE)."""
    heap = [(len(work[v]), v, v) for v in sorted(work)]
    heapq.heapify(heap)
    seq = len(heap) and max(work) + 1
    done: set[int] = set()
    pivots: list[tuple[int, list[int]]] = []
    fill: list[tuple[int, int]] = []
    while heap:
        deg, _, v = heapq.heappop(heap)
        if v in done or deg != len(work[v]):
            continue
        if deg > MAX_PIVOT_DEGREE:
            break
        done.add(v)
        for a in _eliminate(v, work, pivots, fill):
            heapq.heappush(heap, (len(work[a]), seq, a))
            seq += 1
    return pivots, fill, sorted(set(work) - done)


def _symbolic(order, work: dict):
    """Pivots (node, remaining neighbours) for a given order, the fill edges it
    creates, and the core: the nodes whose degree exceeds MAX_PIVOT_DEGREE at their turn."""
    pivots: list[tuple[int, list[int]]] = []
    fill: list[tuple[int, int]] = []
    core = []
    for v in order:
        if len(work[v]) > MAX_PIVOT_DEGREE:
            core.append(v)
        else:
            _eliminate(v, work, pivots, fill)
    return pivots, fill, sorted(core)


def elimination_rank(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Position of every node in the elimination order, components kept together.

    Numbering nodes by this rank makes the solve walk memory in order, as
    NEURON's cache-efficient mode does.
    """
    g = _Graph.of(n, rows, cols)
    peeled, _, rest = _peel(g)
    pivots, _, core = _minimum_degree(g.sets(np.flatnonzero(rest)))
    sequence = np.concatenate([peeled, np.array([p[0] for p in pivots] + core, dtype=np.int64)])
    comp = g.components()
    rank = np.empty(n, dtype=np.int64)
    rank[sequence[np.argsort(comp[sequence], kind="stable")]] = np.arange(n)
    return rank


def _needs_fill(g: _Graph, priority: np.ndarray) -> np.ndarray:
    """Nodes whose elimination in ``priority`` order may create or meet fill:
    those with two or more later neighbours, and every later neighbour of such
    a node, transitively.  The others have at most one neighbour left at their turn."""
    owner, nbr = g.edges()
    later = priority[nbr] > priority[owner]
    marked = np.bincount(owner[later], minlength=g.n) >= 2
    del owner, nbr, later
    frontier = np.flatnonzero(marked)
    while len(frontier):
        o, w = g.neighbours(frontier)
        grow = w[(priority[w] > priority[o]) & ~marked[w]]
        marked[grow] = True
        frontier = np.unique(grow)
    return marked


def build_program(n: int, rows: np.ndarray, cols: np.ndarray, priority: np.ndarray) -> Program:
    """Elimination program for ``n`` unknowns coupled by edges (rows[i], cols[i]),
    eliminated in increasing ``priority`` (grouped by component; any order is
    exact, a poor one only adds fill)."""
    g = _Graph.of(n, rows, cols)
    priority = np.asarray(priority, dtype=np.float64)
    comp = g.components()
    marked = _needs_fill(g, priority)
    simple = np.flatnonzero(~marked)
    owner, nbr = g.neighbours(simple)
    later = priority[nbr] > priority[owner]
    parent = np.full(n, -1, dtype=np.int64)
    parent[owner[later]] = nbr[later]
    del owner, nbr, later
    hard = np.flatnonzero(marked)
    hard_pivots, fill, core = _symbolic(hard[np.argsort(priority[hard], kind="stable")].tolist(), g.sets(hard))

    keys = g.key
    if fill:
        a, b = np.array(fill, dtype=np.int64).T
        keys = np.union1d(keys, np.concatenate([a * max(n, 1) + b, b * max(n, 1) + a]))

    def edge(i, j):
        return np.searchsorted(keys, np.asarray(i, dtype=np.int64) * max(n, 1) + j)

    core_arr = np.asarray(core, dtype=np.int64)
    pivot_nodes = np.concatenate([simple, np.array([p[0] for p in hard_pivots], dtype=np.int64)])
    pivot_nodes = pivot_nodes[np.lexsort((priority[pivot_nodes], comp[pivot_nodes]))]
    n_comp = int(comp.max()) + 1 if n else 0
    comp_ptr = np.searchsorted(comp[pivot_nodes], np.arange(n_comp + 1))

    nbr_lists = {v: nbrs for v, nbrs in hard_pivots}
    ups = np.where(parent[pivot_nodes] >= 0, 1, 0)
    for p in np.flatnonzero(marked[pivot_nodes]):
        ups[p] = len(nbr_lists[int(pivot_nodes[p])])
    up_ptr = np.concatenate([[0], np.cumsum(ups)])
    up_node = np.zeros(int(up_ptr[-1]), dtype=np.int64)
    plain = np.flatnonzero(~marked[pivot_nodes] & (ups == 1))
    up_node[up_ptr[plain]] = parent[pivot_nodes[plain]]
    up_owner = np.repeat(pivot_nodes, ups)
    fill_counts = np.zeros(len(up_node), dtype=np.int64)
    fill_q, fill_e = [], []
    for p in np.flatnonzero(marked[pivot_nodes]):
        k, base = int(pivot_nodes[p]), int(up_ptr[p])
        nbrs = nbr_lists[k]
        up_node[base:base + len(nbrs)] = nbrs
        for x, j in enumerate(nbrs):
            others = [y for y in range(len(nbrs)) if y != x]
            fill_counts[base + x] = len(others)
            fill_q += [base + y for y in others]
            fill_e += [(j, nbrs[y]) for y in others]
    fill_ptr = np.concatenate([[0], np.cumsum(fill_counts)])
    fill_e_arr = edge(*np.array(fill_e, dtype=np.int64).T) if fill_e else np.zeros(0, dtype=np.int64)

    def arr(values):
        return np.asarray(values, dtype=np.int32)

    rows_arr, cols_arr = (keys // max(n, 1)).astype(np.int32), (keys % max(n, 1)).astype(np.int32)
    position = np.full(n, -1, dtype=np.int64)
    position[core_arr] = np.arange(len(core_arr))
    inner = (position[rows_arr] >= 0) & (position[cols_arr] >= 0) if n else np.zeros(0, dtype=bool)
    core_edge = np.flatnonzero(inner)       # already sorted by (row, col), i.e. by core position
    core_ptr = np.searchsorted(position[rows_arr[core_edge]], np.arange(len(core_arr) + 1))
    comp_core = np.zeros(n_comp, dtype=np.int8)
    comp_core[comp[core_arr]] = 1
    return Program(arr(comp_ptr), arr(pivot_nodes), arr(up_ptr), arr(up_node),
                   arr(edge(up_owner, up_node)), arr(edge(up_node, up_owner)),
                   arr(fill_ptr), arr(fill_q), arr(fill_e_arr), arr(rows_arr), arr(cols_arr),
                   arr(core_arr), comp_core, arr(core_ptr), arr(position[cols_arr[core_edge]]), arr(core_edge))
