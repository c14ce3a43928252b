"""Checkpoints: the state at the end of a run, kept so that a later run
continues it exactly (bitwise the run that never stopped).

A checkpoint holds the states, the event queues and detectors, the linear
trees' rows that the implicit methods carry between steps (and Crank-Nicolson's
middle values of algebraic unknowns), and the step reached;
its key binds it to the generated code, the model, the method, dt and the
layout of the states (the cuda backend interleaves cells), so that a
checkpoint of another simulation is refused instead of scrambling this one.

A checkpoint file is read as untrusted input: the solver indexes its arrays
with what the file holds (``src_buf[off + count % cap]``, a cursor up to its
source's count), so a damaged or edited file would make it read and write
outside them.  Before anything is copied into a run's context, every field's
dtype and shape must be the context's and its values ones the solver can
reach (:data:`RULES`, derived from csolver/solver.c); anything else, and any
file that cannot be read, is a ModelError of one line naming the file and
the field.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from myriad import npz
from myriad.abi import Context
from myriad.atomic import replace_atomic
from myriad.context import IMPLICIT, METHODS
from myriad.errors import ModelError
from myriad.model import Model

#: what a checkpoint holds besides the step and the key, in the order they are
#: checked (con_cursor's rule reads src_count, checked before it)
ARRAYS = ("Y", "det_above", "det_vprev", "src_buf", "src_count", "con_cursor", "diag", "rhs", "dz")


@dataclass(frozen=True)
class State:
    """A checkpoint as read and checked: its file, the step it reached, its arrays."""

    path: str
    step: int
    arrays: dict[str, np.ndarray]


# --- the rules --------------------------------------------------------------------------
# Every array must have the dtype and shape of the context's array of the same
# name (abi.Context pads an empty array to one element: the padding must be the
# context's, zero); its first ``size`` entries, those the solver reads, must
# satisfy its rule.  Why each rule (csolver/solver.c):
#  * det_above: myr_detect treats it as a flag, set to 0 or 1.
#  * src_count: a detector's source counts its spikes, myr_detect writing each at
#    src_buf[off + count % cap] and incrementing it; a detector crosses its
#    threshold at most once a step, so from step 0 a source of k detectors has
#    counted at most k * step (a negative count writes before src_buf).  Nothing
#    changes a generator's count: its number of times (cap), as the model has it.
#  * con_cursor: the events connection q has delivered from its source; it only
#    advances while below its source's count (or jumps to count - cap when events
#    are lost), so it lies in [0, count]; a negative one reads before src_buf.
#  * src_buf: nothing writes a generator's times: the model's, exactly; a detector's
#    entries are 0 (never written) or spike times t + frac * dt of steps before
#    ``step``, so within [0, (step + 1) * dt].
#  * Y, det_vprev, diag, rhs: finite (a run that ended on a NaN or Inf is not
#    continued); diag and rhs only for backward Euler and Crank-Nicolson (rk4 has none).
#  * dz: finite: Crank-Nicolson's middle values of algebraic unknowns (rk4's projections,
#    which it recomputes before use; backward Euler has none).

def _n_con(ctx: Context) -> int:
    """Connections the solver reads: q < tgt_ptr[n_tgt] (myr_deliver_events)."""
    return int(ctx.array("tgt_ptr")[ctx.c.n_tgt])


def _n_euler(ctx: Context) -> int:
    return int(ctx.c.n_unknowns) if ctx.c.method in (METHODS[m] for m in IMPLICIT) else 0


def _n_dz(ctx: Context) -> int:
    return int(ctx.c.n_unknowns) if ctx.c.method != METHODS["backward_euler"] else 0


def _detectors(ctx: Context) -> np.ndarray:
    """The number of detectors of each source."""
    n_src = int(ctx.c.n_src)
    return np.bincount(ctx.array("det_src")[:ctx.c.n_det], minlength=n_src)[:n_src]


def _not_finite(values, arrays, ctx, step):
    return ~np.isfinite(values)


def _not_flag(values, arrays, ctx, step):
    return (values != 0) & (values != 1)


def _bad_count(count, arrays, ctx, step):
    detectors = _detectors(ctx)
    generator_count = ctx.array("src_count")[:len(count)]
    return np.where(detectors > 0, (count < 0) | (count > step * detectors), count != generator_count)


def _bad_buffer(buf, arrays, ctx, step):
    n_src = int(ctx.c.n_src)
    owner = np.repeat(np.arange(n_src), ctx.array("src_cap")[:n_src])
    detector = _detectors(ctx)[owner] > 0
    spike_time = (buf >= 0.0) & (buf <= (step + 1) * ctx.c.dt)        # NaN is neither
    return np.where(detector, ~spike_time, buf != ctx.array("src_buf")[:len(buf)])


def _bad_cursor(cursor, arrays, ctx, step):
    count = arrays["src_count"][ctx.array("con_src")[:len(cursor)]]
    return (cursor < 0) | (cursor > count)


@dataclass(frozen=True)
class Rule:
    """What the entries of a field that the solver reads must be: ``what`` as an
    error states it, ``size`` how many entries the solver reads, ``bad`` a mask
    of the entries that break the rule, given (entries, all arrays, context, step)."""

    what: str
    size: Callable[[Context], int]
    bad: Callable[[np.ndarray, dict, Context, int], np.ndarray]


#: besides "step" (an int64 scalar from 0 to MAX_STEPS) and "key" (a string)
RULES = {
    "Y": Rule("finite", lambda ctx: int(ctx.c.n_y), _not_finite),
    "det_above": Rule("0 or 1", lambda ctx: int(ctx.c.n_det), _not_flag),
    "det_vprev": Rule("finite", lambda ctx: int(ctx.c.n_det), _not_finite),
    "src_buf": Rule("a generator's times as the model has them, or a detector's spike times from 0 to "
                    "(step + 1) * dt", lambda ctx: int(ctx.array("src_cap")[:ctx.c.n_src].sum()), _bad_buffer),
    "src_count": Rule("a generator's number of times, or from 0 to step * (its number of detectors) for a "
                      "detector's source", lambda ctx: int(ctx.c.n_src), _bad_count),
    "con_cursor": Rule("from 0 to the src_count of its connection's source", _n_con, _bad_cursor),
    "diag": Rule("finite", _n_euler, _not_finite),
    "rhs": Rule("finite", _n_euler, _not_finite),
    "dz": Rule("finite", _n_dz, _not_finite),
}
assert tuple(RULES) == ARRAYS


def _check_arrays(path, arrays: dict, step: int, ctx: Context) -> None:
    """Refuse ``arrays`` unless each has the dtype and shape of ``ctx``'s and obeys its rule."""
    for name, rule in RULES.items():
        value, expected = arrays[name], ctx.array(name)
        if value.dtype != expected.dtype or value.shape != expected.shape:
            raise ModelError(f"load_state: {path}: field '{name}' must be {expected.dtype} of shape "
                             f"{expected.shape} (this simulation's), got {value.dtype} of shape {value.shape}")
        n = rule.size(ctx)
        if (value[n:] != expected[n:]).any():
            raise ModelError(f"load_state: {path}: field '{name}' must be 0 past its first {n} entries (padding)")
        bad = rule.bad(value[:n], arrays, ctx, step)
        if bad.any():
            i = int(np.argmax(bad))
            raise ModelError(f"load_state: {path}: field '{name}' must be {rule.what} (step = {step}); "
                             f"entry {i} is {value[i].item()!r}")


def _check_step(path, value: np.ndarray, max_steps: int) -> int:
    if value.dtype != np.int64 or value.shape != ():
        raise ModelError(f"load_state: {path}: field 'step' must be an int64 scalar, "
                         f"got {value.dtype} of shape {value.shape}")
    step = int(value)
    if not 0 <= step <= max_steps:
        raise ModelError(f"load_state: {path}: field 'step' must be from 0 to {max_steps:.0e}, got {step}")
    return step


# --- files ------------------------------------------------------------------------------

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


def load(path, key: str, method: str, dt: float, layout: str, template: Context, max_steps: int) -> State:
    """The state ``save`` wrote, refused unless it has ``key`` and every field
    fits ``template`` (a context of the simulation that will continue it) and
    its rule; a step from 0 to ``max_steps``."""
    state = npz.read(path, f"load_state: cannot read {path}")
    missing = [name for name in ("step", "key", *ARRAYS) if name not in state]
    if missing:
        raise ModelError(f"load_state: {path} is not a Myriad checkpoint (it lacks {', '.join(missing)})")
    saved_key = state["key"]
    if saved_key.dtype.kind != "U" or saved_key.shape != ():
        raise ModelError(f"load_state: {path}: field 'key' must be a string, "
                         f"got {saved_key.dtype} of shape {saved_key.shape}")
    if str(saved_key) != key:
        raise ModelError(f"load_state: {path} was saved from another model, method or dt (or with the "
                         f"other layout of the states: openmp and numba store cells one after another, "
                         f"cuda interleaves them); this simulation: {method}, dt = {dt} ms, "
                         f"{layout} layout")
    step = _check_step(path, state["step"], max_steps)
    arrays = {name: state[name] for name in ARRAYS}
    _check_arrays(path, arrays, step, template)
    return State(str(path), step, arrays)


def restore(ctx: Context, state: State, method: str) -> None:
    """Put ``state`` into a run's context: the run continues it instead of
    initialising.  Checked again against this context before anything is copied."""
    _check_arrays(state.path, state.arrays, state.step, ctx)
    for name in ARRAYS:
        ctx.array(name)[:] = state.arrays[name]
    ctx.c.do_init, ctx.c.resume = 0, int(method in IMPLICIT)
