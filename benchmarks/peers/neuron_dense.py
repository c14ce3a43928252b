"""NEURON reference implementations of Myriad's dense analog coupling models.

Test oracle and benchmark baseline for gap junctions and graded synapses:

* :func:`run_gap_ring` -- single-compartment HH cells joined in a ring by
  ohmic gap junctions (two cells: one junction); a current pulse in cell 0
  starts a spike that travels around the ring.
* :func:`run_graded_pair` -- two HH cells; cell 0 is driven to fire
  repeatedly and excites cell 1 through a graded (analog) synapse.
* :func:`benchmarks.peers.neuron_dense_network.build_dense` /
  :func:`~benchmarks.peers.neuron_dense_network.run_dense` -- ``ncell``
  ball-and-stick HH cells, every ordered pair coupled by a graded synapse and
  every unordered pair by a gap junction with probability ``p`` (``p = 1``:
  all-to-all); it builds its cells from this module's :func:`soma_section`
  and constants.

The mechanisms ``HalfGap`` (gap junction halves) and ``GradedSyn`` are MOD
files in ``benchmarks/peers/mod``, compiled and loaded by
:mod:`benchmarks.peers.neuron_mechanisms`.

``vgap``/``vpre`` are RANGE variables fed by NEURON's documented, thread-safe
``ParallelContext.source_var`` / ``target_var`` / ``setup_transfer``; every
cell's soma(0.5) voltage is one source with ``sgid`` = cell index.

Like :mod:`benchmarks.peers.neuron_models` (whose global-state helpers,
:mod:`benchmarks.peers.neuron_session`, this module shares), ``neuron`` is
imported lazily, and every ``run_*`` function (and
:meth:`~benchmarks.peers.neuron_dense_network.DenseNetwork.close`) clears the
transfer table and gids, drops every NEURON object and resets
``pc.nthread(1)``, ``h.secondorder``, ``h.cvode.active(0)``, ``h.dt`` and
``h.usetable_hh``, so calls can be repeated in any order in one process.  The
oracle functions default to ``hh_table=False`` (``hh`` rates from the
equations, like Myriad's ``HH``); the ``dense`` CLI keeps NEURON's default
table (``--hh-table 1``) so that benchmarks time NEURON as users run it.

Quirks worth knowing (checked with NEURON 9.0.2):

* With the fixed step method NEURON copies the source voltages into
  ``vgap``/``vpre`` once per step, before the currents are computed: gap
  junction and graded synapse inputs lag by one step (explicit coupling),
  whereas Myriad's backward Euler solves the gap junction implicitly.  The
  difference is O(dt).  Under CVODE the transfer happens at every right-hand
  side evaluation, so ``method="cvode"`` with tight tolerances is the
  accurate reference.  ``run_gap_ring(coupling="implicit")`` joins the cells
  with ``LinearMechanism`` instead, whose equations NEURON solves together
  with the cable equation: its fixed step is then Myriad's backward Euler
  step for step.
* ``LinearMechanism`` rows added to the current balance at a node inside a
  section (0 < x < 1) are current densities: a conductance of g uS there is
  ``g * 100 / area`` S/cm2 (area in um2).  It does not run under CVODE.
* Setting up transfers: ``pc.setup_transfer()`` must be called before
  ``h.cvode.active(1)`` (which otherwise fails with "setup_transfer() needs
  to be called") and after ``pc.nthread(k)``.  ``pc.gid_clear()`` also clears
  the transfer table; it is called before the targets are freed.

The command line is :mod:`benchmarks.peers.neuron_dense_cli`.
"""

from __future__ import annotations

import math
import time

from benchmarks.peers.neuron_mechanisms import load_mechanisms
from benchmarks.peers.neuron_session import (
    assert_no_sections,
    clean_slate,
    drop_frames,
    lazy_numpy,
    reset_globals,
)

__all__ = [
    "run_gap_ring",
    "gap_pair_steady_state",
    "run_graded_pair",
    "graded_sinf",
    "soma_section",
]

# Cell constants shared by every model here and by neuron_dense_network.
SOMA_L = SOMA_DIAM = 20.0  # um
CM = 1.0  # uF/cm2
RA = 100.0  # ohm cm
V_INIT = -65.0  # mV
CELSIUS = 6.3
SPIKE_THRESHOLD = 10.0  # mV
# passive soma option of run_gap_ring (membrane="pas")
PAS_G = 3e-4  # S/cm2
PAS_E = -65.0  # mV


# --------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------


def soma_section(h, name, membrane="hh", cell=None):
    """A soma (L = diam = 20 um, nseg 1, cm 1, Ra 100) with NEURON's ``hh``
    (standard parameters, ena 50, ek -77 mV) or, ``membrane="pas"``, ``pas``
    (``PAS_G``, ``PAS_E``); ``cell`` names the section's owner."""
    if cell is None:
        s = h.Section(name=name)
    else:
        s = h.Section(name=name, cell=cell)
    s.L = SOMA_L
    s.diam = SOMA_DIAM
    s.nseg = 1
    s.cm = CM
    s.Ra = RA
    if membrane == "hh":
        s.insert("hh")
        for seg in s:
            seg.hh.gnabar = 0.12
            seg.hh.gkbar = 0.036
            seg.hh.gl = 0.0003
            seg.hh.el = -54.3
        s.ena = 50.0
        s.ek = -77.0
    elif membrane == "pas":
        s.insert("pas")
        for seg in s:
            seg.pas.g = PAS_G
            seg.pas.e = PAS_E
    else:
        raise ValueError("membrane must be 'hh' or 'pas'")
    return s


def _spike_counter(h, seg, sec):
    nc = h.NetCon(seg._ref_v, None, sec=sec)
    nc.threshold = SPIKE_THRESHOLD
    vec = h.Vector()
    nc.record(vec)
    return nc, vec


def _half_gap(h, pc, seg, g, sgid_other):
    hg = h.HalfGap(seg)
    hg.g = g
    pc.target_var(hg, hg._ref_vgap, sgid_other)
    return hg


def _implicit_gap(h, seg_a, seg_b, g):
    """A gap junction of ``g`` uS between two segments' centres as a
    ``LinearMechanism``: conductance rows g * (v_a - v_b) and g * (v_b - v_a)
    in each segment's current balance (S/cm2 of its own area).  Returns what
    keeps it alive."""
    for seg in (seg_a, seg_b):
        if not 0.0 < seg.x < 1.0:
            raise ValueError("an implicit gap junction joins segment centres (0 < x < 1), not %s" % seg)
    gmat = h.Matrix(2, 2, 2)  # sparse
    for row, seg in enumerate((seg_a, seg_b)):
        density = g * 100.0 / seg.area()  # uS on um2 -> S/cm2
        gmat.setval(row, row, density)
        gmat.setval(row, 1 - row, -density)
    cmat = h.Matrix(2, 2, 2)
    y, b = h.Vector(2), h.Vector(2)
    where = h.SectionList()
    for seg in (seg_a, seg_b):
        where.append(sec=seg.sec)
    xvec = h.Vector([seg_a.x, seg_b.x])
    return (gmat, cmat, y, b, where, xvec, h.LinearMechanism(cmat, gmat, y, b, where, xvec))


def _set_integrator(h, method, dt, atol, rtol, secondorder):
    if method == "cvode":
        h.cvode.active(1)
        h.cvode.atol(atol)
        h.cvode.rtol(rtol)
        h.cvode.condition_order(2)
    else:
        h.cvode.active(0)
        h.secondorder = int(secondorder)
        h.dt = dt


def _check_common(dt, tstop, method, atol, rtol):
    if method not in ("cvode", "fixed"):
        raise ValueError("method must be 'cvode' or 'fixed'")
    if not (dt > 0 and tstop > 0) or math.isinf(dt) or math.isinf(tstop):
        raise ValueError("dt and tstop must be positive and finite")
    if method == "cvode" and not (atol > 0 and rtol >= 0):
        raise ValueError("atol must be > 0 and rtol >= 0")


def _grid(tstop, dt):
    np = lazy_numpy()
    n = int(round(tstop / dt))
    if abs(n * dt - tstop) > 1e-9 * max(1.0, tstop):
        raise ValueError("tstop (%g) must be a multiple of dt (%g)" % (tstop, dt))
    return np.arange(n + 1) * dt, n


def _record_on_grid(h, refs, tgrid_vec, method):
    """Record each ref on the dt grid: every step for the fixed step method,
    at the times of ``tgrid_vec`` (interpolated by CVODE) otherwise."""
    vecs = []
    for ref in refs:
        v = h.Vector()
        if method == "cvode":
            v.record(ref, tgrid_vec)
        else:
            v.record(ref)
        vecs.append(v)
    return vecs


def _run_to(h, tstop, method):
    h.tstop = tstop
    t1 = time.perf_counter()
    h.finitialize(V_INIT)
    if method == "cvode":
        h.cvode.solve(tstop)
    else:
        h.continuerun(tstop)
    return time.perf_counter() - t1


def _collect(h, vecs, refs, tstop, n):
    """numpy rows (len n) from recorded vectors.  The record event at exactly
    tstop is not delivered before the run ends (CVODE), so a missing final
    sample is taken from the current state (h.t == tstop)."""
    np = lazy_numpy()
    rows = []
    for v, ref in zip(vecs, refs):
        a = np.array(v.as_numpy(), dtype=float)
        if len(a) == n - 1 and abs(h.t - tstop) < 1e-6:
            a = np.append(a, ref[0])
        if len(a) != n:
            raise RuntimeError("recorded %d samples, expected %d (t = %r)" % (len(a), n, h.t))
        rows.append(a)
    return np.vstack(rows) if rows else np.zeros((0, n))


# --------------------------------------------------------------------------
# A. gap junction ring
# --------------------------------------------------------------------------


def gap_pair_steady_state(amp, g_gap, g_pas=PAS_G, e_pas=PAS_E, diam=SOMA_DIAM, L=SOMA_L):
    """Steady state (v0, v1) in mV of two passive isopotential cells joined by
    one gap junction ``g_gap`` (uS), DC current ``amp`` (nA) into cell 0.

    With membrane conductance G = g_pas * area (uS):
        G (v0 - e) + g (v0 - v1) = I,   G (v1 - e) + g (v1 - v0) = 0
    =>  v0 - e = I/2 (1/G + 1/(G + 2g)),  v1 - e = I/2 (1/G - 1/(G + 2g)).
    """
    area_cm2 = math.pi * diam * L * 1e-8
    G = g_pas * area_cm2 * 1e6  # uS
    a = 1.0 / G
    b = 1.0 / (G + 2.0 * g_gap)
    return e_pas + 0.5 * amp * (a + b), e_pas + 0.5 * amp * (a - b)


def run_gap_ring(ncell=8, g_gap=0.005, amp=0.3, delay=5.0, dur=2.0, tstop=100.0, dt=0.01,
                 method="cvode", atol=1e-9, rtol=1e-9, secondorder=0, membrane="hh",
                 hh_table=False, coupling="halfgap"):
    """Ring of ``ncell`` single-compartment cells coupled by gap junctions.

    Soma L = diam = 20 um, nseg 1, cm 1, Ra 100, ``membrane`` "hh" (NEURON's
    hh, default parameters) or "pas" (g 3e-4 S/cm2, e -65 mV).  A gap
    junction of ``g_gap`` uS joins soma(0.5) of cell i and cell (i+1) % ncell
    for every i (ncell == 2: one junction; ncell == 1: none).  IClamp
    (``delay``, ``dur``, ``amp`` nA) at cell 0's soma(0.5).

    ``method``: "cvode" (variable step, ``atol``/``rtol``; voltages sampled on
    the ``dt`` grid) or "fixed" (step ``dt``, ``secondorder``).

    ``coupling``: "halfgap" (two HalfGap point processes per junction, each
    reading the other side's voltage once per fixed step) or "implicit" (one
    ``LinearMechanism`` per junction, solved with the cable equation; fixed
    step only).

    Returns a dict: ``t`` (0..tstop every dt), ``v`` (ncell x len(t)),
    ``spikes`` (per cell, list of upward 10 mV crossing times), ``steps``,
    ``compartments``, ``n_halfgap``, ``build_s``, ``run_s``.

    With the defaults every cell fires exactly once, the spike going both ways
    round the ring (CVODE: 6.389, 7.211, 8.042, 8.865, 9.332 ms for cells
    0..4, cells 5..7 mirroring 3..1); it still goes round with g_gap 0.001 uS
    or amp 0.1 nA.
    """
    ncell = int(ncell)
    if ncell < 1:
        raise ValueError("ncell must be >= 1")
    if g_gap < 0:
        raise ValueError("g_gap must be >= 0")
    _check_common(dt, tstop, method, atol, rtol)
    if coupling not in ("halfgap", "implicit"):
        raise ValueError("coupling must be 'halfgap' or 'implicit'")
    if coupling == "implicit" and method == "cvode":
        raise ValueError("implicit gap junctions (LinearMechanism) do not run under CVODE")
    return _run_clean(hh_table, _gap_ring_impl, ncell, g_gap, amp, delay, dur, tstop, dt, method,
                      atol, rtol, secondorder, membrane, coupling)


def _run_clean(hh_table, impl, *args):
    """``impl(h, pc, objs, *args)`` on a clean NEURON, which it leaves clean:
    everything it builds goes into ``objs`` and is dropped afterwards."""
    h = load_mechanisms()
    clean_slate(h)
    h.usetable_hh = int(bool(hh_table))
    pc = h.ParallelContext()
    objs = {}
    try:
        return impl(h, pc, objs, *args)
    except BaseException as exc:
        drop_frames(exc)
        raise
    finally:
        pc.gid_clear()  # drop the transfer table before its targets go
        objs.clear()
        h.cvode.condition_order(1)
        reset_globals(h)
        assert_no_sections(h)


def _clamp_record_run(h, pc, objs, somas, refs, delay, dur, amp, tstop, dt, method, atol, rtol,
                      secondorder, t0):
    """What the small models share: an IClamp on cell 0, spike counters on
    every soma, ``refs`` recorded on the dt grid, the transfer set up, the run.
    Returns (build_s, run_s, recorded traces, time grid)."""
    stim = h.IClamp(somas[0](0.5))
    stim.delay = delay
    stim.dur = dur
    stim.amp = amp
    objs["stim"] = stim
    objs["counters"] = [_spike_counter(h, s(0.5), s) for s in somas]
    tgrid, nsteps = _grid(tstop, dt)
    tvec = h.Vector(tgrid)
    objs["tvec"] = tvec
    vecs = _record_on_grid(h, refs, tvec, method)
    objs["vecs"] = vecs
    pc.setup_transfer()  # before cvode.active(1), which checks for it
    _set_integrator(h, method, dt, atol, rtol, secondorder)
    build_s = time.perf_counter() - t0
    run_s = _run_to(h, tstop, method)
    return build_s, run_s, _collect(h, vecs, refs, tstop, nsteps + 1), tgrid


def _gap_ring_impl(h, pc, objs, ncell, g_gap, amp, delay, dur, tstop, dt, method, atol, rtol,
                   secondorder, membrane, coupling):
    t0 = time.perf_counter()
    h.celsius = CELSIUS
    h.v_init = V_INIT
    somas = [soma_section(h, "ring_soma[%d]" % i, membrane) for i in range(ncell)]
    objs["somas"] = somas
    pairs = [(i, (i + 1) % ncell) for i in range(ncell)] if ncell > 2 else (
        [(0, 1)] if ncell == 2 else [])
    gaps = []
    if coupling == "implicit":
        implicit = [_implicit_gap(h, somas[a](0.5), somas[b](0.5), g_gap) for a, b in pairs]
        objs["implicit_gaps"] = implicit
    else:
        for i, s in enumerate(somas):
            pc.source_var(s(0.5)._ref_v, i, sec=s)
        for a, b in pairs:
            gaps.append(_half_gap(h, pc, somas[a](0.5), g_gap, b))
            gaps.append(_half_gap(h, pc, somas[b](0.5), g_gap, a))
    objs["gaps"] = gaps
    refs = [s(0.5)._ref_v for s in somas]
    build_s, run_s, v, tgrid = _clamp_record_run(h, pc, objs, somas, refs, delay, dur, amp, tstop, dt,
                                                 method, atol, rtol, secondorder, t0)
    nsteps = len(tgrid) - 1
    return {
        "t": tgrid,
        "v": v,
        "spikes": [[float(x) for x in vec] for _, vec in objs["counters"]],
        "steps": nsteps,
        "compartments": ncell,
        "n_halfgap": len(gaps),
        "build_s": build_s,
        "run_s": run_s,
    }


# --------------------------------------------------------------------------
# B. graded synapse pair
# --------------------------------------------------------------------------


def graded_sinf(vpre, vth=-20.0, vslope=5.0):
    """Steady-state activation of GradedSyn: 1/(1 + exp(-(vpre - vth)/vslope))."""
    np = lazy_numpy()
    return 1.0 / (1.0 + np.exp(-(np.asarray(vpre, dtype=float) - vth) / vslope))


def run_graded_pair(g_syn=0.01, e_syn=0.0, vth=-20.0, vslope=5.0, tau=4.0, amp=0.3,
                    delay=5.0, dur=80.0, tstop=100.0, dt=0.01, method="cvode", atol=1e-9,
                    rtol=1e-9, secondorder=0, hh_table=False):
    """Two HH somas (as in :func:`run_gap_ring`); cell 0 driven by IClamp
    (``delay``, ``dur``, ``amp``) excites cell 1 through a GradedSyn at cell
    1's soma(0.5) whose ``vpre`` is cell 0's soma(0.5) voltage.

    Returns ``t``, ``v`` (2 x len(t)), ``s`` (synapse state), ``i`` (synapse
    current, nA outward), ``spikes`` (per cell), ``steps``, ``compartments``,
    ``build_s``, ``run_s``.

    With the defaults cell 0 fires 8 times in 100 ms and cell 1 6 times
    (first spikes 6.18 and 8.32 ms), none with ``g_syn = 0``; cell 1 follows
    1:1 from g_syn ~ 0.015 uS on (0.012: 7 of 8).
    """
    if tau <= 0 or vslope == 0:
        raise ValueError("tau must be > 0 and vslope != 0")
    _check_common(dt, tstop, method, atol, rtol)
    return _run_clean(hh_table, _graded_pair_impl, g_syn, e_syn, vth, vslope, tau, amp, delay, dur,
                      tstop, dt, method, atol, rtol, secondorder)


def _graded_pair_impl(h, pc, objs, g_syn, e_syn, vth, vslope, tau, amp, delay, dur, tstop,
                      dt, method, atol, rtol, secondorder):
    t0 = time.perf_counter()
    h.celsius = CELSIUS
    h.v_init = V_INIT
    somas = [soma_section(h, "pair_soma[%d]" % i) for i in range(2)]
    objs["somas"] = somas
    pc.source_var(somas[0](0.5)._ref_v, 0, sec=somas[0])
    syn = h.GradedSyn(somas[1](0.5))
    syn.g = g_syn
    syn.e = e_syn
    syn.vth = vth
    syn.vslope = vslope
    syn.tau = tau
    pc.target_var(syn, syn._ref_vpre, 0)
    objs["syn"] = syn
    refs = [somas[0](0.5)._ref_v, somas[1](0.5)._ref_v, syn._ref_s, syn._ref_i]
    build_s, run_s, rec, tgrid = _clamp_record_run(h, pc, objs, somas, refs, delay, dur, amp, tstop, dt,
                                                   method, atol, rtol, secondorder, t0)
    nsteps = len(tgrid) - 1
    return {
        "t": tgrid,
        "v": rec[:2],
        "s": rec[2],
        "i": rec[3],
        "spikes": [[float(x) for x in vec] for _, vec in objs["counters"]],
        "steps": nsteps,
        "compartments": 2,
        "build_s": build_s,
        "run_s": run_s,
    }
