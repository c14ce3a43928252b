"""Gap-junction ring and graded-synapse pair: Myriad against NEURON 9 run in
the same test (gap junctions as half-gap pairs or, where the methods must be
the same, as LinearMechanisms; the graded synapse as a MOD file compiled with
nrnivmodl; benchmarks/peers/neuron_dense.py)."""
import numpy as np
import pytest
from tests.requirements import require, require_neuron, unavailable

#: slow: nrnivmodl builds the MOD files for the first test, and each test runs NEURON's CVODE
pytestmark = [pytest.mark.neuron, pytest.mark.slow]
require_neuron(module_level=True)
neuron_dense = require("benchmarks.peers.neuron_dense", module_level=True)

from benchmarks.peers.neuron_mechanisms import load_mechanisms  # noqa: E402

from benchmarks.peers.neuron_interpolated import crossings as crossings_of  # noqa: E402
from tests.dense_models import gap_ring, graded_pair  # noqa: E402

TSTOP, DT = 100.0, 0.01
#: strong enough that cell 1 follows every spike of cell 0 (at 0.01 uS it skips some,
#: and which ones would hang on tiny numerical differences)
G_SYN = 0.03


@pytest.fixture(scope="module")
def nrn():
    try:
        load_mechanisms()
    except Exception as exc:                       # no nrnivmodl / no C compiler for it
        unavailable(f"NEURON mechanisms could not be compiled: {type(exc).__name__}: {exc}")
    return neuron_dense


def _myriad(net, nodes, method, extra=()):
    sim = net.simulation(method=method, dt=DT)
    names = [sim.record(node, "v") for node in nodes] + [sim.record(ref, name) for ref, name in extra]
    res = sim.run(TSTOP)
    return res, [res[n] for n in names]


def _spike_error(spikes, ref_spikes):
    """Largest spike-time difference between two per-cell lists (counts must agree)."""
    worst = 0.0
    for gid, (ours, times) in enumerate(zip(spikes, ref_spikes)):
        assert len(ours) == len(times), (gid, ours, times)
        if len(times):
            worst = max(worst, float(np.abs(np.asarray(ours) - np.asarray(times)).max()))
    return worst


def _per_cell(res, ncell):
    return [res.spike_times[res.spike_gids == gid] for gid in range(ncell)]


def _check(nrn_run, res, traces, method):
    """rk4: traces within 1 mV of NEURON's CVODE (1e-9) over 100 ms.  Backward
    Euler where NEURON's fixed step is another method (the graded synapse reads
    the presynaptic v once per step there, implicitly here): first order, so its
    spikes drift by O(dt) per spike and traces differ by tens of mV on an
    upstroke; the bar is spike times no further from CVODE's than 1.5x those of
    NEURON's own fixed step at the same dt."""
    ref = nrn_run(method="cvode")
    if method == "rk4":
        err = np.abs(np.array(traces) - ref["v"]).max()
        print(f"rk4 max |dV| vs CVODE: {err:.3g} mV")
        assert err < 1.0, err
        return ref
    fixed = nrn_run(method="fixed")
    per_cell = _per_cell(res, len(ref["spikes"]))
    ours, theirs = _spike_error(per_cell, ref["spikes"]), _spike_error(fixed["spikes"], ref["spikes"])
    print(f"spike-time error vs CVODE: Myriad backward Euler {ours:.4g} ms, NEURON fixed step {theirs:.4g} ms")
    assert ours <= 1.5 * theirs + 1e-3, (ours, theirs)
    return ref


def test_gap_junction_ring_rk4_matches_neuron(nrn):
    net, cells = gap_ring(ncell=8)
    res, traces = _myriad(net, [c(0.5).node() for c in cells], "rk4")
    assert sorted(set(res.spike_gids.tolist())) == list(range(8))      # the spike went round
    _check(lambda **kw: nrn.run_gap_ring(ncell=8, tstop=TSTOP, dt=DT, **kw), res, traces, "rk4")


def test_gap_junction_ring_backward_euler_is_neurons_fixed_step(nrn):
    """NEURON's half gaps read the other side's v once per fixed step (explicit
    coupling; traces part from Myriad's by 13 mV at dt 0.01); as LinearMechanisms
    they are solved with the cable equation, as Myriad's backward Euler solves its
    gap junctions: then every soma's v at every step agrees to rounding, and
    every spike time with the crossing of NEURON's trace timed as Myriad times it."""
    theirs = nrn.run_gap_ring(ncell=8, tstop=TSTOP, dt=DT, method="fixed", coupling="implicit")
    net, cells = gap_ring(ncell=8)
    res, traces = _myriad(net, [c(0.5).node() for c in cells], "backward_euler")
    np.testing.assert_allclose(traces, theirs["v"], rtol=0, atol=1e-6)
    for gid, ours in enumerate(_per_cell(res, 8)):
        crossings = crossings_of(theirs["t"], theirs["v"][gid], 10.0)
        assert len(ours) == len(crossings) == len(theirs["spikes"][gid]) == 1, gid
        np.testing.assert_allclose(ours, crossings, rtol=0, atol=1e-6, err_msg=f"cell {gid}")


@pytest.mark.parametrize("method", ["rk4", "backward_euler"])
def test_graded_synapse_pair_matches_neuron(nrn, method):
    net, cells, synapse = graded_pair(g_syn=G_SYN)
    res, traces = _myriad(net, [c(0.5).node() for c in cells], method, extra=[(synapse, "s")])
    assert (res.spike_gids == 1).sum() == (res.spike_gids == 0).sum() >= 2    # cell 1 follows cell 0
    ref = _check(lambda **kw: nrn.run_graded_pair(g_syn=G_SYN, tstop=TSTOP, dt=DT, **kw), res, traces[:2],
                 method)
    if method == "rk4":
        assert np.abs(traces[2] - ref["s"]).max() < 1e-3


def test_graded_synapse_without_conductance_leaves_the_target_at_rest(nrn):
    net, cells, _ = graded_pair(g_syn=0.0)
    res, traces = _myriad(net, [c(0.5).node() for c in cells], "rk4")
    assert (res.spike_gids == 0).sum() >= 2 and (res.spike_gids == 1).sum() == 0
    assert np.abs(traces[1] + 65.0).max() < 0.1             # HH's own rest is -64.97 mV
