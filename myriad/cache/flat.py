"""Flattened models kept on disk by content, so that a second process running
the same model skips flattening.

Flattening (node numbering, elimination program, gathers) takes 0.3 s for a
model of 10^5 compartments and, at its peak, a few times the memory of its
result; the result depends only on the model's content, on the analysed
classes and on the code that flattens.  The key is the SHA-256 of all three:
the generated source, ``Model.fingerprint`` with the classes' declared
defaults (which fill the values a model leaves out) and the source of the
flattening modules (and the elimination's pivot-degree limit, and this file's
format).

An entry ``flat-KEY.npz`` is a sealed npz (myriad.cache.sealed): the
FlatModel's arrays as ``.npy`` members, everything else (sizes, dicts keyed by
class, tuples, field names) as JSON, and the SHA-256 of the file in its
archive comment.  Loading checks that hash before anything in the file is
used, as libraries are checked (myriad.cache.libraries), and unpickles
nothing; classes are written by name (``module.qualname``) and bound on load
to the model's own classes of that name.  A damaged entry, or one naming
classes other than the model's, is removed and rebuilt.  A model whose
classes are not reachable by their name (defined in a function), or two of
whose classes share one, is flattened every time.  Entries are written to a
temporary name and renamed into place, and count towards the cache's size
cap like the libraries (myriad.cache.store): loading one marks it used, and
storing one evicts the least recently used.  Entries of the earlier pickle
format (``flat-KEY.pickle``) are never read; they are evicted or cleared like
any other entry.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

from myriad import blocks, elimination
from myriad.atomic import replace_atomic
from myriad import flatten as flattening
from myriad.blocks import Analysis
from myriad.cache import sealed, store
from myriad.elimination import Program
from myriad.model import Model

#: the entries' format, part of the key: a change of format never meets an older entry
FORMAT = "myriad-flat-npz-1"
_CODE = hashlib.sha256(b"".join(Path(m.__file__).read_bytes() for m in (flattening, elimination, blocks)))
_FIELDS = [f.name for f in dataclasses.fields(flattening.FlatModel) if f.name != "analysis"]
_PROGRAM = [f.name for f in dataclasses.fields(Program)]


def _key(model: Model, source: str) -> str:
    h = _CODE.copy()
    h.update(f"{FORMAT}\0{elimination.MAX_PIVOT_DEGREE}\0".encode())
    h.update(source.encode())
    model.fingerprint(h)
    h.update(_defaults(model).encode())
    return h.hexdigest()[:32]


def _defaults(model: Model) -> str:
    """The declared defaults of the model's classes: the fingerprint holds only
    the values given (a value equal to its default is stored as the default),
    and neither the generated source nor the columns change with a default."""
    parts = []
    for cls in [*model.nodes, *model.mechanisms]:
        for kind in ("potentials", "params", "states"):
            fields = getattr(cls, kind, None)
            if fields is not None:
                parts += [f"{cls.__module__}.{cls.__qualname__}.{name}={field.default!r}"
                          for name, field in fields().items()]
    return "\n".join(parts)


def _names(model: Model) -> dict[type, str] | None:
    """Each of the model's classes by its name, ``module.qualname``; None when one
    is not reachable by its name or two share one."""
    names = {}
    for cls in [*model.node_classes, *model.nodes, *model.mechanisms]:
        name = f"{cls.__module__}.{cls.__qualname__}"
        found = sys.modules.get(cls.__module__)
        for part in cls.__qualname__.split("."):
            found = getattr(found, part, None)
        if found is not cls:
            return None
        names[cls] = name
    return names if len(set(names.values())) == len(names) else None


def _same_classes(flat: flattening.FlatModel, model: Model) -> bool:
    return set(flat.node_new) == set(model.nodes) and set(flat.mech_index) == set(model.mechanisms)


def flatten(model: Model, analysis: Analysis, source: str, interleave: bool = False) -> flattening.FlatModel:
    """``flatten.flatten(model, analysis, interleave)``, from the cache when this
    model was flattened so before."""
    names = _names(model)
    if names is None:
        return flattening.flatten(model, analysis, interleave)
    path = store.cache_dir() / f"flat-{_key(model, source + ('/interleaved' if interleave else ''))}.npz"
    try:
        flat = _load(path, {name: cls for cls, name in names.items()})
        if _same_classes(flat, model):
            _touch(path)
            flattening.release_freed_memory()
            return dataclasses.replace(flat, analysis=analysis)
        path.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    except Exception:       # damaged (its hash differs) or foreign: rebuild it
        path.unlink(missing_ok=True)
    flat = flattening.flatten(model, analysis, interleave)
    flattening.release_freed_memory()
    _store(path, flat, names)
    return flat


# --- the FlatModel as JSON and arrays -------------------------------------------------

class _Encoder:
    """A FlatModel's fields as JSON, its arrays aside.  JSON objects are tagged
    values (one key): {"array": k}, {"tuple": [...]}, {"dict": [[key, value], ...]},
    {"class": name}, {"blocks": [keys, code]} (flatten._BlockOf), {"program": {...}}.
    An array held in two places is written once and comes back shared."""

    def __init__(self, names: dict[type, str]):
        self.names, self.arrays, self.index = names, [], {}

    def value(self, x):
        kind = type(x)
        if x is None or kind in (bool, int, float, str):
            return x
        if kind is np.ndarray:
            if x.dtype.hasobject:
                raise TypeError("an array of objects")
            if id(x) not in self.index:
                self.index[id(x)] = len(self.arrays)
                self.arrays.append(x)
            return {"array": self.index[id(x)]}
        if kind is list:
            return [self.value(v) for v in x]
        if kind is tuple:
            return {"tuple": [self.value(v) for v in x]}
        if kind is dict:
            return {"dict": [[self.value(k), self.value(v)] for k, v in x.items()]}
        if isinstance(x, type) and x in self.names:
            return {"class": self.names[x]}
        if kind is flattening._BlockOf:
            return {"blocks": [self.value(x.keys), self.value(x.code)]}
        if kind is Program:
            return {"program": {name: self.value(getattr(x, name)) for name in _PROGRAM}}
        raise TypeError(f"cannot store a {kind.__name__} in a flattened model's entry")


class _Decoder:
    def __init__(self, classes: dict[str, type], arrays: list[np.ndarray]):
        self.classes, self.arrays = classes, arrays

    def value(self, x):
        if x is None or type(x) in (bool, int, float, str):
            return x
        if type(x) is list:
            return [self.value(v) for v in x]
        if type(x) is not dict or len(x) != 1:
            raise ValueError(f"not a tagged value: {x!r:.80}")
        (tag, body), = x.items()
        if tag == "array":
            return self.arrays[body]
        if tag == "tuple":
            return tuple(self.value(v) for v in body)
        if tag == "dict":
            return {self.value(k): self.value(v) for k, v in body}
        if tag == "class":
            return self.classes[body]
        if tag == "blocks":
            keys, code = body
            return flattening._BlockOf(self.value(keys), self.value(code))
        if tag == "program":
            if sorted(body) != sorted(_PROGRAM):
                raise ValueError("not a Program")
            return Program(**{name: self.value(v) for name, v in body.items()})
        raise ValueError(f"unknown tag {tag!r}")


def _load(path: Path, classes: dict[str, type]) -> flattening.FlatModel:
    """The entry at ``path``, its hash checked, its classes bound to ``classes``
    (by name).  Each array is read, then copied into memory numpy allocates:
    arrays whose pages the kernel filled directly (readinto) ran the time loop
    10-15% slower on these machines (ringtest medium, paired runs); the cause was
    not found.  The hash is the price of the check: ringtest medium's 29 MB hash
    in about 17 ms on an idle core (SHA-NI), about what the reads and copies take."""
    meta, arrays = sealed.read(path)
    if meta.get("format") != FORMAT or sorted(meta.get("flat", ())) != sorted(_FIELDS):
        raise ValueError(f"{path} is not a flattened model of format {FORMAT}")
    decode = _Decoder(classes, arrays).value
    return flattening.FlatModel(analysis=None, **{name: decode(v) for name, v in meta["flat"].items()})


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:         # evicted meanwhile: it was read whole all the same
        pass


def _store(path: Path, flat: flattening.FlatModel, names: dict[type, str]) -> None:
    """The JSON and the arrays, sealed (myriad.cache.sealed).  The temporary is
    locked until renamed, which tells a sweep of the cache that its writer is alive."""
    try:
        encode = _Encoder(names)
        meta = {"format": FORMAT, "flat": {name: encode.value(getattr(flat, name)) for name in _FIELDS}}
    except TypeError:
        return      # something this format does not hold: flattened every time
    try:
        replace_atomic(path, lambda tmp: sealed.write(tmp, meta, encode.arrays), temp_prefix=f"{path.stem}.",
                       private=True, lock=True)
    except OSError:
        return      # a full disk
    store.sweep(path.parent, keep=path.stem)
