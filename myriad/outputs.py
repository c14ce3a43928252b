"""Result files written atomically: a reader never sees half a file."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np


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
