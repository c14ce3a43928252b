"""What a search evaluates, and the evaluation of one batch of parameter sets.

A problem travels by pickling (to Dask workers, say), so it names how to
build the model rather than carrying a compiled one.  Each process builds
and compiles it once per batch size (the compiled code itself comes from the
shared cache) and keeps it; a batch of parameter sets is then a few numpy
assignments and one batched run.
"""
from __future__ import annotations

import math
import numbers
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from myriad.batch import Batch
from myriad.errors import ModelError, MyriadError, NonFiniteError
from myriad.model import Model
from myriad.search.space import Parameter, Space
from myriad.result import Result
from myriad.simulation import check_required


@dataclass
class Setup:
    """What a problem's ``build`` returns: the model, how parameter paths map
    onto its instances (``locate(path)`` -> (refs, field name): the model's
    vocabulary, e.g. ``Network.locate``), and what to record for the objective
    (trace label -> (ref, field))."""

    model: Model
    locate: Callable[[str], tuple[list, str]]
    record: dict[str, tuple] = field(default_factory=dict)


@dataclass
class Problem:
    """A model (``build()`` -> Setup), its free parameters, the objective to
    minimise (a ``Result`` -> float; nan counts as the worst value), features
    reported alongside (name -> ``Result`` -> float), parameters held at other
    values than the model's (``fixed``: path -> value), and how to simulate
    (``backend`` "cuda" runs each batch on the GPU, in one kernel).  A parameter
    set whose run blows up scores nan."""

    build: Callable[[], Setup]
    parameters: Sequence[Parameter]
    objective: Callable[[Result], float]
    tstop: float
    features: dict[str, Callable[[Result], float]] = field(default_factory=dict)
    fixed: dict[str, float] = field(default_factory=dict)
    method: str = "backward_euler"
    dt: float = 0.025
    backend: str = "openmp"
    #: False lets rk4 run parameter sets beyond its stability bound; those that blow up score nan
    check_stability: bool = True
    #: names this problem in the evaluators each process keeps
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self):
        self.space = Space(self.parameters)
        if not (isinstance(self.tstop, (int, float)) and math.isfinite(self.tstop) and self.tstop > 0):
            raise ModelError(f"a search needs tstop > 0 ms, got {self.tstop!r}")
        if not callable(self.objective):
            raise ModelError(f"the objective must be callable (a Result -> float), got {self.objective!r}")
        for path, value in self.fixed.items():
            if not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise ModelError(f"fixed parameter '{path}': value must be a finite number, got {value!r}")


class Evaluator:
    """A problem built and compiled for batches of ``instances`` parameter sets."""

    def __init__(self, problem: Problem, instances: int, threads: int):
        self.problem = problem
        setup = problem.build()
        if not isinstance(setup, Setup):
            raise ModelError(f"the problem's build() must return a myriad.search.Setup, got {type(setup).__name__}")
        self.batch = Batch(setup.model, instances, method=problem.method, dt=problem.dt, threads=threads,
                           backend=problem.backend, check_stability=problem.check_stability)
        for label, (ref, name) in setup.record.items():
            self.batch.record(ref, name, label=label)
        self.free = [self._bind(setup, p.path, _spanned(p.low, p.high)) for p in problem.space.parameters]
        for path, value in problem.fixed.items():
            array, at = self._bind(setup, path, [value])
            array[at] = value

    def _bind(self, setup: Setup, path: str, values) -> tuple[np.ndarray, np.ndarray]:
        """Where ``path`` is in the batch, once its instances are known to accept ``values``."""
        try:
            refs, name = setup.locate(path)
            where = self.batch.where(refs, name)
            for ref in refs:
                check_required(ref, name, values)
            return where
        except ModelError as exc:
            raise ModelError(f"parameter '{path}': {exc}") from None

    def __call__(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Objectives (n,) and features (n, features) of parameter sets (n, d), one per instance.

        A parameter set whose run blows up (NaN or Inf) scores nan, the worst:
        the batch is run again with that instance given a set that did not
        blow up, which changes nothing for the others (instances share nothing)."""
        n, problem = len(values), self.problem
        objectives = np.full(n, np.nan)
        features = np.full((n, len(problem.features)), np.nan)
        blown: set[int] = set()
        while len(blown) < n:
            stand_in = values[min(set(range(n)) - blown)]
            given = np.array([stand_in if k in blown else v for k, v in enumerate(values)])
            for (array, at), column in zip(self.free, given.T):
                array[at] = column[:, None]
            try:
                run = self.batch.run(problem.tstop)
            except NonFiniteError:
                blown.update(self.batch.blown_up())
                continue
            for k in set(range(n)) - blown:
                result = run.instance(k)
                objectives[k] = _number_from(problem.objective, result, "the objective")
                features[k] = [_number_from(feature, result, f"feature '{name}'")
                               for name, feature in problem.features.items()]
            break
        return objectives, features


def _number_from(function: Callable[[Result], float], result: Result, what: str) -> float:
    """``function(result)``, a number; a function that fails, or gives
    something else, is a ModelError naming it (its exception chained)."""
    name = getattr(getattr(function, "func", function), "__qualname__", repr(function))
    try:
        value = function(result)
    except MyriadError as exc:
        raise ModelError(f"{what} ({name}): {exc}") from exc
    except Exception as exc:
        raise ModelError(f"{what} ({name}) failed on a Result: {type(exc).__name__}: {exc}") from exc
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not isinstance(value, numbers.Real):
        raise ModelError(f"{what} ({name}) must return a number, got {type(value).__name__}")
    return float(value)


def _spanned(low: float, high: float) -> list[float]:
    """Values that stand for the range [low, high] against a field's requirement (> 0, >= 0, != 0)."""
    return [low, high, 0.0] if low < 0.0 < high else [low, high]


#: evaluators this process keeps (the most recently used last), by problem, size, threads and thread
_EVALUATORS: OrderedDict = OrderedDict()
_KEEP = 4
_LOCK = threading.Lock()


def evaluate(problem: Problem, values: np.ndarray, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate parameter sets (n, d) with this process's evaluator for the
    problem (made on first use); what an executor runs, locally or on a worker."""
    key = (problem.token, len(values), threads, threading.get_ident())
    with _LOCK:
        evaluator = _EVALUATORS.pop(key, None)
    if evaluator is None:
        evaluator = Evaluator(problem, len(values), threads)
    with _LOCK:
        _EVALUATORS[key] = evaluator
        while len(_EVALUATORS) > _KEEP:
            _EVALUATORS.popitem(last=False)
    return evaluator(np.asarray(values, dtype=np.float64))
