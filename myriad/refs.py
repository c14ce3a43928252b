"""References to a model's instances, one at a time or many at once.

A ref is a small tuple (class, index) so that applications can keep
millions; a ``NodeRefs`` / ``MechRefs`` stands for many instances of one class
by their indices (a range or an array) and makes refs only when asked.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from myriad.errors import ModelError


class NodeRef(NamedTuple):
    cls: type
    index: int


class MechRef(NamedTuple):
    cls: type
    index: int


class SourceRef(NamedTuple):
    index: int


class _Refs(Sequence):
    """Instances of one class given by their indices (a range or an int64
    array), as refs made on demand: a model of millions keeps no ref objects.
    Slicing or indexing with an array of positions gives refs of the same kind."""

    ref: type

    def __init__(self, cls, indices: range | np.ndarray):
        self.cls, self.indices = cls, indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        if isinstance(i, (int, np.integer)):
            return self.ref(self.cls, int(self.indices[i]))
        if isinstance(i, slice):
            return type(self)(self.cls, self.indices[i])
        return type(self)(self.cls, _index_array(self.indices)[np.asarray(i)])

    def __iter__(self):
        return (self.ref(self.cls, int(i)) for i in self.indices)

    def shifted(self, offset: int):
        """The same pattern ``offset`` instances further on."""
        if isinstance(self.indices, range):
            r = self.indices
            return type(self)(self.cls, range(r.start + offset, r.stop + offset, r.step))
        return type(self)(self.cls, self.indices + offset)

    def __repr__(self):
        r = self.indices
        if isinstance(r, range):
            return f"{self.cls.__name__}[{r.start}:{r.stop}{'' if r.step == 1 else f':{r.step}'}]"
        return f"{self.cls.__name__}[{len(r)} indices]"


class NodeRefs(_Refs):
    """Nodes of one class (what ``Model.add_nodes`` returns)."""

    ref = NodeRef


class MechRefs(_Refs):
    """Instances of one mechanism class (what a bulk add returns)."""

    ref = MechRef


_MANY = {NodeRef: NodeRefs, MechRef: MechRefs}


def _index_array(indices: range | np.ndarray) -> np.ndarray:
    if isinstance(indices, range):
        return np.arange(indices.start, indices.stop, indices.step, dtype=np.int64)
    return indices


def within(indices: range | np.ndarray, size: int) -> bool:
    """Whether every index lies in [0, size)."""
    if not len(indices):
        return True
    if isinstance(indices, range):
        low, high = min(indices[0], indices[-1]), max(indices[0], indices[-1])
    else:
        low, high = int(indices.min()), int(indices.max())
    return 0 <= low and high < size


class Copies:
    """Where the copies made by ``Model.add_copies`` sit: instance ``i`` of a
    class in the template is instance ``base + k * stride + i`` of that class
    in copy ``k`` (copy k's instances follow copy k-1's), and likewise for
    event sources; ``at`` maps each class to its (base, stride)."""

    def __init__(self, n: int, at: dict[type, tuple[int, int]], sources: tuple[int, int]):
        self.n, self.at, self.sources = n, at, sources

    def __len__(self):
        return self.n

    def _place(self, ref) -> tuple[int, int]:
        if not isinstance(ref, (NodeRef, MechRef, SourceRef, _Refs)):
            raise ModelError(f"expected a ref of the copied model, got {ref!r}")
        base, stride = self.sources if isinstance(ref, SourceRef) else self.at.get(ref.cls, (0, 0))
        indices = ref.indices if isinstance(ref, _Refs) else range(ref.index, ref.index + 1)
        if not within(indices, stride):
            raise ModelError(f"{ref!r} is not part of the copied model")
        return base, stride

    def ref(self, ref, k: int):
        """``ref`` of the template (a NodeRef, MechRef, SourceRef, NodeRefs or MechRefs) in copy ``k``."""
        if not (isinstance(k, int) and 0 <= k < self.n):
            raise ModelError(f"copy {k!r} does not exist (there are {self.n})")
        base, stride = self._place(ref)
        offset = base + k * stride
        if isinstance(ref, _Refs):
            return ref.shifted(offset)
        if isinstance(ref, SourceRef):
            return SourceRef(offset + ref.index)
        return type(ref)(ref.cls, offset + ref.index)

    def copy_of(self, ref) -> int:
        """Which copy a NodeRef or MechRef of the copies' model belongs to."""
        base, stride = self.at.get(ref.cls, (0, 0))
        k = (ref.index - base) // stride if stride else -1
        if not 0 <= k < self.n:
            raise ModelError(f"{ref!r} is not part of any copy")
        return k

    def refs(self, ref) -> NodeRefs | MechRefs:
        """A NodeRef or MechRef of the template in every copy, in copy order."""
        if type(ref) not in _MANY:
            raise ModelError(f"expected a NodeRef or MechRef of the copied model, got {ref!r}")
        base, stride = self._place(ref)
        start = base + ref.index
        return _MANY[type(ref)](ref.cls, range(start, start + self.n * stride, stride))
