"""NEURON reference implementations of Myriad's dense analog coupling models.

Test oracle and benchmark baseline for gap junctions and graded synapses:

* :func:`run_gap_ring` -- single-compartment HH cells joined in a ring by
  ohmic gap junctions (two cells: one junction); a current pulse in cell 0
  starts a spike that travels around the ring.
* :func:`run_graded_pair` -- two HH cells; cell 0 is driven to fire
  repeatedly and excites cell 1 through a graded (analog) synapse.
* :func:`build_dense` / :func:`run_dense` -- ``ncell`` ball-and-stick HH cells,
  every ordered pair coupled by a graded synapse and every unordered pair by a
  gap junction with probability ``p`` (``p = 1``: all-to-all).

Mechanisms (``benchmarks/peers/mod``; the Myriad side uses the same
equations):

* ``HalfGap`` (point process): ``i = g*(v - vgap)`` nA, outward.  A gap
  junction of conductance g (uS) between a and b is one HalfGap at a with
  ``vgap = v(b)`` and one at b with ``vgap = v(a)``, so the current into a is
  ``g*(v_b - v_a)``.
* ``GradedSyn`` (point process on the postsynaptic location):
  ``sinf(vpre) = 1/(1 + exp(-(vpre - vth)/vslope))``,
  ``ds/dt = (sinf(vpre) - s)/tau`` (cnexp), ``i = g*s*(v - e)`` nA outward,
  ``INITIAL s = sinf(vpre)``.

``vgap``/``vpre`` are RANGE variables fed by NEURON's documented, thread-safe
``ParallelContext.source_var`` / ``target_var`` / ``setup_transfer``; every
cell's soma(0.5) voltage is one source with ``sgid`` = cell index.

The mod files are compiled by :func:`compile_mechanisms` with ``nrnivmodl``
into a per-user cache (``$MYRIAD_CACHE_DIR`` or ``~/.cache/myriad``, directory
``nrnmech-<hash>``; the hash covers the mod files, the NEURON version, the
machine and whether CoreNEURON's copy is built too) built in a temporary
directory and renamed atomically, and loaded once per process by
:func:`load_mechanisms`.

CoreNEURON (``run_dense(coreneuron=True)``, CLI ``dense --coreneuron``) runs
the dense model in NEURON's optimised engine, in memory and on the CPU:
the mod files are then built with ``nrnivmodl -coreneuron`` (a separate
cache entry; the NEURON side is the same) and ``$CORENEURONLIB`` names the
CoreNEURON mechanism library, which NEURON otherwise looks for only under
``./x86_64``.  CoreNEURON handles the ``source_var``/``target_var``
transfers; its spikes equal NEURON's.

Like :mod:`benchmarks.peers.neuron_models` (whose global-state helpers this module
shares), ``neuron`` is imported lazily, and every ``run_*`` function (and
:meth:`DenseNetwork.close`) clears the transfer table and gids, drops every
NEURON object and resets ``pc.nthread(1)``, ``h.secondorder``,
``h.cvode.active(0)``, ``h.dt`` and ``h.usetable_hh``, so calls can be repeated
in any order in one process.  The oracle functions default to
``hh_table=False`` (``hh`` rates from the equations, like Myriad's ``HH``);
the ``dense`` CLI keeps NEURON's default table (``--hh-table 1``) so that
benchmarks time NEURON as users run it.

Quirks worth knowing (checked with NEURON 9.0.2):

* With the fixed step method NEURON copies the source voltages into
  ``vgap``/``vpre`` once per step, before the currents are computed: gap
  junction and graded synapse inputs lag by one step (explicit coupling),
  whereas Myriad's backward Euler solves the gap junction implicitly.  The
  difference is O(dt).  Under CVODE the transfer happens at every right-hand
  side evaluation, so ``method="cvode"`` with tight tolerances is the
  accurate reference.
* Setting up transfers: ``pc.setup_transfer()`` must be called before
  ``h.cvode.active(1)`` (which otherwise fails with "setup_transfer() needs
  to be called") and after ``pc.nthread(k)``.  ``pc.gid_clear()`` also clears
  the transfer table; it is called before the targets are freed.
* Cost on the dense model (fixed step, 2-core AMD EPYC, quiet machine):
  ncell 1000, p 1 (999,000 GradedSyn + 999,000 HalfGap): build ~9-11 s,
  ``stdinit`` ~1.8 s, peak RSS 1.53 GB, ~165 ms per step = 6.6-7.2 s of wall
  time per simulated ms on 1 thread, 3.6-4.0 s on 2 threads (1.9x);
  ncell 200: build 0.4 s, 107 MB, 250-285 ms per simulated ms on 1 thread,
  95-140 on 2.  Per point process and step that is ~80 ns; a GradedSyn
  whose ``vpre`` is not a transfer target costs ~35 ns, so about half of it
  is the transfer itself.
* ``dend(0.5)`` with an even ``nseg`` is not a node: NEURON puts a point
  process at x = 0.5 on segment ``int(0.5*nseg)``, e.g. the one centred at
  x = 0.625 for nseg = 4.  :func:`segment_center` gives that centre.

CLI::

    python -m benchmarks.peers.neuron_dense gap_ring --ncell 8 --out ring.csv
    python -m benchmarks.peers.neuron_dense graded_pair --out pair.csv
    python -m benchmarks.peers.neuron_dense dense --ncell 1000 --p 1.0 --tstop 10 \\
        --threads 2 --out spikes.dat

The last stdout line is one JSON object with ``engine``, ``model``,
``compartments`` (sum of nseg), ``steps``, ``build_s``, ``run_s``,
``peak_rss_mb``, ``threads``, ``nspikes``, ``ms_per_simulated_ms`` (wall ms of
``run_s`` per simulated ms) and model-specific counts.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

from benchmarks.peers.neuron_models import (
    _assert_no_sections,
    _clean_slate,
    _h,
    _np,
    _peak_rss_mb,
    _positive_float,
    _positive_int,
    _psolve,
    _reset_globals,
    _spike_vectors,
)

__all__ = [
    "MOD_DIR",
    "compile_mechanisms",
    "load_mechanisms",
    "run_gap_ring",
    "gap_pair_steady_state",
    "run_graded_pair",
    "graded_sinf",
    "dense_draws",
    "build_dense",
    "run_dense",
    "DenseNetwork",
    "segment_center",
    "main",
]

MOD_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mod")

# Cell constants shared by every model here.
SOMA_L = SOMA_DIAM = 20.0  # um
CM = 1.0  # uF/cm2
RA = 100.0  # ohm cm
V_INIT = -65.0  # mV
CELSIUS = 6.3
SPIKE_THRESHOLD = 10.0  # mV
# passive soma option of run_gap_ring (membrane="pas")
PAS_G = 3e-4  # S/cm2
PAS_E = -65.0  # mV
# dense model
DEND_L = 200.0
DEND_DIAM = 1.0
DEND_G = 0.001
DEND_E = -65.0
DENSE_SYN = {"e": -80.0, "vth": -20.0, "vslope": 5.0, "tau": 4.0}


# --------------------------------------------------------------------------
# Mechanism compilation and loading
# --------------------------------------------------------------------------

_LOADED_DIR = None


def _find_nrnivmodl():
    cand = os.path.join(os.path.dirname(sys.executable), "nrnivmodl")
    if os.path.isfile(cand) and os.access(cand, os.X_OK):
        return cand
    found = shutil.which("nrnivmodl")
    if found:
        return found
    raise RuntimeError("nrnivmodl not found next to %s nor on PATH; install NEURON (pip "
                       "install neuron) to compile %s" % (sys.executable, MOD_DIR))


def _mod_files(mod_dir=MOD_DIR):
    names = sorted(n for n in os.listdir(mod_dir) if n.endswith(".mod"))
    if not names:
        raise RuntimeError("no .mod files in %s" % mod_dir)
    return names


def _mech_hash(mod_dir=MOD_DIR, coreneuron=False):
    """Content hash of the mod files + NEURON version + machine (+ CoreNEURON build)."""
    try:
        import neuron  # noqa: WPS433

        version = getattr(neuron, "__version__", "?")
    except ImportError:  # pragma: no cover
        version = "?"
    dig = hashlib.sha256()
    dig.update(("neuron=%s;machine=%s;" % (version, platform.machine())).encode())
    if coreneuron:
        dig.update(b"coreneuron;")
    for name in _mod_files(mod_dir):
        with open(os.path.join(mod_dir, name), "rb") as fh:
            data = fh.read()
        dig.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return dig.hexdigest()[:20]


def _cache_root():
    root = os.environ.get("MYRIAD_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "myriad")
    os.makedirs(root, mode=0o700, exist_ok=True)
    return root


def _built_library(path, name="libnrnmech.so"):
    """Path of library ``name`` under a nrnivmodl output directory, or None."""
    arches = [platform.machine(), "x86_64", "aarch64", "arm64", "i686", "powerpc", "umac"]
    for arch in arches:
        for sub in ("", ".libs"):
            lib = os.path.join(path, arch, sub, name)
            if os.path.isfile(lib) and os.path.getsize(lib) > 0:
                return lib
    return None


def _built(path, coreneuron):
    """Whether ``path`` holds a complete build (both libraries for CoreNEURON)."""
    return bool(_built_library(path) and (
        not coreneuron or _built_library(path, "libcorenrnmech.so")))


def compile_mechanisms(mod_dir=MOD_DIR, cache_dir=None, coreneuron=False):
    """Compile ``mod_dir/*.mod`` with nrnivmodl (cached); return the directory.

    ``coreneuron``: ``nrnivmodl -coreneuron``, which builds CoreNEURON's
    ``libcorenrnmech.so`` next to NEURON's library (in its own cache entry).

    The result lives in ``<cache>/nrnmech-<hash>`` where ``<cache>`` is
    ``cache_dir``, else ``$MYRIAD_CACHE_DIR``, else ``~/.cache/myriad``.  It is
    built in a temporary sibling directory and renamed into place, so
    processes racing to build it are safe (the loser discards its copy).  A
    failing nrnivmodl raises ``RuntimeError`` carrying its output.
    """
    root = cache_dir or _cache_root()
    os.makedirs(root, mode=0o700, exist_ok=True)
    target = os.path.join(root, "nrnmech-" + _mech_hash(mod_dir, coreneuron))
    if _built(target, coreneuron):
        return target
    nrnivmodl = _find_nrnivmodl()
    tmp = tempfile.mkdtemp(prefix=".nrnmech-build-", dir=root)
    try:
        for name in _mod_files(mod_dir):
            shutil.copyfile(os.path.join(mod_dir, name), os.path.join(tmp, name))
        proc = subprocess.run([nrnivmodl] + (["-coreneuron"] if coreneuron else []) + ["."],
                              cwd=tmp, capture_output=True, text=True)
        if proc.returncode != 0 or not _built(tmp, coreneuron):
            raise RuntimeError(
                "nrnivmodl failed (exit %d) compiling %s:\n%s\n%s" % (
                    proc.returncode, mod_dir, proc.stdout[-6000:], proc.stderr[-6000:]))
        os.chmod(tmp, 0o700)
        if os.path.isdir(target) and not _built(target, coreneuron):
            # damaged earlier build: move it aside, then take its place
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(tmp, target)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not _built(target, coreneuron):
                raise
            # another process won the race; use its build
        else:
            tmp = None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    if not _built(target, coreneuron):  # pragma: no cover
        raise RuntimeError("compiled mechanisms missing from %s" % target)
    return target


def load_mechanisms(mod_dir=MOD_DIR, cache_dir=None, coreneuron=False):
    """Compile (if needed) and load HalfGap/GradedSyn once per process; return ``h``.

    If the mechanisms are already known to NEURON (loaded earlier by this
    function, or auto-loaded from an ``x86_64`` directory in the working
    directory), nothing is loaded again.  ``coreneuron``: also build
    CoreNEURON's library and point ``$CORENEURONLIB`` at it.
    """
    global _LOADED_DIR
    h = _h()
    if coreneuron:
        path = compile_mechanisms(mod_dir, cache_dir, coreneuron=True)
        os.environ["CORENEURONLIB"] = _built_library(path, "libcorenrnmech.so")
    if _LOADED_DIR is not None or _mechanisms_present(h):
        return h
    if not coreneuron:
        path = compile_mechanisms(mod_dir, cache_dir)
    import neuron  # noqa: WPS433

    if not neuron.load_mechanisms(path, warn_if_already_loaded=False):
        raise RuntimeError("neuron.load_mechanisms(%r) found no library" % path)
    if not _mechanisms_present(h):  # pragma: no cover
        raise RuntimeError("HalfGap/GradedSyn not defined after loading %s" % path)
    _LOADED_DIR = path
    return h


def _mechanisms_present(h):
    return all(h.name_declared(n) for n in ("HalfGap", "GradedSyn"))


# --------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------


def _soma(h, name, membrane="hh", cell=None):
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


def _drop_frames(exc):
    """Free the locals of the finished frames of a propagating exception's
    traceback, so that the NEURON objects they hold can go before the clean-up
    checks that no section is left."""
    traceback.clear_frames(exc.__traceback__)


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
    np = _np()
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
    np = _np()
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
                 hh_table=False):
    """Ring of ``ncell`` single-compartment cells coupled by gap junctions.

    Soma L = diam = 20 um, nseg 1, cm 1, Ra 100, ``membrane`` "hh" (NEURON's
    hh, default parameters) or "pas" (g 3e-4 S/cm2, e -65 mV).  A gap
    junction of ``g_gap`` uS joins soma(0.5) of cell i and cell (i+1) % ncell
    for every i (ncell == 2: one junction; ncell == 1: none).  IClamp
    (``delay``, ``dur``, ``amp`` nA) at cell 0's soma(0.5).

    ``method``: "cvode" (variable step, ``atol``/``rtol``; voltages sampled on
    the ``dt`` grid) or "fixed" (step ``dt``, ``secondorder``).

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
    return _run_clean(hh_table, _gap_ring_impl, ncell, g_gap, amp, delay, dur, tstop, dt, method,
                      atol, rtol, secondorder, membrane)


def _run_clean(hh_table, impl, *args):
    """``impl(h, pc, objs, *args)`` on a clean NEURON, which it leaves clean:
    everything it builds goes into ``objs`` and is dropped afterwards."""
    h = load_mechanisms()
    _clean_slate(h)
    h.usetable_hh = int(bool(hh_table))
    pc = h.ParallelContext()
    objs = {}
    try:
        return impl(h, pc, objs, *args)
    except BaseException as exc:
        _drop_frames(exc)
        raise
    finally:
        pc.gid_clear()  # drop the transfer table before its targets go
        objs.clear()
        h.cvode.condition_order(1)
        _reset_globals(h)
        _assert_no_sections(h)


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
                   secondorder, membrane):
    t0 = time.perf_counter()
    h.celsius = CELSIUS
    h.v_init = V_INIT
    somas = [_soma(h, "ring_soma[%d]" % i, membrane) for i in range(ncell)]
    objs["somas"] = somas
    for i, s in enumerate(somas):
        pc.source_var(s(0.5)._ref_v, i, sec=s)
    pairs = [(i, (i + 1) % ncell) for i in range(ncell)] if ncell > 2 else (
        [(0, 1)] if ncell == 2 else [])
    gaps = []
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
    np = _np()
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
    somas = [_soma(h, "pair_soma[%d]" % i) for i in range(2)]
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


# --------------------------------------------------------------------------
# C. dense network
# --------------------------------------------------------------------------


def _dense_masks(ncell, p, seed, amp_lo, amp_hi):
    np = _np()
    rng = np.random.default_rng(seed)
    amp = rng.uniform(amp_lo, amp_hi, ncell)
    syn = rng.random((ncell, ncell)) < p
    gap = rng.random((ncell, ncell)) < p
    np.fill_diagonal(syn, False)
    gap = np.triu(gap, 1)  # only i < j
    return amp, syn, gap


def dense_draws(ncell, p=1.0, seed=1, amp_lo=0.15, amp_hi=0.35):
    """The dense model's random draws, made exactly as the contract says.

    ``rng = numpy.random.default_rng(seed)``; ``amp = rng.uniform(amp_lo,
    amp_hi, ncell)``; ``syn = rng.random((ncell, ncell)) < p``; ``gap =
    rng.random((ncell, ncell)) < p``.  Returned with the diagonal of ``syn``
    cleared and ``gap`` reduced to its strict upper triangle (i < j), i.e.
    exactly the synapses (``syn[i, j]``: from cell i onto cell j) and gap
    junctions that are built.
    """
    return _dense_masks(int(ncell), float(p), seed, amp_lo, amp_hi)


def segment_center(x, nseg):
    """Centre of the NEURON segment that holds a point process placed at x."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    i = min(int(x * nseg), nseg - 1)
    return (i + 0.5) / nseg


class _DenseCell:
    def __init__(self, h, gid, ncompart):
        self.gid = gid
        self.soma = _soma(h, "soma", cell=self)
        d = h.Section(name="dend", cell=self)
        d.L = DEND_L
        d.diam = DEND_DIAM
        d.nseg = ncompart
        d.cm = CM
        d.Ra = RA
        d.insert("pas")
        for seg in d:
            seg.pas.g = DEND_G
            seg.pas.e = DEND_E
        d.connect(self.soma(1), 0)
        self.dend = d

    def __repr__(self):
        return "DenseCell[%d]" % self.gid


class DenseNetwork:
    """The dense model built in NEURON (use as a context manager or call
    :meth:`close`; only one may exist at a time).

    Attributes: ``ncell``, ``p``, ``amp`` (nA per cell), ``syn_mask``,
    ``gap_mask`` (see :func:`dense_draws`), ``g_syn``, ``g_gap`` (uS per
    synapse / junction), ``n_graded``, ``n_halfgap``, ``compartments``,
    ``threads``, ``build_s`` and the NEURON objects ``cells``, ``syns``,
    ``gaps``.
    """

    def __init__(self, ncell=1000, p=1.0, seed=1, ncompart=4, gsyn_total=0.002,
                 ggap_total=0.005, amp_lo=0.15, amp_hi=0.35, dt=0.025, threads=1,
                 hh_table=False, coreneuron=False):
        ncell, ncompart, threads = int(ncell), int(ncompart), int(threads)
        for name, val in (("ncell", ncell), ("ncompart", ncompart), ("threads", threads)):
            if val < 1:
                raise ValueError("%s must be >= 1" % name)
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be in [0, 1]")
        if not (dt > 0) or math.isinf(dt):
            raise ValueError("dt must be positive")
        self.h = h = load_mechanisms(coreneuron=coreneuron)
        self.coreneuron = bool(coreneuron)
        _clean_slate(h)
        self._closed = False
        self._ce_saved = int(h.cvode.cache_efficient())
        h.usetable_hh = int(bool(hh_table))
        self.pc = pc = h.ParallelContext()
        self.ncell, self.p, self.seed, self.ncompart = ncell, float(p), seed, ncompart
        self.dt = dt
        self.threads = threads
        self.cells, self.syns, self.gaps, self.stims, self.netcons = [], [], [], [], []
        try:
            self._build(h, pc, gsyn_total, ggap_total, amp_lo, amp_hi)
        except BaseException as exc:
            _drop_frames(exc)
            self.close()
            raise

    def _build(self, h, pc, gsyn_total, ggap_total, amp_lo, amp_hi):
        np = _np()
        t0 = time.perf_counter()
        ncell, p = self.ncell, self.p
        h.celsius = CELSIUS
        h.v_init = V_INIT
        h.cvode.active(0)
        h.cvode.cache_efficient(1)
        amp, syn, gap = _dense_masks(ncell, p, self.seed, amp_lo, amp_hi)
        self.amp, self.syn_mask, self.gap_mask = amp, syn, gap
        denom = p * (ncell - 1)
        self.g_syn = gsyn_total / denom if denom > 0 else 0.0
        self.g_gap = ggap_total / denom if denom > 0 else 0.0

        cells = self.cells
        for i in range(ncell):
            c = _DenseCell(h, i, self.ncompart)
            cells.append(c)
            soma = c.soma
            pc.source_var(soma(0.5)._ref_v, i, sec=soma)
            pc.set_gid2node(i, pc.id())
            nc = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
            nc.threshold = SPIKE_THRESHOLD
            pc.cell(i, nc)
            self.netcons.append(nc)
            st = h.IClamp(soma(0.5))
            st.delay = 0.0
            st.dur = 1e9
            st.amp = float(amp[i])
            self.stims.append(st)

        # graded synapses: syn[i, j] -> from cell i (vpre) onto cell j's dend(0.5)
        GradedSyn = h.GradedSyn
        target_var = pc.target_var
        g_syn = self.g_syn
        e, vth, vslope, tau = (DENSE_SYN[k] for k in ("e", "vth", "vslope", "tau"))
        syns = self.syns
        append = syns.append
        for j in range(ncell):
            pres = np.flatnonzero(syn[:, j]).tolist()
            if not pres:
                continue
            seg = cells[j].dend(0.5)
            for i in pres:
                o = GradedSyn(seg)
                o.g = g_syn
                o.e = e
                o.vth = vth
                o.vslope = vslope
                o.tau = tau
                target_var(o, o._ref_vpre, i)
                append(o)

        # gap junctions: gap[i, j], i < j, between soma(0.5) of i and of j
        HalfGap = h.HalfGap
        g_gap = self.g_gap
        gaps = self.gaps
        append = gaps.append
        partners = [[] for _ in range(ncell)]
        ii, jj = np.nonzero(gap)
        for i, j in zip(ii.tolist(), jj.tolist()):
            partners[i].append(j)
            partners[j].append(i)
        for k in range(ncell):
            if not partners[k]:
                continue
            seg = cells[k].soma(0.5)
            for other in partners[k]:
                o = HalfGap(seg)
                o.g = g_gap
                target_var(o, o._ref_vgap, other)
                append(o)

        self.n_graded = len(syns)
        self.n_halfgap = len(gaps)
        self.compartments = ncell * (1 + self.ncompart)

        tvec, idvec = _spike_vectors(h)
        tvec.resize(0)
        idvec.resize(0)
        pc.spike_record(-1, tvec, idvec)
        pc.set_maxstep(10)
        pc.nthread(self.threads)
        pc.setup_transfer()
        h.dt = self.dt
        h.secondorder = 0
        self.build_s = time.perf_counter() - t0

    def run(self, tstop):
        """``stdinit`` + ``pc.psolve(tstop)``; returns a result dict (see
        :func:`run_dense`)."""
        if self._closed:
            raise RuntimeError("DenseNetwork is closed")
        if not (tstop > 0) or math.isinf(tstop):
            raise ValueError("tstop must be positive")
        np = _np()
        h, pc = self.h, self.pc
        tvec, idvec = _spike_vectors(h)
        tvec.resize(0)
        idvec.resize(0)
        h.dt = self.dt
        h.tstop = tstop
        t0 = time.perf_counter()
        h.stdinit()
        init_s = time.perf_counter() - t0
        c1 = time.process_time()
        timing = _psolve(h, pc, tstop, self.coreneuron)
        run_cpu_s = time.process_time() - c1
        run_s = timing["run_s"]
        steps = int(round(h.t / self.dt))
        tt = np.array(tvec.as_numpy(), dtype=float)
        gg = np.rint(np.array(idvec.as_numpy(), dtype=float)).astype(np.int64)
        order = np.lexsort((gg, tt))
        return {
            "spikes": [(float(tt[k]), int(gg[k])) for k in order],
            "compartments": self.compartments,
            "steps": steps,
            "build_s": self.build_s,
            "init_s": init_s,
            "run_s": run_s,
            "run_cpu_s": run_cpu_s,
            "ms_per_simulated_ms": run_s * 1e3 / tstop,
            "threads": self.threads,
            "n_graded": self.n_graded,
            "n_halfgap": self.n_halfgap,
            "peak_rss_mb": _peak_rss_mb(),
            **timing,
        }

    def close(self):
        """Clear transfers and gids, free every NEURON object, reset globals."""
        if self._closed:
            return
        self._closed = True
        h, pc = self.h, self.pc
        pc.gid_clear()
        tvec, idvec = _spike_vectors(h)
        tvec.resize(0)
        idvec.resize(0)
        self.syns = self.gaps = self.stims = self.netcons = self.cells = None
        _reset_globals(h)
        h.cvode.cache_efficient(self._ce_saved)
        _assert_no_sections(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def build_dense(ncell=1000, p=1.0, seed=1, ncompart=4, gsyn_total=0.002, ggap_total=0.005,
                amp_lo=0.15, amp_hi=0.35, dt=0.025, threads=1, hh_table=False, coreneuron=False):
    """Build the dense model; returns a :class:`DenseNetwork` (close it!).

    ``ncell`` ball-and-stick cells: soma L = diam = 20 um, nseg 1, hh; dend
    L 200 um, diam 1 um, nseg ``ncompart``, pas (g 0.001 S/cm2, e -65 mV),
    dend(0) on soma(1); cm 1, Ra 100.  IClamp on each soma(0.5): delay 0,
    dur 1e9, amp[i].  Draws (:func:`dense_draws`): amp, then the synapse
    mask, then the gap mask.  GradedSyn (g = gsyn_total / (p (ncell - 1)),
    e -80, vth -20, vslope 5 mV, tau 4 ms) on dend(0.5) of j with vpre =
    soma(0.5) v of i for every syn[i, j], i != j; gap junction
    (g = ggap_total / (p (ncell - 1))) between soma(0.5) of i and j for every
    gap[i, j], i < j.  Spikes: soma(0.5) v crossing 10 mV, gid = cell index.
    Fixed step ``dt``, backward Euler, ``threads`` NEURON threads; run in
    CoreNEURON if ``coreneuron``.
    """
    return DenseNetwork(ncell=ncell, p=p, seed=seed, ncompart=ncompart,
                        gsyn_total=gsyn_total, ggap_total=ggap_total, amp_lo=amp_lo,
                        amp_hi=amp_hi, dt=dt, threads=threads, hh_table=hh_table,
                        coreneuron=coreneuron)


def run_dense(ncell=1000, p=1.0, seed=1, ncompart=4, gsyn_total=0.002, ggap_total=0.005,
              amp_lo=0.15, amp_hi=0.35, tstop=10.0, dt=0.025, threads=1, hh_table=False,
              coreneuron=False):
    """Build (:func:`build_dense`), run ``tstop`` ms with ``pc.psolve`` and clean up.

    Returns ``spikes`` (list of (t, gid) sorted by t then gid),
    ``compartments``, ``steps``, ``build_s``, ``init_s`` (stdinit), ``run_s``
    (the time loop alone), ``psolve_s`` (wall time of psolve; with CoreNEURON
    also ``transfer_s``, see ``neuron_models._psolve``), ``run_cpu_s``
    (process CPU time of psolve, all threads),
    ``ms_per_simulated_ms`` (= 1000 run_s / tstop),
    ``threads``, ``n_graded``, ``n_halfgap``, ``peak_rss_mb`` (process peak).
    """
    with build_dense(ncell=ncell, p=p, seed=seed, ncompart=ncompart, gsyn_total=gsyn_total,
                     ggap_total=ggap_total, amp_lo=amp_lo, amp_hi=amp_hi, dt=dt,
                     threads=threads, hh_table=hh_table, coreneuron=coreneuron) as net:
        return net.run(tstop)


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def _build_parser():
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.peers.neuron_dense",
        description="Run Myriad's dense analog coupling reference models in NEURON.")
    sub = ap.add_subparsers(dest="model", required=True)

    def common(sp, tstop, dt, method=True):
        sp.add_argument("--tstop", type=float, default=tstop)
        sp.add_argument("--dt", type=float, default=dt)
        if method:
            sp.add_argument("--method", choices=("cvode", "fixed"), default="cvode")
            sp.add_argument("--atol", type=float, default=1e-9)
            sp.add_argument("--rtol", type=float, default=1e-9)
            sp.add_argument("--secondorder", type=int, choices=(0, 1, 2), default=0)
        sp.add_argument("--out", default=None)

    g = sub.add_parser("gap_ring", help="ring of HH cells coupled by gap junctions")
    g.add_argument("--ncell", type=int, default=8)
    g.add_argument("--g-gap", type=float, default=0.005)
    g.add_argument("--amp", type=float, default=0.3)
    g.add_argument("--delay", type=float, default=5.0)
    g.add_argument("--dur", type=float, default=2.0)
    g.add_argument("--membrane", choices=("hh", "pas"), default="hh")
    g.add_argument("--hh-table", type=int, choices=(0, 1), default=0)
    common(g, 100.0, 0.01)

    s = sub.add_parser("graded_pair", help="two HH cells, graded synapse 0 -> 1")
    s.add_argument("--g-syn", type=float, default=0.01)
    s.add_argument("--e-syn", type=float, default=0.0)
    s.add_argument("--vth", type=float, default=-20.0)
    s.add_argument("--vslope", type=float, default=5.0)
    s.add_argument("--tau", type=float, default=4.0)
    s.add_argument("--amp", type=float, default=0.3)
    s.add_argument("--delay", type=float, default=5.0)
    s.add_argument("--dur", type=float, default=80.0)
    s.add_argument("--hh-table", type=int, choices=(0, 1), default=0)
    common(s, 100.0, 0.01)

    d = sub.add_parser("dense", help="dense network: graded synapses + gap junctions")
    d.add_argument("--ncell", type=int, default=1000)
    d.add_argument("--p", type=float, default=1.0)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--ncompart", type=int, default=4)
    d.add_argument("--gsyn-total", type=float, default=0.002)
    d.add_argument("--ggap-total", type=float, default=0.005)
    d.add_argument("--amp-lo", type=float, default=0.15)
    d.add_argument("--amp-hi", type=float, default=0.35)
    d.add_argument("--threads", type=int, default=1)
    d.add_argument("--hh-table", type=int, choices=(0, 1), default=1)
    d.add_argument("--coreneuron", action="store_true",
                   help="run in CoreNEURON (in memory, CPU, --threads threads)")
    common(d, 10.0, 0.025, method=False)
    return ap, {"gap_ring": g, "graded_pair": s, "dense": d}


def _write_traces(path, header, columns):
    np = _np()
    np.savetxt(path, np.column_stack(columns), delimiter=",", header=",".join(header),
               comments="", fmt="%.10g")


def main(argv=None):
    parser, subs = _build_parser()
    args = parser.parse_args(argv)
    sp = subs[args.model]
    _positive_float(sp, "--dt", args.dt)
    _positive_float(sp, "--tstop", args.tstop)
    if args.model in ("gap_ring", "graded_pair") and args.method == "cvode":
        _positive_float(sp, "--atol", args.atol)
    if args.model == "gap_ring":
        _positive_int(sp, "--ncell", args.ncell)
        res = run_gap_ring(ncell=args.ncell, g_gap=args.g_gap, amp=args.amp, delay=args.delay,
                           dur=args.dur, tstop=args.tstop, dt=args.dt, method=args.method,
                           atol=args.atol, rtol=args.rtol, secondorder=args.secondorder,
                           membrane=args.membrane, hh_table=bool(args.hh_table))
        if args.out:
            _write_traces(args.out, ["t"] + ["v%d" % i for i in range(args.ncell)],
                          [res["t"]] + list(res["v"]))
        extra = {"n_halfgap": res["n_halfgap"],
                 "spikes_per_cell": [len(x) for x in res["spikes"]]}
        threads = 1
        nspikes = sum(len(x) for x in res["spikes"])
    elif args.model == "graded_pair":
        res = run_graded_pair(g_syn=args.g_syn, e_syn=args.e_syn, vth=args.vth,
                              vslope=args.vslope, tau=args.tau, amp=args.amp,
                              delay=args.delay, dur=args.dur, tstop=args.tstop, dt=args.dt,
                              method=args.method, atol=args.atol, rtol=args.rtol,
                              secondorder=args.secondorder, hh_table=bool(args.hh_table))
        if args.out:
            _write_traces(args.out, ("t", "v0", "v1", "s"),
                          (res["t"], res["v"][0], res["v"][1], res["s"]))
        extra = {"spikes_per_cell": [len(x) for x in res["spikes"]],
                 "first_spike": [x[0] if x else None for x in res["spikes"]]}
        threads = 1
        nspikes = sum(len(x) for x in res["spikes"])
    else:
        for name in ("ncell", "ncompart", "threads"):
            _positive_int(sp, "--" + name, getattr(args, name))
        if not 0.0 < args.p <= 1.0:
            sp.error("--p must be in (0, 1], got %r" % args.p)
        if args.ncell < 2:
            sp.error("--ncell must be >= 2")
        res = run_dense(ncell=args.ncell, p=args.p, seed=args.seed, ncompart=args.ncompart,
                        gsyn_total=args.gsyn_total, ggap_total=args.ggap_total,
                        amp_lo=args.amp_lo, amp_hi=args.amp_hi, tstop=args.tstop,
                        dt=args.dt, threads=args.threads, hh_table=bool(args.hh_table),
                        coreneuron=args.coreneuron)
        if args.out:
            with open(args.out, "w") as fh:
                fh.write("".join("%.6f %d\n" % (t, g) for t, g in res["spikes"]))
        extra = {"n_graded": res["n_graded"], "n_halfgap": res["n_halfgap"],
                 "init_s": res["init_s"], "run_cpu_s": res["run_cpu_s"],
                 "ncell": args.ncell, "p": args.p,
                 "tstop": args.tstop, "dt": args.dt}
        extra.update((k, res[k]) for k in ("psolve_s", "transfer_s", "run_s_is_psolve")
                     if k in res)
        threads = args.threads
        nspikes = len(res["spikes"])
    engine = "coreneuron" if getattr(args, "coreneuron", False) else "neuron"
    summary = {"engine": engine, "model": args.model,
               "compartments": res["compartments"], "steps": res["steps"],
               "build_s": res["build_s"], "compile_s": 0.0, "run_s": res["run_s"],
               "peak_rss_mb": _peak_rss_mb(), "threads": threads, "nspikes": nspikes,
               "ms_per_simulated_ms": res["run_s"] * 1e3 / args.tstop}
    summary.update(extra)
    sys.stdout.flush()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
