"""A model: instances of node and mechanism classes, event sources and connections.

The model is a plain container in insertion order; flattening turns it into
arrays.  References handed out (:class:`NodeRef`, :class:`MechRef`,
:class:`SourceRef`) are small tuples so that applications can keep millions.
"""
from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from myriad.declarations import Coupling, Mechanism, Node, is_number
from myriad.errors import ModelError


class NodeRef(NamedTuple):
    cls: type
    index: int


class MechRef(NamedTuple):
    cls: type
    index: int


class SourceRef(NamedTuple):
    index: int


class MechRefs(Sequence):
    """Consecutive instances of one mechanism class (what a bulk add returns),
    as refs made on demand: a model of millions keeps no ref objects."""

    def __init__(self, cls, indices: range):
        self.cls, self.indices = cls, indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [MechRef(self.cls, k) for k in self.indices[i]]
        return MechRef(self.cls, self.indices[i])

    def __repr__(self):
        return f"{self.cls.__name__}[{self.indices.start}:{self.indices.stop}]"


class Detector(NamedTuple):
    node: NodeRef
    potential: str
    threshold: float
    gid: int


class Connection(NamedTuple):
    source: SourceRef
    target: MechRef
    delay: float
    weight: float


class Instances:
    """All instances of one class, stored by column (a model may hold millions):
    one array of doubles per field that any instance set (NaN where an instance
    kept the declared default; given values are finite), and per role the
    class code and index of the node it sits on."""

    def __init__(self, cls, n_roles: int):
        self.cls = cls
        self.n = 0
        self.columns: dict[str, array] = {}
        self.node_code = [array("h") for _ in range(n_roles)]
        self.node_index = [array("q") for _ in range(n_roles)]

    def __len__(self):
        return self.n

    def append(self, values: dict[str, float], codes: tuple[int, ...], indices: tuple[int, ...]) -> int:
        for name, value in values.items():
            if name not in self.columns:
                self.columns[name] = array("d", [math.nan]) * self.n
        for name, column in self.columns.items():
            column.append(values.get(name, math.nan))
        for r, (code, index) in enumerate(zip(codes, indices)):
            self.node_code[r].append(code)
            self.node_index[r].append(index)
        self.n += 1
        return self.n - 1

    def extend(self, columns: dict[str, np.ndarray], codes: list[np.ndarray], indices: list[np.ndarray],
               n: int) -> range:
        """Append ``n`` instances at once (columns already checked, one value per instance)."""
        for name in columns:
            if name not in self.columns:
                self.columns[name] = array("d", [math.nan]) * self.n
        for name, column in self.columns.items():
            column.extend(columns[name].astype(np.float64) if name in columns else np.full(n, math.nan))
        for r in range(len(codes)):
            self.node_code[r].extend(codes[r].astype(np.int16))
            self.node_index[r].extend(indices[r].astype(np.int64))
        self.n += n
        return range(self.n - n, self.n)

    def column(self, name: str, default: float) -> np.ndarray:
        """Every instance's value of ``name`` (the default where none was given)."""
        if name not in self.columns:
            return np.full(self.n, default)
        values = np.frombuffer(self.columns[name], dtype=np.float64).copy()
        values[np.isnan(values)] = default
        return values

    def nodes(self, role: int) -> tuple[np.ndarray, np.ndarray]:
        """(class code, index) of the node each instance has in ``role``."""
        return (np.frombuffer(self.node_code[role], dtype=np.int16),
                np.frombuffer(self.node_index[role], dtype=np.int64))


def _check_names(cls, names, what: str) -> None:
    allowed = dict(cls.params())
    allowed.update(cls.states())
    if issubclass(cls, Node):
        allowed.update(cls.potentials())
    for name in names:
        if name not in allowed:
            raise ModelError(f"{what}: {cls.__name__} has no parameter or state '{name}' "
                             f"(it has: {', '.join(allowed) or 'none'})")


def _values(cls, given: dict, what: str) -> dict[str, float]:
    _check_names(cls, given, what)
    for name, value in given.items():
        if not is_number(value):
            raise ModelError(f"{what}: {cls.__name__}.{name} must be a finite number, got {value!r}")
    return {k: float(v) for k, v in given.items()}


def _columns(cls, given: dict, n: int, what: str) -> dict[str, np.ndarray]:
    """Bulk values: each a number or ``n`` numbers, all finite, all declared."""
    _check_names(cls, given, what)
    columns = {}
    for name, value in given.items():
        if np.ndim(value) != 0 and len(value) != n:
            raise ModelError(f"{what}: {cls.__name__}.{name}: give one number or {n} numbers, got {len(value)}")
        column = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))
        if not np.isfinite(column).all():
            raise ModelError(f"{what}: {cls.__name__}.{name} must be finite numbers; "
                             f"instance {int(np.argmin(np.isfinite(column)))} of these is not")
        columns[name] = column
    return columns


class Model:
    """Nodes, mechanisms on them, couplings between them, and events."""

    def __init__(self):
        self.nodes: dict[type, Instances] = {}
        self.mechanisms: dict[type, Instances] = {}
        self.node_classes: list[type] = []        # node class of each class code
        self.detectors: list[tuple[int, Detector]] = []
        self.generators: list[tuple[int, tuple[float, ...]]] = []
        self.connections: list[Connection] = []
        self._n_sources = 0

    def add_node(self, cls, **values) -> NodeRef:
        if not (isinstance(cls, type) and issubclass(cls, Node)):
            raise ModelError(f"add_node expects a Node subclass, got {cls!r}")
        if not cls.potentials():
            raise ModelError(f"{cls.__name__} declares no Potential")
        inst = self.nodes.get(cls)
        if inst is None:
            inst = self.nodes[cls] = Instances(cls, 0)
            self.node_classes.append(cls)
        return NodeRef(cls, inst.append(_values(cls, values, f"node {cls.__name__}[{len(inst)}]"), (), ()))

    def _check_node(self, ref, what: str) -> NodeRef:
        if not isinstance(ref, NodeRef) or ref.cls not in self.nodes or not 0 <= ref.index < len(self.nodes[ref.cls]):
            raise ModelError(f"{what}: {ref!r} is not a node of this model")
        return ref

    def add_mechanism(self, cls, nodes, **values) -> MechRef:
        """Place ``cls`` on a node (Mechanism) or between ``(pre, post)`` (Coupling)."""
        if isinstance(cls, type) and issubclass(cls, Mechanism):
            nodes = (nodes,)
        elif isinstance(cls, type) and issubclass(cls, Coupling):
            if not (isinstance(nodes, tuple) and len(nodes) == 2):
                raise ModelError(f"{cls.__name__} is a Coupling: give (pre, post), got {nodes!r}")
        else:
            raise ModelError(f"add_mechanism expects a Mechanism or Coupling subclass, got {cls!r}")
        inst = self.mechanisms.get(cls)
        if inst is None:
            inst = self.mechanisms[cls] = Instances(cls, len(cls.roles))
        what = f"{cls.__name__}[{len(inst)}]"
        nodes = tuple(self._check_node(n, what) for n in nodes)
        codes = tuple(self.node_classes.index(n.cls) for n in nodes)
        return MechRef(cls, inst.append(_values(cls, values, what), codes, tuple(n.index for n in nodes)))

    def add_mechanisms(self, cls, nodes, **values) -> MechRefs:
        """Many instances of ``cls`` at once: ``nodes`` is a sequence of nodes
        (Mechanism) or a pair of equally long sequences (pre nodes, post nodes)
        for a Coupling; each value is a number or one number per instance.
        Returns the new instances' refs."""
        if isinstance(cls, type) and issubclass(cls, Mechanism):
            per_role = [list(nodes)]
        elif isinstance(cls, type) and issubclass(cls, Coupling):
            if not (isinstance(nodes, tuple) and len(nodes) == 2 and len(nodes[0]) == len(nodes[1])):
                raise ModelError(f"{cls.__name__} is a Coupling: give (pre nodes, post nodes) of equal length")
            per_role = [list(nodes[0]), list(nodes[1])]
        else:
            raise ModelError(f"add_mechanisms expects a Mechanism or Coupling subclass, got {cls!r}")
        n = len(per_role[0])
        inst = self.mechanisms.get(cls)
        if inst is None:
            inst = self.mechanisms[cls] = Instances(cls, len(cls.roles))
        codes, indices = [], []
        for role, refs in zip(cls.roles, per_role):
            bad = next((r for r in refs if not isinstance(r, NodeRef) or r.cls not in self.nodes), None)
            if bad is not None:
                raise ModelError(f"{cls.__name__} ({role}): {bad!r} is not a node of this model")
            code_of = {c: k for k, c in enumerate(self.node_classes)}
            code = np.array([code_of[r.cls] for r in refs], dtype=np.int16)
            index = np.array([r.index for r in refs], dtype=np.int64)
            sizes = np.array([len(self.nodes[c]) for c in self.node_classes], dtype=np.int64)
            out = (index < 0) | (index >= sizes[code])
            if out.any():
                raise ModelError(f"{cls.__name__} ({role}): {refs[int(np.argmax(out))]!r} is not a node of this model")
            codes.append(code)
            indices.append(index)
        columns = _columns(cls, values, n, f"{cls.__name__}[{len(inst)}..]")
        return MechRefs(cls, inst.extend(columns, codes, indices, n))

    def combinations(self, cls) -> tuple[list[tuple[type, ...]], np.ndarray]:
        """The distinct node-class tuples the instances of mechanism ``cls`` sit
        on, in order of first use, and which one each instance sits on."""
        inst = self.mechanisms[cls]
        key = np.zeros(len(inst), dtype=np.int64)
        for r in range(len(cls.roles)):
            key = key * len(self.node_classes) + inst.nodes(r)[0]
        _, first, which = np.unique(key, return_index=True, return_inverse=True)
        rank = np.empty(len(first), dtype=np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(len(first))
        combos = [tuple(self.node_classes[inst.nodes(r)[0][i]] for r in range(len(cls.roles)))
                  for i in np.sort(first)]
        return combos, rank[which.reshape(-1)]

    def add_detector(self, node: NodeRef, potential: str, threshold: float, gid: int = -1) -> SourceRef:
        """A source that emits an event whenever ``potential`` of ``node`` rises above ``threshold``."""
        self._check_node(node, "detector")
        if potential not in node.cls.potentials():
            raise ModelError(f"detector: {node.cls.__name__} has no potential '{potential}'")
        if not is_number(threshold):
            raise ModelError(f"detector threshold must be a finite number, got {threshold!r}")
        ref = SourceRef(self._n_sources)
        self._n_sources += 1
        self.detectors.append((ref.index, Detector(node, potential, float(threshold), int(gid))))
        return ref

    def add_generator(self, times) -> SourceRef:
        """A source that emits events at fixed times (ms)."""
        times = tuple(sorted(float(t) for t in times))
        if not times or not all(math.isfinite(t) for t in times):
            raise ModelError(f"generator times must be a non-empty list of finite numbers, got {times!r}")
        ref = SourceRef(self._n_sources)
        self._n_sources += 1
        self.generators.append((ref.index, times))
        return ref

    def connect(self, source: SourceRef, target: MechRef, delay: float, weight: float) -> None:
        if not isinstance(source, SourceRef) or not 0 <= source.index < self._n_sources:
            raise ModelError(f"connect: {source!r} is not an event source of this model")
        if not isinstance(target, MechRef) or target.cls not in self.mechanisms:
            raise ModelError(f"connect: {target!r} is not a mechanism of this model")
        if not hasattr(target.cls, "on_event"):
            raise ModelError(f"connect: {target.cls.__name__} has no on_event(self, weight) method")
        if not (is_number(delay) and delay >= 0):
            raise ModelError(f"connect: delay must be a finite number >= 0 ms, got {delay!r}")
        if not is_number(weight):
            raise ModelError(f"connect: weight must be a finite number, got {weight!r}")
        self.connections.append(Connection(source, target, float(delay), float(weight)))
