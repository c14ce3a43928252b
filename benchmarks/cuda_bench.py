"""The cuda backend against the openmp backend on the same machine (issue 8).

    python -m benchmarks.cuda_bench [--threads N] [--quick] [--timeout S]

Every run is the application's CLI in its own process (docs/architecture.md's JSON
line).  First, agreement: ``hh_soma`` and ``ringtest`` (backward Euler and
RK4) on cuda and on openmp with the same dt and integrator, their spike times
compared (issue 8: within 1e-6 ms).  Then speed: ``ringtest`` with nring 1024,
ncell 128, nbranch 32 and ``dense`` with 10,000 cells (p = 0.02: 200 partners
a cell, 2M graded synapses and 1M gap junctions; p = 1 would be 10^8) on
openmp with all CPU cores and on cuda, each reporting run time (the CLI's
run_s: for cuda the copies to and from the device included, kernel_s
without), compartment-steps per second and the openmp/cuda ratio of run
times (> 1: the GPU is faster).

Without a GPU (and without MYRIAD_CUDA_EMULATE) it says why and stops at
once, since the large models' CPU runs alone take minutes.  ``--quick`` uses
small models (the smoke test runs it with MYRIAD_CUDA_EMULATE=1).  The last
line is one JSON object with everything.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from benchmarks.ringtest_bench import ROOT, _env, _fmt, compare_spikes, read_spikes, run_cli

AGREEMENT = [("hh_soma", [], "backward_euler", 0.025, 100.0), ("hh_soma", [], "rk4", 0.01, 100.0),
             ("ringtest", ["--nring", "4", "--ncell", "8", "--nbranch", "8"], "backward_euler", 0.025, 100.0),
             ("ringtest", ["--nring", "2", "--ncell", "8", "--nbranch", "8"], "rk4", 0.002, 30.0)]
SPEED = {"ringtest": ["--nring", "1024", "--ncell", "128", "--nbranch", "32"],
         "dense": ["--ncell", "10000", "--p", "0.02"]}
QUICK_SPEED = {"ringtest": ["--nring", "4", "--ncell", "8", "--nbranch", "8"],
               "dense": ["--ncell", "100", "--p", "1.0"]}
SPIKE_TOLERANCE_MS = 1e-6


def _device() -> tuple[str | None, str | None]:
    """(GPU name, None), or (None, why there is none to run on)."""
    code = ("from applications.hh_soma import build\nnet, _, _ = build()\n"
            "print(net.simulation(backend='cuda').device().name)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True)
    if proc.returncode == 0:
        return proc.stdout.strip().splitlines()[-1], None
    return None, (proc.stderr.strip().splitlines() or ["unknown failure"])[-1]


def _run(app, args, backend, method, dt, tstop, threads, workdir, timeout):
    """One CLI run: (its row, its spikes as (time, gid), or None if it failed)."""
    out = os.path.join(workdir, f"{app}-{backend}-{method}.txt")
    cmd = [sys.executable, "-m", f"applications.{app}", *args, "--backend", backend, "--method", method,
           "--dt", repr(dt), "--tstop", repr(tstop), "--threads", str(threads), "--no-progress"]
    if app != "hh_soma":            # hh_soma's --out is its voltage trace; its JSON lists the spikes
        cmd += ["--out", out]
    row = {"app": app, "backend": backend, "method": method, "threads": threads, "status": "failed"}
    print(f"[cuda_bench] {app} {backend} {method} {' '.join(args)}", file=sys.stderr, flush=True)
    summary = run_cli(cmd, threads, timeout, row)
    if summary is None:
        return row, None
    row.update((k, summary.get(k)) for k in ("compartments", "steps", "build_s", "compile_s", "run_s",
                                             "kernel_s", "transfer_s", "launches", "device", "peak_rss_mb"))
    row["msteps_per_s"] = summary["compartments"] * summary["steps"] / summary["run_s"] / 1e6 \
        if summary["run_s"] else None
    row["status"] = "ok"
    spikes = [(t, 0) for t in summary["spikes"]] if app == "hh_soma" else read_spikes(out)
    return row, spikes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="openmp threads (default: all cores)")
    ap.add_argument("--tstop", type=float, default=10.0, help="simulated ms of the speed runs")
    ap.add_argument("--quick", action="store_true", help="small models (smoke test)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed to each run")
    args = ap.parse_args(argv)
    gpu, why = _device()
    record = {"device": gpu, "threads": args.threads, "agreement": [], "speed": [], "runs": []}
    if gpu is None:
        print(f"cuda_bench: skipped, no GPU to run on: {why}")
        record["skipped"] = why
        print(json.dumps(record))
        return 0
    print(f"cuda_bench: {gpu} against openmp on {args.threads} threads", flush=True)
    with tempfile.TemporaryDirectory(prefix="myriad-cuda-bench-") as workdir:
        print(f"\n{'model':10} {'method':15} {'spikes':>7} {'max |dt| (ms)':>14}  within {SPIKE_TOLERANCE_MS:g} ms")
        for app, model_args, method, dt, tstop in AGREEMENT:
            rows = {b: _run(app, model_args, b, method, dt, tstop, 2 if b == "openmp" else 1, workdir, args.timeout)
                    for b in ("cuda", "openmp")}
            record["runs"] += [row for row, _ in rows.values()]
            (_, cuda_spikes), (_, cpu_spikes) = rows["cuda"], rows["openmp"]
            same = compare_spikes(cuda_spikes or [], cpu_spikes or [])
            ok = bool(same["gid_multiset_equal"] and same["n_ref"] and (same["max_abs_dt_ms"] or 0) <= SPIKE_TOLERANCE_MS)
            record["agreement"].append({"app": app, "method": method, "dt": dt, "spikes": same["n_ref"],
                                        "max_abs_dt_ms": same["max_abs_dt_ms"], "within": ok})
            print(f"{app:10} {method:15} {same['n_ref']:7d} {_fmt(same['max_abs_dt_ms'], '.3g'):>14}  {ok}")
        speed = QUICK_SPEED if args.quick else SPEED
        print(f"\n{'model':10} {'backend':8} {'compartments':>12} {'steps':>6} {'run_s':>9} {'kernel_s':>9} "
              f"{'Mcomp-steps/s':>14}")
        for app, model_args in speed.items():
            rows = {b: _run(app, model_args, b, "backward_euler", 0.025, args.tstop,
                            args.threads if b == "openmp" else 1, workdir, args.timeout) for b in ("openmp", "cuda")}
            record["runs"] += [row for row, _ in rows.values()]
            for backend, (row, _) in rows.items():
                print(f"{app:10} {backend:8} {row.get('compartments', 0):12d} {row.get('steps', 0):6d} "
                      f"{_fmt(row.get('run_s'), '.3f'):>9} {_fmt(row.get('kernel_s'), '.3f'):>9} "
                      f"{_fmt(row.get('msteps_per_s'), '.1f'):>14}")
            cpu, gpu_row = rows["openmp"][0], rows["cuda"][0]
            ratio = cpu["run_s"] / gpu_row["run_s"] if cpu.get("run_s") and gpu_row.get("run_s") else None
            same = compare_spikes(rows["cuda"][1] or [], rows["openmp"][1] or [])
            record["speed"].append({"app": app, "args": model_args, "openmp_run_s": cpu.get("run_s"),
                                    "cuda_run_s": gpu_row.get("run_s"), "cuda_kernel_s": gpu_row.get("kernel_s"),
                                    "openmp_msteps_per_s": cpu.get("msteps_per_s"),
                                    "cuda_msteps_per_s": gpu_row.get("msteps_per_s"), "ratio": ratio,
                                    "spikes": same["n_ref"], "max_abs_dt_ms": same["max_abs_dt_ms"]})
            print(f"{app:10} openmp/cuda run time {_fmt(ratio, '.2f')}; spikes {same['n_ref']}, "
                  f"max |dt| {_fmt(same['max_abs_dt_ms'], '.3g')} ms")
    for row in record["runs"]:
        row.pop("cmd", None)
    print(json.dumps(record))
    return 0 if all(row["status"] == "ok" for row in record["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
