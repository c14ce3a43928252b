"""The backends: name -> :class:`~myriad.backends.base.Backend`, behind one registry.

``openmp`` (C with OpenMP threads, the default), ``numba`` (one thread, no C
compiler) and ``cuda`` (one kernel on an NVIDIA GPU) are registered by module
path and imported when first asked for, so that a user of one never pays
for importing another.  A fourth backend registers itself with
:func:`register` and is then accepted everywhere a backend is named
(``Simulation(backend=...)``, ``Batch``, searches, every CLI's ``--backend``
once added to its choices).
"""
from __future__ import annotations

import importlib

from myriad.backends.base import Backend, Engine
from myriad.errors import ModelError

_REGISTRY: dict[str, str | type[Backend]] = {
    "openmp": "myriad.backends.openmp:OpenMP",
    "numba": "myriad.backends.numba:Numba",
    "cuda": "myriad.backends.cuda:Cuda",
}

__all__ = ["Backend", "Engine", "get", "names", "register"]


def register(name: str, backend: str | type[Backend]) -> None:
    """Make ``backend`` (a Backend subclass, or ``"module:Class"`` imported when first used) known as ``name``."""
    _REGISTRY[name] = backend


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get(name: str) -> Backend:
    """A new instance of the backend registered as ``name``."""
    try:
        entry = _REGISTRY[name]
    except (KeyError, TypeError):
        raise ModelError(f"backend must be one of {', '.join(_REGISTRY)}, got {name!r}") from None
    if isinstance(entry, str):
        module, _, cls = entry.partition(":")
        entry = _REGISTRY[name] = getattr(importlib.import_module(module), cls)
    return entry()
