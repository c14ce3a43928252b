"""The numba backend's engine: the flattened model run by numba instead of a C compiler.

A model's kernels (myriad.backends.numba.kernels) and the solver (solver.py
beside this file) become one Python module, written to the cache directory
under the hash of its source and compiled with ``@njit(cache=True)``: numba
freezes globals, so one file per model is what keeps its on-disk cache from
serving another model's kernels, and a second process loads the machine code
instead of compiling again.  Before it is imported the module file is
compared, byte for byte, with the source it must hold, and written again if
it differs.  The machine code (``numba/__pycache__``) is numba's own, checked
by numba against the module file's timestamp and size but not hashed; Myriad
does not verify it (``myriad cache clear`` removes it).  The engine reads the
very arrays the C backend would get from the :class:`myriad.abi.Context`,
grouped as myriad.abi's table groups them.
"""
from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
from numba import typeof
from pycast.depth import deep_recursion

from myriad import abi
from myriad.atomic import replace_atomic
from myriad.abi import Context
from myriad.backends.base import Engine
from myriad.backends.numba.kernels import generate
from myriad.blocks import Analysis
from myriad.cache import store

SOLVER = Path(__file__).with_name("solver.py")
# IEEE division (inf or nan, as in C) instead of Python's ZeroDivisionError checks; helpers
# that take arrays and run per row or per component are inlined, because a call costs a
# reference count update per array argument.
HEADER = ("import math\n\nimport numpy as np\nfrom numba import njit\n\n"
          "kernel = njit(cache=True, error_model='numpy')\n"
          "inline = njit(cache=True, error_model='numpy', inline='always')\n"
          "entry = njit(cache=True, error_model='numpy', nogil=True)\n\n")

def source(analysis: Analysis) -> str:
    return HEADER + generate(analysis) + "\n\n" + SOLVER.read_text()


def load(text: str):
    """Import the module for ``text`` from the cache directory (written once, atomically)."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:24]
    name = f"myriad_numba_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    directory = store.cache_dir() / "numba"
    directory.mkdir(mode=0o700, exist_ok=True)
    path = directory / f"{name}.py"
    if not _holds(path, text.encode()):
        replace_atomic(path, lambda tmp: Path(tmp).write_text(text), temp_prefix=f"{name}.", private=True)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    with deep_recursion():      # a translated method's expressions may be deeper than Python's default allows
        spec.loader.exec_module(module)
    return module


def _holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` holds exactly ``data`` (a damaged module is written again)."""
    try:
        return path.read_bytes() == data
    except OSError:
        return False


class NumbaEngine(Engine):
    """One model's compiled numba module; ``run``/``rk4_rate`` mirror myr_run/myr_rk4_rate."""

    backend = "numba"

    def __init__(self, module, source: str):
        self.module, self.source = module, source

    @staticmethod
    def _model(ctx: Context):
        ix = ctx.array("ix")[0]
        ixoff = np.zeros(len(ix) + 1, dtype=np.int64)
        np.cumsum([len(a) for a in ix], out=ixoff[1:])
        flat_ix = np.concatenate(ix).astype(np.int32)
        return tuple(ctx.array(n) for n in ("P", "yoff", "poff", "soff", "count")) + (flat_ix, ixoff,
                                                                                     ctx.array("fault"))

    def _run_args(self, ctx: Context):
        c, views = ctx.c, abi.views(ctx)
        return (ctx.array("Y"), ctx.array("S"), self._model(ctx), views["gathers"], views["program"],
                views["events"], views["recording"], views["work"], views["size"],
                int(c.method), int(c.do_init), int(c.resume), int(c.has_algebraic), float(c.dt), float(c.t0),
                int(c.step0), int(c.nsteps), int(c.check_every), float(c.core_tol), self._interrupt_flag(ctx))

    @staticmethod
    def _interrupt_flag(ctx: Context) -> np.ndarray:
        """The context's ``interrupt`` as a 1-element array the solver reads each step."""
        flag = (ctypes.c_int32 * 1).from_buffer(ctx.c, abi.CContext.interrupt.offset)
        return np.ctypeslib.as_array(flag)

    def prepare(self, ctx: Context) -> None:
        """Compile (or load from numba's cache) the solver for this context's types."""
        self.module.run.compile(tuple(map(typeof, self._run_args(ctx))))

    def run(self, ctx: Context, threads: int, progress):
        """Run the whole simulation (single-threaded); sets ``status`` and ``lost_events`` as myr_run does."""
        times, gids, lost, iterations, failed_step, bad_y, bad_step, fault_key, fault_step, done = \
            self.module.run(*self._run_args(ctx))
        c = ctx.c
        c.done = done
        c.lost_events, c.core_iterations, c.core_failed_step = lost, iterations, failed_step
        c.bad_y, c.bad_step = bad_y, bad_step
        c.fault_key, c.fault_step = fault_key, fault_step
        c.status = (abi.Status.ERR_FAULT if fault_step >= 0 else abi.Status.ERR_CORE if failed_step >= 0
                    else abi.Status.ERR_NONFINITE if bad_step >= 0
                    else abi.Status.ERR_EVENTS_LOST if lost else abi.Status.INTERRUPTED if done < c.nsteps
                    else abi.Status.OK)
        return times, gids

    def rk4_rate(self, ctx: Context) -> tuple[float, int]:
        a = self._run_args(ctx)
        rate, where = self.module.rk4_rate(a[0], a[1], a[2], a[3], a[4], a[7], a[8], float(ctx.c.t0),
                                           float(ctx.c.dt))
        return rate, where
