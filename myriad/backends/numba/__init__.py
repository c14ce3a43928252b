"""The numba backend: the model run by numba (one thread, no C compiler).

It translates the mechanisms' Python methods again, independently of pycast
(translate.py), into kernels (kernels.py) followed by a Python transcription
of csolver (solver.py), so it also serves as an independent oracle for
pycast and the C solver.  engine.py writes, loads and runs that module.
"""
from __future__ import annotations

from myriad.backends.base import Backend, Engine
from myriad.backends.numba.engine import NumbaEngine, load, source


class Numba(Backend):
    name = "numba"

    def generate(self, analysis) -> str:
        return source(analysis)

    def build(self, source: str):
        return load(source)

    def load(self, built, source: str, sample) -> Engine:
        engine = NumbaEngine(built, source)
        engine.prepare(sample())
        return engine
