"""The NEURON mechanisms Myriad translates, and how their variables map.

Each entry names the Myriad class that implements a NEURON mechanism with the
same equations, and which NEURON variable gives each Myriad parameter.  Both
sides use NEURON's units (applications.neuro states them), so values are
copied, never converted.  A mechanism that is not here is unsupported: the
importer lists it instead of guessing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from applications.neuro import HH, Exp2Syn, ExpSyn, IClamp, Pas, SEClamp


@dataclass(frozen=True)
class Density:
    """A density mechanism (NEURON ``insert``): per-segment range variables
    (``gnabar`` for ``gnabar_hh``), ion variables of the segment (``ena``) with
    their ion, and globals of ``h``."""

    cls: type
    params: dict[str, str]
    ions: dict[str, tuple[str, str]] = field(default_factory=dict)
    globals: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Point:
    """A point process: its attributes in NEURON's Python spelling (``delay`` for hoc's ``del``)."""

    cls: type
    params: dict[str, str]


DENSITY = {
    "hh": Density(HH, {"gnabar": "gnabar", "gkbar": "gkbar", "gl": "gl", "el": "el"},
                  ions={"ena": ("na", "ena"), "ek": ("k", "ek")}, globals={"celsius": "celsius"}),
    "pas": Density(Pas, {"g": "g", "e": "e"}),
}

POINT = {
    "IClamp": Point(IClamp, {"delay": "delay", "dur": "dur", "amp": "amp"}),
    "ExpSyn": Point(ExpSyn, {"tau": "tau", "e": "e"}),
    "Exp2Syn": Point(Exp2Syn, {"tau1": "tau1", "tau2": "tau2", "e": "e"}),
    "SEClamp": Point(SEClamp, {name: name for name in ("rs", "dur1", "amp1", "dur2", "amp2", "dur3", "amp3")}),
}

#: the ringtest-style half gap junction (benchmarks/peers/mod/halfgap.mod):
#: ``i = g * (v - vgap)`` nA with g in uS, vgap filled by ParallelContext.source_var/target_var
HALF_GAP = "HalfGap"
#: the spike generator translated to event times (without noise)
NET_STIM = "NetStim"


def template_name(obj) -> str:
    """A hoc object's class name: ``ExpSyn`` for ``ExpSyn[3]``."""
    return obj.hname().split("[", 1)[0]
