"""The cache directory and its entries: where compiled models and flattened
models are kept, who may write there, and how it is kept within its size cap.

The directory (``$MYRIAD_CACHE_DIR``, else ``$XDG_CACHE_HOME/myriad``, else
``~/.cache/myriad``) is private to the user, because loading a library from
it runs its code: it is created 0700, and it is refused (BuildError naming
the directory and the fix) when it is owned by another user or writable by
group or others, and when any directory above it is owned by someone other
than the user or root, or writable by group or others without being sticky
(like /tmp) with the next directory down owned by the user.  That is the rule
ssh and sudo apply: whoever could rename a directory on the path could swap
the cache between a check and a load.

The directory carries a ``CACHEDIR.TAG`` (https://bford.info/cachedir/),
written when it is created or first used, which also tells backup tools to
skip it.  A directory without one is tagged (adopted) only if everything in
it is something this module recognises (below), so a cache made by an older
version is adopted and a directory of other files never is; ``/`` and the
home directory are never tagged.  ``clear`` refuses a directory without the
tag, ``/`` and the home directory, and removes only what it recognises.

An entry is the files that share a stem: ``model-KEY.so`` with its ``.sha256``,
``.c`` or ``.cu`` (kept for reading after a failed build) and ``.lock``
(myriad.cache.libraries), or a flattened model ``flat-KEY.npz`` (myriad.cache.flat;
``flat-KEY.pickle`` in earlier versions); temporaries of an entry are named
after its stem too.  Besides entries, the cache holds numba modules
(``numba/``), NEURON mechanism builds (``nrnmech-*``, built in
``.nrnmech-build-*``), loose temporaries of older versions (``tmpXXXXXXXX.*.tmp``)
and the tag; anything else in the directory is not the cache's and is left alone.
After each build the entries are kept within ``$MYRIAD_CACHE_MAX_MB`` (default
2048 MiB) by removing the least recently used (loading an entry marks it
used), never the one just built nor one a running build holds, and the
temporaries of builds that died are removed.  Numba modules and NEURON
mechanism builds are not counted and are removed only by ``clear``.  A
library checked by one process is loaded by it a moment later; an eviction
in between, possible only with a cap below the two most recently used
entries, makes that load fail (BuildError naming the file), and the next run
rebuilds it.
"""
from __future__ import annotations

import fcntl
import math
import os
import re
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from myriad.atomic import replace_atomic
from myriad.errors import BuildError

#: the cache's size cap in MiB when MYRIAD_CACHE_MAX_MB is unset: a library is
#: tens of kB, but the flattened ringtest of 132,096 compartments is 29 MB, so
#: about 70 such models fit, and a small disk is not filled unnoticed
DEFAULT_MAX_MB = 2048
#: a temporary that no lock shows to be in use (one not written by this module)
#: is taken for a dead writer's once it is this old (seconds)
STALE_S = 600.0

_STEM = re.compile(r"[A-Za-z0-9_]+-[0-9a-f]{32}")
#: what follows an entry's stem in its files' names (a temporary's ends in .tmp)
_SUFFIXES = frozenset({"so", "sha256", "c", "cu", "lock", "npz", "pickle"})
_PAYLOADS = (".so", ".npz", ".pickle")
#: the Cache Directory Tagging spec's file and the signature it must begin with
TAG = "CACHEDIR.TAG"
SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"
_TAG_TEXT = (SIGNATURE.decode() + "\n# This file is a cache directory tag created by Myriad (myriad.cache.store).\n"
             "# For information about cache directory tags, see https://bford.info/cachedir/\n")
#: what else the cache holds (see the module's docstring), by name
_OTHERS = {
    "numba": re.compile(r"numba"),
    "nrnmech": re.compile(r"nrnmech-[0-9a-f]+"),
    "building": re.compile(r"\.nrnmech-build-[A-Za-z0-9_]+"),
    "temporary": re.compile(r"tmp[a-z0-9_]{8}(\.[A-Za-z0-9]+)*\.tmp|\.CACHEDIR\.TAG\.[a-z0-9_]{8}\.tmp"),
    "tag": re.compile(re.escape(TAG)),
}


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
    _check_above(path)
    _mark(path)
    return path


def _check_above(path: Path) -> None:
    """Refuse ``path`` when a directory above it, on the path as given or on the
    one it resolves to, lets anyone but the user and root replace what is below."""
    uid = os.getuid()
    given = path.absolute()
    try:
        chains = dict.fromkeys([given, given.resolve()])
        for chain in chains:
            _check_chain(path, chain, uid)
    except (OSError, RuntimeError) as exc:
        raise BuildError(f"cannot check the directories above the cache directory {path} ({exc}); "
                         f"set MYRIAD_CACHE_DIR to a directory of your own") from None


def _check_chain(path: Path, chain: Path, uid: int) -> None:
    """The rule of the module's docstring for each directory above ``chain``."""
    child = chain
    for parent in chain.parents:
        info = parent.stat()
        if info.st_uid not in (uid, 0):
            raise BuildError(f"cache directory {path}: {parent} above it is owned by another user "
                             f"(uid {info.st_uid}), who could replace the cache; set MYRIAD_CACHE_DIR "
                             f"to a directory whose parents only you and root own")
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            if not info.st_mode & stat.S_ISVTX:
                raise BuildError(f"cache directory {path}: {parent} above it is writable by group or "
                                 f"others, who could replace the cache; run 'chmod go-w {parent}' or set "
                                 f"MYRIAD_CACHE_DIR to a directory whose parents only you and root can write")
            owner = child.lstat().st_uid
            if owner != uid:
                raise BuildError(f"cache directory {path}: {child} is in the shared directory {parent} "
                                 f"but belongs to another user (uid {owner}), who could replace the cache; "
                                 f"set MYRIAD_CACHE_DIR to a directory of your own")
        child = parent


def _tagged(root: Path) -> bool:
    try:
        with open(root / TAG, "rb") as handle:
            return handle.read(len(SIGNATURE)) == SIGNATURE
    except OSError:
        return False


def _special(root: Path) -> str | None:
    """What ``root`` is when it is a directory no cache may be: '/' or the home directory."""
    where = root.resolve()
    if where == Path(where.anchor):
        return "the root directory"
    try:
        if where == Path.home().resolve():
            return "your home directory"
    except (RuntimeError, KeyError, OSError):
        pass
    return None


def _mark(root: Path) -> None:
    """Tag ``root`` as the cache if it is not yet and holds nothing but what the
    cache recognises (a new directory, or a cache of an older version)."""
    if _tagged(root) or _special(root):
        return
    try:
        _, others = _scan(root)
        if all(_other(path) is not None for path in others):
            replace_atomic(root / TAG, lambda tmp: Path(tmp).write_text(_TAG_TEXT), private=True)
    except OSError:
        pass        # a directory we cannot list or write: used untagged (clear refuses it)


def _other(path: Path) -> str | None:
    """Which of the things besides entries the cache holds ``path`` is; None: not the cache's."""
    return next((kind for kind, name in _OTHERS.items() if name.fullmatch(path.name)), None)


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
        stem, _, rest = path.name.partition(".")
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if _STEM.fullmatch(stem) and (rest in _SUFFIXES or rest.endswith(".tmp")) and stat.S_ISREG(info.st_mode):
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
        if _other(path) == "temporary" and path.is_file() and _stale(path):
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
    return Usage(root, sum(".so" in s for s in suffixes), sum(bool({".npz", ".pickle"} & s) for s in suffixes),
                 sum(sum(e.sizes.values()) for e in entries.values()), max_bytes())


def clear() -> tuple[int, int, list[Path], list[Path]]:
    """Empty the cache directory of what it recognises (see the module's
    docstring) but what running processes are writing: entries whose build
    holds their lock, and temporaries younger than ``STALE_S``.  Returns the
    files removed, their bytes, what was kept, and what was left because it is
    not the cache's.  A directory that is not tagged as the cache, ``/`` and
    the home directory are refused."""
    root = cache_dir()
    special = _special(root)
    if special:
        raise BuildError(f"refusing to clear {root}: it is {special}, not a cache; set MYRIAD_CACHE_DIR "
                         f"to the cache's own directory")
    if not _tagged(root):
        raise BuildError(f"refusing to clear {root}: it has no {TAG} marking it as Myriad's cache (it holds "
                         f"files Myriad did not write); remove its entries by hand, or set MYRIAD_CACHE_DIR "
                         f"to a directory of the cache's own")
    entries, others = _scan(root)
    removed, size, kept, foreign = 0, 0, [], []
    for entry in entries.values():
        gone = _remove(root, entry, whole=True)
        removed += len(gone)
        size += sum(entry.sizes[p] for p in gone)
        kept += [p for p in entry.sizes if p not in gone and p.exists()]
    for path in others:
        kind = _other(path)
        if kind in (None, "tag"):
            foreign += [path] if kind is None else []
            continue
        if kind in ("temporary", "building") and not _stale(path):
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
    return removed, size, kept, foreign
