"""The object model: nodes and mechanisms declared as ordinary Python classes.

A *node* holds potentials (states solved implicitly, with a capacity) and
parameters.  A *mechanism* sits on one node (``self.node``); a *coupling* joins
two nodes (``self.pre``, ``self.post``).  Mechanisms declare their own states
and parameters and describe their behaviour with methods whose names carry
their role, so that a subclass can override one of them and inherit the rest:

=====================  ====================================================
``inflow_<P>``          Mechanism: what flows into potential P of its node
``flow_<P>``            Coupling: what flows from ``pre`` to ``post`` (conserved)
``inflow_<P>_pre``      Coupling: what flows into P of ``pre`` only
``inflow_<P>_post``     Coupling: what flows into P of ``post`` only
``ddt_<s>``             time derivative of the mechanism's own state ``s``
``initialize``          sets states at the start of a run (assign ``self.s``)
``on_event(weight)``    an incoming event (assign ``self.s``)
=====================  ====================================================

Methods read ``self.<param>``, ``self.<state>``, ``self.t`` (time) and the
fields of the coupled node(s) (``self.node.v``); they are translated to C by
pycast.  Nothing here knows what the potentials mean.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

RESERVED = frozenset({"t", "node", "pre", "post"})

#: what a field may require of every value a model gives it (a model is refused
#: before compiling rather than run into NaNs, e.g. by a time constant of zero);
#: each test takes a number or a numpy array
REQUIREMENTS = {"> 0": lambda v: v > 0, ">= 0": lambda v: v >= 0, "!= 0": lambda v: v != 0}


@dataclass
class Field:
    """A declared per-instance number; ``default`` is used when a model omits it,
    and ``require`` (a key of ``REQUIREMENTS``, e.g. ``"> 0"``) is what every
    value must satisfy."""

    default: float = 0.0
    unit: str = ""
    doc: str = ""
    name: str = ""
    require: str = ""

    def __set_name__(self, owner, name):
        if name in RESERVED:
            raise TypeError(f"{owner.__name__}.{name}: '{name}' is reserved "
                            f"(reserved names: {', '.join(sorted(RESERVED))})")
        self.name = name

    def __post_init__(self):
        if not isinstance(self.default, (int, float)) or isinstance(self.default, bool):
            raise TypeError(f"default must be a number, got {self.default!r}")
        self.default = float(self.default)
        if self.require and self.require not in REQUIREMENTS:
            raise TypeError(f"require must be one of {', '.join(map(repr, REQUIREMENTS))}, got {self.require!r}")
        if self.require and not REQUIREMENTS[self.require](self.default):
            raise TypeError(f"default {self.default!r} does not satisfy require={self.require!r}")


class Param(Field):
    """A parameter: runtime data, changeable between runs without recompiling."""


class State(Field):
    """A mechanism state; ``default`` is its initial value unless ``initialize`` sets it."""


@dataclass
class Potential(Field):
    """A node state solved implicitly: ``capacity * dX/dt = sum of inflows``.

    ``capacity`` names a parameter or a no-argument method of the node class; a
    capacity of zero makes the potential algebraic (its inflows must balance).
    """

    capacity: str = ""


_DECLARED: dict[tuple[type, type], dict] = {}


class _Declared:
    """Base of every declared class: collects its fields through the MRO."""

    @classmethod
    def declared(cls, kind: type) -> dict[str, Field]:
        """Fields of one kind through the MRO (computed once per class: models have millions of instances)."""
        key = (cls, kind)
        if key not in _DECLARED:
            _DECLARED[key] = cls._collect(kind)
        return _DECLARED[key]

    @classmethod
    def _collect(cls, kind: type) -> dict[str, Field]:
        out: dict[str, Field] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Field):
                    if type(value) is kind:
                        out[name] = value
                    else:
                        out.pop(name, None)
        return out

    @classmethod
    def params(cls) -> dict[str, Param]:
        return cls.declared(Param)

    @classmethod
    def states(cls) -> dict[str, State]:
        return cls.declared(State)


class Node(_Declared):
    """A compartment-like node.  Subclasses declare ``Potential``\\ s and ``Param``\\ s."""

    @classmethod
    def potentials(cls) -> dict[str, Potential]:
        return cls.declared(Potential)


class Mechanism(_Declared):
    """Something on one node: a channel, a pump, a stimulus, a synapse."""

    roles: tuple[str, ...] = ("node",)


class Coupling(_Declared):
    """Something joining two nodes: an axial resistor, a gap junction, a synapse."""

    roles: tuple[str, ...] = ("pre", "post")


def is_number(value) -> bool:
    """A finite real number, numpy's included (a bool is a mistake, not a number)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
