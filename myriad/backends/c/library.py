"""A compiled model library loaded with ctypes, its entry points typed and its
context layout checked against :mod:`myriad.abi` before anything runs."""
from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np

from myriad.abi import FIELDS, CContext, Status, check_layout
from myriad.errors import BuildError


class Library:
    """A compiled model library with its entry points typed."""

    def __init__(self, path: Path):
        try:
            self.dll = ctypes.CDLL(str(path))
        except OSError as exc:
            raise BuildError(f"cannot load compiled model {path}: {exc}") from exc
        self.dll.myr_ctx_layout.restype = ctypes.c_int64
        offsets, sizes, statuses = (np.zeros(n, dtype=np.int64) for n in (len(FIELDS), len(FIELDS), len(Status)))
        size = self.dll.myr_ctx_layout(*(a.ctypes.data_as(ctypes.POINTER(ctypes.c_int64))
                                         for a in (offsets, sizes, statuses)))
        check_layout(str(path), size, offsets.tolist(), sizes.tolist(), statuses.tolist())
        self.dll.myr_rk4_rate.argtypes = [ctypes.POINTER(CContext), ctypes.POINTER(ctypes.c_int64)]
        self.dll.myr_rk4_rate.restype = ctypes.c_double
        if hasattr(self.dll, "myr_run"):        # the OpenMP target's; the CUDA target's are myriad.backends.cuda.runtime's
            self.dll.myr_run.argtypes = [ctypes.POINTER(CContext)]
            self.dll.myr_run.restype = ctypes.c_int32
            self.dll.myr_release.argtypes = [ctypes.POINTER(CContext)]
            self.dll.myr_release.restype = None
        self.path = path

    def rk4_rate(self, ctx) -> tuple[float, int]:
        """myr_rk4_rate: the largest decay rate at the context's initial state and where it is."""
        where = ctypes.c_int64(0)
        rate = self.dll.myr_rk4_rate(ctx.pointer(), ctypes.byref(where))
        return rate, where.value
