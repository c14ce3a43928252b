"""Linear contributions (affine in the potentials, parameter-only coefficients)
are evaluated once per run and applied as a constant matrix, and states with
a constant rate get exponential Euler's factor once per run; the same
equations written so that they are not recognised as linear (a term times
zero) take the per-step path.  Both must give the same results."""
from __future__ import annotations

import numpy as np
import pytest

from myriad import Coupling, Mechanism, Model, Param, Simulation
from myriad.blocks import analyse
from tests.linear_models import Cell, Leak, Link

from applications import dense, ringtest
from applications.neuro import GradedSynapse, network


class TimedLeak(Mechanism):
    g = Param(1.0)
    e = Param(0.0)

    def inflow_u(self):
        return self.g * (self.e - self.node.u) + 0.0 * self.t


class TimedLink(Coupling):
    g = Param(1.0)

    def flow_u(self):
        return self.g * (self.pre.u - self.post.u) + 0.0 * self.t


class Drive(Mechanism):
    """A nonlinear inflow, so that the solution is not a plain relaxation."""

    a = Param(1.0)

    def inflow_u(self):
        return self.a * (1.0 - self.node.u ** 3)


def _network(leak, link, *, extra_edges: int, algebraic: int, seed: int = 3, n: int = 40):
    """A random tree plus loop-making links; ``algebraic`` nodes of zero capacity, never adjacent."""
    rng = np.random.default_rng(seed)
    edges = [(int(rng.integers(0, i)), i) for i in range(1, n)]
    edges += [tuple(int(x) for x in rng.choice(n, 2, replace=False)) for _ in range(extra_edges)]
    neighbours = {i: set() for i in range(n)}
    for i, j in edges:
        neighbours[i].add(j)
        neighbours[j].add(i)
    zero = set()
    for i in rng.permutation(n):
        if len(zero) < algebraic and not neighbours[int(i)] & zero:
            zero.add(int(i))
    model = Model()
    nodes = [model.add_node(Cell, c=0.0 if i in zero else float(rng.uniform(0.5, 2.0)),
                            u=float(rng.uniform(-1, 1))) for i in range(n)]
    leaks = [model.add_mechanism(leak, node, g=float(rng.uniform(0.1, 1.0)), e=float(rng.uniform(-1, 1)))
             for node in nodes]
    for node in nodes[::7]:
        model.add_mechanism(Drive, node, a=0.5)
    for i, j in edges:
        model.add_mechanism(link, (nodes[i], nodes[j]), g=float(rng.uniform(0.5, 5.0)))
    return model, nodes, leaks


def _traces(leak, link, method, **kw):
    model, nodes, _ = _network(leak, link, **kw)
    sim = Simulation(model, method=method, dt=0.01)
    names = [sim.record(node, "u") for node in nodes]
    res = sim.run(5.0)
    return sim, np.array([res[n] for n in names])


@pytest.mark.parametrize("method, extra_edges, algebraic", [
    ("backward_euler", 0, 0), ("backward_euler", 6, 0), ("backward_euler", 0, 4),
    ("rk4", 0, 0), ("rk4", 6, 4)])
def test_linear_and_per_step_paths_agree(method, extra_edges, algebraic):
    fast, u_fast = _traces(Leak, Link, method, extra_edges=extra_edges, algebraic=algebraic)
    slow, u_slow = _traces(TimedLeak, TimedLink, method, extra_edges=extra_edges, algebraic=algebraic)
    assert all(c.linear for b in fast.analysis.mech_blocks.values() if b.cls in (Leak, Link)
               for c in b.contributions)
    assert not any(c.linear for b in slow.analysis.mech_blocks.values() for c in b.contributions)
    assert np.abs(u_fast).max() > 0.1
    # the per-step path's finite-difference Jacobians are exact only to ~1e-10
    np.testing.assert_allclose(u_fast, u_slow, rtol=0, atol=1e-9)


def test_a_changed_linear_parameter_takes_effect_in_the_next_run():
    model, nodes, leaks = _network(Leak, Link, extra_edges=0, algebraic=0)
    sim = Simulation(model, dt=0.01)
    name = sim.record(nodes[5], "u")
    sim.run(2.0)
    sim.set(leaks[5], "g", 3.0)
    sim.set(leaks[5], "e", 0.75)
    changed = sim.run(2.0)[name]
    model2, nodes2, leaks2 = _network(Leak, Link, extra_edges=0, algebraic=0)
    fresh = Simulation(model2, dt=0.01)
    fresh.set(leaks2[5], "g", 3.0)
    fresh.set(leaks2[5], "e", 0.75)
    name2 = fresh.record(nodes2[5], "u")
    assert np.array_equal(changed, fresh.run(2.0)[name2])


def test_neuron_mechanisms_are_classified():
    kinds = {}
    for model in (ringtest.build(1, 2, 2, 1).model, dense.build(ncell=4)[0].model):
        for block in analyse(model).mech_blocks.values():
            for con in block.contributions:
                kinds[block.cls.__name__] = con.linear
    assert kinds == {"HH": False, "Axial": True, "Pas": True, "ExpSyn": False, "GapJunction": True,
                     "GradedSynapse": False, "IClamp": False}


class SlowPathSynapse(GradedSynapse):
    """The same equation, written so that its rate seems to depend on post.v."""

    def ddt_s(self):
        return (self.s_inf() - self.s) / self.tau * (1.0 + 0.0 * self.post.v)


def _dense_voltages(monkeypatch, synapse):
    monkeypatch.setattr(network, "GradedSynapse", synapse)
    net, _ = dense.build(ncell=12)
    sim = net.simulation(dt=0.025)
    names = [sim.record(sec(0.5).node(), "v") for sec in net.sections[::2]]
    res = sim.run(30.0)
    return sim, np.array([res[n] for n in names]), res.spike_times


def test_states_with_constant_rates_get_their_factor_once_per_run(monkeypatch):
    fast, v_fast, spikes = _dense_voltages(monkeypatch, GradedSynapse)
    slow, v_slow, _ = _dense_voltages(monkeypatch, SlowPathSynapse)
    assert [list(b.linear_states) for b in fast.analysis.mech_blocks.values() if b.cls is GradedSynapse] == [["s"]]
    assert all(not b.linear_states for b in slow.analysis.mech_blocks.values())
    assert len(spikes) > 0
    np.testing.assert_allclose(v_fast, v_slow, rtol=0, atol=1e-7)
