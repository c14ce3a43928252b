"""Files written atomically: a reader sees the old file or the new one, never half of one.

Every file Myriad writes goes through :func:`replace_atomic`: result files,
checkpoints, plots and search tables, and the cache's compiled libraries,
their hashes, flattened models and numba modules.  The file is written under
a temporary name beside its target and renamed into place; a failure removes
the temporary.  A new result file gets the permissions the umask gives (a
temporary is private); one that replaces a regular file keeps that file's
permission bits (and its owner, where the writer may give it); cache files
stay private.  A writer killed before its rename leaves its temporary:
``.NAME.XXXXXXXX.tmp`` beside a result file ``NAME``, removed by the next
write of ``NAME`` once older than ``STALE_S``, a time no write of a result
file takes; the cache's temporaries are named after their entry and removed
by the cache's sweep (myriad.cache.store).

A result file's target may also be something that is not a regular file and
must not be replaced: ``-`` (standard output), or a path that is, or is a
symbolic link to, a character or block device, a FIFO or a socket
(``/dev/null``, ``/dev/stdout``, a named pipe).  Those are written through:
the contents are made in a private temporary file (so that a writer that
seeks, or fails half way, still works or leaves nothing) and then streamed
into the target.  A directory is refused.  A symbolic link to a regular file
(or to nothing) is itself replaced, as ``sed -i`` does.  :func:`unwritable`
says before the work that makes the contents why a target cannot be written.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

#: seconds after which another writer's temporary of the same file is taken for a dead one's
STALE_S = 3600.0

#: the target that means standard output
STDOUT = "-"


def replace_atomic(path, write: Callable[[str], None], *, temp_prefix: str | None = None,
                   private: bool = False, lock: bool = False) -> None:
    """Have ``write`` fill a temporary file beside ``path``, then put it in
    ``path``'s place: a failure leaves neither a half file nor a stray temporary.

    ``temp_prefix`` names the temporary (default ``.NAME.``, whose dead
    writers' temporaries this write removes); ``private`` keeps the file 0600
    instead of the umask's permissions; ``lock`` holds an exclusive flock on
    the temporary until it is renamed, which tells the cache's sweep that its
    writer is alive.

    Without ``temp_prefix`` (a result file, not an entry of a store that owns
    its directory) ``path`` may be ``-`` or a special file, written through,
    and a regular file replaced keeps its permission bits (and its owner and
    group where this process may give them); a directory, or
    ``''``, is refused with IsADirectoryError."""
    if temp_prefix is None:
        target = _result_target(path)
        if target is not None:
            _write_through(target, write)
            return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}." if temp_prefix is None else temp_prefix
    if private:
        replaced = mode = None
    elif temp_prefix is not None:
        replaced, mode = None, 0o666 & ~_umask()
    else:
        replaced, mode = _replaced(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    except OSError as exc:
        # name the file asked for, not the temporary nobody asked for
        raise OSError(exc.errno, f"cannot write a file in its directory ({exc.strerror})", str(path)) from None
    try:
        if lock:
            fcntl.flock(fd, fcntl.LOCK_EX)
        write(tmp)
        if replaced is not None and (replaced.st_uid, replaced.st_gid) != (os.geteuid(), os.getegid()):
            try:
                os.chown(tmp, replaced.st_uid, replaced.st_gid)
            except PermissionError:
                pass
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)
    if temp_prefix is None:
        _remove_stale(path)


def _result_target(path) -> str | int | None:
    """What a result file's ``path`` is written through (1 for standard output,
    or the special file's path), or None when it is (or will be) a regular
    file, replaced by rename.  A directory is refused."""
    text = os.fspath(path)
    if text == STDOUT:
        return 1
    if text == "":
        raise IsADirectoryError(errno.EISDIR, "an empty file name; give a file name", text)
    try:
        info = os.stat(text)            # follows symbolic links: /dev/stdout is the terminal or pipe
    except OSError:
        return None                     # nothing there (or a dangling link): a new file
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory; give a file name", text)
    return None if stat.S_ISREG(info.st_mode) else text


def _replaced(path: Path) -> tuple[os.stat_result | None, int]:
    """The regular file (not a link to one) that ``path`` replaces, if any,
    and the permission bits the new file gets: that file's, or the umask's."""
    try:
        info = os.lstat(path)
    except OSError:
        info = None
    if info is not None and stat.S_ISREG(info.st_mode):
        return info, stat.S_IMODE(info.st_mode) & 0o777
    return None, 0o666 & ~_umask()


def _write_through(target: str | int, write: Callable[[str], None]) -> None:
    """Make the contents in a private temporary file, then stream them into
    ``target``: standard output (1), a device, a FIFO or a socket."""
    fd, tmp = tempfile.mkstemp(prefix=".myriad-out.", suffix=".tmp")
    try:
        os.close(fd)
        write(tmp)
        with open(tmp, "rb") as source:
            if target == 1:
                _to_stdout(source)
            elif stat.S_ISSOCK(os.stat(target).st_mode):
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.connect(target)
                    sock.sendfile(source)
            else:
                with open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _to_stdout(source) -> None:
    """After whatever was printed before: through sys.stdout's byte buffer, or file descriptor 1."""
    sys.stdout.flush()
    sink = getattr(sys.stdout, "buffer", None)
    if sink is None:
        sink = os.fdopen(os.dup(1), "wb")
        with sink:
            shutil.copyfileobj(source, sink, 1 << 20)
        return
    shutil.copyfileobj(source, sink, 1 << 20)
    sink.flush()


def unwritable(path, *, parents: bool = False) -> str | None:
    """Why a result file ``path`` cannot be written, or None when it can:
    checked before the work that makes its contents.  With ``parents``, missing
    directories on the way are allowed (replace_atomic makes them)."""
    text = os.fspath(path)
    if text == STDOUT:
        return None
    if text == "":
        return "an empty file name; give a file name"
    if text.endswith(os.sep) or os.path.basename(text) in (".", ".."):
        return f"{text!r} names a directory; give a file name"
    try:
        info = os.stat(text)
    except (FileNotFoundError, NotADirectoryError):
        info = None                     # nothing there yet (the directory is checked below)
    except OSError as exc:
        return f"cannot use {text!r} ({exc.strerror})"
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            return f"{text!r} is a directory; give a file name"
        if not stat.S_ISREG(info.st_mode):
            return None if os.access(text, os.W_OK) else f"{text!r} cannot be written (permission denied)"
    folder = os.path.dirname(os.path.abspath(text))
    while parents and not os.path.lexists(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        what = "is not a directory" if os.path.lexists(folder) else "does not exist"
        return f"the directory of {text!r} {what}" + (f" ({folder})" if parents else "")
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write in the directory of {text!r} (permission denied)"
    return None


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
