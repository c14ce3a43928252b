"""Sections discretised as NEURON does, written into a Myriad model.

A section of ``nseg`` segments has one node at the centre of each segment,
with the segment's lateral area.  Its 0-end is the node it is attached to on
its parent (or, for a root section, a zero-area node of its own) and its 1-end
is a zero-area node; the end nodes exist only once something uses them (a
child, a point process, a recording), so a lone soma is one compartment.
Neighbouring nodes are joined by the axial conductance of the cylinder
between them (half a segment to an end node), and, for each diffusing species
the section is given, by that species' diffusion coupling over the same
cylinder.  A section adds its nodes, links and mechanisms to the model a
section at a time (one bulk call each), never a compartment at a time.
"""
from __future__ import annotations

import copy
import math
from typing import NamedTuple

from myriad import MechRef, MechRefs, Model, ModelError, NodeRef, NodeRefs

from applications.neuro.axial import Axial
from applications.neuro.compartment import Compartment
from applications.neuro.units import axial_conductance_us


class Location(NamedTuple):
    section: "Section"
    x: float

    def node(self) -> NodeRef:
        return self.section.node(self.x)

    def place(self, cls, **params) -> MechRef:
        """Put a point process (or any one-node mechanism) at this location."""
        return self.section.model.add_mechanism(cls, self.node(), **params)


def _positive(name, value, what):
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ModelError(f"section '{what}': {name} must be a positive number, got {value!r}")
    return float(value)


class Section:
    """An unbranched cylinder: L and diam in um, Ra in ohm cm, cm in uF/cm2."""

    def __init__(self, model: Model, name: str = "section", *, L: float = 100.0, diam: float = 500.0,
                 nseg: int = 1, Ra: float = 35.4, cm: float = 1.0, node_class=Compartment,
                 diffusion: dict | None = None):
        """``node_class`` is the compartment class of its nodes (e.g. one with
        calcium); ``diffusion`` maps a diffusion coupling class (parameter ``k``,
        um3/ms) to its species' diffusion coefficient D in um2/ms."""
        self.model, self.name = model, name
        self.L = _positive("L", L, name)
        self.diam = _positive("diam", diam, name)
        self.Ra = _positive("Ra", Ra, name)
        cm = float(cm)
        if not (math.isfinite(cm) and cm >= 0):
            raise ModelError(f"section '{name}': cm must be a number >= 0, got {cm!r}")
        if not (isinstance(nseg, int) and nseg >= 1):
            raise ModelError(f"section '{name}': nseg must be an integer >= 1, got {nseg!r}")
        self.nseg, self.cm = nseg, cm
        self.node_class = node_class
        self.diffusion = {}
        for cls, D in (diffusion or {}).items():
            self.diffusion[cls] = _positive(f"diffusion coefficient of {cls.__name__}", D, name)
        self.parent: Location | None = None
        self.centres = self._add_nodes(nseg, math.pi * self.diam * self.L / nseg)
        if nseg > 1:
            self._link(self.centres[:-1], self.centres[1:], self.L / nseg)
        self._end0: NodeRef | None = None
        self._end1: NodeRef | None = None

    def __call__(self, x: float) -> Location:
        if not (isinstance(x, (int, float)) and 0.0 <= x <= 1.0):
            raise ModelError(f"section '{self.name}': location must be in [0, 1], got {x!r}")
        return Location(self, float(x))

    def __repr__(self):
        return f"Section({self.name!r})"

    def _add_nodes(self, n: int, area: float) -> NodeRefs:
        values = {"area": area, "cm": self.cm}
        if "volume" in self.node_class.params():
            values["volume"] = area * self.diam / 4.0
        return self.model.add_nodes(self.node_class, n, **values)

    def _link(self, pre, post, length: float) -> None:
        """Join node pre[i] to post[i] (or node pre to post) by the cylinder of
        this section's diameter between them."""
        self.model.add_mechanisms(Axial, (pre, post), g=axial_conductance_us(self.Ra, length, self.diam))
        cross_section = math.pi * 0.25 * self.diam * self.diam
        for cls, D in self.diffusion.items():
            self.model.add_mechanisms(cls, (pre, post), k=D * cross_section / length)

    def connect(self, parent: Location) -> "Section":
        """Attach this section's 0-end to ``parent`` (e.g. ``soma(1)``)."""
        if self.parent is not None:
            raise ModelError(f"section '{self.name}' is already connected to {self.parent.section.name}")
        if self._end0 is not None:
            raise ModelError(f"section '{self.name}': its 0-end is already in use; connect it before use")
        walk = parent.section
        while walk is not None:
            if walk is self:
                raise ModelError(f"connecting '{self.name}' to '{parent.section.name}' would make a loop")
            walk = walk.parent.section if walk.parent else None
        self.parent = parent
        self._link(parent.node(), self.centres[0], 0.5 * self.L / self.nseg)
        return self

    def insert(self, cls, **params) -> MechRefs:
        """Put a density mechanism on every segment of the section."""
        try:
            return self.model.add_mechanisms(cls, self.centres, **params)
        except ModelError as e:
            raise ModelError(f"section '{self.name}': {e}") from None

    def node(self, x: float) -> NodeRef:
        """The node that represents location x (NEURON's segment-to-node rule)."""
        if x == 0.0:
            if self.parent is not None:
                return self.parent.node()
            if self._end0 is None:
                self._end0 = self._add_nodes(1, 0.0)[0]
                self._link(self._end0, self.centres[0], 0.5 * self.L / self.nseg)
            return self._end0
        if x == 1.0:
            if self._end1 is None:
                self._end1 = self._add_nodes(1, 0.0)[0]
                self._link(self.centres[-1], self._end1, 0.5 * self.L / self.nseg)
            return self._end1
        return self.centres[min(int(x * self.nseg), self.nseg - 1)]

    def copied(self, model: Model, name: str, parent: Location | None, ref) -> "Section":
        """This section as it stands in a copy of its model (see ``Network.add_cells``):
        the same cylinder, named ``name``, attached to ``parent``, its nodes
        mapped to the copy's by ``ref``."""
        sec = copy.copy(self)
        sec.model, sec.name, sec.parent = model, name, parent
        sec.centres = ref(self.centres)
        sec._end0, sec._end1 = (None if end is None else ref(end) for end in (self._end0, self._end1))
        return sec
