"""Run a NEURON script unchanged, as ``__main__``, up to its first run request.

Scripts pass their run length to the run call (``h.continuerun(40)``,
``pc.psolve(100)``, a ``while h.t < tstop: h.fadvance()`` loop), give
``v_init`` only to ``h.finitialize(-65)``, build their model under
``if __name__ == "__main__":`` and end with ``h.quit()``.  To see all that,
the script runs with ``neuron.h`` (and every ``ParallelContext`` it makes)
behind a thin stand-in that passes everything through to NEURON except the
run entry points: initialisations (``finitialize``, ``stdinit``, ``init``)
run and are noted; the first call that would advance time (``run``,
``continuerun``, ``psolve``, ``fadvance``/``advance``/``step``) is recorded
with its stop time and ends the script's execution there, as does
``h.quit()``.  ``sys.exit`` ends it too.  NEURON itself never runs.
A step call's stop time is where the loop around it ends, and so is that of
a run in pieces (a run call in a loop that does not initialise): see
``run_loops``.

Gids given to ``ParallelContext.set_gid2node``/``cell`` are noted, since
NEURON offers no way to list them; the importer finds their sources.
"""
from __future__ import annotations

import gc
import os
import sys
import types
from dataclasses import dataclass, field

from myriad import ModelError

from applications.neuron_import.run_loops import enclosing_loop, initialises, loop_end

_ADVANCE = ("fadvance", "advance", "step", "steprun")


@dataclass
class RunRequest:
    """What the script's first run request asked for."""

    tstop: float | None          # ms; None when the script ended (quit, sys.exit, its end) without a run
    tstop_from: str              # the call that gave tstop, as the JSON line shows it
    v_init: float                # the last initialisation's, else h.v_init
    unreadable: str = ""         # why a run request's stop time could not be read (a step loop of another form)


@dataclass
class Script:
    """A script run up to its run request: its namespace (which keeps its
    sections alive), the request, and what NEURON cannot be asked afterwards."""

    namespace: dict
    request: RunRequest
    tstop_set: bool = False                         # the script set h.tstop
    gids: set = field(default_factory=set)          # gids given to set_gid2node / cell
    frames: object = None   # the stop's traceback: keeps the locals of the script's functions (a model in main())

    def close(self) -> None:
        """Let the script's model go: NEURON deletes its Python-made sections,
        NetCons and Vectors once nothing refers to them (a script's functions
        and classes refer to its namespace, a cycle only the collector ends)."""
        self.namespace.clear()
        self.frames = None
        gc.collect()


class _Stop(BaseException):
    """Ends the script at its run request (a BaseException, so that a script's
    own ``except Exception`` cannot swallow it)."""


class _Session:
    """The record of one script's run: the stand-ins report to it."""

    def __init__(self, h):
        self.h = h
        self.v_init = None
        self.request = None
        self.tstop_set = False
        self.gids = set()

    def initialise(self, v_init):
        self.v_init = v_init

    def stop(self, tstop, tstop_from, unreadable=""):
        self.request = RunRequest(None if tstop is None else float(tstop), tstop_from, _v_init(self, self.h),
                                  unreadable)
        raise _Stop

    def advance(self, name):
        """A step call: its stop time is where the loop around it ends."""
        frame = sys._getframe(2)
        loop = enclosing_loop(frame)
        tstop, text = loop_end(self.h, loop, frame, steps=True) if loop else (None, "no loop around it")
        self.stop(tstop, f"{name} loop ({text})",
                  "" if tstop is not None else f"the script steps NEURON with {name}() in a loop whose end "
                                               f"cannot be read ({text})")

    def run_to(self, name, tstop):
        """A run to ``tstop``; inside a loop that does not initialise (a run in
        pieces), the stop time is where the loop ends."""
        frame = sys._getframe(2)
        loop = enclosing_loop(frame)
        if loop is None or initialises(loop):
            self.stop(tstop, f"{name}({float(tstop):g})")
        end, text = loop_end(self.h, loop, frame, steps=False)
        self.stop(end, f"{name} loop ({text})",
                  "" if end is not None else f"the script runs NEURON in pieces, {name}() in a loop whose end "
                                             f"cannot be read ({text})")


class _Hoc:
    """``neuron.h`` with the run entry points intercepted; everything else passes through."""

    def __init__(self, h, session):
        object.__setattr__(self, "_h", h)
        object.__setattr__(self, "_session", session)

    def __getattr__(self, name):
        h, session = self._h, self._session
        if name == "finitialize":
            def finitialize(*v):
                session.initialise(float(v[0]) if v else float(h.v_init))
                return h.finitialize(*v)
            return finitialize
        if name in ("stdinit", "init"):
            def initialise():
                getattr(h, name)()
                session.initialise(float(h.v_init))
            return initialise
        if name == "run":
            def run(*tstop):
                if tstop:
                    h.tstop = tstop[0]
                h.stdinit()
                session.initialise(float(h.v_init))
                session.stop(h.tstop, f"run({float(h.tstop):g})" if tstop else f"run() with h.tstop = {h.tstop:g}")
            return run
        if name == "continuerun":
            return lambda tstop: session.run_to("continuerun", tstop)
        if name in _ADVANCE:
            return lambda *_: session.advance(name)
        if name == "quit":
            return lambda *_: session.stop(None, "quit()")
        if name == "ParallelContext":
            return lambda *a: _ParallelContext(h.ParallelContext(*a), session)
        return getattr(h, name)

    def __setattr__(self, name, value):
        if name == "tstop":
            self._session.tstop_set = True
        setattr(self._h, name, value)

    def __call__(self, *args, **kwargs):
        return self._h(*args, **kwargs)


class _ParallelContext:
    """A ParallelContext whose ``psolve`` is a run request and whose gids are noted."""

    def __init__(self, pc, session):
        object.__setattr__(self, "_pc", pc)
        object.__setattr__(self, "_session", session)

    def __getattr__(self, name):
        pc, session = self._pc, self._session
        if name == "psolve":
            return lambda tstop: session.run_to("psolve", tstop)
        if name in ("set_gid2node", "cell"):
            def note_gid(gid, *rest):
                session.gids.add(int(gid))
                return getattr(pc, name)(gid, *rest)
            return note_gid
        return getattr(pc, name)

    def __setattr__(self, name, value):
        setattr(self._pc, name, value)


def run_script(path: str, args: list[str]) -> Script:
    """Run ``path`` as ``__main__`` with ``args`` (its directory first on
    sys.path), NEURON's run entry points intercepted; returns the script's
    namespace and its run request.  A script that cannot import NEURON, or
    exits with a non-zero status, is a ModelError."""
    if not os.path.isfile(path):
        raise ModelError(f"no such script: {path}")
    try:
        import neuron
    except ImportError as exc:
        raise ModelError(f"from_neuron needs NEURON: pip install neuron ({exc})") from None
    real_h = neuron.h
    real_h.load_file("stdrun.hoc")
    tstop_before = float(real_h.tstop)
    session = _Session(real_h)
    module = types.ModuleType("__main__")
    module.__file__ = path
    saved = sys.argv[:], sys.path[:], sys.modules.get("__main__")
    sys.argv = [path, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    sys.modules["__main__"] = module
    neuron.h = _Hoc(real_h, session)
    frames = None
    try:
        with open(path, "rb") as f:
            code = compile(f.read(), path, "exec")
        exec(code, module.__dict__)
    except _Stop as stop:
        frames = stop.__traceback__
    except SystemExit as exc:
        if exc.code not in (None, 0):
            raise ModelError(f"{path} exited with status {exc.code} (sys.exit) before asking for a run") from None
        frames = exc.__traceback__
        session.request = session.request or RunRequest(None, "sys.exit()", _v_init(session, real_h))
    except ImportError as exc:
        if (exc.name or "").split(".")[0] != "neuron":
            raise
        raise ModelError(f"from_neuron needs NEURON: pip install neuron ({path}: {exc})") from None
    finally:
        neuron.h = real_h
        sys.argv, sys.path[:] = saved[:2]
        if saved[2] is not None:
            sys.modules["__main__"] = saved[2]
    request = session.request or RunRequest(None, "the script's end", _v_init(session, real_h))
    return Script(module.__dict__, request, session.tstop_set or float(real_h.tstop) != tstop_before, session.gids,
                  frames)


def _v_init(session, h) -> float:
    return float(h.v_init) if session.v_init is None else session.v_init
