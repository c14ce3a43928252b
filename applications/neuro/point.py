"""Point processes: current clamp and the exponential synapse (NEURON's IClamp, ExpSyn)."""
from myriad import Mechanism, Param, State


class PointProcess(Mechanism):
    """Something at one location whose current is given in nA (outward positive)."""

    def current(self):
        return 0.0

    def inflow_v(self):
        return -self.current()


class IClamp(PointProcess):
    """A current step of ``amp`` nA injected from ``delay`` for ``dur`` ms."""

    delay = Param(0.0, unit="ms")
    dur = Param(0.0, unit="ms")
    amp = Param(0.0, unit="nA")

    def current(self):
        return -self.amp if self.delay <= self.t < self.delay + self.dur else 0.0


class ExpSyn(PointProcess):
    """A conductance that jumps by the event's weight (uS) and decays with ``tau``."""

    tau = Param(0.1, unit="ms")
    e = Param(0.0, unit="mV")
    g = State(0.0, unit="uS")

    def ddt_g(self):
        return -self.g / self.tau

    def current(self):
        return self.g * (self.node.v - self.e)

    def on_event(self, weight):
        self.g = self.g + weight
