"""Is a translated function affine in some of its inputs?

A code generator can treat a function that is affine in its varying inputs,
``f(x, z) = c(z) + sum(a_i * x_i)`` with coefficients ``a_i`` that depend on
neither the varying inputs ``x`` nor the free inputs ``z`` (only on the
others, which stay fixed), as constant coefficients: evaluate them once
instead of at every call; with no free inputs the offset is constant too.
The question is answered on the C functions pycast produced, so every
construct has already been reduced to a few node kinds.

The analysis is conservative: each value is ``CONST`` (depends on fixed
inputs only), ``FREE`` (on free ones too, in any way), ``AFFINE`` (``c(z) +
sum(a_i x_i)`` with constant ``a_i``) or ``NONLINEAR``, and anything it does
not understand (loops, branches that choose between varying expressions,
pointers, casts to integers, library functions of varying values) is
``NONLINEAR``.  A ``False`` answer may therefore be wrong, a ``True`` one
never is.
"""
from __future__ import annotations

from pycparser import c_ast

from pycast.cbuild import Comment

CONST, FREE, AFFINE, NONLINEAR = 0, 1, 2, 3


class _NotAffine(Exception):
    """Raised where the analysis gives up on the whole function."""


def _product(a: int, b: int) -> int:
    if a == CONST:
        return b
    if b == CONST:
        return a
    return FREE if a == b == FREE else NONLINEAR


def _quotient(a: int, b: int) -> int:
    if b == CONST:
        return a
    return FREE if a <= FREE and b == FREE else NONLINEAR


def _opaque(*classes: int) -> int:
    """An operation that keeps what does not vary as it is and nothing else affine."""
    top = max(classes, default=CONST)
    return top if top <= FREE else NONLINEAR


def _chosen(cond: int, value: int) -> int:
    """A value picked by a condition: a free condition may switch coefficients."""
    return NONLINEAR if cond == FREE and value >= AFFINE else value


class AffineAnalysis:
    """Classifies return values of the functions of one translation unit.

    ``functions`` maps a C name to ``(parameter names, body statements)``;
    calls to other names are library functions of their arguments.
    """

    def __init__(self, functions: dict[str, tuple[list[str], list[c_ast.Node]]]):
        self.functions = functions

    def returns(self, cname: str, classes: dict[str, int]) -> int:
        """Class of ``cname``'s return value when its parameters have ``classes``."""
        names, body = self.functions[cname]
        env = {name: classes.get(name, CONST) for name in names}
        try:
            return self._block(body, env, CONST)
        except _NotAffine:
            return NONLINEAR

    # --- statements: each returns the join of the classes of the returns so far
    def _block(self, items, env: dict, result: int) -> int:
        for item in items or ():
            result = self._statement(item, env, result)
        return result

    def _statement(self, node, env: dict, result: int) -> int:
        if isinstance(node, Comment):
            return result
        if isinstance(node, c_ast.Compound):
            return self._block(node.block_items, env, result)
        if isinstance(node, c_ast.Decl):
            if node.init is not None:
                env[node.name] = self._expr(node.init, env)
            else:
                env[node.name] = CONST
            return result
        if isinstance(node, c_ast.Assignment):
            self._assign(node, env)
            return result
        if isinstance(node, c_ast.Return):
            return max(result, self._expr(node.expr, env)) if node.expr is not None else result
        if isinstance(node, c_ast.If):
            cond = self._expr(node.cond, env)
            if cond > FREE:
                raise _NotAffine
            other = dict(env)
            result = self._statement(node.iftrue, env, result)
            if node.iffalse is not None:
                result = self._statement(node.iffalse, other, result)
            for name, cls in other.items():
                env[name] = max(env.get(name, CONST), cls)
            for name, cls in env.items():
                env[name] = _chosen(cond, cls)
            return _chosen(cond, result)
        if isinstance(node, c_ast.FuncCall):
            self._expr(node, env)
            return result
        raise _NotAffine

    def _assign(self, node: c_ast.Assignment, env: dict) -> None:
        if not isinstance(node.lvalue, c_ast.ID):
            raise _NotAffine
        name, value = node.lvalue.name, self._expr(node.rvalue, env)
        old = env.get(name, CONST)
        if node.op == "=":
            env[name] = value
        elif node.op in ("+=", "-="):
            env[name] = max(old, value)
        elif node.op == "*=":
            env[name] = _product(old, value)
        elif node.op == "/=":
            env[name] = _quotient(old, value)
        else:
            env[name] = _opaque(old, value)

    # --- expressions ------------------------------------------------------------
    def _expr(self, node, env: dict) -> int:
        if isinstance(node, c_ast.Constant):
            return CONST
        if isinstance(node, c_ast.ID):
            return env.get(node.name, CONST)
        if isinstance(node, c_ast.BinaryOp):
            a, b = self._expr(node.left, env), self._expr(node.right, env)
            if node.op in ("+", "-"):
                return max(a, b)
            if node.op == "*":
                return _product(a, b)
            if node.op == "/":
                return _quotient(a, b)
            return _opaque(a, b)
        if isinstance(node, c_ast.UnaryOp):
            a = self._expr(node.expr, env)
            return a if node.op in ("-", "+") else _opaque(a)
        if isinstance(node, c_ast.TernaryOp):
            cond = self._expr(node.cond, env)
            if cond > FREE:
                return NONLINEAR
            return _chosen(cond, max(self._expr(node.iftrue, env), self._expr(node.iffalse, env)))
        if isinstance(node, c_ast.Cast):
            a = self._expr(node.expr, env)
            names = getattr(getattr(node.to_type.type, "type", None), "names", [])
            return a if names == ["double"] else _opaque(a)
        if isinstance(node, c_ast.FuncCall):
            return self._call(node, env)
        raise _NotAffine

    def _call(self, node: c_ast.FuncCall, env: dict) -> int:
        args = node.args.exprs if node.args is not None else []
        classes = [self._expr(arg, env) for arg in args]
        name = node.name.name if isinstance(node.name, c_ast.ID) else None
        if name in self.functions:
            names, _ = self.functions[name]
            if any(isinstance(arg, c_ast.UnaryOp) and arg.op == "&" for arg in args):
                raise _NotAffine
            return self.returns(name, dict(zip(names, classes)))
        return _opaque(*classes)
