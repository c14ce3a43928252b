"""NEURON's fixed step with spikes timed as Myriad times them: by linear
interpolation of v within the step in which it crosses the threshold.

Myriad's backward Euler is NEURON's fixed step (``secondorder = 0``): implicit
Euler for v, channel states advanced with v at the new time, currents at the
step's middle, events delivered at the start of the step whose middle they
precede.  Traces of a single cell agree to rounding.  The one difference is
the time of a spike: NEURON's fixed step reports a crossing at the end of its
step (plus 1e-10 ms), Myriad interpolates it within the step.  In a network the
event it sends (spike + delay) then reaches its target one step earlier in
Myriad whenever the crossing lies in the first half of a step: on the 2 x 4
ringtest (nbranch 4, ncompart 1) at dt 0.025 the first spike crosses at
2.5324 ms (NEURON: 2.55), its event arrives in the step from 3.525 ms
(NEURON: from 3.55), and the two runs' somas differ by up to 28 mV within
50 ms.  Neither is wrong; they are different methods.

To compare a network step for step, :func:`run_ringtest_interpolated` runs the
ring built by :mod:`benchmarks.peers.neuron_models` (NEURON's cells, ``hh``,
``pas``, ``ExpSyn``, integrator and event queue) one ``h.fadvance()`` at a time
and does only the spike detection itself: after each step every soma's
crossing is timed (``spike_timing="interpolated"`` as Myriad does,
``"grid"`` as NEURON does) and the event is queued on its target with
``NetCon.event(spike + delay)``.  With ``"grid"`` it reproduces ``pc.psolve``'s
spikes and traces (tests/peers/test_neuron_oracle.py checks it), so the
driver adds nothing but the spike timing.

:func:`crossings` times the crossings of a recorded trace the same way.
"""

from __future__ import annotations

from benchmarks.peers.neuron_models import (
    RING_DELAY,
    RING_STIMULUS_ARRIVAL,
    RING_THRESHOLD,
    RING_WEIGHT,
    ring_cells,
    ring_target,
)
from benchmarks.peers.neuron_session import assert_no_sections, clean_slate, lazy_numpy, neuron_h, reset_globals

__all__ = ["crossing_time", "crossings", "run_ringtest_interpolated"]

#: NEURON's fixed step reports a crossing this long after the end of its step (ms)
NEURON_SPIKE_OFFSET = 1e-10


def crossing_time(t, dt, vprev, v, threshold):
    """When v, ``vprev`` at ``t`` and ``v`` at ``t + dt``, crossed ``threshold``
    upwards, by linear interpolation (Myriad's ``myr_detect``)."""
    frac = (threshold - vprev) / (v - vprev) if v > vprev else 1.0
    return t + min(max(frac, 0.0), 1.0) * dt


def crossings(t, v, threshold):
    """The upward crossings of ``threshold`` by a trace ``v`` recorded at every
    step ``t``, each timed within its step by :func:`crossing_time`: a crossing
    is a step from ``v <= threshold`` to ``v > threshold``."""
    np = lazy_numpy()
    t, v = np.asarray(t, dtype=float), np.asarray(v, dtype=float)
    steps = np.flatnonzero((v[:-1] <= threshold) & (v[1:] > threshold))
    return np.array([crossing_time(t[k], t[k + 1] - t[k], v[k], v[k + 1], threshold) for k in steps])


def run_ringtest_interpolated(nring=2, ncell=4, nbranch=4, ncompart=1, tstop=100.0, dt=0.025,
                              spike_timing="interpolated"):
    """The ringtest (docs/architecture.md, CLI 3) on NEURON's fixed step
    (``secondorder = 0``, ``hh`` rates computed), its spikes detected and
    delivered here, timed by ``spike_timing`` ("interpolated" or "grid").

    Returns ``t`` (every step), ``soma_v`` and ``syn_v`` ({gid: v at soma(0.5)
    and at the synapse, dend[0](0.8), every step}) and ``spikes`` (list of
    (time, gid) sorted by time then gid).
    """
    if spike_timing not in ("interpolated", "grid"):
        raise ValueError("spike_timing must be 'interpolated' or 'grid'")
    if not (dt > 0 and tstop > 0):
        raise ValueError("dt and tstop must be positive")
    h = neuron_h()
    clean_slate(h)
    h.usetable_hh = 0
    try:
        return _run(h, int(nring), int(ncell), int(nbranch), int(ncompart), tstop, dt,
                    spike_timing == "interpolated")
    finally:
        reset_globals(h)
        assert_no_sections(h)


def _run(h, nring, ncell, nbranch, ncompart, tstop, dt, interpolate):
    np = lazy_numpy()
    h.celsius = 6.3
    h.cvode.active(0)
    h.secondorder = 0
    h.dt = dt
    cells = ring_cells(h, nring, ncell, nbranch, ncompart)
    inputs = {}
    for gid, cell in cells.items():
        nc = h.NetCon(None, cell.syn)
        nc.weight[0] = RING_WEIGHT
        inputs[gid] = nc
    tvec = h.Vector().record(h._ref_t)
    soma_vecs = {gid: h.Vector().record(cell.soma(0.5)._ref_v) for gid, cell in cells.items()}
    syn_vecs = {gid: h.Vector().record(cell.dend[0](0.8)._ref_v) for gid, cell in cells.items()}
    somas = {gid: cell.soma(0.5) for gid, cell in cells.items()}

    h.finitialize(-65.0)
    for ring in range(nring):
        inputs[ring * ncell].event(RING_STIMULUS_ARRIVAL)
    vprev = {gid: seg.v for gid, seg in somas.items()}
    above = {gid: v > RING_THRESHOLD for gid, v in vprev.items()}
    spikes = []
    for step in range(int(round(tstop / dt))):
        t = h.t
        h.fadvance()
        for gid, seg in somas.items():
            v = seg.v
            if v > RING_THRESHOLD and not above[gid]:
                ts = (crossing_time(t, h.t - t, vprev[gid], v, RING_THRESHOLD) if interpolate
                      else h.t + NEURON_SPIKE_OFFSET)
                spikes.append((ts, gid))
                inputs[ring_target(gid, ncell)].event(ts + RING_DELAY)
            above[gid] = v > RING_THRESHOLD
            vprev[gid] = v
    return {
        "t": np.array(tvec.as_numpy(), dtype=float),
        "soma_v": {gid: np.array(vec.as_numpy(), dtype=float) for gid, vec in soma_vecs.items()},
        "syn_v": {gid: np.array(vec.as_numpy(), dtype=float) for gid, vec in syn_vecs.items()},
        "spikes": sorted(spikes),
    }
