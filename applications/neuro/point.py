"""Point processes: current clamp and the event-driven synapses (NEURON's IClamp, ExpSyn, Exp2Syn)."""
import math

from myriad import Mechanism, Param, State


class PointProcess(Mechanism):
    """Something at one location whose current is given in nA (outward positive)."""

    def current(self):
        """The outward current (nA, positive leaves the cell) at this location;
        a subclass writes this, as a POINT_PROCESS's BREAKPOINT does."""
        return 0.0

    def inflow_v(self):
        """The current into the node (nA): minus ``current``."""
        return -self.current()


class IClamp(PointProcess):
    """A current step of ``amp`` nA injected from ``delay`` for ``dur`` ms."""

    delay = Param(0.0, unit="ms")
    dur = Param(0.0, unit="ms", require=">= 0")
    amp = Param(0.0, unit="nA")

    def current(self):
        return -self.amp if self.delay <= self.t < self.delay + self.dur else 0.0


class ExpSyn(PointProcess):
    """A conductance that jumps by the event's weight (uS) and decays with ``tau``."""

    tau = Param(0.1, unit="ms", require="> 0")
    e = Param(0.0, unit="mV")
    g = State(0.0, unit="uS")

    def ddt_g(self):
        return -self.g / self.tau

    def current(self):
        return self.g * (self.node.v - self.e)

    def on_event(self, weight):
        self.g = self.g + weight


class Exp2Syn(PointProcess):
    """NEURON's Exp2Syn: a conductance rising with ``tau1`` and decaying with
    ``tau2`` (ms), normalised so that an event of weight w (uS) peaks at w."""

    tau1 = Param(0.1, unit="ms", require="> 0")
    tau2 = Param(10.0, unit="ms", require="> 0")
    e = Param(0.0, unit="mV")
    a = State(0.0, unit="uS")
    b = State(0.0, unit="uS")

    def rise(self):
        """tau1, kept below tau2 as NEURON does (its ratio limit 0.9999)."""
        return min(self.tau1, 0.9999 * self.tau2)

    def peak_factor(self):
        tau1 = self.rise()
        tp = tau1 * self.tau2 / (self.tau2 - tau1) * math.log(self.tau2 / tau1)
        return 1.0 / (math.exp(-tp / self.tau2) - math.exp(-tp / tau1))

    def ddt_a(self):
        return -self.a / self.rise()

    def ddt_b(self):
        return -self.b / self.tau2

    def current(self):
        return (self.b - self.a) * (self.node.v - self.e)

    def on_event(self, weight):
        f = self.peak_factor()
        self.a = self.a + weight * f
        self.b = self.b + weight * f


class SEClamp(PointProcess):
    """NEURON's single-electrode voltage clamp: through a series resistance
    ``rs`` (MOhm) it holds the potential at ``amp1`` for ``dur1`` ms, then
    ``amp2`` for ``dur2`` and ``amp3`` for ``dur3`` (mV), and is off after that."""

    rs = Param(1.0, unit="MOhm", require="> 0")
    dur1 = Param(0.0, unit="ms", require=">= 0")
    amp1 = Param(0.0, unit="mV")
    dur2 = Param(0.0, unit="ms", require=">= 0")
    amp2 = Param(0.0, unit="mV")
    dur3 = Param(0.0, unit="ms", require=">= 0")
    amp3 = Param(0.0, unit="mV")

    def command(self):
        """The clamp's command potential now (only meaningful while it is on)."""
        if self.t < self.dur1:
            return self.amp1
        if self.t < self.dur1 + self.dur2:
            return self.amp2
        return self.amp3

    def current(self):
        if self.t >= self.dur1 + self.dur2 + self.dur3:
            return 0.0
        return (self.node.v - self.command()) / self.rs
