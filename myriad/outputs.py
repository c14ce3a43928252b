"""The text formats of result files: CSV columns and NEURON's spike files."""
from __future__ import annotations

import numpy as np


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
