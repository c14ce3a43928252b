"""ringtest against NEURON's converged Crank-Nicolson run, thread invariance, stability."""
import numpy as np
import pytest
from tests.requirements import require_neuron

from applications import ringtest
from benchmarks.peers import neuron_models as nm
from myriad import ModelError
from tests.spike_match import max_error

pytestmark = pytest.mark.neuron
require_neuron(module_level=True)

SMALL = dict(nring=16, ncell=8, nbranch=16, ncompart=1)


def _myriad(method="backward_euler", dt=0.025, threads=1, tstop=100.0, record_soma=False, **shape):
    net = ringtest.build(**{**SMALL, **shape})
    sim = net.simulation(method=method, dt=dt, threads=threads)
    traces = []
    if record_soma:
        soma_nodes = [sec for sec in net.sections if sec.name.endswith(".soma")]
        traces = [sim.record(sec(0.5).node(), "v", every=4) for sec in soma_nodes[:16]]
    res = sim.run(tstop)
    return res, [res[t] for t in traces]


@pytest.fixture(scope="module")
def neuron_runs():
    reference = nm.run_ringtest(**SMALL, tstop=100.0, dt=0.001, secondorder=2)["spikes"]
    default = nm.run_ringtest(**SMALL, tstop=100.0, dt=0.025)["spikes"]
    return reference, default


@pytest.mark.slow
def test_same_spikes_as_neuron_and_at_least_as_accurate(neuron_runs):
    reference, default = neuron_runs
    res, _ = _myriad()
    ours = res.spikes
    our_error, our_missing = max_error(ours, reference, before=90.0)
    neuron_error, _ = max_error(default, reference, before=90.0)
    assert not our_missing, our_missing[:5]
    assert our_error <= 1.5 * neuron_error, (our_error, neuron_error)
    assert {g for _, g in ours} == set(range(128))


@pytest.mark.parametrize("method", ["backward_euler", "crank_nicolson"])
def test_bitwise_identical_for_one_and_two_threads(method):
    one, one_traces = _myriad(method=method, threads=1, record_soma=True)
    two, two_traces = _myriad(method=method, threads=2, record_soma=True)
    assert np.array_equal(one.spike_times, two.spike_times)
    assert np.array_equal(one.spike_gids, two.spike_gids)
    for a, b in zip(one_traces, two_traces):
        assert np.array_equal(a, b)


def test_backward_euler_bounded_at_large_dt():
    res, traces = _myriad(dt=0.1, record_soma=True)
    for v in traces:
        assert np.all(np.isfinite(v))
        assert np.all((v > -100.0) & (v < 60.0))
    assert len(res.spike_times) > 0


def test_rk4_beyond_its_stability_bound_is_refused():
    expected = r"rk4 is unstable at dt = 0.1 ms: the stiffest mode \(Compartment\[\d+\]\.v\).*stability bound"
    with pytest.raises(ModelError, match=expected):
        _myriad(method="rk4", dt=0.1, tstop=1.0, nring=1, ncell=2)
