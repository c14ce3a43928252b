"""Simulation: a model translated, compiled once, and run as often as wanted.

Parameters and initial values live in numpy arrays that the compiled code
reads at run time, so changing them between runs never recompiles.  One call
into C runs the whole simulation; Python never runs inside the time loop.
"""
from __future__ import annotations

import ctypes
import hashlib
import math
import time
from dataclasses import dataclass, field

import numpy as np

from myriad import build_cache, flat_cache, plotting
from myriad.blocks import analyse
from myriad.codegen import generate
from myriad.errors import ModelError, NonFiniteError, SimulationError
from myriad.flatten import mech_location, validate_rk4
from myriad.declarations import REQUIREMENTS
from myriad.model import MechRef, Model, NodeRef, declared_fields
from myriad.outputs import replace_atomic
from myriad.progress import RunProgress
from myriad.runtime import Context, Library

METHODS = {"backward_euler": 0, "rk4": 1}
BACKENDS = ("openmp", "numba", "cuda")
RK4_STABILITY = 2.785
#: more threads than this only oversubscribe any machine's cores, and tens of
#: thousands exhaust the system's thread limit (OpenMP then aborts the process)
MAX_THREADS = 1024
#: more steps than a run may have: none that long would end, and far larger
#: counts overflow the arrays a run allocates
MAX_STEPS = 10 ** 10
#: the most spikes a detector's history keeps (its longest delay / dt when fewer)
MAX_HISTORY = 4096
#: states are checked for NaN and Inf every this many steps (one scan of Y: cheap this seldom)
CHECK_EVERY = 25
#: what a checkpoint holds besides the step: the states, the event queues and
#: detectors, and backward Euler's rows that linear trees carry between steps
_CHECKPOINT = ("Y", "det_above", "det_vprev", "src_buf", "src_count", "con_cursor", "diag", "rhs")   # |z| on the negative real axis where RK4's amplification reaches 1
#: the core's iterative solve: relative residual reached each step, iteration limit
CORE_TOLERANCE = 1e-12
CORE_MAX_ITERATIONS = 500
#: MYR_CORE_CHUNK, MYR_CORE_VECS, MYR_CORE_SUMS in csolver/myriad_solver.h
CORE_CHUNK, CORE_VECTORS, CORE_SUMS = 64, 10, 8


@dataclass
class Result:
    """Recorded traces (each with its own time axis) and spikes sorted by (time, gid)."""

    t: np.ndarray
    traces: dict[str, np.ndarray] = field(default_factory=dict)
    trace_times: dict[str, np.ndarray] = field(default_factory=dict)
    spike_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    spike_gids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    run_s: float = 0.0
    #: time.perf_counter() when the time loop started (for start-up accounting)
    loop_started: float = 0.0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.traces[name]

    def time(self, name: str) -> np.ndarray:
        return self.trace_times[name]

    @property
    def spikes(self) -> list[tuple[float, int]]:
        return list(zip(self.spike_times.tolist(), self.spike_gids.tolist()))

    def save(self, path) -> None:
        """Write the result to ``path`` as .npz (atomically: a reader sees the old file or the new one)."""
        arrays = {"t": self.t, "spike_times": self.spike_times, "spike_gids": self.spike_gids}
        for label in self.traces:
            arrays[f"trace:{label}"] = self.traces[label]
            arrays[f"time:{label}"] = self.trace_times[label]

        def write(tmp):
            with open(tmp, "wb") as handle:
                np.savez(handle, **arrays)
        replace_atomic(path, write)

    @classmethod
    def load(cls, path) -> "Result":
        """A result ``save`` wrote."""
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read a result from {path}: {exc}") from None
        if not {"t", "spike_times", "spike_gids"} <= set(arrays):
            raise ModelError(f"{path} is not a saved Myriad result")
        labels = [name.split(":", 1)[1] for name in arrays if name.startswith("trace:")]
        return cls(t=arrays["t"], traces={label: arrays[f"trace:{label}"] for label in labels},
                   trace_times={label: arrays[f"time:{label}"] for label in labels},
                   spike_times=arrays["spike_times"], spike_gids=arrays["spike_gids"])

    def plot(self, path=None, traces: list[str] | None = None, title: str = ""):
        """Recorded traces against time and, below them, the spike raster
        (needs matplotlib); saved to ``path`` if given; returns the figure."""
        plt = plotting.pyplot()
        labels = list(self.traces) if traces is None else traces
        unknown = [label for label in labels if label not in self.traces]
        if unknown:
            raise ModelError(f"plot: no trace named {', '.join(map(repr, unknown))} "
                             f"(recorded: {', '.join(self.traces) or 'none'})")
        panels = [kind for kind, wanted in (("traces", labels), ("raster", len(self.spike_times))) if wanted]
        if not panels:
            raise ModelError("plot: this result has no traces and no spikes to plot")
        fig, axes = plt.subplots(len(panels), 1, sharex=True, squeeze=False,
                                 figsize=(8, 2.5 + 2.5 * len(panels)))
        for ax, kind in zip(axes[:, 0], panels):
            if kind == "traces":
                for label in labels:
                    ax.plot(self.trace_times[label], self.traces[label], lw=0.8, label=label)
                ax.set_ylabel("value")
                if len(labels) <= 10:
                    ax.legend(fontsize="small", loc="upper right")
            else:
                ax.plot(self.spike_times, self.spike_gids, "|", ms=4, color="k")
                ax.set_ylabel("gid")
        axes[-1, 0].set_xlabel("t (ms)")
        axes[0, 0].set_title(title)
        fig.tight_layout()
        if path is not None:
            plotting.save(fig, path)
        return fig


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


@dataclass
class _Record:
    name: str
    y: int
    every: int


class Simulation:
    """A model with an integrator, a step and a thread count; ``run`` as often as wanted."""

    def __init__(self, model: Model, *, method: str = "backward_euler", dt: float = 0.025,
                 threads: int = 1, backend: str = "openmp", check_stability: bool = True,
                 progress: bool | None = None):
        """``backend`` is ``openmp`` (``threads`` CPU threads), ``numba`` (one
        thread, no C compiler) or ``cuda`` (the whole run in one kernel on the
        GPU; compiling needs nvcc, running a GPU; see myriad.cuda_toolchain);
        ``check_stability`` False skips rk4's stability check (for studying
        blow-ups); ``progress`` draws a bar during runs longer than 2 s (None: when
        stderr is a terminal; not with the numba and cuda backends)."""
        if method not in METHODS:
            raise ModelError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        if backend not in BACKENDS:
            raise ModelError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
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
        self._resume: dict | None = None
        start = time.perf_counter()
        self.analysis = analyse(model)
        self._c_source = generate(self.analysis)      # also the flat cache's key for the classes
        #: how the states are laid out: cells one after another, or interleaved for the GPU
        self._layout = "interleaved" if backend == "cuda" else "sequential"
        self.flat = flat_cache.flatten(model, self.analysis, self._c_source, interleave=backend == "cuda")
        self.P, self.Y0 = self.flat.P, self.flat.Y0
        self.build_s = time.perf_counter() - start
        self.compile_s = 0.0
        self._records: list[_Record] = []
        self._lib: Library | None = None
        self._numba = None
        self._cuda = None

    # --- building ---------------------------------------------------------------
    def compile(self) -> "Simulation":
        """Generate and compile the C or CUDA code (cuda needs nvcc, not a GPU), or the
        numba module and its solver for this simulation's argument types (cached by
        content; idempotent)."""
        if self.backend == "numba":
            if self._numba is None:
                from myriad.numba_backend import Engine
                start = time.perf_counter()
                self._numba = Engine(self.analysis)
                self.compile_s = time.perf_counter() - start + self._numba.prepare(self._context(0))
                self.source = self._numba.source
            return self
        if self._lib is None:
            start = time.perf_counter()
            if self.backend == "cuda":
                from myriad import cuda_toolchain
                self.source = generate(self.analysis, "cuda")
                self._lib = Library(build_cache.build(self.source, toolchain=cuda_toolchain.toolchain()))
            else:
                self.source = self._c_source
                self._lib = Library(build_cache.build(self.source))
            self.compile_s = time.perf_counter() - start
        return self

    def device(self):
        """The GPU this cuda simulation runs on (DeviceError where there is none)."""
        if self.backend != "cuda":
            raise ModelError(f"device(): this simulation's backend is {self.backend}, not cuda")
        if self._cuda is None:
            from myriad import cuda_runtime, cuda_toolchain
            self.compile()
            self._cuda = cuda_runtime.Engine(self._lib, cuda_toolchain.emulated())
        return self._cuda.device

    def device_stats(self) -> dict:
        """The GPU's name and, over this simulation's runs, seconds in the kernel,
        seconds copying between host and device, and launches (a run launches
        again each time the device's spike buffer fills)."""
        engine = self._cuda
        if engine is None:
            raise ModelError("device_stats(): no cuda run yet")
        return {"device": engine.device.name, "kernel_s": round(engine.kernel_s, 6),
                "transfer_s": round(engine.transfer_s, 6), "launches": engine.launches}

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
    def record(self, ref, name: str, every: int = 1, label: str | None = None) -> str:
        """Record a potential or state of ``ref`` every ``every`` steps; returns the trace's label."""
        if not (isinstance(every, int) and every >= 1):
            raise ModelError(f"record every must be an integer >= 1, got {every!r}")
        array, i = self._locate(ref, name)
        if array is not self.Y0:
            raise ModelError(f"{ref.cls.__name__}.{name} is a parameter; only states and potentials are recorded")
        label = label or f"{ref.cls.__name__}[{ref.index}].{name}"
        if any(r.name == label for r in self._records):
            raise ModelError(f"a trace named '{label}' is already recorded")
        self._records.append(_Record(label, i, every))
        return label

    # --- running ------------------------------------------------------------------
    def _context(self, nsteps: int, first: int = 0) -> Context:
        flat, ctx = self.flat, Context()
        c = ctx.c
        c.n_unknowns, c.n_y, c.n_slots = flat.n_unknowns, len(self.Y0), flat.n_slots
        c.n_edges = len(flat.program.rows)
        self.Y = ctx.set_array("Y", self.Y0.copy())
        ctx.set_array("P", self.P)
        n_xedge = len(flat.gathers["xe"][0]) - 1
        c.n_xedge = n_xedge
        ctx.set_array("S", np.zeros(flat.n_slots + n_xedge + 1))      # + the slot that stays zero
        for name in ("yoff", "poff", "soff", "count"):
            ctx.set_array(name, getattr(flat, name))
        ctx.set_pointer_table("ix", flat.ix)
        g = flat.gathers
        for name in ("in", "jd", "lin_in", "lin_jd"):
            for part, array in zip(("ptr", "idx"), g[name]):
                ctx.set_array(f"{name}_{part}", array)
        for part, array in zip(("ptr", "col", "slot"), g["lin"]):
            ctx.set_array(f"lin_{part}", array)
        ctx.set_array("lin_val", np.zeros(len(g["lin"][1])))
        c.n_rowblk = len(g["rowblk"]) - 1
        ctx.set_array("rowblk_ptr", g["rowblk"])
        ctx.set_array("asm_rows", g["asm_rows"])
        ctx.set_array("xe_ptr", g["xe"][0])
        ctx.set_array("xe_idx", g["xe"][1])
        ctx.set_array("row_ptr", g["row"][0])
        ctx.set_array("edge_col", g["row"][1])
        ctx.set_array("edge_val", g["edge_val"])
        prog = flat.program
        c.n_comp = len(prog.comp_ptr) - 1
        for name in ("comp_ptr", "order", "up_ptr", "up_node", "up_kj", "up_jk", "fill_ptr", "fill_q", "fill_e"):
            ctx.set_array(name, getattr(prog, name))
        for name, array in zip(("comp_tree", "tree_parent", "tree_kj", "tree_jk"), g["tree"]):
            ctx.set_array(name, array)
        ctx.set_array("tree_a", np.zeros(2 * len(prog.order)))
        ctx.set_array("lt_patch_ptr", g["lt_patch"][0])
        ctx.set_array("lt_patch", g["lt_patch"][1])
        n_core = len(prog.core)
        c.n_core, c.core_tol, c.core_max_iter = n_core, CORE_TOLERANCE, CORE_MAX_ITERATIONS
        ctx.set_array("comp_core", prog.comp_core)
        for name in ("core_ptr", "core_col"):
            ctx.set_array(name, getattr(prog, name))
        ctx.set_array("core_unknown", prog.core)
        ctx.set_array("core_val", g["core_val"])
        ctx.set_array("core_a", np.zeros(len(prog.core_col)))
        ctx.set_array("core_vec", np.zeros(CORE_VECTORS * n_core))
        ctx.set_array("core_sum", np.zeros(CORE_SUMS * -(-n_core // CORE_CHUNK)))
        self._events(ctx)
        self._recording(ctx, nsteps)
        n_u, n_y = flat.n_unknowns, len(self.Y0)
        rk4, euler = self.method == "rk4", self.method == "backward_euler"
        for name, size in (("cap", n_u), ("lin_c", n_u), ("lin_d", n_u),
                           ("diag", euler * n_u), ("rhs", euler * n_u), ("dv", euler * n_u),
                           ("dz", rk4 * n_u), ("K", rk4 * n_y), ("Yst", rk4 * n_y), ("Yacc", rk4 * n_y)):
            ctx.set_array(name, np.zeros(size))     # each method's work arrays only
        c.method, c.threads, c.do_init, c.resume = METHODS[self.method], self.threads, 1, 0
        c.dt, c.t0, c.step0, c.nsteps, c.check_every = self.dt, first * self.dt, first, nsteps, CHECK_EVERY
        return ctx

    def _events(self, ctx: Context) -> None:
        """Event sources and their histories: a detector keeps the spikes of
        its longest delay (one per step at most, and at most MAX_HISTORY: a
        source that outruns it is reported as lost events), a generator all its times."""
        src, con, c = self.flat.sources, self.flat.connections, ctx.c
        n = src["n"]
        cap = np.zeros(n, dtype=np.int64)
        count = np.zeros(n, dtype=np.int64)
        for s in range(n):
            if src["is_generator"][s]:
                cap[s] = count[s] = len(src["times"][s])
            else:
                cap[s] = min(math.ceil(con["max_delay"][s] / self.dt), MAX_HISTORY) + 2
        off = np.concatenate([[0], np.cumsum(cap)[:-1]]).astype(np.int64) if n else np.zeros(0, np.int64)
        buf = np.zeros(int(cap.sum()))
        for s, times in src["times"].items():
            buf[off[s]:off[s] + len(times)] = times
        c.n_src, c.n_det = n, len(src["det_src"])
        ctx.set_array("src_buf", buf)
        ctx.set_array("src_off", off)
        ctx.set_array("src_cap", cap)
        ctx.set_array("src_count", count)
        for name in ("det_src", "det_y", "det_thr", "det_gid"):
            ctx.set_array(name, src[name])
        ctx.set_array("det_above", np.zeros(c.n_det, dtype=np.int8))
        ctx.set_array("det_vprev", np.zeros(c.n_det))
        c.n_tgt = len(con["tgt_ptr"]) - 1
        for name in ("tgt_ptr", "tgt_cls", "tgt_inst", "con_src", "con_delay", "con_weight"):
            ctx.set_array(name, con[name])
        ctx.set_array("con_cursor", np.zeros(len(con["con_src"]), dtype=np.int64))

    def _recording(self, ctx: Context, nsteps: int) -> None:
        rows = [nsteps // r.every + 1 for r in self._records]
        off = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64) if rows else np.zeros(0, np.int64)
        ctx.c.n_rec = len(self._records)
        ctx.set_array("rec_y", np.array([r.y for r in self._records], dtype=np.int64))
        ctx.set_array("rec_every", np.array([r.every for r in self._records], dtype=np.int64))
        ctx.set_array("rec_off", off)
        ctx.set_array("rec_buf", np.zeros(int(sum(rows))))
        self._rec_rows = list(zip(off.tolist(), rows))

    def _check_rk4(self, ctx: Context) -> None:
        where = np.zeros(1, dtype=np.int64)
        if self._numba is not None:
            rate, where[0] = self._numba.rk4_rate(ctx)
        else:
            rate = self._lib.dll.myr_rk4_rate(ctx.pointer(), where.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)))
        validate_rk4(self.flat, ctx.array("cap"))
        ctx.c.has_algebraic = int((ctx.array("cap") == 0.0).any())
        if self.check_stability and rate * self.dt > RK4_STABILITY:
            at = int(where[0])
            what = self.flat.state_name(at)
            raise ModelError(
                f"rk4 is unstable at dt = {self.dt} ms: the stiffest mode ({what}) decays at "
                f"{rate:.4g}/ms, and rk4 needs dt <= {RK4_STABILITY}/{rate:.4g} = "
                f"{RK4_STABILITY / rate:.4g} ms (stability bound); use a smaller dt or "
                f"method='backward_euler'")
        ctx.array("Y")[:] = self.Y0

    def steps_for(self, tstop: float) -> int:
        if not (isinstance(tstop, (int, float)) and math.isfinite(tstop) and tstop >= 0):
            raise ModelError(f"tstop must be a finite number >= 0 ms, got {tstop!r}")
        if tstop / self.dt > MAX_STEPS:
            raise ModelError(f"tstop {tstop:g} ms at dt {self.dt:g} ms is {tstop / self.dt:.3g} steps; "
                             f"at most {MAX_STEPS:.0e} are allowed")
        return int(round(tstop / self.dt))

    def run(self, tstop: float) -> Result:
        """Initialise every state and run from t = 0 to ``tstop`` (ms); after
        ``load_state``, continue from the checkpoint's time to ``tstop`` instead.

        Raises NonFiniteError, carrying the run up to then, when a state
        becomes NaN or infinite (checked every CHECK_EVERY steps)."""
        state, self._resume = self._resume, None
        first = int(state["step"]) if state is not None else 0
        nsteps = self.steps_for(tstop) - first
        if nsteps < 0:
            raise ModelError(f"tstop {tstop} ms is before the loaded state's time, {first * self.dt:g} ms")
        self.compile()
        ctx = self._context(nsteps, first)
        if self.method == "rk4":
            self._check_rk4(ctx)
        if state is not None:
            self._restore(ctx, state)
        c = ctx.c
        if self._numba is not None:
            start = time.perf_counter()
            times, gids = self._numba.run(ctx)
            run_s = time.perf_counter() - start
        elif self.backend == "cuda":
            self.device()
            start = time.perf_counter()
            times, gids = self._cuda.run(ctx, self.threads)
            run_s = time.perf_counter() - start
        else:
            start = time.perf_counter()
            with RunProgress(ctx, nsteps, self.dt, self.progress):
                self._lib.dll.myr_run(ctx.pointer())
            run_s = time.perf_counter() - start
            n = c.n_spikes
            times = np.ctypeslib.as_array(c.spk_t, shape=(n,)).copy() if n else np.zeros(0)
            gids = np.ctypeslib.as_array(c.spk_gid, shape=(n,)).copy() if n else np.zeros(0, dtype=np.int64)
            self._lib.dll.myr_release(ctx.pointer())
        status = c.status
        if status == 1:
            raise SimulationError("out of memory while recording spikes")
        if status == 3:
            step = c.core_failed_step
            raise SimulationError(
                f"the iterative solve of the densely coupled potentials did not reach a relative residual "
                f"of {CORE_TOLERANCE:g} in {CORE_MAX_ITERATIONS} iterations at step {step} "
                f"(t = {step * self.dt:g} ms); the coupled system is ill-conditioned there")
        if status == 2:
            raise SimulationError(f"{c.lost_events} events were lost: a source spiked more often than its "
                                  f"history buffer allows")
        done = c.bad_step - first if status == 4 else nsteps
        result = self._result(ctx, first, done, times, gids, run_s, start)
        self.last_context, self._last_step = ctx, first + done
        if status == 4:
            step, (ref, name) = int(c.bad_step), self.flat.owner(int(c.bad_y))
            what = f"{ref.cls.__name__}[{ref.index}].{name}"
            value = float(ctx.array("Y")[c.bad_y])
            raise NonFiniteError(
                f"the solution blew up: {what} is {value} at step {step} (t = {step * self.dt:g} ms; states are "
                f"checked every {CHECK_EVERY} steps, so it became non-finite after step "
                f"{max(step - CHECK_EVERY, first)}); the error's .result holds the run up to step {step}. "
                f"Use a smaller dt, backward Euler, or check the model's parameters", result, step,
                step * self.dt, what, ref)
        return result

    def _result(self, ctx: Context, first: int, done: int, times, gids, run_s: float, start: float) -> Result:
        """The Result of a run from step ``first`` that got ``done`` steps far."""
        order = np.lexsort((gids, times))
        t = (first + np.arange(done + 1)) * self.dt
        result = Result(t=t, spike_times=times[order], spike_gids=gids[order], run_s=run_s, loop_started=start)
        buf = ctx.array("rec_buf")
        for rec, (off, rows) in zip(self._records, self._rec_rows):
            kept = min(rows, done // rec.every + 1)
            result.traces[rec.name] = buf[off:off + kept].copy()
            result.trace_times[rec.name] = (first + np.arange(kept) * rec.every) * self.dt
        return result

    # --- checkpoints ----------------------------------------------------------------
    def _checkpoint_key(self) -> str:
        """What a checkpoint must match: the generated code, the model, the method,
        dt, and the layout of the states (the cuda backend interleaves cells)."""
        h = hashlib.sha256(self._c_source.encode())
        self.model.fingerprint(h)
        h.update(f"{self.method}:{self.dt!r}:{self._layout}".encode())
        return h.hexdigest()

    def save_state(self, path) -> None:
        """Write the state at the end of the last run (states, event queues,
        the solver's carried rows, the step reached) to ``path`` (.npz, written
        atomically), so that ``load_state`` and ``run`` continue it exactly."""
        ctx = getattr(self, "last_context", None)
        if ctx is None:
            raise ModelError("save_state: nothing to save yet; run the simulation first")
        arrays = {name: ctx.array(name) for name in _CHECKPOINT}
        key = self._checkpoint_key()

        def write(tmp):
            with open(tmp, "wb") as handle:
                np.savez(handle, step=np.int64(self._last_step), key=np.array(key), **arrays)
        replace_atomic(path, write)

    def load_state(self, path) -> None:
        """Make the next ``run`` continue from the state ``save_state`` wrote."""
        try:
            with np.load(path, allow_pickle=False) as data:
                state = {name: data[name] for name in data.files}
        except (OSError, ValueError) as exc:
            raise ModelError(f"load_state: cannot read {path}: {exc}") from None
        missing = [name for name in ("step", "key", *_CHECKPOINT) if name not in state]
        if missing:
            raise ModelError(f"load_state: {path} is not a Myriad checkpoint (it lacks {', '.join(missing)})")
        if str(state["key"]) != self._checkpoint_key():
            raise ModelError(f"load_state: {path} was saved from another model, method or dt (or with the "
                             f"other layout of the states: openmp and numba store cells one after another, "
                             f"cuda interleaves them); this simulation: {self.method}, dt = {self.dt} ms, "
                             f"{self._layout} layout")
        self._resume = state

    def _restore(self, ctx: Context, state: dict) -> None:
        for name in _CHECKPOINT:
            ctx.array(name)[:] = state[name]
        ctx.c.do_init, ctx.c.resume = 0, int(self.method == "backward_euler")
