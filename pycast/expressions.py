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

Calls (math and builtin functions, module-level functions, methods) are the
base class :class:`~pycast.calls.Calls`; :class:`Value` and what else the
scope, the calls and this module share are in :mod:`pycast.values` and
re-exported here.
"""
from __future__ import annotations

import ast
import builtins
import types

from pycparser import c_ast

from pycast import runtime
from pycast.calls import Calls, describe
from pycast.cbuild import binop, call, cast, const, ident, ternary, unop
from pycast.errors import TranslationError
from pycast.names import FAULT_PARAM
from pycast.types import BOOL, DOUBLE, INT, VOID, arithmetic, join, python_name
from pycast.values import Callee, Pending, Value, compare_zero, literal, truth_value

__all__ = ["Expressions", "Value", "Callee", "Pending", "literal"]

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

class Expressions(Calls):
    """Translates the expressions of one function; ``scope`` knows its names.

    ``scope`` is the function's :class:`~pycast.scope.FunctionScope`: it
    resolves locals, fields and callees and allocates temporaries.  Calls are
    translated by the base class :class:`~pycast.calls.Calls`.
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
        return truth_value(self.value(node, whole=whole))

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
        raise self._error(node, f"{what} is {describe(value)}; only int, float and bool "
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
        if ctype == INT and self.int_literal(node.right) in (None, 0):
            # Python raises on a zero divisor where C traps: check it (pycast.runtime)
            site = self.scope.site(node, "integer division by zero" if op is ast.FloorDiv
                                   else "integer modulo by zero")
            return Value(self._helper(operation + "_checked", INT, left.node, right.node, const(site),
                                      ident(FAULT_PARAM)), INT)
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
            return compare_zero("==", operand)
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
        test = truth_value(self._scalar(node.test))
        body, orelse = self._scalar(node.body), self._scalar(node.orelse)
        return Value(ternary(test.node, body.node, orelse.node), join(body.ctype, orelse.ctype))

