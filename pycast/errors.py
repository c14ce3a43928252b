"""The one exception pycast raises for code it will not translate.

A refusal is only useful if the author can find and fix the construct, so the
error carries the real file position and prints like a compiler diagnostic:
location, the offending line with a caret, and a hint on how to rewrite it.
"""
from __future__ import annotations

_SHOWN = 120    # characters of a long source line shown in a message


class TranslationError(Exception):
    """Python code outside the translatable subset (or not translatable faithfully)."""

    def __init__(self, message: str, *, filename: str | None = None,
                 lineno: int | None = None, col: int | None = None,
                 source_line: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.filename = filename
        self.lineno = lineno
        self.col = col
        self.source_line = source_line
        self.hint = hint

    def __str__(self) -> str:
        where = [str(part) for part in (self.filename, self.lineno, self.col) if part is not None]
        lines = [":".join(where) + ": " + self.message if where else self.message]
        if self.source_line is not None:
            text = self.source_line.rstrip("\r\n")
            stripped = text.lstrip()
            offset = max((self.col or 1) - 1 - (len(text) - len(stripped)), 0)
            if len(stripped) > _SHOWN:      # generated code: show the start of the construct
                start = min(offset, len(stripped) - 1)
                stripped, offset = stripped[start:start + _SHOWN] + " ...", 0
            lines.append("    " + stripped)
            if self.col is not None:
                pad = "".join("\t" if ch == "\t" else " " for ch in stripped[:offset])
                lines.append("    " + pad + "^")
        if self.hint:
            lines.append("hint: " + self.hint)
        return "\n".join(lines)
