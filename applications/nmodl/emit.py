"""The generated module: a docstring, the file's constants, one class.

The class derives from applications.neuro's ``DensityChannel`` (a SUFFIX
mechanism; its ``current`` is a density in mA/cm2) or ``PointProcess`` (a
POINT_PROCESS; nA), declares a ``Param`` or ``State`` for each variable the
plan made a field, with NEURON's units and defaults, and holds the methods.
"""
from __future__ import annotations

import ast
import hashlib
import os
import textwrap

from applications.nmodl.methods import Methods
from applications.nmodl.names import SPECIAL, python_name
from applications.nmodl.plan import CELSIUS, ION_DEFAULTS, ION_UNITS

_BASES = {"density": ("applications.neuro.channels", "DensityChannel"),
          "point": ("applications.neuro.point", "PointProcess")}


def _called(fns: list[ast.FunctionDef]) -> set[str]:
    return {n.func.attr for f in fns for n in ast.walk(f) if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name) and n.func.value.id == "self"}


def _fields_read(fns: list[ast.FunctionDef]) -> set[str]:
    return {n.attr for f in fns for n in ast.walk(f) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == "self"}


def methods_of(plan) -> list[ast.FunctionDef]:
    """The mechanism's methods and the FUNCTIONs they reach, in a readable order."""
    m = Methods(plan)
    main = [fn for fn in (m.initialize(), m.current()) if fn is not None] + m.derivatives()
    event = m.on_event()
    main += [event] if event is not None else []
    functions: dict[str, ast.FunctionDef] = {}
    by_method = {plan.method_name(f): f for f in plan.decl.functions}
    pending = _called(main)
    while pending:
        name = pending.pop()
        if name in by_method and name not in functions:
            functions[name] = m.function(by_method[name])
            pending |= _called([functions[name]])
    return main + [functions[n] for n in sorted(functions)]


def _field_line(name: str, kind: str, default: float, unit: str, doc: str) -> str:
    args = [repr(float(default))] + ([f"unit={unit!r}"] if unit else []) + ([f"doc={doc!r}"] if doc else [])
    return f"{name} = {kind}({', '.join(args)})"


def fields_of(plan, fns: list[ast.FunctionDef]) -> list[str]:
    """Declarations: every PARAMETER and STATE, then what the methods read that
    NEURON provides (ion values, celsius) or that INITIAL keeps for later."""
    d, kinds = plan.decl, plan.kinds
    used = _fields_read(fns)
    lines = []
    for name, var in d.params.items():
        if kinds.get(name) == "constant" or name in SPECIAL or name in d.ion_reads():
            continue                        # NEURON's own value wins over the file's (ions: below)
        doc = "GLOBAL in NEURON (one value for all instances); here one per instance" if name in d.globals else ""
        lines.append(_field_line(python_name(name), "Param", var.default, var.unit, doc))
    if "celsius" in used:
        lines.append(_field_line("celsius", "Param", CELSIUS, "degC", "temperature (NEURON's global celsius)"))
    for name, ion in d.ion_reads().items():
        if python_name(name) in used:
            unit = ION_UNITS.get(name[0] if name.startswith("e") else name[-1], "")
            lines.append(_field_line(python_name(name), "Param", ION_DEFAULTS.get(name, 0.0), unit,
                                     f"USEION {ion} READ {name}: fixed at NEURON's default unless given"))
    for name, var in d.assigned.items():
        if kinds.get(name) == "param" and name not in SPECIAL and name not in d.ion_reads() \
                and python_name(name) in used:
            lines.append(_field_line(python_name(name), "Param", 0.0, var.unit,
                                     "ASSIGNED that no block assigns: an input (0 in NEURON unless set)"))
    for name, var in d.states.items():
        lines.append(_field_line(python_name(name), "State", 0.0, var.unit, ""))
    for name, kind in kinds.items():
        if kind == "param_run":
            var = d.params[name]
            lines.append(_field_line(plan.field(name), "State", var.default, var.unit,
                                     f"{name} as INITIAL/NET_RECEIVE leave it (starts at {name})"))
        elif kind == "persistent":
            var = d.assigned.get(name)
            lines.append(_field_line(python_name(name), "State", 0.0, var.unit if var else "",
                                     "ASSIGNED kept from INITIAL/NET_RECEIVE"))
    return lines


def class_name(plan) -> str:
    name = python_name(plan.decl.suffix)
    return name + "_" if name in ("DensityChannel", "PointProcess", "math") else name


def _imports(body: str, fields: list[str], module: str, base: str) -> list[str]:
    """The generated module's imports: math if a method uses it, the field kinds it declares, its base."""
    declared = ", ".join(kind for kind in ("Param", "State") if any(f" = {kind}(" in line for line in fields))
    out = ["import math", ""] if "math." in body else []
    out += [f"from myriad import {declared}", ""] if declared else []
    return out + [f"from {module} import {base}"]


def _class_doc(plan) -> str:
    """The file's title, then where the class does not do what NEURON does."""
    notes = [*plan.notes]
    methods = sorted({m for m in plan.solved.values() if m != "cnexp"})
    if methods:
        notes.append(f"SOLVE METHOD {', '.join(methods)}: integrated by Myriad's own method "
                     f"(backward Euler: exponential Euler per state)")
    listed = "".join(f"\n    - {n}" for n in notes)
    return f'"""{plan.decl.title or plan.decl.suffix}' + (f"\n\nDifferences from NEURON:{listed}\n" if notes else "") \
        + '"""'


def module_source(plan) -> str:
    d = plan.decl
    if d.kind not in _BASES:
        from applications.nmodl.where import refusal
        raise refusal(d, d.tree, "ARTIFICIAL_CELL", "not supported yet", pattern=r"\bARTIFICIAL_CELL\b")
    fns = methods_of(plan)
    module, base = _BASES[d.kind]
    body = "\n".join(ast.unparse(f) for f in fns)
    constants = sorted(c for c in d.constants if any(
        isinstance(n, ast.Name) and n.id == python_name(c) for f in fns for n in ast.walk(f)))
    digest = hashlib.sha256(d.text.encode()).hexdigest()[:16]
    kind = "SUFFIX" if d.kind == "density" else "POINT_PROCESS"
    fields = fields_of(plan, fns)
    out = [f'"""NMODL {kind} {d.suffix} from {os.path.basename(d.path)} (sha256 {digest}), translated by '
           f'applications.nmodl.\n\nEdit or subclass it: this is the code Myriad runs.\n"""',
           *_imports(body, fields, module, base), ""]
    out += [f"{python_name(c)} = {d.constants[c]!r}" for c in constants] + ([""] if constants else [])
    out += ["", f"class {class_name(plan)}({base}):", textwrap.indent(_class_doc(plan), "    "), ""]
    out += ["    " + line for line in fields]
    out += ["", textwrap.indent(body.replace("\ndef ", "\n\ndef "), "    ")]
    return "\n".join(line.rstrip() for line in "\n".join(out).splitlines()) + "\n"
