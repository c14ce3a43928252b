"""C scalar types of the subset and the rules that keep them faithful to Python.

Python has three scalar kinds here: bool, int and float (C ``bool``, ``int``,
``double``).  Python mixes them by widening bool -> int -> float, exactly as C's
usual arithmetic conversions do, so widening is allowed everywhere a value is
combined, stored or passed.  Narrowing is never implicit: storing a float in an
int would truncate in C where Python would keep the float, so it is refused.
"""
from __future__ import annotations

BOOL = "bool"
INT = "int"
DOUBLE = "double"
VOID = "void"

INT_MIN = -(2 ** 31)
INT_MAX = 2 ** 31 - 1

_RANK = {BOOL: 0, INT: 1, DOUBLE: 2}
_FROM_PYTHON = {"bool": BOOL, "int": INT, "float": DOUBLE}
_TO_PYTHON = {BOOL: "bool", INT: "int", DOUBLE: "float", VOID: "None"}


def from_annotation(name: str) -> str | None:
    """C type for a Python annotation name (``int``, ``float``, ``bool``), else None."""
    return _FROM_PYTHON.get(name)


def python_name(ctype: str) -> str:
    """How a C type is called in Python, for messages."""
    return _TO_PYTHON[ctype]


def arithmetic(left: str, right: str) -> str:
    """Result type of ``+ - * // %`` in Python: bools count as ints, floats win."""
    return DOUBLE if DOUBLE in (left, right) else INT


def join(left: str, right: str) -> str:
    """Common type of two values that may each be the result (``a if c else b``, min)."""
    return left if left == right else arithmetic(left, right)


def widens(source: str, target: str) -> bool:
    """Whether a ``source`` value can be stored as ``target`` without changing it."""
    return _RANK[source] <= _RANK[target]


def fits_int(value: int) -> bool:
    """Whether a Python int is a C int literal (INT_MIN has no literal, so it is excluded)."""
    return INT_MIN < value <= INT_MAX
