"""What NEURON's Python interface does not tell: which potential a recording
Vector samples and which potential a half gap's ``vgap`` copies.

NEURON keeps both as raw pointers (``Vector.record``, ``ParallelContext.
source_var``/``target_var``, ``setpointer``) with no way to read them back.
They can be observed instead: every node gets a distinct marker potential, one
``finitialize()`` without a voltage argument keeps those potentials, copies
them through the transfer pointers and samples every recording Vector once;
a Vector then holding exactly one marker records that node's v, a half gap's
vgap holding a marker listens to that node.  NEURON is initialised normally
(``finitialize(v_init)``) afterwards, so a script can still run it.
"""
from __future__ import annotations

from dataclasses import dataclass

from myriad import ModelError

#: markers 1000 + k / 1024 mV are exact in double precision for millions of nodes,
#: far from any potential a model reaches, and mild enough for any rate function
_MARKER_BASE = 1000.0
_MARKER_STEP = 1.0 / 1024.0


@dataclass
class Observed:
    """The probe's findings, nodes given as (section, x) as NEURON spells them."""

    recordings: list          # (Vector, section, x) for each Vector recording a v
    other_recordings: list    # Vectors that record something other than a v (or t)
    sources: dict             # hname of a point process -> (section, x) its ``vgap`` copies


def observe(h, sections, listeners) -> Observed:
    """Run the probe over ``sections``; ``listeners`` are point processes whose
    ``vgap`` is filled from some node.  Skipped (nothing touched) when there is
    no Vector and no listener."""
    vectors = list(h.List("Vector"))
    if not vectors and not listeners:
        return Observed([], [], {})
    before = [v.to_python() for v in vectors]
    where = _mark(sections)
    h.finitialize()
    try:
        recordings, other = [], []
        for vec, old in zip(vectors, before):
            now = vec.to_python()
            if len(now) != 1 or now == old:
                continue
            if now[0] in where:
                recordings.append((vec, *where[now[0]]))
            elif now[0] != 0.0:
                other.append(vec)
        sources = {}
        for pp in listeners:
            node = where.get(pp.vgap)
            if node is None:
                raise _unconnected(pp)
            sources[pp.hname()] = node
        return Observed(recordings, other, sources)
    finally:
        h.finitialize(h.v_init)


def _mark(sections) -> dict:
    """Give every node a marker potential; returns marker -> (section, x) of a
    location at that node (a child's 0-end is its parent's node)."""
    k = 0
    for sec in sections:
        for seg in sec.allseg():
            k += 1
            seg.v = _MARKER_BASE + k * _MARKER_STEP
    where = {}
    for sec in sections:
        for seg in sec.allseg():
            where.setdefault(seg.v, (sec, seg.x))
    return where


def _unconnected(pp) -> ModelError:
    return ModelError(f"{pp.hname()} at {pp.get_segment()}: its vgap is not filled from any section's v "
                      f"(ParallelContext.source_var/target_var with setup_transfer, or setpointer, is missing)")
