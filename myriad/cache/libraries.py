"""Compile generated code once per distinct source and keep the library in the cache.

The cache key is the SHA-256 of the source, the compiler command and the
compiler's version, so a changed model, flag, compiler or GPU architecture
never reuses a stale library.  A :class:`Toolchain` says how a source
becomes a library; each backend brings its own (myriad.backends.c.toolchain
for the C compiler with OpenMP, myriad.backends.cuda.toolchain for nvcc).
Libraries are compiled to a temporary name and renamed into place, under a
per-entry lock, so concurrent processes building the same model compile it
once; each library's own hash is recorded beside it and checked before
loading, and a damaged entry is rebuilt.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from myriad.atomic import replace_atomic
from myriad.cache.store import _lock, cache_dir, max_bytes, sweep
from myriad.errors import BuildError


@dataclass
class BuildStats:
    compiles: int = 0
    compile_s: float = 0.0


stats = BuildStats()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _usable(lib: Path, sig: Path) -> bool:
    """Whether ``lib`` is the library that was built (its hash is the recorded
    one); touching it keeps eviction's least-recently-used order, and a library
    removed meanwhile fails the touch."""
    try:
        if sig.read_bytes().strip() != _digest(lib).encode():
            return False
        os.utime(lib)
        return True
    except OSError:
        return False


@dataclass(frozen=True)
class Toolchain:
    """How a source becomes a shared library: ``command`` (the compiler and its
    flags) is run as ``command -o LIB SOURCE after``; ``version`` (the
    compiler's) joins the cache key; ``failure(src, stderr, source)`` words a
    failed compile for the user."""

    command: tuple[str, ...]
    version: str
    suffix: str
    after: tuple[str, ...]
    failure: Callable[[Path, str, str], str]


def build(source: str, toolchain: Toolchain, name: str = "model") -> Path:
    """Path of a shared library compiled from ``source`` by ``toolchain``, compiled at most once."""
    tool = toolchain
    cmd = list(tool.command)
    key = hashlib.sha256("\0".join([source, *cmd, tool.version]).encode()).hexdigest()[:32]
    root = cache_dir()
    stem = f"{name}-{key}"
    lib, sig = root / f"{stem}.so", root / f"{stem}.sha256"
    if _usable(lib, sig):
        return lib
    cap = max_bytes()
    lock = _lock(root / f"{stem}.lock")
    try:
        if _usable(lib, sig):
            return lib
        src = root / f"{stem}{tool.suffix}"
        src.write_text(source)

        def compile_to(tmp: str) -> None:
            start = time.perf_counter()
            proc = subprocess.run([*cmd, "-o", tmp, str(src), *tool.after], capture_output=True, text=True)
            stats.compile_s += time.perf_counter() - start
            if proc.returncode != 0:
                raise BuildError(tool.failure(src, proc.stderr, source))

        replace_atomic(lib, compile_to, temp_prefix=f"{stem}.", private=True)
        stats.compiles += 1
        replace_atomic(sig, lambda tmp: Path(tmp).write_text(_digest(lib)), temp_prefix=f"{stem}.", private=True)
        sweep(root, keep=stem, cap=cap)
    finally:
        os.close(lock)
    return lib

