"""NMODL statement blocks as Python statements, with PROCEDUREs inlined.

A PROCEDURE assigns the mechanism's variables (``rates(v)`` sets ``minf``,
``mtau``...), which a pycast function cannot return, so each call is
replaced by the procedure's body: its arguments bound to the call's values
(or substituted where the value is a plain name or field the body does not
assign), its LOCALs renamed where they would clash.  LOCALs are Python
locals; every other name is resolved by the method's ``Names``.
"""
from __future__ import annotations

import ast

from applications.nmodl.expressions import Expressions, as_truth
from applications.nmodl.reading import name_of

#: statements that change nothing a simulation computes
_SKIPPED = frozenset({"UnitState", "LineComment", "BlockComment", "MutexLock", "MutexUnlock"})
#: NEURON calls that are refused by name (each a construct of its own)
_EVENT_CALLS = {"net_send": "net_send (self-events)", "net_event": "net_event (a spike from a mechanism)",
                "net_move": "net_move", "at_time": "at_time"}


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign([ast.Name(name, ast.Store())], value)


class Statements:
    """Translates the statements of one method.  ``names`` resolves the
    mechanism's variables (see applications.nmodl.names); locals and inlined
    arguments are resolved here, innermost scope first."""

    def __init__(self, names, scope: dict[str, ast.expr] | None = None, taken=()):
        self.names = names
        self.exprs = Expressions(self)
        self.scopes: list[dict[str, ast.expr]] = [dict(scope or {})]
        self.taken = set(taken) | {n.id for n in (scope or {}).values() if isinstance(n, ast.Name)}
        self.inlining: list[str] = []

    # -- what Expressions asks of its names
    def read(self, name: str, node) -> ast.expr:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return self.names.read(name, node)

    def is_function(self, name: str) -> bool:
        return self.names.is_function(name)

    def call(self, name: str, args: list[ast.expr], node) -> ast.expr:
        return self.names.call(name, args, node)

    def refuse(self, node, construct: str, why: str = ""):
        self.names.refuse(node, construct, why)

    # -- locals
    def fresh(self, name: str) -> str:
        """A Python local for ``name`` that clashes with nothing in this method."""
        candidate, k = name, 1
        while candidate in self.taken or self.names.clashes(candidate):
            k += 1
            candidate = f"{name}_{k}"
        self.taken.add(candidate)
        return candidate

    def local(self, name: str) -> ast.Name | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name] if isinstance(scope[name], ast.Name) else None
        return None

    # -- statements
    def block(self, block, scope: dict | None = None) -> list[ast.stmt]:
        self.scopes.append(dict(scope or {}))
        try:
            out: list[ast.stmt] = []
            for stmt in block.statements:
                out += self.statement(stmt)
            return out
        finally:
            self.scopes.pop()

    def statement(self, node) -> list[ast.stmt]:
        kind = node.get_node_type_name()
        if kind in _SKIPPED:
            return []
        method = getattr(self, f"_{kind}", None)
        if method is None:
            self.names.refuse_statement(node, kind)
        return method(node)

    def _LocalListStatement(self, node):
        for var in node.variables:
            if var.name.get_node_type_name() != "Name":
                self.refuse(var, f"the LOCAL array '{name_of(var.name)}'", "arrays are not supported yet")
            self.scopes[-1][name_of(var.name)] = ast.Name(self.fresh(name_of(var.name)), ast.Load())
        return []

    def _StatementBlock(self, node):
        return self.block(node)

    def _TableStatement(self, node):
        self.names.note_table(node)
        return []

    def _ProtectStatement(self, node):
        return self._ExpressionStatement(node)

    def _ExpressionStatement(self, node):
        expr = node.expression
        while expr.get_node_type_name() == "WrappedExpression":
            expr = expr.expression
        kind = expr.get_node_type_name()
        if kind == "BinaryExpression" and expr.op.eval() == "=":
            return self.assign(expr.lhs, self.exprs.number(expr.rhs), node)
        if kind == "DiffEqExpression":
            return self.prime(expr.expression, node)
        if kind == "FunctionCall":
            return self.call_statement(expr)
        if kind == "SolveBlock":
            return self.names.solve(expr)
        if kind.endswith("Block"):
            self.names.refuse_statement(expr, kind)
        self.refuse(node, f"the statement '{_text(node)}' ({kind})")

    def assign(self, lhs, value: ast.expr, node) -> list[ast.stmt]:
        if lhs.get_node_type_name() != "VarName" or lhs.name.get_node_type_name() != "Name":
            self.refuse(node, f"the assignment to '{_text(lhs)}'", "arrays are not supported yet")
        name = name_of(lhs.name)
        local = self.local(name)
        if local is not None:
            return [_assign(local.id, value)]
        for scope in reversed(self.scopes):
            if name in scope:
                self.refuse(node, f"the assignment to the PROCEDURE argument '{name}'",
                            "an argument given a field's value is read-only here")
        return self.names.write(name, value, node)

    def prime(self, eq, node) -> list[ast.stmt]:
        lhs = eq.lhs
        if lhs.get_node_type_name() != "VarName" or lhs.name.get_node_type_name() != "PrimeName" \
                or int(lhs.name.order.eval()) != 1:
            self.refuse(node, f"the equation '{_text(eq)}'", "only first derivatives s' = ... are supported")
        return self.names.prime(name_of(lhs.name), self.exprs.number(eq.rhs), node)

    def call_statement(self, call) -> list[ast.stmt]:
        name = name_of(call.name)
        if name in _EVENT_CALLS:
            self.refuse(call, _EVENT_CALLS[name])
        if name == "state_discontinuity" and len(call.arguments) == 2:
            return self.assign(call.arguments[0], self.exprs.number(call.arguments[1]), call)
        procedure = self.names.procedure(name)
        if procedure is None:
            return [ast.Expr(self.exprs.expr(call))]
        return self.inline(procedure, call)

    def inline(self, procedure, call) -> list[ast.stmt]:
        name = name_of(procedure.name)
        if name in self.inlining:
            self.refuse(call, f"the recursive call of PROCEDURE {name}")
        params = [name_of(p.name) for p in procedure.parameters]
        if len(params) != len(call.arguments):
            self.refuse(call, f"the call {_text(call)}", f"PROCEDURE {name} takes {len(params)} arguments")
        assigned = _assigned_names(procedure)
        out, scope = [], {}
        for param, arg in zip(params, call.arguments):
            value = self.exprs.number(arg)
            if param not in assigned and self.names.is_plain(value):
                scope[param] = value
            else:
                local = self.fresh(param)
                out.append(_assign(local, value))
                scope[param] = ast.Name(local, ast.Load())
        self.inlining.append(name)
        try:
            saved, self.scopes = self.scopes, []      # a procedure sees none of its caller's locals
            out += self.block(procedure.statement_block, scope)
        finally:
            self.scopes = saved
            self.inlining.pop()
        return out

    def _IfStatement(self, node):
        orelse: list[ast.stmt] = self.block(node.elses.statement_block) if node.elses else []
        for elif_ in reversed(node.elseifs):
            orelse = [ast.If(as_truth(self.exprs.expr(elif_.condition)), self.block(elif_.statement_block) or
                             [ast.Pass()], orelse)]
        return [ast.If(as_truth(self.exprs.expr(node.condition)), self.block(node.statement_block) or [ast.Pass()],
                       orelse)]

    def _WhileStatement(self, node):
        return [ast.While(as_truth(self.exprs.expr(node.condition)), self.block(node.statement_block) or
                          [ast.Pass()], [])]


def _assigned_names(block) -> set[str]:
    """Names a block assigns with '=' anywhere (to tell which arguments may be substituted)."""
    from neuron.nmodl import ast as nast, visitor
    found = set()
    for e in visitor.AstLookupVisitor().lookup(block, nast.AstNodeType.BINARY_EXPRESSION):
        if e.op.eval() == "=" and e.lhs.get_node_type_name() == "VarName":
            found.add(e.lhs.name.get_node_name())
    return found


def _text(node) -> str:
    from neuron.nmodl import to_nmodl
    return to_nmodl(node).strip()
