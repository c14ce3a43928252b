"""Batched instances: K parameter sets in one compiled simulation, each bitwise what it gives alone."""
import numpy as np
import pytest

from applications import hh_soma, ringtest
from applications.neuro import HH
from myriad import MechRef, ModelError
from myriad.batch import Batch


def _hh_parameter_sets(k, seed=7):
    rng = np.random.default_rng(seed)
    return {"gnabar": rng.uniform(0.06, 0.2, k), "gkbar": rng.uniform(0.02, 0.06, k),
            "gl": rng.uniform(1e-4, 6e-4, k)}


@pytest.mark.slow
@pytest.mark.parametrize("method, threads", [("backward_euler", 1), ("backward_euler", 2), ("rk4", 2),
                                             ("crank_nicolson", 2)])
def test_each_of_256_instances_is_bitwise_its_own_run(method, threads):
    net, soma, clamp = hh_soma.build(amp=0.1)
    hh = MechRef(HH, 0)
    params = _hh_parameter_sets(256)
    batch = Batch(net.model, 256, method=method, dt=0.025, threads=threads)
    for name, values in params.items():
        batch.set(hh, name, values)
    batch.set(clamp, "amp", np.linspace(0.02, 0.4, 256))
    label = batch.record(soma(0.5).node(), "v")
    together = batch.run(60.0)
    assert together[label].shape == (256, 2401)

    alone = net.simulation(method=method, dt=0.025, threads=1)
    trace = alone.record(soma(0.5).node(), "v")
    spiking = 0
    for k in range(256):
        for name, values in params.items():
            alone.set(hh, name, values[k])
        alone.set(clamp, "amp", np.linspace(0.02, 0.4, 256)[k])
        result = alone.run(60.0)
        assert np.array_equal(result[trace], together[label][k]), k
        times, gids = together.spikes(k)
        assert np.array_equal(result.spike_times, times) and np.array_equal(result.spike_gids, gids), k
        spiking += len(times) > 0
    assert 20 < spiking < 256      # the parameter sets differ in what they do


def test_values_are_set_and_read_per_instance():
    net, _, clamp = hh_soma.build()
    batch = Batch(net.model, 4)
    batch.set(clamp, "amp", [0.1, 0.2, 0.3, 0.4])
    assert batch.get(clamp, "amp").tolist() == [0.1, 0.2, 0.3, 0.4]
    batch.set(clamp, "amp", 0.5)
    assert batch.get(clamp, "amp").tolist() == [0.5] * 4
    with pytest.raises(ModelError, match="amp: values must be finite"):
        batch.set(clamp, "amp", [0.1, np.nan, 0.1, 0.1])
    with pytest.raises(ModelError, match="has no field 'ampp'"):
        batch.set(clamp, "ampp", 0.1)
    with pytest.raises(ModelError, match="number of instances"):
        Batch(net.model, 0)


def test_network_instances_keep_their_gids():
    net = ringtest.build(nring=1, ncell=4, nbranch=2)
    batch = Batch(net.model, 3)
    together = batch.run(30.0)
    alone = net.simulation().run(30.0)
    for k in range(3):
        times, gids = together.spikes(k)
        assert np.array_equal(times, alone.spike_times) and np.array_equal(gids, alone.spike_gids)
    assert batch.gid_stride == 4
