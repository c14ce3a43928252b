"""What a MOD file's own variable is inside one generated method.

The same NMODL name is a field in one method and a local in another: a
PARAMETER is ``self.gbar`` everywhere, a STATE is ``self.m`` (assigned only
in ``initialize`` and ``on_event``), an ASSIGNED value that one block computes
for itself is a local of each method, ``v`` is ``self.node.v``.  ``Names``
renders reads and writes accordingly, for the kinds a ``Plan`` decided; in
the plan's analysis pass (``kinds`` None) every variable is a bare name
``M.x`` so that flow analysis can see what each block reads and writes.
"""
from __future__ import annotations

import ast
import keyword

from applications.nmodl.where import refusal

#: names NEURON gives every mechanism
SPECIAL = {"v": "the membrane potential", "t": "time", "celsius": "temperature", "area": "segment area",
           "dt": "the time step", "diam": "segment diameter"}
#: Python names a generated module uses itself
MODULE_NAMES = frozenset({"self", "math", "abs", "float", "Param", "State"})
#: attributes the base classes and Myriad give a mechanism class
RESERVED_FIELDS = frozenset({"t", "node", "pre", "post", "current", "inflow_v", "initialize", "on_event",
                             "roles", "params", "states", "declared", "mro"})


def python_name(name: str) -> str:
    """An NMODL name as a Python identifier (``del`` -> ``del_``)."""
    if keyword.iskeyword(name) or name in MODULE_NAMES or name in RESERVED_FIELDS:
        return name + "_"
    return name


def _self(*path: str) -> ast.expr:
    out: ast.expr = ast.Name("self", ast.Load())
    for part in path:
        out = ast.Attribute(out, part, ast.Load())
    return out


def _store(target: ast.expr) -> ast.expr:
    if isinstance(target, ast.Attribute):
        return ast.Attribute(target.value, target.attr, ast.Store())
    return ast.Name(target.id, ast.Store())


class Names:
    """The resolver of one method.  ``block`` is 'INITIAL', 'BREAKPOINT',
    'DERIVATIVE', 'NET_RECEIVE' or 'FUNCTION'; ``writable`` whether fields may
    be assigned (initialize, on_event); ``derivative_of`` the state whose
    ``ddt_`` is being written (its ``s' =`` becomes ``result``)."""

    def __init__(self, plan, block: str, writable: bool = False, derivative_of: str | None = None,
                 result: str = "", function: str = ""):
        self.plan, self.decl = plan, plan.decl
        self.block, self.writable = block, writable
        self.derivative_of, self.result, self.function = derivative_of, result, function

    def refuse(self, node, construct: str, why: str = "", pattern: str | None = None):
        raise refusal(self.decl, node, construct, why, pattern)

    def refuse_statement(self, node, kind: str):
        from applications.nmodl.refusals import construct_of
        construct, why = construct_of(kind)
        self.refuse(node, construct, why)

    def clashes(self, name: str) -> bool:
        return keyword.iskeyword(name) or name in MODULE_NAMES or name in self.plan.module_names()

    # -- reading
    def known(self, name: str, node) -> None:
        if name == "flag" and self.block == "NET_RECEIVE":
            self.refuse(node, "NET_RECEIVE's flag (self-events)", "not supported yet")
        if not self.plan.declares(name):
            self.refuse(node, f"the undeclared variable '{name}'")
        if name == "dt":
            self.refuse(node, "reading dt (an explicit update each step)", "not supported yet")
        if name == "diam":
            self.refuse(node, "reading diam", "not supported yet")

    def read(self, name: str, node) -> ast.expr:
        self.known(name, node)
        kinds = self.plan.kinds
        if kinds is None:
            return ast.Name(f"M.{name}", ast.Load())
        kind = kinds[name]
        if kind == "v":
            return _self("node", "v")
        if kind == "area":
            return _self("node", "area")
        if kind == "t":
            return _self("t")
        if kind in ("transient", "constant"):
            return ast.Name(python_name(name), ast.Load())
        return _self(self.plan.field(name))

    def write(self, name: str, value: ast.expr, node) -> list[ast.stmt]:
        self.known(name, node)
        if self.function:
            self.refuse(node, f"FUNCTION {self.function} assigning '{name}'",
                        "a FUNCTION may assign only its LOCALs and its value (not supported yet)")
        kinds = self.plan.kinds
        if kinds is None:
            return [ast.Assign([ast.Name(f"M.{name}", ast.Store())], value)]
        kind = kinds[name]
        if kind == "transient":
            return [ast.Assign([ast.Name(python_name(name), ast.Store())], value)]
        if kind in ("state", "persistent", "param_run") and self.writable:
            return [ast.Assign([_store(self.read(name, node))], value)]
        self.refuse(node, f"assigning {name} in {self.block}", self.plan.why_not_written(name, self.block))

    def prime(self, state: str, value: ast.expr, node) -> list[ast.stmt]:
        if state not in self.decl.states:
            self.refuse(node, f"the derivative of '{state}', which is not a STATE")
        if self.plan.kinds is None:
            return [ast.Assign([ast.Name(f"P.{state}", ast.Store())], value)]
        if state == self.derivative_of:
            return [ast.Assign([ast.Name(self.result, ast.Store())], value)]
        return []

    # -- calls
    def is_function(self, name: str) -> bool:
        return name in self.decl.functions

    def procedure(self, name: str):
        return self.decl.procedures.get(name)

    def call(self, name: str, args: list[ast.expr], node) -> ast.expr:
        if name == self.function:
            self.refuse(node, f"the recursive call of FUNCTION {name}")
        params = self.decl.functions[name].parameters
        if len(params) != len(args):
            self.refuse(node, f"the call {name}(...) with {len(args)} arguments",
                        f"FUNCTION {name} takes {len(params)}")
        extra = self.plan.function_extras(name)
        if self.plan.kinds is None:
            return ast.Call(ast.Name(f"F.{name}", ast.Load()),
                            args + [ast.Name(f"M.{x}", ast.Load()) for x in extra], [])
        return ast.Call(_self(self.plan.method_name(name)),
                        args + [self.read(x, node) for x in extra], [])

    def is_plain(self, value: ast.expr) -> bool:
        """A value that may stand for a procedure's argument wherever the body reads it."""
        if isinstance(value, (ast.Constant, ast.Name)):
            return True
        if isinstance(value, ast.UnaryOp) and isinstance(value.operand, ast.Constant):
            return True
        return isinstance(value, ast.Attribute) and (ast.unparse(value) in ("self.node.v", "self.t")
                                                      or self.plan.is_parameter_field(value.attr))

    # -- statements that only some blocks may hold
    def note_table(self, node) -> None:
        self.plan.note_table(node)

    def solve(self, node) -> list[ast.stmt]:
        if self.block != "BREAKPOINT":
            self.refuse(node, f"SOLVE in {self.block}", "only BREAKPOINT's SOLVE of a DERIVATIVE block is supported")
        return []
