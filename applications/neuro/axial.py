"""Axial current between neighbouring compartments."""
from myriad import Coupling, Param


class Axial(Coupling):
    """An ohmic resistor of conductance ``g`` (uS) carrying current from pre to post."""

    g = Param(0.0, unit="uS", require=">= 0")

    def flow_v(self):
        """The axial current (nA) from ``pre`` to ``post``: Ohm's law."""
        return self.g * (self.pre.v - self.post.v)
