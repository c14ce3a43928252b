"""The parsed source of one Python function, with its real file positions.

Functions are parsed from their own lines (dedented when they are methods), so
every AST position is shifted back to the file's line and column here: errors
and the ``/* file.py:42: ... */`` comments in generated C then point at the
file the author edits.
"""
from __future__ import annotations

import ast
import inspect
import os
import textwrap
import types

from pycast.cbuild import Comment
from pycast.depth import MAX_DEPTH, deep_recursion, deepest
from pycast.errors import TranslationError


_DEPTH_HINT = "split it, e.g. a long sum into partial sums held in local variables"


def _origin_error(fn, message: str, hint: str) -> TranslationError:
    code = getattr(fn, "__code__", None)
    return TranslationError(message, filename=getattr(code, "co_filename", None),
                            lineno=getattr(code, "co_firstlineno", None), hint=hint)


class FunctionSource:
    """A Python function's ``ast.FunctionDef`` and the means to point into its file."""

    def __init__(self, fn):
        if not isinstance(fn, types.FunctionType):
            raise TranslationError(f"{fn!r} is not a Python function",
                                   hint="pycast translates plain functions and methods written in Python")
        if fn.__name__ == "<lambda>":
            raise _origin_error(fn, "lambdas are not supported",
                                "define the function with def at module level")
        try:
            lines, first = inspect.getsourcelines(fn)
            self.filename = inspect.getsourcefile(fn) or fn.__code__.co_filename
        except (OSError, TypeError) as exc:
            raise _origin_error(fn, f"the source of {fn.__qualname__} is not available",
                                f"define it in a .py file ({exc})") from None
        self.fn = fn
        self.first = first
        self.lines = lines
        text = textwrap.dedent("".join(lines))
        self.margin = len(lines[0]) - len(text.splitlines(True)[0])
        self.dedented = text.splitlines()
        try:
            with deep_recursion():
                tree = ast.parse(text)
        except SyntaxError as exc:
            raise _origin_error(fn, f"cannot parse the source of {fn.__qualname__}: {exc.msg}",
                                "keep every line of the function indented at least as much "
                                "as its def") from None
        except RecursionError:
            raise _origin_error(fn, f"{fn.__qualname__} nests expressions more than {MAX_DEPTH} deep",
                                _DEPTH_HINT) from None
        if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
            raise _origin_error(fn, f"cannot find the definition of {fn.__qualname__}",
                                "define it with a plain def statement")
        self.tree: ast.FunctionDef = tree.body[0]
        depth, where = deepest(self.tree)
        if depth > MAX_DEPTH:
            raise self.error(where, f"this expression is nested {depth} deep; pycast translates "
                                    f"at most {MAX_DEPTH} levels", _DEPTH_HINT)

    def lineno(self, node: ast.AST) -> int:
        return self.first + node.lineno - 1

    def line(self, node: ast.AST) -> str:
        return self.lines[node.lineno - 1]

    def error(self, node: ast.AST, message: str, hint: str | None = None) -> TranslationError:
        dedented = self.dedented[node.lineno - 1]
        col = len(dedented.encode()[:node.col_offset].decode(errors="replace")) + self.margin + 1
        return TranslationError(message, filename=self.filename, lineno=self.lineno(node),
                                col=col, source_line=self.line(node), hint=hint)

    def comment(self, stmt: ast.stmt) -> Comment:
        """``file.py:LINE: <first line of the statement>`` for the generated C."""
        text = self.line(stmt).strip().replace("/*", "/ *")
        return Comment(f"{os.path.basename(self.filename)}:{self.lineno(stmt)}: {text}")

    def origin(self) -> Comment:
        """``module.qualname, file.py:LINE`` naming the function a definition came from."""
        fn = self.fn
        return Comment(f"{fn.__module__}.{fn.__qualname__}, "
                       f"{os.path.basename(self.filename)}:{self.lineno(self.tree)}")
