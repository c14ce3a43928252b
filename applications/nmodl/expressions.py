"""NMODL expressions as Python expressions (``ast`` nodes) in pycast's subset.

Every number becomes a float literal (a pycast local has one type, and NMODL
computes in doubles); ``^`` becomes ``**``; NMODL's truth values are numbers,
so an operand that is not already a comparison is compared with zero where a
truth value is needed, and a truth value used as a number becomes 1.0 or 0.0.
Names and calls of the file's own FUNCTIONs are resolved by the caller's
``Names`` (what a name is depends on the method it is read in).
"""
from __future__ import annotations

import ast

from applications.nmodl.reading import name_of, number

#: NMODL's built-in functions -> Python (``math.`` functions unless noted)
MATH = {name: name for name in ("exp", "log", "log10", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan",
                                "atan2", "sinh", "cosh", "tanh", "fmod", "erf", "erfc", "expm1", "log1p")}
#: NEURON's random-number functions: refused (no reproducible equivalent yet)
RANDOM = frozenset({"scop_random", "normrand", "exprand", "unirand", "uniform", "urand", "set_seed",
                    "mcell_ran4", "mcell_ran4_init", "random_negexp", "random_normal", "random_uniform",
                    "random_setseq", "random_setids", "nrn_random_play", "nrn_random_pick", "poisrand",
                    "erand", "negexp", "gauss", "normal", "poisson"})

_BINARY = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "^": ast.Pow}
_COMPARE = {"<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE, "==": ast.Eq, "!=": ast.NotEq}
_LOGIC = {"&&": ast.And, "||": ast.Or}


def constant(value: float) -> ast.expr:
    value = float(value)
    if value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _attr_call(module: str, name: str, args: list[ast.expr]) -> ast.Call:
    return ast.Call(ast.Attribute(ast.Name(module, ast.Load()), name, ast.Load()), args, [])


def is_truth(e: ast.expr) -> bool:
    """Whether a translated expression is a Python bool (a comparison or logic)."""
    return isinstance(e, (ast.Compare, ast.BoolOp)) or (isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not))


def as_truth(e: ast.expr) -> ast.expr:
    """A truth value: comparisons as they are, numbers compared with 0.0."""
    return e if is_truth(e) else ast.Compare(e, [ast.NotEq()], [ast.Constant(0.0)])


def as_number(e: ast.expr) -> ast.expr:
    """A number: a truth value becomes 1.0 or 0.0."""
    return ast.IfExp(e, ast.Constant(1.0), ast.Constant(0.0)) if is_truth(e) else e


class Expressions:
    """Translates expressions; ``names`` supplies ``read(name, node)`` and
    ``call(name, args, node)`` for the file's own FUNCTIONs, and ``refuse(node,
    construct, why)`` (which raises)."""

    def __init__(self, names):
        self.names = names

    def expr(self, node) -> ast.expr:
        kind = node.get_node_type_name()
        method = getattr(self, f"_{kind}", None)
        if method is None:
            self.names.refuse(node, f"the expression '{_text(node)}' ({kind})")
        return method(node)

    def number(self, node) -> ast.expr:
        return as_number(self.expr(node))

    def _WrappedExpression(self, node):
        return self.expr(node.expression)

    def _ParenExpression(self, node):
        return self.expr(node.expression)

    def _Integer(self, node):
        return constant(number(node))

    _Double = _Float = _Integer

    def _DoubleUnit(self, node):
        """``65 (mV)``: a number with its unit (NEURON's units check is not repeated here)."""
        return self.expr(node.value)

    def _Name(self, node):
        return self.names.read(name_of(node), node)

    def _VarName(self, node):
        if node.name.get_node_type_name() != "Name":
            self.names.refuse(node, f"'{_text(node)}' ({node.name.get_node_type_name()})",
                              "arrays and higher derivatives are not supported yet")
        return self.names.read(name_of(node.name), node)

    def _IndexedName(self, node):
        self.names.refuse(node, f"the array element '{_text(node)}'", "arrays are not supported yet")

    def _UnaryExpression(self, node):
        op = node.op.eval()
        if op == "!":
            return ast.UnaryOp(ast.Not(), as_truth(self.expr(node.expression)))
        return ast.UnaryOp(ast.USub(), self.number(node.expression))

    def _BinaryExpression(self, node):
        op = node.op.eval()
        if op in _BINARY:
            return ast.BinOp(self.number(node.lhs), _BINARY[op](), self.number(node.rhs))
        if op in _COMPARE:
            return ast.Compare(self.number(node.lhs), [_COMPARE[op]()], [self.number(node.rhs)])
        if op in _LOGIC:
            return ast.BoolOp(_LOGIC[op](), [as_truth(self.expr(node.lhs)), as_truth(self.expr(node.rhs))])
        self.names.refuse(node, f"the operator '{op}'")

    def _FunctionCall(self, node):
        name = name_of(node.name)
        if name in RANDOM:
            self.names.refuse(node, f"the random function {name}()", "random numbers are not supported")
        known = self.names.is_function(name) or name in MATH or name in ("fabs", "pow", "floor", "ceil")
        if not known:
            self.names.refuse(node, f"the call {name}()", "not a FUNCTION of this file nor a supported built-in")
        args = [self.number(a) for a in node.arguments]
        if self.names.is_function(name):
            return self.names.call(name, args, node)
        if name in MATH:
            return _attr_call("math", MATH[name], args)
        if name == "fabs":
            return ast.Call(ast.Name("abs", ast.Load()), args, [])
        if name == "pow" and len(args) == 2:
            return ast.BinOp(args[0], ast.Pow(), args[1])
        if name in ("floor", "ceil"):
            return ast.Call(ast.Name("float", ast.Load()), [_attr_call("math", name, args)], [])
        self.names.refuse(node, f"the call {name}() with {len(args)} arguments")


def _text(node) -> str:
    from neuron.nmodl import to_nmodl
    return to_nmodl(node).strip()
