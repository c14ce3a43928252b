"""NEURON's sections as Myriad sections, node for node.

Geometry is taken from what NEURON computed, not recomputed: each segment's
area (``seg.area()``) and each node's resistance to its parent node
(``seg.ri()``), which already integrate 3-D points, so that a section
described by ``pt3dadd`` gets NEURON's own areas and axial conductances.
NEURON's zero-area section ends become Myriad's zero-area end nodes, made
only where something is attached (an unused sealed end carries no current,
so leaving it out changes nothing).
"""
from __future__ import annotations

import numpy as np

from myriad import ModelError

from applications.neuro import Network, Segments
from applications.neuro.units import axial_shape_um


def section_order(h) -> list:
    """Every section, each after its parent: roots in NEURON's order, then depth first."""
    roots = [sec for sec in h.allsec() if sec.parentseg() is None]
    order, stack = [], roots[::-1]
    while stack:
        sec = stack.pop()
        order.append(sec)
        stack.extend(sec.children()[::-1])
    return order


def import_sections(h, net: Network, order: list, v_init: float) -> dict:
    """One Myriad section per NEURON section of ``order`` (parents first),
    connected as in NEURON, all in one bulk call; returns NEURON section -> Myriad section."""
    rows, row_of = [], {}
    for sec in order:
        if h.section_orientation(sec=sec) != 0.0:
            raise ModelError(f"section {sec.name()}: attached to its parent by its 1-end "
                             f"(connect(parent(x), 1)); Myriad imports sections attached by their 0-end")
        segs = list(sec)
        shapes = [axial_shape_um(sec.Ra, seg.ri()) for seg in segs] + [axial_shape_um(sec.Ra, sec(1).ri())]
        diam = np.array([seg.diam for seg in segs])
        geometry = Segments(area=np.array([seg.area() for seg in segs]), diam=diam,
                            inner=np.array(shapes[1:-1]), end0=shapes[0], end1=shapes[-1])
        parent = sec.parentseg()
        row_of[sec] = len(rows)
        rows.append(dict(name=sec.name(), L=sec.L, diam=float(diam.mean()), nseg=sec.nseg, Ra=sec.Ra,
                         cm=[seg.cm for seg in segs], segments=geometry, v_init=v_init,
                         parent=None if parent is None else (row_of[parent.sec], parent.x)))
    return dict(zip(order, net.add_sections(rows)))


def node_of(made: dict, seg):
    """The Myriad node of a NEURON segment (or a location given as a segment)."""
    return made[seg.sec].node(seg.x)
