"""Times between steps, against NEURON's fixed step: a clamp switching on at
5.01 ms (dt 0.025: currents are evaluated at the step's middle, t + dt/2, so
it acts from the step starting at 5.0) and events arriving at 1.02, 3.04 and
5.07 ms (delivered at the start of the step whose middle they precede, so
1.02 in the step from 1.025, not 1.0).  Passive somas agree to rounding."""
import numpy as np
import pytest

from benchmarks.peers.neuron_interpolated import crossings
from tests.applications.neuron_soma import myriad_soma, neuron_soma
from tests.requirements import require_neuron

pytestmark = pytest.mark.neuron
require_neuron(module_level=True)

CASES = {
    "passive clamp at 5.01": dict(hh=False, clamp=(5.01, 1.0, 0.1), tstop=10.0),
    "passive clamp just after a step's middle": dict(hh=False, clamp=(5.0126, 0.9875, 0.1), tstop=10.0),
    # dt, delay and dur exact in binary: on at a step's middle (on), off at a later one (off there)
    "passive clamp on and off at steps' middles": dict(hh=False, clamp=(5.0625, 1.0, 0.1), dt=0.125, tstop=10.0),
    "passive events off-grid": dict(hh=False, syn=(2.0, 0.0, 1.0, 0.005, [0.02, 2.04, 4.07]), tstop=10.0),
    "hh clamp at 5.01": dict(hh=True, clamp=(5.01, 50.0, 0.1), tstop=30.0),
    "hh events off-grid": dict(hh=True, syn=(2.0, 0.0, 1.0, 0.05, [0.02, 12.04, 24.07]), tstop=40.0),
}


@pytest.mark.parametrize("case", CASES)
def test_off_grid_times_match_neuron_fixed_step(case):
    kw = CASES[case]
    t_n, v_n, s_n = neuron_soma(**kw)
    t_m, v_m, s_m = myriad_soma(**kw)
    np.testing.assert_allclose(t_m, t_n, rtol=0, atol=1e-9)
    assert np.ptp(v_n) > 1.0
    np.testing.assert_allclose(v_m, v_n, rtol=0, atol=1e-6 if kw["hh"] else 1e-9)
    assert len(s_m) == len(s_n)
    np.testing.assert_allclose(s_m, crossings(t_n, v_n, 10.0), rtol=0, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["passive clamp at 5.01", "passive events off-grid"])
def test_off_grid_times_match_neuron_fixed_step_on_numba(case):
    kw = CASES[case]
    _, v_n, _ = neuron_soma(**kw)
    _, v_m, _ = myriad_soma(**kw, backend="numba")
    np.testing.assert_allclose(v_m, v_n, rtol=0, atol=1e-9)
