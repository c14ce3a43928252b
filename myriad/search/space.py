"""Free parameters and the box they span.

Strategies work in the unit cube, whatever the parameters' units and
scales: a conductance that may range over two decades is searched on a log
scale, so that a step of the optimiser means the same relative change
everywhere in its range.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from myriad.errors import ModelError


@dataclass(frozen=True)
class Parameter:
    """A free parameter: a path into the model (its meaning is the model's:
    e.g. ``"soma.hh.gnabar"``), bounds in the parameter's own unit, and whether
    it is searched on a log scale."""

    path: str
    low: float
    high: float
    log: bool = False

    def __post_init__(self):
        if not (isinstance(self.path, str) and self.path):
            raise ModelError(f"a parameter needs a path, got {self.path!r}")
        for bound in (self.low, self.high):
            if not (isinstance(bound, (int, float)) and math.isfinite(bound)):
                raise ModelError(f"parameter '{self.path}': bounds must be finite numbers, got {bound!r}")
        if not self.low < self.high:
            raise ModelError(f"parameter '{self.path}': low ({self.low}) must be below high ({self.high})")
        if self.log and self.low <= 0:
            raise ModelError(f"parameter '{self.path}': a log scale needs low > 0, got {self.low}")


class Space:
    """The parameters' box and its map to and from the unit cube."""

    def __init__(self, parameters):
        self.parameters = tuple(parameters)
        if not self.parameters:
            raise ModelError("a search needs at least one free parameter")
        paths = [p.path for p in self.parameters]
        twice = sorted({p for p in paths if paths.count(p) > 1})
        if twice:
            raise ModelError(f"parameters given twice: {', '.join(twice)}")
        scaled = [(math.log(p.low), math.log(p.high)) if p.log else (p.low, p.high) for p in self.parameters]
        self._low = np.array([lo for lo, _ in scaled])
        self._span = np.array([hi - lo for lo, hi in scaled])
        self._log = np.array([p.log for p in self.parameters])

    def __len__(self):
        return len(self.parameters)

    @property
    def paths(self) -> list[str]:
        """The free parameters' paths (``"soma.hh.gnabar"``), in order."""
        return [p.path for p in self.parameters]

    def values(self, unit: np.ndarray) -> np.ndarray:
        """Parameter values (n, d) of points (n, d) in the unit cube (clipped to it)."""
        scaled = self._low + np.clip(unit, 0.0, 1.0) * self._span
        return np.where(self._log, np.exp(scaled), scaled)

    def unit(self, values: np.ndarray) -> np.ndarray:
        """The unit-cube points of parameter values (n, d)."""
        values = np.asarray(values, dtype=np.float64)
        scaled = np.where(self._log, np.log(np.where(self._log, values, 1.0)), values)
        return (scaled - self._low) / self._span
