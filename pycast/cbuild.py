"""Small constructors for pycparser's ``c_ast`` and the printer that renders it.

pycparser's node constructors take many positional slots (``Decl`` alone has
nine); these helpers name the few that vary so that translators and code
assemblers build readable C without ever concatenating C text.  ``Comment`` is
the one node pycparser lacks: generated code carries the Python source line it
came from.
"""
from __future__ import annotations

from pycparser import c_ast, c_generator

from pycast.depth import deep_recursion

DOUBLE = "double"
INT = "int"
BOOL = "bool"
LONG = "long"


class Comment(c_ast.Node):
    """A ``/* ... */`` comment, placed as a statement or at file scope."""

    __slots__ = ("text", "coord", "__weakref__")
    attr_names = ("text",)

    def __init__(self, text: str, coord=None):
        self.text = text.replace("*/", "* /")
        self.coord = coord

    def children(self):
        return ()

    def __iter__(self):
        return iter(())


class Group(c_ast.Node):
    """An expression printed inside parentheses, where C's precedence alone would
    make them unnecessary but compilers warn (``(a < b) == (c < d)``)."""

    __slots__ = ("expr", "coord", "__weakref__")
    attr_names = ()

    def __init__(self, expr, coord=None):
        self.expr = expr
        self.coord = coord

    def children(self):
        return (("expr", self.expr),)

    def __iter__(self):
        yield self.expr


_COMPARISONS = {"<", "<=", ">", ">=", "==", "!="}


class CGenerator(c_generator.CGenerator):
    """pycparser's generator, taught to print :class:`Comment` nodes and to keep
    the parentheses compilers ask for (comparisons inside comparisons, ``&&`` inside
    ``||``, ``!`` on the left of a comparison)."""

    def __init__(self):
        super().__init__(reduce_parentheses=True)

    def visit_Comment(self, n: Comment) -> str:
        return "/* " + n.text + " */"

    def visit_Group(self, n: Group) -> str:
        return "(" + self.visit(n.expr) + ")"

    def _is_simple_node(self, n) -> bool:
        return isinstance(n, Group) or super()._is_simple_node(n)

    def visit_BinaryOp(self, n: c_ast.BinaryOp) -> str:
        # Parentheses compilers ask for (-Wparentheses, -Wlogical-not-parentheses) though
        # precedence makes them redundant.
        confusing = _COMPARISONS if n.op in _COMPARISONS else {"&&"} if n.op == "||" else ()
        if confusing:
            def grouped(side):
                return Group(side) if isinstance(side, c_ast.BinaryOp) and side.op in confusing else side
            left = grouped(n.left)
            if n.op in _COMPARISONS and isinstance(left, c_ast.UnaryOp) and left.op == "!":
                left = Group(left)
            n = c_ast.BinaryOp(n.op, left, grouped(n.right), n.coord)
        return super().visit_BinaryOp(n)

    def visit_FileAST(self, n: c_ast.FileAST) -> str:
        out = []
        for ext in n.ext:
            if isinstance(ext, Comment):
                out.append(self.visit(ext) + "\n")
            else:
                out.append(super().visit_FileAST(c_ast.FileAST([ext])))
        return "".join(out)


def render(node: c_ast.Node) -> str:
    """C text of ``node`` (a FileAST, a function or a statement); deep
    expressions recurse deeply (see :mod:`pycast.depth`)."""
    with deep_recursion():
        return CGenerator().visit(node)


def ident(name: str) -> c_ast.ID:
    return c_ast.ID(name)


def const(value) -> c_ast.Constant:
    """A C literal for a Python bool, int or float (floats keep full precision)."""
    if isinstance(value, bool):
        return c_ast.Constant("int", "1" if value else "0")
    if isinstance(value, int):
        return c_ast.Constant("int", str(value))
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"no C literal for {value!r}")
    text = repr(value)
    if "e" not in text and "." not in text:
        text += ".0"
    return c_ast.Constant("double", text)


def binop(op: str, left, right) -> c_ast.BinaryOp:
    return c_ast.BinaryOp(op, left, right)


def unop(op: str, expr) -> c_ast.UnaryOp:
    return c_ast.UnaryOp(op, expr)


def call(name: str, *args) -> c_ast.FuncCall:
    return c_ast.FuncCall(c_ast.ID(name), c_ast.ExprList(list(args)) if args else None)


def index(array, subscript) -> c_ast.ArrayRef:
    if isinstance(array, str):
        array = c_ast.ID(array)
    if isinstance(subscript, str):
        subscript = c_ast.ID(subscript)
    elif isinstance(subscript, int):
        subscript = const(subscript)
    return c_ast.ArrayRef(array, subscript)


def member(struct, field: str, arrow: bool = True) -> c_ast.StructRef:
    if isinstance(struct, str):
        struct = c_ast.ID(struct)
    return c_ast.StructRef(struct, "->" if arrow else ".", c_ast.ID(field))


def deref(expr) -> c_ast.UnaryOp:
    if isinstance(expr, str):
        expr = c_ast.ID(expr)
    return c_ast.UnaryOp("*", expr)


def assign(lvalue, rvalue, op: str = "=") -> c_ast.Assignment:
    if isinstance(lvalue, str):
        lvalue = c_ast.ID(lvalue)
    return c_ast.Assignment(op, lvalue, rvalue)


def cast(ctype: str, expr) -> c_ast.Cast:
    return c_ast.Cast(typename(ctype), expr)


def ternary(cond, iftrue, iffalse) -> c_ast.TernaryOp:
    return c_ast.TernaryOp(cond, iftrue, iffalse)


def _scalar(name, ctype: str, quals=()):
    return c_ast.TypeDecl(declname=name, quals=list(quals), align=None,
                          type=c_ast.IdentifierType([ctype]))


def _pointer_chain(name, ctype: str, pointer: int, const_target: bool, restrict: bool):
    decl = _scalar(name, ctype, ["const"] if const_target else [])
    for level in range(pointer):
        quals = ["restrict"] if (restrict and level == pointer - 1) else []
        decl = c_ast.PtrDecl(quals=quals, type=decl)
    return decl


def typename(ctype: str, pointer: int = 0) -> c_ast.Typename:
    return c_ast.Typename(name=None, quals=[], align=None,
                          type=_pointer_chain(None, ctype, pointer, False, False))


def var(name: str, ctype: str, init=None, *, const_: bool = False, pointer: int = 0,
        const_target: bool = False, restrict: bool = False, storage=()) -> c_ast.Decl:
    """Declaration ``[storage] [const] ctype [*...] name [= init]``."""
    if pointer:
        type_ = _pointer_chain(name, ctype, pointer, const_target, restrict)
        quals = []
    else:
        quals = ["const"] if const_ else []
        type_ = _scalar(name, ctype, quals)
    return c_ast.Decl(name=name, quals=quals, align=[], storage=list(storage), funcspec=[],
                      type=type_, init=init, bitsize=None)


def param(name: str, ctype: str, *, pointer: int = 0, const_target: bool = False,
          restrict: bool = False, const_: bool = False) -> c_ast.Decl:
    return var(name, ctype, pointer=pointer, const_target=const_target,
               restrict=restrict, const_=const_)


def function(name: str, return_type: str, params: list, body: list, *,
             storage=("static",), funcspec=("inline",), return_pointer: int = 0) -> c_ast.FuncDef:
    """A function definition; ``params`` are :func:`param` declarations."""
    ret = _pointer_chain(name, return_type, return_pointer, False, False)
    fdecl = c_ast.FuncDecl(args=c_ast.ParamList(params or [param(None, "void")]), type=ret)
    decl = c_ast.Decl(name=name, quals=[], align=[], storage=list(storage),
                      funcspec=list(funcspec), type=fdecl, init=None, bitsize=None)
    return c_ast.FuncDef(decl=decl, param_decls=None, body=c_ast.Compound(list(body)))


def prototype(fdef: c_ast.FuncDef) -> c_ast.Decl:
    """The declaration of an existing definition (for forward references)."""
    return fdef.decl


def block(items) -> c_ast.Compound:
    return c_ast.Compound(list(items))


def for_range(var_name: str, start, stop, body, ctype: str = INT, step=None) -> c_ast.For:
    """``for (ctype i = start; i < stop; i++)`` (or ``i += step``)."""
    if isinstance(start, int):
        start = const(start)
    if isinstance(stop, (int, str)):
        stop = const(stop) if isinstance(stop, int) else ident(stop)
    nxt = c_ast.UnaryOp("p++", ident(var_name)) if step is None else assign(var_name, step, "+=")
    init = c_ast.DeclList([var(var_name, ctype, start)])
    return c_ast.For(init, binop("<", ident(var_name), stop), nxt,
                     body if isinstance(body, c_ast.Compound) else block(body))


def pragma(text: str) -> c_ast.Pragma:
    return c_ast.Pragma(text)


def ret(expr=None) -> c_ast.Return:
    return c_ast.Return(expr)


def if_(cond, then, otherwise=None) -> c_ast.If:
    def wrap(b):
        if b is None or isinstance(b, c_ast.Compound):
            return b
        return block(b if isinstance(b, list) else [b])
    return c_ast.If(cond, wrap(then), wrap(otherwise))


def expr_stmt(expr):
    """An expression used as a statement (pycparser prints the semicolon)."""
    return expr
