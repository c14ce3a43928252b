"""The passive cable against the analytic steady state of a sealed finite cable,
and backward Euler against NEURON's fixed step, step for step."""
import numpy as np
import pytest

from applications import cable
from benchmarks.peers.neuron_models import cable_steady_state, run_cable
from tests.requirements import require_neuron

PROBES = {"v0": 0.0, "vmid": 0.5, "vend": 1.0}


def _myriad(method, dt, tstop, probes):
    net, sec = cable.build(nseg=101)
    nodes = {label: sec(probes[label]).node() for label in probes}
    sim = net.simulation(method=method, dt=dt)
    names = {label: sim.record(node, "v") for label, node in nodes.items()}
    res = sim.run(tstop)
    return res, {label: res[name] for label, name in names.items()}


@pytest.mark.parametrize("method,dt", [("backward_euler", 0.025), ("rk4", 0.001)])
def test_steady_state_at_both_ends(method, dt):
    _, traces = _myriad(method, dt, 200.0, {"v0": 0.0, "vend": 1.0})
    for label in ("v0", "vend"):
        expected = cable_steady_state(1000.0 * PROBES[label]) + 65.0
        got = traces[label][-1] + 65.0
        assert abs(got - expected) <= 0.01 * abs(expected), (label, got, expected)


@pytest.mark.neuron
def test_backward_euler_is_neurons_fixed_step_trace_for_trace():
    """At the clamped end (a zero-area node), the middle and the sealed end, every
    step of 20 ms (the clamp switching on at 1 ms): passive, so equal to rounding."""
    require_neuron()
    theirs = run_cable(nseg=101, dt=0.025, tstop=20.0)
    res, ours = _myriad("backward_euler", 0.025, 20.0, PROBES)
    np.testing.assert_allclose(res.t, theirs["t"], rtol=0, atol=1e-9)
    for label in PROBES:
        assert np.ptp(theirs[label]) > 5.0
        np.testing.assert_allclose(ours[label], theirs[label], rtol=0, atol=1e-9, err_msg=label)
