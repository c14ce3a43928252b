"""The cuda backend: the model's CUDA C++ (the C solver's source compiled by
nvcc), the whole run in one cooperative kernel on an NVIDIA GPU.

toolchain.py finds nvcc and the architecture (or the CPU emulation's C++
compiler); runtime.py uploads a context, launches and drains the spike buffer.
Cells are interleaved (node j of cell c at j * ncells + c), so a warp's loads
coalesce.
"""
from __future__ import annotations

from myriad.abi import Context
from myriad.backends.base import Backend, Engine
from myriad.backends.c import codegen
from myriad.backends.c.library import Library
from myriad.backends.cuda import toolchain
from myriad.backends.cuda.runtime import Runner
from myriad.cache import libraries


class CudaEngine(Engine):
    backend = "cuda"

    def __init__(self, library: Library, source: str):
        self.library, self.source = library, source
        self.runner: Runner | None = None

    def device(self):
        """The GPU (DeviceError where there is none), found at the first call."""
        if self.runner is None:
            self.runner = Runner(self.library, toolchain.emulated())
        return self.runner.device

    def device_stats(self) -> dict:
        runner = self.runner
        if runner is None:
            return super().device_stats()
        return {"device": runner.device.name, "kernel_s": round(runner.kernel_s, 6),
                "transfer_s": round(runner.transfer_s, 6), "launches": runner.launches}

    def rk4_rate(self, ctx: Context) -> tuple[float, int]:
        return self.library.rk4_rate(ctx)

    def run(self, ctx: Context, threads: int, progress):
        self.device()
        return self.runner.run(ctx, threads)


class Cuda(Backend):
    name = "cuda"
    interleave = True

    def generate(self, analysis) -> str:
        return codegen.generate(analysis, "cuda")

    def build(self, source: str):
        return libraries.build(source, toolchain.toolchain())

    def load(self, built, source: str, sample) -> Engine:
        return CudaEngine(Library(built), source)
