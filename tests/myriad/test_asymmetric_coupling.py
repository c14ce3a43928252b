"""Couplings whose flow is not antisymmetric (different conductances into pre
and into post) make the solver's matrix unsymmetric: a solver that reads the
transposed off-diagonal entry (J[jk] for J[kj]) still gives right answers on
symmetric links, never on these.  One backward Euler step on trees, on loops
and on a dense core, in the constant-coefficient (linear) and the per-step
(nonlinear) paths, against numpy's exact solve of the same linear system."""
import numpy as np
import pytest

import myriad.elimination as elimination
from myriad import Coupling, Mechanism, Model, Param, Simulation
from tests.linear_models import Cell, Leak


class Skew(Coupling):
    """Into pre: a (post - pre); into post: b pre - c post (c >= b)."""
    a = Param(1.0)
    b = Param(1.0)
    c = Param(1.0)

    def inflow_u_pre(self):
        return self.a * (self.post.u - self.pre.u)

    def inflow_u_post(self):
        return self.b * self.pre.u - self.c * self.post.u


class TimedSkew(Skew):
    """The same flows, written so that they take the per-step path."""

    def inflow_u_pre(self):
        return self.a * (self.post.u - self.pre.u) + 0.0 * self.t

    def inflow_u_post(self):
        return self.b * self.pre.u - self.c * self.post.u + 0.0 * self.t


class TimedLeak(Leak):
    def inflow_u(self):
        return self.g * (self.e - self.node.u) + 0.0 * self.t


def _edges(kind, n, rng):
    if kind == "tree":
        return [(int(rng.integers(0, i)), i) for i in range(1, n)]
    if kind == "loops":
        tree = [(int(rng.integers(0, i)), i) for i in range(1, n)]
        return tree + [tuple(int(x) for x in rng.choice(n, 2, replace=False)) for _ in range(6)]
    # a chain with a complete graph on its first 9 nodes: a dense core
    return [(i, j) for i in range(9) for j in range(i + 1, 9)] + [(i - 1, i) for i in range(9, n)]


def _system(kind, link, leak, seed, n=30):
    rng = np.random.default_rng(seed)
    model = Model()
    caps = rng.uniform(0.5, 2.0, n)
    u0 = rng.uniform(-1, 1, n)
    nodes = [model.add_node(Cell, c=float(caps[i]), u=float(u0[i])) for i in range(n)]
    M = np.zeros((n, n))      # du/dt * C = -M u + r
    r = np.zeros(n)
    for i in range(n):
        g, e = rng.uniform(0.1, 1.0), rng.uniform(-1, 1)
        model.add_mechanism(leak, nodes[i], g=float(g), e=float(e))
        M[i, i] += g
        r[i] += g * e
    for i, j in _edges(kind, n, rng):
        a, b = rng.uniform(0.2, 5.0), rng.uniform(0.2, 5.0)
        c = b + rng.uniform(0.0, 2.0)
        model.add_mechanism(link, (nodes[i], nodes[j]), a=float(a), b=float(b), c=float(c))
        M[i, i] += a
        M[i, j] -= a
        M[j, i] -= b
        M[j, j] += c
    assert not np.allclose(M, M.T)
    return model, nodes, caps, u0, M, r


BACKENDS = ["openmp", pytest.param("numba", marks=pytest.mark.slow)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("path", ["linear", "per-step"])
@pytest.mark.parametrize("kind", ["tree", "loops", "dense"])
def test_backward_euler_step_with_unsymmetric_couplings(kind, path, backend, monkeypatch):
    if kind == "dense":                  # the clique's nodes go to the iterative core
        monkeypatch.setattr(elimination, "MAX_PIVOT_DEGREE", 4)
    link, leak = (Skew, Leak) if path == "linear" else (TimedSkew, TimedLeak)
    model, nodes, caps, u0, M, r = _system(kind, link, leak, seed=11)
    dt = 0.1
    sim = Simulation(model, method="backward_euler", dt=dt, backend=backend)
    names = [sim.record(node, "u") for node in nodes]
    res = sim.run(2 * dt)
    assert (len(sim.flat.program.core) > 0) == (kind == "dense")
    got = np.array([res[k] for k in names]).T
    A = np.diag(caps / dt) + M
    u1 = np.linalg.solve(A, caps / dt * u0 + r)
    u2 = np.linalg.solve(A, caps / dt * u1 + r)
    tol = 1e-9 if path == "linear" else 1e-7
    np.testing.assert_allclose(got[1], u1, rtol=0, atol=tol)
    np.testing.assert_allclose(got[2], u2, rtol=0, atol=tol)
