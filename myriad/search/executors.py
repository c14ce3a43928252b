"""Where batches are evaluated: in this process on all its cores, or on the
workers of a ``dask.distributed`` cluster.

Either way a batch is evaluated by ``problem.evaluate`` in the process that
runs it, so both give the same numbers for the same parameter sets: an
instance of a batched simulation computes bit for bit what it would alone.
"""
from __future__ import annotations

import os

import numpy as np

from myriad.errors import ModelError
from myriad.search.problem import Problem, evaluate


class InProcess:
    """Batches one after another in this process, each run by ``threads`` threads:
    by default ``OMP_NUM_THREADS`` when the environment sets it (as OpenMP programs
    honour it), else every core."""

    def __init__(self, threads: int | None = None):
        self.threads = threads or _omp_num_threads() or os.cpu_count() or 1
        if not (isinstance(self.threads, int) and self.threads >= 1):
            raise ModelError(f"threads must be an integer >= 1, got {threads!r}")

    workers = 1

    def map(self, problem: Problem, batches: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Evaluate each batch of parameter sets here, one after another; per batch (objectives, features)."""
        return [evaluate(problem, values, self.threads) for values in batches]


class DaskExecutor:
    """One task per batch on a ``distributed.Client``'s workers, one thread per
    task (a worker runs as many tasks at once as it has threads).  A worker
    that dies takes its running tasks with it; the scheduler runs them again
    on the others (up to ``distributed.scheduler.allowed-failures`` times), so
    the search loses only those batches' time."""

    def __init__(self, client):
        self.client = client

    @property
    def workers(self) -> int:
        """Threads the cluster's workers have in all (at least 1)."""
        return max(1, sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()))

    def map(self, problem: Problem, batches: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Evaluate the batches on the cluster's workers at once; per batch (objectives, features)."""
        futures = [self.client.submit(evaluate, problem, values, 1, pure=False) for values in batches]
        return self.client.gather(futures)


def _omp_num_threads() -> int | None:
    """``OMP_NUM_THREADS``'s first number (OpenMP allows a list, one per nesting level)."""
    text = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if not text:
        return None
    if not (text.isdigit() and int(text) >= 1):
        raise ModelError(f"OMP_NUM_THREADS must be a positive integer, got {os.environ['OMP_NUM_THREADS']!r}")
    return int(text)


def executor(spec=None):
    """``None``: in this process; a ``distributed.Client`` or a scheduler address ("tcp://host:8786"): Dask."""
    if spec is None:
        return InProcess()
    if isinstance(spec, (InProcess, DaskExecutor)):
        return spec
    from distributed import Client
    if isinstance(spec, str):
        try:
            return DaskExecutor(Client(spec, timeout="10s"))
        except (OSError, TimeoutError) as exc:
            raise ModelError(f"cannot reach the Dask scheduler at {spec}: {exc}") from None
    if isinstance(spec, Client):
        return DaskExecutor(spec)
    raise ModelError(f"an executor is None, a distributed.Client or a scheduler address, got {spec!r}")
