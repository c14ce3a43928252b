"""Many copies of one cell: a template network built once and copied with array
operations, so that a network of thousands of identical cells costs one
cell's build plus a copy (NEURON users build from a cell template; Arbor
instantiates one cable-cell description per gid).

Copy ``k`` has the template's nodes, mechanisms and spike sources with gids
shifted by ``gids[k]``; its sections exist on demand, as views of the
template's sections on the copy's nodes, named ``{prefix}{gid}.{name}``.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence

from myriad import Copies, ModelError

from applications.neuro.section import Location, Section


class Cells:
    """The copies of a template network that ``Network.add_cells`` made, one per gid."""

    def __init__(self, model, template, copies: Copies, gids: list[int], prefix: str):
        self.model, self.copies, self.gids, self.prefix = model, copies, gids, prefix
        # the template's sections as they were when copied (later changes to it do not apply)
        self.template_sections = [copy.copy(sec) for sec in template.sections]
        self._index = {sec: i for i, sec in enumerate(template.sections)}
        self._views: dict[tuple[int, int], Section] = {}
        self.compartments = len(gids) * template.compartments
        self.sections = _Sections(self)

    def __len__(self):
        return len(self.gids)

    def ref(self, ref, k: int):
        """The template's ``ref`` (node, mechanism, source or many of one class) in cell ``k``."""
        return self.copies.ref(ref, k)

    def refs(self, ref):
        """The template's node or mechanism ``ref`` in every cell (NodeRefs / MechRefs, cell order)."""
        return self.copies.refs(ref)

    def section(self, k: int, section: Section | int) -> Section:
        """The template's ``section`` (or its index among the template's sections) in cell ``k``."""
        if not (isinstance(k, int) and 0 <= k < len(self)):
            raise ModelError(f"cell {k!r} does not exist (there are {len(self)})")
        i = section if isinstance(section, int) else self._index.get(section)
        if i is None or not 0 <= i < len(self.template_sections):
            raise ModelError(f"{section!r} is not a section of this cell template")
        view = self._views.get((k, i))
        if view is None:
            template = self.template_sections[i]
            parent = template.parent
            if parent is not None:
                parent = Location(self.section(k, parent.section), parent.x)
            view = template.copied(self.model, f"{self.prefix}{self.gids[k]}.{template.name}", parent,
                                   lambda ref: self.copies.ref(ref, k))
            self._views[(k, i)] = view
        return view


class _Sections(Sequence):
    """Every cell's sections, cell after cell, made on first use."""

    def __init__(self, cells: Cells):
        self.cells = cells

    def __len__(self):
        return len(self.cells) * len(self.cells.template_sections)

    def __getitem__(self, j):
        if isinstance(j, slice):
            return [self[i] for i in range(*j.indices(len(self)))]
        m = len(self.cells.template_sections)
        if not -len(self) <= j < len(self):
            raise IndexError(j)
        return self.cells.section(j % len(self) // m, j % m)
