"""Models built by NEURON scripts, run on Myriad through ``from_neuron``, against NEURON itself.

The scripts in tests/neuron_scripts are ordinary NEURON model scripts.  NEURON
runs them in a subprocess (a clean NEURON per run) at dt 0.025 with its
default method and, as the reference, converged (Crank-Nicolson, dt 0.001);
Myriad runs them through ``python -m applications.from_neuron`` with backward
Euler at dt 0.025.  The bar is the foundation issue's: the same spikes, and a
spike-time error against the reference at most 1.5 times NEURON's own.  Both
NEURON runs use ``--hh-table 0`` so that the errors measure integration, not
hh's rate tables (which Myriad does not use).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.spike_match import max_error

pytest.importorskip("neuron")

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "tests" / "neuron_scripts"


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _read_spikes(path):
    spikes = []
    for line in Path(path).read_text().splitlines():
        t, gid = line.split()
        spikes.append((float(t), int(gid)))
    return spikes


def neuron_spikes(tmp_path, script, *args):
    out = tmp_path / f"neuron_{len(list(tmp_path.iterdir()))}.std"
    subprocess.run([sys.executable, str(SCRIPTS / script), "--out", str(out), "--hh-table", "0", *args],
                   check=True, cwd=tmp_path, env=_env(), capture_output=True, text=True)
    return _read_spikes(out)


def myriad_cli(tmp_path, script, *args, options=()):
    out = tmp_path / "myriad_spk1.std"
    proc = subprocess.run([sys.executable, "-m", "applications.from_neuron", "--out", str(out), *options,
                           str(SCRIPTS / script), *args], cwd=tmp_path, env=_env(), capture_output=True,
                          text=True)
    return proc, (_read_spikes(out) if proc.returncode == 0 else None)


def _check_against_neuron(tmp_path, script, *args, before=90.0):
    reference = neuron_spikes(tmp_path, script, "--dt", "0.001", "--secondorder", "2", *args)
    default = neuron_spikes(tmp_path, script, *args)
    proc, ours = myriad_cli(tmp_path, script, *args)
    assert proc.returncode == 0, proc.stderr
    our_error, our_missing = max_error(ours, reference, before=before)
    neuron_error, neuron_missing = max_error(default, reference, before=before)
    assert not neuron_missing, neuron_missing[:5]
    assert not our_missing, our_missing[:5]
    assert our_error <= 1.5 * neuron_error, (our_error, neuron_error)
    assert {g for _, g in ours} == {g for _, g in reference}
    return ours, our_error, neuron_error


def test_ringtest_same_spikes_and_at_least_as_accurate(tmp_path):
    ours, _, _ = _check_against_neuron(tmp_path, "ringtest_model.py")
    assert {g for _, g in ours} == set(range(128))
    assert (tmp_path / "myriad_spk1.std").read_text().splitlines()[0].count("\t") == 1


def test_random_tree_with_3d_points_and_nseg(tmp_path):
    ours, _, _ = _check_against_neuron(tmp_path, "random_tree.py")
    assert len(ours) >= 16


def test_gap_junction_ring(tmp_path):
    ours, _, _ = _check_against_neuron(tmp_path, "gap_ring.py")
    assert len({g for _, g in ours}) >= 4


def test_unsupported_mechanisms_are_named_with_their_place(tmp_path):
    proc, _ = myriad_cli(tmp_path, "unsupported.py")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "cannot translate" in proc.stderr
    assert "'fastpas'" in proc.stderr and "Cell[0].dend" in proc.stderr, proc.stderr
    assert "AlphaSynapse[0] at Cell[1].dend(0.5)" in proc.stderr, proc.stderr

    proc, ours = myriad_cli(tmp_path, "unsupported.py", options=["--skip-unsupported"])
    assert proc.returncode == 0, proc.stderr
    assert "WITHOUT these unsupported parts" in proc.stderr and "fastpas" in proc.stderr
    assert ours, "the model without its unsupported mechanisms still spikes"
