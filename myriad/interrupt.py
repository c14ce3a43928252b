"""Ctrl-C during a run.

Python runs signal handlers only in the main thread, between bytecodes, and a
run is one long call into compiled code (C through ctypes, numba's nogil
solver, the cuda launches).  So :func:`call` makes that call in a worker
thread (one per process, started at the first run: starting a thread per run
cost a short run, such as one evaluation of a search, a third of its time)
while the main thread waits in short waits: a KeyboardInterrupt then
reaches the main thread, which asks the run to stop (``stop``: the engine's
``interrupt``, which sets the context's ``interrupt`` flag that the time loop
reads once a step) and waits for it to end at a step boundary.  A second
Ctrl-C while waiting (a mechanism method that never returns, say) ends the
process at once, exit status 130, after one line on stderr.
"""
from __future__ import annotations

import os
import queue
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
    _worker().put(work)
    interrupted = False
    while not finished.is_set():
        try:
            finished.wait(POLL_S)
        except KeyboardInterrupt:
            if interrupted:
                _exit_now()
            interrupted = True
            stop()
    if "error" in box:
        raise box["error"]
    return box["value"], interrupted


_jobs: queue.SimpleQueue | None = None
_jobs_pid = 0


def _worker() -> queue.SimpleQueue:
    """The queue of the process's run thread, which it starts on first use (and
    again in a forked child, which inherits the queue but not the thread)."""
    global _jobs, _jobs_pid
    if _jobs is None or _jobs_pid != os.getpid():
        _jobs, _jobs_pid = queue.SimpleQueue(), os.getpid()
        threading.Thread(target=_serve, args=(_jobs,), name="myriad-run", daemon=True).start()
    return _jobs


def _serve(jobs: queue.SimpleQueue) -> None:
    while True:
        jobs.get()()


def _exit_now() -> None:
    try:
        sys.stderr.write("interrupted again while waiting for the run to stop: exiting now\n")
        sys.stderr.flush()
    finally:
        os._exit(130)
