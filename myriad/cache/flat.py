"""Flattened models kept on disk by content, so that a second process running
the same model skips flattening.

Flattening (node numbering, elimination program, gathers) takes 0.3 s for a
model of 10^5 compartments and, at its peak, a few times the memory of its
result; the result depends only on the model's content, on the analysed
classes and on the code that flattens.  The key is the SHA-256 of all three:
the generated source, ``Model.fingerprint`` and the source of the flattening
modules (and the elimination's pivot-degree limit).  Entries are pickled
(the cache directory is private, like the compiled libraries beside them),
arrays out of band, written to a temporary name and renamed into place.  A model whose classes
cannot be pickled by name is flattened every time; an entry that fails to
load, or names other classes than the model's, is removed and rebuilt.  Entries
count towards the cache's size cap like the libraries (myriad.cache.store):
loading one marks it used, and storing one evicts the least recently used.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
from pathlib import Path

import numpy as np

from myriad import blocks, elimination
from myriad.atomic import replace_atomic
from myriad import flatten as flattening
from myriad.blocks import Analysis
from myriad.cache import store
from myriad.model import Model

_CODE = hashlib.sha256(b"".join(Path(m.__file__).read_bytes() for m in (flattening, elimination, blocks)))


def _key(model: Model, source: str) -> str:
    h = _CODE.copy()
    h.update(f"{elimination.MAX_PIVOT_DEGREE}\0".encode())
    h.update(source.encode())
    model.fingerprint(h)
    return h.hexdigest()[:32]


def _same_classes(flat: flattening.FlatModel, model: Model) -> bool:
    return set(flat.node_new) == set(model.nodes) and set(flat.mech_index) == set(model.mechanisms)


def flatten(model: Model, analysis: Analysis, source: str, interleave: bool = False) -> flattening.FlatModel:
    """``flatten.flatten(model, analysis, interleave)``, from the cache when this
    model was flattened so before."""
    path = store.cache_dir() / f"flat-{_key(model, source + ('/interleaved' if interleave else ''))}.pickle"
    try:
        flat = _load(path)
        if _same_classes(flat, model):
            _touch(path)
            flattening.release_freed_memory()
            return dataclasses.replace(flat, analysis=analysis)
    except FileNotFoundError:
        pass
    except Exception:       # a damaged or foreign entry: rebuild it
        path.unlink(missing_ok=True)
    flat = flattening.flatten(model, analysis, interleave)
    flattening.release_freed_memory()
    _store(path, dataclasses.replace(flat, analysis=None))
    return flat


def _load(path: Path) -> flattening.FlatModel:
    """Each array is read, then copied into memory numpy allocates: arrays whose
    pages the kernel filled directly (readinto) ran the time loop 10-15% slower on
    these machines (ringtest medium, paired runs); the cause was not found."""
    with open(path, "rb") as handle:
        head = np.fromfile(handle, dtype="<i8", count=2)
        data = handle.read(int(head[0]))
        buffers = []
        for size in np.fromfile(handle, dtype="<i8", count=int(head[1])):
            raw = handle.read(int(size))
            if len(raw) != size:
                raise EOFError(path)
            buffers.append(np.frombuffer(raw, dtype=np.uint8).copy())
    return pickle.loads(data, buffers=buffers)


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:         # evicted meanwhile: it was read whole all the same
        pass


def _store(path: Path, flat: flattening.FlatModel) -> None:
    """The pickle, then the arrays' memory out of band (no copies while writing).
    The temporary is locked until renamed, which tells a sweep of the cache
    that its writer is alive."""
    def write(tmp: str) -> None:
        with open(tmp, "wb") as handle:
            buffers = []
            data = pickle.dumps(flat, protocol=5, buffer_callback=buffers.append)
            raws = [b.raw() for b in buffers]
            np.array([len(data), len(raws)], dtype="<i8").tofile(handle)
            handle.write(data)
            np.array([r.nbytes for r in raws], dtype="<i8").tofile(handle)
            for raw in raws:
                handle.write(raw)

    try:
        replace_atomic(path, write, temp_prefix=f"{path.stem}.", private=True, lock=True)
    except (pickle.PicklingError, AttributeError, TypeError, OSError):
        return      # classes not importable by name, or a full disk
    store.sweep(path.parent, keep=path.stem)
