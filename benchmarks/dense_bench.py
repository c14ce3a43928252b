"""Dense analog coupling benchmark: Myriad vs NEURON and CoreNEURON, 1 and 2
threads, against the target of issue 9.

    python -m benchmarks.dense_bench [--ncell 1000 --p 1.0 --tstop 10
        --tstop-neuron T --dt 0.025 --threads 1 2] [--skip-ENGINE] [--quick]

The model (``benchmarks/peers/neuron_dense_network.py``, "C. dense"): ``ncell``
ball-and-stick HH cells, a graded synapse for every ordered pair and a gap
junction for every unordered pair with probability ``p`` (p = 1, ncell = 1000:
~1M graded synapses and ~0.5M gap junctions).

Each simulation runs in its own subprocess (clean peak RSS):

* Myriad: ``python -m applications.dense --ncell N --p P --tstop T
  --threads K --dt DT --method backward_euler --out FILE`` (docs/architecture.md CLI
  contract: last stdout line is JSON with compartments, steps, build_s,
  compile_s, run_s, peak_rss_mb);
* NEURON: ``python -m benchmarks.peers.neuron_dense_cli dense ... --threads K
  --out FILE`` (same keys; fixed step backward Euler, ``pc.psolve``);
* CoreNEURON: the same with ``--coreneuron`` (the mod files built with
  ``nrnivmodl -coreneuron`` on first use, cached; its ``run_s`` is
  CoreNEURON's own solver time, without the copy of the model into it).

NEURON is slow on this model (seconds of wall time per simulated ms at
ncell = 1000), so ``--tstop-neuron`` may run the peers for less simulated time
than Myriad; the comparison is by wall time per simulated ms (``run_s`` /
tstop).  Prints a table (engine, threads, compartments, steps, build_s,
compile_s, run_s, wall ms per simulated ms, peak RSS), the peer/Myriad ratios
of wall time per simulated ms for each thread count (> 1: Myriad faster),
issue 9's target (1000 cells, p = 1: Myriad at least 5x faster than NEURON on
1 thread) with the verdict and CoreNEURON's figure (or why it was not
measured), the spike comparison with NEURON over the simulated time all ran,
and as the last line one JSON object with all of it.  A run that fails is
reported as failed with the tail of its stderr; the others are reported
regardless.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from benchmarks.ringtest_bench import (_fmt, _failed_note, add_skip_options,
                                      compare_with_neuron, ok_rows, print_target, report_spikes,
                                      run_engines, run_row, speed_ratios)

QUICK = {"ncell": 100, "p": 1.0, "tstop": 10.0}
FULL = {"ncell": 1000, "p": 1.0, "tstop": 10.0}

#: issue 9: on 1 thread Myriad's wall time per simulated ms is at least this
#: many times shorter than NEURON's (ncell 1000, p 1)
TARGET_SPEEDUP_VS_NEURON = 5.0


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
        cmd = [sys.executable, "-m", "benchmarks.peers.neuron_dense_cli", "dense"] + \
            _model_args(params, tstop) + ["--threads", str(threads), "--out", out] + \
            (["--coreneuron"] if engine == "coreneuron" else [])
    row, spikes = run_row(engine, threads, cmd, out, timeout, tag="dense_bench", tstop=tstop)
    if row["status"] == "ok":
        row["ms_per_sim_ms"] = float(row["run_s"]) * 1e3 / tstop
    return row, spikes


def print_table(rows):
    hdr = "%-10s %7s %12s %7s %8s %9s %9s %9s %14s %9s  %s" % (
        "engine", "threads", "compartments", "tstop", "steps", "build_s", "compile_s",
        "run_s", "wall_ms/sim_ms", "RSS_MB", "status")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print("%-10s %7d %12s %7s %8s %9s %9s %9s %14s %9s  %s" % (
            r["engine"], r["threads"], _fmt(r.get("compartments"), "d"),
            _fmt(r.get("tstop"), "g"), _fmt(r.get("steps"), "d"),
            _fmt(r.get("build_s"), ".2f"), _fmt(r.get("compile_s"), ".2f"),
            _fmt(r.get("run_s"), ".3f"), _fmt(r.get("ms_per_sim_ms"), ".2f"),
            _fmt(r.get("peak_rss_mb"), ".1f"), r["status"]))
    for r in rows:
        if r["status"] != "ok":
            print("\n%s threads=%d FAILED: %s" % (r["engine"], r["threads"], r.get("error")))


def report_target(rows, judged):
    """Print issue 9's dense target (1 thread, Myriad vs NEURON) with
    CoreNEURON's figure for comparison; returns the JSON record."""
    by = ok_rows(rows)
    m = by.get(("myriad", 1), {}).get("ms_per_sim_ms")
    figures = {p: by.get((p, 1), {}).get("ms_per_sim_ms") for p in ("neuron", "coreneuron")}
    speedup = {p: (x / m if m and x else None) for p, x in figures.items()}
    print("\nIssue 9 target (dense, 1000 cells, p = 1, 1 thread)%s:" % (
        "" if judged else " -- not that size: figures shown, not judged"))
    print("  wall ms per simulated ms: Myriad %s, NEURON %s, CoreNEURON %s" % tuple(
        _fmt(x, ".2f") for x in (m, figures["neuron"], figures["coreneuron"])))
    peers = [("speed-up over CoreNEURON", speedup["coreneuron"],
              "" if figures["coreneuron"] else _failed_note(rows, "coreneuron"))]
    record = print_target("3. speed-up over NEURON:", speedup["neuron"], "x",
                          TARGET_SPEEDUP_VS_NEURON, True, judged, peers, spec=".2f")
    record["ms_per_sim_ms"] = dict(figures, myriad=m)
    return record


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.dense_bench",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--ncell", type=int, default=None, help="cells (default 1000)")
    ap.add_argument("--p", type=float, default=None, help="connection probability (1.0)")
    ap.add_argument("--tstop", type=float, default=None,
                    help="simulated ms for Myriad (and the peers unless --tstop-neuron; 10)")
    ap.add_argument("--tstop-neuron", type=float, default=None,
                    help="simulated ms for NEURON and CoreNEURON (default: --tstop)")
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
    add_skip_options(ap)
    args = ap.parse_args(argv)

    base = QUICK if args.quick else FULL
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
            engine, k, params, params["tstop"] if engine == "myriad" else params["tstop_neuron"],
            work, args.timeout, args.myriad_module, args.myriad_method or None, args.backend))

    print("\ndense ncell=%(ncell)d p=%(p)g dt=%(dt)g tstop(myriad)=%(tstop)g "
          "tstop(neuron, coreneuron)=%(tstop_neuron)g" % params)
    print_table(rows)

    ratios = speed_ratios(rows, args.threads, "ms_per_sim_ms", higher_is_faster=False,
                          title="Peer/Myriad wall time per simulated ms (>1 = Myriad faster):")
    judged = (params["ncell"], params["p"]) == (FULL["ncell"], FULL["p"])
    target = report_target(rows, judged)

    # spikes over the simulated time every run covered
    tcommon = min(params["tstop"], params["tstop_neuron"])
    comparisons = compare_with_neuron(spikes, tcommon)
    report_spikes(spikes, comparisons, "5. Spikes (against NEURON's, t < %g ms):" % tcommon)

    result = {
        "benchmark": "dense",
        "params": params,
        "runs": rows,
        "peer_over_myriad_ms_per_sim_ms": ratios,
        "target": target,
        "spikes": comparisons,
    }
    sys.stdout.flush()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
