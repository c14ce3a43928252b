"""pycast: translate a documented subset of Python (scalar numeric code) to C99.

``translate(fn)`` gives a complete C file for one function; :class:`Unit`
collects many functions and methods into one translation unit for a larger
code generator.  pycast refuses, with a :class:`TranslationError` naming the
file, line and construct, anything it cannot translate with Python's meaning.
"""
from __future__ import annotations

from pycparser import c_ast

from pycast.cbuild import render
from pycast.errors import TranslationError
from pycast.unit import FieldBinding, Signature, Site, Translated, Unit, find_method

__all__ = ["translate", "TranslationError", "Unit", "FieldBinding", "Signature", "Site", "Translated",
           "find_method"]

_HEADERS = ("math.h", "stdbool.h", "stdint.h")


def translate(fn) -> str:
    """A self-contained C99 file defining ``fn`` (external linkage, same name) and its helpers."""
    unit = Unit()
    signature = unit.add_function(fn)
    if signature.cname != fn.__name__:
        code = fn.__code__
        raise TranslationError(f"the name {fn.__name__!r} cannot be used for a C function",
                               filename=code.co_filename, lineno=code.co_firstlineno,
                               hint="it is a C keyword or a C library name; rename the function")
    includes = "".join(f"#include <{header}>\n" for header in _HEADERS)
    return includes + "\n" + render(c_ast.FileAST(unit.definitions(exported=[signature])))
