"""Command line of the dense analog coupling peers (:mod:`benchmarks.peers.neuron_dense`,
:mod:`benchmarks.peers.neuron_dense_network`)::

    python -m benchmarks.peers.neuron_dense_cli gap_ring --ncell 8 --out ring.csv
    python -m benchmarks.peers.neuron_dense_cli graded_pair --out pair.csv
    python -m benchmarks.peers.neuron_dense_cli dense --ncell 1000 --p 1.0 --tstop 10 \\
        --threads 2 --out spikes.dat

The last stdout line is one JSON object with ``engine``, ``model``,
``compartments`` (sum of nseg), ``steps``, ``build_s``, ``run_s``,
``peak_rss_mb``, ``threads``, ``nspikes``, ``ms_per_simulated_ms`` (wall ms of
``run_s`` per simulated ms) and model-specific counts.
"""

from __future__ import annotations

import argparse
import json
import sys

from benchmarks.peers.neuron_dense import run_gap_ring, run_graded_pair
from benchmarks.peers.neuron_dense_network import run_dense
from benchmarks.peers.neuron_session import peak_rss_mb, positive_float, positive_int, write_csv

__all__ = ["main"]


def _build_parser():
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.peers.neuron_dense_cli",
        description="Run Myriad's dense analog coupling reference models in NEURON.")
    sub = ap.add_subparsers(dest="model", required=True)

    def common(sp, tstop, dt, method=True):
        sp.add_argument("--tstop", type=float, default=tstop)
        sp.add_argument("--dt", type=float, default=dt)
        if method:
            sp.add_argument("--method", choices=("cvode", "fixed"), default="cvode")
            sp.add_argument("--atol", type=float, default=1e-9)
            sp.add_argument("--rtol", type=float, default=1e-9)
            sp.add_argument("--secondorder", type=int, choices=(0, 1, 2), default=0)
        sp.add_argument("--out", default=None)

    g = sub.add_parser("gap_ring", help="ring of HH cells coupled by gap junctions")
    g.add_argument("--ncell", type=int, default=8)
    g.add_argument("--g-gap", type=float, default=0.005)
    g.add_argument("--amp", type=float, default=0.3)
    g.add_argument("--delay", type=float, default=5.0)
    g.add_argument("--dur", type=float, default=2.0)
    g.add_argument("--membrane", choices=("hh", "pas"), default="hh")
    g.add_argument("--hh-table", type=int, choices=(0, 1), default=0)
    common(g, 100.0, 0.01)

    s = sub.add_parser("graded_pair", help="two HH cells, graded synapse 0 -> 1")
    s.add_argument("--g-syn", type=float, default=0.01)
    s.add_argument("--e-syn", type=float, default=0.0)
    s.add_argument("--vth", type=float, default=-20.0)
    s.add_argument("--vslope", type=float, default=5.0)
    s.add_argument("--tau", type=float, default=4.0)
    s.add_argument("--amp", type=float, default=0.3)
    s.add_argument("--delay", type=float, default=5.0)
    s.add_argument("--dur", type=float, default=80.0)
    s.add_argument("--hh-table", type=int, choices=(0, 1), default=0)
    common(s, 100.0, 0.01)

    d = sub.add_parser("dense", help="dense network: graded synapses + gap junctions")
    d.add_argument("--ncell", type=int, default=1000)
    d.add_argument("--p", type=float, default=1.0)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--ncompart", type=int, default=4)
    d.add_argument("--gsyn-total", type=float, default=0.002)
    d.add_argument("--ggap-total", type=float, default=0.005)
    d.add_argument("--amp-lo", type=float, default=0.15)
    d.add_argument("--amp-hi", type=float, default=0.35)
    d.add_argument("--threads", type=int, default=1)
    d.add_argument("--hh-table", type=int, choices=(0, 1), default=1)
    d.add_argument("--coreneuron", action="store_true",
                   help="run in CoreNEURON (in memory, CPU, --threads threads)")
    common(d, 10.0, 0.025, method=False)
    return ap, {"gap_ring": g, "graded_pair": s, "dense": d}


def main(argv=None):
    parser, subs = _build_parser()
    args = parser.parse_args(argv)
    sp = subs[args.model]
    positive_float(sp, "--dt", args.dt)
    positive_float(sp, "--tstop", args.tstop)
    if args.model in ("gap_ring", "graded_pair") and args.method == "cvode":
        positive_float(sp, "--atol", args.atol)
    if args.model == "gap_ring":
        positive_int(sp, "--ncell", args.ncell)
        res = run_gap_ring(ncell=args.ncell, g_gap=args.g_gap, amp=args.amp, delay=args.delay,
                           dur=args.dur, tstop=args.tstop, dt=args.dt, method=args.method,
                           atol=args.atol, rtol=args.rtol, secondorder=args.secondorder,
                           membrane=args.membrane, hh_table=bool(args.hh_table))
        if args.out:
            write_csv(args.out, ["t"] + ["v%d" % i for i in range(args.ncell)],
                      [res["t"]] + list(res["v"]))
        extra = {"n_halfgap": res["n_halfgap"],
                 "spikes_per_cell": [len(x) for x in res["spikes"]]}
        threads = 1
        nspikes = sum(len(x) for x in res["spikes"])
    elif args.model == "graded_pair":
        res = run_graded_pair(g_syn=args.g_syn, e_syn=args.e_syn, vth=args.vth,
                              vslope=args.vslope, tau=args.tau, amp=args.amp,
                              delay=args.delay, dur=args.dur, tstop=args.tstop, dt=args.dt,
                              method=args.method, atol=args.atol, rtol=args.rtol,
                              secondorder=args.secondorder, hh_table=bool(args.hh_table))
        if args.out:
            write_csv(args.out, ("t", "v0", "v1", "s"),
                      (res["t"], res["v"][0], res["v"][1], res["s"]))
        extra = {"spikes_per_cell": [len(x) for x in res["spikes"]],
                 "first_spike": [x[0] if x else None for x in res["spikes"]]}
        threads = 1
        nspikes = sum(len(x) for x in res["spikes"])
    else:
        for name in ("ncell", "ncompart", "threads"):
            positive_int(sp, "--" + name, getattr(args, name))
        if not 0.0 < args.p <= 1.0:
            sp.error("--p must be in (0, 1], got %r" % args.p)
        if args.ncell < 2:
            sp.error("--ncell must be >= 2")
        res = run_dense(ncell=args.ncell, p=args.p, seed=args.seed, ncompart=args.ncompart,
                        gsyn_total=args.gsyn_total, ggap_total=args.ggap_total,
                        amp_lo=args.amp_lo, amp_hi=args.amp_hi, tstop=args.tstop,
                        dt=args.dt, threads=args.threads, hh_table=bool(args.hh_table),
                        coreneuron=args.coreneuron)
        if args.out:
            with open(args.out, "w") as fh:
                fh.write("".join("%.6f %d\n" % (t, g) for t, g in res["spikes"]))
        extra = {"n_graded": res["n_graded"], "n_halfgap": res["n_halfgap"],
                 "init_s": res["init_s"], "run_cpu_s": res["run_cpu_s"],
                 "ncell": args.ncell, "p": args.p,
                 "tstop": args.tstop, "dt": args.dt}
        extra.update((k, res[k]) for k in ("psolve_s", "transfer_s", "run_s_is_psolve")
                     if k in res)
        threads = args.threads
        nspikes = len(res["spikes"])
    engine = "coreneuron" if getattr(args, "coreneuron", False) else "neuron"
    summary = {"engine": engine, "model": args.model,
               "compartments": res["compartments"], "steps": res["steps"],
               "build_s": res["build_s"], "compile_s": 0.0, "run_s": res["run_s"],
               "peak_rss_mb": peak_rss_mb(), "threads": threads, "nspikes": nspikes,
               "ms_per_simulated_ms": res["run_s"] * 1e3 / args.tstop}
    summary.update(extra)
    sys.stdout.flush()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
