"""Elimination order and program for the exact solve of the coupled potentials.

The coupling graph of a compartmental model is a forest of trees, sometimes
with loops added by gap junctions.  A minimum-degree order eliminates leaves
first, which on a tree creates no fill-in (Hines' insight, found here from the
graph rather than from the section structure); on loops it adds the fill the
order needs, and the program records where that fill lives.  Components (cells
not joined by anything) are independent and are solved by different threads.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np


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


def _symbolic(order, adj: list[set]):
    """Pivots (node, remaining neighbours) for a given order, and the fill edges it creates."""
    work = [set(a) for a in adj]
    pivots: list[tuple[int, list[int]]] = []
    fill: list[tuple[int, int]] = []
    for v in order:
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
    return pivots, fill


def _minimum_degree(n: int, adj: list[set]):
    """Pivots (node, remaining neighbours) in minimum-degree order, and the fill edges."""
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
        nbrs = sorted(work[v])
        pivots.append((v, nbrs))
        done[v] = True
        for a in nbrs:
            work[a].discard(v)
        for x, a in enumerate(nbrs):
            for b in nbrs[x + 1:]:
                if b not in work[a]:
                    work[a].add(b)
                    work[b].add(a)
                    fill.append((a, b))
        for a in nbrs:
            heapq.heappush(heap, (len(work[a]), seq, a))
            seq += 1
    return pivots, fill


def elimination_rank(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Position of every node in the elimination order, components kept together.

    Numbering nodes by this rank makes the solve walk memory in order, as
    NEURON's cache-efficient mode does.
    """
    adj = _adjacency(n, rows, cols)
    comp = _components(n, adj)
    pivots, _ = _minimum_degree(n, adj)
    order = sorted(range(n), key=lambda p: comp[pivots[p][0]])
    rank = np.empty(n, dtype=np.int64)
    rank[[pivots[p][0] for p in order]] = np.arange(n)
    return rank


def build_program(n: int, rows: np.ndarray, cols: np.ndarray, priority: np.ndarray | None = None) -> Program:
    """Elimination program for ``n`` unknowns coupled by edges (rows[i], cols[i]).

    The order is minimum degree, or increasing ``priority`` when the caller
    already knows a good one (any order is exact; a poor one only adds fill).
    """
    adj = _adjacency(n, rows, cols)
    comp = _components(n, adj)
    if priority is None:
        pivots, fill_edges = _minimum_degree(n, adj)
    else:
        pivots, fill_edges = _symbolic(np.argsort(priority, kind="stable").tolist(), adj)
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

    return Program(comp_ptr, order, arr(up_ptr), arr(up_node), arr(up_kj), arr(up_jk),
                   arr(fill_ptr), arr(fill_q), arr(fill_e),
                   arr([e[0] for e in edge_list]), arr([e[1] for e in edge_list]))
