"""NEURON's Import3d, ported: how it turns samples into sections.

Import3d (``import3d/read_swc.hoc``, ``read_nlcda3.hoc``, ``import3d_gui.hoc``
of NEURON's library) decides which points make a section, where a child
attaches to its parent (0, 0.5 or 1), whether a child's first point is a
copy of its parent's point or a "wire" left out of the geometry, how a
soma given as one point, three points or a contour becomes 3-D points, and
how sections are named.  Each rule below is the hoc code's, in its order,
because the areas that follow depend on every one of them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from applications.neuro.morphology.contour import contour_centroid
from applications.neuro.morphology.swc import SOMA, Samples

#: hoc's float_epsilon, the tolerance of Vector.eq
HOC_EPSILON = 1e-11


@dataclass
class RawSection:
    """Import3d_Section: points (x, y, z, diameter; um) of which the first
    ``first`` are left out of the geometry (a wire to the parent), type,
    parent (an index into the section list) and where on it (0, 0.5, 1)."""

    id: int
    x: list
    y: list
    z: list
    d: list
    type: int = 0
    parent: int | None = None
    parentx: float = 1.0
    first: int = 0
    contour: bool = False

    def __len__(self):
        return len(self.d)

    def insert(self, x, y, z, d) -> None:
        """A point before the others (Import3d_Section.insrt(0, ...))."""
        self.x.insert(0, x)
        self.y.insert(0, y)
        self.z.insert(0, z)
        self.d.insert(0, d)


def swc_sections(s: Samples) -> list[RawSection]:
    """Import3d_SWC_read's sections (``mark_branch``, ``sectionify``, ``mksections``)."""
    n = len(s)
    index = {sid: i for i, sid in enumerate(s.id.tolist())}
    pid = s.pid.tolist()
    kind = s.type.tolist()
    d = s.d.tolist()
    x, y, z = s.x.tolist(), s.y.tolist(), s.z.tolist()

    def pix(i):
        return -1 if pid[i] < 0 else index[pid[i]]

    nchild, connect2prox = _mark_branch(n, kind, pix)
    nchild_soma = [0] * n
    nsoma = int(kind[0] == SOMA)
    for i in range(1, n):
        if kind[i] == SOMA:
            nsoma += 1
            p = pix(i)
            if p >= 0 and kind[p] == SOMA:
                nchild_soma[p] += 1
    soma3geom = nsoma == 3 and _three_point_soma(s, nchild, pix)
    if soma3geom:
        pid[2] = int(s.id[1])          # keep the three soma points one section
    for i in range(n - 1):
        if kind[i] == SOMA and kind[i + 1] == SOMA and pix(i + 1) == i:
            if not (i != 0 and nchild_soma[i] > 1):
                nchild[i] = 1
    ends = [i for i in range(n) if nchild[i] != 1]      # the last point of each section
    point2sec, si = [0] * n, 0
    for i in range(1, n):
        if i > ends[si]:
            si += 1
        point2sec[i] = si

    sections: list[RawSection] = []

    def make(isec, first, end):
        if isec == 0:
            stop = 1 if soma3geom else end
            sec = RawSection(first, x[first:stop], y[first:stop], z[first:stop], d[first:stop])
        else:
            p = pix(first)
            sec = RawSection(first, [x[p]] + x[first:end], [y[p]] + y[first:end], [z[p]] + z[first:end],
                             [d[p]] + d[first:end])
            sec.parent = point2sec[p]
            psec = sections[sec.parent]
            den_con_soma = psec.type == SOMA and kind[first] != SOMA
            handled = False
            if sec.parent == 0:
                handled = True
                if den_con_soma and len(psec) == 1:
                    sec.parentx = 0.5
                    if end - first > 1:
                        sec.first = 1
                elif p == psec.id:
                    sec.parentx = 0.0
                    if kind[first] != SOMA and nchild_soma[p] > 1:
                        sec.first = 1
                else:
                    handled = False
            if not handled and psec.type == SOMA:
                offset = -1 if psec.id == 0 else -2
                if p < psec.id + len(psec) + offset:
                    sec.parentx = 0.5
                    if den_con_soma and end - first > 1:
                        sec.first = 1
                elif end - first > 1 and nchild_soma[p] > 1 and kind[first] != SOMA:
                    sec.first = 1
        sec.type = kind[first]
        if sec.parent is not None and sections[sec.parent].type == SOMA and sec.type != SOMA:
            sec.d[0] = sec.d[1]
        if connect2prox[first]:
            sec.parentx = 0.0
        sections.append(sec)

    isec, first = 0, 0
    for i in range(n):
        if point2sec[i] > isec:
            make(isec, first, i)
            isec += 1
            first = i
    make(isec, first, n)
    return sections


def _mark_branch(n, kind, pix):
    """Per point, its children (+0.01 for one not listed right after it, or of
    another type: the section ends there) and whether a child attaches to the
    proximal end of its parent's section (``mark_branch``)."""
    nchild = [0.0] * n
    connect2prox = [0] * n
    for i in range(n):
        p = pix(i)
        if p < 0:
            continue
        nchild[p] += 1
        if p != i - 1:
            nchild[p] += .01
            if p > 1:
                if kind[p] != SOMA and kind[pix(p)] == SOMA:
                    connect2prox[i] = 1
                    nchild[p] = 1
            elif p == 0 and kind[p] != SOMA:
                connect2prox[i] = 1
                nchild[p] = 1
        if kind[p] != kind[i]:
            nchild[p] += .01
    return nchild, connect2prox


def _three_point_soma(s: Samples, nchild, pix) -> bool:
    """NeuroMorpho.org's three-point soma (the middle point the root, the other
    two at +-r with the same diameter and no children) is a sphere
    (``neuromorph_3point_soma``)."""
    if not (pix(1) == 0 and pix(2) == 0 and nchild[1] == 0 and nchild[2] == 0):
        return False
    d = s.d
    if not (d[1] == d[0] and d[2] == d[0]):
        return False
    length = sum(np.sqrt((s.x[i] - s.x[0]) ** 2 + (s.y[i] - s.y[0]) ** 2 + (s.z[i] - s.z[0]) ** 2)
                 for i in (1, 2))
    return abs(length / d[0] - 1) < .01


def drop_empty(sections: list[RawSection]) -> list[RawSection]:
    """Import3d_GUI.chk_valid: a child section of one point, or of two equal
    points, is removed and its children attach where it attached."""
    sections = list(sections)
    kept = list(range(len(sections)))          # position -> original index
    for i in range(len(sections) - 1, -1, -1):
        sec = sections[i]
        if sec.parent is None:
            continue
        j = sec.first
        own = len(sec) - j
        empty = own <= 1 or (own <= 2 and all(abs(c[j] - c[j + 1]) < HOC_EPSILON for c in (sec.x, sec.y, sec.z)))
        if not empty:
            continue
        removed = kept[i]
        del sections[i], kept[i]
        for child in sections[i:]:
            if child.parent == removed:
                child.parent, child.parentx = sec.parent, sec.parentx
    position = {orig: k for k, orig in enumerate(kept)}
    for sec in sections:
        if sec.parent is not None:
            sec.parent = position[sec.parent]
    return sections


def names(sections: list[RawSection]) -> list[str]:
    """NEURON's names: per type an array in section order (soma, axon, dend,
    apic; dend_N for custom type N), a lone soma plain ``soma``."""
    count: dict[int, int] = {}
    for sec in sections:
        count[sec.type] = count.get(sec.type, 0) + 1
    seen: dict[int, int] = {}
    made = []
    for sec in sections:
        base = type_name(sec.type)
        k = seen.get(sec.type, 0)
        seen[sec.type] = k + 1
        made.append(base if sec.type == SOMA and count[SOMA] == 1 else f"{base}[{k}]")
    return made


def type_name(kind: int) -> str:
    return {1: "soma", 2: "axon", 3: "dend", 4: "apic"}.get(kind, f"dend_{kind}")


def geometry_points(sec: RawSection) -> tuple[list, list, list, list]:
    """The 3-D points Import3d_GUI.instantiate gives the section: its points
    from ``first`` on (a contour as its centroid line), a single point as a
    cylinder of length and diameter d along x, each number written with 8
    significant digits as Import3d's pt3dadd commands are."""
    j = sec.first
    xx, yy, zz, dd = sec.x[j:], sec.y[j:], sec.z[j:], sec.d[j:]
    if sec.contour:
        xx, yy, zz, dd = contour_centroid(xx, yy, zz)
    if len(dd) == 1:
        half = dd[0] / 2
        xx, yy, zz, dd = [xx[0] - half, xx[0], xx[0] + half], [yy[0]] * 3, [zz[0]] * 3, [dd[0]] * 3
    return tuple([float(f"{v:.8g}") for v in column] for column in (xx, yy, zz, dd))
