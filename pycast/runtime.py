"""Small C helpers that give C operators Python's meaning.

C's ``/`` and ``%`` truncate towards zero, Python's ``//`` and ``%`` floor; C's
``fmin``/``fmax`` disagree with Python's ``min``/``max`` on NaN and signed
zeros.  Each helper below reproduces CPython's algorithm (the float ones follow
``Objects/floatobject.c`` step by step) and is emitted once per translation
unit, only when some translated code calls it.

An int ``//`` or ``%`` by zero raises in Python and traps (SIGFPE) in C, so
one whose divisor is not a non-zero literal goes through a checked helper:
a zero divisor stores the operation's site number in ``*pycast_fault`` (the
first one stays) and gives 0 (see pycast.signature.Signature); any other
divisor costs one well-predicted branch.  Float ``/``, ``//`` and ``%`` by
zero give inf or nan, as C does.
"""
from __future__ import annotations

from pycparser import c_ast

from pycast.cbuild import (Comment, assign, binop, call, const, deref, function, ident, if_, param,
                           ret, ternary, var)
from pycast.names import FAULT_PARAM, RUNTIME_PREFIX
from pycast.types import DOUBLE, INT

_ZERO = {INT: 0, DOUBLE: 0.0}


def _negative(name: str, ctype: str):
    return binop("<", ident(name), const(_ZERO[ctype]))


def _floordiv_int():
    remainder = binop("!=", binop("%", ident("a"), ident("b")), const(0))
    signs_differ = binop("!=", _negative("a", INT), _negative("b", INT))
    return [var("q", INT, binop("/", ident("a"), ident("b"))),
            if_(binop("&&", remainder, signs_differ), [assign("q", binop("-", ident("q"), const(1)))]),
            ret(ident("q"))]


def _mod_int():
    # Every a % -1 is 0, and C's INT_MIN % -1 overflows (it traps on x86).
    remainder = ternary(binop("==", ident("b"), const(-1)), const(0), binop("%", ident("a"), ident("b")))
    signs_differ = binop("!=", _negative("r", INT), _negative("b", INT))
    return [var("r", INT, remainder),
            if_(binop("&&", binop("!=", ident("r"), const(0)), signs_differ),
                [assign("r", binop("+", ident("r"), ident("b")))]),
            ret(ident("r"))]


def _floordiv_double():
    # CPython's _float_div_mod: snap (a - fmod(a, b)) / b to the floor quotient.
    fix_sign = if_(binop("!=", _negative("b", DOUBLE), _negative("mod", DOUBLE)),
                   [assign("div", binop("-", ident("div"), const(1.0)))])
    snap = if_(binop(">", binop("-", ident("div"), ident("q")), const(0.5)),
               [assign("q", binop("+", ident("q"), const(1.0)))])
    return [var("mod", DOUBLE, call("fmod", ident("a"), ident("b"))),
            var("div", DOUBLE, binop("/", binop("-", ident("a"), ident("mod")), ident("b"))),
            var("q", DOUBLE),
            if_(binop("!=", ident("mod"), const(0.0)), [fix_sign]),
            if_(binop("!=", ident("div"), const(0.0)),
                [assign("q", call("floor", ident("div"))), snap],
                [assign("q", call("copysign", const(0.0), binop("/", ident("a"), ident("b"))))]),
            ret(ident("q"))]


def _mod_double():
    fix_sign = if_(binop("!=", _negative("b", DOUBLE), _negative("mod", DOUBLE)),
                   [assign("mod", binop("+", ident("mod"), ident("b")))])
    return [var("mod", DOUBLE, call("fmod", ident("a"), ident("b"))),
            if_(binop("!=", ident("mod"), const(0.0)), [fix_sign],
                [assign("mod", call("copysign", const(0.0), ident("b")))]),
            ret(ident("mod"))]


def _checked(body):
    """``body`` (of a helper of ``a`` and ``b``) after the check that ``b`` is not zero."""
    def checked():
        report = if_(binop("==", deref(FAULT_PARAM), const(0)), [assign(deref(FAULT_PARAM), ident("site"))])
        return [if_(binop("==", ident("b"), const(0)), [report, ret(const(0))])] + body()
    return checked


def _ipow():
    # Squaring only while bits remain, so no intermediate overflows unless the result does.
    odd = if_(binop("==", binop("%", ident("n"), const(2)), const(1)),
              [assign("r", binop("*", ident("r"), ident("x")))])
    square = if_(binop(">", ident("n"), const(0)), [assign("x", binop("*", ident("x"), ident("x")))])
    loop = c_ast.While(binop(">", ident("n"), const(0)),
                       c_ast.Compound([odd, assign("n", binop("/", ident("n"), const(2))), square]))
    return [var("r", INT, const(1)), loop, ret(ident("r"))]


def _abs_int():
    return [ret(ternary(_negative("x", INT), c_ast.UnaryOp("-", ident("x")), ident("x")))]


def _pick(op: str):
    # min/max keep the first argument unless the next is strictly smaller/larger.
    return lambda: [ret(ternary(binop(op, ident("b"), ident("a")), ident("b"), ident("a")))]


# name: (what it computes, return type, parameters (name, type[, pointer levels]), body builder)
_HELPERS = {
    "pycast_floordiv_int": ("Python a // b for ints (floors)", INT, [("a", INT), ("b", INT)],
                            _floordiv_int),
    "pycast_mod_int": ("Python a % b for ints (sign of b)", INT, [("a", INT), ("b", INT)], _mod_int),
    "pycast_floordiv_checked_int": ("Python a // b for ints; b == 0 reports site in *pycast_fault and gives 0",
                                    INT, [("a", INT), ("b", INT), ("site", INT), (FAULT_PARAM, INT, 1)],
                                    _checked(_floordiv_int)),
    "pycast_mod_checked_int": ("Python a % b for ints; b == 0 reports site in *pycast_fault and gives 0",
                               INT, [("a", INT), ("b", INT), ("site", INT), (FAULT_PARAM, INT, 1)],
                               _checked(_mod_int)),
    "pycast_floordiv_double": ("Python a // b for floats", DOUBLE, [("a", DOUBLE), ("b", DOUBLE)],
                               _floordiv_double),
    "pycast_mod_double": ("Python a % b for floats", DOUBLE, [("a", DOUBLE), ("b", DOUBLE)],
                          _mod_double),
    "pycast_ipow": ("Python x ** n for an int x and int n >= 0", INT, [("x", INT), ("n", INT)], _ipow),
    "pycast_abs_int": ("Python abs(x) for an int", INT, [("x", INT)], _abs_int),
    "pycast_min_int": ("Python min(a, b) for ints", INT, [("a", INT), ("b", INT)], _pick("<")),
    "pycast_max_int": ("Python max(a, b) for ints", INT, [("a", INT), ("b", INT)], _pick(">")),
    "pycast_min_double": ("Python min(a, b) for floats (keeps a on ties and NaN)", DOUBLE,
                          [("a", DOUBLE), ("b", DOUBLE)], _pick("<")),
    "pycast_max_double": ("Python max(a, b) for floats (keeps a on ties and NaN)", DOUBLE,
                          [("a", DOUBLE), ("b", DOUBLE)], _pick(">")),
}


def helper_name(operation: str, ctype: str | None = None) -> str:
    """Name of the helper for ``operation`` (floordiv, mod, floordiv_checked, mod_checked,
    min, max, abs, ipow) on ``ctype``."""
    name = RUNTIME_PREFIX + operation + (f"_{ctype}" if ctype else "")
    if name not in _HELPERS:
        raise KeyError(name)
    return name


def definitions(names, qualifiers=()) -> list[c_ast.Node]:
    """Comment and ``static inline`` definition of each named helper, in name
    order, with the function ``qualifiers`` given (e.g. CUDA's ``__device__``)."""
    out = []
    for name in sorted(names):
        doc, rtype, params, body = _HELPERS[name]
        out.append(Comment(f"pycast runtime: {doc}"))
        out.append(function(name, rtype, [param(p[0], p[1], pointer=p[2] if len(p) > 2 else 0) for p in params],
                            body(),
                            funcspec=("inline", *qualifiers)))
    return out
