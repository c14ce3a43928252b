"""Intracellular calcium: a concentration per compartment, longitudinal
diffusion, entry through a calcium current and removal by a pump/buffer.

Calcium is a second potential of the compartment: ``volume * dcai/dt`` is the
sum of calcium flows (mM um3/ms), just as ``capacitance * dv/dt`` is the sum
of currents, so the solver treats diffusion along a cable exactly as it treats
the cable's axial currents.  Section-end nodes have no volume: their
concentration is algebraic, which seals the ends (no flux), as in NEURON.
"""
import math

from myriad import Coupling, Mechanism, Param, Potential, State

from applications.neuro.channels import DensityChannel
from applications.neuro.compartment import Compartment
from applications.neuro.units import DENSITY_TO_NA, DIVALENT_NA_TO_FLUX


class CalciumCompartment(Compartment):
    """A compartment with its free calcium concentration ``cai`` (mM)."""

    cai = Potential(5e-5, unit="mM", capacity="volume")
    volume = Param(0.0, unit="um3", require=">= 0")


class CalciumDiffusion(Coupling):
    """Fick diffusion of calcium between neighbouring compartments;
    ``k`` = D * cross-section / distance (um3/ms)."""

    k = Param(0.0, unit="um3/ms", require=">= 0")

    def flow_cai(self):
        return self.k * (self.pre.cai - self.post.cai)


class CalciumChannel(DensityChannel):
    """A high-voltage-activated calcium conductance with a fixed reversal
    potential ``eca``: ``ica = gcabar * m^2 * (v - eca)``, ``m`` relaxing to a
    Boltzmann curve with time constant ``taum``.  Its current charges the
    membrane and carries calcium into the compartment."""

    gcabar = Param(0.0001, unit="S/cm2", require=">= 0")
    eca = Param(120.0, unit="mV")
    vhalf = Param(-20.0, unit="mV")
    k = Param(9.0, unit="mV", require="!= 0")
    taum = Param(1.0, unit="ms", require="> 0")
    m = State(0.0)

    def m_inf(self):
        return 1.0 / (1.0 + math.exp(-(self.node.v - self.vhalf) / self.k))

    def initialize(self):
        self.m = self.m_inf()

    def ddt_m(self):
        return (self.m_inf() - self.m) / self.taum

    def current(self):
        return self.gcabar * self.m * self.m * (self.node.v - self.eca)

    def inflow_cai(self):
        return -self.current() * self.node.area * DENSITY_TO_NA * DIVALENT_NA_TO_FLUX


class CalciumDecay(Mechanism):
    """Removal of calcium by pumps and buffers, lumped as first-order decay
    towards ``cainf`` with time constant ``taur`` (NEURON's cad.mod, with the
    shell taken as the whole compartment)."""

    taur = Param(80.0, unit="ms", require="> 0")
    cainf = Param(5e-5, unit="mM")

    def inflow_cai(self):
        return self.node.volume * (self.cainf - self.node.cai) / self.taur
