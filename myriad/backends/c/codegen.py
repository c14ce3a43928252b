"""Generated C for a model structure: pycast's mechanism functions plus the
per-block kernels that csolver calls (``myr_currents``, ``myr_advance_states``...).

Kernels are built as pycparser ``c_ast`` and printed by pycast's generator.
Each kernel loops over the instances of one block, loads the fields the
block's methods read, calls the translated methods and writes only the
block's own slots or states.  The loop is where the targets differ: for
``openmp`` an orphaned ``#pragma omp for`` (the kernel runs inside the
solver's one parallel region), for ``cuda`` a loop over the whole grid (the
kernel runs inside the solver's one cooperative kernel), every function then
qualified ``__host__ __device__``.  The translation unit is the solver's
header, these kernels, csolver/solver.c and the target's launcher.
"""
from __future__ import annotations

from pathlib import Path

from pycparser import c_ast

from pycast import FieldBinding
from pycast import cbuild as cb
from myriad import abi, faults
from myriad.blocks import Analysis, MechBlock, NodeBlock

CSOLVER = Path(__file__).resolve().parents[3] / "csolver"
CTX = "myr_ctx"
IDX = "myr_idx"
OMP_FOR = "omp for schedule(static) nowait"
TARGETS = ("openmp", "cuda")
#: csolver's files around the generated kernels, per target
_PRELUDE = {"openmp": (), "cuda": ("cuda_emulation.h",)}
_LAUNCHER = {"openmp": "run_openmp.c", "cuda": "run_cuda.cu"}
_QUALIFIERS = {"openmp": (), "cuda": ("__host__", "__device__")}


def _instance_loop(target: str, body) -> list:
    """``for i in 0 .. n`` shared by the team: statically scheduled among the
    OpenMP threads, or strided over the CUDA grid (consecutive threads take
    consecutive instances, so their loads of each field coalesce)."""
    if target == "cuda":
        return [cb.for_range("i", cb.call("myr_rank"), "n", body, ctype="int64_t", step=cb.call("myr_team"))]
    return [cb.pragma(OMP_FOR), cb.for_range("i", 0, "n", body, ctype="int64_t")]


def _table(table: str, fid: int):
    return cb.index(cb.member("c", table), fid)


def _field_ptr(name: str, base: str, table: str, fid: int, writable: bool):
    """``double *name = base + c->table[fid]``; ``base`` is a kernel parameter or ``c->``member."""
    start = cb.member("c", base[3:]) if base.startswith("c->") else cb.ident(base)
    return cb.var(name, cb.DOUBLE, cb.binop("+", start, _table(table, fid)),
                  pointer=1, const_target=not writable, restrict=True)


def _ctx_param():
    return cb.param("c", CTX, pointer=1, const_target=True)


def _checked(body: list, sigs, base: int, word: int) -> list:
    """``body`` (one instance's work) with what a failed check needs when one of
    ``sigs`` reports them: a ``fault`` the calls report into, and the report of
    its key (myriad.faults) when it is set: one well-predicted branch."""
    if not any(getattr(sig, "fault", False) for sig in sigs):
        return body
    key = cb.binop("|", cb.binop("<<", cb.cast("int64_t", cb.binop("+", cb.const(base), cb.ident("fault"))),
                                 cb.const(faults.INSTANCE_BITS)), cb.ident("i"))
    report = cb.if_(cb.binop("!=", cb.ident("fault"), cb.const(0)),
                    [cb.call("myr_fault", cb.ident("c"), cb.const(word), key)])
    return [cb.var("fault", cb.INT, cb.const(0))] + body + [report]


def _fault_arg(sig) -> list:
    """The argument a call of ``sig`` passes for pycast_fault, if it takes one."""
    return [cb.unop("&", cb.ident("fault"))] if sig.fault else []


class _BlockKernels:
    """Builds the kernels of one mechanism block."""

    def __init__(self, block: MechBlock, target: str, base: int):
        self.b = block
        self.roles = block.cls.roles
        self.target = target
        self.base = base        # what its kernels add to a site number (myriad.faults)

    # --- how a field reaches a translated method ------------------------------
    def _loads(self, sigs, y_base: str, writable_states: bool):
        """Pointer declarations for every field of ``sigs`` and the instance loop's loads."""
        b = self.b
        paths = sorted({f.path for s in sigs if s for f in s.fields})
        decls = [cb.var("n", "int64_t", _table("count", b.count_id), const_=True)]
        decls += [cb.var(f"ix_{r}", IDX, cb.index(cb.member("c", "ix"), b.ix[r]), pointer=1,
                         const_target=True, restrict=True) for r in self.roles]
        loads = [cb.var(f"nd_{r}", IDX, cb.index(f"ix_{r}", "i"), const_=True) for r in self.roles]
        for path in paths:
            if path == ("t",):
                continue
            if len(path) == 1 and path[0] in b.params:
                decls.append(_field_ptr(f"p_{path[0]}", "c->P", "poff", b.params[path[0]], False))
            elif len(path) == 1:
                decls.append(_field_ptr(f"y_{path[0]}", y_base, "yoff", b.states[path[0]], writable_states))
                loads.append(cb.var(f"v_{path[0]}", cb.DOUBLE, cb.index(f"y_{path[0]}", "i"), const_=True))
            else:
                role, name = path
                node = b.nodes[role]
                if name in node.potentials:
                    decls.append(_field_ptr(f"{role}_{name}", y_base, "yoff", node.potentials[name], False))
                    loads.append(cb.var(f"v_{role}_{name}", cb.DOUBLE,
                                        cb.index(f"{role}_{name}", f"nd_{role}"), const_=True))
                else:
                    decls.append(_field_ptr(f"{role}_{name}", "c->P", "poff", node.params[name], False))
        return decls, loads

    def _arg(self, field, at: dict, as_pointer: bool):
        path = field.path
        if path == ("t",):
            return cb.ident("t")
        if len(path) == 1 and path[0] in self.b.params:
            return cb.index(f"p_{path[0]}", "i")
        if len(path) == 1:
            if as_pointer and field.writable:
                return cb.binop("+", cb.ident(f"y_{path[0]}"), cb.ident("i"))
            local = cb.ident(f"v_{path[0]}")
        else:
            role, name = path
            if name not in self.b.nodes[role].potentials:
                return cb.index(f"{role}_{name}", f"nd_{role}")
            local = cb.ident(f"v_{role}_{name}")
        return at.get(path, local)

    def _call(self, sig, explicit=(), at=None, as_pointer=False):
        """A call of ``sig``; ``at`` replaces the loaded values of some fields by expressions."""
        args = list(explicit) + [self._arg(f, at or {}, as_pointer) for f in sig.fields]
        return cb.call(sig.cname, *args, *_fault_arg(sig))

    def _kernel(self, suffix: str, params, sigs, body_fn, y_base="Y", writable=False, loop=True):
        decls, loads = self._loads(sigs, y_base, writable)
        inner = _checked(loads + body_fn(), sigs, self.base, faults.PHASES if loop else faults.EVENTS)
        if loop:
            body = decls + _instance_loop(self.target, inner)
        else:
            body = [d for d in decls if d.name != "n"] + inner
        return cb.function(f"{self.b.name}_{suffix}", "void", params, body,
                           funcspec=("inline", *_QUALIFIERS[self.target]))

    # --- kernels --------------------------------------------------------------
    def _slot_pointers(self, contributions):
        ptrs = []
        for k, con in contributions:
            for t, sid in enumerate(con.value_slots):
                ptrs.append(_field_ptr(f"s_{k}_{t}", "S", "soff", sid, True))
                ptrs += [_field_ptr(f"s_{k}_{t}_d{j}", "S", "soff", jid, True)
                         for j, jid in enumerate(con.jac_slots[t])]
        return ptrs

    @staticmethod
    def _store(k: int, con):
        """Each target's value and Jacobian slots from ``f_k`` and ``d_k_j`` (negated for sign -1)."""
        out = []
        for t, (_, sign) in enumerate(con.targets):
            def signed(expr):
                return expr if sign > 0 else cb.unop("-", expr)
            out.append(cb.assign(cb.index(f"s_{k}_{t}", "i"), signed(cb.ident(f"f_{k}"))))
            out += [cb.assign(cb.index(f"s_{k}_{t}_d{j}", "i"), signed(cb.ident(f"d_{k}_{j}")))
                    for j in range(len(con.reads))]
        return out

    def _slot_kernel(self, suffix: str, contributions, body_of, states=(), state_body=None):
        """A kernel over the instances that fills the slots of ``contributions``
        (and does ``state_body`` for ``states``); None when there is nothing to do."""
        if not contributions and not states:
            return None

        def body():
            out = []
            for k, con in contributions:
                out += body_of(k, con) + self._store(k, con)
            for state in states:
                out += state_body(state)
            return out

        params = [_ctx_param(), cb.param("Y", cb.DOUBLE, pointer=1, const_target=True, restrict=True),
                  cb.param("S", cb.DOUBLE, pointer=1, restrict=True), cb.param("t", cb.DOUBLE)]
        sigs = [con.signature for _, con in contributions] + [self.b.derivatives[x] for x in states]
        fn = self._kernel(suffix, params, sigs, body)
        fn.body.block_items[1:1] = self._slot_pointers(contributions) + [
            _field_ptr(f"phi_{x}", "S", "soff", self.b.linear_states[x], True) for x in states]
        return fn

    def currents(self):
        """Value and finite-difference Jacobian of every contribution that is not linear, per step."""
        def body_of(k, con):
            out = [cb.Comment(f"{self.b.cls.__name__}.{con.method}: value and d/d of "
                              + (", ".join(f"{r}.{p}" for r, p in con.reads) or "nothing")),
                   cb.var(f"f_{k}", cb.DOUBLE, self._call(con.signature), const_=True)]
            for j, (role, pot) in enumerate(con.reads):
                h = f"h_{k}_{j}"
                out.append(cb.var(h, cb.DOUBLE, cb.call("myr_perturbation", cb.ident(f"v_{role}_{pot}")),
                                  const_=True))
                plus = self._call(con.signature, at={(role, pot): cb.binop("+", cb.ident(f"v_{role}_{pot}"),
                                                                                 cb.ident(h))})
                out.append(cb.var(f"d_{k}_{j}", cb.DOUBLE,
                                  cb.binop("*", cb.binop("-", plus, cb.ident(f"f_{k}")),
                                           cb.call("myr_reciprocal_pow2", cb.ident(h))),
                                  const_=True))
            return out
        return self._slot_kernel("currents", [(k, c) for k, c in enumerate(self.b.contributions) if not c.linear],
                                 body_of)

    def linearise(self):
        """Once per run: offset (all potentials 0) and coefficients (one potential 1) of
        every linear contribution, and exponential Euler's factor of every linear state."""
        def body_of(k, con):
            zero = {(role, pot): cb.const(0.0) for role, pot in con.reads}
            out = [cb.Comment(f"{self.b.cls.__name__}.{con.method} is affine in "
                              + ", ".join(f"{r}.{p}" for r, p in con.reads) + ": offset and coefficients"),
                   cb.var(f"f_{k}", cb.DOUBLE, self._call(con.signature, at=zero), const_=True)]
            for j, read in enumerate(con.reads):
                unit = cb.binop("-", self._call(con.signature, at={**zero, read: cb.const(1.0)}),
                                cb.ident(f"f_{k}"))
                out.append(cb.var(f"d_{k}_{j}", cb.DOUBLE, unit, const_=True))
            return out

        def state_body(x):
            sig = self.b.derivatives[x]
            rate = cb.binop("-", self._call(sig, at={(x,): cb.const(1.0)}), self._call(sig, at={(x,): cb.const(0.0)}))
            return [cb.Comment(f"{self.b.cls.__name__}.ddt_{x} is affine in {x} with a constant rate"),
                    cb.assign(cb.index(f"phi_{x}", "i"),
                              cb.call("myr_exp_euler_factor", rate, cb.member("c", "dt")))]
        return self._slot_kernel("linearise", [(k, c) for k, c in enumerate(self.b.contributions) if c.linear],
                                 body_of, list(self.b.linear_states), state_body)

    def _state_rates(self, states):
        """Derivative and finite-difference diagonal rate of ``states``."""
        out = []
        for s in states:
            sig = self.b.derivatives[s]
            out.append(cb.var(f"f_{s}", cb.DOUBLE, self._call(sig), const_=True))
            out.append(cb.var(f"h_{s}", cb.DOUBLE, cb.call("myr_perturbation", cb.ident(f"v_{s}")), const_=True))
            plus = self._call(sig, at={(s,): cb.binop("+", cb.ident(f"v_{s}"), cb.ident(f"h_{s}"))})
            out.append(cb.var(f"r_{s}", cb.DOUBLE,
                              cb.binop("*", cb.binop("-", plus, cb.ident(f"f_{s}")),
                                       cb.call("myr_reciprocal_pow2", cb.ident(f"h_{s}"))),
                              const_=True))
        return out

    def _state_sigs(self):
        sigs = list(self.b.derivatives.values())
        # every state is loaded so that perturbations can refer to it
        return sigs + [_StateReader(self.b)]

    def derivatives(self):
        b = self.b
        ptrs = [_field_ptr(f"k_{s}", "K", "yoff", b.states[s], True) for s in b.derivatives]

        def body():
            return [cb.assign(cb.index(f"k_{s}", "i"), self._call(sig)) for s, sig in b.derivatives.items()]

        params = [_ctx_param(), cb.param("Y", cb.DOUBLE, pointer=1, const_target=True, restrict=True),
                  cb.param("K", cb.DOUBLE, pointer=1, restrict=True), cb.param("t", cb.DOUBLE)]
        fn = self._kernel("derivatives", params, self._state_sigs(), body)
        fn.body.block_items[1:1] = ptrs
        return fn

    def advance(self):
        b = self.b
        varying = [s for s in b.derivatives if s not in b.linear_states]

        def body():
            out = [cb.Comment("exponential Euler at the new potentials (exact for equations linear in the state)")]
            out += self._state_rates(varying)
            out += [cb.var(f"f_{s}", cb.DOUBLE, self._call(b.derivatives[s]), const_=True) for s in b.linear_states]
            for s in b.derivatives:
                step = cb.binop("*", cb.ident(f"f_{s}"), cb.index(f"phi_{s}", "i")) if s in b.linear_states else \
                    cb.call("myr_exp_euler_increment", cb.ident(f"f_{s}"), cb.ident(f"r_{s}"), cb.ident("dt"))
                out.append(cb.assign(cb.index(f"y_{s}", "i"), cb.binop("+", cb.ident(f"v_{s}"), step)))
            return out

        params = [_ctx_param(), cb.param("Y", cb.DOUBLE, pointer=1, restrict=True),
                  cb.param("t", cb.DOUBLE), cb.param("dt", cb.DOUBLE)]
        fn = self._kernel("advance_states", params, self._state_sigs(), body, writable=True)
        fn.body.block_items[1:1] = [_field_ptr(f"phi_{s}", "c->S", "soff", sid, False)
                                    for s, sid in b.linear_states.items()]
        return fn

    def state_jacobian(self):
        b = self.b
        ptrs = [_field_ptr(f"r_out_{s}", "R", "yoff", b.states[s], True) for s in b.derivatives]

        def body():
            return self._state_rates(b.derivatives) + [cb.assign(cb.index(f"r_out_{s}", "i"), cb.ident(f"r_{s}"))
                                          for s in b.derivatives]

        params = [_ctx_param(), cb.param("Y", cb.DOUBLE, pointer=1, const_target=True, restrict=True),
                  cb.param("R", cb.DOUBLE, pointer=1, restrict=True), cb.param("t", cb.DOUBLE)]
        fn = self._kernel("state_jacobian", params, self._state_sigs(), body)
        fn.body.block_items[1:1] = ptrs
        return fn

    def initialize(self):
        sig = self.b.initialize
        params = [_ctx_param(), cb.param("Y", cb.DOUBLE, pointer=1, restrict=True), cb.param("t", cb.DOUBLE)]
        return self._kernel("initialize", params, [sig],
                            lambda: [self._call(sig, as_pointer=True)], writable=True)

    def on_event(self):
        """The event's effect.  Crank-Nicolson delivers it in parts (myr_deliver_events):
        ``share`` of each change of a state with dynamics, evolved by its own rate over
        ``lag`` (e^(rate lag)); the changes of states without dynamics unless ``keep`` is 0.
        Backward Euler and rk4 (lag 0, share 1, keep 1): the effect as it is."""
        b, sig = self.b, self.b.on_event
        moved, fixed = b.event_states(), b.event_fixed_states()
        params = [_ctx_param(), cb.param("i", "int64_t"), cb.param("Y", cb.DOUBLE, pointer=1, restrict=True),
                  cb.param("weight", cb.DOUBLE), cb.param("t", cb.DOUBLE), cb.param("lag", cb.DOUBLE),
                  cb.param("share", cb.DOUBLE), cb.param("keep", "int")]

        def body():
            out = [self._call(sig, [cb.ident("weight")], as_pointer=True)]
            if moved:
                evolve = self._state_rates(moved) + [
                    cb.assign(cb.index(f"y_{s}", "i"), cb.binop("+", cb.ident(f"v_{s}"), cb.binop(
                        "*", cb.binop("-", cb.index(f"y_{s}", "i"), cb.ident(f"v_{s}")),
                        cb.binop("*", cb.call("exp", cb.binop("*", cb.ident(f"r_{s}"), cb.ident("lag"))),
                                 cb.ident("share")))))
                    for s in moved]
                out.append(cb.if_(cb.binop("||", cb.binop("!=", cb.ident("lag"), cb.const(0.0)),
                                           cb.binop("!=", cb.ident("share"), cb.const(1.0))), evolve))
            if fixed:
                out.append(cb.if_(cb.unop("!", cb.ident("keep")),
                                  [cb.assign(cb.index(f"y_{s}", "i"), cb.ident(f"v_{s}")) for s in fixed]))
            return out
        sigs = [sig] + ([b.derivatives[s] for s in moved] + [_StateReader(b)] if moved else [])
        return self._kernel("on_event", params, sigs, body, writable=True, loop=False)


class _StateReader:
    """A pseudo-signature that reads every state of a block (for state kernels)."""

    def __init__(self, block: MechBlock):
        self.fields = [FieldBinding((s,), s, cb.DOUBLE, False) for s in block.states]


def _capacities(block: NodeBlock, target: str, base: int) -> c_ast.FuncDef:
    body = [cb.var("n", "int64_t", _table("count", block.count_id), const_=True)]
    loop = []
    for pot, fid in block.potentials.items():
        cap = block.capacity[pot]
        out = cb.index(cb.binop("+", cb.ident("cap"), _table("yoff", fid)), "i")
        if isinstance(cap, str):
            body.append(_field_ptr(f"p_{cap}", "c->P", "poff", block.params[cap], False))
            loop.append(cb.assign(out, cb.index(f"p_{cap}", "i")))
            continue
        args = []
        for f in cap.fields:
            name = f.path[0]
            if name in block.params:
                ptr, base, table, fid2 = f"p_{name}", "c->P", "poff", block.params[name]
            else:
                ptr, base, table, fid2 = f"y_{name}", "Y", "yoff", block.potentials[name]
            if not any(isinstance(d, c_ast.Decl) and d.name == ptr for d in body):
                body.append(_field_ptr(ptr, base, table, fid2, False))
            args.append(cb.index(ptr, "i"))
        loop.append(cb.assign(out, cb.call(cap.cname, *args, *_fault_arg(cap))))
    methods = [cap for cap in block.capacity.values() if not isinstance(cap, str)]
    body += _instance_loop(target, _checked(loop, methods, base, faults.PHASES))
    params = [_ctx_param(), cb.param("Y", cb.DOUBLE, pointer=1, const_target=True, restrict=True),
              cb.param("cap", cb.DOUBLE, pointer=1, restrict=True)]
    return cb.function(f"{block.name}_capacities", "void", params, body, funcspec=("inline", *_QUALIFIERS[target]))


def _layout() -> c_ast.FuncDef:
    """``myr_ctx_layout``: each field of myriad.abi's table, its offset and size as
    this compiler lays out the header's ``myr_ctx``, and the status codes, so
    that loading the library can check the two agree field by field."""
    body = []
    for k, f in enumerate(abi.FIELDS):
        member = c_ast.StructRef(c_ast.Cast(cb.typename(CTX, pointer=1), cb.const(0)), "->", cb.ident(f.name))
        body.append(cb.assign(cb.index("offset", k), cb.call("offsetof", cb.ident(CTX), cb.ident(f.name))))
        body.append(cb.assign(cb.index("size", k), cb.unop("sizeof", member)))
    body += [cb.assign(cb.index("status", k), cb.ident(f"MYR_{s.name}")) for k, s in enumerate(abi.Status)]
    body.append(cb.ret(cb.unop("sizeof", cb.typename(CTX))))
    params = [cb.param(name, "int64_t", pointer=1) for name in ("offset", "size", "status")]
    return cb.function("myr_ctx_layout", "int64_t", params, body, storage=(), funcspec=())


def generate(analysis: Analysis, target: str = "openmp") -> str:
    """The complete translation unit for a model structure: C99 for the
    ``openmp`` target, CUDA C++ (a .cu file) for ``cuda``."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}")
    qualifiers = _QUALIFIERS[target]

    def dispatcher(name: str, params, calls) -> c_ast.FuncDef:
        return cb.function(name, "void", params, list(calls), funcspec=qualifiers)

    ext = [cb.Comment("Generated by myriad.backends.c.codegen: translated mechanism methods (pycast)")]
    ext += analysis.unit.definitions(qualifiers=qualifiers)
    ext.append(cb.Comment("Per-block kernels"))
    calls = {k: [] for k in ("cap", "init", "cur", "lin", "der", "adv", "jac")}
    deliver_cases = []
    for block in analysis.node_blocks.values():
        ext.append(_capacities(block, target, faults.base(analysis, block)))
        calls["cap"].append(cb.call(f"{block.name}_capacities", cb.ident("c"), cb.ident("Y"), cb.ident("cap")))
    for k, block in enumerate(analysis.mech_blocks.values()):
        kb = _BlockKernels(block, target, faults.base(analysis, block))
        for kernel, key in ((kb.currents(), "cur"), (kb.linearise(), "lin")):
            if kernel is not None:
                ext.append(kernel)
                calls[key].append(cb.call(kernel.decl.name, *map(cb.ident, ("c", "Y", "S", "t"))))
        if block.states:
            ext += [kb.derivatives(), kb.advance(), kb.state_jacobian()]
            calls["der"].append(cb.call(f"{block.name}_derivatives", *map(cb.ident, ("c", "Y", "K", "t"))))
            calls["adv"].append(cb.call(f"{block.name}_advance_states", *map(cb.ident, ("c", "Y", "t", "dt"))))
            calls["jac"].append(cb.call(f"{block.name}_state_jacobian", *map(cb.ident, ("c", "Y", "R", "t"))))
        if block.initialize:
            ext.append(kb.initialize())
            calls["init"].append(cb.call(f"{block.name}_initialize", *map(cb.ident, ("c", "Y", "t"))))
        if block.on_event:
            ext.append(kb.on_event())
            deliver_cases.append(c_ast.Case(cb.const(k), [
                cb.call(f"{block.name}_on_event", *map(cb.ident, ("c", "inst", "Y", "weight", "t", "lag", "share",
                                                                 "keep"))),
                c_ast.Break()]))

    def p(name, ctype=cb.DOUBLE, pointer=0, const_target=False):
        return cb.param(name, ctype, pointer=pointer, const_target=const_target, restrict=bool(pointer))

    ctx = _ctx_param()
    ext.append(dispatcher("myr_capacities", [ctx, p("Y", pointer=1, const_target=True), p("cap", pointer=1)],
                           calls["cap"]))
    ext.append(dispatcher("myr_initialize", [ctx, p("Y", pointer=1), p("t")], calls["init"]))
    ext.append(dispatcher("myr_currents", [ctx, p("Y", pointer=1, const_target=True), p("S", pointer=1), p("t")],
                           calls["cur"]))
    ext.append(dispatcher("myr_linearise", [ctx, p("Y", pointer=1, const_target=True), p("S", pointer=1), p("t")],
                           calls["lin"]))
    ext.append(dispatcher("myr_derivatives", [ctx, p("Y", pointer=1, const_target=True), p("K", pointer=1),
                                               p("t")], calls["der"]))
    ext.append(dispatcher("myr_advance_states", [ctx, p("Y", pointer=1), p("t"), p("dt")], calls["adv"]))
    ext.append(dispatcher("myr_state_jacobian", [ctx, p("Y", pointer=1, const_target=True), p("R", pointer=1),
                                                  p("t")], calls["jac"]))
    switch = c_ast.Switch(cb.ident("cls"), cb.block(deliver_cases + [c_ast.Default([c_ast.Break()])]))
    ext.append(dispatcher("myr_deliver", [ctx, cb.param("cls", IDX), cb.param("inst", "int64_t"), p("Y", pointer=1),
                                           p("weight"), p("t"), p("lag"), p("share"), cb.param("keep", "int")],
                          [switch]))
    ext.append(_layout())
    define = "#define MYR_CUDA 1\n" if target == "cuda" else ""
    before = [(CSOLVER / name).read_text() for name in (*_PRELUDE[target], "myriad_solver.h")]
    after = [(CSOLVER / name).read_text() for name in ("solver.c", _LAUNCHER[target])]
    return "\n".join([define + before[0], *before[1:], cb.render(c_ast.FileAST(ext)), *after])
