"""The events of NetStims with noise, as NEURON's own run would send them.

A NetStim with ``noise > 0`` draws its intervals from a Random123 stream
(its own, or the one ``noiseFromRandom123``/``noiseFromRandom`` gives it),
which NEURON 9 rewinds at every ``finitialize``.  Its events therefore depend
on nothing but its parameters and its stream, as long as no NetCon targets it
(the importer refuses that), and they are delivered at their own times,
not on the step grid: running NEURON with every NetCon switched off (so the
cells stay at rest) at a coarse step yields, bit for bit, the times a
script's run sends.  Myriad plays them as event lists.
"""
from __future__ import annotations

#: the pre-run takes about this many steps: event times do not depend on the step,
#: and the cells, left without input, stay at rest
_STEPS = 1000


def noisy_net_stim_events(h, stims, tstop: float, v_init: float) -> dict[str, list[float]]:
    """hname -> event times up to ``tstop`` of each NetStim of ``stims``.
    NEURON is left initialised (``finitialize(v_init)``), its Vectors as they were."""
    vectors = list(h.List("Vector"))
    contents = [vec.to_python() for vec in vectors]
    switched_off = [nc for nc in h.List("NetCon") if nc.active()]
    for nc in switched_off:
        nc.active(0)
    recorders = []
    for stim in stims:
        nc, vec = h.NetCon(stim, None), h.Vector()
        nc.record(vec)
        recorders.append((stim.hname(), nc, vec))
    dt, step = float(h.dt), max(float(h.dt), tstop / _STEPS)
    try:
        h.finitialize(v_init)
        h.dt = step
        while h.t < tstop + step:
            h.fadvance()
        return {name: [t for t in vec.to_python() if t <= tstop] for name, _, vec in recorders}
    finally:
        h.dt = dt
        for nc in switched_off:
            nc.active(1)
        del recorders
        h.finitialize(v_init)
        for vec, content in zip(vectors, contents):
            vec.from_python(content)
