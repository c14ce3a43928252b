"""Step 4: a network.

One ball-and-stick cell is built once as a template -- a Hodgkin-Huxley
soma, a passive dendrite, an ExpSyn on the dendrite and a spike source
announcing gid 0 -- and ``add_cells`` copies it once per gid at the cost of
a few array copies.  Cell i excites cell i+1 (connections name the source by
gid, as NEURON's ParallelContext does), so one stimulus to cell 0 sends a
wave of spikes around the ring, again and again.
"""
from common import options, plt, save

from applications.neuro import HH, ExpSyn, Network, Pas


def ball_and_stick():
    """The template: one cell announcing gid 0, and its synapse."""
    cell = Network()
    soma = cell.section("soma", L=12.6, diam=12.6)                              # um
    dend = cell.section("dend", L=200, diam=1, nseg=5, Ra=100).connect(soma(1))  # um, um, -, ohm cm
    soma.insert(HH)
    dend.insert(Pas, g=0.001, e=-65.0)                                          # S/cm2, mV
    syn = dend(0.8).place(ExpSyn, tau=2.0, e=0.0)                              # ms, mV
    cell.spike_source(soma(0.5), gid=0)                                         # threshold 10 mV
    return cell, soma, syn


def main():
    args = options(__doc__)
    ncell, tstop = (8, 100.0) if args.quick else (40, 300.0)
    template, soma, syn = ball_and_stick()
    net = Network()
    cells = net.add_cells(template, gids=range(ncell))      # cell k announces gid k
    for gid in range(ncell):
        net.connect(gid, cells.ref(syn, (gid + 1) % ncell), delay=1.0, weight=0.01)   # ms, uS
    net.connect(net.stimulus([1.0]), cells.ref(syn, 0), delay=0.0, weight=0.01)

    somas = cells.refs(soma(0.5).node())                    # the soma node of every cell
    sim = net.simulation(method="backward_euler", dt=0.025, threads=1)
    shown = [0, 1, ncell // 2]
    labels = dict(zip(shown, sim.record(somas[shown], "v", label="v")))   # many at once: one label each
    result = sim.run(tstop)
    print(f"{net.compartments} compartments, {len(result.spikes)} spikes in {result.run_s:.2f} s")

    fig, (ax_raster, ax_v) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True, height_ratios=[1.4, 1])
    ax_raster.plot(result.spike_times, result.spike_gids, "|", color="black", markersize=8, markeredgewidth=1.5)
    ax_raster.set_ylabel("gid")
    ax_raster.set_ylim(-0.5, ncell - 0.5)
    ax_raster.yaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax_raster.set_title(f"A ring of {ncell} ball-and-stick cells, started by one event to cell 0 at 1 ms")
    for k, label in labels.items():
        ax_v.plot(result.time(label), result[label], lw=0.9, label=f"cell {k}")
    ax_v.set_ylim(-85, 80)                                   # room for the legend above the spikes
    ax_v.set_ylabel("soma potential (mV)")
    ax_v.set_xlabel("time (ms)")
    ax_v.legend(loc="upper right", ncols=len(shown))
    save(fig, args)


if __name__ == "__main__":
    main()
