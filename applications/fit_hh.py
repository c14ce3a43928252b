"""Recover hh_soma's gnabar, gkbar and gl from a voltage trace made with hidden values.

    python -m applications.fit_hh [--budget 3000] [--seed 1] [--strategy cmaes]
        [--scheduler tcp://HOST:8786] [--table FILE.csv|.parquet] [--plot FILE.png] [--compile-only]

The target is the soma's voltage (100 ms, dt 0.025, backward Euler) with
hidden conductances; the objective is the RMS difference between a
candidate's trace and the target.  The search runs on a log scale over about
a decade around each of NEURON's defaults.  Prints the recovered values and
their errors, and as its last line a JSON object with ``true``,
``recovered``, ``relative_error``, ``max_rel_error``, ``evaluations``,
``best_objective`` and ``wall_s``.  ``--compile-only`` instead builds and
compiles the batched model the search would run (openmp, --batch parameter
sets) and prints the JSON line the model CLIs' --compile-only print
(``compile_s``, ``build_s``, ``backend``, ``compartments``, ...).
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
import time

from myriad import Simulation, app_cli, search
from myriad.batch import Batch
from myriad.search.driver import MAX_BATCH
from myriad.search.strategies import STRATEGIES

from applications import hh_soma
from applications.neuro.features import trace_rmse

#: the hidden conductances (S/cm2) the target trace is made with
HIDDEN = {"soma.hh.gnabar": 0.1035, "soma.hh.gkbar": 0.0412, "soma.hh.gl": 0.000412}
BOUNDS = {"soma.hh.gnabar": (0.03, 0.4), "soma.hh.gkbar": (0.01, 0.12), "soma.hh.gl": (5e-5, 3e-3)}
TSTOP, DT = 100.0, 0.025


def build() -> search.Setup:
    """hh_soma (one HH compartment, IClamp 0.1 nA 5-55 ms), its voltage recorded as ``v``."""
    net, soma, _ = hh_soma.build()
    return search.Setup(net.model, net.locate, record={"v": (soma(0.5).node(), "v")})


def target_trace(values: dict[str, float]):
    """The soma's voltage with conductances ``values`` (by path), run alone."""
    setup = build()
    sim = Simulation(setup.model, dt=DT)
    sim.record(*setup.record["v"], label="v")
    for path, value in values.items():
        refs, name = setup.locate(path)
        for ref in refs:
            sim.set(ref, name, value)
    return sim.run(TSTOP)["v"]


@functools.cache
def _target():
    return target_trace(HIDDEN)


def objective(result) -> float:
    """RMS difference (mV) from the target trace (made once per process: workers make their own)."""
    return trace_rmse(result, "v", _target())


def problem(backend: str = "openmp") -> search.Problem:
    return search.Problem(build=build, objective=objective, tstop=TSTOP, dt=DT, backend=backend,
                          parameters=[search.Parameter(path, *BOUNDS[path], log=True) for path in HIDDEN])


def compile_only(batch: int, backend: str) -> str:
    """Build and compile the batched simulation the search runs; its --compile-only JSON line."""
    prob, compartments = problem(backend), hh_soma.build()[0].compartments
    sim = Batch(prob.build().model, batch, method=prob.method, dt=prob.dt, backend=backend).simulation
    return app_cli.compiled_summary(sim.compile(), compartments=compartments * batch, batch=batch)


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The description as written, and each option's default after its help."""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m applications.fit_hh", description=__doc__,
                                formatter_class=_Formatter)
    p.add_argument("--budget", type=app_cli.positive_int, default=3000, help="evaluations at most")
    p.add_argument("--seed", type=app_cli.non_negative_int, default=1, help="the strategy's seed")
    p.add_argument("--strategy", choices=list(STRATEGIES), default="cmaes", help="search strategy")
    p.add_argument("--batch", type=app_cli.int_range(1, MAX_BATCH), default=256,
                   help="parameter sets per batched simulation")
    p.add_argument("--scheduler", help="a Dask scheduler's address; default: this process, all cores")
    p.add_argument("--table", type=app_cli.table_file,
                   help="write every evaluation here (.csv or .parquet)")
    p.add_argument("--plot", type=app_cli.plot_file,
                   help="plot the objective against evaluation here (.png, .pdf, .svg)")
    p.add_argument("--backend", choices=["openmp", "numba", "cuda"], default="openmp",
                   help="what runs each batch (cuda: the GPU, one kernel a batch)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (drawn only when stderr is a terminal)")
    p.add_argument("--compile-only", action="store_true",
                   help="build and compile the batched model the search runs, print the JSON line "
                        "with compile_s, and exit without searching")
    args = p.parse_args(argv)
    try:
        if args.compile_only:
            print(compile_only(args.batch, args.backend))
            return 0
        start = time.perf_counter()
        outcome = search.run(problem(args.backend), args.strategy, args.budget, seed=args.seed, executor=args.scheduler,
                             batch=args.batch, progress=False if args.no_progress else None)
        wall = time.perf_counter() - start
        if args.table:
            outcome.save(args.table)
        if args.plot:
            outcome.plot(args.plot)
    except Exception as exc:
        if not app_cli.error_line(exc, "fit_hh"):
            raise
        return 2
    errors = {path: abs(outcome.best[path] - HIDDEN[path]) / HIDDEN[path] for path in HIDDEN}
    for path in HIDDEN:
        print(f"{path:16s} true {HIDDEN[path]:.6g}  recovered {outcome.best[path]:.6g}  "
              f"error {100 * errors[path]:.3f}%")
    print(f"{outcome.evaluations} evaluations ({outcome.strategy}, seed {args.seed}) in {wall:.1f} s; "
          f"best RMS difference {outcome.best_objective:.4g} mV")
    short = {path: path.rsplit(".", 1)[1] for path in HIDDEN}
    print(json.dumps({"true": {short[p]: HIDDEN[p] for p in HIDDEN},
                      "recovered": {short[p]: outcome.best[p] for p in HIDDEN},
                      "relative_error": {short[p]: errors[p] for p in HIDDEN},
                      "max_rel_error": max(errors.values()), "evaluations": outcome.evaluations,
                      "best_objective": outcome.best_objective, "strategy": outcome.strategy,
                      "seed": args.seed, "wall_s": wall}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
