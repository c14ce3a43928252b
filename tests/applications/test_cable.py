"""The passive cable against the analytic steady state of a sealed finite cable."""
import pytest

from applications import cable
from benchmarks.peers.neuron_models import cable_steady_state


@pytest.mark.parametrize("method,dt", [("backward_euler", 0.025), ("rk4", 0.001)])
def test_steady_state_at_both_ends(method, dt):
    net, sec = cable.build(nseg=101)
    nodes = {x: sec(x).node() for x in (0.0, 1.0)}
    sim = net.simulation(method=method, dt=dt)
    names = {x: sim.record(node, "v") for x, node in nodes.items()}
    res = sim.run(200.0)
    for x in (0.0, 1.0):
        expected = cable_steady_state(1000.0 * x) + 65.0
        got = res[names[x]][-1] + 65.0
        assert abs(got - expected) <= 0.01 * abs(expected), (x, got, expected)
