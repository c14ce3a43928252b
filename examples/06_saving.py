"""Step 6: saving results and continuing runs.

* ``Result.save(path)`` writes a run's traces and spikes to one .npz file
  (atomically: a reader sees the old file or the new one); ``Result.load``
  reads it back in any process, checking every array.
* ``Simulation.save_state(path)`` after a run writes the whole state
  (states, queued events, the step reached); another simulation of the same
  model, in any process, ``load_state``s it and ``run``s on from that time,
  computing bit for bit what the run that never stopped computed.

Here a soma under Poisson input is run for the whole time and saved; a second
simulation runs the first half and checkpoints; a third, as if in another
process, continues from the checkpoint.  The figure is drawn from the saved file.
"""
import numpy as np

from common import options, plt, save

from applications.neuro import HH, ExpSyn, Network
from myriad.result import Result


def build():
    """An HH soma driven by a Poisson train (400 Hz, seed 6); its node and synapse."""
    net = Network()
    soma = net.section("soma", L=20, diam=20)                  # um
    soma.insert(HH)
    syn = soma(0.5).place(ExpSyn, tau=2.0)                     # ms
    net.spike_source(soma(0.5), gid=0)
    net.connect(net.poisson_source(400.0, 0.0, 1000.0, seed=6), syn, delay=0.0, weight=0.0008)   # Hz, ms, uS
    return net, soma(0.5).node()


def simulation():
    net, node = build()
    sim = net.simulation(method="backward_euler", dt=0.025)
    sim.record(node, "v", label="v")
    return sim


def main():
    args = options(__doc__)
    args.out.mkdir(parents=True, exist_ok=True)
    tstop = 100.0 if args.quick else 400.0
    whole, half = tstop, tstop / 2

    simulation().run(whole).save(args.out / "06_whole.npz")

    first = simulation()
    first.run(half)
    first.save_state(args.out / "06_half.state.npz")
    later = simulation()                                       # a fresh simulation of the same model
    later.load_state(args.out / "06_half.state.npz")
    continued = later.run(whole)                               # from `half` to `whole`

    saved = Result.load(args.out / "06_whole.npz")
    t_saved, t_cont = saved.time("v"), continued.time("v")
    same = np.array_equal(saved["v"][np.isin(t_saved, t_cont)], continued["v"])
    print(f"saved {len(saved['v'])} samples and {len(saved.spikes)} spikes; "
          f"the continued run matches the saved one bit for bit: {same}")
    if not same:
        raise SystemExit("the continued run differs from the saved one")

    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.plot(t_saved, saved["v"], color="0.55", lw=2.5, label="whole run, loaded from 06_whole.npz")
    ax.plot(t_cont, continued["v"], color="C3", lw=0.9, label="continued from the checkpoint")
    ax.axvline(half, color="black", lw=0.8, ls=":")
    ax.annotate("checkpoint", (half, 1.02), xycoords=("data", "axes fraction"), ha="center")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("membrane potential (mV)")
    ax.set_ylim(-85, 75)
    ax.legend(loc="upper left", fontsize=9)
    save(fig, args)


if __name__ == "__main__":
    main()
