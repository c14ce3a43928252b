"""Bulk adds (add_nodes, add_mechanisms, NodeRefs): many instances at once, the same model as one by one."""
import numpy as np
import pytest

from myriad import MechRef, Model, ModelError, NodeRef, NodeRefs
from applications import dense
from applications.neuro import HH, Compartment, GapJunction, GradedSynapse, Network


def _traces(net):
    sim = net.simulation(method="backward_euler", dt=0.025)
    names = [sim.record(sec(0.5).node(), "v") for sec in net.sections]
    res = sim.run(10.0)
    return np.array([res[n] for n in names])


def test_bulk_and_one_by_one_build_the_same_model():
    bulk, drawn = dense.build(ncell=12, p=0.6, seed=3)
    single, _ = dense.build(ncell=12, p=0.6, seed=3)
    single.model.mechanisms.pop(GradedSynapse)
    single.model.mechanisms.pop(GapJunction)
    somas = [sec(0.5) for sec in single.sections[::2]]
    dends = [sec(0.5) for sec in single.sections[1::2]]
    n = 12
    for i, j in np.argwhere(drawn["syn"]).tolist():
        single.graded_synapse(somas[i], dends[j], g=0.002 / (0.6 * (n - 1)), **dense.GRADED)
    for i, j in np.argwhere(drawn["gap"]).tolist():
        single.gap_junction(somas[i], somas[j], g=0.005 / (0.6 * (n - 1)))
    assert np.array_equal(_traces(bulk), _traces(single))


def test_per_instance_values_and_defaults():
    net, _ = dense.build(ncell=3, p=0.0)
    somas = [sec(0.5) for sec in net.sections[::2]]
    refs = net.graded_synapses(somas[:2], somas[1:], g=[0.1, 0.2])
    assert list(refs) == [MechRef(GradedSynapse, 0), MechRef(GradedSynapse, 1)]
    sim = net.simulation()
    assert [sim.get(r, "g") for r in refs] == [0.1, 0.2]
    assert [sim.get(r, "tau") for r in refs] == [4.0, 4.0]


@pytest.mark.parametrize("kwargs,culprit", [
    ({"g": [0.1, 0.2, 0.3]}, "give one number or 2 numbers"),
    ({"g": [0.1, float("nan")]}, "must be finite"),
    ({"gbar": 1.0}, "no parameter or state 'gbar'"),
])
def test_bad_bulk_values_name_the_culprit(kwargs, culprit):
    net, _ = dense.build(ncell=3, p=0.0)
    somas = [sec(0.5) for sec in net.sections[::2]]
    with pytest.raises(ModelError, match=culprit):
        net.graded_synapses(somas[:2], somas[1:], **kwargs)


def test_bulk_nodes_must_belong_to_the_model():
    net, _ = dense.build(ncell=2, p=0.0)
    other, _ = dense.build(ncell=5, p=0.0)
    far = other.sections[8](0.5).node()
    with pytest.raises(ModelError, match="is not a node of this model"):
        net.model.add_mechanisms(GapJunction, ([net.sections[0](0.5).node()], [far]), g=0.1)


def test_node_refs_slice_index_and_iterate_like_lists_of_refs():
    model = Model()
    nodes = model.add_nodes(Compartment, 6, area=np.arange(1.0, 7.0))
    assert isinstance(nodes[1:4], NodeRefs) and list(nodes[1:4]) == [NodeRef(Compartment, i) for i in (1, 2, 3)]
    assert list(nodes[np.array([5, 0, 5])]) == [NodeRef(Compartment, i) for i in (5, 0, 5)]
    assert nodes[-1] == NodeRef(Compartment, 5) and repr(nodes[::2]) == "Compartment[0:6:2]"
    assert model.nodes[Compartment].column("area", 0.0).tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def test_values_equal_to_the_default_are_not_stored_but_read_back():
    model = Model()
    model.add_nodes(Compartment, 3, cm=1.0, area=-0.0)     # cm's default; -0.0 is not area's default 0.0
    inst = model.nodes[Compartment]
    assert "cm" not in inst.columns and inst.column("cm", 1.0).tolist() == [1.0, 1.0, 1.0]
    assert np.signbit(inst.column("area", 0.0)).all()


def test_section_errors_name_the_section_and_bulk_nodes_are_checked():
    net = Network()
    with pytest.raises(ModelError, match="section 'soma': HH\\[0\\]: HH has no parameter or state 'gnabarr'"):
        net.section("soma").insert(HH, gnabarr=1.0)
    with pytest.raises(ModelError, match="is not a node of this model"):
        net.model.add_mechanisms(HH, NodeRefs(Compartment, range(0, 2)))
    with pytest.raises(ModelError, match="is not a node of this model"):
        Model().add_mechanisms(HH, NodeRefs(Compartment, range(0, 1)))
