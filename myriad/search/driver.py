"""A search from start to end: a strategy's generations, evaluated in batches by an executor, into a table."""
from __future__ import annotations

import math
import numbers
import sys
import time
from dataclasses import dataclass

import numpy as np

from myriad.errors import ModelError
from myriad.search.executors import executor as make_executor
from myriad.search.problem import Problem
from myriad.search.strategies import Strategy, strategy as make_strategy
from myriad.search.table import Table

#: the most parameter sets one batched simulation holds (a million copies of a
#: one-compartment model take about a gigabyte; a hundred million would not fit)
MAX_BATCH = 10 ** 6


@dataclass
class Outcome:
    """What a search found: the best parameter set, and every evaluation in ``table``."""

    best: dict[str, float]
    best_objective: float
    evaluations: int
    wall_s: float
    table: Table
    strategy: str
    seed: int

    def save(self, path) -> None:
        """Write every evaluation to ``path`` (.csv or .parquet)."""
        self.table.save(path)

    def plot(self, path) -> None:
        """Draw the objective against evaluation to ``path`` (.png, .pdf, .svg)."""
        self.table.plot(path, title=f"{self.strategy}, seed {self.seed}: best {self.best_objective:.4g}")


def run(problem: Problem, strategy: str | Strategy = "cmaes", budget: int = 1000, *, seed: int = 0,
        executor=None, batch: int = 256, progress: bool | None = None, callback=None, **options) -> Outcome:
    """Spend at most ``budget`` evaluations minimising ``problem``'s objective.

    ``strategy`` is a Strategy or a name (grid, random, lhs, cmaes, de) whose
    ``options`` follow; ``executor`` is None (this process, all cores), a
    ``distributed.Client`` or a scheduler address; ``batch`` is the most
    parameter sets one batched simulation holds; ``callback(table)`` is called
    after every generation; ``progress`` draws a bar (None: when stderr is a
    terminal, so that logs do not fill with bars).  The same seed gives the same
    evaluations, whatever the executor, the batch size or the thread count.
    """
    if not (isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0):
        raise ModelError(f"the seed must be an integer >= 0, got {seed!r}")
    if not (isinstance(budget, int) and budget >= 1):
        raise ModelError(f"the budget must be an integer number of evaluations >= 1, got {budget!r}")
    if not (isinstance(batch, int) and not isinstance(batch, bool) and 1 <= batch <= MAX_BATCH):
        raise ModelError(f"batch must be an integer from 1 to {MAX_BATCH}, got {batch!r}")
    chosen = make_strategy(strategy, **options)
    where = make_executor(executor)
    space = problem.space
    table = Table(space.paths, list(problem.features))
    bar = _progress(progress, budget, chosen.name)
    best_so_far = np.inf
    start = time.perf_counter()

    def evaluate(unit: np.ndarray) -> np.ndarray:
        nonlocal best_so_far
        unit = np.atleast_2d(np.asarray(unit, dtype=np.float64))
        if len(table) + len(unit) > budget:
            raise ModelError(f"strategy '{chosen.name}' asked for more than its budget of {budget}")
        values = space.values(unit)
        parts = max(math.ceil(len(values) / batch), min(len(values), where.workers))
        results = where.map(problem, np.array_split(values, parts))
        objectives = np.concatenate([o for o, _ in results])
        features = np.concatenate([f for _, f in results])
        table.add(values, objectives, features)
        best_so_far = min(best_so_far, np.nanmin(objectives, initial=np.inf))
        if bar is not None:
            bar.update(len(values))
            bar.set_postfix(best=f"{best_so_far:.4g}")
        if callback is not None:
            callback(table)
        return objectives

    try:
        chosen.run(evaluate, len(space), budget, seed)
    finally:
        if bar is not None:
            bar.close()
    best = table.best()
    row = table.columns
    return Outcome(best={p: float(row[p][best]) for p in space.paths}, best_objective=float(row["objective"][best]),
                   evaluations=len(table), wall_s=time.perf_counter() - start, table=table,
                   strategy=chosen.name, seed=seed)


def _progress(enabled: bool | None, total: int, name: str):
    if not (sys.stderr.isatty() if enabled is None else enabled):
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=f"search ({name})", unit="eval")
