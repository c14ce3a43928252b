"""Result files written atomically: a reader never sees half a file.

A writer killed before its rename leaves its temporary ``.NAME.XXXXXXXX.tmp``
beside ``NAME``; the next write of ``NAME`` removes those of its own that are
older than ``STALE_S``, a time no write of a result file takes.
"""
from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

#: seconds after which another writer's temporary of the same file is taken for a dead one's
STALE_S = 3600.0


def replace_atomic(path, write: Callable[[str], None]) -> None:
    """Have ``write`` fill a temporary file beside ``path``, then put it in
    ``path``'s place: a failure leaves neither a half file nor a stray temporary."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
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


def csv_text(header: list[str], columns) -> str:
    """Columns of numbers as CSV with full double precision (integer columns as integers)."""
    rows = [",".join(header)]
    rows += [",".join(map(repr, row)) for row in zip(*(_numbers(c) for c in columns))]
    return "\n".join(rows) + "\n"


def _numbers(column) -> list:
    column = np.asarray(column)
    return column.tolist() if column.dtype.kind in "iu" else column.astype(np.float64).tolist()


#: the time column as CoreNEURON's ``out.dat`` and NEURON's ringtest ``spk*.std`` print it
NEURON_SPIKE_LINE = "{t:.8g}\t{g}\n"


def spikes_text(times, gids, line: str = "{t:.6f} {g}\n") -> str:
    """NEURON's spike file format: ``time gid`` per line (``line`` formats one)."""
    return "".join(line.format(t=float(t), g=int(g)) for t, g in zip(times, gids))
