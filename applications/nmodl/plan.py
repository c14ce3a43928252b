"""What each of a MOD file's variables becomes in the generated class.

NMODL's variables live between blocks: INITIAL computes ``factor``,
NET_RECEIVE reads it; DERIVATIVE computes ``minf`` for itself.  Myriad's
methods are functions of the fields (a ``ddt_`` or ``current`` cannot assign
one), so the plan renders every block once with bare names (the analysis
pass), asks which variables each block reads before assigning them
(flow.exposed) and which it assigns, and decides:

- a PARAMETER is a ``Param``; one that INITIAL or NET_RECEIVE assigns (as
  exp2syn.mod clamps ``tau1``) also gets a ``State`` ``<name>_run`` that
  starts at the parameter's value and that every block reads instead;
- a STATE is a ``State``; only INITIAL and NET_RECEIVE may assign it;
- an ASSIGNED value that no block reads before assigning it is a local of
  each method ("transient"); one that only INITIAL and NET_RECEIVE assign and
  some block reads is a ``State`` with no derivative ("persistent"); one that
  nothing assigns is a ``Param`` (0 unless given, as in NEURON);
- an ion's reversal potential or concentration that the file reads is a
  ``Param`` with NEURON's default (fixed: nothing here computes it yet).

Anything else a block carries over to another (a value computed in
DERIVATIVE and read in BREAKPOINT) is refused by name.
"""
from __future__ import annotations

import ast

from applications.nmodl import flow
from applications.nmodl.names import SPECIAL, Names, python_name
from applications.nmodl.reading import name_of
from applications.nmodl.statements import Statements
from applications.nmodl.where import refusal

#: NEURON's defaults for the ion variables a mechanism may read (mV, mM)
ION_DEFAULTS = {"ena": 50.0, "nai": 10.0, "nao": 140.0, "ek": -77.0, "ki": 54.4, "ko": 2.5,
                "eca": 132.4579341637009, "cai": 5e-5, "cao": 2.0}
ION_UNITS = {"e": "mV", "i": "mM", "o": "mM"}
#: NEURON's global temperature default (degC)
CELSIUS = 6.3
_EVENT_BLOCKS = ("INITIAL", "NET_RECEIVE")


class Plan:
    """The decisions for one file; ``kinds[name]`` is one of param, param_run,
    state, persistent, transient, constant, v, t, area."""

    def __init__(self, decl):
        self.decl = decl
        self.kinds: dict[str, str] | None = None
        self.notes: list[str] = []
        self._free: dict[str, list[str]] = {}
        self._in_progress: list[str] = []
        #: ASSIGNED values BREAKPOINT reads, computed again from the DERIVATIVE block named
        self.recomputed: dict[str, str] = {}
        self.solved = self._solved()
        self.bodies = self._analysis_bodies()
        self.kinds = self._decide()

    # -- the file's structure
    def _solved(self) -> dict[str, str]:
        """DERIVATIVE block name -> method, from BREAKPOINT's SOLVE statements."""
        solved = {}
        if self.decl.breakpoint is None:
            return solved
        for stmt in self.decl.breakpoint.statement_block.statements:
            if stmt.get_node_type_name() == "ExpressionStatement":
                stmt = stmt.expression
            if stmt.get_node_type_name() != "SolveBlock":
                continue
            name = name_of(stmt.block_name)
            method = name_of(stmt.method) if stmt.method is not None else ""
            if stmt.steadystate is not None:
                raise refusal(self.decl, stmt, f"SOLVE {name} STEADYSTATE", pattern=r"\bSOLVE\b")
            if name not in self.decl.derivatives:
                what = "a PROCEDURE (an explicit update each step)" if name in self.decl.procedures else \
                    "not a DERIVATIVE block of this file"
                raise refusal(self.decl, stmt, f"SOLVE {name}", f"{name} is {what}", pattern=r"\bSOLVE\b")
            if method not in ("cnexp", "derivimplicit", "euler", "runge", ""):
                raise refusal(self.decl, stmt, f"SOLVE {name} METHOD {method}", pattern=r"\bSOLVE\b")
            solved[name] = method or "default"
        return solved

    def blocks(self) -> dict[str, object]:
        """The blocks a run executes, by the name the messages use."""
        out = {}
        if self.decl.initial is not None:
            out["INITIAL"] = self.decl.initial
        if self.decl.breakpoint is not None:
            out["BREAKPOINT"] = self.decl.breakpoint
        for name in self.solved:
            out[f"DERIVATIVE {name}"] = self.decl.derivatives[name]
        if self.decl.net_receive is not None:
            out["NET_RECEIVE"] = self.decl.net_receive
        return out

    def _analysis_bodies(self) -> dict[str, list[ast.stmt]]:
        bodies = {}
        for label, block in self.blocks().items():
            names = Names(self, label.split()[0], writable=label in _EVENT_BLOCKS)
            scope = {}
            if label == "NET_RECEIVE":
                scope = {name_of(p.name): ast.Name(f"A.{name_of(p.name)}", ast.Load()) for p in block.parameters}
            bodies[label] = Statements(names, scope).block(block.statement_block)
            if label == "BREAKPOINT":       # current() returns the currents: BREAKPOINT reads them last
                bodies[label] += [ast.Expr(ast.Name(f"M.{name}", ast.Load()))
                                  for name in [*self.decl.currents(), *self.decl.electrode]]
        return bodies

    # -- FUNCTIONs: which of the mechanism's variables each reads
    def function_extras(self, name: str) -> list[str]:
        """The variables FUNCTION ``name`` reads that are locals of its callers
        (passed as extra arguments); in the analysis pass, every variable it reads."""
        free = self._function_free(name)
        if self.kinds is None:
            return free
        return [x for x in free if self.kinds.get(x) == "transient"]

    def _function_free(self, name: str) -> list[str]:
        if name in self._free:
            return self._free[name]
        block = self.decl.functions[name]
        if name in self._in_progress:
            raise refusal(self.decl, block, f"the recursion through FUNCTION {name}")
        self._in_progress.append(name)
        kinds, self.kinds = self.kinds, None
        try:
            params = {name_of(p.name): ast.Name(f"A.{name_of(p.name)}", ast.Load()) for p in block.parameters}
            params[name] = ast.Name("A.result", ast.Load())
            body = Statements(Names(self, "FUNCTION", function=name), params).block(block.statement_block)
        finally:
            self.kinds = kinds
            self._in_progress.pop()
        self._free[name] = sorted(n[2:] for n in flow.exposed(body) if n.startswith("M."))
        return self._free[name]

    # -- decisions
    def declares(self, name: str) -> bool:
        d = self.decl
        return (name in SPECIAL or name in d.params or name in d.states or name in d.assigned
                or name in d.constants or name in d.ion_reads() or name in d.ion_writes()
                or name in d.nonspecific or name in d.electrode)

    def _decide(self) -> dict[str, str]:
        d = self.decl
        writes = {label: {n[2:] for n in flow.written(body) if n.startswith("M.")}
                  for label, body in self.bodies.items()}
        exposed = {label: {n[2:] for n in flow.exposed(body) if n.startswith("M.")}
                   for label, body in self.bodies.items()}
        kinds = {"v": "v", "t": "t", "area": "area", "celsius": "param"}
        kinds.update({name: "constant" for name in d.constants})
        for name in d.ion_writes():
            ion = d.ion_writes()[name]
            if name != f"i{ion}":
                self._refuse_ion_write(name, ion)
        for name in d.ion_reads():
            if name == f"i{d.ion_reads()[name]}":
                raise refusal(d, d.tree, f"reading the ion current {name} (USEION ... READ {name})",
                              "not supported yet", pattern=rf"\bREAD\b[^\n]*\b{name}\b")
            kinds[name] = "param"
        writers = {name: [label for label, w in writes.items() if name in w] for name in self.declared_names()}
        readers = {name: [label for label, e in exposed.items() if name in e] for name in self.declared_names()}
        for name in d.params:
            if name in kinds:
                continue
            self._only_event_writers(name, writers[name], "a PARAMETER")
            kinds[name] = "param_run" if writers[name] else "param"
        for name in d.states:
            self._only_event_writers(name, writers[name], "a STATE (it changes through its equation)")
            kinds[name] = "state"
        for name in [*d.assigned, *d.ion_writes(), *d.nonspecific, *d.electrode]:
            if name in kinds:
                continue
            if not readers[name]:
                kinds[name] = "transient"
            elif not writers[name]:
                kinds[name] = "param"
            elif all(label in _EVENT_BLOCKS for label in writers[name]):
                kinds[name] = "persistent"
            elif self._run_constant(name, readers[name], writers[name]):
                kinds[name] = "transient"
            else:
                label = readers[name][0]
                source = "one step to the next" if writers[name] == [label] else " and ".join(writers[name])
                raise refusal(d, self.blocks()[label], f"'{name}' kept from {source} for {label}",
                              f"{label} reads it before assigning it: a value carried between blocks or "
                              f"steps (not supported yet)", pattern=rf"\b{name}\b")
        for name in ("v", "t", "area"):
            for label, w in writes.items():
                if name in w:
                    raise refusal(d, self.blocks()[label], f"assigning {name} in {label}", pattern=rf"\b{name}\b")
        return kinds

    def _run_constant(self, name: str, readers: list[str], writers: list[str]) -> bool:
        """Whether BREAKPOINT's read of ``name`` before assigning it can compute it
        again from the one DERIVATIVE block that assigns it, because it depends on
        parameters only (``tadj = q10^((celsius - temp)/10)``, assigned in INITIAL
        and in DERIVATIVE's rates(), read by BREAKPOINT): the same value all run, so
        computing it in current() is what NEURON reads.  INITIAL, if it assigns it
        too, must compute it the same way."""
        derivatives = [label for label in writers if label.startswith("DERIVATIVE")]
        if readers != ["BREAKPOINT"] or len(derivatives) != 1 or \
                any(label not in ("INITIAL", derivatives[0]) for label in writers):
            return False
        needed = flow.prune(list(self.bodies[derivatives[0]]), {f"M.{name}"})
        d = self.decl
        fixed = {*d.params, *d.constants, *d.ion_reads(), "celsius", "area"} - set(d.states)
        if any(n.startswith(("M.", "F.")) and n[2:] not in fixed for n in flow.exposed(needed)):
            return False
        if "INITIAL" in writers:
            initial = flow.prune(list(self.bodies["INITIAL"]), {f"M.{name}"})
            if [ast.dump(s) for s in initial] != [ast.dump(s) for s in needed]:
                return False
        self.recomputed[name] = derivatives[0]
        self.notes.append(f"{name}: BREAKPOINT reads the value {derivatives[0]} computed from parameters "
                          f"alone; current() computes it again")
        return True

    def declared_names(self) -> set[str]:
        d = self.decl
        return {*d.params, *d.states, *d.assigned, *d.ion_reads(), *d.ion_writes(), *d.nonspecific, *d.electrode,
                *SPECIAL}

    def _only_event_writers(self, name: str, writers: list[str], what: str) -> None:
        wrong = [label for label in writers if label not in _EVENT_BLOCKS]
        if wrong:
            raise refusal(self.decl, self.blocks()[wrong[0]], f"assigning {name} in {wrong[0]}",
                          f"{name} is {what}; only INITIAL and NET_RECEIVE may assign it (an explicit update, "
                          f"not supported yet)", pattern=rf"\b{name}\s*=")

    def _refuse_ion_write(self, name: str, ion: str) -> None:
        raise refusal(self.decl, self.decl.tree, f"writing {name} (USEION {ion} WRITE {name})",
                      "ion concentrations and reversal potentials written by a mechanism are not supported yet",
                      pattern=rf"\bWRITE\b[^\n]*\b{name}\b")

    def why_not_written(self, name: str, block: str) -> str:
        if name in ("v", "t", "area", "celsius"):
            return f"{name} is {SPECIAL[name]}, which a mechanism only reads"
        if name in self.decl.ion_reads():
            return f"{name} belongs to the ion {self.decl.ion_reads()[name]}, which NEURON computes (not supported yet)"
        if name in self.decl.constants:
            return f"{name} is a constant"
        return f"only INITIAL and NET_RECEIVE may assign {name}"

    # -- naming in the generated class
    def field(self, name: str) -> str:
        if self.kinds and self.kinds.get(name) == "param_run":
            return python_name(name) + "_run"
        return python_name(name)

    def method_name(self, function: str) -> str:
        name = python_name(function)
        taken = {python_name(n) for n in self.declared_names()} | {self.field(n) for n in self.declared_names()}
        while name in taken or name.startswith(("ddt_", "inflow_", "flow_")):
            name += "_"
        return name

    def module_names(self) -> set[str]:
        if self.kinds is None:
            return set()
        return {python_name(n) for n, k in self.kinds.items() if k in ("transient", "constant")}

    def is_parameter_field(self, attr: str) -> bool:
        return self.kinds is not None and any(self.kinds.get(n) == "param" and python_name(n) == attr
                                              for n in self.decl.params)

    def note_table(self, node) -> None:
        from neuron.nmodl import to_nmodl
        text = " ".join(to_nmodl(node).split())
        note = (f"{text}: evaluated exactly (NEURON interpolates in this table unless "
                f"usetable_{self.decl.suffix} = 0)")
        if note not in self.notes:
            self.notes.append(note)
