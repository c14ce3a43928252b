"""The contract between a translated function and the code that calls it.

Kept apart from :mod:`pycast.unit` so that the expression and statement
translators can describe callees without importing the unit that drives them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class FieldBinding(NamedTuple):
    """How one ``self.<path>`` attribute reaches the C function: a parameter.

    ``writable`` bindings are passed as ``ctype *cname`` so the function can
    assign the field; read-only ones are passed by value.
    """

    path: tuple[str, ...]
    cname: str
    ctype: str
    writable: bool = False


@dataclass
class Signature:
    """C name and parameter list of a translated function or method.

    The C parameters are ``args`` in order, then one per entry of ``fields``,
    then, if ``fault``, ``int *pycast_fault``: the function (or a callee) has
    an operation Python would raise on, such as an int ``//`` or ``%`` by
    zero.  C cannot raise, so such an operation stores the number of its
    :class:`Site` in ``*pycast_fault`` (unless a number is there already: the
    first one wins), gives 0 and carries on; the caller sets ``*pycast_fault``
    to 0 before the call and looks at it after.
    """

    cname: str
    return_type: str
    args: list[tuple[str, str]]
    fields: list[FieldBinding] = field(default_factory=list)
    fault: bool = False


class Site(NamedTuple):
    """An operation that reports through ``pycast_fault`` (see :class:`Signature`):
    ``number`` (from 1), where it is (``filename``, ``lineno``), the function
    it is in (``function``, as ``Class.method`` or ``function``), its source
    text and ``what`` goes wrong there (``integer division by zero``)."""

    number: int
    filename: str
    lineno: int
    function: str
    text: str
    what: str
