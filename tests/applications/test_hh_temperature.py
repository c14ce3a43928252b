"""HH away from 6.3 degC, where q10 = 3 ** ((celsius - 6.3) / 10) matters:
Myriad's backward Euler against NEURON's built-in hh (rates computed, not
tabulated) on its fixed step at the same celsius, dt and stimulus."""
import numpy as np
import pytest

from benchmarks.peers.neuron_interpolated import crossings
from tests.applications.neuron_soma import myriad_soma, neuron_soma
from tests.requirements import require_neuron

pytestmark = pytest.mark.neuron
require_neuron(module_level=True)


@pytest.mark.parametrize("celsius, amp, spikes", [(16.0, 0.1, 7), (37.0, 0.5, 0), (37.0, 2.0, 0)])
def test_hh_at_temperature_matches_neuron(celsius, amp, spikes):
    kw = dict(celsius=celsius, clamp=(5.0, 50.0, amp), dt=0.025, tstop=60.0)
    t_n, v_n, s_n = neuron_soma(**kw)
    t_m, v_m, s_m = myriad_soma(**kw)
    np.testing.assert_allclose(t_m, t_n, rtol=0, atol=1e-9)
    np.testing.assert_allclose(v_m, v_n, rtol=0, atol=1e-6)
    assert len(s_n) == len(s_m) == spikes
    # NEURON's fixed step reports a crossing at the end of its step; ours is interpolated within it
    np.testing.assert_allclose(s_m, crossings(t_n, v_n, 10.0), rtol=0, atol=1e-6)
