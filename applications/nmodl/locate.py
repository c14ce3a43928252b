"""Where a construct is in a MOD file's text: line and column for messages.

The wheel's NMODL bindings do not expose token positions (``get_token``
raises: ``nmodl::ModToken`` is not bound), so a refused construct found in
the syntax tree is located by searching the file's text for its keyword or
name.  Comments (``:`` and ``?`` to the end of a line, ``COMMENT ...
ENDCOMMENT``) and the C code of ``VERBATIM`` blocks are blanked first, and
the search starts at the header of the top-level block that holds the
construct, so a declaration or a comment is never reported in its place.
"""
from __future__ import annotations

import re

_BLOCK_COMMENT = re.compile(r"^[ \t]*COMMENT\b.*?^[ \t]*ENDCOMMENT\b", re.M | re.S)
_VERBATIM = re.compile(r"(^[ \t]*VERBATIM\b)(.*?)(?=^[ \t]*ENDVERBATIM\b)", re.M | re.S)
_LINE_COMMENT = re.compile(r"[:?][^\n]*")


def _blank(match: re.Match) -> str:
    """The matched text with everything but line breaks turned into spaces (positions kept)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def masked(text: str) -> str:
    """``text`` with comments and VERBATIM bodies blanked, same length and lines."""
    text = _BLOCK_COMMENT.sub(_blank, text)
    text = _LINE_COMMENT.sub(_blank, text)
    return _VERBATIM.sub(lambda m: m.group(1) + re.sub(r"[^\n]", " ", m.group(2)), text)


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def find(text: str, pattern: str, block: str | None = None) -> tuple[int, int]:
    """(line, column) of the first match of the regular expression ``pattern``
    outside comments, searching from the header ``block`` (a regular
    expression such as ``r"DERIVATIVE\\s+states"``) when it is given and
    found.  Where the pattern is not found, the block's header, else the
    file's start (the message still names the construct)."""
    plain = masked(text)
    header = re.search(rf"(?m)^[ \t]*({block})\b", plain) if block else None
    start = header.start(1) if header else 0
    hit = re.compile(pattern).search(plain, start) or re.compile(pattern).search(plain)
    return position(text, hit.start() if hit else start)
