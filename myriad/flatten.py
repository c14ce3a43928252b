"""Model -> FlatModel: structure of arrays, gather lists and the solve program.

Layout of the three data arrays (offsets per field go into the context's
``yoff``/``poff``/``soff`` tables, in the ids the analysis assigned):

* ``Y``: the potentials of every node class first (so an unknown's index is
  its index in Y), then every mechanism block's states;
* ``P``: node parameters, then mechanism parameters;
* ``S``: one slot array per contribution value and per Jacobian entry, and
  one per linear state (blocks.MechBlock.linear_states) for its factor.

Each unknown gathers its inflow slots and diagonal-Jacobian slots, and each
off-diagonal matrix entry its Jacobian slots, through CSR lists in the fixed
order of the blocks and instances: the sums, hence the results, do not depend
on the thread count.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from myriad.blocks import Analysis, MechBlock
from myriad.elimination import Program, build_program, elimination_rank
from myriad.errors import ModelError
from myriad.model import Model
from myriad.refs import MechRef, NodeRef


@dataclass
class FlatModel:
    analysis: Analysis
    n_unknowns: int
    Y0: np.ndarray
    P: np.ndarray
    n_slots: int
    yoff: np.ndarray
    poff: np.ndarray
    soff: np.ndarray
    count: np.ndarray
    ix: list                                   # id -> int32 node indices
    node_ubase: dict                           # (node cls, potential) -> first unknown
    mech_index: dict                           # mech cls -> (block list per instance, index in block)
    gathers: dict                              # name -> (ptr, idx)
    program: Program
    sources: dict = field(default_factory=dict)
    connections: dict = field(default_factory=dict)
    node_new: dict = field(default_factory=dict)        # node cls -> stored index of each instance

    def owner(self, i: int) -> tuple:
        """The node or mechanism (a NodeRef or MechRef) whose field state ``i``
        of Y is, and the field's name (for messages and for telling instances apart)."""
        for (cls, name), base in self.node_ubase.items():
            if base <= i < base + len(self.node_new[cls]):
                return self.instance(self.analysis.node_blocks[cls], i - base), name
        for block in self.analysis.mech_blocks.values():
            for name, fid in block.states.items():
                j = i - int(self.yoff[fid])
                if 0 <= j < int(self.count[block.count_id]):
                    return self.instance(block, j), name
        raise IndexError(i)

    def instance(self, block, i: int):
        """The node or mechanism (a NodeRef or MechRef) stored as instance ``i`` of
        ``block`` (a NodeBlock or MechBlock of this model's analysis)."""
        if self.analysis.node_blocks.get(block.cls) is block:
            return NodeRef(block.cls, int(np.flatnonzero(self.node_new[block.cls] == i)[0]))
        key = next(key for key, known in self.analysis.mech_blocks.items() if known is block)
        blocks, where = self.mech_index[block.cls]
        return MechRef(block.cls, int(np.flatnonzero((blocks.code == blocks.keys.index(key)) & (where == i))[0]))

    def state_name(self, i: int) -> str:
        """'Class[instance].field' of state ``i`` of Y, a potential or a mechanism state."""
        ref, name = self.owner(i)
        return f"{ref.cls.__name__}[{ref.index}].{name}"

    def unknown_name(self, u: int) -> str:
        """'Class[instance].potential' of unknown ``u``."""
        if not 0 <= u < self.n_unknowns:
            raise IndexError(u)
        return self.state_name(u)


def _csr(n: int, target: np.ndarray, value: np.ndarray):
    order = np.argsort(target, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(target, minlength=n), out=ptr[1:])
    return ptr.astype(np.int32), value[order].astype(np.int32)


ROW_BLOCKS = 1024


def _row_blocks(slots_per_row: np.ndarray) -> np.ndarray:
    """Boundaries of ROW_BLOCKS runs of rows with about equal work each (a row
    costs its slots plus a fixed part); the same for every thread count."""
    n = len(slots_per_row)
    work = np.concatenate([[0], np.cumsum(slots_per_row + 4, dtype=np.int64)])
    blocks = min(ROW_BLOCKS, max(n, 1))
    bounds = np.searchsorted(work, np.linspace(0, work[-1], blocks + 1), side="left")
    bounds[0], bounds[-1] = 0, n
    return np.unique(bounds).astype(np.int32)


def _offsets(sizes: dict[int, int], n_ids: int) -> tuple[np.ndarray, int]:
    off = np.zeros(max(n_ids, 1), dtype=np.int64)
    at = 0
    for fid, size in sizes.items():
        off[fid] = at
        at += size
    return off, at


def _node_numbering(model: Model, analysis: Analysis, interleave: bool) -> tuple[dict, dict]:
    """For each node class, its instances' indices in the order they are stored,
    and each stored node's position in the elimination order.

    Nodes are numbered by their position in the elimination order of the graph
    the couplings make, so that the solve and the gathers walk memory forward
    (one thread solves a component after another).  ``interleave`` numbers them
    instead by their depth in their component's elimination order, then by
    component: the first pivots of all components, then all the second ones...
    (CoreNEURON's cell permutation).  On a GPU, where each thread solves its own
    component, the threads of a warp then read neighbouring addresses at every
    pivot; mechanism instances, stored in the order of their nodes, follow.
    """
    base, total = {}, 0
    for cls in analysis.node_blocks:
        base[cls] = total
        total += len(model.nodes[cls])
    code_base = np.array([base[cls] for cls in model.node_classes], dtype=np.int64)
    rows, cols = [], []
    for cls, inst in model.mechanisms.items():
        if len(cls.roles) == 2 and len(inst):
            for r, out in ((0, rows), (1, cols)):
                code, index = inst.nodes(r)
                out.append(code_base[code] + index)
    cat = (lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64))
    rows, cols = cat(rows), cat(cols)
    rank = elimination_rank(total, rows, cols)
    key = rank
    if interleave:
        graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(total, total))
        _, comp = connected_components(graph, directed=False)
        start = np.full(comp.max() + 1 if total else 0, total, dtype=np.int64)
        np.minimum.at(start, comp, rank)
        key = (rank - start[comp]) * np.int64(total) + comp
    stored = {cls: np.argsort(key[base[cls]:base[cls] + len(model.nodes[cls])], kind="stable").astype(np.int32)
              for cls in analysis.node_blocks}
    return stored, {cls: rank[base[cls] + order] for cls, order in stored.items()}


class _BlockOf:
    """Per instance of one mechanism class, the key of its block."""

    def __init__(self, keys: list, code: np.ndarray):
        self.keys, self.code = keys, code

    def __len__(self):
        return len(self.code)

    def __getitem__(self, i: int):
        return self.keys[self.code[i]]


def _group_mechanisms(model: Model, node_new: dict) -> tuple[dict, dict]:
    """Instances of each block (mechanism class x node classes), sorted by
    where their first node is stored; and per mechanism class, each instance's
    block and position in it."""
    members, mech_index = {}, {}
    for cls, inst in model.mechanisms.items():
        combos, combo_of = model.combinations(cls)
        first_code, first_index = inst.nodes(0)
        first_pos = np.zeros(len(inst), dtype=np.int64)
        for c, ncls in enumerate(model.node_classes):
            on = first_code == c
            first_pos[on] = node_new[ncls][first_index[on]]
        keys, where = [], np.zeros(len(inst), dtype=np.int32)
        for k, combo in enumerate(combos):
            key = (cls, combo)
            rows = np.flatnonzero(combo_of == k)
            rows = rows[np.argsort(first_pos[rows], kind="stable")]
            members[key] = rows.astype(np.int32)
            where[rows] = np.arange(len(rows))
            keys.append(key)
        mech_index[cls] = (_BlockOf(keys, combo_of.astype(np.int16 if len(keys) < 2 ** 15 else np.int32)), where)
    return members, mech_index


def flatten(model: Model, analysis: Analysis, interleave: bool = False) -> FlatModel:
    """The flat model; ``interleave`` stores the nodes of all components
    interleaved (for the GPU; see _node_numbering)."""
    ids = analysis.ids
    stored, node_rank = _node_numbering(model, analysis, interleave)
    node_new = {}
    for cls, order in stored.items():
        node_new[cls] = np.empty(len(order), dtype=np.int32)
        node_new[cls][order] = np.arange(len(order))
    count = np.zeros(max(ids.count, 1), dtype=np.int64)
    ysizes, psizes = {}, {}
    node_ubase = {}
    y_init, p_vals = {}, {}        # field id -> where its values come from (see _values)

    for cls, block in analysis.node_blocks.items():
        inst = model.nodes.get(cls)
        n = len(inst) if inst else 0
        count[block.count_id] = n
        for name, fid in block.potentials.items():
            ysizes[fid] = n
            y_init[fid] = (inst, name, cls.potentials()[name].default, stored[cls])
        for name, fid in block.params.items():
            psizes[fid] = n
            p_vals[fid] = (inst, name, cls.params()[name].default, stored[cls])
    unknown_ids = [fid for b in analysis.node_blocks.values() for fid in b.potentials.values()]

    members, mech_index = _group_mechanisms(model, node_new)
    for key, block in analysis.mech_blocks.items():
        cls = block.cls
        inst = model.mechanisms[cls]
        rows = members[key]
        count[block.count_id] = len(rows)
        for name, fid in block.states.items():
            ysizes[fid] = len(rows)
            y_init[fid] = (inst, name, cls.states()[name].default, rows)
        for name, fid in block.params.items():
            psizes[fid] = len(rows)
            p_vals[fid] = (inst, name, cls.params()[name].default, rows)

    # Y: unknowns first, in node-block order
    ordered = {fid: ysizes[fid] for fid in unknown_ids}
    ordered.update({fid: s for fid, s in ysizes.items() if fid not in ordered})
    yoff, n_y = _offsets(ordered, ids.yoff)
    n_unknowns = sum(ysizes[f] for f in unknown_ids)
    poff, n_p = _offsets(psizes, ids.poff)
    for cls, block in analysis.node_blocks.items():
        for name, fid in block.potentials.items():
            node_ubase[(cls, name)] = int(yoff[fid])

    # slots and gathers
    ssizes = {}
    ix = [np.zeros(0, dtype=np.int32)] * max(ids.ix, 1)
    inflow, diag, offd = {False: [], True: []}, {False: [], True: []}, []
    for key, block in analysis.mech_blocks.items():
        inst = model.mechanisms[block.cls]
        rows = members[key]
        n = len(rows)
        instances = np.arange(n, dtype=np.int32)
        node_of = {}
        for r, role in enumerate(block.cls.roles):
            idx = node_new[block.nodes[role].cls][inst.nodes(r)[1][rows]].astype(np.int32)
            ix[block.ix[role]] = idx
            node_of[role] = idx
        for sid in block.linear_states.values():
            ssizes[sid] = n
        for con in block.contributions:
            for sid in con.value_slots:
                ssizes[sid] = n
            for jids in con.jac_slots:
                for jid in jids:
                    ssizes[jid] = n
        soff_partial, _ = _offsets(ssizes, ids.soff)
        for con in block.contributions:
            for t, (role, _) in enumerate(con.targets):
                unk = node_ubase[(block.nodes[role].cls, con.potential)] + node_of[role]
                inflow[con.linear].append((unk, int(soff_partial[con.value_slots[t]]) + instances))
                for (rrole, rpot), jid in zip(con.reads, con.jac_slots[t]):
                    jslot = int(soff_partial[jid]) + instances
                    src = node_ubase[(block.nodes[rrole].cls, rpot)] + node_of[rrole]
                    same = unk == src
                    diag[con.linear].append((unk[same], jslot[same]))
                    offd.append((unk[~same], src[~same], jslot[~same], np.full((~same).sum(), con.linear)))
    soff, n_slots = _offsets(ssizes, ids.soff)

    def cat(parts, k):
        return np.concatenate([np.asarray(p[k], dtype=np.int32) for p in parts]) if parts else \
            np.zeros(0, dtype=np.int32)

    gathers = {"in": _csr(n_unknowns, cat(inflow[False], 0), cat(inflow[False], 1)),
               "jd": _csr(n_unknowns, cat(diag[False], 0), cat(diag[False], 1)),
               "lin_in": _csr(n_unknowns, cat(inflow[True], 0), cat(inflow[True], 1)),
               "lin_jd": _csr(n_unknowns, cat(diag[True], 0), cat(diag[True], 1))}
    del inflow, diag
    e_row, e_col, e_slot = (cat(offd, k) for k in range(3))
    e_linear = cat(offd, 3).astype(bool)
    del offd
    lin_ptr, lin_q = _csr(n_unknowns, e_row[e_linear], np.arange(int(e_linear.sum())))
    gathers["lin"] = (lin_ptr, e_col[e_linear][lin_q].astype(np.int32), e_slot[e_linear][lin_q].astype(np.int32))
    priority = np.zeros(n_unknowns)
    for cls, block in analysis.node_blocks.items():
        for k, fid in enumerate(block.potentials.values()):
            priority[yoff[fid]:yoff[fid] + len(node_rank[cls])] = node_rank[cls] * len(block.potentials) + k
    del node_rank, members
    program = build_program(n_unknowns, e_row, e_col, priority)
    _edges_in_slots(program, n_unknowns, n_slots, e_row, e_col, e_slot, e_linear, gathers)
    _assembly_rows(program, n_unknowns, gathers)
    gathers["row"] = (np.searchsorted(program.rows, np.arange(n_unknowns + 1)).astype(np.int32),
                      program.cols)
    release_freed_memory()          # the program's transients, before the data arrays are made
    Y0, P = _values(y_init, yoff, n_y), _values(p_vals, poff, n_p)

    flat = FlatModel(analysis, n_unknowns, Y0, P, n_slots, yoff, poff, soff, count, ix,
                     node_ubase, mech_index, gathers, program, node_new=node_new)
    _flatten_events(model, flat)
    return flat


def release_freed_memory() -> None:
    """Give the heap that flattening's (or loading's) transients left free back to the OS.

    glibc keeps freed heap pages, so the arrays a run allocates next would
    otherwise stack on top of them (ringtest medium: peak RSS 115 -> 107 MB).
    Elsewhere than glibc there is nothing to do."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _values(sources: dict, off: np.ndarray, size: int) -> np.ndarray:
    """A data array (Y0 or P) from the instances' columns: ``sources`` maps a field
    id to (instances, field, default, which instances in stored order).  Made after
    the solve program, whose construction is flattening's memory peak."""
    out = np.zeros(size)
    for fid, (inst, name, default, rows) in sources.items():
        out[off[fid]:off[fid] + len(rows)] = inst.column(name, default)[rows]
    return out


def _assembly_rows(program: Program, n_unknowns: int, gathers) -> None:
    """The rows the assembly phase builds (those of linear trees are built by
    their component's solve), in ROW_BLOCKS blocks of about equal work; and
    per linear tree, its rows with slots to add."""
    kind = gathers["tree"][0]
    comp_of = np.repeat(np.arange(len(kind)), np.diff(program.comp_ptr))
    assembled = np.ones(n_unknowns, dtype=bool)
    in_tree = kind[comp_of] == LINEAR_TREE
    assembled[program.order[in_tree]] = False
    rows = np.flatnonzero(assembled).astype(np.int32)
    work = sum(np.diff(gathers[name][0])[rows] for name in ("in", "jd", "lin"))
    gathers["asm_rows"] = rows
    gathers["rowblk"] = _row_blocks(work)
    pivots = np.flatnonzero(in_tree)
    slots = np.diff(gathers["in"][0]) + np.diff(gathers["jd"][0])
    patched = pivots[slots[program.order[pivots]] > 0]
    gathers["lt_patch"] = _csr(len(kind), comp_of[patched], program.order[patched])


def _edges_in_slots(program: Program, n_unknowns, n_slots, e_row, e_col, e_slot, e_linear, gathers) -> None:
    """Let each matrix entry with exactly one contributing slot be that slot.

    Entries with several contributors (parallel couplings) and entries that
    elimination updates (fill-in) get storage of their own, after the slots in
    S, summed in the assembly phase: a slot a linear contribution wrote once
    per run must never be overwritten.  The elimination program is rewritten
    to address S directly.
    """
    n = max(n_unknowns, 1)
    edge_of = np.searchsorted(program.rows.astype(np.int64) * n + program.cols, e_row.astype(np.int64) * n + e_col)
    contributors = np.bincount(edge_of, minlength=len(program.rows))
    nonlinear = np.bincount(edge_of, weights=(~e_linear).astype(float), minlength=len(program.rows)) > 0
    pivot_nonlinear = np.zeros(len(program.up_ptr) - 1, dtype=bool)
    owner = np.repeat(np.arange(len(pivot_nonlinear)), np.diff(program.up_ptr))
    pivot_nonlinear[owner[nonlinear[program.up_kj] | nonlinear[program.up_jk]]] = True
    direct = contributors == 1
    direct[program.fill_e] = False
    value = np.zeros(len(program.rows), dtype=np.int64)
    lone = direct[edge_of]
    value[edge_of[lone]] = e_slot[lone]
    extra = np.flatnonzero(~direct)
    value[extra] = n_slots + np.arange(len(extra))
    position = np.full(len(program.rows), -1, dtype=np.int64)
    position[extra] = np.arange(len(extra))
    gathers["xe"] = _csr(len(extra), position[edge_of[~lone]], e_slot[~lone])
    gathers["edge_val"] = value.astype(np.int32)
    program.up_kj = value[program.up_kj].astype(np.int32)
    program.up_jk = value[program.up_jk].astype(np.int32)
    program.fill_e = value[program.fill_e].astype(np.int32)
    gathers["core_val"] = value[program.core_edge].astype(np.int32)
    gathers["tree"] = _tree_program(program, pivot_nonlinear)


#: component kinds for the solver (comp_tree): eliminated by their program, trees,
#: trees whose every entry comes from linear contributions (constant values)
GENERAL, TREE, LINEAR_TREE = 0, 1, 2


def _tree_program(program: Program, pivot_nonlinear: np.ndarray):
    """Per-pivot parent arrays for components that are trees (at most one
    remaining neighbour per pivot, no fill), which the solver walks without
    inner loops; returns (kind per component, parent, a[k][parent], a[parent][k])."""
    ups = np.diff(program.up_ptr)
    n = len(ups)
    first = program.up_ptr[:-1]
    has_up = ups == 1
    parent = np.full(n, -1, dtype=np.int32)
    kj = np.zeros(n, dtype=np.int32)
    jk = np.zeros(n, dtype=np.int32)
    parent[has_up] = program.up_node[first[has_up]]
    kj[has_up] = program.up_kj[first[has_up]]
    jk[has_up] = program.up_jk[first[has_up]]
    simple = np.ones(n, dtype=bool)
    simple &= ups <= 1
    fills = np.zeros(n, dtype=bool)
    if len(program.fill_q):
        q_fill = np.diff(program.fill_ptr) > 0
        owner = np.repeat(np.arange(n), ups)
        fills[owner[q_fill]] = True
    simple &= ~fills
    comp_of = np.repeat(np.arange(len(program.comp_ptr) - 1), np.diff(program.comp_ptr))
    bad = program.comp_core.astype(bool)
    bad[comp_of[~simple]] = True
    kind = np.where(bad, GENERAL, TREE).astype(np.int8)
    varying = np.zeros(len(kind), dtype=bool)
    varying[comp_of[pivot_nonlinear]] = True
    kind[(kind == TREE) & ~varying] = LINEAR_TREE
    return kind, parent, kj, jk


def mech_location(flat: FlatModel, ref) -> tuple[MechBlock, int]:
    blocks, where = flat.mech_index[ref.cls]
    return flat.analysis.mech_blocks[blocks[ref.index]], int(where[ref.index])


def _flatten_events(model: Model, flat: FlatModel) -> None:
    n_src = model._n_sources
    is_gen = np.zeros(n_src, dtype=bool)
    gen_times = {}
    for s, times in model.generators:
        is_gen[s] = True
        gen_times[s] = np.array(times)
    det = sorted(model.detectors)
    flat.sources = {
        "n": n_src, "is_generator": is_gen, "times": gen_times,
        "det_src": np.array([s for s, _ in det], dtype=np.int32),
        "det_y": np.array([flat.node_ubase[(d.node.cls, d.potential)] + flat.node_new[d.node.cls][d.node.index]
                           for _, d in det],
                          dtype=np.int32),
        "det_thr": np.array([d.threshold for _, d in det], dtype=np.float64),
        "det_gid": np.array([d.gid for _, d in det], dtype=np.int64),
    }
    block_ids = {key: k for k, key in enumerate(flat.analysis.mech_blocks)}
    cons = model.connections
    tgt_key = np.zeros(len(cons), dtype=np.int64)
    tgt_blk = np.zeros(len(cons), dtype=np.int64)
    tgt_inst = np.zeros(len(cons), dtype=np.int64)
    for c, con in enumerate(cons):
        blocks, where = flat.mech_index[con.target.cls]
        tgt_blk[c] = block_ids[blocks[con.target.index]]
        tgt_inst[c] = where[con.target.index]
    big = int(tgt_inst.max()) + 1 if len(cons) else 1
    tgt_key = tgt_blk * big + tgt_inst
    uniq, inverse = np.unique(tgt_key, return_inverse=True)
    ptr, order = _csr(len(uniq), inverse, np.arange(len(cons)))
    order = order.astype(np.int64)
    src = np.array([con.source.index for con in cons], dtype=np.int32)
    delay = np.array([con.delay for con in cons], dtype=np.float64)
    max_delay = np.zeros(n_src)
    if len(cons):
        np.maximum.at(max_delay, src, delay)
    flat.connections = {
        "tgt_ptr": ptr, "tgt_cls": (uniq // big).astype(np.int32), "tgt_inst": (uniq % big).astype(np.int64),
        "con_src": src[order], "con_delay": delay[order],
        "con_weight": np.array([con.weight for con in cons], dtype=np.float64)[order],
        "max_delay": max_delay,
    }


def validate_rk4(flat: FlatModel, cap: np.ndarray) -> None:
    """RK4 treats zero-capacity unknowns algebraically, one at a time."""
    alg = cap == 0.0
    if not alg.any():
        return
    rows, cols = flat.program.rows, flat.program.cols
    bad = alg[rows] & alg[cols]
    if bad.any():
        e = int(np.argmax(bad))
        raise ModelError(f"rk4 cannot integrate coupled zero-capacity potentials "
                         f"({flat.unknown_name(rows[e])} and {flat.unknown_name(cols[e])}); "
                         f"use method='backward_euler'")
