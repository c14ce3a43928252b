"""Compile generated C once per distinct source and keep the library in a cache.

The cache key is the SHA-256 of the source, the compiler command and the
compiler's version, so a changed model, flag or compiler never reuses a stale
library.  The directory is private to the user (0700) and refused otherwise;
libraries are compiled to a temporary name and renamed into place, under a
per-key lock, so concurrent processes building the same model are safe; each
library's own hash is recorded beside it and checked before loading, and a
damaged entry is rebuilt.
"""
from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from myriad.errors import BuildError

CFLAGS = ["-O3", "-march=native", "-fopenmp", "-std=gnu99", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-fPIC", "-shared"]


@dataclass
class BuildStats:
    compiles: int = 0
    compile_s: float = 0.0


stats = BuildStats()


def cache_dir() -> Path:
    base = os.environ.get("MYRIAD_CACHE_DIR")
    if base:
        path = Path(base)
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        path = root / "myriad"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid != os.getuid():
        raise BuildError(f"cache directory {path} is owned by another user; set MYRIAD_CACHE_DIR")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise BuildError(f"cache directory {path} is writable by others; run 'chmod 700 {path}' "
                         f"or set MYRIAD_CACHE_DIR")
    return path


def compiler() -> str:
    cc = os.environ.get("CC", "cc")
    if not shutil.which(cc):
        raise BuildError(f"no C compiler '{cc}' on PATH: install gcc (e.g. 'apt-get install gcc') or set CC")
    return cc


@functools.cache
def _compiler_version(cc: str) -> str:
    out = subprocess.run([cc, "--version"], capture_output=True, text=True)
    return out.stdout.splitlines()[0] if out.stdout else cc


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _valid(lib: Path, sig: Path) -> bool:
    try:
        return sig.read_text().strip() == _digest(lib)
    except OSError:
        return False


def _explain(stderr: str, source: str) -> str:
    """The compiler's message with the generated lines it points at."""
    lines = source.splitlines()
    out = [stderr.strip()]
    for text in stderr.splitlines():
        parts = text.split(":")
        if len(parts) > 2 and parts[1].isdigit():
            n = int(parts[1])
            lo, hi = max(n - 3, 0), min(n + 2, len(lines))
            out.append(f"--- generated source around line {n} ---")
            out += [f"{k + 1:6d}  {lines[k]}" for k in range(lo, hi)]
            break
    return "\n".join(out)


def build(source: str, name: str = "model") -> Path:
    """Path of a compiled shared library for ``source`` (compiled at most once)."""
    cc = compiler()
    cmd = [cc, *CFLAGS]
    key = hashlib.sha256("\0".join([source, *cmd, _compiler_version(cc)]).encode()).hexdigest()[:32]
    root = cache_dir()
    lib, sig = root / f"{name}-{key}.so", root / f"{name}-{key}.sha256"
    if _valid(lib, sig):
        return lib
    with open(root / f"{name}-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _valid(lib, sig):
            return lib
        src = root / f"{name}-{key}.c"
        src.write_text(source)
        fd, tmp = tempfile.mkstemp(dir=root, suffix=".so.tmp")
        os.close(fd)
        start = time.perf_counter()
        proc = subprocess.run([*cmd, "-o", tmp, str(src), "-lm"], capture_output=True, text=True)
        stats.compile_s += time.perf_counter() - start
        if proc.returncode != 0:
            os.unlink(tmp)
            raise BuildError(f"compiling {src} failed:\n{_explain(proc.stderr, source)}")
        stats.compiles += 1
        os.replace(tmp, lib)
        sig_tmp = sig.with_suffix(".sha256.tmp")
        sig_tmp.write_text(_digest(lib))
        os.replace(sig_tmp, sig)
    return lib
