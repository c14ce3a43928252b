"""SWC samples, read and checked line by line.

SWC is seven numbers a line (id, type, x, y, z, radius, parent id; ``#``
comments).  This module reads the samples itself rather than through
``morphio`` for two measured reasons: NEURON's Import3d decides its sections
from the raw samples (their file order, whether a child directly follows its
parent, type changes), which morphio's sectioned morphology no longer shows
(on ``c91662.swc`` morphio makes a different soma and section list than
Import3d does), and morphio keeps coordinates as float32, which moves a
contour's centroid by about 1e-7 relative where NEURON keeps doubles.  Its
checks also name a culprit by line and sample, which is what a user needs to
fix a file.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from applications.neuro.morphology.errors import MorphologyError

#: SWC's point types that NEURON names (soma, axon, dend, apic); 5 and above are custom
SOMA, AXON, DEND, APIC = 1, 2, 3, 4


@dataclass
class Samples:
    """The samples of a file in id order: id, type, x, y, z (um), diameter
    (um, twice the radius), parent id (-1 for a root) and line number."""

    id: np.ndarray
    type: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    d: np.ndarray
    pid: np.ndarray
    line: np.ndarray

    def __len__(self):
        return len(self.id)


def _integer(path, number: int, token: str, what: str, sample=None) -> int:
    try:
        value = float(token)
    except ValueError:
        value = math.nan
    if not value.is_integer():
        raise MorphologyError(path, f"{what} must be an integer, got '{token}'", number, sample)
    return int(value)


def _parse(path, number: int, text: str) -> tuple:
    fields = text.split()
    if len(fields) < 7:
        raise MorphologyError(path, f"expected 7 numbers (id type x y z radius parent), got '{text.strip()}'",
                              number)
    sid = _integer(path, number, fields[0], "the sample id")
    kind = _integer(path, number, fields[1], "the point type", sid)
    pid = _integer(path, number, fields[6], "the parent id", sid)
    try:
        x, y, z, r = (float(v) for v in fields[2:6])
    except ValueError:
        raise MorphologyError(path, f"x, y, z and radius must be numbers, got '{' '.join(fields[2:6])}'",
                              number, sid) from None
    if not all(math.isfinite(v) for v in (x, y, z, r)):
        raise MorphologyError(path, "x, y, z and radius must be finite", number, sid)
    if kind < 1:
        raise MorphologyError(path, f"unknown point type {kind} (1 soma, 2 axon, 3 basal dendrite, "
                                    f"4 apical dendrite, 5 and above custom)", number, sid)
    if r <= 0 or np.float32(r) == 0:
        raise MorphologyError(path, f"radius must be positive, got {fields[5]}", number, sid)
    return sid, kind, x, y, z, r, pid, number


def read_swc(path) -> Samples:
    """The samples of an SWC file, checked: one tree, every parent present and
    listed before its child (Import3d's requirement), no cycle, positive radii,
    known point types."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        raise MorphologyError(path, f"cannot read: {e.strerror}") from None
    rows = [_parse(path, number, line) for number, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise MorphologyError(path, "no samples (an empty SWC file)")
    columns = list(zip(*rows))
    # Import3d reads each number with hoc's sscanf("%f"), through a float32
    samples = Samples(*(np.array(c, dtype=np.int64) if k in (0, 1, 6, 7) else
                        np.array(c, dtype=np.float32).astype(np.float64) for k, c in enumerate(columns)))
    samples.d = 2.0 * samples.d
    _check_tree(path, samples)
    order = np.argsort(samples.id, kind="stable")      # Import3d sorts the samples by id
    return Samples(*(getattr(samples, f)[order] for f in Samples.__dataclass_fields__))


def _check_tree(path, s: Samples) -> None:
    """Each error names its first culprit in file order."""
    line_of = {}
    for sid, number in zip(s.id.tolist(), s.line.tolist()):
        if sid in line_of:
            raise MorphologyError(path, f"sample id {sid} is used twice (first at line {line_of[sid]})",
                                  number, sid)
        line_of[sid] = number
    roots = []
    for sid, pid, number in zip(s.id.tolist(), s.pid.tolist(), s.line.tolist()):
        if pid < 0:
            roots.append((sid, number))
        elif pid not in line_of:
            raise MorphologyError(path, f"parent {pid} does not exist", number, sid)
    parent = dict(zip(s.id.tolist(), s.pid.tolist()))
    rooted: set[int] = set()
    for sid, number in zip(s.id.tolist(), s.line.tolist()):
        path_ids, walk = {}, sid
        while walk >= 0 and walk not in rooted:
            if walk in path_ids:
                raise MorphologyError(path, f"its parents form a cycle through sample {walk}", number, sid)
            path_ids[walk] = None
            walk = parent[walk]
        rooted.update(path_ids)
    for sid, pid, number in zip(s.id.tolist(), s.pid.tolist(), s.line.tolist()):
        if pid >= sid:
            raise MorphologyError(path, f"parent id {pid} is not smaller than the sample's id (NEURON's "
                                        f"Import3d needs every parent id smaller than its child's)", number, sid)
    if not roots:
        raise MorphologyError(path, "no root sample (parent -1)")
    if len(roots) > 1:
        (_, first), (sid, number) = roots[:2]
        raise MorphologyError(path, f"a second root (parent -1; the first is at line {first}): the file "
                                    f"must be one tree", number, sid)
