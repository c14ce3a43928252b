"""What every model CLI shares: the common options, error handling and the JSON line.

A CLI's last line of output is one JSON object (DESIGN.md); a bad argument or
model error is one line on stderr and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import math
import resource
import sys
from typing import Callable

from myriad.errors import MyriadError


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text!r}")
    return value


def parser(description: str, *, dt: float, tstop: float) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--method", choices=["backward_euler", "rk4"], default="backward_euler")
    p.add_argument("--backend", choices=["openmp", "numba", "cuda"], default="openmp")
    p.add_argument("--threads", type=positive_int, default=1)
    p.add_argument("--dt", type=positive_float, default=dt, help="time step (ms)")
    p.add_argument("--tstop", type=non_negative_float, default=tstop, help="end time (ms)")
    p.add_argument("--out", default=None, help="output file")
    return p


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def summary(sim, result, *, compartments: int, **extra) -> str:
    record = {"compartments": compartments, "steps": len(result.t) - 1, "build_s": round(sim.build_s, 6),
              "compile_s": round(sim.compile_s, 6), "run_s": round(result.run_s, 6),
              "peak_rss_mb": round(peak_rss_mb(), 3)}
    record.update(extra)
    return json.dumps(record)


def main_guard(run: Callable[[], None], prog: str) -> None:
    """Run a CLI body; Myriad's and pycast's errors become one line and exit status 2."""
    from pycast import TranslationError
    try:
        run()
    except (MyriadError, TranslationError) as exc:
        first, *rest = str(exc).splitlines() or [""]
        print(f"{prog}: error: {first}", file=sys.stderr)
        for line in rest:
            print(f"  {line}", file=sys.stderr)
        sys.exit(2)
