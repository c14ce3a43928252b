"""A single-compartment soma run in NEURON (fixed step) and in Myriad alike:
hh or pas, an optional IClamp and an optional ExpSyn driven at given times."""
import numpy as np

from applications.neuro import HH, ExpSyn, IClamp, Network, Pas


def record_soma(h, soma):
    """NEURON Vectors of t, the soma's v and its spike times (10 mV crossings), and the
    detecting NetCon, which must be kept alive for the run."""
    tvec, vvec, spk = h.Vector(), h.Vector(), h.Vector()
    tvec.record(h._ref_t)
    vvec.record(soma(0.5)._ref_v)
    det = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    det.threshold = 10.0
    det.record(spk)
    return tvec, vvec, spk, det


def neuron_soma(*, hh=True, celsius=6.3, clamp=None, syn=None, dt=0.025, tstop=30.0):
    """clamp = (delay, dur, amp); syn = (tau, e, delay, weight, times).
    Returns (t, v, spikes) from NEURON's fixed step (secondorder 0)."""
    from benchmarks.peers.neuron_session import assert_no_sections, clean_slate, neuron_h, reset_globals
    h = neuron_h()
    clean_slate(h)
    try:
        h.celsius = celsius
        h.usetable_hh = 0                   # the rates computed, not tabulated, as Myriad does
        soma = h.Section(name="soma")
        soma.L = soma.diam = 20.0
        soma.nseg, soma.cm, soma.Ra = 1, 1.0, 100.0
        if hh:
            soma.insert("hh")
            soma.ena, soma.ek = 50.0, -77.0
        else:
            soma.insert("pas")
            soma(0.5).pas.g, soma(0.5).pas.e = 1e-3, -65.0
        keep = []
        if clamp is not None:
            stim = h.IClamp(soma(0.5))
            stim.delay, stim.dur, stim.amp = clamp
            keep.append(stim)
        if syn is not None:
            tau, e, delay, weight, times = syn
            s = h.ExpSyn(soma(0.5))
            s.tau, s.e = tau, e
            nc = h.NetCon(None, s)          # events queued after finitialize, at arrival times
            nc.weight[0] = weight
            keep += [s, nc]
            arrivals = [t + delay for t in times]
        tvec, vvec, spk, det = record_soma(h, soma)
        h.cvode.active(0)
        h.secondorder = 0
        h.dt = dt
        h.tstop = tstop
        h.finitialize(-65.0)
        if syn is not None:
            for t in arrivals:
                nc.event(t)
        h.continuerun(tstop)
        out = np.array(tvec.as_numpy()), np.array(vvec.as_numpy()), np.array(spk.as_numpy())
        return out
    finally:
        keep = det = soma = None
        reset_globals(h)
        assert_no_sections(h)


def myriad_soma(*, hh=True, celsius=6.3, clamp=None, syn=None, dt=0.025, tstop=30.0, method="backward_euler",
                backend=None):
    net = Network()
    soma = net.section("soma", L=20.0, diam=20.0, nseg=1, cm=1.0, Ra=100.0)
    if hh:
        soma.insert(HH, celsius=celsius)
    else:
        soma.insert(Pas, g=1e-3, e=-65.0)
    if clamp is not None:
        delay, dur, amp = clamp
        soma(0.5).place(IClamp, delay=delay, dur=dur, amp=amp)
    if syn is not None:
        tau, e, delay, weight, times = syn
        target = soma(0.5).place(ExpSyn, tau=tau, e=e)
        net.connect(net.stimulus(times), target, delay=delay, weight=weight)
    net.spike_source(soma(0.5), gid=0, threshold=10.0)
    sim = net.simulation(method=method, dt=dt, **({} if backend is None else {"backend": backend}))
    trace = sim.record(soma(0.5).node(), "v")
    res = sim.run(tstop)
    return res.t, res[trace], res.spike_times
