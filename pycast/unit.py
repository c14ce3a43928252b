"""A growing set of translated functions that become one C translation unit.

Methods are resolved as Python resolves them on an instance of the class
(through ``cls.__mro__``; ``super()`` continues after the defining class), so
an inherited method is translated once per class that uses it: its calls to
``self.other()`` may reach different overrides.  Helpers shared by several
classes are translated once.  Definitions are kept in completion order, which
puts every callee before its callers; recursion is refused, so that order
always exists.
"""
from __future__ import annotations

import ast
import types
from collections.abc import Iterable
from dataclasses import dataclass

from pycparser import c_ast

from pycast import runtime
from pycast.affine import AFFINE, FREE, AffineAnalysis
from pycast.cbuild import Comment, function
from pycast.depth import deep_recursion
from pycast.errors import TranslationError
from pycast.names import RESERVED, fresh
from pycast.signature import FieldBinding, Signature, Site
from pycast.source import FunctionSource
from pycast.statements import FunctionTranslator

__all__ = ["Unit", "FieldBinding", "Signature", "Site"]

_MATH_MACROS = {"HUGE_VAL", "NAN"}
_BOOL_NAMES = {"bool", "true", "false"}


@dataclass
class _Entry:
    name: str
    signature: Signature
    written: frozenset
    origin: Comment
    params: list
    body: list
    sites: dict

    def definition(self, static: bool, qualifiers: tuple[str, ...] = ()) -> c_ast.FuncDef:
        return function(self.signature.cname, self.signature.return_type, self.params, self.body,
                        storage=("static",) if static else (),
                        funcspec=("inline", *qualifiers) if static else qualifiers)


def _fail(error, message: str, hint: str | None = None) -> TranslationError:
    """The error for a call site (``error`` builds it) or, without one, for the API call."""
    return error(message, hint) if error is not None else TranslationError(message, hint=hint)


def find_method(cls: type, name: str, after: type | None = None):
    """(defining class, function) for ``name`` looked up on ``cls`` like an instance would."""
    mro = cls.__mro__
    if after is not None:
        mro = mro[mro.index(after) + 1:]
    for klass in mro:
        if name in vars(klass):
            return klass, vars(klass)[name]
    return None, None


@dataclass(frozen=True)
class Translated:
    """One translated function as another back end needs it to re-emit the same
    function (e.g. as Python for numba) with the same signature.

    ``key`` is ``("function", fn)`` or ``("method", cls, fn)``; ``written`` holds
    the field paths the function or its callees assign; ``sites`` maps the
    position ``(lineno, col_offset, end_lineno, end_col_offset)`` of each checked
    operation in the function's parsed source (pycast.source.FunctionSource)
    to its site number.
    """

    key: tuple
    name: str
    signature: Signature
    written: frozenset
    sites: dict


class _Linker:
    """What one function being translated may call and which fields it sees."""

    def __init__(self, unit: Unit, cls: type | None = None, owner: type | None = None,
                 resolve_field=None):
        self.unit = unit
        self.cls = cls
        self.owner = owner
        self.resolve_field = resolve_field

    def function(self, fn, error) -> _Entry:
        return self.unit._function(fn, error)

    def method(self, name: str, via_super: bool, error) -> _Entry:
        owner, fn = find_method(self.cls, name, self.owner if via_super else None)
        where = f"super() in {self.owner.__qualname__}" if via_super else self.cls.__qualname__
        if fn is None:
            raise error(f"{where} has no method '{name}'")
        return self.unit._method(self.cls, owner, fn, name, self.resolve_field, error)

    def field(self, path: tuple[str, ...]) -> FieldBinding:
        return self.resolve_field(path)

    def site(self, src: FunctionSource, node, what: str) -> int:
        return self.unit._site(src, node, what)


class Unit:
    """Translated functions and methods, emitted together with the helpers they need."""

    def __init__(self):
        self._entries: dict[tuple, _Entry] = {}
        self._order: list[_Entry] = []
        self._active: dict[tuple, str] = {}  # functions being translated, outermost first
        self._cnames: set[str] = set()
        self._helpers: set[str] = set()
        self._sites: dict[tuple, Site] = {}     # (code object, node position) -> its site

    def add_function(self, fn) -> Signature:
        """Translate a module-level function (and everything it calls)."""
        return self._function(fn, None).signature

    def add_method(self, cls: type, name: str, resolve_field) -> Signature:
        """Translate method ``name`` as seen on instances of ``cls``.

        ``resolve_field(path)`` returns the FieldBinding of ``self.<path>`` or
        raises LookupError with a message for the user.
        """
        owner, fn = find_method(cls, name)
        if fn is None:
            raise _fail(None, f"{cls.__qualname__} has no method '{name}'")
        return self._method(cls, owner, fn, name, resolve_field, None).signature

    def definitions(self, *, exported: Iterable[Signature] = (),
                    qualifiers: tuple[str, ...] = ()) -> list[c_ast.Node]:
        """Runtime helpers, then every function, callees first, each after a comment
        naming its origin; all ``static inline`` except those in ``exported``,
        which get external linkage (to be called from outside the C file).
        ``qualifiers`` go on every function: ``("__host__", "__device__")`` makes
        the code callable from CUDA kernels (the C stays C99 otherwise)."""
        public = {id(signature) for signature in exported}
        out = runtime.definitions(self._helpers, qualifiers)
        for entry in self._order:
            out.append(entry.origin)
            out.append(entry.definition(static=id(entry.signature) not in public, qualifiers=tuple(qualifiers)))
        return out

    def translated(self) -> list[Translated]:
        """Every translated function and method, callees first."""
        return [Translated(key, e.name, e.signature, e.written, e.sites) for key, e in self._entries.items()]

    def affine(self, signature: Signature, varying, free=()) -> bool:
        """Whether the translated function's return value is affine in the fields whose
        paths are in ``varying``, with coefficients that depend only on its fields
        outside ``varying`` and ``free`` and on its arguments, and an offset that may
        also depend on the ``free`` fields (see :mod:`pycast.affine`; conservative)."""
        varying, free = set(varying), set(free)
        functions = {e.signature.cname: ([p.name for p in e.params], e.body) for e in self._order}
        classes = {f.cname: AFFINE if f.path in varying else FREE
                   for f in signature.fields if f.path in varying | free}
        with deep_recursion():
            return AffineAnalysis(functions).returns(signature.cname, classes) <= AFFINE

    @property
    def sites(self) -> tuple[Site, ...]:
        """The checked operations of every translated function, by number (site ``n``
        is ``sites[n - 1]``): what a ``pycast_fault`` report means (see Signature).
        An inherited method translated for several classes has one site per operation."""
        return tuple(self._sites.values())

    def _site(self, src: FunctionSource, node, what: str) -> int:
        key = (src.fn.__code__, node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
        if key not in self._sites:
            self._sites[key] = Site(len(self._sites) + 1, src.filename, src.lineno(node), src.fn.__qualname__,
                                    ast.unparse(node), what)
        return self._sites[key].number

    @property
    def includes(self) -> list[str]:
        """Headers the definitions need."""
        finder = _HeaderFinder()
        with deep_recursion():
            for node in self.definitions():
                finder.visit(node)
        return sorted(finder.headers)

    # -- translation -------------------------------------------------------------------

    def _function(self, fn, error) -> _Entry:
        if not isinstance(fn, types.FunctionType):
            raise _fail(error, f"{fn!r} is not a Python function")
        if fn.__code__.co_freevars and error is not None:
            raise error(f"{fn.__qualname__} is a closure, which is not supported",
                        "define it at module level and pass values as arguments")
        return self._translate(("function", fn), fn, fn.__name__, fn.__qualname__, error,
                               _Linker(self), is_method=False)

    def _method(self, cls: type, owner: type, fn, name: str, resolve_field, error) -> _Entry:
        if not isinstance(fn, types.FunctionType):
            raise _fail(error, f"{owner.__qualname__}.{name} is a {type(fn).__name__}, not a plain "
                               "method", "only methods defined with def (no staticmethod, "
                                         "classmethod or property) can be translated")
        # super() continues after the class whose body defined the function (its __class__ cell).
        defining = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ())).get("__class__")
        if defining is not None and defining.cell_contents in cls.__mro__:
            owner = defining.cell_contents
        cname = f"{cls.__name__}_{name}"
        if find_method(cls, name)[1] is not fn:
            cname = f"{cls.__name__}_{owner.__name__}_{name}"
        return self._translate(("method", cls, fn), fn, cname, f"{owner.__qualname__}.{name}", error,
                               _Linker(self, cls, owner, resolve_field), is_method=True)

    def _translate(self, key: tuple, fn, base: str, display: str, error, linker: _Linker, *,
                   is_method: bool) -> _Entry:
        entry = self._entries.get(key)
        if entry is not None:
            return entry
        if key in self._active:
            chain = list(self._active.values())[list(self._active).index(key):] + [display]
            raise error(f"recursion is not supported: {' -> '.join(chain)}",
                        "rewrite the recursion as a loop")
        source = FunctionSource(fn)
        cname = fresh(base, self._cnames)
        self._active[key] = display
        try:
            with deep_recursion():
                result = FunctionTranslator(source, linker, is_method=is_method, cname=cname).translate()
        except BaseException:
            self._cnames.discard(cname)
            raise
        finally:
            del self._active[key]
        signature = Signature(cname=cname, return_type=result.return_type, args=result.args,
                              fields=result.fields, fault=result.fault)
        entry = _Entry(display, signature, result.written, source.origin(), result.params, result.body,
                       result.sites)
        self._entries[key] = entry
        self._order.append(entry)
        self._helpers |= result.helpers
        return entry


class _HeaderFinder(c_ast.NodeVisitor):
    def __init__(self):
        self.headers: set[str] = set()

    def visit_FuncCall(self, node: c_ast.FuncCall) -> None:
        if isinstance(node.name, c_ast.ID) and node.name.name in RESERVED \
                and not node.name.name.startswith("pycast_"):
            self.headers.add("math.h")
        self.generic_visit(node)

    def visit_ID(self, node: c_ast.ID) -> None:
        if node.name in _MATH_MACROS:
            self.headers.add("math.h")
        if node.name in _BOOL_NAMES:
            self.headers.add("stdbool.h")

    def visit_IdentifierType(self, node: c_ast.IdentifierType) -> None:
        if "bool" in node.names:
            self.headers.add("stdbool.h")
