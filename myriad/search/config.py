"""A search described in a TOML file, for ``myriad search CONFIG.toml``.

    model = "applications.fit_hh:build"        # module:function -> myriad.search.Setup
    objective = "applications.fit_hh:objective" # module:callable of a Result -> float
    tstop = 100.0                               # ms
    dt = 0.025                                  # ms (default 0.025)
    method = "backward_euler"                   # or "rk4"
    backend = "openmp"                          # or "cuda" (each batch on the GPU), "numba"

    [[parameters]]
    path = "soma.hh.gnabar"
    low = 0.03
    high = 0.4
    log = true

    [fixed]                                     # held at these values
    "soma.hh.el" = -54.3

    [features]                                  # reported in the table
    spikes = "applications.neuro.features:spike_count"
    height = { function = "applications.neuro.features:ap_height", arguments = { label = "v" } }

    [search]
    strategy = "cmaes"                          # grid, random, lhs, cmaes, de
    budget = 3000
    seed = 1
    batch = 256
    options = { popsize = 64 }                  # the strategy's own options

    [executor]
    address = "tcp://127.0.0.1:8786"            # a Dask scheduler; leave out to run here

    [output]
    table = "fit.csv"                           # or .parquet; relative to this file
    plot = "fit.png"

Callables are named ``module:attribute``; with ``arguments`` they are bound
by ``functools.partial`` (so that they pickle to Dask workers, whose Python
must import the same modules).  The file's directory comes first on
``sys.path``, so a model module may sit beside it.
"""
from __future__ import annotations

import functools
import importlib
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from myriad.errors import ModelError
from myriad.search.problem import Problem
from myriad.search.space import Parameter

_TOP = {"model", "objective", "tstop", "dt", "method", "backend", "parameters", "fixed", "features", "search",
        "executor", "output"}
_SEARCH = {"strategy", "budget", "seed", "batch", "options"}


@dataclass
class Config:
    """A search file read: the problem, how to run it, and where its results go."""

    problem: Problem
    strategy: str
    budget: int
    seed: int
    batch: int
    options: dict
    address: str | None
    table: Path | None
    plot: Path | None


def load(path) -> Config:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ModelError(f"{path}: cannot read it ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"{path}: not valid TOML: {exc}") from None
    where = str(path.parent.resolve())
    if where not in sys.path:
        sys.path.insert(0, where)

    def fail(message):
        raise ModelError(f"{path}: {message}")

    unknown = set(raw) - _TOP
    if unknown:
        fail(f"unknown key(s) {', '.join(sorted(unknown))} (expected some of {', '.join(sorted(_TOP))})")
    for key in ("model", "objective", "tstop", "parameters"):
        if key not in raw:
            fail(f"'{key}' is missing")
    search = raw.get("search", {})
    if set(search) - _SEARCH:
        fail(f"[search]: unknown key(s) {', '.join(sorted(set(search) - _SEARCH))}")
    parameters = []
    for i, entry in enumerate(raw["parameters"]):
        try:
            parameters.append(Parameter(**entry))
        except TypeError as exc:
            fail(f"parameters[{i}]: {exc} (keys: path, low, high, log)")
        except ModelError as exc:
            fail(f"parameters[{i}]: {exc}")
    try:
        problem = Problem(build=_callable(raw["model"], "model"), parameters=parameters,
                          objective=_callable(raw["objective"], "objective"), tstop=raw["tstop"],
                          dt=raw.get("dt", 0.025), method=raw.get("method", "backward_euler"),
                          backend=raw.get("backend", "openmp"),
                          fixed=dict(raw.get("fixed", {})),
                          features={name: _callable(spec, f"features.{name}")
                                    for name, spec in raw.get("features", {}).items()})
    except ModelError as exc:
        fail(str(exc))
    output = raw.get("output", {})
    return Config(problem=problem, strategy=search.get("strategy", "cmaes"), budget=search.get("budget", 1000),
                  seed=search.get("seed", 0), batch=search.get("batch", 256), options=search.get("options", {}),
                  address=raw.get("executor", {}).get("address"),
                  table=path.parent / output["table"] if "table" in output else None,
                  plot=path.parent / output["plot"] if "plot" in output else None)


def _callable(spec, key: str):
    """``"module:attribute"``, or a table ``{function = ..., arguments = {...}}``."""
    arguments = {}
    if isinstance(spec, dict):
        if set(spec) - {"function", "arguments"} or "function" not in spec:
            raise ModelError(f"'{key}': expected {{function = \"module:name\", arguments = {{...}}}}")
        spec, arguments = spec["function"], spec.get("arguments", {})
    if not (isinstance(spec, str) and spec.count(":") == 1):
        raise ModelError(f"'{key}': expected \"module:name\", got {spec!r}")
    module, name = spec.split(":")
    try:
        found = getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise ModelError(f"'{key}': cannot import {module} ({exc})") from None
    except AttributeError:
        raise ModelError(f"'{key}': module {module} has no '{name}'") from None
    if not callable(found):
        raise ModelError(f"'{key}': {spec} is not callable")
    return functools.partial(found, **arguments) if arguments else found
