"""Where a script's run loop ends, read from its source.

Scripts step NEURON in loops (``while h.t < tstop: h.fadvance()``,
``for i in range(n): h.fadvance()``) and run it in pieces
(``while h.t < tstop: pc.psolve(h.t + 10)``); the stop time is then in the
loop, not in the call.  The loop around the call is found in the calling
frame's source file, and its bound evaluated in that frame's variables.
"""
from __future__ import annotations

import ast

#: calls that start a new run: a loop containing one is a loop of runs (a sweep), not a run in pieces
_INITIALISING = {"finitialize", "stdinit", "init", "run"}


def enclosing_loop(frame):
    """The innermost ``while``/``for`` whose body holds the line ``frame`` is
    at, or None (none, or no readable source)."""
    try:
        with open(frame.f_code.co_filename) as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return None
    line = frame.f_lineno
    loops = [node for node in ast.walk(tree) if isinstance(node, (ast.While, ast.For))
             and node.body[0].lineno <= line <= node.end_lineno]
    return max(loops, key=lambda node: node.lineno) if loops else None


def initialises(loop) -> bool:
    """Whether ``loop``'s body starts a run of its own (``finitialize``, ``stdinit``, ``init``, ``run``)."""
    return any(isinstance(node, ast.Call) and _called(node.func) in _INITIALISING for node in ast.walk(loop))


def loop_end(h, loop, frame, *, steps: bool) -> tuple[float | None, str]:
    """The stop time of ``loop`` and how it reads: ``while h.t < T`` (or
    ``<=``, or ``T > h.t``, alone or in an ``and``) gives T; with ``steps``
    (each pass one step), ``for ... in X`` gives h.t + len(X) * dt.
    (None, the loop's header) when it gives none."""
    scope = {**frame.f_globals, **frame.f_locals}
    if isinstance(loop, ast.For):
        header = f"for {ast.unparse(loop.target)} in {ast.unparse(loop.iter)}"
        if not steps:
            return None, header
        try:
            n = len(_evaluate(loop.iter, scope))
        except Exception:
            return None, header
        return float(h.t) + n * float(h.dt), f"{n} steps"
    header = f"while {ast.unparse(loop.test)}"
    both = isinstance(loop.test, ast.BoolOp) and isinstance(loop.test.op, ast.And)
    for test in loop.test.values if both else [loop.test]:
        bound = _time_bound(test)
        if bound is not None:
            try:
                return float(_evaluate(bound, scope)), header
            except Exception:
                return None, header
    return None, header


def _evaluate(node, scope):
    return eval(compile(ast.Expression(node), "<loop>", "eval"), scope)


def _called(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _time_bound(test):
    """T in ``t < T``, ``t <= T``, ``T > t`` or ``T >= t`` (t being ``h.t`` or a name ``t``)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if _is_time(left) and isinstance(op, (ast.Lt, ast.LtE)):
        return right
    if _is_time(right) and isinstance(op, (ast.Gt, ast.GtE)):
        return left
    return None


def _is_time(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "t") or (isinstance(node, ast.Name) and node.id == "t")
