"""NEURON reference implementations of the models of docs/architecture.md's CLI contracts.

These are the test oracle and benchmark baseline for Myriad: ``hh_soma``,
``cable`` and ``ringtest`` built in NEURON (>= 9) exactly as docs/architecture.md
("External contracts") describes them.

``neuron`` is imported lazily inside the functions, so importing this module
works without NEURON installed (only calling the ``run_*`` functions needs it).

NEURON keeps global state per process.  Every ``run_*`` function builds its
model in function-local objects and leaves NEURON as it found it (see
:mod:`benchmarks.peers.neuron_session`), so they may be called any number of
times, in any order, from one process (e.g. a pytest session).

Quirks worth knowing (checked with NEURON 9.0.2):

* ``h.v_init`` defaults to -65 mV, ``h.celsius`` to 6.3 and ``h.dt`` to 0.025
  once ``stdrun.hoc`` is loaded; we set them explicitly anyway.
* ``h.cvode.cache_efficient()`` is already on by default in NEURON 9.
* With the fixed-step method NEURON checks thresholds at the end of each step
  and reports the spike at that step's time, i.e. spike times lie on the
  ``dt`` grid (the first grid time at which v >= threshold), not
  interpolated.  With CVODE we use ``cvode.condition_order(2)`` so threshold
  crossings are interpolated within the step.

* ``hh`` computes its rates from a 1 mV lookup table by default
  (``usetable_hh = 1``), an approximation of the equations that shifts spike
  times by a few tenths of a ms over 100 ms.  Myriad's ``HH`` evaluates the
  equations exactly, so the oracle functions default to ``hh_table=False``
  (the same equations in both simulators); the CLI keeps NEURON's default
  (``--hh-table {0,1}``, default 1) so that benchmarks time NEURON as users run it.

CoreNEURON (``run_ringtest(coreneuron=True)``, CLI ``--coreneuron``) runs the
same model in NEURON's optimised engine, in memory and on the CPU, with the
same ``pc.nthread`` threads (see
:func:`benchmarks.peers.neuron_session.psolve` for how its time loop is
timed).  Its spikes equal NEURON's on the ring.

Analytic helper: :func:`cable_steady_state` gives the exact steady state of
the sealed finite passive cable with current injected at x = 0.

The command line is :mod:`benchmarks.peers.neuron_models_cli`.
"""

from __future__ import annotations

import math
import time

from benchmarks.peers.neuron_session import (
    assert_no_sections,
    clean_slate,
    lazy_numpy,
    neuron_h,
    psolve,
    reset_globals,
    spike_vectors,
)

__all__ = [
    "run_hh_soma",
    "run_cable",
    "run_ringtest",
    "build_ring_network",
    "ring_cells",
    "ring_target",
    "cable_steady_state",
    "cable_input_resistance",
]

# --------------------------------------------------------------------------
# 1. hh_soma
# --------------------------------------------------------------------------


def run_hh_soma(amp=0.1, dt=0.025, tstop=100.0, integrator="fixed", secondorder=0,
                atol=1e-10, rtol=1e-10, hh_table=False):
    """Single-compartment Hodgkin-Huxley soma (docs/architecture.md, CLI 1).

    Returns a dict with numpy arrays ``t`` and ``v`` (every step for the fixed
    step method; every CVODE step for ``integrator="cvode"``), ``spikes`` (list
    of upward 10 mV crossings at soma(0.5)), ``steps``, ``build_s``, ``run_s``
    and ``compartments`` (= 1).
    """
    if integrator not in ("fixed", "cvode"):
        raise ValueError("integrator must be 'fixed' or 'cvode'")
    if dt <= 0 or tstop <= 0:
        raise ValueError("dt and tstop must be positive")
    h = neuron_h()
    clean_slate(h)
    h.usetable_hh = int(bool(hh_table))
    try:
        return _hh_soma_impl(h, amp, dt, tstop, integrator, secondorder, atol, rtol)
    finally:
        if integrator == "cvode":
            h.cvode.condition_order(1)
        reset_globals(h)
        assert_no_sections(h)


def _hh_soma_impl(h, amp, dt, tstop, integrator, secondorder, atol, rtol):
    np = lazy_numpy()
    t0 = time.perf_counter()
    h.celsius = 6.3
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20.0
    soma.nseg = 1
    soma.cm = 1.0
    soma.Ra = 100.0
    soma.insert("hh")
    for seg in soma:
        seg.hh.gnabar = 0.12
        seg.hh.gkbar = 0.036
        seg.hh.gl = 0.0003
        seg.hh.el = -54.3
    soma.ena = 50.0
    soma.ek = -77.0
    stim = h.IClamp(soma(0.5))
    stim.delay = 5.0
    stim.dur = 50.0
    stim.amp = amp

    tvec = h.Vector()
    vvec = h.Vector()
    tvec.record(h._ref_t)
    vvec.record(soma(0.5)._ref_v)
    nc = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    nc.threshold = 10.0
    spk = h.Vector()
    nc.record(spk)

    if integrator == "cvode":
        h.cvode.active(1)
        h.cvode.atol(atol)
        h.cvode.rtol(rtol)
        h.cvode.condition_order(2)
    else:
        h.cvode.active(0)
        h.secondorder = int(secondorder)
        h.dt = dt
    h.tstop = tstop
    build_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    h.finitialize(-65.0)
    if h.cvode.active():
        h.cvode.solve(tstop)
    else:
        h.continuerun(tstop)
    run_s = time.perf_counter() - t1

    if integrator == "cvode" and h.t > tvec[-1] + 1e-9:
        # Quirk: under CVODE, Vector.record misses the final solve point.
        tvec.append(h.t)
        vvec.append(soma(0.5).v)
    t_arr = np.array(tvec.as_numpy(), dtype=float)
    v_arr = np.array(vvec.as_numpy(), dtype=float)
    out = {
        "t": t_arr,
        "v": v_arr,
        "spikes": [float(x) for x in spk],
        "steps": int(len(t_arr) - 1),
        "compartments": 1,
        "build_s": build_s,
        "run_s": run_s,
    }
    return out


# --------------------------------------------------------------------------
# 2. cable
# --------------------------------------------------------------------------


def cable_input_resistance(L=1000.0, diam=2.0, Ra=100.0, g=1e-4):
    """Input resistance (MOhm) at an end of a sealed finite passive cable."""
    lam_cm = math.sqrt((1.0 / g) * (diam * 1e-4) / (4.0 * Ra))  # cm
    r_a = 4.0 * Ra / (math.pi * (diam * 1e-4) ** 2)  # ohm / cm
    L_cm = L * 1e-4
    return r_a * lam_cm / math.tanh(L_cm / lam_cm) * 1e-6  # MOhm


def cable_steady_state(x_um, L=1000.0, diam=2.0, Ra=100.0, g=1e-4, e=-65.0, amp=0.1):
    """Steady-state membrane potential (mV) of a sealed passive cable.

    Current ``amp`` (nA) is injected at x = 0 of a cable of length ``L`` (um),
    diameter ``diam`` (um), axial resistivity ``Ra`` (ohm cm), leak
    conductance ``g`` (S/cm2) and reversal ``e`` (mV); both ends sealed.

        lambda = sqrt(Rm d / (4 Ra)),  Rm = 1/g,  r_a = 4 Ra / (pi d^2)
        V(x) = e + I r_a lambda cosh((L - x)/lambda) / sinh(L/lambda)

    so V(0) = e + I R_in with R_in = r_a lambda coth(L/lambda).  Accepts a
    scalar or a numpy array of positions (um).
    """
    lam_cm = math.sqrt((1.0 / g) * (diam * 1e-4) / (4.0 * Ra))
    r_a = 4.0 * Ra / (math.pi * (diam * 1e-4) ** 2)  # ohm / cm
    L_cm = L * 1e-4
    scale = amp * 1e-9 * r_a * lam_cm / math.sinh(L_cm / lam_cm) * 1e3  # mV
    try:
        import numpy as np

        x_cm = np.asarray(x_um, dtype=float) * 1e-4
        res = e + scale * np.cosh((L_cm - x_cm) / lam_cm)
        return float(res) if res.ndim == 0 else res
    except ImportError:  # pragma: no cover
        return e + scale * math.cosh((L_cm - x_um * 1e-4) / lam_cm)


def run_cable(nseg=101, dt=0.025, tstop=200.0, method="fixed"):
    """Passive sealed cable (docs/architecture.md, CLI 2).

    ``method``: ``"fixed"`` (backward Euler, NEURON's default), ``"cn"``
    (``secondorder=2``, Crank-Nicolson) or ``"cvode"`` (atol 1e-8).
    Returns numpy arrays ``t``, ``v0``, ``vmid``, ``vend`` (v at x = 0, 0.5, 1)
    plus ``steps``, ``compartments`` (= nseg), ``build_s``, ``run_s``.
    """
    if method not in ("fixed", "cn", "cvode"):
        raise ValueError("method must be 'fixed', 'cn' or 'cvode'")
    if dt <= 0 or tstop <= 0 or int(nseg) < 1:
        raise ValueError("dt, tstop and nseg must be positive")
    h = neuron_h()
    clean_slate(h)
    try:
        return _cable_impl(h, nseg, dt, tstop, method)
    finally:
        reset_globals(h)
        assert_no_sections(h)


def _cable_impl(h, nseg, dt, tstop, method):
    np = lazy_numpy()
    t0 = time.perf_counter()
    h.celsius = 6.3
    cab = h.Section(name="cable")
    cab.L = 1000.0
    cab.diam = 2.0
    cab.nseg = int(nseg)
    cab.Ra = 100.0
    cab.cm = 1.0
    cab.insert("pas")
    for seg in cab:
        seg.pas.g = 1e-4
        seg.pas.e = -65.0
    stim = h.IClamp(cab(0))
    stim.delay = 1.0
    stim.dur = 1e9
    stim.amp = 0.1
    tvec, v0, vm, ve = h.Vector(), h.Vector(), h.Vector(), h.Vector()
    tvec.record(h._ref_t)
    v0.record(cab(0)._ref_v)
    vm.record(cab(0.5)._ref_v)
    ve.record(cab(1)._ref_v)
    if method == "cvode":
        h.cvode.active(1)
        h.cvode.atol(1e-8)
        h.cvode.rtol(0)
    else:
        h.cvode.active(0)
        h.secondorder = 2 if method == "cn" else 0
        h.dt = dt
    h.tstop = tstop
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    h.finitialize(-65.0)
    if h.cvode.active():
        h.cvode.solve(tstop)
    else:
        h.continuerun(tstop)
    run_s = time.perf_counter() - t1
    if method == "cvode" and h.t > tvec[-1] + 1e-9:
        # Quirk: under CVODE, Vector.record misses the final solve point.
        tvec.append(h.t)
        v0.append(cab(0).v)
        vm.append(cab(0.5).v)
        ve.append(cab(1).v)
    out = {
        "t": np.array(tvec.as_numpy(), dtype=float),
        "v0": np.array(v0.as_numpy(), dtype=float),
        "vmid": np.array(vm.as_numpy(), dtype=float),
        "vend": np.array(ve.as_numpy(), dtype=float),
        "steps": int(len(tvec) - 1),
        "compartments": int(nseg),
        "build_s": build_s,
        "run_s": run_s,
    }
    return out



# --------------------------------------------------------------------------
# 3. ringtest
# --------------------------------------------------------------------------


class _RingCell:
    """One ringtest cell (docs/architecture.md, CLI 3)."""

    def __init__(self, h, gid, nbranch, ncompart):
        self.gid = gid
        self.soma = h.Section(name="soma", cell=self)
        s = self.soma
        s.L = s.diam = 12.6157
        s.nseg = 1
        s.Ra = 100.0
        s.cm = 1.0
        s.insert("hh")
        for seg in s:
            seg.hh.gnabar = 0.12
            seg.hh.gkbar = 0.036
            seg.hh.gl = 0.0003
            seg.hh.el = -54.3
        self.dend = []
        for i in range(nbranch):
            d = h.Section(name="dend[%d]" % i, cell=self)
            d.L = 200.0 if i == 0 else 10.0
            d.diam = 1.0
            d.nseg = ncompart
            d.Ra = 100.0
            d.cm = 1.0
            d.insert("pas")
            for seg in d:
                seg.pas.g = 0.001
                seg.pas.e = -65.0
            if i == 0:
                d.connect(s(1), 0)
            else:
                d.connect(self.dend[(i - 1) // 2](1), 0)
            self.dend.append(d)
        self.syn = h.ExpSyn(self.dend[0](0.8))
        self.syn.tau = 2.0
        self.syn.e = 0.0

    def __repr__(self):
        return "RingCell[%d]" % self.gid


def _ringtest_nseg(h):
    return int(sum(sec.nseg for sec in h.allsec()))


def run_ringtest(nring=16, ncell=8, nbranch=16, ncompart=1, tstop=100.0, dt=0.025,
                 secondorder=0, threads=1, cache_efficient=True, record_soma_gids=(),
                 hh_table=False, coreneuron=False):
    """CoreNEURON ring benchmark (docs/architecture.md, CLI 3) run with ``pc.psolve``,
    in NEURON or (``coreneuron=True``) in CoreNEURON.

    Returns ``spikes`` (list of (time, gid) sorted by time then gid),
    ``compartments`` (sum of nseg), ``steps``, ``build_s`` (model building and
    ``stdinit``), ``run_s`` (the time loop alone), ``psolve_s`` (wall time of
    ``pc.psolve(tstop)``), with CoreNEURON ``transfer_s`` (see
    :func:`psolve`), ``threads``.  If ``record_soma_gids`` is given, also
    ``t`` and ``soma_v`` ({gid: array}) recorded every step.
    """
    for name, val in (("nring", nring), ("ncell", ncell), ("nbranch", nbranch),
                      ("ncompart", ncompart), ("threads", threads)):
        if int(val) < 1:
            raise ValueError("%s must be >= 1" % name)
    if dt <= 0 or tstop <= 0:
        raise ValueError("dt and tstop must be positive")
    if coreneuron and not cache_efficient:
        raise ValueError("CoreNEURON needs cache_efficient=True")
    nring, ncell, nbranch, ncompart, threads = (int(nring), int(ncell), int(nbranch),
                                                int(ncompart), int(threads))
    h = neuron_h()
    clean_slate(h)
    ce_saved = int(h.cvode.cache_efficient())
    h.usetable_hh = int(bool(hh_table))
    try:
        return _ringtest_impl(h, nring, ncell, nbranch, ncompart, tstop, dt, secondorder,
                              threads, cache_efficient, record_soma_gids, coreneuron)
    finally:
        pc = h.ParallelContext()
        pc.gid_clear()
        tvec, idvec = spike_vectors(h)
        tvec.resize(0)
        idvec.resize(0)
        reset_globals(h)
        h.cvode.cache_efficient(ce_saved)
        assert_no_sections(h)


def _ringtest_impl(h, nring, ncell, nbranch, ncompart, tstop, dt, secondorder, threads,
                   cache_efficient, record_soma_gids, coreneuron):
    np = lazy_numpy()
    pc = h.ParallelContext()
    t0 = time.perf_counter()
    h.celsius = 6.3
    h.v_init = -65.0
    h.cvode.active(0)
    h.cvode.cache_efficient(1 if cache_efficient else 0)
    ns = build_ring_network(h, pc, nring, ncell, nbranch, ncompart)
    compartments = _ringtest_nseg(h)

    tvec, idvec = spike_vectors(h)
    tvec.resize(0)
    idvec.resize(0)
    pc.spike_record(-1, tvec, idvec)
    rec_t = None
    rec_v = {}
    if record_soma_gids:
        rec_t = h.Vector()
        rec_t.record(h._ref_t)
        for gid in record_soma_gids:
            vv = h.Vector()
            vv.record(ns["cells"][int(gid)].soma(0.5)._ref_v)
            rec_v[int(gid)] = vv

    pc.set_maxstep(10)
    pc.nthread(threads)
    h.dt = dt
    h.secondorder = int(secondorder)
    h.tstop = tstop
    h.stdinit()
    build_s = time.perf_counter() - t0

    timing = psolve(h, pc, tstop, coreneuron)
    steps = int(round(h.t / dt))

    tt = np.array(tvec.as_numpy(), dtype=float)
    gg = np.rint(np.array(idvec.as_numpy(), dtype=float)).astype(np.int64)
    order = np.lexsort((gg, tt))
    out = {
        "spikes": [(float(tt[k]), int(gg[k])) for k in order],
        "compartments": compartments,
        "steps": steps,
        "build_s": build_s,
        "threads": threads,
    }
    out.update(timing)
    if record_soma_gids:
        out["t"] = np.array(rec_t.as_numpy(), dtype=float)
        out["soma_v"] = {g: np.array(v.as_numpy(), dtype=float) for g, v in rec_v.items()}
    return out


#: the ring's wiring (docs/architecture.md, CLI 3): every connection's delay (ms)
#: and weight (uS), the spike threshold at soma(0.5) (mV), and when the one
#: stimulus event reaches cell 0 of every ring (ms)
RING_DELAY = 1.0
RING_WEIGHT = 0.01
RING_THRESHOLD = 10.0
RING_STIMULUS_ARRIVAL = 1.0


def ring_cells(h, nring, ncell, nbranch, ncompart):
    """The ring's cells, unconnected: {gid: cell}, gid = ring*ncell + i."""
    return {gid: _RingCell(h, gid, nbranch, ncompart) for gid in range(nring * ncell)}


def ring_target(gid, ncell):
    """The gid that cell ``gid`` excites: the next cell of its ring."""
    ring, i = divmod(gid, ncell)
    return ring * ncell + (i + 1) % ncell


def build_ring_network(h, pc, nring, ncell, nbranch, ncompart):
    """Build the ring on ``pc``: ``nring`` rings of ``ncell`` cells (gid =
    ring*ncell + i, spikes at soma(0.5) crossing 10 mV), cell i exciting cell
    i+1 of its ring and one NetStim cell 0 of every ring.  Returns what keeps
    it alive: ``cells`` ({gid: cell}), ``netcons`` and ``stim``."""
    cells = ring_cells(h, nring, ncell, nbranch, ncompart)
    netcons = []
    for gid, cell in cells.items():
        pc.set_gid2node(gid, pc.id())
        nc = h.NetCon(cell.soma(0.5)._ref_v, None, sec=cell.soma)
        nc.threshold = RING_THRESHOLD
        pc.cell(gid, nc)
        netcons.append(nc)
    for gid in cells:
        nc = pc.gid_connect(gid, cells[ring_target(gid, ncell)].syn)
        nc.delay = RING_DELAY
        nc.weight[0] = RING_WEIGHT
        netcons.append(nc)
    stim = h.NetStim()
    stim.number = 1
    stim.start = RING_STIMULUS_ARRIVAL - RING_DELAY
    stim.interval = 10.0
    stim.noise = 0
    for ring in range(nring):
        nc = h.NetCon(stim, cells[ring * ncell].syn)
        nc.delay = RING_DELAY
        nc.weight[0] = RING_WEIGHT
        netcons.append(nc)
    return {"cells": cells, "netcons": netcons, "stim": stim}
