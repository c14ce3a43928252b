"""Step 3: recording and plotting.

What a run gives back is a ``Result``: the traces you asked for, each with
its own time axis (``result.time(label)``), and the spikes of every spike
source as (time, gid).  Here a soma receives synaptic events through an
ExpSyn: one alone stays below threshold, three close together make a spike.
We record the voltage every step, the Hodgkin-Huxley gates every 4th step
(0.1 ms), the synapse's conductance, and the spikes, and draw them in panels
by unit.
"""
from common import options, plt, save

from applications.neuro import HH, ExpSyn, Network


def main():
    args = options(__doc__)
    tstop = 60.0
    net = Network()
    soma = net.section("soma", L=20, diam=20)                   # um
    hh = soma.insert(HH)
    syn = soma(0.5).place(ExpSyn, tau=2.0, e=0.0)              # ms, mV
    net.spike_source(soma(0.5), gid=0, threshold=0.0)          # mV, crossed upwards
    inputs = [5.0, 25.0, 27.0, 29.0] if args.quick else [5.0, 25.0, 27.0, 29.0, 45.0, 46.0, 47.0]
    net.connect(net.stimulus(inputs), syn, delay=1.0, weight=0.0008)   # ms, uS

    sim = net.simulation(method="backward_euler", dt=0.025)
    node = soma(0.5).node()
    v = sim.record(node, "v", label="v")                       # every step (0.025 ms)
    gates = {name: sim.record(hh[0], name, every=4, label=name) for name in ("m", "h", "n")}
    g = sim.record(syn, "g", label="g_syn")
    result = sim.run(tstop)

    print("spikes (ms, gid):", result.spikes)
    print(f"v has {len(result[v])} samples, the gates {len(result[gates['m']])} (every 4th step)")

    fig, (ax_v, ax_gates, ax_g) = plt.subplots(3, 1, figsize=(8, 7), sharex=True, height_ratios=[2.2, 1.3, 1])
    ax_v.plot(result.time(v), result[v], color="black", lw=1.0)
    for t, _ in result.spikes:
        ax_v.axvline(t, color="C3", lw=0.8, ls="--")
    ax_v.set_ylabel("membrane potential (mV)")
    ax_v.set_title("Synaptic events at " + ", ".join(f"{t:g}" for t in inputs) +
                   " ms (delay 1 ms); dashed: recorded spikes")
    for name, label in gates.items():
        ax_gates.plot(result.time(label), result[label], lw=1.0, label=name)
    ax_gates.set_ylabel("HH gates (1)")
    ax_gates.legend(loc="upper right", ncols=3)
    ax_g.plot(result.time(g), 1000.0 * result[g], color="C2", lw=1.0)     # uS -> nS
    ax_g.set_ylabel("ExpSyn g (nS)")
    ax_g.set_xlabel("time (ms)")
    save(fig, args)


if __name__ == "__main__":
    main()
