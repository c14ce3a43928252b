"""Command line of the NEURON reference models (:mod:`benchmarks.peers.neuron_models`)::

    python -m benchmarks.peers.neuron_models_cli ringtest --nring 16 --ncell 8 \\
        --nbranch 16 --ncompart 1 --tstop 100 --dt 0.025 --threads 1 --out spikes.dat
    python -m benchmarks.peers.neuron_models_cli hh_soma --amp 0.1 --out hh.csv
    python -m benchmarks.peers.neuron_models_cli cable --nseg 101 --out cable.csv

The last stdout line is one JSON object with ``engine``, ``compartments``,
``steps``, ``build_s``, ``run_s``, ``peak_rss_mb``, ``threads``, ``nspikes``;
``ringtest`` adds ``psolve_s`` (wall time of ``pc.psolve``) and ``startup_s``
(set-up before the time loop: ``build_s``, plus ``transfer_s`` under
CoreNEURON).
"""

from __future__ import annotations

import argparse
import json
import sys

from benchmarks.peers.neuron_models import run_cable, run_hh_soma, run_ringtest
from benchmarks.peers.neuron_session import peak_rss_mb, positive_float, positive_int, write_csv

__all__ = ["main"]


def _build_parser():
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.peers.neuron_models_cli",
        description="Run the reference models of docs/architecture.md in NEURON.")
    sub = p.add_subparsers(dest="model", required=True)

    r = sub.add_parser("ringtest", help="CoreNEURON ring benchmark")
    r.add_argument("--nring", type=int, default=16)
    r.add_argument("--ncell", type=int, default=8)
    r.add_argument("--nbranch", type=int, default=16)
    r.add_argument("--ncompart", type=int, default=1)
    r.add_argument("--tstop", type=float, default=100.0)
    r.add_argument("--dt", type=float, default=0.025)
    r.add_argument("--threads", type=int, default=1)
    r.add_argument("--secondorder", type=int, choices=(0, 1, 2), default=0)
    r.add_argument("--no-cache-efficient", action="store_true")
    r.add_argument("--out", default=None, help="spike file: 'time gid' per line")
    r.add_argument("--hh-table", type=int, choices=(0, 1), default=1)
    r.add_argument("--coreneuron", action="store_true",
                   help="run in CoreNEURON (in memory, CPU, --threads threads)")

    s = sub.add_parser("hh_soma", help="single HH compartment")
    s.add_argument("--amp", type=float, default=0.1)
    s.add_argument("--dt", type=float, default=0.025)
    s.add_argument("--tstop", type=float, default=100.0)
    s.add_argument("--integrator", choices=("fixed", "cvode"), default="fixed")
    s.add_argument("--secondorder", type=int, choices=(0, 1, 2), default=0)
    s.add_argument("--atol", type=float, default=1e-10)
    s.add_argument("--rtol", type=float, default=1e-10)
    s.add_argument("--out", default=None, help="CSV t,v")
    s.add_argument("--hh-table", type=int, choices=(0, 1), default=1)

    c = sub.add_parser("cable", help="passive sealed cable")
    c.add_argument("--nseg", type=int, default=101)
    c.add_argument("--dt", type=float, default=0.025)
    c.add_argument("--tstop", type=float, default=200.0)
    c.add_argument("--method", choices=("fixed", "cn", "cvode"), default="fixed")
    c.add_argument("--out", default=None, help="CSV t,v0,vmid,vend")
    return p, {"ringtest": r, "hh_soma": s, "cable": c}


def main(argv=None):
    parser, subs = _build_parser()
    args = parser.parse_args(argv)
    sp = subs[args.model]
    positive_float(sp, "--dt", args.dt)
    positive_float(sp, "--tstop", args.tstop)
    if args.model == "ringtest":
        for name in ("nring", "ncell", "nbranch", "ncompart", "threads"):
            positive_int(sp, "--" + name, getattr(args, name))
        if args.coreneuron and args.no_cache_efficient:
            sp.error("--coreneuron needs cache efficient mode (drop --no-cache-efficient)")
        res = run_ringtest(nring=args.nring, ncell=args.ncell, nbranch=args.nbranch,
                           ncompart=args.ncompart, tstop=args.tstop, dt=args.dt,
                           secondorder=args.secondorder, threads=args.threads,
                           cache_efficient=not args.no_cache_efficient,
                           hh_table=bool(args.hh_table), coreneuron=args.coreneuron)
        if args.out:
            with open(args.out, "w") as fh:
                for t, g in res["spikes"]:
                    fh.write("%.6f %d\n" % (t, g))
        summary = {"engine": "coreneuron" if args.coreneuron else "neuron", "model": "ringtest",
                   "compartments": res["compartments"], "steps": res["steps"],
                   "build_s": res["build_s"],
                   "startup_s": res["build_s"] + res.get("transfer_s", 0.0),
                   "peak_rss_mb": peak_rss_mb(), "threads": args.threads,
                   "nspikes": len(res["spikes"])}
        summary.update((k, res[k]) for k in ("run_s", "psolve_s", "transfer_s", "run_s_is_psolve")
                       if k in res)
    elif args.model == "hh_soma":
        if args.integrator == "cvode":
            positive_float(sp, "--atol", args.atol)
            positive_float(sp, "--rtol", args.rtol)
        res = run_hh_soma(amp=args.amp, dt=args.dt, tstop=args.tstop,
                          integrator=args.integrator, secondorder=args.secondorder,
                          atol=args.atol, rtol=args.rtol, hh_table=bool(args.hh_table))
        if args.out:
            write_csv(args.out, ("t", "v"), (res["t"], res["v"]))
        summary = {"engine": "neuron", "model": "hh_soma", "compartments": 1,
                   "steps": res["steps"], "build_s": res["build_s"],
                   "run_s": res["run_s"], "peak_rss_mb": peak_rss_mb(),
                   "threads": 1, "nspikes": len(res["spikes"]),
                   "spikes": res["spikes"]}
    else:
        positive_int(sp, "--nseg", args.nseg)
        res = run_cable(nseg=args.nseg, dt=args.dt, tstop=args.tstop, method=args.method)
        if args.out:
            write_csv(args.out, ("t", "v0", "vmid", "vend"),
                      (res["t"], res["v0"], res["vmid"], res["vend"]))
        summary = {"engine": "neuron", "model": "cable",
                   "compartments": res["compartments"], "steps": res["steps"],
                   "build_s": res["build_s"], "run_s": res["run_s"],
                   "peak_rss_mb": peak_rss_mb(), "threads": 1, "nspikes": 0,
                   "v0_end": float(res["v0"][-1]), "vend_end": float(res["vend"][-1])}
    sys.stdout.flush()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
