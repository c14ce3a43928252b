"""Parameter search on hh_soma: evaluations per second of Myriad's batched
instances against NEURON running the same parameter sets one after another.

    python -m benchmarks.search_bench [--tstop 100] [--evaluations 600]
        [--sizes 1 64 1024] [--threads 1 N] [--rounds 3] [--seed 7]
        [--round-budget 10] [--quick]

Fitting a model means simulating it for thousands of parameter sets, so what
counts is evaluations per second, where one evaluation is one parameter set
(``gnabar``, ``gkbar``, ``gl`` of the HH channel, drawn uniformly with a fixed
seed) given to the model, simulated (``--tstop`` ms, dt 0.025, backward Euler)
and its soma voltage trace returned as a numpy array.

* NEURON: ``hh_soma`` built as ``benchmarks/peers/neuron_models.py`` builds it,
  ``usetable_hh = 0`` (the same equations as Myriad's ``HH``), fixed step
  (backward Euler); per set: assign the three conductances,
  ``finitialize(-65)``, ``continuerun(tstop)``, copy the recorded ``Vector``:
  the loop a user of ``stdrun.hoc`` writes (engine ``neuron``, the reference
  of the ratios).  ``continuerun`` steps from hoc, one interpreted ``step()``
  per dt, which on this one-compartment model costs more than the step
  itself; so the same model is also run with ``ParallelContext.psolve``,
  NEURON's time loop in C (engine ``neuron-psolve``, as
  ``benchmarks.ringtest_bench`` times NEURON), and the ratios to it are
  reported too.
* Myriad: ``myriad.batch.Batch(model, K, method="backward_euler", dt=0.025,
  threads=T)`` for each batch size K (``--sizes``) and thread count T
  (``--threads``, default 1 and ``os.cpu_count()``); per run: ``batch.set``
  of the K sets' three columns, ``batch.run``, the (K, samples) traces.  K = 1
  is the same loop as NEURON's.  Building the batch, compiling it and a first
  run (allocation) happen before timing and are reported on their own: they
  are paid once per search, not per evaluation.

Everything runs in this one process, in ``--rounds`` rounds; in each round
every configuration evaluates its next share of the sets, in an order rotated
from round to round, so that a noisy machine slows all of them alike and the
ratios to NEURON stay meaningful.  Batched configurations evaluate whole
batches, so their counts are rounded up to multiples of K.  No configuration
spends more than ``--round-budget`` seconds in a round (see :func:`measure`).

As a check that the engines computed the same thing, the spike counts (upward
crossings of 10 mV in the trace) of every Myriad configuration are compared
with NEURON's for the parameter sets both evaluated.  Both integrate the same
equations by backward Euler, but not to the last bit, so a set on the edge of
one more spike may count differently.

Threads meet at a barrier every step, so on a machine whose cores are also
busy with other work a configuration with as many threads as cores waits for
a descheduled thread at every step: K = 1 on all cores then collapses; only
large K have work enough per step to gain from threads.

Prints a table (engine, K, threads, evaluations, seconds, evaluations/s,
ratios to both NEURON loops; build, compile and warm-up seconds), the
agreement, and as the last line one JSON object with all of it.  A configuration that fails is reported
as failed with its error; the others are reported regardless.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time

import numpy as np

from applications import hh_soma
from applications.neuro import HH
from benchmarks.peers import neuron_session
from benchmarks.ringtest_bench import _fmt
from myriad import MechRef
from myriad.batch import Batch

FULL = {"tstop": 100.0, "evaluations": 600, "sizes": [1, 64, 1024], "rounds": 3}
QUICK = {"tstop": 40.0, "evaluations": 8, "sizes": [1, 4, 16], "rounds": 1}
DT = 0.025
THRESHOLD = 10.0  # mV, upward crossings counted as spikes
RANGES = {"gnabar": (0.06, 0.2), "gkbar": (0.02, 0.06), "gl": (1e-4, 6e-4)}  # S/cm2
HH_REF = MechRef(HH, 0)
#: NEURON's engine names and the time loop each runs (NeuronSoma's methods)
NEURON_LOOPS = (("neuron", "continuerun"), ("neuron-psolve", "psolve"))
RATIO = {"neuron": "ratio_to_neuron", "neuron-psolve": "ratio_to_neuron_psolve"}


def parameter_sets(n, seed):
    rng = np.random.default_rng(seed)
    return {name: rng.uniform(lo, hi, n) for name, (lo, hi) in RANGES.items()}


def spike_counts(traces):
    v = np.asarray(traces)
    return np.count_nonzero((v[:, :-1] < THRESHOLD) & (v[:, 1:] >= THRESHOLD), axis=1)


class NeuronSoma:
    """hh_soma in NEURON with the conventions of ``neuron_models.run_hh_soma``,
    kept alive between parameter sets as a fitting loop keeps it."""

    def __init__(self, tstop):
        self.tstop = tstop
        start = time.perf_counter()
        h = self.h = neuron_session.neuron_h()
        neuron_session.clean_slate(h)   # leftover sections would be simulated too
        h.celsius = 6.3
        h.usetable_hh = 0
        h.dt = DT
        soma = self.soma = h.Section(name="soma")
        soma.L = soma.diam = 20.0
        soma.nseg = 1
        soma.cm = 1.0
        soma.Ra = 100.0
        soma.insert("hh")
        self.hh = soma(0.5).hh
        self.hh.el = -54.3
        soma.ena = 50.0
        soma.ek = -77.0
        self.stim = h.IClamp(soma(0.5))
        self.stim.delay, self.stim.dur, self.stim.amp = 5.0, 50.0, 0.1
        self.v = h.Vector()
        self.v.record(soma(0.5)._ref_v)
        self.pc = h.ParallelContext()
        self.pc.set_maxstep(10)     # psolve refuses a model without NetCons otherwise
        self.build_s = time.perf_counter() - start
        self.compile_s = self.warmup_s = None

    def continuerun(self):
        self.h.continuerun(self.tstop)

    def psolve(self):
        self.pc.psolve(self.tstop)

    def evaluate(self, params, first, advance):
        self.hh.gnabar = params["gnabar"][first]
        self.hh.gkbar = params["gkbar"][first]
        self.hh.gl = params["gl"][first]
        self.h.finitialize(-65.0)
        advance()
        return self.v.as_numpy().copy()[np.newaxis]

    def close(self):
        self.hh = self.stim = self.v = self.soma = None
        neuron_session.reset_globals(self.h)


class MyriadBatch:
    def __init__(self, size, threads, tstop):
        self.size, self.tstop = size, tstop
        net, soma, _ = hh_soma.build(amp=0.1)
        start = time.perf_counter()
        self.batch = Batch(net.model, size, method="backward_euler", dt=DT, threads=threads)
        self.label = self.batch.record(soma(0.5).node(), "v")
        self.build_s = time.perf_counter() - start
        self.compile_s = self.batch.simulation.compile().compile_s
        start = time.perf_counter()
        self.batch.run(tstop)
        self.warmup_s = time.perf_counter() - start

    def evaluate(self, params, first):
        for name, values in params.items():
            self.batch.set(HH_REF, name, values[first:first + self.size])
        return self.batch.run(self.tstop)[self.label]

    def close(self):
        self.batch = None


def _key(row):
    return "%s_K%d_t%d" % (row["engine"], row["K"], row["threads"])


def _row(engine, size, threads):
    return {"engine": engine, "K": size, "threads": threads, "evaluations": 0, "seconds": 0.0,
            "evals_per_s": None, "ratio_to_neuron": None, "ratio_to_neuron_psolve": None,
            "build_s": None, "compile_s": None, "warmup_s": None, "cut_rounds": 0,
            "status": "ok"}


def _fail(row, exc):
    row["status"] = "failed"
    row["error"] = "%s: %s" % (type(exc).__name__, exc)


def measure(tstop, evaluations, sizes, threads, rounds, seed, budget_s):
    """Set every configuration up, then time them round by round; returns the
    rows and each configuration's spike counts (in parameter-set order).

    A configuration stops its round early once it has spent ``budget_s`` in
    it (``cut_rounds``), so that one that collapses under a busy machine
    cannot hold the benchmark for minutes; it goes on from the next set in
    the next round, keeping its sets contiguous for the agreement."""
    per_round = -(-evaluations // rounds)
    chunks = {size: -(-per_round // size) * size for size in set(sizes) | {1}}
    params = parameter_sets(rounds * max(chunks.values()), seed)

    neuron = functools.lru_cache()(lambda: NeuronSoma(tstop))   # one model for both loops

    def neuron_loop(loop):
        model = neuron()
        return model, functools.partial(model.evaluate, advance=getattr(model, loop))

    def myriad(size, t):
        model = MyriadBatch(size, t, tstop)
        return model, model.evaluate

    plans = [(engine, 1, 1, functools.partial(neuron_loop, loop)) for engine, loop in NEURON_LOOPS]
    plans += [("myriad", size, t, functools.partial(myriad, size, t))
              for t in threads for size in sizes]
    rows, timed, models, counts = [], [], {}, {}
    for engine, size, t, make in plans:
        row = _row(engine, size, t)
        rows.append(row)
        try:
            model, evaluate = make()
        except Exception as exc:    # reported as a failed row; the others still run
            _fail(row, exc)
            continue
        row.update(build_s=model.build_s, compile_s=model.compile_s, warmup_s=model.warmup_s)
        models[id(model)] = model
        timed.append((row, evaluate, size, chunks[size]))
        counts[_key(row)] = []

    for r in range(rounds):
        turn = r % len(timed) if timed else 0
        for row, evaluate, size, chunk in timed[turn:] + timed[:turn]:
            if row["status"] != "ok":
                continue
            spent = done = 0
            try:
                while done < chunk and spent < budget_s:
                    start = time.perf_counter()
                    traces = evaluate(params, row["evaluations"])
                    spent += time.perf_counter() - start
                    row["evaluations"] += size
                    done += size
                    counts[_key(row)].append(spike_counts(traces))
            except Exception as exc:
                _fail(row, exc)
            row["seconds"] += spent
            row["cut_rounds"] += done < chunk and row["status"] == "ok"
    for model in models.values():
        model.close()

    for row in rows:
        if row["status"] == "ok":
            row["evals_per_s"] = row["evaluations"] / row["seconds"]
    for engine, _ in NEURON_LOOPS:
        base = next(r["evals_per_s"] for r in rows if r["engine"] == engine)
        for row in rows:
            if base and row["evals_per_s"]:
                row[RATIO[engine]] = row["evals_per_s"] / base
    return rows, {key: np.concatenate(c) for key, c in counts.items() if c}


def agreement(rows, counts):
    """Fraction of the sets both evaluated on which each other configuration
    counts as many spikes as NEURON (continuerun)."""
    reference = counts.get("neuron_K1_t1")
    out = {}
    if reference is None:
        return out
    for row in rows[1:]:
        mine = counts.get(_key(row))
        if mine is None:
            continue
        n = min(len(mine), len(reference))
        same = int(np.count_nonzero(mine[:n] == reference[:n]))
        out[_key(row)] = {"compared": n, "agreeing": same, "fraction": same / n,
                          "neuron_spikes": int(reference[:n].sum()), "spikes": int(mine[:n].sum())}
    return out


def print_table(rows):
    hdr = "%-13s %5s %7s %11s %8s %9s %9s %9s %8s %9s %9s  %s" % (
        "engine", "K", "threads", "evaluations", "seconds", "evals/s", "vs NEURON", "vs psolve",
        "build_s", "compile_s", "warmup_s", "status")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print("%-13s %5d %7d %11d %8.2f %9s %9s %9s %8s %9s %9s  %s" % (
            r["engine"], r["K"], r["threads"], r["evaluations"], r["seconds"],
            _fmt(r["evals_per_s"], ".1f"), _fmt(r["ratio_to_neuron"], ".2f"),
            _fmt(r["ratio_to_neuron_psolve"], ".2f"),
            _fmt(r["build_s"], ".3f"), _fmt(r["compile_s"], ".3f"), _fmt(r["warmup_s"], ".3f"),
            r["status"] + (" (%d rounds cut short)" % r["cut_rounds"] if r["cut_rounds"] else "")))
    for r in rows:
        if r["status"] != "ok":
            print("\n%s K=%d threads=%d FAILED: %s" % (r["engine"], r["K"], r["threads"], r["error"]))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.search_bench",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--tstop", type=float, default=None, help="simulated ms per evaluation (100)")
    ap.add_argument("--evaluations", type=int, default=None,
                    help="parameter sets NEURON and Myriad K = 1 evaluate (600)")
    ap.add_argument("--sizes", type=int, nargs="+", default=None,
                    help="Myriad batch sizes K (default: 1 64 1024)")
    ap.add_argument("--threads", type=int, nargs="+", default=None,
                    help="Myriad thread counts (default: 1 and os.cpu_count())")
    ap.add_argument("--rounds", type=int, default=None,
                    help="interleaved rounds the evaluations are split into (3)")
    ap.add_argument("--seed", type=int, default=7, help="seed of the parameter sets")
    ap.add_argument("--round-budget", type=float, default=10.0,
                    help="seconds a configuration may spend in one round (10)")
    ap.add_argument("--quick", action="store_true",
                    help="tstop 40, 8 evaluations, K 1 4 16, 1 round: a smoke run")
    args = ap.parse_args(argv)

    base = QUICK if args.quick else FULL
    tstop = args.tstop if args.tstop is not None else base["tstop"]
    evaluations = args.evaluations if args.evaluations is not None else base["evaluations"]
    sizes = args.sizes or base["sizes"]
    rounds = args.rounds if args.rounds is not None else base["rounds"]
    threads = sorted(set(args.threads or [1, os.cpu_count() or 1]))
    if not (tstop > 0 and args.round_budget > 0):
        ap.error("--tstop and --round-budget must be positive")
    if evaluations < 1 or rounds < 1 or min(sizes) < 1 or min(threads) < 1:
        ap.error("--evaluations, --rounds, --sizes and --threads must be positive integers")
    if rounds > evaluations:
        ap.error("--rounds must not exceed --evaluations")

    start = time.perf_counter()
    rows, counts = measure(tstop, evaluations, sizes, threads, rounds, args.seed, args.round_budget)
    agree = agreement(rows, counts)
    wall_s = time.perf_counter() - start

    print("\nhh_soma parameter search: tstop=%g dt=%g backward Euler, %d rounds, wall %.1f s"
          % (tstop, DT, rounds, wall_s))
    print_table(rows)
    print("\nSpike counts (upward %g mV crossings) equal to NEURON's (continuerun):" % THRESHOLD)
    for key, a in agree.items():
        print("  %-24s %d/%d (%.1f%%); spikes NEURON %d, this %d" % (
            key, a["agreeing"], a["compared"], 100.0 * a["fraction"], a["neuron_spikes"],
            a["spikes"]))
    result = {
        "benchmark": "search",
        "params": {"model": "hh_soma", "tstop": tstop, "dt": DT, "method": "backward_euler",
                   "evaluations": evaluations, "sizes": sizes, "threads": threads,
                   "rounds": rounds, "round_budget_s": args.round_budget, "seed": args.seed,
                   "ranges": {name: list(bounds) for name, bounds in RANGES.items()}},
        "runs": rows,
        "ratios_to_neuron": {_key(r): r["ratio_to_neuron"] for r in rows
                             if r["engine"] == "myriad" and r["ratio_to_neuron"]},
        "ratios_to_neuron_psolve": {_key(r): r["ratio_to_neuron_psolve"] for r in rows
                                    if r["engine"] == "myriad" and r["ratio_to_neuron_psolve"]},
        "agreement": agree,
        "min_agreement": min((a["fraction"] for a in agree.values()), default=None),
        "wall_s": wall_s,
    }
    sys.stdout.flush()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
