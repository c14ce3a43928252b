"""What every model CLI shares: the common options, error handling and the JSON line.

A CLI's last line of output is one JSON object (docs/architecture.md); a bad argument or
model error is one line on stderr and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from typing import Callable

from myriad import backends
from myriad.atomic import unwritable
from myriad.context import METHODS
from myriad.errors import MyriadError
from myriad.simulation import MAX_THREADS, steps


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
non_negative_int = _checked(int, lambda v: v >= 0, "an integer >= 0")
probability = _checked(float, lambda v: 0.0 <= v <= 1.0, "a probability in [0, 1]")

threads = _checked(int, lambda v: 1 <= v <= MAX_THREADS, f"an integer from 1 to {MAX_THREADS}")


def int_range(low: int, high: int):
    """An argparse type: an integer from ``low`` to ``high``."""
    return _checked(int, lambda v: low <= v <= high, f"an integer from {low} to {high}")


def output_file(text: str) -> str:
    """An argparse type for a file to write: found wrong now rather than after
    the run.  ``-`` is standard output; a device, FIFO or socket is written
    through (myriad.atomic); a directory, ``''``, or a place where no file can
    be made is refused."""
    reason = unwritable(text)
    if reason:
        raise argparse.ArgumentTypeError(reason)
    return text


def _formatted_output(text: str, check) -> str:
    """An output_file that ``check`` (a MyriadError for a format that cannot be written) accepts."""
    text = output_file(text)
    try:
        check(text)
    except MyriadError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def plot_file(text: str) -> str:
    """An argparse type for a figure to write: an output_file whose suffix
    names a format matplotlib (which must be installed) can draw."""
    from myriad.plotting import plot_format
    return _formatted_output(text, plot_format)


def table_file(text: str) -> str:
    """An argparse type for a search table: an output_file; .parquet needs pyarrow."""
    from myriad.search.table import check_table_format
    return _formatted_output(text, check_table_format)


def same_file(a, b) -> bool:
    """Whether paths ``a`` and ``b`` name one file (the same path, a link to it, or a hard link)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


class _Parser(argparse.ArgumentParser):
    """Also checks what no single option can: that --tstop is a whole number of --dt steps, and not too many."""

    def parse_args(self, args=None, namespace=None):
        parsed = super().parse_args(args, namespace)
        if parsed.dt is not None and parsed.tstop is not None:
            try:
                steps(parsed.tstop, parsed.dt)
            except MyriadError as exc:
                self.error(f"arguments --tstop and --dt: {exc}")
        return parsed


def module_prog() -> str | None:
    """``python -m PACKAGE.MODULE`` for a CLI run as a module, so that its usage
    line shows the command a user types rather than the file's name."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return f"python -m {spec.name}" if spec is not None and spec.name else None


def parser(description: str, *, dt: float, tstop: float) -> argparse.ArgumentParser:
    p = _Parser(prog=module_prog(), description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--method", choices=list(METHODS), default="backward_euler",
                   help="integration method: backward_euler (NEURON's default fixed step, first order, stable), "
                        "crank_nicolson (NEURON's secondorder = 2: second order, stable) or rk4 (fourth order, "
                        "explicit: needs a small dt); docs/methods.md")
    p.add_argument("--backend", choices=backends.names(), default="openmp",
                   help="where the time loop runs: openmp (C, all cores), numba or cuda")
    p.add_argument("--threads", type=threads, default=1, help="OpenMP threads of the time loop")
    p.add_argument("--dt", type=positive_float, default=dt, help="time step (ms)")
    p.add_argument("--tstop", type=non_negative_float, default=tstop, help="end time (ms)")
    p.add_argument("--out", type=output_file, default=None, help="output file")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (shown for runs over 2 s when stderr is a terminal)")
    p.add_argument("--compile-only", action="store_true",
                   help="generate and compile for the chosen backend, print the JSON line with compile_s, "
                        "and exit without running")
    return p


def simulation_options(args) -> dict:
    """The Simulation keyword arguments the common options give."""
    return {"method": args.method, "dt": args.dt, "threads": args.threads, "backend": args.backend,
            "progress": False if args.no_progress else None}


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
    if sim.backend == "cuda":
        record.update(backend="cuda", **sim.device_stats())
    record.update(extra)
    return json.dumps(record)


def compiled_summary(sim, *, compartments: int, **extra) -> str:
    """The JSON line of --compile-only (after ``sim.compile()``): what was built and
    compiled, nothing run."""
    record = {"compartments": compartments, "build_s": round(sim.build_s, 6), "compile_s": round(sim.compile_s, 6),
              "backend": sim.backend, "method": sim.method, "dt": sim.dt, "compile_only": True,
              "peak_rss_mb": round(peak_rss_mb(), 3)}
    if sim.backend == "cuda":
        from myriad.backends.cuda import toolchain as cuda_toolchain
        record["cuda_emulated"] = cuda_toolchain.emulated()
    record.update(extra)
    return json.dumps(record)


def error_line(exc: BaseException, prog: str) -> bool:
    """Print, as ``PROG: error: ...`` on stderr, an error a user can act on:
    Myriad's and pycast's errors, and the system's refusals that a user's sizes
    or paths cause (memory, files), which are no bug of the CLI's.  False (and
    nothing printed) for any other exception."""
    from pycast import TranslationError
    if isinstance(exc, (MyriadError, TranslationError)):
        first, *rest = str(exc).splitlines() or [""]
        print(f"{prog}: error: {first}", file=sys.stderr)
        for line in rest:
            print(f"  {line}", file=sys.stderr)
    elif isinstance(exc, MemoryError):
        print(f"{prog}: error: out of memory ({exc or 'the model or run is too large'}); "
              f"use a smaller model, a shorter --tstop or a larger --dt", file=sys.stderr)
    elif isinstance(exc, OSError):
        print(f"{prog}: error: {exc}", file=sys.stderr)
    else:
        return False
    return True


def main_guard(run: Callable[[], None], prog: str) -> None:
    """Run a CLI body; the errors :func:`error_line` knows become one line
    (or a first line and its indented detail) and exit status 2; Ctrl-C becomes
    ``PROG: interrupted at t = ... ms`` and exit status 130 (nothing is written:
    the CLIs write their outputs only after the run)."""
    global _body_started
    _body_started = time.perf_counter()
    try:
        run()
    except KeyboardInterrupt as exc:        # Ctrl-C: one line, exit status 130, no traceback
        from myriad.errors import Interrupted
        at = f" at t = {exc.time:g} ms" if isinstance(exc, Interrupted) else ""
        print(f"{prog}: interrupted{at}", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if not error_line(exc, prog):
            raise
        sys.exit(2)
