"""pycast's translated functions re-emitted as Python for numba.

pycast has already resolved every method through the MRO and chosen each
function's parameters (``Signature.args`` then ``Signature.fields``); this
module rewrites the same Python ASTs to that calling convention, so the numba
backend runs exactly the functions the C backend runs.  ``self.<path>``
becomes the field's parameter (``FieldBinding.cname``); a field the function
assigns is a one-element array, as C's pointer is, and every other field is a
value.  Powers and ``math.log(x, b)`` are spelt as pycast spells them in C,
so that both backends round alike.  An int ``//`` or ``%`` pycast checks
(``Translated.sites``) calls the kernels' ``checked_floordiv``/``checked_mod``,
which report the site into ``pycast_fault`` (a one-element array, as C's
pointer is), passed on to every callee that reports too.
"""
from __future__ import annotations

import ast
import builtins
import math
import types

from pycast.depth import deep_recursion
from pycast.names import FAULT_PARAM
from pycast.source import FunctionSource
from pycast import find_method

_BUILTINS = {abs, min, max, float, int, bool, range}
_CHECKED = {ast.FloorDiv: "checked_floordiv", ast.Mod: "checked_mod"}


def array_fields(signature, written) -> set[tuple[str, ...]]:
    """Paths passed as one-element arrays: those the function (or a callee) assigns."""
    return {f.path for f in signature.fields if f.writable and f.path in written}


class _Function:
    """One entry of a pycast unit: its source, signature and how it resolves calls."""

    def __init__(self, key, entry):
        self.key, self.entry = key, entry
        self.signature = entry.signature
        self.fn = key[-1]
        self.cls = key[1] if key[0] == "method" else None
        self.owner = None
        if self.cls is not None:
            self.owner = find_method(self.cls, self.fn.__name__)[0]
            cells = dict(zip(self.fn.__code__.co_freevars, self.fn.__closure__ or ()))
            defining = cells.get("__class__")
            if defining is not None and defining.cell_contents in self.cls.__mro__:
                self.owner = defining.cell_contents
        self.arrays = array_fields(self.signature, entry.written)


class _Rewriter(ast.NodeTransformer):
    def __init__(self, fun: _Function, functions: dict):
        self.fun, self.functions = fun, functions
        self.src = FunctionSource(fun.fn)
        tree = self.src.tree
        params = tree.args.posonlyargs + tree.args.args
        self.self_name = params[0].arg if fun.cls is not None else None
        self.params = [p.arg for p in (params[1:] if fun.cls is not None else params)]
        self.locals = set(self.params) | {n.id for n in ast.walk(tree)
                                          if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        self.bindings = {f.path: f for f in fun.signature.fields}
        taken = {f.cname for f in fun.signature.fields} | {"math", "np", FAULT_PARAM, *_CHECKED.values()} | \
            {f.signature.cname for f in functions.values()}
        self.rename = {}
        for name in sorted(self.locals):
            new = name
            while new in taken:
                new += "_"
            self.rename[name] = new

    # -- helpers ---------------------------------------------------------------------
    def _path(self, node):
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id == self.self_name:
            return tuple(reversed(parts))
        return None

    def _global(self, node):
        if isinstance(node, ast.Name) and node.id not in self.locals and node.id != self.self_name:
            namespace = self.fun.fn.__globals__
            return namespace[node.id] if node.id in namespace else getattr(builtins, node.id)
        if isinstance(node, ast.Attribute):
            module = self._global(node.value)
            if isinstance(module, types.ModuleType):
                return getattr(module, node.attr)
        return None

    def _field(self, path, ctx):
        binding = self.bindings[path]
        name = ast.Name(binding.cname, ast.Load())
        if path in self.fun.arrays:
            return ast.Subscript(name, ast.Constant(0), ctx)
        name.ctx = ctx
        return name

    @staticmethod
    def _constant(value):
        if isinstance(value, float) and not math.isfinite(value):
            text = "math.nan" if math.isnan(value) else ("math.inf" if value > 0 else "-math.inf")
            return ast.parse(text, mode="eval").body
        return ast.Constant(value)

    def _call_args(self, callee: _Function):
        out = []
        for wanted in callee.signature.fields:
            mine = self._field(wanted.path, ast.Load())
            if wanted.path in callee.arrays and isinstance(mine, ast.Subscript):
                mine = mine.value
            out.append(mine)
        return out

    # -- visitors --------------------------------------------------------------------
    def visit_Name(self, node):
        if node.id in self.locals:
            return ast.copy_location(ast.Name(self.rename[node.id], node.ctx), node)
        value = self._global(node)
        if isinstance(value, (bool, int, float)):
            return ast.copy_location(self._constant(value), node)
        return node

    def visit_Attribute(self, node):
        path = self._path(node)
        if path is not None:
            return ast.copy_location(self._field(path, node.ctx), node)
        value = self._global(node)
        if isinstance(value, (bool, int, float)):
            return ast.copy_location(self._constant(value), node)
        return self.generic_visit(node)

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant) \
                and type(node.right.value) is int and 2 <= node.right.value <= 4 \
                and (isinstance(node.left, (ast.Name, ast.Constant)) or self._path(node.left)):
            base = self.visit(node.left)
            product = base
            for _ in range(node.right.value - 1):
                product = ast.BinOp(product, ast.Mult(), base)
            return ast.copy_location(product, node)
        site = self._site(node)
        if site is not None:
            args = [self.visit(node.left), self.visit(node.right), ast.Constant(site),
                    ast.Name(FAULT_PARAM, ast.Load())]
            return ast.copy_location(ast.Call(ast.Name(_CHECKED[type(node.op)], ast.Load()), args, []), node)
        return self.generic_visit(node)

    def _site(self, node):
        """pycast's site number of a checked ``//`` or ``%`` (None for any other operation)."""
        if type(node.op) not in _CHECKED:
            return None
        return self.fun.entry.sites.get((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset))

    def visit_AugAssign(self, node):
        # pycast checks ``x //= y`` as ``x = x // y`` placed at the statement
        combined = ast.copy_location(ast.BinOp(_load(node.target), node.op, node.value), node)
        if self._site(combined) is None:
            return self.generic_visit(node)
        return ast.copy_location(ast.Assign([self.visit(node.target)], self.visit(combined)), node)

    def visit_Return(self, node):
        self.generic_visit(node)
        if node.value is not None and self.fun.signature.return_type == "double":
            node.value = ast.Call(ast.Name("float", ast.Load()), [node.value], [])
        return node

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, (str, type(...))):
            return ast.Pass()
        return self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        args = [self.visit(a) for a in node.args]
        callee = None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) \
                and isinstance(func.value.func, ast.Name) and func.value.func.id == "super":
            callee = self._method(func.attr, after=self.fun.owner)
        elif isinstance(func, ast.Attribute) and self._path(func) is not None:
            callee = self._method(func.attr, after=None)
        if callee is not None:
            return ast.copy_location(ast.Call(ast.Name(callee.signature.cname, ast.Load()),
                                              args + self._call_args(callee) + _fault(callee), []), node)
        target = self._global(func)
        if isinstance(target, types.FunctionType):
            callee = self.functions[("function", target)]
            return ast.copy_location(ast.Call(ast.Name(callee.signature.cname, ast.Load()),
                                              args + _fault(callee), []), node)
        if target is math.log and len(args) == 2:
            ln = [ast.Call(ast.parse("math.log", mode="eval").body, [a], []) for a in args]
            return ast.copy_location(ast.BinOp(ln[0], ast.Div(), ln[1]), node)
        if target in _BUILTINS:
            return ast.copy_location(ast.Call(ast.Name(target.__name__, ast.Load()), args, []), node)
        name = getattr(target, "__name__", None)
        if name is None or getattr(math, name, None) is not target:
            raise TypeError(f"{self.fun.entry.name}: cannot call {ast.unparse(func)} from numba")
        return ast.copy_location(ast.Call(ast.parse(f"math.{name}", mode="eval").body, args, []), node)

    def _method(self, name, after):
        cls = self.fun.cls
        fn = find_method(cls, name, after)[1]
        return self.functions[("method", cls, fn)]

    def function(self) -> ast.FunctionDef:
        tree = self.src.tree
        body = [self.visit(stmt) for stmt in tree.body]
        converts = [ast.parse(f"{self.rename[p]} = float({self.rename[p]})").body[0]
                    for p, (_, ctype) in zip(self.params, self.fun.signature.args) if ctype == "double"]
        arguments = [ast.arg(self.rename[p]) for p in self.params] + \
            [ast.arg(f.cname) for f in self.fun.signature.fields] + \
            [ast.arg(FAULT_PARAM)] * self.fun.signature.fault
        return ast.FunctionDef(name=self.fun.signature.cname,
                               args=ast.arguments(posonlyargs=[], args=arguments, kwonlyargs=[],
                                                  kw_defaults=[], defaults=[]),
                               body=converts + body or [ast.Pass()], decorator_list=[], returns=None)


def _fault(callee: _Function) -> list:
    """The argument a call of ``callee`` passes for pycast_fault, if it takes one."""
    return [ast.Name(FAULT_PARAM, ast.Load())] if callee.signature.fault else []


def _load(target):
    """The value of an assignment's target (a name or a self.<field> chain), read."""
    if isinstance(target, ast.Name):
        return ast.copy_location(ast.Name(target.id, ast.Load()), target)
    return ast.copy_location(ast.Attribute(_load(target.value), target.attr, ast.Load()), target)


def translate_unit(unit) -> str:
    """Python source of every function in ``unit``, callees first, each under ``@kernel``
    (cached njit).  Rewriting and unparsing recurse as deep as pycast's expressions
    (pycast.depth), and so does Python's compile of the source (engine.load)."""
    functions = {t.key: _Function(t.key, t) for t in unit.translated()}
    out = []
    with deep_recursion():
        for fun in functions.values():
            entry = fun.entry
            tree = _Rewriter(fun, functions).function()
            module = ast.fix_missing_locations(ast.Module([tree], type_ignores=[]))
            out.append(f"# {entry.name}\n@kernel\n{ast.unparse(module)}\n")
    return "\n".join(out)
