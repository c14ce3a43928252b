"""Data flow over the generated Python (``ast`` statement lists): which names
a block reads before it assigns them, which it assigns, which locals need a
starting value, and which assignments nothing reads.

pycast requires a local to be assigned on every path before it is read (C
would read garbage); NMODL does not, so a local that some path reads first
starts at 0.0 (what NEURON's zeroed variables give).  Pruning keeps the
methods short and readable: a ``ddt_m`` holds what ``m'`` needs, not the
whole DERIVATIVE block.
"""
from __future__ import annotations

import ast


def _reads(node: ast.AST) -> list[str]:
    """Names an expression reads, in evaluation order (attributes of self are fields, not names)."""
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]


def _target(stmt) -> str | None:
    """The local an assignment assigns (None for a field, ``self.x = ...``, or another statement)."""
    return stmt.targets[0].id if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) else None


def exposed(stmts: list[ast.stmt], assigned: frozenset = frozenset()) -> set[str]:
    """Names read on some path before they are assigned on it."""
    out: set[str] = set()
    _exposed(stmts, set(assigned), out)
    return out


def _exposed(stmts, assigned: set, out: set) -> set:
    for stmt in stmts:
        if isinstance(stmt, ast.If):
            out.update(n for n in _reads(stmt.test) if n not in assigned)
            left, right = set(assigned), set(assigned)
            _exposed(stmt.body, left, out)
            _exposed(stmt.orelse, right, out)
            assigned |= left & right
        elif isinstance(stmt, ast.While):
            out.update(n for n in _reads(stmt.test) if n not in assigned)
            _exposed(stmt.body, set(assigned), out)
        else:
            value = stmt.value if isinstance(stmt, (ast.Assign, ast.Expr, ast.Return)) else stmt
            if value is not None:
                out.update(n for n in _reads(value) if n not in assigned)
            if _target(stmt):
                assigned.add(_target(stmt))
    return assigned


def written(stmts: list[ast.stmt]) -> set[str]:
    """Names assigned anywhere in ``stmts``."""
    return {_target(n) for s in stmts for n in ast.walk(s) if _target(n)}


def prune(stmts: list[ast.stmt], live: set[str]) -> list[ast.stmt]:
    """``stmts`` without assignments to locals that nothing reads after them
    (``live`` is what is read after the list).  Fields are always assigned;
    loops are kept whole."""
    out: list[ast.stmt] = []
    for stmt in reversed(stmts):
        if isinstance(stmt, ast.If):
            body, orelse = prune(stmt.body, set(live)), prune(stmt.orelse, set(live))
            if not body and not orelse:
                continue
            stmt = ast.If(stmt.test, body or [ast.Pass()], orelse)
            live |= set(_reads(stmt.test)) | {n for s in body + orelse for n in _reads(s)}
        elif isinstance(stmt, ast.While):
            live |= {n for n in _reads(stmt)}
        else:
            name = _target(stmt)
            if name is not None and name not in live:
                continue
            live.discard(name)
            live |= set(_reads(stmt))
        out.append(stmt)
    return out[::-1]


def started(stmts: list[ast.stmt], arguments: set[str]) -> list[ast.stmt]:
    """``stmts`` with ``x = 0.0`` first for every local some path reads before assigning it."""
    locals_ = written(stmts) - arguments
    missing = sorted(exposed(stmts, frozenset(arguments)) & locals_)
    return [ast.Assign([ast.Name(n, ast.Store())], ast.Constant(0.0)) for n in missing] + stmts
