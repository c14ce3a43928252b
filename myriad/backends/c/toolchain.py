"""The C compiler of the openmp backend, and how a failed compile is explained.

A failed compile is reported with the compiler's message, the generated lines
around its first error and the Python line they came from (pycast puts a
comment with it before each translated statement and function).
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

from myriad.cache.libraries import Toolchain
from myriad.errors import BuildError

CFLAGS = ["-O3", "-march=native", "-fopenmp", "-std=gnu99", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-fPIC", "-shared"]
#: the ``/* file.py:42: <statement> */`` and ``/* module.Class.method, file.py:40 */``
#: comments that pycast puts before each translated statement and function
_STATEMENT = re.compile(r"/\* (\S+\.py:\d+: .*) \*/")
_FUNCTION = re.compile(r"/\* (\S+, \S+\.py:\d+) \*/")
#: where a compiler says its first error is: gcc's ``file:12:5: error`` or nvcc's ``file(12): error``
_ERROR_AT = re.compile(r"^(?:[^:\s][^:]*:(\d+):(?:\d+:)?\s*(?:fatal )?error|[^\s(]+\((\d+)\): (?:catastrophic )?error)",
                       re.MULTILINE)
_LINE_AT = re.compile(r"^[^:\s][^:]*:(\d+):", re.MULTILINE)
_NO_OPENMP = ("fopenmp", "omp.h", "-lgomp", "-lomp", "libgomp", "libomp")


def compiler() -> str:
    cc = os.environ.get("CC", "cc")
    if not shutil.which(cc):
        raise BuildError(f"no C compiler '{cc}' on PATH: install gcc (e.g. 'apt-get install gcc') or set CC")
    return cc


@functools.cache
def compiler_version(cc: str, line: int = 0) -> str:
    """Line ``line`` of ``cc --version`` (nvcc names its build on the last one)."""
    out = subprocess.run([cc, "--version"], capture_output=True, text=True)
    return out.stdout.strip().splitlines()[line] if out.stdout.strip() else cc



def _origin(lines: list[str], n: int) -> str | None:
    """The Python statement (or function) that generated line ``n``: the nearest
    pycast comment above it within the same C function."""
    for k in range(min(n, len(lines)) - 1, -1, -1):
        text = lines[k]
        found = _STATEMENT.search(text) or _FUNCTION.search(text)
        if found:
            return found.group(1)
        if k < n - 1 and text.startswith("}"):
            return None
    return None


def _explain(stderr: str, source: str) -> str:
    """The compiler's message with the generated lines of its first error and
    the Python line they came from."""
    lines = source.splitlines()
    out = [stderr.strip()]
    at = _ERROR_AT.search(stderr) or _LINE_AT.search(stderr)
    n = int(next((g for g in at.groups() if g), 0)) if at else 0
    if 0 < n <= len(lines):
        out.append(f"--- generated source around line {n} ---")
        out += [f"{'>' if k + 1 == n else ' '}{k + 1:6d}  {lines[k]}"
                for k in range(max(n - 3, 0), min(n + 2, len(lines)))]
        origin = _origin(lines, n)
        if origin:
            out.append(f"from {origin}")
    return "\n".join(out)


def explain_failure(src: Path, stderr: str, source: str) -> str:
    """The message of a failed compile: the compiler's, the generated lines and their Python origin."""
    return f"compiling {src} failed:\n{_explain(stderr, source)}"


def _failure(cc: str, src: Path, stderr: str, source: str) -> str:
    if any(marker in stderr for marker in _NO_OPENMP):
        return (f"the C compiler '{cc}' cannot build OpenMP code:\n{stderr.strip()}\n"
                f"install OpenMP for it (Debian/Ubuntu: 'apt-get install gcc libgomp1', Fedora: "
                f"'dnf install gcc libgomp', macOS: 'brew install libomp') or set CC to a compiler "
                f"that accepts -fopenmp (e.g. CC=gcc)")
    return explain_failure(src, stderr, source)



def c_toolchain() -> Toolchain:
    """The C compiler ($CC, else cc) with OpenMP: the openmp backend's."""
    cc = compiler()
    return Toolchain((cc, *CFLAGS), compiler_version(cc), ".c", ("-lm",), functools.partial(_failure, cc))

