"""Python expressions of the subset as typed C expressions.

Every expression becomes a :class:`Value`: a pycparser node plus its C type.
The type is what Python's value would be (bool, int or float) so that each
operator can be given Python's meaning: true division, floor division and
modulo, chained comparisons evaluated once, ``min``/``max`` keeping the first
of equal arguments.  Anything whose C reading could differ from Python is
refused with a :class:`~pycast.errors.TranslationError` instead.

Expressions here have no side effects except calls to methods that assign
fields.  C leaves the order of evaluating operands and arguments open, so such
a call must be a whole statement, right-hand side, return value or condition,
where Python's order and C's agree.
"""
from __future__ import annotations

import ast
import builtins
import math
import types
from dataclasses import dataclass
from typing import NamedTuple

from pycparser import c_ast

from pycast import runtime
from pycast.cbuild import binop, call, cast, const, ident, ternary, unop
from pycast.errors import TranslationError
from pycast.signature import Signature
from pycast.types import BOOL, DOUBLE, INT, VOID, arithmetic, fits_int, join, python_name, widens


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


_UNSUPPORTED = {
    ast.List: "list displays", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
    ast.ListComp: "list comprehensions", ast.SetComp: "set comprehensions",
    ast.DictComp: "dict comprehensions", ast.GeneratorExp: "generator expressions",
    ast.Lambda: "lambdas", ast.Subscript: "subscripts (indexing and slicing)",
    ast.Starred: "starred expressions", ast.NamedExpr: "assignment expressions (:=)",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield from",
    ast.JoinedStr: "f-strings", ast.FormattedValue: "f-strings", ast.Slice: "slices",
}

_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_BITWISE = {ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<",
            ast.RShift: ">>", ast.MatMult: "@"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_IDENTITY = {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}

# Python math function -> (C function, number of arguments, result type).
# floor/ceil/trunc return ints in Python; isnan & co return bools.
_MATH = {getattr(math, name): (cname, nargs, rtype) for name, cname, nargs, rtype in [
    ("exp", "exp", 1, DOUBLE), ("exp2", "exp2", 1, DOUBLE), ("expm1", "expm1", 1, DOUBLE),
    ("log2", "log2", 1, DOUBLE), ("log10", "log10", 1, DOUBLE), ("log1p", "log1p", 1, DOUBLE),
    ("sqrt", "sqrt", 1, DOUBLE), ("cbrt", "cbrt", 1, DOUBLE), ("sin", "sin", 1, DOUBLE),
    ("cos", "cos", 1, DOUBLE), ("tan", "tan", 1, DOUBLE), ("asin", "asin", 1, DOUBLE),
    ("acos", "acos", 1, DOUBLE), ("atan", "atan", 1, DOUBLE), ("sinh", "sinh", 1, DOUBLE),
    ("cosh", "cosh", 1, DOUBLE), ("tanh", "tanh", 1, DOUBLE), ("asinh", "asinh", 1, DOUBLE),
    ("acosh", "acosh", 1, DOUBLE), ("atanh", "atanh", 1, DOUBLE), ("erf", "erf", 1, DOUBLE),
    ("erfc", "erfc", 1, DOUBLE), ("fabs", "fabs", 1, DOUBLE), ("atan2", "atan2", 2, DOUBLE),
    ("pow", "pow", 2, DOUBLE), ("hypot", "hypot", 2, DOUBLE), ("fmod", "fmod", 2, DOUBLE),
    ("copysign", "copysign", 2, DOUBLE), ("floor", "floor", 1, INT), ("ceil", "ceil", 1, INT),
    ("trunc", "trunc", 1, INT), ("isnan", "isnan", 1, BOOL), ("isinf", "isinf", 1, BOOL),
    ("isfinite", "isfinite", 1, BOOL),
] if hasattr(math, name)}

_CALL_HINT = ("pycast can call math functions, abs/min/max/float/int/bool, methods of self "
              "and plain functions defined at module level")


def _describe(value) -> str:
    if isinstance(value, types.ModuleType):
        return f"module {value.__name__}"
    if callable(value):
        return f"{type(value).__name__} {getattr(value, '__qualname__', value)!r}"
    return f"a {type(value).__name__} object"


class Expressions:
    """Translates the expressions of one function; ``scope`` knows its names.

    ``scope`` is the function's statement translator: it resolves locals,
    fields and callees and allocates temporaries (see :mod:`pycast.statements`).
    """

    def __init__(self, scope):
        self.scope = scope
        self.src = scope.src
        self._whole = None

    def value(self, node: ast.expr, *, whole: bool = False) -> Value:
        """The scalar value of ``node``; ``whole`` if it is an entire statement,
        right-hand side, return value or condition (see the module docstring)."""
        if whole:
            self._whole = node
        return self._scalar(node)

    def truth(self, node: ast.expr, *, whole: bool = False) -> Value:
        """Python's truth value of ``node`` as a bool (the test of if or while)."""
        return _truth(self.value(node, whole=whole))

    def statement(self, node: ast.Call) -> Value:
        """A call used as a statement (its result, if any, is dropped)."""
        self._whole = node
        return self._Call(node)

    def self_path(self, node: ast.expr) -> tuple[str, ...] | None:
        """``('a', 'b')`` for ``self.a.b``; None if ``node`` is not such a chain."""
        path = []
        while isinstance(node, ast.Attribute):
            path.append(node.attr)
            node = node.value
        if (path and isinstance(node, ast.Name) and self.scope.self_name is not None
                and node.id == self.scope.self_name):
            return tuple(reversed(path))
        return None

    def int_literal(self, node: ast.expr) -> int | None:
        """The value of an int literal (or ``-literal``, or int global constant), else None."""
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.int_literal(node.operand)
            if inner is not None:
                return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, (ast.Name, ast.Attribute)) and self.self_path(node) is None:
            value = self._global_of(node)
            if type(value) is int:
                return value
        return None

    # -- helpers -------------------------------------------------------------------------

    def _error(self, node, message: str, hint: str | None = None) -> TranslationError:
        return self.src.error(node, message, hint)

    def _scalar(self, node: ast.expr) -> Value:
        result = self._visit(node)
        if result.ctype == VOID:
            raise self._error(node, f"{ast.unparse(node)} returns nothing, so it has no value",
                              "call it as a statement of its own")
        return result

    def _visit(self, node: ast.expr) -> Value:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            construct = _UNSUPPORTED.get(type(node), type(node).__name__ + " expressions")
            raise self._error(node, f"{construct} are not supported by pycast",
                              "the subset has bool, int and float scalars only; see pycast/README.md")
        return method(node)

    def lookup(self, name: str, node: ast.AST):
        """The module-level (or builtin) object ``name`` refers to."""
        namespace = self.scope.globals
        if name in namespace:
            return namespace[name]
        if hasattr(builtins, name):
            return getattr(builtins, name)
        raise self._error(node, f"name '{name}' is not defined",
                          "assign it first or define it at module level")

    def _global_of(self, node: ast.expr):
        """The object a (dotted) name that is not a local refers to, or None."""
        if isinstance(node, ast.Name):
            if self.scope.is_local(node.id) or node.id == self.scope.self_name:
                return None
            return self.lookup(node.id, node)
        if isinstance(node, ast.Attribute):
            module = self._global_of(node.value)
            if isinstance(module, types.ModuleType):
                if not hasattr(module, node.attr):
                    raise self._error(node, f"module {module.__name__} has no attribute '{node.attr}'")
                return getattr(module, node.attr)
        return None

    def _constant(self, value, node: ast.AST, what: str) -> Value:
        if isinstance(value, (bool, int, float)):
            try:
                return literal(value)
            except ValueError:
                raise self._error(node, f"{what} = {value} does not fit a C int") from None
        if isinstance(value, types.ModuleType):
            raise self._error(node, f"{what} is a module; only its functions and constants can be used")
        if callable(value):
            raise self._error(node, f"{what} is a function; functions can only be called",
                              "function values (passing or storing functions) are not supported")
        raise self._error(node, f"{what} is {_describe(value)}; only int, float and bool "
                                "module-level constants are supported")

    # -- leaves --------------------------------------------------------------------------

    def _Constant(self, node: ast.Constant) -> Value:
        value = node.value
        if isinstance(value, (bool, int, float)):
            try:
                return literal(value)
            except ValueError:
                raise self._error(node, f"integer literal {value} does not fit a C int",
                                  "write it as a float literal if a float is meant") from None
        kind = {str: "string literals", bytes: "bytes literals", complex: "complex numbers",
                type(None): "None", type(...): "Ellipsis"}.get(type(value), repr(value))
        raise self._error(node, f"{kind} are not supported by pycast" if kind != "None"
                          else "None is not supported by pycast as a value",
                          "the subset has bool, int and float scalars only")

    def _Name(self, node: ast.Name) -> Value:
        if node.id == self.scope.self_name:
            raise self._error(node, f"'{node.id}' can only be used as {node.id}.<field> or "
                                    f"{node.id}.<method>(...)")
        local = self.scope.read_local(node.id, node)
        if local is not None:
            return local
        return self._constant(self.lookup(node.id, node), node, f"'{node.id}'")

    def _Attribute(self, node: ast.Attribute) -> Value:
        path = self.self_path(node)
        if path is not None:
            return self.scope.read_field(path, node)
        value = self._global_of(node.value)
        if isinstance(value, types.ModuleType):
            return self._constant(self._global_of(node), node, ast.unparse(node))
        raise self._error(node, f"attribute access {ast.unparse(node)} is not supported",
                          "only self.<field> and module attributes such as math.pi can be read")

    # -- operators -----------------------------------------------------------------------

    def _BinOp(self, node: ast.BinOp) -> Value:
        op = type(node.op)
        if op in _BITWISE:
            raise self._error(node, f"the bitwise operator '{_BITWISE[op]}' is not supported",
                              "C ints are 32 bits wide while Python ints are unbounded")
        if op is ast.Pow:
            return self._power(node)
        left, right = self._scalar(node.left), self._scalar(node.right)
        if op in _ARITHMETIC:
            return Value(binop(_ARITHMETIC[op], left.node, right.node), arithmetic(left.ctype, right.ctype))
        if op is ast.Div:
            numerator = left.node
            if left.ctype != DOUBLE and right.ctype != DOUBLE:
                numerator = cast(DOUBLE, numerator)
            return Value(binop("/", numerator, right.node), DOUBLE)
        ctype = arithmetic(left.ctype, right.ctype)
        operation = "floordiv" if op is ast.FloorDiv else "mod"
        return Value(self._helper(operation, ctype, left.node, right.node), ctype)

    def _helper(self, operation: str, ctype: str | None, *args) -> c_ast.FuncCall:
        name = runtime.helper_name(operation, ctype)
        self.scope.use_helper(name)
        return call(name, *args)

    def _power(self, node: ast.BinOp) -> Value:
        base = self._scalar(node.left)
        exponent = self.int_literal(node.right)
        if exponent is not None:
            if base.ctype != DOUBLE and exponent >= 0:
                folded = self.int_literal(node.left)
                if folded is not None:
                    return self._constant(folded ** exponent, node, ast.unparse(node))
                if exponent <= 4 and (base.simple or exponent <= 1):
                    return Value(self._product(base, exponent, const(1)), INT)
                return Value(self._helper("ipow", None, base.node, const(exponent)), INT)
            if base.ctype == DOUBLE and 2 <= exponent <= 4 and base.simple:
                return Value(self._product(base, exponent, const(1.0)), DOUBLE)
            return Value(call("pow", base.node, literal(float(exponent)).node), DOUBLE)
        power = self._scalar(node.right)
        if base.ctype != DOUBLE and power.ctype != DOUBLE:
            raise self._error(node, "int ** int needs a literal exponent",
                              "the result is an int or a float depending on the exponent's sign; "
                              "write float(a) ** b, or use a literal exponent")
        return Value(call("pow", base.node, power.node), DOUBLE)

    @staticmethod
    def _product(base: Value, exponent: int, one: c_ast.Constant) -> c_ast.Node:
        if exponent == 0:
            return one
        product = base.node
        for _ in range(exponent - 1):
            product = binop("*", product, base.node)
        return product

    def _UnaryOp(self, node: ast.UnaryOp) -> Value:
        operand = self._scalar(node.operand)
        if isinstance(node.op, ast.Not):
            if operand.ctype == BOOL:
                return Value(unop("!", operand.node), BOOL)
            return _compare_zero("==", operand)
        if isinstance(node.op, ast.Invert):
            raise self._error(node, "the bitwise operator '~' is not supported",
                              "C ints are 32 bits wide while Python ints are unbounded")
        ctype = INT if operand.ctype == BOOL else operand.ctype
        if isinstance(node.op, ast.UAdd):
            return Value(operand.node, ctype, operand.simple)
        return Value(unop("-", operand.node), ctype)

    def _BoolOp(self, node: ast.BoolOp) -> Value:
        op, word = ("&&", "and") if isinstance(node.op, ast.And) else ("||", "or")
        result = None
        for operand_node in node.values:
            operand = self._scalar(operand_node)
            if operand.ctype != BOOL:
                raise self._error(operand_node, f"the operands of '{word}' must be bool, "
                                                f"not {python_name(operand.ctype)}",
                                  f"Python's '{word}' returns one of its operands; compare "
                                  "explicitly (x != 0) or use bool(x)")
            result = operand.node if result is None else binop(op, result, operand.node)
        return Value(result, BOOL)

    def _Compare(self, node: ast.Compare) -> Value:
        left = self._scalar(node.left)
        tests = None
        last = len(node.ops) - 1
        for position, (op, right_node) in enumerate(zip(node.ops, node.comparators)):
            if type(op) in _IDENTITY:
                raise self._error(node, f"the '{_IDENTITY[type(op)]}' operator is not supported",
                                  "compare numbers with == != < <= > >=")
            right = self._scalar(right_node)
            operand = right.node
            if position < last and not right.simple:
                # The middle operand of a chain is evaluated once, as in Python.
                temp = self.scope.temp(right.ctype)
                operand = c_ast.Assignment("=", temp, right.node)
                right = Value(temp, right.ctype, simple=True)
            test = binop(_COMPARE[type(op)], left.node, operand)
            tests = test if tests is None else binop("&&", tests, test)
            left = right
        return Value(tests, BOOL)

    def _IfExp(self, node: ast.IfExp) -> Value:
        test = _truth(self._scalar(node.test))
        body, orelse = self._scalar(node.body), self._scalar(node.orelse)
        return Value(ternary(test.node, body.node, orelse.node), join(body.ctype, orelse.ctype))

    # -- calls ---------------------------------------------------------------------------

    def _Call(self, node: ast.Call) -> Value:
        if node.keywords:
            raise self._error(node.keywords[0], "keyword arguments are not supported",
                              "pass arguments by position")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self._error(arg, "*args unpacking is not supported", "pass arguments by position")
        func = node.func
        if isinstance(func, ast.Attribute):
            if self._is_super(func.value):
                return self._user_call(self.scope.method(func.attr, node, via_super=True), node)
            path = self.self_path(func)
            if path is not None:
                if len(path) > 1:
                    raise self._error(node, f"calling {ast.unparse(func)}() is not supported",
                                      "only methods of self itself can be called")
                return self._user_call(self.scope.method(func.attr, node, via_super=False), node)
            target = self._global_of(func)
            if target is None:
                raise self._error(node, f"calling {ast.unparse(func)}() is not supported", _CALL_HINT)
        elif isinstance(func, ast.Name):
            if self.scope.is_local(func.id) or func.id == self.scope.self_name:
                raise self._error(node, f"'{func.id}' is a local variable, not a function")
            target = self.lookup(func.id, func)
        else:
            raise self._error(node, "only calls of named functions are supported", _CALL_HINT)
        return self._call_object(target, node)

    def _is_super(self, node: ast.expr) -> bool:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "super"):
            return False
        if node.args or node.keywords or self._global_of(node.func) is not builtins.super:
            raise self._error(node, "only the zero-argument form super().method(...) is supported")
        if self.scope.self_name is None:
            raise self._error(node, "super() can only be used in methods")
        return True

    def _call_object(self, target, node: ast.Call) -> Value:
        if _hashable(target):
            if target in _MATH:
                return self._math(target, node)
            handler = {math.log: self._log, abs: self._abs, min: self._min, max: self._max,
                       float: self._float, int: self._int, bool: self._bool}.get(target)
            if handler is not None:
                return handler(node)
        if target is range:
            raise self._error(node, "range() can only be the iterable of a for loop")
        if isinstance(target, types.FunctionType):
            return self._user_call(self.scope.function(target, node), node)
        raise self._error(node, f"call to {ast.unparse(node.func)}() ({_describe(target)}) "
                                "is not supported", _CALL_HINT)

    def _arguments(self, node: ast.Call, counts: tuple[int, ...] | range) -> list[Value]:
        values = [self._scalar(arg) for arg in node.args]
        if len(values) not in counts:
            expected = " or ".join(map(str, counts)) if isinstance(counts, tuple) else f"{counts.start}+"
            raise self._error(node, f"{ast.unparse(node.func)}() takes {expected} arguments, "
                                    f"{len(values)} given")
        return values

    def _math(self, target, node: ast.Call) -> Value:
        cname, nargs, rtype = _MATH[target]
        args = [arg.node if arg.ctype == DOUBLE else cast(DOUBLE, arg.node)
                for arg in self._arguments(node, (nargs,))]
        result = call(cname, *args)
        return Value(cast(rtype, result) if rtype != DOUBLE else result, rtype)

    def _log(self, node: ast.Call) -> Value:
        args = [arg.node if arg.ctype == DOUBLE else cast(DOUBLE, arg.node)
                for arg in self._arguments(node, (1, 2))]
        result = call("log", args[0])
        if len(args) == 2:
            result = binop("/", result, call("log", args[1]))
        return Value(result, DOUBLE)

    def _abs(self, node: ast.Call) -> Value:
        (arg,) = self._arguments(node, (1,))
        if arg.ctype == DOUBLE:
            return Value(call("fabs", arg.node), DOUBLE)
        return Value(self._helper("abs", INT, arg.node), INT)

    def _min(self, node: ast.Call) -> Value:
        return self._fold("min", node)

    def _max(self, node: ast.Call) -> Value:
        return self._fold("max", node)

    def _fold(self, operation: str, node: ast.Call) -> Value:
        # min(a, b, c) keeps the running result unless a later argument beats it strictly.
        args = self._arguments(node, range(2, 1 << 16))
        ctype = args[0].ctype
        for arg in args[1:]:
            ctype = join(ctype, arg.ctype)
        helper_type = DOUBLE if ctype == DOUBLE else INT
        result = args[0].node
        for arg in args[1:]:
            result = self._helper(operation, helper_type, result, arg.node)
        return Value(result, ctype)

    def _float(self, node: ast.Call) -> Value:
        (arg,) = self._arguments(node, (1,))
        return arg if arg.ctype == DOUBLE else Value(cast(DOUBLE, arg.node), DOUBLE)

    def _int(self, node: ast.Call) -> Value:
        (arg,) = self._arguments(node, (1,))
        if arg.ctype == DOUBLE:
            return Value(cast(INT, arg.node), INT)
        return Value(arg.node, INT, arg.simple)

    def _bool(self, node: ast.Call) -> Value:
        (arg,) = self._arguments(node, (1,))
        return _truth(arg)

    def _user_call(self, callee: Callee, node: ast.Call) -> Value:
        params = callee.signature.args
        if len(node.args) != len(params):
            raise self._error(node, f"{callee.name}() takes {len(params)} arguments, "
                                    f"{len(node.args)} given")
        if callee.written and node is not self._whole:
            raise self._error(node, f"{callee.name}() assigns fields, so it must be called as a "
                                    "statement, a whole right-hand side, return value or condition",
                              "C does not fix the order in which operands are evaluated; store "
                              "its result in a local variable first")
        args = []
        for arg_node, (pname, ptype) in zip(node.args, params):
            arg = self._scalar(arg_node)
            if not widens(arg.ctype, ptype):
                raise self._error(arg_node, f"parameter '{pname}' of {callee.name}() is "
                                            f"{python_name(ptype)}, but a "
                                            f"{python_name(arg.ctype)} is passed",
                                  "convert explicitly with int(...) or annotate the parameter")
            args.append(arg.node)
        return Value(call(callee.signature.cname, *args, *callee.field_args),
                     callee.signature.return_type)


def _truth(value: Value) -> Value:
    """``value`` as a bool.  C tests a number for truth as Python does, but compilers warn
    about tests such as ``a * b`` or ``c ? 1 : 2`` (-Wint-in-bool-context), so numbers
    are compared with zero."""
    return value if value.ctype == BOOL else _compare_zero("!=", value)


def _compare_zero(op: str, value: Value) -> Value:
    return Value(binop(op, value.node, const(0.0 if value.ctype == DOUBLE else 0)), BOOL)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
