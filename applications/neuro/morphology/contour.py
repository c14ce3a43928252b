"""A soma contour as NEURON's Import3d turns it into 3-D points (``contour2centroid``).

The outline is resampled at 101 points evenly spaced along it; their mean is
the centre; the principal axis of those points is the soma's axis; the two
sides of the outline, seen across the axis in the xy plane, give a diameter at
21 positions evenly spaced between the second-most extreme points along it.
NEURON's Vector operations (interpolate, indgen, rotate) are reproduced with
their own edge rules.
"""
from __future__ import annotations

import math

import numpy as np

#: Vector.indgen's tolerance on the number of steps
INDGEN_EPSILON = 1e-9


def interpolate(xd: list, xs: list, ys: list) -> list:
    """Vector.interpolate: ys(xs) linearly at xd; the end values outside xs,
    intervals where xs does not increase skipped."""
    nd, ns = len(xd), len(xs)
    yd = [0.0] * nd
    i = 0
    while i < nd and xd[i] <= xs[0]:
        yd[i] = ys[0]
        i += 1
    for k in range(1, ns):
        if i >= nd:
            break
        if xs[k] <= xs[k - 1]:
            continue
        while xd[i] <= xs[k]:
            thet = (xd[i] - xs[k - 1]) / (xs[k] - xs[k - 1])
            yd[i] = (1. - thet) * ys[k - 1] + thet * ys[k]
            i += 1
            if i >= nd:
                break
    for k in range(i, nd):
        yd[k] = ys[ns - 1]
    return yd


def resampled(x: list, y: list, z: list) -> tuple[list, list, list]:
    """The outline at 101 points evenly spaced by arc length from its first
    point (``contourcenter``; the closing edge counts in no length)."""
    n = len(x)
    perim = [0.0] * n
    for i in range(1, n):
        dx, dy, dz = (x[i] - x[i - 1], y[i] - y[i - 1], z[i] - z[i - 1])
        perim[i] = perim[i - 1] + math.sqrt(dx * dx + dy * dy + dz * dz)
    step = perim[-1] / 100
    at = [i * step for i in range(101)]
    return interpolate(at, perim, x), interpolate(at, perim, y), interpolate(at, perim, z)


def _convex(d: list, rad: list) -> None:
    """Drop points where the position along the axis does not increase (Import3d's loop, in place)."""
    j = len(d) - 1
    while j > 0:
        if d[j] <= d[j - 1]:
            del d[j], rad[j]
            if j != len(d):
                j += 1
        j -= 1


def contour_centroid(x: list, y: list, z: list) -> tuple[list, list, list, list]:
    """The 3-D points (x, y, z, diameter; um) Import3d makes of a soma contour."""
    x, y, z = resampled(x, y, z)
    mean = [sum(c) / len(c) for c in (x, y, z)]
    pts = np.array([[v - m for v in c] for c, m in zip((x, y, z), mean)])
    moments = pts @ pts.T
    values, vectors = np.linalg.eigh(moments)
    imax, imin = int(np.argmax(values)), int(np.argmin(values))
    major = vectors[:, imax].copy()
    if major[np.argmax(np.abs(major))] < 0:
        major = -major
    minor = vectors[:, 3 - imin - imax].copy()
    minor[2] = 0.0
    if np.linalg.norm(minor) / (np.linalg.norm(major) + 1e-100) < 1e-6:
        raise ValueError("the soma contour has no width in the xy plane")
    minor /= np.linalg.norm(minor)
    along = (pts.T @ major).tolist()
    across = (pts.T @ minor).tolist()
    top = int(np.argmax(along))
    along, across = along[top:] + along[:top], across[top:] + across[:top]
    bottom = int(np.argmin(along))
    side2, rad2 = along[bottom:], across[bottom:]
    side1, rad1 = along[:bottom][::-1], across[:bottom][::-1]
    _convex(side1, rad1)
    _convex(side2, rad2)
    both = sorted(side1 + side2)
    lo, hi = both[1], both[-2]
    step = (hi - lo) / 20
    at = [k * step + lo for k in range(int(math.floor((hi - lo) / step + INDGEN_EPSILON) + 1))]
    rad1, rad2 = interpolate(at, side1, rad1), interpolate(at, side2, rad2)
    points = [major * a + np.array(mean) for a in at]
    diam = [abs(a - b) for a, b in zip(rad1, rad2)]
    diam[0] = (diam[0] + diam[1]) / 2
    diam[-1] = (diam[-1] + diam[-2]) / 2
    return ([float(p[0]) for p in points], [float(p[1]) for p in points], [float(p[2]) for p in points], diam)
