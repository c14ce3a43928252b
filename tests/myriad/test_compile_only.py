"""--compile-only: every CLI builds and compiles its model for --backend, prints
its JSON line (compile_s, build_s, backend, compartments) and runs nothing."""
import importlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest
from tests.requirements import require, require_neuron

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: arguments that keep each model small, and the compartments they give
SMALL = {
    "hh_soma": ([], 1),
    "cable": (["--nseg", "11"], 11),
    "ringtest": (["--nring", "1", "--ncell", "2", "--nbranch", "2"], 2 * (1 + 2)),
    "dense": (["--ncell", "20"], 20 * (1 + 4)),
    "fit_hh": (["--batch", "4"], 4),
}
#: what only a run gives
RUN_KEYS = {"run_s", "steps", "startup_s", "spikes", "nspikes", "evaluations", "recovered"}


def _record(text):
    record = json.loads(text.strip().splitlines()[-1])
    assert record["compile_only"] is True
    assert isinstance(record["compile_s"], float) and record["compile_s"] > 0
    assert record["build_s"] >= 0 and record["peak_rss_mb"] > 0
    assert not RUN_KEYS & set(record), record
    return record


def _compile_only(capsys, name, *args):
    argv, compartments = SMALL[name]
    status = importlib.import_module(f"applications.{name}").main([*argv, *args, "--compile-only"])
    assert status in (None, 0)
    record = _record(capsys.readouterr().out)
    assert record["compartments"] == compartments
    return record


@pytest.mark.parametrize("name", sorted(SMALL))
def test_compile_only_writes_and_runs_nothing(name, capsys, tmp_path):
    out = tmp_path / "out"
    record = _compile_only(capsys, name, "--table" if name == "fit_hh" else "--out", str(out))
    assert record["backend"] == "openmp" and record["method"] == "backward_euler"
    assert not out.exists()


@pytest.mark.parametrize("name", ["hh_soma", "ringtest", "dense"])
def test_cuda_compile_only_emulated(name, capsys, monkeypatch):
    monkeypatch.setenv("MYRIAD_CUDA_EMULATE", "1")
    record = _compile_only(capsys, name, "--backend", "cuda", "--method", "rk4", "--dt", "0.01")
    assert record["backend"] == "cuda" and record["cuda_emulated"] is True
    assert record["method"] == "rk4" and record["dt"] == 0.01


@pytest.mark.slow
@pytest.mark.nvcc
@pytest.mark.skipif(shutil.which("nvcc") is None,
                    reason="nvcc is not on PATH: the real CUDA compile needs NVIDIA's CUDA toolkit")
def test_cuda_compile_only_with_nvcc_needs_no_gpu(capsys, monkeypatch):
    monkeypatch.delenv("MYRIAD_CUDA_EMULATE", raising=False)
    record = _compile_only(capsys, "hh_soma", "--backend", "cuda")
    assert record["backend"] == "cuda" and record["cuda_emulated"] is False


def test_numba_compile_only_compiles_the_solver(capsys, monkeypatch):
    """numba compiles lazily; --compile-only compiles the solver for the run's types (stubbed here: 30 s)."""
    require("numba")
    from myriad.backends.numba import engine as numba_engine

    calls = []

    def prepare(engine, ctx):
        calls.append(ctx)
        time.sleep(0.25)

    monkeypatch.setattr(numba_engine.NumbaEngine, "prepare", prepare)
    record = _compile_only(capsys, "hh_soma", "--backend", "numba")
    assert record["backend"] == "numba" and record["compile_s"] >= 0.25 and len(calls) == 1


def _one_line_error(capsys, monkeypatch, *args):
    monkeypatch.delenv("MYRIAD_CUDA_EMULATE", raising=False)
    with pytest.raises(SystemExit) as exited:
        importlib.import_module("applications.hh_soma").main(["--backend", "cuda", "--compile-only", *args])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hh_soma: error: ")
    return lines[0]


def test_cuda_compile_only_without_nvcc_is_one_line(capsys, monkeypatch, tmp_path):
    from myriad.backends.cuda import toolchain as cuda_toolchain

    monkeypatch.delenv("MYRIAD_NVCC", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    # nor the toolkit's usual place, /usr/local/cuda/bin/nvcc
    monkeypatch.setattr(cuda_toolchain, "Path", lambda *parts: tmp_path / "no-cuda" / "nvcc")
    line = _one_line_error(capsys, monkeypatch)
    assert "needs NVIDIA's CUDA compiler nvcc" in line and "MYRIAD_NVCC" in line and "MYRIAD_CUDA_EMULATE" in line


def test_cuda_compile_only_with_a_bad_myriad_nvcc_is_one_line(capsys, monkeypatch, tmp_path):
    fake = tmp_path / "nvcc"
    fake.write_text("not a compiler\n")
    monkeypatch.setenv("MYRIAD_NVCC", str(fake))
    line = _one_line_error(capsys, monkeypatch)
    assert f"MYRIAD_NVCC={str(fake)!r} is not an executable file" in line


@pytest.mark.neuron
def test_from_neuron_compile_only(tmp_path):
    require_neuron()
    # its own process: the script's gids and sections stay in NEURON
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "applications.from_neuron", "--compile-only",
                           str(ROOT / "tests" / "neuron_scripts" / "ringtest_model.py"),
                           "--nring", "1", "--ncell", "2", "--nbranch", "2"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    record = _record(proc.stdout)
    assert record["compartments"] == 2 * (1 + 2) and record["backend"] == "openmp" and record["skipped"] == 0
    assert not (tmp_path / "myriad_spk1.std").exists()
