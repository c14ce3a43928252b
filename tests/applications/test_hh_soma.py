"""hh_soma against NEURON: CVODE at 1e-10 as reference, NEURON's own fixed step as the bar."""
import numpy as np
import pytest
from tests.requirements import require_neuron

from applications import hh_soma
from benchmarks.peers import neuron_models as nm

pytestmark = pytest.mark.neuron
require_neuron(module_level=True)


@pytest.fixture(scope="module")
def reference():
    return nm.run_hh_soma(integrator="cvode", atol=1e-10, rtol=1e-10, tstop=100.0)


def _myriad(method, dt, amp=0.1, tstop=100.0, threads=1):
    net, soma, _ = hh_soma.build(amp)
    sim = net.simulation(method=method, dt=dt, threads=threads)
    trace = sim.record(soma(0.5).node(), "v")
    res = sim.run(tstop)
    return res, res[trace]


def test_backward_euler_at_least_as_accurate_as_neuron(reference):
    ref = np.array(reference["spikes"])
    neuron_fixed = np.array(nm.run_hh_soma(dt=0.025, tstop=100.0)["spikes"])
    res, _ = _myriad("backward_euler", 0.025)
    ours = res.spike_times
    assert len(ours) == len(ref) == len(neuron_fixed) == 4
    neuron_error = np.max(np.abs(neuron_fixed - ref))
    our_error = np.max(np.abs(ours - ref))
    assert our_error <= 1.5 * neuron_error, (our_error, neuron_error)


def test_rk4_matches_cvode_within_2_microseconds(reference):
    res, _ = _myriad("rk4", 0.01)
    ref = np.array(reference["spikes"])
    assert len(res.spike_times) == len(ref)
    assert np.max(np.abs(res.spike_times - ref)) < 0.002


def test_resting_trace_matches_neuron_before_the_stimulus():
    neuron_fixed = nm.run_hh_soma(dt=0.025, tstop=4.0)
    _, v = _myriad("backward_euler", 0.025, tstop=4.0)
    np.testing.assert_allclose(v, neuron_fixed["v"], atol=1e-6)


@pytest.mark.parametrize("amp,tstop", [(0.1, 30.0), (0.02, 30.0)], ids=["spiking", "subthreshold"])
@pytest.mark.parametrize("method,low,high,dt0", [("rk4", 3.5, 4.5, 2.0 ** -5),
                                                ("backward_euler", 0.8, 1.2, 2.0 ** -7)])
def test_measured_order_of_convergence(method, low, high, dt0, amp, tstop):
    """Errors at dt, dt/2, dt/4 against RK4 at dt/32; dts are binary fractions so that the
    clamp's switch-on at 5 ms is a step boundary."""
    dts = [dt0, dt0 / 2, dt0 / 4]
    fine_dt = dts[-1] / 8
    fine = _myriad("rk4", fine_dt, amp=amp, tstop=tstop)[1]
    errors = []
    for dt in dts:
        v = _myriad(method, dt, amp=amp, tstop=tstop)[1]
        stride = int(round(dt / fine_dt))
        errors.append(np.max(np.abs(v - fine[::stride])))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all((orders > low) & (orders < high)), (errors, orders)
