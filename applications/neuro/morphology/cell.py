"""A reconstructed cell as Myriad sections: geometry from NEURON's rules,
biophysics by region."""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from myriad import ModelError

from applications.neuro.morphology.geometry import Points, d_lambda_nseg, segments
from applications.neuro.morphology.import3d import RawSection, geometry_points, names, type_name
from applications.neuro.network import Network
from applications.neuro.section import Section


@dataclass
class Shape:
    """One section as NEURON instantiates it: name, SWC type, 3-D points,
    parent (index into the cell's shapes, None for the root) and where on it."""

    name: str
    type: int
    points: Points
    parent: int | None
    parentx: float


def shapes(raw: list[RawSection]) -> list[Shape]:
    """Import3d's sections with their 3-D points and NEURON's names."""
    return [Shape(name, sec.type, Points(*geometry_points(sec)), sec.parent, sec.parentx)
            for name, sec in zip(names(raw), raw)]


class Cell:
    """A cell built from a morphology file in a network of its own (or the one
    given), usable as an ``add_cells`` template or in a ``Batch`` of its model.

    ``sections`` maps NEURON's section names (``soma``, ``dend[3]``) to
    sections; ``regions`` maps ``soma``, ``axon``, ``dend``, ``apic`` (and
    ``dend_N`` for custom types) to their sections, in NEURON's order."""

    def __init__(self, path, cell_shapes: list[Shape], *, d_lambda: float, freq: float, Ra: float, cm: float,
                 network: Network | None = None):
        for name, value in (("d_lambda", d_lambda), ("freq", freq), ("Ra", Ra)):
            if not (isinstance(value, numbers.Real) and 0 < value < math.inf):
                raise ModelError(f"load_morphology: {name} must be a positive number, got {value!r}")
        self.path, self.shapes = path, cell_shapes
        self.network = Network() if network is None else network
        rows = []
        for shape in cell_shapes:
            nseg = d_lambda_nseg(shape.points, d_lambda, freq, Ra, cm)
            geometry = segments(shape.points, nseg, Ra)
            rows.append(dict(name=shape.name, L=shape.points.L, diam=float(geometry.diam.mean()), nseg=nseg, Ra=Ra,
                             cm=cm, segments=geometry,
                             parent=None if shape.parent is None else (shape.parent, shape.parentx)))
        try:
            made = self.network.add_sections(rows)
        except ModelError as e:
            raise ModelError(f"{path}: {e}") from None
        self.sections: dict[str, Section] = {sec.name: sec for sec in made}
        self.regions: dict[str, list[Section]] = {}
        for shape, sec in zip(cell_shapes, made):
            self.regions.setdefault(type_name(shape.type), []).append(sec)

    @property
    def soma(self) -> Section:
        """The first soma section (the root where the file has a soma)."""
        return self.regions.get("soma", next(iter(self.regions.values())))[0]

    def apply(self, biophysics: dict) -> None:
        """Insert mechanisms by region: ``{"soma": [HH], "dend": [(Pas, {"g": 1e-4})]}``;
        keys are regions (``soma``, ``axon``, ``dend``, ``apic``), ``all`` or section names."""
        for key, mechanisms in biophysics.items():
            if key == "all":
                targets = list(self.sections.values())
            elif key in self.regions:
                targets = self.regions[key]
            elif key in self.sections:
                targets = [self.sections[key]]
            else:
                raise ModelError(f"{self.path}: no region or section '{key}' (regions: "
                                 f"{', '.join(self.regions)}; or 'all', or a section name)")
            for entry in mechanisms:
                cls, params = entry if isinstance(entry, tuple) else (entry, {})
                for sec in targets:
                    sec.insert(cls, **params)

    def summary(self) -> dict:
        """Sections, segments (sum of nseg), membrane area and length (um2, um), area by region."""
        by_type = {name: sum(float(sec.segments.area.sum()) for sec in secs) for name, secs in self.regions.items()}
        return {"sections": len(self.sections), "segments": sum(sec.nseg for sec in self.sections.values()),
                "area_um2": sum(by_type.values()), "area_by_type": by_type,
                "length_um": sum(shape.points.L for shape in self.shapes)}
