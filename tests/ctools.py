"""Compile generated C into a shared library and call it through ctypes (test support).

Used by the pycast differential tests: every translated function is run both
as Python and as C on the same inputs.
"""
from __future__ import annotations

import ctypes
import hashlib
import math
import os
import subprocess
import tempfile

from pycparser import c_ast

from pycast import Unit, translate
from pycast.cbuild import render

CTYPES = {"double": ctypes.c_double, "int": ctypes.c_int, "bool": ctypes.c_bool, "void": None}
# Warnings are errors, except for locals the Python code itself assigns and never reads.
CFLAGS = ["-O2", "-shared", "-fPIC", "-std=c99", "-Wall", "-Werror", "-Wno-unused-but-set-variable"]

_BUILD_DIR = tempfile.mkdtemp(prefix="pycast-tests-")
_LIBRARIES: dict[str, ctypes.CDLL] = {}


def build(source: str) -> ctypes.CDLL:
    """The shared library compiled from ``source`` (cached by content)."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    if digest not in _LIBRARIES:
        c_path = os.path.join(_BUILD_DIR, digest + ".c")
        so_path = os.path.join(_BUILD_DIR, digest + ".so")
        with open(c_path, "w") as handle:
            handle.write(source)
        result = subprocess.run(["gcc", *CFLAGS, c_path, "-o", so_path, "-lm"],
                                capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise AssertionError(f"gcc failed:\n{result.stderr}\n--- source ---\n{source}")
        _LIBRARIES[digest] = ctypes.CDLL(so_path)
    return _LIBRARIES[digest]


class FailedCheck(ZeroDivisionError):
    """The C function reported a failed check through ``pycast_fault``; ``site`` is its number."""

    def __init__(self, site: int):
        super().__init__(f"the C function reported site {site}")
        self.site = site


def bind(lib: ctypes.CDLL, signature):
    """The ctypes function for ``signature`` (fields after the explicit args).  A function
    that takes ``pycast_fault`` is called with a fresh cell, and raises FailedCheck when
    the cell comes back non-zero, as Python raises ZeroDivisionError."""
    function = getattr(lib, signature.cname)
    function.restype = CTYPES[signature.return_type]
    argtypes = [CTYPES[ctype] for _, ctype in signature.args]
    for binding in signature.fields:
        ctype = CTYPES[binding.ctype]
        argtypes.append(ctypes.POINTER(ctype) if binding.writable else ctype)
    if not signature.fault:
        function.argtypes = argtypes
        return function
    function.argtypes = argtypes + [ctypes.POINTER(ctypes.c_int)]

    def checked(*args):
        fault = ctypes.c_int(0)
        result = function(*args, ctypes.byref(fault))
        if fault.value:
            raise FailedCheck(fault.value)
        return result
    return checked


_FUNCTIONS = {}


def compile_function(fn):
    """``fn`` translated with :func:`pycast.translate`, compiled, callable from Python."""
    if fn not in _FUNCTIONS:
        _FUNCTIONS[fn] = bind(build(translate(fn)), Unit().add_function(fn))
    return _FUNCTIONS[fn]


def compile_unit(unit: Unit, signatures) -> ctypes.CDLL:
    """The unit's definitions compiled with ``signatures`` exported."""
    text = "".join(f"#include <{header}>\n" for header in ["math.h", "stdbool.h"])
    return build(text + render(c_ast.FileAST(unit.definitions(exported=signatures))))


def call_method(lib, signature, obj, *args):
    """Call the C translation of a method on the fields of ``obj``.

    Returns (result, {path: value of each writable field afterwards}) and does
    not modify ``obj``.
    """
    cells, values = {}, []
    for binding in signature.fields:
        current = obj
        for part in binding.path:
            current = getattr(current, part)
        if binding.writable:
            cells[binding.path] = CTYPES[binding.ctype](current)
            values.append(ctypes.byref(cells[binding.path]))
        else:
            values.append(current)
    result = bind(lib, signature)(*args, *values)
    return result, {path: cell.value for path, cell in cells.items()}


def same(expected, actual, rel: float = 0.0) -> bool:
    """Python result vs C result: ints/bools exactly, floats exactly (sign of zero
    and NaN included) or within ``rel``."""
    if isinstance(expected, bool) or isinstance(expected, int) and not isinstance(actual, float):
        return expected == actual
    expected, actual = float(expected), float(actual)
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    if rel == 0.0 or math.isinf(expected):
        return expected == actual and math.copysign(1, expected) == math.copysign(1, actual)
    return math.isclose(expected, actual, rel_tol=rel, abs_tol=1e-300)
