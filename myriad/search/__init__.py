"""Parameter search: thousands of parameter sets through batched simulations.

A ``Problem`` names how to build a model, its free ``Parameter``s (paths in
the model's own vocabulary, with bounds and scale) and an objective on a
``Result``; ``run`` spends a budget of evaluations with a strategy (grid,
random, lhs, cmaes, de), batch by batch, in this process or on a Dask
cluster, and returns the best set and the table of every evaluation.
"""
from myriad.search.driver import Outcome, run
from myriad.search.executors import DaskExecutor, InProcess
from myriad.search.problem import Problem, Setup, evaluate
from myriad.search.space import Parameter, Space
from myriad.search.strategies import (CMAES, DifferentialEvolution, Grid, LatinHypercube, RandomSampling,
                                      Strategy)

__all__ = ["Outcome", "run", "DaskExecutor", "InProcess", "Problem", "Setup", "evaluate", "Parameter", "Space",
           "CMAES", "DifferentialEvolution", "Grid", "LatinHypercube", "RandomSampling", "Strategy"]
