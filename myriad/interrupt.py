"""Ctrl-C during a run.

Python runs signal handlers only in the main thread, between bytecodes, and a
run is one long call into compiled code (C through ctypes, numba's nogil
solver, the cuda launches).  So :func:`call` makes that call in a worker
thread while the main thread waits in short joins: a KeyboardInterrupt then
reaches the main thread, which asks the run to stop (``stop``: the engine's
``interrupt``, which sets the context's ``interrupt`` flag that the time loop
reads once a step) and waits for it to end at a step boundary.  A second
Ctrl-C while waiting (a mechanism method that never returns, say) ends the
process at once, exit status 130, after one line on stderr.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import Callable

#: how often the waiting main thread wakes (s); a signal's handler runs at the next wake
POLL_S = 0.05


def call(run: Callable[[], object], stop: Callable[[], None]) -> tuple[object, bool]:
    """``run()`` in a worker thread; returns its value and whether Ctrl-C asked it to stop.
    Outside the main thread (where no signal arrives) ``run`` is called directly."""
    if threading.current_thread() is not threading.main_thread():
        return run(), False
    box: dict = {}
    finished = threading.Event()

    def work():
        try:
            box["value"] = run()
        except BaseException as exc:        # re-raised in the caller's thread
            box["error"] = exc
        finally:
            finished.set()

    # an Event, not Thread.join: a join that KeyboardInterrupt breaks can leave the thread
    # marked as ended while it still runs
    worker = threading.Thread(target=work, name="myriad-run", daemon=True)
    worker.start()
    interrupted = False
    while not finished.is_set():
        try:
            finished.wait(POLL_S)
        except KeyboardInterrupt:
            if interrupted:
                _exit_now()
            interrupted = True
            stop()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"], interrupted


def _exit_now() -> None:
    try:
        sys.stderr.write("interrupted again while waiting for the run to stop: exiting now\n")
        sys.stderr.flush()
    finally:
        os._exit(130)
