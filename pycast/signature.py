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

    The C parameters are ``args`` in order, then one per entry of ``fields``.
    """

    cname: str
    return_type: str
    args: list[tuple[str, str]]
    fields: list[FieldBinding] = field(default_factory=list)
