"""The methods of the generated class, one per role Myriad gives a method:
``initialize`` (INITIAL), ``current`` (BREAKPOINT), ``ddt_<s>`` (each
``s'`` of a solved DERIVATIVE block), ``on_event`` (NET_RECEIVE) and one
method per FUNCTION that they call.  Each is an ``ast.FunctionDef``."""
from __future__ import annotations

import ast

from applications.nmodl import flow
from applications.nmodl.names import Names, python_name
from applications.nmodl.reading import name_of
from applications.nmodl.statements import Statements
from applications.nmodl.where import refusal


def _function(name: str, args: list[str], doc: str, body: list[ast.stmt]) -> ast.FunctionDef:
    arguments = ast.arguments(posonlyargs=[], args=[ast.arg("self")] + [ast.arg(a) for a in args],
                              kwonlyargs=[], kw_defaults=[], defaults=[])
    fields = {"type_params": []} if "type_params" in ast.FunctionDef._fields else {}
    fn = ast.FunctionDef(name=name, args=arguments, body=[ast.Expr(ast.Constant(doc))] + (body or [ast.Pass()]),
                         decorator_list=[], returns=None, **fields)
    return ast.fix_missing_locations(fn)


def _finished(body: list[ast.stmt], returned: ast.expr | None, args: set[str]) -> list[ast.stmt]:
    """Dead assignments removed, a final ``x = e; return x`` folded, unassigned locals started at 0."""
    live = {n.id for n in ast.walk(returned) if isinstance(n, ast.Name)} if returned is not None else set()
    body = flow.prune(body, live)
    if returned is not None:
        last = body[-1] if body else None
        if isinstance(last, ast.Assign) and isinstance(returned, ast.Name) and \
                isinstance(last.targets[0], ast.Name) and last.targets[0].id == returned.id:
            body, returned = body[:-1], last.value
        body = body + [ast.Return(returned)]
    return flow.started(body, args)


class Methods:
    """Builds the methods of one plan; ``calls`` collects the FUNCTIONs they reach."""

    def __init__(self, plan):
        self.plan, self.decl = plan, plan.decl

    def initialize(self) -> ast.FunctionDef | None:
        """Each ``<s>_run`` copy of a parameter first, each state ``s`` from a
        PARAMETER ``s0`` (NEURON starts a state there before INITIAL), then INITIAL."""
        starts = [(self.plan.field(n), python_name(n)) for n, k in self.plan.kinds.items() if k == "param_run"]
        starts += [(python_name(s), python_name(f"{s}0")) for s in self.decl.states if f"{s}0" in self.decl.params]
        body: list[ast.stmt] = [ast.Assign([ast.Attribute(ast.Name("self", ast.Load()), field, ast.Store())],
                                           ast.Attribute(ast.Name("self", ast.Load()), value, ast.Load()))
                                for field, value in starts]
        if self.decl.initial is not None:
            body += Statements(Names(self.plan, "INITIAL", writable=True)).block(self.decl.initial.statement_block)
        body = _finished(body, None, set())
        return _function("initialize", [], "INITIAL: the states at the start of a run.", body) if body else None

    def current(self) -> ast.FunctionDef | None:
        d = self.decl
        outward, inward = d.currents(), d.electrode
        if d.breakpoint is None or not (outward or inward):
            return None
        statements = Statements(Names(self.plan, "BREAKPOINT"))
        body = []
        for label in dict.fromkeys(self.plan.recomputed.values()):     # what BREAKPOINT reads from them
            body += statements.block(self.plan.blocks()[label].statement_block)
        body += statements.block(d.breakpoint.statement_block)
        terms = [statements.read(n, d.breakpoint) for n in outward]
        total: ast.expr | None = None
        for term in terms:
            total = term if total is None else ast.BinOp(total, ast.Add(), term)
        for n in inward:
            term = statements.read(n, d.breakpoint)
            total = ast.UnaryOp(ast.USub(), term) if total is None else ast.BinOp(total, ast.Sub(), term)
        unit = "nA" if d.kind == "point" else "mA/cm2"
        doc = (f"BREAKPOINT: the outward membrane current ({unit}): "
               + " + ".join(outward) + "".join(f" - {n}" for n in inward).lstrip(" ")
               + (" (ELECTRODE_CURRENT is inward)" if inward else "") + ".")
        return _function("current", [], doc, _finished(body, total, set()))

    def derivatives(self) -> list[ast.FunctionDef]:
        out = []
        for block_name, method in self.plan.solved.items():
            block = self.decl.derivatives[block_name]
            for state in _primed(block):
                result = f"d{python_name(state)}_dt"
                names = Names(self.plan, "DERIVATIVE", derivative_of=state, result=result)
                statements = Statements(names, taken={result})
                body = statements.block(block.statement_block)
                doc = f"DERIVATIVE {block_name} (SOLVE METHOD {method}): d{state}/dt."
                out.append(_function(f"ddt_{python_name(state)}", [], doc,
                                     _finished(body, ast.Name(result, ast.Load()), set())))
        return out

    def on_event(self) -> ast.FunctionDef | None:
        block = self.decl.net_receive
        if block is None:
            return None
        params = [name_of(p.name) for p in block.parameters]
        if len(params) != 1:
            raise refusal(self.decl, block, f"NET_RECEIVE with {len(params)} arguments",
                          "Myriad's events carry one weight (not supported yet)", pattern=r"\bNET_RECEIVE\b")
        arg = python_name(params[0])
        statements = Statements(Names(self.plan, "NET_RECEIVE", writable=True),
                                {params[0]: ast.Name(arg, ast.Load())})
        body = statements.block(block.statement_block)
        return _function("on_event", [arg], f"NET_RECEIVE({params[0]}): an event arrives with its weight.",
                         _finished(body, None, {arg}))

    def function(self, name: str) -> ast.FunctionDef:
        block = self.decl.functions[name]
        params = [name_of(p.name) for p in block.parameters]
        extras = self.plan.function_extras(name)
        scope = {p: ast.Name(python_name(p), ast.Load()) for p in params}
        scope.update({x: ast.Name(python_name(x), ast.Load()) for x in extras})
        result = python_name(name)
        scope[name] = ast.Name(result, ast.Load())
        statements = Statements(Names(self.plan, "FUNCTION", function=name), scope)
        body = statements.block(block.statement_block)
        args = [python_name(p) for p in params] + [python_name(x) for x in extras]
        doc = f"FUNCTION {name}" + (f" (also given {', '.join(extras)}, which its callers compute)" if extras else "")
        return _function(self.plan.method_name(name), args, doc + ".",
                         _finished(body, ast.Name(result, ast.Load()), set(args)))


def _primed(block) -> list[str]:
    """States with an equation ``s' = ...`` in a DERIVATIVE block, in order."""
    from neuron.nmodl import ast as nast, visitor
    names = []
    for eq in visitor.AstLookupVisitor().lookup(block, nast.AstNodeType.DIFF_EQ_EXPRESSION):
        lhs = eq.expression.lhs
        if lhs.get_node_type_name() == "VarName" and lhs.name.get_node_type_name() == "PrimeName":
            name = lhs.name.get_node_name()
            if name not in names:
                names.append(name)
    return names
