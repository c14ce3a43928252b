"""Python source of a model's kernels for the numba backend.

The kernels are those of myriad/backends/c/codegen.py, phase for phase: the same loads,
the same calls of the translated methods, the same finite-difference
Jacobians with power-of-two steps, written as Python for ``numba.njit``.
Every kernel receives the model's data as one tuple
``M = (P, yoff, poff, soff, count, ix, ixoff, faults)``; ``ix`` is the context's
per-role index arrays laid end to end (``ixoff`` says where each starts),
because numba takes a flat array more readily than a list of them, and
``faults`` is the context's ``fault`` words, into which a kernel reports a
translated method's failed check as codegen's kernels do (myriad.faults).
"""
from __future__ import annotations

from myriad import faults
from myriad.blocks import Analysis, MechBlock, NodeBlock
from myriad.backends.numba.translate import array_fields, translate_unit

MODEL = "P, yoff, poff, soff, count, ix, ixoff, faults = M"

HELPERS = '''
@kernel
def perturbation(s):
    """myr_perturbation: the power of two of s's exponent times 2^-20, at least 2^-30."""
    p = np.int64(np.float64(s).view(np.int64) & 0x7FF0000000000000).view(np.float64) * 2.0 ** -20
    return p if p > 2.0 ** -30 else 2.0 ** -30


@kernel
def exp_euler_factor(rate, dt):
    x = rate * dt
    if abs(x) < 1e-12:
        return dt
    return math.expm1(x) / rate


@kernel
def exp_euler_increment(f, rate, dt):
    return f * exp_euler_factor(rate, dt)


@kernel
def checked_floordiv(a, b, site, fault):
    """pycast_floordiv_checked_int: b == 0 reports site in fault[0] (the first stays) and gives 0."""
    if b == 0:
        if fault[0] == 0:
            fault[0] = site
        return 0
    return a // b


@kernel
def checked_mod(a, b, site, fault):
    """pycast_mod_checked_int, as checked_floordiv."""
    if b == 0:
        if fault[0] == 0:
            fault[0] = site
        return 0
    return a % b


@kernel
def report_fault(faults, word, key):
    """myr_fault: the smallest key of a phase stays."""
    if key < faults[word]:
        faults[word] = key
'''


def _checked(body, sigs, base, word):
    """codegen._checked: the lines that make a ``fault`` cell (once per kernel call) and
    ``body`` (one instance's work) with the cell cleared, the calls reporting into it, and
    its report."""
    if not any(getattr(sig, "fault", False) for sig in sigs):
        return [], body
    key = f"(({base} + fault[0]) << {faults.INSTANCE_BITS}) | i"
    report = ["if fault[0] != 0:", f"    report_fault(faults, {word}, {key})"]
    return ["fault = np.zeros(1, np.int64)"], ["fault[0] = 0"] + body + report


def _fault_arg(sig):
    return ["fault"] if sig.fault else []


def _indent(lines, depth):
    return [("    " * depth + line) if line else line for line in lines]


class _Block:
    """Source of one mechanism block's kernels (see codegen._BlockKernels)."""

    def __init__(self, block: MechBlock, base: int):
        self.b = block
        self.base = base        # what its kernels add to a site number (myriad.faults)

    def _loads(self, sigs, base="Y"):
        b = self.b
        paths = sorted({f.path for s in sigs if s for f in s.fields})
        decls = [MODEL, f"n = count[{b.count_id}]"]
        decls += [f"ix_{r} = ix[ixoff[{b.ix[r]}]:ixoff[{b.ix[r] + 1}]]" for r in b.cls.roles]
        loads = [f"nd_{r} = ix_{r}[i]" for r in b.cls.roles]
        for path in paths:
            if path == ("t",):
                continue
            if len(path) == 1 and path[0] in b.params:
                decls.append(f"p_{path[0]} = P[poff[{b.params[path[0]]}]:]")
            elif len(path) == 1:
                decls.append(f"y_{path[0]} = {base}[yoff[{b.states[path[0]]}]:]")
                loads.append(f"v_{path[0]} = y_{path[0]}[i]")
            else:
                role, name = path
                node = b.nodes[role]
                if name in node.potentials:
                    decls.append(f"{role}_{name} = {base}[yoff[{node.potentials[name]}]:]")
                    loads.append(f"v_{role}_{name} = {role}_{name}[nd_{role}]")
                else:
                    decls.append(f"{role}_{name} = P[poff[{node.params[name]}]:]")
        return decls, loads

    def _arg(self, field, at, arrays):
        path = field.path
        if path == ("t",):
            return "t"
        if len(path) == 1 and path[0] in self.b.params:
            return f"p_{path[0]}[i]"
        if len(path) == 1:
            if path in arrays:
                return f"y_{path[0]}[i:i + 1]"
            local = f"v_{path[0]}"
        else:
            role, name = path
            if name not in self.b.nodes[role].potentials:
                return f"{role}_{name}[nd_{role}]"
            local = f"v_{role}_{name}"
        return at.get(path, local)

    def _call(self, sig, explicit=(), at=None, written=frozenset()):
        """A call of ``sig``; ``at`` replaces the loaded values of some fields by expressions."""
        arrays = array_fields(sig, written)
        args = list(explicit) + [self._arg(f, at or {}, arrays) for f in sig.fields] + _fault_arg(sig)
        return f"{sig.cname}({', '.join(args)})"

    def _kernel(self, suffix, params, sigs, body, extra=(), loop=True):
        decls, loads = self._loads(sigs)
        cell, inner = _checked(loads + body, sigs, self.base, faults.PHASES if loop else faults.EVENTS)
        decls += list(extra) + cell
        lines = [f"def {self.b.name}_{suffix}({params}):"]
        if loop:
            lines += _indent(decls + ["for i in range(n):"], 1) + _indent(inner, 2)
        else:
            lines += _indent([d for d in decls if not d.startswith("n = ")] + inner, 1)
        return "@kernel\n" + "\n".join(lines) + "\n"

    def _slot_kernel(self, suffix, params, contributions, body_of, states=(), state_body=None):
        """codegen._BlockKernels._slot_kernel."""
        if not contributions and not states:
            return None
        slots, body = [], []
        for k, con in contributions:
            for t, sid in enumerate(con.value_slots):
                slots.append(f"s_{k}_{t} = S[soff[{sid}]:]")
                slots += [f"s_{k}_{t}_d{j} = S[soff[{jid}]:]" for j, jid in enumerate(con.jac_slots[t])]
            body += body_of(k, con)
            for t, (_, sign) in enumerate(con.targets):
                minus = "" if sign > 0 else "-"
                body.append(f"s_{k}_{t}[i] = {minus}f_{k}")
                body += [f"s_{k}_{t}_d{j}[i] = {minus}d_{k}_{j}" for j in range(len(con.reads))]
        for x in states:
            slots.append(f"phi_{x} = S[soff[{self.b.linear_states[x]}]:]")
            body += state_body(x)
        sigs = [con.signature for _, con in contributions] + [self.b.derivatives[x] for x in states]
        return self._kernel(suffix, params, sigs, body, extra=slots)

    def currents(self):
        def body_of(k, con):
            out = [f"f_{k} = {self._call(con.signature)}"]
            for j, (role, pot) in enumerate(con.reads):
                h = f"h_{k}_{j}"
                out.append(f"{h} = perturbation(v_{role}_{pot})")
                plus = self._call(con.signature, at={(role, pot): f"(v_{role}_{pot} + {h})"})
                out.append(f"d_{k}_{j} = ({plus} - f_{k}) * (1.0 / {h})")
            return out
        return self._slot_kernel("currents", "Y, S, t, M",
                                 [(k, c) for k, c in enumerate(self.b.contributions) if not c.linear], body_of)

    def linearise(self):
        def body_of(k, con):
            zero = {read: "0.0" for read in con.reads}
            out = [f"f_{k} = {self._call(con.signature, at=zero)}"]
            out += [f"d_{k}_{j} = {self._call(con.signature, at={**zero, read: '1.0'})} - f_{k}"
                    for j, read in enumerate(con.reads)]
            return out

        def state_body(x):
            sig = self.b.derivatives[x]
            rate = f"{self._call(sig, at={(x,): '1.0'})} - {self._call(sig, at={(x,): '0.0'})}"
            return [f"phi_{x}[i] = exp_euler_factor({rate}, dt)"]
        return self._slot_kernel("linearise", "Y, S, t, dt, M",
                                 [(k, c) for k, c in enumerate(self.b.contributions) if c.linear], body_of,
                                 list(self.b.linear_states), state_body)

    def _state_rates(self, states):
        out = []
        for s in states:
            sig = self.b.derivatives[s]
            out.append(f"f_{s} = {self._call(sig)}")
            out.append(f"h_{s} = perturbation(v_{s})")
            out.append(f"r_{s} = ({self._call(sig, at={(s,): f'(v_{s} + h_{s})'})} - f_{s}) * (1.0 / h_{s})")
        return out

    def _state_sigs(self):
        return list(self.b.derivatives.values()) + [_StateReader(self.b)]

    def derivatives(self):
        b = self.b
        body = [f"k_{s}[i] = {self._call(sig)}" for s, sig in b.derivatives.items()]
        extra = [f"k_{s} = K[yoff[{b.states[s]}]:]" for s in b.derivatives]
        return self._kernel("derivatives", "Y, K, t, M", self._state_sigs(), body, extra=extra)

    def advance(self):
        b = self.b
        body = self._state_rates([s for s in b.derivatives if s not in b.linear_states])
        body += [f"f_{s} = {self._call(b.derivatives[s])}" for s in b.linear_states]
        body += [f"y_{s}[i] = v_{s} + f_{s} * phi_{s}[i]" if s in b.linear_states else
                 f"y_{s}[i] = v_{s} + exp_euler_increment(f_{s}, r_{s}, dt)" for s in b.derivatives]
        extra = [f"phi_{s} = S[soff[{sid}]:]" for s, sid in b.linear_states.items()]
        return self._kernel("advance_states", "Y, S, t, dt, M", self._state_sigs(), body, extra=extra)

    def state_jacobian(self):
        b = self.b
        body = self._state_rates(b.derivatives) + [f"r_out_{s}[i] = r_{s}" for s in b.derivatives]
        extra = [f"r_out_{s} = R[yoff[{b.states[s]}]:]" for s in b.derivatives]
        return self._kernel("state_jacobian", "Y, R, t, M", self._state_sigs(), body, extra=extra)

    def initialize(self, written):
        sig = self.b.initialize
        return self._kernel("initialize", "Y, t, M", [sig], [self._call(sig, written=written)])

    def on_event(self, written):
        """codegen._BlockKernels.on_event: ``share`` of each change of a state with dynamics,
        evolved over ``lag`` by its own rate; changes of states without dynamics unless ``keep`` is 0."""
        b, sig = self.b, self.b.on_event
        moved, fixed = b.event_states(), b.event_fixed_states()
        body = [self._call(sig, ["weight"], written=written)]
        if moved:
            body += ["if lag != 0.0 or share != 1.0:"] + _indent(self._state_rates(moved) + [
                f"y_{s}[i] = v_{s} + (y_{s}[i] - v_{s}) * (math.exp(r_{s} * lag) * share)" for s in moved], 1)
        if fixed:
            body += ["if not keep:"] + _indent([f"y_{s}[i] = v_{s}" for s in fixed], 1)
        sigs = [sig] + ([b.derivatives[s] for s in moved] + [_StateReader(b)] if moved else [])
        return self._kernel("on_event", "i, Y, weight, t, lag, share, keep, M", sigs, body, loop=False)


class _StateReader:
    """A pseudo-signature that reads every state of a block (for state kernels)."""

    def __init__(self, block: MechBlock):
        self.fields = [_Path((s,)) for s in block.states]


class _Path:
    def __init__(self, path):
        self.path = path
        self.writable = False


def _capacities(block: NodeBlock, base: int) -> str:
    decls, loop = [MODEL, f"n = count[{block.count_id}]"], []
    for pot, fid in block.potentials.items():
        cap = block.capacity[pot]
        target = f"cap[yoff[{fid}] + i]"
        if isinstance(cap, str):
            decls.append(f"p_{cap} = P[poff[{block.params[cap]}]:]")
            loop.append(f"{target} = p_{cap}[i]")
            continue
        args = []
        for f in cap.fields:
            name = f.path[0]
            if name in block.params:
                line = f"p_{name} = P[poff[{block.params[name]}]:]"
                args.append(f"p_{name}[i]")
            else:
                line = f"y_{name} = Y[yoff[{block.potentials[name]}]:]"
                args.append(f"y_{name}[i]")
            if line not in decls:
                decls.append(line)
        loop.append(f"{target} = {cap.cname}({', '.join(args + _fault_arg(cap))})")
    cell, loop = _checked(loop, [cap for cap in block.capacity.values() if not isinstance(cap, str)], base,
                          faults.PHASES)
    lines = [f"def {block.name}_capacities(Y, cap, M):"] + _indent(decls + cell + ["for i in range(n):"], 1) \
        + _indent(loop, 2)
    return "@kernel\n" + "\n".join(lines) + "\n"


def _dispatcher(name, params, calls):
    body = calls or ["pass"]
    return "@kernel\n" + "\n".join([f"def {name}({params}):"] + _indent(body, 1)) + "\n"


def generate(analysis: Analysis) -> str:
    """The model's translated methods, block kernels and dispatchers (no imports, no solver)."""
    written = {id(t.signature): t.written for t in analysis.unit.translated()}
    parts = [HELPERS, translate_unit(analysis.unit)]
    calls = {k: [] for k in ("cap", "init", "cur", "lin", "der", "adv", "jac", "ev")}
    for block in analysis.node_blocks.values():
        parts.append(_capacities(block, faults.base(analysis, block)))
        calls["cap"].append(f"{block.name}_capacities(Y, cap, M)")
    for k, block in enumerate(analysis.mech_blocks.values()):
        kb = _Block(block, faults.base(analysis, block))
        for kernel, call, key in ((kb.currents(), "currents(Y, S, t, M)", "cur"),
                                  (kb.linearise(), "linearise(Y, S, t, dt, M)", "lin")):
            if kernel is not None:
                parts.append(kernel)
                calls[key].append(f"{block.name}_{call}")
        if block.states:
            parts += [kb.derivatives(), kb.advance(), kb.state_jacobian()]
            calls["der"].append(f"{block.name}_derivatives(Y, K, t, M)")
            calls["adv"].append(f"{block.name}_advance_states(Y, S, t, dt, M)")
            calls["jac"].append(f"{block.name}_state_jacobian(Y, R, t, M)")
        if block.initialize:
            parts.append(kb.initialize(written[id(block.initialize)]))
            calls["init"].append(f"{block.name}_initialize(Y, t, M)")
        if block.on_event:
            parts.append(kb.on_event(written[id(block.on_event)]))
            calls["ev"] += [f"if cls == {k}:", f"    {block.name}_on_event(inst, Y, weight, t, lag, share, keep, M)"]
    parts += [_dispatcher("capacities", "Y, cap, M", calls["cap"]),
              _dispatcher("initialize", "Y, t, M", calls["init"]),
              _dispatcher("currents", "Y, S, t, M", calls["cur"]),
              _dispatcher("linearise", "Y, S, t, dt, M", calls["lin"]),
              _dispatcher("derivatives", "Y, K, t, M", calls["der"]),
              _dispatcher("advance_states", "Y, S, t, dt, M", calls["adv"]),
              _dispatcher("state_jacobian", "Y, R, t, M", calls["jac"]),
              _dispatcher("deliver", "cls, inst, Y, weight, t, lag, share, keep, M", calls["ev"])]
    return "\n\n".join(parts)
