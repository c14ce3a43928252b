"""Dense analog coupling benchmark: Myriad vs NEURON, 1 and 2 threads.

    python -m benchmarks.dense_bench [--ncell 1000 --p 1.0 --tstop 10
        --tstop-neuron T --dt 0.025 --threads 1 2] [--skip-neuron] [--quick]

The model (``applications/neuron_dense.py``, "C. dense"): ``ncell``
ball-and-stick HH cells, a graded synapse for every ordered pair and a gap
junction for every unordered pair with probability ``p`` (p = 1, ncell = 1000:
~1M graded synapses and ~0.5M gap junctions).

Each simulation runs in its own subprocess (clean peak RSS):

* Myriad: ``python -m applications.dense --ncell N --p P --tstop T
  --threads K --dt DT --method backward_euler --out FILE`` (DESIGN.md CLI
  contract: last stdout line is JSON with compartments, steps, build_s,
  compile_s, run_s, peak_rss_mb);
* NEURON: ``python -m applications.neuron_dense dense ... --threads K --out
  FILE`` (same keys; fixed step backward Euler, ``pc.psolve``).

NEURON is slow on this model (seconds of wall time per simulated ms at
ncell = 1000), so ``--tstop-neuron`` may run it for less simulated time than
Myriad; the comparison is by wall time per simulated ms (``run_s`` / tstop).
Prints a table (engine, threads, compartments, steps, build_s, compile_s,
run_s, wall ms per simulated ms, peak RSS), the NEURON/Myriad ratios of wall
time per simulated ms for each thread count (> 1: Myriad faster), a spike
comparison over the simulated time both ran, and as the last line one JSON
object with all of it.  A Myriad run that is missing or fails is reported as
failed with the tail of its stderr; the NEURON rows are printed regardless.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from benchmarks.ringtest_bench import (_fmt, compare_spikes, read_spikes, report_spikes, run_cli,
                                      run_engines, speed_ratios)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

QUICK = {"ncell": 100, "p": 1.0, "tstop": 10.0}


def _model_args(params, tstop):
    return ["--ncell", str(params["ncell"]), "--p", repr(params["p"]),
            "--tstop", repr(tstop), "--dt", repr(params["dt"])]


def run_one(engine, threads, params, tstop, workdir, timeout, myriad_module="applications.dense",
            myriad_method="backward_euler", backend=None):
    out = os.path.join(workdir, "%s_t%d.dat" % (engine, threads))
    if engine == "myriad":
        cmd = [sys.executable, "-m", myriad_module] + _model_args(params, tstop) + [
            "--threads", str(threads), "--out", out]
        if myriad_method:
            cmd += ["--method", myriad_method]
        if backend:
            cmd += ["--backend", backend]
    else:
        cmd = [sys.executable, "-m", "applications.neuron_dense", "dense"] + \
            _model_args(params, tstop) + ["--threads", str(threads), "--out", out]
    row = {"engine": engine, "threads": threads, "tstop": tstop, "status": "failed",
           "cmd": " ".join(cmd)}
    print("[dense_bench] running %s threads=%d tstop=%g ..." % (engine, threads, tstop),
          file=sys.stderr, flush=True)
    summary = run_cli(cmd, threads, timeout, row)
    if summary is None:
        return row, None
    for key in ("compartments", "steps", "build_s", "compile_s", "init_s", "run_s",
                "peak_rss_mb", "n_graded", "n_halfgap"):
        if key in summary:
            row[key] = summary[key]
    try:
        row["ms_per_sim_ms"] = float(summary["run_s"]) * 1e3 / tstop
        row["msteps_per_s"] = (float(summary["compartments"]) * float(summary["steps"])
                               / float(summary["run_s"]) / 1e6)
    except (TypeError, ValueError, ZeroDivisionError):
        row["ms_per_sim_ms"] = row["msteps_per_s"] = None
    spikes = None
    if os.path.exists(out):
        try:
            spikes = read_spikes(out)
            row["nspikes"] = len(spikes)
        except OSError as exc:
            row["spike_error"] = str(exc)
    else:
        row["spike_error"] = "no spike file written"
    row["status"] = "ok"
    return row, spikes


def print_table(rows):
    hdr = "%-7s %7s %12s %7s %8s %9s %9s %9s %14s %9s  %s" % (
        "engine", "threads", "compartments", "tstop", "steps", "build_s", "compile_s",
        "run_s", "wall_ms/sim_ms", "RSS_MB", "status")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print("%-7s %7d %12s %7s %8s %9s %9s %9s %14s %9s  %s" % (
            r["engine"], r["threads"], _fmt(r.get("compartments"), "d"),
            _fmt(r.get("tstop"), "g"), _fmt(r.get("steps"), "d"),
            _fmt(r.get("build_s"), ".2f"), _fmt(r.get("compile_s"), ".2f"),
            _fmt(r.get("run_s"), ".3f"), _fmt(r.get("ms_per_sim_ms"), ".2f"),
            _fmt(r.get("peak_rss_mb"), ".1f"), r["status"]))
    for r in rows:
        if r["status"] != "ok":
            print("\n%s threads=%d FAILED: %s" % (r["engine"], r["threads"], r.get("error")))


def _truncate(spikes, tmax):
    return [(t, g) for t, g in spikes if t < tmax]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.dense_bench",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--ncell", type=int, default=None, help="cells (default 1000)")
    ap.add_argument("--p", type=float, default=None, help="connection probability (1.0)")
    ap.add_argument("--tstop", type=float, default=None,
                    help="simulated ms for Myriad (and NEURON unless --tstop-neuron; 10)")
    ap.add_argument("--tstop-neuron", type=float, default=None,
                    help="simulated ms for NEURON (default: --tstop)")
    ap.add_argument("--dt", type=float, default=0.025)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                    help="thread counts to run (default: 1 2)")
    ap.add_argument("--myriad-module", default="applications.dense",
                    help="module run with -m for the Myriad side")
    ap.add_argument("--myriad-method", default="backward_euler",
                    help="--method passed to Myriad ('' to pass none)")
    ap.add_argument("--backend", default=None, help="Myriad --backend (default: its own)")
    ap.add_argument("--quick", action="store_true", help="ncell 100 for a smoke run")
    ap.add_argument("--timeout", type=float, default=1800.0,
                    help="seconds per simulation subprocess")
    ap.add_argument("--skip-neuron", action="store_true")
    ap.add_argument("--skip-myriad", action="store_true")
    args = ap.parse_args(argv)

    base = QUICK if args.quick else {"ncell": 1000, "p": 1.0, "tstop": 10.0}
    params = {
        "ncell": args.ncell if args.ncell is not None else base["ncell"],
        "p": args.p if args.p is not None else base["p"],
        "tstop": args.tstop if args.tstop is not None else base["tstop"],
        "dt": args.dt,
    }
    params["tstop_neuron"] = (args.tstop_neuron if args.tstop_neuron is not None
                              else params["tstop"])
    if params["ncell"] < 2:
        ap.error("--ncell must be >= 2")
    if not 0.0 < params["p"] <= 1.0:
        ap.error("--p must be in (0, 1]")
    if not (params["tstop"] > 0 and params["tstop_neuron"] > 0 and params["dt"] > 0):
        ap.error("--tstop, --tstop-neuron and --dt must be positive")
    if any(t < 1 for t in args.threads):
        ap.error("--threads must be positive integers")

    with tempfile.TemporaryDirectory(prefix="dense_bench_") as work:
        rows, spikes = run_engines(args, lambda engine, k: run_one(
            engine, k, params, params["tstop_neuron"] if engine == "neuron" else params["tstop"], work,
            args.timeout, args.myriad_module, args.myriad_method or None, args.backend))

    print("\ndense ncell=%(ncell)d p=%(p)g dt=%(dt)g tstop(myriad)=%(tstop)g "
          "tstop(neuron)=%(tstop_neuron)g" % params)
    print_table(rows)

    ratios = speed_ratios(rows, args.threads, "ms_per_sim_ms", higher_is_faster=False,
                          title="NEURON/Myriad wall time per simulated ms (>1 = Myriad faster):")

    # spikes over the simulated time every run covered
    tcommon = min(params["tstop"], params["tstop_neuron"])
    comparisons = {}
    ref = spikes.get(("neuron", 1)) or next(
        (v for (e, _k), v in sorted(spikes.items()) if e == "neuron"), None)
    if ref is not None:
        ref = _truncate(ref, tcommon)
        for (engine, k), spk in sorted(spikes.items()):
            if engine == "myriad":
                comparisons["myriad_t%d_vs_neuron" % k] = compare_spikes(
                    _truncate(spk, tcommon), ref)
    report_spikes(spikes, comparisons, "Spikes (t < %g ms):" % tcommon)

    result = {
        "benchmark": "dense",
        "params": params,
        "runs": rows,
        "neuron_over_myriad_ms_per_sim_ms": ratios,
        "spikes": comparisons,
    }
    sys.stdout.flush()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
