"""Tests of the NEURON reference models (benchmarks/peers/neuron_models.py).

They validate the oracle itself: the cable against the analytic steady state,
the ring network's spiking, HH fixed step vs CVODE, and that the run_*
functions leave NEURON's global state clean so they can be called repeatedly.
Skipped when NEURON is not installed.
"""

import os
import subprocess
import sys
import json

import pytest
from tests.requirements import require, require_neuron

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

pytestmark = pytest.mark.neuron
require_neuron(module_level=True)
np = require("numpy", module_level=True)

from benchmarks.peers import neuron_interpolated as ni  # noqa: E402
from benchmarks.peers import neuron_models as nm  # noqa: E402


def _sections():
    from neuron import h

    return len(list(h.allsec()))


def test_cable_steady_state_matches_analytic():
    r = nm.run_cable(nseg=101, dt=0.025, tstop=200.0)
    e = -65.0
    for key, x in (("v0", 0.0), ("vmid", 500.0), ("vend", 1000.0)):
        sim = r[key][-1] - e
        ana = nm.cable_steady_state(x) - e
        assert sim > 0
        assert abs(sim - ana) <= 0.01 * abs(ana), (key, sim, ana)
    # input resistance ~ 253 MOhm for the cable of docs/architecture.md
    assert abs(nm.cable_input_resistance() - 253.357) < 0.01
    assert abs(nm.cable_steady_state(0.0) - (e + 0.1 * nm.cable_input_resistance())) < 1e-9
    assert r["t"][0] == 0.0 and len(r["t"]) == r["steps"] + 1 == 8001
    assert _sections() == 0


def test_cable_steady_state_vectorised():
    x = np.linspace(0, 1000, 11)
    v = nm.cable_steady_state(x)
    assert v.shape == (11,)
    assert np.all(np.diff(v) < 0)  # decays away from the injection site
    # sealed end: zero slope at x = L
    eps = 1e-3
    assert abs(nm.cable_steady_state(1000.0) - nm.cable_steady_state(1000.0 - eps)) < 1e-6


def test_ringtest_every_gid_spikes():
    r = nm.run_ringtest(nring=4, ncell=8, nbranch=16, ncompart=1, tstop=50.0)
    gids = {g for _, g in r["spikes"]}
    assert gids == set(range(32))
    assert r["compartments"] == 32 * (1 + 16)
    assert r["steps"] == 2000
    times = [t for t, _ in r["spikes"]]
    assert times == sorted(times)
    first = {}
    for t, g in r["spikes"]:
        first.setdefault(g, t)
    # stimulus at t=1 -> gid 0 fires first; the wave travels cell to cell
    assert abs(first[0] - 2.625) < 0.05
    assert abs(first[1] - 5.275) < 0.05
    assert all(first[0] < first[g] for g in range(1, 8))
    # rings are identical
    for ring in range(1, 4):
        assert abs(first[ring * 8] - first[0]) < 1e-9
    assert _sections() == 0


def test_ringtest_threads_identical_and_repeatable():
    a = nm.run_ringtest(nring=2, ncell=8, nbranch=4, ncompart=2, tstop=30.0, threads=2)
    b = nm.run_ringtest(nring=2, ncell=8, nbranch=4, ncompart=2, tstop=30.0, threads=1)
    assert len(a["spikes"]) > 0
    assert a["spikes"] == b["spikes"]
    assert _sections() == 0


def test_hh_soma_fixed_vs_cvode():
    f = nm.run_hh_soma()
    c = nm.run_hh_soma(integrator="cvode", atol=1e-10, rtol=1e-10)
    assert len(f["spikes"]) == len(c["spikes"]) == 4
    err = np.abs(np.array(f["spikes"]) - np.array(c["spikes"]))
    assert err.max() < 0.5
    # fixed step reports spikes on the dt grid
    assert np.allclose(np.array(f["spikes"]) / 0.025, np.round(np.array(f["spikes"]) / 0.025),
                       atol=1e-6)
    assert len(f["t"]) == 4001 and f["t"][0] == 0.0 and f["v"][0] == -65.0
    assert abs(c["t"][-1] - 100.0) < 1e-9
    assert _sections() == 0


def test_repeated_calls_any_order_leave_no_state():
    from neuron import h

    r1 = nm.run_ringtest(nring=1, ncell=8, nbranch=2, ncompart=1, tstop=30.0, threads=2)
    nm.run_hh_soma(integrator="cvode", tstop=20.0)
    nm.run_cable(nseg=11, tstop=5.0, method="cn")
    r2 = nm.run_ringtest(nring=1, ncell=8, nbranch=2, ncompart=1, tstop=30.0)
    assert r1["spikes"] == r2["spikes"]
    assert _sections() == 0
    assert h.secondorder == 0
    assert h.cvode.active() == 0
    assert h.ParallelContext().nthread() == 1


def test_stepwise_ring_with_neurons_spike_times_is_psolves_ring():
    """The ring driven one fadvance at a time, its spikes detected in Python and
    sent by NetCon.event, timed on the step grid as NEURON times them: bitwise
    pc.psolve's ring; so with interpolated times it differs in that alone."""
    shape = dict(nring=2, ncell=4, nbranch=4, ncompart=2, tstop=60.0)
    grid = ni.run_ringtest_interpolated(spike_timing="grid", **shape)
    theirs = nm.run_ringtest(record_soma_gids=range(8), **shape)
    assert grid["spikes"] == theirs["spikes"] and len(theirs["spikes"]) >= 30
    assert np.array_equal(grid["t"], theirs["t"])
    for gid in range(8):
        assert np.array_equal(grid["soma_v"][gid], theirs["soma_v"][gid]), gid
    interpolated = ni.run_ringtest_interpolated(**shape)["spikes"]
    assert len(interpolated) == len(grid["spikes"])
    assert all(t_grid - 0.025 < t < t_grid for (t, _), (t_grid, _) in zip(interpolated[:2], grid["spikes"]))
    assert _sections() == 0


def test_crossings_are_timed_within_their_step():
    """Linear interpolation within the step; reaching the threshold is not crossing it."""
    t = np.arange(9) * 0.25
    v = np.array([0.0, 4.0, 12.0, 20.0, 8.0, 10.0, 10.0, 30.0, 40.0])
    np.testing.assert_allclose(ni.crossings(t, v, 10.0), [0.25 + 0.25 * 6 / 8, 1.5 + 0.25 * 0.0], atol=1e-15)


def test_cli_ringtest(tmp_path):
    out = tmp_path / "spikes.dat"
    cmd = [sys.executable, "-m", "benchmarks.peers.neuron_models_cli", "ringtest", "--nring", "2",
           "--ncell", "8", "--nbranch", "4", "--ncompart", "1", "--tstop", "20",
           "--threads", "1", "--out", str(out)]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout.strip().splitlines()[-1])
    for key in ("engine", "compartments", "steps", "build_s", "run_s", "peak_rss_mb",
                "threads", "nspikes"):
        assert key in summary
    assert summary["engine"] == "neuron" and summary["compartments"] == 16 * 5
    lines = out.read_text().split("\n")[:-1]
    assert len(lines) == summary["nspikes"] > 0
    t0, g0 = lines[0].split()
    assert 1.0 < float(t0) < 5.0 and int(g0) == 0


def test_ringtest_coreneuron_spikes_equal_neurons():
    """CoreNEURON runs the same ring: same spikes on 1 and 2 threads, its time
    loop (run_s) timed apart from psolve's copies, and the global switch off again."""
    from neuron import coreneuron

    kw = dict(nring=2, ncell=8, nbranch=4, ncompart=2, tstop=40.0)
    ref = nm.run_ringtest(**kw)
    for threads in (1, 2):
        r = nm.run_ringtest(threads=threads, coreneuron=True, **kw)
        assert r["spikes"] == ref["spikes"] and len(ref["spikes"]) > 8
        assert "run_s_is_psolve" not in r and 0 < r["run_s"] <= r["psolve_s"]
        assert r["transfer_s"] == pytest.approx(r["psolve_s"] - r["run_s"])
        assert not coreneuron.enable and _sections() == 0
    assert "transfer_s" not in ref and ref["run_s"] == ref["psolve_s"]


def test_cli_ringtest_coreneuron(tmp_path):
    outs = {}
    for flag in ([], ["--coreneuron"]):
        out = tmp_path / ("spikes%d.dat" % len(flag))
        cmd = [sys.executable, "-m", "benchmarks.peers.neuron_models_cli", "ringtest",
               "--nring", "2", "--ncell", "8", "--nbranch", "4", "--ncompart", "1", "--tstop", "20",
               "--out", str(out)] + flag
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        lines = p.stdout.strip().splitlines()
        assert len(lines) == 1, p.stdout  # CoreNEURON's report goes to stderr
        summary = json.loads(lines[-1])
        assert summary["engine"] == ("coreneuron" if flag else "neuron")
        assert summary["startup_s"] >= summary["build_s"] > 0
        outs[len(flag)] = out.read_text()
    assert "Solver Time" in p.stderr
    assert outs[0] == outs[1] and outs[0]


def test_cli_rejects_bad_dt():
    cmd = [sys.executable, "-m", "benchmarks.peers.neuron_models_cli", "ringtest", "--dt", "0"]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "--dt" in p.stderr
