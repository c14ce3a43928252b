"""Reading the .npz files Myriad writes (checkpoints, results) when they may be
truncated, corrupted or not Myriad's at all: whatever goes wrong while reading
one (a damaged zip, a bad CRC, a truncated member, a malformed .npy header, a
pickled object) is one ModelError of one line that names the file.  What the
arrays hold is for the caller to check (myriad.checkpoint, myriad.result).
"""
from __future__ import annotations

import numpy as np

from myriad.errors import ModelError

#: the longest part of a reader's own message that an error quotes
QUOTED = 200


def one_line(exc: BaseException) -> str:
    """``exc``'s type and message on one line, at most QUOTED characters of it."""
    text = " ".join(str(exc).split())
    if len(text) > QUOTED:
        text = text[:QUOTED] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def read(path, cannot: str) -> dict[str, np.ndarray]:
    """Every member of the .npz file at ``path``, by name; ``cannot`` starts the
    message of the ModelError raised when it cannot be read (e.g. "load_state:
    cannot read FILE").  A member that is not an array is refused by name."""
    try:
        data = np.load(path, allow_pickle=False)
    except Exception as exc:        # any failure to read the file is the file's, not Myriad's
        raise ModelError(f"{cannot}: {one_line(exc)}") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ModelError(f"{cannot}: it is a single .npy array, not an .npz archive")
    try:
        with data:
            arrays = {name: data[name] for name in data.files}
    except Exception as exc:
        raise ModelError(f"{cannot}: {one_line(exc)}") from None
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray):
            raise ModelError(f"{cannot}: its member {name!r} is not a numpy array")
    return arrays
