"""Files written atomically: a reader sees the old file or the new one, never half of one.

Every file Myriad writes goes through :func:`replace_atomic`: result files,
checkpoints, plots and search tables, and the cache's compiled libraries,
their hashes, flattened models and numba modules.  The file is written under
a temporary name beside its target and renamed into place; a failure removes
the temporary.  Result files get the permissions the umask gives (a
temporary is private), cache files stay private.  A writer killed before its
rename leaves its temporary: ``.NAME.XXXXXXXX.tmp`` beside a result file
``NAME``, removed by the next write of ``NAME`` once older than ``STALE_S``,
a time no write of a result file takes; the cache's temporaries are named
after their entry and removed by the cache's sweep (myriad.cache.store).
"""
from __future__ import annotations

import fcntl
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

#: seconds after which another writer's temporary of the same file is taken for a dead one's
STALE_S = 3600.0


def replace_atomic(path, write: Callable[[str], None], *, temp_prefix: str | None = None,
                   private: bool = False, lock: bool = False) -> None:
    """Have ``write`` fill a temporary file beside ``path``, then put it in
    ``path``'s place: a failure leaves neither a half file nor a stray temporary.

    ``temp_prefix`` names the temporary (default ``.NAME.``, whose dead
    writers' temporaries this write removes); ``private`` keeps the file 0600
    instead of the umask's permissions; ``lock`` holds an exclusive flock on
    the temporary until it is renamed, which tells the cache's sweep that its
    writer is alive."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}." if temp_prefix is None else temp_prefix
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        if lock:
            fcntl.flock(fd, fcntl.LOCK_EX)
        write(tmp)
        if not private:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)
    if temp_prefix is None:
        _remove_stale(path)


def _remove_stale(path: Path) -> None:
    """Dead writers' temporaries of ``path``: named as mkstemp names them for it
    (so no other file's), ours, and untouched for ``STALE_S``."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    now = time.time()
    for entry in os.scandir(path.parent):
        if not pattern.fullmatch(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if info.st_uid == os.getuid() and now - info.st_mtime > STALE_S:
                os.unlink(entry.path)
        except OSError:
            pass


def _umask() -> int:
    """The process's umask (a temporary file is private; the result file is not)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path, text: str) -> None:
    def write(tmp):
        with open(tmp, "w") as handle:
            handle.write(text)
    replace_atomic(path, write)
