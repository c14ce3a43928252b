"""A section's segments from its 3-D points, computed as NEURON computes them.

NEURON stores each 3-D point's x, y, z and diameter as 32-bit floats and the
arc length along the points in double precision, from the float differences
of neighbouring points (``nrn_pt3dmodified`` in treeset.cpp).  Each segment's
area, diameter and the axial resistance of its two halves are trapezoidal
integrals over the frusta between the points that fall in it, points
interpolated at the segment's boundaries and centre (``diam_from_list``); the
segment count follows the d_lambda rule of NEURON's ``stdlib.hoc``
(``lambda_f``).  The port keeps NEURON's order of operations, so the numbers
agree with NEURON's to rounding (``tests/applications/test_morphology_neuron.py``).
"""
from __future__ import annotations

import math

import numpy as np

from applications.neuro.section import Segments
from applications.neuro.units import axial_shape_um

#: hoc's PI
PI = 3.14159265358979323846


class Points:
    """A section's 3-D points as NEURON holds them: x, y, z and diam (um) as
    float32, and the arc length (um) of each point from the first."""

    def __init__(self, x, y, z, diam):
        self.x, self.y, self.z, self.diam = (np.asarray(v, dtype=np.float64).astype(np.float32) for v in (x, y, z, diam))
        steps = [(c[1:] - c[:-1]).astype(np.float64) for c in (self.x, self.y, self.z)]
        lengths = np.sqrt(steps[0] * steps[0] + steps[1] * steps[1] + steps[2] * steps[2])
        self.arc = np.concatenate([[0.0], np.cumsum(lengths)])

    @property
    def L(self) -> float:
        return float(self.arc[-1])

    def __len__(self):
        return len(self.arc)


def lambda_f(points: Points, freq: float, Ra: float, cm: float) -> float:
    """The length constant (um) at ``freq`` (Hz) of the section, from all its
    points (``lambda_f`` of NEURON's stdlib.hoc)."""
    if cm == 0:
        return 1e10
    lam = 0.0
    x1, d1 = points.arc[0], float(points.diam[0])
    for x2, d2 in zip(points.arc[1:].tolist(), points.diam[1:].astype(np.float64).tolist()):
        lam += (x2 - x1) / math.sqrt(d1 + d2)
        x1, d1 = x2, d2
    lam *= math.sqrt(2) * 1e-5 * math.sqrt(4 * PI * freq * Ra * cm)
    return points.L / lam


def d_lambda_nseg(points: Points, d_lambda: float, freq: float, Ra: float, cm: float) -> int:
    """NEURON's d_lambda rule: an odd number of segments, each at most
    ``d_lambda`` of the length constant at ``freq`` Hz."""
    return int((points.L / (d_lambda * lambda_f(points, freq, Ra, cm)) + .9) / 2) * 2 + 1


def segments(points: Points, nseg: int, Ra: float) -> Segments:
    """The segments of a section of ``nseg`` segments on ``points`` with
    resistivity Ra (ohm cm): NEURON's ``diam_from_list`` for every segment."""
    arc = points.arc.tolist()
    diam = np.abs(points.diam.astype(np.float64)).tolist()
    npt = len(arc)
    ds = arc[-1] / nseg
    j, x1, y1 = 0, arc[0], diam[0]
    areas, diams, left, right = [], [], [], []
    for inode in range(nseg):
        si = inode * ds
        d_sum = area = 0.0
        halves = []
        for _ in range(2):
            ri = 0.0
            sip = si + ds / 2.
            while True:
                jp = j + 1
                xj, xjp = arc[j], arc[jp]
                if xjp > sip or jp == npt - 1:
                    frac = 1 if abs(xjp - xj) < 1e-10 else (sip - xj) / (xjp - xj)
                    x2, y2, jnext = sip, (1. - frac) * diam[j] + frac * diam[jp], j
                else:
                    x2, y2, jnext = xjp, diam[jp], jp
                delta = x2 - x1
                d_sum += (y2 + y1) * delta
                if delta < 1e-15:
                    delta = 1e-15
                temp = y2 * y1 / delta
                if temp == 0:
                    temp = 1e-15
                ri += 1 / temp
                temp = .5 * (y2 - y1)
                area += (y2 + y1) * math.sqrt(delta * delta + temp * temp)
                x1, y1 = x2, y2
                if j == jnext:
                    break
                j = jnext
            halves.append(ri * Ra / PI * (4. * .01))     # MOhm
            si = sip
        left.append(halves[0])
        right.append(halves[1])
        areas.append(area * .5 * PI)
        diams.append(d_sum * .5 / ds)
    # NEURON's seg.ri(): each node's resistance to its parent node (MOhm), then the 1-end's
    ri = [left[0]] + [right[k - 1] + left[k] for k in range(1, nseg)] + [right[-1]]
    shapes = [axial_shape_um(Ra, r) for r in ri]
    return Segments(area=np.array(areas), diam=np.array(diams), inner=np.array(shapes[1:-1]),
                    end0=shapes[0], end1=shapes[-1])
