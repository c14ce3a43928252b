"""Differential tests of pycast on randomly generated programs.

Hypothesis writes the source of small functions in pycast's subset (mixed
int/float arithmetic, nested conditionals, loops with random bounds and steps,
floor division and modulo of negative numbers, powers, math functions, calls
between the generated functions); each function runs as Python and as pycast's
C on the same arguments.  Ints and bools must agree exactly; floats within
2 ulp, with the same NaN-ness, infinities and sign of zero (pycast keeps signed
zeros, and they are observable through ``copysign`` and ``atan2``).

The programs are valid by construction: every local is assigned before the
body, has one type and is never read where it may be unassigned; divisors
cannot be zero; loops stop.  What cannot be bounded statically -- an int
leaving C's 32 bits, a loop running too long -- is caught at run time by an
instrumented copy of each function, and such a call is not compared: C has no
meaning for it (pycast/README.md, "What C does differently").

Float ``x ** 3`` and ``x ** 4`` of a name become products in C, and
``math.hypot`` is libm's: both are documented to differ from Python in the
last bit, so they appear only as a returned value of a function no other one
calls, where the difference cannot be magnified by a later subtraction or
decide a comparison.  (``x ** 2`` becomes ``x * x``, which is exactly
Python's ``pow(x, 2)``, and appears anywhere.)

A float that Python holds as an int (``max(0, x)`` picks the int, ``f: float
= n`` stores it) is C's double of the same value, but Python's int arithmetic
on it differs from C's double arithmetic in the sign of zero (``-0`` is ``0``,
``-0.0`` is not).  The generator tracks such "impure" floats and lets them
meet only operations that convert them to float first, as C does.

A program is a module of one to three functions and a few constants; a
batch of programs becomes one C translation unit, so that hundreds of
functions cost a few compiler runs.
"""
from __future__ import annotations

import ast
import ctypes
import hashlib
import importlib.util
import itertools
import math
import os
import struct
import subprocess
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycparser import c_ast

from ctools import CFLAGS, bind, compile_function
from pycast import TranslationError, Unit
from pycast.cbuild import render

INT, FLOAT, BOOL = "int", "float", "bool"
PROGRAMS_PER_BATCH = 10  # of 1 to 3 functions each
BATCHES = 40
CALLS_PER_FUNCTION = 4
MIN_FUNCTIONS = 500
LOOP_BUDGET = 3000  # loop iterations per call, all loops and callees together
INT_MAX = 2 ** 31 - 1

INT_LITERALS = [0, 1, 2, 3, 5, 7, 10, 100, 1000, 46341, INT_MAX]
FLOAT_LITERALS = [0.0, 1.0, 0.5, 2.0, 1.5, 3.0, 0.1, 0.25, 10.0, 1e-3, 7.25, 1e10,
                  3.141592653589793, 1e-300, 1e300, 5e-324]
STEPS = [1, 2, -1, 3, -2, 5, -3, -7]
# Names pycast must rename in C (keywords, libm and libc names, macros, its own prefix).
AWKWARD_NAMES = ["double", "new", "char", "exp", "y1", "errno", "NAN", "pycast_t1", "main",
                 "signbit", "fmin", "INT_MAX"]
COMPARISONS = ["<", "<=", ">", ">=", "==", "!="]
IMPORTED = ["floor", "log1p", "sqrt"]  # from math import ..., called by bare name
TO_INT = ["math.floor", "floor", "math.ceil", "math.trunc", "int"]
# math functions defined for every float (or whose errors Python raises and the call skips).
UNARY_MATH = ["atan", "tanh", "erf", "erfc", "fabs", "sin", "cos", "cbrt", "asinh", "expm1"]

ARGUMENTS = {
    INT: st.one_of(st.integers(-12, 12), st.integers(-1000, 1000),
                   st.sampled_from([INT_MAX, -INT_MAX, 46340, -46341])),
    FLOAT: st.one_of(st.floats(-20.0, 20.0), st.floats(),
                     st.sampled_from([0.0, -0.0, 0.5, -2.5, math.inf, -math.inf, math.nan, 5e-324, 1e308])),
    BOOL: st.booleans(),
}


@dataclass(frozen=True)
class Var:
    """A readable name; ``pure``: a float Python holds as a float too (see the module doc)."""

    name: str
    kind: str
    pure: bool = True


def _kind(value) -> str:
    return BOOL if isinstance(value, bool) else INT if isinstance(value, int) else FLOAT


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple[Var, ...]
    returns: str
    source: str
    calls: tuple  # argument tuples to call it with
    exact: bool  # no result that pycast documents to differ from Python in the last bit


def _int_literal(node: ast.expr, constants: dict[str, object]) -> int | None:
    """The value of an int literal as pycast reads one (``-5``, ``+(-5)``, a module-level
    int constant), else None."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Name) and type(constants.get(node.id)) is int:
        return constants[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _int_literal(node.operand, constants)
        return None if inner is None else -inner if isinstance(node.op, ast.USub) else inner
    return None


class _Writer:
    """Draws one function's source, statement by statement, typing every expression
    as pycast does (bool widens to int, int to float; a local keeps one type)."""

    def __init__(self, draw, returns: str, earlier: list[Function], constants: dict[str, object]):
        self.draw = draw
        self.returns = returns
        self.callable = [f for f in earlier if f.exact]
        self.constants = constants
        self.scope: list[Var] = [Var(name, _kind(value)) for name, value in constants.items()]
        self.targets: list[Var] = []  # assignable here
        self.lines: list[str] = []
        self.taken: set[str] = set()
        self.numbers = itertools.count()
        self.loops = 0
        self.exact = True

    # -- drawing ---------------------------------------------------------------------------

    def pick(self, options):
        # Not sampled_from: hypothesis caches integers(0, n), not strategies over fresh lists.
        return options[self.index(len(options))]

    def index(self, size: int) -> int:
        return self.draw(st.integers(0, size - 1))

    def flip(self) -> bool:
        return self.draw(st.booleans())

    def one(self, *productions):
        """The result of one of ``productions``; hypothesis shrinks towards the first."""
        return productions[self.index(len(productions))]()

    def fresh(self, prefix: str) -> str:
        name = f"{prefix}{next(self.numbers)}"
        awkward = [n for n in AWKWARD_NAMES if n not in self.taken]
        if awkward and self.draw(st.integers(0, 7)) == 0:
            name = self.pick(awkward)
        self.taken.add(name)
        return name

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def variables(self, kind: str, pure: bool = False) -> list[Var]:
        return [v for v in self.scope if v.kind == kind and (v.pure or not pure)]

    def functions(self, kind: str) -> list[Function]:
        return [f for f in self.callable if f.returns == kind]

    def call(self, depth: int, kind: str) -> str:
        callee = self.pick(self.functions(kind))
        args = [self.int_(depth) if p.kind == INT else self.bool_(depth) if p.kind == BOOL
                else self.float_(depth, pure=True)[0] for p in callee.params]
        return f"{callee.name}({', '.join(args)})"

    # -- int expressions -------------------------------------------------------------------

    def literal_int(self) -> str:
        value = self.pick(INT_LITERALS)
        return f"(-{value})" if value and self.flip() else str(value)

    def int_(self, depth: int) -> str:
        """An expression pycast types int (never bool: an int local takes ints only)."""
        names = self.variables(INT)
        leaves = [self.literal_int] + ([lambda: self.pick(names).name] if names else [])
        if depth <= 0:
            return self.one(*leaves)
        d = depth - 1
        return self.one(
            *leaves,
            lambda: f"({self.int_(d)} {self.pick(['+', '-', '*'])} {self.int_(d)})",
            lambda: f"({self.int_(d)} {self.pick(['//', '%'])} {self.int_divisor(d)})",
            lambda: self.int_power(d),
            lambda: f"({self.pick(['-', '+'])}{self.int_(d)})",
            lambda: f"abs({self.int_(d)})",
            lambda: f"{self.pick(['min', 'max'])}({self.int_args(d)})",
            lambda: f"({self.int_(d)} if {self.condition(d)} else {self.int_(d)})",
            lambda: f"{self.pick(TO_INT)}({self.float_(d)[0]})",
            lambda: self.bool_as_int(d),
            *([lambda: self.call(d, INT)] if self.functions(INT) else []),
        )

    def int_power(self, depth: int) -> str:
        base, exponent = self.int_(depth), self.draw(st.integers(0, 5))
        literal = _int_literal(ast.parse(base, mode="eval").body, self.constants)
        while literal is not None and abs(literal) ** exponent > INT_MAX:
            exponent -= 1  # pycast folds literal ** literal and refuses what C's int cannot hold
        return f"({base} ** {exponent})"

    def int_args(self, depth: int) -> str:
        args = [self.int_(depth) for _ in range(self.draw(st.integers(2, 3)))]
        if self.flip():
            args.insert(self.draw(st.integers(0, len(args))), self.bool_(depth))
        return ", ".join(args)

    def bool_as_int(self, depth: int) -> str:
        b = self.bool_(depth)
        return self.one(lambda: f"int({b})", lambda: f"(-{b})", lambda: f"abs({b})",
                        lambda: f"({b} + {self.int_(depth)})", lambda: f"({b} * {self.bool_(depth)})",
                        lambda: f"({b} ** 2)", lambda: f"max({b}, {self.bool_(depth)}, {self.int_(depth)})")

    def int_divisor(self, depth: int) -> str:
        """An int expression that cannot be zero."""
        return self.one(lambda: str(self.draw(st.integers(1, 9))),
                        lambda: f"(-{self.draw(st.integers(1, 9))})",
                        lambda: f"(abs({self.int_(depth)}) + 1)",
                        lambda: f"(-abs({self.int_(depth)}) - 1)",
                        lambda: (lambda e: f"({e} * {e} + 1)")(self.int_(depth)),
                        lambda: (lambda e: f"({e} if {e} != 0 else {self.pick([-3, 2, 7])})")(
                            self.int_(depth)))

    def small(self, depth: int) -> str:
        """A loop bound: an int expression of small magnitude."""
        loop_variables = [v.name for v in self.variables(INT) if v.name[0] in "iw"]
        return self.one(lambda: str(self.draw(st.integers(-6, 12))),
                        lambda: f"({self.int_(depth)} % {self.draw(st.integers(2, 13))})",
                        lambda: f"min(max({self.int_(depth)}, {self.draw(st.integers(-9, 0))}), "
                                f"{self.draw(st.integers(0, 12))})",
                        lambda: f"(abs({self.int_(depth)}) % 9 - 3)",
                        *([lambda: self.pick(loop_variables)] if loop_variables else []))

    # -- float expressions -----------------------------------------------------------------

    def literal_float(self) -> str:
        value = self.pick(FLOAT_LITERALS)
        return f"(-{value!r})" if self.flip() else repr(value)

    def float_(self, depth: int, pure: bool = False) -> tuple[str, bool]:
        """An expression pycast types float, and whether Python's value is a float too;
        ``pure`` asks for one that is."""
        names = self.variables(FLOAT, pure)
        leaves = [lambda: (self.literal_float(), True)]
        if names:
            leaves.append(lambda: (lambda v: (v.name, v.pure))(self.pick(names)))
        if depth <= 0:
            return self.one(*leaves)
        d = depth - 1
        productions = [
            *leaves,
            lambda: (self.pick(["math.pi", "math.e", "math.inf", "math.nan", "(-math.inf)"]), True),
            lambda: (f"float({self.one(lambda: self.int_(d), lambda: self.bool_(d))})", True),
            lambda: self.arithmetic(d),
            lambda: (f"({self.int_(d)} / {self.int_divisor(d)})", True),
            lambda: (f"({self.number(d)} / {self.float_divisor(d, pure=False)})", True),
            lambda: self.floor_division(d),
            lambda: self.power(d),
            lambda: (f"(-{self.float_(d, pure=True)[0]})", True),
            lambda: (self.math(d), True),
        ]
        if not pure:
            productions += [
                lambda: (lambda f: (f"(+{f[0]})", f[1]))(self.float_(d)),
                lambda: (lambda f: (f"abs({f[0]})", f[1]))(self.float_(d)),
                lambda: self.min_max(d),
                lambda: self.float_if(d),
                *([lambda: (self.call(d, FLOAT), False)] if self.functions(FLOAT) else []),
            ]
        return self.one(*productions)

    def number(self, depth: int) -> str:
        return self.one(lambda: self.float_(depth)[0], lambda: self.int_(depth))

    def arithmetic(self, depth: int) -> tuple[str, bool]:
        """``+ - *`` with one operand a Python float, so Python computes in floats as C does."""
        op = self.pick(["+", "-", "*"])
        pure, other = self.float_(depth, pure=True)[0], self.number(depth)
        return (f"({pure} {op} {other})" if self.flip() else f"({other} {op} {pure})"), True

    def floor_division(self, depth: int) -> tuple[str, bool]:
        op = self.pick(["//", "%"])
        return self.one(
            lambda: f"({self.float_(depth, pure=True)[0]} {op} {self.float_divisor(depth, pure=False)})",
            lambda: f"({self.number(depth)} {op} {self.float_divisor(depth, pure=True)})"), True

    def float_divisor(self, depth: int, pure: bool) -> str:
        """A float expression that cannot be zero (NaN and infinities are fine)."""
        def literal():
            return repr(self.pick([0.5, 2.0, 3.0, 0.1, 7.25, 1e-3, 1e300]))

        return self.one(literal,
                        lambda: f"(-{literal()})",
                        lambda: f"(abs({self.float_(depth, pure)[0]}) + 0.5)",
                        lambda: (lambda f: f"({f} if {f} != 0.0 else {self.pick(['2.5', '(-0.75)'])})")(
                            self.float_(depth, pure)[0]),
                        *([] if pure else [lambda: self.int_divisor(depth)]))

    def power(self, depth: int) -> tuple[str, bool]:
        def float_base():
            exponent = self.pick([2, -1, 0, 1, -2, 5, 3, 4])
            # For 3 and 4 not a name or literal, which pycast would turn into a product.
            base = self.arithmetic(depth)[0] if exponent in (3, 4) else self.float_(depth, pure=True)[0]
            return f"({base} ** {exponent})"

        def positive():
            return self.one(lambda: repr(self.pick([2.0, 0.5, 10.0, 1.5])),
                            lambda: f"abs({self.number(depth)})",
                            lambda: f"(abs({self.number(depth)}) + 0.5)")

        return self.one(float_base,
                        lambda: f"({positive()} ** {self.float_(depth, pure=True)[0]})",
                        lambda: f"({self.int_divisor(depth)} ** {self.pick([-1, -2, -3])})"), True

    def math(self, depth: int) -> str:
        def f():
            return self.number(depth)

        return self.one(
            lambda: f"{self.pick(['math.sqrt', 'sqrt'])}(abs({f()}))",
            lambda: f"math.{self.pick(UNARY_MATH)}({f()})",
            lambda: f"math.exp({f()})",
            lambda: f"math.exp(-abs({f()}))",
            lambda: f"math.{self.pick(['log', 'log2', 'log10'])}(abs({f()}) + 1.0)",
            lambda: f"math.log(abs({f()}) + 0.5, {self.pick(['2.0', '10.0', '0.5'])})",
            lambda: f"{self.pick(['math.log1p', 'log1p'])}(abs({f()}))",
            lambda: f"math.{self.pick(['atan2', 'copysign', 'pow', 'fmod'])}({f()}, {f()})",
            lambda: f"math.acosh(abs({f()}) + 1.0)",
            lambda: f"math.{self.pick(['atanh', 'asin', 'acos'])}(math.tanh({f()}))",
            lambda: f"math.exp2({f()})",
        )

    def min_max(self, depth: int) -> tuple[str, bool]:
        args = [self.float_(depth)]
        for _ in range(self.draw(st.integers(1, 2))):
            args.insert(self.draw(st.integers(0, len(args))),
                        self.one(lambda: self.float_(depth), lambda: (self.int_(depth), False)))
        return f"{self.pick(['min', 'max'])}({', '.join(a for a, _ in args)})", all(p for _, p in args)

    def float_if(self, depth: int) -> tuple[str, bool]:
        (body, pure), (orelse, other) = self.float_(depth), self.float_(depth)
        if self.flip():
            (body, pure), (orelse, other) = (self.int_(depth), False), (orelse, other)
        return f"({body} if {self.condition(depth)} else {orelse})", pure and other

    # -- bool expressions ------------------------------------------------------------------

    def bool_(self, depth: int) -> str:
        names = self.variables(BOOL)
        leaves = [lambda: self.pick(["True", "False"])] + ([lambda: self.pick(names).name] if names else [])
        if depth <= 0:
            return self.one(*leaves)
        d = depth - 1
        return self.one(
            *leaves,
            lambda: self.comparison(d, 2),
            lambda: self.comparison(d, 3),
            lambda: f"(not {self.one(lambda: self.bool_(d), lambda: self.number(d))})",
            lambda: f"({' and '.join(self.bool_(d) for _ in range(self.draw(st.integers(2, 3))))})",
            lambda: f"({' or '.join(self.bool_(d) for _ in range(self.draw(st.integers(2, 3))))})",
            lambda: f"math.{self.pick(['isnan', 'isinf', 'isfinite'])}({self.number(d)})",
            lambda: f"bool({self.number(d)})",
            lambda: f"({self.bool_(d)} if {self.condition(d)} else {self.bool_(d)})",
            *([lambda: self.call(d, BOOL)] if self.functions(BOOL) else []),
        )

    def comparison(self, depth: int, operands: int) -> str:
        values = [self.one(lambda: self.number(depth), lambda: self.bool_(depth)) for _ in range(operands)]
        parts = [values[0]]
        for value in values[1:]:
            parts += [self.pick(COMPARISONS), value]
        return f"({' '.join(parts)})"

    def condition(self, depth: int) -> str:
        """A test of if or a conditional expression: any value, by its truth."""
        return self.one(lambda: self.bool_(depth), lambda: self.number(depth))

    # -- statements ------------------------------------------------------------------------

    def value(self, target: Var, depth: int) -> str:
        """A value pycast lets ``target`` hold and that keeps a pure float pure."""
        if target.kind == INT:
            return self.int_(depth)
        if target.kind == BOOL:
            return self.bool_(depth)
        if target.pure:
            return self.float_(depth, pure=True)[0]
        return self.one(lambda: self.float_(depth)[0], lambda: self.int_(depth), lambda: self.bool_(depth))

    def result(self, depth: int) -> str:
        if self.returns == BOOL:
            return self.bool_(depth)
        if self.returns == INT:
            return self.one(lambda: self.int_(depth), lambda: self.bool_(depth))
        return self.one(lambda: self.float_(depth)[0], lambda: self.int_(depth),
                        lambda: self.bool_(depth), self.inexact)

    def inexact(self) -> str:
        """What pycast documents to differ from Python in the last bit."""
        self.exact = False
        names = [v.name for v in self.variables(FLOAT)] or [self.literal_float()]
        return self.one(lambda: f"{self.pick(names)} ** {self.pick([3, 4])}",
                        lambda: f"math.hypot({self.number(1)}, {self.number(1)})")

    def depth(self) -> int:
        return self.draw(st.integers(0, 2))

    def block(self, indent: int, nesting: int) -> None:
        for _ in range(self.draw(st.integers(1, 3 if nesting == 0 else 2))):
            self.statement(indent, nesting)

    def statement(self, indent: int, nesting: int) -> None:
        simple = [self.early_return] + ([self.assignment, self.augmented_assignment] if self.targets else [])
        if self.loops:
            simple.append(self.jump)
        compound = [self.if_, self.for_, self.while_] if nesting < 2 else []
        self.one(*[lambda s=s: s(indent, nesting) for s in simple + compound + [self.other]])

    def assignment(self, indent: int, nesting: int) -> None:
        target = self.pick(self.targets)
        self.emit(indent, f"{target.name} = {self.value(target, self.depth())}")

    def augmented_assignment(self, indent: int, nesting: int) -> None:
        target = self.pick([t for t in self.targets if t.kind != BOOL] or self.targets)
        d = self.depth()
        if target.kind == BOOL:
            self.emit(indent, f"{target.name} = not {target.name}")
        elif target.kind == INT:
            self.emit(indent, self.one(
                lambda: f"{target.name} {self.pick(['+=', '-=', '*='])} {self.int_(d)}",
                lambda: f"{target.name} {self.pick(['//=', '%='])} {self.int_divisor(d)}",
                lambda: f"{target.name} **= 2"))
        else:
            # An impure float (Python int) must meet a Python float, as in C.
            self.emit(indent, self.one(
                lambda: f"{target.name} {self.pick(['+=', '-=', '*='])} {self.float_(d, not target.pure)[0]}",
                lambda: f"{target.name} /= {self.float_divisor(d, pure=False)}",
                lambda: f"{target.name} {self.pick(['//=', '%='])} {self.float_divisor(d, not target.pure)}",
                lambda: f"{target.name} **= 2"))

    def early_return(self, indent: int, nesting: int) -> None:
        if self.flip():
            self.emit(indent, f"if {self.condition(self.depth())}:")
            indent += 1
        self.emit(indent, f"return {self.result(self.depth())}")

    def jump(self, indent: int, nesting: int) -> None:
        if self.flip():
            self.emit(indent, f"if {self.condition(self.depth())}:")
            indent += 1
        self.emit(indent, self.pick(["break", "continue"]))

    def other(self, indent: int, nesting: int) -> None:
        kinds = [k for k in (INT, FLOAT, BOOL) if self.functions(k)]
        if kinds:
            self.emit(indent, self.call(self.depth(), self.pick(kinds)))
        else:
            self.emit(indent, "pass")

    def if_(self, indent: int, nesting: int) -> None:
        self.emit(indent, f"if {self.condition(self.depth())}:")
        self.block(indent + 1, nesting + 1)
        for _ in range(self.draw(st.integers(0, 2))):
            self.emit(indent, f"elif {self.condition(self.depth())}:")
            self.block(indent + 1, nesting + 1)
        if self.flip():
            self.emit(indent, "else:")
            self.block(indent + 1, nesting + 1)

    def loop_body(self, indent: int, nesting: int, counter: Var, assignable: bool) -> None:
        scope, targets = len(self.scope), len(self.targets)
        self.scope.append(counter)
        if assignable:
            self.targets.append(counter)
        self.loops += 1
        self.block(indent, nesting + 1)
        self.loops -= 1
        del self.scope[scope:], self.targets[targets:]

    def for_(self, indent: int, nesting: int) -> None:
        counter = Var(self.fresh("i"), INT)
        bounds = self.one(lambda: [self.small(1)],
                          lambda: [self.small(1), self.small(1)],
                          lambda: [self.small(1), self.small(1), str(self.pick(STEPS))])
        self.emit(indent, f"for {counter.name} in range({', '.join(bounds)}):")
        # Assigning the loop variable in the body does not change the iteration.
        self.loop_body(indent + 1, nesting, counter, assignable=self.flip())

    def while_(self, indent: int, nesting: int) -> None:
        # The counter is advanced first, so that continue cannot skip it.
        counter = Var(self.fresh("w"), INT)
        self.emit(indent, f"{counter.name} = {self.small(1)}")
        if self.flip():
            extra = f" and {self.bool_(1)}" if self.flip() else ""
            self.emit(indent, f"while {counter.name} < {self.small(1)}{extra}:")
            self.emit(indent + 1, f"{counter.name} += {self.draw(st.integers(1, 3))}")
        else:
            self.emit(indent, "while True:")
            self.emit(indent + 1, f"{counter.name} += 1")
            self.emit(indent + 1, f"if {counter.name} > {self.small(1)}:")
            self.emit(indent + 2, "break")
        self.loop_body(indent + 1, nesting, counter, assignable=False)


def _function(draw, name: str, earlier: list[Function], constants: dict[str, object]) -> Function:
    returns = draw(st.sampled_from([INT, FLOAT, BOOL]))
    writer = _Writer(draw, returns, earlier, constants)
    annotated = returns != FLOAT or draw(st.booleans())
    params = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from([INT, FLOAT, BOOL] if annotated else [FLOAT]))
        params.append(Var(writer.fresh({INT: "a", FLOAT: "x", BOOL: "p"}[kind]), kind))
    header = ", ".join(p.name if not annotated else f"{p.name}: {p.kind}" for p in params)
    writer.emit(0, f"def {name}({header})" + (f" -> {returns}:" if annotated else ":"))
    writer.scope += params
    writer.targets += params
    for kind, prefix in [(INT, "n"), (FLOAT, "f"), (BOOL, "t")]:
        for _ in range(draw(st.integers(0, 2))):
            # A float local annotated ``: float`` may be given ints and bools (pycast widens).
            widened = kind == FLOAT and draw(st.booleans())
            local = Var(writer.fresh(prefix), kind, pure=not widened)
            if widened:
                writer.emit(1, f"{local.name}: float = {writer.value(local, writer.depth())}")
            else:
                writer.emit(1, f"{local.name} = {writer.value(local, writer.depth())}")
            writer.scope.append(local)
            writer.targets.append(local)
    writer.block(1, 0)
    writer.emit(1, f"return {writer.result(writer.depth())}")
    calls = draw(st.lists(st.tuples(*[ARGUMENTS[p.kind] for p in params]),
                          min_size=CALLS_PER_FUNCTION, max_size=CALLS_PER_FUNCTION))
    return Function(name, tuple(params), returns, "\n".join(writer.lines), tuple(calls), writer.exact)


@dataclass(frozen=True)
class Program:
    """A module of generated functions; each may call those before it and read the
    module's constants (which pycast inlines)."""

    constants: tuple[tuple[str, str], ...]  # (name, Python literal)
    functions: tuple[Function, ...]

    @property
    def source(self) -> str:
        constants = "".join(f"{name} = {text}\n" for name, text in self.constants)
        return (f"import math\nfrom math import {', '.join(IMPORTED)}\n\n{constants}\n\n"
                + "\n\n\n".join(fn.source for fn in self.functions) + "\n")


@st.composite
def programs(draw) -> Program:
    texts = {}
    for number in range(draw(st.integers(0, 3))):
        text = draw(st.sampled_from([*map(repr, INT_LITERALS), *map(repr, FLOAT_LITERALS),
                                     "True", "-7", "-0.0", "-2.5", "math.inf", "math.nan"]))
        texts[f"K{number}"] = text
    constants = {name: eval(text, {"math": math}) for name, text in texts.items()}
    functions = []
    for number in range(draw(st.integers(1, 3))):
        functions.append(_function(draw, f"g{number}", functions, constants))
    return Program(tuple(texts.items()), tuple(functions))


# Distinct programs, compiled together.  (Hypothesis follows a new example with mutations that
# copy parts of it over others, which would mostly repeat its functions; it leaves the elements
# of unique collections alone, so that every example brings new programs.)
batches = st.lists(programs(), min_size=PROGRAMS_PER_BATCH, max_size=PROGRAMS_PER_BATCH,
                   unique_by=lambda program: program.source)


# -- running ----------------------------------------------------------------------------------

# Random programs hold what nobody writes: int overflow that gcc can prove (constants, loops)
# in code Python never runs with these arguments, comparisons that decide nothing (a bool
# with a constant, a value with itself).  gcc rightly warns about those; every other warning
# stays an error, as in tests/ctools.py.  -fno-builtin: gcc evaluates libm calls on arguments
# it knows at compile time (literals, inlined module constants, locals assigned from them)
# correctly rounded, where the libm Python calls may be an ulp off (acosh(4.0)), and a later
# ``%`` or cancellation magnifies that; the calls are left to libm, as Python leaves them.
_CFLAGS = [*CFLAGS, "-Wno-overflow", "-Wno-aggressive-loop-optimizations", "-Wno-bool-compare",
           "-Wno-tautological-compare", "-fno-builtin"]


def _import(source: str, directory):
    """The module of ``source``, from a file: pycast reads functions' source with inspect.
    Files are named by content, so inspect's line cache cannot serve stale text."""
    name = "generated_" + hashlib.sha256(source.encode()).hexdigest()[:16]
    path = os.path.join(directory, name + ".py")
    with open(path, "w") as handle:
        handle.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _compile(unit: Unit, signatures, directory) -> ctypes.CDLL:
    """The unit as a shared library, with ``signatures`` exported."""
    source = "#include <math.h>\n#include <stdbool.h>\n" + render(
        c_ast.FileAST(unit.definitions(exported=signatures)))
    stem = os.path.join(directory, hashlib.sha256(source.encode()).hexdigest()[:16])
    with open(stem + ".c", "w") as handle:
        handle.write(source)
    result = subprocess.run(["gcc", *_CFLAGS, stem + ".c", "-o", stem + ".so", "-lm"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"gcc failed on pycast's C:\n{result.stderr}"
    return ctypes.CDLL(stem + ".so")


class _Skip(Exception):
    """A call that leaves C's int range or runs too long: C has no meaning for it."""


class _Instrument(ast.NodeTransformer):
    """Passes every operation's result through ``_int32`` and counts loop iterations."""

    def _checked(self, node):
        self.generic_visit(node)
        return ast.Call(ast.Name("_int32", ast.Load()), [node], [])

    visit_BinOp = visit_UnaryOp = visit_Call = _checked

    def _counted(self, node):
        self.generic_visit(node)
        node.body.insert(0, ast.Expr(ast.Call(ast.Name("_tick", ast.Load()), [], [])))
        return node

    visit_For = visit_While = _counted

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        stored = ast.Name(node.target.id, ast.Load())
        return [node, ast.Expr(ast.Call(ast.Name("_int32", ast.Load()), [stored], []))]


class _Checked:
    """The instrumented copy of a module, which tells the calls C has a meaning for."""

    def __init__(self, source: str):
        tree = ast.fix_missing_locations(_Instrument().visit(ast.parse(source)))
        self.namespace = {"math": math, "_int32": self._int32, "_tick": self._tick}
        exec(compile(tree, "<instrumented>", "exec"), self.namespace)
        self.ticks = 0

    @staticmethod
    def _int32(value):
        if type(value) is int and not -INT_MAX <= value <= INT_MAX:
            raise _Skip
        return value

    def _tick(self):
        self.ticks += 1
        if self.ticks > LOOP_BUDGET:
            raise _Skip

    def run(self, name: str, args) -> bool:
        """Whether Python runs ``name(*args)`` without raising and within C's ints."""
        self.ticks = 0
        try:
            self.namespace[name](*args)
        except (_Skip, ArithmeticError, ValueError):
            return False
        return True


def _ordinal(value: float) -> int:
    """Consecutive doubles have consecutive ordinals (+0.0 and -0.0 share 0)."""
    bits = struct.unpack("<q", struct.pack("<d", value))[0]
    return bits if bits >= 0 else -(bits & 0x7FFF_FFFF_FFFF_FFFF)


def agree(expected, actual) -> bool:
    """Python's result and C's: ints and bools equal; floats within 2 ulp, with the same
    sign, both NaN or neither, the same infinity or none."""
    if not isinstance(actual, float):
        return expected == actual
    expected = float(expected)
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    if math.copysign(1, expected) != math.copysign(1, actual):
        return False
    if math.isinf(expected) or math.isinf(actual):
        return expected == actual
    return abs(_ordinal(expected) - _ordinal(actual)) <= 2


SETTINGS = settings(max_examples=BATCHES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


@pytest.mark.slow
def test_generated_programs_agree_with_python(tmp_path):
    checked_functions: set[str] = set()
    counts = {"compared": 0, "skipped": 0}

    @given(batches)
    @SETTINGS
    def check(batch):
        # Each program is its own module: pycast gives functions of the same name distinct C names.
        unit = Unit()
        runs = []
        for program in batch:
            module, checked = _import(program.source, tmp_path), _Checked(program.source)
            for fn in program.functions:
                try:
                    signature = unit.add_function(getattr(module, fn.name))
                except TranslationError as error:
                    raise AssertionError(f"pycast refused a generated program:\n{error}\n\n"
                                         f"{program.source}") from None
                runs.append((program, fn, getattr(module, fn.name), checked, signature))
        lib = _compile(unit, [signature for *_, signature in runs], tmp_path)
        for program, fn, python_function, checked, signature in runs:
            c_function = bind(lib, signature)
            for args in fn.calls:
                if not checked.run(fn.name, args):
                    counts["skipped"] += 1
                    continue
                expected, actual = python_function(*args), c_function(*args)
                assert agree(expected, actual), (
                    f"Python and pycast's C disagree on {fn.name}{args}: Python gives {expected!r}, "
                    f"C {actual!r}\n\n{program.source}")
                counts["compared"] += 1
                checked_functions.add(fn.source.replace(f"def {fn.name}(", "def f(", 1))

    check()
    print(f"\n{len(checked_functions)} distinct generated functions checked, "
          f"{counts['compared']} calls compared, {counts['skipped']} calls skipped "
          "(outside C's ints, too long, or raising in Python)")
    assert len(checked_functions) >= MIN_FUNCTIONS


# -- what the generated programs found ------------------------------------------------------------

def truth_of_numbers(a: int, b: int, x: float) -> int:
    n = 0
    if a * b:
        n += 1
    if not a * x:
        n += 2
    if bool(b * x):
        n += 4
    if (1 if x else 2) if a else 0:
        n += 8
    k = 3
    while k * (b % 2):
        k -= 1
    return n + 16 * k


def negations_compared(p: bool, q: bool) -> bool:
    return (not p) == q or (not q) != p


@pytest.mark.parametrize("a, b, x", [(0, 0, 0.0), (3, -5, 0.5), (-2, 7, -0.0), (1, 4, math.nan)])
def test_numbers_tested_for_truth_compile_without_warnings(a, b, x):
    """gcc -Wall warned about C's own truth test of a product or of ``c ? 1 : 2``
    (-Wint-in-bool-context), and about ``!p == q`` (-Wlogical-not-parentheses)."""
    assert compile_function(truth_of_numbers)(a, b, x) == truth_of_numbers(a, b, x)
    for p, q in [(False, False), (False, True), (True, False), (True, True)]:
        assert compile_function(negations_compared)(p, q) == negations_compared(p, q)


def int_modulo(a: int, b: int) -> int:
    return a % b


def test_int_min_modulo_minus_one_is_zero():
    """C's INT_MIN % -1 overflows: on x86 the process dies of SIGFPE (so the calls run in a
    child process, not in the test run); Python's answer is 0."""
    c_modulo = compile_function(int_modulo)
    pid = os.fork()
    if pid == 0:
        os._exit(0 if all(c_modulo(a, -1) == 0 for a in (-2 ** 31, -7, 0, 5, INT_MAX)) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "C's a % -1 is not 0 for every int a"
