"""Checkpoints: the state at the end of a run, kept so that a later run
continues it exactly (bitwise the run that never stopped).

A checkpoint holds the states, the event queues and detectors, the linear
trees' rows that backward Euler carries between steps, and the step reached;
its key binds it to the generated code, the model, the method, dt and the
layout of the states (the cuda backend interleaves cells), so that a
checkpoint of another simulation is refused instead of scrambling this one.
"""
from __future__ import annotations

import hashlib

import numpy as np

from myriad.abi import Context
from myriad.errors import ModelError
from myriad.model import Model
from myriad.atomic import replace_atomic

#: what a checkpoint holds besides the step
ARRAYS = ("Y", "det_above", "det_vprev", "src_buf", "src_count", "con_cursor", "diag", "rhs")


def key(c_source: str, model: Model, method: str, dt: float, layout: str) -> str:
    h = hashlib.sha256(c_source.encode())
    model.fingerprint(h)
    h.update(f"{method}:{dt!r}:{layout}".encode())
    return h.hexdigest()


def save(path, ctx: Context, step: int, key: str) -> None:
    """Write the context's state at ``step`` to ``path`` (.npz, atomically)."""
    arrays = {name: ctx.array(name) for name in ARRAYS}

    def write(tmp):
        with open(tmp, "wb") as handle:
            np.savez(handle, step=np.int64(step), key=np.array(key), **arrays)
    replace_atomic(path, write)


def load(path, key: str, method: str, dt: float, layout: str) -> dict:
    """The state ``save`` wrote, refused unless it has ``key``."""
    try:
        with np.load(path, allow_pickle=False) as data:
            state = {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise ModelError(f"load_state: cannot read {path}: {exc}") from None
    missing = [name for name in ("step", "key", *ARRAYS) if name not in state]
    if missing:
        raise ModelError(f"load_state: {path} is not a Myriad checkpoint (it lacks {', '.join(missing)})")
    if str(state["key"]) != key:
        raise ModelError(f"load_state: {path} was saved from another model, method or dt (or with the "
                         f"other layout of the states: openmp and numba store cells one after another, "
                         f"cuda interleaves them); this simulation: {method}, dt = {dt} ms, "
                         f"{layout} layout")
    return state


def restore(ctx: Context, state: dict, method: str) -> None:
    """Put ``state`` into a run's context: the run continues it instead of initialising."""
    for name in ARRAYS:
        ctx.array(name)[:] = state[name]
    ctx.c.do_init, ctx.c.resume = 0, int(method == "backward_euler")
