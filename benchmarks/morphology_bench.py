"""Reconstructed-cell network benchmark: Myriad vs NEURON and CoreNEURON in one run.

    python -m benchmarks.morphology_bench [--file tests/data/morphology/Pvalb_471781218.swc
        --ncell 1000 --tstop 100 --dt 0.025 --threads 1 2] [--quick] [--skip-ENGINE]

``--ncell`` copies of a reconstructed cell (default the Allen Pvalb
interneuron: 63 sections, 185 compartments by the d_lambda rule), hh in soma
and axon, pas in the dendrites, an IClamp at each soma (0.5 nA up to 0.75 nA
across the cells) and each soma's spikes onto the next cell's soma through an
ExpSyn, as ``python -m applications.morphology FILE --ncell N`` builds them;
the NEURON peer (``benchmarks.peers.neuron_morphology network``) reads the
file with Import3d and builds the same network, and runs it in NEURON or, with
``--coreneuron``, in CoreNEURON.  Each run is a subprocess of its own
(``benchmarks.ringtest_bench.run_row``).  Prints the table of runs, how many
times faster Myriad's time loop is than each peer's at each thread count, the
spikes against NEURON's (Myriad interpolates a crossing within its step,
NEURON's fixed step reports it at the step's end: up to dt apart), and as the
last line one JSON object.  ``--quick`` is 50 cells for 20 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from benchmarks.ringtest_bench import (ROOT, add_skip_options, compare_with_neuron, print_table, report_spikes,
                                       run_engines, run_row, speed_ratios)

DEFAULT_FILE = os.path.join(ROOT, "tests", "data", "morphology", "Pvalb_471781218.swc")
FULL = {"ncell": 1000, "tstop": 100.0}
QUICK = {"ncell": 50, "tstop": 20.0}


def run_one(engine, threads, params, workdir, timeout):
    out = os.path.join(workdir, "%s_t%d.dat" % (engine, threads))
    size = ["--ncell", str(params["ncell"]), "--tstop", repr(params["tstop"]), "--dt", repr(params["dt"]),
            "--threads", str(threads), "--out", out]
    if engine == "myriad":
        cmd = [sys.executable, "-m", "applications.morphology", params["file"], *size,
               "--method", "backward_euler", "--no-progress"]
    else:
        cmd = [sys.executable, "-m", "benchmarks.peers.neuron_morphology", "network", params["file"], *size] + \
            (["--coreneuron"] if engine == "coreneuron" else [])
    return run_row(engine, threads, cmd, out, timeout, tag="morphology_bench", ncell=params["ncell"])


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.morphology_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", default=DEFAULT_FILE, help="an SWC or ASC file")
    ap.add_argument("--ncell", type=int, default=None, help="copies of the cell (default 1000)")
    ap.add_argument("--tstop", type=float, default=None, help="simulated ms (default 100)")
    ap.add_argument("--dt", type=float, default=0.025)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default: 1 2)")
    ap.add_argument("--quick", action="store_true", help="50 cells for 20 ms, for a smoke run")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per simulation subprocess")
    add_skip_options(ap)
    args = ap.parse_args(argv)
    base = QUICK if args.quick else FULL
    params = {"file": os.path.abspath(args.file), "ncell": args.ncell or base["ncell"],
              "tstop": args.tstop or base["tstop"], "dt": args.dt}
    if params["ncell"] < 1 or params["tstop"] <= 0 or params["dt"] <= 0 or min(args.threads) < 1:
        ap.error("--ncell, --tstop, --dt and --threads must be positive")

    with tempfile.TemporaryDirectory(prefix="morphology_bench_") as work:
        rows, spikes = run_engines(args, lambda engine, k: run_one(engine, k, params, work, args.timeout))
    print("\nmorphology %s: ncell=%d dt=%g tstop=%g" % (os.path.basename(params["file"]), params["ncell"],
                                                        params["dt"], params["tstop"]))
    print_table(rows)
    ratios = speed_ratios(rows, args.threads, "run_s", higher_is_faster=False,
                          title="Peer/Myriad time-loop seconds (>1 = Myriad faster):")
    comparisons = compare_with_neuron(spikes)
    report_spikes(spikes, comparisons, "Spikes against NEURON's:")
    sys.stdout.flush()
    print(json.dumps({"benchmark": "morphology", "params": params, "runs": rows,
                      "peer_over_myriad_run_s": ratios, "spikes": comparisons}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
