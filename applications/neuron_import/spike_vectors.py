"""Which Vectors a script gave to ``pc.spike_record`` and ``NetCon.record``, and for which detectors.

NEURON keeps each detector's (PreSyn's) recording Vectors as raw pointers,
with no way to read them back; the last ``NetCon.record``/``spike_record``
call on a detector wins.  They can be observed instead, as ``probe`` observes
voltage recordings: with every NetStim silenced, a first step fires every
detector (its threshold set far below its v), which fills each
``spike_record`` id Vector with the gids it records; then, in round r, the
detectors whose number (from 1) has bit r fire, with a step in between at a
threshold far above v to re-arm them.  A Vector's growth round by round
spells the detector it records, or, paired with an id Vector growing in
step, the gids it records.  NEURON is then initialised again and every
Vector gets its contents back.
"""
from __future__ import annotations

from dataclasses import dataclass, field

_LOW, _HIGH = -1e9, 1e9
#: the start time of the observation: spike times near it are told from gids (integers) by their fraction
_MARK_T = 0.5 + 1.0 / 1024.0


@dataclass
class SpikeVectors:
    """Recording Vectors found: ``pairs`` (time Vector, id Vector, gids it
    records), ``records`` (Vector, Myriad gid of the detector it records)."""

    pairs: list = field(default_factory=list)
    records: list = field(default_factory=list)


def observe_spike_vectors(h, watched: list, v_init: float) -> SpikeVectors:
    """``watched``: (Myriad gid, threshold setter, threshold) of each detector."""
    vectors = list(h.List("Vector"))
    if not vectors or not watched:
        return SpikeVectors()
    contents = [vec.to_python() for vec in vectors]
    stims = list(h.List("NetStim"))
    numbers = [float(stim.number) for stim in stims]
    for stim in stims:
        stim.number = 0
    rounds = max(1, len(watched).bit_length())
    try:
        h.finitialize(v_init)
        h.t = _MARK_T
        start = [int(vec.size()) for vec in vectors]
        growth = [_fire(h, watched, vectors, lambda k: True)]
        for r in range(rounds):
            growth.append(_fire(h, watched, vectors, lambda k, r=r: (k + 1) >> r & 1))
        return _read(vectors, start, growth, [gid for gid, _, _ in watched])
    finally:
        for (_, set_threshold, threshold) in watched:
            set_threshold(threshold)
        for stim, number in zip(stims, numbers):
            stim.number = number
        h.finitialize(v_init)
        for vec, content in zip(vectors, contents):
            vec.from_python(content)


def _fire(h, watched, vectors, fires) -> list[int]:
    """Fire the detectors k for which ``fires(k)``, re-arm all; returns each Vector's size after the firing."""
    for k, (_, set_threshold, _) in enumerate(watched):
        set_threshold(_LOW if fires(k) else _HIGH)
    h.fadvance()
    sizes = [int(vec.size()) for vec in vectors]
    for _, set_threshold, _ in watched:
        set_threshold(_HIGH)
    h.fadvance()
    return sizes


def _read(vectors, start, growth, gids) -> SpikeVectors:
    found = SpikeVectors()
    pattern, first = {}, {}
    for i, vec in enumerate(vectors):
        sizes = [start[i]] + [g[i] for g in growth]
        steps = tuple(b - a for a, b in zip(sizes, sizes[1:]))
        if steps[0]:
            pattern[i] = steps
            first[i] = vec.to_python()[start[i]:sizes[1]]
    ids = [i for i in pattern if all(x == int(x) for x in first[i])]
    for i in pattern:
        if i in ids:
            continue
        alike = [j for j in ids if pattern[j] == pattern[i]]
        # time and id Vectors are made together (tvec, idvec = h.Vector(), h.Vector()): the next id Vector first
        partner = min(alike, key=lambda j: (j < i, abs(j - i)), default=None)
        if partner is not None:
            ids.remove(partner)
            found.pairs.append((vectors[i], vectors[partner], {int(x) for x in first[partner]}))
        elif pattern[i][0] == 1:
            code = sum(1 << r for r, grew in enumerate(pattern[i][1:]) if grew)
            if 1 <= code <= len(gids):
                found.records.append((vectors[i], gids[code - 1]))
    return found
