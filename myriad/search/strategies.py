"""How a search chooses its parameter sets.

Every strategy works in the unit cube and hands whole generations of points
to ``evaluate`` (points (n, d) -> objectives (n,)), which runs them as
batched simulations, here or on workers.  A strategy never exceeds its
budget; all randomness comes from the seed it is given.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from myriad.errors import ModelError

Evaluate = Callable[[np.ndarray], np.ndarray]

#: what rank-based optimisers are told for a parameter set whose objective is nan or infinite
WORST = float(np.finfo(np.float64).max)


def _integer(what: str, value, low: int) -> int:
    """``value``, an integer >= ``low`` (a strategy option, checked when the strategy is made)."""
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= low):
        raise ModelError(f"{what} must be an integer >= {low}, got {value!r}")
    return value


def _real(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class Strategy:
    """A way of spending ``budget`` evaluations (see the module docstring)."""

    name = ""

    def run(self, evaluate: Evaluate, dim: int, budget: int, seed: int) -> None:
        """Spend at most ``budget`` evaluations of points in the unit cube of
        dimension ``dim``, passing each generation to ``evaluate``."""
        raise NotImplementedError


class Grid(Strategy):
    """A regular grid: ``points`` per parameter (by default as many as the budget allows)."""

    name = "grid"

    def __init__(self, points: int | None = None, generation: int = 1024):
        self.points = None if points is None else _integer("grid: points", points, 2)
        self.generation = _integer("grid: generation", generation, 1)

    def run(self, evaluate, dim, budget, seed):
        n = self.points or int(math.floor(budget ** (1.0 / dim) + 1e-9))
        if n < 2:
            raise ModelError(f"a grid needs at least 2 points per parameter, {2 ** dim} evaluations for "
                             f"{dim} parameters; the budget is {budget}")
        if n ** dim > budget:
            raise ModelError(f"a grid of {n} points per parameter needs {n ** dim} evaluations; "
                             f"the budget is {budget}")
        axes = np.meshgrid(*[np.linspace(0.0, 1.0, n)] * dim, indexing="ij")
        _in_generations(evaluate, np.stack([a.ravel() for a in axes], axis=1), self.generation)


class RandomSampling(Strategy):
    """Independent uniform draws from the box (on each parameter's scale)."""

    name = "random"

    def __init__(self, generation: int = 1024):
        self.generation = _integer("random: generation", generation, 1)

    def run(self, evaluate, dim, budget, seed):
        _in_generations(evaluate, np.random.default_rng(seed).random((budget, dim)), self.generation)


class LatinHypercube(Strategy):
    """Latin hypercube sampling (scipy.stats.qmc): every parameter's range cut
    into ``budget`` strata, each sampled once."""

    name = "lhs"

    def __init__(self, generation: int = 1024):
        self.generation = _integer("lhs: generation", generation, 1)

    def run(self, evaluate, dim, budget, seed):
        from scipy.stats import qmc
        _in_generations(evaluate, qmc.LatinHypercube(d=dim, rng=np.random.default_rng(seed)).random(budget),
                    self.generation)


class CMAES(Strategy):
    """CMA-ES (the ``cma`` package) with restarts: each restart begins at a
    random point with twice the population (IPOP), until the budget is spent.
    A generation is evaluated at once, so a large ``popsize`` uses batched
    simulations better; ``sigma`` is the initial step in the unit cube."""

    name = "cmaes"

    def __init__(self, popsize: int = 64, sigma: float = 0.3):
        if not (isinstance(popsize, int) and not isinstance(popsize, bool) and popsize >= 2):
            raise ModelError(f"cmaes: popsize must be an integer >= 2, got {popsize!r}")
        if not (_real(sigma) and 0 < sigma <= 1):
            raise ModelError(f"cmaes: sigma must be in (0, 1] (a step in the unit cube), got {sigma!r}")
        self.popsize, self.sigma = popsize, sigma

    def run(self, evaluate, dim, budget, seed):
        import cma
        rng = np.random.default_rng(seed)
        left, popsize, x0 = budget, self.popsize, np.full(dim, 0.5)
        while left >= popsize:
            options = {"bounds": [0.0, 1.0], "popsize": popsize, "seed": int(rng.integers(1, 2**31)),
                       "verbose": -9, "maxfevals": left}
            es = cma.CMAEvolutionStrategy(x0, self.sigma, options)
            while not es.stop() and left >= popsize:
                points = np.array(es.ask())
                f = np.asarray(evaluate(points), dtype=np.float64)
                es.tell(list(points), np.where(np.isfinite(f), f, WORST).tolist())
                left -= len(points)
            popsize, x0 = 2 * popsize, rng.random(dim)


class DifferentialEvolution(Strategy):
    """scipy's differential evolution, each generation evaluated at once (``vectorized``,
    ``updating='deferred'``); ``popsize`` times the number of parameters is the
    population, and the budget sets the number of generations.  No polishing:
    the local optimiser would evaluate one point at a time."""

    name = "de"

    def __init__(self, popsize: int = 15, tol: float = 0.0):
        if not (isinstance(popsize, int) and not isinstance(popsize, bool) and popsize >= 5):
            raise ModelError(f"de: popsize must be an integer >= 5, got {popsize!r}")
        if not (_real(tol) and tol >= 0):
            raise ModelError(f"de: tol must be a finite number >= 0, got {tol!r}")
        self.popsize, self.tol = popsize, tol

    def run(self, evaluate, dim, budget, seed):
        from scipy.optimize import differential_evolution
        population = self.popsize * dim
        generations = budget // population - 1
        if generations < 1:
            raise ModelError(f"de: a population of {population} needs a budget of at least {2 * population}")

        def objective(x):
            f = np.asarray(evaluate(x.T), dtype=np.float64)
            return np.where(np.isfinite(f), f, np.inf)

        differential_evolution(objective, [(0.0, 1.0)] * dim, popsize=self.popsize, maxiter=generations,
                               tol=self.tol, polish=False, vectorized=True, updating="deferred",
                               rng=np.random.default_rng(seed))


STRATEGIES = {cls.name: cls for cls in (Grid, RandomSampling, LatinHypercube, CMAES, DifferentialEvolution)}


def strategy(spec: str | Strategy, **options) -> Strategy:
    """A strategy by name (grid, random, lhs, cmaes, de) with its options, or itself."""
    if isinstance(spec, Strategy):
        return spec
    if spec not in STRATEGIES:
        raise ModelError(f"unknown strategy {spec!r}; choose one of {', '.join(STRATEGIES)}")
    try:
        return STRATEGIES[spec](**options)
    except TypeError as exc:
        raise ModelError(f"strategy '{spec}': {exc}") from None


def _in_generations(evaluate: Evaluate, points: np.ndarray, generation: int) -> None:
    """Hand fixed points over ``generation`` at a time (so that progress shows)."""
    for start in range(0, len(points), generation):
        evaluate(points[start:start + generation])
