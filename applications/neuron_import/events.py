"""NEURON's spike sources, NetStims and NetCons as Myriad detectors, generators and connections.

A NetCon watching a segment's v shares NEURON's PreSyn with every other
NetCon on that node: one threshold, one gid.  Each becomes one Myriad
detector per node.  The sources are found two ways: through every gid
NEURON has a source for (``pc.cell``; the NetCon given to it is often
dropped at once, and the gid's source stays), and through the live NetCons.
A detector without a gid gets the id ``-1 - k``, NetCon[k] being the first
NetCon watching it, so its spikes can be written beside the gids'.
A NetStim is a list of event times: computed when it has no noise, taken
from NEURON (``artificial``) when it has.  Connections keep their delay and
``weight[0]``; inactive NetCons deliver nothing, as in NEURON.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from myriad import ModelError

from applications.neuro import Network
from applications.neuron_import.artificial import noisy_net_stim_events
from applications.neuron_import.catalogue import NET_STIM, template_name
from applications.neuron_import.mechanisms import Unsupported
from applications.neuron_import.sections import node_of


@dataclass
class Sources:
    """What the spike file needs beyond Myriad's detectors with a NEURON gid."""

    ids: dict = field(default_factory=dict)          # Myriad gid of a detector without a NEURON gid -> its id
    generated: list = field(default_factory=list)    # (times, gid) of NetStims with a gid
    watched: list = field(default_factory=list)      # (Myriad gid, threshold setter, threshold) of each detector


def net_stim_times(stim, tstop: float) -> list[float]:
    """The events a noise-free NetStim sends up to ``tstop``: ``number`` of them,
    ``interval`` apart from ``start`` (none if start < 0, as in NEURON)."""
    start, interval, number = float(stim.start), float(stim.interval), float(stim.number)
    if start < 0 or number <= 0 or start > tstop:
        return []
    if not interval > 0:
        raise ModelError(f"{stim.hname()}: interval must be > 0 ms, got {interval!r}")
    count = int(min(number, math.floor((tstop - start) / interval) + 1))
    return [start + k * interval for k in range(count)]


def candidate_gids(h, known) -> set:
    """Gids to ask NEURON about: ``known`` ones, the NetCons' and every gid
    below the count of sections and artificial cells (NEURON cannot list its
    gids; models number them from 0)."""
    count = sum(1 for _ in h.allsec()) + int(h.List(NET_STIM).count())
    return set(known) | set(range(count + 1)) | {int(nc.srcgid()) for nc in h.List("NetCon") if nc.srcgid() >= 0}


def gid_sources(h, gids) -> dict:
    """gid -> (segment or None, artificial cell or None, threshold) for every
    gid of ``gids`` NEURON has a source for, whether or not a NetCon from it lives."""
    pc = h.ParallelContext()
    present = [gid for gid in sorted(gids) if pc.gid_exists(gid) >= 2]
    if not present:
        return {}
    probe = h.IntFire1()          # gid_connect needs a target; each NetCon to it is dropped at once
    found = {}
    for gid in present:
        nc = pc.gid_connect(gid, probe)
        found[gid] = (nc.preseg(), nc.pre(), float(pc.threshold(gid)))
    return found


def import_events(h, net: Network, made: dict, placed: dict, tstop: float, v_init: float,
                  unsupported: Unsupported, gids=()) -> Sources:
    """Detectors, generators and connections of every spike source and NetCon."""
    sources = Sources()
    by_gid = gid_sources(h, candidate_gids(h, gids))
    noisy = [stim for stim in h.List(NET_STIM) if float(stim.noise) > 0]
    events = noisy_net_stim_events(h, noisy, tstop, v_init) if noisy else {}
    netcons = list(h.List("NetCon"))
    next_gid = 1 + max([*by_gid, *(int(nc.srcgid()) for nc in netcons), -1])
    detectors, generators = {}, {}

    def times_of(stim):
        return events[stim.hname()] if stim.hname() in events else net_stim_times(stim, tstop)

    def stimulus(stim):
        name = stim.hname()
        if name not in generators:
            times = times_of(stim)
            generators[name] = net.stimulus(times) if times else None
        return generators[name]

    pc = h.ParallelContext()
    for gid, (seg, pre, threshold) in by_gid.items():
        if seg is not None:
            node = node_of(made, seg)
            detectors[node] = net.model.add_detector(node, "v", threshold, gid)
            sources.watched.append((gid, lambda value, gid=gid: pc.threshold(gid, value), threshold))
        elif pre is not None and template_name(pre) == NET_STIM:
            stimulus(pre)
            sources.generated.append((times_of(pre), gid))
        elif pre is not None:
            unsupported.group(f"gids of {template_name(pre)} cells (artificial cells Myriad does not translate)",
                              f"gid {gid}")
    for nc in netcons:
        source = _source(net, made, nc, detectors, stimulus, unsupported, sources, next_gid)
        target = nc.syn()
        if source is None or target is None or not nc.active():
            continue
        ref = placed.get(target.hname())
        if ref is None:
            if not target.has_loc():
                unsupported.group(f"NetCons targeting {template_name(target)} (an artificial cell, whose "
                                  f"input Myriad does not translate)", f"{nc.hname()} -> {target.hname()}")
            continue
        net.model.connect(source, ref, float(nc.delay), float(nc.weight[0]))
    return sources


def _source(net, made, nc, detectors, stimulus, unsupported, sources, next_gid):
    """The Myriad source of ``nc``'s events (None when it has none here)."""
    seg = nc.preseg()
    if seg is not None:
        node = node_of(made, seg)
        if node not in detectors:
            gid = int(nc.srcgid())
            if gid < 0:
                k = _index(nc)
                gid = next_gid + k
                sources.ids[gid] = -1 - k
            detectors[node] = net.model.add_detector(node, "v", float(nc.threshold), gid)
            sources.watched.append((gid, lambda value, nc=nc: setattr(nc, "threshold", value), float(nc.threshold)))
        return detectors[node]
    pre = nc.pre()
    if pre is None:
        if nc.srcgid() >= 0:
            raise ModelError(f"{nc.hname()} listens to gid {int(nc.srcgid())}, which no cell of this "
                             f"process announces (pc.cell)")
        unsupported.group("NetCons without a source (their events could only come from NetCon.event)",
                          nc.hname())
        return None
    if template_name(pre) != NET_STIM:
        unsupported.group(f"NetCons from {template_name(pre)} (an artificial cell or point process Myriad does "
                          f"not translate)", f"{nc.hname()} from {pre.hname()}")
        return None
    return stimulus(pre)


def _index(nc) -> int:
    """k of ``NetCon[k]``."""
    return int(nc.hname().rsplit("[", 1)[1].rstrip("]"))
