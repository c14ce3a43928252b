"""Networks: sections grouped into cells with gids, spike sources and connections.

Mirrors NEURON's NetCon vocabulary: a source is a threshold on a location's
voltage (or a list of stimulus times), a connection delivers each of its
events after ``delay`` ms to a synapse with ``weight`` (uS for conductance
synapses).
"""
from __future__ import annotations

from myriad import MechRef, MechRefs, Model, ModelError, Simulation, SourceRef

from applications.neuro.gap import GapJunction, GradedSynapse
from applications.neuro.section import Location, Section


class Network:
    """A model under construction, with the bookkeeping NEURON users expect."""

    def __init__(self):
        self.model = Model()
        self.sections: list[Section] = []
        self.gids: dict[int, SourceRef] = {}

    def section(self, name: str = "section", **geometry) -> Section:
        sec = Section(self.model, name, **geometry)
        self.sections.append(sec)
        return sec

    @property
    def compartments(self) -> int:
        """Membrane compartments, as NEURON's sum of nseg counts them."""
        return sum(sec.nseg for sec in self.sections)

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

    def gap_junction(self, a: Location, b: Location, g: float) -> MechRef:
        """An ohmic electrical synapse of ``g`` uS between two locations (loops are fine)."""
        return self.model.add_mechanism(GapJunction, (a.node(), b.node()), g=g)

    def graded_synapse(self, pre: Location, post: Location, **params) -> MechRef:
        """A graded chemical synapse driven by the voltage at ``pre`` onto ``post``."""
        return self.model.add_mechanism(GradedSynapse, (pre.node(), post.node()), **params)

    def gap_junctions(self, a: list[Location], b: list[Location], g) -> MechRefs:
        """Many gap junctions at once: a[i] to b[i] with g (uS, one or one per junction)."""
        return self.model.add_mechanisms(GapJunction, ([x.node() for x in a], [x.node() for x in b]), g=g)

    def graded_synapses(self, pre: list[Location], post: list[Location], **params) -> MechRefs:
        """Many graded synapses at once: pre[i] onto post[i] (parameters one or one per synapse)."""
        return self.model.add_mechanisms(GradedSynapse, ([x.node() for x in pre], [x.node() for x in post]),
                                         **params)

    def simulation(self, **options) -> Simulation:
        return Simulation(self.model, **options)
