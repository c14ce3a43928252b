"""Compile generated C (or CUDA) once per distinct source and keep the library in a cache.

The cache key is the SHA-256 of the source, the compiler command and the
compiler's version, so a changed model, flag, compiler or GPU architecture
never reuses a stale library.  A :class:`Toolchain` says how a source
becomes a library: the C compiler with OpenMP (the default), or nvcc for the
CUDA backend (myriad.cuda_toolchain).  The directory (``$MYRIAD_CACHE_DIR``, else ``$XDG_CACHE_HOME/myriad``,
else ``~/.cache/myriad``) is private to the user (0700) and refused otherwise,
because loading a library from it runs its code.  Libraries are compiled to a
temporary name and renamed into place, under a per-entry lock, so concurrent
processes building the same model compile it once; each library's own hash is
recorded beside it and checked before loading, and a damaged entry is rebuilt.

An entry is the files that share a stem: ``model-KEY.so`` with its ``.sha256``,
``.c`` or ``.cu`` (kept for reading after a failed build) and ``.lock``, or a flattened
model ``flat-KEY.pickle`` (myriad.flat_cache); temporaries of an entry are
named after its stem too.  After each build the entries are kept within
``$MYRIAD_CACHE_MAX_MB`` (default 2048 MiB) by removing the least recently
used (loading an entry marks it used), never the one just built nor one a
running build holds, and the temporaries of builds that died are removed.
Numba modules (``numba/``) and NEURON mechanism builds (``nrnmech-*``) in the
same directory are not counted and are removed only by ``clear``.  A library
checked by one process is loaded by it a moment later; an eviction in between,
possible only with a cap below the two most recently used entries, makes that
load fail (BuildError naming the file), and the next run rebuilds it.
"""
from __future__ import annotations

import fcntl
import functools
import hashlib
import math
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from myriad.errors import BuildError

CFLAGS = ["-O3", "-march=native", "-fopenmp", "-std=gnu99", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-fPIC", "-shared"]
#: the cache's size cap in MiB when MYRIAD_CACHE_MAX_MB is unset: a library is
#: tens of kB, but the flattened ringtest of 132,096 compartments is 29 MB, so
#: about 70 such models fit, and a small disk is not filled unnoticed
DEFAULT_MAX_MB = 2048
#: a temporary that no lock shows to be in use (one not written by this module)
#: is taken for a dead writer's once it is this old (seconds)
STALE_S = 600.0

_STEM = re.compile(r"[A-Za-z0-9_]+-[0-9a-f]{32}")
_PAYLOADS = (".so", ".pickle")
#: the ``/* file.py:42: <statement> */`` and ``/* module.Class.method, file.py:40 */``
#: comments that pycast puts before each translated statement and function
_STATEMENT = re.compile(r"/\* (\S+\.py:\d+: .*) \*/")
_FUNCTION = re.compile(r"/\* (\S+, \S+\.py:\d+) \*/")
#: where a compiler says its first error is: gcc's ``file:12:5: error`` or nvcc's ``file(12): error``
_ERROR_AT = re.compile(r"^(?:[^:\s][^:]*:(\d+):(?:\d+:)?\s*(?:fatal )?error|[^\s(]+\((\d+)\): (?:catastrophic )?error)",
                       re.MULTILINE)
_LINE_AT = re.compile(r"^[^:\s][^:]*:(\d+):", re.MULTILINE)
_NO_OPENMP = ("fopenmp", "omp.h", "-lgomp", "-lomp", "libgomp", "libomp")


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
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"cannot create the cache directory {path} ({exc}); "
                         f"set MYRIAD_CACHE_DIR to a directory of your own") from None
    info = path.stat()
    if info.st_uid != os.getuid():
        raise BuildError(f"cache directory {path} is owned by another user; set MYRIAD_CACHE_DIR "
                         f"to a directory of your own")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise BuildError(f"cache directory {path} is writable by others; run 'chmod 700 {path}' "
                         f"or set MYRIAD_CACHE_DIR")
    return path


def max_bytes() -> float:
    """The cap on the entries' total size, from ``$MYRIAD_CACHE_MAX_MB`` (MiB)."""
    text = os.environ.get("MYRIAD_CACHE_MAX_MB", "").strip()
    if not text:
        return DEFAULT_MAX_MB * 2.0**20
    try:
        mib = float(text)
    except ValueError:
        mib = math.nan
    if not mib >= 0:
        raise BuildError(f"MYRIAD_CACHE_MAX_MB={text!r} is not a size in MiB: set it to a number >= 0 "
                         f"or unset it for the default of {DEFAULT_MAX_MB}")
    return mib * 2.0**20


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


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _usable(lib: Path, sig: Path) -> bool:
    """Whether ``lib`` is the library that was built (its hash is the recorded
    one); touching it keeps eviction's least-recently-used order, and a library
    removed meanwhile fails the touch."""
    try:
        if sig.read_text().strip() != _digest(lib):
            return False
        os.utime(lib)
        return True
    except OSError:
        return False


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


def c_toolchain() -> Toolchain:
    """The C compiler ($CC, else cc) with OpenMP: the openmp backend's."""
    cc = compiler()
    return Toolchain((cc, *CFLAGS), compiler_version(cc), ".c", ("-lm",), functools.partial(_failure, cc))


def _lock(path: Path, wait: bool = True) -> int | None:
    """A descriptor holding the exclusive lock of ``path``, or None when ``wait``
    is false and another process holds it.  Eviction deletes a free entry's lock
    file while holding it, so a lock taken on a file no longer at ``path`` is
    taken again on the new one."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                return fd
        except BlockingIOError:
            os.close(fd)
            return None
        except FileNotFoundError:
            pass
        os.close(fd)


def build(source: str, name: str = "model", toolchain: Toolchain | None = None) -> Path:
    """Path of a shared library compiled from ``source`` by ``toolchain``
    (default: the C compiler), compiled at most once."""
    tool = toolchain or c_toolchain()
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
        fd, tmp = tempfile.mkstemp(dir=root, prefix=f"{stem}.", suffix=".so.tmp")
        os.close(fd)
        start = time.perf_counter()
        proc = subprocess.run([*cmd, "-o", tmp, str(src), *tool.after], capture_output=True, text=True)
        stats.compile_s += time.perf_counter() - start
        if proc.returncode != 0:
            os.unlink(tmp)
            raise BuildError(tool.failure(src, proc.stderr, source))
        stats.compiles += 1
        os.replace(tmp, lib)
        sig_tmp = root / f"{stem}.sha256.tmp"
        sig_tmp.write_text(_digest(lib))
        os.replace(sig_tmp, sig)
        sweep(root, keep=stem, cap=cap)
    finally:
        os.close(lock)
    return lib


# --- the cache's size and its cleaning ----------------------------------------------

@dataclass
class _Entry:
    stem: str
    sizes: dict[Path, int] = field(default_factory=dict)
    mtimes: dict[Path, float] = field(default_factory=dict)

    @property
    def library(self) -> bool:
        return not self.stem.startswith("flat-")

    @property
    def used(self) -> float:
        """When the entry was last built or loaded (its payload's mtime), else
        when any of its files was last written, as scanned."""
        payload = [t for p, t in self.mtimes.items() if p.suffix in _PAYLOADS]
        return max(payload or self.mtimes.values(), default=0.0)

    def used_since(self, root: Path) -> bool:
        """Whether the payload was built or loaded after the scan."""
        for suffix in _PAYLOADS:
            path = root / f"{self.stem}{suffix}"
            try:
                if path.stat().st_mtime != self.mtimes.get(path):
                    return True
            except FileNotFoundError:
                pass
        return False


def _scan(root: Path) -> tuple[dict[str, _Entry], list[Path]]:
    """The entries, and everything else in ``root``."""
    entries: dict[str, _Entry] = {}
    others = []
    for path in root.iterdir():
        stem = path.name.split(".", 1)[0]
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if _STEM.fullmatch(stem) and stat.S_ISREG(info.st_mode):
            entry = entries.setdefault(stem, _Entry(stem))
            entry.sizes[path], entry.mtimes[path] = info.st_size, info.st_mtime
        else:
            others.append(path)
    return entries, others


def _free(path: Path) -> bool:
    """Whether no process holds the lock of the temporary ``path`` (a flattened
    model is written under one)."""
    try:
        with open(path, "rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except FileNotFoundError:
        return True


def _remove(root: Path, entry: _Entry, whole: bool) -> list[Path]:
    """Remove ``entry``'s temporaries of builds that died, and all of it when
    ``whole`` (unless it was used since it was scanned); what a running build
    holds stays.  Returns the files removed."""
    temporaries = [p for p in entry.sizes if p.name.endswith(".tmp")]
    if not (whole or temporaries):
        return []
    lock = None
    if entry.library:
        lock = _lock(root / f"{entry.stem}.lock", wait=False)
        if lock is None:
            return []
    try:
        whole = whole and not entry.used_since(root)
        doomed = [p for p in temporaries if entry.library or _free(p)]
        if whole:
            doomed += sorted((p for p in entry.sizes if p not in temporaries), key=lambda p: p.suffix == ".lock")
        for path in doomed:
            path.unlink(missing_ok=True)
        return doomed
    finally:
        if lock is not None:
            os.close(lock)


def _stale(path: Path) -> bool:
    try:
        return time.time() - path.lstat().st_mtime > STALE_S
    except FileNotFoundError:
        return False


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except FileNotFoundError:
        return 0


def sweep(root: Path, keep: str | None = None, cap: float | None = None) -> list[str]:
    """Remove dead builds' temporaries, then the least recently used entries
    while all entries exceed ``cap`` bytes (default ``max_bytes()``), except
    ``keep`` (the stem just built).  Returns the stems evicted."""
    cap = max_bytes() if cap is None else cap
    entries, others = _scan(root)
    for path in others:
        if path.name.endswith(".tmp") and path.is_file() and _stale(path):
            path.unlink(missing_ok=True)
    total = sum(sum(e.sizes.values()) for e in entries.values())
    evicted = []
    for entry in sorted(entries.values(), key=lambda e: e.used):
        gone = _remove(root, entry, whole=total > cap and entry.stem != keep)
        total -= sum(entry.sizes[p] for p in gone)
        if any(not p.name.endswith(".tmp") for p in gone):
            evicted.append(entry.stem)
    return evicted


@dataclass
class Usage:
    root: Path
    libraries: int
    flattened: int
    bytes: int
    cap: float


def usage() -> Usage:
    """What the cache holds (its entries only; see the module's docstring)."""
    root = cache_dir()
    entries, _ = _scan(root)
    suffixes = [{p.suffix for p in e.sizes} for e in entries.values()]
    return Usage(root, sum(".so" in s for s in suffixes), sum(".pickle" in s for s in suffixes),
                 sum(sum(e.sizes.values()) for e in entries.values()), max_bytes())


def clear() -> tuple[int, int, list[Path]]:
    """Empty the cache directory of all but what running processes are writing:
    entries whose build holds their lock, and temporaries younger than
    ``STALE_S`` that no lock accounts for.  Returns the files removed, their
    bytes, and what was kept."""
    root = cache_dir()
    entries, others = _scan(root)
    removed, size, kept = 0, 0, []
    for entry in entries.values():
        gone = _remove(root, entry, whole=True)
        removed += len(gone)
        size += sum(entry.sizes[p] for p in gone)
        kept += [p for p in entry.sizes if p not in gone and p.exists()]
    for path in others:
        if (path.name.endswith(".tmp") or path.name.startswith(".")) and not _stale(path):
            kept.append(path)
            continue
        tree = path.is_dir() and not path.is_symlink()
        files = [p for p in path.rglob("*") if not p.is_dir()] if tree else [path]
        removed += len(files)
        size += sum(map(_size, files))
        if tree:
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return removed, size, kept
