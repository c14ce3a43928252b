"""Networks: sections grouped into cells with gids, spike sources and connections.

Mirrors NEURON's NetCon vocabulary: a source is a threshold on a location's
voltage (or a list of stimulus times), a connection delivers each of its
events after ``delay`` ms to a synapse with ``weight`` (uS for conductance
synapses).  Identical cells are best built once and added many times
(``add_cells``); the bulk methods take many locations or nodes at once.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence

from myriad import MechRef, MechRefs, Model, ModelError, NodeRefs, Simulation, SourceRef

from applications.neuro.cells import Cells
from applications.neuro.gap import GapJunction, GradedSynapse
from applications.neuro.section import Location, Section


def _nodes(where) -> NodeRefs | list:
    """The nodes of many locations (a NodeRefs stands for itself)."""
    return where if isinstance(where, NodeRefs) else [x.node() for x in where]


def _listed(refs) -> list:
    """One ref (a NodeRef or MechRef tuple) or many, as a list."""
    return [refs] if isinstance(refs, tuple) else list(refs)


class _Chain(Sequence):
    """Sequences one after another, read as one."""

    def __init__(self, parts: list[Sequence]):
        self.parts = parts

    def __len__(self):
        return sum(map(len, self.parts))

    def __iter__(self):
        return itertools.chain.from_iterable(self.parts)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return list(self)[i]
        if i < 0:
            i += len(self)
        for part in self.parts:
            if 0 <= i < len(part):
                return part[i]
            i -= len(part)
        raise IndexError("section index out of range")


class Network:
    """A model under construction, with the bookkeeping NEURON users expect."""

    def __init__(self):
        self.model = Model()
        self.gids: dict[int, SourceRef] = {}
        self._compartments = 0
        self._parts: list[Sequence[Section]] = []
        self.names: dict[str, object] = {}

    @property
    def sections(self) -> Sequence[Section]:
        """Every section in order of creation, the added cells' included."""
        return _Chain(self._parts)

    @property
    def compartments(self) -> int:
        """Membrane compartments, as NEURON's sum of nseg counts them."""
        return self._compartments

    def section(self, name: str = "section", **geometry) -> Section:
        return self._register([Section(self.model, name, **geometry)])[0]

    def add_sections(self, rows: list[dict]) -> list[Section]:
        """Many sections at once (see ``Section.many``: each row is a section's
        keyword arguments, ``name`` and ``parent`` = (row, x) or None)."""
        return self._register(Section.many(self.model, rows))

    def _register(self, sections: list[Section]) -> list[Section]:
        if not (self._parts and isinstance(self._parts[-1], list)):
            self._parts.append([])
        self._parts[-1].extend(sections)
        self._compartments += sum(sec.nseg for sec in sections)
        return sections

    def add_cells(self, template: "Network", gids, prefix: str = "cell") -> Cells:
        """One copy of ``template`` (typically one cell announcing gid 0) per gid in
        ``gids``, as if it had been built that many times over, at the cost of
        a few array copies.  The template's gid g is ``gid + g`` in the copy for
        ``gid``, and its sections are named ``{prefix}{gid}.{name}`` there."""
        if template is self:
            raise ModelError("add_cells: a network cannot be added to itself")
        gids = [int(g) for g in gids]
        taken = set(self.gids)
        for gid in (g + local for g in gids for local in template.gids):
            if gid in taken:
                raise ModelError(f"add_cells: gid {gid} would have two spike sources")
            taken.add(gid)
        cells = Cells(self.model, template, self.model.add_copies(template.model, len(gids), gids), gids, prefix)
        for k, gid in enumerate(gids):
            for local, source in template.gids.items():
                self.gids[gid + local] = cells.ref(source, k)
        self._parts.append(cells.sections)
        self._compartments += cells.compartments
        return cells

    def spike_source(self, location: Location, gid: int, threshold: float = 10.0) -> SourceRef:
        """Announce spikes of ``gid``: voltage at ``location`` crossing ``threshold`` (mV) upwards."""
        if gid in self.gids:
            raise ModelError(f"gid {gid} already has a spike source")
        self.gids[gid] = self.model.add_detector(location.node(), "v", threshold, gid)
        return self.gids[gid]

    def stimulus(self, times) -> SourceRef:
        """A source emitting events at the given times (ms), like a NetStim or VecStim."""
        return self.model.add_generator(times)

    def connect(self, source: SourceRef | int, target: MechRef, delay: float = 1.0, weight: float = 0.0) -> None:
        if isinstance(source, int):
            if source not in self.gids:
                raise ModelError(f"gid {source} has no spike source")
            source = self.gids[source]
        self.model.connect(source, target, delay, weight)

    def place(self, cls, where, **params) -> MechRefs:
        """Many point processes at once: one ``cls`` at each of ``where``
        (locations, or nodes such as ``Cells.refs`` gives), parameters one or one per location."""
        return self.model.add_mechanisms(cls, _nodes(where), **params)

    def gap_junction(self, a: Location, b: Location, g: float) -> MechRef:
        """An ohmic electrical synapse of ``g`` uS between two locations (loops are fine)."""
        return self.model.add_mechanism(GapJunction, (a.node(), b.node()), g=g)

    def graded_synapse(self, pre: Location, post: Location, **params) -> MechRef:
        """A graded chemical synapse driven by the voltage at ``pre`` onto ``post``."""
        return self.model.add_mechanism(GradedSynapse, (pre.node(), post.node()), **params)

    def gap_junctions(self, a, b, g) -> MechRefs:
        """Many gap junctions at once: a[i] to b[i] (locations or nodes) with g (uS, one or one per junction)."""
        return self.model.add_mechanisms(GapJunction, (_nodes(a), _nodes(b)), g=g)

    def graded_synapses(self, pre, post, **params) -> MechRefs:
        """Many graded synapses at once: pre[i] onto post[i] (locations or nodes;
        parameters one or one per synapse)."""
        return self.model.add_mechanisms(GradedSynapse, (_nodes(pre), _nodes(post)), **params)

    def name(self, name: str, refs) -> None:
        """Call a node, mechanism or group of them (e.g. a clamp) ``name`` in
        parameter paths (see ``locate``)."""
        if not name or "." in name:
            raise ModelError(f"a name must be non-empty and without '.', got {name!r}")
        if name in self.names:
            raise ModelError(f"the name '{name}' is already taken")
        self.names[name] = refs

    def locate(self, path: str) -> tuple[list, str]:
        """The instances and field a parameter path stands for, as searches
        (``myriad.search``) address a model: ``"soma.hh.gnabar"`` is ``gnabar``
        of every ``hh`` inserted in section ``soma`` (a mechanism by its class
        name, case ignored), ``"soma.cm"`` a field of the section's compartments,
        ``"stim.amp"`` a field of what was given that ``name``."""
        head, _, field = path.rpartition(".")
        if not head or not field:
            raise ModelError(f"parameter path '{path}' must read 'section.mechanism.field', "
                             f"'section.field' or 'name.field'")
        if head in self.names:
            return _listed(self.names[head]), field
        sections = {sec.name: sec for sec in self.sections}
        if head in sections:
            return list(sections[head].centres), field
        name, _, mechanism = head.rpartition(".")
        sec = sections.get(name)
        if sec is None:
            known = ", ".join(sorted(self.names) + sorted(sections)[:20])
            raise ModelError(f"parameter path '{path}': no section or name '{name or head}' (known: {known})")
        found = [refs for cls, inserted in sec.inserted.items() if cls.__name__.lower() == mechanism.lower()
                 for refs in inserted]
        if not found:
            have = ", ".join(cls.__name__ for cls in sec.inserted) or "none"
            raise ModelError(f"parameter path '{path}': section '{name}' has no mechanism '{mechanism}' "
                             f"inserted (it has {have})")
        return [ref for refs in found for ref in refs], field

    def simulation(self, **options) -> Simulation:
        return Simulation(self.model, **options)
