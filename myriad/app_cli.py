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
import time
from typing import Callable

from myriad.errors import MyriadError


def _checked(convert, accept, requirement: str):
    """An argparse type: ``convert`` the text, then insist on ``accept``."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {requirement}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
        return value
    return parse


positive_float = _checked(float, lambda v: math.isfinite(v) and v > 0, "a positive finite number")
non_negative_float = _checked(float, lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0")
finite_float = _checked(float, math.isfinite, "a finite number")
positive_int = _checked(int, lambda v: v >= 1, "an integer >= 1")
probability = _checked(float, lambda v: 0.0 <= v <= 1.0, "a probability in [0, 1]")


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


#: time.perf_counter() when main_guard started the CLI body (after imports)
_body_started = None


def summary(sim, result, *, compartments: int, **extra) -> str:
    """The JSON line; ``startup_s`` is the wall time from the start of the CLI body (model
    building included, interpreter and imports excluded) to the start of the time loop."""
    record = {"compartments": compartments, "steps": len(result.t) - 1, "build_s": round(sim.build_s, 6),
              "compile_s": round(sim.compile_s, 6), "run_s": round(result.run_s, 6),
              "peak_rss_mb": round(peak_rss_mb(), 3)}
    if _body_started is not None:
        record["startup_s"] = round(result.loop_started - _body_started, 6)
    record.update(extra)
    return json.dumps(record)


def main_guard(run: Callable[[], None], prog: str) -> None:
    """Run a CLI body; Myriad's and pycast's errors become one line and exit status 2."""
    from pycast import TranslationError
    global _body_started
    _body_started = time.perf_counter()
    try:
        run()
    except (MyriadError, TranslationError) as exc:
        first, *rest = str(exc).splitlines() or [""]
        print(f"{prog}: error: {first}", file=sys.stderr)
        for line in rest:
            print(f"  {line}", file=sys.stderr)
        sys.exit(2)
