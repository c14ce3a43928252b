"""Calls in expressions: math and builtin functions, module-level functions, methods.

Calls are the part of expression translation that deals with other
functions: Python's meaning of ``min``, ``int``, ``math.log`` and the like,
and callees translated by the unit (found through the scope's ``function``
and ``method``), whose signatures fix the arguments and whose field
assignments restrict where they may be called.  They share with the operators
only the translation of operands and the lookup of names, so they are a class
of their own, :class:`Calls`, which :class:`pycast.expressions.Expressions`
inherits.
"""
from __future__ import annotations

import ast
import builtins
import math
import types

from pycast.cbuild import binop, call, cast, ident
from pycast.names import FAULT_PARAM
from pycast.types import BOOL, DOUBLE, INT, join, python_name, widens
from pycast.values import Callee, Value, truth_value

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


def describe(value) -> str:
    """What a module-level object is, in words, for error messages."""
    if isinstance(value, types.ModuleType):
        return f"module {value.__name__}"
    if callable(value):
        return f"{type(value).__name__} {getattr(value, '__qualname__', value)!r}"
    return f"a {type(value).__name__} object"


class Calls:
    """The call half of the expression translator.

    It translates the arguments and checks names with what
    :class:`~pycast.expressions.Expressions` provides: ``_scalar`` (an
    argument's value), ``lookup``, ``_global_of`` and ``self_path`` (what a
    called name is), ``_helper`` (runtime helpers), ``_error``, ``scope`` and
    ``_whole`` (the expression that may call a method that assigns fields).
    """

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
        raise self._error(node, f"call to {ast.unparse(node.func)}() ({describe(target)}) "
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
        return truth_value(arg)

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
        fault = []
        if callee.signature.fault:      # it reports failed checks: through this function's own parameter
            self.scope.reports_faults()
            fault.append(ident(FAULT_PARAM))
        return Value(call(callee.signature.cname, *args, *callee.field_args, *fault),
                     callee.signature.return_type)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
