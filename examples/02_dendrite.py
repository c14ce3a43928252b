"""Step 2: a cell with a dendrite.

A Hodgkin-Huxley soma with a passive dendrite of 21 segments.  A current
step into the soma makes it fire; the action potentials spread into the
dendrite passively, smaller and later the farther they go.  Locations are
NEURON's: ``dend(0.5)`` is the middle of the dendrite.
"""
from common import options, plt, save

from applications.neuro import HH, IClamp, Network, Pas


def main():
    args = options(__doc__)
    tstop = 40.0 if args.quick else 100.0
    net = Network()
    soma = net.section("soma", L=20, diam=20)                                   # um
    dend = net.section("dend", L=500, diam=2, nseg=21, Ra=100).connect(soma(1))  # um, um, -, ohm cm
    soma.insert(HH)
    dend.insert(Pas, g=1e-4, e=-65.0)                                            # S/cm2, mV
    soma(0.5).place(IClamp, delay=5.0, dur=tstop, amp=0.2)                      # ms, ms, nA

    # The nodes to record, taken before the simulation is made: a section's end
    # (x = 0 or 1) is a node of its own, added to the model when first asked for.
    nodes = {"soma": soma(0.5).node(), "dend(0.25)": dend(0.25).node(), "dend(0.5)": dend(0.5).node(),
             "dend(1)": dend(1.0).node()}
    sim = net.simulation(method="backward_euler", dt=0.025)
    labels = {name: sim.record(node, "v", label=name) for name, node in nodes.items()}
    result = sim.run(tstop)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for (name, label), shade in zip(labels.items(), ["black", "C0", "C1", "C2"]):
        ax.plot(result.time(label), result[label], color=shade, lw=1.0, label=name)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("membrane potential (mV)")
    ax.set_title("0.2 nA into the soma: spikes spread passively into a 500 um dendrite")
    ax.legend(title="location", loc="upper right")
    save(fig, args)


if __name__ == "__main__":
    main()
