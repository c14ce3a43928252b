"""Networks: sections grouped into cells with gids, spike sources and connections.

Mirrors NEURON's NetCon vocabulary: a source is a threshold on a location's
voltage (or a list of stimulus times), a connection delivers each of its
events after ``delay`` ms to a synapse with ``weight`` (uS for conductance
synapses).  Identical cells are best built once and added many times
(``add_cells``); the bulk methods take many locations or nodes at once.
"""
from __future__ import annotations

import itertools
import numbers
from collections.abc import Iterable, Sequence

from myriad import MechRef, MechRefs, Model, ModelError, NodeRefs, Simulation, SourceRef
from myriad.errors import did_you_mean
from myriad.model import declared_fields, unknown_field

from applications.neuro.cells import Cells
from applications.neuro.gap import GapJunction, GradedSynapse
from applications.neuro.poisson import poisson_times
from applications.neuro.section import Location, Section, check_options


def _is_gid(gid) -> bool:
    return isinstance(gid, numbers.Integral) and not isinstance(gid, bool) and gid >= 0


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
        """A new unconnected section: ``L`` (um), ``diam`` (um), ``nseg``, ``Ra`` (ohm cm),
        ``cm`` (uF/cm2) and the other options of ``Section``; attach it with ``connect``."""
        check_options(name, geometry)
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
        if not isinstance(template, Network):
            raise ModelError(f"add_cells: the template must be a Network, got {type(template).__name__}")
        if template is self:
            raise ModelError("add_cells: a network cannot be added to itself")
        gids = list(gids)
        bad = next((g for g in gids if not _is_gid(g)), None)
        if bad is not None:
            raise ModelError(f"add_cells: gids must be integers >= 0, got {bad!r}")
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
        self._check_new_gid("spike_source", gid)
        node = self._node(location, f"spike_source gid {gid}")
        try:
            self.gids[gid] = self.model.add_detector(node, "v", threshold, int(gid))
        except ModelError as e:
            raise ModelError(f"spike_source gid {gid} at {location}: {e}") from None
        return self.gids[gid]

    def _check_new_gid(self, what: str, gid) -> None:
        if not _is_gid(gid):
            raise ModelError(f"{what}: gid must be an integer >= 0, got {gid!r}")
        if gid in self.gids:
            raise ModelError(f"gid {gid} already has a spike source")

    def stimulus(self, times) -> SourceRef:
        """A source emitting events at the given times (ms), like a NetStim or VecStim."""
        if isinstance(times, Iterable) and not isinstance(times, (str, bytes)):
            times = list(times)
        if isinstance(times, list) and not times:
            raise ModelError("generator times must be a non-empty list of finite numbers >= 0 ms, got []")
        return self.model.add_generator(times)

    def poisson_source(self, rate_hz: float, start: float, stop: float, *, seed,
                       gid: int | None = None) -> SourceRef:
        """A Poisson spike train of ``rate_hz`` (Hz) from ``start`` to ``stop`` (ms),
        drawn now with numpy's Generator seeded by ``seed`` (see ``poisson_times``,
        which returns the same times), so every thread count and backend sees
        the same events.  ``gid`` lets ``connect`` name it by gid; its events
        are not in ``Result.spikes`` (they are these times).  A source in a
        template given to ``add_cells`` fires the same train in every copy: for
        independent trains, add one per cell with its own seed, e.g. ``(base, gid)``."""
        if gid is not None:
            self._check_new_gid("poisson_source", gid)
        source = self.model.add_generator(poisson_times(rate_hz, start, stop, seed))
        if gid is not None:
            self.gids[gid] = source
        return source

    def connect(self, source: SourceRef | int, target: MechRef, delay: float = 1.0, weight: float = 0.0) -> None:
        """Deliver each event of ``source`` (a spike source, or a gid given to
        ``spike_source``) to ``target``'s ``on_event(weight)`` after ``delay`` ms."""
        if isinstance(source, numbers.Integral) and not isinstance(source, bool):
            if source not in self.gids:
                raise ModelError(f"gid {source} has no spike source")
            source = self.gids[source]
        self.model.connect(source, target, delay, weight)

    def place(self, cls, where, **params) -> MechRefs:
        """Many point processes at once: one ``cls`` at each of ``where``
        (locations, or nodes such as ``Cells.refs`` gives), parameters one or one per location."""
        return self.model.add_mechanisms(cls, self._nodes(where, f"place {getattr(cls, '__name__', cls)}"), **params)

    def gap_junction(self, a: Location, b: Location, g: float) -> MechRef:
        """An ohmic electrical synapse of ``g`` uS between two locations (loops are fine)."""
        return self._couple(GapJunction, "gap_junction", a, b, g=g)

    def graded_synapse(self, pre: Location, post: Location, **params) -> MechRef:
        """A graded chemical synapse driven by the voltage at ``pre`` onto ``post``."""
        return self._couple(GradedSynapse, "graded_synapse", pre, post, **params)

    def gap_junctions(self, a, b, g) -> MechRefs:
        """Many gap junctions at once: a[i] to b[i] (locations or nodes) with g (uS, one or one per junction)."""
        nodes = self._nodes(a, "gap_junctions"), self._nodes(b, "gap_junctions")
        return self.model.add_mechanisms(GapJunction, nodes, g=g)

    def graded_synapses(self, pre, post, **params) -> MechRefs:
        """Many graded synapses at once: pre[i] onto post[i] (locations or nodes;
        parameters one or one per synapse)."""
        return self.model.add_mechanisms(GradedSynapse, (self._nodes(pre, "graded_synapses"),
                                                         self._nodes(post, "graded_synapses")), **params)

    def _couple(self, cls, what: str, pre, post, **params) -> MechRef:
        nodes = self._node(pre, what), self._node(post, what)
        try:
            return self.model.add_mechanism(cls, nodes, **params)
        except ModelError as e:
            raise ModelError(f"{what} {pre} -> {post}: {e}") from None

    def _node(self, location, what: str):
        """The node of a location of this network (one of another network's would
        silently stand for whichever node has its index here)."""
        if not isinstance(location, Location):
            raise ModelError(f"{what}: expected a location such as soma(0.5), got {location!r}")
        if location.section.model is not self.model:
            raise ModelError(f"{what}: {location} belongs to another network")
        return location.node()

    def _nodes(self, where, what: str) -> NodeRefs | list:
        """The nodes of many locations (a NodeRefs stands for itself)."""
        if isinstance(where, Location):
            where = [where]
        return where if isinstance(where, NodeRefs) else [self._node(x, what) for x in where]

    def name(self, name: str, refs) -> None:
        """Call a node, mechanism or group of them (e.g. a clamp) ``name`` in
        parameter paths (see ``locate``)."""
        if not isinstance(name, str) or not name or "." in name:
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
            refs = _listed(self.names[head])
        else:
            refs = self._locate_instances(path, head)
        for cls in dict.fromkeys(getattr(ref, "cls", None) for ref in refs):
            if not isinstance(cls, type):
                raise ModelError(f"parameter path '{path}': '{head}' names something that has no fields")
            if field not in declared_fields(cls):
                raise ModelError(f"parameter path '{path}': {unknown_field(cls, field, 'field')}")
        return refs, field

    def _locate_instances(self, path: str, head: str) -> list:
        """What ``head`` (``section`` or ``section.mechanism``) of a parameter path stands for."""
        sections, twice = {}, set()
        for sec in self.sections:
            if sec.name in sections:
                twice.add(sec.name)
            sections[sec.name] = sec
        ambiguous = {head, head.rpartition(".")[0]} & twice
        if ambiguous:
            raise ModelError(f"parameter path '{path}': more than one section is named '{ambiguous.pop()}'; "
                             f"give sections distinct names to address them by path")
        if head in sections:
            return list(sections[head].centres)
        name, _, mechanism = head.rpartition(".")
        sec = sections.get(name)
        if sec is None:
            wanted = name or head
            hint = did_you_mean(wanted, [*self.names, *sections]) or \
                f" (known: {', '.join(sorted(self.names) + sorted(sections)[:20])})"
            raise ModelError(f"parameter path '{path}': no section or name '{wanted}'{hint}")
        found = [refs for cls, inserted in sec.inserted.items() if cls.__name__.lower() == mechanism.lower()
                 for refs in inserted]
        if not found:
            have = [cls.__name__ for cls in sec.inserted]
            hint = did_you_mean(mechanism.lower(), [name.lower() for name in have]) or \
                f" (it has {', '.join(have) or 'none'})"
            raise ModelError(f"parameter path '{path}': section '{name}' has no mechanism '{mechanism}' "
                             f"inserted{hint}")
        return [ref for refs in found for ref in refs]

    def simulation(self, **options) -> Simulation:
        """A Simulation of this network; ``options`` are Simulation's (method, dt,
        threads, backend, ...)."""
        return Simulation(self.model, **options)
