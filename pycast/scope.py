"""What the names of one Python function mean in C: its scope.

A function's body is translated in two passes.  The first, here, collects
every assignment to a local and infers a single C type for each local (C
declares each once, at the top; Python lets later assignments depend on
earlier ones, so the pass repeats until nothing new is learnt).  The same
class then answers the expression translator (:mod:`pycast.expressions`)
during both passes: what a local, a field or a called function is in C, and
where temporaries and runtime helpers come from.

The second pass, emitting statements, is :class:`pycast.statements.FunctionTranslator`,
a :class:`FunctionScope` that adds the statements.  The seam is the expression
translator's callbacks: :class:`FunctionScope` resolves names and types and
holds what the finished C function is made of (parameters, fields, locals,
temporaries, helpers), and emits no statement; the statements only use it.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from pycparser import c_ast

from pycast.cbuild import deref, ident
from pycast.expressions import Callee, Expressions, Pending, Value
from pycast.names import RUNTIME_PREFIX, parameter_ok
from pycast.signature import FieldBinding
from pycast.types import DOUBLE, INT, VOID, from_annotation, python_name

_STATEMENTS = {
    ast.Try: "try statements", ast.With: "with statements", ast.Raise: "raise",
    ast.Assert: "assert statements", ast.Global: "global declarations",
    ast.Nonlocal: "nonlocal declarations", ast.Import: "import statements",
    ast.ImportFrom: "import statements", ast.FunctionDef: "nested functions",
    ast.AsyncFunctionDef: "nested functions", ast.ClassDef: "class definitions",
    ast.Delete: "del statements", ast.AsyncFor: "async for", ast.AsyncWith: "async with",
    getattr(ast, "Match", ast.Try): "match statements", getattr(ast, "TryStar", ast.Try): "try statements",
}


@dataclass
class _Definition:
    """One place that gives a local variable a value."""

    name: str
    stmt: ast.stmt
    value: ast.expr | None  # None: a for loop target (an int)


class FunctionScope:
    """The locals, fields and callees of one function, and their C types.

    ``linker`` (from the unit) supplies callees and fields:
    ``linker.function(fn, error)`` and ``linker.method(name, via_super, error)``
    return translated callees (objects with ``name``, ``signature``, ``written``);
    ``linker.field(path)`` returns a FieldBinding or raises LookupError.
    """

    def __init__(self, src, linker, *, is_method: bool, cname: str):
        self.src = src
        self.linker = linker
        self.cname = cname
        self.globals = src.fn.__globals__
        self.exprs = Expressions(self)
        tree = src.tree
        self._check_header(tree)
        params = tree.args.posonlyargs + tree.args.args
        self.self_name = None
        if is_method:
            if not params:
                raise src.error(tree, f"method {tree.name} has no self parameter")
            self.self_name = params[0].arg
            params = params[1:]
        self.args = [(p.arg, self._annotation(p.annotation, DOUBLE)) for p in params]
        self.declared = dict(self.args)
        self.definitions: list[_Definition] = []
        self._collect(tree.body)
        free = [name for name in src.fn.__code__.co_freevars
                if not (name == "__class__" and is_method)]
        if free:
            raise src.error(tree, f"closures are not supported ({tree.name} uses "
                                  f"{', '.join(free)} from an enclosing function)",
                            "define the function at module level and pass values as arguments")
        self.locals = list(dict.fromkeys([name for name, _ in self.args]
                                         + [d.name for d in self.definitions]))
        self._local_set = set(self.locals) | set(self.declared)
        self.return_type = self._return_type(tree)
        self.types: dict[str, str] = {}
        self.fields: dict[tuple[str, ...], FieldBinding] = {}
        self._field_nodes: dict[tuple[str, ...], ast.AST] = {}  # first use, for errors
        self.helpers: set[str] = set()
        self.sites: dict[tuple[int, int, int, int], int] = {}  # checked operation's position -> site number
        self.faults = False     # whether it reports failed checks, its own or its callees'
        self.written: set[tuple[str, ...]] = set()
        self._callees: set[str] = set()
        self._refs: dict[str, list[c_ast.ID]] = {}
        self._temps: list[tuple[c_ast.ID, str]] = []
        # Whether types are still being inferred, and the locals assigned on every path
        # to the statement being emitted (None: unreachable).  The statement emitter
        # keeps both; read_local refuses a read of a local that may be unassigned.
        self._inferring = True
        self._assigned: set[str] | None = None

    # -- header and declarations --------------------------------------------------------

    def _check_header(self, tree: ast.FunctionDef) -> None:
        src, args = self.src, tree.args
        if tree.decorator_list:
            raise src.error(tree.decorator_list[0], "decorated functions are not supported",
                            "translate the undecorated function")
        for what, nodes in (("*args parameters", [args.vararg]),
                            ("keyword-only parameters", args.kwonlyargs),
                            ("**kwargs parameters", [args.kwarg]),
                            ("default parameter values", args.defaults)):
            if any(node is not None for node in nodes):
                node = next(node for node in nodes if node is not None)
                raise src.error(node, f"{what} are not supported", "use plain positional parameters")

    def _annotation(self, node: ast.expr | None, default: str) -> str:
        if node is None:
            return default
        name = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else \
            node.id if isinstance(node, ast.Name) else None
        ctype = from_annotation(name) if name else None
        if ctype is None:
            raise self.src.error(node, f"unsupported annotation {ast.unparse(node)}",
                                 "annotate with int, float or bool")
        return ctype

    def _return_type(self, tree: ast.FunctionDef) -> str:
        returns = tree.returns
        if isinstance(returns, ast.Constant) and returns.value is None:
            return VOID
        if returns is not None:
            return self._annotation(returns, DOUBLE)
        valued = any(isinstance(node, ast.Return) and not self._returns_none(node)
                     for node in ast.walk(tree))
        return DOUBLE if valued else VOID

    @staticmethod
    def _returns_none(node: ast.Return) -> bool:
        return node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None)

    def _collect(self, body: list[ast.stmt]) -> None:
        """Records every assignment to a local and refuses unsupported statements."""
        for stmt in body:
            kind = type(stmt)
            if kind in _STATEMENTS:
                raise self.src.error(stmt, f"{_STATEMENTS[kind]} are not supported by pycast",
                                     "see pycast/README.md for the supported subset")
            if isinstance(stmt, ast.Assign):
                if len(stmt.targets) != 1:
                    raise self.src.error(stmt, "chained assignment (a = b = ...) is not supported",
                                         "assign each name separately")
                self._target(stmt.targets[0], stmt, stmt.value)
            elif isinstance(stmt, ast.AugAssign):
                self._target(stmt.target, stmt, stmt.value)
            elif isinstance(stmt, ast.AnnAssign):
                if not isinstance(stmt.target, ast.Name):
                    raise self.src.error(stmt, "annotated assignments are only supported for local "
                                               "variables")
                self._declare(stmt.target.id, self._annotation(stmt.annotation, DOUBLE), stmt)
                if stmt.value is not None:
                    self._target(stmt.target, stmt, stmt.value)
            elif isinstance(stmt, (ast.For, ast.While)):
                if stmt.orelse:
                    raise self.src.error(stmt, f"{type(stmt).__name__.lower()}...else is not supported",
                                         "use a flag variable")
                if isinstance(stmt, ast.For):
                    self._target(stmt.target, stmt, None)
                self._collect(stmt.body)
            elif isinstance(stmt, ast.If):
                self._collect(stmt.body)
                self._collect(stmt.orelse)
            elif not isinstance(stmt, (ast.Return, ast.Pass, ast.Break, ast.Continue, ast.Expr)):
                raise self.src.error(stmt, f"{kind.__name__} statements are not supported by pycast")

    def _target(self, target: ast.expr, stmt: ast.stmt, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            if target.id == self.self_name:
                raise self.src.error(target, f"assigning to '{target.id}' is not supported")
            self.definitions.append(_Definition(target.id, stmt, value))
            return
        if isinstance(target, ast.Attribute) and self.exprs.self_path(target) is not None:
            if isinstance(stmt, ast.For):
                raise self.src.error(target, "the target of a for loop must be a local variable")
            return
        what = {ast.Tuple: "tuple unpacking", ast.List: "list unpacking",
                ast.Subscript: "item assignment", ast.Starred: "starred assignment",
                ast.Attribute: "assigning attributes of objects other than self"}
        construct = what.get(type(target), f"assigning to {type(target).__name__}")
        raise self.src.error(target, f"{construct} is not supported", "assign one local variable or "
                                                                       "one self.<field> at a time")

    def _declare(self, name: str, ctype: str, stmt: ast.stmt) -> None:
        if self.declared.setdefault(name, ctype) != ctype:
            raise self.src.error(stmt, f"'{name}' is annotated with two different types")

    # -- the scope the expression translator asks ------------------------------------

    def is_local(self, name: str) -> bool:
        return name in self._local_set

    def read_local(self, name: str, node: ast.AST) -> Value | None:
        if not self.is_local(name):
            return None
        ctype = self.types.get(name)
        if ctype is None:
            raise Pending(name)
        if not self._inferring and self._assigned is not None and name not in self._assigned:
            raise self.src.error(node, f"local variable '{name}' may be used before it is assigned",
                                 "assign it on every path before this point, e.g. before the "
                                 "if statement or loop")
        return Value(self._ref(name), ctype, simple=True)

    def read_field(self, path: tuple[str, ...], node: ast.AST) -> Value:
        binding = self._binding(path, node)
        access = deref(binding.cname) if binding.writable else ident(binding.cname)
        return Value(access, binding.ctype, simple=True)

    def function(self, fn, node: ast.AST) -> Callee:
        entry = self.linker.function(fn, lambda message, hint=None: self.src.error(node, message, hint))
        self._callees.add(entry.signature.cname)
        return Callee(entry.name, entry.signature, entry.written, [])

    def method(self, name: str, node: ast.AST, *, via_super: bool) -> Callee:
        entry = self.linker.method(name, via_super,
                                   lambda message, hint=None: self.src.error(node, message, hint))
        self._callees.add(entry.signature.cname)
        field_args = []
        for wanted in entry.signature.fields:
            mine = self._binding(wanted.path, node)
            dotted = "self." + ".".join(wanted.path)
            if mine.ctype != wanted.ctype:
                raise self.src.error(node, f"{entry.name}() sees {dotted} as {wanted.ctype}, "
                                           f"this method as {mine.ctype}")
            if wanted.writable and not mine.writable and wanted.path in entry.written:
                raise self.src.error(node, f"{entry.name}() assigns {dotted}, but its binding "
                                           "here is read-only")
            if wanted.writable == mine.writable:
                field_args.append(ident(mine.cname))
            elif wanted.writable:
                # The callee takes a pointer but only reads through it: lend it this copy.
                field_args.append(c_ast.UnaryOp("&", ident(mine.cname)))
            else:
                field_args.append(deref(mine.cname))
        self.written |= entry.written
        return Callee(entry.name, entry.signature, entry.written, field_args)

    def temp(self, ctype: str) -> c_ast.ID:
        node = ident(f"{RUNTIME_PREFIX}t{len(self._temps) + 1}")
        self._temps.append((node, ctype))
        return node

    def use_helper(self, name: str) -> None:
        self.helpers.add(name)

    def site(self, node: ast.expr, what: str) -> int:
        """The number of the checked operation ``node`` (the same in both passes)."""
        position = (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
        if position not in self.sites:
            self.sites[position] = self.linker.site(self.src, node, what)
        self.faults = True
        return self.sites[position]

    def reports_faults(self) -> None:   # a callee does, so this function does too
        self.faults = True

    def _ref(self, name: str) -> c_ast.ID:
        # C names are chosen at the end, once every field and callee name is known.
        node = ident(name)
        self._refs.setdefault(name, []).append(node)
        return node

    def _binding(self, path: tuple[str, ...], node: ast.AST) -> FieldBinding:
        binding = self.fields.get(path)
        if binding is not None:
            return binding
        dotted = "self." + ".".join(path)
        try:
            found = self.linker.field(path)
        except LookupError as exc:
            raise self.src.error(node, f"unknown field {dotted}",
                                 exc.args[0] if exc.args else str(exc)) from None
        if found.ctype not in (DOUBLE, INT):
            raise self.src.error(node, f"field {dotted} has C type {found.ctype!r}; "
                                       "fields must be 'double' or 'int'")
        if not parameter_ok(found.cname) or found.cname == self.cname:
            raise self.src.error(node, f"field {dotted} is bound to {found.cname!r}, "
                                       "which cannot be a C parameter name")
        for other in self.fields.values():
            if other.cname == found.cname:
                raise self.src.error(node, f"fields {dotted} and self.{'.'.join(other.path)} "
                                           f"are both bound to the C name {found.cname!r}")
        binding = FieldBinding(path, found.cname, found.ctype, bool(found.writable))
        self.fields[path] = binding
        self._field_nodes[path] = node
        return binding

    # -- type inference ----------------------------------------------------------------

    def _infer(self) -> None:
        self.types = dict(self.declared)
        changed = True
        while changed:
            changed = False
            for definition in self.definitions:
                if definition.name in self.declared:
                    continue
                try:
                    ctype = self._definition_type(definition)
                except Pending:
                    continue
                known = self.types.get(definition.name)
                if known is None:
                    self.types[definition.name] = ctype
                    changed = True
                elif known != ctype:
                    raise self.src.error(definition.stmt,
                                         f"'{definition.name}' is assigned both {python_name(known)} "
                                         f"and {python_name(ctype)} values",
                                         "a local has one C type: write float literals as 0.0, "
                                         f"use float(...), or annotate '{definition.name}: float = ...'")
        for definition in self.definitions:
            if definition.name not in self.types:
                raise self.src.error(definition.stmt,
                                     f"cannot infer the type of '{definition.name}': every assignment "
                                     "to it depends on its own value",
                                     f"give '{definition.name}' an initial value first, e.g. "
                                     f"{definition.name} = 0.0")

    def _definition_type(self, definition: _Definition) -> str:
        if definition.value is None:
            return INT
        return self._assigned_value(definition.stmt).ctype

    def _assigned_value(self, stmt: ast.stmt) -> Value:
        """The value an assignment statement stores, as Python computes it."""
        if isinstance(stmt, ast.AugAssign):
            target = stmt.target
            if isinstance(target, ast.Name):
                load = ast.Name(id=target.id, ctx=ast.Load())
            else:
                load = ast.Attribute(value=target.value, attr=target.attr, ctx=ast.Load())
            ast.copy_location(load, target)
            combined = ast.copy_location(ast.BinOp(left=load, op=stmt.op, right=stmt.value), stmt)
            return self.exprs.value(combined)
        return self.exprs.value(stmt.value, whole=True)
