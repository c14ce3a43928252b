"""What the NEURON peers share: NEURON's process-global state and the timing of ``pc.psolve``.

``neuron`` is imported lazily (:func:`neuron_h`), so importing the peers works
without NEURON installed (only running a model needs it).

NEURON keeps global state per process.  Every ``run_*`` function of the peers
builds its model in function-local objects, drops every reference when it
returns (so the Python-created sections vanish), clears the ParallelContext
gid table and resets ``pc.nthread(1)``, ``h.secondorder = 0``,
``h.cvode.active(0)`` and ``h.dt`` (:func:`clean_slate` before,
:func:`reset_globals` and :func:`assert_no_sections` after), so they may be
called any number of times, in any order, from one process (e.g. a pytest
session).

:func:`psolve` runs ``pc.psolve`` in NEURON or in CoreNEURON (in memory, on
the CPU) and times its time loop.  The command lines
(:mod:`benchmarks.peers.neuron_models_cli`,
:mod:`benchmarks.peers.neuron_dense_cli`) share :func:`peak_rss_mb`,
:func:`positive_float`, :func:`positive_int` and :func:`write_csv`.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import re
import resource
import sys
import tempfile
import time
import traceback

__all__ = [
    "neuron_h",
    "clean_slate",
    "reset_globals",
    "assert_no_sections",
    "lazy_numpy",
    "drop_frames",
    "spike_vectors",
    "psolve",
    "peak_rss_mb",
    "positive_float",
    "positive_int",
    "write_csv",
]

# --------------------------------------------------------------------------
# NEURON process-global state handling
# --------------------------------------------------------------------------

_H = None


def neuron_h():
    """Import NEURON lazily, load stdrun once, and return ``h``."""
    global _H
    if _H is None:
        from neuron import h  # noqa: WPS433 (lazy on purpose)

        h.load_file("stdrun.hoc")
        _H = h
    return _H


def clean_slate(h):
    """Make sure no sections or gids survive from an earlier model."""
    leftovers = list(h.allsec())
    if leftovers:
        # Should not happen with the run_* functions of the peers; be
        # robust against foreign code in the same process anyway.
        for sec in leftovers:
            h.delete_section(sec=sec)
    assert len(list(h.allsec())) == 0, "could not delete leftover NEURON sections"
    pc = h.ParallelContext()
    pc.gid_clear()
    pc.nthread(1)
    h.cvode.active(0)
    h.secondorder = 0
    _coreneuron_off()


def _coreneuron_off():
    from neuron import coreneuron  # noqa: WPS433

    coreneuron.enable = False


def reset_globals(h, dt_saved=0.025):
    """Put NEURON's globals back as a model found them (no gids, one thread,
    fixed step, first order, ``dt_saved``, ``hh`` table on, CoreNEURON off)."""
    pc = h.ParallelContext()
    pc.gid_clear()
    pc.nthread(1)
    h.cvode.active(0)
    h.secondorder = 0
    h.dt = dt_saved
    h.usetable_hh = 1
    _coreneuron_off()


def assert_no_sections(h):
    """Fail if a finished model left NEURON sections behind."""
    n = len(list(h.allsec()))
    if n:
        gc.collect()
        n = len(list(h.allsec()))
    assert n == 0, "%d NEURON sections left behind" % n


def lazy_numpy():
    """numpy, imported when first needed."""
    import numpy as np

    return np


def drop_frames(exc):
    """Free the locals of the finished frames of a propagating exception's
    traceback, so that the NEURON objects they hold can go before the clean-up
    checks that no section is left."""
    traceback.clear_frames(exc.__traceback__)


_SPIKE_VECS = None


def spike_vectors(h):
    """Process-lifetime vectors for ``pc.spike_record`` (never freed while
    NEURON may still hold a pointer to them)."""
    global _SPIKE_VECS
    if _SPIKE_VECS is None:
        _SPIKE_VECS = (h.Vector(), h.Vector())
    return _SPIKE_VECS


#: $CORENEURONLIB at this process's first CoreNEURON psolve ("" = NEURON's
#: built-in mechanisms): CoreNEURON loads its mechanism library only once
_CORENEURON_LIB = None


@contextlib.contextmanager
def _stdout_to_stderr(what):
    """While the block runs, fd 1 (C stdio's stdout too) is a temporary file;
    afterwards its text is copied to stderr and left in the yielded list.
    ``what`` names the writer in the line on stderr that gives the file's path
    first, so that its text can be found should the process abort."""
    import ctypes

    libc = ctypes.CDLL(None)
    fd, path = tempfile.mkstemp(prefix="neuron-stdout-", suffix=".log")
    sys.stderr.write("[neuron_models] %s's stdout goes to %s\n" % (what, path))
    sys.stderr.flush()
    sys.stdout.flush()
    libc.fflush(None)
    saved = os.dup(1)
    os.dup2(fd, 1)
    text = []
    try:
        yield text
    finally:
        libc.fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        with os.fdopen(fd, "rb") as fh:
            fh.seek(0)
            text.append(fh.read().decode(errors="replace"))
        os.unlink(path)
        sys.stderr.write(text[0])
        sys.stderr.flush()


def psolve(h, pc, tstop, coreneuron=False):
    """``pc.psolve(tstop)`` in NEURON, or in CoreNEURON (in memory, CPU).

    Returns ``psolve_s`` (wall time of psolve) and ``run_s``, the time loop
    alone as every engine's ``run_s`` means.  In NEURON the two are the same.
    CoreNEURON's psolve also copies the model into CoreNEURON first and the
    state and spikes back afterwards; that is set-up, not simulation, so
    ``run_s`` is CoreNEURON's own "Solver Time" and ``transfer_s`` the rest of
    psolve.  CoreNEURON prints that report with C stdio on stdout, where it
    would land after or inside our JSON line, so it is diverted to stderr
    (:func:`_stdout_to_stderr`) and read there.  If the report lacks the
    solver time, ``run_s`` is ``psolve_s`` and ``run_s_is_psolve`` says so.

    CoreNEURON keeps the mechanism library it loaded first for the whole
    process (a later model needing another one would crash it), so a change of
    ``$CORENEURONLIB`` after the first CoreNEURON run is an error.
    """
    global _CORENEURON_LIB
    if not coreneuron:
        t0 = time.perf_counter()
        pc.psolve(tstop)
        dt = time.perf_counter() - t0
        return {"psolve_s": dt, "run_s": dt}
    from neuron import coreneuron as cn  # noqa: WPS433

    if not h.cvode.cache_efficient():
        raise ValueError("CoreNEURON needs h.cvode.cache_efficient(1)")
    lib = os.environ.get("CORENEURONLIB", "")
    if _CORENEURON_LIB is None:
        _CORENEURON_LIB = lib
    elif lib != _CORENEURON_LIB:
        raise RuntimeError(
            "CoreNEURON already runs with the mechanism library %r in this process and cannot "
            "load %r: run this model in a new process" % (_CORENEURON_LIB or "(built-in)", lib))
    cn.enable = True
    cn.gpu = False
    cn.verbose = 1  # lowest level that still prints "Solver Time"
    try:
        with _stdout_to_stderr("CoreNEURON") as report:
            t0 = time.perf_counter()
            pc.psolve(tstop)
            psolve_s = time.perf_counter() - t0
    finally:
        cn.enable = False
    m = re.search(r"Solver Time\s*:\s*([-+.0-9eE]+)", report[0])
    out = {"psolve_s": psolve_s, "run_s": float(m.group(1)) if m else psolve_s}
    out["transfer_s"] = psolve_s - out["run_s"]
    if not m:
        out["run_s_is_psolve"] = True
    return out


# --------------------------------------------------------------------------
# Peak memory, and the checks and output of the command lines
# --------------------------------------------------------------------------


def peak_rss_mb():
    """This process's peak resident set size (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def positive_float(parser, name, val):
    """Argument error unless option ``name``'s ``val`` is positive and finite."""
    if not (val > 0) or math.isinf(val):
        parser.error("%s must be a positive finite number, got %r" % (name, val))


def positive_int(parser, name, val):
    """Argument error unless option ``name``'s ``val`` is at least 1."""
    if val < 1:
        parser.error("%s must be a positive integer, got %r" % (name, val))


def write_csv(path, header, columns):
    """``columns`` side by side as CSV with the ``header`` names (``%.10g``)."""
    np = lazy_numpy()
    np.savetxt(path, np.column_stack(columns), delimiter=",", header=",".join(header),
               comments="", fmt="%.10g")
