"""One soma (L = diam = 20 um, cm 1) run in NEURON and in Myriad from the same
MOD files: NEURON's built-in mechanisms are compiled from the very files the
``neuron`` wheel ships (share/modfile: hh.mod, passive.mod, expsyn.mod,
exp2syn.mod, stim.mod), and Myriad runs the classes applications.nmodl
generates from those files.  A model is a dict:

- ``density``: [(NEURON suffix, {parameter: value})] inserted in the soma;
- ``point``: [(NEURON point process, {parameter: value})] placed at soma(0.5);
- ``events``: (index into ``point``, weight, [arrival times in ms]) or None;
- ``celsius``, ``dt``, ``tstop``.

Rates are computed, not tabulated, in NEURON (``usetable_<suffix> = 0`` for
every mechanism that has a TABLE): the translation evaluates TABLE statements
exactly.
"""
from pathlib import Path

import numpy as np

from tests.applications.neuron_soma import record_soma

#: NEURON mechanism name -> its MOD file in the wheel
MOD_FILES = {"hh": "hh.mod", "pas": "passive.mod", "ExpSyn": "expsyn.mod", "Exp2Syn": "exp2syn.mod",
             "IClamp": "stim.mod"}


def wheel_mod(name: str) -> Path:
    """The wheel's MOD file of a NEURON mechanism, e.g. wheel_mod('hh')."""
    import neuron
    return Path(neuron.__file__).parent / ".data" / "share" / "modfile" / MOD_FILES[name]


def neuron_run(model: dict, *, dt=None, secondorder=0):
    """(t, v, spike times) from NEURON's fixed step (``secondorder`` 0 or 2)."""
    from benchmarks.peers.neuron_session import assert_no_sections, clean_slate, neuron_h, reset_globals
    h = neuron_h()
    clean_slate(h)
    keep = []
    try:
        h.celsius = model.get("celsius", 6.3)
        soma = h.Section(name="soma")
        soma.L = soma.diam = 20.0
        soma.nseg, soma.cm = 1, 1.0
        for suffix, params in model.get("density", []):
            soma.insert(suffix)
            if hasattr(h, f"usetable_{suffix}"):
                setattr(h, f"usetable_{suffix}", 0)
            for name, value in params.items():
                setattr(getattr(soma(0.5), suffix), name, value)
        points = []
        for name, params in model.get("point", []):
            pp = getattr(h, name)(soma(0.5))
            for pname, value in params.items():
                setattr(pp, pname, value)
            points.append(pp)
        events = model.get("events")
        if events is not None:
            nc = h.NetCon(None, points[events[0]])
            nc.weight[0] = events[1]
            keep.append(nc)
        tvec, vvec, spk, det = record_soma(h, soma)
        keep += [det, points]
        h.cvode.active(0)
        h.secondorder = secondorder
        h.dt = dt or model.get("dt", 0.025)
        h.finitialize(-65.0)
        if events is not None:
            for t in events[2]:
                keep[0].event(t)
        h.continuerun(model["tstop"])
        return np.array(tvec.as_numpy()), np.array(vvec.as_numpy()), np.array(spk.as_numpy())
    finally:
        keep = det = soma = points = None
        for suffix, _ in model.get("density", []):
            if hasattr(h, f"usetable_{suffix}"):
                setattr(h, f"usetable_{suffix}", 1)
        reset_globals(h)
        assert_no_sections(h)


def myriad_run(model: dict, classes: dict, *, method="backward_euler", dt=None, backend="openmp"):
    """(t, v, spike times) from Myriad with the generated ``classes`` (NEURON name -> class)."""
    from applications.neuro import Network
    from applications.nmodl.names import python_name
    net = Network()
    soma = net.section("soma", L=20.0, diam=20.0, nseg=1, cm=1.0, v_init=-65.0)
    celsius = model.get("celsius", 6.3)
    for suffix, params in model.get("density", []):
        cls = classes[suffix]
        extra = {"celsius": celsius} if "celsius" in cls.params() else {}
        soma.insert(cls, **extra, **{python_name(k): v for k, v in params.items()})
    points = [soma(0.5).place(classes[name], **{python_name(k): v for k, v in params.items()})
              for name, params in model.get("point", [])]
    events = model.get("events")
    if events is not None:
        net.connect(net.stimulus(events[2]), points[events[0]], delay=0.0, weight=events[1])
    net.spike_source(soma(0.5), gid=0, threshold=10.0)
    sim = net.simulation(method=method, dt=dt or model.get("dt", 0.025), backend=backend)
    trace = sim.record(soma(0.5).node(), "v")
    res = sim.run(model["tstop"])
    return res.t, res[trace], res.spike_times
