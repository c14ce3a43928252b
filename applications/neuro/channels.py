"""Density channels with NEURON's ``hh`` and ``pas`` equations and defaults.

A channel states its outward current density in mA/cm2, as a MOD file's
BREAKPOINT does; the base class turns that into the node's inflow.
"""
import math

from myriad import Mechanism, Param, State

from applications.neuro.units import DENSITY_TO_NA


class DensityChannel(Mechanism):
    """A channel spread over a compartment's membrane."""

    def current(self):
        """The channel's outward current density (mA/cm2, NEURON's sign: positive
        leaves the cell); a subclass writes this, as a MOD file's BREAKPOINT does."""
        return 0.0

    def inflow_v(self):
        """The current into the node (nA) that ``current`` makes over the compartment's area."""
        return -self.current() * self.node.area * DENSITY_TO_NA


class Pas(DensityChannel):
    """Passive leak (NEURON's ``pas``)."""

    g = Param(0.001, unit="S/cm2", require=">= 0")
    e = Param(-70.0, unit="mV")

    def current(self):
        return self.g * (self.node.v - self.e)


def vtrap(x, y):
    """x / (exp(x/y) - 1) without the 0/0 at x = 0 (hh.mod's vtrap)."""
    if abs(x / y) < 1e-6:
        return y * (1.0 - x / y / 2.0)
    return x / (math.exp(x / y) - 1.0)


class HH(DensityChannel):
    """Hodgkin-Huxley squid axon channels (NEURON's ``hh``, rates at ``celsius``)."""

    gnabar = Param(0.12, unit="S/cm2", require=">= 0")
    gkbar = Param(0.036, unit="S/cm2", require=">= 0")
    gl = Param(0.0003, unit="S/cm2", require=">= 0")
    el = Param(-54.3, unit="mV")
    ena = Param(50.0, unit="mV")
    ek = Param(-77.0, unit="mV")
    celsius = Param(6.3, unit="degC")
    m = State(0.0)
    h = State(0.0)
    n = State(0.0)

    def q10(self):
        return 3.0 ** ((self.celsius - 6.3) / 10.0)

    def alpha_m(self, v):
        return 0.1 * vtrap(-(v + 40.0), 10.0)

    def beta_m(self, v):
        return 4.0 * math.exp(-(v + 65.0) / 18.0)

    def alpha_h(self, v):
        return 0.07 * math.exp(-(v + 65.0) / 20.0)

    def beta_h(self, v):
        return 1.0 / (math.exp(-(v + 35.0) / 10.0) + 1.0)

    def alpha_n(self, v):
        return 0.01 * vtrap(-(v + 55.0), 10.0)

    def beta_n(self, v):
        return 0.125 * math.exp(-(v + 65.0) / 80.0)

    def initialize(self):
        v = self.node.v
        self.m = self.alpha_m(v) / (self.alpha_m(v) + self.beta_m(v))
        self.h = self.alpha_h(v) / (self.alpha_h(v) + self.beta_h(v))
        self.n = self.alpha_n(v) / (self.alpha_n(v) + self.beta_n(v))

    def ddt_m(self):
        a = self.alpha_m(self.node.v)
        return self.q10() * (a - (a + self.beta_m(self.node.v)) * self.m)

    def ddt_h(self):
        a = self.alpha_h(self.node.v)
        return self.q10() * (a - (a + self.beta_h(self.node.v)) * self.h)

    def ddt_n(self):
        a = self.alpha_n(self.node.v)
        return self.q10() * (a - (a + self.beta_n(self.node.v)) * self.n)

    def current(self):
        v = self.node.v
        ina = self.gnabar * self.m ** 3 * self.h * (v - self.ena)
        ik = self.gkbar * self.n ** 4 * (v - self.ek)
        return ina + ik + self.gl * (v - self.el)
