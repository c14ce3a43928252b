"""How deeply nested an expression pycast translates, and the recursion that takes.

Every stage that handles an expression tree recurses once per level: Python's
parser, pycast's visitors, pycparser's printer, and a back end that re-emits
the function (``ast.unparse``, ``compile``).  A long sum ``a + b + ... + z``
is a tree as deep as it has terms, and generated code (a translator from
another modelling language) writes sums of thousands of terms, beyond
Python's default limit of 1000 frames.  Such expressions are translated with
the recursion limit raised for the time it takes (:func:`deep_recursion`);
an expression nested deeper than :data:`MAX_DEPTH` is refused, naming its
line (:class:`pycast.source.FunctionSource` measures it with :func:`deepest`),
instead of failing with a ``RecursionError``.
"""
from __future__ import annotations

import ast
import sys
import threading
from contextlib import contextmanager

#: the deepest expression nesting translated (a chain of N binary operators is N deep)
MAX_DEPTH = 10000
# frames per level of the deepest recursing stage (ast.unparse: about 6), with room to spare
_FRAMES_PER_LEVEL = 10
_LIMIT = _FRAMES_PER_LEVEL * MAX_DEPTH + 2000

_lock = threading.Lock()
_users = 0
_restore = 0


@contextmanager
def deep_recursion():
    """Python's recursion limit raised, for as long as the block runs, so that
    the recursive stages handle expressions :data:`MAX_DEPTH` deep.

    The limit is process-wide: it is raised by the first block to enter and
    put back by the last to leave, so concurrent translations do not lower
    it under one another; a limit already higher is left alone.
    """
    global _users, _restore
    with _lock:
        if _users == 0:
            _restore = sys.getrecursionlimit()
            if _restore < _LIMIT:
                sys.setrecursionlimit(_LIMIT)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and sys.getrecursionlimit() == max(_LIMIT, _restore):
                sys.setrecursionlimit(_restore)


def deepest(tree: ast.AST) -> tuple[int, ast.AST | None]:
    """The deepest nesting of expressions in ``tree`` and the outermost
    expression of that chain (counted without recursion, so any tree can be measured)."""
    best, where = 0, None
    stack = [(tree, 0, None)]
    while stack:
        node, depth, top = stack.pop()
        if isinstance(node, ast.expr):
            depth += 1
            top = top or node
            if depth > best:
                best, where = depth, top
        else:
            depth, top = 0, None
        stack.extend((child, depth, top) for child in ast.iter_child_nodes(node))
    return best, where
