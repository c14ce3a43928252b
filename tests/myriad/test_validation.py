"""Every validation rule in one list: a user's mistake in a model or a run
setting is a ModelError, raised before anything compiles or runs, whose
message names the culprit (the object and the field), never a traceback from
inside Myriad.  Each case below is one rule; its id says which."""
import math

import pytest

from myriad import MechRef, Model, ModelError, NodeRef
from myriad.batch import Batch
from applications import hh_soma
from applications.neuro import (HH, CalciumChannel, CalciumDecay, Compartment, Exp2Syn, ExpSyn, GapJunction, IClamp,
                                Network, Pas, SEClamp)
from applications.neuro.calcium import CalciumDiffusion


def _net(nseg=1):
    """A network with a soma (HH) and a dendrite on soma(1)."""
    net = Network()
    soma = net.section("soma", L=20.0, diam=20.0)
    soma.insert(HH)
    dend = net.section("dend", L=100.0, diam=1.0, nseg=nseg).connect(soma(1))
    return net, soma, dend


def _section(**options):
    return Network().section("soma", **options)


def _insert(cls, **params):
    _net(nseg=3)[2].insert(cls, **params)


def _place(cls, **params):
    _net()[1](0.5).place(cls, **params)


def _other_network_location():
    other = Network().section("other")
    return other(0.5)


def _connect_other_network():
    _, _, dend = _net()
    net2 = Network()
    net2.section("axon").connect(dend(1))


def _loop():
    net = Network()
    a = net.section("a")
    b = net.section("b").connect(a(1))
    a.connect(b(1))


def _connect_to_itself():
    a = Network().section("a")
    a.connect(a(1))


def _gap(**params):
    net, soma, dend = _net()
    net.gap_junction(soma(0.5), dend(0.5), **params)


def _graded(**params):
    net, soma, dend = _net()
    net.graded_synapse(soma(0.5), dend(0.5), **params)


def _connect_twice():
    _, soma, dend = _net()
    dend.connect(soma(0.5))


def _event_target():
    net, soma, _ = _net()
    return net, soma(0.5).place(ExpSyn)


def _connect(**kwargs):
    net, syn = _event_target()
    net.connect(net.stimulus([1.0]), kwargs.pop("target", syn), **kwargs)


def _connect_gid(gid):
    net, syn = _event_target()
    net.connect(gid, syn)


def _spike_source(gid=0, threshold=10.0, where=None):
    net, soma, _ = _net()
    net.spike_source(where or soma(0.5), gid, threshold)


def _duplicate_gid():
    net, soma, dend = _net()
    net.spike_source(soma(0.5), 3)
    net.spike_source(dend(0.5), 3)


def _sim(**options):
    return hh_soma.build()[0].simulation(**options)


def _on_sim(act):
    """A rule's maker: ``act(simulation, soma, clamp)`` on hh_soma."""
    def make():
        net, soma, clamp = hh_soma.build()
        act(net.simulation(), soma, clamp)
    return make


def _on_net(act):
    """A rule's maker: ``act(network, soma, dend)`` on ``_net()``."""
    return lambda: act(*_net())


def _twin_sections():
    net = Network()
    for _ in range(2):
        net.section("soma").insert(HH)
    return net


def _locate(path):
    net, _, _ = _net()
    net.locate(path)


def _add_cells(template, gids):
    Network().add_cells(template, gids)


def _gid_collision():
    net = Network()
    net.add_cells(_cell(), [0, 1])
    net.add_cells(_cell(), [1])


def _cell():
    cell = Network()
    soma = cell.section("soma")
    cell.spike_source(soma(0.5), 0)
    return cell


RULES = [
    # section geometry: positive finite numbers, named by section and field
    ("section-L-zero", lambda: _section(L=0), ["section 'soma'", "L must be"]),
    ("section-L-negative", lambda: _section(L=-5.0), ["section 'soma'", "L must be"]),
    ("section-L-nan", lambda: _section(L=math.nan), ["section 'soma'", "L must be"]),
    ("section-L-inf", lambda: _section(L=math.inf), ["section 'soma'", "L must be"]),
    ("section-L-bool", lambda: _section(L=True), ["section 'soma'", "L must be"]),
    ("section-diam-zero", lambda: _section(diam=0.0), ["section 'soma'", "diam must be"]),
    ("section-diam-nan", lambda: _section(diam=math.nan), ["section 'soma'", "diam must be"]),
    ("section-nseg-zero", lambda: _section(nseg=0), ["section 'soma'", "nseg must be an integer >= 1"]),
    ("section-nseg-negative", lambda: _section(nseg=-3), ["section 'soma'", "nseg must be an integer >= 1"]),
    ("section-nseg-fraction", lambda: _section(nseg=2.5), ["section 'soma'", "nseg must be an integer >= 1"]),
    ("section-nseg-bool", lambda: _section(nseg=True), ["section 'soma'", "nseg must be an integer >= 1"]),
    ("section-Ra-zero", lambda: _section(Ra=0.0), ["section 'soma'", "Ra must be"]),
    ("section-Ra-nan", lambda: _section(Ra=math.nan), ["section 'soma'", "Ra must be"]),
    ("section-cm-negative", lambda: _section(cm=-1.0), ["section 'soma'", "cm must be >= 0"]),
    ("section-cm-nan", lambda: _section(cm=math.nan), ["section 'soma'", "cm must be >= 0"]),
    ("section-cm-per-segment", lambda: _section(nseg=3, cm=[1.0, -1.0, 1.0]), ["section 'soma'", "cm", "segment 1"]),
    ("section-cm-wrong-length", lambda: _section(nseg=3, cm=[1.0, 1.0]), ["section 'soma'", "cm", "per segment"]),
    ("section-v_init-nan", lambda: _section(v_init=math.nan), ["section 'soma'", "v_init"]),
    ("section-area-overflow", lambda: _section(L=1e300, diam=1e300), ["section 'soma'", "membrane area", "L = "]),
    ("section-conductance-overflow", lambda: _section(L=1e-320), ["section 'soma'", "axial conductance", "Ra"]),
    ("section-capacitance-overflow", lambda: _section(L=1e150, diam=1e150, cm=1e300),
     ["section 'soma'", "capacitance", "cm"]),
    ("section-unknown-option", lambda: _section(dima=3.0), ["section 'soma'", "no option 'dima'", "'diam'"]),
    ("section-node-class", lambda: _section(node_class=int), ["section 'soma'", "node_class"]),
    ("section-diffusion-D", lambda: _section(diffusion={CalciumDiffusion: 0.0}),
     ["section 'soma'", "diffusion coefficient of CalciumDiffusion"]),
    ("section-name-empty", lambda: Network().section(""), ["section's name"]),
    ("add-sections-parent-row", lambda: Network().add_sections([dict(name="a", parent=(3, 1.0))]),
     ["section 'a'", "parent", "row 3"]),
    ("add-sections-unknown-option", lambda: Network().add_sections([dict(name="a", nsegs=2)]),
     ["section 'a'", "no option 'nsegs'", "'nseg'"]),
    # connecting sections: a tree within one network
    ("connect-twice", _connect_twice, ["section 'dend'", "already connected"]),
    ("connect-to-itself", _connect_to_itself, ["'a'", "loop"]),
    ("connect-loop", _loop, ["'a'", "'b'", "loop"]),
    ("connect-other-network", _connect_other_network, ["section 'axon'", "'dend'", "different networks"]),
    ("connect-not-a-location", lambda: _net()[2].connect(_net()[1]), ["section 'dend'", "soma(1)"]),
    # locations
    ("location-above-1", lambda: _net()[1](1.5), ["section 'soma'", "location", "1.5"]),
    ("location-negative", lambda: _net()[1](-0.1), ["section 'soma'", "location", "-0.1"]),
    ("location-nan", lambda: _net()[1](math.nan), ["section 'soma'", "location", "nan"]),
    # mechanism parameters: declared names, finite values, each field's requirement
    ("insert-unknown-parameter", lambda: _insert(HH, gnabr=0.1),
     ["section 'dend'", "HH has no parameter or state 'gnabr'", "did you mean 'gnabar'?"]),
    ("insert-unknown-parameter-no-match", lambda: _insert(Pas, xyz=1.0),
     ["section 'dend'", "Pas has no parameter or state 'xyz'", "it has: g, e"]),
    ("insert-nan", lambda: _insert(HH, gnabar=math.nan), ["section 'dend'", "HH.gnabar", "finite"]),
    ("insert-inf", lambda: _insert(Pas, e=-math.inf), ["section 'dend'", "Pas.e", "finite"]),
    ("insert-string", lambda: _insert(Pas, g="0.001"), ["section 'dend'", "Pas.g", "finite number"]),
    ("insert-per-segment-length", lambda: _insert(Pas, g=[1e-4, 2e-4]), ["section 'dend'", "Pas.g", "3 numbers"]),
    ("insert-per-segment-nan", lambda: _insert(Pas, g=[1e-4, math.nan, 1e-4]),
     ["section 'dend'", "Pas.g", "instance 1"]),
    ("insert-negative-conductance", lambda: _insert(Pas, g=-1e-4), ["section 'dend'", "Pas.g must be >= 0"]),
    ("insert-negative-gkbar", lambda: _insert(HH, gkbar=[0.036, -0.01, 0.036]),
     ["section 'dend'", "HH.gkbar must be >= 0", "instance 1"]),
    ("insert-point-process", lambda: _insert(IClamp), ["section 'dend'", "IClamp is a point process"]),
    ("insert-coupling", lambda: _insert(GapJunction), ["section 'dend'", "GapJunction", "Coupling"]),
    ("insert-not-a-class", lambda: _insert("hh"), ["section 'dend'", "'hh'", "not a Mechanism"]),
    ("calcium-decay-taur", lambda: _insert(CalciumDecay, taur=0.0),
     ["section 'dend'", "CalciumDecay.taur must be > 0"]),
    ("calcium-channel-k", lambda: _insert(CalciumChannel, k=0.0),
     ["section 'dend'", "CalciumChannel.k must be != 0"]),
    # point processes
    ("place-unknown-parameter", lambda: _place(IClamp, ampp=0.1),
     ["soma(0.5)", "IClamp has no parameter or state 'ampp'", "did you mean 'amp'?"]),
    ("iclamp-dur-negative", lambda: _place(IClamp, dur=-1.0), ["soma(0.5)", "IClamp.dur must be >= 0"]),
    ("iclamp-amp-nan", lambda: _place(IClamp, amp=math.nan), ["soma(0.5)", "IClamp.amp", "finite"]),
    ("expsyn-tau-zero", lambda: _place(ExpSyn, tau=0.0), ["soma(0.5)", "ExpSyn.tau must be > 0"]),
    ("exp2syn-tau1-zero", lambda: _place(Exp2Syn, tau1=0.0), ["soma(0.5)", "Exp2Syn.tau1 must be > 0"]),
    ("exp2syn-tau2-negative", lambda: _place(Exp2Syn, tau2=-3.0), ["soma(0.5)", "Exp2Syn.tau2 must be > 0"]),
    ("seclamp-rs-zero", lambda: _place(SEClamp, rs=0.0), ["soma(0.5)", "SEClamp.rs must be > 0"]),
    ("seclamp-dur-negative", lambda: _place(SEClamp, dur1=-2.0), ["soma(0.5)", "SEClamp.dur1 must be >= 0"]),
    ("place-many-other-network", lambda: _net()[0].place(IClamp, [_other_network_location()]),
     ["place IClamp", "other(0.5)", "another network"]),
    # couplings between locations
    ("gap-negative-g", lambda: _gap(g=-0.1), ["gap_junction soma(0.5) -> dend(0.5)", "GapJunction.g must be >= 0"]),
    ("gap-nan-g", lambda: _gap(g=math.nan), ["gap_junction soma(0.5) -> dend(0.5)", "GapJunction.g", "finite"]),
    ("gap-other-network",
     _on_net(lambda net, soma, dend: net.gap_junction(soma(0.5), _other_network_location(), g=0.1)),
     ["gap_junction", "other(0.5)", "another network"]),
    ("gap-bulk-negative-g", _on_net(lambda net, soma, dend: net.gap_junctions([soma(0.5)], [dend(0.5)], g=[-1.0])),
     ["GapJunction", "g must be >= 0", "instance 0"]),
    ("graded-tau-zero", lambda: _graded(tau=0.0),
     ["graded_synapse soma(0.5) -> dend(0.5)", "GradedSynapse.tau must be > 0"]),
    ("graded-vslope-zero", lambda: _graded(vslope=0.0), ["graded_synapse", "GradedSynapse.vslope must be != 0"]),
    ("graded-unknown-parameter", lambda: _graded(vhalf=-20.0),
     ["graded_synapse", "GradedSynapse has no parameter or state 'vhalf'"]),
    # spike sources and connections
    ("spike-threshold-nan", lambda: _spike_source(threshold=math.nan),
     ["spike_source gid 0", "soma(0.5)", "threshold"]),
    ("spike-gid-negative", lambda: _spike_source(gid=-1), ["spike_source", "gid must be an integer >= 0", "-1"]),
    ("spike-gid-fraction", lambda: _spike_source(gid=2.5), ["spike_source", "gid must be an integer >= 0", "2.5"]),
    ("spike-gid-duplicate", _duplicate_gid, ["gid 3", "already has a spike source"]),
    ("spike-other-network", lambda: _spike_source(where=_other_network_location()),
     ["spike_source gid 0", "other(0.5)", "another network"]),
    ("connect-delay-negative", lambda: _connect(delay=-1.0), ["connect to ExpSyn[0]", "delay", ">= 0"]),
    ("connect-delay-nan", lambda: _connect(delay=math.nan), ["connect to ExpSyn[0]", "delay"]),
    ("connect-weight-nan", lambda: _connect(weight=math.nan), ["connect to ExpSyn[0]", "weight"]),
    ("connect-unknown-gid", lambda: _connect_gid(7), ["gid 7", "no spike source"]),
    ("connect-no-on-event",
     _on_net(lambda net, soma, dend: net.connect(net.stimulus([1.0]), soma(0.5).place(IClamp))),
     ["connect to IClamp[0]", "on_event"]),
    ("connect-target-missing", lambda: _connect(target=MechRef(ExpSyn, 5)),
     ["connect", "ExpSyn[5]", "not a mechanism"]),
    ("stimulus-negative-time", lambda: Network().stimulus([2.0, -1.0]), ["generator times", ">= 0"]),
    ("stimulus-not-numbers", lambda: Network().stimulus(["soon"]), ["generator times", "'soon'"]),
    ("stimulus-empty", lambda: Network().stimulus([]), ["generator times", "non-empty"]),
    # cells copied from a template
    ("add-cells-template", lambda: _add_cells("cell", [0]), ["add_cells", "template must be a Network"]),
    ("add-cells-gid-negative", lambda: _add_cells(_cell(), [0, -2]), ["add_cells", "gids", "-2"]),
    ("add-cells-gid-collision", _gid_collision,
     ["add_cells", "gid 1", "two spike sources"]),
    # parameter paths (searches)
    ("locate-section", lambda: _locate("somma.hh.gnabar"), ["'somma.hh.gnabar'", "no section or name 'somma'",
                                                            "did you mean 'soma'?"]),
    ("locate-mechanism", lambda: _locate("soma.hhh.gnabar"), ["'soma.hhh.gnabar'", "no mechanism 'hhh'",
                                                              "did you mean 'hh'?"]),
    ("locate-field", lambda: _locate("soma.hh.gnabr"), ["'soma.hh.gnabr'", "HH has no field 'gnabr'",
                                                        "did you mean 'gnabar'?"]),
    ("locate-section-field", lambda: _locate("dend.diam"), ["'dend.diam'", "Compartment has no field 'diam'"]),
    # the generic model underneath
    ("model-add-nodes-count", lambda: Model().add_nodes(Compartment, -1), ["add_nodes", "number of nodes"]),
    ("model-node-not-in-model", lambda: Model().add_mechanism(Pas, NodeRef(Compartment, 0)),
     ["Pas[0]", "Compartment[0]", "not a node of this model"]),
    ("model-area-negative", lambda: Model().add_nodes(Compartment, 2, area=[1.0, -1.0]),
     ["Compartment[0:2]", "Compartment.area must be >= 0", "instance 1"]),
    ("model-missing-potential", _on_net(lambda net, soma, dend: (dend.insert(CalciumChannel), net.simulation())),
     ["CalciumChannel", "has no potential 'cai'"]),
    # run settings (checked in myriad.simulation)
    ("sim-dt-zero", lambda: _sim(dt=0.0), ["dt must be"]),
    ("sim-dt-nan", lambda: _sim(dt=math.nan), ["dt must be"]),
    ("sim-method", lambda: _sim(method="euler"), ["method must be one of", "'euler'"]),
    ("sim-threads", lambda: _sim(threads=0), ["threads must be"]),
    ("sim-tstop-negative", lambda: _sim().run(-1.0), ["tstop"]),
    ("sim-tstop-nan", lambda: _sim().run(math.nan), ["tstop"]),
    ("sim-set-unknown-field", _on_sim(lambda sim, soma, clamp: sim.set(clamp, "ampp", 1.0)),
     ["IClamp[0]", "'ampp'", "amp"]),
    ("sim-set-nan", _on_sim(lambda sim, soma, clamp: sim.set(clamp, "amp", math.nan)),
     ["IClamp[0].amp", "finite"]),
    ("sim-record-unknown", _on_sim(lambda sim, soma, clamp: sim.record(soma(0.5).node(), "vv")),
     ["Compartment[0]", "'vv'"]),
    ("sim-record-parameter", _on_sim(lambda sim, soma, clamp: sim.record(clamp, "amp")),
     ["IClamp.amp", "parameter"]),
    ("sim-rk4-unstable", lambda: _sim(method="rk4", dt=1.0).run(5.0), ["rk4 is unstable", "dt = 1.0"]),
    ("locate-ambiguous-section", lambda: _twin_sections().locate("soma.hh.gnabar"),
     ["'soma.hh.gnabar'", "more than one section is named 'soma'"]),
    ("sim-threads-too-many", lambda: _sim(threads=100000), ["threads must be", "1024", "100000"]),
    ("sim-too-many-steps", lambda: _sim(dt=1e-300).run(1.0), ["tstop 1 ms at dt 1e-300 ms", "steps"]),
    ("sim-progress", lambda: _sim(progress="yes"), ["progress must be", "'yes'"]),
    ("sim-set-required", _on_sim(lambda sim, soma, clamp: sim.set(soma.inserted[HH][0][0], "gnabar", -0.1)),
     ["HH[0].gnabar", ">= 0", "-0.1"]),
    ("batch-set-required", _on_sim(lambda sim, soma, clamp: Batch(sim.model, 2).set(clamp, "dur", [1.0, -1.0])),
     ["IClamp[0].dur", ">= 0", "-1.0"]),
]


@pytest.mark.parametrize("make,culprit", [pytest.param(make, culprit, id=rule) for rule, make, culprit in RULES])
def test_rule(make, culprit):
    with pytest.raises(ModelError) as info:
        make()
    message = str(info.value)
    for part in culprit:
        assert part in message, f"{part!r} not in {message!r}"
