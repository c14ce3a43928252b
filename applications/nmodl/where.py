"""The position of a syntax-tree node in its file, for refusals (see locate)."""
from __future__ import annotations

import re

from applications.nmodl.errors import Refused
from applications.nmodl.locate import find

#: top-level block kinds -> the keyword that opens them in the text
_HEADERS = {"BreakpointBlock": "BREAKPOINT", "InitialBlock": "INITIAL", "NetReceiveBlock": "NET_RECEIVE",
            "NeuronBlock": "NEURON", "ParamBlock": "PARAMETER", "AssignedBlock": "ASSIGNED", "StateBlock": "STATE",
            "UnitBlock": "UNITS", "ConstantBlock": "CONSTANT", "BeforeBlock": "BEFORE", "AfterBlock": "AFTER",
            "ConstructorBlock": "CONSTRUCTOR", "DestructorBlock": "DESTRUCTOR", "Verbatim": "VERBATIM",
            "Include": "INCLUDE", "IndependentBlock": "INDEPENDENT"}
_NAMED = {"DerivativeBlock": "DERIVATIVE", "ProcedureBlock": "PROCEDURE", "FunctionBlock": "FUNCTION",
          "KineticBlock": "KINETIC", "LinearBlock": "LINEAR", "NonLinearBlock": "NONLINEAR",
          "DiscreteBlock": "DISCRETE", "FunctionTableBlock": "FUNCTION_TABLE", "PartialBlock": "PARTIAL"}


def header(block) -> str | None:
    """A regular expression for the text that opens a top-level block."""
    kind = block.get_node_type_name()
    if kind in _NAMED:
        return rf"{_NAMED[kind]}\s+{re.escape(block.name.get_node_name())}"
    return _HEADERS.get(kind)


def top_block(node):
    """The top-level block that holds ``node`` (itself if it is one)."""
    parent = node
    while parent.parent is not None and parent.parent.get_node_type_name() != "Program":
        parent = parent.parent
    return parent


def _first_word(node) -> str:
    from neuron.nmodl import to_nmodl
    match = re.search(r"[A-Za-z_][A-Za-z_0-9]*", to_nmodl(node))
    return rf"\b{re.escape(match.group(0))}\b" if match else r"\S"


def refusal(decl, node, construct: str, why: str = "", pattern: str | None = None) -> Refused:
    """A Refused for ``node`` of ``decl``'s file, located by ``pattern`` (a
    regular expression; the node's first word by default) searched from the
    header of the block that holds it."""
    try:
        block = header(top_block(node))
    except Exception:                       # a node the bindings give no parent for
        block = None
    line, column = find(decl.text, pattern or _first_word(node), block)
    return Refused(decl.path, line, column, construct, why)
