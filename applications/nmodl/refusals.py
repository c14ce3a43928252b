"""Constructs refused before translation, each with its own one-line message.

VERBATIM (C code), POINTER and random functions can never be translated
faithfully; the others are not translated yet (docs/nmodl.md lists what is
planned).  Calls such as ``net_send`` and the random functions are refused
where a translated block uses them (statements, expressions); what a file
declares or defines is refused here, the first in file order.
"""
from __future__ import annotations

from applications.nmodl.where import refusal

#: syntax-tree node kind -> (construct, why, pattern that finds it in the text)
REFUSED = {
    "Verbatim": ("VERBATIM (C code inside NMODL)", "C code cannot be translated faithfully", r"\bVERBATIM\b"),
    "Pointer": ("POINTER", "variables of other mechanisms are not supported", r"\bPOINTER\b"),
    "BbcorePointer": ("BBCOREPOINTER", "variables of other mechanisms are not supported", r"\bBBCOREPOINTER\b"),
    "RandomVarList": ("RANDOM", "random numbers are not supported", r"\bRANDOM\b"),
    "External": ("EXTERNAL", "variables of other mechanisms are not supported", r"\bEXTERNAL\b"),
    "KineticBlock": ("KINETIC", "not supported yet (reaction schemes need a coupled implicit update)",
                     r"\bKINETIC\b"),
    "LinearBlock": ("LINEAR", "not supported yet", r"\bLINEAR\b"),
    "NonLinearBlock": ("NONLINEAR", "not supported yet", r"\bNONLINEAR\b"),
    "DiscreteBlock": ("DISCRETE", "not supported yet", r"\bDISCRETE\b"),
    "FunctionTableBlock": ("FUNCTION_TABLE", "not supported yet", r"\bFUNCTION_TABLE\b"),
    "WatchStatement": ("WATCH", "not supported yet (conditions watched each step)", r"\bWATCH\b"),
    "ForNetcon": ("FOR_NETCONS", "not supported yet", r"\bFOR_NETCONS\b"),
    "LagStatement": ("LAG", "not supported yet", r"\bLAG\b"),
    "FromStatement": ("the FROM ... TO loop", "not supported yet", r"\bFROM\b"),
    "Include": ("INCLUDE", "not supported yet", r"\bINCLUDE\b"),
    "ConstructorBlock": ("CONSTRUCTOR", "not supported yet", r"\bCONSTRUCTOR\b"),
    "DestructorBlock": ("DESTRUCTOR", "not supported yet", r"\bDESTRUCTOR\b"),
    "BeforeBlock": ("BEFORE", "not supported yet", r"\bBEFORE\b"),
    "AfterBlock": ("AFTER", "not supported yet", r"\bAFTER\b"),
    "ReactionStatement": ("the reaction '~'", "KINETIC schemes are not supported yet", r"~"),
    "Conserve": ("CONSERVE", "KINETIC schemes are not supported yet", r"\bCONSERVE\b"),
    "LinEquation": ("the linear equation '~'", "LINEAR blocks are not supported yet", r"~"),
    "NonLinEquation": ("the nonlinear equation '~'", "NONLINEAR blocks are not supported yet", r"~"),
}
#: statements refused only where a translated block holds them
_INNER = {"InitialBlock": ("INITIAL inside NET_RECEIVE", "state kept per connection is not supported yet")}


def construct_of(kind: str) -> tuple[str, str]:
    """(construct, why) for a statement kind a translated block may not hold."""
    if kind in _INNER:
        return _INNER[kind]
    construct, why, _ = REFUSED.get(kind, (f"the statement {kind}", "not supported yet", ""))
    return construct, why


def _array(decl, node, what: str):
    name = node.name.get_node_name()
    return refusal(decl, node, f"the array {name}[] ({what})", "arrays are not supported yet",
                   pattern=rf"\b{name}\s*\[")


def check(decl) -> None:
    """Raise Refused for the first refused construct in the file."""
    from neuron.nmodl import ast as nast, visitor
    kinds = [getattr(nast.AstNodeType, _type_name(k)) for k in REFUSED]
    lookup = visitor.AstLookupVisitor()
    for block in decl.tree.blocks:
        kind = block.get_node_type_name()
        if kind in REFUSED:
            construct, why, pattern = REFUSED[kind]
            raise refusal(decl, block, construct, why, pattern)
        if kind in ("AssignedBlock", "StateBlock"):
            for d in block.definitions:
                if d.length is not None:
                    raise _array(decl, d, "ASSIGNED" if kind == "AssignedBlock" else "STATE")
        found = lookup.lookup(block, kinds)
        if found:
            node = found[0]
            construct, why, pattern = REFUSED[node.get_node_type_name()]
            raise refusal(decl, node, construct, why, pattern)
    if decl.kind == "artificial":
        raise refusal(decl, decl.tree, "ARTIFICIAL_CELL", "not supported yet", r"\bARTIFICIAL_CELL\b")


def _type_name(kind: str) -> str:
    """``NonLinearBlock`` -> ``NON_LINEAR_BLOCK`` (the AstNodeType spelling)."""
    special = {"NonLinearBlock": "NON_LINEAR_BLOCK", "NonLinEquation": "NON_LIN_EQUATION",
               "LinEquation": "LIN_EQUATION", "BbcorePointer": "BBCORE_POINTER", "ForNetcon": "FOR_NETCON"}
    if kind in special:
        return special[kind]
    out = ""
    for i, ch in enumerate(kind):
        if ch.isupper() and i:
            out += "_"
        out += ch.upper()
    return out
