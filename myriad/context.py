"""The solver context of one run: the flattened model, the run's settings and
its work arrays laid out as csolver's ``myr_ctx`` (myriad.abi) expects.

Every backend runs this context: the C backends read it in place (numpy
arrays shared with C, no copies), numba reads its arrays, cuda copies it to
the device.  Sizes of the work arrays follow the method: each method gets
its own only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from myriad import faults
from myriad.abi import Context
from myriad.flatten import FlatModel

#: csolver's c->method: backward Euler (first order), RK4 (explicit), Crank-Nicolson
#: (second order, NEURON's secondorder = 2; docs/methods.md says when to choose which)
METHODS = {"backward_euler": 0, "rk4": 1, "crank_nicolson": 2}
#: the methods that solve the linearised system of the potentials each step
IMPLICIT = ("backward_euler", "crank_nicolson")
#: the most spikes a detector's history keeps (its longest delay / dt when fewer)
MAX_HISTORY = 4096
#: states are checked for NaN and Inf every this many steps (one scan of Y: cheap this seldom)
CHECK_EVERY = 25
#: the core's iterative solve: relative residual reached each step, iteration limit
CORE_TOLERANCE = 1e-12
CORE_MAX_ITERATIONS = 500
#: MYR_CORE_CHUNK, MYR_CORE_VECS, MYR_CORE_SUMS in csolver/myriad_solver.h
CORE_CHUNK, CORE_VECTORS, CORE_SUMS = 64, 10, 8


@dataclass
class Record:
    """A recorded state: its label, its index in Y, every how many steps, and its unit."""

    name: str
    y: int
    every: int
    unit: str = ""


def build(flat: FlatModel, Y0: np.ndarray, P: np.ndarray, method: str, dt: float, threads: int,
          records: list[Record], nsteps: int, first: int = 0) -> tuple[Context, list[tuple[int, int]]]:
    """The context of a run of ``nsteps`` steps from step ``first``, and where
    each record's rows are in ``rec_buf`` (offset, rows)."""
    ctx = Context()
    c = ctx.c
    c.n_unknowns, c.n_y, c.n_slots = flat.n_unknowns, len(Y0), flat.n_slots
    c.n_edges = len(flat.program.rows)
    ctx.set_array("Y", Y0.copy())
    ctx.set_array("P", P)
    n_xedge = len(flat.gathers["xe"][0]) - 1
    c.n_xedge = n_xedge
    ctx.set_array("S", np.zeros(flat.n_slots + n_xedge + 1))      # + the slot that stays zero
    for name in ("yoff", "poff", "soff", "count"):
        ctx.set_array(name, getattr(flat, name))
    ctx.set_pointer_table("ix", flat.ix)
    _gathers(ctx, flat)
    _program(ctx, flat)
    _events(ctx, flat, dt)
    rows = _recording(ctx, records, nsteps)
    n_u, n_y = flat.n_unknowns, len(Y0)
    rk4, implicit = method == "rk4", method in IMPLICIT
    # dz: rk4's projections of algebraic unknowns, Crank-Nicolson's middle values of them
    dz = (rk4 or method == "crank_nicolson") * n_u
    for name, size in (("cap", n_u), ("lin_c", n_u), ("lin_d", n_u),
                       ("diag", implicit * n_u), ("rhs", implicit * n_u), ("dv", implicit * n_u),
                       ("dz", dz), ("K", rk4 * n_y), ("Yst", rk4 * n_y), ("Yacc", rk4 * n_y)):
        ctx.set_array(name, np.zeros(size))     # each method's work arrays only
    ctx.set_array("fault", np.full(faults.WORDS, faults.NO_FAULT))
    c.method, c.threads, c.do_init, c.resume = METHODS[method], threads, 1, 0
    c.dt, c.t0, c.step0, c.nsteps, c.check_every = dt, first * dt, first, nsteps, CHECK_EVERY
    return ctx, rows


def _gathers(ctx: Context, flat: FlatModel) -> None:
    g = flat.gathers
    for name in ("in", "jd", "lin_in", "lin_jd"):
        for part, array in zip(("ptr", "idx"), g[name]):
            ctx.set_array(f"{name}_{part}", array)
    for part, array in zip(("ptr", "col", "slot"), g["lin"]):
        ctx.set_array(f"lin_{part}", array)
    ctx.set_array("lin_val", np.zeros(len(g["lin"][1])))
    ctx.c.n_rowblk = len(g["rowblk"]) - 1
    ctx.set_array("rowblk_ptr", g["rowblk"])
    ctx.set_array("asm_rows", g["asm_rows"])
    ctx.set_array("xe_ptr", g["xe"][0])
    ctx.set_array("xe_idx", g["xe"][1])
    ctx.set_array("row_ptr", g["row"][0])
    ctx.set_array("edge_col", g["row"][1])
    ctx.set_array("edge_val", g["edge_val"])


def _program(ctx: Context, flat: FlatModel) -> None:
    """The elimination program of the components, and the core's iterative solve."""
    prog, g, c = flat.program, flat.gathers, ctx.c
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


def _events(ctx: Context, flat: FlatModel, dt: float) -> None:
    """Event sources and their histories: a detector keeps the spikes of
    its longest delay (one per step at most, and at most MAX_HISTORY: a
    source that outruns it is reported as lost events), a generator all its times."""
    src, con, c = flat.sources, flat.connections, ctx.c
    n = src["n"]
    cap = np.zeros(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    for s in range(n):
        if src["is_generator"][s]:
            cap[s] = count[s] = len(src["times"][s])
        else:
            cap[s] = min(math.ceil(con["max_delay"][s] / dt), MAX_HISTORY) + 2
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


def _recording(ctx: Context, records: list[Record], nsteps: int) -> list[tuple[int, int]]:
    rows = [nsteps // r.every + 1 for r in records]
    off = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64) if rows else np.zeros(0, np.int64)
    ctx.c.n_rec = len(records)
    ctx.set_array("rec_y", np.array([r.y for r in records], dtype=np.int64))
    ctx.set_array("rec_every", np.array([r.every for r in records], dtype=np.int64))
    ctx.set_array("rec_off", off)
    ctx.set_array("rec_buf", np.zeros(int(sum(rows))))
    return list(zip(off.tolist(), rows))
