"""A progress bar for long runs, drawn while the compiled time loop runs.

The loop never returns to Python before the end, so a watcher thread reads
the step counter the solver's first thread keeps in the context (the call
into C releases the GIL) and draws a tqdm bar in simulated milliseconds:
its rate is simulated time per wall-clock second.  Short runs show nothing:
the bar appears only once a run has taken ``after_s`` seconds.
"""
from __future__ import annotations

import sys
import threading


class RunProgress:
    """``with RunProgress(ctx, nsteps, dt, enabled):`` around the call that runs ``ctx``."""

    def __init__(self, ctx, nsteps: int, dt: float, enabled: bool | None, after_s: float = 2.0,
                 every_s: float = 0.25):
        self.ctx, self.nsteps, self.dt = ctx, nsteps, dt
        self.after_s, self.every_s = after_s, every_s
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        if self.enabled and self.nsteps > 0:
            self._thread = threading.Thread(target=self._watch, name="myriad-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        if self._stop.wait(self.after_s):
            return
        from tqdm.auto import tqdm
        total = self.nsteps * self.dt
        with tqdm(total=round(total, 6), unit="ms", desc="simulating", unit_scale=False,
                  bar_format="{l_bar}{bar}| {n:.1f}/{total:.1f} ms [{elapsed}<{remaining}, {rate_fmt}]") as bar:
            shown = 0.0
            while True:
                stopped = self._stop.wait(self.every_s)
                done = min(self.ctx.c.progress, self.nsteps) * self.dt
                bar.update(done - shown)
                shown = done
                if stopped:
                    return
