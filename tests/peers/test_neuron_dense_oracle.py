"""Tests of the NEURON reference models for dense analog coupling
(benchmarks/peers/neuron_dense.py and neuron_dense_network.py: HalfGap gap
junctions, GradedSyn synapses).

They validate the oracle itself: two passive cells joined by one gap junction
against the closed-form steady state, the gap junction ring (CVODE vs fine
fixed step, the spike reaches every cell), the graded synapse pair, the dense
builder's object counts for its random masks, thread invariance, the CLI, and
the mechanism compile cache.  Skipped when NEURON or nrnivmodl is missing.
The mod files are compiled once per session into the session's private
MYRIAD_CACHE_DIR (tests/conftest.py).
"""

import json
import os
import subprocess
import sys

import pytest
from tests.requirements import require, require_neuron, unavailable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

pytestmark = pytest.mark.neuron
require_neuron(module_level=True)
np = require("numpy", module_level=True)

from benchmarks.peers import neuron_dense as nd  # noqa: E402
from benchmarks.peers import neuron_dense_network as ndn  # noqa: E402
from benchmarks.peers import neuron_mechanisms as mech  # noqa: E402

try:
    mech.find_nrnivmodl()
except RuntimeError as _exc:  # pragma: no cover
    unavailable(str(_exc), module_level=True)


@pytest.fixture(scope="module")
def h(myriad_cache_dir):
    """NEURON with HalfGap/GradedSyn loaded (compiled into the session cache)."""
    return mech.load_mechanisms()


def _sections(h):
    return len(list(h.allsec()))


def _count(h, name):
    return int(h.List(name).count())


def test_compiled_into_session_cache(h, myriad_cache_dir):
    assert os.environ["MYRIAD_CACHE_DIR"] == myriad_cache_dir
    path = mech.compile_mechanisms()  # cached: no rebuild
    assert os.path.dirname(path) == myriad_cache_dir
    assert os.path.basename(path).startswith("nrnmech-")
    assert mech.built_library(path)
    # nothing half-built left behind, and loading again is a no-op
    assert not [n for n in os.listdir(myriad_cache_dir) if n.startswith(".nrnmech-build-")]
    assert mech.load_mechanisms() is h
    assert h.name_declared("HalfGap") and h.name_declared("GradedSyn")


def test_nrnivmodl_errors_surface(tmp_path):
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "broken.mod").write_text("NEURON { POINT_PROCESS Broken }\nBREAKPOINT { i = \n")
    with pytest.raises(RuntimeError) as err:
        mech.compile_mechanisms(mod_dir=str(mods), cache_dir=str(tmp_path / "cache"))
    msg = str(err.value)
    assert "nrnivmodl failed" in msg and "broken" in msg.lower()
    assert not os.listdir(tmp_path / "cache")  # temp build dir removed


def test_gap_pair_passive_steady_state(h):
    amp, g = 0.01, 0.005
    v0, v1 = nd.gap_pair_steady_state(amp, g)
    assert v0 > v1 > nd.PAS_E
    for method, coupling in (("cvode", "halfgap"), ("fixed", "halfgap"), ("fixed", "implicit")):
        r = nd.run_gap_ring(ncell=2, g_gap=g, amp=amp, delay=1.0, dur=1e9, tstop=100.0,
                            dt=0.025, method=method, membrane="pas", coupling=coupling)
        assert r["n_halfgap"] == (2 if coupling == "halfgap" else 0)
        assert r["v"].shape == (2, len(r["t"])) and len(r["t"]) == 4001
        assert abs(r["v"][0, -1] - v0) < 1e-5, (method, r["v"][:, -1], v0, v1)
        assert abs(r["v"][1, -1] - v1) < 1e-5, (method, r["v"][:, -1], v0, v1)
        assert np.all(np.abs(r["v"][:, :40] - nd.PAS_E) < 1e-9)  # at rest before delay
    # without the junction cell 1 never moves
    r = nd.run_gap_ring(ncell=2, g_gap=0.0, amp=amp, delay=1.0, dur=1e9, tstop=20.0,
                        membrane="pas")
    assert np.all(np.abs(r["v"][1] - nd.PAS_E) < 1e-9)
    assert _sections(h) == 0 and _count(h, "HalfGap") == 0


def test_gap_ring_cvode_vs_fixed(h):
    a = nd.run_gap_ring()  # ncell 8, cvode
    b = nd.run_gap_ring(method="fixed", dt=0.0025)
    for r in (a, b):
        assert r["n_halfgap"] == 16
        assert [len(s) for s in r["spikes"]] == [1] * 8, r["spikes"]
    ta = np.array([s[0] for s in a["spikes"]])
    tb = np.array([s[0] for s in b["spikes"]])
    assert np.max(np.abs(ta - tb)) < 0.03, (ta, tb)
    # the spike travels both ways round the ring: symmetric, latest opposite cell 0
    assert np.allclose(ta[1:4], ta[7:4:-1], atol=1e-4)
    assert np.all(np.diff(ta[:5]) > 0.3) and int(np.argmax(ta)) == 4
    assert a["t"][0] == 0.0 and len(a["t"]) == 10001 and a["v"].shape == (8, 10001)
    assert np.allclose(a["t"], np.arange(10001) * 0.01)
    # on the dt grid the voltages agree too (except at the steep upstrokes)
    dv = np.abs(a["v"] - b["v"][:, ::4])
    assert np.median(dv) < 0.05 and dv.max() < 10.0
    assert _sections(h) == 0


def test_gap_ring_two_cells_one_junction(h):
    r = nd.run_gap_ring(ncell=2, tstop=30.0)
    assert r["n_halfgap"] == 2
    assert [len(s) for s in r["spikes"]] == [1, 1]
    assert r["spikes"][1][0] > r["spikes"][0][0]


def test_graded_pair(h):
    r = nd.run_graded_pair()
    s = r["s"]
    assert s.shape == r["t"].shape and r["v"].shape == (2, len(r["t"]))
    assert np.all(s >= 0.0) and np.all(s <= 1.0)
    assert abs(s[0] - float(nd.graded_sinf(-65.0))) < 1e-12  # INITIAL s = sinf(vpre)
    assert s.max() > 0.1
    pre, post = r["spikes"]
    assert len(pre) >= 5 and len(post) >= 3, r["spikes"]
    assert post[0] > pre[0]
    # the synapse is silent until cell 0 depolarises
    first_pre = pre[0]
    assert np.all(s[r["t"] < 5.0] < 2e-4)
    assert np.all(r["v"][1][r["t"] < first_pre] < -60.0)
    # current = g s (v - e), outward
    assert np.allclose(r["i"], 0.01 * s * (r["v"][1] - 0.0), rtol=1e-9, atol=1e-12)

    r0 = nd.run_graded_pair(g_syn=0.0)
    assert r0["spikes"][1] == [] and len(r0["spikes"][0]) == len(pre)
    assert np.all(np.abs(r0["v"][1] + 65.0) < 0.1)
    assert _sections(h) == 0 and _count(h, "GradedSyn") == 0


def test_dense_tiny_counts(h):
    ncell, p = 5, 0.5
    amp, syn, gap = ndn.dense_draws(ncell, p, 1)
    # the contract's draws, in their order
    rng = np.random.default_rng(1)
    amp2 = rng.uniform(0.15, 0.35, ncell)
    syn2 = rng.random((ncell, ncell)) < p
    gap2 = rng.random((ncell, ncell)) < p
    np.fill_diagonal(syn2, False)
    assert np.array_equal(amp, amp2)
    assert np.array_equal(syn, syn2) and np.array_equal(gap, np.triu(gap2, 1))
    n_syn, n_gap = int(syn.sum()), int(gap.sum())
    assert n_syn > 0 and n_gap > 0
    with ndn.build_dense(ncell=ncell, p=p) as net:
        assert _count(h, "GradedSyn") == net.n_graded == n_syn
        assert _count(h, "HalfGap") == net.n_halfgap == 2 * n_gap
        assert _count(h, "IClamp") == ncell
        assert net.compartments == ncell * 5 == sum(sec.nseg for sec in h.allsec())
        assert net.g_syn == pytest.approx(0.002 / (p * (ncell - 1)))
        assert net.g_gap == pytest.approx(0.005 / (p * (ncell - 1)))
        # synapses sit on dend(0.5) of the postsynaptic cell (node x = 0.625 for nseg 4)
        o = net.syns[0]
        assert o.get_loc() == pytest.approx(ndn.segment_center(0.5, 4))
        h.pop_section()
        assert (o.g, o.e, o.vth, o.vslope, o.tau) == pytest.approx(
            (net.g_syn, -80.0, -20.0, 5.0, 4.0))
        del o
        res = net.run(20.0)
        assert res["steps"] == 800 and res["n_graded"] == n_syn
        assert len(res["spikes"]) > 0
        assert res["spikes"] == sorted(res["spikes"])
        assert {g for _, g in res["spikes"]} <= set(range(ncell))
    assert _sections(h) == 0
    assert _count(h, "GradedSyn") == 0 and _count(h, "HalfGap") == 0


def test_dense_threads_identical(h):
    a = ndn.run_dense(ncell=12, p=0.5, tstop=15.0, threads=1)
    b = ndn.run_dense(ncell=12, p=0.5, tstop=15.0, threads=2)
    assert a["spikes"] == b["spikes"] and len(a["spikes"]) >= 12
    assert a["compartments"] == 60
    assert _sections(h) == 0


@pytest.mark.slow
def test_cli_dense_coreneuron_equals_neuron(tmp_path, h):
    """CoreNEURON (mod files built with nrnivmodl -coreneuron) runs the dense
    model's transfers: the same spikes as NEURON's.  In subprocesses, since
    CoreNEURON keeps the first mechanism library it loads for the process."""
    outs = {}
    for flag in ([], ["--coreneuron"]):
        out = tmp_path / ("spikes%d.dat" % len(flag))
        cmd = [sys.executable, "-m", "benchmarks.peers.neuron_dense_cli", "dense", "--ncell", "8",
               "--p", "1.0", "--tstop", "10", "--out", str(out)] + flag
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr
        summary = json.loads(p.stdout.strip().splitlines()[-1])
        assert summary["engine"] == ("coreneuron" if flag else "neuron")
        assert 0 < summary["run_s"] <= summary["psolve_s"]
        outs[len(flag)] = out.read_text()
    assert "transfer_s" in summary and "run_s_is_psolve" not in summary
    assert outs[0] == outs[1] and len(outs[0].splitlines()) >= 8


def test_cli_dense(tmp_path, h):
    out = tmp_path / "spikes.dat"
    cmd = [sys.executable, "-m", "benchmarks.peers.neuron_dense_cli", "dense", "--ncell", "6",
           "--p", "1.0", "--tstop", "10", "--threads", "2", "--out", str(out)]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout.strip().splitlines()[-1])
    assert summary["engine"] == "neuron" and summary["model"] == "dense"
    assert summary["compartments"] == 30 and summary["steps"] == 400
    assert summary["n_graded"] == 30 and summary["n_halfgap"] == 30
    assert summary["threads"] == 2
    for key in ("build_s", "run_s", "peak_rss_mb", "ms_per_simulated_ms"):
        assert summary[key] >= 0
    lines = out.read_text().split("\n")[:-1]
    assert len(lines) == summary["nspikes"] > 0
    spikes = [(float(t), int(g)) for t, g in (ln.split() for ln in lines)]
    assert spikes == sorted(spikes)


def test_cli_rejects_bad_args(h):
    for extra in (["dense", "--p", "0"], ["gap_ring", "--dt", "-1"]):
        p = subprocess.run([sys.executable, "-m", "benchmarks.peers.neuron_dense_cli"] + extra,
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and "must be" in p.stderr, p.stderr
