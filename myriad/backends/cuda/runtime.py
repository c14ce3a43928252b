"""Running a compiled CUDA model: the context's arrays go to the device once,
the whole run is one cooperative kernel (csolver/run_cuda.cu), and the
results come back at the end.

The device holds a copy of every array of the :class:`myriad.abi.Context`
and a context whose pointers are device pointers.  Spikes collect in a device
buffer of ``spike_capacity`` entries; when a launch might overflow it, the
kernel stops after a step, the host copies the spikes out and launches again
from there (nothing else leaves the device in between).  Afterwards every
array the run writes is copied back into the host context, so results,
checkpoints and error reports read it as they read the OpenMP backend's.

Ctrl-C (myriad.interrupt) sets the host context's ``interrupt``; the host
cannot write the device's copy while the kernel runs, so the run stops when
the current launch ends: at once where the spike buffer fills often, at the
end of the run where one launch holds it all.  (The kernel does read its
copy each step, as the OpenMP loop does, for a future mapped host flag.)
"""
from __future__ import annotations

import ctypes
import math
import time

import numpy as np

from myriad.abi import ARRAYS, WRITTEN, CContext, Context, Status
from myriad.backends.c.library import Library
from myriad.context import CORE_CHUNK
from myriad.errors import DeviceError, SimulationError
from myriad.faults import NO_FAULT

#: spikes the device buffer holds between drains (16 bytes each)
SPIKE_BUFFER = 1 << 22
_VP = ctypes.c_void_p
_NO_DEVICE = {100: "no CUDA-capable device is detected",
              35: "no NVIDIA driver is loaded, or it is older than the CUDA runtime this library was built with",
              999: "the CUDA driver could not be initialised"}


def _typed(dll) -> None:
    i32, i64 = ctypes.c_int32, ctypes.c_int64
    for name, args in (("myr_cuda_device", [ctypes.c_char_p, i32, ctypes.POINTER(i32), ctypes.POINTER(i32),
                                            ctypes.POINTER(i32), ctypes.POINTER(i64), ctypes.POINTER(i32)]),
                       ("myr_cuda_alloc", [ctypes.POINTER(_VP), i64]), ("myr_cuda_free", [_VP]),
                       ("myr_cuda_put", [_VP, _VP, i64]), ("myr_cuda_get", [_VP, _VP, i64]),
                       ("myr_cuda_grid", [ctypes.POINTER(i32), ctypes.POINTER(i32)]),
                       ("myr_cuda_launch", [_VP, i32])):
        fn = getattr(dll, name)
        fn.argtypes, fn.restype = args, i32
    dll.myr_cuda_error.argtypes, dll.myr_cuda_error.restype = [i32], ctypes.c_char_p


class Device:
    """The GPU a compiled library runs on (the first one), checked when found."""

    def __init__(self, lib: Library):
        self.dll = lib.dll
        _typed(self.dll)
        name = ctypes.create_string_buffer(256)
        major, minor, sms, coop = ctypes.c_int32(), ctypes.c_int32(), ctypes.c_int32(), ctypes.c_int32()
        memory = ctypes.c_int64()
        code = self.dll.myr_cuda_device(name, 256, ctypes.byref(major), ctypes.byref(minor), ctypes.byref(sms),
                                        ctypes.byref(memory), ctypes.byref(coop))
        if code:
            why = _NO_DEVICE.get(code, self.message(code))
            raise DeviceError(f"backend 'cuda' cannot run here: {why} (CUDA error {code}). It needs an NVIDIA GPU "
                              f"with its driver (nvidia-smi lists it); use --backend openmp on this machine. "
                              f"--compile-only needs nvcc only")
        if not coop.value:
            raise DeviceError(f"the GPU {name.value.decode()} cannot launch cooperative kernels, which the cuda "
                              f"backend's single-kernel run needs; use --backend openmp")
        self.name = name.value.decode()
        self.capability = (major.value, minor.value)
        self.memory = memory.value
        block, resident = ctypes.c_int32(), ctypes.c_int32()
        self.check(self.dll.myr_cuda_grid(ctypes.byref(block), ctypes.byref(resident)), "querying the occupancy")
        if resident.value < 1:
            raise DeviceError(f"the solver kernel cannot be resident on {self.name} with {block.value} threads a "
                              f"block (too many registers); use --backend openmp")
        self.block, self.resident = block.value, resident.value

    def message(self, code: int) -> str:
        return self.dll.myr_cuda_error(code).decode(errors="replace")

    def check(self, code: int, doing: str) -> None:
        if code:
            raise SimulationError(f"CUDA failed while {doing}: {self.message(code)} (error {code})")


class _Allocations:
    """Device buffers of one run, freed together."""

    def __init__(self, device: Device):
        self.device, self.held, self.bytes = device, [], 0

    def alloc(self, nbytes: int) -> int:
        p = _VP()
        code = self.device.dll.myr_cuda_alloc(ctypes.byref(p), nbytes)
        if code:
            raise SimulationError(
                f"out of GPU memory: this run needs more than {(self.bytes + nbytes) / 2**20:.0f} MiB on "
                f"{self.device.name} ({self.device.memory / 2**20:.0f} MiB in all): {self.device.message(code)}; "
                f"use a smaller model or fewer recorded steps")
        self.held.append(p.value)
        self.bytes += nbytes
        return p.value

    def upload(self, array: np.ndarray) -> int:
        p = self.alloc(array.nbytes)
        self.device.check(self.device.dll.myr_cuda_put(p, array.ctypes.data, array.nbytes), "copying to the GPU")
        return p

    def download(self, array: np.ndarray, p: int) -> None:
        self.device.check(self.device.dll.myr_cuda_get(array.ctypes.data, p, array.nbytes), "copying from the GPU")

    def free(self) -> None:
        for p in self.held:
            self.device.dll.myr_cuda_free(p)
        self.held = []


class Runner:
    """Runs one compiled CUDA model; ``run`` takes a host context and fills it."""

    def __init__(self, lib: Library, emulated: bool):
        self.lib, self.emulated = lib, emulated
        self.device = Device(lib)
        self.kernel_s = self.transfer_s = 0.0
        self.launches = 0

    def blocks(self, ctx: Context, threads: int) -> int:
        """Blocks of the grid: enough for the widest phase, at most what can be
        resident (a grid-wide barrier needs every block running); on the CPU
        emulation, one block per thread asked for."""
        c = ctx.c
        if self.emulated:
            return max(1, min(threads, self.device.resident))
        chunks = math.ceil(c.n_core / CORE_CHUNK)
        work = max(c.n_y, c.n_comp, c.n_det, c.n_tgt, c.n_rowblk, c.n_xedge, c.n_rec, chunks, 1)
        return max(1, min(self.device.resident, math.ceil(work / self.device.block)))

    def run(self, ctx: Context, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Run the context's steps on the device; returns the spikes (unsorted)."""
        start = time.perf_counter()
        mem = _Allocations(self.device)
        try:
            view = CContext.from_buffer_copy(ctx.c)
            where = {}
            for name in ARRAYS:
                where[name] = mem.upload(ctx.array(name))
                setattr(view, name, ctypes.cast(where[name], type(getattr(view, name))))
            tables, _ = ctx.array("ix")
            pointers = np.array([mem.upload(t) for t in tables] or [0], dtype=np.uint64)
            view.ix = ctypes.cast(mem.upload(pointers), type(view.ix))
            cap = max(2 * view.n_det + 1, min(SPIKE_BUFFER, view.n_det * (view.nsteps + 1) + 1))
            spike_t, spike_gid = mem.alloc(8 * cap), mem.alloc(8 * cap)
            view.spk_t = ctypes.cast(spike_t, type(view.spk_t))
            view.spk_gid = ctypes.cast(spike_gid, type(view.spk_gid))
            view.spk_cap, view.n_spikes, view.done, view.progress = cap, 0, 0, 0
            view.status, view.lost_events, view.core_iterations = 0, 0, 0
            view.core_failed_step = view.bad_y = view.bad_step = view.fault_step = -1
            view.fault_key = NO_FAULT
            dctx = mem.alloc(ctypes.sizeof(CContext))
            blocks = self.blocks(ctx, threads)
            times, gids = [], []
            self.transfer_s += time.perf_counter() - start
            while True:
                self.device.check(self.device.dll.myr_cuda_put(dctx, ctypes.addressof(view), ctypes.sizeof(view)),
                                  "copying the context to the GPU")
                began = time.perf_counter()
                self.device.check(self.device.dll.myr_cuda_launch(dctx, blocks), "running the solver kernel")
                self.kernel_s += time.perf_counter() - began
                self.launches += 1
                began = time.perf_counter()
                self.device.check(self.device.dll.myr_cuda_get(ctypes.addressof(view), dctx, ctypes.sizeof(view)),
                                  "copying the context from the GPU")
                times.append(np.empty(view.n_spikes))      # a launch stops before the buffer could overflow
                gids.append(np.empty(view.n_spikes, dtype=np.int64))
                mem.download(times[-1], spike_t)
                mem.download(gids[-1], spike_gid)
                self.transfer_s += time.perf_counter() - began
                if view.core_failed_step >= 0 or view.bad_step >= 0 or view.fault_step >= 0 \
                        or view.done >= view.nsteps:
                    break
                if ctx.c.interrupt:     # Ctrl-C (another thread) during the launch: stop at this relaunch
                    break
                view.n_spikes = 0
            began = time.perf_counter()
            for name in WRITTEN:
                mem.download(ctx.array(name), where[name])
            self.transfer_s += time.perf_counter() - began
        finally:
            mem.free()
        c = ctx.c
        for name in ("lost_events", "bad_y", "bad_step", "core_iterations", "core_failed_step", "done",
                     "fault_key", "fault_step"):
            setattr(c, name, getattr(view, name))
        c.progress = view.done
        c.status = (Status.ERR_FAULT if c.fault_step >= 0 else Status.ERR_CORE if c.core_failed_step >= 0
                    else Status.ERR_NONFINITE if c.bad_step >= 0
                    else Status.ERR_EVENTS_LOST if c.lost_events
                    else Status.INTERRUPTED if c.done < c.nsteps else Status.OK)
        return np.concatenate(times), np.concatenate(gids)
