"""Simulation: a model translated, compiled once, and run as often as wanted.

Parameters and initial values live in numpy arrays that the compiled code
reads at run time, so changing them between runs never recompiles.  One call
into the backend runs the whole simulation; Python never runs inside the
time loop.  This module is the user's interface; the solver context
(myriad.context), the backends (myriad.backends), results (myriad.result),
what a failed run raises (myriad.status) and checkpoints (myriad.checkpoint)
live in their own modules.
"""
from __future__ import annotations

import math
import time

import numpy as np

from myriad import backends, checkpoint, faults, interrupt
from myriad import context as run_context
from myriad.abi import Status
from myriad.backends.c.codegen import generate
from myriad.blocks import analyse
from myriad.cache import flat as flat_cache
from myriad.context import METHODS, Record
from myriad.declarations import REQUIREMENTS
from myriad.errors import ModelError
from myriad.flatten import mech_location, validate_rk4
from myriad.model import MechRef, Model, NodeRef, declared_fields
from myriad.progress import RunProgress
from myriad.refs import MechRefs, NodeRefs
from myriad.result import Result, assemble
from myriad.status import division_by_zero, interrupted, non_finite, raise_for_status, steps_done

__all__ = ["MAX_STEPS", "MAX_THREADS", "Result", "Simulation", "check_required", "steps"]

#: |z| on the negative real axis where RK4's amplification reaches 1
RK4_STABILITY = 2.785
#: more threads than this only oversubscribe any machine's cores, and tens of
#: thousands exhaust the system's thread limit (OpenMP then aborts the process)
MAX_THREADS = 1024
#: more steps than a run may have: none that long would end, and far larger
#: counts overflow the arrays a run allocates
MAX_STEPS = 10 ** 10


def steps(tstop: float, dt: float) -> int:
    """The number of steps of ``dt`` from 0 to ``tstop`` (ms).  A run ends on a
    whole step, so a ``tstop`` that is not one (1 ms at dt 0.3) is refused,
    naming the nearest that are, rather than run short or long without a word."""
    if not (isinstance(tstop, (int, float)) and math.isfinite(tstop) and tstop >= 0):
        raise ModelError(f"tstop must be a finite number >= 0 ms, got {tstop!r}")
    count = tstop / dt
    if count > MAX_STEPS:
        raise ModelError(f"tstop {tstop:g} ms at dt {dt:g} ms is {count:.3g} steps; "
                         f"at most {MAX_STEPS:.0e} are allowed")
    whole = round(count)
    if abs(count - whole) > 1e-9 * max(1.0, count):
        below, above = math.floor(count) * dt, math.ceil(count) * dt
        raise ModelError(f"tstop {tstop:g} ms is {count:.6g} steps of dt {dt:g} ms; a run ends on a whole step: "
                         f"use tstop {below:.10g} or {above:.10g} ms, or a dt that divides it")
    return int(whole)


def check_required(ref, name: str, values) -> None:
    """Refuse values that ``name``'s declared ``require`` rules out (as building the model would)."""
    field = declared_fields(ref.cls).get(name)
    if field is None or not field.require:
        return
    values = np.atleast_1d(np.asarray(values, dtype=np.float64))
    bad = ~REQUIREMENTS[field.require](values)
    if bad.any():
        raise ModelError(f"{ref.cls.__name__}[{ref.index}].{name} must be {field.require}, "
                         f"got {float(values[np.argmax(bad)])!r}")


class Simulation:
    """A model with an integrator, a step and a thread count; ``run`` as often as wanted."""

    def __init__(self, model: Model, *, method: str = "backward_euler", dt: float = 0.025,
                 threads: int = 1, backend: str = "openmp", check_stability: bool = True,
                 progress: bool | None = None):
        """``method``: ``backward_euler``, ``crank_nicolson`` or ``rk4`` (docs/methods.md says
        which to choose).  ``backend`` is a name in myriad.backends' registry: ``openmp``
        (``threads`` CPU threads), ``numba`` (one thread, no C compiler) or
        ``cuda`` (the whole run in one kernel on the GPU; compiling needs nvcc,
        running a GPU; see docs/cuda.md); ``check_stability`` False skips rk4's
        stability check (for studying blow-ups); ``progress`` draws a bar during
        runs longer than 2 s (None: when stderr is a terminal; openmp only)."""
        if method not in METHODS:
            raise ModelError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        self._backend = backends.get(backend)
        if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
            raise ModelError(f"dt must be a positive number of ms, got {dt!r}")
        if not (isinstance(threads, int) and 1 <= threads <= MAX_THREADS):
            raise ModelError(f"threads must be an integer from 1 to {MAX_THREADS}, got {threads!r}")
        if progress not in (None, True, False):
            raise ModelError(f"progress must be True, False or None (when stderr is a terminal), got {progress!r}")
        if not model.nodes:
            raise ModelError("the model has no nodes")
        self.model, self.method, self.dt, self.threads = model, method, float(dt), threads
        self.backend, self.check_stability, self.progress = backend, check_stability, progress
        self._resume: checkpoint.State | None = None
        start = time.perf_counter()
        self.analysis = analyse(model)
        self._c_source = generate(self.analysis)      # also the flat cache's key for the classes
        self.flat = flat_cache.flatten(model, self.analysis, self._c_source, interleave=self._backend.interleave)
        self.P, self.Y0 = self.flat.P, self.flat.Y0
        self.build_s = time.perf_counter() - start
        self.compile_s = 0.0
        self._records: list[Record] = []
        self.engine: backends.Engine | None = None

    # --- building ---------------------------------------------------------------
    def compile(self) -> "Simulation":
        """Generate and compile the backend's code (cached by content; idempotent):
        C for openmp, CUDA for cuda (nvcc, no GPU needed), for numba its module
        and its solver for this simulation's argument types."""
        if self.engine is None:
            start = time.perf_counter()
            self.engine = self._backend.compile(self.analysis, lambda: self._context(0)[0])
            self.compile_s = time.perf_counter() - start
            self.source = self.engine.source
        return self

    def device(self):
        """The GPU this cuda simulation runs on (DeviceError where there is none)."""
        return self.compile().engine.device()

    def device_stats(self) -> dict:
        """The GPU's name and, over this simulation's runs, seconds in the kernel,
        seconds copying between host and device, and launches (a run launches
        again each time the device's spike buffer fills)."""
        if self.engine is None:
            raise ModelError("device_stats(): no cuda run yet")
        return self.engine.device_stats()

    # --- parameters ---------------------------------------------------------------
    def _locate(self, ref, name: str) -> tuple[np.ndarray, int]:
        flat = self.flat
        if isinstance(ref, NodeRef):
            block = flat.analysis.node_blocks.get(ref.cls)
            if block is None or not 0 <= ref.index < flat.count[block.count_id]:
                raise ModelError(f"{ref.cls.__name__}[{ref.index}] is not a node of this simulation "
                                 f"(was it added to the model after the Simulation was created?)")
            stored = int(flat.node_new[ref.cls][ref.index])
            if name in block.params:
                return self.P, int(flat.poff[block.params[name]]) + stored
            if name in block.potentials:
                return self.Y0, int(flat.yoff[block.potentials[name]]) + stored
            fields = [*block.potentials, *block.params]
        elif isinstance(ref, MechRef):
            if ref.cls not in flat.mech_index or not 0 <= ref.index < len(flat.mech_index[ref.cls][0]):
                raise ModelError(f"{ref!r} is not a mechanism of this simulation")
            block, j = mech_location(flat, ref)
            if name in block.params:
                return self.P, int(flat.poff[block.params[name]]) + j
            if name in block.states:
                return self.Y0, int(flat.yoff[block.states[name]]) + j
            fields = [*block.states, *block.params]
        else:
            raise ModelError(f"expected a node or mechanism reference, got {ref!r}")
        raise ModelError(f"{ref.cls.__name__}[{ref.index}] has no field '{name}' (it has {', '.join(fields)})")

    def get(self, ref, name: str) -> float:
        """A parameter, or the initial value of a state or potential."""
        array, i = self._locate(ref, name)
        return float(array[i])

    def set(self, ref, name: str, value: float) -> None:
        """Change a parameter or initial value; takes effect at the next run, no recompilation."""
        if not (isinstance(value, (int, float)) and math.isfinite(value)):
            raise ModelError(f"{ref.cls.__name__}[{ref.index}].{name}: value must be a finite number, got {value!r}")
        array, i = self._locate(ref, name)
        check_required(ref, name, value)
        array[i] = value

    # --- recording ----------------------------------------------------------------
    def record(self, ref, name: str, every: int = 1, label: str | None = None) -> str | list[str]:
        """Record a potential or state of ``ref`` every ``every`` steps; returns the
        trace's label.  ``ref`` may also be many references (a ``NodeRefs`` or
        ``MechRefs`` slice, ``Copies.refs(...)``, a list): each is recorded, and the
        labels come back as a list (``label``, if given, gets ``[k]`` appended)."""
        if not (isinstance(every, int) and every >= 1):
            raise ModelError(f"record every must be an integer >= 1, got {every!r}")
        if isinstance(ref, (NodeRefs, MechRefs, list)):
            return [self.record(one, name, every, None if label is None else f"{label}[{k}]")
                    for k, one in enumerate(ref)]
        array, i = self._locate(ref, name)
        if array is not self.Y0:
            raise ModelError(f"{ref.cls.__name__}.{name} is a parameter; only states and potentials are recorded")
        label = label or f"{ref.cls.__name__}[{ref.index}].{name}"
        if any(r.name == label for r in self._records):
            raise ModelError(f"a trace named '{label}' is already recorded")
        self._records.append(Record(label, i, every, declared_fields(ref.cls)[name].unit))
        return label

    # --- running ------------------------------------------------------------------
    def _context(self, nsteps: int, first: int = 0):
        return run_context.build(self.flat, self.Y0, self.P, self.method, self.dt, self.threads, self._records,
                                 nsteps, first)

    def _check_rk4(self, ctx) -> None:
        rate, at = self.engine.rk4_rate(ctx)
        validate_rk4(self.flat, ctx.array("cap"))
        ctx.c.has_algebraic = int((ctx.array("cap") == 0.0).any())
        failed_check = (ctx.array("fault") != faults.NO_FAULT).any()     # the run reports it, not the rate
        if self.check_stability and rate * self.dt > RK4_STABILITY and not failed_check:
            what = self.flat.state_name(int(at))
            raise ModelError(
                f"rk4 is unstable at dt = {self.dt} ms: the stiffest mode ({what}) decays at "
                f"{rate:.4g}/ms, and rk4 needs dt <= {RK4_STABILITY}/{rate:.4g} = "
                f"{RK4_STABILITY / rate:.4g} ms (stability bound); use a smaller dt or "
                f"method='crank_nicolson' or 'backward_euler' (docs/methods.md)")
        ctx.array("Y")[:] = self.Y0
        ctx.array("fault")[:] = faults.NO_FAULT     # the run meets it again, and reports it

    def steps_for(self, tstop: float) -> int:
        """The steps of this simulation's dt from 0 to ``tstop`` (ms); see ``myriad.simulation.steps``."""
        return steps(tstop, self.dt)

    def run(self, tstop: float) -> Result:
        """Initialise every state and run from t = 0 to ``tstop`` (ms); after
        ``load_state``, continue from the checkpoint's time to ``tstop`` instead.

        Raises NonFiniteError, carrying the run up to then, when a state
        becomes NaN or infinite (checked every myriad.context.CHECK_EVERY steps),
        and myriad.errors.Interrupted (a KeyboardInterrupt), carrying the run up to
        the step where it stopped, on Ctrl-C (see myriad.interrupt)."""
        state, self._resume = self._resume, None
        first = state.step if state is not None else 0
        nsteps = self.steps_for(tstop) - first
        if nsteps < 0:
            raise ModelError(f"tstop {tstop} ms is before the loaded state's time, {first * self.dt:g} ms")
        self.compile()
        ctx, rows = self._context(nsteps, first)
        if self.method == "rk4":
            self._check_rk4(ctx)
        if state is not None:
            checkpoint.restore(ctx, state, self.method)
        start = time.perf_counter()
        engine, progress = self.engine, RunProgress(ctx, nsteps, self.dt, self.progress)
        (times, gids), stopped = interrupt.call(lambda: engine.run(ctx, self.threads, progress),
                                                lambda: engine.interrupt(ctx))
        run_s = time.perf_counter() - start
        raise_for_status(ctx, self.dt)
        done = steps_done(ctx, first, nsteps)
        result = assemble(ctx, self._records, rows, self.dt, first, done, times, gids, run_s, start)
        self.last_context, self._last_step = ctx, first + done
        if ctx.c.status == Status.ERR_NONFINITE:
            raise non_finite(ctx, self.flat, self.dt, first, result)
        if ctx.c.status == Status.ERR_FAULT:
            raise division_by_zero(ctx, self.flat, self.dt, result)
        if stopped:     # also when the run ended before it saw the request: Ctrl-C was pressed
            raise interrupted(self.dt, first, done, result)
        return result

    # --- checkpoints ----------------------------------------------------------------
    def _checkpoint_key(self) -> str:
        return checkpoint.key(self._c_source, self.model, self.method, self.dt, self._backend.layout)

    def save_state(self, path) -> None:
        """Write the state at the end of the last run (states, event queues,
        the solver's carried rows, the step reached) to ``path`` (.npz, written
        atomically), so that ``load_state`` and ``run`` continue it exactly."""
        ctx = getattr(self, "last_context", None)
        if ctx is None:
            raise ModelError("save_state: nothing to save yet; run the simulation first")
        checkpoint.save(path, ctx, self._last_step, self._checkpoint_key())

    def load_state(self, path) -> None:
        """Make the next ``run`` continue from the state ``save_state`` wrote
        (ModelError, naming the file and the field, for a file that cannot be
        read or whose arrays do not fit this simulation or its solver)."""
        template = self._context(0)[0]          # the shapes and dtypes a run's context has
        self._resume = checkpoint.load(path, self._checkpoint_key(), self.method, self.dt, self._backend.layout,
                                       template, MAX_STEPS)
