"""Elimination order and program for the exact solve of the coupled potentials.

The coupling graph of a compartmental model is a forest of trees, sometimes
with loops added by gap junctions.  A minimum-degree order eliminates leaves
first, which on a tree creates no fill-in (Hines' insight, found here from the
graph rather than from the section structure); on loops it adds the fill the
order needs, and the program records where that fill lives.  Components (cells
not joined by anything) are independent and are solved by different threads.

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

#: Pivots of higher degree than this are left to the core's iterative solve.
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


def _components(n: int, adj: list[set]) -> np.ndarray:
    comp = np.full(n, -1, dtype=np.int64)
    label = 0
    for start in range(n):
        if comp[start] >= 0:
            continue
        comp[start] = label
        stack = [start]
        while stack:
            v = stack.pop()
            for w in adj[v]:
                if comp[w] < 0:
                    comp[w] = label
                    stack.append(w)
        label += 1
    return comp


def _adjacency(n: int, rows: np.ndarray, cols: np.ndarray) -> list[set]:
    adj: list[set] = [set() for _ in range(n)]
    for i, j in zip(rows.tolist(), cols.tolist()):
        if i != j:
            adj[i].add(j)
            adj[j].add(i)
    return adj


def _eliminate(v: int, work: list[set], pivots: list, fill: list) -> list[int]:
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


def _symbolic(order, adj: list[set]):
    """Pivots (node, remaining neighbours) for a given order, the fill edges it
    creates, and the core: the nodes whose degree exceeds MAX_PIVOT_DEGREE at their turn."""
    work = [set(a) for a in adj]
    pivots: list[tuple[int, list[int]]] = []
    fill: list[tuple[int, int]] = []
    core = []
    for v in order:
        if len(work[v]) > MAX_PIVOT_DEGREE:
            core.append(v)
        else:
            _eliminate(v, work, pivots, fill)
    return pivots, fill, sorted(core)


def _minimum_degree(n: int, adj: list[set]):
    """Pivots (node, remaining neighbours) in minimum-degree order, the fill
    edges, and the core (what remains once every degree exceeds MAX_PIVOT_DEGREE)."""
    work = [set(a) for a in adj]
    # ties go first-come first-served, so the tree is peeled leaf level by leaf
    # level and consecutive pivots rarely depend on each other (latency hiding)
    heap = [(len(work[v]), v, v) for v in range(n)]
    heapq.heapify(heap)
    seq = n
    done = np.zeros(n, dtype=bool)
    pivots: list[tuple[int, list[int]]] = []
    fill: list[tuple[int, int]] = []
    while heap:
        deg, _, v = heapq.heappop(heap)
        if done[v] or deg != len(work[v]):
            continue
        if deg > MAX_PIVOT_DEGREE:
            break
        done[v] = True
        for a in _eliminate(v, work, pivots, fill):
            heapq.heappush(heap, (len(work[a]), seq, a))
            seq += 1
    return pivots, fill, np.flatnonzero(~done).tolist()


def elimination_rank(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Position of every node in the elimination order, components kept together.

    Numbering nodes by this rank makes the solve walk memory in order, as
    NEURON's cache-efficient mode does.
    """
    adj = _adjacency(n, rows, cols)
    comp = _components(n, adj)
    pivots, _, core = _minimum_degree(n, adj)
    sequence = [p[0] for p in pivots] + core
    rank = np.empty(n, dtype=np.int64)
    rank[sorted(sequence, key=lambda v: comp[v])] = np.arange(n)
    return rank


def build_program(n: int, rows: np.ndarray, cols: np.ndarray, priority: np.ndarray | None = None) -> Program:
    """Elimination program for ``n`` unknowns coupled by edges (rows[i], cols[i]).

    The order is minimum degree, or increasing ``priority`` when the caller
    already knows a good one (any order is exact; a poor one only adds fill).
    """
    adj = _adjacency(n, rows, cols)
    comp = _components(n, adj)
    if priority is None:
        pivots, fill_edges, core = _minimum_degree(n, adj)
    else:
        pivots, fill_edges, core = _symbolic(np.argsort(priority, kind="stable").tolist(), adj)
    edges = {(i, j) for i in range(n) for j in adj[i]}
    for a, b in fill_edges:
        edges.add((a, b))
        edges.add((b, a))

    edge_list = sorted(edges)
    edge_id = {e: k for k, e in enumerate(edge_list)}
    pivots.sort(key=lambda p: comp[p[0]])     # stable: keeps the order within a component
    order = np.array([p[0] for p in pivots], dtype=np.int32)
    comp_sorted = comp[order] if n else np.zeros(0, dtype=np.int64)
    n_comp = int(comp.max()) + 1 if n else 0
    comp_ptr = np.searchsorted(comp_sorted, np.arange(n_comp + 1)).astype(np.int32)

    up_ptr, up_node, up_kj, up_jk = [0], [], [], []
    fill_ptr, fill_q, fill_e = [0], [], []
    for k, nbrs in pivots:
        base = len(up_node)
        for j in nbrs:
            up_node.append(j)
            up_kj.append(edge_id[(k, j)])
            up_jk.append(edge_id[(j, k)])
            for x, i in enumerate(nbrs):
                if i != j:
                    fill_q.append(base + x)
                    fill_e.append(edge_id[(j, i)])
            fill_ptr.append(len(fill_q))
        up_ptr.append(len(up_node))

    def arr(values):
        return np.asarray(values, dtype=np.int32)

    rows_arr, cols_arr = arr([e[0] for e in edge_list]), arr([e[1] for e in edge_list])
    core_arr = np.asarray(core, dtype=np.int32)
    position = np.full(n, -1, dtype=np.int64)
    position[core_arr] = np.arange(len(core_arr))
    inner = (position[rows_arr] >= 0) & (position[cols_arr] >= 0) if n else np.zeros(0, dtype=bool)
    core_edge = np.flatnonzero(inner)       # already sorted by (row, col), i.e. by core position
    core_ptr = np.searchsorted(position[rows_arr[core_edge]], np.arange(len(core_arr) + 1))
    comp_core = np.zeros(n_comp, dtype=np.int8)
    comp_core[comp[core_arr]] = 1
    return Program(comp_ptr, order, arr(up_ptr), arr(up_node), arr(up_kj), arr(up_jk),
                   arr(fill_ptr), arr(fill_q), arr(fill_e), rows_arr, cols_arr,
                   core_arr, comp_core, arr(core_ptr), arr(position[cols_arr[core_edge]]), arr(core_edge))
