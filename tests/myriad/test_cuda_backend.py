"""The cuda backend: its generated .cu compiles with nvcc; its code, emulated on
the CPU (MYRIAD_CUDA_EMULATE), computes what the openmp backend computes bit
for bit; on a GPU, the same spikes to 1e-6 ms; without nvcc or a GPU, errors
that say what to install."""
import shutil

import numpy as np
import pytest

from applications import dense, hh_soma, ringtest
from applications.neuro import HH
from myriad import BuildError, DeviceError, MechRef, ModelError, Simulation
from myriad.backends.c.library import Library
from myriad.backends.cuda import runtime as cuda_runtime
from myriad.backends.cuda import toolchain as cuda_toolchain
from myriad.batch import Batch

NVCC = shutil.which("nvcc")
needs_nvcc = pytest.mark.skipif(NVCC is None, reason="nvcc is not on PATH (install the CUDA toolkit to compile "
                                                     "the cuda backend's .cu files)")


def _hh():
    net, soma, _ = hh_soma.build()
    return net, [soma(0.5).node()]


def _ring(**sizes):
    net = ringtest.build(**(sizes or dict(nring=2, ncell=4, nbranch=8)))
    return net, [net.sections[0](0.5).node(), net.sections[9](0.5).node()]


def _dense():
    net, _ = dense.build(ncell=100)
    return net, [net.sections[0](0.5).node()]


MODELS = {"hh_soma": _hh, "ringtest": _ring, "dense": _dense}
#: model, method, dt, tstop: the runs compared with the openmp backend's
CASES = [("hh_soma", "backward_euler", 0.025, 100.0), ("hh_soma", "rk4", 0.01, 60.0),
         ("ringtest", "backward_euler", 0.025, 50.0), ("ringtest", "rk4", 0.002, 12.0),
         ("dense", "backward_euler", 0.025, 40.0), ("hh_soma", "crank_nicolson", 0.025, 100.0),
         ("ringtest", "crank_nicolson", 0.025, 50.0), ("dense", "crank_nicolson", 0.025, 40.0)]


def _run(model, backend, tstop=50.0, **options):
    net, nodes = MODELS[model]()
    sim = net.simulation(backend=backend, **options)
    labels = [sim.record(node, "v", every=1 + k) for k, node in enumerate(nodes)]
    return sim, sim.run(tstop), labels


@pytest.fixture
def emulated(monkeypatch):
    monkeypatch.setenv("MYRIAD_CUDA_EMULATE", "1")


# --- nvcc, no GPU needed ----------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.nvcc
@needs_nvcc
@pytest.mark.parametrize("model", ["hh_soma", "ringtest", "dense"])
def test_the_generated_cuda_compiles_with_nvcc(model, monkeypatch):
    monkeypatch.delenv("MYRIAD_CUDA_EMULATE", raising=False)
    net, _ = MODELS[model]()
    sim = net.simulation(backend="cuda").compile()
    assert sim.engine.library.path.suffix == ".so" and sim.engine.library.path.with_suffix(".cu").exists()
    assert "__host__ __device__" in sim.source and "cooperative_groups" in sim.source
    kernels = sim.source.split("Per-block kernels")[1].split("Myriad's fixed solver")[0]
    assert "#pragma omp" not in kernels and "myr_rank()" in kernels
    Library(sim.engine.library.path)      # loading checks myr_ctx, as nvcc laid it out, field by field


def test_no_nvcc_is_a_clear_build_error(monkeypatch, tmp_path):
    monkeypatch.delenv("MYRIAD_CUDA_EMULATE", raising=False)
    monkeypatch.delenv("MYRIAD_NVCC", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(cuda_toolchain.Path, "is_file", lambda self: False)
    net, _ = _hh()
    with pytest.raises(BuildError, match=r"needs NVIDIA's CUDA compiler nvcc.*apt-get install nvidia-cuda-toolkit"):
        net.simulation(backend="cuda").compile()
    monkeypatch.setenv("MYRIAD_NVCC", str(tmp_path / "nvcc"))
    with pytest.raises(BuildError, match="MYRIAD_NVCC=.* is not an executable file"):
        net.simulation(backend="cuda").compile()


def test_the_architecture_is_the_override_else_the_device_else_the_default(monkeypatch):
    monkeypatch.setenv("MYRIAD_CUDA_ARCH", "sm_90")
    assert cuda_toolchain.arch() == "sm_90"
    monkeypatch.setenv("MYRIAD_CUDA_ARCH", "volta")
    with pytest.raises(BuildError, match="MYRIAD_CUDA_ARCH='volta' is not a GPU architecture"):
        cuda_toolchain.arch()
    monkeypatch.delenv("MYRIAD_CUDA_ARCH")
    assert cuda_toolchain.arch() == (cuda_toolchain.device_arch() or cuda_toolchain.DEFAULT_ARCH)


# --- the CUDA code emulated on the CPU ----------------------------------------------------------

def _same(a, b, labels):
    assert np.array_equal(a.spike_times, b.spike_times) and np.array_equal(a.spike_gids, b.spike_gids)
    for label in labels:
        assert np.array_equal(a[label], b[label]) and np.array_equal(a.time(label), b.time(label))


@pytest.mark.slow
@pytest.mark.parametrize("model, method, dt, tstop", CASES)
def test_the_emulated_cuda_code_computes_the_openmp_results_bit_for_bit(emulated, model, method, dt, tstop):
    sim, ours, labels = _run(model, "cuda", tstop, method=method, dt=dt, threads=3)
    _, theirs, _ = _run(model, "openmp", tstop, method=method, dt=dt, threads=2)
    assert len(theirs.spike_times) >= (3 if model != "ringtest" or method == "backward_euler" else 1)
    _same(ours, theirs, labels)
    assert np.isfinite(sim.last_context.array("Y")).all()
    if model == "dense":
        assert sim.last_context.c.core_iterations > 0      # the core's Krylov solve ran on the "device"


@pytest.mark.slow
def test_a_full_spike_buffer_is_drained_between_launches(emulated, monkeypatch):
    monkeypatch.setattr(cuda_runtime, "SPIKE_BUFFER", 5)
    sim, ours, labels = _run("ringtest", "cuda", 60.0, threads=2)
    _, theirs, _ = _run("ringtest", "openmp", 60.0)
    assert len(ours.spike_times) > 20
    assert sim.engine.runner.launches > len(ours.spike_times) // (2 * 8 + 1)       # a launch per buffer's worth
    _same(ours, theirs, labels)


def test_batched_instances_run_on_the_cuda_backend(emulated):
    net, soma, clamp = hh_soma.build()
    results = {}
    for backend in ("cuda", "openmp"):
        batch = Batch(net.model, 16, backend=backend, threads=2)
        batch.set(MechRef(HH, 0), "gnabar", np.linspace(0.06, 0.2, 16))
        batch.set(clamp, "amp", np.linspace(0.05, 0.3, 16))
        batch.record(soma(0.5).node(), "v", label="v")
        results[backend] = batch.run(50.0)
    assert np.array_equal(results["cuda"]["v"], results["openmp"]["v"])
    assert np.array_equal(results["cuda"].spike_times, results["openmp"].spike_times)
    assert np.array_equal(results["cuda"].spike_instances, results["openmp"].spike_instances)
    counts = [len(results["cuda"].spikes(k)[0]) for k in range(16)]
    assert len(set(counts)) > 1       # the instances differ


@pytest.mark.slow
def test_a_search_runs_its_batches_on_the_cuda_backend(emulated):
    from applications import fit_hh
    from myriad import search
    from myriad.search import InProcess
    tables = {}
    for backend in ("cuda", "openmp"):
        outcome = search.run(fit_hh.problem(backend), "cmaes", 48, seed=3, batch=16, popsize=16,
                             executor=InProcess(threads=2), progress=False)
        tables[backend] = outcome.table
    assert len(tables["cuda"]["objective"]) == 48
    for column in ("soma.hh.gnabar", "soma.hh.gkbar", "soma.hh.gl", "objective"):
        assert np.array_equal(tables["cuda"][column], tables["openmp"][column]), column


def test_cells_are_interleaved_for_the_gpu_and_stored_cell_after_cell_for_the_cpu(emulated):
    net, _ = _ring()
    cells = 8
    layouts = {}
    for backend in ("openmp", "cuda"):
        program = net.simulation(backend=backend).flat.program
        assert len(program.comp_ptr) - 1 == cells
        layouts[backend] = np.stack([program.order[program.comp_ptr[c]:program.comp_ptr[c + 1]]
                                     for c in range(cells)])        # (cell, pivot) -> node
    size = layouts["cuda"].shape[1]
    np.testing.assert_array_equal(layouts["cuda"], np.arange(size)[None, :] * cells + np.arange(cells)[:, None])
    np.testing.assert_array_equal(layouts["openmp"], np.arange(cells)[:, None] * size + np.arange(size)[None, :])


def test_a_checkpoint_loads_only_into_a_backend_with_the_same_layout(emulated, tmp_path):
    states = {}
    for backend in ("cuda", "openmp"):
        net, nodes = _ring()
        sim = net.simulation(backend=backend)
        sim.run(10.0)
        sim.save_state(tmp_path / f"{backend}.npz")
        states[backend] = sim
    with pytest.raises(ModelError, match="cuda interleaves them.*sequential layout"):
        states["openmp"].load_state(tmp_path / "cuda.npz")
    with pytest.raises(ModelError, match="interleaved layout"):
        states["cuda"].load_state(tmp_path / "openmp.npz")


def test_the_emulated_grid_is_the_team_the_simulation_asks_for(emulated):
    sim, _, _ = _run("hh_soma", "cuda", 5.0, threads=3)
    assert sim.device().name.startswith("CUDA emulated")
    assert sim.engine.runner.blocks(sim.last_context, 3) == 3


# --- on a GPU ---------------------------------------------------------------------------------

def _gpu_or_skip():
    if NVCC is None:
        pytest.skip("nvcc is not on PATH, so nothing can be built for a GPU")
    net, _ = _hh()
    sim = net.simulation(backend="cuda")
    try:
        return sim.device()
    except DeviceError as exc:
        pytest.skip(f"no GPU to run on: {exc}")


@pytest.fixture
def gpu(monkeypatch):
    monkeypatch.delenv("MYRIAD_CUDA_EMULATE", raising=False)
    return _gpu_or_skip()


@pytest.mark.slow
@pytest.mark.nvcc
@pytest.mark.parametrize("model, method, dt, tstop", CASES)
def test_on_a_gpu_spike_times_agree_with_openmp_to_1e_6_ms(gpu, model, method, dt, tstop):
    _, ours, labels = _run(model, "cuda", tstop, method=method, dt=dt)
    _, theirs, _ = _run(model, "openmp", tstop, method=method, dt=dt, threads=2)
    assert len(theirs.spike_times) > 0
    assert np.array_equal(ours.spike_gids, theirs.spike_gids)
    np.testing.assert_allclose(ours.spike_times, theirs.spike_times, rtol=0, atol=1e-6)
    for label in labels:
        np.testing.assert_allclose(ours[label], theirs[label], rtol=0, atol=1e-6)


@pytest.mark.slow
@pytest.mark.nvcc
def test_without_a_gpu_running_cuda_says_what_is_missing(monkeypatch):
    if NVCC is None:
        pytest.skip("nvcc is not on PATH, so no cuda library can be built to try")
    monkeypatch.delenv("MYRIAD_CUDA_EMULATE", raising=False)
    net, _ = _hh()
    sim = net.simulation(backend="cuda")
    try:
        device = sim.device()
    except DeviceError as exc:
        assert "needs an NVIDIA GPU" in str(exc) and "--backend openmp" in str(exc)
        return
    pytest.skip(f"this machine has a GPU ({device.name})")


def test_a_simulation_needs_the_cuda_backend_for_a_device():
    net, _ = _hh()
    with pytest.raises(ModelError, match="not cuda"):
        Simulation(net.model).device()
