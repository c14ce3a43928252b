"""hh_soma against NEURON: backward Euler against NEURON's fixed step, step for step; RK4 against
CVODE at 1e-10."""
import numpy as np
import pytest
from tests.requirements import require_neuron

from applications import hh_soma
from benchmarks.peers import neuron_interpolated as ni
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


def test_backward_euler_is_neurons_fixed_step_trace_for_trace():
    """Backward Euler is NEURON's fixed step (hh rates computed): the same v at
    every step of 100 ms with 4 spikes, and spike times equal to the
    crossings of NEURON's trace timed within the step as Myriad times them.
    NEURON itself reports each at the end of that step."""
    theirs = nm.run_hh_soma(dt=0.025, tstop=100.0)
    res, v = _myriad("backward_euler", 0.025)
    np.testing.assert_allclose(res.t, theirs["t"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(v, theirs["v"], rtol=0, atol=1e-6)
    crossings = ni.crossings(theirs["t"], theirs["v"], 10.0)
    assert len(res.spike_times) == len(crossings) == len(theirs["spikes"]) == 4
    np.testing.assert_allclose(res.spike_times, crossings, rtol=0, atol=1e-6)
    step_ends = np.array(theirs["spikes"]) - ni.NEURON_SPIKE_OFFSET
    assert np.all((res.spike_times > step_ends - 0.025) & (res.spike_times <= step_ends + 1e-9))


def test_rk4_matches_cvode_within_2_microseconds(reference):
    res, _ = _myriad("rk4", 0.01)
    ref = np.array(reference["spikes"])
    assert len(res.spike_times) == len(ref)
    assert np.max(np.abs(res.spike_times - ref)) < 0.002


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
