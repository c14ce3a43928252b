"""NEURON's NetCons, spike sources and NetStims as Myriad detectors, generators and connections.

A NetCon watching a segment's v shares NEURON's PreSyn with every other
NetCon on that node: one threshold, one gid (the one ``pc.cell`` gave it, if
any).  It becomes one Myriad detector per node.  A NetStim without noise is a
fixed list of event times.  Connections keep their delay and ``weight[0]``;
inactive NetCons deliver nothing, as in NEURON.
"""
from __future__ import annotations

import math

from myriad import ModelError

from applications.neuro import Network
from applications.neuron_import.catalogue import NET_STIM, template_name
from applications.neuron_import.mechanisms import Unsupported
from applications.neuron_import.sections import node_of


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


def import_events(h, net: Network, made: dict, placed: dict, tstop: float, unsupported: Unsupported) -> None:
    """Detectors, generators and connections of every NetCon."""
    detectors, generators = {}, {}
    for nc in h.List("NetCon"):
        source = _source(net, made, nc, detectors, generators, tstop, unsupported)
        target = nc.syn()
        if source is None or target is None or not nc.active():
            continue
        ref = placed.get(target.hname())
        if ref is None:
            if not target.has_loc():
                unsupported.add(f"{nc.hname()} targets {target.hname()}, an artificial cell")
            continue
        net.model.connect(source, ref, float(nc.delay), float(nc.weight[0]))


def _source(net, made, nc, detectors, generators, tstop, unsupported):
    """The Myriad source of ``nc``'s events (None when it has none here)."""
    seg = nc.preseg()
    if seg is not None:
        node = node_of(made, seg)
        if node not in detectors:
            detectors[node] = net.model.add_detector(node, "v", float(nc.threshold), int(nc.srcgid()))
        return detectors[node]
    pre = nc.pre()
    if pre is None:
        if nc.srcgid() >= 0:
            raise ModelError(f"{nc.hname()} listens to gid {int(nc.srcgid())}, which no cell of this "
                             f"process announces (pc.cell)")
        unsupported.add(f"{nc.hname()} has no source (its events could only come from NetCon.event)")
        return None
    if template_name(pre) != NET_STIM:
        unsupported.add(f"{nc.hname()} has source {pre.hname()}, an artificial cell or point process")
        return None
    name = pre.hname()
    if name not in generators:
        if float(pre.noise) != 0.0:
            unsupported.add(f"{name} with noise {float(pre.noise):g} (random intervals)")
            generators[name] = None
        else:
            times = net_stim_times(pre, tstop)
            generators[name] = net.stimulus(times) if times else None
    return generators[name]
