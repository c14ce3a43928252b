"""Result files written atomically: a reader never sees half a file."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def csv_text(header: list[str], columns) -> str:
    """Columns of numbers as CSV with full double precision."""
    rows = [",".join(header)]
    rows += [",".join(repr(float(v)) for v in row) for row in zip(*columns)]
    return "\n".join(rows) + "\n"


#: the time column as CoreNEURON's ``out.dat`` and NEURON's ringtest ``spk*.std`` print it
NEURON_SPIKE_LINE = "{t:.8g}\t{g}\n"


def spikes_text(times, gids, line: str = "{t:.6f} {g}\n") -> str:
    """NEURON's spike file format: ``time gid`` per line (``line`` formats one)."""
    return "".join(line.format(t=float(t), g=int(g)) for t, g in zip(times, gids))
