"""Network.add_cells / Model.add_copies: copies of a template cell are the
model that building every cell in turn gives (same arrays, same run, bit for
bit), and their sections, gids and refs behave like those of built cells."""
import numpy as np
import pytest

from myriad import Model, ModelError, NodeRef, SourceRef
from applications.neuro import HH, Compartment, ExpSyn, IClamp, Network, Pas


def _cell(net, prefix="", gid=0):
    """Soma with hh, three 3-segment dendrites (two on the first one's 1-end); an ExpSyn."""
    soma = net.section(f"{prefix}soma", L=12.6157, diam=12.6157, nseg=1, Ra=100.0)
    soma.insert(HH, gnabar=0.12, el=-54.3)
    dends = []
    for i in range(3):
        dend = net.section(f"{prefix}dend[{i}]", L=50.0, diam=1.0, nseg=3, Ra=100.0)
        dend.connect(soma(1.0) if i == 0 else dends[0](1.0))
        dend.insert(Pas, g=0.001, e=-65.0)
        dends.append(dend)
    synapse = dends[0](0.8).place(ExpSyn, tau=2.0)
    net.spike_source(soma(0.5), gid=gid)
    return synapse


def _one_by_one(n):
    net = Network()
    return net, [_cell(net, f"cell{gid}.", gid) for gid in range(n)]


def _copied(n):
    template = Network()
    synapse = _cell(template)
    net = Network()
    cells = net.add_cells(template, gids=range(n))
    return net, list(cells.refs(synapse)), cells, template


def _contents(model: Model):
    """Everything flattening reads, as plain values."""
    def instances(inst):
        fields = {**inst.cls.params(), **inst.cls.states(), **getattr(inst.cls, "potentials", dict)()}
        out = {name: inst.column(name, f.default).tolist() for name, f in fields.items()}
        for r in range(len(inst.node_code)):
            out[f"nodes{r}"] = [a.tolist() for a in inst.nodes(r)]
        return out
    return {"node_classes": model.node_classes,
            "nodes": {cls: instances(inst) for cls, inst in model.nodes.items()},
            "mechanisms": {cls: instances(inst) for cls, inst in model.mechanisms.items()},
            "mechanism order": list(model.mechanisms),
            "detectors": model.detectors, "generators": model.generators, "connections": model.connections,
            "sources": model._n_sources}


def test_copies_are_the_model_that_building_each_cell_gives():
    (built, built_syn), (copied, copied_syn, _, _) = _one_by_one(5), _copied(5)
    assert _contents(copied.model) == _contents(built.model)
    assert copied_syn == built_syn
    assert [s.name for s in copied.sections] == [s.name for s in built.sections]
    assert copied.compartments == built.compartments == 5 * 10
    assert copied.gids == built.gids


def _ring_run(net, synapses):
    stimulus = net.stimulus([1.0])
    for gid, synapse in enumerate(synapses):
        net.connect((gid - 1) % len(synapses), synapse, delay=1.0, weight=0.02)
    net.connect(stimulus, synapses[0], delay=0.5, weight=0.02)
    probes = [net.sections[0](0.5).node(), net.sections[5](0.3).node(), net.sections[-1](1.0).node()]
    sim = net.simulation(method="backward_euler", dt=0.025)
    names = [sim.record(p, "v") for p in probes]
    res = sim.run(25.0)
    return res, [res[n] for n in names]


@pytest.mark.slow
def test_copies_run_bitwise_like_cells_built_one_by_one():
    built, copied = _ring_run(*_one_by_one(4)), _ring_run(*_copied(4)[:2])
    assert len(built[0].spike_times) > 0
    assert np.array_equal(built[0].spike_times, copied[0].spike_times)
    assert np.array_equal(built[0].spike_gids, copied[0].spike_gids)
    for a, b in zip(built[1], copied[1]):
        assert np.array_equal(a, b)


def test_sections_of_copies_sit_on_the_copies_nodes():
    net, _, cells, template = _copied(3)
    soma, dend0 = template.sections[0], template.sections[1]
    view = cells.section(2, dend0)
    assert view is net.sections[2 * 4 + 1] and view.name == "cell2.dend[0]"
    assert view.parent.section is cells.section(2, soma) and view.parent.x == 1.0
    per_cell = len(template.model.nodes[Compartment])
    assert view(0.5).node() == NodeRef(Compartment, 2 * per_cell + dend0(0.5).node().index)
    assert cells.section(1, soma)(1.0).node() == NodeRef(Compartment, per_cell + soma(1.0).node().index)


def test_an_end_the_template_never_used_is_made_in_the_network_on_demand():
    net, _, cells, template = _copied(2)
    last = template.sections[3]                      # dend[2]: nothing on its 1-end
    nodes = len(net.model.nodes[Compartment])
    end = cells.section(1, last)(1.0).node()
    assert end == NodeRef(Compartment, nodes) and cells.section(1, last)(1.0).node() == end
    assert len(net.model.nodes[Compartment]) == nodes + 1
    assert len(template.model.nodes[Compartment]) * 2 == nodes


def test_gids_are_shifted_and_never_shared():
    template = Network()
    _cell(template)
    net = Network()
    net.add_cells(template, gids=[10, 20])
    assert sorted(net.gids) == [10, 20]
    with pytest.raises(ModelError, match="gid 20 would have two spike sources"):
        net.add_cells(template, gids=[30, 20])
    with pytest.raises(ModelError, match="gid 7 would have two spike sources"):
        net.add_cells(template, gids=[7, 7])


def test_copies_keep_sources_connections_and_unlabelled_detectors():
    template = Model()
    a, b = template.add_nodes(Compartment, 2, area=100.0)
    syn = template.add_mechanism(ExpSyn, b, tau=3.0)
    template.add_detector(a, "v", 0.0)                # no gid
    labelled = template.add_detector(b, "v", 5.0, gid=1)
    stim = template.add_generator([2.0, 1.0])
    template.connect(labelled, syn, 1.0, 0.5)
    template.connect(stim, syn, 0.5, 0.25)
    model = Model()
    model.add_node(Compartment)
    model.add_generator([3.0])
    copies = model.add_copies(template, 3, gid_offsets=[100, 200, 300])
    assert len(model.nodes[Compartment]) == 7 and len(model.mechanisms[ExpSyn]) == 3
    assert [d.gid for _, d in model.detectors] == [-1, 101, -1, 201, -1, 301]
    assert copies.ref(b, 2) == NodeRef(Compartment, 1 + 2 * 2 + 1)
    assert copies.ref(stim, 1) == SourceRef(1 + 3 * 1 + 2)
    assert model.generators[1:] == [(3, (1.0, 2.0)), (6, (1.0, 2.0)), (9, (1.0, 2.0))]
    assert [(c.source.index, c.target.index, c.weight) for c in model.connections] == [
        (2, 0, 0.5), (3, 0, 0.25), (5, 1, 0.5), (6, 1, 0.25), (8, 2, 0.5), (9, 2, 0.25)]
    assert list(copies.refs(syn)) == [copies.ref(syn, k) for k in range(3)]
    with pytest.raises(ModelError, match="not part of the copied model"):
        copies.ref(NodeRef(Compartment, 2), 0)
    with pytest.raises(ModelError, match="copy 3 does not exist"):
        copies.ref(a, 3)


def _branched(many: bool):
    """Sections of two node classes, with diffusion, attached at ends (a root's
    0-end included) and at an interior point: made at once or one by one."""
    from applications.neuro import CalciumChannel, CalciumCompartment, CalciumDecay, CalciumDiffusion

    calcium = dict(node_class=CalciumCompartment, diffusion={CalciumDiffusion: 0.2})
    rows = [dict(name="soma", L=20.0, diam=20.0, parent=None, **calcium),
            dict(name="d1", L=200.0, diam=2.0, nseg=5, parent=(0, 1.0), **calcium),
            dict(name="d2", L=100.0, diam=1.0, nseg=3, parent=(1, 0.5), **calcium),
            dict(name="d3", L=150.0, diam=1.5, nseg=4, parent=(0, 0.0)),
            dict(name="d4", L=50.0, diam=1.0, nseg=2, parent=(3, 1.0), Ra=150.0)]
    net = Network()
    if many:
        secs = net.add_sections(rows)
    else:
        secs = []
        for row in rows:
            row = dict(row)
            parent = row.pop("parent")
            secs.append(net.section(**row))
            if parent:
                secs[-1].connect(secs[parent[0]](parent[1]))
    secs[0].insert(HH)
    for sec in secs[1:]:
        sec.insert(Pas, g=1e-4, e=-65.0)
    secs[2].insert(CalciumChannel, gcabar=0.002)
    secs[2].insert(CalciumDecay)
    secs[0](0.5).place(IClamp, delay=2.0, dur=20.0, amp=0.3)
    sim = net.simulation(dt=0.025)
    labels = [sim.record(secs[4](0.5).node(), "v"), sim.record(secs[2](0.9).node(), "v"),
              sim.record(secs[2](0.5).node(), "cai")]
    result = sim.run(40.0)
    return [result[label] for label in labels], net.compartments


@pytest.mark.slow
def test_sections_made_at_once_equal_sections_made_one_by_one():
    (many, n_many), (single, n_single) = _branched(True), _branched(False)
    assert n_many == n_single == 15
    for a, b in zip(many, single):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert np.ptp(many[0]) > 50.0 and np.ptp(many[2]) > 0.0
