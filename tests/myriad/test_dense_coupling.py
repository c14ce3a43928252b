"""Gap junctions, graded synapses, Exp2Syn and calcium diffusion against
closed forms, analytic solutions and NEURON; the core (iterative) solve of
densely coupled potentials against exact elimination; thread invariance."""
import math

import numpy as np
import pytest
from tests.requirements import require_neuron

import myriad.elimination as elimination
from applications import dense
from applications.neuro import (CalciumChannel, CalciumCompartment, CalciumDecay, CalciumDiffusion, Exp2Syn,
                                IClamp, Network, Pas)
from tests.dense_models import gap_ring


def test_two_passive_cells_joined_by_a_gap_junction_reach_the_closed_form_steady_state():
    net = Network()
    cells = [net.section(f"c{i}", L=20.0, diam=20.0, nseg=1) for i in range(2)]
    for c in cells:
        c.insert(Pas, g=1e-4, e=-65.0)
    net.gap_junction(cells[0](0.5), cells[1](0.5), g=0.001)
    cells[0](0.5).place(IClamp, delay=0.0, dur=1e9, amp=0.01)
    sim = net.simulation(method="backward_euler", dt=0.1)
    traces = [sim.record(c(0.5).node(), "v") for c in cells]
    res = sim.run(600.0)
    gm = 1e-4 * math.pi * 20.0 * 20.0 * 1e-8 * 1e6        # uS
    gg, amp = 0.001, 0.01
    # injected cell: amp = gm d0 + gg (d0 - d1); other: 0 = gm d1 + gg (d1 - d0)
    d1 = amp * gg / (gm * (gm + 2 * gg))
    d0 = d1 * (gm + gg) / gg
    for trace, expected in zip(traces, (d0, d1)):
        got = res[trace][-1] + 65.0
        assert abs(got - expected) <= 0.005 * expected, (got, expected)


def _ring_voltages(method, dt, tstop=30.0, **kw):
    net, cells = gap_ring(**kw)
    sim = net.simulation(method=method, dt=dt)
    names = [sim.record(c(0.5).node(), "v") for c in cells]
    res = sim.run(tstop)
    return np.array([res[n] for n in names]), res


def test_gap_junction_ring_spike_propagates_and_backward_euler_converges_at_first_order():
    ref, res = _ring_voltages("rk4", 2.0 ** -8)
    assert sorted(set(res.spike_gids.tolist())) == list(range(8))
    errors = []
    for k in (5, 6, 7):
        dt = 2.0 ** -k
        v, _ = _ring_voltages("backward_euler", dt)
        stride = round(dt / 2.0 ** -8)
        errors.append(np.abs(v - ref[:, ::stride]).max())
    orders = [math.log2(a / b) for a, b in zip(errors, errors[1:])]
    assert all(0.8 < q < 1.3 for q in orders), (errors, orders)


@pytest.fixture
def pivot_degree(monkeypatch):
    """Set the degree above which nodes go to the iterative core."""
    def set_to(value):
        monkeypatch.setattr(elimination, "MAX_PIVOT_DEGREE", value)
    return set_to


def test_core_solve_of_a_forced_core_matches_exact_elimination(pivot_degree):
    exact, _ = _ring_voltages("backward_euler", 0.025)
    pivot_degree(1)                      # every ring node becomes core
    net, cells = gap_ring()
    sim = net.simulation(method="backward_euler", dt=0.025)
    sim.compile()
    assert len(sim.flat.program.core) == 8
    names = [sim.record(c(0.5).node(), "v") for c in cells]
    res = sim.run(30.0)
    assert np.abs(np.array([res[n] for n in names]) - exact).max() < 1e-6


def _dense_traces(ncell, threads=1, tstop=20.0, method="backward_euler", **kw):
    net, _ = dense.build(ncell=ncell, **kw)
    sim = net.simulation(method=method, dt=0.025, threads=threads)
    somas = [sec(0.5).node() for sec in net.sections[::2]]
    names = [sim.record(node, "v") for node in somas]
    res = sim.run(tstop)
    return sim, res, np.array([res[n] for n in names])


def test_all_to_all_gap_junctions_use_the_core_and_match_exact_elimination(pivot_degree):
    sim, res, v = _dense_traces(80)
    assert len(sim.flat.program.core) == 80          # degree 79 > MAX_PIVOT_DEGREE
    assert sim.last_context.c.core_iterations > 0
    assert len(res.spike_times) > 0
    pivot_degree(1000)
    sim_exact, _, v_exact = _dense_traces(80)
    assert len(sim_exact.flat.program.core) == 0
    assert np.abs(v - v_exact).max() < 1e-5      # 1e-12 residuals, amplified through spikes


@pytest.mark.slow
@pytest.mark.parametrize("method", ["backward_euler", "crank_nicolson"])
def test_dense_results_are_bitwise_identical_on_one_and_two_threads(method):
    runs = [_dense_traces(100, threads=k, p=0.9, method=method) for k in (1, 2)]
    assert len(runs[0][0].flat.program.core) > 0
    (_, r1, v1), (_, r2, v2) = runs
    assert np.array_equal(v1, v2)
    assert np.array_equal(r1.spike_times, r2.spike_times) and np.array_equal(r1.spike_gids, r2.spike_gids)


def _diffusion_cable(nseg, D):
    net = Network()
    sec = net.section("cable", L=100.0, diam=1.0, nseg=nseg, node_class=CalciumCompartment,
                      diffusion={CalciumDiffusion: D})
    ends = (sec(0.0).node(), sec(1.0).node())        # sealed ends: zero-volume nodes
    return net, sec, ends


def test_diffusion_conserves_mass_and_matches_the_analytic_profile():
    nseg, D, L, c0, tstop = 101, 0.6, 100.0, 1.0, 200.0
    net, sec, _ = _diffusion_cable(nseg, D)
    sim = net.simulation(method="backward_euler", dt=0.025)
    centre = sec.centres[nseg // 2]
    for node in sec.centres:
        sim.set(node, "cai", c0 if node == centre else 0.0)
    names = [sim.record(node, "cai") for node in sec.centres]
    res = sim.run(tstop)
    profile = np.array([res[n] for n in names])            # (nseg, time)
    volume = math.pi * 0.25 * L / nseg
    mass = profile.sum(axis=0) * volume
    assert np.abs(mass / mass[0] - 1.0).max() < 1e-10
    # a box of width dx around L/2 spreading in a sealed cable: erf pairs, mirrored at both ends
    dx = L / nseg
    x = (np.arange(nseg) + 0.5) * dx
    a, b = L / 2 - dx / 2, L / 2 + dx / 2
    width = math.sqrt(4.0 * D * tstop)
    exact = np.zeros(nseg)
    for shift in (-2 * L, 0.0, 2 * L):
        for lo, hi in ((a + shift, b + shift), (-b + shift, -a + shift)):
            exact += 0.5 * c0 * np.array([math.erf((xi - lo) / width) - math.erf((xi - hi) / width) for xi in x])
    got = profile[:, -1]
    assert np.abs(got - exact).max() < 0.01 * exact.max(), np.abs(got - exact).max() / exact.max()


def test_calcium_current_fills_a_compartment_that_the_pump_drains_as_the_closed_form_says():
    net = Network()
    soma = net.section("soma", L=10.0, diam=10.0, nseg=1, cm=1e9, node_class=CalciumCompartment)
    soma.insert(CalciumChannel, gcabar=1e-4)
    soma.insert(CalciumDecay, taur=20.0, cainf=5e-5)
    node = soma(0.5).node()
    sim = net.simulation(method="rk4", dt=0.01)
    sim.set(node, "v", 0.0)                                # huge cm holds v at 0 mV
    cai, v = sim.record(node, "cai"), sim.record(node, "v")
    res = sim.run(60.0)
    assert np.abs(res[v]).max() < 1e-3
    area = math.pi * 10.0 * 10.0
    volume = area * 10.0 / 4.0
    m = 1.0 / (1.0 + math.exp(-(0.0 + 20.0) / 9.0))
    ica_na = 1e-4 * m * m * (0.0 - 120.0) * area * 1e-2      # nA, inward negative
    influx = -ica_na * 1e-9 / (2 * 96485.33212) / 1e-15      # mM um3/ms
    t = res.t
    expected = 5e-5 + influx * 20.0 / volume * (1.0 - np.exp(-t / 20.0))
    assert np.abs(res[cai] - expected).max() < 1e-6 * expected.max()


@pytest.mark.neuron
def test_exp2syn_matches_neuron():
    neuron = require_neuron()
    h = neuron.h
    h.load_file("stdrun.hoc")
    events, tau1, tau2, weight = [2.0, 7.5, 8.0, 30.0], 0.5, 5.0, 0.004
    net = Network()
    soma = net.section("soma", L=20.0, diam=20.0, nseg=1)
    soma.insert(Pas, g=1e-4, e=-65.0)
    syn = soma(0.5).place(Exp2Syn, tau1=tau1, tau2=tau2, e=0.0)
    net.connect(net.stimulus(events), syn, delay=1.0, weight=weight)
    sim = net.simulation(method="rk4", dt=0.005)
    trace = sim.record(soma(0.5).node(), "v")
    res = sim.run(50.0)

    sec = h.Section(name="exp2syn_soma")
    sec.L = sec.diam = 20.0
    sec.insert("pas")
    sec(0.5).pas.g, sec(0.5).pas.e = 1e-4, -65.0
    nsyn = h.Exp2Syn(sec(0.5))
    nsyn.tau1, nsyn.tau2, nsyn.e = tau1, tau2, 0.0
    netcon = h.NetCon(None, nsyn)
    netcon.weight[0], netcon.delay = weight, 1.0
    tvec, vvec = h.Vector(), h.Vector()
    tvec.record(h._ref_t)
    vvec.record(sec(0.5)._ref_v)
    tolerances = h.cvode.atol(), h.cvode.rtol()
    h.cvode.active(1)
    h.cvode.atol(1e-10)
    h.cvode.rtol(1e-10)
    try:
        h.finitialize(-65.0)
        for tev in events:
            netcon.event(tev + 1.0)                  # delivery time: event + delay
        h.continuerun(50.0)
    finally:
        h.cvode.active(0)
        h.cvode.atol(tolerances[0])
        h.cvode.rtol(tolerances[1])
    ours = np.interp(np.array(tvec), res.t, res[trace])     # linear: error ~ dt^2 v'' / 8
    assert np.abs(np.array(vvec) - ours).max() < 1e-3
    assert np.array(vvec).max() > -64.0                       # the events did depolarise
