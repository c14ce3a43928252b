"""NEURON's density mechanisms and point processes as Myriad mechanisms.

A section's density mechanisms are read segment by segment, its point
processes where they sit; those in the catalogue are placed on the matching
nodes with NEURON's values, the rest are reported as unsupported.
Half gap junctions are collected for the probe, which finds what they listen to.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from myriad import NodeRefs

from applications.neuro import GapJunction, HalfGap, Network
from applications.neuro.section import compact

from applications.neuron_import.catalogue import DENSITY, HALF_GAP, POINT, template_name


class Unsupported:
    """What the model uses that Myriad does not translate, with where it is."""

    def __init__(self):
        self.density: dict[str, list[str]] = defaultdict(list)
        self.items: list[str] = []
        self.groups: dict[str, list[str]] = defaultdict(list)

    def add_density(self, mechanism: str, section: str) -> None:
        self.density[mechanism].append(section)

    def add(self, line: str) -> None:
        self.items.append(line)

    def group(self, kind: str, item: str) -> None:
        """One of many alike (the NetCons from 40 IntFire1s): listed as one line per ``kind``."""
        self.groups[kind].append(item)

    def lines(self) -> list[str]:
        out = [f"density mechanism '{name}' inserted in {len(sections)} section"
               f"{'s' if len(sections) > 1 else ''}: {_shown(sections)}" for name, sections in self.density.items()]
        return out + self.items + [f"{len(items)} {kind}: {_shown(items)}" for kind, items in self.groups.items()]


def _shown(items: list[str]) -> str:
    return ", ".join(items[:8]) + (f" and {len(items) - 8} more" if len(items) > 8 else "")


def point_processes(h) -> dict:
    """Every point process with a location, by section, in creation order
    (one pass over each point-process class, not one per section)."""
    found = defaultdict(list)
    kind, name = h.MechanismType(1), h.ref("")
    for i in range(int(kind.count())):
        kind.select(i)
        kind.selected(name)
        for pp in h.List(name[0]):
            if pp.has_loc():
                found[pp.get_segment().sec].append(pp)
    return found


def import_mechanisms(h, net: Network, made: dict, unsupported: Unsupported) -> tuple[dict, list]:
    """Density mechanisms (one bulk call per class) and point processes of every
    section.  Returns the placed point processes (hname -> MechRef, also
    names in ``net`` for parameter paths) and the half gaps (point process, node)."""
    placed, half_gaps = {}, []
    located = point_processes(h)
    density = defaultdict(list)   # (Myriad class, node class) -> (nodes, {param: per-segment values}) per section
    for sec, section in made.items():
        segs = list(sec)
        for name in (mech.name() for mech in sec(0.5)):
            entry = DENSITY.get(name)
            if entry is None:
                if not name.endswith("_ion"):
                    unsupported.add_density(name, sec.name())
                continue
            params = {ours: [getattr(seg, f"{theirs}_{name}") for seg in segs] for ours, theirs in entry.params.items()}
            params.update({ours: [getattr(seg, var) for seg in segs] for ours, (_, var) in entry.ions.items()})
            params.update({ours: [float(getattr(h, var))] * len(segs) for ours, var in entry.globals.items()})
            density[(entry.cls, section.node_class)].append((section, params))
        for pp in located.get(sec, ()):
            seg = pp.get_segment()
            node = section.node(seg.x)
            kind = template_name(pp)
            entry = POINT.get(kind)
            if entry is not None:
                params = {ours: float(getattr(pp, theirs)) for ours, theirs in entry.params.items()}
                placed[pp.hname()] = section.model.add_mechanism(entry.cls, node, **params)
                net.name(pp.hname(), placed[pp.hname()])
            elif kind == HALF_GAP:
                half_gaps.append((pp, node))
            else:
                unsupported.add(f"point process {pp.hname()} at {sec.name()}({seg.x:g})")
    for (cls, node_class), parts in density.items():
        nodes = NodeRefs(node_class, np.concatenate([np.asarray(sec.centres.indices, dtype=np.int64)
                                                     for sec, _ in parts]))
        refs = net.model.add_mechanisms(cls, nodes, **{name: compact(np.concatenate([p[name] for _, p in parts]))
                                                       for name in parts[0][1]})
        start = 0
        for section, _ in parts:     # as Section.insert would have noted them, for Network.locate
            section.inserted.setdefault(cls, []).append(refs[start:start + section.nseg])
            start += section.nseg
    for obj in h.List("LinearMechanism"):
        unsupported.add(f"{obj.hname()} (a LinearMechanism adds equations to NEURON's matrix)")
    return placed, half_gaps


def import_half_gaps(net: Network, made: dict, half_gaps: list, sources: dict) -> None:
    """Each pair of half gaps that listen to each other with the same g becomes
    one GapJunction; a half without its partner stays one-sided (HalfGap)."""
    waiting = defaultdict(list)   # (node of a half, node it listens to) -> its g, for each unmatched half
    for pp, node in half_gaps:
        source_sec, x = sources[pp.hname()]
        source = made[source_sec].node(x)
        partners = waiting[(source, node)]
        if pp.g in partners:
            partners.remove(pp.g)
            net.model.add_mechanism(GapJunction, (source, node), g=pp.g)
        else:
            waiting[(node, source)].append(pp.g)
    for (node, source), gs in waiting.items():
        for g in gs:
            net.model.add_mechanism(HalfGap, (source, node), g=g)
