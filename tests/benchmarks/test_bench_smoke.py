"""Smoke test of `make bench`: the benchmarks on tiny models, every engine.

Checks that every run succeeds, that the last stdout line is the JSON record
with the targets, that CoreNEURON's spikes equal NEURON's, and that the
parameter search's spike counts agree with NEURON's.  Skipped without NEURON.
"""

import json
import os
import sys

import pytest
from tests.requirements import require_neuron

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

pytestmark = pytest.mark.neuron
require_neuron(module_level=True)

from benchmarks import cuda_bench, dense_bench, load_bench, morphology_bench, ringtest_bench, search_bench  # noqa: E402


def _record(capsys, main, argv):
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    failed = [(r["engine"], r.get("error")) for r in record["runs"] if r["status"] != "ok"]
    assert not failed
    return record


@pytest.mark.slow
def test_ringtest_bench_smoke(capsys):
    record = _record(capsys, ringtest_bench.main,
                     ["--nring", "1", "--nbranch", "2", "--ncompart", "1", "--tstop", "10",
                      "--threads", "1"])
    assert {r["engine"] for r in record["runs"]} == {"neuron", "coreneuron", "myriad"}
    targets = record["targets"]
    assert set(targets) == {"throughput_t1", "rss_above_baseline", "first_compile",
                            "cached_startup"}
    assert all(t["verdict"] is None for t in targets.values())  # not the medium ring
    assert targets["first_compile"]["myriad"] > targets["cached_startup"]["compile_s"]
    assert targets["throughput_t1"]["peers"]["CoreNEURON"] > 0
    assert record["spikes"]["coreneuron_t1_vs_neuron"]["identical"]


@pytest.mark.slow
def test_dense_bench_smoke(capsys):
    record = _record(capsys, dense_bench.main,
                     ["--ncell", "4", "--tstop", "5", "--threads", "1"])
    assert {r["engine"] for r in record["runs"]} == {"neuron", "coreneuron", "myriad"}
    assert record["target"]["verdict"] is None and record["target"]["myriad"] > 0
    assert record["spikes"]["coreneuron_t1_vs_neuron"]["identical"]


@pytest.mark.slow
def test_morphology_bench_smoke(capsys):
    record = _record(capsys, morphology_bench.main, ["--ncell", "3", "--tstop", "10", "--threads", "1"])
    assert {r["engine"] for r in record["runs"]} == {"neuron", "coreneuron", "myriad"}
    assert {r["compartments"] for r in record["runs"]} == {3 * 185}
    assert record["peer_over_myriad_run_s"]["neuron"]["1"] > 0
    assert record["spikes"]["coreneuron_t1_vs_neuron"]["identical"]
    myriad = record["spikes"]["myriad_t1_vs_neuron"]
    assert myriad["gid_multiset_equal"] and myriad["n_test"] > 0
    assert myriad["max_abs_dt_ms"] <= 0.025           # the same step: Myriad interpolates within it


@pytest.mark.slow
def test_load_bench_smoke(capsys):
    """Every engine, model, condition and thread count runs (the competitor
    too), the targets are reported unjudged, Myriad's spikes are the same in
    every run."""
    record = _record(capsys, load_bench.main, ["--quick"])
    runs = {(r["app"], r["engine"], r["condition"], r["threads"]) for r in record["runs"]}
    assert runs == {(a, e, c, k) for a in load_bench.APPS for e in load_bench.ENGINES
                    for c in load_bench.CONDITIONS for k in load_bench.THREADS
                    if e != "myriad-omp" or k == 1}         # the omp barrier: 1 thread by default
    assert record["competitor_ran_throughout"] == {"busy": True, "niced": True}
    targets = record["targets"]
    assert set(targets) == {"%s_%s" % (a, t) for a in load_bench.APPS
                            for t in ("busy_t2_over_t1", "niced_t2_over_t1", "idle_speedup",
                                      "idle_t1_vs_omp", "busy_t1_vs_omp", "niced_t1_vs_omp")}
    assert all(t["verdict"] is None for t in targets.values())      # tiny models: not judged
    assert all(t["myriad"] is not None for t in targets.values())
    assert all(t["myriad"] > 0 for name, t in targets.items() if not name.endswith("_vs_omp"))
    for app in load_bench.APPS:
        assert record["spikes"][app]["myriad_identical"] and record["spikes"][app]["myriad_runs"] == 9
        assert all(record["medians_run_s"][app][e][c][str(k)] > 0 for e in ("myriad", "neuron")
                   for c in load_bench.CONDITIONS for k in load_bench.THREADS)


@pytest.mark.slow
def test_search_bench_smoke(capsys):
    record = _record(capsys, search_bench.main, ["--quick"])
    assert {(r["engine"], r["K"]) for r in record["runs"]} >= {
        ("neuron", 1), ("neuron-psolve", 1), ("myriad", 1), ("myriad", 16)}
    myriad_rows = [r for r in record["runs"] if r["engine"] == "myriad"]
    for ratios in (record["ratios_to_neuron"], record["ratios_to_neuron_psolve"]):
        assert sorted(ratios) == sorted("myriad_K%(K)d_t%(threads)d" % r for r in myriad_rows)
        assert all(x > 0 for x in ratios.values())
    assert len(record["agreement"]) == len(record["runs"]) - 1
    assert record["min_agreement"] >= 0.75


@pytest.mark.slow
def test_cuda_bench_smoke(capsys, monkeypatch):
    """The GPU benchmark's logic on the CUDA code emulated on the CPU: every run
    succeeds, the agreement rows hold, the speed rows have their ratios."""
    monkeypatch.setenv("MYRIAD_CUDA_EMULATE", "1")
    assert cuda_bench.main(["--quick", "--threads", "2", "--tstop", "5"]) == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["device"].startswith("CUDA emulated")
    assert [a["within"] for a in record["agreement"]] == [True] * 4
    assert all(a["spikes"] > 0 for a in record["agreement"])
    assert [s["app"] for s in record["speed"]] == ["ringtest", "dense"]
    assert all(s["ratio"] > 0 and s["cuda_msteps_per_s"] > 0 for s in record["speed"])


def test_cuda_bench_without_a_gpu_says_why_and_stops(capsys, monkeypatch):
    monkeypatch.delenv("MYRIAD_CUDA_EMULATE", raising=False)
    monkeypatch.setenv("MYRIAD_NVCC", "/nonexistent/nvcc")
    assert cuda_bench.main(["--quick"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("cuda_bench: skipped, no GPU to run on:") and "MYRIAD_NVCC" in out[0]
    assert json.loads(out[-1])["skipped"]
