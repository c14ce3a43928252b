"""The flattened-model cache: a second simulation of the same model skips
flattening and runs identically; damaged entries and unpicklable models are
handled by flattening again."""
from __future__ import annotations

import numpy as np
import pytest

from myriad import Mechanism, Param, Simulation
from myriad.cache import store
from myriad import flatten as flattening
from tests.linear_models import random_network

from applications import ringtest


def _ring_run():
    net = ringtest.build(2, 4, 4, 2)
    sim = net.simulation(dt=0.025)
    name = sim.record(net.sections[0].node(0.5), "v")
    res = sim.run(20.0)
    return res.spike_times, res[name]


def _entries():
    return sorted(store.cache_dir().glob("flat-*.npz"))


def test_second_simulation_loads_the_flattened_model(monkeypatch):
    first = _ring_run()
    assert _entries()

    def refuse(*args):
        raise AssertionError("flattened again")
    monkeypatch.setattr(flattening, "flatten", refuse)
    second = _ring_run()
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_a_damaged_entry_is_rebuilt():
    first = _ring_run()
    for path in _entries():
        path.write_bytes(b"not a pickle")
    again = _ring_run()
    assert np.array_equal(first[1], again[1])
    assert all(path.read_bytes() != b"not a pickle" for path in _entries())


def test_a_model_with_local_classes_runs_without_an_entry():
    class LocalLeak(Mechanism):
        g = Param(1.0)

        def inflow_u(self):
            return -self.g * self.node.u

    model, nodes, *_ = random_network(10, 2, seed=1)
    model.add_mechanism(LocalLeak, nodes[0], g=2.0)
    before = set(_entries())
    runs = []
    for _ in range(2):
        sim = Simulation(model, dt=0.01)
        name = sim.record(nodes[0], "u")
        runs.append(sim.run(1.0)[name])
    assert set(_entries()) == before
    assert np.array_equal(*runs)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    path.mkdir(mode=0o700)
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(path))
