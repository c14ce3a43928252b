"""Poisson spike trains, drawn when the model is built.

The times are drawn in Python with numpy's seeded ``Generator`` and handed to
the model as a fixed list of event times (a generator source, as an imported
NetStim is).  The solver draws nothing, so a run sees the same events on any
number of threads and on every backend, and the same seed gives the same
train in any process.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from myriad import ModelError


def _seed_ok(seed) -> bool:
    def whole(x):
        return isinstance(x, numbers.Integral) and not isinstance(x, bool) and x >= 0
    return whole(seed) or (isinstance(seed, (tuple, list)) and len(seed) > 0 and all(map(whole, seed)))


def poisson_times(rate_hz: float, start: float, stop: float, seed) -> np.ndarray:
    """Sorted event times (ms) of a homogeneous Poisson process of ``rate_hz``
    (Hz, events per second) on [``start``, ``stop``) ms.  ``seed`` (an integer
    >= 0, or a tuple of them such as ``(base, gid)`` for one independent train
    per cell) fixes the draw: the count is Poisson with mean
    ``rate_hz * (stop - start) / 1000``, the times uniform given the count, so
    the intervals are exponential with mean ``1000 / rate_hz`` ms."""
    for name, value in (("rate_hz", rate_hz), ("start", start), ("stop", stop)):
        if not (isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)):
            raise ModelError(f"poisson source: {name} must be a finite number, got {value!r}")
    if rate_hz < 0:
        raise ModelError(f"poisson source: rate_hz must be >= 0 Hz, got {rate_hz!r}")
    if not 0 <= start <= stop:
        raise ModelError(f"poisson source: need 0 <= start <= stop (ms), got start={start!r}, stop={stop!r}")
    if not _seed_ok(seed):
        raise ModelError(f"poisson source: seed must be an integer >= 0 or a tuple of them, got {seed!r}")
    rng = np.random.default_rng(list(seed) if isinstance(seed, (tuple, list)) else seed)
    count = rng.poisson(rate_hz * (stop - start) / 1000.0)
    return np.sort(rng.uniform(start, stop, count))
