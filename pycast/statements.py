"""One Python function body as the parameter list and body of a C function.

Translation runs in two passes over the body.  The first, in
:mod:`pycast.scope`, infers a single C type for every local variable.  The
second, here, emits C and tracks which locals are assigned on every path to
each point, because reading an unassigned C variable is undefined where Python
would raise: such reads are refused.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from pycparser import c_ast

from pycast.cbuild import assign, block, const, deref, if_, param, ret, var
from pycast.expressions import Value
from pycast.names import FAULT_PARAM, fresh, usable
from pycast.scope import FunctionScope
from pycast.signature import FieldBinding
from pycast.types import BOOL, INT, VOID, python_name, widens


@dataclass
class Translated:
    """A translated function, ready to be named and emitted by the unit."""

    args: list[tuple[str, str]]
    return_type: str
    fields: list[FieldBinding]
    written: frozenset
    params: list[c_ast.Decl]
    body: list[c_ast.Node]
    helpers: set[str]
    fault: bool                                     # takes pycast_fault (pycast.signature.Signature)
    sites: dict[tuple[int, int, int, int], int]     # checked operation's position -> site number


@dataclass
class _Loop:
    breaks: list = field(default_factory=list)
    continues: list = field(default_factory=list)


def _meet(*states):
    """Locals assigned on every one of several paths (None: a path that cannot be reached)."""
    live = [state for state in states if state is not None]
    if not live:
        return None
    return set.intersection(*live)


def _copy(state):
    return None if state is None else set(state)


def _is_noop(stmt: ast.stmt) -> bool:
    """Docstrings and ``...``: statements Python evaluates and discards."""
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, (str, type(...))))


class FunctionTranslator(FunctionScope):
    """Translates one function: its scope (see :class:`~pycast.scope.FunctionScope`
    for ``linker``), then its statements, into a :class:`Translated`."""

    def __init__(self, src, linker, *, is_method: bool, cname: str):
        super().__init__(src, linker, is_method=is_method, cname=cname)
        self._loops: list[_Loop] = []

    # -- emission ------------------------------------------------------------------------

    def translate(self) -> Translated:
        self._infer()
        self._inferring = False
        self._temps.clear()
        self._assigned = {name for name, _ in self.args}
        body = self._block(self.src.tree.body)
        if self.return_type != VOID and self._assigned is not None:
            last = self.src.tree.body[-1]
            raise self.src.error(last, f"{self.src.tree.name}() can reach its end without returning "
                                       "a value (Python would return None)",
                                 "end every path with a return statement")
        self._check_field_names(body)
        cnames = self._name_locals()
        params = [param(cnames[name], ctype) for name, ctype in self.args]
        fields = sorted(self.fields.values(), key=lambda binding: binding.path)
        params += [param(b.cname, b.ctype, pointer=1 if b.writable else 0) for b in fields]
        if self.faults:
            params.append(param(FAULT_PARAM, INT, pointer=1))
        arg_names = {name for name, _ in self.args}
        decls = [var(cnames[name], self.types[name]) for name in self.locals if name not in arg_names]
        decls += [var(node.name, ctype) for node, ctype in self._temps]
        return Translated(args=list(self.args), return_type=self.return_type, fields=fields,
                          written=frozenset(self.written), params=params, body=decls + body, helpers=self.helpers,
                          fault=self.faults, sites=dict(self.sites))

    def _check_field_names(self, body: list[c_ast.Node]) -> None:
        """A field parameter named like a function this body calls would hide that function."""
        finder = _CallFinder()
        for node in body:
            finder.visit(node)
        for path, binding in self.fields.items():
            if binding.cname in finder.called:
                raise self.src.error(self._field_nodes[path],
                                     f"field self.{'.'.join(path)} is bound to the C name "
                                     f"{binding.cname!r}, which this function also calls",
                                     "bind the field to another C name")

    def _name_locals(self) -> dict[str, str]:
        taken = {b.cname for b in self.fields.values()} | self._callees | {self.cname}
        cnames = {}
        for name in self.locals:
            if usable(name) and name not in taken:
                cnames[name] = name
                taken.add(name)
        for name in self.locals:
            if name not in cnames:
                cnames[name] = fresh(name, taken)
        for name, nodes in self._refs.items():
            for node in nodes:
                node.name = cnames[name]
        return cnames

    def _block(self, body: list[ast.stmt]) -> list[c_ast.Node]:
        out = []
        for stmt in body:
            if _is_noop(stmt):
                continue
            out.append(self.src.comment(stmt))
            out.extend(getattr(self, "_" + type(stmt).__name__)(stmt))
        return out

    def _assign_local(self, name: str) -> None:
        if self._assigned is not None:
            self._assigned.add(name)

    def _store(self, target: ast.expr, value: Value, stmt: ast.stmt) -> list[c_ast.Node]:
        if isinstance(target, ast.Name):
            ctype = self.types[target.id]
            if not widens(value.ctype, ctype):
                raise self.src.error(stmt, f"'{target.id}' is {python_name(ctype)}, but a "
                                           f"{python_name(value.ctype)} is assigned to it",
                                     "convert explicitly, e.g. with int(...)")
            self._assign_local(target.id)
            return [assign(self._ref(target.id), value.node)]
        path = self.exprs.self_path(target)
        binding = self._binding(path, target)
        dotted = "self." + ".".join(path)
        if not binding.writable:
            raise self.src.error(target, f"field {dotted} is read-only here",
                                 "its binding is not writable; only writable fields can be assigned")
        if not widens(value.ctype, binding.ctype):
            raise self.src.error(stmt, f"field {dotted} is {python_name(binding.ctype)}, but a "
                                       f"{python_name(value.ctype)} is assigned to it",
                                 "convert explicitly, e.g. with int(...)")
        self.written.add(path)
        return [assign(deref(binding.cname), value.node)]

    def _Assign(self, stmt: ast.Assign) -> list[c_ast.Node]:
        return self._store(stmt.targets[0], self._assigned_value(stmt), stmt)

    def _AugAssign(self, stmt: ast.AugAssign) -> list[c_ast.Node]:
        return self._store(stmt.target, self._assigned_value(stmt), stmt)

    def _AnnAssign(self, stmt: ast.AnnAssign) -> list[c_ast.Node]:
        if stmt.value is None:
            return []
        return self._store(stmt.target, self.exprs.value(stmt.value, whole=True), stmt)

    def _Expr(self, stmt: ast.Expr) -> list[c_ast.Node]:
        if not isinstance(stmt.value, ast.Call):
            raise self.src.error(stmt, "expression statements other than calls are not supported",
                                 "the value would be computed and discarded; remove it")
        return [self.exprs.statement(stmt.value).node]

    def _Return(self, stmt: ast.Return) -> list[c_ast.Node]:
        expected = self.return_type
        if self._returns_none(stmt):
            if expected != VOID:
                raise self.src.error(stmt, f"return without a value in a function returning "
                                           f"{python_name(expected)} (Python would return None)")
            result = ret()
        else:
            if expected == VOID:
                raise self.src.error(stmt, "returning a value from a function annotated -> None")
            value = self.exprs.value(stmt.value, whole=True)
            if not widens(value.ctype, expected):
                raise self.src.error(stmt, f"returns a {python_name(value.ctype)} from a function "
                                           f"returning {python_name(expected)}",
                                     "convert explicitly or change the return annotation")
            result = ret(value.node)
        self._assigned = None
        return [result]

    def _Pass(self, stmt: ast.Pass) -> list[c_ast.Node]:
        return []

    def _Break(self, stmt: ast.Break) -> list[c_ast.Node]:
        self._loops[-1].breaks.append(self._assigned)
        self._assigned = None
        return [c_ast.Break()]

    def _Continue(self, stmt: ast.Continue) -> list[c_ast.Node]:
        self._loops[-1].continues.append(self._assigned)
        self._assigned = None
        return [c_ast.Continue()]

    def _If(self, stmt: ast.If) -> list[c_ast.Node]:
        test = self.exprs.truth(stmt.test, whole=True).node
        before = self._assigned
        self._assigned = _copy(before)
        then = self._block(stmt.body)
        after_then, self._assigned = self._assigned, _copy(before)
        otherwise = self._block(stmt.orelse) if stmt.orelse else None
        self._assigned = _meet(after_then, self._assigned)
        return [if_(test, block(then), block(otherwise) if otherwise is not None else None)]

    def _While(self, stmt: ast.While) -> list[c_ast.Node]:
        test = self.exprs.truth(stmt.test, whole=True)
        forever = isinstance(stmt.test, ast.Constant) and bool(stmt.test.value)
        before = self._assigned
        self._loops.append(_Loop())
        self._assigned = _copy(before)
        body = self._block(stmt.body)
        loop = self._loops.pop()
        self._assigned = _meet(*loop.breaks) if forever else _copy(before)
        return [c_ast.While(test.node, block(body))]

    def _For(self, stmt: ast.For) -> list[c_ast.Node]:
        bounds = self._range(stmt.iter)
        name = stmt.target.id
        if not widens(INT, self.types[name]):
            raise self.src.error(stmt.target, f"'{name}' is {python_name(self.types[name])}, but "
                                              "range() yields ints")
        start, stop, step = bounds
        counter = self.temp(INT)
        setup = []
        if not isinstance(stop.node, c_ast.Constant):
            # range() evaluates its bounds once, before the first iteration.
            limit = self.temp(INT)
            setup.append(assign(limit, stop.node))
            stop = Value(limit, INT, simple=True)
        before = self._assigned
        self._loops.append(_Loop())
        self._assigned = _copy(before)
        self._assign_local(name)
        body = [assign(self._ref(name), counter)] + self._block(stmt.body)
        loop = self._loops.pop()
        if self._nonempty(stmt.iter):
            self._assigned = _meet(self._assigned, *loop.continues, *loop.breaks)
        else:
            self._assigned = _copy(before)
        test = c_ast.BinaryOp("<" if step > 0 else ">", counter, stop.node)
        advance = c_ast.UnaryOp("p++" if step > 0 else "p--", counter) if abs(step) == 1 else \
            assign(counter, const(abs(step)), "+=" if step > 0 else "-=")
        return setup + [c_ast.For(assign(counter, start.node), test, advance, block(body))]

    def _range(self, node: ast.expr) -> tuple[Value, Value, int]:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and not self.is_local(node.func.id)
                and self.exprs.lookup(node.func.id, node.func) is range):
            raise self.src.error(node, "for loops are only supported over range(...)",
                                 "iterate over indices with for i in range(n)")
        if node.keywords or not 1 <= len(node.args) <= 3:
            raise self.src.error(node, "range() takes 1 to 3 positional arguments")
        values = [self.exprs.value(arg) for arg in node.args[:2]]
        for arg, value in zip(node.args, values):
            if value.ctype not in (INT, BOOL):
                raise self.src.error(arg, f"range() arguments must be ints, not {python_name(value.ctype)}")
        if len(values) == 1:
            values.insert(0, Value(const(0), INT, simple=True))
        step = 1
        if len(node.args) == 3:
            step = self.exprs.int_literal(node.args[2])
            if step is None:
                raise self.src.error(node.args[2], "the step of range() must be an int literal",
                                     "the loop test depends on the step's sign; write e.g. -1")
            if step == 0:
                raise self.src.error(node.args[2], "range() step must not be zero")
        return values[0], values[1], step

    def _nonempty(self, node: ast.Call) -> bool:
        bounds = [self.exprs.int_literal(arg) for arg in node.args]
        return None not in bounds and len(range(*bounds)) > 0


class _CallFinder(c_ast.NodeVisitor):
    def __init__(self):
        self.called: set[str] = set()

    def visit_FuncCall(self, node: c_ast.FuncCall) -> None:
        if isinstance(node.name, c_ast.ID):
            self.called.add(node.name.name)
        self.generic_visit(node)
