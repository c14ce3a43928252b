"""The openmp backend: the model's C, compiled with OpenMP, run by ``threads`` CPU threads."""
from __future__ import annotations

import numpy as np

from myriad.abi import Context
from myriad.backends.base import Backend, Engine
from myriad.backends.c import codegen, toolchain
from myriad.backends.c.library import Library
from myriad.cache import libraries


class OpenMPEngine(Engine):
    backend = "openmp"

    def __init__(self, library: Library, source: str):
        self.library, self.source = library, source

    def rk4_rate(self, ctx: Context) -> tuple[float, int]:
        return self.library.rk4_rate(ctx)

    def run(self, ctx: Context, threads: int, progress) -> tuple[np.ndarray, np.ndarray]:
        dll, c = self.library.dll, ctx.c
        with progress:
            dll.myr_run(ctx.pointer())
        n = c.n_spikes
        times = np.ctypeslib.as_array(c.spk_t, shape=(n,)).copy() if n else np.zeros(0)
        gids = np.ctypeslib.as_array(c.spk_gid, shape=(n,)).copy() if n else np.zeros(0, dtype=np.int64)
        dll.myr_release(ctx.pointer())
        return times, gids


class OpenMP(Backend):
    name = "openmp"

    def generate(self, analysis) -> str:
        return codegen.generate(analysis, "openmp")

    def build(self, source: str):
        return libraries.build(source, toolchain.c_toolchain())

    def load(self, built, source: str, sample) -> Engine:
        return OpenMPEngine(Library(built), source)
