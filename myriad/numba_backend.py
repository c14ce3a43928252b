"""The numba backend: the flattened model run by numba instead of a C compiler.

A model's kernels (myriad.numba_kernels) and the solver (myriad/numba_solver.py)
become one Python module, written to the cache directory under the hash of
its source and compiled with ``@njit(cache=True)``: numba freezes globals, so
one file per model is what keeps its on-disk cache from serving another
model's kernels, and a second process loads the machine code instead of
compiling again.  The engine reads the very arrays the C backend would get
from the :class:`myriad.runtime.Context`.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from numba import typeof

from myriad import build_cache
from myriad.blocks import Analysis
from myriad.numba_kernels import generate
from myriad.runtime import Context

SOLVER = Path(__file__).with_name("numba_solver.py")
# IEEE division (inf or nan, as in C) instead of Python's ZeroDivisionError checks; helpers
# that take arrays and run per row or per component are inlined, because a call costs a
# reference count update per array argument.
HEADER = ("import math\n\nimport numpy as np\nfrom numba import njit\n\n"
          "kernel = njit(cache=True, error_model='numpy')\n"
          "inline = njit(cache=True, error_model='numpy', inline='always')\n\n")

_GATHERS = ("in_ptr", "in_idx", "jd_ptr", "jd_idx", "row_ptr", "edge_col", "edge_val", "xe_ptr", "xe_idx",
            "lin_in_ptr", "lin_in_idx", "lin_jd_ptr", "lin_jd_idx", "lin_ptr", "lin_col", "lin_slot", "asm_rows",
            "rowblk_ptr")
_PROGRAM = ("comp_ptr", "order", "up_ptr", "up_node", "up_kj", "up_jk", "fill_ptr", "fill_q", "fill_e",
            "comp_tree", "tree_parent", "tree_kj", "tree_jk", "comp_core", "core_unknown", "core_ptr",
            "core_col", "core_val", "core_a", "core_vec", "core_sum", "tree_a",
            "lt_patch_ptr", "lt_patch")
_EVENTS = ("src_buf", "src_off", "src_cap", "src_count", "det_src", "det_y", "det_thr", "det_gid",
           "det_above", "det_vprev", "tgt_ptr", "tgt_cls", "tgt_inst", "con_src", "con_delay",
           "con_weight", "con_cursor")
_RECORDING = ("rec_y", "rec_every", "rec_off", "rec_buf")
_WORK = ("cap", "diag", "rhs", "dz", "K", "Yst", "Yacc", "lin_c", "lin_d", "lin_val", "dv")
_SIZES = ("n_unknowns", "n_y", "n_slots", "n_xedge", "n_comp", "n_det", "n_tgt", "n_rec", "n_core",
          "core_max_iter")


def source(analysis: Analysis) -> str:
    return HEADER + generate(analysis) + "\n\n" + SOLVER.read_text()


def _load(text: str):
    """Import the module for ``text`` from the cache directory (written once, atomically)."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:24]
    name = f"myriad_numba_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    directory = build_cache.cache_dir() / "numba"
    directory.mkdir(mode=0o700, exist_ok=True)
    path = directory / f"{name}.py"
    if not path.exists() or path.read_text() != text:
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Engine:
    """One model's compiled numba module; ``run``/``rk4_rate`` mirror myr_run/myr_rk4_rate."""

    def __init__(self, analysis: Analysis):
        self.source = source(analysis)
        self.module = _load(self.source)

    @staticmethod
    def _model(ctx: Context):
        ix = ctx.array("ix")[0]
        ixoff = np.zeros(len(ix) + 1, dtype=np.int64)
        np.cumsum([len(a) for a in ix], out=ixoff[1:])
        flat_ix = np.concatenate(ix).astype(np.int32)
        return tuple(ctx.array(n) for n in ("P", "yoff", "poff", "soff", "count")) + (flat_ix, ixoff)

    @staticmethod
    def _group(ctx: Context, names):
        return tuple(ctx.array(n) for n in names)

    def _run_args(self, ctx: Context):
        c = ctx.c
        return (ctx.array("Y"), ctx.array("S"), self._model(ctx), self._group(ctx, _GATHERS),
                self._group(ctx, _PROGRAM), self._group(ctx, _EVENTS), self._group(ctx, _RECORDING),
                self._group(ctx, _WORK), tuple(int(getattr(c, n)) for n in _SIZES),
                int(c.method), int(c.do_init), int(c.resume), int(c.has_algebraic), float(c.dt), float(c.t0),
                int(c.step0), int(c.nsteps), int(c.check_every), float(c.core_tol))

    def prepare(self, ctx: Context) -> float:
        """Compile (or load from numba's cache) the solver for this context's types; seconds taken."""
        start = time.perf_counter()
        self.module.run.compile(tuple(map(typeof, self._run_args(ctx))))
        return time.perf_counter() - start

    def run(self, ctx: Context):
        """Run the whole simulation (single-threaded); sets ``status`` and ``lost_events`` as myr_run does."""
        times, gids, lost, iterations, failed_step, bad_y, bad_step = self.module.run(*self._run_args(ctx))
        c = ctx.c
        c.lost_events, c.core_iterations, c.core_failed_step = lost, iterations, failed_step
        c.bad_y, c.bad_step = bad_y, bad_step
        c.status = 3 if failed_step >= 0 else (4 if bad_step >= 0 else (2 if lost else 0))
        return times, gids

    def rk4_rate(self, ctx: Context) -> tuple[float, int]:
        a = self._run_args(ctx)
        rate, where = self.module.rk4_rate(a[0], a[1], a[2], a[3], a[4], a[7], a[8], float(ctx.c.t0),
                                           float(ctx.c.dt))
        return rate, where
