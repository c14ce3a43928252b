"""Neurolucida ASC files, read by ``morphio`` and sectioned as NEURON's
Import3d_Neurolucida3 sections them (``read_nlcda3.hoc``).

morphio parses the file (the s-expression grammar, markers, spines) and
gives the soma contour and the trees' sections in file order.  Import3d's
rules then apply: a child section starts with a copy of its parent's last
point, with the child's own first diameter, unless its first point is already
there; every tree's root hangs from the soma's centre by a wire (left out of
the geometry) at soma(0.5).  morphio stores coordinates as float32; the
decimal numbers of the file are recovered as the shortest decimal that reads
back as that float32, which is the file's number whenever it has at most 7
significant digits (Neurolucida writes 6; a file with more gets NEURON's
geometry to about 1e-7 relative, not 1e-9).
"""
from __future__ import annotations

import re

import numpy as np

from applications.neuro.morphology.contour import resampled
from applications.neuro.morphology.errors import MorphologyError
from applications.neuro.morphology.import3d import RawSection
from applications.neuro.morphology.swc import APIC, AXON, DEND, SOMA

#: morphio's section types -> SWC's
_TYPES = {"axon": AXON, "basal_dendrite": DEND, "apical_dendrite": APIC}


def _decimal(values) -> list:
    """Each float32 as the shortest decimal number that reads back as it."""
    return [float(np.format_float_positional(v, unique=True, trim="-")) for v in np.asarray(values, np.float32)]


def _morphio_error(path, error) -> MorphologyError:
    """morphio's message as one line without its terminal colours, its
    ``file:line:error`` prefix turned into ours."""
    text = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", str(error)).split())
    located = re.match(rf"^{re.escape(str(path))}:(\d+):\s*(?:error|warning)?:?\s*(.*)$", text)
    if located:
        return MorphologyError(path, located.group(2), int(located.group(1)))
    return MorphologyError(path, text)


def asc_sections(path) -> list[RawSection]:
    try:
        import morphio
    except ImportError:
        raise MorphologyError(path, "reading Neurolucida files needs morphio: pip install morphio") from None
    morphio.set_maximum_warnings(0)
    try:
        morph = morphio.Morphology(str(path), morphio.Option.no_duplicates)
    except morphio.MorphioError as e:
        raise _morphio_error(path, e) from None
    soma = morph.soma.points
    if len(soma) < 3:
        raise MorphologyError(path, f"the soma contour has {len(soma)} points; NEURON's Import3d needs at least 3")
    sections = [RawSection(0, *(_decimal(soma[:, k]) for k in range(3)), [0.0] * len(soma), type=SOMA,
                           contour=True)]
    centre = None
    for root in morph.root_sections:
        stack = [(root, None)]
        while stack:
            sec, parent = stack.pop()
            kind = _TYPES.get(sec.type.name)
            if kind is None:
                raise MorphologyError(path, f"unknown section type {sec.type.name} (section {sec.id})")
            x, y, z = (_decimal(sec.points[:, k]) for k in range(3))
            raw = RawSection(len(sections), x, y, z, _decimal(sec.diameters), type=kind)
            if parent is None:
                if centre is None:
                    centre = [sum(c) / len(c) for c in resampled(sections[0].x, sections[0].y, sections[0].z)]
                raw.insert(*centre, .01)
                raw.parent, raw.parentx, raw.first = 0, 0.5, 1
            else:
                p = sections[parent]
                if (p.x[-1], p.y[-1], p.z[-1]) != (x[0], y[0], z[0]):
                    raw.insert(p.x[-1], p.y[-1], p.z[-1], raw.d[0])
                raw.parent = parent
            index = len(sections)
            sections.append(raw)
            stack.extend((child, index) for child in reversed(sec.children))
    return sections
