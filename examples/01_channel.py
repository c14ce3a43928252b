"""Step 1: a channel of your own.

A slow, non-inactivating potassium current (an M-current) written as a small
class, inserted with Hodgkin-Huxley into one compartment.  Under a long
current step it makes the cell fire fast at first and then slower: spike
frequency adaptation.  The run is repeated with the channel's conductance set
to 0, which changes a number in memory; nothing is recompiled.
"""
import math

import numpy as np

from common import options, plt, save

from myriad import Param, State
from applications.neuro import HH, DensityChannel, IClamp, Network


class KM(DensityChannel):
    """Slow potassium current: ik = gbar * w * (v - ek), w relaxing to a
    Boltzmann curve of v with time constant ``tau``."""

    gbar = Param(0.0025, unit="S/cm2", require=">= 0")
    ek = Param(-77.0, unit="mV")
    vhalf = Param(-35.0, unit="mV")
    slope = Param(5.0, unit="mV", require="!= 0")
    tau = Param(100.0, unit="ms", require="> 0")
    w = State(0.0)                                # the gate, 0..1

    def w_inf(self):
        return 1.0 / (1.0 + math.exp(-(self.node.v - self.vhalf) / self.slope))

    def initialize(self):                         # at rest: the gate at its steady state
        self.w = self.w_inf()

    def ddt_w(self):                              # dw/dt (1/ms)
        return (self.w_inf() - self.w) / self.tau

    def current(self):                            # outward current density, mA/cm2
        return self.gbar * self.w * (self.node.v - self.ek)


def main():
    args = options(__doc__)
    tstop = 200.0 if args.quick else 500.0
    net = Network()
    soma = net.section("soma", L=20, diam=20)     # um
    soma.insert(HH)
    km = soma.insert(KM)
    net.spike_source(soma(0.5), gid=0)            # spikes: v crossing 10 mV upwards
    soma(0.5).place(IClamp, delay=20.0, dur=tstop, amp=0.25)   # ms, ms, nA

    sim = net.simulation(method="backward_euler", dt=0.025)
    v = sim.record(soma(0.5).node(), "v", label="v")
    w = sim.record(km[0], "w", label="w")
    with_km = sim.run(tstop)
    sim.set(km[0], "gbar", 0.0)                   # the same compiled model, KM switched off
    without_km = sim.run(tstop)

    fig, (ax_v, ax_rate, ax_w) = plt.subplots(3, 1, figsize=(8, 7), sharex=True, height_ratios=[2, 1.3, 1])
    ax_v.plot(with_km.time(v), with_km[v], color="C3", lw=0.8)
    ax_v.set_ylabel("membrane potential (mV)")
    ax_v.set_title("HH + KM, 0.25 nA from 20 ms: the M-current builds up and slows the firing")
    for result, name, colour in ((without_km, "HH alone", "0.5"), (with_km, "HH + KM", "C3")):
        times = result.spike_times
        ax_rate.plot(times[1:], 1000.0 / np.diff(times), "o-", ms=3, color=colour, label=name)
    ax_rate.set_ylabel("firing rate (Hz)\n1 / interspike interval")
    ax_rate.legend(loc="lower left", ncols=2)
    ax_w.plot(with_km.time(w), with_km[w], color="C3")
    ax_w.set_ylabel("KM gate w (1)")
    ax_w.set_xlabel("time (ms)")
    save(fig, args)


if __name__ == "__main__":
    main()
