"""Run models built in NEURON on Myriad: ``from_neuron()`` reads the model
instantiated in the running NEURON process and returns the same model in Myriad.

CoreNEURON's promise is "build your model in NEURON as always, enable the fast
engine, get the same spikes"; this is Myriad's.  The import is one-to-one:
each NEURON segment is one Myriad compartment with NEURON's area and axial
resistances, each supported mechanism is the Myriad class with NEURON's
equations and values (``catalogue``), NetCons and gids become detectors and
connections, ``Vector.record(seg._ref_v)`` becomes a Myriad recording.  What
Myriad does not translate is an error that lists every such mechanism and
where it is (``skip_unsupported`` runs without them, and says so).
``python -m applications.from_neuron SCRIPT.py`` is the command-line form.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from myriad import MechRef, ModelError, NodeRef, Result, Simulation

from applications.neuro import HH, Network, Section
from applications.neuron_import.events import Sources, import_events
from applications.neuron_import.mechanisms import Unsupported, import_half_gaps, import_mechanisms
from applications.neuron_import.probe import observe
from applications.neuron_import.sections import import_sections, section_order
from applications.neuron_import.spike_vectors import SpikeVectors, observe_spike_vectors


class UnsupportedMechanisms(ModelError):
    """The NEURON model uses mechanisms Myriad does not translate; ``found`` lists each and where."""

    def __init__(self, found: list[str]):
        self.found = found
        super().__init__("the NEURON model uses what Myriad cannot translate (skip_unsupported=True, or "
                         "--skip-unsupported, runs without it):\n" + "\n".join(found))


@dataclass
class Imported:
    """A NEURON model as a Myriad network, with what the NEURON script asked for."""

    network: Network
    sections: dict[str, Section]        # NEURON's section name -> its Myriad section
    recordings: list[tuple[object, NodeRef]] = field(default_factory=list)   # (NEURON Vector, node)
    point_processes: dict[str, MechRef] = field(default_factory=dict)     # hname ("ExpSyn[3]") -> mechanism
    tstop: float = 0.0                  # h.tstop (ms)
    dt: float = 0.025                   # h.dt (ms)
    v_init: float = -65.0               # h.v_init (mV)
    skipped: list[str] = field(default_factory=list)       # unsupported parts left out
    notes: list[str] = field(default_factory=list)         # differences worth knowing
    sources: Sources = field(default_factory=Sources)      # ids of detectors without a gid, NetStim gids' events
    spike_vectors: SpikeVectors = field(default_factory=SpikeVectors)   # spike_record / NetCon.record Vectors

    @property
    def compartments(self) -> int:
        """NEURON's sum of nseg."""
        return self.network.compartments

    def simulation(self, **options) -> tuple[Simulation, list[str]]:
        """A simulation at NEURON's dt (unless ``dt`` is given) recording what the
        script's Vectors record; returns it and the recordings' labels."""
        sim = self.network.simulation(**{"dt": self.dt, **options})
        return sim, [sim.record(node, "v") for _, node in self.recordings]

    def fill_vectors(self, result: Result, labels: list[str]) -> None:
        """Put Myriad's traces into the script's recording Vectors, as if NEURON had run."""
        for (vec, _), label in zip(self.recordings, labels):
            vec.from_python(result[label])

    @property
    def spike_sources(self) -> int:
        """How many sources the spikes come from: detectors and NetStims with a gid."""
        return len(self.network.model.detectors) + len(self.sources.generated)

    def fill_spike_vectors(self, result: Result) -> None:
        """Put Myriad's spikes into the Vectors the script gave to
        ``pc.spike_record`` (times and gids; a pair that records every
        detector's gid, as ``spike_record(-1, ...)`` does, also gets the
        NetStims' gids) and ``NetCon.record``, as if NEURON had run."""
        every = {gid for gid, _, _ in self.sources.watched if gid not in self.sources.ids}
        stims = {gid for _, gid in self.sources.generated}
        times, ids = self.spikes(result)
        for tvec, idvec, gids in self.spike_vectors.pairs:
            keep = np.isin(ids, list(gids | stims if gids == every else gids))
            tvec.from_python(times[keep])
            idvec.from_python(ids[keep])
        for vec, gid in self.spike_vectors.records:
            vec.from_python(result.spike_times[result.spike_gids == gid])

    def spikes(self, result: Result) -> tuple[np.ndarray, np.ndarray]:
        """Spike times and ids, sorted by time then id: every gid's, as
        ``pc.spike_record(-1, ...)`` records them (NetStims with a gid
        included), and those of the detectors without a gid under their ids
        (``-1 - k`` for the detector NetCon[k] watches)."""
        keep = result.spike_gids >= 0
        times, gids = result.spike_times[keep], result.spike_gids[keep].copy()
        for ours, theirs in self.sources.ids.items():
            gids[gids == ours] = theirs
        generated = [(t, gid) for events, gid in self.sources.generated for t in events if t <= self.tstop]
        times = np.concatenate([times, [t for t, _ in generated]])
        gids = np.concatenate([gids, np.array([g for _, g in generated], dtype=gids.dtype)])
        order = np.lexsort((gids, times))
        return times[order], gids[order]


def from_neuron(*, skip_unsupported: bool = False, tstop: float | None = None, v_init: float | None = None,
                gids=(), warn=None) -> Imported:
    """The model instantiated in this process's NEURON as a Myriad model.

    ``tstop`` (default ``h.tstop``) bounds the NetStim event lists; ``v_init``
    defaults to ``h.v_init``.  ``gids`` are gids to look for besides those
    NEURON's NetCons name and those numbered from 0 (NEURON cannot list its
    gids; ``script.run_script`` notes every gid a script registers).  With
    ``skip_unsupported`` the unsupported parts are left out and listed through
    ``warn`` (default: stderr) instead of raising :class:`UnsupportedMechanisms`.
    NEURON is left initialised (as after ``finitialize(v_init)``) when the
    model has recording Vectors or half gaps (see ``probe``).
    """
    try:
        from neuron import h
    except ImportError:
        raise ModelError("from_neuron needs NEURON: pip install neuron") from None
    h.load_file("stdrun.hoc")
    order = section_order(h)
    if not order:
        raise ModelError("NEURON has no sections: build the model in NEURON (run its script) first")
    tstop = float(h.tstop if tstop is None else tstop)
    v_init = float(h.v_init if v_init is None else v_init)
    net = Network()
    made = import_sections(h, net, order, v_init)
    unsupported = Unsupported()
    placed, half_gaps = import_mechanisms(h, net, made, unsupported)
    sources = import_events(h, net, made, placed, tstop, v_init, unsupported, gids)
    skipped = unsupported.lines()
    if skipped and not skip_unsupported:
        raise UnsupportedMechanisms(skipped)
    if skipped:
        (warn or _stderr)("from_neuron: running WITHOUT these unsupported parts of the model:\n  "
                          + "\n  ".join(skipped))
    spike_vectors = observe_spike_vectors(h, sources.watched, v_init)
    observed = observe(h, order, [pp for pp, _ in half_gaps])
    import_half_gaps(net, made, half_gaps, observed.sources)
    return Imported(network=net, sections={sec.name(): made[sec] for sec in order},
                    recordings=[(vec, made[sec].node(x)) for vec, sec, x in observed.recordings],
                    point_processes=placed, tstop=tstop, dt=float(h.dt), v_init=v_init, skipped=skipped,
                    notes=_differences(h, observed, uses_hh=HH in net.model.mechanisms),
                    sources=sources, spike_vectors=spike_vectors)


def _differences(h, observed, uses_hh: bool) -> list[str]:
    notes = []
    if observed.other_recordings:
        names = ", ".join(v.hname() for v in observed.other_recordings)
        notes.append(f"{names} record something other than a membrane potential; Myriad leaves them alone")
    if uses_hh and int(getattr(h, "usetable_hh", 0)):
        notes.append("NEURON's hh uses its 1 mV rate tables (usetable_hh = 1); Myriad's HH evaluates the "
                     "rate equations exactly, which moves spike times by up to a few hundredths of a ms")
    if int(h.cvode.active()):
        notes.append("NEURON is set to CVODE; Myriad runs the method it is given (backward Euler by default)")
    if int(h.secondorder):
        notes.append(f"NEURON is set to secondorder = {int(h.secondorder)}; Myriad runs the method it is "
                     f"given (backward Euler by default; --method crank_nicolson is secondorder = 2's scheme)")
    return notes


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)
