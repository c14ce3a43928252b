"""Reconstructed cells against NEURON's Import3d on the same files.

NEURON reads each file in tests/data/morphology with Import3d, in a process of
its own (``benchmarks.peers.neuron_morphology``), sets nseg by the same
d_lambda rule, and reports every segment's area and axial resistance, runs a
current step, or spikes; Myriad loads the same file with
``load_morphology``.  Geometry must agree to 1e-9 relative with identical
segment counts, names and attachments; passive traces at the soma and three
distal tips to 1e-6 mV at the same dt with backward Euler (NEURON's fixed
step); with hh in soma and axon (``usetable_hh = 0``: Myriad's hh evaluates the
rates exactly) the soma's and an axon tip's traces through four spikes to
1e-6 mV and each spike in the same time step.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tests.requirements import require_morphio, require_neuron

from applications.neuro import HH, IClamp, Pas
from applications.neuro.morphology import load_morphology
from benchmarks.peers.neuron_morphology import pulses

pytestmark = pytest.mark.neuron
require_neuron(module_level=True)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "morphology"
FILES = ["c91662.swc", "morph_allen_485574832.swc", "morph_ca1_n120.swc", "Pvalb_471781218.swc",
         "mp_ma_40984_gc2.CNG.swc", "bio_neuron-000.asc"]
PAS = {"g": 1e-4, "e": -65.0}


def neuron(command, name, *args):
    """The JSON line of the NEURON peer on ``name`` (a file of tests/data/morphology, or a path)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "benchmarks.peers.neuron_morphology", command,
                           str(DATA / name), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def neuron_name(name: str) -> str:
    """Myriad calls a lone soma ``soma``; NEURON's Import3d makes it ``soma[0]``."""
    return "soma[0]" if name == "soma" else name


def relative(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def assert_geometry_matches_neuron(path):
    reference = {row["name"]: row for row in neuron("geometry", path)["sections"]}
    cell = load_morphology(path)
    mine = {neuron_name(sec.name): sec for sec in cell.sections.values()}
    assert sorted(mine) == sorted(reference)
    assert {key: sec.nseg for key, sec in mine.items()} == {key: row["nseg"] for key, row in reference.items()}
    for key, sec in mine.items():
        row = reference[key]
        parent = sec.parent
        assert (None if parent is None else neuron_name(parent.section.name)) == row["parent"], sec.name
        assert (None if parent is None else parent.x) == row["parentx"], sec.name
        shapes = np.concatenate([[sec.segments.end0], sec.segments.inner, [sec.segments.end1]])
        assert relative(sec.segments.area, row["area"]) < 1e-9, sec.name
        assert relative(sec.Ra / (100.0 * shapes), row["ri"]) < 1e-9, sec.name


@pytest.mark.slow
@pytest.mark.parametrize("name", FILES)
def test_every_segment_matches_neuron_import3d(name):
    if name.endswith(".asc"):
        require_morphio()
    assert_geometry_matches_neuron(DATA / name)


def random_swc(seed: int) -> str:
    """A random tree exercising Import3d's rules: a one-point, NeuroMorpho
    three-point, chained or no soma; children of any earlier point, so
    dendrites on interior soma points, on a wire's first point, one-point
    sections that Import3d removes, type changes and soma points among them."""
    rng = np.random.default_rng(seed)
    rows = []

    def add(kind, x, y, z, r, parent):
        rows.append((len(rows) + 1, kind, x, y, z, r, parent))

    soma = seed % 4
    if soma == 0:
        add(1, 0.0, 0.0, 0.0, 5.0, -1)
    elif soma == 1:
        add(1, 0.0, 0.0, 0.0, 5.0, -1)
        add(1, 0.0, -5.0, 0.0, 5.0, 1)
        add(1, 0.0, 5.0, 0.0, 5.0, 1)
    elif soma == 2:
        for k in range(int(rng.integers(2, 6))):
            add(1, 0.0, 2.0 * k, 0.0, 5.0 - 0.5 * k, k if k else -1)
    else:
        add(3, 0.0, 0.0, 0.0, 1.0, -1)
    for _ in range(int(rng.integers(5, 40))):
        parent = int(rng.integers(1, len(rows) + 1))
        kind = int(rng.choice([2, 3, 4])) if rng.random() < 0.8 else rows[parent - 1][1]
        kind = 1 if rng.random() < 0.15 else kind
        x, y, z = (c + rng.normal(0.0, s) for c, s in zip(rows[parent - 1][2:5], (5.0, 5.0, 2.0)))
        add(kind, round(x, 3), round(y, 3), round(z, 3), round(float(rng.uniform(0.2, 2.0)), 3), parent)
    return "".join(" ".join(map(str, row)) + "\n" for row in rows)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(8))
def test_random_trees_match_neuron_import3d(tmp_path, seed):
    path = tmp_path / f"tree{seed}.swc"
    path.write_text(random_swc(seed))
    assert_geometry_matches_neuron(path)


def distal_tips(cell, count=3) -> list[str]:
    """The ``count`` leaf sections farthest (along the tree) from the root."""
    shapes = cell.shapes
    parents = {shape.parent for shape in shapes}
    distance = []
    for shape in shapes:
        distance.append(shape.points.L + (0.0 if shape.parent is None else distance[shape.parent]))
    leaves = [k for k in range(len(shapes)) if k not in parents]
    return [shapes[k].name for k in sorted(leaves, key=lambda k: -distance[k])[:count]]


def myriad_traces(name, biophysics, amp, tstop, tips, count=0):
    cell = load_morphology(DATA / name)
    cell.apply(biophysics)
    for delay, dur in pulses(count):
        cell.soma(0.5).place(IClamp, delay=delay, dur=dur, amp=amp)
    cell.network.spike_source(cell.soma(0.5), gid=0, threshold=10.0)
    nodes = {"soma": cell.soma(0.5).node(), **{tip: cell.sections[tip](1.0).node() for tip in tips}}
    sim = cell.network.simulation(method="backward_euler", dt=0.025)
    labels = {key: sim.record(node, "v") for key, node in nodes.items()}
    result = sim.run(tstop)
    return {key: result[label] for key, label in labels.items()}, result.spike_times


@pytest.mark.slow
def test_passive_step_at_soma_and_three_distal_tips_matches_neuron():
    name = "c91662.swc"
    tips = distal_tips(load_morphology(DATA / name))
    reference = neuron("traces", name, "--biophysics", "passive", "--tstop", "20", "--amp", "0.5",
                       "--record", *tips)
    traces, _ = myriad_traces(name, {"all": [(Pas, PAS)]}, 0.5, 20.0, tips)
    for key, v in traces.items():
        expected = np.array(reference["v"][key])
        assert len(v) == len(expected)
        assert np.max(np.abs(v - expected)) < 1e-6, key
    assert np.ptp(traces["soma"]) > 5.0          # the step moved the soma by millivolts


@pytest.mark.slow
def test_hh_in_soma_and_axon_spikes_at_neuron_times():
    name = "morph_allen_485574832.swc"
    cell = load_morphology(DATA / name)
    axon_tip = [sec.name for sec in cell.regions["axon"]][-1]
    reference = neuron("traces", name, "--biophysics", "active", "--tstop", "40", "--amp", "1.5",
                       "--pulses", "4", "--record", axon_tip)
    biophysics = {"soma": [HH], "axon": [HH], "dend": [(Pas, PAS)], "apic": [(Pas, PAS)]}
    traces, spikes = myriad_traces(name, biophysics, 1.5, 40.0, [axon_tip], count=4)
    assert len(reference["spikes"]) == 4
    for key in ("soma", axon_tip):
        assert np.max(np.abs(traces[key] - reference["v"][key])) < 1e-6, key
    # NEURON's fixed step reports a crossing at the end of its step; Myriad
    # interpolates within the step: the same step, to rounding
    assert len(spikes) == len(reference["spikes"])
    steps = np.array(reference["spikes"]) / 0.025
    assert np.all(np.abs(np.ceil(np.array(spikes) / 0.025 - 1e-6) - steps) < 1e-6)


@pytest.mark.slow
def test_hh_spike_times_as_accurate_as_neuron_against_its_converged_run():
    """The issue's bar: against NEURON at dt 0.001 with Crank-Nicolson, Myriad's
    spike-time error at dt 0.025 is at most 1.5 times NEURON's own default's."""
    name = "morph_allen_485574832.swc"
    args = ("--biophysics", "active", "--tstop", "40", "--amp", "1.5", "--pulses", "4")
    converged = neuron("traces", name, *args, "--dt", "0.001", "--secondorder", "2")["spikes"]
    default = neuron("traces", name, *args)["spikes"]
    biophysics = {"soma": [HH], "axon": [HH], "dend": [(Pas, PAS)], "apic": [(Pas, PAS)]}
    _, ours = myriad_traces(name, biophysics, 1.5, 40.0, [], count=4)
    assert len(converged) == len(default) == len(ours) == 4
    neuron_error = np.max(np.abs(np.array(default) - converged))
    our_error = np.max(np.abs(np.array(ours) - converged))
    assert our_error <= 1.5 * neuron_error, (our_error, neuron_error)
