"""The membrane compartment: one potential v whose capacity comes from its area."""
from myriad import Node, Param, Potential

from applications.neuro.units import CAPACITANCE_TO_NF


class Compartment(Node):
    """A patch of membrane; area 0 makes it a section-end node (algebraic, like NEURON's)."""

    v = Potential(-65.0, unit="mV", capacity="capacitance")
    area = Param(0.0, unit="um2", require=">= 0")
    cm = Param(1.0, unit="uF/cm2", require=">= 0")

    def capacitance(self):
        """The membrane's capacitance (nF): ``cm`` over the compartment's area."""
        return self.cm * self.area * CAPACITANCE_TO_NF
