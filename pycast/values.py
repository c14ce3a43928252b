"""The typed C values that expression translation hands around.

These live apart from :mod:`pycast.expressions` because three modules share
them: the expression translator and its call half (:mod:`pycast.calls`) build
them, and the function scope (:mod:`pycast.scope`) answers names with them.
:mod:`pycast.expressions`, which defined them before the split, re-exports
``Value``, ``Callee``, ``Pending`` and ``literal``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from pycparser import c_ast

from pycast.cbuild import binop, const, ident, unop
from pycast.signature import Signature
from pycast.types import BOOL, DOUBLE, INT, fits_int


@dataclass(frozen=True)
class Value:
    """A C expression and the C type of the Python value it stands for.

    ``simple`` marks names, literals and fields: reading them twice costs
    nothing and has no effect, so they may be repeated instead of stored.
    """

    node: c_ast.Node
    ctype: str
    simple: bool = False


class Callee(NamedTuple):
    """A translated function as seen from one call site."""

    name: str
    signature: Signature
    written: frozenset  # paths of the fields it assigns, directly or through its callees
    field_args: list


class Pending(Exception):
    """A local variable whose type is not known yet (only while inferring types)."""


def literal(value) -> Value:
    """The C literal for a Python bool, int or float (``ValueError`` for ints beyond C int)."""
    if isinstance(value, bool):
        return Value(ident("true" if value else "false"), BOOL, simple=True)
    if isinstance(value, int):
        if not fits_int(value):
            raise ValueError(value)
        node = const(abs(int(value)))
        return Value(unop("-", node) if value < 0 else node, INT, simple=True)
    value = float(value)
    if math.isnan(value):
        return Value(ident("NAN"), DOUBLE, simple=True)
    node = ident("HUGE_VAL") if math.isinf(value) else const(abs(value))
    return Value(unop("-", node) if math.copysign(1.0, value) < 0 else node, DOUBLE, simple=True)


def truth_value(value: Value) -> Value:
    """``value`` as a bool.  C tests a number for truth as Python does, but compilers warn
    about tests such as ``a * b`` or ``c ? 1 : 2`` (-Wint-in-bool-context), so numbers
    are compared with zero."""
    return value if value.ctype == BOOL else compare_zero("!=", value)


def compare_zero(op: str, value: Value) -> Value:
    return Value(binop(op, value.node, const(0.0 if value.ctype == DOUBLE else 0)), BOOL)
