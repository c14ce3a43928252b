"""Sections discretised as NEURON does, written into a Myriad model.

A section of ``nseg`` segments has one node at the centre of each segment,
with the segment's membrane area (a cylinder's lateral area unless the
section is given its segments' geometry, e.g. NEURON's from 3-D points).  Its 0-end is the node it is attached to on
its parent (or, for a root section, a zero-area node of its own) and its 1-end
is a zero-area node; the end nodes exist only once something uses them (a
child, a point process, a recording), so a lone soma is one compartment.
Neighbouring nodes are joined by the axial conductance of the cylinder
between them (half a segment to an end node), and, for each diffusing species
the section is given, by that species' diffusion coupling over the same
cylinder.  A section adds its nodes, links and mechanisms to the model a
section at a time (one bulk call each), never a compartment at a time.
"""
from __future__ import annotations

import copy
import inspect
import math
import numbers
from typing import NamedTuple

import numpy as np

from myriad import Coupling, MechRef, MechRefs, Mechanism, Model, ModelError, Node, NodeRef, NodeRefs
from myriad.declarations import is_number
from myriad.errors import did_you_mean

from applications.neuro.axial import Axial
from applications.neuro.compartment import Compartment
from applications.neuro.point import PointProcess
from applications.neuro.units import CAPACITANCE_TO_NF, axial_conductance_us

#: the most segments a section has (NEURON's bound)
MAX_NSEG = 32767


class Segments(NamedTuple):
    """A section's geometry, segment by segment: each segment's membrane area
    (um2) and diameter (um), and each link's shape factor, the cross-section
    over the length of the conductor between two neighbouring nodes (um), from
    which the axial conductance (through Ra) and diffusion couplings follow.
    ``inner[i]`` joins centre i to centre i + 1; ``end0`` and ``end1`` join the
    0-end (the parent's node) and the 1-end node to the first and last centre."""

    area: np.ndarray
    diam: np.ndarray
    inner: np.ndarray
    end0: float
    end1: float

    @classmethod
    def cylinder(cls, L: float, diam: float, nseg: int) -> "Segments":
        seg = L / nseg
        shape = math.pi * 0.25 * diam * diam / seg
        return cls(np.full(nseg, math.pi * diam * seg), np.full(nseg, diam), np.full(nseg - 1, shape),
                   2.0 * shape, 2.0 * shape)


class Location(NamedTuple):
    section: "Section"
    x: float

    def __str__(self):
        return f"{self.section.name}({self.x:g})"

    def node(self) -> NodeRef:
        """The node that represents this location (see ``Section.node``)."""
        return self.section.node(self.x)

    def place(self, cls, **params) -> MechRef:
        """Put a point process (or any one-node mechanism) at this location."""
        try:
            return self.section.model.add_mechanism(cls, self.node(), **params)
        except ModelError as e:
            raise ModelError(f"{self}: {e}") from None


def _positive(name, value, what):
    if not (is_number(value) and value > 0):
        raise ModelError(f"section '{what}': {name} must be a positive number, got {value!r}")
    return float(value)


def _per_segment(what, value, nseg, name, allow_zero=False) -> np.ndarray:
    """One number or one per segment, as an array of nseg positive (or >= 0) finite numbers."""
    try:
        column = np.asarray(value)
        numeric = column.dtype.kind in "iuf"
        if numeric:
            column = np.broadcast_to(column.astype(np.float64, copy=False), (nseg,))
    except (TypeError, ValueError):
        numeric = False
    if not numeric:
        raise ModelError(f"section '{name}': {what} must be a number or one number per segment "
                         f"({nseg}), got {value!r}")
    ok = (0.0 <= v < math.inf for v in column.tolist()) if allow_zero else \
        (0.0 < v < math.inf for v in column.tolist())
    if not all(ok):
        bad = ~np.isfinite(column) | ((column < 0) if allow_zero else (column <= 0))
        raise ModelError(f"section '{name}': {what} must be {'>= 0' if allow_zero else 'positive'} "
                         f"and finite, got {float(column[bad][0])!r} (segment {int(np.argmax(bad))})")
    return column


def compact(values):
    """One number where all of ``values`` are equal (the model then stores no column)."""
    if isinstance(values, float):
        return values
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values
    first = values.flat[0]
    return float(first) if (values == first).all() else values


def _checked_segments(segments: Segments, nseg: int, name: str) -> Segments:
    """``segments`` with each field checked: areas, diameters and shape factors
    per segment or link, positive (areas may be 0) and finite."""
    inner = _per_segment("link shape factor", segments.inner, nseg - 1, name) if nseg > 1 else np.zeros(0)
    return Segments(_per_segment("segment area", segments.area, nseg, name, allow_zero=True),
                    _per_segment("segment diameter", segments.diam, nseg, name), inner,
                    float(_per_segment("0-end shape factor", segments.end0, 1, name)[0]),
                    float(_per_segment("1-end shape factor", segments.end1, 1, name)[0]))


def _check_derived(sec: "Section", geometry: list[str]) -> None:
    """Extreme but finite inputs (a huge diameter, a tiny length or Ra) can
    overflow what the model is made of: refuse them here, by the section's
    name, rather than as some compartment's or resistor's value later."""
    seg = sec.segments
    with np.errstate(over="ignore"):
        g = axial_conductance_us(sec.Ra, np.concatenate([seg.inner, [seg.end0, seg.end1]]))
        capacitance = sec.cm * seg.area * CAPACITANCE_TO_NF
    for what, inputs, values, ok in (
            ("a membrane area", geometry, seg.area, np.isfinite(seg.area)),
            ("a capacitance", [*geometry, "cm"], capacitance, np.isfinite(capacitance)),
            ("an axial conductance", [*geometry, f"Ra = {sec.Ra!r} ohm cm"], g, np.isfinite(g) & (g > 0))):
        if not ok.all():
            listed = f"{', '.join(inputs[:-1])} and {inputs[-1]}" if len(inputs) > 1 else inputs[0]
            raise ModelError(f"section '{sec.name}': {listed} give {what} of "
                             f"{float(values[np.argmin(ok)])!r}, which must be finite"
                             f"{' and positive' if 'conductance' in what else ''}")


def _check_node_class(node_class, name: str) -> None:
    """Sections write v, area and cm into their nodes (and volume where declared)."""
    if not (isinstance(node_class, type) and issubclass(node_class, Node)
            and "v" in node_class.potentials() and {"area", "cm"} <= set(node_class.params())):
        raise ModelError(f"section '{name}': node_class must be a Node subclass with a potential 'v' and "
                         f"parameters 'area' and 'cm' (such as Compartment), got {node_class!r}")


def _check_diffusion(cls, name: str) -> None:
    if not (isinstance(cls, type) and issubclass(cls, Coupling) and "k" in cls.params()):
        raise ModelError(f"section '{name}': diffusion keys must be Coupling classes with a parameter 'k' "
                         f"(such as CalciumDiffusion), got {cls!r}")


def _node_values(sec: "Section", centres: bool = False, ends: int = 0) -> dict:
    """Values of a section's new nodes: its centres (if asked), then ``ends`` zero-area end nodes."""
    area = [sec.segments.area] if centres else []
    diam = [sec.segments.diam] if centres else []
    cm = [sec.cm] if centres else []
    area, diam, cm = (np.concatenate(part + [np.full(ends, fill)]) for part, fill in
                      ((area, 0.0), (diam, 0.0), (cm, sec.cm[0])))
    values = {"area": area, "cm": cm}
    if sec.v_init is not None:
        values["v"] = np.full(len(area), float(sec.v_init))
    if "volume" in sec.node_class.params():
        values["volume"] = area * diam / 4.0
    return values


def _add_nodes(model: Model, node_class, parts: list[dict]) -> NodeRefs:
    """The nodes of several sections' values (``_node_values``) in one call."""
    names = set().union(*parts)
    if "v" in names:
        default = node_class.potentials()["v"].default
        for part in parts:
            part.setdefault("v", np.full(len(part["area"]), default))
    values = {name: compact(np.concatenate([part[name] for part in parts])) for name in names}
    return model.add_nodes(node_class, sum(len(part["area"]) for part in parts), **values)


def _add_links(model: Model, links: list) -> None:
    """Axial (and each section's diffusion) couplings for ``links``, each
    (pre NodeRefs, post NodeRefs, shape factors, section whose Ra and species
    apply), in one call per coupling class and pair of node classes."""
    groups: dict[tuple, list] = {}
    for pre, post, shape, sec in links:
        groups.setdefault((pre.cls, post.cls), []).append((pre, post, shape, sec))
    for (pre_cls, post_cls), group in groups.items():
        pre = NodeRefs(pre_cls, _joined([p.indices for p, _, _, _ in group]))
        post = NodeRefs(post_cls, _joined([q.indices for _, q, _, _ in group]))
        g = np.concatenate([axial_conductance_us(sec.Ra, shape) for _, _, shape, sec in group])
        model.add_mechanisms(Axial, (pre, post), g=compact(g))
        for cls in dict.fromkeys(c for _, _, _, sec in group for c in sec.diffusion):
            keep = np.concatenate([np.full(len(shape), cls in sec.diffusion) for _, _, shape, sec in group])
            k = np.concatenate([shape * sec.diffusion.get(cls, 0.0) for _, _, shape, sec in group])
            if keep.all():
                model.add_mechanisms(cls, (pre, post), k=compact(k))
            else:
                model.add_mechanisms(cls, (pre[np.flatnonzero(keep)], post[np.flatnonzero(keep)]), k=compact(k[keep]))


def _joined(parts: list):
    """Index ranges or arrays one after another (a single part as it is)."""
    return parts[0] if len(parts) == 1 else np.concatenate([np.asarray(p, dtype=np.int64) for p in parts])


def _one(ref: NodeRef) -> NodeRefs:
    return NodeRefs(ref.cls, range(ref.index, ref.index + 1))


def _attachment(location: "Location"):
    """The (section, end) a location's node is, with end 0 or 1, or None for a centre."""
    sec, x = location
    while x == 0.0 and sec.parent is not None:
        sec, x = sec.parent
    return (sec, int(x)) if x in (0.0, 1.0) else None


def _build(model: Model, sections: list, parents: list) -> None:
    """Give described sections their nodes and links, as if each were made and
    then connected to its parent in turn: centres, the end nodes that children
    attach to, and the links within sections, to those ends and to parents."""
    for sec, parent in zip(sections, parents):
        sec.parent = parent
    new = {id(sec) for sec in sections}
    ends = set()      # (id of a new section, 0 or 1): the end nodes its children attach to
    for parent in parents:
        end = parent and _attachment(parent)
        if end and id(end[0]) in new:
            ends.add((id(end[0]), end[1]))
    by_class: dict[type, list] = {}
    for sec in sections:
        wanted = [which for which in (0, 1) if (id(sec), which) in ends]
        by_class.setdefault(sec.node_class, []).append((sec, wanted))
    links = []
    for node_class, members in by_class.items():
        refs = _add_nodes(model, node_class, [_node_values(sec, True, len(wanted)) for sec, wanted in members])
        at = 0
        for sec, wanted in members:
            sec.centres = refs[at:at + sec.nseg]
            at += sec.nseg
            if sec.nseg > 1:
                links.append((sec.centres[:-1], sec.centres[1:], sec.segments.inner, sec))
            for which in wanted:
                end = refs[at:at + 1]
                at += 1
                if which == 0:
                    sec._end0 = end[0]
                    links.append((end, sec.centres[:1], np.array([sec.segments.end0]), sec))
                else:
                    sec._end1 = end[0]
                    links.append((sec.centres[-1:], end, np.array([sec.segments.end1]), sec))
    for sec, parent in zip(sections, parents):
        if parent is not None:
            links.append((_one(parent.node()), sec.centres[:1], np.array([sec.segments.end0]), sec))
    _add_links(model, links)


class Section:
    """An unbranched cylinder: L and diam in um, Ra in ohm cm, cm in uF/cm2."""

    def __init__(self, model: Model, name: str = "section", *, L: float = 100.0, diam: float = 500.0,
                 nseg: int = 1, Ra: float = 35.4, cm=1.0, node_class=Compartment,
                 diffusion: dict | None = None, segments: Segments | None = None, v_init: float | None = None):
        """``node_class`` is the compartment class of its nodes (e.g. one with
        calcium); ``diffusion`` maps a diffusion coupling class (parameter ``k``,
        um3/ms) to its species' diffusion coefficient D in um2/ms; ``cm`` is one
        number or one per segment; ``segments`` replaces the cylinder of length
        L and diameter diam by a geometry given segment by segment; ``v_init``
        (mV) is its nodes' initial potential (the node class's default if None)."""
        self._describe(model, name, L=L, diam=diam, nseg=nseg, Ra=Ra, cm=cm, node_class=node_class,
                       diffusion=diffusion, segments=segments, v_init=v_init)
        _build(model, [self], [None])

    @classmethod
    def many(cls, model: Model, rows: list[dict]) -> list["Section"]:
        """Many sections at once, as if made one by one and each connected as
        it was made: a row is Section's keyword arguments plus ``name`` and
        ``parent``, None or (k, x) for location x of the section of row k < this
        row's.  All their nodes come from one bulk call and all their links
        from one per coupling class, so a model of many small sections (a
        NEURON import) costs what one large section does."""
        made, parents = [], []
        for row in rows:
            row = dict(row)
            check_options(row.get("name", "section"), row, ("name", "parent"))
            parent = row.pop("parent", None)
            sec = cls.__new__(cls)
            sec._describe(model, **row)
            if parent is not None:
                if not (isinstance(parent, tuple) and len(parent) == 2):
                    raise ModelError(f"section '{sec.name}': parent must be None or (row, x), got {parent!r}")
                k, x = parent
                if not (isinstance(k, numbers.Integral) and 0 <= k < len(made)):
                    raise ModelError(f"section '{sec.name}': its parent must be an earlier row, got row {k!r}")
                parent = made[k](x)
            made.append(sec)
            parents.append(parent)
        _build(model, made, parents)
        return made

    def _describe(self, model, name="section", *, L=100.0, diam=500.0, nseg=1, Ra=35.4, cm=1.0,
                  node_class=Compartment, diffusion=None, segments=None, v_init=None) -> None:
        """The section's checked description, without nodes yet."""
        if not (isinstance(name, str) and name):
            raise ModelError(f"a section's name must be a non-empty string, got {name!r}")
        self.model, self.name = model, name
        self.L = _positive("L", L, name)
        self.diam = _positive("diam", diam, name)
        self.Ra = _positive("Ra", Ra, name)
        if not (isinstance(nseg, numbers.Integral) and not isinstance(nseg, bool) and 1 <= nseg <= MAX_NSEG):
            raise ModelError(f"section '{name}': nseg must be an integer >= 1 and <= {MAX_NSEG} (NEURON's "
                             f"bound), got {nseg!r}")
        self.nseg = nseg = int(nseg)
        self.cm = _per_segment("cm", cm, nseg, name, allow_zero=True)
        if segments is None:
            self.segments = Segments.cylinder(self.L, self.diam, nseg)
            _check_derived(self, [f"L = {self.L!r} um", f"diam = {self.diam!r} um", f"nseg = {nseg}"])
        else:
            if not isinstance(segments, Segments):
                raise ModelError(f"section '{name}': segments must be a Segments, got {type(segments).__name__}")
            self.segments = _checked_segments(segments, nseg, name)
            _check_derived(self, ["the segments' geometry"])
        _check_node_class(node_class, name)
        self.node_class = node_class
        if not (v_init is None or is_number(v_init)):
            raise ModelError(f"section '{name}': v_init must be a finite number (mV) or None, got {v_init!r}")
        self.v_init = v_init
        self.diffusion = {}
        for cls, D in (diffusion or {}).items():
            _check_diffusion(cls, name)
            self.diffusion[cls] = _positive(f"diffusion coefficient of {cls.__name__}", D, name)
        self.parent: Location | None = None
        self.inserted: dict[type, list[MechRefs]] = {}
        self._end0: NodeRef | None = None
        self._end1: NodeRef | None = None

    def __call__(self, x: float) -> Location:
        if not (is_number(x) and 0.0 <= x <= 1.0):
            raise ModelError(f"section '{self.name}': location must be in [0, 1], got {x!r}")
        return Location(self, float(x))

    def __repr__(self):
        return f"Section({self.name!r})"

    def _end_node(self) -> NodeRef:
        """A zero-area node (a section end that something uses)."""
        return _add_nodes(self.model, self.node_class, [_node_values(self, ends=1)])[0]

    def _link(self, pre, post, shape) -> None:
        """Join node pre to post by a conductor of shape factor ``shape`` (um)."""
        _add_links(self.model, [(_one(pre), _one(post), np.array([shape], dtype=np.float64), self)])

    def connect(self, parent: Location) -> "Section":
        """Attach this section's 0-end to ``parent`` (e.g. ``soma(1)``)."""
        if not isinstance(parent, Location):
            hint = f" (did you mean {parent.name}(1)?)" if isinstance(parent, Section) else ""
            raise ModelError(f"section '{self.name}': connect expects a location such as soma(1), "
                             f"got {parent!r}{hint}")
        if parent.section.model is not self.model:
            raise ModelError(f"section '{self.name}' cannot connect to '{parent.section.name}': "
                             f"they belong to different networks")
        if self.parent is not None:
            raise ModelError(f"section '{self.name}' is already connected to {self.parent.section.name}")
        if self._end0 is not None:
            raise ModelError(f"section '{self.name}': its 0-end is already in use; connect it before use")
        walk = parent.section
        while walk is not None:
            if walk is self:
                raise ModelError(f"connecting '{self.name}' to '{parent.section.name}' would make a loop")
            walk = walk.parent.section if walk.parent else None
        self.parent = parent
        self._link(parent.node(), self.centres[0], self.segments.end0)
        return self

    def insert(self, cls, **params) -> MechRefs:
        """Put a density mechanism on every segment of the section and return its
        instances.  As in NEURON, inserting a mechanism that is already there adds
        nothing (it returns the instances it has); doing so with values is refused,
        since they would silently apply to one insert only."""
        if isinstance(cls, type) and issubclass(cls, PointProcess):
            raise ModelError(f"section '{self.name}': {cls.__name__} is a point process; place it at a location, "
                             f"e.g. {self.name}(0.5).place({cls.__name__}, ...)")
        if not (isinstance(cls, type) and issubclass(cls, Mechanism)):
            kind = "a Coupling (it joins two nodes)" if isinstance(cls, type) and issubclass(cls, Coupling) \
                else "not a Mechanism class"
            raise ModelError(f"section '{self.name}': cannot insert {getattr(cls, '__name__', repr(cls))}: "
                             f"it is {kind}")
        if cls in self.inserted:
            if params:
                raise ModelError(f"section '{self.name}': {cls.__name__} is already inserted; give its values at "
                                 f"the first insert, or change them with Simulation.set")
            return self.inserted[cls][0]
        try:
            refs = self.model.add_mechanisms(cls, self.centres, **params)
        except ModelError as e:
            raise ModelError(f"section '{self.name}': {e}") from None
        self.inserted.setdefault(cls, []).append(refs)
        return refs

    def node(self, x: float) -> NodeRef:
        """The node that represents location x (NEURON's segment-to-node rule)."""
        x = self(x).x
        if x == 0.0:
            if self.parent is not None:
                return self.parent.node()
            if self._end0 is None:
                self._end0 = self._end_node()
                self._link(self._end0, self.centres[0], self.segments.end0)
            return self._end0
        if x == 1.0:
            if self._end1 is None:
                self._end1 = self._end_node()
                self._link(self.centres[-1], self._end1, self.segments.end1)
            return self._end1
        return self.centres[min(int(x * self.nseg), self.nseg - 1)]

    def copied(self, model: Model, name: str, parent: Location | None, ref) -> "Section":
        """This section as it stands in a copy of its model (see ``Network.add_cells``):
        the same cylinder, named ``name``, attached to ``parent``, its nodes
        mapped to the copy's by ``ref``."""
        sec = copy.copy(self)
        sec.model, sec.name, sec.parent = model, name, parent
        sec.centres = ref(self.centres)
        sec.inserted = {cls: [ref(refs) for refs in inserted] for cls, inserted in self.inserted.items()}
        sec._end0, sec._end1 = (None if end is None else ref(end) for end in (self._end0, self._end1))
        return sec


#: a section's options, as Section takes them
OPTIONS = [name for name in inspect.signature(Section._describe).parameters if name not in ("self", "model", "name")]


def check_options(name, options: dict, also=()) -> None:
    """A misspelt option (``lenght=``) is named, with the closest real one, before anything is built."""
    known = [*OPTIONS, *also]
    for key in options:
        if key not in known:
            hint = did_you_mean(key, known) or f" (options: {', '.join(known)})"
            raise ModelError(f"section '{name}': no option '{key}'{hint}")
