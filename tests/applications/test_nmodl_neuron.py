"""MOD files translated by applications.nmodl, run beside NEURON running the
same files (its built-in hh, pas, ExpSyn, Exp2Syn and IClamp are compiled
from the wheel's hh.mod, passive.mod, expsyn.mod, exp2syn.mod and stim.mod),
and hh.mod beside Myriad's hand-written HH."""
import numpy as np
import pytest

from tests.applications.nmodl_soma import MOD_FILES, myriad_run, neuron_run, wheel_mod
from tests.requirements import require_neuron

pytestmark = pytest.mark.neuron
require_neuron(module_level=True)

CLAMP = ("IClamp", {"del": 5.0, "dur": 50.0, "amp": 0.1})
CASES = {
    "hh.mod + stim.mod": dict(density=[("hh", {})], point=[CLAMP], tstop=60.0),
    "hh.mod at 16 degC": dict(density=[("hh", {"gnabar": 0.1})], point=[CLAMP], celsius=16.0, tstop=60.0),
    "passive.mod + stim.mod": dict(density=[("pas", {"g": 1e-3, "e": -65.0})],
                                   point=[("IClamp", {"del": 1.0, "dur": 5.0, "amp": 0.1})], tstop=10.0),
    "hh.mod + expsyn.mod": dict(density=[("hh", {})], point=[("ExpSyn", {"tau": 2.0, "e": 0.0})],
                                events=(0, 0.05, [2.0, 12.0, 24.0]), tstop=40.0),
    "hh.mod + exp2syn.mod": dict(density=[("hh", {})], point=[("Exp2Syn", {"tau1": 0.5, "tau2": 3.0, "e": 0.0})],
                                 events=(0, 0.02, [2.0, 12.0, 24.0]), tstop=40.0),
}
#: spikes NEURON fires in each case (so that a case that stopped spiking fails)
SPIKES = {"hh.mod + stim.mod": 4, "hh.mod at 16 degC": 1, "passive.mod + stim.mod": 0, "hh.mod + expsyn.mod": 3,
          "hh.mod + exp2syn.mod": 3}


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    from applications.nmodl import load
    directory = tmp_path_factory.mktemp("nmodl")
    return {name: load(wheel_mod(name), directory) for name in MOD_FILES}


@pytest.mark.parametrize("method, dt", [("backward_euler", 0.025), ("rk4", 0.01)])
def test_hh_mod_matches_the_hand_written_HH(classes, method, dt):
    from applications.neuro import HH
    model = dict(density=[("hh", {})], point=[CLAMP], tstop=100.0)
    _, v_mod, s_mod = myriad_run(model, classes, method=method, dt=dt)
    _, v_hh, s_hh = myriad_run(model, {**classes, "hh": HH}, method=method, dt=dt)
    assert len(s_mod) == len(s_hh) == 4
    np.testing.assert_allclose(v_mod, v_hh, rtol=0, atol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_same_trace_as_neuron_fixed_step(classes, case):
    """Backward Euler reproduces NEURON's default fixed step (both first order, currents at t + dt/2)."""
    model = CASES[case]
    t_n, v_n, s_n = neuron_run(model)
    t_m, v_m, s_m = myriad_run(model, classes)
    np.testing.assert_allclose(t_m, t_n, rtol=0, atol=1e-9)
    assert np.ptp(v_n) > 1.0
    np.testing.assert_allclose(v_m, v_n, rtol=0, atol=1e-9 if "passive" in case else 1e-6)
    assert len(s_n) == len(s_m) == SPIKES[case]
    # NEURON's fixed step reports a crossing at the end of its step; Myriad's is interpolated within it
    assert np.all((s_m <= s_n + 1e-9) & (s_m > s_n - model.get("dt", 0.025))), (s_m, s_n)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_error_against_a_converged_neuron_run_within_neuron_defaults(classes, case):
    """Against NEURON at dt 0.001 with secondorder = 2: Myriad's spike-time error
    (its trace error where nothing spikes) is at most 1.5x NEURON default's at dt 0.025."""
    model = CASES[case]
    _, v_ref, s_ref = neuron_run(model, dt=0.001, secondorder=2)
    _, v_n, s_n = neuron_run(model)
    _, v_m, s_m = myriad_run(model, classes)
    assert len(s_ref) == len(s_n) == len(s_m) == SPIKES[case]
    if SPIKES[case]:
        neuron_error, our_error = np.max(np.abs(s_n - s_ref)), np.max(np.abs(s_m - s_ref))
    else:
        on_grid = v_ref[::25]
        neuron_error, our_error = np.max(np.abs(v_n - on_grid)), np.max(np.abs(v_m - on_grid))
    assert our_error <= 1.5 * neuron_error, (our_error, neuron_error)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["hh.mod + exp2syn.mod", "passive.mod + stim.mod"])
def test_numba_runs_the_generated_classes_as_openmp_does(classes, case):
    """The numba backend translates the generated methods on its own: an independent check of pycast's C."""
    _, v_c, s_c = myriad_run(CASES[case], classes)
    _, v_numba, s_numba = myriad_run(CASES[case], classes, backend="numba")
    np.testing.assert_allclose(v_numba, v_c, rtol=0, atol=1e-9)
    np.testing.assert_allclose(s_numba, s_c, rtol=0, atol=1e-9)
