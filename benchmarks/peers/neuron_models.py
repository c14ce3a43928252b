"""NEURON reference implementations of the DESIGN.md external-contract models.

These are the test oracle and benchmark baseline for Myriad: ``hh_soma``,
``cable`` and ``ringtest`` built in NEURON (>= 9) exactly as DESIGN.md
("External contracts") describes them.

``neuron`` is imported lazily inside the functions, so importing this module
works without NEURON installed (only calling the ``run_*`` functions needs it).

NEURON keeps global state per process.  Every ``run_*`` function builds its
model in function-local objects, drops every reference when it returns (so the
Python-created sections vanish), clears the ParallelContext gid table and
resets ``pc.nthread(1)``, ``h.secondorder = 0``, ``h.cvode.active(0)`` and
``h.dt``, so they may be called any number of times, in any order, from one
process (e.g. a pytest session).

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
same ``pc.nthread`` threads (see :func:`_psolve` for how its time loop is
timed).  Its spikes equal NEURON's on the ring.

Analytic helper: :func:`cable_steady_state` gives the exact steady state of
the sealed finite passive cable with current injected at x = 0.

CLI::

    python -m benchmarks.peers.neuron_models ringtest --nring 16 --ncell 8 \\
        --nbranch 16 --ncompart 1 --tstop 100 --dt 0.025 --threads 1 --out spikes.dat
    python -m benchmarks.peers.neuron_models hh_soma --amp 0.1 --out hh.csv
    python -m benchmarks.peers.neuron_models cable --nseg 101 --out cable.csv

The last stdout line is one JSON object with ``engine``, ``compartments``,
``steps``, ``build_s``, ``run_s``, ``peak_rss_mb``, ``threads``, ``nspikes``;
``ringtest`` adds ``psolve_s`` (wall time of ``pc.psolve``) and ``startup_s``
(set-up before the time loop: ``build_s``, plus ``transfer_s`` under
CoreNEURON).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import re
import resource
import sys
import tempfile
import time

__all__ = [
    "run_hh_soma",
    "run_cable",
    "run_ringtest",
    "cable_steady_state",
    "cable_input_resistance",
    "main",
]

# --------------------------------------------------------------------------
# NEURON process-global state handling
# --------------------------------------------------------------------------

_H = None


def _h():
    """Import NEURON lazily, load stdrun once, and return ``h``."""
    global _H
    if _H is None:
        from neuron import h  # noqa: WPS433 (lazy on purpose)

        h.load_file("stdrun.hoc")
        _H = h
    return _H


def _clean_slate(h):
    """Make sure no sections or gids survive from an earlier model."""
    leftovers = list(h.allsec())
    if leftovers:
        # Should not happen with the run_* functions of this module; be
        # robust against foreign code in the same process anyway.
        for sec in leftovers:
            h.delete_section(sec=sec)
    assert len(list(h.allsec())) == 0, "could not delete leftover NEURON sections"
    pc = h.ParallelContext()
    pc.gid_clear()
    pc.nthread(1)
    h.cvode.active(0)
    h.secondorder = 0
    _coreneuron_off()


def _coreneuron_off():
    from neuron import coreneuron  # noqa: WPS433

    coreneuron.enable = False


def _reset_globals(h, dt_saved=0.025):
    pc = h.ParallelContext()
    pc.gid_clear()
    pc.nthread(1)
    h.cvode.active(0)
    h.secondorder = 0
    h.dt = dt_saved
    h.usetable_hh = 1
    _coreneuron_off()


def _assert_no_sections(h):
    n = len(list(h.allsec()))
    if n:
        gc.collect()
        n = len(list(h.allsec()))
    assert n == 0, "%d NEURON sections left behind" % n


def _np():
    import numpy as np

    return np


def _grid_steps(tstop, dt):
    return int(round(tstop / dt))


# --------------------------------------------------------------------------
# 1. hh_soma
# --------------------------------------------------------------------------


def run_hh_soma(amp=0.1, dt=0.025, tstop=100.0, integrator="fixed", secondorder=0,
                atol=1e-10, rtol=1e-10, hh_table=False):
    """Single-compartment Hodgkin-Huxley soma (DESIGN.md model 1).

    Returns a dict with numpy arrays ``t`` and ``v`` (every step for the fixed
    step method; every CVODE step for ``integrator="cvode"``), ``spikes`` (list
    of upward 10 mV crossings at soma(0.5)), ``steps``, ``build_s``, ``run_s``
    and ``compartments`` (= 1).
    """
    if integrator not in ("fixed", "cvode"):
        raise ValueError("integrator must be 'fixed' or 'cvode'")
    if dt <= 0 or tstop <= 0:
        raise ValueError("dt and tstop must be positive")
    h = _h()
    _clean_slate(h)
    h.usetable_hh = int(bool(hh_table))
    try:
        return _hh_soma_impl(h, amp, dt, tstop, integrator, secondorder, atol, rtol)
    finally:
        if integrator == "cvode":
            h.cvode.condition_order(1)
        _reset_globals(h)
        _assert_no_sections(h)


def _hh_soma_impl(h, amp, dt, tstop, integrator, secondorder, atol, rtol):
    np = _np()
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
    """Passive sealed cable (DESIGN.md model 2).

    ``method``: ``"fixed"`` (backward Euler, NEURON's default), ``"cn"``
    (``secondorder=2``, Crank-Nicolson) or ``"cvode"`` (atol 1e-8).
    Returns numpy arrays ``t``, ``v0``, ``vmid``, ``vend`` (v at x = 0, 0.5, 1)
    plus ``steps``, ``compartments`` (= nseg), ``build_s``, ``run_s``.
    """
    if method not in ("fixed", "cn", "cvode"):
        raise ValueError("method must be 'fixed', 'cn' or 'cvode'")
    if dt <= 0 or tstop <= 0 or int(nseg) < 1:
        raise ValueError("dt, tstop and nseg must be positive")
    h = _h()
    _clean_slate(h)
    try:
        return _cable_impl(h, nseg, dt, tstop, method)
    finally:
        _reset_globals(h)
        _assert_no_sections(h)


def _cable_impl(h, nseg, dt, tstop, method):
    np = _np()
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


#: $CORENEURONLIB at this process's first CoreNEURON psolve ("" = NEURON's
#: built-in mechanisms): CoreNEURON loads its mechanism library only once
_CORENEURON_LIB = None


@contextlib.contextmanager
def _stdout_to_stderr(what):
    """While the block runs, fd 1 (C stdio's stdout too) is a temporary file;
    afterwards its text is copied to stderr and left in the yielded list.
    ``what`` names the writer in the line on stderr that gives the file's path
    first, so that its text can be found should the process abort."""
    import ctypes

    libc = ctypes.CDLL(None)
    fd, path = tempfile.mkstemp(prefix="neuron-stdout-", suffix=".log")
    sys.stderr.write("[neuron_models] %s's stdout goes to %s\n" % (what, path))
    sys.stderr.flush()
    sys.stdout.flush()
    libc.fflush(None)
    saved = os.dup(1)
    os.dup2(fd, 1)
    text = []
    try:
        yield text
    finally:
        libc.fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        with os.fdopen(fd, "rb") as fh:
            fh.seek(0)
            text.append(fh.read().decode(errors="replace"))
        os.unlink(path)
        sys.stderr.write(text[0])
        sys.stderr.flush()


def _psolve(h, pc, tstop, coreneuron=False):
    """``pc.psolve(tstop)`` in NEURON, or in CoreNEURON (in memory, CPU).

    Returns ``psolve_s`` (wall time of psolve) and ``run_s``, the time loop
    alone as every engine's ``run_s`` means.  In NEURON the two are the same.
    CoreNEURON's psolve also copies the model into CoreNEURON first and the
    state and spikes back afterwards; that is set-up, not simulation, so
    ``run_s`` is CoreNEURON's own "Solver Time" and ``transfer_s`` the rest of
    psolve.  CoreNEURON prints that report with C stdio on stdout, where it
    would land after or inside our JSON line, so it is diverted to stderr
    (:func:`_stdout_to_stderr`) and read there.  If the report lacks the
    solver time, ``run_s`` is ``psolve_s`` and ``run_s_is_psolve`` says so.

    CoreNEURON keeps the mechanism library it loaded first for the whole
    process (a later model needing another one would crash it), so a change of
    ``$CORENEURONLIB`` after the first CoreNEURON run is an error.
    """
    global _CORENEURON_LIB
    if not coreneuron:
        t0 = time.perf_counter()
        pc.psolve(tstop)
        dt = time.perf_counter() - t0
        return {"psolve_s": dt, "run_s": dt}
    from neuron import coreneuron as cn  # noqa: WPS433

    if not h.cvode.cache_efficient():
        raise ValueError("CoreNEURON needs h.cvode.cache_efficient(1)")
    lib = os.environ.get("CORENEURONLIB", "")
    if _CORENEURON_LIB is None:
        _CORENEURON_LIB = lib
    elif lib != _CORENEURON_LIB:
        raise RuntimeError(
            "CoreNEURON already runs with the mechanism library %r in this process and cannot "
            "load %r: run this model in a new process" % (_CORENEURON_LIB or "(built-in)", lib))
    cn.enable = True
    cn.gpu = False
    cn.verbose = 1  # lowest level that still prints "Solver Time"
    try:
        with _stdout_to_stderr("CoreNEURON") as report:
            t0 = time.perf_counter()
            pc.psolve(tstop)
            psolve_s = time.perf_counter() - t0
    finally:
        cn.enable = False
    m = re.search(r"Solver Time\s*:\s*([-+.0-9eE]+)", report[0])
    out = {"psolve_s": psolve_s, "run_s": float(m.group(1)) if m else psolve_s}
    out["transfer_s"] = psolve_s - out["run_s"]
    if not m:
        out["run_s_is_psolve"] = True
    return out


# --------------------------------------------------------------------------
# 3. ringtest
# --------------------------------------------------------------------------


class _RingCell:
    """One ringtest cell (DESIGN.md model 3)."""

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
    """CoreNEURON ring benchmark (DESIGN.md model 3) run with ``pc.psolve``,
    in NEURON or (``coreneuron=True``) in CoreNEURON.

    Returns ``spikes`` (list of (time, gid) sorted by time then gid),
    ``compartments`` (sum of nseg), ``steps``, ``build_s`` (model building and
    ``stdinit``), ``run_s`` (the time loop alone), ``psolve_s`` (wall time of
    ``pc.psolve(tstop)``), with CoreNEURON ``transfer_s`` (see
    :func:`_psolve`), ``threads``.  If ``record_soma_gids`` is given, also
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
    h = _h()
    _clean_slate(h)
    ce_saved = int(h.cvode.cache_efficient())
    h.usetable_hh = int(bool(hh_table))
    try:
        return _ringtest_impl(h, nring, ncell, nbranch, ncompart, tstop, dt, secondorder,
                              threads, cache_efficient, record_soma_gids, coreneuron)
    finally:
        pc = h.ParallelContext()
        pc.gid_clear()
        tvec, idvec = _spike_vectors(h)
        tvec.resize(0)
        idvec.resize(0)
        _reset_globals(h)
        h.cvode.cache_efficient(ce_saved)
        _assert_no_sections(h)


_SPIKE_VECS = None


def _spike_vectors(h):
    """Process-lifetime vectors for ``pc.spike_record`` (never freed while
    NEURON may still hold a pointer to them)."""
    global _SPIKE_VECS
    if _SPIKE_VECS is None:
        _SPIKE_VECS = (h.Vector(), h.Vector())
    return _SPIKE_VECS


def _ringtest_impl(h, nring, ncell, nbranch, ncompart, tstop, dt, secondorder, threads,
                   cache_efficient, record_soma_gids, coreneuron):
    np = _np()
    pc = h.ParallelContext()
    t0 = time.perf_counter()
    h.celsius = 6.3
    h.v_init = -65.0
    h.cvode.active(0)
    h.cvode.cache_efficient(1 if cache_efficient else 0)
    ns = _build_ring_network(h, pc, nring, ncell, nbranch, ncompart)
    compartments = _ringtest_nseg(h)

    tvec, idvec = _spike_vectors(h)
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

    timing = _psolve(h, pc, tstop, coreneuron)
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


def _build_ring_network(h, pc, nring, ncell, nbranch, ncompart):
    cells = {}
    netcons = []
    for ring in range(nring):
        for i in range(ncell):
            gid = ring * ncell + i
            cell = _RingCell(h, gid, nbranch, ncompart)
            cells[gid] = cell
            pc.set_gid2node(gid, pc.id())
            nc = h.NetCon(cell.soma(0.5)._ref_v, None, sec=cell.soma)
            nc.threshold = 10.0
            pc.cell(gid, nc)
            netcons.append(nc)
    for ring in range(nring):
        for i in range(ncell):
            src = ring * ncell + i
            tgt = ring * ncell + (i + 1) % ncell
            nc = pc.gid_connect(src, cells[tgt].syn)
            nc.delay = 1.0
            nc.weight[0] = 0.01
            netcons.append(nc)
    stim = h.NetStim()
    stim.number = 1
    stim.start = 0.0
    stim.interval = 10.0
    stim.noise = 0
    for ring in range(nring):
        nc = h.NetCon(stim, cells[ring * ncell].syn)
        nc.delay = 1.0
        nc.weight[0] = 0.01
        netcons.append(nc)
    return {"cells": cells, "netcons": netcons, "stim": stim}


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _positive_float(parser, name, val):
    if not (val > 0) or math.isinf(val):
        parser.error("%s must be a positive finite number, got %r" % (name, val))


def _positive_int(parser, name, val):
    if val < 1:
        parser.error("%s must be a positive integer, got %r" % (name, val))


def _build_parser():
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.peers.neuron_models",
        description="Run the DESIGN.md reference models in NEURON.")
    sub = p.add_subparsers(dest="model", required=True)

    r = sub.add_parser("ringtest", help="CoreNEURON ring benchmark")
    r.add_argument("--nring", type=int, default=16)
    r.add_argument("--ncell", type=int, default=8)
    r.add_argument("--nbranch", type=int, default=16)
    r.add_argument("--ncompart", type=int, default=1)
    r.add_argument("--tstop", type=float, default=100.0)
    r.add_argument("--dt", type=float, default=0.025)
    r.add_argument("--threads", type=int, default=1)
    r.add_argument("--secondorder", type=int, choices=(0, 1, 2), default=0)
    r.add_argument("--no-cache-efficient", action="store_true")
    r.add_argument("--out", default=None, help="spike file: 'time gid' per line")
    r.add_argument("--hh-table", type=int, choices=(0, 1), default=1)
    r.add_argument("--coreneuron", action="store_true",
                   help="run in CoreNEURON (in memory, CPU, --threads threads)")

    s = sub.add_parser("hh_soma", help="single HH compartment")
    s.add_argument("--amp", type=float, default=0.1)
    s.add_argument("--dt", type=float, default=0.025)
    s.add_argument("--tstop", type=float, default=100.0)
    s.add_argument("--integrator", choices=("fixed", "cvode"), default="fixed")
    s.add_argument("--secondorder", type=int, choices=(0, 1, 2), default=0)
    s.add_argument("--atol", type=float, default=1e-10)
    s.add_argument("--rtol", type=float, default=1e-10)
    s.add_argument("--out", default=None, help="CSV t,v")
    s.add_argument("--hh-table", type=int, choices=(0, 1), default=1)

    c = sub.add_parser("cable", help="passive sealed cable")
    c.add_argument("--nseg", type=int, default=101)
    c.add_argument("--dt", type=float, default=0.025)
    c.add_argument("--tstop", type=float, default=200.0)
    c.add_argument("--method", choices=("fixed", "cn", "cvode"), default="fixed")
    c.add_argument("--out", default=None, help="CSV t,v0,vmid,vend")
    return p, {"ringtest": r, "hh_soma": s, "cable": c}


def _write_csv(path, header, columns):
    np = _np()
    data = np.column_stack(columns)
    np.savetxt(path, data, delimiter=",", header=",".join(header), comments="",
               fmt="%.10g")


def main(argv=None):
    parser, subs = _build_parser()
    args = parser.parse_args(argv)
    sp = subs[args.model]
    _positive_float(sp, "--dt", args.dt)
    _positive_float(sp, "--tstop", args.tstop)
    if args.model == "ringtest":
        for name in ("nring", "ncell", "nbranch", "ncompart", "threads"):
            _positive_int(sp, "--" + name, getattr(args, name))
        if args.coreneuron and args.no_cache_efficient:
            sp.error("--coreneuron needs cache efficient mode (drop --no-cache-efficient)")
        res = run_ringtest(nring=args.nring, ncell=args.ncell, nbranch=args.nbranch,
                           ncompart=args.ncompart, tstop=args.tstop, dt=args.dt,
                           secondorder=args.secondorder, threads=args.threads,
                           cache_efficient=not args.no_cache_efficient,
                           hh_table=bool(args.hh_table), coreneuron=args.coreneuron)
        if args.out:
            with open(args.out, "w") as fh:
                for t, g in res["spikes"]:
                    fh.write("%.6f %d\n" % (t, g))
        summary = {"engine": "coreneuron" if args.coreneuron else "neuron", "model": "ringtest",
                   "compartments": res["compartments"], "steps": res["steps"],
                   "build_s": res["build_s"],
                   "startup_s": res["build_s"] + res.get("transfer_s", 0.0),
                   "peak_rss_mb": _peak_rss_mb(), "threads": args.threads,
                   "nspikes": len(res["spikes"])}
        summary.update((k, res[k]) for k in ("run_s", "psolve_s", "transfer_s", "run_s_is_psolve")
                       if k in res)
    elif args.model == "hh_soma":
        if args.integrator == "cvode":
            _positive_float(sp, "--atol", args.atol)
            _positive_float(sp, "--rtol", args.rtol)
        res = run_hh_soma(amp=args.amp, dt=args.dt, tstop=args.tstop,
                          integrator=args.integrator, secondorder=args.secondorder,
                          atol=args.atol, rtol=args.rtol, hh_table=bool(args.hh_table))
        if args.out:
            _write_csv(args.out, ("t", "v"), (res["t"], res["v"]))
        summary = {"engine": "neuron", "model": "hh_soma", "compartments": 1,
                   "steps": res["steps"], "build_s": res["build_s"],
                   "run_s": res["run_s"], "peak_rss_mb": _peak_rss_mb(),
                   "threads": 1, "nspikes": len(res["spikes"]),
                   "spikes": res["spikes"]}
    else:
        _positive_int(sp, "--nseg", args.nseg)
        res = run_cable(nseg=args.nseg, dt=args.dt, tstop=args.tstop, method=args.method)
        if args.out:
            _write_csv(args.out, ("t", "v0", "vmid", "vend"),
                       (res["t"], res["v0"], res["vmid"], res["vend"]))
        summary = {"engine": "neuron", "model": "cable",
                   "compartments": res["compartments"], "steps": res["steps"],
                   "build_s": res["build_s"], "run_s": res["run_s"],
                   "peak_rss_mb": _peak_rss_mb(), "threads": 1, "nspikes": 0,
                   "v0_end": float(res["v0"][-1]), "vend_end": float(res["vend"][-1])}
    sys.stdout.flush()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
