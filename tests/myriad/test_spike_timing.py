"""Spike times against analytic crossings: a node driven at a constant rate
(u = a t exactly, on both methods) crosses its threshold between steps, at
thr / a, which linear interpolation within the step recovers exactly; a node
that reaches its threshold and stays there has not crossed it."""
import numpy as np
import pytest

from myriad import Mechanism, Model, Param, Simulation
from tests.linear_models import Cell


class Ramp(Mechanism):
    """A constant inflow a until t_off, none after."""
    a = Param(1.0)
    t_off = Param(1e9)

    def inflow_u(self):
        return self.a if self.t < self.t_off else 0.0


def _spikes(method, dt, tstop, thresholds, a=1.0, t_off=1e9, backend="openmp"):
    model = Model()
    for gid, thr in enumerate(thresholds):
        node = model.add_node(Cell, c=1.0, u=0.0)
        model.add_mechanism(Ramp, node, a=a, t_off=t_off)
        model.add_detector(node, "u", thr, gid=gid)
    sim = Simulation(model, method=method, dt=dt, backend=backend)
    res = sim.run(tstop)
    return sorted(zip(res.spike_gids.tolist(), res.spike_times.tolist()))


BACKENDS = ["openmp", pytest.param("numba", marks=pytest.mark.slow)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("method", ["backward_euler", "rk4"])
def test_spike_times_are_the_interpolated_crossings(method, backend):
    rng = np.random.default_rng(5)
    thresholds = rng.uniform(0.2, 1.8, 12).tolist() + [1.0123]
    a = 1.5
    got = _spikes(method, 0.025, 2.55, thresholds, a=a, backend=backend)     # past every crossing (<= 1.2 ms)
    assert [g for g, _ in got] == list(range(len(thresholds)))
    np.testing.assert_allclose([t for _, t in got], np.array(thresholds) / a, rtol=0, atol=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("method", ["backward_euler", "rk4"])
def test_reaching_the_threshold_without_passing_it_is_no_spike(method, backend):
    # dt, a and t_off exact in binary: u reaches exactly 1.0 at t = 1 and stays
    assert _spikes(method, 0.125, 3.0, [1.0], a=1.0, t_off=1.0, backend=backend) == []
    # and a hair above it does cross, at the interpolated time
    got = _spikes(method, 0.125, 3.0, [0.9375 + 0.03125], a=1.0, t_off=1.0, backend=backend)
    assert got == [(0, pytest.approx(0.96875, abs=1e-12))]
