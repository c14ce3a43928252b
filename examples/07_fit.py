"""Step 7: fitting parameters with ``myriad.search``.

The cell of step 2 (an HH soma with a passive dendrite) is given hidden
values of two parameters, the soma's potassium conductance and the
dendrite's leak, and the search recovers them from the soma's voltage trace
alone.  Parameters are named by path (``"soma.hh.gkbar"``: ``gkbar`` of the
``HH`` inserted in section ``soma``); the objective is the RMS difference
from the target trace; CMA-ES runs each generation of parameter sets as one
batched simulation, compiled once.
"""
import numpy as np

from common import options, plt, save

from myriad import Simulation, search
from applications.neuro import HH, IClamp, Network, Pas
from applications.neuro.features import trace_rmse

HIDDEN = {"soma.hh.gkbar": 0.045, "dend.pas.g": 3e-4}            # S/cm2
BOUNDS = {"soma.hh.gkbar": (0.01, 0.1), "dend.pas.g": (3e-5, 3e-3)}
TSTOP, DT = 60.0, 0.025                                           # ms


def build() -> search.Setup:
    """The model, how parameter paths find their instances, and what to record."""
    net = Network()
    soma = net.section("soma", L=20, diam=20)
    dend = net.section("dend", L=500, diam=2, nseg=21, Ra=100).connect(soma(1))
    soma.insert(HH)
    dend.insert(Pas, e=-65.0)
    soma(0.5).place(IClamp, delay=5.0, dur=50.0, amp=0.3)          # ms, ms, nA
    return search.Setup(net.model, net.locate, record={"v": (soma(0.5).node(), "v")})


def trace(values: dict[str, float]) -> np.ndarray:
    """The soma's voltage (mV) with the parameters ``values`` (by path), run alone."""
    setup = build()
    sim = Simulation(setup.model, dt=DT)
    sim.record(*setup.record["v"], label="v")
    for path, value in values.items():
        refs, name = setup.locate(path)
        for ref in refs:
            sim.set(ref, name, value)
    return sim.run(TSTOP)["v"]


def main():
    args = options(__doc__)
    budget = 128 if args.quick else 1200
    target = trace(HIDDEN)
    problem = search.Problem(build=build, objective=lambda result: trace_rmse(result, "v", target),
                             tstop=TSTOP, dt=DT,
                             parameters=[search.Parameter(path, *BOUNDS[path], log=True) for path in HIDDEN])
    outcome = search.run(problem, "cmaes", budget=budget, seed=1, popsize=16)
    for path in HIDDEN:
        print(f"{path:14s} hidden {HIDDEN[path]:.4g}  found {outcome.best[path]:.4g}")
    print(f"{outcome.evaluations} evaluations; best RMS difference {outcome.best_objective:.3g} mV")

    t = np.arange(len(target)) * DT
    fig, (ax_v, ax_obj) = plt.subplots(2, 1, figsize=(8, 7), height_ratios=[1.3, 1])
    ax_v.plot(t, target, color="0.6", lw=3, label="target (hidden values)")
    ax_v.plot(t, trace(outcome.best), color="C3", lw=1, label="best found")
    ax_v.set_xlabel("time (ms)")
    ax_v.set_ylabel("soma potential (mV)")
    found = ", ".join(f"{p} = {outcome.best[p]:.3g}" for p in HIDDEN)
    hidden = ", ".join(f"{p} = {HIDDEN[p]:.3g}" for p in HIDDEN)
    ax_v.set_title(f"hidden: {hidden} S/cm2\nfound: {found} S/cm2", fontsize=10)
    ax_v.legend(loc="upper right", fontsize=9)
    table = outcome.table
    ax_obj.semilogy(table["evaluation"], table["objective"], ".", ms=3, alpha=0.5, label="evaluation")
    ax_obj.semilogy(table["evaluation"], np.fmin.accumulate(table["objective"]), color="C3", label="best so far")
    ax_obj.set_xlabel("evaluation")
    ax_obj.set_ylabel("RMS difference (mV)")
    ax_obj.legend(loc="upper right", fontsize=9)
    fig.tight_layout()
    save(fig, args)


if __name__ == "__main__":
    main()
