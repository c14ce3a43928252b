"""The elimination program against a dense reference: for random graphs
(forests, loops, cliques), solving with the program's pivots, fill and core
gives the same solution as numpy, and trees get no fill."""
import numpy as np
import pytest

import myriad.elimination as elimination
from myriad.elimination import _Graph, build_program, elimination_rank


def _reference_components(n, rows, cols):
    adj = [set() for _ in range(n)]
    for a, b in zip(rows.tolist(), cols.tolist()):
        if a != b:
            adj[a].add(b)
            adj[b].add(a)
    label, k = -np.ones(n, dtype=np.int64), 0
    for s in range(n):
        if label[s] < 0:
            label[s], stack = k, [s]
            while stack:
                v = stack.pop()
                for w in adj[v]:
                    if label[w] < 0:
                        label[w] = k
                        stack.append(w)
            k += 1
    return label


def _random_graph(rng, n, extra):
    """A random forest on n nodes plus ``extra`` random edges (loops)."""
    parent = np.array([rng.integers(-1, v) if v else -1 for v in range(n)])
    rows = [v for v in range(n) if parent[v] >= 0]
    cols = [int(parent[v]) for v in rows]
    rows += rng.integers(0, n, extra).tolist()
    cols += rng.integers(0, n, extra).tolist()
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


def _solve(n, program, A, b):
    """myr_solve in Python: the program addresses entries by edge number."""
    a = {(int(i), int(j)): A[i, j] for i, j in zip(program.rows, program.cols)}
    edges = list(zip(program.rows.tolist(), program.cols.tolist()))
    val = np.array([a[e] for e in edges])
    diag, rhs = np.diag(A).copy(), b.copy()
    for p, k in enumerate(program.order):
        for q in range(program.up_ptr[p], program.up_ptr[p + 1]):
            j = program.up_node[q]
            f = val[program.up_jk[q]] / diag[k]
            diag[j] -= f * val[program.up_kj[q]]
            rhs[j] -= f * rhs[k]
            for r in range(program.fill_ptr[q], program.fill_ptr[q + 1]):
                val[program.fill_e[r]] -= f * val[program.up_kj[program.fill_q[r]]]
    x = np.zeros(n)
    core = program.core
    if len(core):
        pos = {int(u): i for i, u in enumerate(core)}
        M = np.diag(diag[core])
        for i, u in enumerate(core):
            for e in range(program.core_ptr[i], program.core_ptr[i + 1]):
                M[i, program.core_col[e]] = val[program.core_edge[e]]
        x[core] = np.linalg.solve(M, rhs[core])
        assert len(pos) == len(core)
    for p in range(len(program.order) - 1, -1, -1):
        k = program.order[p]
        s = rhs[k]
        for q in range(program.up_ptr[p], program.up_ptr[p + 1]):
            s -= val[program.up_kj[q]] * x[program.up_node[q]]
        x[k] = s / diag[k]
    return x


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("extra", [0, 3, 40])
def test_program_solves_like_numpy_and_components_match(seed, extra, monkeypatch):
    monkeypatch.setattr(elimination, "MAX_PIVOT_DEGREE", 6)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    rows, cols = _random_graph(rng, n, extra)
    g = _Graph.of(n, rows, cols)
    assert np.array_equal(g.components(), _reference_components(n, rows, cols))
    program = build_program(n, rows, cols, elimination_rank(n, rows, cols))
    assert sorted(program.order.tolist() + program.core.tolist()) == list(range(n))
    if extra == 0:
        assert len(program.fill_q) == 0 and len(program.core) == 0
    A = np.zeros((n, n))                      # fill entries start at zero, as in the solver
    for key in g.key:
        A[key // n, key % n] = -rng.uniform(0.1, 1.0)
    A[np.arange(n), np.arange(n)] = np.abs(A).sum(axis=1) + rng.uniform(0.5, 2.0, n)
    b = rng.normal(size=n)
    np.testing.assert_allclose(_solve(n, program, A, b), np.linalg.solve(A, b), rtol=1e-10, atol=1e-12)
