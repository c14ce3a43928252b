"""Step 1: a channel of your own.

A slow, non-inactivating potassium current (an M-current) written as a small
class, inserted with Hodgkin-Huxley into one compartment.  Under a long
current step it makes the cell fire fast at first and then slower: spike
frequency adaptation.  The run is repeated with the channel's conductance set
to 0, which changes a number in memory; nothing is recompiled.
"""
import math

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
    soma(0.5).place(IClamp, delay=20.0, dur=tstop, amp=0.25)   # ms, ms, nA

    sim = net.simulation(method="backward_euler", dt=0.025)
    v = sim.record(soma(0.5).node(), "v", label="v")
    w = sim.record(km[0], "w", label="w")
    with_km = sim.run(tstop)
    sim.set(km[0], "gbar", 0.0)                   # the same compiled model, KM switched off
    without_km = sim.run(tstop)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True, height_ratios=[3, 1.3])
    top.plot(without_km.time(v), without_km[v], color="0.6", lw=0.8, label="HH alone")
    top.plot(with_km.time(v), with_km[v], color="C3", lw=0.9, label="HH + KM")
    top.set_ylabel("membrane potential (mV)")
    top.legend(loc="upper right")
    top.set_title("0.25 nA step from 20 ms: the M-current builds up and slows the firing")
    bottom.plot(with_km.time(w), with_km[w], color="C3")
    bottom.set_ylabel("KM gate w (1)")
    bottom.set_xlabel("time (ms)")
    save(fig, args)


if __name__ == "__main__":
    main()
