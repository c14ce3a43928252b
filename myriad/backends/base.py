"""What every backend provides: the protocol :class:`Simulation` runs a model through.

A :class:`Backend` says what it supports and turns an analysed model into an
:class:`Engine` in three steps, each its own method so that a new backend can
be written and tested one step at a time: ``generate`` the source it compiles,
``build`` that source (cached by content), ``load`` the result.  An engine runs
a solver context (myriad.abi) that myriad.context filled: it reads the
context's arrays, writes the states, work arrays and outputs the table marks
``run``, and sets ``status`` as csolver's ``myr_run`` does, so results,
errors and checkpoints are read the same whatever the backend.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Callable, ClassVar

import numpy as np

from myriad.abi import Context
from myriad.blocks import Analysis
from myriad.errors import ModelError


class Engine(ABC):
    """One model compiled by one backend, ready to run contexts."""

    #: the name of the backend that made it
    backend: ClassVar[str]
    #: the code the backend compiled (C, CUDA C++ or Python for numba)
    source: str

    @abstractmethod
    def rk4_rate(self, ctx: Context) -> tuple[float, int]:
        """The largest decay rate (1/ms) at the context's initial state, and the state it belongs to."""

    @abstractmethod
    def run(self, ctx: Context, threads: int, progress) -> tuple[np.ndarray, np.ndarray]:
        """Run the context's steps; returns the spikes (times, gids; unsorted).  ``progress``
        is a myriad.progress.RunProgress to hold open while the time loop runs (a backend
        that cannot report its steps meanwhile ignores it)."""

    def interrupt(self, ctx: Context) -> None:
        """Ask the run of ``ctx`` in progress (in another thread) to stop at the end
        of a step; it then ends with status INTERRUPTED and ``done`` the steps it
        completed.  By default the time loop reads the context's ``interrupt``."""
        ctx.c.interrupt = 1

    def device(self):
        """The device this engine runs on (backends that run on the host have none)."""
        raise ModelError(f"device(): this simulation's backend is {self.backend}, not cuda")

    def device_stats(self) -> dict:
        """Time spent on the device and copying to and from it."""
        raise ModelError("device_stats(): no cuda run yet")


class Backend(ABC):
    """A way to run flattened models: what it supports, and how it compiles one."""

    name: ClassVar[str]
    #: whether cells are interleaved (node j of cell c at j * ncells + c, the
    #: GPU's coalesced layout) instead of stored one after another
    interleave: ClassVar[bool] = False

    @property
    def layout(self) -> str:
        return "interleaved" if self.interleave else "sequential"

    @abstractmethod
    def generate(self, analysis: Analysis) -> str:
        """The source this backend compiles for the analysed model."""

    @abstractmethod
    def build(self, source: str):
        """Compile ``source`` (at most once per content: cached); returns what ``load`` takes."""

    @abstractmethod
    def load(self, built, source: str, sample: Callable[[], Context]) -> Engine:
        """The engine for what ``build`` made; ``sample`` gives a context of this
        model (a backend that compiles for the argument types uses it)."""

    def compile(self, analysis: Analysis, sample: Callable[[], Context]) -> Engine:
        source = self.generate(analysis)
        return self.load(self.build(source), source, sample)
