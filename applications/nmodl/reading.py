"""A MOD file read by NMODL's own parser, and what its declarations say.

The parser is the ``neuron`` wheel's NMODL framework (``neuron.nmodl``), one
driver per file (a reused driver slows down badly).  Its sympy-based visitors
need ``NMODLHOME`` to be the wheel's ``neuron/.data`` (the package would set
it to ``.data/share/nrn``, where ``libpywrapper.so`` is missing), so it is set
before the import unless the user set it.
"""
from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from applications.nmodl.errors import NmodlError, NmodlUnavailable

#: values of the unit factors NEURON 9 defines (``FARADAY = (faraday) (coulomb)``
#: carries no value in the Python tree): h.FARADAY, h.R, and CODATA 2018 as NEURON 9's nrnunits.lib
FACTORS = {
    ("faraday", "coulomb"): 96485.33212331001,
    ("faraday", "coul"): 96485.33212331001,
    ("faraday", "kilocoulombs"): 96.48533212331001,
    ("k-mole", "joule/degC"): 8.31446261815324,
    ("k-mole", "joule/degK"): 8.31446261815324,
    ("pi", "1"): 3.141592653589793,
    ("k", "joule/degC"): 1.380649e-23,
    ("k", "joule/degK"): 1.380649e-23,
    ("e", "coulomb"): 1.602176634e-19,
    ("e", "coul"): 1.602176634e-19,
    ("e", "coulombs"): 1.602176634e-19,
    ("faraday", "coulombs"): 96485.33212331001,
    ("mole", "1"): 6.02214076e23,
    ("avogadro", "1"): 6.02214076e23,
}


def nmodl_module():
    """``neuron.nmodl``, with NMODLHOME pointing at the wheel's data."""
    spec = importlib.util.find_spec("neuron")
    if spec is None or spec.origin is None:
        raise NmodlUnavailable("translating MOD files needs NMODL's parser from the 'neuron' wheel "
                               "(pip install neuron)")
    os.environ.setdefault("NMODLHOME", str(Path(spec.origin).parent / ".data"))
    from neuron import nmodl
    return nmodl


_PARSE_ERROR = re.compile(r"NMODL Parser Error : (?P<what>.*?) \[Location : (?P<line>\d+)\.(?P<col>\d+)")


def parse(path: str):
    """The syntax tree of one file (a fresh driver) and its text."""
    nmodl = nmodl_module()
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as exc:
        raise NmodlError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        tree = nmodl.NmodlDriver().parse_file(str(path))      # INCLUDEs resolved beside the file
    except RuntimeError as exc:
        match = _PARSE_ERROR.search(str(exc))
        if match:
            raise NmodlError(f"{path}:{match['line']}:{match['col']}: NMODL syntax error: {match['what']}") from None
        raise NmodlError(f"{path}: NMODL could not parse it: {str(exc).splitlines()[0]}") from None
    return tree, text


def name_of(node) -> str:
    return node.get_node_name()


def number(node) -> float:
    """The value of an Integer/Double/Float node (NMODL gives strings for some)."""
    return float(node.eval())


def unit_text(node) -> str:
    """``(S/cm2)`` -> ``S/cm2``; '' for no unit."""
    if node is None:
        return ""
    from neuron.nmodl import to_nmodl
    return to_nmodl(node).strip().strip("()").strip()


@dataclass
class Variable:
    name: str
    unit: str = ""
    default: float = 0.0


@dataclass
class Ion:
    name: str
    reads: list[str]
    writes: list[str]


@dataclass
class Declarations:
    """What a MOD file's NEURON, UNITS, CONSTANT, PARAMETER, STATE and ASSIGNED
    blocks declare, and its blocks of code by kind (syntax-tree nodes)."""

    path: str
    text: str
    tree: object
    kind: str = "density"                       # or "point" (POINT_PROCESS), "artificial"
    suffix: str = ""
    title: str = ""
    params: dict[str, Variable] = field(default_factory=dict)
    states: dict[str, Variable] = field(default_factory=dict)
    assigned: dict[str, Variable] = field(default_factory=dict)
    constants: dict[str, float] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    ions: list[Ion] = field(default_factory=list)
    nonspecific: list[str] = field(default_factory=list)
    electrode: list[str] = field(default_factory=list)
    functions: dict[str, object] = field(default_factory=dict)
    procedures: dict[str, object] = field(default_factory=dict)
    derivatives: dict[str, object] = field(default_factory=dict)
    initial: object = None
    breakpoint: object = None
    net_receive: object = None

    def ion_reads(self) -> dict[str, str]:
        return {name: ion.name for ion in self.ions for name in ion.reads}

    def ion_writes(self) -> dict[str, str]:
        return {name: ion.name for ion in self.ions for name in ion.writes}

    def currents(self) -> list[str]:
        """The membrane currents its BREAKPOINT computes (ion and nonspecific; outward positive)."""
        ion_currents = [name for name, ion in self.ion_writes().items() if name == f"i{ion}"]
        return ion_currents + self.nonspecific


def _neuron_block(decl: Declarations, block) -> None:
    for stmt in block.statement_block.statements:
        kind = stmt.get_node_type_name()
        if kind == "Suffix":
            decl.suffix = name_of(stmt.name)
            decl.kind = {"SUFFIX": "density", "POINT_PROCESS": "point"}.get(name_of(stmt.type), "artificial")
        elif kind == "Useion":
            decl.ions.append(Ion(name_of(stmt.name), [name_of(v.name) for v in stmt.readlist],
                                 [name_of(v.name) for v in stmt.writelist]))
        elif kind == "Nonspecific":
            decl.nonspecific += [name_of(v.name) for v in stmt.currents]
        elif kind == "ElectrodeCurrent":
            decl.electrode += [name_of(v.name) for v in stmt.currents]
        elif kind == "Global":
            decl.globals.update(name_of(v.name) for v in stmt.variables)


def declarations(path: str) -> Declarations:
    """Parse ``path`` and collect its declarations (no check of what is supported)."""
    tree, text = parse(path)
    decl = Declarations(path, text, tree, suffix=Path(path).stem)   # NEURON's name without a SUFFIX
    for block in tree.blocks:
        kind = block.get_node_type_name()
        if kind == "NeuronBlock":
            _neuron_block(decl, block)
        elif kind == "Model":
            decl.title = block.title.eval().strip() if hasattr(block, "title") else ""
        elif kind == "ParamBlock":
            for p in block.statements:
                if p.get_node_type_name() == "ParamAssign":
                    decl.params[name_of(p.name)] = Variable(name_of(p.name), unit_text(p.unit),
                                                            number(p.value) if p.value is not None else 0.0)
        elif kind == "StateBlock":
            for s in block.definitions:
                decl.states[name_of(s.name)] = Variable(name_of(s.name), unit_text(s.unit))
        elif kind == "AssignedBlock":
            for a in block.definitions:
                decl.assigned[name_of(a.name)] = Variable(name_of(a.name), unit_text(a.unit))
        elif kind == "ConstantBlock":
            for c in block.statements:
                var = c.constant
                decl.constants[name_of(var.name)] = number(var.value)
        elif kind == "UnitBlock":
            _units(decl, block)
        elif kind == "FunctionBlock":
            decl.functions[name_of(block.name)] = block
        elif kind == "ProcedureBlock":
            decl.procedures[name_of(block.name)] = block
        elif kind == "DerivativeBlock":
            decl.derivatives[name_of(block.name)] = block
        elif kind == "InitialBlock":
            decl.initial = block
        elif kind == "BreakpointBlock":
            decl.breakpoint = block
        elif kind == "NetReceiveBlock":
            decl.net_receive = block
        elif kind == "LocalListStatement":          # a file-level LOCAL: a variable of the mechanism
            for v in block.variables:
                decl.assigned.setdefault(name_of(v.name), Variable(name_of(v.name)))
    return decl


def _scaled(unit: str) -> tuple[float, str]:
    """``10000 coulomb`` -> (10000.0, 'coulomb'); a unit without a number -> (1.0, unit)."""
    match = re.fullmatch(r"([0-9.]+(?:[eE][-+]?[0-9]+)?)\s+(.+)", unit)
    return (float(match.group(1)), match.group(2)) if match else (1.0, unit)


def _units(decl: Declarations, block) -> None:
    from applications.nmodl.errors import Refused
    from applications.nmodl.locate import find
    for d in block.definitions:
        if d.get_node_type_name() != "FactorDef":
            continue
        name = name_of(d.name)
        if d.value is not None:
            decl.constants[name] = number(d.value)
            continue
        pair = (unit_text(d.unit1), unit_text(d.unit2))
        scale, unit = _scaled(pair[1])
        if (pair[0], unit) in FACTORS:
            decl.constants[name] = FACTORS[(pair[0], unit)] / scale
            continue
        if pair not in FACTORS:
            line, col = find(decl.text, rf"\b{re.escape(name)}\s*=", "UNITS")
            raise Refused(decl.path, line, col, f"the unit factor {name} = ({pair[0]}) ({pair[1]})",
                          f"known factors: {', '.join(f'({a}) ({b})' for a, b in FACTORS)}")
        decl.constants[name] = FACTORS[pair]
