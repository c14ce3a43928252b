"""A model: instances of node and mechanism classes, event sources and connections.

The model is a plain container in insertion order; flattening turns it into
arrays.  References handed out (``myriad.refs``) are small tuples, or one
object for many instances of a class, so that applications can keep millions.
Instances are added many at a time (``add_nodes``, ``add_mechanisms``,
``add_copies``): building a model costs Python work per section or per cell
type, not per compartment.
"""
from __future__ import annotations

import functools
import math
from array import array
from typing import NamedTuple

import numpy as np

from myriad.declarations import REQUIREMENTS, Coupling, Mechanism, Node, is_number
from myriad.errors import ModelError, did_you_mean
from myriad.refs import Copies, MechRef, MechRefs, NodeRef, NodeRefs, SourceRef, within


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


def _append(column: array, value, n: int) -> None:
    """Append ``n`` items to ``column``: one number for all, or a range or array of ``n``."""
    if isinstance(value, (float, int)):
        if n == 1:
            column.append(value)
        else:
            column.extend(array(column.typecode, (value,)) * n)
    elif isinstance(value, range):
        column.extend(array(column.typecode, value))
    else:
        column.frombytes(memoryview(np.ascontiguousarray(value, dtype=column.typecode)).cast("B"))


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

    def extend(self, n: int, values: dict, nodes: list[tuple]) -> range:
        """Append ``n`` instances: ``values`` maps fields to one number for all or
        an array of ``n`` (NaN: the default); ``nodes`` gives per role the node
        class code and the node indices (each one for all, or a range or array)."""
        for name in values:
            if name not in self.columns:
                self.columns[name] = array("d", [math.nan]) * self.n
        for name, column in self.columns.items():
            _append(column, values.get(name, math.nan), n)
        for r, (code, index) in enumerate(nodes):
            _append(self.node_code[r], code, n)
            _append(self.node_index[r], index, n)
        self.n += n
        return range(self.n - n, self.n)

    def raw(self, name: str) -> np.ndarray:
        """The column as stored (NaN where the default holds), read-only view."""
        if name not in self.columns:
            return np.full(self.n, math.nan)
        return np.frombuffer(self.columns[name], dtype=np.float64)

    def column(self, name: str, default: float) -> np.ndarray:
        """Every instance's value of ``name`` (the default where none was given)."""
        values = self.raw(name).copy()
        values[np.isnan(values)] = default
        return values

    def nodes(self, role: int) -> tuple[np.ndarray, np.ndarray]:
        """(class code, index) of the node each instance has in ``role``."""
        return (np.frombuffer(self.node_code[role], dtype=np.int16),
                np.frombuffer(self.node_index[role], dtype=np.int64))


@functools.cache
def declared_fields(cls) -> dict:
    """Every field a model may give a value for: parameters, states, potentials."""
    fields = dict(cls.params())
    fields.update(cls.states())
    if issubclass(cls, Node):
        fields.update(cls.potentials())
    return fields


def unknown_field(cls, name: str, noun: str = "parameter or state") -> str:
    """Why ``name`` is no field of ``cls``: the closest field if one is close, else them all."""
    fields = declared_fields(cls)
    hint = did_you_mean(name, fields) or f" (it has: {', '.join(fields) or 'none'})"
    return f"{cls.__name__} has no {noun} '{name}'{hint}"


def _named(ref) -> str:
    """A ref as messages show it, ``ExpSyn[5]``, anything else as its repr."""
    if isinstance(ref, (NodeRef, MechRef)) and isinstance(ref.cls, type):
        return f"{ref.cls.__name__}[{ref.index}]"
    return repr(ref)


def _what(cls, start: int, n: int) -> str:
    """The instances a message is about, e.g. ``HH[12]`` or ``HH[12:20]``."""
    return f"{cls.__name__}[{start}]" if n == 1 else f"{cls.__name__}[{start}:{start + n}]"


def _values(cls, given: dict, start: int, n: int) -> dict:
    """Checked values for ``n`` new instances (from index ``start``): each a
    finite number or ``n`` of them, each field declared, each satisfying its
    field's ``require``.  A number equal to the declared default is left out
    (stored as NaN, the default), so that columns hold only what differs."""
    fields = declared_fields(cls)
    values = {}
    for name, value in given.items():
        field = fields.get(name)
        what = f"{_what(cls, start, n)}: {cls.__name__}.{name}"
        if field is None:
            raise ModelError(f"{_what(cls, start, n)}: {unknown_field(cls, name)}")
        if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
            value = float(value)
            if not math.isfinite(value):
                raise ModelError(f"{what} must be a finite number, got {value!r}")
            if field.require and not REQUIREMENTS[field.require](value):
                raise ModelError(f"{what} must be {field.require}, got {value!r}")
            default = field.default
            if value != default or (value == 0.0 and math.copysign(1.0, value) != math.copysign(1.0, default)):
                values[name] = value
            continue
        try:
            column = np.asarray(value)
        except (TypeError, ValueError):
            column = None
        if column is None or column.ndim != 1 or column.dtype.kind not in "iuf":
            raise ModelError(f"{what} must be a finite number or one per instance, got {value!r}")
        column = column.astype(np.float64, copy=False)
        if len(column) != n:
            raise ModelError(f"{what}: give one number or {n} numbers, got {len(column)}")
        if not np.isfinite(column).all():
            raise ModelError(f"{what} must be finite numbers; "
                             f"instance {int(np.argmin(np.isfinite(column)))} of these is not")
        if field.require:
            ok = REQUIREMENTS[field.require](column)
            if not ok.all():
                bad = int(np.argmin(ok))
                raise ModelError(f"{what} must be {field.require}; instance {bad} of these is {float(column[bad])!r}")
        values[name] = column
    return values


#: rows that add_copies copies at a time (its temporaries stay this small)
COPY_ROWS = 1 << 14


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
        self._code: dict[type, int] = {}           # class code of each node class

    def fingerprint(self, h) -> None:
        """Feed everything that defines the model into the hash ``h`` (caches keyed by content)."""
        for group in (self.nodes, self.mechanisms):
            for cls, inst in group.items():
                h.update(f"{cls.__module__}.{cls.__qualname__}:{inst.n}".encode())
                for name, column in inst.columns.items():
                    h.update(name.encode())
                    h.update(column)
                for code, index in zip(inst.node_code, inst.node_index):
                    h.update(code)
                    h.update(index)
        events = (self.node_classes, self.detectors, self.generators, self._n_sources,
                  [(c.source.index, c.target.cls, c.target.index, c.delay, c.weight) for c in self.connections])
        h.update(repr(events).encode())

    def _node_instances(self, cls) -> Instances:
        inst = self.nodes.get(cls) if isinstance(cls, type) else None
        if inst is None:
            if not (isinstance(cls, type) and issubclass(cls, Node)):
                raise ModelError(f"add_node expects a Node subclass, got {cls!r}")
            if not cls.potentials():
                raise ModelError(f"{cls.__name__} declares no Potential")
            inst = self.nodes[cls] = Instances(cls, 0)
            self._code[cls] = len(self.node_classes)
            self.node_classes.append(cls)
        return inst

    def _mechanism_instances(self, cls) -> Instances:
        inst = self.mechanisms.get(cls) if isinstance(cls, type) else None
        if inst is None:
            if not (isinstance(cls, type) and issubclass(cls, (Mechanism, Coupling))):
                raise ModelError(f"add_mechanism expects a Mechanism or Coupling subclass, got {cls!r}")
            inst = self.mechanisms[cls] = Instances(cls, len(cls.roles))
        return inst

    def add_node(self, cls, **values) -> NodeRef:
        """One node of class ``cls`` (see ``add_nodes``)."""
        return self.add_nodes(cls, 1, **values)[0]

    def add_nodes(self, cls, n: int, **values) -> NodeRefs:
        """``n`` nodes of ``cls`` at once; each value is a number or one number per node."""
        inst = self._node_instances(cls)
        if not (isinstance(n, int) and n >= 0):
            raise ModelError(f"add_nodes: the number of nodes must be an integer >= 0, got {n!r}")
        return NodeRefs(cls, inst.extend(n, _values(cls, values, len(inst), n), []))

    def _check_node(self, ref, what: str) -> NodeRef:
        if not isinstance(ref, NodeRef) or ref.cls not in self.nodes or not 0 <= ref.index < len(self.nodes[ref.cls]):
            raise ModelError(f"{what}: {_named(ref)} is not a node of this model")
        return ref

    def add_mechanism(self, cls, nodes, **values) -> MechRef:
        """Place ``cls`` on a node (Mechanism) or between ``(pre, post)`` (Coupling)."""
        inst = self._mechanism_instances(cls)
        if issubclass(cls, Coupling):
            if not (isinstance(nodes, tuple) and len(nodes) == 2 and all(isinstance(n, NodeRef) for n in nodes)):
                raise ModelError(f"{cls.__name__} is a Coupling: give (pre, post), got {nodes!r}")
        else:
            self._check_node(nodes, _what(cls, len(inst), 1))
        return self.add_mechanisms(cls, nodes, **values)[0]

    def add_mechanisms(self, cls, nodes, **values) -> MechRefs:
        """Many instances of ``cls`` at once: ``nodes`` is a sequence of nodes
        (Mechanism) or a pair of equally long sequences (pre nodes, post nodes)
        for a Coupling; a sequence is a ``NodeRefs`` (cheapest), a list of
        ``NodeRef`` or one ``NodeRef``.  Each value is a number or one number
        per instance.  Returns the new instances' refs."""
        inst = self._mechanism_instances(cls)
        if len(cls.roles) == 1:
            nodes = (nodes,)
        elif not (isinstance(nodes, tuple) and len(nodes) == 2):
            raise ModelError(f"{cls.__name__} is a Coupling: give (pre nodes, post nodes) of equal length")
        per_role = [self._role_nodes(cls, role, refs) for role, refs in zip(cls.roles, nodes)]
        n = per_role[0][2]
        if per_role[-1][2] != n:
            raise ModelError(f"{cls.__name__} is a Coupling: give (pre nodes, post nodes) of equal length")
        values = _values(cls, values, len(inst), n)
        return MechRefs(cls, inst.extend(n, values, [(code, index) for code, index, _ in per_role]))

    def _role_nodes(self, cls, role: str, refs) -> tuple[int | np.ndarray, int | range | np.ndarray, int]:
        """The class code(s) and indices of the nodes given for one role, and how many."""
        if isinstance(refs, NodeRef):
            inst = self.nodes.get(refs.cls)
            if inst is None or not 0 <= refs.index < inst.n:
                raise ModelError(f"{cls.__name__} ({role}): {_named(refs)} is not a node of this model")
            return self._code[refs.cls], refs.index, 1
        if isinstance(refs, NodeRefs):
            inst = self.nodes.get(refs.cls)
            if inst is None or not within(refs.indices, len(inst)):
                raise ModelError(f"{cls.__name__} ({role}): {refs!r} is not a node of this model")
            return self._code[refs.cls], refs.indices, len(refs)
        refs = list(refs)
        bad = next((r for r in refs if not isinstance(r, NodeRef) or r.cls not in self.nodes), None)
        if bad is not None:
            raise ModelError(f"{cls.__name__} ({role}): {_named(bad)} is not a node of this model")
        code = np.array([self._code[r.cls] for r in refs], dtype=np.int16)
        index = np.array([r.index for r in refs], dtype=np.int64)
        sizes = np.array([len(self.nodes[c]) for c in self.node_classes], dtype=np.int64)
        out = (index < 0) | (index >= sizes[code])
        if out.any():
            bad = refs[int(np.argmax(out))]
            raise ModelError(f"{cls.__name__} ({role}): {_named(bad)} is not a node of this model")
        return code, index, len(refs)

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
        what = f"detector on {node.cls.__name__}[{node.index}]"
        if potential not in node.cls.potentials():
            raise ModelError(f"{what}: {node.cls.__name__} has no potential '{potential}'"
                             f"{did_you_mean(str(potential), node.cls.potentials())}")
        if not is_number(threshold):
            raise ModelError(f"{what}: threshold must be a finite number, got {threshold!r}")
        if not isinstance(gid, (int, np.integer)) or isinstance(gid, bool):
            raise ModelError(f"{what}: gid must be an integer, got {gid!r}")
        ref = SourceRef(self._n_sources)
        self._n_sources += 1
        self.detectors.append((ref.index, Detector(node, potential, float(threshold), int(gid))))
        return ref

    def add_generator(self, times) -> SourceRef:
        """A source that emits events at fixed times (ms); runs start at 0, so none is earlier.
        No times is a source that never fires (a random train may draw none)."""
        try:
            times = tuple(sorted(float(t) for t in times))
        except (TypeError, ValueError):
            raise ModelError(f"generator times must be a list of numbers (ms), got {times!r}") from None
        if not all(math.isfinite(t) and t >= 0 for t in times):
            raise ModelError(f"generator times must be a list of finite numbers >= 0 ms, got {times!r}")
        ref = SourceRef(self._n_sources)
        self._n_sources += 1
        self.generators.append((ref.index, times))
        return ref

    def connect(self, source: SourceRef, target: MechRef, delay: float, weight: float) -> None:
        """Deliver each event of ``source`` to ``target``'s ``on_event(weight)`` ``delay`` ms later."""
        if not isinstance(source, SourceRef) or not 0 <= source.index < self._n_sources:
            raise ModelError(f"connect: {source!r} is not an event source of this model")
        inst = self.mechanisms.get(target.cls) if isinstance(target, MechRef) else None
        if inst is None or not 0 <= target.index < len(inst):
            raise ModelError(f"connect: {_named(target)} is not a mechanism of this model")
        what = f"connect to {target.cls.__name__}[{target.index}]"
        if not hasattr(target.cls, "on_event"):
            raise ModelError(f"{what}: {target.cls.__name__} has no on_event(self, weight) method")
        if not (is_number(delay) and delay >= 0):
            raise ModelError(f"{what}: delay must be a finite number >= 0 ms, got {delay!r}")
        if not is_number(weight):
            raise ModelError(f"{what}: weight must be a finite number, got {weight!r}")
        self.connections.append(Connection(source, target, float(delay), float(weight)))

    def add_copies(self, template: "Model", n: int, gid_offsets=None) -> Copies:
        """Append ``n`` copies of ``template``'s contents (nodes, mechanisms, event
        sources and the connections among them): the model that adding the
        template's contents ``n`` times over would give, at the cost of a few
        array copies instead of ``n`` builds (e.g. the identical cells of a
        network).  A detector's gid g >= 0 becomes ``g + gid_offsets[k]`` in copy
        ``k``.  Returns where the copies sit."""
        if template is self:
            raise ModelError("add_copies: a model cannot be copied into itself")
        if not (isinstance(n, int) and n >= 0):
            raise ModelError(f"add_copies: the number of copies must be an integer >= 0, got {n!r}")
        offsets = [0] * n if gid_offsets is None else [int(g) for g in gid_offsets]
        if len(offsets) != n:
            raise ModelError(f"add_copies: give {n} gid offsets, got {len(offsets)}")
        destinations = [self._node_instances(cls) for cls in template.node_classes]
        base = np.array([len(dst) for dst in destinations], dtype=np.int64)
        stride = np.array([len(template.nodes[cls]) for cls in template.node_classes], dtype=np.int64)
        code = np.array([self._code[cls] for cls in template.node_classes], dtype=np.int16)
        pairs = [*zip(template.nodes.values(), destinations),
                 *((src, self._mechanism_instances(cls)) for cls, src in template.mechanisms.items())]
        at = {}
        for src, dst in pairs:
            at[src.cls] = (len(dst), len(src))
            batch = max(1, COPY_ROWS // max(len(src), 1))
            for start in range(0, n, batch):
                k = np.arange(start, min(start + batch, n), dtype=np.int64)[:, None]
                nodes = [(np.tile(code[c], len(k)), (k * stride[c] + (i + base[c])).reshape(-1))
                         for c, i in map(src.nodes, range(len(src.node_code)))]
                dst.extend(len(k) * len(src), {name: np.tile(src.raw(name), len(k)) for name in src.columns}, nodes)
        copies = Copies(n, at, (self._n_sources, template._n_sources))
        self._n_sources += n * template._n_sources
        for k, offset in enumerate(offsets):
            first = copies.sources[0] + k * copies.sources[1]
            for s, d in template.detectors:
                gid = d.gid + offset if d.gid >= 0 else d.gid
                self.detectors.append((first + s, Detector(copies.ref(d.node, k), d.potential, d.threshold, gid)))
            self.generators += [(first + s, times) for s, times in template.generators]
            self.connections += [Connection(SourceRef(first + c.source.index), copies.ref(c.target, k), c.delay,
                                            c.weight) for c in template.connections]
        return copies
