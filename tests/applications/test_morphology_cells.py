"""A cell from a morphology file is a cell like any other: copied into networks
by ``add_cells``, batched by ``Batch``, addressed by NEURON's section names in
parameter paths, with biophysics given by region."""
from pathlib import Path

import numpy as np
import pytest

from myriad import ModelError
from myriad.batch import Batch

from applications.neuro import HH, IClamp, Network, Pas
from applications.neuro.morphology import load_morphology

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "morphology"
FILE = DATA / "mp_ma_40984_gc2.CNG.swc"
TSTOP = 15.0


def _cell():
    cell = load_morphology(FILE)
    cell.apply({"soma": [HH], "dend": [(Pas, {"g": 1e-4, "e": -65.0})]})
    clamp = cell.soma(0.5).place(IClamp, delay=1.0, dur=1e9, amp=0.6)
    return cell, clamp


def _alone(gnabar=0.12):
    cell, _ = _cell()
    node = cell.soma(0.5).node()
    sim = cell.network.simulation(method="backward_euler", dt=0.025)
    refs, field = cell.network.locate("soma.hh.gnabar")
    for ref in refs:
        sim.set(ref, field, gnabar)
    label = sim.record(node, "v")
    return sim.run(TSTOP)[label]


def test_regions_and_section_names_are_neurons():
    cell, _ = _cell()
    assert set(cell.regions) == {"soma", "dend"}
    assert list(cell.sections)[:3] == ["soma", "dend[0]", "dend[1]"]
    assert len(cell.regions["dend"]) == len(cell.sections) - 1
    refs, field = cell.network.locate("dend[3].pas.g")
    assert field == "g" and len(refs) == cell.sections["dend[3]"].nseg
    with pytest.raises(ModelError, match="no region or section 'apical'"):
        cell.apply({"apical": [Pas]})


@pytest.mark.slow
def test_copies_in_a_network_run_as_the_cell_alone():
    alone = _alone()
    assert alone.max() > 0.0                          # the clamp makes it spike
    cell, _ = _cell()
    net = Network()
    cells = net.add_cells(cell.network, gids=range(3))
    soma = cells.section(2, cell.soma)
    assert soma.name == "cell2.soma"
    node = soma(0.5).node()
    sim = net.simulation(method="backward_euler", dt=0.025)
    label = sim.record(node, "v")
    assert np.array_equal(sim.run(TSTOP)[label], alone)
    assert net.compartments == 3 * cell.summary()["segments"]


@pytest.mark.slow
def test_a_batch_of_the_cell_gives_each_instance_its_own_parameters():
    cell, _ = _cell()
    node = cell.soma(0.5).node()
    batch = Batch(cell.network.model, 2, method="backward_euler", dt=0.025)
    refs, field = cell.network.locate("soma.hh.gnabar")
    for ref in refs:
        batch.set(ref, field, [0.12, 0.06])
    label = batch.record(node, "v")
    traces = batch.run(TSTOP)[label]
    assert np.array_equal(traces[0], _alone(0.12))
    assert np.array_equal(traces[1], _alone(0.06))
    assert not np.array_equal(traces[0], traces[1])
