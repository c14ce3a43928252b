"""Myriad's applications with the team barrier of before issue 19 (OpenMP's
own ``omp barrier``), for benchmarks.load_bench's comparison of the two.

    python -m benchmarks.omp_barrier.ringtest ARGS     (applications.ringtest ARGS)
    python -m benchmarks.omp_barrier.dense ARGS        (applications.dense ARGS)

Each runs the application as it is, except that every C source it compiles
starts with ``#define MYR_OMP_BARRIER 1``, which makes csolver's myr_sync the
``#pragma omp barrier`` it was (csolver/myriad_solver.h).  The sources differ,
so the libraries are cached apart from the ordinary ones.  For benchmarking
only.
"""
from __future__ import annotations

import runpy

OMP_BARRIER = "#define MYR_OMP_BARRIER 1\n"


def run(module: str) -> None:
    """Run ``module`` as ``python -m module`` would, with the OpenMP barrier."""
    from myriad.cache import libraries

    build = libraries.build

    def build_with_omp_barrier(source, *args, **kwargs):
        return build(OMP_BARRIER + source, *args, **kwargs)

    libraries.build = build_with_omp_barrier
    runpy.run_module(module, run_name="__main__", alter_sys=True)
