"""Step 5: stimuli -- current clamps, fixed events and Poisson background.

A population of Hodgkin-Huxley somas, each with an excitatory ExpSyn, gets
three kinds of input:

* background: an independent Poisson train per cell (``poisson_source``),
  drawn when the model is built from numpy's seeded Generator, so every
  thread count and backend sees the same events, and the same seed gives the
  same trains in any process; ``poisson_times`` returns a train without a
  model (here, to draw the inputs);
* a volley: one fixed event to every cell at the same time (``stimulus``);
* a current step into the upper half of the population (``place`` an
  IClamp at many locations at once).
"""
import numpy as np

from common import options, plt, save

from applications.neuro import HH, ExpSyn, IClamp, Network, poisson_times

RATE_HZ, SEED, WEIGHT = 150.0, 2024, 0.0008        # Hz per cell, the trains' seed, uS per event
VOLLEY, STEP = 100.0, (150.0, 100.0, 0.04)         # ms; IClamp delay (ms), dur (ms), amp (nA)


def soma_with_synapse():
    """The template: one HH soma announcing gid 0, and its synapse."""
    cell = Network()
    soma = cell.section("soma", L=20, diam=20)      # um
    soma.insert(HH)
    syn = soma(0.5).place(ExpSyn, tau=2.0, e=0.0)  # ms, mV
    cell.spike_source(soma(0.5), gid=0)
    return cell, soma, syn


def main():
    args = options(__doc__)
    ncell, tstop = (20, 300.0) if args.quick else (100, 300.0)
    template, soma, syn = soma_with_synapse()
    net = Network()
    cells = net.add_cells(template, gids=range(ncell))
    synapses = cells.refs(syn)
    for gid in range(ncell):                       # one independent train per cell: seed (SEED, gid)
        train = net.poisson_source(RATE_HZ, 0.0, tstop, seed=(SEED, gid))
        net.connect(train, synapses[gid], delay=0.0, weight=WEIGHT)
    volley = net.stimulus([VOLLEY])
    for target in synapses:
        net.connect(volley, target, delay=0.0, weight=10 * WEIGHT)
    somas = cells.refs(soma(0.5).node())
    delay, dur, amp = STEP
    net.place(IClamp, somas[ncell // 2:], delay=delay, dur=dur, amp=amp)

    sim = net.simulation(method="backward_euler", dt=0.025)
    v = sim.record(somas[0], "v", label="v")
    result = sim.run(tstop)
    print(f"{len(result.spikes)} spikes from {ncell} cells")

    fig, (ax_in, ax_out, ax_v) = plt.subplots(3, 1, figsize=(8, 8), sharex=True, height_ratios=[1, 1.4, 1])
    shown = min(ncell, 5)
    for gid in range(shown):                       # the same trains, drawn again without a model
        times = poisson_times(RATE_HZ, 0.0, tstop, seed=(SEED, gid))
        ax_in.plot(times, np.full(len(times), gid), "|", color="C0", markersize=5)
    ax_in.set_ylabel("input train\nof gid")
    ax_in.set_title(f"Poisson background {RATE_HZ:g} Hz per cell, a volley at {VOLLEY:g} ms, "
                    f"{amp:g} nA to gids >= {ncell // 2} from {delay:g} to {delay + dur:g} ms", fontsize=10)
    ax_out.plot(result.spike_times, result.spike_gids, "|", color="black", markersize=4)
    ax_out.axhline(ncell // 2 - 0.5, color="C3", lw=0.8, ls="--")
    ax_out.axvspan(delay, delay + dur, color="C3", alpha=0.08, lw=0)
    ax_out.set_ylabel("spikes of gid")
    ax_v.plot(result.time(v), result[v], color="black", lw=0.7)
    ax_v.set_ylabel("gid 0 soma (mV)")
    ax_v.set_xlabel("time (ms)")
    save(fig, args)


if __name__ == "__main__":
    main()
