"""Runs that blow up stop with the culprit and keep what came before; checkpoints continue a run
bit for bit; long runs show progress; results plot."""
import io
import re
import time
import types

import numpy as np
import pytest
from tests.requirements import require

from applications import hh_soma, ringtest
from myriad import ModelError, NonFiniteError
from myriad.progress import RunProgress
from myriad.context import CHECK_EVERY


def _ring(**options):
    net = ringtest.build(nring=2, ncell=4, nbranch=4)
    sim = net.simulation(**options)
    sim.record(net.sections[0](0.5).node(), "v", label="v")
    sim.record(net.sections[5](0.5).node(), "v", every=4, label="v4")
    return net, sim


# --- blow-up -----------------------------------------------------------------------------

def _backend(backend, monkeypatch):
    """``backend``, or "cuda" for "cuda-emulated" (the CUDA code on the CPU, MYRIAD_CUDA_EMULATE)."""
    if backend == "cuda-emulated":
        monkeypatch.setenv("MYRIAD_CUDA_EMULATE", "1")
        return "cuda"
    return backend


# slow: numba compiles its solver on first use (a minute)
@pytest.mark.parametrize("backend, threads", [("openmp", 1), ("openmp", 2),
                                              pytest.param("numba", 1, marks=pytest.mark.slow), ("cuda-emulated", 3)])
def test_a_blow_up_stops_with_the_step_time_and_variable_and_keeps_the_run_so_far(backend, threads, monkeypatch):
    backend = _backend(backend, monkeypatch)
    _, sim = _ring(method="rk4", dt=0.05, check_stability=False, backend=backend, threads=threads)
    with pytest.raises(NonFiniteError) as caught:
        sim.run(100.0)
    error = caught.value
    assert error.step % CHECK_EVERY == 0 and 0 < error.step < 2000
    assert error.time == pytest.approx(error.step * 0.05)
    assert re.fullmatch(r"Compartment\[\d+\]\.v", error.variable)
    message = str(error)
    assert f"step {error.step}" in message and f"t = {error.time:g} ms" in message and error.variable in message
    result = error.result
    assert len(result.t) == error.step + 1 and result.t[-1] == pytest.approx(error.time)
    assert len(result["v"]) == error.step + 1 and len(result["v4"]) == error.step // 4 + 1
    assert np.isfinite(result["v"][:3]).all() and not np.isfinite(result["v"][-1])
    np.testing.assert_array_equal(result.time("v4"), np.arange(len(result["v4"])) * 4 * 0.05)


def test_rk4_refuses_the_unstable_dt_unless_told_not_to_check():
    _, sim = _ring(method="rk4", dt=0.05)
    with pytest.raises(ModelError, match=r"rk4 is unstable at dt = 0.05 ms"):
        sim.run(10.0)


# --- checkpoints --------------------------------------------------------------------------

# slow: numba as above; two threads whose barriers wait long on a busy machine
@pytest.mark.parametrize("method, dt, backend, threads", [pytest.param("backward_euler", 0.025, "openmp", 2,
                                                                       marks=pytest.mark.slow),
                                                          pytest.param("backward_euler", 0.025, "numba", 1,
                                                                       marks=pytest.mark.slow),
                                                          ("backward_euler", 0.025, "cuda-emulated", 3),
                                                          ("rk4", 0.0025, "openmp", 1),
                                                          ("crank_nicolson", 0.025, "openmp", 2),
                                                          pytest.param("crank_nicolson", 0.025, "numba", 1,
                                                                       marks=pytest.mark.slow),
                                                          pytest.param("crank_nicolson", 0.025, "cuda-emulated", 3,
                                                                       marks=pytest.mark.slow)])
def test_a_run_continued_from_a_checkpoint_is_bitwise_the_uninterrupted_run(tmp_path, method, dt, backend,
                                                                            threads, monkeypatch):
    backend = _backend(backend, monkeypatch)
    options = dict(method=method, dt=dt, backend=backend, threads=threads)
    _, straight = _ring(**options)
    full = straight.run(100.0)
    _, first = _ring(**options)
    half = first.run(50.0)
    first.save_state(tmp_path / "state.npz")
    _, second = _ring(**options)              # a new simulation, as in a new process
    second.load_state(tmp_path / "state.npz")
    rest = second.run(100.0)
    mid = round(50.0 / dt)
    assert len(full.spike_times) > 20 and len(half.spike_times) and len(rest.spike_times)
    assert np.array_equal(full.spike_times, np.concatenate([half.spike_times, rest.spike_times]))
    assert np.array_equal(full.spike_gids, np.concatenate([half.spike_gids, rest.spike_gids]))
    assert np.array_equal(full.t[mid:], rest.t)
    assert np.array_equal(full["v"][mid:], rest["v"]) and np.array_equal(full["v"][:mid + 1], half["v"])
    assert np.array_equal(full["v4"][mid // 4:], rest["v4"])
    assert np.array_equal(full.time("v4")[mid // 4:], rest.time("v4"))
    assert np.array_equal(straight.last_context.array("Y"), second.last_context.array("Y"))
    assert np.array_equal(second.run(100.0)["v"], full["v"])     # the checkpoint is used once


def test_checkpoints_are_refused_when_they_do_not_fit(tmp_path):
    net, sim = _ring(dt=0.025)
    with pytest.raises(ModelError, match="nothing to save yet"):
        sim.save_state(tmp_path / "s.npz")
    sim.run(20.0)
    sim.save_state(tmp_path / "s.npz")
    other = net.simulation(dt=0.05)
    with pytest.raises(ModelError, match=r"saved from another model, method or dt .*dt = 0.05"):
        other.load_state(tmp_path / "s.npz")
    soma = hh_soma.build()[0].simulation(dt=0.025)
    with pytest.raises(ModelError, match="saved from another model"):
        soma.load_state(tmp_path / "s.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match=r"cannot read .*junk.npz"):
        sim.load_state(tmp_path / "junk.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ModelError, match="is not a Myriad checkpoint"):
        sim.load_state(tmp_path / "other.npz")
    sim.load_state(tmp_path / "s.npz")
    with pytest.raises(ModelError, match=r"tstop 10.0 ms is before the loaded state's time, 20 ms"):
        sim.run(10.0)


# --- progress -----------------------------------------------------------------------------

class _FakeRun:
    """A context whose step counter advances like a running solver's."""

    def __init__(self):
        self.c = types.SimpleNamespace(progress=0)


def test_progress_shows_simulated_time_only_for_runs_longer_than_the_threshold(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    run = _FakeRun()
    with RunProgress(run, nsteps=400, dt=0.025, enabled=True, after_s=0.05, every_s=0.01):
        for step in range(0, 401, 40):
            run.c.progress = step
            time.sleep(0.02)
    shown = err.getvalue()
    assert "simulating" in shown and "10.0/10.0 ms" in shown and "ms/s" in shown
    err.truncate(0)
    with RunProgress(run, nsteps=400, dt=0.025, enabled=True, after_s=5.0):
        pass
    with RunProgress(run, nsteps=400, dt=0.025, enabled=None, after_s=0.0, every_s=0.01):
        time.sleep(0.05)                      # stderr is not a terminal: no bar
    assert err.getvalue().strip("\x00") == ""


def test_the_solver_reports_its_steps_while_it_runs():
    net = ringtest.build(nring=8, ncell=8, nbranch=8)
    sim = net.simulation()
    seen = []

    class Spy(RunProgress):
        def _watch(self):
            while not self._stop.wait(0.005):
                seen.append(self.ctx.c.progress)
            seen.append(self.ctx.c.progress)

    monkey = pytest.MonkeyPatch()
    monkey.setattr("myriad.simulation.RunProgress", lambda ctx, n, dt, enabled: Spy(ctx, n, dt, True))
    try:
        sim.run(200.0)
    finally:
        monkey.undo()
    assert seen[-1] == 8000 and seen == sorted(seen) and any(0 < s < 8000 for s in seen)


# --- plots --------------------------------------------------------------------------------

def test_a_result_plots_its_traces_and_raster(tmp_path):
    require("matplotlib")
    _, sim = _ring()
    result = sim.run(40.0)
    fig = result.plot(tmp_path / "run.png", title="ring")
    assert [ax.get_ylabel() for ax in fig.axes] == ["mV", "gid"]        # two fields of one unit share a panel
    assert len(fig.axes[0].lines) == 2
    assert np.array_equal(fig.axes[1].lines[0].get_xdata(), result.spike_times)
    assert (tmp_path / "run.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.plot(traces=["v"]).axes[0].lines[0].get_label() == "v"
    with pytest.raises(ModelError, match=r"no trace named 'w' \(recorded: v, v4\)"):
        result.plot(traces=["w"])


def test_a_result_saves_and_loads_as_npz(tmp_path):
    _, sim = _ring()
    result = sim.run(30.0)
    result.save(tmp_path / "run.npz")
    back = type(result).load(tmp_path / "run.npz")
    assert set(back.traces) == {"v", "v4"}
    for label in ("v", "v4"):
        assert np.array_equal(back[label], result[label]) and np.array_equal(back.time(label), result.time(label))
    assert np.array_equal(back.t, result.t) and back.spikes == result.spikes
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]
    np.savez(tmp_path / "other.npz", x=np.zeros(2))
    with pytest.raises(ModelError, match="is not a saved Myriad result"):
        type(result).load(tmp_path / "other.npz")


def test_a_delay_longer_than_any_run_costs_no_memory():
    net = ringtest.build(nring=1, ncell=2, nbranch=1)
    net.connect(0, net.model.connections[0].target, delay=1e12, weight=0.01)
    result = net.simulation().run(20.0)
    assert len(result.spike_times) > 0


def test_search_bounds_that_a_field_refuses_are_named():
    from applications import fit_hh
    from myriad import search
    problem = search.Problem(build=fit_hh.build, objective=fit_hh.objective, tstop=10.0,
                             parameters=[search.Parameter("soma.hh.gl", -1e-4, 1e-3)])
    with pytest.raises(ModelError, match=r"parameter 'soma.hh.gl': HH\[0\].gl must be >= 0, got -0.0001"):
        search.run(problem, "random", 4, progress=False)
