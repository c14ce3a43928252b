"""The Simulation object: parameters between runs without recompiling, recording, errors."""
import numpy as np
import pytest

from applications import hh_soma
from applications.neuro import HH, Network
from myriad import ModelError
from myriad.cache import libraries


def test_changing_a_parameter_reruns_without_recompiling():
    net, soma, clamp = hh_soma.build(amp=0.1)
    sim = net.simulation(dt=0.025)
    trace = sim.record(soma(0.5).node(), "v")
    sim.compile()
    compiles = libraries.stats.compiles
    first = sim.run(100.0)
    sim.set(clamp, "amp", 0.3)
    assert sim.get(clamp, "amp") == 0.3
    second = sim.run(100.0)
    again = sim.run(100.0)
    assert libraries.stats.compiles == compiles
    assert len(second.spike_times) > len(first.spike_times)
    assert np.array_equal(second[trace], again[trace])
    # the rerun agrees with a model built with amp 0.3 from the start
    net3, soma3, _ = hh_soma.build(amp=0.3)
    sim3 = net3.simulation(dt=0.025)
    t3 = sim3.record(soma3(0.5).node(), "v")
    assert np.array_equal(sim3.run(100.0)[t3], second[t3])


def test_same_structure_reuses_the_compiled_library():
    hh_soma.build(0.1)[0].simulation().compile()
    compiles = libraries.stats.compiles
    hh_soma.build(0.2)[0].simulation().compile()
    assert libraries.stats.compiles == compiles


def test_record_every_k_steps_and_mechanism_states():
    net, soma, _ = hh_soma.build()
    sim = net.simulation(dt=0.025)
    hh = net.model.mechanisms[HH]
    assert len(hh) == 1
    from myriad import MechRef
    every1 = sim.record(MechRef(HH, 0), "m")
    every4 = sim.record(MechRef(HH, 0), "m", every=4, label="m4")
    res = sim.run(10.0)
    assert len(res[every1]) == 401 and len(res["m4"]) == 101
    assert np.array_equal(res[every1][::4], res["m4"])
    np.testing.assert_allclose(res.time("m4")[1], 0.1)
    assert 0.05 < res[every1][0] < 0.06      # m_inf(-65)


@pytest.mark.parametrize("kwargs,match", [
    (dict(method="euler"), "method must be one of"),
    (dict(dt=-1.0), "dt must be a positive"),
    (dict(threads=0), "threads must be an integer"),
    (dict(backend="opencl"), "backend must be one of openmp, numba, cuda"),
])
def test_bad_settings_are_named(kwargs, match):
    net, _, _ = hh_soma.build()
    with pytest.raises(ModelError, match=match):
        net.simulation(**kwargs)


def test_bad_fields_are_named():
    net, soma, clamp = hh_soma.build()
    sim = net.simulation()
    with pytest.raises(ModelError, match="IClamp.*no field 'ampp'"):
        sim.set(clamp, "ampp", 1.0)
    with pytest.raises(ModelError, match="only states and potentials"):
        sim.record(clamp, "amp")
    with pytest.raises(ModelError, match="tstop"):
        sim.run(float("nan"))
    with pytest.raises(ModelError, match="no parameter or state 'gnabarr'"):
        Network().section("s").insert(HH, gnabarr=1.0)


def test_unknowns_are_named_by_the_node_they_belong_to():
    from applications import ringtest
    from applications.neuro import Compartment
    net = ringtest.build(1, 2, 4, 2)
    sim = net.simulation()
    flat = sim.flat
    base = flat.node_ubase[(Compartment, "v")]
    for i in range(len(net.model.nodes[Compartment])):
        u = base + int(flat.node_new[Compartment][i])
        assert flat.unknown_name(u) == f"Compartment[{i}].v"
