"""The compilers of the cuda backend: nvcc for a GPU, or the C++ compiler
emulating one on the CPU.

A CUDA build needs nvcc, not a GPU: the architecture is ``$MYRIAD_CUDA_ARCH``
when set, else the GPU's (``nvidia-smi``), else ``DEFAULT_ARCH``, whose PTX
the driver compiles for any newer GPU when the library is loaded.  nvcc contracts no multiply-adds (``--fmad=false``), as
the C build does not (``-ffp-contract=off``), so the two backends round alike
and differ only where the device's mathematical functions do.

``MYRIAD_CUDA_EMULATE=1`` compiles the same .cu file with the C++ compiler
and OpenMP instead (csolver/cuda_emulation.h): the CUDA target's code then
runs, and is tested, on machines without a GPU or nvcc.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

from myriad.backends.c.toolchain import compiler_version, explain_failure
from myriad.cache.libraries import Toolchain
from myriad.errors import BuildError

#: an architecture every CUDA 11.1+ compiler knows (A100); newer GPUs run its PTX
DEFAULT_ARCH = "sm_80"
NVCC_FLAGS = ("-O3", "--fmad=false", "-std=c++17", "-shared", "-Xcompiler", "-fPIC,-fno-math-errno")
EMULATION_FLAGS = ("-x", "c++", "-std=c++17", "-O2", "-fopenmp", "-ffp-contract=off", "-fno-math-errno",
                   "-fPIC", "-shared", "-DMYR_CUDA_EMULATE")
_ARCH = re.compile(r"sm_\d+[a-z]?")
_INSTALL = ("install NVIDIA's CUDA toolkit (Debian/Ubuntu: 'apt-get install nvidia-cuda-toolkit', or the "
            "packages at https://developer.nvidia.com/cuda-downloads) or set MYRIAD_NVCC to nvcc's path; "
            "MYRIAD_CUDA_EMULATE=1 runs the CUDA code on the CPU instead (for testing)")


def emulated() -> bool:
    """Whether the cuda backend runs on the CPU (``MYRIAD_CUDA_EMULATE`` set to 1)."""
    return os.environ.get("MYRIAD_CUDA_EMULATE", "").strip() not in ("", "0")


def nvcc() -> str:
    """nvcc's path: ``$MYRIAD_NVCC``, else the one on PATH, else the toolkit's usual place."""
    given = os.environ.get("MYRIAD_NVCC")
    if given:
        if not (os.path.isfile(given) and os.access(given, os.X_OK)):
            raise BuildError(f"MYRIAD_NVCC={given!r} is not an executable file; point it at nvcc or unset it")
        return given
    found = shutil.which("nvcc") or next((str(p) for p in (Path("/usr/local/cuda/bin/nvcc"),)
                                          if p.is_file() and os.access(p, os.X_OK)), None)
    if not found:
        raise BuildError(f"backend 'cuda' needs NVIDIA's CUDA compiler nvcc, and none is on PATH: {_INSTALL}")
    return found


@functools.cache
def device_arch() -> str | None:
    """``sm_XY`` of the first GPU nvidia-smi reports, or None without one."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        return None
    try:
        out = subprocess.run([smi, "--query-gpu=compute_cap", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.match(r"\s*(\d+)\.(\d+)", out.stdout) if out.returncode == 0 else None
    return f"sm_{found.group(1)}{found.group(2)}" if found else None


def arch() -> str:
    """The architecture to compile for: ``$MYRIAD_CUDA_ARCH``, else the device's, else DEFAULT_ARCH."""
    given = os.environ.get("MYRIAD_CUDA_ARCH", "").strip()
    if given:
        if not _ARCH.fullmatch(given):
            raise BuildError(f"MYRIAD_CUDA_ARCH={given!r} is not a GPU architecture such as sm_80 or sm_90")
        return given
    return device_arch() or DEFAULT_ARCH


def _nvcc_failure(src: Path, stderr: str, source: str) -> str:
    if "Unsupported gpu architecture" in stderr or "unsupported gpu architecture" in stderr.lower():
        return (f"nvcc does not know the architecture {arch()}:\n{stderr.strip()}\nset MYRIAD_CUDA_ARCH to one "
                f"it lists under 'nvcc --list-gpu-arch', or install a newer CUDA toolkit")
    if "failed to preprocess host compiler" in stderr or "unsupported GNU version" in stderr:
        return (f"nvcc cannot use the host C++ compiler:\n{stderr.strip()}\ninstall a g++ version this CUDA "
                f"toolkit supports, or point nvcc at one with NVCC_CCBIN")
    return explain_failure(src, stderr, source)


def toolchain() -> Toolchain:
    """How the cuda backend's .cu file is compiled here (nvcc, or the CPU emulation's C++ compiler)."""
    if emulated():
        cxx = os.environ.get("CXX", "g++")
        if not shutil.which(cxx):
            raise BuildError(f"MYRIAD_CUDA_EMULATE needs a C++ compiler, and '{cxx}' is not on PATH: install g++ "
                             f"or set CXX")
        return Toolchain((cxx, *EMULATION_FLAGS), compiler_version(cxx), ".cu", ("-lm",),
                         explain_failure)
    compiler = nvcc()
    return Toolchain((compiler, *NVCC_FLAGS, f"-arch={arch()}"), compiler_version(compiler, -1), ".cu",
                     (), _nvcc_failure)
