"""Electrical and graded chemical synapses: couplings between any two locations."""
import math

from myriad import Coupling, Param, State

from applications.neuro.axial import Axial


class GapJunction(Axial):
    """An ohmic electrical synapse of conductance ``g`` (uS) between two locations.

    Its current is the axial resistor's; it is a class of its own so that
    models, recordings and parameter searches can address gap junctions apart
    from the cable they sit on.
    """


class HalfGap(Coupling):
    """One side of an ohmic electrical synapse: current ``g * (pre.v - post.v)``
    (g in uS) flows into ``post`` alone.  NEURON models a gap junction as two
    such halves (a ``HalfGap`` point process at each end, ringtest style); two
    matching halves are a :class:`GapJunction`, and one alone is this."""

    g = Param(0.0, unit="uS", require=">= 0")

    def inflow_v_post(self):
        return self.g * (self.pre.v - self.post.v)


class GradedSynapse(Coupling):
    """A chemical synapse whose transmitter release follows the presynaptic
    voltage continuously (no spikes): the open fraction ``s`` relaxes with
    ``tau`` towards a sigmoid of ``pre.v`` (half-activation ``vth``, slope
    ``vslope``), and the current into ``post`` is ``g * s * (e - post.v)``.
    """

    g = Param(0.0, unit="uS", require=">= 0")
    e = Param(0.0, unit="mV")
    vth = Param(-20.0, unit="mV")
    vslope = Param(5.0, unit="mV", require="!= 0")
    tau = Param(4.0, unit="ms", require="> 0")
    s = State(0.0)

    def s_inf(self):
        return 1.0 / (1.0 + math.exp(-(self.pre.v - self.vth) / self.vslope))

    def initialize(self):
        self.s = self.s_inf()

    def ddt_s(self):
        return (self.s_inf() - self.s) / self.tau

    def inflow_v_post(self):
        return self.g * self.s * (self.e - self.post.v)
