"""Blocks: the unit of code generation and of the structure-of-arrays layout.

Every node class forms a block, and so does every combination of a mechanism
class with the node classes it sits on (``self.node.area`` may live in
different arrays for different node classes).  Analysing a block translates
its methods with pycast and records what each method reads, which tells the
solver which Jacobian entries a contribution has.  Everything here depends on
classes only, never on instance counts: one compiled library serves every
model of the same structure.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pycast
from pycast import FieldBinding

from myriad.declarations import Mechanism
from myriad.errors import ModelError


@dataclass
class Ids:
    """Compile-time indices into the context's per-field tables."""

    count: int = 0
    yoff: int = 0
    poff: int = 0
    soff: int = 0
    ix: int = 0

    def take(self, table: str) -> int:
        value = getattr(self, table)
        setattr(self, table, value + 1)
        return value


@dataclass
class Contribution:
    """One inflow method: where its value goes and which potentials it reads."""

    method: str
    potential: str
    targets: list[tuple[str, float]]       # (role, sign)
    signature: pycast.Signature
    reads: list[tuple[str, str]]            # (role, potential) it depends on
    # soff ids, one per target: a target of sign -1 gets its own negated slots,
    # so that every gather is a plain sum and a lone entry needs no gather
    value_slots: list[int] = field(default_factory=list)
    jac_slots: list[list[int]] = field(default_factory=list)     # [target][read]
    # affine in the potentials it reads, with coefficients from parameters only
    # (no states, no time): its Jacobian is constant during a run, so it is
    # evaluated once per run, as an offset (value slots) and coefficients
    # (Jacobian slots), and the solver applies it as a constant matrix
    linear: bool = False


@dataclass
class NodeBlock:
    cls: type
    count_id: int
    potentials: dict[str, int]              # name -> yoff id
    params: dict[str, int]                  # name -> poff id
    capacity: dict[str, object]             # potential -> param name or Signature
    name: str = ""


@dataclass
class MechBlock:
    cls: type
    nodes: dict[str, NodeBlock]             # role -> node block
    count_id: int
    ix: dict[str, int]                      # role -> ix id
    params: dict[str, int]
    states: dict[str, int]                  # name -> yoff id
    contributions: list[Contribution]
    derivatives: dict[str, pycast.Signature]
    initialize: pycast.Signature | None
    on_event: pycast.Signature | None
    name: str = ""
    # states whose ddt_ is affine in the state with a coefficient from parameters
    # only: exponential Euler's factor (e^(rate dt) - 1)/rate is the same every
    # step, so it is computed once per run into the S slots soff id given here
    linear_states: dict[str, int] = field(default_factory=dict)

    def event_states(self) -> list[str]:
        """The states with dynamics that on_event may change (Crank-Nicolson evolves
        each change over the lag from the event to the states' time)."""
        return [s for s in self.derivatives if s in self._event_written()]

    def event_fixed_states(self) -> list[str]:
        """The states without dynamics that on_event may change (Crank-Nicolson's second
        part of an event leaves them as its first part set them)."""
        return [s for s in self.states if s not in self.derivatives and s in self._event_written()]

    def _event_written(self) -> set[str]:
        return {f.path[0] for f in self.on_event.fields if f.writable and len(f.path) == 1} if self.on_event else set()


_ROLE_METHOD = re.compile(r"^(inflow|flow)_(\w+?)(?:_(pre|post))?$")


def _resolver(cls, nodes: dict[str, NodeBlock], writable_states: bool):
    params, states = cls.params(), cls.states()

    def resolve(path: tuple[str, ...]) -> FieldBinding:
        if path == ("t",):
            return FieldBinding(path, "t", "double", False)
        if len(path) == 1 and path[0] in params:
            return FieldBinding(path, path[0], "double", False)
        if len(path) == 1 and path[0] in states:
            return FieldBinding(path, path[0], "double", writable_states)
        if len(path) == 2 and path[0] in nodes:
            ncls = nodes[path[0]].cls
            if path[1] in ncls.potentials() or path[1] in ncls.params():
                return FieldBinding(path, f"{path[0]}_{path[1]}", "double", False)
            raise LookupError(f"{ncls.__name__} (self.{path[0]}) has no field '{path[1]}'; it has "
                              f"{', '.join([*ncls.potentials(), *ncls.params()])}")
        known = [*params, *states, "t", *(f"{r}.<field>" for r in nodes)]
        raise LookupError(f"{cls.__name__} has no field '{'.'.join(path)}'; known: {', '.join(known)}")

    return resolve


def _node_resolver(cls):
    fields = {**cls.potentials(), **cls.params()}

    def resolve(path):
        if len(path) == 1 and path[0] in fields:
            return FieldBinding(path, path[0], "double", False)
        raise LookupError(f"{cls.__name__} has no field '{'.'.join(path)}'; it has {', '.join(fields)}")

    return resolve


def _varying(cls, nodes: dict[str, NodeBlock], sig) -> list[tuple[str, ...]]:
    """The fields ``sig`` reads that change during a run: time, states, potentials."""
    return [f.path for f in sig.fields
            if f.path == ("t",) or (len(f.path) == 1 and f.path[0] in cls.states())
            or (len(f.path) == 2 and f.path[0] in nodes and f.path[1] in nodes[f.path[0]].potentials)]


class Analysis:
    """All blocks of a model structure and the pycast unit that holds their C functions."""

    def __init__(self):
        self.unit = pycast.Unit()
        self.ids = Ids()
        self.node_blocks: dict[type, NodeBlock] = {}
        self.mech_blocks: dict[tuple, MechBlock] = {}

    def node_block(self, cls) -> NodeBlock:
        if cls in self.node_blocks:
            return self.node_blocks[cls]
        take = self.ids.take
        block = NodeBlock(cls, take("count"), {p: take("yoff") for p in cls.potentials()},
                          {p: take("poff") for p in cls.params()}, {},
                          name=f"{cls.__name__}{len(self.node_blocks)}")
        for name, pot in cls.potentials().items():
            cap = pot.capacity
            if cap in cls.params():
                block.capacity[name] = cap
            elif callable(getattr(cls, cap, None)):
                block.capacity[name] = self.unit.add_method(cls, cap, _node_resolver(cls))
            else:
                raise ModelError(f"{cls.__name__}.{name}: capacity '{cap}' is neither a parameter "
                                 f"nor a method of {cls.__name__}")
        self.node_blocks[cls] = block
        return block

    def mech_block(self, cls, node_classes: tuple[type, ...]) -> MechBlock:
        key = (cls, node_classes)
        if key in self.mech_blocks:
            return self.mech_blocks[key]
        for ncls in node_classes:
            self.node_block(ncls)
        nodes = {role: self.node_blocks[n] for role, n in zip(cls.roles, node_classes)}
        take = self.ids.take
        block = MechBlock(cls, nodes, take("count"), {r: take("ix") for r in cls.roles},
                          {p: take("poff") for p in cls.params()},
                          {s: take("yoff") for s in cls.states()}, [], {}, None, None,
                          name=f"{cls.__name__}{len(self.mech_blocks)}")
        read_only = _resolver(cls, nodes, writable_states=False)
        writable = _resolver(cls, nodes, writable_states=True)
        for attr in sorted(dir(cls)):
            if not callable(getattr(cls, attr, None)):
                continue
            if attr.startswith("ddt_"):
                state = attr[4:]
                if state not in cls.states():
                    raise ModelError(f"{cls.__name__}.{attr}: no state '{state}' is declared")
                sig = block.derivatives[state] = self.unit.add_method(cls, attr, read_only)
                others = [path for path in _varying(cls, nodes, sig) if path != (state,)]
                if self.unit.affine(sig, [(state,)], free=others):
                    block.linear_states[state] = self.ids.take("soff")
                continue
            contribution = self._contribution(cls, attr, nodes, read_only)
            if contribution:
                block.contributions.append(contribution)
        if callable(getattr(cls, "initialize", None)):
            block.initialize = self.unit.add_method(cls, "initialize", writable)
        if callable(getattr(cls, "on_event", None)):
            block.on_event = self.unit.add_method(cls, "on_event", writable)
        self.mech_blocks[key] = block
        return block

    def _contribution(self, cls, attr, nodes, resolve) -> Contribution | None:
        match = _ROLE_METHOD.match(attr)
        if not match:
            return None
        kind, potential, role = match.groups()
        if issubclass(cls, Mechanism):
            if kind == "flow" or role:
                raise ModelError(f"{cls.__name__}.{attr}: a Mechanism sits on one node; "
                                 f"name its contribution inflow_{potential}")
            targets = [("node", 1.0)]
        elif kind == "flow":
            if role:
                raise ModelError(f"{cls.__name__}.{attr}: flow_<P> goes from pre to post; "
                                 f"use inflow_{potential}_{role} for one side only")
            targets = [("post", 1.0), ("pre", -1.0)]
        elif role:
            targets = [(role, 1.0)]
        else:
            raise ModelError(f"{cls.__name__}.{attr}: a Coupling must say which node: "
                             f"inflow_{potential}_pre, inflow_{potential}_post or flow_{potential}")
        for trole, _ in targets:
            if potential not in nodes[trole].cls.potentials():
                raise ModelError(f"{cls.__name__}.{attr}: {nodes[trole].cls.__name__} "
                                 f"(self.{trole}) has no potential '{potential}'")
        sig = self.unit.add_method(cls, attr, resolve)
        reads = [(f.path[0], f.path[1]) for f in sig.fields
                 if len(f.path) == 2 and f.path[0] in nodes and f.path[1] in nodes[f.path[0]].cls.potentials()]
        contribution = Contribution(attr, potential, targets, sig, reads)
        contribution.linear = set(_varying(cls, nodes, sig)) <= set(reads) and self.unit.affine(sig, reads)
        contribution.value_slots = [self.ids.take("soff") for _ in targets]
        contribution.jac_slots = [[self.ids.take("soff") for _ in reads] for _ in targets]
        return contribution


def analyse(model) -> Analysis:
    """Blocks for every class combination of ``model``, in a deterministic order."""
    analysis = Analysis()
    for cls in model.nodes:
        analysis.node_block(cls)
    for cls in model.mechanisms:
        for node_classes in model.combinations(cls)[0]:
            analysis.mech_block(cls, node_classes)
    return analysis

