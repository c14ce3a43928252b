"""NEURON reference implementation of Myriad's dense model ("C. dense").

:func:`build_dense` / :func:`run_dense` -- ``ncell`` ball-and-stick HH cells,
every ordered pair coupled by a graded synapse (``GradedSyn``) and every
unordered pair by a gap junction (two ``HalfGap``) with probability ``p``
(``p = 1``: all-to-all).  The cells, the mechanisms and the clean-up are
those of :mod:`benchmarks.peers.neuron_dense` (which see).

CoreNEURON (``run_dense(coreneuron=True)``, CLI ``dense --coreneuron``) runs
the dense model in NEURON's optimised engine, in memory and on the CPU:
the mod files are then built with ``nrnivmodl -coreneuron``
(:mod:`benchmarks.peers.neuron_mechanisms`).  CoreNEURON handles the
``source_var``/``target_var`` transfers; its spikes equal NEURON's.

Quirks worth knowing (checked with NEURON 9.0.2):

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

The command line is :mod:`benchmarks.peers.neuron_dense_cli` (``dense``).
"""

from __future__ import annotations

import math
import time

from benchmarks.peers.neuron_dense import CELSIUS, CM, RA, SPIKE_THRESHOLD, V_INIT, soma_section
from benchmarks.peers.neuron_mechanisms import load_mechanisms
from benchmarks.peers.neuron_session import (
    assert_no_sections,
    clean_slate,
    drop_frames,
    lazy_numpy,
    peak_rss_mb,
    psolve,
    reset_globals,
    spike_vectors,
)

__all__ = [
    "dense_draws",
    "build_dense",
    "run_dense",
    "DenseNetwork",
    "segment_center",
]

# the dendrite and the graded synapses of the dense model
DEND_L = 200.0
DEND_DIAM = 1.0
DEND_G = 0.001
DEND_E = -65.0
DENSE_SYN = {"e": -80.0, "vth": -20.0, "vslope": 5.0, "tau": 4.0}


def _dense_masks(ncell, p, seed, amp_lo, amp_hi):
    np = lazy_numpy()
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
        self.soma = soma_section(h, "soma", cell=self)
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
        clean_slate(h)
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
            drop_frames(exc)
            self.close()
            raise

    def _build(self, h, pc, gsyn_total, ggap_total, amp_lo, amp_hi):
        np = lazy_numpy()
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

        tvec, idvec = spike_vectors(h)
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
        np = lazy_numpy()
        h, pc = self.h, self.pc
        tvec, idvec = spike_vectors(h)
        tvec.resize(0)
        idvec.resize(0)
        h.dt = self.dt
        h.tstop = tstop
        t0 = time.perf_counter()
        h.stdinit()
        init_s = time.perf_counter() - t0
        c1 = time.process_time()
        timing = psolve(h, pc, tstop, self.coreneuron)
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
            "peak_rss_mb": peak_rss_mb(),
            **timing,
        }

    def close(self):
        """Clear transfers and gids, free every NEURON object, reset globals."""
        if self._closed:
            return
        self._closed = True
        h, pc = self.h, self.pc
        pc.gid_clear()
        tvec, idvec = spike_vectors(h)
        tvec.resize(0)
        idvec.resize(0)
        self.syns = self.gaps = self.stims = self.netcons = self.cells = None
        reset_globals(h)
        h.cvode.cache_efficient(self._ce_saved)
        assert_no_sections(h)

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
    also ``transfer_s``, see :func:`benchmarks.peers.neuron_session.psolve`),
    ``run_cpu_s`` (process CPU time of psolve, all threads),
    ``ms_per_simulated_ms`` (= 1000 run_s / tstop),
    ``threads``, ``n_graded``, ``n_halfgap``, ``peak_rss_mb`` (process peak).
    """
    with build_dense(ncell=ncell, p=p, seed=seed, ncompart=ncompart, gsyn_total=gsyn_total,
                     ggap_total=ggap_total, amp_lo=amp_lo, amp_hi=amp_hi, dt=dt,
                     threads=threads, hh_table=hh_table, coreneuron=coreneuron) as net:
        return net.run(tstop)
