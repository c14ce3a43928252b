"""A search described in a TOML file, for ``myriad search CONFIG.toml``.

    model = "applications.fit_hh:build"        # module:function -> myriad.search.Setup
    objective = "applications.fit_hh:objective" # module:callable of a Result -> float
    tstop = 100.0                               # ms
    dt = 0.025                                  # ms (default 0.025)
    method = "backward_euler"                   # or "rk4"
    backend = "openmp"                          # or "cuda" (each batch on the GPU), "numba"
    path = ["models"]                           # optional: first on sys.path (relative to this file)

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
    # threads = 1                               # or, run here: threads per batch (default
                                                # OMP_NUM_THREADS if set, else every core)

    [output]
    table = "fit.csv"                           # or .parquet; relative to this file
    plot = "fit.png"

Callables are named ``module:attribute``; with ``arguments`` they are bound
by ``functools.partial`` (so that they pickle to Dask workers, whose Python
must import the same modules).

A config file is code: the modules it names are imported and the callables
it names are called, with this process's rights (``model = { function =
"subprocess:getoutput", arguments = { cmd = "..." } }`` runs a shell
command).  Load only files you would run as a script.  The file's directory is added last on ``sys.path``, so a model
module may sit beside it but cannot shadow an installed module of the same
name; the directories the file lists in ``path`` go first, and may (that is
what the file asks for).

Every value is checked when the file is loaded, before a model is built or a
simulation run: a mistake is a ModelError naming the file and the key.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import math
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from myriad import backends
from myriad.atomic import unwritable
from myriad.context import METHODS
from myriad.errors import ModelError
from myriad.plotting import check_plot_path
from myriad.search.driver import MAX_BATCH
from myriad.search.problem import Problem
from myriad.search.space import Parameter
from myriad.search.strategies import STRATEGIES, strategy as make_strategy
from myriad.search.table import check_table_format
from myriad.simulation import MAX_THREADS, steps

_TOP = {"model", "objective", "tstop", "dt", "method", "backend", "parameters", "fixed", "features", "search",
        "executor", "output", "path"}
_SEARCH = {"strategy", "budget", "seed", "batch", "options"}
_EXECUTOR = {"address", "threads"}
_OUTPUT = {"table", "plot"}


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
    #: threads of each batched simulation run in this process (None: every core)
    threads: int | None
    table: Path | None
    plot: Path | None


def load(path) -> Config:
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
        raw = tomllib.loads(text)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ModelError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"{path}: not valid TOML: {exc}") from None
    try:
        return _read(path, raw)
    except ModelError as exc:
        raise ModelError(f"{path}: {exc}") from None


def _read(path: Path, raw: dict) -> Config:
    """The checked config (ModelError names the key; ``load`` adds the file):
    plain values first, then the modules (which run code), then the outputs."""
    unknown = set(raw) - _TOP
    if unknown:
        raise ModelError(f"unknown key(s) {', '.join(sorted(unknown))} (expected some of {', '.join(sorted(_TOP))})")
    for key in ("model", "objective", "tstop", "parameters"):
        if key not in raw:
            raise ModelError(f"'{key}' is missing")
    search = _table(raw, "search", _SEARCH)
    executor = _table(raw, "executor", _EXECUTOR)
    output = _table(raw, "output", _OUTPUT)
    fixed = _table(raw, "fixed")
    features = _table(raw, "features")
    tstop = _number("tstop", raw["tstop"])
    dt = _number("dt", raw.get("dt", 0.025))
    try:
        steps(tstop, dt)
    except ModelError as exc:
        raise ModelError(f"'tstop': {exc}") from None
    method = _choice("method", raw.get("method", "backward_euler"), METHODS)
    backend = _choice("backend", raw.get("backend", "openmp"), backends.names())
    parameters = _parameters(raw["parameters"])
    name = _choice("[search] strategy", search.get("strategy", "cmaes"), STRATEGIES)
    budget = _integer("[search] budget", search.get("budget", 1000), 1)
    seed = _integer("[search] seed", search.get("seed", 0), 0)
    batch = _integer("[search] batch", search.get("batch", 256), 1, MAX_BATCH)
    options = search.get("options", {})
    if not isinstance(options, dict):
        raise ModelError(f"[search] options: expected a table of the strategy's options, such as "
                         f"{{ popsize = 64 }}, got {options!r}")
    try:
        make_strategy(name, **options)
    except ModelError as exc:
        raise ModelError(f"[search] options: {exc}") from None
    address = executor.get("address")
    if not (address is None or (isinstance(address, str) and address)):
        raise ModelError(f"[executor] address: expected a scheduler address such as \"tcp://host:8786\", "
                         f"got {address!r}")
    threads = executor.get("threads")
    if threads is not None:
        threads = _integer("[executor] threads", threads, 1, MAX_THREADS)
        if address is not None:
            raise ModelError("[executor] threads: a Dask cluster runs one thread per task; give threads or "
                             "address, not both")
    table, plot = (_output(path, key, output.get(key)) for key in ("table", "plot"))

    _extend_sys_path(path, raw.get("path", []))
    problem = Problem(build=_callable(raw["model"], "model", arguments=0), parameters=parameters,
                      objective=_callable(raw["objective"], "objective", arguments=1), tstop=tstop, dt=dt,
                      method=method, backend=backend, fixed=fixed,
                      features={name: _callable(spec, f"features.{name}", arguments=1)
                                for name, spec in features.items()})
    return Config(problem=problem, strategy=name, budget=budget, seed=seed, batch=batch, options=options,
                  address=address, threads=threads, table=table, plot=plot)


def _table(raw: dict, key: str, keys: set[str] | None = None) -> dict:
    """``[key]``, a table (of only ``keys`` when given)."""
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ModelError(f"'{key}' must be a table ([{key}] or {key} = {{ ... }}), got {value!r}")
    if keys is not None and set(value) - keys:
        raise ModelError(f"[{key}]: unknown key(s) {', '.join(sorted(set(value) - keys))} "
                         f"(expected some of {', '.join(sorted(keys))})")
    return value


def _number(key: str, value) -> float:
    """A positive finite number (``tstop``, ``dt``)."""
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0):
        raise ModelError(f"'{key}' must be a positive number (ms), got {value!r}")
    return float(value)


def _integer(key: str, value, low: int, high: int | None = None) -> int:
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= low
            and (high is None or value <= high)):
        bound = f">= {low}" if high is None else f"from {low} to {high}"
        raise ModelError(f"{key} must be an integer {bound}, got {value!r}")
    return value


def _choice(key: str, value, choices) -> str:
    if value not in tuple(choices):
        raise ModelError(f"{key} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _parameters(entries) -> list[Parameter]:
    if not (isinstance(entries, list) and entries):
        raise ModelError(f"'parameters' must be an array of tables ([[parameters]] path, low, high), got {entries!r}")
    parameters = []
    for i, entry in enumerate(entries):
        try:
            if not isinstance(entry, dict):
                raise ModelError(f"expected a table (path, low, high, log), got {entry!r}")
            parameters.append(Parameter(**entry))
        except TypeError as exc:
            raise ModelError(f"parameters[{i}]: {exc} (keys: path, low, high, log)") from None
        except ModelError as exc:
            raise ModelError(f"parameters[{i}]: {exc}") from None
    return parameters


def _output(config: Path, key: str, value) -> Path | None:
    """``[output] key``, a file relative to the config: one that can be written
    (its directories are made), and not the config itself."""
    if value is None:
        return None
    if not (isinstance(value, str) and value):
        raise ModelError(f"[output] {key}: expected a file name, got {value!r}")
    where = config.parent / value
    reason = unwritable(os.path.join(config.parent, value), parents=True)     # keeps a trailing '/'
    if reason:
        raise ModelError(f"[output] {key}: {reason}")
    if os.path.exists(where) and os.path.samefile(where, config):
        raise ModelError(f"[output] {key}: {value!r} is this config file; give another file")
    try:
        check_table_format(where) if key == "table" else check_plot_path(where)
    except ModelError as exc:
        raise ModelError(f"[output] {key}: {exc}") from None
    return where


def _extend_sys_path(config: Path, extra) -> None:
    """The config's directory last on sys.path (a module beside it is found
    unless an installed one has its name); the directories it lists in
    ``path`` (relative to it) first, in their order."""
    if not (isinstance(extra, list) and all(isinstance(entry, str) and entry for entry in extra)):
        raise ModelError(f"'path' must be an array of directory names, got {extra!r}")
    for entry in reversed(extra):
        where = str((config.parent / entry).resolve())
        if not os.path.isdir(where):
            raise ModelError(f"path: {entry!r} is not a directory ({where})")
        if where in sys.path:
            sys.path.remove(where)
        sys.path.insert(0, where)
    where = str(config.parent.resolve())
    if where not in sys.path:
        sys.path.append(where)


def _callable(spec, key: str, arguments: int):
    """``"module:attribute"``, or a table ``{function = ..., arguments = {...}}``:
    a callable that takes ``arguments`` positional arguments (0 for a model's
    builder, 1, a Result, for an objective or a feature)."""
    bound = {}
    if isinstance(spec, dict):
        if set(spec) - {"function", "arguments"} or "function" not in spec:
            raise ModelError(f"'{key}': expected {{function = \"module:name\", arguments = {{...}}}}")
        spec, bound = spec["function"], spec.get("arguments", {})
        if not isinstance(bound, dict):
            raise ModelError(f"'{key}': arguments must be a table of keyword arguments, got {bound!r}")
    if not (isinstance(spec, str) and spec.count(":") == 1 and all(spec.split(":"))):
        raise ModelError(f"'{key}': expected \"module:name\", got {spec!r}")
    module, name = spec.split(":")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, SyntaxError) as exc:
        raise ModelError(f"'{key}': cannot import {module} ({type(exc).__name__}: {exc})") from None
    except AttributeError:
        raise ModelError(f"'{key}': module {module} has no '{name}'") from None
    if not callable(found):
        raise ModelError(f"'{key}': {spec} is not callable")
    made = functools.partial(found, **bound) if bound else found
    try:
        signature = inspect.signature(made)
    except (TypeError, ValueError):
        return made                     # some builtins do not say; their first call will
    try:
        signature.bind(*[None] * arguments)
    except TypeError as exc:
        if arguments == 0:
            raise ModelError(f"'{key}': {spec}{signature} is not a model builder ({exc}): a builder is called "
                             f"with no arguments and returns a myriad.search.Setup") from None
        raise ModelError(f"'{key}': {spec}{signature} cannot take a Result ({exc}): it is called with one "
                         f"argument, a Result, and returns a number") from None
    return made
